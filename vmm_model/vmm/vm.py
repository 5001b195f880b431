"""One virtual machine: its VMID, G-stage tables, guest RAM, UART, console and vCPUs."""
from __future__ import annotations

import enum

from vmm_model import platform

from .allocator import HostPageAllocator
from .console import Console, ConsoleSink
from .gstage import GStageTables
from .guest_ram import GuestRam
from .uart import Uart16550
from .vcpu import RunState, VCpu


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

    def is_uart(self, gpa: int) -> bool:
        return platform.UART_BASE <= gpa < platform.UART_BASE + platform.UART_SIZE

    def owns_host_address(self, spa: int) -> bool:
        """True for host addresses of this VM's RAM pages and page tables (isolation checks)."""
        return self.ram.owns_host_address(spa)
