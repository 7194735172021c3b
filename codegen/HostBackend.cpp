//===- HostBackend.cpp - From a fused module to host source ---------------===//
#include "codegen/HostBackend.h"
#include "codegen/HostEmitter.h"

#include "passes/Passes.h"

#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::codegen;

void codegen::buildHostLoweringPipeline(OpPassManager &pm,
                                        const LoweringOptions &options) {
  OpPassManager &fn = pm.nest<func::FuncOp>();
  // The CPU has integer convolution kernels; on CUDA, the quantized ops
  // that are one GEMM run as cuBLASLt int8 GEMMs, the others in float.
  bool integerKernels = options.target == "host";
  bool gpuIntegerGemms = options.target == "cuda";
  IngotQuantizePassOptions dequantize;
  dequantize.integerKernels = integerKernels;
  dequantize.gpuIntegerGemms = gpuIntegerGemms;
  fn.addPass(createIngotQuantizePass(dequantize));
  fn.addPass(createIngotFoldBatchNormPass());
  if (options.fuseAttention) {
    fn.addPass(createIngotFuseAttentionPass());
    // After attention fusion: the projections' slices are then read by
    // attention ops, in place. CUDA only: on the CPU, Eigen runs BERT's
    // merged 128x768x2304 GEMM slower than the three 768-wide ones
    // (10-14 ms against 8.1 ms, docs/BENCHMARKS.md), and launches cost
    // little there.
    if (options.target == "cuda")
      fn.addPass(createIngotMergeSiblingMatmulsPass());
  }
  fn.addPass(createCanonicalizerPass());
  // Post-training quantization: after batch-norm folding (the weights are
  // quantized as the convolution uses them), before layout.
  if (!options.calibrationTable.empty()) {
    IngotQuantizePassOptions quantize;
    quantize.calibrationTable = options.calibrationTable;
    quantize.integerKernels = integerKernels;
    quantize.gpuIntegerGemms = gpuIntegerGemms;
    // cuDNN's int8 convolutions pad with 0: symmetric activations there.
    const std::string &how = options.quantizeActivations;
    quantize.symmetricActivations =
        how == "symmetric" ? "all"
        : how == "symmetric-windows" || (how == "auto" && gpuIntegerGemms)
            ? "windows"
            : "none";
    quantize.skip.assign(options.quantizeSkip.begin(),
                         options.quantizeSkip.end());
    fn.addPass(createIngotQuantizePass(quantize));
  }
  // Requantizing chains of QDQ models (an 8-bit value dequantized, an op,
  // quantized again, around every op) become table lookups, after the
  // quantization passes have settled which ops run in integers. The tables
  // hold FP32 values: the half-precision pipelines keep the ops.
  if (options.precision == "fp32" || options.precision == "tf32") {
    fn.addPass(createIngotLookupTablesPass());
    fn.addPass(createIngotDeadCodeElimPass());
  }
  // After batch-norm folding (which reads O I kH kW weights), before
  // precision (so transposed weights are rounded once).
  IngotAssignLayoutPassOptions layout;
  layout.layout = options.layout;
  layout.target = options.target;
  layout.precision = options.precision;
  fn.addPass(createIngotAssignLayoutPass(layout));
  // After batch-norm folding, so folded weights are rounded once.
  IngotAssignPrecisionPassOptions precision;
  precision.precision = options.precision;
  precision.ioPrecision = options.ioPrecision;
  fn.addPass(createIngotAssignPrecisionPass(precision));
  IngotFusePassOptions fuse;
  fuse.typeChangingEpilogues = options.target == "host";
  fuse.rowEpilogues = options.target == "host";
  fn.addPass(createIngotFusePass(fuse));
  fn.addPass(createIngotDeadCodeElimPass());
}

LogicalResult codegen::generateHost(func::FuncOp func, ExecutionPlan &plan,
                                    std::string &source) {
  FailureOr<ExecutionPlan> built = buildExecutionPlan(func);
  if (failed(built))
    return failure();
  plan = std::move(*built);
  source = hostSourcePreamble();
  KernelDeduplicator kernels;
  for (PlanStep &step : plan.steps) {
    if (step.kind != PlanStep::Kind::Kernel)
      continue;
    std::string text;
    if (failed(
            emitHostKernel(step.region, step.kernel, text, plan.shapes.get())))
      return failure();
    text += kernelBufferSignature(plan, step,
                                  "__attribute__((visibility(\"default\")))");
    step.kernel = kernels.add(step.kernel, text, source);
  }
  plan.distinctKernels = kernels.distinct();
  return success();
}
