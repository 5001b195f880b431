// hvcosim-covers: CSR access rules from VS and VU for every CSR the guest can name. VS: sstatus (exactly SIE/SPIE/SPP/SUM/MXR writable), sie (SSIE/STIE/SEIE), sip (only SSIP writable), stvec (direct and vectored), sscratch, sepc (low bits read 0), scause, stval, satp (Bare at start), scounteren, senvcfg, stimecmp/stimecmph, cycle/time/instret(+h) readable (hcounteren); CSRRW/CSRRS/CSRRC and immediate forms return the old value; instret counts exactly. Illegal instruction (2, delegated): M-level CSRs (mstatus, misa, mepc, mhartid), unimplemented (hpmcounter3, 0x5C0), writes to read-only counters including CSRRS with a zero-valued rs1 other than x0. VU: counters readable with scounteren set, M-level/unimplemented CSRs and counter writes illegal. Virtual-instruction cases exit to the VMM: see virtual_instruction.
// hvcosim-expect: exit=0 stdout-contains="csr access ok"
#include "hvguest.h"

/* The instruction at the label must have trapped with illegal-instruction, with
 * vstval = its instruction word or 0. */
.macro EXPECT_ILLEGAL label
    TRAPPED CAUSE_ILLEGAL_INSN, \label
    beqz t5, .Lok\@
    la t4, \label
    lw t4, 0(t4)
    CHECK_EQ t5, t4
.Lok\@:
.endm

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)

    /* A timer deadline in the far future, so that sip.STIP stays clear. */
    li s0, -1
    WRITE_STIMECMP s0, s0

    /* ---- sscratch: full read/write, and the CSR instruction forms ---- */
    csrr s11, sscratch              /* the trap area pointer: restored below */
    li s0, 0xdeadbeef
    csrrw s1, sscratch, s0
    CHECK_EQ s1, s11
    csrr s1, sscratch
    CHECK s1, 0xdeadbeef
    li s0, 0x0000ffff
    csrrc s1, sscratch, s0          /* returns the old value, clears the bits */
    CHECK s1, 0xdeadbeef
    csrr s1, sscratch
    CHECK s1, 0xdead0000
    li s0, 0x00000110
    csrrs s1, sscratch, s0
    CHECK s1, 0xdead0000
    csrr s1, sscratch
    CHECK s1, 0xdead0110
    csrrwi s1, sscratch, 0x1f
    CHECK s1, 0xdead0110
    csrrsi s1, sscratch, 0x10
    CHECK s1, 0x1f
    csrrci s1, sscratch, 0x3
    CHECK s1, 0x1f
    csrr s1, sscratch
    CHECK s1, 0x1c
    csrw sscratch, s11

    /* ---- sstatus: exactly SIE, SPIE, SPP, SUM and MXR are writable ---- */
    csrw sie, zero                  /* nothing enabled, so SIE = 1 takes no interrupt */
    csrr s10, sstatus
    li s0, -1
    csrw sstatus, s0
    csrr s1, sstatus
    CHECK s1, SSTATUS_IMPLEMENTED
    csrw sstatus, zero
    csrr s1, sstatus
    CHECK s1, 0
    li s0, SSTATUS_SUM
    csrs sstatus, s0
    csrr s1, sstatus
    CHECK s1, SSTATUS_SUM
    csrw sstatus, s10

    /* ---- sie: SSIE, STIE, SEIE (all three delegated by hideleg) ---- */
    li s0, -1
    csrw sie, s0
    csrr s1, sie
    CHECK s1, SIE_SSIE | SIE_STIE | SIE_SEIE
    csrw sie, zero
    csrr s1, sie
    CHECK s1, 0

    /* ---- sip: only SSIP is writable; STIP/SEIP are not pending ---- */
    li s0, -1
    csrw sip, s0
    csrr s1, sip
    CHECK s1, SIP_SSIP
    csrw sip, zero
    csrr s1, sip
    CHECK s1, 0

    /* ---- stvec: direct and vectored modes read back ---- */
    csrr s10, stvec
    la s0, trap_entry
    CHECK_EQ s10, s0
    la s0, vector_base + 1
    csrw stvec, s0
    csrr s1, stvec
    CHECK_EQ s1, s0
    la s0, vector_base
    csrw stvec, s0
    csrr s1, stvec
    CHECK_EQ s1, s0
    csrw stvec, s10

    /* ---- sepc: with IALIGN = 32, bits 1:0 read as 0 ---- */
    li s0, 0x80001237
    csrw sepc, s0
    csrr s1, sepc
    CHECK s1, 0x80001234
    li s0, 0xfffffffc
    csrw sepc, s0
    csrr s1, sepc
    CHECK s1, 0xfffffffc

    /* ---- scause, stval ---- */
    li s0, 13
    csrw scause, s0
    csrr s1, scause
    CHECK s1, 13
    li s0, CAUSE_S_TIMER_INT
    csrw scause, s0
    csrr s1, scause
    CHECK s1, CAUSE_S_TIMER_INT
    li s0, 0xa5a5a5a5
    csrw stval, s0
    csrr s1, stval
    CHECK s1, 0xa5a5a5a5

    /* ---- satp is Bare at start (DESIGN: vsatp = 0) ---- */
    csrr s1, satp
    CHECK s1, 0

    /* ---- scounteren: CY, TM, IR writable; senvcfg readable ---- */
    li s0, 7
    csrw scounteren, s0
    csrr s1, scounteren
    andi s1, s1, 7
    CHECK s1, 7
    csrr s1, CSR_SENVCFG

    /* ---- stimecmp / stimecmph read back ---- */
    li s0, 0x12345678
    li s2, 0x9abcdef0
    WRITE_STIMECMP s0, s2
    csrr s1, CSR_STIMECMP
    CHECK s1, 0x12345678
    csrr s1, CSR_STIMECMPH
    CHECK s1, 0x9abcdef0
    li s0, -1
    WRITE_STIMECMP s0, s0

    /* ---- counters: readable from VS; instret counts retirements exactly ---- */
    csrr s0, instret
    nop
    nop
    nop
    csrr s1, instret
    sub s1, s1, s0
    CHECK s1, 4
    csrr s0, time
    nop
    nop
    nop
    csrr s1, time
    sub s1, s1, s0
    sltiu s1, s1, 4                 /* time advances at least once per retirement */
    CHECK s1, 0
    csrr s0, cycle
    nop
    csrr s1, cycle
    sltu s1, s0, s1
    CHECK s1, 1
    csrr s1, cycleh
    csrr s1, timeh
    csrr s1, instreth
    csrrsi s1, time, 0              /* CSRRSI with uimm 0 does not write: legal on a read-only CSR */
    csrrc s1, instret, x0           /* likewise with rs1 = x0 */

    /* ---- illegal instruction from VS (delegated, cause 2) ---- */
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
ill_misa:
    csrr s1, misa
    EXPECT_ILLEGAL ill_misa
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
ill_mepc:
    csrw mepc, s0
    EXPECT_ILLEGAL ill_mepc
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
ill_mhartid:
    csrr s1, mhartid
    EXPECT_ILLEGAL ill_mhartid
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
ill_hpm3:
    csrr s1, hpmcounter3
    EXPECT_ILLEGAL ill_hpm3
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
ill_custom:
    csrr s1, 0x5c0
    EXPECT_ILLEGAL ill_custom
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
ill_write_cycle:
    csrw cycle, s0
    EXPECT_ILLEGAL ill_write_cycle
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
ill_write_time:
    csrwi time, 1
    EXPECT_ILLEGAL ill_write_time
    li s3, 0
    EXPECT_TRAP CAUSE_ILLEGAL_INSN
