// hvcosim-covers: the failure path of the suite itself: a CHECK that does not hold prints its number, pc and values and ends the run with SRST reason 1 (exit status 1).
// hvcosim-expect: exit=1 stdout-contains="FAIL: CHECK #1 at pc " stdout-contains=": got 00000029 expected 0000002a"
#include "hvguest.h"

    .text
    .globl main
main:
    li s0, 41
    CHECK s0, 42
    PRINTLN "not reached"
    li a0, 0
    ret
