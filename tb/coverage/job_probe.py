"""What one co-simulation job measures besides pass/fail: functional coverage and performance.

``tb.cosim.run_job`` makes a :class:`JobProbe` once the lockstep unit exists and
merges :meth:`JobProbe.finish` into the job's result:

- ``coverage``: the plan's hit bins (only non-zero counts, ``tb.coverage.collector``);
- ``perf``: the unit's own counters read over AXI4-Lite at the end (CYCLE, RETIRED),
  exits by cause, the average exit round trip (cycles from a context's exit to the
  next run the VMM starts), m_axi bytes by direction and bus utilisation (beats per
  cycle on each channel).
"""
from __future__ import annotations

from tb.sim.unit_tb import CLK_PERIOD_NS

from .collector import attach_lockstep


class JobProbe:
    def __init__(self, lockstep, job: dict | None = None, axi_monitor=None):
        """``axi_monitor``: the memory agent's monitor (``tb.agents.axi_mem.AxiMemMonitor``),
        whose RRESP/BRESP counts give the job's error responses (HostRam.on_access, which
        counts the accesses, runs before the responder decides the response)."""
        self.lockstep = lockstep
        self.collector = attach_lockstep(lockstep, backpressure=_backpressure(job or {}))
        self.axi_monitor = axi_monitor
        self._responses_before = ({k: list(v) for k, v in axi_monitor.responses.items()}
                                  if axi_monitor is not None else None)
        # The fast mode's SV memory serves m_axi without a per-access hook: no traffic numbers.
        self.sees_bus = (job or {}).get("memory", "bfm") != "fast"
        self.run_cycles = 0          # cycles spent inside context runs
        self.round_trips: list[int] = []
        self._last_exit_at: int | None = None
        for context in lockstep.contexts:
            self._time_runs(context)

    def _time_runs(self, context) -> None:
        from cocotb.utils import get_sim_time
        run = context.run

        async def timed(budget: int = 0):
            start = int(get_sim_time("ns")) // CLK_PERIOD_NS
            if self._last_exit_at is not None:
                self.round_trips.append(start - self._last_exit_at)
                self._last_exit_at = None
            try:
                return await run(budget)
            finally:
                end = int(get_sim_time("ns")) // CLK_PERIOD_NS
                self.run_cycles += end - start
                self._last_exit_at = end
        context.run = timed

    async def finish(self, result) -> dict:
        """Coverage and performance of the finished run (``result``: a ``RunResult``)."""
        col = self.collector
        col.vmm_counts(result.exit_counts, result.world_switches)
        if self.axi_monitor is not None:      # this job's responses: counters now minus at the start
            for channel, counts in self.axi_monitor.responses.items():
                before = self._responses_before.get(channel, [0] * len(counts))
                col.axi_responses(channel, [n - b for n, b in zip(counts, before)])
        hits = col.finish()
        coverage = {g: {cp: {b: n for b, n in bins.items() if n} for cp, bins in cps.items()}
                    for g, cps in hits.items()}
        rtl = self.lockstep.rtl
        cycles = retired = None
        try:
            cycles = (await rtl.h.grd("CYCLE_HI")) << 32 | await rtl.h.grd("CYCLE_LO")
            retired = (await rtl.h.grd("RETIRED_HI")) << 32 | await rtl.h.grd("RETIRED_LO")
        except Exception:             # a unit that hung: the numbers are simply missing
            pass
        exits = dict(coverage.get("exits", {}).get("cause", {}))
        total_exits = sum(exits.values())
        perf = {
            "cycles": cycles, "retired": retired, "run_cycles": self.run_cycles,
            "cpi": round(self.run_cycles / retired, 3) if retired else None,
            "exits": total_exits,
            "exits_per_1000": {k: round(1000.0 * v / retired, 3) for k, v in exits.items()} if retired else {},
            "exit_round_trip_cycles": (round(sum(self.round_trips) / len(self.round_trips), 1)
                                       if self.round_trips else None),
            "axi_bytes": dict(col.axi_bytes) if self.sees_bus else None,
            "axi_accesses": dict(col.axi_accesses) if self.sees_bus else None,
            "axi_bytes_per_instruction": (round(sum(col.axi_bytes.values()) / retired, 3)
                                          if retired and self.sees_bus else None),
            # one beat per access (single-beat bursts): busy cycles of each channel / all cycles
            "bus_utilisation": ({k: round(v / cycles, 4) for k, v in col.axi_accesses.items()}
                                if cycles and self.sees_bus else {}),
            "coverage_records": col.records,
        }
        return {"coverage": coverage, "perf": perf}


def _backpressure(job: dict) -> bool:
    """Whether the job's m_axi responder stalls (``backpressure`` or ``axi.backpressure``)."""
    axi = job.get("axi") if isinstance(job.get("axi"), dict) else {}
    value = job.get("backpressure") or axi.get("backpressure") or 0
    try:
        return float(value) > 0
    except (TypeError, ValueError):
        return bool(value)
