"""cocotb tests of `vcpu_mmu` alone (run by tests/rtl/test_mmu.py on both simulators).

Host memory map used throughout: G-stage roots at 0x0010_0000 / 0x0011_0000
(16 KiB), page-table pages allocated from 0x0020_0000, data pages at 0x0030_0000+.
Guest-physical: VS page tables from 0x8000_0000, guest data from 0x8010_0000.
"""
from __future__ import annotations

import cocotb
from cocotb.triggers import ClockCycles

from mmu_env import (
    A, ACCESS, D, FETCH, FLUSH_ALL, FLUSH_GVMA, FLUSH_VVMA, G, G_PT, G_RW, G_RWX, GUEST,
    LOAD, PAGE, PTR, R, STORE, U, V, VS_RW, VS_RWX, W, X, Bump, GStage, MmuEnv, VSStage,
    fault, ok, pte,
)

G_ROOT = 0x0010_0000
G_ROOT2 = 0x0011_0000
VS_ROOT = 0x8000_0000


async def two_stage(dut, vmid: int = 1, asid: int = 5, table_gflags: int = G_PT):
    env = await MmuEnv(dut).start()
    g = GStage(env.bus, G_ROOT, env.host, vmid=vmid)
    vs = VSStage(g, VS_ROOT, Bump(VS_ROOT + 0x1000), asid=asid, table_gflags=table_gflags)
    env.use(g, vs)
    return env, g, vs


@cocotb.test()
async def bare_bare(dut):
    """vsatp and hgatp Bare: SPA = VA, one bus transaction per access, stores by strobe."""
    env = await MmuEnv(dut).start()
    env.ctl(vsatp=0, hgatp=0)
    ok(await env.store(0x1000, 0x1234_5678), paddr=0x1000, nbus=1)
    assert env.bus.log[-1] == ("W", 0x1000)
    ok(await env.store(0x1002, 0xAB << 16, size=0), nbus=1)
    assert env.bus.r32(0x1000) == 0x12AB_5678
    ok(await env.store(0x1000, 0xBEEF, size=1), nbus=1)
    assert env.bus.r32(0x1000) == 0x12AB_BEEF
    ok(await env.load(0x1000), rdata=0x12AB_BEEF, paddr=0x1000, nbus=1)
    ok(await env.load(0x1003, size=0), rdata=0x12AB_BEEF, paddr=0x1003, nbus=1)
    ok(await env.fetch(0x1000), rdata=0x12AB_BEEF, nbus=1)
    assert env.bus.log[-1] == ("R", 0x1000)


@cocotb.test()
async def gstage_only(dut):
    """vsatp Bare + Sv32x4: 4 KiB and 4 MiB G pages, walk order, TLB hits."""
    env = await MmuEnv(dut).start()
    g = GStage(env.bus, G_ROOT, env.host)
    env.use(g)
    l0 = g.map4k(0x8000_0000, 0x0030_0000)
    env.bus.w32(0x0030_0010, 0xCAFE_F00D)
    r = ok(await env.load(0x8000_0010), rdata=0xCAFE_F00D, paddr=0x0030_0010, nbus=3)
    assert r.bus == [("R", G_ROOT + 0x200 * 4), ("R", l0), ("R", 0x0030_0010)], r
    ok(await env.load(0x8000_0010), rdata=0xCAFE_F00D, nbus=1)           # hit
    ok(await env.store(0x8000_0014, 0x55), paddr=0x0030_0014, nbus=1)    # hit, D=1
    assert env.bus.r32(0x0030_0014) == 0x55
    # 4 MiB G page: one PTE read, then any 4 KiB page inside hits.
    g.map4m(0x8040_0000, 0x0080_0000, G_RWX)
    env.bus.w32(0x0080_1234 & ~3, 0x1111_2222)
    env.bus.w32(0x0095_5000, 0x3333_4444)
    ok(await env.load(0x8040_1234, size=0), rdata=0x1111_2222, paddr=0x0080_1234, nbus=2)
    ok(await env.load(0x8055_5000), rdata=0x3333_4444, paddr=0x0095_5000, nbus=1)
    ok(await env.fetch(0x8055_5000), rdata=0x3333_4444, nbus=1)


