"""The co-simulation as a pyuvm test: ``CosimTest`` → ``CosimEnv`` → agents + scoreboard.

- ``RvfiAgent`` (monitor only): samples ``rvfi_*`` with ``tb.scoreboard.RvfiMonitor``
  and publishes every ``RetireRecord`` (or a ``SignalError`` for X/Z) on its
  analysis port ``ap``.
- ``ScoreboardComponent`` (a ``uvm_subscriber`` on that port): forwards each item
  to the ``Scoreboard`` of the run in progress (tb/scoreboard.py), which steps the
  shadow reference and compares.
- ``CosimTest.run_phase``: the VMM runs each job of ``$HVCOSIM_COSIM_JOBS``
  through ``tb.cosim.run_job`` (the VMM drives the AXI4-Lite port through
  ``RtlUnit``; the m_axi responder serves its host memory), with the env's RVFI
  agent bound to the job's scoreboard.

The decorated test lives in tb/cosim.py (``pyuvm.test`` registers it in the
module that applies it, the one the runner loads).
"""
from __future__ import annotations

from dataclasses import dataclass

import cocotb
from pyuvm import uvm_analysis_port, uvm_component, uvm_env, uvm_subscriber, uvm_test

from tb.scoreboard import RvfiMonitor


@dataclass
class SignalError:
    """An X/Z (or other sampling problem) seen by the monitor, sent instead of a record."""
    kind: str
    message: str
    data: dict


class RvfiAgent(uvm_component):
    """Passive agent on the trace port: a monitor and its analysis port."""

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.monitor = None

    def start_of_simulation_phase(self):
        dut = cocotb.top
        self.monitor = RvfiMonitor(dut, dut.clk, sink=self)

    # the RvfiMonitor sink protocol: publish on the analysis port
    def retire(self, record) -> None:
        self.ap.write(record)

    def fail(self, kind: str, message: str, **data):
        self.ap.write(SignalError(kind, message, data))


class ScoreboardComponent(uvm_subscriber):
    """Receives the RVFI agent's items; the scoreboard of the current run checks them."""

    def build_phase(self):
        self.current = None          # tb.scoreboard.Scoreboard of the job in progress

    def write(self, item):
        sb = self.current
        if sb is None:
            return
        if isinstance(item, SignalError):
            sb.fail(item.kind, item.message, **item.data)
        else:
            sb.retire(item)


class CosimEnv(uvm_env):
    def build_phase(self):
        self.rvfi = RvfiAgent("rvfi", self)
        self.scoreboard = ScoreboardComponent("scoreboard", self)

    def connect_phase(self):
        self.rvfi.ap.connect(self.scoreboard.analysis_export)


class EnvMonitorBinding:
    """What ``LockstepUnit`` needs of a monitor (start/stop/bind/close), on the env's agent:
    ``bind`` points the scoreboard component at the run's scoreboard."""

    def __init__(self, env: CosimEnv):
        self.env = env

    def start(self) -> None:
        self.env.rvfi.monitor.start()

    def stop(self) -> None:
        self.env.rvfi.monitor.stop()

    def bind(self, scoreboard) -> None:
        self.env.scoreboard.current = scoreboard

    def close(self) -> None:
        self.env.scoreboard.current = None


class CosimTest(uvm_test):
    """Every job of ``$HVCOSIM_COSIM_JOBS``, one after the other, each under lockstep."""

    def build_phase(self):
        self.env = CosimEnv("env", self)

    async def run_phase(self):
        from tb.cosim import run_all_jobs
        self.raise_objection()
        try:
            await run_all_jobs(cocotb.top, EnvMonitorBinding(self.env))
        finally:
            self.drop_objection()
