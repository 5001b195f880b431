"""Two-stage translation: every fault class of the walk, superpages, U/SUM/MXR, Svade A/D,
access faults on page-table reads, and cache invalidation (flushes, PTE and code writes)."""
from __future__ import annotations

import asyncio

import pytest

from interfaces.regmap import FLUSH_ALL
from interfaces.trace import ExitRecord
from vmm_model.hart.guestbuild import G_LEAF, LEAF, GuestImage, Machine
from vmm_model.hart.mmu import PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X
from vmm_model.hart.unit import SoftwareUnit
from vmm_model.isa.encode import encode
from vmm_model.memory import HostMemory

RAM = 0x8000_0000
VA = 0x4000_0000                    # a guest virtual page outside the identity map
DATA = 0x8000_8000                  # a guest-physical data page inside guest RAM
HANDLER = 0x8000_0400
LW = encode("lw", rd=3, rs1=1, imm=8)
SW = encode("sw", rs1=1, rs2=2, imm=12)
LW_HTINST = (3 << 7) | (2 << 12) | 0x03           # imm and rs1 zeroed
SW_HTINST = (2 << 20) | (2 << 12) | 0x23


@pytest.fixture(params=["run", "step"])
def mode(request):
    return request.param


def go(machine, mode):
    if mode == "run":
        return machine.run()
    return machine.step_to_exit()[1]


def access(machine, word, mode, x1=VA, priv=1, **fields):
    """Execute ``word`` (x1 = base address) then ecall; returns the exit record."""
    code = RAM if priv else RAM + 0x100
    machine.load([word, encode("ecall")], code)
    machine.load([encode("ecall")], HANDLER)
    if priv == 0:
        # VU needs a U code page: map a separate VA for it
        machine.guest.map_vs(0x5000_0000, code & ~0xFFF, LEAF | PTE_U)
        code = 0x5000_0000 | (code & 0xFFF)
    machine.start(code, priv=priv, x1=x1, x2=0xCAFE_F00D, vstvec=HANDLER, **fields)
    return go(machine, mode)


def fault(cause, tval, htval=0, htinst=0, sepc=RAM, spvp=1):
    return ExitRecord(ctx=0, scause=cause, sepc=sepc, stval=tval, htval=htval, htinst=htinst,
                      gva=1, spvp=spvp)


def data_word(machine, gpa=DATA, offset=8):
    machine.memory.write32(machine.guest.host(gpa + offset), 0x1234_5678)


# ---------------------------------------------------------------- VS-stage page faults

def test_vs_page_fault_exits_or_is_delegated(mode):
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, 0)                       # invalid PTE
    assert access(machine, LW, mode) == fault(13, VA + 8)
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, 0)
    exit_record = access(machine, LW, mode, hedeleg=1 << 13)
    assert exit_record.sepc == HANDLER
    assert machine.vcpu.get_state(["vscause", "vstval", "vsepc"]) == {
        "vscause": 13, "vstval": VA + 8, "vsepc": RAM}


def test_store_to_read_only_page(mode):
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, PTE_V | PTE_R | PTE_A | PTE_D)
    assert access(machine, SW, mode) == fault(15, VA + 12)
    data_word(machine)
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, PTE_V | PTE_R | PTE_A | PTE_D)
    data_word(machine)
    assert access(machine, LW, mode).scause == 10 and machine.reg(3) == 0x1234_5678


def test_fetch_from_non_executable_page(mode):
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    exit_record = access(machine, encode("jalr", rd=0, rs1=1, imm=0x10), mode)
    assert exit_record == fault(12, VA + 0x10, sepc=VA + 0x10)


@pytest.mark.parametrize("flags", [
    PTE_V | PTE_W | PTE_A | PTE_D,                     # W without R: reserved
    PTE_V | PTE_W | PTE_X | PTE_A | PTE_D,             # XWR = 110: reserved
    PTE_R | PTE_W | PTE_A | PTE_D,                     # V = 0
])
def test_reserved_leaf_encodings_fault(mode, flags):
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, flags)
    assert access(machine, LW, mode) == fault(13, VA + 8)


