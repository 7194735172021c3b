//===- Passes.td - Ingot front-end passes ---------------------*- tablegen -*-===//
#ifndef INGOT_PASSES_TD
#define INGOT_PASSES_TD

include "mlir/Pass/PassBase.td"

def IngotInferShapesPass : Pass<"ingot-infer-shapes", "func::FuncOp"> {
  let summary = "Refine result types from each op's type inference, folding as it goes";
  let description = [{
    Asks every op for its inferred result types and adopts them where they are
    more static than the written ones, folding constants in the same sweep so
    that run-time shape computations (Shape -> Gather -> Concat -> Reshape)
    collapse and their consumers become static. Repeats to a fixed point and
    updates the function's result types.

    ```mlir
    %0 = ingot.relu %arg0 : (tensor<1x3xf32>) -> tensor<?x?xf32>
    // becomes
    %0 = ingot.relu %arg0 : (tensor<1x3xf32>) -> tensor<1x3xf32>
    ```
  }];
  let dependentDialects = ["::mlir::ingot::IngotDialect"];
}

def IngotFoldConstantsPass : Pass<"ingot-fold-constants", "func::FuncOp"> {
  let summary = "Fold ops whose operands are all constants";
  let description = [{
    Evaluates ops on constant operands (up to 65536 result elements) and
    replaces them with `ingot.constant`; identity-like ops fold to their
    operand. Reshape-like ops on blob-backed weights share the blob.
  }];
  let dependentDialects = ["::mlir::ingot::IngotDialect"];
}

def IngotDeadCodeElimPass : Pass<"ingot-dce", "func::FuncOp"> {
  let summary = "Erase side-effect-free ops whose results are unused";
  let description = [{
    Walks each function backwards and erases pure ops with no uses, so the
    leftovers of folding (dead constants and shape computations) disappear.
  }];
}

def IngotVerifyStaticPass : Pass<"ingot-verify-static", "func::FuncOp"> {
  let summary = "Require fully static shapes and no leftover shape computations";
  let description = [{
    Fails, naming each offending value, when a function argument, an op result
    or a function result has a dynamic or unranked type, or when a shape
    computation (ingot.shape, ingot.constant_of_shape, ingot.range) is left.
    Run after the front end when every model input is bound.
  }];
}

