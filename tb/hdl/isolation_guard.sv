// Isolation guard of the fast co-simulation mode: every m_axi address handshake
// is checked against an owner table indexed by host page number (the VMID that
// owns the page, 0 = nobody), written by Python through VPI whenever the VMM's
// page ownership changes.  `vmid_i` is the VMID of the running context (0 when
// nothing runs).  An access outside the window, to a page of another owner, or
// with nothing running is a violation; the first one is latched (address,
// write, running VMID) until reset.  `accesses_o` counts the handshakes.
module isolation_guard #(
  parameter int          NUM_PAGES = 256,
  parameter logic [31:0] BASE      = 32'h4000_0000
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic [6:0]   vmid_i,
  input  logic         ar_hs_i,
  input  logic [31:0]  araddr_i,
  input  logic [7:0]   arlen_i,
  input  logic [2:0]   arsize_i,
  input  logic         aw_hs_i,
  input  logic [31:0]  awaddr_i,
  input  logic [7:0]   awlen_i,
  input  logic [2:0]   awsize_i,
  output logic         violation_o,
  output logic [31:0]  viol_addr_o,
  output logic         viol_write_o,
  output logic [6:0]   viol_vmid_o,
  output logic [31:0]  accesses_o
);

  logic [6:0] owner_q [NUM_PAGES] /* verilator public_flat_rw */;   // written only by Python (VPI)

  logic        violation_q, viol_write_q;
  logic [31:0] viol_addr_q, accesses_q;
  logic [6:0]  viol_vmid_q;
  logic        ar_bad, aw_bad;

  initial begin
    for (int i = 0; i < NUM_PAGES; i++) begin
      owner_q[i] = 7'd0;
    end
  end

  function automatic logic page_ok(logic [31:0] addr, logic [6:0] vmid);
    logic [32:0] off;
    logic [31:0] page;
    off  = {1'b0, addr} - {1'b0, BASE};
    page = off[31:0] >> 12;
    if (off[32] || (page >= 32'(NUM_PAGES)) || (vmid == 7'd0)) begin
      return 1'b0;
    end
    return owner_q[page] == vmid;
  endfunction

  function automatic logic [31:0] last_byte(logic [31:0] addr, logic [7:0] len, logic [2:0] size);
    return addr + (((32'(len) + 32'd1) << size) - 32'd1);
  endfunction

  assign ar_bad = ar_hs_i && !(page_ok(araddr_i, vmid_i) &&
                               page_ok(last_byte(araddr_i, arlen_i, arsize_i), vmid_i));
  assign aw_bad = aw_hs_i && !(page_ok(awaddr_i, vmid_i) &&
                               page_ok(last_byte(awaddr_i, awlen_i, awsize_i), vmid_i));

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      violation_q  <= 1'b0;
      viol_write_q <= 1'b0;
      viol_addr_q  <= 32'h0;
      viol_vmid_q  <= 7'd0;
      accesses_q   <= 32'd0;
    end else begin
      accesses_q <= accesses_q + 32'(ar_hs_i) + 32'(aw_hs_i);
      if (!violation_q && (ar_bad || aw_bad)) begin
        violation_q  <= 1'b1;
        viol_write_q <= !ar_bad;
        viol_addr_q  <= ar_bad ? araddr_i : awaddr_i;
        viol_vmid_q  <= vmid_i;
      end
    end
  end

  assign violation_o  = violation_q;
  assign viol_addr_o  = viol_addr_q;
  assign viol_write_o = viol_write_q;
  assign viol_vmid_o  = viol_vmid_q;
  assign accesses_o   = accesses_q;

endmodule
