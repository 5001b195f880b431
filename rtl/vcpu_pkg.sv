// Shared types and constants of the unit's RTL.  Owned by the core; the MMU and
// control blocks only read it.
/* verilator lint_off UNUSEDPARAM */
package vcpu_pkg;

  // Memory access kinds (core -> mmu).
  localparam logic [1:0] ACC_FETCH = 2'd0;
  localparam logic [1:0] ACC_LOAD  = 2'd1;
  localparam logic [1:0] ACC_STORE = 2'd2;

  // Exception codes (scause / vscause with the interrupt bit clear).
  localparam logic [4:0] EXC_INSN_MISALIGNED  = 5'd0;
  localparam logic [4:0] EXC_INSN_ACCESS      = 5'd1;
  localparam logic [4:0] EXC_ILLEGAL          = 5'd2;
  localparam logic [4:0] EXC_BREAKPOINT       = 5'd3;
  localparam logic [4:0] EXC_LOAD_MISALIGNED  = 5'd4;
  localparam logic [4:0] EXC_LOAD_ACCESS      = 5'd5;
  localparam logic [4:0] EXC_STORE_MISALIGNED = 5'd6;
  localparam logic [4:0] EXC_STORE_ACCESS     = 5'd7;
  localparam logic [4:0] EXC_ECALL_VU         = 5'd8;
  localparam logic [4:0] EXC_ECALL_VS         = 5'd10;
  localparam logic [4:0] EXC_INSN_PAGE        = 5'd12;
  localparam logic [4:0] EXC_LOAD_PAGE        = 5'd13;
  localparam logic [4:0] EXC_STORE_PAGE       = 5'd15;
  localparam logic [4:0] EXC_INSN_GUEST_PAGE  = 5'd20;
  localparam logic [4:0] EXC_LOAD_GUEST_PAGE  = 5'd21;
  localparam logic [4:0] EXC_VIRTUAL_INSN     = 5'd22;
  localparam logic [4:0] EXC_STORE_GUEST_PAGE = 5'd23;

  // htinst pseudo-instruction for a guest-page fault on an implicit VS page-table read.
  localparam logic [31:0] HTINST_PTE_READ = 32'h0000_2000;

endpackage
/* verilator lint_on UNUSEDPARAM */
