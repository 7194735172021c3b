//===- AssignLayout.cpp - Channels-last convolutions, transposes sunk -----===//
//
// Wraps each convolution and pooling in transposes to and from N[D]HWC,
// then moves the transposes back to NC[D]HW down through layout-agnostic
// ops until they meet the next wrapper's transpose and compose away. What
// is left are transposes at the model's boundaries and before ops that must
// see NC[D]HW. The rules are in the pass description (Passes.td).
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "dialects/ingot/HostTensor.h"
#include "dialects/ingot/Layout.h"
#include "dialects/ingot/OpClasses.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ingot {
#define GEN_PASS_DEF_INGOTASSIGNLAYOUTPASS
#include "passes/Passes.h.inc"
} // namespace mlir::ingot

using namespace mlir;
using namespace mlir::ingot;

namespace {

/// A ranked tensor type: static, or with `?` where a function compiled for
/// a range of shapes varies (transposes permute those like any size; only
/// rewrites that build a shape constant need static shapes).
RankedTensorType rankedType(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

RankedTensorType staticType(Value v) {
  auto type = rankedType(v);
  return type && type.hasStaticShape() ? type : RankedTensorType();
}

RankedTensorType withShape(RankedTensorType type, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, type.getElementType(),
                               type.getEncoding());
}

/// Whether transposing `shape` by `perm` keeps the dims of size other than 1
/// in their order: then the transpose moves no data and is a reshape.
bool isReshapeLike(ArrayRef<int64_t> shape, ArrayRef<int64_t> perm) {
  int64_t last = -1;
  for (int64_t p : perm) {
    if (shape[p] == 1)
      continue;
    if (p < last)
      return false;
    last = p;
  }
  return true;
}

Value shapeConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get({static_cast<int64_t>(shape.size())},
                                    b.getI64Type());
  return ConstantOp::create(b, loc, type, DenseElementsAttr::get(type, shape));
}

/// `v` transposed by `perm`: a new constant when `v` is one (weights are
/// transposed here, once, whatever their size), else a transpose op.
Value transposed(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> perm) {
  RankedTensorType type = rankedType(v);
  RankedTensorType result =
      withShape(type, permuted<int64_t>(type.getShape(), perm));
  Attribute attr;
  if (matchPattern(v, m_Constant(&attr)))
    if (std::optional<HostTensor> in =
            HostTensor::fromAttr(attr, int64_t(1) << 28))
      return ConstantOp::create(b, loc, result,
                                transposeHostTensor(*in, perm, result)
                                    .toBlobAttr("channels_last_weight"));
  return TransposeOp::create(b, loc, result, v, b.getDenseI64ArrayAttr(perm));
}

/// The input of `v`'s defining transpose when that transpose takes a
/// channels-last tensor of `rank` back to channels-first.
Value channelsLastSource(Value v, int64_t rank) {
  auto t = v.getDefiningOp<TransposeOp>();
  if (!t || !t.getPerm() || !rankedType(t.getInput()) ||
      rankedType(t.getInput()).getRank() != rank)
    return Value();
  return *t.getPerm() == ArrayRef<int64_t>(toChannelsFirstPerm(rank))
             ? t.getInput()
             : Value();
}

/// An existing channels-last copy of `v` that `user` may read: a transpose
/// of `v` to N[D]HWC before `user` in its block (the one made for a
/// convolution that reads the model's input, when a residual add reads that
/// input too).
Value existingChannelsLast(Value v, Operation *user) {
  RankedTensorType type = rankedType(v);
  if (!type || type.getRank() < 3)
    return Value();
  SmallVector<int64_t> toLast = toChannelsLastPerm(type.getRank());
  for (Operation *other : v.getUsers())
    if (auto t = dyn_cast<TransposeOp>(other))
      if (t.getPerm() && *t.getPerm() == ArrayRef<int64_t>(toLast) &&
          t->getBlock() == user->getBlock() && t->isBeforeInBlock(user))
        return t.getResult();
  return Value();
}

/// `op` cloned onto channels-last `operands`, its NC[D]HW result type
/// permuted to N[D]HWC.
Value cloneChannelsLast(OpBuilder &b, Operation *op, ValueRange operands) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  Operation *clone = b.clone(*op);
  clone->setOperands(operands);
  clone->getResult(0).setType(
      withShape(type, permuted<int64_t>(type.getShape(),
                                        toChannelsLastPerm(type.getRank()))));
  return clone->getResult(0);
}

/// Replaces `op` by its channels-last equivalent `value` transposed back.
void replaceWithTransposeBack(PatternRewriter &rewriter, Operation *op,
                              Value value) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  rewriter.replaceOpWithNewOp<TransposeOp>(
      op, type, value,
      rewriter.getDenseI64ArrayAttr(toChannelsFirstPerm(type.getRank())));
}

