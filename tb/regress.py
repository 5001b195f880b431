"""hvcosim regress: the guest suite and generated seeds, in parallel, with coverage and reports.

Each guest of ``tests/guests/`` runs in a process of its own, with the options
of its header, and is judged against its header's expectations (exit status,
text on stdout, signature words).  ``--sim verilator`` (the default) or
``--sim icarus`` runs it as ``hvcosim cosim``: the VMM drives the RTL and the
reference checks every retirement and exit in lockstep (a mismatch is a
failure, with its report under ``cosim/<guest>/``); ``--sim reference`` runs it
as ``hvcosim run`` on the software vCPU alone.

Everything a program reads goes under ``--out`` (default ``out/run``)::

    elf/<guest>.elf            the built guests
    results/<guest>.json       one result per guest, written atomically when it ends
    logs/<guest>.log           its full stdout and stderr
    signatures/<guest>.sig     for guests that declare a signature
    junit.xml, summary.json    the whole run, for CI and scripts
    coverage/seeds/<job>.ucisdb  each job's functional coverage (UCIS SQLite; .json beside it)
    coverage/code/<job>.dat      each job's Verilator coverage.dat (--code-coverage)
    coverage/merged.ucisdb, coverage.json, coverage.txt, code.info, code-html/   merged
    index.html, coverage.html, perf.html, summary.txt   the reports people read (tb/reports)

``--seeds N`` adds N generated programs (``hvcosim gen --seed S``, S from ``--seed-base``)
to the guests, each run with the options its seed chose; ``--scenarios`` the directed
scenarios of ``vmm_model.scenarios``; ``--rtl-tests`` the unit's own cocotb tests.  A crashed or hung simulator
(``--timeout``: its whole process group is killed) is that job's failure; the others go on.

``--resume`` keeps every recorded result whose command and ELF contents are
unchanged and runs only the rest, so an interrupted regression picks up where it
stopped.  The exit status is 0 only when every guest passed, 1 otherwise (2 for
bad usage, 4 when the suite cannot be built).
"""
from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tb.sim.runner import CODE_COVERAGE_ENV

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 4
RESULT_FORMAT = 2
FAULT_ENV = "HVCOSIM_REGRESS_FAULT"   # "<job>:crash" or "<job>:hang": tests of the regress machinery
SIMS = ("verilator", "icarus", "reference")    # the first is the default
DEFAULT_TIMEOUT = 600.0
OUTPUT_TAIL = 2000           # characters of stdout/stderr kept in a result and in JUnit

