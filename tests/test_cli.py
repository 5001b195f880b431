"""The hvcosim command line: options, exit statuses, one-line errors, lazy imports."""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tb import cli
from tb.cli import main, parse_size

from . import test_vmm_asm as asm

REPO = Path(__file__).resolve().parents[1]



def run_cli(capfdbinary, *argv):
    status = main([str(a) for a in argv])
    out, err = capfdbinary.readouterr()
    return status, out, err.decode()


@pytest.mark.parametrize("text,value", [("16M", 16 << 20), ("64K", 64 << 10), ("0x100000", 1 << 20),
                                        ("1G", 1 << 30), ("65536", 65536), ("8MiB", 8 << 20),
                                        ("4k", 4096)])
def test_sizes(text, value):
    assert parse_size(text) == value


def test_pass_prints_guest_output_on_stdout_and_a_summary_on_stderr(capfdbinary, elf):
    status, out, err = run_cli(capfdbinary, "run", elf(asm.HELLO))
    assert status == 0 and out == b"hi"
    assert err.startswith("hvcosim: pass:") and err.count("\n") == 1


def test_guest_failure_is_1(capfdbinary, elf):
    status, _, err = run_cli(capfdbinary, "run", elf(asm.FAIL))
    assert status == 1 and "FAIL" in err and "system failure" in err


def test_budget_is_3_and_names_it(capfdbinary, elf):
    status, _, err = run_cli(capfdbinary, "run", elf(asm.LOOP), "--max-instructions", "5_000")
    assert status == 3
    assert err.strip() == ("hvcosim: timeout: instruction budget of 5000 retirements "
                           "(--max-instructions) ran out")


def test_every_option_is_accepted(capfdbinary, elf, tmp_path):
    sig, trace = tmp_path / "sig", tmp_path / "trace"
    path = elf(asm.signature_writer(), symbols=asm.SIGNATURE_SYMBOLS, data_pages=1)
    status, _, err = run_cli(capfdbinary, "run", path, "--vcpus", "1", "--mem", "64K",
                             "--mem-budget", "32K", "--seed", "0x2a", "--quantum", "100",
                             "--contexts", "1", "--max-instructions", "10000",
                             "--signature", sig, "--trace", trace)
    assert status == 0, err
    assert sig.read_text() == "deadbeef\n00000001\n000000a0\n"
    assert len(trace.read_text().splitlines()) > 10


def test_two_guests_two_vms_with_tagged_lines(capfdbinary, elf):
    program = [*asm.li("t0", ord("\n")), *asm.putchar_from("t0"), *asm.HELLO]
    status, out, _ = run_cli(capfdbinary, "run", elf(program, "a.elf"), elf(program, "b.elf"),
                             "--quantum", "3")
    assert status == 0
    assert sorted(out.splitlines()) == [b"[vm0] ", b"[vm0] hi", b"[vm1] ", b"[vm1] hi"]


def test_vcpus_option(capfdbinary, elf):
    status, out, _ = run_cli(capfdbinary, "run", elf(asm.multi_vcpu(4)), "--vcpus", "4",
                             "--contexts", "2")
    assert status == 0 and sorted(out) == sorted(b"ABCD")


@pytest.mark.parametrize("argv,needle", [
    ([], "required: COMMAND"),
    (["frobnicate"], "invalid choice"),
    (["run"], "GUEST.elf"),
    (["run", "{elf}", "--bogus"], "unrecognized arguments: --bogus"),
    (["run", "{elf}", "--mem", "12Q"], "not a size"),
    (["run", "{elf}", "--vcpus", "two"], "not an integer"),
    (["run", "{elf}", "--vcpus", "0"], "--vcpus"),
    (["run", "{elf}", "--mem", "5000"], "--mem must be a multiple of 4 KiB"),
    (["run", "{elf}", "--mem-budget", "8K"], "--mem-budget"),
    (["run", "{elf}", "--contexts", "16"], "--contexts"),
    (["run", "{elf}", "--quantum", "-1"], "must not be negative"),
    (["run", "{elf}", "--max-instructions", "0"], "--max-instructions"),
    (["run", "/no/such/guest.elf"], "No such file"),
    (["run", "{junk}"], "not an ELF file"),
    (["run", "{elf}", "--signature", "{tmp}/sig"], "begin_signature"),
    (["run", "{big}", "--mem", "4K"], "outside guest RAM"),
    (["run", "{elf}", "--trace", "/no/such/dir/trace"], "/no/such/dir/trace"),
])
def test_bad_usage_and_input_is_2_with_one_line(capfdbinary, elf, tmp_path, argv, needle):
    junk = tmp_path / "junk.elf"
    junk.write_bytes(b"\x00" * 64)
    names = {"elf": elf(asm.HELLO), "junk": junk, "tmp": tmp_path,
             "big": elf(asm.HELLO, "big.elf", data_pages=2)}
    status, out, err = run_cli(capfdbinary, *(a.format(**names) for a in argv))
    assert status == 2
    assert needle in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert out == b""


def test_internal_error_is_4_with_a_details_file(capfdbinary, elf, monkeypatch):
    from vmm_model.vmm import exits

    async def broken(self, vcpu, exit):
        raise RuntimeError("exit handler exploded")
    monkeypatch.setattr(exits.ExitHandler, "handle", broken)
    status, _, err = run_cli(capfdbinary, "run", elf(asm.HELLO))
    assert status == 4 and err.count("\n") == 1
    assert err.startswith("hvcosim: internal error: RuntimeError: exit handler exploded")
    details = err.rsplit("details in ", 1)[1].rstrip(")\n")
    assert "Traceback" in Path(details).read_text()
    os.unlink(details)


def test_help_is_0(capfdbinary):
    status, out, _ = run_cli(capfdbinary, "run", "--help")
    assert status == 0 and b"--mem-budget" in out and b"--max-instructions" in out


@pytest.mark.parametrize("name,module_name", [(n, m) for n, m, _ in cli.OPTIONAL_COMMANDS])
def test_optional_commands_are_registered_when_their_module_exists(name, module_name):
    try:
        importlib.import_module(module_name)
    except ModuleNotFoundError:
        assert name not in cli._optional_commands([name])
    else:
        assert cli._optional_commands([name])[name].__name__ == module_name
        assert cli._optional_commands(["run"])[name] is None     # not imported for `run`


def test_gen_then_run_round_trip(capfdbinary, tmp_path):
    pytest.importorskip("vmm_model.gen.cli")
    out = tmp_path / "prog.elf"
    status, printed, err = run_cli(capfdbinary, "gen", "--seed", "1", "-o", out)
    assert status == 0, err
    command = printed.decode().split()
    assert command[:2] == ["hvcosim", "run"] and out.exists()
    status, _, err = run_cli(capfdbinary, *command[1:])
    assert status in (0, 1), err          # the program judges itself; the VMM must not crash


def test_console_script_run_imports_no_testbench(elf):
    """`hvcosim run` must not pay for cocotb/pyuvm."""
    code = ("import sys; from tb.cli import main; status = main(['run', sys.argv[1]]); "
            "heavy = [m for m in ('cocotb', 'pyuvm', 'cocotbext') if m in sys.modules]; "
            "print(status, heavy)")
    done = subprocess.run([sys.executable, "-c", code, elf(asm.HELLO)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().endswith("0 []"), done.stdout + done.stderr
