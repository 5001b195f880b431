// Top of the fast co-simulation mode (tb/fast, docs/performance.md): the unit
// with its m_axi answered by an SV memory (axi_mem), its retirements packed into
// a trace ring (trace_buffer) and every m_axi address checked against an owner
// table (isolation_guard).  The AXI4-Lite slave, `irq` and `rvfi_*` are the
// unit's own ports, unchanged, so the Python register-map driver works as on
// `vcpu_unit`.  Python is woken only by `irq`, `trace_full` or `iso_violation`.
//
// While the ring is almost full, m_axi reads are held (ARREADY low): the core
// stops at its next fetch until Python has drained the ring.
//
// The clock: with HVCOSIM_SV_CLOCK defined (Verilator --timing, Icarus) the
// harness generates `clk` itself and drives it out; the simulator then advances
// from edge to edge without calling into cocotb at each half period (a GPI timer
// callback per half period was the cycle-rate limit, docs/performance.md).
// Without it `clk` is an input driven by cocotb's GPI clock.
module cosim_harness #(
  parameter int NUM_VCPUS   = 2,
  parameter int TLB_ENTRIES = 16,
  parameter int MEM_WORDS   = 1 << 23,      // host memory window, 32-bit words
  parameter int TRACE_DEPTH = 256,          // ring slots, a power of two
  parameter int TRACE_SLACK = 8,
  localparam int AxiIdW     = 4,
  localparam int RecW       = 640,          // 599 record bits, padded to ten 64-bit lanes
  localparam int NumPages   = MEM_WORDS / 1024
) (
`ifdef HVCOSIM_SV_CLOCK
  output logic                clk,
`else
  input  logic                clk,
`endif
  input  logic                rst_n,

  input  logic [15:0]         s_axil_awaddr,
  input  logic [2:0]          s_axil_awprot,
  input  logic                s_axil_awvalid,
  output logic                s_axil_awready,
  input  logic [31:0]         s_axil_wdata,
  input  logic [3:0]          s_axil_wstrb,
  input  logic                s_axil_wvalid,
  output logic                s_axil_wready,
  output logic [1:0]          s_axil_bresp,
  output logic                s_axil_bvalid,
  input  logic                s_axil_bready,
  input  logic [15:0]         s_axil_araddr,
  input  logic [2:0]          s_axil_arprot,
  input  logic                s_axil_arvalid,
  output logic                s_axil_arready,
  output logic [31:0]         s_axil_rdata,
  output logic [1:0]          s_axil_rresp,
  output logic                s_axil_rvalid,
  input  logic                s_axil_rready,

  output logic                irq,

  output logic                rvfi_valid,
  output logic [63:0]         rvfi_order,
  output logic [31:0]         rvfi_insn,
  output logic                rvfi_trap,
  output logic                rvfi_halt,
  output logic                rvfi_intr,
  output logic [1:0]          rvfi_mode,
  output logic [1:0]          rvfi_ixl,
  output logic [4:0]          rvfi_rs1_addr,
  output logic [4:0]          rvfi_rs2_addr,
  output logic [31:0]         rvfi_rs1_rdata,
  output logic [31:0]         rvfi_rs2_rdata,
  output logic [4:0]          rvfi_rd_addr,
  output logic [31:0]         rvfi_rd_wdata,
  output logic [31:0]         rvfi_pc_rdata,
  output logic [31:0]         rvfi_pc_wdata,
  output logic [31:0]         rvfi_mem_addr,
  output logic [3:0]          rvfi_mem_rmask,
  output logic [3:0]          rvfi_mem_wmask,
  output logic [31:0]         rvfi_mem_rdata,
  output logic [31:0]         rvfi_mem_wdata,
  output logic [7:0]          rvfi_ext_ctx,
  output logic [33:0]         rvfi_ext_mem_paddr,
  output logic                rvfi_ext_exit,
  output logic [31:0]         rvfi_ext_cause,
  output logic [31:0]         rvfi_ext_tval,
  output logic [31:0]         rvfi_ext_htval,
  output logic [31:0]         rvfi_ext_htinst,
  output logic                rvfi_ext_gva,
  output logic                rvfi_ext_csr_wen,
  output logic [11:0]         rvfi_ext_csr_addr,
  output logic [31:0]         rvfi_ext_csr_wdata,

  // Python side of the fast mode.
  input  logic [31:0]         trace_consumed,
  output logic [31:0]         trace_pushed,
  output logic                trace_full,
  output logic                trace_overflow,
  output logic                trace_xz,
  input  logic                mem_clear,
  output logic [NumPages-1:0] mem_dirty,
  input  logic [6:0]          guard_vmid,
  output logic                iso_violation,
  output logic [31:0]         iso_addr,
  output logic                iso_write,
  output logic [6:0]          iso_vmid,
  output logic [31:0]         iso_accesses
);

  localparam logic [31:0] HostBase = 32'h4000_0000;

`ifdef HVCOSIM_SV_CLOCK
  // Half of tb.sim.unit_tb.CLK_PERIOD_NS (10 ns; the runner's timescale is 1ns/1ps).
  // Low at time 0, first rising edge at 5 ns, as the GPI clock started low.
  localparam int ClkHalfNs = 5;
  // Python looks for this name to know the harness clocks itself.
  logic clock_generated;
  assign clock_generated = 1'b1;
  initial clk = 1'b0;
  always #(ClkHalfNs) clk = ~clk;
`endif

  logic [AxiIdW-1:0]   m_axi_awid;
  logic [31:0]         m_axi_awaddr;
  logic [7:0]          m_axi_awlen;
  logic [2:0]          m_axi_awsize;
  logic [1:0]          m_axi_awburst;
  logic                m_axi_awlock;
  logic [3:0]          m_axi_awcache;
  logic [2:0]          m_axi_awprot;
  logic                m_axi_awvalid;
  logic                m_axi_awready;
  logic [31:0]         m_axi_wdata;
  logic [3:0]          m_axi_wstrb;
  logic                m_axi_wlast;
  logic                m_axi_wvalid;
  logic                m_axi_wready;
  logic [AxiIdW-1:0]   m_axi_bid;
  logic [1:0]          m_axi_bresp;
  logic                m_axi_bvalid;
  logic                m_axi_bready;
  logic [AxiIdW-1:0]   m_axi_arid;
  logic [31:0]         m_axi_araddr;
  logic [7:0]          m_axi_arlen;
  logic [2:0]          m_axi_arsize;
  logic [1:0]          m_axi_arburst;
  logic                m_axi_arlock;
  logic [3:0]          m_axi_arcache;
  logic [2:0]          m_axi_arprot;
  logic                m_axi_arvalid;
  logic                m_axi_arready;
  logic [AxiIdW-1:0]   m_axi_rid;
  logic [31:0]         m_axi_rdata;
  logic [1:0]          m_axi_rresp;
  logic                m_axi_rlast;
  logic                m_axi_rvalid;
  logic                m_axi_rready;

  // Burst type, lock, cache and protection attributes: the SV memory ignores them.
  logic unused_axi_attrs;
  assign unused_axi_attrs = ^{m_axi_awburst, m_axi_awlock, m_axi_awcache, m_axi_awprot,
                              m_axi_arburst, m_axi_arlock, m_axi_arcache, m_axi_arprot};

  vcpu_unit #(
    .NUM_VCPUS   (NUM_VCPUS),
    .TLB_ENTRIES (TLB_ENTRIES),
    .AXI_ID_WIDTH(AxiIdW)
  ) u_unit (
    .clk                 (clk),
    .rst_n               (rst_n),
    .s_axil_awaddr       (s_axil_awaddr),
    .s_axil_awprot       (s_axil_awprot),
    .s_axil_awvalid      (s_axil_awvalid),
    .s_axil_awready      (s_axil_awready),
    .s_axil_wdata        (s_axil_wdata),
    .s_axil_wstrb        (s_axil_wstrb),
    .s_axil_wvalid       (s_axil_wvalid),
    .s_axil_wready       (s_axil_wready),
    .s_axil_bresp        (s_axil_bresp),
    .s_axil_bvalid       (s_axil_bvalid),
    .s_axil_bready       (s_axil_bready),
    .s_axil_araddr       (s_axil_araddr),
    .s_axil_arprot       (s_axil_arprot),
    .s_axil_arvalid      (s_axil_arvalid),
    .s_axil_arready      (s_axil_arready),
    .s_axil_rdata        (s_axil_rdata),
    .s_axil_rresp        (s_axil_rresp),
    .s_axil_rvalid       (s_axil_rvalid),
    .s_axil_rready       (s_axil_rready),
    .m_axi_awid          (m_axi_awid),
    .m_axi_awaddr        (m_axi_awaddr),
    .m_axi_awlen         (m_axi_awlen),
    .m_axi_awsize        (m_axi_awsize),
    .m_axi_awburst       (m_axi_awburst),
    .m_axi_awlock        (m_axi_awlock),
    .m_axi_awcache       (m_axi_awcache),
    .m_axi_awprot        (m_axi_awprot),
    .m_axi_awvalid       (m_axi_awvalid),
    .m_axi_awready       (m_axi_awready),
    .m_axi_wdata         (m_axi_wdata),
    .m_axi_wstrb         (m_axi_wstrb),
    .m_axi_wlast         (m_axi_wlast),
    .m_axi_wvalid        (m_axi_wvalid),
    .m_axi_wready        (m_axi_wready),
    .m_axi_bid           (m_axi_bid),
    .m_axi_bresp         (m_axi_bresp),
    .m_axi_bvalid        (m_axi_bvalid),
    .m_axi_bready        (m_axi_bready),
    .m_axi_arid          (m_axi_arid),
    .m_axi_araddr        (m_axi_araddr),
    .m_axi_arlen         (m_axi_arlen),
    .m_axi_arsize        (m_axi_arsize),
    .m_axi_arburst       (m_axi_arburst),
    .m_axi_arlock        (m_axi_arlock),
    .m_axi_arcache       (m_axi_arcache),
    .m_axi_arprot        (m_axi_arprot),
    .m_axi_arvalid       (m_axi_arvalid),
    .m_axi_arready       (m_axi_arready),
    .m_axi_rid           (m_axi_rid),
    .m_axi_rdata         (m_axi_rdata),
    .m_axi_rresp         (m_axi_rresp),
    .m_axi_rlast         (m_axi_rlast),
    .m_axi_rvalid        (m_axi_rvalid),
    .m_axi_rready        (m_axi_rready),
    .irq                 (irq),
    .rvfi_valid          (rvfi_valid),
    .rvfi_order          (rvfi_order),
    .rvfi_insn           (rvfi_insn),
    .rvfi_trap           (rvfi_trap),
    .rvfi_halt           (rvfi_halt),
    .rvfi_intr           (rvfi_intr),
    .rvfi_mode           (rvfi_mode),
    .rvfi_ixl            (rvfi_ixl),
    .rvfi_rs1_addr       (rvfi_rs1_addr),
    .rvfi_rs2_addr       (rvfi_rs2_addr),
    .rvfi_rs1_rdata      (rvfi_rs1_rdata),
    .rvfi_rs2_rdata      (rvfi_rs2_rdata),
    .rvfi_rd_addr        (rvfi_rd_addr),
    .rvfi_rd_wdata       (rvfi_rd_wdata),
    .rvfi_pc_rdata       (rvfi_pc_rdata),
    .rvfi_pc_wdata       (rvfi_pc_wdata),
    .rvfi_mem_addr       (rvfi_mem_addr),
    .rvfi_mem_rmask      (rvfi_mem_rmask),
    .rvfi_mem_wmask      (rvfi_mem_wmask),
    .rvfi_mem_rdata      (rvfi_mem_rdata),
    .rvfi_mem_wdata      (rvfi_mem_wdata),
    .rvfi_ext_ctx        (rvfi_ext_ctx),
    .rvfi_ext_mem_paddr  (rvfi_ext_mem_paddr),
    .rvfi_ext_exit       (rvfi_ext_exit),
    .rvfi_ext_cause      (rvfi_ext_cause),
    .rvfi_ext_tval       (rvfi_ext_tval),
    .rvfi_ext_htval      (rvfi_ext_htval),
    .rvfi_ext_htinst     (rvfi_ext_htinst),
    .rvfi_ext_gva        (rvfi_ext_gva),
    .rvfi_ext_csr_wen    (rvfi_ext_csr_wen),
    .rvfi_ext_csr_addr   (rvfi_ext_csr_addr),
    .rvfi_ext_csr_wdata  (rvfi_ext_csr_wdata)
  );

  axi_mem #(
    .MEM_WORDS   (MEM_WORDS),
    .BASE        (HostBase),
    .AXI_ID_WIDTH(AxiIdW)
  ) u_mem (
    .clk_i        (clk),
    .rst_ni       (rst_n),
    .mem_clear_i  (mem_clear),
    .stall_ar_i   (trace_full),
    .dirty_o      (mem_dirty),
    .s_axi_awid   (m_axi_awid),
    .s_axi_awaddr (m_axi_awaddr),
    .s_axi_awlen  (m_axi_awlen),
    .s_axi_awsize (m_axi_awsize),
    .s_axi_awvalid(m_axi_awvalid),
    .s_axi_awready(m_axi_awready),
    .s_axi_wdata  (m_axi_wdata),
    .s_axi_wstrb  (m_axi_wstrb),
    .s_axi_wlast  (m_axi_wlast),
    .s_axi_wvalid (m_axi_wvalid),
    .s_axi_wready (m_axi_wready),
    .s_axi_bid    (m_axi_bid),
    .s_axi_bresp  (m_axi_bresp),
    .s_axi_bvalid (m_axi_bvalid),
    .s_axi_bready (m_axi_bready),
    .s_axi_arid   (m_axi_arid),
    .s_axi_araddr (m_axi_araddr),
    .s_axi_arlen  (m_axi_arlen),
    .s_axi_arsize (m_axi_arsize),
    .s_axi_arvalid(m_axi_arvalid),
    .s_axi_arready(m_axi_arready),
    .s_axi_rid    (m_axi_rid),
    .s_axi_rdata  (m_axi_rdata),
    .s_axi_rresp  (m_axi_rresp),
    .s_axi_rlast  (m_axi_rlast),
    .s_axi_rvalid (m_axi_rvalid),
    .s_axi_rready (m_axi_rready)
  );

  // Record layout: the fields of interfaces.trace.RetireRecord in declaration
  // order from bit 0 up (599 bits; tb/fast/trace.py unpacks it the same way).
  logic [RecW-1:0] record;
  assign record = {41'd0, rvfi_ext_csr_wdata, rvfi_ext_csr_addr, rvfi_ext_csr_wen, rvfi_ext_gva, rvfi_ext_htinst, rvfi_ext_htval, rvfi_ext_tval, rvfi_ext_cause, rvfi_ext_exit, rvfi_ext_mem_paddr, rvfi_ext_ctx, rvfi_mem_wdata, rvfi_mem_rdata, rvfi_mem_wmask, rvfi_mem_rmask, rvfi_mem_addr, rvfi_pc_wdata, rvfi_pc_rdata, rvfi_rd_wdata, rvfi_rd_addr, rvfi_rs2_rdata, rvfi_rs1_rdata, rvfi_rs2_addr, rvfi_rs1_addr, rvfi_ixl, rvfi_mode, rvfi_intr, rvfi_halt, rvfi_trap, rvfi_insn, rvfi_order};

  trace_buffer #(
    .DEPTH(TRACE_DEPTH),
    .SLACK(TRACE_SLACK),
    .REC_W(RecW)
  ) u_trace (
    .clk_i     (clk),
    .rst_ni    (rst_n),
    .push_i    (rvfi_valid),
    .rec_i     (record),
    .consumed_i(trace_consumed),
    .pushed_o  (trace_pushed),
    .full_o    (trace_full),
    .overflow_o(trace_overflow),
    .xz_o      (trace_xz)
  );

  isolation_guard #(
    .NUM_PAGES(NumPages),
    .BASE     (HostBase)
  ) u_guard (
    .clk_i       (clk),
    .rst_ni      (rst_n),
    .vmid_i      (guard_vmid),
    .ar_hs_i     (m_axi_arvalid && m_axi_arready),
    .araddr_i    (m_axi_araddr),
    .arlen_i     (m_axi_arlen),
    .arsize_i    (m_axi_arsize),
    .aw_hs_i     (m_axi_awvalid && m_axi_awready),
    .awaddr_i    (m_axi_awaddr),
    .awlen_i     (m_axi_awlen),
    .awsize_i    (m_axi_awsize),
    .violation_o (iso_violation),
    .viol_addr_o (iso_addr),
    .viol_write_o(iso_write),
    .viol_vmid_o (iso_vmid),
    .accesses_o  (iso_accesses)
  );

endmodule
