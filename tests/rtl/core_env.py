"""Test environment of ``vcpu_core`` alone (top level = the core).

``CoreTb`` drives the core's ctl side (run/stop, state port, platform time that
advances one per ``retire_o``) and answers its mmu port with a Python memory
(bare translation: SPA = VA + ``paddr_offset``), with injectable faults.  All
driving and sampling happens on the falling clock edge, so every value read
is settled and every value driven is seen at the next rising edge.

``Cosim`` runs the same context on the RTL and on the reference hart
(``vmm_model.hart``) and compares every retirement record and the exit.
"""
from __future__ import annotations

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly

from interfaces.trace import TRACE_FIELDS, ExitRecord, RetireRecord
from interfaces.vcpu_state import BY_NAME, STATE_FIELDS

CLK_NS = 10
MEM_BASE = 0x8000_0000
MEM_SIZE = 64 * 1024
ACC_FETCH, ACC_LOAD, ACC_STORE = 0, 1, 2
ACCESS_FAULT = {ACC_FETCH: 1, ACC_LOAD: 5, ACC_STORE: 7}
M32 = 0xFFFF_FFFF

# Fields the VMM may read/write through the state port (the core stores them).
STORED_FIELDS = [f for f in STATE_FIELDS if f.name not in ("ctrl", "status")]


def word_of(name: str) -> int:
    return BY_NAME[name].offset >> 2


