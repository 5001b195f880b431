"""What functional coverage costs per retirement, measured side by side on the reference.

    python -m tb.coverage.bench [--seed S] [--instructions N] [--repeat R]

Runs one generated program on the reference, stepping record by record as the
scoreboard's shadow does, twice per round: once feeding each record to a
``TraceHash`` (the baseline: per-record stepping plus a cheap consumer, as in
co-simulation) and once feeding the hash and a ``CoverageCollector`` (with the
reference MMU's walk observer on, as in every coverage run, and once more with it
off).  Prints µs per record of each and the collector's extra cost.
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path


def _run(elf: str, options: dict, with_coverage: bool, walks: bool = True) -> tuple[float, int]:
    from interfaces.trace import TraceHash
    from vmm_model.hart import SoftwareUnit
    from vmm_model.run import RunOptions, run_vmm, setup_guests

    from .collector import CoverageCollector, attach_unit
    opts = RunOptions(**options)
    setup = setup_guests([elf], opts)
    hasher = TraceHash()
    collector = CoverageCollector()
    if with_coverage:
        def trace(rec):
            hasher.add(rec)
            collector.retire(rec)
    else:
        trace = hasher.add
    unit = SoftwareUnit(setup.memory, num_contexts=opts.contexts, trace=trace)
    if with_coverage:
        attach_unit(unit, collector)
        if not walks:
            unit.observe_walks(None)
    start = time.perf_counter()
    result = asyncio.run(run_vmm(unit, setup.vms, opts, None))
    if with_coverage:
        collector.finish()
    return time.perf_counter() - start, result.instructions


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--instructions", type=int, default=4000, help="generator body size")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    from vmm_model.gen import Knobs, generate
    from vmm_model.gen.program import write
    with tempfile.TemporaryDirectory() as tmp:
        elf = str(Path(tmp) / "bench.elf")
        program = generate(args.seed, Knobs(instructions=args.instructions))
        write(program, elf)
        from vmm_model.run import RunOptions
        options = {k: v for k, v in dict(program.run_options).items()
                   if k in RunOptions.__dataclass_fields__}
        variants = {"base": (False, False), "no_walks": (True, False), "coverage": (True, True)}
        best = dict.fromkeys(variants, float("inf"))
        records = 0
        for _ in range(args.repeat):
            for name, (cov, walks) in variants.items():
                seconds, records = _run(elf, options, cov, walks)
                best[name] = min(best[name], seconds)
    base, no_walks, cov = (best[k] / records * 1e6 for k in variants)
    print(f"{records} records: reference stepping + trace hash {base:.2f} us/record, "
          f"+ coverage {cov:.2f} us/record; coverage adds {cov - base:.2f} us/record "
          f"({(cov - base) / base:.0%}); of which the walk observer "
          f"{cov - no_walks:+.2f} us/record (coverage without it: {no_walks:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
