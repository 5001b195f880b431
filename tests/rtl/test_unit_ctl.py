"""vcpu_ctl alone (top level), with a Python model of the core on its core-side ports.

pytest runs the cocotb tests below on both simulators; cocotb tests are the
``async def`` functions decorated with ``@cocotb.test`` (named without ``test_``
so that pytest does not collect them itself).
"""
from __future__ import annotations

import pytest

try:
    import cocotb
    from cocotb.triggers import ClockCycles, RisingEdge
except ImportError:  # pragma: no cover
    cocotb = None

from tb.sim import runner
from tb.sim.tools import RTL_DIR

SOURCES = [RTL_DIR / "vcpu_regmap_pkg.sv", RTL_DIR / "vcpu_axil_slave.sv", RTL_DIR / "vcpu_ctl.sv"]
PARAMS = {"NUM_VCPUS": 2, "TLB_ENTRIES": 16}


TESTS_2 = ["ctl_global_registers", "ctl_windows", "ctl_windows_state_port_latency", "ctl_life_cycle", "ctl_scheduling", "ctl_flush_and_time",
           "ctl_axil_handshakes"]


@pytest.mark.parametrize("sim", ["verilator", "icarus"])
def test_ctl(sim, tmp_path):
    b = runner.build(sim, top="vcpu_ctl", parameters=PARAMS, sources=SOURCES)
    runner.run_and_check(b, __name__, testcase=TESTS_2, test_dir=tmp_path, log_file=tmp_path / "sim.log")


@pytest.mark.parametrize("sim", ["verilator", "icarus"])
def test_ctl_three_contexts(sim, tmp_path):
    b = runner.build(sim, top="vcpu_ctl", parameters={**PARAMS, "NUM_VCPUS": 3}, sources=SOURCES)
    runner.run_and_check(b, __name__, testcase="ctl_round_robin3", test_dir=tmp_path,
                         log_file=tmp_path / "sim.log")


