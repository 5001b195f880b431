"""``python -m vmm_model.hart.bench``: retired instructions per second of the reference hart.

A long integer loop (ALU ops plus one load and one store per iteration)
built with ``vmm_model.isa.encode`` into host memory, run by ``run()`` with
paging off (vsatp Bare, hgatp Sv32x4) and on (vsatp Sv32 + hgatp Sv32x4),
and by ``step()``.  Prints each rate and its ratio to the 1,000,000
instructions/s target of run().  A measurement, not a test.
"""
from __future__ import annotations

import argparse
import time

from vmm_model.isa.encode import encode
from vmm_model.memory import HostMemory

from .guestbuild import GuestImage
from .unit import SoftwareUnit

TARGET = 1_000_000
RAM = 0x8000_0000
DATA = RAM + 0x8000


def loop_program(iterations: int) -> list[int]:
    """t0 counts to ``iterations``; 11 instructions per iteration; ends with ecall."""
    upper = (iterations + 0x800) & ~0xFFF
    return [
        encode("lui", rd=6, imm=upper),                          # t1 = iterations
        encode("addi", rd=6, rs1=6, imm=iterations - upper),
        encode("lui", rd=10, imm=DATA - (1 << 32)),              # a0 = data pointer
        # loop:
        encode("addi", rd=5, rs1=5, imm=1),
        encode("add", rd=7, rs1=7, rs2=5),
        encode("xor", rd=28, rs1=28, rs2=7),
        encode("slli", rd=29, rs1=28, imm=3),
        encode("srli", rd=30, rs1=29, imm=2),
        encode("sub", rd=31, rs1=31, rs2=30),
        encode("sw", rs1=10, rs2=31, imm=8),
        encode("lw", rd=12, rs1=10, imm=8),
        encode("or", rd=13, rs1=13, rs2=12),
        encode("mul", rd=14, rs1=13, rs2=5),
        encode("bne", rs1=5, rs2=6, imm=-40),
        encode("ecall"),
    ]


PROLOGUE = 3
PER_ITERATION = 11


def make_unit(paging: bool, iterations: int) -> tuple[SoftwareUnit, GuestImage]:
    memory = HostMemory(4 << 20, base=0x1000_0000)
    guest = GuestImage(memory, ram_size=1 << 20)
    if paging:
        guest.enable_vs()
        guest.identity_vs()
    guest.write_words(RAM, loop_program(iterations))
    unit = SoftwareUnit(memory, num_contexts=1)
    unit.contexts[0].set_state(guest.state())
    return unit, guest


def measure_run(paging: bool, iterations: int) -> tuple[float, int]:
    unit, _ = make_unit(paging, iterations)
    vcpu = unit.contexts[0]
    start = time.perf_counter()
    exit_record = vcpu.run_now()
    elapsed = time.perf_counter() - start
    assert exit_record.scause == 10, exit_record
    retired = vcpu.instret64 + 1          # the ecall's record too
    assert retired == PROLOGUE + PER_ITERATION * iterations + 1, retired
    return retired / elapsed, retired


def measure_step(iterations: int) -> tuple[float, int]:
    unit, _ = make_unit(True, iterations)
    vcpu = unit.contexts[0]
    count = 0
    start = time.perf_counter()
    while True:
        record = vcpu.step()
        count += 1
        if getattr(record, "ext_exit", 0) or not hasattr(record, "order"):
            break
    elapsed = time.perf_counter() - start
    return count / elapsed, count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200_000,
                        help="loop iterations for run() (11 instructions each)")
    parser.add_argument("--step-iterations", type=int, default=10_000)
    args = parser.parse_args(argv)
    for paging in (False, True):
        rate, retired = measure_run(paging, args.iterations)
        label = "on  (vsatp Sv32 + hgatp Sv32x4)" if paging else "off (vsatp Bare, hgatp Sv32x4)"
        print(f"run()  paging {label}: {rate:12,.0f} instr/s  ({retired:,} instructions)"
              f"  = {rate / TARGET:.2f} x target")
    rate, count = measure_step(args.step_iterations)
    print(f"step() paging on, with RetireRecords:    {rate:12,.0f} instr/s  ({count:,} instructions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
