"""Placing vCPUs onto the unit's hardware contexts: the fast and the slow world switch.

A vCPU stays resident in a context until that context is needed by another vCPU.
With at least as many contexts as vCPUs nothing is ever evicted, so switching
vCPUs is just running another context (the fast world switch).  With fewer, the
least recently run resident vCPU is saved (``SAVED_FIELDS`` read over the control
port) and the incoming one restored (written) — the slow world switch.
"""
from __future__ import annotations

from dataclasses import dataclass

from interfaces.vcpu_state import SAVED_FIELDS
from vmm_model.backend import Context, Unit

from .vcpu import VCpu


@dataclass
class SwitchStats:
    fast: int = 0   # ran a different vCPU that was already resident
    slow: int = 0   # had to restore a vCPU's state into a context


class ContextPool:
    def __init__(self, unit: Unit):
        self.contexts: list[Context] = list(unit.contexts)
        self.holder: list[VCpu | None] = [None] * len(self.contexts)
        self._recency: list[int] = list(range(len(self.contexts)))   # least recent first
        self._last: VCpu | None = None
        self.stats = SwitchStats()

    def _touch(self, slot: int) -> None:
        self._recency.remove(slot)
        self._recency.append(slot)

    async def place(self, vcpu: VCpu) -> Context:
        """The context ``vcpu`` runs in, restoring it there first if it is not resident."""
        if vcpu.context is not None:
            slot = self.contexts.index(vcpu.context)
            if self._last is not None and self._last is not vcpu:
                self.stats.fast += 1
        else:
            slot = next((s for s in self._recency if self.holder[s] is None), self._recency[0])
            evicted = self.holder[slot]
            if evicted is not None:
                evicted.saved = await evicted.context.read_state(SAVED_FIELDS)
                evicted.context = None
            context = self.contexts[slot]
            await context.write_state(vcpu.saved)
            vcpu.context = context
            self.holder[slot] = vcpu
            self.stats.slow += 1
        self._touch(slot)
        self._last = vcpu
        return self.contexts[slot]

    def release(self, vcpu: VCpu) -> None:
        """Forget a vCPU that will never run again (its VM ended); its context becomes free."""
        if vcpu.context is not None:
            self.holder[self.contexts.index(vcpu.context)] = None
            vcpu.context = None
