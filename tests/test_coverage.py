"""Functional coverage (plan, collector, UCIS) and Verilator code coverage (coverage.dat, lcov)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from interfaces.trace import ExitRecord, RetireRecord
from interfaces.vcpu_state import PREEMPT_CAUSE
from tb.coverage import code, plan, ucis_db
from tb.coverage.collector import CoverageCollector, empty_hits, merge
from tb.coverage.score import growth, score
from vmm_model.isa.encode import encode

ROOT = Path(__file__).resolve().parent.parent


def _contexts():
    from vmm_model.hart import SoftwareUnit
    from vmm_model.memory import HostMemory
    return SoftwareUnit(HostMemory(1 << 16, base=0x4000_0000), num_contexts=2).contexts


def test_plan_is_consistent_and_every_exclusion_is_argued():
    assert plan.check_plan() == []
    excluded = [(g.name, cp.name, b, why) for g in plan.PLAN for cp in g.coverpoints
                for b, why in cp.excluded.items()]
    assert excluded, "the plan argues some bins unreachable"
    assert all(len(why) > 20 for *_, why in excluded)
    broken = (plan.Group("g", "g", (plan.Coverpoint("cp", "s", ("a",), {"b": "why", "a": " "}),)),)
    assert plan.check_plan(broken) == ["g.cp: excluded bin 'b' is not in the plan",
                                       "g.cp: excluded bin 'a' has no why_unreachable"]


def test_a_known_record_stream_hits_the_expected_bins():
    col = CoverageCollector(_contexts())
    add = encode("add", rd=5, rs1=5, rs2=6)
    col.retire(RetireRecord(insn=add, mode=1, rs1_rdata=0, rs2_rdata=0xFFFF_FFFF, ext_ctx=0))
    col.retire(RetireRecord(insn=encode("sub", rd=1, rs1=2, rs2=3), mode=0,
                            rs1_rdata=0x8000_0000, rs2_rdata=0x8000_0000))
    # an illegal instruction trapped in VU and delegated; a CSR read of sstatus in VS
    col.retire(RetireRecord(insn=encode("mret"), mode=0, trap=1, ext_cause=2))
    col.retire(RetireRecord(insn=encode("csrrs", rd=1, rs1=0, csr=0x100), mode=1))
    col.retire(RetireRecord(insn=encode("csrrw", rd=0, rs1=1, csr=0x600), mode=1, trap=1,
                            ext_exit=1, ext_cause=22))
    col.retire(RetireRecord(insn=0x1050_0073, mode=1, trap=1, ext_exit=1, ext_cause=22))   # wfi
    col.retire(RetireRecord(insn=encode("sfence.vma", rs1=3, rs2=0), mode=1))
    ctx = col.contexts[0]
    ctx.x[17], ctx.x[16] = 0x4442434E, 2                          # DBCN write_byte
    col.exit(ExitRecord(ctx=0, scause=10, sepc=0x8000_0000, spvp=1))
    col.exit(ExitRecord(ctx=0, scause=PREEMPT_CAUSE, sepc=0x8000_0004, spvp=0))
    col.exit(ExitRecord(ctx=0, scause=23, sepc=0x8000_0008, htval=0x1000_0000 >> 2,
                        htinst=encode("sb", rs1=1, rs2=2) & ~(31 << 15) | 3, spvp=1))
    col.axi_access(0x4000_0000, 4, False)
    col.vmm_counts({"sbi": 1, "mmio": 1}, {"fast": 2, "slow": 0})
    h = col.finish()
    assert col.records == 7
    assert h["instructions"]["insn_x_mode"]["add/VS"] == 1
    assert h["instructions"]["insn_x_mode"]["sub/VU"] == 1
    corners = h["operands"]["corners"]
    assert corners["add/rs1_zero"] == corners["add/rs2_minus1"] == corners["add/rd_is_source"] == 1
    assert corners["add/equal"] == 0
    assert corners["sub/rs1_min"] == corners["sub/rs2_min"] == corners["sub/equal"] == 1
    assert h["traps"]["cause_x_mode_x_handling"]["illegal/VU/delegated"] == 1
    assert h["traps"]["cause_x_mode_x_handling"]["virtual_insn/VS/exited"] == 2
    csr = h["csr"]["csr_x_access_x_outcome"]
    assert csr["sstatus/read/done"] == 1 and csr["hstatus/write/virtual"] == 1
    assert h["wfi"]["outcome_x_mode"]["exit/VS"] == 1
    assert h["tlb"]["guest_sfence"]["address/VS"] == 1
    assert h["exits"]["sbi_call"]["dbcn.write_byte"] == 1
    assert h["exits"]["cause"]["ecall_vs"] == 1 and h["exits"]["cause"]["preempt"] == 1
    assert h["scheduling"]["preempt_x_mode"]["preempt/VU"] == 1
    assert h["scheduling"]["switch"]["fast_context"] == 2
    assert h["mmio"]["size_x_direction"]["byte/store"] == 1
    assert h["axi"]["channel_x_length_x_response_x_backpressure"]["read/1_beat/okay/none"] == 1
    assert h["exits"]["vmm_action"]["mmio"] == 1
    s = score(h)
    assert 0 < s["percent"] < 100 and s["excluded_but_hit"] == []
    assert "wfi" in {g["name"] for g in s["groups"]}
    assert "outcome_x_mode:exit/VU" in next(g for g in s["groups"] if g["name"] == "wfi")["holes"]


def test_batched_binning_equals_binning_each_record_alone():
    import random
    rng = random.Random(7)
    words = [encode(n, rd=rng.randrange(32), rs1=rng.randrange(32), rs2=rng.randrange(32))
             for n in ("add", "mul", "divu", "xor", "sltu", "rem")]
    words += [encode("lw", rd=3, rs1=4), encode("sw", rs1=4, rs2=3), 0x1050_0073,
              encode("csrrs", rd=1, rs1=0, csr=0xC01)]
    records = [RetireRecord(insn=rng.choice(words), mode=rng.randrange(2),
                            rs1_rdata=rng.choice([0, 0xFFFF_FFFF, 0x7FFF_FFFF, 3]),
                            rs2_rdata=rng.choice([0, 0x8000_0000, 3]), trap=int(rng.random() < 0.1),
                            ext_cause=rng.choice([2, 4, 13, 21])) for _ in range(3000)]
    batched = CoverageCollector()
    for r in records:
        batched.retire(r)
    one_by_one = []
    for r in records:
        c = CoverageCollector()
        c.retire(r)
        one_by_one.append(c.finish())
    assert batched.finish() == merge(empty_hits(), *one_by_one)


def test_merge_of_two_seeds_is_the_union_and_growth_rises():
    a, b = empty_hits(), empty_hits()
    a["wfi"]["outcome_x_mode"]["exit/VS"] = 2
    b["wfi"]["outcome_x_mode"]["exit/VS"] = 1
    b["mmio"]["size_x_direction"]["word/load"] = 4
    m = merge(a, b)
    assert m["wfi"]["outcome_x_mode"]["exit/VS"] == 3
    assert m["mmio"]["size_x_direction"]["word/load"] == 4
    assert m["mmio"]["size_x_direction"]["byte/load"] == 0
    g = growth([a, b])
    assert 0 < g[0] < g[1]
    assert score(m)["hit"] == 2


def test_ucis_round_trip_and_merge(tmp_path):
    a, b = empty_hits(), empty_hits()
    a["exits"]["cause"]["ecall_vs"] = 5
    b["exits"]["cause"]["ecall_vs"] = 2
    b["tlb"]["vmm_flush"]["gvma"] = 1
    ucis_db.write(tmp_path / "a.ucisdb", a, "seed-a")
    ucis_db.write(tmp_path / "b.ucisdb", b, "seed-b")
    assert ucis_db.read(tmp_path / "a.ucisdb") == a
    merged = ucis_db.merge_files([tmp_path / "a.ucisdb", tmp_path / "b.ucisdb"], tmp_path / "m.ucisdb")
    assert merged == merge(a, b)
    assert ucis_db.read(tmp_path / "m.ucisdb") == merge(a, b)
    from ucis.sqlite import SqliteUCIS       # a plain UCIS reader sees the test records too
    db = SqliteUCIS(str(tmp_path / "a.ucisdb"))
    try:
        assert db.getNumTests() == 1
    finally:
        db.close()


# ------------------------------------------------------------------ Verilator code coverage

COVERAGE_DAT = """# SystemC::Coverage-3
C '\x01f\x02/r/a.sv\x01l\x0210\x01t\x02line\x01page\x02v_line/a\x01o\x02block\x01S\x0210-11\x01h\x02top.a' 4
C '\x01f\x02/r/a.sv\x01l\x0212\x01t\x02line\x01page\x02v_line/a\x01o\x02if\x01S\x0212\x01h\x02top.a' 0
C '\x01f\x02/r/a.sv\x01l\x023\x01t\x02toggle\x01page\x02v_toggle/a\x01o\x02x[0]:0->1\x01h\x02top.a' 1
C '\x01f\x02/r/a.sv\x01l\x023\x01t\x02toggle\x01page\x02v_toggle/a\x01o\x02x[0]:1->0\x01h\x02top.a' 0
"""


def test_coverage_dat_parse_merge_and_waivers(tmp_path):
    (tmp_path / "one.dat").write_text(COVERAGE_DAT)
    (tmp_path / "two.dat").write_text(COVERAGE_DAT.replace("' 0\n", "' 2\n", 1))
    one, two = code.parse(tmp_path / "one.dat"), code.parse(tmp_path / "two.dat")
    s1 = code.summarize(one)
    assert (s1["lines"], s1["lines_hit"], s1["toggles"], s1["toggles_hit"]) == (3, 2, 2, 1)
    merged = code.summarize(code.merge(one, two))
    assert merged["line_percent"] == 100.0 and merged["files"]["/r/a.sv"]["missed_lines"] == []
    (tmp_path / "waivers.txt").write_text("# comment\na.sv:12  # default arm, unreachable\n")
    waived = code.summarize(one, code.load_waivers(tmp_path / "waivers.txt"))
    assert waived["lines"] == 2 and waived["line_percent"] == 100.0
    assert waived["waivers"] == [{"where": "a.sv:12-12", "reason": "default arm, unreachable"}]


@pytest.fixture(scope="module")
def coverage_dat(tmp_path_factory, guest_elfs):
    """A real Verilator coverage build running one short guest under co-simulation."""
    out = tmp_path_factory.mktemp("codecov")
    env = {**os.environ, "HVCOSIM_CODE_COVERAGE": "1"}
    proc = subprocess.run([sys.executable, "-m", "tb.cli", "cosim", str(guest_elfs["rv32m"]),
                           "--out", str(out)], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out / "sim" / "coverage.dat"


def test_real_coverage_build_gives_line_and_toggle_coverage_genhtml_accepts(coverage_dat, tmp_path):
    assert coverage_dat.exists()
    points = code.parse(coverage_dat)
    s = code.summarize(points)
    assert any(f.endswith("rtl/vcpu_core.sv") for f in s["files"])
    assert 30 < s["line_percent"] < 100 and 5 < s["toggle_percent"] < 100
    twice = code.summarize(code.merge(points, points))
    assert twice["line_percent"] == s["line_percent"]          # merging a run with itself adds nothing
    info = tmp_path / "code.info"
    code.write_lcov(points, info)
    assert "SF:" in info.read_text() and "DA:" in info.read_text()
    if shutil.which("genhtml") is None:
        pytest.fail("genhtml (Debian lcov) is missing: run scripts/setup_system.sh")
    index = code.genhtml(info, tmp_path / "html")
    assert index.exists()
    page = next((tmp_path / "html").rglob("vcpu_core.sv.gcov.html"))
    assert "vcpu_core.sv" in page.read_text()


def test_bulk_decode_names_the_same_instruction_as_the_decoder():
    import random

    import numpy as np

    from vmm_model.isa.decode import decode
    from vmm_model.isa.table import INSTRUCTIONS
    rng = random.Random(1)
    words = [rng.randrange(1 << 32) for _ in range(5000)]
    words += [s.match | (rng.randrange(1 << 32) & ~s.mask) for s in INSTRUCTIONS for _ in range(50)]
    names = [*plan.INSTRUCTION_NAMES, "illegal"]
    got = CoverageCollector()._names(np.array(words, dtype=np.int64))
    assert [names[i] for i in got] == [decode(w).name for w in words]


def test_hvcosim_run_writes_the_reference_runs_coverage(tmp_path, guest_elfs):
    from tb import cli
    out = tmp_path / "cov.json"
    assert cli.main(["run", str(guest_elfs["uart_hello"]), "--coverage", str(out)]) == 0
    hits = json.loads(out.read_text())
    assert hits["mmio"]["size_x_direction"]["byte/store"] > 0          # the UART output
    assert hits["exits"]["sbi_call"]["srst.system_reset"] == 1
    assert hits["instructions"]["insn_x_mode"]["sb/VS"] > 0


def test_axi_error_responses_move_from_okay_to_slverr():
    col = CoverageCollector(backpressure=True)
    for _ in range(5):
        col.axi_access(0x8000_0000, 4, False)
    col.axi_access(0x8000_0100, 4, True)
    col.axi_responses("read", [2, 0, 2, 1])        # 2 OKAY, 2 SLVERR, 1 DECERR (monitor counts)
    col.axi_responses("write", [0, 0, 1, 0])
    bins = col.finish()["axi"]["channel_x_length_x_response_x_backpressure"]
    assert bins["read/1_beat/okay/stalls"] == 2 and bins["read/1_beat/slverr/stalls"] == 2
    assert bins["write/1_beat/okay/stalls"] == 0 and bins["write/1_beat/slverr/stalls"] == 1
    assert bins["read/1_beat/slverr/none"] == 0


# Bins the default regression's directed scenarios close (docs/coverage.md): each scenario, run
# on the reference with the coverage observer, must hit them (bus errors planted on its memory).
CLOSING_SCENARIOS = {
    "fault-access-bus-to-vmm": ("traps", "cause_x_mode_x_handling",
                                [f"{c}/{m}/exited" for c in ("insn_access", "load_access", "store_access")
                                 for m in ("VS", "VU")]),
    "fault-access-bus-to-vs": ("traps", "cause_x_mode_x_handling",
                               [f"{c}/{m}/delegated" for c in ("insn_access", "load_access", "store_access")
                                for m in ("VS", "VU")]),
    "fault-access-bus-on-pte": ("traps", "cause_x_mode_x_handling", ["load_access/VS/exited"]),
    "deleg-vu-causes-to-vmm": ("traps", "cause_x_mode_x_handling",
                               [f"{c}/VU/exited" for c in ("insn_misaligned", "illegal", "breakpoint",
                                                           "load_misaligned", "store_misaligned",
                                                           "insn_page", "load_page", "store_page")]),
    "illegal-mcounteren-off": ("csr", "csr_x_access_x_outcome",
                               [f"{c}/read/illegal" for c in ("cycle", "time", "instret", "cycleh", "timeh",
                                                              "instreth", "stimecmp", "stimecmph")]
                               + ["stimecmp/write/illegal", "stimecmph/write/illegal"]),
    "wfi-nop-vtw-off": ("wfi", "outcome_x_mode", ["retired/VS"]),
}


@pytest.mark.parametrize("name", sorted(CLOSING_SCENARIOS))
def test_directed_scenarios_hit_the_bins_they_close(name, tmp_path):
    from tb.coverage.collector import ReferenceObserver
    from vmm_model.scenarios import SCENARIOS, run_scenario
    observer = ReferenceObserver()
    result = run_scenario(SCENARIOS[name], tmp_path, observer=observer)
    assert result.status == "pass", result.message
    group, coverpoint, bins = CLOSING_SCENARIOS[name]
    hits = observer.hits(result)[group][coverpoint]
    assert [b for b in bins if not hits.get(b)] == []
    if name == "fault-access-bus-to-vmm":
        exits = observer.hits(result)["exits"]["cause"]
        assert all(exits.get(c) == 2 for c in ("insn_access", "load_access", "store_access")), exits


def test_slverr_bins_come_from_the_memory_agents_monitor_under_cosim(tmp_path):
    """The two bus-error scenarios under lockstep co-simulation (Icarus): the job's coverage has
    SLVERR reads and writes, without and with back-pressure, and the access-fault exits."""
    from tb.cosim import run_cosim
    from tests.rtl.conftest import missing_simulator
    from vmm_model.scenarios import SCENARIOS, cosim_job
    if missing_simulator("icarus"):
        pytest.fail(missing_simulator("icarus"))
    names = ("fault-access-bus-to-vmm", "fault-access-bus-to-vs")
    results = run_cosim([cosim_job(SCENARIOS[n], tmp_path) for n in names], "icarus", tmp_path / "sim")
    by_name = dict(zip(names, results))
    for name, res in by_name.items():
        assert res["status"] == "pass" and "mismatch" not in res, res.get("message")
    axi = {n: r["coverage"]["axi"]["channel_x_length_x_response_x_backpressure"] for n, r in by_name.items()}
    assert axi["fault-access-bus-to-vmm"]["read/1_beat/slverr/none"] == 4        # 2 loads + 2 fetches
    assert axi["fault-access-bus-to-vmm"]["write/1_beat/slverr/none"] == 2
    assert axi["fault-access-bus-to-vs"]["read/1_beat/slverr/stalls"] == 4
    assert axi["fault-access-bus-to-vs"]["write/1_beat/slverr/stalls"] == 2
    assert "read/1_beat/slverr/stalls" not in axi["fault-access-bus-to-vmm"]
    exits = by_name["fault-access-bus-to-vmm"]["coverage"]["exits"]["cause"]
    assert exits["insn_access"] == exits["load_access"] == exits["store_access"] == 2
    for res in results:            # the shadow's walk observer is on under co-simulation too
        assert res["coverage"]["translation_walks"]["stage_x_level_x_outcome"]["g/level0/ok"] > 0


# ---------------------------------------------------------------- page-table walks

def _excluded_hits(hits: dict, group: str) -> list[str]:
    """Bins of ``group`` that were hit although the plan argues them unreachable."""
    g = plan.group(group)
    return [f"{cp.name}:{b}" for cp in g.coverpoints for b in cp.excluded
            if hits.get(group, {}).get(cp.name, {}).get(b)]


def test_vs_paging_guest_walks_hit_the_expected_bins_and_no_excluded_one(guest_elfs):
    from tb.coverage.collector import ReferenceObserver
    from vmm_model.run import RunOptions, run_guests
    observer = ReferenceObserver()
    result = run_guests([str(guest_elfs["vs_paging"])], RunOptions(observer=observer))
    hits = observer.hits(result)["translation_walks"]
    outcome = hits["stage_x_level_x_outcome"]
    # megapages, the misaligned megapage, 4 KiB leaves, invalid PTEs; G-stage demand paging
    for b in ("vs/level1/ok", "vs/level1/misaligned_superpage", "vs/level0/ok", "vs/level0/page_fault",
              "g/level0/ok", "g/level0/guest_page_fault"):
        assert outcome.get(b, 0) > 0, b
    perms = hits["stage_x_access_x_permission"]
    for b in ("vs/store/r/fault", "vs/load/x/fault", "vs/fetch/x/ok", "vs/load/w/fault",
              "vs/store/w/fault", "vs/load/rw/ok", "g/pte_read/rwx/ok", "g/fetch/rwx/ok"):
        assert perms.get(b, 0) > 0, b
    assert hits["vs_sum_x_mxr"].get("SUM0/MXR0/exec_only/load/fault", 0) > 0
    assert set(hits["g_leaf_user"]) == {"U1/ok"}
    assert set(hits["vs_user_bit"]) <= {b for b in plan.group("translation_walks")
                                        .coverpoint("vs_user_bit").bins if b.startswith("U0/VS/")}
    assert _excluded_hits({"translation_walks": hits}, "translation_walks") == []
    assert observer.collector.walk_records == sum(outcome.values())


def test_walk_observer_off_samples_nothing_and_changes_no_behaviour(guest_elfs):
    from vmm_model.hart.unit import SoftwareUnit
    from vmm_model.run import RunOptions, run_guests
    built: list = []
    init = SoftwareUnit.__init__

    def spy(self, *args, **kwargs):
        init(self, *args, **kwargs)
        built.append(self)
    SoftwareUnit.__init__ = spy
    try:
        plain = run_guests([str(guest_elfs["vs_paging"])], RunOptions(trace_hash=True))
    finally:
        SoftwareUnit.__init__ = init
    assert built and all(u.walks is None for u in built)
    assert all(r.walks is None for u in built for c in u.contexts for r in c.regimes.values())

    class WalksOnly:               # an observer that only turns the walk hook on
        def __init__(self):
            self.records: list = []

        def retire(self, rec):
            pass

        def attach(self, unit):
            unit.observe_walks(self.records)
    observer = WalksOnly()
    observed = run_guests([str(guest_elfs["vs_paging"])], RunOptions(trace_hash=True, observer=observer))
    assert observer.records                                     # it sampled ...
    assert observed.trace_hash == plain.trace_hash              # ... and the hart did the same
    assert observed.exit_counts == plain.exit_counts


def test_walk_records_of_sum_mxr_and_a_g_stage_leaf_without_u():
    from tb.coverage.collector import CoverageCollector as Collector
    from vmm_model.hart.guestbuild import G_LEAF, LEAF, Machine
    from vmm_model.hart.mmu import (PTE_A, PTE_D, PTE_U, PTE_V, PTE_X, WALK_ACCESS_FAULT, WALK_OK,
                                    WALK_SUM)
    va, data, ram, handler = 0x4000_0000, 0x8000_8000, 0x8000_0000, 0x8000_0400
    lw = encode("lw", rd=3, rs1=1, imm=8)

    def load(machine, x1=va, **fields):
        collector = Collector()
        machine.unit.observe_walks(collector.walks)
        machine.load([lw, encode("ecall")], ram)
        machine.load([encode("ecall")], handler)
        machine.start(ram, priv=1, x1=x1, x2=0, vstvec=handler, **fields)
        machine.run()
        return collector

    machine = Machine(paging=True)                      # VS load of a U page with SUM = 1: granted
    machine.guest.map_vs(va, data, LEAF | PTE_U)
    collector = load(machine, vsstatus=1 << 18)
    assert (0, 0, (LEAF | PTE_U) & 0xFF, 1, WALK_SUM, WALK_OK) in collector.walks
    hits = collector.finish()["translation_walks"]
    assert hits["vs_sum_x_mxr"]["SUM1/MXR0/user_page/load/ok"] == 1
    assert hits["vs_user_bit"]["U1/VS/load/ok"] == 1

    machine = Machine(paging=True)                      # execute-only page, MXR = 1: readable
    machine.guest.map_vs(va, data, PTE_V | PTE_X | PTE_A | PTE_D)
    hits = load(machine, vsstatus=1 << 19).finish()["translation_walks"]
    assert hits["vs_sum_x_mxr"]["SUM0/MXR1/exec_only/load/ok"] == 1
    assert hits["stage_x_access_x_permission"]["vs/load/x/ok"] == 1

    machine = Machine()                                 # G-stage leaf without U: guest-page fault
    machine.guest.map_g(data, machine.guest.host(data), G_LEAF & ~PTE_U)
    hits = load(machine, x1=data).finish()["translation_walks"]
    assert hits["g_leaf_user"]["U0/fault"] == 1          # excluded for the VMM, not for the MMU
    assert hits["stage_x_level_x_outcome"]["g/level0/guest_page_fault"] == 1

    machine = Machine(paging=True)                      # a VS level-0 PTE read off the bus
    machine.guest.map_g(0xA000_0000, 0x1000_0000)       # host address outside HostMemory
    root = machine.guest.vs_pte_gpa(va, level=1)
    machine.memory.write32(machine.guest.host(root), ((0xA000_0000 >> 12) << 10) | PTE_V)
    collector = load(machine)
    assert (0, 0, 0, 1, 0, WALK_ACCESS_FAULT) in collector.walks
    assert collector.finish()["translation_walks"]["stage_x_level_x_outcome"]["vs/level0/access_fault"] == 1
