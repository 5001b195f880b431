"""What each unprivileged instruction does, written once as a Python source template.

Every RV32IM instruction (plus the jumps, branches, loads and stores) has one
small template here.  ``render`` turns a template into Python source in two
ways from the *same text*:

- for the step path: a generic function per instruction whose operands are
  the variables ``rd``, ``rs1``, ``rs2``, ``imm``, ``PC`` (``STEP_FUNCTIONS``);
- for the block compiler: straight-line code with the operands of one decoded
  word substituted as constants (``block_source``).

So the single-step reference and the compiled blocks cannot disagree about an
instruction.  Privileged, CSR and fence.i instructions are not here: they live
in ``system.py`` and always run on the step path (they end a block).

Conventions inside a template: ``x`` is the register list (values are
unsigned 32-bit ints), ``M``/``S`` are the 32-bit mask and sign bit, ``mis``
raises the misaligned trap, loads/stores use the ``LOAD``/``STORE`` hooks the
two renderings define differently (step: translate and log; block: a page
cache lookup with a slow path).
"""
from __future__ import annotations

import re

from .trap import FETCH, LOAD, STORE, misaligned

M = 0xFFFF_FFFF
S = 0x8000_0000

# ---------------------------------------------------------------- templates

# Register-result instructions: rd <- expression.
ALU: dict[str, str] = {
    "lui": "imm & M",
    "auipc": "(PC + imm) & M",
    "addi": "(x[rs1] + imm) & M",
    "slti": "(1 if (x[rs1] ^ S) - S < imm else 0)",
    "sltiu": "(1 if x[rs1] < (imm & M) else 0)",
    "xori": "(x[rs1] ^ imm) & M",
    "ori": "(x[rs1] | imm) & M",
    "andi": "x[rs1] & imm",
    "slli": "(x[rs1] << imm) & M",
    "srli": "x[rs1] >> imm",
    "srai": "(((x[rs1] ^ S) - S) >> imm) & M",
    "add": "(x[rs1] + x[rs2]) & M",
    "sub": "(x[rs1] - x[rs2]) & M",
    "sll": "(x[rs1] << (x[rs2] & 31)) & M",
    "slt": "(1 if (x[rs1] ^ S) < (x[rs2] ^ S) else 0)",
    "sltu": "(1 if x[rs1] < x[rs2] else 0)",
    "xor": "x[rs1] ^ x[rs2]",
    "srl": "x[rs1] >> (x[rs2] & 31)",
    "sra": "(((x[rs1] ^ S) - S) >> (x[rs2] & 31)) & M",
    "or": "x[rs1] | x[rs2]",
    "and": "x[rs1] & x[rs2]",
    "mul": "(x[rs1] * x[rs2]) & M",
    "mulh": "((((x[rs1] ^ S) - S) * ((x[rs2] ^ S) - S)) >> 32) & M",
    "mulhsu": "((((x[rs1] ^ S) - S) * x[rs2]) >> 32) & M",
    "mulhu": "(x[rs1] * x[rs2]) >> 32",
    "div": "div32(x[rs1], x[rs2])",
    "divu": "(x[rs1] // x[rs2] if x[rs2] else M)",
    "rem": "rem32(x[rs1], x[rs2])",
    "remu": "(x[rs1] % x[rs2] if x[rs2] else x[rs1])",
}

# Branches: taken iff the condition holds; target PC + imm.
BRANCH: dict[str, str] = {
    "beq": "x[rs1] == x[rs2]",
    "bne": "x[rs1] != x[rs2]",
    "blt": "(x[rs1] ^ S) < (x[rs2] ^ S)",
    "bge": "(x[rs1] ^ S) >= (x[rs2] ^ S)",
    "bltu": "x[rs1] < x[rs2]",
    "bgeu": "x[rs1] >= x[rs2]",
}

# Loads: (size in bytes, expression turning the raw zero-extended value v into rd).
LOADS: dict[str, tuple[int, str]] = {
    "lb": (1, "((v ^ 0x80) - 0x80) & M"),
    "lh": (2, "((v ^ 0x8000) - 0x8000) & M"),
    "lw": (4, "v"),
    "lbu": (1, "v"),
    "lhu": (2, "v"),
}

STORES: dict[str, int] = {"sb": 1, "sh": 2, "sw": 4}

# Instructions that retire as a no-op here (FENCE: memory is sequentially consistent).
NOPS = ("fence",)

JUMPS = ("jal", "jalr")

# Everything the block compiler may put in a block; the last three kinds end one.
BLOCKABLE = frozenset(ALU) | frozenset(LOADS) | frozenset(STORES) | frozenset(NOPS) \
    | frozenset(BRANCH) | frozenset(JUMPS)
ENDS_BLOCK = frozenset(BRANCH) | frozenset(JUMPS)


def div32(a: int, b: int) -> int:
    """DIV: /0 gives -1, -2^31 / -1 gives -2^31 (digest §8)."""
    if b == 0:
        return M
    sa, sb = (a ^ S) - S, (b ^ S) - S
    q = abs(sa) // abs(sb)
    return (-q if (sa < 0) != (sb < 0) else q) & M


def rem32(a: int, b: int) -> int:
    """REM: x%0 gives x, -2^31 % -1 gives 0; the sign follows the dividend."""
    if b == 0:
        return a
    sa, sb = (a ^ S) - S, (b ^ S) - S
    r = abs(sa) % abs(sb)
    return (-r if sa < 0 else r) & M


def mis(access: int, addr: int, pc: int):
    """Raise the misaligned trap of ``access`` for ``addr`` (instruction at ``pc``)."""
    trap = misaligned(access, addr)
    trap.epc = pc
    raise trap


