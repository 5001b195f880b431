"""The directed scenarios: one per row of the H-extension digest's tables and topics.

``DIGEST_ROWS`` names each covered row and quotes the digest's own words for it
(tests/test_scenarios.py checks every quote against ../shared/docs/h-extension.md
and that every row of the virtual-instruction and fault-class tables is quoted);
``SCENARIOS`` maps a name to its ``Scenario``, whose ``digest_row`` starts with
the row's name.  docs/scenarios.md lists them.
"""
from __future__ import annotations

from vmm_model import platform
from vmm_model.gen import layout
from vmm_model.gen.builder import A0, T0, ZERO, Builder
from vmm_model.gen.model import CSR_SCOUNTEREN, CSR_SSCRATCH, CSR_STIMECMP, LOAD, Trap
from vmm_model.gen.model import SSTATUS_MXR, SSTATUS_SUM
from vmm_model.gen.paging import (PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X, USER_TEXT_VA,
                                   WINDOW_PAGES, WINDOW_VA)
from vmm_model.gen.streams import emit_body, jump_to_faulting_fetch

from .guest import (EXIT_CAUSE, GUEST_CAUSE, HVIP_BIT, SIP_BIT, CSR_SATP, CSR_SIE, CSR_SIP,
                    CSR_SSTATUS, SSTATUS_SPIE, SSTATUS_SPP, Script, arm_timer, check_csr_bits, csr_clear,
                    csr_set, disarm_timer, enter_vu, expect, leave_vu, paging_off, paging_on,
                    take_interrupt_on_sie, vmm_call)
from .scenario import Expect, Scenario

ILLEGAL = platform.EXC_ILLEGAL
HSTATUS_VTVM, HSTATUS_VTW, HSTATUS_VTSR = 1 << 20, 1 << 21, 1 << 22
SRET_WORD, WFI_WORD = 0x1020_0073, 0x1050_0073
UNMAPPED_GPA = 0x2000_0000          # neither RAM nor a device (DESIGN §3): access fault injected

# Row name -> the digest's words for that row (a substring of the digest).
DIGEST_ROWS: dict[str, str] = {
    "§3 VI: H instructions": "| VS, VU | HLV.*, HLVX.*, HSV.*, HFENCE.VVMA, HFENCE.GVMA",
    "§3 VI: H/VS CSR by address": "| VS, VU | access by address to an implemented hypervisor CSR",
    "§3 VI: SRET with VTSR": "| VS | SRET with VTSR=1 |",
    "§3 VI: WFI with VTW": "| VS | WFI with VTW=1 and TW=0",
    "§3 VI: SFENCE/satp with VTVM": "| VS | SFENCE.VMA/SINVAL.VMA, or any `satp` access, with VTVM=1",
    "§3 VI: VU SRET/SFENCE/WFI": "| VU | SRET and SFENCE.VMA (always); WFI when TW=0 |",
    "§3 VI: VU S CSR": "| VU | an implemented S CSR (0x1xx",
    "§3 VI: VS counters (hcounteren)": "| VS | cycle/time/instret/hpmcounterN(+h) when the `hcounteren` bit is 0",
    "§3 VI: VU counters (hcounteren or scounteren)": "| VU | the same counters when the `hcounteren` **or** `scounteren` bit is 0",
    "§3 VI: stimecmp with STCE=0": "| V=1 | stimecmp when `henvcfg.STCE`=0",
    "§4 fault: page fault": "| page fault | 12 fetch, 13 load, 15 store/AMO | VS-stage | to VS if `hedeleg` bit set, else exit",
    "§4 fault: guest-page fault": "| guest-page fault | 20 fetch, 21 load, 23 store/AMO | G-stage | always exit",
    "§4 fault: access fault": "| access fault | 1, 5, 7 |",
    "§1 delegation: hedeleg": "An exception raised while V=1 goes to VS iff `medeleg[c] & hedeleg[c]`",
    "§1 delegation: hideleg": "An interrupt goes to VS iff `mideleg[i] & hideleg[i]`",
    "§5 interrupts: priority": "For the guest, the same order (VSEI > VSSI > VSTI) is seen as SEI > SSI > STI.",
    "§5 interrupts: VU always enabled": "Enabled if the mode is VU, or VS with `vsstatus.SIE`=1.",
    "§5 interrupts: not delegated exit": "An interrupt that is *not* delegated by `hideleg` exits with the untranslated code (2/6/10).",
    "§4 fences: world switch": "World switch: zero vsatp, write hgatp, then write vsatp.",
    "§4 fences: VMM flush": "HFENCE.VVMA/GVMA (GVMA: rs1 = GPA>>2, rs2 = VMID) are HS-only, so the external VMM needs a flush port.",
    "§3 illegal: mcounteren": "- Counters whose `mcounteren` bit is 0, and `stimecmp` when `menvcfg.STCE`=0.",
    "§5 interrupts: WFI as a NOP": "It may also just be a NOP.",
}


def _scenario(rows: str, name: str, description: str, *bodies, **fields) -> Scenario:
    assert rows in DIGEST_ROWS, rows
    return Scenario(name=name, digest_row=f"{rows}: {description}", description=description,
                    bodies=tuple(bodies), **fields)


# ---------------------------------------------------------------- §3 virtual instructions
# The VMM injects every virtual instruction but WFI back as an illegal instruction (tval =
# the word): the guest sees cause 2, and exit_counts['illegal_injected'] proves it exited.

H_INSTRUCTIONS = (("hlv.w", {"rd": 5, "rs1": 3}), ("hlvx.hu", {"rd": 6, "rs1": 3}),
                  ("hsv.w", {"rs1": 3, "rs2": 7}), ("hfence.vvma", {"rs1": 0, "rs2": 0}),
                  ("hfence.gvma", {"rs1": 3, "rs2": 0}), ("hlv.bu", {"rd": 8, "rs1": 3}))


