//===- Pipelines.cpp - Pass pipelines and registration --------------------===//
#include "passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::ingot;

void mlir::ingot::buildFrontendPipeline(
    OpPassManager &pm, const FrontendPipelineOptions &options) {
  OpPassManager &fn = pm.nest<func::FuncOp>();
  fn.addPass(createCanonicalizerPass());
  fn.addPass(createIngotInferShapesPass());
  // Shapes are now as static as they get: canonicalize again so that
  // patterns waiting on static shapes (SAME pads, reshape shapes) fire.
  fn.addPass(createCanonicalizerPass());
  fn.addPass(createIngotDeadCodeElimPass());
  IngotInferSymbolicShapesPassOptions symbolic;
  symbolic.annotate = options.annotateSymbolicShapes;
  fn.addPass(createIngotInferSymbolicShapesPass(symbolic));
  if (options.requireStatic)
    fn.addPass(createIngotVerifyStaticPass());
}

void mlir::ingot::registerIngotPassesAndPipelines() {
  registerIngotPasses();
  PassPipelineRegistration<>(
      "ingot-frontend",
      "Canonicalize, infer shapes with folding, and remove dead code",
      [](OpPassManager &pm) { buildFrontendPipeline(pm); });
}
