//===- NNOps.td - Ingot neural-network ops --------------------*- tablegen -*-===//
//
// Contractions (matmul, gemm, convolution), normalization, pooling, resize,
// softmax and reductions. Layouts are ONNX's (NCHW activations, OIHW
// weights) unless an op says `channels_last`, which ingot-assign-layout sets:
// then activations are N[D]HWC and weights O[D]HWI.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_NN_OPS_TD
#define INGOT_NN_OPS_TD

include "IngotBase.td"

def Ingot_MatMulOp : Ingot_Op<"matmul"> {
  let summary = "numpy matmul: batched, with broadcast batch dimensions";
  let description = [{
    1-D operands are promoted as numpy does (a leading or trailing 1 that is
    then dropped from the result).

    ```mlir
    %y = ingot.matmul %a, %b : (tensor<8x1x4x16xf32>, tensor<3x16x5xf32>) -> tensor<8x3x4x5xf32>
    ```
  }];
  let arguments = (ins Ingot_Tensor:$lhs, Ingot_Tensor:$rhs);
  let results = (outs Ingot_Tensor:$output);
}

def Ingot_GemmOp : Ingot_Op<"gemm"> {
  let summary = "alpha * op(A) * op(B) + beta * C on 2-D operands";
  let arguments = (ins Ingot_Tensor:$a, Ingot_Tensor:$b, Optional<Ingot_Tensor>:$c,
                   DefaultValuedAttr<F32Attr, "1.0">:$alpha,
                   DefaultValuedAttr<F32Attr, "1.0">:$beta,
                   DefaultValuedAttr<BoolAttr, "false">:$trans_a,
                   DefaultValuedAttr<BoolAttr, "false">:$trans_b);
  let results = (outs Ingot_Tensor:$output);
}

// Shared attributes of sliding-window ops. `pads` lists all begins, then all
// ends. `auto_pad` is NOTSET, SAME_UPPER, SAME_LOWER or VALID; a
// canonicalization replaces SAME_* with explicit pads once the spatial input
// shape is static.
def Ingot_WindowAttrs {
  dag attrs = (ins DefaultValuedAttr<StrAttr, "\"NOTSET\"">:$auto_pad,
                   OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   OptionalAttr<DenseI64ArrayAttr>:$strides,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations);
}

// Where the channels are: false is ONNX's NC[D]HW (OI[D]HW weights), true is
// N[D]HWC (O[D]HWI weights). Window attributes list spatial dims in order
// either way.
def Ingot_ChannelsLastAttr {
  dag attrs = (ins DefaultValuedAttr<BoolAttr, "false">:$channels_last);
}

