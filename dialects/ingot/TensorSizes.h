//===- TensorSizes.h - Checked element counts and byte sizes --------------===//
//
// Every tensor type enters the IR through the importer (initializers, graph
// inputs) or an op's type inference, and both check its size with these
// helpers; a crafted shape such as [3, 6148914691236517208] is an error
// naming the tensor instead of a product that wraps around to a small
// number and passes later bounds checks. Folding and plan building then work
// on types whose byte size is known to fit (at most 2^48 bytes).
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_DIALECTS_INGOT_TENSORSIZES_H
#define INGOT_DIALECTS_INGOT_TENSORSIZES_H

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::ingot {

/// The largest tensor Ingot accepts, in bytes: 2^48 (256 TiB) is beyond any
/// device, and it keeps sums of many tensor sizes (arenas, traffic) far from
/// 64-bit overflow.
constexpr int64_t kMaxTensorBytes = int64_t(1) << 48;

/// Bytes of one element in memory (i1 is stored as one byte).
inline int64_t elementStorageBytes(Type element) {
  if (element.isInteger(1))
    return 1;
  return element.isIntOrFloat() ? (element.getIntOrFloatBitWidth() + 7) / 8 : 8;
}

/// Product of static, non-negative dims; nullopt when a dim is dynamic or
/// negative or the product does not fit in int64.
inline std::optional<int64_t>
checkedElementCount(llvm::ArrayRef<int64_t> dims) {
  int64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0)
      return std::nullopt;
    std::optional<int64_t> next = llvm::checkedMul<int64_t>(count, d);
    if (!next)
      return std::nullopt;
    count = *next;
  }
  return count;
}

/// Byte size of a static shape, nullopt when it exceeds kMaxTensorBytes (or
/// the element count overflows).
inline std::optional<int64_t> checkedTensorBytes(llvm::ArrayRef<int64_t> dims,
                                                 int64_t elementBytes) {
  std::optional<int64_t> count = checkedElementCount(dims);
  if (!count)
    return std::nullopt;
  std::optional<int64_t> bytes =
      llvm::checkedMul<int64_t>(*count, elementBytes);
  if (!bytes || *bytes > kMaxTensorBytes)
    return std::nullopt;
  return bytes;
}

/// Byte size of the known (non-dynamic) dims of a shape: what can be checked
/// before every dim is bound.
inline std::optional<int64_t> checkedKnownBytes(llvm::ArrayRef<int64_t> dims,
                                                int64_t elementBytes) {
  llvm::SmallVector<int64_t> known;
  for (int64_t d : dims)
    if (d != ShapedType::kDynamic)
      known.push_back(d);
  return checkedTensorBytes(known, elementBytes);
}

/// "[3, 6148914691236517208] x f32 is larger than the 2^48-byte limit":
/// the message for a shape that failed the checks above, built from the
/// dims themselves so no wrapped-around product leaks into it.
std::string describeOversizedTensor(llvm::ArrayRef<int64_t> dims, Type element);

} // namespace mlir::ingot

#endif
