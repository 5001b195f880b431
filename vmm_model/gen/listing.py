"""A human-readable listing of a generated program: disassembly, labels, expected traps.

For the person debugging a failing seed: next to each instruction that must
trap it says with which cause and tval (and where the handler resumes), so a
divergence in a trace can be matched to what the generator intended.
"""
from __future__ import annotations

from vmm_model.isa import disasm

from . import layout
from .paging import USER_TEXT_VA


def listing(program) -> str:
    text_segment = program.segments[0]
    labels: dict[int, list[str]] = {}
    for name, address in program.symbols.items():
        labels.setdefault(address, []).append(name)
    traps: dict[int, list[str]] = {}
    for hart, expected in enumerate(program.expected_traps):
        for index, trap in enumerate(expected):
            epc = trap.epc
            if epc >> 22 == USER_TEXT_VA >> 22:      # VU code runs at the U alias of the code
                epc += layout.TEXT_BASE - USER_TEXT_VA
            traps.setdefault(epc, []).append(
                f"hart {hart} trap #{index} at {trap.epc:#x}: cause {trap.cause:#x} "
                f"tval {trap.tval:#x} -> resume {trap.resume:#x}")
    lines = [f"# seed {program.seed}; run with: {' '.join(program.vmm_args)}",
             f"# {program.checks} self-checks, "
             f"{sum(len(t) for t in program.expected_traps)} expected traps"]
    data = text_segment.data
    for offset in range(0, len(data), 4):
        pc = text_segment.vaddr + offset
        word = int.from_bytes(data[offset:offset + 4], "little")
        for name in labels.get(pc, ()):
            lines.append(f"{name}:")
        lines.append(f"  {pc:08x}: {word:08x}  {disasm(word, pc)}")
    aliased = sorted(epc for epc in traps if not text_segment.vaddr <= epc < layout.TEXT_LIMIT)
    out = []
    for line in lines:
        out.append(line)
        if line.startswith("  "):
            pc = int(line.split(":")[0], 16)
            for note in traps.get(pc, ()):
                out.append(f"      ; {note}")
    if aliased:
        out.append("# traps at virtual addresses outside the code (fetch page faults):")
        out.extend(f"#   {epc:08x}: {note}" for epc in aliased for note in traps[epc])
    return "\n".join(out) + "\n"
