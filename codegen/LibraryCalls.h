//===- LibraryCalls.h - GEMM/convolution parameters of library ops --------===//
//
// One place that turns ingot.conv / conv_transpose / gemm / matmul into the
// plain parameters the libraries take (Eigen on the host, cuBLASLt and cuDNN
// on the GPU), including the padding that SAME and output_shape imply.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_CODEGEN_LIBRARYCALLS_H
#define INGOT_CODEGEN_LIBRARYCALLS_H

#include "codegen/ExecutionPlan.h"

namespace mlir::ingot::codegen {

/// Convolution geometry of a ConvOp or ConvTransposeOp. `shapes`: the
/// function's symbolic sizes, or null; fields that vary are in
/// ConvCall::symbolic.
FailureOr<ConvCall> describeConv(Operation *op,
                                 const SymbolicShapes *shapes = nullptr);

/// A GemmOp (2-D, optional transposes) or MatMulOp (batched, numpy
/// broadcasting) as library calls: one strided-batched call when each
/// operand has either all of the result's batch dims or none, else one call
/// per output matrix with its own offsets.
/// `shapes`: the function's symbolic sizes, or null; fields that vary are
/// in GemmCall::symbolic.
FailureOr<SmallVector<GemmCall>>
describeGemm(Operation *op, const SymbolicShapes *shapes = nullptr);

/// A ConvIntegerOp that is one int8 GEMM, as CUDA runs it with cuBLASLt
/// (int32 sums): channels-last, pointwise, unit strides, no padding, signed
/// int8 activations with zero point 0, channels multiples of 4 (the form
/// ingot-quantize writes with gpu-integer-gemms). Row-major
/// Y[pixels, M] = X[pixels, C] W[M, C]^T. Other forms are an error naming
/// what is missing.
FailureOr<GemmCall> describeIntegerGemm(ConvIntegerOp conv,
                                        const SymbolicShapes *shapes);

/// A ConvIntegerOp with `float_sums`, as CUDA runs it with cuDNN (int8
/// NHWC activations and OHWI weights, int32 accumulation, FP32 output):
/// channels-last, signed int8 activations with zero point 0 (cuDNN pads
/// with 0), group 1, channels multiples of 4, symmetric padding. Other
/// forms are an error naming what is missing.
FailureOr<ConvCall> describeIntegerConv(ConvIntegerOp conv,
                                        const SymbolicShapes *shapes);

/// Floating-point operations of a call, 2 per multiply-add (what GFLOP/s
/// figures count), as an expression of the symbolic dims where its sizes
/// vary (a constant otherwise).
DimExpr flopsOf(const ConvCall &conv);
DimExpr flopsOf(const GemmCall &gemm);
/// Of the GEMM/convolution `op` (a ConvOp, ConvIntegerOp, ConvTransposeOp,
/// GemmOp or MatMulOp); 0 when it cannot be described.
DimExpr libraryFlops(Operation *op, const SymbolicShapes *shapes = nullptr);

} // namespace mlir::ingot::codegen

#endif
