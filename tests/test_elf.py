"""vmm_model.elf: a real cross-linked guest, write/load round trips, and every
kind of bad file turning into a one-line ElfError."""
from __future__ import annotations

import random
import re
import struct

import pytest

from tests.isa_toolchain import run, tool
from vmm_model.elf import (PF_R, PF_W, PF_X, ElfError, ElfImage, Segment, build_elf, load_elf,
                           write_elf)
from vmm_model.isa import disasm

GUEST_SOURCE = """
.section .text
.globl _start
_start:
  lui a0, %hi(begin_signature)
  addi a0, a0, %lo(begin_signature)
  lw a1, 0(a0)
  hlv.w a2, (a0)
  ecall
local_loop:
  jal zero, local_loop
.section .data
.globl begin_signature
begin_signature:
  .word 0x11223344, 0x55667788
.globl end_signature
end_signature:
.section .bss
scratch: .space 256
"""

LINKER_SCRIPT = """
ENTRY(_start)
SECTIONS {
  . = 0x80000000;
  .text : { *(.text) }
  . = 0x80002000;
  .data : { *(.data) }
  .bss : { *(.bss) }
}
"""


@pytest.fixture(scope="module")
def guest(tmp_path_factory):
    """A guest built by the cross toolchain, with readelf's view of it."""
    tmp = tmp_path_factory.mktemp("guest")
    (tmp / "guest.S").write_text(GUEST_SOURCE)
    (tmp / "guest.ld").write_text(LINKER_SCRIPT)
    run([tool("as"), "-march=rv32im_zicsr_zifencei_h", "-mabi=ilp32", str(tmp / "guest.S"),
         "-o", str(tmp / "guest.o")])
    run([tool("ld"), "-m", "elf32lriscv", "-T", str(tmp / "guest.ld"), str(tmp / "guest.o"),
         "-o", str(tmp / "guest.elf")])
    headers = run([tool("readelf"), "-lW", str(tmp / "guest.elf")])
    loads = [line.split() for line in headers.splitlines() if line.split()[:1] == ["LOAD"]]
    symbols = {}
    for line in run([tool("nm"), str(tmp / "guest.elf")]).splitlines():
        value, _, name = line.split()
        symbols[name] = int(value, 16)
    return tmp / "guest.elf", loads, symbols


def test_loads_a_cross_linked_guest(guest):
    path, loads, nm_symbols = guest
    image = load_elf(path)
    assert isinstance(image, ElfImage)
    assert image.entry == nm_symbols["_start"] == 0x80000000
    assert len(image.segments) == len(loads) == 2
    raw = path.read_bytes()
    for seg, (_, offset, vaddr, paddr, filesz, memsz, *_flags) in zip(image.segments, loads):
        assert (seg.vaddr, seg.paddr) == (int(vaddr, 16), int(paddr, 16))
        assert len(seg.data) == int(filesz, 16) and seg.memsz == int(memsz, 16)
        assert seg.data == raw[int(offset, 16):int(offset, 16) + int(filesz, 16)]
    text, data = image.segments
    assert text.flags == PF_R | PF_X and data.flags == PF_R | PF_W
    assert data.memsz == len(data.data) + 256                    # .bss is the zero tail
    assert data.data == struct.pack("<II", 0x11223344, 0x55667788)
    assert disasm(int.from_bytes(text.data[12:16], "little")) == "hlv.w\ta2,(a0)"
    for name in ("_start", "begin_signature", "end_signature", "local_loop", "scratch"):
        assert image.symbols[name] == nm_symbols[name]
    assert image.symbols["end_signature"] - image.symbols["begin_signature"] == 8


def test_load_accepts_bytes_as_well_as_paths(guest):
    path = guest[0]
    assert load_elf(path.read_bytes()) == load_elf(str(path)) == load_elf(path)


# --------------------------------------------------------------------------- write_elf

SEGMENTS = [
    Segment(0x80000000, 0x80000000, bytes(range(64)), 64, PF_R | PF_X),
    Segment(0x80010000, 0x00010000, b"\x01\x02\x03", 0x2000, PF_R | PF_W),   # paddr != vaddr, zero tail
    Segment(0x80020000, 0x80020000, b"", 0x1000, PF_R | PF_W),                # all zero (pure .bss)
]
SYMBOLS = {"_start": 0x80000000, "begin_signature": 0x10000, "end_signature": 0x10040,
           "uart": 0x10000000, "top": 0xFFFFFFFF}


def test_write_then_load_round_trips(tmp_path):
    path = tmp_path / "prog.elf"
    write_elf(path, 0x80000010, SEGMENTS, SYMBOLS)
    image = load_elf(path)
    assert image.entry == 0x80000010
    assert image.segments == SEGMENTS
    assert image.symbols == SYMBOLS


def test_written_file_is_what_objdump_expects(tmp_path):
    """objdump must see .text, our symbols, and the H extension (from .riscv.attributes)."""
    words = [0x6805C573, 0x60A02573, 0x00000073]        # hlv.w, csrrs henvcfg, ecall
    path = tmp_path / "prog.elf"
    write_elf(path, 0x80000000, [Segment(0x80000000, 0x80000000,
                                         b"".join(w.to_bytes(4, "little") for w in words), 12, PF_R | PF_X)],
              {"_start": 0x80000000})
    dump = run([tool("objdump"), "-d", "-M", "no-aliases", str(path)])
    assert "<_start>:" in dump
    texts = re.findall(r"^\s*[0-9a-f]+:\s+[0-9a-f]{8}\s+(.*)$", dump, re.M)
    assert texts == [disasm(w) for w in words] == ["hlv.w\ta0,(a1)", "csrrs\ta0,henvcfg,zero", "ecall"]


