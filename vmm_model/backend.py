"""The one interface the VMM uses to run guests, whatever executes them.

``SoftwareUnit`` (vmm_model.hart) implements it in pure Python; ``RtlUnit``
(tb/, over the AXI4-Lite agent) implements it on the RTL.  The VMM never knows
which one it drives.  Every call is ``async`` because the RTL backend waits on a
simulator; the software backend simply never suspends, so the VMM also runs
under plain ``asyncio.run``.

State names are those of ``interfaces.vcpu_state.STATE_FIELDS``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Iterable

from interfaces.trace import ExitRecord


class Context(ABC):
    """One hardware vCPU context: a register file plus VS and hypervisor CSRs."""

    ctx_id: int

    @abstractmethod
    async def read_state(self, names: Iterable[str] | None = None) -> dict[str, int]:
        """Current values of ``names`` (all saved fields when None). Context must not be running."""

    @abstractmethod
    async def write_state(self, values: dict[str, int]) -> None:
        """Write fields (masked by each field's ``vmm_mask``). Context must not be running."""

    @abstractmethod
    async def run(self, budget: int = 0) -> ExitRecord:
        """Run from ``pc``/``priv`` until the next exit; ``budget`` > 0 bounds the
        retirement records before a preemption exit (``PREEMPT_CAUSE``). The
        exit is acknowledged before returning: the context is IDLE again."""

    @abstractmethod
    async def reset(self) -> None:
        """Every field back to its reset value (CTRL.RESET)."""


class Unit(ABC):
    """The virtualization unit: N contexts sharing one pipeline, one TLB and platform time."""

    contexts: list[Context]

    @property
    def num_contexts(self) -> int:
        return len(self.contexts)

    @abstractmethod
    async def get_time(self) -> int: ...

    @abstractmethod
    async def set_time(self, value: int) -> None: ...

    @abstractmethod
    async def flush_tlb(self, kind: int, vmid: int = 0, asid: int | None = None,
                        addr: int | None = None) -> None:
        """HFENCE-style invalidation (interfaces.regmap FLUSH_ALL/GVMA/VVMA).

        ``addr`` is a byte address: the GPA for GVMA, the guest VA for VVMA (the
        RTL backend writes FLUSH_ADDR = GPA >> 2 itself, as HFENCE.GVMA takes it).
        """
