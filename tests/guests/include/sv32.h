#ifndef SV32_H
#define SV32_H
/*
 * sv32.h - the VS-stage page tables the paging guests build (include once, after hvguest.h).
 *
 *   VA 0x8000_0000..0x803F_FFFF  identity megapage, RWX, A/D set, not U: code, data,
 *                                stacks, these tables; the trap handler keeps working.
 *   VA 0x8040_0000 + i * 4 KiB   leaf PTE i of PT_L0 (set by each guest with SET_TEST_PTE),
 *                                normally backed by TEST_PA(i) = 0x8030_0000 + i * 4 KiB,
 *                                which the guest also reaches through the identity megapage.
 *
 * Guest-physical pages of the tables themselves are ordinary guest RAM: the VMM
 * demand-pages (and may swap) them like any other page.
 */
#define PT_ROOT       0x80200000
#define PT_L0         0x80201000
#define TEST_VA_BASE  0x80400000
#define TEST_PA_BASE  0x80300000
#define TEST_VA(i)    (TEST_VA_BASE + (i) * PAGE_SIZE)
#define TEST_PA(i)    (TEST_PA_BASE + (i) * PAGE_SIZE)
#define ROOT_INDEX(va) (((va) >> 22) & 0x3ff)
#define SATP_SV32_ROOT (SATP_MODE_SV32 | (PT_ROOT >> 12))

/* Write a PTE (a constant) into a table slot (t4, t5 scratch). */
.macro SET_PTE table, index, pte
    li t4, \pte
    li t5, \table + (\index) * 4
    sw t4, 0(t5)
.endm

/* Leaf i of PT_L0 -> TEST_PA(i) with these permission bits (V added). */
.macro SET_TEST_PTE index, flags
    SET_PTE PT_L0, \index, PTE_LEAF(TEST_PA(\index), \flags)
.endm

/* Turn VS-stage translation on (after the tables are complete). */
.macro SV32_ENABLE
    li t4, SATP_SV32_ROOT
    csrw satp, t4
    sfence.vma
.endm

.macro SV32_DISABLE
    csrw satp, zero
    sfence.vma
.endm

/* Clear both tables and install the identity megapage and the PT_L0 pointer.
 * Uses t0, t1, t4, t5. */
    .pushsection .text
sv32_init_tables:
    li t0, PT_ROOT
    li t1, PT_L0 + PAGE_SIZE
1:  sw zero, 0(t0)
    sw zero, 4(t0)
    sw zero, 8(t0)
    sw zero, 12(t0)
    addi t0, t0, 16
    bltu t0, t1, 1b
    SET_PTE PT_ROOT, ROOT_INDEX(RAM_BASE), PTE_LEAF(RAM_BASE, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
    SET_PTE PT_ROOT, ROOT_INDEX(TEST_VA_BASE), PTE_TABLE(PT_L0)
    ret
    .popsection
#endif /* SV32_H */
