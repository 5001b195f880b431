"""Redirecting a trap into the guest, the way KVM does (digest §5, VS trap entry).

Used for what the VMM decides is the guest's own problem: an access to a
guest-physical address that is neither RAM nor a device (access fault), or an
instruction the VMM does not emulate behind a virtual-instruction exit (illegal
instruction).
"""
from __future__ import annotations

from .errors import GuestFailure
from .vcpu import PRIV_VS, VSSTATUS_SIE, VSSTATUS_SPIE, VSSTATUS_SPP, VCpu

EXCEPTION_NAMES = {1: "instruction access fault", 2: "illegal instruction",
                   5: "load access fault", 7: "store/AMO access fault"}


async def inject_exception(vcpu: VCpu, cause: int, tval: int, epc: int, from_vs: bool) -> None:
    """Enter the guest's VS trap handler for exception ``cause`` raised at ``epc``."""
    regs = await vcpu.read(["vsstatus", "vstvec"])
    handler = regs["vstvec"] & ~0x3          # exceptions always go to BASE, vectored or not
    if cause == 1 and handler == epc:
        raise GuestFailure(f"{vcpu.label}: instruction access fault at the trap handler itself "
                           f"(vstvec {regs['vstvec']:#010x}): the guest cannot recover")
    vsstatus = regs["vsstatus"] & ~(VSSTATUS_SIE | VSSTATUS_SPIE | VSSTATUS_SPP)
    if regs["vsstatus"] & VSSTATUS_SIE:
        vsstatus |= VSSTATUS_SPIE
    if from_vs:
        vsstatus |= VSSTATUS_SPP
    await vcpu.write({"vsepc": epc, "vscause": cause, "vstval": tval, "vsstatus": vsstatus,
                      "pc": handler, "priv": PRIV_VS})
