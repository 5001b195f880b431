"""Exit handling: demand paging, swap-in, MMIO emulation, injected faults, WFI, errors."""
from __future__ import annotations

import pytest

from interfaces.trace import ExitRecord
from vmm_model.isa import encode
from vmm_model.memory import HostMemory
from vmm_model.platform import PAGE_SIZE, RAM_BASE, UART_BASE
from vmm_model.vmm.allocator import HostPageAllocator
from vmm_model.vmm.errors import GuestFailure, VmmError
from vmm_model.vmm.exits import ExitHandler
from vmm_model.vmm.guest_ram import MIN_BUDGET_PAGES
from vmm_model.vmm.vcpu import RunState
from vmm_model.vmm.vm import Vm

from .test_vmm_fakes import FakeUnit, run

PC = RAM_BASE + 0x200


def make_vcpu(budget=None):
    memory = HostMemory(256 * PAGE_SIZE, base=0x4000_0000)
    vm = Vm(0, 3, HostPageAllocator(memory, 0), ram_size=64 * PAGE_SIZE, budget_pages=budget)
    vm.boot(RAM_BASE, 1)
    vcpu = vm.vcpus[0]
    ctx = FakeUnit(1).contexts[0]
    run(ctx.write_state(vcpu.saved))
    vcpu.context = ctx
    run(vcpu.write({"pc": PC}))
    return vm, vcpu


def handle(vcpu, cause, gpa=0, stval=None, htinst=0, spvp=1, htval=None):
    record = ExitRecord(ctx=0, scause=cause, sepc=PC, stval=gpa if stval is None else stval,
                        htval=gpa >> 2 if htval is None else htval, htinst=htinst, spvp=spvp)
    handler = ExitHandler()
    run(handler.handle(vcpu, record))
    return handler.counts


def transformed(word):
    """htinst for a load/store: immediate fields zeroed (docs/architecture.md)."""
    opcode = word & 0x7F
    if opcode == 0x03:
        return word & 0x000F_FFFF
    return word & 0x01FF_F07F


class TestGuestPageFaults:
    def test_demand_paging_maps_the_page_and_resumes_at_the_same_pc(self):
        vm, vcpu = make_vcpu()
        gpa = RAM_BASE + 5 * PAGE_SIZE + 0x10
        counts = handle(vcpu, 21, gpa)
        assert counts == {"demand_page": 1}
        assert vm.ram.gstage.translate(gpa) is not None
        assert vm.ram.take_pending_flushes() == [RAM_BASE + 5 * PAGE_SIZE]
        assert run(vcpu.read(["pc"]))["pc"] == PC

    def test_swapped_page_comes_back_with_its_content(self):
        vm, vcpu = make_vcpu(budget=MIN_BUDGET_PAGES)
        vm.ram.write(RAM_BASE, b"keep me")
        for i in range(1, MIN_BUDGET_PAGES + 1):
            vm.ram.fault_in(RAM_BASE + i * PAGE_SIZE)
        assert vm.ram.page_state(RAM_BASE) == "swapped"
        assert handle(vcpu, 23, RAM_BASE + 3) == {"swap_in": 1}
        spa = vm.ram.gstage.translate(RAM_BASE)
        assert vm.ram.allocator.memory.read(spa, 7) == b"keep me"

    def test_fault_on_a_mapped_page_is_a_vmm_error(self):
        vm, vcpu = make_vcpu()
        vm.ram.fault_in(RAM_BASE)
        with pytest.raises(VmmError, match="mapped"):
            handle(vcpu, 20, RAM_BASE)

    def test_htval_zero_falls_back_to_translating_stval(self):
        vm, vcpu = make_vcpu()
        handle(vcpu, 21, stval=RAM_BASE + 0x3004, htval=0)
        assert vm.ram.page_state(RAM_BASE + 0x3000) == "resident"

    @pytest.mark.parametrize("cause,injected", [(20, 1), (21, 5), (23, 7)])
    def test_unmapped_gpa_injects_an_access_fault(self, cause, injected):
        vm, vcpu = make_vcpu()
        run(vcpu.write({"vstvec": RAM_BASE + 0x801, "vsstatus": 0x2}))   # vectored, SIE=1
        gva = 0x2000_0010
        assert handle(vcpu, cause, 0x2000_0010, stval=gva) == {"access_fault_injected": 1}
        regs = run(vcpu.read(["pc", "priv", "vsepc", "vscause", "vstval", "vsstatus"]))
        assert regs == {"pc": RAM_BASE + 0x800, "priv": 1, "vsepc": PC, "vscause": injected,
                        "vstval": gva, "vsstatus": 0x20 | 0x100}   # SPIE=1, SIE=0, SPP=VS

    def test_injection_from_vu_clears_spp(self):
        vm, vcpu = make_vcpu()
        run(vcpu.write({"vstvec": RAM_BASE, "vsstatus": 0x100, "priv": 0}))
        handle(vcpu, 21, 0x2000_0000, spvp=0)
        assert run(vcpu.read(["vsstatus", "priv"])) == {"vsstatus": 0, "priv": 1}

    def test_fetch_fault_on_the_handler_itself_is_a_guest_failure(self):
        vm, vcpu = make_vcpu()
        with pytest.raises(GuestFailure, match="trap handler"):
            run(ExitHandler().handle(vcpu, ExitRecord(ctx=0, scause=20, sepc=0, stval=0,
                                                       htval=0, spvp=1)))

    def test_implicit_page_table_access_to_uart_is_not_mmio(self):
        vm, vcpu = make_vcpu()
        run(vcpu.write({"vstvec": RAM_BASE}))
        assert handle(vcpu, 21, UART_BASE, stval=0x4000, htinst=0x2000) == {"access_fault_injected": 1}
        assert vm.console.output == b""


