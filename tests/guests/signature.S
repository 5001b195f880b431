// hvcosim-covers: the --signature dump (Spike/RISCOF format): the words from begin_signature to end_signature, results of arithmetic, loads and a trap, compared by the test with the expected words below.
// hvcosim-signature: 0000002a fffffffe 80000000 00000000 ffffff80 0000ff80 00000004 deadbeef
// hvcosim-expect: exit=0
#include "hvguest.h"

    .text
    .globl main
main:
    la s0, begin_signature
    li s1, 6
    li s2, 7
    mul s3, s1, s2                  /* 42 */
    sw s3, 0(s0)
    li s1, -6
    li s2, 3
    div s3, s1, s2                  /* -2 */
    sw s3, 4(s0)
    li s1, 1
    slli s3, s1, 31                 /* 0x80000000 */
    sw s3, 8(s0)
    li s1, 0x80000000
    li s2, -1
    rem s3, s1, s2                  /* overflow: 0 */
    sw s3, 12(s0)
    la s1, byte_source
    lb s3, 0(s1)                    /* 0x80 sign-extended */
    sw s3, 16(s0)
    lhu s3, 0(s1)                   /* 0xff80 */
    sw s3, 20(s0)
    EXPECT_TRAP CAUSE_MISALIGNED_LOAD
    lw s3, 1(s1)
    TRAP_FIELD s3, TA_LAST_CAUSE
    sw s3, 24(s0)                   /* 4 */
    /* The last word keeps its initial value. */
    li a0, 0
    ret

    .data
byte_source:
    .byte 0x80, 0xff, 0x00, 0x00

    .balign 16
    .globl begin_signature, end_signature
begin_signature:
    .word 0, 0, 0, 0, 0, 0, 0, 0xdeadbeef
end_signature:
