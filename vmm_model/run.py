"""Running guests on the reference (``hvcosim run``): the software unit plus the VMM.

``run_guests(elf_paths, options)`` builds host memory, one VM per ELF (same GPA
layout, own VMID, disjoint host frames), a ``SoftwareUnit`` with
``options.contexts`` contexts, runs the VMM to the end and reports a
``RunResult``.  Unusable input (bad ELF, segments outside RAM, missing signature
symbols, impossible options) raises ``GuestInputError`` before anything runs;
a failure of the VMM or the unit while running comes back as status ``error``
with the traceback in ``details``.
"""
from __future__ import annotations

import asyncio
import traceback
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Sequence

from interfaces.trace import TraceHash
from vmm_model import platform
from vmm_model.elf import ElfError, ElfImage, load_elf
from vmm_model.memory import HostMemory
from vmm_model.vmm.allocator import HostPageAllocator
from vmm_model.vmm.console import ConsoleSink
from vmm_model.vmm.elf_loader import load_image, symbol_physical_address
from vmm_model.vmm.errors import GuestInputError
from vmm_model.vmm.gstage import ROOT_PAGES, VMID_MAX
from vmm_model.vmm.guest_ram import MIN_BUDGET_PAGES, PagingStats
from vmm_model.vmm.trace_writer import TraceWriter
from vmm_model.vmm.vm import Vm
from vmm_model.vmm.vmm import DEFAULT_QUANTUM, Vmm

# Host memory sits at 0x4000_0000..0x8000_0000 at most: below guest RAM's GPA, so no
# host frame can ever equal the guest-physical address it backs.
HOST_BASE = 0x4000_0000
HOST_LIMIT = 1 << 30
MAX_RAM = 1 << 30
MAX_CONTEXTS = 15             # the register map's 16-bit AXI-Lite space
MAX_VCPUS = 64
DEFAULT_MAX_INSTRUCTIONS = 50_000_000
EXIT_STATUS = {"pass": 0, "fail": 1, "timeout": 3, "error": 4}


@dataclass
class RunOptions:
    vcpus: int = 1                               # per VM
    mem: int = platform.DEFAULT_RAM_SIZE         # guest RAM bytes per VM
    mem_budget: int | None = None                # resident host bytes per VM; beyond: swap
    seed: int = 0
    quantum: int = DEFAULT_QUANTUM
    contexts: int = 2
    max_instructions: int | None = DEFAULT_MAX_INSTRUCTIONS
    trace_path: str | None = None
    signature_path: str | None = None
    trace_hash: bool = False                     # compute RunResult.trace_hash (steps: slower)
    # Sees every retirement and the unit (functional coverage, tb.coverage): an object with
    # retire(record) and attach(unit); like a trace, it makes the unit step record by record.
    observer: object | None = None
    console: ConsoleSink | None = None           # called with (vm index, bytes) as guests print
    # Scripted VMM actions (vmm_model.vmm.actions): interrupts, delegation changes, remaps
    # at chosen exits.  Plain dictionaries, so a co-simulation job carries them as JSON.
    vmm_actions: list[dict] = field(default_factory=list)
    # Injected AXI error responses (vmm_model.vmm.bus_errors): the entries of `--axi-error`
    # and of a co-simulation job's ["axi"]["errors"], resolved after the guests are loaded.
    # A guest-physical target's page is made resident then and must stay so (no swap budget
    # that could evict it, no remap of it): the caller's choice of options.
    bus_errors: list = field(default_factory=list)


@dataclass
class VmResult:
    index: int
    vmid: int
    status: str            # "pass", "fail" or "running" (the run ended before it did)
    reason: str
    output: bytes
    paging: PagingStats


@dataclass
class RunResult:
    status: str            # "pass", "fail", "timeout" or "error"
    message: str
    instructions: int = 0
    vms: list[VmResult] = field(default_factory=list)
    signature: list[int] | None = None
    exit_counts: dict[str, int] = field(default_factory=dict)
    world_switches: dict[str, int] = field(default_factory=dict)
    details: str = ""      # traceback of an internal error
    trace_hash: str | None = None   # interfaces.trace.TraceHash of the retirements (when asked)
    actions_fired: list[int] = field(default_factory=list)   # per RunOptions.vmm_actions entry

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS[self.status]

    @property
    def output(self) -> bytes:
        """Everything the first (or only) guest printed."""
        return self.vms[0].output if self.vms else b""


