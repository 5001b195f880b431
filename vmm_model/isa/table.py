"""The one instruction table: RV32IM + Zicsr + Zifencei + the privileged and
hypervisor (H) instructions an RV32 hart can execute.

Each row is what riscv-opcodes / Spike's ``encoding.h`` give: a name, a
``match`` and ``mask`` (a word is this instruction iff ``word & mask == match``),
plus the operand fields it carries and the objdump operand template.  The
decoder, the encoder and the disassembler are all built from these rows.

Encodings follow docs/h-extension.md §8.  Deliberately absent, so they decode
as ``illegal``: RV64-only HLV.WU / HLV.D / HSV.D, shifts with bit 25 set (the
RV64 shamt[5]), and every reserved funct3/funct7.
"""
from __future__ import annotations

from dataclasses import dataclass

from .fields import (CSR, FENCE_BITS, IMM_B, IMM_I, IMM_J, IMM_S, IMM_U, RD, RS1, RS2,
                     SHAMT, UIMM, Field)


@dataclass(frozen=True)
class InstrSpec:
    name: str
    fmt: str                      # 'R','I','S','B','U','J','CSR','CSRI','SYS','FENCE'
    match: int
    mask: int
    operands: tuple[Field, ...]   # the fields this encoding carries, in word order
    asm: str                      # objdump -M no-aliases operand template (see disasm.py)


# Masks for the usual field layouts.
_OPCODE = 0x7F
_OPCODE_F3 = 0x707F
_OPCODE_F3_F7 = 0xFE00707F
_EXACT = 0xFFFFFFFF
_FENCE_RS1_RS2 = 0xFE007FFF     # funct7 + funct3 + rd=0 + opcode fixed: rs1, rs2 free
_HLV = 0xFFF0707F               # funct7 + rs2 selector + funct3 + opcode fixed: rd, rs1 free


def _f(opcode: int, funct3: int = 0, funct7: int = 0, rs2: int = 0) -> int:
    return funct7 << 25 | rs2 << 20 | funct3 << 12 | opcode


def _rows() -> list[InstrSpec]:
    rows: list[InstrSpec] = []

    def add(name, fmt, match, mask, operands, asm):
        rows.append(InstrSpec(name, fmt, match, mask, tuple(operands), asm))

    add("lui", "U", _f(0x37), _OPCODE, (RD, IMM_U), "{rd},{upper}")
    add("auipc", "U", _f(0x17), _OPCODE, (RD, IMM_U), "{rd},{upper}")
    add("jal", "J", _f(0x6F), _OPCODE, (RD, IMM_J), "{rd},{target}")
    add("jalr", "I", _f(0x67, 0), _OPCODE_F3, (RD, RS1, IMM_I), "{rd},{imm}({rs1})")

    for name, funct3 in (("beq", 0), ("bne", 1), ("blt", 4), ("bge", 5), ("bltu", 6), ("bgeu", 7)):
        add(name, "B", _f(0x63, funct3), _OPCODE_F3, (RS1, RS2, IMM_B), "{rs1},{rs2},{target}")
    for name, funct3 in (("lb", 0), ("lh", 1), ("lw", 2), ("lbu", 4), ("lhu", 5)):
        add(name, "I", _f(0x03, funct3), _OPCODE_F3, (RD, RS1, IMM_I), "{rd},{imm}({rs1})")
    for name, funct3 in (("sb", 0), ("sh", 1), ("sw", 2)):
        add(name, "S", _f(0x23, funct3), _OPCODE_F3, (RS1, RS2, IMM_S), "{rs2},{imm}({rs1})")

    for name, funct3 in (("addi", 0), ("slti", 2), ("sltiu", 3), ("xori", 4), ("ori", 6), ("andi", 7)):
        add(name, "I", _f(0x13, funct3), _OPCODE_F3, (RD, RS1, IMM_I), "{rd},{rs1},{imm}")
    for name, funct3, funct7 in (("slli", 1, 0x00), ("srli", 5, 0x00), ("srai", 5, 0x20)):
        add(name, "I", _f(0x13, funct3, funct7), _OPCODE_F3_F7, (RD, RS1, SHAMT), "{rd},{rs1},{shamt}")

    for name, funct3, funct7 in (
            ("add", 0, 0x00), ("sub", 0, 0x20), ("sll", 1, 0x00), ("slt", 2, 0x00),
            ("sltu", 3, 0x00), ("xor", 4, 0x00), ("srl", 5, 0x00), ("sra", 5, 0x20),
            ("or", 6, 0x00), ("and", 7, 0x00),
            ("mul", 0, 0x01), ("mulh", 1, 0x01), ("mulhsu", 2, 0x01), ("mulhu", 3, 0x01),
            ("div", 4, 0x01), ("divu", 5, 0x01), ("rem", 6, 0x01), ("remu", 7, 0x01)):
        add(name, "R", _f(0x33, funct3, funct7), _OPCODE_F3_F7, (RD, RS1, RS2), "{rd},{rs1},{rs2}")

    # rd, rs1 and the fm/pred/succ bits are kept: the spec makes hardware
    # ignore the reserved ones, and keeping them lets every word round-trip.
    add("fence", "FENCE", _f(0x0F, 0), _OPCODE_F3, (RD, RS1, FENCE_BITS), "{pred},{succ}")
    add("fence.i", "FENCE", _f(0x0F, 1), _OPCODE_F3, (RD, RS1, FENCE_BITS), "")

    add("ecall", "SYS", 0x00000073, _EXACT, (), "")
    add("ebreak", "SYS", 0x00100073, _EXACT, (), "")
    add("sret", "SYS", 0x10200073, _EXACT, (), "")
    add("mret", "SYS", 0x30200073, _EXACT, (), "")
    add("wfi", "SYS", 0x10500073, _EXACT, (), "")
    add("sfence.vma", "SYS", _f(0x73, 0, 0x09), _FENCE_RS1_RS2, (RS1, RS2), "{rs1},{rs2}")
    add("hfence.vvma", "SYS", _f(0x73, 0, 0x11), _FENCE_RS1_RS2, (RS1, RS2), "{rs1},{rs2}")
    add("hfence.gvma", "SYS", _f(0x73, 0, 0x31), _FENCE_RS1_RS2, (RS1, RS2), "{rs1},{rs2}")

    for name, funct7, selector in (
            ("hlv.b", 0x30, 0), ("hlv.bu", 0x30, 1), ("hlv.h", 0x32, 0), ("hlv.hu", 0x32, 1),
            ("hlvx.hu", 0x32, 3), ("hlv.w", 0x34, 0), ("hlvx.wu", 0x34, 3)):
        add(name, "SYS", _f(0x73, 4, funct7, selector), _HLV, (RD, RS1), "{rd},({rs1})")
    for name, funct7 in (("hsv.b", 0x31), ("hsv.h", 0x33), ("hsv.w", 0x35)):
        add(name, "SYS", _f(0x73, 4, funct7), _FENCE_RS1_RS2, (RS1, RS2), "{rs2},({rs1})")

    for name, funct3 in (("csrrw", 1), ("csrrs", 2), ("csrrc", 3)):
        add(name, "CSR", _f(0x73, funct3), _OPCODE_F3, (RD, RS1, CSR), "{rd},{csr},{rs1}")
    for name, funct3 in (("csrrwi", 5), ("csrrsi", 6), ("csrrci", 7)):
        add(name, "CSRI", _f(0x73, funct3), _OPCODE_F3, (RD, UIMM, CSR), "{rd},{csr},{uimm}")
    return rows


INSTRUCTIONS: tuple[InstrSpec, ...] = tuple(_rows())
BY_NAME: dict[str, InstrSpec] = {spec.name: spec for spec in INSTRUCTIONS}
assert len(BY_NAME) == len(INSTRUCTIONS), "duplicate instruction name in the table"
