//===- LibraryCalls.cpp - GEMM/convolution parameters of library ops ------===//
#include "codegen/LibraryCalls.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::codegen;

static ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

template <typename ConvLike>
static ConvCall commonConv(ConvLike op, bool transposed) {
  ConvCall c;
  c.transposed = transposed;
  ArrayRef<int64_t> xs = shapeOf(op.getInput()), ws = shapeOf(op.getWeight()),
                    ys = shapeOf(op.getResult());
  size_t spatial = xs.size() - 2;
  c.batch = xs[0];
  c.inChannels = xs[1];
  c.outChannels = ys[1];
  c.group = static_cast<int64_t>(op.getGroup());
  for (size_t i = 0; i < spatial; ++i) {
    c.inSize.push_back(xs[i + 2]);
    c.outSize.push_back(ys[i + 2]);
    c.kernel.push_back(ws[i + 2]);
    c.stride.push_back(op.getStrides() ? (*op.getStrides())[i] : 1);
    c.dilation.push_back(op.getDilations() ? (*op.getDilations())[i] : 1);
    c.padBegin.push_back(op.getPads() ? (*op.getPads())[i] : 0);
    c.padEnd.push_back(op.getPads() ? (*op.getPads())[spatial + i] : 0);
  }
  return c;
}

FailureOr<ConvCall> codegen::describeConv(Operation *op) {
  if (auto conv = dyn_cast<ConvOp>(op)) {
    if (conv.getAutoPad() != "NOTSET")
      return conv.emitError() << "convolution with unresolved auto_pad";
    return commonConv(conv, false);
  }
  auto convT = cast<ConvTransposeOp>(op);
  ConvCall c = commonConv(convT, true);
  // With output_shape or SAME/VALID padding the pads follow from the sizes:
  // total = s*(in-1) + output_padding + (k-1)*d + 1 - out, split with floor
  // division as ONNX specifies (an output_shape larger than the natural size
  // pads at the end).
  StringRef autoPad = convT.getAutoPad();
  if (convT.getOutputShape() || autoPad != "NOTSET") {
    for (size_t i = 0; i < c.inSize.size(); ++i) {
      int64_t outPad = convT.getOutputPadding() ? (*convT.getOutputPadding())[i] : 0;
      int64_t total = c.stride[i] * (c.inSize[i] - 1) + outPad +
                      (c.kernel[i] - 1) * c.dilation[i] + 1 - c.outSize[i];
      int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
      int64_t begin = autoPad == "VALID" ? 0 : autoPad == "SAME_UPPER" ? half : total - half;
      if (!convT.getOutputShape() && autoPad == "NOTSET" && convT.getPads())
        begin = (*convT.getPads())[i];
      c.padBegin[i] = begin;
      c.padEnd[i] = autoPad == "VALID" ? 0 : total - begin;
    }
  }
  return c;
}

FailureOr<GemmCall> codegen::describeGemm(Operation *op) {
  GemmCall g;
  if (auto gemm = dyn_cast<GemmOp>(op)) {
    ArrayRef<int64_t> as = shapeOf(gemm.getA()), bs = shapeOf(gemm.getB());
    g.transA = gemm.getTransA();
    g.transB = gemm.getTransB();
    g.m = g.transA ? as[1] : as[0];
    g.k = g.transA ? as[0] : as[1];
    g.n = g.transB ? bs[0] : bs[1];
    g.lda = as[1];
    g.ldb = bs[1];
    g.ldc = g.n;
    g.alpha = static_cast<float>(gemm.getAlpha().convertToDouble());
    return g;
  }
  auto mm = cast<MatMulOp>(op);
  SmallVector<int64_t> pa(shapeOf(mm.getLhs())), pb(shapeOf(mm.getRhs()));
  if (pa.size() == 1)
    pa.insert(pa.begin(), 1);
  if (pb.size() == 1)
    pb.push_back(1);
  g.m = pa[pa.size() - 2];
  g.k = pa.back();
  g.n = pb.back();
  g.lda = g.k;
  g.ldb = g.n;
  g.ldc = g.n;
  ArrayRef<int64_t> batchA = ArrayRef<int64_t>(pa).drop_back(2);
  ArrayRef<int64_t> batchB = ArrayRef<int64_t>(pb).drop_back(2);
  ArrayRef<int64_t> out = shapeOf(mm.getResult());
  size_t outBatchRank = out.size() - (shapeOf(mm.getLhs()).size() == 1 ? 0 : 1) -
                        (shapeOf(mm.getRhs()).size() == 1 ? 0 : 1);
  int64_t batch = 1;
  for (size_t i = 0; i < outBatchRank; ++i)
    batch *= out[i];
  auto product = [](ArrayRef<int64_t> dims) {
    int64_t p = 1;
    for (int64_t d : dims)
      p *= d;
    return p;
  };
  g.batch = batch;
  g.strideC = g.m * g.n;
  auto strideFor = [&](ArrayRef<int64_t> dims, int64_t matrix) -> FailureOr<int64_t> {
    int64_t p = product(dims);
    if (p == 1)
      return int64_t(0); // broadcast
    if (p == batch)
      return matrix;
    return failure();
  };
  FailureOr<int64_t> sa = strideFor(batchA, g.m * g.k), sb = strideFor(batchB, g.k * g.n);
  if (failed(sa) || failed(sb))
    return mm.emitError() << "batched matmul with partial broadcasting is not supported by the "
                             "GPU library path yet";
  g.strideA = *sa;
  g.strideB = *sb;
  return g;
}
