"""The RTL commands of tb/sim: lint clean, synthesis latch-free, the yosys import rewrite, the runner's cache."""
from __future__ import annotations

import shutil

import pytest

from tb.sim import lint, runner, synth
from tb.sim.tools import RTL_DIR


def test_lint_whole_unit_is_clean(capsys):
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog not installed")
    rc = lint.main([])
    out = capsys.readouterr().out
    assert rc == 0, out


def test_flatten_imports_qualifies_names_and_pastes_into_packages():
    text = """
package a_pkg;
  localparam int W = 4;
  typedef enum logic [1:0] {S_IDLE = 2'd0, S_RUN = 2'd1} st_e;
  function automatic logic f(input logic x); f = ~x; endfunction
endpackage
package b_pkg;
  import a_pkg::*;
  localparam int V = W + 1;
endpackage
// a comment mentioning module and W
module m
  import a_pkg::*;
#(parameter int P = W) (input logic [W-1:0] x, output st_e s);
  localparam int S_RUN_LOCAL = 3;   // W in a comment stays
  assign s = f(x[0]) ? S_RUN : S_IDLE;
endmodule
"""
    exports = synth.package_exports(text)
    assert {"W", "st_e", "S_IDLE", "S_RUN", "f"} <= exports["a_pkg"]
    out = synth.flatten_imports(text, exports, synth.package_bodies(text))
    assert "import" not in out.replace("// a comment", "")
    assert "parameter int P = a_pkg::W" in out and "[a_pkg::W-1:0]" in out
    assert "output a_pkg::st_e s" in out and "a_pkg::f(x[0]) ? a_pkg::S_RUN : a_pkg::S_IDLE" in out
    assert "// W in a comment stays" in out
    # Inside b_pkg the declarations of a_pkg are pasted (yosys cannot resolve a_pkg::W there).
    b = out[out.index("package b_pkg"):out.index("endpackage", out.index("package b_pkg"))]
    assert "localparam int W = 4;" in b and "localparam int V = W + 1;" in b


def test_synth_ctl_has_no_latches(tmp_path, monkeypatch):
    if shutil.which("yosys") is None:
        pytest.skip("yosys not installed")
    monkeypatch.setattr(synth, "OUT_DIR", tmp_path)
    rc, log, _ = synth.run_yosys("vcpu_ctl", [RTL_DIR / "vcpu_regmap_pkg.sv", RTL_DIR / "vcpu_axil_slave.sv",
                                              RTL_DIR / "vcpu_ctl.sv"], {"NUM_VCPUS": 3})
    assert rc == 0, log[-2000:]
    cells = synth.parse_stat(log, "vcpu_ctl")
    assert cells["__total__"] > 1000 and synth.flop_bits(cells) > 300
    assert not any(c.startswith(synth.LATCH_CELLS) for c in cells)


def test_runner_reuses_a_build(tmp_path):
    sources = [RTL_DIR / "vcpu_regmap_pkg.sv", RTL_DIR / "vcpu_axil_slave.sv", RTL_DIR / "vcpu_ctl.sv"]
    params = {"NUM_VCPUS": 2, "TLB_ENTRIES": 16}
    b1 = runner.build("verilator", top="vcpu_ctl", parameters=params, sources=sources)
    stamp = b1.build_dir / "hvcosim.stamp"
    mtime = stamp.stat().st_mtime
    b2 = runner.build("verilator", top="vcpu_ctl", parameters=params, sources=sources)
    assert b2.build_dir == b1.build_dir and stamp.stat().st_mtime == mtime
    b3 = runner.build("verilator", top="vcpu_ctl", parameters={**params, "NUM_VCPUS": 3}, sources=sources)
    assert b3.build_dir != b1.build_dir
