"""The mismatch report of a co-simulation job: JSON for programs, text and HTML for people.

:func:`write_report` writes, into a run directory, the three files named in
:data:`REPORT_FILES` (stable names: the regression's failure pages link to them):

- ``mismatch.json``: the scoreboard's mismatch data (``kind``, ``field``, ``pc``,
  ``expected``, ``actual``, ``history``, ``instructions_checked`` ...) plus
  ``differences`` (every differing field, expected and actual), ``disasm``,
  ``registers`` (both register files and the differing ones), ``events`` (the
  VMM's actions before it), ``mismatch_count``/``continue``, ``waves`` (file and
  time window, when recorded) and ``command`` (the command that reproduces it).
- ``mismatch.txt``: the same for a terminal.
- ``mismatch.html``: one self-contained page (inline CSS, no script, no network).

:func:`reproduce_command` rebuilds the ``hvcosim cosim`` command line of a job
from its options; a job run on a copy of the RTL (``run_cosim(sources=...)``)
gets ``HVCOSIM_RTL_DIR=<that directory>`` in front (tb/sim/tools.py).
"""
from __future__ import annotations

import html
import json
import shlex
from pathlib import Path

from tb.sim.unit_tb import CLK_PERIOD_NS as CLOCK_PERIOD_NS

REPORT_FILES = ("mismatch.json", "mismatch.txt", "mismatch.html")
WAVE_WINDOW_CYCLES = 50        # the waveform window: the divergence +- this many clock cycles

# job option -> hvcosim cosim flag (None values are left out)
_OPTION_FLAGS = (("vcpus", "--vcpus"), ("mem", "--mem"), ("mem_budget", "--mem-budget"), ("seed", "--seed"),
                 ("quantum", "--quantum"), ("contexts", "--contexts"),
                 ("max_instructions", "--max-instructions"), ("signature_path", "--signature"))


def reproduce_command(job: dict, sim: str, waves: bool = False, sources: list | None = None,
                      extra_args: list[str] | None = None) -> str:
    """The ``hvcosim cosim`` command line that runs ``job`` again (``job["command"]`` if set)."""
    if job.get("command"):
        return job["command"]
    argv = ["hvcosim", "cosim", *[str(Path(e).resolve()) for e in job["elfs"]], "--sim", sim]
    options = job.get("options", {})
    for key, flag in _OPTION_FLAGS:
        if options.get(key) is not None:
            argv += [flag, str(options[key])]
    if job.get("memory", "bfm") != "bfm":
        argv += ["--memory", job["memory"]]
    if float(job.get("backpressure", 0.0)):
        argv += ["--axi-backpressure", str(job["backpressure"])]
    if job.get("continue"):
        argv += ["--continue", "--max-mismatches", str(job.get("max_mismatches", 100))]
    if waves:
        argv.append("--waves")
    argv += list(extra_args or [])
    command = shlex.join(argv)
    rtl_dir = _sources_dir(sources)
    if rtl_dir is not None:
        command = f"HVCOSIM_RTL_DIR={shlex.quote(str(rtl_dir))} {command}"
    return command


def _sources_dir(sources: list | None) -> Path | None:
    """The directory of a copy of the RTL the job was built from (None: rtl/ itself)."""
    from tb.sim.tools import RTL_DIR
    if not sources:
        return None
    dirs = {Path(s).resolve().parent for s in sources}
    if len(dirs) != 1:
        return None
    [d] = dirs
    return None if d == RTL_DIR.resolve() else d


# ------------------------------------------------------------------------------ the report data
def _hex(value) -> str:
    return f"{value:#x}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _record_text(rec: dict | None) -> str:
    if rec is None:
        return "-"
    from interfaces.trace import RetireRecord
    from tb.scoreboard import _fmt_record
    return _fmt_record(RetireRecord(**rec))


def differences(data: dict) -> list[dict]:
    """Every differing field of the first divergence: name, expected, actual."""
    exp_rec, act_rec = data.get("expected_record"), data.get("actual_record")
    expected, actual = data.get("expected"), data.get("actual")
    if isinstance(exp_rec, dict) and isinstance(act_rec, dict):
        pairs = exp_rec, act_rec
    elif isinstance(expected, dict) and isinstance(actual, dict):
        pairs = expected, actual
    else:
        return [{"field": data.get("field"), "expected": expected, "actual": actual}]
    exp, act = pairs
    return [{"field": k, "expected": exp.get(k), "actual": act.get(k)}
            for k in sorted(set(exp) | set(act), key=lambda k: list(exp).index(k) if k in exp else 999)
            if exp.get(k) != act.get(k)]