def IngotInferSymbolicShapesPass
    : Pass<"ingot-infer-symbolic-shapes", "func::FuncOp"> {
  let summary = "Give every tensor its sizes in the function's symbolic dims";
  let description = [{
    For a function compiled for a range of shapes (attribute
    `ingot.dim_ranges`, `{N = array<i64: MIN, MAX, OPT>}`, and each
    argument's `ingot.dim_params` naming its dims), infers every tensor's
    sizes as expressions of the named dims, following shape computations
    (Shape, Gather, Concat, integer arithmetic) into Reshape, Expand and
    ConstantOfShape. Dims that must agree are unified (M == N, the ranges
    intersected); a size that depends on the dims where the type fixes it,
    or a window that does not fit the smallest size, is an error on the op.
    With `annotate`, each op gets `ingot.sizes` (its result's sizes as text)
    and the function `ingot.dim_constraints`, for tests and --emit=mlir.
    A function without `ingot.dim_ranges` is left alone.

    ```mlir
    func.func @f(%x: tensor<?x768xf32> {ingot.dim_params = ["N", ""]})
        attributes {ingot.dim_ranges = {N = array<i64: 1, 32, 8>}} {
      %s = ingot.constant dense<[-1, 12, 64]> : tensor<3xi64>
      %r = ingot.reshape %x, %s  // {ingot.sizes = "[N, 12, 64]"}
    ```
  }];
  let options = [
    Option<"annotate", "annotate", "bool", /*default=*/"false",
           "Attach the inferred sizes to each op as text">,
  ];
}

def IngotQuantizePass : Pass<"ingot-quantize", "func::FuncOp"> {
  let summary = "Quantize with calibrated ranges; dequantized constant weights";
  let description = [{
    With `calibration-table`, post-training quantization: every convolution
    (except those with fewer than 32 inputs per output, such as an RGB
    first layer, and grouped or depthwise ones: no faster in integers),
    GEMM and matmul with constant weights whose ONNX node has a range in the
    table (and is not in `skip`) gets its activation input quantized to
    uint8 (asymmetric, per tensor, from the range widened to include 0) and
    its weights to int8 (symmetric, per output channel), as
    quantize/dequantize pairs: the same graph a QDQ model imports to. Other
    ops (softmax, normalizations, activations, matmuls of two activations)
    stay in float.

    Always: `dequantize_linear` of constant operands (a QDQ model's int8
    weights, a QLinearConv's shifted weights, the weights quantized here)
    becomes a float constant, computed once with the kernels' FP32
    arithmetic, so that batch-norm folding, layout and precision see
    constant weights; a `quantize_linear` of a `dequantize_linear` with
    the same scale, zero point and type is the integer value itself; and
    with a nearest resize, a transpose or a reshape between them, that op
    moves the integers instead.

    With `integer-kernels` (the CPU target): a convolution between a
    dequantized 8-bit activation (per-tensor scale and zero point) and
    dequantized constant int8 weights (symmetric, per tensor or per output
    channel) becomes `ingot.conv_integer` on the integers, followed by a
    `dequantize_linear` with the product of the scales and the bias: the
    epilogue of an int32-accumulating library call (convolutions with
    fewer than 32 inputs per output, such as an RGB first layer, and
    grouped or depthwise ones stay in float: faster there, the same
    sums). Matmuls and GEMMs with such weights become the same op, a
    channels-last 1-d convolution over their rows.

    With `gpu-integer-gemms` (the CUDA target) instead, on signed int8
    activations (uint8 q is requantized to q - 128, zero point z - 128),
    input and output channels in multiples of 4:
    - the ops that are one int8 GEMM, as cuBLASLt runs it (pointwise
      convolutions with unit strides and no padding, matmuls and GEMMs),
      become `ingot.conv_integer` with zero point 0; the activation zero
      point's share of the sums, z * sum(w) per output channel, is
      subtracted in int32 before the dequantization;
    - other dense 1-d and 2-d convolutions without dilation and with
      symmetric padding, where the activation's int8 zero point is 0
      (cuDNN pads with 0), become
      `ingot.conv_integer` with `float_sums` (cuDNN's int8 convolutions
      write FP32), scaled by a multiply.
    The others stay in float, marked with an `ingot.float_reason`
    attribute that `ingotc --stats` reports. `symmetric-activations`
    quantizes activations to int8 with zero point 0: `windows` (ingotc's
    default for CUDA) those of the convolutions cuDNN would run, so that
    they can run in int8 (the others keep uint8's full range for one-sided
    data); `all` every one.

    Table format: one `NODE MIN MAX` line per quantized op (the FP32 range
    of its activation input); `#` starts a comment.
  }];
  let options = [
    Option<"calibrationTable", "calibration-table", "std::string", "\"\"",
           "file of NODE MIN MAX lines: quantize those ops">,
    ListOption<"skip", "skip", "std::string",
               "ONNX node names that stay in float">,
    Option<"integerKernels", "integer-kernels", "bool", "false",
           "rewrite quantized convolutions, matmuls and GEMMs to "
           "ingot.conv_integer (the CPU's int8 kernels)">,
    Option<"gpuIntegerGemms", "gpu-integer-gemms", "bool", "false",
           "the CUDA form: int8 GEMMs (cuBLASLt) and convolutions with "
           "FP32 sums (cuDNN) on signed activations">,
    Option<"symmetricActivations", "symmetric-activations", "std::string",
           "\"none\"",
           "with calibration-table, which activations are int8 with zero "
           "point 0 (scale max(|min|, |max|) / 127) instead of asymmetric "
           "uint8: none, windows (convolutions that are not one GEMM) or "
           "all">,
  ];
  let dependentDialects = ["::mlir::ingot::IngotDialect"];
}

def IngotLookupTablesPass : Pass<"ingot-lookup-tables", "func::FuncOp"> {
  let summary = "Elementwise chains on one 8-bit value become table lookups";
  let description = [{
    From each 8-bit integer value q, the elementwise ops computed from q and
    scalar constants alone (a QDQ model's dequantize -> op -> quantize ->
    ... around every activation) form a chain; each of its values used
    outside the chain becomes `ingot.lookup` of q with a 256-entry table,
    the chain evaluated at compile time by the constant folder for every
    value q can take, where the ops replaced cost more than a lookup (at
    least a quantization, division or transcendental function and two more
    ops). The replaced ops are left dead (ingot-dce removes them).
  }];
  let dependentDialects = ["::mlir::ingot::IngotDialect"];
}

def IngotFoldBatchNormPass : Pass<"ingot-fold-batch-norm", "func::FuncOp"> {
  let summary = "Fold inference batch normalization into the preceding convolution";
  let description = [{
    `batch_norm(conv(x, W, b), gamma, beta, mean, var)` with constant
    parameters becomes `conv(x, W', b')` with the per-channel scale
    gamma / sqrt(var + eps) folded into the weights and bias.
  }];
  let dependentDialects = ["::mlir::ingot::IngotDialect"];
}

def IngotFuseAttentionPass : Pass<"ingot-fuse-attention", "func::FuncOp"> {
  let summary = "Rewrite matmul-softmax-matmul attention subgraphs to ingot.attention";
  let description = [{
    Finds `matmul(softmax(mask(scale(matmul(q, kT)))), v)` on static 4-D
    [batch, heads, sequence, head size] tensors, as exporters write
    attention: the scale a Mul or Div by a scalar constant on the scores
    or on q and kT (or none), the mask an Add of a float tensor or
    `where(mask, scores, fill)` with a boolean one (or none), the softmax
    over the last axis. The chain becomes one `ingot.attention`; kT's
    transpose is folded into k's, and a transpose(0, 2, 1, 3) of the
    result into `transpose_output`. Intermediates with other users stop
    the match (they would be computed anyway).
  }];
  let dependentDialects = ["::mlir::ingot::IngotDialect"];
}

def IngotMergeSiblingMatmulsPass : Pass<"ingot-merge-sibling-matmuls", "func::FuncOp"> {
  let summary = "One matmul for several constant-weight matmuls of one input";
  let description = [{
    `x · W1 (+ b1)`, `x · W2 (+ b2)`, ... with constant [K, N_i] weights
    (a transformer's q, k and v projections) become one `x · [W1 W2 ...]
    (+ [b1 b2 ...])` and a slice of its last axis per original result: one
    GEMM launch instead of several, each reading x. Only where every user
    reads the slices in place (attention and loop regions, through index
    remapping); a slice feeding a library call would be a copy. Biases are
    merged when every matmul has its own.
  }];
  let dependentDialects = ["::mlir::ingot::IngotDialect"];
}

def IngotFusePass : Pass<"ingot-fuse", "func::FuncOp"> {
  let summary = "Group ops into fusion regions (loop, reduction, library, attention)";
  let description = [{
    Every op but constants ends up in exactly one `ingot.fusion` region,
    which becomes one kernel:
    - GEMM and convolution start a `library` region that also takes the
      chain of elementwise ops on their result (bias, activation, residual)
      as an epilogue, including diamonds where the chain splits and meets
      again with one value leaving (hard-swish: x * clip(x + 3, 0, 6) / 6);
    - reductions (reduce_*, softmax, layer_norm, global pooling) start a
      `reduction` region;
    - everything else starts a `loop` region.
    A region then absorbs the elementwise and index-remapping producers of
    its ops whose every user is in the region (so nothing is computed twice),
    except into the operands of library calls and windowed ops (pooling,
    linear resize), which read memory. `ingot.split` is first rewritten to
    slices. Small constants (up to 16 elements) are copied into the regions
    that use them, except as operands of library calls; larger ones stay
    outside as inputs.

    A library epilogue keeps its element type, except with
    `type-changing-epilogues` (the host: its epilogues compute the library
    result into scratch and store another type, e.g. quantize to uint8) and
    after an integer convolution, whose int32 sums are always converted.

    With `row-epilogues` (the host), a layer norm or softmax over the last
    dimension of a GEMM's result (after its elementwise epilogue: the bias
    and residual of a transformer's projection) joins the library region as
    its root: the row is normalized as the epilogue writes it, one step
    instead of two.
  }];
  let options = [
    Option<"typeChangingEpilogues", "type-changing-epilogues", "bool", "false",
           "library epilogues may change the element type (host code)">,
    Option<"rowEpilogues", "row-epilogues", "bool", "false",
           "a last-dim layer norm or softmax may end a GEMM's epilogue "
           "(host code)">,
  ];
  let dependentDialects = ["::mlir::ingot::IngotDialect"];
}

def IngotAssignLayoutPass : Pass<"ingot-assign-layout", "func::FuncOp"> {
  let summary = "Run convolutions and pooling channels-last; sink and cancel transposes";
  let description = [{
    With `layout=nhwc`, every convolution and max/average pooling of rank 3
    to 5 becomes its `channels_last` form: a transpose to N[D]HWC before it,
    one back to NC[D]HW after it, and constant weights transposed to O[D]HWI
    here, at compile time. The transposes back are then sunk through what
    does not care about the layout, where they meet the next op's transpose
    and cancel:
    - elementwise ops (a constant operand is transposed at compile time, a
      broadcast operand whose permuted shape keeps its sizes in order is
      reshaped, anything else stops the sinking);
    - concat (the axis is permuted);
    - resize (its constant scales or sizes are permuted);
    - global average/max pooling (becomes reduce_mean/reduce_max over the
      spatial axes of the channels-last tensor).
    A transpose that only moves size-1 dims becomes a reshape (no copy).
    For cuda at fp16/bf16, a channels-last convolution whose input
    channels are not a multiple of 8 (an RGB first layer) gets zero
    channels appended to its input (a pad) and constant weights, as
    tensor-core kernels want 16-byte pixels.
    Inputs and outputs keep the model's layout: a transpose is left at each
    boundary, where fusion merges it into the first or last kernel if it can.
    `layout=nchw` leaves the function alone, except on `target=cuda`,
    where `ingot.conv_integer` always goes channels-last (cuBLASLt's int8
    GEMMs sum over contiguous channels). `layout=auto` picks per
    `target` and `precision`: on cuda, nhwc at fp16/bf16 (tensor-core
    convolutions run natively channels-last) and nchw at fp32/tf32; on the
    host, nhwc when the function has a depthwise convolution (the
    channels-last kernels vectorize those across channels; dense 3x3 stacks
    run faster channels-first), nchw otherwise.

    ```mlir
    %y = ingot.conv %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x8x8xf32>
    // layout=nhwc becomes
    %t = ingot.transpose %x {perm = array<i64: 0, 2, 3, 1>} : ... -> tensor<1x8x8x3xf32>
    %c = ingot.conv %t, %w_ohwi {channels_last = true} : ... -> tensor<1x8x8x4xf32>
    %y = ingot.transpose %c {perm = array<i64: 0, 3, 1, 2>} : ... -> tensor<1x4x8x8xf32>
    ```
  }];
  let options = [
    Option<"layout", "layout", "std::string", "\"auto\"",
           "auto, nchw or nhwc">,
    Option<"target", "target", "std::string", "\"host\"",
           "host or cuda: what auto decides for">,
    Option<"precision", "precision", "std::string", "\"fp32\"",
           "fp32, tf32, fp16 or bf16: what auto decides for">,
  ];
  let dependentDialects = ["::mlir::ingot::IngotDialect"];
}

def IngotAssignPrecisionPass : Pass<"ingot-assign-precision", "func::FuncOp"> {
  let summary = "Run float compute in FP16 or BF16, keeping sensitive ops in FP32";
  let description = [{
    With `precision=fp16` or `bf16`, every op computing an f32 tensor is
    retyped to the half-precision type, except:
    - ops whose results leave the half-precision range: `exp`, `log`, `pow`,
      `reduce_sum`, `reduce_prod`, and `conv_integer` with `float_sums`
      (sums of 8-bit products);
    - `quantize_linear`, `dequantize_linear` and the ops scaling
      `float_sums` compute in FP32 (a per-channel scale after an int8 GEMM
      is often below FP16's normal range), and their users take a cast of
      the result;
    - ops whose float data operands all come from FP32 ops (so a chain such
      as pow -> reduce_mean -> add(eps) -> sqrt of a decomposed layer norm
      stays FP32 until it meets half-precision data again).
    Casts are inserted where the two meet and fuse into their neighbours.
    f32 constants are converted once, here; a value beyond the type's finite
    range is clamped to it with a warning naming the op that uses it.
    Accumulation never happens in half precision: code generation computes
    every f16/bf16 value in FP32 (reductions, softmax and layer-norm
    statistics included) and rounds only when storing.

    With `io-precision=model` (the default) inputs and outputs keep the
    model's f32 (cast on entry and exit); `compute` gives them the
    half-precision type. f64 and tensors that are already f16/bf16 are left
    as they are. `fp32` and `tf32` leave the function unchanged (TF32 is a
    library setting, not a storage type).

    ```mlir
    %0 = ingot.relu %arg0 : (tensor<4xf32>) -> tensor<4xf32>
    // precision=fp16 becomes
    %c = ingot.cast %arg0 {to = f16} : (tensor<4xf32>) -> tensor<4xf16>
    %0 = ingot.relu %c : (tensor<4xf16>) -> tensor<4xf16>
    %r = ingot.cast %0 {to = f32} : (tensor<4xf16>) -> tensor<4xf32>
    ```
  }];
  let options = [
    Option<"precision", "precision", "std::string", "\"fp32\"",
           "fp32, tf32, fp16 or bf16">,
    Option<"ioPrecision", "io-precision", "std::string", "\"model\"",
           "model (keep the model's input/output types) or compute">,
  ];
  let dependentDialects = ["::mlir::ingot::IngotDialect"];
}

#endif // INGOT_PASSES_TD
