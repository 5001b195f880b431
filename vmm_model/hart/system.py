"""The step-path-only instructions: Zicsr, SYSTEM, fence.i and the H instructions.

One small function per instruction, ``f(h, x, pc, ins) -> next pc``; a
failing check raises a ``Trap`` (illegal or virtual instruction, ecall,
ebreak).  These always run on the step path: they end a compiled block, so
their effects on interrupts and translation are re-evaluated right after.
"""
from __future__ import annotations

from vmm_model.platform import EXC_BREAKPOINT, EXC_ECALL_VS, EXC_ECALL_VU

from . import csr
from .trap import Trap, illegal, virtual

M = 0xFFFF_FFFF
HSTATUS_VTW = 1 << 21
HSTATUS_VTSR = 1 << 22
HSTATUS_VTVM = 1 << 20
SIE, SPIE, SPP = 1 << 1, 1 << 5, 1 << 8


def _csr(h, x, pc, ins, source: int, op: str) -> int:
    # CSRRW(I) always writes; CSRRS/C(I) write only with a nonzero rs1 field / uimm.
    writes = op == "w" or ins.rs1 != 0
    reg = csr.resolve(h, ins.csr, writes, ins.word)
    old = csr.read(h, reg)
    if writes:
        new = source if op == "w" else (old | source) if op == "s" else (old & ~source)
        h.csr_written = (reg, csr.write(h, reg, new))
        h.controls_changed()
    x[ins.rd] = old
    return (pc + 4) & M


def csrrw(h, x, pc, ins):
    return _csr(h, x, pc, ins, x[ins.rs1], "w")


def csrrs(h, x, pc, ins):
    return _csr(h, x, pc, ins, x[ins.rs1], "s")


def csrrc(h, x, pc, ins):
    return _csr(h, x, pc, ins, x[ins.rs1], "c")


def csrrwi(h, x, pc, ins):
    return _csr(h, x, pc, ins, ins.rs1, "w")


def csrrsi(h, x, pc, ins):
    return _csr(h, x, pc, ins, ins.rs1, "s")


def csrrci(h, x, pc, ins):
    return _csr(h, x, pc, ins, ins.rs1, "c")


def ecall(h, x, pc, ins):
    raise Trap(EXC_ECALL_VS if h.priv else EXC_ECALL_VU)


def ebreak(h, x, pc, ins):
    raise Trap(EXC_BREAKPOINT, pc)


def sret(h, x, pc, ins):
    if h.priv == 0 or h.hstatus & HSTATUS_VTSR:
        raise virtual(ins.word)
    status = h.vsstatus
    h.priv = 1 if status & SPP else 0
    h.vsstatus = (status & ~(SIE | SPP)) | SPIE | (SIE if status & SPIE else 0)
    h.controls_changed()
    return h.vsepc


def mret(h, x, pc, ins):
    raise illegal(ins.word)


def wfi(h, x, pc, ins):
    # docs/architecture.md: VU, or VS with VTW, exits; otherwise a NOP (time only
    # moves with retirements, so waiting could never end).
    if h.priv == 0 or h.hstatus & HSTATUS_VTW:
        raise virtual(ins.word)
    return (pc + 4) & M


def sfence_vma(h, x, pc, ins):
    if h.priv == 0 or h.hstatus & HSTATUS_VTVM:
        raise virtual(ins.word)
    h.unit.flush_translations()
    return (pc + 4) & M


def hypervisor_only(h, x, pc, ins):
    """HLV/HLVX/HSV/HFENCE: HS-only, so from VS/VU always a virtual instruction."""
    raise virtual(ins.word)


def fence_i(h, x, pc, ins):
    # Compiled blocks are invalidated by the stores themselves, so there is
    # nothing stale to drop: FENCE.I retires as a NOP.
    return (pc + 4) & M


def illegal_instruction(h, x, pc, ins):
    raise illegal(ins.word)


HANDLERS = {
    "csrrw": csrrw, "csrrs": csrrs, "csrrc": csrrc,
    "csrrwi": csrrwi, "csrrsi": csrrsi, "csrrci": csrrci,
    "ecall": ecall, "ebreak": ebreak, "sret": sret, "mret": mret, "wfi": wfi,
    "sfence.vma": sfence_vma, "fence.i": fence_i, "illegal": illegal_instruction,
    **{name: hypervisor_only for name in (
        "hfence.vvma", "hfence.gvma", "hlv.b", "hlv.bu", "hlv.h", "hlv.hu", "hlvx.hu",
        "hlv.w", "hlvx.wu", "hsv.b", "hsv.h", "hsv.w")},
}
