"""MMIO emulation: completing a guest load or store that faulted on a device GPA.

The access is decoded from ``htinst`` (the transformed load/store: immediate
zeroed, same opcode, funct3, rd, rs2) or, when the unit gave 0, from the guest
instruction itself.  The pseudo-instructions 0x2000/0x2020 (and their RV64
forms) mean the fault was an implicit VS page-table access, never MMIO.
"""
from __future__ import annotations

from dataclasses import dataclass

from vmm_model.isa import decode

from .errors import VmmError

PSEUDO_HTINST = frozenset({0x0000_2000, 0x0000_2020, 0x0000_3000, 0x0000_3020})

_LOADS = {"lb": (1, True), "lh": (2, True), "lw": (4, False), "lbu": (1, False), "lhu": (2, False)}
_STORES = {"sb": 1, "sh": 2, "sw": 4}


@dataclass(frozen=True)
class MemAccess:
    is_store: bool
    size: int
    signed: bool
    reg: int      # rd for a load, rs2 for a store


def decode_access(word: int) -> MemAccess:
    instr = decode(word)
    if instr.name in _LOADS:
        size, signed = _LOADS[instr.name]
        return MemAccess(False, size, signed, instr.rd)
    if instr.name in _STORES:
        return MemAccess(True, _STORES[instr.name], False, instr.rs2)
    raise VmmError(f"MMIO exit for instruction {word:#010x} ({instr.name}), not a load or store")


def extend(value: int, size: int, signed: bool) -> int:
    bits = 8 * size
    value &= (1 << bits) - 1
    if signed and value >> (bits - 1):
        value -= 1 << bits
    return value & 0xFFFF_FFFF


def load_from_device(device, offset: int, access: MemAccess) -> int:
    """Little-endian composition of byte registers (the 16550 is a byte device)."""
    value = 0
    for i in range(access.size):
        value |= (device.read(offset + i) & 0xFF) << (8 * i)
    return extend(value, access.size, access.signed)


def store_to_device(device, offset: int, access: MemAccess, value: int) -> None:
    for i in range(access.size):
        device.write(offset + i, (value >> (8 * i)) & 0xFF)
