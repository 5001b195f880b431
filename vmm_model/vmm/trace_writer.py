"""``--trace FILE``: one text line per retirement record, for people (docs/trace.md).

    order ctx mode pc insn  disassembly  effects

Effects: ``rd=value`` (ABI names), ``mem[va]->data`` (load) / ``mem[va]<-data``
(store) with the host-physical address, ``csr <- value``, ``trap cause/tval``
(with ``exit`` when it left the guest), ``intr`` for an interrupt handler's
first instruction.  ``label_of_ctx`` names the vCPU a context was running.
"""
from __future__ import annotations

from typing import Callable, TextIO

from interfaces.trace import RetireRecord
from vmm_model.isa import ABI_NAMES, CSR_NAMES, disasm


class TraceWriter:
    def __init__(self, stream: TextIO, label_of_ctx: Callable[[int], str] | None = None):
        self.stream = stream
        self.label_of_ctx = label_of_ctx
        self.lines = 0

    def __call__(self, record: RetireRecord) -> None:
        self.stream.write(self.format(record))
        self.stream.write("\n")
        self.lines += 1

    def format(self, r: RetireRecord) -> str:
        who = self.label_of_ctx(r.ext_ctx) if self.label_of_ctx else ""
        mnemonic, _, operands = (disasm(r.insn, r.pc_rdata) if r.insn else "(no instruction)"
                                 ).partition("\t")
        text = f"{mnemonic:<8}{operands}"
        head = (f"{r.order:>9} c{r.ext_ctx}{(' ' + who) if who else ''} "
                f"{'VS' if r.mode == 1 else 'VU'} {r.pc_rdata:08x} {r.insn:08x}  {text:<32}")
        return (head + "  " + "  ".join(self.effects(r))).rstrip()

    @staticmethod
    def effects(r: RetireRecord) -> list[str]:
        out = []
        if r.intr:
            out.append("intr")
        if r.trap:
            out.append(f"trap cause={r.ext_cause:#x} tval={r.ext_tval:#010x}")
            if r.ext_exit:
                out.append(f"exit htval={r.ext_htval:#x} htinst={r.ext_htinst:#x}")
            return out
        if r.rd_addr:
            out.append(f"{ABI_NAMES[r.rd_addr]}={r.rd_wdata:#010x}")
        if r.mem_rmask:
            out.append(f"mem[{r.mem_addr:#010x}]->{r.mem_rdata:#x} (pa {r.ext_mem_paddr:#x})")
        if r.mem_wmask:
            out.append(f"mem[{r.mem_addr:#010x}]<-{r.mem_wdata:#x} (pa {r.ext_mem_paddr:#x})")
        if r.ext_csr_wen:
            name = CSR_NAMES.get(r.ext_csr_addr, f"csr{r.ext_csr_addr:#x}")
            out.append(f"{name}<-{r.ext_csr_wdata:#010x}")
        return out
