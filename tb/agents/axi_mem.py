"""The AXI4 memory agent on ``m_axi``: a responder serving the VMM's host memory and a monitor.

- ``AxiMemSettings``: latency (fixed or ``min..max`` cycles per response), random
  back-pressure per channel, error responses by range and by seeded rate; from a
  job's ``"axi"`` dictionary (``hvcosim cosim --axi-*``) or from ``ConfigDB``.
- ``AxiMemAgent`` (uvm_agent): its BFM is ``tb.sim.guest_mem.HostRam`` (cocotbext-axi
  ``AxiSlave`` + latency/back-pressure/error hooks); ``apply(settings, memory)``
  configures it for a run and installs the ``BusErrors`` on the served memory, where
  the reference hart finds them too.
- ``AxiMemMonitor``: an ``AxiBusSampler`` feeding an ``AxiProtocolChecker``; every
  completed request is published on ``ap`` as an ``AxiAccess``, every broken rule on
  ``violations`` as a ``ProtocolViolation`` (the scoreboard turns it into a failure
  of kind ``axi_protocol``).
- Factory variants: ``StressAxiMemAgent`` (latency 1..8 and back-pressure 0.3 unless
  the job says otherwise), ``FaultyAxiMemAgent`` (an error rate of 0.02 by default).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import cocotb
from pyuvm import UVMConfigItemNotFound, uvm_agent, uvm_analysis_port, uvm_component

from vmm_model.memory import DECERR, SLVERR, BusErrors, ErrorRange
# The error-entry syntax and its resolution live with the VMM (the reference run uses them too).
from vmm_model.vmm.bus_errors import DIRECTIONS, TARGET_KINDS, parse_axi_error, resolve_error  # noqa: F401

from .axi_protocol import AxiProtocolChecker, Violation
from .bus_sampler import AxiBusSampler

MAX_BACKPRESSURE = 0.95


@dataclass
class AxiMemSettings:
    latency: tuple[int, int] = (0, 0)
    backpressure: float = 0.0
    errors: list[ErrorRange] = field(default_factory=list)
    error_rate: float = 0.0

    @classmethod
    def from_job(cls, job: dict, defaults: "AxiMemSettings | None" = None, vms=None) -> "AxiMemSettings":
        """The job's ``"axi"`` dictionary over ``defaults`` (the legacy ``"backpressure"`` key too):
        ``latency`` N or [MIN, MAX], ``backpressure`` P, ``errors`` [entry...], ``error_rate`` P."""
        s = replace(defaults) if defaults is not None else cls()
        axi = dict(job.get("axi") or {})
        if "backpressure" in job and "backpressure" not in axi:
            axi["backpressure"] = job["backpressure"]
        if "latency" in axi:
            lat = axi["latency"]
            s.latency = (int(lat), int(lat)) if isinstance(lat, int) else (int(lat[0]), int(lat[1]))
        if "backpressure" in axi:
            s.backpressure = float(axi["backpressure"])
        if "errors" in axi:
            s.errors = [resolve_error(e, vms) for e in axi["errors"]]
        if "error_rate" in axi:
            s.error_rate = float(axi["error_rate"])
        s.check()
        return s

    def check(self) -> None:
        lo, hi = self.latency
        if not 0 <= lo <= hi:
            raise ValueError(f"AXI latency {lo}..{hi}: want 0 <= min <= max")
        if not 0.0 <= self.backpressure <= MAX_BACKPRESSURE:
            raise ValueError(f"AXI back-pressure {self.backpressure}: want 0..{MAX_BACKPRESSURE}")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(f"AXI error rate {self.error_rate}: want 0..1")
        for e in self.errors:
            if not (0 <= e.lo < e.hi <= 1 << 32) or e.response not in (SLVERR, DECERR):
                raise ValueError(f"AXI error range {e}: want 0 <= lo < hi <= 2^32, SLVERR or DECERR")

    def bus_errors(self, seed: int) -> BusErrors | None:
        if not self.errors and not self.error_rate:
            return None
        return BusErrors(list(self.errors), self.error_rate, seed)


@dataclass
class AxiAccess:
    """One completed ``m_axi`` request as the monitor saw it."""
    is_write: bool
    addr: int
    size: int
    resp: int
    data: int | None
    cycle: int


@dataclass
class ProtocolViolation:
    """A broken AXI rule, on its way to the scoreboard (kind ``axi_protocol``)."""
    violation: Violation


class AxiMemMonitor(uvm_component):
    """Passive: samples ``m_axi``, checks the protocol, publishes accesses and violations."""

    prefix = "m_axi"
    lite = False

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.violations = uvm_analysis_port("violations", self)
        self.checker = AxiProtocolChecker(self.prefix, lite=self.lite)
        self.sampler = None
        self._addr = {}
        self.responses = {"read": [0, 0, 0, 0], "write": [0, 0, 0, 0]}   # by RRESP/BRESP value

    def start_of_simulation_phase(self):
        dut = cocotb.top
        self.sampler = AxiBusSampler(dut, dut.clk, self.prefix, self._cycle, lite=self.lite,
                                     rst_n=dut.rst_n, on_reset=self._reset, sleep_when_idle=False)

    def _reset(self) -> None:
        self.checker = AxiProtocolChecker(self.prefix, lite=self.lite)
        self.responses = {"read": [0, 0, 0, 0], "write": [0, 0, 0, 0]}

    def _cycle(self, sample) -> None:
        checker = self.checker
        cycle = checker.cycle_count
        for v in checker.cycle(sample):
            self.violations.write(ProtocolViolation(v))
        for ch in ("ar", "aw"):
            s = sample[ch]
            if s.valid and s.ready and s.payload:
                self._addr[ch] = s.payload
        r, b = sample["r"], sample["b"]
        if r.valid and r.ready and r.payload and "ar" in self._addr:
            a = self._addr["ar"]
            if r.payload.get("resp") is not None:
                self.responses["read"][r.payload["resp"]] += 1
            self.ap.write(AxiAccess(False, a.get("addr"), 1 << (a.get("size") or 2), r.payload.get("resp"),
                                    r.payload.get("data"), cycle))
        if b.valid and b.ready and b.payload and "aw" in self._addr:
            a = self._addr["aw"]
            if b.payload.get("resp") is not None:
                self.responses["write"][b.payload["resp"]] += 1
            self.ap.write(AxiAccess(True, a.get("addr"), 1 << (a.get("size") or 2), b.payload.get("resp"),
                                    None, cycle))


class AxiMemAgent(uvm_agent):
    """Responder (BFM ``HostRam``) + monitor.  ``default_settings`` may come from ConfigDB
    (key ``"axi_mem_settings"``); each run's job adds its own on top."""

    default_settings = AxiMemSettings()

    def build_phase(self):
        super().build_phase()
        try:
            self.defaults = self.cdb_get("axi_mem_settings")
        except UVMConfigItemNotFound:       # not set: the class's defaults
            self.defaults = replace(self.default_settings)
        self.monitor = AxiMemMonitor("monitor", self)
        self.ram = None
        self.settings = self.defaults

    def start_of_simulation_phase(self):
        # The BFM exists from time 0, like the AXI-Lite agent's: cocotbext-axi BFMs only
        # enter reset on an edge of the reset pin, so one built later, with reset already
        # low, would sample the unit's X outputs (Icarus) outside reset.
        from tb.sim.guest_mem import HostRam
        from vmm_model.memory import HostMemory
        dut = cocotb.top
        self.ram = HostRam(dut, dut.clk, dut.rst_n, memory=HostMemory(4096), record=False)

    def responder(self, dut, clk, rst_n, memory):
        """The BFM, serving ``memory`` from now on (each run's host memory)."""
        self.ram.serve(memory)
        return self.ram

    def apply(self, job: dict, memory, seed: int) -> AxiMemSettings:
        """Configure the responder for one job and install its bus errors on ``memory``
        (before the reference's snapshot of it, so both sides see the same errors)."""
        s = AxiMemSettings.from_job(job, self.defaults)
        self.settings = s
        configure_responder(self.ram, s, memory, seed)
        return s


def configure_responder(ram, settings: AxiMemSettings, memory, seed: int) -> None:
    """Latency, back-pressure and bus errors of one run (also used without the pyuvm env)."""
    ram.configure(settings.latency, seed=seed + 2)
    ram.backpressure(seed=seed + 1, probability=settings.backpressure)
    memory.bus_errors = settings.bus_errors(seed)


class StressAxiMemAgent(AxiMemAgent):
    """Factory variant for the stress-bus test: slow, stalling memory unless the job says otherwise."""
    default_settings = AxiMemSettings(latency=(1, 8), backpressure=0.3)


class FaultyAxiMemAgent(AxiMemAgent):
    """Factory variant for the fault-injection test: 2 % of the host pages answer with errors."""
    default_settings = AxiMemSettings(error_rate=0.02)
