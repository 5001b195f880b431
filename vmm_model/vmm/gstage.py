"""G-stage (Sv32x4) page tables built in host memory for one VM (digest §4).

Root: 4096 entries = 16 KiB, 16 KiB aligned, indexed by GPA[33:22]; leaves: 4 KiB
tables indexed by GPA[21:12].  Only 4 KiB leaf pages are used.  Leaves carry
V|R|W|X|U|A|D: G-stage counts every access as U-mode, and the unit implements
Svade (a clear A or D faults), so the VMM sets them up front.
"""
from __future__ import annotations

from vmm_model.memory import HostMemory
from vmm_model.platform import PAGE_SIZE

from .allocator import HostPageAllocator
from .errors import VmmError

PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_G, PTE_A, PTE_D = (1 << i for i in range(8))
LEAF_RWX = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D

HGATP_MODE_SV32X4 = 1 << 31
VMID_SHIFT = 22
VMID_MAX = 0x7F
ROOT_PAGES = 4
GPA_LIMIT = 1 << 34


def _pte_target(pte: int) -> int:
    return (pte >> 10) << 12


class GStageTables:
    def __init__(self, memory: HostMemory, allocator: HostPageAllocator, owner: object, vmid: int):
        if not 0 < vmid <= VMID_MAX:
            raise VmmError(f"VMID {vmid} outside 1..{VMID_MAX}")
        self.memory = memory
        self.allocator = allocator
        self.owner = owner
        self.vmid = vmid
        self.root = allocator.alloc_aligned(owner, ROOT_PAGES)
        self.table_pages: list[int] = [self.root + i * PAGE_SIZE for i in range(ROOT_PAGES)]

    @property
    def hgatp(self) -> int:
        return HGATP_MODE_SV32X4 | (self.vmid << VMID_SHIFT) | (self.root >> 12)

    def _root_entry_addr(self, gpa: int) -> int:
        if not 0 <= gpa < GPA_LIMIT:
            raise VmmError(f"GPA {gpa:#x} outside the 34-bit Sv32x4 space")
        return self.root + ((gpa >> 22) & 0xFFF) * 4

    def _leaf_entry_addr(self, gpa: int, create: bool) -> int | None:
        root_entry = self._root_entry_addr(gpa)
        pte = self.memory.read32(root_entry)
        if not pte & PTE_V:
            if not create:
                return None
            table = self.allocator.alloc_page(self.owner)
            self.table_pages.append(table)
            self.memory.write32(root_entry, ((table >> 12) << 10) | PTE_V)
            pte = self.memory.read32(root_entry)
        if pte & (PTE_R | PTE_W | PTE_X):
            raise VmmError(f"G-stage root entry for GPA {gpa:#x} is a superpage; this VMM builds none")
        return _pte_target(pte) + ((gpa >> 12) & 0x3FF) * 4

    def map_page(self, gpa: int, spa: int, flags: int = LEAF_RWX) -> None:
        if gpa % PAGE_SIZE or spa % PAGE_SIZE:
            raise VmmError(f"unaligned G-stage mapping {gpa:#x} -> {spa:#x}")
        entry = self._leaf_entry_addr(gpa, create=True)
        self.memory.write32(entry, ((spa >> 12) << 10) | flags)

    def unmap_page(self, gpa: int) -> None:
        entry = self._leaf_entry_addr(gpa, create=False)
        if entry is not None:
            self.memory.write32(entry, 0)

    def leaf_pte(self, gpa: int) -> int:
        """The raw leaf PTE for ``gpa`` (0 when no leaf table exists)."""
        entry = self._leaf_entry_addr(gpa, create=False)
        return 0 if entry is None else self.memory.read32(entry)

    def translate(self, gpa: int) -> int | None:
        """Walk the tables as the hardware would; the SPA or None when unmapped."""
        pte = self.leaf_pte(gpa)
        if not pte & PTE_V:
            return None
        return _pte_target(pte) | (gpa & (PAGE_SIZE - 1))

    def owns_host_address(self, spa: int) -> bool:
        return any(page <= spa < page + PAGE_SIZE for page in self.table_pages)
