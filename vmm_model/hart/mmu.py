"""Two-stage address translation (digest §4): Sv32 under vsatp, Sv32x4 under hgatp.

A ``Regime`` is one set of translation controls (privilege, vsatp, hgatp, SUM,
MXR, HS MXR) plus the caches derived from it.  ``translate`` walks the page
tables exactly as a TLB-less hart would (one routine for both stages,
parameterised by stage); the per-page caches it fills are only ever a faster
way to get the same answer, because the owner (``SoftwareUnit``) clears them
on every SFENCE/VMM flush and whenever any store hits a page-table entry that
a walk read (memory write watching, see ``HostMemory.watch_page``).

Svade: a PTE with A = 0, or D = 0 on a store, faults (both stages); nothing
is ever written back.

Bus errors (``HostMemory.bus_errors``, injected AXI SLVERR/DECERR): an error on
a PTE read of either stage or on the final access is an access fault of the
original access type (1/5/7), as in the RTL.  A page that may err is never put
in the page caches, so every access to it is checked.

Walk observer (functional coverage, ``tb.coverage``): when ``Regime.walks`` is a
list (None by default), every walk appends one record when it ends, a tuple
``(g_stage, level, pte & 0xFF, access, controls, outcome)``: ``level`` where the
walk ended (1: root, a 4 MiB leaf; 0: a 4 KiB leaf), the last PTE's low byte
(0 when its read failed), ``access`` FETCH/LOAD/STORE, ``controls`` the
``WALK_*`` flags and ``outcome`` one of ``WALK_OK`` ... below.  Walks only run on
page-cache misses, so the records are the reference's cache misses: every
distinct translation at least once per cache lifetime, not every access.
"""
from __future__ import annotations

from vmm_model.memory import HostMemory

from .trap import (ACCESS_FAULT, FETCH, GUEST_PAGE_FAULT, HTINST_PTE_READ, LOAD, PAGE_FAULT,
                   STORE, Trap, transformed_htinst)

PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_G, PTE_A, PTE_D = (1 << i for i in range(8))
SATP_MODE = 1 << 31
PPN_MASK = 0x003F_FFFF
PAGE_OFFSET = 0xFFF
HOST_LIMIT = 1 << 32          # the unit's AXI address is 32 bits: anything above is an access fault

# What a leaf must grant, beyond the U-bit rule: the permission check (step 7).
_NEED_X, _NEED_R, _NEED_W, _NEED_R_OR_MXR_X = range(4)

# Walk observer records: the outcome, and the controls the walk ran under (flags).
WALK_OK, WALK_FAULT, WALK_ACCESS_FAULT, WALK_MISALIGNED = range(4)   # FAULT: page / guest-page fault
WALK_USER, WALK_SUM, WALK_MXR, WALK_IMPLICIT = 1, 2, 4, 8            # VU; SUM; effective MXR; PTE read


