"""Lint the unit: Verilator ``--lint-only -Wall`` and an Icarus 11 ``-g2012`` compile.

    python -m tb.sim.lint            # whole unit (top vcpu_unit); `make lint`
    python -m tb.sim.lint --top vcpu_ctl

Exit status 0 only if both tools print no warning and no error.  Icarus prints
some limitations as "sorry:" messages (e.g. "constant selects in always_*
processes are not currently supported"); they are counted as warnings too,
because they change what Icarus simulates (the sensitivity list) and have bitten
this project (see docs/rtl.md, vcpu_ctl notes).  ``--allow-icarus-sorry`` turns
them into notes for a quick look.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from .tools import ROOT, rtl_sources, setup_env


def verilator_lint(top: str, sources: list[Path]) -> tuple[bool, str]:
    """``--lint-only -Wall``, then ``-cc -Wall`` (no C++ compile) for the warnings only
    Verilator's scheduler reports (UNOPTFLAT: combinational loops as it sees them)."""
    setup_env("verilator")
    outs, ok = [], True
    with tempfile.TemporaryDirectory() as d:
        for mode in (["--lint-only"], ["-cc", "-Mdir", d]):
            cmd = ["verilator", *mode, "-Wall", "--top-module", top, *map(str, sources)]
            p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            out = "\n".join(ln for ln in (p.stdout + p.stderr).splitlines() if not ln.startswith("- "))
            msgs = [ln for ln in out.splitlines() if ln.startswith("%")]
            ok = ok and p.returncode == 0 and not msgs
            if msgs:
                outs.append(f"[{' '.join(mode[:1])}]\n{out}")
    return ok, "\n".join(outs)


def icarus_compile(top: str, sources: list[Path], allow_sorry: bool) -> tuple[bool, str, int]:
    setup_env("icarus")
    with tempfile.TemporaryDirectory() as d:
        cmd = ["iverilog", "-g2012", "-Wall", "-Wno-timescale", "-o", str(Path(d) / "lint.vvp"), "-s", top,
               *map(str, sources)]
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    out = (p.stdout + p.stderr).strip()
    lines = [ln for ln in out.splitlines() if ln.strip()]
    sorry = [ln for ln in lines if "sorry:" in ln]
    other = [ln for ln in lines if "sorry:" not in ln]
    ok = p.returncode == 0 and not other and (allow_sorry or not sorry)
    return ok, out, len(sorry)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", default="vcpu_unit")
    ap.add_argument("--allow-icarus-sorry", action="store_true",
                    help="do not fail on Icarus 'sorry:' limitation messages")
    args = ap.parse_args(argv)
    sources = rtl_sources()
    ok_v, out_v = verilator_lint(args.top, sources)
    print(f"verilator --lint-only -Wall, -cc -Wall: {'clean' if ok_v else 'FAILED'}")
    if not ok_v:
        print(out_v)
    ok_i, out_i, n_sorry = icarus_compile(args.top, sources, args.allow_icarus_sorry)
    print(f"iverilog -g2012 -Wall: {'clean' if ok_i else 'FAILED'}"
          + (f" ({n_sorry} 'sorry' limitation messages)" if n_sorry else ""))
    if out_i and (not ok_i or n_sorry):
        print(out_i)
    return 0 if ok_v and ok_i else 1


if __name__ == "__main__":
    sys.exit(main())
