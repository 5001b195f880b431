"""``hvcosim bench``: the performance figures of the co-simulation, measured side by side in one run.

For one guest (by default a built-in loop, ``bench_loop.elf``, written here with the
project's encoder: 11 instructions per iteration, ALU + MUL + one load and one
store, ending with SBI shutdown) it measures retired instructions per second of:

(a) ``software``: the reference vCPU alone (the VMM on ``SoftwareUnit``, as ``hvcosim run``);
(b) ``rtl``: the VMM driving the RTL on Verilator, nothing checked (no scoreboard, no
    shadow reference, no isolation checker, no coverage);
(c) ``cosim``: the full co-simulation (``tb.cosim.run_job``: lockstep scoreboard,
    isolation checker, coverage probe);

(b) and (c) in both memory modes: ``fast`` (``tb/hdl`` harness: SV memory, trace ring
drained in batches, SV isolation guard) and ``bfm`` (the cocotbext-axi responder
serving host memory in Python, per-cycle RVFI monitor).  Each mode is one simulator
process on one build, running (b) then (c).  The time of a figure is the wall time
of the job (set-up of the VMs, the unit's reset and the run; the checks at the end
for (c)); the build is excluded and reported apart.  Each mode runs its own
instruction count (the BFM mode is about 100x slower), on the same loop: rates are
per second of steady state, both per wall-clock second (``rate``) and per second of
the process's CPU time (``cpu_rate``: on a shared, loaded machine the wall-clock rate moves
with the load, the CPU rate much less).  Output: a table on stdout, ``bench.json`` in ``--out``.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

BENCH_ENV = "HVCOSIM_BENCH_JOBS"
MODES = ("fast", "bfm")
TARGETS = {"fast_cosim_per_s": 100_000, "fast_c_over_min_ab": 0.5, "bfm_cosim_per_s": 10_000,
           "software_per_s": 1_000_000}
# Retirements per figure (full run, --quick).
INSTRUCTIONS = {"software": (1_000_000, 50_000), "fast": (200_000, 5_000), "bfm": (20_000, 1_000)}
LOOP_LENGTH = 11


# ------------------------------------------------------------------------------ the guest
def loop_guest(path: Path, instructions: int) -> Path:
    """Write the bench loop for about ``instructions`` retirements; return ``path``."""
    from vmm_model.elf import PF_R, PF_W, PF_X, Segment, write_elf
    from vmm_model.hart.bench import DATA, RAM, loop_program
    from vmm_model.isa.encode import encode
    from vmm_model.vmm.sbi import EXT_SRST
    iterations = max(1, instructions // LOOP_LENGTH)
    words = loop_program(iterations)[:-1]            # without its final ecall
    upper = (EXT_SRST + 0x800) & ~0xFFF
    words += [encode("lui", rd=17, imm=upper - (1 << 32) if upper >= 1 << 31 else upper),   # a7 = SRST
              encode("addi", rd=17, rs1=17, imm=EXT_SRST - upper),
              encode("addi", rd=16, rs1=0, imm=0),                     # a6 = system_reset
              encode("addi", rd=10, rs1=0, imm=0),                     # a0 = shutdown
              encode("addi", rd=11, rs1=0, imm=0),                     # a1 = no reason
              encode("ecall")]
    code = b"".join(w.to_bytes(4, "little") for w in words)
    write_elf(path, RAM, [Segment(RAM, RAM, code, len(code), PF_R | PF_X),
                          Segment(DATA, DATA, bytes(16), 16, PF_R | PF_W)])
    return path


# ------------------------------------------------------------------------------ simulator side
try:
    import cocotb
except ImportError:  # pragma: no cover
    cocotb = None


async def run_unchecked(dut, job: dict, rtl=None):
    """(b): the VMM on the RTL alone; returns (result, the unit to reuse)."""
    from cocotb.utils import get_sim_time

    from tb.cosim import OPTION_NAMES
    from tb.sim.unit_tb import CLK_PERIOD_NS
    from vmm_model.run import RunOptions, run_vmm, setup_guests
    options = RunOptions(console=lambda vm, data: None,
                         **{k: v for k, v in job.get("options", {}).items() if k in OPTION_NAMES})
    t0, cpu0 = time.monotonic(), time.process_time()
    setup = setup_guests(job["elfs"], options)
    if job["memory"] == "fast":
        from tb.fast.unit import FastRtlUnit
        if rtl is None:
            rtl = FastRtlUnit(dut, setup.memory, setup.vms)
        else:
            rtl.serve(setup.memory, setup.vms)
    else:
        from tb.rtl_unit import RtlUnit
        if rtl is None:
            rtl = RtlUnit(dut, setup.memory)
        else:
            rtl.serve(setup.memory)
    await rtl.start(options.contexts)
    ns0 = get_sim_time("ns")
    result = await run_vmm(rtl, setup.vms, options)
    return {"name": job["name"], "status": result.status, "message": result.message,
            "instructions": result.instructions, "seconds": time.monotonic() - t0,
            "cpu_seconds": time.process_time() - cpu0,
            "cycles": int(get_sim_time("ns") - ns0) // CLK_PERIOD_NS}, rtl


async def run_bench_jobs(dut) -> None:
    from tb.cosim import run_job
    # Imported before any figure's clock starts: a first import (cocotbext-axi: 0.4 s, with
    # cocotb's assertion rewriting) is simulator start-up, like the build, not job time.
    import cocotbext.axi  # noqa: F401
    import tb.fast.unit  # noqa: F401
    spec = json.loads(Path(os.environ[BENCH_ENV]).read_text())
    unchecked = checked = None
    for job in spec["jobs"]:
        if job["kind"] == "rtl":
            res, unchecked = await run_unchecked(dut, job, unchecked)
        else:
            t0, cpu0 = time.monotonic(), time.process_time()
            res, checked = await run_job(dut, job, checked)
            res = {k: res.get(k) for k in ("name", "status", "message", "instructions", "checked",
                                           "exits_checked", "trace_hash")}
            res["seconds"] = time.monotonic() - t0
            res["cpu_seconds"] = time.process_time() - cpu0
        Path(job["result"]).write_text(json.dumps(res))


if cocotb is not None and os.environ.get(BENCH_ENV):
    @cocotb.test()
    async def bench_jobs(dut):
        from tb.fast.entry import run_profiled      # cProfile of the simulator's Python side
        await run_profiled(run_bench_jobs, dut)


# ------------------------------------------------------------------------------ host side
def run_software(elf: Path, instructions: int) -> dict:
    """(a): the VMM on the reference alone (no trace, as ``hvcosim run``)."""
    from vmm_model.hart import SoftwareUnit
    from vmm_model.run import RunOptions, run_vmm, setup_guests
    options = RunOptions(console=lambda vm, data: None, max_instructions=instructions * 2)
    t0, cpu0 = time.monotonic(), time.process_time()
    setup = setup_guests([str(elf)], options)
    unit = SoftwareUnit(setup.memory, num_contexts=options.contexts)
    result = asyncio.run(run_vmm(unit, setup.vms, options))
    seconds, cpu_seconds = time.monotonic() - t0, time.process_time() - cpu0
    return {"status": result.status, "instructions": result.instructions, "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "cpu_rate": round(result.instructions / cpu_seconds, 1) if cpu_seconds > 0 else 0.0}


def run_mode(mode: str, elf: Path, instructions: int, sim: str, work: Path) -> dict:
    """(b) and (c) of one memory mode: one build, one simulator process."""
    from tb.sim import runner
    work.mkdir(parents=True, exist_ok=True)
    options = {"max_instructions": instructions * 2}
    jobs = [{"name": f"{mode}-{kind}", "kind": kind, "memory": mode, "elfs": [str(elf.resolve())],
             "options": options, "result": str((work / f"result-{kind}.json").resolve())}
            for kind in ("rtl", "cosim")]
    t0 = time.monotonic()
    if mode == "fast":
        from tb.fast import harness
        b = harness.build(sim, jobs)
    else:
        b = runner.build(sim)
    build_seconds = time.monotonic() - t0
    jobs_file = work / "jobs.json"
    jobs_file.write_text(json.dumps({"jobs": jobs}, indent=1))
    for job in jobs:
        Path(job["result"]).unlink(missing_ok=True)
    runner.run(b, "tb.bench", test_dir=work / "sim", extra_env={BENCH_ENV: str(jobs_file.resolve())},
               log_file=work / "sim.log")
    out = {"build_seconds": round(build_seconds, 2),
           "build_cached": build_seconds < 5.0, "build_dir": str(b.build_dir)}
    for job in jobs:
        path = Path(job["result"])
        if not path.exists():
            raise RuntimeError(f"{mode}: no result for {job['kind']} (log {work / 'sim.log'})")
        res = json.loads(path.read_text())
        count = res.get("checked") if job["kind"] == "cosim" else res.get("instructions")
        res["rate"] = round(count / res["seconds"], 1) if count and res["seconds"] > 0 else 0.0
        # Per second of the simulator process's CPU time: what the shared machine's load moves least.
        res["cpu_rate"] = round(count / res["cpu_seconds"], 1) if count and res["cpu_seconds"] > 0 else 0.0
        out[job["kind"]] = res
    return out


def bench(elf: Path | None, sim: str, out_dir: Path, quick: bool, modes=MODES) -> dict:
    pick = 1 if quick else 0
    out_dir.mkdir(parents=True, exist_ok=True)
    guests = {}

    def guest(n: int) -> Path:
        if elf is not None:
            return elf
        if n not in guests:
            guests[n] = loop_guest(out_dir / f"bench_loop_{n}.elf", n)
        return guests[n]

    n_sw = INSTRUCTIONS["software"][pick]
    report = {"sim": sim, "quick": quick, "guest": str(elf) if elf else "built-in bench loop "
              f"({LOOP_LENGTH} instructions per iteration)", "targets": TARGETS}
    print(f"(a) software vCPU alone, {n_sw} instructions ...", file=sys.stderr)
    report["software"] = sw = run_software(guest(n_sw), n_sw)
    sw["rate"] = round(sw["instructions"] / sw["seconds"], 1)
    report["modes"] = {}
    for mode in modes:
        n = INSTRUCTIONS[mode][pick]
        print(f"(b)+(c) {mode} memory mode on {sim}, {n} instructions each ...", file=sys.stderr)
        m = run_mode(mode, guest(n), n, sim, out_dir / mode)
        c, b = m["cosim"]["rate"], m["rtl"]["rate"]
        m["c_over_a"] = round(c / sw["rate"], 4) if sw["rate"] else 0.0
        m["c_over_b"] = round(c / b, 4) if b else 0.0
        m["c_over_min_ab"] = round(c / min(sw["rate"], b), 4) if min(sw["rate"], b) else 0.0
        report["modes"][mode] = m
    modes = report["modes"]
    met = {"software_per_s": sw["rate"] >= TARGETS["software_per_s"]}
    if "fast" in modes:
        met["fast_cosim_per_s"] = modes["fast"]["cosim"]["rate"] >= TARGETS["fast_cosim_per_s"]
        met["fast_c_over_min_ab"] = modes["fast"]["c_over_min_ab"] >= TARGETS["fast_c_over_min_ab"]
    if "bfm" in modes:
        met["bfm_cosim_per_s"] = modes["bfm"]["cosim"]["rate"] >= TARGETS["bfm_cosim_per_s"]
    report["targets_met"] = met          # figures of issue 7, not pass/fail of the command
    return report


def table(report: dict) -> str:
    sw = report["software"]
    lines = [f"hvcosim bench on {report['sim']} ({report['guest']})",
             f"{'figure':34s} {'instructions':>12s} {'seconds':>9s} {'instr/s':>11s} {'per CPU s':>11s}",
             f"{'(a) software vCPU alone':34s} {sw['instructions']:>12d} {sw['seconds']:>9.2f} {sw['rate']:>11,.0f}"
             f" {sw.get('cpu_rate', 0):>11,.0f}"]
    for mode, m in report["modes"].items():
        for key, label in (("rtl", "(b) RTL alone, no checks"), ("cosim", "(c) co-simulation, all checks")):
            r = m[key]
            count = r.get("checked") if key == "cosim" else r.get("instructions")
            lines.append(f"{label + ' [' + mode + ']':34s} {count or 0:>12d} {r['seconds']:>9.2f} {r['rate']:>11,.0f}"
                         f" {r.get('cpu_rate', 0):>11,.0f}")
        lines.append(f"{'   ratios [' + mode + ']':34s} c/a = {m['c_over_a']:.3f}  c/b = {m['c_over_b']:.3f}"
                     f"  c/min(a,b) = {m['c_over_min_ab']:.3f}  (build {m['build_seconds']:.1f} s"
                     f"{', cached' if m['build_cached'] else ''})")
    lines.append("targets: " + ", ".join(f"{name} >= {report['targets'][name]:,} "
                                         f"{'met' if ok else 'not met'}" for name, ok in report["targets_met"].items()))
    return "\n".join(lines)


def add_arguments(parser) -> None:
    parser.add_argument("guest", metavar="GUEST.elf", nargs="?", default=None,
                        help="guest to measure (default: the built-in bench loop)")
    parser.add_argument("--sim", choices=("verilator", "icarus"), default="verilator",
                        help="simulator of (b) and (c) (default verilator)")
    parser.add_argument("--out", metavar="DIR", default="out/bench", help="where bench.json goes (default out/bench)")
    parser.add_argument("--quick", action="store_true", help="short runs (a smoke test of the figures)")


def main(args) -> int:
    from tb.cli import PROG, UsageError
    elf = None
    if args.guest is not None:
        elf = Path(args.guest)
        if not elf.is_file():
            raise UsageError(f"{PROG} bench: error: {elf}: no such file")
    out = Path(args.out)
    try:
        report = bench(elf, args.sim, out, args.quick)
    except Exception as exc:
        print(f"{PROG} bench: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 4
    (out / "bench.json").write_text(json.dumps(report, indent=1))
    print(table(report))
    print(f"{PROG} bench: {out / 'bench.json'}", file=sys.stderr)
    bad = [f"{mode} {kind}: {m[kind]['status']} ({m[kind].get('message', '')})"
           for mode, m in report["modes"].items() for kind in ("rtl", "cosim") if m[kind]["status"] != "pass"]
    if report["software"]["status"] != "pass":
        bad.append(f"software: {report['software']['status']}")
    if bad:
        print(f"{PROG} bench: a measured run did not pass: " + "; ".join(bad), file=sys.stderr)
        return 1
    return 0
