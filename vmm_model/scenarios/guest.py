"""Pieces of directed guests, emitted with the generator's Builder (vmm_model.gen).

A directed guest reuses everything a generated program has — start-up, the
table-driven trap handler, self-checks, the ending through SBI — and replaces
the random stream by a fixed body.  Instructions whose outcome the
generator's model knows go through ``b.do``; where the outcome depends on a
VMM setting the model does not know (``hstatus.VTSR``, a cleared ``hedeleg``
bit, …) the scenario states the expected trap itself with ``expect``.

``Script`` collects the scripted VMM actions (vmm_model.vmm.actions) a body
asks for at the start or at exits it names; ``vmm_call`` (from the streams)
emits an SBI call at which the VMM runs the given actions.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from vmm_model import platform
from vmm_model.gen.builder import T0, ZERO, Builder
from vmm_model.gen.streams import enter_vu, vmm_call
from vmm_model.gen.model import (CSR_SATP, CSR_SIE, CSR_SIP, CSR_SSTATUS, PRIV_VS,
                                 SSTATUS_SIE, SSTATUS_SPIE, SSTATUS_SPP)

M32 = 0xFFFF_FFFF
# Guest view (vsip/vsie, vscause) and VMM view (hvip/hie/hideleg) of the three VS interrupts.
SIP_BIT = {"ssi": 1 << 1, "sti": 1 << 5, "sei": 1 << 9}
HVIP_BIT = {"ssi": 1 << 2, "sti": 1 << 6, "sei": 1 << 10}
GUEST_CAUSE = {"ssi": 0x8000_0001, "sti": 0x8000_0005, "sei": 0x8000_0009}
EXIT_CAUSE = {"ssi": 0x8000_0002, "sti": 0x8000_0006, "sei": 0x8000_000A}
ECALL_VS = platform.EXC_ECALL_VS


@dataclass
class Script:
    """Scripted VMM actions of one VM, filled while its body is emitted."""
    vm: int = 0
    actions: list[dict] = field(default_factory=list)
    # AXI error responses planted on guest-physical words of VM 0 (``RunOptions.bus_errors``
    # entries, ``--axi-error gpa:ADDR:slverr:DIR``): the unit's accesses there fail (1/5/7).
    bus_errors: list[dict] = field(default_factory=list)

    def bus_error(self, gpa: int, direction: str, kind: str = "gpa") -> None:
        """SLVERR on the word at ``gpa`` (``kind`` "gpa"), on the G-stage leaf PTE that
        maps ``gpa``'s page (``kind`` "gpte": the walk's implicit read fails) or on the
        G-stage root PTE over its 4 MiB (``kind`` "groot": the walk's first read fails)."""
        self.bus_errors.append({kind: gpa, "response": "slverr", "dir": direction})

    def at_start(self, do: str, **args) -> None:
        self.actions.append({"at": "start", "vm": self.vm, "do": do, **args})

    def at_exit(self, do: str, **args) -> None:
        self.actions.append({"at": "exit", "vm": self.vm, "do": do, **args})


def expect(b: Builder, name: str, cause: int, tval: int | None = None, **fields) -> int:
    """Emit ``name`` (not run on the model) and expect it to trap with ``cause``.

    tval defaults to the instruction word (illegal instruction).  Returns the pc."""
    ins, pc = b.asm.emit(name, **fields)
    b.body_instructions += 1
    b.expect_trap(pc, cause, ins.word if tval is None else tval)
    return pc


def csr_set(b: Builder, csr: int, bits: int, reg: int = T0) -> None:
    b.li(reg, bits)
    b.do("csrrs", rd=ZERO, csr=csr, rs1=reg)


def csr_clear(b: Builder, csr: int, bits: int, reg: int = T0) -> None:
    b.li(reg, bits)
    b.do("csrrc", rd=ZERO, csr=csr, rs1=reg)


def check_csr_bits(b: Builder, csr: int, mask: int, expected: int) -> None:
    """Read ``csr``, keep ``mask``, compare with ``expected`` (a self-check)."""
    reg, bits = b.dest(allow_zero=False, avoid=(T0,)), T0
    b.li(bits, mask)
    b.asm.emit("csrrs", rd=reg, csr=csr, rs1=ZERO)
    b.asm.emit("and", rd=reg, rs1=reg, rs2=bits)
    b.body_instructions += 2
    b.model.set(reg, expected)
    b.check(reg)


def take_interrupt_on_sie(b: Builder, cause: int) -> None:
    """Set sstatus.SIE: the pending interrupt ``cause`` is taken right after; the handler
    returns with SIE off again (it clears SPIE)."""
    _, pc = b.do("csrrsi", rd=ZERO, csr=CSR_SSTATUS, imm=SSTATUS_SIE)
    b.expect_trap(pc + 4, cause, 0, resume=pc + 4, clear=SSTATUS_SPIE, set_bits=SSTATUS_SPP)


def leave_vu(b: Builder) -> None:
    """ecall from VU (cause 8, delegated): the handler returns to VS after it."""
    _, pc = b.asm.emit("ecall")
    b.body_instructions += 1
    b.expect_trap(pc, platform.EXC_ECALL_VU, 0, set_bits=SSTATUS_SPP)
    assert b.model.priv == PRIV_VS


def paging_on(b: Builder, asid: int = 1) -> None:
    tables = b.page_tables
    b.li(T0, (1 << 31) | asid << 22 | tables.root >> 12)
    b.do("csrrw", rd=ZERO, csr=CSR_SATP, rs1=T0)
    b.model.translate = tables.translate


def paging_off(b: Builder) -> None:
    b.do("csrrw", rd=ZERO, csr=CSR_SATP, rs1=ZERO)
    b.model.translate = None


def arm_timer(b: Builder, delta: int) -> None:
    """stimecmp = time + delta (64-bit), no spurious deadline between the halves."""
    low, high, carry, ones = regs = (6, 7, 28, 29)       # t1, t2, t3, t4
    asm = b.asm
    asm.emit("csrrs", rd=high, csr=0xC81, rs1=ZERO)
    asm.emit("csrrs", rd=low, csr=0xC01, rs1=ZERO)
    b.li(carry, delta)
    asm.emit("add", rd=low, rs1=low, rs2=carry)
    asm.emit("sltu", rd=carry, rs1=low, rs2=carry)
    asm.emit("add", rd=high, rs1=high, rs2=carry)
    asm.emit("addi", rd=ones, rs1=ZERO, imm=-1)
    asm.emit("csrrw", rd=ZERO, csr=0x14D, rs1=ones)
    asm.emit("csrrw", rd=ZERO, csr=0x15D, rs1=high)
    asm.emit("csrrw", rd=ZERO, csr=0x14D, rs1=low)
    b.body_instructions += 10
    for reg in regs:
        b.model.set(reg, None)
    b.model.set(ones, M32)


def disarm_timer(b: Builder) -> None:
    reg = b.dest(allow_zero=False, avoid=(T0,))
    b.li(reg, M32)
    b.asm.emit("csrrw", rd=ZERO, csr=0x14D, rs1=reg)
    b.asm.emit("csrrw", rd=ZERO, csr=0x15D, rs1=reg)
    b.body_instructions += 2


__all__ = ["Script", "expect", "vmm_call", "csr_set", "csr_clear", "check_csr_bits",
           "take_interrupt_on_sie", "enter_vu", "leave_vu", "paging_on", "paging_off",
           "arm_timer", "disarm_timer", "SIP_BIT", "HVIP_BIT", "GUEST_CAUSE", "EXIT_CAUSE",
           "CSR_SIE", "CSR_SIP", "CSR_SSTATUS", "CSR_SATP", "SSTATUS_SIE", "SSTATUS_SPIE",
           "SSTATUS_SPP"]
