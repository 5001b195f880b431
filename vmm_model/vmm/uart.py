"""The 16550 register subset the guest platform offers at UART_BASE (DESIGN §3).

THR/RBR at +0 and LSR at +5.  Transmission is instant (LSR reports THRE|TEMT
always) and there is never input (LSR.DR = 0, RBR reads 0).  Every other
register reads 0 and ignores writes.
"""
from __future__ import annotations

from .console import Console

THR_RBR = 0
LSR = 5
LSR_THRE = 0x20
LSR_TEMT = 0x40


class Uart16550:
    def __init__(self, console: Console):
        self.console = console

    def read(self, offset: int) -> int:
        return LSR_THRE | LSR_TEMT if offset == LSR else 0

    def write(self, offset: int, value: int) -> None:
        if offset == THR_RBR:
            self.console.write(bytes([value & 0xFF]))
