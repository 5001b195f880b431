"""The IRQ monitor: the ``irq`` line against what the register port says it must be.

``irq`` is a level: some context has EXIT_PENDING with its IRQ_ENABLE bit set
(docs/regmap.md).  The monitor learns IRQ_ENABLE from the writes (and reads) the
AXI-Lite monitor publishes, and EXIT_PENDING from the VMM's reads of it, and checks:

- ``irq`` is never X/Z (watched on every change of the line, not every cycle);
- ``irq`` rises only while IRQ_ENABLE is non-zero;
- whenever EXIT_PENDING is read, ``irq`` in that cycle equals ``(EXIT_PENDING & IRQ_ENABLE) != 0``.

Each rising edge is published on ``ap`` as an ``IrqEvent``; a broken rule goes on
``violations`` as an ``IrqViolation`` (the scoreboard fails the run with kind ``irq``).
"""
from __future__ import annotations

from dataclasses import dataclass

import cocotb
from cocotb.triggers import Edge
from cocotb.utils import get_sim_time
from pyuvm import uvm_analysis_port, uvm_subscriber

from interfaces import regmap

IRQ_ENABLE = regmap.GLOBAL_BY_NAME["IRQ_ENABLE"].offset
EXIT_PENDING = regmap.GLOBAL_BY_NAME["EXIT_PENDING"].offset


@dataclass
class IrqEvent:
    time_ns: int
    irq_enable: int


@dataclass
class IrqViolation:
    rule: str
    message: str


class IrqRules:
    """The checks, fed with register accesses and line changes (no simulator needed)."""

    def __init__(self):
        self.irq_enable = 0
        self.exit_pending_seen = None

    def register(self, write: bool, addr: int, data: int, resp: int, irq_level) -> IrqViolation | None:
        if resp:
            return None
        if addr == IRQ_ENABLE:
            self.irq_enable = data
        elif addr == EXIT_PENDING and not write:
            self.exit_pending_seen = data
            want = int(bool(data & self.irq_enable))
            if irq_level != want:
                return IrqViolation("irq_level", f"irq = {irq_level} while EXIT_PENDING = {data:#x} and "
                                                 f"IRQ_ENABLE = {self.irq_enable:#x} (expected {want})")
        return None

    def line(self, level) -> IrqViolation | None:
        if level is None:
            return IrqViolation("irq_xz", "irq is X/Z")
        if level and not self.irq_enable:
            return IrqViolation("irq_disabled", "irq rose while IRQ_ENABLE = 0")
        return None


class IrqMonitor(uvm_subscriber):
    """Subscribes to the AXI-Lite monitor's register accesses; watches ``irq``."""

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.violations = uvm_analysis_port("violations", self)
        self.rules = IrqRules()
        self.rises = 0
        self.irq = None

    def start_of_simulation_phase(self):
        self.irq = cocotb.top.irq
        self.task = cocotb.start_soon(self._watch())

    def _level(self):
        v = self.irq.value
        return int(v) if v.is_resolvable else None

    async def _watch(self):
        rst_n = cocotb.top.rst_n
        while True:
            await Edge(self.irq)
            if not (rst_n.value.is_resolvable and int(rst_n.value)):
                self.rules.irq_enable = 0           # reset clears IRQ_ENABLE; irq may be X meanwhile
                continue
            level = self._level()
            bad = self.rules.line(level)
            if bad is not None:
                self.violations.write(bad)
            if level:
                self.rises += 1
                self.ap.write(IrqEvent(int(get_sim_time("ns")), self.rules.irq_enable))

    def write(self, access) -> None:         # a RegAccess of the AXI-Lite monitor
        bad = self.rules.register(access.write, access.addr, access.data, access.resp, self._level())
        if bad is not None:
            self.violations.write(bad)
