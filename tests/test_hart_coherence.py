"""Cache coherence of the reference hart across contexts, units and host-memory writers:
whatever writes a byte, every hart afterwards sees exactly what memory holds."""
from __future__ import annotations

from vmm_model.hart.guestbuild import GuestImage, Machine
from vmm_model.hart.unit import SoftwareUnit
from vmm_model.isa.encode import encode
from vmm_model.memory import HostMemory

RAM = 0x8000_0000


def test_code_written_by_one_context_is_seen_by_the_other():
    machine = Machine(num_contexts=2)
    machine.load([encode("addi", rd=3, imm=1), encode("ecall")])
    writer_code = RAM + 0x1000
    machine.load([encode("sw", rs1=1, rs2=2, imm=0), encode("ecall")], writer_code)
    first, second = machine.unit.contexts
    second.set_state(machine.guest.state())
    assert second.run_now().scause == 10 and second.x[3] == 1         # compiled and cached
    first.set_state(machine.guest.state(writer_code, x1=RAM, x2=encode("addi", rd=3, imm=2)))
    assert first.run_now().scause == 10
    second.set_state(machine.guest.state())
    assert second.run_now().scause == 10 and second.x[3] == 2


def test_two_units_sharing_host_memory_stay_coherent():
    memory = HostMemory(4 << 20, base=0x2000_0000)
    guest = GuestImage(memory, ram_size=1 << 20, host_ram=0x2010_0000)
    guest.write_words(RAM, [encode("lw", rd=3, rs1=1, imm=0), encode("ecall")])
    guest.write_words(RAM + 0x1000, [encode("sw", rs1=1, rs2=2, imm=0), encode("ecall")])
    reader, writer = SoftwareUnit(memory, 1), SoftwareUnit(memory, 1)
    reader.contexts[0].set_state(guest.state(x1=RAM + 4))
    assert reader.contexts[0].run_now().scause == 10
    assert reader.contexts[0].x[3] == encode("ecall")
    # the other unit patches the reader's code (a word its compiled block covers)
    writer.contexts[0].set_state(guest.state(RAM + 0x1000, x1=RAM, x2=encode("addi", rd=3, imm=77)))
    assert writer.contexts[0].run_now().scause == 10
    reader.contexts[0].set_state(guest.state(x1=RAM + 4))
    assert reader.contexts[0].run_now().scause == 10 and reader.contexts[0].x[3] == 77


def test_vmm_g_stage_pte_write_without_flush_is_already_seen():
    # The reference has no TLB: a PTE write is architecturally visible at once.
    machine = Machine()
    data, other = RAM + 0x8000, RAM + 0x9000
    machine.memory.write32(machine.guest.host(data), 11)
    machine.memory.write32(machine.guest.host(other), 22)
    machine.load([encode("lw", rd=3, rs1=1, imm=0), encode("ecall")])
    machine.start(x1=data)
    machine.run()
    assert machine.reg(3) == 11
    machine.guest.map_g(data, machine.guest.host(other))
    machine.start(x1=data)
    machine.run()
    assert machine.reg(3) == 22


def test_direct_array_writes_need_notify_write():
    machine = Machine()
    machine.load([encode("addi", rd=3, imm=1), encode("ecall")])
    machine.start()
    machine.run()
    host = machine.guest.host(RAM)
    offset = host - machine.memory.base
    machine.memory.u32[offset >> 2] = encode("addi", rd=3, imm=5)     # bypasses the listeners
    machine.memory.notify_write(host, 4)
    machine.start()
    machine.run()
    assert machine.reg(3) == 5


def test_memory_watch_listeners():
    memory = HostMemory(2 << 12, base=0x1000)
    writes, watches = [], []

    class Listener:
        def on_write(self, addr, length):
            writes.append((addr, length))

        def on_watch(self, page):
            watches.append(page)

    listener = Listener()
    memory.add_write_listener(listener.on_write)
    memory.add_watch_listener(listener.on_watch)
    memory.write32(0x1000, 1)                       # no page watched yet: nobody is told
    memory.watch_page(0x2)
    memory.watch_page(0x2)                          # told once
    memory.write32(0x1FFC, 1)                       # page 1: not watched
    memory.write(0x1FFE, b"\x01\x02\x03\x04")       # straddles into page 2
    memory.fill(0x2100, 8, 0xFF)
    assert watches == [0x2]
    assert writes == [(0x1FFE, 4), (0x2100, 8)]
    del listener                                    # held weakly: a dropped hart is forgotten
    memory.write32(0x2000, 5)
    assert writes == [(0x1FFE, 4), (0x2100, 8)]
    assert memory.snapshot().watched_pages == set()
