"""A scripted stand-in for backend.Unit/Context, for unit tests of the VMM alone.

Each context holds a state dict (masked like the real control port) and answers
``run`` from a script of ``(retirements, ExitRecord)`` pairs, or from a callable
that may edit the state like a hart would.
"""
from __future__ import annotations

import asyncio

from interfaces.trace import ExitRecord
from interfaces.vcpu_state import BY_NAME, PREEMPT_CAUSE, SAVED_FIELDS, reset_state
from vmm_model.backend import Context, Unit


class FakeContext(Context):
    def __init__(self, unit: "FakeUnit", ctx_id: int):
        self.unit = unit
        self.ctx_id = ctx_id
        self.state = reset_state()
        self.script: list = []
        self.runs: list[int] = []   # budgets passed to run()

    async def read_state(self, names=None):
        names = SAVED_FIELDS if names is None else names
        return {n: self.state[n] for n in names}

    async def write_state(self, values):
        for name, value in values.items():
            mask = BY_NAME[name].vmm_mask
            self.state[name] = (self.state[name] & ~mask) | (value & mask)

    async def run(self, budget=0):
        self.runs.append(budget)
        if not self.script:
            self.unit.time += budget
            return ExitRecord(ctx=self.ctx_id, scause=PREEMPT_CAUSE, sepc=self.state["pc"])
        step = self.script.pop(0)
        if callable(step):
            step = step(self)
        retired, record = step
        self.unit.time += retired
        self.state["pc"] = record.sepc
        record.ctx = self.ctx_id
        return record

    async def reset(self):
        self.state = reset_state()


class FakeUnit(Unit):
    def __init__(self, num_contexts: int = 2):
        self.contexts = [FakeContext(self, i) for i in range(num_contexts)]
        self.time = 0
        self.flushes: list[tuple] = []

    async def get_time(self):
        return self.time

    async def set_time(self, value):
        self.time = value

    async def flush_tlb(self, kind, vmid=0, asid=None, addr=None):
        self.flushes.append((kind, vmid, asid, addr))


def run(coro):
    return asyncio.run(coro)


def test_fake_context_masks_writes_like_the_control_port():
    ctx = FakeUnit(1).contexts[0]
    run(ctx.write_state({"pc": 0x8000_0003, "x0": 5}))
    assert run(ctx.read_state(["pc", "x0"])) == {"pc": 0x8000_0000, "x0": 0}
