"""A virtual CPU of a VM: its run state, and its registers wherever they currently live.

While a vCPU is resident in a unit context its registers live there (read and
written through ``backend.Context``); otherwise they live in ``saved``, the copy
the slow world switch took.  ``read``/``write`` hide the difference.
"""
from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Iterable

from interfaces.vcpu_state import SAVED_FIELDS, reset_state
from vmm_model import platform
from vmm_model.backend import Context

if TYPE_CHECKING:
    from .vm import Vm

VSSTATUS_SIE = 1 << 1
VSSTATUS_SPIE = 1 << 5
VSSTATUS_SPP = 1 << 8
PRIV_VS = 1


class RunState(enum.Enum):
    STARTED = "started"       # runnable
    WAITING = "waiting"       # in WFI until a locally enabled VS interrupt is pending
    SUSPENDED = "suspended"   # SBI HSM hart_suspend, same wake-up rule as WAITING
    STOPPED = "stopped"       # SBI HSM hart_stop, or not started yet


def start_state(entry: int, hartid: int, hgatp: int, opaque: int = 0) -> dict[str, int]:
    """Saved fields of a vCPU entering VS-mode at ``entry`` (DESIGN §3; SBI HSM start)."""
    state = {name: value for name, value in reset_state().items() if name in SAVED_FIELDS}
    state.update({
        "priv": PRIV_VS, "pc": entry, "x10": hartid, "x11": opaque,
        "vsatp": 0, "vsstatus": 0,
        "hgatp": hgatp,
        "hstatus": platform.HSTATUS_DEFAULT,
        "hedeleg": platform.HEDELEG_DEFAULT,
        "hideleg": platform.HIDELEG_DEFAULT,
        "henvcfgh": platform.HENVCFGH_DEFAULT,
        "hcounteren": platform.HCOUNTEREN_DEFAULT,
    })
    return state


def restart_values(entry: int, hartid: int, opaque: int) -> dict[str, int]:
    """What SBI HSM changes in a vCPU it (re)starts at ``entry``: VS, satp = 0, SIE = 0."""
    return {"priv": PRIV_VS, "pc": entry, "x10": hartid, "x11": opaque, "vsatp": 0,
            "vsstatus": 0}


class VCpu:
    def __init__(self, vm: "Vm", index: int, entry: int):
        self.vm = vm
        self.index = index
        self.state = RunState.STARTED
        self.saved: dict[str, int] = start_state(entry, index, vm.hgatp)
        self.context: Context | None = None
        # Written when a SUSPENDED vCPU wakes (non-retentive suspend), else None.
        self.on_wake: dict[str, int] | None = None

    @property
    def label(self) -> str:
        return f"vm{self.vm.index}.cpu{self.index}"

    def __repr__(self) -> str:
        return f"<VCpu {self.label} {self.state.value}>"

    async def read(self, names: Iterable[str]) -> dict[str, int]:
        names = list(names)
        if self.context is not None:
            return await self.context.read_state(names)
        return {name: self.saved[name] for name in names}

    async def write(self, values: dict[str, int]) -> None:
        if self.context is not None:
            await self.context.write_state(values)
        else:
            self.saved.update({name: value & 0xFFFF_FFFF for name, value in values.items()})
