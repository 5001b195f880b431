"""Build the guest suite with the RISC-V cross toolchain and read each guest's run header.

Every ``tests/guests/*.S`` is one guest program, linked with ``common/crt.S`` and
``common/guest.ld``.  Its header comment says how to run it and what to expect::

    // hvcosim-covers: what the guest exercises (free text, for people)
    // hvcosim-args: --vcpus 2 --quantum 300         (options for `hvcosim run`)
    // hvcosim-expect: exit=0 stdout-contains="hello"  stdout-contains may repeat
    // hvcosim-companions: twovm_b                     (further guests run as more VMs)
    // hvcosim-standalone: no                          (only run as someone's companion)
    // hvcosim-signature: 00000001 ffffffff ...        (expected --signature words; may repeat)

Usage: ``python -m tests.guests.build OUTDIR`` builds every guest into OUTDIR;
``python -m tests.guests.build --list`` prints each guest with what it covers.
Builds are atomic (temporary file, then rename), so concurrent builders sharing
OUTDIR (pytest-xdist workers) never see a half-written ELF.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

GUEST_DIR = Path(__file__).resolve().parent
COMMON_DIR = GUEST_DIR / "common"
INCLUDE_DIR = GUEST_DIR / "include"
CRT = COMMON_DIR / "crt.S"
LINKER_SCRIPT = COMMON_DIR / "guest.ld"
COMMON_INPUTS = (CRT, LINKER_SCRIPT, *sorted(INCLUDE_DIR.glob("*.h")))

GCC_NAMES = ("riscv64-unknown-elf-gcc", "riscv32-unknown-elf-gcc")
ARCH_FLAGS = ["-march=rv32im_zicsr_zifencei", "-mabi=ilp32"]
LINK_FLAGS = ["-nostdlib", "-nostartfiles", "-static", "-Wl,--build-id=none",
              "-Wl,--no-warn-rwx-segments"]

HEADER_PREFIX = "// hvcosim-"


class GuestSpecError(ValueError):
    """A guest's header comment is malformed."""


class ToolchainError(RuntimeError):
    """The cross compiler is missing or a guest does not build."""


@dataclass(frozen=True)
class GuestSpec:
    """How to run one guest and what a correct run looks like, from its header."""
    name: str
    source: Path
    args: tuple[str, ...] = ()
    exit_status: int = 0
    stdout_contains: tuple[str, ...] = ()
    companions: tuple[str, ...] = ()
    standalone: bool = True
    signature: tuple[int, ...] | None = None
    covers: str = ""

    def run_argv(self, elf_paths: dict[str, Path], signature_file: Path | None = None) -> list[str]:
        """The `hvcosim` arguments that run this guest (and its companions) as in its header."""
        argv = ["run", str(elf_paths[self.name])]
        argv += [str(elf_paths[c]) for c in self.companions]
        argv += list(self.args)
        if signature_file is not None:
            argv += ["--signature", str(signature_file)]
        return argv


def _parse_expect(value: str, where: str) -> tuple[int | None, list[str]]:
    exit_status = None
    contains: list[str] = []
    for item in shlex.split(value):
        key, sep, val = item.partition("=")
        if not sep:
            raise GuestSpecError(f"{where}: expected key=value in hvcosim-expect, got {item!r}")
        if key == "exit":
            exit_status = int(val, 0)
        elif key == "stdout-contains":
            contains.append(val.encode().decode("unicode_escape"))
        else:
            raise GuestSpecError(f"{where}: unknown hvcosim-expect key {key!r}")
    return exit_status, contains


