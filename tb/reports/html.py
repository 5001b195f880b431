"""Self-contained HTML pages of a regression run (inline CSS, inline SVG; no scripts, no fetches)."""
from __future__ import annotations

import html
import json
import os
from pathlib import Path

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#176f2c;font-weight:600}.fail,.error{color:#b00020;font-weight:600}
code,pre{background:#f6f6f6;padding:1px 4px;font-size:12px}pre{padding:8px;overflow-x:auto}
.bar{display:inline-block;height:10px;background:#3a7bd5;vertical-align:middle}
.barbg{display:inline-block;width:120px;height:10px;background:#e4e4e4;vertical-align:middle}
nav a{margin-right:14px}.holes{columns:3;font-size:12px}.muted{color:#777}
"""


def _e(text) -> str:
    return html.escape(str(text))


def _page(title: str, body: str) -> str:
    nav = ('<nav><a href="index.html">summary</a><a href="coverage.html">coverage</a>'
           '<a href="perf.html">performance</a></nav>')
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{_e(title)}</title>"
            f"<style>{CSS}</style></head><body>{nav}<h1>{_e(title)}</h1>{body}</body></html>\n")


def _bar(percent: float) -> str:
    width = max(0.0, min(100.0, percent)) * 1.2
    return (f'<span class=barbg><span class=bar style="width:{width:.0f}px"></span></span> '
            f"{percent:.1f}%")


def _rel(path, out: Path) -> str:
    return os.path.relpath(path, out)


def growth_svg(values: list[float], width: int = 560, height: int = 220) -> str:
    """Coverage (%) after 1..N jobs as an inline SVG line plot."""
    if not values:
        return "<p class=muted>no coverage measured</p>"
    left, bottom, top, right = 44, 30, 10, 10
    w, h = width - left - right, height - top - bottom
    n = len(values)
    lo = 0.0

    def xy(i, v):
        x = left + (w * i / (n - 1) if n > 1 else w / 2)
        y = top + h - h * (v - lo) / (100.0 - lo)
        return x, y
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(values)))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="coverage growth"><title>functional coverage after each job</title>']
    for pct in (0, 25, 50, 75, 100):
        _, y = xy(0, pct)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + w}" y2="{y:.1f}" stroke="#e4e4e4"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{pct}%</text>')
    parts.append(f'<polyline fill="none" stroke="#3a7bd5" stroke-width="2" points="{points}"/>')
    for i, v in enumerate(values):
        x, y = xy(i, v)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#3a7bd5"><title>{i + 1} jobs: '
                     f'{v:.1f}%</title></circle>')
    parts.append(f'<text x="{left + w / 2}" y="{height - 6}" font-size="11" text-anchor="middle">'
                 f'jobs measured, in run order (guests, seeds, scenarios): 1 … {n}</text></svg>')
    return "".join(parts)


def _mismatch_link(result, out: Path) -> str:
    argv = result.command.split()
    if "--out" not in argv:
        return ""
    cosim = Path(argv[argv.index("--out") + 1])
    for name in ("mismatch.html", "mismatch.txt", "mismatch.json"):
        if (cosim / name).exists():
            return f' <a href="{_e(_rel(cosim / name, out))}">mismatch report</a>'
    return ""


def index_page(out: Path, summary: dict, results) -> str:
    func = summary.get("functional_coverage") or {}
    code = summary.get("code_coverage") or {}
    ips = summary.get("instructions_per_second")
    body = [f"<p>{summary['guests']} jobs on <b>{_e(summary.get('sim', ''))}</b> "
            f"({summary.get('seeds', 0)} generated seeds): "
            f"<span class=pass>{summary['passed']} passed</span>, "
            f"<span class=fail>{summary['failed']} failed</span>, "
            f"<span class=error>{summary['errors']} errors</span>; "
            f"{summary['instructions']:,} instructions checked in {summary['wall_seconds']:.1f} s wall "
            + (f"(this invocation; {summary['kept']} results kept from an earlier one by --resume) "
               if summary.get("kept") else "")
            + f"with {summary['jobs']} workers ({'-' if ips is None else format(ips, ',')} instructions/s "
            f"per job).</p>", "<h2>Coverage</h2><table>"]
    if func:
        body.append(f"<tr><th>functional (plan)</th><td>{_bar(func['percent'])} "
                    f"({func['hit']}/{func['goal']} bins) <a href=coverage.html>groups and holes</a></td></tr>")
    if code:
        link = (f' <a href="{_e(_rel(code["html"], out))}">genhtml report</a>' if code.get("html") else "")
        body.append(f"<tr><th>RTL line</th><td>{_bar(code['line_percent'])} "
                    f"({code['lines_hit']}/{code['lines']}){link}</td></tr>"
                    f"<tr><th>RTL toggle</th><td>{_bar(code['toggle_percent'])} "
                    f"({code['toggles_hit']}/{code['toggles']})</td></tr>")
    body.append("</table>")
    if func.get("growth"):
        body.append("<h2>Coverage growth</h2>" + growth_svg(func["growth"]))
    failures = [r for r in results if r.status != "pass"]
    body.append(f"<h2>Failures ({len(failures)})</h2>")
    if failures:
        body.append("<table><tr><th>job</th><th>status</th><th>why</th><th>reproduce</th></tr>")
        for r in failures:
            body.append(f"<tr><td>{_e(r.name)}</td><td class={r.status}>{r.status}</td>"
                        f"<td>{_e(r.reason)}{_mismatch_link(r, out)} "
                        f'<a href="logs/{_e(r.name)}.log">log</a></td>'
                        f"<td><code>{_e(r.command)}</code></td></tr>")
        body.append("</table>")
    else:
        body.append("<p class=pass>none</p>")
    body.append("<h2>Jobs</h2><table><tr><th>job</th><th>status</th><th>instructions</th>"
                "<th>seconds</th><th>instr/s</th><th>CPI</th><th>covers</th></tr>")
    for r in results:
        ips = r.instructions_per_second
        cpi = (r.perf or {}).get("cpi")
        body.append(f'<tr><td><a href="logs/{_e(r.name)}.log">{_e(r.name)}</a></td>'
                    f"<td class={r.status}>{r.status}</td>"
                    f"<td class=num>{'-' if r.instructions is None else format(r.instructions, ',')}</td>"
                    f"<td class=num>{r.seconds:.2f}</td>"
                    f"<td class=num>{'-' if ips is None else format(round(ips), ',')}</td>"
                    f"<td class=num>{'-' if cpi is None else cpi}</td><td>{_e(r.covers)}</td></tr>")
    body.append("</table><p class=muted>machine-readable: summary.json, junit.xml, "
                "coverage/coverage.json, coverage/merged.ucisdb</p>")
    return _page("hvcosim regression", "".join(body))


def coverage_page(out: Path, summary: dict) -> str:
    path = out / "coverage" / "coverage.json"
    body = []
    if path.exists():
        scored = json.loads(path.read_text())["score"]
        body.append(f"<p>Functional coverage {_bar(scored['percent'])}: {scored['hit']} of "
                    f"{scored['goal']} bins of the plan (tb/coverage/plan.py), merged over "
                    f"{len(scored['jobs'])} jobs (UCIS: <code>{_e(_rel(scored['ucis'], out))}</code>).</p>")
        body.append("<table><tr><th>group</th><th>coverage</th><th>bins</th><th>holes</th>"
                    "<th>argued unreachable</th></tr>")
        for g in scored["groups"]:
            body.append(f'<tr><td><a href="#{_e(g["name"])}">{_e(g["name"])}</a></td>'
                        f"<td>{_bar(g['percent'])}</td><td class=num>{g['hit']}/{g['goal']}</td>"
                        f"<td class=num>{len(g['holes'])}</td><td class=num>{len(g['excluded'])}</td></tr>")
        body.append("</table>")
        for g in scored["groups"]:
            body.append(f'<h2 id="{_e(g["name"])}">{_e(g["title"])} — {g["percent"]:.1f}%</h2><table>'
                        "<tr><th>coverpoint</th><th>samples</th><th>coverage</th></tr>")
            for cp in g["coverpoints"]:
                body.append(f"<tr><td>{_e(cp['name'])}</td><td>{_e(cp['samples'])}</td>"
                            f"<td>{_bar(cp['percent'])} {cp['hit']}/{cp['goal']}</td></tr>")
            body.append("</table>")
            if g["holes"]:
                body.append(f"<p>holes ({len(g['holes'])}):</p><ul class=holes>"
                            + "".join(f"<li>{_e(h)}</li>" for h in g["holes"]) + "</ul>")
            if g["excluded"]:
                body.append("<details><summary>argued unreachable "
                            f"({len(g['excluded'])})</summary><table><tr><th>bin</th><th>why</th></tr>"
                            + "".join(f"<tr><td>{_e(e['bin'])}</td><td>{_e(e['why_unreachable'])}"
                                      f"{' <b class=fail>HIT</b>' if e['hit'] else ''}</td></tr>"
                                      for e in g["excluded"]) + "</table></details>")
        if scored["not_sampled"]:
            body.append("<h2>Not sampled yet</h2><ul>"
                        + "".join(f"<li>{_e(s)}</li>" for s in scored["not_sampled"]) + "</ul>")
    else:
        body.append("<p class=muted>no functional coverage was measured in this run "
                    "(co-simulation jobs measure it)</p>")
    code = summary.get("code_coverage")
    if code:
        link = f' — <a href="{_e(_rel(code["html"], out))}">genhtml report</a>' if code.get("html") else ""
        body.append(f"<h2>RTL code coverage{link}</h2><p>line {_bar(code['line_percent'])}, "
                    f"toggle {_bar(code['toggle_percent'])}, merged over {code['runs']} simulations</p>"
                    "<table><tr><th>file</th><th>line</th><th>toggle</th><th>missed lines</th></tr>")
        for file, v in code["files"].items():
            missed = ", ".join(str(x) for x in v["missed_lines"][:40])
            body.append(f"<tr><td>{_e(Path(file).name)}</td><td>{_bar(v['line_percent'])}</td>"
                        f"<td>{_bar(v['toggle_percent'])}</td><td>{_e(missed)}</td></tr>")
        body.append("</table>")
        if code.get("waivers"):
            body.append("<p>waived lines (tb/coverage/code_waivers.txt):</p><ul>" + "".join(
                f"<li><code>{_e(w['where'])}</code> {_e(w['reason'])}</li>" for w in code["waivers"]) + "</ul>")
    return _page("hvcosim coverage", "".join(body))


def perf_page(summary: dict, results) -> str:
    rows = [r for r in results if r.perf]
    body = ["<p>Measured in the simulator at the end of each job: the unit's CYCLE and RETIRED "
            "registers, exits by cause, the cycles from an exit to the next run the VMM starts "
            "(round trip), and the m_axi traffic HostRam served.</p>"]
    if not rows:
        body.append("<p class=muted>no performance numbers (only co-simulation jobs measure them)</p>")
        return _page("hvcosim performance", "".join(body))
    total_cycles = sum(r.perf.get("run_cycles") or 0 for r in rows)
    total_retired = sum(r.perf.get("retired") or 0 for r in rows)
    total_bytes = sum(sum((r.perf.get("axi_bytes") or {}).values()) for r in rows)
    exits: dict[str, int] = {}
    for r in rows:
        for cause, per_k in (r.perf.get("exits_per_1000") or {}).items():
            exits[cause] = exits.get(cause, 0) + per_k * (r.perf.get("retired") or 0) / 1000
    trips = [r.perf["exit_round_trip_cycles"] for r in rows if r.perf.get("exit_round_trip_cycles")]
    body.append("<h2>Whole run</h2><table>")
    body.append(f"<tr><th>CPI (cycles in context runs / retirements)</th><td class=num>"
                f"{total_cycles / total_retired if total_retired else 0:.3f}</td></tr>")
    body.append(f"<tr><th>average exit round trip (cycles, mean of jobs)</th><td class=num>"
                f"{sum(trips) / len(trips) if trips else 0:.1f}</td></tr>")
    body.append(f"<tr><th>AXI bytes per instruction</th><td class=num>"
                f"{total_bytes / total_retired if total_retired else 0:.3f}</td></tr>")
    for cause, n in sorted(exits.items(), key=lambda kv: -kv[1]):
        body.append(f"<tr><th>exits per 1,000 instructions: {_e(cause)}</th><td class=num>"
                    f"{1000 * n / total_retired if total_retired else 0:.3f}</td></tr>")
    body.append("</table><h2>Per job</h2><table><tr><th>job</th><th>retired</th><th>cycles</th>"
                "<th>CPI</th><th>exits/1000 by cause</th><th>round trip</th><th>AXI B/instr</th>"
                "<th>read util.</th><th>write util.</th></tr>")
    for r in rows:
        p = r.perf
        per_k = ", ".join(f"{k} {v}" for k, v in sorted((p.get("exits_per_1000") or {}).items()))
        util = p.get("bus_utilisation") or {}
        body.append(f"<tr><td>{_e(r.name)}</td><td class=num>{p.get('retired')}</td>"
                    f"<td class=num>{p.get('cycles')}</td><td class=num>{p.get('cpi')}</td>"
                    f"<td>{_e(per_k)}</td><td class=num>{p.get('exit_round_trip_cycles')}</td>"
                    f"<td class=num>{p.get('axi_bytes_per_instruction')}</td>"
                    f"<td class=num>{util.get('read')}</td><td class=num>{util.get('write')}</td></tr>")
    body.append("</table>")
    return _page("hvcosim performance", "".join(body))


def summary_text(summary: dict) -> str:
    lines = [f"{summary['guests']} jobs: {summary['passed']} passed, {summary['failed']} failed, "
             f"{summary['errors']} errors; {summary['instructions']:,} instructions; "
             f"{summary['wall_seconds']:.1f} s wall"]
    func = summary.get("functional_coverage")
    if func:
        lines.append(f"functional coverage {func['percent']:.2f}% ({func['hit']}/{func['goal']})")
        for g in func["groups"]:
            lines.append(f"  {g['name']:<13} {g['percent']:6.2f}%  holes: {len(g['holes'])}")
    code = summary.get("code_coverage")
    if code:
        lines.append(f"RTL line {code['line_percent']:.2f}%  toggle {code['toggle_percent']:.2f}%")
    for f in summary.get("failures", []):
        lines.append(f"FAILED {f['name']}: {f['reason']}\n  reproduce: {f['reproduce']}")
    return "\n".join(lines) + "\n"


def write_all(out: Path, summary: dict, results) -> dict:
    from tb.regress import _write_atomic
    pages = {"index": out / "index.html", "coverage": out / "coverage.html",
             "perf": out / "perf.html", "text": out / "summary.txt"}
    _write_atomic(pages["index"], index_page(out, summary, results))
    _write_atomic(pages["coverage"], coverage_page(out, summary))
    _write_atomic(pages["perf"], perf_page(summary, results))
    _write_atomic(pages["text"], summary_text(summary))
    return pages