def _h_instructions(b: Builder, script: Script) -> None:
    for name, fields in H_INSTRUCTIONS:
        b.do(name, **fields)
    enter_vu(b)
    for name, fields in H_INSTRUCTIONS:
        b.do(name, **fields)
    leave_vu(b)


H_CSRS = (0x600, 0x602, 0x603, 0x645, 0x680, 0x200, 0x205, 0x240, 0x280, 0xE12)


def _h_csrs(b: Builder, script: Script) -> None:
    for csr in H_CSRS:
        b.do("csrrs", rd=b.dest(), csr=csr, rs1=ZERO)
    b.do("csrrw", rd=ZERO, csr=0x240, rs1=A0)
    enter_vu(b)
    for csr in H_CSRS[:5]:
        b.do("csrrs", rd=b.dest(), csr=csr, rs1=ZERO)
    leave_vu(b)


def _sret_vtsr(b: Builder, script: Script) -> None:
    # The handler itself returns with sret: the VMM clears VTSR once it injected the first one.
    script.at_start("set_bits", field="hstatus", bits=HSTATUS_VTSR)
    script.at_exit("clear_bits", field="hstatus", bits=HSTATUS_VTSR,
                   cause=platform.EXC_VIRTUAL_INSN, nth=1)
    expect(b, "sret", ILLEGAL, SRET_WORD)


def _wfi_vtw(b: Builder, script: Script) -> None:
    csr_clear(b, CSR_SSTATUS, 2)
    arm_timer(b, 300)
    csr_set(b, CSR_SIE, SIP_BIT["sti"])
    b.asm.emit("wfi")                       # exits (VTW=1): the VMM sleeps the vCPU until the deadline
    b.body_instructions += 1
    check_csr_bits(b, CSR_SIP, SIP_BIT["sti"], SIP_BIT["sti"])
    disarm_timer(b)
    csr_clear(b, CSR_SIE, SIP_BIT["sti"])


def _vtvm(b: Builder, script: Script) -> None:
    script.at_start("set_bits", field="hstatus", bits=HSTATUS_VTVM)
    expect(b, "sfence.vma", ILLEGAL, rs1=0, rs2=0)
    expect(b, "sfence.vma", ILLEGAL, rs1=3, rs2=0)
    expect(b, "csrrs", ILLEGAL, rd=5, csr=CSR_SATP, rs1=ZERO)
    expect(b, "csrrw", ILLEGAL, rd=ZERO, csr=CSR_SATP, rs1=ZERO)


def _vu_sret_sfence_wfi(b: Builder, script: Script) -> None:
    enter_vu(b)
    expect(b, "sret", ILLEGAL, SRET_WORD)
    expect(b, "sfence.vma", ILLEGAL, rs1=0, rs2=0)
    leave_vu(b)
    # WFI in VU: the VMM sleeps the vCPU; the timer wakes it and, VU always taking
    # VS interrupts, the interrupt comes right after the WFI; the handler returns to VS.
    arm_timer(b, 2000)
    csr_set(b, CSR_SIE, SIP_BIT["sti"])
    enter_vu(b)
    _, pc = b.asm.emit("wfi")
    b.asm.emit("jal", rd=0, imm=0)         # never runs: the interrupt comes first
    b.body_instructions += 2
    b.expect_trap(pc + 4, GUEST_CAUSE["sti"], 0, resume=pc + 8, clear=SSTATUS_SPIE,
                  set_bits=SSTATUS_SPP)
    disarm_timer(b)
    csr_clear(b, CSR_SIE, SIP_BIT["sti"])


def _vu_s_csrs(b: Builder, script: Script) -> None:
    enter_vu(b)
    for csr in (CSR_SSTATUS, CSR_SSCRATCH, CSR_SATP, CSR_SIE, CSR_SIP, CSR_STIMECMP):
        b.do("csrrs", rd=b.dest(), csr=csr, rs1=ZERO)
    b.do("csrrw", rd=ZERO, csr=CSR_SSCRATCH, rs1=A0)
    leave_vu(b)


def _vs_counters(b: Builder, script: Script) -> None:
    script.at_start("write", values={"hcounteren": 0})
    for csr in (0xC00, 0xC01, 0xC02, 0xC80, 0xC81):
        expect(b, "csrrs", ILLEGAL, rd=5, csr=csr, rs1=ZERO)


def _vu_counters(b: Builder, script: Script) -> None:
    # hcounteren lets VS read cycle and instret but not time; scounteren then opens all three.
    script.at_start("write", values={"hcounteren": 0x5})
    expect(b, "csrrs", ILLEGAL, rd=5, csr=0xC01, rs1=ZERO)        # VS: hcounteren.TM = 0
    b.do("csrrw", rd=ZERO, csr=CSR_SCOUNTEREN, rs1=ZERO)
    enter_vu(b)
    for csr in (0xC00, 0xC01, 0xC02):                             # scounteren = 0: all trap
        expect(b, "csrrs", ILLEGAL, rd=5, csr=csr, rs1=ZERO)
    leave_vu(b)
    b.li(T0, 7)
    b.do("csrrw", rd=ZERO, csr=CSR_SCOUNTEREN, rs1=T0)
    enter_vu(b)
    expect(b, "csrrs", ILLEGAL, rd=5, csr=0xC01, rs1=ZERO)        # hcounteren.TM still 0
    b.asm.emit("csrrs", rd=6, csr=0xC00, rs1=ZERO)                # allowed by both
    b.body_instructions += 1
    b.model.set(6, None)
    leave_vu(b)


def _stce_off(b: Builder, script: Script) -> None:
    script.at_start("write", values={"henvcfgh": 0})
    expect(b, "csrrs", ILLEGAL, rd=5, csr=0x14D, rs1=ZERO)
    expect(b, "csrrw", ILLEGAL, rd=ZERO, csr=0x15D, rs1=A0)


