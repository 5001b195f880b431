// hvcosim-covers: VS-stage Sv32 translation built by the guest: 4 KiB pages (read/write, read-only, execute-only, invalid, reserved W-without-R, a non-leaf PTE at the last level) giving page faults 12/13/15 with vsepc and vstval = the virtual address; megapages (two aliases of one 4 MiB region, read-only alias, VPN[0] passed through, a misaligned megapage faulting); an invalid root entry; SFENCE.VMA (by address and global) after remapping and after invalidating a PTE. The page-table pages are demand-paged by the VMM like any guest RAM.
// hvcosim-expect: exit=0 stdout-contains="vs paging ok"
#include "hvguest.h"
#include "sv32.h"

#define PAGE_RW        0
#define PAGE_RO        1
#define PAGE_XO        2
#define PAGE_INVALID   3
#define PAGE_W_ONLY    4
#define PAGE_REMAP     5
#define PAGE_NONLEAF   6
#define MEGA_RW_VA     0xC0000000
#define MEGA_RO_VA     0xC0400000
#define MEGA_BAD_VA    0xC0800000
#define MEGA_PA        0x80400000
#define UNMAPPED_VA    0x40000000

    .equ va_xo, TEST_VA(PAGE_XO)
    .equ va_invalid, TEST_VA(PAGE_INVALID)
    .equ va_rw, TEST_VA(PAGE_RW)

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)
    call sv32_init_tables
    SET_TEST_PTE PAGE_RW, PTE_R | PTE_W | PTE_A | PTE_D
    SET_TEST_PTE PAGE_RO, PTE_R | PTE_A
    SET_TEST_PTE PAGE_XO, PTE_X | PTE_A
    SET_TEST_PTE PAGE_W_ONLY, PTE_W | PTE_A | PTE_D
    SET_TEST_PTE PAGE_REMAP, PTE_R | PTE_W | PTE_A | PTE_D
    SET_PTE PT_L0, PAGE_NONLEAF, PTE_TABLE(PT_L0)
    SET_PTE PT_ROOT, ROOT_INDEX(MEGA_RW_VA), PTE_LEAF(MEGA_PA, PTE_R | PTE_W | PTE_A | PTE_D)
    SET_PTE PT_ROOT, ROOT_INDEX(MEGA_RO_VA), PTE_LEAF(MEGA_PA, PTE_R | PTE_A)
    SET_PTE PT_ROOT, ROOT_INDEX(MEGA_BAD_VA), PTE_LEAF(MEGA_PA + PAGE_SIZE, PTE_R | PTE_W | PTE_A | PTE_D)

    /* Contents, written through the identity megapage. */
    li s0, TEST_PA(PAGE_RW)
    li s1, 0x11110000
    sw s1, 0(s0)
    li s0, TEST_PA(PAGE_RO)
    li s1, 0x22220001
    sw s1, 8(s0)
    li s0, TEST_PA(PAGE_REMAP)
    li s1, 0x55555555
    sw s1, 0(s0)
    li s0, TEST_PA(PAGE_XO)         /* the execute-only page: li a0, 0x77; ret */
    la s1, xo_code
    lw s2, 0(s1)
    sw s2, 0(s0)
    lw s2, 4(s1)
    sw s2, 4(s0)
    fence.i

    SV32_ENABLE
    /* Still running: the identity megapage maps this code. */
    csrr s1, satp
    CHECK s1, SATP_SV32_ROOT

    /* ---- read/write page ---- */
    li s0, TEST_VA(PAGE_RW)
    lw s1, 0(s0)
    CHECK s1, 0x11110000
    li s1, 0xabc
    sw s1, 4(s0)
    li s2, TEST_PA(PAGE_RW)
    lw s3, 4(s2)
    CHECK s3, 0xabc
    /* No execute permission: fetch fault 12, vsepc = vstval = the target. */
    EXPECT_TRAP_AT CAUSE_FETCH_PAGE_FAULT, 1f
    jalr s0
1:  TRAPPED CAUSE_FETCH_PAGE_FAULT, va_rw
    CHECK t5, TEST_VA(PAGE_RW)

    /* ---- read-only page ---- */
    li s0, TEST_VA(PAGE_RO)
    lw s1, 8(s0)
    CHECK s1, 0x22220001
    li s1, 0xbad
    EXPECT_TRAP CAUSE_STORE_PAGE_FAULT
ro_store:
    sw s1, 8(s0)
    TRAPPED CAUSE_STORE_PAGE_FAULT, ro_store
    CHECK t5, TEST_VA(PAGE_RO) + 8
    li s2, TEST_PA(PAGE_RO)
    lw s3, 8(s2)
    CHECK s3, 0x22220001            /* unchanged */

    /* ---- execute-only page ---- */
    li s0, TEST_VA(PAGE_XO)
    li a0, 0
    jalr s0
    CHECK a0, 0x77
    EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT
xo_load:
    lw s1, 4(s0)                    /* MXR = 0: X does not make it readable */
    TRAPPED CAUSE_LOAD_PAGE_FAULT, xo_load
    CHECK t5, TEST_VA(PAGE_XO) + 4
    EXPECT_TRAP CAUSE_STORE_PAGE_FAULT
xo_store:
    sw s1, 4(s0)
    TRAPPED CAUSE_STORE_PAGE_FAULT, xo_store
    CHECK t5, TEST_VA(PAGE_XO) + 4

    /* ---- invalid PTE: every access type faults ---- */
    li s0, TEST_VA(PAGE_INVALID)
    EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT
inv_load:
    lbu s1, 0x123(s0)
    TRAPPED CAUSE_LOAD_PAGE_FAULT, inv_load
    CHECK t5, TEST_VA(PAGE_INVALID) + 0x123
    EXPECT_TRAP CAUSE_STORE_PAGE_FAULT
inv_store:
    sh s1, 0x7fe(s0)
    TRAPPED CAUSE_STORE_PAGE_FAULT, inv_store
    CHECK t5, TEST_VA(PAGE_INVALID) + 0x7fe
    EXPECT_TRAP_AT CAUSE_FETCH_PAGE_FAULT, 2f
    jalr s0
2:  TRAPPED CAUSE_FETCH_PAGE_FAULT, va_invalid
    CHECK t5, TEST_VA(PAGE_INVALID)

    /* ---- W without R is reserved: a page fault of the access type ---- */
    li s0, TEST_VA(PAGE_W_ONLY)
    EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT
wo_load:
    lw s1, 0(s0)
    TRAPPED CAUSE_LOAD_PAGE_FAULT, wo_load
    EXPECT_TRAP CAUSE_STORE_PAGE_FAULT
wo_store:
    sw s1, 0(s0)
    TRAPPED CAUSE_STORE_PAGE_FAULT, wo_store

    /* ---- a pointer PTE at the last level: no leaf found ---- */
    li s0, TEST_VA(PAGE_NONLEAF)
    EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT
nonleaf_load:
    lw s1, 0(s0)
    TRAPPED CAUSE_LOAD_PAGE_FAULT, nonleaf_load

    /* ---- an invalid root entry ---- */
    li s0, UNMAPPED_VA
    EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT
root_invalid_load:
    lw s1, 0(s0)
    TRAPPED CAUSE_LOAD_PAGE_FAULT, root_invalid_load
    CHECK t5, UNMAPPED_VA

    /* ---- megapages: two aliases of one region; VPN[0] and the offset pass through ---- */
    li s0, MEGA_RW_VA
    li s1, MEGA_RO_VA
    li s2, 0x3ff000 + 0xffc         /* the last word of the region */
    add s3, s0, s2
    add s4, s1, s2
    li s5, 0x4d454741
    sw s5, 0(s3)
    lw s6, 0(s4)
    CHECK s6, 0x4d454741
    li s2, 0x12344
    add s3, s0, s2
    add s4, s1, s2
    li s5, 0x600dcafe
    sw s5, 0(s3)
    lw s6, 0(s4)
    CHECK s6, 0x600dcafe
    EXPECT_TRAP CAUSE_STORE_PAGE_FAULT
mega_ro_store:
    sw s5, 0(s4)
    TRAPPED CAUSE_STORE_PAGE_FAULT, mega_ro_store
    CHECK_EQ t5, s4
    /* A megapage whose PPN[0] is not zero is misaligned: page fault. */
    li s0, MEGA_BAD_VA + 0x10
    EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT
mega_bad_load:
    lw s1, 0(s0)
    TRAPPED CAUSE_LOAD_PAGE_FAULT, mega_bad_load
    CHECK t5, MEGA_BAD_VA + 0x10
    EXPECT_TRAP CAUSE_STORE_PAGE_FAULT
mega_bad_store:
    sw s1, 0(s0)
    TRAPPED CAUSE_STORE_PAGE_FAULT, mega_bad_store

    /* ---- remap a page, SFENCE.VMA by address, see the new frame ---- */
    li s0, TEST_VA(PAGE_REMAP)
    lw s1, 0(s0)
    CHECK s1, 0x55555555
    SET_PTE PT_L0, PAGE_REMAP, PTE_LEAF(TEST_PA(PAGE_RW), PTE_R | PTE_W | PTE_A | PTE_D)
    sfence.vma s0, zero
    lw s1, 0(s0)
    CHECK s1, 0x11110000
    /* Invalidate it, global SFENCE.VMA: now it faults. */
    SET_PTE PT_L0, PAGE_REMAP, 0
    sfence.vma
    EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT
remap_gone:
    lw s1, 0(s0)
    TRAPPED CAUSE_LOAD_PAGE_FAULT, remap_gone

    SV32_DISABLE
    csrr s1, satp
    CHECK s1, 0
    PRINTLN "vs paging ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

xo_code:
    li a0, 0x77
    ret

