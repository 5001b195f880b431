// Fully-associative TLB of combined (VS-stage + G-stage) translations.
//
// An entry maps a guest-virtual page to a host-physical page and keeps the leaf
// permission bits of both stages, so that the checks that depend on the
// current privilege, SUM and MXR are re-evaluated on every hit (by the MMU, not
// here).  Page size: 4 KiB, or 4 MiB when both stages map the address with a
// 4 MiB page (or one stage is Bare and the other uses a superpage).
//
// Tag: VPN, VMID, ASID (ignored for global entries), and the two Bare flags
// (a translation made with vsatp or hgatp in Bare mode only matches while the
// mode is still Bare, and vice versa).
//
// Lookup is combinational on the `lk_*` inputs.  A fill writes the entry that
// the lookup matched (if any: it is stale), else the first invalid entry, else
// the round-robin victim; the fill's tag is the lookup's tag.  Two invalidation
// ports (guest SFENCE.VMA and VMM flush) act in the cycle of their pulse and
// win over a fill of the same cycle.
module vcpu_tlb #(
  parameter int TLB_ENTRIES = 16,
  parameter int VMIDLEN     = 7,
  parameter int ASIDLEN     = 9,
  // Permission vector layout (both stages): {D, U, X, W, R}.
  parameter int PERM_W      = 5
) (
  input  logic               clk_i,
  input  logic               rst_ni,

  // Lookup (and tag of a fill).
  input  logic [19:0]        lk_vpn_i,
  input  logic [VMIDLEN-1:0] lk_vmid_i,
  input  logic [ASIDLEN-1:0] lk_asid_i,
  input  logic               lk_vs_bare_i,
  input  logic               lk_g_bare_i,
  output logic               lk_hit_o,
  output logic [19:0]        lk_ppn_o,      // host page of the looked-up VA page
  output logic [PERM_W-1:0]  lk_vs_perm_o,
  output logic [PERM_W-1:0]  lk_g_perm_o,

  // Fill.
  input  logic               fill_i,
  input  logic               fill_sp_i,     // 4 MiB page
  input  logic               fill_global_i,
  input  logic [19:0]        fill_ppn_i,    // host page of lk_vpn_i
  input  logic [PERM_W-1:0]  fill_vs_perm_i,
  input  logic [PERM_W-1:0]  fill_g_perm_i,

  // Invalidation port A.
  input  logic               inv_a_i,
  input  logic               inv_a_all_i,
  input  logic [VMIDLEN-1:0] inv_a_vmid_i,
  input  logic               inv_a_use_asid_i,
  input  logic [ASIDLEN-1:0] inv_a_asid_i,
  input  logic               inv_a_use_addr_i,
  input  logic [19:0]        inv_a_vpn_i,

  // Invalidation port B.
  input  logic               inv_b_i,
  input  logic               inv_b_all_i,
  input  logic [VMIDLEN-1:0] inv_b_vmid_i,
  input  logic               inv_b_use_asid_i,
  input  logic [ASIDLEN-1:0] inv_b_asid_i,
  input  logic               inv_b_use_addr_i,
  input  logic [19:0]        inv_b_vpn_i
);

  localparam int IDX_W = (TLB_ENTRIES > 1) ? $clog2(TLB_ENTRIES) : 1;
  localparam logic [IDX_W-1:0] LAST_IDX = IDX_W'(TLB_ENTRIES - 1);
  // VPN[1] is the upper 10 bits of the 20-bit VPN: the part a 4 MiB page compares.
  localparam int VPN0_W = 10;

  // Entry storage: flag vectors, and unpacked arrays for the wider fields.
  logic [TLB_ENTRIES-1:0] valid_q, valid_d;
  logic [TLB_ENTRIES-1:0] sp_q;
  logic [TLB_ENTRIES-1:0] global_q;
  logic [TLB_ENTRIES-1:0] vs_bare_q;
  logic [TLB_ENTRIES-1:0] g_bare_q;
  logic [19:0]            vpn_q     [TLB_ENTRIES];
  logic [19:0]            ppn_q     [TLB_ENTRIES];
  logic [VMIDLEN-1:0]     vmid_q    [TLB_ENTRIES];
  logic [ASIDLEN-1:0]     asid_q    [TLB_ENTRIES];
  logic [PERM_W-1:0]      vs_perm_q [TLB_ENTRIES];
  logic [PERM_W-1:0]      g_perm_q  [TLB_ENTRIES];

  logic [IDX_W-1:0] rr_q, rr_d;

  // VA page comparison, honouring the entry's page size.
  function automatic logic vpn_match(input logic [19:0] entry_vpn, input logic entry_sp,
                                     input logic [19:0] vpn);
    vpn_match = (entry_vpn[19:VPN0_W] == vpn[19:VPN0_W]) &&
                (entry_sp || (entry_vpn[VPN0_W-1:0] == vpn[VPN0_W-1:0]));
  endfunction

  // Invalidation match of one entry against one port.
  function automatic logic inv_match(input logic all, input logic [VMIDLEN-1:0] vmid,
                                     input logic use_asid, input logic [ASIDLEN-1:0] asid,
                                     input logic use_addr, input logic [19:0] vpn,
                                     input logic [VMIDLEN-1:0] e_vmid,
                                     input logic [ASIDLEN-1:0] e_asid, input logic e_global,
                                     input logic [19:0] e_vpn, input logic e_sp);
    inv_match = all ||
                ((e_vmid == vmid) &&
                 (!use_asid || (!e_global && (e_asid == asid))) &&
                 (!use_addr || vpn_match(e_vpn, e_sp, vpn)));
  endfunction

  // Per-entry comparators (continuous assignments: the always_comb blocks
  // below only index whole vectors, which Icarus 11 handles).
  logic [TLB_ENTRIES-1:0] lk_match;
  logic [TLB_ENTRIES-1:0] inv_hit;
  for (genvar i = 0; i < TLB_ENTRIES; i++) begin : g_entry
    assign lk_match[i] = valid_q[i] &&
                         vpn_match(vpn_q[i], sp_q[i], lk_vpn_i) &&
                         (vmid_q[i] == lk_vmid_i) &&
                         (global_q[i] || (asid_q[i] == lk_asid_i)) &&
                         (vs_bare_q[i] == lk_vs_bare_i) &&
                         (g_bare_q[i] == lk_g_bare_i);
    assign inv_hit[i] =
        (inv_a_i && inv_match(inv_a_all_i, inv_a_vmid_i, inv_a_use_asid_i, inv_a_asid_i,
                              inv_a_use_addr_i, inv_a_vpn_i, vmid_q[i], asid_q[i],
                              global_q[i], vpn_q[i], sp_q[i])) ||
        (inv_b_i && inv_match(inv_b_all_i, inv_b_vmid_i, inv_b_use_asid_i, inv_b_asid_i,
                              inv_b_use_addr_i, inv_b_vpn_i, vmid_q[i], asid_q[i],
                              global_q[i], vpn_q[i], sp_q[i]));
  end

  // Lookup: lowest matching index wins (several matches only arise when
  // software maps one VA as global and non-global at once).
  logic [IDX_W-1:0] lk_idx;
  always_comb begin
    lk_idx = '0;
    for (int i = TLB_ENTRIES - 1; i >= 0; i--) begin
      if (lk_match[i]) begin
        lk_idx = IDX_W'(i);
      end
    end
  end

  logic [19:0] lk_ppn_raw;
  assign lk_hit_o     = |lk_match;
  assign lk_ppn_raw   = ppn_q[lk_idx];
  assign lk_ppn_o     = sp_q[lk_idx] ? {lk_ppn_raw[19:VPN0_W], lk_vpn_i[VPN0_W-1:0]}
                                     : lk_ppn_raw;
  assign lk_vs_perm_o = vs_perm_q[lk_idx];
  assign lk_g_perm_o  = g_perm_q[lk_idx];

  // Victim: the stale matching entry, else the first invalid one, else round robin.
  logic [IDX_W-1:0] free_idx;
  logic             free_found;
  logic [IDX_W-1:0] fill_idx;
  always_comb begin
    free_idx   = '0;
    free_found = 1'b0;
    for (int i = TLB_ENTRIES - 1; i >= 0; i--) begin
      if (!valid_q[i]) begin
        free_idx   = IDX_W'(i);
        free_found = 1'b1;
      end
    end
    rr_d = rr_q;
    if (lk_hit_o) begin
      fill_idx = lk_idx;
    end else if (free_found) begin
      fill_idx = free_idx;
    end else begin
      fill_idx = rr_q;
      if (fill_i) begin
        rr_d = (rr_q == LAST_IDX) ? '0 : rr_q + 1'b1;
      end
    end
  end

  // A fill sets its entry valid; an invalidation in the same cycle wins.
  logic [TLB_ENTRIES-1:0] fill_onehot;
  assign fill_onehot = fill_i ? (TLB_ENTRIES'(1) << fill_idx) : '0;
  assign valid_d     = (valid_q | fill_onehot) & ~inv_hit;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      valid_q <= '0;
      rr_q    <= '0;
    end else begin
      valid_q <= valid_d;
      rr_q    <= rr_d;
    end
  end

  // Entry payload: written by a fill, no reset needed (guarded by valid_q).
  always_ff @(posedge clk_i) begin
    if (fill_i) begin
      vpn_q[fill_idx]     <= lk_vpn_i;
      sp_q[fill_idx]      <= fill_sp_i;
      global_q[fill_idx]  <= fill_global_i;
      vs_bare_q[fill_idx] <= lk_vs_bare_i;
      g_bare_q[fill_idx]  <= lk_g_bare_i;
      vmid_q[fill_idx]    <= lk_vmid_i;
      asid_q[fill_idx]    <= lk_asid_i;
      ppn_q[fill_idx]     <= fill_ppn_i;
      vs_perm_q[fill_idx] <= fill_vs_perm_i;
      g_perm_q[fill_idx]  <= fill_g_perm_i;
    end
  end

endmodule
