"""Host-page allocator: hands out 4 KiB host frames scattered over host memory by a seed.

Every VM allocates from the same allocator, so two VMs never share a frame; each
frame remembers its owner, which is what an isolation check asks about.
"""
from __future__ import annotations

import random

from vmm_model.memory import HostMemory
from vmm_model.platform import PAGE_SIZE

from .errors import VmmError


class HostPageAllocator:
    def __init__(self, memory: HostMemory, seed: int = 0):
        self.memory = memory
        self._rng = random.Random(f"host-pages:{seed}")
        frames = list(range(memory.size // PAGE_SIZE))
        self._rng.shuffle(frames)
        # Popped from the end: the order in which free frames are handed out.
        self._free_order = frames
        self._owner: dict[int, object] = {}   # frame index -> owner

    @property
    def free_pages(self) -> int:
        return len(self.memory.array) // PAGE_SIZE - len(self._owner)

    def _address(self, frame: int) -> int:
        return self.memory.base + frame * PAGE_SIZE

    def _take(self, frame: int, owner: object) -> int:
        self._owner[frame] = owner
        addr = self._address(frame)
        self.memory.fill(addr, PAGE_SIZE, 0)
        return addr

    def alloc_page(self, owner: object) -> int:
        """A zeroed 4 KiB frame for ``owner``; returns its host-physical address."""
        while self._free_order:
            frame = self._free_order.pop()
            if frame not in self._owner:
                return self._take(frame, owner)
        raise VmmError("host memory exhausted: no free 4 KiB frame left")

    def alloc_aligned(self, owner: object, pages: int) -> int:
        """``pages`` contiguous zeroed frames aligned to their total size (a Sv32x4 root needs 4)."""
        groups = [g for g in range(0, self.memory.size // PAGE_SIZE - pages + 1, pages)
                  if (self._address(g) % (pages * PAGE_SIZE)) == 0
                  and all(f not in self._owner for f in range(g, g + pages))]
        if not groups:
            raise VmmError(f"host memory exhausted: no free {pages * PAGE_SIZE // 1024} KiB block")
        first = self._rng.choice(groups)
        for frame in range(first, first + pages):
            self._take(frame, owner)
        return self._address(first)

    def free_page(self, addr: int, owner: object) -> None:
        frame = (addr - self.memory.base) // PAGE_SIZE
        if self._owner.get(frame) is not owner:
            raise VmmError(f"freeing host page {addr:#x} not owned by {owner!r}")
        del self._owner[frame]
        # Reused last: a freed frame goes to the back of the queue, keeping reuse deterministic.
        self._free_order.insert(0, frame)

    def owner_of(self, addr: int) -> object | None:
        if not self.memory.contains(addr):
            return None
        return self._owner.get((addr - self.memory.base) // PAGE_SIZE)
