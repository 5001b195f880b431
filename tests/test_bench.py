"""``hvcosim bench --quick``: one run gives every figure, as a table and as JSON (no timing thresholds)."""
from __future__ import annotations

import json

import pytest

from tb import cli
from tests.rtl.conftest import missing_simulator


def test_bench_quick_writes_every_figure(tmp_path, capfd):
    if (missing := missing_simulator("verilator")) is not None:
        pytest.fail(missing, pytrace=False)
    out = tmp_path / "bench"
    status = cli.main(["bench", "--quick", "--out", str(out)])
    stdout, stderr = capfd.readouterr()
    assert status == 0, stdout + stderr[-4000:]
    report = json.loads((out / "bench.json").read_text())
    assert report["sim"] == "verilator" and report["quick"] is True
    sw = report["software"]
    assert sw["status"] == "pass" and sw["instructions"] > 0 and sw["seconds"] > 0 and sw["rate"] > 0
    assert sw["cpu_rate"] > 0
    assert set(report["modes"]) == {"fast", "bfm"}
    for mode, m in report["modes"].items():
        for kind in ("rtl", "cosim"):
            r = m[kind]
            assert r["status"] == "pass", (mode, kind, r)
            assert r["instructions"] > 0 and r["seconds"] > 0 and r["rate"] > 0, (mode, kind, r)
            assert 0 < r["cpu_seconds"] and r["cpu_rate"] > 0, (mode, kind, r)
        assert m["cosim"]["checked"] == m["cosim"]["instructions"] == m["rtl"]["instructions"]
        assert m["rtl"]["cycles"] > m["rtl"]["instructions"]
        for ratio in ("c_over_a", "c_over_b", "c_over_min_ab"):
            assert m[ratio] > 0, (mode, ratio)
        assert m["build_seconds"] >= 0
    assert set(report["targets_met"]) == set(report["targets"])
    assert all(isinstance(v, bool) for v in report["targets_met"].values())
    # Both memory modes ran the same loop, to the same architectural end.
    assert report["modes"]["fast"]["cosim"]["trace_hash"] and report["modes"]["bfm"]["cosim"]["trace_hash"]
    # The table for people names each figure.
    for label in ("(a) software vCPU alone", "(b) RTL alone", "(c) co-simulation", "per CPU s", "c/a", "c/b", "targets:"):
        assert label in stdout, stdout


def test_bench_bad_guest_is_a_usage_error(tmp_path, capfd):
    status = cli.main(["bench", str(tmp_path / "missing.elf")])
    _, stderr = capfd.readouterr()
    assert status == 2
    assert stderr.strip().count("\n") == 0 and "no such file" in stderr, stderr
