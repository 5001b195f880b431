// Test-harness AXI4 slave memory over a word array: the host-memory window of
// the fast co-simulation mode (tb/fast, docs/performance.md).
//
// One transaction at a time (the unit's master never has two outstanding),
// INCR bursts of any length, byte strobes.  A beat outside
// [BASE, BASE + 4*MEM_WORDS) is answered SLVERR and not written, as the Python
// HostRam answers an access outside HostMemory.  Reads are answered the cycle
// after the AR handshake; `stall_ar_i` holds ARREADY low (the trace buffer is
// almost full: every retirement needs a fetch, so this stops the core).
//
// Python owns the contents between runs: it writes words of `mem` through VPI
// (whole-array clear first, with `mem_clear_i`), and reads back the pages
// marked in `dirty_o` (written over the bus since the last clear).
module axi_mem #(
  parameter int          MEM_WORDS    = 1 << 20,
  parameter logic [31:0] BASE         = 32'h4000_0000,
  parameter int          AXI_ID_WIDTH = 4,
  localparam int         NumPages     = MEM_WORDS / 1024,
  localparam int         IdxW         = $clog2(MEM_WORDS),
  localparam int         PageW        = (NumPages > 1) ? $clog2(NumPages) : 1
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  input  logic                      mem_clear_i,
  input  logic                      stall_ar_i,
  output logic [NumPages-1:0]       dirty_o,

  input  logic [AXI_ID_WIDTH-1:0]   s_axi_awid,
  input  logic [31:0]               s_axi_awaddr,
  input  logic [7:0]                s_axi_awlen,
  input  logic [2:0]                s_axi_awsize,
  input  logic                      s_axi_awvalid,
  output logic                      s_axi_awready,
  input  logic [31:0]               s_axi_wdata,
  input  logic [3:0]                s_axi_wstrb,
  input  logic                      s_axi_wlast,
  input  logic                      s_axi_wvalid,
  output logic                      s_axi_wready,
  output logic [AXI_ID_WIDTH-1:0]   s_axi_bid,
  output logic [1:0]                s_axi_bresp,
  output logic                      s_axi_bvalid,
  input  logic                      s_axi_bready,
  input  logic [AXI_ID_WIDTH-1:0]   s_axi_arid,
  input  logic [31:0]               s_axi_araddr,
  input  logic [7:0]                s_axi_arlen,
  input  logic [2:0]                s_axi_arsize,
  input  logic                      s_axi_arvalid,
  output logic                      s_axi_arready,
  output logic [AXI_ID_WIDTH-1:0]   s_axi_rid,
  output logic [31:0]               s_axi_rdata,
  output logic [1:0]                s_axi_rresp,
  output logic                      s_axi_rlast,
  output logic                      s_axi_rvalid,
  input  logic                      s_axi_rready
);

  localparam logic [1:0] RESP_OKAY   = 2'b00;
  localparam logic [1:0] RESP_SLVERR = 2'b10;

  typedef enum logic [1:0] {
    MEM_IDLE,
    MEM_READ,
    MEM_WRITE,
    MEM_BRESP
  } mem_state_e;

  logic [31:0] mem [MEM_WORDS] /* verilator public_flat_rw */;   // Python: VPI words

  mem_state_e               state_q, state_d;
  logic [31:0]              addr_q, addr_d;
  logic [7:0]               len_q, len_d;
  logic [2:0]               size_q, size_d;
  logic [AXI_ID_WIDTH-1:0]  id_q, id_d;
  logic                     err_q, err_d;
  logic [31:0]              rdata_q;
  logic [NumPages-1:0]      dirty_q;

  logic                     ar_hs, aw_hs, r_hs, w_hs;
  logic [31:0]              read_addr;      // address of the beat to fetch into rdata_q
  logic                     read_fetch;

  // Only some bits of the offsets are used (the window and the word/page index).
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic in_window(logic [31:0] addr);
    logic [32:0] off;
    off = {1'b0, addr} - {1'b0, BASE};
    return (off[32] == 1'b0) && (off < 33'(MEM_WORDS) * 33'd4);
  endfunction

  function automatic logic [IdxW-1:0] word_index(logic [31:0] addr);
    logic [31:0] off;
    off = addr - BASE;
    return off[IdxW+1:2];
  endfunction

  function automatic logic [PageW-1:0] page_index(logic [31:0] addr);
    logic [31:0] off;
    off = addr - BASE;
    return off[PageW+11:12];
  endfunction

  /* verilator lint_on UNUSEDSIGNAL */

  function automatic logic [31:0] next_beat(logic [31:0] addr, logic [2:0] size);
    return addr + (32'd1 << size);
  endfunction

  assign ar_hs = s_axi_arvalid && s_axi_arready;
  assign aw_hs = s_axi_awvalid && s_axi_awready;
  assign r_hs  = s_axi_rvalid && s_axi_rready;
  assign w_hs  = s_axi_wvalid && s_axi_wready;

  assign s_axi_arready = (state_q == MEM_IDLE) && !stall_ar_i;
  assign s_axi_awready = (state_q == MEM_IDLE) && !s_axi_arvalid;
  assign s_axi_rvalid  = (state_q == MEM_READ);
  assign s_axi_rdata   = rdata_q;
  assign s_axi_rresp   = err_q ? RESP_SLVERR : RESP_OKAY;
  assign s_axi_rlast   = (len_q == 8'd0);
  assign s_axi_rid     = id_q;
  assign s_axi_wready  = (state_q == MEM_WRITE);
  assign s_axi_bvalid  = (state_q == MEM_BRESP);
  assign s_axi_bresp   = err_q ? RESP_SLVERR : RESP_OKAY;
  assign s_axi_bid     = id_q;
  assign dirty_o       = dirty_q;

  always_comb begin
    state_d    = state_q;
    addr_d     = addr_q;
    len_d      = len_q;
    size_d     = size_q;
    id_d       = id_q;
    err_d      = err_q;
    read_fetch = 1'b0;
    read_addr  = s_axi_araddr;
    unique case (state_q)
      MEM_IDLE: begin
        if (ar_hs) begin
          state_d    = MEM_READ;
          addr_d     = s_axi_araddr;
          len_d      = s_axi_arlen;
          size_d     = s_axi_arsize;
          id_d       = s_axi_arid;
          err_d      = !in_window(s_axi_araddr);
          read_fetch = 1'b1;
          read_addr  = s_axi_araddr;
        end else if (aw_hs) begin
          state_d = MEM_WRITE;
          addr_d  = s_axi_awaddr;
          len_d   = s_axi_awlen;
          size_d  = s_axi_awsize;
          id_d    = s_axi_awid;
          err_d   = 1'b0;
        end
      end
      MEM_READ: begin
        if (r_hs) begin
          if (len_q == 8'd0) begin
            state_d = MEM_IDLE;
          end else begin
            addr_d     = next_beat(addr_q, size_q);
            len_d      = len_q - 8'd1;
            err_d      = !in_window(next_beat(addr_q, size_q));
            read_fetch = 1'b1;
            read_addr  = next_beat(addr_q, size_q);
          end
        end
      end
      MEM_WRITE: begin
        if (w_hs) begin
          err_d = err_q || !in_window(addr_q);
          if (s_axi_wlast || (len_q == 8'd0)) begin
            state_d = MEM_BRESP;
          end else begin
            addr_d = next_beat(addr_q, size_q);
            len_d  = len_q - 8'd1;
          end
        end
      end
      MEM_BRESP: begin
        if (s_axi_bvalid && s_axi_bready) begin
          state_d = MEM_IDLE;
        end
      end
      default: state_d = MEM_IDLE;
    endcase
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q <= MEM_IDLE;
      addr_q  <= 32'h0;
      len_q   <= 8'd0;
      size_q  <= 3'd0;
      id_q    <= '0;
      err_q   <= 1'b0;
    end else begin
      state_q <= state_d;
      addr_q  <= addr_d;
      len_q   <= len_d;
      size_q  <= size_d;
      id_q    <= id_d;
      err_q   <= err_d;
    end
  end

  // The array: cleared, written and read in one process so that a VPI deposit, a
  // bus write and the next bus read are ordered.  Blocking writes to `mem` (a
  // test-harness memory, not a flop array to synthesize): the whole-array clear
  // is one loop in one time step, which non-blocking array writes in a loop
  // would turn into millions of queued updates on Verilator.
  /* verilator lint_off BLKSEQ */
  always @(posedge clk_i) begin
    if (mem_clear_i) begin
      for (int i = 0; i < MEM_WORDS; i++) begin
        mem[i] = 32'h0;
      end
      dirty_q <= '0;
    end else begin
      if (w_hs && in_window(addr_q)) begin
        for (int b = 0; b < 4; b++) begin
          if (s_axi_wstrb[b]) begin
            mem[word_index(addr_q)][8*b +: 8] = s_axi_wdata[8*b +: 8];
          end
        end
        dirty_q[page_index(addr_q)] <= 1'b1;
      end
      if (read_fetch) begin
        rdata_q <= in_window(read_addr) ? mem[word_index(read_addr)] : 32'h0;
      end
    end
  end
  /* verilator lint_on BLKSEQ */

endmodule