# ---------------------------------------------------------------- §4 faults, §1 delegation

def _page_faults(b: Builder, script: Script) -> None:
    """Load, store and fetch page faults through the window's unmapped pages (12/13/15)."""
    paging_on(b)
    hole = WINDOW_VA + 4096 * WINDOW_PAGES + 0x40
    assert isinstance(b.model.translate(hole, LOAD, b.model), Trap)
    b.li(T0, hole)
    b.do("lw", rd=6, rs1=T0, imm=0)
    b.do("sw", rs1=T0, rs2=6, imm=4)
    _, pc = b.asm.emit("jalr", rd=7, rs1=T0, imm=0)
    b.body_instructions += 1
    b.model.set(7, pc + 4)
    b.expect_trap(hole, platform.EXC_INSN_PAGE, hole, resume=pc + 4)
    b.check(7)
    paging_off(b)


def _guest_page_faults(b: Builder, script: Script) -> None:
    """Every kind of G-stage fault the VMM resolves: demand paging (data page first touched),
    swap-in after a scripted swap-out, MMIO (UART), an unmapped GPA (access fault injected)."""
    page = layout.DATA_BASE + 3 * 4096
    untouched = platform.RAM_BASE + (15 << 20)      # in no ELF segment: no host frame yet
    b.model.regions[untouched] = bytearray(4096)
    b.li(T0, untouched)
    b.do("lw", rd=6, rs1=T0, imm=0x20)               # demand-paged: reads 0
    b.check(6)
    b.li(T0, page)
    b.do("lw", rd=6, rs1=T0, imm=0)
    vmm_call(b, {"do": "swap_out", "gpa": page})
    b.do("lw", rd=7, rs1=T0, imm=8)                 # swapped back in
    b.check(6)
    b.check(7)
    b.li(T0, platform.UART_BASE)
    b.li(6, ord("G"))
    b.do("sb", rs1=T0, rs2=6, imm=0)
    b.li(T0, UNMAPPED_GPA)
    b.do("lw", rd=6, rs1=T0, imm=0)
    b.do("sw", rs1=T0, rs2=6, imm=0)


def _guest_page_fault_on_pte(b: Builder, script: Script) -> None:
    """With VS paging on, the VMM swaps out the guest's root and data page tables: the next
    walks fault in G-stage on the implicit PTE reads (guest-page faults of the original
    access type, htinst 0x2000 — compared field by field under co-simulation); the VMM swaps
    them back in and the guest's data is intact."""
    tables = b.page_tables
    paging_on(b, asid=3)
    vmm_call(b, {"do": "swap_out", "gpa": tables.root},
             {"do": "swap_out", "gpa": tables.base + 0x1000})        # the data table
    page = layout.DATA_BASE + 3 * 4096
    b.li(T0, page)
    b.do("lw", rd=6, rs1=T0, imm=0x40)
    b.check(6)
    b.do("sw", rs1=T0, rs2=6, imm=0x44)
    b.do("lw", rd=7, rs1=T0, imm=0x44)
    b.check(7)
    paging_off(b)


def _access_faults(b: Builder, script: Script) -> None:
    """Access faults the VMM injects for guest-physical addresses that are neither RAM nor
    a device; fetch too (jalr into the hole: cause 1 at the target)."""
    b.li(T0, UNMAPPED_GPA)
    b.do("lb", rd=6, rs1=T0, imm=3)
    b.do("sh", rs1=T0, rs2=6, imm=2)
    b.li(T0, platform.RAM_BASE + platform.DEFAULT_RAM_SIZE)       # the byte just past RAM
    b.do("lw", rd=6, rs1=T0, imm=0)
    b.li(T0, UNMAPPED_GPA)
    jump_to_faulting_fetch(b, 7, T0, 0, UNMAPPED_GPA)
    b.check(7)


# A data word whose writes get SLVERR (only writes: the ending's memory checks still read it).
STORE_ERROR_GPA = layout.DATA_BASE + 0xFF0
ACCESS_FAULT_BITS = ((1 << platform.EXC_INSN_ACCESS) | (1 << platform.EXC_LOAD_ACCESS)
                     | (1 << platform.EXC_STORE_ACCESS))


def _bus_access_faults(b: Builder, script: Script) -> None:
    """SLVERR on m_axi for a word of code the guest jumps over (its fetch and a load of it)
    and on the writes of a data word: access faults 1, 5 and 7, from VS and then from VU."""
    b.asm.emit("jal", rd=ZERO, imm=8)
    _, poisoned = b.asm.emit("addi", rd=ZERO, rs1=ZERO, imm=0)        # never runs normally
    b.body_instructions += 1
    script.bus_error(poisoned, "read")
    script.bus_error(STORE_ERROR_GPA, "write")
    for in_vu in (False, True):
        if in_vu:
            enter_vu(b)
        b.li(T0, poisoned)
        expect(b, "lw", platform.EXC_LOAD_ACCESS, poisoned, rd=6, rs1=T0, imm=0)
        b.li(T0, STORE_ERROR_GPA)
        expect(b, "sw", platform.EXC_STORE_ACCESS, STORE_ERROR_GPA, rs1=T0, rs2=6, imm=0)
        b.li(T0, poisoned)
        jump_to_faulting_fetch(b, 7, T0, 0, poisoned)
        b.check(7)
        if in_vu:
            leave_vu(b)


def _bus_access_faults_delegated(b: Builder, script: Script) -> None:
    script.at_start("set_bits", field="hedeleg", bits=ACCESS_FAULT_BITS)
    _bus_access_faults(b, script)


GPTE_ERROR_GPA = platform.RAM_BASE + (14 << 20)     # a guest page nothing else touches


