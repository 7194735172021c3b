//===- NNOps.cpp - Inference, folding and canonicalization of NN ops ------===//
#include "dialects/ingot/HostTensor.h"
#include "dialects/ingot/InferenceUtils.h"
#include "dialects/ingot/IngotOps.h"
#include "dialects/ingot/Layout.h"
#include "dialects/ingot/WindowSizes.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::util;

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  FailureOr<Type> element = commonElementType(
      loc, {adaptor.getLhs().getType(), adaptor.getRhs().getType()},
      "ingot.matmul");
  if (failed(element))
    return failure();
  std::optional<Dims> a = getDims(adaptor.getLhs().getType());
  std::optional<Dims> b = getDims(adaptor.getRhs().getType());
  if (!a || !b)
    return pushResult(results, std::nullopt, *element);
  if (a->empty() || b->empty())
    return emitOptionalError(loc,
                             "'ingot.matmul' operands must have rank >= 1");
  bool vecA = a->size() == 1, vecB = b->size() == 1;
  Dims pa = vecA ? Dims{1, (*a)[0]} : *a;
  Dims pb = vecB ? Dims{(*b)[0], 1} : *b;
  int64_t ka = pa.back(), kb = pb[pb.size() - 2];
  if (ka != kDyn && kb != kDyn && ka != kb)
    return emitOptionalError(loc, "'ingot.matmul' contraction sizes differ: ",
                             formatDims(*a), " x ", formatDims(*b));
  std::optional<Dims> batch;
  if (failed(broadcastDims(
          loc, {Dims(pa.begin(), pa.end() - 2), Dims(pb.begin(), pb.end() - 2)},
          batch)))
    return failure();
  Dims out = *batch;
  if (!vecA)
    out.push_back(pa[pa.size() - 2]);
  if (!vecB)
    out.push_back(pb.back());
  return pushResult(results, out, *element);
}

LogicalResult GemmOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  SmallVector<Type> types = {adaptor.getA().getType(),
                             adaptor.getB().getType()};
  if (adaptor.getC())
    types.push_back(adaptor.getC().getType());
  FailureOr<Type> element = commonElementType(loc, types, "ingot.gemm");
  if (failed(element))
    return failure();
  std::optional<Dims> a = getDims(types[0]), b = getDims(types[1]);
  if (!a || !b)
    return pushResult(results, std::nullopt, *element);
  if (a->size() != 2 || b->size() != 2)
    return emitOptionalError(loc,
                             "'ingot.gemm' operands A and B must be 2-D, got ",
                             formatDims(*a), " and ", formatDims(*b));
  int64_t m = adaptor.getTransA() ? (*a)[1] : (*a)[0];
  int64_t ka = adaptor.getTransA() ? (*a)[0] : (*a)[1];
  int64_t kb = adaptor.getTransB() ? (*b)[1] : (*b)[0];
  int64_t n = adaptor.getTransB() ? (*b)[0] : (*b)[1];
  if (ka != kDyn && kb != kDyn && ka != kb)
    return emitOptionalError(
        loc, "'ingot.gemm' contraction sizes differ: K=", ka, " vs K=", kb);
  Dims out = {m, n};
  if (adaptor.getC()) {
    std::optional<Dims> c = getDims(adaptor.getC().getType());
    std::optional<Dims> bc;
    if (failed(broadcastDims(loc, {c, out}, bc)))
      return failure();
    if (bc && bc->size() != 2)
      return emitOptionalError(loc, "'ingot.gemm' C ", formatDims(*c),
                               " does not broadcast to [M, N]");
  }
  return pushResult(results, out, *element);
}

//===----------------------------------------------------------------------===//
// Sliding windows: convolution and pooling
//===----------------------------------------------------------------------===//

namespace {
struct Window {
  Dims kernel, strides, dilations, padsBegin, padsEnd;
  StringRef autoPad;
};
} // namespace

static bool isSamePad(StringRef autoPad) {
  return autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
}

