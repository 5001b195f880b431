// hvcosim-args: --vcpus 2 --quantum 500
// hvcosim-covers: VS external interrupt (VSEI) raised by an emulated device: the UART's 16550 THRE interrupt (IER.ETBEI, IIR 0xC2/0xC1) routed by the VMM to hvip.VSEIP of vCPU 0; UART IER/IIR/LCR/MCR/SCR/divisor-latch registers; THRE raised when ETBEI goes 0->1 and after every THR write, cleared by reading IIR or clearing ETBEI (sip.SEIP follows at the next exit); masked by sie.SEIE = 0 and by vsstatus.SIE = 0 (sip.SEIP = 1, no trap); taken once enabled (vscause 0x80000009, vsepc = the next instruction, vstval 0, SPP/SPIE) with the handler acknowledging through IIR; taken in VU whatever SIE; priority over a pending timer interrupt (SEI before STI); WFI woken by VSEI raised by vCPU 1 (SIE = 0: no trap; SIE = 1: trap right after the WFI); the line reaches vCPU 0 only.
// hvcosim-expect: exit=0 stdout-contains="vsei ok\n"
#include "hvguest.h"

/* 16550 registers beyond what hvguest.h names. */
#define UART_DLL        0
#define UART_IER        1
#define UART_DLM        1
#define UART_IIR        2
#define UART_FCR        2
#define UART_LCR        3
#define UART_MCR        4
#define UART_SCR        7
#define UART_IER_ETBEI  0x02
#define UART_IER_ERBFI  0x01
#define UART_IIR_NONE   0xC1
#define UART_IIR_THRE   0xC2
#define UART_LCR_DLAB   0x80

/* vsei_record: what vsei_handler saw on each guest external interrupt. */
#define VR_COUNT        0     /* external interrupts handled */
#define VR_IIR          4     /* first IIR read (the acknowledge) */
#define VR_IIR_AGAIN    8     /* second IIR read */
#define VR_SIP          12    /* sip after the acknowledge */

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

/* Start vCPU 1 at raise_line: once wfi_flag is set it raises the UART line. */
.macro START_RAISER
    WAIT_HART1_STATE HSM_STATE_STOPPED
    la t0, wfi_flag
    sw zero, 0(t0)
    li a0, 1
    la a1, hsm_secondary_entry
    la a2, raise_line
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_START
    CHECK a0, SBI_SUCCESS
.endm

/* The field of vsei_record at offset into reg (not t4..t6). */
.macro RECORD reg, offset
    la \reg, vsei_record
    lw \reg, \offset(\reg)
.endm

/* Fail unless sip (all bits) == expected. */
.macro CHECK_SIP expected
    csrr s1, sip
    CHECK s1, \expected
.endm

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)
    li s0, UART_BASE
    li s1, -1
    WRITE_STIMECMP s1, s1           /* no timer interrupt pending */
    csrw sie, zero
    csrci sstatus, SSTATUS_SIE
    la t0, vsei_handler
    csrw stvec, t0

    /* Reset state: nothing enabled, nothing pending. */
    lbu s1, UART_IER(s0)
    CHECK s1, 0
    lbu s1, UART_IIR(s0)
    CHECK s1, UART_IIR_NONE
    CHECK_SIP 0

    /* LCR, MCR, SCR are plain registers; FCR writes are ignored; IER keeps bits 1:0. */
    li t0, 0x03
    sb t0, UART_LCR(s0)
    li t0, 0x0B
    sb t0, UART_MCR(s0)
    li t0, 0x5A
    sb t0, UART_SCR(s0)
    li t0, 0x07
    sb t0, UART_FCR(s0)
    lbu s1, UART_LCR(s0)
    CHECK s1, 0x03
    lbu s1, UART_MCR(s0)
    CHECK s1, 0x0B
    lbu s1, UART_SCR(s0)
    CHECK s1, 0x5A
    lbu s1, UART_IIR(s0)
    CHECK s1, UART_IIR_NONE
    li t0, 0xFD                     /* every bit but ETBEI: only ERBFI stays */
    sb t0, UART_IER(s0)
    lbu s1, UART_IER(s0)
    CHECK s1, UART_IER_ERBFI
    lbu s1, UART_IIR(s0)            /* ERBFI: but there is never input */
    CHECK s1, UART_IIR_NONE
    sb zero, UART_IER(s0)

    /* DLAB = 1: +0/+1 are the divisor latch, not THR/IER (nothing printed, no interrupt). */
    li t0, 0x03 | UART_LCR_DLAB
    sb t0, UART_LCR(s0)
    li t0, 0x0C
    sb t0, UART_DLL(s0)
    li t0, UART_IER_ETBEI
    sb t0, UART_DLM(s0)
    lbu s1, UART_DLL(s0)
    CHECK s1, 0x0C
    lbu s1, UART_DLM(s0)
    CHECK s1, UART_IER_ETBEI
    CHECK_SIP 0
    li t0, 0x03
    sb t0, UART_LCR(s0)
    lbu s1, UART_IER(s0)
    CHECK s1, 0
    lbu s1, UART_IIR(s0)
    CHECK s1, UART_IIR_NONE

    /* ETBEI 0 -> 1 with THR empty: pending at once, but sie.SEIE = 0 (SIE = 1): not taken. */
    csrsi sstatus, SSTATUS_SIE
    li t0, UART_IER_ETBEI
    sb t0, UART_IER(s0)
    nop
    CHECK_SIP SIP_SEIP
    nop
    csrci sstatus, SSTATUS_SIE
    lbu s1, UART_IER(s0)
    CHECK s1, UART_IER_ETBEI

    /* Enabled in sie but SIE = 0 in VS: still not taken. */
    EXPECT_TRAP CAUSE_S_EXT_INT
    CSR_SET sie, SIE_SEIE
    nop
    nop
    EXPECTATION_PENDING CAUSE_S_EXT_INT
    CHECK_SIP SIP_SEIP

    /* SIE = 1: taken before the next instruction; the handler acknowledges through IIR. */
    EXPECT_TRAP CAUSE_S_EXT_INT
    csrsi sstatus, SSTATUS_SIE
