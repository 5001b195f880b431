// hvcosim-args: --mem 64M
// hvcosim-covers: a larger guest RAM (--mem 64M): the last word of RAM at 0x83FF_FFFC is usable, the first address past it gives a load access fault.
// hvcosim-expect: exit=0 stdout-contains="64M ok"
#include "hvguest.h"

#define RAM_END_64M 0x84000000

    .text
    .globl main
main:
    li s0, RAM_END_64M - 4
    li s1, 0x64646464
    sw s1, 0(s0)
    lw s2, 0(s0)
    CHECK s2, 0x64646464
    li s0, 0x82000000               /* the middle */
    sw s1, 0(s0)
    lw s2, 0(s0)
    CHECK s2, 0x64646464
    li s0, RAM_END_64M
    EXPECT_TRAP CAUSE_LOAD_ACCESS
past_end:
    lw s2, 0(s0)
    TRAPPED CAUSE_LOAD_ACCESS, past_end
    CHECK t5, RAM_END_64M
    PRINTLN "64M ok"
    li a0, 0
    ret
