"""Planted bugs: the lockstep scoreboard must report each one at its first divergence.

Each mutant copies rtl/ into its own directory, plants one bug into the copy (a text
substitution done here, at test time; the real RTL has no switch for it), builds
that copy (Icarus: a build takes under a second; Verilator for the one whose guest
is slow on Icarus) and runs one guest under lockstep.
The run must end in a mismatch of the expected kind naming the expected field.
Where the reference alone predicts where the bug first matters (``first``: a
predicate on the reference's retirements), the reported pc and the last RTL
record of the history must be exactly that retirement.

Mutants cover the ALU, branches, loads, M extension, CSR access rules, trap and
interrupt routing, interrupt priority, translation (a permission bit, G-stage
versus VS-stage faults, load versus store guest-page faults), TLB tagging (the
VMID, caught by the isolation checker as a security violation), the exit record
and the context switch.  The list is in docs/cosim.md ("Planted bugs").
"""
from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from tests.guests.build import discover
from tests.test_cosim import job_of

M32 = 0xFFFF_FFFF
BY_NAME = {s.name: s for s in discover()}


def _b_operand(rec, ins) -> int:
    return rec.rs2_rdata if ins.name in ("xor", "sub", "add") else ins.imm & M32


def _signed(value: int) -> int:
    return value - (1 << 32) if value >> 31 else value


@dataclass(frozen=True)
class Mutant:
    file: str                 # rtl/ file the bug goes into
    original: str             # text that must occur exactly once in it
    planted: str              # what replaces it
    guests: tuple[str, ...]   # the guest ELFs of the run (several: several VMs)
    kind: str                 # Mismatch kind expected: mismatch | isolation
    field: str                # the first divergent field the report must name
    first: Callable | None = None   # (reference record, decoded insn) -> the bug shows here
    options: dict | None = None     # job options overriding the guest header's
    sim: str = "icarus"             # verilator for guests that take minutes on Icarus

    def __iter__(self):
        """``file, original, planted, *rest = mutant`` (tests/test_cosim_cli.py unpacks it)."""
        return iter((self.file, self.original, self.planted, self.guests, self.kind, self.field, self.first))