def _check_options(options: RunOptions, num_vms: int) -> None:
    problems = []
    if not 1 <= num_vms <= VMID_MAX:
        problems.append(f"between 1 and {VMID_MAX} guests are needed, got {num_vms}")
    if not 1 <= options.vcpus <= MAX_VCPUS:
        problems.append(f"--vcpus must be 1..{MAX_VCPUS}, got {options.vcpus}")
    if not 1 <= options.contexts <= MAX_CONTEXTS:
        problems.append(f"--contexts must be 1..{MAX_CONTEXTS}, got {options.contexts}")
    if options.mem % platform.PAGE_SIZE or not 0 < options.mem <= MAX_RAM:
        problems.append(f"--mem must be a multiple of 4 KiB up to 1 GiB, got {options.mem:#x}")
    if options.mem_budget is not None and (options.mem_budget % platform.PAGE_SIZE or
                                           options.mem_budget < MIN_BUDGET_PAGES * platform.PAGE_SIZE):
        problems.append(f"--mem-budget must be a multiple of 4 KiB of at least "
                        f"{MIN_BUDGET_PAGES * 4} KiB, got {options.mem_budget:#x}")
    if options.quantum < 1:
        problems.append(f"--quantum must be positive, got {options.quantum}")
    if options.max_instructions is not None and options.max_instructions < 1:
        problems.append(f"--max-instructions must be positive, got {options.max_instructions}")
    if problems:
        raise GuestInputError(problems[0])
    from vmm_model.vmm.actions import check_actions
    check_actions(options.vmm_actions, num_vms)


