"""``RtlUnit`` / ``RtlContext``: ``vmm_model.backend.Unit``/``Context`` on the RTL.

Runs inside the simulator (cocotb).  Everything goes through the AXI4-Lite
register map (``interfaces.regmap`` / ``interfaces.vcpu_state`` names, never
literal offsets) with the ``Harness`` of ``tb.sim.unit_tb``; host memory is the
VMM's own ``HostMemory``, served on ``m_axi`` by ``tb.sim.guest_mem.HostRam``.

``run(budget)``: write ``budget``, enable the context's IRQ, CTRL.RUN, then wait
for the ``irq`` line (one trigger, not a poll per cycle), read the exit record
and clear EXIT_PENDING (W1C): the context is IDLE again when it returns.
"""
from __future__ import annotations

import collections
from typing import Iterable

from cocotb.triggers import First, RisingEdge, Timer

from interfaces import regmap
from interfaces.trace import ExitRecord
from interfaces.vcpu_state import BY_NAME, CTRL_RESET, CTRL_RUN, CTX_EXIT_PENDING, SAVED_FIELDS
from vmm_model.backend import Context, Unit

from .sim.guest_mem import HostRam
from .sim.unit_tb import CLK_PERIOD_NS, Harness

HSTATUS_GVA, HSTATUS_SPVP = 1 << 6, 1 << 8
FLUSH_FIELDS = {f.name: f for f in regmap.GLOBAL_BY_NAME["FLUSH_CMD"].fields}
EXIT_FIELDS = ("scause", "sepc", "stval", "htval", "htinst", "hstatus")
# Cycles an unbounded run may take before the unit is declared hung (a watchdog, not a budget).
HANG_CYCLES_PER_RECORD = 400
HANG_CYCLES_UNBOUNDED = 20_000_000
EXITS_KEPT = 16              # the last exit records, for the job result


class RtlHang(RuntimeError):
    """The unit did not raise ``irq`` within the watchdog time."""


class RtlContext(Context):
    def __init__(self, unit: "RtlUnit", ctx_id: int):
        self.unit = unit
        self.ctx_id = ctx_id

    async def read_state(self, names: Iterable[str] | None = None) -> dict[str, int]:
        names = SAVED_FIELDS if names is None else names
        h = self.unit.h
        return {name: await h.crd(self.ctx_id, BY_NAME[name].name) for name in names}

    async def write_state(self, values: dict[str, int]) -> None:
        h = self.unit.h
        for name, value in values.items():
            if BY_NAME[name].vmm_mask:
                await h.cwr(self.ctx_id, name, value & 0xFFFF_FFFF)

    async def run(self, budget: int = 0) -> ExitRecord:
        unit, h, ctx = self.unit, self.unit.h, self.ctx_id
        await h.cwr(ctx, "budget", budget & 0xFFFF_FFFF)
        if unit.irq_enable != 1 << ctx:
            unit.irq_enable = 1 << ctx
            await h.gwr("IRQ_ENABLE", unit.irq_enable)
        await h.ctrl(ctx, CTRL_RUN)
        irq = unit.dut.irq
        if not int(irq.value):
            cycles = budget * HANG_CYCLES_PER_RECORD + 100_000 if budget else HANG_CYCLES_UNBOUNDED
            await First(RisingEdge(irq), Timer(cycles * CLK_PERIOD_NS, unit="ns"))
            if not int(irq.value):
                raise RtlHang(f"ctx {ctx}: no exit within {cycles} cycles (budget {budget})")
        return await self.take_exit()

    async def take_exit(self) -> ExitRecord:
        """After ``irq``: read this context's exit record and clear its EXIT_PENDING bit (W1C)."""
        unit, h, ctx = self.unit, self.unit.h, self.ctx_id
        pending = await h.grd("EXIT_PENDING")
        if not pending >> ctx & 1:
            raise RuntimeError(f"irq raised but EXIT_PENDING = {pending:#x} has no bit for ctx {ctx}")
        rec = {n: await h.crd(ctx, n) for n in EXIT_FIELDS}
        await h.gwr("EXIT_PENDING", 1 << ctx)
        hstatus = rec["hstatus"]
        exit = ExitRecord(ctx=ctx, scause=rec["scause"], sepc=rec["sepc"], stval=rec["stval"],
                          htval=rec["htval"], htinst=rec["htinst"], gva=int(bool(hstatus & HSTATUS_GVA)),
                          spvp=int(bool(hstatus & HSTATUS_SPVP)), extra={"hstatus": hstatus})
        unit.exits.append(exit)
        return exit

    async def reset(self) -> None:
        await self.unit.h.ctrl(self.ctx_id, CTRL_RESET)

    async def status(self) -> int:
        return (await self.unit.h.crd(self.ctx_id, "status")) & 3

    async def exit_pending(self) -> bool:
        return await self.status() == CTX_EXIT_PENDING


class RtlUnit(Unit):
    """The unit behind its AXI4-Lite port; ``memory`` (a HostMemory) is served on ``m_axi``."""

    def __init__(self, dut, memory, harness: Harness | None = None, ram: HostRam | None = None):
        """``harness``: the register port (default a ``Harness`` of its own; under the pyuvm env
        a ``SequencedHarness``); ``ram``: the m_axi responder (default one of its own)."""
        self.dut = dut
        self.h = harness or Harness(dut)
        self.memory = memory
        self.ram = ram or HostRam(dut, self.h.clk, self.h.rst_n, memory=memory, record=False)
        self.contexts: list[RtlContext] = []
        self.irq_enable = 0
        self.exits: collections.deque[ExitRecord] = collections.deque(maxlen=EXITS_KEPT)   # since start()

    def serve(self, memory) -> None:
        """Serve another HostMemory on ``m_axi`` (the next run of a multi-run simulation)."""
        self.memory = memory
        self.ram.serve(memory)

    async def start(self, num_contexts: int | None = None) -> None:
        """Reset the unit; expose ``num_contexts`` contexts (default CAPS.NUM_VCPUS)."""
        await self.h.reset()
        self.exits.clear()
        n = self.h.num_vcpus if num_contexts is None else num_contexts
        if n > self.h.num_vcpus:
            raise ValueError(f"{n} contexts asked, the RTL has NUM_VCPUS = {self.h.num_vcpus}")
        self.contexts = [RtlContext(self, i) for i in range(n)]
        self.irq_enable = await self.h.grd("IRQ_ENABLE")

    async def get_time(self) -> int:
        return await self.h.time()

    async def set_time(self, value: int) -> None:
        await self.h.gwr("TIME_LO", value & 0xFFFF_FFFF)
        await self.h.gwr("TIME_HI", (value >> 32) & 0xFFFF_FFFF)

    async def flush_tlb(self, kind: int, vmid: int = 0, asid: int | None = None,
                        addr: int | None = None) -> None:
        h = self.h
        cmd = kind << FLUSH_FIELDS["KIND"].lsb
        await h.gwr("FLUSH_VMID", vmid)
        if asid is not None:
            await h.gwr("FLUSH_ASID", asid)
            cmd |= 1 << FLUSH_FIELDS["USE_ASID"].lsb
        if addr is not None:
            await h.gwr("FLUSH_ADDR", (addr >> 2) if kind == regmap.FLUSH_GVMA else addr)
            cmd |= 1 << FLUSH_FIELDS["USE_ADDR"].lsb
        await h.gwr("FLUSH_CMD", cmd)
        for _ in range(1000):
            if not (await h.grd("FLUSH_STATUS")) & 1:
                return
        raise RtlHang("FLUSH_STATUS still busy after 1000 polls")
