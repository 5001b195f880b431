"""Decoding: a dict lookup on opcode+funct3, then the few rows that share it."""
from __future__ import annotations

from functools import lru_cache

from .instr import Instr
from .table import INSTRUCTIONS, InstrSpec

_OPCODE_FUNCT3 = 0x707F


def _build_index() -> dict[int, tuple[InstrSpec, ...]]:
    index: dict[int, list[InstrSpec]] = {}
    for spec in INSTRUCTIONS:
        if spec.mask & _OPCODE_FUNCT3 == _OPCODE_FUNCT3:
            keys = [spec.match & _OPCODE_FUNCT3]
        else:  # U/J formats: funct3 is immediate bits, so the row sits under all eight
            keys = [(spec.match & 0x7F) | funct3 << 12 for funct3 in range(8)]
        for key in keys:
            index.setdefault(key, []).append(spec)
    # Most specific first, so an exact encoding (ecall) wins over a looser one.
    return {key: tuple(sorted(specs, key=lambda s: -bin(s.mask).count("1")))
            for key, specs in index.items()}


_INDEX = _build_index()


def _fields_of(spec: InstrSpec, word: int) -> Instr:
    values = {"rd": 0, "rs1": 0, "rs2": 0, "imm": 0, "csr": 0}
    for field in spec.operands:
        values[field.attr] = field.extract(word)
    if spec.fmt == "CSRI":
        values["rs1"] = values["imm"]   # the uimm *is* the rs1 field
    return Instr(spec.name, spec.fmt, word=word, **values)


@lru_cache(maxsize=1 << 16)
def decode(word: int) -> Instr:
    """Decode one 32-bit instruction word (cached: call it once per distinct word)."""
    word &= 0xFFFFFFFF
    for spec in _INDEX.get(word & _OPCODE_FUNCT3, ()):
        if word & spec.mask == spec.match:
            return _fields_of(spec, word)
    return Instr("illegal", "ILLEGAL", 0, 0, 0, 0, 0, word)
