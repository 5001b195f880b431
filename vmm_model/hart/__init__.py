"""The reference hart: ``SoftwareUnit``/``SoftwareVcpu`` (VS/VU, two-stage MMU, traps, interrupts)."""
from .trap import Trap
from .unit import SoftwareUnit
from .vcpu import SoftwareVcpu

__all__ = ["SoftwareUnit", "SoftwareVcpu", "Trap"]
