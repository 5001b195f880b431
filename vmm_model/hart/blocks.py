"""The block compiler: guest basic blocks turned into Python functions.

A block is a run of consecutive instructions inside one guest page that the
``semantics`` templates cover, ending after the first branch/jump, before the
first instruction that needs the step path (CSR, SYSTEM, fence.i, illegal),
at the page end or at ``MAX_BLOCK`` instructions.  Its source is the block
rendering of each instruction's template, compiled once (code objects are
cached by source text, so a block rebuilt after an invalidation costs no
compile) and bound to one context's registers, host memory views and the
page caches of one translation regime.

A block function returns the next pc.  Every instruction in it either
retires or raises: a ``Trap`` (with ``epc``) from the instruction that
faulted, or ``BlockExit`` after a store that invalidated cached code or
translations (the rest of the block may be stale).  Either way the
instructions before it retired, and their count is ``(pc - start) // 4``
because a block is straight-line code.
"""
from __future__ import annotations

from vmm_model.isa.decode import decode

from .semantics import BLOCKABLE, ENDS_BLOCK, block_lines, div32, mis, rem32
from .trap import FETCH, Trap

MAX_BLOCK = 64
STEP_ONLY = (None, 0)           # cached for a pc whose first instruction needs the step path
CODE_CACHE_LIMIT = 1 << 15      # compiled sources kept (a bound for long, code-generating runs)

_code_cache: dict[str, object] = {}


class BlockExit(Exception):
    """Leave the running block before ``next_pc`` (every instruction before it retired)."""

    __slots__ = ("next_pc",)

    def __init__(self, next_pc: int):
        self.next_pc = next_pc


def block_source(pc: int, instrs: list) -> str:
    lines = ["def make(x, u8, u16, u32, ld, st, lslow, sslow, mis, div32, rem32):",
             "    def block():"]
    for k, ins in enumerate(instrs):
        here = (pc + 4 * k) & 0xFFFF_FFFF
        lines.append(f"        # {here:#010x}: {ins.name}")
        lines += ["        " + line for line in block_lines(ins, here)]
    if instrs[-1].name not in ENDS_BLOCK:
        lines.append(f"        return {(pc + 4 * len(instrs)) & 0xFFFF_FFFF}")
    lines.append("    return block")
    return "\n".join(lines) + "\n"


def build_block(vcpu, regime, pc: int):
    """Compile the block at ``pc`` under ``regime`` for ``vcpu`` and cache it.

    Returns ``(function, instruction count)``, ``STEP_ONLY``, or None when
    the first fetch faults (the step path then raises that fault; nothing is
    cached, so a later mapping is picked up).
    """
    memory = regime.memory
    off = regime.fetch.get(pc >> 12)
    if off is None:
        try:
            regime.translate(pc, FETCH)
        except Trap:
            return None
        off = regime.fetch.get(pc >> 12)
        if off is None:                 # a host page the page caches cannot describe
            return STEP_ONLY
    u32 = memory.u32
    instrs = []
    at = pc & 0xFFF
    while at < 4096 and len(instrs) < MAX_BLOCK:
        ins = decode(u32[(off | at) >> 2])
        if ins.name not in BLOCKABLE:
            break
        instrs.append(ins)
        at += 4
        if ins.name in ENDS_BLOCK:
            break
    if not instrs:
        regime.blocks[pc] = STEP_ONLY
        return STEP_ONLY
    source = block_source(pc, instrs)
    code = _code_cache.get(source)
    if code is None:
        if len(_code_cache) >= CODE_CACHE_LIMIT:
            _code_cache.clear()
        code = _code_cache[source] = compile(source, f"<block {pc:#010x}>", "exec")
    namespace: dict = {}
    exec(code, namespace)
    function = namespace["make"](vcpu.x, memory.u8, memory.u16, u32, regime.load, regime.store,
                                 vcpu.block_load_slow, vcpu.block_store_slow, mis, div32, rem32)
    entry = (function, len(instrs))
    host = memory.base + off
    vcpu.unit.note_code(host, regime.blocks, pc, (pc & 0xFFF), at)
    regime.blocks[pc] = entry
    return entry
