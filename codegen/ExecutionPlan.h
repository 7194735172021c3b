//===- ExecutionPlan.h - Steps and buffers of a compiled function ---------===//
#ifndef INGOT_CODEGEN_EXECUTIONPLAN_H
#define INGOT_CODEGEN_EXECUTIONPLAN_H

#include "dialects/ingot/IngotOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace mlir::ingot::codegen {

struct PlanBuffer {
  enum class Kind { Arena, Weight, Input, Output };
  Kind kind;
  uint64_t offset = 0; // arena or weights offset
  uint64_t size = 0;   // bytes
  uint32_t index = 0;  // input/output number
  int defStep = -1, lastUse = -1; // liveness, for arena buffers
};

struct PlanStep {
  enum class Kind { Kernel, Copy };
  Kind kind = Kind::Kernel;
  std::string kernel;            // symbol, for kernels
  std::vector<unsigned> buffers; // inputs then output (copy: from, to)
  FusionOp region;               // for kernels
};

struct PlanTensor {
  std::string name;
  Type elementType;
  std::vector<int64_t> shape;
  std::vector<std::string> dimParams;
};

struct ExecutionPlan {
  std::vector<PlanBuffer> buffers;
  std::vector<PlanStep> steps;
  std::vector<PlanTensor> inputs, outputs;
  std::vector<char> weights; // packed, 64-byte aligned entries
  uint64_t arenaBytes = 0;
  uint64_t intermediateBytes = 0; // all arena buffers, without reuse
  uint64_t bytesAccessed = 0;
  unsigned kernels = 0, libraryCalls = 0;
};

/// Builds the plan for a function whose body is fusion regions, constants and
/// a return (after --ingot-fuse). Reports unsupported input as diagnostics.
FailureOr<ExecutionPlan> buildExecutionPlan(func::FuncOp func);

/// Assigns arena offsets with liveness-based reuse (greedy, largest first,
/// lowest free offset); returns the arena size.
uint64_t planArena(std::vector<PlanBuffer> &buffers);

} // namespace mlir::ingot::codegen

#endif
