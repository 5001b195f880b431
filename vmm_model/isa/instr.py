"""The decoded instruction: what the vCPU, the trace and the reports share."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Instr:
    """One decoded 32-bit word.

    ``rd``/``rs1``/``rs2`` are 0 where the encoding has no such register.
    ``imm`` is sign-extended (I/S/B/J), the shift amount (slli/srli/srai),
    the upper value ``word & 0xFFFFF000`` as a signed int (U), the 5-bit uimm
    (CSRI, where ``rs1`` holds the same raw field) or bits 31:20 unsigned
    (FENCE: fm/pred/succ); 0 otherwise.  ``csr`` is the CSR number for
    CSR/CSRI, else 0.  A word that is no RV32 instruction of this hart has
    ``name == 'illegal'``, ``fmt == 'ILLEGAL'`` and every field 0.
    """
    name: str
    fmt: str
    rd: int
    rs1: int
    rs2: int
    imm: int
    csr: int
    word: int
