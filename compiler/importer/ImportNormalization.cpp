//===- ImportNormalization.cpp - Layer and RMS normalizations -------------===//
//
// The normalizations over the trailing dimensions that transformers use:
//   - LayerNormalization: ingot.layer_norm (a kernel of its own), with the
//     optional Mean and InvStdDev outputs computed beside it;
//   - RMSNormalization (opset 23) and onnxruntime's
//   SimplifiedLayerNormalization:
//     x / sqrt(mean(x^2) + epsilon) * scale, decomposed into a reduction and
//     elementwise ops that ingot-fuse stitches into one kernel;
//   - com.microsoft SkipLayerNormalization and SkipSimplifiedLayerNormalization
//     (onnxruntime's transformer optimizer writes them): the residual sum
//     input + skip (+ bias), then the normalization; the sum is an optional
//     output of its own.
// Statistics are computed in f32 (stash_type 1) whatever the input type.
//
//===----------------------------------------------------------------------===//
#include "compiler/importer/ImportContext.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::importer;

/// onnxruntime's default epsilon of the Skip*LayerNormalization ops.
static constexpr float kSkipNormEpsilon = 1e-12f;

/// The dimensions [axis, rank) that a normalization reduces over.
static FailureOr<SmallVector<int64_t>> normalizedAxes(NodeContext &nc, Value x,
                                                      int64_t axis) {
  std::optional<int64_t> rank = NodeContext::rankOf(x);
  if (!rank)
    return nc.error() << "the input must be ranked";
  int64_t first = axis < 0 ? axis + *rank : axis;
  if (first < 0 || first >= *rank)
    return nc.error() << "axis " << axis << " is out of range for rank "
                      << *rank;
  SmallVector<int64_t> axes;
  for (int64_t i = first; i < *rank; ++i)
    axes.push_back(i);
  return axes;
}

static LogicalResult requireFloatStash(NodeContext &nc) {
  if (nc.getInt("stash_type", 1) != 1)
    return nc.error() << "only stash_type=1 (float) is supported";
  return success();
}

/// mean(x) and 1/sqrt(var(x) + epsilon) of f32 `x` over `axes` (kept as 1s).
static std::pair<Value, Value> meanAndInvStdDev(OpSequence &s, NodeContext &nc,
                                                Value x, ArrayRef<int64_t> axes,
                                                float epsilon) {
  SmallVector<NamedAttribute> reduce = {namedI64Array(nc.b, "axes", axes),
                                        namedBool(nc.b, "keepdims", true)};
  Value mean = s.make<ReduceMeanOp>({x}, reduce);
  Value centered = s.make<SubOp>({x, mean});
  Value variance =
      s.make<ReduceMeanOp>({s.make<MulOp>({centered, centered})}, reduce);
  Value shifted =
      s.make<AddOp>({variance, nc.constFloat(nc.b.getF32Type(), epsilon)});
  return {mean, s.make<ReciprocalOp>({s.make<SqrtOp>({shifted})})};
}

/// 1/sqrt(mean(x^2) + epsilon) of f32 `x` over `axes` (kept as 1s).
static Value invRootMeanSquare(OpSequence &s, NodeContext &nc, Value x,
                               ArrayRef<int64_t> axes, float epsilon) {
  Value meanSquare = s.make<ReduceMeanOp>(
      {s.make<MulOp>({x, x})},
      {namedI64Array(nc.b, "axes", axes), namedBool(nc.b, "keepdims", true)});
  Value shifted =
      s.make<AddOp>({meanSquare, nc.constFloat(nc.b.getF32Type(), epsilon)});
  return s.make<ReciprocalOp>({s.make<SqrtOp>({shifted})});
}

/// x * invRms * scale in f32, returned in x's type; also the f32 invRms.
static std::pair<Value, Value> rmsNormalize(OpSequence &s, NodeContext &nc,
                                            Value x, Value scale,
                                            ArrayRef<int64_t> axes,
                                            float epsilon) {
  Type f32 = nc.b.getF32Type();
  Value xs = s.castTo(x, f32);
  Value inv = invRootMeanSquare(s, nc, xs, axes, epsilon);
  Value y = s.make<MulOp>({s.make<MulOp>({xs, inv}), s.castTo(scale, f32)});
  return {s.castTo(y, NodeContext::elementTypeOf(x)), inv};
}

