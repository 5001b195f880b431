"""Hardware performance of the unit, measured in simulation (Verilator); writes docs/rtl-performance.md.

    python -m tb.sim.perf            # build tb/sim/perf_top.sv, measure, refresh the doc
    python -m tb.sim.perf --no-doc   # print only

The measurement top (``tb/sim/perf_top.sv``, testbench only) puts ``vcpu_unit``
next to a zero-wait-state AXI4 memory (ready always high; read data and write
responses the cycle after the address handshake) and counts events in
hardware (retirements on ``rvfi_valid``, the exit record, the rising edge of
``irq``, AXI4-Lite write handshakes), so the figures are exact cycle counts.
The VMM side is cocotbext-axi's ``AxiLiteMaster``.  This module is also the
cocotb test module that runs inside the simulator (``perf_*`` tests).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from .tools import ROOT, rtl_sources

DOC = ROOT / "docs" / "rtl-performance.md"
TOP = "perf_top"
PERF_SV = Path(__file__).resolve().parent / "perf_top.sv"
GUEST_BASE = 0x8000_0000
LOOP_ITERS = 1000

# Host-physical layout inside the 1 MiB perf memory.
LAYOUT = {0: {"root": 0x1_0000, "tables": 0x1_8000, "code": 0x2_0000, "data": 0x2_1000, "vmid": 1},
          1: {"root": 0x4_0000, "tables": 0x4_8000, "code": 0x5_0000, "data": 0x5_1000, "vmid": 2}}

GUESTS = {
    "alu": ("integer ALU loop (addi, xor, add, addi, bnez)", f"""
        li t0, 0
        li t1, {LOOP_ITERS}
    1:  addi t0, t0, 3
        xor t2, t0, t1
        add t3, t2, t0
        addi t1, t1, -1
        bnez t1, 1b
        li a7, 8
        ecall
    """),
    "mem": ("load/store loop (lw, addi, sw, addi, bnez)", f"""
        li t1, {LOOP_ITERS}
        li t4, {GUEST_BASE + 0x1000:#x}
    1:  lw t0, 0(t4)
        addi t0, t0, 1
        sw t0, 0(t4)
        addi t1, t1, -1
        bnez t1, 1b
        li a7, 8
        ecall
    """),
    "muldiv": ("mul/div loop (mul, divu, remu, addi, bnez)", f"""
        li t1, {LOOP_ITERS}
        li t0, 12345
    1:  mul t2, t0, t1
        divu t3, t2, t1
        remu t5, t2, t0
        addi t1, t1, -1
        bnez t1, 1b
        li a7, 8
        ecall
    """),
    "short": ("short program ending in an SBI ecall", """
        addi t0, t0, 1
        addi t0, t0, 1
        li a7, 8
        ecall
    """),
}


# ---------------------------------------------------------------------------
# Host side: build, run, write the doc.
# ---------------------------------------------------------------------------
def measure() -> dict:
    from . import runner
    b = runner.build("verilator", top=TOP, parameters={"NUM_VCPUS": 2, "TLB_ENTRIES": 16},
                     sources=rtl_sources() + [PERF_SV])
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "perf.json"
        xml = runner.run(b, "tb.sim.perf", test_dir=Path(d) / "run", log_file=Path(d) / "sim.log",
                         extra_env={"HVCOSIM_PERF_OUT": str(out)})
        ok, n, failed = runner.results(xml)
        if not ok or not out.exists():
            log = (Path(d) / "sim.log").read_text()[-3000:] if (Path(d) / "sim.log").exists() else ""
            raise RuntimeError(f"perf run failed ({failed}):\n{log}")
        return json.loads(out.read_text())


def write_doc(r: dict) -> None:
    rows = "\n".join(
        f"| {GUESTS[k][0]} | {r['cpi'][k]['retired']} | {r['cpi'][k]['cycles']} | "
        f"**{r['cpi'][k]['cpi']:.2f}** |" for k in ("alu", "mem", "muldiv"))
    DOC.write_text(f"""# RTL performance (measured in simulation)

_Refreshed by `python -m tb.sim.perf`; do not edit by hand._

Verilator, `vcpu_unit` with NUM_VCPUS=2, TLB_ENTRIES=16, inside the testbench-only
top `tb/sim/perf_top.sv`: a zero-wait-state AXI4 memory (always ready; read data
and write response one cycle after the address handshake, the minimum AXI
allows) and hardware event counters, so every figure below is an exact count
of clock cycles.  Guests run in VS mode with `vsatp` = Bare and Sv32x4 G-stage
tables (4 KiB pages); the VMM is cocotbext-axi's `AxiLiteMaster`.

## Cycles per instruction (steady state)

From the first to the last retirement record of the run ({LOOP_ITERS} loop
iterations; includes the cold TLB and G-stage walks of the first iteration):
cycles / (records − 1).

| program | records | cycles | CPI |
|---|---|---|---|
{rows}

## Exit to interrupt

| event | cycles |
|---|---|
| exit record of the `ecall` on `rvfi` (`rvfi_ext_exit`) → `irq` high | **{r['ecall_to_irq']}** |
| retirement of the instruction before the `ecall` (the `ecall` is fetched next) → `irq` high | {r['ecall_start_to_irq']} |

## Hardware context switch

| switch | cycles |
|---|---|
| ctx 0's exit record → first retirement of ctx 1, ctx 1 already RUNNING (queued), ctx 1's translations cold in the TLB | {r['switch_queued_cold']} |
| same, ctx 1's translations warm | **{r['switch_queued_warm']}** |
| the VMM's `ctrl.RUN` write for ctx 1 (AXI4-Lite W handshake) → first retirement of ctx 1, core idle, warm TLB | **{r['switch_run_write']}** |
| ctx 0's exit record → first retirement of ctx 1 when the RUN write comes from the VMM (exit → irq → VMM reads/W1C → RUN write → retire), cocotbext-axi as the VMM | {r['switch_via_vmm']} |

## Slow world switch (save/restore over AXI4-Lite)

| step | cycles |
|---|---|
| save: read all {r['slow_switch']['fields']} saved fields of a context (`interfaces.vcpu_state.SAVED_FIELDS`) | {r['slow_switch']['save_cycles']} ({r['slow_switch']['save_cycles'] / r['slow_switch']['fields']:.1f} per field) |
| restore: write them into another context | {r['slow_switch']['restore_cycles']} ({r['slow_switch']['restore_cycles'] / r['slow_switch']['fields']:.1f} per field) |

Back-to-back accesses by cocotbext-axi's `AxiLiteMaster` (one at a time, as the
unit's slave accepts them); a hardware context switch (above) needs none of this.

The last line of the context-switch table adds the software VMM's AXI4-Lite round trips (it reads
`EXIT_PENDING`, clears it and writes `RUN`, each a full AXI4-Lite transaction
of a few cycles with cocotbext-axi); the first three are the unit's own latency.

