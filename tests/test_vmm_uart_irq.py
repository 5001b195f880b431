"""The UART's interrupt: the 16550 IER/IIR model (THRE interrupt) and its routing to VSEI.

The line drives ``hvip.VSEIP`` of the VM's vCPU 0 (no PLIC); the VMM copies it
after every UART MMIO emulation, wherever vCPU 0's state lives (its context, or
the saved copy), and a vCPU waiting in WFI wakes on it.
"""
from __future__ import annotations

import pytest

from interfaces.trace import ExitRecord
from interfaces.vcpu_state import PREEMPT_CAUSE
from vmm_model.isa import encode
from vmm_model.memory import HostMemory
from vmm_model.platform import PAGE_SIZE, RAM_BASE, UART_BASE
from vmm_model.vmm import mmio, sbi
from vmm_model.vmm.allocator import HostPageAllocator
from vmm_model.vmm.console import Console
from vmm_model.vmm.exits import ExitHandler
from vmm_model.vmm.uart import (IER_ERBFI, IER_ETBEI, IIR_NONE, IIR_THRE, LSR_TEMT, LSR_THRE,
                                Uart16550)
from vmm_model.vmm.vcpu import RunState
from vmm_model.vmm.vm import HVIP_VSEIP, Vm
from vmm_model.vmm.vmm import Vmm
from vmm_model.vmm.wakeup import pending_enabled

from .test_vmm_fakes import FakeUnit, run

THR, IER, IIR, FCR, LCR, MCR, LSR, MSR, SCR = 0, 1, 2, 2, 3, 4, 5, 6, 7
VSSIP, VSTIP = 1 << 2, 1 << 6


def uart():
    return Uart16550(Console(0))


# ----------------------------------------------------------------------- the 16550 model

class TestRegisters:
    def test_reset_state(self):
        u = uart()
        assert [u.read(off) for off in range(8)] == [0, 0, IIR_NONE, 0, 0,
                                                     LSR_THRE | LSR_TEMT, 0, 0]
        assert u.irq == 0

    def test_ier_keeps_only_erbfi_and_etbei(self):
        u = uart()
        u.write(IER, 0xFD)
        assert u.read(IER) == IER_ERBFI
        assert u.irq == 0 and u.read(IIR) == IIR_NONE     # no input, ever

    def test_lcr_mcr_scr_are_plain_registers_fcr_lsr_msr_ignore_writes(self):
        u = uart()
        for off, value in ((LCR, 0x1B), (MCR, 0x1F), (SCR, 0xA5)):
            u.write(off, value)
        for off in (FCR, LSR, MSR):
            u.write(off, 0xFF)
        assert [u.read(off) for off in (LCR, MCR, SCR)] == [0x1B, 0x1F, 0xA5]
        assert u.read(IIR) == IIR_NONE and u.read(LSR) == LSR_THRE | LSR_TEMT and u.read(MSR) == 0
        assert bytes(u.console.output) == b""

    def test_divisor_latch_while_dlab(self):
        u = uart()
        u.write(LCR, 0x83)
        u.write(THR, 0x0C)                      # DLL, not a character
        u.write(IER, IER_ETBEI)                 # DLM, not an interrupt enable
        assert (u.read(THR), u.read(IER)) == (0x0C, IER_ETBEI)
        assert bytes(u.console.output) == b"" and u.irq == 0
        u.write(LCR, 0x03)
        assert (u.read(THR), u.read(IER)) == (0, 0)
        u.write(THR, ord("x"))
        assert bytes(u.console.output) == b"x"


class TestThreInterrupt:
    def test_etbei_rising_raises_it_and_reading_iir_clears_it(self):
        u = uart()
        u.write(IER, IER_ETBEI)
        assert u.irq == 1
        assert u.read(IIR) == IIR_THRE
        assert u.irq == 0
        assert u.read(IIR) == IIR_NONE

    def test_iir_read_without_a_pending_interrupt_has_no_side_effect(self):
        u = uart()
        assert u.read(IIR) == IIR_NONE
        u.write(IER, IER_ETBEI)
        u.write(FCR, 0x07)                      # a FIFO reset does not acknowledge it
        assert u.irq == 1

    def test_rewriting_etbei_does_not_rearm_but_a_thr_write_does(self):
        u = uart()
        u.write(IER, IER_ETBEI)
        u.read(IIR)
        u.write(IER, IER_ETBEI | IER_ERBFI)     # ETBEI stays 1: no edge, nothing new
        assert u.irq == 0
        u.write(THR, ord("a"))                  # cleared by the write, THR empties at once
        assert u.irq == 1 and bytes(u.console.output) == b"a"
        u.write(THR, ord("b"))
        assert u.irq == 1
        assert u.read(IIR) == IIR_THRE and u.irq == 0

    def test_clearing_etbei_drops_it_and_setting_it_again_rearms(self):
        u = uart()
        u.write(IER, IER_ETBEI)
        u.write(IER, 0)
        assert u.irq == 0 and u.read(IIR) == IIR_NONE
        u.write(THR, ord("q"))                  # ETBEI = 0: printed, no interrupt
        assert u.irq == 0 and bytes(u.console.output) == b"q"
        u.write(IER, IER_ETBEI)
        assert u.irq == 1 and u.read(IIR) == IIR_THRE

    def test_word_access_is_split_into_bytes(self):
        """A 32-bit load at +0 reads RBR, IER, IIR, LCR: the IIR read acknowledges."""
        u = uart()
        u.write(LCR, 0x03)
        u.write(IER, IER_ETBEI)
        access = mmio.MemAccess(is_store=False, size=4, signed=False, reg=5)
        assert mmio.load_from_device(u, 0, access) == 0x03_C2_02_00
        assert u.irq == 0


