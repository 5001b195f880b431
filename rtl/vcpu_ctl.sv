// Control block of the unit: the AXI4-Lite register map (interfaces/regmap.py),
// the global registers, the per-context life cycle, scheduling of contexts onto
// the core, platform time, the irq line and VMM TLB flush requests.
//
// See docs/lifecycle.md for the life-cycle state machine and docs/rtl.md
// ("vcpu_ctl") for the decisions taken here.  Summary:
//  * per context: IDLE -RUN-> RUNNING -core exit-> EXIT_PENDING -W1C-> IDLE;
//    HALT from any state -> HALTED (left only by RESET); RESET from any state ->
//    IDLE with every field at its reset value.  HALT/RESET of a context that is
//    on the core first stops it (stop_o) and takes effect at its exit.
//  * RUNNING means "wants the core or has it".  When the core is free, the
//    RUNNING contexts are started in round-robin order, beginning after the
//    context started last (deterministic; lowest index first after reset).
//  * the window of a context is forwarded to the core's state port only while
//    the context is not RUNNING (reads return 0 and writes are dropped when it
//    is); partial-strobe writes are done as read-modify-write.
module vcpu_ctl #(
  parameter int NUM_VCPUS   = 2,
  parameter int TLB_ENTRIES = 16,
  parameter int VMIDLEN     = 7,
  parameter int ASIDLEN     = 9,
  localparam int CtxW       = (NUM_VCPUS > 1) ? $clog2(NUM_VCPUS) : 1
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,

  // AXI4-Lite slave (the register map).
  input  logic [vcpu_regmap_pkg::REGMAP_ADDR_WIDTH-1:0] s_axil_awaddr,
  input  logic [2:0]            s_axil_awprot,
  input  logic                  s_axil_awvalid,
  output logic                  s_axil_awready,
  input  logic [31:0]           s_axil_wdata,
  input  logic [3:0]            s_axil_wstrb,
  input  logic                  s_axil_wvalid,
  output logic                  s_axil_wready,
  output logic [1:0]            s_axil_bresp,
  output logic                  s_axil_bvalid,
  input  logic                  s_axil_bready,
  input  logic [vcpu_regmap_pkg::REGMAP_ADDR_WIDTH-1:0] s_axil_araddr,
  input  logic [2:0]            s_axil_arprot,
  input  logic                  s_axil_arvalid,
  output logic                  s_axil_arready,
  output logic [31:0]           s_axil_rdata,
  output logic [1:0]            s_axil_rresp,
  output logic                  s_axil_rvalid,
  input  logic                  s_axil_rready,

  // Level interrupt: an enabled context has an exit pending.
  output logic                  irq_o,

  // Scheduling (to/from vcpu_core).
  output logic                  run_o,
  output logic [CtxW-1:0]       run_ctx_o,
  output logic                  stop_o,
  input  logic                  busy_i,
  input  logic [CtxW-1:0]       active_ctx_i,
  input  logic                  exit_i,

  // State port (to/from vcpu_core).
  output logic                  st_valid_o,
  output logic                  st_write_o,
  output logic [CtxW-1:0]       st_ctx_o,
  output logic [9:0]            st_word_o,
  output logic [31:0]           st_wdata_o,
  input  logic                  st_ready_i,
  input  logic [31:0]           st_rdata_i,
  output logic                  ctx_reset_o,
  output logic [CtxW-1:0]       ctx_reset_ctx_o,

  // Platform time.
  output logic [63:0]           time_o,
  input  logic                  retire_i,

  // VMM TLB flush (to vcpu_mmu): one-cycle pulse.
  output logic                  flush_valid_o,
  output logic [1:0]            flush_kind_o,
  output logic                  flush_use_asid_o,
  output logic                  flush_use_addr_o,
  output logic [6:0]            flush_vmid_o,
  output logic [8:0]            flush_asid_o,
  output logic [31:0]           flush_addr_o
);

  localparam int AddrW     = vcpu_regmap_pkg::REGMAP_ADDR_WIDTH;
  localparam int RegionW   = AddrW - 12;          // 4 KiB regions: 0 = global, 1 + ctx = windows
  localparam int FlushVmidW = 7;
  localparam int FlushAsidW = 9;

  localparam logic [7:0] CapsNumVcpus  = 8'(NUM_VCPUS);
  localparam logic [7:0] CapsTlb       = 8'(TLB_ENTRIES);
  localparam logic [3:0] CapsVmidLen   = 4'(VMIDLEN);
  localparam logic [3:0] CapsAsidLen   = 4'(ASIDLEN);
  localparam logic [31:0] CapsValue    = {8'd0, CapsAsidLen, CapsVmidLen, CapsTlb, CapsNumVcpus};

  // CTRL command bits.
  localparam int CtrlRunBit   = 0;
  localparam int CtrlStopBit  = 1;
  localparam int CtrlHaltBit  = 2;
  localparam int CtrlResetBit = 3;


  // ---------------------------------------------------------------------------
  // AXI4-Lite front end.
  // ---------------------------------------------------------------------------
  logic             reg_req, reg_we, reg_done, reg_err;
  logic [AddrW-1:0] reg_addr;
  logic [31:0]      reg_wdata, reg_rdata;
  logic [3:0]       reg_wstrb;

  vcpu_axil_slave #(
    .ADDR_W (AddrW),
    .DATA_W (32)
  ) u_axil_slave (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .s_axil_awaddr  (s_axil_awaddr),
    .s_axil_awprot  (s_axil_awprot),
    .s_axil_awvalid (s_axil_awvalid),
    .s_axil_awready (s_axil_awready),
    .s_axil_wdata   (s_axil_wdata),
    .s_axil_wstrb   (s_axil_wstrb),
    .s_axil_wvalid  (s_axil_wvalid),
    .s_axil_wready  (s_axil_wready),
    .s_axil_bresp   (s_axil_bresp),
    .s_axil_bvalid  (s_axil_bvalid),
    .s_axil_bready  (s_axil_bready),
    .s_axil_araddr  (s_axil_araddr),
    .s_axil_arprot  (s_axil_arprot),
    .s_axil_arvalid (s_axil_arvalid),
    .s_axil_arready (s_axil_arready),
    .s_axil_rdata   (s_axil_rdata),
    .s_axil_rresp   (s_axil_rresp),
    .s_axil_rvalid  (s_axil_rvalid),
    .s_axil_rready  (s_axil_rready),
    .reg_req_o      (reg_req),
    .reg_we_o       (reg_we),
    .reg_addr_o     (reg_addr),
    .reg_wdata_o    (reg_wdata),
    .reg_wstrb_o    (reg_wstrb),
    .reg_done_i     (reg_done),
    .reg_rdata_i    (reg_rdata),
    .reg_err_i      (reg_err)
  );

  // ---------------------------------------------------------------------------
  // State.
  // ---------------------------------------------------------------------------
  typedef enum logic [1:0] {
    ACC_IDLE  = 2'd0,  // no state-port access in progress
    ACC_ST_RD = 2'd1,  // state-port read (plain read, or first half of a read-modify-write)
    ACC_ST_WR = 2'd2   // state-port write
  } acc_state_e;

  localparam logic [1:0] CtxIdle        = vcpu_regmap_pkg::CTX_IDLE;
  localparam logic [1:0] CtxRunning     = vcpu_regmap_pkg::CTX_RUNNING;
  localparam logic [1:0] CtxExitPending = vcpu_regmap_pkg::CTX_EXIT_PENDING;
  localparam logic [1:0] CtxHalted      = vcpu_regmap_pkg::CTX_HALTED;

  acc_state_e                 acc_state_q, acc_state_d;
  logic                       rmw_q, rmw_d;
  logic [CtxW-1:0]            st_ctx_q, st_ctx_d;
  logic [9:0]                 st_word_q, st_word_d;
  logic [31:0]                st_wdata_q, st_wdata_d;

  // Life-cycle state of context i in bits [2*i +: 2] (flat: yosys 0.23 has no packed 2-D arrays).
  logic [2*NUM_VCPUS-1:0]     ctx_state_q, ctx_state_d;
  logic [NUM_VCPUS-1:0]       stop_req_q, stop_req_d;    // exit with STOP_CAUSE at the next boundary
  logic [NUM_VCPUS-1:0]       halt_req_q, halt_req_d;    // on the core: go HALTED at its exit
  logic [NUM_VCPUS-1:0]       reset_req_q, reset_req_d;  // on the core: reset at its exit
  logic [NUM_VCPUS-1:0]       reset_pend_q, reset_pend_d; // ctx_reset pulse still to issue
  logic                       ctx_reset_q, ctx_reset_d;
  logic [CtxW-1:0]            ctx_reset_ctx_q, ctx_reset_ctx_d;

  logic                       owned_q, owned_d;          // a context was handed to the core
  logic [CtxW-1:0]            owned_ctx_q, owned_ctx_d;
  logic                       run_q, run_d;
  logic [CtxW-1:0]            run_ctx_q, run_ctx_d;
  logic [CtxW-1:0]            rr_last_q, rr_last_d;      // context started last

  logic [31:0]                scratch_q, scratch_d;
  logic [NUM_VCPUS-1:0]       irq_enable_q, irq_enable_d;
  logic [31:0]                time_lo_q, time_hi_q;
  logic [63:0]                time_d;
  logic [63:0]                cycle_q, cycle_d;
  logic [63:0]                retired_q, retired_d;
  logic [FlushVmidW-1:0]      flush_vmid_q, flush_vmid_d;
  logic [FlushAsidW-1:0]      flush_asid_q, flush_asid_d;
  logic [31:0]                flush_addr_q, flush_addr_d;
  logic                       flush_valid_q, flush_valid_d;
  logic [1:0]                 flush_kind_q, flush_kind_d;
  logic                       flush_use_asid_q, flush_use_asid_d;
  logic                       flush_use_addr_q, flush_use_addr_d;

  // ---------------------------------------------------------------------------
  // Address decode.
  // ---------------------------------------------------------------------------
  logic [RegionW-1:0] region;
  logic [RegionW-1:0] region_ctx;     // region - 1
  logic               is_global;
  logic               ctx_ok;         // inside an existing context's window
  logic [CtxW-1:0]    ctx_idx;
  logic [9:0]         word;
  logic [11:0]        goff;           // global byte offset, word aligned
  logic [31:0]        bmask;          // byte-enable mask of the write strobes
  logic               cmd_run, cmd_stop, cmd_halt, cmd_reset;   // CTRL command bits of the write data
  logic               strobe0;

  assign region     = reg_addr[AddrW-1:12];
  assign region_ctx = region - RegionW'(1);
  assign is_global  = (region == '0);
  assign ctx_ok     = !is_global && ({1'b0, region_ctx} < (RegionW + 1)'(NUM_VCPUS));
  assign ctx_idx    = region_ctx[CtxW-1:0];
  assign word       = reg_addr[11:2];
  assign goff       = {reg_addr[11:2], 2'b00};
  assign bmask      = {{8{reg_wstrb[3]}}, {8{reg_wstrb[2]}}, {8{reg_wstrb[1]}}, {8{reg_wstrb[0]}}};
  assign cmd_run    = reg_wdata[CtrlRunBit];
  assign cmd_stop   = reg_wdata[CtrlStopBit];
  assign cmd_halt   = reg_wdata[CtrlHaltBit];
  assign cmd_reset  = reg_wdata[CtrlResetBit];
  assign strobe0    = reg_wstrb[0];

  // Window words that hold a state field (ctrl and status are ctl's own).  The
  // ranges follow interfaces/vcpu_state.py; tests/test_regmap.py checks that they
  // cover exactly its fields.
  logic word_mapped;
  assign word_mapped = ((word >= vcpu_regmap_pkg::ST_BUDGET)   && (word <= vcpu_regmap_pkg::ST_PC))         ||
                       ((word >= vcpu_regmap_pkg::ST_SCAUSE)   && (word <= vcpu_regmap_pkg::ST_HTINST))     ||
                       ((word >= vcpu_regmap_pkg::ST_INSTRET)  && (word <= vcpu_regmap_pkg::ST_HS_SSTATUS)) ||
                       ((word >= vcpu_regmap_pkg::ST_X0)       && (word <= vcpu_regmap_pkg::ST_HGEIP))      ||
                       ((word >= vcpu_regmap_pkg::ST_VSSTATUS) && (word <= vcpu_regmap_pkg::ST_SENVCFG));

  // Write data merged into the current value under the byte strobes.
  logic [31:0] st_rmw_data, scratch_wr, flush_addr_wr;
  assign st_rmw_data   = (st_rdata_i & ~bmask) | (reg_wdata & bmask);
  assign scratch_wr    = (scratch_q & ~bmask) | (reg_wdata & bmask);
  assign flush_addr_wr = (flush_addr_q & ~bmask) | (reg_wdata & bmask);

  // Per-context view.
  logic [NUM_VCPUS-1:0] is_running, is_exit_pending, on_core, blocked;
  logic [1:0]           cur_state;       // state of the addressed context
  logic                 stop_any;

  for (genvar g = 0; g < NUM_VCPUS; g++) begin : g_ctx_view
    assign is_running[g]      = (ctx_state_q[2*g +: 2] == CtxRunning);
    assign is_exit_pending[g] = (ctx_state_q[2*g +: 2] == CtxExitPending);
    assign on_core[g]         = owned_q && (owned_ctx_q == CtxW'(g));
    // The core may still hold this context, or its reset is being applied.
    assign blocked[g]         = on_core[g] || (busy_i && (active_ctx_i == CtxW'(g))) ||
                                reset_pend_q[g] || (ctx_reset_q && (ctx_reset_ctx_q == CtxW'(g)));
  end
  assign cur_state     = ctx_state_q[2*ctx_idx +: 2];
  assign stop_any      = stop_req_q[owned_ctx_q] | halt_req_q[owned_ctx_q] | reset_req_q[owned_ctx_q];

  // ---------------------------------------------------------------------------
  // Register access: global block directly, windows through the state port.
  // ---------------------------------------------------------------------------
  logic        gwrite;         // global write applied this cycle
  logic        cmd_en;         // CTRL command applied this cycle
  logic        st_issue;       // state-port request issued from the decode cycle
  logic [31:0] grdata;         // global read data
  logic [31:0] exit_pending_word, irq_enable_word, active_word;

  assign exit_pending_word = 32'(is_exit_pending);
  assign irq_enable_word   = 32'(irq_enable_q);
  assign active_word       = {busy_i, 23'd0, 8'(busy_i ? active_ctx_i : '0)};

  always_comb begin
    case (goff)
      vcpu_regmap_pkg::REG_ID:           grdata = vcpu_regmap_pkg::REGMAP_ID;
      vcpu_regmap_pkg::REG_VERSION:      grdata = vcpu_regmap_pkg::REGMAP_VERSION;
      vcpu_regmap_pkg::REG_CAPS:         grdata = CapsValue;
      vcpu_regmap_pkg::REG_SCRATCH:      grdata = scratch_q;
      vcpu_regmap_pkg::REG_EXIT_PENDING: grdata = exit_pending_word;
      vcpu_regmap_pkg::REG_IRQ_ENABLE:   grdata = irq_enable_word;
      vcpu_regmap_pkg::REG_TIME_LO:      grdata = time_lo_q;
      vcpu_regmap_pkg::REG_TIME_HI:      grdata = time_hi_q;
      vcpu_regmap_pkg::REG_FLUSH_VMID:   grdata = {25'd0, flush_vmid_q};
      vcpu_regmap_pkg::REG_FLUSH_ASID:   grdata = {23'd0, flush_asid_q};
      vcpu_regmap_pkg::REG_FLUSH_ADDR:   grdata = flush_addr_q;
      vcpu_regmap_pkg::REG_FLUSH_STATUS: grdata = {31'd0, flush_valid_q};
      vcpu_regmap_pkg::REG_ACTIVE:       grdata = active_word;
      vcpu_regmap_pkg::REG_CYCLE_LO:     grdata = cycle_lo;
      vcpu_regmap_pkg::REG_CYCLE_HI:     grdata = cycle_hi;
      vcpu_regmap_pkg::REG_RETIRED_LO:   grdata = retired_lo;
      vcpu_regmap_pkg::REG_RETIRED_HI:   grdata = retired_hi;
      default:                           grdata = '0;   // FLUSH_CMD (write-only), unmapped
    endcase
  end

  logic [31:0] cycle_lo, cycle_hi, retired_lo, retired_hi;
  assign cycle_lo   = cycle_q[31:0];
  assign cycle_hi   = cycle_q[63:32];
  assign retired_lo = retired_q[31:0];
  assign retired_hi = retired_q[63:32];

  always_comb begin
    acc_state_d = acc_state_q;
    rmw_d       = rmw_q;
    st_ctx_d    = st_ctx_q;
    st_word_d   = st_word_q;
    st_wdata_d  = st_wdata_q;
    reg_done    = 1'b0;
    reg_err     = 1'b0;
    reg_rdata   = '0;
    gwrite      = 1'b0;
    cmd_en      = 1'b0;
    st_issue    = 1'b0;

    case (acc_state_q)
      ACC_IDLE: begin
        if (reg_req) begin
          if (is_global) begin
            reg_done  = 1'b1;
            reg_rdata = reg_we ? '0 : grdata;
            gwrite    = reg_we;
          end else if (!ctx_ok) begin
            reg_done  = 1'b1;
            reg_err   = 1'b1;                    // beyond the last context: DECERR
          end else if (word == vcpu_regmap_pkg::ST_CTRL) begin
            reg_done  = 1'b1;                    // write-only, reads 0
            cmd_en    = reg_we && strobe0;
          end else if (word == vcpu_regmap_pkg::ST_STATUS) begin
            reg_done  = 1'b1;                    // read-only
            reg_rdata = reg_we ? '0 : {30'd0, cur_state};
          end else if (!word_mapped || (cur_state == CtxRunning) ||
                       (reg_we && (reg_wstrb == 4'h0))) begin
            reg_done  = 1'b1;                    // unmapped, or context RUNNING: 0 / dropped
          end else if (!blocked[ctx_idx]) begin
            // Issue the state-port request in this cycle already (st_issue below).
            st_issue   = 1'b1;
            st_ctx_d   = ctx_idx;
            st_word_d  = word;
            st_wdata_d = reg_wdata;
            rmw_d      = reg_we && (reg_wstrb != 4'hF);
            if (st_ready_i) begin
              // A core that answers in the cycle of the request.
              if (!reg_we) begin
                reg_done  = 1'b1;
                reg_rdata = st_rdata_i;
              end else if (reg_wstrb == 4'hF) begin
                reg_done  = 1'b1;
              end else begin
                st_wdata_d  = st_rmw_data;
                acc_state_d = ACC_ST_WR;
              end
            end else if (reg_we && (reg_wstrb == 4'hF)) begin
              acc_state_d = ACC_ST_WR;
            end else begin
              acc_state_d = ACC_ST_RD;
            end
          end
          // else: wait until the core has let go of the context.
        end
      end
      ACC_ST_RD: begin
        if (st_ready_i) begin
          if (rmw_q) begin
            st_wdata_d  = st_rmw_data;
            acc_state_d = ACC_ST_WR;
          end else begin
            reg_done    = 1'b1;
            reg_rdata   = st_rdata_i;
            acc_state_d = ACC_IDLE;
          end
        end
      end
      ACC_ST_WR: begin
        if (st_ready_i) begin
          reg_done    = 1'b1;
          acc_state_d = ACC_IDLE;
        end
      end
      default: acc_state_d = ACC_IDLE;
    endcase
  end

  // The request goes out combinationally in the decode cycle (st_issue), then
  // from the registered copy until st_ready_i.  A read-modify-write starts as a
  // read.
  assign st_valid_o = st_issue || (acc_state_q == ACC_ST_RD) || (acc_state_q == ACC_ST_WR);
  assign st_write_o = st_issue ? (reg_we && (reg_wstrb == 4'hF)) : (acc_state_q == ACC_ST_WR);
  assign st_ctx_o   = st_issue ? ctx_idx : st_ctx_q;
  assign st_word_o  = st_issue ? word : st_word_q;
  assign st_wdata_o = st_issue ? reg_wdata : st_wdata_q;

  // ---------------------------------------------------------------------------
  // Global registers.
  // ---------------------------------------------------------------------------
  logic [31:0]          w1c_word;
  logic [NUM_VCPUS-1:0] w1c_bits;
  logic [31:0]          irq_enable_wr, flush_vmid_wr, flush_asid_wr;
  logic [1:0]           flush_kind_wr;
  logic                 flush_use_asid_wr, flush_use_addr_wr;
  logic [31:0]          time_lo_wr, time_hi_wr;
  logic [63:0]          time_base;

  assign irq_enable_wr     = (32'(irq_enable_q) & ~bmask) | (reg_wdata & bmask);
  assign flush_vmid_wr     = (32'(flush_vmid_q) & ~bmask) | (reg_wdata & bmask);
  assign flush_asid_wr     = (32'(flush_asid_q) & ~bmask) | (reg_wdata & bmask);
  assign flush_kind_wr     = reg_wdata[vcpu_regmap_pkg::FLUSH_CMD_KIND_LSB +: 2];
  assign flush_use_asid_wr = reg_wdata[vcpu_regmap_pkg::FLUSH_CMD_USE_ASID_LSB];
  assign flush_use_addr_wr = reg_wdata[vcpu_regmap_pkg::FLUSH_CMD_USE_ADDR_LSB];
  assign time_lo_wr        = (time_lo_q & ~bmask) | (reg_wdata & bmask);
  assign time_hi_wr        = (time_hi_q & ~bmask) | (reg_wdata & bmask);
  assign w1c_bits          = w1c_word[NUM_VCPUS-1:0];

  always_comb begin
    scratch_d        = scratch_q;
    irq_enable_d     = irq_enable_q;
    flush_vmid_d     = flush_vmid_q;
    flush_asid_d     = flush_asid_q;
    flush_addr_d     = flush_addr_q;
    flush_valid_d    = 1'b0;
    flush_kind_d     = flush_kind_q;
    flush_use_asid_d = flush_use_asid_q;
    flush_use_addr_d = flush_use_addr_q;
    time_base        = {time_hi_q, time_lo_q};
    cycle_d          = cycle_q + 64'd1;
    retired_d        = retired_q + {63'd0, retire_i};
    w1c_word         = '0;

    if (gwrite) begin
      case (goff)
        vcpu_regmap_pkg::REG_SCRATCH:      scratch_d    = scratch_wr;
        vcpu_regmap_pkg::REG_EXIT_PENDING: w1c_word     = reg_wdata & bmask;
        vcpu_regmap_pkg::REG_IRQ_ENABLE:   irq_enable_d = NUM_VCPUS'(irq_enable_wr);
        vcpu_regmap_pkg::REG_TIME_LO:      time_base    = {time_hi_q, time_lo_wr};
        vcpu_regmap_pkg::REG_TIME_HI:      time_base    = {time_hi_wr, time_lo_q};
        vcpu_regmap_pkg::REG_FLUSH_CMD: begin
          if (strobe0) begin
            flush_valid_d    = 1'b1;
            // KIND 3 is reserved: flushing everything is always safe.
            flush_kind_d     = (flush_kind_wr == 2'd3) ? vcpu_regmap_pkg::FLUSH_ALL : flush_kind_wr;
            flush_use_asid_d = flush_use_asid_wr;
            flush_use_addr_d = flush_use_addr_wr;
          end
        end
        vcpu_regmap_pkg::REG_FLUSH_VMID:   flush_vmid_d = FlushVmidW'(flush_vmid_wr);
        vcpu_regmap_pkg::REG_FLUSH_ASID:   flush_asid_d = FlushAsidW'(flush_asid_wr);
        vcpu_regmap_pkg::REG_FLUSH_ADDR:   flush_addr_d = flush_addr_wr;
        default: ;        // read-only or unmapped: ignored
      endcase
    end
    // A retirement in the cycle of a VMM write is counted on top of the written value.
    time_d = time_base + {63'd0, retire_i};
  end

  // ---------------------------------------------------------------------------
  // Life cycle, scheduling, context reset.
  // ---------------------------------------------------------------------------
  logic                 launch;
  logic [CtxW-1:0]      launch_ctx;
  logic                 runnable_any;
  logic [NUM_VCPUS-1:0] runnable;

  for (genvar g = 0; g < NUM_VCPUS; g++) begin : g_runnable
    assign runnable[g] = is_running[g] && !on_core[g] && !reset_pend_q[g] &&
                         !(ctx_reset_q && (ctx_reset_ctx_q == CtxW'(g)));
  end

  // Round-robin pick among runnable contexts: the first one after rr_last_q.
  // Built from continuous assignments (a priority chain over the rotated
  // request vector): an always_comb with a for loop here made Icarus 11 spin.
  logic [CtxW:0]        rr_start;                 // rr_last_q + 1, wrapped

  assign rr_start = ({1'b0, rr_last_q} == (CtxW + 1)'(NUM_VCPUS - 1)) ? '0 : {1'b0, rr_last_q} + 1'b1;
  for (genvar j = 0; j < NUM_VCPUS; j++) begin : g_rr
    logic [CtxW:0]   sum;
    logic [CtxW:0]   idx;        // the j-th context after rr_last_q
    logic            hit;        // ... is runnable
    logic            found_in;   // a candidate before it was runnable
    logic            found;
    logic [CtxW-1:0] pick_in;
    logic [CtxW-1:0] pick;
    assign sum   = rr_start + (CtxW + 1)'(j);
    assign idx   = (sum >= (CtxW + 1)'(NUM_VCPUS)) ? sum - (CtxW + 1)'(NUM_VCPUS) : sum;
    assign hit   = runnable[idx[CtxW-1:0]];
    assign found = found_in | hit;
    assign pick  = pick_in | ((hit && !found_in) ? idx[CtxW-1:0] : '0);
    if (j == 0) begin : g_first
      assign found_in = 1'b0;
      assign pick_in  = '0;
    end else begin : g_next
      assign found_in = g_rr[j-1].found;
      assign pick_in  = g_rr[j-1].pick;
    end
    logic unused_idx_msb;
    assign unused_idx_msb = idx[CtxW];   // always 0 after the wrap
  end
  assign runnable_any = g_rr[NUM_VCPUS-1].found;
  assign launch_ctx   = g_rr[NUM_VCPUS-1].pick;

  // Start a context when the core is free, or in the cycle of its exit_o (the
  // contract guarantees busy_o = 0 in the next cycle, when run_o pulses), and no
  // state-port access or CTRL command is in flight (either could concern the
  // candidate this cycle).
  logic core_free;
  assign core_free = (!owned_q && !busy_i) || (owned_q && exit_i);
  assign launch    = runnable_any && core_free && !run_q && !st_valid_o && !cmd_en;

  // One pending context reset is issued per cycle, lowest index first.
  logic [NUM_VCPUS-1:0] rp_issue;                 // context g's reset is issued this cycle
  for (genvar g = 0; g < NUM_VCPUS; g++) begin : g_rp
    logic            found_in, found;
    logic [CtxW-1:0] pick_in, pick;
    assign rp_issue[g] = reset_pend_q[g] && !found_in;
    assign found       = found_in | reset_pend_q[g];
    assign pick        = pick_in | (rp_issue[g] ? CtxW'(g) : '0);
    if (g == 0) begin : g_first
      assign found_in = 1'b0;
      assign pick_in  = '0;
    end else begin : g_next
      assign found_in = g_rp[g-1].found;
      assign pick_in  = g_rp[g-1].pick;
    end
  end
  assign ctx_reset_d     = g_rp[NUM_VCPUS-1].found;
  assign ctx_reset_ctx_d = g_rp[NUM_VCPUS-1].found ? g_rp[NUM_VCPUS-1].pick : ctx_reset_ctx_q;

  // Hand a context to the core; the core lets go with exit_i.
  assign run_d       = launch;
  assign run_ctx_d   = launch ? launch_ctx : run_ctx_q;
  assign rr_last_d   = launch ? launch_ctx : rr_last_q;
  assign owned_d     = launch ? 1'b1 : ((exit_i && owned_q) ? 1'b0 : owned_q);
  assign owned_ctx_d = launch ? launch_ctx : owned_ctx_q;

  // Per-context life cycle.
  for (genvar g = 0; g < NUM_VCPUS; g++) begin : g_life
    logic       held;       // stays on the core after this cycle
    logic       exited;     // the core let go of it this cycle
    logic       cmd_here;   // a CTRL command for this context this cycle
    logic [1:0] st_q;       // its state
    logic [1:0] st_exit;    // after the exit
    logic [1:0] st_w1c;     // after the EXIT_PENDING write-1-to-clear
    logic [1:0] st_d;
    logic       stop_d, halt_d, resetq_d, pend_d;
    logic       stop_q, halt_q, resetq_q, pend_q, w1c, issued;

    // Scalars for the always_comb blocks below (Icarus 11 cannot make constant
    // bit-selects part of an always_comb sensitivity list).
    assign stop_q   = stop_req_q[g];
    assign halt_q   = halt_req_q[g];
    assign resetq_q = reset_req_q[g];
    assign pend_q   = reset_pend_q[g];
    assign w1c      = w1c_bits[g];
    assign issued   = rp_issue[g];
    assign st_q     = ctx_state_q[2*g +: 2];
    assign held     = on_core[g] && !exit_i;
    assign exited   = on_core[g] && exit_i;
    assign cmd_here = cmd_en && (ctx_idx == CtxW'(g));

    always_comb begin
      // Exit of the context on the core.
      st_exit = st_q;
      if (exited) begin
        if (resetq_q) begin
          st_exit = CtxIdle;
        end else if (halt_q) begin
          st_exit = CtxHalted;
        end else begin
          st_exit = CtxExitPending;
        end
      end
    end

    assign st_w1c = (w1c && (st_exit == CtxExitPending)) ? CtxIdle : st_exit;

    always_comb begin
      st_d     = st_w1c;
      stop_d   = stop_q && !exited;
      halt_d   = halt_q && !exited;
      resetq_d = resetq_q && !exited;
      pend_d   = (pend_q && !issued) || (exited && resetq_q);
      // CTRL command (priority RESET > HALT > STOP > RUN).
      if (cmd_here) begin
        if (cmd_reset) begin
          if (held) begin
            resetq_d = 1'b1;                  // stop first; reset at its exit
          end else begin
            st_d     = CtxIdle;
            pend_d   = 1'b1;
            stop_d   = 1'b0;
            halt_d   = 1'b0;
            resetq_d = 1'b0;
          end
        end else if (cmd_halt) begin
          if (held) begin
            halt_d = 1'b1;                    // stop first; HALTED at its exit
          end else begin
            st_d   = CtxHalted;
            stop_d = 1'b0;
          end
        end else if (cmd_stop) begin
          if (st_w1c == CtxRunning) begin
            stop_d = 1'b1;                    // a queued context exits at its first boundary
          end
        end else if (cmd_run) begin
          if (st_w1c == CtxIdle) begin
            st_d = CtxRunning;
          end
        end
      end
    end

    assign ctx_state_d[2*g +: 2] = st_d;
    assign stop_req_d[g]         = stop_d;
    assign halt_req_d[g]         = halt_d;
    assign reset_req_d[g]        = resetq_d;
    assign reset_pend_d[g]       = pend_d;
  end

  // ---------------------------------------------------------------------------
  // Flops.
  // ---------------------------------------------------------------------------
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      acc_state_q      <= ACC_IDLE;
      rmw_q            <= 1'b0;
      st_ctx_q         <= '0;
      st_word_q        <= '0;
      st_wdata_q       <= '0;
      ctx_state_q      <= '0;           // every context IDLE
      stop_req_q       <= '0;
      halt_req_q       <= '0;
      reset_req_q      <= '0;
      reset_pend_q     <= '0;
      ctx_reset_q      <= 1'b0;
      ctx_reset_ctx_q  <= '0;
      owned_q          <= 1'b0;
      owned_ctx_q      <= '0;
      run_q            <= 1'b0;
      run_ctx_q        <= '0;
      rr_last_q        <= CtxW'(NUM_VCPUS - 1);   // first pick: context 0
      scratch_q        <= '0;
      irq_enable_q     <= '0;
      time_lo_q        <= '0;
      time_hi_q        <= '0;
      cycle_q          <= '0;
      retired_q        <= '0;
      flush_vmid_q     <= '0;
      flush_asid_q     <= '0;
      flush_addr_q     <= '0;
      flush_valid_q    <= 1'b0;
      flush_kind_q     <= vcpu_regmap_pkg::FLUSH_ALL;
      flush_use_asid_q <= 1'b0;
      flush_use_addr_q <= 1'b0;
    end else begin
      acc_state_q      <= acc_state_d;
      rmw_q            <= rmw_d;
      st_ctx_q         <= st_ctx_d;
      st_word_q        <= st_word_d;
      st_wdata_q       <= st_wdata_d;
      ctx_state_q      <= ctx_state_d;
      stop_req_q       <= stop_req_d;
      halt_req_q       <= halt_req_d;
      reset_req_q      <= reset_req_d;
      reset_pend_q     <= reset_pend_d;
      ctx_reset_q      <= ctx_reset_d;
      ctx_reset_ctx_q  <= ctx_reset_ctx_d;
      owned_q          <= owned_d;
      owned_ctx_q      <= owned_ctx_d;
      run_q            <= run_d;
      run_ctx_q        <= run_ctx_d;
      rr_last_q        <= rr_last_d;
      scratch_q        <= scratch_d;
      irq_enable_q     <= irq_enable_d;
      time_lo_q        <= time_d[31:0];
      time_hi_q        <= time_d[63:32];
      cycle_q          <= cycle_d;
      retired_q        <= retired_d;
      flush_vmid_q     <= flush_vmid_d;
      flush_asid_q     <= flush_asid_d;
      flush_addr_q     <= flush_addr_d;
      flush_valid_q    <= flush_valid_d;
      flush_kind_q     <= flush_kind_d;
      flush_use_asid_q <= flush_use_asid_d;
      flush_use_addr_q <= flush_use_addr_d;
    end
  end

  // ---------------------------------------------------------------------------
  // Outputs.
  // ---------------------------------------------------------------------------
  assign irq_o            = |(is_exit_pending & irq_enable_q);
  assign run_o            = run_q;
  assign run_ctx_o        = run_ctx_q;
  assign stop_o           = owned_q && stop_any;
  assign ctx_reset_o      = ctx_reset_q;
  assign ctx_reset_ctx_o  = ctx_reset_ctx_q;
  assign time_o           = {time_hi_q, time_lo_q};
  assign flush_valid_o    = flush_valid_q;
  assign flush_kind_o     = flush_kind_q;
  assign flush_use_asid_o = flush_use_asid_q;
  assign flush_use_addr_o = flush_use_addr_q;
  assign flush_vmid_o     = flush_vmid_q;
  assign flush_asid_o     = flush_asid_q;
  assign flush_addr_o     = flush_addr_q;

  // Byte-address bits of a word register; write data above the implemented bits.
  logic unused_bits;
  assign unused_bits = ^{reg_addr[1:0], w1c_word, irq_enable_wr, flush_vmid_wr, flush_asid_wr,
                         reg_wdata[31:4]};

endmodule