def _bus_faults_on_walks(b: Builder, script: Script) -> None:
    """SLVERR on the implicit page-table reads: the VS-stage root PTE of USER_TEXT_VA (VS
    paging on, a load there) and the G-stage leaf PTE of an otherwise untouched page (paging
    off, a load there): load access faults (5), tval = the address, exited and reflected."""
    tables = b.page_tables
    script.bus_error(tables.root + 4 * (USER_TEXT_VA >> 22), "read")
    script.bus_error(GPTE_ERROR_GPA, "read", kind="gpte")
    paging_on(b, asid=5)
    b.li(T0, USER_TEXT_VA)
    expect(b, "lw", platform.EXC_LOAD_ACCESS, USER_TEXT_VA, rd=6, rs1=T0, imm=0)
    paging_off(b)
    b.li(T0, GPTE_ERROR_GPA)
    expect(b, "lw", platform.EXC_LOAD_ACCESS, GPTE_ERROR_GPA + 8, rd=6, rs1=T0, imm=8)


# A guest-physical word past the default 16 MiB of RAM (the scenario asks for 20 MiB): the
# only access to its 4 MiB, so the G-stage root PTE over it is read by that access alone.
G_ROOT_ERROR_GPA = platform.RAM_BASE + (16 << 20) + 0x100
BUS_ERROR_RAM = 20 << 20


def _bus_faults_on_inner_walk_levels(b: Builder, script: Script) -> None:
    """SLVERR on the PTE reads fault-access-bus-on-pte leaves out: a VS-stage level-0 PTE
    (the last window page's entry in the second-level window table, VS paging on) and the
    G-stage root (level-1, Sv32x4) PTE over a 4 MiB nothing else uses (paging off): load
    access faults (5), tval = the address, exited and reflected."""
    window_page = WINDOW_PAGES - 1
    script.bus_error(b.page_tables.window_pte_address(window_page), "read")
    script.bus_error(G_ROOT_ERROR_GPA, "read", kind="groot")
    paging_on(b, asid=6)
    va = WINDOW_VA + 4096 * window_page + 0x10
    b.li(T0, va)
    expect(b, "lw", platform.EXC_LOAD_ACCESS, va, rd=6, rs1=T0, imm=0)
    paging_off(b)
    b.li(T0, G_ROOT_ERROR_GPA)
    expect(b, "lw", platform.EXC_LOAD_ACCESS, G_ROOT_ERROR_GPA, rd=6, rs1=T0, imm=0)


# Window pages rewritten by sum-mxr-matrix: U data pages (one granting all, one read-only,
# one without A) and execute-only pages (with and without A).  Every VS load and store of
# them is one bin of translation_walks.vs_sum_x_mxr (or its fault twin).
SUM_MXR_PAGES = (PTE_V | PTE_U | PTE_R | PTE_W | PTE_A | PTE_D, PTE_V | PTE_U | PTE_R | PTE_A | PTE_D,
                 PTE_V | PTE_U | PTE_R | PTE_W | PTE_D, PTE_V | PTE_X | PTE_A, PTE_V | PTE_X)


def _sum_mxr_matrix(b: Builder, script: Script) -> None:
    """Window PTEs rewritten (paging off) to U and execute-only pages, then for every
    vsstatus.SUM × MXR a load and a store of each from VS; the model predicts each result
    (the value, or page fault 13/15 to the guest's handler) and the guest checks it."""
    tables, address, value = b.page_tables, 28, 6
    for page, flags in enumerate(SUM_MXR_PAGES):
        b.li(address, tables.window_pte_address(page))
        frame = b.data_base + 4096 * (page % tables.hart_pages)     # this hart's data
        b.li(value, (frame >> 12) << 10 | flags)
        b.do("sw", rs1=address, rs2=value, imm=0)
    b.li(value, 0x5A5A_0000)
    paging_on(b, asid=7)
    for combo, (sum_on, mxr_on) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        for bit, on in ((SSTATUS_SUM, sum_on), (SSTATUS_MXR, mxr_on)):
            (csr_set if on else csr_clear)(b, CSR_SSTATUS, bit)
        for page in range(len(SUM_MXR_PAGES)):
            b.li(address, WINDOW_VA + 4096 * page + 0x80 + 8 * combo)
            b.do("lw", rd=7, rs1=address, imm=0)
            b.do("sw", rs1=address, rs2=value, imm=4)
            b.check_dirty()
    csr_clear(b, CSR_SSTATUS, SSTATUS_SUM | SSTATUS_MXR)
    paging_off(b)


def _mcounteren_off(b: Builder, script: Script) -> None:
    """The VMM clears mcounteren: counters and stimecmp are illegal instructions (cause 2,
    delegated), checked before hcounteren/henvcfg; the VMM then restores it."""
    vmm_call(b, {"do": "write", "values": {"mcounteren": 0}})
    for csr in (0xC00, 0xC01, 0xC02, 0xC80, 0xC81, 0xC82, CSR_STIMECMP, CSR_STIMECMP + 0x10):
        expect(b, "csrrs", ILLEGAL, rd=5, csr=csr, rs1=ZERO)
    for csr in (CSR_STIMECMP, CSR_STIMECMP + 0x10):
        expect(b, "csrrw", ILLEGAL, rd=ZERO, csr=csr, rs1=A0)
    vmm_call(b, {"do": "write", "values": {"mcounteren": 0x7}})
    b.asm.emit("csrrs", rd=6, csr=0xC02, rs1=ZERO)                  # readable again
    b.body_instructions += 1
    b.model.set(6, None)


def _wfi_nop(b: Builder, script: Script) -> None:
    """The VMM clears hstatus.VTW: WFI in VS retires as a NOP (no exit); VTW set again after."""
    vmm_call(b, {"do": "clear_bits", "field": "hstatus", "bits": HSTATUS_VTW})
    b.asm.emit("wfi")
    b.body_instructions += 1
    b.do("addi", rd=6, rs1=ZERO, imm=3)
    b.asm.emit("wfi")
    b.body_instructions += 1
    vmm_call(b, {"do": "set_bits", "field": "hstatus", "bits": HSTATUS_VTW})
    b.check(6)


