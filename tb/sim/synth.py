"""Synthesize the unit with yosys; check for latches; record cell and flip-flop counts.

    python -m tb.sim.synth            # synth -top vcpu_unit, refresh docs/synthesis.md
    python -m tb.sim.synth --top vcpu_ctl --no-doc

Yosys 0.23's SystemVerilog front end (``read_verilog -sv``) does not accept
``import pkg::*;`` (neither in a module header nor in a body nor in a package).
Every other construct the RTL uses that we met is accepted when package members
are referenced as ``pkg::NAME``.  So before reading, this command rewrites each
source into ``build/synth/src/``: it removes wildcard imports and qualifies the
imported names (parameters, types, enum constants, functions) with their
package.  The rewrite is purely textual and only touches identifiers that a
package exports and the design unit does not declare itself.

Exit status: 0 clean; 1 latches found or yosys failed (the message says which).
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .tools import BUILD_DIR, ROOT, rtl_sources

DOC = ROOT / "docs" / "synthesis.md"
OUT_DIR = BUILD_DIR / "synth"
LATCH_CELLS = ("$dlatch", "$adlatch", "$dlatchsr", "$_DLATCH_", "$_DLATCHSR_", "$_SR_")

# Comments, strings and identifiers (the only tokens the rewrite looks at).
_TOKEN = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\])*\"|[A-Za-z_][A-Za-z0-9_$]*", re.S)
_IMPORT = re.compile(r"\bimport\s+(\w+)\s*::\s*\*\s*;")
_UNIT = re.compile(r"\b(module|package|interface)\s+(\w+).*?\bend(module|package|interface)\b", re.S)


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*|/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)


def package_exports(text: str) -> dict[str, set[str]]:
    """Names each package in ``text`` declares: parameters, types, enum constants, functions."""
    out: dict[str, set[str]] = {}
    clean = _strip_comments(text)
    for m in re.finditer(r"\bpackage\s+(\w+)\s*;(.*?)\bendpackage\b", clean, re.S):
        body = m.group(2)
        names: set[str] = set()
        for d in re.finditer(r"\b(?:localparam|parameter)\b([^;]*);", body):
            decl = d.group(1)
            # every "NAME =" at nesting level 0 of the declaration list
            depth = 0
            cur = ""
            for ch in decl:
                depth += ch in "([{"
                depth -= ch in ")]}"
                if ch == "," and depth == 0:
                    names.update(re.findall(r"(\w+)\s*=", cur)[:1])
                    cur = ""
                else:
                    cur += ch
            names.update(re.findall(r"(\w+)\s*=", cur)[:1])
        for t in re.finditer(r"\btypedef\b(.*?)(\w+)\s*;", body, re.S):
            names.add(t.group(2))
            e = re.search(r"\benum\b[^{]*\{(.*)\}", t.group(1), re.S)
            if e:
                names.update(re.findall(r"(?:^|,)\s*(\w+)", e.group(1)))
        for f in re.finditer(r"\bfunction\s+(?:automatic\s+|static\s+)?(?:[\w:]+\s*)?(?:\[[^\]]*\]\s*)?(\w+)\s*\(",
                             body):
            names.add(f.group(1))
        out[m.group(1)] = names
    return out


def _local_decls(unit: str) -> set[str]:
    names = set(re.findall(r"\b(?:localparam|parameter)\b[^;=]*?\b(\w+)\s*=", unit))
    names |= set(re.findall(r"\btypedef\b[^;]*?(\w+)\s*;", unit))
    return names


def package_bodies(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2)
            for m in re.finditer(r"\bpackage\s+(\w+)\s*;(.*?)\bendpackage\b", text, re.S)}


def flatten_imports(text: str, exports: dict[str, set[str]], bodies: dict[str, str] | None = None) -> str:
    """Remove ``import p::*;`` and qualify the names it brought in (see the module doc).

    Inside a package, yosys 0.23 cannot resolve ``other_pkg::NAME`` either: there
    the imported package's declarations are pasted in place of the import.
    """
    bodies = bodies or {}

    def fix_unit(m: re.Match) -> str:
        unit = m.group(0)
        pkgs = [p for p in _IMPORT.findall(_strip_comments(unit)) if p in exports]
        if not pkgs:
            return unit
        if m.group(1) == "package":
            return _IMPORT.sub(lambda i: (f"\n  // ---- pasted from package {i.group(1)} (yosys 0.23) ----\n"
                                          + _IMPORT.sub("", bodies.get(i.group(1), "")) + "\n"),
                               unit)
        unit = _IMPORT.sub("", unit)
        local = _local_decls(_strip_comments(unit))
        table: dict[str, str] = {}
        for p in pkgs:
            for n in exports[p]:
                if n not in local:
                    table.setdefault(n, p)

        def tok(t: re.Match) -> str:
            s = t.group(0)
            if s[0] in "/\"" or s not in table:
                return s
            before = unit[max(0, t.start() - 2):t.start()]
            if before.endswith("::") or before.endswith(".") or before.endswith("`") or before.endswith("$"):
                return s
            return f"{table[s]}::{s}"

        return _TOKEN.sub(tok, unit)

    # Find design units on a comment-free copy (same offsets), rewrite them in the original.
    clean = _strip_comments(text)
    out, pos = [], 0
    for m in _UNIT.finditer(clean):
        out.append(text[pos:m.start()])
        out.append(fix_unit(_Span(text[m.start():m.end()], m.group(1))))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


class _Span:
    """The bits of a regex match fix_unit uses, for a slice of the original text."""

    def __init__(self, text: str, kind: str):
        self._text, self._kind = text, kind

    def group(self, i: int) -> str:
        return self._text if i == 0 else self._kind


def prepare_sources(sources: list[Path], out_dir: Path) -> list[Path]:
    texts = {s: s.read_text() for s in sources}
    exports: dict[str, set[str]] = {}
    bodies: dict[str, str] = {}
    for t in texts.values():
        exports.update(package_exports(t))
        bodies.update(package_bodies(t))
    out_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for s, t in texts.items():
        p = out_dir / s.name
        p.write_text(flatten_imports(t, exports, bodies))
        out.append(p)
    return out


def _module_name(name: str) -> str:
    """``$paramod$<hash>\\vcpu_tlb`` or ``$paramod\\vcpu_core\\N=..`` -> ``vcpu_tlb`` / ``vcpu_core``."""
    m = re.match(r"^\$paramod(?:\$[0-9a-f]+)?\\([^\\]+)", name)
    return m.group(1) if m else name


def parse_modules(log: str) -> dict[str, dict[str, int]]:
    """Per-module cell counts (own cells only, submodule instances excluded) from ``stat``."""
    stat = log[log.rfind("Printing statistics."):] if "Printing statistics." in log else log
    out: dict[str, dict[str, int]] = {}
    for m in re.finditer(r"=== (\S+) ===\n(.*?)(?====|\Z)", stat, re.S):
        name = m.group(1)
        if name == "design":
            continue
        cells = {c: int(n) for c, n in re.findall(r"^\s+(\$\S+)\s+(\d+)\s*$", m.group(2), re.M)
                 if not c.startswith("$paramod")}
        out[_module_name(name)] = cells
    return out


def parse_stat(log: str, top: str) -> dict[str, int]:
    """Cell-type counts of the whole design from yosys ``stat`` (the design-hierarchy total)."""
    stat = log[log.rfind("Printing statistics."):] if "Printing statistics." in log else log
    sec = stat.split("=== design hierarchy ===")[-1] if "=== design hierarchy ===" in stat \
        else stat.split(f"=== {top} ===")[-1]
    cells: dict[str, int] = {}
    total = 0
    # Only the cell-type list after "Number of cells" (the hierarchy listing above it
    # names submodule instances with the same "$..." syntax).
    if "Number of cells" in sec:
        sec = sec[sec.rfind("\n", 0, sec.find("Number of cells")) + 1:]
    for line in sec.splitlines():
        m = re.match(r"\s+Number of cells:\s+(\d+)", line)
        if m:
            total = int(m.group(1))
            continue
        m = re.match(r"\s+(\$\S+)\s+(\d+)\s*$", line)
        if m and not m.group(1).startswith("$paramod"):
            cells[m.group(1)] = int(m.group(2))
    cells["__total__"] = total
    return cells


def flop_bits(cells: dict[str, int]) -> int:
    return sum(n for c, n in cells.items() if re.match(r"\$_(S?DFF|DFFE|SDFFE|SDFFCE|ALDFF|DFFSR|DFFSRE)", c)
               or c in ("$dff", "$sdff", "$adff", "$dffe", "$sdffe"))


def run_yosys(top: str, sources: list[Path], parameters: dict[str, int]) -> tuple[int, str, float]:
    prepared = prepare_sources(sources, OUT_DIR / "src")
    chparam = " ".join(f"-set {k} {v}" for k, v in parameters.items())
    script = OUT_DIR / f"{top}.ys"
    lines = ["read_verilog -sv " + " ".join(str(p) for p in prepared)]
    if chparam:
        lines.append(f"chparam {chparam} {top}")
    lines += [f"synth -top {top}", "tee -o " + str(OUT_DIR / f"{top}.stat.txt") + " stat",
              "select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_* t:$_DLATCHSR_* t:$_SR_*"]
    script.write_text("\n".join(lines) + "\n")
    t0 = time.monotonic()
    proc = subprocess.run(["yosys", "-q", "-l", str(OUT_DIR / f"{top}.log"), "-s", str(script)],
                          capture_output=True, text=True)
    dt = time.monotonic() - t0
    log = (OUT_DIR / f"{top}.log").read_text() if (OUT_DIR / f"{top}.log").exists() else ""
    return proc.returncode, log + proc.stdout + proc.stderr, dt


def parse_instances(log: str) -> dict[str, int]:
    """How many instances of each module the design hierarchy holds."""
    stat = log[log.rfind("Printing statistics."):] if "Printing statistics." in log else log
    if "=== design hierarchy ===" not in stat:
        return {}
    sec = stat.split("=== design hierarchy ===")[-1].split("Number of wires")[0]
    out: dict[str, int] = {}
    for name, n in re.findall(r"^\s+(\S+)\s+(\d+)\s*$", sec, re.M):
        out[_module_name(name)] = out.get(_module_name(name), 0) + int(n)
    return out


def write_doc(top: str, parameters: dict, cells: dict[str, int], latches: int, seconds: float,
              modules: dict[str, dict[str, int]] | None = None,
              instances: dict[str, int] | None = None) -> None:
    instances = instances or {}
    rows = "\n".join(f"| `{c}` | {n} |" for c, n in sorted(cells.items()) if c != "__total__")
    mod_rows = "\n".join(
        f"| `{m}` | {instances.get(m, 1)} | {sum(c.values())} | {flop_bits(c)} |"
        for m, c in sorted((modules or {}).items()))
    params = ", ".join(f"{k}={v}" for k, v in parameters.items()) or "defaults"
    DOC.write_text(f"""# Synthesis (yosys)

