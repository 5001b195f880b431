// hvcosim-args: --vcpus 2 --quantum 500
// hvcosim-covers: per-vCPU timers with both vCPUs waiting: each vCPU arms its own stimecmp (different deadlines) and waits in WFI; with every vCPU asleep the VMM moves platform time to the earliest deadline, wakes only that vCPU, then the other; each finds time past its own deadline and the earlier deadline's vCPU wakes first.
// hvcosim-expect: exit=0 stdout-contains="smp timers ok"
#include "hvguest.h"

#define DELAY_0 200000
#define DELAY_1 100000

/* Arm this hart's timer at base + delay (s2), wait in WFI until it is pending, record
 * the wake-up order in wake_order[slot]. */
.macro SLEEP_UNTIL base_reg, delay
    li t0, \delay
    add s2, \base_reg, t0
    WRITE_STIMECMP s2, zero
    CSR_SET sie, SIE_STIE
1:  wfi
    csrr t0, sip
    andi t0, t0, SIP_STIP
    beqz t0, 1b
    csrr s3, time
    sltu t0, s3, s2
    CHECK t0, 0
.endm

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)
    csrw sie, zero
    /* Wait for vCPU 1 to be stopped (it stops itself at the entry), then start it. */
1:  li a0, 1
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS
    li t0, HSM_STATE_STOPPED
    bne a1, t0, 1b
    csrr s0, time
    la t0, common_base
    sw s0, 0(t0)
    li a0, 1
    la a1, hsm_secondary_entry
    la a2, secondary_main
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_START
    CHECK a0, SBI_SUCCESS

    SLEEP_UNTIL s0, DELAY_0
    /* vCPU 1's deadline is earlier: it must have woken (and recorded it) already. */
    la t0, hart1_woke_at
    lw s4, 0(t0)
    sltu t0, zero, s4
    CHECK t0, 1
    sltu t0, s4, s2                 /* ...before this hart's deadline */
    CHECK t0, 1

    li t0, -1
    WRITE_STIMECMP t0, t0
    PRINTLN "smp timers ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

secondary_main:
    csrw sie, zero
    la t0, common_base
    lw s0, 0(t0)
    SLEEP_UNTIL s0, DELAY_1
    la t0, hart1_woke_at
    sw s3, 0(t0)
    li t0, -1
    WRITE_STIMECMP t0, t0
    li a0, 0
    ret

    .data
common_base: .word 0
hart1_woke_at: .word 0
