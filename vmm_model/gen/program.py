"""``generate(seed, knobs)``: a whole random guest program, and ``write`` to an ELF.

Code layout: the trap handler, fail, stop and the trap vector table come
first (so jumps to them are backwards and resolved at once; skeleton.FailRoute
plants copies of fail where a jal no longer reaches it), then ``_start`` (the
entry), which sends vCPU 0 to its stream and stops every other vCPU.  The
streams of harts 1..N-1 come next and hart 0's last, so that vCPU 0 knows
their addresses when it starts each of them with SBI HSM hart_start (the
started hart first checks the a0 = hartid and a1 = opaque it was given).
Every hart's stream sets up its control block and registers, runs the
weighted items, checks every register it can predict and that all its
expected traps came, and ends by marking itself done: the last hart to finish
passes the run (SBI SRST, reason 0), the others stop (SBI HSM hart_stop).
Any failed check ends the run at once (SRST, reason 1).
"""
from __future__ import annotations

import json
import random
import struct
from dataclasses import dataclass, field
from typing import Callable

from vmm_model.elf import PF_R, PF_W, PF_X, Segment, write_elf
from . import layout, vmm_random
from .asm import Assembler
from .builder import A0, T0, T1, TP, Builder, ExpectedTrap
from .knobs import Knobs
from .paging import PageTables
from .skeleton import (PASS_LABEL, FailRoute, STOP_LABEL, emit_check_start_state, emit_ending,
                       emit_fail_and_stop, emit_handler, emit_pass, emit_start_harts, emit_startup,
                       emit_vector_table)
from .streams import emit_body

ENTRY_LABEL = "_start"


@dataclass
class GeneratedProgram:
    seed: int
    knobs: Knobs
    entry: int
    segments: list[Segment]
    symbols: dict[str, int]
    vmm_args: list[str]                  # `hvcosim run` options this seed chose (scalars)
    run_options: dict                    # vmm_model.run.RunOptions fields (+ vmm_actions)
    axi_settings: dict                   # the co-simulation memory agent's (job["axi"])
    expected_traps: list[list[ExpectedTrap]]   # per hart, in the order they happen
    intended_illegal: set[int] = field(default_factory=set)   # words meant to decode 'illegal'
    class_counts: dict[str, int] = field(default_factory=dict)
    checks: int = 0                      # self-checks emitted

    @property
    def text(self) -> bytes:
        return self.segments[0].data


def generate(seed: int, knobs: Knobs | None = None,
             body: Callable[[Builder], None] | None = None) -> GeneratedProgram:
    """The program of ``(seed, knobs)``.  ``body`` replaces the random stream of every hart
    (directed scenarios, vmm_model.scenarios, reuse the start-up, handler and ending)."""
    knobs = (knobs or Knobs()).validate()
    rng = random.Random(seed)
    asm = Assembler(layout.TEXT_BASE)
    emit_handler(asm)
    emit_fail_and_stop(asm)
    fail_route = FailRoute(asm)
    emit_vector_table(asm)
    entry = asm.place(ENTRY_LABEL)
    hart_labels = [asm.new_label("hart") for _ in range(knobs.vcpus)]
    # vCPU 0 runs; any other stops and waits for vCPU 0 to start it (SBI HSM).
    asm.emit("bne", rs1=A0, rs2=0, imm=16)
    asm.jump_far(hart_labels[0], T0)
    asm.jump_far(STOP_LABEL, T0)

    bus_error = vmm_random.bus_error_plan(seed, knobs.weight("buserr") > 0)
    page_bytes = knobs.data_pages * 4096
    data = bytearray()
    page_tables = bytearray()
    builders: list[Builder] = []
    for hart in range(knobs.vcpus):
        hart_rng = random.Random(rng.getrandbits(64))
        message = bytes(hart_rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789 ")
                        for _ in range(layout.MESSAGE_SIZE - 1)) + b"\n"
        hart_data = message + hart_rng.randbytes(page_bytes - layout.MESSAGE_SIZE)
        data += hart_data
        b = Builder(asm, hart_rng, knobs, hart, layout.DATA_BASE + hart * page_bytes, hart_data,
                    layout.CTRL_BASE + hart * layout.CTRL_STRIDE, fail_route)
        b.ram_end = layout.TEXT_BASE + vmm_random.ram_size(seed, knobs.vary_vmm)
        if bus_error is not None:
            b.bus_error = bus_error
            b.model.bus_error_words = bus_error.word_directions()
        builders.append(b)
        if knobs.paging:
            b.page_tables = PageTables(b, knobs.vcpus * knobs.data_pages)
            page_tables += b.page_tables.initial

    ctrl = bytearray(layout.TABLES_BASE - layout.CTRL_BASE)
    tables = bytearray()
    table_addr = layout.TABLES_BASE
    trap_index = 0
    starts: list[tuple[int, int, int]] = []        # (hart, entry, opaque) for vCPU 0 to start
    # Secondary harts first, so vCPU 0 knows their entry addresses when it starts them.
    for hart in [*range(1, knobs.vcpus), 0]:
        b = builders[hart]
        asm.place(hart_labels[hart])
        if hart:
            opaque = b.rng.getrandbits(32)
            starts.append((hart, asm.pc, opaque))
            emit_check_start_state(b, opaque)
        emit_startup(b)
        if hart == 0:
            emit_start_harts(b, starts)
        (body or emit_body)(b)
        table_end = table_addr + len(b.traps) * layout.ENTRY_SIZE
        emit_ending(b, table_end)
        _emit_hart_end(asm, hart, knobs.vcpus)
        struct.pack_into("<I", ctrl, hart * layout.CTRL_STRIDE + layout.CTRL_CURSOR, table_addr)
        for trap in b.traps:
            tval = trap.tval ^ 1 if knobs.break_trap == trap_index else trap.tval
            tables += struct.pack("<6I", trap.epc, trap.cause, tval, trap.resume, trap.clear, trap.set)
            trap_index += 1
        tables += struct.pack("<6I", layout.NO_MORE_TRAPS, 0, 0, 0, 0, 0)
        table_addr = table_end + layout.ENTRY_SIZE
    emit_pass(asm)
    text = asm.finish()
    if layout.TEXT_BASE + len(text) > layout.TEXT_LIMIT:
        raise ValueError(f"the program's code ({len(text)} bytes) outgrew its 4 MiB region")

    segments = [
        Segment(layout.TEXT_BASE, layout.TEXT_BASE, text, len(text), PF_R | PF_X),
        Segment(layout.DATA_BASE, layout.DATA_BASE, bytes(data), len(data), PF_R | PF_W),
        Segment(layout.CTRL_BASE, layout.CTRL_BASE, bytes(ctrl + tables), len(ctrl) + len(tables),
                PF_R | PF_W),
    ]
    if page_tables:
        segments.append(Segment(layout.PT_BASE, layout.PT_BASE, bytes(page_tables), len(page_tables),
                                PF_R | PF_W))
    symbols = {name: asm.labels[name] for name in asm.labels if not name.startswith(".")}
    symbols.update({"trap_tables": layout.TABLES_BASE, "data": layout.DATA_BASE,
                    # The data pages as they end: a signature the RTL run must reproduce.
                    "begin_signature": layout.DATA_BASE,
                    "end_signature": layout.DATA_BASE + len(data)})
    run_options = vmm_random.vmm_options(rng, seed, knobs.vcpus, knobs.vary_vmm)
    if bus_error is not None:
        # The erring page must keep its host frame: no budget that could swap it out.
        run_options["mem_budget"] = None
        run_options["bus_errors"] = bus_error.entries()
    actions = [action for b in builders for action in b.vmm_actions]
    if knobs.vmm_events:
        actions += vmm_random.vmm_events(rng, segments)
    if actions:
        run_options["vmm_actions"] = actions
    counts: dict[str, int] = {}
    for b in builders:
        for name, count in b.class_counts.items():
            counts[name] = counts.get(name, 0) + count
    return GeneratedProgram(
        seed=seed, knobs=knobs, entry=entry, segments=segments, symbols=symbols,
        vmm_args=_as_args(run_options), run_options=run_options,
        axi_settings=vmm_random.axi_settings(seed) if knobs.vary_vmm else {},
        expected_traps=[b.traps for b in builders],
        intended_illegal=set().union(*(b.intended_illegal for b in builders)),
        class_counts=counts, checks=sum(b.checks for b in builders))


