"""The lockstep scoreboard and the isolation checker without a simulator.

The "RTL" side is a second reference hart run on its own memory: its records
must all match; a record with one field changed must be reported with that
field and pc; an m_axi address of another VM must be a security violation.
"""
from __future__ import annotations

import dataclasses

import pytest

from interfaces.trace import ExitRecord, RetireRecord
from tb.scoreboard import IsolationChecker, Scoreboard
from vmm_model.hart import SoftwareUnit
from vmm_model.run import RunOptions, setup_guests


def _two_harts(elf):
    options = RunOptions(console=lambda vm, data: None)
    a = setup_guests([str(elf)], options)
    b_memory = a.memory.snapshot()
    dut = SoftwareUnit(a.memory, num_contexts=1)
    ref = SoftwareUnit(b_memory, num_contexts=1)
    for unit in (dut, ref):
        ctx = unit.contexts[0]
        ctx.set_state(a.vms[0].vcpus[0].saved)
        ctx.prepare_run(0)
    return dut.contexts[0], ref.contexts[0]


def _rtl_records(ctx, n):
    out = []
    while len(out) < n:
        rec = ctx.step()
        if isinstance(rec, ExitRecord):
            break
        out.append(rec)
        if rec.ext_exit:
            break
    return out


def test_identical_records_all_pass(guest_elfs):
    rtl, ref = _two_harts(guest_elfs["rv32i_alu"])
    sb = Scoreboard()
    sb.active = ref
    records = _rtl_records(rtl, 200)
    for rec in records:
        sb.retire(rec)
    assert sb.failure is None
    assert sb.checked == len(records) > 10


@pytest.mark.parametrize("field", ["rd_wdata", "pc_wdata", "mem_addr", "trap", "ext_ctx", "order"])
def test_first_divergent_field_and_pc_are_reported(guest_elfs, field):
    rtl, ref = _two_harts(guest_elfs["rv32i_alu"])
    sb = Scoreboard()
    sb.active = ref
    records = _rtl_records(rtl, 40)
    bad_index = next(i for i, r in enumerate(records) if i > 5 and (field != "mem_addr" or r.mem_rmask or r.mem_wmask)
                     and (field != "rd_wdata" or r.rd_addr))
    for i, rec in enumerate(records[:bad_index + 1]):
        if i == bad_index:
            rec = dataclasses.replace(rec, **{field: getattr(rec, field) ^ 1})
        sb.retire(rec)
    assert sb.failure is not None
    assert sb.failure.data["field"] == field
    assert sb.failure.data["pc"] == records[bad_index].pc_rdata
    assert sb.checked == bad_index
    text = str(sb.failure)
    assert f"pc {records[bad_index].pc_rdata:#010x}" in text and "RTL" in text and "REF" in text


def test_exit_fields_are_compared(guest_elfs):
    rtl, ref = _two_harts(guest_elfs["rv32i_alu"])
    sb = Scoreboard()
    ref.request_stop()
    sb.exit(ref, ExitRecord(ctx=0, scause=ref.get_state(["scause"])["scause"] | 1 << 31 | 1, sepc=ref.pc + 4))
    assert sb.failure is not None and sb.failure.data["field"] == "exit.sepc"


def test_isolation_violation(guest_elfs):
    options = RunOptions(console=lambda vm, data: None)
    setup = setup_guests([str(guest_elfs["vm_isolation_a"]), str(guest_elfs["vm_isolation_b"])], options)
    vm0, vm1 = setup.vms
    sb = Scoreboard()
    check = IsolationChecker(sb, setup.vms)
    own = next(a for a in range(setup.memory.base, setup.memory.base + setup.memory.size, 4096)
               if vm0.owns_host_address(a))
    check.running(vm0.vcpus[0].saved["hgatp"])
    check(own, 4, False)
    assert sb.failure is None
    check.running(vm1.vcpus[0].saved["hgatp"])
    check(own, 4, True)
    assert sb.failure is not None and sb.failure.kind == "isolation"
    assert "SECURITY VIOLATION" in str(sb.failure) and "vm0" in str(sb.failure)


def test_access_with_nothing_running_is_a_violation():
    sb = Scoreboard()
    IsolationChecker(sb, [])(0x4000_0000, 4, False)
    assert sb.failure is not None and sb.failure.kind == "isolation"


def test_records_are_plain_retire_records():
    assert {f.name for f in dataclasses.fields(RetireRecord)} >= {"order", "insn", "ext_ctx"}
