//===- VerifyStatic.cpp - Require a fully static, shape-free function -----===//
#include "passes/Passes.h"

namespace mlir::ingot {
#define GEN_PASS_DEF_INGOTVERIFYSTATICPASS
#include "passes/Passes.h.inc"
} // namespace mlir::ingot

using namespace mlir;
using namespace mlir::ingot;

static bool isStatic(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return !shaped || shaped.hasStaticShape();
}

namespace {
struct IngotVerifyStaticPass
    : ingot::impl::IngotVerifyStaticPassBase<IngotVerifyStaticPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    bool ok = true;
    for (BlockArgument arg : func.getArguments())
      if (!isStatic(arg.getType())) {
        func.emitError() << "argument " << arg.getArgNumber() << " has type "
                         << arg.getType()
                         << "; bind it (ingotc --input-shape NAME:DIMS)";
        ok = false;
      }
    func.walk([&](Operation *op) {
      if (isa<ShapeOp, ConstantOfShapeOp, RangeOp>(op)) {
        op->emitError() << "shape computation '" << op->getName()
                        << "' is left after folding";
        ok = false;
        return;
      }
      for (OpResult result : op->getResults())
        if (!isStatic(result.getType())) {
          op->emitError() << "result " << result.getResultNumber()
                          << " has non-static type " << result.getType();
          ok = false;
        }
    });
    if (!ok)
      signalPassFailure();
  }
};
} // namespace
