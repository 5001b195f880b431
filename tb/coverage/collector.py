"""Functional coverage sampling, batched: the plan's bins hit by one run.

Per retirement the collector does one C-level attribute fetch and one array
append (:meth:`CoverageCollector.retire`, ~0.3 µs); decoding and binning happen in
bulk with numpy every ``BATCH`` records and at :meth:`finish`.  Exits, flushes and
m_axi accesses are rare or cheap enough to bin one by one.

Where the samples come from:
- co-simulation: :func:`attach_lockstep` subscribes to the scoreboard's checked
  stream (``on_checked``/``on_exit``), chains onto ``HostRam.on_access`` and wraps
  the unit's ``flush_tlb``;
- the reference alone: pass :meth:`retire` as the ``SoftwareUnit`` trace callback
  and call :func:`attach_unit` (exits via the contexts' ``run``).
State the records do not carry (a7/a6 of an ecall, vscause of an interrupt, hip
and vsie at an exit, the VMID) is read from the reference context at that moment.
Page-table walks come from the reference MMU's walk observer
(``SoftwareUnit.observe_walks``, switched on by both attach functions): one small tuple
per walk appended to ``CoverageCollector.walks``, binned in bulk like the retirements.

``Hits`` (group -> coverpoint -> bin -> count) is the result: JSON-able, mergeable
(:func:`merge`), and what ``tb.coverage.ucis_db`` stores.
"""
from __future__ import annotations

import operator

import numpy as np

from interfaces.vcpu_state import PREEMPT_CAUSE, STOP_CAUSE

from vmm_model.isa.table import INSTRUCTIONS

from . import plan as P

BATCH = 1 << 16
WFI_WORD = 0x1050_0073
M32 = 0xFFFF_FFFF

Hits = dict  # {group: {coverpoint: {bin: count}}}


def empty_hits(plan=P.PLAN) -> Hits:
    return {g.name: {cp.name: {b: 0 for b in cp.bins} for cp in g.coverpoints} for g in plan}


def merge(*many: Hits) -> Hits:
    """Sum of several runs' hits (bins a run does not name count 0 for it)."""
    out: Hits = {}
    for hits in many:
        for g, cps in hits.items():
            for cp, bins in cps.items():
                target = out.setdefault(g, {}).setdefault(cp, {})
                for b, n in bins.items():
                    target[b] = target.get(b, 0) + int(n)
    return out


# Lookup tables, built once: cause code -> index, csr number -> index.
_CAUSE_INDEX = np.full(64, -1, np.int64)
for _i, _code in enumerate(P.TRAP_CAUSES):
    _CAUSE_INDEX[_code] = _i
_CSR_INDEX = np.full(4096, len(P.CSRS), np.int64)          # "other"
for _i, _num in enumerate(P.CSRS):
    _CSR_INDEX[_num] = _i
_FAULTS = (*P.VS_FAULTS, *P.G_FAULTS)
_FAULT_INDEX = np.full(64, -1, np.int64)
for _i, _name in enumerate(_FAULTS):
    _FAULT_INDEX[next(c for c, n in P.TRAP_CAUSES.items() if n == _name)] = _i
_EXIT_CAUSE_NAMES = {code: name for code, name in P.TRAP_CAUSES.items() if name in P.EXIT_CAUSES}
# Walk records (vmm_model/hart/mmu.py): leaf R/W/X bits (PTE bits 3:1) -> WALK_PERMS index.
_PERM_INDEX = np.array([-1, 0, 1, 3, 2, 4, 5, 6], np.int64)     # -, r, w, rw, x, rx, wx, rwx
_WALK_OK, _WALK_FAULT, _WALK_ACCESS_FAULT, _WALK_MISALIGNED = range(4)   # mmu.WALK_* outcomes
_WALK_USER, _WALK_SUM, _WALK_MXR, _WALK_IMPLICIT = 1, 2, 4, 8            # mmu.WALK_* flags


