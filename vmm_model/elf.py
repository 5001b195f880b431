"""Guest ELF files: loading (pyelftools) and a minimal writer.

``load_elf`` accepts only what this platform can run: ELF32, little-endian,
RISC-V, ET_EXEC, with at least one PT_LOAD segment that fits in the file.  Every
problem comes out as ``ElfError`` with a one-line reason, so the command line
can print it and exit 2.  Whether the segments fit in guest RAM is the VMM's
question, not this module's.

``write_elf`` writes a small but complete ELF32 executable: one PT_LOAD per
segment, a section per segment (so objdump can disassemble it), .symtab/.strtab
(so symbols round-trip) and a .riscv.attributes section naming the ISA (so
objdump also decodes the H instructions).
"""
from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple

from elftools.elf.elffile import ELFFile

EM_RISCV = 243
ELF32_HEADER_SIZE = 52
ELF32_PHDR_SIZE = 32
ELF32_SHDR_SIZE = 40
ELF32_SYM_SIZE = 16
PF_X, PF_W, PF_R = 1, 2, 4
DEFAULT_ARCH = "rv32i2p1_m2p0_h1p0_zicsr2p0_zifencei2p0"


class ElfError(Exception):
    """The file is not a guest this platform can load; the message says why, in one line."""


class Segment(NamedTuple):
    """A PT_LOAD segment: ``data`` are the file bytes, the rest up to ``memsz`` is zero."""
    paddr: int
    vaddr: int
    data: bytes
    memsz: int
    flags: int          # PF_R | PF_W | PF_X


@dataclass
class ElfImage:
    entry: int
    segments: list[Segment]
    symbols: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- reading

