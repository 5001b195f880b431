// hvcosim-covers: the VMM's deadlock verdict: the only vCPU waits in WFI with no interrupt enabled and no timer armed, so nothing can wake it; the run ends as a timeout (exit 3) instead of hanging.
// hvcosim-expect: exit=3 stdout-contains="waiting forever\n"
#include "hvguest.h"

    .text
    .globl main
main:
    csrw sie, zero
    li t0, -1
    WRITE_STIMECMP t0, t0
    PRINTLN "waiting forever"
    wfi
    UNREACHABLE
