"""The weighted instruction streams: one function per class of ``knobs.DEFAULT_WEIGHTS``.

Each item emits a few instructions through the ``Builder`` (which executes them
on the model), decides every branch from the operand values it knows, and
registers every trap it causes.  Items that may run inside a loop body or in
VU mode are the "simple" ones: no labels, no control flow.
"""
from __future__ import annotations

from vmm_model import platform
from vmm_model.vmm import sbi

from . import layout
from .paging import item_paging
from .skeleton import VECTOR_LABEL
from .builder import A0, A1, A2, A6, A7, GP, GP_OFFSET, ZERO, Builder
from .model import (COUNTERS, CSR_SCAUSE, CSR_SCOUNTEREN, CSR_SEPC, CSR_SIE, CSR_SIP, CSR_SSCRATCH, CSR_SSTATUS,
                    CSR_STIMECMP, CSR_STIMECMPH, CSR_STVAL, CSR_STVEC, ILLEGAL_CSRS, PRIV_VS,
                    SSTATUS_SIE, SSTATUS_SPIE, SSTATUS_SPP, SSTATUS_WRITABLE, UART_LSR,
                    UART_LSR_IDLE, VIRTUAL_CSRS, s32)

M32 = 0xFFFF_FFFF
RV32I_RR = ("add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and")
RV32M = ("mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu")
RI = ("addi", "slti", "sltiu", "xori", "ori", "andi")
SHIFTS = ("slli", "srli", "srai")
BRANCH_TEST = {
    "beq": lambda a, b: a == b, "bne": lambda a, b: a != b,
    "blt": lambda a, b: s32(a) < s32(b), "bge": lambda a, b: s32(a) >= s32(b),
    "bltu": lambda a, b: a < b, "bgeu": lambda a, b: a >= b,
}
# Words no RV32IM+Zicsr+Zifencei+H hart decodes: the custom opcodes (32-bit length).
CUSTOM_OPCODES = (0x0B, 0x2B, 0x5B, 0x7B)
# sstatus bits that are read-only 0 on RV32IM (FS, VS, XS, UBE): writing them is harmless.
SSTATUS_RO_ZERO = (3 << 13) | (3 << 9) | (3 << 15) | (1 << 6)
STIP = 1 << 5
HSM_HART_SUSPEND = 3
TIMER_INTERRUPT = 0x8000_0005
SOFTWARE_INTERRUPT = 0x8000_0001
SSIP = 1 << 1


# -- arithmetic -----------------------------------------------------------------------

def item_alu(b: Builder) -> None:
    rng = b.rng
    pick = rng.random()
    if pick < 0.45:
        _rr(b, rng.choice(RV32I_RR), corner=0.25)
    elif pick < 0.75:
        rs1 = b.corner_source(0.2)
        rd = b.dest_or(rs1, 0.2)
        b.do(rng.choice(RI), rd=rd, rs1=rs1, imm=rng.choice((0, -1, 1, 2047, -2048,
                                                            rng.randint(-2048, 2047))))
    elif pick < 0.88:
        rs1 = b.corner_source(0.2)
        rd = b.dest_or(rs1, 0.2)
        b.do(rng.choice(SHIFTS), rd=rd, rs1=rs1, imm=rng.choice((0, 1, 31, rng.randrange(32))))
    else:
        upper = rng.choice((0, 0xFFFFF000, 0x80000000, rng.getrandbits(20) << 12))
        b.do(rng.choice(("lui", "auipc")), rd=b.dest(), imm=upper)


def item_muldiv(b: Builder) -> None:
    _rr(b, b.rng.choice(RV32M), corner=0.5)


def _rr(b: Builder, name: str, corner: float) -> None:
    rng = b.rng
    rs1 = b.corner_source(corner)
    if rng.random() < 0.15:
        rs2 = rs1                                   # equal operands
    elif name in ("div", "rem") and rng.random() < 0.2:
        rs1 = b.dest(allow_zero=False)
        rs2 = b.dest(allow_zero=False, avoid=(rs1,))
        b.li(rs1, 0x8000_0000)                      # the one signed overflow: INT_MIN / -1
        b.li(rs2, M32)
    else:
        rs2 = b.corner_source(corner, avoid=(rs1,))
    rd = b.dest_or(rs1 if rng.random() < 0.5 else rs2, 0.3)
    b.do(name, rd=rd, rs1=rs1, rs2=rs2)


# -- memory ---------------------------------------------------------------------------