def load_elf(source: str | os.PathLike | bytes | bytearray | memoryview) -> ElfImage:
    """Read a guest executable from a path or from its bytes."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        try:
            with open(source, "rb") as file:
                data = file.read()
        except OSError as exc:
            raise ElfError(f"cannot read {os.fspath(source)}: {exc.strerror or exc}") from exc
    _check_identification(data)
    try:
        return _parse(data)
    except ElfError:
        raise
    except Exception as exc:  # pyelftools/struct/construct: whatever they raise is a malformed file
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ElfError(f"malformed ELF file: {reason}") from exc


def _check_identification(data: bytes) -> None:
    if data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file (bad magic number)")
    if len(data) < 16:
        raise ElfError(f"truncated ELF header ({len(data)} bytes)")
    elf_class, encoding = data[4], data[5]
    if elf_class == 2:
        raise ElfError("64-bit ELF: this platform runs RV32 guests")
    if elf_class != 1:
        raise ElfError(f"invalid ELF class {elf_class}")
    if encoding == 2:
        raise ElfError("big-endian ELF: this platform runs little-endian RV32 guests")
    if encoding != 1:
        raise ElfError(f"invalid ELF data encoding {encoding}")
    if len(data) < ELF32_HEADER_SIZE:
        raise ElfError(f"truncated ELF header ({len(data)} of {ELF32_HEADER_SIZE} bytes)")


def _parse(data: bytes) -> ElfImage:
    elf = ELFFile(io.BytesIO(data))
    header = elf.header
    machine = header["e_machine"]
    if machine not in ("EM_RISCV", EM_RISCV):
        raise ElfError(f"not a RISC-V ELF (e_machine {machine})")
    if header["e_type"] != "ET_EXEC":
        raise ElfError(f"not an executable (e_type {header['e_type']}; link the guest first)")

    phnum, phoff = header["e_phnum"], header["e_phoff"]
    if phnum and header["e_phentsize"] != ELF32_PHDR_SIZE:
        raise ElfError(f"malformed program headers (e_phentsize {header['e_phentsize']}, "
                       f"expected {ELF32_PHDR_SIZE})")
    if phoff + phnum * ELF32_PHDR_SIZE > len(data):
        raise ElfError(f"truncated ELF: {phnum} program headers at offset {phoff:#x} "
                       f"run past the end of the file ({len(data)} bytes)")

    segments = []
    for index in range(phnum):
        ph = elf.get_segment(index).header
        if ph["p_type"] != "PT_LOAD":
            continue
        offset, filesz, memsz = ph["p_offset"], ph["p_filesz"], ph["p_memsz"]
        if filesz > memsz:
            raise ElfError(f"PT_LOAD segment {index} has p_filesz {filesz:#x} > p_memsz {memsz:#x}")
        if offset + filesz > len(data):
            raise ElfError(f"truncated ELF: PT_LOAD segment {index} bytes [{offset:#x}, "
                           f"{offset + filesz:#x}) run past the end of the file ({len(data)} bytes)")
        segments.append(Segment(ph["p_paddr"], ph["p_vaddr"], data[offset:offset + filesz],
                                memsz, ph["p_flags"]))
    if not segments:
        raise ElfError("no PT_LOAD segment: nothing to load")
    return ElfImage(header["e_entry"], segments, _symbols(elf, data))


def _symbols(elf: ELFFile, data: bytes) -> dict[str, int]:
    """Named, defined symbols; a global wins over a local of the same name."""
    header = elf.header
    if header["e_shoff"] == 0 or header["e_shnum"] == 0:
        return {}      # stripped: no section table, no symbols
    if header["e_shentsize"] != ELF32_SHDR_SIZE:
        raise ElfError(f"malformed section headers (e_shentsize {header['e_shentsize']}, "
                       f"expected {ELF32_SHDR_SIZE})")
    if header["e_shoff"] + header["e_shnum"] * ELF32_SHDR_SIZE > len(data):
        raise ElfError(f"truncated ELF: section headers at offset {header['e_shoff']:#x} "
                       f"run past the end of the file ({len(data)} bytes)")
    symbols: dict[str, int] = {}
    global_names: set[str] = set()
    for section in elf.iter_sections("SHT_SYMTAB"):
        if section["sh_offset"] + section["sh_size"] > len(data):
            raise ElfError(f"truncated ELF: symbol table {section.name or '?'} runs past the end of the file")
        for symbol in section.iter_symbols():
            kind = symbol["st_info"]["type"]
            if (not symbol.name or symbol["st_shndx"] == "SHN_UNDEF"
                    or kind in ("STT_SECTION", "STT_FILE")):
                continue
            is_global = symbol["st_info"]["bind"] != "STB_LOCAL"
            if symbol.name in global_names or (symbol.name in symbols and not is_global):
                continue
            symbols[symbol.name] = symbol["st_value"]
            if is_global:
                global_names.add(symbol.name)
    return symbols


# --------------------------------------------------------------------------- writing

SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOBITS = 1, 2, 3, 8
SHT_RISCV_ATTRIBUTES = 0x70000003
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
SHN_ABS = 0xFFF1
STB_GLOBAL, STT_NOTYPE = 1, 0


class _Section(NamedTuple):
    name: str
    type: int
    flags: int
    addr: int
    data: bytes
    size: int           # sh_size (differs from len(data) only for NOBITS)
    link: int = 0
    info: int = 0
    align: int = 1
    entsize: int = 0


class _StringTable:
    def __init__(self) -> None:
        self.data = bytearray(b"\0")
        self._offsets: dict[str, int] = {"": 0}

    def add(self, text: str) -> int:
        if text not in self._offsets:
            self._offsets[text] = len(self.data)
            self.data += text.encode() + b"\0"
        return self._offsets[text]


def _uleb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _riscv_attributes(arch: str) -> bytes:
    # Build attributes: format 'A', one "riscv" vendor subsection, one Tag_File
    # (1) sub-subsection holding Tag_RISCV_arch (5) as a NUL-terminated string.
    tag_file = _uleb128(5) + arch.encode() + b"\0"
    file_subsection = bytes([1]) + struct.pack("<I", 1 + 4 + len(tag_file)) + tag_file
    vendor = b"riscv\0" + file_subsection
    return b"A" + struct.pack("<I", 4 + len(vendor)) + vendor


def _check_address(what: str, value: int) -> None:
    if not isinstance(value, int) or not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"{what} {value!r} is not a 32-bit address")


def build_elf(entry: int, segments: Iterable[Segment], symbols: dict[str, int] | None = None,
              arch: str = DEFAULT_ARCH) -> bytes:
    """The bytes ``write_elf`` writes (tests patch them to craft bad files)."""
    segments = [Segment(*seg) for seg in segments]
    symbols = dict(symbols or {})
    _check_address("entry", entry)
    for seg in segments:
        _check_address("segment paddr", seg.paddr)
        _check_address("segment vaddr", seg.vaddr)
        if seg.memsz < len(seg.data) or seg.vaddr + seg.memsz > 1 << 32:
            raise ValueError(f"segment at {seg.vaddr:#x}: memsz {seg.memsz:#x} must cover its "
                             f"{len(seg.data):#x} data bytes and stay below 4 GiB")
    for name, value in symbols.items():
        if not name or "\0" in name:
            raise ValueError(f"bad symbol name {name!r}")
        _check_address(f"symbol {name}", value)

    # Sections: one per segment's file bytes, one for a zero-filled tail, then metadata.
    sections: list[_Section] = [_Section("", 0, 0, 0, b"", 0)]
    counts: dict[str, int] = {}
    segment_sections: list[int] = []

    def unique(base: str) -> str:
        counts[base] = counts.get(base, 0) + 1
        return base if counts[base] == 1 else f"{base}.{counts[base] - 1}"

    for seg in segments:
        kind = ".text" if seg.flags & PF_X else ".data" if seg.flags & PF_W else ".rodata"
        flags = (SHF_ALLOC | (SHF_EXECINSTR if seg.flags & PF_X else 0)
                 | (SHF_WRITE if seg.flags & PF_W else 0))
        segment_sections.append(len(sections))
        if seg.data:
            sections.append(_Section(unique(kind), SHT_PROGBITS, flags, seg.vaddr, bytes(seg.data),
                                     len(seg.data), align=4 if seg.vaddr % 4 == 0 else 1))
        if seg.memsz > len(seg.data):
            sections.append(_Section(unique(".bss"), SHT_NOBITS, flags & ~SHF_EXECINSTR,
                                     seg.vaddr + len(seg.data), b"", seg.memsz - len(seg.data)))

    def section_of(address: int) -> int:
        for index, sec in enumerate(sections):
            if sec.flags & SHF_ALLOC and sec.addr <= address < sec.addr + sec.size:
                return index
        return SHN_ABS

    sections.append(_Section(".riscv.attributes", SHT_RISCV_ATTRIBUTES, 0, 0,
                             _riscv_attributes(arch), len(_riscv_attributes(arch))))
    strtab = _StringTable()
    symtab = bytearray(ELF32_SYM_SIZE)          # entry 0: the null symbol
    for name in sorted(symbols):
        symtab += struct.pack("<IIIBBH", strtab.add(name), symbols[name], 0,
                              STB_GLOBAL << 4 | STT_NOTYPE, 0, section_of(symbols[name]))
    symtab_index = len(sections)
    sections.append(_Section(".symtab", SHT_SYMTAB, 0, 0, bytes(symtab), len(symtab),
                             link=symtab_index + 1, info=1, align=4, entsize=ELF32_SYM_SIZE))
    sections.append(_Section(".strtab", SHT_STRTAB, 0, 0, bytes(strtab.data), len(strtab.data)))
    shstrtab = _StringTable()
    names = [shstrtab.add(sec.name) for sec in sections]
    names.append(shstrtab.add(".shstrtab"))
    sections.append(_Section(".shstrtab", SHT_STRTAB, 0, 0, bytes(shstrtab.data), len(shstrtab.data)))

    # Layout: header, program headers, segment bytes, other section bytes, section headers.
    out = bytearray(ELF32_HEADER_SIZE + ELF32_PHDR_SIZE * len(segments))
    offsets: list[int] = []
    for sec in sections:
        if sec.type in (0, SHT_NOBITS):
            offsets.append(len(out) if sec.type else 0)
            continue
        out += bytes(-len(out) % 16)
        offsets.append(len(out))
        out += sec.data
    out += bytes(-len(out) % 4)
    shoff = len(out)
    for sec, name, offset in zip(sections, names, offsets):
        out += struct.pack("<10I", name, sec.type, sec.flags, sec.addr, offset, sec.size,
                           sec.link, sec.info, sec.align, sec.entsize)

    out[:ELF32_HEADER_SIZE] = (
        b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
        + struct.pack("<HHIIIIIHHHHHH", 2, EM_RISCV, 1, entry, ELF32_HEADER_SIZE, shoff, 0,
                      ELF32_HEADER_SIZE, ELF32_PHDR_SIZE, len(segments), ELF32_SHDR_SIZE,
                      len(sections), len(sections) - 1))
    for index, (seg, first) in enumerate(zip(segments, segment_sections)):
        # A segment's bytes are its first section's bytes (empty segments point anywhere).
        file_offset = offsets[first] if seg.data else 0
        align = 4 if seg.vaddr % 4 == 0 and file_offset % 4 == 0 else 1
        start = ELF32_HEADER_SIZE + index * ELF32_PHDR_SIZE
        out[start:start + ELF32_PHDR_SIZE] = struct.pack(
            "<8I", 1, file_offset, seg.vaddr, seg.paddr, len(seg.data), seg.memsz, seg.flags, align)
    return bytes(out)


def write_elf(path: str | os.PathLike, entry: int, segments: Iterable[Segment],
              symbols: dict[str, int] | None = None, arch: str = DEFAULT_ARCH) -> None:
    """Write a minimal ELF32 little-endian RISC-V ET_EXEC file (see module docstring)."""
    with open(path, "wb") as file:
        file.write(build_elf(entry, segments, symbols, arch))
