"""The mismatch report of a real RTL mutant, from `hvcosim cosim --continue` to headless Chromium.

One planted bug (the exit record's htinst forced to 0, tests/test_cosim_mutants.py)
runs uart_hello under ``hvcosim cosim --continue`` on Icarus with ``HVCOSIM_RTL_DIR``
pointing at the mutated copy.  Every UART store exit diverges (the trap record's
``ext_htinst`` and the exit's htinst) but the VMM copes with htinst = 0 (it walks
the guest's tables), so the run counts many mismatches and the guest finishes;
the run directory holds mismatch.json/.txt/.html; the HTML, rendered by headless
Chromium, shows the first divergence (field, pc, expected and actual values); the
reproduce command of the report, run again, gives the same first mismatch and count.
"""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cosim_mutants import BY_NAME, MUTANTS, mutant_rtl_dir, reference_first_divergence

CHROMIUM = "/usr/bin/chromium"
MUTANT = "exit_htinst_zero"
GUEST = "uart_hello"
FIELD = "ext_htinst"
MAX_MISMATCHES = 50


def _run_command(command: str, out: Path, cwd: Path) -> subprocess.CompletedProcess:
    """Run a reproduce command (``[VAR=value ...] hvcosim cosim ...``) with ``--out out``."""
    argv = shlex.split(command)
    env = dict(os.environ)
    while "=" in argv[0]:
        name, value = argv.pop(0).split("=", 1)
        env[name] = value
    assert argv[:2] == ["hvcosim", "cosim"], command
    argv = [sys.executable, "-m", "tb.cli", *argv[1:], "--out", str(out)]
    return subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def continued_run(guest_elfs, tmp_path_factory):
    """(run directory, completed process): the mutant under `hvcosim cosim --continue` on Icarus."""
    from tb.sim.tools import ROOT, RTL_DIR_ENV
    from tests.rtl.conftest import missing_simulator
    if (missing := missing_simulator("icarus")) is not None:
        pytest.fail(missing, pytrace=False)
    tmp = tmp_path_factory.mktemp("mismatch_report")
    rtl_dir = mutant_rtl_dir(MUTANT)
    spec = BY_NAME[GUEST]
    argv = [sys.executable, "-m", "tb.cli", "cosim", str(guest_elfs[GUEST]), "--sim", "icarus",
            *spec.args, "--continue", "--max-mismatches", str(MAX_MISMATCHES), "--out", str(tmp / "run")]
    proc = subprocess.run(argv, env={**os.environ, RTL_DIR_ENV: str(rtl_dir)}, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    return tmp / "run", proc


def test_the_run_writes_the_three_report_files(continued_run):
    run, proc = continued_run
    assert proc.returncode == 1, proc.stderr[-3000:]
    for name in ("mismatch.json", "mismatch.txt", "mismatch.html"):
        assert (run / name).stat().st_size > 0, name
    assert "MISMATCH" in proc.stderr and str(run / "mismatch.html") in proc.stderr


def test_json_has_the_first_divergence_and_the_count(continued_run, guest_elfs):
    run, _ = continued_run
    report = json.loads((run / "mismatch.json").read_text())
    pc, order = reference_first_divergence(MUTANTS[MUTANT], guest_elfs)
    assert report["kind"] == "mismatch" and report["field"] == FIELD and report["pc"] == pc
    assert report["differences"] == [{"field": FIELD, "expected": report["expected"], "actual": 0}]
    assert report["expected"] == report["expected_record"][FIELD] != 0
    assert report["actual_record"]["pc_rdata"] == pc and report["actual_record"]["ext_exit"] == 1
    assert report["disasm"].startswith("s")          # the UART store
    assert report["continue"] is True and 2 < report["mismatch_count"] <= MAX_MISMATCHES
    assert report["mismatch_kinds"] == {"mismatch": report["mismatch_count"]}
    assert len(report["history"]) == min(32, order + 1) and report["history"][-1]["rtl"]["order"] == order
    regs = report["registers"]
    assert regs["ctx"] == 0 and len(regs["rtl"]) == len(regs["ref"]) == 32
    assert regs["differ"] == [] and regs["rtl"] == regs["ref"]     # an exit writes no register
    events = [e["event"] for e in report["events"]]
    assert "run" in events and ("write_state" in events or "flush_tlb" in events)
    assert report["time_ns"] > 0
    assert report["command"].startswith("HVCOSIM_RTL_DIR=") and "--continue" in report["command"]


def test_the_guest_runs_on_after_the_first_mismatch(continued_run):
    run, proc = continued_run
    result = json.loads((run / "result-0.json").read_text())
    assert result["status"] == "mismatch" and result["exit_status"] == 1
    assert result["mismatch_count"] > 2
    # retirements were checked (and matched) after the first divergence, to the guest's end
    assert result["checked"] > result["mismatch"]["instructions_checked"] + 20
    for text in BY_NAME[GUEST].stdout_contains:
        assert text in proc.stdout


def test_text_names_the_field_and_the_command(continued_run):
    run, _ = continued_run
    report = json.loads((run / "mismatch.json").read_text())
    text = (run / "mismatch.txt").read_text()
    assert f"first divergence in {FIELD} at pc {report['pc']:#x}" in text
    assert f"mismatches counted: {report['mismatch_count']} (continue mode)" in text
    assert report["command"] in text


def test_html_renders_the_divergence_in_headless_chromium(continued_run, tmp_path):
    run, _ = continued_run
    report = json.loads((run / "mismatch.json").read_text())
    assert Path(CHROMIUM).exists(), "Debian chromium is not installed: `make setup` installs it"
    proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                           "--no-first-run", "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                           (run / "mismatch.html").resolve().as_uri()],
                          capture_output=True, text=True, timeout=120)
    dom = proc.stdout
    assert "<table id=\"divergence\">" in dom, proc.stderr[-2000:]
    assert f"<span id=\"field\">{FIELD}</span>" in dom and f"<span id=\"pc\">{report['pc']:#x}</span>" in dom
    row = f"<td>{FIELD}</td><td>{report['expected']:#x}</td><td>{report['actual']:#x}</td>"
    assert row in dom


def test_the_reproduce_command_reproduces_the_mismatch(continued_run, tmp_path):
    from tb.sim.tools import ROOT
    run, _ = continued_run
    first = json.loads((run / "mismatch.json").read_text())
    proc = _run_command(first["command"], tmp_path / "again", ROOT)
    assert proc.returncode == 1, proc.stderr[-3000:]
    again = json.loads((tmp_path / "again" / "mismatch.json").read_text())
    for key in ("kind", "field", "pc", "expected", "actual", "instructions_checked", "mismatch_count"):
        assert again[key] == first[key], key