@pytest.mark.parametrize("bit", [PTE_A, PTE_D, PTE_U])
def test_non_leaf_with_a_d_u_faults(mode, bit):
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA)
    pointer = machine.guest.vs_pte_gpa(VA, level=1)
    host = machine.guest.host(pointer)
    machine.memory.write32(host, machine.memory.read32(host) | bit)
    assert access(machine, LW, mode) == fault(13, VA + 8)


def test_pointer_at_level_0_faults(mode):
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, PTE_V)                  # a "pointer" where a leaf must be
    assert access(machine, LW, mode) == fault(13, VA + 8)


# ---------------------------------------------------------------- superpages

def test_vs_superpage_and_misaligned_superpage(mode):
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, RAM, LEAF, level=1)          # 4 MiB at VA -> guest RAM
    data_word(machine)
    assert access(machine, LW, mode, x1=VA + (DATA - RAM)).scause == 10
    assert machine.reg(3) == 0x1234_5678
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, RAM + 0x1000, LEAF, level=1)  # PPN[0] != 0
    assert access(machine, LW, mode) == fault(13, VA + 8)


def test_g_stage_superpage_and_misaligned_superpage(mode):
    machine = Machine()
    gpa, spa = 0xC000_0000, Machine.HOST_BASE + (4 << 20)
    machine.guest.map_g(gpa, spa, G_LEAF, level=1)
    machine.memory.write32(spa + 0x5008, 0xABCD_EF01)
    assert access(machine, LW, mode, x1=gpa + 0x5000).scause == 10
    assert machine.reg(3) == 0xABCD_EF01
    machine = Machine()
    machine.guest.map_g(gpa, spa + 0x1000, G_LEAF, level=1)
    assert access(machine, LW, mode, x1=gpa) == fault(21, gpa + 8, (gpa + 8) >> 2, LW_HTINST)


# ---------------------------------------------------------------- U, SUM, MXR

def test_u_bit_vu_needs_u(mode):
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, LEAF)
    assert access(machine, LW, mode, priv=0) == fault(13, VA + 8, sepc=0x5000_0100, spvp=0)
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, LEAF | PTE_U)
    data_word(machine)
    assert access(machine, LW, mode, priv=0).scause == 8 and machine.reg(3) == 0x1234_5678


def test_u_page_from_vs_needs_sum_and_never_executes(mode):
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, LEAF | PTE_U)
    assert access(machine, LW, mode) == fault(13, VA + 8)
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, LEAF | PTE_U)
    data_word(machine)
    assert access(machine, LW, mode, vsstatus=1 << 18).scause == 10
    assert machine.reg(3) == 0x1234_5678
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, LEAF | PTE_U)
    exit_record = access(machine, encode("jalr", rs1=1, imm=0), mode, vsstatus=1 << 18)
    assert exit_record == fault(12, VA, sepc=VA)


def test_g_stage_leaf_without_u_is_a_guest_page_fault(mode):
    machine = Machine()
    machine.guest.map_g(DATA, machine.guest.host(DATA), G_LEAF & ~PTE_U)
    assert access(machine, LW, mode, x1=DATA) == fault(21, DATA + 8, (DATA + 8) >> 2, LW_HTINST)


def test_mxr_vs_stage(mode):
    execute_only = PTE_V | PTE_X | PTE_A | PTE_D
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, execute_only)
    assert access(machine, LW, mode) == fault(13, VA + 8)
    for fields in ({"vsstatus": 1 << 19}, {"hs_sstatus": 1 << 19}):
        machine = Machine(paging=True)
        machine.guest.map_vs(VA, DATA, execute_only)
        data_word(machine)
        assert access(machine, LW, mode, **fields).scause == 10
        assert machine.reg(3) == 0x1234_5678


