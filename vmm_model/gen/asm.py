"""A tiny in-memory assembler: words from ``vmm_model.isa.encode``, labels, fix-ups.

Branches and jumps to a label that is not placed yet are emitted as a
placeholder and patched by ``finish``; everything else is encoded at once.
``li`` expands as GNU as does (addi, or lui + addi).

``bias`` is added to every address the assembler reports (``pc``, labels):
code emitted while it is nonzero runs at a different virtual address than
where it is loaded (an alias mapping); branches are pc-relative, so the words
do not change.
"""
from __future__ import annotations

from vmm_model.isa import Instr, decode, encode

M32 = 0xFFFF_FFFF
BRANCHES = ("beq", "bne", "blt", "bge", "bltu", "bgeu")


def split_constant(value: int) -> tuple[int, int]:
    """(upper, lower) with upper + sign-extended lower == value (mod 2^32), as lui/addi need."""
    value &= M32
    lower = value & 0xFFF
    if lower >= 0x800:
        lower -= 0x1000
    return (value - lower) & 0xFFFFF000, lower


class Assembler:
    def __init__(self, base: int):
        self.base = base
        self.words: list[int] = []
        self.labels: dict[str, int] = {}
        self._fixups: list[tuple[int, int, str, dict, str]] = []
        self._serial = 0
        self.bias = 0

    @property
    def pc(self) -> int:
        """The address the next instruction runs at."""
        return (self.base + 4 * len(self.words) + self.bias) & M32

    @property
    def load_address(self) -> int:
        """Where the next instruction is in the program image."""
        return self.base + 4 * len(self.words)

    def new_label(self, stem: str = "L") -> str:
        self._serial += 1
        return f".{stem}{self._serial}"

    def place(self, label: str) -> int:
        if label in self.labels:
            raise ValueError(f"label {label} placed twice")
        self.labels[label] = self.pc
        return self.pc

    def emit(self, name: str, **fields: int) -> tuple[Instr, int]:
        """Append one instruction; returns it decoded, and its address."""
        pc = self.pc
        word = encode(name, **fields)
        self.words.append(word)
        return decode(word), pc

    def emit_word(self, word: int) -> tuple[Instr, int]:
        """Append a raw word (deliberately illegal encodings)."""
        pc = self.pc
        self.words.append(word & M32)
        return decode(word & M32), pc

    def emit_to(self, name: str, label: str, **fields: int) -> int:
        """A branch or jal to ``label``; returns its address."""
        pc = self.pc
        if label in self.labels:
            self.words.append(encode(name, imm=self.labels[label] - pc, **fields))
        else:
            self._fixups.append((len(self.words), pc, name, fields, label))
            self.words.append(0)
        return pc

    def la(self, rd: int, label: str) -> None:
        """rd = the address of ``label`` (lui + addi, patched by ``finish`` if not placed yet)."""
        if label in self.labels:
            self.li_fixed(rd, self.labels[label])
            return
        self._fixups.append((len(self.words), self.pc, "la", {"rd": rd}, label))
        self.words += [0, 0]

    def jump_far(self, label: str, scratch: int) -> None:
        """Go to ``label`` wherever it is (la + jalr), clobbering ``scratch``."""
        self.la(scratch, label)
        self.emit("jalr", rd=0, rs1=scratch, imm=0)

    def li(self, rd: int, value: int) -> list[tuple[Instr, int]]:
        """Load a 32-bit constant: addi, or lui (+ addi when the low part is not 0)."""
        value &= M32
        upper, lower = split_constant(value)
        if upper == 0:
            return [self.emit("addi", rd=rd, rs1=0, imm=lower)]
        out = [self.emit("lui", rd=rd, imm=upper)]
        if lower:
            out.append(self.emit("addi", rd=rd, rs1=rd, imm=lower))
        return out

    def li_fixed(self, rd: int, value: int) -> list[tuple[Instr, int]]:
        """lui + addi always: two words whatever the value (for sequences of known length)."""
        upper, lower = split_constant(value)
        return [self.emit("lui", rd=rd, imm=upper), self.emit("addi", rd=rd, rs1=rd, imm=lower)]

    def finish(self) -> bytes:
        for index, pc, name, fields, label in self._fixups:
            if label not in self.labels:
                raise ValueError(f"label {label} was never placed")
            if name == "la":
                upper, lower = split_constant(self.labels[label])
                self.words[index] = encode("lui", rd=fields["rd"], imm=upper)
                self.words[index + 1] = encode("addi", rd=fields["rd"], rs1=fields["rd"], imm=lower)
                continue
            self.words[index] = encode(name, imm=self.labels[label] - pc, **fields)
        self._fixups.clear()
        return b"".join(word.to_bytes(4, "little") for word in self.words)
