// hvcosim-covers: the VMM's verdict on a VM whose every vCPU stopped through SBI HSM hart_stop without a system_reset: the run fails (exit 1).
// hvcosim-expect: exit=1 stdout-contains="stopping the only hart\n"
#include "hvguest.h"

    .text
    .globl main
main:
    PRINTLN "stopping the only hart"
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_STOP
    UNREACHABLE
