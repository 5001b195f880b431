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
    elfs = scenario.build(out_dir)
    return run_guests([str(p) for p in elfs], RunOptions(**{**scenario.options, **overrides}))


def cosim_job(scenario: Scenario, out_dir) -> dict:
    """``scenario`` built into ``out_dir/<name>`` as a ``tb.cosim.run_cosim`` job (regressions)."""
    from pathlib import Path
    elfs = scenario.build(Path(out_dir) / scenario.name)
    job = {"name": scenario.name, "elfs": [str(p) for p in elfs], "options": scenario.options}
    if scenario.axi:
        job["axi"] = scenario.axi
    return job
