// AXI4 master of the MMU: one outstanding single-beat transaction at a time.
//
// Request side: `req_i` is a one-cycle pulse, only given while `idle_o` = 1; the
// payload is captured with it.  `done_o` pulses for one cycle when the response
// arrives; `rdata_o` (reads) and `err_o` (SLVERR/DECERR) are valid with it
// (they come straight from the R/B channel in that cycle).
//
// AXI side: every VALID is a flop output (no combinational path from READY),
// held until its READY, with a payload that stays stable meanwhile.  AW and W
// are raised together and may complete in either order.  len = 0, burst INCR,
// size from the request, IDs constant.
module vcpu_axi_master #(
  parameter int AXI_ID_WIDTH = 4,
  parameter logic [AXI_ID_WIDTH-1:0] AXI_ID = '0
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,

  // Request interface (MMU side).
  input  logic                    req_i,
  input  logic                    req_we_i,
  input  logic                    req_instr_i,  // fetch: ARPROT[2] = 1
  input  logic [31:0]             req_addr_i,
  input  logic [1:0]              req_size_i,
  input  logic [31:0]             req_wdata_i,
  input  logic [3:0]              req_wstrb_i,
  output logic                    idle_o,
  output logic                    done_o,
  output logic [31:0]             rdata_o,
  output logic                    err_o,

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

  localparam logic [7:0] AXI_LEN_SINGLE = 8'd0;
  localparam logic [1:0] AXI_BURST_INCR = 2'b01;
  // Normal non-cacheable bufferable memory.
  localparam logic [3:0] AXI_CACHE      = 4'b0011;
  // RESP[1] = 1 is SLVERR (10) or DECERR (11).
  localparam int RESP_ERR_BIT  = 1;

  typedef enum logic [2:0] {
    M_IDLE,   // no transaction
    M_AR,     // ARVALID up, waiting for ARREADY
    M_R,      // waiting for the R beat
    M_AW_W,   // AWVALID and/or WVALID up, waiting for their READYs
    M_B       // waiting for the B response
  } mstate_e;

  mstate_e     state_q, state_d;
  logic        aw_done_q, aw_done_d;
  logic        w_done_q, w_done_d;
  logic [31:0] addr_q;
  logic [1:0]  size_q;
  logic        instr_q;
  logic [31:0] wdata_q;
  logic [3:0]  wstrb_q;
  logic        r_err, b_err;

  assign r_err = m_axi_rresp[RESP_ERR_BIT];
  assign b_err = m_axi_bresp[RESP_ERR_BIT];

  always_comb begin
    state_d   = state_q;
    aw_done_d = aw_done_q;
    w_done_d  = w_done_q;
    done_o    = 1'b0;
    err_o     = 1'b0;
    case (state_q)
      M_IDLE: begin
        if (req_i) begin
          if (req_we_i) begin
            state_d = M_AW_W;
          end else begin
            state_d = M_AR;
          end
          aw_done_d = 1'b0;
          w_done_d  = 1'b0;
        end
      end
      M_AR: begin
        if (m_axi_arready) begin
          state_d = M_R;
        end
      end
      M_R: begin
        if (m_axi_rvalid) begin
          done_o  = 1'b1;
          err_o   = r_err;
          state_d = M_IDLE;
        end
      end
      M_AW_W: begin
        if (m_axi_awready) begin
          aw_done_d = 1'b1;
        end
        if (m_axi_wready) begin
          w_done_d = 1'b1;
        end
        if ((aw_done_q || m_axi_awready) && (w_done_q || m_axi_wready)) begin
          state_d = M_B;
        end
      end
      M_B: begin
        if (m_axi_bvalid) begin
          done_o  = 1'b1;
          err_o   = b_err;
          state_d = M_IDLE;
        end
      end
      default: state_d = M_IDLE;
    endcase
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q   <= M_IDLE;
      aw_done_q <= 1'b0;
      w_done_q  <= 1'b0;
    end else begin
      state_q   <= state_d;
      aw_done_q <= aw_done_d;
      w_done_q  <= w_done_d;
    end
  end

  // Payload: captured with the request, stable until the next one.
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      addr_q  <= 32'h0;
      size_q  <= 2'd0;
      instr_q <= 1'b0;
      wdata_q <= 32'h0;
      wstrb_q <= 4'h0;
    end else if (req_i && (state_q == M_IDLE)) begin
      addr_q  <= req_addr_i;
      size_q  <= req_size_i;
      instr_q <= req_instr_i;
      wdata_q <= req_wdata_i;
      wstrb_q <= req_we_i ? req_wstrb_i : 4'h0;
    end
  end

  assign idle_o  = (state_q == M_IDLE);
  assign rdata_o = m_axi_rdata;

  // Write address / data / response.
  assign m_axi_awid    = AXI_ID;
  assign m_axi_awaddr  = addr_q;
  assign m_axi_awlen   = AXI_LEN_SINGLE;
  assign m_axi_awsize  = {1'b0, size_q};
  assign m_axi_awburst = AXI_BURST_INCR;
  assign m_axi_awlock  = 1'b0;
  assign m_axi_awcache = AXI_CACHE;
  assign m_axi_awprot  = 3'b000;  // unprivileged, secure, data
  assign m_axi_awvalid = (state_q == M_AW_W) && !aw_done_q;
  assign m_axi_wdata   = wdata_q;
  assign m_axi_wstrb   = wstrb_q;
  assign m_axi_wlast   = 1'b1;
  assign m_axi_wvalid  = (state_q == M_AW_W) && !w_done_q;
  assign m_axi_bready  = (state_q == M_B);

  // Read address / data.
  assign m_axi_arid    = AXI_ID;
  assign m_axi_araddr  = addr_q;
  assign m_axi_arlen   = AXI_LEN_SINGLE;
  assign m_axi_arsize  = {1'b0, size_q};
  assign m_axi_arburst = AXI_BURST_INCR;
  assign m_axi_arlock  = 1'b0;
  assign m_axi_arcache = AXI_CACHE;
  assign m_axi_arprot  = {instr_q, 2'b00};
  assign m_axi_arvalid = (state_q == M_AR);
  assign m_axi_rready  = (state_q == M_R);

  // IDs are constant and single beats carry RLAST: nothing to check there.
  logic unused_resp;
  assign unused_resp = ^{m_axi_bid, m_axi_rid, m_axi_rlast, m_axi_bresp[0], m_axi_rresp[0]};

endmodule