# The delegable causes (hedeleg bits) a scenario takes away from VS for its VU code.
VU_DELEGABLE_BITS = sum(1 << c for c in (0, 2, 3, 4, 6, 12, 13, 15))


def _vu_causes_to_vmm(b: Builder, script: Script) -> None:
    """hedeleg cleared for 0, 2-4, 6, 12, 13, 15: each raised from VU exits and the VMM
    reflects it; then a random stream rich in VU sections and VS paging (VU page faults)."""
    script.at_start("clear_bits", field="hedeleg", bits=VU_DELEGABLE_BITS)
    for cause in (platform.EXC_INSN_MISALIGNED, ILLEGAL, platform.EXC_BREAKPOINT,
                  platform.EXC_LOAD_MISALIGNED, platform.EXC_STORE_MISALIGNED):
        enter_vu(b)
        _raise_once(b, cause)
        leave_vu(b)
    # Instructions the random seeds may leave unretired in VU (coverage: instruction × mode).
    enter_vu(b)
    b.do("slli", rd=6, rs1=6, imm=3)
    b.do("mul", rd=7, rs1=6, rs2=6)
    b.do("csrrci", rd=ZERO, csr=CSR_SSCRATCH, imm=1)     # an S CSR from VU: virtual, injected as 2
    leave_vu(b)
    # A fetch page fault from VU: VS paging on, SRET to code whose page has no U bit; the
    # handler returns to VS just after it.
    paging_on(b, asid=4)
    target = enter_vu(b)
    b.asm.emit("jal", rd=0, imm=0)                          # never runs
    b.body_instructions += 1
    b.expect_trap(target, platform.EXC_INSN_PAGE, target, resume=target + 4, set_bits=SSTATUS_SPP)
    paging_off(b)
    from dataclasses import replace
    weights = {"vu": 12, "paging": 12, "misaligned": 3, "illegal": 3, "ebreak": 2, "jump": 2,
               "sbi": 0, "timer": 0, "softirq": 0, "vmmirq": 0, "mmio": 0}
    b.knobs = replace(b.knobs, instructions=300, weights=weights)
    emit_body(b)


def _raise_once(b: Builder, cause: int) -> None:
    if cause == platform.EXC_INSN_MISALIGNED:
        b.do("auipc", rd=T0, imm=0)
        _, pc = b.asm.emit("jalr", rd=6, rs1=T0, imm=10)
        b.body_instructions += 1
        b.expect_trap(pc, cause, (pc - 4 + 10) & ~1)
    elif cause == ILLEGAL:
        b.do_word(0x0000_0000)
    elif cause == platform.EXC_BREAKPOINT:
        b.do("ebreak")
    elif cause == platform.EXC_LOAD_MISALIGNED:
        b.li(T0, layout.DATA_BASE + 2)
        b.do("lw", rd=6, rs1=T0, imm=0)
    elif cause == platform.EXC_STORE_MISALIGNED:
        b.li(T0, layout.DATA_BASE + 1)
        b.do("sh", rs1=T0, rs2=6, imm=0)


def _raise(cause: int):
    """A body raising delegable exception ``cause`` twice (the model predicts it)."""
    def body(b: Builder, script: Script) -> None:
        if cause in (platform.EXC_INSN_PAGE, platform.EXC_LOAD_PAGE, platform.EXC_STORE_PAGE):
            _page_faults(b, script)
            return
        if cause == platform.EXC_LOAD_ACCESS:
            _access_faults(b, script)
            return
        for _ in range(2):
            if cause == platform.EXC_ECALL_VU:
                enter_vu(b)
                leave_vu(b)
            else:
                _raise_once(b, cause)
    return body


DELEGABLE = {platform.EXC_INSN_MISALIGNED: "misaligned fetch", ILLEGAL: "illegal instruction",
             platform.EXC_BREAKPOINT: "breakpoint", platform.EXC_LOAD_MISALIGNED: "misaligned load",
             platform.EXC_STORE_MISALIGNED: "misaligned store", platform.EXC_ECALL_VU: "ecall from VU",
             platform.EXC_LOAD_PAGE: "page faults (12, 13, 15)"}
PAGE_FAULT_BITS = (1 << 12) | (1 << 13) | (1 << 15)


def _delegation_scenarios() -> list[Scenario]:
    out = []
    for cause, what in DELEGABLE.items():
        bits = PAGE_FAULT_BITS if cause == platform.EXC_LOAD_PAGE else 1 << cause
        slug = what.split(" (")[0].replace(" ", "-")
        count = 3 if cause == platform.EXC_LOAD_PAGE else 2
        paging = cause == platform.EXC_LOAD_PAGE
        out.append(_scenario("§1 delegation: hedeleg", f"deleg-{slug}-to-vs",
                             f"{what}: hedeleg bit set (the platform default), straight to the "
                             f"guest's handler, no exit", _raise(cause), paging=paging,
                             expect=Expect(absent=("reflected",))))

        def cleared(b, script, body=_raise(cause), bits=bits):
            script.at_start("clear_bits", field="hedeleg", bits=bits)
            body(b, script)
        out.append(_scenario("§1 delegation: hedeleg", f"deleg-{slug}-to-vmm",
                             f"{what}: hedeleg bit cleared by the VMM, so it exits; the VMM "
                             f"reflects it into the guest (KVM's redirect)", cleared, paging=paging,
                             expect=Expect(exits={"reflected": count})))
    return out


# ---------------------------------------------------------------- §5 interrupts

