/*
 * crt.S - start-up, trap handler and failure reporting shared by every guest.
 *
 * Platform contract (DESIGN.md section 3): each started vCPU enters at the ELF entry in
 * VS-mode with vsatp = 0, a0 = its id, a1 = 0.  vCPU 0 clears .bss, sets up its
 * stack and trap area, and calls the guest's `main` (a0 = 0).  main returning 0
 * passes the run (SRST shutdown, reason 0); anything else fails it (reason 1).
 *
 * Other vCPUs are brought up with SBI HSM hart_start(hartid, hsm_secondary_entry,
 * opaque = address of a function f); f(a0 = hartid) runs on its own stack and trap
 * area, and its return value is handled like main's, except that 0 stops the hart
 * (HSM hart_stop) instead of ending the run.  A vCPU other than 0 that enters at
 * the ELF entry (a VMM that starts every vCPU) stops itself without touching memory.
 */
#include "hvguest.h"

    .section .text.init, "ax"
    .globl _start
_start:
    bnez a0, stop_this_hart
    /* Clear .bss before anything uses the trap areas or stacks in it. */
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  li a0, 0
    jal setup_hart
    li a0, 0
    li a1, 0
    call main
    bnez a0, main_failed
    PASS

main_failed:
    mv s0, a0
    la a0, msg_main_failed
    jal puts_bytewise
    mv a0, s0
    jal print_hex
    li a0, '\n'
    jal putc
    FAIL

    .text
/* Called with a0 = hart id; sets sp, sscratch (trap area) and stvec.  Uses t0, t1. */
    .globl setup_hart
setup_hart:
    li t0, MAX_HARTS
    bgeu a0, t0, stop_this_hart
    mv tp, a0
    la sp, __stacks_end
    slli t0, a0, 12                 /* STACK_SIZE = 4096 */
    sub sp, sp, t0
    la t0, trap_areas
    slli t1, a0, 6                  /* TRAP_AREA_SIZE = 64 */
    add t0, t0, t1
    li t1, NO_TRAP_EXPECTED
    sw t1, TA_EXPECT_CAUSE(t0)
    sw zero, TA_EXPECT_RESUME(t0)
    sw t1, TA_NEXT_CAUSE(t0)
    sw zero, TA_TRAP_COUNT(t0)
    sw a0, TA_HART_ID(t0)
    csrw sscratch, t0
    la t0, trap_entry
    csrw stvec, t0
    ret

/* HSM start address for secondary vCPUs: a0 = hartid, a1 = opaque = function to run. */
    .globl hsm_secondary_entry
    .balign 4
hsm_secondary_entry:
    mv s1, a1
    jal setup_hart
    mv a0, tp
    jalr s1
    bnez a0, main_failed
stop_this_hart:
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_STOP
    /* hart_stop only returns on error. */
    la a0, msg_stop_failed
    jal puts_bytewise
    FAIL

/*
 * The default VS trap handler.  A trap whose cause matches the hart's expectation
 * (EXPECT_TRAP*) is recorded in the trap area and resumed; any other trap fails the
 * run with cause, vsepc and vstval printed.  Preserves every register.
 */
    .globl trap_entry
    .balign 4
trap_entry:
    csrrw t6, sscratch, t6
    sw t0, TA_SAVE_T0(t6)
    sw t1, TA_SAVE_T1(t6)
    sw t2, TA_SAVE_T2(t6)
    csrr t0, scause
    sw t0, TA_LAST_CAUSE(t6)
    csrr t1, sepc
    sw t1, TA_LAST_EPC(t6)
    csrr t2, stval
    sw t2, TA_LAST_TVAL(t6)
    csrr t2, sstatus
    sw t2, TA_LAST_STATUS(t6)
    lw t2, TA_TRAP_COUNT(t6)
    addi t2, t2, 1
    sw t2, TA_TRAP_COUNT(t6)
    lw t2, TA_EXPECT_CAUSE(t6)
    bne t0, t2, trap_unexpected
    /* Met: the queued expectation (or none) becomes current; t2 = this trap's resume. */
    lw t2, TA_NEXT_CAUSE(t6)
    sw t2, TA_EXPECT_CAUSE(t6)
    li t2, NO_TRAP_EXPECTED
    sw t2, TA_NEXT_CAUSE(t6)
    lw t2, TA_EXPECT_RESUME(t6)
    lw t1, TA_NEXT_RESUME(t6)
    sw t1, TA_EXPECT_RESUME(t6)
    lw t1, TA_LAST_EPC(t6)
    bltz t0, trap_interrupt
    bnez t2, trap_resume_at_label
    addi t1, t1, 4                  /* past the trapping instruction, same mode */
    csrw sepc, t1
    j trap_return
