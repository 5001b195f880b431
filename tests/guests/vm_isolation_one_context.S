// hvcosim-args: --quantum 250 --contexts 1
// hvcosim-companions: vm_isolation_b
// hvcosim-covers: vm_isolation_a with both VMs sharing one hardware context: every switch between the VMs is a slow world switch that changes hgatp/VMID on the same context; neither VM may see the other's memory through stale translations.
// hvcosim-expect: exit=0 stdout-contains="[vm0] vm a ok" stdout-contains="[vm1] vm b ok"
#include "vm_isolation_a.S"