class CoreTb:
    def __init__(self, dut, latency: int = 0, paddr_offset: int = 0):
        self.dut = dut
        self.latency = latency              # extra cycles before an mmu response
        self.paddr_offset = paddr_offset    # SPA = VA + offset (to see resp_paddr pass through)
        self.mem = bytearray(MEM_SIZE)
        self.faults: dict[tuple[int, int], tuple[int, int, int]] = {}  # (type, page) -> (cause, htval, implicit)
        self.time = 0
        self._time_pending = 0
        self.records: list[RetireRecord] = []
        self.sfences: list[dict] = []
        self.mmu_log: list[tuple] = []
        self.exits = 0
        self.retires = 0                    # retire_o pulses
        self._countdown = None
        self._resp_on = False

    # ------------------------------------------------------------------ set-up
    async def start(self) -> None:
        d = self.dut
        Clock(d.clk_i, CLK_NS, unit="ns").start()
        for name in ("run_i", "run_ctx_i", "stop_i", "st_valid_i", "st_write_i", "st_ctx_i",
                     "st_word_i", "st_wdata_i", "ctx_reset_i", "ctx_reset_ctx_i", "time_i",
                     "resp_valid_i", "resp_rdata_i", "resp_fault_i", "resp_cause_i",
                     "resp_htval_i", "resp_implicit_i", "resp_paddr_i"):
            getattr(d, name).value = 0
        d.rst_ni.value = 0
        for _ in range(3):
            await FallingEdge(d.clk_i)
        d.rst_ni.value = 1
        cocotb.start_soon(self._retire_monitor())
        await self.tick()

    async def _retire_monitor(self) -> None:
        # retire_o may depend combinationally on resp_valid_i, which the mmu model drives
        # on the falling edge: sample it once everything has settled.
        d = self.dut
        while True:
            await FallingEdge(d.clk_i)
            await ReadOnly()
            if int(d.retire_o.value):
                self.retires += 1
                self._time_pending += 1

    def load(self, addr: int, data: bytes) -> None:
        off = addr - MEM_BASE
        self.mem[off:off + len(data)] = data

    def load_words(self, addr: int, words: list[int]) -> None:
        self.load(addr, b"".join((w & M32).to_bytes(4, "little") for w in words))

    def read_word(self, addr: int) -> int:
        off = addr - MEM_BASE
        return int.from_bytes(self.mem[off:off + 4], "little")

    # ------------------------------------------------------------------ one cycle
    async def tick(self) -> None:
        d = self.dut
        await FallingEdge(d.clk_i)
        if self._time_pending:
            self.time += self._time_pending
            self._time_pending = 0
            d.time_i.value = self.time
        if int(d.rvfi_valid.value):
            self.records.append(self._rvfi())
        if int(d.exit_o.value):
            self.exits += 1
        if int(d.sfence_valid_o.value):
            self.sfences.append({n: int(getattr(d, f"sfence_{n}_o").value)
                                 for n in ("vmid", "use_asid", "asid", "use_addr", "vaddr")})
        self._mmu()

    def _rvfi(self) -> RetireRecord:
        d = self.dut
        values = {name: int(getattr(d, f"rvfi_{name}").value) for name, _ in TRACE_FIELDS}
        values.pop("valid")
        return RetireRecord(**values)

    def _mmu(self) -> None:
        d = self.dut
        if self._resp_on:
            d.resp_valid_i.value = 0
            d.resp_fault_i.value = 0
            self._resp_on = False
            return
        if not int(d.req_valid_o.value):
            self._countdown = None
            return
        if self._countdown is None:
            self._countdown = self.latency
        if self._countdown > 0:
            self._countdown -= 1
            return
        self._countdown = None
        typ = int(d.req_type_o.value)
        va = int(d.req_vaddr_o.value)
        size = int(d.req_size_o.value)
        wstrb = int(d.req_wstrb_o.value)
        wdata = int(d.req_wdata_o.value)
        self.mmu_log.append((typ, va, size, wstrb, wdata))
        fault = self.faults.get((typ, va & ~0xFFF))
        off = (va & ~3) - MEM_BASE
        if fault is None and not 0 <= off < MEM_SIZE:
            fault = (ACCESS_FAULT[typ], 0, 0)
        rdata, paddr = 0, 0
        if fault is None:
            if typ == ACC_STORE:
                for i in range(4):
                    if wstrb >> i & 1:
                        self.mem[off + i] = (wdata >> (8 * i)) & 0xFF
            rdata = int.from_bytes(self.mem[off:off + 4], "little")
            paddr = va + self.paddr_offset
        d.resp_valid_i.value = 1
        d.resp_rdata_i.value = rdata
        d.resp_paddr_i.value = paddr
        d.resp_fault_i.value = int(fault is not None)
        d.resp_cause_i.value = fault[0] if fault else 0
        d.resp_htval_i.value = fault[1] if fault else 0
        d.resp_implicit_i.value = fault[2] if fault else 0
        self._resp_on = True

    # ------------------------------------------------------------------ ctl side
    async def st_access(self, ctx: int, word: int, value: int | None = None) -> int:
        d = self.dut
        d.st_valid_i.value = 1
        d.st_write_i.value = int(value is not None)
        d.st_ctx_i.value = ctx
        d.st_word_i.value = word
        d.st_wdata_i.value = (value or 0) & M32
        for _ in range(10):
            await self.tick()
            if int(d.st_ready_o.value):
                rdata = int(d.st_rdata_o.value)
                d.st_valid_i.value = 0
                d.st_write_i.value = 0
                return rdata
        raise AssertionError("state port: no st_ready_o")

    async def write_state(self, ctx: int, values: dict[str, int]) -> None:
        for name, value in values.items():
            await self.st_access(ctx, word_of(name), value)

    async def read_state(self, ctx: int, names) -> dict[str, int]:
        return {name: await self.st_access(ctx, word_of(name)) for name in names}

    async def ctx_reset(self, ctx: int) -> None:
        d = self.dut
        d.ctx_reset_i.value = 1
        d.ctx_reset_ctx_i.value = ctx
        await self.tick()
        d.ctx_reset_i.value = 0
        await self.tick()

    async def run(self, ctx: int, max_cycles: int = 20000) -> list[RetireRecord]:
        """RUN a context until it exits; the retirement records of this run."""
        d = self.dut
        first = len(self.records)
        exits = self.exits
        assert not int(d.busy_o.value)
        d.run_ctx_i.value = ctx
        d.run_i.value = 1
        await self.tick()
        d.run_i.value = 0
        for _ in range(max_cycles):
            await self.tick()
            if self.exits != exits:
                break
        else:
            raise AssertionError(f"context {ctx} did not exit within {max_cycles} cycles")
        assert int(d.busy_o.value) == 1
        await self.tick()
        assert int(d.busy_o.value) == 0, "busy_o must fall the cycle after exit_o"
        return self.records[first:]


