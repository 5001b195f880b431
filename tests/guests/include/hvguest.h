/*
 * hvguest.h - constants and assembler macros shared by every guest program.
 *
 * Included (through the C preprocessor) by the guest sources in tests/guests/
 * and by common/crt.S.  The run-time routines the macros call live in crt.S.
 *
 * Register conventions of the macros:
 *   - t4, t5, t6 (x29-x31) are macro scratch: CHECK*, EXPECT_*, TRAPPED,
 *     ENTER_VU, CSR_SET/CSR_CLEAR, WRITE_STIMECMP, READ_TIME clobber them.
 *     Guest code keeps its own values elsewhere.
 *   - PRINT and SBI_* macros preserve everything except what an SBI call
 *     returns in (a0, a1) for SBI_CALL; PRINT preserves all registers.
 *   - sscratch holds the hart's trap area (see TA_*); a guest that uses
 *     sscratch itself must restore it before the next trap.
 *   - sp is a valid stack on every hart at all times.
 */
#ifndef HVGUEST_H
#define HVGUEST_H

#define MAX_HARTS        4
#define STACK_SIZE       4096
#define TRAP_AREA_SIZE   64

/* Guest platform (DESIGN.md section 3, vmm_model/platform.py). */
#define RAM_BASE         0x80000000
#define RAM_SIZE_DEFAULT 0x01000000
#define UART_BASE        0x10000000
#define UART_THR         0
#define UART_RBR         0
#define UART_LSR         5
#define UART_LSR_DR      0x01
#define UART_LSR_THRE    0x20
#define PAGE_SIZE        4096
#define MEGAPAGE_SIZE    0x00400000

/* SBI extensions and functions. */
#define SBI_EXT_BASE     0x10
#define SBI_EXT_TIME     0x54494D45
#define SBI_EXT_SRST     0x53525354
#define SBI_EXT_DBCN     0x4442434E
#define SBI_EXT_HSM      0x48534D
#define SBI_LEGACY_SET_TIMER 0x00
#define SBI_LEGACY_PUTCHAR   0x01
#define SBI_LEGACY_GETCHAR   0x02
#define SBI_LEGACY_SHUTDOWN  0x08

#define SBI_BASE_GET_SPEC_VERSION 0
#define SBI_BASE_GET_IMPL_ID      1
#define SBI_BASE_GET_IMPL_VERSION 2
#define SBI_BASE_PROBE_EXTENSION  3
#define SBI_BASE_GET_MVENDORID    4
#define SBI_BASE_GET_MARCHID      5
#define SBI_BASE_GET_MIMPID       6
#define SBI_TIME_SET_TIMER        0
#define SBI_SRST_SYSTEM_RESET     0
#define SBI_DBCN_WRITE            0
#define SBI_DBCN_READ             1
#define SBI_DBCN_WRITE_BYTE       2
#define SBI_HSM_HART_START        0
#define SBI_HSM_HART_STOP         1
#define SBI_HSM_HART_GET_STATUS   2

#define SBI_SUCCESS             0
#define SBI_ERR_FAILED         -1
#define SBI_ERR_NOT_SUPPORTED  -2
#define SBI_ERR_INVALID_PARAM  -3
#define SBI_ERR_ALREADY_AVAILABLE -6

#define HSM_STATE_STARTED       0
#define HSM_STATE_STOPPED       1
#define HSM_STATE_START_PENDING 2
#define HSM_STATE_STOP_PENDING  3

/* CSR numbers (the S-level names; V=1 redirects them to the VS copies). */
#define CSR_SSTATUS    0x100
#define CSR_SIE        0x104
#define CSR_STVEC      0x105
#define CSR_SCOUNTEREN 0x106
#define CSR_SENVCFG    0x10A
#define CSR_SSCRATCH   0x140
#define CSR_SEPC       0x141
#define CSR_SCAUSE     0x142
#define CSR_STVAL      0x143
#define CSR_SIP        0x144
#define CSR_STIMECMP   0x14D
#define CSR_STIMECMPH  0x15D
#define CSR_SATP       0x180
#define CSR_CYCLE      0xC00
#define CSR_TIME       0xC01
#define CSR_INSTRET    0xC02
#define CSR_HPMCOUNTER3 0xC03
#define CSR_CYCLEH     0xC80
#define CSR_TIMEH      0xC81
#define CSR_INSTRETH   0xC82
#define CSR_MSTATUS    0x300
#define CSR_MISA       0x301
#define CSR_MEPC       0x341
#define CSR_MHARTID    0xF14

#define SSTATUS_SIE  0x00000002
#define SSTATUS_SPIE 0x00000020
#define SSTATUS_SPP  0x00000100
#define SSTATUS_SUM  0x00040000
#define SSTATUS_MXR  0x00080000
/* The bits an RV32IM VS hart implements in vsstatus (UBE, FS, VS, XS, SD, SPELP, SDT read 0). */
#define SSTATUS_IMPLEMENTED (SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_SUM | SSTATUS_MXR)

#define SIP_SSIP 0x002
#define SIP_STIP 0x020
#define SIP_SEIP 0x200
#define SIE_SSIE SIP_SSIP
#define SIE_STIE SIP_STIP
#define SIE_SEIE SIP_SEIP

#define SATP_MODE_SV32 0x80000000

/* Trap causes as the guest sees them (vscause). */
#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS     1
#define CAUSE_ILLEGAL_INSN     2
#define CAUSE_BREAKPOINT       3
#define CAUSE_MISALIGNED_LOAD  4
#define CAUSE_LOAD_ACCESS      5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS     7
#define CAUSE_USER_ECALL       8
#define CAUSE_FETCH_PAGE_FAULT 12
#define CAUSE_LOAD_PAGE_FAULT  13
#define CAUSE_STORE_PAGE_FAULT 15
#define CAUSE_INTERRUPT        0x80000000
#define CAUSE_S_SOFT_INT       (CAUSE_INTERRUPT | 1)
#define CAUSE_S_TIMER_INT      (CAUSE_INTERRUPT | 5)
#define CAUSE_S_EXT_INT        (CAUSE_INTERRUPT | 9)
#define NO_TRAP_EXPECTED       0xFFFFFFFF

/* Sv32 page-table entry bits. */
#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_G 0x20
#define PTE_A 0x40
#define PTE_D 0x80
/* A leaf PTE for physical address pa (4 KiB or 4 MiB aligned as the level requires). */
#define PTE_LEAF(pa, flags) ((((pa) >> 12) << 10) | (flags) | PTE_V)
#define PTE_TABLE(pa)       ((((pa) >> 12) << 10) | PTE_V)

/* Per-hart trap area (pointed to by sscratch), filled in by trap_entry. */
#define TA_SAVE_T0      0
#define TA_SAVE_T1      4
#define TA_SAVE_T2      8
#define TA_EXPECT_CAUSE 16   /* NO_TRAP_EXPECTED, or the one cause the next trap must have */
#define TA_EXPECT_RESUME 20  /* 0: resume after the trapping insn (interrupt: at vsepc); else a VS label */
#define TA_TRAP_COUNT   24
#define TA_LAST_CAUSE   28
#define TA_LAST_EPC     32
#define TA_LAST_TVAL    36
#define TA_LAST_STATUS  40   /* vsstatus as the handler found it (SPP, SPIE of the trap) */
#define TA_HART_ID      44
#define TA_NEXT_CAUSE   48   /* an expectation that becomes current once the current one is met */
#define TA_NEXT_RESUME  52

#ifdef __ASSEMBLER__

/* Numbers each CHECK so a failure names it ("CHECK #n"). */
.set __check_no, 0

/* a0..a5 = arguments, a7 = extension, a6 = function; returns a0 = error, a1 = value. */
.macro SBI_CALL ext, fid
    li a7, \ext
    li a6, \fid
    ecall
