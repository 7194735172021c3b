//===- InferShapes.cpp - Refine result types to the inferred ones ---------===//
#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ingot {
#define GEN_PASS_DEF_INGOTINFERSHAPESPASS
#include "passes/Passes.h.inc"
} // namespace mlir::ingot

using namespace mlir;
using namespace mlir::ingot;

Type mlir::ingot::refineType(Type current, Type inferred) {
  auto cur = dyn_cast<TensorType>(current);
  auto inf = dyn_cast<TensorType>(inferred);
  if (!cur || !inf || cur.getElementType() != inf.getElementType() ||
      failed(verifyCompatibleShape(cur, inf)) || !inf.hasRank())
    return {};
  if (!cur.hasRank())
    return inf;
  SmallVector<int64_t> dims(cur.getShape());
  bool changed = false;
  for (auto [d, i] : llvm::zip(dims, inf.getShape()))
    if (ShapedType::isDynamic(d) && !ShapedType::isDynamic(i)) {
      d = i;
      changed = true;
    }
  if (!changed)
    return {};
  return RankedTensorType::get(dims, cur.getElementType());
}

namespace {
struct RefineResultTypes : RewritePattern {
  RefineResultTypes(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    auto infer = dyn_cast<InferTypeOpInterface>(op);
    if (!infer || !isa<IngotDialect>(op->getDialect()))
      return failure();
    SmallVector<Type> inferred;
    // Inference failures are reported by the verifier; here they only mean
    // "nothing to refine".
    if (failed(infer.inferReturnTypes(
            op->getContext(), std::nullopt, op->getOperands(),
            op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
            op->getRegions(), inferred)))
      return failure();
    SmallVector<Type> refined;
    bool changed = false;
    for (auto [result, type] : llvm::zip(op->getResults(), inferred)) {
      Type r = refineType(result.getType(), type);
      refined.push_back(r ? r : result.getType());
      changed |= static_cast<bool>(r);
    }
    if (!changed)
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      for (auto [result, type] : llvm::zip(op->getResults(), refined))
        result.setType(type);
    });
    return success();
  }
};

struct IngotInferShapesPass
    : ingot::impl::IngotInferShapesPassBase<IngotInferShapesPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    RewritePatternSet patterns(&getContext());
    populateShapeRefinementPatterns(patterns);
    GreedyRewriteConfig config;
    config.setMaxIterations(64);
    // Refinement changes only types, so a non-converged run is still sound;
    // it just leaves some shapes dynamic.
    (void)applyPatternsGreedily(func, std::move(patterns), config);
    updateFunctionResultTypes(func);
  }
};
} // namespace

void mlir::ingot::populateShapeRefinementPatterns(RewritePatternSet &patterns) {
  patterns.add<RefineResultTypes>(patterns.getContext());
}

void mlir::ingot::updateFunctionResultTypes(func::FuncOp func) {
  if (func.isExternal())
    return;
  auto ret = dyn_cast<func::ReturnOp>(func.getBody().back().getTerminator());
  if (!ret)
    return;
  SmallVector<Type> results(ret.getOperandTypes());
  if (TypeRange(results) != func.getResultTypes())
    func.setType(
        FunctionType::get(func.getContext(), func.getArgumentTypes(), results));
}
