// Top level of the CPU-virtualization unit: the control port (vcpu_ctl), the
// pipeline with every context's state (vcpu_core) and the two-stage MMU with the
// AXI4 master (vcpu_mmu).  Ports: docs/rtl.md; register map: docs/regmap.md.
//
// `rst_n` is active-low and synchronous; every block samples it at the rising
// edge of `clk`.  `irq` is a level: some context with its IRQ_ENABLE bit set has
// an exit pending.
module vcpu_unit #(
  parameter int NUM_VCPUS    = 2,
  parameter int TLB_ENTRIES  = 16,
  parameter int AXI_ID_WIDTH = 4,
  localparam int CtxW        = (NUM_VCPUS > 1) ? $clog2(NUM_VCPUS) : 1
) (
  input  logic                      clk,
  input  logic                      rst_n,

  // AXI4-Lite slave: the register map (VMM side).
  input  logic [15:0]               s_axil_awaddr,
  input  logic [2:0]                s_axil_awprot,
  input  logic                      s_axil_awvalid,
  output logic                      s_axil_awready,
  input  logic [31:0]               s_axil_wdata,
  input  logic [3:0]                s_axil_wstrb,
  input  logic                      s_axil_wvalid,
  output logic                      s_axil_wready,
  output logic [1:0]                s_axil_bresp,
  output logic                      s_axil_bvalid,
  input  logic                      s_axil_bready,
  input  logic [15:0]               s_axil_araddr,
  input  logic [2:0]                s_axil_arprot,
  input  logic                      s_axil_arvalid,
  output logic                      s_axil_arready,
  output logic [31:0]               s_axil_rdata,
  output logic [1:0]                s_axil_rresp,
  output logic                      s_axil_rvalid,
  input  logic                      s_axil_rready,

  // AXI4 master: guest memory and page tables (host-physical addresses).
  output logic [AXI_ID_WIDTH-1:0]   m_axi_awid,
  output logic [31:0]               m_axi_awaddr,
  output logic [7:0]                m_axi_awlen,
  output logic [2:0]                m_axi_awsize,
  output logic [1:0]                m_axi_awburst,
  output logic                      m_axi_awlock,
  output logic [3:0]                m_axi_awcache,
  output logic [2:0]                m_axi_awprot,
  output logic                      m_axi_awvalid,
  input  logic                      m_axi_awready,
  output logic [31:0]               m_axi_wdata,
  output logic [3:0]                m_axi_wstrb,
  output logic                      m_axi_wlast,
  output logic                      m_axi_wvalid,
  input  logic                      m_axi_wready,
  input  logic [AXI_ID_WIDTH-1:0]   m_axi_bid,
  input  logic [1:0]                m_axi_bresp,
  input  logic                      m_axi_bvalid,
  output logic                      m_axi_bready,
  output logic [AXI_ID_WIDTH-1:0]   m_axi_arid,
  output logic [31:0]               m_axi_araddr,
  output logic [7:0]                m_axi_arlen,
  output logic [2:0]                m_axi_arsize,
  output logic [1:0]                m_axi_arburst,
  output logic                      m_axi_arlock,
  output logic [3:0]                m_axi_arcache,
  output logic [2:0]                m_axi_arprot,
  output logic                      m_axi_arvalid,
  input  logic                      m_axi_arready,
  input  logic [AXI_ID_WIDTH-1:0]   m_axi_rid,
  input  logic [31:0]               m_axi_rdata,
  input  logic [1:0]                m_axi_rresp,
  input  logic                      m_axi_rlast,
  input  logic                      m_axi_rvalid,
  output logic                      m_axi_rready,

  // Exit interrupt (level).
  output logic                      irq,

  // Retirement trace (riscv-formal RVFI names + rvfi_ext_*, interfaces/trace.py).
  output logic                      rvfi_valid,
  output logic [63:0]               rvfi_order,
  output logic [31:0]               rvfi_insn,
  output logic                      rvfi_trap,
  output logic                      rvfi_halt,
  output logic                      rvfi_intr,
  output logic [1:0]                rvfi_mode,
  output logic [1:0]                rvfi_ixl,
  output logic [4:0]                rvfi_rs1_addr,
  output logic [4:0]                rvfi_rs2_addr,
  output logic [31:0]               rvfi_rs1_rdata,
  output logic [31:0]               rvfi_rs2_rdata,
  output logic [4:0]                rvfi_rd_addr,
  output logic [31:0]               rvfi_rd_wdata,
  output logic [31:0]               rvfi_pc_rdata,
  output logic [31:0]               rvfi_pc_wdata,
  output logic [31:0]               rvfi_mem_addr,
  output logic [3:0]                rvfi_mem_rmask,
  output logic [3:0]                rvfi_mem_wmask,
  output logic [31:0]               rvfi_mem_rdata,
  output logic [31:0]               rvfi_mem_wdata,
  output logic [7:0]                rvfi_ext_ctx,
  output logic [33:0]               rvfi_ext_mem_paddr,
  output logic                      rvfi_ext_exit,
  output logic [31:0]               rvfi_ext_cause,
  output logic [31:0]               rvfi_ext_tval,
  output logic [31:0]               rvfi_ext_htval,
  output logic [31:0]               rvfi_ext_htinst,
  output logic                      rvfi_ext_gva,
  output logic                      rvfi_ext_csr_wen,
  output logic [11:0]               rvfi_ext_csr_addr,
  output logic [31:0]               rvfi_ext_csr_wdata
);

  localparam int VmidLen = 7;   // hgatp.VMID bits implemented (all of them on RV32)
  localparam int AsidLen = 9;   // vsatp.ASID bits implemented (all of them on RV32)

  // ctl <-> core
  logic             run, stop, busy, core_exit, retire;
  logic [CtxW-1:0]  run_ctx, active_ctx;
  logic             st_valid, st_write, st_ready;
  logic [CtxW-1:0]  st_ctx;
  logic [9:0]       st_word;
  logic [31:0]      st_wdata, st_rdata;
  logic             ctx_reset;
  logic [CtxW-1:0]  ctx_reset_ctx;
  logic [63:0]      platform_time;

  // ctl -> mmu (VMM flush)
  logic             flush_valid, flush_use_asid, flush_use_addr;
  logic [1:0]       flush_kind;
  logic [6:0]       flush_vmid;
  logic [8:0]       flush_asid;
  logic [31:0]      flush_addr;

  // core <-> mmu
  logic             sfence_valid, sfence_use_asid, sfence_use_addr;
  logic [6:0]       sfence_vmid;
  logic [8:0]       sfence_asid;
  logic [31:0]      sfence_vaddr;
  logic             req_valid;
  logic [1:0]       req_type, req_size;
  logic [31:0]      req_vaddr, req_wdata;
  logic [3:0]       req_wstrb;
  logic             priv_vs, sum, mxr, hs_mxr;
  logic [31:0]      vsatp, hgatp;
  logic             resp_valid, resp_fault, resp_implicit;
  logic [31:0]      resp_rdata, resp_htval;
  logic [4:0]       resp_cause;
  logic [33:0]      resp_paddr;

  vcpu_ctl #(
    .NUM_VCPUS   (NUM_VCPUS),
    .TLB_ENTRIES (TLB_ENTRIES),
    .VMIDLEN     (VmidLen),
    .ASIDLEN     (AsidLen)
  ) u_ctl (
    .clk_i            (clk),
    .rst_ni           (rst_n),
    .s_axil_awaddr    (s_axil_awaddr),
    .s_axil_awprot    (s_axil_awprot),
    .s_axil_awvalid   (s_axil_awvalid),
    .s_axil_awready   (s_axil_awready),
    .s_axil_wdata     (s_axil_wdata),
    .s_axil_wstrb     (s_axil_wstrb),
    .s_axil_wvalid    (s_axil_wvalid),
    .s_axil_wready    (s_axil_wready),
    .s_axil_bresp     (s_axil_bresp),
    .s_axil_bvalid    (s_axil_bvalid),
    .s_axil_bready    (s_axil_bready),
    .s_axil_araddr    (s_axil_araddr),
    .s_axil_arprot    (s_axil_arprot),
    .s_axil_arvalid   (s_axil_arvalid),
    .s_axil_arready   (s_axil_arready),
    .s_axil_rdata     (s_axil_rdata),
    .s_axil_rresp     (s_axil_rresp),
    .s_axil_rvalid    (s_axil_rvalid),
    .s_axil_rready    (s_axil_rready),
    .irq_o            (irq),
    .run_o            (run),
    .run_ctx_o        (run_ctx),
    .stop_o           (stop),
    .busy_i           (busy),
    .active_ctx_i     (active_ctx),
    .exit_i           (core_exit),
    .st_valid_o       (st_valid),
    .st_write_o       (st_write),
    .st_ctx_o         (st_ctx),
    .st_word_o        (st_word),
    .st_wdata_o       (st_wdata),
    .st_ready_i       (st_ready),
    .st_rdata_i       (st_rdata),
    .ctx_reset_o      (ctx_reset),
    .ctx_reset_ctx_o  (ctx_reset_ctx),
    .time_o           (platform_time),
    .retire_i         (retire),
    .flush_valid_o    (flush_valid),
    .flush_kind_o     (flush_kind),
    .flush_use_asid_o (flush_use_asid),
    .flush_use_addr_o (flush_use_addr),
    .flush_vmid_o     (flush_vmid),
    .flush_asid_o     (flush_asid),
    .flush_addr_o     (flush_addr)
  );

  vcpu_core #(
    .NUM_VCPUS (NUM_VCPUS)
  ) u_core (
    .clk_i             (clk),
    .rst_ni            (rst_n),
    .run_i             (run),
    .run_ctx_i         (run_ctx),
    .stop_i            (stop),
    .busy_o            (busy),
    .active_ctx_o      (active_ctx),
    .exit_o            (core_exit),
    .st_valid_i        (st_valid),
    .st_write_i        (st_write),
    .st_ctx_i          (st_ctx),
    .st_word_i         (st_word),
    .st_wdata_i        (st_wdata),
    .st_ready_o        (st_ready),
    .st_rdata_o        (st_rdata),
    .ctx_reset_i       (ctx_reset),
    .ctx_reset_ctx_i   (ctx_reset_ctx),
    .time_i            (platform_time),
    .retire_o          (retire),
    .sfence_valid_o    (sfence_valid),
    .sfence_vmid_o     (sfence_vmid),
    .sfence_use_asid_o (sfence_use_asid),
    .sfence_asid_o     (sfence_asid),
    .sfence_use_addr_o (sfence_use_addr),
    .sfence_vaddr_o    (sfence_vaddr),
    .req_valid_o       (req_valid),
    .req_type_o        (req_type),
    .req_vaddr_o       (req_vaddr),
    .req_size_o        (req_size),
    .req_wdata_o       (req_wdata),
    .req_wstrb_o       (req_wstrb),
    .priv_vs_o         (priv_vs),
    .vsatp_o           (vsatp),
    .hgatp_o           (hgatp),
    .sum_o             (sum),
    .mxr_o             (mxr),
    .hs_mxr_o          (hs_mxr),
    .resp_valid_i      (resp_valid),
    .resp_rdata_i      (resp_rdata),
    .resp_fault_i      (resp_fault),
    .resp_cause_i      (resp_cause),
    .resp_htval_i      (resp_htval),
    .resp_implicit_i   (resp_implicit),
    .resp_paddr_i      (resp_paddr),
    .rvfi_valid            (rvfi_valid),
    .rvfi_order            (rvfi_order),
    .rvfi_insn             (rvfi_insn),
    .rvfi_trap             (rvfi_trap),
    .rvfi_halt             (rvfi_halt),
    .rvfi_intr             (rvfi_intr),
    .rvfi_mode             (rvfi_mode),
    .rvfi_ixl              (rvfi_ixl),
    .rvfi_rs1_addr         (rvfi_rs1_addr),
    .rvfi_rs2_addr         (rvfi_rs2_addr),
    .rvfi_rs1_rdata        (rvfi_rs1_rdata),
    .rvfi_rs2_rdata        (rvfi_rs2_rdata),
    .rvfi_rd_addr          (rvfi_rd_addr),
    .rvfi_rd_wdata         (rvfi_rd_wdata),
    .rvfi_pc_rdata         (rvfi_pc_rdata),
    .rvfi_pc_wdata         (rvfi_pc_wdata),
    .rvfi_mem_addr         (rvfi_mem_addr),
    .rvfi_mem_rmask        (rvfi_mem_rmask),
    .rvfi_mem_wmask        (rvfi_mem_wmask),
    .rvfi_mem_rdata        (rvfi_mem_rdata),
    .rvfi_mem_wdata        (rvfi_mem_wdata),
    .rvfi_ext_ctx          (rvfi_ext_ctx),
    .rvfi_ext_mem_paddr    (rvfi_ext_mem_paddr),
    .rvfi_ext_exit         (rvfi_ext_exit),
    .rvfi_ext_cause        (rvfi_ext_cause),
    .rvfi_ext_tval         (rvfi_ext_tval),
    .rvfi_ext_htval        (rvfi_ext_htval),
    .rvfi_ext_htinst       (rvfi_ext_htinst),
    .rvfi_ext_gva          (rvfi_ext_gva),
    .rvfi_ext_csr_wen      (rvfi_ext_csr_wen),
    .rvfi_ext_csr_addr     (rvfi_ext_csr_addr),
    .rvfi_ext_csr_wdata    (rvfi_ext_csr_wdata)
  );

  vcpu_mmu #(
    .TLB_ENTRIES  (TLB_ENTRIES),
    .VMIDLEN      (VmidLen),
    .ASIDLEN      (AsidLen),
    .AXI_ID_WIDTH (AXI_ID_WIDTH)
  ) u_mmu (
    .clk_i             (clk),
    .rst_ni            (rst_n),
    .req_valid_i       (req_valid),
    .req_type_i        (req_type),
    .req_vaddr_i       (req_vaddr),
    .req_size_i        (req_size),
    .req_wdata_i       (req_wdata),
    .req_wstrb_i       (req_wstrb),
    .priv_vs_i         (priv_vs),
    .vsatp_i           (vsatp),
    .hgatp_i           (hgatp),
    .sum_i             (sum),
    .mxr_i             (mxr),
    .hs_mxr_i          (hs_mxr),
    .resp_valid_o      (resp_valid),
    .resp_rdata_o      (resp_rdata),
    .resp_fault_o      (resp_fault),
    .resp_cause_o      (resp_cause),
    .resp_htval_o      (resp_htval),
    .resp_implicit_o   (resp_implicit),
    .resp_paddr_o      (resp_paddr),
    .sfence_valid_i    (sfence_valid),
    .sfence_vmid_i     (sfence_vmid),
    .sfence_use_asid_i (sfence_use_asid),
    .sfence_asid_i     (sfence_asid),
    .sfence_use_addr_i (sfence_use_addr),
    .sfence_vaddr_i    (sfence_vaddr),
    .flush_valid_i     (flush_valid),
    .flush_kind_i      (flush_kind),
    .flush_use_asid_i  (flush_use_asid),
    .flush_use_addr_i  (flush_use_addr),
    .flush_vmid_i      (flush_vmid),
    .flush_asid_i      (flush_asid),
    .flush_addr_i      (flush_addr),
    .m_axi_awid            (m_axi_awid),
    .m_axi_awaddr          (m_axi_awaddr),
    .m_axi_awlen           (m_axi_awlen),
    .m_axi_awsize          (m_axi_awsize),
    .m_axi_awburst         (m_axi_awburst),
    .m_axi_awlock          (m_axi_awlock),
    .m_axi_awcache         (m_axi_awcache),
    .m_axi_awprot          (m_axi_awprot),
    .m_axi_awvalid         (m_axi_awvalid),
    .m_axi_awready         (m_axi_awready),
    .m_axi_wdata           (m_axi_wdata),
    .m_axi_wstrb           (m_axi_wstrb),
    .m_axi_wlast           (m_axi_wlast),
    .m_axi_wvalid          (m_axi_wvalid),
    .m_axi_wready          (m_axi_wready),
    .m_axi_bid             (m_axi_bid),
    .m_axi_bresp           (m_axi_bresp),
    .m_axi_bvalid          (m_axi_bvalid),
    .m_axi_bready          (m_axi_bready),
    .m_axi_arid            (m_axi_arid),
    .m_axi_araddr          (m_axi_araddr),
    .m_axi_arlen           (m_axi_arlen),
    .m_axi_arsize          (m_axi_arsize),
    .m_axi_arburst         (m_axi_arburst),
    .m_axi_arlock          (m_axi_arlock),
    .m_axi_arcache         (m_axi_arcache),
    .m_axi_arprot          (m_axi_arprot),
    .m_axi_arvalid         (m_axi_arvalid),
    .m_axi_arready         (m_axi_arready),
    .m_axi_rid             (m_axi_rid),
    .m_axi_rdata           (m_axi_rdata),
    .m_axi_rresp           (m_axi_rresp),
    .m_axi_rlast           (m_axi_rlast),
    .m_axi_rvalid          (m_axi_rvalid),
    .m_axi_rready          (m_axi_rready)
  );

endmodule
