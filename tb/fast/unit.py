"""``FastRtlUnit``: the ``Unit``/``Context`` API of ``tb.rtl_unit.RtlUnit`` on ``cosim_harness``.

Runs inside the simulator.  The register-map side is ``RtlUnit``'s (same AXI4-Lite
driver, same register protocol); what differs is memory and the trace:

- Host memory: the VMM's ``HostMemory`` stays the master copy.  The SV array of
  ``axi_mem`` is cleared and loaded with its non-zero words at ``start``; every
  later VMM write (page tables, swap-ins, MMIO and SBI results) reaches the
  array through a ``HostMemory`` write listener; the unit's own stores come back
  from the drained trace (``ext_mem_paddr``, ``mem_wmask``, ``mem_wdata``) and are
  applied to the master before the VMM sees the exit.  The RTL never writes a
  PTE (Svade), so the trace carries every bus write of the unit;
  :meth:`FastRtlUnit.readback_differences` checks it at the end by reading back
  every page the bus wrote.
- Trace: ``run`` waits for ``irq``, ``trace_full`` or ``iso_violation`` (one
  trigger, the clock runs in the GPI, no Python per cycle), drains the ring (one
  raw VPI read per pending slot, numpy unpacking of the batch) and hands every
  record to the sink (a ``Scoreboard``), after checking the drained bits for X/Z.
- Isolation: the SV guard checks every m_axi address against an owner table that
  follows the VMM's page allocator; a violation is reported to the isolation
  checker's scoreboard as the full-BFM mode's ``IsolationChecker`` does.
"""
from __future__ import annotations

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.handle import Immediate
from cocotb.triggers import FallingEdge, First, ReadOnly, RisingEdge, Timer

from interfaces.trace import ExitRecord
from interfaces.vcpu_state import CTRL_RUN
from tb.rtl_unit import (EXIT_FIELDS, HANG_CYCLES_PER_RECORD, HANG_CYCLES_UNBOUNDED, HSTATUS_GVA, HSTATUS_SPVP,
                         RtlContext, RtlHang, RtlUnit)
from tb.sim.unit_tb import CLK_PERIOD_NS, Harness, quiet

from . import trace as ring

from vmm_model.run import HOST_BASE

PAGE = 4096
VMID_SHIFT, VMID_MASK = 22, 0x7F


def wide_bits(handle) -> str:
    """A vector's value as its binary string (MSB first), straight from the GPI.

    ``LogicArray``'s own ``is_resolvable``/``int()`` build one Python object per bit
    (about 1 µs each: 8 ms for the 8,192-bit dirty-page vector), and even ``str(handle.value)``
    builds a ``LogicArray`` and its ``Range`` (about 10 µs a ring slot, measured); the raw
    string converts with ``int(bits, 2)`` at C speed.
    """
    raw = getattr(handle, "_handle", None)
    return raw.get_signal_val_binstr() if raw is not None else str(handle.value)


class FastHarness(Harness):
    """``Harness`` with the clock generated in the GPI (no Python coroutine per edge)."""

    def __init__(self, dut):           # not Harness.__init__: it starts a Python clock
        from cocotbext.axi import AxiLiteBus, AxiLiteMaster
        self.dut = dut
        self.clk = dut.clk
        self.rst_n = dut.rst_n
        self.rst_n.value = Immediate(0)     # before the first edge and before the BFM looks (Icarus: X)
        Clock(self.clk, CLK_PERIOD_NS, unit="ns", impl="gpi").start(start_high=False)
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), self.clk,
                                  reset=self.rst_n, reset_active_level=False)
        quiet(self.axil.write_if.log, self.axil.read_if.log)
        self.num_vcpus = 2


class HarnessError(RuntimeError):
    """The harness itself went wrong (ring overflow): not an RTL mismatch."""