.endm

/* End the run: SRST shutdown with a reason (0 pass, 1 system failure).  Never returns. */
.macro SBI_SHUTDOWN reason
    li a0, 0
    li a1, \reason
    SBI_CALL SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET
.Lhang\@:
    j .Lhang\@
.endm

.macro PASS
    SBI_SHUTDOWN 0
.endm

.macro FAIL
    SBI_SHUTDOWN 1
.endm

/* Print a string on the debug console (SBI DBCN write).  Preserves every register. */
.macro PRINT str
    /* The length is stored before the text: li cannot take a cross-section difference. */
    .pushsection .rodata.str, "a"
    .balign 4
.Lstr_len\@:
    .word .Lstr_end\@ - .Lstr_len\@ - 4
    .ascii "\str"
.Lstr_end\@:
    .popsection
    addi sp, sp, -32
    sw a0, 0(sp)
    sw a1, 4(sp)
    sw a2, 8(sp)
    sw a6, 12(sp)
    sw a7, 16(sp)
    la a1, .Lstr_len\@
    lw a0, 0(a1)
    addi a1, a1, 4
    li a2, 0
    SBI_CALL SBI_EXT_DBCN, SBI_DBCN_WRITE
    lw a0, 0(sp)
    lw a1, 4(sp)
    lw a2, 8(sp)
    lw a6, 12(sp)
    lw a7, 16(sp)
    addi sp, sp, 32
.endm

.macro PRINTLN str
    PRINT "\str\n"
.endm

/* Fail the run (CHECK #n, pc, got, expected printed) unless reg == expected (an immediate). */
.macro CHECK reg, expected
    .ifc \reg, t6
    .error "CHECK cannot test t6 (its scratch register)"
    .endif
    .set __check_no, __check_no + 1
    li t6, \expected
    beq \reg, t6, .Lcheck_ok\@
    mv t5, \reg
    li t4, __check_no
    jal check_failed
.Lcheck_ok\@:
.endm

/* The same, with the expected value the address of a symbol. */
.macro CHECK_LA reg, symbol
    .ifc \reg, t6
    .error "CHECK_LA cannot test t6 (its scratch register)"
    .endif
    .set __check_no, __check_no + 1
    la t6, \symbol
    beq \reg, t6, .Lcheck_ok\@
    mv t5, \reg
    li t4, __check_no
    jal check_failed
.Lcheck_ok\@:
.endm

/* The same, comparing two registers (neither may be t4..t6). */
.macro CHECK_EQ reg, expected_reg
    .set __check_no, __check_no + 1
    beq \reg, \expected_reg, .Lcheck_ok\@
    mv t5, \reg
    mv t6, \expected_reg
    li t4, __check_no
    jal check_failed
.Lcheck_ok\@:
.endm

/* Fail unconditionally, as a CHECK that cannot succeed (code that must not be reached). */
.macro UNREACHABLE
    .set __check_no, __check_no + 1
    li t5, 0
    li t6, 0
    li t4, __check_no
    jal check_failed
.endm

/* Load a word of this hart's trap area (TA_*) into reg (reg may not be t6). */
.macro TRAP_FIELD reg, offset
    csrr t6, sscratch
    lw \reg, \offset(t6)
.endm

/*
 * The next trap on this hart must have this cause; any other cause fails the run.
 * Resume: after the trapping instruction in the same mode (an interrupt: at vsepc,
 * with its sie bit cleared so it does not fire again).
 */
.macro EXPECT_TRAP cause
    csrr t6, sscratch
    li t5, \cause
    sw t5, TA_EXPECT_CAUSE(t6)
    sw zero, TA_EXPECT_RESUME(t6)
.endm

/* The same, but the handler resumes at label, in VS-mode (for fetch faults, or leaving VU). */
.macro EXPECT_TRAP_AT cause, label
    csrr t6, sscratch
    li t5, \cause
    sw t5, TA_EXPECT_CAUSE(t6)
    la t5, \label
    sw t5, TA_EXPECT_RESUME(t6)
