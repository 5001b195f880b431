"""Smoke tests of the whole unit (vcpu_unit) on both simulators, with plain cocotb.

The VMM side is an ``AxiLiteMaster`` on ``s_axil``; guest memory is an ``AxiRam``
on ``m_axi`` (wrapped to inject SLVERR), with Sv32x4 G-stage tables built in
Python; guests are a few lines of assembly (riscv64-unknown-elf toolchain).
cocotb tests are the ``@cocotb.test`` functions below (not named ``test_*``, so
pytest does not collect them itself); pytest runs them per simulator.
"""
from __future__ import annotations

import pytest

from tb.sim import runner
from tb.sim.guest_mem import have_toolchain

try:
    import cocotb
    from cocotb.triggers import ClockCycles, First, RisingEdge
    from cocotb.utils import get_sim_time
except ImportError:  # pragma: no cover
    cocotb = None


@pytest.mark.parametrize("sim", ["verilator", "icarus"])
def test_unit(sim, tmp_path):
    if not have_toolchain():
        pytest.skip("riscv64-unknown-elf toolchain not installed (make setup)")
    b = runner.build(sim)
    runner.run_and_check(b, __name__, test_dir=tmp_path, log_file=tmp_path / "sim.log")


@pytest.mark.parametrize("sim", ["verilator"])
def test_unit_other_parameters(sim, tmp_path):
    """NUM_VCPUS=3, TLB_ENTRIES=4: the registers, and guests that overflow the small TLB."""
    if not have_toolchain():
        pytest.skip("riscv64-unknown-elf toolchain not installed (make setup)")
    b = runner.build(sim, parameters={"NUM_VCPUS": 3, "TLB_ENTRIES": 4})
    runner.run_and_check(b, __name__, testcase=["unit_registers", "unit_two_stage", "unit_two_contexts",
                                                "unit_guest_page_fault"],
                         test_dir=tmp_path, log_file=tmp_path / "sim.log",
                         extra_env={"HVCOSIM_NUM_VCPUS": "3", "HVCOSIM_TLB_ENTRIES": "4"})