def _delivered(irq: str):
    """The VMM injects ``irq`` through hvip at an SBI exit; the guest sees it pending,
    takes it when it sets SIE, then asks the VMM to withdraw it and sees it gone."""
    def body(b: Builder, script: Script) -> None:
        csr_clear(b, CSR_SSTATUS, 2)
        csr_set(b, CSR_SIE, SIP_BIT[irq])
        vmm_call(b, {"do": "set_bits", "field": "hvip", "bits": HVIP_BIT[irq]})
        check_csr_bits(b, CSR_SIP, SIP_BIT[irq], SIP_BIT[irq])
        take_interrupt_on_sie(b, GUEST_CAUSE[irq])
        vmm_call(b, {"do": "clear_bits", "field": "hvip", "bits": HVIP_BIT[irq]})
        check_csr_bits(b, CSR_SIP, SIP_BIT[irq], 0)
        csr_clear(b, CSR_SIE, SIP_BIT[irq])
    return body


def _kept_by_vmm(irq: str):
    """hideleg does not delegate ``irq``: the VMM enables it in hie and injects it; the unit
    exits at once (whatever vsstatus.SIE), the VMM acknowledges it, the guest sees nothing."""
    def body(b: Builder, script: Script) -> None:
        script.at_start("clear_bits", field="hideleg", bits=HVIP_BIT[irq])
        script.at_start("set_bits", field="hie", bits=HVIP_BIT[irq])
        csr_clear(b, CSR_SSTATUS, 2)
        vmm_call(b, {"do": "set_bits", "field": "hvip", "bits": HVIP_BIT[irq]})
        check_csr_bits(b, CSR_SIP, SIP_BIT[irq], 0)         # read-only 0 when not delegated
        b.do("csrrsi", rd=ZERO, csr=CSR_SSTATUS, imm=2)
        b.do("addi", rd=6, rs1=ZERO, imm=1)
        b.do("csrrci", rd=ZERO, csr=CSR_SSTATUS, imm=2)
    return body


def _priority(b: Builder, script: Script) -> None:
    """All three pending at once: SEI first, then SSI, then STI (the guest's view)."""
    csr_clear(b, CSR_SSTATUS, 2)
    csr_set(b, CSR_SIE, SIP_BIT["ssi"] | SIP_BIT["sti"] | SIP_BIT["sei"])
    vmm_call(b, {"do": "set_bits", "field": "hvip",
                         "bits": HVIP_BIT["ssi"] | HVIP_BIT["sti"] | HVIP_BIT["sei"]})
    take_interrupt_on_sie(b, GUEST_CAUSE["sei"])
    vmm_call(b, {"do": "clear_bits", "field": "hvip", "bits": HVIP_BIT["sei"]})
    take_interrupt_on_sie(b, GUEST_CAUSE["ssi"])
    csr_clear(b, CSR_SIP, SIP_BIT["ssi"])                  # the guest may clear SSIP itself
    take_interrupt_on_sie(b, GUEST_CAUSE["sti"])
    vmm_call(b, {"do": "clear_bits", "field": "hvip", "bits": HVIP_BIT["sti"]})
    check_csr_bits(b, CSR_SIP, SIP_BIT["ssi"] | SIP_BIT["sti"] | SIP_BIT["sei"], 0)
    csr_clear(b, CSR_SIE, SIP_BIT["ssi"] | SIP_BIT["sti"] | SIP_BIT["sei"])


def _vu_takes_interrupts(b: Builder, script: Script) -> None:
    """SSIP pending and enabled but SIE = 0: not taken in VS, taken at the first VU
    instruction; the handler returns to VS, which clears it."""
    csr_clear(b, CSR_SSTATUS, 2)
    csr_set(b, CSR_SIE, SIP_BIT["ssi"])
    csr_set(b, CSR_SIP, SIP_BIT["ssi"])
    b.do("addi", rd=6, rs1=ZERO, imm=5)                    # still in VS: nothing taken
    target = enter_vu(b)
    b.asm.emit("jal", rd=0, imm=0)                          # never runs
    b.body_instructions += 1
    b.expect_trap(target, GUEST_CAUSE["ssi"], 0, resume=target + 4, clear=SSTATUS_SPIE,
                  set_bits=SSTATUS_SPP)
    csr_clear(b, CSR_SIP, SIP_BIT["ssi"])
    csr_clear(b, CSR_SIE, SIP_BIT["ssi"])
    b.check(6)


def _interrupt_scenarios() -> list[Scenario]:
    out = []
    names = {"ssi": "VSSI", "sti": "VSTI", "sei": "VSEI"}
    for irq, name in names.items():
        out.append(_scenario("§1 delegation: hideleg", f"irq-{irq}-to-vs",
                             f"{name} delegated by hideleg (default), injected by the VMM through "
                             f"hvip: the guest takes it as {GUEST_CAUSE[irq]:#x}",
                             _delivered(irq), expect=Expect(absent=("vs_interrupt",))))
        out.append(_scenario("§5 interrupts: not delegated exit", f"irq-{irq}-to-vmm",
                             f"{name} not delegated (hideleg bit cleared): the unit exits with "
                             f"{EXIT_CAUSE[irq]:#x} even with SIE = 0; the VMM takes it",
                             _kept_by_vmm(irq), expect=Expect(exits={"vs_interrupt": 1})))
    return out


# ---------------------------------------------------------------- world switch, VMID, flushes

def _data_stream(b: Builder, **weights: int) -> None:
    """250 random body instructions heavy in loads and stores (no SBI, timers, MMIO, VU)."""
    from dataclasses import replace
    weights = {"load": 10, "store": 10, "alu": 4, "loop": 3, "sbi": 0, "timer": 0, "softirq": 0,
               "mmio": 0, "vu": 0, "paging": 0, **weights}
    b.knobs = replace(b.knobs, instructions=250, weights=weights)
    emit_body(b)