/// Checks the window attributes of an op with `spatial` spatial dims and fills
/// in ONNX defaults. `weightKernel` is the kernel size taken from the weights
/// (convolutions), which `kernel_shape` must agree with.
static FailureOr<Window>
resolveWindow(std::optional<Location> loc, StringRef opName, int64_t spatial,
              StringRef autoPad, std::optional<ArrayRef<int64_t>> kernelShape,
              std::optional<ArrayRef<int64_t>> pads,
              std::optional<ArrayRef<int64_t>> strides,
              std::optional<ArrayRef<int64_t>> dilations,
              std::optional<Dims> weightKernel) {
  Window w;
  w.autoPad = autoPad;
  if (autoPad != "NOTSET" && autoPad != "VALID" && !isSamePad(autoPad))
    return emitOptionalError(loc, "'", opName, "' auto_pad must be NOTSET, ",
                             "SAME_UPPER, SAME_LOWER or VALID, got '", autoPad,
                             "'");
  auto checkLength = [&](StringRef name, std::optional<ArrayRef<int64_t>> attr,
                         int64_t expected) -> LogicalResult {
    if (attr && static_cast<int64_t>(attr->size()) != expected)
      return emitOptionalError(loc, "'", opName, "' ", name, " has ",
                               attr->size(), " values, expected ", expected);
    return success();
  };
  if (failed(checkLength("kernel_shape", kernelShape, spatial)) ||
      failed(checkLength("pads", pads, 2 * spatial)) ||
      failed(checkLength("strides", strides, spatial)) ||
      failed(checkLength("dilations", dilations, spatial)))
    return failure();
  if (kernelShape) {
    w.kernel.assign(kernelShape->begin(), kernelShape->end());
    if (weightKernel)
      for (int64_t i = 0; i < spatial; ++i)
        if ((*weightKernel)[i] != kDyn && (*weightKernel)[i] != w.kernel[i])
          return emitOptionalError(
              loc, "'", opName, "' kernel_shape ", formatDims(w.kernel),
              " does not match the weight's ", formatDims(*weightKernel));
  } else if (weightKernel) {
    w.kernel = *weightKernel;
  } else {
    return emitOptionalError(loc, "'", opName, "' requires kernel_shape");
  }
  w.strides = strides ? Dims(*strides) : Dims(spatial, 1);
  w.dilations = dilations ? Dims(*dilations) : Dims(spatial, 1);
  w.padsBegin = pads ? Dims(pads->take_front(spatial)) : Dims(spatial, 0);
  w.padsEnd = pads ? Dims(pads->drop_front(spatial)) : Dims(spatial, 0);
  for (int64_t i = 0; i < spatial; ++i) {
    if (w.strides[i] <= 0 || w.dilations[i] <= 0 ||
        (w.kernel[i] != kDyn && w.kernel[i] <= 0))
      return emitOptionalError(loc, "'", opName,
                               "' kernel, strides and dilations must be "
                               "positive");
    if (w.padsBegin[i] < 0 || w.padsEnd[i] < 0)
      return emitOptionalError(loc, "'", opName, "' pads must be >= 0");
  }
  return w;
}

/// Output size of one spatial dimension (ONNX Conv/Pool formulas).
static FailureOr<int64_t> windowOutput(std::optional<Location> loc,
                                       StringRef opName, const Window &w,
                                       int64_t i, int64_t in, bool ceilMode) {
  if (in == kDyn || w.kernel[i] == kDyn)
    return kDyn;
  int64_t s = w.strides[i];
  int64_t effective = w.dilations[i] * (w.kernel[i] - 1) + 1;
  if (isSamePad(w.autoPad))
    return windowOutputSize<int64_t>(in, true, 0, effective, s);
  int64_t pads = w.autoPad == "VALID" ? 0 : w.padsBegin[i] + w.padsEnd[i];
  int64_t padded = in + pads;
  if (padded < effective)
    return emitOptionalError(loc, "'", opName, "' window of size ", effective,
                             " does not fit spatial dimension ", i, " of size ",
                             in, " (padded: ", padded, ")");
  if (!ceilMode)
    return windowOutputSize<int64_t>(in, false, pads, effective, s);
  int64_t out = ceilWindowOutputSize<int64_t>(in, pads, effective, s);
  // With ceil_mode, a last window that starts entirely in the end padding is
  // dropped.
  if ((out - 1) * s >= in + w.padsBegin[i])
    --out;
  return out;
}

/// The explicit pads that SAME_UPPER / SAME_LOWER stand for.
static void samePads(const Window &w, ArrayRef<int64_t> inSpatial,
                     SmallVectorImpl<int64_t> &pads) {
  int64_t spatial = inSpatial.size();
  pads.assign(2 * spatial, 0);
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t s = w.strides[i];
    int64_t out = (inSpatial[i] + s - 1) / s;
    int64_t effective = w.dilations[i] * (w.kernel[i] - 1) + 1;
    int64_t total =
        std::max<int64_t>((out - 1) * s + effective - inSpatial[i], 0);
    int64_t small = total / 2, large = total - small;
    bool upper = w.autoPad == "SAME_UPPER";
    pads[i] = upper ? small : large;
    pads[spatial + i] = upper ? large : small;
  }
}

