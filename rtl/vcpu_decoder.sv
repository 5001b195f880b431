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

  assign imm_i = {{20{insn_i[31]}}, insn_i[31:20]};
  assign imm_s = {{20{insn_i[31]}}, insn_i[31:25], insn_i[11:7]};
  assign imm_b = {{19{insn_i[31]}}, insn_i[31], insn_i[7], insn_i[30:25], insn_i[11:8], 1'b0};
  assign imm_u = {insn_i[31:12], 12'b0};
  assign imm_j = {{11{insn_i[31]}}, insn_i[31], insn_i[19:12], insn_i[20], insn_i[30:21], 1'b0};

  always_comb begin
    cls_o       = CLS_ILLEGAL;
    alu_op_o    = ALU_ADD;
    alu_a_sel_o = OPA_RS1;
    alu_b_imm_o = 1'b0;
    imm_o       = imm_i;
    rd_we_o     = 1'b0;
    uses_rs1_o  = 1'b0;
    uses_rs2_o  = 1'b0;

    case (opcode)
      OPC_LUI: begin
        cls_o       = CLS_ALU;
        alu_a_sel_o = OPA_ZERO;
        alu_b_imm_o = 1'b1;
        imm_o       = imm_u;
        rd_we_o     = 1'b1;
      end
      OPC_AUIPC: begin
        cls_o       = CLS_ALU;
        alu_a_sel_o = OPA_PC;
        alu_b_imm_o = 1'b1;
        imm_o       = imm_u;
        rd_we_o     = 1'b1;
      end
      OPC_JAL: begin
        cls_o   = CLS_JAL;
        imm_o   = imm_j;
        rd_we_o = 1'b1;
      end
      OPC_JALR: begin
        if (funct3 == 3'd0) begin
          cls_o      = CLS_JALR;
          rd_we_o    = 1'b1;
          uses_rs1_o = 1'b1;
        end
      end
      OPC_BRANCH: begin
        if (funct3 != 3'd2 && funct3 != 3'd3) begin
          cls_o      = CLS_BRANCH;
          imm_o      = imm_b;
          uses_rs1_o = 1'b1;
          uses_rs2_o = 1'b1;
        end
      end
      OPC_LOAD: begin
        if (funct3 != 3'd3 && funct3 != 3'd6 && funct3 != 3'd7) begin
          cls_o      = CLS_LOAD;
          rd_we_o    = 1'b1;
          uses_rs1_o = 1'b1;
        end
      end
      OPC_STORE: begin
        if (funct3 <= 3'd2) begin
          cls_o      = CLS_STORE;
          imm_o      = imm_s;
          uses_rs1_o = 1'b1;
          uses_rs2_o = 1'b1;
        end
      end
      OPC_OP_IMM: begin
        alu_b_imm_o = 1'b1;
        rd_we_o     = 1'b1;
        uses_rs1_o  = 1'b1;
        cls_o       = CLS_ALU;
        case (funct3)
          3'd0: alu_op_o = ALU_ADD;
          3'd2: alu_op_o = ALU_SLT;
          3'd3: alu_op_o = ALU_SLTU;
          3'd4: alu_op_o = ALU_XOR;
          3'd6: alu_op_o = ALU_OR;
          3'd7: alu_op_o = ALU_AND;
          3'd1: begin
            alu_op_o = ALU_SLL;
            if (funct7 != 7'h00) cls_o = CLS_ILLEGAL;
          end
          default: begin  // 3'd5
            if (funct7 == 7'h00) begin
              alu_op_o = ALU_SRL;
            end else if (funct7 == 7'h20) begin
              alu_op_o = ALU_SRA;
            end else begin
              cls_o = CLS_ILLEGAL;
            end
          end
        endcase
        if (cls_o == CLS_ILLEGAL) begin
          rd_we_o    = 1'b0;
          uses_rs1_o = 1'b0;
        end
      end
      OPC_OP: begin
        if (funct7 == 7'h00) begin
          cls_o = CLS_ALU;
          case (funct3)
            3'd0:    alu_op_o = ALU_ADD;
            3'd1:    alu_op_o = ALU_SLL;
            3'd2:    alu_op_o = ALU_SLT;
            3'd3:    alu_op_o = ALU_SLTU;
            3'd4:    alu_op_o = ALU_XOR;
            3'd5:    alu_op_o = ALU_SRL;
            3'd6:    alu_op_o = ALU_OR;
            default: alu_op_o = ALU_AND;
          endcase
        end else if (funct7 == 7'h20 && funct3 == 3'd0) begin
          cls_o    = CLS_ALU;
          alu_op_o = ALU_SUB;
        end else if (funct7 == 7'h20 && funct3 == 3'd5) begin
          cls_o    = CLS_ALU;
          alu_op_o = ALU_SRA;
        end else if (funct7 == 7'h01) begin
          cls_o = CLS_MULDIV;
        end
        if (cls_o != CLS_ILLEGAL) begin
          rd_we_o    = 1'b1;
          uses_rs1_o = 1'b1;
          uses_rs2_o = 1'b1;
        end
      end
      OPC_MISC_MEM: begin
        // FENCE (any fm/pred/succ) and FENCE.I are NOPs: one hart, no caches.
        if (funct3 == 3'd0 || funct3 == 3'd1) cls_o = CLS_NOP;
      end
      OPC_SYSTEM: begin
        if (funct3 == 3'd0) begin
          if (insn_i == INSN_ECALL) begin
            cls_o = CLS_ECALL;
          end else if (insn_i == INSN_EBREAK) begin
            cls_o = CLS_EBREAK;
          end else if (insn_i == INSN_SRET) begin
            cls_o = CLS_SRET;
          end else if (insn_i == INSN_WFI) begin
            cls_o = CLS_WFI;
          end else if ((insn_i & MASK_FENCE_VMA) == MATCH_SFENCE_VMA) begin
            cls_o      = CLS_SFENCE;
            uses_rs1_o = 1'b1;
            uses_rs2_o = 1'b1;
          end else if ((insn_i & MASK_FENCE_VMA) == MATCH_HFENCE_VVMA ||
                       (insn_i & MASK_FENCE_VMA) == MATCH_HFENCE_GVMA) begin
            cls_o      = CLS_HVIRT;
            uses_rs1_o = 1'b1;
            uses_rs2_o = 1'b1;
          end
          // MRET and everything else: illegal.
        end else if (funct3 == 3'd4) begin
          // Operands as the reference reports them: HLV reads rs1, HSV rs1 and rs2.
          if ((insn_i & MASK_HLV) == MATCH_HLV_B  || (insn_i & MASK_HLV) == MATCH_HLV_BU ||
              (insn_i & MASK_HLV) == MATCH_HLV_H  || (insn_i & MASK_HLV) == MATCH_HLV_HU ||
              (insn_i & MASK_HLV) == MATCH_HLVX_HU || (insn_i & MASK_HLV) == MATCH_HLV_W ||
              (insn_i & MASK_HLV) == MATCH_HLVX_WU) begin
            cls_o      = CLS_HVIRT;
            uses_rs1_o = 1'b1;
          end else if ((insn_i & MASK_HSV) == MATCH_HSV_B || (insn_i & MASK_HSV) == MATCH_HSV_H ||
                       (insn_i & MASK_HSV) == MATCH_HSV_W) begin
            cls_o      = CLS_HVIRT;
            uses_rs1_o = 1'b1;
            uses_rs2_o = 1'b1;
          end
          // HLV.WU, HLV.D, HSV.D (RV64 only) and the rest: illegal.
        end else begin
          cls_o      = CLS_CSR;
          rd_we_o    = 1'b1;
          uses_rs1_o = ~csr_imm;
        end
      end
      default: ;
    endcase
  end

endmodule
