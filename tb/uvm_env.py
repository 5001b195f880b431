"""The co-simulation as a pyuvm test (DESIGN §6): tests → ``CosimEnv`` → agents + scoreboard.

```
CosimTest / CosimStressBusTest / CosimFaultTest (uvm_test)   run_phase: VmmSequence on env.axil.sequencer
└─ CosimEnv (uvm_env)
   ├─ axil: AxiLiteAgent        sequencer → driver → BFM Harness (AxiLiteMaster on s_axil); monitor
   │                            (AXI4-Lite rules; ap: RegAccess) → irq
   ├─ axi_mem: AxiMemAgent      responder BFM HostRam (latency, back-pressure, SLVERR/DECERR); monitor
   │                            (AXI4 rules; ap: AxiAccess)          -- factory: Stress/Faulty variants
   ├─ rvfi: RvfiAgent           RvfiMonitor on rvfi_* (ap: RetireRecord or SignalError)
   ├─ irq: IrqMonitor           irq line vs IRQ_ENABLE/EXIT_PENDING (ap: IrqEvent)
   └─ scoreboard: ScoreboardComponent   rvfi.ap + every monitor's violations port
```

- ``VmmSequence``: its body is the VMM.  Every job of the jobs file (ConfigDB key
  ``jobs_file``) runs through ``tb.cosim.run_job`` on an ``RtlUnit`` whose register
  accesses are ``RegItem``s of this sequence (``SequencedHarness``) and whose memory
  responder is the memory agent's BFM, configured per job (``job["axi"]`` over the
  agent's defaults, which come from ConfigDB ``axi_mem_settings`` or the factory
  variant).
- The test class is chosen by ``$HVCOSIM_UVM_TEST`` (like ``+UVM_TESTNAME``); tb/cosim.py
  registers that one (``pyuvm.test`` registers a test in the module that applies it).
- Violations reported while no job runs wait for the next job's scoreboard.
"""
from __future__ import annotations

from dataclasses import dataclass

import cocotb
from pyuvm import (ConfigDB, uvm_analysis_port, uvm_component, uvm_env, uvm_factory, uvm_sequence,
                   uvm_subscriber, uvm_test)

from tb.agents.axi_lite import AxiLiteAgent, SequencedHarness
from tb.agents.axi_mem import AxiMemAgent, FaultyAxiMemAgent, ProtocolViolation, StressAxiMemAgent
from tb.agents.irq import IrqMonitor, IrqViolation
from tb.scoreboard import RvfiMonitor

from tb.cosim import UVM_TEST_ENV  # noqa: F401  (the name tests are chosen by)


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
    """Receives retirements and every monitor's violations; the current run's scoreboard checks them."""

    def build_phase(self):
        self.current = None          # tb.scoreboard.Scoreboard of the job in progress
        self.waiting: list = []      # violations seen while no job ran
        self.violations = 0

    def bind(self, scoreboard) -> None:
        self.current = scoreboard
        waiting, self.waiting = self.waiting, []
        for item in waiting:
            self.write(item)

    def write(self, item):
        sb = self.current
        if isinstance(item, (ProtocolViolation, IrqViolation)):
            self.violations += 1
            if sb is None:
                self.waiting.append(item)
            elif isinstance(item, ProtocolViolation):
                v = item.violation
                sb.fail("axi_protocol", f"AXI protocol violation ({v.rule}): {v.message}", field=v.bus,
                        pc=None, rule=v.rule, cycle=v.cycle, **{k: val for k, val in v.data.items()
                                                               if isinstance(val, (int, str, list))})
            else:
                sb.fail("irq", f"IRQ rule broken ({item.rule}): {item.message}", field="irq", pc=None,
                        rule=item.rule)
            return
        if sb is None:
            return
        if isinstance(item, SignalError):
            sb.fail(item.kind, item.message, **item.data)
        else:
            sb.retire(item)


class CosimEnv(uvm_env):
    def build_phase(self):
        self.axil = AxiLiteAgent("axil", self)
        self.axi_mem = AxiMemAgent.create("axi_mem", self)      # factory: a test may swap the variant
        self.rvfi = RvfiAgent("rvfi", self)
        self.irq = IrqMonitor("irq", self)
        self.scoreboard = ScoreboardComponent("scoreboard", self)

    def connect_phase(self):
        export = self.scoreboard.analysis_export
        self.rvfi.ap.connect(export)
        self.axi_mem.monitor.violations.connect(export)
        self.axil.monitor.violations.connect(export)
        self.irq.violations.connect(export)
        self.axil.monitor.ap.connect(self.irq.analysis_export)


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
        self.env.scoreboard.bind(scoreboard)

    def close(self) -> None:
        self.env.scoreboard.current = None


class EnvPorts:
    """What ``tb.cosim.run_job`` takes from the env: the register port and the memory agent."""

    def __init__(self, env: CosimEnv, harness):
        self.env, self.harness, self.axi_mem = env, harness, env.axi_mem

    def stats(self) -> dict:
        """What the agents saw since the simulation started (reported with each job's result)."""
        env = self.env
        return {"s_axil_items_driven": env.axil.driver.items, "s_axil_accesses_seen": env.axil.monitor.accesses,
                "m_axi_handshakes": dict(env.axi_mem.monitor.checker.handshakes),
                "m_axi_cycles_sampled": env.axi_mem.monitor.sampler.cycles_sampled,
                "m_axi_responses": {k: list(v) for k, v in env.axi_mem.monitor.responses.items()},
                "irq_rises": env.irq.rises, "violations": env.scoreboard.violations}


class VmmSequence(uvm_sequence):
    """The VMM as a sequence: runs every job of the jobs file on the AXI-Lite sequencer."""

    async def body(self):
        from tb.cosim import run_all_jobs
        env = ConfigDB().get(None, "", "cosim_env")
        jobs_file = ConfigDB().get(None, "", "jobs_file")
        harness = SequencedHarness(env.axil.bfm, self)
        await run_all_jobs(cocotb.top, EnvMonitorBinding(env), jobs_file=jobs_file, env=EnvPorts(env, harness))


class CosimTest(uvm_test):
    """The default scenario: every job with its own AXI settings (none: an ideal memory)."""

    def build_phase(self):
        import os
        self.env = CosimEnv("env", self)
        ConfigDB().set(None, "*", "cosim_env", self.env)
        ConfigDB().set(None, "*", "jobs_file", os.environ["HVCOSIM_COSIM_JOBS"])

    async def run_phase(self):
        self.raise_objection()
        try:
            seq = VmmSequence.create("vmm")
            await seq.start(self.env.axil.sequencer)
        finally:
            self.drop_objection()


class CosimStressBusTest(CosimTest):
    """Slow and stalling memory (latency 1..8 cycles, back-pressure 0.3) unless a job says otherwise."""

    def build_phase(self):
        uvm_factory().set_type_override_by_type(AxiMemAgent, StressAxiMemAgent)
        super().build_phase()


class CosimFaultTest(CosimTest):
    """Error responses on 2 % of the host pages (seeded) unless a job says otherwise."""

    def build_phase(self):
        uvm_factory().set_type_override_by_type(AxiMemAgent, FaultyAxiMemAgent)
        super().build_phase()


TESTS = {cls.__name__: cls for cls in (CosimTest, CosimStressBusTest, CosimFaultTest)}