def build_report(result: dict, job: dict, sim: str, waves: bool = False, work_dir: Path | None = None,
                 sources: list | None = None) -> dict:
    """The JSON document of a job result whose status is ``mismatch``."""
    from vmm_model.isa.disasm import disasm
    data = dict(result.get("mismatch") or {})
    report = dict(data)
    report["message"] = result.get("message", "")
    report["job"] = result.get("name", job.get("name", ""))
    report["differences"] = differences(data)
    rec = data.get("expected_record") or data.get("actual_record")
    if "disasm" not in report and rec:
        report["disasm"] = disasm(rec["insn"], rec["pc_rdata"])
    report["mismatch_count"] = result.get("mismatch_count", 1)
    report["continue"] = bool(job.get("continue"))
    report["mismatch_kinds"] = result.get("mismatch_kinds", {data.get("kind", "mismatch"): 1})
    report["instructions_checked"] = data.get("instructions_checked", result.get("checked"))
    report["registers"] = data.get("registers")
    report["events"] = data.get("events", [])
    report["waves"] = None
    if waves and work_dir is not None:
        files = sorted(str(p) for ext in ("*.fst", "*.vcd") for p in Path(work_dir).rglob(ext))
        t = data.get("time_ns")
        window = None if t is None else [max(0, t - WAVE_WINDOW_CYCLES * CLOCK_PERIOD_NS),
                                         t + WAVE_WINDOW_CYCLES * CLOCK_PERIOD_NS]
        report["waves"] = {"files": files, "time_ns": t, "window_ns": window}
    report["command"] = reproduce_command(job, sim, waves, sources)
    report["report_text"] = result.get("report", "")
    return report


# ------------------------------------------------------------------------------ text
def render_text(report: dict) -> str:
    pc = report.get("pc")
    lines = [f"MISMATCH ({report.get('kind')}) in job {report.get('job')}: first divergence in "
             f"{report.get('field')} at pc {_hex(pc) if pc is not None else '-'}"
             + (f": {report['disasm']}" if report.get("disasm") else ""),
             f"mismatches counted: {report['mismatch_count']}"
             + (" (continue mode)" if report["continue"] else " (stopped at the first)"),
             f"retirements checked before it: {report.get('instructions_checked')}",
             f"sim time: {report.get('time_ns')} ns", "", "differing fields (expected | RTL):"]
    for d in report["differences"]:
        lines.append(f"  {d['field']:16s} {_hex(d['expected']):>12s} | {_hex(d['actual'])}")
    lines += ["", report.get("report_text", "")]
    regs = report.get("registers")
    if regs:
        lines += ["", f"register file of ctx {regs['ctx']} ({regs['source']}):"]
        for i in range(32):
            mark = "  <-- differs" if i in regs["differ"] else ""
            lines.append(f"  x{i:<2d} RTL {regs['rtl'][i]:08x}  REF {regs['ref'][i]:08x}{mark}")
    lines += ["", f"VMM events before the mismatch (last {len(report['events'])}):"]
    for e in report["events"]:
        lines.append("  " + _event_text(e))
    waves = report.get("waves")
    if waves:
        lines += ["", f"waves: {', '.join(waves['files']) or 'none written'}; window {waves['window_ns']} ns"]
    lines += ["", "reproduce:", f"  {report['command']}"]
    return "\n".join(lines) + "\n"


def _event_value(value) -> str:
    """Addresses and CSR values in hex, small counts and indexes in decimal."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 4096:
        return f"{value:#x}"
    return str(value)


def _event_details(e: dict) -> str:
    return ", ".join(f"{k}={_event_value(v)}" for k, v in e.items() if k not in ("time_ns", "event"))


def _event_text(e: dict) -> str:
    return f"[{e.get('time_ns')} ns] {e.get('event')}: {_event_details(e)}"


# ------------------------------------------------------------------------------ HTML
_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-family:monospace;font-size:12px}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#eee}tr.diverge td{background:#fdd;font-weight:bold}td.differs{background:#fbb}
pre{background:#f6f6f6;padding:8px;white-space:pre-wrap}.summary td{font-family:system-ui}
"""


