"""CSR redirection and the virtual-instruction vs illegal-instruction table (digest §2-§3)."""
from __future__ import annotations

import pytest

from vmm_model.hart.guestbuild import Machine
from vmm_model.isa.encode import encode

ILLEGAL, VIRTUAL = 2, 22
ECALL_VU, ECALL_VS = 8, 10


HANDLER = 0x8000_0100


def run_one(words, priv=1, mode="run", **fields):
    machine = Machine()
    words = [words] if isinstance(words, int) else list(words)
    machine.load(words + [encode("ecall")])
    machine.load([encode("ecall")], HANDLER)     # a VS trap handler that exits at once
    machine.start(priv=priv, **fields)
    exit_record = machine.run() if mode == "run" else machine.step_to_exit()[1]
    return machine, exit_record


def passes(exit_record, priv=1):
    return exit_record.scause == (ECALL_VS if priv else ECALL_VU)


def csrr(csr, rd=5):
    return encode("csrrs", rd=rd, rs1=0, csr=csr)


def csrw(csr, rs1=6):
    return encode("csrrw", rd=0, rs1=rs1, csr=csr)


@pytest.mark.parametrize("s_csr, vs_field, value, expect", [
    (0x100, "vsstatus", 0xFFFF_FFFF, 0x000C_0122),
    (0x105, "vstvec", 0x8000_1003, 0x8000_1001),
    (0x140, "vsscratch", 0xDEAD_BEEF, 0xDEAD_BEEF),
    (0x141, "vsepc", 0x8000_0007, 0x8000_0004),
    (0x142, "vscause", 0x8000_0005, 0x8000_0005),
    (0x143, "vstval", 0x1234, 0x1234),
    (0x180, "vsatp", 0x0040_0123, 0x0040_0123),   # Bare: translation unchanged
    (0x14D, "vstimecmp", 0x55, 0x55),
    (0x15D, "vstimecmph", 0x66, 0x66),
])
def test_s_csr_is_redirected_to_vs_csr(s_csr, vs_field, value, expect):
    # write then read back through the S address; the HS view is untouched by construction
    machine, exit_record = run_one([csrw(s_csr), csrr(s_csr, rd=7)], x6=value, henvcfgh=1 << 31,
                                   hcounteren=7)
    assert passes(exit_record), exit_record
    assert machine.vcpu.get_state([vs_field])[vs_field] == expect
    assert machine.reg(7) == expect


def test_sie_sip_alias_hie_hvip_through_hideleg():
    # hideleg delegates VSTI only: vsie.SSIE/SEIE are read-only 0
    machine, exit_record = run_one([csrw(0x104), csrr(0x104, rd=7), csrw(0x144, rs1=8),
                                    csrr(0x144, rd=9)],
                                   x6=0xFFFF_FFFF, x8=0xFFFF_FFFF, hideleg=0x40, hvip=0x400)
    assert passes(exit_record)
    state = machine.vcpu.get_state(["hie", "hvip"])
    assert state["hie"] == 0x40
    assert machine.reg(7) == 0x20
    assert state["hvip"] == 0x400                 # VSSIP not delegated: vsip.SSIP read-only 0
    assert machine.reg(9) == 0                    # VSEIP pending but not delegated: invisible
    machine, _ = run_one([csrw(0x144), csrr(0x144, rd=7)], x6=0x2, hideleg=0x444)
    assert machine.vcpu.get_state(["hvip"])["hvip"] == 0x4   # vsip.SSIP writes hvip.VSSIP
    assert machine.reg(7) == 0x2