@cocotb.test()
async def two_stage_walk(dut):
    """Sv32 + Sv32x4: full walk order, hits, and the combined page size."""
    env, g, vs = await two_stage(dut)
    vl0 = vs.map4k(0x0040_0000, 0x8010_0000, VS_RWX)
    gl0 = g.map4k(0x8010_0000, 0x0030_0000, G_RWX)
    env.bus.w32(0x0030_0AB8, 0xDEAD_BEEF)
    r = ok(await env.load(0x0040_0AB8), rdata=0xDEAD_BEEF, paddr=0x0030_0AB8, nbus=9)
    gl1 = G_ROOT + 0x200 * 4   # every GPA here is in 0x8000_0000..0x803F_FFFF
    assert r.bus == [
        ("R", gl1), ("R", g.l0_addr(VS_ROOT)), ("R", g.spa(vs.l1_gpa(0x0040_0000))),
        ("R", gl1), ("R", g.l0_addr(vl0)), ("R", g.spa(vl0)),
        ("R", gl1), ("R", gl0), ("R", 0x0030_0AB8)], r
    ok(await env.load(0x0040_0AB8), rdata=0xDEAD_BEEF, nbus=1)
    ok(await env.fetch(0x0040_0AB8), rdata=0xDEAD_BEEF, nbus=1)
    ok(await env.store(0x0040_0AB8, 0x77), nbus=1)
    assert env.bus.r32(0x0030_0AB8) == 0x77
    # VS 4 MiB + G 4 MiB: a combined 4 MiB entry.
    vs.map4m(0x0080_0000, 0x8080_0000)
    g.map4m(0x8080_0000, 0x0100_0000)
    ok(await env.load(0x0080_0000), paddr=0x0100_0000)
    ok(await env.load(0x00A0_0004), paddr=0x0120_0004, nbus=1)
    # VS 4 MiB + G 4 KiB: combined 4 KiB, the next page walks again.
    vs.map4m(0x00C0_0000, 0x80C0_0000)
    g.map4k(0x80C0_0000, 0x0060_0000)
    g.map4k(0x80C0_1000, 0x0060_3000)
    ok(await env.load(0x00C0_0000), paddr=0x0060_0000)
    r = ok(await env.load(0x00C0_1008), paddr=0x0060_3008)
    assert len(r.bus) > 1, r
    ok(await env.load(0x00C0_0010), paddr=0x0060_0010, nbus=1)


@cocotb.test()
async def vs_stage_faults(dut):
    """Page faults 12/13/15: invalid, reserved, bad pointers, level < 0, misaligned
    superpage, permissions; the walk stops at the first fault."""
    env, g, vs = await two_stage(dut)
    g.map4m(0x8040_0000, 0x0040_0000, G_RWX)   # guest data, any GPA in 0x8040_0000..
    # V = 0 at level 1: after the G walk of the root PTE's GPA and one VS read.
    fault(await env.load(0x0100_0000), 13, nbus=3)
    fault(await env.fetch(0x0100_0000), 12, nbus=3)
    fault(await env.store(0x0100_0000, 0), 15, nbus=3)
    # R = 0, W = 1 (reserved).
    vs.map4k(0x0200_0000, 0x8040_0000, V | W | A | D)
    fault(await env.load(0x0200_0000), 13)
    # Non-leaf with A set (D/A/U on a pointer are reserved).
    l1 = vs.l1_gpa(0x0240_0000)
    vs.map4k(0x0240_0000, 0x8040_0000, VS_RW)
    l1pte = env.bus.r32(g.spa(l1))
    vs.set_pte(l1, l1pte | A)
    fault(await env.load(0x0240_0000), 13)
    vs.set_pte(l1, l1pte | U)
    fault(await env.load(0x0240_0000), 13)
    vs.set_pte(l1, l1pte)
    ok(await env.load(0x0240_0000), paddr=0x0040_0000)
    # A pointer at level 0.
    vs.map4k(0x0280_0000, 0x8040_0000, PTR)
    fault(await env.load(0x0280_0000), 13)
    # Misaligned superpage (PPN[0] != 0).
    vs.map4m(0x02C0_0000, 0x8040_1000)
    fault(await env.load(0x02C0_0000), 13)
    # Permissions: RW page (no X) fetch, R-only page store, X-only load.
    vs.map4k(0x0300_0000, 0x8040_0000, VS_RW)
    fault(await env.fetch(0x0300_0000), 12)
    vs.map4k(0x0300_1000, 0x8040_0000, V | R | A | D)
    fault(await env.store(0x0300_1000, 0), 15)
    ok(await env.load(0x0300_1000))
    vs.map4k(0x0300_2000, 0x8040_0000, V | X | A)
    fault(await env.load(0x0300_2000), 13)
    ok(await env.fetch(0x0300_2000))