trap_interrupt:
    /* Mask the source (sie bit = interrupt code) so it does not fire again at once. */
    slli t0, t0, 1
    srli t0, t0, 1
    li t1, 1
    sll t1, t1, t0
    csrc sie, t1
    beqz t2, trap_return            /* resume where it was interrupted */
trap_resume_at_label:
    csrw sepc, t2
    li t2, SSTATUS_SPP              /* resume labels are VS code */
    csrs sstatus, t2
trap_return:
    lw t0, TA_SAVE_T0(t6)
    lw t1, TA_SAVE_T1(t6)
    lw t2, TA_SAVE_T2(t6)
    csrrw t6, sscratch, t6
    sret

trap_unexpected:
    mv s2, t6
    la a0, msg_unexpected_trap
    jal puts_bytewise
    lw a0, TA_LAST_CAUSE(s2)
    jal print_hex
    la a0, msg_epc
    jal puts_bytewise
    lw a0, TA_LAST_EPC(s2)
    jal print_hex
    la a0, msg_tval
    jal puts_bytewise
    lw a0, TA_LAST_TVAL(s2)
    jal print_hex
    la a0, msg_expected
    jal puts_bytewise
    lw a0, TA_EXPECT_CAUSE(s2)
    jal print_hex
    la a0, msg_close
    jal puts_bytewise
    FAIL

/* CHECK failure: t4 = check number, t5 = value, t6 = expected, ra = after the jal. */
    .globl check_failed
check_failed:
    addi s2, ra, -4
    mv s3, t4
    mv s4, t5
    mv s5, t6
    la a0, msg_check
    jal puts_bytewise
    mv a0, s3
    jal print_dec
    la a0, msg_check_pc
    jal puts_bytewise
    mv a0, s2
    jal print_hex
    la a0, msg_check_got
    jal puts_bytewise
    mv a0, s4
    jal print_hex
    la a0, msg_check_expected
    jal puts_bytewise
    mv a0, s5
    jal print_hex
    li a0, '\n'
    jal putc
    FAIL

/*
 * Console output for the failure paths, one byte per SBI DBCN write_byte call (the
 * simplest console path, so a failure still gets reported when DBCN write is broken).
 * putc(a0); puts_bytewise(a0 = NUL-terminated string); print_hex(a0) as 8 digits;
 * print_dec(a0) unsigned.  They use a0-a7, t0-t3 and the stack.
 */
    .globl putc
putc:
    SBI_CALL SBI_EXT_DBCN, SBI_DBCN_WRITE_BYTE
    ret

    .globl puts_bytewise
puts_bytewise:
    addi sp, sp, -16
    sw ra, 0(sp)
    sw s0, 4(sp)
    mv s0, a0
1:  lbu a0, 0(s0)
    beqz a0, 2f
    jal putc
    addi s0, s0, 1
    j 1b
2:  lw ra, 0(sp)
    lw s0, 4(sp)
    addi sp, sp, 16
    ret

    .globl print_hex
print_hex:
    addi sp, sp, -16
    sw ra, 0(sp)
    sw s0, 4(sp)
    sw s1, 8(sp)
    mv s0, a0
    li s1, 28
1:  srl a0, s0, s1
    andi a0, a0, 0xf
    li t0, 10
    blt a0, t0, 2f
    addi a0, a0, 'a' - 10 - '0'
2:  addi a0, a0, '0'
    jal putc
    addi s1, s1, -4
    bgez s1, 1b
    lw ra, 0(sp)
    lw s0, 4(sp)
    lw s1, 8(sp)
    addi sp, sp, 16
    ret

    .globl print_dec
print_dec:
    addi sp, sp, -32
    sw ra, 0(sp)
    sw s0, 4(sp)
    addi s0, sp, 31                 /* digits are built backwards in the frame */
    sb zero, 0(s0)
    li t1, 10
1:  remu t0, a0, t1
    divu a0, a0, t1
    addi t0, t0, '0'
    addi s0, s0, -1
    sb t0, 0(s0)
    bnez a0, 1b
    mv a0, s0
    jal puts_bytewise
    lw ra, 0(sp)
    lw s0, 4(sp)
    addi sp, sp, 32
    ret

    .section .rodata, "a"
msg_main_failed:     .asciz "FAIL: guest returned "
msg_stop_failed:     .asciz "FAIL: SBI HSM hart_stop returned\n"
msg_unexpected_trap: .asciz "FAIL: unexpected trap: vscause="
msg_epc:             .asciz " vsepc="
msg_tval:            .asciz " vstval="
msg_expected:        .asciz " (expected cause "
msg_close:           .asciz ")\n"
msg_check:           .asciz "FAIL: CHECK #"
msg_check_pc:        .asciz " at pc "
msg_check_got:       .asciz ": got "
msg_check_expected:  .asciz " expected "

    .section .bss.trap_areas, "aw", @nobits
    .balign 64
    .globl trap_areas
trap_areas:
    .space MAX_HARTS * TRAP_AREA_SIZE
