"""CSR names, exactly the set GNU objdump (binutils 2.40, privileged spec 1.12)
names; every other number disassembles as hex, as objdump does.

That set includes CSRs this hart does not implement (F, V, debug, AIA,
state-enable, ...): a guest may still name them, and the disassembly of such an
instruction must read like objdump's.  ``hedelegh`` (0x612, digest §2) is
deliberately missing: binutils 2.40 does not know it and prints ``0x612``.
tests/test_isa.py checks all 4096 numbers against objdump.
"""
from __future__ import annotations


def _numbered(base: int, fmt: str, first: int, last: int) -> dict[int, str]:
    return {base + n: fmt.format(n) for n in range(first, last + 1)}


CSR_NAMES: dict[int, str] = {
    # Unprivileged: floating point, vector, entropy source (Zkr).
    0x001: "fflags", 0x002: "frm", 0x003: "fcsr",
    0x008: "vstart", 0x009: "vxsat", 0x00A: "vxrm", 0x00F: "vcsr",
    0x015: "seed",
    0xC20: "vl", 0xC21: "vtype", 0xC22: "vlenb",

    # User counters (read-only), including the RV32 high halves.
    0xC00: "cycle", 0xC01: "time", 0xC02: "instret",
    **_numbered(0xC00, "hpmcounter{}", 3, 31),
    0xC80: "cycleh", 0xC81: "timeh", 0xC82: "instreth",
    **_numbered(0xC80, "hpmcounter{}h", 3, 31),

    # Supervisor (accessed from VS, these are redirected to the vs* CSRs).
    0x100: "sstatus", 0x104: "sie", 0x105: "stvec", 0x106: "scounteren", 0x10A: "senvcfg",
    **_numbered(0x10C, "sstateen{}", 0, 3),
    0x114: "sieh",
    0x140: "sscratch", 0x141: "sepc", 0x142: "scause", 0x143: "stval", 0x144: "sip",
    0x14D: "stimecmp", 0x150: "siselect", 0x151: "sireg", 0x154: "siph", 0x15C: "stopei",
    0x15D: "stimecmph",
    0x180: "satp",
    0x5A8: "scontext",
    0xDA0: "scountovf", 0xDB0: "stopi",

    # Virtual supervisor.
    0x200: "vsstatus", 0x204: "vsie", 0x205: "vstvec", 0x214: "vsieh",
    0x240: "vsscratch", 0x241: "vsepc", 0x242: "vscause", 0x243: "vstval", 0x244: "vsip",
    0x24D: "vstimecmp", 0x250: "vsiselect", 0x251: "vsireg", 0x254: "vsiph", 0x25C: "vstopei",
    0x25D: "vstimecmph",
    0x280: "vsatp",
    0xEB0: "vstopi",

    # Hypervisor.
    0x600: "hstatus", 0x602: "hedeleg", 0x603: "hideleg", 0x604: "hie", 0x605: "htimedelta",
    0x606: "hcounteren", 0x607: "hgeie", 0x608: "hvien", 0x609: "hvictl", 0x60A: "henvcfg",
    **_numbered(0x60C, "hstateen{}", 0, 3),
    0x613: "hidelegh", 0x615: "htimedeltah", 0x618: "hvienh", 0x61A: "henvcfgh",
    **_numbered(0x61C, "hstateen{}h", 0, 3),
    0x643: "htval", 0x644: "hip", 0x645: "hvip", 0x646: "hviprio1", 0x647: "hviprio2",
    0x64A: "htinst", 0x655: "hviph", 0x656: "hviprio1h", 0x657: "hviprio2h",
    0x680: "hgatp", 0x6A8: "hcontext",
    0xE12: "hgeip",

    # Machine.
    0x300: "mstatus", 0x301: "misa", 0x302: "medeleg", 0x303: "mideleg", 0x304: "mie",
    0x305: "mtvec", 0x306: "mcounteren", 0x308: "mvien", 0x309: "mvip", 0x30A: "menvcfg",
    **_numbered(0x30C, "mstateen{}", 0, 3),
    0x310: "mstatush", 0x313: "midelegh", 0x314: "mieh", 0x318: "mvienh", 0x319: "mviph",
    0x31A: "menvcfgh",
    **_numbered(0x31C, "mstateen{}h", 0, 3),
    0x320: "mcountinhibit",
    **_numbered(0x320, "mhpmevent{}", 3, 31),
    0x340: "mscratch", 0x341: "mepc", 0x342: "mcause", 0x343: "mtval", 0x344: "mip",
    0x34A: "mtinst", 0x34B: "mtval2", 0x350: "miselect", 0x351: "mireg", 0x354: "miph",
    0x35C: "mtopei",
    **_numbered(0x3A0, "pmpcfg{}", 0, 15),
    **_numbered(0x3B0, "pmpaddr{}", 0, 63),
    **_numbered(0x720, "mhpmevent{}h", 3, 31),
    0x747: "mseccfg", 0x757: "mseccfgh",
    0xB00: "mcycle", 0xB02: "minstret",
    **_numbered(0xB00, "mhpmcounter{}", 3, 31),
    0xB80: "mcycleh", 0xB82: "minstreth",
    **_numbered(0xB80, "mhpmcounter{}h", 3, 31),
    0xF11: "mvendorid", 0xF12: "marchid", 0xF13: "mimpid", 0xF14: "mhartid",
    0xF15: "mconfigptr", 0xFB0: "mtopi",

    # Debug / trace (Sdtrig, Sdext).
    0x7A0: "tselect", 0x7A1: "tdata1", 0x7A2: "tdata2", 0x7A3: "tdata3", 0x7A4: "tinfo",
    0x7A5: "tcontrol", 0x7A8: "mcontext", 0x7AA: "mscontext",
    0x7B0: "dcsr", 0x7B1: "dpc", 0x7B2: "dscratch0", 0x7B3: "dscratch1",
}