# ---------------------------------------------------------------------------
# cocotb tests (run inside the simulator).
# ---------------------------------------------------------------------------
if cocotb is not None:
    from interfaces import regmap
    from interfaces.vcpu_state import PREEMPT_CAUSE
    from tb.sim.guest_mem import PTE_R, PTE_W, PTE_X, GStage, HostRam, assemble, words
    from tb.sim.unit_tb import (CTRL_HALT, CTRL_RESET, CTRL_RUN, CTRL_STOP, CTX_EXIT_PENDING, CTX_HALTED,
                                CTX_IDLE, CTX_RUNNING, STOP_CAUSE, Harness, check_global_registers,
                                check_window)

    import os
    NUM_VCPUS = int(os.environ.get("HVCOSIM_NUM_VCPUS", "2"))
    TLB_ENTRIES = int(os.environ.get("HVCOSIM_TLB_ENTRIES", "16"))
    GUEST_BASE = 0x8000_0000
    EXIT_TIMEOUT_CYCLES = 40_000
    ECALL = 0x0000_0073
    SRST = 0x5352_5354
    HSTATUS_GVA, HSTATUS_SPV, HSTATUS_SPVP = 1 << 6, 1 << 7, 1 << 8

    # Host-physical layout (AxiRam of 1 MiB).
    CTX_MEM = {
        0: {"root": 0x1_0000, "tables": 0x1_8000, "code": 0x2_0000, "data": 0x2_3000, "err": 0x2_1000,
            "demand": 0x2_4000, "demand2": 0x2_5000, "vmid": 1},
        1: {"root": 0x4_0000, "tables": 0x4_8000, "code": 0x5_0000, "data": 0x5_3000, "err": 0x5_1000,
            "demand": 0x5_4000, "demand2": 0x5_5000, "vmid": 2},
    }
    GPA_CODE, GPA_DATA, GPA_ERR, GPA_HOLE, GPA_HOLE2 = (GUEST_BASE + i * 0x1000 for i in range(5))

    class Unit:
        """Harness + host RAM + per-context G-stage tables: a minimal VMM."""

        def __init__(self, dut):
            self.dut = dut
            self.h = Harness(dut)
            self.mem = HostRam(dut, self.h.clk, self.h.rst_n)
            self.g = {}

        async def reset(self):
            await self.h.reset()

        async def load_guest(self, ctx: int, source: str, map_err: bool = False) -> list[int]:
            m = CTX_MEM[ctx]
            image = assemble(source, GUEST_BASE)
            assert len(image) <= 0x1000
            self.mem.write(m["code"], image)
            g = GStage(self.mem, m["root"], m["tables"], vmid=m["vmid"])
            g.map(GPA_CODE, m["code"], PTE_R | PTE_X)
            g.map(GPA_DATA, m["data"], PTE_R | PTE_W)
            if map_err:
                g.map(GPA_ERR, m["err"], PTE_R | PTE_W | PTE_X)
                self.mem.inject_error(m["err"], m["err"] + 0x1000)
            self.g[ctx] = g
            await self.h.cwr(ctx, "hgatp", g.hgatp)
            await self.h.cwr(ctx, "pc", GUEST_BASE)
            await self.h.cwr(ctx, "x10", ctx)           # a0 = vCPU id (platform contract)
            return words(image)

        async def run_to_exit(self, ctx: int, max_cycles: int = EXIT_TIMEOUT_CYCLES) -> int:
            """RUN ``ctx`` and wait for its exit (irq); return the cycles from RUN to irq."""
            await self.h.gwr("IRQ_ENABLE", 1 << ctx)
            t0 = get_sim_time("ns")
            await self.h.ctrl(ctx, CTRL_RUN)
            if not int(self.dut.irq.value):
                r = await First(RisingEdge(self.dut.irq), ClockCycles(self.h.clk, max_cycles))
                if not int(self.dut.irq.value):
                    st = await self.h.state(ctx)
                    pc = await self.h.grd("RETIRED_LO")
                    raise AssertionError(f"ctx {ctx}: no exit within {max_cycles} cycles "
                                         f"(state {st}, {pc} retired; {r})")
            cycles = int((get_sim_time("ns") - t0) // 10)
            assert await self.h.state(ctx) == CTX_EXIT_PENDING
            return cycles

        async def exit_record(self, ctx: int) -> dict[str, int]:
            names = ("scause", "sepc", "stval", "htval", "htinst", "hstatus", "pc", "priv")
            return {n: await self.h.crd(ctx, n) for n in names}

        async def resume(self, ctx: int, pc: int | None = None) -> None:
            if pc is not None:
                await self.h.cwr(ctx, "pc", pc)
            await self.h.gwr("EXIT_PENDING", 1 << ctx)
            assert await self.h.state(ctx) == CTX_IDLE

    class RvfiMonitor:
        """Samples ``rvfi_*`` every cycle (tests here are short) and checks each record."""

        FIELDS = ("valid", "order", "insn", "trap", "mode", "ixl", "pc_rdata", "pc_wdata", "ext_ctx",
                  "ext_exit", "ext_cause", "ext_tval", "ext_htval", "ext_htinst", "rd_addr", "rd_wdata",
                  "mem_addr", "mem_rmask", "mem_wmask", "ext_mem_paddr")

        def __init__(self, dut, clk):
            self.dut, self.clk = dut, clk
            self.records: list[dict] = []
            cocotb.start_soon(self._run())

        async def _run(self):
            from cocotb.triggers import ReadOnly
            while True:
                await RisingEdge(self.clk)
                await ReadOnly()
                if int(self.dut.rst_n.value) and int(self.dut.rvfi_valid.value):
                    self.records.append({f: int(getattr(self.dut, f"rvfi_{f}").value) for f in self.FIELDS})

        def of(self, ctx):
            return [r for r in self.records if r["ext_ctx"] == ctx]

    def fmt(rec):
        return ", ".join(f"{k}={v:#x}" for k, v in rec.items())

    # -- guests -----------------------------------------------------------------
    G_ECALL = f"""
        li t0, 0
        li t1, 10
    1:  add t0, t0, t1
        addi t1, t1, -1
        bnez t1, 1b                 # t0 = 55
        li t2, {GPA_DATA:#x}
        sw t0, 0(t2)
        lw t3, 0(t2)
        mul s1, t3, t3              # 3025
        divu s2, s1, t1             # divide by zero: all ones
        mv s3, a0                   # vCPU id
        li a7, {SRST:#x}            # SBI SRST system_reset(shutdown, no reason)
        li a6, 0
        li a0, 0
        li a1, 0
        ecall
        li a7, 8                    # after resume: legacy shutdown
        li a0, 0x55
        ecall
    """

    G_ACCESS = f"""
        li t2, {GPA_ERR:#x}
        lw t3, 8(t2)                # SLVERR on the host-physical read: load access fault
        li a7, 8
        ecall
    """

    G_GPF = f"""
        li t1, {GPA_HOLE:#x}
        li a1, 0x1234
        lw a0, 4(t1)                # G-stage miss: load guest-page fault
        sw a1, 12(t1)               # (after the VMM mapped it) store; then
        li t4, {GPA_HOLE2:#x}
        sw a1, 16(t4)               # G-stage miss: store guest-page fault
        lw a2, 16(t4)
        li a7, 8
        ecall
    """

    G_LOOP = """
    1:  addi t0, t0, 1
        j 1b
    """

    # -- tests ------------------------------------------------------------------
    @cocotb.test(timeout_time=20, timeout_unit="ms")
    async def unit_registers(dut):
        u = Unit(dut)
        await u.reset()
        assert u.h.num_vcpus == NUM_VCPUS
        await check_global_registers(u.h, NUM_VCPUS, TLB_ENTRIES)
        for ctx in range(NUM_VCPUS):
            await check_window(u.h, ctx)
        assert await u.h.grd("ACTIVE") == 0 and int(dut.irq.value) == 0

    @cocotb.test(timeout_time=50, timeout_unit="ms")
    async def unit_guest_sbi_shutdown(dut):
        u = Unit(dut)
        await u.reset()
        mon = RvfiMonitor(dut, u.h.clk)
        prog = await u.load_guest(0, G_ECALL)
        ecalls = [GUEST_BASE + 4 * i for i, w in enumerate(prog) if w == ECALL]
        await u.run_to_exit(0)
        # The trace: one record per retirement, VS mode, in order, the ecall last with the exit.
        recs = mon.of(0)
        assert len(recs) == len(mon.records) == await u.h.grd("RETIRED_LO"), (len(recs), len(mon.records))
        assert [r["order"] for r in recs] == list(range(recs[0]["order"], recs[0]["order"] + len(recs)))
        assert all(r["mode"] == 1 and r["ixl"] == 1 for r in recs)
        assert recs[0]["pc_rdata"] == GUEST_BASE
        for a, b in zip(recs, recs[1:]):
            assert b["pc_rdata"] == a["pc_wdata"], f"pc chain broken after {a['pc_rdata']:#x}"
        last = recs[-1]
        assert last["insn"] == ECALL and last["trap"] == 1 and last["ext_exit"] == 1, last
        assert last["ext_cause"] == 10 and last["pc_rdata"] == ecalls[0] and last["rd_addr"] == 0, last
        assert sum(r["ext_exit"] for r in recs) == 1
        sw = next(r for r in recs if r["mem_wmask"])
        assert sw["mem_addr"] == GPA_DATA and sw["mem_wmask"] == 0xF
        assert sw["ext_mem_paddr"] == CTX_MEM[0]["data"], f"host-physical {sw['ext_mem_paddr']:#x}"
        rec = await u.exit_record(0)
        assert rec["scause"] == 10, fmt(rec)
        assert rec["sepc"] == ecalls[0] and rec["pc"] == ecalls[0], fmt(rec)
        assert rec["stval"] == 0 and rec["htval"] == 0 and rec["htinst"] == 0, fmt(rec)
        assert rec["hstatus"] & (HSTATUS_SPV | HSTATUS_SPVP) == HSTATUS_SPV | HSTATUS_SPVP, fmt(rec)
        assert rec["hstatus"] & HSTATUS_GVA == 0, fmt(rec)
        assert rec["priv"] == 1, fmt(rec)
        regs = {n: await u.h.crd(0, n) for n in ("x17", "x16", "x10", "x11", "x8", "x9", "x18", "x19")}
        assert regs["x17"] == SRST and regs["x16"] == 0 and regs["x10"] == 0 and regs["x11"] == 0, regs
        assert regs["x9"] == 3025 and regs["x18"] == 0xFFFF_FFFF and regs["x19"] == 0, regs
        assert u.mem.read32(CTX_MEM[0]["data"]) == 55
        assert await u.h.grd("EXIT_PENDING") == 1 and int(dut.irq.value) == 1
        # Retirements: time and RETIRED advanced together (one record per instruction incl. the ecall).
        retired = await u.h.grd("RETIRED_LO")
        assert retired > 20 and await u.h.time() == retired
        instret = await u.h.crd(0, "instret")
        assert instret == retired - 1, f"instret {instret} vs {retired} records (the ecall traps)"
        # Resume after the ecall: the guest reaches the legacy shutdown.
        await u.resume(0, ecalls[0] + 4)
        await RisingEdge(u.h.clk)
        assert int(dut.irq.value) == 0
        await u.run_to_exit(0)
        rec = await u.exit_record(0)
        assert rec["scause"] == 10 and rec["sepc"] == ecalls[1], fmt(rec)
        assert await u.h.crd(0, "x17") == 8 and await u.h.crd(0, "x10") == 0x55

    @cocotb.test(timeout_time=50, timeout_unit="ms")
    async def unit_guest_access_fault(dut):
        u = Unit(dut)
        await u.reset()
        prog = await u.load_guest(0, G_ACCESS, map_err=True)
        await u.run_to_exit(0)
        rec = await u.exit_record(0)
        lw_pc = GUEST_BASE + 4 * next(i for i, w in enumerate(prog) if (w & 0x7F) == 0x03)
        assert rec["scause"] == 5, fmt(rec)
        assert rec["sepc"] == lw_pc and rec["stval"] == GPA_ERR + 8, fmt(rec)
        assert rec["htval"] == 0 and rec["htinst"] == 0, fmt(rec)
        assert rec["hstatus"] & HSTATUS_GVA, f"GVA must be set for a load access fault: {fmt(rec)}"
        assert any(CTX_MEM[0]["err"] <= a < CTX_MEM[0]["err"] + 0x1000 for a in u.mem.reads)

    @cocotb.test(timeout_time=50, timeout_unit="ms")
    async def unit_guest_page_fault(dut):
        u = Unit(dut)
        await u.reset()
        prog = await u.load_guest(0, G_GPF)
        mem_ops = [(GUEST_BASE + 4 * i, w) for i, w in enumerate(prog) if (w & 0x7F) in (0x03, 0x23)]
        (lw_pc, lw), (sw_pc, _), (sw2_pc, sw2), _ = mem_ops
        await u.run_to_exit(0)
        rec = await u.exit_record(0)
        assert rec["scause"] == 21, fmt(rec)
        assert rec["sepc"] == lw_pc and rec["stval"] == GPA_HOLE + 4, fmt(rec)
        assert rec["htval"] == (GPA_HOLE + 4) >> 2, fmt(rec)
        assert rec["htinst"] == lw & 0x0000_7FFF, f"transformed lw {lw & 0x7FFF:#x}: {fmt(rec)}"
        assert rec["hstatus"] & HSTATUS_GVA, fmt(rec)
        # The VMM pages it in (demand paging), flushes the VMID's G-stage entries, resumes.
        u.g[0].map(GPA_HOLE, CTX_MEM[0]["demand"], PTE_R | PTE_W)
        u.mem.write32(CTX_MEM[0]["demand"] + 4, 0xCAFE_F00D)
        await u.h.gwr("FLUSH_VMID", CTX_MEM[0]["vmid"])
        await u.h.gwr("FLUSH_CMD", regmap.FLUSH_GVMA)
        await u.resume(0)                       # pc = sepc: the load again
        await u.run_to_exit(0)
        rec = await u.exit_record(0)
        assert await u.h.crd(0, "x10") == 0xCAFE_F00D
        assert u.mem.read32(CTX_MEM[0]["demand"] + 12) == 0x1234
        assert rec["scause"] == 23 and rec["sepc"] == sw2_pc, fmt(rec)
        assert rec["stval"] == GPA_HOLE2 + 16 and rec["htval"] == (GPA_HOLE2 + 16) >> 2, fmt(rec)
        assert rec["htinst"] == sw2 & 0x01F0_707F, f"transformed sw {sw2 & 0x01F0707F:#x}: {fmt(rec)}"
        assert sw_pc < sw2_pc

    @cocotb.test(timeout_time=50, timeout_unit="ms")
    async def unit_life_cycle(dut):
        u = Unit(dut)
        await u.reset()
        await u.load_guest(0, G_LOOP)
        await u.h.gwr("IRQ_ENABLE", 0)
        # RUN -> RUNNING; the window reads 0 and ignores writes while running.
        await u.h.ctrl(0, CTRL_RUN)
        assert await u.h.state(0) == CTX_RUNNING
        assert await u.h.grd("ACTIVE") == 1 << 31
        assert await u.h.crd(0, "pc") == 0
        await u.h.cwr(0, "x5", 0)
        t0 = await u.h.time()
        await ClockCycles(u.h.clk, 200)
        assert await u.h.time() > t0, "platform time advances with retirements"
        # STOP -> exit with STOP_CAUSE at the next boundary; irq stays low (not enabled).
        await u.h.ctrl(0, CTRL_STOP)
        await u.h.wait_state(0, CTX_EXIT_PENDING)
        assert int(dut.irq.value) == 0
        rec = await u.exit_record(0)
        assert rec["scause"] == STOP_CAUSE and rec["htinst"] == 0 and rec["stval"] == 0, fmt(rec)
        assert GUEST_BASE <= rec["sepc"] <= GUEST_BASE + 4 and rec["pc"] == rec["sepc"], fmt(rec)
        count = await u.h.crd(0, "x5")
        assert count > 5, f"the loop ran ({count})"
        # irq = EXIT_PENDING & IRQ_ENABLE, as a level.
        await u.h.gwr("IRQ_ENABLE", 0b11)
        await RisingEdge(u.h.clk)
        assert int(dut.irq.value) == 1
        await u.h.gwr("IRQ_ENABLE", 0b10)
        await RisingEdge(u.h.clk)
        assert int(dut.irq.value) == 0
        # W1C -> IDLE; resume where it stopped.
        await u.resume(0)
        await u.h.ctrl(0, CTRL_RUN)
        await ClockCycles(u.h.clk, 100)
        # HALT of a running context: stopped, HALTED, no exit pending; RUN refused.
        await u.h.ctrl(0, CTRL_HALT)
        await u.h.wait_state(0, CTX_HALTED)
        assert await u.h.grd("EXIT_PENDING") == 0 and await u.h.grd("ACTIVE") == 0
        assert await u.h.crd(0, "x5") > count, "it resumed after the STOP exit"
        await u.h.ctrl(0, CTRL_RUN)
        await ClockCycles(u.h.clk, 20)
        assert await u.h.state(0) == CTX_HALTED
        # RESET -> IDLE with every field at its reset value.
        await u.h.ctrl(0, CTRL_RESET)
        assert await u.h.state(0) == CTX_IDLE
        for name in ("x5", "hgatp", "scause", "sepc", "x10"):
            assert await u.h.crd(0, name) == 0, name
        assert await u.h.crd(0, "pc") == GUEST_BASE
        # RESET of a running context.
        await u.load_guest(0, G_LOOP)
        await u.h.ctrl(0, CTRL_RUN)
        await ClockCycles(u.h.clk, 50)
        await u.h.ctrl(0, CTRL_RESET)
        await u.h.wait_state(0, CTX_IDLE)
        assert await u.h.crd(0, "x5") == 0 and await u.h.crd(0, "hgatp") == 0
        # Preemption budget: exit with PREEMPT_CAUSE after `budget` retirements.
        await u.load_guest(0, G_LOOP)
        await u.h.cwr(0, "budget", 25)
        await u.run_to_exit(0)
        rec = await u.exit_record(0)
        assert rec["scause"] == PREEMPT_CAUSE, fmt(rec)
        assert await u.h.crd(0, "instret") == 25

    @cocotb.test(timeout_time=50, timeout_unit="ms")
    async def unit_two_contexts(dut):
        u = Unit(dut)
        await u.reset()
        await u.load_guest(0, G_ECALL)
        await u.load_guest(1, G_ECALL)
        await u.h.gwr("IRQ_ENABLE", 0b11)
        await u.h.ctrl(1, CTRL_RUN)
        await u.h.ctrl(0, CTRL_RUN)          # queued behind ctx 1
        for _ in range(200):
            if await u.h.grd("EXIT_PENDING") == 0b11:
                break
            await ClockCycles(u.h.clk, 100)
        assert await u.h.grd("EXIT_PENDING") == 0b11
        for ctx in (0, 1):
            rec = await u.exit_record(ctx)
            assert rec["scause"] == 10, fmt(rec)
            assert await u.h.crd(ctx, "x19") == ctx, "each context kept its own a0 (vCPU id)"
            assert await u.h.crd(ctx, "x9") == 3025
            assert u.mem.read32(CTX_MEM[ctx]["data"]) == 55, "each VM wrote its own host page"
        # Isolation: every host-physical address on m_axi belongs to a VM's pages or tables.
        allowed = []
        for ctx, g in u.g.items():
            m = CTX_MEM[ctx]
            allowed += [(m["root"], m["root"] + 0x4000), (m["tables"], g.next_free),
                        (m["code"], m["code"] + 0x1000), (m["data"], m["data"] + 0x1000)]
        stray = [a for a in u.mem.reads + u.mem.writes if not any(lo <= a < hi for lo, hi in allowed)]
        assert not stray, f"accesses outside the VMs' memory: {[hex(a) for a in stray[:8]]}"
        # W1C one at a time: irq stays while the other is pending.
        await u.h.gwr("EXIT_PENDING", 0b01)
        await RisingEdge(u.h.clk)
        assert int(dut.irq.value) == 1
        await u.h.gwr("EXIT_PENDING", 0b10)
        await RisingEdge(u.h.clk)
        assert int(dut.irq.value) == 0

    @cocotb.test(timeout_time=50, timeout_unit="ms")
    async def unit_state_port_while_running(dut):
        """The VMM edits an idle context's window while another one runs on the pipeline."""
        u = Unit(dut)
        await u.reset()
        mon = RvfiMonitor(dut, u.h.clk)
        await u.load_guest(0, G_LOOP)
        await u.h.ctrl(0, CTRL_RUN)
        await ClockCycles(u.h.clk, 50)
        n0, t0 = len(mon.records), get_sim_time("ns")
        fields = ("x1", "x31", "pc", "vsscratch", "htimedelta", "budget", "vstimecmp")
        for i, name in enumerate(fields):
            await u.h.cwr(1, name, 0x1000 * (i + 1) + 4 * i)
        for i, name in enumerate(fields):
            got = await u.h.crd(1, name)
            assert got == 0x1000 * (i + 1) + 4 * i, f"ctx 1 {name} = {got:#x} while ctx 0 runs"
        await u.h.ctrl(1, CTRL_RESET)
        assert await u.h.crd(1, "x1") == 0 and await u.h.crd(1, "pc") == GUEST_BASE
        # ctx 0 kept retiring during the state-port traffic, at about its rate before it.
        rate_before = n0 / 50
        rate_during = (len(mon.records) - n0) / ((get_sim_time("ns") - t0) / 10)
        assert rate_during > 0.5 * rate_before, (rate_before, rate_during)
        assert all(r["ext_ctx"] == 0 for r in mon.records)
        assert await u.h.state(0) == CTX_RUNNING and await u.h.state(1) == CTX_IDLE
        await u.h.ctrl(0, CTRL_STOP)
        await u.h.wait_state(0, CTX_EXIT_PENDING)
        # ctx 0's registers were untouched by the traffic to ctx 1.
        assert await u.h.crd(0, "x1") == 0 and await u.h.crd(0, "x31") == 0
        assert await u.h.crd(0, "x5") == sum(1 for r in mon.records if r["insn"] & 0x7F == 0x13)

    G_TWO_STAGE = """
        li t0, 0x40000000           # VA -> GPA 0x80001000 (VS stage) -> host data page (G stage)
        li t1, 77
        sw t1, 8(t0)
        lw t2, 8(t0)
        li a7, 8
        ecall
        li t3, 0x40400000           # its VS L0 table sits at a GPA the G stage does not map
        lw t4, 0(t3)
        ecall
    """

    @cocotb.test(timeout_time=50, timeout_unit="ms")
    async def unit_two_stage(dut):
        """vsatp = Sv32 over hgatp = Sv32x4; a G-stage miss on an implicit VS page-table read."""
        from tb.sim.guest_mem import PTE_A, PTE_D, PTE_V
        u = Unit(dut)
        await u.reset()
        mon = RvfiMonitor(dut, u.h.clk)
        prog = await u.load_guest(0, G_TWO_STAGE)
        m = CTX_MEM[0]
        vs_root_gpa, vs_l0_gpa, vs_l0b_gpa = GUEST_BASE + 0x2000, GUEST_BASE + 0x3000, GUEST_BASE + 0x5000
        vs_root_hpa, vs_l0_hpa = m["demand"], m["demand2"]
        u.g[0].map(vs_root_gpa, vs_root_hpa, PTE_R | PTE_W)
        u.g[0].map(vs_l0_gpa, vs_l0_hpa, PTE_R | PTE_W)
        u.mem.write(vs_root_hpa, bytes(0x1000))
        u.mem.write(vs_l0_hpa, bytes(0x1000))

        def pte(gpa, flags):
            return ((gpa >> 12) << 10) | flags | PTE_V

        # VS stage: VA 0x8000_0000 (4 MiB megapage, identity) for the code; VA 0x4000_0000 -> data page.
        u.mem.write32(vs_root_hpa + 4 * (0x8000_0000 >> 22), pte(0x8000_0000, PTE_R | PTE_X | PTE_A))
        u.mem.write32(vs_root_hpa + 4 * (0x4000_0000 >> 22), pte(vs_l0_gpa, 0))
        u.mem.write32(vs_l0_hpa + 0, pte(GPA_DATA, PTE_R | PTE_W | PTE_A | PTE_D))
        u.mem.write32(vs_root_hpa + 4 * (0x4040_0000 >> 22), pte(vs_l0b_gpa, 0))
        await u.h.cwr(0, "vsatp", (1 << 31) | (5 << 22) | (vs_root_gpa >> 12))
        await u.run_to_exit(0)
        rec = await u.exit_record(0)
        assert rec["scause"] == 10, fmt(rec)
        assert u.mem.read32(m["data"] + 8) == 77 and await u.h.crd(0, "x7") == 77
        sw = next(r for r in mon.records if r["mem_wmask"])
        assert sw["mem_addr"] == 0x4000_0008 and sw["ext_mem_paddr"] == m["data"] + 8, sw
        # Resume: the load whose VS page-table read misses in the G stage.
        await u.resume(0, rec["sepc"] + 4)
        await u.run_to_exit(0)
        rec = await u.exit_record(0)
        lw_pc = GUEST_BASE + 4 * [i for i, w in enumerate(prog) if (w & 0x7F) == 0x03][-1]
        assert rec["scause"] == 21 and rec["sepc"] == lw_pc, fmt(rec)
        assert rec["stval"] == 0x4040_0000, fmt(rec)
        assert rec["htval"] == vs_l0b_gpa >> 2, fmt(rec)
        assert rec["htinst"] == 0x0000_2000, f"implicit VS page-table access: {fmt(rec)}"
        assert rec["hstatus"] & HSTATUS_GVA, fmt(rec)

    @cocotb.test(timeout_time=80, timeout_unit="ms")
    async def unit_axi_backpressure(dut):
        """The SBI-shutdown and demand-paging guests again, with random stalls on every m_axi channel."""
        u = Unit(dut)
        await u.reset()
        u.mem.backpressure(seed=7, probability=0.6)
        prog = await u.load_guest(0, G_ECALL)
        ecalls = [GUEST_BASE + 4 * i for i, w in enumerate(prog) if w == ECALL]
        await u.run_to_exit(0, max_cycles=200_000)
        rec = await u.exit_record(0)
        assert rec["scause"] == 10 and rec["sepc"] == ecalls[0], fmt(rec)
        assert await u.h.crd(0, "x9") == 3025 and u.mem.read32(CTX_MEM[0]["data"]) == 55
        await u.h.gwr("EXIT_PENDING", 1)
        await u.h.ctrl(0, CTRL_RESET)
        prog = await u.load_guest(0, G_GPF)
        await u.run_to_exit(0, max_cycles=200_000)
        rec = await u.exit_record(0)
        assert rec["scause"] == 21 and rec["htval"] == (GPA_HOLE + 4) >> 2, fmt(rec)

    G_IRQ = """
        la t0, handler
        csrw stvec, t0              # VS: stvec is vstvec
        li t1, 2
        csrs sstatus, t1            # VS: sstatus.SIE (vsstatus)
    1:  addi s0, s0, 1
        j 1b
    .align 2
    handler:
        csrr s1, scause             # VS: vscause
        li a7, 8
        ecall
    """

    @cocotb.test(timeout_time=50, timeout_unit="ms")
    async def unit_interrupts(dut):
        """A VMM-injected VSSIP: exits when not delegated (scause = interrupt 2), reaches the guest when it is."""
        u = Unit(dut)
        await u.reset()
        await u.load_guest(0, G_IRQ)
        await u.h.cwr(0, "hie", 0x4)
        await u.h.gwr("IRQ_ENABLE", 1)
        await u.h.ctrl(0, CTRL_RUN)
        await ClockCycles(u.h.clk, 300)
        assert await u.h.state(0) == CTX_RUNNING
        # Not delegated (hideleg = 0): the running context exits with the VS interrupt.
        await u.h.ctrl(0, CTRL_STOP)
        await u.h.wait_state(0, CTX_EXIT_PENDING)
        rec = await u.exit_record(0)
        assert rec["scause"] == STOP_CAUSE, fmt(rec)
        await u.h.cwr(0, "hvip", 0x4)
        await u.resume(0)
        await u.run_to_exit(0)
        rec = await u.exit_record(0)
        assert rec["scause"] == (1 << 31) | 2, f"non-delegated VSSI exits to the VMM: {fmt(rec)}"
        assert rec["stval"] == 0 and rec["htinst"] == 0, fmt(rec)
        # Delegated (hideleg.VSSI): the guest's handler runs, reads vscause, then calls the VMM.
        await u.h.cwr(0, "hideleg", 0x4)
        await u.resume(0)
        await u.run_to_exit(0)
        rec = await u.exit_record(0)
        assert rec["scause"] == 10, fmt(rec)
        assert await u.h.crd(0, "x9") == (1 << 31) | 1, "vscause = supervisor software interrupt (1) in VS"
        assert await u.h.crd(0, "vscause") == (1 << 31) | 1
        assert await u.h.crd(0, "x17") == 8

    # (name, program, expected scause, stval ("pc", "insn", an int or None = any), htval, htinst, GVA)
    EXIT_CASES = [
        ("illegal", ".word 0xFFFFFFFF", 2, "insn", 0, 0, 0),
        ("virtual_wfi", "wfi", 22, "insn", 0, 0, 0),              # hstatus.VTW = 1 (set below)
        ("virtual_hfence", ".word 0x62000073", 22, "insn", 0, 0, 0),   # hfence.gvma x0, x0
        ("ebreak", "ebreak", 3, None, 0, 0, None),
        ("misaligned_load", f"li t0, {GPA_DATA + 2:#x}\n lw t1, 0(t0)", 4, GPA_DATA + 2, 0, 0, 1),
        ("misaligned_store", f"li t0, {GPA_DATA + 1:#x}\n sh t1, 0(t0)", 6, GPA_DATA + 1, 0, 0, 1),
        ("store_access", f"li t0, {GPA_ERR + 4:#x}\n sw t1, 0(t0)", 7, GPA_ERR + 4, 0, 0, 1),
        ("fetch_guest_page", f"li t0, {GPA_HOLE:#x}\n jr t0", 20, GPA_HOLE, GPA_HOLE >> 2, 0, 1),
        ("fetch_access", f"li t0, {GPA_ERR:#x}\n jr t0", 1, GPA_ERR, 0, 0, 1),
        ("ecall", "ecall", 10, 0, 0, 0, 0),
    ]

    @cocotb.test(timeout_time=100, timeout_unit="ms")
    async def unit_exit_causes(dut):
        """One exit of each kind, none delegated (hedeleg = 0): the exit record of each."""
        u = Unit(dut)
        await u.reset()
        failures = []
        for name, body, cause, stval, htval, htinst, gva in EXIT_CASES:
            await u.h.gwr("EXIT_PENDING", 0b11)
            await u.h.ctrl(0, CTRL_RESET)
            prog = await u.load_guest(0, body, map_err=True)
            await u.h.cwr(0, "hstatus", 1 << 21)           # VTW: WFI in VS is a virtual instruction
            await u.run_to_exit(0)
            rec = await u.exit_record(0)
            fault_pc = None
            if cause in (1, 20):                            # the jump target faults
                fault_pc = stval
            else:
                fault_pc = GUEST_BASE + 4 * (len([w for w in prog if w]) - 1)
            want_tval = {"insn": None, "pc": fault_pc}.get(stval, stval) if isinstance(stval, str) else stval
            if stval == "insn":
                want_tval = next(w for i, w in enumerate(prog) if GUEST_BASE + 4 * i == fault_pc)
            problems = []
            if rec["scause"] != cause:
                problems.append(f"scause {rec['scause']:#x} != {cause}")
            if rec["sepc"] != fault_pc:
                problems.append(f"sepc {rec['sepc']:#x} != {fault_pc:#x}")
            if want_tval is not None and rec["stval"] != want_tval:
                problems.append(f"stval {rec['stval']:#x} != {want_tval:#x}")
            if rec["htval"] != htval:
                problems.append(f"htval {rec['htval']:#x} != {htval:#x}")
            if rec["htinst"] != htinst:
                problems.append(f"htinst {rec['htinst']:#x} != {htinst:#x}")
            got_gva = int(bool(rec["hstatus"] & HSTATUS_GVA))
            want_gva = gva if gva is not None else int(rec["stval"] != 0)
            if got_gva != want_gva:
                problems.append(f"GVA {got_gva} != {want_gva}")
            if problems:
                failures.append(f"{name}: {'; '.join(problems)} ({fmt(rec)})")
        assert not failures, "\n".join(failures)
