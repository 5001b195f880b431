"""run() (compiled blocks) and step() (one instruction at a time) must agree exactly:
same final state, same platform time, same memory, same interrupt boundaries;
and run() with a trace callback must report exactly the records step() returns."""
from __future__ import annotations

import random

import pytest

from interfaces.trace import ExitRecord
from vmm_model.hart.guestbuild import Machine
from vmm_model.hart.semantics import ALU
from vmm_model.isa.encode import encode
from vmm_model.isa.table import BY_NAME as SPECS

RAM = 0x8000_0000
HANDLER = 0x8000_F000
DATA = 0x8001_0000
ITERATIONS = 12
TIME_DELTA = 0x10_0000


def first_timer(seed: int) -> int:
    return TIME_DELTA + 40 + seed % 50


def random_program(seed: int) -> list[int]:
    """A loop (x31 counts down) over random RV32IM work; x1 = data page, x28-x30 handler-only."""
    rng = random.Random(seed)
    regs = list(range(2, 28))
    body: list[int] = []
    for _ in range(rng.randint(40, 120)):
        kind = rng.random()
        rd, rs1, rs2 = rng.choice(regs), rng.choice(regs), rng.choice(regs)
        if kind < 0.55:
            name = rng.choice(sorted(set(ALU) - {"lui", "auipc"}))
            if name in ("slli", "srli", "srai"):
                body.append(encode(name, rd=rd, rs1=rs1, imm=rng.randrange(32)))
            elif SPECS[name].fmt == "I":
                body.append(encode(name, rd=rd, rs1=rs1, imm=rng.randint(-2048, 2047)))
            else:
                body.append(encode(name, rd=rd, rs1=rs1, rs2=rs2))
        elif kind < 0.62:
            body.append(encode(rng.choice(["lui", "auipc"]), rd=rd, imm=rng.randrange(1 << 20) << 12))
        elif kind < 0.72:
            name, size = rng.choice([("sw", 4), ("sh", 2), ("sb", 1)])
            offset = rng.randrange(0, 1024, size)
            if rng.random() < 0.05 and size > 1:
                offset += 1                                   # misaligned: delegated, skipped
            body.append(encode(name, rs1=1, rs2=rs2, imm=offset))
        elif kind < 0.82:
            name, size = rng.choice([("lw", 4), ("lh", 2), ("lhu", 2), ("lb", 1), ("lbu", 1)])
            body.append(encode(name, rd=rd, rs1=1, imm=rng.randrange(0, 1024, size)))
        elif kind < 0.92:
            name = rng.choice(["beq", "bne", "blt", "bge", "bltu", "bgeu"])
            body.append(encode(name, rs1=rs1, rs2=rs2, imm=4 * rng.randint(1, 4)))
        else:
            csr = rng.choice([0xC00, 0xC01, 0xC02, 0xC80, 0xC81, 0xC82, 0x140, 0x100])
            body.append(encode("csrrs", rd=rd, rs1=0, csr=csr))
    body += [encode("addi", rd=0, imm=0)] * 4                  # landing pad for the last branches
    loop = body + [encode("addi", rd=31, rs1=31, imm=-1)]
    loop.append(encode("bne", rs1=31, rs2=0, imm=-4 * len(loop)))
    loop.append(encode("ecall"))
    return loop


HANDLER_CODE = [
    encode("csrrs", rd=28, rs1=0, csr=0x142),                  # scause
    encode("blt", rs1=28, rs2=0, imm=20),                      # interrupt?
    encode("csrrs", rd=29, rs1=0, csr=0x141),                  # exception: skip the instruction
    encode("addi", rd=29, rs1=29, imm=4),
    encode("csrrw", rd=0, rs1=29, csr=0x141),
    encode("sret"),
    encode("csrrs", rd=29, rs1=0, csr=0xC01),                  # timer: next one in 37 ticks
    encode("addi", rd=29, rs1=29, imm=37),
    encode("csrrw", rd=0, rs1=29, csr=0x14D),
    encode("sret"),
]


def build(seed: int, paging: bool, trace=None) -> Machine:
    machine = Machine(paging=paging, trace=trace)
    machine.load(random_program(seed))
    machine.load(HANDLER_CODE, HANDLER)
    rng = random.Random(seed ^ 0x5A5A)
    registers = {f"x{n}": rng.getrandbits(32) for n in range(2, 31)}
    machine.start(x1=DATA, x31=ITERATIONS, hedeleg=(1 << 4) | (1 << 6), hideleg=0x40, hie=0x40,
                  vsstatus=0x2, vstvec=HANDLER, hcounteren=7, henvcfgh=1 << 31,
                  htimedelta=TIME_DELTA, htimedeltah=0, vstimecmp=first_timer(seed), vstimecmph=0,
                  **registers)
    return machine


def outcome(machine: Machine, exit_record, ignore=()) -> tuple:
    data = machine.memory.read(machine.guest.host(DATA), 1024)
    state = {k: v for k, v in machine.vcpu.get_state().items() if k not in ignore}
    return (exit_record, state, machine.unit.time, machine.vcpu.order, data)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("paging", [False, True])
def test_run_and_step_agree_on_random_programs(seed, paging):
    by_run = build(seed, paging)
    run_exit = by_run.run(budget=2_000_000)
    by_step = build(seed, paging)
    by_step.vcpu.prepare_run(2_000_000)
    _, step_exit = by_step.step_to_exit(limit=200_000)
    assert run_exit.scause == 10
    assert outcome(by_run, run_exit) == outcome(by_step, step_exit)
    # the timer interrupt really happened, several times
    assert by_run.vcpu.get_state(["vstimecmp"])["vstimecmp"] > first_timer(seed) + 37 * 3


@pytest.mark.parametrize("seed", range(4))
def test_traced_run_reports_the_step_records(seed):
    traced: list = []
    by_run = build(seed, True, trace=traced.append)
    run_exit = by_run.run(budget=2_000_000)
    by_step = build(seed, True)
    by_step.vcpu.prepare_run(2_000_000)
    records, step_exit = by_step.step_to_exit(limit=200_000)
    assert run_exit == step_exit
    assert [r.as_dict() for r in traced] == [r.as_dict() for r in records]
    assert any(r.intr for r in records) and any(r.trap for r in records)
    assert [r.order for r in records] == list(range(len(records)))


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
def test_budget_chunks_give_the_same_result(chunk):
    whole = build(3, True)
    whole_exit = whole.run(budget=2_000_000)
    pieces = build(3, True)
    preemptions = 0
    while True:
        exit_record = pieces.run(budget=chunk)
        if exit_record.scause != 0x8000_0005:
            break
        preemptions += 1
    assert preemptions == whole.unit.time // chunk - (whole.unit.time % chunk == 0)
    # the remaining budget differs by construction; nothing else may
    assert outcome(whole, whole_exit, ["budget"]) == outcome(pieces, exit_record, ["budget"])


def test_step_returns_exit_record_for_boundary_exits():
    machine = build(1, False)
    machine.vcpu.prepare_run(5)
    results = [machine.vcpu.step() for _ in range(6)]
    assert all(not isinstance(r, ExitRecord) for r in results[:5])
    assert isinstance(results[5], ExitRecord) and results[5].scause == 0x8000_0005
    assert machine.unit.time == 5
