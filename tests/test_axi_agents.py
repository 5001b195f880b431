"""The env's monitors catch what they are for.

- ``AxiProtocolChecker`` fed hand-made bus cycles: each AXI4 / AXI4-Lite rule broken once
  is reported with its rule name; a legal exchange (stalls, W before AW, bursts) is clean.
- ``IrqRules``: irq against IRQ_ENABLE / EXIT_PENDING.
- Planted violations in a mutated copy of the RTL (Icarus, instant build), caught in a
  real co-simulation and reported as a failure of the run: ARADDR that changes while
  ARVALID waits for ARREADY (kind ``axi_protocol``), and an ``irq`` that ignores EXIT_PENDING
  (kind ``irq``).  The unmutated RTL under the same stalls shows no violation.
- ``--axi-error`` parsing, ``AxiMemSettings`` from a job, the env under a pyuvm test per
  scenario (the fault-injection test's factory variant of the memory agent).
"""
from __future__ import annotations

import pytest

from tb.agents.axi_protocol import AxiProtocolChecker, ChannelSample
from tb.agents.irq import EXIT_PENDING, IRQ_ENABLE, IrqRules

IDLE = ChannelSample(0, 1)


def ar(addr=0x1000, valid=1, ready=1, **kw):
    p = {"id": 0, "addr": addr, "len": 0, "size": 2, "burst": 1, "lock": 0, "cache": 3, "prot": 0}
    p.update(kw)
    return ChannelSample(valid, ready, p if valid else None)


def aw(addr=0x1000, valid=1, ready=1, **kw):
    return ar(addr, valid, ready, **kw)


def r(valid=1, ready=1, **kw):
    p = {"id": 0, "data": 0, "resp": 0, "last": 1}
    p.update(kw)
    return ChannelSample(valid, ready, p if valid else None)


def w(valid=1, ready=1, **kw):
    p = {"data": 0, "strb": 0xF, "last": 1}
    p.update(kw)
    return ChannelSample(valid, ready, p if valid else None)


def b(valid=1, ready=1, **kw):
    p = {"id": 0, "resp": 0}
    p.update(kw)
    return ChannelSample(valid, ready, p if valid else None)


def run(cycles, lite=False):
    c = AxiProtocolChecker("m_axi", lite=lite)
    for cyc in cycles:
        c.cycle({ch: cyc.get(ch, IDLE) for ch in ("aw", "w", "b", "ar", "r")})
    return [v.rule for v in c.violations], c


def test_legal_exchanges_are_clean():
    rules, c = run([
        {"ar": ar(ready=0)}, {"ar": ar(ready=0)}, {"ar": ar()},                   # stalled AR
        {"r": r(ready=0)}, {"r": r()},                                             # stalled R
        {"w": w(last=0)}, {"aw": aw(len=1)},                                       # W runs ahead of AW
        {"w": w(last=1)}, {"b": b()},
        {"ar": ar(addr=0xFF8, len=1)}, {"r": r(last=0)}, {"r": r(last=1)},        # 2-beat INCR to the boundary
        {"ar": ar(addr=0x100, len=3, burst=2)}, {"r": r(last=0)}, {"r": r(last=0)}, {"r": r(last=0)}, {"r": r()},
        {"ar": ar(lock=1, id=3)}, {"r": r(id=3, resp=1)},                          # EXOKAY for an exclusive read
    ])
    assert rules == [], rules
    assert c.outstanding() == 0 and c.handshakes["r"] == 8


