"""RV32IM on the reference hart: every instruction with corner values, on both
the step path and the compiled-block path (run())."""
from __future__ import annotations

import pytest

from vmm_model.hart.guestbuild import Machine
from vmm_model.isa.encode import encode

M = 0xFFFF_FFFF
CORNERS = [0, 1, 2, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFE, 0x1234_5678, 31, 32, 0x8000_0001]


def signed(v: int) -> int:
    return v - (1 << 32) if v & 0x8000_0000 else v


def trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return -q if (a < 0) != (b < 0) else q


def ref_div(a, b):
    if b == 0:
        return M
    if signed(a) == -(1 << 31) and signed(b) == -1:
        return 0x8000_0000
    return trunc_div(signed(a), signed(b)) & M


def ref_rem(a, b):
    if b == 0:
        return a
    if signed(a) == -(1 << 31) and signed(b) == -1:
        return 0
    sa, sb = signed(a), signed(b)
    return (sa - trunc_div(sa, sb) * sb) & M


REFERENCE_R = {
    "add": lambda a, b: (a + b) & M,
    "sub": lambda a, b: (a - b) & M,
    "sll": lambda a, b: (a << (b & 31)) & M,
    "slt": lambda a, b: int(signed(a) < signed(b)),
    "sltu": lambda a, b: int(a < b),
    "xor": lambda a, b: a ^ b,
    "srl": lambda a, b: a >> (b & 31),
    "sra": lambda a, b: (signed(a) >> (b & 31)) & M,
    "or": lambda a, b: a | b,
    "and": lambda a, b: a & b,
    "mul": lambda a, b: (a * b) & M,
    "mulh": lambda a, b: ((signed(a) * signed(b)) >> 32) & M,
    "mulhsu": lambda a, b: ((signed(a) * b) >> 32) & M,
    "mulhu": lambda a, b: (a * b) >> 32,
    "div": ref_div,
    "divu": lambda a, b: M if b == 0 else a // b,
    "rem": ref_rem,
    "remu": lambda a, b: a if b == 0 else a % b,
}

IMMS = [0, 1, -1, 2047, -2048, 5]
REFERENCE_I = {
    "addi": lambda a, i: (a + i) & M,
    "slti": lambda a, i: int(signed(a) < i),
    "sltiu": lambda a, i: int(a < (i & M)),
    "xori": lambda a, i: (a ^ i) & M,
    "ori": lambda a, i: (a | i) & M,
    "andi": lambda a, i: (a & i) & M,
}
SHIFTS = {
    "slli": lambda a, s: (a << s) & M,
    "srli": lambda a, s: a >> s,
    "srai": lambda a, s: (signed(a) >> s) & M,
}


def execute(words, regs, mode):
    """Run ``words`` + ecall from VS with ``regs`` set; returns the machine after the exit."""
    machine = Machine()
    machine.load(list(words) + [encode("ecall")])
    machine.start(**{f"x{n}": v for n, v in regs.items()})
    if mode == "run":
        exit_record = machine.run()
    else:
        _, exit_record = machine.step_to_exit()
    assert exit_record.scause == 10, exit_record
    return machine


@pytest.fixture(params=["run", "step"])
def mode(request):
    return request.param


@pytest.mark.parametrize("name", sorted(REFERENCE_R))
def test_register_register(name, mode):
    pairs = [(a, b) for a in CORNERS for b in CORNERS]
    # Several operations per program: 3 <- op(1, 2) for a batch of pairs, stored to memory.
    for a, b in pairs[::7] + [(0x8000_0000, M), (5, 0), (M, 0), (0x8000_0000, 1)]:
        machine = execute([encode(name, rd=3, rs1=1, rs2=2)], {1: a, 2: b}, mode)
        assert machine.reg(3) == REFERENCE_R[name](a, b), (name, hex(a), hex(b))


@pytest.mark.parametrize("name", sorted(REFERENCE_I))
def test_register_immediate(name, mode):
    for a in CORNERS[::2]:
        for imm in IMMS:
            machine = execute([encode(name, rd=3, rs1=1, imm=imm)], {1: a}, mode)
            assert machine.reg(3) == REFERENCE_I[name](a, imm), (name, hex(a), imm)


@pytest.mark.parametrize("name", sorted(SHIFTS))
def test_shift_immediate(name, mode):
    for a in (0x8000_0001, 0x7FFF_FFFF, 1):
        for shamt in (0, 1, 17, 31):
            machine = execute([encode(name, rd=3, rs1=1, imm=shamt)], {1: a}, mode)
            assert machine.reg(3) == SHIFTS[name](a, shamt)


def test_division_corner_cases_named(mode):
    machine = execute([encode("div", rd=3, rs1=1, rs2=2), encode("rem", rd=4, rs1=1, rs2=2),
                       encode("divu", rd=5, rs1=1, rs2=0), encode("remu", rd=6, rs1=1, rs2=0),
                       encode("div", rd=7, rs1=1, rs2=0), encode("rem", rd=8, rs1=1, rs2=0)],
                      {1: 0x8000_0000, 2: M}, mode)
    assert machine.reg(3) == 0x8000_0000      # overflow: -2^31 / -1 = -2^31
    assert machine.reg(4) == 0                # and the remainder is 0
    assert machine.reg(5) == M                # divide by zero: all ones
    assert machine.reg(6) == 0x8000_0000      # remainder by zero: the dividend
    assert machine.reg(7) == M
    assert machine.reg(8) == 0x8000_0000


