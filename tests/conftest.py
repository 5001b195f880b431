"""Shared pytest fixtures: the guest suite, built once per test session (per xdist worker).

The ELFs go to ``build/guests`` (``make clean`` removes it).  Builds are atomic and
skipped when up to date, so parallel workers sharing the directory are safe.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.guests import build as guest_build

REPO_ROOT = Path(__file__).resolve().parent.parent
GUEST_BUILD_DIR = REPO_ROOT / "build" / "guests"


@pytest.fixture(scope="session")
def guest_elfs() -> dict[str, Path]:
    """Every guest of tests/guests/, built: name -> ELF path."""
    if guest_build.find_gcc() is None:
        pytest.skip("the RISC-V cross compiler (riscv64-unknown-elf-gcc) is not installed; "
                    "`make setup` installs it")
    return guest_build.build_all(GUEST_BUILD_DIR)


@pytest.fixture
def elf(tmp_path):
    """Write a test_vmm_asm program as a guest ELF; returns its path (tests of run and the CLI)."""
    from . import test_vmm_asm as asm

    def write(program, name="guest.elf", **kwargs):
        path = tmp_path / name
        path.write_bytes(asm.guest_elf(program, **kwargs))
        return str(path)
    return write
