//===- HostBackend.cpp - From a fused module to host source ---------------===//
#include "codegen/HostBackend.h"
#include "codegen/HostEmitter.h"

#include "passes/Passes.h"

#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::codegen;

void codegen::buildHostLoweringPipeline(OpPassManager &pm) {
  OpPassManager &fn = pm.nest<func::FuncOp>();
  fn.addPass(createIngotFoldBatchNormPass());
  fn.addPass(createCanonicalizerPass());
  fn.addPass(createIngotFusePass());
  fn.addPass(createIngotDeadCodeElimPass());
}

/// Exports `<kernel>_buffers` = {buffer count, bytes of buffer 0, 1, ...}:
/// the buffers the kernel was generated for. The runtime checks each step of
/// the manifest against it before anything runs, so an edited manifest
/// cannot hand a kernel fewer or smaller buffers than it touches.
static void appendBufferSignature(const ExecutionPlan &plan,
                                  const PlanStep &step, std::string &source) {
  source += "extern \"C\" __attribute__((visibility(\"default\"))) const "
            "unsigned long long " +
            step.kernel + "_buffers[] = {" +
            std::to_string(step.buffers.size());
  for (unsigned b : step.buffers)
    source += ", " + std::to_string(plan.buffers[b].size) + "ull";
  source += "};\n";
}

LogicalResult codegen::generateHost(func::FuncOp func, ExecutionPlan &plan,
                                    std::string &source) {
  FailureOr<ExecutionPlan> built = buildExecutionPlan(func);
  if (failed(built))
    return failure();
  plan = std::move(*built);
  source = hostSourcePreamble();
  for (const PlanStep &step : plan.steps) {
    if (step.kind != PlanStep::Kind::Kernel)
      continue;
    if (failed(emitHostKernel(step.region, step.kernel, source)))
      return failure();
    appendBufferSignature(plan, step, source);
  }
  return success();
}