ill_set_instret:
    csrrs s1, instret, s3           /* rs1 != x0 is a write, even of zero bits */
    EXPECT_ILLEGAL ill_set_instret

    /* ---- VU ---- */
    li s0, 7
    csrw scounteren, s0
    la s4, user_results
    EXPECT_TRAP_AT CAUSE_USER_ECALL, 1f
    ENTER_VU user_counters
1:  lw s1, 0(s4)                    /* two time reads in VU, the second later */
    lw s2, 4(s4)
    sltu s5, s1, s2
    CHECK s5, 1
    lw s1, 8(s4)                    /* instret read in VU: nonzero after all this code */
    sltu s5, zero, s1
    CHECK s5, 1

    EXPECT_TRAP_AT CAUSE_ILLEGAL_INSN, 2f
    ENTER_VU user_mstatus
2:  TRAPPED CAUSE_ILLEGAL_INSN, user_mstatus
    TRAP_FIELD t5, TA_LAST_STATUS
    andi t5, t5, SSTATUS_SPP
    CHECK t5, 0
    EXPECT_TRAP_AT CAUSE_ILLEGAL_INSN, 3f
    ENTER_VU user_hpm3
3:  TRAPPED CAUSE_ILLEGAL_INSN, user_hpm3
    EXPECT_TRAP_AT CAUSE_ILLEGAL_INSN, 4f
    ENTER_VU user_custom
4:  TRAPPED CAUSE_ILLEGAL_INSN, user_custom
    EXPECT_TRAP_AT CAUSE_ILLEGAL_INSN, 5f
    ENTER_VU user_write_cycle
5:  TRAPPED CAUSE_ILLEGAL_INSN, user_write_cycle

    PRINTLN "csr access ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

/* VU snippets. */
user_counters:
    la a0, user_results
    csrr a1, time
    sw a1, 0(a0)
    nop
    csrr a1, time
    sw a1, 4(a0)
    csrr a1, instret
    sw a1, 8(a0)
    csrr a1, cycle
    csrr a1, timeh
    ecall
user_mstatus:
    csrr a1, mstatus
    UNREACHABLE
user_hpm3:
    csrr a1, hpmcounter3
    UNREACHABLE
user_custom:
    csrr a1, 0x5c0
    UNREACHABLE
user_write_cycle:
    csrw cycle, a1
    UNREACHABLE

    .balign 64
vector_base:
    j trap_entry

    .data
user_results:
    .space 16
