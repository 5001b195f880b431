"""Small hand-built guests for the hart's tests and benchmark.

``GuestImage`` lays out guest RAM at a guest-physical base, backed by one
contiguous host region, with Sv32x4 G-stage tables (or Bare) and optional
Sv32 VS-stage tables inside guest RAM, all built directly in ``HostMemory``.
Not the VMM: no allocator, no swapping; page tables are written exactly as
the test asks, including broken ones.
"""
from __future__ import annotations

from vmm_model.memory import HostMemory

from .mmu import PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X

RWX = PTE_R | PTE_W | PTE_X
LEAF = PTE_V | RWX | PTE_A | PTE_D            # a VS-stage leaf, all permissions
G_LEAF = LEAF | PTE_U                         # a G-stage leaf: U is required


class GuestImage:
    def __init__(self, memory: HostMemory, *, ram_gpa: int = 0x8000_0000, ram_size: int = 1 << 20,
                 host_ram: int | None = None, g_stage: bool = True, vmid: int = 1,
                 table_area: int | None = None):
        self.memory = memory
        self.ram_gpa, self.ram_size = ram_gpa, ram_size
        self.host_ram = memory.base if host_ram is None else host_ram
        # Host pages for G-stage tables come after guest RAM; VS tables from the top of guest RAM.
        self._next_host_table = (self.host_ram + ram_size + 0x3FFF) & ~0x3FFF \
            if table_area is None else table_area
        self._next_vs_table = ram_gpa + ram_size
        self.g_stage = g_stage
        self.hgatp = 0
        self.vsatp = 0
        if g_stage:
            root = self._host_table(4)
            self.hgatp = (1 << 31) | (vmid << 22) | (root >> 12)
            for off in range(0, ram_size, 4096):
                self.map_g(ram_gpa + off, self.host_ram + off)

    # ------------------------------------------------------------------ allocation

    def _host_table(self, pages: int = 1) -> int:
        addr = self._next_host_table
        self._next_host_table += 4096 * pages
        self.memory.fill(addr, 4096 * pages, 0)
        return addr

    def host(self, gpa: int) -> int:
        """Host address of guest-physical ``gpa`` inside guest RAM."""
        assert self.ram_gpa <= gpa < self.ram_gpa + self.ram_size, hex(gpa)
        return self.host_ram + (gpa - self.ram_gpa)

    def vs_table_page(self) -> int:
        """A zeroed guest-physical page at the top of guest RAM for VS page tables."""
        self._next_vs_table -= 4096
        self.memory.fill(self.host(self._next_vs_table), 4096, 0)
        return self._next_vs_table

    # ------------------------------------------------------------------ G-stage (Sv32x4)

    def g_pte_addr(self, gpa: int, level: int = 0) -> int:
        """Host address of the G-stage PTE for ``gpa`` at ``level``, creating the level-0 table."""
        root = (self.hgatp & 0x3F_FFFF) << 12
        entry = root + 4 * ((gpa >> 22) & 0xFFF)
        if level == 1:
            return entry
        pte = self.memory.read32(entry)
        if not pte & PTE_V:
            table = self._host_table()
            self.memory.write32(entry, ((table >> 12) << 10) | PTE_V)
            pte = self.memory.read32(entry)
        return ((pte >> 10) << 12) + 4 * ((gpa >> 12) & 0x3FF)

    def map_g(self, gpa: int, spa: int, flags: int = G_LEAF, level: int = 0) -> int:
        entry = self.g_pte_addr(gpa, level)
        self.memory.write32(entry, ((spa >> 12) << 10) | flags)
        return entry

    # ------------------------------------------------------------------ VS-stage (Sv32)

    def enable_vs(self, asid: int = 0) -> int:
        root = self.vs_table_page()
        self.vsatp = (1 << 31) | (asid << 22) | (root >> 12)
        return root

    def vs_pte_gpa(self, va: int, level: int = 0) -> int:
        """Guest-physical address of the VS PTE for ``va`` at ``level``, creating the level-0 table."""
        root = (self.vsatp & 0x3F_FFFF) << 12
        entry = root + 4 * ((va >> 22) & 0x3FF)
        if level == 1:
            return entry
        pte = self.memory.read32(self.host(entry))
        if not pte & PTE_V:
            table = self.vs_table_page()
            self.memory.write32(self.host(entry), ((table >> 12) << 10) | PTE_V)
            pte = self.memory.read32(self.host(entry))
        return ((pte >> 10) << 12) + 4 * ((va >> 12) & 0x3FF)

    def map_vs(self, va: int, gpa: int, flags: int = LEAF, level: int = 0) -> int:
        """Write the VS-stage PTE for ``va``; returns its guest-physical address."""
        entry = self.vs_pte_gpa(va, level)
        self.memory.write32(self.host(entry), ((gpa >> 12) << 10) | flags)
        return entry

    def identity_vs(self, flags: int = LEAF) -> None:
        """VS-map all of guest RAM at VA = GPA (4 KiB pages)."""
        for off in range(0, self.ram_size, 4096):
            self.map_vs(self.ram_gpa + off, self.ram_gpa + off, flags)

    # ------------------------------------------------------------------ contents

    def write_words(self, gpa: int, words) -> None:
        for k, word in enumerate(words):
            self.memory.write32(self.host(gpa + 4 * k), word)

    def state(self, pc: int | None = None, **extra) -> dict[str, int]:
        """Fields for ``write_state`` to start at ``pc`` in VS with these tables."""
        values = {"pc": self.ram_gpa if pc is None else pc, "priv": 1, "hgatp": self.hgatp,
                  "vsatp": self.vsatp}
        values.update(extra)
        return values


class Machine:
    """Host memory + a ``SoftwareUnit`` + one ``GuestImage``: the tests' and benchmark's rig.

    Host RAM of the guest starts 1 MiB into host memory, so host-physical,
    guest-physical and guest-virtual addresses all differ.
    """

    HOST_BASE = 0x2000_0000

    def __init__(self, *, paging: bool = False, g_stage: bool = True, ram_size: int = 1 << 20,
                 num_contexts: int = 1, trace=None, host_size: int = 8 << 20):
        from .unit import SoftwareUnit
        self.memory = HostMemory(host_size, base=self.HOST_BASE)
        self.guest = GuestImage(self.memory, ram_size=ram_size, host_ram=self.HOST_BASE + (1 << 20),
                                g_stage=g_stage)
        if paging:
            self.guest.enable_vs()
            self.guest.identity_vs()
        self.unit = SoftwareUnit(self.memory, num_contexts=num_contexts, trace=trace)
        self.vcpu = self.unit.contexts[0]

    def load(self, words, gpa: int | None = None) -> None:
        self.guest.write_words(self.guest.ram_gpa if gpa is None else gpa, words)

    def start(self, pc: int | None = None, **fields) -> None:
        self.vcpu.set_state(self.guest.state(pc, **fields))

    def run(self, budget: int = 1_000_000):
        """run() with a budget, so a test that loops forever ends in a PREEMPT exit."""
        return self.vcpu.run_now(budget)

    def step_to_exit(self, limit: int = 100_000):
        """Step until an exit; returns (retire records, exit record)."""
        from interfaces.trace import ExitRecord
        records = []
        for _ in range(limit):
            result = self.vcpu.step()
            if isinstance(result, ExitRecord):
                return records, result
            records.append(result)
            if result.ext_exit:
                return records, self.vcpu.last_exit
        raise AssertionError(f"no exit within {limit} steps")

    def reg(self, n: int) -> int:
        return self.vcpu.x[n]
