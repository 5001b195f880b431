"""Host-physical memory, backed by numpy: what the VMM owns and the unit's m_axi port reaches.

``BusErrors`` is the one description of injected AXI error responses: the bus
responder of the co-simulation answers from it, and the reference hart raises
the matching access fault from it, so both sides fault on the same accesses.
"""
from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

PAGE_SHIFT = 12


class HostMemoryError(Exception):
    """An access outside host memory."""


OKAY, SLVERR, DECERR = 0, 2, 3
RESPONSE_NAMES = {"slverr": SLVERR, "decerr": DECERR}


@dataclass(frozen=True)
class ErrorRange:
    """Host-physical ``[lo, hi)`` answered with ``response`` (SLVERR/DECERR) for reads and/or writes."""
    lo: int
    hi: int
    response: int = SLVERR
    reads: bool = True
    writes: bool = True


@dataclass
class BusErrors:
    """Which host accesses get an AXI error response: by range, and by a seeded rate.

    Granularity is the 32-bit word (an RV32 access never crosses one, and the
    bus carries word addresses): word ``w`` errs when it overlaps an error
    range of its direction.  The rate decides per 4 KiB host page from a hash of
    ``(seed, page)`` -- a pure function, so the reference predicts it without
    seeing the bus -- and such a page errs for reads and writes alike, with
    SLVERR or DECERR chosen by another bit of the same hash.
    """
    ranges: list[ErrorRange] = field(default_factory=list)
    rate: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        self._page_cache: dict[int, int] = {}

    def _page_response(self, page: int) -> int:
        response = self._page_cache.get(page)
        if response is None:
            digest = hashlib.blake2b(f"{self.seed}:{page}".encode(), digest_size=8).digest()
            draw = int.from_bytes(digest[:7], "little") / float(1 << 56)
            response = (DECERR if digest[7] & 1 else SLVERR) if draw < self.rate else OKAY
            self._page_cache[page] = response
        return response

    def response(self, addr: int, is_write: bool) -> int:
        """AXI response (OKAY/SLVERR/DECERR) for an access to the word holding host address ``addr``."""
        word = addr & ~3
        for r in self.ranges:
            if r.lo < word + 4 and word < r.hi and (r.writes if is_write else r.reads):
                return r.response
        if self.rate > 0.0:
            return self._page_response(addr >> PAGE_SHIFT)
        return OKAY

    def page_clean(self, page: int, is_write: bool) -> bool:
        """No word of host page ``page`` errs for this direction (so a cache may skip the check)."""
        lo, hi = page << PAGE_SHIFT, (page + 1) << PAGE_SHIFT
        for r in self.ranges:
            if r.lo < hi and lo < r.hi and (r.writes if is_write else r.reads):
                return False
        return self.rate <= 0.0 or self._page_response(page) == OKAY

    def to_dict(self) -> dict:
        return {"ranges": [[r.lo, r.hi, r.response, r.reads, r.writes] for r in self.ranges],
                "rate": self.rate, "seed": self.seed}

    @classmethod
    def from_dict(cls, d: dict) -> "BusErrors":
        return cls([ErrorRange(*r) for r in d.get("ranges", ())], float(d.get("rate", 0.0)), int(d.get("seed", 0)))


