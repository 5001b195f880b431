// hvcosim-covers: VS timer interrupt through SBI TIME set_timer and legacy set_timer: pending after the deadline, taken when enabled, cleared by set_timer in the future, set_timer to the past pending at once, WFI returning when the SBI timer fires.
// hvcosim-expect: exit=0 stdout-contains="sbi timer ok"
#include "hvguest.h"

/* set_timer(time + delta) through SBI TIME; s2:s3 = the deadline. */
.macro SBI_TIMER_IN delta
    READ_TIME s2, s3
    li t4, \delta
    add t5, s2, t4
    sltu t4, t5, s2
    add s3, s3, t4
    mv s2, t5
    mv a0, s2
    mv a1, s3
    SBI_CALL SBI_EXT_TIME, SBI_TIME_SET_TIMER
    CHECK a0, SBI_SUCCESS
.endm

.macro WAIT_FOR_STIP
    li s6, 4000
.Lwait\@:
    csrr s1, sip
    andi s1, s1, SIP_STIP
    bnez s1, .Lseen\@
    addi s6, s6, -1
    bnez s6, .Lwait\@
    UNREACHABLE
.Lseen\@:
.endm

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)
    csrw sie, zero
    csrci sstatus, SSTATUS_SIE

    SBI_TIMER_IN 500
    csrr s1, sip
    CHECK s1, 0
    WAIT_FOR_STIP
    READ_TIME s4, s5                /* single word compare is enough: time is small */
    sltu t4, s4, s2
    CHECK t4, 0

    /* A deadline in the future clears the pending interrupt at once. */
    li a0, -1
    li a1, -1
    SBI_CALL SBI_EXT_TIME, SBI_TIME_SET_TIMER
    csrr s1, sip
    CHECK s1, 0

    /* A deadline in the past is pending at once, and is taken when enabled. */
    li a0, 0
    li a1, 0
    SBI_CALL SBI_EXT_TIME, SBI_TIME_SET_TIMER
    csrr s1, sip
    CHECK s1, SIP_STIP
    CSR_SET sie, SIE_STIE
    EXPECT_TRAP CAUSE_S_TIMER_INT
    csrsi sstatus, SSTATUS_SIE
taken_here:
    nop
    TRAPPED CAUSE_S_TIMER_INT, taken_here
    csrci sstatus, SSTATUS_SIE

    /* Legacy set_timer (EID 0x00): a0/a1 = the 64-bit deadline; only a0 returned. */
    READ_TIME s2, s3
    addi s2, s2, 300
    mv a0, s2
    li a1, 0
    li a7, SBI_LEGACY_SET_TIMER
    ecall
    CHECK a0, 0
    csrr s1, sip
    CHECK s1, 0
    WAIT_FOR_STIP

    /* WFI wakes when the SBI timer fires. */
    SBI_TIMER_IN 8000
    CSR_SET sie, SIE_STIE
    wfi
    csrr s1, sip
    CHECK s1, SIP_STIP
    READ_TIME s4, s5
    sltu t4, s4, s2
    CHECK t4, 0

    li a0, -1
    li a1, -1
    SBI_CALL SBI_EXT_TIME, SBI_TIME_SET_TIMER
    PRINTLN "sbi timer ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret
