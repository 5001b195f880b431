// vCPU core: a multi-cycle RV32IM hart that runs the active context in VS/VU
// (V=1), with the context storage of every vCPU, the V=1 CSR file, trap routing
// (hedeleg -> VS trap entry, else exit to the VMM), interrupts at instruction
// boundaries, the preemption budget and the RVFI trace.  See docs/rtl-core.md.
//
// FSM:  IDLE -run_i-> FETCH -> EXEC -> (MEM | MULDIV) -> FETCH ...
//       boundary = first FETCH cycle: interrupts / stop / preemption (-> EXIT, or VS
//       trap entry, then the handler's fetch)
//       a trap that is not delegated -> EXIT (exit_o) -> IDLE
module vcpu_core
  import vcpu_pkg::*;
  import vcpu_regmap_pkg::*;
#(
  parameter int NUM_VCPUS = 2,
  parameter int CTX_W     = (NUM_VCPUS > 1) ? $clog2(NUM_VCPUS) : 1
) (
  input  logic              clk_i,
  input  logic              rst_ni,

  // vcpu_ctl: scheduling.
  input  logic              run_i,
  input  logic [CTX_W-1:0]  run_ctx_i,
  input  logic              stop_i,
  output logic              busy_o,
  output logic [CTX_W-1:0]  active_ctx_o,
  output logic              exit_o,
  // vcpu_ctl: state port.
  input  logic              st_valid_i,
  input  logic              st_write_i,
  input  logic [CTX_W-1:0]  st_ctx_i,
  input  logic [9:0]        st_word_i,
  input  logic [31:0]       st_wdata_i,
  output logic              st_ready_o,
  output logic [31:0]       st_rdata_o,
  input  logic              ctx_reset_i,
  input  logic [CTX_W-1:0]  ctx_reset_ctx_i,
  input  logic [63:0]       time_i,
  output logic              retire_o,

  // vcpu_mmu: guest SFENCE.VMA.
  output logic              sfence_valid_o,
  output logic [6:0]        sfence_vmid_o,
  output logic              sfence_use_asid_o,
  output logic [8:0]        sfence_asid_o,
  output logic              sfence_use_addr_o,
  output logic [31:0]       sfence_vaddr_o,
  // vcpu_mmu: memory requests.
  output logic              req_valid_o,
  output logic [1:0]        req_type_o,
  output logic [31:0]       req_vaddr_o,
  output logic [1:0]        req_size_o,
  output logic [31:0]       req_wdata_o,
  output logic [3:0]        req_wstrb_o,
  output logic              priv_vs_o,
  output logic [31:0]       vsatp_o,
  output logic [31:0]       hgatp_o,
  output logic              sum_o,
  output logic              mxr_o,
  output logic              hs_mxr_o,
  input  logic              resp_valid_i,
  input  logic [31:0]       resp_rdata_i,
  input  logic              resp_fault_i,
  input  logic [4:0]        resp_cause_i,
  input  logic [31:0]       resp_htval_i,
  input  logic              resp_implicit_i,
  input  logic [33:0]       resp_paddr_i,

  // Retirement trace (interfaces/trace.py).
  output logic              rvfi_valid,
  output logic [63:0]       rvfi_order,
  output logic [31:0]       rvfi_insn,
  output logic              rvfi_trap,
  output logic              rvfi_halt,
  output logic              rvfi_intr,
  output logic [1:0]        rvfi_mode,
  output logic [1:0]        rvfi_ixl,
  output logic [4:0]        rvfi_rs1_addr,
  output logic [4:0]        rvfi_rs2_addr,
  output logic [31:0]       rvfi_rs1_rdata,
  output logic [31:0]       rvfi_rs2_rdata,
  output logic [4:0]        rvfi_rd_addr,
  output logic [31:0]       rvfi_rd_wdata,
  output logic [31:0]       rvfi_pc_rdata,
  output logic [31:0]       rvfi_pc_wdata,
  output logic [31:0]       rvfi_mem_addr,
  output logic [3:0]        rvfi_mem_rmask,
  output logic [3:0]        rvfi_mem_wmask,
  output logic [31:0]       rvfi_mem_rdata,
  output logic [31:0]       rvfi_mem_wdata,
  output logic [7:0]        rvfi_ext_ctx,
  output logic [33:0]       rvfi_ext_mem_paddr,
  output logic              rvfi_ext_exit,
  output logic [31:0]       rvfi_ext_cause,
  output logic [31:0]       rvfi_ext_tval,
  output logic [31:0]       rvfi_ext_htval,
  output logic [31:0]       rvfi_ext_htinst,
  output logic              rvfi_ext_gva,
  output logic              rvfi_ext_csr_wen,
  output logic [11:0]       rvfi_ext_csr_addr,
  output logic [31:0]       rvfi_ext_csr_wdata
);

  // ---------------------------------------------------------------------------
  // Constants.
  localparam int NCTX = 1 << CTX_W;

  // FSM states.
  localparam logic [2:0] S_IDLE   = 3'd0;
  // S_FETCH's first cycle after a retirement (or RUN) is the instruction boundary
  // (bound_q): interrupts, stop and preemption are evaluated there, and the fetch
  // request goes out in that same cycle when none is taken.
  localparam logic [2:0] S_FETCH  = 3'd2;  // fetch request to the mmu
  localparam logic [2:0] S_EXEC   = 3'd3;  // decode, execute, commit (or go on)
  localparam logic [2:0] S_MEM    = 3'd4;  // load/store request to the mmu
  localparam logic [2:0] S_MULDIV = 3'd5;  // waiting for the M unit
  localparam logic [2:0] S_EXIT   = 3'd6;  // exit record written: exit_o

  // Word write ports into the context storage (later ports win), in this order from
  // slot 0: pc, priv, budget, instret, instreth, cycle, cycleh, CSR write, then the
  // trap words TA (vsepc | scause), TB (vscause | sepc), TC (vstval | stval),
  // TD (vsstatus | hstatus), TE (htval), TF (htinst).
  localparam int NUM_WP     = 14;

  // Field bits.
  localparam int SSTATUS_SIE  = 1;
  localparam int SSTATUS_SPIE = 5;
  localparam int SSTATUS_SPP  = 8;
  localparam int SSTATUS_SUM  = 18;
  localparam int SSTATUS_MXR  = 19;
  localparam int HSTATUS_VTVM = 20;
  localparam int HSTATUS_VTW  = 21;
  localparam int HSTATUS_VTSR = 22;
  localparam int HENVCFGH_STCE = 31;
  localparam logic [31:0] INTERRUPT_BIT = 32'h8000_0000;
  // Causes whose tval is a guest virtual address (hstatus.GVA = 1 on exit).
  localparam logic [31:0] GVA_CAUSES = 32'h00B0_B0F3;
  // htinst transformation: zero the immediate and the rs1 field (offset 0).
  localparam logic [31:0] HTINST_LOAD_MASK  = 32'h0000_7FFF;
  localparam logic [31:0] HTINST_STORE_MASK = 32'h01F0_707F;

  // ---------------------------------------------------------------------------
  // State.
  logic [2:0]        state_q, state_d;
  logic [CTX_W-1:0]  ctx_q, ctx_d;
  logic [31:0]       insn_q, insn_d;
  logic              preempt_q, preempt_d;   // budget ran out: exit at the next boundary
  logic              intr_q, intr_d;         // the next record is the first of a VS interrupt handler
  logic              bound_q, bound_d;       // this FETCH cycle is an instruction boundary
  logic [63:0]       order_q [NCTX];

  // ---------------------------------------------------------------------------
  // Context storage.
  logic [31:0]          rs1_val, rs2_val;
  logic                 gpr_we;
  logic [31:0]          gpr_wdata;
  logic [CW_NUM*32-1:0] words;
  logic [NUM_WP-1:0]    wp_en;
  logic [NUM_WP*CW_W-1:0] wp_idx;
  logic [NUM_WP*32-1:0] wp_data;

  logic [4:0] f_rd, f_rs1, f_rs2;
  logic [2:0] f_funct3;
  assign f_rd     = insn_q[11:7];
  assign f_rs1    = insn_q[19:15];
  assign f_rs2    = insn_q[24:20];
  assign f_funct3 = insn_q[14:12];

  vcpu_ctx_regs #(
    .CTX_W  (CTX_W),
    .NUM_WP (NUM_WP)
  ) u_ctx_regs (
    .clk_i,
    .rst_ni,
    .st_valid_i,
    .st_write_i,
    .st_ctx_i,
    .st_word_i,
    .st_wdata_i,
    .st_ready_o,
    .st_rdata_o,
    .ctx_reset_i,
    .ctx_reset_ctx_i,
    .act_ctx_i   (ctx_q),
    .rs1_addr_i  (f_rs1),
    .rs2_addr_i  (f_rs2),
    .rs1_rdata_o (rs1_val),
    .rs2_rdata_o (rs2_val),
    .gpr_we_i    (gpr_we),
    .gpr_waddr_i (f_rd),
    .gpr_wdata_i (gpr_wdata),
    .act_words_o (words),
    .wp_en_i     (wp_en),
    .wp_idx_i    (wp_idx),
    .wp_data_i   (wp_data)
  );

  // Fields of the active context.
  logic [31:0] pc, budget, instret, instreth, cycle, cycleh, hs_sstatus;
  logic [31:0] hstatus, hedeleg, hideleg, hie, hvip, hgatp, henvcfgh;
  logic [31:0] htimedelta, htimedeltah, vsstatus, vstvec, vsepc, vsatp, vstimecmp, vstimecmph;
  logic        priv;
  logic [31:0] priv_word;
  assign pc          = words[CW_PC*32 +: 32];
  assign priv_word   = words[CW_PRIV*32 +: 32];
  assign priv        = priv_word[0];
  assign budget      = words[CW_BUDGET*32 +: 32];
  assign instret     = words[CW_INSTRET*32 +: 32];
  assign instreth    = words[CW_INSTRETH*32 +: 32];
  assign cycle       = words[CW_CYCLE*32 +: 32];
  assign cycleh      = words[CW_CYCLEH*32 +: 32];
  assign hs_sstatus  = words[CW_HS_SSTATUS*32 +: 32];
  assign hstatus     = words[CW_HSTATUS*32 +: 32];
  assign hedeleg     = words[CW_HEDELEG*32 +: 32];
  assign hideleg     = words[CW_HIDELEG*32 +: 32];
  assign hie         = words[CW_HIE*32 +: 32];
  assign hvip        = words[CW_HVIP*32 +: 32];
  assign hgatp       = words[CW_HGATP*32 +: 32];
  assign henvcfgh    = words[CW_HENVCFGH*32 +: 32];
  assign htimedelta  = words[CW_HTIMEDELTA*32 +: 32];
  assign htimedeltah = words[CW_HTIMEDELTAH*32 +: 32];
  assign vsstatus    = words[CW_VSSTATUS*32 +: 32];
  assign vstvec      = words[CW_VSTVEC*32 +: 32];
  assign vsepc       = words[CW_VSEPC*32 +: 32];
  assign vsatp       = words[CW_VSATP*32 +: 32];
  assign vstimecmp   = words[CW_VSTIMECMP*32 +: 32];
  assign vstimecmph  = words[CW_VSTIMECMPH*32 +: 32];

  // ---------------------------------------------------------------------------
  // Decode and execute.
  logic [CLS_W-1:0]    cls;
  logic [ALU_OP_W-1:0] alu_op;
  logic [1:0]          alu_a_sel;
  logic                alu_b_imm;
  logic [31:0]         imm;
  logic                rd_we;
  logic                uses_rs1, uses_rs2;

  vcpu_decoder u_decoder (
    .insn_i      (insn_q),
    .cls_o       (cls),
    .alu_op_o    (alu_op),
    .alu_a_sel_o (alu_a_sel),
    .alu_b_imm_o (alu_b_imm),
    .imm_o       (imm),
    .rd_we_o     (rd_we),
    .uses_rs1_o  (uses_rs1),
    .uses_rs2_o  (uses_rs2)
  );

  logic [31:0] alu_a, alu_b, alu_result;
  always_comb begin
    case (alu_a_sel)
      OPA_PC:   alu_a = pc;
      OPA_ZERO: alu_a = 32'd0;
      default:  alu_a = rs1_val;
    endcase
  end
  assign alu_b = alu_b_imm ? imm : rs2_val;

  vcpu_alu u_alu (
    .op_i     (alu_op),
    .a_i      (alu_a),
    .b_i      (alu_b),
    .result_o (alu_result)
  );

  // Branches and jumps.
  logic        br_taken;
  logic [31:0] pc_plus4, pc_plus_imm, jalr_target, jump_target;
  logic        is_jump;
  always_comb begin
    case (f_funct3)
      3'd0:    br_taken = (rs1_val == rs2_val);
      3'd1:    br_taken = (rs1_val != rs2_val);
      3'd4:    br_taken = ($signed(rs1_val) < $signed(rs2_val));
      3'd5:    br_taken = ($signed(rs1_val) >= $signed(rs2_val));
      3'd6:    br_taken = (rs1_val < rs2_val);
      default: br_taken = (rs1_val >= rs2_val);
    endcase
  end
  assign pc_plus4    = pc + 32'd4;
  assign pc_plus_imm = pc + imm;
  assign jalr_target = (rs1_val + imm) & ~32'd1;
  assign is_jump     = (cls == CLS_JAL) || (cls == CLS_JALR) || ((cls == CLS_BRANCH) && br_taken);
  assign jump_target = (cls == CLS_JALR) ? jalr_target : pc_plus_imm;

  // Loads and stores.
  logic [31:0] mem_addr;
  logic [1:0]  mem_size;
  logic        mem_misaligned;
  logic [3:0]  mem_bytes;     // (1 << size) - 1
  logic [31:0] mem_raw;       // loaded bytes, zero-extended
  logic [31:0] load_value;    // sign/zero-extended
  logic [31:0] load_shifted;
  logic [31:0] store_bytes;   // stored bytes, zero-extended
  assign mem_addr = rs1_val + imm;
  assign mem_size = f_funct3[1:0];
  assign mem_misaligned = ((mem_size == SIZE_HALF) && mem_addr[0]) ||
                          ((mem_size == SIZE_WORD) && (mem_addr[1:0] != 2'b00));
  always_comb begin
    case (mem_size)
      SIZE_BYTE: mem_bytes = 4'b0001;
      SIZE_HALF: mem_bytes = 4'b0011;
      default:   mem_bytes = 4'b1111;
    endcase
  end
  logic        load_signed;
  logic [31:0] raw_byte, raw_half, sext_byte, sext_half, st_byte, st_half;
  assign load_shifted = resp_rdata_i >> {mem_addr[1:0], 3'b000};
  assign load_signed  = ~f_funct3[2];
  assign raw_byte     = {24'd0, load_shifted[7:0]};
  assign raw_half     = {16'd0, load_shifted[15:0]};
  assign sext_byte    = {{24{load_shifted[7] & load_signed}}, load_shifted[7:0]};
  assign sext_half    = {{16{load_shifted[15] & load_signed}}, load_shifted[15:0]};
  assign st_byte      = {24'd0, rs2_val[7:0]};
  assign st_half      = {16'd0, rs2_val[15:0]};
  always_comb begin
    case (mem_size)
      SIZE_BYTE: begin
        mem_raw     = raw_byte;
        load_value  = sext_byte;
        store_bytes = st_byte;
      end
      SIZE_HALF: begin
        mem_raw     = raw_half;
        load_value  = sext_half;
        store_bytes = st_half;
      end
      default: begin
        mem_raw     = load_shifted;
        load_value  = load_shifted;
        store_bytes = rs2_val;
      end
    endcase
  end

  // M extension.
  logic        md_start, md_done;
  logic [31:0] md_result;
  assign md_start = (state_q == S_EXEC) && (cls == CLS_MULDIV);

  vcpu_muldiv u_muldiv (
    .clk_i,
    .rst_ni,
    .start_i  (md_start),
    .op_i     (f_funct3),
    .a_i      (rs1_val),
    .b_i      (rs2_val),
    .done_o   (md_done),
    .result_o (md_result)
  );

  // Time and the VS timer (Sstc).
  logic [63:0] vtime;
  logic        vstip;
  assign vtime = time_i + {htimedeltah, htimedelta};
  assign vstip = hvip[IRQ_VSTI] | (henvcfgh[HENVCFGH_STCE] && (vtime >= {vstimecmph, vstimecmp}));

  // CSR instructions.
  logic            csr_write, csr_illegal, csr_virtual;
  logic [31:0]     csr_operand, csr_rdata, csr_wr_data, csr_ext_wdata;
  logic [11:0]     csr_ext_addr;
  logic [CW_W-1:0] csr_wr_cw;
  assign csr_write   = (f_funct3[1:0] == 2'b01) || (f_rs1 != 5'd0);
  assign csr_operand = f_funct3[2] ? {27'd0, f_rs1} : rs1_val;

  vcpu_csr u_csr (
    .ctx_words_i (words),
    .addr_i      (insn_q[31:20]),
    .priv_vs_i   (priv),
    .op_i        (f_funct3[1:0]),
    .write_i     (csr_write),
    .operand_i   (csr_operand),
    .time_i,
    .vstip_i     (vstip),
    .illegal_o   (csr_illegal),
    .virtual_o   (csr_virtual),
    .rdata_o     (csr_rdata),
    .wr_cw_o     (csr_wr_cw),
    .wr_data_o   (csr_wr_data),
    .ext_addr_o  (csr_ext_addr),
    .ext_wdata_o (csr_ext_wdata)
  );

  // Exceptions found in EXEC.
  logic        vtsr, vtw, vtvm, target_misaligned;
  assign vtsr = hstatus[HSTATUS_VTSR];
  assign vtw  = hstatus[HSTATUS_VTW];
  assign vtvm = hstatus[HSTATUS_VTVM];
  assign target_misaligned = jump_target[1];

  // Every branch assigns each output exactly once (no default-then-override:
  // Icarus 11 loops on intermediate toggles between always_comb blocks).
  logic        exc_valid;
  logic [4:0]  exc_cause;
  logic [31:0] exc_tval;
  logic        priv_or_vtsr, priv_or_vtw, priv_or_vtvm;
  assign priv_or_vtsr = (priv == PRIV_VU) || vtsr;
  assign priv_or_vtw  = (priv == PRIV_VU) || vtw;
  assign priv_or_vtvm = (priv == PRIV_VU) || vtvm;
  always_comb begin
    case (cls)
      CLS_ILLEGAL: begin
        exc_valid = 1'b1;
        exc_cause = EXC_ILLEGAL;
        exc_tval  = insn_q;
      end
      CLS_HVIRT: begin
        exc_valid = 1'b1;
        exc_cause = EXC_VIRTUAL_INSN;
        exc_tval  = insn_q;
      end
      CLS_CSR: begin
        exc_valid = csr_illegal || csr_virtual;
        exc_cause = csr_illegal ? EXC_ILLEGAL : EXC_VIRTUAL_INSN;
        exc_tval  = insn_q;
      end
      CLS_ECALL: begin
        exc_valid = 1'b1;
        exc_cause = (priv == PRIV_VS) ? EXC_ECALL_VS : EXC_ECALL_VU;
        exc_tval  = 32'd0;
      end
      CLS_EBREAK: begin
        exc_valid = 1'b1;
        exc_cause = EXC_BREAKPOINT;
        exc_tval  = pc;
      end
      CLS_SRET: begin
        exc_valid = priv_or_vtsr;
        exc_cause = EXC_VIRTUAL_INSN;
        exc_tval  = insn_q;
      end
      CLS_WFI: begin
        exc_valid = priv_or_vtw;
        exc_cause = EXC_VIRTUAL_INSN;
        exc_tval  = insn_q;
      end
      CLS_SFENCE: begin
        exc_valid = priv_or_vtvm;
        exc_cause = EXC_VIRTUAL_INSN;
        exc_tval  = insn_q;
      end
      CLS_JAL, CLS_JALR, CLS_BRANCH: begin
        exc_valid = is_jump && target_misaligned;
        exc_cause = EXC_INSN_MISALIGNED;
        exc_tval  = jump_target;
      end
      CLS_LOAD: begin
        exc_valid = mem_misaligned;
        exc_cause = EXC_LOAD_MISALIGNED;
        exc_tval  = mem_addr;
      end
      CLS_STORE: begin
        exc_valid = mem_misaligned;
        exc_cause = EXC_STORE_MISALIGNED;
        exc_tval  = mem_addr;
      end
      default: begin  // ALU, MULDIV, NOP
        exc_valid = 1'b0;
        exc_cause = EXC_ILLEGAL;
        exc_tval  = insn_q;
      end
    endcase
  end

  // ---------------------------------------------------------------------------
  // Interrupts at the boundary (docs/architecture.md): STOP > PREEMPT > HS-level
  // VS interrupts (not delegated) > VS-level (delegated, enabled).  VSEI > VSSI > VSTI.
  logic [31:0] hip, irq_pend, irq_hs, irq_vs;
  logic        irq_vs_en;
  logic        bnd_stop, bnd_preempt, bnd_hs, bnd_vs;
  logic [4:0]  bnd_hs_code, bnd_vs_code;

  function automatic logic [4:0] vs_irq_pick(input logic [31:0] pend);
    if (pend[IRQ_VSEI]) begin
      vs_irq_pick = IRQ_VSEI;
    end else if (pend[IRQ_VSSI]) begin
      vs_irq_pick = IRQ_VSSI;
    end else begin
      vs_irq_pick = IRQ_VSTI;
    end
  endfunction

  assign hip         = {21'd0, hvip[IRQ_VSEI], 3'd0, vstip, 3'd0, hvip[IRQ_VSSI], 2'd0};
  assign irq_pend    = hip & hie;
  assign irq_hs      = irq_pend & ~hideleg;
  assign irq_vs      = irq_pend & hideleg;
  assign irq_vs_en   = (priv == PRIV_VU) || vsstatus[SSTATUS_SIE];
  assign bnd_stop    = stop_i;
  assign bnd_preempt = preempt_q;
  assign bnd_hs      = (irq_hs != 32'd0);
  assign bnd_vs      = (irq_vs != 32'd0) && irq_vs_en;
  assign bnd_hs_code = vs_irq_pick(irq_hs);
  assign bnd_vs_code = vs_irq_pick(irq_vs) - 5'd1;   // the guest sees SSI/STI/SEI (1/5/9)

  // ---------------------------------------------------------------------------
  // Commit: one retirement record (normal or trap), or a boundary event.
  logic        commit;        // a retirement record this cycle
  logic        commit_trap;   // ... of a trapping instruction
  logic [4:0]  trap_cause;
  logic [31:0] trap_tval, trap_htval, trap_htinst;
  logic        trap_fetch;    // the trap came from the fetch (insn unknown)
  logic        ev_irq_vs, ev_irq_exit;
  logic [31:0] irq_cause;

  logic fetch_fault, exec_commit, mem_done, resp_state, gpf_fetch, gpf_mem;
  logic [31:0] mem_htinst;
  logic fetch_req;     // a fetch request is out (not in a boundary cycle that takes an interrupt)
  assign fetch_req   = (state_q == S_FETCH) && !ev_irq_exit && !ev_irq_vs;
  assign fetch_fault = fetch_req && resp_valid_i && resp_fault_i;
  assign exec_commit = (state_q == S_EXEC) &&
                       (exc_valid || (cls != CLS_LOAD && cls != CLS_STORE && cls != CLS_MULDIV));
  assign mem_done    = (state_q == S_MEM) && resp_valid_i;
  assign commit      = fetch_fault || exec_commit || mem_done || ((state_q == S_MULDIV) && md_done);
  assign commit_trap = fetch_fault || ((state_q == S_EXEC) && exc_valid) ||
                       (mem_done && resp_fault_i);
  assign trap_fetch  = fetch_fault;
  // The trap's values (meaningful with commit_trap): from the mmu response in FETCH/MEM.
  assign resp_state  = (state_q == S_FETCH) || (state_q == S_MEM);
  assign gpf_fetch   = (resp_cause_i == EXC_INSN_GUEST_PAGE);
  assign gpf_mem     = (resp_cause_i == EXC_LOAD_GUEST_PAGE) || (resp_cause_i == EXC_STORE_GUEST_PAGE);
  assign mem_htinst  = resp_implicit_i     ? HTINST_PTE_READ :
                       (cls == CLS_LOAD)   ? (insn_q & HTINST_LOAD_MASK) :
                                             (insn_q & HTINST_STORE_MASK);
  assign trap_cause  = resp_state ? resp_cause_i : exc_cause;
  assign trap_tval   = (state_q == S_FETCH) ? pc : ((state_q == S_MEM) ? mem_addr : exc_tval);
  assign trap_htval  = resp_state ? resp_htval_i : 32'd0;
  assign trap_htinst = ((state_q == S_FETCH) && resp_implicit_i && gpf_fetch) ? HTINST_PTE_READ :
                       ((state_q == S_MEM) && gpf_mem)                        ? mem_htinst :
                                                                                32'd0;

  assign ev_irq_exit = (state_q == S_FETCH) && bound_q && (bnd_stop || bnd_preempt || bnd_hs);
  assign ev_irq_vs   = (state_q == S_FETCH) && bound_q && !ev_irq_exit && bnd_vs;
  always_comb begin
    if (bnd_stop) begin
      irq_cause = STOP_CAUSE;
    end else if (bnd_preempt) begin
      irq_cause = PREEMPT_CAUSE;
    end else if (bnd_hs) begin
      irq_cause = INTERRUPT_BIT | {27'd0, bnd_hs_code};
    end else begin
      irq_cause = INTERRUPT_BIT | {27'd0, bnd_vs_code};
    end
  end

  // Trap entry: VS (delegated exception or interrupt) or exit to the VMM.
  logic        trap_deleg, ent_vs, ent_exit, ent_irq, ent_gva;
  logic [31:0] ent_cause, ent_tval, ent_htval, ent_htinst, ent_handler;
  logic [31:0] vsstatus_trap, vsstatus_sret, hstatus_exit;
  assign trap_deleg = hedeleg[trap_cause];
  assign ent_vs     = (commit_trap && trap_deleg) || ev_irq_vs;
  assign ent_exit   = (commit_trap && !trap_deleg) || ev_irq_exit;
  assign ent_irq    = ev_irq_vs || ev_irq_exit;
  assign ent_cause  = ent_irq ? irq_cause : {27'd0, trap_cause};
  assign ent_tval   = ent_irq ? 32'd0 : trap_tval;
  assign ent_htval  = ent_irq ? 32'd0 : trap_htval;
  assign ent_htinst = ent_irq ? 32'd0 : trap_htinst;
  assign ent_gva    = !ent_irq && (GVA_CAUSES[trap_cause] ||
                                   (trap_cause == EXC_BREAKPOINT && trap_tval != 32'd0));
  assign ent_handler = {vstvec[31:2], 2'b00} +
                       ((vstvec[0] && ent_irq) ? {25'd0, ent_cause[4:0], 2'b00} : 32'd0);

  // vsstatus: SIE 1, SPIE 5, SPP 8.  hstatus: GVA 6, SPV 7, SPVP 8.
  assign vsstatus_trap = {vsstatus[31:9], priv, vsstatus[7:6], vsstatus[SSTATUS_SIE],
                          vsstatus[4:2], 1'b0, vsstatus[0]};
  assign vsstatus_sret = {vsstatus[31:9], 1'b0, vsstatus[7:6], 1'b1,
                          vsstatus[4:2], vsstatus[SSTATUS_SPIE], vsstatus[0]};
  assign hstatus_exit  = {hstatus[31:9], priv, 1'b1, ent_gva, hstatus[5:0]};

  // Result of a normal (non-trapping) retirement.
  logic        is_sret;
  logic [31:0] next_pc, rd_value;
  logic        csr_commit;
  assign is_sret = (cls == CLS_SRET);
  always_comb begin
    if (is_jump) begin
      next_pc = jump_target;
    end else if (is_sret) begin
      next_pc = vsepc;
    end else begin
      next_pc = pc_plus4;
    end
  end
  always_comb begin
    case (cls)
      CLS_JAL, CLS_JALR: rd_value = pc_plus4;
      CLS_LOAD:          rd_value = load_value;
      CLS_MULDIV:        rd_value = md_result;
      CLS_CSR:           rd_value = csr_rdata;
      default:           rd_value = alu_result;
    endcase
  end
  assign csr_commit = commit && !commit_trap && (cls == CLS_CSR) && csr_write;

  logic commit_ok;
  assign commit_ok = commit && !commit_trap;
  assign gpr_we    = commit_ok && rd_we;
  assign gpr_wdata = rd_value;

  // Storage write ports.
  logic [63:0] cycle_next, instret_next;
  logic [31:0] cycle_next_lo, cycle_next_hi, instret_next_lo, instret_next_hi, sret_priv;
  assign cycle_next      = {cycleh, cycle} + 64'd1;
  assign instret_next    = {instreth, instret} + 64'd1;
  assign cycle_next_lo   = cycle_next[31:0];
  assign cycle_next_hi   = cycle_next[63:32];
  assign instret_next_lo = instret_next[31:0];
  assign instret_next_hi = instret_next[63:32];
  assign sret_priv       = {31'd0, vsstatus[SSTATUS_SPP]};

  // (Continuous assignments: Icarus 11.0 loops on always_comb blocks that assign
  // a variable twice, e.g. defaults then overrides.)
  logic        pc_en, priv_en, budget_en, instret_en, cycle_en, csr_en;
  logic        ta_en, tb_en, tc_en, td_en, te_en, tf_en;
  logic [31:0] pc_wdata, priv_wdata, ta_wdata, tb_wdata, td_wdata;
  logic [CW_W-1:0] ta_idx, tb_idx, tc_idx, td_idx;
  assign pc_en      = commit_ok || ent_vs;
  assign pc_wdata   = ent_vs ? ent_handler : next_pc;
  assign priv_en    = (commit_ok && is_sret) || ent_vs;
  assign priv_wdata = ent_vs ? {31'd0, PRIV_VS} : sret_priv;
  assign budget_en  = commit && (budget != 32'd0);     // every record
  assign instret_en = commit_ok;                        // records without trap
  assign cycle_en   = (state_q != S_IDLE);              // every clock on the pipeline
  assign csr_en     = csr_commit;
  // Trap entry into VS (vsepc, vscause, vstval, vsstatus) or exit (scause, sepc, stval,
  // hstatus, htval, htinst); SRET rewrites vsstatus through port TD too.
  assign ta_en    = ent_vs || ent_exit;
  assign tb_en    = ent_vs || ent_exit;
  assign tc_en    = ent_vs || ent_exit;
  assign td_en    = ent_vs || ent_exit || (commit_ok && is_sret);
  assign te_en    = ent_exit;
  assign tf_en    = ent_exit;
  assign ta_idx   = ent_vs ? CW_VSEPC : CW_SCAUSE;
  assign tb_idx   = ent_vs ? CW_VSCAUSE : CW_SEPC;
  assign tc_idx   = ent_vs ? CW_VSTVAL : CW_STVAL;
  assign td_idx   = ent_exit ? CW_HSTATUS : CW_VSSTATUS;
  assign ta_wdata = ent_vs ? pc : ent_cause;
  assign tb_wdata = ent_vs ? ent_cause : pc;
  assign td_wdata = ent_exit ? hstatus_exit : (ent_vs ? vsstatus_trap : vsstatus_sret);

  // Port order: P_TF ... P_PC (P_PC = 0 is the least significant slot).
  assign wp_en   = {tf_en, te_en, td_en, tc_en, tb_en, ta_en, csr_en, cycle_en, cycle_en,
                    instret_en, instret_en, budget_en, priv_en, pc_en};
  assign wp_idx  = {CW_HTINST, CW_HTVAL, td_idx, tc_idx, tb_idx, ta_idx, csr_wr_cw, CW_CYCLEH,
                    CW_CYCLE, CW_INSTRETH, CW_INSTRET, CW_BUDGET, CW_PRIV, CW_PC};
  assign wp_data = {ent_htinst, ent_htval, td_wdata, ent_tval, tb_wdata, ta_wdata, csr_wr_data,
                    cycle_next_hi, cycle_next_lo, instret_next_hi, instret_next_lo,
                    budget - 32'd1, priv_wdata, pc_wdata};

  // ---------------------------------------------------------------------------
  // FSM.
  // Every path assigns the whole next-state tuple once (Icarus 11.0, see above).
  logic       intr_c, preempt_c;   // intr/preempt after a retirement record this cycle
  logic [2:0] after_commit;
  assign intr_c       = commit ? 1'b0 : intr_q;
  assign preempt_c    = (commit && budget == 32'd1) ? 1'b1 : preempt_q;
  assign after_commit = ent_exit ? S_EXIT : S_FETCH;
  assign bound_d      = commit || (state_q == S_IDLE);   // the next FETCH starts a boundary

  always_comb begin
    case (state_q)
      S_IDLE: begin
        if (run_i) begin
          {state_d, ctx_d, insn_d, preempt_d, intr_d} = {S_FETCH, run_ctx_i, insn_q, 1'b0, 1'b0};
        end else begin
          {state_d, ctx_d, insn_d, preempt_d, intr_d} = {S_IDLE, ctx_q, insn_q, 1'b0, 1'b0};
        end
      end
      S_FETCH: begin
        if (ev_irq_exit) begin
          {state_d, ctx_d, insn_d, preempt_d, intr_d} = {S_EXIT, ctx_q, insn_q, preempt_q, intr_q};
        end else if (ev_irq_vs) begin
          // VS trap entry written this cycle; the handler's fetch goes out next cycle.
          {state_d, ctx_d, insn_d, preempt_d, intr_d} = {S_FETCH, ctx_q, insn_q, preempt_q, 1'b1};
        end else if (!resp_valid_i) begin
          {state_d, ctx_d, insn_d, preempt_d, intr_d} = {S_FETCH, ctx_q, insn_q, preempt_c, intr_c};
        end else if (resp_fault_i) begin
          {state_d, ctx_d, insn_d, preempt_d, intr_d} = {after_commit, ctx_q, 32'd0, preempt_c, intr_c};
        end else begin
          {state_d, ctx_d, insn_d, preempt_d, intr_d} =
            {S_EXEC, ctx_q, resp_rdata_i, preempt_c, intr_c};
        end
      end
      S_EXEC: begin
        if (commit) begin
          {state_d, ctx_d, insn_d, preempt_d, intr_d} = {after_commit, ctx_q, insn_q, preempt_c, intr_c};
        end else if (cls == CLS_MULDIV) begin
          {state_d, ctx_d, insn_d, preempt_d, intr_d} = {S_MULDIV, ctx_q, insn_q, preempt_q, intr_q};
        end else begin
          {state_d, ctx_d, insn_d, preempt_d, intr_d} = {S_MEM, ctx_q, insn_q, preempt_q, intr_q};
        end
      end
      S_MEM, S_MULDIV: begin
        if (commit) begin
          {state_d, ctx_d, insn_d, preempt_d, intr_d} = {after_commit, ctx_q, insn_q, preempt_c, intr_c};
        end else begin
          {state_d, ctx_d, insn_d, preempt_d, intr_d} = {state_q, ctx_q, insn_q, preempt_q, intr_q};
        end
      end
      default: begin  // S_EXIT
        {state_d, ctx_d, insn_d, preempt_d, intr_d} = {S_IDLE, ctx_q, insn_q, 1'b0, intr_q};
      end
    endcase
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q   <= S_IDLE;
      ctx_q     <= '0;
      insn_q    <= 32'd0;
      preempt_q <= 1'b0;
      intr_q    <= 1'b0;
      bound_q   <= 1'b1;
    end else begin
      state_q   <= state_d;
      ctx_q     <= ctx_d;
      insn_q    <= insn_d;
      preempt_q <= preempt_d;
      intr_q    <= intr_d;
      bound_q   <= bound_d;
    end
  end

  // Per-context record counter (rvfi_order).
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      for (int c = 0; c < NCTX; c++) begin
        order_q[c] <= 64'd0;
      end
    end else begin
      if (commit) order_q[ctx_q] <= order_q[ctx_q] + 64'd1;
      if (ctx_reset_i) order_q[ctx_reset_ctx_i] <= 64'd0;
    end
  end

  // ---------------------------------------------------------------------------
  // Outputs to ctl and mmu.
  assign busy_o       = (state_q != S_IDLE);
  assign active_ctx_o = ctx_q;
  assign exit_o       = (state_q == S_EXIT);
  assign retire_o     = commit;

  assign req_valid_o = fetch_req || (state_q == S_MEM);
  assign req_type_o  = (state_q == S_FETCH) ? ACC_FETCH :
                       (cls == CLS_STORE)    ? ACC_STORE : ACC_LOAD;
  assign req_vaddr_o = (state_q == S_FETCH) ? pc : mem_addr;
  assign req_size_o  = (state_q == S_FETCH) ? SIZE_WORD : mem_size;
  assign req_wdata_o = rs2_val << {mem_addr[1:0], 3'b000};
  assign req_wstrb_o = (state_q == S_MEM && cls == CLS_STORE) ? (mem_bytes << mem_addr[1:0]) : 4'b0000;
  assign priv_vs_o   = priv;
  assign vsatp_o     = vsatp;
  assign hgatp_o     = hgatp;
  assign sum_o       = vsstatus[SSTATUS_SUM];
  assign mxr_o       = vsstatus[SSTATUS_MXR];
  assign hs_mxr_o    = hs_sstatus[SSTATUS_MXR];

  // Guest SFENCE.VMA (registered pulse, before the next fetch).
  logic        sfence_valid_q;
  logic [6:0]  sfence_vmid_q;
  logic        sfence_use_asid_q, sfence_use_addr_q;
  logic [8:0]  sfence_asid_q;
  logic [31:0] sfence_vaddr_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      sfence_valid_q    <= 1'b0;
      sfence_vmid_q     <= 7'd0;
      sfence_use_asid_q <= 1'b0;
      sfence_asid_q     <= 9'd0;
      sfence_use_addr_q <= 1'b0;
      sfence_vaddr_q    <= 32'd0;
    end else begin
      sfence_valid_q <= commit_ok && (cls == CLS_SFENCE);
      if (commit_ok && (cls == CLS_SFENCE)) begin
        sfence_vmid_q     <= hgatp[28:22];
        sfence_use_asid_q <= (f_rs2 != 5'd0);
        sfence_asid_q     <= rs2_val[8:0];
        sfence_use_addr_q <= (f_rs1 != 5'd0);
        sfence_vaddr_q    <= rs1_val;
      end
    end
  end
  assign sfence_valid_o    = sfence_valid_q;
  assign sfence_vmid_o     = sfence_vmid_q;
  assign sfence_use_asid_o = sfence_use_asid_q;
  assign sfence_asid_o     = sfence_asid_q;
  assign sfence_use_addr_o = sfence_use_addr_q;
  assign sfence_vaddr_o    = sfence_vaddr_q;

  // ---------------------------------------------------------------------------
  // RVFI: registered, one cycle after the commit.
  logic        is_load_ok, is_store_ok;
  assign is_load_ok  = commit_ok && (cls == CLS_LOAD);
  assign is_store_ok = commit_ok && (cls == CLS_STORE);

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      rvfi_valid         <= 1'b0;
      rvfi_order         <= 64'd0;
      rvfi_insn          <= 32'd0;
      rvfi_trap          <= 1'b0;
      rvfi_intr          <= 1'b0;
      rvfi_mode          <= 2'd0;
      rvfi_rs1_addr      <= 5'd0;
      rvfi_rs2_addr      <= 5'd0;
      rvfi_rs1_rdata     <= 32'd0;
      rvfi_rs2_rdata     <= 32'd0;
      rvfi_rd_addr       <= 5'd0;
      rvfi_rd_wdata      <= 32'd0;
      rvfi_pc_rdata      <= 32'd0;
      rvfi_pc_wdata      <= 32'd0;
      rvfi_mem_addr      <= 32'd0;
      rvfi_mem_rmask     <= 4'd0;
      rvfi_mem_wmask     <= 4'd0;
      rvfi_mem_rdata     <= 32'd0;
      rvfi_mem_wdata     <= 32'd0;
      rvfi_ext_ctx       <= 8'd0;
      rvfi_ext_mem_paddr <= 34'd0;
      rvfi_ext_exit      <= 1'b0;
      rvfi_ext_cause     <= 32'd0;
      rvfi_ext_tval      <= 32'd0;
      rvfi_ext_htval     <= 32'd0;
      rvfi_ext_htinst    <= 32'd0;
      rvfi_ext_gva       <= 1'b0;
      rvfi_ext_csr_wen   <= 1'b0;
      rvfi_ext_csr_addr  <= 12'd0;
      rvfi_ext_csr_wdata <= 32'd0;
    end else begin
      rvfi_valid <= commit;
      if (commit) begin
        rvfi_order     <= order_q[ctx_q];
        rvfi_insn      <= trap_fetch ? 32'd0 : insn_q;
        rvfi_trap      <= commit_trap;
        rvfi_intr      <= intr_q;
        rvfi_mode      <= {1'b0, priv};
        rvfi_rs1_addr  <= (!trap_fetch && uses_rs1) ? f_rs1 : 5'd0;
        rvfi_rs2_addr  <= (!trap_fetch && uses_rs2) ? f_rs2 : 5'd0;
        rvfi_rs1_rdata <= (!trap_fetch && uses_rs1) ? rs1_val : 32'd0;
        rvfi_rs2_rdata <= (!trap_fetch && uses_rs2) ? rs2_val : 32'd0;
        rvfi_rd_addr   <= (commit_ok && rd_we) ? f_rd : 5'd0;
        rvfi_rd_wdata  <= (commit_ok && rd_we && f_rd != 5'd0) ? rd_value : 32'd0;
        rvfi_pc_rdata  <= pc;
        rvfi_pc_wdata  <= commit_ok ? next_pc : (ent_vs ? ent_handler : pc);
        rvfi_mem_addr  <= (is_load_ok || is_store_ok) ? mem_addr : 32'd0;
        rvfi_mem_rmask <= is_load_ok ? mem_bytes : 4'd0;
        rvfi_mem_wmask <= is_store_ok ? mem_bytes : 4'd0;
        rvfi_mem_rdata <= is_load_ok ? mem_raw : 32'd0;
        rvfi_mem_wdata <= is_store_ok ? store_bytes : 32'd0;
        rvfi_ext_ctx   <= 8'(ctx_q);
        rvfi_ext_mem_paddr <= (is_load_ok || is_store_ok) ? resp_paddr_i : 34'd0;
        rvfi_ext_exit  <= ent_exit;
        rvfi_ext_cause <= commit_trap ? ent_cause : 32'd0;
        rvfi_ext_tval  <= commit_trap ? ent_tval : 32'd0;
        rvfi_ext_htval <= ent_exit ? ent_htval : 32'd0;
        rvfi_ext_htinst <= ent_exit ? ent_htinst : 32'd0;
        rvfi_ext_gva   <= ent_exit && ent_gva;
        rvfi_ext_csr_wen   <= csr_commit;
        rvfi_ext_csr_addr  <= csr_commit ? csr_ext_addr : 12'd0;
        rvfi_ext_csr_wdata <= csr_commit ? csr_ext_wdata : 32'd0;
      end
    end
  end

  assign rvfi_halt = 1'b0;
  assign rvfi_ixl  = 2'd1;

  logic unused_core;
  assign unused_core = ^{priv_word[31:1], hs_sstatus[31:20], hs_sstatus[18:0], hstatus[31:23],
                         hstatus[19:0], hedeleg[31:24], hgatp[31:29], hgatp[21:0],
                         henvcfgh[30:0], vstvec[1], hvip[31:11], hvip[9:7], hvip[5:3], hvip[1:0],
                         hip[31:11], hip[9:7], hip[5:3], hip[1:0], ent_cause[31:5],
                         1'b0};

endmodule
