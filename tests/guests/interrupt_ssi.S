// hvcosim-covers: VS software interrupt (VSSI) set by the guest through sip.SSIP: pending but masked by vsstatus.SIE = 0 and by sie.SSIE = 0; taken at the next instruction once enabled (vscause 0x80000001, vsepc = the next instruction, vstval 0, SPP/SPIE); always taken in VU whatever SIE; priority over a pending timer interrupt (SSI before STI).
// hvcosim-expect: exit=0 stdout-contains="ssi ok"
#include "hvguest.h"

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)
    li s0, -1
    WRITE_STIMECMP s0, s0           /* no timer interrupt pending */
    csrw sie, zero
    csrci sstatus, SSTATUS_SIE

    /* Pending, not enabled at all. */
    csrsi sip, SIP_SSIP
    csrr s1, sip
    CHECK s1, SIP_SSIP

    /* Enabled in sie but SIE = 0 in VS: still not taken. */
    EXPECT_TRAP CAUSE_S_SOFT_INT
    csrsi sie, SIE_SSIE
    nop
    nop
    EXPECTATION_PENDING CAUSE_S_SOFT_INT

    /* SIE = 1: taken before the next instruction. */
    EXPECT_TRAP CAUSE_S_SOFT_INT
    csrsi sstatus, SSTATUS_SIE
ssi_taken_here:
    nop
    TRAPPED CAUSE_S_SOFT_INT, ssi_taken_here
    CHECK t5, 0
    TRAP_FIELD t5, TA_LAST_STATUS
    andi t5, t5, SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE
    CHECK t5, SSTATUS_SPP | SSTATUS_SPIE
    csrr s1, sstatus                /* SRET restored SIE */
    andi s1, s1, SSTATUS_SIE
    CHECK s1, SSTATUS_SIE
    csrci sstatus, SSTATUS_SIE
    csrr s1, sie                    /* the handler masked SSIE; SSIP is still pending */
    CHECK s1, 0
    csrr s1, sip
    CHECK s1, SIP_SSIP
    csrci sip, SIP_SSIP
    csrr s1, sip
    CHECK s1, 0

    /* SIE = 1 but SSIE = 0: not taken (an unexpected trap would fail the run). */
    csrsi sip, SIP_SSIP
    csrsi sstatus, SSTATUS_SIE
    nop
    nop
    csrci sstatus, SSTATUS_SIE
    csrci sip, SIP_SSIP

    /* In VU an enabled interrupt is taken whatever SIE (here 0). */
    csrsi sie, SIE_SSIE
    csrsi sip, SIP_SSIP
    EXPECT_TRAP_AT CAUSE_S_SOFT_INT, 1f
    ENTER_VU user_spin
1:  TRAPPED CAUSE_S_SOFT_INT, user_spin
    TRAP_FIELD t5, TA_LAST_STATUS
    andi t5, t5, SSTATUS_SPP
    CHECK t5, 0
    csrci sip, SIP_SSIP

    /* SSI and STI both pending and enabled: SSI first, then STI. */
    WRITE_STIMECMP zero, zero       /* deadline 0: the timer is pending at once */
    csrr s1, sip
    CHECK s1, SIP_STIP
    csrsi sip, SIP_SSIP
    li s2, SIE_SSIE | SIE_STIE
    csrs sie, s2
    TRAP_FIELD s3, TA_TRAP_COUNT
    EXPECT_TRAP CAUSE_S_SOFT_INT
    EXPECT_THEN CAUSE_S_TIMER_INT
    csrsi sstatus, SSTATUS_SIE
both_taken_here:
    nop
    TRAPPED CAUSE_S_TIMER_INT, both_taken_here
    TRAP_FIELD t5, TA_TRAP_COUNT
    addi s3, s3, 2
    CHECK_EQ t5, s3
    csrci sstatus, SSTATUS_SIE
    csrci sip, SIP_SSIP
    li s0, -1
    WRITE_STIMECMP s0, s0
    csrr s1, sip
    CHECK s1, 0

    PRINTLN "ssi ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

user_spin:
    j user_spin