@cocotb.test()
async def g_stage_faults(dut):
    """Guest-page faults 20/21/23 with htval = GPA >> 2, on the final GPA and on a VS
    page-table GPA (resp_implicit_o = 1)."""
    env, g, vs = await two_stage(dut)
    # Final GPA not mapped: htval names the exact byte's GPA >> 2.
    vs.map4k(0x0200_0000, 0x9000_0000, VS_RWX)
    for typ in (LOAD, STORE, FETCH):
        fault(await env.access(typ, 0x0200_0124), GUEST[typ], htval=0x9000_0124 >> 2)
    # GPA above 4 GiB (34-bit GPA), G-stage L1 index 0x400.
    vs.map4k(0x0200_1000, 0x1_0000_5000, VS_RW)
    fault(await env.load(0x0200_1010), 21, htval=0x1_0000_5010 >> 2)
    # G leaf: U = 0, no W for a store, misaligned superpage, pointer at level 0,
    # non-leaf with D.
    vs.map4k(0x0200_2000, 0x8040_0000, VS_RW)
    g.map4k(0x8040_0000, 0x0030_0000, V | R | W | A | D)
    fault(await env.load(0x0200_2008), 21, htval=0x8040_0008 >> 2)
    g.map4k(0x8040_0000, 0x0030_0000, V | R | U | A | D)
    ok(await env.load(0x0200_2008), paddr=0x0030_0008)
    fault(await env.store(0x0200_2008, 0), 23, htval=0x8040_0008 >> 2)
    vs.map4k(0x0200_3000, 0x8080_0000, VS_RW)
    g.map4m(0x8080_0000, 0x0040_1000)
    fault(await env.load(0x0200_3000), 21, htval=0x8080_0000 >> 2)
    vs.map4k(0x0200_4000, 0x8100_0000, VS_RW)
    g.map4k(0x8100_0000, 0x0030_0000, PTR)
    fault(await env.load(0x0200_4000), 21, htval=0x8100_0000 >> 2)
    g.map4k(0x8100_0000, 0x0030_0000, G_RW)
    await env.flush(FLUSH_ALL)
    gl1 = g.l1_addr(0x8100_0000)
    env.bus.w32(gl1, env.bus.r32(gl1) | D)                  # non-leaf with D
    fault(await env.load(0x0200_4000), 21, htval=0x8100_0000 >> 2)

    # The VS root's GPA is not mapped: fault on the implicit read of the L1 PTE,
    # reported with the original access type.
    env.ctl(vsatp=vs.vsatp & ~0x3F_FFFF | (0xA000_0000 >> 12))
    for typ in (LOAD, STORE, FETCH):
        fault(await env.access(typ, 0x0040_0000), GUEST[typ],
              htval=(0xA000_0000 + 1 * 4) >> 2, implicit=1, nbus=1)
    env.use(g, vs)
    # An L0 table at an unmapped GPA.
    l1 = vs.l1_gpa(0x0300_0000)
    vs.set_pte(l1, pte(0xA010_0000, PTR))
    fault(await env.load(0x0301_2000), 21, htval=(0xA010_0000 + 0x12 * 4) >> 2, implicit=1)
    # The implicit read needs G-stage R: an X-only G mapping of a table page faults,
    # HS MXR does not help.  A store needs only R on the table pages.
    t = 0xA020_0000
    g.map4k(t, env.host(), V | X | U | A)
    vs.set_pte(l1, pte(t, PTR))
    env.ctl(hs_mxr=1)
    fault(await env.store(0x0300_0000, 0), 23, htval=t >> 2, implicit=1)
    env.ctl(hs_mxr=0)
    g.map4k(t, g.spa(t), V | R | U | A)          # read-only table page
    env.bus.w32(g.spa(t), pte(0x8040_0000, VS_RW))
    g.map4k(0x8040_0000, 0x0030_0000, G_RW)
    ok(await env.store(0x0300_0004, 0x99), paddr=0x0030_0004)
    assert env.bus.r32(0x0030_0004) == 0x99
    # G-stage U = 0 on a table page: implicit fault.
    g.map4k(t, g.spa(t), V | R | W | A | D)
    await env.flush(FLUSH_GVMA, vmid=1)
    fault(await env.load(0x0300_0000), 21, htval=t >> 2, implicit=1)


