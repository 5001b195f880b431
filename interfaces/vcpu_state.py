"""The architectural state of one vCPU context: the single list every layer agrees on.

The software vCPU's ``read_state``/``write_state`` dictionaries, the per-context
window of the register map (our VMCS) and the RTL's context storage are all
built from ``STATE_FIELDS``.  ``offset`` is the byte offset inside a context's
register window; ``csr`` the CSR number where the field is a CSR; ``vmm_mask``
the bits the VMM can write over the control port (everything else reads as the
hardware keeps it).  Writes the *guest* makes go through the hart's CSR rules
(see docs/h-extension digest), which may use narrower masks.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StateField:
    name: str
    offset: int
    csr: int | None
    reset: int
    vmm_mask: int
    doc: str


FULL = 0xFFFF_FFFF

# Context life cycle (STATUS.state), see docs/lifecycle.md.
CTX_IDLE = 0
CTX_RUNNING = 1
CTX_EXIT_PENDING = 2
CTX_HALTED = 3
CTX_STATE_NAMES = {CTX_IDLE: "IDLE", CTX_RUNNING: "RUNNING",
                   CTX_EXIT_PENDING: "EXIT_PENDING", CTX_HALTED: "HALTED"}

# CTRL (write-only command register of a context window).
CTRL_RUN = 1 << 0    # idle -> running (ignored unless IDLE)
CTRL_STOP = 1 << 1   # running -> exit with scause = STOP_CAUSE at the next boundary
CTRL_HALT = 1 << 2   # any -> HALTED (refuses RUN until RESET)
CTRL_RESET = 1 << 3  # any -> IDLE with every field at its reset value

# Host-level (HS) interrupt causes the unit uses for its own exits.
INTERRUPT_BIT = 1 << 31
STOP_CAUSE = INTERRUPT_BIT | 1       # VMM asked the context to stop (supervisor software interrupt)
PREEMPT_CAUSE = INTERRUPT_BIT | 5    # preemption budget ran out (supervisor timer interrupt)

_header = [
    # name, offset, csr, reset, vmm_mask, doc
    ("ctrl", 0x000, None, 0, 0, "command: RUN/STOP/HALT/RESET bits (write-only, reads 0)"),
    ("status", 0x004, None, 0, 0, "life-cycle state [1:0] (read-only)"),
    ("budget", 0x008, None, 0, FULL, "preemption budget in retirement records; 0 = unlimited; counts down while running"),
    ("priv", 0x00C, None, 1, 0x1, "nominal privilege to run in: 1 = VS, 0 = VU (= sstatus.SPP on exit)"),
    ("pc", 0x010, None, 0x8000_0000, 0xFFFF_FFFC, "guest pc; on exit equals sepc"),
    ("scause", 0x020, None, 0, FULL, "exit record: HS scause (bit 31 = interrupt)"),
    ("sepc", 0x024, None, 0, 0xFFFF_FFFC, "exit record: HS sepc (guest virtual pc)"),
    ("stval", 0x028, None, 0, FULL, "exit record: HS stval"),
    ("htval", 0x02C, 0x643, 0, FULL, "exit record: GPA >> 2 for guest-page faults, else 0"),
    ("htinst", 0x030, 0x64A, 0, FULL, "exit record: transformed or pseudo instruction, else 0"),
    ("instret", 0x040, None, 0, FULL, "retired-instruction counter, low word (VMM-owned minstret)"),
    ("instreth", 0x044, None, 0, FULL, "retired-instruction counter, high word"),
    ("cycle", 0x048, None, 0, FULL, "cycle counter while this context runs, low word"),
    ("cycleh", 0x04C, None, 0, FULL, "cycle counter, high word"),
    ("mcounteren", 0x050, None, 0x7, 0x7, "VMM-owned mcounteren (CY, TM, IR)"),
    ("hs_sstatus", 0x054, None, 0, 0x000C_0000, "VMM-owned HS sstatus bits used while V=1: SUM (18), MXR (19)"),
]

_gprs = [(f"x{i}", 0x080 + 4 * i, None, 0, 0 if i == 0 else FULL, f"general-purpose register x{i}")
         for i in range(32)]

_csrs = [
    ("hstatus", 0x100, 0x600, 0, 0x0070_03C0, "GVA, SPV, SPVP, HU, VTVM, VTW, VTSR"),
    ("hedeleg", 0x104, 0x602, 0, 0x000C_B1FF, "exceptions delegated to VS (writable bits 0-8, 12, 13, 15, 18, 19)"),
    ("hedelegh", 0x108, 0x612, 0, 0, "read-only 0"),
    ("hideleg", 0x10C, 0x603, 0, 0x444, "VSSI, VSTI, VSEI delegated to VS"),
    ("hie", 0x110, 0x604, 0, 0x444, "VSSIE, VSTIE, VSEIE"),
    ("htimedelta", 0x114, 0x605, 0, FULL, "guest time offset, low"),
    ("htimedeltah", 0x118, 0x615, 0, FULL, "guest time offset, high"),
    ("hcounteren", 0x11C, 0x606, 0, 0x7, "CY, TM, IR visible to VS"),
    ("hgeie", 0x120, 0x607, 0, 0, "GEILEN = 0: read-only 0"),
    ("henvcfg", 0x124, 0x60A, 0, 0, "read-only 0 (no FIOM, CBO, PBMT)"),
    ("henvcfgh", 0x128, 0x61A, 0x8000_0000, 0x8000_0000, "STCE (bit 31); ADUE read-only 0 (Svade)"),
    ("hvip", 0x12C, 0x645, 0, 0x444, "VMM-injected VSSIP, VSTIP, VSEIP"),
    ("hgatp", 0x130, 0x680, 0, 0x9FFF_FFFF, "MODE (31), VMID (28:22), PPN (21:0; PPN[1:0] read 0 in Sv32x4)"),
    ("hgeip", 0x134, 0xE12, 0, 0, "GEILEN = 0: read-only 0"),
    ("vsstatus", 0x140, 0x200, 0, 0x000C_0122, "SIE, SPIE, SPP, SUM, MXR"),
    ("vstvec", 0x144, 0x205, 0, 0xFFFF_FFFD, "BASE, MODE 0/1"),
    ("vsscratch", 0x148, 0x240, 0, FULL, ""),
    ("vsepc", 0x14C, 0x241, 0, 0xFFFF_FFFC, ""),
    ("vscause", 0x150, 0x242, 0, FULL, ""),
    ("vstval", 0x154, 0x243, 0, FULL, ""),
    ("vsatp", 0x158, 0x280, 0, FULL, "MODE (31), ASID (30:22), PPN (21:0)"),
    ("vstimecmp", 0x15C, 0x24D, FULL, FULL, "Sstc guest timer compare, low"),
    ("vstimecmph", 0x160, 0x25D, FULL, FULL, "Sstc guest timer compare, high"),
    ("scounteren", 0x164, 0x106, 0, 0x7, "not duplicated: works in VS/VU, swapped by the VMM"),
    ("senvcfg", 0x168, 0x10A, 0, 0, "not duplicated; nothing implemented: read-only 0"),
]

STATE_FIELDS: tuple[StateField, ...] = tuple(StateField(*row) for row in _header + _gprs + _csrs)
BY_NAME: dict[str, StateField] = {f.name: f for f in STATE_FIELDS}
BY_OFFSET: dict[int, StateField] = {f.offset: f for f in STATE_FIELDS}
# Guest-visible CSRs kept as state (V=1 access rules decide who may touch them).
CSR_FIELDS: dict[int, StateField] = {f.csr: f for f in STATE_FIELDS if f.csr is not None}
# Everything the VMM saves and restores on a slow world switch.
SAVED_FIELDS: tuple[str, ...] = tuple(f.name for f in STATE_FIELDS
                                      if f.name not in ("ctrl", "status", "x0") and f.vmm_mask)
CTX_WINDOW_SIZE = 0x1000


def reset_state() -> dict[str, int]:
    """Every field at its reset value (what CTRL.RESET and power-on give)."""
    return {f.name: f.reset for f in STATE_FIELDS if f.name not in ("ctrl", "status")}