@pytest.mark.parametrize("cycles,rule", [
    ([{"ar": ar(ready=0)}, {"ar": ar(valid=0)}], "valid_dropped"),
    ([{"ar": ar(ready=0)}, {"ar": ar(addr=0x1004)}], "payload_changed"),
    ([{"w": w(ready=0)}, {"w": w(data=5)}], "payload_changed"),
    ([{"ar": ar()}, {"r": r(ready=0, data=1)}, {"r": r(data=2)}], "payload_changed"),
    ([{"ar": ChannelSample(None, 1)}], "x_valid"),
    ([{"ar": ChannelSample(0, None)}], "x_ready"),
    ([{"ar": ar(addr=None)}], "x_payload"),
    ([{"ar": ar(burst=3)}], "burst_type"),
    ([{"ar": ar(burst=2, len=2)}], "burst_len"),
    ([{"ar": ar(burst=0, len=16)}], "burst_len"),
    ([{"ar": ar(size=3)}], "burst_size"),
    ([{"ar": ar(addr=0xFFC, len=1)}], "4k_boundary"),
    ([{"aw": aw(addr=0x1F00, len=64)}], "4k_boundary"),
    ([{"aw": aw()}, {"w": w(last=0)}], "wlast"),
    ([{"aw": aw(len=1)}, {"w": w(last=1)}], "wlast"),
    ([{"w": w(last=0)}, {"aw": aw()}], "wlast"),                 # W ahead of its AW, checked at the AW
    ([{"b": b()}], "bid"),
    ([{"aw": aw(id=1)}, {"w": w()}, {"b": b(id=2)}], "bid"),
    ([{"aw": aw()}, {"b": b()}], "bid"),                         # B before the write data
    ([{"r": r()}], "rid"),
    ([{"ar": ar(id=1)}, {"r": r(id=0)}], "rid"),
    ([{"ar": ar(len=1)}, {"r": r(last=1)}], "rlast"),
    ([{"ar": ar()}, {"r": r(last=0)}], "rlast"),
    ([{"ar": ar()}, {"r": r(resp=1)}], "rresp"),
    ([{"aw": aw()}, {"w": w()}, {"b": b(resp=1)}], "bresp"),
])
def test_each_rule_is_caught(cycles, rule):
    rules, _ = run(cycles)
    assert rule in rules, rules


def test_lite_rules():
    def lite(valid=1, ready=1, **p):
        return ChannelSample(valid, ready, p if valid else None)
    ok, _ = run([{"aw": lite(addr=4, prot=0)}, {"w": lite(data=1, strb=15)}, {"b": lite(resp=0)},
                 {"ar": lite(addr=4, prot=0)}, {"r": lite(data=1, resp=0)}], lite=True)
    assert ok == []
    assert run([{"r": lite(data=1, resp=0)}], lite=True)[0] == ["rid"]
    assert run([{"aw": lite(ready=0, addr=4, prot=0)}, {"aw": lite(addr=8, prot=0)}], lite=True)[0] == ["payload_changed"]


def test_irq_rules():
    rules = IrqRules()
    assert rules.line(None).rule == "irq_xz"
    assert rules.line(1).rule == "irq_disabled"
    assert rules.register(True, IRQ_ENABLE, 0b01, 0, 0) is None
    assert rules.line(1) is None
    assert rules.register(False, EXIT_PENDING, 0b01, 0, 1) is None
    assert rules.register(False, EXIT_PENDING, 0b10, 0, 1).rule == "irq_level"     # pending but not enabled
    assert rules.register(False, EXIT_PENDING, 0b01, 0, 0).rule == "irq_level"     # enabled pending, irq low
    assert rules.register(False, IRQ_ENABLE, 0b11, 0, 0) is None and rules.irq_enable == 0b11


def test_parse_axi_error():
    from tb.agents.axi_mem import parse_axi_error, resolve_error
    from vmm_model.memory import DECERR
    e = parse_axi_error("0x1000-0x2000:decerr:read")
    assert e == {"lo": 0x1000, "hi": 0x2000, "response": "decerr", "dir": "read"}
    r_ = resolve_error(e)
    assert (r_.lo, r_.hi, r_.response, r_.reads, r_.writes) == (0x1000, 0x2000, DECERR, True, False)
    assert parse_axi_error("gpa:0x80001000:slverr") == {"gpa": 0x80001000, "response": "slverr", "dir": "both"}
    assert parse_axi_error("gpte:0x80001000:slverr:write")["dir"] == "write"
    for bad in ("0x2000-0x1000:slverr", "0x1000:slverr", "0x0-0x10:okay", "0x0-0x10:slverr:sideways",
                "gpa:zz:slverr", "gpa:0x1000", "0x0-0x200000000:slverr"):
        with pytest.raises(ValueError):
            parse_axi_error(bad)