/// conv / max_pool / average_pool -> transpose, channels-last op, transpose.
/// `weights` maps each weight already transposed to its O[D]HWI constant,
/// so that a weight shared by several convolutions is stored once.
void wrapChannelsLast(Operation *op, DenseMap<Value, Value> &weights) {
  RankedTensorType resultType = rankedType(op->getResult(0));
  if (!resultType || resultType.getRank() < 3 || resultType.getRank() > 5 ||
      !rankedType(op->getOperand(0)))
    return;
  bool convolution = isa<ConvOp, ConvIntegerOp>(op);
  if (convolution && !rankedType(op->getOperand(1)))
    return;
  int64_t rank = resultType.getRank();
  SmallVector<int64_t> toLast = toChannelsLastPerm(rank);
  OpBuilder b(op);
  Location loc = op->getLoc();
  // One transpose of an input however many ops read it (a shortcut and a
  // branch reading the same tensor); the first was made before an earlier
  // op, so it dominates this one.
  Value input = op->getOperand(0);
  Value inputLast = existingChannelsLast(input, op);
  if (!inputLast)
    inputLast = transposed(b, loc, input, toLast);
  Value weightLast;
  if (convolution) { // O I kH kW -> O kH kW I: the same permutation.
    Value weight = op->getOperand(1);
    Value &cached = weights[weight];
    bool reusable = cached && cached.getParentBlock() == op->getBlock() &&
                    cached.getDefiningOp()->isBeforeInBlock(op);
    weightLast = reusable ? cached : transposed(b, loc, weight, toLast);
    if (matchPattern(weight, m_Constant()))
      cached = weightLast;
  }
  SmallVector<Value> operands(op->getOperands());
  operands[0] = inputLast;
  if (weightLast)
    operands[1] = weightLast;
  Value wrapped = cloneChannelsLast(b, op, operands);
  wrapped.getDefiningOp()->setAttr("channels_last", b.getBoolAttr(true));
  Value back =
      TransposeOp::create(b, loc, resultType, wrapped,
                          b.getDenseI64ArrayAttr(toChannelsFirstPerm(rank)));
  op->getResult(0).replaceAllUsesWith(back);
  op->erase();
}

/// elementwise(transpose_back(x), ...) -> transpose_back(elementwise(x, ...)).
struct SinkThroughElementwise : RewritePattern {
  SinkThroughElementwise(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), 1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    // Batch normalization is elementwise but knows its channel axis.
    if (classifyOp(op) != OpClass::Elementwise || isa<BatchNormOp>(op) ||
        op->getNumResults() != 1)
      return failure();
    RankedTensorType resultType = rankedType(op->getResult(0));
    if (!resultType || resultType.getRank() < 3)
      return failure();
    int64_t rank = resultType.getRank();
    if (llvm::none_of(op->getOperands(), [&](Value v) {
          return bool(channelsLastSource(v, rank));
        }))
      return failure();
    SmallVector<int64_t> toLast = toChannelsLastPerm(rank);
    Location loc = op->getLoc();
    SmallVector<Value> operands;
    for (Value v : op->getOperands()) {
      if (Value source = channelsLastSource(v, rank)) {
        operands.push_back(source);
        continue;
      }
      RankedTensorType type = rankedType(v);
      if (!type)
        return failure();
      if (type.getRank() == 0) {
        operands.push_back(v);
        continue;
      }
      // Broadcast operand: numpy aligns it right; give it the full rank.
      SmallVector<int64_t> full(rank - type.getRank(), 1);
      llvm::append_range(full, type.getShape());
      if (static_cast<int64_t>(full.size()) != rank)
        return failure();
      SmallVector<int64_t> last = permuted<int64_t>(full, toLast);
      if (type.hasStaticShape() && isReshapeLike(full, toLast)) {
        operands.push_back(ReshapeOp::create(rewriter, loc,
                                             withShape(type, last), v,
                                             shapeConstant(rewriter, loc, last))
                               .getResult());
        continue;
      }
      if (type.getRank() == rank)
        if (Value existing = existingChannelsLast(v, op)) {
          operands.push_back(existing);
          continue;
        }
      if (!matchPattern(v, m_Constant()) || type.getRank() != rank)
        return failure();
      operands.push_back(transposed(rewriter, loc, v, toLast));
    }
    replaceWithTransposeBack(rewriter, op,
                             cloneChannelsLast(rewriter, op, operands));
    return success();
  }
};

