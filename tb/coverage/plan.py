"""The functional coverage plan, kept as data: the one source of the collector and the reports.

A plan is a tuple of :class:`Group`; a group holds :class:`Coverpoint` s; a coverpoint
is a list of named bins.  A *cross* is a coverpoint whose bins are the product of
its axes (``Coverpoint.cross``), each bin named ``a/b/c``.  A bin that cannot be hit
in this design is *excluded*: it stays in the plan with its ``why_unreachable``
text (a reviewer reads the argument; the report lists it and checks that every
exclusion names a bin of the plan and gives a reason).  Coverage = hit bins /
(bins - excluded bins).

What each coverpoint samples is written beside it (``samples``); ``tb.coverage.collector``
does the sampling, in bulk.  What the plan does not cover yet is listed in
``NOT_SAMPLED`` so the report says it instead of pretending.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from interfaces.regmap import FLUSH_ALL, FLUSH_GVMA, FLUSH_VVMA
from vmm_model import platform
from vmm_model.isa.table import INSTRUCTIONS
from vmm_model.vmm import sbi


@dataclass(frozen=True)
class Coverpoint:
    name: str
    samples: str                          # what is sampled, for people
    bins: tuple[str, ...]
    excluded: dict = field(default_factory=dict)    # bin -> why_unreachable
    axes: tuple[tuple[str, ...], ...] = ()          # a cross: the axes its bins are the product of

    @property
    def goal(self) -> tuple[str, ...]:
        """The bins that count: every bin not excluded."""
        return tuple(b for b in self.bins if b not in self.excluded)


@dataclass(frozen=True)
class Group:
    name: str
    title: str
    coverpoints: tuple[Coverpoint, ...]

    def coverpoint(self, name: str) -> Coverpoint:
        return next(cp for cp in self.coverpoints if cp.name == name)


def cross(name: str, samples: str, *axes: tuple[str, ...], excluded=None) -> Coverpoint:
    bins = tuple("/".join(combo) for combo in itertools.product(*axes))
    return Coverpoint(name, samples, bins, dict(excluded or {}), tuple(axes))


# ----------------------------------------------------------------------------- axes
MODES = ("VS", "VU")                                   # rvfi_mode 1, 0
INSTRUCTION_NAMES = tuple(spec.name for spec in INSTRUCTIONS)

# Register-register ALU and M instructions: the ones whose operand values matter.
OPERAND_INSTRUCTIONS = ("add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
                        "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu")
OPERAND_CORNERS = ("rs1_zero", "rs1_minus1", "rs1_min", "rs1_max",
                   "rs2_zero", "rs2_minus1", "rs2_min", "rs2_max", "equal", "rd_is_source")

TRAP_CAUSES = {   # code -> bin name
    platform.EXC_INSN_MISALIGNED: "insn_misaligned", platform.EXC_INSN_ACCESS: "insn_access",
    platform.EXC_ILLEGAL: "illegal", platform.EXC_BREAKPOINT: "breakpoint",
    platform.EXC_LOAD_MISALIGNED: "load_misaligned", platform.EXC_LOAD_ACCESS: "load_access",
    platform.EXC_STORE_MISALIGNED: "store_misaligned", platform.EXC_STORE_ACCESS: "store_access",
    platform.EXC_ECALL_VU: "ecall_vu", platform.EXC_ECALL_VS: "ecall_vs",
    platform.EXC_INSN_PAGE: "insn_page", platform.EXC_LOAD_PAGE: "load_page",
    platform.EXC_STORE_PAGE: "store_page", platform.EXC_INSN_GUEST_PAGE: "insn_guest_page",
    platform.EXC_LOAD_GUEST_PAGE: "load_guest_page", platform.EXC_VIRTUAL_INSN: "virtual_insn",
    platform.EXC_STORE_GUEST_PAGE: "store_guest_page",
}
# hedeleg bits 10 and 20-23 are read-only 0 (H extension): ecall from VS, guest-page faults
# and virtual instructions always exit.  Every other cause goes to the guest when the VMM sets
# its hedeleg bit (DESIGN §3 sets 0, 2-4, 6, 8, 12, 13, 15) and exits when it does not (the
# scenario library clears bits; access faults are not delegated by default).
NEVER_DELEGATED = {10, 20, 21, 22, 23}
HANDLING = ("delegated", "exited")


def _trap_exclusions() -> dict[str, str]:
    out = {}
    for code in NEVER_DELEGATED:
        for mode in MODES:
            out[f"{TRAP_CAUSES[code]}/{mode}/delegated"] = (
                f"hedeleg bit {code} is read-only 0 (H extension): cause {code} always exits to the VMM")
    for handling in HANDLING:
        out[f"ecall_vs/VU/{handling}"] = "an ecall executed in VU is cause 8 (ecall from VU), never 10"
        out[f"ecall_vu/VS/{handling}"] = "an ecall executed in VS is cause 10 (ecall from VS), never 8"
    return out


EXIT_CAUSES = ("ecall_vs", "insn_guest_page", "load_guest_page", "store_guest_page",
               "virtual_insn", "insn_access", "load_access", "store_access", "preempt", "stop")

SBI_CALLS = {     # (extension, function) -> bin name; the functions the VMM implements
    (sbi.EXT_BASE, 0): "base.get_spec_version", (sbi.EXT_BASE, 1): "base.get_impl_id",
    (sbi.EXT_BASE, 2): "base.get_impl_version", (sbi.EXT_BASE, 3): "base.probe_extension",
    (sbi.EXT_BASE, 4): "base.get_mvendorid", (sbi.EXT_BASE, 5): "base.get_marchid",
    (sbi.EXT_BASE, 6): "base.get_mimpid",
    (sbi.EXT_TIME, 0): "time.set_timer",
    (sbi.EXT_SRST, 0): "srst.system_reset",
    (sbi.EXT_DBCN, 0): "dbcn.write", (sbi.EXT_DBCN, 1): "dbcn.read", (sbi.EXT_DBCN, 2): "dbcn.write_byte",
    (sbi.EXT_HSM, 0): "hsm.hart_start", (sbi.EXT_HSM, 1): "hsm.hart_stop",
    (sbi.EXT_HSM, 2): "hsm.hart_get_status", (sbi.EXT_HSM, 3): "hsm.hart_suspend",
}
SBI_LEGACY = {sbi.LEGACY_SET_TIMER: "legacy.set_timer", sbi.LEGACY_PUTCHAR: "legacy.putchar",
              sbi.LEGACY_GETCHAR: "legacy.getchar", sbi.LEGACY_SHUTDOWN: "legacy.shutdown"}
SBI_BINS = (*SBI_CALLS.values(), *SBI_LEGACY.values(), "unknown_function", "unknown_extension")

# What the VMM did with an exit (vmm_model.vmm.exits.ExitHandler.counts keys).
VMM_ACTIONS = ("sbi", "demand_page", "swap_in", "mmio", "access_fault_injected", "wfi",
               "illegal_injected", "preempt")

CSRS = {0x100: "sstatus", 0x104: "sie", 0x105: "stvec", 0x106: "scounteren", 0x10A: "senvcfg",
        0x140: "sscratch", 0x141: "sepc", 0x142: "scause", 0x143: "stval", 0x144: "sip",
        0x14D: "stimecmp", 0x15D: "stimecmph", 0x180: "satp",
        0xC00: "cycle", 0xC01: "time", 0xC02: "instret",
        0xC80: "cycleh", 0xC81: "timeh", 0xC82: "instreth",
        0x600: "hstatus", 0x680: "hgatp", 0x200: "vsstatus", 0x300: "mstatus"}
CSR_BINS = (*CSRS.values(), "other")
CSR_ACCESS = ("read", "write")          # write: csrrw(i) always, csrrs/c(i) with a non-zero source
CSR_OUTCOMES = ("done", "illegal", "virtual")


# The access rules of a CSR instruction with V=1 (vmm_model/hart/csr.py ``resolve``, digest §2-3),
# which the RTL must match: they make some csr × access × outcome bins impossible.
_S_REDIRECTED = {0x100, 0x104, 0x105, 0x140, 0x141, 0x142, 0x143, 0x144, 0x180, 0x106, 0x10A}
_H_AND_VS = {0x600, 0x680, 0x200}


def _csr_exclusions() -> dict[str, str]:
    out = {}
    for number, name in CSRS.items():
        if number >> 10 == 3:
            for outcome in ("done", "virtual"):
                out[f"{name}/write/{outcome}"] = (
                    f"{name} ({number:#05x}) is read-only (address bits 11:10 = 3): a write is an "
                    "illegal instruction, checked before privilege")
        if number in _H_AND_VS:
            for access in CSR_ACCESS:
                for outcome in ("done", "illegal"):
                    out[f"{name}/{access}/{outcome}"] = (
                        "an implemented hypervisor/VS CSR accessed with V=1 is always a "
                        "virtual-instruction exception")
        if number in _S_REDIRECTED:
            for access in CSR_ACCESS:
                out[f"{name}/{access}/illegal"] = (
                    "an S-level CSR with V=1 is done in VS (redirected to its vs* copy or shared) "
                    "or a virtual-instruction exception (VU, or satp under hstatus.VTVM): never illegal")
        if (number >> 8) & 3 == 3:
            for access in CSR_ACCESS:
                out[f"{name}/{access}/done"] = "a machine-level CSR is never accessible with V=1"
                out[f"{name}/{access}/virtual"] = ("machine-level CSRs raise illegal instruction "
                                                   "from VS/VU, never virtual instruction")
    for access in CSR_ACCESS:
        out[f"other/{access}/done"] = ("every CSR that V=1 can access (S-level, counters, "
                                       "stimecmp) is named in this coverpoint: another one never completes")
    return out


VS_FAULTS = ("insn_page", "load_page", "store_page")
G_FAULTS = ("insn_guest_page", "load_guest_page", "store_guest_page")
GUEST_SFENCE = ("all", "address", "asid", "address_asid")
VMM_FLUSHES = {FLUSH_ALL: "all", FLUSH_GVMA: "gvma", FLUSH_VVMA: "vvma"}
INTERRUPTS = {platform.IRQ_VSSI: "vssi", platform.IRQ_VSTI: "vsti", platform.IRQ_VSEI: "vsei"}
INTERRUPT_OUTCOMES = ("taken_from_VS", "taken_from_VU", "pending_masked")
WFI_OUTCOMES = ("exit", "illegal", "retired")
SWITCHES = ("vcpu_same_vm", "vm", "fast_context", "slow_save_restore")
AXI_CHANNELS = ("read", "write")
AXI_LENGTHS = ("1_beat", "2_4_beats", "5_8_beats", "9_16_beats", "long")
AXI_RESPONSES = ("okay", "slverr")
AXI_BACKPRESSURE = ("none", "stalls")
MMIO_SIZES = ("byte", "half", "word")


# Page-table walks (vmm_model/hart/mmu.py walk observer records, one per walk when it ends).
WALK_STAGES = ("vs", "g")
WALK_LEVELS = ("level1", "level0")        # where the walk ended: a level-1 leaf is a 4 MiB page
WALK_OUTCOMES = ("ok", "page_fault", "guest_page_fault", "access_fault", "misaligned_superpage")
WALK_ACCESSES = ("fetch", "load", "store", "pte_read")   # pte_read: G-stage walk of a VS PTE address
WALK_PERMS = ("r", "w", "x", "rw", "rx", "wx", "rwx")    # leaf R/W/X (w, wx: reserved encodings)
WALK_RESULTS = ("ok", "fault")
_G_LEAVES = ("the VMM's G-stage leaves are always V|R|W|X|U|A|D (vmm_model/vmm/gstage.py LEAF_RWX, "
             "the only flags guest_ram.py maps with; no scenario builds another)")
_HS_MXR = "HS-level sstatus.MXR is never set (the reference's hs_sstatus stays 0): no G-stage MXR"


def _walk_outcome_exclusions() -> dict[str, str]:
    out = {}
    for level in WALK_LEVELS:
        out[f"vs/{level}/guest_page_fault"] = ("a VS-stage walk fails with a page fault; a guest-page "
                                               "fault of its PTE read is the G-stage walk's record")
        out[f"g/{level}/page_fault"] = "a G-stage walk fails with a guest-page fault, never a page fault"
    for stage in WALK_STAGES:
        out[f"{stage}/level0/misaligned_superpage"] = "only a level-1 leaf is a superpage"
    out["g/level1/ok"] = ("no G-stage superpages: gstage.py maps 4 KiB leaves only (and refuses a "
                          "root leaf)")
    out["g/level1/misaligned_superpage"] = out["g/level1/ok"]
    return out


def _walk_permission_exclusions() -> dict[str, str]:
    out = {}
    for stage in WALK_STAGES:
        for access in WALK_ACCESSES:
            for perm in ("w", "wx"):
                out[f"{stage}/{access}/{perm}/ok"] = ("W without R is a reserved encoding: always a "
                                                      "fault of the stage (reachable as a fault only)")
            for perm in ("r", "rw"):
                if access == "fetch":
                    out[f"{stage}/fetch/{perm}/ok"] = "a fetch is granted only by a leaf with X"
            if access == "store":
                for perm in ("r", "x", "rx"):
                    out[f"{stage}/store/{perm}/ok"] = "a store is granted only by a leaf with W"
    for perm in WALK_PERMS:
        for result in WALK_RESULTS:
            out[f"vs/pte_read/{perm}/{result}"] = "implicit PTE reads are translated by the G stage only"
            for access in WALK_ACCESSES:
                if perm != "rwx":
                    out.setdefault(f"g/{access}/{perm}/{result}", _G_LEAVES)
        if "r" not in perm:
            out.setdefault(f"g/pte_read/{perm}/ok", "an implicit PTE read needs R (MXR does not apply)")
    for access in WALK_ACCESSES:
        out[f"g/{access}/rwx/fault"] = _G_LEAVES + ": an RWX leaf with A and D grants every access"
    return out


def _vs_user_exclusions() -> dict[str, str]:
    out = {f"U0/VU/{a}/ok": "VU may only access U=1 pages" for a in ("fetch", "load", "store")}
    out["U1/VS/fetch/ok"] = "VS never executes from a U=1 page (SUM does not apply to fetches)"
    return out


def _sum_mxr_exclusions() -> dict[str, str]:
    out = {}
    for mxr in ("MXR0", "MXR1"):
        for access in ("load", "store"):
            out[f"SUM0/{mxr}/user_page/{access}/ok"] = "with SUM = 0, a VS access to a U=1 page faults"
        for sum_ in ("SUM0", "SUM1"):
            out[f"{sum_}/{mxr}/exec_only/store/ok"] = "an execute-only page has no W"
    for sum_ in ("SUM0", "SUM1"):
        out[f"{sum_}/MXR0/exec_only/load/ok"] = "a load of an execute-only page needs MXR"
    return out


PLAN: tuple[Group, ...] = (
    Group("instructions", "Instructions × mode", (
        cross("insn_x_mode", "every retirement: decoded instruction × rvfi_mode (trapped ones too)",
              INSTRUCTION_NAMES, MODES),
    )),
    Group("operands", "Operand corner values", (
        cross("corners", "register-register ALU/M retirements without trap: rs1/rs2 value 0, -1, "
              "INT_MIN, INT_MAX; rs1 = rs2 (same value); rd equal to rs1 or rs2",
              OPERAND_INSTRUCTIONS, OPERAND_CORNERS),
    )),
    Group("traps", "Trap cause × origin mode × delegated or exited", (
        cross("cause_x_mode_x_handling", "every trapped retirement: ext_cause × rvfi_mode × ext_exit",
              tuple(TRAP_CAUSES.values()), MODES, HANDLING, excluded=_trap_exclusions()),
    )),
    Group("exits", "Exits, SBI calls and what the VMM did", (
        Coverpoint("cause", "every matched exit record (scause)", EXIT_CAUSES,
                   {"stop": "the VMM never asks a running context to stop in these runs "
                            "(CTRL_STOP is used by the register tests only)"}),
        Coverpoint("sbi_call", "ecall-from-VS exits: a7 (extension) × a6 (function) of the reference "
                   "context at the exit", SBI_BINS),
        Coverpoint("vmm_action", "the VMM's exit handling (ExitHandler.counts at the end of a run)",
                   VMM_ACTIONS),
    )),
    Group("csr", "CSR × access × outcome", (
        cross("csr_x_access_x_outcome", "CSR instructions: csr number × read/write × done, illegal "
              "instruction (cause 2) or virtual instruction (cause 22)",
              CSR_BINS, CSR_ACCESS, CSR_OUTCOMES, excluded=_csr_exclusions()),
    )),
    Group("translation", "Translation faults by stage", (
        cross("fault_x_mode", "page faults (VS stage, delegated) and guest-page faults (G stage, exits) "
              "× origin mode", (*VS_FAULTS, *G_FAULTS), MODES),
    )),
    Group("translation_walks", "Page-table walks: stage × level × outcome × PTE bits × SUM/MXR", (
        cross("stage_x_level_x_outcome", "every walk of the reference MMU (its page-cache misses): "
              "stage × level where it ended (a level-1 leaf is a 4 MiB superpage, level 0 a 4 KiB "
              "page) × outcome", WALK_STAGES, WALK_LEVELS, WALK_OUTCOMES,
              excluded=_walk_outcome_exclusions()),
        cross("stage_x_access_x_permission", "walks ending at a valid leaf (R, W or X set): stage × "
              "access × leaf R/W/X × granted or faulted (any reason: permission, U, A/D, misaligned)",
              WALK_STAGES, WALK_ACCESSES, WALK_PERMS, WALK_RESULTS,
              excluded=_walk_permission_exclusions()),
        cross("vs_user_bit", "VS-stage walks ending at a valid leaf: PTE U × origin mode × access × "
              "result", ("U0", "U1"), MODES, ("fetch", "load", "store"), WALK_RESULTS,
              excluded=_vs_user_exclusions()),
        cross("vs_sum_x_mxr", "VS-stage loads/stores from VS ending at a U=1 leaf or at an "
              "execute-only U=0 leaf: vsstatus.SUM × MXR × page kind × access × result",
              ("SUM0", "SUM1"), ("MXR0", "MXR1"), ("user_page", "exec_only"), ("load", "store"),
              WALK_RESULTS, excluded=_sum_mxr_exclusions()),
        cross("g_leaf_user", "G-stage walks ending at a valid leaf: PTE U × result (every G-stage "
              "access is a user access: U = 0 must fault)", ("U0", "U1"), WALK_RESULTS, excluded={
                  "U0/ok": "every G-stage access counts as a U-mode access: a U=0 leaf faults",
                  "U0/fault": _G_LEAVES,
                  "U1/fault": _G_LEAVES + ": an RWX leaf with A and D grants every access"}),
    )),
    Group("tlb", "TLB flushes", (
        cross("guest_sfence", "sfence.vma retired without trap: operands × mode", GUEST_SFENCE, ("VS",)),
        Coverpoint("vmm_flush", "flushes the VMM requests through the register map",
                   tuple(VMM_FLUSHES.values())),
    )),
    Group("interrupts", "Virtual interrupts", (
        cross("irq_x_outcome", "records with rvfi_intr (cause from the reference's vscause, origin from "
              "vsstatus.SPP) and, at each exit, interrupts pending in hip but masked by vsie/SIE",
              tuple(INTERRUPTS.values()), INTERRUPT_OUTCOMES),
    )),
    Group("wfi", "WFI outcomes", (
        cross("outcome_x_mode", "wfi retirements: exit (virtual instruction), illegal, retired",
              WFI_OUTCOMES, MODES, excluded={
                  **{f"illegal/{m}": "mstatus.TW is 0 for guests: WFI with V=1 is a virtual-"
                                     "instruction exit (VU, or VS with hstatus.VTW) or a NOP, "
                                     "never illegal" for m in MODES},
                  "retired/VU": "WFI in VU always exits (virtual instruction); only VS without "
                                "hstatus.VTW retires it as a NOP"}),
    )),
    Group("scheduling", "vCPU switches and preemption", (
        Coverpoint("switch", "between two runs: another vCPU of the same VM, another VM; "
                   "world switches by context (fast) or by save/restore (slow)", SWITCHES),
        cross("preempt_x_mode", "preemption exits × the mode they interrupted", ("preempt",), MODES),
    )),
    Group("axi", "m_axi traffic", (
        cross("channel_x_length_x_response_x_backpressure", "each m_axi access HostRam serves: "
              "read/write × beats × whether the job ran with back-pressure; the response from "
              "the memory agent's monitor (RRESP/BRESP counts of the job)",
              AXI_CHANNELS, AXI_LENGTHS, AXI_RESPONSES, AXI_BACKPRESSURE,
              excluded={f"{c}/{n}/{r}/{b}": "the unit issues single-beat accesses only (one word per "
                        "fetch, load, store or PTE; rtl-core.md)"
                        for c in AXI_CHANNELS for n in AXI_LENGTHS[1:] for r in AXI_RESPONSES
                        for b in AXI_BACKPRESSURE}),
    )),
    Group("mmio", "MMIO accesses", (
        cross("size_x_direction", "UART accesses emulated by the VMM (guest-page-fault exits on the "
              "UART page): access size × load/store", MMIO_SIZES, ("load", "store")),
    )),
)

NOT_SAMPLED = (
    "translation_walks: walks are sampled on the reference MMU's page-cache misses (every "
    "distinct translation at least once per cache lifetime, vmm_model/hart/mmu.py), not on the "
    "RTL's TLB misses, and not per access: a count is walks, not accesses",
    "axi: DECERR responses (the plan's responses are OKAY and SLVERR; a DECERR leaves the okay "
    "bin and is counted nowhere; tests/test_cosim_faults.py checks DECERR faults)",
    "axi on the reference alone (regress --sim reference): it has no bus",
)


def group(name: str) -> Group:
    return next(g for g in PLAN if g.name == name)


def check_plan(plan=PLAN) -> list[str]:
    """Problems of the plan as data: exclusions naming no bin, exclusions without a reason."""
    problems = []
    for g in plan:
        for cp in g.coverpoints:
            if len(set(cp.bins)) != len(cp.bins):
                problems.append(f"{g.name}.{cp.name}: duplicate bins")
            for b, why in cp.excluded.items():
                if b not in cp.bins:
                    problems.append(f"{g.name}.{cp.name}: excluded bin {b!r} is not in the plan")
                if not str(why).strip():
                    problems.append(f"{g.name}.{cp.name}: excluded bin {b!r} has no why_unreachable")
    return problems
