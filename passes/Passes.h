//===- Passes.h - Ingot pass declarations and pipelines -------------------===//
#ifndef INGOT_PASSES_PASSES_H
#define INGOT_PASSES_PASSES_H

#include "dialects/ingot/IngotOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::ingot {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Adds the pattern that rewrites an op's result types to the inferred ones
/// where those are more static.
void populateShapeRefinementPatterns(RewritePatternSet &patterns);

/// If `inferred` is more static than `current` (and compatible with it),
/// returns the refined type; otherwise a null type.
Type refineType(Type current, Type inferred);

/// Makes a function's result types match the values it returns.
void updateFunctionResultTypes(func::FuncOp func);

struct FrontendPipelineOptions {
  /// Also run ingot-verify-static (all model inputs are bound).
  bool requireStatic = false;
  /// ingot-infer-symbolic-shapes' `annotate` (functions with symbolic dims
  /// always get the inference; this shows its results).
  bool annotateSymbolicShapes = false;
};

/// canonicalize, infer shapes (with folding), canonicalize, DCE.
void buildFrontendPipeline(OpPassManager &pm,
                           const FrontendPipelineOptions &options = {});

/// The ONNX node name in `loc` (the importer's NameLoc, possibly inside a
/// FusedLoc), or "" when it carries none.
StringRef onnxNodeName(Location loc);

/// The ONNX node name a quantizable op (a convolution, GEMM or matmul with
/// constant weights) is known by in calibration tables, or "" when `op` is
/// not one. Its activation is operand 0.
std::string quantizableNodeName(Operation *op);

struct SymbolicShapes;
/// The rewrite of exported attention subgraphs to ingot.attention
/// (ingot-fuse-attention). `shapes`: the function's symbolic sizes when it
/// is compiled for a range of shapes (sizes are then compared as
/// expressions), else null.
void populateFuseAttentionPatterns(RewritePatternSet &patterns,
                                   const SymbolicShapes *shapes = nullptr);

/// Registers every Ingot pass and the `ingot-frontend` pipeline.
void registerIngotPassesAndPipelines();

} // namespace mlir::ingot

#endif
