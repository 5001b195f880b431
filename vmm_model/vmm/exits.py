"""What the VMM does with each exit, dispatched by cause (DESIGN §5).

- ecall from VS (10): an SBI call.
- guest-page faults (20/21/23): demand paging / swap-in for guest RAM, MMIO
  emulation for the UART, an access fault injected into the guest for any other GPA.
  After a UART access the UART's interrupt line is copied to ``hvip.VSEIP`` of
  vCPU 0 (``Vm.sync_uart_irq``), before any vCPU runs again.
- virtual instruction (22): WFI puts the vCPU to sleep; anything else is injected
  back as an illegal instruction, as KVM does.
- an exception the guest could have been delegated (``hedeleg`` bits 0-8, 12,
  13, 15) but was not, because the VMM chose to see it first: reflected into the
  guest unchanged (KVM's trap redirect).
- a VS-level interrupt (2/6/10) that ``hideleg`` keeps for the VMM: taken by the
  VMM, which acknowledges it (clears the ``hvip`` bit); the guest resumes.
- the unit's preemption exit needs nothing here: the scheduler moves on.
Anything else is a VMM error naming the cause and pc.
"""
from __future__ import annotations

from interfaces.trace import ExitRecord
from interfaces.vcpu_state import PREEMPT_CAUSE
from vmm_model import platform

from . import mmio
from .errors import VmmError
from .guest_walk import guest_virtual_to_physical, read_guest_instruction
from .sbi import SbiHandler
from .traps import inject_exception
from .vcpu import RunState, VCpu

WFI = 0x1050_0073
REFLECTED = frozenset((0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 15))   # hedeleg's delegable causes
VS_INTERRUPTS = {2: 1 << 2, 6: 1 << 6, 10: 1 << 10}               # code -> hvip bit
GUEST_PAGE_TO_ACCESS_FAULT = {platform.EXC_INSN_GUEST_PAGE: platform.EXC_INSN_ACCESS,
                              platform.EXC_LOAD_GUEST_PAGE: platform.EXC_LOAD_ACCESS,
                              platform.EXC_STORE_GUEST_PAGE: platform.EXC_STORE_ACCESS}


class ExitHandler:
    def __init__(self, sbi: SbiHandler | None = None):
        self.sbi = sbi or SbiHandler()
        self.counts: dict[str, int] = {}

    def _count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    async def handle(self, vcpu: VCpu, exit: ExitRecord) -> None:
        if exit.scause == PREEMPT_CAUSE:
            self._count("preempt")
            return
        if not exit.is_interrupt:
            if exit.code == platform.EXC_ECALL_VS:
                self._count("sbi")
                await self.sbi.handle(vcpu, exit.sepc)
                return
            if exit.code in GUEST_PAGE_TO_ACCESS_FAULT:
                await self._guest_page_fault(vcpu, exit)
                return
            if exit.code == platform.EXC_VIRTUAL_INSN:
                await self._virtual_instruction(vcpu, exit)
                return
            if exit.code in REFLECTED:
                self._count("reflected")
                await inject_exception(vcpu, exit.code, exit.stval, exit.sepc,
                                       from_vs=bool(exit.spvp))
                return
        elif exit.code in VS_INTERRUPTS:
            self._count("vs_interrupt")
            hvip = (await vcpu.read(["hvip"]))["hvip"]
            await vcpu.write({"hvip": hvip & ~VS_INTERRUPTS[exit.code]})
            return
        raise VmmError(f"unhandled exit cause {exit.scause:#010x} at pc {exit.sepc:#010x} "
                       f"({vcpu.label}, stval {exit.stval:#010x})")

    async def _vsatp(self, vcpu: VCpu) -> int:
        return (await vcpu.read(["vsatp"]))["vsatp"]

    async def _faulting_gpa(self, vcpu: VCpu, exit: ExitRecord) -> int:
        if exit.htval:
            return (exit.htval << 2) | (exit.stval & 0x3)
        # The unit may legally report htval = 0: translate the guest address ourselves.
        return guest_virtual_to_physical(vcpu.vm.ram, await self._vsatp(vcpu), exit.stval)

    async def _guest_page_fault(self, vcpu: VCpu, exit: ExitRecord) -> None:
        vm = vcpu.vm
        gpa = await self._faulting_gpa(vcpu, exit)
        if vm.ram.contains(gpa):
            state = vm.ram.page_state(gpa)
            if state == "resident":
                raise VmmError(f"guest-page fault (cause {exit.code}) at pc {exit.sepc:#010x} on "
                               f"GPA {gpa:#x}, which is mapped ({vcpu.label})")
            self._count("swap_in" if state == "swapped" else "demand_page")
            vm.ram.fault_in(gpa)
            return
        implicit = exit.htinst in mmio.PSEUDO_HTINST
        if vm.is_uart(gpa) and exit.code != platform.EXC_INSN_GUEST_PAGE and not implicit:
            self._count("mmio")
            await self._emulate_mmio(vcpu, exit, gpa - platform.UART_BASE)
            return
        self._count("access_fault_injected")
        await inject_exception(vcpu, GUEST_PAGE_TO_ACCESS_FAULT[exit.code], exit.stval,
                               exit.sepc, from_vs=bool(exit.spvp))

    async def _emulate_mmio(self, vcpu: VCpu, exit: ExitRecord, offset: int) -> None:
        word = exit.htinst
        if not word:
            word = read_guest_instruction(vcpu.vm.ram, await self._vsatp(vcpu), exit.sepc)
        access = mmio.decode_access(word)
        if access.is_store != (exit.code == platform.EXC_STORE_GUEST_PAGE):
            raise VmmError(f"MMIO exit cause {exit.code} does not match instruction {word:#010x}")
        writes = {"pc": (exit.sepc + 4) & 0xFFFF_FFFF}
        if access.is_store:
            register = f"x{access.reg}"
            value = (await vcpu.read([register]))[register]
            mmio.store_to_device(vcpu.vm.uart, offset, access, value)
        elif access.reg:
            writes[f"x{access.reg}"] = mmio.load_from_device(vcpu.vm.uart, offset, access)
        await vcpu.write(writes)
        await vcpu.vm.sync_uart_irq()

    async def _virtual_instruction(self, vcpu: VCpu, exit: ExitRecord) -> None:
        word = exit.stval or read_guest_instruction(vcpu.vm.ram, await self._vsatp(vcpu), exit.sepc)
        if word == WFI:
            self._count("wfi")
            await vcpu.write({"pc": (exit.sepc + 4) & 0xFFFF_FFFF})
            vcpu.state = RunState.WAITING
            return
        self._count("illegal_injected")
        await inject_exception(vcpu, platform.EXC_ILLEGAL, word, exit.sepc,
                               from_vs=bool(exit.spvp))
