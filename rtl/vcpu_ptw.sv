// Two-stage page-table walker: VS-stage Sv32 (vsatp) then G-stage Sv32x4
// (hgatp), digest §4.  Every VS-stage PTE address is a GPA that first goes
// through a G-stage walk as an implicit load; the final GPA then goes through
// a G-stage walk of the original access type.  Svade: A = 0, or D = 0 on a
// store, faults.  The first fault in walk order wins.
//
// `start_i` is a pulse with the request inputs valid (they stay stable until
// `done_o`).  `done_o` pulses once with either a fault (cause, htval,
// implicit) or the host-physical address and what the TLB needs to cache the
// combined translation.  The caller handles Bare/Bare itself (no walk), but
// the walker is also correct for it.
module vcpu_ptw
(
  input  logic        clk_i,
  input  logic        rst_ni,

  input  logic        start_i,
  input  logic [1:0]  type_i,
  input  logic [31:0] vaddr_i,
  input  logic        priv_vs_i,
  input  logic [31:0] vsatp_i,
  input  logic [31:0] hgatp_i,
  input  logic        sum_i,
  input  logic        mxr_i,
  input  logic        hs_mxr_i,

  // Page-table reads (word, through the MMU's AXI master).
  output logic        bus_req_o,
  output logic [31:0] bus_addr_o,
  input  logic        bus_done_i,
  input  logic [31:0] bus_rdata_i,
  input  logic        bus_err_i,

  output logic        done_o,
  output logic        fault_o,
  output logic [4:0]  cause_o,
  output logic [31:0] htval_o,
  output logic        implicit_o,
  output logic [33:0] paddr_o,     // result; on an access fault the failing address
  output logic        sp_o,        // the combined page is 4 MiB
  output logic        global_o,    // a VS PTE on the path had G = 1
  output logic [4:0]  vs_perm_o,   // {D, U, X, W, R} of the VS leaf
  output logic [4:0]  g_perm_o     // {D, U, X, W, R} of the G leaf of the final GPA
);

  localparam logic [4:0] PERM_ALL  = 5'b11111;
  localparam int PPN_W    = 22;
  localparam int PGOFF_W  = 12;

  // PTE bit positions.
  localparam int PTE_V = 0;
  localparam int PTE_R = 1;
  localparam int PTE_W = 2;
  localparam int PTE_X = 3;
  localparam int PTE_U = 4;
  localparam int PTE_G = 5;
  localparam int PTE_A = 6;
  localparam int PTE_D = 7;

  typedef enum logic [2:0] {
    W_IDLE,     // waiting for start_i
    W_G_START,  // G-stage walk of gpa_q begins (or Bare: GPA = SPA)
    W_G_REQ,    // read the G-stage PTE at g_pteaddr_q
    W_G_WAIT,   // wait for it and check it
    W_G_RET,    // G-stage result in spa_q: back to the VS-stage, or finish
    W_VS_REQ,   // read the VS-stage PTE at spa_q
    W_VS_WAIT,  // wait for it and check it
    W_DONE      // result valid: done_o
  } wstate_e;

  wstate_e     state_q, state_d;
  logic        vs_level_q, vs_level_d;   // current VS-stage level (1 or 0)
  logic        g_level_q, g_level_d;     // current G-stage level
  logic        implicit_q, implicit_d;   // the G-stage walk is for a VS PTE address
  logic [33:0] gpa_q, gpa_d;             // GPA under G-stage translation
  logic [33:0] g_pteaddr_q, g_pteaddr_d;
  logic [33:0] spa_q, spa_d;
  logic        vs_sp_q, vs_sp_d;
  logic        g_sp_q, g_sp_d;
  logic        global_q, global_d;
  logic [4:0]  vs_perm_q, vs_perm_d;
  logic [4:0]  g_perm_q, g_perm_d;
  logic        fault_q, fault_d;
  logic [4:0]  cause_q, cause_d;
  logic [31:0] htval_q, htval_d;
  logic        fimplicit_q, fimplicit_d;

  // Translation controls.
  logic        vs_bare, g_bare;
  logic [21:0] vs_root_ppn;
  logic [19:0] g_root_ppn16k;  // root PPN >> 2: the 16 KiB root is 16 KiB aligned
  assign vs_bare     = !vsatp_i[31];
  assign g_bare      = !hgatp_i[31];
  assign vs_root_ppn = vsatp_i[21:0];
  assign g_root_ppn16k = hgatp_i[21:2];  // hgatp.PPN[1:0] read as 0 in Sv32x4

  // The PTE being returned and its structural checks.
  logic [31:0]      pte;
  logic [PPN_W-1:0] pte_ppn;
  logic [4:0]       pte_perm;
  logic             pte_invalid, pte_leaf, pte_ptr_bad, pte_level;
  logic             pte_misaligned, pte_a;
  assign pte         = bus_rdata_i;
  assign pte_ppn     = pte[31:10];
  assign pte_perm    = {pte[PTE_D], pte[PTE_U], pte[PTE_X], pte[PTE_W], pte[PTE_R]};
  assign pte_invalid = !pte[PTE_V] || (!pte[PTE_R] && pte[PTE_W]);
  assign pte_leaf    = pte[PTE_R] || pte[PTE_X];
  assign pte_a       = pte[PTE_A];
  assign pte_level   = in_g_stage ? g_level_q : vs_level_q;
  // A pointer may not carry D/A/U, and there is no level below 0.
  assign pte_ptr_bad = pte[PTE_D] || pte[PTE_A] || pte[PTE_U] || !pte_level;
  assign pte_misaligned = pte_level && (pte_ppn[9:0] != 10'd0);

  logic perm_ok, in_g_stage, stage_mxr;
  assign in_g_stage = (state_q == W_G_WAIT);
  assign stage_mxr  = in_g_stage ? hs_mxr_i : (mxr_i || hs_mxr_i);

  vcpu_mmu_perm u_perm (
    .g_stage_i  (in_g_stage),
    .implicit_i (implicit_q),
    .type_i     (type_i),
    .priv_vs_i  (priv_vs_i),
    .sum_i      (sum_i),
    .mxr_i      (stage_mxr),
    .perm_i     (pte_perm),
    .a_i        (pte_a),
    .ok_o       (perm_ok)
  );

  // Datapath: every address the FSM may move to, precomputed (the FSM below
  // only selects among whole vectors).
  logic [33:0] vs_root_pteaddr, vs_l0_pteaddr, vs_leaf_gpa;
  logic [33:0] g_root_pteaddr, g_l0_pteaddr, g_leaf_spa;
  logic [33:0] va_gpa;
  logic [31:0] gpa_htval, g_pteaddr_lo, spa_lo;
  logic        g_pteaddr_oob, spa_oob, pte_g;
  assign vs_root_pteaddr = {vs_root_ppn, vaddr_i[31:22], 2'b00};
  assign vs_l0_pteaddr   = {pte_ppn, vaddr_i[21:12], 2'b00};
  assign vs_leaf_gpa     = vs_level_q ? {pte_ppn[21:10], vaddr_i[21:0]}
                                      : {pte_ppn, vaddr_i[PGOFF_W-1:0]};
  assign g_root_pteaddr  = {g_root_ppn16k, gpa_q[33:22], 2'b00};
  assign g_l0_pteaddr    = {pte_ppn, gpa_q[21:12], 2'b00};
  assign g_leaf_spa      = g_level_q ? {pte_ppn[21:10], gpa_q[21:0]}
                                     : {pte_ppn, gpa_q[PGOFF_W-1:0]};
  assign va_gpa          = {2'b00, vaddr_i};
  assign gpa_htval       = gpa_q[33:2];
  assign g_pteaddr_lo    = g_pteaddr_q[31:0];
  assign g_pteaddr_oob   = (g_pteaddr_q[33:32] != 2'b00);  // host address >= 2^32
  assign spa_lo          = spa_q[31:0];
  assign spa_oob         = (spa_q[33:32] != 2'b00);
  assign pte_g           = pte[PTE_G];

  logic pte_fault;
  assign pte_fault = pte_invalid ||
                     (pte_leaf ? (pte_misaligned || !perm_ok) : pte_ptr_bad);

  // The three causes of the request's access type.
  logic        is_fetch, is_load;
  logic [4:0]  cause_access, cause_page, cause_guest;
  assign is_fetch     = (type_i == vcpu_pkg::ACC_FETCH);
  assign is_load      = (type_i == vcpu_pkg::ACC_LOAD);
  assign cause_access = is_fetch ? vcpu_pkg::EXC_INSN_ACCESS :
                        is_load  ? vcpu_pkg::EXC_LOAD_ACCESS : vcpu_pkg::EXC_STORE_ACCESS;
  assign cause_page   = is_fetch ? vcpu_pkg::EXC_INSN_PAGE :
                        is_load  ? vcpu_pkg::EXC_LOAD_PAGE : vcpu_pkg::EXC_STORE_PAGE;
  assign cause_guest  = is_fetch ? vcpu_pkg::EXC_INSN_GUEST_PAGE :
                        is_load  ? vcpu_pkg::EXC_LOAD_GUEST_PAGE : vcpu_pkg::EXC_STORE_GUEST_PAGE;

  always_comb begin
    state_d     = state_q;
    vs_level_d  = vs_level_q;
    g_level_d   = g_level_q;
    implicit_d  = implicit_q;
    gpa_d       = gpa_q;
    g_pteaddr_d = g_pteaddr_q;
    spa_d       = spa_q;
    vs_sp_d     = vs_sp_q;
    g_sp_d      = g_sp_q;
    global_d    = global_q;
    vs_perm_d   = vs_perm_q;
    g_perm_d    = g_perm_q;
    fault_d     = fault_q;
    cause_d     = cause_q;
    htval_d     = htval_q;
    fimplicit_d = fimplicit_q;
    bus_req_o   = 1'b0;
    bus_addr_o  = spa_lo;
    done_o      = 1'b0;

    case (state_q)
      W_IDLE: begin
        if (start_i) begin
          fault_d     = 1'b0;
          cause_d     = 5'd0;
          htval_d     = 32'h0;
          fimplicit_d = 1'b0;
          global_d    = 1'b0;
          state_d     = W_G_START;
          if (vs_bare) begin
            gpa_d      = va_gpa;
            implicit_d = 1'b0;
            vs_perm_d  = PERM_ALL;
            vs_sp_d    = 1'b1;
          end else begin
            vs_level_d = 1'b1;
            gpa_d      = vs_root_pteaddr;
            implicit_d = 1'b1;
          end
        end
      end

      W_G_START: begin
        if (g_bare) begin
          spa_d = gpa_q;
          if (!implicit_q) begin
            g_perm_d = PERM_ALL;
            g_sp_d   = 1'b1;
          end
          state_d = W_G_RET;
        end else begin
          g_level_d   = 1'b1;
          g_pteaddr_d = g_root_pteaddr;
          state_d     = W_G_REQ;
        end
      end

      W_G_REQ: begin
        if (g_pteaddr_oob) begin
          fault_d = 1'b1;
          cause_d = cause_access;
          spa_d   = g_pteaddr_q;
          state_d = W_DONE;
        end else begin
          bus_req_o  = 1'b1;
          bus_addr_o = g_pteaddr_lo;
          state_d    = W_G_WAIT;
        end
      end

      W_G_WAIT: begin
        if (bus_done_i) begin
          if (bus_err_i) begin
            fault_d = 1'b1;
            cause_d = cause_access;
            spa_d   = g_pteaddr_q;
            state_d = W_DONE;
          end else if (pte_fault) begin
            fault_d     = 1'b1;
            cause_d     = cause_guest;
            htval_d     = gpa_htval;
            fimplicit_d = implicit_q;
            spa_d       = 34'h0;
            state_d     = W_DONE;
          end else if (!pte_leaf) begin
            g_level_d   = 1'b0;
            g_pteaddr_d = g_l0_pteaddr;
            state_d     = W_G_REQ;
          end else begin
            spa_d = g_leaf_spa;
            if (!implicit_q) begin
              g_perm_d = pte_perm;
              g_sp_d   = g_level_q;
            end
            state_d = W_G_RET;
          end
        end
      end

      W_G_RET: begin
        if (implicit_q) begin
          state_d = W_VS_REQ;
        end else begin
          if (spa_oob) begin
            fault_d = 1'b1;
            cause_d = cause_access;
          end
          state_d = W_DONE;
        end
      end

      W_VS_REQ: begin
        if (spa_oob) begin
          fault_d = 1'b1;
          cause_d = cause_access;
          state_d = W_DONE;
        end else begin
          bus_req_o  = 1'b1;
          bus_addr_o = spa_lo;
          state_d    = W_VS_WAIT;
        end
      end

      W_VS_WAIT: begin
        if (bus_done_i) begin
          if (bus_err_i) begin
            fault_d = 1'b1;
            cause_d = cause_access;
            state_d = W_DONE;
          end else if (pte_fault) begin
            fault_d = 1'b1;
            cause_d = cause_page;
            spa_d   = 34'h0;
            state_d = W_DONE;
          end else begin
            global_d = global_q || pte_g;
            state_d  = W_G_START;
            if (!pte_leaf) begin
              vs_level_d = 1'b0;
              gpa_d      = vs_l0_pteaddr;
              implicit_d = 1'b1;
            end else begin
              gpa_d      = vs_leaf_gpa;
              implicit_d = 1'b0;
              vs_perm_d  = pte_perm;
              vs_sp_d    = vs_level_q;
            end
          end
        end
      end

      W_DONE: begin
        done_o  = 1'b1;
        state_d = W_IDLE;
      end

      default: state_d = W_IDLE;
    endcase
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q     <= W_IDLE;
      vs_level_q  <= 1'b0;
      g_level_q   <= 1'b0;
      implicit_q  <= 1'b0;
      gpa_q       <= 34'h0;
      g_pteaddr_q <= 34'h0;
      spa_q       <= 34'h0;
      vs_sp_q     <= 1'b0;
      g_sp_q      <= 1'b0;
      global_q    <= 1'b0;
      vs_perm_q   <= 5'h0;
      g_perm_q    <= 5'h0;
      fault_q     <= 1'b0;
      cause_q     <= 5'd0;
      htval_q     <= 32'h0;
      fimplicit_q <= 1'b0;
    end else begin
      state_q     <= state_d;
      vs_level_q  <= vs_level_d;
      g_level_q   <= g_level_d;
      implicit_q  <= implicit_d;
      gpa_q       <= gpa_d;
      g_pteaddr_q <= g_pteaddr_d;
      spa_q       <= spa_d;
      vs_sp_q     <= vs_sp_d;
      g_sp_q      <= g_sp_d;
      global_q    <= global_d;
      vs_perm_q   <= vs_perm_d;
      g_perm_q    <= g_perm_d;
      fault_q     <= fault_d;
      cause_q     <= cause_d;
      htval_q     <= htval_d;
      fimplicit_q <= fimplicit_d;
    end
  end

  assign fault_o    = fault_q;
  assign cause_o    = cause_q;
  assign htval_o    = htval_q;
  assign implicit_o = fimplicit_q;
  assign paddr_o    = spa_q;
  assign sp_o       = vs_sp_q && g_sp_q;
  assign global_o   = global_q;
  assign vs_perm_o  = vs_perm_q;
  assign g_perm_o   = g_perm_q;

  // VMID/ASID are the TLB's business, not the walker's; hgatp[30:29] are WARL 0.
  logic unused_atp;
  assign unused_atp = ^{hgatp_i[30:22], hgatp_i[1:0], vsatp_i[30:22]};

endmodule