def _own_data(b: Builder, script: Script) -> None:
    """Stores and loads on the data pages at the same GPAs as the other VM, interleaved with
    it (small quantum); the ending reads back every stored word: any leak fails."""
    _data_stream(b)


def _own_data_paged(b: Builder, script: Script) -> None:
    """Like _own_data with VS-stage paging on (same VAs and ASID in both VMs): the TLB
    must keep the two VMs' entries apart by VMID."""
    paging_on(b, asid=1)
    _data_stream(b, misaligned=0)
    paging_off(b)


def _remap_and_check(b: Builder, script: Script) -> None:
    """The VMM moves a data page to another host frame (old frame poisoned) and swaps another
    out, each followed by its G-stage flush; the guest's next accesses must see its data."""
    page = layout.DATA_BASE + 4096
    b.li(T0, page)
    b.li(6, 0x1234_5678)
    b.do("sw", rs1=T0, rs2=6, imm=0x10)
    b.do("lw", rd=7, rs1=T0, imm=0x10)             # translation cached in the TLB
    vmm_call(b, {"do": "remap", "gpa": page})
    b.do("lw", rd=8, rs1=T0, imm=0x10)
    b.check(8)
    b.do("sw", rs1=T0, rs2=8, imm=0x14)
    vmm_call(b, {"do": "remap", "gpa": page}, {"do": "swap_out", "gpa": page + 4096})
    b.do("lw", rd=9, rs1=T0, imm=0x14)
    b.li(11, page + 4096)
    b.do("lw", rd=10, rs1=11, imm=0)               # the swapped-out page comes back
    b.check(9)
    b.check(10)


def _flush_by_vmm(b: Builder, script: Script) -> None:
    """Explicit whole-TLB flushes requested by the VMM between the guest's accesses (with VS
    paging on, so both stages' entries are dropped), data unchanged."""
    paging_on(b, asid=2)
    page = layout.DATA_BASE + 2 * 4096
    b.li(T0, page)
    b.do("lw", rd=6, rs1=T0, imm=0)
    vmm_call(b, {"do": "flush", "kind": "all"})
    b.do("lw", rd=7, rs1=T0, imm=0)
    vmm_call(b, {"do": "flush", "kind": "gvma"}, {"do": "remap", "gpa": page})
    b.do("lw", rd=8, rs1=T0, imm=0)
    vmm_call(b, {"do": "flush", "kind": "vvma"})
    b.do("lw", rd=9, rs1=T0, imm=0)
    paging_off(b)


def _world_scenarios() -> list[Scenario]:
    return [
        _scenario("§4 fences: world switch", "world-switch-slow",
                  "two VMs, same guest-physical layout, disjoint host frames, one hardware "
                  "context: every switch saves and restores over the register map",
                  _own_data, _own_data, base_options={"contexts": 1, "quantum": 37},
                  expect=Expect(world_switches={"slow": 4})),
        _scenario("§4 fences: world switch", "world-switch-fast",
                  "two VMs in two hardware contexts: the VMM switches by picking the context",
                  _own_data, _own_data, base_options={"contexts": 2, "quantum": 29},
                  expect=Expect(world_switches={"fast": 4})),
        _scenario("§4 fences: world switch", "vmid-tlb-isolation",
                  "two VMs with identical VS page tables, VAs and ASID, one context, small "
                  "quantum: TLB entries tagged by VMID must never serve the other VM",
                  _own_data_paged, _own_data_paged, paging=True,
                  base_options={"contexts": 1, "quantum": 23},
                  expect=Expect(world_switches={"slow": 4})),
        _scenario("§4 fences: VMM flush", "vmm-remap-flush",
                  "the VMM remaps a guest page to a new host frame and swaps another out at "
                  "chosen exits; its G-stage flushes make the guest see its own data",
                  _remap_and_check, expect=Expect(at_least={"swap_in": 1})),
        _scenario("§4 fences: VMM flush", "vmm-flush-kinds",
                  "whole-TLB, GVMA and VVMA flushes requested by the VMM with VS paging on",
                  _flush_by_vmm, paging=True),
    ]


