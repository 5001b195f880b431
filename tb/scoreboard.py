"""Lockstep checking of the RTL against the reference hart.

- :class:`LockstepUnit` / :class:`LockstepContext` implement
  ``vmm_model.backend.Unit``/``Context``: every VMM call goes to the RTL
  (``tb.rtl_unit.RtlUnit``) and is applied identically to a *shadow*
  ``SoftwareUnit`` running on its own copy of host memory.
- Host memory: the shadow starts from ``HostMemory.snapshot()``; every write the
  VMM makes to its memory (``write``/``write32``/``fill``/``notify_write``) is
  mirrored into the copy by a write listener.  The unit's own bus writes bypass
  the listeners (``guest_mem.HostMemoryTarget``), so each side's guest stores
  land only in its own memory; :meth:`LockstepUnit.memory_differences` compares
  the two at the end.
- :class:`RvfiMonitor` samples ``rvfi_*`` on the clock (only while a context
  runs) and hands each record to :class:`Scoreboard`, which steps the shadow
  context once and compares every ``interfaces.trace.COMPARED_FIELDS`` field.
  Exits are compared field by field (``ExitRecord.diff``), interrupt exits too.
  Reads of ``cycle``/``cycleh`` follow the RTL (checked monotonic, then copied
  into the shadow's rd).  X/Z on a sampled signal is a mismatch.
- :class:`IsolationChecker`: every ``m_axi`` address must belong to the running
  VM (``Vm.owns_host_address``); anything else is a security violation.

The first failure stops the run: :class:`Mismatch` carries a report (field,
expected vs actual, pc, disassembly, the last retirements of both sides, the
register files of both sides, the VMM events before it) that
``tb.mismatch_report`` writes out.  Continue-and-count (``Scoreboard(continue_on_mismatch=True)``):
the first mismatch is kept, the shadow is re-synchronised to the RTL after each
one (see :meth:`Scoreboard.resync_retirement`; a whole context's state at its
next exit, read through the register map) and the run goes on until
``max_mismatches`` have been counted.

The register files in a report are reconstructed from the trace: the shadow's
registers before the divergent retirement (both sides had matched up to there)
with the RTL's own register write of that retirement applied, against the
shadow's after it.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Iterable

import cocotb
from cocotb.triggers import Event, First, RisingEdge

from interfaces.trace import COMPARED_FIELDS, ExitRecord, RetireRecord, TraceHash, reads_cycle
from interfaces.vcpu_state import BY_NAME, SAVED_FIELDS
from vmm_model.backend import Context, Unit
from vmm_model.hart import SoftwareUnit
from vmm_model.isa.disasm import disasm

HISTORY = 32
EVENTS = 64                           # VMM events kept for the report
DEFAULT_MAX_MISMATCHES = 100
ASYNC_STATE = ("cycle", "cycleh")     # state fields the reference cannot predict


def sim_time_ns() -> int | None:
    """The simulation time (ns), or None outside a simulator (unit tests)."""
    try:
        from cocotb.utils import get_sim_time
        return int(get_sim_time(unit="ns"))
    except Exception:
        return None


class Mismatch(Exception):
    """The RTL diverged from the reference (or broke isolation)."""

    def __init__(self, kind: str, message: str, data: dict):
        super().__init__(message)
        self.kind = kind
        self.data = data


def _fmt_record(rec: RetireRecord | None) -> str:
    if rec is None:
        return "-"
    text = f"#{rec.order} ctx{rec.ext_ctx} {rec.pc_rdata:08x}: {rec.insn:08x} {disasm(rec.insn, rec.pc_rdata):28s}"
    if rec.trap:
        text += f" TRAP cause={rec.ext_cause:#x} tval={rec.ext_tval:#x}{' EXIT' if rec.ext_exit else ''}"
    if rec.rd_addr:
        text += f" x{rec.rd_addr}={rec.rd_wdata:08x}"
    if rec.mem_rmask:
        text += f" load[{rec.mem_addr:08x}]={rec.mem_rdata:08x}"
    if rec.mem_wmask:
        text += f" store[{rec.mem_addr:08x}]={rec.mem_wdata:08x}"
    return text


@dataclass
class Scoreboard:
    """Compares RTL retirements and exits with the shadow context's."""
    checked: int = 0
    exits_checked: int = 0
    failure: Mismatch | None = None
    history: collections.deque = field(default_factory=lambda: collections.deque(maxlen=HISTORY))
    event: Event = field(default_factory=Event)
    active: object = None                 # the shadow SoftwareVcpu of the running context
    last_cycle: dict = field(default_factory=dict)
    trace_hash: TraceHash = field(default_factory=TraceHash)   # of the checked RTL retirements
    # Called with each RTL record once it matched, and with each exit once it matched
    # (coverage, statistics): subscribers of the checked stream.
    on_checked: list = field(default_factory=list)
    on_exit: list = field(default_factory=list)
    # Continue-and-count: after a mismatch the shadow follows the RTL and the run goes on.
    continue_on_mismatch: bool = False
    max_mismatches: int = DEFAULT_MAX_MISMATCHES
    mismatches: int = 0                   # counted (1 at most when stopping at the first)
    stopped: bool = False                 # the run must stop (first mismatch, or max reached)
    mismatch_kinds: collections.Counter = field(default_factory=collections.Counter)
    # The VMM's actions (LockstepUnit.log_event), the last EVENTS of them.
    events: collections.deque = field(default_factory=lambda: collections.deque(maxlen=EVENTS))
    # Host memory resynchronisation (continue mode): copy [addr, addr+len) from the RTL's memory
    # into the shadow's; set by LockstepUnit.
    copy_rtl_memory: object = None
    _x_before: list = field(default_factory=list)   # shadow registers before the last step

    def fail(self, kind: str, message: str, **data) -> Mismatch:
        """Record a mismatch: the first one becomes ``failure`` (with the report); every one
        counts.  Stops the run unless continuing and under ``max_mismatches``."""
        self.mismatches += 1
        self.mismatch_kinds[kind] += 1
        if self.failure is None:
            lines = [message, f"last {len(self.history)} retirements (RTL | reference):"]
            for rtl, ref in self.history:
                lines.append(f"  RTL {_fmt_record(rtl)}")
                lines.append(f"  REF {_fmt_record(ref)}")
            data["history"] = [{"rtl": r.as_dict() if r else None, "ref": s.as_dict() if s else None}
                               for r, s in self.history]
            data["instructions_checked"] = self.checked
            data["time_ns"] = sim_time_ns()
            data["events"] = list(self.events)
            data.setdefault("registers", None)
            self.failure = Mismatch(kind, "\n".join(lines), data)
        if not self.continue_on_mismatch or self.mismatches >= self.max_mismatches:
            self.stopped = True
            self.event.set()
        return self.failure

    def registers(self, shadow, rtl: RetireRecord | None, ref: RetireRecord | None) -> dict:
        """Both register files at a divergent retirement, reconstructed from the trace."""
        before = self._x_before or list(shadow.x)
        rtl_x = list(before)
        if rtl is not None and rtl.rd_addr and not rtl.trap:
            rtl_x[rtl.rd_addr] = rtl.rd_wdata
        ref_x = list(shadow.x) if ref is not None else list(before)
        return {"ctx": shadow.ctx_id, "source": "reconstructed from the trace (the registers before the "
                "divergent retirement, where both sides agreed, plus each side's register write)",
                "rtl": rtl_x, "ref": ref_x, "differ": [i for i in range(32) if rtl_x[i] != ref_x[i]]}

    def resync_retirement(self, shadow, rtl: RetireRecord, ref: RetireRecord | None) -> None:
        """Continue mode: make the shadow follow the RTL's divergent retirement (its pc,
        rd value, VS trap entry and stored bytes); the rest of the context's state is
        copied from the RTL at the next exit (``LockstepContext.run``)."""
        shadow.last_exit = None
        shadow._exit = None
        if self._x_before:
            shadow.x[:] = self._x_before       # undo the reference's own register write
        if rtl.trap and not rtl.ext_exit:      # the RTL entered the VS trap handler
            shadow._enter_vs(rtl.ext_cause & 0x1F, rtl.ext_tval, rtl.pc_rdata, False)
        elif rtl.rd_addr:
            shadow.x[rtl.rd_addr] = rtl.rd_wdata
        shadow.pc = rtl.pc_wdata
        if self.copy_rtl_memory is not None:
            for rec in (rtl, ref):
                if rec is not None and rec.mem_wmask:
                    self.copy_rtl_memory(rec.ext_mem_paddr & ~3, 4)
        shadow.resync_pending = True

    # -- retirements ----------------------------------------------------------------
    def retire(self, rtl: RetireRecord) -> None:
        if self._matches(rtl):
            self.trace_hash.add(rtl)
            self._accept(rtl)

    def retire_batch(self, records: list[RetireRecord], hash_rows) -> None:
        """The records of one drained batch, in order.  ``hash_rows``: the same batch as
        ``TraceHash.add_array`` takes it; a batch that matches whole is hashed from it in one
        call (the same bytes as one ``add`` per record).  From a mismatch on (continue mode),
        the rest goes record by record."""
        for i, rtl in enumerate(records):
            if not self._matches(rtl):
                self.trace_hash.add_array(hash_rows[:i])
                for rest in records[i + 1:]:
                    self.retire(rest)
                return
            self._accept(rtl)
        self.trace_hash.add_array(hash_rows)

    def _accept(self, rtl: RetireRecord) -> None:
        self.checked += 1
        for observer in self.on_checked:
            observer(rtl)

    def _matches(self, rtl: RetireRecord) -> bool:
        """Step the shadow once and compare; a difference is a failure (False)."""
        if self.stopped:
            return False
        shadow = self.active
        if shadow is None:
            self.fail("mismatch", f"RTL retired {_fmt_record(rtl)} while no context was running",
                      field="valid", pc=rtl.pc_rdata)
            return False
        if shadow.last_exit is not None:
            self.history.append((rtl, None))
            self._x_before = []
            self.fail("mismatch", f"RTL retired pc {rtl.pc_rdata:#010x} after the reference exited "
                      f"(scause {shadow.last_exit.scause:#x})", field="valid", pc=rtl.pc_rdata,
                      actual_record=rtl.as_dict(), registers=self.registers(shadow, rtl, None))
            self.resync_retirement(shadow, rtl, None)
            return False
        self._x_before = list(shadow.x)
        ref = shadow.step()
        if isinstance(ref, ExitRecord):
            self.history.append((rtl, None))
            self.fail("mismatch", f"reference exits (scause {ref.scause:#x} sepc {ref.sepc:#010x}) but the "
                      f"RTL retired pc {rtl.pc_rdata:#010x}: {disasm(rtl.insn, rtl.pc_rdata)}",
                      field="exit", pc=rtl.pc_rdata, expected=_exit_dict(ref), actual=rtl.as_dict(),
                      actual_record=rtl.as_dict(), registers=self.registers(shadow, rtl, None))
            self.resync_retirement(shadow, rtl, None)
            return False
        insn = ref.insn
        if reads_cycle(insn) and not ref.trap and ref.rd_addr and rtl.rd_addr == ref.rd_addr:
            csr = insn >> 20
            last = self.last_cycle.get((shadow.ctx_id, csr))
            if csr == 0xC00 and last is not None and rtl.rd_wdata < last and last - rtl.rd_wdata < 1 << 31:
                self.history.append((rtl, ref))
                self.fail("mismatch", f"cycle read went backwards: {rtl.rd_wdata:#x} after {last:#x}",
                          field="rd_wdata", pc=rtl.pc_rdata, expected=last, actual=rtl.rd_wdata,
                          expected_record=ref.as_dict(), actual_record=rtl.as_dict())
                self.last_cycle[(shadow.ctx_id, csr)] = rtl.rd_wdata
                shadow.x[ref.rd_addr] = rtl.rd_wdata
                return False
            self.last_cycle[(shadow.ctx_id, csr)] = rtl.rd_wdata
            shadow.x[ref.rd_addr] = rtl.rd_wdata
            ref.rd_wdata = rtl.rd_wdata
        self.history.append((rtl, ref))
        bad = ref.diff(rtl)
        if bad:
            name = bad[0]
            exp, act = getattr(ref, name), getattr(rtl, name)
            lines = [f"MISMATCH at ctx {rtl.ext_ctx} pc {ref.pc_rdata:#010x}: {disasm(ref.insn, ref.pc_rdata)}"]
            for n in bad:
                lines.append(f"  {n}: expected {getattr(ref, n):#x}, RTL {getattr(rtl, n):#x}")
            self.fail("mismatch", "\n".join(lines), field=name, pc=ref.pc_rdata, expected=exp, actual=act,
                      fields=bad, disasm=disasm(ref.insn, ref.pc_rdata), ctx=rtl.ext_ctx,
                      expected_record=ref.as_dict(), actual_record=rtl.as_dict(),
                      registers=self.registers(shadow, rtl, ref))
            self.resync_retirement(shadow, rtl, ref)
            return False
        return True

    # -- exits ----------------------------------------------------------------------
    def exit(self, shadow, rtl_exit: ExitRecord) -> None:
        if self.stopped:
            return
        ref = shadow.last_exit
        if ref is None and getattr(shadow, "resync_pending", False):
            return      # continue mode: the shadow follows the RTL; its state is copied at this exit
        if ref is None:
            step = shadow.step()
            if not isinstance(step, ExitRecord):
                self.history.append((None, step))
                self.fail("mismatch", f"RTL exited (scause {rtl_exit.scause:#x} sepc {rtl_exit.sepc:#010x}) but "
                          f"the reference retires pc {step.pc_rdata:#010x}: {disasm(step.insn, step.pc_rdata)}",
                          field="exit", pc=step.pc_rdata, expected=step.as_dict(), actual=_exit_dict(rtl_exit),
                          expected_record=step.as_dict())
                shadow.resync_pending = True
                return
            ref = step
        bad = ref.diff(rtl_exit)
        if bad:
            lines = [f"EXIT MISMATCH on ctx {rtl_exit.ctx}:"]
            for n in bad:
                lines.append(f"  {n}: expected {getattr(ref, n):#x}, RTL {getattr(rtl_exit, n):#x}")
            self.fail("mismatch", "\n".join(lines), field=f"exit.{bad[0]}", pc=ref.sepc,
                      expected=_exit_dict(ref), actual=_exit_dict(rtl_exit), fields=bad)
            shadow.resync_pending = True
            return
        self.exits_checked += 1
        for observer in self.on_exit:
            observer(rtl_exit)