# ---------------------------------------------------------------- rendering

_OPERAND = re.compile(r"\b(rd|rs1|rs2|imm|PC|M|S|WORD|NPC)\b")


def _fill(template: str, values: dict[str, str]) -> str:
    return _OPERAND.sub(lambda m: values.get(m.group(1), m.group(1)), template)


def _body(name: str, load_hook: str, store_hook: str) -> list[str]:
    """The template of ``name`` as lines, with ``x[rd] = ...`` writes kept literal.

    ``load_hook``/``store_hook`` are the access lines of the rendering, with
    ``{size}`` and (stores) ``{value}`` placeholders.  The last line of a
    branch/jump is a ``return`` of the next pc; other bodies fall through.
    """
    if name in ALU:
        return [f"x[rd] = {ALU[name]}"]
    if name in NOPS:
        return []
    if name in LOADS:
        size, extend = LOADS[name]
        lines = ["a = (x[rs1] + imm) & M"]
        if size > 1:
            lines.append(f"if a & {size - 1}: mis({LOAD}, a, PC)")
        lines += [line.format(size=size) for line in load_hook.splitlines()]
        lines.append(f"x[rd] = {extend}")
        return lines
    if name in STORES:
        size = STORES[name]
        value = "x[rs2]" if size == 4 else f"x[rs2] & {(1 << 8 * size) - 1:#x}"
        lines = ["a = (x[rs1] + imm) & M"]
        if size > 1:
            lines.append(f"if a & {size - 1}: mis({STORE}, a, PC)")
        lines += [line.format(size=size, value=value) for line in store_hook.splitlines()]
        return lines
    if name in BRANCH:
        return [f"if {BRANCH[name]}:",
                "    t = (PC + imm) & M",
                f"    if t & 3: mis({FETCH}, t, PC)",
                "    return t",
                "return NPC"]
    if name == "jal":
        return ["t = (PC + imm) & M",
                f"if t & 3: mis({FETCH}, t, PC)",
                "x[rd] = NPC",
                "return t"]
    if name == "jalr":
        return ["t = (x[rs1] + imm) & 0xFFFFFFFE",
                f"if t & 2: mis({FETCH}, t, PC)",
                "x[rd] = NPC",
                "return t"]
    raise KeyError(name)


# Step rendering: the hart's logging accessors do translation and trace bookkeeping.
_STEP_LOAD = "v = h.load(a, {size}, PC, WORD)"
_STEP_STORE = "h.store(a, {size}, {value}, PC, WORD)"

# Block rendering: page caches ``ld``/``st`` (guest page -> host page offset), slow
# path on a miss.  ``u8``/``u16``/``u32`` are the host memory views.
_VIEW = {1: "u8[{index}]", 2: "u16[({index}) >> 1]", 4: "u32[({index}) >> 2]"}


def _block_load(size: int) -> str:
    view = _VIEW[size].format(index="ld[a >> 12] | (a & 4095)")
    return (f"try: v = {view}\n"
            f"except KeyError: v = lslow(a, {size}, PC, WORD)")


def _block_store(size: int, value: str) -> str:
    view = _VIEW[size].format(index="st[a >> 12] | (a & 4095)")
    return (f"try: {view} = {value}\n"
            f"except KeyError: sslow(a, {size}, {value}, PC, WORD)")


STEP_GLOBALS = {"div32": div32, "rem32": rem32, "mis": mis}


def _step_source(name: str) -> str:
    body = _body(name, _STEP_LOAD, _STEP_STORE)
    lines = [f"def step_{name.replace('.', '_')}(h, x, PC, rd, rs1, rs2, imm, WORD):"]
    lines += ["    " + _fill(line, {"M": str(M), "S": str(S), "NPC": f"(PC + 4) & {M}"})
              for line in body]
    if name not in ENDS_BLOCK:
        lines.append(f"    return (PC + 4) & {M}")
    return "\n".join(lines) + "\n"


def _build_step_functions() -> dict[str, object]:
    namespace = dict(STEP_GLOBALS)
    for name in sorted(BLOCKABLE):
        exec(compile(_step_source(name), f"<step {name}>", "exec"), namespace)
    return {name: namespace[f"step_{name.replace('.', '_')}"] for name in BLOCKABLE}


# name -> f(h, x, pc, rd, rs1, rs2, imm, word) -> next pc.  Writes to x[0] are
# undone by the caller (x[0] = 0 after every instruction).
STEP_FUNCTIONS = _build_step_functions()


def block_lines(ins, pc: int) -> list[str]:
    """The block rendering of decoded instruction ``ins`` at ``pc`` (constants substituted).

    Writes to x0 are dropped (the access of a load to x0 is kept: it may fault).
    """
    name = ins.name
    values = {"rd": str(ins.rd), "rs1": str(ins.rs1), "rs2": str(ins.rs2), "imm": str(ins.imm),
              "PC": str(pc), "M": str(M), "S": str(S), "WORD": str(ins.word),
              "NPC": str((pc + 4) & M)}
    if name in LOADS:
        size = LOADS[name][0]
        body = _body(name, _block_load(size), "")
    elif name in STORES:
        size = STORES[name]
        value = "x[rs2]" if size == 4 else f"x[rs2] & {(1 << 8 * size) - 1:#x}"
        body = _body(name, "", _block_store(size, value))
    else:
        body = _body(name, "", "")
    out = []
    for line in body:
        line = _fill(line, values).replace("x[0]", "0")
        if ins.rd == 0 and line.lstrip().startswith("0 = "):
            if name in LOADS or name in ALU or name in JUMPS:
                continue                       # the result is discarded
        out.append(line)
    return out
