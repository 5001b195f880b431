"""The VMM: VMs, G-stage tables, demand paging and swap, SBI, UART, scheduling.

Written only against ``vmm_model.backend`` (Unit/Context), so the same code drives
the software reference and the RTL.
"""
from .allocator import HostPageAllocator
from .errors import GuestFailure, GuestInputError, VmmError
from .gstage import GStageTables
from .guest_ram import GuestRam
from .vcpu import RunState, VCpu
from .vm import Vm, VmStatus
from .vmm import DEFAULT_QUANTUM, Vmm, VmmOutcome

__all__ = ["HostPageAllocator", "GuestFailure", "GuestInputError", "VmmError", "GStageTables",
           "GuestRam", "RunState", "VCpu", "Vm", "VmStatus", "DEFAULT_QUANTUM", "Vmm", "VmmOutcome"]
