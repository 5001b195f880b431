"""The fixed parts of a generated program: trap handler, fail/stop, start-up, ending.

The handler is the guest's only trap handler (vstvec, direct mode).  It takes
the next entry of its hart's expected-trap table (the cursor in the control
block tp points at), compares vsepc, vscause and vstval with it, fails the run
on any difference, and otherwise resumes where the entry says (vsepc =
resume), adjusting sstatus as the entry says (SPP picks the mode SRET returns
to).  The table ends with an entry no trap can match, so an unexpected trap
fails too; the ending checks the cursor reached that entry, so a missing trap
fails as well.
"""
from __future__ import annotations

from vmm_model.vmm.sbi import EXT_HSM, EXT_SRST, SBI_ERR_ALREADY_AVAILABLE

from . import layout
from .asm import Assembler
from .builder import A0, A1, A6, A7, FAIL_LABEL, GP, GP_OFFSET, RESERVED, T0, T1, T2, T3, TP, Builder
from .model import (CSR_SCAUSE, CSR_SCOUNTEREN, CSR_SEPC, CSR_SSCRATCH, CSR_SSTATUS, CSR_STVAL,
                    CSR_STVEC)

HANDLER_LABEL = "trap_handler"
STOP_LABEL = "stop_hart"
PASS_LABEL = "pass"
VECTOR_LABEL = "trap_vectors"
VECTOR_ALIGN = 64
FAIL_REACH = 1 << 19             # well inside a jal's reach, whatever follows
SRST_SHUTDOWN = 0
HSM_HART_START, HSM_HART_STOP = 0, 1
A2 = 12


def emit_handler(asm: Assembler) -> None:
    asm.place(HANDLER_LABEL)
    for offset, reg in enumerate((T0, T1, T2, T3)):
        asm.emit("sw", rs1=TP, rs2=reg, imm=layout.CTRL_SAVE + 4 * offset)
    asm.emit("lw", rd=T0, rs1=TP, imm=layout.CTRL_CURSOR)
    for csr, field in ((CSR_SEPC, layout.ENTRY_EPC), (CSR_SCAUSE, layout.ENTRY_CAUSE),
                       (CSR_STVAL, layout.ENTRY_TVAL)):
        asm.emit("csrrs", rd=T1, csr=csr, rs1=0)
        asm.emit("lw", rd=T2, rs1=T0, imm=field)
        asm.emit_to("bne", FAIL_LABEL, rs1=T1, rs2=T2)
    asm.emit("lw", rd=T1, rs1=T0, imm=layout.ENTRY_RESUME)
    asm.emit("csrrw", rd=0, csr=CSR_SEPC, rs1=T1)
    asm.emit("lw", rd=T1, rs1=T0, imm=layout.ENTRY_CLEAR)
    asm.emit("csrrc", rd=0, csr=CSR_SSTATUS, rs1=T1)
    asm.emit("lw", rd=T1, rs1=T0, imm=layout.ENTRY_SET)
    asm.emit("csrrs", rd=0, csr=CSR_SSTATUS, rs1=T1)
    asm.emit("addi", rd=T0, rs1=T0, imm=layout.ENTRY_SIZE)
    asm.emit("sw", rs1=TP, rs2=T0, imm=layout.CTRL_CURSOR)
    for offset, reg in enumerate((T0, T1, T2, T3)):
        asm.emit("lw", rd=reg, rs1=TP, imm=layout.CTRL_SAVE + 4 * offset)
    asm.emit("sret")


def _emit_fail_code(asm: Assembler) -> None:
    _sbi(asm, EXT_SRST, 0, SRST_SHUTDOWN, 1)
    asm.emit("jal", rd=0, imm=0)         # never returns; if it did, spin until the budget ends


class FailRoute:
    """Jumps to fail from anywhere.  A jal reaches +-1 MiB and a long program is longer,
    so once the last fail code is FAIL_REACH behind, ``keep_near`` (called between
    stream items, never inside a sequence) puts a copy inline, jumped over."""

    def __init__(self, asm: Assembler):
        self.asm = asm
        self.nearest = FAIL_LABEL

    def keep_near(self) -> None:
        asm = self.asm
        if asm.bias or asm.pc - asm.labels[self.nearest] <= FAIL_REACH:
            return
        skip, self.nearest = asm.new_label("skip"), asm.new_label("fail")
        asm.emit_to("jal", skip, rd=0)
        asm.place(self.nearest)
        _emit_fail_code(asm)
        asm.place(skip)

    def jump(self) -> None:
        self.asm.emit_to("jal", self.nearest, rd=0)


def emit_fail_and_stop(asm: Assembler) -> None:
    """fail: SBI system_reset(shutdown, system failure).  stop_hart: SBI HSM hart_stop."""
    asm.place(FAIL_LABEL)
    _emit_fail_code(asm)
    asm.place(STOP_LABEL)
    _sbi(asm, EXT_HSM, HSM_HART_STOP)
    asm.emit("jal", rd=0, imm=0)


