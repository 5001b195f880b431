// M-extension unit of the vCPU core.  MUL* take one cycle (a 33x33 signed
// multiplier), DIV*/REM* a 32-step restoring division on the magnitudes
// (divide by zero and signed overflow answered at once, RISC-V results).
// Handshake: start_i pulse with op/a/b -> done_o pulse with result_o.
module vcpu_muldiv (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        start_i,
  input  logic [2:0]  op_i,      // funct3: MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  output logic        done_o,
  output logic [31:0] result_o
);

  localparam logic [2:0] MD_MUL    = 3'd0;
  localparam logic [2:0] MD_MULH   = 3'd1;
  localparam logic [2:0] MD_MULHSU = 3'd2;
  localparam logic [2:0] MD_DIV    = 3'd4;
  localparam logic [2:0] MD_REM    = 3'd6;

  // FSM states.
  localparam logic [1:0] ST_IDLE = 2'd0;
  localparam logic [1:0] ST_DIV  = 2'd1;
  localparam logic [1:0] ST_DONE = 2'd2;

  localparam int DIV_STEPS = 32;

  logic [1:0]  state_q, state_d;
  logic [31:0] result_q, result_d;
  logic [63:0] acc_q, acc_d;        // {remainder, dividend/quotient} shift register
  logic [31:0] divisor_q, divisor_d;
  logic [5:0]  count_q, count_d;
  logic        neg_q, neg_d;        // negate the final result
  logic        rem_q, rem_d;        // REM/REMU: result is the remainder

  // Multiplier.
  logic        a_signed, b_signed;
  logic [32:0] mul_a, mul_b;
  logic [65:0] product;
  assign a_signed = (op_i == MD_MULH) || (op_i == MD_MULHSU);
  assign b_signed = (op_i == MD_MULH);
  assign mul_a    = {a_signed & a_i[31], a_i};
  assign mul_b    = {b_signed & b_i[31], b_i};
  assign product  = $unsigned($signed({{33{mul_a[32]}}, mul_a}) * $signed({{33{mul_b[32]}}, mul_b}));

  // Division set-up.
  logic        div_signed, a_neg, b_neg, div_zero, div_ovf;
  logic [31:0] a_mag, b_mag;
  assign div_signed = (op_i == MD_DIV) || (op_i == MD_REM);
  assign a_neg      = div_signed & a_i[31];
  assign b_neg      = div_signed & b_i[31];
  assign a_mag      = a_neg ? (32'd0 - a_i) : a_i;
  assign b_mag      = b_neg ? (32'd0 - b_i) : b_i;
  assign div_zero   = (b_i == 32'd0);
  assign div_ovf    = div_signed && (a_i == 32'h8000_0000) && (b_i == 32'hFFFF_FFFF);

  // One restoring-division step.
  logic [32:0] partial;
  logic [32:0] diff;
  assign partial = {acc_q[63:32], acc_q[31]};
  assign diff    = partial - {1'b0, divisor_q};

  logic [31:0] quo_mag, rem_mag, mul_lo, mul_hi;
  logic [63:0] acc_sub, acc_keep;
  logic        is_div, is_rem, step_sub;
  assign quo_mag  = acc_q[31:0];
  assign rem_mag  = acc_q[63:32];
  assign mul_lo   = product[31:0];
  assign mul_hi   = product[63:32];
  assign acc_sub  = {diff[31:0], acc_q[30:0], 1'b1};
  assign acc_keep = {partial[31:0], acc_q[30:0], 1'b0};
  assign step_sub = ~diff[32];
  assign is_div   = op_i[2];
  assign is_rem   = op_i[1];

  // Next state: every path assigns the whole tuple once (Icarus 11.0 loops on
  // always_comb blocks that assign a variable twice).
  logic [31:0] div_result;
  assign div_result = rem_q ? (neg_q ? (32'd0 - rem_mag) : rem_mag)
                            : (neg_q ? (32'd0 - quo_mag) : quo_mag);
  always_comb begin
    case (state_q)
      ST_IDLE: begin
        if (!start_i) begin
          {state_d, result_d, acc_d, divisor_d, count_d, neg_d, rem_d} =
            {ST_IDLE, result_q, acc_q, divisor_q, count_q, neg_q, rem_q};
        end else if (!is_div) begin
          {state_d, result_d, acc_d, divisor_d, count_d, neg_d, rem_d} =
            {ST_DONE, (op_i == MD_MUL) ? mul_lo : mul_hi, acc_q, divisor_q, count_q, neg_q, rem_q};
        end else if (div_zero) begin
          {state_d, result_d, acc_d, divisor_d, count_d, neg_d, rem_d} =
            {ST_DONE, is_rem ? a_i : 32'hFFFF_FFFF, acc_q, divisor_q, count_q, neg_q, rem_q};
        end else if (div_ovf) begin
          {state_d, result_d, acc_d, divisor_d, count_d, neg_d, rem_d} =
            {ST_DONE, is_rem ? 32'd0 : 32'h8000_0000, acc_q, divisor_q, count_q, neg_q, rem_q};
        end else begin
          {state_d, result_d, acc_d, divisor_d, count_d, neg_d, rem_d} =
            {ST_DIV, result_q, {32'd0, a_mag}, b_mag, 6'(DIV_STEPS),
             is_rem ? a_neg : (a_neg ^ b_neg), is_rem};
        end
      end
      ST_DIV: begin
        if (count_q == 6'd0) begin
          {state_d, result_d, acc_d, divisor_d, count_d, neg_d, rem_d} =
            {ST_DONE, div_result, acc_q, divisor_q, count_q, neg_q, rem_q};
        end else begin
          {state_d, result_d, acc_d, divisor_d, count_d, neg_d, rem_d} =
            {ST_DIV, result_q, step_sub ? acc_sub : acc_keep, divisor_q, count_q - 6'd1,
             neg_q, rem_q};
        end
      end
      default: begin  // ST_DONE
        {state_d, result_d, acc_d, divisor_d, count_d, neg_d, rem_d} =
          {ST_IDLE, result_q, acc_q, divisor_q, count_q, neg_q, rem_q};
      end
    endcase
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q   <= ST_IDLE;
      result_q  <= 32'd0;
      acc_q     <= 64'd0;
      divisor_q <= 32'd0;
      count_q   <= 6'd0;
      neg_q     <= 1'b0;
      rem_q     <= 1'b0;
    end else begin
      state_q   <= state_d;
      result_q  <= result_d;
      acc_q     <= acc_d;
      divisor_q <= divisor_d;
      count_q   <= count_d;
      neg_q     <= neg_d;
      rem_q     <= rem_d;
    end
  end

  logic unused_product;
  assign unused_product = ^product[65:64];

  assign done_o   = (state_q == ST_DONE);
  assign result_o = result_q;

endmodule