/// The result of a forward convolution (float or integer): shape checks
/// and output sizes shared by ingot.conv and ingot.conv_integer.
template <typename Adaptor>
static LogicalResult
inferConvResult(std::optional<Location> loc, StringRef opName, Adaptor adaptor,
                Type biasType, Type element,
                SmallVectorImpl<ShapedTypeComponents> &results) {
  std::optional<Dims> x = getDims(adaptor.getInput().getType()),
                      wt = getDims(adaptor.getWeight().getType());
  if (!x && !wt)
    return pushResult(results, std::nullopt, element);
  // Channels-last operands are checked in their NC[D]HW / OI[D]HW view.
  bool channelsLast = adaptor.getChannelsLast();
  if (x)
    x = channelsFirstShape(*x, channelsLast);
  if (wt)
    wt = channelsFirstShape(*wt, channelsLast);
  int64_t rank = x ? x->size() : wt->size();
  if (rank < 3)
    return emitOptionalError(loc, "'", opName,
                             "' needs rank >= 3 (N, C, spatial...), got rank ",
                             rank);
  if (x && wt && x->size() != wt->size())
    return emitOptionalError(loc, "'", opName, "' input ", formatDims(*x),
                             " and weight ", formatDims(*wt),
                             " must have the same rank");
  int64_t spatial = rank - 2;
  int64_t group = adaptor.getGroup();
  if (group < 1)
    return emitOptionalError(loc, "'", opName, "' group must be >= 1, got ",
                             group);
  std::optional<Dims> weightKernel;
  if (wt)
    weightKernel = Dims(wt->begin() + 2, wt->end());
  FailureOr<Window> w =
      resolveWindow(loc, opName, spatial, adaptor.getAutoPad(),
                    adaptor.getKernelShape(), adaptor.getPads(),
                    adaptor.getStrides(), adaptor.getDilations(), weightKernel);
  if (failed(w))
    return failure();
  int64_t channels = x ? (*x)[1] : kDyn;
  int64_t m = wt ? (*wt)[0] : kDyn;
  if (wt && channels != kDyn && (*wt)[1] != kDyn &&
      channels != (*wt)[1] * group)
    return emitOptionalError(
        loc, "'", opName, "' input has ", channels, " channels but weight ",
        formatDims(*wt), " with group ", group, " expects ", (*wt)[1] * group);
  if (m != kDyn && m % group != 0)
    return emitOptionalError(loc, "'", opName, "' ", m,
                             " output channels are not divisible by group ",
                             group);
  if (biasType) {
    std::optional<Dims> b = getDims(biasType);
    if (b && (b->size() != 1 || ((*b)[0] != kDyn && m != kDyn && (*b)[0] != m)))
      return emitOptionalError(loc, "'", opName, "' bias ", formatDims(*b),
                               " must be 1-D of size ", m);
  }
  Dims out = {x ? (*x)[0] : kDyn, m};
  for (int64_t i = 0; i < spatial; ++i) {
    FailureOr<int64_t> o =
        windowOutput(loc, opName, *w, i, x ? (*x)[i + 2] : kDyn, false);
    if (failed(o))
      return failure();
    out.push_back(*o);
  }
  if (channelsLast)
    out = permuted<int64_t>(out, toChannelsLastPerm(out.size()));
  return pushResult(results, out, element);
}

LogicalResult ConvOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  SmallVector<Type> types = {adaptor.getInput().getType(),
                             adaptor.getWeight().getType()};
  if (adaptor.getBias())
    types.push_back(adaptor.getBias().getType());
  FailureOr<Type> element = commonElementType(loc, types, "ingot.conv");
  if (failed(element))
    return failure();
  return inferConvResult(loc, "ingot.conv", adaptor,
                         adaptor.getBias() ? adaptor.getBias().getType()
                                           : Type(),
                         *element, results);
}

LogicalResult ConvIntegerOp::inferReturnTypeComponents(
    MLIRContext *context, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type sums = adaptor.getFloatSums() ? Type(Float32Type::get(context))
                                     : Type(IntegerType::get(context, 32));
  return inferConvResult(loc, "ingot.conv_integer", adaptor, Type(), sums,
                         results);
}

