"""Bad input to `hvcosim run`, seen the way a user sees it: the installed command in a
subprocess.  DESIGN §8: bad usage or bad input exits 2 with exactly one line on
stderr and no traceback; an exhausted instruction budget exits 3.

Bad ELF files are crafted from a real guest of the suite (patched headers,
truncation) and from ``vmm_model.elf.build_elf`` (valid ELF32 files whose
segments we place where we want).
"""
from __future__ import annotations

import random
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.guests.build import ARCH_FLAGS, INCLUDE_DIR, find_gcc
from vmm_model.elf import PF_R, PF_W, PF_X, Segment, build_elf

REPO = Path(__file__).resolve().parents[1]
NOP = (0x00000013).to_bytes(4, "little")
E_IDENT_CLASS, E_IDENT_DATA, E_MACHINE = 4, 5, 18


def hvcosim_command() -> list[str]:
    """The console script installed beside this interpreter, else the module."""
    script = Path(sys.executable).parent / "hvcosim"
    if script.exists():
        return [str(script)]
    found = shutil.which("hvcosim")
    return [found] if found else [sys.executable, "-m", "tb.cli"]


def run_hvcosim(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*hvcosim_command(), *map(str, args)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout, cwd=REPO)


def assert_bad_input(result: subprocess.CompletedProcess, *words: str) -> str:
    """Exit 2, exactly one line on stderr naming the problem, no traceback, nothing run."""
    described = f"exit {result.returncode}\nstdout: {result.stdout!r}\nstderr: {result.stderr!r}"
    assert result.returncode == 2, described
    assert "Traceback" not in result.stderr + result.stdout, described
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), described
    assert result.stderr.endswith("\n"), described
    assert result.stdout == "", described
    for word in words:
        assert word.lower() in lines[0].lower(), f"{word!r} not in the message\n{described}"
    return lines[0]


@pytest.fixture(scope="module")
def good_elf(guest_elfs) -> bytes:
    """A small guest of the suite that passes, as bytes to patch."""
    return guest_elfs["legacy_shutdown"].read_bytes()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def minimal_elf(segments, entry=0x8000_0000, symbols=None) -> bytes:
    return build_elf(entry, segments, symbols)


def test_the_good_elf_really_runs(guest_elfs):
    """The baseline the patched files are made from passes, so exit 2 below is the patch's doing."""
    result = run_hvcosim("run", guest_elfs["legacy_shutdown"])
    assert result.returncode == 0, result.stderr
    assert "legacy shutdown" in result.stdout


# ------------------------------------------------------------------ malformed ELF files

@pytest.mark.parametrize("seed", [1, 2])
def test_random_bytes(tmp_path, seed):
    data = random.Random(seed).randbytes(4096)
    assert_bad_input(run_hvcosim("run", write(tmp_path, "random.elf", data)), "random.elf")


def test_random_bytes_behind_an_elf_magic(tmp_path):
    data = b"\x7fELF\x01\x01\x01" + random.Random(3).randbytes(2000)
    assert_bad_input(run_hvcosim("run", write(tmp_path, "magic.elf", data)))


def test_empty_file(tmp_path):
    assert_bad_input(run_hvcosim("run", write(tmp_path, "empty.elf", b"")))


@pytest.mark.parametrize("keep", [10, 40, 52 + 16])
def test_truncated_headers(tmp_path, good_elf, keep):
    assert_bad_input(run_hvcosim("run", write(tmp_path, "cut.elf", good_elf[:keep])), "truncated")


