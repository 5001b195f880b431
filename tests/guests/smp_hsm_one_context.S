// hvcosim-args: --vcpus 2 --contexts 1 --quantum 300
// hvcosim-covers: smp_hsm with two vCPUs sharing one hardware context: every switch between them is a slow world switch (state saved and restored by the VMM).
// hvcosim-expect: exit=0 stdout-contains="hart 1 running\n" stdout-contains="smp ok"
#include "smp_hsm.S"