LogicalResult ConvTransposeOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  SmallVector<Type> types = {adaptor.getInput().getType(),
                             adaptor.getWeight().getType()};
  if (adaptor.getBias())
    types.push_back(adaptor.getBias().getType());
  FailureOr<Type> element =
      commonElementType(loc, types, "ingot.conv_transpose");
  if (failed(element))
    return failure();
  std::optional<Dims> x = getDims(types[0]), wt = getDims(types[1]);
  if (!x || !wt)
    return pushResult(results, std::nullopt, *element);
  if (x->size() < 3 || x->size() != wt->size())
    return emitOptionalError(loc, "'ingot.conv_transpose' input ",
                             formatDims(*x), " and weight ", formatDims(*wt),
                             " must have the same rank >= 3");
  int64_t spatial = x->size() - 2;
  int64_t group = adaptor.getGroup();
  if (group < 1)
    return emitOptionalError(loc, "'ingot.conv_transpose' group must be >= 1");
  FailureOr<Window> w = resolveWindow(
      loc, "ingot.conv_transpose", spatial, adaptor.getAutoPad(),
      adaptor.getKernelShape(), adaptor.getPads(), adaptor.getStrides(),
      adaptor.getDilations(), Dims(wt->begin() + 2, wt->end()));
  if (failed(w))
    return failure();
  if ((*x)[1] != kDyn && (*wt)[0] != kDyn && (*x)[1] != (*wt)[0])
    return emitOptionalError(loc, "'ingot.conv_transpose' input has ", (*x)[1],
                             " channels but weight ", formatDims(*wt),
                             " expects ", (*wt)[0]);
  std::optional<ArrayRef<int64_t>> outputPadding = adaptor.getOutputPadding();
  std::optional<ArrayRef<int64_t>> outputShape = adaptor.getOutputShape();
  if (outputPadding && static_cast<int64_t>(outputPadding->size()) != spatial)
    return emitOptionalError(loc, "'ingot.conv_transpose' output_padding has ",
                             outputPadding->size(), " values, expected ",
                             spatial);
  if (outputShape && static_cast<int64_t>(outputShape->size()) != spatial &&
      static_cast<int64_t>(outputShape->size()) != spatial + 2)
    return emitOptionalError(loc, "'ingot.conv_transpose' output_shape has ",
                             outputShape->size(), " values, expected ",
                             spatial);
  int64_t m = (*wt)[1] == kDyn ? kDyn : (*wt)[1] * group;
  Dims out = {(*x)[0], m};
  for (int64_t i = 0; i < spatial; ++i) {
    if (outputShape) {
      out.push_back((*outputShape)[outputShape->size() - spatial + i]);
      continue;
    }
    int64_t in = (*x)[i + 2];
    if (in == kDyn || w->kernel[i] == kDyn) {
      out.push_back(kDyn);
      continue;
    }
    int64_t s = w->strides[i];
    int64_t effective = w->dilations[i] * (w->kernel[i] - 1) + 1;
    int64_t pad = outputPadding ? (*outputPadding)[i] : 0;
    if (isSamePad(w->autoPad)) {
      out.push_back(in * s);
      continue;
    }
    int64_t total = w->autoPad == "VALID" ? 0 : w->padsBegin[i] + w->padsEnd[i];
    int64_t o = transposedOutputSize<int64_t>(in, s, pad, effective, total);
    if (o <= 0)
      return emitOptionalError(loc, "'ingot.conv_transpose' output size ", o,
                               " of spatial dimension ", i, " is not positive");
    out.push_back(o);
  }
  return pushResult(results, out, *element);
}

template <typename PoolOp>
static LogicalResult inferPool(std::optional<Location> loc, StringRef opName,
                               typename PoolOp::Adaptor adaptor,
                               SmallVectorImpl<ShapedTypeComponents> &results) {
  Type inputType = adaptor.getInput().getType();
  std::optional<Dims> x = getDims(inputType);
  Type element = getElementType(inputType);
  if (!x)
    return pushResult(results, std::nullopt, element);
  if (x->size() < 3)
    return emitOptionalError(loc, "'", opName, "' needs rank >= 3, got ",
                             formatDims(*x));
  x = channelsFirstShape(*x, adaptor.getChannelsLast());
  int64_t spatial = x->size() - 2;
  FailureOr<Window> w =
      resolveWindow(loc, opName, spatial, adaptor.getAutoPad(),
                    adaptor.getKernelShape(), adaptor.getPads(),
                    adaptor.getStrides(), adaptor.getDilations(), std::nullopt);
  if (failed(w))
    return failure();
  Dims out = {(*x)[0], (*x)[1]};
  for (int64_t i = 0; i < spatial; ++i) {
    FailureOr<int64_t> o =
        windowOutput(loc, opName, *w, i, (*x)[i + 2], adaptor.getCeilMode());
    if (failed(o))
      return failure();
    out.push_back(*o);
  }
  if (adaptor.getChannelsLast())
    out = permuted<int64_t>(out, toChannelsLastPerm(out.size()));
  return pushResult(results, out, element);
}

