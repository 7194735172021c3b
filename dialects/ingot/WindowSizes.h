//===- WindowSizes.h - Output sizes of sliding windows --------------------===//
//
// ONNX's output size of one spatial dimension of a convolution or pooling
// window, and of a transposed convolution, written once for the static
// shape inference (int64_t sizes, NNOps.cpp) and the symbolic one (DimExpr
// sizes, SymbolicShapeRules.cpp). Each caller checks its own preconditions
// (a window that fits, ceil_mode) around them.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_DIALECTS_INGOT_WINDOWSIZES_H
#define INGOT_DIALECTS_INGOT_WINDOWSIZES_H

#include "dialects/ingot/DimExpr.h"

#include <cstdint>

namespace mlir::ingot {

/// floor(a / d) and ceil(a / d) for d > 0, on either kind of size.
inline int64_t floorDivide(int64_t a, int64_t d) {
  return a / d - (a % d != 0 && a < 0);
}
inline DimExpr floorDivide(const DimExpr &a, int64_t d) {
  return a.floorDiv(d);
}
inline int64_t ceilDivide(int64_t a, int64_t d) { return -floorDivide(-a, d); }
inline DimExpr ceilDivide(const DimExpr &a, int64_t d) { return a.ceilDiv(d); }

/// A convolution's or pooling's output size without ceil_mode: with SAME
/// padding ceil(in / stride), else floor((in + pads - effective) / stride)
/// + 1, where effective = dilation * (kernel - 1) + 1 and pads is the sum
/// of both ends' (0 for VALID).
template <typename Size>
Size windowOutputSize(const Size &in, bool samePadding, int64_t pads,
                      int64_t effective, int64_t stride) {
  if (samePadding)
    return ceilDivide(in, stride);
  return floorDivide(in + Size(pads - effective), stride) + Size(1);
}

/// With ceil_mode: ceil((in + pads - effective) / stride) + 1. ONNX then
/// drops a last window that would start in the end padding; that cannot
/// happen where `ceilWindowsAllStartInside` holds.
template <typename Size>
Size ceilWindowOutputSize(const Size &in, int64_t pads, int64_t effective,
                          int64_t stride) {
  return ceilDivide(in + Size(pads - effective), stride) + Size(1);
}

/// Whether every ceil_mode window starts inside the input or its begin
/// padding, whatever the size: the last one starts at (out - 1) * stride -
/// padBegin <= in + padEnd + stride - 1 - effective, below `in` when padEnd
/// + stride <= effective (pooling 3x3 / 2 with padding 1, 2x2 / 2 without).
inline bool ceilWindowsAllStartInside(int64_t padEnd, int64_t stride,
                                      int64_t effective) {
  return padEnd + stride <= effective;
}

/// A transposed convolution's output size from explicit pads (or VALID:
/// 0): stride * (in - 1) + output_padding + effective - pads.
template <typename Size>
Size transposedOutputSize(const Size &in, int64_t stride, int64_t outputPadding,
                          int64_t effective, int64_t pads) {
  return Size(stride) * (in - Size(1)) + Size(outputPadding + effective - pads);
}

} // namespace mlir::ingot

#endif
