// hvcosim-covers: LB/LH/LW/LBU/LHU sign and zero extension at every aligned offset, SB/SH/SW merging into the right bytes (little-endian), negative and maximum immediates, a load into x0 (value discarded), store then load of the same address, FENCE and FENCE.I (code written then executed).
// hvcosim-expect: exit=0 stdout-contains="rv32i memory ok"
#include "hvguest.h"

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)                    /* the FENCE.I test calls code in data */
    la s0, words
    /* words[0] = 0x8081f2f3 as bytes f3 f2 81 80 (little-endian). */
    lb s1, 0(s0)
    CHECK s1, 0xfffffff3
    lb s1, 1(s0)
    CHECK s1, 0xfffffff2
    lb s1, 2(s0)
    CHECK s1, 0xffffff81
    lb s1, 3(s0)
    CHECK s1, 0xffffff80
    lbu s1, 0(s0)
    CHECK s1, 0xf3
    lbu s1, 3(s0)
    CHECK s1, 0x80
    lh s1, 0(s0)
    CHECK s1, 0xfffff2f3
    lh s1, 2(s0)
    CHECK s1, 0xffff8081
    lhu s1, 0(s0)
    CHECK s1, 0xf2f3
    lhu s1, 2(s0)
    CHECK s1, 0x8081
    lw s1, 0(s0)
    CHECK s1, 0x8081f2f3
    /* words[1] = 0x7f017f01: positive bytes/halves stay positive. */
    lb s1, 4(s0)
    CHECK s1, 0x01
    lb s1, 5(s0)
    CHECK s1, 0x7f
    lh s1, 6(s0)
    CHECK s1, 0x7f01
    lhu s1, 6(s0)
    CHECK s1, 0x7f01

    /* Immediate offsets: negative, and the 12-bit extremes. */
    addi s2, s0, 8
    lw s1, -8(s2)
    CHECK s1, 0x8081f2f3
    la s3, words + 0x800
    lw s1, -0x800(s3)
    CHECK s1, 0x8081f2f3
    la s3, far_word - 0x7fc
    lw s1, 0x7fc(s3)
    CHECK s1, 0xcafef00d

    /* A load into x0 still reads memory but writes nothing. */
    lw x0, 0(s0)
    CHECK zero, 0

    /* Stores write only their bytes. */
    la s4, scratch
    li s1, 0x11223344
    sw s1, 0(s4)
    li s1, 0xaabbccdd
    sb s1, 1(s4)                    /* byte 1 = dd */
    lw s5, 0(s4)
    CHECK s5, 0x1122dd44
    sh s1, 2(s4)                    /* bytes 2-3 = dd cc */
    lw s5, 0(s4)
    CHECK s5, 0xccdddd44
    sb zero, 0(s4)
    lw s5, 0(s4)
    CHECK s5, 0xccdddd00
    li s1, 0xffffffff
    sw s1, 4(s4)
    sh zero, 4(s4)
    lw s5, 4(s4)
    CHECK s5, 0xffff0000
    sb zero, 7(s4)
    lw s5, 4(s4)
    CHECK s5, 0x00ff0000
    addi s6, s4, 16
    sw s1, -8(s6)                   /* negative store offset */
    lw s5, 8(s4)
    CHECK s5, 0xffffffff
    sw zero, 8(s4)                  /* storing x0 stores 0 */
    lw s5, 8(s4)
    CHECK s5, 0

    fence
    fence rw, rw

    /* FENCE.I: copy a small routine (li a0, 0x5a; ret) into data and run it. */
    la s7, code_buffer
    la s8, code_template
    lw s9, 0(s8)
    sw s9, 0(s7)
    lw s9, 4(s8)
    sw s9, 4(s7)
    fence.i
    li a0, 0
    jalr s7
    CHECK a0, 0x5a
    /* Patch the immediate and run it again: FENCE.I makes the new code visible. */
    li s9, 0x0a500513               /* li a0, 0xa5 */
    sw s9, 0(s7)
    fence.i
    li a0, 0
    jalr s7
    CHECK a0, 0xa5

    PRINTLN "rv32i memory ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

code_template:
    li a0, 0x5a
    ret

    .data
    .balign 4
words:
    .word 0x8081f2f3
    .word 0x7f017f01
    .space 0x800
far_word:
    .word 0xcafef00d
scratch:
    .space 16
code_buffer:
    .space 8