vsei_taken_here:
    nop
    TRAPPED CAUSE_S_EXT_INT, vsei_taken_here
    CHECK t5, 0
    TRAP_FIELD t5, TA_LAST_STATUS
    andi t5, t5, SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE
    CHECK t5, SSTATUS_SPP | SSTATUS_SPIE
    csrr s1, sstatus                /* SRET restored SIE */
    andi s1, s1, SSTATUS_SIE
    CHECK s1, SSTATUS_SIE
    RECORD s1, VR_COUNT
    CHECK s1, 1
    RECORD s1, VR_IIR
    CHECK s1, UART_IIR_THRE
    RECORD s1, VR_IIR_AGAIN
    CHECK s1, UART_IIR_NONE
    RECORD s1, VR_SIP               /* the IIR read was an exit: the line was already down */
    CHECK s1, 0
    CHECK_SIP 0
    /* Acknowledged at the device: enabled again (SIE = 1, SEIE = 1), nothing more comes. */
    CSR_SET sie, SIE_SEIE
    nop
    nop
    csrci sstatus, SSTATUS_SIE

    /* A THR write re-arms THRE (THR empties at once); clearing ETBEI drops it. */
    li t0, 'v'
    sb t0, UART_THR(s0)
    CHECK_SIP SIP_SEIP
    sb zero, UART_IER(s0)
    CHECK_SIP 0
    lbu s1, UART_IIR(s0)
    CHECK s1, UART_IIR_NONE
    li t0, 's'
    sb t0, UART_THR(s0)             /* ETBEI = 0: no interrupt */
    CHECK_SIP 0
    li t0, UART_IER_ETBEI
    sb t0, UART_IER(s0)             /* 0 -> 1: pending again */
    CHECK_SIP SIP_SEIP
    sb t0, UART_IER(s0)             /* 1 -> 1: still pending, nothing new */
    lbu s1, UART_IIR(s0)
    CHECK s1, UART_IIR_THRE
    sb t0, UART_IER(s0)             /* 1 -> 1 after an acknowledge: no new interrupt */
    CHECK_SIP 0
    lbu s1, UART_IIR(s0)
    CHECK s1, UART_IIR_NONE

    /* In VU an enabled interrupt is taken whatever SIE (here 0). */
    li t0, 'e'
    sb t0, UART_THR(s0)
    CHECK_SIP SIP_SEIP
    EXPECT_TRAP_AT CAUSE_S_EXT_INT, 1f
    ENTER_VU user_spin
1:  TRAPPED CAUSE_S_EXT_INT, user_spin
    CHECK t5, 0
    TRAP_FIELD t5, TA_LAST_STATUS
    andi t5, t5, SSTATUS_SPP
    CHECK t5, 0
    RECORD s1, VR_COUNT
    CHECK s1, 2
    RECORD s1, VR_IIR
    CHECK s1, UART_IIR_THRE
    RECORD s1, VR_SIP
    CHECK s1, 0
    CHECK_SIP 0

    /* SEI and STI both pending and enabled (set up while masked): SEI first, then STI. */
    WRITE_STIMECMP zero, zero       /* deadline 0: the timer is pending at once */
    li t0, 'i'
    sb t0, UART_THR(s0)             /* THRE pending again */
    CHECK_SIP SIP_SEIP | SIP_STIP
    CSR_SET sie, SIE_SEIE | SIE_STIE
    TRAP_FIELD s3, TA_TRAP_COUNT
    EXPECT_TRAP CAUSE_S_EXT_INT
    EXPECT_THEN CAUSE_S_TIMER_INT
    csrsi sstatus, SSTATUS_SIE
