"""Co-simulation: the guest suite on the RTL under lockstep, on Verilator and Icarus.

Every standalone guest of tests/guests/ runs with its header options through the
VMM on the RTL (``tb.cosim``), every retirement and exit checked against the
reference, every m_axi access checked for isolation, host memory compared at
the end.  All guests of one simulator run in one simulator process (one build);
each guest is then its own pytest test checking its own result: the exit status
its header expects, its expected output, its signature, and no mismatch.

Icarus runs about 5x slower than Verilator: it runs ICARUS_GUESTS, a subset that
still covers every kind of exit (see docs/cosim.md).
"""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tb import cli
from tests.guests.build import GuestSpec, discover
from tests.rtl.conftest import missing_simulator

SPECS = [s for s in discover() if s.standalone]
BY_NAME = {s.name: s for s in SPECS}
# Icarus: one guest per feature area (ALU/M, control, memory, CSRs, delegated traps, virtual
# instruction, MMIO/UART exits, SBI, VSSI/VSEI interrupts, Sstc, VS paging, guest-page faults,
# two contexts, WFI, failure and signature).  The long ones (loop_forever, swaps, two VMs,
# demand paging, SMP HSM) run on Verilator only.
ICARUS_GUESTS = ("rv32i_alu", "rv32i_control", "rv32i_memory", "rv32m", "csr_access", "traps_delegated",
                 "virtual_instruction", "uart_hello", "sbi_calls", "interrupt_ssi", "interrupt_vsei",
                 "timer_sstc", "vs_paging", "smp_timers", "wfi_deadlock", "fail_check",
                 "signature")
SIM_GUESTS = {"verilator": tuple(s.name for s in SPECS), "icarus": ICARUS_GUESTS}


def job_of(spec: GuestSpec, elfs: dict[str, Path], signature: Path | None = None) -> dict:
    """The cosim job of a guest: its ELF(s) and the options of its header (as `hvcosim run`)."""
    args = cli.build_parser(["run"]).parse_args(spec.run_argv(elfs, signature))
    options = dict(vcpus=args.vcpus, mem=args.mem, mem_budget=args.mem_budget, seed=args.seed,
                   quantum=args.quantum, contexts=args.contexts, max_instructions=args.max_instructions)
    if signature is not None:
        options["signature_path"] = str(signature)
    return {"name": spec.name, "elfs": [str(elfs[spec.name])] + [str(elfs[c]) for c in spec.companions],
            "options": options}


_RESULTS: dict[str, dict] = {}


def _shared_dir(tmp_path_factory, worker_id: str) -> Path:
    """A directory every pytest-xdist worker of this session shares (the session's own otherwise)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if worker_id != "master" else base


@pytest.fixture(scope="module")
def suite_results(guest_elfs, tmp_path_factory, worker_id):
    """sim -> {guest name: (result, spec)}.  Each simulator's suite runs once per session:
    the first xdist worker to ask runs it (under a file lock), the others read its results."""
    import fcntl
    import json

    from tb.cosim import run_cosim

    def get(sim: str) -> dict:
        if sim not in _RESULTS:
            if (missing := missing_simulator(sim)) is not None:
                pytest.fail(missing, pytrace=False)      # make test installs both: never a skip
            specs = [BY_NAME[n] for n in SIM_GUESTS[sim]]
            work = _shared_dir(tmp_path_factory, worker_id) / f"cosim-{sim}"
            work.mkdir(exist_ok=True)
            done = work / "results.json"
            with open(work / "lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not done.exists():
                    jobs = [job_of(s, guest_elfs, work / f"{s.name}.sig" if s.signature is not None else None)
                            for s in specs]
                    done.write_text(json.dumps(run_cosim(jobs, sim=sim, work_dir=work)))
                results = json.loads(done.read_text())
            _RESULTS[sim] = {s.name: (r, s) for s, r in zip(specs, results)}
        return _RESULTS[sim]
    return get


# Interleaved, so that pytest-xdist workers tend to start on different simulators.
CASES = [case for pair in itertools.zip_longest(*([(sim, n) for n in SIM_GUESTS[sim]]
                                                  for sim in ("verilator", "icarus")))
         for case in pair if case is not None]


@pytest.mark.parametrize("sim,name", CASES, ids=[f"{s}-{n}" for s, n in CASES])
def test_guest_under_lockstep(sim, name, suite_results):
    from tb.cosim import stdout_text
    result, spec = suite_results(sim)[name]
    report = (f"{sim} {name}: {result['status']}: {result['message']}\n"
              f"{result.get('report', '')}\n{result.get('details', '')[-3000:]}")
    assert result["status"] != "mismatch", report
    assert result["exit_status"] == spec.exit_status, report
    out = stdout_text(result, 1 + len(spec.companions))
    for text in spec.stdout_contains:
        assert text in out, f"missing {text!r} in the guest output {out!r}\n{report}"
    if spec.exit_status == 0:
        assert "FAIL" not in out, report
    if spec.signature is not None:
        assert result.get("signature") == list(spec.signature), report
    # Everything the guest retired was checked, and the isolation checker saw the traffic.
    assert result["checked"] >= result["instructions"] > 0 or spec.exit_status == 3, report
    assert result["m_axi_accesses"] > 0, report


def test_vmm_writes_reach_the_reference_memory(suite_results):
    """Demand paging and swapping: the VMM writes host memory while guests run; the mirror
    copies every VMM write into the reference's memory and both memories end equal
    (a difference would have turned the result into a mismatch)."""
    results = suite_results("verilator")
    for name in ("demand_paging", "swap_budget", "swap_vs_tables"):
        result, _ = results[name]
        assert result["status"] == "pass", result["message"]
        assert result["memory_mirrored_writes"] > 100, (name, result["memory_mirrored_writes"])
