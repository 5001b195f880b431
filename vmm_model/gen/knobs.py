"""What a generated program may contain: the knobs (documented in docs/generator.md)."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from .layout import MAX_DATA_PAGES, MAX_HARTS

# Each class is one kind of stream item (see streams.py).  Weight 0 turns a class off.
DEFAULT_WEIGHTS: Mapping[str, int] = MappingProxyType({
    "alu": 12,         # RV32I register/immediate arithmetic, lui/auipc, corner operands
    "muldiv": 5,       # M extension with corner operands (0, -1, INT_MIN, INT_MAX)
    "load": 5,         # aligned loads from the data pages
    "store": 5,        # aligned stores to the data pages
    "misaligned": 2,   # misaligned loads/stores -> delegated causes 4/6
    "mmio": 1,         # UART THR/LSR (MMIO emulation), unmapped addresses -> injected 5/7
    "branch": 4,       # forward branches, taken and not taken
    "jump": 2,         # jal/jalr forward, and jumps to misaligned targets (cause 0)
    "loop": 2,         # bounded backward loops
    "csr": 3,          # reads/writes of VS-visible CSRs, counter reads
    "illegal": 2,      # M-level CSRs, writes to read-only counters, reserved words, mret (cause 2)
    "virtual": 1,      # virtual-instruction cases the VMM injects back as illegal (cause 2)
    "ebreak": 1,       # breakpoint (cause 3)
    "fence": 1,        # fence, fence.tso, fence.i, sfence.vma
    "sbi": 1,          # SBI calls whose return values are checked
    "vu": 1,           # switch to VU (SRET), run there, come back with ecall (cause 8)
    "timer": 1,        # Sstc stimecmp + WFI, then the timer interrupt taken at a known point
    "softirq": 1,      # the guest's own software interrupt (sip.SSIP), taken at a known point
    "vmmirq": 1,       # VSSI/VSTI/VSEI the VMM injects (hvip) at a guest SBI call, or not
    "paging": 2,       # a VS-stage Sv32 section: random PTEs, page faults 12/13/15, SFENCE.VMA
    # loads/stores/jumps to words the seed made answer SLVERR/DECERR on m_axi -> 5/7/1
    # (only in the programs whose seed chose bus errors, see vmm_random.bus_error_plan)
    "buserr": 2,
})
# class -> the enable flag it needs
FEATURE_CLASSES = {"vu": "vu", "timer": "timers", "softirq": "timers", "vmmirq": "timers",
                   "paging": "paging", "buserr": "bus_errors"}
MAX_INSTRUCTIONS = 200_000


class KnobError(ValueError):
    """A knob value out of range; the message is one line, for the command line."""


@dataclass(frozen=True)
class Knobs:
    instructions: int = 300          # body instructions to emit (start-up, handler, checks excluded)
    # Per-class weights; a class not named keeps its DEFAULT_WEIGHTS value.
    weights: Mapping[str, int] = field(default_factory=dict)
    data_pages: int = 4              # 4 KiB pages of random data that loads/stores use
    check_rate: float = 0.5          # chance that each register written by an item is checked after it
    loop_max: int = 4                # most iterations of a generated loop
    vu: bool = True                  # VS <-> VU switches
    timers: bool = True              # timer + WFI + timer interrupt; software interrupt
    paging: bool = True              # VS-stage Sv32 sections with random page tables
    vcpus: int = 1                   # harts; each runs its own stream, hart 0 ends the run
    vary_vmm: bool = True            # the seed also picks VMM options (quantum, contexts, swap budget)
    # The seed also picks VMM events the guest cannot notice: pages swapped out before the
    # start, pages remapped or swapped out at chosen exits (each with its G-stage flush).
    vmm_events: bool = True
    # The seed may also choose AXI bus errors (SLVERR/DECERR, reads/writes) on words of a
    # dedicated guest page, which the ``buserr`` class then loads, stores and jumps to.
    bus_errors: bool = True
    # Test-only: the index of one self-check / expected trap to get deliberately
    # wrong, proving that a mismatch makes the guest fail.
    break_check: int | None = None
    break_trap: int | None = None

    def validate(self) -> "Knobs":
        unknown = sorted(set(self.weights) - set(DEFAULT_WEIGHTS))
        if unknown:
            raise KnobError(f"unknown instruction class {unknown[0]!r} "
                            f"(known: {', '.join(DEFAULT_WEIGHTS)})")
        if any(not isinstance(w, int) or w < 0 for w in self.weights.values()):
            raise KnobError("weights must be integers >= 0")
        if not any(self.weight(c) for c in DEFAULT_WEIGHTS):
            raise KnobError("every instruction class has weight 0")
        if not 1 <= self.instructions <= MAX_INSTRUCTIONS:
            raise KnobError(f"instructions must be 1..{MAX_INSTRUCTIONS}, got {self.instructions}")
        if not 1 <= self.data_pages <= MAX_DATA_PAGES:
            raise KnobError(f"data pages must be 1..{MAX_DATA_PAGES}, got {self.data_pages}")
        if not 0.0 <= self.check_rate <= 1.0:
            raise KnobError(f"check rate must be between 0 and 1, got {self.check_rate}")
        if not 1 <= self.loop_max <= 64:
            raise KnobError(f"loop max must be 1..64, got {self.loop_max}")
        if not 1 <= self.vcpus <= MAX_HARTS:
            raise KnobError(f"vcpus must be 1..{MAX_HARTS}, got {self.vcpus}")
        if self.vcpus * self.data_pages > MAX_DATA_PAGES:
            raise KnobError(f"vcpus x data pages must be at most {MAX_DATA_PAGES}, "
                            f"got {self.vcpus} x {self.data_pages}")
        for name in ("break_check", "break_trap"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise KnobError(f"{name.replace('_', ' ')} must be >= 0, got {value}")
        return self

    def class_enabled(self, name: str) -> bool:
        flag = FEATURE_CLASSES.get(name)
        return flag is None or bool(getattr(self, flag))

    def weight(self, name: str) -> int:
        if not self.class_enabled(name):
            return 0
        return self.weights.get(name, DEFAULT_WEIGHTS[name])
