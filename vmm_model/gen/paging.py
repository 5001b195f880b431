"""VS-stage Sv32 paging sections: random page tables, accesses through them, expected page faults.

Each hart gets its own tables (in the page-table region, built at generation
time and loaded with the ELF):

- identity megapages (4 MiB, RWX/RW, A and D set) for the code, the control
  blocks and the page tables themselves, so the handler and the checks keep
  working with translation on;
- the data region through a second-level table of identity 4 KiB pages (RW, A, D);
- a *window* of 4 KiB pages at WINDOW_VA aliasing random data pages with random
  permissions (every XWR combination, reserved ones included, V/A/D/U clear now
  and then, random RSW bits), plus a few unmapped pages after it;
- a *superpage window*: one 4 MiB leaf at SUPER_VA over the data region with
  random permissions (sometimes misaligned, which always faults).

A paging section writes vsatp (Sv32, an ASID of its own), runs probes through
the windows — loads, stores, fetches — each of which the model translates with
the spec's rules (Svade: A or D clear faults) to a value or a page fault (12,
13, 15 with vstval = the address), toggles SUM/MXR, rewrites window PTEs followed
by one of the SFENCE.VMA forms, and goes back to Bare.
"""
from __future__ import annotations

import struct

from vmm_model import platform

from . import layout
from .builder import ZERO, Builder
from .model import (CSR_SATP, CSR_SEPC, CSR_SSTATUS, FETCH, LOAD, PRIV_VS, PRIV_VU,
                    SSTATUS_MXR, SSTATUS_SPP, SSTATUS_SUM, STORE, Trap)

PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_G, PTE_A, PTE_D = (1 << i for i in range(8))
PTE_RSW = 3 << 8
SATP_SV32 = 1 << 31
WINDOW_VA = 0x4000_0000
WINDOW_PAGES = 16
WINDOW_PROBED_PAGES = WINDOW_PAGES + 2          # the last two have no valid PTE
SUPER_VA = 0xC000_0000
USER_TEXT_VA = 0x6000_0000                       # the code again, as a U page: VU runs it here
PT_STRIDE = 0x4000                               # per hart: root, data table, window table
ROOT, DATA_TABLE, WINDOW_TABLE = 0, 0x1000, 0x2000
MEGA = 1 << 22
PAGE_FAULT = {FETCH: platform.EXC_INSN_PAGE, LOAD: platform.EXC_LOAD_PAGE,
              STORE: platform.EXC_STORE_PAGE}
LEAF_PERMS = (PTE_R, PTE_R | PTE_W, PTE_X, PTE_R | PTE_X, PTE_R | PTE_W | PTE_X)
RESERVED_PERMS = (PTE_W, PTE_W | PTE_X)


def _pte(pa: int, flags: int) -> int:
    return ((pa >> 12) << 10) | flags


def random_leaf(rng, pa: int) -> int:
    """A leaf PTE for ``pa`` with random permissions, sometimes invalid or without A/D."""
    perms = rng.choice(RESERVED_PERMS) if rng.random() < 0.08 else rng.choice(LEAF_PERMS)
    flags = perms | PTE_V
    if rng.random() < 0.08:
        flags &= ~PTE_V
    if rng.random() < 0.85:
        flags |= PTE_A
    if rng.random() < 0.7:
        flags |= PTE_D
    if rng.random() < 0.2:
        flags |= PTE_U
    flags |= rng.choice((0, 0, 1 << 8, 2 << 8, 3 << 8))          # RSW: ignored by hardware
    return _pte(pa, flags)


