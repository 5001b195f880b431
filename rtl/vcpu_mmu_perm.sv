// Leaf permission check of one translation stage (digest §4 steps 6-8, Svade).
// Purely combinational; used by the walker on a leaf PTE and by the MMU on the
// per-stage bits stored in a TLB entry.
//
// perm_i = {D, U, X, W, R} of the leaf.  mxr_i is the MXR that applies to the
// stage: vsstatus.MXR | HS MXR for the VS-stage, HS MXR alone for the G-stage.
// An implicit access (a VS page-table read through the G-stage) needs R (and
// U, A): MXR does not apply to it.
module vcpu_mmu_perm
(
  input  logic       g_stage_i,   // 1: G-stage rules, 0: VS-stage rules
  input  logic       implicit_i,  // G-stage only: VS page-table read
  input  logic [1:0] type_i,      // ACC_*
  input  logic       priv_vs_i,   // 1: VS, 0: VU (VS-stage only)
  input  logic       sum_i,       // vsstatus.SUM (VS-stage only)
  input  logic       mxr_i,
  input  logic [4:0] perm_i,      // {D, U, X, W, R}
  input  logic       a_i,
  output logic       ok_o
);

  localparam int P_R = 0;
  localparam int P_W = 1;
  localparam int P_X = 2;
  localparam int P_U = 3;
  localparam int P_D = 4;

  logic is_fetch, is_store, u_ok, rwx_ok, ad_ok;

  assign is_fetch = (type_i == vcpu_pkg::ACC_FETCH);
  assign is_store = (type_i == vcpu_pkg::ACC_STORE);

  // U bit: the G-stage treats every access as a U-mode access; in VS-mode U
  // pages are never executable and loads/stores to them need SUM.
  assign u_ok = (g_stage_i || !priv_vs_i) ? perm_i[P_U]
                                          : (!perm_i[P_U] || (!is_fetch && sum_i));

  assign rwx_ok = (g_stage_i && implicit_i) ? perm_i[P_R] :
                  is_fetch                  ? perm_i[P_X] :
                  is_store                  ? perm_i[P_W] :
                                              (perm_i[P_R] || (perm_i[P_X] && mxr_i));

  // Svade: A must be set; a store also needs D (not for the implicit read).
  assign ad_ok = a_i && (!is_store || (g_stage_i && implicit_i) || perm_i[P_D]);

  assign ok_o = u_ok && rwx_ok && ad_ok;

endmodule
