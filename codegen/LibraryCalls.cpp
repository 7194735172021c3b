//===- LibraryCalls.cpp - GEMM/convolution parameters of library ops ------===//
#include "codegen/LibraryCalls.h"
#include "codegen/ScalarEmitter.h"

#include "dialects/ingot/Layout.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::codegen;

/// The sizes of `v` in NC[D]HW order (from NHWC where channels-last).
static SmallVector<DimExpr> channelsFirstSizes(Value v, bool channelsLast,
                                               const SymbolicShapes *shapes) {
  Sizes sizes = codegen::sizesOf(v, shapes);
  if (!channelsLast || sizes.size() < 3)
    return sizes;
  SmallVector<DimExpr> out;
  for (int64_t d : toChannelsFirstPerm(sizes.size()))
    out.push_back(sizes[d]);
  return out;
}

template <typename ConvLike>
static ConvCall commonConv(ConvLike op, bool transposed,
                           const SymbolicShapes *shapes) {
  ConvCall c;
  c.transposed = transposed;
  if constexpr (!std::is_same_v<ConvLike, ConvTransposeOp>)
    c.channelsLast = op.getChannelsLast();
  // The geometry in NC[D]HW terms, whatever the layout. Sizes that vary
  // (batch, spatial) keep their largest value and their expression.
  SmallVector<DimExpr> xs = channelsFirstSizes(op.getInput(), c.channelsLast,
                                               shapes),
                       ys = channelsFirstSizes(op.getResult(), c.channelsLast,
                                               shapes);
  SmallVector<int64_t> ws =
      channelsFirstShape(shapeOf(op.getWeight()), c.channelsLast);
  auto value = [&](const std::string &name, const DimExpr &e) {
    if (std::optional<int64_t> v = e.constant())
      return *v;
    c.symbolic[name] = e;
    return bounds(e, shapes->ranges).second;
  };
  size_t spatial = xs.size() - 2;
  c.batch = value("batch", xs[0]);
  c.inChannels = value("in_channels", xs[1]);
  c.outChannels = value("out_channels", ys[1]);
  c.group = static_cast<int64_t>(op.getGroup());
  for (size_t i = 0; i < spatial; ++i) {
    c.inSize.push_back(value("in_size" + std::to_string(i), xs[i + 2]));
    c.outSize.push_back(value("out_size" + std::to_string(i), ys[i + 2]));
    c.kernel.push_back(ws[i + 2]);
    c.stride.push_back(op.getStrides() ? (*op.getStrides())[i] : 1);
    c.dilation.push_back(op.getDilations() ? (*op.getDilations())[i] : 1);
    c.padBegin.push_back(op.getPads() ? (*op.getPads())[i] : 0);
    c.padEnd.push_back(op.getPads() ? (*op.getPads())[spatial + i] : 0);
  }
  return c;
}

