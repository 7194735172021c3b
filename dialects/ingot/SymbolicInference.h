//===- SymbolicInference.h - The walk behind SymbolicShapes.h ----------===//
//
// Private to the dialect library: the state of one symbolic shape inference
// and its steps. SymbolicShapes.cpp has the walk, broadcasting, unification
// and the checks of each result; SymbolicShapeRules.cpp the per-op rules.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_DIALECTS_INGOT_SYMBOLICINFERENCE_H
#define INGOT_DIALECTS_INGOT_SYMBOLICINFERENCE_H

#include "dialects/ingot/IngotOps.h"
#include "dialects/ingot/SymbolicShapes.h"

namespace mlir::ingot::detail {

using Exprs = SmallVector<DimExpr>;

/// A negative axis counted from the end.
inline int64_t normalizeAxis(int64_t axis, size_t rank) {
  return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
}

/// One walk over the function, in program order.
class SymbolicInference {
public:
  explicit SymbolicInference(SymbolicShapes &s) : s(s) {}

  LogicalResult declare(func::FuncOp func);
  LogicalResult visit(Operation *op);

  // The walk's shared steps (SymbolicShapes.cpp).

  /// The sizes of `v`: inferred, or the static sizes of its type.
  std::optional<Exprs> dimsOf(Value v);
  /// The contents of an integer tensor of a shape computation: inferred, or
  /// a small constant's.
  std::optional<Exprs> valuesOf(Value v);
  /// Numpy broadcasting of `shapes`; unequal symbolic sizes are unified
  /// (M == N) where both are single dims, otherwise an error.
  FailureOr<Exprs> broadcast(Operation *op, ArrayRef<Exprs> shapes);
  LogicalResult unify(Operation *op, unsigned from, unsigned into);
  /// Checks the inferred sizes against the result's type and the ranges.
  LogicalResult record(Operation *op, Value result, Exprs exprs);
  /// Whether a and b are equal with every dim at its MIN, its MAX, and its
  /// OPT.
  bool agreeAtEnds(const DimExpr &a, const DimExpr &b) const;
  /// `exprs` with the dims unified so far replaced by their survivors.
  Exprs canonical(Exprs exprs) const;

  // Per-op rules (SymbolicShapeRules.cpp).

  /// The sizes of the single result of `op`.
  FailureOr<Exprs> inferResult(Operation *op);
  FailureOr<Exprs> reshape(Operation *op, const Exprs &in, const Exprs &target,
                           bool allowZero);
  FailureOr<Exprs> window(Operation *op, const Exprs &in);
  FailureOr<Exprs> transposedWindow(ConvTransposeOp op, const Exprs &in);
  /// Contents of an elementwise integer op on shape values (Add, Mul, ...).
  std::optional<Exprs> valueArithmetic(Operation *op);

  SymbolicShapes &s;
  std::vector<std::pair<unsigned, unsigned>> renames; // (from, into)
};

} // namespace mlir::ingot::detail

#endif
