"""The trace ring of ``tb/hdl/trace_buffer.sv`` seen from Python.

Each slot is ``REC_BITS`` = 640 bits: the fields of ``RetireRecord`` in
declaration order from bit 0 up (599 bits), zero-padded to ten 64-bit lanes, as
``cosim_harness.sv`` concatenates them.  A drain reads each pending slot once
(one VPI read, one ``int`` conversion of its binary string), then numpy splits
the lanes of the whole batch into one ``uint64`` row per record.
"""
from __future__ import annotations

from dataclasses import fields

import numpy as np

from interfaces.trace import COMPARED_FIELDS, CYCLE_CSRS, TRACE_WIDTH, RetireRecord

REC_BITS = 640
LANES = REC_BITS // 64
FIELD_NAMES = tuple(f.name for f in fields(RetireRecord))
LAYOUT: list[tuple[str, int, int]] = []          # (name, bit offset, width)
_offset = 0
for _name in FIELD_NAMES:
    LAYOUT.append((_name, _offset, TRACE_WIDTH[_name]))
    _offset += TRACE_WIDTH[_name]
RECORD_BITS = _offset
assert RECORD_BITS <= REC_BITS
COLUMN = {name: i for i, name in enumerate(FIELD_NAMES)}


def field_at(bit: int) -> str:
    """The record field holding bit ``bit`` of a slot (for X/Z reports)."""
    for name, off, width in LAYOUT:
        if off <= bit < off + width:
            return name
    return "padding"


def unpack(lanes: np.ndarray) -> np.ndarray:
    """``(n, LANES)`` uint64 slots -> ``(n, len(FIELD_NAMES))`` uint64, one column per field."""
    out = np.empty((lanes.shape[0], len(LAYOUT)), dtype=np.uint64)
    for col, (_name, off, width) in enumerate(LAYOUT):
        lane, shift = divmod(off, 64)
        value = lanes[:, lane] >> np.uint64(shift)
        if shift and shift + width > 64:
            value = value | (lanes[:, lane + 1] << np.uint64(64 - shift))
        if width < 64:
            value = value & np.uint64((1 << width) - 1)
        out[:, col] = value
    return out


def slots_of(ring_int: int, depth: int) -> np.ndarray:
    """The ring value (an int, slot 0 in the low bits) as ``(depth, LANES)`` uint64."""
    raw = ring_int.to_bytes(depth * REC_BITS // 8, "little")
    return np.frombuffer(raw, dtype="<u8").reshape(depth, LANES)


def lanes_of(values: list[int]) -> np.ndarray:
    """Slot values (ints) as ``(len(values), LANES)`` uint64."""
    raw = b"".join(v.to_bytes(REC_BITS // 8, "little") for v in values)
    return np.frombuffer(raw, dtype="<u8").reshape(len(values), LANES)


def lanes_of_bits(text: bytes, count: int) -> np.ndarray:
    """``count`` slots given as their binary strings (MSB first, '0'/'1' only), joined, as
    ``(count, LANES)`` uint64: one numpy pass over the batch instead of an ``int`` per slot."""
    bits = np.frombuffer(text, dtype=np.uint8).reshape(count, REC_BITS) - np.uint8(ord("0"))
    msb_first = np.packbits(bits, axis=1, bitorder="big")           # byte 0 = slot bits 639..632
    return np.ascontiguousarray(msb_first[:, ::-1]).view("<u8")      # little-endian lanes


def bad_bits(text: bytes, count: int) -> np.ndarray:
    """Indices of the slots (of ``count`` joined binary strings) holding a bit other than 0/1."""
    chars = np.frombuffer(text, dtype=np.uint8).reshape(count, REC_BITS)
    return np.flatnonzero(((chars != ord("0")) & (chars != ord("1"))).any(axis=1))


_HASHED_COLUMNS = [FIELD_NAMES.index(name) for name in COMPARED_FIELDS]
_HASH_RD_WDATA = COMPARED_FIELDS.index("rd_wdata")


def hash_rows(rows: np.ndarray) -> np.ndarray:
    """The batch as ``TraceHash.add_array`` takes it: the compared fields in order, the value
    read from ``cycle``/``cycleh`` zeroed as ``TraceHash.add`` zeroes it (same hash)."""
    out = rows[:, _HASHED_COLUMNS]
    insn = rows[:, FIELD_NAMES.index("insn")]
    csr = insn >> np.uint64(20)
    reads_cycle = ((insn & np.uint64(0x7F)) == 0x73) & (((insn >> np.uint64(12)) & np.uint64(3)) != 0) \
        & np.isin(csr, np.array(CYCLE_CSRS, dtype=np.uint64)) & (rows[:, FIELD_NAMES.index("trap")] == 0)
    out[reads_cycle, _HASH_RD_WDATA] = 0
    return out


def records(rows: np.ndarray) -> list[RetireRecord]:
    return [RetireRecord(*row) for row in rows.tolist()]
