// vcpu_mmu: two-stage translation (Sv32 then Sv32x4), page-table walker, TLB
// tagged by VMID/ASID, flushes, and the AXI4 master shared by fetch, data and
// walker.  Port contract: docs/rtl.md "vcpu_core <-> vcpu_mmu"; internals:
// docs/rtl-mmu.md.
//
// One request at a time.  In S_IDLE a request is looked up in the TLB (or
// needs no translation: vsatp and hgatp both Bare); a hit whose per-stage
// permission bits pass the checks for the current type/priv/SUM/MXR goes to
// the bus at once.  Anything else (miss, or a hit that would fault) walks; a
// walk that faults answers with the fault, a successful one fills the TLB and
// then makes the access.  The response is a one-cycle pulse from registers.
module vcpu_mmu
#(
  parameter int TLB_ENTRIES  = 16,
  parameter int VMIDLEN      = 7,
  parameter int ASIDLEN      = 9,
  parameter int AXI_ID_WIDTH = 4
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,

  // Core request.
  input  logic                    req_valid_i,
  input  logic [1:0]              req_type_i,
  input  logic [31:0]             req_vaddr_i,
  input  logic [1:0]              req_size_i,
  input  logic [31:0]             req_wdata_i,
  input  logic [3:0]              req_wstrb_i,
  input  logic                    priv_vs_i,
  input  logic [31:0]             vsatp_i,
  input  logic [31:0]             hgatp_i,
  input  logic                    sum_i,
  input  logic                    mxr_i,
  input  logic                    hs_mxr_i,

  // Core response.
  output logic                    resp_valid_o,
  output logic [31:0]             resp_rdata_o,
  output logic                    resp_fault_o,
  output logic [4:0]              resp_cause_o,
  output logic [31:0]             resp_htval_o,
  output logic                    resp_implicit_o,
  output logic [33:0]             resp_paddr_o,

  // Guest SFENCE.VMA (from the core).
  input  logic                    sfence_valid_i,
  input  logic [6:0]              sfence_vmid_i,
  input  logic                    sfence_use_asid_i,
  input  logic [8:0]              sfence_asid_i,
  input  logic                    sfence_use_addr_i,
  input  logic [31:0]             sfence_vaddr_i,

  // VMM flush (from ctl, regmap FLUSH_*).
  input  logic                    flush_valid_i,
  input  logic [1:0]              flush_kind_i,
  input  logic                    flush_use_asid_i,
  input  logic                    flush_use_addr_i,
  input  logic [6:0]              flush_vmid_i,
  input  logic [8:0]              flush_asid_i,
  input  logic [31:0]             flush_addr_i,

  // AXI4 master.
  output logic [AXI_ID_WIDTH-1:0] m_axi_awid,
  output logic [31:0]             m_axi_awaddr,
  output logic [7:0]              m_axi_awlen,
  output logic [2:0]              m_axi_awsize,
  output logic [1:0]              m_axi_awburst,
  output logic                    m_axi_awlock,
  output logic [3:0]              m_axi_awcache,
  output logic [2:0]              m_axi_awprot,
  output logic                    m_axi_awvalid,
  input  logic                    m_axi_awready,
  output logic [31:0]             m_axi_wdata,
  output logic [3:0]              m_axi_wstrb,
  output logic                    m_axi_wlast,
  output logic                    m_axi_wvalid,
  input  logic                    m_axi_wready,
  input  logic [AXI_ID_WIDTH-1:0] m_axi_bid,
  input  logic [1:0]              m_axi_bresp,
  input  logic                    m_axi_bvalid,
  output logic                    m_axi_bready,
  output logic [AXI_ID_WIDTH-1:0] m_axi_arid,
  output logic [31:0]             m_axi_araddr,
  output logic [7:0]              m_axi_arlen,
  output logic [2:0]              m_axi_arsize,
  output logic [1:0]              m_axi_arburst,
  output logic                    m_axi_arlock,
  output logic [3:0]              m_axi_arcache,
  output logic [2:0]              m_axi_arprot,
  output logic                    m_axi_arvalid,
  input  logic                    m_axi_arready,
  input  logic [AXI_ID_WIDTH-1:0] m_axi_rid,
  input  logic [31:0]             m_axi_rdata,
  input  logic [1:0]              m_axi_rresp,
  input  logic                    m_axi_rlast,
  input  logic                    m_axi_rvalid,
  output logic                    m_axi_rready
);

  localparam int PERM_W = 5;          // {D, U, X, W, R}
  localparam logic [1:0]  PTE_SIZE = 2'd2;   // page-table reads are words

  typedef enum logic [1:0] {
    S_IDLE,  // waiting for a request; TLB lookup
    S_WALK,  // the walker is translating
    S_WAIT,  // the final access is on the bus
    S_RESP   // resp_valid_o
  } state_e;

  state_e state_q, state_d;

  // ---------------------------------------------------------------------------
  // Translation controls and TLB lookup
  // ---------------------------------------------------------------------------
  logic               vs_bare, g_bare, bare_bare;
  logic [VMIDLEN-1:0] cur_vmid;
  logic [ASIDLEN-1:0] cur_asid;
  assign vs_bare   = !vsatp_i[31];
  assign g_bare    = !hgatp_i[31];
  assign bare_bare = vs_bare && g_bare;
  assign cur_vmid  = hgatp_i[22 +: VMIDLEN];
  assign cur_asid  = vsatp_i[22 +: ASIDLEN];

  logic              lk_hit;
  logic [19:0]       lk_ppn;
  logic [PERM_W-1:0] lk_vs_perm, lk_g_perm;
  logic              hit_vs_ok, hit_g_ok, hit_ok;

  // Walker results (for the fill).
  logic              ptw_start, ptw_done, ptw_fault, ptw_implicit, ptw_sp, ptw_global;
  logic [4:0]        ptw_cause;
  logic [31:0]       ptw_htval;
  logic [33:0]       ptw_paddr;
  logic [PERM_W-1:0] ptw_vs_perm, ptw_g_perm;

  // Flushes: the core's SFENCE.VMA (port A) and the VMM's (port B).
  logic               fl_all, fl_use_asid, fl_use_addr;
  logic               inv_now;
  logic               fill, flushed_q, flushed_d;

  logic fl_gvma, fl_vvma;
  assign fl_gvma     = (flush_kind_i == vcpu_regmap_pkg::FLUSH_GVMA);
  assign fl_vvma     = (flush_kind_i == vcpu_regmap_pkg::FLUSH_VVMA);
  // FLUSH_ALL, and the reserved kind 3 conservatively, flush everything.
  assign fl_all      = !fl_gvma && !fl_vvma;
  // GVMA by address: entries are combined translations, so flush the whole VMID.
  assign fl_use_asid = fl_vvma && flush_use_asid_i;
  assign fl_use_addr = fl_vvma && flush_use_addr_i;
  assign inv_now     = sfence_valid_i || flush_valid_i;

  vcpu_tlb #(
    .TLB_ENTRIES (TLB_ENTRIES),
    .VMIDLEN     (VMIDLEN),
    .ASIDLEN     (ASIDLEN),
    .PERM_W      (PERM_W)
  ) u_tlb (
    .clk_i            (clk_i),
    .rst_ni           (rst_ni),
    .lk_vpn_i         (req_vaddr_i[31:12]),
    .lk_vmid_i        (cur_vmid),
    .lk_asid_i        (cur_asid),
    .lk_vs_bare_i     (vs_bare),
    .lk_g_bare_i      (g_bare),
    .lk_hit_o         (lk_hit),
    .lk_ppn_o         (lk_ppn),
    .lk_vs_perm_o     (lk_vs_perm),
    .lk_g_perm_o      (lk_g_perm),
    .fill_i           (fill),
    .fill_sp_i        (ptw_sp),
    .fill_global_i    (ptw_global),
    .fill_ppn_i       (ptw_paddr[31:12]),
    .fill_vs_perm_i   (ptw_vs_perm),
    .fill_g_perm_i    (ptw_g_perm),
    .inv_a_i          (sfence_valid_i),
    .inv_a_all_i      (1'b0),
    .inv_a_vmid_i     (sfence_vmid_i[VMIDLEN-1:0]),
    .inv_a_use_asid_i (sfence_use_asid_i),
    .inv_a_asid_i     (sfence_asid_i[ASIDLEN-1:0]),
    .inv_a_use_addr_i (sfence_use_addr_i),
    .inv_a_vpn_i      (sfence_vaddr_i[31:12]),
    .inv_b_i          (flush_valid_i),
    .inv_b_all_i      (fl_all),
    .inv_b_vmid_i     (flush_vmid_i[VMIDLEN-1:0]),
    .inv_b_use_asid_i (fl_use_asid),
    .inv_b_asid_i     (flush_asid_i[ASIDLEN-1:0]),
    .inv_b_use_addr_i (fl_use_addr),
    .inv_b_vpn_i      (flush_addr_i[31:12])
  );

  // Re-check the cached per-stage bits (A = 1 is implied: faulting
  // translations are never cached).  A failing hit walks again.
  vcpu_mmu_perm u_hit_vs_perm (
    .g_stage_i  (1'b0),
    .implicit_i (1'b0),
    .type_i     (req_type_i),
    .priv_vs_i  (priv_vs_i),
    .sum_i      (sum_i),
    .mxr_i      (mxr_i || hs_mxr_i),
    .perm_i     (lk_vs_perm),
    .a_i        (1'b1),
    .ok_o       (hit_vs_ok)
  );

  vcpu_mmu_perm u_hit_g_perm (
    .g_stage_i  (1'b1),
    .implicit_i (1'b0),
    .type_i     (req_type_i),
    .priv_vs_i  (priv_vs_i),
    .sum_i      (sum_i),
    .mxr_i      (hs_mxr_i),
    .perm_i     (lk_g_perm),
    .a_i        (1'b1),
    .ok_o       (hit_g_ok)
  );

  assign hit_ok = lk_hit && (vs_bare || hit_vs_ok) && hit_g_ok;

  // ---------------------------------------------------------------------------
  // Walker
  // ---------------------------------------------------------------------------
  logic        ptw_bus_req, ptw_bus_done;
  logic [31:0] ptw_bus_addr;
  logic        bus_idle, bus_done, bus_err;
  logic [31:0] bus_rdata;

  assign ptw_bus_done = bus_done && (state_q == S_WALK);

  vcpu_ptw u_ptw (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .start_i     (ptw_start),
    .type_i      (req_type_i),
    .vaddr_i     (req_vaddr_i),
    .priv_vs_i   (priv_vs_i),
    .vsatp_i     (vsatp_i),
    .hgatp_i     (hgatp_i),
    .sum_i       (sum_i),
    .mxr_i       (mxr_i),
    .hs_mxr_i    (hs_mxr_i),
    .bus_req_o   (ptw_bus_req),
    .bus_addr_o  (ptw_bus_addr),
    .bus_done_i  (ptw_bus_done),
    .bus_rdata_i (bus_rdata),
    .bus_err_i   (bus_err),
    .done_o      (ptw_done),
    .fault_o     (ptw_fault),
    .cause_o     (ptw_cause),
    .htval_o     (ptw_htval),
    .implicit_o  (ptw_implicit),
    .paddr_o     (ptw_paddr),
    .sp_o        (ptw_sp),
    .global_o    (ptw_global),
    .vs_perm_o   (ptw_vs_perm),
    .g_perm_o    (ptw_g_perm)
  );

  // ---------------------------------------------------------------------------
  // Request FSM
  // ---------------------------------------------------------------------------
  logic        data_req;
  logic [33:0] data_paddr;

  logic [31:0] rdata_q, rdata_d;
  logic        fault_q, fault_d;
  logic [4:0]  cause_q, cause_d;
  logic [31:0] htval_q, htval_d;
  logic        implicit_q, implicit_d;
  logic [33:0] paddr_q, paddr_d;

  logic [33:0] va_paddr, hit_paddr;
  assign va_paddr  = {2'b00, req_vaddr_i};
  assign hit_paddr = {2'b00, lk_ppn, req_vaddr_i[11:0]};

  logic [4:0] cause_access;
  assign cause_access = (req_type_i == vcpu_pkg::ACC_FETCH) ? vcpu_pkg::EXC_INSN_ACCESS :
                        (req_type_i == vcpu_pkg::ACC_LOAD)  ? vcpu_pkg::EXC_LOAD_ACCESS
                                                            : vcpu_pkg::EXC_STORE_ACCESS;

  always_comb begin
    state_d    = state_q;
    rdata_d    = rdata_q;
    fault_d    = fault_q;
    cause_d    = cause_q;
    htval_d    = htval_q;
    implicit_d = implicit_q;
    paddr_d    = paddr_q;
    flushed_d  = flushed_q || inv_now;
    ptw_start  = 1'b0;
    fill       = 1'b0;
    data_req   = 1'b0;
    data_paddr = va_paddr;

    case (state_q)
      S_IDLE: begin
        if (req_valid_i) begin
          fault_d    = 1'b0;
          cause_d    = 5'd0;
          htval_d    = 32'h0;
          implicit_d = 1'b0;
          rdata_d    = 32'h0;
          if (bare_bare || hit_ok) begin
            data_paddr = bare_bare ? va_paddr : hit_paddr;
            data_req   = 1'b1;
            paddr_d    = data_paddr;
            state_d    = S_WAIT;
          end else begin
            ptw_start = 1'b1;
            flushed_d = 1'b0;
            state_d   = S_WALK;
          end
        end
      end

      S_WALK: begin
        if (ptw_done) begin
          paddr_d = ptw_paddr;
          if (ptw_fault) begin
            fault_d    = 1'b1;
            cause_d    = ptw_cause;
            htval_d    = ptw_htval;
            implicit_d = ptw_implicit;
            state_d    = S_RESP;
          end else begin
            // A flush seen during the walk may have covered what was read.
            fill       = !flushed_q && !inv_now;
            data_paddr = ptw_paddr;
            data_req   = 1'b1;
            state_d    = S_WAIT;
          end
        end
      end

      S_WAIT: begin
        if (bus_done) begin
          if (bus_err) begin
            fault_d = 1'b1;
            cause_d = cause_access;
          end else if (req_type_i != vcpu_pkg::ACC_STORE) begin
            rdata_d = bus_rdata;
          end
          state_d = S_RESP;
        end
      end

      S_RESP: begin
        state_d = S_IDLE;
      end

      default: state_d = S_IDLE;
    endcase
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q    <= S_IDLE;
      flushed_q  <= 1'b0;
      rdata_q    <= 32'h0;
      fault_q    <= 1'b0;
      cause_q    <= 5'd0;
      htval_q    <= 32'h0;
      implicit_q <= 1'b0;
      paddr_q    <= 34'h0;
    end else begin
      state_q    <= state_d;
      flushed_q  <= flushed_d;
      rdata_q    <= rdata_d;
      fault_q    <= fault_d;
      cause_q    <= cause_d;
      htval_q    <= htval_d;
      implicit_q <= implicit_d;
      paddr_q    <= paddr_d;
    end
  end

  assign resp_valid_o    = (state_q == S_RESP);
  assign resp_rdata_o    = rdata_q;
  assign resp_fault_o    = fault_q;
  assign resp_cause_o    = cause_q;
  assign resp_htval_o    = htval_q;
  assign resp_implicit_o = implicit_q;
  assign resp_paddr_o    = paddr_q;

  // ---------------------------------------------------------------------------
  // AXI master, shared by the walker (word reads) and the final access
  // ---------------------------------------------------------------------------
  logic        bus_req, bus_we, bus_instr;
  logic [31:0] bus_addr;
  logic [1:0]  bus_size;
  assign bus_req   = data_req || ptw_bus_req;
  assign bus_we    = data_req && (req_type_i == vcpu_pkg::ACC_STORE);
  assign bus_instr = data_req && (req_type_i == vcpu_pkg::ACC_FETCH);
  assign bus_addr  = data_req ? data_paddr[31:0] : ptw_bus_addr;
  assign bus_size  = data_req ? req_size_i : PTE_SIZE;

  vcpu_axi_master #(
    .AXI_ID_WIDTH (AXI_ID_WIDTH)
  ) u_axi (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .req_i         (bus_req),
    .req_we_i      (bus_we),
    .req_instr_i   (bus_instr),
    .req_addr_i    (bus_addr),
    .req_size_i    (bus_size),
    .req_wdata_i   (req_wdata_i),
    .req_wstrb_i   (req_wstrb_i),
    .idle_o        (bus_idle),
    .done_o        (bus_done),
    .rdata_o       (bus_rdata),
    .err_o         (bus_err),
    .m_axi_awid    (m_axi_awid),
    .m_axi_awaddr  (m_axi_awaddr),
    .m_axi_awlen   (m_axi_awlen),
    .m_axi_awsize  (m_axi_awsize),
    .m_axi_awburst (m_axi_awburst),
    .m_axi_awlock  (m_axi_awlock),
    .m_axi_awcache (m_axi_awcache),
    .m_axi_awprot  (m_axi_awprot),
    .m_axi_awvalid (m_axi_awvalid),
    .m_axi_awready (m_axi_awready),
    .m_axi_wdata   (m_axi_wdata),
    .m_axi_wstrb   (m_axi_wstrb),
    .m_axi_wlast   (m_axi_wlast),
    .m_axi_wvalid  (m_axi_wvalid),
    .m_axi_wready  (m_axi_wready),
    .m_axi_bid     (m_axi_bid),
    .m_axi_bresp   (m_axi_bresp),
    .m_axi_bvalid  (m_axi_bvalid),
    .m_axi_bready  (m_axi_bready),
    .m_axi_arid    (m_axi_arid),
    .m_axi_araddr  (m_axi_araddr),
    .m_axi_arlen   (m_axi_arlen),
    .m_axi_arsize  (m_axi_arsize),
    .m_axi_arburst (m_axi_arburst),
    .m_axi_arlock  (m_axi_arlock),
    .m_axi_arcache (m_axi_arcache),
    .m_axi_arprot  (m_axi_arprot),
    .m_axi_arvalid (m_axi_arvalid),
    .m_axi_arready (m_axi_arready),
    .m_axi_rid     (m_axi_rid),
    .m_axi_rdata   (m_axi_rdata),
    .m_axi_rresp   (m_axi_rresp),
    .m_axi_rlast   (m_axi_rlast),
    .m_axi_rvalid  (m_axi_rvalid),
    .m_axi_rready  (m_axi_rready)
  );

  // Bits the MMU does not need: hgatp WARL-zero bits (and VMID/ASID bits above
  // VMIDLEN/ASIDLEN), vsatp/hgatp fields read by the walker only, the master's
  // idle flag (one request at a time guarantees it).
  logic unused_mmu;
  assign unused_mmu = ^{hgatp_i, vsatp_i, sfence_vmid_i, sfence_asid_i, flush_vmid_i,
                        flush_asid_i, sfence_vaddr_i[11:0], flush_addr_i[11:0], bus_idle};

endmodule
