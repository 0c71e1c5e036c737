// A 4-bit up counter with synchronous reset and enable, and a carry out: small enough to synthesize in seconds,
// big enough that ABC maps real logic (an adder and a comparator) to gates.
module counter (
    input  wire       clk,
    input  wire       rst,
    input  wire       en,
    output reg  [3:0] count,
    output wire       carry
);
    always @(posedge clk)
        if (rst)
            count <= 4'd0;
        else if (en)
            count <= count + 4'd1;
    assign carry = en & (count == 4'd15);
endmodule
