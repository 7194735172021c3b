//===- SymbolicShapeRules.cpp - Each op's sizes from its operands' --------===//
//
// The per-op rules of the symbolic shape inference (SymbolicShapes.h): what
// the static types leave `?`, as expressions of the symbolic dims.
//
//===----------------------------------------------------------------------===//
#include "dialects/ingot/OpClasses.h"
#include "dialects/ingot/SymbolicInference.h"
#include "dialects/ingot/WindowSizes.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <numeric>
#include <sstream>

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::detail;

FailureOr<Exprs> SymbolicInference::reshape(Operation *op, const Exprs &in,
                                            const Exprs &target,
                                            bool allowZero) {
  Exprs out;
  int inferred = -1;
  DimExpr known(1), total(1);
  for (const DimExpr &d : in)
    total = total * d;
  for (size_t i = 0; i < target.size(); ++i) {
    std::optional<int64_t> c = target[i].constant();
    if (c && *c == -1) {
      if (inferred >= 0)
        return op->emitError()
               << "reshape target " << s.str(target) << " has more than one -1";
      inferred = i;
      out.push_back(DimExpr(0));
      continue;
    }
    DimExpr d = target[i];
    if (c && *c == 0 && !allowZero) {
      if (i >= in.size())
        return op->emitError()
               << "reshape target " << s.str(target) << " copies dimension "
               << i << " that the input lacks";
      d = in[i];
    }
    out.push_back(d);
    known = known * d;
  }
  if (inferred >= 0) {
    std::optional<DimExpr> q = total.divideExactly(known);
    if (!q) {
      // A constant divisor that divides every term but the constant one:
      // W * 8 / 32 needs W % 4 == 0.
      std::optional<int64_t> k = known.constant();
      if (!k || *k <= 0)
        return op->emitError()
               << "cannot infer the -1 of reshape target " << s.str(target)
               << " for input " << s.str(in) << " symbolically";
      q = total.floorDiv(*k);
      int64_t g = std::gcd(total.coefficientGcd(), *k);
      DimExpr reduced = *total.divideExactly(DimExpr(g));
      s.constraints.push_back(s.str(reduced) + " % " + std::to_string(*k / g) +
                              " == 0");
      s.checks.push_back({reduced, DimExpr(0), *k / g});
    }
    out[inferred] = *q;
  } else {
    DimExpr product(1);
    for (const DimExpr &d : out)
      product = product * d;
    if (product != total)
      return op->emitError()
             << "reshape of " << s.str(in) << " to " << s.str(out)
             << " changes the element count for some values of the "
                "symbolic dims";
  }
  return out;
}

