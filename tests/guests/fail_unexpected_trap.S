// hvcosim-covers: the default VS trap handler fails the run on a trap nobody expected, naming vscause, vsepc and vstval (here a misaligned load, cause 4).
// hvcosim-expect: exit=1 stdout-contains="FAIL: unexpected trap: vscause=00000004"
#include "hvguest.h"

    .text
    .globl main
main:
    la s0, word
    lw s1, 2(s0)
    li a0, 0
    ret

    .data
word: .word 0
