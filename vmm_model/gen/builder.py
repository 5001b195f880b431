"""Emitting code for one hart while executing it on the generator's model.

``Builder`` is the machinery every stream item uses: emit an instruction and
run it on the model at once (``do``), record the trap it raises in the
expected-trap table, pick registers, and emit self-checks.  Control flow is
not executed by the model: the item that emits a branch decides where it
goes (it knows the operands) and tells the builder.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from vmm_model import platform
from vmm_model.isa import Instr

from .asm import Assembler
from .knobs import Knobs
from .model import PRIV_VS, SSTATUS_SPP, STORE, Model

ZERO, RA, SP, GP, TP = 0, 1, 2, 3, 4
T0, T1, T2, T3 = 5, 6, 7, 28
A0, A1, A2, A6, A7 = 10, 11, 12, 16, 17
# gp points into the data pages, tp at this hart's control block: never random.
RESERVED = frozenset((ZERO, GP, TP))
GP_OFFSET = 2048     # gp = data base + 2048, so gp-relative offsets reach the first 4 KiB

CORNER_VALUES = (0, 1, 2, 0xFFFF_FFFF, 0xFFFF_FFFE, 0x8000_0000, 0x7FFF_FFFF, 0x8000_0001,
                 0x0000_7FFF, 0x0000_8000, 0x0000_FFFF, 0xFFFF_8000, 0x0000_07FF, 0xFFFF_F800,
                 31, 32, 0x5555_5555, 0xAAAA_AAAA)
FAIL_LABEL = "fail"
STORE_SIZES = {"sb": 1, "sh": 2, "sw": 4}


@dataclass(frozen=True)
class ExpectedTrap:
    """One entry of the table the guest's handler checks, in the order traps happen."""
    epc: int
    cause: int
    tval: int
    resume: int          # where the handler's SRET goes
    clear: int = 0       # sstatus bits the handler clears before SRET
    set: int = 0         # ... and sets (SPP: return to VS)


