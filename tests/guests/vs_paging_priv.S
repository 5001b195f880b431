// hvcosim-covers: VS-stage permission rules by privilege: the U bit (VS loads/stores of U pages need vsstatus.SUM, VS never executes U pages even with SUM, VU needs U for data and fetch, SUM does not help VU), vsstatus.MXR making execute-only pages readable, Svade (A = 0 faults on any access, D = 0 faults on a store only, the PTE is left unchanged), VU code running from a U page and reaching U data.
// hvcosim-expect: exit=0 stdout-contains="vs paging priv ok"
#include "hvguest.h"
#include "sv32.h"

#define PAGE_S_DATA  0   /* RW, supervisor */
#define PAGE_U_DATA  1   /* RW, user */
#define PAGE_U_CODE  2   /* RX, user: a copy of user_snippets */
#define PAGE_S_XO    3   /* X only, supervisor */
#define PAGE_NO_A    4   /* RW, A = 0 */
#define PAGE_NO_D    5   /* RW, A = 1, D = 0 */
#define PAGE_S_CODE  6   /* RWX, supervisor: another copy of user_snippets */

#define SNIPPET_INCREMENT 0    /* lw a1,0(a0); addi a1,a1,1; sw a1,0(a0); ecall */
#define SNIPPET_STORE     16   /* sw a1,0(a0); ecall */

    .equ va_u_code, TEST_VA(PAGE_U_CODE)
    .equ va_u_store, TEST_VA(PAGE_U_CODE) + SNIPPET_STORE
    .equ va_s_code, TEST_VA(PAGE_S_CODE)
    .equ va_u_ecall, TEST_VA(PAGE_U_CODE) + 12
    .equ va_u_store_ecall, TEST_VA(PAGE_U_CODE) + SNIPPET_STORE + 4

/* Copy the six words of user_snippets to a physical page (through the identity map). */
.macro COPY_SNIPPETS pa
    la t0, user_snippets
    li t1, \pa
    li t2, 6
.Lcopy\@:
    lw t3, 0(t0)
    sw t3, 0(t1)
    addi t0, t0, 4
    addi t1, t1, 4
    addi t2, t2, -1
    bnez t2, .Lcopy\@
.endm

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)
    call sv32_init_tables
    SET_TEST_PTE PAGE_S_DATA, PTE_R | PTE_W | PTE_A | PTE_D
    SET_TEST_PTE PAGE_U_DATA, PTE_R | PTE_W | PTE_U | PTE_A | PTE_D
    SET_TEST_PTE PAGE_U_CODE, PTE_R | PTE_X | PTE_U | PTE_A
    SET_TEST_PTE PAGE_S_XO, PTE_X | PTE_A
    SET_TEST_PTE PAGE_NO_A, PTE_R | PTE_W
    SET_TEST_PTE PAGE_NO_D, PTE_R | PTE_W | PTE_A
    SET_TEST_PTE PAGE_S_CODE, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    COPY_SNIPPETS TEST_PA(PAGE_U_CODE)
    COPY_SNIPPETS TEST_PA(PAGE_S_CODE)
    COPY_SNIPPETS TEST_PA(PAGE_S_XO)
    li t0, TEST_PA(PAGE_U_DATA)
    li t1, 100
    sw t1, 0(t0)
    li t0, TEST_PA(PAGE_NO_D)
    li t1, 0xd0d0
    sw t1, 0(t0)
    fence.i
    SV32_ENABLE
    CSR_CLEAR sstatus, SSTATUS_SUM | SSTATUS_MXR

    /* ---- VS and U pages: SUM ---- */
    li s0, TEST_VA(PAGE_U_DATA)
    EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT
vs_u_load:
    lw s1, 0(s0)
    TRAPPED CAUSE_LOAD_PAGE_FAULT, vs_u_load
    CHECK t5, TEST_VA(PAGE_U_DATA)
    EXPECT_TRAP CAUSE_STORE_PAGE_FAULT
vs_u_store:
    sw s1, 0(s0)
    TRAPPED CAUSE_STORE_PAGE_FAULT, vs_u_store
    CSR_SET sstatus, SSTATUS_SUM
    lw s1, 0(s0)
    CHECK s1, 100
    li s1, 200
    sw s1, 0(s0)
    lw s1, 0(s0)
    CHECK s1, 200
    /* Even with SUM, VS does not execute from a U page. */
    EXPECT_TRAP_AT CAUSE_FETCH_PAGE_FAULT, 1f
    li s2, TEST_VA(PAGE_U_CODE)
    jalr s2
1:  TRAPPED CAUSE_FETCH_PAGE_FAULT, va_u_code
    CHECK t5, TEST_VA(PAGE_U_CODE)
    CSR_CLEAR sstatus, SSTATUS_SUM

    /* ---- MXR: execute-only becomes readable ---- */
    li s0, TEST_VA(PAGE_S_XO)
    EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT
