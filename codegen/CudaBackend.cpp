//===- CudaBackend.cpp - Generated CUDA source for a fused function -------===//
#include "codegen/CudaBackend.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::codegen;

LogicalResult codegen::generateCuda(const ExecutionPlan &plan, std::string &source,
                                    std::vector<CudaLaunch> &launches) {
  source = cudaSourcePreamble();
  for (const PlanStep &step : plan.steps) {
    if (step.kind != PlanStep::Kind::Kernel)
      continue;
    CudaLaunch launch;
    FusionOp region = step.region;
    if (failed(emitCudaKernel(region, step.kernel, source, launch)))
      return failure();
    launches.push_back(launch);
  }
  return success();
}