class Builder:
    def __init__(self, asm: Assembler, rng: random.Random, knobs: Knobs, hart: int,
                 data_base: int, data: bytes, ctrl: int, fail_route):
        self.asm = asm
        self.fail_route = fail_route                # skeleton.FailRoute
        self.rng = rng
        self.knobs = knobs
        self.hart = hart
        self.data_base = data_base
        self.data_size = len(data)
        self.ctrl = ctrl
        self.model = Model(data_base, data)
        self.traps: list[ExpectedTrap] = []
        self.intended_illegal: set[int] = set()    # addresses of words meant to decode as illegal
        self.body_instructions = 0                  # emitted by stream items
        self.checks = 0
        self.pinned: set[int] = set()               # live loop counters: not to be written
        self.dirty: set[int] = set()                # registers written since their last check
        # For hazards: the last registers written and the last data stores, which
        # sources and loads prefer (read-after-write, load-after-store).
        self.recent: list[int] = []
        self.recent_stores: list[tuple[int, int]] = []
        self.stored: set[int] = set()               # word addresses stores touched
        self._recording: list[tuple[Instr, int]] | None = None
        self.class_counts: dict[str, int] = {}
        self.page_tables = None                     # paging.PageTables when paging is on
        self.vmm_actions: list[dict] = []           # scripted VMM actions items ask for
        self.ram_end = platform.RAM_BASE + platform.DEFAULT_RAM_SIZE   # the GPA right after RAM
        self.bus_error = None                       # vmm_random.BusErrorPlan when the seed chose one

    # -- emitting and executing -------------------------------------------------------
    def do(self, name: str, **fields: int) -> tuple[Instr, int]:
        """Emit an instruction and execute it on the model."""
        ins, pc = self.asm.emit(name, **fields)
        self.body_instructions += 1
        self.run(ins, pc)
        return ins, pc

    def do_word(self, word: int) -> tuple[Instr, int]:
        ins, pc = self.asm.emit_word(word)
        self.body_instructions += 1
        if ins.name == "illegal":
            self.intended_illegal.add(pc - self.asm.bias)     # where it is in the image
        self.run(ins, pc)
        return ins, pc

    def li(self, rd: int, value: int) -> None:
        for ins, pc in self.asm.li(rd, value):
            self.body_instructions += 1
            self.run(ins, pc)

    def run(self, ins: Instr, pc: int) -> None:
        """Execute on the model (and record, inside a loop body); a trap goes to the table."""
        if self._recording is not None:
            self._recording.append((ins, pc))
        trap = self.model.execute(ins, pc)
        if trap is not None:
            self.expect_trap(pc, trap.cause, trap.tval)
        else:
            self._note_writes(ins)

    def _note_writes(self, ins: Instr) -> None:
        if ins.name in STORE_SIZES:
            va = (self.model.x[ins.rs1] + ins.imm) & 0xFFFF_FFFF
            # Remember the physical word: the ending reads it back with vsatp Bare.
            pa = self.model.physical(va, STORE)
            if isinstance(pa, int) and self.model.in_data(pa & ~3, 4):
                self.stored.add(pa & ~3)
                if pa == va:
                    self.recent_stores = [*self.recent_stores[-3:], (va, STORE_SIZES[ins.name])]
        elif ins.rd:
            self.dirty.add(ins.rd)
            if self.model.known[ins.rd]:
                self.recent = [*self.recent[-2:], ins.rd]

    def expect_trap(self, epc: int, cause: int, tval: int, resume: int | None = None,
                    clear: int = 0, set_bits: int = 0) -> None:
        """A trap the handler must see; the model takes it, runs the handler and returns."""
        resume = epc + 4 if resume is None else resume
        self.traps.append(ExpectedTrap(epc, cause, tval, resume, clear, set_bits))
        self.model.enter_trap(cause, tval, resume, clear, set_bits)

    def start_recording(self) -> None:
        self._recording = []

    def stop_recording(self) -> list[tuple[Instr, int]]:
        body, self._recording = self._recording or [], None
        return body

    def replay(self, body: list[tuple[Instr, int]]) -> None:
        for ins, pc in body:
            self.run(ins, pc)

    # -- registers --------------------------------------------------------------------
    def dest(self, allow_zero: bool = True, avoid: tuple[int, ...] = ()) -> int:
        """A register an item may write."""
        if allow_zero and self.rng.random() < 0.03:
            return ZERO
        choices = [r for r in range(1, 32) if r not in RESERVED and r not in self.pinned
                   and r not in avoid]
        return self.rng.choice(choices)

    def dest_or(self, reg: int, probability: float) -> int:
        """``reg`` itself (rd == rs) with the given probability when it may be written, else a dest."""
        if reg not in RESERVED and reg not in self.pinned and self.rng.random() < probability:
            return reg
        return self.dest()

    def source(self, avoid: tuple[int, ...] = ()) -> int:
        """A register whose value the model knows (x0 now and then)."""
        pick = self.rng.random()
        if pick < 0.04:
            return ZERO
        if pick < 0.4:
            recent = [r for r in self.recent if self.model.known[r] and r not in avoid]
            if recent:
                return self.rng.choice(recent)
        choices = [r for r in range(1, 32) if self.model.known[r] and r not in avoid]
        return self.rng.choice(choices) if choices else ZERO

    def random_value(self) -> int:
        pick = self.rng.random()
        if pick < 0.4:
            return self.rng.choice(CORNER_VALUES)
        if pick < 0.6:
            return self.rng.randint(-64, 64) & 0xFFFF_FFFF
        return self.rng.getrandbits(32)

    def corner_source(self, probability: float, avoid: tuple[int, ...] = ()) -> int:
        """A source register, loaded first with a corner value with the given probability."""
        if self.rng.random() < probability:
            reg = self.dest(allow_zero=False, avoid=avoid)
            self.li(reg, self.rng.choice(CORNER_VALUES))
            return reg
        return self.source(avoid)

    # -- self-checks ------------------------------------------------------------------
    def check(self, reg: int) -> None:
        """Compare ``reg`` with the value the model predicts; branch to fail on mismatch."""
        if reg == ZERO or not self.model.known[reg]:
            return
        expected = self.model.x[reg]
        if self.knobs.break_check == self.checks:
            expected ^= 1
        self.checks += 1
        self.fail_route.keep_near()
        scratch = self.dest(allow_zero=False, avoid=(reg,))
        for ins, pc in self.asm.li(scratch, expected):
            self.run(ins, pc)
        self.asm.emit("beq", rs1=reg, rs2=scratch, imm=8)
        self.emit_fail()
        self.dirty.discard(reg)
        self.dirty.discard(scratch)

    def check_dirty(self) -> None:
        for reg in sorted(self.dirty):
            if self.rng.random() < self.knobs.check_rate:
                self.check(reg)
        self.dirty.clear()

    def check_all(self) -> None:
        for reg in range(1, 32):
            if reg not in RESERVED and self.model.known[reg]:
                self.check(reg)

    # -- control flow helpers ---------------------------------------------------------
    def shadow(self, count: int) -> None:
        """Code that must never run: a few random ALU words, then a jump to fail."""
        for _ in range(count):
            name = self.rng.choice(("add", "sub", "xor", "or", "and", "sll"))
            self.asm.emit(name, rd=self.rng.randrange(32), rs1=self.rng.randrange(32),
                          rs2=self.rng.randrange(32))
        self.emit_fail()

    def emit_fail(self) -> None:
        """Go to fail.  From aliased code (VU under paging) fail is out of a jal's reach and
        not executable in VU: an ecall there is a trap no table entry expects, which fails."""
        if self.asm.bias:
            self.asm.emit("ecall")
        else:
            self.fail_route.jump()

    @property
    def in_loop(self) -> bool:
        return self._recording is not None

    @property
    def in_vs(self) -> bool:
        return self.model.priv == PRIV_VS

    def spp_for_current_mode(self) -> int:
        return SSTATUS_SPP if self.in_vs else 0
