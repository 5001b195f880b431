"""Constrained-random guest programs for the VMM (``hvcosim gen``).

``generate(seed, knobs)`` builds a self-checking RV32IM guest straight from
``vmm_model.isa.encode`` (no toolchain); ``write(program, path)`` makes it an
ELF.  The same seed always gives the same bytes.  See docs/generator.md.
"""
from .builder import ExpectedTrap
from .cli import add_arguments, main
from .knobs import DEFAULT_WEIGHTS, KnobError, Knobs
from .listing import listing
from .program import (GeneratedProgram, actions_path, cosim_args, generate, run_args, write,
                      write_actions)
from .vmm_random import axi_settings

__all__ = ["generate", "write", "write_actions", "run_args", "cosim_args", "actions_path", "axi_settings", "GeneratedProgram", "Knobs", "KnobError", "DEFAULT_WEIGHTS",
           "ExpectedTrap", "add_arguments", "main", "listing"]
