"""SBI answers for every call, driven through crafted ecall exits on a test double."""
from __future__ import annotations

import pytest

from interfaces.trace import ExitRecord
from vmm_model.memory import HostMemory
from vmm_model.platform import PAGE_SIZE, RAM_BASE
from vmm_model.vmm import sbi
from vmm_model.vmm.allocator import HostPageAllocator
from vmm_model.vmm.exits import ExitHandler
from vmm_model.vmm.vcpu import RunState
from vmm_model.vmm.vm import Vm, VmStatus

from .test_vmm_fakes import FakeUnit, run

ECALL_PC = RAM_BASE + 0x100
M32 = 0xFFFF_FFFF


def make_vm(num_vcpus=2):
    memory = HostMemory(256 * PAGE_SIZE, base=0x4000_0000)
    vm = Vm(0, 1, HostPageAllocator(memory, 0), ram_size=64 * PAGE_SIZE)
    vm.boot(RAM_BASE, num_vcpus)
    unit = FakeUnit(num_vcpus)
    for vcpu, ctx in zip(vm.vcpus, unit.contexts):     # resident, as the VMM would place them
        run(ctx.write_state(vcpu.saved))
        vcpu.context = ctx
    return vm


def call(vcpu, eid, fid=0, *args, **regs):
    values = {"x17": eid & M32, "x16": fid & M32, "x12": 0, "x13": 0, "x14": 0, "x15": 0,
              "x5": 0x5555, "x11": 0x1111, "pc": ECALL_PC}   # pc = sepc, as after an exit
    values.update({f"x{10 + i}": a & M32 for i, a in enumerate(args)})
    values.update(regs)
    run(vcpu.write(values))
    run(ExitHandler().handle(vcpu, ExitRecord(ctx=0, scause=10, sepc=ECALL_PC)))
    return run(vcpu.read(["x10", "x11", "pc", "x5", "x17", "x16"]))


def signed(v):
    return v - (1 << 32) if v >> 31 else v


def answer(regs):
    return signed(regs["x10"]), regs["x11"]


class TestBase:
    @pytest.mark.parametrize("fid,value", [(0, 0x0200_0000), (1, sbi.IMPL_ID), (2, sbi.IMPL_VERSION),
                                           (4, 0), (5, 0), (6, 0)])
    def test_fixed_answers(self, fid, value):
        regs = call(make_vm().vcpus[0], sbi.EXT_BASE, fid)
        assert answer(regs) == (0, value)
        assert regs["pc"] == ECALL_PC + 4
        assert regs["x5"] == 0x5555 and regs["x17"] == sbi.EXT_BASE   # others preserved

    @pytest.mark.parametrize("eid,present", [(sbi.EXT_BASE, 1), (sbi.EXT_TIME, 1), (sbi.EXT_SRST, 1),
                                             (sbi.EXT_DBCN, 1), (sbi.EXT_HSM, 1), (0x01, 1),
                                             (0x735049, 0), (0x52464E43, 0), (0x04, 0)])
    def test_probe_extension(self, eid, present):
        assert answer(call(make_vm().vcpus[0], sbi.EXT_BASE, 3, eid)) == (0, present)

    def test_unknown_fid_and_eid_are_not_supported(self):
        vcpu = make_vm().vcpus[0]
        assert answer(call(vcpu, sbi.EXT_BASE, 7))[0] == -2
        regs = call(vcpu, 0x1234_5678, 0)
        assert answer(regs)[0] == -2 and regs["pc"] == ECALL_PC + 4


