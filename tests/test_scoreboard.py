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


# -- continue-and-count: the shadow follows the RTL after each mismatch ------------------------
def _corrupt(dut, rec, bit: int = 1 << 4):
    """A real 'RTL' bug at this retirement: the hart's own rd value changes, and its record."""
    dut.x[rec.rd_addr] ^= bit
    return dataclasses.replace(rec, rd_wdata=rec.rd_wdata ^ bit)


def _run_corrupted(guest_elfs, corrupt_at: set[int], **scoreboard):
    dut, ref = _two_harts(guest_elfs["rv32i_alu"])
    sb = Scoreboard(**scoreboard)
    sb.active = ref
    fed = 0
    while fed < 300 and not sb.stopped:
        rec = dut.step()
        if isinstance(rec, ExitRecord) or rec.ext_exit:
            break
        if fed in corrupt_at and rec.rd_addr:
            rec = _corrupt(dut, rec)
        sb.retire(rec)
        fed += 1
    return sb, fed


def test_continue_counts_each_mismatch_and_follows_the_rtl(guest_elfs):
    dut, _ = _two_harts(guest_elfs["rv32i_alu"])
    records = _rtl_records(dut, 300)
    with_rd = [i for i, r in enumerate(records) if r.rd_addr and not r.trap][5:70:25]
    assert len(with_rd) == 3
    sb, fed = _run_corrupted(guest_elfs, set(with_rd), continue_on_mismatch=True)
    assert sb.mismatches == 3 and not sb.stopped
    assert sb.failure.data["field"] == "rd_wdata" and sb.failure.data["pc"] == records[with_rd[0]].pc_rdata
    assert sb.checked == fed - 3          # everything after each resync matched again
    assert sb.mismatch_kinds == {"mismatch": 3}


def test_continue_stops_at_max_mismatches(guest_elfs):
    dut, _ = _two_harts(guest_elfs["rv32i_alu"])
    records = _rtl_records(dut, 300)
    with_rd = [i for i, r in enumerate(records) if r.rd_addr and not r.trap][5:70:25]
    sb, fed = _run_corrupted(guest_elfs, set(with_rd), continue_on_mismatch=True, max_mismatches=2)
    assert sb.mismatches == 2 and sb.stopped and fed == with_rd[1] + 1


def test_stop_at_first_is_the_default(guest_elfs):
    dut, _ = _two_harts(guest_elfs["rv32i_alu"])
    records = _rtl_records(dut, 300)
    with_rd = [i for i, r in enumerate(records) if r.rd_addr and not r.trap][5:70:25]
    sb, fed = _run_corrupted(guest_elfs, set(with_rd))
    assert sb.mismatches == 1 and sb.stopped and fed == with_rd[0] + 1


def test_store_mismatch_resyncs_the_shadow_memory(guest_elfs):
    """A corrupted store: the shadow's memory takes the RTL's bytes, later loads agree."""
    options = RunOptions(console=lambda vm, data: None)
    a = setup_guests([str(guest_elfs["rv32i_memory"])], options)
    ref_memory = a.memory.snapshot()
    dut_unit, ref_unit = SoftwareUnit(a.memory, num_contexts=1), SoftwareUnit(ref_memory, num_contexts=1)
    for unit in (dut_unit, ref_unit):
        unit.contexts[0].set_state(a.vms[0].vcpus[0].saved)
        unit.contexts[0].prepare_run(0)
    dut, ref = dut_unit.contexts[0], ref_unit.contexts[0]
    sb = Scoreboard(continue_on_mismatch=True)
    sb.copy_rtl_memory = lambda addr, n: ref_memory.write(addr, a.memory.read(addr, n))
    sb.active = ref
    corrupted = None
    for _ in range(400):
        rec = dut.step()
        if isinstance(rec, ExitRecord) or rec.ext_exit:
            break
        if corrupted is None and rec.mem_wmask == 0xF:
            corrupted = rec.ext_mem_paddr
            a.memory.write32(corrupted, rec.mem_wdata ^ 0x100)
            rec = dataclasses.replace(rec, mem_wdata=rec.mem_wdata ^ 0x100)
        sb.retire(rec)
    assert corrupted is not None and sb.failure.data["field"] == "mem_wdata"
    assert ref_memory.read(corrupted, 4) == a.memory.read(corrupted, 4)


# -- the mismatch report builder ----------------------------------------------------------------
def _mismatch_result(guest_elfs):
    dut, ref = _two_harts(guest_elfs["rv32i_alu"])
    sb = Scoreboard()
    sb.active = ref
    sb.events.append({"time_ns": 5, "event": "run", "ctx": 0, "budget": 0, "pc": 0x8000_0000})
    records = _rtl_records(dut, 200)
    bad = next(i for i, r in enumerate(records) if i > 40 and r.rd_addr and not r.trap)
    for rec in records[:bad]:
        sb.retire(rec)
    sb.retire(dataclasses.replace(records[bad], rd_wdata=records[bad].rd_wdata ^ 0xF0))
    f = sb.failure
    result = {"name": "rv32i_alu", "status": "mismatch", "message": str(f).splitlines()[0], "report": str(f),
              "mismatch": {"kind": f.kind, **f.data}, "mismatch_count": sb.mismatches, "checked": sb.checked}
    job = {"name": "rv32i_alu", "elfs": [str(guest_elfs["rv32i_alu"])],
           "options": {"seed": 7, "quantum": 250, "contexts": 1, "mem_budget": None}}
    return result, job, records[bad]


