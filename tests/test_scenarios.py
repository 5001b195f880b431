"""The directed scenario library (vmm_model.scenarios): every row of the H digest's
virtual-instruction and fault-class tables, and every named topic, has a scenario; every
scenario passes on the reference with what it expects (exit kinds and counts, world
switches, output, every scripted VMM action fired); scripted actions are checked."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from vmm_model.run import RunOptions, run_guests
from vmm_model.scenarios import DIGEST_ROWS, SCENARIOS, cosim_job, run_scenario
from vmm_model.vmm.errors import GuestInputError

DIGEST = Path(__file__).resolve().parents[2] / "shared" / "docs" / "h-extension.md"
DIGEST_FALLBACK = Path("/work/shared/docs/h-extension.md")


def digest_text() -> str:
    path = DIGEST if DIGEST.exists() else DIGEST_FALLBACK
    return path.read_text()


def table_rows(text: str, start: str, stop: str) -> list[str]:
    """The data rows of the first Markdown table between ``start`` and ``stop``."""
    section = text[text.index(start):text.index(stop, text.index(start))]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [row for row in rows[2:]]          # header and |---| line


def test_every_quoted_row_is_in_the_digest():
    text = digest_text()
    for name, quote in DIGEST_ROWS.items():
        assert quote in text, f"{name}: {quote!r} is not in the digest"


@pytest.mark.parametrize("table, start, stop", [
    ("virtual instruction", "Raises virtual-instruction (22):", "Raises illegal-instruction (2):"),
    ("fault classes", "**Fault classes:**", "- VS-stage problems belong"),
])
def test_every_row_of_the_digest_tables_has_a_scenario(table, start, stop):
    rows = table_rows(digest_text(), start, stop)
    assert len(rows) >= 3, f"the {table} table was not found"
    for row in rows:
        names = [name for name, quote in DIGEST_ROWS.items() if row.startswith(quote)]
        assert len(names) == 1, f"digest row {row!r} is quoted by {names or 'no row name'}"
        assert any(s.digest_row.startswith(names[0] + ":") for s in SCENARIOS.values()), \
            f"no scenario covers {names[0]}"


def test_every_named_row_has_a_scenario_and_every_scenario_names_a_row():
    rows = {name: [s.name for s in SCENARIOS.values() if s.digest_row.startswith(name + ":")]
            for name in DIGEST_ROWS}
    assert all(rows.values()), [name for name, found in rows.items() if not found]
    assert sum(len(found) for found in rows.values()) == len(SCENARIOS)


def test_scenario_names_are_unique_slugs():
    assert all(re.fullmatch(r"[a-z0-9-]+", name.lower()) for name in SCENARIOS)
    assert len(SCENARIOS) >= 30


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_passes_on_the_reference(name, tmp_path):
    scenario = SCENARIOS[name]
    result = run_scenario(scenario, tmp_path)
    problems = scenario.problems(result)
    assert not problems, f"{name}: {problems}\n{result.message}"
    assert result.instructions > 0


# translation_walks bins only these directed scenarios reach deterministically (the random
# generator toggles SUM/MXR and plants PTE bus errors only sometimes): every reachable
# vs_sum_x_mxr bin, and the PTE-read access faults at a VS level-0 and a G-stage root PTE.
def _reachable_sum_mxr_bins() -> list[str]:
    from tb.coverage.plan import group
    cp = next(c for c in group("translation_walks").coverpoints if c.name == "vs_sum_x_mxr")
    return [b for b in cp.bins if b not in cp.excluded]


@pytest.mark.parametrize("name, coverpoint, bins", [
    ("fault-page-sum-mxr", "vs_sum_x_mxr", None),
    ("fault-access-bus-on-inner-pte", "stage_x_level_x_outcome",
     ["vs/level0/access_fault", "g/level1/access_fault"]),
])
def test_walk_scenarios_hit_their_translation_walks_bins(name, coverpoint, bins, tmp_path):
    from tb.coverage.collector import ReferenceObserver
    observer = ReferenceObserver()
    result = run_scenario(SCENARIOS[name], tmp_path, observer=observer)
    assert result.status == "pass", result.message
    hits = observer.hits(result)["translation_walks"][coverpoint]
    wanted = bins or _reachable_sum_mxr_bins()
    assert len(wanted) >= 2 and [b for b in wanted if not hits.get(b)] == []


def test_groot_bus_error_targets_the_g_stage_root_pte(tmp_path):
    """``groot:`` (used by fault-access-bus-on-inner-pte) round-trips as --axi-error text and
    resolves to the root entry of VM 0's G-stage over that GPA, not to its leaf PTE."""
    from vmm_model.run import setup_guests
    from vmm_model.vmm.bus_errors import format_axi_error, parse_axi_error, resolve_error
    scenario = SCENARIOS["fault-access-bus-on-inner-pte"]
    entry = next(e for e in scenario.bus_errors if "groot" in e)
    assert parse_axi_error(format_axi_error(entry)) == entry
    setup = setup_guests([str(p) for p in scenario.build(tmp_path)],
                         RunOptions(mem=scenario.options["mem"]))
    gstage = setup.vms[0].ram.gstage
    error = resolve_error(entry, setup.vms)
    assert error.lo == gstage.root + 4 * (entry["groot"] >> 22)
    assert error.lo != gstage._leaf_entry_addr(entry["groot"], create=False)


def test_docs_list_every_scenario():
    text = (Path(__file__).resolve().parents[1] / "docs" / "scenarios.md").read_text()
    missing = [name for name in SCENARIOS if f"`{name}`" not in text]
    assert not missing, f"docs/scenarios.md does not list {missing}"


def test_scenarios_are_pure_functions_of_their_definition(tmp_path):
    scenario = SCENARIOS["irq-priority"]
    first = [p.read_bytes() for p in scenario.build(tmp_path / "a")]
    again = type(scenario)(**{f: getattr(scenario, f) for f in
                              ("name", "digest_row", "description", "bodies", "base_options",
                               "expect", "paging", "seed")})
    assert [p.read_bytes() for p in again.build(tmp_path / "b")] == first
    assert again.options == scenario.options


def test_a_missing_vmm_action_makes_the_scenario_fail(tmp_path):
    """Without the VMM's withdrawal of VSEI, the guest sees it still pending: it fails."""
    scenario = SCENARIOS["irq-sei-to-vs"]
    actions = [a for a in scenario.options["vmm_actions"] if a["do"] != "clear_bits"]
    result = run_scenario(scenario, tmp_path, vmm_actions=actions)
    assert result.status == "fail"


def test_where_a_trap_goes_is_visible_in_the_exit_counts(tmp_path):
    to_vs = run_scenario(SCENARIOS["deleg-breakpoint-to-vs"], tmp_path)
    to_vmm = run_scenario(SCENARIOS["deleg-breakpoint-to-vmm"], tmp_path)
    assert to_vs.status == to_vmm.status == "pass"
    assert to_vs.exit_counts.get("reflected", 0) == 0 and to_vmm.exit_counts["reflected"] == 2


@pytest.mark.parametrize("actions, message", [
    ([{"at": "never", "do": "write"}], "'at' must be"),
    ([{"at": "start", "do": "explode"}], "'do' must be"),
    ([{"at": "start", "do": "write", "values": {"nonsense": 1}}], "unknown state field"),
    ([{"at": "exit", "do": "flush", "nth": 0}], "counts from 1"),
    ([{"at": "start", "do": "set_bits", "field": "hvip"}], "needs a state 'field'"),
    ([{"at": "exit", "do": "remap"}], "needs an integer 'gpa'"),
    ([{"at": "start", "vm": 3, "do": "flush"}], "only 1 VMs"),
])
def test_bad_vmm_actions_are_bad_input(actions, message, tmp_path):
    elf = SCENARIOS["vi-vtvm"].build(tmp_path)[0]
    with pytest.raises(GuestInputError, match=message):
        run_guests([str(elf)], RunOptions(vmm_actions=actions))