def test_settings_from_job():
    from tb.agents.axi_mem import AxiMemSettings, StressAxiMemAgent
    s = AxiMemSettings.from_job({"axi": {"latency": 3, "backpressure": 0.2, "error_rate": 0.1}})
    assert s.latency == (3, 3) and s.backpressure == 0.2 and s.bus_errors(seed=4).rate == 0.1
    assert AxiMemSettings.from_job({"backpressure": 0.5}).backpressure == 0.5      # the older key
    over = AxiMemSettings.from_job({"axi": {"latency": [0, 2]}}, StressAxiMemAgent.default_settings)
    assert over.latency == (0, 2) and over.backpressure == 0.3                       # job over variant defaults
    assert AxiMemSettings().bus_errors(1) is None
    for bad in ({"latency": [5, 2]}, {"backpressure": 0.99}, {"error_rate": 2}):
        with pytest.raises(ValueError):
            AxiMemSettings.from_job({"axi": bad})


# ------------------------------------------------------------------ in the simulator
ARADDR_ORIGINAL = "  assign m_axi_araddr  = addr_q;\n"
ARADDR_PLANTED = "  assign m_axi_araddr  = m_axi_arready ? addr_q : (addr_q ^ 32'h4);\n"
IRQ_ORIGINAL = "  assign irq_o            = |(is_exit_pending & irq_enable_q);\n"
IRQ_PLANTED = "  assign irq_o            = |(is_exit_pending | irq_enable_q);\n"


def _mutant_run(tmp_path, guest_elfs, file, original, planted, **job_keys):
    from tb.cosim import run_cosim
    from tests.rtl.conftest import missing_simulator
    from tests.test_cosim_mutants import mutated_sources
    if missing_simulator("icarus"):
        pytest.fail(missing_simulator("icarus"))
    sources = mutated_sources(tmp_path / "rtl", file, original, planted) if file else None
    (tmp_path / "rtl").mkdir(exist_ok=True)
    job = {"name": "m", "elfs": [str(guest_elfs["rv32i_alu"])], "options": {"seed": 1}, **job_keys}
    [res] = run_cosim([job], "icarus", tmp_path / "run", sources=sources)
    return res


def test_planted_araddr_change_is_an_axi_protocol_failure(tmp_path, guest_elfs):
    (tmp_path / "rtl").mkdir()
    res = _mutant_run(tmp_path, guest_elfs, "vcpu_axi_master.sv", ARADDR_ORIGINAL, ARADDR_PLANTED,
                      axi={"backpressure": 0.5})
    assert res["status"] == "mismatch", res["message"]
    assert res["mismatch"]["kind"] == "axi_protocol" and res["mismatch"]["rule"] == "payload_changed"
    assert "araddr" in res["message"], res["message"]


def test_planted_irq_ignoring_exit_pending_is_an_irq_failure(tmp_path, guest_elfs):
    (tmp_path / "rtl").mkdir()
    res = _mutant_run(tmp_path, guest_elfs, "vcpu_ctl.sv", IRQ_ORIGINAL, IRQ_PLANTED)
    assert res["status"] == "mismatch", res["message"]
    # irq follows IRQ_ENABLE alone: it rises at the enable write, with no exit pending.
    assert res["mismatch"]["kind"] == "irq", res["message"]
    assert res["mismatch"]["rule"] in ("irq_disabled", "irq_level"), res["message"]
    assert res["checked"] == 0


def test_real_rtl_under_stalls_has_no_violation(tmp_path, guest_elfs):
    res = _mutant_run(tmp_path, guest_elfs, None, None, None, axi={"backpressure": 0.5, "latency": [0, 3]})
    assert res["status"] == "pass", res
    agents = res["agents"]
    assert agents["violations"] == 0 and agents["irq_rises"] >= 1
    assert agents["m_axi_handshakes"]["ar"] == agents["m_axi_handshakes"]["r"] > 100
    assert agents["s_axil_items_driven"] == agents["s_axil_accesses_seen"] > 20   # every access seen