def test_report_files_name_the_divergence(guest_elfs, tmp_path):
    import json

    from tb.mismatch_report import REPORT_FILES, write_report
    result, job, bad = _mismatch_result(guest_elfs)
    files = write_report(tmp_path, result, job, "icarus", sources=[tmp_path / "rtl" / "vcpu_alu.sv"])
    assert sorted(files) == sorted(REPORT_FILES) and all((tmp_path / n).is_file() for n in REPORT_FILES)
    report = json.loads((tmp_path / "mismatch.json").read_text())
    assert report["field"] == "rd_wdata" and report["pc"] == bad.pc_rdata
    assert {"field": "rd_wdata", "expected": bad.rd_wdata, "actual": bad.rd_wdata ^ 0xF0} in report["differences"]
    assert len(report["history"]) == 32 and report["history"][-1]["rtl"]["pc_rdata"] == bad.pc_rdata
    regs = report["registers"]
    assert regs["differ"] == [bad.rd_addr] and regs["rtl"][bad.rd_addr] == bad.rd_wdata ^ 0xF0
    assert regs["ref"][bad.rd_addr] == bad.rd_wdata
    assert report["events"][0]["event"] == "run" and report["mismatch_count"] == 1
    assert report["command"].startswith(f"HVCOSIM_RTL_DIR={tmp_path / 'rtl'} hvcosim cosim ")
    assert "--sim icarus" in report["command"] and "--seed 7" in report["command"]
    assert "--mem-budget" not in report["command"]
    text = (tmp_path / "mismatch.txt").read_text()
    assert f"rd_wdata at pc {bad.pc_rdata:#x}" in text and f"x{bad.rd_addr} " in text and "reproduce:" in text
    page = (tmp_path / "mismatch.html").read_text()
    assert "<tr class='diverge'><td>rd_wdata</td>" in page and "http" not in page.split("</style>")[0]


def test_reproduce_command_uses_the_job_options():
    from tb.mismatch_report import reproduce_command
    job = {"elfs": ["/g/a.elf", "/g/b.elf"], "options": {"vcpus": 2, "seed": 3, "signature_path": None},
           "backpressure": 0.25, "continue": True, "max_mismatches": 9}
    cmd = reproduce_command(job, "verilator", waves=True)
    assert cmd == ("hvcosim cosim /g/a.elf /g/b.elf --sim verilator --vcpus 2 --seed 3 --axi-backpressure 0.25 "
                   "--continue --max-mismatches 9 --waves")
    assert reproduce_command({**job, "command": "hvcosim cosim x.elf"}, "icarus") == "hvcosim cosim x.elf"
    fast = reproduce_command({"elfs": ["/g/a.elf"], "memory": "fast"}, "verilator")
    assert fast == "hvcosim cosim /g/a.elf --sim verilator --memory fast"


def test_report_gives_the_wave_files_and_the_window(guest_elfs, tmp_path):
    import json

    from tb.mismatch_report import CLOCK_PERIOD_NS, WAVE_WINDOW_CYCLES, write_report
    result, job, _ = _mismatch_result(guest_elfs)
    result["mismatch"]["time_ns"] = 100_000
    (tmp_path / "sim").mkdir()
    (tmp_path / "sim" / "vcpu_unit.fst").write_bytes(b"")
    write_report(tmp_path / "run", result, job, "icarus", waves=True, work_dir=tmp_path)
    report = json.loads((tmp_path / "run" / "mismatch.json").read_text())
    half = WAVE_WINDOW_CYCLES * CLOCK_PERIOD_NS
    assert report["waves"] == {"files": [str(tmp_path / "sim" / "vcpu_unit.fst")], "time_ns": 100_000,
                               "window_ns": [100_000 - half, 100_000 + half]}
    assert report["command"].endswith("--waves")
    assert f"window [{100_000 - half}, {100_000 + half}] ns" in (tmp_path / "run" / "mismatch.txt").read_text()


def test_vmm_state_writes_are_classified_for_the_event_log():
    from tb.scoreboard import _describe_write
    assert _describe_write({"pc": 0x8000_0000, "hgatp": 0x8000_0001, "x1": 0})["action"].startswith("load vCPU")
    assert _describe_write({"hvip": 0x4})["action"] == "interrupt injection (hvip)"
    event = _describe_write({"sepc": 0x8000_0010})
    assert event == {"action": "state write", "fields": {"sepc": "0x80000010"}, "num_fields": 1}
