// hvcosim-args: --mem-budget 48K
// hvcosim-covers: demand paging and swap of the guest's own VS-stage page tables: under a 12-page budget, 48 pages written through 4 KiB VS mappings and read back through both the mappings and the identity megapage evict the root and leaf tables, so the VS walk's page-table reads themselves fault (implicit accesses) and the VMM brings the tables back transparently.
// hvcosim-expect: exit=0 stdout-contains="swap vs tables ok"
#include "hvguest.h"
#include "sv32.h"

#define NUM_PAGES 48

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)
    call sv32_init_tables
    /* Leaf i -> TEST_PA(i), RW. */
    li s0, 0
    li s1, PT_L0
    li s2, PTE_LEAF(TEST_PA(0), PTE_R | PTE_W | PTE_A | PTE_D)
    li s3, 1 << 10                  /* one page in the PTE's PPN field */
1:  sw s2, 0(s1)
    add s2, s2, s3
    addi s1, s1, 4
    addi s0, s0, 1
    li t0, NUM_PAGES
    bltu s0, t0, 1b
    SV32_ENABLE

    /* Write through the 4 KiB mappings: word 0 and word 0x800 of each page. */
    li s0, TEST_VA(0)
    li s1, TEST_VA(NUM_PAGES)
    li s4, 0xc3c3c3c3
2:  xor s2, s0, s4
    sw s2, 0(s0)
    sw s0, 0x7fc(s0)
    li t0, PAGE_SIZE
    add s0, s0, t0
    bltu s0, s1, 2b

    /* Read back through the mappings, then through the identity megapage (VA = PA). */
    li s0, TEST_VA(0)
3:  xor s2, s0, s4
    lw s5, 0(s0)
    CHECK_EQ s5, s2
    lw s5, 0x7fc(s0)
    CHECK_EQ s5, s0
    li t0, TEST_VA(0) - TEST_PA(0)
    sub s6, s0, t0
    lw s5, 0(s6)
    CHECK_EQ s5, s2
    li t0, PAGE_SIZE
    add s0, s0, t0
    bltu s0, s1, 3b

    SV32_DISABLE
    PRINTLN "swap vs tables ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret
