"""The synchronous trap as a value.

Every check that fails anywhere in the hart (decode, CSR rules, the MMU, the
misaligned check) builds one ``Trap`` and raises it; exactly one place per
execution path (``SoftwareVcpu._raise_trap``) catches it and decides between
VS trap entry and an exit.  Nothing else changes control flow for a trap.
"""
from __future__ import annotations

from vmm_model.platform import (EXC_BREAKPOINT, EXC_ILLEGAL, EXC_INSN_ACCESS,
                                EXC_INSN_GUEST_PAGE, EXC_INSN_MISALIGNED, EXC_INSN_PAGE,
                                EXC_LOAD_ACCESS, EXC_LOAD_GUEST_PAGE, EXC_LOAD_MISALIGNED,
                                EXC_LOAD_PAGE, EXC_STORE_ACCESS, EXC_STORE_GUEST_PAGE,
                                EXC_STORE_MISALIGNED, EXC_STORE_PAGE, EXC_VIRTUAL_INSN)

# Access types of a memory request (the MMU's and the trap tables' index).
FETCH, LOAD, STORE = 0, 1, 2

PAGE_FAULT = (EXC_INSN_PAGE, EXC_LOAD_PAGE, EXC_STORE_PAGE)
GUEST_PAGE_FAULT = (EXC_INSN_GUEST_PAGE, EXC_LOAD_GUEST_PAGE, EXC_STORE_GUEST_PAGE)
ACCESS_FAULT = (EXC_INSN_ACCESS, EXC_LOAD_ACCESS, EXC_STORE_ACCESS)
MISALIGNED = (EXC_INSN_MISALIGNED, EXC_LOAD_MISALIGNED, EXC_STORE_MISALIGNED)

# htinst for a guest-page fault on an implicit VS page-table read (digest §4).
HTINST_PTE_READ = 0x0000_2000

# Causes whose tval is a guest virtual address (hstatus.GVA = 1 when they exit).
_GVA_CAUSES = frozenset((0, 1, 4, 5, 6, 7, 12, 13, 15, 20, 21, 23))


class Trap(Exception):
    """A synchronous exception of one instruction.

    ``epc`` is the pc of the instruction that raised it; the MMU and helpers
    that do not know it leave it None and the executor fills it in.
    """

    __slots__ = ("cause", "tval", "htval", "htinst", "epc")

    def __init__(self, cause: int, tval: int = 0, htval: int = 0, htinst: int = 0,
                 epc: int | None = None):
        self.cause = cause
        self.tval = tval & 0xFFFF_FFFF
        self.htval = htval
        self.htinst = htinst
        self.epc = epc

    @property
    def gva(self) -> int:
        """hstatus.GVA if this trap exits: stval holds a guest virtual address."""
        if self.cause in _GVA_CAUSES:
            return 1
        return int(self.cause == EXC_BREAKPOINT and self.tval != 0)

    def __repr__(self) -> str:
        return (f"Trap(cause={self.cause}, tval={self.tval:#x}, htval={self.htval:#x}, "
                f"htinst={self.htinst:#x}, epc={self.epc if self.epc is None else hex(self.epc)})")


def illegal(word: int) -> Trap:
    return Trap(EXC_ILLEGAL, word)


def virtual(word: int) -> Trap:
    return Trap(EXC_VIRTUAL_INSN, word)


def misaligned(access: int, addr: int) -> Trap:
    return Trap(MISALIGNED[access], addr)


def transformed_htinst(word: int, access: int) -> int:
    """htinst for a guest-page fault on the final GPA of an explicit load/store:
    the instruction with its immediate and rs1 (address offset: always 0, since
    misaligned accesses trap first) fields zeroed (digest §4, docs/architecture.md)."""
    if access == LOAD:
        return word & 0x0000_7FFF          # keep opcode, rd, funct3
    if access == STORE:
        return word & 0x01F0_707F          # keep opcode, funct3, rs2
    return 0
