"""One software vCPU context: the reference VS/VU hart.

Two ways through the same semantics:

- ``step()``: one instruction boundary at a time (interrupt/exit check, then
  one instruction through the per-instruction step functions) with a full
  ``RetireRecord`` — what the co-simulation scoreboard uses;
- ``run()``: the same, but between events it executes compiled blocks
  (``blocks.py``) without records.  An *event* is anything that can make the
  boundary check take an interrupt or an exit: the preemption budget running
  out, or the vstimecmp deadline.  Both are computed in platform time before
  entering blocks, and a block only runs if it ends at or before the nearest
  one; otherwise the hart single-steps up to it.  Everything else that can
  change interrupt state (CSR writes, SRET, traps) runs on the step path,
  after which the boundary is evaluated again.  So run() and step() take
  every interrupt and exit at the same instruction boundary.

Traps are values (``trap.Trap``) raised by whatever detects them and handled
in ``_take_trap``: VS trap entry when ``hedeleg`` delegates the cause, else an
exit with the full HS record.
"""
from __future__ import annotations

from typing import Iterable

from interfaces.trace import ExitRecord, RetireRecord
from interfaces.vcpu_state import (BY_NAME, CTX_IDLE, CTX_RUNNING, INTERRUPT_BIT, PREEMPT_CAUSE,
                                   SAVED_FIELDS, STOP_CAUSE, reset_state)
from vmm_model.backend import Context
from vmm_model.isa.decode import decode
from vmm_model.isa.table import BY_NAME as SPECS

from . import csr
from .blocks import BlockExit, build_block
from .mmu import Regime
from .semantics import BLOCKABLE, STEP_FUNCTIONS
from .system import HANDLERS
from .trap import FETCH, LOAD, STORE, Trap

M32 = 0xFFFF_FFFF
M64 = (1 << 64) - 1
NEVER = 1 << 80                     # "no event" deadline, beyond any 64-bit time
SIE, SPIE, SPP = 1 << 1, 1 << 5, 1 << 8
HSTATUS_GVA, HSTATUS_SPV, HSTATUS_SPVP = 1 << 6, 1 << 7, 1 << 8
HENVCFGH_STCE = 1 << 31
VSTIP = 1 << 6
MAX_REGIMES = 64

# Halves of 64-bit counters kept as one int each.
_WIDE = {"instret": ("instret64", 0), "instreth": ("instret64", 32),
         "cycle": ("cycle64", 0), "cycleh": ("cycle64", 32)}
_GPR = {f"x{i}": i for i in range(32)}


class _Decoded:
    """A decoded word, ready to execute: its step function and what the trace reports."""

    __slots__ = ("fn", "system", "ins", "rd", "rs1", "rs2", "imm", "word",
                 "rs1_addr", "rs2_addr", "writes_rd")

    def __init__(self, word: int):
        ins = decode(word)
        self.ins, self.word = ins, word
        self.rd, self.rs1, self.rs2, self.imm = ins.rd, ins.rs1, ins.rs2, ins.imm
        self.system = ins.name not in BLOCKABLE
        self.fn = HANDLERS[ins.name] if self.system else STEP_FUNCTIONS[ins.name]
        spec = SPECS.get(ins.name)
        attrs = {f.attr for f in spec.operands} if spec else set()
        # Registers the instruction reads and writes: CSRI's rs1 field is an
        # immediate (it still writes rd); FENCE's register fields are ignored.
        self.rs1_addr = ins.rs1 if ins.fmt not in ("CSRI", "FENCE") and "rs1" in attrs else 0
        self.rs2_addr = ins.rs2 if "rs2" in attrs else 0
        self.writes_rd = ins.fmt != "FENCE" and "rd" in attrs


_decoded: dict[int, _Decoded] = {}
DECODED_LIMIT = 1 << 16


def _decode(word: int) -> _Decoded:
    """Decode once per distinct word (bounded, for runs that generate code)."""
    entry = _decoded.get(word)
    if entry is None:
        if len(_decoded) >= DECODED_LIMIT:
            _decoded.clear()
        entry = _decoded[word] = _Decoded(word)
    return entry


