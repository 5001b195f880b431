// Retirement trace buffer of the fast co-simulation mode: each RVFI record is
// packed into one REC_W-bit slot of a ring of DEPTH slots (`ring_q`, an unpacked
// array that Python reads slot by slot through VPI: one read per record).  An
// unpacked array, not one packed vector of DEPTH*REC_W bits: Verilator copies a
// packed vector written at a variable offset whole at every clock edge (the
// non-blocking shadow copy), which cost more per cycle than the reads it saves.
//
// Python tells how many records it has consumed (`consumed_i`, a free-running
// count, as `pushed_o`); occupancy = pushed - consumed.  `full_o` rises when at
// most SLACK slots are left: the harness then stalls the core's m_axi reads
// (every retirement needs a fetch) and Python wakes on the rising edge to drain.
// SLACK covers the records still retiring after the stall (instructions that
// already fetched); a push into a full ring latches `overflow_o` (a harness
// error, reported by Python).  `xz_o` latches an X/Z seen on `push_i` (4-state
// simulators; the record's own bits are checked by Python on the drained ring).
module trace_buffer #(
  parameter int DEPTH = 64,          // power of two
  parameter int SLACK = 8,
  parameter int REC_W = 640
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic                     push_i,
  input  logic [REC_W-1:0]         rec_i,
  input  logic [31:0]              consumed_i,
  output logic [31:0]              pushed_o,
  output logic                     full_o,
  output logic                     overflow_o,
  output logic                     xz_o
);

  localparam int SlotW = (DEPTH > 1) ? $clog2(DEPTH) : 1;

  /* verilator lint_off UNUSEDSIGNAL */
  logic [REC_W-1:0]       ring_q [DEPTH] /* verilator public_flat_rw */;   // read by Python only (VPI)
  /* verilator lint_on UNUSEDSIGNAL */
  logic [31:0]            pushed_q;
  logic                   overflow_q, xz_q;
  logic [31:0]            occupancy;
  logic [SlotW-1:0]       slot;

  assign occupancy  = pushed_q - consumed_i;
  assign slot       = pushed_q[SlotW-1:0];
  assign full_o     = occupancy >= 32'(DEPTH - SLACK);
  assign pushed_o   = pushed_q;
  assign overflow_o = overflow_q;
  assign xz_o       = xz_q;

  // Cleared at reset so that a 4-state simulator shows no X in unwritten slots
  // (Python checks the whole ring for X/Z in one test).
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      for (int i = 0; i < DEPTH; i++) begin
        ring_q[i] <= '0;
      end
    end else if (push_i === 1'b1) begin
      ring_q[slot] <= rec_i;
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      pushed_q   <= 32'd0;
      overflow_q <= 1'b0;
      xz_q       <= 1'b0;
    end else begin
      if (push_i === 1'b1) begin
        pushed_q <= pushed_q + 32'd1;
        if (occupancy >= 32'(DEPTH)) begin
          overflow_q <= 1'b1;
        end
      end
      if ($isunknown(push_i)) begin
        xz_q <= 1'b1;
      end
    end
  end

endmodule