def _host_size(options: RunOptions, num_vms: int) -> int:
    ram_pages = options.mem // platform.PAGE_SIZE
    resident = ram_pages if options.mem_budget is None else min(
        ram_pages, options.mem_budget // platform.PAGE_SIZE)
    leaf_tables = -(-options.mem // (4 << 20))
    per_vm = resident + ROOT_PAGES + leaf_tables + 4     # + room to keep the root aligned
    pages = num_vms * per_vm + 16
    size = -(-pages // ROOT_PAGES) * ROOT_PAGES * platform.PAGE_SIZE
    if size > HOST_LIMIT:
        raise GuestInputError(f"the guests need {size >> 20} MiB of host memory, more than the "
                              f"{HOST_LIMIT >> 20} MiB available (lower --mem or set --mem-budget)")
    return size


def _load_images(paths: Sequence[str]) -> list[ElfImage]:
    images = []
    for path in paths:
        try:
            images.append(load_elf(path))
        except ElfError as exc:
            raise GuestInputError(f"{path}: {exc}") from exc
    return images


def _signature_range(image: ElfImage, path: str) -> tuple[int, int]:
    missing = [s for s in ("begin_signature", "end_signature") if s not in image.symbols]
    if missing:
        raise GuestInputError(f"{path}: --signature needs symbol(s) {', '.join(missing)}, "
                              f"not found in the ELF")
    begin = symbol_physical_address(image, image.symbols["begin_signature"])
    end = symbol_physical_address(image, image.symbols["end_signature"])
    if end < begin or (end - begin) % 4 or begin % 4:
        raise GuestInputError(f"{path}: signature range {begin:#x}..{end:#x} is not whole words")
    return begin, end


def _read_signature(vm: Vm, begin: int, end: int) -> list[int]:
    data = vm.ram.read(begin, end - begin)
    return [int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data), 4)]


def write_signature(path: str, words: list[int]) -> None:
    with open(path, "w") as file:
        file.writelines(f"{word:08x}\n" for word in words)


@dataclass
class GuestSetup:
    """Host memory and the VMs of a run, loaded and booted (what any unit then runs)."""
    memory: HostMemory
    vms: list[Vm]
    signature_range: tuple[int, int] | None


def setup_guests(elf_paths: Sequence[str], options: RunOptions) -> GuestSetup:
    """Check the options, load every ELF into its own VM; raise ``GuestInputError`` on bad input."""
    _check_options(options, len(elf_paths))
    images = _load_images(elf_paths)
    signature_range = (_signature_range(images[0], elf_paths[0])
                       if options.signature_path else None)

    memory = HostMemory(_host_size(options, len(images)), base=HOST_BASE)
    allocator = HostPageAllocator(memory, options.seed)
    budget = None if options.mem_budget is None else options.mem_budget // platform.PAGE_SIZE
    # Every VM first (their 16 KiB roots come from a still unfragmented memory), then images.
    vms = [Vm(i, i + 1, allocator, ram_size=options.mem, budget_pages=budget,
              console_sink=options.console) for i in range(len(images))]
    for vm, image, path in zip(vms, images, elf_paths):
        load_image(vm, image, name=path)
        vm.boot(image.entry, options.vcpus)
    from vmm_model.vmm.bus_errors import resolve_errors
    try:
        memory.bus_errors = resolve_errors(options.bus_errors, vms, options.seed)
    except (ValueError, TypeError, KeyError) as exc:
        raise GuestInputError(f"--axi-error: {exc}") from exc
    return GuestSetup(memory, vms, signature_range)


def finish_signature(setup: GuestSetup, options: RunOptions, result: RunResult) -> None:
    if setup.signature_range and result.status != "error":
        result.signature = _read_signature(setup.vms[0], *setup.signature_range)
        write_signature(options.signature_path, result.signature)


def run_guests(elf_paths: Sequence[str], options: RunOptions | None = None) -> RunResult:
    options = options or RunOptions()
    setup = setup_guests(elf_paths, options)
    memory, vms = setup.memory, setup.vms
    with ExitStack() as stack:
        trace = None
        if options.trace_path:
            stream = stack.enter_context(open(options.trace_path, "w"))
            trace = TraceWriter(stream)
        hasher = TraceHash() if options.trace_hash else None
        if hasher is not None and trace is not None:
            writer = trace
            trace = _Tee(writer, hasher)
        elif hasher is not None:
            trace = hasher
        if options.observer is not None:
            trace = _Observed(trace, options.observer)
        result = _run(memory, vms, options, trace)
        if hasher is not None:
            result.trace_hash = hasher.hexdigest()
    finish_signature(setup, options, result)
    return result


class _Tee:
    """A trace callback feeding the trace file and the hash (keeps the writer's ``label_of_ctx``)."""

    def __init__(self, writer: TraceWriter, hasher: TraceHash):
        self.writer, self.hasher = writer, hasher

    def __call__(self, record) -> None:
        self.writer(record)
        self.hasher.add(record)

    @property
    def label_of_ctx(self):
        return self.writer.label_of_ctx

    @label_of_ctx.setter
    def label_of_ctx(self, value) -> None:
        self.writer.label_of_ctx = value


class _Observed:
    """A trace callback that also feeds ``RunOptions.observer`` (keeps the inner ``label_of_ctx``)."""

    def __init__(self, inner, observer):
        self.inner, self.retire = inner, observer.retire
        self._label_of_ctx = None

    def __call__(self, record) -> None:
        if self.inner is not None:
            self.inner(record)
        self.retire(record)

    @property
    def label_of_ctx(self):
        return self.inner.label_of_ctx if self.inner is not None else self._label_of_ctx

    @label_of_ctx.setter
    def label_of_ctx(self, value) -> None:
        if self.inner is not None:
            self.inner.label_of_ctx = value
        self._label_of_ctx = value


def _run(memory: HostMemory, vms: list[Vm], options: RunOptions, trace) -> RunResult:
    from vmm_model.hart import SoftwareUnit      # the reference hart (imported where it is used)

    unit = SoftwareUnit(memory, num_contexts=options.contexts, trace=trace)
    if options.observer is not None:
        options.observer.attach(unit)
    return asyncio.run(run_vmm(unit, vms, options, trace))


async def run_vmm(unit, vms: list[Vm], options: RunOptions, trace=None) -> RunResult:
    """Run the VMM on ``unit`` (any ``vmm_model.backend.Unit``) until every VM ended."""
    vmm = Vmm(unit, vms, quantum=options.quantum, max_instructions=options.max_instructions,
              actions=options.vmm_actions)
    if trace is not None:
        trace.label_of_ctx = lambda ctx: (vmm.pool.holder[ctx].label
                                          if vmm.pool.holder[ctx] is not None else "")
    try:
        outcome = await vmm.run()
        result = RunResult(outcome.status, outcome.message, outcome.instructions,
                           exit_counts=outcome.exit_counts)
    except Exception as exc:    # anything escaping the VMM or the unit is an internal error
        result = RunResult("error", f"{type(exc).__name__}: {exc}", vmm.retired,
                           exit_counts=dict(vmm.exits.counts), details=traceback.format_exc())
    result.vms = [VmResult(vm.index, vm.vmid, vm.status.value, vm.reason, bytes(vm.console.output),
                           vm.ram.stats) for vm in vms]
    result.world_switches = {"fast": vmm.pool.stats.fast, "slow": vmm.pool.stats.slow}
    result.actions_fired = list(vmm.script.fired)
    return result
