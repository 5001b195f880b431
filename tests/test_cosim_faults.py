"""Injected AXI error responses end in the same access fault on the RTL and on the reference.

Two tiny guests (assembled here, no toolchain needed):

- ``BARE`` (vsatp Bare, G-stage only): loads the word at GPA 0x8000_2000, stores it to
  0x8000_2100, jumps to code at 0x8000_1000 and shuts down.
- ``PAGED`` (VS-stage Sv32 over the G-stage): builds a root table at 0x8000_3000 (an
  identity megapage for the code, a pointer to the level-0 table at 0x8000_4000 that the
  ELF brings, mapping VA 0x4000_0000 -> GPA 0x8000_2000), turns on ``vsatp`` and loads
  VA 0x4000_0000.

Both first point ``vstvec`` at a handler that prints the cause it got as a digit and
shuts down (pass).

Each job plants one error (``job["axi"]["errors"]``, the form ``--axi-error`` builds):
on a fetch, a load, a store, a G-stage leaf PTE read, a VS-stage PTE read and the
G-stage PTE read that translates a VS PTE address -- with SLVERR and DECERR.  Access
faults are not delegated (DESIGN §3), so the unit exits to the VMM with cause 1/5/7,
which the VMM reflects into the guest (KVM-style).  What is asserted per job: no mismatch
(the reference, fed the same ``BusErrors``, raised the same fault: the scoreboard compared
every retirement and the exit field by field), the exit's cause, epc and tval, the digit
the guest printed, and that the bus really carried the planted response (the memory
agent's monitor counts RRESP/BRESP values).
"""
from __future__ import annotations

import pytest

from tb.cosim import run_cosim
from tests.rtl.conftest import missing_simulator
from tests.test_vmm_asm import li, shutdown
from vmm_model.memory import DECERR, SLVERR, BusErrors, ErrorRange, HostMemory

CODE_PAGE1 = 0x8000_1000
LOAD_GPA, STORE_GPA = 0x8000_2000, 0x8000_2100
VS_ROOT, VS_L0 = 0x8000_3000, 0x8000_4000
VA_DATA = 0x4000_0000
SATP_SV32 = 1 << 31


def _words(rows: list) -> int:
    return sum(0 if isinstance(r, str) else len(li(r[1], r[2])) if r[0] == "li" else 1 for r in rows)


def _label_pc(program: list, label: str) -> int:
    return 0x8000_0000 + 4 * _words(program[:program.index(label)])


def _li_fixed(rd: str, value: int) -> list:
    """lui + addi, always two words (so a label's address can be loaded before it is known)."""
    low = value & 0xFFF
    low = low - 0x1000 if low >= 0x800 else low
    upper = (value - low) & 0xFFFF_FFFF
    return [("lui", {"rd": rd, "imm": upper - (1 << 32) if upper >> 31 else upper}),
            ("addi", {"rd": rd, "rs1": rd, "imm": low})]


# The guest's trap handler prints the cause as a digit ('0' + cause) and shuts down (pass):
# the VMM reflects an undelegated access fault into the guest (KVM-style), so the guest sees it.
HANDLER = ["handler:", ("csrrs", {"rd": "t0", "rs1": "zero", "csr": 0x142}),     # scause (= vscause)
           ("addi", {"rd": "a0", "rs1": "t0", "imm": ord("0")}), *li("a7", 1), ("ecall", {}), *shutdown(0)]


