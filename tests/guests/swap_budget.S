// hvcosim-args: --mem-budget 64K
// hvcosim-covers: swap under a small host memory budget (16 pages): 64 data pages written with a pattern, read back, rewritten with another pattern and read back again, so pages are swapped out, swapped in (clean and modified) and evicted again while code, stack and data pages compete for the same budget.
// hvcosim-expect: exit=0 stdout-contains="swap ok"
#include "hvguest.h"

#define FIRST_PAGE 0x80100000
#define NUM_PAGES  64

/* value(addr, key) = addr * 0x9e3779b1 ^ key, in s2 (addr in s0, key in s7). */
.macro PATTERN
    li t0, 0x9e3779b1
    mul s2, s0, t0
    xor s2, s2, s7
.endm

/* For each page and each of 4 offsets: store (do_store = 1) or check the pattern. */
.macro SWEEP do_store
    li s0, FIRST_PAGE
    li s1, FIRST_PAGE + NUM_PAGES * PAGE_SIZE
.Lpage\@:
    li s3, 0
.Loffset\@:
    PATTERN
    .if \do_store
    sw s2, 0(s0)
    .else
    lw s4, 0(s0)
    CHECK_EQ s4, s2
    .endif
    addi s0, s0, 0x3fc              /* offsets 0, 0x3fc, 0x7f8, 0xbf4 */
    addi s3, s3, 1
    li t0, 4
    bltu s3, t0, .Loffset\@
    li t0, -4 * 0x3fc
    add s0, s0, t0
    li t0, PAGE_SIZE
    add s0, s0, t0
    bltu s0, s1, .Lpage\@
.endm

    .text
    .globl main
main:
    li s7, 0x1234abcd
    SWEEP 1
    SWEEP 0
    li s7, 0x0f0f0f0f               /* rewrite: pages swapped in, dirtied, evicted again */
    SWEEP 1
    SWEEP 0
    SWEEP 0
    PRINTLN "swap ok"
    li a0, 0
    ret
