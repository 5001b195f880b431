// AXI4-Lite slave front end of the control port.
//
// Turns the five AXI4-Lite channels into one simple register request at a
// time: `reg_req_o` is raised in the cycle the address (and write data) are
// accepted, straight from the channel inputs, and held from registered copies
// until the register block answers with a one-cycle `reg_done_i` (which may come
// in the accept cycle itself); the read data and error flag are captured and
// returned on R or B from the next cycle.
//
// Handshakes:
//  * a write is accepted when AWVALID and WVALID are both high (AWREADY and
//    WREADY rise together, in that cycle; the AXI spec allows a slave to wait
//    for both); a read when ARVALID is high;
//  * when a read and a write are offered in the same idle cycle, the one that
//    was not served last goes first (alternating priority, no starvation);
//  * one transaction in flight: the next one is accepted the cycle after the
//    B/R handshake completes.
// Addresses are byte addresses; bits [1:0] are ignored (word registers).
// AWPROT/ARPROT are accepted and ignored.
module vcpu_axil_slave #(
  parameter int ADDR_W = 16,
  parameter int DATA_W = 32
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,

  // AXI4-Lite slave.
  input  logic [ADDR_W-1:0]     s_axil_awaddr,
  input  logic [2:0]            s_axil_awprot,
  input  logic                  s_axil_awvalid,
  output logic                  s_axil_awready,
  input  logic [DATA_W-1:0]     s_axil_wdata,
  input  logic [DATA_W/8-1:0]   s_axil_wstrb,
  input  logic                  s_axil_wvalid,
  output logic                  s_axil_wready,
  output logic [1:0]            s_axil_bresp,
  output logic                  s_axil_bvalid,
  input  logic                  s_axil_bready,
  input  logic [ADDR_W-1:0]     s_axil_araddr,
  input  logic [2:0]            s_axil_arprot,
  input  logic                  s_axil_arvalid,
  output logic                  s_axil_arready,
  output logic [DATA_W-1:0]     s_axil_rdata,
  output logic [1:0]            s_axil_rresp,
  output logic                  s_axil_rvalid,
  input  logic                  s_axil_rready,

  // Register request (one at a time).
  output logic                  reg_req_o,
  output logic                  reg_we_o,
  output logic [ADDR_W-1:0]     reg_addr_o,
  output logic [DATA_W-1:0]     reg_wdata_o,
  output logic [DATA_W/8-1:0]   reg_wstrb_o,
  input  logic                  reg_done_i,
  input  logic [DATA_W-1:0]     reg_rdata_i,
  input  logic                  reg_err_i
);

  localparam logic [1:0] RESP_OKAY   = 2'b00;
  localparam logic [1:0] RESP_DECERR = 2'b11;

  typedef enum logic [1:0] {
    AX_IDLE  = 2'd0,  // waiting for AW+W or AR
    AX_REQ   = 2'd1,  // register request outstanding
    AX_BRESP = 2'd2,  // write response on B
    AX_RRESP = 2'd3   // read data on R
  } ax_state_e;

  ax_state_e             state_q, state_d;
  logic                  we_q, we_d;
  logic [ADDR_W-1:0]     addr_q, addr_d;
  logic [DATA_W-1:0]     wdata_q, wdata_d;
  logic [DATA_W/8-1:0]   wstrb_q, wstrb_d;
  logic [DATA_W-1:0]     rdata_q, rdata_d;
  logic                  err_q, err_d;
  logic                  last_wr_q, last_wr_d;  // the last accepted transaction was a write

  logic                  wr_offer, rd_offer, take_wr, take_rd;

  assign wr_offer = s_axil_awvalid & s_axil_wvalid;
  assign rd_offer = s_axil_arvalid;
  // Alternate when both are offered.
  assign take_wr  = (state_q == AX_IDLE) & wr_offer & (~rd_offer | ~last_wr_q);
  assign take_rd  = (state_q == AX_IDLE) & rd_offer & ~take_wr;

  always_comb begin
    state_d   = state_q;
    we_d      = we_q;
    addr_d    = addr_q;
    wdata_d   = wdata_q;
    wstrb_d   = wstrb_q;
    rdata_d   = rdata_q;
    err_d     = err_q;
    last_wr_d = last_wr_q;
    case (state_q)
      AX_IDLE: begin
        if (take_wr) begin
          if (reg_done_i) begin
            state_d = AX_BRESP;
          end else begin
            state_d = AX_REQ;
          end
          err_d     = reg_err_i;
          rdata_d   = '0;
          we_d      = 1'b1;
          addr_d    = s_axil_awaddr;
          wdata_d   = s_axil_wdata;
          wstrb_d   = s_axil_wstrb;
          last_wr_d = 1'b1;
        end else if (take_rd) begin
          if (reg_done_i) begin
            state_d = AX_RRESP;
          end else begin
            state_d = AX_REQ;
          end
          err_d     = reg_err_i;
          rdata_d   = reg_rdata_i;
          we_d      = 1'b0;
          addr_d    = s_axil_araddr;
          wdata_d   = '0;
          wstrb_d   = '0;
          last_wr_d = 1'b0;
        end
      end
      AX_REQ: begin
        if (reg_done_i) begin
          if (we_q) begin
            state_d = AX_BRESP;
          end else begin
            state_d = AX_RRESP;
          end
          rdata_d = we_q ? '0 : reg_rdata_i;
          err_d   = reg_err_i;
        end
      end
      AX_BRESP: begin
        if (s_axil_bready) begin
          state_d = AX_IDLE;
        end
      end
      AX_RRESP: begin
        if (s_axil_rready) begin
          state_d = AX_IDLE;
        end
      end
      default: state_d = AX_IDLE;
    endcase
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q   <= AX_IDLE;
      we_q      <= 1'b0;
      addr_q    <= '0;
      wdata_q   <= '0;
      wstrb_q   <= '0;
      rdata_q   <= '0;
      err_q     <= 1'b0;
      last_wr_q <= 1'b0;
    end else begin
      state_q   <= state_d;
      we_q      <= we_d;
      addr_q    <= addr_d;
      wdata_q   <= wdata_d;
      wstrb_q   <= wstrb_d;
      rdata_q   <= rdata_d;
      err_q     <= err_d;
      last_wr_q <= last_wr_d;
    end
  end

  assign s_axil_awready = take_wr;
  assign s_axil_wready  = take_wr;
  assign s_axil_arready = take_rd;
  assign s_axil_bvalid  = (state_q == AX_BRESP);
  assign s_axil_bresp   = err_q ? RESP_DECERR : RESP_OKAY;
  assign s_axil_rvalid  = (state_q == AX_RRESP);
  assign s_axil_rresp   = err_q ? RESP_DECERR : RESP_OKAY;
  assign s_axil_rdata   = rdata_q;

  // In the accept cycle the request comes straight from the channels.
  assign reg_req_o   = take_wr | take_rd | (state_q == AX_REQ);
  assign reg_we_o    = (state_q == AX_IDLE) ? take_wr : we_q;
  assign reg_addr_o  = take_wr ? s_axil_awaddr : (take_rd ? s_axil_araddr : addr_q);
  assign reg_wdata_o = take_wr ? s_axil_wdata : ((state_q == AX_IDLE) ? '0 : wdata_q);
  assign reg_wstrb_o = take_wr ? s_axil_wstrb : ((state_q == AX_IDLE) ? '0 : wstrb_q);

  // AxPROT carries no meaning for this map.
  logic unused_prot;
  assign unused_prot = ^{s_axil_awprot, s_axil_arprot};

endmodule
