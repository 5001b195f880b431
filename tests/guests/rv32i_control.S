// hvcosim-covers: BEQ/BNE/BLT/BGE/BLTU/BGEU taken and not taken with signed/unsigned extremes and equal operands, backward branches (a counted loop), JAL/JALR link values, JALR clearing bit 0 of the target, JALR with rd = rs1, JAL/JALR with rd = x0.
// hvcosim-expect: exit=0 stdout-contains="rv32i control ok"
#include "hvguest.h"

/* Branch on (a, b): CHECK that it was taken (taken = 1) or not (0). */
.macro TEST_BR op, a, b, taken
    li s0, \a
    li s1, \b
    li s2, 0
    \op s0, s1, .Ltaken\@
    li s2, 1
    j .Ljoin\@
.Ltaken\@:
    li s2, 2
.Ljoin\@:
    .if \taken
    CHECK s2, 2
    .else
    CHECK s2, 1
    .endif
.endm

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)

    TEST_BR beq, 0, 0, 1
    TEST_BR beq, 1, 0, 0
    TEST_BR beq, 0x80000000, 0x80000000, 1
    TEST_BR bne, 0, 0, 0
    TEST_BR bne, 0xffffffff, 0x7fffffff, 1
    TEST_BR blt, 0xffffffff, 0, 1
    TEST_BR blt, 0, 0xffffffff, 0
    TEST_BR blt, 0x80000000, 0x7fffffff, 1
    TEST_BR blt, 5, 5, 0
    TEST_BR bge, 5, 5, 1
    TEST_BR bge, 0x7fffffff, 0x80000000, 1
    TEST_BR bge, 0xffffffff, 0, 0
    TEST_BR bltu, 0, 0xffffffff, 1
    TEST_BR bltu, 0xffffffff, 0, 0
    TEST_BR bltu, 0x7fffffff, 0x80000000, 1
    TEST_BR bltu, 7, 7, 0
    TEST_BR bgeu, 7, 7, 1
    TEST_BR bgeu, 0xffffffff, 0, 1
    TEST_BR bgeu, 0x7fffffff, 0x80000000, 0

    /* A backward branch: sum 1..10. */
    li s0, 10
    li s1, 0
1:  add s1, s1, s0
    addi s0, s0, -1
    bnez s0, 1b
    CHECK s1, 55

    /* JAL links pc + 4. */
    jal s3, 2f
3:  UNREACHABLE
2:  CHECK_LA s3, 3b

    /* JALR: target = (rs1 + imm) & ~1, link = pc + 4. */
    la s4, 4f
    addi s4, s4, -3                 /* rs1 + 4 = target + 1: bit 0 is dropped */
    jalr s5, 4(s4)
5:  UNREACHABLE
4:  CHECK_LA s5, 5b

    /* JALR with rd = rs1: the target uses the old rs1, rd gets the link. */
    la s6, 6f
    jalr s6, 0(s6)
7:  UNREACHABLE
6:  CHECK_LA s6, 7b

    /* rd = x0: a plain jump, nothing written. */
    jal x0, 8f
    UNREACHABLE
8:  la s7, 9f
    jalr x0, 0(s7)
    UNREACHABLE
9:  CHECK zero, 0

    /* A call and a return through ra. */
    li a0, 41
    call add_one
    CHECK a0, 42

    PRINTLN "rv32i control ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

add_one:
    addi a0, a0, 1
    ret