def _exit_dict(e: ExitRecord) -> dict:
    return {n: getattr(e, n) for n in ExitRecord.COMPARED}


_RVFI_NAMES = ("order",) + tuple(n for n in COMPARED_FIELDS if n != "order")


class RvfiMonitor:
    """Samples ``rvfi_*`` at each rising clock edge while a context runs; sleeps otherwise."""

    def __init__(self, dut, clk, sink=None):
        self.sb = sink          # has retire(record) and fail(kind, message, **data): a Scoreboard
        self.clk = clk
        self.valid = dut.rvfi_valid
        self.handles = [(n, getattr(dut, f"rvfi_{n}")) for n in _RVFI_NAMES]
        self.running = False
        self.wake = Event()
        self.task = cocotb.start_soon(self._loop())

    def bind(self, scoreboard: Scoreboard) -> None:
        """Send the records to ``scoreboard`` from now on."""
        self.sb = scoreboard

    def close(self) -> None:
        self.task.cancel()

    def start(self) -> None:
        self.running = True
        self.wake.set()

    def stop(self) -> None:
        self.running = False

    async def _loop(self) -> None:
        edge = RisingEdge(self.clk)
        while True:
            if not self.running:
                self.wake.clear()
                await self.wake.wait()
            await edge
            sb = self.sb
            # Values as binary strings: int(bits, 2) rejects any X/Z bit at C speed, where
            # LogicArray.is_resolvable builds one Python object per bit (docs/performance.md).
            v = str(self.valid.value)
            if v not in ("0", "1"):
                sb.fail("mismatch", f"rvfi_valid is {v} (X/Z)", field="valid", pc=None)
                continue
            if v == "0":
                continue
            values = {}
            for name, handle in self.handles:
                bits = str(handle.value)
                try:
                    values[name] = int(bits, 2)
                except ValueError:
                    sb.fail("mismatch", f"rvfi_{name} is {bits} (X/Z) on a retirement", field=name, pc=None)
                    break
            else:
                sb.retire(RetireRecord(**values))


