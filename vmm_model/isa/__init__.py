"""RV32 instruction set of the guest hart: decode, encode, disassemble.

One table (``table.INSTRUCTIONS``: name, format, match, mask, operand fields,
objdump template) drives all three, so they cannot drift apart.
"""
from .csr_names import CSR_NAMES
from .decode import decode
from .disasm import ABI_NAMES, disasm
from .encode import encode
from .fields import EncodeError
from .instr import Instr
from .table import BY_NAME, INSTRUCTIONS, InstrSpec

NAMES: tuple[str, ...] = tuple(spec.name for spec in INSTRUCTIONS)

__all__ = ["decode", "encode", "disasm", "Instr", "EncodeError", "CSR_NAMES", "ABI_NAMES",
           "INSTRUCTIONS", "InstrSpec", "BY_NAME", "NAMES"]
