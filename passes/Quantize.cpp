//===- Quantize.cpp - Quantized weights and activations
//--------------------===//
//
// What a quantized model's graph needs before the float passes see it.
// Today: the dequantization of constant (quantized) weights is computed once
// here, so batch-norm folding, layout and precision see float weights as in
// any FP32 model, and no kernel recomputes them per run. Dequantization
// does not fold during import on purpose: this pass is where the integer
// weights are visible next to the convolutions and matmuls that use them.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "dialects/ingot/HostTensor.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ingot {
#define GEN_PASS_DEF_INGOTQUANTIZEPASS
#include "passes/Passes.h.inc"
} // namespace mlir::ingot

using namespace mlir;
using namespace mlir::ingot;

namespace {
/// dequantize_linear(constant, constant, constant) -> float constant.
struct FoldConstantDequantize : OpRewritePattern<DequantizeLinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeLinearOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<Attribute> operands;
    for (Value v : op->getOperands()) {
      Attribute attr;
      if (!matchPattern(v, m_Constant(&attr)))
        return rewriter.notifyMatchFailure(op, "operand is not a constant");
      operands.push_back(attr);
    }
    // Weights can be large: up to 64M elements.
    std::optional<HostTensor> value =
        evaluateElementwise(op, operands, int64_t(1) << 26);
    if (!value)
      return rewriter.notifyMatchFailure(op, "cannot evaluate");
    ElementsAttr attr = value->size() <= kMaxFoldElements
                            ? value->toAttr()
                            : value->toBlobAttr("dequantized_weight");
    rewriter.replaceOpWithNewOp<ConstantOp>(op, attr.getType(), attr);
    return success();
  }
};

struct IngotQuantizePass
    : ingot::impl::IngotQuantizePassBase<IngotQuantizePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldConstantDequantize>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
