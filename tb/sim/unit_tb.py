"""cocotb-side helpers for the smoke tests of the unit (and of ``vcpu_ctl`` alone).

Runs inside the simulator process.  Provides:
- :class:`Harness`: clock, synchronous reset, an ``AxiLiteMaster`` on ``s_axil`` with
  register helpers (global block and per-context windows, by name);
- :class:`FakeCore`: a cycle-level Python model of ``vcpu_core``'s scheduling and
  state-port side, for testing ``vcpu_ctl`` as the top level;
- reusable register checks (:func:`check_global_registers`, :func:`check_window`),
  used on ``vcpu_ctl`` alone and on the whole unit.
"""
from __future__ import annotations

import logging

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly, RisingEdge

from interfaces import regmap
from interfaces.vcpu_state import (BY_NAME, CTRL_HALT, CTRL_RESET, CTRL_RUN, CTRL_STOP, CTX_EXIT_PENDING,
                                   CTX_HALTED, CTX_IDLE, CTX_RUNNING, STATE_FIELDS, STOP_CAUSE)

OKAY, SLVERR, DECERR = 0, 2, 3
CLK_PERIOD_NS = 10
G = regmap.GLOBAL_BY_NAME
WINDOW_FIELDS = [f for f in STATE_FIELDS if f.name not in ("ctrl", "status")]
MAPPED_WORDS = {f.offset >> 2 for f in STATE_FIELDS}


def quiet(*loggers) -> None:
    for lg in loggers:
        lg.setLevel(logging.WARNING)


class Harness:
    """Clock, reset and the VMM's AXI4-Lite port."""

    def __init__(self, dut, clk_name: str = "clk", rst_name: str = "rst_n"):
        from cocotbext.axi import AxiLiteBus, AxiLiteMaster
        self.dut = dut
        self.clk = getattr(dut, clk_name)
        self.rst_n = getattr(dut, rst_name)
        self.rst_n.value = 0        # before the BFMs look at the bus (Icarus starts at X)
        # First rising edge half a period in: cocotbext-axi BFMs enter reset on the edge
        # X -> 0 of rst_n at time 0, whatever order the BFMs (the env's agents) are built in,
        # so none samples the unit's X outputs at an edge before reset.
        cocotb.start_soon(Clock(self.clk, CLK_PERIOD_NS, unit="ns").start(start_high=False))
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), self.clk,
                                  reset=self.rst_n, reset_active_level=False)
        quiet(self.axil.write_if.log, self.axil.read_if.log)
        self.num_vcpus = 2

    async def reset(self, cycles: int = 5) -> None:
        self.rst_n.value = 0
        await ClockCycles(self.clk, cycles)
        self.rst_n.value = 1
        await RisingEdge(self.clk)
        caps = await self.rd(G["CAPS"].offset)
        self.num_vcpus = caps & 0xFF

    # -- raw access ---------------------------------------------------------
    async def rd_resp(self, addr: int) -> tuple[int, int]:
        r = await self.axil.read(addr, 4)
        return int.from_bytes(r.data, "little"), int(r.resp)

    async def wr_resp(self, addr: int, value: int, nbytes: int = 4) -> int:
        """Write ``nbytes`` bytes at ``addr`` (byte strobes follow the address)."""
        data = (value & ((1 << (8 * nbytes)) - 1)).to_bytes(nbytes, "little")
        w = await self.axil.write(addr, data)
        return int(w.resp)

    async def rd(self, addr: int) -> int:
        value, resp = await self.rd_resp(addr)
        assert resp == OKAY, f"read of {addr:#06x} answered resp {resp}"
        return value

    async def wr(self, addr: int, value: int) -> None:
        resp = await self.wr_resp(addr, value)
        assert resp == OKAY, f"write of {addr:#06x} answered resp {resp}"

    # -- by name ------------------------------------------------------------
    async def grd(self, name: str) -> int:
        return await self.rd(G[name].offset)

    async def gwr(self, name: str, value: int) -> None:
        await self.wr(G[name].offset, value)

    async def crd(self, ctx: int, name: str) -> int:
        return await self.rd(regmap.ctx_reg(ctx, name))

    async def cwr(self, ctx: int, name: str, value: int) -> None:
        await self.wr(regmap.ctx_reg(ctx, name), value)

    async def ctrl(self, ctx: int, bits: int) -> None:
        await self.cwr(ctx, "ctrl", bits)

    async def state(self, ctx: int) -> int:
        return (await self.crd(ctx, "status")) & 3

    async def wait_state(self, ctx: int, want: int, max_polls: int = 2000) -> None:
        for _ in range(max_polls):
            if await self.state(ctx) == want:
                return
        raise AssertionError(f"context {ctx} never reached state {want} (now {await self.state(ctx)})")

    async def time(self) -> int:
        lo = await self.grd("TIME_LO")
        hi = await self.grd("TIME_HI")
        return (hi << 32) | lo


# ---------------------------------------------------------------------------
# A Python stand-in for vcpu_core (scheduling + state port), for ctl-only tests.
# ---------------------------------------------------------------------------
class FakeCore:
    """Cycle-level model of the core side of the ctl contract (docs/rtl.md).

    Samples ctl's outputs after each rising edge (ReadOnly) and drives its inputs
    before the next one.  A started context retires one instruction per cycle and
    exits after ``plan[ctx]`` retirements (None: only when stopped), writing
    ``scause`` like the real core would.  Protocol violations by ctl are recorded
    in ``errors``.
    """

    def __init__(self, dut, clk, num_vcpus: int = 2, st_latency: int = 1):
        self.dut, self.clk, self.n = dut, clk, num_vcpus
        self.st_latency = st_latency
        self.store = [self._reset_fields() for _ in range(num_vcpus)]
        self.plan: dict[int, int | None] = {}
        self.retire_enabled = True
        self.busy = False
        self.ctx = 0
        self.exit_next = False      # busy falls the cycle after exit
        self.left = None
        self.errors: list[str] = []
        self.starts: list[int] = []
        self.exits: list[tuple[int, int]] = []
        self.flushes: list[dict] = []
        self.resets: list[int] = []
        self.st_wait = 0
        for name in ("busy_i", "exit_i", "retire_i", "st_ready_i"):
            getattr(dut, name).value = 0
        dut.active_ctx_i.value = 0
        dut.st_rdata_i.value = 0
        cocotb.start_soon(self._loop())

    @staticmethod
    def _reset_fields() -> dict[int, int]:
        return {f.offset >> 2: f.reset for f in STATE_FIELDS if f.name not in ("ctrl", "status")}

    async def _loop(self) -> None:
        d = self.dut
        while True:
            await RisingEdge(self.clk)
            await ReadOnly()
            if not int(d.rst_ni.value):
                await FallingEdge(self.clk)
                continue
            run = int(d.run_o.value)
            run_ctx = int(d.run_ctx_o.value)
            stop = int(d.stop_o.value)
            st_valid = int(d.st_valid_o.value)
            st_write = int(d.st_write_o.value)
            st_ctx = int(d.st_ctx_o.value)
            st_word = int(d.st_word_o.value)
            st_wdata = int(d.st_wdata_o.value)
            ctx_reset = int(d.ctx_reset_o.value)
            ctx_reset_ctx = int(d.ctx_reset_ctx_o.value)
            if int(d.flush_valid_o.value):
                self.flushes.append({k: int(getattr(d, f"flush_{k}_o").value)
                                     for k in ("kind", "use_asid", "use_addr", "vmid", "asid", "addr")})
            exit_now = 0
            retire = 0
            st_ready = 0
            st_rdata = 0
            # what the core shows in this cycle (registered behaviour)
            if self.exit_next:
                self.exit_next = False
                self.busy = False
            if run:
                if self.busy:
                    self.errors.append(f"run pulse for ctx {run_ctx} while busy with ctx {self.ctx}")
                self.busy = True
                self.ctx = run_ctx
                self.left = self.plan.get(run_ctx)
                self.starts.append(run_ctx)
            elif self.busy:
                if stop:
                    exit_now = 1
                    self.store[self.ctx][BY_NAME["scause"].offset >> 2] = STOP_CAUSE
                elif self.left is not None and self.left <= 0:
                    exit_now = 1
                    self.store[self.ctx][BY_NAME["scause"].offset >> 2] = 10
                elif self.retire_enabled:
                    retire = 1
                    if self.left is not None:
                        self.left -= 1
                if exit_now:
                    self.exits.append((self.ctx, self.store[self.ctx][BY_NAME["scause"].offset >> 2]))
                    self.exit_next = True
            if ctx_reset:
                if self.busy and ctx_reset_ctx == self.ctx:
                    self.errors.append(f"ctx_reset of ctx {ctx_reset_ctx} while it is on the core")
                self.store[ctx_reset_ctx] = self._reset_fields()
                self.resets.append(ctx_reset_ctx)
            if st_valid:
                if self.busy and st_ctx == self.ctx:
                    self.errors.append(f"state-port access to ctx {st_ctx} while it is on the core")
                self.st_wait += 1
                if self.st_wait > self.st_latency:
                    self.st_wait = 0
                    st_ready = 1
                    f = self.store[st_ctx]
                    mask = next((x.vmm_mask for x in STATE_FIELDS if x.offset >> 2 == st_word), 0)
                    if st_write:
                        if st_word in f:
                            f[st_word] = (f[st_word] & ~mask) | (st_wdata & mask)
                            if st_word == BY_NAME["hgatp"].offset >> 2 and f[st_word] >> 31:
                                f[st_word] &= ~0x3      # Sv32x4: PPN[1:0] read 0
                    else:
                        st_rdata = f.get(st_word, 0)
            else:
                self.st_wait = 0
            await FallingEdge(self.clk)
            d.busy_i.value = int(self.busy)
            d.active_ctx_i.value = self.ctx
            d.exit_i.value = exit_now
            d.retire_i.value = retire
            d.st_ready_i.value = st_ready
            d.st_rdata_i.value = st_rdata