def Ingot_ConvOp : Ingot_Op<"conv"> {
  let summary = "N-d grouped convolution (NC[D]HW input, OI[D]HW weights)";
  let description = [{
    With `channels_last`, input and result are N[D]HWC and the weight is
    O[D]HWI (cuDNN's KRSC), as ingot-assign-layout writes them:

    ```mlir
    %y = ingot.conv %x, %w {channels_last = true, pads = array<i64: 1, 1, 1, 1>}
        : (tensor<1x32x32x3xf32>, tensor<16x3x3x3xf32>) -> tensor<1x32x32x16xf32>
    ```
  }];
  let arguments = !con((ins Ingot_FloatTensor:$input, Ingot_FloatTensor:$weight,
                            Optional<Ingot_FloatTensor>:$bias,
                            DefaultValuedAttr<I64Attr, "1">:$group),
                       Ingot_WindowAttrs.attrs, Ingot_ChannelsLastAttr.attrs);
  let results = (outs Ingot_FloatTensor:$output);
  let hasCanonicalizer = 1;
}

def Ingot_ConvIntegerOp : Ingot_Op<"conv_integer"> {
  let summary = "8-bit integer convolution with exact int32 sums";
  let description = [{
    ONNX ConvInteger with a zero-point-free (symmetric) int8 weight:
    `y = conv(x - input_zero_point, w)`, summed in int32. The padding is the
    zero point, which stands for a real 0. ingot-quantize writes it for a
    convolution between dequantized 8-bit tensors; the scales are applied by
    the `dequantize_linear` that follows it.

    ```mlir
    %acc = ingot.conv_integer %xq, %wq {input_zero_point = 3 : i64, pads = array<i64: 1, 1, 1, 1>}
        : (tensor<1x3x8x8xui8>, tensor<4x3x3x3xi8>) -> tensor<1x4x8x8xi32>
    ```

    With `float_sums`, the same sums are returned as f32 (rounded once, as
    cuDNN's int8 convolutions write them): CUDA's form for a convolution
    with a window, which ingot-quantize writes for the GPU.
  }];
  let arguments = !con((ins TensorOf<[I8, UI8]>:$input, TensorOf<[I8]>:$weight,
                            DefaultValuedAttr<I64Attr, "0">:$input_zero_point,
                            DefaultValuedAttr<I64Attr, "1">:$group),
                       Ingot_WindowAttrs.attrs, Ingot_ChannelsLastAttr.attrs,
                       (ins DefaultValuedAttr<BoolAttr, "false">:$float_sums));
  let results = (outs TensorOf<[I32, F32]>:$output);
}

def Ingot_ConvTransposeOp : Ingot_Op<"conv_transpose"> {
  let summary = "N-d transposed (fractionally strided) convolution";
  let description = [{
    Weights are C x (M / group) x k... as in ONNX. `output_shape`, when given,
    fixes the spatial output size and implies the padding.
  }];
  let arguments = !con((ins Ingot_FloatTensor:$input, Ingot_FloatTensor:$weight,
                            Optional<Ingot_FloatTensor>:$bias,
                            DefaultValuedAttr<I64Attr, "1">:$group,
                            OptionalAttr<DenseI64ArrayAttr>:$output_padding,
                            OptionalAttr<DenseI64ArrayAttr>:$output_shape),
                       Ingot_WindowAttrs.attrs);
  let results = (outs Ingot_FloatTensor:$output);
}

def Ingot_BatchNormOp : Ingot_Op<"batch_norm"> {
  let summary = "inference batch normalization over the channel axis (1)";
  let arguments = (ins Ingot_FloatTensor:$input, Ingot_FloatTensor:$scale,
                   Ingot_FloatTensor:$bias, Ingot_FloatTensor:$mean,
                   Ingot_FloatTensor:$variance,
                   DefaultValuedAttr<F32Attr, "1e-5">:$epsilon);
  let results = (outs Ingot_FloatTensor:$output);
}

def Ingot_MaxPoolOp : Ingot_Op<"max_pool"> {
  let summary = "N-d max pooling (values only; no indices output)";
  let arguments = !con((ins Ingot_Tensor:$input,
                            DefaultValuedAttr<BoolAttr, "false">:$ceil_mode),
                       Ingot_WindowAttrs.attrs, Ingot_ChannelsLastAttr.attrs);
  let results = (outs Ingot_Tensor:$output);
  let hasCanonicalizer = 1;
}

def Ingot_AveragePoolOp : Ingot_Op<"average_pool"> {
  let summary = "N-d average pooling";
  let arguments = !con((ins Ingot_FloatTensor:$input,
                            DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                            DefaultValuedAttr<BoolAttr, "false">:$count_include_pad),
                       Ingot_WindowAttrs.attrs, Ingot_ChannelsLastAttr.attrs);
  let results = (outs Ingot_FloatTensor:$output);
  let hasCanonicalizer = 1;
}

def Ingot_GlobalAveragePoolOp : Ingot_Op<"global_average_pool"> {
  let summary = "mean over all spatial dimensions, kept as size 1";
  let arguments = (ins Ingot_FloatTensor:$input);
  let results = (outs Ingot_FloatTensor:$output);
}

def Ingot_GlobalMaxPoolOp : Ingot_Op<"global_max_pool"> {
  let summary = "max over all spatial dimensions, kept as size 1";
  let arguments = (ins Ingot_Tensor:$input);
  let results = (outs Ingot_Tensor:$output);
}

def Ingot_ResizeOp : Ingot_Op<"resize"> {
  let summary = "nearest / linear / cubic resampling";
  let description = [{
    Exactly one of `scales` (f32, one per dimension) and `sizes` (i64, one per
    dimension) is non-empty; the other is an empty tensor, as in ONNX.
    `mode` is nearest, linear or cubic; the coordinate transformation and
    nearest rounding modes are ONNX's.
  }];
  let arguments = (ins Ingot_Tensor:$input, TensorOf<[F32]>:$scales,
                   Ingot_ShapeTensor:$sizes,
                   DefaultValuedAttr<StrAttr, "\"nearest\"">:$mode,
                   DefaultValuedAttr<StrAttr, "\"half_pixel\"">:$coordinate_transformation_mode,
                   DefaultValuedAttr<StrAttr, "\"round_prefer_floor\"">:$nearest_mode,
                   DefaultValuedAttr<F32Attr, "-0.75">:$cubic_coeff_a,
                   DefaultValuedAttr<BoolAttr, "false">:$exclude_outside);
  let results = (outs Ingot_Tensor:$output);
}

class Ingot_SoftmaxBase<string mnemonic> : Ingot_Op<mnemonic> {
  let arguments = (ins Ingot_FloatTensor:$input,
                   DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Ingot_FloatTensor:$output);
}
def Ingot_SoftmaxOp : Ingot_SoftmaxBase<"softmax"> {
  let summary = "softmax along one axis (ONNX opset 13 semantics)";
}
def Ingot_LogSoftmaxOp : Ingot_SoftmaxBase<"log_softmax"> {
  let summary = "log of softmax along one axis (ONNX opset 13 semantics)";
}

def Ingot_LayerNormOp : Ingot_Op<"layer_norm"> {
  let summary = "normalization over the dimensions from `axis` on";
  let arguments = (ins Ingot_FloatTensor:$input, Ingot_FloatTensor:$scale,
                   Optional<Ingot_FloatTensor>:$bias,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<F32Attr, "1e-5">:$epsilon);
  let results = (outs Ingot_FloatTensor:$output);
}

def Ingot_AttentionOp : Ingot_Op<"attention"> {
  let summary = "scaled dot-product attention: softmax(q k^T * scale + mask) v";
  let description = [{
    `q` is [B, Hq, Sq, D], `k` is [B, Hkv, Sk, D], `v` is [B, Hkv, Sk, Dv];
    query head h reads key/value head h / (Hq / Hkv) (grouped heads). The
    optional `mask` broadcasts to [B, Hq, Sq, Sk]: a float mask is added to
    the scaled scores, a boolean one keeps the scores where it is true (the
    others become `mask_fill`, -inf unless a model's where(mask, scores,
    fill) said otherwise). `causal` also masks key j > i + `causal_offset`
    for query i (the offset is the number of earlier positions, as a past
    key/value cache holds: Sk - Sq when the queries are the last positions).
    The softmax runs over the keys in FP32; a query whose every key is
    masked to -inf gets 0 (not the NaN of a softmax over -inf alone), as
    ONNX's Attention specifies.

    The result is [B, Hq, Sq, Dv], or with `transpose_output` [B, Sq, Hq, Dv]
    (heads next to the head dim, as a model transposes them back before its
    output projection; writing them there saves that copy).

    ingot-fuse-attention writes it for the matmul-softmax-matmul subgraph
    exporters emit; the importer for the Attention ops. Fusion gives it a
    region of kind `attention`, computed without the Sq x Sk score matrix.

    ```mlir
    %o = ingot.attention %q, %k, %v, %mask {scale = 1.250000e-01 : f32}
        : (tensor<1x12x128x64xf32>, tensor<1x12x128x64xf32>, tensor<1x12x128x64xf32>, tensor<1x1x1x128xf32>) -> tensor<1x12x128x64xf32>
    ```
  }];
  let arguments = (ins Ingot_FloatTensor:$q, Ingot_FloatTensor:$k,
                   Ingot_FloatTensor:$v,
                   Optional<AnyTypeOf<[Ingot_FloatTensor, Ingot_BoolTensor]>>:$mask,
                   F32Attr:$scale,
                   DefaultValuedAttr<BoolAttr, "false">:$causal,
                   DefaultValuedAttr<I64Attr, "0">:$causal_offset,
                   DefaultValuedAttr<F32Attr, "-INFINITY">:$mask_fill,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_output);
  let results = (outs Ingot_FloatTensor:$output);
}

// Reductions. An absent `axes` reduces every dimension, unless
// `noop_with_empty_axes` is set, in which case the op is the identity.
class Ingot_ReduceOp<string mnemonic, string summary_> : Ingot_Op<mnemonic> {
  let summary = summary_;
  let arguments = (ins Ingot_Tensor:$input,
                   OptionalAttr<DenseI64ArrayAttr>:$axes,
                   DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                   DefaultValuedAttr<BoolAttr, "false">:$noop_with_empty_axes);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}
def Ingot_ReduceMeanOp : Ingot_ReduceOp<"reduce_mean", "mean over `axes`">;
def Ingot_ReduceSumOp : Ingot_ReduceOp<"reduce_sum", "sum over `axes`">;
def Ingot_ReduceMaxOp : Ingot_ReduceOp<"reduce_max", "max over `axes`">;
def Ingot_ReduceMinOp : Ingot_ReduceOp<"reduce_min", "min over `axes`">;
def Ingot_ReduceProdOp : Ingot_ReduceOp<"reduce_prod", "product over `axes`">;

#endif // INGOT_NN_OPS_TD
