//===- FuseAttention.cpp - Recognize attention subgraphs ------------------===//
//
// Exporters write scaled dot-product attention as separate ops:
//
//   scores = matmul(q, kT)                 q [B,H,Sq,D], kT [B,H,D,Sk]
//   scores = scores / c  (or * c)          optional; or q * c1 and kT * c2
//   scores = scores + mask                 optional additive mask, or
//   scores = where(mask, scores, -big)     a boolean one
//   probs  = softmax(scores, axis = -1)
//   out    = matmul(probs, v)              v [B,H,Sk,Dv]
//
// which materializes the Sq x Sk scores twice. This pass rewrites the chain
// to one ingot.attention, which fusion computes without them. kT's
// transpose is folded into k's (the head split's transpose and the swap of
// the last two dims compose into one permutation, usually of the
// projection's output), and a transpose(0, 2, 1, 3) of the result (heads
// back next to the head dim) becomes the op's `transpose_output`.
//
//===----------------------------------------------------------------------===//
#include "dialects/ingot/SymbolicShapes.h"
#include "passes/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::ingot {
#define GEN_PASS_DEF_INGOTFUSEATTENTIONPASS
#include "passes/Passes.h.inc"
} // namespace mlir::ingot

using namespace mlir;
using namespace mlir::ingot;

namespace {

/// The value of a constant that holds one float (a scalar or a splat).
std::optional<double> scalarConstant(Value v) {
  DenseElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)) ||
      !isa<FloatType>(attr.getElementType()) || !attr.isSplat())
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// The sizes of a ranked tensor: the symbolic ones where the function is
/// compiled for a range of shapes (`shapes`), else its static shape;
/// nullopt when neither knows them.
std::optional<SmallVector<DimExpr>> sizesOf(Value v,
                                            const SymbolicShapes *shapes) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type)
    return std::nullopt;
  if (shapes)
    if (auto it = shapes->dims.find(v); it != shapes->dims.end())
      return it->second;
  if (!type.hasStaticShape())
    return std::nullopt;
  SmallVector<DimExpr> out;
  for (int64_t d : type.getShape())
    out.push_back(DimExpr(d));
  return out;
}

/// A 4-D float tensor whose sizes are known.
bool isKnown4D(Value v, const SymbolicShapes *shapes) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getRank() == 4 && isa<FloatType>(type.getElementType()) &&
         sizesOf(v, shapes);
}

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

/// `x` multiplied or divided by a scalar constant, with one use: `x`'s
/// other operand, and `factor` multiplied by the constant's effect.
Value peelScale(Value x, double &factor) {
  Operation *op = x.getDefiningOp();
  if (!op || !x.hasOneUse() || !isa<MulOp, DivOp>(op))
    return x;
  Value a = op->getOperand(0), b = op->getOperand(1);
  // Mul commutes: the constant may come first.
  if (isa<MulOp>(op) && scalarConstant(a) && b.getType() == x.getType())
    std::swap(a, b);
  if (a.getType() != x.getType())
    return x; // the constant must not broadcast the value
  std::optional<double> c = scalarConstant(b);
  if (!c || *c == 0.0 || !std::isfinite(*c))
    return x;
  factor *= isa<DivOp>(op) ? 1.0 / *c : *c;
  return a;
}

/// The permutation of transpose `t` (reversed dims when it has none).
SmallVector<int64_t> permutationOf(TransposeOp t) {
  SmallVector<int64_t> perm;
  if (auto p = t.getPerm())
    perm.assign(p->begin(), p->end());
  else
    for (int64_t d = shapeOf(t.getInput()).size() - 1; d >= 0; --d)
      perm.push_back(d);
  return perm;
}

/// kT [B,H,D,Sk] as k [B,H,Sk,D]: one transpose of kT's source, or the
/// source itself when the permutations cancel.
Value keysFromTransposed(PatternRewriter &rewriter, Location loc, Value kT) {
  SmallVector<int64_t> swap = {0, 1, 3, 2};
  Value source = kT;
  SmallVector<int64_t> perm = swap;
  if (auto t = kT.getDefiningOp<TransposeOp>()) {
    // k = transpose(kT, swap) = transpose(x, p[swap[i]]).
    SmallVector<int64_t> p = permutationOf(t);
    source = t.getInput();
    for (int64_t i = 0; i < 4; ++i)
      perm[i] = p[swap[i]];
  }
  if (perm == SmallVector<int64_t>{0, 1, 2, 3})
    return source;
  ArrayRef<int64_t> s = shapeOf(source);
  SmallVector<int64_t> shape;
  for (int64_t d : perm)
    shape.push_back(s[d]);
  auto type = RankedTensorType::get(
      shape, cast<RankedTensorType>(source.getType()).getElementType());
  return TransposeOp::create(rewriter, loc, type, source,
                             rewriter.getDenseI64ArrayAttr(perm));
}

struct FuseAttention : OpRewritePattern<MatMulOp> {
  FuseAttention(MLIRContext *context, const SymbolicShapes *shapes)
      : OpRewritePattern(context), shapes(shapes) {}
  // The function's symbolic sizes (computed before any rewrite; the
  // pattern reads only values that existed then), or null.
  const SymbolicShapes *shapes;