/// LayerNormalization. The optional Mean and InvStdDev outputs (used by
/// training graphs and the ONNX tests) are computed beside the fused op from
/// the same definition, in the stash type (f32).
static LogicalResult importLayerNorm(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0), scale = nc.requiredInput(1);
  if (failed(x) || failed(scale))
    return failure();
  int64_t axis = nc.getInt("axis", -1);
  float epsilon = nc.getFloat("epsilon", 1e-5f);
  SmallVector<Value> operands = {*x, *scale};
  if (Value b = nc.input(2))
    operands.push_back(b);
  FailureOr<Value> y = nc.createValue<LayerNormOp>(
      operands,
      {namedI64(nc.b, "axis", axis), namedF32(nc.b, "epsilon", epsilon)});
  if (failed(y))
    return failure();
  nc.outputs.assign({*y});
  if (!nc.hasOutput(1) && !nc.hasOutput(2))
    return success();
  FailureOr<SmallVector<int64_t>> axes = normalizedAxes(nc, *x, axis);
  if (failed(axes) || failed(requireFloatStash(nc)))
    return failure();
  OpSequence s(nc);
  auto [mean, invStdDev] =
      meanAndInvStdDev(s, nc, s.castTo(*x, nc.b.getF32Type()), *axes, epsilon);
  if (s.failed())
    return failure();
  nc.outputs.append({mean, invStdDev});
  return success();
}

/// RMSNormalization (opset 23) and SimplifiedLayerNormalization (whose
/// second output is the inverse root mean square).
static LogicalResult importRmsNorm(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0), scale = nc.requiredInput(1);
  if (failed(x) || failed(scale) || failed(requireFloatStash(nc)))
    return failure();
  FailureOr<SmallVector<int64_t>> axes =
      normalizedAxes(nc, *x, nc.getInt("axis", -1));
  if (failed(axes))
    return failure();
  OpSequence s(nc);
  auto [y, inv] =
      rmsNormalize(s, nc, *x, *scale, *axes, nc.getFloat("epsilon", 1e-5f));
  if (s.failed())
    return failure();
  nc.outputs.assign({y, inv});
  return success();
}

/// com.microsoft SkipLayerNormalization (input, skip, gamma, beta, bias) and
/// SkipSimplifiedLayerNormalization (input, skip, gamma, bias): outputs
/// y, mean, inverse standard deviation (or RMS), input + skip + bias.
static LogicalResult importSkipNorm(NodeContext &nc, bool simplified) {
  FailureOr<Value> x = nc.requiredInput(0), skip = nc.requiredInput(1),
                   gamma = nc.requiredInput(2);
  if (failed(x) || failed(skip) || failed(gamma))
    return failure();
  Value beta = simplified ? Value() : nc.input(3);
  Value bias = nc.input(simplified ? 3 : 4);
  if (simplified && nc.hasOutput(1))
    return nc.error() << "output 1 (mean) is not defined for the simplified "
                         "(RMS) normalization";
  float epsilon = nc.getFloat("epsilon", kSkipNormEpsilon);
  FailureOr<SmallVector<int64_t>> axes = normalizedAxes(nc, *x, -1);
  if (failed(axes))
    return failure();
  OpSequence s(nc);
  Value sum = s.make<AddOp>({*x, *skip});
  if (bias)
    sum = s.make<AddOp>({sum, bias});
  Value y, mean, inv;
  if (simplified) {
    std::tie(y, inv) = rmsNormalize(s, nc, sum, *gamma, *axes, epsilon);
  } else {
    SmallVector<Value> operands = {sum, *gamma};
    if (beta)
      operands.push_back(beta);
    y = s.make<LayerNormOp>(operands, {namedI64(nc.b, "axis", -1),
                                       namedF32(nc.b, "epsilon", epsilon)});
    if (nc.hasOutput(1) || nc.hasOutput(2))
      std::tie(mean, inv) = meanAndInvStdDev(
          s, nc, s.castTo(sum, nc.b.getF32Type()), *axes, epsilon);
  }
  if (s.failed())
    return failure();
  nc.outputs.assign({y, mean, inv, sum});
  return success();
}

void importer::addNormalizationHandlers(std::vector<HandlerEntry> &t) {
  t.push_back({"LayerNormalization", importLayerNorm});
  t.push_back({"RMSNormalization", importRmsNorm});
  // onnxruntime registers it in the default domain; some exporters write
  // com.microsoft.
  t.push_back({"SimplifiedLayerNormalization", importRmsNorm});
  t.push_back({"com.microsoft.SimplifiedLayerNormalization", importRmsNorm});
  t.push_back({"com.microsoft.SkipLayerNormalization",
               [](NodeContext &nc) { return importSkipNorm(nc, false); }});
  t.push_back({"com.microsoft.SkipSimplifiedLayerNormalization",
               [](NodeContext &nc) { return importSkipNorm(nc, true); }});
}