@cocotb.test()
async def u_sum_mxr(dut):
    """U-bit rules (VS/VU, SUM) and MXR per stage; a TLB hit re-checks them."""
    env, g, vs = await two_stage(dut)
    g.map4m(0x8040_0000, 0x0040_0000, G_RWX)
    upage = 0x0100_0000
    vs.map4k(upage, 0x8040_0000, VS_RWX | U)
    spage = 0x0100_1000
    vs.map4k(spage, 0x8040_1000, VS_RWX)
    env.ctl(priv=1, sum=0)
    fault(await env.load(upage), 13)
    fault(await env.store(upage, 0), 15)
    env.ctl(sum=1)
    ok(await env.load(upage), paddr=0x0040_0000)
    ok(await env.store(upage, 0), nbus=1)          # TLB hit, SUM re-checked
    fault(await env.fetch(upage), 12)               # never executable from VS
    env.ctl(sum=0)
    fault(await env.load(upage), 13)                # cached entry, SUM now 0
    env.ctl(priv=0)                                 # VU
    ok(await env.load(upage))
    ok(await env.fetch(upage))
    fault(await env.load(spage), 13)
    fault(await env.fetch(spage), 12)
    env.ctl(priv=1)
    ok(await env.fetch(spage))
    # VS-stage X-only page: MXR from vsstatus or HS.
    xpage = 0x0100_2000
    vs.map4k(xpage, 0x8040_2000, V | X | A)
    fault(await env.load(xpage), 13)
    env.ctl(mxr=1)
    ok(await env.load(xpage), paddr=0x0040_2000)
    env.ctl(mxr=0)
    fault(await env.load(xpage), 13)
    env.ctl(hs_mxr=1)
    ok(await env.load(xpage))
    env.ctl(hs_mxr=0)
    # G-stage X-only page: only HS MXR applies.
    gx = 0x0100_3000
    vs.map4k(gx, 0x8100_0000, V | R | A)
    g.map4k(0x8100_0000, 0x0050_0000, V | X | U | A)
    fault(await env.load(gx + 8), 21, htval=0x8100_0008 >> 2)
    env.ctl(mxr=1)
    fault(await env.load(gx + 8), 21, htval=0x8100_0008 >> 2)
    env.ctl(mxr=0, hs_mxr=1)
    ok(await env.load(gx + 8), paddr=0x0050_0008)
    env.ctl(hs_mxr=0)
    fault(await env.load(gx + 8), 21, htval=0x8100_0008 >> 2)


@cocotb.test()
async def svade(dut):
    """A = 0, or D = 0 on a store, faults in both stages (never cached)."""
    env, g, vs = await two_stage(dut)
    g.map4m(0x8040_0000, 0x0040_0000, G_RWX)
    vs.map4k(0x0100_0000, 0x8040_0000, V | R | W)             # A = 0
    fault(await env.load(0x0100_0000), 13)
    vs.map4k(0x0100_1000, 0x8040_1000, V | R | W | A)         # D = 0
    ok(await env.load(0x0100_1000))
    fault(await env.store(0x0100_1000, 0), 15)                # the cached entry has D = 0
    ok(await env.load(0x0100_1000), nbus=1)
    # The guest sets D itself (no fence): the store walks, refills the stale entry in
    # place, and the next store hits.
    leaf = vs.map4k(0x0100_1000, 0x8040_1000, VS_RW)
    ok(await env.store(0x0100_1000, 0))
    ok(await env.store(0x0100_1000, 0), nbus=1)
    vs.map4k(0x0100_2000, 0x8100_0000, VS_RW)
    g.map4k(0x8100_0000, 0x0050_0000, V | R | W | U)          # G A = 0
    fault(await env.load(0x0100_2000), 21, htval=0x8100_0000 >> 2)
    g.map4k(0x8100_0000, 0x0050_0000, V | R | W | U | A)      # G D = 0
    ok(await env.load(0x0100_2000))
    fault(await env.store(0x0100_2004, 0), 23, htval=0x8100_0004 >> 2)
    # G A = 0 on a VS table page: implicit guest-page fault.
    l1 = vs.l1_gpa(0x0140_0000)
    t = 0x8030_0000
    g.map4k(t, env.host(), V | R | W | U)
    vs.set_pte(l1, pte(t, PTR))
    fault(await env.load(0x0140_0000), 21, htval=t >> 2, implicit=1)


