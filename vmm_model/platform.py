"""The guest platform contract (DESIGN §3): addresses, delegation and start-up state."""
from __future__ import annotations

RAM_BASE = 0x8000_0000
DEFAULT_RAM_SIZE = 16 << 20
UART_BASE = 0x1000_0000
UART_SIZE = 0x8          # 16550 subset: THR/RBR +0, IER +1, IIR +2, LCR +3, MCR +4, LSR +5, SCR +7
# The UART's THR-empty interrupt line drives hvip.VSEIP of vCPU 0 (no PLIC: a dedicated line).
PAGE_SIZE = 4096

# hedeleg as a KVM-style VMM sets it: misaligned fetch (0), illegal instruction (2),
# breakpoint (3), misaligned load/store (4, 6), ecall from VU (8), page faults (12, 13, 15).
HEDELEG_DEFAULT = sum(1 << c for c in (0, 2, 3, 4, 6, 8, 12, 13, 15))
HIDELEG_DEFAULT = (1 << 2) | (1 << 6) | (1 << 10)   # VSSI, VSTI, VSEI
HENVCFGH_DEFAULT = 1 << 31                           # Sstc: henvcfg.STCE = 1
HCOUNTEREN_DEFAULT = 0x7                             # cycle, time, instret readable by VS
HSTATUS_VTW = 1 << 21
HSTATUS_DEFAULT = HSTATUS_VTW                        # WFI exits, so the VMM knows who waits

# Exception codes (scause / vscause, interrupt bit clear).
EXC_INSN_MISALIGNED = 0
EXC_INSN_ACCESS = 1
EXC_ILLEGAL = 2
EXC_BREAKPOINT = 3
EXC_LOAD_MISALIGNED = 4
EXC_LOAD_ACCESS = 5
EXC_STORE_MISALIGNED = 6
EXC_STORE_ACCESS = 7
EXC_ECALL_VU = 8
EXC_ECALL_VS = 10
EXC_INSN_PAGE = 12
EXC_LOAD_PAGE = 13
EXC_STORE_PAGE = 15
EXC_INSN_GUEST_PAGE = 20
EXC_LOAD_GUEST_PAGE = 21
EXC_VIRTUAL_INSN = 22
EXC_STORE_GUEST_PAGE = 23

# Interrupt codes as the HS level sees them (VS-level ones are 2/6/10, the guest sees 1/5/9).
IRQ_SSI, IRQ_VSSI, IRQ_STI, IRQ_VSTI, IRQ_SEI, IRQ_VSEI = 1, 2, 5, 6, 9, 10
