"""Injected AXI error responses described by target: parsing and resolution to host ranges.

One syntax for ``hvcosim run --axi-error`` and ``hvcosim cosim --axi-error`` (and a
co-simulation job's ``"axi"]["errors"]`` / ``RunOptions.bus_errors``):

- ``LO-HI:slverr|decerr[:read|write]``: host-physical ``[LO, HI)``;
- ``gpa:ADDR:...``: the word at guest-physical ADDR of VM 0;
- ``gpte:ADDR:...``: the G-stage leaf PTE that maps guest-physical ADDR of VM 0 (an
  error on the G-stage walk);
- ``groot:ADDR:...``: the G-stage root (level-1, Sv32x4) PTE over guest-physical ADDR of
  VM 0 (an error on the first read of every G-stage walk in that 4 MiB).

A guest-physical target is resolved once, before the run: its page is made resident
(``GuestRam.fault_in``) so its host frame is fixed, and the word (or PTE) becomes a
host-physical ``ErrorRange``.  The run must then keep that page where it is (no swap
under a memory budget, no remap), which is the caller's business.  The reference hart
(``vmm_model.hart.mmu``) and the co-simulation's m_axi responder both answer from the
resulting ``HostMemory.bus_errors``.
"""
from __future__ import annotations

from typing import Sequence

from vmm_model.memory import RESPONSE_NAMES, BusErrors, ErrorRange

DIRECTIONS = {"read": (True, False), "write": (False, True), "both": (True, True)}
TARGET_KINDS = ("gpa", "gpte", "groot")


def parse_axi_error(text: str) -> dict:
    """``--axi-error`` text -> an error entry (a dict); raises ValueError with a one-line reason."""
    parts = text.split(":")
    if parts and parts[0] in TARGET_KINDS:
        kind, parts = parts[0], parts[1:]
        if len(parts) < 2:
            raise ValueError(f"{text!r}: want {kind}:ADDR:slverr|decerr[:read|write]")
        entry = {kind: _number(parts[0], text)}
    else:
        if len(parts) < 2 or "-" not in parts[0]:
            raise ValueError(f"{text!r}: want LO-HI:slverr|decerr[:read|write] or gpa:ADDR:... or gpte:ADDR:...")
        lo, hi = (_number(x, text) for x in parts[0].split("-", 1))
        if not 0 <= lo < hi <= 1 << 32:
            raise ValueError(f"{text!r}: want 0 <= LO < HI <= 0x100000000")
        entry = {"lo": lo, "hi": hi}
    response, direction = parts[1].lower(), (parts[2].lower() if len(parts) > 2 else "both")
    if response not in RESPONSE_NAMES:
        raise ValueError(f"{text!r}: response {parts[1]!r} is not slverr or decerr")
    if direction not in DIRECTIONS or len(parts) > 3:
        raise ValueError(f"{text!r}: direction must be read or write (default both)")
    entry.update(response=response, dir=direction)
    return entry


def format_axi_error(entry: dict) -> str:
    """The ``--axi-error`` text of an entry (the inverse of ``parse_axi_error``)."""
    if "lo" in entry:
        target = f"{entry['lo']:#x}-{entry['hi']:#x}"
    else:
        kind = next(k for k in TARGET_KINDS if k in entry)
        target = f"{kind}:{entry[kind]:#x}"
    direction = entry.get("dir", "both")
    return f"{target}:{entry.get('response', 'slverr')}" + ("" if direction == "both" else f":{direction}")


def _number(text: str, whole: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise ValueError(f"{whole!r}: {text!r} is not a number") from None


def resolve_error(entry, vms=None) -> ErrorRange:
    """An error entry (``[lo, hi, response, reads, writes]`` or a dict from
    ``parse_axi_error``) as a host-physical ``ErrorRange``; ``gpa``/``gpte`` need the VMs
    (the page is made resident first, so its host frame is fixed before the run)."""
    if not isinstance(entry, dict):
        return ErrorRange(*entry)
    response = entry.get("response", "slverr")
    response = RESPONSE_NAMES[response] if isinstance(response, str) else int(response)
    reads, writes = DIRECTIONS[entry.get("dir", "both")]
    if "lo" in entry:
        return ErrorRange(int(entry["lo"]), int(entry["hi"]), response, reads, writes)
    if not vms:
        raise ValueError(f"error target {entry}: guest-physical targets need the VMs")
    ram = vms[0].ram
    kind = next(k for k in TARGET_KINDS if k in entry)
    gpa = int(entry[kind])
    if not ram.contains(gpa):
        raise ValueError(f"error target {kind}:{gpa:#x}: not in VM 0's guest RAM "
                         f"[{ram.base:#x}, {ram.base + ram.size:#x})")
    frame = ram.fault_in(gpa)
    if kind == "gpa":
        host = frame + (gpa & 0xFFC)
    elif kind == "gpte":
        host = ram.gstage._leaf_entry_addr(gpa, create=False)
    else:                                     # a table pointer once fault_in mapped the page
        host = ram.gstage._root_entry_addr(gpa)
    return ErrorRange(host, host + 4, response, reads, writes)


def resolve_errors(entries: Sequence, vms=None, seed: int = 0) -> BusErrors | None:
    """Every entry resolved, as the ``BusErrors`` to install on host memory (None: no entries)."""
    if not entries:
        return None
    return BusErrors([resolve_error(e, vms) for e in entries], 0.0, seed)
