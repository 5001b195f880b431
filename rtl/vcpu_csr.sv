// CSR file view of the vCPU core for V=1 (VS/VU).  Combinational: given the CSR
// number of a CSR instruction and the active context's state words it decides
// illegal vs virtual instruction (digest §3), gives the read value (S CSRs
// redirected to the VS CSRs, vsip/vsie as hideleg-gated aliases of hip/hie,
// counters, time + htimedelta), and the storage word the write goes to.
module vcpu_csr
  import vcpu_pkg::*;
  import vcpu_regmap_pkg::*;
(
  input  logic [CW_NUM*32-1:0] ctx_words_i,  // active context's state words (CW_* index)
  input  logic [11:0]          addr_i,
  input  logic                 priv_vs_i,    // 1 = VS, 0 = VU
  input  logic [1:0]           op_i,         // funct3[1:0]: 1 RW, 2 RS, 3 RC
  input  logic                 write_i,      // the instruction writes (RW, or RS/RC with rs1/uimm != 0)
  input  logic [31:0]          operand_i,    // rs1 value or zero-extended uimm
  input  logic [63:0]          time_i,       // platform time
  input  logic                 vstip_i,      // hip.VSTIP (hvip.VSTIP | Sstc compare)
  output logic                 illegal_o,
  output logic                 virtual_o,
  output logic [31:0]          rdata_o,
  output logic [CW_W-1:0]      wr_cw_o,      // storage word written (when the access is legal)
  output logic [31:0]          wr_data_o,    // its new value
  output logic [11:0]          ext_addr_o,   // the CSR reached (S -> VS redirected): rvfi_ext_csr_addr
  output logic [31:0]          ext_wdata_o   // its value read back after the write: rvfi_ext_csr_wdata
);

  // CSR numbers the guest can name.
  localparam logic [11:0] CSR_SSTATUS    = 12'h100;
  localparam logic [11:0] CSR_SIE        = 12'h104;
  localparam logic [11:0] CSR_STVEC      = 12'h105;
  localparam logic [11:0] CSR_SSCRATCH   = 12'h140;
  localparam logic [11:0] CSR_SEPC       = 12'h141;
  localparam logic [11:0] CSR_SCAUSE     = 12'h142;
  localparam logic [11:0] CSR_STVAL      = 12'h143;
  localparam logic [11:0] CSR_SIP        = 12'h144;
  localparam logic [11:0] CSR_STIMECMP   = 12'h14D;
  localparam logic [11:0] CSR_STIMECMPH  = 12'h15D;
  localparam logic [11:0] CSR_SATP       = 12'h180;
  localparam logic [11:0] CSR_CYCLE      = 12'hC00;
  localparam logic [11:0] CSR_TIME       = 12'hC01;
  localparam logic [11:0] CSR_INSTRET    = 12'hC02;
  localparam logic [11:0] CSR_CYCLEH     = 12'hC80;
  localparam logic [11:0] CSR_TIMEH      = 12'hC81;
  localparam logic [11:0] CSR_INSTRETH   = 12'hC82;
  localparam logic [11:0] CSR_HIP        = 12'h644;
  localparam logic [11:0] CSR_VSIE       = 12'h204;
  localparam logic [11:0] CSR_VSIP       = 12'h244;

  localparam logic [1:0] CSROP_RW = 2'd1;
  localparam logic [1:0] CSROP_RS = 2'd2;

  localparam logic [31:0] VS_IRQ_BITS = 32'h0000_0444;  // VSSI, VSTI, VSEI in hip/hie/hvip
  localparam logic [31:0] VSSI_BIT    = 32'h0000_0004;
  localparam int          MCNT_TM     = 1;              // counteren bit of `time`
  localparam int          HSTATUS_VTVM = 20;
  localparam int          HENVCFGH_STCE = 31;

  // Fields of the active context.
  logic [31:0] hstatus, hideleg, hie, hvip, hcounteren, henvcfgh, mcounteren, scounteren;
  logic [31:0] vsstatus, vstvec, vsscratch, vsepc, vscause, vstval, vsatp, senvcfg;
  logic [31:0] vstimecmp, vstimecmph, htimedelta, htimedeltah;
  logic [31:0] cycle, cycleh, instret, instreth;
  assign hstatus     = ctx_words_i[CW_HSTATUS*32 +: 32];
  assign hideleg     = ctx_words_i[CW_HIDELEG*32 +: 32];
  assign hie         = ctx_words_i[CW_HIE*32 +: 32];
  assign hvip        = ctx_words_i[CW_HVIP*32 +: 32];
  assign hcounteren  = ctx_words_i[CW_HCOUNTEREN*32 +: 32];
  assign henvcfgh    = ctx_words_i[CW_HENVCFGH*32 +: 32];
  assign mcounteren  = ctx_words_i[CW_MCOUNTEREN*32 +: 32];
  assign scounteren  = ctx_words_i[CW_SCOUNTEREN*32 +: 32];
  assign vsstatus    = ctx_words_i[CW_VSSTATUS*32 +: 32];
  assign vstvec      = ctx_words_i[CW_VSTVEC*32 +: 32];
  assign vsscratch   = ctx_words_i[CW_VSSCRATCH*32 +: 32];
  assign vsepc       = ctx_words_i[CW_VSEPC*32 +: 32];
  assign vscause     = ctx_words_i[CW_VSCAUSE*32 +: 32];
  assign vstval      = ctx_words_i[CW_VSTVAL*32 +: 32];
  assign vsatp       = ctx_words_i[CW_VSATP*32 +: 32];
  assign senvcfg     = ctx_words_i[CW_SENVCFG*32 +: 32];
  assign vstimecmp   = ctx_words_i[CW_VSTIMECMP*32 +: 32];
  assign vstimecmph  = ctx_words_i[CW_VSTIMECMPH*32 +: 32];
  assign htimedelta  = ctx_words_i[CW_HTIMEDELTA*32 +: 32];
  assign htimedeltah = ctx_words_i[CW_HTIMEDELTAH*32 +: 32];
  assign cycle       = ctx_words_i[CW_CYCLE*32 +: 32];
  assign cycleh      = ctx_words_i[CW_CYCLEH*32 +: 32];
  assign instret     = ctx_words_i[CW_INSTRET*32 +: 32];
  assign instreth    = ctx_words_i[CW_INSTRETH*32 +: 32];

  logic [63:0] vtime;
  assign vtime = time_i + {htimedeltah, htimedelta};

  logic [31:0] hip;
  assign hip = (hvip & (VS_IRQ_BITS & ~32'h40)) | {25'd0, vstip_i, 6'd0};

  // Classification of the CSR number.
  logic is_s, is_counter, is_h, is_vs, is_stimecmp, is_shared;
  always_comb begin
    is_s = 1'b0;
    case (addr_i)
      CSR_SSTATUS, CSR_SIE, CSR_STVEC, CSR_SCOUNTEREN, CSR_SENVCFG, CSR_SSCRATCH, CSR_SEPC,
      CSR_SCAUSE, CSR_STVAL, CSR_SIP, CSR_STIMECMP, CSR_STIMECMPH, CSR_SATP: is_s = 1'b1;
      default: ;
    endcase
    is_counter = 1'b0;
    case (addr_i)
      CSR_CYCLE, CSR_TIME, CSR_INSTRET, CSR_CYCLEH, CSR_TIMEH, CSR_INSTRETH: is_counter = 1'b1;
      default: ;
    endcase
    is_h = 1'b0;
    case (addr_i)
      CSR_HSTATUS, CSR_HEDELEG, CSR_HEDELEGH, CSR_HIDELEG, CSR_HIE, CSR_HTIMEDELTA,
      CSR_HTIMEDELTAH, CSR_HCOUNTEREN, CSR_HGEIE, CSR_HENVCFG, CSR_HENVCFGH, CSR_HTVAL,
      CSR_HIP, CSR_HVIP, CSR_HTINST, CSR_HGATP, CSR_HGEIP: is_h = 1'b1;
      default: ;
    endcase
    is_vs = 1'b0;
    case (addr_i)
      CSR_VSSTATUS, CSR_VSIE, CSR_VSTVEC, CSR_VSSCRATCH, CSR_VSEPC, CSR_VSCAUSE, CSR_VSTVAL,
      CSR_VSIP, CSR_VSTIMECMP, CSR_VSTIMECMPH, CSR_VSATP: is_vs = 1'b1;
      default: ;
    endcase
    is_stimecmp  = (addr_i == CSR_STIMECMP) || (addr_i == CSR_STIMECMPH);
    is_shared    = (addr_i == CSR_SCOUNTEREN) || (addr_i == CSR_SENVCFG);
  end

  // Access rules (digest §3), in Spike's order: existence, read-only, privilege.
  logic stce, vtvm, mcnt_tm, hcnt_tm, addr_ro;
  logic [31:0] time_lo, time_hi;
  assign stce    = henvcfgh[HENVCFGH_STCE];
  assign vtvm    = hstatus[HSTATUS_VTVM];
  assign mcnt_tm = mcounteren[MCNT_TM];
  assign hcnt_tm = hcounteren[MCNT_TM];
  assign addr_ro = (addr_i[11:10] == 2'b11);
  assign time_lo = vtime[31:0];
  assign time_hi = vtime[63:32];

  logic [4:0] cnt_bit;   // counteren bit: CY 0, TM 1, IR 2
  assign cnt_bit = {3'd0, addr_i[1:0]};
  always_comb begin
    illegal_o = 1'b0;
    virtual_o = 1'b0;
    if (!(is_s || is_counter || is_h || is_vs)) begin
      illegal_o = 1'b1;
    end else if (write_i && addr_ro) begin
      illegal_o = 1'b1;
    end else if (is_counter) begin
      if (!mcounteren[cnt_bit]) begin
        illegal_o = 1'b1;
      end else if (!hcounteren[cnt_bit] || (!priv_vs_i && !scounteren[cnt_bit])) begin
        virtual_o = 1'b1;
      end
    end else if (is_h || is_vs) begin
      // (vstimecmp by its own address too, whatever mcounteren.TM, as the reference does.)
      virtual_o = 1'b1;
    end else if (is_stimecmp) begin
      if (!mcnt_tm) begin
        illegal_o = 1'b1;
      end else if (!priv_vs_i || !stce || !hcnt_tm) begin
        virtual_o = 1'b1;
      end
    end else if (!priv_vs_i) begin
      virtual_o = 1'b1;   // VU naming an S CSR
    end else if (addr_i == CSR_SATP && vtvm) begin
      virtual_o = 1'b1;
    end
  end

  // Read value and write target.
  logic [31:0] wmask;   // storage bits the guest may write
  logic [31:0] vmask;   // CSR-view bits the guest may write
  logic [31:0] old_word;
  logic        shift_up; // vsie/vsip: view bit n is storage bit n+1
  always_comb begin
    rdata_o  = 32'd0;
    wr_cw_o  = CW_VSSCRATCH;
    wmask    = 32'd0;
    shift_up = 1'b0;
    case (addr_i)
      CSR_SSTATUS: begin
        rdata_o = vsstatus;   wr_cw_o = CW_VSSTATUS;   wmask = VSSTATUS_VMM_MASK;
      end
      CSR_SIE: begin
        rdata_o  = (hie & hideleg & VS_IRQ_BITS) >> 1;
        wr_cw_o  = CW_HIE;
        wmask    = hideleg & VS_IRQ_BITS;
        shift_up = 1'b1;
      end
      CSR_STVEC: begin
        rdata_o = vstvec;     wr_cw_o = CW_VSTVEC;     wmask = VSTVEC_VMM_MASK;
      end
      CSR_SCOUNTEREN: begin
        rdata_o = scounteren; wr_cw_o = CW_SCOUNTEREN; wmask = SCOUNTEREN_VMM_MASK;
      end
      CSR_SENVCFG: begin
        rdata_o = senvcfg;    wr_cw_o = CW_SENVCFG;    wmask = SENVCFG_VMM_MASK;
      end
      CSR_SSCRATCH: begin
        rdata_o = vsscratch;  wr_cw_o = CW_VSSCRATCH;  wmask = VSSCRATCH_VMM_MASK;
      end
      CSR_SEPC: begin
        rdata_o = vsepc;      wr_cw_o = CW_VSEPC;      wmask = VSEPC_VMM_MASK;
      end
      CSR_SCAUSE: begin
        rdata_o = vscause;    wr_cw_o = CW_VSCAUSE;    wmask = VSCAUSE_VMM_MASK;
      end
      CSR_STVAL: begin
        rdata_o = vstval;     wr_cw_o = CW_VSTVAL;     wmask = VSTVAL_VMM_MASK;
      end
      CSR_SIP: begin
        rdata_o  = (hip & hideleg & VS_IRQ_BITS) >> 1;
        wr_cw_o  = CW_HVIP;
        wmask    = hideleg & VSSI_BIT;
        shift_up = 1'b1;
      end
      CSR_STIMECMP: begin
        rdata_o = vstimecmp;  wr_cw_o = CW_VSTIMECMP;  wmask = VSTIMECMP_VMM_MASK;
      end
      CSR_STIMECMPH: begin
        rdata_o = vstimecmph; wr_cw_o = CW_VSTIMECMPH; wmask = VSTIMECMPH_VMM_MASK;
      end
      CSR_SATP: begin
        rdata_o = vsatp;      wr_cw_o = CW_VSATP;      wmask = VSATP_VMM_MASK;
      end
      CSR_CYCLE:    rdata_o = cycle;
      CSR_CYCLEH:   rdata_o = cycleh;
      CSR_INSTRET:  rdata_o = instret;
      CSR_INSTRETH: rdata_o = instreth;
      CSR_TIME:     rdata_o = time_lo;
      CSR_TIMEH:    rdata_o = time_hi;
      default: ;
    endcase
  end

  assign old_word = ctx_words_i[wr_cw_o*32 +: 32];
  assign vmask    = shift_up ? (wmask >> 1) : wmask;

  // CSRRW/CSRRS/CSRRC on the CSR view.
  logic [31:0] new_view;
  always_comb begin
    if (op_i == CSROP_RW) begin
      new_view = operand_i;
    end else if (op_i == CSROP_RS) begin
      new_view = rdata_o | operand_i;
    end else begin
      new_view = rdata_o & ~operand_i;
    end
  end

  // S CSRs are reported by the VS CSR they reach (0x1xx -> 0x2xx), except the shared ones.
  assign ext_addr_o  = (is_s && !is_shared) ? {addr_i[11:10], 2'b10, addr_i[7:0]} : addr_i;
  assign ext_wdata_o = (rdata_o & ~vmask) | (new_view & vmask);
  assign wr_data_o   = shift_up ? ((old_word & ~wmask) | ((new_view << 1) & wmask))
                                : ((old_word & ~wmask) | (new_view & wmask));

  logic unused_csr;
  assign unused_csr = ^{hstatus[31:21], hstatus[19:0], henvcfgh[30:0], mcounteren[31:3],
                        hcounteren[31:3], scounteren[31:3]};

endmodule
