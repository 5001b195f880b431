// hvcosim-covers: the delegated exceptions arriving in the VS handler with vscause/vsepc/vstval and vsstatus.SPP/SPIE: illegal instruction (2; all-zero word, reserved SRAI encoding, MRET, an M-level CSR), breakpoint (3), misaligned load/store (4/6, vstval = the exact address, every misaligned offset), misaligned fetch (0) from JAL, JALR and a taken branch (vsepc = the jump, vstval = the target; a not-taken branch does not trap), ecall from VU (8); SRET back to VS and to VU.
// hvcosim-expect: exit=0 stdout-contains="delegated traps ok"
#include "hvguest.h"

/* Fail unless vstval (in t5 after TRAPPED) is the instruction word or 0 (both are allowed). */
.macro CHECK_TVAL_INSN_OR_ZERO insn
    beqz t5, .Ltval_ok\@
    CHECK t5, \insn
.Ltval_ok\@:
.endm

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)

    /* --- illegal instruction (2) --- */
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
illegal_zero:
    .word 0x00000000
    TRAPPED CAUSE_ILLEGAL_INSN, illegal_zero
    CHECK_TVAL_INSN_OR_ZERO 0x00000000
    /* The trap came from VS: SPP = 1.  SIE was 0, so SPIE = 0. */
    TRAP_FIELD t5, TA_LAST_STATUS
    andi t5, t5, SSTATUS_SPP | SSTATUS_SPIE
    CHECK t5, SSTATUS_SPP

    EXPECT_TRAP CAUSE_ILLEGAL_INSN
illegal_srai:
    .word 0x42055513                /* srai a0, a0, 32: shamt[5] = 1 is reserved on RV32 */
    TRAPPED CAUSE_ILLEGAL_INSN, illegal_srai
    CHECK_TVAL_INSN_OR_ZERO 0x42055513

    EXPECT_TRAP CAUSE_ILLEGAL_INSN
illegal_mret:
    .word 0x30200073                /* mret */
    TRAPPED CAUSE_ILLEGAL_INSN, illegal_mret
    CHECK_TVAL_INSN_OR_ZERO 0x30200073

    EXPECT_TRAP CAUSE_ILLEGAL_INSN
illegal_mstatus:
    csrr a0, CSR_MSTATUS            /* 0x30002573 */
    TRAPPED CAUSE_ILLEGAL_INSN, illegal_mstatus
    CHECK_TVAL_INSN_OR_ZERO 0x30002573

    /* --- breakpoint (3): vstval is the pc or 0 --- */
    EXPECT_TRAP CAUSE_BREAKPOINT
breakpoint:
    ebreak
    TRAPPED CAUSE_BREAKPOINT, breakpoint
    beqz t5, 1f
    CHECK_LA t5, breakpoint
1:

    /* --- misaligned loads (4): vstval = the address, the destination is not written --- */
    la s0, data_words
    li s1, 0x5a5a5a5a
    EXPECT_TRAP CAUSE_MISALIGNED_LOAD
load_w1:
    lw s1, 1(s0)
    TRAPPED CAUSE_MISALIGNED_LOAD, load_w1
    addi s2, s0, 1
    CHECK_EQ t5, s2
    CHECK s1, 0x5a5a5a5a
    EXPECT_TRAP CAUSE_MISALIGNED_LOAD
load_w2:
    lw s1, 2(s0)
    TRAPPED CAUSE_MISALIGNED_LOAD, load_w2
    addi s2, s0, 2
    CHECK_EQ t5, s2
    EXPECT_TRAP CAUSE_MISALIGNED_LOAD
load_w3:
    lw s1, 3(s0)
    TRAPPED CAUSE_MISALIGNED_LOAD, load_w3
    addi s2, s0, 3
    CHECK_EQ t5, s2
    EXPECT_TRAP CAUSE_MISALIGNED_LOAD
load_h1:
    lh s1, 1(s0)
    TRAPPED CAUSE_MISALIGNED_LOAD, load_h1
    addi s2, s0, 1
    CHECK_EQ t5, s2
    EXPECT_TRAP CAUSE_MISALIGNED_LOAD
load_hu3:
    lhu s1, 3(s0)
    TRAPPED CAUSE_MISALIGNED_LOAD, load_hu3
    addi s2, s0, 3
    CHECK_EQ t5, s2
    CHECK s1, 0x5a5a5a5a
    /* Aligned halves and any byte are fine. */
    lhu s1, 2(s0)
    CHECK s1, 0x1122
    lbu s1, 3(s0)
    CHECK s1, 0x11

    /* --- misaligned stores (6): memory unchanged --- */
    li s3, 0xdeadbeef
    EXPECT_TRAP CAUSE_MISALIGNED_STORE
store_w1:
    sw s3, 1(s0)
    TRAPPED CAUSE_MISALIGNED_STORE, store_w1
    addi s2, s0, 1
    CHECK_EQ t5, s2
    EXPECT_TRAP CAUSE_MISALIGNED_STORE