# ----------------------------------------------------------------------- VSEI routing

def make_vm(num_vcpus=2, resident=(0, 1)):
    """A VM with vCPUs; those in ``resident`` sit in a fake context, the others are saved."""
    memory = HostMemory(256 * PAGE_SIZE, base=0x4000_0000)
    vm = Vm(0, 3, HostPageAllocator(memory, 0), ram_size=64 * PAGE_SIZE)
    vm.boot(RAM_BASE, num_vcpus)
    unit = FakeUnit(max(1, len(resident)))
    for slot, index in enumerate(resident):
        vcpu = vm.vcpus[index]
        ctx = unit.contexts[slot]
        run(ctx.write_state(vcpu.saved))
        vcpu.context = ctx
    for vcpu in vm.vcpus:
        run(vcpu.write({"pc": RAM_BASE + 0x200}))
    return vm


def mmio_exit(vcpu, offset, value=None, rd=9):
    """Emulate ``sb x7, offset(uart)`` (value given) or ``lbu x9, offset(uart)`` on ``vcpu``."""
    if value is not None:
        run(vcpu.write({"x7": value}))
        word, cause = encode("sb", rs1=6, rs2=7, imm=0) & 0x01FF_F07F, 23
    else:
        word, cause = encode("lbu", rd=rd, rs1=6, imm=0) & 0x000F_FFFF, 21
    pc = run(vcpu.read(["pc"]))["pc"]
    gpa = UART_BASE + offset
    record = ExitRecord(ctx=0, scause=cause, sepc=pc, stval=gpa, htval=gpa >> 2, htinst=word)
    handler = ExitHandler()
    run(handler.handle(vcpu, record))
    assert handler.counts == {"mmio": 1}
    return run(vcpu.read([f"x{rd}"]))[f"x{rd}"]


def hvip(vcpu):
    return run(vcpu.read(["hvip"]))["hvip"]


class TestVseiRouting:
    def test_enabling_etbei_sets_vseip_and_reading_iir_clears_it(self):
        vm = make_vm(1, resident=(0,))
        v0 = vm.vcpus[0]
        run(v0.write({"hvip": VSSIP | VSTIP}))
        mmio_exit(v0, IER, IER_ETBEI)
        assert hvip(v0) == VSSIP | VSTIP | HVIP_VSEIP          # other bits kept
        assert v0.context.state["hvip"] & HVIP_VSEIP
        assert mmio_exit(v0, IIR) == IIR_THRE
        assert hvip(v0) == VSSIP | VSTIP                       # dropped at this very exit
        assert mmio_exit(v0, IIR) == IIR_NONE
        mmio_exit(v0, THR, ord("!"))                           # the THR write re-arms it
        assert hvip(v0) & HVIP_VSEIP
        mmio_exit(v0, IER, 0)
        assert hvip(v0) == VSSIP | VSTIP
        assert bytes(vm.console.output) == b"!"

    def test_another_vcpu_raises_the_line_of_vcpu0_in_its_context(self):
        vm = make_vm(2, resident=(0, 1))
        v0, v1 = vm.vcpus
        mmio_exit(v1, IER, IER_ETBEI)
        assert v0.context.state["hvip"] == HVIP_VSEIP
        assert hvip(v1) == 0                                   # routed to vCPU 0 only
        mmio_exit(v1, IIR)
        assert v0.context.state["hvip"] == 0

    def test_saved_vcpu0_gets_the_line_in_its_saved_state(self):
        vm = make_vm(2, resident=(1,))
        v0, v1 = vm.vcpus
        assert v0.context is None
        run(v0.write({"hvip": VSTIP}))
        mmio_exit(v1, IER, IER_ETBEI)
        assert v0.saved["hvip"] == VSTIP | HVIP_VSEIP
        assert hvip(v1) == 0

    def test_hvip_is_written_only_when_the_line_changes(self):
        vm = make_vm(1, resident=(0,))
        v0 = vm.vcpus[0]
        assert run(vm.sync_uart_irq()) is False
        vm.uart.write(IER, IER_ETBEI)
        assert run(vm.sync_uart_irq()) is True
        assert run(vm.sync_uart_irq()) is False
        writes = []
        original = v0.context.write_state

        async def spy(values):
            writes.append(dict(values))
            await original(values)

        v0.context.write_state = spy
        mmio_exit(v0, LSR)                                     # no change: only pc and rd
        assert all("hvip" not in w for w in writes)

    def test_vseip_pending_and_enabled_wakes(self):
        regs = {"hvip": HVIP_VSEIP, "hie": 0, "hideleg": 0x444, "vstimecmp": 0xFFFF_FFFF,
                "vstimecmph": 0xFFFF_FFFF, "htimedelta": 0, "htimedeltah": 0}
        assert not pending_enabled(regs, 0)                    # vsie.SEIE = 0
        regs["hie"] = HVIP_VSEIP
        assert pending_enabled(regs, 0) == HVIP_VSEIP