FailureOr<Exprs> SymbolicInference::window(Operation *op, const Exprs &in) {
  // ONNX Conv/Pool output sizes with a symbolic spatial size; ceil_mode and
  // SAME padding use their own formulas.
  auto conv = dyn_cast<ConvOp>(op);
  auto maxPool = dyn_cast<MaxPoolOp>(op);
  auto avgPool = dyn_cast<AveragePoolOp>(op);
  auto transposed = dyn_cast<ConvTransposeOp>(op);
  if (transposed)
    return transposedWindow(transposed, in);
  if (!conv && !maxPool && !avgPool)
    return op->emitError() << "'" << op->getName()
                           << "' does not support symbolic sizes yet";
  bool channelsLast = conv      ? conv.getChannelsLast()
                      : maxPool ? maxPool.getChannelsLast()
                                : avgPool.getChannelsLast();
  bool ceilMode = maxPool   ? maxPool.getCeilMode()
                  : avgPool ? avgPool.getCeilMode()
                            : false;
  StringRef autoPad = op->getAttrOfType<StringAttr>("auto_pad")
                          ? op->getAttrOfType<StringAttr>("auto_pad").getValue()
                          : "NOTSET";
  auto array = [&](StringRef name) -> std::optional<ArrayRef<int64_t>> {
    if (auto a = op->getAttrOfType<DenseI64ArrayAttr>(name))
      return a.asArrayRef();
    return std::nullopt;
  };
  size_t spatial = in.size() - 2, first = channelsLast ? 1 : 2;
  auto kernelShape = array("kernel_shape");
  SmallVector<int64_t> kernel;
  if (kernelShape) {
    kernel.assign(kernelShape->begin(), kernelShape->end());
  } else if (auto weight =
                 conv ? dyn_cast<RankedTensorType>(conv.getWeight().getType())
                      : RankedTensorType();
             weight && weight.hasStaticShape()) {
    auto w = weight.getShape();
    kernel.assign(w.begin() + (channelsLast ? 1 : 2),
                  w.begin() + (channelsLast ? 1 : 2) + spatial);
  }
  if (kernel.size() != spatial)
    return op->emitError() << "the window's size is not known statically";
  auto strides = array("strides"), dilations = array("dilations"),
       pads = array("pads");
  Exprs out = in;
  auto result = cast<RankedTensorType>(op->getResult(0).getType());
  // Pooling keeps the channels; a convolution has its weight's output
  // channels (dim 0 of OIHW and of OHWI).
  if (conv) {
    auto weight = dyn_cast<RankedTensorType>(conv.getWeight().getType());
    if (!weight || weight.isDynamicDim(0))
      return op->emitError() << "the output channels are not known statically";
    out[channelsLast ? in.size() - 1 : 1] = DimExpr(weight.getDimSize(0));
  }
  for (size_t i = 0; i < spatial; ++i) {
    const DimExpr &x = in[first + i];
    if (x.isConstant() && !result.isDynamicDim(first + i)) {
      out[first + i] = DimExpr(result.getDimSize(first + i));
      continue;
    }
    int64_t stride = strides ? (*strides)[i] : 1;
    int64_t dilation = dilations ? (*dilations)[i] : 1;
    int64_t effective = dilation * (kernel[i] - 1) + 1;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      out[first + i] = windowOutputSize(x, true, 0, effective, stride);
      continue;
    }
    bool explicitPads = autoPad != "VALID" && pads;
    int64_t padding = explicitPads ? (*pads)[i] + (*pads)[spatial + i] : 0;
    int64_t padEnd = explicitPads ? (*pads)[spatial + i] : 0;
    // Whether ONNX drops a last window that starts in the end padding
    // depends on the size: over a symbolic one, only where it never can.
    if (ceilMode && !ceilWindowsAllStartInside(padEnd, stride, effective))
      return op->emitError()
             << "ceil_mode with a symbolic spatial size whose last window "
                "could start in the end padding (end padding "
             << padEnd << " + stride " << stride << " > window " << effective
             << ") is not supported yet";
    DimExpr span = x + DimExpr(padding - effective);
    auto [lo, hi] = bounds(span, s.ranges);
    if (lo < 0)
      return op->emitError()
             << "the window of size " << effective << " does not fit spatial "
             << "dimension " << i << " of size " << s.str(x) << " (padded by "
             << padding << ") at its smallest";
    out[first + i] =
        ceilMode ? ceilWindowOutputSize(x, padding, effective, stride)
                 : windowOutputSize(x, false, padding, effective, stride);
  }
  return out;
}

FailureOr<Exprs> SymbolicInference::transposedWindow(ConvTransposeOp op,
                                                     const Exprs &in) {
  // ONNX: stride * (in - 1) + output_padding + dilation * (k - 1) + 1 -
  // pads, channels first.
  if (op.getOutputShape() || op.getAutoPad() != "NOTSET")
    return op->emitError() << "transposed convolution with output_shape or "
                              "auto_pad and a symbolic size is not "
                              "supported yet";
  auto result = cast<RankedTensorType>(op.getType());
  auto weightType = dyn_cast<RankedTensorType>(op.getWeight().getType());
  if (!weightType || !weightType.hasStaticShape())
    return op->emitError() << "the window's size is not known statically";
  auto weight = weightType.getShape();
  size_t spatial = in.size() - 2;
  Exprs out = in;
  // IOHW weights: M / group output channels per group.
  out[1] = DimExpr(weight[1] * op.getGroup());
  for (size_t i = 0; i < spatial; ++i) {
    if (in[2 + i].isConstant() && !result.isDynamicDim(2 + i)) {
      out[2 + i] = DimExpr(result.getDimSize(2 + i));
      continue;
    }
    auto at = [&](std::optional<ArrayRef<int64_t>> a, size_t k, int64_t def) {
      return a ? (*a)[k] : def;
    };
    int64_t stride = at(op.getStrides(), i, 1),
            dilation = at(op.getDilations(), i, 1),
            kernel = at(op.getKernelShape(), i, weight[2 + i]),
            extra = at(op.getOutputPadding(), i, 0),
            pads = at(op.getPads(), i, 0) + at(op.getPads(), spatial + i, 0);
    out[2 + i] = transposedOutputSize(in[2 + i], stride, extra,
                                      dilation * (kernel - 1) + 1, pads);
  }
  return out;
}

