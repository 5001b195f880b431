// hvcosim-covers: virtual-instruction exits (cause 22, never delegated) answered by the VMM's policy (vmm_model/vmm/exits.py, as KVM does): the guest sees an illegal-instruction trap (2) with vstval = the instruction word. From VS: a VS CSR by its own address (vsstatus 0x200), hypervisor CSRs (hstatus, hgatp), HLV.W, HSV.W, HFENCE.VVMA/GVMA. From VU: an S CSR (sstatus), SRET, SFENCE.VMA, and a counter with scounteren.TM = 0.
// hvcosim-expect: exit=0 stdout-contains="virtual instruction ok"
#include "hvguest.h"

/* The instruction at the label was answered with illegal-instruction, vstval = its word. */
.macro ANSWERED_ILLEGAL label
    TRAPPED CAUSE_ILLEGAL_INSN, \label
    la t4, \label
    lw t4, 0(t4)
    CHECK_EQ t5, t4
.endm

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)
    la s0, scratch

    EXPECT_TRAP CAUSE_ILLEGAL_INSN
vs_vsstatus:
    csrr s1, 0x200
    ANSWERED_ILLEGAL vs_vsstatus
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
vs_hstatus:
    csrr s1, 0x600
    ANSWERED_ILLEGAL vs_hstatus
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
vs_hgatp:
    csrw 0x680, zero
    ANSWERED_ILLEGAL vs_hgatp
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
vs_hlv:
    .word 0x68044973                /* hlv.w s2, (s0) */
    ANSWERED_ILLEGAL vs_hlv
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
vs_hsv:
    .word 0x6a944073                /* hsv.w s1, (s0) */
    ANSWERED_ILLEGAL vs_hsv
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
vs_hfence_vvma:
    .word 0x22000073                /* hfence.vvma zero, zero */
    ANSWERED_ILLEGAL vs_hfence_vvma
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
vs_hfence_gvma:
    .word 0x62000073                /* hfence.gvma zero, zero */
    ANSWERED_ILLEGAL vs_hfence_gvma

    /* From VU (the injected trap records SPP = 0). */
    EXPECT_TRAP_AT CAUSE_ILLEGAL_INSN, 1f
    ENTER_VU vu_sstatus
1:  ANSWERED_ILLEGAL vu_sstatus
    TRAP_FIELD t5, TA_LAST_STATUS
    andi t5, t5, SSTATUS_SPP
    CHECK t5, 0
    EXPECT_TRAP_AT CAUSE_ILLEGAL_INSN, 2f
    ENTER_VU vu_sret
2:  ANSWERED_ILLEGAL vu_sret
    EXPECT_TRAP_AT CAUSE_ILLEGAL_INSN, 3f
    ENTER_VU vu_sfence
3:  ANSWERED_ILLEGAL vu_sfence
    csrw scounteren, zero           /* hcounteren allows time, scounteren does not */
    EXPECT_TRAP_AT CAUSE_ILLEGAL_INSN, 4f
    ENTER_VU vu_time
4:  ANSWERED_ILLEGAL vu_time

    PRINTLN "virtual instruction ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

vu_sstatus:
    csrr a1, sstatus
    UNREACHABLE
vu_sret:
    sret
    UNREACHABLE
vu_sfence:
    sfence.vma
    UNREACHABLE
vu_time:
    csrr a1, time
    UNREACHABLE

    .data
scratch: .word 0