class IsolationChecker:
    """Every ``m_axi`` access must hit the running VM's RAM or page tables."""

    def __init__(self, scoreboard: Scoreboard, vms):
        self.sb = scoreboard
        self.by_vmid = {vm.vmid: vm for vm in vms}
        self.vm = None          # the VM whose vCPU is running (None: nothing runs)
        self.accesses = 0

    def running(self, hgatp: int | None) -> None:
        self.vm = None if hgatp is None else self.by_vmid.get((hgatp >> 22) & 0x7F)

    def __call__(self, address: int, length: int, is_write: bool) -> None:
        self.accesses += 1
        vm = self.vm
        if vm is None or not (vm.owns_host_address(address) and vm.owns_host_address(address + length - 1)):
            who = "no VM running" if vm is None else f"vm{vm.index} (VMID {vm.vmid}) running"
            owner = next((f"vm{v.index}" for v in self.by_vmid.values() if v.owns_host_address(address)),
                         "no VM")
            self.sb.fail("isolation", f"SECURITY VIOLATION: m_axi {'write' if is_write else 'read'} of "
                         f"host address {address:#010x} (+{length}) with {who}; it belongs to {owner}",
                         field="m_axi", pc=None, address=address, write=is_write)


class LockstepContext(Context):
    def __init__(self, unit: "LockstepUnit", rtl, shadow):
        self.unit, self.rtl, self.shadow = unit, rtl, shadow
        self.ctx_id = rtl.ctx_id

    async def read_state(self, names: Iterable[str] | None = None) -> dict[str, int]:
        names = list(SAVED_FIELDS if names is None else names)
        values = await self.rtl.read_state(names)
        self.unit.check()
        expected = self.shadow.get_state(names)
        bad = [n for n in names if n not in ASYNC_STATE and values[n] != expected[n]]
        if bad:
            self.unit.sb.fail(
                "mismatch", f"state of ctx {self.ctx_id} read by the VMM differs: " + ", ".join(
                    f"{n} expected {expected[n]:#x} RTL {values[n]:#x}" for n in bad),
                field=f"state.{bad[0]}", pc=expected.get("pc"), expected=expected[bad[0]], actual=values[bad[0]],
                fields=bad)
            self.unit.check()
            self.shadow.set_state({n: values[n] for n in bad})     # continue: follow the RTL
        return values

    async def write_state(self, values: dict[str, int]) -> None:
        self.unit.log_event("write_state", ctx=self.ctx_id, **_describe_write(values))
        await self.rtl.write_state(values)
        self.shadow.set_state(values)

    async def run(self, budget: int = 0) -> ExitRecord:
        unit = self.unit
        unit.check()
        shadow = self.shadow
        shadow.prepare_run(budget)
        shadow.resync_pending = False
        unit.log_event("run", ctx=self.ctx_id, budget=budget, pc=shadow.pc, hgatp=shadow.hgatp)
        unit.sb.active = shadow
        unit.isolation.running(shadow.hgatp)
        unit.monitor.start()
        task = cocotb.start_soon(self.rtl.run(budget))
        await First(task.complete, unit.sb.event.wait())
        unit.monitor.stop()
        unit.isolation.running(None)
        unit.sb.active = None
        if unit.sb.stopped:
            if not task.done():
                task.cancel()
            raise unit.sb.failure
        exit = task.result()
        unit.log_event("exit", ctx=self.ctx_id, scause=exit.scause, sepc=exit.sepc, stval=exit.stval,
                       cause=_cause_name(exit.scause))
        unit.sb.exit(shadow, exit)
        unit.check()
        if shadow.resync_pending:
            # Continue mode after a mismatch in this run: the whole context follows the RTL.
            values = await self.rtl.read_state(list(SAVED_FIELDS))
            shadow.set_state(values)
            shadow.last_exit = exit
            shadow.resync_pending = False
            unit.log_event("resync", ctx=self.ctx_id, note="shadow state copied from the RTL")
        return exit

    async def reset(self) -> None:
        self.unit.log_event("reset", ctx=self.ctx_id)
        await self.rtl.reset()
        self.shadow.reset_now()


