//===- ElementwiseOps.td - Ingot elementwise ops --------------*- tablegen -*-===//
//
// Unary and broadcasting binary/ternary math, comparisons, casts. These are
// the ops the loop-fusion pass groups into one kernel.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_ELEMENTWISE_OPS_TD
#define INGOT_ELEMENTWISE_OPS_TD

include "IngotBase.td"

// Unary math on floats.
def Ingot_SqrtOp : Ingot_UnaryOp<"sqrt", Ingot_FloatTensor> { let summary = "sqrt(x)"; }
def Ingot_ExpOp : Ingot_UnaryOp<"exp", Ingot_FloatTensor> { let summary = "e^x"; }
def Ingot_LogOp : Ingot_UnaryOp<"log", Ingot_FloatTensor> { let summary = "natural log"; }
def Ingot_ErfOp : Ingot_UnaryOp<"erf", Ingot_FloatTensor> { let summary = "error function"; }
def Ingot_TanhOp : Ingot_UnaryOp<"tanh", Ingot_FloatTensor> { let summary = "tanh(x)"; }
def Ingot_SigmoidOp : Ingot_UnaryOp<"sigmoid", Ingot_FloatTensor> { let summary = "1 / (1 + e^-x)"; }
def Ingot_ReciprocalOp : Ingot_UnaryOp<"reciprocal", Ingot_FloatTensor> { let summary = "1 / x"; }
def Ingot_FloorOp : Ingot_UnaryOp<"floor", Ingot_FloatTensor> { let summary = "floor(x)"; }
def Ingot_CeilOp : Ingot_UnaryOp<"ceil", Ingot_FloatTensor> { let summary = "ceil(x)"; }
def Ingot_RoundOp : Ingot_UnaryOp<"round", Ingot_FloatTensor> { let summary = "round half to even"; }
def Ingot_SinOp : Ingot_UnaryOp<"sin", Ingot_FloatTensor> { let summary = "sin(x)"; }
def Ingot_CosOp : Ingot_UnaryOp<"cos", Ingot_FloatTensor> { let summary = "cos(x)"; }
def Ingot_SoftplusOp : Ingot_UnaryOp<"softplus", Ingot_FloatTensor> { let summary = "log(1 + e^x)"; }
def Ingot_HardSwishOp : Ingot_UnaryOp<"hard_swish", Ingot_FloatTensor> {
  let summary = "x * max(0, min(1, x / 6 + 1 / 2))";
}

// Unary math on any numeric type.
def Ingot_ReluOp : Ingot_UnaryOp<"relu"> { let summary = "max(x, 0)"; }
def Ingot_NegOp : Ingot_UnaryOp<"neg"> { let summary = "-x"; }
def Ingot_AbsOp : Ingot_UnaryOp<"abs"> { let summary = "|x|"; }
def Ingot_SignOp : Ingot_UnaryOp<"sign"> { let summary = "-1, 0 or 1"; }
def Ingot_NotOp : Ingot_UnaryOp<"not", Ingot_BoolTensor> { let summary = "logical not"; }

def Ingot_IsNaNOp : Ingot_Op<"is_nan"> {
  let summary = "x != x: true where the float is NaN";
  let arguments = (ins Ingot_FloatTensor:$input);
  let results = (outs Ingot_BoolTensor:$output);
  let hasFolder = 1;
}

def Ingot_IdentityOp : Ingot_UnaryOp<"identity"> {
  let summary = "returns its operand";
  let description = [{ Folds away; kept so that imported graphs round-trip. }];
}

// Unary ops with attributes.
class Ingot_UnaryAttrOp<string mnemonic, dag attrs, Type operandType = Ingot_FloatTensor>
    : Ingot_UnaryOp<mnemonic, operandType> {
  let arguments = !con((ins operandType:$input), attrs);
}

def Ingot_HardSigmoidOp : Ingot_UnaryAttrOp<"hard_sigmoid",
    (ins DefaultValuedAttr<F32Attr, "0.2">:$alpha,
         DefaultValuedAttr<F32Attr, "0.5">:$beta)> {
  let summary = "max(0, min(1, alpha * x + beta))";
}
def Ingot_LeakyReluOp : Ingot_UnaryAttrOp<"leaky_relu",
    (ins DefaultValuedAttr<F32Attr, "0.01">:$alpha)> {
  let summary = "x >= 0 ? x : alpha * x";
}
def Ingot_EluOp : Ingot_UnaryAttrOp<"elu",
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)> {
  let summary = "x >= 0 ? x : alpha * (e^x - 1)";
}
def Ingot_GeluOp : Ingot_UnaryAttrOp<"gelu",
    (ins DefaultValuedAttr<StrAttr, "\"none\"">:$approximate)> {
  let summary = "x * Phi(x); `approximate` is \"none\" (erf) or \"tanh\"";
}
def Ingot_DropoutOp : Ingot_UnaryAttrOp<"dropout",
    (ins DefaultValuedAttr<F32Attr, "0.5">:$ratio), Ingot_Tensor> {
  let summary = "inference-mode dropout: the identity";
}

def Ingot_CastOp : Ingot_Op<"cast"> {
  let summary = "element type conversion";
  let description = [{
    Converts each element to `to`. Float to integer truncates toward zero;
    any non-zero value becomes `true` for i1.
  }];
  let arguments = (ins Ingot_Tensor:$input, TypeAttr:$to);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}