class CoverageCollector:
    """Collects one run's coverage; ``contexts[i]`` is the reference context of hardware context i."""

    def __init__(self, contexts=(), backpressure: bool = False, plan=P.PLAN):
        self.plan = plan
        self.contexts = list(contexts)
        self.backpressure = "stalls" if backpressure else "none"
        self._buf: list = []                            # records since the last flush
        self._limit = BATCH
        self.records = 0
        # dense counters, one numpy array per bulk-binned coverpoint
        self._insn_x_mode = np.zeros((len(P.INSTRUCTION_NAMES), 2), np.int64)
        self._corners = np.zeros((len(P.OPERAND_INSTRUCTIONS), len(P.OPERAND_CORNERS)), np.int64)
        self._traps = np.zeros((len(P.TRAP_CAUSES), 2, 2), np.int64)
        self._csr = np.zeros((len(P.CSR_BINS), 2, 3), np.int64)
        self._faults = np.zeros((len(_FAULTS), 2), np.int64)
        self._sfence = np.zeros(len(P.GUEST_SFENCE), np.int64)
        self._wfi = np.zeros((3, 2), np.int64)
        # page-table walks: the reference MMU appends to this list (SoftwareUnit.observe_walks)
        self.walks: list = []
        self._walk_outcomes = np.zeros((2, 2, len(P.WALK_OUTCOMES)), np.int64)
        self._walk_perms = np.zeros((2, len(P.WALK_ACCESSES), len(P.WALK_PERMS), 2), np.int64)
        self._vs_user = np.zeros((2, 2, 3, 2), np.int64)
        self._sum_mxr = np.zeros((2, 2, 2, 2, 2), np.int64)
        self._g_user = np.zeros((2, 2), np.int64)
        self.walk_records = 0
        self.hits = empty_hits(plan)
        self._last_run: tuple[int, int] | None = None   # (ctx, vmid) of the previous exit
        self.axi_bytes = {"read": 0, "write": 0}
        self.axi_accesses = {"read": 0, "write": 0}
        self._operand_index = {P.INSTRUCTION_NAMES.index(n): i for i, n in enumerate(P.OPERAND_INSTRUCTIONS)}
        self._op_lookup = np.full(len(P.INSTRUCTION_NAMES) + 1, -1, np.int64)
        for k, v in self._operand_index.items():
            self._op_lookup[k] = v
        self._name_index = {n: i for i, n in enumerate(P.INSTRUCTION_NAMES)}

    # ------------------------------------------------------------------ per record
    def retire(self, rec) -> None:
        """One retirement record (RTL or reference): buffered, binned in bulk later."""
        buf = self._buf
        buf.append(rec)
        if rec.intr:
            self._interrupt_taken(rec)
        if len(buf) >= self._limit:
            self.flush()

    __call__ = retire                  # usable as a SoftwareUnit ``trace`` callback

    def _interrupt_taken(self, rec) -> None:
        if rec.ext_ctx >= len(self.contexts):
            return
        ctx = self.contexts[rec.ext_ctx]
        code = ctx.vscause & 0x7FFF_FFFF
        # The guest sees VS-level codes (1, 5, 9): the unit translated 2/6/10 when it delivered.
        name = {1: "vssi", 5: "vsti", 9: "vsei", 2: "vssi", 6: "vsti", 10: "vsei"}.get(code)
        if name is None:
            return
        origin = "taken_from_VS" if (ctx.vsstatus >> 8) & 1 else "taken_from_VU"
        self.hits["interrupts"]["irq_x_outcome"][f"{name}/{origin}"] += 1

    # ------------------------------------------------------------------ bulk binning
    def _names(self, words: np.ndarray) -> np.ndarray:
        """Instruction index of each word: the ISA table's match/mask rows applied to the
        distinct words at once (``len(INSTRUCTION_NAMES)`` when no row matches: illegal)."""
        unique, inverse = np.unique(words, return_inverse=True)
        table = np.full(len(unique), len(P.INSTRUCTION_NAMES), np.int64)
        for index in range(len(INSTRUCTIONS) - 1, -1, -1):     # the first matching row wins
            spec = INSTRUCTIONS[index]
            table[(unique & spec.mask) == spec.match] = index
        return table[inverse]

    def flush(self) -> None:
        if self.walks:
            self._bin_walks()
        recs = self._buf
        if not recs:
            return
        self._buf = []
        n = len(recs)
        self.records += n
        insn = _column(recs, "insn")
        vu = (_column(recs, "mode") == 0).astype(np.int64)     # mode axis: 0 = VS, 1 = VU
        trap = _column(recs, "trap").astype(bool)
        cause = np.zeros(n, np.int64)
        exited = np.zeros(n, np.int64)
        trapped = np.flatnonzero(trap)
        if len(trapped):                                       # rare: fetch those fields only there
            cause[trapped] = [recs[i].ext_cause & 63 for i in trapped.tolist()]
            exited[trapped] = [recs[i].ext_exit for i in trapped.tolist()]
        names = self._names(insn)
        known = names < len(P.INSTRUCTION_NAMES)
        np.add.at(self._insn_x_mode, (names[known], vu[known]), 1)

        # operand corners of register-register ALU/M instructions that completed
        op = self._op_lookup[names]
        sel = (op >= 0) & ~trap
        if sel.any():
            rows = np.flatnonzero(sel).tolist()
            a = np.array([recs[i].rs1_rdata for i in rows], np.int64)
            b = np.array([recs[i].rs2_rdata for i in rows], np.int64)
            word = insn[sel]
            rd, rs1, rs2 = (word >> 7) & 31, (word >> 15) & 31, (word >> 20) & 31
            corners = np.stack([a == 0, a == M32, a == 0x8000_0000, a == 0x7FFF_FFFF,
                                b == 0, b == M32, b == 0x8000_0000, b == 0x7FFF_FFFF,
                                a == b, (rd != 0) & ((rd == rs1) | (rd == rs2))], axis=1)
            np.add.at(self._corners, op[sel], corners.astype(np.int64))

        # traps: cause × mode × delegated/exited; translation faults
        ci = _CAUSE_INDEX[cause]
        t = trap & (ci >= 0)
        np.add.at(self._traps, (ci[t], vu[t], exited[t]), 1)
        fi = _FAULT_INDEX[cause]
        f = trap & (fi >= 0)
        np.add.at(self._faults, (fi[f], vu[f]), 1)

        # CSR instructions
        is_csr = ((insn & 0x7F) == 0x73) & (((insn >> 12) & 3) != 0)
        if is_csr.any():
            w = insn[is_csr]
            funct3 = (w >> 12) & 7
            src = (w >> 15) & 31
            write = ((funct3 & 3) == 1) | (src != 0)
            c_trap, c_cause = trap[is_csr], cause[is_csr]
            outcome = np.where(~c_trap, 0, np.where(c_cause == 2, 1, np.where(c_cause == 22, 2, -1)))
            ok = outcome >= 0
            np.add.at(self._csr, (_CSR_INDEX[(w >> 20)[ok]], write[ok].astype(np.int64), outcome[ok]), 1)

        # sfence.vma completed: which operands
        sf = (names == self._name_index["sfence.vma"]) & ~trap & (vu == 0)
        if sf.any():
            w = insn[sf]
            kind = ((w >> 15) & 31 != 0).astype(np.int64) + 2 * ((w >> 20) & 31 != 0).astype(np.int64)
            np.add.at(self._sfence, kind, 1)         # 0 all, 1 address, 2 asid, 3 both

        # wfi: exit (virtual instruction), illegal, retired
        wf = insn == WFI_WORD
        if wf.any():
            outcome = np.where(~trap[wf], 2, np.where(cause[wf] == 22, 0, np.where(cause[wf] == 2, 1, -1)))
            ok = outcome >= 0
            np.add.at(self._wfi, (outcome[ok], vu[wf][ok]), 1)

    def _bin_walks(self) -> None:
        """Bin the walk records so far (``(g_stage, level, pte, access, controls, outcome)``)."""
        w = np.array(self.walks, np.int64).reshape(-1, 6)
        self.walks.clear()                   # in place: the MMU regimes hold this list
        self.walk_records += len(w)
        g, level, pte, access, controls, outcome = w.T
        # outcome axis: ok, page fault (VS), guest-page fault (G), access fault, misaligned
        oi = np.choose(outcome, (0, 1, 3, 4)) + (outcome == _WALK_FAULT) * g
        np.add.at(self._walk_outcomes, (g, 1 - level, oi), 1)
        perm = _PERM_INDEX[(pte >> 1) & 7]
        leaf = ((pte & 1) == 1) & (perm >= 0)
        result = (outcome != _WALK_OK).astype(np.int64)
        implicit = (controls & _WALK_IMPLICIT) != 0
        kind = np.where(implicit, 3, access)
        np.add.at(self._walk_perms, (g[leaf], kind[leaf], perm[leaf], result[leaf]), 1)
        user_bit = (pte >> 4) & 1
        vu = (controls & _WALK_USER) != 0
        vs_leaf = leaf & (g == 0)
        np.add.at(self._vs_user, (user_bit[vs_leaf], vu[vs_leaf].astype(np.int64), access[vs_leaf],
                                  result[vs_leaf]), 1)
        # VS-mode loads/stores of a U=1 page (kind 0) or of an execute-only U=0 page (kind 1)
        page_kind = np.where(user_bit == 1, 0, np.where(perm == 2, 1, -1))
        sm = vs_leaf & ~vu & (access != 0) & (page_kind >= 0)
        np.add.at(self._sum_mxr, (((controls[sm] & _WALK_SUM) != 0).astype(np.int64),
                                  ((controls[sm] & _WALK_MXR) != 0).astype(np.int64),
                                  page_kind[sm], access[sm] - 1, result[sm]), 1)
        g_leaf = leaf & (g == 1)
        np.add.at(self._g_user, (user_bit[g_leaf], result[g_leaf]), 1)

    # ------------------------------------------------------------------ exits and events
    def exit(self, ex) -> None:
        """One exit record (``interfaces.trace.ExitRecord``), when the VMM receives it."""
        h = self.hits
        mode = "VS" if ex.spvp else "VU"
        if ex.scause == PREEMPT_CAUSE:
            h["exits"]["cause"]["preempt"] += 1
            h["scheduling"]["preempt_x_mode"][f"preempt/{mode}"] += 1
        elif ex.scause == STOP_CAUSE:
            h["exits"]["cause"]["stop"] += 1
        elif not ex.is_interrupt and ex.code in _EXIT_CAUSE_NAMES:
            h["exits"]["cause"][_EXIT_CAUSE_NAMES[ex.code]] += 1
        if ex.ctx >= len(self.contexts):
            return
        ctx = self.contexts[ex.ctx]
        if not ex.is_interrupt and ex.code == 10:
            h["exits"]["sbi_call"][sbi_bin(ctx.x[17], ctx.x[16])] += 1
        if not ex.is_interrupt and ex.code in (21, 23):
            self._mmio(ex, ctx)
        self._masked_interrupts(ctx, from_vs=bool(ex.spvp))
        vmid = (ctx.hgatp >> 22) & 0x7F
        if self._last_run is not None and self._last_run != (ex.ctx, vmid):
            h["scheduling"]["switch"]["vm" if self._last_run[1] != vmid else "vcpu_same_vm"] += 1
        self._last_run = (ex.ctx, vmid)

    def _mmio(self, ex, ctx) -> None:
        from vmm_model import platform
        gpa = (ex.htval << 2) | (ex.stval & 3)
        if not platform.UART_BASE <= gpa < platform.UART_BASE + 0x1000:
            return
        word = ex.htinst
        if not word or word & 3 != 3:
            return
        size = P.MMIO_SIZES[min((word >> 12) & 3, 2)]
        self.hits["mmio"]["size_x_direction"][f"{size}/{'store' if ex.code == 23 else 'load'}"] += 1

    def _masked_interrupts(self, ctx, from_vs: bool) -> None:
        from vmm_model.hart.csr import hip
        pending = hip(ctx) & ctx.hideleg
        if not pending:
            return
        enabled = ctx.hie & ctx.hideleg
        globally = (not from_vs) or (ctx.vsstatus >> 1) & 1
        bins = self.hits["interrupts"]["irq_x_outcome"]
        for bit, name in ((2, "vssi"), (6, "vsti"), (10, "vsei")):
            if (pending >> bit) & 1 and not ((enabled >> bit) & 1 and globally):
                bins[f"{name}/pending_masked"] += 1

    def flush_tlb(self, kind: int) -> None:
        name = P.VMM_FLUSHES.get(kind)
        if name:
            self.hits["tlb"]["vmm_flush"][name] += 1

    def axi_access(self, address: int, length: int, is_write: bool, error: bool = False) -> None:
        channel = "write" if is_write else "read"
        self.axi_bytes[channel] += length
        self.axi_accesses[channel] += 1
        beats = max(1, (length + 3) // 4)
        size = ("1_beat" if beats == 1 else "2_4_beats" if beats <= 4 else "5_8_beats" if beats <= 8
                else "9_16_beats" if beats <= 16 else "long")
        key = f"{channel}/{size}/{'slverr' if error else 'okay'}/{self.backpressure}"
        self.hits["axi"]["channel_x_length_x_response_x_backpressure"][key] += 1

    def axi_responses(self, channel: str, by_value: list[int]) -> None:
        """The job's responses on ``channel`` by RRESP/BRESP value (the memory agent's monitor,
        counted once at the end: no per-access cost).  ``axi_access`` counted every access as
        OKAY; the SLVERR (2) ones move to the slverr bin, the DECERR (3) ones leave the okay
        bin (DECERR is not a response of the plan).  Accesses are single beats (plan)."""
        bins = self.hits["axi"]["channel_x_length_x_response_x_backpressure"]
        okay = f"{channel}/1_beat/okay/{self.backpressure}"
        slverr, decerr = (by_value + [0, 0, 0, 0])[2:4]
        bins[okay] = max(0, bins[okay] - slverr - decerr)
        bins[f"{channel}/1_beat/slverr/{self.backpressure}"] += slverr

    def vmm_counts(self, exit_counts: dict, world_switches: dict | None = None) -> None:
        """The VMM's own counters at the end of a run (what it did with the exits)."""
        bins = self.hits["exits"]["vmm_action"]
        for kind, n in exit_counts.items():
            if kind in bins:
                bins[kind] += int(n)
        sw = self.hits["scheduling"]["switch"]
        for kind, name in (("fast", "fast_context"), ("slow", "slow_save_restore")):
            sw[name] += int((world_switches or {}).get(kind, 0))

    # ------------------------------------------------------------------ result
    def finish(self) -> Hits:
        self.flush()
        h = self.hits
        modes = P.MODES
        _dense(h["instructions"]["insn_x_mode"], self._insn_x_mode, (P.INSTRUCTION_NAMES, modes))
        _dense(h["operands"]["corners"], self._corners, (P.OPERAND_INSTRUCTIONS, P.OPERAND_CORNERS))
        _dense(h["traps"]["cause_x_mode_x_handling"], self._traps,
               (tuple(P.TRAP_CAUSES.values()), modes, P.HANDLING))
        _dense(h["csr"]["csr_x_access_x_outcome"], self._csr, (P.CSR_BINS, P.CSR_ACCESS, P.CSR_OUTCOMES))
        _dense(h["translation"]["fault_x_mode"], self._faults, (_FAULTS, modes))
        _dense(h["wfi"]["outcome_x_mode"], self._wfi, (P.WFI_OUTCOMES, modes))
        walks = h.get("translation_walks")
        if walks is not None:
            _dense(walks["stage_x_level_x_outcome"], self._walk_outcomes,
                   (P.WALK_STAGES, P.WALK_LEVELS, P.WALK_OUTCOMES))
            _dense(walks["stage_x_access_x_permission"], self._walk_perms,
                   (P.WALK_STAGES, P.WALK_ACCESSES, P.WALK_PERMS, P.WALK_RESULTS))
            _dense(walks["vs_user_bit"], self._vs_user,
                   (("U0", "U1"), modes, ("fetch", "load", "store"), P.WALK_RESULTS))
            _dense(walks["vs_sum_x_mxr"], self._sum_mxr, (("SUM0", "SUM1"), ("MXR0", "MXR1"),
                   ("user_page", "exec_only"), ("load", "store"), P.WALK_RESULTS))
            _dense(walks["g_leaf_user"], self._g_user, (("U0", "U1"), P.WALK_RESULTS))
        for i, name in enumerate(P.GUEST_SFENCE):
            h["tlb"]["guest_sfence"][f"{name}/VS"] += int(self._sfence[i])
        for arr in (self._insn_x_mode, self._corners, self._traps, self._csr, self._faults,
                    self._sfence, self._wfi, self._walk_outcomes, self._walk_perms, self._vs_user,
                    self._sum_mxr, self._g_user):
            arr[...] = 0
        return h


def _column(recs: list, name: str) -> np.ndarray:
    return np.fromiter(map(operator.attrgetter(name), recs), dtype=np.int64, count=len(recs))


def _dense(bins: dict, counts: np.ndarray, axes) -> None:
    """Add a dense counter array (one axis per plan axis) into the named bins."""
    for index in zip(*np.nonzero(counts)):
        name = "/".join(axis[i] for axis, i in zip(axes, index))
        bins[name] += int(counts[index])


def sbi_bin(eid: int, fid: int) -> str:
    if eid <= 0x0F:
        return P.SBI_LEGACY.get(eid, "unknown_extension")
    name = P.SBI_CALLS.get((eid, fid))
    if name:
        return name
    known = {e for e, _ in P.SBI_CALLS}
    return "unknown_function" if eid in known else "unknown_extension"


# ---------------------------------------------------------------------------- wiring
def attach_lockstep(lockstep, backpressure: bool = False) -> CoverageCollector:
    """A collector on a ``tb.scoreboard.LockstepUnit``: checked retirements, exits, flushes, m_axi."""
    collector = CoverageCollector(lockstep.shadow.contexts, backpressure=backpressure)
    lockstep.shadow.observe_walks(collector.walks)
    lockstep.sb.on_checked.append(collector.retire)
    lockstep.sb.on_exit.append(collector.exit)
    _wrap_flush(lockstep, collector)
    ram = lockstep.rtl.ram
    previous = ram.on_access

    def on_access(address, length, is_write):
        if previous is not None:
            previous(address, length, is_write)
        collector.axi_access(address, length, is_write)
    ram.on_access = on_access
    return collector


def attach_unit(unit, collector: CoverageCollector) -> CoverageCollector:
    """Exits and flushes of a ``SoftwareUnit`` (the reference alone); records come via ``trace``."""
    collector.contexts = list(unit.contexts)
    unit.observe_walks(collector.walks)
    for context in unit.contexts:
        run = context.run

        async def observed(budget: int = 0, _run=run):
            ex = await _run(budget)
            collector.exit(ex)
            return ex
        context.run = observed
    _wrap_flush(unit, collector)
    return collector


def _wrap_flush(unit, collector: CoverageCollector) -> None:
    flush = unit.flush_tlb

    async def observed(kind, vmid=0, asid=None, addr=None):
        collector.flush_tlb(kind)
        return await flush(kind, vmid, asid, addr)
    unit.flush_tlb = observed


class ReferenceObserver:
    """Functional coverage of a run on the reference alone (``vmm_model.run.RunOptions.observer``;
    ``hvcosim run --coverage FILE``): every retirement, exits and flushes via the unit."""

    def __init__(self):
        self.collector = CoverageCollector()
        self.retire = self.collector.retire

    def attach(self, unit) -> None:
        attach_unit(unit, self.collector)

    def hits(self, result) -> Hits:
        """The run's non-zero bins, once it ended (``result``: its ``RunResult``)."""
        self.collector.vmm_counts(result.exit_counts, result.world_switches)
        hits = self.collector.finish()
        return {g: {cp: {b: n for b, n in bins.items() if n} for cp, bins in cps.items()}
                for g, cps in hits.items()}