_EXCEPTIONS = {0: "insn misaligned", 1: "insn access fault", 2: "illegal insn", 3: "breakpoint",
               4: "load misaligned", 5: "load access fault", 6: "store misaligned", 7: "store access fault",
               8: "ecall from VU", 10: "ecall from VS", 12: "insn page fault", 13: "load page fault",
               15: "store page fault", 20: "insn guest-page fault", 21: "load guest-page fault",
               22: "virtual insn", 23: "store guest-page fault"}
_INTERRUPTS = {1: "STOP", 5: "PREEMPT", 2: "VSSI", 6: "VSTI", 10: "VSEI"}


def _cause_name(scause: int) -> str:
    if scause >> 31:
        return "interrupt " + _INTERRUPTS.get(scause & 0x1F, str(scause & 0x1F))
    return _EXCEPTIONS.get(scause, f"exception {scause}")


def _describe_write(values: dict[str, int]) -> dict:
    """A VMM state write as an event: what kind of action it is, and the fields."""
    names = set(values)
    if {"pc", "hgatp"} <= names:
        action = "load vCPU state (world switch)"
    elif "hvip" in names:
        action = "interrupt injection (hvip)"
    else:
        action = "state write"
    shown = dict(list(values.items())[:12]) if len(values) > 12 else values
    return {"action": action, "fields": {k: f"{v:#x}" for k, v in shown.items()},
            "num_fields": len(values)}


