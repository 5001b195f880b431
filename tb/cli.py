"""The ``hvcosim`` command line (DESIGN §8).

Exit status, for every command: 0 pass; 1 the guest reported failure; 2 bad
usage or bad input (one line on stderr, never a traceback); 3 an instruction
budget ran out; 4 an internal error (one line, the traceback in a file).

``run``: each GUEST.elf is one VM (own VMID, same GPA layout, disjoint host
memory), all alive at once.  Guest output goes to stdout as it comes (with
several VMs: whole lines tagged ``[vmN] ``); the verdict is one line on stderr.
``--signature`` dumps the first guest's signature.

``run`` imports only ``vmm_model``: the testbench (cocotb, pyuvm) is imported
lazily by the commands that need it, so ``hvcosim run`` starts fast.
"""
from __future__ import annotations

import argparse
import importlib
import re
import sys
import tempfile
import traceback
from typing import Callable, Sequence

PROG = "hvcosim"
EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_BUDGET, EXIT_INTERNAL = 0, 1, 2, 3, 4

_SIZE = re.compile(r"^(0x[0-9a-f_]+|[0-9_]+)\s*([kmg]?)(i?b)?$", re.IGNORECASE)
_SCALE = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def parse_size(text: str) -> int:
    """'16M', '64K', '1G', '0x100000', '65536' (K/M/G are powers of 1024; 'KiB'/'MB' accepted)."""
    match = _SIZE.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (examples: 16M, 64K, 0x100000)")
    return int(match.group(1), 0) * _SCALE[match.group(2).lower()]


def parse_count(text: str) -> int:
    """A non-negative integer, decimal or 0x-hex, underscores allowed (50_000_000)."""
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


