//===- CudaBackend.h - From a fused function to GPU steps and a fatbin ----===//
#ifndef INGOT_CODEGEN_CUDABACKEND_H
#define INGOT_CODEGEN_CUDABACKEND_H

#include "codegen/CudaEmitter.h"
#include "codegen/ExecutionPlan.h"

#include <string>
#include <vector>

namespace mlir::ingot::codegen {

/// Rewrites the kernel steps of `plan` (from buildExecutionPlan) for the GPU
/// and writes their CUDA source: loop and reduction regions launch one
/// kernel; a library region becomes a cuBLASLt/cuDNN call on its output
/// buffer followed, when it has one, by its epilogue kernel in place.
LogicalResult lowerPlanForCuda(ExecutionPlan &plan, std::string &source);

/// Compiles CUDA source with nvcc into a fatbin: SASS for each `sm_XX` arch
/// and PTX for the newest. nvcc is $INGOT_NVCC, `nvcc` on PATH, or
/// /usr/local/cuda/bin/nvcc.
bool compileCudaSource(const std::string &source,
                       const std::vector<std::string> &archs,
                       std::vector<char> &fatbin, std::string &error);

} // namespace mlir::ingot::codegen

#endif