both_taken_here:
    nop
    TRAPPED CAUSE_S_TIMER_INT, both_taken_here
    TRAP_FIELD t5, TA_TRAP_COUNT
    addi s3, s3, 2
    CHECK_EQ t5, s3
    csrci sstatus, SSTATUS_SIE
    RECORD s1, VR_COUNT
    CHECK s1, 3
    RECORD s1, VR_IIR
    CHECK s1, UART_IIR_THRE
    li s1, -1
    WRITE_STIMECMP s1, s1
    CHECK_SIP 0

    /* WFI, SIE = 0: vCPU 1 raises the line while vCPU 0 waits; WFI returns, no trap. */
    CSR_SET sie, SIE_SEIE
    sb zero, UART_IER(s0)           /* line down, ETBEI = 0 */
    START_RAISER
    la t0, wfi_flag
    li t1, 1
    sw t1, 0(t0)
    wfi
    CHECK_SIP SIP_SEIP
    TRAP_FIELD s1, TA_TRAP_COUNT
    CHECK_EQ s1, s3                 /* no trap */
    lbu s1, UART_IIR(s0)
    CHECK s1, UART_IIR_THRE
    CHECK_SIP 0

    /* WFI, SIE = 1: the interrupt is taken right after the WFI. */
    sb zero, UART_IER(s0)
    START_RAISER
    CSR_SET sie, SIE_SEIE
    EXPECT_TRAP CAUSE_S_EXT_INT
    csrsi sstatus, SSTATUS_SIE
    la t0, wfi_flag
    li t1, 1
    sw t1, 0(t0)
    wfi
after_wfi:
    nop
    TRAPPED CAUSE_S_EXT_INT, after_wfi
    csrci sstatus, SSTATUS_SIE
    RECORD s1, VR_COUNT
    CHECK s1, 4
    RECORD s1, VR_IIR
    CHECK s1, UART_IIR_THRE
    CHECK_SIP 0
    WAIT_HART1_STATE HSM_STATE_STOPPED

    /* The last line through the UART, each byte re-arming THRE and acknowledged. */
    la s2, message
2:  lbu s4, 0(s2)
    beqz s4, 3f
    sb s4, UART_THR(s0)
    CHECK_SIP SIP_SEIP
    lbu s1, UART_IIR(s0)
    CHECK s1, UART_IIR_THRE
    CHECK_SIP 0
    addi s2, s2, 1
    j 2b
3:  sb zero, UART_IER(s0)

    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

user_spin:
    j user_spin

/* vCPU 1: wait until vCPU 0 is about to wait, let it reach WFI, then raise the UART
 * line (ETBEI 0 -> 1).  The line goes to vCPU 0 only: vCPU 1's sip stays 0. */
raise_line:
    addi sp, sp, -16
    sw ra, 0(sp)
    la s0, wfi_flag
    li s9, POLL_LIMIT
1:  lw t0, 0(s0)
    bnez t0, 2f
    addi s9, s9, -1
    bnez s9, 1b
    UNREACHABLE
2:  li t0, 400                      /* longer than a quantum: vCPU 0 waits through a round */
3:  addi t0, t0, -1
    bnez t0, 3b
    li s1, UART_BASE
    li t0, UART_IER_ETBEI
    sb t0, UART_IER(s1)
    csrr t0, sip
    CHECK t0, 0
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

/*
 * vCPU 0's trap handler: on a guest external interrupt, acknowledge the UART (read
 * IIR, as a driver does: that ends the THRE interrupt), read IIR again and sip, and
 * record all three; then the default handler (trap_entry) checks and records the trap.
 */
    .balign 4
vsei_handler:
    csrrw t6, sscratch, t6
    sw t0, TA_SAVE_T0(t6)
    sw t1, TA_SAVE_T1(t6)
    sw t2, TA_SAVE_T2(t6)
    csrr t0, scause
    li t1, CAUSE_S_EXT_INT
    bne t0, t1, 1f
    la t2, vsei_record
    lw t0, VR_COUNT(t2)
    addi t0, t0, 1
    sw t0, VR_COUNT(t2)
    li t1, UART_BASE
    lbu t0, UART_IIR(t1)
    sw t0, VR_IIR(t2)
    lbu t0, UART_IIR(t1)
    sw t0, VR_IIR_AGAIN(t2)
    csrr t0, sip
    sw t0, VR_SIP(t2)
1:  lw t0, TA_SAVE_T0(t6)
    lw t1, TA_SAVE_T1(t6)
    lw t2, TA_SAVE_T2(t6)
    csrrw t6, sscratch, t6
    j trap_entry

    .section .rodata
message: .asciz " ok\n"             /* after "vsei", written byte by byte above */

    .data
    .balign 4
vsei_record:
    .word 0, 0, 0, 0
wfi_flag:
    .word 0