class UsageError(Exception):
    """Bad command-line usage; the message is the one line to print."""


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (exit 2) instead of usage + message."""

    def error(self, message: str):
        raise UsageError(f"{self.prog}: error: {message} (see {self.prog} --help)")


# --------------------------------------------------------------------------------- run

def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    from vmm_model.run import DEFAULT_MAX_INSTRUCTIONS
    from vmm_model.vmm.vmm import DEFAULT_QUANTUM

    parser.add_argument("guests", metavar="GUEST.elf", nargs="+",
                        help="guest executable; each one is a VM of its own, all alive at once")
    parser.add_argument("--vcpus", type=parse_count, default=1, metavar="N",
                        help="vCPUs per VM (default 1)")
    parser.add_argument("--mem", type=parse_size, default=16 << 20, metavar="SIZE",
                        help="guest RAM per VM at GPA 0x80000000 (default 16M)")
    parser.add_argument("--mem-budget", type=parse_size, default=None, metavar="SIZE",
                        help="host memory each VM may hold; beyond it pages are swapped "
                             "(default: no limit)")
    parser.add_argument("--seed", type=parse_count, default=0, metavar="S",
                        help="seed of the host-page scatter (default 0)")
    parser.add_argument("--quantum", type=parse_count, default=DEFAULT_QUANTUM, metavar="N",
                        help=f"retirements before a vCPU is preempted (default {DEFAULT_QUANTUM})")
    parser.add_argument("--contexts", type=parse_count, default=2, metavar="N",
                        help="hardware contexts of the unit; fewer than vCPUs means slow "
                             "world switches (default 2)")
    parser.add_argument("--max-instructions", type=parse_count, default=DEFAULT_MAX_INSTRUCTIONS,
                        metavar="N", help="retirements of all vCPUs before the run is stopped "
                                          f"with status 3 (default {DEFAULT_MAX_INSTRUCTIONS})")
    parser.add_argument("--signature", metavar="FILE",
                        help="write the words from begin_signature to end_signature of the "
                             "first guest, one per line (Spike/RISCOF format)")
    parser.add_argument("--trace", metavar="FILE", help="write one line per retired instruction")
    parser.add_argument("--coverage", metavar="FILE",
                        help="write the run's functional coverage (hit bins of tb/coverage/plan.py) "
                             "as JSON; steps record by record (slower)")
    parser.add_argument("--vmm-actions", metavar="FILE",
                        help="scripted VMM actions, a JSON list (docs/scenarios.md; written by "
                             "hvcosim gen when the seed chose some)")
    parser.add_argument("--axi-error", action="append", default=[],
                        metavar="RANGE:slverr|decerr[:read|write]",
                        help="the unit's accesses to RANGE get an AXI error response, an access "
                             "fault (repeatable; as hvcosim cosim): RANGE is LO-HI (host-physical, "
                             "HI exclusive), gpa:ADDR (the word at guest-physical ADDR of VM 0) or "
                             "gpte:ADDR (the G-stage PTE mapping ADDR of VM 0) or groot:ADDR (its "
                             "G-stage root PTE)")
    parser.set_defaults(handler=cmd_run)


class ConsoleToStdout:
    """Guest output to stdout as it comes; with several VMs, whole lines tagged '[vmN] '."""

    def __init__(self, num_vms: int, stream=None):
        self.stream = stream or sys.stdout.buffer
        self.tagged = num_vms > 1
        self.partial: dict[int, bytes] = {}

    def __call__(self, vm_index: int, data: bytes) -> None:
        if not self.tagged:
            self.stream.write(data)
        else:
            pending = self.partial.get(vm_index, b"") + data
            *lines, rest = pending.split(b"\n")
            for line in lines:
                self.stream.write(b"[vm%d] %s\n" % (vm_index, line))
            self.partial[vm_index] = rest
        self.stream.flush()

    def close(self) -> None:
        for vm_index, rest in sorted(self.partial.items()):
            if rest:
                self.stream.write(b"[vm%d] %s\n" % (vm_index, rest))
        self.partial.clear()
        self.stream.flush()


def cmd_run(args: argparse.Namespace) -> int:
    from vmm_model.run import RunOptions, run_guests
    from vmm_model.vmm.errors import GuestInputError

    from vmm_model.vmm.actions import load_actions

    console = ConsoleToStdout(len(args.guests))
    try:
        actions = load_actions(args.vmm_actions) if args.vmm_actions else []
    except GuestInputError as exc:
        raise UsageError(f"{PROG} run: error: --vmm-actions {exc}") from None
    from vmm_model.vmm.bus_errors import parse_axi_error
    try:
        bus_errors = [parse_axi_error(text) for text in args.axi_error]
    except ValueError as exc:
        raise UsageError(f"{PROG} run: error: --axi-error {exc}") from None
    options = RunOptions(vcpus=args.vcpus, mem=args.mem, mem_budget=args.mem_budget,
                         seed=args.seed, quantum=args.quantum, contexts=args.contexts,
                         max_instructions=args.max_instructions, trace_path=args.trace,
                         signature_path=args.signature, console=console, vmm_actions=actions,
                         bus_errors=bus_errors)
    if args.coverage:
        from tb.coverage.collector import ReferenceObserver
        options.observer = ReferenceObserver()
    try:
        result = run_guests(args.guests, options)
        if args.coverage:
            import json
            with open(args.coverage, "w") as file:
                json.dump(options.observer.hits(result), file)
    except GuestInputError as exc:
        raise UsageError(f"{PROG} run: error: {exc}") from None
    except OSError as exc:          # --trace / --signature file not writable
        raise UsageError(f"{PROG} run: error: {exc.filename}: {exc.strerror}") from None
    finally:
        console.close()
    summary = f"{result.instructions} instructions"
    if result.status == "pass":
        print(f"{PROG}: pass: {result.message} ({summary})", file=sys.stderr)
    elif result.status == "fail":
        print(f"{PROG}: FAIL: {result.message} ({summary})", file=sys.stderr)
    elif result.status == "timeout":
        print(f"{PROG}: timeout: {result.message}", file=sys.stderr)
    else:
        report_internal_error(result.message, result.details)
    return result.exit_status


# --------------------------------------------------------------------------- framework

def report_internal_error(message: str, details: str) -> None:
    with tempfile.NamedTemporaryFile("w", prefix=f"{PROG}-internal-error-", suffix=".txt",
                                     delete=False) as file:
        file.write(details)
    print(f"{PROG}: internal error: {message} (details in {file.name})", file=sys.stderr)


def _command_of(argv: Sequence[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


# Subcommands that live elsewhere: (name, module with add_arguments/main, help).  Each is
# imported only when it is the command asked for (or for the top-level --help), so
# `hvcosim run` never pays for the testbench, and one that is not there yet is left out.
OPTIONAL_COMMANDS = (
    ("gen", "vmm_model.gen.cli", "write a random guest program (no toolchain needed)"),
    ("regress", "tb.regress", "run the guest suite in parallel, one summary"),
    ("cosim", "tb.cosim", "run guests on the RTL, every retirement checked against the reference"),
    ("bench", "tb.bench", "the performance figures: software, RTL and co-simulation side by side"),
)


def _optional_commands(argv: Sequence[str]) -> dict[str, object]:
    """name -> module, or None for a command listed but not imported this time."""
    wanted = _command_of(argv)
    found: dict[str, object] = {}
    for name, module_name, _ in OPTIONAL_COMMANDS:
        if wanted not in (None, name):
            found[name] = None
            continue
        try:
            found[name] = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
    return found


def build_parser(argv: Sequence[str] = ()) -> OneLineParser:
    parser = OneLineParser(prog=PROG, description="Co-simulation of a software VMM with the RTL "
                                                  "of a RISC-V H-extension vCPU unit.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    add_run_arguments(commands.add_parser(
        "run", help="run guests on the VMM with the software vCPU alone"))
    helps = {name: text for name, _, text in OPTIONAL_COMMANDS}
    for name, module in _optional_commands(argv).items():
        if module is None:
            commands.add_parser(name, help=helps[name], add_help=False)
            continue
        sub = commands.add_parser(name, help=helps[name])
        module.add_arguments(sub)
        sub.set_defaults(handler=module.main)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        try:
            parser = build_parser(argv)
            args = parser.parse_args(argv)
        except SystemExit as exc:           # --help / --version
            return int(exc.code or 0)
        return int(args.handler(args))
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        report_internal_error(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