def _guest(body: list, pad_to: int | None = None, tail: list = ()) -> list:
    """vstvec = handler; ``body``; the handler; optionally nops up to ``pad_to`` then ``tail``."""
    head = [*_li_fixed("t0", 0), ("csrrw", {"rd": "zero", "rs1": "t0", "csr": 0x105})]   # stvec (= vstvec)
    program = head + body + HANDLER
    program[:2] = _li_fixed("t0", _label_pc(program, "handler:"))
    if pad_to is not None:
        program += [("addi", {"rd": "zero", "rs1": "zero", "imm": 0})] * (pad_to // 4 - _words(program))
        program += list(tail)
    return program


BARE = _guest([*li("t0", LOAD_GPA), "bare_load:", ("lw", {"rd": "t1", "rs1": "t0", "imm": 0}),
               *li("t2", STORE_GPA), "bare_store:", ("sw", {"rs1": "t2", "rs2": "t1", "imm": 0}),
               *li("t3", CODE_PAGE1), ("jalr", {"rd": "zero", "rs1": "t3", "imm": 0})],
              pad_to=0x1000, tail=shutdown(0))

# The level-0 table comes with the ELF (the guest never stores to it: an error planted on the
# G-stage PTE of its page then hits only the VS walk's implicit read).
PAGED_DATA = {VS_L0: (((LOAD_GPA >> 12) << 10) | 0xC7).to_bytes(4, "little")}   # VA_DATA -> LOAD_GPA, RW A D
PAGED = _guest([
    *li("t0", VS_ROOT + 4 * (0x8000_0000 >> 22)), *li("t1", ((0x8000_0000 >> 12) << 10) | 0xCF),
    ("sw", {"rs1": "t0", "rs2": "t1", "imm": 0}),                       # identity megapage, RWX A D
    *li("t0", VS_ROOT + 4 * (VA_DATA >> 22)), *li("t1", ((VS_L0 >> 12) << 10) | 0x01),
    ("sw", {"rs1": "t0", "rs2": "t1", "imm": 0}),                       # pointer to the level-0 table
    *li("t0", SATP_SV32 | (VS_ROOT >> 12)), ("csrrw", {"rd": "zero", "rs1": "t0", "csr": 0x180}),
    ("sfence.vma", {"rs1": "zero", "rs2": "zero"}),
    *li("t2", VA_DATA), "paged_load:", ("lw", {"rd": "t1", "rs1": "t2", "imm": 0}),
    *shutdown(0)])


# name -> (guest, error entry, expected scause, expected epc, expected tval)
CASES = {
    "fetch_slverr": ("bare", {"gpa": CODE_PAGE1, "response": "slverr", "dir": "read"}, 1, CODE_PAGE1, CODE_PAGE1),
    "fetch_decerr": ("bare", {"gpa": CODE_PAGE1, "response": "decerr", "dir": "read"}, 1, CODE_PAGE1, CODE_PAGE1),
    "load_slverr": ("bare", {"gpa": LOAD_GPA, "response": "slverr", "dir": "read"}, 5, "bare_load:", LOAD_GPA),
    "load_decerr": ("bare", {"gpa": LOAD_GPA, "response": "decerr", "dir": "read"}, 5, "bare_load:", LOAD_GPA),
    "store_slverr": ("bare", {"gpa": STORE_GPA, "response": "slverr", "dir": "write"}, 7, "bare_store:", STORE_GPA),
    "store_decerr": ("bare", {"gpa": STORE_GPA, "response": "decerr", "dir": "write"}, 7, "bare_store:", STORE_GPA),
    "g_pte_load_slverr": ("bare", {"gpte": LOAD_GPA, "response": "slverr"}, 5, "bare_load:", LOAD_GPA),
    "g_pte_fetch_decerr": ("bare", {"gpte": CODE_PAGE1, "response": "decerr"}, 1, CODE_PAGE1, CODE_PAGE1),
    "vs_pte_load_slverr": ("paged", {"gpa": VS_L0, "response": "slverr", "dir": "read"}, 5, "paged_load:", VA_DATA),
    "vs_pte_load_decerr": ("paged", {"gpa": VS_L0, "response": "decerr", "dir": "read"}, 5, "paged_load:", VA_DATA),
    "g_pte_of_vs_pte_slverr": ("paged", {"gpte": VS_L0, "response": "slverr"}, 5, "paged_load:", VA_DATA),
}
ICARUS_CASES = ("fetch_decerr", "load_slverr", "store_decerr", "vs_pte_load_slverr")
CAUSE_DIRECTION = {1: "read", 5: "read", 7: "write"}


@pytest.fixture(scope="module")
def guests(tmp_path_factory):
    d = tmp_path_factory.mktemp("fault_guests")
    paths = {}
    for name, program, data in (("bare", BARE, {}), ("paged", PAGED, PAGED_DATA)):
        paths[name] = d / f"{name}.elf"
        paths[name].write_bytes(_elf(program, data))
    return paths


def _elf(program: list, data: dict[int, bytes]) -> bytes:
    """Code at RAM_BASE (RWX, with room up to 0x8000_3000) plus one page per ``data`` entry."""
    from tests.test_vmm_asm import assemble
    from vmm_model.elf import PF_R, PF_W, PF_X, Segment, build_elf
    code = b"".join(w.to_bytes(4, "little") for w in assemble(program))
    segments = [Segment(0x8000_0000, 0x8000_0000, code, 0x3000, PF_R | PF_W | PF_X)]
    segments += [Segment(a, a, d, 0x1000, PF_R | PF_W) for a, d in sorted(data.items())]
    return build_elf(0x8000_0000, segments, {})


def _jobs(guests, names):
    return [{"name": n, "elfs": [str(guests[CASES[n][0]])], "options": {"seed": 3},
             "axi": {"errors": [CASES[n][1]]}} for n in names]


@pytest.fixture(scope="module")
def verilator_results(guests, tmp_path_factory):
    if missing_simulator("verilator"):
        pytest.fail(missing_simulator("verilator"))
    names = list(CASES) + ["bare_clean"]
    jobs = _jobs(guests, names[:-1]) + [{"name": "bare_clean", "elfs": [str(guests["bare"])],
                                         "options": {"seed": 3}}]
    return dict(zip(names, run_cosim(jobs, "verilator", tmp_path_factory.mktemp("faults_v"))))


def _check(name: str, res: dict) -> None:
    guest, entry, cause, epc, tval = CASES[name]
    if isinstance(epc, str):
        epc = _label_pc(BARE if guest == "bare" else PAGED, epc)
    assert "mismatch" not in res, res.get("report")
    # The RTL exited with the access fault (the scoreboard compared it with the reference's) ...
    faults = [e for e in res["exits"] if e["scause"] in (1, 5, 7)]
    assert [(e["scause"], e["sepc"], e["stval"]) for e in faults] == [(cause, epc, tval)], res["exits"]
    # ... the VMM reflected it and the guest's handler saw that cause, then passed.
    assert res["status"] == "pass", res
    assert res["output"].get("0") == chr(ord("0") + cause), res["output"]
    assert res["checked"] > 10 and res["exits_checked"] >= 2
    # The planted response was on the bus, in the direction of the failing access.
    direction = "read" if "pte" in name else CAUSE_DIRECTION[cause]
    want = DECERR if entry["response"] == "decerr" else SLVERR
    assert res["agents"]["m_axi_responses"][direction][want] >= 1, res["agents"]
    assert res["axi"]["error_responses"][direction] >= 1


@pytest.mark.parametrize("name", list(CASES))
def test_fault_verilator(verilator_results, name):
    _check(name, verilator_results[name])


def test_clean_run_passes(verilator_results):
    """The same guest without an error runs to its pass (the faults above come from the injection)."""
    res = verilator_results["bare_clean"]
    assert res["status"] == "pass", res
    assert res["agents"]["m_axi_responses"]["read"][SLVERR] == res["agents"]["m_axi_responses"]["read"][DECERR] == 0


def test_faults_icarus(guests, tmp_path):
    if missing_simulator("icarus"):
        pytest.fail(missing_simulator("icarus"))
    for name, res in zip(ICARUS_CASES, run_cosim(_jobs(guests, ICARUS_CASES), "icarus", tmp_path)):
        _check(name, res)


def test_error_rate_agrees(guests, tmp_path, guest_elfs):
    """A seeded error rate: whatever pages it hits, both sides fault identically (no mismatch)."""
    if missing_simulator("verilator"):
        pytest.fail(missing_simulator("verilator"))
    jobs = [{"name": f"rate{seed}", "elfs": [str(guest_elfs["vs_paging"])], "options": {"seed": seed},
             "axi": {"error_rate": 0.3}} for seed in (1, 2, 3)]
    results = run_cosim(jobs, "verilator", tmp_path)
    for res in results:
        assert "mismatch" not in res, res.get("report")
        assert res["checked"] > 0 and res["status"] in ("pass", "fail"), res
    # The guest may not survive a bus error on its code or tables (the VMM reflects it into a
    # guest whose handler gives up): a fail, but the same one on both sides.
    faulted = [r for r in results if any(e["scause"] in (1, 5, 7) for e in r["exits"])]
    assert faulted, "an error rate of 0.3 hit no page in three seeds"
    assert all(r["axi"]["error_responses"]["read"] + r["axi"]["error_responses"]["write"] for r in faulted)


def test_fault_injection_uvm_test(guest_elfs, tmp_path):
    """CosimFaultTest: the factory's faulty memory agent (2 % of host pages err) under every job
    that names no errors of its own; whatever it hits, both sides agree."""
    if missing_simulator("verilator"):
        pytest.fail(missing_simulator("verilator"))
    jobs = [{"name": f"s{seed}", "elfs": [str(guest_elfs["rv32i_memory"])], "options": {"seed": seed}}
            for seed in (1, 2)]
    for res in run_cosim(jobs, "verilator", tmp_path, uvm_test="CosimFaultTest"):
        assert "mismatch" not in res, res.get("report")
        assert res["axi"]["error_rate"] == 0.02 and res["checked"] > 0
        assert res["status"] in ("pass", "fail"), res


# ------------------------------------------------------------------ the predicate alone (no simulator)
def test_bus_errors_predicate():
    e = BusErrors([ErrorRange(0x1002, 0x1003, DECERR, True, False)])
    assert e.response(0x1000, False) == DECERR          # word granularity: the word overlaps the range
    assert e.response(0x1003, False) == DECERR
    assert e.response(0x1000, True) == 0                # reads only
    assert e.response(0x1004, False) == 0
    assert not e.page_clean(0x1, False) and e.page_clean(0x1, True) and e.page_clean(0x2, False)
    rate = BusErrors(rate=0.5, seed=9)
    decisions = [rate.response(p << 12, False) for p in range(400)]
    assert decisions == [BusErrors(rate=0.5, seed=9).response(p << 12, True) for p in range(400)]  # pure
    assert 120 < sum(1 for d in decisions if d) < 280
    assert {d for d in decisions if d} == {SLVERR, DECERR}
    assert decisions != [BusErrors(rate=0.5, seed=10).response(p << 12, False) for p in range(400)]
    assert BusErrors.from_dict(rate.to_dict()).response(0x5000, False) == rate.response(0x5000, False)


def test_snapshot_keeps_bus_errors():
    m = HostMemory(0x4000)
    m.bus_errors = BusErrors([ErrorRange(0x100, 0x104)])
    assert m.snapshot().bus_error(0x100, False) == SLVERR
    assert m.bus_error(0x200, True) == 0


# ------------------------------------------------------------------ hvcosim cosim --axi-*
def test_cli_axi_error_and_latency(guests, tmp_path, capfd):
    from tb import cli
    if missing_simulator("verilator"):
        pytest.fail(missing_simulator("verilator"))
    status = cli.main(["cosim", str(guests["bare"]), "--axi-error", f"gpa:{LOAD_GPA:#x}:decerr:read",
                       "--axi-latency", "1:3", "--axi-backpressure", "0.2", "--out", str(tmp_path / "run")])
    out, err = capfd.readouterr()
    assert status == 0, err
    assert out == "5"                       # the guest's handler saw the load access fault
    assert "pass" in err


@pytest.mark.parametrize("argv,reason", [
    (["--axi-latency", "4:1"], "--axi-latency"),
    (["--axi-latency", "fast"], "--axi-latency"),
    (["--axi-error", "0x1000:slverr"], "--axi-error"),
    (["--axi-error", "0x0-0x1000:ok"], "--axi-error"),
    (["--axi-error", "gpa:0x1000:slverr"], "not in VM 0's guest RAM"),
    (["--axi-error-rate", "1.5"], "--axi-error-rate"),
])
def test_cli_bad_axi_options(guests, argv, reason, capfd):
    from tb import cli
    assert cli.main(["cosim", str(guests["bare"]), *argv]) == 2
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and reason in err[0], err
