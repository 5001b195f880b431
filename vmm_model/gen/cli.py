"""``hvcosim gen --seed S -o prog.elf [knobs]``: write one random guest program.

Prints the `hvcosim run` options the seed chose for the VMM side (one line on
stdout, bus errors as ``--axi-error gpa:ADDR:...``), so the run can be reproduced; scripted VMM actions (interrupt
injections, remaps) go to ``FILE.vmm-actions.json`` beside the ELF.  Exit 0 when written, 2 (one line on
stderr) for bad options.
"""
from __future__ import annotations

import argparse
import sys

from .knobs import DEFAULT_WEIGHTS, KnobError, Knobs
from .listing import listing
from .program import generate, run_args, write, write_actions

EXIT_OK, EXIT_USAGE = 0, 2


def _weight(text: str) -> tuple[str, int]:
    name, sep, value = text.partition("=")
    if not sep or name not in DEFAULT_WEIGHTS:
        raise argparse.ArgumentTypeError(
            f"expected CLASS=WEIGHT with CLASS one of {', '.join(DEFAULT_WEIGHTS)}, got {text!r}")
    try:
        return name, int(value, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"weight of {name} is not an integer: {value!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Knobs()
    parser.add_argument("--seed", type=lambda t: int(t, 0), required=True, metavar="S",
                        help="random seed; the same seed and knobs give the same bytes")
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="ELF file to write")
    parser.add_argument("--instructions", type=int, default=defaults.instructions, metavar="N",
                        help=f"body instructions to generate (default {defaults.instructions})")
    parser.add_argument("--weight", type=_weight, action="append", default=[], metavar="CLASS=W",
                        help="weight of an instruction class, 0 turns it off (repeatable); "
                             f"classes: {', '.join(DEFAULT_WEIGHTS)}")
    parser.add_argument("--data-pages", type=int, default=defaults.data_pages, metavar="N",
                        help=f"4 KiB data pages per hart (default {defaults.data_pages})")
    parser.add_argument("--check-rate", type=float, default=defaults.check_rate, metavar="P",
                        help="chance a written register is checked at once "
                             f"(default {defaults.check_rate})")
    parser.add_argument("--loop-max", type=int, default=defaults.loop_max, metavar="N",
                        help=f"most iterations of a generated loop (default {defaults.loop_max})")
    parser.add_argument("--vcpus", type=int, default=defaults.vcpus, metavar="N",
                        help="harts, each with its own stream (default 1)")
    for flag, help_text in (("vu", "VS<->VU switches"), ("timers", "Sstc timer, WFI, timer interrupt"),
                            ("paging", "VS-stage Sv32 sections with random page tables"),
                            ("vary-vmm", "let the seed pick VMM options (quantum, contexts, swap)"),
                            ("vmm-events", "let the seed swap out and remap guest pages (VMM actions)"),
                            ("bus-errors", "let the seed inject AXI bus errors on a page the buserr class "
                                           "accesses (--axi-error in the printed command)")):
        parser.add_argument(f"--{flag}", action=argparse.BooleanOptionalAction,
                            default=getattr(defaults, flag.replace("-", "_")), help=help_text)
    parser.add_argument("--listing", metavar="FILE",
                        help="also write a disassembly listing with the expected traps")
    parser.add_argument("--break-check", type=int, default=None, metavar="I",
                        help="testing the generator: make self-check I expect a wrong value")
    parser.add_argument("--break-trap", type=int, default=None, metavar="I",
                        help="testing the generator: make expected trap I carry a wrong tval")


def knobs_from(args: argparse.Namespace) -> Knobs:
    return Knobs(instructions=args.instructions, weights=dict(args.weight),
                 data_pages=args.data_pages, check_rate=args.check_rate, loop_max=args.loop_max,
                 vu=args.vu, timers=args.timers, paging=args.paging, vcpus=args.vcpus,
                 vary_vmm=args.vary_vmm, vmm_events=args.vmm_events, bus_errors=args.bus_errors,
                 break_check=args.break_check, break_trap=args.break_trap).validate()


def main(args: argparse.Namespace) -> int:
    try:
        knobs = knobs_from(args)
    except KnobError as exc:
        print(f"hvcosim gen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    program = generate(args.seed, knobs)
    try:
        write(program, args.output)
        write_actions(program, args.output)
        if args.listing:
            with open(args.listing, "w") as file:
                file.write(listing(program))
    except OSError as exc:
        print(f"hvcosim gen: error: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    print(" ".join(["hvcosim", "run", args.output, *run_args(program, args.output)]))
    return EXIT_OK
