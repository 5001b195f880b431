"""Instruction fields: where each operand lives in a 32-bit word, both directions.

Every operand an instruction carries is one ``Field``: ``extract`` pulls the value
out of a word (immediates sign-extended), ``insert`` checks a value and places
it.  The decoder and the encoder both use these, so the two can never disagree
about a bit position.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


class EncodeError(ValueError):
    """An instruction cannot be encoded: unknown name, or a field out of range/misaligned."""


def sign_extend(value: int, bits: int) -> int:
    sign = 1 << (bits - 1)
    return (value & (sign - 1)) - (value & sign)


@dataclass(frozen=True)
class Field:
    name: str            # what error messages call it
    attr: str            # the Instr attribute / encode() keyword it travels in
    extract: Callable[[int], int]
    insert: Callable[[int], int]


def _check(field: str, value: int, low: int, high: int, align: int = 1) -> int:
    if not isinstance(value, int):
        raise EncodeError(f"{field} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise EncodeError(f"{field}={value} out of range [{low}, {high}]")
    if value % align:
        raise EncodeError(f"{field}={value} is not a multiple of {align}")
    return value


def _register(name: str, shift: int) -> Field:
    return Field(name, name,
                 lambda w: (w >> shift) & 31,
                 lambda v: _check(name, v, 0, 31) << shift)


def _insert_imm_s(v: int) -> int:
    v = _check("imm", v, -2048, 2047) & 0xFFF
    return ((v >> 5) << 25) | ((v & 31) << 7)


def _extract_imm_b(w: int) -> int:
    return sign_extend(((w >> 31) & 1) << 12 | ((w >> 7) & 1) << 11
                       | ((w >> 25) & 0x3F) << 5 | ((w >> 8) & 0xF) << 1, 13)


def _insert_imm_b(v: int) -> int:
    v = _check("branch offset", v, -4096, 4094, 2) & 0x1FFF
    return (((v >> 12) & 1) << 31 | ((v >> 5) & 0x3F) << 25
            | ((v >> 1) & 0xF) << 8 | ((v >> 11) & 1) << 7)


def _extract_imm_j(w: int) -> int:
    return sign_extend(((w >> 31) & 1) << 20 | ((w >> 12) & 0xFF) << 12
                       | ((w >> 20) & 1) << 11 | ((w >> 21) & 0x3FF) << 1, 21)


def _insert_imm_j(v: int) -> int:
    v = _check("jump offset", v, -(1 << 20), (1 << 20) - 2, 2) & 0x1FFFFF
    return (((v >> 20) & 1) << 31 | ((v >> 1) & 0x3FF) << 21
            | ((v >> 11) & 1) << 20 | ((v >> 12) & 0xFF) << 12)


def _insert_imm_u(v: int) -> int:
    # Decoding gives the signed value; accept the unsigned spelling of the same
    # 32-bit pattern too, since that is how people write 0xFFFFF000.
    return _check("upper immediate", v, -(1 << 31), 0xFFFFF000, 0x1000) & 0xFFFFF000


RD = _register("rd", 7)
RS1 = _register("rs1", 15)
RS2 = _register("rs2", 20)
IMM_I = Field("imm", "imm", lambda w: sign_extend(w >> 20, 12),
              lambda v: (_check("imm", v, -2048, 2047) & 0xFFF) << 20)
SHAMT = Field("shamt", "imm", lambda w: (w >> 20) & 31, lambda v: _check("shamt", v, 0, 31) << 20)
IMM_S = Field("imm", "imm", lambda w: sign_extend((w >> 25) << 5 | (w >> 7) & 31, 12), _insert_imm_s)
IMM_B = Field("branch offset", "imm", _extract_imm_b, _insert_imm_b)
IMM_U = Field("upper immediate", "imm", lambda w: sign_extend(w & 0xFFFFF000, 32), _insert_imm_u)
IMM_J = Field("jump offset", "imm", _extract_imm_j, _insert_imm_j)
# CSRI: the 5-bit zero-extended immediate sits in the rs1 field.
UIMM = Field("uimm", "imm", lambda w: (w >> 15) & 31, lambda v: _check("uimm", v, 0, 31) << 15)
# FENCE / FENCE.I: bits 31:20 as they are (fm, pred, succ), unsigned.
FENCE_BITS = Field("fence bits", "imm", lambda w: w >> 20, lambda v: _check("fence bits", v, 0, 0xFFF) << 20)
CSR = Field("csr", "csr", lambda w: w >> 20, lambda v: _check("csr", v, 0, 0xFFF) << 20)
