//===- HostBackend.h - From a fused module to host source and artifact ----===//
#ifndef INGOT_CODEGEN_HOSTBACKEND_H
#define INGOT_CODEGEN_HOSTBACKEND_H

#include "codegen/ExecutionPlan.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::ingot::codegen {

struct LoweringOptions {
  /// ingot-assign-precision's options: fp32, tf32, fp16, bf16; model or
  /// compute.
  std::string precision = "fp32", ioPrecision = "model";
  /// ingot-assign-layout's options: auto, nchw or nhwc; host or cuda.
  std::string layout = "auto", target = "host";
  /// ingot-quantize's: quantize the ops in this table (none when empty),
  /// except those named in `quantizeSkip`.
  std::string calibrationTable;
  std::vector<std::string> quantizeSkip;
  /// How activations are quantized: auto (asymmetric uint8 on the host;
  /// on CUDA symmetric-windows: symmetric int8 for the convolutions cuDNN
  /// runs, which pads with 0), symmetric, symmetric-windows or
  /// asymmetric.
  std::string quantizeActivations = "auto";
  /// ingot-fuse-attention and ingot-merge-sibling-matmuls (ingotc
  /// --fuse-attention=false turns them off, to compare).
  bool fuseAttention = true;
};

/// Adds the passes that turn the front end's output into fusion regions:
/// batch-norm folding, canonicalization, layout and precision assignment,
/// fusion, dead-code elimination.
void buildHostLoweringPipeline(OpPassManager &pm,
                               const LoweringOptions &options = {});

/// Plans `func` (already fused) and writes the host C++ for all its kernels.
LogicalResult generateHost(func::FuncOp func, ExecutionPlan &plan,
                           std::string &source);

} // namespace mlir::ingot::codegen

#endif