def Ingot_LookupOp : Ingot_Op<"lookup"> {
  let summary = "table[x - lowest] for 8-bit integer x";
  let description = [{
    Each element of an 8-bit integer tensor picks one of the 256 entries of
    `table` (entry 0 for the type's lowest value). ingot-lookup-tables
    writes it for a chain of elementwise ops whose only varying input is
    one 8-bit value: the chain computed at compile time for every value it
    can take.

    ```mlir
    %y = ingot.lookup %q {table = dense<[...]> : tensor<256xf32>}
        : (tensor<1x8x4x4xui8>) -> tensor<1x8x4x4xf32>
    ```
  }];
  let arguments = (ins Ingot_IntTensor:$input, ElementsAttr:$table);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}

def Ingot_ClipOp : Ingot_Op<"clip"> {
  let summary = "min(max(x, min), max) with scalar bounds";
  let description = [{
    Both bounds are operands (rank-0 or one-element tensors of the input's
    element type); the importer materializes the type's extremes where the
    model leaves one out.
  }];
  let arguments = (ins Ingot_Tensor:$input, Ingot_Tensor:$min, Ingot_Tensor:$max);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}

// Broadcasting binary ops.
def Ingot_AddOp : Ingot_BinaryOp<"add", Ingot_Tensor, 0, [Commutative]> { let summary = "a + b"; }
def Ingot_SubOp : Ingot_BinaryOp<"sub"> { let summary = "a - b"; }
def Ingot_MulOp : Ingot_BinaryOp<"mul", Ingot_Tensor, 0, [Commutative]> { let summary = "a * b"; }
def Ingot_DivOp : Ingot_BinaryOp<"div"> { let summary = "a / b (integer division truncates)"; }
def Ingot_PowOp : Ingot_BinaryOp<"pow"> { let summary = "a ^ b"; }
def Ingot_MinOp : Ingot_BinaryOp<"min", Ingot_Tensor, 0, [Commutative]> { let summary = "min(a, b)"; }
def Ingot_MaxOp : Ingot_BinaryOp<"max", Ingot_Tensor, 0, [Commutative]> { let summary = "max(a, b)"; }
def Ingot_AndOp : Ingot_BinaryOp<"and", Ingot_BoolTensor, 0, [Commutative]> { let summary = "a && b"; }
def Ingot_OrOp : Ingot_BinaryOp<"or", Ingot_BoolTensor, 0, [Commutative]> { let summary = "a || b"; }
def Ingot_XorOp : Ingot_BinaryOp<"xor", Ingot_BoolTensor, 0, [Commutative]> { let summary = "a != b"; }
def Ingot_EqualOp : Ingot_BinaryOp<"equal", Ingot_Tensor, 1, [Commutative]> { let summary = "a == b"; }
def Ingot_LessOp : Ingot_BinaryOp<"less", Ingot_Tensor, 1> { let summary = "a < b"; }
def Ingot_LessOrEqualOp : Ingot_BinaryOp<"less_or_equal", Ingot_Tensor, 1> { let summary = "a <= b"; }
def Ingot_GreaterOp : Ingot_BinaryOp<"greater", Ingot_Tensor, 1> { let summary = "a > b"; }
def Ingot_GreaterOrEqualOp : Ingot_BinaryOp<"greater_or_equal", Ingot_Tensor, 1> { let summary = "a >= b"; }

def Ingot_WhereOp : Ingot_Op<"where"> {
  let summary = "condition ? a : b, broadcasting all three";
  let arguments = (ins Ingot_BoolTensor:$condition, Ingot_Tensor:$lhs, Ingot_Tensor:$rhs);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}

// Linear quantization. Scale and zero point broadcast against the input as
// a binary op's operand would: one value (per tensor), or a shape with the
// quantized axis's size and 1 elsewhere (per axis; the importer reshapes
// ONNX's 1-D per-axis parameters so). Neither op folds on its own:
// ingot-quantize decides what happens to the quantized weights.
def Ingot_QuantizeLinearOp : Ingot_Op<"quantize_linear"> {
  let summary = "saturate(round_half_even(x / scale) + zero_point)";
  let description = [{
    The result has the zero point's integer type and saturates to its range.
    The division and rounding are done in FP32, as ONNX Runtime does.

    ```mlir
    %q = ingot.quantize_linear %x, %scale, %zp
        : (tensor<1x8x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x8x4x4xui8>
    ```
  }];
  let arguments = (ins Ingot_FloatTensor:$input, Ingot_FloatTensor:$scale,
                       Ingot_IntTensor:$zero_point);
  let results = (outs Ingot_IntTensor:$output);
}

def Ingot_DequantizeLinearOp : Ingot_Op<"dequantize_linear"> {
  let summary = "(x - zero_point) * scale";
  let description = [{
    The result has the scale's float type; the difference is exact in
    integers, then converted and multiplied in FP32.
  }];
  let arguments = (ins Ingot_IntTensor:$input, Ingot_FloatTensor:$scale,
                       Ingot_IntTensor:$zero_point);
  let results = (outs Ingot_FloatTensor:$output);
}

#endif // INGOT_ELEMENTWISE_OPS_TD
