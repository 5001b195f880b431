"""Where a generated program lives in guest-physical memory (DESIGN §3: RAM at 0x8000_0000).

Each region sits in its own 4 MiB megapage, so the paging feature can map
code and bookkeeping with superpages and give the data region 4 KiB pages.
Everything fits the platform's default 16 MiB of guest RAM.
"""
from __future__ import annotations

from vmm_model import platform

TEXT_BASE = platform.RAM_BASE                 # code; the ELF entry is its first word
TEXT_LIMIT = TEXT_BASE + (4 << 20)
DATA_BASE = platform.RAM_BASE + (4 << 20)     # the random data pages loads and stores use
MAX_DATA_PAGES = 1024                         # 4 MiB
MESSAGE_SIZE = 64     # each hart's data starts with printable text (SBI DBCN writes print it)
CTRL_BASE = platform.RAM_BASE + (8 << 20)     # per-hart trap bookkeeping + expected-trap tables
PT_BASE = platform.RAM_BASE + (12 << 20)      # VS-stage page tables (paging feature)
PT_LIMIT = platform.RAM_BASE + (16 << 20)
# The bus-error page (the ``buserr`` class): the last page of the page-table megapage, which
# the tables (PT_STRIDE per hart) never reach.  Nothing else lives there; the VMM keeps it
# resident (the seed then picks no memory budget) and no VMM event moves it.
BUSERR_PAGE = PT_LIMIT - 4096

# Per-hart control block at CTRL_BASE + hart * CTRL_STRIDE (tp points at it).
CTRL_STRIDE = 0x40
CTRL_SAVE = 0            # t0..t3 saved by the trap handler: +0, +4, +8, +12
CTRL_CURSOR = 16         # address of the next expected-trap entry
CTRL_DONE = 20           # set to 1 by a secondary hart when its stream is over
MAX_HARTS = 8
TABLES_BASE = CTRL_BASE + 0x1000

# One expected-trap entry: the handler compares the first three words with
# vsepc/vscause/vstval, then writes vsepc = resume, clears and sets sstatus bits.
ENTRY_EPC, ENTRY_CAUSE, ENTRY_TVAL, ENTRY_RESUME, ENTRY_CLEAR, ENTRY_SET = range(0, 24, 4)
ENTRY_SIZE = 24
NO_MORE_TRAPS = 0xFFFF_FFFF   # the sentinel entry's epc: no trap may arrive after the last one