def test_mxr_g_stage_only_from_hs(mode):
    execute_only = PTE_V | PTE_X | PTE_U | PTE_A | PTE_D
    machine = Machine()
    machine.guest.map_g(DATA, machine.guest.host(DATA), execute_only)
    exit_record = access(machine, LW, mode, x1=DATA, vsstatus=1 << 19)   # vsstatus.MXR: VS only
    assert exit_record == fault(21, DATA + 8, (DATA + 8) >> 2, LW_HTINST)
    machine = Machine()
    machine.guest.map_g(DATA, machine.guest.host(DATA), execute_only)
    data_word(machine)
    assert access(machine, LW, mode, x1=DATA, hs_sstatus=1 << 19).scause == 10
    assert machine.reg(3) == 0x1234_5678


# ---------------------------------------------------------------- Svade

def test_svade_vs_stage(mode):
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, LEAF & ~PTE_A)
    assert access(machine, LW, mode) == fault(13, VA + 8)
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, LEAF & ~PTE_D)
    assert access(machine, SW, mode) == fault(15, VA + 12)
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA, LEAF & ~PTE_D)
    assert access(machine, LW, mode).scause == 10          # D only matters for stores


def test_svade_g_stage(mode):
    machine = Machine()
    machine.guest.map_g(DATA, machine.guest.host(DATA), G_LEAF & ~PTE_A)
    assert access(machine, LW, mode, x1=DATA) == fault(21, DATA + 8, (DATA + 8) >> 2, LW_HTINST)
    machine = Machine()
    machine.guest.map_g(DATA, machine.guest.host(DATA), G_LEAF & ~PTE_D)
    assert access(machine, SW, mode, x1=DATA) == fault(23, DATA + 12, (DATA + 12) >> 2, SW_HTINST)


# ---------------------------------------------------------------- guest-page faults

def test_guest_page_fault_on_final_gpa(mode):
    unmapped = 0x9000_0000
    assert access(Machine(), LW, mode, x1=unmapped) == \
        fault(21, unmapped + 8, (unmapped + 8) >> 2, LW_HTINST)
    assert access(Machine(), SW, mode, x1=unmapped) == \
        fault(23, unmapped + 12, (unmapped + 12) >> 2, SW_HTINST)
    exit_record = access(Machine(), encode("jalr", rs1=1, imm=0x40), mode, x1=unmapped)
    assert exit_record == fault(20, unmapped + 0x40, (unmapped + 0x40) >> 2, 0, sepc=unmapped + 0x40)


def test_guest_page_fault_on_34_bit_gpa_through_vs_stage(mode):
    machine = Machine(paging=True)
    gpa = 0x3_0000_0000                                    # above 4 GiB: Sv32 gives 34-bit GPAs
    machine.guest.map_vs(VA, gpa)
    assert access(machine, LW, mode) == fault(21, VA + 8, (gpa + 8) >> 2, LW_HTINST)


@pytest.mark.parametrize("kind", ["load", "store", "fetch"])
def test_guest_page_fault_on_vs_pte_read(mode, kind):
    machine = Machine(paging=True)
    table_gpa = 0xA000_0000                                # not mapped in the G-stage
    root = machine.guest.vs_pte_gpa(VA, level=1)
    machine.memory.write32(machine.guest.host(root), ((table_gpa >> 12) << 10) | PTE_V)
    pte_gpa = table_gpa + 4 * ((VA >> 12) & 0x3FF)
    if kind == "load":
        expected = fault(21, VA + 8, pte_gpa >> 2, 0x2000)
        exit_record = access(machine, LW, mode)
    elif kind == "store":
        expected = fault(23, VA + 12, pte_gpa >> 2, 0x2000)
        exit_record = access(machine, SW, mode)
    else:
        expected = fault(20, VA, pte_gpa >> 2, 0x2000, sepc=VA)
        exit_record = access(machine, encode("jalr", rs1=1, imm=0), mode)
    assert exit_record == expected


def test_guest_page_fault_on_vs_root_read(mode):
    machine = Machine(paging=True)
    machine.load([encode("ecall")])
    root_gpa = 0xB000_0000
    machine.start(vsatp=(1 << 31) | (root_gpa >> 12))
    exit_record = go(machine, mode)
    pte_gpa = root_gpa + 4 * (RAM >> 22)
    assert exit_record == fault(20, RAM, pte_gpa >> 2, 0x2000)