FailureOr<ConvCall> codegen::describeConv(Operation *op,
                                          const SymbolicShapes *shapes) {
  if (auto conv = dyn_cast<ConvOp>(op)) {
    if (conv.getAutoPad() != "NOTSET")
      return conv.emitError() << "convolution with unresolved auto_pad";
    return commonConv(conv, false, shapes);
  }
  if (auto conv = dyn_cast<ConvIntegerOp>(op)) {
    if (conv.getAutoPad() != "NOTSET")
      return conv.emitError() << "convolution with unresolved auto_pad";
    return commonConv(conv, false, shapes);
  }
  auto convT = cast<ConvTransposeOp>(op);
  ConvCall c = commonConv(convT, true, shapes);
  // With output_shape or SAME/VALID padding the pads follow from the sizes:
  // total = s*(in-1) + output_padding + (k-1)*d + 1 - out, split with floor
  // division as ONNX specifies (an output_shape larger than the natural size
  // pads at the end).
  StringRef autoPad = convT.getAutoPad();
  if ((convT.getOutputShape() || autoPad != "NOTSET") && !c.symbolic.empty())
    return convT.emitError() << "transposed convolution whose padding follows "
                                "from sizes that vary (output_shape or "
                                "auto_pad) is not supported yet";
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

/// What both GPU forms of a ConvIntegerOp need: channels-last, signed int8
/// activations with zero point 0, group 1, channels in multiples of 4.
/// `library` says which form, in errors.
static FailureOr<ConvCall> integerConvCall(ConvIntegerOp conv,
                                           const SymbolicShapes *shapes,
                                           StringRef library) {
  auto fail = [&](const Twine &why) {
    return conv.emitError()
           << "cuda: an integer convolution " << why << " (" << library << ")";
  };
  if (!conv.getChannelsLast())
    return fail("in channels-first layout");
  if (!elementTypeOf(conv.getInput()).isSignlessInteger(8) ||
      conv.getInputZeroPoint() != 0)
    return fail("on activations that are not int8 with zero point 0");
  FailureOr<ConvCall> c = describeConv(conv, shapes);
  if (failed(c))
    return failure();
  if (c->group != 1 || c->inChannels % 4 || c->outChannels % 4)
    return fail("that is grouped or has channels not multiples of 4");
  return c;
}

FailureOr<GemmCall> codegen::describeIntegerGemm(ConvIntegerOp conv,
                                                 const SymbolicShapes *shapes) {
  const char *library = "the GPU runs it as one cuBLASLt int8 GEMM";
  FailureOr<ConvCall> c = integerConvCall(conv, shapes, library);
  if (failed(c))
    return failure();
  auto ones = [](const std::vector<int64_t> &v) {
    return llvm::all_of(v, [](int64_t x) { return x == 1; });
  };
  auto zeros = [](const std::vector<int64_t> &v) {
    return llvm::all_of(v, [](int64_t x) { return x == 0; });
  };
  if (!c->symbolic.empty())
    return conv.emitError() << "cuda: an integer convolution over sizes "
                               "that vary ("
                            << library << ")";
  if (!ones(c->kernel) || !ones(c->stride) || !zeros(c->padBegin) ||
      !zeros(c->padEnd))
    return conv.emitError() << "cuda: an integer convolution that is not "
                               "pointwise with unit strides and no padding ("
                            << library << ")";
  // Row-major Y[pixels, M] = X[pixels, C] W[M, C]^T.
  GemmCall g;
  g.m = c->batch;
  for (int64_t size : c->outSize)
    g.m *= size;
  g.n = c->outChannels;
  g.k = c->inChannels;
  g.transB = true;
  g.lda = g.ldb = c->inChannels;
  g.ldc = c->outChannels;
  return g;
}

FailureOr<ConvCall> codegen::describeIntegerConv(ConvIntegerOp conv,
                                                 const SymbolicShapes *shapes) {
  FailureOr<ConvCall> c =
      integerConvCall(conv, shapes, "cuDNN's int8 convolutions");
  if (failed(c))
    return failure();
  if (c->padBegin != c->padEnd)
    return conv.emitError() << "cuda: an integer convolution with "
                               "asymmetric padding (cuDNN's int8 "
                               "convolutions)";
  return c;
}

FailureOr<SmallVector<GemmCall>>
codegen::describeGemm(Operation *op, const SymbolicShapes *shapes) {
  auto sizesOf = [&](Value v) { return codegen::sizesOf(v, shapes); };
  // The call's sizes as expressions; fields that vary keep their largest
  // value (what the manifest validates against) and their expression.
  DimExpr m, n, k, lda, ldb, ldc, batch(1), strideA(0), strideB(0), strideC(0);
  GemmCall g;
  auto finish = [&](GemmCall &c) {
    auto set = [&](const char *name, int64_t &field, const DimExpr &e) {
      if (std::optional<int64_t> v = e.constant()) {
        field = *v;
        return;
      }
      field = bounds(e, shapes->ranges).second;
      c.symbolic[name] = e;
    };
    set("m", c.m, m);
    set("n", c.n, n);
    set("k", c.k, k);
    set("lda", c.lda, lda);
    set("ldb", c.ldb, ldb);
    set("ldc", c.ldc, ldc);
    set("batch", c.batch, batch);
    set("stride_a", c.strideA, strideA);
    set("stride_b", c.strideB, strideB);
    set("stride_c", c.strideC, strideC);
  };
  if (auto gemm = dyn_cast<GemmOp>(op)) {
    SmallVector<DimExpr> as = sizesOf(gemm.getA()), bs = sizesOf(gemm.getB());
    g.transA = gemm.getTransA();
    g.transB = gemm.getTransB();
    m = g.transA ? as[1] : as[0];
    k = g.transA ? as[0] : as[1];
    n = g.transB ? bs[0] : bs[1];
    lda = as[1];
    ldb = bs[1];
    ldc = n;
    g.alpha = static_cast<float>(gemm.getAlpha().convertToDouble());
    finish(g);
    return SmallVector<GemmCall>{g};
  }
  auto mm = cast<MatMulOp>(op);
  SmallVector<DimExpr> pa = sizesOf(mm.getLhs()), pb = sizesOf(mm.getRhs());
  if (pa.size() == 1)
    pa.insert(pa.begin(), DimExpr(1));
  if (pb.size() == 1)
    pb.push_back(DimExpr(1));
  m = pa[pa.size() - 2];
  k = pa.back();
  n = pb.back();
  lda = k;
  ldb = n;
  ldc = n;
  // Batch dims of A, B and the result, right-aligned to one rank (a
  // symbolic dim never broadcasts).
  // (Built by appending: SmallVector's insert of zero elements moves each
  // element onto itself, which empties a DimExpr.)
  size_t rank = std::max(pa.size(), pb.size()) - 2;
  SmallVector<DimExpr> ba(rank + 2 - pa.size(), DimExpr(1)),
      bb(rank + 2 - pb.size(), DimExpr(1));
  ba.append(pa.begin(), pa.end() - 2);
  bb.append(pb.begin(), pb.end() - 2);
  SmallVector<DimExpr> bo(rank);
  DimExpr countA(1), countB(1);
  for (size_t i = 0; i < rank; ++i) {
    bo[i] = ba[i] == DimExpr(1) ? bb[i] : ba[i];
    batch = batch * bo[i];
    countA = countA * ba[i];
    countB = countB * bb[i];
  }
  strideC = m * n;
  bool aSimple = countA == DimExpr(1) || ba == bo,
       bSimple = countB == DimExpr(1) || bb == bo;
  if (aSimple && bSimple) {
    strideA = countA == DimExpr(1) ? DimExpr(0) : m * k;
    strideB = countB == DimExpr(1) ? DimExpr(0) : k * n;
    finish(g);
    return SmallVector<GemmCall>{g};
  }
  // Partial broadcasting: one call per output matrix.
  std::optional<int64_t> calls = batch.constant();
  if (!calls)
    return mm.emitError() << "batched matmul with partial broadcasting over "
                             "batch dims that vary is not supported on the "
                             "GPU yet";
  if (*calls > 4096)
    return mm.emitError() << "batched matmul with partial broadcasting over "
                          << *calls
                          << " matrices is not supported on the GPU yet";
  DimExpr matrixA = m * k, matrixB = k * n, matrixC = m * n;
  batch = DimExpr(1);
  finish(g);
  SmallVector<GemmCall> out;
  for (int64_t b = 0; b < *calls; ++b) {
    int64_t rest = b, offA = 0, offB = 0, strideA = 1, strideB = 1;
    for (int64_t i = rank - 1; i >= 0; --i) {
      int64_t size = *bo[i].constant(), sa = *ba[i].constant(),
              sb = *bb[i].constant();
      int64_t coord = rest % size;
      rest /= size;
      if (sa != 1)
        offA += coord * strideA;
      if (sb != 1)
        offB += coord * strideB;
      strideA *= sa;
      strideB *= sb;
    }
    GemmCall c = g;
    // Offsets of matrices whose sizes vary are not fields of their own.
    std::optional<int64_t> ea = matrixA.constant(), eb = matrixB.constant(),
                           ec = matrixC.constant();
    if (!ea || !eb || !ec)
      return mm.emitError() << "batched matmul with partial broadcasting of "
                               "matrices whose sizes vary is not supported "
                               "on the GPU yet";
    c.offsetA = offA * *ea;
    c.offsetB = offB * *eb;
    c.offsetC = b * *ec;
    out.push_back(c);
  }
  return out;
}

/// A call's field as the runtime resolves it: its expression where it
/// varies, else its value.
template <typename Call>
static DimExpr field(const Call &call, const std::string &name, int64_t value) {
  auto it = call.symbolic.find(name);
  return it != call.symbolic.end() ? it->second : DimExpr(value);
}

DimExpr codegen::flopsOf(const ConvCall &c) {
  // Each output element of a forward convolution (each input element of a
  // transposed one) takes channels/group x kernel volume multiply-adds.
  const char *points = c.transposed ? "in_size" : "out_size";
  const std::vector<int64_t> &sizes = c.transposed ? c.inSize : c.outSize;
  int64_t window = 1;
  for (int64_t k : c.kernel)
    window *= k;
  DimExpr work = DimExpr(2 * window) * field(c, "batch", c.batch);
  for (size_t i = 0; i < sizes.size(); ++i)
    work = work * field(c, points + std::to_string(i), sizes[i]);
  DimExpr through = c.transposed ? field(c, "out_channels", c.outChannels)
                                 : field(c, "in_channels", c.inChannels);
  DimExpr across = c.transposed ? field(c, "in_channels", c.inChannels)
                                : field(c, "out_channels", c.outChannels);
  if (c.group != 1)
    through = through.floorDiv(c.group);
  return work * through * across;
}

DimExpr codegen::flopsOf(const GemmCall &g) {
  return DimExpr(2) * field(g, "batch", g.batch) * field(g, "m", g.m) *
         field(g, "n", g.n) * field(g, "k", g.k);
}

DimExpr codegen::libraryFlops(Operation *op, const SymbolicShapes *shapes) {
  if (isa<ConvOp, ConvIntegerOp, ConvTransposeOp>(op)) {
    FailureOr<ConvCall> c = describeConv(op, shapes);
    return succeeded(c) ? flopsOf(*c) : DimExpr(0);
  }
  // GEMM and matmul: k multiply-adds per result element.
  DimExpr k(0);
  if (auto gemm = dyn_cast<GemmOp>(op))
    k = sizesOf(gemm.getA(), shapes)[gemm.getTransA() ? 0 : 1];
  else if (auto mm = dyn_cast<MatMulOp>(op))
    k = sizesOf(mm.getLhs(), shapes).back();
  else
    return DimExpr(0);
  DimExpr work = DimExpr(2) * k;
  for (const DimExpr &d : sizesOf(op->getResult(0), shapes))
    work = work * d;
  return work;
}