def _address(b: Builder, size: int, aligned: bool) -> int:
    while True:
        # (The message area at the start stays printable for SBI DBCN writes.)
        addr = b.data_base + b.rng.randrange(layout.MESSAGE_SIZE, b.data_size - size + 1)
        if b.rng.random() < 0.1:                    # next to a page boundary
            page = b.data_base + 4096 * b.rng.randrange(max(1, b.data_size // 4096))
            addr = page + b.rng.choice((-2, -1, 0, 1, 2, 4094, 4095))
            if not b.model.in_data(addr, size) or addr < b.data_base + layout.MESSAGE_SIZE:
                continue
        if aligned:
            addr -= addr % size
        if aligned or addr % size:
            return addr


def _base_for(b: Builder, addr: int, avoid: tuple[int, ...] = ()) -> tuple[int, int]:
    """(base register, offset) reaching ``addr``: gp-relative, or a register loaded first."""
    offset = addr - (b.data_base + GP_OFFSET)
    if -2048 <= offset < 2048 and b.rng.random() < 0.5:
        return GP, offset
    offset = b.rng.choice((0, 0, -4, 8, b.rng.randint(-2048, 2047)))
    base = b.dest(allow_zero=False, avoid=avoid)
    b.li(base, addr - offset)
    return base, offset


def item_load(b: Builder, aligned: bool = True) -> None:
    name = b.rng.choice(("lb", "lbu", "lh", "lhu", "lw") if aligned else ("lh", "lhu", "lw"))
    size = {"lb": 1, "lbu": 1, "lh": 2, "lhu": 2, "lw": 4}[name]
    address = _address(b, size, aligned)
    if aligned and b.recent_stores and b.rng.random() < 0.3:
        # Read (part of) what a recent store wrote: store-to-load forwarding in a pipeline.
        stored, stored_size = b.rng.choice(b.recent_stores)
        if size <= stored_size:
            address = stored + size * b.rng.randrange(stored_size // size)
    base, offset = _base_for(b, address)
    rd = base if b.rng.random() < 0.2 and base != GP else b.dest()
    b.do(name, rd=rd, rs1=base, imm=offset)


def item_store(b: Builder, aligned: bool = True) -> None:
    name = b.rng.choice(("sb", "sh", "sw") if aligned else ("sh", "sw"))
    size = {"sb": 1, "sh": 2, "sw": 4}[name]
    value = b.corner_source(0.2)
    base, offset = _base_for(b, _address(b, size, aligned), avoid=(value,))
    b.do(name, rs1=base, rs2=value, imm=offset)


def item_mmio(b: Builder) -> None:
    """The UART (an MMIO exit the VMM emulates) and unmapped addresses (an injected access fault)."""
    rng = b.rng
    pick = rng.random()
    base = b.dest(allow_zero=False)
    if pick < 0.3:                                   # a character to THR
        char = b.dest(allow_zero=False, avoid=(base,))
        b.li(char, rng.choice(b"0123456789abcdefghijklmnopqrstuvwxyz"))
        b.li(base, platform.UART_BASE)
        b.do("sb", rs1=base, rs2=char, imm=0)
    elif pick < 0.6:                                 # LSR: THRE | TEMT
        b.li(base, platform.UART_BASE + UART_LSR - 1)
        rd = b.dest_or(base, 0.3)
        b.do(rng.choice(("lb", "lbu")), rd=rd, rs1=base, imm=1)
        if b.model.known[rd]:                        # (not if the load trapped: paging)
            b.do("andi", rd=rd, rs1=rd, imm=UART_LSR_IDLE)
    else:                                            # nothing there: access fault 5 / 7
        name = rng.choice(("lb", "lbu", "lh", "lhu", "lw", "sb", "sh", "sw"))
        size = {"b": 1, "h": 2, "w": 4}[name[1]]
        # (Clear of the VAs paging sections map: 0x4000_0000, 0x6000_0000, 0xC000_0000.)
        addr = rng.choice((rng.randrange(0x1000, 0x0FFF_F000), rng.randrange(0x2000_0000, 0x3FFF_0000),
                           platform.UART_BASE + 0x1000, 0xFFFF_F000,
                           # just past guest RAM (the seed's run options fix its size)
                           b.ram_end + rng.randrange(0, 64)))
        addr -= addr % size
        b.li(base, addr)
        if name[0] == "s":
            b.do(name, rs1=base, rs2=b.source(), imm=0)
        else:
            b.do(name, rd=b.dest(), rs1=base, imm=0)


def jump_to_faulting_fetch(b: Builder, rd: int, base: int, offset: int, target: int,
                           cause: int = platform.EXC_INSN_ACCESS) -> int:
    """``jalr rd, offset(base)`` to ``target``, whose fetch traps with ``cause`` (tval =
    ``target``): rd = pc + 4 on the model, the trap expected, resumed after the jalr.
    Returns the jalr's pc."""
    _, pc = b.asm.emit("jalr", rd=rd, rs1=base, imm=offset)
    b.body_instructions += 1
    b.model.set(rd, pc + 4)
    b.expect_trap(target, cause, target, resume=pc + 4)
    return pc


def item_buserr(b: Builder) -> None:
    """A load, store or jump to a word the seed made answer SLVERR/DECERR: access fault 5/7/1
    (the VMM reflects it; tval = the address).  Only with the seed's plan and vsatp Bare
    (the plan names guest-physical words)."""
    plan, rng = b.bus_error, b.rng
    if plan is None or b.model.translate is not None:
        item_alu(b)
        return
    kinds = (["load", "load", "fetch"] if plan.reads else []) + (["store", "store"] if plan.writes else [])
    kind, word = rng.choice(kinds), rng.choice(plan.words)
    base = b.dest(allow_zero=False)
    if kind == "fetch":                              # jalr into the word: the fetch errs
        offset = rng.choice((0, 0, -4, 8))
        b.li(base, word - offset)
        rd = b.dest()
        jump_to_faulting_fetch(b, rd, base, offset, word)
        b.dirty.add(rd)
        return
    name = rng.choice(("lb", "lbu", "lh", "lhu", "lw") if kind == "load" else ("sb", "sh", "sw"))
    size = {"b": 1, "h": 2, "w": 4}[name[1]]
    addr = word + size * rng.randrange(4 // size)
    offset = rng.choice((0, 0, -8, 4, rng.randint(-2048, 2047)))
    b.li(base, addr - offset)
    if kind == "store":
        b.do(name, rs1=base, rs2=b.source(), imm=offset)
    else:
        b.do(name, rd=b.dest(), rs1=base, imm=offset)


def item_misaligned(b: Builder) -> None:
    (item_load if b.rng.random() < 0.5 else item_store)(b, aligned=False)


# -- control flow ---------------------------------------------------------------------

def item_branch(b: Builder) -> None:
    rng = b.rng
    name = rng.choice(tuple(BRANCH_TEST))
    rs1 = b.corner_source(0.3)
    rs2 = rs1 if rng.random() < 0.15 else b.corner_source(0.3, avoid=(rs1,))
    taken = BRANCH_TEST[name](b.model.value(rs1), b.model.value(rs2))
    asm = b.asm
    b.body_instructions += 1
    if taken:
        if rng.random() < 0.1:                      # taken to a misaligned target: cause 0
            pc = asm.emit(name, rs1=rs1, rs2=rs2, imm=6)[1]
            b.expect_trap(pc, platform.EXC_INSN_MISALIGNED, pc + 6)
            return
        target = asm.new_label("taken")
        asm.emit_to(name, target, rs1=rs1, rs2=rs2)
        b.shadow(rng.randint(0, 3))
        asm.place(target)
    else:
        if rng.random() < 0.1:                      # not taken: a misaligned target does not trap
            asm.emit(name, rs1=rs1, rs2=rs2, imm=10)
            asm.emit("jal", rd=ZERO, imm=8)
            b.emit_fail()
            return
        bad, cont = asm.new_label("bad"), asm.new_label("cont")
        asm.emit_to(name, bad, rs1=rs1, rs2=rs2)
        asm.emit_to("jal", cont, rd=ZERO)
        asm.place(bad)
        b.emit_fail()
        asm.place(cont)


def item_jump(b: Builder) -> None:
    rng, asm, model = b.rng, b.asm, b.model
    pick = rng.random()
    b.body_instructions += 1
    if pick < 0.35:                                 # jal rd, forward over dead code
        rd = b.dest()
        target = asm.new_label("jal")
        pc = asm.emit_to("jal", target, rd=rd)
        model.set(rd, pc + 4)
        b.dirty.add(rd)
        b.shadow(rng.randint(0, 3))
        asm.place(target)
    elif pick < 0.8:                                # auipc + jalr, low bit of the sum ignored
        base = b.dest(allow_zero=False)
        b.do("auipc", rd=base, imm=0)
        dead = rng.randint(0, 3)
        offset = 4 + 4 * dead + 4 + 4 + rng.choice((0, 0, 1))
        rd = base if rng.random() < 0.3 else b.dest()
        _, pc = asm.emit("jalr", rd=rd, rs1=base, imm=offset)
        model.set(rd, pc + 4)
        b.dirty.add(rd)
        b.shadow(dead)                              # the jump lands right after the dead code
    else:                                           # jump to a misaligned target: cause 0
        if rng.random() < 0.5:
            base = b.dest(allow_zero=False)
            b.do("auipc", rd=base, imm=0)
            rd = b.dest()
            _, pc = asm.emit("jalr", rd=rd, rs1=base, imm=10)
            target = (pc - 4 + 10) & ~1
        else:
            ins, pc = asm.emit("jal", rd=b.dest(), imm=rng.choice((6, 10, -2)))
            target = pc + ins.imm
        b.expect_trap(pc, platform.EXC_INSN_MISALIGNED, target & M32)


def item_loop(b: Builder) -> None:
    rng, asm, model = b.rng, b.asm, b.model
    counter = b.dest(allow_zero=False)
    iterations = rng.randint(1, b.knobs.loop_max)
    b.li(counter, iterations)
    b.pinned.add(counter)
    top = asm.new_label("loop")
    asm.place(top)
    b.start_recording()
    for _ in range(rng.randint(1, 5)):
        simple_item(b, allow_traps=rng.random() < 0.5)()
    b.do("addi", rd=counter, rs1=counter, imm=-1)
    body = b.stop_recording()
    name, rs1, rs2 = rng.choice((("bne", counter, ZERO), ("blt", ZERO, counter),
                                 ("bltu", ZERO, counter)))
    b.body_instructions += 1
    asm.emit_to(name, top, rs1=rs1, rs2=rs2)
    for _ in range(iterations - 1):
        b.replay(body)
    b.pinned.discard(counter)


# -- CSRs and system ------------------------------------------------------------------

def item_csr(b: Builder) -> None:
    rng, model = b.rng, b.model
    pick = rng.random()
    rd = b.dest()
    if pick < 0.35:
        csr = CSR_SSCRATCH
        value = b.corner_source(0.3)
    elif pick < 0.55:
        csr = CSR_SSTATUS
        value = b.dest(allow_zero=False, avoid=(rd,))
        # SIE stays 0: an enabled interrupt would arrive at a moment the VMM decides.
        bits = rng.getrandbits(32) & (SSTATUS_WRITABLE | SSTATUS_RO_ZERO) & ~SSTATUS_SIE
        b.li(value, bits)
    elif pick < 0.62:
        csr = CSR_SEPC
        value = b.corner_source(0.3)
    elif pick < 0.7:                                 # which counters VU may read
        csr = CSR_SCOUNTEREN
        value = b.dest(allow_zero=False, avoid=(rd,))
        b.li(value, rng.randrange(8))
    elif pick < 0.85 or b.in_loop:                   # read-only use of the trap CSRs
        # (not counters inside a loop: a value unknown in one iteration would be a
        # source the next time round)
        csr = rng.choice((CSR_SCAUSE, CSR_STVAL, CSR_STVEC, CSR_SEPC))
        if model.csr[csr] is None and (csr != CSR_SEPC or b.in_loop):
            csr = CSR_STVEC
        b.do("csrrs", rd=rd, csr=csr, rs1=ZERO)
        return
    else:                                            # counters: read, never predicted
        csr = rng.choice(COUNTERS)
        b.do(rng.choice(("csrrs", "csrrc")), rd=rd, csr=csr, rs1=ZERO)
        return
    if model.csr[csr] is None:
        name = "csrrw"
        if b.in_loop:
            # The old value is unknown only the first time round: reading it into a
            # register would make that register unknown to earlier body instructions.
            rd = ZERO
    else:
        name = rng.choice(("csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci"))
    if name.endswith("i"):
        uimm = rng.randrange(32)
        if csr == CSR_SSTATUS and name != "csrrci":
            uimm &= ~SSTATUS_SIE
        if csr == CSR_SCOUNTEREN:
            uimm &= 7
        b.do(name, rd=rd, csr=csr, imm=uimm)
    else:
        b.do(name, rd=rd, csr=csr, rs1=value)


def item_illegal(b: Builder) -> None:
    rng = b.rng
    pick = rng.random()
    if pick < 0.35:                                  # a write to a read-only counter
        csr = rng.choice(COUNTERS)
        name = rng.choice(("csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci"))
        if name.endswith("i"):
            b.do(name, rd=b.dest(), csr=csr, imm=rng.randint(1 if name != "csrrwi" else 0, 31))
        else:
            src = b.source() if name == "csrrw" else b.dest(allow_zero=False)
            b.do(name, rd=b.dest(), csr=csr, rs1=src)
    elif pick < 0.7:                                 # an M-level or unimplemented CSR
        name = rng.choice(("csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci"))
        csr = rng.choice(ILLEGAL_CSRS)
        if name.endswith("i"):
            b.do(name, rd=b.dest(), csr=csr, imm=rng.randrange(32))
        else:
            b.do(name, rd=b.dest(), csr=csr, rs1=b.source())
    elif pick < 0.85:
        b.do("mret")
    else:                                            # a reserved (custom-opcode) word
        b.do_word((rng.getrandbits(25) << 7) | rng.choice(CUSTOM_OPCODES))


def item_virtual(b: Builder) -> None:
    """Virtual-instruction cases: the VMM injects them back as illegal instruction."""
    rng = b.rng
    pick = rng.random()
    if pick < 0.6:
        name = rng.choice(("csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci"))
        csr = rng.choice(VIRTUAL_CSRS)
        if name.endswith("i"):
            b.do(name, rd=b.dest(), csr=csr, imm=rng.randrange(32))
        else:
            b.do(name, rd=b.dest(), csr=csr, rs1=b.source())
    elif pick < 0.8:
        b.do(rng.choice(("hfence.vvma", "hfence.gvma")), rs1=rng.randrange(32), rs2=rng.randrange(32))
    elif pick < 0.9:
        b.do(rng.choice(("hlv.b", "hlv.bu", "hlv.h", "hlv.hu", "hlvx.hu", "hlv.w", "hlvx.wu")),
             rd=b.dest(), rs1=rng.randrange(32))
    else:
        b.do(rng.choice(("hsv.b", "hsv.h", "hsv.w")), rs1=rng.randrange(32), rs2=rng.randrange(32))


def item_ebreak(b: Builder) -> None:
    b.do("ebreak")


def item_fence(b: Builder) -> None:
    rng = b.rng
    pick = rng.random()
    if pick < 0.5:
        b.do("fence", imm=rng.randint(1, 15) << 4 | rng.randint(1, 15))
    elif pick < 0.6:
        b.do("fence", imm=0x833)                     # fence.tso
    elif pick < 0.8:
        b.do("fence.i")
    elif b.in_vs:
        b.do("sfence.vma", rs1=rng.randrange(32), rs2=rng.randrange(32))
    else:
        b.do("fence.i")


def item_sbi(b: Builder) -> None:
    """An SBI call (ecall from VS: always an exit) whose answer the guest checks."""
    rng, model = b.rng, b.model
    supported = sorted(sbi.SUPPORTED_EXTENSIONS)
    base_values = {0: sbi.SPEC_VERSION, 1: sbi.IMPL_ID, 2: sbi.IMPL_VERSION, 4: 0, 5: 0, 6: 0}
    pick = rng.random()
    args: tuple[int, ...] = ()
    legacy = False
    if pick < 0.3:
        eid, fid = sbi.EXT_BASE, rng.choice(tuple(base_values))
        answer = (0, base_values[fid])
    elif pick < 0.5:
        probe = rng.choice(supported + [0x4C5A4D41, 0x0A000000, 0x735049, 0x52464E43])
        eid, fid, args = sbi.EXT_BASE, 3, (probe,)
        answer = (0, 1 if probe in sbi.SUPPORTED_EXTENSIONS else 0)
    elif pick < 0.6:
        eid, fid = sbi.EXT_BASE, rng.randint(7, 0x7FFF_FFFF)
        answer = (sbi.SBI_ERR_NOT_SUPPORTED, None)
    elif pick < 0.7:
        eid, fid = rng.choice((0x10000, 0x0800_0000, 0x7FFF_FFFF, 0x12345678)), rng.randrange(4)
        answer = (sbi.SBI_ERR_NOT_SUPPORTED, None)
    elif pick < 0.8:
        hart = rng.choice((b.hart, b.knobs.vcpus, 63))
        eid, fid, args = sbi.EXT_HSM, 2, (hart,)
        answer = (0, 0) if hart == b.hart else (sbi.SBI_ERR_INVALID_PARAM, None)
    elif pick < 0.85:
        eid, fid, args = sbi.EXT_SRST, 0, (rng.choice((3, 0xEFFF_FFFF, 0x1000)), 0)
        answer = (sbi.SBI_ERR_INVALID_PARAM, None)
    elif pick < 0.9:
        # DBCN write of a few data bytes (a guest-physical buffer), or of a buffer outside RAM.
        length = rng.randint(0, 8)
        if rng.random() < 0.75:
            text = b.data_base + rng.randrange(layout.MESSAGE_SIZE - 8)   # printable bytes
            eid, fid, args = sbi.EXT_DBCN, 0, (length, text, 0)
            answer = (0, length)
        else:
            eid, fid, args = sbi.EXT_DBCN, 0, (length + 1, 0x2000_0000, 0)
            answer = (sbi.SBI_ERR_INVALID_PARAM, None)
    else:
        eid, fid, args = sbi.EXT_DBCN, 2, (rng.choice(b"0123456789abcdef"),)
        answer = (0, None)
        if rng.random() < 0.3:
            eid, fid, legacy = sbi.LEGACY_PUTCHAR, 0, True
    b.li(A7, eid)
    b.li(A6, fid)
    for reg, value in zip((A0, A1, A2), args):
        b.li(reg, value)
    b.asm.emit("ecall")
    b.body_instructions += 1
    error, value = answer
    model.set(A0, error & M32)
    if not legacy:
        model.set(A1, value)
    b.check(A0)
    if model.known[A1] and not legacy:
        b.check(A1)


def item_vu(b: Builder) -> None:
    """SRET into VU code, simple items there, then ecall (cause 8) back to VS."""
    rng, asm, model = b.rng, b.asm, b.model
    if not b.in_vs:
        return
    enter_vu(b)
    for _ in range(rng.randint(1, 8)):
        kind = rng.random()
        if kind < 0.15:
            item_branch(b)
        elif kind < 0.25:
            _vu_forbidden(b)
        else:
            simple_item(b, allow_traps=True)()
        b.check_dirty()
    _, pc = asm.emit("ecall")
    b.body_instructions += 1
    b.expect_trap(pc, platform.EXC_ECALL_VU, 0, set_bits=SSTATUS_SPP)
    assert model.priv == PRIV_VS


def enter_vu(b: Builder) -> int:
    """SRET from VS to the next instruction, in VU (same addresses: vsatp Bare); returns its pc."""
    asm, model = b.asm, b.model
    target = b.dest(allow_zero=False)
    spp = b.dest(allow_zero=False, avoid=(target,))
    start = asm.pc
    b.do("auipc", rd=target, imm=0)
    b.do("addi", rd=target, rs1=target, imm=24)
    b.do("csrrw", rd=ZERO, csr=CSR_SEPC, rs1=target)
    b.do("addi", rd=spp, rs1=ZERO, imm=SSTATUS_SPP)
    b.do("csrrc", rd=ZERO, csr=CSR_SSTATUS, rs1=spp)
    asm.emit("sret")
    b.body_instructions += 1
    assert asm.pc == start + 24
    model.sret_from(model.csr[CSR_SSTATUS])
    return asm.pc


def _vu_forbidden(b: Builder) -> None:
    """What VS may do and VU may not: S CSRs, sret, sfence.vma -> illegal instruction;
    counters unless scounteren allows them."""
    rng = b.rng
    pick = rng.random()
    if pick < 0.25:
        b.do(rng.choice(("csrrs", "csrrc")), rd=b.dest(), csr=rng.choice(COUNTERS), rs1=ZERO)
    elif pick < 0.6:
        csr = rng.choice((CSR_SSTATUS, CSR_SSCRATCH, CSR_SEPC, CSR_STVEC))
        b.do("csrrs", rd=b.dest(), csr=csr, rs1=ZERO)
    elif pick < 0.8:
        _, pc = b.asm.emit("sret")
        b.body_instructions += 1
        b.expect_trap(pc, platform.EXC_ILLEGAL, 0x10200073)
    else:
        ins, pc = b.asm.emit("sfence.vma", rs1=rng.randrange(32), rs2=rng.randrange(32))
        b.body_instructions += 1
        b.expect_trap(pc, platform.EXC_ILLEGAL, ins.word)


def item_timer(b: Builder) -> None:
    """Arm the guest timer, wait for it, check STIP, maybe take the interrupt, disarm.

    The deadline goes in through Sstc stimecmp or SBI set_timer; the wait is WFI
    (an exit: the VMM sleeps the vCPU) or SBI HSM hart_suspend (retentive).
    Interrupts stay disabled (sstatus.SIE = 0) until STIP is known to be pending,
    so the interrupt is taken right after the instruction that enables it —
    a point the generator knows — through a direct or a vectored vstvec.
    """
    asm, model, rng = b.asm, b.model, b.rng
    if not b.in_vs:
        return
    by_sbi = rng.random() < 0.4
    regs: list[int] = [A0, A1] if by_sbi else []
    while len(regs) < 4:
        regs.append(b.dest(allow_zero=False, avoid=tuple(regs) + (A0, A1, A2, A6, A7)))
    low, high, carry, bits = regs
    b.do("csrrci", rd=ZERO, csr=CSR_SSTATUS, imm=SSTATUS_SIE)
    b.do("csrrs", rd=high, csr=0xC81, rs1=ZERO)
    b.do("csrrs", rd=low, csr=0xC01, rs1=ZERO)
    delta = rng.choice((1, 20, 200, 2000))
    asm.emit("addi", rd=low, rs1=low, imm=delta)
    asm.emit("sltiu", rd=carry, rs1=low, imm=delta)
    asm.emit("add", rd=high, rs1=high, rs2=carry)
    b.body_instructions += 3
    model.set(carry, None)                                      # computed from the time read
    if by_sbi:
        _sbi_call(b, sbi.EXT_TIME, 0)
    else:
        asm.emit("addi", rd=bits, rs1=ZERO, imm=-1)
        asm.emit("csrrw", rd=ZERO, csr=CSR_STIMECMP, rs1=bits)  # no spurious deadline between halves
        asm.emit("csrrw", rd=ZERO, csr=CSR_STIMECMPH, rs1=high)
        asm.emit("csrrw", rd=ZERO, csr=CSR_STIMECMP, rs1=low)
        b.body_instructions += 4
    b.do("addi", rd=bits, rs1=ZERO, imm=STIP)
    b.do("csrrs", rd=ZERO, csr=CSR_SIE, rs1=bits)
    if rng.random() < 0.3:
        b.li(A0, sbi.HSM_SUSPEND_RETENTIVE)
        _sbi_call(b, sbi.EXT_HSM, HSM_HART_SUSPEND)             # returns once the timer is due
    else:
        asm.emit("wfi")                                         # an exit: the VMM waits for us
        b.body_instructions += 1
    pending = b.dest(allow_zero=False, avoid=(bits,))
    b.do("csrrs", rd=pending, csr=CSR_SIP, rs1=ZERO)
    asm.emit("andi", rd=pending, rs1=pending, imm=STIP)
    b.body_instructions += 1
    model.set(pending, STIP)                                    # after the wait it is pending
    b.check(pending)
    if rng.random() < 0.6:
        vectored = rng.random() < 0.5
        if vectored:
            old = b.dest(allow_zero=False, avoid=(bits,))
            vectors = b.dest(allow_zero=False, avoid=(bits, old))
            b.li(vectors, asm.labels[VECTOR_LABEL] | 1)
            b.do("csrrw", rd=old, csr=CSR_STVEC, rs1=vectors)
        _, pc = b.do("csrrsi", rd=ZERO, csr=CSR_SSTATUS, imm=SSTATUS_SIE)
        # Taken before the next instruction.  The handler returns with SIE = 0 (it
        # clears SPIE), so the interrupt is not taken again before we disarm.
        b.expect_trap(pc + 4, TIMER_INTERRUPT, 0, resume=pc + 4, clear=SSTATUS_SPIE,
                      set_bits=SSTATUS_SPP)
        if vectored:
            b.do("csrrw", rd=ZERO, csr=CSR_STVEC, rs1=old)
    b.do("csrrc", rd=ZERO, csr=CSR_SIE, rs1=bits)
    asm.emit("addi", rd=bits, rs1=ZERO, imm=-1)
    asm.emit("csrrw", rd=ZERO, csr=CSR_STIMECMP, rs1=bits)
    asm.emit("csrrw", rd=ZERO, csr=CSR_STIMECMPH, rs1=bits)
    b.body_instructions += 3
    model.set(bits, M32)


def item_softirq(b: Builder) -> None:
    """The guest's own software interrupt: sip.SSIP (= hvip.VSSIP) set, seen pending,
    taken right after SIE is set (cause 0x80000001), then cleared and seen clear."""
    asm, model, rng = b.asm, b.model, b.rng
    if not b.in_vs:
        return
    bits = b.dest(allow_zero=False)
    b.do("csrrci", rd=ZERO, csr=CSR_SSTATUS, imm=SSTATUS_SIE)
    b.do("addi", rd=bits, rs1=ZERO, imm=SSIP)
    b.do("csrrs", rd=ZERO, csr=CSR_SIP, rs1=bits)
    b.do("csrrs", rd=ZERO, csr=CSR_SIE, rs1=bits)
    if rng.random() < 0.3:
        asm.emit("wfi")                        # an exit; pending and enabled, so no wait
        b.body_instructions += 1
    _check_sip(b, bits, SSIP)
    if rng.random() < 0.7:
        _, pc = b.do("csrrsi", rd=ZERO, csr=CSR_SSTATUS, imm=SSTATUS_SIE)
        b.expect_trap(pc + 4, SOFTWARE_INTERRUPT, 0, resume=pc + 4, clear=SSTATUS_SPIE,
                      set_bits=SSTATUS_SPP)
    b.do("csrrc", rd=ZERO, csr=CSR_SIP, rs1=bits)
    b.do("csrrc", rd=ZERO, csr=CSR_SIE, rs1=bits)
    _check_sip(b, bits, 0)


# The VMM's view (hvip) and the guest's (sip, vscause) of the three VS interrupts.
VMM_IRQS = {"ssi": (1 << 2, SSIP, SOFTWARE_INTERRUPT), "sti": (1 << 6, STIP, TIMER_INTERRUPT),
            "sei": (1 << 10, 1 << 9, 0x8000_0009)}


def item_vmmirq(b: Builder) -> None:
    """An interrupt the VMM injects (hvip) at an SBI call the guest makes — or, as the seed
    chooses, does not: the guest checks sip says which, takes it right after setting SIE
    (or not), then clears it (SSIP) or asks the VMM to withdraw it at a second SBI call
    (VSTIP, VSEIP: read-only for the guest).  The injections are scripted VMM actions
    (``b.vmm_actions``, run options ``vmm_actions``) tied to the ecall's pc and this hart."""
    rng = b.rng
    if not b.in_vs or b.in_loop or b.asm.bias:
        return
    # VSEIP of vCPU 0 also follows the UART line (Vm.sync_uart_irq), which another hart's
    # UART access re-syncs: only a single-hart program may own it.
    irq = rng.choice(("ssi", "sti", "sei") if b.knobs.vcpus == 1 else ("ssi", "sti"))
    hvip_bit, sip_bit, cause = VMM_IRQS[irq]
    injected = rng.random() < 0.8
    bits = b.dest(allow_zero=False, avoid=(A0, A1, A6, A7))
    b.do("csrrci", rd=ZERO, csr=CSR_SSTATUS, imm=SSTATUS_SIE)
    b.li(bits, sip_bit)
    b.do("csrrs", rd=ZERO, csr=CSR_SIE, rs1=bits)
    vmm_call(b, {"do": "set_bits", "field": "hvip", "bits": hvip_bit} if injected else None)
    b.li(bits, sip_bit)
    _check_sip(b, bits, sip_bit if injected else 0)
    # (A self-check may reuse any register as scratch: ``bits`` is loaded again before each use.)
    if injected:
        if rng.random() < 0.7:
            _, pc = b.do("csrrsi", rd=ZERO, csr=CSR_SSTATUS, imm=SSTATUS_SIE)
            b.expect_trap(pc + 4, cause, 0, resume=pc + 4, clear=SSTATUS_SPIE,
                          set_bits=SSTATUS_SPP)
        b.li(bits, sip_bit)
        if irq == "ssi":
            b.do("csrrc", rd=ZERO, csr=CSR_SIP, rs1=bits)
        else:
            vmm_call(b, {"do": "clear_bits", "field": "hvip", "bits": hvip_bit})
            b.li(bits, sip_bit)
        _check_sip(b, bits, 0)
    b.li(bits, sip_bit)
    b.do("csrrc", rd=ZERO, csr=CSR_SIE, rs1=bits)


def vmm_call(b: Builder, *actions: dict | None) -> int:
    """SBI Base get_spec_version (answer checked) at which the VMM runs ``actions`` (scripted
    VMM actions: dicts with ``do`` and its arguments); returns the ecall's pc."""
    b.li(A7, sbi.EXT_BASE)
    b.li(A6, 0)
    _, pc = b.asm.emit("ecall")
    b.body_instructions += 1
    for action in actions:
        if action is not None:
            b.vmm_actions.append({"at": "exit", "vcpu": b.hart, "cause": platform.EXC_ECALL_VS,
                                  "pc": pc, **action})
    b.model.set(A0, sbi.SBI_SUCCESS)
    b.model.set(A1, sbi.SPEC_VERSION)
    b.check(A0)
    b.check(A1)
    return pc


def _check_sip(b: Builder, bits: int, expected: int) -> None:
    pending = b.dest(allow_zero=False, avoid=(bits,))
    b.do("csrrs", rd=pending, csr=CSR_SIP, rs1=ZERO)
    b.asm.emit("and", rd=pending, rs1=pending, rs2=bits)
    b.body_instructions += 1
    b.model.set(pending, expected)
    b.check(pending)


def _sbi_call(b: Builder, eid: int, fid: int) -> None:
    """ecall with a7/a6 set and a0.. already loaded; the answer must be SUCCESS."""
    b.li(A7, eid)
    b.li(A6, fid)
    b.asm.emit("ecall")
    b.body_instructions += 1
    b.model.set(A0, sbi.SBI_SUCCESS)
    b.model.set(A1, None)
    b.check(A0)


# -- selection ------------------------------------------------------------------------

SIMPLE = {"alu": item_alu, "muldiv": item_muldiv, "load": item_load, "store": item_store,
          "mmio": item_mmio,
          "misaligned": item_misaligned, "csr": item_csr, "fence": item_fence,
          "illegal": item_illegal, "virtual": item_virtual, "ebreak": item_ebreak}
TRAPPING = ("misaligned", "illegal", "virtual", "ebreak", "mmio")
ITEMS = {**SIMPLE, "branch": item_branch, "jump": item_jump, "loop": item_loop,
         "sbi": item_sbi, "vu": item_vu, "timer": item_timer, "softirq": item_softirq,
         "vmmirq": item_vmmirq, "paging": item_paging, "buserr": item_buserr}


def simple_item(b: Builder, allow_traps: bool):
    """A straight-line item (for loop bodies and VU code), by the knobs' weights."""
    names = [n for n in SIMPLE if b.knobs.weight(n) and (allow_traps or n not in TRAPPING)]
    if not b.in_vs:
        names = [n for n in names if n != "csr"]
    if not names:
        return lambda: item_alu(b)
    name = b.rng.choices(names, weights=[b.knobs.weight(n) for n in names])[0]
    b.class_counts[name] = b.class_counts.get(name, 0) + 1
    return lambda: SIMPLE[name](b)


def emit_body(b: Builder) -> None:
    # (buserr only where the seed chose bus errors: other seeds' programs stay as they were)
    names = [n for n in ITEMS if b.knobs.weight(n) and (n != "buserr" or b.bus_error is not None)]
    weights = [b.knobs.weight(n) for n in names]
    while b.body_instructions < b.knobs.instructions:
        name = b.rng.choices(names, weights=weights)[0]
        b.class_counts[name] = b.class_counts.get(name, 0) + 1
        b.fail_route.keep_near()
        ITEMS[name](b)
        b.check_dirty()