LogicalResult MaxPoolOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  return inferPool<MaxPoolOp>(loc, "ingot.max_pool", adaptor, results);
}

LogicalResult AveragePoolOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  return inferPool<AveragePoolOp>(loc, "ingot.average_pool", adaptor, results);
}

namespace {
/// SAME_UPPER / SAME_LOWER become explicit pads once the spatial input shape
/// is static, so later passes and code generators see one padding form.
template <typename WindowOp>
struct MaterializeSamePads : OpRewritePattern<WindowOp> {
  using OpRewritePattern<WindowOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(WindowOp op,
                                PatternRewriter &rewriter) const override {
    if (!isSamePad(op.getAutoPad()))
      return failure();
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!type || !type.hasStaticShape())
      return failure();
    int64_t spatial = type.getRank() - 2;
    bool channelsLast = op.getChannelsLast();
    std::optional<Dims> weightKernel;
    if constexpr (std::is_same_v<WindowOp, ConvOp>) {
      auto wt = dyn_cast<RankedTensorType>(op.getWeight().getType());
      if (!wt || !wt.hasStaticShape())
        return failure();
      weightKernel =
          Dims(ArrayRef(channelsFirstShape(wt.getShape(), channelsLast))
                   .drop_front(2));
    }
    FailureOr<Window> w = resolveWindow(
        std::nullopt, "", spatial, op.getAutoPad(), op.getKernelShape(),
        op.getPads(), op.getStrides(), op.getDilations(), weightKernel);
    if (failed(w))
      return failure();
    SmallVector<int64_t> pads;
    samePads(*w,
             ArrayRef(channelsFirstShape(type.getShape(), channelsLast))
                 .drop_front(2),
             pads);
    rewriter.modifyOpInPlace(op, [&] {
      op.setAutoPad("NOTSET");
      op.setPads(pads);
    });
    return success();
  }
};
} // namespace

void ConvOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                         MLIRContext *context) {
  patterns.add<MaterializeSamePads<ConvOp>>(context);
}
void MaxPoolOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                            MLIRContext *context) {
  patterns.add<MaterializeSamePads<MaxPoolOp>>(context);
}
void AveragePoolOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                                MLIRContext *context) {
  patterns.add<MaterializeSamePads<AveragePoolOp>>(context);
}

template <typename GlobalOp>
static LogicalResult
inferGlobalPool(std::optional<Location> loc, StringRef opName, Type inputType,
                SmallVectorImpl<ShapedTypeComponents> &results) {
  std::optional<Dims> x = getDims(inputType);
  if (x) {
    if (x->size() < 3)
      return emitOptionalError(loc, "'", opName, "' needs rank >= 3, got ",
                               formatDims(*x));
    for (size_t i = 2; i < x->size(); ++i)
      (*x)[i] = 1;
  }
  return pushResult(results, x, getElementType(inputType));
}

LogicalResult GlobalAveragePoolOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  return inferGlobalPool<GlobalAveragePoolOp>(
      loc, "ingot.global_average_pool", adaptor.getInput().getType(), results);
}

LogicalResult GlobalMaxPoolOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  return inferGlobalPool<GlobalMaxPoolOp>(
      loc, "ingot.global_max_pool", adaptor.getInput().getType(), results);
}

//===----------------------------------------------------------------------===//
// Normalization, resize, softmax
//===----------------------------------------------------------------------===//

LogicalResult BatchNormOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type inputType = adaptor.getInput().getType();
  std::optional<Dims> x = getDims(inputType);
  if (x && x->size() < 2)
    return emitOptionalError(loc, "'ingot.batch_norm' needs rank >= 2, got ",
                             formatDims(*x));
  int64_t channels = x ? (*x)[1] : kDyn;
  for (Value param : {adaptor.getScale(), adaptor.getBias(), adaptor.getMean(),
                      adaptor.getVariance()}) {
    std::optional<Dims> p = getDims(param.getType());
    if (p && (p->size() != 1 ||
              ((*p)[0] != kDyn && channels != kDyn && (*p)[0] != channels)))
      return emitOptionalError(loc, "'ingot.batch_norm' parameter ",
                               formatDims(*p), " must be 1-D of size ",
                               channels, " (the channel count)");
    if (getElementType(param.getType()) != getElementType(inputType))
      return emitOptionalError(
          loc,
          "'ingot.batch_norm' parameters must have the input's element type");
  }
  return inferSameAs(inputType, results);
}

