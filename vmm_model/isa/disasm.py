"""Disassembly in the text of ``riscv64-unknown-elf-objdump -d -M no-aliases``
(binutils 2.40): mnemonic, a tab, operands; ABI register names; loads and
stores as ``imm(rs)``; CSR names from CSR_NAMES or hex; branch and jal targets
as absolute hex when ``pc`` is known.

Left out on purpose: objdump's `` <symbol>`` suffix and its ``# address``
comments after jalr (both come from symbol tables and register tracking, not
from the word).  Without ``pc`` a target is written relative, ``.+8``/``.-8``
(GNU as syntax).
"""
from __future__ import annotations

from .csr_names import CSR_NAMES
from .decode import decode
from .instr import Instr
from .table import BY_NAME

ABI_NAMES = ("zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
             "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
             "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
             "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6")

# objdump only prints these mnemonics when the reserved fields are zero
# (fm/rd/rs1 for fence, everything but the opcode for fence.i); otherwise it
# prints the raw word.  The hart still executes them as fences (the spec says
# to ignore those fields), so decode() names them; only the text follows objdump.
_OBJDUMP_ZERO_FIELDS = {"fence": 0xF00F8F80, "fence.i": 0xFFFF8F80}
_FENCE_TSO = 0x8330000F


def _fence_set(bits: int) -> str:
    # objdump prints an empty predecessor/successor set as "unknown".
    text = "".join(letter for letter, bit in zip("iorw", (8, 4, 2, 1)) if bits & bit)
    return text or "unknown"


def _target(offset: int, pc: int | None) -> str:
    if pc is None:
        return f".{offset:+d}"
    return f"{(pc + offset) & 0xFFFFFFFF:x}"


def _csr(number: int) -> str:
    return CSR_NAMES.get(number) or f"0x{number:x}"


class _Operands(dict):
    """The template's values, each computed only when the template asks for it."""

    def __init__(self, ins: Instr, pc: int | None):
        super().__init__()
        self.ins, self.pc = ins, pc

    def __missing__(self, key: str) -> str:
        ins = self.ins
        if key in ("rd", "rs1", "rs2"):
            return ABI_NAMES[getattr(ins, key)]
        return {
            "imm": lambda: str(ins.imm),
            "shamt": lambda: f"0x{ins.imm:x}",
            "upper": lambda: f"0x{(ins.imm >> 12) & 0xFFFFF:x}",
            "target": lambda: _target(ins.imm, self.pc),
            "csr": lambda: _csr(ins.csr),
            "uimm": lambda: str(ins.imm),
            "pred": lambda: _fence_set(ins.imm >> 4),
            "succ": lambda: _fence_set(ins.imm),
        }[key]()


def raw_word(word: int) -> str:
    return f".4byte\t0x{word:x}"


def disasm(word: int, pc: int | None = None) -> str:
    """objdump-style text of one instruction word (``pc`` turns targets absolute)."""
    ins = decode(word)
    if ins.name == "illegal":
        return raw_word(ins.word)
    if ins.word == _FENCE_TSO:
        return "fence.tso"
    if ins.word & _OBJDUMP_ZERO_FIELDS.get(ins.name, 0):
        return raw_word(ins.word)
    template = BY_NAME[ins.name].asm
    if not template:
        return ins.name
    return f"{ins.name}\t{template.format_map(_Operands(ins, pc))}"
