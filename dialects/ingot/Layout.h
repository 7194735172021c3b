//===- Layout.h - Channels-first / channels-last permutations
//--------------===//
//
// One definition of how N[D]HWC relates to ONNX's NC[D]HW, shared by the
// ops' inference, ingot-assign-layout and the code generators. A transpose
// with perm p has result dim i = input dim p[i].
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_DIALECTS_INGOT_LAYOUT_H
#define INGOT_DIALECTS_INGOT_LAYOUT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace mlir::ingot {

/// Transpose perm from NC[D]HW to N[D]HWC: {0, 2, ..., rank-1, 1}.
inline llvm::SmallVector<int64_t> toChannelsLastPerm(int64_t rank) {
  llvm::SmallVector<int64_t> perm = {0};
  for (int64_t i = 2; i < rank; ++i)
    perm.push_back(i);
  perm.push_back(1);
  return perm;
}

/// Transpose perm from N[D]HWC to NC[D]HW: {0, rank-1, 1, ..., rank-2}.
inline llvm::SmallVector<int64_t> toChannelsFirstPerm(int64_t rank) {
  llvm::SmallVector<int64_t> perm = {0, rank - 1};
  for (int64_t i = 1; i < rank - 1; ++i)
    perm.push_back(i);
  return perm;
}

/// values[perm[0]], values[perm[1]], ...: a shape (or per-dimension list)
/// after a transpose with `perm`.
template <typename T>
llvm::SmallVector<T> permuted(llvm::ArrayRef<T> values,
                              llvm::ArrayRef<int64_t> perm) {
  llvm::SmallVector<T> out;
  for (int64_t p : perm)
    out.push_back(values[p]);
  return out;
}

/// The NC[D]HW view of a shape that is channels-last when `channelsLast`.
inline llvm::SmallVector<int64_t>
channelsFirstShape(llvm::ArrayRef<int64_t> shape, bool channelsLast) {
  if (!channelsLast || shape.size() < 3)
    return llvm::SmallVector<int64_t>(shape);
  return permuted(shape, toChannelsFirstPerm(shape.size()));
}

/// The inverse of a permutation.
inline llvm::SmallVector<int64_t> inversePerm(llvm::ArrayRef<int64_t> perm) {
  llvm::SmallVector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inverse[perm[i]] = static_cast<int64_t>(i);
  return inverse;
}

} // namespace mlir::ingot

#endif