class PageTables:
    """One hart's VS-stage tables, and the Sv32 walk the model uses to predict accesses."""

    def __init__(self, b: Builder, total_data_pages: int):
        rng = b.rng
        self.base = layout.PT_BASE + b.hart * PT_STRIDE
        self.hart_pages = b.data_size // 4096
        self.data_base = b.data_base
        tables = bytearray(PT_STRIDE)

        def put(table: int, index: int, pte: int) -> None:
            struct.pack_into("<I", tables, table + 4 * index, pte)

        identity = PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
        global_bit = rng.choice((0, PTE_G))          # identical in every hart's tables
        put(ROOT, layout.TEXT_BASE >> 22, _pte(layout.TEXT_BASE, identity | PTE_X | global_bit))
        put(ROOT, layout.CTRL_BASE >> 22, _pte(layout.CTRL_BASE, identity | global_bit))
        put(ROOT, layout.PT_BASE >> 22, _pte(layout.PT_BASE, identity | global_bit))
        put(ROOT, layout.DATA_BASE >> 22, _pte(self.base + DATA_TABLE, PTE_V))
        for page in range(total_data_pages):
            put(DATA_TABLE, page, _pte(layout.DATA_BASE + 4096 * page, identity | global_bit))
        put(ROOT, WINDOW_VA >> 22, _pte(self.base + WINDOW_TABLE, PTE_V))
        for page in range(WINDOW_PAGES):
            put(WINDOW_TABLE, page, random_leaf(rng, self.random_page(rng)))
        superpage = random_leaf(rng, layout.DATA_BASE)
        if rng.random() < 0.15:
            superpage |= 1 << 10                     # PPN[0] != 0: a misaligned superpage
        put(ROOT, SUPER_VA >> 22, superpage)
        put(ROOT, USER_TEXT_VA >> 22, _pte(layout.TEXT_BASE, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A))
        self.initial = bytes(tables)
        self.asids_used: set[int] = set()             # by this hart's sections so far
        b.model.regions[self.base] = tables          # the model sees the guest's PTE stores
        self.root = self.base + ROOT

    def random_page(self, rng) -> int:
        return self.data_base + 4096 * rng.randrange(self.hart_pages)

    def window_pte_address(self, page: int) -> int:
        return self.base + WINDOW_TABLE + 4 * page

    # The model's Sv32 walk (VS-stage; VU never runs with translation on here).
    def translate(self, va: int, access: int, model) -> int | Trap:
        fault = Trap(PAGE_FAULT[access], va)
        pte = model.load(self.root + 4 * (va >> 22), 4)
        level = 1
        while not pte & (PTE_R | PTE_X):
            if not pte & PTE_V or pte & PTE_W or level == 0 or pte & (PTE_A | PTE_D | PTE_U):
                return fault
            level = 0
            pte = model.load(((pte >> 10) << 12) + 4 * ((va >> 12) & 0x3FF), 4)
        if not pte & PTE_V or (pte & (PTE_R | PTE_W)) == PTE_W:
            return fault
        if level == 1 and (pte >> 10) & 0x3FF:
            return fault
        status = model.csr[CSR_SSTATUS]
        if model.priv == PRIV_VU:
            if not pte & PTE_U:
                return fault                          # VU reaches U pages only
        elif pte & PTE_U and (access == FETCH or not status & SSTATUS_SUM):
            return fault                              # VS may not run U pages; data needs SUM
        if access == FETCH:
            allowed = pte & PTE_X
        elif access == STORE:
            allowed = pte & PTE_W
        else:
            allowed = pte & PTE_R or (pte & PTE_X and status & SSTATUS_MXR)
        if not allowed or not pte & PTE_A or (access == STORE and not pte & PTE_D):
            return fault                              # Svade
        if level:
            return ((pte >> 20) << 22) | (va & (MEGA - 1))
        return ((pte >> 10) << 12) | (va & 0xFFF)


# -- the paging section ---------------------------------------------------------------

def item_paging(b: Builder) -> None:
    from .streams import simple_item                # streams imports this module's item
    rng, model, tables = b.rng, b.model, b.page_tables
    if tables is None or model.priv != PRIV_VS or b.in_loop:
        return
    asid = (rng.randrange(1, 64) << 3) | b.hart       # never shared between harts' tables
    tables.asids_used.add(asid)
    reg = b.dest(allow_zero=False)
    if rng.random() < 0.3:
        b.do("sfence.vma", rs1=ZERO, rs2=ZERO)
    b.li(reg, SATP_SV32 | asid << 22 | tables.root >> 12)
    b.do("csrrw", rd=ZERO, csr=CSR_SATP, rs1=reg)
    model.translate = tables.translate
    for _ in range(rng.randint(3, 12)):
        pick = rng.random()
        if pick < 0.4:
            _probe(b, _window_address(b))
        elif pick < 0.55:
            _probe(b, SUPER_VA + (b.data_base - layout.DATA_BASE) + rng.randrange(b.data_size))
        elif pick < 0.65:
            _fetch_probe(b)
        elif pick < 0.75:
            _rewrite_pte(b, asid)
        elif pick < 0.8:
            bits = rng.choice((SSTATUS_SUM, SSTATUS_MXR, SSTATUS_SUM | SSTATUS_MXR))
            reg = b.dest(allow_zero=False)
            b.li(reg, bits)
            b.do(rng.choice(("csrrs", "csrrc")), rd=b.dest(), csr=CSR_SSTATUS, rs1=reg)
        elif pick < 0.88 and b.knobs.vu:
            _user_section(b)
        else:
            simple_item(b, allow_traps=True)()
        b.check_dirty()
    b.do("csrrw", rd=ZERO, csr=CSR_SATP, rs1=ZERO)
    model.translate = None


