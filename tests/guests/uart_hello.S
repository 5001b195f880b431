// hvcosim-covers: MMIO UART emulation (guest-page-fault exits on 0x1000_0000): LSR.THRE polled, THR written bytewise, LSR.DR clear with no input; a line printed.
// hvcosim-expect: exit=0 stdout-contains="hello from the uart\n"
#include "hvguest.h"

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)
    li s0, UART_BASE
    /* No input is attached: the receiver has nothing (LSR.DR = 0). */
    lbu t0, UART_LSR(s0)
    andi t0, t0, UART_LSR_DR
    CHECK t0, 0
    la s1, message
1:  lbu s2, 0(s1)
    beqz s2, 3f
2:  lbu t0, UART_LSR(s0)            /* wait for the transmitter, as a real driver does */
    andi t0, t0, UART_LSR_THRE
    beqz t0, 2b
    sb s2, UART_THR(s0)
    addi s1, s1, 1
    j 1b
3:  li a0, 0
    lw ra, 0(sp)
    addi sp, sp, 16
    ret

    .section .rodata
message: .asciz "hello from the uart\n"