Where the cycles go (from `rtl/vcpu_ctl.sv`, docs/lifecycle.md):
- `irq` is a function of flip-flops only (`EXIT_PENDING & IRQ_ENABLE`); the
  context's state becomes EXIT_PENDING at the clock edge after the core's
  `exit_o`, hence one cycle after the exit record.
- queued switch: `vcpu_ctl` chooses the next context in the cycle of the core's
  `exit_o` and pulses `run_i` (registered) in the next one, when the contract
  guarantees `busy_o` = 0; the rest is the core fetching and executing the first
  instruction of the next context (plus the G-stage walks when its
  translations are not in the TLB).
- RUN write: the command is applied in the cycle of the AXI4-Lite handshake
  (the request is decoded straight from the channels), the next context is
  chosen in the following cycle and `run_i` (registered) pulses in the one
  after, then the core as above.
- Register access: a global register answers on R/B the cycle after the
  address handshake; a window field adds the core's state-port round trip
  (the request goes out in the handshake cycle, the core answers one cycle
  later).  The rest of the per-field figure is cocotbext-axi's own pacing.

Simulation speed of this measurement: {r.get('sim_seconds', 0):.1f} s of wall time for
{r.get('sim_cycles', 0)} cycles on Verilator (hardware counters; Python wakes only for
the AXI4-Lite transactions and the `irq` edges).
""")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args(argv)
    try:
        r = measure()
    except Exception as exc:  # noqa: BLE001
        print(f"perf failed: {exc}", file=sys.stderr)
        return 4
    print(json.dumps(r, indent=2))
    if not args.no_doc:
        write_doc(r)
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


# ---------------------------------------------------------------------------
# Simulator side (cocotb tests).
# ---------------------------------------------------------------------------
try:
    import cocotb
    from cocotb.triggers import ClockCycles, First, RisingEdge
except ImportError:  # pragma: no cover
    cocotb = None

if cocotb is not None and os.environ.get("COCOTB_TEST_MODULES"):
    from interfaces.vcpu_state import CTRL_RUN, CTX_IDLE
    from .guest_mem import PTE_R, PTE_W, PTE_X, GStage, assemble, words
    from .unit_tb import Harness

    class VpiRam:
        """Backdoor writes into perf_top's memory array (one VPI write per word)."""

        def __init__(self, dut):
            self.arr = dut.mem

        def write(self, addr: int, data: bytes) -> None:
            assert addr % 4 == 0 and len(data) % 4 == 0
            for i in range(0, len(data), 4):
                self.arr[(addr + i) // 4].value = int.from_bytes(data[i:i + 4], "little")

        def write32(self, addr: int, value: int) -> None:
            self.arr[addr // 4].value = value & 0xFFFF_FFFF

    def counters(dut) -> dict:
        names = ("cycle", "retired", "first_retire_cycle", "last_retire_cycle", "prev_retire_cycle",
             "exit_record_cycle",
                 "irq_rise_cycle", "axil_write_cycle", "first_retire_ctx1_cycle")
        return {n: int(getattr(dut, n).value) for n in names}

    async def arm(dut, clk):
        dut.arm.value = 1
        await RisingEdge(clk)
        dut.arm.value = 0

    async def load(h, mem, ctx, key):
        m = LAYOUT[ctx]
        image = assemble(GUESTS[key][1], GUEST_BASE)
        mem.write(m["code"], image + bytes((-len(image)) % 4))
        g = GStage(mem, m["root"], m["tables"], vmid=m["vmid"])
        g.map(GUEST_BASE, m["code"], PTE_R | PTE_X)
        g.map(GUEST_BASE + 0x1000, m["data"], PTE_R | PTE_W)
        await h.cwr(ctx, "hgatp", g.hgatp)
        await h.cwr(ctx, "pc", GUEST_BASE)
        return words(image)

    async def wait_irq(dut, clk, max_cycles=400_000):
        if not int(dut.irq.value):
            await First(RisingEdge(dut.irq), ClockCycles(clk, max_cycles))
        assert int(dut.irq.value), "no exit"
        await ClockCycles(clk, 2)          # let the event counters see it

    @cocotb.test(timeout_time=500, timeout_unit="ms")
    async def perf_all(dut):
        t_start = time.monotonic()
        dut.arm.value = 0
        h = Harness(dut)
        mem = VpiRam(dut)
        await h.reset()
        res: dict = {"cpi": {}}
        await h.gwr("IRQ_ENABLE", 0b11)
        # CPI loops on ctx 0.
        for key in ("alu", "mem", "muldiv"):
            await load(h, mem, 0, key)
            await arm(dut, h.clk)
            await h.ctrl(0, CTRL_RUN)
            await wait_irq(dut, h.clk)
            c = counters(dut)
            cycles = c["last_retire_cycle"] - c["first_retire_cycle"]
            res["cpi"][key] = {"retired": c["retired"], "cycles": cycles,
                               "cpi": cycles / max(1, c["retired"] - 1)}
            if key == "alu":
                res["ecall_to_irq"] = c["irq_rise_cycle"] - c["exit_record_cycle"]
                # The ecall is the last record; the one before it ends where the ecall starts.
                res["ecall_start_to_irq"] = c["irq_rise_cycle"] - c["prev_retire_cycle"]
            await h.gwr("EXIT_PENDING", 0b01)
            await h.ctrl(0, 1 << 3)                     # RESET: fresh state for the next program
        # Context switch with ctx 1 queued behind ctx 0 (cold TLB after FLUSH_ALL, then warm):
        # ctx 0's exit record -> ctx 1's first retirement.
        for label, flush in (("switch_queued_cold", True), ("switch_queued_warm", False)):
            await load(h, mem, 0, "short")
            await load(h, mem, 1, "short")
            if flush:
                await h.gwr("FLUSH_CMD", 0)                # FLUSH_ALL: cold TLB
            await arm(dut, h.clk)
            await h.gwr("IRQ_ENABLE", 0b01)
            await h.ctrl(0, CTRL_RUN)
            await h.ctrl(1, CTRL_RUN)                      # queued behind ctx 0
            await wait_irq(dut, h.clk)                     # ctx 0's exit
            ctx0_exit = int(dut.exit_record_cycle.value)
            for _ in range(1000):
                if int(dut.first_retire_ctx1_cycle.value) > ctx0_exit:
                    break
                await ClockCycles(h.clk, 10)
            res[label] = int(dut.first_retire_ctx1_cycle.value) - ctx0_exit
            await h.gwr("IRQ_ENABLE", 0b11)
            for _ in range(1000):
                if await h.grd("EXIT_PENDING") == 0b11:
                    break
                await ClockCycles(h.clk, 20)
            await h.gwr("EXIT_PENDING", 0b11)
        # RUN write -> first retirement (core idle, warm TLB).
        await load(h, mem, 1, "short")
        await arm(dut, h.clk)
        await h.ctrl(1, CTRL_RUN)
        await wait_irq(dut, h.clk)
        c = counters(dut)
        res["switch_run_write"] = c["first_retire_ctx1_cycle"] - c["axil_write_cycle"]
        await h.gwr("EXIT_PENDING", 0b10)
        # Through the software VMM: ctx 0 exits, the VMM sees irq, clears it and runs ctx 1.
        await load(h, mem, 0, "short")
        await load(h, mem, 1, "short")
        await arm(dut, h.clk)
        await h.ctrl(0, CTRL_RUN)
        await wait_irq(dut, h.clk)
        ctx0_exit = int(dut.exit_record_cycle.value)
        assert await h.grd("EXIT_PENDING") == 0b01
        await h.gwr("EXIT_PENDING", 0b01)
        await h.ctrl(1, CTRL_RUN)
        await wait_irq(dut, h.clk)
        res["switch_via_vmm"] = int(dut.first_retire_ctx1_cycle.value) - ctx0_exit
        assert await h.state(0) == CTX_IDLE
        # Slow world switch: save every SAVED_FIELD of ctx 0 over AXI4-Lite, restore into ctx 1.
        from interfaces.vcpu_state import SAVED_FIELDS
        await h.gwr("EXIT_PENDING", 0b11)
        c0 = int(dut.cycle.value)
        saved = {name: await h.crd(0, name) for name in SAVED_FIELDS}
        c1 = int(dut.cycle.value)
        for name, value in saved.items():
            await h.cwr(1, name, value)
        c2 = int(dut.cycle.value)
        res["slow_switch"] = {"fields": len(saved), "save_cycles": c1 - c0, "restore_cycles": c2 - c1}
        res["sim_cycles"] = int(dut.cycle.value)
        res["sim_seconds"] = time.monotonic() - t_start
        Path(os.environ["HVCOSIM_PERF_OUT"]).write_text(json.dumps(res))


if __name__ == "__main__":
    sys.exit(main())