def emit_vector_table(asm: Assembler) -> None:
    """For vectored vstvec: BASE (exceptions) and every interrupt slot jump to the handler."""
    while asm.pc % VECTOR_ALIGN:
        asm.emit("addi", rd=0, rs1=0, imm=0)          # never executed
    asm.place(VECTOR_LABEL)
    for _ in range(16):
        asm.emit_to("jal", HANDLER_LABEL, rd=0)


def emit_pass(asm: Assembler) -> None:
    asm.place(PASS_LABEL)
    _sbi(asm, EXT_SRST, 0, SRST_SHUTDOWN, 0)
    asm.emit("jal", rd=0, imm=0)


def _sbi(asm: Assembler, eid: int, fid: int, *args: int) -> None:
    asm.li(A7, eid)
    asm.li(A6, fid)
    for reg, value in zip((A0, A1), args):
        asm.li(reg, value)
    asm.emit("ecall")


def emit_startup(b: Builder) -> None:
    """Per hart: control block, data pointer, vstvec, sstatus, sscratch, every register set."""
    asm, model = b.asm, b.model
    asm.li(TP, b.ctrl)
    asm.li(GP, b.data_base + GP_OFFSET)
    handler = asm.labels[HANDLER_LABEL]
    asm.li(T0, handler)
    asm.emit("csrrw", rd=0, csr=CSR_STVEC, rs1=T0)
    asm.emit("csrrw", rd=0, csr=CSR_SSTATUS, rs1=0)
    asm.emit("csrrw", rd=0, csr=CSR_SCOUNTEREN, rs1=0)      # VU may read no counter yet
    scratch = b.rng.getrandbits(32)
    asm.li(T0, scratch)
    asm.emit("csrrw", rd=0, csr=CSR_SSCRATCH, rs1=T0)
    model.set(GP, b.data_base + GP_OFFSET)
    model.set(TP, b.ctrl)
    model.csr.update({CSR_STVEC: handler, CSR_SSTATUS: 0, CSR_SSCRATCH: scratch,
                      CSR_SCOUNTEREN: 0})
    for reg in range(1, 32):
        if reg not in RESERVED:
            value = b.random_value()
            asm.li(reg, value)
            model.set(reg, value)


def emit_check_start_state(b: Builder, opaque: int) -> None:
    """A hart started by SBI HSM hart_start gets a0 = its id and a1 = the opaque value."""
    b.fail_route.keep_near()
    for reg, value in ((A0, b.hart), (A1, opaque)):
        b.asm.li(T0, value)
        b.asm.emit("beq", rs1=reg, rs2=T0, imm=8)
        b.emit_fail()


def emit_start_harts(b: Builder, starts: list[tuple[int, int, int]]) -> None:
    """vCPU 0 starts every other hart at its stream (SBI HSM hart_start).

    A hart that has not yet reached its own hart_stop answers ALREADY_AVAILABLE:
    try again (how often depends on scheduling, so nothing is checked about it).
    Any other answer but SUCCESS fails the run.
    """
    asm, model = b.asm, b.model
    for hart, entry, opaque in starts:
        b.fail_route.keep_near()
        again = asm.new_label("hart_start")
        asm.place(again)
        asm.li(A7, EXT_HSM)
        asm.li(A6, HSM_HART_START)
        asm.li(A0, hart)
        asm.li(A1, entry)
        asm.li(A2, opaque)
        asm.emit("ecall")
        asm.li(T0, SBI_ERR_ALREADY_AVAILABLE)
        asm.emit_to("beq", again, rs1=A0, rs2=T0)
        asm.emit("beq", rs1=A0, rs2=0, imm=8)
        b.emit_fail()
        for reg, value in ((A7, EXT_HSM), (A6, HSM_HART_START), (A0, 0), (A1, None),
                           (A2, opaque), (T0, SBI_ERR_ALREADY_AVAILABLE & 0xFFFF_FFFF)):
            model.set(reg, value)


def emit_ending(b: Builder, table_end: int) -> None:
    """Final checks: every known register, stored memory, and that every expected trap came."""
    b.check_all()
    b.fail_route.keep_near()
    for addr in sorted(b.stored)[:16]:
        reg = b.dest(allow_zero=False)
        offset = addr - (b.data_base + GP_OFFSET)
        if -2048 <= offset < 2048:
            b.asm.emit("lw", rd=reg, rs1=GP, imm=offset)
        else:
            b.asm.li(reg, addr)
            b.asm.emit("lw", rd=reg, rs1=reg, imm=0)
        b.model.set(reg, b.model.load(addr, 4))
        b.check(reg)
    b.asm.emit("lw", rd=T0, rs1=TP, imm=layout.CTRL_CURSOR)
    b.asm.li(T1, table_end)
    b.asm.emit("beq", rs1=T0, rs2=T1, imm=8)       # fail may be out of a branch's reach
    b.emit_fail()