store_w2:
    sw s3, 6(s0)
    TRAPPED CAUSE_MISALIGNED_STORE, store_w2
    addi s2, s0, 6
    CHECK_EQ t5, s2
    EXPECT_TRAP CAUSE_MISALIGNED_STORE
store_h3:
    sh s3, 3(s0)
    TRAPPED CAUSE_MISALIGNED_STORE, store_h3
    addi s2, s0, 3
    CHECK_EQ t5, s2
    lw s1, 0(s0)
    CHECK s1, 0x11223344
    lw s1, 4(s0)
    CHECK s1, 0x55667788

    /* --- misaligned fetch (0): reported on the jump, vstval = the target --- */
    EXPECT_TRAP_AT CAUSE_MISALIGNED_FETCH, 2f
    la s4, misaligned_target
jalr_misaligned:
    jalr s5, 2(s4)                  /* target has bit 1 set */
    UNREACHABLE
2:  TRAPPED CAUSE_MISALIGNED_FETCH, jalr_misaligned
    la s2, misaligned_target + 2
    CHECK_EQ t5, s2

    EXPECT_TRAP_AT CAUSE_MISALIGNED_FETCH, 3f
jal_misaligned:
    .word 0x0060006f                /* jal x0, +6 */
    UNREACHABLE
3:  TRAPPED CAUSE_MISALIGNED_FETCH, jal_misaligned
    la s2, jal_misaligned + 6
    CHECK_EQ t5, s2

    EXPECT_TRAP_AT CAUSE_MISALIGNED_FETCH, 4f
beq_misaligned:
    .word 0x00000363                /* beq x0, x0, +6 (taken) */
    UNREACHABLE
4:  TRAPPED CAUSE_MISALIGNED_FETCH, beq_misaligned
    la s2, beq_misaligned + 6
    CHECK_EQ t5, s2

    /* A branch that is not taken does not check its target (no trap is expected here). */
    .word 0x00001363                /* bne x0, x0, +6 (not taken) */

    /* --- ecall from VU (8): vsepc = the ecall, vstval = 0, SPP = 0 --- */
    EXPECT_TRAP_AT CAUSE_USER_ECALL, 5f
    ENTER_VU user_code
5:  TRAPPED CAUSE_USER_ECALL, user_ecall
    CHECK t5, 0
    TRAP_FIELD t5, TA_LAST_STATUS
    andi t5, t5, SSTATUS_SPP
    CHECK t5, 0
    /* The user code ran: it wrote its marker. */
    la s2, user_marker
    lw s2, 0(s2)
    CHECK s2, 0x600d

    /* An illegal instruction in VU also goes to the VS handler, SPP = 0. */
    EXPECT_TRAP_AT CAUSE_ILLEGAL_INSN, 6f
    ENTER_VU user_illegal
6:  TRAPPED CAUSE_ILLEGAL_INSN, user_illegal
    TRAP_FIELD t5, TA_LAST_STATUS
    andi t5, t5, SSTATUS_SPP
    CHECK t5, 0

    /* An ebreak in VU, resumed in VU (SRET with SPP = 0), then an ecall back. */
    TRAP_FIELD s6, TA_TRAP_COUNT
    EXPECT_TRAP CAUSE_BREAKPOINT
    EXPECT_THEN_AT CAUSE_USER_ECALL, 7f
    ENTER_VU user_ebreak
7:  TRAPPED CAUSE_USER_ECALL, user_ecall_after_ebreak
    TRAP_FIELD t5, TA_TRAP_COUNT
    addi s6, s6, 2                  /* exactly the two traps */
    CHECK_EQ t5, s6

    /* SPIE records SIE of the trapped context: set SIE (nothing is pending or enabled). */
    csrw sie, zero
    csrsi sstatus, SSTATUS_SIE
    EXPECT_TRAP CAUSE_BREAKPOINT
spie_break:
    ebreak
    TRAPPED CAUSE_BREAKPOINT, spie_break
    TRAP_FIELD t5, TA_LAST_STATUS
    andi t5, t5, SSTATUS_SPIE | SSTATUS_SIE
    CHECK t5, SSTATUS_SPIE          /* trap entry: SPIE = old SIE = 1, SIE = 0 */
    csrr t5, sstatus
    andi t5, t5, SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP
    CHECK t5, SSTATUS_SIE | SSTATUS_SPIE   /* SRET: SIE = SPIE, SPIE = 1, SPP = 0 */
    csrci sstatus, SSTATUS_SIE

    PRINTLN "delegated traps ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

/* VU snippets: they only store, results are checked back in VS. */
user_code:
    la a0, user_marker
    li a1, 0x600d
    sw a1, 0(a0)
user_ecall:
    ecall
    UNREACHABLE

user_illegal:
    .word 0x30200073                /* mret is illegal in VU too */
    UNREACHABLE

user_ebreak:
    ebreak
    /* resumed here in VU by the handler (EXPECT_TRAP: same mode, next instruction) */
user_ecall_after_ebreak:
    ecall
    UNREACHABLE

    .balign 4
misaligned_target:
    nop
    nop

    .data
    .balign 4
data_words:
    .word 0x11223344
    .word 0x55667788
user_marker:
    .word 0
