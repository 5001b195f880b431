// hvcosim-covers: functional-coverage corners the other guests leave (tb/coverage/plan.py): every register-register ALU/M instruction with operands 0, -1, INT_MIN and INT_MAX on each side, equal operands and rd equal to a source (values checked here by a running checksum and, in co-simulation, by the lockstep scoreboard); ALU, branch, M and fence instructions in VU; HLV/HLVX/HSV from VS and VU and S-level CSR accesses from VU (virtual-instruction exits the VMM answers with an illegal-instruction trap, as KVM does); senvcfg written in VS; a misaligned fetch in VU (delegated); half and word UART MMIO loads and stores.
// hvcosim-expect: exit=0 stdout-contains="coverage corners ok"
#include "hvguest.h"

/* op with every corner: rs1/rs2 in {0, -1, INT_MIN, INT_MAX}, equal operands, rd = rs1.
 * Every result is folded into s7 and stored (FOLD); main folds the stored words again and
 * checks both folds agree, and checks a few results it knows. */
.macro CORNERS op
    li s0, 0
    li s1, -1
    li s2, 0x80000000
    li s3, 0x7fffffff
    \op s4, s0, s1              /* rs1 0,       rs2 -1      */
    FOLD s4
    \op s4, s1, s2              /* rs1 -1,      rs2 INT_MIN */
    FOLD s4
    \op s4, s2, s3              /* rs1 INT_MIN, rs2 INT_MAX */
    FOLD s4
    \op s4, s3, s0              /* rs1 INT_MAX, rs2 0       */
    FOLD s4
    \op s4, s2, s2              /* equal operands           */
    FOLD s4
    \op s2, s2, s1              /* rd = rs1                 */
    FOLD s2
.endm

/* Fold a result into s7 and store it at s9 (s9 advances): main folds the stored words
 * again and checks both folds agree (a result lost or changed in between fails). */
.macro FOLD reg
    slli t0, s7, 5
    srli t1, s7, 27
    or s7, t0, t1
    xor s7, s7, \reg
    sw \reg, 0(s9)
    addi s9, s9, 4
.endm

/* Run the VU snippet at label; it must trap with cause at its first instruction. */
.macro VU_TRAPS_AT cause, label
    EXPECT_TRAP_AT \cause, .Lback\@
    ENTER_VU \label
.Lback\@:
    TRAPPED \cause, \label
.endm

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)

    /* ---- operand corners ---- */
    li s7, 0
    la s9, results
    CORNERS add
    CORNERS sub
    CORNERS sll
    CORNERS slt
    CORNERS sltu
    CORNERS xor
    CORNERS srl
    CORNERS sra
    CORNERS or
    CORNERS and
    CORNERS mul
    CORNERS mulh
    CORNERS mulhsu
    CORNERS mulhu
    CORNERS div
    CORNERS divu
    CORNERS rem
    CORNERS remu
    /* fold the stored results again: the two folds must agree */
    la s10, results
    li s8, 0
1:  lw s4, 0(s10)
    slli t0, s8, 5
    srli t1, s8, 27
    or s8, t0, t1
    xor s8, s8, s4
    addi s10, s10, 4
    bltu s10, s9, 1b
    CHECK_EQ s7, s8
    /* a few known results among them */
    li s0, 0x80000000
    li s1, -1
    div s4, s0, s1              /* signed overflow: INT_MIN */
    CHECK s4, 0x80000000
    li s3, 0x7fffffff
    mulhu s4, s3, s1            /* (2^31-1)(2^32-1) >> 32 = 2^31-2 */
    CHECK s4, 0x7ffffffe

    /* ---- ALU, branch, M and fence instructions in VU ---- */
    EXPECT_TRAP_AT CAUSE_USER_ECALL, 2f
    ENTER_VU vu_alu
2:  EXPECTATION_MET

    /* ---- a misaligned fetch in VU: delegated to the guest ---- */
    EXPECT_TRAP_AT CAUSE_MISALIGNED_FETCH, 3f
    ENTER_VU vu_misaligned_fetch
