// hvcosim-covers: SBI HSM hart_suspend: a retentive suspend returns SUCCESS once the armed timer interrupt is pending (registers kept, time past the deadline); a non-retentive suspend resumes at the given address with a0 = hartid, a1 = opaque, SIE = 0; reserved suspend types give INVALID_PARAM and a resume address outside RAM gives INVALID_ADDRESS.
// hvcosim-expect: exit=0 stdout-contains="resumed non-retentive\n" stdout-contains="hsm suspend ok"
#include "hvguest.h"

#define SBI_HSM_HART_SUSPEND     3
#define SUSPEND_RETENTIVE        0x00000000
#define SUSPEND_NON_RETENTIVE    0x80000000
#define OPAQUE                   0x5eed5eed

/* Arm the Sstc timer at time + delta; deadline kept in s2 (time stays below 2^32 here). */
.macro ARM_TIMER delta
    csrr s2, time
    li t0, \delta
    add s2, s2, t0
    WRITE_STIMECMP s2, zero
    CSR_SET sie, SIE_STIE
.endm

    .text
    .globl main
main:
    csrw sie, zero
    csrci sstatus, SSTATUS_SIE

    /* Reserved types are refused. */
    li a0, 0x00000005
    li a1, 0
    li a2, 0
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_SUSPEND
    CHECK a0, SBI_ERR_INVALID_PARAM
    li a0, 0x80000005
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_SUSPEND
    CHECK a0, SBI_ERR_INVALID_PARAM

    /* Retentive: back here, registers intact, when the timer is pending. */
    ARM_TIMER 3000
    li s5, 0x1234
    li a0, SUSPEND_RETENTIVE
    li a1, 0
    li a2, 0
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_SUSPEND
    CHECK a0, SBI_SUCCESS
    CHECK s5, 0x1234
    csrr s3, time
    sltu t0, s3, s2
    CHECK t0, 0
    csrr s3, sip
    CHECK s3, SIP_STIP

    /* Non-retentive with a resume address outside RAM: refused, the call returns. */
    li a0, SUSPEND_NON_RETENTIVE
    li a1, 0x20000000
    li a2, 0
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_SUSPEND
    CHECK a0, -5                    /* SBI_ERR_INVALID_ADDRESS */

    /* Non-retentive: resumes at `resumed`, never returns here. */
    ARM_TIMER 3000
    la t0, saved_deadline
    sw s2, 0(t0)
    csrsi sstatus, SSTATUS_SIE      /* the resume must clear it, or the timer traps at once */
    li a0, SUSPEND_NON_RETENTIVE
    la a1, resumed
    li a2, OPAQUE
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_SUSPEND
    UNREACHABLE

resumed:
    mv s0, a0
    mv s1, a1
    jal setup_hart                  /* registers other than a0/a1 are not kept: new stack */
    CHECK s0, 0
    CHECK s1, OPAQUE
    csrr s3, sstatus
    andi s3, s3, SSTATUS_SIE
    CHECK s3, 0
    csrr s3, satp
    CHECK s3, 0
    la t0, saved_deadline
    lw s2, 0(t0)
    csrr s3, time
    sltu t0, s3, s2
    CHECK t0, 0
    PRINTLN "resumed non-retentive"
    PRINTLN "hsm suspend ok"
    PASS

    .data
saved_deadline: .word 0
