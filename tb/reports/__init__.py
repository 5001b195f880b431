"""The regression's reports: merged coverage (functional + code) and the pages people open.

- :func:`coverage_outputs` merges each job's functional coverage (UCIS databases,
  ``tb.coverage.ucis_db``) and code coverage (``coverage.dat``, ``tb.coverage.code``),
  writes ``coverage/merged.ucisdb``, ``coverage/coverage.json|txt``, ``coverage/code.info``
  and ``coverage/code-html/`` (genhtml) and returns the numbers for the summary.
- :func:`write_reports` writes ``index.html``, ``coverage.html``, ``perf.html`` and
  ``summary.txt`` (tb/reports/html.py, self-contained: inline CSS and SVG).
"""
from __future__ import annotations

import json
from pathlib import Path

WAIVERS = Path(__file__).resolve().parent.parent / "coverage" / "code_waivers.txt"


def coverage_outputs(out: Path, results, code_coverage: bool = False) -> dict:
    from tb.coverage import code, ucis_db
    from tb.coverage.score import growth, score
    cov_dir = out / "coverage"
    cov_dir.mkdir(parents=True, exist_ok=True)
    summary: dict = {}
    measured = [r for r in results if r.coverage_file and Path(r.coverage_file).exists()]
    if measured:
        per_job = [json.loads(Path(r.coverage_file).with_suffix(".json").read_text()) for r in measured]
        merged_db = cov_dir / "merged.ucisdb"
        ucis_db.merge_files([Path(r.coverage_file) for r in measured], merged_db)
        hits = ucis_db.read(merged_db)            # the report reads what the merged UCIS says
        scored = score(hits)
        scored["growth"] = growth(per_job)
        scored["jobs"] = [r.name for r in measured]
        scored["ucis"] = str(merged_db)
        (cov_dir / "coverage.json").write_text(json.dumps({"score": scored, "hits": hits}, indent=1))
        (cov_dir / "coverage.txt").write_text(coverage_text(scored))
        summary["functional_coverage"] = {k: scored[k] for k in ("percent", "hit", "goal")} | {
            "groups": [{k: g[k] for k in ("name", "percent", "hit", "goal", "holes")}
                       for g in scored["groups"]],
            "growth": scored["growth"], "not_sampled": scored["not_sampled"],
            "excluded_but_hit": scored["excluded_but_hit"]}
    dats = [Path(r.code_coverage_file) for r in results
            if r.code_coverage_file and Path(r.code_coverage_file).exists()]
    if code_coverage and dats:
        points = code.merge(*(code.parse(d) for d in dats))
        waivers = code.load_waivers(WAIVERS)
        code_summary = code.summarize(points, waivers)
        info = cov_dir / "code.info"
        code.write_lcov(points, info, waivers)
        html = None
        try:
            html = code.genhtml(info, cov_dir / "code-html")
        except RuntimeError as exc:
            code_summary["genhtml_error"] = str(exc)
        code_summary["html"] = str(html) if html else None
        code_summary["runs"] = len(dats)
        (cov_dir / "code.json").write_text(json.dumps(code_summary, indent=1))
        summary["code_coverage"] = code_summary
    return summary


def coverage_text(scored: dict) -> str:
    lines = [f"functional coverage: {scored['percent']:.2f}% ({scored['hit']}/{scored['goal']} bins)"]
    for g in scored["groups"]:
        lines.append(f"  {g['name']:<13} {g['percent']:6.2f}%  {g['hit']}/{g['goal']}  "
                     f"({len(g['excluded'])} bins argued unreachable)")
        for hole in g["holes"]:
            lines.append(f"      hole: {hole}")
    for item in scored["not_sampled"]:
        lines.append(f"  not sampled yet: {item}")
    for b in scored["excluded_but_hit"]:
        lines.append(f"  EXCLUDED BIN HIT (its argument is wrong): {b}")
    return "\n".join(lines) + "\n"


def write_reports(out: Path, summary: dict, results) -> dict:
    from . import html
    return html.write_all(out, summary, results)