# ---------------------------------------------------------------- access faults

def test_access_fault_on_vs_pte_read(mode):
    machine = Machine(paging=True)
    table_gpa = 0xA000_0000
    machine.guest.map_g(table_gpa, 0x1000_0000)            # host address outside HostMemory
    root = machine.guest.vs_pte_gpa(VA, level=1)
    machine.memory.write32(machine.guest.host(root), ((table_gpa >> 12) << 10) | PTE_V)
    assert access(machine, LW, mode) == fault(5, VA + 8)
    machine = Machine(paging=True)
    machine.guest.map_g(table_gpa, 0x1000_0000)
    root = machine.guest.vs_pte_gpa(VA, level=1)
    machine.memory.write32(machine.guest.host(root), ((table_gpa >> 12) << 10) | PTE_V)
    exit_record = access(machine, LW, mode, hedeleg=1 << 5)
    assert exit_record.sepc == HANDLER and machine.vcpu.get_state(["vscause"])["vscause"] == 5


def test_access_fault_on_g_stage_root_and_final_address(mode):
    machine = Machine()
    machine.load([encode("ecall")])
    machine.start(hgatp=(1 << 31) | (0x0100_0000 >> 12))   # root outside host memory
    assert go(machine, mode) == fault(1, RAM)
    for word, cause, offset in ((LW, 5, 8), (SW, 7, 12)):
        machine = Machine()
        machine.guest.map_g(DATA, 0x3000_0000)             # just past the 8 MiB of host memory
        assert access(machine, word, mode, x1=DATA) == fault(cause, DATA + offset)
        machine = Machine()
        machine.guest.map_g(DATA, 0x3_0000_0000)           # host-physical >= 2^32
        assert access(machine, word, mode, x1=DATA) == fault(cause, DATA + offset)


def test_bare_g_stage(mode):
    memory = HostMemory(1 << 20, base=0x8000_0000)
    guest = GuestImage(memory, ram_gpa=0x8000_0000, ram_size=0x80000, host_ram=0x8000_0000,
                       g_stage=False)
    guest.write_words(0x8000_0000, [LW, encode("ecall")])
    memory.write32(0x8000_1008, 0x600D_600D)
    unit = SoftwareUnit(memory, num_contexts=1)
    vcpu = unit.contexts[0]
    vcpu.set_state(guest.state(x1=0x8000_1000))
    if mode == "run":
        exit_record = vcpu.run_now()
    else:
        while not isinstance(exit_record := vcpu.step(), ExitRecord) and not exit_record.ext_exit:
            pass
        exit_record = vcpu.last_exit
    assert exit_record.scause == 10 and vcpu.x[3] == 0x600D_600D


# ---------------------------------------------------------------- invalidation

def test_vmm_remap_then_flush_is_seen(mode):
    machine = Machine()
    other = DATA + 0x1000
    machine.memory.write32(machine.guest.host(DATA) + 8, 1)
    machine.memory.write32(machine.guest.host(other) + 8, 2)
    machine.load([LW, encode("ecall")])
    machine.start(x1=DATA)
    assert go(machine, mode).scause == 10 and machine.reg(3) == 1
    machine.guest.map_g(DATA, machine.guest.host(other))   # the VMM moves the page ...
    asyncio.run(machine.unit.flush_tlb(FLUSH_ALL))         # ... and flushes
    machine.start(x1=DATA)
    assert go(machine, mode).scause == 10 and machine.reg(3) == 2


def test_guest_pte_write_and_sfence_is_seen(mode):
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA)
    machine.memory.write32(machine.guest.host(DATA) + 8, 1)
    machine.memory.write32(machine.guest.host(DATA + 0x1000) + 8, 2)
    pte_gpa = machine.guest.vs_pte_gpa(VA)
    new_pte = (((DATA + 0x1000) >> 12) << 10) | LEAF
    machine.load([LW,                                       # x3 = 1 through the old mapping
                  encode("sw", rs1=4, rs2=5, imm=0),        # guest rewrites its PTE
                  encode("sfence.vma", rs1=0, rs2=0),
                  encode("lw", rd=6, rs1=1, imm=8),         # x6 = 2 through the new one
                  encode("ecall")])
    machine.start(x1=VA, x4=pte_gpa, x5=new_pte)
    assert go(machine, mode).scause == 10
    assert (machine.reg(3), machine.reg(6)) == (1, 2)


