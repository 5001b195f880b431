"""``SoftwareUnit``: the reference implementation of ``vmm_model.backend.Unit``.

N contexts sharing host memory and platform time.  The unit owns the cache
coherence of its contexts: it listens to host-memory writes on watched pages
(code that blocks were compiled from, page-table entries a walk read) and
drops exactly what they make stale, so cached translations and compiled
blocks never show anything a TLB-less, cache-less hart would not.
"""
from __future__ import annotations

from typing import Callable

from interfaces.trace import RetireRecord
from vmm_model.backend import Unit
from vmm_model.memory import HostMemory

from .vcpu import SoftwareVcpu

M64 = (1 << 64) - 1


class SoftwareUnit(Unit):
    def __init__(self, memory: HostMemory, num_contexts: int = 2,
                 trace: Callable[[RetireRecord], None] | None = None):
        self.memory = memory
        self.trace = trace
        self.time = 0                      # platform time: +1 per retirement record of any context
        self.generation = 0                # bumped whenever a write invalidates something cached
        self._pte_words: set[int] = set()  # host addresses of PTEs that cached translations used
        # host page -> [(blocks dict, pc, first byte offset, end byte offset)] of compiled blocks
        self._code: dict[int, list[tuple[dict, int, int, int]]] = {}
        self.walks: list | None = None     # walk observer records (Regime.walks), off by default
        memory.add_write_listener(self._on_memory_write)
        memory.add_watch_listener(self._on_page_watched)
        self.contexts: list[SoftwareVcpu] = [SoftwareVcpu(self, i) for i in range(num_contexts)]

    # ------------------------------------------------------------------ Unit API

    async def get_time(self) -> int:
        return self.time

    async def set_time(self, value: int) -> None:
        self.time = value & M64

    async def flush_tlb(self, kind: int, vmid: int = 0, asid: int | None = None,
                        addr: int | None = None) -> None:
        """HFENCE-style flush.  The caches hold nothing stale, so every kind simply
        drops everything (it can never change what the hart sees)."""
        self.flush_translations()

    def observe_walks(self, records: list | None) -> None:
        """Append every page-table walk's record (``vmm_model.hart.mmu``) to ``records``
        (None: stop).  Walks run on page-cache misses only: see the mmu docstring."""
        self.walks = records
        for context in self.contexts:
            for regime in context.regimes.values():
                regime.walks = records

    # ------------------------------------------------------------------ cache coherence

    def flush_translations(self) -> None:
        """Drop every cached translation and compiled block of every context."""
        for context in self.contexts:
            context.clear_caches()
        self._pte_words.clear()
        self._code.clear()
        self.generation += 1

    def note_pte(self, host_addr: int) -> None:
        """A walk read the PTE at ``host_addr``: a later write to it must flush."""
        self._pte_words.add(host_addr)
        self.memory.watch_page(host_addr >> 12)

    def note_code(self, host_page_addr: int, blocks: dict, pc: int, lo: int, hi: int) -> None:
        """A block was compiled from bytes [lo, hi) of the host page at ``host_page_addr``."""
        page = host_page_addr >> 12
        self._code.setdefault(page, []).append((blocks, pc, lo, hi))
        self.memory.watch_page(page)

    def _on_page_watched(self, page: int) -> None:
        # Store page caches skip the watch check: none may keep pointing at this page.
        for context in self.contexts:
            for regime in context.regimes.values():
                regime.store.clear()

    def _on_memory_write(self, addr: int, length: int) -> None:
        end = addr + length
        changed = False
        for page in range(addr >> 12, ((end - 1) >> 12) + 1):
            entries = self._code.get(page)
            if not entries:
                continue
            page_base = page << 12
            kept = []
            for blocks, pc, lo, hi in entries:
                if page_base + lo < end and addr < page_base + hi:
                    blocks.pop(pc, None)
                    changed = True
                else:
                    kept.append((blocks, pc, lo, hi))
            self._code[page] = kept
        words = self._pte_words
        if words:
            if length <= 64:
                hit = any(a in words for a in range(addr & ~3, end, 4))
            else:
                hit = any(addr <= a + 3 and a < end for a in words)
            if hit:
                self.flush_translations()
                return
        if changed:
            self.generation += 1
