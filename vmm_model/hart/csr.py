"""CSR access from V=1 (VS/VU): which address reaches which register, who may
touch it (illegal vs virtual instruction, digest §2-§3), and each register's
read and write semantics.

``resolve`` is the permission check; it returns the register actually
accessed, named by its own address (S addresses are redirected to the VS CSR
at 0x2xx; ``scounteren``/``senvcfg`` and the counters keep theirs).  ``read``
and ``write`` then work on that register.  The vCPU attributes are the
``interfaces.vcpu_state`` field names.
"""
from __future__ import annotations

from .trap import illegal, virtual

M32 = 0xFFFF_FFFF
M64 = (1 << 64) - 1
HSTATUS_VTVM = 1 << 20
HENVCFGH_STCE = 1 << 31
SSTATUS_SIE = 1 << 1

# S CSR address -> the VS CSR it reaches from V=1.
S_TO_VS = {0x100: 0x200, 0x104: 0x204, 0x105: 0x205, 0x140: 0x240, 0x141: 0x241,
           0x142: 0x242, 0x143: 0x243, 0x144: 0x244, 0x14D: 0x24D, 0x15D: 0x25D, 0x180: 0x280}
# S CSRs that are not duplicated: they keep working in VS (the VMM swaps them).
S_SHARED = (0x106, 0x10A)          # scounteren, senvcfg
STIMECMP = (0x14D, 0x15D)
SATP = 0x180
# Counters (address -> counteren bit is addr & 0x1F).  hpmcounter* are not implemented.
COUNTERS = (0xC00, 0xC01, 0xC02, 0xC80, 0xC81, 0xC82)
# Implemented hypervisor and VS CSRs: from V=1 by these addresses -> virtual instruction.
H_AND_VS = frozenset((0x600, 0x602, 0x603, 0x604, 0x605, 0x606, 0x607, 0x60A, 0x612, 0x615,
                      0x61A, 0x643, 0x644, 0x645, 0x64A, 0x680, 0xE12)) | frozenset(S_TO_VS.values())


def resolve(h, addr: int, write: bool, word: int) -> int:
    """Check an access by a CSR instruction in VS/VU; the register reached, or raise."""
    if write and addr >> 10 == 3:
        raise illegal(word)                 # read-only CSR (checked before privilege, as Spike)
    if addr in COUNTERS:
        bit = 1 << (addr & 0x1F)
        if not h.mcounteren & bit:
            raise illegal(word)
        if not h.hcounteren & bit or (h.priv == 0 and not h.scounteren & bit):
            raise virtual(word)
        return addr
    if addr in H_AND_VS:
        raise virtual(word)
    if addr in S_TO_VS or addr in S_SHARED:
        if addr in STIMECMP:
            if not h.mcounteren & 2:
                raise illegal(word)
            if h.priv == 0 or not h.henvcfgh & HENVCFGH_STCE or not h.hcounteren & 2:
                raise virtual(word)
        elif h.priv == 0:
            raise virtual(word)             # an S CSR from VU
        elif addr == SATP and h.hstatus & HSTATUS_VTVM:
            raise virtual(word)
        return S_TO_VS.get(addr, addr)
    raise illegal(word)                     # M-level, unimplemented


def _guest_time(h) -> int:
    return (h.unit.time + ((h.htimedeltah << 32) | h.htimedelta)) & M64


def hip(h) -> int:
    """hip bits 2/6/10: hvip, plus VSTIP from vstimecmp when henvcfg.STCE (Sstc)."""
    pending = h.hvip
    if h.henvcfgh & HENVCFGH_STCE and _guest_time(h) >= (h.vstimecmph << 32) | h.vstimecmp:
        pending |= 1 << 6
    return pending


_READ = {
    0xC00: lambda h: h.cycle64 & M32,
    0xC80: lambda h: (h.cycle64 >> 32) & M32,
    0xC01: lambda h: _guest_time(h) & M32,
    0xC81: lambda h: _guest_time(h) >> 32,
    0xC02: lambda h: h.instret64 & M32,
    0xC82: lambda h: (h.instret64 >> 32) & M32,
    0x106: lambda h: h.scounteren,
    0x10A: lambda h: h.senvcfg,
    0x200: lambda h: h.vsstatus,
    0x204: lambda h: (h.hie & h.hideleg) >> 1,
    0x205: lambda h: h.vstvec,
    0x240: lambda h: h.vsscratch,
    0x241: lambda h: h.vsepc,
    0x242: lambda h: h.vscause,
    0x243: lambda h: h.vstval,
    0x244: lambda h: (hip(h) & h.hideleg) >> 1,
    0x24D: lambda h: h.vstimecmp,
    0x25D: lambda h: h.vstimecmph,
    0x280: lambda h: h.vsatp,
}


def read(h, reg: int) -> int:
    return _READ[reg](h)


def _write_vsie(h, value: int) -> None:
    delegated = h.hideleg & 0x444
    h.hie = (h.hie & ~delegated) | ((value << 1) & delegated)


def _write_vsip(h, value: int) -> None:
    if h.hideleg & 0x4:                      # only SSIP is writable: it is hvip.VSSIP
        h.hvip = (h.hvip & ~0x4) | ((value << 1) & 0x4)


_WRITE = {
    0x106: lambda h, v: setattr(h, "scounteren", v & 0x7),
    0x10A: lambda h, v: None,                # senvcfg: nothing implemented, read-only 0
    0x200: lambda h, v: setattr(h, "vsstatus", v & 0x000C_0122),
    0x204: _write_vsie,
    0x205: lambda h, v: setattr(h, "vstvec", v & 0xFFFF_FFFD),
    0x240: lambda h, v: setattr(h, "vsscratch", v),
    0x241: lambda h, v: setattr(h, "vsepc", v & 0xFFFF_FFFC),
    0x242: lambda h, v: setattr(h, "vscause", v),
    0x243: lambda h, v: setattr(h, "vstval", v),
    0x244: _write_vsip,
    0x24D: lambda h, v: setattr(h, "vstimecmp", v),
    0x25D: lambda h, v: setattr(h, "vstimecmph", v),
    0x280: lambda h, v: setattr(h, "vsatp", v),   # RV32: both MODE values are supported
}


def write(h, reg: int, value: int) -> int:
    """Write ``reg``; returns what it reads back (the trace's ``ext_csr_wdata``)."""
    _WRITE[reg](h, value & M32)
    return read(h, reg)