@cocotb.test()
async def access_faults(dut):
    """SLVERR on a VS PTE read, a G PTE read and the final access; host addresses at
    or above 2^32 (no bus access)."""
    env, g, vs = await two_stage(dut)
    vs.map4k(0x0040_0000, 0x8010_0000, VS_RWX)
    g.map4k(0x8010_0000, 0x0030_0000, G_RWX)
    # VS L1 PTE read fails.
    root_host = g.spa(VS_ROOT)
    env.bus.err_ranges = [(root_host, root_host + 0x1000)]
    for typ in (LOAD, STORE, FETCH):
        fault(await env.access(typ, 0x0040_0000), ACCESS[typ], nbus=3)
    # G L0 PTE read (of the final GPA) fails.
    gl0 = g.l0_addr(0x8010_0000) & ~0xFFF
    env.bus.err_ranges = [(gl0, gl0 + 0x1000)]
    fault(await env.load(0x0040_0000), 5)
    # The final access fails (R and B).
    env.bus.err_ranges = [(0x0030_0000, 0x0030_1000)]
    fault(await env.load(0x0040_0000), 5)
    fault(await env.store(0x0040_0000, 1), 7)
    fault(await env.fetch(0x0040_0000), 1, nbus=1)           # translation was cached
    env.bus.err_ranges = []
    ok(await env.load(0x0040_0000), nbus=1)
    # G leaf maps to a host address >= 2^32: no data transaction.
    vs.map4k(0x0040_1000, 0x8010_1000, VS_RW)
    g.map4k(0x8010_1000, 0x1_0000_0000, G_RW)
    r = fault(await env.load(0x0040_1000), 5)
    assert all(a < 0x0030_0000 for _, a in r.bus), r
    # VS-stage only (hgatp Bare): a GPA >= 2^32 is an SPA >= 2^32.
    env2 = GStage(env.bus, None, env.host)
    vs2 = VSStage(env2, 0x0060_0000, Bump(0x0060_1000), asid=3)
    vs2.map4k(0x0040_0000, 0x3_0000_0000, VS_RW)
    env.use(env2, vs2)
    fault(await env.store(0x0040_0000, 0), 7, nbus=2)
    # An Sv32x4 root at or above 2^32: the first PTE read is not made.
    env.ctl(vsatp=0, hgatp=(1 << 31) | (1 << 22) | (0x1_0000_0000 >> 12))
    fault(await env.load(0x0040_0000), 5, nbus=0)


