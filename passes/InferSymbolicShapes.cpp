//===- InferSymbolicShapes.cpp - Check and show the symbolic sizes --------===//
//
// Runs the symbolic shape inference (dialects/ingot/SymbolicShapes.h) over
// a function with symbolic dims: its errors stop the compilation early,
// naming the op, and with `annotate` its results become attributes that
// FileCheck tests and `ingotc --emit=mlir` show.
//
//===----------------------------------------------------------------------===//
#include "dialects/ingot/SymbolicShapes.h"
#include "passes/Passes.h"

namespace mlir::ingot {
#define GEN_PASS_DEF_INGOTINFERSYMBOLICSHAPESPASS
#include "passes/Passes.h.inc"
} // namespace mlir::ingot

using namespace mlir;
using namespace mlir::ingot;

namespace {
struct IngotInferSymbolicShapesPass
    : ingot::impl::IngotInferSymbolicShapesPassBase<
          IngotInferSymbolicShapesPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (!hasSymbolicDims(func))
      return;
    FailureOr<SymbolicShapes> shapes = inferSymbolicShapes(func);
    if (failed(shapes))
      return signalPassFailure();
    if (!annotate)
      return;
    Builder b(func.getContext());
    func.walk([&](Operation *op) {
      if (op->getNumResults() == 0 || isa<ConstantOp>(op))
        return;
      SmallVector<Attribute> results;
      bool symbolic = false;
      for (Value result : op->getResults()) {
        auto it = shapes->dims.find(result);
        symbolic |= it != shapes->dims.end();
        std::string text =
            it != shapes->dims.end() ? shapes->str(it->second) : "static";
        auto values = shapes->values.find(result);
        if (values != shapes->values.end())
          text += " = " + shapes->str(values->second);
        results.push_back(b.getStringAttr(text));
      }
      if (!symbolic)
        return;
      op->setAttr("ingot.sizes",
                  results.size() == 1 ? results[0] : b.getArrayAttr(results));
    });
    SmallVector<Attribute> constraints;
    for (const std::string &c : shapes->constraints)
      constraints.push_back(b.getStringAttr(c));
    func->setAttr("ingot.dim_constraints", b.getArrayAttr(constraints));
  }
};
} // namespace