std::optional<Exprs> SymbolicInference::valueArithmetic(Operation *op) {
  if (!isa<AddOp, SubOp, MulOp, DivOp, CastOp, IdentityOp>(op))
    return std::nullopt;
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType || !resultType.getElementType().isInteger() ||
      resultType.getRank() > 1)
    return std::nullopt;
  SmallVector<Exprs> operands;
  bool symbolic = false;
  for (Value v : op->getOperands()) {
    std::optional<Exprs> x = valuesOf(v);
    if (!x)
      return std::nullopt;
    symbolic |= s.values.count(v) > 0;
    operands.push_back(*x);
  }
  if (!symbolic)
    return std::nullopt;
  if (operands.size() == 1)
    return operands[0];
  size_t n = std::max(operands[0].size(), operands[1].size());
  Exprs out;
  for (size_t i = 0; i < n; ++i) {
    const DimExpr &a = operands[0][operands[0].size() == 1 ? 0 : i];
    const DimExpr &b = operands[1][operands[1].size() == 1 ? 0 : i];
    if (isa<AddOp>(op))
      out.push_back(a + b);
    else if (isa<SubOp>(op))
      out.push_back(a - b);
    else if (isa<MulOp>(op))
      out.push_back(a * b);
    else if (std::optional<DimExpr> q = a.divideExactly(b))
      out.push_back(*q);
    else if (std::optional<int64_t> k = b.constant(); k && *k > 0)
      out.push_back(a.floorDiv(*k));
    else
      return std::nullopt;
  }
  return out;
}