def parse_spec(source: Path) -> GuestSpec:
    """Read the ``// hvcosim-*`` header lines of one guest source."""
    args: list[str] = []
    exit_status = 0
    contains: list[str] = []
    companions: list[str] = []
    standalone = True
    signature: list[int] | None = None
    covers: list[str] = []
    for lineno, line in enumerate(source.read_text().splitlines(), 1):
        if not line.startswith(HEADER_PREFIX):
            continue
        where = f"{source.name}:{lineno}"
        key, sep, value = line[len(HEADER_PREFIX):].partition(":")
        if not sep:
            raise GuestSpecError(f"{where}: header line without ':'")
        value = value.strip()
        if key == "args":
            args += shlex.split(value)
        elif key == "expect":
            status, more = _parse_expect(value, where)
            if status is not None:
                exit_status = status
            contains += more
        elif key == "companions":
            companions += value.split()
        elif key == "standalone":
            if value not in ("yes", "no"):
                raise GuestSpecError(f"{where}: hvcosim-standalone must be yes or no")
            standalone = value == "yes"
        elif key == "signature":
            signature = (signature or []) + [int(word, 16) for word in value.split()]
        elif key == "covers":
            covers.append(value)
        else:
            raise GuestSpecError(f"{where}: unknown header key hvcosim-{key}")
    return GuestSpec(name=source.stem, source=source, args=tuple(args), exit_status=exit_status,
                     stdout_contains=tuple(contains), companions=tuple(companions),
                     standalone=standalone,
                     signature=None if signature is None else tuple(signature),
                     covers=" ".join(covers))


def discover(guest_dir: Path = GUEST_DIR) -> list[GuestSpec]:
    """Every guest of the suite, sorted by name, with companions checked to exist."""
    specs = [parse_spec(p) for p in sorted(guest_dir.glob("*.S"))]
    names = {s.name for s in specs}
    for spec in specs:
        for companion in spec.companions:
            if companion not in names:
                raise GuestSpecError(f"{spec.source.name}: companion {companion!r} has no source")
    return specs


def find_gcc() -> str | None:
    for name in GCC_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


_LOCAL_INCLUDE = re.compile(r'^#include "([^"/]+\.S)"', re.MULTILINE)


def _dependencies(source: Path) -> list[Path]:
    """The source, the common inputs, and other guests it #includes (variants of a guest)."""
    deps = [source, *COMMON_INPUTS]
    for name in _LOCAL_INCLUDE.findall(source.read_text()):
        deps.append(source.parent / name)
    return deps


def _up_to_date(elf: Path, source: Path) -> bool:
    if not elf.exists():
        return False
    built = elf.stat().st_mtime
    return all(dep.stat().st_mtime <= built for dep in _dependencies(source))


def build_guest(source: Path, outdir: Path, gcc: str | None = None) -> Path:
    """Compile and link one guest into ``outdir/<name>.elf`` (skipped when up to date)."""
    gcc = gcc or find_gcc()
    if gcc is None:
        raise ToolchainError("no RISC-V cross compiler found (" + ", ".join(GCC_NAMES) + ")")
    outdir.mkdir(parents=True, exist_ok=True)
    elf = outdir / f"{source.stem}.elf"
    if _up_to_date(elf, source):
        return elf
    fd, tmp = tempfile.mkstemp(prefix=f".{source.stem}.", suffix=".elf", dir=outdir)
    os.close(fd)
    cmd = [gcc, *ARCH_FLAGS, *LINK_FLAGS, "-I", str(INCLUDE_DIR), "-T", str(LINKER_SCRIPT),
           "-o", tmp, str(CRT), str(source)]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise ToolchainError(f"building {source.name} failed:\n{result.stderr.strip()}")
        os.replace(tmp, elf)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return elf


def build_all(outdir: Path, specs: list[GuestSpec] | None = None) -> dict[str, Path]:
    """Build every guest; returns name -> ELF path."""
    gcc = find_gcc()
    specs = discover() if specs is None else specs
    return {spec.name: build_guest(spec.source, outdir, gcc) for spec in specs}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--list"]:
        for spec in discover():
            extra = " ".join(spec.args + tuple(f"+{c}" for c in spec.companions))
            print(f"{spec.name}{' (' + extra + ')' if extra else ''}:\n    {spec.covers}")
        return 0
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: python -m tests.guests.build OUTDIR | --list", file=sys.stderr)
        return 2
    try:
        elfs = build_all(Path(argv[0]))
    except (ToolchainError, GuestSpecError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for name, path in elfs.items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