def _user_section(b: Builder) -> None:
    """SRET to VU code running at its U alias, probes and items there, ecall back to VS."""
    asm, model, rng = b.asm, b.model, b.rng
    target = b.dest(allow_zero=False)
    spp = b.dest(allow_zero=False, avoid=(target,))
    start = asm.pc
    alias = USER_TEXT_VA - layout.TEXT_BASE
    for ins, pc in asm.li_fixed(target, start + 24 + alias):
        b.run(ins, pc)
    b.do("csrrw", rd=ZERO, csr=CSR_SEPC, rs1=target)
    b.do("addi", rd=spp, rs1=ZERO, imm=SSTATUS_SPP)
    b.do("csrrc", rd=ZERO, csr=CSR_SSTATUS, rs1=spp)
    asm.emit("sret")
    b.body_instructions += 3
    assert asm.pc == start + 24
    model.sret_from(model.csr[CSR_SSTATUS])
    asm.bias = alias
    from .streams import item_branch, simple_item
    for _ in range(rng.randint(1, 8)):
        pick = rng.random()
        if pick < 0.45:
            _probe(b, _window_address(b))
        elif pick < 0.55:
            _probe(b, SUPER_VA + (b.data_base - layout.DATA_BASE) + rng.randrange(b.data_size))
        elif pick < 0.65:
            _fetch_probe(b)
        elif pick < 0.75:
            item_branch(b)
        else:
            simple_item(b, allow_traps=True)()
        b.check_dirty()
    _, pc = asm.emit("ecall")
    b.body_instructions += 1
    asm.bias = 0
    b.expect_trap(pc, platform.EXC_ECALL_VU, 0, resume=pc + 4 - alias, set_bits=SSTATUS_SPP)
    assert model.priv == PRIV_VS


def _window_address(b: Builder) -> int:
    return WINDOW_VA + 4096 * b.rng.randrange(WINDOW_PROBED_PAGES) + b.rng.randrange(4096)


def _probe(b: Builder, va: int) -> None:
    rng = b.rng
    name = rng.choice(("lb", "lbu", "lh", "lhu", "lw", "sb", "sh", "sw"))
    size = {"b": 1, "h": 2, "w": 4}[name[1]]
    if rng.random() < 0.9:
        va -= va % size                               # mostly aligned: misaligned traps first
    offset = rng.choice((0, 0, 4, -4, rng.randint(-2048, 2047)))
    base = b.dest(allow_zero=False)
    value = b.source(avoid=(base,)) if name[0] == "s" else None
    b.li(base, va - offset)
    if value is None:
        b.do(name, rd=b.dest_or(base, 0.2), rs1=base, imm=offset)
    else:
        b.do(name, rs1=base, rs2=value, imm=offset)


def _fetch_probe(b: Builder) -> None:
    """jalr to a window address whose fetch must fault: cause 12 at that address."""
    for _ in range(8):
        va = _window_address(b) & ~3
        if isinstance(b.model.translate(va, FETCH, b.model), Trap):
            break
    else:
        return
    target = b.dest(allow_zero=False)
    b.li(target, va)
    rd = b.dest()
    _, pc = b.asm.emit("jalr", rd=rd, rs1=target, imm=0)
    b.body_instructions += 1
    b.model.set(rd, pc + 4)
    b.dirty.add(rd)
    b.expect_trap(va, platform.EXC_INSN_PAGE, va, resume=pc + 4)


def _rewrite_pte(b: Builder, asid: int) -> None:
    """Store a new window PTE, then one SFENCE.VMA form that covers it.

    The form names the ASID only while this hart has used no other: a TLB may
    still hold the old PTE under an ASID of an earlier section.
    """
    rng, tables = b.rng, b.page_tables
    page = rng.randrange(WINDOW_PAGES)
    address = b.dest(allow_zero=False)
    b.li(address, tables.window_pte_address(page))
    value = b.dest(allow_zero=False, avoid=(address,))
    b.li(value, random_leaf(rng, tables.random_page(rng)))
    b.do("sw", rs1=address, rs2=value, imm=0)
    form = rng.randrange(4) if tables.asids_used == {asid} else rng.randrange(2)
    va_reg = asid_reg = ZERO
    if form in (1, 2):
        va_reg = b.dest(allow_zero=False)
        b.li(va_reg, WINDOW_VA + 4096 * page + rng.randrange(4096))
    if form in (2, 3):
        asid_reg = b.dest(allow_zero=False, avoid=(va_reg,))
        b.li(asid_reg, asid)
    b.do("sfence.vma", rs1=va_reg, rs2=asid_reg)
