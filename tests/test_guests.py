"""Every guest program of tests/guests/ run through `hvcosim run` with its header options.

Each guest declares its options and expected outcome in its header
(``// hvcosim-args``, ``// hvcosim-expect``, ``// hvcosim-signature``; see
tests/guests/build.py).  The CLI runs in-process (``tb.cli.main``) to keep the
suite fast; output is captured at the file-descriptor level, as a user sees it.
A few extra tests check what the guests cannot see themselves: that the swap
guests really swap and that the two-VM and SMP guests really interleave.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tb import cli
from tests.guests.build import GuestSpec, discover
from vmm_model.run import RunOptions, run_guests

SPECS = discover()
STANDALONE = [spec for spec in SPECS if spec.standalone]
BY_NAME = {spec.name: spec for spec in SPECS}


def _describe(spec: GuestSpec, argv: list[str], status: int, out: str, err: str) -> str:
    return (f"guest {spec.name}: hvcosim {' '.join(argv)}\n"
            f"exit status {status}, expected {spec.exit_status}\n"
            f"--- stdout ---\n{out[-3000:]}\n--- stderr ---\n{err[-3000:]}")


@pytest.mark.parametrize("spec", STANDALONE, ids=[spec.name for spec in STANDALONE])
def test_guest(spec: GuestSpec, guest_elfs: dict[str, Path], tmp_path: Path, capfd):
    signature_file = tmp_path / "signature.txt" if spec.signature is not None else None
    argv = spec.run_argv(guest_elfs, signature_file)
    status = cli.main(argv)
    out, err = capfd.readouterr()
    report = _describe(spec, argv, status, out, err)
    assert status == spec.exit_status, report
    for text in spec.stdout_contains:
        assert text in out, f"missing {text!r} in stdout\n{report}"
    assert "Traceback" not in out + err, report
    if spec.exit_status == 0:
        assert "FAIL" not in out, report
    if spec.signature is not None:
        words = [int(line, 16) for line in signature_file.read_text().split()]
        assert words == list(spec.signature), report
        assert all(len(line) == 8 for line in signature_file.read_text().splitlines())


def test_every_guest_says_what_it_covers():
    assert len(SPECS) >= 20
    for spec in SPECS:
        assert spec.covers, f"{spec.source.name} has no // hvcosim-covers: line"


def test_header_syntax_errors_are_reported(tmp_path: Path):
    from tests.guests.build import GuestSpecError, parse_spec
    bad = tmp_path / "bad.S"
    bad.write_text("// hvcosim-expect: exit=0 stdout-has=\"x\"\n")
    with pytest.raises(GuestSpecError, match="unknown hvcosim-expect key"):
        parse_spec(bad)
    bad.write_text("// hvcosim-colour: blue\n")
    with pytest.raises(GuestSpecError, match="unknown header key"):
        parse_spec(bad)


@pytest.mark.parametrize("seed", [1, 0xC0FFEE])
@pytest.mark.parametrize("name", ["swap_vs_tables", "smp_hsm", "vm_isolation_a"])
def test_guests_do_not_depend_on_the_host_page_scatter(guest_elfs, capfd, name, seed):
    """--seed changes which host frames back guest pages; guests must not notice."""
    spec = BY_NAME[name]
    status = cli.main([*spec.run_argv(guest_elfs), "--seed", str(seed)])
    out, err = capfd.readouterr()
    assert status == 0, out + err
    assert all(text in out for text in spec.stdout_contains)


def test_one_failing_vm_fails_the_run_and_the_other_still_finishes(guest_elfs, capfd):
    status = cli.main(["run", str(guest_elfs["fail_check"]), str(guest_elfs["vm_isolation_b"]),
                       "--quantum", "250"])
    out, err = capfd.readouterr()
    assert status == 1, out + err
    assert "[vm0] FAIL: CHECK #1" in out
    assert "[vm1] vm b ok" in out


def test_build_module_command_line(guest_elfs, capsys):
    """`python -m tests.guests.build OUTDIR` (used by people and by regress) lists every ELF."""
    from tests.conftest import GUEST_BUILD_DIR
    from tests.guests import build
    assert build.main([str(GUEST_BUILD_DIR)]) == 0
    listed = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    assert set(listed) == {spec.name for spec in SPECS}
    assert all(Path(path).is_file() for path in listed.values())
    assert build.main([]) == 2


def _run_api(guest_elfs: dict[str, Path], names: list[str], **options):
    result = run_guests([str(guest_elfs[n]) for n in names],
                        RunOptions(console=lambda vm, data: None, **options))
    assert result.status == "pass", result.message
    return result


def test_swap_guests_really_swap(guest_elfs):
    """The swap guests touch more pages than their budget: pages must go out and come back."""
    for name, budget in (("swap_budget", 64 << 10), ("swap_vs_tables", 48 << 10)):
        assert f"--mem-budget" in BY_NAME[name].args
        paging = _run_api(guest_elfs, [name], mem_budget=budget).vms[0].paging
        assert paging.swap_outs > 20 and paging.swap_ins > 20, (name, paging)


def test_demand_paging_guest_faults_pages_in(guest_elfs):
    paging = _run_api(guest_elfs, ["demand_paging"]).vms[0].paging
    assert paging.demand_faults >= 480, paging
    assert paging.swap_outs == 0


def test_two_vms_really_interleave(guest_elfs):
    """vm_isolation_a/b only prove isolation if both VMs run in between each other's checks."""
    result = _run_api(guest_elfs, ["vm_isolation_a", "vm_isolation_b"], quantum=250)
    assert [vm.status for vm in result.vms] == ["pass", "pass"]
    assert result.exit_counts.get("preempt", 0) >= 20, result.exit_counts