# ---------------------------------------------------------------------------
# cocotb tests (run inside the simulator).
# ---------------------------------------------------------------------------
if cocotb is not None:
    from interfaces import regmap
    from tb.sim.unit_tb import (CTRL_HALT, CTRL_RESET, CTRL_RUN, CTRL_STOP, CTX_EXIT_PENDING, CTX_HALTED,
                                CTX_IDLE, CTX_RUNNING, STOP_CAUSE, FakeCore, Harness, check_global_registers,
                                check_window)

    async def _setup(dut, plan=None):
        h = Harness(dut, clk_name="clk_i", rst_name="rst_ni")
        core = FakeCore(dut, h.clk, num_vcpus=PARAMS["NUM_VCPUS"])
        core.plan.update(plan or {})
        await h.reset()
        return h, core

    @cocotb.test(timeout_time=2, timeout_unit="ms")
    async def ctl_global_registers(dut):
        h, core = await _setup(dut)
        await check_global_registers(h, PARAMS["NUM_VCPUS"], PARAMS["TLB_ENTRIES"])
        assert not core.errors, core.errors

    @cocotb.test(timeout_time=2, timeout_unit="ms")
    async def ctl_windows(dut):
        h, core = await _setup(dut)
        for ctx in range(PARAMS["NUM_VCPUS"]):
            await check_window(h, ctx)
        assert core.resets == [0, 1]
        assert not core.errors, core.errors

    @cocotb.test(timeout_time=2, timeout_unit="ms")
    async def ctl_windows_state_port_latency(dut):
        """The state port answered in the request's own cycle, and three cycles late."""
        h, core = await _setup(dut)
        core.st_latency = 0
        await check_window(h, 0)
        core.st_latency = 3
        await check_window(h, 1)
        assert not core.errors, core.errors

    @cocotb.test(timeout_time=2, timeout_unit="ms")
    async def ctl_life_cycle(dut):
        h, core = await _setup(dut, plan={0: 20})
        await h.gwr("IRQ_ENABLE", 0b01)
        assert int(dut.irq_o.value) == 0
        # IDLE -> RUNNING -> (20 retirements) -> EXIT_PENDING, irq.
        await h.ctrl(0, CTRL_RUN)
        await h.wait_state(0, CTX_EXIT_PENDING)
        assert core.starts == [0] and core.exits == [(0, 10)]
        assert int(dut.irq_o.value) == 1
        assert await h.grd("EXIT_PENDING") == 0b01
        assert await h.time() == 20 and await h.grd("RETIRED_LO") == 20
        # RUN is ignored while EXIT_PENDING; W1C of another bit changes nothing.
        await h.ctrl(0, CTRL_RUN)
        await h.gwr("EXIT_PENDING", 0b10)
        assert await h.state(0) == CTX_EXIT_PENDING and core.starts == [0]
        # IRQ_ENABLE masks irq.
        await h.gwr("IRQ_ENABLE", 0)
        await RisingEdge(dut.clk_i)
        assert int(dut.irq_o.value) == 0
        await h.gwr("IRQ_ENABLE", 1)
        await RisingEdge(dut.clk_i)
        assert int(dut.irq_o.value) == 1
        # W1C -> IDLE, irq falls.
        await h.gwr("EXIT_PENDING", 0b01)
        assert await h.state(0) == CTX_IDLE
        await RisingEdge(dut.clk_i)
        assert int(dut.irq_o.value) == 0
        # HALT from IDLE; RUN refused; STOP ignored; RESET -> IDLE.
        await h.ctrl(0, CTRL_HALT)
        assert await h.state(0) == CTX_HALTED
        await h.ctrl(0, CTRL_RUN)
        await h.ctrl(0, CTRL_STOP)
        await ClockCycles(dut.clk_i, 5)
        assert await h.state(0) == CTX_HALTED and core.starts == [0]
        await h.cwr(0, "x3", 0x77)          # a halted context's window is accessible
        assert await h.crd(0, "x3") == 0x77
        await h.ctrl(0, CTRL_RESET)
        assert await h.state(0) == CTX_IDLE
        assert await h.crd(0, "x3") == 0
        # STOP of a running context: exit with STOP_CAUSE, EXIT_PENDING.
        core.plan[0] = None
        await h.ctrl(0, CTRL_RUN)
        assert await h.state(0) == CTX_RUNNING
        assert await h.crd(0, "x3") == 0    # running: reads 0 ...
        await h.cwr(0, "x3", 0x55)          # ... and writes are dropped
        assert (await h.grd("ACTIVE")) == (1 << 31) | 0
        await h.ctrl(0, CTRL_STOP)
        await h.wait_state(0, CTX_EXIT_PENDING)
        assert core.exits[-1] == (0, STOP_CAUSE)
        assert await h.crd(0, "scause") == STOP_CAUSE
        assert await h.crd(0, "x3") == 0
        assert await h.grd("ACTIVE") == 0
        # HALT from EXIT_PENDING clears the pending bit.
        await h.ctrl(0, CTRL_HALT)
        assert await h.state(0) == CTX_HALTED and await h.grd("EXIT_PENDING") == 0
        await h.ctrl(0, CTRL_RESET)
        # HALT of a running context: stop first, then HALTED (no exit pending, no irq).
        await h.ctrl(0, CTRL_RUN)
        await h.ctrl(0, CTRL_HALT)
        await h.wait_state(0, CTX_HALTED)
        assert await h.grd("EXIT_PENDING") == 0 and int(dut.irq_o.value) == 0
        await h.ctrl(0, CTRL_RESET)
        # RESET of a running context: stop first, then every field at reset, IDLE.
        await h.cwr(0, "x7", 0x1234)
        await h.ctrl(0, CTRL_RUN)
        await h.ctrl(0, CTRL_RESET)
        await h.wait_state(0, CTX_IDLE)
        assert await h.crd(0, "x7") == 0
        assert await h.crd(0, "scause") == 0
        assert not core.errors, core.errors

    @cocotb.test(timeout_time=2, timeout_unit="ms")
    async def ctl_scheduling(dut):
        h, core = await _setup(dut, plan={0: 10, 1: 10})
        await h.gwr("IRQ_ENABLE", 0b11)
        # Both requested while the core is busy with neither: ctx 0 first, then 1.
        await h.ctrl(1, CTRL_RUN)
        await h.ctrl(0, CTRL_RUN)
        await h.wait_state(0, CTX_EXIT_PENDING)
        await h.wait_state(1, CTX_EXIT_PENDING)
        # ctx 1's RUN arrived first and the core was free: it started first.
        assert core.starts == [1, 0], core.starts
        assert await h.grd("EXIT_PENDING") == 0b11
        await h.gwr("EXIT_PENDING", 0b11)
        # A context queued behind the running one starts when the core is free.
        core.plan.update({0: None, 1: 30})
        await h.ctrl(0, CTRL_RUN)          # on the core, runs until stopped
        await h.ctrl(1, CTRL_RUN)          # queued behind it
        assert await h.state(1) == CTX_RUNNING
        assert await h.crd(1, "pc") == 0   # queued counts as RUNNING: window reads 0
        await h.ctrl(0, CTRL_STOP)
        await h.wait_state(1, CTX_EXIT_PENDING)
        assert core.starts[-2:] == [0, 1], core.starts
        # STOP of a queued context: it starts and exits at once with STOP_CAUSE.
        await h.gwr("EXIT_PENDING", 0b11)
        core.plan[0] = None
        core.plan[1] = None
        await h.ctrl(0, CTRL_RUN)
        await h.ctrl(1, CTRL_RUN)
        await h.ctrl(1, CTRL_STOP)
        await h.ctrl(0, CTRL_STOP)
        await h.wait_state(0, CTX_EXIT_PENDING)
        await h.wait_state(1, CTX_EXIT_PENDING)
        assert core.exits[-2:] in ([(0, STOP_CAUSE), (1, STOP_CAUSE)], [(1, STOP_CAUSE), (0, STOP_CAUSE)])
        # HALT of a queued context: it never starts.
        await h.gwr("EXIT_PENDING", 0b11)
        n = len(core.starts)
        await h.ctrl(0, CTRL_RUN)
        await h.ctrl(1, CTRL_RUN)
        await h.ctrl(1, CTRL_HALT)
        assert await h.state(1) == CTX_HALTED
        await h.ctrl(0, CTRL_STOP)
        await h.wait_state(0, CTX_EXIT_PENDING)
        assert core.starts[n:] == [0], core.starts[n:]
        assert not core.errors, core.errors

    @cocotb.test(timeout_time=2, timeout_unit="ms")
    async def ctl_flush_and_time(dut):
        h, core = await _setup(dut, plan={0: 7})
        await h.gwr("FLUSH_VMID", 0x55)
        await h.gwr("FLUSH_ASID", 0x1AB)
        await h.gwr("FLUSH_ADDR", 0xDEAD_BEEC)
        await h.gwr("FLUSH_CMD", regmap.FLUSH_VVMA | (1 << 4) | (1 << 5))
        await h.gwr("FLUSH_CMD", regmap.FLUSH_GVMA)
        await h.gwr("FLUSH_CMD", 3)        # reserved kind -> ALL
        await ClockCycles(dut.clk_i, 2)
        assert core.flushes == [
            {"kind": 2, "use_asid": 1, "use_addr": 1, "vmid": 0x55, "asid": 0x1AB, "addr": 0xDEAD_BEEC},
            {"kind": 1, "use_asid": 0, "use_addr": 0, "vmid": 0x55, "asid": 0x1AB, "addr": 0xDEAD_BEEC},
            {"kind": 0, "use_asid": 0, "use_addr": 0, "vmid": 0x55, "asid": 0x1AB, "addr": 0xDEAD_BEEC},
        ], core.flushes
        # Time: VMM-written base plus one per retirement, carried into TIME_HI.
        await h.gwr("TIME_HI", 1)
        await h.gwr("TIME_LO", 0xFFFF_FFFC)
        await h.ctrl(0, CTRL_RUN)
        await h.wait_state(0, CTX_EXIT_PENDING)
        assert await h.time() == (1 << 32) + 0xFFFF_FFFC + 7
        assert int(dut.time_o.value) == (1 << 32) + 0xFFFF_FFFC + 7
        assert await h.grd("RETIRED_LO") == 7
        assert not core.errors, core.errors

    @cocotb.test(timeout_time=2, timeout_unit="ms")
    async def ctl_round_robin3(dut):
        """NUM_VCPUS=3: round-robin after the context started last (not lowest-first)."""
        h = Harness(dut, clk_name="clk_i", rst_name="rst_ni")
        core = FakeCore(dut, h.clk, num_vcpus=3)
        await h.reset()
        assert h.num_vcpus == 3
        assert (await h.rd_resp(regmap.ctx_base(3)))[1] == 3, "ctx 3 window: DECERR"
        core.plan.update({0: 5, 1: None, 2: 5})
        await h.ctrl(1, CTRL_RUN)          # free core: starts at once, holds it
        await h.ctrl(0, CTRL_RUN)
        await h.ctrl(2, CTRL_RUN)
        await h.ctrl(1, CTRL_STOP)
        for ctx in range(3):
            await h.wait_state(ctx, CTX_EXIT_PENDING)
        assert core.starts == [1, 2, 0], core.starts
        await h.gwr("EXIT_PENDING", 0b111)
        core.plan.update({0: None, 1: 5, 2: 5})
        await h.ctrl(0, CTRL_RUN)
        await h.ctrl(2, CTRL_RUN)
        await h.ctrl(1, CTRL_RUN)
        await h.ctrl(0, CTRL_STOP)
        for ctx in range(3):
            await h.wait_state(ctx, CTX_EXIT_PENDING)
        assert core.starts[3:] == [0, 1, 2], core.starts
        # RESET of idle contexts: one ctx_reset pulse each, in command order.
        await h.ctrl(2, CTRL_RESET)
        await h.ctrl(0, CTRL_RESET)
        await ClockCycles(dut.clk_i, 3)
        assert core.resets == [2, 0] and not core.errors, (core.resets, core.errors)

    @cocotb.test(timeout_time=2, timeout_unit="ms")
    async def ctl_axil_handshakes(dut):
        """Raw AXI4-Lite driving: W after AW, B/R back-pressure, read and write offered together."""
        from cocotb.clock import Clock
        from cocotb.triggers import FallingEdge, ReadOnly
        clk = dut.clk_i
        for name in ("awvalid", "wvalid", "bready", "arvalid", "rready"):
            getattr(dut, f"s_axil_{name}").value = 0
        for name in ("awaddr", "wdata", "araddr", "awprot", "arprot"):
            getattr(dut, f"s_axil_{name}").value = 0
        dut.s_axil_wstrb.value = 0xF
        dut.rst_ni.value = 0
        FakeCore(dut, clk, num_vcpus=PARAMS["NUM_VCPUS"])
        cocotb.start_soon(Clock(clk, 10, unit="ns").start())
        await ClockCycles(clk, 3)
        dut.rst_ni.value = 1

        async def sample():
            await RisingEdge(clk)
            await ReadOnly()

        scratch = regmap.GLOBAL_BY_NAME["SCRATCH"].offset
        # 1. AW alone: no handshake until W is there too.
        await FallingEdge(clk)
        dut.s_axil_awaddr.value = scratch
        dut.s_axil_awvalid.value = 1
        for _ in range(3):
            await sample()
            assert int(dut.s_axil_awready.value) == 0 and int(dut.s_axil_wready.value) == 0
        await FallingEdge(clk)
        dut.s_axil_wdata.value = 0xFEED_BEEF
        dut.s_axil_wvalid.value = 1
        await ReadOnly()
        assert int(dut.s_axil_awready.value) == 1 and int(dut.s_axil_wready.value) == 1
        await FallingEdge(clk)
        dut.s_axil_awvalid.value = 0
        dut.s_axil_wvalid.value = 0
        # B held under back-pressure.
        seen = 0
        for _ in range(6):
            await sample()
            seen += int(dut.s_axil_bvalid.value)
        assert seen >= 4 and int(dut.s_axil_bvalid.value) == 1 and int(dut.s_axil_bresp.value) == 0
        await FallingEdge(clk)
        dut.s_axil_bready.value = 1
        await sample()
        await sample()
        assert int(dut.s_axil_bvalid.value) == 0
        # 2. Read and write offered in the same cycle: both complete, R held under back-pressure.
        await FallingEdge(clk)
        dut.s_axil_araddr.value = scratch
        dut.s_axil_arvalid.value = 1
        dut.s_axil_awaddr.value = regmap.GLOBAL_BY_NAME["FLUSH_ADDR"].offset
        dut.s_axil_awvalid.value = 1
        dut.s_axil_wdata.value = 0x1234_5678
        dut.s_axil_wvalid.value = 1
        got_r = got_w = False
        rdata = None
        held = 0
        for _ in range(30):
            await sample()
            ar, aw = int(dut.s_axil_arready.value), int(dut.s_axil_awready.value)
            assert not (ar and aw), "one transaction at a time"
            if int(dut.s_axil_rvalid.value):
                v = int(dut.s_axil_rdata.value)
                assert rdata in (None, v), "rdata changed while RVALID was held"
                rdata = v
                held += 1
            await FallingEdge(clk)
            if ar:
                dut.s_axil_arvalid.value = 0
            if aw:
                dut.s_axil_awvalid.value = 0
                dut.s_axil_wvalid.value = 0
                got_w = True
            if held >= 4 and not got_r:
                dut.s_axil_rready.value = 1        # release R after holding it off for 4 cycles
                got_r = True
        assert got_w and got_r and rdata == 0xFEED_BEEF, (got_w, got_r, rdata)
        assert int(dut.s_axil_rvalid.value) == 0 and int(dut.s_axil_bvalid.value) == 0
        assert int(dut.u_axil_slave.state_q.value) == 0
