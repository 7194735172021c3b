//===- HostTensor.h - Constant tensors evaluated on the host --------------===//
//
// Constant folding reads constants (inline `dense<>` or blob-backed
// `dense_resource<>`) into a HostTensor, evaluates in double or int64, and
// writes the result back with the element type's rounding/wrapping. Folding
// is limited to small tensors: it exists to resolve shape computations and
// tiny parameter arithmetic, not to precompute large weights at import.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_DIALECTS_INGOT_HOSTTENSOR_H
#define INGOT_DIALECTS_INGOT_HOSTTENSOR_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <vector>

namespace mlir::ingot {

/// Largest result (in elements) that folders materialize as a new constant.
constexpr int64_t kMaxFoldElements = 1 << 16;

class HostTensor {
public:
  RankedTensorType type;
  std::vector<double> floats; // used when the element type is a float
  std::vector<int64_t> ints;  // used for integers and i1

  bool isFloat() const { return isa<FloatType>(type.getElementType()); }
  int64_t size() const {
    return isFloat() ? static_cast<int64_t>(floats.size())
                     : static_cast<int64_t>(ints.size());
  }
  double getDouble(int64_t i) const {
    return isFloat() ? floats[i] : static_cast<double>(ints[i]);
  }
  int64_t getInt(int64_t i) const {
    return isFloat() ? static_cast<int64_t>(floats[i]) : ints[i];
  }

  /// An empty (uninitialized-zero) tensor of `type`, which must be static.
  static HostTensor zeros(RankedTensorType type);

  /// Reads a static-shaped constant with at most `maxElements` elements.
  static std::optional<HostTensor> fromAttr(Attribute attr,
                                            int64_t maxElements);

  /// Reads the constant that defines `v` (weights: passes that rewrite
  /// them read up to 64M elements); nullopt when `v` is not a constant.
  static std::optional<HostTensor>
  fromConstant(Value v, int64_t maxElements = int64_t(1) << 26);

  /// Converts back to an inline constant (rounding/wrapping to the type).
  ElementsAttr toAttr() const;

  /// Converts to a blob-backed constant (for weights a pass rewrites), named
  /// `blobName` (made unique by the context).
  ElementsAttr toBlobAttr(StringRef blobName) const;
};

/// Strides (in elements) of a row-major static shape.
SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape);

/// `in` transposed by `perm` into a tensor of `resultType` (result dim i is
/// input dim perm[i]): the transpose folder and ingot-assign-layout's weight
/// transposes.
HostTensor transposeHostTensor(const HostTensor &in, ArrayRef<int64_t> perm,
                               RankedTensorType resultType);

} // namespace mlir::ingot

#endif
