// hvcosim-args: --vcpus 2 --quantum 400
// hvcosim-covers: a second vCPU through SBI HSM: vCPU 1 is stopped (or stops itself at the entry), hart_start runs it on its own stack with a0 = hartid and the opaque value, hart_start of a running hart gives ALREADY_AVAILABLE, get_status follows STARTED/STOPPED, hart_stop, a restart after the stop, a start address outside RAM gives INVALID_ADDRESS; both vCPUs share memory (a ping-pong of 12 rounds through plain loads and stores) and print; progress depends on preemption of the spinning vCPU.
// hvcosim-expect: exit=0 stdout-contains="hart 1 running\n" stdout-contains="smp ok"
#include "hvguest.h"

#define ROUNDS 12
#define POLL_LIMIT 100000

/* a1 = get_status(hartid) into a1, SBI error checked. */
.macro HART_STATUS hartid
    li a0, \hartid
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS
    CHECK a0, SBI_SUCCESS
.endm

/* Poll until vCPU 1 reports `state` (bounded: fails instead of hanging). */
.macro WAIT_HART1_STATE state
    li s9, POLL_LIMIT
.Lpoll\@:
    HART_STATUS 1
    li t0, \state
    beq a1, t0, .Ldone\@
    addi s9, s9, -1
    bnez s9, .Lpoll\@
    UNREACHABLE
.Ldone\@:
.endm

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)
    mv s10, sp

    HART_STATUS 0
    CHECK a1, HSM_STATE_STARTED
    WAIT_HART1_STATE HSM_STATE_STOPPED

    li a0, 1
    la a1, hsm_secondary_entry
    la a2, secondary_main
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_START
    CHECK a0, SBI_SUCCESS
    HART_STATUS 1
    CHECK a1, HSM_STATE_STARTED
    li a0, 1
    la a1, hsm_secondary_entry
    la a2, secondary_main
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_START
    CHECK a0, SBI_ERR_ALREADY_AVAILABLE

    /* Ping-pong through shared memory: ping = k, wait for pong = k. */
    la s0, ping
    la s1, pong
    li s2, 1
1:  sw s2, 0(s0)
    li s9, POLL_LIMIT
2:  lw s3, 0(s1)
    beq s3, s2, 3f
    addi s9, s9, -1
    bnez s9, 2b
    UNREACHABLE
3:  addi s2, s2, 1
    li t0, ROUNDS
    bleu s2, t0, 1b

    /* vCPU 1 reported what it saw at its start. */
    la s0, hart1_seen
    lw s1, 0(s0)                    /* a0 = hartid */
    CHECK s1, 1
    lw s1, 4(s0)                    /* tp = hartid, set by crt */
    CHECK s1, 1
    lw s1, 8(s0)                    /* its own stack, one stack below vCPU 0's */
    li t0, STACK_SIZE
    add s1, s1, t0
    addi s1, s1, -16
    CHECK_EQ s1, s10

    WAIT_HART1_STATE HSM_STATE_STOPPED
    li a0, 1
    li a1, 0x20000000               /* not guest RAM */
    li a2, 0
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_START
    CHECK a0, -5                    /* SBI_ERR_INVALID_ADDRESS */

    /* A stopped hart can be started again, with another program. */
    li a0, 1
    la a1, hsm_secondary_entry
    la a2, secondary_again
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_START
    CHECK a0, SBI_SUCCESS
    WAIT_HART1_STATE HSM_STATE_STOPPED
    la s0, again_marker
    lw s1, 0(s0)
    CHECK s1, 0xa9a1

    PRINTLN "smp ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

/* vCPU 1: a0 = hartid.  Returns 0 (crt then stops the hart). */
secondary_main:
    la t0, hart1_seen
    sw a0, 0(t0)
    sw tp, 4(t0)
    sw sp, 8(t0)
    PRINTLN "hart 1 running"
    la s0, ping
    la s1, pong
    li s2, 1
1:  li s9, POLL_LIMIT
2:  lw s3, 0(s0)
    beq s3, s2, 3f
    addi s9, s9, -1
    bnez s9, 2b
    UNREACHABLE
3:  sw s2, 0(s1)
    addi s2, s2, 1
    li t0, ROUNDS
    bleu s2, t0, 1b
    li a0, 0
    ret

secondary_again:
    la t0, again_marker
    li t1, 0xa9a1
    sw t1, 0(t0)
    li a0, 0
    ret

    .data
ping: .word 0
pong: .word 0
hart1_seen: .space 12
again_marker: .word 0
