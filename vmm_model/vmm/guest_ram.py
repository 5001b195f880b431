"""A VM's guest RAM: demand paging onto scattered host frames, and swap under a budget.

A RAM page is in one of three states: *untouched* (reads as zeros, no host frame),
*resident* (a host frame mapped in G-stage) or *swapped* (its bytes in the swap
store, unmapped).  When the VM holds ``budget_pages`` resident pages, mapping one
more first evicts the oldest resident page (FIFO: deterministic, and the page just
mapped is the last one chosen, so an instruction's few pages always fit).

Every unmapped or newly mapped GPA is queued in ``pending_flushes``; the VMM turns
them into FLUSH_GVMA requests before any vCPU of this VM runs again.
"""
from __future__ import annotations

from dataclasses import dataclass

from vmm_model.platform import PAGE_SIZE

from .allocator import HostPageAllocator
from .errors import VmmError
from .gstage import GStageTables

# The most guest pages one instruction can need at once: fetch page, data page and
# two VS-stage page-table pages for each (Sv32 has two levels), shared root counted once.
MIN_BUDGET_PAGES = 8
POISON = 0xA5             # fills a frame the VMM took away from a page (remap, scripted swap-out)


@dataclass
class PagingStats:
    demand_faults: int = 0
    swap_outs: int = 0
    swap_ins: int = 0


class GuestRam:
    def __init__(self, base: int, size: int, gstage: GStageTables, allocator: HostPageAllocator,
                 owner: object, budget_pages: int | None = None):
        if size <= 0 or size % PAGE_SIZE or base % PAGE_SIZE:
            raise VmmError(f"guest RAM {base:#x}+{size:#x} is not page aligned")
        if budget_pages is not None and budget_pages < MIN_BUDGET_PAGES:
            raise VmmError(f"memory budget of {budget_pages} pages is below the minimum "
                           f"{MIN_BUDGET_PAGES}")
        self.base = base
        self.size = size
        self.gstage = gstage
        self.allocator = allocator
        self.owner = owner
        self.budget_pages = budget_pages
        self.resident: dict[int, int] = {}   # guest page address -> host frame, in mapping order
        self.swap_store: dict[int, bytes] = {}
        self.pending_flushes: list[int] = []
        self.stats = PagingStats()

    def contains(self, gpa: int, length: int = 1) -> bool:
        return self.base <= gpa and gpa + length <= self.base + self.size

    def page_state(self, gpa: int) -> str:
        page = gpa & ~(PAGE_SIZE - 1)
        if page in self.resident:
            return "resident"
        return "swapped" if page in self.swap_store else "untouched"

    def fault_in(self, gpa: int) -> int:
        """Make the page holding ``gpa`` resident and mapped; returns its host frame."""
        if not self.contains(gpa):
            raise VmmError(f"GPA {gpa:#x} is not guest RAM")
        page = gpa & ~(PAGE_SIZE - 1)
        if page in self.resident:
            return self.resident[page]
        if self.budget_pages is not None and len(self.resident) >= self.budget_pages:
            self._evict(next(iter(self.resident)))
        frame = self.allocator.alloc_page(self.owner)
        swapped = self.swap_store.pop(page, None)
        if swapped is not None:
            self.allocator.memory.write(frame, swapped)
            self.stats.swap_ins += 1
        else:
            self.stats.demand_faults += 1
        self.gstage.map_page(page, frame)
        self.resident[page] = frame
        self.pending_flushes.append(page)
        return frame

    def _evict(self, page: int, free: bool = True) -> None:
        frame = self.resident.pop(page)
        self.swap_store[page] = self.allocator.memory.read(frame, PAGE_SIZE)
        self.gstage.unmap_page(page)
        if free:
            self.allocator.free_page(frame, self.owner)
        self.pending_flushes.append(page)
        self.stats.swap_outs += 1

    def remap(self, gpa: int) -> int:
        """Move the page holding ``gpa`` to a fresh host frame (a VMM compacting or migrating
        memory): contents copied, the old frame poisoned then freed, a G-stage flush queued.
        A page that is not resident is simply made resident.  Returns the new frame."""
        page = gpa & ~(PAGE_SIZE - 1)
        if page not in self.resident:
            return self.fault_in(page)
        old = self.resident[page]
        new = self.allocator.alloc_page(self.owner)
        memory = self.allocator.memory
        memory.write(new, memory.read(old, PAGE_SIZE))
        self.gstage.map_page(page, new)
        self.resident[page] = new
        self._poison_and_free(old)
        self.pending_flushes.append(page)
        return new

    def swap_out(self, gpa: int) -> None:
        """Evict the page holding ``gpa`` now (its old frame poisoned): the next access swaps it in."""
        page = gpa & ~(PAGE_SIZE - 1)
        if page in self.resident:
            frame = self.resident[page]
            self._evict(page, free=False)
            self._poison_and_free(frame)

    def _poison_and_free(self, frame: int) -> None:
        # A translation the unit failed to flush would now read POISON, not the old data.
        self.allocator.memory.fill(frame, PAGE_SIZE, POISON)
        self.allocator.free_page(frame, self.owner)

    def take_pending_flushes(self) -> list[int]:
        pending, self.pending_flushes = self.pending_flushes, []
        return pending

    def _chunks(self, gpa: int, length: int):
        end = gpa + length
        while gpa < end:
            page = gpa & ~(PAGE_SIZE - 1)
            take = min(end, page + PAGE_SIZE) - gpa
            yield gpa, page, take
            gpa += take

    def read(self, gpa: int, length: int) -> bytes:
        """Guest-physical bytes as the guest would see them, without faulting anything in.

        Resident pages are read through the VM's own G-stage tables."""
        if not self.contains(gpa, length):
            raise VmmError(f"guest RAM read {gpa:#x}+{length} outside RAM")
        out = bytearray()
        for addr, page, take in self._chunks(gpa, length):
            if page in self.resident:
                spa = self.gstage.translate(addr)
                if spa is None:
                    raise VmmError(f"resident guest page {page:#x} is not mapped in G-stage")
                out += self.allocator.memory.read(spa, take)
            elif page in self.swap_store:
                offset = addr - page
                out += self.swap_store[page][offset:offset + take]
            else:
                out += bytes(take)
        return bytes(out)

    def write(self, gpa: int, data: bytes) -> None:
        """Store bytes into guest RAM, paging in what they touch (ELF loading, SBI reads)."""
        if not self.contains(gpa, len(data)):
            raise VmmError(f"guest RAM write {gpa:#x}+{len(data)} outside RAM")
        done = 0
        for addr, page, take in self._chunks(gpa, len(data)):
            frame = self.fault_in(addr)
            self.allocator.memory.write(frame + (addr - page), data[done:done + take])
            done += take

    def owns_host_address(self, spa: int) -> bool:
        return self.allocator.owner_of(spa) is self.owner
