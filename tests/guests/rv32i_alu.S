// hvcosim-covers: every RV32I computational instruction (register and immediate forms, LUI, AUIPC) with corner values: signed/unsigned extremes, shift amounts 0/31, shift amounts taken from rs2[4:0] only, immediate sign extension, rd = rs1 = rs2, x0 as destination.
// hvcosim-expect: exit=0 stdout-contains="rv32i alu ok"
#include "hvguest.h"

/* s0, s1 = operands, s2 = result. */
.macro TEST_RR op, a, b, expected
    li s0, \a
    li s1, \b
    \op s2, s0, s1
    CHECK s2, \expected
.endm

.macro TEST_RI op, a, imm, expected
    li s0, \a
    \op s2, s0, \imm
    CHECK s2, \expected
.endm

    .text
    .globl main
main:
    TEST_RR add, 0, 0, 0
    TEST_RR add, 1, 1, 2
    TEST_RR add, 0x7fffffff, 1, 0x80000000
    TEST_RR add, 0xffffffff, 1, 0
    TEST_RR add, 0x80000000, 0x80000000, 0
    TEST_RR sub, 0, 1, 0xffffffff
    TEST_RR sub, 0x80000000, 1, 0x7fffffff
    TEST_RR sub, 5, 5, 0
    TEST_RR sub, 0, 0x80000000, 0x80000000
    TEST_RR and, 0xff00ff00, 0x0f0f0f0f, 0x0f000f00
    TEST_RR or,  0xff00ff00, 0x0f0f0f0f, 0xff0fff0f
    TEST_RR xor, 0xff00ff00, 0x0f0f0f0f, 0xf00ff00f
    TEST_RR slt, 0xffffffff, 0, 1
    TEST_RR slt, 0, 0xffffffff, 0
    TEST_RR slt, 0x80000000, 0x7fffffff, 1
    TEST_RR slt, 5, 5, 0
    TEST_RR sltu, 0xffffffff, 0, 0
    TEST_RR sltu, 0, 0xffffffff, 1
    TEST_RR sltu, 0x7fffffff, 0x80000000, 1
    TEST_RR sltu, 0, 0, 0
    TEST_RR sll, 1, 31, 0x80000000
    TEST_RR sll, 0x12345678, 0, 0x12345678
    TEST_RR sll, 0x12345678, 4, 0x23456780
    TEST_RR sll, 1, 33, 2                      /* only rs2[4:0] counts */
    TEST_RR sll, 1, 0xffffffe0, 1
    TEST_RR srl, 0x80000000, 31, 1
    TEST_RR srl, 0x80000000, 1, 0x40000000
    TEST_RR srl, 0x80000000, 0, 0x80000000
    TEST_RR srl, 0x80000000, 0x21, 0x40000000
    TEST_RR sra, 0x80000000, 31, 0xffffffff
    TEST_RR sra, 0x80000000, 1, 0xc0000000
    TEST_RR sra, 0x7fffffff, 30, 1
    TEST_RR sra, 0x80000000, 0x3f, 0xffffffff
    TEST_RR sra, 0xf0000000, 0, 0xf0000000

    TEST_RI addi, 0, 0x7ff, 0x7ff
    TEST_RI addi, 0, -0x800, 0xfffff800       /* 12-bit immediates are sign-extended */
    TEST_RI addi, 0x7fffffff, 1, 0x80000000
    TEST_RI addi, 1, -1, 0
    TEST_RI slti, 0, -1, 0
    TEST_RI slti, 0xffffffff, 0, 1
    TEST_RI slti, 0x80000000, -0x800, 1
    TEST_RI sltiu, 0, -1, 1                   /* -1 sign-extends to 0xffffffff, then compares unsigned */
    TEST_RI sltiu, 0xfffffffe, -1, 1
    TEST_RI sltiu, 0xffffffff, -1, 0
    TEST_RI sltiu, 5, 0, 0
    TEST_RI xori, 0x00ff00ff, -1, 0xff00ff00  /* xori rd, rs, -1 is NOT */
    TEST_RI xori, 0x00ff00ff, 0x0f0, 0x00ff000f
    TEST_RI ori,  0x80000000, -0x800, 0xfffff800
    TEST_RI ori,  0x12340000, 0x5a5, 0x123405a5
    TEST_RI andi, 0xffffffff, -0x800, 0xfffff800
    TEST_RI andi, 0x12345678, 0x0ff, 0x00000078
    TEST_RI slli, 1, 31, 0x80000000
    TEST_RI slli, 0xffffffff, 0, 0xffffffff
    TEST_RI srli, 0x80000000, 31, 1
    TEST_RI srli, 0xffffffff, 0, 0xffffffff
    TEST_RI srai, 0x80000000, 31, 0xffffffff
    TEST_RI srai, 0x80000001, 1, 0xc0000000
    TEST_RI srai, 0x40000000, 30, 1

    /* LUI writes the upper 20 bits and clears the lower 12. */
    li s2, -1
    lui s2, 0xfffff
    CHECK s2, 0xfffff000
    lui s2, 0x80000
    CHECK s2, 0x80000000
    lui s2, 0
    CHECK s2, 0

    /* AUIPC adds to its own address. */
1:  auipc s2, 0
    CHECK_LA s2, 1b
2:  auipc s2, 1
    la s3, 2b
    li s4, 0x1000
    add s3, s3, s4
    CHECK_EQ s2, s3
3:  auipc s2, 0xfffff                   /* a negative offset */
    la s3, 3b
    li s4, 0xfffff000
    add s3, s3, s4
    CHECK_EQ s2, s3

    /* Destination equal to both sources. */
    li s5, 21
    add s5, s5, s5
    CHECK s5, 42
    li s5, 0x80000000
    sub s5, s5, s5
    CHECK s5, 0
    li s5, 3
    sll s5, s5, s5
    CHECK s5, 24

    /* x0 as destination: writes are discarded, reads give 0. */
    li s0, 0x12345678
    add x0, s0, s0
    CHECK zero, 0
    addi x0, x0, 5
    CHECK zero, 0
    lui x0, 0x12345
    CHECK zero, 0
    auipc x0, 1
    CHECK zero, 0
    slli x0, s0, 3
    CHECK zero, 0
    sub s2, zero, s0
    CHECK s2, 0xedcba988
    or s2, zero, zero
    CHECK s2, 0

    /* NOP is addi x0, x0, 0. */
    nop
    CHECK zero, 0

    PRINTLN "rv32i alu ok"
    li a0, 0
    ret