class HostMemory:
    """Byte-addressed little-endian host memory from ``base`` to ``base + size``.

    ``u8``/``u16``/``u32`` are memoryviews over the same bytes for the hot paths
    (index = (addr - base) >> log2(width), aligned accesses only).

    Write watching: a reader that caches something derived from memory (the
    reference hart caches decoded code blocks and page-table walks) marks the
    host pages it depends on with ``watch_page`` and registers listeners.
    Every write through ``write``/``write32``/``fill``/``notify_write`` that
    touches a watched page calls the write listeners with ``(addr, length)``;
    marking a page watched for the first time calls the watch listeners with
    the page number (so fast store paths that skip the check can drop it).
    Code that writes ``array``/``u8``/``u16``/``u32`` directly must call
    ``notify_write`` afterwards, or cached readers may see stale bytes.

    ``bus_errors`` (a ``BusErrors`` or None): accesses of the unit (the RTL's
    ``m_axi``, the reference hart's fetches, loads, stores and PTE reads) that
    get an error response; the VMM's own reads and writes are not bus accesses
    and ignore it.  Set it before any hart runs on this memory.
    """

    bus_errors: BusErrors | None = None

    def __init__(self, size: int, base: int = 0):
        if size <= 0 or size % 4096:
            raise ValueError("host memory size must be a positive multiple of 4 KiB")
        self.base = base
        self.size = size
        self.array = np.zeros(size, dtype=np.uint8)
        self.u8 = memoryview(self.array)
        self.u16 = self.u8.cast("H")
        self.u32 = self.u8.cast("I")
        self._init_watching()

    def _init_watching(self) -> None:
        self.watched_pages: set[int] = set()    # host page numbers (addr >> 12)
        self._write_listeners: list[weakref.WeakMethod | Callable] = []
        self._watch_listeners: list[weakref.WeakMethod | Callable] = []

    @staticmethod
    def _ref(listener: Callable):
        # Bound methods are held weakly so a dropped hart does not stay alive
        # (and keep being called) through the memory it used.
        return weakref.WeakMethod(listener) if hasattr(listener, "__self__") else (lambda: listener)

    def add_write_listener(self, listener: Callable[[int, int], None]) -> None:
        self._write_listeners.append(self._ref(listener))

    def add_watch_listener(self, listener: Callable[[int], None]) -> None:
        self._watch_listeners.append(self._ref(listener))

    @staticmethod
    def _call(refs: list, *args) -> None:
        dead = False
        for ref in list(refs):
            fn = ref()
            if fn is None:
                dead = True
            else:
                fn(*args)
        if dead:
            refs[:] = [r for r in refs if r() is not None]

    def watch_page(self, page: int) -> None:
        """Mark host page ``page`` (= addr >> 12) as one a cache depends on."""
        if page not in self.watched_pages:
            self.watched_pages.add(page)
            self._call(self._watch_listeners, page)

    def notify_write(self, addr: int, length: int) -> None:
        """Tell cached readers that ``[addr, addr + length)`` changed."""
        if length <= 0 or not self.watched_pages:
            return
        first, last = addr >> PAGE_SHIFT, (addr + length - 1) >> PAGE_SHIFT
        watched = self.watched_pages
        if any(page in watched for page in range(first, last + 1)):
            self._call(self._write_listeners, addr, length)

    def contains(self, addr: int, length: int = 1) -> bool:
        return self.base <= addr and addr + length <= self.base + self.size

    def _offset(self, addr: int, length: int) -> int:
        if not self.contains(addr, length):
            raise HostMemoryError(f"host access {addr:#x}+{length} outside [{self.base:#x}, "
                                  f"{self.base + self.size:#x})")
        return addr - self.base

    def read(self, addr: int, length: int) -> bytes:
        off = self._offset(addr, length)
        return self.array[off:off + length].tobytes()

    def write(self, addr: int, data: bytes | bytearray | memoryview | np.ndarray) -> None:
        data = np.frombuffer(bytes(data), dtype=np.uint8) if not isinstance(data, np.ndarray) else data
        off = self._offset(addr, len(data))
        self.array[off:off + len(data)] = data
        self.notify_write(addr, len(data))

    def fill(self, addr: int, length: int, value: int = 0) -> None:
        off = self._offset(addr, length)
        self.array[off:off + length] = value
        self.notify_write(addr, length)

    def read32(self, addr: int) -> int:
        off = self._offset(addr, 4)
        return int.from_bytes(self.u8[off:off + 4], "little")

    def write32(self, addr: int, value: int) -> None:
        off = self._offset(addr, 4)
        self.u8[off:off + 4] = (value & 0xFFFF_FFFF).to_bytes(4, "little")
        self.notify_write(addr, 4)

    def compare(self, addr: int, data: bytes) -> list[int]:
        """Host addresses (first 64) where memory differs from ``data``."""
        off = self._offset(addr, len(data))
        diff = np.nonzero(self.array[off:off + len(data)] != np.frombuffer(data, dtype=np.uint8))[0]
        return [addr + int(i) for i in diff[:64]]

    def snapshot(self) -> "HostMemory":
        """An independent copy (for a shadow reference or a before/after compare)."""
        copy = HostMemory.__new__(HostMemory)
        copy.base, copy.size = self.base, self.size
        copy.array = self.array.copy()
        copy.u8 = memoryview(copy.array)
        copy.u16 = copy.u8.cast("H")
        copy.u32 = copy.u8.cast("I")
        copy._init_watching()   # a copy starts with no cached readers
        copy.bus_errors = self.bus_errors
        return copy

    def bus_error(self, addr: int, is_write: bool) -> int:
        """The injected AXI response for a unit access at host ``addr`` (OKAY = 0 when none)."""
        errors = self.bus_errors
        return OKAY if errors is None else errors.response(addr, is_write)