class LockstepUnit(Unit):
    """The RTL unit with the reference in lockstep beside it."""

    def __init__(self, rtl, memory, vms, monitor=None):
        """``monitor``: an RVFI monitor to bind (start/stop/bind/close, as ``RvfiMonitor``);
        by default one of its own."""
        self.rtl = rtl
        self.memory = memory
        self.shadow_memory = memory.snapshot()
        self.shadow = SoftwareUnit(self.shadow_memory, num_contexts=len(rtl.contexts))
        self.sb = Scoreboard()
        self.sb.copy_rtl_memory = self._copy_rtl_memory
        self.own_monitor = monitor is None
        self.monitor = RvfiMonitor(rtl.dut, rtl.h.clk) if monitor is None else monitor
        self.monitor.bind(self.sb)
        self.isolation = IsolationChecker(self.sb, vms)
        rtl.ram.on_access = self.isolation
        self.mirrored = 0
        # Every page watched, so every VMM write reaches the listener (bus writes bypass it).
        for page in range(memory.base >> 12, (memory.base + memory.size) >> 12):
            memory.watch_page(page)
        memory.add_write_listener(self._mirror)
        self.contexts = [LockstepContext(self, r, s) for r, s in zip(rtl.contexts, self.shadow.contexts)]

    def log_event(self, event: str, **data) -> None:
        """One VMM action into the scoreboard's bounded event log (for the mismatch report)."""
        self.sb.events.append({"time_ns": sim_time_ns(), "event": event, **data})

    def _copy_rtl_memory(self, addr: int, length: int) -> None:
        memory = self.memory
        if memory.base <= addr and addr + length <= memory.base + memory.size:
            self.shadow_memory.write(addr, memory.read(addr, length))

    def _mirror(self, addr: int, length: int) -> None:
        self.mirrored += 1
        self.shadow_memory.write(addr, self.memory.read(addr, length))

    def close(self) -> None:
        """Stop the monitor and the isolation hook (the unit may serve another run next)."""
        self.monitor.stop()
        if self.own_monitor:
            self.monitor.close()
        self.rtl.ram.on_access = None

    def check(self) -> None:
        if self.sb.stopped:
            raise self.sb.failure

    async def get_time(self) -> int:
        value = await self.rtl.get_time()
        if value != self.shadow.time:
            self.sb.fail("mismatch", f"platform time: expected {self.shadow.time}, RTL {value}",
                         field="time", pc=None, expected=self.shadow.time, actual=value)
            self.check()
            await self.shadow.set_time(value)      # continue: follow the RTL
        return value

    async def set_time(self, value: int) -> None:
        self.log_event("set_time", value=value)
        await self.rtl.set_time(value)
        await self.shadow.set_time(value)

    async def flush_tlb(self, kind: int, vmid: int = 0, asid: int | None = None,
                        addr: int | None = None) -> None:
        self.log_event("flush_tlb", kind=kind, vmid=vmid, asid=asid, addr=addr)
        await self.rtl.flush_tlb(kind, vmid, asid, addr)
        await self.shadow.flush_tlb(kind, vmid, asid, addr)

    def memory_differences(self) -> list[int]:
        """Host addresses (first 64) where the RTL's memory and the reference's differ."""
        import numpy as np
        diff = np.nonzero(self.memory.array != self.shadow_memory.array)[0]
        return [self.memory.base + int(i) for i in diff[:64]]


__all__ = ["LockstepUnit", "LockstepContext", "Scoreboard", "RvfiMonitor", "IsolationChecker", "Mismatch",
           "BY_NAME"]
