"""The retirement trace record (riscv-formal RVFI names plus ``rvfi_ext_*``) and the exit record.

One ``RetireRecord`` per retirement, from the RTL's ``rvfi_*`` port and from the
software vCPU alike, so the scoreboard compares like with like.

Conventions (docs/trace.md says the same for people):
- ``mode``: 1 = VS, 0 = VU (every retirement is virtualized).  ``ixl`` = 1 (32-bit).
- An instruction that raises a synchronous exception gives one record with
  ``trap = 1``, ``rd_addr = 0``, no memory masks, ``ext_cause``/``ext_tval`` set;
  ``pc_wdata`` is the VS handler when the trap is delegated, or the
  instruction's own pc when it exits to the VMM (``ext_exit = 1``).
- An interrupt delivered to VS marks the first handler instruction ``intr = 1``.
  An interrupt that exits produces no record (the exit record tells it).
- ``mem_addr`` is the guest virtual address of the access (not word-aligned);
  ``mem_rmask``/``mem_wmask`` are ``(1 << size) - 1``; ``mem_rdata`` is the raw
  loaded value (zero-extended), ``mem_wdata`` the stored bytes.
  ``ext_mem_paddr`` is the host-physical address of that access.
- ``ext_csr_*``: the explicit CSR write of a CSR instruction (value after the write mask).
- ``order`` counts records per context; platform ``time`` advances by one per record.
"""
from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field, fields
from operator import attrgetter

# (field name without the "rvfi_" prefix, width in bits) — the order of the RTL port list.
TRACE_FIELDS: tuple[tuple[str, int], ...] = (
    ("valid", 1), ("order", 64), ("insn", 32), ("trap", 1), ("halt", 1), ("intr", 1),
    ("mode", 2), ("ixl", 2),
    ("rs1_addr", 5), ("rs2_addr", 5), ("rs1_rdata", 32), ("rs2_rdata", 32),
    ("rd_addr", 5), ("rd_wdata", 32),
    ("pc_rdata", 32), ("pc_wdata", 32),
    ("mem_addr", 32), ("mem_rmask", 4), ("mem_wmask", 4), ("mem_rdata", 32), ("mem_wdata", 32),
    ("ext_ctx", 8), ("ext_mem_paddr", 34),
    ("ext_exit", 1), ("ext_cause", 32), ("ext_tval", 32), ("ext_htval", 32), ("ext_htinst", 32),
    ("ext_gva", 1),
    ("ext_csr_wen", 1), ("ext_csr_addr", 12), ("ext_csr_wdata", 32),
)
TRACE_WIDTH = {name: width for name, width in TRACE_FIELDS}

# Fields the scoreboard compares on every retirement (``valid`` is implied, ``order``
# is checked as a sequence, ``halt``/``ixl`` are constants here).
COMPARED_FIELDS: tuple[str, ...] = tuple(
    n for n, _ in TRACE_FIELDS if n not in ("valid", "halt", "ixl"))


# A record's compared fields as one tuple, read at C speed (the scoreboard's fast path).
_compared_values = attrgetter(*COMPARED_FIELDS)


@dataclass(slots=True)
class RetireRecord:
    order: int = 0
    insn: int = 0
    trap: int = 0
    halt: int = 0
    intr: int = 0
    mode: int = 1
    ixl: int = 1
    rs1_addr: int = 0
    rs2_addr: int = 0
    rs1_rdata: int = 0
    rs2_rdata: int = 0
    rd_addr: int = 0
    rd_wdata: int = 0
    pc_rdata: int = 0
    pc_wdata: int = 0
    mem_addr: int = 0
    mem_rmask: int = 0
    mem_wmask: int = 0
    mem_rdata: int = 0
    mem_wdata: int = 0
    ext_ctx: int = 0
    ext_mem_paddr: int = 0
    ext_exit: int = 0
    ext_cause: int = 0
    ext_tval: int = 0
    ext_htval: int = 0
    ext_htinst: int = 0
    ext_gva: int = 0
    ext_csr_wen: int = 0
    ext_csr_addr: int = 0
    ext_csr_wdata: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def diff(self, other: "RetireRecord", names=COMPARED_FIELDS) -> list[str]:
        """Names of the compared fields whose values differ."""
        if names is COMPARED_FIELDS and _compared_values(self) == _compared_values(other):
            return []       # the usual case: one tuple compare at C speed (per-field getattr: ~10 µs)
        return [n for n in names if getattr(self, n) != getattr(other, n)]


@dataclass(slots=True)
class ExitRecord:
    """What the VMM reads after an exit: the HS trap record (docs/h-extension digest §6)."""
    ctx: int
    scause: int
    sepc: int
    stval: int = 0
    htval: int = 0
    htinst: int = 0
    gva: int = 0       # hstatus.GVA
    spvp: int = 1      # hstatus.SPVP = sstatus.SPP: 1 = came from VS, 0 = from VU
    extra: dict = field(default_factory=dict)  # backend-specific diagnostics, never compared

    @property
    def is_interrupt(self) -> bool:
        return bool(self.scause >> 31)

    @property
    def code(self) -> int:
        return self.scause & 0x7FFF_FFFF

    COMPARED = ("ctx", "scause", "sepc", "stval", "htval", "htinst", "gva", "spvp")

    def diff(self, other: "ExitRecord") -> list[str]:
        return [n for n in self.COMPARED if getattr(self, n) != getattr(other, n)]


# ------------------------------------------------------------------------------ trace hash
CYCLE_CSRS = (0xC00, 0xC80)         # cycle, cycleh: their values depend on bus timing
_RD_WDATA = COMPARED_FIELDS.index("rd_wdata")
TRACE_HASH_PACK = struct.Struct(f"<{len(COMPARED_FIELDS)}Q")


def reads_cycle(insn: int) -> bool:
    """A CSR instruction that reads ``cycle``/``cycleh`` (its value follows the RTL's timing)."""
    return (insn & 0x7F) == 0x73 and (insn >> 12) & 3 != 0 and (insn >> 20) in CYCLE_CSRS


class TraceHash:
    """SHA-256 of a retirement stream: the architectural fingerprint of a run.

    Each record contributes its ``COMPARED_FIELDS`` as little-endian 64-bit words
    (``TRACE_HASH_PACK``), so a batch held as a ``(n, len(COMPARED_FIELDS))``
    ``uint64`` array hashes identically through :meth:`add_array`.  The value read
    from ``cycle``/``cycleh`` is hashed as 0: it is the one field that bus latency
    and back-pressure may change.  Same seed, same guest, same options: same hash,
    on the reference, on Verilator and on Icarus, with or without bus stalls.
    """

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self.count = 0

    def add(self, rec: RetireRecord) -> None:
        values = _compared_values(rec)
        if not rec.trap and reads_cycle(rec.insn):
            values = values[:_RD_WDATA] + (0,) + values[_RD_WDATA + 1:]
        self._sha.update(TRACE_HASH_PACK.pack(*values))
        self.count += 1

    __call__ = add          # usable directly as a SoftwareUnit ``trace`` callback

    def add_array(self, records) -> None:
        """A batch: ``uint64`` array, one row per record in ``COMPARED_FIELDS`` order
        (cycle reads already zeroed by the caller, see :func:`reads_cycle`)."""
        import numpy as np
        records = np.ascontiguousarray(records, dtype="<u8")
        self._sha.update(records.tobytes())
        self.count += len(records)

    def hexdigest(self) -> str:
        return self._sha.hexdigest()
