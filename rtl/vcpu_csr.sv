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

  // Classification of the CSR number.  (Continuous assignments, and always_comb
  // blocks that assign each variable once: Icarus 11.0 loops otherwise.)
  logic is_s, is_counter, is_h, is_vs, is_stimecmp, is_shared;
  assign is_shared   = (addr_i == CSR_SCOUNTEREN) || (addr_i == CSR_SENVCFG);
  assign is_stimecmp = (addr_i == CSR_STIMECMP) || (addr_i == CSR_STIMECMPH);
  assign is_s        = is_shared || is_stimecmp ||
                       (addr_i == CSR_SSTATUS) || (addr_i == CSR_SIE) || (addr_i == CSR_STVEC) ||
                       (addr_i == CSR_SSCRATCH) || (addr_i == CSR_SEPC) ||
                       (addr_i == CSR_SCAUSE) || (addr_i == CSR_STVAL) || (addr_i == CSR_SIP) ||
                       (addr_i == CSR_SATP);
  assign is_counter  = (addr_i == CSR_CYCLE) || (addr_i == CSR_TIME) ||
                       (addr_i == CSR_INSTRET) || (addr_i == CSR_CYCLEH) ||
                       (addr_i == CSR_TIMEH) || (addr_i == CSR_INSTRETH);
  assign is_h        = (addr_i == CSR_HSTATUS) || (addr_i == CSR_HEDELEG) ||
                       (addr_i == CSR_HEDELEGH) || (addr_i == CSR_HIDELEG) ||
                       (addr_i == CSR_HIE) || (addr_i == CSR_HTIMEDELTA) ||
                       (addr_i == CSR_HTIMEDELTAH) || (addr_i == CSR_HCOUNTEREN) ||
                       (addr_i == CSR_HGEIE) || (addr_i == CSR_HENVCFG) ||
                       (addr_i == CSR_HENVCFGH) || (addr_i == CSR_HTVAL) || (addr_i == CSR_HIP) ||
                       (addr_i == CSR_HVIP) || (addr_i == CSR_HTINST) || (addr_i == CSR_HGATP) ||
                       (addr_i == CSR_HGEIP);
  assign is_vs       = (addr_i == CSR_VSSTATUS) || (addr_i == CSR_VSIE) ||
                       (addr_i == CSR_VSTVEC) || (addr_i == CSR_VSSCRATCH) ||
                       (addr_i == CSR_VSEPC) || (addr_i == CSR_VSCAUSE) ||
                       (addr_i == CSR_VSTVAL) || (addr_i == CSR_VSIP) ||
                       (addr_i == CSR_VSTIMECMP) || (addr_i == CSR_VSTIMECMPH) ||
                       (addr_i == CSR_VSATP);

  // Access rules (digest §3), in Spike's order: existence, read-only, privilege.  The
  // classes are disjoint, so the order reduces to "illegal beats virtual".
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

  logic cnt_ill, cnt_virt, stc_ill, stc_virt, s_virt;
  assign cnt_ill  = is_counter && !mcounteren[cnt_bit];
  assign cnt_virt = is_counter && (!hcounteren[cnt_bit] || (!priv_vs_i && !scounteren[cnt_bit]));
  // stimecmp: mcounteren.TM -> illegal; VU, henvcfg.STCE, hcounteren.TM -> virtual.
  // (vstimecmp by its own address is an is_vs CSR: virtual, as the reference does.)
  assign stc_ill  = is_stimecmp && !mcnt_tm;
  assign stc_virt = is_stimecmp && (!priv_vs_i || !stce || !hcnt_tm);
  // Other S CSRs: from VU, or satp with VTVM -> virtual.
  assign s_virt   = is_s && !is_stimecmp && (!priv_vs_i || (addr_i == CSR_SATP && vtvm));

  assign illegal_o = !(is_s || is_counter || is_h || is_vs) || (write_i && addr_ro) ||
                     cnt_ill || stc_ill;
  assign virtual_o = !illegal_o && (cnt_virt || is_h || is_vs || stc_virt || s_virt);

  // Read value and write target: {read value, storage word, storage write mask, view
  // bit n = storage bit n+1 (vsie/vsip)}, one assignment per CSR.
  logic [31:0] wmask;   // storage bits the guest may write
  logic [31:0] vmask;   // CSR-view bits the guest may write
  logic [31:0] old_word;
  logic        shift_up;
  logic [31:0] vsie_view, vsip_view, vsie_wmask, vsip_wmask;
  assign vsie_view  = (hie & hideleg & VS_IRQ_BITS) >> 1;
  assign vsip_view  = (hip & hideleg & VS_IRQ_BITS) >> 1;
  assign vsie_wmask = hideleg & VS_IRQ_BITS;
  assign vsip_wmask = hideleg & VSSI_BIT;
  always_comb begin
    case (addr_i)
      CSR_SSTATUS:    {rdata_o, wr_cw_o, wmask, shift_up} =
                      {vsstatus, CW_VSSTATUS, VSSTATUS_VMM_MASK, 1'b0};
      CSR_SIE:        {rdata_o, wr_cw_o, wmask, shift_up} =
                      {vsie_view, CW_HIE, vsie_wmask, 1'b1};
      CSR_STVEC:      {rdata_o, wr_cw_o, wmask, shift_up} =
                      {vstvec, CW_VSTVEC, VSTVEC_VMM_MASK, 1'b0};
      CSR_SCOUNTEREN: {rdata_o, wr_cw_o, wmask, shift_up} =
                      {scounteren, CW_SCOUNTEREN, SCOUNTEREN_VMM_MASK, 1'b0};
      CSR_SENVCFG:    {rdata_o, wr_cw_o, wmask, shift_up} =
                      {senvcfg, CW_SENVCFG, SENVCFG_VMM_MASK, 1'b0};
      CSR_SSCRATCH:   {rdata_o, wr_cw_o, wmask, shift_up} =
                      {vsscratch, CW_VSSCRATCH, VSSCRATCH_VMM_MASK, 1'b0};
      CSR_SEPC:       {rdata_o, wr_cw_o, wmask, shift_up} =
                      {vsepc, CW_VSEPC, VSEPC_VMM_MASK, 1'b0};
      CSR_SCAUSE:     {rdata_o, wr_cw_o, wmask, shift_up} =
                      {vscause, CW_VSCAUSE, VSCAUSE_VMM_MASK, 1'b0};
      CSR_STVAL:      {rdata_o, wr_cw_o, wmask, shift_up} =
                      {vstval, CW_VSTVAL, VSTVAL_VMM_MASK, 1'b0};
      CSR_SIP:        {rdata_o, wr_cw_o, wmask, shift_up} =
                      {vsip_view, CW_HVIP, vsip_wmask, 1'b1};
      CSR_STIMECMP:   {rdata_o, wr_cw_o, wmask, shift_up} =
                      {vstimecmp, CW_VSTIMECMP, VSTIMECMP_VMM_MASK, 1'b0};
      CSR_STIMECMPH:  {rdata_o, wr_cw_o, wmask, shift_up} =
                      {vstimecmph, CW_VSTIMECMPH, VSTIMECMPH_VMM_MASK, 1'b0};
      CSR_SATP:       {rdata_o, wr_cw_o, wmask, shift_up} =
                      {vsatp, CW_VSATP, VSATP_VMM_MASK, 1'b0};
      CSR_CYCLE:      {rdata_o, wr_cw_o, wmask, shift_up} = {cycle, CW_CYCLE, 32'd0, 1'b0};
      CSR_CYCLEH:     {rdata_o, wr_cw_o, wmask, shift_up} = {cycleh, CW_CYCLEH, 32'd0, 1'b0};
      CSR_INSTRET:    {rdata_o, wr_cw_o, wmask, shift_up} = {instret, CW_INSTRET, 32'd0, 1'b0};
      CSR_INSTRETH:   {rdata_o, wr_cw_o, wmask, shift_up} = {instreth, CW_INSTRETH, 32'd0, 1'b0};
      CSR_TIME:       {rdata_o, wr_cw_o, wmask, shift_up} = {time_lo, CW_VSSCRATCH, 32'd0, 1'b0};
      CSR_TIMEH:      {rdata_o, wr_cw_o, wmask, shift_up} = {time_hi, CW_VSSCRATCH, 32'd0, 1'b0};
      default:        {rdata_o, wr_cw_o, wmask, shift_up} = {32'd0, CW_VSSCRATCH, 32'd0, 1'b0};
    endcase
  end

  assign old_word = ctx_words_i[wr_cw_o*32 +: 32];
  assign vmask    = shift_up ? (wmask >> 1) : wmask;

  // CSRRW/CSRRS/CSRRC on the CSR view.
  logic [31:0] new_view;
  assign new_view = (op_i == CSROP_RW) ? operand_i :
                    (op_i == CSROP_RS) ? (rdata_o | operand_i) : (rdata_o & ~operand_i);

  // S CSRs are reported by the VS CSR they reach (0x1xx -> 0x2xx), except the shared ones.
  assign ext_addr_o  = (is_s && !is_shared) ? {addr_i[11:10], 2'b10, addr_i[7:0]} : addr_i;
  assign ext_wdata_o = (rdata_o & ~vmask) | (new_view & vmask);
  assign wr_data_o   = shift_up ? ((old_word & ~wmask) | ((new_view << 1) & wmask))
                                : ((old_word & ~wmask) | (new_view & wmask));

  logic unused_csr;
  assign unused_csr = ^{hstatus[31:21], hstatus[19:0], henvcfgh[30:0], mcounteren[31:3],
                        hcounteren[31:3], scounteren[31:3]};

endmodule