class TestMmio:
    def test_store_byte_to_thr_via_htinst(self):
        vm, vcpu = make_vcpu()
        run(vcpu.write({"x7": 0x4142}))
        word = encode("sb", rs1=6, rs2=7, imm=0)
        assert handle(vcpu, 23, UART_BASE, stval=0x1234_5670, htinst=transformed(word)) == {"mmio": 1}
        assert bytes(vm.console.output) == b"B"
        assert run(vcpu.read(["pc"]))["pc"] == PC + 4

    def test_load_lsr_from_the_guest_instruction_when_htinst_is_zero(self):
        vm, vcpu = make_vcpu()
        vm.ram.write(PC, encode("lbu", rd=9, rs1=6, imm=5).to_bytes(4, "little"))
        handle(vcpu, 21, UART_BASE + 5, stval=0x1000_0005)
        assert run(vcpu.read(["x9", "pc"])) == {"x9": 0x60, "pc": PC + 4}

    def test_load_through_guest_paging_when_htinst_is_zero(self):
        vm, vcpu = make_vcpu()
        # Guest Sv32 tables: root at RAM+0x10000, one leaf table mapping VA 0x4000_0000 -> PC's page.
        root, leaf = RAM_BASE + 0x10000, RAM_BASE + 0x11000
        va = 0x4000_0200
        vm.ram.write(root + (va >> 22) * 4, (((leaf >> 12) << 10) | 1).to_bytes(4, "little"))
        vm.ram.write(leaf + ((va >> 12) & 0x3FF) * 4,
                     ((((PC >> 12) << 10) | 0xCF)).to_bytes(4, "little"))
        vm.ram.write(PC, encode("lb", rd=9, rs1=6, imm=5).to_bytes(4, "little"))
        run(vcpu.write({"vsatp": (1 << 31) | (root >> 12)}))
        record = ExitRecord(ctx=0, scause=21, sepc=va, stval=0x2000_0005,
                            htval=(UART_BASE + 5) >> 2, htinst=0)
        run(ExitHandler().handle(vcpu, record))
        assert run(vcpu.read(["x9", "pc"])) == {"x9": 0x60, "pc": va + 4}

    def test_signed_load_and_other_registers_read_zero(self):
        vm, vcpu = make_vcpu()
        run(vcpu.write({"x9": 0x77}))
        handle(vcpu, 21, UART_BASE + 2, htinst=transformed(encode("lb", rd=9, rs1=1)))
        assert run(vcpu.read(["x9"]))["x9"] == 0xFFFF_FFC1     # IIR 0xC1, sign-extended
        handle(vcpu, 21, UART_BASE + 6, htinst=transformed(encode("lb", rd=9, rs1=1)))
        assert run(vcpu.read(["x9"]))["x9"] == 0               # MSR: no modem lines

    def test_load_into_x0_changes_nothing_but_pc(self):
        vm, vcpu = make_vcpu()
        handle(vcpu, 21, UART_BASE + 5, htinst=transformed(encode("lw", rd=0, rs1=1)))
        assert run(vcpu.read(["x0", "pc"])) == {"x0": 0, "pc": PC + 4}

    def test_fetch_from_uart_is_an_access_fault(self):
        vm, vcpu = make_vcpu()
        run(vcpu.write({"vstvec": RAM_BASE}))
        assert handle(vcpu, 20, UART_BASE) == {"access_fault_injected": 1}
        assert run(vcpu.read(["vscause"]))["vscause"] == 1


class TestVirtualInstruction:
    def test_wfi_waits_and_skips_the_instruction(self):
        vm, vcpu = make_vcpu()
        assert handle(vcpu, 22, stval=0x1050_0073, htval=0) == {"wfi": 1}
        assert vcpu.state is RunState.WAITING
        assert run(vcpu.read(["pc"]))["pc"] == PC + 4

    def test_wfi_found_by_reading_the_instruction_when_stval_is_zero(self):
        vm, vcpu = make_vcpu()
        vm.ram.write(PC, (0x1050_0073).to_bytes(4, "little"))
        handle(vcpu, 22, stval=0, htval=0)
        assert vcpu.state is RunState.WAITING

    def test_other_virtual_instructions_become_illegal_instruction(self):
        vm, vcpu = make_vcpu()
        run(vcpu.write({"vstvec": RAM_BASE + 0x40}))
        word = 0x6000_4073            # hlv.b
        assert handle(vcpu, 22, stval=word, htval=0) == {"illegal_injected": 1}
        assert run(vcpu.read(["vscause", "vstval", "pc"])) == {"vscause": 2, "vstval": word,
                                                               "pc": RAM_BASE + 0x40}
        assert vcpu.state is RunState.STARTED


def test_unexpected_cause_is_a_clear_vmm_error():
    vm, vcpu = make_vcpu()
    # Cause 9 (ecall from HS) cannot come from V=1; delegable causes are reflected instead.
    with pytest.raises(VmmError, match=r"unhandled exit cause 0x00000009 at pc 0x80000200"):
        handle(vcpu, 9, stval=0x1234)
    with pytest.raises(VmmError, match=r"unhandled exit cause 0x80000001"):
        handle(vcpu, 0x8000_0001)
