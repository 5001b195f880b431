"""Test environment for `vcpu_mmu` alone: the core-side driver, an AXI memory with
error injection and a transaction log, and page-table builders for both stages.

The memory is cocotbext-axi's `AxiSlave` over a `Memory` (the store `AxiRam` uses),
through `BusTarget`, a thin wrapper that logs every access and answers SLVERR for
addresses in its error ranges.
"""
from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge, with_timeout
from cocotbext.axi import AxiBus, AxiSlave
from cocotbext.axi.memory import Memory

# Access kinds (rtl/vcpu_pkg.sv ACC_*), flush kinds (regmap FLUSH_*).
FETCH, LOAD, STORE = 0, 1, 2
FLUSH_ALL, FLUSH_GVMA, FLUSH_VVMA = 0, 1, 2

# Causes.
INSN_ACCESS, LOAD_ACCESS, STORE_ACCESS = 1, 5, 7
INSN_PAGE, LOAD_PAGE, STORE_PAGE = 12, 13, 15
INSN_GUEST, LOAD_GUEST, STORE_GUEST = 20, 21, 23
ACCESS = {FETCH: INSN_ACCESS, LOAD: LOAD_ACCESS, STORE: STORE_ACCESS}
PAGE = {FETCH: INSN_PAGE, LOAD: LOAD_PAGE, STORE: STORE_PAGE}
GUEST = {FETCH: INSN_GUEST, LOAD: LOAD_GUEST, STORE: STORE_GUEST}

# PTE bits.
V, R, W, X, U, G, A, D = 1, 2, 4, 8, 16, 32, 64, 128
PTR = V
VS_RW = V | R | W | A | D          # supervisor data page
VS_RWX = V | R | W | X | A | D
G_RW = V | R | W | U | A | D       # G-stage pages are always U
G_RWX = V | R | W | X | U | A | D
G_PT = V | R | W | U | A | D       # G mapping of a VS page-table page

PAGE_4K = 0x1000
PAGE_4M = 0x40_0000


def pte(pa: int, flags: int) -> int:
    return ((pa >> 12) << 10) | flags


def vsatp(asid: int, root_gpa: int) -> int:
    return (1 << 31) | (asid << 22) | (root_gpa >> 12)


def hgatp(vmid: int, root: int) -> int:
    return (1 << 31) | (vmid << 22) | (root >> 12)


class BusTarget:
    """AXI slave target: a sparse memory, a log of (kind, address), error ranges."""

    def __init__(self) -> None:
        self.mem = Memory(size=2**32)
        self.log: list[tuple[str, int]] = []
        self.err_ranges: list[tuple[int, int]] = []

    def _err(self, address: int) -> bool:
        return any(lo <= address < hi for lo, hi in self.err_ranges)

    async def read(self, address: int, length: int) -> bytes:
        self.log.append(("R", address))
        if self._err(address):
            raise OSError(f"injected read error at {address:#x}")
        return self.mem.read(address, length)

    async def write(self, address: int, data: bytes) -> None:
        self.log.append(("W", address))
        if self._err(address):
            raise OSError(f"injected write error at {address:#x}")
        self.mem.write(address, data)

    def w32(self, address: int, value: int) -> None:
        self.mem.write(address, (value & 0xFFFF_FFFF).to_bytes(4, "little"))

    def r32(self, address: int) -> int:
        return int.from_bytes(self.mem.read(address, 4), "little")


class Bump:
    """Page allocator."""

    def __init__(self, base: int, step: int = PAGE_4K) -> None:
        self.next = base
        self.step = step

    def __call__(self) -> int:
        a = self.next
        self.next += self.step
        return a


