"""The register map of the unit's AXI4-Lite control port (our VMCS) — the single source.

``python -m interfaces.gen_regmap`` turns this description (plus the per-context
window of ``interfaces.vcpu_state``) into the SystemVerilog package
``rtl/vcpu_regmap_pkg.sv``, the Python constants ``interfaces/regmap_consts.py``
and the table ``docs/regmap.md``; a test fails when those are stale.

Layout: the global block at 0x0000, then one 4 KiB window per context at
``CTX_BASE + ctx * CTX_STRIDE`` whose offsets are ``vcpu_state.STATE_FIELDS``.
All registers are 32 bits, word aligned; reads of unmapped offsets return 0 with
OKAY, writes to read-only registers are ignored (both answer OKAY: the map is a
memory, not a trap source).  Accesses beyond the last context answer DECERR.
"""
from __future__ import annotations

from dataclasses import dataclass

from .vcpu_state import CTX_WINDOW_SIZE, STATE_FIELDS, StateField

ID_VALUE = 0x4856_4353        # "HVCS"
VERSION_VALUE = 0x0001_0000   # major.minor = 1.0
CTX_BASE = 0x1000
CTX_STRIDE = CTX_WINDOW_SIZE
ADDR_WIDTH = 16               # AXI4-Lite address bits: global block + up to 15 contexts


@dataclass(frozen=True)
class Field:
    name: str
    lsb: int
    width: int
    doc: str = ""


@dataclass(frozen=True)
class GlobalReg:
    name: str
    offset: int
    access: str        # "ro", "rw", "w1c", "wo"
    reset: int
    doc: str
    fields: tuple[Field, ...] = ()


# Flush command (FLUSH_CMD) encoding.
FLUSH_ALL = 0     # every TLB entry
FLUSH_GVMA = 1    # entries of VMID (and, with USE_ADDR, of GPA = FLUSH_ADDR << 2), like HFENCE.GVMA
FLUSH_VVMA = 2    # VS-stage entries of VMID (with USE_ASID / USE_ADDR: that ASID / guest VA), like HFENCE.VVMA

GLOBAL_REGS: tuple[GlobalReg, ...] = (
    GlobalReg("ID", 0x000, "ro", ID_VALUE, "identifies the unit: ASCII 'HVCS'"),
    GlobalReg("VERSION", 0x004, "ro", VERSION_VALUE, "register-map version, major << 16 | minor"),
    GlobalReg("CAPS", 0x008, "ro", 0, "capabilities (reset value depends on parameters)", (
        Field("NUM_VCPUS", 0, 8, "number of vCPU contexts"),
        Field("TLB_ENTRIES", 8, 8, "TLB entries"),
        Field("VMIDLEN", 16, 4, "implemented VMID bits"),
        Field("ASIDLEN", 20, 4, "implemented ASID bits"),
    )),
    GlobalReg("SCRATCH", 0x00C, "rw", 0, "free for the VMM (bus sanity checks)"),
    GlobalReg("EXIT_PENDING", 0x010, "w1c", 0, "bit i: context i has an exit pending; write 1 to clear (context goes IDLE)"),
    GlobalReg("IRQ_ENABLE", 0x014, "rw", 0, "bit i: context i's exit raises irq"),
    GlobalReg("TIME_LO", 0x018, "rw", 0, "platform time, low word; +1 per retirement record"),
    GlobalReg("TIME_HI", 0x01C, "rw", 0, "platform time, high word"),
    GlobalReg("FLUSH_CMD", 0x020, "wo", 0, "writing starts a TLB flush", (
        Field("KIND", 0, 2, "0 ALL, 1 GVMA, 2 VVMA"),
        Field("USE_ASID", 4, 1, "VVMA: only entries of FLUSH_ASID"),
        Field("USE_ADDR", 5, 1, "only entries mapping FLUSH_ADDR"),
    )),
    GlobalReg("FLUSH_VMID", 0x024, "rw", 0, "VMID argument of the flush"),
    GlobalReg("FLUSH_ASID", 0x028, "rw", 0, "ASID argument of the flush"),
    GlobalReg("FLUSH_ADDR", 0x02C, "rw", 0, "GVMA: GPA >> 2; VVMA: guest VA"),
    GlobalReg("FLUSH_STATUS", 0x030, "ro", 0, "bit 0: a flush is in progress"),
    GlobalReg("ACTIVE", 0x034, "ro", 0, "[7:0] context on the pipeline, bit 31: one is running"),
    GlobalReg("CYCLE_LO", 0x038, "ro", 0, "free-running clock-cycle counter, low"),
    GlobalReg("CYCLE_HI", 0x03C, "ro", 0, "free-running clock-cycle counter, high"),
    GlobalReg("RETIRED_LO", 0x040, "ro", 0, "retirement records of all contexts, low"),
    GlobalReg("RETIRED_HI", 0x044, "ro", 0, "retirement records of all contexts, high"),
)
GLOBAL_BY_NAME = {r.name: r for r in GLOBAL_REGS}


def ctx_base(ctx: int) -> int:
    return CTX_BASE + ctx * CTX_STRIDE


def ctx_reg(ctx: int, name: str) -> int:
    """AXI4-Lite address of field ``name`` of context ``ctx``'s window."""
    from .vcpu_state import BY_NAME
    return ctx_base(ctx) + BY_NAME[name].offset


CTX_FIELDS: tuple[StateField, ...] = STATE_FIELDS
