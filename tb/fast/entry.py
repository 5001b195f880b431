"""The simulator entry of the fast mode: ``tb.cosim``'s jobs on ``cosim_harness``.

A plain cocotb test, not the pyuvm env of ``tb.uvm_env``: that env's bus agents
sample ``s_axil``/``m_axi`` every cycle, which is what the fast mode exists to
avoid (the harness's SV memory and isolation guard stand in for the m_axi agent;
docs/performance.md says what is given up).

``$HVCOSIM_PROFILE=FILE``: profile the Python side (cProfile, every coroutine
of the simulator process) and write the statistics to FILE.
"""
from __future__ import annotations

import os

import cocotb

PROFILE_ENV = "HVCOSIM_PROFILE"


async def run_profiled(main, dut) -> None:
    """``await main(dut)``; under cProfile, its statistics written to ``$HVCOSIM_PROFILE``, when set."""
    path = os.environ.get(PROFILE_ENV)
    if not path:
        await main(dut)
        return
    import cProfile
    profile = cProfile.Profile()
    profile.enable()
    try:
        await main(dut)
    finally:
        profile.disable()
        profile.dump_stats(path)


@cocotb.test()
async def fast_cosim_jobs(dut):
    from tb.cosim import run_all_jobs
    await run_profiled(run_all_jobs, dut)
