//===- HostEmitter.h - C++ source for the host (CPU) backend --------------===//
#ifndef INGOT_CODEGEN_HOSTEMITTER_H
#define INGOT_CODEGEN_HOSTEMITTER_H

#include "dialects/ingot/IngotOps.h"
#include "dialects/ingot/SymbolicShapes.h"

#include <string>

namespace mlir::ingot::codegen {

/// The text every generated host source starts with: the kernel ABI and the
/// ig_* helpers.
std::string hostSourcePreamble();

/// Appends the C++ for one fusion region as `extern "C" void symbol(...)`
/// (the IngotKernelFn signature) to `out`. On failure reports a diagnostic
/// on the region and returns failure. `shapes`: the function's symbolic
/// sizes, null when it has none.
LogicalResult emitHostKernel(FusionOp region, const std::string &symbol,
                             std::string &out,
                             const SymbolicShapes *shapes = nullptr);

} // namespace mlir::ingot::codegen

#endif