@pytest.mark.parametrize("word, priv, fields, cause", [
    # VS/H CSRs by their own address from V=1
    (csrr(0x200), 1, {}, VIRTUAL),
    (csrr(0x280), 1, {}, VIRTUAL),
    (csrr(0x600), 1, {}, VIRTUAL),
    (csrr(0x680), 0, {}, VIRTUAL),
    (csrr(0x645), 1, {}, VIRTUAL),
    (csrr(0xE12), 1, {}, VIRTUAL),               # hgeip read
    (csrw(0xE12), 1, {}, ILLEGAL),               # hgeip write: read-only first
    (csrr(0x6A8), 1, {}, ILLEGAL),               # hcontext: not implemented
    (csrr(0x60C), 1, {}, ILLEGAL),               # hstateen0: not implemented
    # M-level and unimplemented CSRs
    (csrr(0x300), 1, {}, ILLEGAL),
    (csrr(0xF14), 1, {}, ILLEGAL),
    (csrr(0x7C0), 1, {}, ILLEGAL),
    (csrr(0x5A8), 1, {}, ILLEGAL),
    (csrr(0xC03), 1, {}, ILLEGAL),               # hpmcounter3
    # S CSRs from VU
    (csrr(0x100), 0, {}, VIRTUAL),
    (csrr(0x140), 0, {}, VIRTUAL),
    (csrr(0x180), 0, {}, VIRTUAL),
    (csrr(0x106), 0, {}, VIRTUAL),
    # satp with VTVM
    (csrr(0x180), 1, {"hstatus": 1 << 20}, VIRTUAL),
    # counters
    (csrr(0xC01), 1, {"mcounteren": 0x5, "hcounteren": 7}, ILLEGAL),
    (csrr(0xC81), 1, {"mcounteren": 0x5, "hcounteren": 7}, ILLEGAL),
    (csrr(0xC00), 1, {"hcounteren": 0x6}, VIRTUAL),
    (csrr(0xC80), 1, {"hcounteren": 0x6}, VIRTUAL),
    (csrr(0xC02), 0, {"hcounteren": 7, "scounteren": 0x3}, VIRTUAL),
    (csrw(0xC00), 1, {"hcounteren": 0}, ILLEGAL),   # write to read-only counter
    # stimecmp (Sstc)
    (csrr(0x14D), 1, {"henvcfgh": 0, "hcounteren": 7}, VIRTUAL),
    (csrr(0x14D), 1, {"henvcfgh": 1 << 31, "mcounteren": 0x5, "hcounteren": 7}, ILLEGAL),
    (csrr(0x15D), 1, {"henvcfgh": 1 << 31, "hcounteren": 0x5}, VIRTUAL),
    (csrr(0x14D), 0, {"henvcfgh": 1 << 31, "hcounteren": 7, "scounteren": 7}, VIRTUAL),
    # instructions
    (encode("sret"), 1, {"hstatus": 1 << 22}, VIRTUAL),
    (encode("sret"), 0, {}, VIRTUAL),
    (encode("wfi"), 1, {"hstatus": 1 << 21}, VIRTUAL),
    (encode("wfi"), 0, {}, VIRTUAL),
    (encode("sfence.vma", rs1=0, rs2=0), 1, {"hstatus": 1 << 20}, VIRTUAL),
    (encode("sfence.vma", rs1=0, rs2=0), 0, {}, VIRTUAL),
    (encode("mret"), 1, {}, ILLEGAL),
    (encode("hlv.w", rd=5, rs1=6), 1, {}, VIRTUAL),
    (encode("hlvx.hu", rd=5, rs1=6), 0, {}, VIRTUAL),
    (encode("hsv.b", rs1=6, rs2=5), 1, {}, VIRTUAL),
    (encode("hfence.vvma", rs1=0, rs2=0), 1, {}, VIRTUAL),
    (encode("hfence.gvma", rs1=0, rs2=0), 0, {}, VIRTUAL),
    (0x68104073, 1, {}, ILLEGAL),                # hlv.wu: RV64 only
    (0x6E004073, 1, {}, ILLEGAL),                # hsv.d: RV64 only
    (0x0000_0000, 1, {}, ILLEGAL),
    (0x4200_5013 | (1 << 25), 1, {}, ILLEGAL),   # srai with shamt[5]
])
@pytest.mark.parametrize("mode", ["run", "step"])
def test_virtual_vs_illegal(word, priv, fields, cause, mode):
    machine, exit_record = run_one(word, priv=priv, mode=mode, **fields)
    assert exit_record.scause == cause, exit_record
    assert exit_record.stval == word               # instruction bits in stval
    assert exit_record.sepc == 0x8000_0000
    assert exit_record.htval == 0 and exit_record.htinst == 0 and exit_record.gva == 0
    assert exit_record.spvp == priv
    assert machine.vcpu.get_state(["pc", "priv"]) == {"pc": 0x8000_0000, "priv": priv}


