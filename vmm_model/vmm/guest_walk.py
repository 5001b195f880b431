"""The VMM's own VS-stage (Sv32) walk, for reading the guest instruction behind an exit.

Needed only when the unit reports ``htinst = 0`` (or ``htval = 0``): the VMM then
finds the faulting instruction by translating the guest pc itself, reading the
guest's page tables out of guest RAM.  It checks validity and the leaf shape,
not permissions: the hardware already fetched that instruction.
"""
from __future__ import annotations

from .errors import VmmError
from .guest_ram import GuestRam

SATP_MODE_SV32 = 1 << 31
_V, _R, _W, _X = 1, 2, 4, 8


def guest_virtual_to_physical(ram: GuestRam, vsatp: int, gva: int) -> int:
    """GPA of guest virtual address ``gva`` under ``vsatp`` (Bare: the GVA itself)."""
    if not vsatp & SATP_MODE_SV32:
        return gva
    table = (vsatp & 0x3F_FFFF) << 12
    for level in (1, 0):
        index = (gva >> (12 + 10 * level)) & 0x3FF
        entry = table + index * 4
        if not ram.contains(entry, 4):
            raise VmmError(f"guest page table entry at GPA {entry:#x} (for GVA {gva:#x}) is not RAM")
        pte = int.from_bytes(ram.read(entry, 4), "little")
        if not pte & _V or (pte & (_R | _W)) == _W:
            raise VmmError(f"guest VA {gva:#x} has no valid VS-stage mapping (PTE {pte:#010x})")
        ppn = pte >> 10
        if pte & (_R | _X):
            if level == 1:
                return ((ppn >> 10) << 22) | (gva & 0x3F_FFFF)
            return (ppn << 12) | (gva & 0xFFF)
        table = ppn << 12
    raise VmmError(f"guest VA {gva:#x}: VS-stage walk found no leaf")


def read_guest_instruction(ram: GuestRam, vsatp: int, pc: int) -> int:
    gpa = guest_virtual_to_physical(ram, vsatp, pc)
    if not ram.contains(gpa, 4):
        raise VmmError(f"guest instruction at pc {pc:#x} (GPA {gpa:#x}) is not in RAM")
    return int.from_bytes(ram.read(gpa, 4), "little")
