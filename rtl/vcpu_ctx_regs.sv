// Storage of every vCPU context's architectural state: the general-purpose
// registers x1..x31 and the state words of the register-map window (header
// words 0x00-0x1F and CSR words 0x40-0x5F, kept at the compact index CW_*).
// Three kinds of access:
//   - the state port (ctl; never the active context): one request at a time,
//     st_ready_o one cycle after the request is seen, writes masked by *_VMM_MASK;
//   - the core, on the active context: two GPR read ports, one GPR write port,
//     the full word image of the context, NUM_WP word write ports (later ports win);
//   - ctx_reset_i: every field of one context to its *_RESET value (also at rst_ni).
module vcpu_ctx_regs
  import vcpu_pkg::*;
  import vcpu_regmap_pkg::*;
#(
  parameter int CTX_W     = 1,
  parameter int NUM_WP    = 8
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  // State port.
  input  logic                     st_valid_i,
  input  logic                     st_write_i,
  input  logic [CTX_W-1:0]         st_ctx_i,
  input  logic [9:0]               st_word_i,
  input  logic [31:0]              st_wdata_i,
  output logic                     st_ready_o,
  output logic [31:0]              st_rdata_o,
  input  logic                     ctx_reset_i,
  input  logic [CTX_W-1:0]         ctx_reset_ctx_i,
  // Active context.
  input  logic [CTX_W-1:0]         act_ctx_i,
  input  logic [4:0]               rs1_addr_i,
  input  logic [4:0]               rs2_addr_i,
  output logic [31:0]              rs1_rdata_o,
  output logic [31:0]              rs2_rdata_o,
  input  logic                     gpr_we_i,
  input  logic [4:0]               gpr_waddr_i,
  input  logic [31:0]              gpr_wdata_i,
  output logic [CW_NUM*32-1:0]     act_words_o,
  input  logic [NUM_WP-1:0]        wp_en_i,
  input  logic [NUM_WP*CW_W-1:0]   wp_idx_i,
  input  logic [NUM_WP*32-1:0]     wp_data_i
);

  // Storage rows: a power of two (contexts at or beyond NUM_VCPUS are never addressed).
  localparam int NCTX      = 1 << CTX_W;
  localparam int NUM_GPR   = 32;
  localparam int GPR_ENTRIES = NCTX * NUM_GPR;
  localparam int CW_ENTRIES  = NCTX * CW_NUM;
  localparam logic [31:0] HGATP_MODE = 32'h8000_0000;
  localparam logic [31:0] HGATP_PPN_LOW = 32'h0000_0003;  // read 0 in Sv32x4 (16 KiB root)

  logic [31:0]              gpr_q [GPR_ENTRIES];
  logic [CW_ENTRIES*32-1:0] cw_flat;   // state word {ctx, CW} at bits {ctx, CW, 5'b0} +: 32

  // Reset value of a state word.
  function automatic logic [31:0] cw_reset(input logic [CW_W-1:0] cw);
    cw_reset = 32'd0;
    case (cw)
      CW_BUDGET:      cw_reset = BUDGET_RESET;
      CW_PRIV:        cw_reset = PRIV_RESET;
      CW_PC:          cw_reset = PC_RESET;
      CW_SCAUSE:      cw_reset = SCAUSE_RESET;
      CW_SEPC:        cw_reset = SEPC_RESET;
      CW_STVAL:       cw_reset = STVAL_RESET;
      CW_HTVAL:       cw_reset = HTVAL_RESET;
      CW_HTINST:      cw_reset = HTINST_RESET;
      CW_INSTRET:     cw_reset = INSTRET_RESET;
      CW_INSTRETH:    cw_reset = INSTRETH_RESET;
      CW_CYCLE:       cw_reset = CYCLE_RESET;
      CW_CYCLEH:      cw_reset = CYCLEH_RESET;
      CW_MCOUNTEREN:  cw_reset = MCOUNTEREN_RESET;
      CW_HS_SSTATUS:  cw_reset = HS_SSTATUS_RESET;
      CW_HSTATUS:     cw_reset = HSTATUS_RESET;
      CW_HEDELEG:     cw_reset = HEDELEG_RESET;
      CW_HEDELEGH:    cw_reset = HEDELEGH_RESET;
      CW_HIDELEG:     cw_reset = HIDELEG_RESET;
      CW_HIE:         cw_reset = HIE_RESET;
      CW_HTIMEDELTA:  cw_reset = HTIMEDELTA_RESET;
      CW_HTIMEDELTAH: cw_reset = HTIMEDELTAH_RESET;
      CW_HCOUNTEREN:  cw_reset = HCOUNTEREN_RESET;
      CW_HGEIE:       cw_reset = HGEIE_RESET;
      CW_HENVCFG:     cw_reset = HENVCFG_RESET;
      CW_HENVCFGH:    cw_reset = HENVCFGH_RESET;
      CW_HVIP:        cw_reset = HVIP_RESET;
      CW_HGATP:       cw_reset = HGATP_RESET;
      CW_HGEIP:       cw_reset = HGEIP_RESET;
      CW_VSSTATUS:    cw_reset = VSSTATUS_RESET;
      CW_VSTVEC:      cw_reset = VSTVEC_RESET;
      CW_VSSCRATCH:   cw_reset = VSSCRATCH_RESET;
      CW_VSEPC:       cw_reset = VSEPC_RESET;
      CW_VSCAUSE:     cw_reset = VSCAUSE_RESET;
      CW_VSTVAL:      cw_reset = VSTVAL_RESET;
      CW_VSATP:       cw_reset = VSATP_RESET;
      CW_VSTIMECMP:   cw_reset = VSTIMECMP_RESET;
      CW_VSTIMECMPH:  cw_reset = VSTIMECMPH_RESET;
      CW_SCOUNTEREN:  cw_reset = SCOUNTEREN_RESET;
      CW_SENVCFG:     cw_reset = SENVCFG_RESET;
      default: ;
    endcase
  endfunction

  // VMM-writable mask of a state word (0 for words that are not stored).
  function automatic logic [31:0] cw_vmm_mask(input logic [CW_W-1:0] cw);
    cw_vmm_mask = 32'd0;
    case (cw)
      CW_BUDGET:      cw_vmm_mask = BUDGET_VMM_MASK;
      CW_PRIV:        cw_vmm_mask = PRIV_VMM_MASK;
      CW_PC:          cw_vmm_mask = PC_VMM_MASK;
      CW_SCAUSE:      cw_vmm_mask = SCAUSE_VMM_MASK;
      CW_SEPC:        cw_vmm_mask = SEPC_VMM_MASK;
      CW_STVAL:       cw_vmm_mask = STVAL_VMM_MASK;
      CW_HTVAL:       cw_vmm_mask = HTVAL_VMM_MASK;
      CW_HTINST:      cw_vmm_mask = HTINST_VMM_MASK;
      CW_INSTRET:     cw_vmm_mask = INSTRET_VMM_MASK;
      CW_INSTRETH:    cw_vmm_mask = INSTRETH_VMM_MASK;
      CW_CYCLE:       cw_vmm_mask = CYCLE_VMM_MASK;
      CW_CYCLEH:      cw_vmm_mask = CYCLEH_VMM_MASK;
      CW_MCOUNTEREN:  cw_vmm_mask = MCOUNTEREN_VMM_MASK;
      CW_HS_SSTATUS:  cw_vmm_mask = HS_SSTATUS_VMM_MASK;
      CW_HSTATUS:     cw_vmm_mask = HSTATUS_VMM_MASK;
      CW_HEDELEG:     cw_vmm_mask = HEDELEG_VMM_MASK;
      CW_HEDELEGH:    cw_vmm_mask = HEDELEGH_VMM_MASK;
      CW_HIDELEG:     cw_vmm_mask = HIDELEG_VMM_MASK;
      CW_HIE:         cw_vmm_mask = HIE_VMM_MASK;
      CW_HTIMEDELTA:  cw_vmm_mask = HTIMEDELTA_VMM_MASK;
      CW_HTIMEDELTAH: cw_vmm_mask = HTIMEDELTAH_VMM_MASK;
      CW_HCOUNTEREN:  cw_vmm_mask = HCOUNTEREN_VMM_MASK;
      CW_HGEIE:       cw_vmm_mask = HGEIE_VMM_MASK;
      CW_HENVCFG:     cw_vmm_mask = HENVCFG_VMM_MASK;
      CW_HENVCFGH:    cw_vmm_mask = HENVCFGH_VMM_MASK;
      CW_HVIP:        cw_vmm_mask = HVIP_VMM_MASK;
      CW_HGATP:       cw_vmm_mask = HGATP_VMM_MASK;
      CW_HGEIP:       cw_vmm_mask = HGEIP_VMM_MASK;
      CW_VSSTATUS:    cw_vmm_mask = VSSTATUS_VMM_MASK;
      CW_VSTVEC:      cw_vmm_mask = VSTVEC_VMM_MASK;
      CW_VSSCRATCH:   cw_vmm_mask = VSSCRATCH_VMM_MASK;
      CW_VSEPC:       cw_vmm_mask = VSEPC_VMM_MASK;
      CW_VSCAUSE:     cw_vmm_mask = VSCAUSE_VMM_MASK;
      CW_VSTVAL:      cw_vmm_mask = VSTVAL_VMM_MASK;
      CW_VSATP:       cw_vmm_mask = VSATP_VMM_MASK;
      CW_VSTIMECMP:   cw_vmm_mask = VSTIMECMP_VMM_MASK;
      CW_VSTIMECMPH:  cw_vmm_mask = VSTIMECMPH_VMM_MASK;
      CW_SCOUNTEREN:  cw_vmm_mask = SCOUNTEREN_VMM_MASK;
      CW_SENVCFG:     cw_vmm_mask = SENVCFG_VMM_MASK;
      default: ;
    endcase
  endfunction

  // ---------------------------------------------------------------------------
  // State port decode.
  logic            st_ready_q;
  logic [31:0]     st_rdata_q;
  logic            st_accept;
  logic            st_is_gpr, st_is_cw;
  logic [4:0]      st_reg;
  logic [CW_W-1:0] st_cw;
  logic [31:0]     st_cw_old, st_cw_mask, st_cw_merged, st_cw_new, st_gpr_old;

  assign st_accept  = st_valid_i & ~st_ready_q;
  assign st_is_gpr  = (st_word_i[9:5] == 5'b00001);
  assign st_is_cw   = (st_word_i[9:7] == 3'b000) && !st_word_i[5];
  assign st_reg     = st_word_i[4:0];
  assign st_cw      = {st_word_i[6], st_word_i[4:0]};
  assign st_cw_old  = cw_flat[{st_ctx_i, st_cw, 5'd0} +: 32];
  assign st_gpr_old = (st_reg == 5'd0) ? 32'd0 : gpr_q[{st_ctx_i, st_reg}];
  assign st_cw_mask = cw_vmm_mask(st_cw);

  assign st_cw_merged = (st_cw_old & ~st_cw_mask) | (st_wdata_i & st_cw_mask);
  assign st_cw_new    = (st_cw == CW_HGATP && (st_cw_merged & HGATP_MODE) != 32'd0) ?
                        (st_cw_merged & ~HGATP_PPN_LOW) : st_cw_merged;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      st_ready_q <= 1'b0;
      st_rdata_q <= 32'd0;
    end else begin
      st_ready_q <= st_accept;
      if (st_accept) begin
        if (st_is_gpr) begin
          st_rdata_q <= st_gpr_old;
        end else if (st_is_cw) begin
          st_rdata_q <= st_cw_old;
        end else begin
          st_rdata_q <= 32'd0;
        end
      end
    end
  end

  assign st_ready_o = st_ready_q;
  assign st_rdata_o = st_rdata_q;

  // ---------------------------------------------------------------------------
  // General-purpose registers.
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      for (int i = 0; i < GPR_ENTRIES; i++) begin
        gpr_q[i] <= 32'd0;
      end
    end else begin
      // State port (a non-running context).
      if (st_accept && st_write_i && st_is_gpr && st_reg != 5'd0) begin
        gpr_q[{st_ctx_i, st_reg}] <= st_wdata_i;
      end
      // Core (the active context).
      if (gpr_we_i && gpr_waddr_i != 5'd0) begin
        gpr_q[{act_ctx_i, gpr_waddr_i}] <= gpr_wdata_i;
      end
      // Context reset.
      if (ctx_reset_i) begin
        for (int r = 0; r < NUM_GPR; r++) begin
          gpr_q[{ctx_reset_ctx_i, 5'(r)}] <= 32'd0;
        end
      end
    end
  end

  // ---------------------------------------------------------------------------
  // State words: a register only where the word holds a field (nonzero VMM mask or
  // reset value); the other words of the window read 0 and cost nothing.
  for (genvar c = 0; c < NCTX; c++) begin : g_cw_ctx
    for (genvar w = 0; w < CW_NUM; w++) begin : g_cw_word
      if (cw_vmm_mask(CW_W'(w)) != 32'd0 || cw_reset(CW_W'(w)) != 32'd0) begin : g_stored
        logic [31:0]       word_q;
        logic              st_hit, rst_hit;
        logic [NUM_WP-1:0] wp_hit;
        assign st_hit  = st_accept && st_write_i && st_is_cw && (st_ctx_i == CTX_W'(c)) &&
                         (st_cw == CW_W'(w));
        assign rst_hit = ctx_reset_i && (ctx_reset_ctx_i == CTX_W'(c));
        for (genvar p = 0; p < NUM_WP; p++) begin : g_wp
          assign wp_hit[p] = wp_en_i[p] && (act_ctx_i == CTX_W'(c)) &&
                             (wp_idx_i[p*CW_W +: CW_W] == CW_W'(w));
        end
        always_ff @(posedge clk_i) begin
          if (!rst_ni || rst_hit) begin
            word_q <= cw_reset(CW_W'(w));
          end else begin
            if (st_hit) begin
              word_q <= st_cw_new;
            end
            for (int p = 0; p < NUM_WP; p++) begin   // later ports win
              if (wp_hit[p]) begin
                word_q <= wp_data_i[p*32 +: 32];
              end
            end
          end
        end
        assign cw_flat[(c*CW_NUM + w)*32 +: 32] = word_q;
      end else begin : g_const
        assign cw_flat[(c*CW_NUM + w)*32 +: 32] = 32'd0;
      end
    end
  end

  // ---------------------------------------------------------------------------
  // Active context read ports.
  assign rs1_rdata_o = (rs1_addr_i == 5'd0) ? 32'd0 : gpr_q[{act_ctx_i, rs1_addr_i}];
  assign rs2_rdata_o = (rs2_addr_i == 5'd0) ? 32'd0 : gpr_q[{act_ctx_i, rs2_addr_i}];
  assign act_words_o = cw_flat[{act_ctx_i, {(CW_W + 5){1'b0}}} +: CW_NUM*32];

endmodule