@pytest.mark.parametrize("word, priv, fields", [
    (csrr(0x100), 1, {}),
    (csrr(0x106), 1, {}),                        # scounteren is not duplicated
    (csrr(0x10A), 1, {}),                        # senvcfg: read-only 0 but accessible
    (csrr(0xC00), 1, {"hcounteren": 1}),
    (csrr(0xC02), 0, {"hcounteren": 4, "scounteren": 4}),
    (encode("csrrs", rd=5, rs1=0, csr=0xC01), 1, {"hcounteren": 2}),   # read-only, no write
    (encode("csrrsi", rd=5, rs1=0, csr=0xC01), 1, {"hcounteren": 2}),
    (csrr(0x14D), 1, {"henvcfgh": 1 << 31, "hcounteren": 2}),
    (encode("wfi"), 1, {"hstatus": 0}),          # VTW = 0: a NOP
    (encode("sfence.vma", rs1=0, rs2=0), 1, {}),
])
def test_allowed_accesses(word, priv, fields):
    _, exit_record = run_one(word, priv=priv, **fields)
    assert passes(exit_record, priv), exit_record


def test_illegal_delegated_virtual_not():
    machine, exit_record = run_one(encode("mret"), hedeleg=1 << 2 | 1 << 22, vstvec=0x8000_0100)
    assert exit_record.scause == ECALL_VS and exit_record.sepc == HANDLER
    state = machine.vcpu.get_state(["vscause", "vsepc", "vstval", "hedeleg"])
    assert state["vscause"] == 2 and state["vsepc"] == 0x8000_0000
    assert state["vstval"] == encode("mret")
    assert state["hedeleg"] == 1 << 2            # bit 22 is read-only 0: virtual instruction exits
    _, exit_record = run_one(csrr(0x600), hedeleg=0xFFFF_FFFF, vstvec=0x8000_0100)
    assert exit_record.scause == VIRTUAL and exit_record.sepc == 0x8000_0000


def test_counters_read_time_instret_cycle():
    machine = Machine()
    machine.load([encode("addi", rd=1, imm=1), csrr(0xC01, rd=5), csrr(0xC81, rd=6),
                  csrr(0xC02, rd=7), csrr(0xC00, rd=8), csrr(0xC82, rd=9), encode("ecall")])
    machine.unit.time = 100
    machine.start(hcounteren=7, htimedelta=0xFFFF_FFF0, htimedeltah=1, instret=0xFFFF_FFFF)
    exit_record = machine.run()
    assert exit_record.scause == ECALL_VS
    guest_time = 101 + 0x1_FFFF_FFF0       # one record retired before the read
    assert machine.reg(5) == guest_time & 0xFFFF_FFFF
    # timeh is read one record later: guest time then is guest_time + 1
    assert machine.reg(6) == (guest_time + 1) >> 32
    assert machine.reg(7) == (0xFFFF_FFFF + 3) & 0xFFFF_FFFF
    assert machine.reg(9) == 1              # instret carried into instreth
    assert machine.reg(8) == 4              # cycle counts like instret (started at 0)
    assert machine.unit.time == 107         # seven records, the ecall's included


def test_csr_write_record_fields():
    machine = Machine()
    machine.load([encode("csrrw", rd=5, rs1=6, csr=0x100), encode("csrrs", rd=7, rs1=0, csr=0x140),
                  encode("ecall")])
    machine.start(x6=0xFFFF_FFFF, vsstatus=0x2)
    records, exit_record = machine.step_to_exit()
    first, second = records[0], records[1]
    assert (first.ext_csr_wen, first.ext_csr_addr, first.ext_csr_wdata) == (1, 0x200, 0x000C_0122)
    assert (first.rd_addr, first.rd_wdata, first.rs1_addr, first.rs1_rdata) == (5, 0x2, 6, 0xFFFF_FFFF)
    assert second.ext_csr_wen == 0 and second.rd_wdata == 0
    assert records[2].trap == 1 and records[2].ext_exit == 1 and records[2].ext_cause == 10


def test_csr_immediate_forms_record_rd_and_no_rs1():
    machine = Machine()
    machine.load([encode("csrrwi", rd=5, rs1=0x1F, csr=0x140), encode("csrrsi", rd=6, rs1=0, csr=0x140),
                  encode("csrrci", rd=7, rs1=0x3, csr=0x140), encode("ecall")])
    machine.start(vsscratch=0x100)
    records, _ = machine.step_to_exit()
    assert [(r.rd_addr, r.rd_wdata, r.rs1_addr, r.rs1_rdata) for r in records[:3]] == [
        (5, 0x100, 0, 0), (6, 0x1F, 0, 0), (7, 0x1F, 0, 0)]
    assert [(r.ext_csr_wen, r.ext_csr_wdata) for r in records[:3]] == [(1, 0x1F), (0, 0), (1, 0x1C)]
