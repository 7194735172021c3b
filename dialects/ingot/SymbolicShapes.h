//===- SymbolicShapes.h - Symbolic dimensions through a function ----------===//
//
// A function compiled for a range of shapes has `?` in its tensor types where
// a size depends on a symbolic dimension. The types alone cannot tell N from
// W, nor N * 12 from N, so this analysis gives every tensor of the function
// its sizes as DimExprs of the named dims, and every small integer tensor
// that a shape computation builds (Shape, Gather, Concat, arithmetic) its
// contents, from which Reshape, Expand and ConstantOfShape take their
// result shapes.
//
// The dims and their ranges come from the function: attribute
// `ingot.dim_ranges` ({N = array<i64: MIN, MAX, OPT>, ...}) and each
// argument's `ingot.dim_params` (the name of each dimension, "" where it is
// static).
//
// Shapes the graph forces to agree become constraints: two dims broadcast
// against each other are one dim (M == N; the ranges intersect), a Reshape
// that splits W into W / 4 x 4 requires W % 4 == 0. A size the range cannot
// give (a window that does not fit the smallest W, a reshape to a fixed
// size) is an error naming the op and the dims.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_DIALECTS_INGOT_SYMBOLICSHAPES_H
#define INGOT_DIALECTS_INGOT_SYMBOLICSHAPES_H

#include "dialects/ingot/DimExpr.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::ingot {

/// The function attribute holding the symbolic dims and their ranges.
inline constexpr llvm::StringLiteral kDimRangesAttr = "ingot.dim_ranges";
/// The largest MAX of a range (2^31 - 1): sizes are products of a few dims
/// and must stay far from int64_t's limit.
inline constexpr int64_t kMaxSymbolicDim = (int64_t(1) << 31) - 1;

struct SymbolicShapes {
  /// The symbolic dims, by symbol number.
  std::vector<std::string> names;
  std::vector<DimRange> ranges;
  /// Sizes of every ranked tensor value.
  llvm::DenseMap<Value, SmallVector<DimExpr>> dims;
  /// Contents of the 0-D and 1-D integer tensors of shape computations.
  llvm::DenseMap<Value, SmallVector<DimExpr>> values;
  /// What the graph requires of the dims beyond their ranges, readable
  /// ("W % 4 == 0"); the runtime will check them on every call.
  std::vector<std::string> constraints;
  /// The same constraints as the runtime checks them: `value == equals`,
  /// or `value % modulus == 0` where modulus > 0. Dims unified by a
  /// broadcast are one symbol instead (the runtime checks the inputs'
  /// sizes against their expressions).
  struct Check {
    DimExpr value, equals;
    int64_t modulus = 0;
  };
  std::vector<Check> checks;

  std::string str(const DimExpr &e) const { return e.str(names); }
  /// "[N, 3, W / 4]".
  std::string str(ArrayRef<DimExpr> dims) const;
};

/// Whether the function declares symbolic dims (kDimRangesAttr).
bool hasSymbolicDims(func::FuncOp func);

/// Infers the sizes of every tensor of `func` from its symbolic dims.
/// Reports what it cannot follow as errors on the op (unsupported ops with
/// symbolic sizes, sizes the ranges contradict).
FailureOr<SymbolicShapes> inferSymbolicShapes(func::FuncOp func);

} // namespace mlir::ingot

#endif
