//===- DeadCodeElim.cpp - Erase unused side-effect-free ops ---------------===//
#include "passes/Passes.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::ingot {
#define GEN_PASS_DEF_INGOTDEADCODEELIMPASS
#include "passes/Passes.h.inc"
} // namespace mlir::ingot

using namespace mlir;
using namespace mlir::ingot;

namespace {
struct IngotDeadCodeElimPass
    : ingot::impl::IngotDeadCodeElimPassBase<IngotDeadCodeElimPass> {
  void runOnOperation() override {
    // A backwards walk sees users before producers, so whole dead chains go
    // in one sweep.
    for (Block &block : getOperation().getBody())
      for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
        if (op.use_empty() && !op.hasTrait<OpTrait::IsTerminator>() &&
            isMemoryEffectFree(&op))
          op.erase();
  }
};
} // namespace
