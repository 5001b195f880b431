// hvcosim-covers: G-stage demand paging: loads and stores spread over the whole 16 MiB of guest RAM (480 pages never touched before: 240 first touched by a load, which must read back stably, and 240 by a store) each fault a page in transparently; every stored pattern reads back.
// hvcosim-expect: exit=0 stdout-contains="demand paging ok"
#include "hvguest.h"

#define FIRST_PAGE 0x80100000
#define STRIDE     0x10000          /* every 16th page */
#define END        0x81000000

    .text
    .globl main
main:
    /* Loads first on odd pages (whatever they read, it must stay stable), then stores. */
    li s0, FIRST_PAGE + PAGE_SIZE
    li s1, END
1:  lw s2, 0x40(s0)
    lw s3, 0x40(s0)
    CHECK_EQ s2, s3
    li t0, STRIDE
    add s0, s0, t0
    bltu s0, s1, 1b

    /* Pattern: word at page + 0x800 + (page >> 10 & 0x7fc) = page ^ 0x5a5a5a5a; first word = page. */
    li s0, FIRST_PAGE
    li s4, 0x5a5a5a5a
2:  xor s2, s0, s4
    srli s3, s0, 10
    andi s3, s3, 0x7fc
    li t0, 0x800                    /* offsets 0x800..0xffc: never the first word */
    add s3, s3, t0
    add s3, s3, s0
    sw s2, 0(s3)
    sw s0, 0(s0)
    li t0, STRIDE
    add s0, s0, t0
    bltu s0, s1, 2b

    li s0, FIRST_PAGE
3:  xor s2, s0, s4
    srli s3, s0, 10
    andi s3, s3, 0x7fc
    li t0, 0x800                    /* offsets 0x800..0xffc: never the first word */
    add s3, s3, t0
    add s3, s3, s0
    lw s5, 0(s3)
    CHECK_EQ s5, s2
    lw s5, 0(s0)
    CHECK_EQ s5, s0
    li t0, STRIDE
    add s0, s0, t0
    bltu s0, s1, 3b

    PRINTLN "demand paging ok"
    li a0, 0
    ret