class GStage:
    """Sv32x4 tables in host memory (or Bare).  Keeps a Python copy of the mappings
    so that VS page tables can be written at their host addresses."""

    def __init__(self, bus: BusTarget, root: int | None, host_alloc: Bump, vmid: int = 1) -> None:
        self.bus, self.root, self.alloc, self.vmid = bus, root, host_alloc, vmid
        self.pages: dict[int, int] = {}   # gpa page -> spa page (4 KiB granules)
        self.supers: dict[int, int] = {}  # gpa 4 MiB base -> spa base

    @property
    def hgatp(self) -> int:
        return 0 if self.root is None else hgatp(self.vmid, self.root)

    def l1_addr(self, gpa: int) -> int:
        return self.root + ((gpa >> 22) & 0xFFF) * 4

    def l0_addr(self, gpa: int) -> int:
        l1 = self.l1_addr(gpa)
        e = self.bus.r32(l1)
        if not e & V:
            e = pte(self.alloc(), PTR)
            self.bus.w32(l1, e)
        return ((e >> 10) << 12) + ((gpa >> 12) & 0x3FF) * 4

    def map4k(self, gpa: int, spa: int, flags: int = G_RW) -> int:
        """Returns the host address of the leaf PTE."""
        a = self.l0_addr(gpa)
        self.bus.w32(a, pte(spa, flags))
        self.pages[gpa >> 12] = spa >> 12
        return a

    def map4m(self, gpa: int, spa: int, flags: int = G_RW) -> int:
        a = self.l1_addr(gpa)
        self.bus.w32(a, pte(spa, flags))
        self.supers[gpa >> 22] = spa >> 22
        return a

    def spa(self, gpa: int) -> int:
        if self.root is None:
            return gpa
        if (gpa >> 22) in self.supers:
            return (self.supers[gpa >> 22] << 22) | (gpa & (PAGE_4M - 1))
        return (self.pages[gpa >> 12] << 12) | (gpa & 0xFFF)


class VSStage:
    """Sv32 tables in guest-physical memory; every new table page is G-mapped."""

    def __init__(self, g: GStage, root_gpa: int, table_gpa: Bump, asid: int = 5,
                 table_gflags: int = G_PT) -> None:
        self.g, self.root, self.tables, self.asid = g, root_gpa, table_gpa, asid
        self.table_gflags = table_gflags
        self._gmap_table(root_gpa)

    def _gmap_table(self, gpa: int) -> None:
        if self.g.root is not None and (gpa >> 12) not in self.g.pages:
            self.g.map4k(gpa, self.g.alloc(), self.table_gflags)

    @property
    def vsatp(self) -> int:
        return vsatp(self.asid, self.root)

    def l1_gpa(self, va: int) -> int:
        return self.root + (va >> 22) * 4

    def l0_gpa(self, va: int) -> int:
        l1 = self.l1_gpa(va)
        e = self.g.bus.r32(self.g.spa(l1))
        if not e & V:
            t = self.tables()
            self._gmap_table(t)
            e = pte(t, PTR)
            self.g.bus.w32(self.g.spa(l1), e)
        return ((e >> 10) << 12) + ((va >> 12) & 0x3FF) * 4

    def map4k(self, va: int, gpa: int, flags: int = VS_RW) -> int:
        """Returns the GPA of the leaf PTE."""
        a = self.l0_gpa(va)
        self.g.bus.w32(self.g.spa(a), pte(gpa, flags))
        return a

    def map4m(self, va: int, gpa: int, flags: int = VS_RW) -> int:
        a = self.l1_gpa(va)
        self.g.bus.w32(self.g.spa(a), pte(gpa, flags))
        return a

    def set_pte(self, pte_gpa: int, value: int) -> None:
        self.g.bus.w32(self.g.spa(pte_gpa), value)


@dataclass
class Resp:
    fault: int
    cause: int
    htval: int
    implicit: int
    paddr: int
    rdata: int
    bus: list

    def __str__(self) -> str:
        return (f"fault={self.fault} cause={self.cause} htval={self.htval:#x} "
                f"implicit={self.implicit} paddr={self.paddr:#x} rdata={self.rdata:#x} "
                f"bus=[{', '.join(f'{k}{a:#x}' for k, a in self.bus)}]")


class MmuEnv:
    def __init__(self, dut) -> None:
        self.dut = dut
        self.bus = BusTarget()
        self.host = Bump(0x0020_0000)

    async def start(self) -> "MmuEnv":
        d = self.dut
        Clock(d.clk_i, 10, unit="ns").start()
        for name in ("req_valid_i", "req_type_i", "req_vaddr_i", "req_size_i", "req_wdata_i",
                     "req_wstrb_i", "priv_vs_i", "vsatp_i", "hgatp_i", "sum_i", "mxr_i",
                     "hs_mxr_i", "sfence_valid_i", "sfence_vmid_i", "sfence_use_asid_i",
                     "sfence_asid_i", "sfence_use_addr_i", "sfence_vaddr_i", "flush_valid_i",
                     "flush_kind_i", "flush_use_asid_i", "flush_use_addr_i", "flush_vmid_i",
                     "flush_asid_i", "flush_addr_i"):
            getattr(d, name).value = 0
        d.priv_vs_i.value = 1
        d.rst_ni.value = 0
        slave = AxiSlave(AxiBus.from_prefix(d, "m_axi"), d.clk_i, d.rst_ni,
                         target=self.bus, reset_active_level=False)
        self.slave = slave
        for itf in (slave.read_if, slave.write_if):
            itf.log.setLevel(logging.ERROR)   # per-transaction INFO is slow; SLVERR warns
        for _ in range(3):
            await RisingEdge(d.clk_i)
        d.rst_ni.value = 1
        await RisingEdge(d.clk_i)
        return self

    def backpressure(self, pattern=(1, 1, 0, 1, 0, 0, 1)) -> None:
        """Stall every channel (AW, W, B, AR, R) in a fixed pattern (1 = pause)."""
        s = self.slave
        for i, ch in enumerate((s.write_if.aw_channel, s.write_if.w_channel,
                                s.write_if.b_channel, s.read_if.ar_channel,
                                s.read_if.r_channel)):
            ch.set_pause_generator(itertools.cycle(pattern[i:] + pattern[:i]))

    def check_axi(self) -> None:
        """Start a per-cycle checker: a VALID without READY stays up, payload stable."""
        cocotb.start_soon(self._axi_checker())

    async def _axi_checker(self) -> None:
        d = self.dut
        chans = {
            "aw": ("m_axi_awvalid", "m_axi_awready", ("m_axi_awaddr", "m_axi_awsize",
                                                      "m_axi_awlen", "m_axi_awid")),
            "w": ("m_axi_wvalid", "m_axi_wready", ("m_axi_wdata", "m_axi_wstrb", "m_axi_wlast")),
            "ar": ("m_axi_arvalid", "m_axi_arready", ("m_axi_araddr", "m_axi_arsize",
                                                      "m_axi_arlen", "m_axi_arid", "m_axi_arprot")),
        }
        pending: dict[str, tuple] = {}
        self.handshakes = 0
        while True:
            await RisingEdge(d.clk_i)
            await ReadOnly()
            for ch, (valid, ready, payload) in chans.items():
                v = int(getattr(d, valid).value)
                pl = tuple(int(getattr(d, p).value) for p in payload)
                if ch in pending:
                    assert v, f"{ch}: VALID dropped before READY"
                    assert pl == pending[ch], f"{ch}: payload changed while waiting for READY"
                if v and not int(getattr(d, ready).value):
                    pending[ch] = pl
                else:
                    pending.pop(ch, None)
                    self.handshakes += v

    # -- translation controls ------------------------------------------------
    def ctl(self, vsatp: int | None = None, hgatp: int | None = None, priv: int | None = None,
            sum: int | None = None, mxr: int | None = None, hs_mxr: int | None = None) -> None:
        d = self.dut
        for sig, v in ((d.vsatp_i, vsatp), (d.hgatp_i, hgatp), (d.priv_vs_i, priv),
                       (d.sum_i, sum), (d.mxr_i, mxr), (d.hs_mxr_i, hs_mxr)):
            if v is not None:
                sig.value = v

    def use(self, g: GStage, vs: VSStage | None = None) -> None:
        self.ctl(vsatp=0 if vs is None else vs.vsatp, hgatp=g.hgatp)

    # -- one request ---------------------------------------------------------
    async def access(self, typ: int, va: int, size: int = 2, wdata: int = 0,
                     wstrb: int | None = None) -> Resp:
        d = self.dut
        if wstrb is None:
            wstrb = {0: 1, 1: 3, 2: 0xF}[size] << (va & 3) if typ == STORE else 0
        n0 = len(self.bus.log)
        d.req_type_i.value = typ
        d.req_vaddr_i.value = va
        d.req_size_i.value = size
        d.req_wdata_i.value = wdata
        d.req_wstrb_i.value = wstrb
        d.req_valid_i.value = 1
        await with_timeout(RisingEdge(d.resp_valid_o), 5, "us")
        await ReadOnly()
        r = Resp(int(d.resp_fault_o.value), int(d.resp_cause_o.value),
                 int(d.resp_htval_o.value), int(d.resp_implicit_o.value),
                 int(d.resp_paddr_o.value), int(d.resp_rdata_o.value), [])
        await RisingEdge(d.clk_i)   # the edge that ends the request
        d.req_valid_i.value = 0
        r.bus = self.bus.log[n0:]
        return r

    async def load(self, va: int, **kw) -> Resp:
        return await self.access(LOAD, va, **kw)

    async def store(self, va: int, data: int, **kw) -> Resp:
        return await self.access(STORE, va, wdata=data, **kw)

    async def fetch(self, va: int, **kw) -> Resp:
        return await self.access(FETCH, va, **kw)

    # -- flushes (one-cycle pulses) -------------------------------------------
    async def sfence(self, vmid: int, asid: int | None = None, va: int | None = None) -> None:
        d = self.dut
        d.sfence_vmid_i.value = vmid
        d.sfence_use_asid_i.value = asid is not None
        d.sfence_asid_i.value = asid or 0
        d.sfence_use_addr_i.value = va is not None
        d.sfence_vaddr_i.value = va or 0
        d.sfence_valid_i.value = 1
        await RisingEdge(d.clk_i)
        d.sfence_valid_i.value = 0

    async def flush(self, kind: int, vmid: int = 0, asid: int | None = None,
                    addr: int | None = None) -> None:
        d = self.dut
        d.flush_kind_i.value = kind
        d.flush_vmid_i.value = vmid
        d.flush_use_asid_i.value = asid is not None
        d.flush_asid_i.value = asid or 0
        d.flush_use_addr_i.value = addr is not None
        d.flush_addr_i.value = addr or 0
        d.flush_valid_i.value = 1
        await RisingEdge(d.clk_i)
        d.flush_valid_i.value = 0


def ok(r: Resp, rdata: int | None = None, paddr: int | None = None,
       nbus: int | None = None) -> Resp:
    assert not r.fault, f"unexpected fault: {r}"
    if rdata is not None:
        assert r.rdata == rdata, f"rdata {r.rdata:#x} != {rdata:#x}: {r}"
    if paddr is not None:
        assert r.paddr == paddr, f"paddr {r.paddr:#x} != {paddr:#x}: {r}"
    if nbus is not None:
        assert len(r.bus) == nbus, f"{len(r.bus)} bus transactions, expected {nbus}: {r}"
    return r


def fault(r: Resp, cause: int, htval: int = 0, implicit: int = 0,
          nbus: int | None = None) -> Resp:
    assert r.fault, f"expected cause {cause}, got no fault: {r}"
    assert (r.cause, r.htval, r.implicit) == (cause, htval, implicit), (
        f"expected cause={cause} htval={htval:#x} implicit={implicit}: {r}")
    if nbus is not None:
        assert len(r.bus) == nbus, f"{len(r.bus)} bus transactions, expected {nbus}: {r}"
    return r
