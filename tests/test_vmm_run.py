"""run_guests end to end on the software unit, with the tiny Python-assembled guests."""
from __future__ import annotations

import pytest

from vmm_model.run import HOST_BASE, RunOptions, run_guests
from vmm_model.vmm.errors import GuestInputError

from . import test_vmm_asm as asm



def test_pass_with_output(elf):
    result = run_guests([elf(asm.HELLO)])
    assert (result.status, result.exit_status, result.output) == ("pass", 0, b"hi")
    assert result.instructions > 0
    assert "system_reset" in result.message


def test_guest_failure(elf):
    result = run_guests([elf(asm.FAIL)])
    assert (result.status, result.exit_status) == ("fail", 1)
    assert "system failure" in result.message


def test_instruction_budget_is_exact(elf):
    result = run_guests([elf(asm.LOOP)], RunOptions(max_instructions=1234, quantum=100))
    assert (result.status, result.exit_status, result.instructions) == ("timeout", 3, 1234)
    assert "1234" in result.message and "--max-instructions" in result.message


@pytest.mark.parametrize("contexts", [1, 2, 4])
def test_multi_vcpu_on_fast_and_slow_switches(elf, contexts):
    result = run_guests([elf(asm.multi_vcpu(3))],
                        RunOptions(vcpus=3, contexts=contexts, quantum=50))
    assert result.status == "pass", result.message
    assert sorted(result.output) == sorted(b"ABC")
    if contexts < 3:
        assert result.world_switches["slow"] > 3
    else:
        assert result.world_switches["slow"] == 3


def test_swap_under_a_memory_budget_keeps_contents(elf):
    program = asm.memtest(pages=40)
    result = run_guests([elf(program)], RunOptions(mem_budget=12 * 4096))
    assert result.status == "pass", result.message
    paging = result.vms[0].paging
    assert paging.swap_outs >= 40 and paging.swap_ins >= 28
    unlimited = run_guests([elf(program)])
    assert unlimited.status == "pass" and unlimited.vms[0].paging.swap_outs == 0


def test_two_vms_at_once(elf):
    result = run_guests([elf(asm.HELLO, "a.elf"), elf(asm.memtest(4), "b.elf")],
                        RunOptions(quantum=7))
    assert result.status == "pass"
    assert [vm.vmid for vm in result.vms] == [1, 2]
    assert [vm.status for vm in result.vms] == ["pass", "pass"]
    assert result.vms[0].output == b"hi" and result.vms[1].output == b""


def test_one_failing_vm_fails_the_run(elf):
    result = run_guests([elf(asm.HELLO, "a.elf"), elf(asm.FAIL, "b.elf")])
    assert result.status == "fail" and [vm.status for vm in result.vms] == ["pass", "fail"]


def test_signature_words(elf, tmp_path):
    out = tmp_path / "sig.txt"
    path = elf(asm.signature_writer(), symbols=asm.SIGNATURE_SYMBOLS, data_pages=1)
    result = run_guests([path], RunOptions(signature_path=str(out)))
    assert result.signature == [0xDEADBEEF, 1, 0xA0]
    assert out.read_text() == "deadbeef\n00000001\n000000a0\n"


def test_trace_has_one_line_per_retirement(elf, tmp_path):
    out = tmp_path / "trace.txt"
    result = run_guests([elf(asm.HELLO)], RunOptions(trace_path=str(out)))
    lines = out.read_text().splitlines()
    assert len(lines) == result.instructions
    assert "vm0.cpu0" in lines[0] and "80000000" in lines[0]
    assert any("ecall" in line and "exit" in line for line in lines)


def test_same_seed_same_run_other_seed_other_frames(elf, tmp_path):
    options = RunOptions(trace_path=str(tmp_path / "t1"), seed=5)
    run_guests([elf(asm.memtest(3))], options)
    options.trace_path = str(tmp_path / "t2")
    run_guests([elf(asm.memtest(3))], options)
    options.trace_path, options.seed = str(tmp_path / "t3"), 6
    run_guests([elf(asm.memtest(3))], options)
    t1, t2, t3 = ((tmp_path / n).read_text() for n in ("t1", "t2", "t3"))
    assert t1 == t2
    assert t1 != t3          # same guest behaviour, other host-physical addresses
    assert f"(pa {HOST_BASE >> 28:#x}" in t1           # host frames live above HOST_BASE


@pytest.mark.parametrize("options,match", [
    (RunOptions(vcpus=0), "--vcpus"), (RunOptions(contexts=0), "--contexts"),
    (RunOptions(mem=4097), "--mem"), (RunOptions(mem_budget=4096), "--mem-budget"),
    (RunOptions(quantum=0), "--quantum"), (RunOptions(max_instructions=0), "--max-instructions"),
    (RunOptions(mem=1 << 31), "--mem"),
])
def test_bad_options(elf, options, match):
    with pytest.raises(GuestInputError, match=match):
        run_guests([elf(asm.HELLO)], options)


def test_bad_inputs(elf, tmp_path):
    junk = tmp_path / "junk.elf"
    junk.write_bytes(b"not an elf at all")
    with pytest.raises(GuestInputError, match="junk.elf"):
        run_guests([str(junk)])
    with pytest.raises(GuestInputError, match="outside guest RAM"):
        run_guests([elf(asm.HELLO, data_pages=2)], RunOptions(mem=4096))
    with pytest.raises(GuestInputError, match="begin_signature, end_signature"):
        run_guests([elf(asm.HELLO)], RunOptions(signature_path=str(tmp_path / "s")))


def test_internal_error_is_reported_not_raised(elf, monkeypatch):
    from vmm_model.vmm import exits

    async def broken(self, vcpu, exit):
        raise RuntimeError("exit handler exploded")
    monkeypatch.setattr(exits.ExitHandler, "handle", broken)
    result = run_guests([elf(asm.HELLO)])
    assert (result.status, result.exit_status) == ("error", 4)
    assert "exploded" in result.message and "Traceback" in result.details