def test_x0_stays_zero(mode):
    machine = execute([encode("addi", rd=0, rs1=0, imm=5), encode("lui", rd=0, imm=0x12345000),
                       encode("add", rd=3, rs1=0, rs2=0)], {}, mode)
    assert machine.reg(0) == 0 and machine.reg(3) == 0


def test_lui_auipc(mode):
    machine = execute([encode("lui", rd=3, imm=0xFFFFF000), encode("auipc", rd=4, imm=0x1000),
                       encode("auipc", rd=5, imm=-0x80000000)], {}, mode)
    assert machine.reg(3) == 0xFFFF_F000
    assert machine.reg(4) == 0x8000_1004
    assert machine.reg(5) == 0x0000_0008


BRANCHES = {
    "beq": lambda a, b: a == b, "bne": lambda a, b: a != b,
    "blt": lambda a, b: signed(a) < signed(b), "bge": lambda a, b: signed(a) >= signed(b),
    "bltu": lambda a, b: a < b, "bgeu": lambda a, b: a >= b,
}


@pytest.mark.parametrize("name", sorted(BRANCHES))
def test_branches(name, mode):
    for a, b in [(0, 0), (1, 0), (0, 1), (0x8000_0000, 1), (1, 0x8000_0000), (M, M), (M, 0)]:
        # x3 = 1 if taken: branch over "addi x3, x0, 2"
        program = [encode(name, rs1=1, rs2=2, imm=12), encode("addi", rd=3, imm=2),
                   encode("jal", rd=0, imm=8), encode("addi", rd=3, imm=1)]
        machine = execute(program, {1: a, 2: b}, mode)
        assert machine.reg(3) == (1 if BRANCHES[name](a, b) else 2), (name, a, b)


def test_jal_jalr_link_and_target(mode):
    program = [encode("jal", rd=1, imm=8),          # 0x0: -> 0x8, x1 = 0x4
               encode("ecall"),                      # 0x4: (skipped on the way)
               encode("addi", rd=5, rs1=0, imm=0x11),  # 0x8
               encode("jalr", rd=6, rs1=7, imm=1)]   # 0xC: to x7 + 1, bit 0 cleared
    machine = Machine()
    machine.load(program)
    machine.load([encode("ecall")], 0x8000_0100)
    machine.start(x7=0x8000_0100)
    exit_record = machine.run() if mode == "run" else machine.step_to_exit()[1]
    assert exit_record.sepc == 0x8000_0100
    assert machine.reg(1) == 0x8000_0004 and machine.reg(6) == 0x8000_0010
    assert machine.reg(5) == 0x11


def test_jalr_rd_equals_rs1(mode):
    machine = Machine()
    machine.load([encode("jalr", rd=7, rs1=7, imm=0)])
    machine.load([encode("ecall")], 0x8000_0200)
    machine.start(x7=0x8000_0200)
    exit_record = machine.run() if mode == "run" else machine.step_to_exit()[1]
    assert exit_record.sepc == 0x8000_0200 and machine.reg(7) == 0x8000_0004


def test_loads_and_stores(mode):
    data = 0x8000_2000
    program = [encode("sw", rs1=1, rs2=2, imm=0), encode("sh", rs1=1, rs2=3, imm=4),
               encode("sb", rs1=1, rs2=3, imm=7),
               encode("lw", rd=10, rs1=1, imm=0), encode("lh", rd=11, rs1=1, imm=4),
               encode("lhu", rd=12, rs1=1, imm=4), encode("lb", rd=13, rs1=1, imm=7),
               encode("lbu", rd=14, rs1=1, imm=7), encode("lb", rd=15, rs1=1, imm=0),
               encode("lh", rd=16, rs1=1, imm=2), encode("lw", rd=17, rs1=18, imm=-4)]
    machine = execute(program, {1: data, 2: 0x8765_4321, 3: 0xABCD_8F9E, 18: data + 4}, mode)
    memory = machine.memory
    host = machine.guest.host(data)
    assert memory.read(host, 8) == bytes([0x21, 0x43, 0x65, 0x87, 0x9E, 0x8F, 0x00, 0x9E])
    assert machine.reg(10) == 0x8765_4321
    assert machine.reg(11) == 0xFFFF_8F9E
    assert machine.reg(12) == 0x0000_8F9E
    assert machine.reg(13) == 0xFFFF_FF9E
    assert machine.reg(14) == 0x9E
    assert machine.reg(15) == 0x21
    assert machine.reg(16) == 0xFFFF_8765
    assert machine.reg(17) == 0x8765_4321


def test_fence_and_fence_i_are_nops(mode):
    machine = execute([encode("fence", imm=0x0FF), encode("fence.i"), encode("addi", rd=3, imm=9)],
                      {}, mode)
    assert machine.reg(3) == 9
    assert machine.vcpu.instret64 == 3
