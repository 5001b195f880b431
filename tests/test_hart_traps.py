"""Traps, VS trap entry and SRET, exits and their records, interrupts, WFI, budget."""
from __future__ import annotations

import pytest

from interfaces.trace import ExitRecord
from interfaces.vcpu_state import PREEMPT_CAUSE, STOP_CAUSE
from vmm_model.hart.guestbuild import Machine
from vmm_model.isa.encode import encode

RAM = 0x8000_0000
HANDLER = 0x8000_0400
INTR = 1 << 31


def go(machine, mode, budget=1_000_000):
    if mode == "run":
        return machine.run(budget)
    machine.vcpu.prepare_run(budget)
    return machine.step_to_exit()[1]


@pytest.fixture(params=["run", "step"])
def mode(request):
    return request.param


def test_ecall_from_vs_exits_with_full_record(mode):
    machine = Machine()
    machine.load([encode("addi", rd=1, imm=1), encode("ecall")])
    machine.start(hstatus=1 << 6)                          # a stale GVA must be cleared
    exit_record = go(machine, mode)
    assert exit_record == ExitRecord(ctx=0, scause=10, sepc=RAM + 4, stval=0, htval=0, htinst=0,
                                     gva=0, spvp=1)
    state = machine.vcpu.get_state(["pc", "priv", "scause", "sepc", "stval", "hstatus"])
    assert state["pc"] == RAM + 4 and state["priv"] == 1
    assert state["scause"] == 10 and state["sepc"] == RAM + 4
    assert state["hstatus"] & 0x1C0 == 0x180              # SPV = 1, SPVP = 1, GVA = 0


def test_delegated_ecall_from_vu_and_sret_back(mode):
    machine = Machine()
    user = RAM + 0x100
    machine.load([encode("addi", rd=1, imm=7), encode("ecall"), encode("addi", rd=2, imm=9),
                  encode("ebreak")], user)
    machine.load([encode("csrrs", rd=5, rs1=0, csr=0x141),        # sepc -> vsepc
                  encode("addi", rd=5, rs1=5, imm=4),
                  encode("csrrw", rd=0, rs1=5, csr=0x141),
                  encode("csrrs", rd=6, rs1=0, csr=0x142),        # scause
                  encode("csrrs", rd=7, rs1=0, csr=0x100),        # sstatus inside the handler
                  encode("sret")], HANDLER)
    machine.start(user, priv=0, hedeleg=1 << 8, vstvec=HANDLER, vsstatus=0x2)
    exit_record = go(machine, mode)
    # back in VU after SRET; the ebreak is not delegated: an exit from VU
    assert exit_record.scause == 3 and exit_record.sepc == user + 12
    assert exit_record.stval == user + 12 and exit_record.gva == 1 and exit_record.spvp == 0
    assert machine.reg(6) == 8                            # vscause = ecall from VU
    assert machine.reg(7) == 0x20                         # SPIE = old SIE, SIE = 0, SPP = 0 (VU)
    assert machine.reg(1) == 7 and machine.reg(2) == 9
    state = machine.vcpu.get_state(["vsepc", "vsstatus", "priv", "vstval"])
    assert state["vsepc"] == user + 4 + 4 and state["vstval"] == 0
    assert state["vsstatus"] == 0x22                      # SRET: SIE = SPIE = 1, SPIE = 1, SPP = 0
    assert state["priv"] == 0


def test_sret_to_vs_keeps_vs(mode):
    machine = Machine()
    machine.load([encode("sret")])
    machine.load([encode("ecall")], RAM + 0x80)
    machine.start(vsepc=RAM + 0x80, vsstatus=0x100)       # SPP = 1, SPIE = 0
    exit_record = go(machine, mode)
    assert exit_record.scause == 10 and exit_record.spvp == 1
    assert machine.vcpu.get_state(["vsstatus"])["vsstatus"] == 0x20


@pytest.mark.parametrize("delegated", [False, True])
def test_misaligned_load_store(mode, delegated):
    base = RAM + 0x1000
    for word, cause, offset in ((encode("lw", rd=3, rs1=1, imm=2), 4, 2),
                                (encode("lh", rd=3, rs1=1, imm=1), 4, 1),
                                (encode("sw", rs1=1, rs2=2, imm=1), 6, 1),
                                (encode("sh", rs1=1, rs2=2, imm=3), 6, 3)):
        machine = Machine()
        machine.load([encode("addi", rd=3, imm=5), word, encode("ecall")])
        machine.load([encode("ecall")], HANDLER)
        hedeleg = (1 << 4 | 1 << 6) if delegated else 0
        machine.start(x1=base, x2=0xFFFF_FFFF, hedeleg=hedeleg, vstvec=HANDLER)
        exit_record = go(machine, mode)
        if delegated:
            state = machine.vcpu.get_state(["vscause", "vstval", "vsepc"])
            assert state == {"vscause": cause, "vstval": base + offset, "vsepc": RAM + 4}
            assert exit_record.sepc == HANDLER and exit_record.scause == 10
        else:
            assert exit_record == ExitRecord(ctx=0, scause=cause, sepc=RAM + 4, stval=base + offset,
                                             htval=0, htinst=0, gva=1, spvp=1)
        assert machine.reg(3) == 5                       # the faulting load did not write rd
        assert machine.memory.read(machine.guest.host(base), 8) == bytes(8)   # nor the store


