// hvcosim-covers: the instruction budget: a guest that never ends stops with exit status 3 under --max-instructions.
// hvcosim-args: --max-instructions 100000
// hvcosim-expect: exit=3
#include "hvguest.h"

    .text
    .globl main
main:
1:  j 1b