@cocotb.test()
async def tlb_isolation(dut):
    """VMID and ASID tags: same VA, different translations, each hits its own entry.
    Global entries ignore the ASID; round-robin replacement after TLB_ENTRIES."""
    env = await MmuEnv(dut).start()
    g1 = GStage(env.bus, G_ROOT, env.host, vmid=1)
    g2 = GStage(env.bus, G_ROOT2, env.host, vmid=2)
    g1.map4k(0x8000_0000, 0x0030_0000)
    g2.map4k(0x8000_0000, 0x0031_0000)
    env.bus.w32(0x0030_0000, 0x1111)
    env.bus.w32(0x0031_0000, 0x2222)
    env.use(g1)
    ok(await env.load(0x8000_0000), rdata=0x1111, nbus=3)
    env.use(g2)
    ok(await env.load(0x8000_0000), rdata=0x2222, nbus=3)
    env.use(g1)
    ok(await env.load(0x8000_0000), rdata=0x1111, nbus=1)
    env.use(g2)
    ok(await env.load(0x8000_0000), rdata=0x2222, nbus=1)
    # ASIDs within VMID 1.
    vsa = VSStage(g1, 0x8001_0000, Bump(0x8002_0000), asid=1)
    vsb = VSStage(g1, 0x8003_0000, Bump(0x8004_0000), asid=2)
    g1.map4k(0x8010_0000, 0x0032_0000)
    g1.map4k(0x8011_0000, 0x0033_0000)
    env.bus.w32(0x0032_0000, 0xAAAA)
    env.bus.w32(0x0033_0000, 0xBBBB)
    vsa.map4k(0x0040_0000, 0x8010_0000)
    vsb.map4k(0x0040_0000, 0x8011_0000)
    env.use(g1, vsa)
    ok(await env.load(0x0040_0000), rdata=0xAAAA)
    env.use(g1, vsb)
    ok(await env.load(0x0040_0000), rdata=0xBBBB)
    env.use(g1, vsa)
    ok(await env.load(0x0040_0000), rdata=0xAAAA, nbus=1)
    env.use(g1, vsb)
    ok(await env.load(0x0040_0000), rdata=0xBBBB, nbus=1)
    # A global mapping made under ASID 1 also hits under ASID 2.
    vsa.map4k(0x0050_0000, 0x8010_0000, VS_RW | G)
    vsb.map4k(0x0050_0000, 0x8011_0000, VS_RW)
    env.use(g1, vsa)
    ok(await env.load(0x0050_0000), rdata=0xAAAA)
    env.use(g1, vsb)
    ok(await env.load(0x0050_0000), rdata=0xAAAA, nbus=1)
    # Replacement: fill every entry with new pages, the oldest entries go first.
    entries = 16   # TLB_ENTRIES as built by test_mmu.py
    env.use(g1)
    for i in range(entries):
        g1.map4k(0x8100_0000 + i * 0x1000, 0x0034_0000 + i * 0x1000)
        ok(await env.load(0x8100_0000 + i * 0x1000), paddr=0x0034_0000 + i * 0x1000)
    env.use(g2)
    r = ok(await env.load(0x8000_0000), rdata=0x2222)
    assert len(r.bus) == 3, f"VMID 2 entry should have been replaced: {r}"
    env.use(g1)
    ok(await env.load(0x8100_0000 + (entries - 1) * 0x1000), nbus=1)