def test_write_rejects_impossible_segments():
    with pytest.raises(ValueError, match="memsz"):
        build_elf(0, [Segment(0, 0, b"1234", 2, PF_R)])
    with pytest.raises(ValueError, match="32-bit"):
        build_elf(1 << 32, [Segment(0, 0, b"", 4, PF_R)])


# --------------------------------------------------------------------------- bad input

def valid_elf() -> bytearray:
    return bytearray(build_elf(0x80000000, SEGMENTS[:2], SYMBOLS))


E_TYPE, E_MACHINE, E_PHOFF, E_SHOFF, E_PHENTSIZE, E_PHNUM = 16, 18, 28, 32, 42, 44
PH = 52   # the writer puts the program headers right after the ELF header
P_TYPE, P_OFFSET, P_FILESZ, P_MEMSZ = 0, 4, 16, 20


def patched(offset: int, fmt: str, value: int, data: bytearray | None = None) -> bytes:
    data = valid_elf() if data is None else data
    struct.pack_into(fmt, data, offset, value)
    return bytes(data)


def elf64_header(big_endian: bool = False) -> bytes:
    order = ">" if big_endian else "<"
    ident = b"\x7fELF" + bytes([2, 2 if big_endian else 1, 1, 0]) + bytes(8)
    return ident + struct.pack(order + "HHIQQQIHHHHHH", 2, 243, 1, 0x80000000, 64, 0, 0, 64, 56, 0, 64, 0, 0)


def elf32_big_endian_header() -> bytes:
    ident = b"\x7fELF" + bytes([1, 2, 1, 0]) + bytes(8)
    return ident + struct.pack(">HHIIIIIHHHHHH", 2, 243, 1, 0x80000000, 52, 0, 0, 52, 32, 0, 40, 0, 0)


def no_load_segments() -> bytes:
    data = valid_elf()
    for index in range(2):
        struct.pack_into("<I", data, PH + 32 * index + P_TYPE, 4)        # PT_NOTE
    return bytes(data)


BAD_FILES = {
    "empty": (lambda: b"", "not an ELF file"),
    "text file": (lambda: b"#!/bin/sh\necho hello\n", "not an ELF file"),
    "magic only": (lambda: b"\x7fELF", "truncated ELF header"),
    "truncated header": (lambda: valid_elf()[:40], "truncated ELF header"),
    "64-bit": (lambda: elf64_header(), "64-bit ELF: this platform runs RV32 guests"),
    "64-bit big-endian": (lambda: elf64_header(big_endian=True), "64-bit ELF"),
    "big-endian": (lambda: elf32_big_endian_header(), "big-endian ELF"),
    "bad class": (lambda: patched(4, "B", 3), "invalid ELF class 3"),
    "bad data encoding": (lambda: patched(5, "B", 0), "invalid ELF data encoding 0"),
    "x86-64 machine": (lambda: patched(E_MACHINE, "<H", 62), "not a RISC-V ELF"),
    "unknown machine": (lambda: patched(E_MACHINE, "<H", 0x7777), "not a RISC-V ELF"),
    "relocatable": (lambda: patched(E_TYPE, "<H", 1), "not an executable"),
    "shared object": (lambda: patched(E_TYPE, "<H", 3), "not an executable"),
    "no PT_LOAD": (no_load_segments, "no PT_LOAD segment"),
    "no program headers": (lambda: patched(E_PHNUM, "<H", 0), "no PT_LOAD segment"),
    "filesz > memsz": (lambda: patched(PH + 32 + P_MEMSZ, "<I", 2), "p_filesz 0x3 > p_memsz 0x2"),
    "segment past EOF": (lambda: patched(PH + P_OFFSET, "<I", 0xFFFF00), "PT_LOAD segment 0 bytes"),
    "huge filesz": (lambda: patched(PH + P_FILESZ, "<I", 0x7FFFFFFF,
                                    bytearray(patched(PH + P_MEMSZ, "<I", 0xFFFFFFFF))),
                    "past the end of the file"),
    "program headers past EOF": (lambda: patched(E_PHOFF, "<I", 0xFFFFFF00), "program headers"),
    "bad e_phentsize": (lambda: patched(E_PHENTSIZE, "<H", 56), "e_phentsize 56"),
    "cut inside program headers": (lambda: valid_elf()[:70], "program headers"),
    "cut inside segment data": (lambda: valid_elf()[:0x90], "PT_LOAD segment 0"),
    "section headers past EOF": (lambda: patched(E_SHOFF, "<I", 0xFFFFFF00), "section headers"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_raise_elf_error_naming_the_problem(case):
    make, says = BAD_FILES[case]
    with pytest.raises(ElfError) as caught:
        load_elf(make())
    message = str(caught.value)
    assert says in message, message
    assert "\n" not in message


def test_unreadable_path_is_an_elf_error(tmp_path):
    with pytest.raises(ElfError, match="cannot read .*missing.elf"):
        load_elf(tmp_path / "missing.elf")
    with pytest.raises(ElfError, match="cannot read"):
        load_elf(tmp_path)                       # a directory


def test_corrupted_files_never_escape_as_other_exceptions():
    """Random byte damage anywhere: the loader either copes or says ElfError."""
    rng = random.Random(3)
    original = valid_elf()
    outcomes = {"loaded": 0, "rejected": 0}
    for _ in range(1500):
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.getrandbits(8)
        if rng.random() < 0.2:
            data = data[:rng.randrange(len(data))]
        try:
            load_elf(bytes(data))
            outcomes["loaded"] += 1
        except ElfError as exc:
            assert "\n" not in str(exc)
            outcomes["rejected"] += 1
    assert outcomes["loaded"] and outcomes["rejected"]