MUTANTS = {
    # ALU
    "alu_xor_as_or": Mutant(
        "vcpu_alu.sv", "ALU_XOR:  result_o = a_i ^ b_i;", "ALU_XOR:  result_o = a_i | b_i;",
        ("rv32i_alu",), "mismatch", "rd_wdata",
        lambda rec, ins: ins.name in ("xor", "xori") and rec.rd_addr != 0
        and rec.rs1_rdata & _b_operand(rec, ins) != 0),
    "alu_sub_as_add": Mutant(
        "vcpu_alu.sv", "ALU_SUB:  result_o = a_i - b_i;", "ALU_SUB:  result_o = a_i + b_i;",
        ("rv32i_alu",), "mismatch", "rd_wdata",
        lambda rec, ins: ins.name == "sub" and rec.rd_addr != 0 and rec.rs2_rdata not in (0, 0x8000_0000)),
    # branch: BLT compares unsigned
    "branch_blt_unsigned": Mutant(
        "vcpu_core.sv", "3'd4:    br_taken = ($signed(rs1_val) < $signed(rs2_val));",
        "3'd4:    br_taken = (rs1_val < rs2_val);",
        ("rv32i_control",), "mismatch", "pc_wdata",
        lambda rec, ins: ins.name == "blt" and not rec.trap
        and (_signed(rec.rs1_rdata) < _signed(rec.rs2_rdata)) != (rec.rs1_rdata < rec.rs2_rdata)),
    # load: LBU/LHU sign-extend
    "load_unsigned_sign_extends": Mutant(
        "vcpu_core.sv", "assign load_signed  = ~f_funct3[2];", "assign load_signed  = 1'b1;",
        ("rv32i_memory",), "mismatch", "rd_wdata",
        lambda rec, ins: ins.name in ("lbu", "lhu") and not rec.trap and rec.rd_addr != 0
        and rec.rd_wdata >> (7 if ins.name == "lbu" else 15) & 1),
    # M extension: MULH treats rs2 as unsigned (MULHSU)
    "muldiv_mulh_as_mulhsu": Mutant(
        "vcpu_muldiv.sv", "assign b_signed = (op_i == MD_MULH);", "assign b_signed = 1'b0;",
        ("rv32m",), "mismatch", "rd_wdata",
        lambda rec, ins: ins.name == "mulh" and rec.rd_addr != 0 and rec.rs2_rdata >> 31 and rec.rs1_rdata != 0),
    # CSR access rules: a VS CSR by its own address is allowed instead of a virtual instruction
    "csr_vs_csr_allowed": Mutant(
        "vcpu_csr.sv", "(cnt_virt || is_h || is_vs || stc_virt || s_virt)",
        "(cnt_virt || is_h || stc_virt || s_virt)",
        ("virtual_instruction",), "mismatch", "trap",
        lambda rec, ins: rec.trap and rec.ext_cause == 22 and ins.name.startswith("csr")
        and 0x200 <= rec.insn >> 20 <= 0x2FF),
    # trap routing: hedeleg ignored (every exception exits)
    "trap_hedeleg_ignored": Mutant(
        "vcpu_core.sv", "assign trap_deleg = hedeleg[trap_cause];", "assign trap_deleg = 1'b0;",
        ("traps_delegated",), "mismatch", "pc_wdata",    # the RTL exits instead of entering VS
        lambda rec, ins: rec.trap and not rec.ext_exit),
    # interrupt routing: hideleg ignored (every interrupt exits to the VMM)
    "irq_hideleg_ignored": Mutant(
        "vcpu_core.sv", "assign irq_hs      = irq_pend & ~hideleg;", "assign irq_hs      = irq_pend;",
        ("interrupt_ssi",), "mismatch", "exit"),
    # interrupt priority: VSTI beats VSEI
    "irq_priority_sti_over_sei": Mutant(
        "vcpu_core.sv", "if (pend[IRQ_VSEI]) begin", "if (pend[IRQ_VSEI] && !pend[IRQ_VSTI]) begin",
        ("interrupt_vsei",), "mismatch", "rd_wdata"),      # the handler's read of scause
    # translation: a permission bit ignored -- vsstatus.SUM: VS loads/stores of U pages always allowed.
    # (The VS-paging guests spend ~100 s on Icarus building their tables: Verilator.)
    "mmu_sum_ignored": Mutant(
        "vcpu_mmu_perm.sv", ": (!perm_i[P_U] || (!is_fetch && sum_i));", ": (!perm_i[P_U] || !is_fetch);",
        ("vs_paging_priv",), "mismatch", "trap", sim="verilator"),
    # translation: a store's G-stage fault reported as a load's
    "mmu_guest_fault_store_as_load": Mutant(
        "vcpu_ptw.sv", "is_load  ? vcpu_pkg::EXC_LOAD_GUEST_PAGE : vcpu_pkg::EXC_STORE_GUEST_PAGE;",
        "is_load  ? vcpu_pkg::EXC_STORE_GUEST_PAGE : vcpu_pkg::EXC_LOAD_GUEST_PAGE;",
        ("uart_hello",), "mismatch", "ext_cause",
        lambda rec, ins: rec.trap and rec.ext_cause in (21, 23)),
    # translation: a G-stage fault reported as a VS-stage page fault
    "mmu_guest_fault_as_page_fault": Mutant(
        "vcpu_ptw.sv", "cause_d     = cause_guest;", "cause_d     = cause_page;",
        ("uart_hello",), "mismatch", "pc_wdata",     # delegated to the VS handler instead of an exit
        lambda rec, ins: rec.trap and rec.ext_cause in (20, 21, 23)),
    # TLB tagging: the VMID ignored in the lookup -> another VM's host page
    "tlb_vmid_ignored": Mutant(
        "vcpu_tlb.sv", "(vmid_q[i] == lk_vmid_i) &&", "1'b1 &&",
        ("vm_isolation_a", "vm_isolation_b"), "isolation", "m_axi"),
    # exit record: sepc = the next instruction
    "exit_sepc_next_pc": Mutant(
        "vcpu_core.sv", "assign tb_wdata = ent_vs ? ent_cause : pc;",
        "assign tb_wdata = ent_vs ? ent_cause : pc_plus4;",
        ("uart_hello",), "mismatch", "exit.sepc"),
    "exit_htinst_zero": Mutant(
        "vcpu_core.sv", "assign ent_htinst = ent_irq ? 32'd0 : trap_htinst;", "assign ent_htinst = 32'd0;",
        ("uart_hello",), "mismatch", "ext_htinst",
        lambda rec, ins: rec.ext_htinst != 0),
    # context switch: every context writes context 0's registers
    "ctx_gpr_not_per_context": Mutant(
        "vcpu_ctx_regs.sv", "gpr_q[{act_ctx_i, gpr_waddr_i}] <= gpr_wdata_i;",
        "gpr_q[{CTX_W'(0), gpr_waddr_i}] <= gpr_wdata_i;",
        ("smp_timers",), "mismatch", "rs1_rdata"),
}


