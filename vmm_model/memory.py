"""Host-physical memory, backed by numpy: what the VMM owns and the unit's m_axi port reaches."""
from __future__ import annotations

import numpy as np


class HostMemoryError(Exception):
    """An access outside host memory."""


class HostMemory:
    """Byte-addressed little-endian host memory from ``base`` to ``base + size``.

    ``u8``/``u16``/``u32`` are memoryviews over the same bytes for the hot paths
    (index = (addr - base) >> log2(width), aligned accesses only).
    """

    def __init__(self, size: int, base: int = 0):
        if size <= 0 or size % 4096:
            raise ValueError("host memory size must be a positive multiple of 4 KiB")
        self.base = base
        self.size = size
        self.array = np.zeros(size, dtype=np.uint8)
        self.u8 = memoryview(self.array)
        self.u16 = self.u8.cast("H")
        self.u32 = self.u8.cast("I")

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

    def fill(self, addr: int, length: int, value: int = 0) -> None:
        off = self._offset(addr, length)
        self.array[off:off + length] = value

    def read32(self, addr: int) -> int:
        off = self._offset(addr, 4)
        return int.from_bytes(self.u8[off:off + 4], "little")

    def write32(self, addr: int, value: int) -> None:
        off = self._offset(addr, 4)
        self.u8[off:off + 4] = (value & 0xFFFF_FFFF).to_bytes(4, "little")

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
        return copy
