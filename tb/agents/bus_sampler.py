"""BFM: samples the five channels of an AXI4 or AXI4-Lite bus at each rising clock edge.

Reads the VALID/READY pairs every sampled cycle and the payload of a channel only
while its VALID is high; hands each cycle's ``ChannelSample``s to a callback (the
protocol checker, the transaction publisher).  It costs nothing while the bus is
idle: with every VALID low it sleeps until one of them (or reset) changes (any
change, X/Z included), so the cycles between bus requests wake nothing.
"""
from __future__ import annotations

import cocotb
from cocotb.triggers import Edge, First, RisingEdge

from .axi_protocol import CHANNELS, LITE_PAYLOAD, PAYLOAD, ChannelSample


def _read(handle):
    v = handle.value
    return int(v) if v.is_resolvable else None


class AxiBusSampler:
    def __init__(self, dut, clk, prefix: str, on_cycle, lite: bool = False, rst_n=None, on_reset=None):
        """``on_cycle(sample)`` each sampled cycle; ``on_reset()`` when reset (active low) is seen."""
        fields = LITE_PAYLOAD if lite else PAYLOAD
        self.clk, self.rst_n, self.on_cycle, self.on_reset = clk, rst_n, on_cycle, on_reset
        self.channels = []
        for ch in CHANNELS:
            valid = getattr(dut, f"{prefix}_{ch}valid")
            ready = getattr(dut, f"{prefix}_{ch}ready")
            payload = [(f, getattr(dut, f"{prefix}_{ch}{f}")) for f in fields[ch] if hasattr(dut, f"{prefix}_{ch}{f}")]
            self.channels.append((ch, valid, ready, payload))
        self.cycles_sampled = 0
        self.task = cocotb.start_soon(self._loop())

    def close(self) -> None:
        self.task.cancel()

    async def _loop(self) -> None:
        edge = RisingEdge(self.clk)
        valid_edges = [Edge(valid) for _, valid, _, _ in self.channels]
        if self.rst_n is not None:
            valid_edges.append(Edge(self.rst_n))       # a reset while idle is seen too
        while True:
            await edge
            if self.rst_n is not None and _read(self.rst_n) != 1:
                if self.on_reset is not None:
                    self.on_reset()
                await RisingEdge(self.rst_n)
                continue
            sample = {}
            active = False
            for ch, valid, ready, payload in self.channels:
                v = _read(valid)
                s = ChannelSample(v, _read(ready))
                if v != 0:                           # valid, or X/Z
                    active = True
                    if v:
                        s.payload = {name: _read(h) for name, h in payload}
                sample[ch] = s
            self.cycles_sampled += 1
            self.on_cycle(sample)
            if not active:
                await First(*valid_edges)
