// hvcosim-args: --quantum 250
// hvcosim-companions: vm_isolation_b
// hvcosim-covers: two VMs alive at once (this guest and vm_isolation_b, same guest-physical layout, interleaved every 250 retirements): each fills the same 8 guest-physical pages and an initialized data word with its own pattern, re-checks them many times while the other VM runs, and must never see the other VM's values.
// hvcosim-expect: exit=0 stdout-contains="[vm0] vm a ok" stdout-contains="[vm1] vm b ok"
#ifndef VM_KEY
#define VM_KEY      0xaaaa0000
#define OTHER_KEY   0xbbbb0000
#define VM_OK_MESSAGE "vm a ok"
#endif
#include "hvguest.h"

#define REGION      0x80200000
#define REGION_END  (REGION + 8 * PAGE_SIZE)
#define ROUNDS      8

    .text
    .globl main
main:
    /* The data word the ELF loaded is this VM's own. */
    la s0, image_word
    lw s1, 0(s0)
    CHECK s1, VM_KEY | 0x1111

    /* Before writing: no word of the region holds the other VM's pattern. */
    li s0, REGION
    li s1, REGION_END
    li s4, OTHER_KEY
1:  lw s2, 0(s0)
    srli s3, s2, 16
    slli s3, s3, 16
    sub s3, s3, s4
    seqz s3, s3
    CHECK s3, 0
    addi s0, s0, 256
    bltu s0, s1, 1b

    /* Fill: word = key | (offset >> 8), every 256 bytes. */
    li s0, REGION
    li s4, VM_KEY
2:  li t0, REGION
    sub s2, s0, t0
    srli s2, s2, 8
    or s2, s2, s4
    sw s2, 0(s0)
    addi s0, s0, 256
    bltu s0, s1, 2b

    /* Re-check many times: the other VM runs in between. */
    li s5, ROUNDS
3:  li s0, REGION
4:  li t0, REGION
    sub s2, s0, t0
    srli s2, s2, 8
    or s2, s2, s4
    lw s3, 0(s0)
    CHECK_EQ s3, s2
    addi s0, s0, 256
    bltu s0, s1, 4b
    la s0, image_word
    lw s3, 0(s0)
    CHECK s3, VM_KEY | 0x1111
    addi s5, s5, -1
    bnez s5, 3b

    PRINTLN VM_OK_MESSAGE
    li a0, 0
    ret

    .data
image_word:
    .word VM_KEY | 0x1111
