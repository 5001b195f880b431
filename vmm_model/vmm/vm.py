"""One virtual machine: its VMID, G-stage tables, guest RAM, UART, console and vCPUs.

Interrupt routing: there is no interrupt controller (no PLIC).  The UART's
interrupt output is wired straight to the guest external interrupt (VSEI) of
vCPU 0, like a dedicated interrupt line: ``sync_uart_irq`` copies its level
into ``hvip.VSEIP`` of that vCPU (the way KVM sets VSEIP while its virtual
interrupt controller has a line pending).  The line can only change when the
guest accesses a UART register, so the exit handler calls it after every UART
MMIO emulation, whichever vCPU made the access.
"""
from __future__ import annotations

import enum

from vmm_model import platform

from .allocator import HostPageAllocator
from .console import Console, ConsoleSink
from .gstage import GStageTables
from .guest_ram import GuestRam
from .uart import Uart16550
from .vcpu import RunState, VCpu

HVIP_VSEIP = 1 << 10


class VmStatus(enum.Enum):
    RUNNING = "running"
    PASSED = "pass"
    FAILED = "fail"


class Vm:
    def __init__(self, index: int, vmid: int, allocator: HostPageAllocator,
                 ram_size: int = platform.DEFAULT_RAM_SIZE, budget_pages: int | None = None,
                 console_sink: ConsoleSink | None = None):
        self.index = index
        self.vmid = vmid
        self.gstage = GStageTables(allocator.memory, allocator, owner=self, vmid=vmid)
        self.ram = GuestRam(platform.RAM_BASE, ram_size, self.gstage, allocator, owner=self,
                            budget_pages=budget_pages)
        self.console = Console(index, console_sink)
        self.uart = Uart16550(self.console)
        self.vcpus: list[VCpu] = []
        self.status = VmStatus.RUNNING
        self.reason = ""

    def __repr__(self) -> str:
        return f"<Vm {self.index} vmid={self.vmid} {self.status.value}>"

    @property
    def hgatp(self) -> int:
        return self.gstage.hgatp

    def boot(self, entry: int, num_vcpus: int) -> None:
        """Create the vCPUs; each starts in VS-mode at ``entry`` with a0 = its id (DESIGN §3)."""
        self.vcpus = [VCpu(self, i, entry) for i in range(num_vcpus)]

    @property
    def running(self) -> bool:
        return self.status is VmStatus.RUNNING

    def finish(self, passed: bool, reason: str) -> None:
        self.status = VmStatus.PASSED if passed else VmStatus.FAILED
        self.reason = reason
        for vcpu in self.vcpus:
            vcpu.state = RunState.STOPPED

    @property
    def uart_irq_target(self) -> VCpu | None:
        """The vCPU whose VSEI the UART's interrupt line drives: vCPU 0."""
        return self.vcpus[0] if self.vcpus else None

    async def sync_uart_irq(self) -> bool:
        """Make ``hvip.VSEIP`` of vCPU 0 follow the UART's ``irq`` level.

        Read-modify-write of ``hvip`` (VSSIP/VSTIP are kept), through the vCPU's
        context if it is resident, else in its saved state.  Writes only when the
        bit differs; returns True if it wrote.
        """
        target = self.uart_irq_target
        if target is None:
            return False
        hvip = (await target.read(["hvip"]))["hvip"]
        wanted = hvip | HVIP_VSEIP if self.uart.irq else hvip & ~HVIP_VSEIP
        if wanted == hvip:
            return False
        await target.write({"hvip": wanted})
        return True

    def is_uart(self, gpa: int) -> bool:
        return platform.UART_BASE <= gpa < platform.UART_BASE + platform.UART_SIZE

    def owns_host_address(self, spa: int) -> bool:
        """True for host addresses of this VM's RAM pages and page tables (isolation checks)."""
        return self.ram.owns_host_address(spa)
