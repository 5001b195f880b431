"""The AXI4-Lite agent on ``s_axil`` (the VMM's register port): driver, sequencer, monitor.

- ``RegItem``: one register read or write (address, data, response).
- ``AxiLiteDriver``: executes each item with the BFM, ``tb.sim.unit_tb.Harness``
  (clock, reset, cocotbext-axi ``AxiLiteMaster``), and fills in data/response.
- ``SequencedHarness``: the ``Harness`` register API (``rd``/``wr``/``grd``/``cwr``/...)
  with every access sent as a ``RegItem`` through a running sequence to the
  driver -- what ``RtlUnit`` uses under the pyuvm env, so its API is unchanged.
- ``AxiLiteMonitor``: samples ``s_axil`` (``AxiBusSampler``), checks the AXI4-Lite
  rules (``AxiProtocolChecker(lite=True)``) and publishes every completed register
  access on ``ap`` as a ``RegAccess`` (violations on ``violations``).
"""
from __future__ import annotations

from dataclasses import dataclass

import cocotb
from pyuvm import (uvm_agent, uvm_analysis_port, uvm_component, uvm_driver, uvm_sequence_item,
                   uvm_sequencer)

from tb.sim.unit_tb import Harness

from .axi_mem import ProtocolViolation
from .axi_protocol import AxiProtocolChecker
from .bus_sampler import AxiBusSampler


class RegItem(uvm_sequence_item):
    def __init__(self, name: str = "reg", addr: int = 0, write: bool = False, data: int = 0, nbytes: int = 4):
        super().__init__(name)
        self.addr, self.write, self.data, self.nbytes = addr, write, data, nbytes
        self.resp = None

    def __str__(self) -> str:
        op = "write" if self.write else "read"
        return f"{op} {self.addr:#06x} data {self.data:#010x} resp {self.resp}"


@dataclass
class RegAccess:
    """A completed register access as seen on the bus."""
    write: bool
    addr: int
    data: int
    resp: int
    cycle: int


class AxiLiteDriver(uvm_driver):
    def build_phase(self):
        self.bfm: Harness | None = None      # set by the agent (it owns the clock and the master)
        self.items = 0

    async def run_phase(self):
        while True:
            item = await self.seq_item_port.get_next_item()
            if item.write:
                item.resp = await self.bfm.wr_resp(item.addr, item.data, item.nbytes)
            else:
                item.data, item.resp = await self.bfm.rd_resp(item.addr)
            self.items += 1
            self.seq_item_port.item_done()


class SequencedHarness(Harness):
    """``Harness``'s register API, every access a ``RegItem`` of ``sequence`` (started on the
    AXI-Lite sequencer).  Shares the BFM's clock and reset; ``reset`` drives the pin directly."""

    def __init__(self, bfm: Harness, sequence):     # no Harness.__init__: the BFM exists already
        self.dut, self.clk, self.rst_n = bfm.dut, bfm.clk, bfm.rst_n
        self.bfm, self.sequence = bfm, sequence
        self.num_vcpus = bfm.num_vcpus

    async def rd_resp(self, addr: int) -> tuple[int, int]:
        item = RegItem("rd", addr)
        await self.sequence.start_item(item)
        await self.sequence.finish_item(item)
        return item.data, item.resp

    async def wr_resp(self, addr: int, value: int, nbytes: int = 4) -> int:
        item = RegItem("wr", addr, True, value, nbytes)
        await self.sequence.start_item(item)
        await self.sequence.finish_item(item)
        return item.resp


class AxiLiteMonitor(uvm_component):
    prefix = "s_axil"

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.violations = uvm_analysis_port("violations", self)
        self.checker = AxiProtocolChecker(self.prefix, lite=True)
        self._req = {}
        self.accesses = 0

    def start_of_simulation_phase(self):
        dut = cocotb.top
        self.sampler = AxiBusSampler(dut, dut.clk, self.prefix, self._cycle, lite=True, rst_n=dut.rst_n,
                                     on_reset=self._reset)

    def _reset(self) -> None:
        self.checker = AxiProtocolChecker(self.prefix, lite=True)
        self._req = {}

    def _cycle(self, sample) -> None:
        checker = self.checker
        cycle = checker.cycle_count
        for v in checker.cycle(sample):
            self.violations.write(ProtocolViolation(v))
        for ch in ("ar", "aw", "w"):
            s = sample[ch]
            if s.valid and s.ready and s.payload:
                self._req.setdefault(ch, []).append(s.payload)
        r, b = sample["r"], sample["b"]
        if r.valid and r.ready and r.payload and self._req.get("ar"):
            a = self._req["ar"].pop(0)
            self.accesses += 1
            self.ap.write(RegAccess(False, a["addr"], r.payload["data"], r.payload["resp"], cycle))
        if b.valid and b.ready and b.payload and self._req.get("aw") and self._req.get("w"):
            a, w = self._req["aw"].pop(0), self._req["w"].pop(0)
            self.accesses += 1
            self.ap.write(RegAccess(True, a["addr"], w["data"], b.payload["resp"], cycle))


class AxiLiteAgent(uvm_agent):
    """Active: BFM (``Harness``: clock, reset, AxiLiteMaster), sequencer, driver; and the monitor."""

    def build_phase(self):
        super().build_phase()
        self.sequencer = uvm_sequencer("sequencer", self)
        self.driver = AxiLiteDriver("driver", self)
        self.monitor = AxiLiteMonitor("monitor", self)
        self.bfm = None

    def connect_phase(self):
        self.driver.seq_item_port.connect(self.sequencer.seq_item_export)

    def start_of_simulation_phase(self):
        # Before the monitors start sampling: the Harness drives reset low and starts the clock.
        self.bfm = Harness(cocotb.top)
        self.driver.bfm = self.bfm
