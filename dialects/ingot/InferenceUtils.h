//===- InferenceUtils.h - Helpers shared by the ops' type inference -------===//
//
// Private to the dialect library. Shapes are carried as vectors of int64 with
// ShapedType::kDynamic for unknown sizes; std::nullopt stands for "unranked".
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_DIALECTS_INGOT_INFERENCEUTILS_H
#define INGOT_DIALECTS_INGOT_INFERENCEUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace mlir::ingot::util {

using Dims = SmallVector<int64_t>;
constexpr int64_t kDyn = ShapedType::kDynamic;

/// The shape of a tensor type, or nullopt when it is unranked.
std::optional<Dims> getDims(Type type);
Type getElementType(Type type);

/// The integer values of a constant operand (inline or blob-backed), or
/// nullopt when the operand is not a constant.
std::optional<SmallVector<int64_t>> getConstantInts(Value value);
/// Same for floating-point constants.
std::optional<SmallVector<double>> getConstantFloats(Value value);

/// Maps a possibly negative axis into [0, rank) (or [0, rank] with
/// `allowEnd`), emitting "<what> N is out of range for rank R" otherwise.
FailureOr<int64_t> normalizeAxis(std::optional<Location> loc, int64_t axis,
                                 int64_t rank, StringRef what,
                                 bool allowEnd = false);

/// Numpy broadcasting of several shapes. Fails with a diagnostic naming both
/// shapes when two static sizes disagree. nullopt result: some input unranked.
LogicalResult broadcastDims(std::optional<Location> loc,
                            ArrayRef<std::optional<Dims>> shapes,
                            std::optional<Dims> &result);

/// Product of the dims, or kDyn if any is dynamic.
int64_t product(ArrayRef<int64_t> dims);

std::string formatDims(ArrayRef<int64_t> dims);

/// Appends the result components for a tensor of `dims` (ranked) or an
/// unranked tensor (nullopt) of `elementType`.
LogicalResult pushResult(SmallVectorImpl<ShapedTypeComponents> &results,
                         const std::optional<Dims> &dims, Type elementType);

/// Requires all `types` to share one element type; returns it.
FailureOr<Type> commonElementType(std::optional<Location> loc, TypeRange types,
                                  StringRef opName);

} // namespace mlir::ingot::util

#endif