class TestTime:
    def test_set_timer_programs_vstimecmp_and_clears_injected_vstip(self):
        vcpu = make_vm().vcpus[0]
        run(vcpu.write({"hvip": 0x44}))
        assert answer(call(vcpu, sbi.EXT_TIME, 0, 0x1234, 0x5)) == (0, 0)
        regs = run(vcpu.read(["vstimecmp", "vstimecmph", "hvip"]))
        assert regs == {"vstimecmp": 0x1234, "vstimecmph": 5, "hvip": 0x04}

    def test_other_fid_not_supported(self):
        assert answer(call(make_vm().vcpus[0], sbi.EXT_TIME, 1))[0] == -2

    def test_legacy_set_timer_answers_in_a0_only(self):
        vcpu = make_vm().vcpus[0]
        regs = call(vcpu, 0x00, 0, 77, 0)
        assert signed(regs["x10"]) == 0 and regs["pc"] == ECALL_PC + 4
        assert run(vcpu.read(["vstimecmp"]))["vstimecmp"] == 77


class TestSrst:
    def test_shutdown_no_reason_passes_and_does_not_return(self):
        vm = make_vm()
        regs = call(vm.vcpus[0], sbi.EXT_SRST, 0, 0, 0)
        assert vm.status is VmStatus.PASSED
        assert regs["pc"] == ECALL_PC                                # no return: pc stays
        assert all(v.state is RunState.STOPPED for v in vm.vcpus)

    def test_shutdown_system_failure_fails(self):
        vm = make_vm()
        call(vm.vcpus[1], sbi.EXT_SRST, 0, 0, 1)
        assert vm.status is VmStatus.FAILED and "system failure" in vm.reason

    @pytest.mark.parametrize("rtype,reason,error", [(1, 0, -2), (2, 1, -2), (3, 0, -3),
                                                    (0xF000_0000, 0, -3), (0, 2, -3),
                                                    (0, 0xE000_0000, -3)])
    def test_errors(self, rtype, reason, error):
        vm = make_vm()
        regs = call(vm.vcpus[0], sbi.EXT_SRST, 0, rtype, reason)
        assert answer(regs)[0] == error and vm.running

    def test_legacy_shutdown_passes(self):
        vm = make_vm()
        call(vm.vcpus[0], 0x08)
        assert vm.status is VmStatus.PASSED


class TestConsole:
    def test_dbcn_write_reads_guest_physical_memory(self):
        vm = make_vm()
        vm.ram.write(RAM_BASE + PAGE_SIZE - 3, b"hello\n")       # crosses a page
        assert answer(call(vm.vcpus[0], sbi.EXT_DBCN, 0, 6, RAM_BASE + PAGE_SIZE - 3, 0)) == (0, 6)
        assert bytes(vm.console.output) == b"hello\n"

    def test_dbcn_write_of_swapped_out_page(self):
        vm = make_vm()
        vm.ram.write(RAM_BASE, b"swap")
        vm.ram._evict(RAM_BASE)
        assert answer(call(vm.vcpus[0], sbi.EXT_DBCN, 0, 4, RAM_BASE, 0)) == (0, 4)
        assert bytes(vm.console.output) == b"swap"

    @pytest.mark.parametrize("length,lo,hi", [(4, 0x1000_0000, 0), (4, RAM_BASE, 1),
                                              (8, RAM_BASE + 64 * PAGE_SIZE - 4, 0)])
    def test_dbcn_outside_ram_is_invalid_param(self, length, lo, hi):
        vm = make_vm()
        assert answer(call(vm.vcpus[0], sbi.EXT_DBCN, 0, length, lo, hi))[0] == -3
        assert answer(call(vm.vcpus[0], sbi.EXT_DBCN, 1, length, lo, hi))[0] == -3
        assert vm.console.output == b""

    def test_dbcn_read_has_no_input_and_write_byte(self):
        vm = make_vm()
        assert answer(call(vm.vcpus[0], sbi.EXT_DBCN, 1, 4, RAM_BASE, 0)) == (0, 0)
        assert answer(call(vm.vcpus[0], sbi.EXT_DBCN, 2, 0x141)) == (0, 0)
        assert answer(call(vm.vcpus[0], sbi.EXT_DBCN, 0, 0, 0, 0)) == (0, 0)
        assert answer(call(vm.vcpus[0], sbi.EXT_DBCN, 3))[0] == -2
        assert bytes(vm.console.output) == b"A"

    def test_legacy_putchar_getchar(self):
        vm = make_vm()
        regs = call(vm.vcpus[0], 0x01, 0, ord("x"))
        assert signed(regs["x10"]) == 0 and regs["x11"] == 0x1111   # a1 untouched
        assert signed(call(vm.vcpus[0], 0x02)["x10"]) == -1
        assert signed(call(vm.vcpus[0], 0x03)["x10"]) == -2
        assert bytes(vm.console.output) == b"x"


