"""The VMM side of a generated program, chosen by the same seed (docs/generator.md).

- ``vmm_options``: scheduling and memory pressure — the preemption quantum, the
  hardware contexts, sometimes a resident-memory budget that forces swapping —
  and the guest RAM size (``ram_size``: 16, 20 or 32 MiB), so the unmapped hole
  after RAM, where the program expects access faults, starts at a seed-chosen
  address.
- ``vmm_events``: G-stage events the guest cannot notice but the unit must get
  right: pages swapped out before the start (the first touch swaps them in),
  pages remapped onto other host frames or swapped out at the n-th exit (each
  followed by the VMM's G-stage flush; the old frame is poisoned, so a stale
  translation reads garbage and the guest's checks fail).  Scripted VMM
  actions (vmm_model.vmm.actions), in ``run_options["vmm_actions"]``.
- ``axi_settings``: the co-simulation memory agent's latency and back-pressure
  (a job's ``"axi"`` entry).
- ``bus_error_plan``: whether the seed injects AXI bus errors, and which: SLVERR
  or DECERR, on reads, writes or both, on 1-3 words of a dedicated guest page
  (``layout.BUSERR_PAGE``).  The ``buserr`` stream class loads, stores and jumps
  there and expects access faults 5/7/1; the errors travel as guest-physical
  targets in ``run_options["bus_errors"]`` (``--axi-error gpa:ADDR:...``), which
  the reference (``hvcosim run``) and the co-simulation's m_axi responder both
  resolve to the page's host frame.  Such a seed picks no memory budget, so the
  page is never swapped out; VMM events only move the image's pages.

Interrupts the VMM injects are a stream class (``vmmirq`` in streams.py): the
guest must know about them to stay self-checking.  Everything here is a pure
function of the seed: ``hvcosim run``/``cosim`` reproduce a seed from it alone.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from vmm_model import platform
from vmm_model.elf import Segment
from vmm_model.vmm.guest_ram import MIN_BUDGET_PAGES

from . import layout

QUANTA = (10_000, 1_000, 97, 13)
RAM_SIZES = (16 << 20, 16 << 20, 20 << 20, 32 << 20)   # the layout needs the first 16 MiB
LATENCIES = ((0, 0), (0, 0), (1, 1), (0, 3), (2, 8))
BACKPRESSURES = (0.0, 0.0, 0.1, 0.3, 0.6)
BUS_ERROR_CHANCE = 0.3    # of the seeds (with the knob on) that inject bus errors
BUS_ERROR_DIRECTIONS = ("read", "write", "both")
EVENT_EXITS = 60          # events fire at one of the first EVENT_EXITS exits (if the run has them)


def ram_size(seed: int, vary: bool) -> int:
    """Guest RAM of the VM: where guest-physical RAM ends and the hole after it begins (the
    ``mmio`` class expects access faults right there).  Its own stream of the seed."""
    return random.Random(f"ram:{seed}").choice(RAM_SIZES) if vary else platform.DEFAULT_RAM_SIZE


def vmm_options(rng: random.Random, seed: int, vcpus: int, vary: bool) -> dict[str, int | None]:
    """RunOptions scalars.  The RAM size is stated, not left to a default: programs touch
    the address right after it."""
    options: dict[str, int | None] = {"vcpus": vcpus, "mem": ram_size(seed, vary), "seed": seed}
    if vary:
        options["quantum"] = rng.choice(QUANTA)
        options["contexts"] = rng.choice((1, 2))
        options["mem_budget"] = (rng.choice((MIN_BUDGET_PAGES, 12, 32)) * 4096
                                 if rng.random() < 0.3 else None)
    return options


def _pages(segments: list[Segment]) -> list[int]:
    """Every guest page the program's image occupies."""
    pages = []
    for segment in segments:
        first = segment.paddr & ~0xFFF
        pages += range(first, segment.paddr + segment.memsz, 4096)
    return pages


def vmm_events(rng: random.Random, segments: list[Segment]) -> list[dict]:
    """Swap-outs at the start, remaps and swap-outs at random exits (scripted VMM actions)."""
    pages = _pages(segments)
    events = [{"at": "start", "do": "swap_out", "gpa": gpa}
              for gpa in rng.sample(pages, min(len(pages), rng.randint(0, 3)))]
    for _ in range(rng.randint(0, 4)):
        events.append({"at": "exit", "nth": rng.randint(1, EVENT_EXITS),
                       "do": rng.choice(("remap", "remap", "swap_out")), "gpa": rng.choice(pages)})
    return events


def axi_settings(seed: int) -> dict:
    """The memory agent's settings for this seed (a co-simulation job's ``"axi"`` entry)."""
    rng = random.Random(f"axi:{seed}")
    low, high = rng.choice(LATENCIES)
    return {"latency": [low, high], "backpressure": rng.choice(BACKPRESSURES),
            "errors": [], "error_rate": 0.0}


@dataclass(frozen=True)
class BusErrorPlan:
    """The seed's bus errors: ``response`` (slverr/decerr) for ``direction`` accesses to ``words``."""
    words: tuple[int, ...]            # guest-physical word addresses, all in layout.BUSERR_PAGE
    response: str
    direction: str                    # read, write or both

    @property
    def reads(self) -> bool:
        return self.direction in ("read", "both")

    @property
    def writes(self) -> bool:
        return self.direction in ("write", "both")

    def entries(self) -> list[dict]:
        """``RunOptions.bus_errors`` / a job's error entries (vmm_model.vmm.bus_errors)."""
        return [{"gpa": word, "response": self.response, "dir": self.direction} for word in self.words]

    def word_directions(self) -> dict[int, tuple[bool, bool]]:
        """For the generator's model: word -> (reads err, writes err)."""
        return {word: (self.reads, self.writes) for word in self.words}


def bus_error_plan(seed: int, enabled: bool) -> BusErrorPlan | None:
    """The bus errors of this seed, or None (its own stream of the seed: other choices stay)."""
    rng = random.Random(f"buserr:{seed}")
    if not enabled or rng.random() >= BUS_ERROR_CHANCE:
        return None
    words = sorted(rng.sample(range(layout.BUSERR_PAGE, layout.BUSERR_PAGE + 4096, 4), rng.randint(1, 3)))
    return BusErrorPlan(tuple(words), rng.choice(("slverr", "decerr")), rng.choice(BUS_ERROR_DIRECTIONS))