def test_misaligned_jump_targets(mode):
    machine = Machine()
    machine.load([encode("jalr", rd=1, rs1=2, imm=0)])
    machine.start(x2=RAM + 0x22)
    exit_record = go(machine, mode)
    assert (exit_record.scause, exit_record.sepc, exit_record.stval) == (0, RAM, RAM + 0x22)
    assert machine.reg(1) == 0                           # no link written
    machine = Machine()
    machine.load([encode("beq", rs1=0, rs2=0, imm=6)])
    machine.start()
    exit_record = go(machine, mode)
    assert (exit_record.scause, exit_record.sepc, exit_record.stval) == (0, RAM, RAM + 6)


def test_trap_records(mode):
    """The step path's record of a delegated trap and of an exit."""
    machine = Machine()
    machine.load([encode("lw", rd=3, rs1=1, imm=1), encode("ecall")])
    machine.load([encode("ecall")], HANDLER)
    machine.start(x1=RAM + 0x1000, hedeleg=1 << 4, vstvec=HANDLER)
    records, exit_record = machine.step_to_exit()
    first, second = records
    assert (first.trap, first.ext_exit, first.ext_cause, first.ext_tval) == (1, 0, 4, RAM + 0x1001)
    assert first.pc_rdata == RAM and first.pc_wdata == HANDLER and first.rd_addr == 0
    assert first.mem_rmask == 0 and first.mode == 1
    assert (second.trap, second.ext_exit, second.ext_cause, second.pc_wdata) == (1, 1, 10, HANDLER)
    assert [r.order for r in records] == [0, 1] and machine.unit.time == 2


def _interrupt_machine(hvip, hie, hideleg, vsstatus, priv=1, vstvec=HANDLER):
    machine = Machine()
    program = RAM if priv else RAM + 0x100
    machine.load([encode("addi", rd=1, rs1=1, imm=1)] * 4 + [encode("ecall")], program)
    machine.load([encode("csrrs", rd=10, rs1=0, csr=0x142), encode("ecall")], HANDLER)
    machine.load([encode("csrrs", rd=11, rs1=0, csr=0x142), encode("ecall")], HANDLER + 4 * 5)
    machine.start(program, priv=priv, hvip=hvip, hie=hie, hideleg=hideleg, vsstatus=vsstatus,
                  vstvec=vstvec, hedeleg=1 << 8)
    return machine


def test_interrupt_delivered_to_vs(mode):
    machine = _interrupt_machine(hvip=0x4, hie=0x4, hideleg=0x444, vsstatus=0x2)
    exit_record = go(machine, mode)
    assert exit_record.sepc == HANDLER + 4 and exit_record.scause == 10
    assert machine.reg(10) == INTR | 1                   # VSSI seen as SSI
    state = machine.vcpu.get_state(["vsepc", "vsstatus", "vstval"])
    assert state == {"vsepc": RAM, "vsstatus": 0x120, "vstval": 0}
    assert machine.reg(1) == 0


def test_interrupt_record_marks_first_handler_instruction():
    machine = _interrupt_machine(hvip=0x4, hie=0x4, hideleg=0x444, vsstatus=0x2)
    records, _ = machine.step_to_exit()
    assert records[0].intr == 1 and records[0].pc_rdata == HANDLER
    assert records[1].intr == 0


def test_interrupt_vectored_priority_and_masking(mode):
    # all three pending: VSEI first, vectored to base + 4 * 9 (no code there: use STI slot)
    machine = _interrupt_machine(hvip=0x444, hie=0x444, hideleg=0x444, vsstatus=0x2,
                                 vstvec=HANDLER | 1)
    machine.load([encode("csrrs", rd=12, rs1=0, csr=0x142), encode("ecall")], HANDLER + 4 * 9)
    go(machine, mode)
    assert machine.reg(12) == INTR | 9
    # VSTI alone, vectored: vscause 5 at base + 0x14
    machine = _interrupt_machine(hvip=0x40, hie=0x40, hideleg=0x444, vsstatus=0x2,
                                 vstvec=HANDLER | 1)
    go(machine, mode)
    assert machine.reg(11) == INTR | 5
    # VSSI over VSTI
    machine = _interrupt_machine(hvip=0x44, hie=0x44, hideleg=0x444, vsstatus=0x2)
    go(machine, mode)
    assert machine.reg(10) == INTR | 1