def _highest(pending: int) -> int:
    """Interrupt priority among bits 2/6/10: VSEI > VSSI > VSTI."""
    return 10 if pending & 0x400 else 2 if pending & 0x4 else 6


class SoftwareVcpu(Context):
    """One context of ``SoftwareUnit``: register file, VS and hypervisor CSRs, caches."""

    def __init__(self, unit, ctx_id: int):
        self.unit = unit
        self.ctx_id = ctx_id
        self.memory = unit.memory
        self.x = [0] * 32               # mutated in place: compiled blocks hold this list
        self.regimes: dict[tuple, Regime] = {}
        self._reset_fields()

    # ------------------------------------------------------------------ state

    def _reset_fields(self) -> None:
        for name, value in reset_state().items():
            self._set_field(name, value)
        self.x[:] = [0] * 32
        self.instret64 = self.cycle64 = 0
        self.status = CTX_IDLE
        self.order = 0                  # retirement records of this context so far
        self.last_exit: ExitRecord | None = None
        self.stop_requested = False     # the VMM's STOP: exit with STOP_CAUSE at the next boundary
        self._budget_armed = False      # budget > 0 at run start: PREEMPT when it reaches 0
        self._intr_mark = 0             # the next record is the first of a VS interrupt handler
        self._exit: ExitRecord | None = None
        self.csr_written = None
        self.mem_rmask = self.mem_wmask = 0
        self.regimes.clear()
        self.controls_changed()

    def _get_field(self, name: str) -> int:
        if name in _GPR:
            return self.x[_GPR[name]]
        if name in _WIDE:
            attr, shift = _WIDE[name]
            return (getattr(self, attr) >> shift) & M32
        if name == "ctrl":
            return 0
        return getattr(self, name)

    def _set_field(self, name: str, value: int) -> None:
        if name in _GPR:
            if name != "x0":
                self.x[_GPR[name]] = value & M32
        elif name in _WIDE:
            attr, shift = _WIDE[name]
            old = getattr(self, attr, 0)
            setattr(self, attr, (old & ~(M32 << shift)) | ((value & M32) << shift))
        elif name == "hgatp" and value >> 31:
            self.hgatp = value & ~0x3          # Sv32x4: PPN[1:0] read as 0 (16 KiB root)
        elif name not in ("ctrl", "status"):
            setattr(self, name, value & M32)

    def get_state(self, names: Iterable[str] | None = None) -> dict[str, int]:
        """Synchronous ``read_state`` (the scoreboard and tests use it directly)."""
        names = SAVED_FIELDS if names is None else names
        return {name: self._get_field(BY_NAME[name].name) for name in names}

    def set_state(self, values: dict[str, int]) -> None:
        """Synchronous ``write_state``: each field masked by its ``vmm_mask``."""
        for name, value in values.items():
            field = BY_NAME[name]
            if not field.vmm_mask:
                continue
            old = self._get_field(name)
            self._set_field(name, (old & ~field.vmm_mask) | (value & field.vmm_mask))
        self.controls_changed()

    async def read_state(self, names: Iterable[str] | None = None) -> dict[str, int]:
        return self.get_state(names)

    async def write_state(self, values: dict[str, int]) -> None:
        self.set_state(values)

    async def reset(self) -> None:
        self.reset_now()

    def reset_now(self) -> None:
        self._reset_fields()

    def controls_changed(self) -> None:
        """Pick the translation regime of the current controls (after any state change)."""
        key = Regime.key(self.priv, self.vsatp, self.hgatp, self.vsstatus, self.hs_sstatus)
        regime = self.regimes.get(key)
        if regime is None:
            if len(self.regimes) >= MAX_REGIMES:
                self.regimes.clear()
            regime = self.regimes[key] = Regime(
                self.memory, self.priv, self.vsatp, self.hgatp, bool(key[3]), bool(key[4]),
                bool(key[5]), self.unit.note_pte, self.unit.walks)
        self.regime = regime

    def clear_caches(self) -> None:
        for regime in self.regimes.values():
            regime.clear()

    # ------------------------------------------------------------------ memory (step path)

    def _fetch(self, pc: int) -> int:
        off = self.regime.fetch.get(pc >> 12)
        if off is None:
            return self.memory.u32[(self.regime.translate(pc, FETCH) - self.memory.base) >> 2]
        return self.memory.u32[(off | (pc & 0xFFF)) >> 2]

    def _host_offset(self, a: int, access: int, pc: int, word: int) -> int:
        """Index into host memory (address - base) of the explicit access at guest VA ``a``."""
        cache = self.regime.load if access == LOAD else self.regime.store
        off = cache.get(a >> 12)
        if off is None:
            try:
                return self.regime.translate(a, access, word) - self.memory.base
            except Trap as trap:
                trap.epc = pc
                raise
        return off | (a & 0xFFF)

    def _read(self, index: int, size: int) -> int:
        memory = self.memory
        if size == 4:
            return memory.u32[index >> 2]
        if size == 2:
            return memory.u16[index >> 1]
        return memory.u8[index]

    def _write(self, index: int, size: int, value: int) -> None:
        memory = self.memory
        if size == 4:
            memory.u32[index >> 2] = value
        elif size == 2:
            memory.u16[index >> 1] = value
        else:
            memory.u8[index] = value
        if memory.watched_pages:
            memory.notify_write(memory.base + index, size)

    def load(self, a: int, size: int, pc: int, word: int) -> int:
        """An explicit load of the step path (logged for the retirement record)."""
        index = self._host_offset(a, LOAD, pc, word)
        value = self._read(index, size)
        self.mem_addr, self.mem_rmask, self.mem_rdata = a, (1 << size) - 1, value
        self.mem_paddr = self.memory.base + index
        return value

    def store(self, a: int, size: int, value: int, pc: int, word: int) -> None:
        """An explicit store of the step path (logged for the retirement record)."""
        index = self._host_offset(a, STORE, pc, word)
        self._write(index, size, value)
        self.mem_addr, self.mem_wmask, self.mem_wdata = a, (1 << size) - 1, value
        self.mem_paddr = self.memory.base + index

    def block_load_slow(self, a: int, size: int, pc: int, word: int) -> int:
        """A compiled block's load that missed the page cache."""
        return self._read(self._host_offset(a, LOAD, pc, word), size)

    def block_store_slow(self, a: int, size: int, value: int, pc: int, word: int) -> None:
        """A compiled block's store that missed the page cache (maybe a watched page).

        If it changed cached code or a page-table entry, the rest of the block
        may be stale: leave it after this store.
        """
        index = self._host_offset(a, STORE, pc, word)
        generation = self.unit.generation
        self._write(index, size, value)
        if self.unit.generation != generation:
            raise BlockExit((pc + 4) & M32)

    # ------------------------------------------------------------------ traps and interrupts

    def _enter_vs(self, code: int, tval: int, epc: int, interrupt: bool) -> None:
        """VS trap entry (digest §5)."""
        status = self.vsstatus
        self.vsepc = epc & 0xFFFF_FFFC
        self.vscause = (INTERRUPT_BIT if interrupt else 0) | code
        self.vstval = tval
        self.vsstatus = ((status & ~(SIE | SPIE | SPP)) | (SPIE if status & SIE else 0)
                         | (SPP if self.priv else 0))
        self.priv = 1
        base = self.vstvec & 0xFFFF_FFFC
        self.pc = (base + 4 * code) & M32 if interrupt and self.vstvec & 1 else base
        self.controls_changed()

    def _exit_with(self, scause: int, epc: int, tval: int = 0, htval: int = 0, htinst: int = 0,
                   gva: int = 0) -> ExitRecord:
        """Leave the guest: write the HS trap record (digest §6) and stop at ``epc``."""
        self.scause, self.sepc, self.stval = scause, epc, tval
        self.htval, self.htinst = htval, htinst
        self.hstatus = ((self.hstatus & ~(HSTATUS_GVA | HSTATUS_SPVP)) | HSTATUS_SPV
                        | (HSTATUS_GVA if gva else 0) | (HSTATUS_SPVP if self.priv else 0))
        self.pc = epc
        record = ExitRecord(ctx=self.ctx_id, scause=scause, sepc=epc, stval=tval, htval=htval,
                            htinst=htinst, gva=gva, spvp=self.priv)
        self._exit = self.last_exit = record
        self.status = CTX_IDLE
        return record

    def _take_trap(self, trap: Trap) -> ExitRecord | None:
        """The one place a synchronous trap is routed: to VS if delegated, else an exit."""
        if (self.hedeleg >> trap.cause) & 1:
            self._enter_vs(trap.cause, trap.tval, trap.epc, False)
            return None
        return self._exit_with(trap.cause, trap.epc, trap.tval, trap.htval, trap.htinst, trap.gva)

    def _boundary(self) -> ExitRecord | None:
        """Interrupts at an instruction boundary: HS-level exits first, then VS delivery."""
        if self.stop_requested:
            self.stop_requested = False
            return self._exit_with(STOP_CAUSE, self.pc)
        if self._budget_armed and self.budget == 0:
            self._budget_armed = False
            return self._exit_with(PREEMPT_CAUSE, self.pc)
        pending = csr.hip(self) & self.hie
        if pending:
            host = pending & ~self.hideleg
            if host:                        # not delegated: always enabled while V=1
                return self._exit_with(INTERRUPT_BIT | _highest(host), self.pc)
            if self.priv == 0 or self.vsstatus & SIE:
                self._enter_vs(_highest(pending) - 1, 0, self.pc, True)
                self._intr_mark = 1
        return None

    def _next_event(self, now: int) -> int:
        """The earliest platform time at which a boundary check could take something.

        Only time moves the inputs of ``_boundary`` outside the step path: the
        budget (one per record) and the Sstc comparison (VSTIP, which matters
        only when hie.VSTIE is set, delegated or not).
        """
        deadline = now + self.budget if self._budget_armed else NEVER
        if self.stop_requested:
            return now
        if self.hie & VSTIP and self.henvcfgh & HENVCFGH_STCE:
            guest_now = (now + ((self.htimedeltah << 32) | self.htimedelta)) & M64
            compare = (self.vstimecmph << 32) | self.vstimecmp
            if guest_now < compare:
                deadline = min(deadline, now + (compare - guest_now))
        return deadline

    # ------------------------------------------------------------------ one instruction

    def _execute(self, want_record: bool) -> RetireRecord | None:
        """Execute the instruction at pc (the boundary was already checked).

        Advances time, order, instret/cycle and the budget; routes a trap.  An
        exit is left in ``self._exit``.  Returns the record when asked for.
        """
        pc, x, priv = self.pc, self.x, self.priv
        self._exit = None
        intr, self._intr_mark = self._intr_mark, 0
        self.mem_rmask = self.mem_wmask = 0
        self.csr_written = None
        entry = None
        trap = None
        try:
            entry = _decode(self._fetch(pc))
            rs1_value, rs2_value = x[entry.rs1_addr], x[entry.rs2_addr]
            if entry.system:
                npc = entry.fn(self, x, pc, entry.ins)
            else:
                npc = entry.fn(self, x, pc, entry.rd, entry.rs1, entry.rs2, entry.imm, entry.word)
            x[0] = 0
        except Trap as raised:
            trap = raised
            if trap.epc is None:
                trap.epc = pc
        unit = self.unit
        unit.time += 1
        order = self.order
        self.order = order + 1
        if self._budget_armed:
            self.budget -= 1
        if trap is None:
            self.instret64 += 1
            self.cycle64 += 1
            self.pc = npc
            if not want_record:
                return None
            rd = entry.rd if entry.writes_rd else 0
            record = RetireRecord(
                order=order, insn=entry.word, intr=intr, mode=priv,
                rs1_addr=entry.rs1_addr, rs2_addr=entry.rs2_addr,
                rs1_rdata=rs1_value, rs2_rdata=rs2_value, rd_addr=rd, rd_wdata=x[rd],
                pc_rdata=pc, pc_wdata=npc, ext_ctx=self.ctx_id)
            if self.mem_rmask or self.mem_wmask:
                record.mem_addr, record.ext_mem_paddr = self.mem_addr, self.mem_paddr
                if self.mem_rmask:
                    record.mem_rmask, record.mem_rdata = self.mem_rmask, self.mem_rdata
                else:
                    record.mem_wmask, record.mem_wdata = self.mem_wmask, self.mem_wdata
            if self.csr_written is not None:
                record.ext_csr_wen = 1
                record.ext_csr_addr, record.ext_csr_wdata = self.csr_written
            return record
        exit_record = self._take_trap(trap)
        if not want_record:
            return None
        record = RetireRecord(order=order, insn=entry.word if entry else 0, trap=1, intr=intr,
                              mode=priv, pc_rdata=pc, pc_wdata=self.pc, ext_ctx=self.ctx_id,
                              ext_cause=trap.cause, ext_tval=trap.tval)
        if entry is not None:
            record.rs1_addr, record.rs2_addr = entry.rs1_addr, entry.rs2_addr
            record.rs1_rdata, record.rs2_rdata = rs1_value, rs2_value
        if exit_record is not None:
            record.ext_exit = 1
            record.ext_htval, record.ext_htinst = trap.htval, trap.htinst
            record.ext_gva = exit_record.gva
        return record

    # ------------------------------------------------------------------ the Context API

    def request_stop(self) -> None:
        """CTRL.STOP: exit with ``STOP_CAUSE`` at the next instruction boundary."""
        self.stop_requested = True

    def prepare_run(self, budget: int = 0) -> None:
        """What RUN does before the first instruction: arm the preemption budget."""
        self.budget = budget & M32
        self._budget_armed = self.budget > 0
        self.status = CTX_RUNNING
        self.last_exit = None

    def step(self) -> RetireRecord | ExitRecord:
        """One instruction boundary (see the module doc); call ``prepare_run`` first to set a budget."""
        self.status = CTX_RUNNING
        exit_record = self._boundary()
        if exit_record is not None:
            return exit_record
        return self._execute(True)

    async def run(self, budget: int = 0) -> ExitRecord:
        return self.run_now(budget)

    def run_now(self, budget: int = 0) -> ExitRecord:
        """Synchronous ``run``: from pc/priv until the next exit."""
        self.prepare_run(budget)
        trace = self.unit.trace
        if trace is None:
            return self._run_blocks()
        while True:
            result = self.step()
            if isinstance(result, ExitRecord):
                return result
            trace(result)
            if result.ext_exit:
                return self.last_exit

    def _run_blocks(self) -> ExitRecord:
        unit = self.unit
        while True:
            exit_record = self._boundary()
            if exit_record is not None:
                return exit_record
            now = unit.time
            deadline = self._next_event(now)
            regime = self.regime
            blocks = regime.blocks
            pc = self.pc
            retired = 0
            trap = None
            need_step = False
            while True:
                entry = blocks.get(pc)
                if entry is None:
                    entry = build_block(self, regime, pc)
                    if entry is None:
                        need_step = True
                        break
                function, count = entry
                if function is None or now + count > deadline:
                    need_step = True
                    break
                try:
                    pc = function()
                except BlockExit as early:
                    done = ((early.next_pc - pc) & M32) >> 2
                    pc = early.next_pc
                    now += done
                    retired += done
                    break
                except Trap as raised:
                    done = ((raised.epc - pc) & M32) >> 2
                    pc = raised.epc
                    now += done
                    retired += done
                    trap = raised
                    break
                now += count
                retired += count
                if now >= deadline:
                    break
            # Back to the architectural state: the blocks kept pc and the counts in locals.
            unit.time = now
            self.pc = pc
            self.order += retired
            self.instret64 += retired
            self.cycle64 += retired
            if self._budget_armed:
                self.budget -= retired
            if retired or trap is not None:
                self._intr_mark = 0         # the handler's first instruction is behind us
            if trap is not None:
                # The faulting instruction's own record (trap = 1).
                unit.time += 1
                self.order += 1
                if self._budget_armed:
                    self.budget -= 1
                if self._take_trap(trap) is not None:
                    return self._exit
            elif need_step:
                self._execute(False)
                if self._exit is not None:
                    return self._exit