_Refreshed by `python -m tb.sim.synth` (`make synth`); do not edit by hand._

Generic gate-level synthesis with yosys {_yosys_version()} (`synth -top {top}`, no
technology library), parameters {params}.  The command fails if any latch cell
(`$dlatch`, `$_DLATCH_*`, `$_SR_*` …) is left.

| figure | value |
|---|---|
| top | `{top}` |
| cells (total, generic gates + flip-flops) | {cells.get('__total__', 0)} |
| flip-flop bits | {flop_bits(cells)} |
| latches | {latches} |
| yosys run time | {seconds:.0f} s |

Yosys 0.23 does not parse `import pkg::*;`; the command feeds it a copy of the
sources in which wildcard imports are replaced by `pkg::NAME` references
(`build/synth/src/`, see `tb/sim/synth.py`).  No other source change is needed.

Synthesis is hierarchical (no `-flatten`): the figures per module below, times
their instance counts, add up to the totals; no optimization crosses a module
boundary.

## Per module (own cells of one instance, without the submodules it instantiates)

| module | instances | cells | flip-flop bits |
|---|---|---|---|
{mod_rows}

## Cells by type (whole design)

| cell | count |
|---|---|
{rows}
""")


def _yosys_version() -> str:
    try:
        out = subprocess.run(["yosys", "-V"], capture_output=True, text=True).stdout
        return out.split()[1]
    except Exception:
        return "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", default="vcpu_unit")
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/synthesis.md")
    ap.add_argument("-P", "--param", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args(argv)
    if shutil.which("yosys") is None:
        print("yosys not found: run `make setup`", file=sys.stderr)
        return 4
    params = {"NUM_VCPUS": 2, "TLB_ENTRIES": 16} if args.top == "vcpu_unit" else {}
    for p in args.param:
        k, v = p.split("=", 1)
        params[k] = int(v, 0)
    rc, log, dt = run_yosys(args.top, rtl_sources(), params)
    cells = parse_stat(log, args.top)
    latches = sum(n for c, n in cells.items() if c.startswith(LATCH_CELLS))
    if rc != 0:
        errs = [ln for ln in log.splitlines() if "ERROR" in ln or "Assertion" in ln]
        print(f"yosys failed (exit {rc}): " + ("; ".join(errs[-5:]) or "see build/synth/*.log"), file=sys.stderr)
        if latches or any("select -assert-none" in e or "Assertion failed" in e for e in errs):
            print(f"latches found: {latches}", file=sys.stderr)
        return 1
    if latches:
        print(f"latches found: {latches}", file=sys.stderr)
        return 1
    print(f"{args.top}: {cells.get('__total__', 0)} cells, {flop_bits(cells)} flip-flop bits, 0 latches "
          f"({dt:.0f} s)")
    if not args.no_doc:
        write_doc(args.top, params, cells, latches, dt, parse_modules(log), parse_instances(log))
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
