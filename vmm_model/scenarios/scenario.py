"""``Scenario``: one directed test — its guests, the VMM options and actions, what must come out.

A scenario's guests are built by the generator's machinery with a fixed body
(``vmm_model.gen.generate(seed, knobs, body=...)``), so building needs no
toolchain and is a pure function of the scenario.  Building one guest also
yields the scripted VMM actions its body asked for (they name exact exit pcs),
which is why ``options`` is computed from the built programs.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from vmm_model.gen import GeneratedProgram, Knobs, generate, write
from vmm_model.gen.builder import Builder

from .guest import Script

Body = Callable[[Builder, Script], None]


@dataclass(frozen=True)
class Expect:
    """What a passing run shows besides exit status 0.

    ``exits``: exit kinds (``RunResult.exit_counts`` keys) and the exact count each
    must reach; ``at_least``: kinds that must occur at least that often;
    ``absent``: kinds that must not occur at all (the trap went to the guest, not
    the VMM); ``world_switches``: {"fast"/"slow": minimum}; ``output``: bytes the
    first VM must print."""
    status: str = "pass"
    exits: dict[str, int] = field(default_factory=dict)
    at_least: dict[str, int] = field(default_factory=dict)
    absent: tuple[str, ...] = ()
    world_switches: dict[str, int] = field(default_factory=dict)
    output: bytes | None = None


@dataclass(frozen=True, eq=False)
class Scenario:
    name: str
    digest_row: str                  # "§N <table or topic>: <row>" of shared/docs/h-extension.md
    description: str
    bodies: tuple[Body, ...]         # one per VM
    base_options: dict = field(default_factory=dict)   # RunOptions fields
    expect: Expect = Expect()
    paging: bool = False             # build VS-stage page tables into the guests
    seed: int = 1                    # start-up register values and data bytes
    axi_backpressure: float = 0.0    # co-simulation only: m_axi stalls (the reference has no bus)

    @functools.cached_property
    def _built(self) -> tuple[list[GeneratedProgram], list[dict], list[dict]]:
        programs, actions, bus_errors = [], [], []
        for vm, body in enumerate(self.bodies):
            script = Script(vm)
            knobs = Knobs(instructions=1, paging=self.paging, vary_vmm=False, vmm_events=False,
                          check_rate=1.0)
            program = generate(self.seed + vm, knobs, body=lambda b, s=script: body(b, s))
            programs.append(program)
            # Actions of random stream items a body may include (vmmirq): this VM's own.
            generated = program.run_options.get("vmm_actions", [])
            actions += script.actions + [{**action, "vm": vm} for action in generated]
            assert vm == 0 or not script.bus_errors, "bus errors are planted in VM 0's memory"
            bus_errors += script.bus_errors
        return programs, actions, bus_errors

    @property
    def programs(self) -> list[GeneratedProgram]:
        return self._built[0]

    @property
    def options(self) -> dict:
        """``vmm_model.run.RunOptions`` fields, scripted VMM actions included (JSON-friendly)."""
        options = {"vcpus": 1, "seed": self.seed, **self.base_options}
        actions = self._built[1]
        if actions:
            options["vmm_actions"] = actions
        if self.bus_errors:          # resolved on VM 0 by setup_guests (vmm_model.vmm.bus_errors)
            options["bus_errors"] = list(self.bus_errors)
        return options

    @property
    def bus_errors(self) -> list[dict]:
        """AXI error responses the run needs (``RunOptions.bus_errors`` entries on VM 0's GPAs)."""
        return self._built[2]

    @property
    def axi(self) -> dict:
        """The co-simulation job's ``"axi"`` settings (empty: an ideal memory; the bus errors
        travel in ``options``, which both sides resolve)."""
        return {"backpressure": self.axi_backpressure} if self.axi_backpressure else {}

    def build(self, out_dir: Path | str) -> list[Path]:
        """One ELF per VM, written to ``out_dir``; returns their paths."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for vm, program in enumerate(self.programs):
            path = out_dir / f"{self.name}-vm{vm}.elf"
            write(program, path)
            paths.append(path)
        return paths

    def problems(self, result) -> list[str]:
        """What in a ``vmm_model.run.RunResult`` contradicts ``expect`` (empty: it passed)."""
        expect, found = self.expect, []
        if result.status != expect.status:
            found.append(f"status {result.status} ({result.message}), expected {expect.status}")
        counts = result.exit_counts
        for kind, count in expect.exits.items():
            if counts.get(kind, 0) != count:
                found.append(f"{count} '{kind}' exits expected, got {counts.get(kind, 0)}")
        for kind, count in expect.at_least.items():
            if counts.get(kind, 0) < count:
                found.append(f"at least {count} '{kind}' exits expected, got {counts.get(kind, 0)}")
        for kind in expect.absent:
            if counts.get(kind, 0):
                found.append(f"no '{kind}' exit expected, got {counts[kind]}")
        for kind, count in expect.world_switches.items():
            if result.world_switches.get(kind, 0) < count:
                found.append(f"at least {count} {kind} world switches expected, "
                             f"got {result.world_switches.get(kind, 0)}")
        if expect.output is not None and (not result.vms or expect.output not in result.vms[0].output):
            found.append(f"output {expect.output!r} expected")
        unfired = [i for i, n in enumerate(result.actions_fired) if n == 0]
        if unfired:
            found.append(f"scripted VMM action(s) {unfired} never fired: "
                         f"{[self.options['vmm_actions'][i] for i in unfired]}")
        return found