def _all() -> list[Scenario]:
    vi = "illegal_injected"
    scenarios = [
        _scenario("§3 VI: H instructions", "vi-h-instructions",
                  "HLV/HLVX/HSV/HFENCE.VVMA/HFENCE.GVMA from VS and from VU",
                  _h_instructions, expect=Expect(exits={vi: 2 * len(H_INSTRUCTIONS)})),
        _scenario("§3 VI: H/VS CSR by address", "vi-hypervisor-csrs",
                  "hypervisor and VS CSRs by their own addresses (and hgeip) from VS and VU",
                  _h_csrs, expect=Expect(exits={vi: len(H_CSRS) + 1 + 5})),
        _scenario("§3 VI: SRET with VTSR", "vi-sret-vtsr",
                  "SRET in VS with hstatus.VTSR set by the VMM (cleared again after the exit)",
                  _sret_vtsr, expect=Expect(exits={vi: 1})),
        _scenario("§3 VI: WFI with VTW", "vi-wfi-vtw",
                  "WFI in VS with VTW = 1 (the platform default) exits; the VMM sleeps the vCPU "
                  "until its timer is due", _wfi_vtw, expect=Expect(exits={"wfi": 1})),
        _scenario("§3 VI: SFENCE/satp with VTVM", "vi-vtvm",
                  "SFENCE.VMA and satp reads/writes in VS with hstatus.VTVM set by the VMM",
                  _vtvm, expect=Expect(exits={vi: 4})),
        _scenario("§3 VI: VU SRET/SFENCE/WFI", "vi-vu-sret-sfence-wfi",
                  "SRET and SFENCE.VMA from VU; WFI from VU exits too and the timer interrupt "
                  "is taken in VU right after it", _vu_sret_sfence_wfi,
                  expect=Expect(exits={vi: 2, "wfi": 1})),
        _scenario("§3 VI: VU S CSR", "vi-vu-s-csrs", "S CSRs (sstatus, sscratch, satp, sie, sip, "
                  "stimecmp) from VU", _vu_s_csrs, expect=Expect(exits={vi: 7})),
        _scenario("§3 VI: VS counters (hcounteren)", "vi-vs-counters",
                  "cycle/time/instret(+h) from VS with hcounteren = 0 (set by the VMM)",
                  _vs_counters, expect=Expect(exits={vi: 5})),
        _scenario("§3 VI: VU counters (hcounteren or scounteren)", "vi-vu-counters",
                  "counters from VU: scounteren = 0 traps all, hcounteren.TM = 0 traps time "
                  "from VS and VU, a counter both allow reads", _vu_counters,
                  expect=Expect(exits={vi: 5})),
        _scenario("§3 VI: stimecmp with STCE=0", "vi-stimecmp-stce-off",
                  "stimecmp/stimecmph from VS with henvcfg.STCE cleared by the VMM",
                  _stce_off, expect=Expect(exits={vi: 2})),
        _scenario("§4 fault: page fault", "fault-page-to-vs",
                  "VS-stage page faults (fetch, load, store) delegated: the guest's handler "
                  "gets 12/13/15 with vstval = the address", _page_faults, paging=True,
                  expect=Expect(absent=("reflected",))),
        _scenario("§4 fault: guest-page fault", "fault-guest-page-to-vmm",
                  "G-stage faults always exit: demand paging, swap-in, UART MMIO, access fault "
                  "injected for an unmapped GPA", _guest_page_faults,
                  expect=Expect(at_least={"demand_page": 1, "swap_in": 1},
                                exits={"mmio": 1, "access_fault_injected": 2}, output=b"G")),
        _scenario("§4 fault: guest-page fault", "fault-guest-page-on-pte",
                  "G-stage faults on the implicit VS page-table reads (root and leaf table "
                  "swapped out by the VMM while the guest pages): the VMM swaps them in",
                  _guest_page_fault_on_pte, paging=True, expect=Expect(at_least={"swap_in": 2})),
        _scenario("§4 fault: access fault", "fault-access-injected",
                  "accesses (fetch, load, store) to guest-physical addresses that are neither "
                  "RAM nor a device: the VMM injects access faults 1/5/7", _access_faults,
                  expect=Expect(exits={"access_fault_injected": 4})),
        _scenario("§5 interrupts: priority", "irq-priority",
                  "VSEI, VSSI and VSTI pending together: taken SEI, then SSI, then STI",
                  _priority),
        _scenario("§5 interrupts: VU always enabled", "irq-vu-always-enabled",
                  "a delegated interrupt pending with SIE = 0 is taken as soon as the guest "
                  "enters VU", _vu_takes_interrupts),
    ]
    scenarios += [
        _scenario("§4 fault: access fault", "fault-access-bus-to-vmm",
                  "SLVERR on m_axi for a fetch, a load and a store, from VS and from VU: access "
                  "faults 1/5/7 are not delegated, so they exit and the VMM reflects them",
                  _bus_access_faults, expect=Expect(exits={"reflected": 6})),
        _scenario("§4 fault: access fault", "fault-access-bus-to-vs",
                  "the same bus errors with hedeleg bits 1, 5, 7 set by the VMM (and m_axi "
                  "back-pressure): straight to the guest's handler, no exit",
                  _bus_access_faults_delegated, axi_backpressure=0.25,
                  expect=Expect(absent=("reflected",))),
        _scenario("§4 fault: access fault", "fault-access-bus-on-pte",
                  "SLVERR on a VS-stage PTE read and on a G-stage PTE read: load access faults "
                  "(5) with tval = the address, exited and reflected by the VMM",
                  _bus_faults_on_walks, paging=True, expect=Expect(exits={"reflected": 2})),
        _scenario("§4 fault: access fault", "fault-access-bus-on-inner-pte",
                  "SLVERR on a VS-stage level-0 PTE read and on a G-stage root (level-1) PTE "
                  "read: load access faults (5) with tval = the address, exited and reflected",
                  _bus_faults_on_inner_walk_levels, paging=True,
                  base_options={"mem": BUS_ERROR_RAM}, expect=Expect(exits={"reflected": 2})),
        _scenario("§4 fault: page fault", "fault-page-sum-mxr",
                  "VS loads and stores of U pages and execute-only pages under every "
                  "vsstatus.SUM × MXR: data or page faults 13/15 to the guest's handler",
                  _sum_mxr_matrix, paging=True, expect=Expect(absent=("reflected",))),
        _scenario("§1 delegation: hedeleg", "deleg-vu-causes-to-vmm",
                  "hedeleg bits 0, 2-4, 6, 12, 13, 15 cleared by the VMM: those causes raised "
                  "from VU (and a random VU/paging stream) exit and are reflected",
                  _vu_causes_to_vmm, paging=True, expect=Expect(at_least={"reflected": 5})),
        _scenario("§3 illegal: mcounteren", "illegal-mcounteren-off",
                  "counters and stimecmp/stimecmph read and written from VS with mcounteren = 0 "
                  "(cleared by the VMM at an SBI call): illegal instruction, delegated",
                  _mcounteren_off, expect=Expect(absent=("reflected", "illegal_injected"))),
        _scenario("§5 interrupts: WFI as a NOP", "wfi-nop-vtw-off",
                  "WFI in VS with hstatus.VTW cleared by the VMM retires as a NOP: no exit",
                  _wfi_nop, expect=Expect(absent=("wfi",))),
    ]
    return scenarios + _delegation_scenarios() + _interrupt_scenarios() + _world_scenarios()


SCENARIOS: dict[str, Scenario] = {s.name: s for s in _all()}