FailureOr<Exprs> SymbolicInference::inferResult(Operation *op) {
  auto input = [&](unsigned i) { return *dimsOf(op->getOperand(i)); };
  Exprs in = op->getNumOperands() ? input(0) : Exprs();
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  auto unsupported = [&]() -> FailureOr<Exprs> {
    return op->emitError() << "'" << op->getName()
                           << "' does not support symbolic sizes yet (input "
                           << s.str(in) << ")";
  };
  auto shapeOperand = [&](Value v) -> FailureOr<Exprs> {
    std::optional<Exprs> x = valuesOf(v);
    if (!x)
      return op->emitError() << "the shape operand of '" << op->getName()
                             << "' is computed in a way the symbolic shape "
                                "inference cannot follow";
    return *x;
  };
  switch (classifyOp(op)) {
  case OpClass::Elementwise: {
    // Per-axis parameters broadcast along their axis, not numpy-style.
    if (isa<QuantizeLinearOp, DequantizeLinearOp, BatchNormOp>(op))
      return in;
    SmallVector<Exprs> shapes;
    for (Value v : op->getOperands())
      shapes.push_back(*dimsOf(v));
    return broadcast(op, shapes);
  }
  case OpClass::Library:
    if (auto matmul = dyn_cast<MatMulOp>(op)) {
      Exprs a = in, b = input(1);
      bool vecA = a.size() == 1, vecB = b.size() == 1;
      if (vecA)
        a.insert(a.begin(), DimExpr(1));
      if (vecB)
        b.push_back(DimExpr(1));
      if (a.back() != b[b.size() - 2])
        return op->emitError() << "matmul contracts " << s.str(a.back())
                               << " with " << s.str(b[b.size() - 2]);
      FailureOr<Exprs> batch = broadcast(
          op, {Exprs(a.begin(), a.end() - 2), Exprs(b.begin(), b.end() - 2)});
      if (failed(batch))
        return failure();
      Exprs out = *batch;
      if (!vecA)
        out.push_back(a[a.size() - 2]);
      if (!vecB)
        out.push_back(b.back());
      return out;
    }
    if (auto gemm = dyn_cast<GemmOp>(op)) {
      Exprs b = input(1);
      return Exprs{gemm.getTransA() ? in[1] : in[0],
                   gemm.getTransB() ? b[0] : b[1]};
    }
    return window(op, in);
  case OpClass::Windowed:
    if (isa<MaxPoolOp, AveragePoolOp>(op))
      return window(op, in);
    break; // linear and cubic resize: below
  case OpClass::Reduction:
    if (isa<SoftmaxOp, LogSoftmaxOp, LayerNormOp>(op))
      return in;
    if (isa<GlobalAveragePoolOp, GlobalMaxPoolOp>(op)) {
      Exprs out = in;
      for (size_t i = 2; i < out.size(); ++i)
        out[i] = DimExpr(1);
      return out;
    }
    {
      auto axesAttr = op->getAttrOfType<DenseI64ArrayAttr>("axes");
      auto flag = [&](StringRef name, bool byDefault) {
        auto attr = op->getAttrOfType<BoolAttr>(name);
        return attr ? attr.getValue() : byDefault;
      };
      bool keep = flag("keepdims", true);
      bool all = !axesAttr || axesAttr.empty();
      if (all && flag("noop_with_empty_axes", false))
        return in;
      SmallVector<bool> reduced(in.size(), all);
      if (!all)
        for (int64_t a : axesAttr.asArrayRef())
          reduced[normalizeAxis(a, in.size())] = true;
      Exprs out;
      for (size_t i = 0; i < in.size(); ++i)
        if (!reduced[i])
          out.push_back(in[i]);
        else if (keep)
          out.push_back(DimExpr(1));
      return out;
    }
  case OpClass::Attention: {
    auto attention = cast<AttentionOp>(op);
    Exprs v = input(2);
    Exprs out{in[0], in[1], in[2], v[3]};
    if (attention.getTransposeOutput())
      std::swap(out[1], out[2]);
    return out;
  }
  default:
    break;
  }
  return TypeSwitch<Operation *, FailureOr<Exprs>>(op)
      .Case([&](TransposeOp t) -> FailureOr<Exprs> {
        Exprs out;
        std::optional<ArrayRef<int64_t>> perm = t.getPerm();
        for (size_t i = 0; i < in.size(); ++i)
          out.push_back(in[perm ? (*perm)[i] : in.size() - 1 - i]);
        return out;
      })
      .Case([&](ReshapeOp r) -> FailureOr<Exprs> {
        FailureOr<Exprs> target = shapeOperand(r.getShape());
        if (failed(target))
          return failure();
        return reshape(op, in, *target, r.getAllowzero());
      })
      .Case([&](FlattenOp f) -> FailureOr<Exprs> {
        int64_t axis = normalizeAxis(f.getAxis(), in.size());
        DimExpr outer(1), inner(1);
        for (size_t i = 0; i < in.size(); ++i)
          (static_cast<int64_t>(i) < axis ? outer : inner) =
              (static_cast<int64_t>(i) < axis ? outer : inner) * in[i];
        return Exprs{outer, inner};
      })
      .Case([&](UnsqueezeOp u) -> FailureOr<Exprs> {
        size_t rank = in.size() + u.getAxes().size();
        SmallVector<bool> inserted(rank, false);
        for (int64_t a : u.getAxes())
          inserted[normalizeAxis(a, rank)] = true;
        Exprs out;
        for (size_t i = 0, j = 0; i < rank; ++i)
          out.push_back(inserted[i] ? DimExpr(1) : in[j++]);
        return out;
      })
      .Case([&](SqueezeOp q) -> FailureOr<Exprs> {
        SmallVector<bool> dropped(in.size(), false);
        if (std::optional<ArrayRef<int64_t>> axes = q.getAxes()) {
          for (int64_t a : *axes)
            dropped[normalizeAxis(a, in.size())] = true;
        } else {
          for (size_t i = 0; i < in.size(); ++i)
            dropped[i] = in[i] == DimExpr(1);
        }
        Exprs out;
        for (size_t i = 0; i < in.size(); ++i)
          if (!dropped[i])
            out.push_back(in[i]);
        return out;
      })
      .Case([&](ConcatOp c) -> FailureOr<Exprs> {
        Exprs out = in;
        int64_t axis = normalizeAxis(c.getAxis(), in.size());
        out[axis] = DimExpr(0);
        for (Value v : c.getInputs())
          out[axis] = out[axis] + (*dimsOf(v))[axis];
        return out;
      })
      .Case([&](SplitOp sp) -> FailureOr<Exprs> {
        // Only result 0 here; record() handles the others.
        if (!in[normalizeAxis(sp.getAxis(), in.size())].isConstant())
          return unsupported();
        return Exprs{};
      })
      .Case([&](GatherOp g) -> FailureOr<Exprs> {
        Exprs indices = input(1);
        int64_t axis = normalizeAxis(g.getAxis(), in.size());
        Exprs out(in.begin(), in.begin() + axis);
        out.append(indices.begin(), indices.end());
        out.append(in.begin() + axis + 1, in.end());
        return out;
      })
      .Case([&](ExpandOp e) -> FailureOr<Exprs> {
        FailureOr<Exprs> target = shapeOperand(e.getShape());
        if (failed(target))
          return failure();
        return broadcast(op, {in, *target});
      })
      .Case([&](ConstantOfShapeOp c) -> FailureOr<Exprs> {
        return shapeOperand(c.getShape());
      })
      .Case([&](SliceOp sl) -> FailureOr<Exprs> {
        // Constant slices whose sliced dims are static, or that keep a
        // symbolic dim whole (start 0, end past it, step 1).
        std::optional<Exprs> starts = valuesOf(sl.getStarts()),
                             ends = valuesOf(sl.getEnds()),
                             axes = valuesOf(sl.getAxes()),
                             steps = valuesOf(sl.getSteps());
        if (!starts || !ends || !axes || !steps ||
            starts->size() != axes->size() || ends->size() != axes->size() ||
            steps->size() != axes->size())
          return unsupported();
        Exprs out = in;
        for (size_t i = 0; i < axes->size(); ++i) {
          std::optional<int64_t> axisValue = (*axes)[i].constant();
          int64_t rank = in.size();
          if (!axisValue || *axisValue < -rank || *axisValue >= rank)
            return unsupported();
          int64_t axis = normalizeAxis(*axisValue, in.size());
          std::optional<int64_t> start = (*starts)[i].constant(),
                                 end = (*ends)[i].constant(),
                                 step = (*steps)[i].constant();
          // The first `end` entries of a fixed dim, end symbolic (the
          // position ids of a sequence, sliced from a table of them).
          if (in[axis].isConstant() && !end && start && *start == 0 && step &&
              *step == 1) {
            auto [lo, hi] = bounds((*ends)[i], s.ranges);
            if (lo < 0 || hi > *in[axis].constant())
              return op->emitError()
                     << "slice end " << s.str((*ends)[i]) << " leaves [0, "
                     << *in[axis].constant() << ") for some values of the "
                     << "symbolic dims";
            out[axis] = (*ends)[i];
            continue;
          }
          if (in[axis].isConstant()) {
            if (type.isDynamicDim(axis))
              return unsupported();
            out[axis] = DimExpr(type.getDimSize(axis));
            continue;
          }
          if (start && *start == 0 && step && *step == 1 && end &&
              *end >= bounds(in[axis], s.ranges).second)
            continue;
          // A varying dim D sliced by constants with step 1: from the front
          // (start >= 0) or from the end (start < 0: D + start), to past
          // D, to some entries before its end (end < 0: D + end), or to a
          // fixed end no larger than D's smallest size (x[:, 1:],
          // x[:, :-1], x[:, -4:]). Both ends must lie in [0, D] at every
          // size, the end not before the start.
          if (start && end && step && *step == 1) {
            auto [lo, hi] = bounds(in[axis], s.ranges);
            auto within = [&](int64_t v) {
              return v >= 0 ? v <= lo : v >= -lo;
            };
            // A start at least the largest size before the end (INT64_MIN
            // as exporters write "from the first") clamps to 0 at every
            // size.
            if (*start < 0 && *start <= -hi)
              start = 0;
            auto at = [&](int64_t v) {
              return v >= 0 ? DimExpr(v) : in[axis] + DimExpr(v);
            };
            bool pastEnd = *end >= hi;
            if (!within(*start) || (!pastEnd && !within(*end)))
              return op->emitError()
                     << "slice [" << *start << ", " << *end << ") of dim "
                     << axis << " (" << s.str(in[axis])
                     << ") reaches past its smallest size " << lo;
            DimExpr size = (pastEnd ? in[axis] : at(*end)) - at(*start);
            if (bounds(size, s.ranges).first < 0)
              return op->emitError()
                     << "slice [" << *start << ", " << *end << ") of dim "
                     << axis << " (" << s.str(in[axis])
                     << ") would end before its start for some sizes";
            out[axis] = size;
            continue;
          }
          return unsupported();
        }
        return out;
      })
      .Case([&](PadOp p) -> FailureOr<Exprs> {
        std::optional<Exprs> pads = valuesOf(p.getPads());
        if (!pads || pads->size() != 2 * in.size())
          return unsupported();
        Exprs out;
        for (size_t i = 0; i < in.size(); ++i)
          out.push_back(in[i] + (*pads)[i] + (*pads)[in.size() + i]);
        return out;
      })
      .Case([&](TileOp t) -> FailureOr<Exprs> {
        std::optional<Exprs> repeats = valuesOf(t.getRepeats());
        if (!repeats || repeats->size() != in.size())
          return unsupported();
        Exprs out;
        for (size_t i = 0; i < in.size(); ++i)
          out.push_back(in[i] * (*repeats)[i]);
        return out;
      })
      .Case([&](ResizeOp r) -> FailureOr<Exprs> {
        DenseFPElementsAttr scales;
        if (!matchPattern(r.getScales(), m_Constant(&scales)) ||
            scales.getNumElements() != static_cast<int64_t>(in.size())) {
          // Sizes from a shape computation (F.interpolate(x,
          // size=y.shape[2:]) as exporters write it): those sizes.
          std::optional<Exprs> sizes = valuesOf(r.getSizes());
          if (!sizes || sizes->size() != in.size())
            return unsupported();
          return *sizes;
        }
        // ONNX: floor(size * scale). A scale p / 2^k (2, 0.5, 1.5, ...)
        // multiplies exactly in FP32, so the size is (size * p) floordiv
        // 2^k.
        Exprs out;
        int64_t i = 0;
        for (const APFloat &scale : scales.getValues<APFloat>()) {
          double v = scale.convertToDouble();
          // (Finite, positive and below 2^15: numerator * size stays far
          // from overflow for sizes up to 2^31.)
          bool usable = std::isfinite(v) && v > 0 && v < 0x1p15;
          int64_t denominator = 1;
          while (usable && denominator < (1 << 16) &&
                 v * denominator != std::floor(v * denominator))
            denominator *= 2;
          int64_t numerator =
              usable ? static_cast<int64_t>(v * denominator) : 0;
          if (in[i].isConstant() && !type.isDynamicDim(i)) {
            out.push_back(DimExpr(type.getDimSize(i)));
          } else if (usable && v * denominator == numerator) {
            DimExpr size = in[i] * DimExpr(numerator);
            if (denominator > 1)
              size = size.floorDiv(denominator);
            if (bounds(size, s.ranges).first < 1)
              return op->emitError()
                     << "resize by " << (std::ostringstream() << v).str()
                     << " of symbolic size " << s.str(in[i])
                     << " is empty at the smallest dims";
            out.push_back(size);
          } else {
            return op->emitError()
                   << "resize by " << (std::ostringstream() << v).str()
                   << " of symbolic size " << s.str(in[i])
                   << " is not supported yet (positive scales below 32768 that "
                      "are multiples of "
                      "1/65536 are)";
          }
          ++i;
        }
        return out;
      })
      .Case([&](RangeOp r) -> FailureOr<Exprs> {
        // Positions up to a length that varies (Range(0, Gather(Shape(x),
        // 1), 1), as exporters write position ids): integer start and
        // limit from the shape computations, a constant step > 0, and a
        // limit never below the start.
        std::optional<Exprs> start = valuesOf(r.getStart()),
                             limit = valuesOf(r.getLimit()),
                             delta = valuesOf(r.getDelta());
        std::optional<int64_t> step =
            delta && delta->size() == 1 ? (*delta)[0].constant() : std::nullopt;
        if (!type.getElementType().isInteger() || !start || !limit ||
            start->size() != 1 || limit->size() != 1 || !step || *step <= 0)
          return op->emitError()
                 << "'ingot.range' over varying sizes takes an integer start "
                    "and limit computed from sizes and a constant positive "
                    "step";
        DimExpr span = (*limit)[0] - (*start)[0];
        if (bounds(span, s.ranges).first < 0)
          return op->emitError()
                 << "'ingot.range' from " << s.str((*start)[0]) << " to "
                 << s.str((*limit)[0])
                 << " may end before it starts over the --dim ranges";
        return Exprs{span.ceilDiv(*step)};
      })
      .Case([&](ShapeOp sh) -> FailureOr<Exprs> {
        auto values = s.values.find(sh.getResult());
        return Exprs{DimExpr(values != s.values.end()
                                 ? static_cast<int64_t>(values->second.size())
                                 : type.getDimSize(0))};
      })
      .Default([&](Operation *) { return unsupported(); });
}