class Regime:
    """Translation controls of one (context, mode) and the caches derived from them.

    ``fetch``/``load``/``store`` map a guest virtual page number to the host
    page's offset from ``memory.base`` (so ``memory.u32[(off | va & 0xFFF) >> 2]``
    is the word); ``store`` never holds a watched page, so a store through it
    needs no invalidation check.  ``blocks`` maps a guest pc to a compiled
    block (owned by the block compiler).  All four are cleared in place, never
    replaced: compiled blocks hold references to them.
    """

    __slots__ = ("memory", "user", "vs_on", "vs_root", "sum", "vs_mxr", "g_on", "g_root", "hs_mxr",
                 "fetch", "load", "store", "blocks", "on_pte_read", "walks")

    def __init__(self, memory: HostMemory, priv: int, vsatp: int, hgatp: int, vs_sum: bool,
                 vs_mxr: bool, hs_mxr: bool, on_pte_read, walks: list | None = None):
        self.memory = memory
        self.user = priv == 0
        self.vs_on = bool(vsatp & SATP_MODE)
        self.vs_root = (vsatp & PPN_MASK) << 12
        self.sum = vs_sum
        self.vs_mxr = vs_mxr
        self.g_on = bool(hgatp & SATP_MODE)
        self.g_root = (hgatp & PPN_MASK & ~3) << 12     # Sv32x4 root is 16 KiB aligned
        self.hs_mxr = hs_mxr
        self.on_pte_read = on_pte_read                  # callback(host_addr): watch it
        self.fetch: dict[int, int] = {}
        self.load: dict[int, int] = {}
        self.store: dict[int, int] = {}
        self.blocks: dict[int, tuple] = {}
        self.walks = walks                              # walk observer records, or None (off)

    @staticmethod
    def key(priv: int, vsatp: int, hgatp: int, vsstatus: int, hs_sstatus: int) -> tuple:
        """What a translation depends on; with vsatp Bare, privilege/SUM/vsstatus.MXR do not matter."""
        hs_mxr = (hs_sstatus >> 19) & 1
        if vsatp & SATP_MODE:
            return (priv, vsatp, hgatp, (vsstatus >> 18) & 1, (vsstatus >> 19) & 1, hs_mxr)
        return (1, 0, hgatp, 0, 0, hs_mxr)

    def clear(self) -> None:
        self.fetch.clear()
        self.load.clear()
        self.store.clear()
        self.blocks.clear()

    # ------------------------------------------------------------------ walks

    def translate(self, va: int, access: int, word: int = 0) -> int:
        """Host-physical address of guest virtual ``va`` for ``access`` (FETCH/LOAD/STORE).

        Raises ``Trap`` (page, guest-page or access fault of the access type).
        ``word`` is the instruction, for the transformed htinst of a final
        guest-page fault.  Fills the page cache of the access type on success.
        """
        gpa = self._walk(va, va, access, False, word) if self.vs_on else va
        spa = self._walk(gpa, va, access, True, word, False) if self.g_on else gpa
        memory = self.memory
        if spa >= HOST_LIMIT or not memory.contains(spa):
            raise Trap(ACCESS_FAULT[access], va)
        errors = memory.bus_errors
        if errors is not None:
            # An injected AXI error response on the final access: the RTL's access fault.
            if errors.response(spa, access == STORE):
                raise Trap(ACCESS_FAULT[access], va)
            if not errors.page_clean(spa >> 12, access == STORE):
                return spa                  # never cache a page that may err: every access checks
        page = spa & ~PAGE_OFFSET
        off = page - memory.base
        if off & PAGE_OFFSET or not memory.contains(page, 4096):
            return spa                      # the cached form needs a whole, aligned host page
        vpn = va >> 12
        if access == LOAD:
            self.load[vpn] = off
        elif access == FETCH:
            self.fetch[vpn] = off
        elif (spa >> 12) not in memory.watched_pages:
            self.store[vpn] = off
        return spa

    def _g_translate_pte(self, pte_gpa: int, va: int, access: int) -> int:
        """G-stage translation of a VS page-table read: an implicit load (R, U, no MXR)."""
        if not self.g_on:
            return pte_gpa
        return self._walk(pte_gpa, va, access, True, 0, True)

    def _read_pte(self, host: int, va: int, access: int) -> int:
        memory = self.memory
        if host >= HOST_LIMIT or not memory.contains(host, 4) or memory.bus_error(host, False):
            raise Trap(ACCESS_FAULT[access], va)   # PTE read refused: the original access's fault
        self.on_pte_read(host)
        return memory.u32[(host - memory.base) >> 2]

    def _walk(self, addr: int, va: int, access: int, g_stage: bool, word: int,
              implicit: bool = False) -> int:
        """One Sv32 (VS-stage) or Sv32x4 (G-stage) walk of ``addr``; returns the next-stage address.

        ``access`` is the original access type (it names the fault cause);
        ``implicit`` marks the G-stage walk of a VS page-table read.
        """
        if g_stage:
            root, top_index = self.g_root, (addr >> 22) & 0xFFF
            if implicit:
                need = _NEED_R
            else:
                need = (_NEED_X, _NEED_R_OR_MXR_X, _NEED_W)[access]
            mxr = self.hs_mxr
        else:
            root, top_index = self.vs_root, (addr >> 22) & 0x3FF
            need = (_NEED_X, _NEED_R_OR_MXR_X, _NEED_W)[access]
            mxr = self.vs_mxr or self.hs_mxr

        level, table = 1, root
        while True:
            index = top_index if level else (addr >> 12) & 0x3FF
            pte_addr = table + 4 * index
            host = pte_addr if g_stage else self._g_translate_pte(pte_addr, va, access)
            try:
                pte = self._read_pte(host, va, access)
            except Trap:
                if self.walks is not None:
                    self._note_walk(g_stage, level, 0, access, implicit, WALK_ACCESS_FAULT)
                raise
            if not pte & PTE_V or (pte & (PTE_R | PTE_W)) == PTE_W:
                break
            if not pte & (PTE_R | PTE_X):                       # pointer to the next level
                if pte & (PTE_D | PTE_A | PTE_U) or level == 0:  # reserved in a non-leaf
                    break
                level, table = 0, (pte >> 10) << 12
                continue
            if level == 1 and (pte >> 10) & 0x3FF:              # misaligned superpage
                break
            if pte & PTE_U:
                if not g_stage and not self.user and (access == FETCH or not self.sum):
                    break
            elif g_stage or self.user:                         # G-stage: every access is U
                break
            if need == _NEED_X:
                ok = pte & PTE_X
            elif need == _NEED_W:
                ok = pte & PTE_W
            elif need == _NEED_R:
                ok = pte & PTE_R
            else:
                ok = pte & PTE_R or (mxr and pte & PTE_X)
            if not ok or not pte & PTE_A or (access == STORE and not implicit and not pte & PTE_D):
                break                                          # Svade: A/D clear faults
            if self.walks is not None:
                self._note_walk(g_stage, level, pte, access, implicit, WALK_OK)
            if level:
                return ((pte >> 20) << 22) | (addr & 0x3F_FFFF)
            return ((pte >> 10) << 12) | (addr & PAGE_OFFSET)
        # The walk failed: a fault of this stage.
        if self.walks is not None:
            # A valid root leaf with PPN[0] != 0 stopped at the misaligned-superpage check.
            misaligned = (level == 1 and pte & PTE_V and (pte & (PTE_R | PTE_W)) != PTE_W
                          and pte & (PTE_R | PTE_X) and (pte >> 10) & 0x3FF)
            self._note_walk(g_stage, level, pte, access, implicit,
                            WALK_MISALIGNED if misaligned else WALK_FAULT)
        if not g_stage:
            raise Trap(PAGE_FAULT[access], va)
        htinst = HTINST_PTE_READ if implicit else transformed_htinst(word, access)
        return self._raise_guest_page_fault(access, va, addr, htinst)

    @staticmethod
    def _raise_guest_page_fault(access: int, va: int, gpa: int, htinst: int):
        raise Trap(GUEST_PAGE_FAULT[access], va, htval=gpa >> 2, htinst=htinst)

    def _note_walk(self, g_stage: bool, level: int, pte: int, access: int, implicit: bool,
                   outcome: int) -> None:
        """Append one walk observer record (only called when ``walks`` is a list)."""
        if g_stage:
            controls = WALK_IMPLICIT * implicit | WALK_MXR * self.hs_mxr
        else:
            controls = (WALK_USER * self.user | WALK_SUM * self.sum
                        | WALK_MXR * (self.vs_mxr or self.hs_mxr))
        self.walks.append((int(g_stage), level, pte & 0xFF, access, controls, outcome))
