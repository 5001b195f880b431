// hvcosim-covers: MMIO through VS-stage translation: the UART mapped at a guest virtual megapage (VA 0xC000_0000 -> GPA 0x1000_0000), so the VMM must emulate from the exit's GPA (htval) rather than the virtual address; byte loads of LSR (lbu, lb, and into x0), byte stores to THR, and a 4 KiB mapping of the same registers at another VA.
// hvcosim-expect: exit=0 stdout-contains="paged uart\nsecond mapping\n"
#include "hvguest.h"
#include "sv32.h"

#define UART_VA   0xC0000000
#define UART_VA2  TEST_VA(7)

/* Print the NUL-terminated string at label through the UART registers at base_reg. */
.macro UART_PUTS base_reg, label
    la s1, \label
.Lnext\@:
    lbu s2, 0(s1)
    beqz s2, .Ldone\@
.Lwait\@:
    lbu t0, UART_LSR(\base_reg)
    andi t0, t0, UART_LSR_THRE
    beqz t0, .Lwait\@
    sb s2, UART_THR(\base_reg)
    addi s1, s1, 1
    j .Lnext\@
.Ldone\@:
.endm

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)
    call sv32_init_tables
    SET_PTE PT_ROOT, ROOT_INDEX(UART_VA), PTE_LEAF(UART_BASE, PTE_R | PTE_W | PTE_A | PTE_D)
    SET_PTE PT_L0, 7, PTE_LEAF(UART_BASE, PTE_R | PTE_W | PTE_A | PTE_D)
    SV32_ENABLE

    li s0, UART_VA
    lb t1, UART_LSR(s0)             /* THRE set, DR clear: a small positive byte */
    andi t2, t1, UART_LSR_THRE
    CHECK t2, UART_LSR_THRE
    andi t2, t1, UART_LSR_DR
    CHECK t2, 0
    lbu x0, UART_LSR(s0)            /* an MMIO load into x0 is still emulated, x0 stays 0 */
    CHECK zero, 0
    UART_PUTS s0, line1
    li s0, UART_VA2
    UART_PUTS s0, line2

    SV32_DISABLE
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

    .section .rodata
line1: .asciz "paged uart\n"
line2: .asciz "second mapping\n"