def test_truncated_segment_data(tmp_path, good_elf):
    """Headers intact, the file ends inside the loadable bytes."""
    (phoff,) = struct.unpack_from("<I", good_elf, 28)            # e_phoff
    (p_type, p_offset) = struct.unpack_from("<II", good_elf, phoff)
    (p_filesz,) = struct.unpack_from("<I", good_elf, phoff + 16)
    assert p_type == 1 and p_filesz > 64                         # PT_LOAD with code in it
    data = good_elf[:p_offset + p_filesz // 2]
    assert_bad_input(run_hvcosim("run", write(tmp_path, "cut.elf", data)), "truncated")


def test_64_bit_elf(tmp_path, good_elf):
    data = bytearray(good_elf)
    data[E_IDENT_CLASS] = 2
    assert_bad_input(run_hvcosim("run", write(tmp_path, "wide.elf", data)), "64-bit")


def test_big_endian_elf(tmp_path, good_elf):
    data = bytearray(good_elf)
    data[E_IDENT_DATA] = 2
    assert_bad_input(run_hvcosim("run", write(tmp_path, "be.elf", data)), "big-endian")


def test_not_risc_v(tmp_path, good_elf):
    data = bytearray(good_elf)
    struct.pack_into("<H", data, E_MACHINE, 62)         # EM_X86_64
    assert_bad_input(run_hvcosim("run", write(tmp_path, "x86.elf", data)), "RISC-V")


def test_relocatable_object_is_not_a_guest(tmp_path):
    gcc = find_gcc()
    if gcc is None:
        pytest.skip("no RISC-V cross compiler")
    source = write(tmp_path, "obj.S", b".text\n.globl _start\n_start: j _start\n")
    obj = tmp_path / "obj.o"
    subprocess.run([gcc, *ARCH_FLAGS, "-I", str(INCLUDE_DIR), "-c", str(source), "-o", str(obj)],
                   check=True)
    assert_bad_input(run_hvcosim("run", obj), "executable")


def test_no_loadable_segment(tmp_path):
    assert_bad_input(run_hvcosim("run", write(tmp_path, "none.elf", minimal_elf([]))), "PT_LOAD")


def test_a_directory_is_not_a_guest(tmp_path):
    assert_bad_input(run_hvcosim("run", tmp_path))


def test_missing_file(tmp_path):
    assert_bad_input(run_hvcosim("run", tmp_path / "missing.elf"), "missing.elf")


# ------------------------------------------------------------- segments outside guest RAM

@pytest.mark.parametrize("paddr,memsz,options", [
    (0x0000_1000, 0x1000, []),                 # far below RAM
    (0x9000_0000, 0x1000, []),                 # far above the default 16 MiB
    (0x80FF_F000, 0x2000, []),                 # straddles the end of RAM
    (0x7FFF_F000, 0x2000, []),                 # straddles the start of RAM
    (0x8090_0000, 0x1000, ["--mem", "8M"]),    # inside 16 MiB, outside 8 MiB
], ids=["below", "above", "straddles-end", "straddles-start", "outside-smaller-mem"])
def test_segment_outside_guest_ram(tmp_path, paddr, memsz, options):
    code = Segment(0x8000_0000, 0x8000_0000, NOP * 4, 16, PF_R | PF_X)
    stray = Segment(paddr, paddr, b"\xaa" * 16, memsz, PF_R | PF_W)
    path = write(tmp_path, "stray.elf", minimal_elf([code, stray]))
    assert_bad_input(run_hvcosim("run", path, *options), "outside guest RAM")


def test_entry_outside_guest_ram(tmp_path):
    code = Segment(0x8000_0000, 0x8000_0000, NOP * 4, 16, PF_R | PF_X)
    path = write(tmp_path, "entry.elf", minimal_elf([code], entry=0x1000))
    assert_bad_input(run_hvcosim("run", path), "entry")


def test_bad_second_guest_is_named(tmp_path, guest_elfs):
    bad = write(tmp_path, "second.elf", b"not an elf at all")
    assert_bad_input(run_hvcosim("run", guest_elfs["legacy_shutdown"], bad), "second.elf")


# ------------------------------------------------------------------------- --signature

def test_signature_without_the_symbols(tmp_path, guest_elfs):
    assert_bad_input(run_hvcosim("run", guest_elfs["uart_hello"], "--signature",
                                 tmp_path / "sig.txt"), "begin_signature")
    assert not (tmp_path / "sig.txt").exists()


def test_signature_with_only_one_symbol(tmp_path):
    code = Segment(0x8000_0000, 0x8000_0000, NOP * 4, 16, PF_R | PF_X)
    path = write(tmp_path, "half.elf", minimal_elf([code], symbols={"begin_signature": 0x8000_0000}))
    assert_bad_input(run_hvcosim("run", path, "--signature", tmp_path / "sig.txt"), "end_signature")


def test_signature_file_not_writable(tmp_path, guest_elfs):
    target = tmp_path / "no-such-dir" / "sig.txt"
    assert_bad_input(run_hvcosim("run", guest_elfs["signature"], "--signature", target))


# ----------------------------------------------------------------------------- options

@pytest.mark.parametrize("options,word", [
    (["--frobnicate"], "--frobnicate"),
    (["--mem", "banana"], "banana"),
    (["--mem", "0"], "--mem"),
    (["--mem", "5000"], "--mem"),                   # not a whole number of pages
    (["--mem-budget", "4K"], "--mem-budget"),       # below what one instruction may need
    (["--vcpus", "0"], "--vcpus"),
    (["--vcpus", "two"], "two"),
    (["--contexts", "0"], "--contexts"),
    (["--quantum", "0"], "--quantum"),
    (["--max-instructions", "-5"], "-5"),
    (["--seed"], "--seed"),                         # missing value
], ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_bad_options(guest_elfs, options, word):
    assert_bad_input(run_hvcosim("run", guest_elfs["legacy_shutdown"], *options), word)


def test_run_without_a_guest():
    assert_bad_input(run_hvcosim("run"))


def test_unknown_command():
    assert_bad_input(run_hvcosim("frobnicate"), "frobnicate")


def test_no_command_at_all():
    assert_bad_input(run_hvcosim())


# ---------------------------------------------------------------------- budget: exit 3

def test_endless_guest_stops_on_the_instruction_budget(guest_elfs):
    result = run_hvcosim("run", guest_elfs["loop_forever"], "--max-instructions", "100000")
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "100000" in result.stderr