/// concat(transpose_back(x), transpose_back(y)) along a -> transpose_back of
/// the concat along a's channels-last position.
struct SinkThroughConcat : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType resultType = rankedType(op.getResult());
    if (!resultType || resultType.getRank() < 3)
      return failure();
    int64_t rank = resultType.getRank();
    SmallVector<Value> sources;
    for (Value v : op.getInputs()) {
      Value source = channelsLastSource(v, rank);
      if (!source)
        return failure();
      sources.push_back(source);
    }
    // The concatenated dim's channels-last position.
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    Value concat = cloneChannelsLast(rewriter, op, sources);
    cast<ConcatOp>(concat.getDefiningOp())
        .setAxis(toChannelsFirstPerm(rank)[axis]);
    replaceWithTransposeBack(rewriter, op, concat);
    return success();
  }
};

/// resize(transpose_back(x), scales | sizes) -> transpose_back(resize(x,
/// the per-dimension scales or sizes permuted the same way)): resize treats
/// every axis alike, so only the order of its parameters changes.
struct SinkThroughResize : OpRewritePattern<ResizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ResizeOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType resultType = rankedType(op.getResult());
    if (!resultType || resultType.getRank() < 3)
      return failure();
    int64_t rank = resultType.getRank();
    Value source = channelsLastSource(op.getInput(), rank);
    if (!source)
      return failure();
    SmallVector<int64_t> toLast = toChannelsLastPerm(rank);
    // Each of scales and sizes is empty or one value per dimension.
    auto permutedParameter = [&](Value v) -> FailureOr<Value> {
      RankedTensorType type = staticType(v);
      if (!type || type.getRank() != 1)
        return failure();
      if (type.getNumElements() == 0)
        return v;
      DenseElementsAttr values;
      if (type.getNumElements() != rank ||
          !matchPattern(v, m_Constant(&values)))
        return failure();
      SmallVector<Attribute> all(values.getValues<Attribute>());
      return ConstantOp::create(
                 rewriter, op.getLoc(), type,
                 DenseElementsAttr::get(type, permuted<Attribute>(all, toLast)))
          .getResult();
    };
    FailureOr<Value> scales = permutedParameter(op.getScales());
    FailureOr<Value> sizes = permutedParameter(op.getSizes());
    if (failed(scales) || failed(sizes))
      return failure();
    replaceWithTransposeBack(
        rewriter, op,
        cloneChannelsLast(rewriter, op, ValueRange{source, *scales, *sizes}));
    return success();
  }
};

/// global_*_pool(transpose_back(x)) -> transpose_back(reduce over x's
/// spatial axes, kept as size 1).
template <typename GlobalPool, typename Reduce>
struct GlobalPoolChannelsLast : OpRewritePattern<GlobalPool> {
  using OpRewritePattern<GlobalPool>::OpRewritePattern;
  LogicalResult matchAndRewrite(GlobalPool op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType resultType = rankedType(op.getResult());
    if (!resultType)
      return failure();
    int64_t rank = resultType.getRank();
    Value source = channelsLastSource(op.getInput(), rank);
    if (!source)
      return failure();
    SmallVector<int64_t> axes;
    for (int64_t i = 1; i < rank - 1; ++i)
      axes.push_back(i);
    SmallVector<int64_t> toLast = toChannelsLastPerm(rank);
    auto reduce = Reduce::create(
        rewriter, op.getLoc(),
        withShape(resultType, permuted<int64_t>(resultType.getShape(), toLast)),
        source, rewriter.getDenseI64ArrayAttr(axes), rewriter.getBoolAttr(true),
        rewriter.getBoolAttr(false));
    replaceWithTransposeBack(rewriter, op, reduce.getResult());
    return success();
  }
};

/// A transpose that only moves size-1 dims is a reshape, which costs no
/// copy (the plan makes it a view).
struct TransposeAsReshape : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType in = staticType(op.getInput()),
                     out = staticType(op.getResult());
    if (!in || !out || !op.getPerm() ||
        !isReshapeLike(in.getShape(), *op.getPerm()))
      return failure();
    rewriter.replaceOpWithNewOp<ReshapeOp>(
        op, out, op.getInput(),
        shapeConstant(rewriter, op.getLoc(), out.getShape()));
    return success();
  }
};

