"""Host-page allocation, G-stage tables and guest RAM paging/swap."""
from __future__ import annotations

import pytest

from vmm_model.memory import HostMemory
from vmm_model.platform import PAGE_SIZE, RAM_BASE
from vmm_model.vmm.allocator import HostPageAllocator
from vmm_model.vmm.errors import VmmError
from vmm_model.vmm.gstage import (HGATP_MODE_SV32X4, LEAF_RWX, PTE_A, PTE_D, PTE_R, PTE_U,
                                  PTE_V, PTE_W, PTE_X, GStageTables)
from vmm_model.vmm.guest_ram import MIN_BUDGET_PAGES, GuestRam

HOST_BASE = 0x4000_0000


def make_memory(pages=512):
    return HostMemory(pages * PAGE_SIZE, base=HOST_BASE)


def walk_sv32x4(memory: HostMemory, hgatp: int, gpa: int):
    """An independent Sv32x4 walk (digest §4): returns (spa, leaf flags) or None."""
    root = (hgatp & 0x3F_FFFF) << 12
    pte = memory.read32(root + ((gpa >> 22) & 0xFFF) * 4)
    if not pte & PTE_V:
        return None
    assert not pte & (PTE_R | PTE_W | PTE_X), "root entries must be pointers"
    assert not pte & (PTE_U | PTE_A | PTE_D), "non-leaf PTEs must leave U/A/D clear"
    leaf = memory.read32(((pte >> 10) << 12) + ((gpa >> 12) & 0x3FF) * 4)
    if not leaf & PTE_V:
        return None
    return ((leaf >> 10) << 12) | (gpa & 0xFFF), leaf & 0xFF


class TestAllocator:
    def test_same_seed_same_scatter_and_other_seed_differs(self):
        def pages(seed):
            alloc = HostPageAllocator(make_memory(), seed)
            return [alloc.alloc_page("vm") for _ in range(32)]
        assert pages(1) == pages(1)
        assert pages(1) != pages(2)

    def test_pages_are_scattered_not_contiguous(self):
        alloc = HostPageAllocator(make_memory(), seed=7)
        got = [alloc.alloc_page("vm") for _ in range(32)]
        steps = {b - a for a, b in zip(got, got[1:])}
        assert steps != {PAGE_SIZE}
        assert len(set(got)) == 32

    def test_owners_are_disjoint_and_tracked(self):
        alloc = HostPageAllocator(make_memory(64), seed=3)
        a = {alloc.alloc_page("A") for _ in range(20)}
        b = {alloc.alloc_page("B") for _ in range(20)}
        assert not a & b
        assert all(alloc.owner_of(p) == "A" for p in a)
        assert all(alloc.owner_of(p + 123) == "B" for p in b)

    def test_aligned_block_and_exhaustion(self):
        alloc = HostPageAllocator(make_memory(8), seed=0)
        root = alloc.alloc_aligned("vm", 4)
        assert root % (4 * PAGE_SIZE) == 0
        for _ in range(4):
            alloc.alloc_page("vm")
        with pytest.raises(VmmError, match="exhausted"):
            alloc.alloc_page("vm")

    def test_freed_page_can_be_reused_only_by_its_owner_freeing(self):
        alloc = HostPageAllocator(make_memory(8), seed=0)
        page = alloc.alloc_page("A")
        with pytest.raises(VmmError):
            alloc.free_page(page, "B")
        alloc.free_page(page, "A")
        assert alloc.owner_of(page) is None


class TestGStage:
    def test_root_alignment_and_hgatp_fields(self):
        memory = make_memory()
        tables = GStageTables(memory, HostPageAllocator(memory, 1), owner="vm", vmid=5)
        assert tables.root % (16 * 1024) == 0
        assert tables.hgatp >> 31 == 1
        assert tables.hgatp & HGATP_MODE_SV32X4
        assert (tables.hgatp >> 22) & 0x7F == 5
        assert (tables.hgatp & 0x3F_FFFF) << 12 == tables.root

    def test_mappings_walk_to_the_right_frame_with_full_permissions(self):
        memory = make_memory()
        alloc = HostPageAllocator(memory, 1)
        tables = GStageTables(memory, alloc, owner="vm", vmid=1)
        frames = {RAM_BASE + i * PAGE_SIZE: alloc.alloc_page("vm") for i in range(3)}
        frames[RAM_BASE + (5 << 22)] = alloc.alloc_page("vm")       # another root entry
        for gpa, spa in frames.items():
            tables.map_page(gpa, spa)
        for gpa, spa in frames.items():
            assert walk_sv32x4(memory, tables.hgatp, gpa + 0x123) == (spa + 0x123, LEAF_RWX)
            assert tables.translate(gpa + 4) == spa + 4
        assert walk_sv32x4(memory, tables.hgatp, RAM_BASE + 3 * PAGE_SIZE) is None
        assert walk_sv32x4(memory, tables.hgatp, 0x1000_0000) is None

    def test_gpa_above_4gib_uses_the_wide_root(self):
        memory = make_memory()
        alloc = HostPageAllocator(memory, 1)
        tables = GStageTables(memory, alloc, owner="vm", vmid=1)
        spa = alloc.alloc_page("vm")
        tables.map_page(0x3_0000_0000, spa)
        assert walk_sv32x4(memory, tables.hgatp, 0x3_0000_0010) == (spa + 0x10, LEAF_RWX)
        assert walk_sv32x4(memory, tables.hgatp, 0x0_0000_0010) is None

    def test_unmap_clears_the_leaf(self):
        memory = make_memory()
        alloc = HostPageAllocator(memory, 1)
        tables = GStageTables(memory, alloc, owner="vm", vmid=1)
        tables.map_page(RAM_BASE, alloc.alloc_page("vm"))
        tables.unmap_page(RAM_BASE)
        assert walk_sv32x4(memory, tables.hgatp, RAM_BASE) is None

    def test_bad_vmid_rejected(self):
        memory = make_memory()
        with pytest.raises(VmmError):
            GStageTables(memory, HostPageAllocator(memory, 1), owner="vm", vmid=128)