# ---------------------------------------------------------------------------
# Register checks shared by the ctl-only and the whole-unit tests.
# ---------------------------------------------------------------------------
def caps_value(num_vcpus: int, tlb_entries: int, vmidlen: int = 7, asidlen: int = 9) -> int:
    return (asidlen << 20) | (vmidlen << 16) | ((tlb_entries & 0xFF) << 8) | (num_vcpus & 0xFF)


async def check_global_registers(h: Harness, num_vcpus: int, tlb_entries: int) -> None:
    """Reset values, RW masks, RO, W1C and unmapped offsets of the global block."""
    expect_reset = {"ID": regmap.ID_VALUE, "VERSION": regmap.VERSION_VALUE,
                    "CAPS": caps_value(num_vcpus, tlb_entries)}
    for r in regmap.GLOBAL_REGS:
        if r.name in ("CYCLE_LO", "CYCLE_HI", "TIME_LO", "TIME_HI", "RETIRED_LO", "RETIRED_HI"):
            continue
        got = await h.rd(r.offset)
        want = expect_reset.get(r.name, r.reset)
        assert got == want, f"{r.name} after reset: {got:#010x}, expected {want:#010x}"
    # Read-only registers ignore writes.
    for name in ("ID", "VERSION", "CAPS", "FLUSH_STATUS", "ACTIVE"):
        before = await h.grd(name)
        await h.gwr(name, 0xA5A5_5A5A)
        assert await h.grd(name) == before, f"{name} is read-only"
    # Read/write registers and their implemented bits.
    masks = {"SCRATCH": 0xFFFF_FFFF, "IRQ_ENABLE": (1 << num_vcpus) - 1, "FLUSH_VMID": 0x7F,
             "FLUSH_ASID": 0x1FF, "FLUSH_ADDR": 0xFFFF_FFFF}
    for name, mask in masks.items():
        for pattern in (0xFFFF_FFFF, 0x1234_5678, 0):
            await h.gwr(name, pattern)
            got = await h.grd(name)
            assert got == pattern & mask, f"{name}: wrote {pattern:#x}, read {got:#x} (mask {mask:#x})"
    # Byte strobes (SCRATCH).
    await h.gwr("SCRATCH", 0x1122_3344)
    assert await h.wr_resp(G["SCRATCH"].offset + 2, 0xAB, nbytes=1) == OKAY
    assert await h.grd("SCRATCH") == 0x11AB_3344, "byte write to SCRATCH[23:16]"
    assert await h.wr_resp(G["SCRATCH"].offset, 0xBEEF, nbytes=2) == OKAY
    assert await h.grd("SCRATCH") == 0x11AB_BEEF, "half-word write to SCRATCH[15:0]"
    # TIME is VMM-writable (nothing retires while nothing runs).
    await h.gwr("TIME_LO", 0xFFFF_FFF0)
    await h.gwr("TIME_HI", 0x0000_0007)
    assert await h.time() == 0x7_FFFF_FFF0
    await h.gwr("TIME_LO", 0)
    await h.gwr("TIME_HI", 0)
    # CYCLE runs freely.
    c0 = await h.grd("CYCLE_LO")
    c1 = await h.grd("CYCLE_LO")
    assert c1 > c0, "CYCLE_LO must advance"
    await h.gwr("CYCLE_LO", 0)
    assert await h.grd("CYCLE_LO") > c1, "CYCLE_LO is read-only"
    # W1C with nothing pending stays 0; FLUSH_CMD reads 0.
    await h.gwr("EXIT_PENDING", 0xFFFF_FFFF)
    assert await h.grd("EXIT_PENDING") == 0
    assert await h.grd("FLUSH_CMD") == 0
    # Unmapped global offsets: read 0, writes ignored, OKAY.
    last = max(r.offset for r in regmap.GLOBAL_REGS)
    for off in (last + 4, 0x100, 0xFFC):
        assert await h.wr_resp(off, 0xFFFF_FFFF) == OKAY
        assert await h.rd_resp(off) == (0, OKAY), f"unmapped global offset {off:#x}"
    # Beyond the last context: DECERR on both channels.
    for ctx in (num_vcpus, 14):
        base = regmap.ctx_base(ctx)
        if base >= 1 << regmap.ADDR_WIDTH:
            continue
        assert (await h.rd_resp(base + 0x80))[1] == DECERR, f"read of ctx {ctx} window must DECERR"
        assert await h.wr_resp(base + 0x80, 1) == DECERR, f"write to ctx {ctx} window must DECERR"


