//===- FoldConstants.cpp - Fold ops on constant operands ------------------===//
#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ingot {
#define GEN_PASS_DEF_INGOTFOLDCONSTANTSPASS
#include "passes/Passes.h.inc"
} // namespace mlir::ingot

using namespace mlir;
using namespace mlir::ingot;

namespace {
struct IngotFoldConstantsPass
    : ingot::impl::IngotFoldConstantsPassBase<IngotFoldConstantsPass> {
  void runOnOperation() override {
    // No patterns: the greedy driver's folding (each op's `fold`, with
    // constants materialized by the dialect and deduplicated) is the pass.
    RewritePatternSet patterns(&getContext());
    GreedyRewriteConfig config;
    config.enableFolding(true);
    (void)applyPatternsGreedily(getOperation(), std::move(patterns), config);
    updateFunctionResultTypes(getOperation());
  }
};
} // namespace
