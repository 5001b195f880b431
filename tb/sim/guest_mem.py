"""Guest memory for the unit's smoke tests: host memory on ``m_axi``, G-stage tables, tiny guests.

- :func:`assemble`: RV32 assembly -> flat binary (riscv64-unknown-elf toolchain).
- :class:`HostRam`: cocotbext-axi ``AxiRam`` on ``m_axi`` plus error injection
  (``AxiRam`` cannot answer SLVERR: its read/write hooks are wrapped so that an
  address in an error range raises, which cocotbext-axi answers with SLVERR).
- :class:`GStage`: builds Sv32x4 G-stage page tables in that RAM and gives the
  matching ``hgatp``.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

PAGE = 4096
OKAY, SLVERR, DECERR = 0, 2, 3
PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_G, PTE_A, PTE_D = (1 << i for i in range(8))
HGATP_MODE_SV32X4 = 1 << 31
TOOLCHAIN_PREFIX = "riscv64-unknown-elf-"


def have_toolchain() -> bool:
    return shutil.which(TOOLCHAIN_PREFIX + "as") is not None and shutil.which(TOOLCHAIN_PREFIX + "objcopy") is not None


def assemble(source: str, base: int = 0x8000_0000) -> bytes:
    """Assemble RV32IM(+Zicsr/Zifencei) ``source`` linked at ``base``; return the flat image."""
    with tempfile.TemporaryDirectory() as d:
        s, o, elf, binf = (Path(d) / n for n in ("g.S", "g.o", "g.elf", "g.bin"))
        s.write_text(".option norvc\n.text\n.globl _start\n_start:\n" + source + "\n")
        gcc = TOOLCHAIN_PREFIX + "gcc"
        p = subprocess.run([gcc, "-march=rv32im_zicsr_zifencei", "-mabi=ilp32", "-nostdlib", "-nostartfiles",
                            f"-Wl,-Ttext={base:#x}", "-Wl,--no-relax", "-o", str(elf), str(s)],
                           capture_output=True, text=True)
        if p.returncode:
            raise ValueError(f"assembling the guest failed:\n{p.stderr.strip()}")
        subprocess.run([TOOLCHAIN_PREFIX + "objcopy", "-O", "binary", str(elf), str(binf)], check=True)
        return binf.read_bytes()


def words(image: bytes) -> list[int]:
    return [int.from_bytes(image[i:i + 4], "little") for i in range(0, len(image), 4)]


class HostMemoryTarget:
    """cocotbext-axi slave target serving a ``vmm_model.memory.HostMemory`` (the VMM's own).

    Writes go straight into the memory's array, *without* ``notify_write``: bus writes
    are the unit's, not the VMM's, so write listeners (the co-simulation's mirror of
    VMM writes into the reference's copy) never see them.  An address outside the
    memory raises, which the slave answers with SLVERR.
    """

    def __init__(self, memory):
        self.memory = memory

    async def read(self, address, length):
        return self.memory.read(address, length)

    async def write(self, address, data):
        off = self.memory._offset(address, len(data))
        self.memory.array[off:off + len(data)] = memoryview(bytes(data))


class HostRam:
    """Slave memory on the unit's ``m_axi`` port: the BFM of the AXI memory agent.

    By default an ``AxiRam`` of ``size`` bytes at address 0 (the smoke tests); with
    ``memory`` (a ``HostMemory``) an ``AxiSlave`` serving that memory, so the unit
    reads and writes the VMM's host memory itself.  ``on_access(address, length,
    is_write)`` is called for every access before it is served (isolation checks).

    Settings (:meth:`configure`, :meth:`backpressure`): a response latency (fixed
    or drawn per response from ``min..max`` cycles, seeded), random stalls on each
    channel, and error responses -- SLVERR by range (:meth:`inject_error`, the RTL
    unit tests) and the ``BusErrors`` of the served memory (SLVERR or DECERR by
    range, direction and seeded rate; the reference hart faults from the same
    object).  cocotbext-axi answers a failing access with SLVERR; the response is
    rewritten to DECERR on its way out when the decision said so.
    """

    def __init__(self, dut, clk, rst_n, size: int = 1 << 20, prefix: str = "m_axi", memory=None,
                 record: bool = True):
        import logging

        from cocotbext.axi import AxiBus, AxiRam, AxiSlave
        self.clk = clk
        bus = AxiBus.from_prefix(dut, prefix)
        self.memory = None
        if memory is None:
            self.ram = AxiRam(bus, clk, rst_n, reset_active_level=False, size=size)
        else:
            self.target = HostMemoryTarget(memory)
            self.ram = AxiSlave(bus, clk, rst_n, target=self.target, reset_active_level=False)
            self.serve(memory)
        for lg in (self.ram.write_if.log, self.ram.read_if.log):
            lg.setLevel(logging.ERROR)      # an injected error is logged as a warning: not news here
        self.error_ranges: list[tuple[int, int]] = []
        self.reads: list[int] = []      # addresses of read beats, in order (when ``record``)
        self.writes: list[int] = []
        self.on_access = None
        self.latency = (0, 0)           # cycles before each response, min..max
        self._latency_rng = None
        self.errors_answered = {"read": 0, "write": 0}
        self._decerr = {"read": False, "write": False}
        read0, write0 = self.ram.read_if._read, self.ram.write_if._write

        async def _read(address, length):
            if record:
                self.reads.append(address)
            if self.on_access is not None:
                self.on_access(address, length, False)
            await self._delay()
            response = self._response(address, False)
            if response:
                self._decerr["read"] = response == DECERR
                self.errors_answered["read"] += 1
                raise IOError(f"injected error response on read of {address:#x}")
            return await read0(address, length)

        async def _write(address, data):
            if record:
                self.writes.append(address)
            if self.on_access is not None:
                self.on_access(address, len(data), True)
            await self._delay()
            response = self._response(address, True)
            if response:
                self._decerr["write"] = response == DECERR
                self.errors_answered["write"] += 1
                raise IOError(f"injected error response on write of {address:#x}")
            return await write0(address, data)

        self.ram.read_if._read = _read
        self.ram.write_if._write = _write
        self._rewrite_error_responses()

    def _rewrite_error_responses(self) -> None:
        """SLVERR -> DECERR on the R and B channels when the error decision was DECERR."""
        r_channel, b_channel = self.ram.read_if.r_channel, self.ram.write_if.b_channel
        r_send, b_send = r_channel.send, b_channel.send

        async def send_r(r):
            if int(r.rresp) == SLVERR and self._decerr["read"]:
                r.rresp = DECERR
            self._decerr["read"] = False
            await r_send(r)

        async def send_b(b):
            if int(b.bresp) == SLVERR and self._decerr["write"]:
                b.bresp = DECERR
            self._decerr["write"] = False
            await b_send(b)

        r_channel.send = send_r
        b_channel.send = send_b

    def _response(self, address: int, is_write: bool) -> int:
        if self.error_ranges and self._error(address):
            return SLVERR
        if self.memory is not None:
            return self.memory.bus_error(address, is_write)
        return OKAY

    async def _delay(self) -> None:
        lo, hi = self.latency
        if hi <= 0:
            return
        cycles = lo if lo == hi else self._latency_rng.randint(lo, hi)
        if cycles:
            from cocotb.triggers import Timer

            from .unit_tb import CLK_PERIOD_NS
            await Timer(cycles * CLK_PERIOD_NS, unit="ns")    # one wake-up, not one per cycle

    def configure(self, latency: tuple[int, int] = (0, 0), seed: int = 1) -> None:
        """Response latency in cycles: ``(n, n)`` fixed, ``(min, max)`` drawn per response (seeded)."""
        import random
        lo, hi = latency
        if not 0 <= lo <= hi:
            raise ValueError(f"latency {lo}..{hi}: want 0 <= min <= max")
        self.latency = (lo, hi)
        self._latency_rng = random.Random(seed)

    def serve(self, memory) -> None:
        """Serve another ``HostMemory`` from now on (only for a HostRam built with ``memory``)."""
        self.memory = memory
        self.target.memory = memory
        self.ram.read = memory.read
        self.ram.write = memory.write

    def backpressure(self, seed: int = 1, probability: float = 0.5) -> None:
        """Random stalls on all five channels (cocotbext-axi pause generators), seeded;
        probability 0 removes them."""
        import itertools
        import random
        rng = random.Random(seed)

        def gen():
            return (rng.random() < probability for _ in itertools.count())

        w, r = self.ram.write_if, self.ram.read_if
        for ch in (w.aw_channel, w.w_channel, w.b_channel, r.ar_channel, r.r_channel):
            if probability > 0:
                ch.set_pause_generator(gen())
            else:                           # no stalls (again)
                ch.clear_pause_generator()
                ch.pause = False

    def _error(self, address: int) -> bool:
        return any(lo <= address < hi for lo, hi in self.error_ranges)

    def inject_error(self, lo: int, hi: int) -> None:
        self.error_ranges.append((lo, hi))

    def write(self, addr: int, data: bytes) -> None:
        self.ram.write(addr, data)

    def read(self, addr: int, n: int) -> bytes:
        return self.ram.read(addr, n)

    def write32(self, addr: int, value: int) -> None:
        self.ram.write(addr, (value & 0xFFFF_FFFF).to_bytes(4, "little"))

    def read32(self, addr: int) -> int:
        return int.from_bytes(self.ram.read(addr, 4), "little")


class GStage:
    """Sv32x4 G-stage tables (4 KiB leaves) in host memory, allocated from ``next_free``."""

    def __init__(self, mem: HostRam, root: int, next_free: int, vmid: int = 1):
        assert root % (4 * PAGE) == 0, "Sv32x4 root table is 16 KiB, 16 KiB aligned"
        self.mem, self.root, self.next_free, self.vmid = mem, root, next_free, vmid
        self.mem.write(root, bytes(4 * PAGE))
        self.l0: dict[int, int] = {}

    @property
    def hgatp(self) -> int:
        return HGATP_MODE_SV32X4 | (self.vmid << 22) | (self.root >> 12)

    def _alloc(self) -> int:
        page = self.next_free
        self.next_free += PAGE
        self.mem.write(page, bytes(PAGE))
        return page

    def map(self, gpa: int, hpa: int, flags: int = PTE_R | PTE_W | PTE_X) -> None:
        """Map the 4 KiB guest-physical page of ``gpa`` to host-physical ``hpa`` (U, A, D set)."""
        vpn1 = (gpa >> 22) & 0xFFF           # 2 extra bits in Sv32x4
        vpn0 = (gpa >> 12) & 0x3FF
        if vpn1 not in self.l0:
            table = self._alloc()
            self.l0[vpn1] = table
            self.mem.write32(self.root + 4 * vpn1, ((table >> 12) << 10) | PTE_V)
        leaf = ((hpa >> 12) << 10) | flags | PTE_V | PTE_U | PTE_A | PTE_D
        self.mem.write32(self.l0[vpn1] + 4 * vpn0, leaf)
