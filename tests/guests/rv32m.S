// hvcosim-covers: every RV32M instruction with its corner values: MULH/MULHSU/MULHU sign handling, division by zero (DIV -1, DIVU all ones, REM/REMU the dividend), signed overflow (-2^31 / -1: DIV -2^31, REM 0), remainder sign follows the dividend, x0 destination.
// hvcosim-expect: exit=0 stdout-contains="rv32m ok"
#include "hvguest.h"

.macro TEST_RR op, a, b, expected
    li s0, \a
    li s1, \b
    \op s2, s0, s1
    CHECK s2, \expected
.endm

    .text
    .globl main
main:
    TEST_RR mul, 0, 0, 0
    TEST_RR mul, 7, 6, 42
    TEST_RR mul, 0xffffffff, 0xffffffff, 1
    TEST_RR mul, 0x80000000, 0xffffffff, 0x80000000
    TEST_RR mul, 0x12345678, 0x10, 0x23456780
    TEST_RR mul, 0x0000ffff, 0x0000ffff, 0xfffe0001

    TEST_RR mulh, 0xffffffff, 0xffffffff, 0        /* -1 * -1 = 1: high word 0 */
    TEST_RR mulh, 0xffffffff, 1, 0xffffffff        /* -1: high word all ones */
    TEST_RR mulh, 0x80000000, 0x80000000, 0x40000000
    TEST_RR mulh, 0x80000000, 0x7fffffff, 0xc0000000
    TEST_RR mulh, 0x7fffffff, 0x7fffffff, 0x3fffffff
    TEST_RR mulh, 0x00010000, 0x00010000, 1

    TEST_RR mulhsu, 0xffffffff, 0xffffffff, 0xffffffff  /* -1 * (2^32 - 1) */
    TEST_RR mulhsu, 0x80000000, 0xffffffff, 0x80000000  /* -2^31 * (2^32 - 1) */
    TEST_RR mulhsu, 0x7fffffff, 0xffffffff, 0x7ffffffe
    TEST_RR mulhsu, 1, 0x80000000, 0
    TEST_RR mulhsu, 0xffffffff, 1, 0xffffffff

    TEST_RR mulhu, 0xffffffff, 0xffffffff, 0xfffffffe
    TEST_RR mulhu, 0x80000000, 0x80000000, 0x40000000
    TEST_RR mulhu, 0xffffffff, 1, 0
    TEST_RR mulhu, 0x00010000, 0x00010000, 1

    TEST_RR div, 20, 6, 3
    TEST_RR div, -20, 6, -3                /* rounds toward zero */
    TEST_RR div, 20, -6, -3
    TEST_RR div, -20, -6, 3
    TEST_RR div, 0x80000000, 0xffffffff, 0x80000000   /* overflow */
    TEST_RR div, 5, 0, 0xffffffff          /* by zero */
    TEST_RR div, 0x80000000, 0, 0xffffffff
    TEST_RR div, 0, 0, 0xffffffff

    TEST_RR divu, 20, 6, 3
    TEST_RR divu, 0xffffffff, 2, 0x7fffffff
    TEST_RR divu, 0x80000000, 0xffffffff, 0
    TEST_RR divu, 5, 0, 0xffffffff
    TEST_RR divu, 0, 0, 0xffffffff

    TEST_RR rem, 20, 6, 2
    TEST_RR rem, -20, 6, -2                /* sign of the dividend */
    TEST_RR rem, 20, -6, 2
    TEST_RR rem, -20, -6, -2
    TEST_RR rem, 0x80000000, 0xffffffff, 0 /* overflow */
    TEST_RR rem, 5, 0, 5                   /* by zero: the dividend */
    TEST_RR rem, 0x80000000, 0, 0x80000000

    TEST_RR remu, 20, 6, 2
    TEST_RR remu, 0xffffffff, 0x10, 0xf
    TEST_RR remu, 0x80000000, 0xffffffff, 0x80000000
    TEST_RR remu, 5, 0, 5
    TEST_RR remu, 0xffffffff, 0, 0xffffffff

    /* rd = rs1 = rs2 */
    li s3, 0xffff
    mul s3, s3, s3
    CHECK s3, 0xfffe0001
    li s3, 0x80000000
    div s3, s3, s3
    CHECK s3, 1

    /* x0 as destination, including the by-zero and overflow paths. */
    li s0, 0x80000000
    li s1, -1
    div x0, s0, s1
    CHECK zero, 0
    rem x0, s0, zero
    CHECK zero, 0
    mulhu x0, s1, s1
    CHECK zero, 0

    PRINTLN "rv32m ok"
    li a0, 0
    ret
