// hvcosim-covers: VS timer interrupt through Sstc (the guest writes stimecmp directly): not pending before the deadline, pending after it (sip.STIP) but masked by SIE = 0, taken once SIE = 1 (vscause 0x80000005), cleared by writing a later stimecmp; vectored stvec (exceptions enter at BASE, the timer at BASE + 4*5); WFI in VS returning once the timer is pending (SIE = 0: no trap; SIE = 1: the trap follows the WFI, vsepc = the instruction after it) with time past the deadline; WFI in VU (taken in VU).
// hvcosim-expect: exit=0 stdout-contains="sstc timer ok"
#include "hvguest.h"

/* deadline (s2:s3) = time + delta, 64-bit. */
.macro DEADLINE_IN delta
    READ_TIME s2, s3
    li t4, \delta
    add t5, s2, t4
    sltu t4, t5, s2
    add s3, s3, t4
    mv s2, t5
.endm

/* Fail unless time >= the deadline in s2:s3 (compared as 64-bit). */
.macro CHECK_TIME_PAST_DEADLINE
    READ_TIME s4, s5
    sltu t4, s5, s3                 /* hi < deadline hi: too early */
    CHECK t4, 0
    bne s5, s3, .Lpast\@
    sltu t4, s4, s2
    CHECK t4, 0
.Lpast\@:
.endm

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)
    csrw sie, zero
    csrci sstatus, SSTATUS_SIE

    /* Deadline ahead: not pending yet. */
    DEADLINE_IN 400
    WRITE_STIMECMP s2, s3
    csrr s1, sip
    CHECK s1, 0

    /* Spin (SIE = 0, STIE = 1) until it is pending; it is never taken meanwhile. */
    CSR_SET sie, SIE_STIE
    li s6, 2000
1:  csrr s1, sip
    andi s1, s1, SIP_STIP
    bnez s1, 2f
    addi s6, s6, -1
    bnez s6, 1b
    UNREACHABLE                     /* the deadline never came */
2:  CHECK_TIME_PAST_DEADLINE

    /* SIE = 1: taken at once. */
    EXPECT_TRAP CAUSE_S_TIMER_INT
    csrsi sstatus, SSTATUS_SIE
timer_taken_here:
    nop
    TRAPPED CAUSE_S_TIMER_INT, timer_taken_here
    CHECK t5, 0
    csrci sstatus, SSTATUS_SIE
    /* Still pending (the handler only masked STIE) until stimecmp moves on. */
    csrr s1, sip
    CHECK s1, SIP_STIP
    li s0, -1
    WRITE_STIMECMP s0, s0
    csrr s1, sip
    CHECK s1, 0

    /* Vectored mode: an exception enters at BASE, the timer interrupt at BASE + 4 * 5. */
    la s0, vector_table + 1
    csrw stvec, s0
    EXPECT_TRAP CAUSE_BREAKPOINT
vectored_ebreak:
    ebreak
    TRAPPED CAUSE_BREAKPOINT, vectored_ebreak
    la s1, vector_marker
    lw s1, 0(s1)
    CHECK s1, 0
    la s1, vector_marker
    li t0, 0xffffffff
    sw t0, 0(s1)
    DEADLINE_IN 300
    WRITE_STIMECMP s2, s3
    CSR_SET sie, SIE_STIE
    EXPECT_TRAP CAUSE_S_TIMER_INT
    csrsi sstatus, SSTATUS_SIE
    li s6, 2000
3:  la s1, vector_marker
    lw s1, 0(s1)
    addi s1, s1, 1                  /* still 0xffffffff: not taken yet */
    bnez s1, 4f
    addi s6, s6, -1
    bnez s6, 3b
    UNREACHABLE
4:  csrci sstatus, SSTATUS_SIE
    EXPECTATION_MET
    CHECK s1, 5 + 1
    la s0, trap_entry
    csrw stvec, s0
    li s0, -1
    WRITE_STIMECMP s0, s0

    /* WFI with SIE = 0: returns once the timer is pending, no trap. */
    DEADLINE_IN 5000
    WRITE_STIMECMP s2, s3
    CSR_SET sie, SIE_STIE
    wfi
    csrr s1, sip
    CHECK s1, SIP_STIP
    CHECK_TIME_PAST_DEADLINE

    /* WFI with SIE = 1: the trap is taken right after the WFI. */
    DEADLINE_IN 5000
    WRITE_STIMECMP s2, s3
    CSR_SET sie, SIE_STIE
    EXPECT_TRAP CAUSE_S_TIMER_INT
    csrsi sstatus, SSTATUS_SIE
    wfi
after_wfi:
    nop
    TRAPPED CAUSE_S_TIMER_INT, after_wfi
    csrci sstatus, SSTATUS_SIE
    CHECK_TIME_PAST_DEADLINE

    /* WFI in VU: the interrupt is taken in VU right after it. */
    DEADLINE_IN 5000
    WRITE_STIMECMP s2, s3
    CSR_SET sie, SIE_STIE
    EXPECT_TRAP_AT CAUSE_S_TIMER_INT, 5f
    ENTER_VU user_wfi
5:  TRAPPED CAUSE_S_TIMER_INT, user_after_wfi
    CHECK_TIME_PAST_DEADLINE
    li s0, -1
    WRITE_STIMECMP s0, s0

    PRINTLN "sstc timer ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

user_wfi:
    wfi
user_after_wfi:
    j user_after_wfi

/* Vectored table: entry i records i in vector_marker, then enters the default handler,
 * so the guest sees which entry the hart chose (exceptions: 0, interrupts: the code). */
    .balign 64
vector_table:
    .irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    j vector_stub_\i
    .endr
    .irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
vector_stub_\i:
    csrrw t6, sscratch, t6
    sw t0, TA_SAVE_T0(t6)
    sw t1, TA_SAVE_T1(t6)
    la t0, vector_marker
    li t1, \i
    sw t1, 0(t0)
    lw t0, TA_SAVE_T0(t6)
    lw t1, TA_SAVE_T1(t6)
    csrrw t6, sscratch, t6
    j trap_entry
    .endr

    .data
vector_marker:
    .word 0xffffffff
