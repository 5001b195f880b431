"""The VMM main loop on a scripted unit: quanta, world switches, WFI and time, the cap."""
from __future__ import annotations

from interfaces.regmap import FLUSH_ALL, FLUSH_GVMA
from interfaces.trace import ExitRecord
from vmm_model.memory import HostMemory
from vmm_model.platform import PAGE_SIZE, RAM_BASE
from vmm_model.vmm import sbi
from vmm_model.vmm.allocator import HostPageAllocator
from vmm_model.vmm.vm import Vm
from vmm_model.vmm.vmm import Vmm

from .test_vmm_fakes import FakeUnit, run

WFI = 0x1050_0073


def make_vms(*vcpus_per_vm):
    alloc = HostPageAllocator(HostMemory(512 * PAGE_SIZE, base=0x4000_0000), 0)
    vms = []
    for index, count in enumerate(vcpus_per_vm):
        vm = Vm(index, index + 1, alloc, ram_size=64 * PAGE_SIZE)
        vm.boot(RAM_BASE, count)
        vms.append(vm)
    return vms


def ecall(eid, fid=0, *args, retired=1):
    """A script step: the guest sets up an SBI call and traps on the ecall."""
    def step(ctx):
        ctx.state.update({"x17": eid, "x16": fid})
        ctx.state.update({f"x{10 + i}": a for i, a in enumerate(args)})
        return retired, ExitRecord(ctx=0, scause=10, sepc=ctx.state["pc"])
    return step


def shutdown(reason=0, retired=1):
    return ecall(sbi.EXT_SRST, 0, 0, reason, retired=retired)


def wfi(retired=1, **state):
    def step(ctx):
        ctx.state.update(state)
        return retired, ExitRecord(ctx=0, scause=22, sepc=ctx.state["pc"], stval=WFI)
    return step


def test_single_vcpu_passes_and_counts_retirements():
    vms = make_vms(1)
    unit = FakeUnit(2)
    unit.contexts[0].script = [ecall(0x01, 0, ord("!"), retired=7), shutdown(retired=3)]
    outcome = run(Vmm(unit, vms, quantum=100).run())
    assert outcome.status == "pass" and outcome.instructions == 10
    assert bytes(vms[0].console.output) == b"!"
    assert unit.contexts[0].runs == [100, 93]          # continues with what is left of the quantum
    assert unit.flushes[0][0] == FLUSH_ALL


def test_round_robin_on_the_quantum_with_fast_switch():
    vms = make_vms(2)
    unit = FakeUnit(2)
    # vCPU 0 sits in ctx 0 and is preempted each time (empty script); vCPU 1 shuts down on turn 2.
    unit.contexts[1].script = [lambda ctx: (10, ExitRecord(ctx=1, scause=0x8000_0005,
                                                           sepc=ctx.state["pc"])), shutdown()]
    vmm = Vmm(unit, vms, quantum=10)
    outcome = run(vmm.run())
    assert outcome.status == "pass" and outcome.instructions == 31
    assert unit.contexts[0].runs == [10, 10] and unit.contexts[1].runs == [10, 10]
    assert vmm.pool.stats.slow == 2 and vmm.pool.stats.fast == 2


def test_slow_world_switch_preserves_each_vcpus_registers():
    vms = make_vms(3)
    unit = FakeUnit(1)
    ctx = unit.contexts[0]
    seen = []

    def observe(ctx):
        seen.append(ctx.state["x10"])                     # a0 = vCPU id, restored on each switch
        ctx.state["x20"] = 0x100 + ctx.state["x10"]
        return 5, ExitRecord(ctx=0, scause=0x8000_0005, sepc=ctx.state["pc"])

    ctx.script = [observe] * 6 + [shutdown()]
    vmm = Vmm(unit, vms, quantum=5)
    assert run(vmm.run()).status == "pass"
    assert seen == [0, 1, 2, 0, 1, 2]
    assert vms[0].vcpus[1].saved["x20"] == 0x101 and vms[0].vcpus[2].saved["x20"] == 0x102
    assert vmm.pool.stats.slow == 7


def test_instruction_cap_stops_exactly_with_timeout():
    vms = make_vms(1)
    unit = FakeUnit(1)
    outcome = run(Vmm(unit, vms, quantum=10, max_instructions=25).run())
    assert outcome.status == "timeout" and "25" in outcome.message
    assert outcome.instructions == 25
    assert unit.contexts[0].runs == [10, 10, 5]