3:  EXPECTATION_MET

    /* ---- HLV/HLVX/HSV with V=1: virtual instruction, answered as illegal ---- */
    la a1, results
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
vs_hlv_b:
    .word 0x6005c573            /* hlv.b   a0, (a1) */
    TRAPPED CAUSE_ILLEGAL_INSN, vs_hlv_b
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
vs_hlvx_wu:
    .word 0x6835c573            /* hlvx.wu a0, (a1) */
    TRAPPED CAUSE_ILLEGAL_INSN, vs_hlvx_wu
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
vs_hsv_b:
    .word 0x62a5c073            /* hsv.b   a0, (a1) */
    TRAPPED CAUSE_ILLEGAL_INSN, vs_hsv_b
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_hlv_b
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_hlv_h
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_hlv_hu
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_hlvx_wu
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_hsv_b
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_hsv_h

    /* ---- S-level CSRs from VU: virtual instruction, answered as illegal ---- */
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_write_sstatus
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_write_sie
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_read_stvec
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_write_stvec
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_read_scounteren
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_write_scounteren
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_read_senvcfg
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_write_senvcfg
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_read_sepc
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_write_sepc
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_read_scause
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_write_scause
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_read_stval
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_write_stval
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_write_sip
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_read_stimecmph
    VU_TRAPS_AT CAUSE_ILLEGAL_INSN, vu_write_stimecmp

    /* ---- senvcfg written in VS (shared S CSR: done) ---- */
    csrr s0, senvcfg
    csrw senvcfg, s0
    csrr s1, senvcfg
    CHECK_EQ s1, s0

    /* ---- UART MMIO of every size: MCR and SCR written and read back ---- */
    li s0, UART_BASE
    li s1, 0x5a
    sb s1, 7(s0)                /* SCR */
    lbu s2, 7(s0)
    CHECK s2, 0x5a
    li s1, 0xa500               /* half at 6: MSR (ignored), SCR = 0xa5 */
    sh s1, 6(s0)
    lhu s2, 6(s0)
    srli s2, s2, 8
    CHECK s2, 0xa5
    li s1, 0x3c000000           /* word at 4: MCR = 0, LSR (read-only), MSR, SCR = 0x3c */
    sw s1, 4(s0)
    lw s2, 4(s0)
    srli s2, s2, 24
    CHECK s2, 0x3c
    lbu s2, 4(s0)               /* MCR */
    CHECK s2, 0

    PRINTLN "coverage corners ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

/* VU snippets. */
vu_alu:
    li a0, 5
    li a1, -3
    blt a1, a0, 1f
    UNREACHABLE
1:  xori a2, a0, 0x7f
    andi a2, a2, 0x3c
    sub a3, a0, a1
    sra a3, a1, a0
    divu a4, a0, a1
    rem a4, a1, a0
    fence
    ecall

vu_misaligned_fetch:
    la a0, vu_misaligned_target
    addi a0, a0, 2
    jr a0
    UNREACHABLE
vu_misaligned_target:
    UNREACHABLE

vu_hlv_b:
    .word 0x6005c573            /* hlv.b   a0, (a1) */
    UNREACHABLE
vu_hlv_h:
    .word 0x6405c573            /* hlv.h   a0, (a1) */
    UNREACHABLE
vu_hlv_hu:
    .word 0x6415c573            /* hlv.hu  a0, (a1) */
    UNREACHABLE
vu_hlvx_wu:
    .word 0x6835c573            /* hlvx.wu a0, (a1) */
    UNREACHABLE
vu_hsv_b:
    .word 0x62a5c073            /* hsv.b   a0, (a1) */
    UNREACHABLE
vu_hsv_h:
    .word 0x66a5c073            /* hsv.h   a0, (a1) */
    UNREACHABLE

vu_write_sstatus:
    csrw sstatus, zero
    UNREACHABLE
vu_write_sie:
    csrw sie, zero
    UNREACHABLE
vu_read_stvec:
    csrr a0, stvec
    UNREACHABLE
vu_write_stvec:
    csrw stvec, zero
    UNREACHABLE
vu_read_scounteren:
    csrr a0, scounteren
    UNREACHABLE
vu_write_scounteren:
    csrw scounteren, zero
    UNREACHABLE
vu_read_senvcfg:
    csrr a0, senvcfg
    UNREACHABLE
vu_write_senvcfg:
    csrw senvcfg, zero
    UNREACHABLE
vu_read_sepc:
    csrr a0, sepc
    UNREACHABLE
vu_write_sepc:
    csrw sepc, zero
    UNREACHABLE
vu_read_scause:
    csrr a0, scause
    UNREACHABLE
vu_write_scause:
    csrw scause, zero
    UNREACHABLE
vu_read_stval:
    csrr a0, stval
    UNREACHABLE
vu_write_stval:
    csrw stval, zero
    UNREACHABLE
vu_write_sip:
    csrw sip, zero
    UNREACHABLE
vu_read_stimecmph:
    csrr a0, 0x15d              /* stimecmph */
    UNREACHABLE
vu_write_stimecmp:
    csrw 0x14d, zero            /* stimecmp */
    UNREACHABLE

    .data
    .balign 4
results:
    .space 18 * 6 * 4