def test_remap_moves_the_page_and_poisons_the_old_frame(tmp_path):
    from vmm_model.run import setup_guests
    from vmm_model.vmm.guest_ram import POISON
    elf = SCENARIOS["vi-vtvm"].build(tmp_path)[0]
    setup = setup_guests([str(elf)], RunOptions())
    ram = setup.vms[0].ram
    gpa = 0x8000_0000
    before = ram.read(gpa, 64)
    old = ram.resident[gpa]
    new = ram.remap(gpa)
    assert new != old and ram.read(gpa, 64) == before
    assert setup.memory.read(old, 4) == bytes([POISON] * 4)
    assert gpa in ram.take_pending_flushes()
    ram.swap_out(gpa)
    assert ram.page_state(gpa) == "swapped" and ram.read(gpa, 64) == before


# -- under lockstep co-simulation on Verilator: every scenario, one simulator process -----
# One test, not one per scenario: under pytest-xdist each worker would run its own copy
# of a module-scoped simulation.

def test_every_scenario_passes_under_lockstep_cosim(tmp_path):
    from tb.cosim import run_cosim
    jobs = [cosim_job(scenario, tmp_path) for _, scenario in sorted(SCENARIOS.items())]
    results = run_cosim(jobs, sim="verilator", work_dir=tmp_path / "run")
    failures = [f"{job['name']}: {r['status']}: {r['message']}\n{r.get('report', '')}"
                for job, r in zip(jobs, results)
                if not (r["status"] == "pass" and r["exit_status"] == 0
                        and r["checked"] >= r["instructions"] > 0)]
    assert len(results) == len(SCENARIOS) and not failures, "\n".join(failures)


@pytest.mark.parametrize("trigger, fired", [({}, 3), ({"nth": 2}, 1), ({"nth": 9}, 0),
                                            ({"vcpu": 1}, 0), ({"cause": 22}, 0)])
def test_exit_triggers_count_matching_exits(trigger, fired, tmp_path):
    """irq-priority makes 3 SBI calls before its SRST (no action runs once the VM has ended): an
    extra flush action fires on the exits its trigger names."""
    scenario = SCENARIOS["irq-priority"]
    extra = {"at": "exit", "cause": 10, "do": "flush", "kind": "all", **trigger}
    actions = [*scenario.options["vmm_actions"], extra]
    result = run_scenario(scenario, tmp_path, vmm_actions=actions)
    assert result.status == "pass" and result.actions_fired[-1] == fired


# -- the command line reproduces a scenario: its ELFs, options and --vmm-actions file -------

def _cli_args(scenario, tmp_path) -> list[str]:
    import json
    elfs = [str(p) for p in scenario.build(tmp_path)]
    options = scenario.options
    actions = tmp_path / "actions.json"
    actions.write_text(json.dumps(options["vmm_actions"]))
    return [*elfs, "--seed", str(options["seed"]), "--vmm-actions", str(actions)]


def test_hvcosim_run_reproduces_a_scenario_from_its_actions_file(tmp_path, capsys):
    from tb.cli import main as hvcosim
    args = _cli_args(SCENARIOS["irq-priority"], tmp_path)
    assert hvcosim(["run", *args]) == 0, capsys.readouterr().err
    assert hvcosim(["run", *args[:-2]]) == 1          # without the VMM's part the guest fails


def test_hvcosim_cosim_reproduces_a_scenario_on_icarus(tmp_path, capsys):
    from tb.cli import main as hvcosim
    args = _cli_args(SCENARIOS["vi-sret-vtsr"], tmp_path)
    status = hvcosim(["cosim", "--sim", "icarus", "--out", str(tmp_path / "run"), *args])
    assert status == 0, capsys.readouterr().err


def test_hvcosim_cosim_bad_actions_file_exits_2_before_simulating(tmp_path, capsys):
    from tb.cli import main as hvcosim
    elf = SCENARIOS["vi-vtvm"].build(tmp_path)[0]
    bad = tmp_path / "bad.json"
    bad.write_text('{"at": "start"}')
    assert hvcosim(["cosim", str(elf), "--vmm-actions", str(bad), "--out", str(tmp_path / "r")]) == 2
    assert "--vmm-actions" in capsys.readouterr().err and not (tmp_path / "r").exists()
