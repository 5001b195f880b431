"""The trace hash (interfaces.trace.TraceHash) as a determinism check of the co-simulation.

- the same guest and seed twice give the same hash;
- Verilator and Icarus give the same hash for the same guest and seed;
- random latency and back-pressure on m_axi (per job, and the stress test's factory
  variant of the memory agent) change no architectural result: the same hash, equal
  to the reference's own ``run_guests(..., trace_hash=True)``;
- another seed of the host-page scatter moves the guest's frames, so the host-physical
  addresses in the trace (``ext_mem_paddr``) and the hash change: the hash is sensitive.
"""
from __future__ import annotations

import pytest

from tb.cosim import run_cosim
from tests.rtl.conftest import missing_simulator
from vmm_model.run import RunOptions, run_guests

SLOW_BUS = {"latency": [1, 6], "backpressure": 0.4}


def _job(elf, name, seed, axi=None):
    job = {"name": name, "elfs": [str(elf)], "options": {"seed": seed}}
    if axi:
        job["axi"] = axi
    return job


def _reference_hash(elf, seed: int) -> str:
    return run_guests([str(elf)], RunOptions(seed=seed, trace_hash=True)).trace_hash


@pytest.fixture(scope="module")
def verilator_runs(guest_elfs, tmp_path_factory):
    if missing_simulator("verilator"):
        pytest.fail(missing_simulator("verilator"))
    paging, memory = guest_elfs["vs_paging"], guest_elfs["rv32i_memory"]
    jobs = [_job(paging, "paging_s5", 5), _job(paging, "paging_s5_again", 5),
            _job(paging, "paging_s5_slow", 5, SLOW_BUS), _job(paging, "paging_s6", 6),
            _job(memory, "memory_s5", 5)]
    results = run_cosim(jobs, "verilator", tmp_path_factory.mktemp("hash_v"))
    runs = {j["name"]: r for j, r in zip(jobs, results)}
    for name, r in runs.items():
        assert r["status"] == "pass", (name, r["message"], r.get("report", ""))
    return runs


def test_same_seed_twice_same_hash(verilator_runs):
    a, b = verilator_runs["paging_s5"], verilator_runs["paging_s5_again"]
    assert a["checked"] == b["checked"] > 1000
    assert a["trace_hash"] == b["trace_hash"]


def test_latency_and_backpressure_keep_the_hash(verilator_runs, guest_elfs):
    plain, slow = verilator_runs["paging_s5"], verilator_runs["paging_s5_slow"]
    assert slow["axi"]["latency"] == [1, 6] and slow["axi"]["backpressure"] == 0.4
    assert slow["trace_hash"] == plain["trace_hash"] == _reference_hash(guest_elfs["vs_paging"], 5)


def test_other_scatter_seed_changes_the_hash(verilator_runs, guest_elfs):
    s5, s6 = verilator_runs["paging_s5"], verilator_runs["paging_s6"]
    assert s5["checked"] == s6["checked"]          # the same guest behaviour ...
    assert s5["trace_hash"] != s6["trace_hash"]    # ... at other host-physical addresses
    assert s6["trace_hash"] == _reference_hash(guest_elfs["vs_paging"], 6)


def test_stress_bus_test_keeps_the_hash(guest_elfs, tmp_path, verilator_runs):
    """The stress-bus uvm_test swaps in the slow, stalling memory agent (factory override)."""
    [res] = run_cosim([_job(guest_elfs["vs_paging"], "stress", 5)], "verilator", tmp_path,
                      uvm_test="CosimStressBusTest")
    assert res["status"] == "pass", res
    assert res["axi"]["latency"] == [1, 8] and res["axi"]["backpressure"] == 0.3
    assert res["trace_hash"] == verilator_runs["paging_s5"]["trace_hash"]


def test_verilator_and_icarus_same_hash(guest_elfs, tmp_path, verilator_runs):
    if missing_simulator("icarus"):
        pytest.fail(missing_simulator("icarus"))
    [res] = run_cosim([_job(guest_elfs["rv32i_memory"], "memory_s5", 5)], "icarus", tmp_path)
    assert res["status"] == "pass", res
    assert res["checked"] == verilator_runs["memory_s5"]["checked"]
    assert res["trace_hash"] == verilator_runs["memory_s5"]["trace_hash"] \
        == _reference_hash(guest_elfs["rv32i_memory"], 5)
