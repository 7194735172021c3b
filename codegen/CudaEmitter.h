//===- CudaEmitter.h - CUDA C++ for the GPU backend -----------------------===//
#ifndef INGOT_CODEGEN_CUDAEMITTER_H
#define INGOT_CODEGEN_CUDAEMITTER_H

#include "codegen/ExecutionPlan.h"

#include <optional>

#include <string>

namespace mlir::ingot::codegen {

/// How a generated CUDA kernel is launched.
struct CudaLaunch {
  int64_t gridX = 1; // the most, where the grid varies
  // Where the sizes vary: the blocks as a size of the symbolic dims (the
  // runtime evaluates it per call and caps it at gridX's cap: the kernels
  // stride over what the grid does not cover).
  std::optional<DimExpr> grid;
  int64_t blockX = 256;
  // Where sizes vary and the best code does too: the kernel's versions, in
  // the order the runtime tries them (it passes the index it picked in
  // IngotDims::variant).
  std::vector<KernelVariant> variants;
  bool empty = false; // nothing to launch (library region without epilogue)
};

/// The preamble of every generated .cu file (helpers for device code).
std::string cudaSourcePreamble();

/// Appends a `__global__ void symbol(in0, ..., out)` kernel computing the
/// region (for library regions: the epilogue over the library's output) and
/// fills `launch`.
/// `shapes`: the function's symbolic sizes (the kernel then takes an
/// `IngotDims dims` parameter last), or null.
LogicalResult emitCudaKernel(FusionOp region, const std::string &symbol,
                             std::string &out, CudaLaunch &launch,
                             const SymbolicShapes *shapes = nullptr);

} // namespace mlir::ingot::codegen

#endif
