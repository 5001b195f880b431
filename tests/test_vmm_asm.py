"""Tiny guests for the VMM and CLI tests, assembled in Python (no cross toolchain needed).

``assemble`` takes (mnemonic, fields) rows and "label:" strings, resolving branch
and jump targets by label; ``li`` expands to lui+addi.  ``guest_elf`` writes the
words as one RWX segment at the start of guest RAM.
"""
from __future__ import annotations

from vmm_model.elf import PF_R, PF_W, PF_X, Segment, build_elf, load_elf
from vmm_model.isa import decode, encode
from vmm_model.platform import RAM_BASE
from vmm_model.vmm import sbi

REG = {name: i for i, name in enumerate(
    ("zero ra sp gp tp t0 t1 t2 s0 s1 a0 a1 a2 a3 a4 a5 a6 a7 "
     "s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 t4 t5 t6").split())}


def li(rd: str, value: int) -> list[tuple]:
    value &= 0xFFFF_FFFF
    low = value & 0xFFF
    low = low - 0x1000 if low >= 0x800 else low
    upper = (value - low) & 0xFFFF_FFFF
    rows = []
    if upper:
        rows.append(("lui", {"rd": rd, "imm": upper - (1 << 32) if upper >> 31 else upper}))
        if low:
            rows.append(("addi", {"rd": rd, "rs1": rd, "imm": low}))
    else:
        rows.append(("addi", {"rd": rd, "rs1": "zero", "imm": low}))
    return rows


def assemble(program: list, base: int = RAM_BASE) -> list[int]:
    rows, labels = [], {}
    for item in program:
        if isinstance(item, str):
            labels[item.rstrip(":")] = base + 4 * len(rows)
        elif item[0] == "li":
            rows.extend(li(item[1], item[2]))
        else:
            rows.append(item)
    words = []
    for index, (name, fields) in enumerate(rows):
        pc = base + 4 * index
        args = {}
        for key, value in fields.items():
            if key in ("rd", "rs1", "rs2"):
                args[key] = REG[value] if isinstance(value, str) else value
            elif key == "target":
                args["imm"] = labels[value] - pc
            else:
                args[key] = value
        words.append(encode(name, **args))
    return words


def sbi_call(eid: int, fid: int = 0, **args) -> list:
    rows = li("a7", eid) + li("a6", fid)
    for reg, value in args.items():
        rows += li(reg, value)
    return rows + [("ecall", {})]


def shutdown(reason: int = 0) -> list:
    return sbi_call(sbi.EXT_SRST, 0, a0=0, a1=reason)


def putchar_from(reg: str) -> list:
    """Legacy putchar of the byte in ``reg`` (moved to a0)."""
    return [("addi", {"rd": "a0", "rs1": reg, "imm": 0})] + li("a7", 1) + [("ecall", {})]


def guest_elf(program: list, symbols: dict[str, int] | None = None, data_pages: int = 0) -> bytes:
    words = assemble(program)
    code = b"".join(w.to_bytes(4, "little") for w in words)
    segment = Segment(RAM_BASE, RAM_BASE, code, len(code) + data_pages * 4096, PF_R | PF_W | PF_X)
    return build_elf(RAM_BASE, [segment], symbols or {})


# ------------------------------------------------------------------------- the guests

HELLO = [*li("t0", ord("h")), *putchar_from("t0"), *li("t0", ord("i")), *putchar_from("t0"),
         *shutdown(0)]

FAIL = [*shutdown(1)]

LOOP = ["top:", ("jal", {"rd": "zero", "target": "top"})]

