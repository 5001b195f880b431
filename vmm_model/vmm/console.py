"""A VM's console: every byte the guest prints (UART, SBI legacy putchar, DBCN), in order."""
from __future__ import annotations

from typing import Callable

ConsoleSink = Callable[[int, bytes], None]   # (vm index, bytes) -> None


class Console:
    def __init__(self, vm_index: int, sink: ConsoleSink | None = None):
        self.vm_index = vm_index
        self.sink = sink
        self.output = bytearray()

    def write(self, data: bytes) -> None:
        if not data:
            return
        self.output += data
        if self.sink is not None:
            self.sink(self.vm_index, bytes(data))