@cocotb.test()
async def flushes(dut):
    """Every flush kind makes a changed PTE visible; non-matching flushes do not."""
    env, g, vs = await two_stage(dut, vmid=1, asid=5)
    g.map4k(0x8010_0000, 0x0030_0000)
    g.map4k(0x8010_1000, 0x0030_1000)
    env.bus.w32(0x0030_0000, 0x0)
    env.bus.w32(0x0030_1000, 0x1)
    va = 0x0040_0000
    leaf = vs.map4k(va, 0x8010_0000)
    state = {"page": 0}

    async def cached():
        r = ok(await env.load(va))
        return r.rdata

    async def flip_vs():
        """Point the VS leaf at the other page; the TLB still has the old one."""
        state["page"] ^= 1
        vs.set_pte(leaf, pte(0x8010_0000 + state["page"] * 0x1000, VS_RW))
        assert await cached() == state["page"] ^ 1, "translation was not cached"

    async def visible(msg):
        assert await cached() == state["page"], f"{msg}: flush did not take effect"

    async def stale(msg):
        assert await cached() == state["page"] ^ 1, f"{msg}: flushed too much"

    assert await cached() == 0
    # Guest SFENCE.VMA.
    await flip_vs()
    await env.sfence(vmid=2)
    await stale("sfence other VMID")
    await env.sfence(vmid=1)
    await visible("sfence VMID")
    await flip_vs()
    await env.sfence(vmid=1, asid=6)
    await stale("sfence other ASID")
    await env.sfence(vmid=1, asid=5)
    await visible("sfence ASID")
    await flip_vs()
    await env.sfence(vmid=1, va=va + 0x1000)
    await stale("sfence other VA")
    await env.sfence(vmid=1, va=va + 0x123)
    await visible("sfence VA")
    await flip_vs()
    await env.sfence(vmid=1, asid=5, va=va)
    await visible("sfence ASID+VA")
    # VMM flushes.
    await flip_vs()
    await env.flush(FLUSH_ALL)
    await visible("FLUSH_ALL")
    await flip_vs()
    await env.flush(FLUSH_VVMA, vmid=2)
    await stale("VVMA other VMID")
    await env.flush(FLUSH_VVMA, vmid=1, asid=4)
    await stale("VVMA other ASID")
    await env.flush(FLUSH_VVMA, vmid=1, asid=5, addr=va + 0x2000)
    await stale("VVMA other VA")
    await env.flush(FLUSH_VVMA, vmid=1, asid=5, addr=va + 8)
    await visible("VVMA ASID+VA")
    await flip_vs()
    await env.flush(FLUSH_VVMA, vmid=1)
    await visible("VVMA VMID")
    # GVMA: change the G-stage leaf of the GPA in use instead.
    gpa = 0x8010_0000 + state["page"] * 0x1000
    gleaf = g.l0_addr(gpa)
    orig = env.bus.r32(gleaf)
    state["page"] ^= 1
    env.bus.w32(gleaf, pte(0x0030_0000 + state["page"] * 0x1000, G_RW))
    await stale("G leaf changed (cached)")
    await env.flush(FLUSH_GVMA, vmid=2)
    await stale("GVMA other VMID")
    await env.flush(FLUSH_GVMA, vmid=1, addr=gpa >> 2)
    await visible("GVMA VMID+GPA")
    env.bus.w32(gleaf, orig)
    state["page"] ^= 1
    await stale("G leaf changed back (cached)")
    await env.flush(FLUSH_GVMA, vmid=1)
    await visible("GVMA VMID")
    # Global entries: an ASID-specific flush keeps them, a VMID-wide one does not.
    vs.set_pte(leaf, pte(0x8010_0000 + state["page"] * 0x1000, VS_RW | G))
    await env.flush(FLUSH_ALL)
    await visible("FLUSH_ALL (global)")
    state["page"] ^= 1
    vs.set_pte(leaf, pte(0x8010_0000 + state["page"] * 0x1000, VS_RW | G))
    await stale("global leaf changed (cached)")
    await env.sfence(vmid=1, asid=5)
    await stale("sfence ASID keeps global")
    await env.flush(FLUSH_VVMA, vmid=1, asid=5)
    await stale("VVMA ASID keeps global")
    await env.sfence(vmid=1, va=va)
    await visible("sfence VA (global)")


@cocotb.test()
async def flush_during_walk(dut):
    """A flush that arrives while a walk is under way keeps its result out of the TLB."""
    env, g, vs = await two_stage(dut)
    vs.map4k(0x0040_0000, 0x8010_0000)
    g.map4k(0x8010_0000, 0x0030_0000)
    task = cocotb.start_soon(env.load(0x0040_0000))
    await ClockCycles(dut.clk_i, 4)
    await env.flush(FLUSH_GVMA, vmid=7)      # another VMID: still inhibits the fill
    ok(await task, nbus=9)
    ok(await env.load(0x0040_0000), nbus=9)
    ok(await env.load(0x0040_0000), nbus=1)


@cocotb.test()
async def axi_backpressure(dut):
    """Stalls on every channel: VALID held until READY with a stable payload, results
    unchanged."""
    env, g, vs = await two_stage(dut)
    env.backpressure()
    env.check_axi()
    vs.map4k(0x0040_0000, 0x8010_0000, VS_RWX)
    g.map4k(0x8010_0000, 0x0030_0000, G_RWX)
    env.bus.w32(0x0030_0100, 0x0BAD_CAFE)
    ok(await env.load(0x0040_0100), rdata=0x0BAD_CAFE, nbus=9)
    for i in range(4):
        ok(await env.store(0x0040_0200 + 4 * i, 0x100 + i), nbus=1)
        ok(await env.store(0x0040_0301 + i, (0x40 + i) << (8 * ((1 + i) % 4)), size=0), nbus=1)
    assert [env.bus.r32(0x0040_0200 - 0x0040_0000 + 0x0030_0000 + 4 * i)
            for i in range(4)] == [0x100 + i for i in range(4)]
    assert env.bus.r32(0x0030_0300) == 0x4241_4000
    assert env.bus.r32(0x0030_0304) == 0x43
    ok(await env.fetch(0x0040_0200), rdata=0x100, nbus=1)
    fault(await env.load(0x0100_0000), 13, nbus=3)
    assert env.handshakes >= 9 + 8 * 2 + 1 + 3