def _emit_hart_end(asm: Assembler, hart: int, harts: int) -> None:
    """Mark this hart done; the last one to finish passes the run, the others stop.

    No hart spins waiting for another (that would burn the instruction budget
    while the other sleeps in WFI).  The store comes before the loads and one
    pipeline runs one vCPU at a time, so at least one hart sees every flag set.
    """
    asm.emit("addi", rd=T1, rs1=0, imm=1)
    asm.emit("sw", rs1=TP, rs2=T1, imm=layout.CTRL_DONE)
    asm.emit("fence", imm=0x33)                      # fence rw,rw
    for other in range(harts):
        if other != hart:
            asm.li(T0, layout.CTRL_BASE + other * layout.CTRL_STRIDE + layout.CTRL_DONE)
            asm.emit("lw", rd=T1, rs1=T0, imm=0)
            asm.emit("bne", rs1=T1, rs2=0, imm=16)
            asm.jump_far(STOP_LABEL, T0)
    asm.jump_far(PASS_LABEL, T0)


def _as_args(options: dict) -> list[str]:
    from vmm_model.vmm.bus_errors import format_axi_error
    args: list[str] = []
    for name, value in options.items():
        if name == "bus_errors":                             # one --axi-error per entry
            for entry in value:
                args += ["--axi-error", format_axi_error(entry)]
        elif value is not None and name != "vmm_actions":    # a list: --vmm-actions FILE
            args += [f"--{name.replace('_', '-')}", str(value)]
    return args


def write(program: GeneratedProgram, path) -> None:
    write_elf(path, program.entry, program.segments, program.symbols)


def actions_path(elf_path) -> str:
    """Where ``write_actions`` puts the scripted VMM actions of the program at ``elf_path``."""
    return f"{elf_path}.vmm-actions.json"


def write_actions(program: GeneratedProgram, elf_path) -> str | None:
    """Write the seed's scripted VMM actions next to the ELF (None when it has none)."""
    actions = program.run_options.get("vmm_actions")
    if not actions:
        return None
    path = actions_path(elf_path)
    with open(path, "w") as file:
        json.dump(actions, file, indent=1)
    return path


def run_args(program: GeneratedProgram, elf_path) -> list[str]:
    """The complete ``hvcosim run``/``cosim`` options of the program written at ``elf_path``
    (``vmm_args``, plus ``--vmm-actions`` when the seed scripted the VMM)."""
    if program.run_options.get("vmm_actions"):
        return [*program.vmm_args, "--vmm-actions", actions_path(elf_path)]
    return list(program.vmm_args)


def cosim_args(program: GeneratedProgram, elf_path) -> list[str]:
    """``run_args`` plus the memory agent's settings the seed chose (``hvcosim cosim``'s
    ``--axi-latency MIN:MAX --axi-backpressure P``)."""
    args = run_args(program, elf_path)
    axi = program.axi_settings
    if axi:
        low, high = axi["latency"]
        args += ["--axi-latency", f"{low}:{high}", "--axi-backpressure", str(axi["backpressure"])]
    return args