def render_html(report: dict) -> str:
    e = html.escape
    pc = report.get("pc")
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
           f"<title>hvcosim mismatch: {e(str(report.get('field')))}</title><style>{_CSS}</style></head><body>",
           f"<h1>Co-simulation mismatch: <span id='field'>{e(str(report.get('field')))}</span> at pc "
           f"<span id='pc'>{e(_hex(pc) if pc is not None else '-')}</span></h1>",
           "<table class='summary'>"]
    for label, value in (("kind", report.get("kind")), ("job", report.get("job")),
                         ("instruction", report.get("disasm", "-")),
                         ("mismatches counted", f"{report['mismatch_count']}"
                          + (" (continue mode)" if report["continue"] else " (stopped at the first)")),
                         ("retirements checked before it", report.get("instructions_checked")),
                         ("sim time (ns)", report.get("time_ns"))):
        out.append(f"<tr><th>{e(label)}</th><td>{e(str(value))}</td></tr>")
    out.append("</table><h2>First divergence: expected (reference) and actual (RTL)</h2>")
    out.append("<table id='divergence'><tr><th>field</th><th>expected</th><th>actual (RTL)</th></tr>")
    for d in report["differences"]:
        out.append(f"<tr class='diverge'><td>{e(str(d['field']))}</td><td>{e(_hex(d['expected']))}</td>"
                   f"<td>{e(_hex(d['actual']))}</td></tr>")
    out.append("</table>")
    exp_rec, act_rec = report.get("expected_record"), report.get("actual_record")
    if isinstance(exp_rec, dict) or isinstance(act_rec, dict):
        out.append("<h2>Whole records side by side</h2><table><tr><th>field</th><th>reference</th>"
                   "<th>RTL</th></tr>")
        exp_rec, act_rec = exp_rec or {}, act_rec or {}
        for k in list(exp_rec) + [k for k in act_rec if k not in exp_rec]:
            a, b = exp_rec.get(k), act_rec.get(k)
            cls = " class='differs'" if a != b else ""
            out.append(f"<tr><td>{e(k)}</td><td{cls}>{e(_hex(a))}</td><td{cls}>{e(_hex(b))}</td></tr>")
        out.append("</table>")
    history = report.get("history") or []
    out.append(f"<h2>Last {len(history)} retirements (aligned)</h2><table><tr><th>#</th><th>RTL</th>"
               "<th>reference</th></tr>")
    for i, pair in enumerate(history):
        cls = " class='diverge'" if i == len(history) - 1 else ""
        out.append(f"<tr{cls}><td>{i}</td><td>{e(_record_text(pair.get('rtl')))}</td>"
                   f"<td>{e(_record_text(pair.get('ref')))}</td></tr>")
    out.append("</table>")
    regs = report.get("registers")
    if regs:
        out.append(f"<h2>Register file of ctx {regs['ctx']}</h2><p>{e(regs['source'])}</p>"
                   "<table><tr><th>reg</th><th>RTL</th><th>reference</th></tr>")
        for i in range(32):
            cls = " class='diverge'" if i in regs["differ"] else ""
            out.append(f"<tr{cls}><td>x{i}</td><td>{regs['rtl'][i]:08x}</td><td>{regs['ref'][i]:08x}</td></tr>")
        out.append("</table>")
    out.append(f"<h2>VMM events before the mismatch (last {len(report['events'])})</h2>"
               "<table><tr><th>time (ns)</th><th>event</th><th>details</th></tr>")
    for ev in report["events"]:
        details = _event_details(ev)
        out.append(f"<tr><td>{e(str(ev.get('time_ns')))}</td><td>{e(str(ev.get('event')))}</td>"
                   f"<td>{e(details)}</td></tr>")
    out.append("</table>")
    waves = report.get("waves")
    if waves:
        out.append(f"<h2>Waves</h2><p>{e(', '.join(waves['files']) or 'none written')}; "
                   f"window {e(str(waves['window_ns']))} ns</p>")
    out.append(f"<h2>Reproduce</h2><pre id='command'>{e(report['command'])}</pre>")
    out.append(f"<h2>Scoreboard report</h2><pre>{e(report.get('report_text', ''))}</pre></body></html>")
    return "\n".join(out) + "\n"


def write_report(directory: Path | str, result: dict, job: dict, sim: str, waves: bool = False,
                 work_dir: Path | None = None, sources: list | None = None) -> dict[str, str]:
    """Write the three report files of a mismatch into ``directory``; their paths by name."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    report = build_report(result, job, sim, waves, work_dir, sources)
    json_path, text_path, html_path = (directory / name for name in REPORT_FILES)
    json_path.write_text(json.dumps(report, indent=1, default=str))
    text_path.write_text(render_text(report))
    html_path.write_text(render_html(report))
    return {name: str(directory / name) for name in REPORT_FILES}