LogicalResult ResizeOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  StringRef mode = adaptor.getMode();
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return emitOptionalError(
        loc, "'ingot.resize' mode must be nearest, linear or cubic, got '",
        mode, "'");
  StringRef coord = adaptor.getCoordinateTransformationMode();
  if (!llvm::is_contained({"half_pixel", "half_pixel_symmetric",
                           "pytorch_half_pixel", "align_corners", "asymmetric"},
                          coord))
    return emitOptionalError(loc,
                             "'ingot.resize' coordinate_transformation_mode '",
                             coord, "' is not supported");
  StringRef nearest = adaptor.getNearestMode();
  if (!llvm::is_contained(
          {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"},
          nearest))
    return emitOptionalError(loc, "'ingot.resize' nearest_mode '", nearest,
                             "' is not valid");
  Type inputType = adaptor.getInput().getType();
  std::optional<Dims> x = getDims(inputType);
  Type element = getElementType(inputType);
  if (!x)
    return pushResult(results, std::nullopt, element);
  int64_t rank = x->size();
  std::optional<Dims> scalesShape = getDims(adaptor.getScales().getType());
  std::optional<Dims> sizesShape = getDims(adaptor.getSizes().getType());
  bool hasScales = scalesShape && product(*scalesShape) != 0;
  bool hasSizes = sizesShape && product(*sizesShape) != 0;
  if (hasScales && hasSizes && product(*scalesShape) != kDyn &&
      product(*sizesShape) != kDyn)
    return emitOptionalError(loc,
                             "'ingot.resize' takes scales or sizes, not both");
  Dims out(rank, kDyn);
  if (std::optional<SmallVector<int64_t>> sizes =
          getConstantInts(adaptor.getSizes());
      sizes && !sizes->empty()) {
    if (static_cast<int64_t>(sizes->size()) != rank)
      return emitOptionalError(loc, "'ingot.resize' sizes has ", sizes->size(),
                               " values for rank ", rank);
    out.assign(sizes->begin(), sizes->end());
  } else if (std::optional<SmallVector<double>> scales =
                 getConstantFloats(adaptor.getScales());
             scales && !scales->empty()) {
    if (static_cast<int64_t>(scales->size()) != rank)
      return emitOptionalError(loc, "'ingot.resize' scales has ",
                               scales->size(), " values for rank ", rank);
    for (int64_t i = 0; i < rank; ++i) {
      // Written to be false for NaN too.
      if (!((*scales)[i] > 0))
        return emitOptionalError(loc, "'ingot.resize' scales must be positive");
      if ((*x)[i] == kDyn)
        continue;
      // A size beyond int64 cannot be converted (found by fuzzing: UB).
      double size = std::floor((*x)[i] * (*scales)[i]);
      if (!(size < 0x1p62))
        return emitOptionalError(loc, "'ingot.resize' scale ", (*scales)[i],
                                 " makes dimension ", i, " too large");
      out[i] = static_cast<int64_t>(size);
    }
  }
  return pushResult(results, out, element);
}

template <typename SoftmaxLike>
static LogicalResult
inferSoftmax(std::optional<Location> loc, StringRef opName,
             typename SoftmaxLike::Adaptor adaptor,
             SmallVectorImpl<ShapedTypeComponents> &results) {
  Type inputType = adaptor.getInput().getType();
  if (std::optional<Dims> x = getDims(inputType))
    if (failed(normalizeAxis(loc, adaptor.getAxis(), x->size(),
                             ("'" + opName + "' axis").str())))
      return failure();
  return inferSameAs(inputType, results);
}

LogicalResult SoftmaxOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  return inferSoftmax<SoftmaxOp>(loc, "ingot.softmax", adaptor, results);
}

LogicalResult LogSoftmaxOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  return inferSoftmax<LogSoftmaxOp>(loc, "ingot.log_softmax", adaptor, results);
}

