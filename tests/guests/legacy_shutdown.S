// hvcosim-covers: ending a run with the legacy SBI shutdown (EID 0x08) is a pass.
// hvcosim-expect: exit=0 stdout-contains="legacy shutdown"
#include "hvguest.h"

    .text
    .globl main
main:
    PRINTLN "legacy shutdown"
    li a7, SBI_LEGACY_SHUTDOWN
    ecall
    UNREACHABLE
