// Instruction decoder of the vCPU core: RV32IM + Zicsr + Zifencei + the SYSTEM
// encodings of the H-extension digest §8.  Purely combinational.  The privilege
// dependent outcome (virtual vs illegal instruction for SRET/WFI/SFENCE.VMA/CSRs)
// is decided by the core; this block only classifies the encoding.
module vcpu_decoder
  import vcpu_pkg::*;
(
  input  logic [31:0]         insn_i,
  output logic [CLS_W-1:0]    cls_o,        // instruction class (CLS_*)
  output logic [ALU_OP_W-1:0] alu_op_o,
  output logic [1:0]          alu_a_sel_o,  // OPA_*
  output logic                alu_b_imm_o,  // operand B = immediate (else rs2)
  output logic [31:0]         imm_o,
  output logic                rd_we_o,      // the instruction writes rd (before the x0 check)
  output logic                uses_rs1_o,
  output logic                uses_rs2_o
);

  logic [6:0]  opcode;
  logic [2:0]  funct3;
  logic [6:0]  funct7;
  logic [31:0] imm_i, imm_s, imm_b, imm_u, imm_j;

  logic        csr_imm;   // CSRR*I: the rs1 field is an immediate
  assign opcode  = insn_i[6:0];
  assign csr_imm = insn_i[14];
  assign funct3 = insn_i[14:12];
  assign funct7 = insn_i[31:25];

  // Legal funct3/funct7 combinations of OP-IMM and OP.
  logic op_imm_legal, op_legal;
  assign op_imm_legal = (funct3 != 3'd1 || funct7 == 7'h00) &&
                        (funct3 != 3'd5 || funct7 == 7'h00 || funct7 == 7'h20);
  assign op_legal     = (funct7 == 7'h00) || (funct7 == 7'h01) ||
                        (funct7 == 7'h20 && (funct3 == 3'd0 || funct3 == 3'd5));

  assign imm_i = {{20{insn_i[31]}}, insn_i[31:20]};
  assign imm_s = {{20{insn_i[31]}}, insn_i[31:25], insn_i[11:7]};
  assign imm_b = {{19{insn_i[31]}}, insn_i[31], insn_i[7], insn_i[30:25], insn_i[11:8], 1'b0};
  assign imm_u = {insn_i[31:12], 12'b0};
  assign imm_j = {{11{insn_i[31]}}, insn_i[31], insn_i[19:12], insn_i[20], insn_i[30:21], 1'b0};

  // One flag per legal encoding group.  (Continuous assignments only: Icarus 11.0
  // loops on always_comb blocks that assign a variable twice, see docs/rtl-core.md.)
  logic is_lui, is_auipc, is_jal, is_jalr, is_branch, is_load, is_store, is_op_imm, is_op;
  logic is_muldiv, is_fence, is_system0, is_csr, is_ecall, is_ebreak, is_sret, is_wfi;
  logic is_sfence, is_hfence, is_hlv, is_hsv;
  assign is_lui     = (opcode == OPC_LUI);
  assign is_auipc   = (opcode == OPC_AUIPC);
  assign is_jal     = (opcode == OPC_JAL);
  assign is_jalr    = (opcode == OPC_JALR) && (funct3 == 3'd0);
  assign is_branch  = (opcode == OPC_BRANCH) && (funct3 != 3'd2) && (funct3 != 3'd3);
  assign is_load    = (opcode == OPC_LOAD) && (funct3 != 3'd3) && (funct3 != 3'd6) &&
                      (funct3 != 3'd7);
  assign is_store   = (opcode == OPC_STORE) && (funct3 <= 3'd2);
  assign is_op_imm  = (opcode == OPC_OP_IMM) && op_imm_legal;
  assign is_op      = (opcode == OPC_OP) && op_legal;
  assign is_muldiv  = is_op && (funct7 == 7'h01);
  // FENCE (any fm/pred/succ) and FENCE.I are NOPs: one hart, no caches.
  assign is_fence   = (opcode == OPC_MISC_MEM) && (funct3 == 3'd0 || funct3 == 3'd1);
  assign is_system0 = (opcode == OPC_SYSTEM) && (funct3 == 3'd0);
  assign is_csr     = (opcode == OPC_SYSTEM) && (funct3 != 3'd0) && (funct3 != 3'd4);
  assign is_ecall   = (insn_i == INSN_ECALL);
  assign is_ebreak  = (insn_i == INSN_EBREAK);
  assign is_sret    = (insn_i == INSN_SRET);
  assign is_wfi     = (insn_i == INSN_WFI);
  assign is_sfence  = is_system0 && ((insn_i & MASK_FENCE_VMA) == MATCH_SFENCE_VMA);
  assign is_hfence  = is_system0 && ((insn_i & MASK_FENCE_VMA) == MATCH_HFENCE_VVMA ||
                                     (insn_i & MASK_FENCE_VMA) == MATCH_HFENCE_GVMA);
  // HLV.WU, HLV.D, HSV.D (RV64 only) and MRET match none of these: illegal.
  assign is_hlv     = (insn_i & MASK_HLV) == MATCH_HLV_B  || (insn_i & MASK_HLV) == MATCH_HLV_BU ||
                      (insn_i & MASK_HLV) == MATCH_HLV_H  || (insn_i & MASK_HLV) == MATCH_HLV_HU ||
                      (insn_i & MASK_HLV) == MATCH_HLVX_HU || (insn_i & MASK_HLV) == MATCH_HLV_W ||
                      (insn_i & MASK_HLV) == MATCH_HLVX_WU;
  assign is_hsv     = (insn_i & MASK_HSV) == MATCH_HSV_B || (insn_i & MASK_HSV) == MATCH_HSV_H ||
                      (insn_i & MASK_HSV) == MATCH_HSV_W;

  assign cls_o = (is_lui || is_auipc || is_op_imm || (is_op && !is_muldiv)) ? CLS_ALU    :
                 is_muldiv                                                  ? CLS_MULDIV :
                 is_jal                                                     ? CLS_JAL    :
                 is_jalr                                                    ? CLS_JALR   :
                 is_branch                                                  ? CLS_BRANCH :
                 is_load                                                    ? CLS_LOAD   :
                 is_store                                                   ? CLS_STORE  :
                 is_fence                                                   ? CLS_NOP    :
                 is_csr                                                     ? CLS_CSR    :
                 is_ecall                                                   ? CLS_ECALL  :
                 is_ebreak                                                  ? CLS_EBREAK :
                 is_sret                                                    ? CLS_SRET   :
                 is_wfi                                                     ? CLS_WFI    :
                 is_sfence                                                  ? CLS_SFENCE :
                 (is_hfence || is_hlv || is_hsv)                            ? CLS_HVIRT  :
                                                                              CLS_ILLEGAL;

  // ALU operation from funct3 (OP, OP-IMM); ADD for everything else (LUI, AUIPC).
  logic [ALU_OP_W-1:0] alu_op_f3;
  always_comb begin
    case (funct3)
      3'd0:    alu_op_f3 = (is_op && funct7 == 7'h20) ? ALU_SUB : ALU_ADD;
      3'd1:    alu_op_f3 = ALU_SLL;
      3'd2:    alu_op_f3 = ALU_SLT;
      3'd3:    alu_op_f3 = ALU_SLTU;
      3'd4:    alu_op_f3 = ALU_XOR;
      3'd5:    alu_op_f3 = (funct7 == 7'h20) ? ALU_SRA : ALU_SRL;
      3'd6:    alu_op_f3 = ALU_OR;
      default: alu_op_f3 = ALU_AND;
    endcase
  end
  assign alu_op_o    = (is_op_imm || is_op) ? alu_op_f3 : ALU_ADD;
  assign alu_a_sel_o = is_lui ? OPA_ZERO : (is_auipc ? OPA_PC : OPA_RS1);
  assign alu_b_imm_o = is_lui || is_auipc || is_op_imm;
  assign imm_o       = (is_lui || is_auipc) ? imm_u :
                       is_jal               ? imm_j :
                       is_branch            ? imm_b :
                       is_store             ? imm_s : imm_i;
  assign rd_we_o     = is_lui || is_auipc || is_jal || is_jalr || is_load || is_op_imm || is_op ||
                       is_csr;
  // Operands as the reference reports them: HLV reads rs1, HSV/HFENCE/SFENCE rs1 and rs2,
  // CSR*I and FENCE none.
  assign uses_rs1_o  = is_jalr || is_branch || is_load || is_store || is_op_imm || is_op ||
                       is_sfence || is_hfence || is_hlv || is_hsv || (is_csr && !csr_imm);
  assign uses_rs2_o  = is_branch || is_store || is_op || is_sfence || is_hfence || is_hsv;

endmodule
