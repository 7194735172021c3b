//===- LibraryTypes.h - Element types of GEMM and convolution steps -------===//
//
// What a GEMM or CONV step's `library_dtype` means, for every reader of a
// manifest (validator, CUDA executor, the CUDA emulation): FP32, FP16 or
// BF16 buffers, accumulated in FP32; or, for GEMMs only, DT_I8: int8 A and
// B, int32 C (exact sums, cuBLASLt's integer GEMM). DT_INVALID is F32
// (artifacts written before the field existed).
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_RUNTIME_LIBRARYTYPES_H
#define INGOT_RUNTIME_LIBRARYTYPES_H

#include "proto/manifest.pb.h"

#include <cstddef>

namespace ingot::runtime {

inline artifact::DataType libraryType(const artifact::Step &s) {
  return s.library_dtype() == artifact::DT_INVALID ? artifact::DT_F32
                                                   : s.library_dtype();
}

/// Bytes per element of a floating-point library step's buffers (2 or 4).
inline size_t libraryElementBytes(const artifact::Step &s) {
  artifact::DataType t = libraryType(s);
  return t == artifact::DT_F16 || t == artifact::DT_BF16 ? 2 : 4;
}

/// Bytes per element of a library step's buffer `k` (A/X, B/W, the output,
/// then bias and residual): an int8 GEMM reads bytes and writes int32.
inline size_t libraryOperandBytes(const artifact::Step &s, int k) {
  if (libraryType(s) == artifact::DT_I8)
    return k < 2 ? 1 : 4;
  return libraryElementBytes(s);
}

} // namespace ingot::runtime

#endif
