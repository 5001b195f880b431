"""The RISC-V cross toolchain as a test oracle (GNU as / objdump).

Missing tools fail the test with a message saying how to get them: `make test`
installs them (scripts/setup_system.sh), so a skip would hide a broken set-up.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PREFIX = "riscv64-unknown-elf-"
# h: hlv/hsv/hfence; priv spec 1.12 so objdump names 1.12 CSRs (henvcfg, ...);
# no relaxation so every pc-relative operand is resolved by the assembler.
AS_FLAGS = ["-march=rv32im_zicsr_zifencei_h", "-mabi=ilp32", "-mpriv-spec=1.12", "-mno-relax"]
OBJDUMP_FLAGS = ["-d", "-M", "no-aliases"]


def tool(name: str) -> str:
    path = shutil.which(PREFIX + name)
    if path is None:
        pytest.fail(f"{PREFIX}{name} not found on PATH: install Debian's gcc-riscv64-unknown-elf "
                    f"(binutils-riscv64-unknown-elf), e.g. with `make setup`", pytrace=False)
    return path


def run(argv: list[str]) -> str:
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode:
        pytest.fail(f"{' '.join(argv)} failed:\n{result.stderr}", pytrace=False)
    return result.stdout


def assemble(source: str, tmp_path: Path, name: str = "isa") -> Path:
    src = tmp_path / f"{name}.S"
    obj = tmp_path / f"{name}.o"
    src.write_text(source)
    run([tool("as"), *AS_FLAGS, str(src), "-o", str(obj)])
    return obj


_LINE = re.compile(r"^\s*([0-9a-f]+):\s+([0-9a-f]{8})\s+(.*)$")


def objdump_lines(path: Path) -> dict[int, tuple[int, str]]:
    """address -> (word, text) for every 32-bit instruction line objdump prints.

    The text drops objdump's `` <symbol>`` suffixes and ``# ...`` comments,
    which come from symbol tables and register tracking rather than the word.
    """
    lines: dict[int, tuple[int, str]] = {}
    for raw in run([tool("objdump"), *OBJDUMP_FLAGS, str(path)]).splitlines():
        match = _LINE.match(raw)
        if match:
            text = re.sub(r"\s+<[^>]*>", "", match.group(3).split(" #")[0]).rstrip()
            lines[int(match.group(1), 16)] = (int(match.group(2), 16), text)
    return lines
