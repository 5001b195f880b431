"""The directed scenario library: one self-checking scenario per row of the H digest's tables.

``SCENARIOS`` (name -> ``Scenario``): each scenario builds its guests (one ELF per
VM, no toolchain), gives the ``vmm_model.run.RunOptions`` fields to run them with
(scripted VMM actions included) and states what a passing run shows
(``Scenario.problems(result)``).  ``DIGEST_ROWS`` names the covered digest rows.
See docs/scenarios.md.
"""
from .library import DIGEST_ROWS, SCENARIOS
from .scenario import Expect, Scenario

__all__ = ["SCENARIOS", "DIGEST_ROWS", "Scenario", "Expect", "run_scenario", "cosim_job"]


def run_scenario(scenario: Scenario, out_dir, **overrides):
    """Build ``scenario`` into ``out_dir`` and run it on the reference; returns the RunResult."""
    from vmm_model.run import RunOptions, run_guests
    elfs = [str(p) for p in scenario.build(out_dir)]
    options = RunOptions(**{**scenario.options, **overrides})
    if not scenario.bus_errors:
        return run_guests(elfs, options)
    return _run_with_bus_errors(elfs, options, scenario.bus_errors)


def _run_with_bus_errors(elfs: list[str], options, entries: list[dict]):
    """``run_guests`` with AXI error responses planted on VM 0's guest-physical words (or on
    the G-stage leaf PTE of a page, as ``tb.agents.axi_mem.resolve_error`` does): the reference
    hart's fetches, loads, stores and PTE reads there fail as the RTL's do on m_axi."""
    import asyncio
    from vmm_model.hart import SoftwareUnit
    from vmm_model.memory import RESPONSE_NAMES, BusErrors, ErrorRange
    from vmm_model.run import _Observed, finish_signature, run_vmm, setup_guests
    setup = setup_guests(elfs, options)
    ram = setup.vms[0].ram
    ranges = []
    for entry in entries:
        kind = "gpa" if "gpa" in entry else "gpte"
        frame = ram.fault_in(entry[kind])                               # resident from now on
        host = (frame + (entry[kind] & 0xFFC) if kind == "gpa"
                else ram.gstage._leaf_entry_addr(entry[kind], create=False))
        reads, writes = entry["dir"] in ("read", "both"), entry["dir"] in ("write", "both")
        ranges.append(ErrorRange(host, host + 4, RESPONSE_NAMES[entry["response"]], reads, writes))
    setup.memory.bus_errors = BusErrors(ranges, 0.0, options.seed)
    trace = None if options.observer is None else _Observed(None, options.observer)
    unit = SoftwareUnit(setup.memory, num_contexts=options.contexts, trace=trace)
    if options.observer is not None:
        options.observer.attach(unit)
    result = asyncio.run(run_vmm(unit, setup.vms, options, trace))
    finish_signature(setup, options, result)
    return result


def cosim_job(scenario: Scenario, out_dir) -> dict:
    """``scenario`` built into ``out_dir/<name>`` as a ``tb.cosim.run_cosim`` job (regressions)."""
    from pathlib import Path
    elfs = scenario.build(Path(out_dir) / scenario.name)
    job = {"name": scenario.name, "elfs": [str(p) for p in elfs], "options": scenario.options}
    if scenario.axi:
        job["axi"] = scenario.axi
    return job