# ----------------------------------------------------------------------- WFI wake-up

WFI = 0x1050_0073


def _preempt(ctx):
    return ctx.runs[-1], ExitRecord(ctx=0, scause=PREEMPT_CAUSE, sepc=ctx.state["pc"])


def _wfi_seie(ctx):
    ctx.state.update({"hie": HVIP_VSEIP, "hvip": 0})
    return 1, ExitRecord(ctx=0, scause=22, sepc=ctx.state["pc"], stval=WFI)


def _sb_ier_etbei(ctx):
    ctx.state["x7"] = IER_ETBEI
    gpa = UART_BASE + IER
    word = encode("sb", rs1=6, rs2=7, imm=0) & 0x01FF_F07F
    return 1, ExitRecord(ctx=0, scause=23, sepc=ctx.state["pc"], stval=gpa, htval=gpa >> 2,
                         htinst=word)


def _shutdown(ctx):
    ctx.state.update({"x17": sbi.EXT_SRST, "x16": 0, "x10": 0, "x11": 0})
    return 1, ExitRecord(ctx=0, scause=10, sepc=ctx.state["pc"])


@pytest.mark.parametrize("contexts", [2, 1])
def test_wfi_vcpu_wakes_when_another_vcpu_raises_the_uart_line(contexts):
    alloc = HostPageAllocator(HostMemory(512 * PAGE_SIZE, base=0x4000_0000), 0)
    vm = Vm(0, 1, alloc, ram_size=64 * PAGE_SIZE)
    vm.boot(RAM_BASE, 2)
    v0, v1 = vm.vcpus
    unit = FakeUnit(contexts)
    seen = {}

    def v1_first_turn(ctx):
        seen["v0_after_wfi"] = v0.state
        return _preempt(ctx)

    def v1_second_turn(ctx):
        seen["v0_after_a_round"] = v0.state                  # still waiting: nothing pending
        return _sb_ier_etbei(ctx)

    def v0_woken(ctx):
        seen["v0_hvip"] = ctx.state["hvip"]
        return _shutdown(ctx)

    v0_steps = [_wfi_seie, v0_woken]
    v1_steps = [v1_first_turn, v1_second_turn, _preempt]
    if contexts == 2:
        unit.contexts[0].script, unit.contexts[1].script = v0_steps, v1_steps
    else:
        unit.contexts[0].script = [_wfi_seie, v1_first_turn, v1_second_turn, _preempt, v0_woken]
    outcome = run(Vmm(unit, [vm], quantum=10, max_instructions=1000).run())
    assert outcome.status == "pass", outcome.message
    assert seen["v0_after_wfi"] is RunState.WAITING
    assert seen["v0_after_a_round"] is RunState.WAITING
    assert seen["v0_hvip"] == HVIP_VSEIP
    assert outcome.exit_counts["wfi"] == 1 and outcome.exit_counts["mmio"] == 1


def test_wfi_without_the_line_enabled_is_still_a_timeout():
    """The line is up but vCPU 0 does not enable SEIE: nothing can wake it."""
    alloc = HostPageAllocator(HostMemory(512 * PAGE_SIZE, base=0x4000_0000), 0)
    vm = Vm(0, 1, alloc, ram_size=64 * PAGE_SIZE)
    vm.boot(RAM_BASE, 1)
    unit = FakeUnit(1)

    def wfi_no_seie(ctx):
        ctx.state["hie"] = 0
        return 1, ExitRecord(ctx=0, scause=22, sepc=ctx.state["pc"], stval=WFI)

    unit.contexts[0].script = [_sb_ier_etbei, wfi_no_seie]
    outcome = run(Vmm(unit, [vm], quantum=10, max_instructions=1000).run())
    assert outcome.status == "timeout" and "no timer" in outcome.message
    assert vm.vcpus[0].context.state["hvip"] == HVIP_VSEIP