def test_pte_write_inside_a_block_is_seen_without_a_tlb(mode):
    # No SFENCE: a TLB-less hart sees the new PTE at once; the reference must too.
    machine = Machine(paging=True)
    machine.guest.map_vs(VA, DATA)
    machine.memory.write32(machine.guest.host(DATA) + 8, 1)
    machine.memory.write32(machine.guest.host(DATA + 0x1000) + 8, 2)
    pte_gpa = machine.guest.vs_pte_gpa(VA)
    new_pte = (((DATA + 0x1000) >> 12) << 10) | LEAF
    machine.load([LW, encode("sw", rs1=4, rs2=5, imm=0), encode("lw", rd=6, rs1=1, imm=8),
                  encode("ecall")])
    machine.start(x1=VA, x4=pte_gpa, x5=new_pte)
    assert go(machine, mode).scause == 10
    assert (machine.reg(3), machine.reg(6)) == (1, 2)


def test_vmm_code_write_between_runs_is_seen(mode):
    machine = Machine()
    machine.load([encode("addi", rd=3, imm=1), encode("ecall")])
    machine.start()
    assert go(machine, mode).scause == 10 and machine.reg(3) == 1
    machine.memory.write32(machine.guest.host(RAM), encode("addi", rd=3, imm=2))
    machine.start()
    assert go(machine, mode).scause == 10 and machine.reg(3) == 2


def test_self_modifying_code_inside_a_block(mode):
    machine = Machine()
    patched = encode("addi", rd=3, imm=42)
    machine.load([encode("sw", rs1=1, rs2=2, imm=8),   # overwrite the instruction two ahead
                  encode("addi", rd=4, imm=1),
                  encode("addi", rd=3, imm=7),          # replaced before it executes
                  encode("ecall")])
    machine.start(x1=RAM, x2=patched)
    assert go(machine, mode).scause == 10
    assert machine.reg(3) == 42 and machine.reg(4) == 1


def test_data_store_on_a_code_page_keeps_blocks_valid(mode):
    machine = Machine()
    program = [encode("addi", rd=5, rs1=5, imm=1), encode("sw", rs1=1, rs2=5, imm=0),
               encode("bne", rs1=5, rs2=6, imm=-8), encode("ecall")]
    machine.load(program)
    machine.start(x1=RAM + 0x800, x6=50)            # data on the code page
    assert go(machine, mode).scause == 10
    assert machine.memory.read32(machine.guest.host(RAM + 0x800)) == 50
    assert machine.vcpu.instret64 == 150


def test_host_memory_base_not_page_aligned(mode):
    # Page caches cannot describe such memory: the hart must fall back, not misaddress.
    memory = HostMemory(1 << 16, base=0x8000_0800)
    program = [encode("addi", rd=5, rs1=5, imm=1), encode("sw", rs1=1, rs2=5, imm=0),
               encode("lw", rd=6, rs1=1, imm=0), encode("bne", rs1=5, rs2=7, imm=-12),
               encode("ecall")]
    for k, word in enumerate(program):
        memory.write32(0x8000_0800 + 4 * k, word)
    unit = SoftwareUnit(memory, num_contexts=1)
    vcpu = unit.contexts[0]
    vcpu.set_state({"pc": 0x8000_0800, "x1": 0x8000_2004, "x7": 20})
    if mode == "run":
        exit_record = vcpu.run_now()
    else:
        while not isinstance(exit_record := vcpu.step(), ExitRecord) and not exit_record.ext_exit:
            pass
        exit_record = vcpu.last_exit
    assert exit_record.scause == 10 and vcpu.x[6] == 20
    assert memory.read32(0x8000_2004) == 20
