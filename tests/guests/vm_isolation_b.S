// hvcosim-standalone: no
// hvcosim-covers: the second VM of vm_isolation_a (same program, its own keys).
#define VM_KEY      0xbbbb0000
#define OTHER_KEY   0xaaaa0000
#define VM_OK_MESSAGE "vm b ok"
#include "vm_isolation_a.S"