def mutant_job(mutant: Mutant, elfs) -> dict:
    job = job_of(BY_NAME[mutant.guests[0]], elfs)
    job["elfs"] = [str(elfs[g]) for g in mutant.guests]
    job["options"].update(mutant.options or {})
    return job


def reference_first_divergence(mutant: Mutant, elfs):
    """(pc, order) of the first reference retirement the planted bug changes."""
    from vmm_model.hart import SoftwareUnit
    from vmm_model.isa.decode import decode
    from vmm_model.run import RunOptions, run_vmm, setup_guests

    job = mutant_job(mutant, elfs)
    options = RunOptions(console=lambda vm, data: None, **job["options"])
    setup = setup_guests(job["elfs"], options)
    records = []
    unit = SoftwareUnit(setup.memory, num_contexts=options.contexts, trace=records.append)
    asyncio.run(run_vmm(unit, setup.vms, options))
    for rec in records:
        if mutant.first(rec, decode(rec.insn)):
            return rec.pc_rdata, rec.order
    raise AssertionError("the planted bug never matters for this guest")


def mutated_sources(tmp: Path, file: str, original: str, planted: str) -> list[Path]:
    from tb.sim.tools import rtl_sources
    out = []
    for src in rtl_sources():
        dst = tmp / src.name
        text = src.read_text()
        if src.name == file:
            assert text.count(original) == 1, f"{original!r} not found once in {file}: update the mutant"
            text = text.replace(original, planted)
        if not dst.exists() or dst.read_text() != text:
            part = dst.with_name(f".{dst.name}.{os.getpid()}")
            part.write_text(text)
            part.replace(dst)           # atomic: a concurrent build never reads half a file
        out.append(dst)
    return out


def mutant_rtl_dir(name: str) -> Path:
    """build/mutants/<name>/: the mutated copy of rtl/.  A fixed place, so the simulator build
    of an unchanged mutant is reused from one test session to the next (tb.sim.runner)."""
    from tb.sim.tools import BUILD_DIR
    mutant = MUTANTS[name]
    where = BUILD_DIR / "mutants" / name
    where.mkdir(parents=True, exist_ok=True)
    mutated_sources(where, mutant.file, mutant.original, mutant.planted)
    return where


def run_mutant(name: str, elfs, tmp_path: Path, **job_keys) -> dict:
    """Build mutant ``name`` (cached) and run its guest(s) under lockstep; the job result."""
    from tb.cosim import run_cosim
    from tb.sim.tools import rtl_sources
    mutant = MUTANTS[name]
    sources = [mutant_rtl_dir(name) / src.name for src in rtl_sources()]
    job = {**mutant_job(mutant, elfs), "name": name, **job_keys}
    [result] = run_cosim([job], sim=mutant.sim, work_dir=tmp_path / "run", sources=sources)
    return result


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_planted_bug_is_reported_at_its_first_divergence(name, guest_elfs, tmp_path):
    mutant = MUTANTS[name]
    result = run_mutant(name, guest_elfs, tmp_path)
    assert result["status"] == "mismatch", result
    mismatch = result["mismatch"]
    report = result["report"]
    assert mismatch["kind"] == mutant.kind, report
    assert mismatch["field"] == mutant.field, report
    assert result["checked"] == mismatch["instructions_checked"]
    if mutant.kind == "isolation":
        assert "SECURITY VIOLATION" in report
    if mutant.first is not None:
        pc, order = reference_first_divergence(mutant, guest_elfs)
        assert mismatch["pc"] == pc, f"reported pc {mismatch['pc']:#x}, expected {pc:#x}\n{report}"
        assert f"pc {pc:#010x}" in report and "expected" in report
        last_rtl = mismatch["history"][-1]["rtl"]
        assert last_rtl["order"] == order and last_rtl["pc_rdata"] == pc


def test_mutants_cover_the_areas_of_the_issue():
    areas = {"alu", "branch", "load", "muldiv", "csr", "trap", "irq", "mmu", "tlb", "exit", "ctx"}
    assert {name.split("_")[0] for name in MUTANTS} == areas
    assert len(MUTANTS) >= 12


def test_mutated_copy_leaves_the_real_rtl_alone(tmp_path):
    from tb.sim.tools import rtl_sources
    before = {p: p.read_bytes() for p in rtl_sources()}
    mutant = MUTANTS["alu_xor_as_or"]
    mutated_sources(tmp_path, mutant.file, mutant.original, mutant.planted)
    assert {p: p.read_bytes() for p in rtl_sources()} == before
    assert mutant.original not in (tmp_path / mutant.file).read_text()