  LogicalResult matchAndRewrite(MatMulOp pv,
                                PatternRewriter &rewriter) const override {
    auto softmax = pv.getLhs().getDefiningOp<SoftmaxOp>();
    if (!softmax || !softmax->hasOneUse())
      return rewriter.notifyMatchFailure(pv, "lhs is not a softmax");
    Value v = pv.getRhs();
    if (!isKnown4D(v, shapes) || !isKnown4D(pv.getResult(), shapes))
      return rewriter.notifyMatchFailure(pv, "not 4-D of known sizes");
    int64_t axis = softmax.getAxis();
    if (axis != -1 && axis != 3)
      return rewriter.notifyMatchFailure(pv, "softmax not over the keys");

    // Mask: scores + mask (either order), or where(mask, scores, fill).
    Value scores = softmax.getInput(), mask;
    float fill = -INFINITY;
    Type scoresType = scores.getType();
    if (Operation *op = scores.getDefiningOp(); op && scores.hasOneUse()) {
      if (isa<AddOp>(op)) {
        Value a = op->getOperand(0), b = op->getOperand(1);
        // The scores are the operand with the result's shape and a matmul
        // (possibly scaled) behind them.
        auto fromMatMul = [&](Value x) {
          double unused = 1.0;
          return x.getType() == scoresType &&
                 peelScale(x, unused).getDefiningOp<MatMulOp>();
        };
        if (fromMatMul(a)) {
          scores = a;
          mask = b;
        } else if (fromMatMul(b)) {
          scores = b;
          mask = a;
        }
      } else if (auto where = dyn_cast<WhereOp>(op)) {
        std::optional<double> value = scalarConstant(where.getOperand(2));
        if (value && where.getOperand(1).getType() == scoresType) {
          scores = where.getOperand(1);
          mask = where.getOperand(0);
          fill = static_cast<float>(*value);
        }
      }
    }
    if (mask) {
      auto maskType = dyn_cast<RankedTensorType>(mask.getType());
      if (!maskType || !sizesOf(mask, shapes) || maskType.getRank() > 4)
        return rewriter.notifyMatchFailure(pv, "mask shape");
    }

    double scale = 1.0;
    scores = peelScale(scores, scale);
    auto qk = scores.getDefiningOp<MatMulOp>();
    if (!qk || !qk->hasOneUse())
      return rewriter.notifyMatchFailure(pv, "no q x kT matmul");
    Value q = peelScale(qk.getLhs(), scale), kT = peelScale(qk.getRhs(), scale);
    if (!isKnown4D(q, shapes) || !isKnown4D(kT, shapes) ||
        !isKnown4D(qk.getResult(), shapes))
      return rewriter.notifyMatchFailure(pv, "q or kT not 4-D of known sizes");
    // Sizes compare as expressions: two that vary are equal only when the
    // analysis made them the same.
    SmallVector<DimExpr> qs = *sizesOf(q, shapes), ks = *sizesOf(kT, shapes),
                         vs = *sizesOf(v, shapes);
    // Same batch and heads everywhere (no broadcasting between them), k's
    // length is v's.
    if (qs[0] != ks[0] || qs[0] != vs[0] || qs[1] != ks[1] || qs[1] != vs[1] ||
        qs[3] != ks[2] || ks[3] != vs[2])
      return rewriter.notifyMatchFailure(pv, "shapes do not line up");
    Type element = cast<RankedTensorType>(q.getType()).getElementType();
    if (cast<RankedTensorType>(v.getType()).getElementType() != element ||
        cast<RankedTensorType>(kT.getType()).getElementType() != element)
      return rewriter.notifyMatchFailure(pv, "mixed element types");

    // The result transposed back to [B, Sq, H, Dv] by its only user?
    Operation *replaced = pv;
    bool transposeOutput = false;
    if (pv->hasOneUse())
      if (auto t = dyn_cast<TransposeOp>(*pv->getUsers().begin()))
        if (permutationOf(t) == SmallVector<int64_t>{0, 2, 1, 3}) {
          replaced = t;
          transposeOutput = true;
        }

    Location loc =
        rewriter.getFusedLoc({qk.getLoc(), softmax.getLoc(), pv.getLoc()});
    Value k = keysFromTransposed(rewriter, loc, kT);
    auto attention = AttentionOp::create(
        rewriter, loc, replaced->getResult(0).getType(), q, k, v, mask,
        rewriter.getF32FloatAttr(static_cast<float>(scale)),
        rewriter.getBoolAttr(false), rewriter.getI64IntegerAttr(0),
        rewriter.getF32FloatAttr(fill), rewriter.getBoolAttr(transposeOutput));
    rewriter.replaceOp(replaced, attention.getResult());
    return success();
  }
};

struct IngotFuseAttentionPass
    : ingot::impl::IngotFuseAttentionPassBase<IngotFuseAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    std::optional<SymbolicShapes> shapes;
    if (hasSymbolicDims(getOperation())) {
      FailureOr<SymbolicShapes> inferred = inferSymbolicShapes(getOperation());
      if (failed(inferred))
        return signalPassFailure();
      shapes = std::move(*inferred);
    }
    populateFuseAttentionPatterns(patterns, shapes ? &*shapes : nullptr);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

void mlir::ingot::populateFuseAttentionPatterns(RewritePatternSet &patterns,
                                                const SymbolicShapes *shapes) {
  patterns.add<FuseAttention>(patterns.getContext(), shapes);
}