def make_ram(pages=64, budget=None, seed=0, memory_pages=512):
    memory = make_memory(memory_pages)
    alloc = HostPageAllocator(memory, seed)
    tables = GStageTables(memory, alloc, owner="vm", vmid=1)
    return GuestRam(RAM_BASE, pages * PAGE_SIZE, tables, alloc, owner="vm", budget_pages=budget)


class TestGuestRam:
    def test_untouched_pages_read_zero_and_stay_unmapped(self):
        ram = make_ram()
        assert ram.read(RAM_BASE + 100, 8) == bytes(8)
        assert ram.page_state(RAM_BASE) == "untouched"
        assert ram.gstage.translate(RAM_BASE) is None

    def test_write_maps_pages_scattered_and_not_identity(self):
        ram = make_ram()
        data = bytes(range(256)) * 40           # 10 KiB: three pages
        ram.write(RAM_BASE + 0x800, data)
        assert ram.read(RAM_BASE + 0x800, len(data)) == data
        spas = [ram.gstage.translate(RAM_BASE + i * PAGE_SIZE) for i in range(3)]
        assert all(s is not None and s != RAM_BASE + i * PAGE_SIZE for i, s in enumerate(spas))
        assert {b - a for a, b in zip(spas, spas[1:])} != {PAGE_SIZE}
        assert ram.take_pending_flushes() == [RAM_BASE, RAM_BASE + PAGE_SIZE, RAM_BASE + 2 * PAGE_SIZE]
        assert ram.take_pending_flushes() == []

    def test_swap_round_trip_preserves_every_page(self):
        budget = MIN_BUDGET_PAGES
        ram = make_ram(pages=32, budget=budget)
        contents = {RAM_BASE + i * PAGE_SIZE: bytes([i + 1]) * PAGE_SIZE for i in range(20)}
        for gpa, data in contents.items():
            ram.write(gpa, data)
        assert len(ram.resident) == budget
        assert ram.stats.swap_outs == 20 - budget
        # Oldest pages went first (FIFO), and are unmapped in G-stage.
        assert ram.page_state(RAM_BASE) == "swapped"
        assert ram.gstage.translate(RAM_BASE) is None
        for gpa, data in contents.items():       # readable without faulting in
            assert ram.read(gpa, PAGE_SIZE) == data
        for gpa, data in contents.items():       # and after coming back
            ram.fault_in(gpa)
            assert ram.page_state(gpa) == "resident"
            spa = ram.gstage.translate(gpa)
            assert ram.allocator.memory.read(spa, PAGE_SIZE) == data
        assert ram.stats.swap_ins == 20
        assert len(ram.resident) == budget

    def test_eviction_queues_flushes_and_frees_host_frames(self):
        ram = make_ram(pages=32, budget=MIN_BUDGET_PAGES)
        for i in range(MIN_BUDGET_PAGES):
            ram.fault_in(RAM_BASE + i * PAGE_SIZE)
        ram.take_pending_flushes()
        victim_frame = ram.resident[RAM_BASE]
        ram.fault_in(RAM_BASE + MIN_BUDGET_PAGES * PAGE_SIZE)
        assert ram.take_pending_flushes() == [RAM_BASE, RAM_BASE + MIN_BUDGET_PAGES * PAGE_SIZE]
        assert ram.allocator.owner_of(victim_frame) is None

    def test_budget_below_minimum_is_refused(self):
        with pytest.raises(VmmError, match="budget"):
            make_ram(budget=MIN_BUDGET_PAGES - 1)

    def test_accesses_outside_ram_are_errors(self):
        ram = make_ram(pages=4)
        with pytest.raises(VmmError):
            ram.read(RAM_BASE + 4 * PAGE_SIZE - 2, 4)
        with pytest.raises(VmmError):
            ram.fault_in(0x1000_0000)

    def test_two_vms_get_disjoint_frames(self):
        memory = make_memory(256)
        alloc = HostPageAllocator(memory, 9)
        rams = []
        for vmid, owner in ((1, "A"), (2, "B")):
            tables = GStageTables(memory, alloc, owner=owner, vmid=vmid)
            ram = GuestRam(RAM_BASE, 64 * PAGE_SIZE, tables, alloc, owner=owner)
            ram.write(RAM_BASE, bytes([vmid]) * (16 * PAGE_SIZE))
            rams.append(ram)
        a, b = (set(r.resident.values()) | set(r.gstage.table_pages) for r in rams)
        assert not a & b
        assert rams[0].read(RAM_BASE, 1) == b"\x01" and rams[1].read(RAM_BASE, 1) == b"\x02"
        assert all(rams[0].owns_host_address(p) for p in a)
        assert not any(rams[0].owns_host_address(p) for p in b)
