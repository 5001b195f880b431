"""Putting a guest ELF image into a VM's RAM (DESIGN §3): segments at their physical
addresses, the bss part zeroed, and the image's symbols for the signature."""
from __future__ import annotations

from vmm_model.elf import ElfImage
from vmm_model.platform import PAGE_SIZE

from .errors import GuestInputError
from .vm import Vm


def load_image(vm: Vm, image: ElfImage, name: str = "guest") -> None:
    """Copy every PT_LOAD segment to its physical address; all must lie in guest RAM."""
    ram = vm.ram
    for segment in image.segments:
        size = max(segment.memsz, len(segment.data))
        if size == 0:
            continue
        if not ram.contains(segment.paddr, size):
            raise GuestInputError(
                f"{name}: segment at physical {segment.paddr:#x}+{size:#x} lies outside guest RAM "
                f"[{ram.base:#x}, {ram.base + ram.size:#x}) (use --mem to enlarge it)")
        ram.write(segment.paddr, bytes(segment.data))
        _zero(vm, segment.paddr + len(segment.data), size - len(segment.data))
    if not ram.contains(image.entry, 4):
        raise GuestInputError(f"{name}: entry point {image.entry:#x} lies outside guest RAM")


def _zero(vm: Vm, gpa: int, length: int) -> None:
    """Zero the bss part; untouched pages already read as zeros, so they stay unallocated."""
    end = gpa + length
    while gpa < end:
        chunk_end = min(end, (gpa | (PAGE_SIZE - 1)) + 1)
        if vm.ram.page_state(gpa) != "untouched":
            vm.ram.write(gpa, bytes(chunk_end - gpa))
        gpa = chunk_end


def symbol_physical_address(image: ElfImage, address: int) -> int:
    """The physical address of a (virtual) symbol address, through the segment holding it."""
    for segment in image.segments:
        if segment.vaddr <= address < segment.vaddr + max(segment.memsz, len(segment.data)) \
                or address == segment.vaddr + segment.memsz:
            return segment.paddr + (address - segment.vaddr)
    return address