def test_smp_guest_switches_vcpus(guest_elfs):
    result = _run_api(guest_elfs, ["smp_hsm_one_context"], vcpus=2, contexts=1, quantum=300)
    assert result.world_switches["slow"] >= 10, result.world_switches
    assert result.exit_counts.get("preempt", 0) >= 10, result.exit_counts


# ------------------------------------------------------------------ hvcosim regress

def _regress(tmp_path: Path, *extra: str) -> int:
    return cli.main(["regress", "--sim", "reference", "--out", str(tmp_path / "run"), "--jobs", "2", *extra])


def test_regress_runs_writes_reports_and_resumes(tmp_path: Path, capfd):
    import json
    import xml.etree.ElementTree as ET

    status = _regress(tmp_path, "--guests", "rv32m")
    out, _ = capfd.readouterr()
    assert status == 0, out
    run = tmp_path / "run"
    result = json.loads((run / "results" / "rv32m.json").read_text())
    assert result["status"] == "pass" and result["instructions"] > 100
    assert result["command"].startswith("hvcosim run ") and "rv32m.elf" in result["command"]
    summary = json.loads((run / "summary.json").read_text())
    assert (summary["guests"], summary["passed"], summary["failures"]) == (1, 1, [])
    suite = ET.parse(run / "junit.xml").getroot()
    assert suite.get("tests") == "1" and suite.get("failures") == "0"
    assert "rv32m" in out and "pass" in out

    # --resume keeps an unchanged result instead of running the guest again.
    before = (run / "results" / "rv32m.json").stat().st_mtime_ns
    assert _regress(tmp_path, "--guests", "rv32m", "--resume") == 0
    out, _ = capfd.readouterr()
    assert "1 results kept, 0 to run" in out
    assert (run / "results" / "rv32m.json").stat().st_mtime_ns == before


def test_regress_signature_and_expected_failures_pass(tmp_path: Path, capfd):
    """Guests whose header expects exit 1 or 3, and the signature guest, are passes."""
    status = _regress(tmp_path, "--guests", "fail_*,loop_forever,signature")
    out, _ = capfd.readouterr()
    assert status == 0, out
    for name in ("fail_check", "fail_unexpected_trap", "loop_forever", "signature"):
        assert f"pass  {name}" in out


def test_regress_reports_a_failure_with_its_reproduce_command(tmp_path: Path, guest_elfs):
    """A guest whose outcome differs from its header fails, with a command that reproduces it."""
    from tb import regress
    spec = BY_NAME["fail_check"]
    job = regress.guest_jobs([spec], guest_elfs, tmp_path, "reference")[0]
    job.expected_exit = 0                                  # pretend the header said it passes
    result = regress.run_job(job, tmp_path, timeout=120)
    assert result.status == "fail"
    assert result.reason == "exit status 1, expected 0"
    assert result.command == f"hvcosim run {guest_elfs['fail_check']}"
    summary = regress.summarize([result], 1.0)
    table = regress.format_table([result], summary)
    assert "FAILED fail_check: exit status 1, expected 0" in table
    assert f"reproduce: hvcosim run {guest_elfs['fail_check']}" in table
    job.expected_exit, job.stdout_contains = 1, ["text that is never printed"]
    assert regress.run_job(job, tmp_path, timeout=120).reason.startswith("stdout lacks")


def test_regress_bad_usage(tmp_path: Path, capfd):
    assert _regress(tmp_path, "--guests", "no_such_guest") == 2
    assert cli.main(["regress", "--out", str(tmp_path), "--jobs", "0"]) == 2
    _, err = capfd.readouterr()
    assert len(err.strip().splitlines()) == 2 and "Traceback" not in err


def test_regress_cosimulates_on_the_rtl_by_default(tmp_path: Path, capfd):
    """Without --sim, every guest runs as `hvcosim cosim` on Verilator under lockstep."""
    import json
    import xml.etree.ElementTree as ET

    status = cli.main(["regress", "--out", str(tmp_path / "run"), "--jobs", "2",
                       "--guests", "rv32m,fail_check"])
    out, _ = capfd.readouterr()
    assert status == 0, out
    run = tmp_path / "run"
    for name in ("rv32m", "fail_check"):
        result = json.loads((run / "results" / f"{name}.json").read_text())
        assert result["status"] == "pass", result
        assert result["command"].startswith("hvcosim cosim --sim verilator --out "), result["command"]
    assert json.loads((run / "results" / "rv32m.json").read_text())["instructions"] > 100
    assert json.loads((run / "summary.json").read_text())["sim"] == "verilator"
    assert ET.parse(run / "junit.xml").getroot().get("name") == "hvcosim.regress.verilator"
