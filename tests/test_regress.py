"""hvcosim regress: a killed regression loses nothing and resumes; crashed/hung jobs are failures."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tb import regress

ROOT = Path(__file__).resolve().parent.parent
GUESTS = "rv32i_alu,rv32i_control,rv32i_memory,rv32m,sbi_calls,signature,traps_delegated,uart_hello"


def _regress(out: Path, *extra: str, env=None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tb.cli", "regress", "--sim", "reference",
                             "--out", str(out), "--jobs", "1", "--guests", GUESTS, *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, start_new_session=True, **kwargs)


def test_killed_regression_keeps_finished_results_and_resume_runs_only_the_rest(tmp_path, guest_elfs):
    out = tmp_path / "run"
    proc = _regress(out)
    results = out / "results"
    deadline = time.monotonic() + 300
    while len(list(results.glob("*.json"))) < 3:
        assert proc.poll() is None, "the regression ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)          # the whole regression, workers included
    proc.wait()
    kept = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in results.glob("*.json")}
    assert 3 <= len(kept) < len(GUESTS.split(","))
    for name in kept:                            # every kept file is a whole result
        assert json.loads((results / name).read_text())["status"] == "pass"

    rerun = _regress(out, "--resume")
    stdout, stderr = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, stdout + stderr
    assert f"resuming: {len(kept)} results kept, {len(GUESTS.split(',')) - len(kept)} to run" in stdout
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in results.glob("*.json")}
    assert set(after) == {f"{g}.json" for g in GUESTS.split(",")}
    for name, before in kept.items():
        assert after[name] == before, f"{name} was run again"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["passed"] == summary["guests"] == len(GUESTS.split(","))
    # the reference alone measured functional coverage for every job, kept ones included
    assert 0 < summary["functional_coverage"]["hit"] < summary["functional_coverage"]["goal"]
    assert len(list((out / "coverage" / "seeds").glob("*.ucisdb"))) == len(GUESTS.split(","))


def test_crashed_and_hung_simulators_are_those_jobs_failures_the_rest_pass(tmp_path, guest_elfs):
    out = tmp_path / "run"
    proc = _regress(out, "--jobs", "2", "--timeout", "20",
                    env={regress.FAULT_ENV: "rv32m:crash"})
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 1, stdout + stderr
    res = {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}
    assert res["rv32m"]["status"] == "error" and "crashed (signal 11)" in res["rv32m"]["reason"]
    assert all(r["status"] == "pass" for name, r in res.items() if name != "rv32m")
    assert "FAILED rv32m: crashed" in stdout and "reproduce: hvcosim run" in stdout

    hung = tmp_path / "hung"
    start = time.monotonic()
    proc = _regress(hung, "--jobs", "2", "--timeout", "3", "--guests", "rv32m,uart_hello,sbi_calls",
                    env={regress.FAULT_ENV: "uart_hello:hang"})
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 1
    assert time.monotonic() - start < 120                 # the hung job did not hold the run up
    res = {p.stem: json.loads(p.read_text()) for p in (hung / "results").glob("*.json")}
    assert res["uart_hello"]["status"] == "error" and "killed" in res["uart_hello"]["reason"]
    assert res["rv32m"]["status"] == res["sbi_calls"]["status"] == "pass"
    junit = (hung / "junit.xml").read_text()
    assert 'errors="1"' in junit and "uart_hello" in junit


def test_progress_is_plain_lines_without_a_terminal(tmp_path):
    import io
    stream = io.StringIO()
    bar = regress.Progress(2, stream=stream)
    r = regress.Result(name="a", status="pass", reason="", command="hvcosim run a.elf", elf_digest="",
                       exit_status=0, expected_exit=0, instructions=10, seconds=0.5)
    bar.done(r)
    bar.done(regress.Result(**{**r.__dict__, "name": "b", "status": "fail", "reason": "exit 1"}))
    bar.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[  1/2] pass  a") and lines[1].startswith("[  2/2] fail  b")
    assert "\r" not in stream.getvalue()


def test_seed_jobs_reproduce_with_the_generator_command(tmp_path):
    [job] = regress.seed_jobs(1, 5, tmp_path, "verilator")
    assert job.name == "gen-5" and Path(tmp_path / "elf" / "gen-5.elf").exists()
    assert job.reproduce.startswith(f"hvcosim gen --seed 5 -o {tmp_path}/elf/gen-5.elf && hvcosim cosim "
                                    f"--sim verilator --out {tmp_path}/cosim/gen-5 ")
    [again] = regress.seed_jobs(1, 5, tmp_path / "again", "verilator")
    assert again.elf_digest == job.elf_digest               # same seed, same program


def test_bad_regress_options_are_one_line_and_status_2(tmp_path):
    for extra, message in ((["--seeds", "-1"], "--seeds must be 0 or more"),
                           (["--sim", "icarus", "--code-coverage"], "--code-coverage needs --sim verilator")):
        proc = subprocess.run([sys.executable, "-m", "tb.cli", "regress", "--out", str(tmp_path), *extra],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2
        assert proc.stderr.strip().splitlines() == [f"hvcosim regress: error: {message}, got -1"
                                                    if "seeds" in message else
                                                    f"hvcosim regress: error: {message}"]


def test_rtl_tests_job_runs_the_units_cocotb_tests_with_their_reproduce_command(tmp_path):
    [job] = regress.rtl_test_jobs(tmp_path, "verilator")
    assert job.command[1:] == ["-m", "tb.sim.runner", "tests.rtl.test_unit", "--sim", "verilator",
                               "--out", str(tmp_path / "rtl" / "unit_tests")]
    assert job.reproduce.startswith("python -m tb.sim.runner tests.rtl.test_unit --sim verilator")
    assert regress.rtl_test_jobs(tmp_path, "reference") == []


def test_scenario_jobs_carry_their_options_and_scripted_vmm_actions(tmp_path):
    jobs = regress.scenario_jobs(tmp_path, "verilator", "vmm-flush-kinds")
    if not jobs:
        import pytest
        pytest.skip("no scenario library (vmm_model.scenarios) in this tree")
    [job] = jobs
    assert job.name == "scenario-vmm-flush-kinds" and job.argv[:4] == [
        "cosim", "--sim", "verilator", "--out"]
    actions = Path(job.argv[job.argv.index("--vmm-actions") + 1])
    assert json.loads(actions.read_text())                 # the actions the scenario scripts
    assert job.expected_exit == 0 and "--seed" in job.argv


def test_scenario_jobs_plant_their_bus_errors_on_both_sides(tmp_path):
    """A bus-error scenario's job carries --axi-error (hvcosim run and cosim resolve it alike);
    back-pressure only under co-simulation (the reference has no bus timing)."""
    from tb.cli import main
    cosim = {j.name: j for j in regress.scenario_jobs(tmp_path / "v", "verilator", "fault-access-bus-*")}
    reference = {j.name: j for j in regress.scenario_jobs(tmp_path / "r", "reference", "fault-access-bus-*")}
    assert set(cosim) == set(reference) == {"scenario-fault-access-bus-to-vmm",
                                            "scenario-fault-access-bus-to-vs",
                                            "scenario-fault-access-bus-on-pte",
                                            "scenario-fault-access-bus-on-inner-pte"}
    for name, job in cosim.items():
        errors = [job.argv[i + 1] for i, a in enumerate(job.argv) if a == "--axi-error"]
        assert len(errors) == 2 and all(e.endswith(("slverr:read", "slverr:write")) for e in errors)
        assert errors == [reference[name].argv[i + 1] for i, a in enumerate(reference[name].argv)
                          if a == "--axi-error"]
    assert "--axi-backpressure" in cosim["scenario-fault-access-bus-to-vs"].argv
    assert all("--axi-backpressure" not in j.argv for j in reference.values())
    # The reference run of the job passes only with the errors planted (it checks the faults).
    job = reference["scenario-fault-access-bus-to-vmm"]
    assert main(job.argv) == 0
    without = [a for i, a in enumerate(job.argv) if a != "--axi-error" and job.argv[i - 1] != "--axi-error"]
    assert main(without) != 0


def test_every_fourth_seed_runs_with_bus_stalls(tmp_path):
    jobs = regress.seed_jobs(4, 1, tmp_path, "verilator")
    stalled = [j.name for j in jobs if "--axi-backpressure" in j.argv]
    assert stalled == ["gen-4"]
    assert all("--axi-backpressure" not in j.argv for j in regress.seed_jobs(4, 1, tmp_path / "r", "reference"))


def test_ctrl_c_stops_queued_and_running_jobs_promptly(tmp_path, guest_elfs):
    out = tmp_path / "run"
    proc = _regress(out, "--jobs", "1", env={regress.FAULT_ENV: "rv32i_control:hang"})
    deadline = time.monotonic() + 300
    while not (out / "results" / "rv32i_alu.json").exists():     # the hanging job is running now
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)              # not the 600 s of the hung job
    assert proc.returncode == 130 and "interrupted; finished results are kept" in stderr
    assert sorted(p.name for p in (out / "results").glob("*.json")) == ["rv32i_alu.json"]