class Cosim:
    """The same context on the RTL core and on the reference hart, compared record by record."""

    def __init__(self, tb: CoreTb, num_contexts: int = 2):
        from vmm_model.hart.unit import SoftwareUnit
        from vmm_model.memory import HostMemory
        self.tb = tb
        self.ref_mem = HostMemory(MEM_SIZE, base=MEM_BASE)
        self.ref = SoftwareUnit(self.ref_mem, num_contexts)
        self.ignore_rd_of_csr = {0xC00, 0xC80}   # cycle: clock cycles on the RTL (asynchronous)

    def load_words(self, addr: int, words: list[int]) -> None:
        self.tb.load_words(addr, words)
        data = b"".join((w & M32).to_bytes(4, "little") for w in words)
        self.ref_mem.write(addr, data)

    async def write_state(self, ctx: int, values: dict[str, int]) -> None:
        await self.tb.write_state(ctx, values)
        self.ref.contexts[ctx].set_state(values)

    async def run(self, ctx: int, budget: int = 0, max_records: int = 2000):
        """Run both; compare records and the exit; returns (records, exit record)."""
        tb = self.tb
        if budget:
            await tb.write_state(ctx, {"budget": budget})
        tb.time = self.ref.time
        tb.dut.time_i.value = tb.time
        rtl = await tb.run(ctx)
        ref_ctx = self.ref.contexts[ctx]
        ref_ctx.prepare_run(budget)
        ref_records = []
        exit_record = None
        for _ in range(max_records):
            result = ref_ctx.step()
            if isinstance(result, ExitRecord):
                exit_record = result
                break
            ref_records.append(result)
            if result.ext_exit:
                exit_record = ref_ctx.last_exit
                break
        assert exit_record is not None, "reference did not exit"
        for i, (a, b) in enumerate(zip(rtl, ref_records)):
            names = list(b.diff(a))
            if a.ext_csr_addr in self.ignore_rd_of_csr or ((a.insn >> 20) in self.ignore_rd_of_csr
                                                          and (a.insn & 0x7F) == 0x73):
                names = [n for n in names if n != "rd_wdata"]
            assert not names, (f"record {i} (pc {b.pc_rdata:#x} insn {b.insn:#010x}) differs in "
                               + ", ".join(f"{n}: rtl {getattr(a, n):#x} ref {getattr(b, n):#x}"
                                           for n in names))
        assert len(rtl) == len(ref_records), f"{len(rtl)} RTL records, {len(ref_records)} reference records"
        # The exit record as the VMM reads it back.
        st = await tb.read_state(ctx, ["scause", "sepc", "stval", "htval", "htinst", "hstatus",
                                       "pc", "priv"])
        got = ExitRecord(ctx=ctx, scause=st["scause"], sepc=st["sepc"], stval=st["stval"],
                         htval=st["htval"], htinst=st["htinst"], gva=(st["hstatus"] >> 6) & 1,
                         spvp=(st["hstatus"] >> 8) & 1)
        assert not exit_record.diff(got), f"exit differs: rtl {got} ref {exit_record}"
        assert st["pc"] == st["sepc"] and st["priv"] == exit_record.spvp
        assert (st["hstatus"] >> 7) & 1 == 1, "hstatus.SPV"
        assert tb.time == self.ref.time, f"time: rtl {tb.time} ref {self.ref.time}"
        assert tb.retires == len(tb.records), "one retire_o pulse per RVFI record"
        return rtl, exit_record

    async def compare_state(self, ctx: int, names=None) -> dict[str, int]:
        names = names or [f.name for f in STORED_FIELDS if f.name not in ("cycle", "cycleh")]
        got = await self.tb.read_state(ctx, names)
        want = self.ref.contexts[ctx].get_state(names)
        diff = {n: (got[n], want[n]) for n in names if got[n] != want[n]}
        assert not diff, "state differs (rtl, ref): " + ", ".join(
            f"{n}=({a:#x}, {b:#x})" for n, (a, b) in diff.items())
        return got
