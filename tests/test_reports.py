"""The regression's pages: merged coverage and HTML that renders in headless Chromium."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tb.coverage import ucis_db
from tb.coverage.collector import empty_hits
from tb.regress import Result, summarize
from tb.reports import coverage_outputs, write_reports
from tb.reports.html import growth_svg

CHROMIUM = Path("/usr/bin/chromium")


def _result(name, status, out: Path, hits=None, perf=None, reason=""):
    cosim = out / "cosim" / name
    cosim.mkdir(parents=True, exist_ok=True)
    r = Result(name=name, status=status, reason=reason,
               command=f"hvcosim cosim --sim verilator --out {cosim} {name}.elf", elf_digest="x",
               exit_status=0 if status == "pass" else 1, expected_exit=0, instructions=1000,
               seconds=2.0, perf=perf)
    if hits is not None:
        r.coverage_file = str(out / "coverage" / "seeds" / f"{name}.ucisdb")
        ucis_db.write(r.coverage_file, hits, name)
        Path(r.coverage_file).with_suffix(".json").write_text(json.dumps(hits))
    (out / "logs").mkdir(parents=True, exist_ok=True)
    (out / "logs" / f"{name}.log").write_text("log\n")
    return r


@pytest.fixture
def run_dir(tmp_path):
    out = tmp_path / "run"
    a, b = empty_hits(), empty_hits()
    a["wfi"]["outcome_x_mode"]["exit/VS"] = 3
    b["mmio"]["size_x_direction"]["byte/store"] = 2
    perf = {"cycles": 9000, "retired": 1000, "run_cycles": 8000, "cpi": 8.0, "exits": 4,
            "exits_per_1000": {"ecall_vs": 4.0}, "exit_round_trip_cycles": 120.5,
            "axi_bytes": {"read": 4000, "write": 400}, "axi_accesses": {"read": 1000, "write": 100},
            "axi_bytes_per_instruction": 4.4, "bus_utilisation": {"read": 0.111, "write": 0.011}}
    results = [_result("guest_a", "pass", out, a, perf),
               _result("gen-7", "fail", out, b, perf, reason="mismatch: rd_wdata")]
    (out / "cosim" / "gen-7" / "mismatch.txt").write_text("MISMATCH at pc 0x80000000\n")
    summary = summarize(results, 4.0, 2)
    summary.update(sim="verilator", seeds=1)
    summary.update(coverage_outputs(out, results))
    pages = write_reports(out, summary, results)
    return out, summary, pages


def test_merged_coverage_counts_both_seeds_and_lists_the_holes(run_dir):
    out, summary, _ = run_dir
    func = summary["functional_coverage"]
    assert func["hit"] == 2 and func["growth"][0] < func["growth"][1]
    assert ucis_db.read(out / "coverage" / "merged.ucisdb")["wfi"]["outcome_x_mode"]["exit/VS"] == 3
    text = (out / "coverage" / "coverage.txt").read_text()
    assert "hole: outcome_x_mode:exit/VU" in text and "hole: outcome_x_mode:exit/VS" not in text


def _dom(page: Path, tmp_path: Path) -> str:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: scripts/setup_system.sh installs it")
    proc = subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                           "--no-first-run", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={tmp_path / 'chromium'}", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-1000:]
    return proc.stdout


def test_pages_render_in_headless_chromium(run_dir, tmp_path):
    out, summary, pages = run_dir
    index = _dom(pages["index"], tmp_path)
    assert "hvcosim regression" in index and "functional (plan)" in index
    assert "<polyline" in index                                  # the coverage-growth plot
    assert "gen-7" in index and "mismatch: rd_wdata" in index
    assert 'href="cosim/gen-7/mismatch.txt"' in index            # failure linked to its report
    assert f"hvcosim cosim --sim verilator --out {out}/cosim/gen-7 gen-7.elf" in index
    coverage = _dom(pages["coverage"], tmp_path)
    assert "outcome_x_mode:exit/VU" in coverage                  # a hole, named
    assert "argued unreachable" in coverage and "is read-only 0 (H extension)" in coverage
    perf = _dom(pages["perf"], tmp_path)
    assert "CPI" in perf and "120.5" in perf and "ecall_vs 4.0" in perf


def test_growth_plot_is_an_svg_with_one_point_per_job():
    svg = growth_svg([10.0, 20.0, 25.0])
    assert svg.startswith("<svg") and svg.count("<circle") == 3 and "3 jobs: 25.0%" in svg
