//===- CudaBackend.h - Generated CUDA source for a fused function ---------===//
#ifndef INGOT_CODEGEN_CUDABACKEND_H
#define INGOT_CODEGEN_CUDABACKEND_H

#include "codegen/CudaEmitter.h"
#include "codegen/ExecutionPlan.h"

#include <vector>

namespace mlir::ingot::codegen {

/// Writes the CUDA source of every kernel step of `plan` (built by
/// buildExecutionPlan) and the launch of each (an empty launch: a library
/// call without epilogue).
LogicalResult generateCuda(const ExecutionPlan &plan, std::string &source,
                           std::vector<CudaLaunch> &launches);

} // namespace mlir::ingot::codegen

#endif