class TestHsm:
    def test_get_status(self):
        vm = make_vm(3)
        vm.vcpus[1].state = RunState.STOPPED
        vm.vcpus[2].state = RunState.SUSPENDED
        assert answer(call(vm.vcpus[0], sbi.EXT_HSM, 2, 0)) == (0, 0)
        assert answer(call(vm.vcpus[0], sbi.EXT_HSM, 2, 1)) == (0, 1)
        assert answer(call(vm.vcpus[0], sbi.EXT_HSM, 2, 2)) == (0, 4)
        assert answer(call(vm.vcpus[0], sbi.EXT_HSM, 2, 3))[0] == -3

    def test_stop_then_start_with_opaque(self):
        vm = make_vm()
        target = vm.vcpus[1]
        run(target.write({"vsatp": 0x8000_0001, "vsstatus": 0x22, "priv": 0}))
        call(target, sbi.EXT_HSM, 1)
        assert target.state is RunState.STOPPED
        regs = call(vm.vcpus[0], sbi.EXT_HSM, 0, 1, RAM_BASE + 0x40, 0xCAFE)
        assert answer(regs) == (0, 0)
        assert target.state is RunState.STARTED
        state = run(target.read(["pc", "x10", "x11", "vsatp", "vsstatus", "priv"]))
        assert state == {"pc": RAM_BASE + 0x40, "x10": 1, "x11": 0xCAFE, "vsatp": 0,
                         "vsstatus": 0, "priv": 1}

    def test_start_errors(self):
        vm = make_vm()
        assert answer(call(vm.vcpus[0], sbi.EXT_HSM, 0, 1, RAM_BASE, 0))[0] == -6   # running
        assert answer(call(vm.vcpus[0], sbi.EXT_HSM, 0, 9, RAM_BASE, 0))[0] == -3   # no such hart
        vm.vcpus[1].state = RunState.STOPPED
        assert answer(call(vm.vcpus[0], sbi.EXT_HSM, 0, 1, 0x1000_0000, 0))[0] == -5
        assert answer(call(vm.vcpus[0], sbi.EXT_HSM, 0, 1, RAM_BASE + 2, 0))[0] == -5
        assert vm.vcpus[1].state is RunState.STOPPED

    def test_suspend_kinds(self):
        vm = make_vm()
        vcpu = vm.vcpus[0]
        regs = call(vcpu, sbi.EXT_HSM, 3, 0, 0, 0)
        assert answer(regs) == (0, 0) and regs["pc"] == ECALL_PC + 4
        assert vcpu.state is RunState.SUSPENDED and vcpu.on_wake is None
        vcpu.state = RunState.STARTED
        regs = call(vcpu, sbi.EXT_HSM, 3, 0x8000_0000, RAM_BASE + 8, 42)
        assert regs["pc"] == ECALL_PC                         # does not return
        assert vcpu.on_wake["pc"] == RAM_BASE + 8 and vcpu.on_wake["x11"] == 42
        vcpu.state = RunState.STARTED
        assert answer(call(vcpu, sbi.EXT_HSM, 3, 0x8000_0000, 0x20, 0))[0] == -5
        assert answer(call(vcpu, sbi.EXT_HSM, 3, 0x0000_0001))[0] == -3
        assert answer(call(vcpu, sbi.EXT_HSM, 3, 0x1000_0000))[0] == -2
        assert answer(call(vcpu, sbi.EXT_HSM, 4))[0] == -2