.endm

/* Queue a second expectation, armed once the current one is met (for a trap taken
 * in VU right after another one, where VU code cannot arm it itself). */
.macro EXPECT_THEN_AT cause, label
    csrr t6, sscratch
    li t5, \cause
    sw t5, TA_NEXT_CAUSE(t6)
    la t5, \label
    sw t5, TA_NEXT_RESUME(t6)
.endm

/* The same, resuming the queued trap where it happened (interrupts, same-mode exceptions). */
.macro EXPECT_THEN cause
    csrr t6, sscratch
    li t5, \cause
    sw t5, TA_NEXT_CAUSE(t6)
    sw zero, TA_NEXT_RESUME(t6)
.endm

/* Fail unless the expected trap happened, with vscause = cause and vsepc = the address
 * of epc_symbol; leaves vstval in t5 for the caller to check (CHECK t5, ...). */
.macro TRAPPED cause, epc_symbol
    TRAP_FIELD t5, TA_EXPECT_CAUSE
    CHECK t5, NO_TRAP_EXPECTED
    TRAP_FIELD t5, TA_LAST_CAUSE
    CHECK t5, \cause
    TRAP_FIELD t5, TA_LAST_EPC
    CHECK_LA t5, \epc_symbol
    TRAP_FIELD t5, TA_LAST_TVAL
.endm

/* Fail if the trap expected by EXPECT_TRAP* has not happened (for interrupts,
 * where vsepc is not known in advance). */
.macro EXPECTATION_MET
    TRAP_FIELD t5, TA_EXPECT_CAUSE
    CHECK t5, NO_TRAP_EXPECTED
.endm

/* Cancel an expectation that must not have been met yet (a masked interrupt). */
.macro EXPECTATION_PENDING cause
    TRAP_FIELD t5, TA_EXPECT_CAUSE
    CHECK t5, \cause
    csrr t6, sscratch
    li t5, NO_TRAP_EXPECTED
    sw t5, TA_EXPECT_CAUSE(t6)
.endm

/* Continue at label in VU-mode (sret with SPP = 0; SPIE = 0 so that SIE is 0 again
 * when a trap brings the hart back to VS). */
.macro ENTER_VU label
    la t6, \label
    csrw sepc, t6
    li t6, SSTATUS_SPP | SSTATUS_SPIE
    csrc sstatus, t6
    sret
.endm

/* Set / clear CSR bits given as an immediate of any size (t4 is scratch). */
.macro CSR_SET csr, bits
    li t4, \bits
    csrs \csr, t4
.endm

.macro CSR_CLEAR csr, bits
    li t4, \bits
    csrc \csr, t4
.endm

/* Continue in VU-mode at an address given as a constant. */
.macro ENTER_VU_ADDR address
    li t6, \address
    csrw sepc, t6
    li t6, SSTATUS_SPP | SSTATUS_SPIE
    csrc sstatus, t6
    sret
.endm

/*
 * The 64-bit write sequence for stimecmp on RV32 that never passes through a
 * smaller value than both the old and the new one (priv spec, Sstc).
 */
.macro WRITE_STIMECMP lo_reg, hi_reg
    li t6, -1
    csrw CSR_STIMECMPH, t6
    csrw CSR_STIMECMP, \lo_reg
    csrw CSR_STIMECMPH, \hi_reg
.endm

/* Read the 64-bit time into hi:lo consistently (re-read if timeh moved). */
.macro READ_TIME lo_reg, hi_reg
.Lread_time\@:
    csrr \hi_reg, CSR_TIMEH
    csrr \lo_reg, CSR_TIME
    csrr t6, CSR_TIMEH
    bne t6, \hi_reg, .Lread_time\@
.endm

#endif /* __ASSEMBLER__ */
#endif /* HVGUEST_H */
