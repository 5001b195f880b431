"""`hvcosim cosim`: one guest per simulator, the exit statuses of DESIGN §8, the mismatch report."""
from __future__ import annotations

import json

import pytest

from tb import cli
from tests.rtl.conftest import missing_simulator


def _require(sim: str) -> None:
    """`make test` installs both simulators: a missing one is a failure, never a skip."""
    if (missing := missing_simulator(sim)) is not None:
        pytest.fail(missing, pytrace=False)


@pytest.mark.parametrize("sim", ["verilator", "icarus"])
def test_cosim_passes_a_guest(sim, guest_elfs, tmp_path, capfd):
    _require(sim)
    sig = tmp_path / "sig.txt"
    status = cli.main(["cosim", str(guest_elfs["signature"]), "--sim", sim, "--out", str(tmp_path / "run"),
                       "--signature", str(sig)])
    out, err = capfd.readouterr()
    assert status == 0, out + err
    assert "hvcosim: pass:" in err and "retirements and" in err
    assert sig.read_text().split() and all(len(w) == 8 for w in sig.read_text().split())
    assert not (tmp_path / "run" / "mismatch.json").exists()


def test_cosim_exit_statuses(guest_elfs, tmp_path, capfd):
    _require("verilator")
    assert cli.main(["cosim", str(guest_elfs["fail_check"]), "--out", str(tmp_path / "f")]) == 1
    out, err = capfd.readouterr()
    assert "FAIL: CHECK #1" in out and "hvcosim: FAIL:" in err
    assert cli.main(["cosim", str(guest_elfs["loop_forever"]), "--max-instructions", "3000",
                     "--out", str(tmp_path / "t")]) == 3
    assert "timeout" in capfd.readouterr().err
    assert cli.main(["cosim", str(tmp_path / "missing.elf")]) == 2
    assert cli.main(["cosim", str(guest_elfs["rv32m"]), "--contexts", "3"]) == 2
    assert cli.main(["cosim", str(guest_elfs["rv32m"]), "--sim", "xcelium"]) == 2
    bad = tmp_path / "bad.elf"
    bad.write_bytes(b"not an elf")
    assert cli.main(["cosim", str(bad), "--out", str(tmp_path / "b")]) == 2
    err = capfd.readouterr().err
    assert "Traceback" not in err


def test_cosim_simulator_error_is_status_4(guest_elfs, tmp_path, capfd, monkeypatch):
    from tb.sim import runner

    def broken(*args, **kwargs):
        raise RuntimeError("verilator build of vcpu_unit failed")
    monkeypatch.setattr(runner, "build", broken)
    assert cli.main(["cosim", str(guest_elfs["rv32m"]), "--out", str(tmp_path / "e")]) == 4
    assert "simulator error" in capfd.readouterr().err


def test_cosim_mismatch_writes_the_report(guest_elfs, tmp_path, capfd, monkeypatch):
    """A planted ALU bug (tests/test_cosim_mutants.py) through the command line: status 1,
    mismatch.json + mismatch.txt in --out."""
    _require("verilator")
    import tb.cosim
    from tests.test_cosim_mutants import MUTANTS, mutated_sources
    file, original, planted, *_ = MUTANTS["alu_sub_as_add"]
    (tmp_path / "rtl").mkdir()
    sources = mutated_sources(tmp_path / "rtl", file, original, planted)
    real = tb.cosim.run_cosim
    monkeypatch.setattr(tb.cosim, "run_cosim", lambda jobs, **kw: real(jobs, sources=sources, **kw))
    out_dir = tmp_path / "run"
    assert cli.main(["cosim", str(guest_elfs["rv32i_alu"]), "--out", str(out_dir)]) == 1
    err = capfd.readouterr().err
    assert "MISMATCH" in err and "rd_wdata" in err
    data = json.loads((out_dir / "mismatch.json").read_text())
    assert data["field"] == "rd_wdata" and data["kind"] == "mismatch" and isinstance(data["pc"], int)
    text = (out_dir / "mismatch.txt").read_text()
    assert "sub" in text and "last" in text and "RTL" in text and "REF" in text


def test_cosim_under_axi_backpressure(guest_elfs, tmp_path, capfd):
    """Random stalls on every m_axi channel change the timing, never the retirements."""
    _require("verilator")
    status = cli.main(["cosim", str(guest_elfs["vs_paging"]), "--axi-backpressure", "0.5", "--seed", "7",
                       "--out", str(tmp_path / "bp")])
    out, err = capfd.readouterr()
    assert status == 0, out + err
    assert "vs paging ok" in out
    assert cli.main(["cosim", str(guest_elfs["rv32m"]), "--axi-backpressure", "1.5"]) == 2