# Every vCPU prints 'A' + its id; the others stop themselves, vCPU 0 waits (SBI HSM
# get_status) until all have stopped, then shuts down.
def multi_vcpu(vcpus: int) -> list:
    return [
        ("addi", {"rd": "s0", "rs1": "a0", "imm": 0}),
        ("addi", {"rd": "t0", "rs1": "a0", "imm": ord("A")}),
        *putchar_from("t0"),
        ("beq", {"rs1": "s0", "rs2": "zero", "target": "boss"}),
        *sbi_call(sbi.EXT_HSM, 1),
        "boss:",
        ("addi", {"rd": "s1", "rs1": "zero", "imm": 1}),
        "next:",
        *li("t1", vcpus),
        ("beq", {"rs1": "s1", "rs2": "t1", "target": "done"}),
        "poll:",
        ("addi", {"rd": "a0", "rs1": "s1", "imm": 0}),
        *li("a7", sbi.EXT_HSM), *li("a6", 2), ("ecall", {}),
        *li("t2", 1),
        ("bne", {"rs1": "a1", "rs2": "t2", "target": "poll"}),
        ("addi", {"rd": "s1", "rs1": "s1", "imm": 1}),
        ("jal", {"rd": "zero", "target": "next"}),
        "done:",
        *shutdown(0),
    ]


# Writes a distinct word at both ends of PAGES pages, then reads them all back:
# with a small --mem-budget the first pass swaps pages out and the second swaps them in.
MEMTEST_BASE = RAM_BASE + 0x10_0000


def memtest(pages: int) -> list:
    return [
        *li("s0", MEMTEST_BASE), *li("s1", pages),
        ("addi", {"rd": "t0", "rs1": "zero", "imm": 0}),
        "fill:",
        ("slli", {"rd": "t1", "rs1": "t0", "imm": 12}),
        ("add", {"rd": "t1", "rs1": "t1", "rs2": "s0"}),
        ("addi", {"rd": "t2", "rs1": "t0", "imm": 0x155}),
        ("sw", {"rs1": "t1", "rs2": "t2", "imm": 0}),
        ("sw", {"rs1": "t1", "rs2": "t0", "imm": 0x7FC}),
        ("addi", {"rd": "t0", "rs1": "t0", "imm": 1}),
        ("blt", {"rs1": "t0", "rs2": "s1", "target": "fill"}),
        ("addi", {"rd": "t0", "rs1": "zero", "imm": 0}),
        "check:",
        ("slli", {"rd": "t1", "rs1": "t0", "imm": 12}),
        ("add", {"rd": "t1", "rs1": "t1", "rs2": "s0"}),
        ("addi", {"rd": "t2", "rs1": "t0", "imm": 0x155}),
        ("lw", {"rd": "t3", "rs1": "t1", "imm": 0}),
        ("bne", {"rs1": "t3", "rs2": "t2", "target": "bad"}),
        ("lw", {"rd": "t3", "rs1": "t1", "imm": 0x7FC}),
        ("bne", {"rs1": "t3", "rs2": "t0", "target": "bad"}),
        ("addi", {"rd": "t0", "rs1": "t0", "imm": 1}),
        ("blt", {"rs1": "t0", "rs2": "s1", "target": "check"}),
        *shutdown(0),
        "bad:",
        *shutdown(1),
    ]


# Stores 3 words into a signature area after the code, then shuts down.
SIGNATURE_AT = RAM_BASE + 0x1000


def signature_writer() -> list:
    return [*li("s0", SIGNATURE_AT),
            *li("t0", 0xDEADBEEF), ("sw", {"rs1": "s0", "rs2": "t0", "imm": 0}),
            *li("t0", 1), ("sw", {"rs1": "s0", "rs2": "t0", "imm": 4}),
            *li("t0", 0x0000_00A0), ("sw", {"rs1": "s0", "rs2": "t0", "imm": 8}),
            *shutdown(0)]


SIGNATURE_SYMBOLS = {"begin_signature": SIGNATURE_AT, "end_signature": SIGNATURE_AT + 12}


def test_li_and_labels_assemble_to_what_they_say():
    words = assemble([*li("a0", 0x8000_0FFF), "x:", ("jal", {"rd": "zero", "target": "x"})])
    assert decode(words[0]).name == "lui" and decode(words[1]).imm == -1
    assert decode(words[2]).imm == 0
    image = load_elf(guest_elf(HELLO, {"begin_signature": RAM_BASE}))
    assert image.entry == RAM_BASE and image.symbols["begin_signature"] == RAM_BASE