# "(N instructions)" from `hvcosim run`, "(N retirements and M exits checked)" from `hvcosim cosim`.
_INSTRUCTIONS = re.compile(r"\((\d+) (?:instructions\)|retirements )")
_BUDGET = re.compile(r"instruction budget of (\d+) retirements")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sim", choices=SIMS, default=SIMS[0],
                        help="verilator or icarus: co-simulation of the RTL with the reference as "
                             "scoreboard; reference: the software vCPU alone (default verilator)")
    parser.add_argument("--out", default="out/run", metavar="DIR",
                        help="directory for results, logs, JUnit XML and summary (default out/run)")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="guests run at once, each in its own process (default: CPU count)")
    parser.add_argument("--resume", action="store_true",
                        help="keep results already in DIR whose command and ELF are unchanged")
    parser.add_argument("--rerun-failed", action="store_true",
                        help="with --resume, run the guests that did not pass again")
    parser.add_argument("--guests", default="*", metavar="PATTERNS",
                        help="only guests whose name matches one of these comma-separated "
                             "globs (default: all)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"wall-clock limit per guest (default {DEFAULT_TIMEOUT:.0f})")
    parser.add_argument("--seeds", type=int, default=0, metavar="N",
                        help="also run N generated programs (hvcosim gen), seeds from --seed-base")
    parser.add_argument("--seed-base", type=int, default=1, metavar="S",
                        help="first generator seed (default 1)")
    parser.add_argument("--code-coverage", action="store_true",
                        help="Verilator line and toggle coverage, merged and rendered with genhtml")
    parser.add_argument("--scenarios", nargs="?", const="*", default=None, metavar="PATTERNS",
                        help="also run the directed scenarios (vmm_model.scenarios) whose names "
                             "match these comma-separated globs (default: all)")
    parser.add_argument("--rtl-tests", action="store_true",
                        help=f"also run the unit's cocotb tests ({RTL_TEST_MODULE}) as a job")


# ------------------------------------------------------------------------------ jobs

@dataclass
class Job:
    """One guest run: the exact command and what a correct run looks like."""
    name: str
    argv: list[str]                       # after "hvcosim"
    elf_digest: str
    expected_exit: int
    stdout_contains: list[str]
    signature_file: str | None = None
    expected_signature: list[int] | None = None
    covers: str = ""
    gen_seed: int | None = None           # a generated program: the seed that wrote its ELF
    module: str | None = None             # a cocotb test module run by tb.sim.runner (not hvcosim)
    # ``hvcosim run`` jobs write their functional coverage here (``--coverage``, added to the
    # command but not to the reproduce command: it measures, it changes nothing).
    reference_coverage: str | None = None

    @property
    def command(self) -> list[str]:
        if self.module:
            return [sys.executable, "-m", "tb.sim.runner", *self.argv]
        measure = ["--coverage", self.reference_coverage] if self.reference_coverage else []
        return [*_hvcosim_command(), *self.argv, *measure]

    @property
    def reproduce(self) -> str:
        if self.module:
            return shlex.join(["python", "-m", "tb.sim.runner", *self.argv])
        run = shlex.join(["hvcosim", *self.argv])
        if self.gen_seed is None:
            return run
        elf = next(a for a in self.argv if a.endswith(".elf"))
        return f"{shlex.join(['hvcosim', 'gen', '--seed', str(self.gen_seed), '-o', elf])} && {run}"


@dataclass
class Result:
    name: str
    status: str                           # "pass", "fail" or "error"
    reason: str                           # why it is not a pass ("" for a pass)
    command: str
    elf_digest: str
    exit_status: int | None
    expected_exit: int
    instructions: int | None
    seconds: float                        # the run itself, in the child (wall if unknown)
    wall_seconds: float = 0.0             # including process start-up
    stdout_tail: str = ""
    stderr_tail: str = ""
    covers: str = ""
    perf: dict | None = None              # the simulator's performance numbers (tb.coverage.job_probe)
    coverage_file: str | None = None      # this job's functional coverage (UCIS), when measured
    code_coverage_file: str | None = None
    format: int = RESULT_FORMAT
    finished_at: float = field(default_factory=time.time)

    @property
    def instructions_per_second(self) -> float | None:
        if not self.instructions or self.seconds <= 0:
            return None
        return self.instructions / self.seconds


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def guest_jobs(specs, elfs: dict[str, Path], out: Path, sim: str) -> list[Job]:
    """A run of every standalone guest, as its header asks, on ``sim``."""
    jobs = []
    for spec in specs:
        signature_file = None
        if spec.signature is not None:
            signature_file = out / "signatures" / f"{spec.name}.sig"
        argv = spec.run_argv(elfs, signature_file)
        if sim != "reference":        # same guest and options, on the RTL under lockstep
            argv = ["cosim", "--sim", sim, "--out", str(out / "cosim" / spec.name), *argv[1:]]
        members = [elfs[spec.name], *(elfs[c] for c in spec.companions)]
        jobs.append(Job(name=spec.name, argv=argv, elf_digest=_digest(members),
                        expected_exit=spec.exit_status,
                        stdout_contains=list(spec.stdout_contains),
                        signature_file=None if signature_file is None else str(signature_file),
                        expected_signature=None if spec.signature is None else list(spec.signature),
                        covers=spec.covers))
    return jobs


BACKPRESSURE_EVERY, BACKPRESSURE = 4, "0.25"   # every 4th seed's m_axi stalls 25 % of cycles


def seed_jobs(count: int, base: int, out: Path, sim: str) -> list[Job]:
    """``count`` generated programs (seeds ``base``...): ELFs written now, run like guests."""
    from vmm_model.gen import Knobs, generate
    from vmm_model.gen.program import run_args, write, write_actions
    jobs = []
    for seed in range(base, base + count):
        name = f"gen-{seed}"
        elf = out / "elf" / f"{name}.elf"
        elf.parent.mkdir(parents=True, exist_ok=True)
        program = generate(seed, Knobs())
        write(program, elf)
        actions = write_actions(program, elf)          # the seed's scripted VMM actions, if any
        argv = ["run", str(elf), *run_args(program, elf)]
        if sim != "reference":
            argv = ["cosim", "--sim", sim, "--out", str(out / "cosim" / name), *argv[1:]]
            if seed % BACKPRESSURE_EVERY == 0 and "--axi-backpressure" not in argv:
                argv += ["--axi-backpressure", BACKPRESSURE]     # stalls on m_axi (coverage: axi)
        members = [elf] + ([Path(actions)] if actions else [])
        jobs.append(Job(name=name, argv=argv, elf_digest=_digest(members), expected_exit=EXIT_PASS,
                        stdout_contains=[], covers=f"generated program, seed {seed}", gen_seed=seed))
    return jobs


RTL_TEST_MODULE = "tests.rtl.test_unit"


def rtl_test_jobs(out: Path, sim: str) -> list[Job]:
    """The unit's own cocotb tests (register map, life cycle, flushes, every exit kind) as one
    job on the same build: they reach register-map paths no guest reaches (code coverage)."""
    if sim == "reference":
        return []
    argv = [RTL_TEST_MODULE, "--sim", sim, "--out", str(out / "rtl" / "unit_tests")]
    root = Path(__file__).resolve().parent.parent
    digest = _digest([root / "tests" / "rtl" / "test_unit.py"])
    return [Job(name="rtl-unit-tests", argv=argv, elf_digest=digest, expected_exit=EXIT_PASS,
                stdout_contains=[], covers="the unit's cocotb tests (tests/rtl/test_unit.py)",
                module=RTL_TEST_MODULE)]


SCENARIO_OPTIONS = ("vcpus", "mem", "mem_budget", "seed", "quantum", "contexts", "max_instructions")
SCENARIO_EXIT = {"pass": EXIT_PASS, "fail": EXIT_FAIL, "timeout": 3}


def scenario_jobs(out: Path, sim: str, patterns: str = "*") -> list[Job]:
    """The directed scenarios of ``vmm_model.scenarios`` whose name matches ``patterns``, built
    into ``elf/scenarios/<name>/`` and run with their options and scripted VMM actions.  The
    exit status is judged here; a scenario's finer expectations (exact exit counts) are its
    own tests' (tests/test_scenarios.py)."""
    try:
        from vmm_model.scenarios import SCENARIOS
    except ImportError:          # no scenario library in this tree
        return []
    wanted = [p.strip() for p in patterns.split(",") if p.strip()]
    jobs = []
    for name, scenario in SCENARIOS.items():
        if not any(fnmatch.fnmatchcase(name, p) for p in wanted):
            continue
        where = out / "elf" / "scenarios" / name
        elfs = [Path(p) for p in scenario.build(where)]
        options = scenario.options
        args = []
        for key in SCENARIO_OPTIONS:
            if options.get(key) is not None:
                args += [f"--{key.replace('_', '-')}", str(options[key])]
        from vmm_model.vmm.bus_errors import format_axi_error
        for error in scenario.bus_errors:          # both sides answer them (RunOptions.bus_errors)
            args += ["--axi-error", format_axi_error(error)]
        members = list(elfs)
        if options.get("vmm_actions"):
            actions = where / "vmm-actions.json"
            actions.write_text(json.dumps(options["vmm_actions"], indent=1))
            args += ["--vmm-actions", str(actions)]
            members.append(actions)
        job_name = f"scenario-{name}"
        argv = ["run", *(str(e) for e in elfs), *args]
        if sim != "reference":
            argv = ["cosim", "--sim", sim, "--out", str(out / "cosim" / job_name), *argv[1:]]
            if scenario.axi_backpressure:
                argv += ["--axi-backpressure", str(scenario.axi_backpressure)]
        jobs.append(Job(name=job_name, argv=argv, elf_digest=_digest(members),
                        expected_exit=SCENARIO_EXIT.get(scenario.expect.status, EXIT_PASS),
                        stdout_contains=[], covers=f"{scenario.digest_row}: {scenario.description}"))
    return jobs


# The child process: `hvcosim` (tb.cli.main) behind the imports it needs, timed, so that the
# time and instructions/s of a guest measure the run and not Python's start-up.  The time
# goes to stderr on a marker line that run_job removes again.
_TIMING_MARKER = "hvcosim-regress-run-seconds:"
_CHILD = f"""
import os, signal, sys, time
from tb import cli
import vmm_model.run, vmm_model.hart
fault = os.environ.get("{FAULT_ENV}", "")
if fault and fault.rsplit(":", 1)[0] == os.environ.get("HVCOSIM_REGRESS_JOB"):
    if fault.endswith(":crash"):
        os.kill(os.getpid(), signal.SIGSEGV)
    time.sleep(1e6)
start = time.perf_counter()
status = cli.main(sys.argv[1:])
sys.stdout.flush()
sys.stderr.write("\\n{_TIMING_MARKER} %.6f\\n" % (time.perf_counter() - start))
sys.exit(status)
"""


def _hvcosim_command() -> list[str]:
    """How to start `hvcosim` in a child process: the interpreter running us."""
    return [sys.executable, "-c", _CHILD]


def _split_timing(stderr: str) -> tuple[str, float | None]:
    """The child's stderr without the timing line, and the time it reported."""
    head, marker, tail = stderr.rpartition(_TIMING_MARKER)
    if not marker:
        return stderr, None
    try:
        seconds = float(tail.split()[0])
    except (IndexError, ValueError):
        return stderr, None
    return head[:-1] if head.endswith("\n") else head, seconds


def _judge(job: Job, exit_status: int, stdout: str) -> tuple[str, str]:
    if exit_status == EXIT_INTERNAL:
        return "error", "internal error (exit 4)"
    if exit_status != job.expected_exit:
        return "fail", f"exit status {exit_status}, expected {job.expected_exit}"
    for text in job.stdout_contains:
        if text not in stdout:
            return "fail", f"stdout lacks {text!r}"
    if job.expected_signature is not None:
        try:
            lines = Path(job.signature_file).read_text().split()
            words = [int(line, 16) for line in lines]
        except (OSError, ValueError) as exc:
            return "fail", f"signature file unreadable: {exc}"
        if words != job.expected_signature:
            first = next((i for i, (a, b) in enumerate(zip(words, job.expected_signature))
                          if a != b), min(len(words), len(job.expected_signature)))
            return "fail", (f"signature differs at word {first} ({len(words)} words, expected "
                            f"{len(job.expected_signature)})")
    return "pass", ""


def _instructions(stderr: str) -> int | None:
    match = _INSTRUCTIONS.search(stderr) or _BUDGET.search(stderr)
    return int(match.group(1)) if match else None


_RUNNING: set = set()          # child processes of the jobs running now (Ctrl-C kills them)
_INTERRUPTED = threading.Event()


def _kill_running() -> None:
    _INTERRUPTED.set()
    for proc in list(_RUNNING):
        _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_job(job: Job, out: Path, timeout: float, code_coverage: bool = False) -> Result:
    """Run one guest in its own process; the log and the result file are written here."""
    if job.signature_file:
        signature = Path(job.signature_file)
        signature.parent.mkdir(parents=True, exist_ok=True)
        signature.unlink(missing_ok=True)                   # never judge a stale signature
    stale = _coverage_dat(job)
    if stale is not None:
        stale.unlink(missing_ok=True)                      # only this run's coverage counts
    if job.reference_coverage:
        reference = Path(job.reference_coverage)
        reference.parent.mkdir(parents=True, exist_ok=True)
        reference.unlink(missing_ok=True)
    start = time.perf_counter()
    run_seconds = None
    env = {**os.environ, "HVCOSIM_REGRESS_JOB": job.name}
    if code_coverage:
        env[CODE_COVERAGE_ENV] = "1"
    # A session of its own: on a timeout the simulator and everything it started die together.
    proc = subprocess.Popen(job.command, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            errors="replace", env=env, start_new_session=True)
    _RUNNING.add(proc)
    try:
        stdout, raw_stderr = proc.communicate(timeout=timeout)
        exit_status = proc.returncode
        stderr, run_seconds = _split_timing(raw_stderr)
        if exit_status < 0:
            status, reason = "error", f"crashed (signal {-exit_status})"
        else:
            status, reason = _judge(job, exit_status, stdout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        stdout, stderr = (_text(s) for s in proc.communicate())
        exit_status = None
        status, reason = "error", f"no result after {timeout:.0f} s (--timeout): killed"
    finally:
        _RUNNING.discard(proc)
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt       # killed by Ctrl-C: no result, --resume runs it again
    wall_seconds = time.perf_counter() - start
    seconds = wall_seconds if run_seconds is None else run_seconds
    _write_atomic(out / "logs" / f"{job.name}.log",
                  f"$ {job.reproduce}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}")
    result = Result(name=job.name, status=status, reason=reason, command=job.reproduce,
                    elf_digest=job.elf_digest, exit_status=exit_status,
                    expected_exit=job.expected_exit, instructions=_instructions(stderr),
                    seconds=round(seconds, 4), wall_seconds=round(wall_seconds, 4),
                    stdout_tail=stdout[-OUTPUT_TAIL:],
                    stderr_tail=stderr[-OUTPUT_TAIL:], covers=job.covers)
    _collect_measurements(job, out, result)
    _write_atomic(out / "results" / f"{job.name}.json", json.dumps(asdict(result), indent=2))
    return result


def _cosim_dir(job: Job) -> Path | None:
    if job.argv[0] != "cosim":
        return None
    return Path(job.argv[job.argv.index("--out") + 1])


def _coverage_dat(job: Job) -> Path | None:
    if job.module:
        return Path(job.argv[job.argv.index("--out") + 1]) / "coverage.dat"
    cosim = _cosim_dir(job)
    return None if cosim is None else cosim / "sim" / "coverage.dat"


def _collect_measurements(job: Job, out: Path, result: Result) -> None:
    """Keep what the simulation measured (coverage, performance) beside the job's result,
    before the result is written: a resumed run finds them there."""
    cosim = _cosim_dir(job)
    measured = {}
    if cosim is not None:
        try:
            measured = json.loads((cosim / "result-0.json").read_text())
        except (OSError, ValueError):
            measured = {}
    result.perf = measured.get("perf")
    hits = measured.get("coverage")
    if job.reference_coverage:
        try:
            hits = json.loads(Path(job.reference_coverage).read_text())
        except (OSError, ValueError):
            hits = None
    if hits:
        from tb.coverage import ucis_db
        seeds = out / "coverage" / "seeds"
        _write_atomic(seeds / f"{job.name}.json", json.dumps(hits))
        ucis_db.write(seeds / f"{job.name}.ucisdb", hits, test_name=job.name)
        result.coverage_file = str(seeds / f"{job.name}.ucisdb")
    dat = _coverage_dat(job)
    if dat is not None and dat.exists():
        target = out / "coverage" / "code" / f"{job.name}.dat"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dat, target.with_suffix(".tmp"))
        os.replace(target.with_suffix(".tmp"), target)
        result.code_coverage_file = str(target)


def _text(data) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and a rename: readers (and --resume) never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as file:
            file.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_result(path: Path) -> Result | None:
    try:
        data = json.loads(path.read_text())
        if data.get("format") != RESULT_FORMAT:
            return None
        return Result(**data)
    except (OSError, ValueError, TypeError):
        return None


# --------------------------------------------------------------------------- reports

def _kind(name: str) -> str:
    """guests, seeds, scenarios or rtl_tests: the JUnit class of a job."""
    if name.startswith("gen-"):
        return "seeds"
    if name.startswith("scenario-"):
        return "scenarios"
    return "rtl_tests" if name == "rtl-unit-tests" else "guests"


def write_junit(path: Path, results: list[Result], sim: str) -> None:
    suite = ET.Element("testsuite", name=f"hvcosim.regress.{sim}", tests=str(len(results)),
                       failures=str(sum(r.status == "fail" for r in results)),
                       errors=str(sum(r.status == "error" for r in results)),
                       time=f"{sum(r.seconds for r in results):.3f}")
    for result in results:
        case = ET.SubElement(suite, "testcase", classname=f"{sim}.{_kind(result.name)}", name=result.name,
                             time=f"{result.seconds:.3f}")
        if result.status != "pass":
            tag = "failure" if result.status == "fail" else "error"
            element = ET.SubElement(case, tag, message=result.reason)
            element.text = (f"reproduce: {result.command}\n--- stdout ---\n{result.stdout_tail}"
                            f"\n--- stderr ---\n{result.stderr_tail}")
        if result.instructions is not None:
            props = ET.SubElement(case, "properties")
            ET.SubElement(props, "property", name="instructions", value=str(result.instructions))
    ET.indent(suite)
    _write_atomic(path, ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n")


def summarize(results: list[Result], wall_seconds: float, jobs: int = 1) -> dict:
    instructions = sum(r.instructions or 0 for r in results)
    cpu_seconds = sum(r.seconds for r in results)
    return {
        "kind": "reference",
        "jobs": jobs,
        "guests": len(results),
        "passed": sum(r.status == "pass" for r in results),
        "failed": sum(r.status == "fail" for r in results),
        "errors": sum(r.status == "error" for r in results),
        "instructions": instructions,
        "guest_seconds": round(cpu_seconds, 3),
        "wall_seconds": round(wall_seconds, 3),
        "instructions_per_second": round(instructions / cpu_seconds) if cpu_seconds else None,
        "results": [{"name": r.name, "status": r.status, "reason": r.reason,
                     "instructions": r.instructions, "seconds": r.seconds,
                     "instructions_per_second": (round(r.instructions_per_second)
                                                 if r.instructions_per_second else None),
                     "command": r.command, "perf": r.perf} for r in results],
        "failures": [{"name": r.name, "reason": r.reason, "reproduce": r.command}
                     for r in results if r.status != "pass"],
    }


def format_table(results: list[Result], summary: dict) -> str:
    """The table people read: one row per guest, the totals, and how to reproduce failures."""
    width = max([len("guest"), *(len(r.name) for r in results)])
    lines = [f"{'guest':<{width}}  {'status':<6}  {'instructions':>12}  {'time s':>7}  "
             f"{'instr/s':>9}"]
    for r in results:
        ips = r.instructions_per_second
        lines.append(f"{r.name:<{width}}  {r.status:<6}  "
                     f"{'-' if r.instructions is None else format(r.instructions, ','):>12}  "
                     f"{r.seconds:>7.2f}  {'-' if ips is None else format(round(ips), ','):>9}")
    ips = summary["instructions_per_second"]
    lines.append(f"{'total':<{width}}  {summary['passed']}/{summary['guests']:<4}"
                 f"{summary['instructions']:>12,}  {summary['guest_seconds']:>7.2f}  "
                 f"{'-' if ips is None else format(ips, ','):>9}")
    lines.append(f"{summary['guests']} guests: {summary['passed']} passed, {summary['failed']} "
                 f"failed, {summary['errors']} errors; {summary['wall_seconds']:.1f} s wall "
                 f"with {summary['jobs']} jobs (time per guest: the run, without start-up)")
    for failure in summary["failures"]:
        lines.append(f"FAILED {failure['name']}: {failure['reason']}")
        lines.append(f"  reproduce: {failure['reproduce']}")
    return "\n".join(lines)


def format_coverage_line(summary: dict) -> str:
    func = summary.get("functional_coverage") or {}
    code = summary.get("code_coverage") or {}
    parts = []
    if func:
        parts.append(f"functional coverage {func['percent']:.1f}% ({func['hit']}/{func['goal']} bins)")
    if code:
        parts.append(f"RTL line {code['line_percent']:.1f}%, toggle {code['toggle_percent']:.1f}%")
    return "coverage: " + ("; ".join(parts) if parts else "not measured")


class Progress:
    """A progress bar on a terminal; one plain line per finished job otherwise (logs, CI)."""

    def __init__(self, total: int, stream=None):
        self.total, self.count, self.failed = total, 0, 0
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.start = time.perf_counter()

    def done(self, result: Result) -> None:
        self.count += 1
        self.failed += result.status != "pass"
        instr = "-" if result.instructions is None else f"{result.instructions:,}"
        line = (f"[{self.count:>3}/{self.total}] {result.status:<5} {result.name} "
                f"({instr} instructions, {result.seconds:.2f} s)"
                + (f": {result.reason}" if result.reason else ""))
        if not self.tty:
            print(line, file=self.stream, flush=True)
            return
        if result.status != "pass":               # failures stay on screen above the bar
            print("\r\033[K" + line, file=self.stream)
        width = 30
        filled = width * self.count // max(self.total, 1)
        elapsed = time.perf_counter() - self.start
        eta = elapsed / self.count * (self.total - self.count)
        print(f"\r\033[K[{'#' * filled}{'.' * (width - filled)}] {self.count}/{self.total} "
              f"{self.failed} failed  {elapsed:.0f} s elapsed, ~{eta:.0f} s left  {result.name}",
              end="", file=self.stream, flush=True)

    def close(self) -> None:
        if self.tty and self.total:
            print(file=self.stream)


# ------------------------------------------------------------------------------ main

def _select(specs, patterns: str):
    wanted = [p.strip() for p in patterns.split(",") if p.strip()]
    return [s for s in specs
            if s.standalone and any(fnmatch.fnmatchcase(s.name, p) for p in wanted)]


def _guest_build_module():
    """tests/guests/build.py, loaded from the source tree (tests/ is not an installed package)."""
    import importlib.util
    path = Path(__file__).resolve().parent.parent / "tests" / "guests" / "build.py"
    spec = importlib.util.spec_from_file_location("hvcosim_guest_build", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def main(args: argparse.Namespace) -> int:
    guest_build = _guest_build_module()
    GuestSpecError, ToolchainError = guest_build.GuestSpecError, guest_build.ToolchainError
    build_all, discover = guest_build.build_all, guest_build.discover

    if args.jobs < 1:
        print(f"hvcosim regress: error: --jobs must be at least 1, got {args.jobs}",
              file=sys.stderr)
        return EXIT_USAGE
    if args.rerun_failed and not args.resume:
        print("hvcosim regress: error: --rerun-failed only makes sense with --resume",
              file=sys.stderr)
        return EXIT_USAGE
    if args.seeds < 0:
        print(f"hvcosim regress: error: --seeds must be 0 or more, got {args.seeds}", file=sys.stderr)
        return EXIT_USAGE
    if args.rtl_tests and args.sim == "reference":
        print("hvcosim regress: error: --rtl-tests needs a simulator (--sim verilator or icarus)",
              file=sys.stderr)
        return EXIT_USAGE
    if args.code_coverage and args.sim != "verilator":
        print("hvcosim regress: error: --code-coverage needs --sim verilator", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out)
    try:
        specs = discover()
        selected = _select(specs, args.guests)
        if not selected and not args.seeds and not args.rtl_tests and not args.scenarios:
            print(f"hvcosim regress: error: no guest matches {args.guests!r}", file=sys.stderr)
            return EXIT_USAGE
        needed = {s.name for s in selected} | {c for s in selected for c in s.companions}
        elfs = {}
        if needed:
            print(f"building {len(needed)} guests into {out / 'elf'} ...", flush=True)
            elfs = build_all(out / "elf", [s for s in specs if s.name in needed])
    except (ToolchainError, GuestSpecError, OSError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"hvcosim regress: error: the guest suite does not build: {first_line}",
              file=sys.stderr)
        return EXIT_INTERNAL

    jobs = guest_jobs(selected, elfs, out, args.sim)
    jobs += seed_jobs(args.seeds, args.seed_base, out, args.sim)
    if args.rtl_tests:
        jobs += rtl_test_jobs(out, args.sim)
    if args.scenarios:
        jobs += scenario_jobs(out, args.sim, args.scenarios)
    for job in jobs:                   # the reference alone measures functional coverage too
        if job.argv[0] == "run":
            job.reference_coverage = str(out / "reference" / f"{job.name}.coverage.json")
    results: dict[str, Result] = {}
    results_dir = out / "results"
    if args.resume:
        for job in jobs:
            old = load_result(results_dir / f"{job.name}.json")
            if (old and old.command == job.reproduce and old.elf_digest == job.elf_digest
                    and not (args.rerun_failed and old.status != "pass")):
                results[job.name] = old
        if results:
            print(f"resuming: {len(results)} results kept, {len(jobs) - len(results)} to run")
    elif results_dir.exists():
        for stale in results_dir.glob("*.json"):      # results of an earlier run must not mix in
            stale.unlink()

    todo = [job for job in jobs if job.name not in results]
    start = time.perf_counter()
    progress = Progress(len(todo))
    pool = ThreadPoolExecutor(max_workers=args.jobs)
    try:
        futures = {pool.submit(run_job, job, out, args.timeout, args.code_coverage): job
                   for job in todo}
        for future in as_completed(futures):
            result = future.result()
            results[result.name] = result
            progress.done(result)
        progress.close()
    except KeyboardInterrupt:
        # Queued jobs never start; running ones die with their process groups (no result).
        pool.shutdown(wait=False, cancel_futures=True)
        _kill_running()
        print("\nhvcosim regress: interrupted; finished results are kept (rerun with --resume)",
              file=sys.stderr)
        return 130
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    wall = time.perf_counter() - start

    ordered = [results[job.name] for job in jobs]
    summary = summarize(ordered, wall, args.jobs)
    summary["out"] = str(out)
    summary["sim"] = args.sim
    summary["seeds"] = args.seeds
    summary["kept"] = len(jobs) - len(todo)         # results resumed from an earlier run
    from tb.reports import coverage_outputs, write_reports
    summary.update(coverage_outputs(out, ordered, code_coverage=args.code_coverage))
    write_junit(out / "junit.xml", ordered, args.sim)
    _write_atomic(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    pages = write_reports(out, summary, ordered)
    print()
    print(format_table(ordered, summary))
    print(format_coverage_line(summary))
    print(f"reports: {pages['index']} (coverage {pages['coverage']}, performance {pages['perf']}); "
          f"{out / 'summary.json'}, {out / 'junit.xml'}, logs in {out / 'logs'}")
    return EXIT_PASS if summary["passed"] == summary["guests"] else EXIT_FAIL
