//===- FoldBatchNorm.cpp - Fold inference batch norm into convolutions ----===//
//
// batch_norm(conv(x, W, b)) with constant parameters is a convolution with
//   W'[m] = W[m] * s[m],  b'[m] = (b[m] - mean[m]) * s[m] + beta[m],
//   s[m]  = gamma[m] / sqrt(var[m] + epsilon),
// computed once here (in double) instead of at every inference.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "dialects/ingot/HostTensor.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::ingot {
#define GEN_PASS_DEF_INGOTFOLDBATCHNORMPASS
#include "passes/Passes.h.inc"
} // namespace mlir::ingot

using namespace mlir;
using namespace mlir::ingot;

namespace {
struct FoldBatchNormIntoConv : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    auto conv = bn.getInput().getDefiningOp<ConvOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "input is not a single-use conv");
    std::optional<HostTensor> w = HostTensor::fromConstant(conv.getWeight());
    std::optional<HostTensor> gamma = HostTensor::fromConstant(bn.getScale());
    std::optional<HostTensor> beta = HostTensor::fromConstant(bn.getBias());
    std::optional<HostTensor> mean = HostTensor::fromConstant(bn.getMean());
    std::optional<HostTensor> var = HostTensor::fromConstant(bn.getVariance());
    if (!w || !gamma || !beta || !mean || !var || !w->isFloat())
      return rewriter.notifyMatchFailure(bn, "parameters are not constant");
    int64_t m = w->type.getDimSize(0);
    if (gamma->size() != m || beta->size() != m || mean->size() != m ||
        var->size() != m)
      return failure();
    std::optional<HostTensor> b;
    if (conv.getBias()) {
      b = HostTensor::fromConstant(conv.getBias());
      if (!b || b->size() != m)
        return failure();
    }
    double epsilon = bn.getEpsilon().convertToDouble();
    int64_t perChannel = w->size() / m;
    HostTensor newW = *w;
    auto biasType = RankedTensorType::get({m}, w->type.getElementType());
    HostTensor newB = HostTensor::zeros(biasType);
    for (int64_t c = 0; c < m; ++c) {
      double s = gamma->getDouble(c) / std::sqrt(var->getDouble(c) + epsilon);
      for (int64_t k = 0; k < perChannel; ++k)
        newW.floats[c * perChannel + k] *= s;
      double bias = b ? b->getDouble(c) : 0.0;
      newB.floats[c] = (bias - mean->getDouble(c)) * s + beta->getDouble(c);
    }
    Location loc = bn.getLoc();
    Value weight = ConstantOp::create(rewriter, loc, newW.type,
                                      newW.toBlobAttr("folded_bn_weight"));
    Value bias = ConstantOp::create(rewriter, loc, biasType,
                                    newB.toBlobAttr("folded_bn_bias"));
    auto folded = ConvOp::create(rewriter, conv.getLoc(), conv.getType(),
                                 ValueRange{conv.getInput(), weight, bias},
                                 conv->getAttrs());
    rewriter.replaceOp(bn, folded.getResult());
    rewriter.eraseOp(conv);
    return success();
  }
};

struct IngotFoldBatchNormPass
    : ingot::impl::IngotFoldBatchNormPassBase<IngotFoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldBatchNormIntoConv>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