def test_wfi_with_everyone_waiting_jumps_time_to_the_deadline():
    vms = make_vms(1)
    unit = FakeUnit(1)
    unit.contexts[0].script = [
        wfi(retired=4, hie=0x40, vstimecmp=5000, vstimecmph=0, htimedelta=1000, htimedeltah=0),
        shutdown()]
    vmm = Vmm(unit, vms, quantum=100)
    outcome = run(vmm.run())
    assert outcome.status == "pass"
    assert vmm.time_jumps == 1
    assert unit.time == 4000 + 1                          # deadline = vstimecmp - htimedelta
    assert outcome.instructions == 5                      # the jump is not counted


def test_waiting_vcpu_wakes_when_another_vcpu_moves_time():
    vms = make_vms(2)
    unit = FakeUnit(2)
    unit.contexts[0].script = [wfi(hie=0x40, vstimecmp=30, vstimecmph=0), shutdown()]
    vmm = Vmm(unit, vms, quantum=10)
    assert run(vmm.run()).status == "pass"
    assert vmm.time_jumps == 0
    assert unit.time >= 30


def test_injected_vs_interrupt_wakes_wfi_too():
    vms = make_vms(1)
    unit = FakeUnit(1)
    unit.contexts[0].script = [wfi(hie=0x4, hvip=0x4), shutdown()]
    assert run(Vmm(unit, vms, quantum=10).run()).status == "pass"


def test_everyone_waiting_without_a_timer_is_a_timeout():
    vms = make_vms(1)
    unit = FakeUnit(1)
    unit.contexts[0].script = [wfi(hie=0)]
    outcome = run(Vmm(unit, vms, quantum=10).run())
    assert outcome.status == "timeout" and "no timer" in outcome.message


def test_all_vcpus_stopped_fails_the_vm():
    vms = make_vms(1)
    unit = FakeUnit(1)
    unit.contexts[0].script = [ecall(sbi.EXT_HSM, 1)]
    outcome = run(Vmm(unit, vms, quantum=10).run())
    assert outcome.status == "fail" and "stopped" in outcome.message


def test_two_vms_one_failing_fails_the_run_and_flushes_carry_vmids():
    vms = make_vms(1, 1)
    unit = FakeUnit(2)

    def touch_ram(ctx):
        gpa = RAM_BASE + 7 * PAGE_SIZE
        return 1, ExitRecord(ctx=0, scause=23, sepc=ctx.state["pc"], stval=gpa, htval=gpa >> 2)

    unit.contexts[0].script = [touch_ram, shutdown(0)]
    unit.contexts[1].script = [shutdown(1)]
    outcome = run(Vmm(unit, vms, quantum=10).run())
    assert outcome.status == "fail" and "vm1.cpu0" in outcome.message
    assert (FLUSH_GVMA, 1, None, RAM_BASE + 7 * PAGE_SIZE) in unit.flushes
    assert vms[0].status.value == "pass" and vms[1].status.value == "fail"


def test_non_retentive_suspend_resumes_at_the_resume_address_on_the_timer():
    vms = make_vms(1)
    unit = FakeUnit(1)
    resume = RAM_BASE + 0x40
    seen = {}

    def after_wake(ctx):
        seen.update({n: ctx.state[n] for n in ("pc", "x10", "x11", "vsatp")})
        return shutdown()(ctx)

    def suspend(ctx):
        ctx.state.update({"hie": 0x40, "vstimecmp": 500, "vstimecmph": 0, "vsatp": 0x8000_0001})
        return ecall(sbi.EXT_HSM, 3, 0x8000_0000, resume, 0x77)(ctx)

    unit.contexts[0].script = [suspend, after_wake]
    vmm = Vmm(unit, vms, quantum=100)
    assert run(vmm.run()).status == "pass"
    assert seen == {"pc": resume, "x10": 0, "x11": 0x77, "vsatp": 0}
    assert vmm.time_jumps == 1 and unit.time == 501


def test_guest_timer_deadline_accounts_for_htimedelta_wraparound():
    from vmm_model.vmm.wakeup import pending_enabled, timer_deadline
    regs = {"hvip": 0, "hie": 0x40, "hideleg": 0x444, "vstimecmp": 10, "vstimecmph": 0,
            "htimedelta": 0xFFFF_FFF0, "htimedeltah": 0xFFFF_FFFF}      # htimedelta = -16
    assert timer_deadline(regs) == 26
    assert not pending_enabled(regs, 25) and pending_enabled(regs, 26)
    regs["hideleg"] = 0
    assert timer_deadline(regs) is None and not pending_enabled(regs, 1000)
