//===- OpClasses.h - How each ingot op is computed ------------------------===//
//
// Fusion and code generation agree on one classification of the ops:
//   Elementwise - each output element from the same-index (broadcast)
//                 elements of the operands;
//   Remap       - each output element is one input element at a computed
//                 index (transpose, slice, gather, pad, concat, nearest
//                 resize, ...);
//   Windowed    - each output element from a window of input elements
//                 (pooling, linear/cubic resize);
//   Reduction   - reductions and the normalizations built on them;
//   Library     - GEMM and convolution, done by a library call;
//   Attention   - softmax(q k^T) v, one kernel of its own that reads q, k
//                 and v many times (never pointwise);
//   ShapeOnly   - shape computations that must fold away before codegen.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_DIALECTS_INGOT_OPCLASSES_H
#define INGOT_DIALECTS_INGOT_OPCLASSES_H

#include "mlir/IR/Operation.h"

#include <optional>

namespace mlir::ingot {

enum class OpClass {
  Constant,
  Elementwise,
  Remap,
  Windowed,
  Reduction,
  Library,
  Attention,
  ShapeOnly,
  Other
};

OpClass classifyOp(Operation *op);

/// Elementwise and remapping ops can be computed inside a consumer's loop.
inline bool isLoopFusible(Operation *op) {
  OpClass c = classifyOp(op);
  return c == OpClass::Elementwise || c == OpClass::Remap;
}

/// For reduce_mean/sum/max/min over float values that keeps its dims and
/// reduces exactly the last k >= 1 dims of a static shape (a row reduction
/// whose result broadcasts back over its rows): k. Otherwise nullopt.
/// Such reductions can be stitched into the kernel of their consumers.
std::optional<unsigned> trailingRowReduction(Operation *op);

} // namespace mlir::ingot

#endif
