// Testbench-only top level for performance measurements (tb/sim/perf.py).
// Not part of the unit: vcpu_unit plus a zero-wait-state AXI4 memory (ready
// always high, read data / write response the cycle after the address
// handshake, INCR bursts) and event counters, so that Python does not have to
// wake up every clock cycle.
module perf_top #(
  parameter int NUM_VCPUS   = 2,
  parameter int TLB_ENTRIES = 16,
  parameter int MEM_BYTES   = 1 << 20
) (
  input  logic        clk,
  input  logic        rst_n,

  input  logic [15:0] s_axil_awaddr,
  input  logic [2:0]  s_axil_awprot,
  input  logic        s_axil_awvalid,
  output logic        s_axil_awready,
  input  logic [31:0] s_axil_wdata,
  input  logic [3:0]  s_axil_wstrb,
  input  logic        s_axil_wvalid,
  output logic        s_axil_wready,
  output logic [1:0]  s_axil_bresp,
  output logic        s_axil_bvalid,
  input  logic        s_axil_bready,
  input  logic [15:0] s_axil_araddr,
  input  logic [2:0]  s_axil_arprot,
  input  logic        s_axil_arvalid,
  output logic        s_axil_arready,
  output logic [31:0] s_axil_rdata,
  output logic [1:0]  s_axil_rresp,
  output logic        s_axil_rvalid,
  input  logic        s_axil_rready,
  output logic        irq,

  // Measurement control: a pulse clears the "since arm" counters.
  input  logic        arm
);
  localparam int MemWords = MEM_BYTES / 4;
  localparam int IdW = 4;

  logic [IdW-1:0] awid, bid, arid, rid;
  logic [31:0] awaddr, araddr, wdata, rdata;
  logic [7:0]  awlen, arlen;
  logic [2:0]  awsize, arsize, awprot, arprot;
  logic [1:0]  awburst, arburst, bresp, rresp;
  logic        awlock, arlock;
  logic [3:0]  awcache, arcache, wstrb;
  logic        awvalid, awready, wvalid, wready, wlast, bvalid, bready;
  logic        arvalid, arready, rvalid, rready, rlast;

  logic        rvfi_valid, rvfi_trap, rvfi_halt, rvfi_intr, rvfi_ext_exit, rvfi_ext_gva, rvfi_ext_csr_wen;
  logic [63:0] rvfi_order;
  logic [31:0] rvfi_insn, rvfi_rs1_rdata, rvfi_rs2_rdata, rvfi_rd_wdata, rvfi_pc_rdata, rvfi_pc_wdata;
  logic [31:0] rvfi_mem_addr, rvfi_mem_rdata, rvfi_mem_wdata, rvfi_ext_cause, rvfi_ext_tval;
  logic [31:0] rvfi_ext_htval, rvfi_ext_htinst, rvfi_ext_csr_wdata;
  logic [1:0]  rvfi_mode, rvfi_ixl;
  logic [4:0]  rvfi_rs1_addr, rvfi_rs2_addr, rvfi_rd_addr;
  logic [3:0]  rvfi_mem_rmask, rvfi_mem_wmask;
  logic [7:0]  rvfi_ext_ctx;
  logic [33:0] rvfi_ext_mem_paddr;
  logic [11:0] rvfi_ext_csr_addr;

  vcpu_unit #(.NUM_VCPUS(NUM_VCPUS), .TLB_ENTRIES(TLB_ENTRIES), .AXI_ID_WIDTH(IdW)) u_unit (
    .clk, .rst_n,
    .s_axil_awaddr, .s_axil_awprot, .s_axil_awvalid, .s_axil_awready, .s_axil_wdata, .s_axil_wstrb,
    .s_axil_wvalid, .s_axil_wready, .s_axil_bresp, .s_axil_bvalid, .s_axil_bready, .s_axil_araddr,
    .s_axil_arprot, .s_axil_arvalid, .s_axil_arready, .s_axil_rdata, .s_axil_rresp, .s_axil_rvalid,
    .s_axil_rready,
    .m_axi_awid(awid), .m_axi_awaddr(awaddr), .m_axi_awlen(awlen), .m_axi_awsize(awsize),
    .m_axi_awburst(awburst), .m_axi_awlock(awlock), .m_axi_awcache(awcache), .m_axi_awprot(awprot),
    .m_axi_awvalid(awvalid), .m_axi_awready(awready), .m_axi_wdata(wdata), .m_axi_wstrb(wstrb),
    .m_axi_wlast(wlast), .m_axi_wvalid(wvalid), .m_axi_wready(wready), .m_axi_bid(bid),
    .m_axi_bresp(bresp), .m_axi_bvalid(bvalid), .m_axi_bready(bready), .m_axi_arid(arid),
    .m_axi_araddr(araddr), .m_axi_arlen(arlen), .m_axi_arsize(arsize), .m_axi_arburst(arburst),
    .m_axi_arlock(arlock), .m_axi_arcache(arcache), .m_axi_arprot(arprot), .m_axi_arvalid(arvalid),
    .m_axi_arready(arready), .m_axi_rid(rid), .m_axi_rdata(rdata), .m_axi_rresp(rresp),
    .m_axi_rlast(rlast), .m_axi_rvalid(rvalid), .m_axi_rready(rready),
    .irq,
    .rvfi_valid, .rvfi_order, .rvfi_insn, .rvfi_trap, .rvfi_halt, .rvfi_intr, .rvfi_mode, .rvfi_ixl,
    .rvfi_rs1_addr, .rvfi_rs2_addr, .rvfi_rs1_rdata, .rvfi_rs2_rdata, .rvfi_rd_addr, .rvfi_rd_wdata,
    .rvfi_pc_rdata, .rvfi_pc_wdata, .rvfi_mem_addr, .rvfi_mem_rmask, .rvfi_mem_wmask, .rvfi_mem_rdata,
    .rvfi_mem_wdata, .rvfi_ext_ctx, .rvfi_ext_mem_paddr, .rvfi_ext_exit, .rvfi_ext_cause, .rvfi_ext_tval,
    .rvfi_ext_htval, .rvfi_ext_htinst, .rvfi_ext_gva, .rvfi_ext_csr_wen, .rvfi_ext_csr_addr,
    .rvfi_ext_csr_wdata
  );

  // ---------------------------------------------------------------------------
  // Zero-wait-state AXI4 memory (one read and one write burst at a time).
  // ---------------------------------------------------------------------------
  logic [31:0] mem [MemWords];

  logic        rd_busy;
  logic [31:0] rd_addr;
  logic [7:0]  rd_left;
  logic [IdW-1:0] rd_id;
  assign arready = !rd_busy;
  assign rvalid  = rd_busy;
  assign rdata   = mem[rd_addr[$clog2(MEM_BYTES)-1:2]];
  assign rresp   = 2'b00;
  assign rlast   = (rd_left == 8'd0);
  assign rid     = rd_id;

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      rd_busy <= 1'b0;
      rd_addr <= '0;
      rd_left <= '0;
      rd_id   <= '0;
    end else if (arvalid && arready) begin
      rd_busy <= 1'b1;
      rd_addr <= {araddr[31:2], 2'b00};
      rd_left <= arlen;
      rd_id   <= arid;
    end else if (rvalid && rready) begin
      if (rlast) begin
        rd_busy <= 1'b0;
      end else begin
        rd_addr <= rd_addr + 32'd4;
        rd_left <= rd_left - 8'd1;
      end
    end
  end

  logic        wr_busy, wr_resp;
  logic [31:0] wr_addr;
  logic [IdW-1:0] wr_id;
  assign awready = !wr_busy && !wr_resp;
  assign wready  = wr_busy;
  assign bvalid  = wr_resp;
  assign bresp   = 2'b00;
  assign bid     = wr_id;

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      wr_busy <= 1'b0;
      wr_resp <= 1'b0;
      wr_addr <= '0;
      wr_id   <= '0;
    end else begin
      if (awvalid && awready) begin
        wr_busy <= 1'b1;
        wr_addr <= {awaddr[31:2], 2'b00};
        wr_id   <= awid;
      end
      if (wvalid && wready) begin
        for (int b = 0; b < 4; b++) begin
          if (wstrb[b]) begin
            mem[wr_addr[$clog2(MEM_BYTES)-1:2]][8*b +: 8] <= wdata[8*b +: 8];
          end
        end
        wr_addr <= wr_addr + 32'd4;
        if (wlast) begin
          wr_busy <= 1'b0;
          wr_resp <= 1'b1;
        end
      end
      if (bvalid && bready) begin
        wr_resp <= 1'b0;
      end
    end
  end

  // ---------------------------------------------------------------------------
  // Event counters (cycles since reset).
  // ---------------------------------------------------------------------------
  logic [63:0] cycle;                  // free-running
  logic [63:0] retired;                // retirement records since arm
  logic [63:0] first_retire_cycle;     // of the first record since arm
  logic [63:0] last_retire_cycle;      // of the last record
  logic [63:0] prev_retire_cycle;      // of the record before it
  logic [7:0]  last_retire_ctx;
  logic [63:0] exit_record_cycle;      // last record with rvfi_ext_exit
  logic [63:0] irq_rise_cycle;         // last rising edge of irq
  logic [63:0] axil_write_cycle;       // last W handshake on the control port
  logic [63:0] first_retire_ctx1_cycle; // first record of context 1 since arm
  logic        irq_q;
  logic        seen_ctx1;

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      cycle <= '0;
      retired <= '0;
      first_retire_cycle <= '0;
      last_retire_cycle <= '0;
      prev_retire_cycle <= '0;
      last_retire_ctx <= '0;
      exit_record_cycle <= '0;
      irq_rise_cycle <= '0;
      axil_write_cycle <= '0;
      first_retire_ctx1_cycle <= '0;
      irq_q <= 1'b0;
      seen_ctx1 <= 1'b0;
    end else begin
      cycle <= cycle + 64'd1;
      irq_q <= irq;
      if (irq && !irq_q) irq_rise_cycle <= cycle;
      if (s_axil_wvalid && s_axil_wready) axil_write_cycle <= cycle;
      if (arm) begin
        retired <= '0;
        seen_ctx1 <= 1'b0;
      end else if (rvfi_valid) begin
        if (retired == 64'd0) first_retire_cycle <= cycle;
        retired <= retired + 64'd1;
        last_retire_cycle <= cycle;
        prev_retire_cycle <= last_retire_cycle;
        last_retire_ctx <= rvfi_ext_ctx;
        if (rvfi_ext_exit) exit_record_cycle <= cycle;
        if (rvfi_ext_ctx == 8'd1 && !seen_ctx1) begin
          seen_ctx1 <= 1'b1;
          first_retire_ctx1_cycle <= cycle;
        end
      end
    end
  end

endmodule
