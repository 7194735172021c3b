//===- CudaEmitter.h - CUDA C++ for the GPU backend -----------------------===//
#ifndef INGOT_CODEGEN_CUDAEMITTER_H
#define INGOT_CODEGEN_CUDAEMITTER_H

#include "dialects/ingot/IngotOps.h"

#include <string>

namespace mlir::ingot::codegen {

/// How a generated CUDA kernel is launched.
struct CudaLaunch {
  int64_t gridX = 1;
  int64_t blockX = 256;
  bool empty = false; // nothing to launch (library region without epilogue)
};

/// The preamble of every generated .cu file (helpers for device code).
std::string cudaSourcePreamble();

/// Appends a `__global__ void symbol(in0, ..., out)` kernel computing the
/// region (for library regions: the epilogue over the library's output) and
/// fills `launch`.
LogicalResult emitCudaKernel(FusionOp region, const std::string &symbol,
                             std::string &out, CudaLaunch &launch);

} // namespace mlir::ingot::codegen

#endif