@pytest.mark.parametrize("hvip, hie, vsstatus, priv, taken", [
    (0x4, 0x4, 0x0, 1, False),       # VS with SIE = 0: masked
    (0x4, 0x4, 0x0, 0, True),        # VU: always enabled
    (0x4, 0x0, 0x2, 1, False),       # not enabled in hie/vsie
    (0x0, 0x444, 0x2, 1, False),     # nothing pending
])
def test_interrupt_masking(mode, hvip, hie, vsstatus, priv, taken):
    machine = _interrupt_machine(hvip=hvip, hie=hie, hideleg=0x444, vsstatus=vsstatus, priv=priv)
    exit_record = go(machine, mode)
    if taken:
        assert machine.reg(10) == INTR | 1 and exit_record.sepc == HANDLER + 4
    else:
        assert machine.reg(1) == 4 and exit_record.scause == (10 if priv else 8)


def test_undelegated_interrupt_exits_with_untranslated_code(mode):
    machine = _interrupt_machine(hvip=0x400, hie=0x400, hideleg=0x44, vsstatus=0x0)
    exit_record = go(machine, mode)
    assert exit_record == ExitRecord(ctx=0, scause=INTR | 10, sepc=RAM, stval=0, htval=0,
                                     htinst=0, gva=0, spvp=1)
    assert machine.unit.time == 0                       # no record for an interrupt exit


def _timer_machine(compare, htimedelta=1000, hideleg=0x40, stce=True, vsstatus=0x2):
    machine = Machine()
    # 60 straight-line addi (compiled as blocks), then a loop, then ecall
    machine.load([encode("addi", rd=1, rs1=1, imm=1)] * 60 + [encode("ecall")])
    machine.load([encode("ecall")], HANDLER)
    machine.start(hvip=0, hie=0x40, hideleg=hideleg, vsstatus=vsstatus, vstvec=HANDLER,
                  htimedelta=htimedelta, vstimecmp=compare, vstimecmph=0,
                  henvcfgh=(1 << 31) if stce else 0)
    return machine


@pytest.mark.parametrize("fire_at", [0, 1, 13, 37, 59])
def test_vstimecmp_fires_at_the_exact_boundary(mode, fire_at):
    machine = _timer_machine(1000 + fire_at)
    exit_record = go(machine, mode)
    assert exit_record.sepc == HANDLER and exit_record.scause == 10
    state = machine.vcpu.get_state(["vsepc", "vscause"])
    assert state == {"vsepc": RAM + 4 * fire_at, "vscause": INTR | 5}
    assert machine.reg(1) == fire_at


def test_vstimecmp_without_stce_or_delegation(mode):
    machine = _timer_machine(1010, stce=False)
    exit_record = go(machine, mode)
    assert exit_record.scause == 10 and exit_record.sepc == RAM + 240   # never fired
    machine = _timer_machine(1010, hideleg=0, vsstatus=0)
    exit_record = go(machine, mode)
    assert exit_record.scause == INTR | 6 and exit_record.sepc == RAM + 40


def test_wfi_is_a_nop_without_vtw(mode):
    machine = Machine()
    machine.load([encode("wfi"), encode("addi", rd=1, imm=3), encode("ecall")])
    machine.start(hstatus=0)
    exit_record = go(machine, mode)
    assert exit_record.scause == 10 and machine.reg(1) == 3


def _loop_machine():
    machine = Machine()
    machine.load([encode("addi", rd=1, rs1=1, imm=1), encode("addi", rd=2, rs1=2, imm=2),
                  encode("add", rd=3, rs1=3, rs2=1), encode("jal", rd=0, imm=-12)])
    machine.start()
    return machine


@pytest.mark.parametrize("budget", [1, 2, 3, 4, 5, 7, 100, 1001])
def test_budget_preempts_at_the_exact_count(mode, budget):
    machine = _loop_machine()
    exit_record = go(machine, mode, budget)
    assert exit_record.scause == PREEMPT_CAUSE
    assert exit_record.sepc == RAM + 4 * (budget % 4)
    assert machine.unit.time == budget and machine.vcpu.instret64 == budget
    assert machine.vcpu.get_state(["budget", "pc"]) == {"budget": 0, "pc": RAM + 4 * (budget % 4)}
    # resuming continues where it stopped
    exit_record = go(machine, mode, 3)
    assert machine.unit.time == budget + 3 and exit_record.scause == PREEMPT_CAUSE


def test_stop_request_exits_at_next_boundary(mode):
    machine = _loop_machine()
    machine.vcpu.stop_requested = True
    exit_record = go(machine, mode)
    assert exit_record.scause == STOP_CAUSE and exit_record.sepc == RAM and machine.unit.time == 0


def test_exit_record_via_async_api():
    import asyncio

    async def scenario():
        machine = Machine(num_contexts=2)
        machine.load([encode("ecall")])
        second = machine.unit.contexts[1]
        await second.write_state(machine.guest.state())
        exit_record = await second.run()
        state = await second.read_state(["pc", "x0"])
        await second.reset()
        return exit_record, state, await second.read_state(["pc"]), await machine.unit.get_time()

    exit_record, state, after_reset, now = asyncio.run(scenario())
    assert exit_record.ctx == 1 and exit_record.scause == 10
    assert state == {"pc": RAM, "x0": 0}
    assert after_reset == {"pc": 0x8000_0000} and now == 1
