//===- LibraryCalls.cpp - GEMM/convolution parameters of library ops ------===//
#include "codegen/LibraryCalls.h"

#include "dialects/ingot/Layout.h"

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
  if constexpr (!std::is_same_v<ConvLike, ConvTransposeOp>)
    c.channelsLast = op.getChannelsLast();
  // The geometry in NC[D]HW terms, whatever the layout.
  SmallVector<int64_t> xs = channelsFirstShape(shapeOf(op.getInput()),
                                               c.channelsLast),
                       ws = channelsFirstShape(shapeOf(op.getWeight()),
                                               c.channelsLast),
                       ys = channelsFirstShape(shapeOf(op.getResult()),
                                               c.channelsLast);
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
  if (auto conv = dyn_cast<ConvIntegerOp>(op)) {
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
      int64_t outPad =
          convT.getOutputPadding() ? (*convT.getOutputPadding())[i] : 0;
      int64_t total = c.stride[i] * (c.inSize[i] - 1) + outPad +
                      (c.kernel[i] - 1) * c.dilation[i] + 1 - c.outSize[i];
      int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
      int64_t begin = autoPad == "VALID"        ? 0
                      : autoPad == "SAME_UPPER" ? half
                                                : total - half;
      if (!convT.getOutputShape() && autoPad == "NOTSET" && convT.getPads())
        begin = (*convT.getPads())[i];
      c.padBegin[i] = begin;
      c.padEnd[i] = autoPad == "VALID" ? 0 : total - begin;
    }
  }
  return c;
}

FailureOr<SmallVector<GemmCall>> codegen::describeGemm(Operation *op) {
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
    return SmallVector<GemmCall>{g};
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
  // Batch dims of A, B and the result, right-aligned to one rank.
  SmallVector<int64_t> ba(pa.begin(), pa.end() - 2),
      bb(pb.begin(), pb.end() - 2);
  size_t rank = std::max(ba.size(), bb.size());
  ba.insert(ba.begin(), rank - ba.size(), 1);
  bb.insert(bb.begin(), rank - bb.size(), 1);
  SmallVector<int64_t> bo(rank);
  int64_t batch = 1, countA = 1, countB = 1;
  for (size_t i = 0; i < rank; ++i) {
    bo[i] = std::max(ba[i], bb[i]);
    batch *= bo[i];
    countA *= ba[i];
    countB *= bb[i];
  }
  g.strideC = g.m * g.n;
  bool aSimple = countA == 1 || ba == bo, bSimple = countB == 1 || bb == bo;
  if (aSimple && bSimple) {
    g.batch = batch;
    g.strideA = countA == 1 ? 0 : g.m * g.k;
    g.strideB = countB == 1 ? 0 : g.k * g.n;
    return SmallVector<GemmCall>{g};
  }
  // Partial broadcasting: one call per output matrix.
  if (batch > 4096)
    return mm.emitError() << "batched matmul with partial broadcasting over "
                          << batch
                          << " matrices is not supported on the GPU yet";
  SmallVector<GemmCall> calls;
  for (int64_t b = 0; b < batch; ++b) {
    int64_t rest = b, offA = 0, offB = 0, strideA = 1, strideB = 1;
    for (int64_t i = rank - 1; i >= 0; --i) {
      int64_t coord = rest % bo[i];
      rest /= bo[i];
      if (ba[i] != 1)
        offA += coord * strideA;
      if (bb[i] != 1)
        offB += coord * strideB;
      strideA *= ba[i];
      strideB *= bb[i];
    }
    GemmCall c = g;
    c.offsetA = offA * g.m * g.k;
    c.offsetB = offB * g.k * g.n;
    c.offsetC = b * g.m * g.n;
    calls.push_back(c);
  }
  return calls;
}

uint64_t codegen::flopsOf(const ConvCall &c) {
  // Each output element of a forward convolution (each input element of a
  // transposed one) takes channels/group x kernel volume multiply-adds.
  uint64_t window = 1, points = 1;
  for (int64_t k : c.kernel)
    window *= uint64_t(k);
  for (int64_t v : c.transposed ? c.inSize : c.outSize)
    points *= uint64_t(v);
  uint64_t through =
      uint64_t(c.transposed ? c.outChannels : c.inChannels) / uint64_t(c.group);
  uint64_t across = uint64_t(c.transposed ? c.inChannels : c.outChannels);
  return 2 * uint64_t(c.batch) * across * points * through * window;
}

uint64_t codegen::flopsOf(const GemmCall &g) {
  return 2 * uint64_t(g.batch) * uint64_t(g.m) * uint64_t(g.n) * uint64_t(g.k);
}

uint64_t codegen::libraryFlops(Operation *op) {
  if (isa<ConvOp, ConvIntegerOp, ConvTransposeOp>(op)) {
    FailureOr<ConvCall> c = describeConv(op);
    return succeeded(c) ? flopsOf(*c) : 0;
  }
  // Sizes that vary (a range of shapes) give no fixed figure.
  for (Value v : op->getOperands())
    if (!cast<ShapedType>(v.getType()).hasStaticShape())
      return 0;
  if (!cast<ShapedType>(op->getResult(0).getType()).hasStaticShape())
    return 0;
  // GEMM and matmul: k multiply-adds per result element.
  int64_t k = 0;
  if (auto gemm = dyn_cast<GemmOp>(op))
    k = shapeOf(gemm.getA())[gemm.getTransA() ? 0 : 1];
  else if (auto mm = dyn_cast<MatMulOp>(op))
    k = shapeOf(mm.getLhs()).back();
  else
    return 0;
  uint64_t elements = 1;
  for (int64_t d : shapeOf(op->getResult(0)))
    elements *= uint64_t(d);
  return 2 * elements * uint64_t(k);
}
