"""Encoding: the table row's match bits plus each operand field inserted."""
from __future__ import annotations

from .fields import EncodeError
from .table import BY_NAME

_KEYWORDS = ("rd", "rs1", "rs2", "imm", "csr")


def encode(name: str, *, rd: int = 0, rs1: int = 0, rs2: int = 0, imm: int = 0, csr: int = 0) -> int:
    """The 32-bit word for ``name`` with the given fields.

    Fields the instruction does not carry must be left 0 (so that
    ``encode(i.name, rd=i.rd, rs1=i.rs1, rs2=i.rs2, imm=i.imm, csr=i.csr)``
    works for every decoded ``i``).  For CSRI the uimm may be given as ``imm``
    or ``rs1`` (both, if equal).  Raises EncodeError for an unknown name or a
    field out of range or misaligned.
    """
    spec = BY_NAME.get(name)
    if spec is None:
        raise EncodeError(f"unknown instruction {name!r}")
    given = {"rd": rd, "rs1": rs1, "rs2": rs2, "imm": imm, "csr": csr}
    if spec.fmt == "CSRI":
        if rs1 and imm and rs1 != imm:
            raise EncodeError(f"{name}: uimm given twice with different values (rs1={rs1}, imm={imm})")
        given["imm"] = imm or rs1
        given["rs1"] = 0
    word = spec.match
    for field in spec.operands:
        word |= field.insert(given.pop(field.attr))
    for keyword in _KEYWORDS:
        if given.get(keyword):
            raise EncodeError(f"{name} has no {keyword} field (got {keyword}={given[keyword]})")
    return word