xo_load:
    lw s1, 0(s0)
    TRAPPED CAUSE_LOAD_PAGE_FAULT, xo_load
    CSR_SET sstatus, SSTATUS_MXR
    lw s1, 0(s0)
    la s2, user_snippets
    lw s2, 0(s2)
    CHECK_EQ s1, s2                 /* the code word, read through an X-only mapping */
    EXPECT_TRAP CAUSE_STORE_PAGE_FAULT
xo_store_mxr:
    sw s1, 0(s0)                    /* MXR does not give write permission */
    TRAPPED CAUSE_STORE_PAGE_FAULT, xo_store_mxr
    CSR_CLEAR sstatus, SSTATUS_MXR

    /* ---- VU runs code from a U page and updates U data ---- */
    li a0, TEST_VA(PAGE_U_DATA)
    EXPECT_TRAP_AT CAUSE_USER_ECALL, 2f
    ENTER_VU_ADDR TEST_VA(PAGE_U_CODE) + SNIPPET_INCREMENT
2:  TRAPPED CAUSE_USER_ECALL, va_u_ecall
    li s0, TEST_PA(PAGE_U_DATA)
    lw s1, 0(s0)
    CHECK s1, 201

    /* ---- VU and supervisor pages: faults, and SUM does not help VU ---- */
    CSR_SET sstatus, SSTATUS_SUM
    li a0, TEST_VA(PAGE_S_DATA)
    EXPECT_TRAP_AT CAUSE_LOAD_PAGE_FAULT, 3f
    ENTER_VU_ADDR TEST_VA(PAGE_U_CODE) + SNIPPET_INCREMENT
3:  TRAPPED CAUSE_LOAD_PAGE_FAULT, va_u_code
    CHECK t5, TEST_VA(PAGE_S_DATA)
    TRAP_FIELD t5, TA_LAST_STATUS
    andi t5, t5, SSTATUS_SPP
    CHECK t5, 0
    li a0, TEST_VA(PAGE_S_DATA) + 8
    EXPECT_TRAP_AT CAUSE_STORE_PAGE_FAULT, 4f
    ENTER_VU_ADDR TEST_VA(PAGE_U_CODE) + SNIPPET_STORE
4:  TRAPPED CAUSE_STORE_PAGE_FAULT, va_u_store
    CHECK t5, TEST_VA(PAGE_S_DATA) + 8
    /* VU fetching from a supervisor page. */
    EXPECT_TRAP_AT CAUSE_FETCH_PAGE_FAULT, 5f
    ENTER_VU_ADDR TEST_VA(PAGE_S_CODE)
5:  TRAPPED CAUSE_FETCH_PAGE_FAULT, va_s_code
    CHECK t5, TEST_VA(PAGE_S_CODE)
    CSR_CLEAR sstatus, SSTATUS_SUM

    /* ---- Svade: A = 0 faults on every access; the PTE is not updated ---- */
    li s0, TEST_VA(PAGE_NO_A)
    EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT
no_a_load:
    lw s1, 0(s0)
    TRAPPED CAUSE_LOAD_PAGE_FAULT, no_a_load
    CHECK t5, TEST_VA(PAGE_NO_A)
    EXPECT_TRAP CAUSE_STORE_PAGE_FAULT
no_a_store:
    sw s1, 4(s0)
    TRAPPED CAUSE_STORE_PAGE_FAULT, no_a_store
    CHECK t5, TEST_VA(PAGE_NO_A) + 4
    li s2, PT_L0 + PAGE_NO_A * 4
    lw s3, 0(s2)
    CHECK s3, PTE_LEAF(TEST_PA(PAGE_NO_A), PTE_R | PTE_W)

    /* D = 0: loads work, stores fault, D stays clear. */
    li s0, TEST_VA(PAGE_NO_D)
    lw s1, 0(s0)
    CHECK s1, 0xd0d0
    EXPECT_TRAP CAUSE_STORE_PAGE_FAULT
no_d_store:
    sw s1, 0(s0)
    TRAPPED CAUSE_STORE_PAGE_FAULT, no_d_store
    li s2, PT_L0 + PAGE_NO_D * 4
    lw s3, 0(s2)
    CHECK s3, PTE_LEAF(TEST_PA(PAGE_NO_D), PTE_R | PTE_W | PTE_A)
    /* Set D by hand (what a kernel does on this fault), fence, and the store goes through. */
    ori s3, s3, PTE_D
    sw s3, 0(s2)
    sfence.vma s0, zero
    li s1, 0xd1d1
    sw s1, 0(s0)
    li s2, TEST_PA(PAGE_NO_D)
    lw s3, 0(s2)
    CHECK s3, 0xd1d1

    SV32_DISABLE
    PRINTLN "vs paging priv ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

/* Position-independent VU programs, copied to the test pages. */
user_snippets:
    lw a1, 0(a0)
    addi a1, a1, 1
    sw a1, 0(a0)
    ecall
    sw a1, 0(a0)                    /* SNIPPET_STORE = 16 */
    ecall