class FastRam:
    """The SV memory (``u_mem``) and isolation guard (``u_guard``) of the harness, from Python.

    ``on_access``: the full-BFM responder's per-access hook.  ``LockstepUnit`` sets it to
    its ``IsolationChecker`` (others may chain onto it); no access calls it here (that
    is the point), but the checker is kept: it receives the guard's access count and
    violation (the guard does the checking).
    """

    def __init__(self, dut):
        self.dut = dut
        self.words = dut.u_mem.mem
        self.owner_table = dut.u_guard.owner_q
        self.num_words = len(self.words)
        self.num_pages = self.num_words // (PAGE // 4)
        self.memory = None
        self.allocator = None
        self.vmids = np.zeros(self.num_pages, dtype=np.uint8)     # what the SV owner table holds
        self.owner_changes: set[int] = set()
        self._on_access = None
        self.checker = None         # the IsolationChecker of the lockstep unit, when there is one
        self.errors_answered: dict[str, int] = {}     # no error injection in this mode
        self.accesses_reported = 0
        self.writes_mirrored = 0
        self.words_loaded = 0

    @property
    def on_access(self):
        return self._on_access

    @on_access.setter
    def on_access(self, hook) -> None:
        self._on_access = hook
        if hook is None or hasattr(hook, "by_vmid"):
            self.checker = hook

    # -- memory contents ---------------------------------------------------------
    def serve(self, memory, vms) -> None:
        if memory.base != HOST_BASE or memory.size > 4 * self.num_words:
            raise ValueError(f"fast memory mode: host memory [{memory.base:#x}, +{memory.size:#x}) does not fit "
                             f"the harness window [{HOST_BASE:#x}, +{4 * self.num_words:#x})")
        self.memory = memory
        for page in range(memory.base >> 12, (memory.base + memory.size) >> 12):
            memory.watch_page(page)           # every VMM write reaches the listener
        memory.add_write_listener(self._mirror)
        self._follow_allocator(vms)

    # The bus settings of the full-BFM responder: the fast mode answers at once, always OKAY
    # (in the window); anything else is refused rather than silently ignored.
    def backpressure(self, seed: int = 1, probability: float = 0.0) -> None:
        if probability:
            raise ValueError("the fast memory mode has no bus randomization (back-pressure): use --memory bfm")

    def configure(self, latency=(0, 0), seed: int = 0) -> None:
        if max(latency):
            raise ValueError("the fast memory mode has no bus latency setting: use --memory bfm")

    def check_no_bus_errors(self) -> None:
        errors = getattr(self.memory, "bus_errors", None)
        if errors is not None and (getattr(errors, "ranges", None) or getattr(errors, "rate", 0.0)):
            raise ValueError("the fast memory mode has no AXI error injection: use --memory bfm")

    async def load(self, clk) -> None:
        """Clear the SV array, then write the master's non-zero words (VPI deposits)."""
        self.dut.mem_clear.value = 1
        await RisingEdge(clk)
        self.dut.mem_clear.value = 0
        await RisingEdge(clk)
        u32 = np.frombuffer(self.memory.array, dtype="<u4")
        words = self.words
        nonzero = np.flatnonzero(u32).tolist()
        for i in nonzero:
            words[i].value = int(u32[i])
        self.words_loaded += len(nonzero)
        self.sync_owners(full=True)

    def _mirror(self, addr: int, length: int) -> None:
        """A VMM write: copy the words it touched into the SV array."""
        memory = self.memory
        first = (addr - memory.base) >> 2
        last = (addr + length - 1 - memory.base) >> 2
        u32 = memory.u32
        words = self.words
        for i in range(first, last + 1):
            words[i].value = u32[i]
        self.writes_mirrored += 1

    def apply_stores(self, rows: np.ndarray) -> None:
        """The unit's retired stores into the master (bypassing the write listeners:
        they are the unit's writes, not the VMM's; the SV array has them already)."""
        wmask = rows[:, ring.COLUMN["mem_wmask"]]
        hits = np.flatnonzero((wmask != 0) & (rows[:, ring.COLUMN["trap"]] == 0))
        if not len(hits):
            return
        memory = self.memory
        for paddr, mask, data in rows[hits][:, [ring.COLUMN["ext_mem_paddr"], ring.COLUMN["mem_wmask"],
                                                ring.COLUMN["mem_wdata"]]].tolist():
            size = mask.bit_length()
            off = memory._offset(paddr, size)
            memory.array[off:off + size] = np.frombuffer((data & ((1 << 8 * size) - 1)).to_bytes(size, "little"),
                                                         dtype=np.uint8)

    async def readback_differences(self) -> list[int]:
        """Host addresses (first 64) where a page the bus wrote differs between the SV array
        and the master."""
        dirty = int(wide_bits(self.dut.mem_dirty).replace("x", "0").replace("X", "0"), 2)
        u32 = np.frombuffer(self.memory.array, dtype="<u4")
        words = self.words
        diffs: list[int] = []
        page = 0
        while dirty and len(diffs) < 64:
            if dirty & 1:
                base = page * (PAGE // 4)
                for i in range(base, base + PAGE // 4):
                    if i >= len(u32):
                        value = int(words[i].value)
                        if value:
                            diffs.append(self.memory.base + 4 * i)
                    elif int(words[i].value) != int(u32[i]):
                        diffs.append(self.memory.base + 4 * i)
            dirty >>= 1
            page += 1
        return diffs[:64]

    # -- isolation guard -------------------------------------------------------------
    def _follow_allocator(self, vms) -> None:
        """Owner-table entries change when the VMM's allocator hands out or frees a frame:
        wrap those calls (on this allocator instance) to note the frames."""
        self.owner_changes.clear()
        self.allocator = vms[0].ram.allocator if vms else None
        alloc = self.allocator
        if alloc is None or getattr(alloc, "_fast_ram_hooked", False):
            return
        changes = self.owner_changes
        base = alloc.memory.base
        alloc_page, alloc_aligned, free_page = alloc.alloc_page, alloc.alloc_aligned, alloc.free_page

        def hooked_alloc_page(owner):
            addr = alloc_page(owner)
            changes.add((addr - base) // PAGE)
            return addr

        def hooked_alloc_aligned(owner, pages):
            addr = alloc_aligned(owner, pages)
            changes.update(range((addr - base) // PAGE, (addr - base) // PAGE + pages))
            return addr

        def hooked_free_page(addr, owner):
            free_page(addr, owner)
            changes.add((addr - base) // PAGE)

        alloc.alloc_page, alloc.alloc_aligned, alloc.free_page = hooked_alloc_page, hooked_alloc_aligned, \
            hooked_free_page
        alloc._fast_ram_hooked = True

    def sync_owners(self, full: bool = False) -> None:
        """Write the owner-table entries that changed (all of them with ``full``)."""
        alloc = self.allocator
        if alloc is None:
            return
        frames = range(self.memory.size // PAGE) if full else sorted(self.owner_changes)
        if full:
            wanted = np.zeros(self.num_pages, dtype=np.uint8)
        for frame in frames:
            owner = alloc.owner_of(self.memory.base + frame * PAGE)
            vmid = getattr(owner, "vmid", 0) if owner is not None else 0
            if full:
                wanted[frame] = vmid
            elif self.vmids[frame] != vmid:
                self.vmids[frame] = vmid
                self.owner_table[frame].value = vmid
        if full:
            for frame in np.flatnonzero(wanted != self.vmids).tolist():
                self.owner_table[frame].value = int(wanted[frame])
            self.vmids = wanted
        self.owner_changes.clear()

    def report_guard(self) -> None:
        """Access count and the first violation, to the isolation checker (when there is one)."""
        checker = self.checker
        if checker is None:
            return
        total = int(self.dut.iso_accesses.value)
        checker.accesses += total - self.accesses_reported
        self.accesses_reported = total
        if int(self.dut.iso_violation.value):
            address = int(self.dut.iso_addr.value)
            is_write = bool(int(self.dut.iso_write.value))
            vmid = int(self.dut.iso_vmid.value)
            vm = checker.by_vmid.get(vmid)
            who = "no VM running" if vm is None else f"vm{vm.index} (VMID {vmid}) running"
            owner = next((f"vm{v.index}" for v in checker.by_vmid.values() if v.owns_host_address(address)),
                         "no VM")
            checker.sb.fail("isolation", f"SECURITY VIOLATION: m_axi {'write' if is_write else 'read'} of "
                            f"host address {address:#010x} with {who}; it belongs to {owner} "
                            f"(harness isolation guard)", field="m_axi", pc=None, address=address,
                            write=is_write)


class FastRtlContext(RtlContext):
    def __init__(self, unit: "FastRtlUnit", ctx_id: int):
        super().__init__(unit, ctx_id)
        self.hgatp = 0          # as written by the VMM: the guard's running VMID comes from it

    async def write_state(self, values: dict[str, int]) -> None:
        await super().write_state(values)
        if "hgatp" in values:
            self.hgatp = values["hgatp"] & 0xFFFF_FFFF

    async def reset(self) -> None:
        await super().reset()
        self.hgatp = 0

    async def run(self, budget: int = 0) -> ExitRecord:
        unit, h, ctx, dut = self.unit, self.unit.h, self.ctx_id, self.unit.dut
        await h.cwr(ctx, "budget", budget & 0xFFFF_FFFF)
        if unit.irq_enable != 1 << ctx:
            unit.irq_enable = 1 << ctx
            await h.gwr("IRQ_ENABLE", unit.irq_enable)
        unit.ram.check_no_bus_errors()
        unit.ram.sync_owners()
        dut.guard_vmid.value = (self.hgatp >> VMID_SHIFT) & VMID_MASK
        await h.ctrl(ctx, CTRL_RUN)
        irq, full, violation = dut.irq, dut.trace_full, dut.iso_violation
        cycles = budget * HANG_CYCLES_PER_RECORD + 100_000 if budget else HANG_CYCLES_UNBOUNDED
        while not int(irq.value):
            await First(RisingEdge(irq), RisingEdge(full), RisingEdge(violation),
                        Timer(cycles * CLK_PERIOD_NS, unit="ns"))
            if int(full.value) and not int(irq.value):
                unit.full_stalls += 1
            progress = await unit.drain()
            if int(violation.value):
                unit.ram.report_guard()
                if unit.ram.checker is not None:
                    break           # the scoreboard has failed; the lockstep context stops the run
            if not int(irq.value) and not progress:
                raise RtlHang(f"ctx {ctx}: no exit within {cycles} cycles (budget {budget})")
        await unit.drain()
        unit.ram.report_guard()
        dut.guard_vmid.value = 0
        pending = await h.grd("EXIT_PENDING")
        if not pending >> ctx & 1:
            raise RuntimeError(f"irq raised but EXIT_PENDING = {pending:#x} has no bit for ctx {ctx}")
        rec = {n: await h.crd(ctx, n) for n in EXIT_FIELDS}
        await h.gwr("EXIT_PENDING", 1 << ctx)
        hstatus = rec["hstatus"]
        exit = ExitRecord(ctx=ctx, scause=rec["scause"], sepc=rec["sepc"], stval=rec["stval"],
                          htval=rec["htval"], htinst=rec["htinst"], gva=int(bool(hstatus & HSTATUS_GVA)),
                          spvp=int(bool(hstatus & HSTATUS_SPVP)), extra={"hstatus": hstatus})
        unit.exits.append(exit)
        return exit


class FastRtlUnit(RtlUnit):
    """``RtlUnit`` on ``cosim_harness``: SV memory, SV trace ring, SV isolation guard."""

    def __init__(self, dut, memory, vms, harness: Harness | None = None):
        self.dut = dut
        self.h = harness or FastHarness(dut)
        self.ram = FastRam(dut)
        self.slots = dut.u_trace.ring_q
        self.depth = len(self.slots)
        self.sink = None            # retire(record) / fail(kind, message, **data): a Scoreboard
        # Verilator is 2-state: no X/Z to look for in the drained bits (Icarus: every drain).
        self.four_state = "verilator" not in cocotb.SIM_NAME.lower()
        self.consumed = 0
        self.retired = 0
        self.drains = 0
        self.full_stalls = 0
        self.contexts: list[FastRtlContext] = []
        self.irq_enable = 0
        self.exits: list[ExitRecord] = []
        for name in ("trace_consumed", "mem_clear", "guard_vmid"):
            getattr(dut, name).value = 0
        self.memory = memory
        self.ram.serve(memory, vms)

    def serve(self, memory, vms=()) -> None:
        self.memory = memory
        self.ram.serve(memory, vms)

    async def start(self, num_contexts: int | None = None) -> None:
        await RtlUnit.start(self, num_contexts)
        self.contexts = [FastRtlContext(self, c.ctx_id) for c in self.contexts]
        self.consumed = self.retired = self.drains = self.full_stalls = 0
        self.ram.accesses_reported = self.ram.writes_mirrored = self.ram.words_loaded = 0
        self.dut.trace_consumed.value = 0
        await self.ram.load(self.h.clk)

    async def drain(self) -> int:
        """Hand every record in the ring to the sink (after applying its store); return how many.

        Reads in the read-only phase (the ring, the count and ``trace_full`` all settled),
        acknowledges on the falling edge (``trace_consumed``; the core is stalled or idle
        meanwhile), then checks: the sink's reactions (a failure wakes the lockstep context,
        which may write signals) happen in a writable phase.
        """
        dut = self.dut
        await ReadOnly()
        pushed = int(dut.trace_pushed.value)
        n = (pushed - self.consumed) & 0xFFFF_FFFF
        if int(dut.trace_overflow.value) or n > self.depth:
            raise HarnessError(f"trace ring overflow ({n} records for {self.depth} slots): raise TRACE_SLACK")
        valid_xz = bool(int(dut.trace_xz.value))
        first = self.consumed % self.depth
        slots = [wide_bits(self.slots[(first + k) % self.depth]) for k in range(n)]
        await FallingEdge(self.h.clk)
        dut.trace_consumed.value = pushed
        sink = self.sink
        if valid_xz and sink is not None:
            sink.fail("mismatch", "rvfi_valid is X/Z", field="valid", pc=None)
        if not n:
            return 0
        values = []
        for bits in slots:
            if self.four_state and bits.count("0") + bits.count("1") != len(bits):
                self._report_xz(bits)
                bits = "".join(c if c in "01" else "0" for c in bits)
            values.append(int(bits, 2))
        rows = ring.unpack(ring.lanes_of(values))
        self.consumed = pushed
        self.retired += n
        self.drains += 1
        self.ram.apply_stores(rows)
        if sink is not None:
            retire = sink.retire
            for record in ring.records(rows):
                retire(record)
        return n

    def _report_xz(self, bits: str) -> None:
        """Name the field of the first X/Z bit of a slot's value (MSB first)."""
        for bit in range(ring.RECORD_BITS):
            if bits[len(bits) - 1 - bit] not in "01":
                name = ring.field_at(bit)
                if self.sink is not None:
                    self.sink.fail("mismatch", f"rvfi_{name} is X/Z on a retirement", field=name, pc=None)
                return

    async def readback_differences(self) -> list[int]:
        return await self.ram.readback_differences()

    def fast_stats(self) -> dict:
        """Counters of the fast path (reported with each job's result)."""
        return {"trace_depth": self.depth, "records_drained": self.retired, "drains": self.drains,
                "trace_full_stalls": self.full_stalls, "vmm_writes_mirrored": self.ram.writes_mirrored,
                "words_loaded": self.ram.words_loaded}


def fast_unit(dut, setup, rtl=None, monitor=None):
    """``tb.cosim.run_job``'s fast-mode unit: a new ``FastRtlUnit`` (or ``rtl`` serving the
    job's memory) and the monitor that binds its drained trace to the job's scoreboard.

    ``monitor`` must be None: the fast mode runs from its own cocotb entry
    (``tb/fast/entry.py``), outside the pyuvm env and its sampling RVFI agent."""
    if monitor is not None:
        raise ValueError("the fast memory mode runs outside the pyuvm env (no RVFI agent to bind)")
    if rtl is None:
        rtl = FastRtlUnit(dut, setup.memory, setup.vms)
    else:
        rtl.serve(setup.memory, setup.vms)
    rtl.exits = []
    return rtl, FastTraceMonitor(rtl)


class FastTraceMonitor:
    """What ``LockstepUnit`` needs of a monitor (bind/start/stop/close) for the fast mode:
    the records come from the unit's drains, not from sampling."""

    def __init__(self, unit: FastRtlUnit):
        self.unit = unit

    def bind(self, scoreboard) -> None:
        self.unit.sink = scoreboard

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def close(self) -> None:
        self.unit.sink = None


__all__ = ["fast_unit", "FastRtlUnit", "FastRtlContext", "FastRam", "FastTraceMonitor", "FastHarness", "HarnessError"]