LogicalResult LayerNormOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type inputType = adaptor.getInput().getType();
  std::optional<Dims> x = getDims(inputType);
  if (x) {
    FailureOr<int64_t> axis = normalizeAxis(loc, adaptor.getAxis(), x->size(),
                                            "'ingot.layer_norm' axis");
    if (failed(axis))
      return failure();
    Dims normalized(x->begin() + *axis, x->end());
    SmallVector<Value> params = {adaptor.getScale()};
    if (adaptor.getBias())
      params.push_back(adaptor.getBias());
    for (Value p : params) {
      std::optional<Dims> pd = getDims(p.getType());
      std::optional<Dims> b;
      if (failed(broadcastDims(loc, {pd, normalized}, b)))
        return failure();
      if (b && *b != normalized)
        return emitOptionalError(loc, "'ingot.layer_norm' parameter ",
                                 formatDims(*pd),
                                 " does not broadcast to the normalized shape ",
                                 formatDims(normalized));
    }
  }
  return inferSameAs(inputType, results);
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  FailureOr<Type> element =
      commonElementType(loc,
                        {adaptor.getQ().getType(), adaptor.getK().getType(),
                         adaptor.getV().getType()},
                        "ingot.attention");
  if (failed(element))
    return failure();
  std::optional<Dims> q = getDims(adaptor.getQ().getType()),
                      k = getDims(adaptor.getK().getType()),
                      v = getDims(adaptor.getV().getType());
  if (!q || !k || !v)
    return pushResult(results, std::nullopt, *element);
  if (q->size() != 4 || k->size() != 4 || v->size() != 4)
    return emitOptionalError(
        loc,
        "'ingot.attention' q, k and v must be 4-D [batch, heads, "
        "sequence, head size], got ",
        formatDims(*q), ", ", formatDims(*k), " and ", formatDims(*v));
  auto differ = [](int64_t a, int64_t b) {
    return a != kDyn && b != kDyn && a != b;
  };
  if (differ((*q)[0], (*k)[0]) || differ((*q)[0], (*v)[0]))
    return emitOptionalError(
        loc, "'ingot.attention' batch sizes differ: ", formatDims(*q), ", ",
        formatDims(*k), ", ", formatDims(*v));
  if (differ((*q)[3], (*k)[3]))
    return emitOptionalError(
        loc, "'ingot.attention' q and k head sizes differ: ", formatDims(*q),
        " vs ", formatDims(*k));
  if (differ((*k)[1], (*v)[1]) || differ((*k)[2], (*v)[2]))
    return emitOptionalError(loc,
                             "'ingot.attention' k and v heads or lengths "
                             "differ: ",
                             formatDims(*k), " vs ", formatDims(*v));
  int64_t hq = (*q)[1], hkv = (*k)[1];
  if (hq != kDyn && hkv != kDyn && (hkv == 0 || hq % hkv != 0))
    return emitOptionalError(loc, "'ingot.attention' ", hq,
                             " query heads are not a multiple of ", hkv,
                             " key/value heads");
  if (adaptor.getMask()) {
    std::optional<Dims> m = getDims(adaptor.getMask().getType());
    Dims scores = {(*q)[0], hq, (*q)[2], (*k)[2]};
    // Each mask dim (right-aligned) is 1 or the scores' size.
    bool broadcasts = !m || m->size() <= 4;
    for (size_t i = 0; m && broadcasts && i < m->size(); ++i) {
      int64_t md = (*m)[m->size() - 1 - i], sd = scores[3 - i];
      broadcasts = md == 1 || !differ(md, sd);
    }
    if (!broadcasts)
      return emitOptionalError(loc, "'ingot.attention' mask ", formatDims(*m),
                               " does not broadcast to the scores ",
                               formatDims(scores));
    if (!isa<IntegerType>(getElementType(adaptor.getMask().getType())) &&
        getElementType(adaptor.getMask().getType()) != *element)
      return emitOptionalError(
          loc, "'ingot.attention' a float mask must have q's element type");
  }
  Dims out = adaptor.getTransposeOutput() ? Dims{(*q)[0], (*q)[2], hq, (*v)[3]}
                                          : Dims{(*q)[0], hq, (*q)[2], (*v)[3]};
  return pushResult(results, out, *element);
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

/// The set of reduced dimensions, or failure with a diagnostic.
static FailureOr<SmallVector<bool>>
reducedDims(std::optional<Location> loc, StringRef opName, int64_t rank,
            std::optional<ArrayRef<int64_t>> axes) {
  SmallVector<bool> reduced(rank, !axes || axes->empty());
  if (axes)
    for (int64_t axis : *axes) {
      FailureOr<int64_t> a =
          normalizeAxis(loc, axis, rank, ("'" + opName + "' axis").str());
      if (failed(a))
        return failure();
      if (reduced[*a])
        return emitOptionalError(loc, "'", opName, "' axis ", axis,
                                 " is listed twice");
      reduced[*a] = true;
    }
  return reduced;
}

template <typename ReduceOp>
static LogicalResult
inferReduce(std::optional<Location> loc, typename ReduceOp::Adaptor adaptor,
            SmallVectorImpl<ShapedTypeComponents> &results) {
  StringRef opName = ReduceOp::getOperationName();
  Type inputType = adaptor.getInput().getType();
  Type element = getElementType(inputType);
  std::optional<ArrayRef<int64_t>> axes = adaptor.getAxes();
  bool noAxes = !axes || axes->empty();
  if (noAxes && adaptor.getNoopWithEmptyAxes())
    return inferSameAs(inputType, results);
  std::optional<Dims> x = getDims(inputType);
  if (!x)
    return pushResult(results, std::nullopt, element);
  FailureOr<SmallVector<bool>> reduced =
      reducedDims(loc, opName, x->size(), axes);
  if (failed(reduced))
    return failure();
  Dims out;
  for (size_t i = 0; i < x->size(); ++i) {
    if (!(*reduced)[i])
      out.push_back((*x)[i]);
    else if (adaptor.getKeepdims())
      out.push_back(1);
  }
  return pushResult(results, out, element);
}

/// Folds a reduction of a small constant (shape arithmetic such as
/// ReduceProd over a shape vector).
template <typename ReduceOp>
static OpFoldResult foldReduce(ReduceOp op, Attribute inputAttr) {
  std::optional<ArrayRef<int64_t>> axes = op.getAxes();
  if ((!axes || axes->empty()) && op.getNoopWithEmptyAxes())
    return op.getInput();
  auto resultType = dyn_cast<RankedTensorType>(op.getType());
  if (!resultType || !resultType.hasStaticShape())
    return {};
  std::optional<HostTensor> in =
      HostTensor::fromAttr(inputAttr, kMaxFoldElements);
  if (!in)
    return {};
  ArrayRef<int64_t> shape = in->type.getShape();
  FailureOr<SmallVector<bool>> reduced =
      reducedDims(std::nullopt, "", shape.size(), axes);
  if (failed(reduced))
    return {};
  // Output strides over the input's dims, 0 for reduced ones.
  SmallVector<int64_t> outShape;
  for (size_t i = 0; i < shape.size(); ++i)
    outShape.push_back((*reduced)[i] ? 1 : shape[i]);
  SmallVector<int64_t> outStrides = rowMajorStrides(outShape);
  int64_t outCount = product(outShape);
  if (outCount != resultType.getNumElements())
    return {};
  std::vector<double> acc(outCount);
  std::vector<int64_t> count(outCount, 0);
  bool isMax = isa<ReduceMaxOp>(op), isMin = isa<ReduceMinOp>(op),
       isProd = isa<ReduceProdOp>(op);
  for (int64_t flat = 0, n = in->size(); flat < n; ++flat) {
    int64_t rest = flat, o = 0;
    for (int64_t d = shape.size() - 1; d >= 0; --d) {
      int64_t coord = rest % shape[d];
      rest /= shape[d];
      if (!(*reduced)[d])
        o += coord * outStrides[d];
    }
    double v = in->getDouble(flat);
    if (count[o] == 0)
      acc[o] = v;
    else if (isMax)
      acc[o] = std::max(acc[o], v);
    else if (isMin)
      acc[o] = std::min(acc[o], v);
    else if (isProd)
      acc[o] *= v;
    else
      acc[o] += v;
    ++count[o];
  }
  HostTensor out = HostTensor::zeros(resultType);
  for (int64_t o = 0; o < outCount; ++o) {
    double v = isa<ReduceMeanOp>(op) && count[o] ? acc[o] / count[o] : acc[o];
    if (out.isFloat())
      out.floats[o] = v;
    else
      out.ints[o] = static_cast<int64_t>(v);
  }
  return out.toAttr();
}

#define INGOT_DEFINE_REDUCE(OP)                                                \
  LogicalResult OP::inferReturnTypeComponents(                                 \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<ShapedTypeComponents> &results) {                        \
    return inferReduce<OP>(loc, adaptor, results);                             \
  }                                                                            \
  OpFoldResult OP::fold(FoldAdaptor adaptor) {                                 \
    return foldReduce(*this, adaptor.getInput());                              \
  }

INGOT_DEFINE_REDUCE(ReduceMeanOp)
INGOT_DEFINE_REDUCE(ReduceSumOp)
INGOT_DEFINE_REDUCE(ReduceMaxOp)
INGOT_DEFINE_REDUCE(ReduceMinOp)
INGOT_DEFINE_REDUCE(ReduceProdOp)
#undef INGOT_DEFINE_REDUCE
