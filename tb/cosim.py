"""Co-simulation: the VMM runs guests on the RTL, the reference checks every retirement.

Host side (plain Python): :func:`run_cosim` builds the unit once for a simulator
(``tb.sim.runner``) and runs this module's cocotb test on it with a list of
*jobs* (one job = the guests of one ``hvcosim run``, with its options), all in one
simulator process; each job writes its own result JSON.  :func:`add_arguments`
and :func:`main` are ``hvcosim cosim``.

Simulator side: :func:`cosim_jobs` (a cocotb test) builds, per job, the VMs
exactly as ``vmm_model.run.run_guests`` does (``setup_guests``), an ``RtlUnit``
serving the VMM's host memory on ``m_axi``, a ``LockstepUnit`` around it
(tb/scoreboard.py), and runs the VMM (``run_vmm``).  Result status: ``pass``,
``fail``, ``timeout``, ``error`` (as ``hvcosim run``) or ``mismatch`` (the RTL
diverged from the reference, broke isolation, or left host memory different).
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

JOBS_ENV = "HVCOSIM_COSIM_JOBS"
UVM_TEST_ENV = "HVCOSIM_UVM_TEST"            # the pyuvm test to run (like +UVM_TESTNAME)
UVM_TESTS = ("CosimTest", "CosimStressBusTest", "CosimFaultTest")   # tb/uvm_env.py TESTS
EXIT_STATUS = {"pass": 0, "fail": 1, "mismatch": 1, "timeout": 3, "error": 4}
OPTION_NAMES = ("vcpus", "mem", "mem_budget", "seed", "quantum", "contexts", "max_instructions",
                "signature_path", "vmm_actions", "bus_errors")


# ------------------------------------------------------------------------------ simulator side
try:
    import cocotb
except ImportError:  # pragma: no cover
    cocotb = None


async def run_job(dut, job: dict, rtl=None, monitor=None, env=None):
    """One job inside the simulator; returns (result dictionary, the RtlUnit to reuse).
    ``monitor``: the RVFI monitor to use (the pyuvm env's agent); by default one of its own.
    ``env``: the pyuvm env's ports (``tb.uvm_env.EnvPorts``: register port, memory agent)."""
    from tb.agents.axi_mem import AxiMemSettings, configure_responder
    from tb.rtl_unit import RtlUnit
    from tb.scoreboard import LockstepUnit, Mismatch
    from vmm_model.run import RunOptions, finish_signature, run_vmm, setup_guests

    output: dict[int, bytearray] = {}

    def console(vm_index: int, data: bytes) -> None:
        output.setdefault(vm_index, bytearray()).extend(data)

    options = RunOptions(console=console, **{k: v for k, v in job.get("options", {}).items()
                                             if k in OPTION_NAMES})
    t0 = time.monotonic()
    setup = setup_guests(job["elfs"], options)
    axi = AxiMemSettings.from_job(job, env.axi_mem.defaults if env is not None else None, setup.vms)
    if setup.memory.bus_errors is not None:     # RunOptions.bus_errors (as hvcosim run): the responder's too
        axi.errors = [*axi.errors, *setup.memory.bus_errors.ranges]
    fast = job.get("memory", "bfm") == "fast"
    if fast:     # SV memory, trace ring and isolation guard of tb/hdl (docs/performance.md)
        from tb.fast.unit import fast_unit
        rtl, monitor = fast_unit(dut, setup, rtl, monitor)
    elif rtl is None:
        harness = env.harness if env is not None else None
        ram = env.axi_mem.responder(dut, harness.clk, harness.rst_n, setup.memory) if env is not None else None
        rtl = RtlUnit(dut, setup.memory, harness=harness, ram=ram)
    else:
        rtl.serve(setup.memory)
    await rtl.start(options.contexts)
    # Before the reference's snapshot of host memory: both sides see the same bus errors.
    responder = getattr(rtl, "ram", None)
    if responder is not None:
        configure_responder(responder, axi, setup.memory, options.seed)
    elif axi.errors or axi.error_rate:
        raise ValueError("AXI error injection needs the m_axi responder of the BFM memory mode")
    lockstep = LockstepUnit(rtl, setup.memory, setup.vms, monitor=monitor)
    lockstep.sb.continue_on_mismatch = bool(job.get("continue"))      # continue-and-count
    lockstep.sb.max_mismatches = int(job.get("max_mismatches", lockstep.sb.max_mismatches))
    from tb.coverage.job_probe import JobProbe      # functional coverage + performance numbers
    probe = JobProbe(lockstep, job, axi_monitor=env.axi_mem.monitor if env is not None and not fast else None)
    result = await run_vmm(lockstep, setup.vms, options)
    lockstep.monitor.stop()
    # Fast mode: the pages the bus wrote in the SV array must equal the master copy.
    readback = await rtl.readback_differences() if fast and lockstep.sb.failure is None else []
    measured = await probe.finish(result)
    out = {"name": job.get("name", ""), "status": result.status, "message": result.message,
           "instructions": result.instructions, "checked": lockstep.sb.checked,
           "exits_checked": lockstep.sb.exits_checked,
           "trace_hash": lockstep.sb.trace_hash.hexdigest(), "m_axi_accesses": lockstep.isolation.accesses,
           "output": {str(k): bytes(v).decode("latin-1") for k, v in output.items()},
           "vms": [{"index": v.index, "status": v.status, "reason": v.reason} for v in result.vms],
           "details": result.details,
           "exits": [{"ctx": e.ctx, "scause": e.scause, "sepc": e.sepc, "stval": e.stval, "htval": e.htval,
                      "htinst": e.htinst, "gva": e.gva} for e in rtl.exits],
           "axi": {"latency": list(axi.latency), "backpressure": axi.backpressure,
                   "error_ranges": len(axi.errors), "error_rate": axi.error_rate,
                   "error_responses": dict(getattr(responder, "errors_answered", {}))}}
    out.update(measured)
    failure = lockstep.sb.failure
    if failure is not None:
        out.update(status="mismatch", message=f"{failure.kind}: {str(failure).splitlines()[0]}",
                   report=str(failure), mismatch={"kind": failure.kind, **failure.data},
                   mismatch_count=lockstep.sb.mismatches, mismatch_kinds=dict(lockstep.sb.mismatch_kinds))
    elif readback:
        out.update(status="mismatch", message=f"the harness memory differs from the trace's stores at "
                   f"{len(readback)}+ addresses, first {readback[0]:#010x}",
                   report="harness memory differs at " + " ".join(f"{a:#x}" for a in readback),
                   mismatch={"kind": "memory", "field": "memory", "pc": None, "addresses": readback})
    elif result.status != "error":
        diff = lockstep.memory_differences()
        if diff:
            out.update(status="mismatch", message=f"host memory differs from the reference's at "
                       f"{len(diff)}+ addresses, first {diff[0]:#010x}",
                       report="host memory differs at " + " ".join(f"{a:#x}" for a in diff),
                       mismatch={"kind": "memory", "field": "memory", "pc": None, "addresses": diff})
        else:
            finish_signature(setup, options, result)
            out["signature"] = result.signature
    out["seconds"] = round(time.monotonic() - t0, 3)
    out["memory_mirrored_writes"] = lockstep.mirrored
    if fast:
        out["fast_mode"] = rtl.fast_stats()
    if env is not None:
        out["agents"] = env.stats()
    out["exit_status"] = EXIT_STATUS[out["status"]]
    lockstep.close()
    return out, rtl


async def run_all_jobs(dut, monitor=None, jobs_file=None, env=None) -> None:
    """Every job of ``jobs_file`` (default ``$HVCOSIM_COSIM_JOBS``, a JSON file), one after the
    other; each writes its result."""
    from vmm_model.vmm.errors import GuestInputError
    spec = json.loads(Path(jobs_file or os.environ[JOBS_ENV]).read_text())
    rtl = None
    for job in spec["jobs"]:
        try:
            res, rtl = await run_job(dut, job, rtl, monitor, env)
        except GuestInputError as exc:
            res = {"name": job.get("name", ""), "status": "usage", "message": str(exc), "exit_status": 2}
        except Exception as exc:     # an internal error of this job: report it, go on
            res = {"name": job.get("name", ""), "status": "error", "exit_status": 4,
                   "message": f"{type(exc).__name__}: {exc}", "details": traceback.format_exc()}
        Path(job["result"]).write_text(json.dumps(res, indent=1))


if cocotb is not None and os.environ.get(JOBS_ENV):
    # Inside the simulator: the pyuvm test (tb/uvm_env.py) named by $HVCOSIM_UVM_TEST
    # (default CosimTest) is this module's only test.
    import pyuvm

    from tb.uvm_env import TESTS, UVM_TEST_ENV
    pyuvm.test()(TESTS[os.environ.get(UVM_TEST_ENV) or "CosimTest"])


# ------------------------------------------------------------------------------ host side
def run_cosim(jobs: list[dict], sim: str = "verilator", work_dir: Path | str = "out/cosim",
              waves: bool = False, seed: int | None = None, sources: list[Path] | None = None,
              parameters: dict | None = None, uvm_test: str | None = None) -> list[dict]:
    """Run ``jobs`` (dicts: name, elfs, options, axi) in one simulation; return one result per job.

    ``uvm_test``: the pyuvm test class (tb/uvm_env.py ``TESTS``; default ``CosimTest``).

    A job whose result is missing (the simulator died) comes back as status ``error``.
    """
    from tb.sim import runner
    work_dir = Path(work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    modes = {job.get("memory", "bfm") for job in jobs}
    if len(modes) > 1:
        raise ValueError("the jobs of one run_cosim call share one memory mode (one simulator top)")
    fast = modes == {"fast"}
    if fast:     # the harness top around the unit, its own cocotb entry (tb/fast)
        from tb.fast import harness
        b = harness.build(sim, jobs, waves=waves, sources=sources, parameters=parameters)
    else:
        b = runner.build(sim, waves=waves, sources=sources, parameters=parameters)
    spec = {"jobs": []}
    for i, job in enumerate(jobs):
        job = dict(job)
        job["elfs"] = [str(Path(e).resolve()) for e in job["elfs"]]
        job["result"] = str(work_dir / f"result-{i}.json")
        Path(job["result"]).unlink(missing_ok=True)
        spec["jobs"].append(job)
    jobs_file = work_dir / "jobs.json"
    jobs_file.write_text(json.dumps(spec, indent=1))
    log = work_dir / "sim.log"
    extra_env = {JOBS_ENV: str(jobs_file)}
    if uvm_test:
        if uvm_test not in UVM_TESTS:
            raise ValueError(f"unknown uvm test {uvm_test!r} (known: {', '.join(UVM_TESTS)})")
        extra_env[UVM_TEST_ENV] = uvm_test
    runner.run(b, "tb.fast.entry" if fast else "tb.cosim", test_dir=work_dir / "sim", seed=seed, extra_env=extra_env, log_file=log)
    results = []
    for job in spec["jobs"]:
        path = Path(job["result"])
        if path.exists():
            results.append(json.loads(path.read_text()))
        else:
            tail = log.read_text()[-3000:] if log.exists() else ""
            results.append({"name": job.get("name", ""), "status": "error", "exit_status": 4,
                            "message": f"no result: the simulator ended before this job finished (log {log})",
                            "details": tail})
    from tb.mismatch_report import write_report      # mismatch.json/.txt/.html (docs/cosim.md)
    for i, (job, res) in enumerate(zip(spec["jobs"], results)):
        if res.get("status") == "mismatch":
            where = work_dir if len(jobs) == 1 else work_dir / f"job-{i}"
            res["mismatch_report"] = write_report(where, res, job, sim, waves, work_dir, sources)
    return results


def stdout_text(result: dict, num_vms: int) -> str:
    """Guest output as ``hvcosim run`` prints it (several VMs: whole lines tagged ``[vmN] ``)."""
    output = result.get("output", {})
    if num_vms == 1:
        return output.get("0", "")
    lines = []
    for k in sorted(output, key=int):
        for line in output[k].split("\n"):
            if line:
                lines.append(f"[vm{k}] {line}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ hvcosim cosim
def add_arguments(parser) -> None:
    from tb.cli import parse_count, parse_size
    from vmm_model.run import DEFAULT_MAX_INSTRUCTIONS
    from vmm_model.vmm.vmm import DEFAULT_QUANTUM
    parser.add_argument("guests", metavar="GUEST.elf", nargs="+", help="guest executable; each one is a VM")
    parser.add_argument("--sim", choices=("verilator", "icarus"), default="verilator",
                        help="simulator (default verilator)")
    parser.add_argument("--seed", type=parse_count, default=0, metavar="S",
                        help="seed of the host-page scatter and of the simulation (default 0)")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="run directory: results, simulator log, mismatch.json + mismatch.txt on a mismatch "
                             "(default out/cosim-<time>)")
    parser.add_argument("--waves", action="store_true", help="record waves (VCD on Verilator, FST on Icarus)")
    parser.add_argument("--memory", choices=("bfm", "fast"), default="bfm",
                        help="m_axi memory: bfm = the Python AXI responder (latency, back-pressure, errors; "
                             "default), fast = the SV harness memory, trace drained in batches (docs/performance.md)")
    parser.add_argument("--continue", dest="continue_run", action="store_true",
                        help="after a mismatch, re-synchronise the reference to the RTL and go on counting "
                             "(exit status stays 1)")
    parser.add_argument("--max-mismatches", type=parse_count, default=100, metavar="N",
                        help="with --continue: stop after N mismatches (default 100)")
    parser.add_argument("--axi-backpressure", type=float, default=0.0, metavar="P",
                        help="probability of a stall on each m_axi channel in each cycle, 0..0.95 "
                             "(seeded by --seed; default 0)")
    parser.add_argument("--axi-latency", default=None, metavar="N|MIN:MAX",
                        help="m_axi response latency in cycles: fixed N, or drawn per response from "
                             "MIN..MAX (seeded by --seed; default 0)")
    parser.add_argument("--axi-error", action="append", default=[], metavar="RANGE:slverr|decerr[:read|write]",
                        help="answer accesses to RANGE with an error response (repeatable); RANGE is "
                             "LO-HI (host-physical, HI exclusive), gpa:ADDR (the word at guest-physical ADDR "
                             "of VM 0), gpte:ADDR (the G-stage PTE mapping ADDR of VM 0) or "
                             "groot:ADDR (its G-stage root PTE)")
    parser.add_argument("--axi-error-rate", type=float, default=0.0, metavar="P",
                        help="fraction of host pages answering every access with SLVERR/DECERR, chosen "
                             "by a hash of --seed and the page (the reference predicts them; default 0)")
    parser.add_argument("--uvm-test", choices=UVM_TESTS, default="CosimTest",
                        help="pyuvm test: CosimTest (default), CosimStressBusTest (latency 1..8, "
                             "back-pressure 0.3 unless given), CosimFaultTest (error rate 0.02 unless given)")
    parser.add_argument("--vcpus", type=parse_count, default=1, metavar="N", help="vCPUs per VM (default 1)")
    parser.add_argument("--mem", type=parse_size, default=16 << 20, metavar="SIZE",
                        help="guest RAM per VM (default 16M)")
    parser.add_argument("--mem-budget", type=parse_size, default=None, metavar="SIZE",
                        help="host memory each VM may hold; beyond it pages are swapped")
    parser.add_argument("--quantum", type=parse_count, default=DEFAULT_QUANTUM, metavar="N",
                        help=f"retirements before a vCPU is preempted (default {DEFAULT_QUANTUM})")
    parser.add_argument("--contexts", type=parse_count, default=2, metavar="N",
                        help="hardware contexts used (at most the RTL's NUM_VCPUS = 2; default 2)")
    parser.add_argument("--max-instructions", type=parse_count, default=DEFAULT_MAX_INSTRUCTIONS, metavar="N",
                        help="retirements before the run stops with status 3")
    parser.add_argument("--signature", metavar="FILE", help="write the first guest's signature words")
    parser.add_argument("--vmm-actions", metavar="FILE",
                        help="scripted VMM actions, a JSON list (as hvcosim run; docs/scenarios.md)")


def _axi_settings(args, prog: str, usage_error) -> dict:
    """``--axi-latency/--axi-error/--axi-error-rate`` as a job's ``"axi"`` dictionary (bad: exit 2)."""
    from tb.agents.axi_mem import parse_axi_error
    axi: dict = {}
    if args.axi_latency is not None:
        text = args.axi_latency
        try:
            lo, _, hi = text.partition(":")
            latency = [int(lo, 0), int(hi or lo, 0)]
        except ValueError:
            raise usage_error(f"{prog} cosim: error: --axi-latency {text!r}: want N or MIN:MAX") from None
        if not 0 <= latency[0] <= latency[1] <= 1000:
            raise usage_error(f"{prog} cosim: error: --axi-latency {text!r}: want 0 <= MIN <= MAX <= 1000")
        axi["latency"] = latency
    if args.axi_error:
        try:
            axi["errors"] = [parse_axi_error(text) for text in args.axi_error]
        except ValueError as exc:
            raise usage_error(f"{prog} cosim: error: --axi-error {exc}") from None
    if args.axi_error_rate:
        if not 0.0 <= args.axi_error_rate <= 1.0:
            raise usage_error(f"{prog} cosim: error: --axi-error-rate must be 0..1, got {args.axi_error_rate}")
        axi["error_rate"] = args.axi_error_rate
    return axi


def _axi_argv(args) -> list[str]:
    """The AXI-memory and test options of this command line, for the reproduce command."""
    argv = []
    if getattr(args, "axi_latency", None) is not None:
        argv += ["--axi-latency", args.axi_latency]
    for text in getattr(args, "axi_error", None) or []:
        argv += ["--axi-error", text]
    if getattr(args, "axi_error_rate", 0.0):
        argv += ["--axi-error-rate", str(args.axi_error_rate)]
    if getattr(args, "uvm_test", "CosimTest") != "CosimTest":
        argv += ["--uvm-test", args.uvm_test]
    return argv


def _reproduce_command(job: dict, args) -> str:
    """The command line that reproduces this run (with ``$HVCOSIM_RTL_DIR`` when it is set)."""
    from tb.mismatch_report import reproduce_command
    from tb.sim.tools import RTL_DIR_ENV, rtl_sources
    extra = ["--vmm-actions", str(Path(args.vmm_actions).resolve())] if getattr(args, "vmm_actions", None) else []
    extra += _axi_argv(args)
    return reproduce_command({k: v for k, v in job.items() if k != "command"}, args.sim, args.waves,
                             rtl_sources() if os.environ.get(RTL_DIR_ENV) else None, extra)


def main(args) -> int:
    from tb.cli import PROG, UsageError
    from vmm_model.run import RunOptions, setup_guests
    from vmm_model.vmm.errors import GuestInputError
    for g in args.guests:
        if not Path(g).is_file():
            raise UsageError(f"{PROG} cosim: error: {g}: no such file")
    if not 0.0 <= args.axi_backpressure <= 0.95:
        raise UsageError(f"{PROG} cosim: error: --axi-backpressure must be 0..0.95, got {args.axi_backpressure}")
    if args.memory == "fast" and args.axi_backpressure:
        raise UsageError(f"{PROG} cosim: error: --axi-backpressure needs --memory bfm (no bus randomization in fast mode)")
    axi = _axi_settings(args, PROG, UsageError)
    if args.memory == "fast" and axi:
        raise UsageError(f"{PROG} cosim: error: --axi-latency/--axi-error/--axi-error-rate need --memory bfm "
                         f"(the fast mode's memory is not the AXI memory agent)")
    if args.contexts > 2:
        raise UsageError(f"{PROG} cosim: error: --contexts must be 1..2 (the RTL's NUM_VCPUS), got {args.contexts}")
    options = {"vcpus": args.vcpus, "mem": args.mem, "mem_budget": args.mem_budget, "seed": args.seed,
               "quantum": args.quantum, "contexts": args.contexts, "max_instructions": args.max_instructions}
    if args.signature:
        options["signature_path"] = str(Path(args.signature).resolve())
    if args.vmm_actions:
        from vmm_model.vmm.actions import load_actions
        try:
            options["vmm_actions"] = load_actions(args.vmm_actions)
        except GuestInputError as exc:
            raise UsageError(f"{PROG} cosim: error: --vmm-actions {exc}") from None
    try:
        setup = setup_guests(args.guests, RunOptions(**options))   # bad ELF, bad options: status 2 before simulating
    except GuestInputError as exc:
        raise UsageError(f"{PROG} cosim: error: {exc}") from None
    from tb.agents.axi_mem import resolve_error
    for entry in axi.get("errors", []):
        try:
            resolve_error(entry, setup.vms)        # a guest-physical target must be VM 0's RAM
        except ValueError as exc:
            raise UsageError(f"{PROG} cosim: error: --axi-error {exc}") from None
    out = Path(args.out or f"out/cosim-{time.strftime('%Y%m%d-%H%M%S')}")
    print(f"{PROG} cosim: building and running on {args.sim} (run directory {out})", file=sys.stderr)
    try:
        job = {"name": Path(args.guests[0]).stem, "elfs": args.guests, "options": options,
               "backpressure": args.axi_backpressure, "continue": args.continue_run,
               "max_mismatches": args.max_mismatches}
        if args.memory == "fast":
            job["memory"] = "fast"
        if axi:
            job["axi"] = axi
        job["command"] = _reproduce_command(job, args)
        [res] = run_cosim([job],
                          sim=args.sim, work_dir=out, waves=args.waves, seed=args.seed, uvm_test=args.uvm_test)
    except Exception as exc:
        print(f"{PROG} cosim: simulator error: {exc}", file=sys.stderr)
        return 4
    sys.stdout.write(stdout_text(res, len(args.guests)))
    sys.stdout.flush()
    if args.waves:
        waves = sorted(str(p) for ext in ("*.fst", "*.vcd") for p in out.rglob(ext))
        print(f"{PROG} cosim: waves: {', '.join(waves) or 'none written'}", file=sys.stderr)
    status = res["status"]
    summary = f"{res.get('checked', 0)} retirements and {res.get('exits_checked', 0)} exits checked"
    if status == "usage":
        raise UsageError(f"{PROG} cosim: error: {res['message']}")
    if status == "mismatch":
        print(res["report"], file=sys.stderr)
        counted = f"{res.get('mismatch_count', 1)} mismatches counted, " if args.continue_run else ""
        print(f"{PROG}: MISMATCH: {res['message']} ({counted}{summary}; report in {out / 'mismatch.txt'}, "
              f"{out / 'mismatch.html'}, {out / 'mismatch.json'})", file=sys.stderr)
    elif status == "pass":
        print(f"{PROG}: pass: {res['message']} ({summary})", file=sys.stderr)
    elif status == "fail":
        print(f"{PROG}: FAIL: {res['message']} ({summary})", file=sys.stderr)
    elif status == "timeout":
        print(f"{PROG}: timeout: {res['message']} ({summary})", file=sys.stderr)
    else:
        print(f"{PROG}: internal error: {res['message']} (log in {out / 'sim.log'})\n{res.get('details', '')[-2000:]}",
              file=sys.stderr)
    return res["exit_status"]
