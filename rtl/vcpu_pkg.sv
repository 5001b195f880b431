// Shared types and constants of the unit's RTL.  Owned by the core; the MMU and
// control blocks only read it.
/* verilator lint_off UNUSEDPARAM */
package vcpu_pkg;

  import vcpu_regmap_pkg::*;

  // Memory access kinds (core -> mmu).
  localparam logic [1:0] ACC_FETCH = 2'd0;
  localparam logic [1:0] ACC_LOAD  = 2'd1;
  localparam logic [1:0] ACC_STORE = 2'd2;

  // Access sizes (core -> mmu, req_size).
  localparam logic [1:0] SIZE_BYTE = 2'd0;
  localparam logic [1:0] SIZE_HALF = 2'd1;
  localparam logic [1:0] SIZE_WORD = 2'd2;

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

  // Interrupt codes as HS sees them (hip/hie/hvip bit numbers) and as the guest sees them.
  localparam logic [4:0] IRQ_SSI  = 5'd1;   // the unit's STOP exit
  localparam logic [4:0] IRQ_VSSI = 5'd2;
  localparam logic [4:0] IRQ_STI  = 5'd5;   // the unit's PREEMPT exit
  localparam logic [4:0] IRQ_VSTI = 5'd6;
  localparam logic [4:0] IRQ_SEI  = 5'd9;
  localparam logic [4:0] IRQ_VSEI = 5'd10;

  // Exit causes of the unit's own HS-level interrupts (interfaces/vcpu_state.py).
  localparam logic [31:0] STOP_CAUSE    = 32'h8000_0001;
  localparam logic [31:0] PREEMPT_CAUSE = 32'h8000_0005;

  // htinst pseudo-instruction for a guest-page fault on an implicit VS page-table read.
  localparam logic [31:0] HTINST_PTE_READ = 32'h0000_2000;

  // Privilege encodings of the context's `priv` field (1 = VS, 0 = VU).
  localparam logic PRIV_VU = 1'b0;
  localparam logic PRIV_VS = 1'b1;

  // Major opcodes (insn[6:0]).
  localparam logic [6:0] OPC_LOAD     = 7'h03;
  localparam logic [6:0] OPC_MISC_MEM = 7'h0F;
  localparam logic [6:0] OPC_OP_IMM   = 7'h13;
  localparam logic [6:0] OPC_AUIPC    = 7'h17;
  localparam logic [6:0] OPC_STORE    = 7'h23;
  localparam logic [6:0] OPC_OP       = 7'h33;
  localparam logic [6:0] OPC_LUI      = 7'h37;
  localparam logic [6:0] OPC_BRANCH   = 7'h63;
  localparam logic [6:0] OPC_JALR     = 7'h67;
  localparam logic [6:0] OPC_JAL      = 7'h6F;
  localparam logic [6:0] OPC_SYSTEM   = 7'h73;

  // Exact SYSTEM encodings and match/mask pairs (digest §8).
  localparam logic [31:0] INSN_ECALL   = 32'h0000_0073;
  localparam logic [31:0] INSN_EBREAK  = 32'h0010_0073;
  localparam logic [31:0] INSN_SRET    = 32'h1020_0073;
  localparam logic [31:0] INSN_MRET    = 32'h3020_0073;
  localparam logic [31:0] INSN_WFI     = 32'h1050_0073;
  localparam logic [31:0] MASK_FENCE_VMA    = 32'hFE00_7FFF;
  localparam logic [31:0] MATCH_SFENCE_VMA  = 32'h1200_0073;
  localparam logic [31:0] MATCH_HFENCE_VVMA = 32'h2200_0073;
  localparam logic [31:0] MATCH_HFENCE_GVMA = 32'h6200_0073;
  localparam logic [31:0] MASK_HLV          = 32'hFFF0_707F;
  localparam logic [31:0] MATCH_HLV_B       = 32'h6000_4073;
  localparam logic [31:0] MATCH_HLV_BU      = 32'h6010_4073;
  localparam logic [31:0] MATCH_HLV_H       = 32'h6400_4073;
  localparam logic [31:0] MATCH_HLV_HU      = 32'h6410_4073;
  localparam logic [31:0] MATCH_HLVX_HU     = 32'h6430_4073;
  localparam logic [31:0] MATCH_HLV_W       = 32'h6800_4073;
  localparam logic [31:0] MATCH_HLVX_WU     = 32'h6830_4073;
  localparam logic [31:0] MASK_HSV          = 32'hFE00_7FFF;
  localparam logic [31:0] MATCH_HSV_B       = 32'h6200_4073;
  localparam logic [31:0] MATCH_HSV_H       = 32'h6600_4073;
  localparam logic [31:0] MATCH_HSV_W       = 32'h6A00_4073;

  // Instruction classes (decoder -> core).
  localparam int CLS_W = 4;
  localparam logic [CLS_W-1:0] CLS_ILLEGAL = 4'd0;   // reserved / unimplemented: illegal-instruction
  localparam logic [CLS_W-1:0] CLS_ALU     = 4'd1;   // LUI, AUIPC, OP, OP-IMM
  localparam logic [CLS_W-1:0] CLS_JAL     = 4'd2;
  localparam logic [CLS_W-1:0] CLS_JALR    = 4'd3;
  localparam logic [CLS_W-1:0] CLS_BRANCH  = 4'd4;
  localparam logic [CLS_W-1:0] CLS_LOAD    = 4'd5;
  localparam logic [CLS_W-1:0] CLS_STORE   = 4'd6;
  localparam logic [CLS_W-1:0] CLS_MULDIV  = 4'd7;
  localparam logic [CLS_W-1:0] CLS_NOP     = 4'd8;   // FENCE, FENCE.I
  localparam logic [CLS_W-1:0] CLS_CSR     = 4'd9;
  localparam logic [CLS_W-1:0] CLS_ECALL   = 4'd10;
  localparam logic [CLS_W-1:0] CLS_EBREAK  = 4'd11;
  localparam logic [CLS_W-1:0] CLS_SRET    = 4'd12;
  localparam logic [CLS_W-1:0] CLS_WFI     = 4'd13;
  localparam logic [CLS_W-1:0] CLS_SFENCE  = 4'd14;
  localparam logic [CLS_W-1:0] CLS_HVIRT   = 4'd15;  // HLV/HLVX/HSV/HFENCE.*: virtual-instruction

  // ALU operations.
  localparam int ALU_OP_W = 4;
  localparam logic [ALU_OP_W-1:0] ALU_ADD  = 4'd0;
  localparam logic [ALU_OP_W-1:0] ALU_SUB  = 4'd1;
  localparam logic [ALU_OP_W-1:0] ALU_SLL  = 4'd2;
  localparam logic [ALU_OP_W-1:0] ALU_SLT  = 4'd3;
  localparam logic [ALU_OP_W-1:0] ALU_SLTU = 4'd4;
  localparam logic [ALU_OP_W-1:0] ALU_XOR  = 4'd5;
  localparam logic [ALU_OP_W-1:0] ALU_SRL  = 4'd6;
  localparam logic [ALU_OP_W-1:0] ALU_SRA  = 4'd7;
  localparam logic [ALU_OP_W-1:0] ALU_OR   = 4'd8;
  localparam logic [ALU_OP_W-1:0] ALU_AND  = 4'd9;

  // ALU operand A selection.
  localparam logic [1:0] OPA_RS1  = 2'd0;
  localparam logic [1:0] OPA_PC   = 2'd1;
  localparam logic [1:0] OPA_ZERO = 2'd2;

  // Context storage: compact word index of the non-GPR state words, {ST_*[6], ST_*[4:0]}
  // (the header words 0x00-0x1F and the CSR words 0x40-0x5F of the register-map window).
  localparam int CW_W   = 6;
  localparam int CW_NUM = 64;
  localparam logic [CW_W-1:0] CW_BUDGET      = {ST_BUDGET[6], ST_BUDGET[4:0]};
  localparam logic [CW_W-1:0] CW_PRIV        = {ST_PRIV[6], ST_PRIV[4:0]};
  localparam logic [CW_W-1:0] CW_PC          = {ST_PC[6], ST_PC[4:0]};
  localparam logic [CW_W-1:0] CW_SCAUSE      = {ST_SCAUSE[6], ST_SCAUSE[4:0]};
  localparam logic [CW_W-1:0] CW_SEPC        = {ST_SEPC[6], ST_SEPC[4:0]};
  localparam logic [CW_W-1:0] CW_STVAL       = {ST_STVAL[6], ST_STVAL[4:0]};
  localparam logic [CW_W-1:0] CW_HTVAL       = {ST_HTVAL[6], ST_HTVAL[4:0]};
  localparam logic [CW_W-1:0] CW_HTINST      = {ST_HTINST[6], ST_HTINST[4:0]};
  localparam logic [CW_W-1:0] CW_INSTRET     = {ST_INSTRET[6], ST_INSTRET[4:0]};
  localparam logic [CW_W-1:0] CW_INSTRETH    = {ST_INSTRETH[6], ST_INSTRETH[4:0]};
  localparam logic [CW_W-1:0] CW_CYCLE       = {ST_CYCLE[6], ST_CYCLE[4:0]};
  localparam logic [CW_W-1:0] CW_CYCLEH      = {ST_CYCLEH[6], ST_CYCLEH[4:0]};
  localparam logic [CW_W-1:0] CW_MCOUNTEREN  = {ST_MCOUNTEREN[6], ST_MCOUNTEREN[4:0]};
  localparam logic [CW_W-1:0] CW_HS_SSTATUS  = {ST_HS_SSTATUS[6], ST_HS_SSTATUS[4:0]};
  localparam logic [CW_W-1:0] CW_HSTATUS     = {ST_HSTATUS[6], ST_HSTATUS[4:0]};
  localparam logic [CW_W-1:0] CW_HEDELEG     = {ST_HEDELEG[6], ST_HEDELEG[4:0]};
  localparam logic [CW_W-1:0] CW_HEDELEGH    = {ST_HEDELEGH[6], ST_HEDELEGH[4:0]};
  localparam logic [CW_W-1:0] CW_HIDELEG     = {ST_HIDELEG[6], ST_HIDELEG[4:0]};
  localparam logic [CW_W-1:0] CW_HIE         = {ST_HIE[6], ST_HIE[4:0]};
  localparam logic [CW_W-1:0] CW_HTIMEDELTA  = {ST_HTIMEDELTA[6], ST_HTIMEDELTA[4:0]};
  localparam logic [CW_W-1:0] CW_HTIMEDELTAH = {ST_HTIMEDELTAH[6], ST_HTIMEDELTAH[4:0]};
  localparam logic [CW_W-1:0] CW_HCOUNTEREN  = {ST_HCOUNTEREN[6], ST_HCOUNTEREN[4:0]};
  localparam logic [CW_W-1:0] CW_HGEIE       = {ST_HGEIE[6], ST_HGEIE[4:0]};
  localparam logic [CW_W-1:0] CW_HENVCFG     = {ST_HENVCFG[6], ST_HENVCFG[4:0]};
  localparam logic [CW_W-1:0] CW_HENVCFGH    = {ST_HENVCFGH[6], ST_HENVCFGH[4:0]};
  localparam logic [CW_W-1:0] CW_HVIP        = {ST_HVIP[6], ST_HVIP[4:0]};
  localparam logic [CW_W-1:0] CW_HGATP       = {ST_HGATP[6], ST_HGATP[4:0]};
  localparam logic [CW_W-1:0] CW_HGEIP       = {ST_HGEIP[6], ST_HGEIP[4:0]};
  localparam logic [CW_W-1:0] CW_VSSTATUS    = {ST_VSSTATUS[6], ST_VSSTATUS[4:0]};
  localparam logic [CW_W-1:0] CW_VSTVEC      = {ST_VSTVEC[6], ST_VSTVEC[4:0]};
  localparam logic [CW_W-1:0] CW_VSSCRATCH   = {ST_VSSCRATCH[6], ST_VSSCRATCH[4:0]};
  localparam logic [CW_W-1:0] CW_VSEPC       = {ST_VSEPC[6], ST_VSEPC[4:0]};
  localparam logic [CW_W-1:0] CW_VSCAUSE     = {ST_VSCAUSE[6], ST_VSCAUSE[4:0]};
  localparam logic [CW_W-1:0] CW_VSTVAL      = {ST_VSTVAL[6], ST_VSTVAL[4:0]};
  localparam logic [CW_W-1:0] CW_VSATP       = {ST_VSATP[6], ST_VSATP[4:0]};
  localparam logic [CW_W-1:0] CW_VSTIMECMP   = {ST_VSTIMECMP[6], ST_VSTIMECMP[4:0]};
  localparam logic [CW_W-1:0] CW_VSTIMECMPH  = {ST_VSTIMECMPH[6], ST_VSTIMECMPH[4:0]};
  localparam logic [CW_W-1:0] CW_SCOUNTEREN  = {ST_SCOUNTEREN[6], ST_SCOUNTEREN[4:0]};
  localparam logic [CW_W-1:0] CW_SENVCFG     = {ST_SENVCFG[6], ST_SENVCFG[4:0]};

endpackage
/* verilator lint_on UNUSEDPARAM */