/// Tensor-core convolutions want the input channels in multiples of 8
/// (16 bytes of FP16/BF16 per pixel); a first layer's RGB does not have
/// them. Zero channels are appended to the input (a pad, which fusion
/// merges into the transpose before it) and to the constant weights (here,
/// at compile time): the sums are unchanged.
void padChannelsForTensorCores(ConvOp conv) {
  RankedTensorType xType = staticType(conv.getInput()),
                   wType = staticType(conv.getWeight());
  if (!xType || !wType || conv.getGroup() != 1 ||
      !matchPattern(conv.getWeight(), m_Constant()))
    return;
  int64_t rank = xType.getRank(), channels = xType.getShape().back();
  int64_t padded = (channels + 7) / 8 * 8;
  if (padded == channels)
    return;
  Attribute attr;
  matchPattern(conv.getWeight(), m_Constant(&attr));
  std::optional<HostTensor> w = HostTensor::fromAttr(attr, int64_t(1) << 28);
  if (!w || !w->isFloat())
    return;
  OpBuilder b(conv);
  Location loc = conv.getLoc();
  SmallVector<int64_t> wShape(wType.getShape());
  wShape.back() = padded;
  HostTensor wide = HostTensor::zeros(withShape(wType, wShape));
  for (int64_t i = 0, n = w->size() / channels; i < n; ++i)
    for (int64_t c = 0; c < channels; ++c)
      wide.floats[i * padded + c] = w->floats[i * channels + c];
  Value weight = ConstantOp::create(b, loc, wide.type,
                                    wide.toBlobAttr("channels_padded_weight"));
  SmallVector<int64_t> pads(2 * rank, 0);
  pads.back() = padded - channels;
  SmallVector<int64_t> xShape(xType.getShape());
  xShape.back() = padded;
  auto padsType = RankedTensorType::get({2 * rank}, b.getI64Type());
  Value input = PadOp::create(
      b, loc, withShape(xType, xShape), conv.getInput(),
      ConstantOp::create(b, loc, padsType,
                         DenseElementsAttr::get(padsType, ArrayRef(pads))),
      Value(), b.getStringAttr("constant"));
  conv.getInputMutable().assign(input);
  conv.getWeightMutable().assign(weight);
}

struct IngotAssignLayoutPass
    : ingot::impl::IngotAssignLayoutPassBase<IngotAssignLayoutPass> {
  using IngotAssignLayoutPassBase::IngotAssignLayoutPassBase;

  /// The layout `auto` stands for (see the pass description).
  std::string resolvedLayout() {
    if (layout != "auto")
      return layout;
    if (target == "cuda")
      return precision == "fp16" || precision == "bf16" ? "nhwc" : "nchw";
    // Host: the channels-last kernels win where depthwise convolutions are
    // (they vectorize across channels; ppocr_v4_det 1.28 -> 1.04x
    // onnxruntime's latency on 2 cores), not on dense 3x3 stacks, whose
    // NCHW GEMM shapes suit Eigen better (ResNet-50 1.32 -> 1.45x).
    bool depthwise = false;
    auto isDepthwise = [](auto conv) {
      auto input = dyn_cast<RankedTensorType>(conv.getInput().getType());
      return conv.getGroup() > 1 && input && input.getRank() >= 3 &&
             input.getDimSize(1) == int64_t(conv.getGroup());
    };
    getOperation().walk([&](Operation *op) {
      if (auto conv = dyn_cast<ConvOp>(op))
        depthwise |= isDepthwise(conv);
      if (auto conv = dyn_cast<ConvIntegerOp>(op))
        depthwise |= isDepthwise(conv);
    });
    return depthwise ? "nhwc" : "nchw";
  }

  void runOnOperation() override {
    if (!llvm::is_contained({"auto", "nchw", "nhwc"}, layout.getValue())) {
      getOperation().emitError()
          << "unknown layout '" << layout << "' (expected auto, nchw or nhwc)";
      return signalPassFailure();
    }
    // Whatever the layout, CUDA's integer convolutions (cuBLASLt int8 GEMMs)
    // read channels-last activations: the summed channels contiguous.
    bool integerOnly = resolvedLayout() != "nhwc";
    if (integerOnly && target != "cuda")
      return;
    SmallVector<Operation *> targets;
    getOperation().walk([&](Operation *op) {
      auto channelsLast = op->getAttrOfType<BoolAttr>("channels_last");
      bool wanted =
          integerOnly
              ? isa<ConvIntegerOp>(op)
              : isa<ConvOp, ConvIntegerOp, MaxPoolOp, AveragePoolOp>(op);
      if (wanted && !(channelsLast && channelsLast.getValue()))
        targets.push_back(op);
    });
    if (targets.empty() && integerOnly)
      return;
    DenseMap<Value, Value> weights;
    for (Operation *op : targets)
      wrapChannelsLast(op, weights);

    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns.add<SinkThroughElementwise, SinkThroughConcat, SinkThroughResize,
                 TransposeAsReshape,
                 GlobalPoolChannelsLast<GlobalAveragePoolOp, ReduceMeanOp>,
                 GlobalPoolChannelsLast<GlobalMaxPoolOp, ReduceMaxOp>>(context);
    TransposeOp::getCanonicalizationPatterns(patterns, context);
    ReshapeOp::getCanonicalizationPatterns(patterns, context);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    if (target == "cuda" && (precision == "fp16" || precision == "bf16"))
      getOperation().walk([](ConvOp conv) {
        if (conv.getChannelsLast())
          padChannelsForTensorCores(conv);
      });
  }
};
} // namespace
