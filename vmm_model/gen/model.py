"""The generator's own model of what the generated code does to a vCPU.

The generator executes every instruction it emits on this model, so it knows
each register value at each point (to emit self-checks) and which instruction
traps with which cause and tval (to fill the expected-trap table).  It is
written from the ISA specification and the platform contract, independently of
the reference hart in ``vmm_model.hart``: two implementations that must agree,
not one checked against itself.

It models only what generated code can reach: the integer registers, the data
region, the VS CSRs the generator reads and writes (sscratch, sepc, sstatus,
scause, stval), the privilege (VS or VU), and which CSR addresses trap.  A
register whose value the generator cannot know (a counter read, an SBI value
the spec leaves open) is marked unknown and never used as a source.
"""
from __future__ import annotations

from dataclasses import dataclass

from vmm_model import platform
from vmm_model.isa import Instr

M32 = 0xFFFF_FFFF
INT_MIN = 0x8000_0000
PRIV_VU, PRIV_VS = 0, 1
FETCH, LOAD, STORE = 0, 1, 2
UART_LSR = 5
UART_LSR_IDLE = 0x60          # THRE | TEMT

SSTATUS_SIE = 1 << 1
SSTATUS_SPIE = 1 << 5
SSTATUS_SPP = 1 << 8
SSTATUS_SUM = 1 << 18
SSTATUS_MXR = 1 << 19
SSTATUS_WRITABLE = SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_SUM | SSTATUS_MXR

CSR_SSTATUS, CSR_SIE, CSR_STVEC, CSR_SSCRATCH = 0x100, 0x104, 0x105, 0x140
CSR_SEPC, CSR_SCAUSE, CSR_STVAL, CSR_SIP, CSR_SATP = 0x141, 0x142, 0x143, 0x144, 0x180
CSR_STIMECMP, CSR_STIMECMPH = 0x14D, 0x15D
CSR_SCOUNTEREN = 0x106        # not duplicated for VS: the guest's own, swapped by the VMM
# The S CSRs generated code may touch from VS (they reach the VS copies).
# Timer and interrupt CSRs: accessible from VS, but their values follow time, so the
# model tracks none of them (reads are unknown; the timer item checks what it knows).
OPAQUE_CSRS = (CSR_SIE, CSR_SIP, CSR_STIMECMP, CSR_STIMECMPH)
S_CSRS = (CSR_SSTATUS, CSR_STVEC, CSR_SSCRATCH, CSR_SEPC, CSR_SCAUSE, CSR_STVAL, CSR_SATP,
          CSR_SCOUNTEREN, *OPAQUE_CSRS)
COUNTERS = (0xC00, 0xC01, 0xC02, 0xC80, 0xC81, 0xC82)      # cycle/time/instret (+h)
# Reachable from V=1 by their own addresses only as a virtual instruction (the VMM
# injects it back as an illegal instruction): VS CSRs and hypervisor CSRs.
VIRTUAL_CSRS = (0x200, 0x205, 0x240, 0x241, 0x280, 0x600, 0x602, 0x603, 0x605, 0x606,
                0x643, 0x645, 0x680)
# M-level or unimplemented from VS/VU: illegal instruction.
ILLEGAL_CSRS = (0x300, 0x301, 0x304, 0x305, 0x340, 0x341, 0x342, 0x343, 0x344, 0xF11,
                0xF14, 0xB00, 0xB02, 0x7C0, 0xC03, 0xC1F, 0x5C0, 0x9C0)


def s32(value: int) -> int:
    value &= M32
    return value - (1 << 32) if value & INT_MIN else value


@dataclass(frozen=True)
class Trap:
    cause: int
    tval: int


def _div(a: int, b: int) -> int:
    sa, sb = s32(a), s32(b)
    if sb == 0:
        return M32
    if sa == -(1 << 31) and sb == -1:
        return INT_MIN
    quotient = abs(sa) // abs(sb)
    return (-quotient if (sa < 0) != (sb < 0) else quotient) & M32


def _rem(a: int, b: int) -> int:
    sa, sb = s32(a), s32(b)
    if sb == 0:
        return a & M32
    if sa == -(1 << 31) and sb == -1:
        return 0
    remainder = abs(sa) % abs(sb)
    return (-remainder if sa < 0 else remainder) & M32


# Register-register operations on unsigned 32-bit operands.
ALU_RR = {
    "add": lambda a, b: (a + b) & M32,
    "sub": lambda a, b: (a - b) & M32,
    "sll": lambda a, b: (a << (b & 31)) & M32,
    "slt": lambda a, b: int(s32(a) < s32(b)),
    "sltu": lambda a, b: int(a < b),
    "xor": lambda a, b: a ^ b,
    "srl": lambda a, b: a >> (b & 31),
    "sra": lambda a, b: (s32(a) >> (b & 31)) & M32,
    "or": lambda a, b: a | b,
    "and": lambda a, b: a & b,
    "mul": lambda a, b: (a * b) & M32,
    "mulh": lambda a, b: ((s32(a) * s32(b)) >> 32) & M32,
    "mulhsu": lambda a, b: ((s32(a) * b) >> 32) & M32,
    "mulhu": lambda a, b: ((a * b) >> 32) & M32,
    "div": _div,
    "divu": lambda a, b: M32 if b == 0 else a // b,
    "rem": _rem,
    "remu": lambda a, b: a if b == 0 else a % b,
}
# Register-immediate forms: the same operation with the immediate as operand b.
ALU_RI = {"addi": "add", "slti": "slt", "sltiu": "sltu", "xori": "xor", "ori": "or",
          "andi": "and", "slli": "sll", "srli": "srl", "srai": "sra"}
LOADS = {"lb": (1, True), "lh": (2, True), "lw": (4, True), "lbu": (1, False), "lhu": (2, False)}
STORES = {"sb": 1, "sh": 2, "sw": 4}
FENCES = ("fence", "fence.i", "sfence.vma")
# Instructions the platform turns into an illegal-instruction trap in VS/VU:
# mret is illegal outright; the H instructions raise virtual instruction, which the
# VMM injects back as illegal instruction (tval = the word), as KVM does.
ILLEGAL_IN_GUEST = ("mret", "hfence.vvma", "hfence.gvma", "hlv.b", "hlv.bu", "hlv.h",
                    "hlv.hu", "hlvx.hu", "hlv.w", "hlvx.wu", "hsv.b", "hsv.h", "hsv.w", "illegal")


