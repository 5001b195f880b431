// hvcosim-args: --mem 8M
// hvcosim-covers: guest-physical addresses that are neither RAM nor the UART: the VMM injects access faults (load 5, store 7, fetch 1) with vstval = the guest virtual address, for Bare vsatp, for the first address past a smaller --mem, for a hole next to the UART registers, for a VS-stage leaf pointing outside RAM, and for a VS-stage page table that lives outside RAM (the fault has the type of the original access).
// hvcosim-expect: exit=0 stdout-contains="access faults ok"
#include "hvguest.h"
#include "sv32.h"

#define HOLE_GPA      0x20000000
#define RAM_END_8M    0x80800000
#define UART_HOLE     (UART_BASE + 0x100)
#define VA_TO_HOLE    TEST_VA(0)       /* 4 KiB leaf -> HOLE_GPA */
#define VA_BAD_TABLE  0xC0000000       /* root entry -> a table at HOLE_GPA */

    .equ hole_gpa, HOLE_GPA

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)

    /* ---- Bare vsatp: GPA = VA ---- */
    li s0, HOLE_GPA
    EXPECT_TRAP CAUSE_LOAD_ACCESS
bare_load:
    lw s1, 0x10(s0)
    TRAPPED CAUSE_LOAD_ACCESS, bare_load
    CHECK t5, HOLE_GPA + 0x10
    EXPECT_TRAP CAUSE_STORE_ACCESS
bare_store:
    sb s1, 3(s0)
    TRAPPED CAUSE_STORE_ACCESS, bare_store
    CHECK t5, HOLE_GPA + 3
    EXPECT_TRAP_AT CAUSE_FETCH_ACCESS, 1f
    jalr s0
1:  TRAPPED CAUSE_FETCH_ACCESS, hole_gpa
    CHECK t5, HOLE_GPA

    /* The last word of an 8 MiB RAM is RAM; the next one is not. */
    li s0, RAM_END_8M - 4
    li s1, 0x1a57
    sw s1, 0(s0)
    lw s2, 0(s0)
    CHECK s2, 0x1a57
    EXPECT_TRAP CAUSE_LOAD_ACCESS
past_ram:
    lw s2, 4(s0)
    TRAPPED CAUSE_LOAD_ACCESS, past_ram
    CHECK t5, RAM_END_8M

    /* Next to the UART registers there is nothing. */
    li s0, UART_HOLE
    EXPECT_TRAP CAUSE_LOAD_ACCESS
uart_hole_load:
    lbu s1, 0(s0)
    TRAPPED CAUSE_LOAD_ACCESS, uart_hole_load
    CHECK t5, UART_HOLE

    /* ---- through VS-stage translation: vstval is the virtual address ---- */
    call sv32_init_tables
    SET_PTE PT_L0, 0, PTE_LEAF(HOLE_GPA, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
    SET_PTE PT_ROOT, ROOT_INDEX(VA_BAD_TABLE), PTE_TABLE(HOLE_GPA)
    SV32_ENABLE
    li s0, VA_TO_HOLE
    EXPECT_TRAP CAUSE_LOAD_ACCESS
vs_leaf_load:
    lw s1, 8(s0)
    TRAPPED CAUSE_LOAD_ACCESS, vs_leaf_load
    CHECK t5, VA_TO_HOLE + 8
    EXPECT_TRAP CAUSE_STORE_ACCESS
vs_leaf_store:
    sw s1, 8(s0)
    TRAPPED CAUSE_STORE_ACCESS, vs_leaf_store
    CHECK t5, VA_TO_HOLE + 8
    /* The walk itself reads a PTE outside RAM: an access fault of the original type. */
    li s0, VA_BAD_TABLE
    EXPECT_TRAP CAUSE_LOAD_ACCESS
bad_table_load:
    lw s1, 0x20(s0)
    TRAPPED CAUSE_LOAD_ACCESS, bad_table_load
    CHECK t5, VA_BAD_TABLE + 0x20
    EXPECT_TRAP CAUSE_STORE_ACCESS
bad_table_store:
    sw s1, 0x20(s0)
    TRAPPED CAUSE_STORE_ACCESS, bad_table_store
    CHECK t5, VA_BAD_TABLE + 0x20
    SV32_DISABLE

    PRINTLN "access faults ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret
