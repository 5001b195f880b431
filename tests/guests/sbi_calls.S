// hvcosim-covers: every SBI call of the platform with its return values: Base (spec version, impl id/version, probe of each platform extension and of an unknown one, mvendorid/marchid/mimpid, unknown FID), TIME set_timer, DBCN write (count returned; buffers outside RAM or above 4 GiB refused; empty write)/read (no input: 0 bytes)/write_byte, an unknown FID of every extension (-2), HSM get_status of this hart and of a nonexistent one, SRST with an invalid type, legacy putchar (a1 untouched)/getchar (no input: -1), an unknown EID (-2); registers other than a0/a1 preserved across ecall.
// hvcosim-expect: exit=0 stdout-contains="dbcn write ok\n" stdout-contains="X\n" stdout-contains="LG\n" stdout-contains="sbi calls ok"
#include "hvguest.h"

#define DBCN_TEXT_LEN 14   /* "dbcn write ok\n"; checked where the text is defined */

/* Base, TIME, SRST, DBCN, HSM must be present; the legacy extensions are probed too. */
.macro PROBE ext, present
    li a0, \ext
    SBI_CALL SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION
    CHECK a0, SBI_SUCCESS
    .if \present
    sltu a1, zero, a1               /* present: any nonzero value */
    CHECK a1, 1
    .else
    CHECK a1, 0
    .endif
.endm

    .text
    .globl main
main:
    addi sp, sp, -16
    sw ra, 0(sp)

    /* ---- Base ---- */
    SBI_CALL SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION
    CHECK a0, SBI_SUCCESS
    srli a2, a1, 31                 /* bit 31 must be 0 */
    CHECK a2, 0
    srli a2, a1, 24                 /* major version at least 1 (DBCN, SRST need 1.0+) */
    sltiu a2, a2, 1
    CHECK a2, 0
    SBI_CALL SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID
    CHECK a0, SBI_SUCCESS
    SBI_CALL SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION
    CHECK a0, SBI_SUCCESS
    SBI_CALL SBI_EXT_BASE, SBI_BASE_GET_MVENDORID
    CHECK a0, SBI_SUCCESS
    SBI_CALL SBI_EXT_BASE, SBI_BASE_GET_MARCHID
    CHECK a0, SBI_SUCCESS
    SBI_CALL SBI_EXT_BASE, SBI_BASE_GET_MIMPID
    CHECK a0, SBI_SUCCESS
    PROBE SBI_EXT_BASE, 1
    PROBE SBI_EXT_TIME, 1
    PROBE SBI_EXT_SRST, 1
    PROBE SBI_EXT_DBCN, 1
    PROBE SBI_EXT_HSM, 1
    PROBE 0x12345678, 0
    PROBE 0x735049, 0               /* IPI: not offered by this platform */
    SBI_CALL SBI_EXT_BASE, 99       /* unknown FID */
    CHECK a0, SBI_ERR_NOT_SUPPORTED

    /* ---- an unknown EID ---- */
    SBI_CALL 0x0A000000, 0
    CHECK a0, SBI_ERR_NOT_SUPPORTED

    /* ---- registers other than a0/a1 survive an ecall ---- */
    li a2, 0x2222
    li a3, 0x3333
    li a4, 0x4444
    li a5, 0x5555
    li s0, 0x5050
    li t0, 0x7070
    li ra, 0x1111
    mv s1, sp
    SBI_CALL SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION
    CHECK a2, 0x2222
    CHECK a3, 0x3333
    CHECK a4, 0x4444
    CHECK a5, 0x5555
    CHECK a6, SBI_BASE_GET_SPEC_VERSION
    CHECK a7, SBI_EXT_BASE
    CHECK s0, 0x5050
    CHECK t0, 0x7070
    CHECK ra, 0x1111
    CHECK_EQ sp, s1

    /* ---- TIME ---- */
    csrw sie, zero                  /* the timer interrupt is not enabled: nothing is taken */
    READ_TIME s1, s2
    li a2, 0x100000
    add a0, s1, a2
    mv a1, s2
    SBI_CALL SBI_EXT_TIME, SBI_TIME_SET_TIMER
    CHECK a0, SBI_SUCCESS
    li a0, -1
    li a1, -1
    SBI_CALL SBI_EXT_TIME, SBI_TIME_SET_TIMER
    CHECK a0, SBI_SUCCESS

    /* ---- DBCN ---- */
    la a1, dbcn_text
    li a0, DBCN_TEXT_LEN
    li a2, 0
    SBI_CALL SBI_EXT_DBCN, SBI_DBCN_WRITE
    CHECK a0, SBI_SUCCESS
    CHECK a1, DBCN_TEXT_LEN         /* the console takes all of it */
    li a0, 'X'
    SBI_CALL SBI_EXT_DBCN, SBI_DBCN_WRITE_BYTE
    CHECK a0, SBI_SUCCESS
    li a0, '\n'
    SBI_CALL SBI_EXT_DBCN, SBI_DBCN_WRITE_BYTE
    CHECK a0, SBI_SUCCESS
    la a1, read_buffer
    li a0, 8
    li a2, 0
    SBI_CALL SBI_EXT_DBCN, SBI_DBCN_READ
    CHECK a0, SBI_SUCCESS
    CHECK a1, 0                     /* no input attached */

    /* A buffer outside guest RAM, or above 4 GiB, is refused; an empty write is fine. */
    li a0, 4
    li a1, 0x20000000
    li a2, 0
    SBI_CALL SBI_EXT_DBCN, SBI_DBCN_WRITE
    CHECK a0, SBI_ERR_INVALID_PARAM
    li a0, 4
    la a1, dbcn_text
    li a2, 1                        /* base_addr_hi */
    SBI_CALL SBI_EXT_DBCN, SBI_DBCN_WRITE
    CHECK a0, SBI_ERR_INVALID_PARAM
    li a0, 0
    la a1, dbcn_text
    li a2, 0
    SBI_CALL SBI_EXT_DBCN, SBI_DBCN_WRITE
    CHECK a0, SBI_SUCCESS
    CHECK a1, 0

    /* ---- an unknown FID of each extension ---- */
    SBI_CALL SBI_EXT_TIME, 1
    CHECK a0, SBI_ERR_NOT_SUPPORTED
    SBI_CALL SBI_EXT_DBCN, 3
    CHECK a0, SBI_ERR_NOT_SUPPORTED
    SBI_CALL SBI_EXT_HSM, 9
    CHECK a0, SBI_ERR_NOT_SUPPORTED
    SBI_CALL SBI_EXT_SRST, 1
    CHECK a0, SBI_ERR_NOT_SUPPORTED

    /* ---- HSM ---- */
    li a0, 0
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS
    CHECK a0, SBI_SUCCESS
    CHECK a1, HSM_STATE_STARTED
    li a0, 7                        /* this VM has one vCPU */
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS
    CHECK a0, SBI_ERR_INVALID_PARAM
    li a0, 7
    la a1, hsm_secondary_entry
    li a2, 0
    SBI_CALL SBI_EXT_HSM, SBI_HSM_HART_START
    CHECK a0, SBI_ERR_INVALID_PARAM

    /* ---- SRST with a reserved type is refused, the run goes on ---- */
    li a0, 0x1000
    li a1, 0
    SBI_CALL SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET
    CHECK a0, SBI_ERR_INVALID_PARAM

    /* ---- legacy console: only a0 is returned, a1 is left alone ---- */
    li a0, 'L'
    li a1, 0xabcd
    li a7, SBI_LEGACY_PUTCHAR
    ecall
    CHECK a0, 0
    CHECK a1, 0xabcd
    li a0, 'G'
    li a7, SBI_LEGACY_PUTCHAR
    ecall
    li a0, '\n'
    li a7, SBI_LEGACY_PUTCHAR
    ecall
    li a1, 0xabcd
    li a7, SBI_LEGACY_GETCHAR
    ecall
    CHECK a0, -1                    /* no input */
    CHECK a1, 0xabcd

    PRINTLN "sbi calls ok"
    lw ra, 0(sp)
    addi sp, sp, 16
    li a0, 0
    ret

    .section .rodata
dbcn_text:
    .ascii "dbcn write ok\n"
    .if . - dbcn_text - DBCN_TEXT_LEN
    .error "DBCN_TEXT_LEN does not match the text"
    .endif

    .data
read_buffer:
    .space 8