def window_readback(name: str, value: int) -> int:
    """What a window field reads after the VMM wrote ``value`` (VMM mask plus the WARL rules
    of the register-map doc: hgatp PPN[1:0] read 0 in Sv32x4)."""
    f = BY_NAME[name]
    v = (f.reset & ~f.vmm_mask) | (value & f.vmm_mask)
    if name == "hgatp" and v >> 31:
        v &= ~0x3
    return v


async def check_window(h: Harness, ctx: int, fields=None) -> None:
    """Every window field: reset value, VMM mask on write, unmapped words read 0; RESET restores."""
    fields = list(fields if fields is not None else WINDOW_FIELDS)
    assert await h.state(ctx) == CTX_IDLE
    for f in fields:
        got = await h.crd(ctx, f.name)
        assert got == f.reset, f"ctx {ctx} {f.name} after reset: {got:#010x}, expected {f.reset:#010x}"
    for f in fields:
        await h.cwr(ctx, f.name, 0xFFFF_FFFF)
        got = await h.crd(ctx, f.name)
        want = window_readback(f.name, 0xFFFF_FFFF)
        assert got == want, f"ctx {ctx} {f.name}: wrote all-ones, read {got:#010x}, expected {want:#010x}"
        await h.cwr(ctx, f.name, 0)
        got = await h.crd(ctx, f.name)
        want = window_readback(f.name, 0)
        assert got == want, f"ctx {ctx} {f.name}: wrote 0, read {got:#010x}, expected {want:#010x}"
    # Partial strobes: read-modify-write of one byte.
    await h.cwr(ctx, "x5", 0x1122_3344)
    assert await h.wr_resp(regmap.ctx_reg(ctx, "x5") + 1, 0xCD, nbytes=1) == OKAY
    assert await h.crd(ctx, "x5") == 0x1122_CD44, "byte write into a window field"
    # ctrl reads 0; status is read-only.
    assert await h.crd(ctx, "ctrl") == 0
    await h.cwr(ctx, "status", 3)
    assert await h.state(ctx) == CTX_IDLE
    # Unmapped window words: 0 / ignored.
    for word in (0x005, 0x00D, 0x01F, 0x04E, 0x05B, 0x3FF):
        assert word not in MAPPED_WORDS
        addr = regmap.ctx_base(ctx) + 4 * word
        assert await h.wr_resp(addr, 0xFFFF_FFFF) == OKAY
        assert await h.rd_resp(addr) == (0, OKAY), f"ctx {ctx} unmapped word {word:#x}"
    # Dirty everything, RESET, everything back at its reset value.
    for f in fields:
        if f.vmm_mask:
            await h.cwr(ctx, f.name, 0x5A5A_5A5A ^ f.reset)
    await h.ctrl(ctx, CTRL_RESET)
    for f in fields:
        got = await h.crd(ctx, f.name)
        assert got == f.reset, f"ctx {ctx} {f.name} after CTRL.RESET: {got:#010x}, expected {f.reset:#010x}"


__all__ = ["Harness", "FakeCore", "check_global_registers", "check_window", "caps_value",
           "OKAY", "SLVERR", "DECERR", "CTRL_RUN", "CTRL_STOP", "CTRL_HALT", "CTRL_RESET",
           "window_readback", "CTX_IDLE", "CTX_RUNNING", "CTX_EXIT_PENDING", "CTX_HALTED", "STOP_CAUSE", "WINDOW_FIELDS"]
