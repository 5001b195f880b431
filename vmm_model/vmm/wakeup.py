"""When a waiting vCPU wakes up, and when the platform timer would wake it.

A vCPU in WFI (or a suspended one) wakes when a VS interrupt it enables locally
(``hie``, the guest's ``vsie``) is pending, whatever ``vsstatus.SIE`` says
(digest §5).  VSSIP and VSEIP come from ``hvip`` (VSEIP is the UART's
interrupt line on vCPU 0, set by ``Vm.sync_uart_irq``, possibly while another
vCPU runs); VSTIP from ``hvip`` or from Sstc: guest time (platform time +
``htimedelta``) >= ``vstimecmp``.
"""
from __future__ import annotations

from .vcpu import VCpu

MASK64 = (1 << 64) - 1
VS_INTERRUPTS = 0x444
VSTI = 1 << 6
NEVER = MASK64            # vstimecmp = all ones: the usual "timer disarmed"
WAKE_FIELDS = ("hvip", "hie", "hideleg", "vstimecmp", "vstimecmph", "htimedelta", "htimedeltah")


def _pair(regs: dict[str, int], low: str) -> int:
    return regs[low] | (regs[low + "h"] << 32)


def pending_enabled(regs: dict[str, int], now: int) -> int:
    guest_time = (now + _pair(regs, "htimedelta")) & MASK64
    pending = regs["hvip"]
    if guest_time >= _pair(regs, "vstimecmp"):
        pending |= VSTI
    return pending & regs["hie"] & regs["hideleg"] & VS_INTERRUPTS


def timer_deadline(regs: dict[str, int]) -> int | None:
    """The platform time at which the guest timer fires, if it is enabled and armed."""
    compare = _pair(regs, "vstimecmp")
    if compare == NEVER or not regs["hie"] & regs["hideleg"] & VSTI:
        return None
    return (compare - _pair(regs, "htimedelta")) & MASK64


async def wake_registers(vcpu: VCpu) -> dict[str, int]:
    return await vcpu.read(WAKE_FIELDS)