class Model:
    """Architectural state of one vCPU as far as generated code can observe it."""

    def __init__(self, data_base: int, data: bytes):
        self.x = [0] * 32
        self.known = [True] + [False] * 31
        self.data_base = data_base
        self.mem = bytearray(data)
        # Further memory the generated code reads or writes besides its data pages
        # (the VS page tables): base -> bytes.
        self.regions: dict[int, bytearray] = {data_base: self.mem}
        self.priv = PRIV_VS
        # VS-stage translation: None while vsatp is Bare, else a function
        # (va, access, model) -> physical address or Trap (see paging.py).
        self.translate = None
        # Guest-physical words whose accesses get an AXI error response (the seed's bus
        # errors): word -> (reads err, writes err); such an access is an access fault.
        self.bus_error_words: dict[int, tuple[bool, bool]] = {}
        # VS CSRs: value, or None while unknown (before the first trap or write).
        self.csr: dict[int, int | None] = {CSR_SSTATUS: 0, CSR_SSCRATCH: None, CSR_SEPC: None,
                                           CSR_SCAUSE: None, CSR_STVAL: None, CSR_STVEC: None,
                                           CSR_SATP: 0, CSR_SCOUNTEREN: None}

    # -- registers ------------------------------------------------------------------
    def set(self, reg: int, value: int | None) -> None:
        if reg:
            self.x[reg] = (value or 0) & M32
            self.known[reg] = value is not None

    def value(self, reg: int) -> int:
        assert self.known[reg], f"x{reg} is not known"
        return self.x[reg]

    # -- memory ---------------------------------------------------------------------
    def _region(self, addr: int, size: int) -> tuple[bytearray, int] | None:
        for base, data in self.regions.items():
            if base <= addr and addr + size <= base + len(data):
                return data, addr - base
        return None

    def in_data(self, addr: int, size: int) -> bool:
        return self.data_base <= addr and addr + size <= self.data_base + len(self.mem)

    def load(self, addr: int, size: int) -> int:
        found = self._region(addr, size)
        assert found, f"the model has no memory at {addr:#x}"
        data, offset = found
        return int.from_bytes(data[offset:offset + size], "little")

    def store(self, addr: int, size: int, value: int) -> None:
        found = self._region(addr, size)
        assert found, f"the model has no memory at {addr:#x}"
        data, offset = found
        data[offset:offset + size] = (value & ((1 << 8 * size) - 1)).to_bytes(size, "little")

    def is_memory(self, pa: int, size: int) -> bool:
        if self._region(pa, size):
            return True
        if platform.RAM_BASE <= pa < platform.RAM_BASE + platform.DEFAULT_RAM_SIZE:
            raise ValueError(f"generated code reaches guest RAM at {pa:#x} outside its regions")
        return False

    def _device(self, pa: int, va: int, size: int, access: int, rd: int) -> Trap | None:
        """Outside RAM: the UART (emulated by the VMM), or nothing (an injected access fault)."""
        if platform.UART_BASE <= pa < platform.UART_BASE + platform.UART_SIZE and size == 1:
            if access == LOAD:
                # LSR: transmitter always empty (THRE | TEMT), never input; other registers read 0.
                self.set(rd, UART_LSR_IDLE if pa == platform.UART_BASE + UART_LSR else 0)
            return None
        return Trap(platform.EXC_LOAD_ACCESS if access == LOAD else platform.EXC_STORE_ACCESS, va)

    def bus_error(self, pa: int, access: int) -> bool:
        """The access at ``pa`` gets an error response on the bus (fetches and loads are reads)."""
        directions = self.bus_error_words.get(pa & ~3)
        return directions is not None and directions[access == STORE]

    def physical(self, va: int, access: int) -> int | Trap:
        """The address an access reaches (VS-stage translation when vsatp is Sv32)."""
        return va if self.translate is None else self.translate(va, access, self)

    # -- traps ----------------------------------------------------------------------
    def enter_trap(self, cause: int, tval: int, resume: int, clear: int, set_bits: int) -> None:
        """A delegated trap, the generated handler and its SRET, as one step."""
        status = self.csr[CSR_SSTATUS]
        spie = SSTATUS_SPIE if status & SSTATUS_SIE else 0
        status = (status & ~(SSTATUS_SPIE | SSTATUS_SPP)) | spie
        status = (status & ~SSTATUS_SIE) | (SSTATUS_SPP if self.priv == PRIV_VS else 0)
        self.csr[CSR_SCAUSE], self.csr[CSR_STVAL] = cause & M32, tval & M32
        self.csr[CSR_SEPC] = resume
        status = (status & ~clear) | set_bits            # what the handler's table entry asks
        self.sret_from(status)

    def sret_from(self, status: int) -> None:
        """SRET in VS with sstatus = ``status``: privilege from SPP, SIE from SPIE."""
        self.priv = PRIV_VS if status & SSTATUS_SPP else PRIV_VU
        status = (status & ~SSTATUS_SIE) | (SSTATUS_SIE if status & SSTATUS_SPIE else 0)
        self.csr[CSR_SSTATUS] = (status | SSTATUS_SPIE) & ~SSTATUS_SPP

    # -- execution ------------------------------------------------------------------
    def execute(self, ins: Instr, pc: int) -> Trap | None:
        """Execute one non-control-flow instruction; the trap it raises, if any."""
        name = ins.name
        if name in ALU_RR:
            self._write_alu(ins.rd, ALU_RR[name](self.value(ins.rs1), self.value(ins.rs2)))
        elif name in ALU_RI:
            self._write_alu(ins.rd, ALU_RR[ALU_RI[name]](self.value(ins.rs1), ins.imm & M32))
        elif name == "lui":
            self.set(ins.rd, ins.imm)
        elif name == "auipc":
            self.set(ins.rd, pc + ins.imm)
        elif name in LOADS:
            size, signed = LOADS[name]
            addr = (self.value(ins.rs1) + ins.imm) & M32
            if addr % size:
                return Trap(platform.EXC_LOAD_MISALIGNED, addr)
            pa = self.physical(addr, LOAD)
            if isinstance(pa, Trap):
                return pa
            if self.bus_error(pa, LOAD):
                return Trap(platform.EXC_LOAD_ACCESS, addr)
            if not self.is_memory(pa, size):
                return self._device(pa, addr, size, LOAD, ins.rd)
            value = self.load(pa, size)
            if signed and value >> (8 * size - 1):
                value -= 1 << (8 * size)
            self.set(ins.rd, value)
        elif name in STORES:
            size = STORES[name]
            addr = (self.value(ins.rs1) + ins.imm) & M32
            if addr % size:
                return Trap(platform.EXC_STORE_MISALIGNED, addr)
            pa = self.physical(addr, STORE)
            if isinstance(pa, Trap):
                return pa
            if self.bus_error(pa, STORE):
                return Trap(platform.EXC_STORE_ACCESS, addr)
            if not self.is_memory(pa, size):
                return self._device(pa, addr, size, STORE, 0)
            self.store(pa, size, self.value(ins.rs2))
        elif name == "sfence.vma" and self.priv == PRIV_VU:
            return Trap(platform.EXC_ILLEGAL, ins.word)   # virtual instruction, injected
        elif name in FENCES:
            pass
        elif name.startswith("csr"):
            return self._csr(ins)
        elif name == "ebreak":
            return Trap(platform.EXC_BREAKPOINT, pc)
        elif name in ILLEGAL_IN_GUEST:
            return Trap(platform.EXC_ILLEGAL, ins.word)
        else:
            raise ValueError(f"the generator model does not execute {name}")
        return None

    def _write_alu(self, rd: int, value: int) -> None:
        self.set(rd, value)

    def csr_trap(self, ins: Instr) -> bool:
        """Whether this CSR instruction traps (always as illegal instruction, see ILLEGAL_IN_GUEST)."""
        writes = not (ins.name in ("csrrs", "csrrc") and ins.rs1 == 0
                      or ins.name in ("csrrsi", "csrrci") and ins.imm == 0)
        addr = ins.csr
        if writes and addr >> 10 == 3:
            return True
        if addr in COUNTERS:                  # hcounteren lets VS read them; VU needs scounteren too
            return self.priv == PRIV_VU and not self.csr[CSR_SCOUNTEREN] >> (addr & 31) & 1
        if addr in S_CSRS:
            return self.priv == PRIV_VU       # S CSRs from VU: virtual instruction
        return True                           # VIRTUAL_CSRS, ILLEGAL_CSRS

    def _csr(self, ins: Instr) -> Trap | None:
        if self.csr_trap(ins):
            return Trap(platform.EXC_ILLEGAL, ins.word)
        if ins.csr in COUNTERS or ins.csr in OPAQUE_CSRS:
            self.set(ins.rd, None)                 # time moves on its own: never predicted
            return None
        old = self.csr.get(ins.csr)
        operand = ins.imm if ins.name.endswith("i") else self.value(ins.rs1)
        kind = ins.name[:5]
        writes = kind == "csrrw" or operand != 0 or (ins.name in ("csrrs", "csrrc") and ins.rs1 != 0)
        if writes:
            if old is None and kind != "csrrw":
                raise ValueError(f"set/clear of CSR {ins.csr:#x} whose value is unknown")
            new = {"csrrw": operand, "csrrs": (old or 0) | operand,
                   "csrrc": (old or 0) & ~operand}[kind]
            self.csr[ins.csr] = self._legal(ins.csr, new)
        if ins.rd:
            self.set(ins.rd, old)
        return None

    @staticmethod
    def _legal(csr: int, value: int) -> int:
        """What a CSR holds after writing ``value`` (its WARL rule)."""
        if csr == CSR_SSTATUS:
            return value & SSTATUS_WRITABLE
        if csr == CSR_SEPC:
            return value & ~3 & M32           # IALIGN = 32: sepc[1:0] are always 0
        if csr in (CSR_SSCRATCH, CSR_SATP):      # satp is written, never read back
            return value & M32
        if csr == CSR_SCOUNTEREN:
            # Only CY/TM/IR exist; the generator writes no other bit (hpm bits are WARL).
            assert value & ~7 == 0, "scounteren: only bits 0-2 are written"
            return value
        if csr == CSR_STVEC:                     # MODE 0 direct, 1 vectored (the only ones written)
            return value & M32
        raise ValueError(f"the generator does not write CSR {csr:#x}")
