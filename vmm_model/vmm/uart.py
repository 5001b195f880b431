"""The 16550 register subset the guest platform offers at UART_BASE (DESIGN §3).

Registers (byte offsets; "DLAB" is LCR bit 7):

| off | read                     | write                         |
|-----|--------------------------|-------------------------------|
| +0  | RBR: 0 (no input) / DLL  | THR: the byte is printed / DLL|
| +1  | IER (bits 1:0) / DLM     | IER (bits 1:0 kept) / DLM     |
| +2  | IIR                      | FCR: ignored                  |
| +3  | LCR                      | LCR                           |
| +4  | MCR                      | MCR                           |
| +5  | LSR: THRE+TEMT           | ignored                       |
| +6  | MSR: 0                   | ignored                       |
| +7  | SCR                      | SCR                           |

LCR, MCR, SCR and the divisor latch (DLL/DLM, reached at +0/+1 while DLAB = 1,
as on a real 16550, so that a driver programming the baud rate prints nothing)
are plain storage: no line settings, loopback or modem lines are modelled.

Transmission is instant: THR is empty again as soon as it is written, so LSR
always reports THRE | TEMT.  There is never input: LSR.DR = 0, RBR reads 0, and
the received-data interrupt (IER.ERBFI) can be enabled but never fires.  IER
keeps only ERBFI (bit 0) and ETBEI (bit 1); its other bits read 0.

Interrupts (16550 datasheet, "Interrupt Control Functions"): the only source
that can be pending is "transmitter holding register empty" (THRE, IIR 0xC2):

- it becomes pending when IER.ETBEI goes 0 -> 1 (THR is always empty here) and
  after every THR write (the write clears it, then THR empties at once and sets
  it again);
- it is cleared by a read of IIR that reports it (IIR = 0xC2; the next read
  gives 0xC1) or by a THR write (which re-arms it, see above);
- clearing ETBEI removes it; setting ETBEI again re-arms it.

IIR reads 0xC1 when nothing is pending, 0xC2 while THRE is; bits 7:6 always
report the FIFOs as enabled (FCR writes are ignored).  ``irq`` is the level of
the UART's interrupt output (the 16550 INTR pin): 1 while an enabled source is
pending.  The VMM routes it to VSEI of the VM's vCPU 0 (see ``vm.Vm``).

Wider guest accesses are split into byte accesses, lowest address first, by
the MMIO emulation (``mmio.load_from_device``/``store_to_device``): a 32-bit
load at +0 therefore also reads IIR, with its side effect, and a 32-bit store
at +0 also writes IER.  Drivers use byte accesses.
"""
from __future__ import annotations

from .console import Console

THR_RBR = 0          # DLL while LCR.DLAB = 1
IER = 1              # DLM while LCR.DLAB = 1
IIR_FCR = 2
LCR = 3
MCR = 4
LSR = 5
MSR = 6
SCR = 7

IER_ERBFI = 0x01
IER_ETBEI = 0x02
IER_MASK = IER_ERBFI | IER_ETBEI
IIR_NONE = 0xC1      # FIFOs enabled, no interrupt pending
IIR_THRE = 0xC2      # FIFOs enabled, transmitter holding register empty
LCR_DLAB = 0x80
LSR_THRE = 0x20
LSR_TEMT = 0x40


class Uart16550:
    def __init__(self, console: Console):
        self.console = console
        self.ier = 0
        self.lcr = 0
        self.mcr = 0
        self.scr = 0
        self.dll = 0
        self.dlm = 0
        self.thre_pending = False     # the THRE interrupt, latched (only while ETBEI = 1)

    @property
    def irq(self) -> int:
        """The interrupt output: 1 while an enabled interrupt source is pending."""
        return int(self.thre_pending and bool(self.ier & IER_ETBEI))

    def _dlab(self) -> bool:
        return bool(self.lcr & LCR_DLAB)

    def read(self, offset: int) -> int:
        if offset == THR_RBR:
            return self.dll if self._dlab() else 0
        if offset == IER:
            return self.dlm if self._dlab() else self.ier
        if offset == IIR_FCR:
            if self.irq:
                self.thre_pending = False    # reading IIR acknowledges the THRE interrupt
                return IIR_THRE
            return IIR_NONE
        if offset == LCR:
            return self.lcr
        if offset == MCR:
            return self.mcr
        if offset == LSR:
            return LSR_THRE | LSR_TEMT
        if offset == SCR:
            return self.scr
        return 0                              # MSR, or outside the registers

    def write(self, offset: int, value: int) -> None:
        value &= 0xFF
        if offset == THR_RBR:
            if self._dlab():
                self.dll = value
                return
            self.console.write(bytes([value]))
            # The write clears THRE; THR empties at once, which raises it again.
            self.thre_pending = bool(self.ier & IER_ETBEI)
        elif offset == IER:
            if self._dlab():
                self.dlm = value
                return
            was_enabled = bool(self.ier & IER_ETBEI)
            self.ier = value & IER_MASK
            enabled = bool(self.ier & IER_ETBEI)
            if enabled and not was_enabled:
                self.thre_pending = True         # THR is empty: THRE interrupt at once
            elif not enabled:
                self.thre_pending = False
        elif offset == LCR:
            self.lcr = value
        elif offset == MCR:
            self.mcr = value
        elif offset == SCR:
            self.scr = value
        # FCR (+2), LSR (+5) and MSR (+6) ignore writes.
