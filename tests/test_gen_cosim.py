"""Generated guests on the RTL: `hvcosim gen` seeds under lockstep co-simulation (Verilator).

Each seed's program (with the VMM options the same seed chose: quantum, contexts,
swap budget, scripted VMM actions — interrupt injections, pages swapped out and
remapped — and the memory agent's latency and back-pressure) runs through the
VMM on the RTL, every retirement and exit checked against the reference; all
seeds share one simulator process. A program built with a broken self-check
must still fail as a guest failure (exit 1), not as a mismatch: the RTL and the
reference agree, and the guest's own check is what catches it.
"""
from __future__ import annotations

import dataclasses

from vmm_model.gen import Knobs, generate, write

SEEDS = range(1, 51)
BROKEN = "broken-check"


def test_generated_seeds_pass_under_lockstep(tmp_path):
    """All seeds and the broken one in one simulator process.  One test, not one per seed:
    under pytest-xdist each worker would run its own copy of a module-scoped simulation."""
    from tb.cosim import run_cosim
    jobs = []
    for seed in SEEDS:
        program = generate(seed)
        elf = tmp_path / f"seed{seed}.elf"
        write(program, elf)
        jobs.append({"name": f"seed{seed}", "elfs": [str(elf)], "options": program.run_options,
                     "axi": program.axi_settings,
                     "backpressure": program.axi_settings["backpressure"]})
    broken = generate(1, dataclasses.replace(Knobs(), break_check=0))
    write(broken, tmp_path / "broken.elf")
    jobs.append({"name": BROKEN, "elfs": [str(tmp_path / "broken.elf")], "options": broken.run_options})
    results = {job["name"]: r for job, r in zip(jobs, run_cosim(jobs, sim="verilator",
                                                                 work_dir=tmp_path / "run"))}
    failures = [f"{name}: {r['status']}: {r['message']}\n{r.get('report', '')}"
                for name, r in results.items() if name != BROKEN
                and not (r["status"] == "pass" and r["exit_status"] == 0
                         and r["checked"] >= r["instructions"] > 0)]
    assert len(results) == len(SEEDS) + 1 and not failures, "\n".join(failures)
    # A broken self-check fails the guest, not the scoreboard: RTL and reference agree.
    assert results[BROKEN]["status"] != "mismatch", results[BROKEN].get("report", "")
    assert results[BROKEN]["exit_status"] == 1, results[BROKEN]["message"]


def test_the_seeds_exercise_the_vmm_side_randomization():
    """The 50 seeds carry scripted interrupt injections and page events, and varied AXI timing."""
    programs = [generate(seed) for seed in SEEDS]
    actions = [a for p in programs for a in p.run_options.get("vmm_actions", [])]
    assert {a["do"] for a in actions} >= {"set_bits", "clear_bits", "remap", "swap_out"}
    assert len({p.axi_settings["backpressure"] for p in programs}) > 2
