//===- SymbolicShapes.cpp - Symbolic dimensions through a function --------===//
#include "dialects/ingot/SymbolicShapes.h"
#include "dialects/ingot/IngotOps.h"
#include "dialects/ingot/OpClasses.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <numeric>

using namespace mlir;
using namespace mlir::ingot;

using Exprs = SmallVector<DimExpr>;

std::string SymbolicShapes::str(ArrayRef<DimExpr> list) const {
  std::string s = "[";
  for (size_t i = 0; i < list.size(); ++i)
    s += (i ? ", " : "") + str(list[i]);
  return s + "]";
}

bool mlir::ingot::hasSymbolicDims(func::FuncOp func) {
  return static_cast<bool>(func->getAttrOfType<DictionaryAttr>(kDimRangesAttr));
}

namespace {
/// One walk over the function, in program order.
class Inference {
public:
  explicit Inference(SymbolicShapes &s) : s(s) {}

  LogicalResult declare(func::FuncOp func);
  LogicalResult visit(Operation *op);

private:
  /// The sizes of `v`: inferred, or the static sizes of its type.
  std::optional<Exprs> dimsOf(Value v);
  /// The contents of an integer tensor of a shape computation: inferred, or
  /// a small constant's.
  std::optional<Exprs> valuesOf(Value v);
  /// Numpy broadcasting of `shapes`; unequal symbolic sizes are unified
  /// (M == N) where both are single dims, otherwise an error.
  FailureOr<Exprs> broadcast(Operation *op, ArrayRef<Exprs> shapes);
  LogicalResult unify(Operation *op, unsigned from, unsigned into);
  FailureOr<Exprs> inferResult(Operation *op);
  FailureOr<Exprs> reshape(Operation *op, const Exprs &in, const Exprs &target,
                           bool allowZero);
  FailureOr<Exprs> window(Operation *op, const Exprs &in);
  FailureOr<Exprs> transposedWindow(ConvTransposeOp op, const Exprs &in);
  /// Contents of an elementwise integer op on shape values (Add, Mul, ...).
  std::optional<Exprs> valueArithmetic(Operation *op);
  /// Checks the inferred sizes against the result's type and the ranges.
  LogicalResult record(Operation *op, Value result, Exprs exprs);
  /// Whether a and b are equal with every dim at its MIN, its MAX, and its
  /// OPT.
  bool agreeAtEnds(const DimExpr &a, const DimExpr &b) const;
  /// `exprs` with the dims unified so far replaced by their survivors.
  Exprs canonical(Exprs exprs) const;

  SymbolicShapes &s;
  std::vector<std::pair<unsigned, unsigned>> renames; // (from, into)
};
} // namespace

static int64_t normalize(int64_t axis, size_t rank) {
  return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
}

LogicalResult Inference::declare(func::FuncOp func) {
  auto rangesAttr = func->getAttrOfType<DictionaryAttr>(kDimRangesAttr);
  if (!rangesAttr)
    return success();
  // A dim declared a multiple of K is K times a symbol of its own, named
  // "H/32": sizes then divide exactly ((H + 31) / 32 is H/32).
  std::map<std::string, std::pair<unsigned, int64_t>> ids;
  for (NamedAttribute entry : rangesAttr) {
    auto bounds = dyn_cast<DenseI64ArrayAttr>(entry.getValue());
    int64_t k = bounds && bounds.size() == 4 ? bounds[3] : 1;
    if (!bounds || (bounds.size() != 3 && bounds.size() != 4) ||
        bounds[0] < 1 || bounds[0] > bounds[1] || bounds[2] < bounds[0] ||
        bounds[2] > bounds[1] || bounds[1] > kMaxSymbolicDim || k < 1 ||
        bounds[0] % k || bounds[1] % k || bounds[2] % k)
      return func.emitError()
             << kDimRangesAttr << " entry '" << entry.getName().getValue()
             << "' must be array<i64: MIN, MAX, OPT[, MULTIPLE]> with 1 <= "
                "MIN <= OPT <= MAX <= "
             << kMaxSymbolicDim << ", each a multiple of MULTIPLE";
    std::string name = entry.getName().str();
    ids[name] = {static_cast<unsigned>(s.names.size()), k};
    s.names.push_back(k > 1 ? name + "/" + std::to_string(k) : name);
    s.ranges.push_back({bounds[0] / k, bounds[1] / k, bounds[2] / k});
  }
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    if (!type)
      continue;
    auto params = func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(),
                                                   "ingot.dim_params");
    auto name =
        func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "ingot.name");
    std::string input = name ? name.str() : std::to_string(arg.getArgNumber());
    Exprs exprs;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (!type.isDynamicDim(i)) {
        exprs.push_back(DimExpr(type.getDimSize(i)));
        continue;
      }
      StringAttr param = params && i < static_cast<int64_t>(params.size())
                             ? dyn_cast<StringAttr>(params[i])
                             : StringAttr();
      auto id = param ? ids.find(param.str()) : ids.end();
      if (id == ids.end())
        return func.emitError()
               << "input '" << input << "' dimension " << i
               << " is dynamic but names no range"
               << (param && !param.getValue().empty()
                       ? " (its name is '" + param.str() + "')"
                       : std::string())
               << "; give it one (ingotc --dim NAME=MIN:MAX) or a size";
      exprs.push_back(DimExpr(id->second.second) *
                      DimExpr::symbol(id->second.first));
    }
    s.dims[arg] = exprs;
  }
  return success();
}

std::optional<Exprs> Inference::dimsOf(Value v) {
  auto it = s.dims.find(v);
  if (it != s.dims.end())
    return it->second;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  Exprs out;
  for (int64_t d : type.getShape())
    out.push_back(DimExpr(d));
  return out;
}

std::optional<Exprs> Inference::valuesOf(Value v) {
  auto it = s.values.find(v);
  if (it != s.values.end())
    return it->second;
  DenseIntElementsAttr ints;
  if (!matchPattern(v, m_Constant(&ints)) || ints.getNumElements() > 64 ||
      ints.getType().getRank() > 1)
    return std::nullopt;
  Exprs out;
  for (const APInt &x : ints.getValues<APInt>())
    out.push_back(DimExpr(x.getSExtValue()));
  return out;
}

LogicalResult Inference::unify(Operation *op, unsigned from, unsigned into) {
  DimRange &a = s.ranges[into];
  const DimRange &b = s.ranges[from];
  DimRange merged{std::max(a.min, b.min), std::min(a.max, b.max),
                  std::max(a.opt, b.opt)};
  if (merged.min > merged.max)
    return op->emitError() << "dims " << s.names[into] << " (" << a.min << ":"
                           << a.max << ") and " << s.names[from] << " ("
                           << b.min << ":" << b.max
                           << ") must be equal here, but their ranges do not "
                              "meet";
  merged.opt = std::min(merged.opt, merged.max);
  a = merged;
  s.constraints.push_back(s.names[from] + " == " + s.names[into]);
  renames.push_back({from, into});
  DimExpr with = DimExpr::symbol(into);
  for (auto *table : {&s.dims, &s.values})
    for (auto &[value, exprs] : *table)
      for (DimExpr &e : exprs)
        e = e.substitute(from, with);
  return success();
}

bool Inference::agreeAtEnds(const DimExpr &a, const DimExpr &b) const {
  for (auto pick : {&DimRange::min, &DimRange::max, &DimRange::opt}) {
    std::vector<int64_t> values;
    for (const DimRange &r : s.ranges)
      values.push_back(r.*pick);
    if (a.evaluate(values) != b.evaluate(values))
      return false;
  }
  return true;
}

Exprs Inference::canonical(Exprs exprs) const {
  for (DimExpr &e : exprs)
    for (auto [from, into] : renames)
      e = e.substitute(from, DimExpr::symbol(into));
  return exprs;
}

FailureOr<Exprs> Inference::broadcast(Operation *op, ArrayRef<Exprs> sources) {
  SmallVector<Exprs> shapes;
  for (const Exprs &shape : sources)
    shapes.push_back(canonical(shape));
  size_t rank = 0;
  for (const Exprs &shape : shapes)
    rank = std::max(rank, shape.size());
  Exprs out(rank, DimExpr(1));
  for (size_t i = 0; i < rank; ++i) {
    for (const Exprs &shape : shapes) {
      if (i + shape.size() < rank)
        continue;
      DimExpr d = shape[i + shape.size() - rank];
      if (d == out[i] || d == DimExpr(1))
        continue;
      if (out[i] == DimExpr(1)) {
        out[i] = d;
        continue;
      }
      std::optional<unsigned> a = out[i].asSymbol(), b = d.asSymbol();
      if (a && b) {
        if (failed(unify(op, std::max(*a, *b), std::min(*a, *b))))
          return failure();
        out[i] = DimExpr::symbol(std::min(*a, *b));
        continue;
      }
      // Two forms that agree where the ranges begin and end (ceil(H / 16)
      // and 2 * ceil(H / 32) when H is a multiple of 32): the graph
      // requires them equal, a constraint for the runtime to check.
      if (!out[i].isConstant() && !d.isConstant() && agreeAtEnds(out[i], d)) {
        std::string c = s.str(d) + " == " + s.str(out[i]);
        if (!llvm::is_contained(s.constraints, c))
          s.constraints.push_back(c);
        continue;
      }
      return op->emitError()
             << "cannot broadcast size " << s.str(out[i]) << " against "
             << s.str(d) << " in dimension " << i << " for every value of "
             << "the symbolic dims (sizes that differ must be 1 or equal)";
    }
  }
  // Unifying renames dims in what was recorded, not in `out`.
  return canonical(out);
}

FailureOr<Exprs> Inference::reshape(Operation *op, const Exprs &in,
                                    const Exprs &target, bool allowZero) {
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
      s.constraints.push_back(s.str(*total.divideExactly(DimExpr(g))) + " % " +
                              std::to_string(*k / g) + " == 0");
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

FailureOr<Exprs> Inference::window(Operation *op, const Exprs &in) {
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
  Type resultType = op->getResult(0).getType();
  auto result = cast<RankedTensorType>(resultType);
  out[channelsLast ? in.size() - 1 : 1] =
      DimExpr(result.getDimSize(channelsLast ? in.size() - 1 : 1));
  for (size_t i = 0; i < spatial; ++i) {
    const DimExpr &x = in[first + i];
    if (x.isConstant()) {
      out[first + i] = DimExpr(result.getDimSize(first + i));
      continue;
    }
    int64_t stride = strides ? (*strides)[i] : 1;
    int64_t dilation = dilations ? (*dilations)[i] : 1;
    int64_t effective = dilation * (kernel[i] - 1) + 1;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      out[first + i] = x.ceilDiv(stride);
      continue;
    }
    if (ceilMode)
      return op->emitError() << "ceil_mode with a symbolic spatial size is "
                                "not supported yet";
    int64_t padding =
        autoPad == "VALID" || !pads ? 0 : (*pads)[i] + (*pads)[spatial + i];
    DimExpr span = x + DimExpr(padding - effective);
    auto [lo, hi] = bounds(span, s.ranges);
    if (lo < 0)
      return op->emitError()
             << "the window of size " << effective << " does not fit spatial "
             << "dimension " << i << " of size " << s.str(x) << " (padded by "
             << padding << ") at its smallest";
    out[first + i] = span.floorDiv(stride) + DimExpr(1);
  }
  return out;
}

FailureOr<Exprs> Inference::transposedWindow(ConvTransposeOp op,
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
  out[1] = DimExpr(result.getDimSize(1));
  for (size_t i = 0; i < spatial; ++i) {
    if (in[2 + i].isConstant()) {
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
    out[2 + i] = DimExpr(stride) * (in[2 + i] - DimExpr(1)) +
                 DimExpr(extra + dilation * (kernel - 1) + 1 - pads);
  }
  return out;
}

std::optional<Exprs> Inference::valueArithmetic(Operation *op) {
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

FailureOr<Exprs> Inference::inferResult(Operation *op) {
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
    return unsupported();
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
          reduced[normalize(a, in.size())] = true;
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
        int64_t axis = normalize(f.getAxis(), in.size());
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
          inserted[normalize(a, rank)] = true;
        Exprs out;
        for (size_t i = 0, j = 0; i < rank; ++i)
          out.push_back(inserted[i] ? DimExpr(1) : in[j++]);
        return out;
      })
      .Case([&](SqueezeOp q) -> FailureOr<Exprs> {
        SmallVector<bool> dropped(in.size(), false);
        if (std::optional<ArrayRef<int64_t>> axes = q.getAxes()) {
          for (int64_t a : *axes)
            dropped[normalize(a, in.size())] = true;
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
        int64_t axis = normalize(c.getAxis(), in.size());
        out[axis] = DimExpr(0);
        for (Value v : c.getInputs())
          out[axis] = out[axis] + (*dimsOf(v))[axis];
        return out;
      })
      .Case([&](SplitOp sp) -> FailureOr<Exprs> {
        // Only result 0 here; record() handles the others.
        if (!in[normalize(sp.getAxis(), in.size())].isConstant())
          return unsupported();
        return Exprs{};
      })
      .Case([&](GatherOp g) -> FailureOr<Exprs> {
        Exprs indices = input(1);
        int64_t axis = normalize(g.getAxis(), in.size());
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
          int64_t axis = normalize(*axisValue, in.size());
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
            out[axis] = DimExpr(type.getDimSize(axis));
            continue;
          }
          if (start && *start == 0 && step && *step == 1 && end &&
              *end >= bounds(in[axis], s.ranges).second)
            continue;
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
        // ONNX: floor(size * scale); whole scales keep it a polynomial.
        DenseFPElementsAttr scales;
        if (!matchPattern(r.getScales(), m_Constant(&scales)) ||
            scales.getNumElements() != static_cast<int64_t>(in.size()))
          return unsupported();
        Exprs out;
        int64_t i = 0;
        for (const APFloat &scale : scales.getValues<APFloat>()) {
          double v = scale.convertToDouble();
          if (in[i].isConstant())
            out.push_back(DimExpr(type.getDimSize(i)));
          else if (v >= 1 && v == static_cast<int64_t>(v))
            out.push_back(in[i] * DimExpr(static_cast<int64_t>(v)));
          else
            return op->emitError()
                   << "resize by " << v << " of symbolic size " << s.str(in[i])
                   << " is not supported yet (whole scales "
                      "are)";
          ++i;
        }
        return out;
      })
      .Case([&](ShapeOp sh) -> FailureOr<Exprs> {
        return Exprs{DimExpr(type.getDimSize(0))};
      })
      .Default([&](Operation *) { return unsupported(); });
}

LogicalResult Inference::record(Operation *op, Value result, Exprs exprs) {
  auto type = dyn_cast<RankedTensorType>(result.getType());
  if (!type)
    return op->emitError() << "result has no rank; symbolic shape inference "
                              "needs ranked tensors";
  exprs = canonical(std::move(exprs));
  if (static_cast<int64_t>(exprs.size()) != type.getRank())
    return op->emitError() << "symbolic shape inference gave " << s.str(exprs)
                           << " for a result of type " << type;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (type.isDynamicDim(i))
      continue;
    auto [lo, hi] = bounds(exprs[i], s.ranges);
    if (lo != type.getDimSize(i) || hi != type.getDimSize(i))
      return op->emitError()
             << "dimension " << i << " of the result is fixed at "
             << type.getDimSize(i) << ", but it is " << s.str(exprs[i])
             << " for the symbolic dims (" << lo << " to " << hi
             << " over their ranges)";
    exprs[i] = DimExpr(type.getDimSize(i));
  }
  for (int64_t i = 0; i < type.getRank(); ++i) {
    auto [lo, hi] = bounds(exprs[i], s.ranges);
    if (hi == DimExpr::kOverflow)
      return op->emitError()
             << "dimension " << i << " of the result, " << s.str(exprs[i])
             << ", overflows 64 bits at the largest dims";
    if (lo < 1 && !exprs[i].isConstant())
      return op->emitError()
             << "dimension " << i << " of the result, " << s.str(exprs[i])
             << ", is " << lo << " at the smallest symbolic dims";
  }
  s.dims[result] = std::move(exprs);
  return success();
}

LogicalResult Inference::visit(Operation *op) {
  if (op->getNumResults() == 0 || isa<ConstantOp>(op))
    return success();
  bool symbolic = false;
  for (Value v : op->getOperands()) {
    if (s.dims.count(v) || s.values.count(v))
      symbolic = true;
    else if (auto t = dyn_cast<RankedTensorType>(v.getType());
             !t || !t.hasStaticShape())
      return op->emitError() << "operand has type " << v.getType()
                             << ", whose sizes are not known symbolically";
  }
  if (!symbolic) {
    // Static sizes in, static sizes out (whatever the op).
    return success();
  }
  for (Type t : op->getResultTypes())
    if (!isa<RankedTensorType>(t))
      return op->emitError() << "result has type " << t
                             << "; symbolic shape inference needs a rank";
  if (auto shape = dyn_cast<ShapeOp>(op)) {
    Exprs in = *dimsOf(shape.getInput());
    int64_t rank = in.size();
    int64_t start =
        std::clamp<int64_t>(normalize(shape.getStart(), rank), 0, rank);
    int64_t end =
        shape.getEnd()
            ? std::clamp<int64_t>(normalize(*shape.getEnd(), rank), 0, rank)
            : rank;
    s.values[shape] =
        Exprs(in.begin() + start, in.begin() + std::max(start, end));
  } else if (std::optional<Exprs> v = valueArithmetic(op)) {
    s.values[op->getResult(0)] = *v;
  } else if (auto gather = dyn_cast<GatherOp>(op);
             gather && s.values.count(gather.getInput())) {
    std::optional<Exprs> data = valuesOf(gather.getInput()),
                         indices = valuesOf(gather.getIndices());
    bool known = indices.has_value();
    Exprs picked;
    for (size_t j = 0; known && j < indices->size(); ++j) {
      std::optional<int64_t> k = (*indices)[j].constant();
      int64_t n = data->size();
      known = k && *k >= -n && *k < n;
      if (known)
        picked.push_back((*data)[*k < 0 ? *k + n : *k]);
    }
    if (known)
      s.values[gather] = picked;
  } else if (auto concat = dyn_cast<ConcatOp>(op)) {
    Exprs joined;
    bool all = true;
    for (Value v : concat.getInputs())
      if (std::optional<Exprs> x = valuesOf(v))
        joined.append(x->begin(), x->end());
      else
        all = false;
    if (all && cast<RankedTensorType>(concat.getType()).getRank() == 1)
      s.values[concat] = joined;
  } else if (auto slice = dyn_cast<SliceOp>(op);
             slice && s.values.count(slice.getInput())) {
    // A constant slice of a shape (the batch and sequence of [B, S, H]).
    std::optional<Exprs> data = valuesOf(slice.getInput()),
                         starts = valuesOf(slice.getStarts()),
                         ends = valuesOf(slice.getEnds()),
                         steps = valuesOf(slice.getSteps());
    if (starts && ends && steps && starts->size() == 1 && ends->size() == 1 &&
        (*starts)[0].isConstant() && (*ends)[0].isConstant() &&
        (*steps)[0] == DimExpr(1)) {
      int64_t n = data->size();
      auto clampIndex = [&](int64_t i) {
        return std::clamp<int64_t>(i < 0 ? i + n : i, 0, n);
      };
      int64_t begin = clampIndex(*(*starts)[0].constant()),
              end = clampIndex(*(*ends)[0].constant());
      s.values[slice] =
          Exprs(data->begin() + begin, data->begin() + std::max(begin, end));
    }
  } else if (isa<UnsqueezeOp, SqueezeOp, ReshapeOp>(op) &&
             s.values.count(op->getOperand(0))) {
    s.values[op->getResult(0)] = s.values[op->getOperand(0)];
  }
  if (auto split = dyn_cast<SplitOp>(op)) {
    Exprs in = *dimsOf(split.getInput());
    int64_t axis = normalize(split.getAxis(), in.size());
    if (!in[axis].isConstant())
      return op->emitError() << "'" << op->getName()
                             << "' along a symbolic dimension is not "
                                "supported yet";
    for (auto [result, size] :
         llvm::zip(split.getResults(), split.getSplit())) {
      Exprs out = in;
      out[axis] = DimExpr(size);
      if (failed(record(op, result, out)))
        return failure();
    }
    return success();
  }
  if (op->getNumResults() != 1)
    return op->emitError() << "'" << op->getName()
                           << "' does not support symbolic sizes yet";
  FailureOr<Exprs> result = inferResult(op);
  if (failed(result))
    return failure();
  return record(op, op->getResult(0), *result);
}

FailureOr<SymbolicShapes> mlir::ingot::inferSymbolicShapes(func::FuncOp func) {
  SymbolicShapes shapes;
  Inference inference(shapes);
  if (failed(inference.declare(func)))
    return failure();
  WalkResult walk = func.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op == func.getOperation())
      return WalkResult::advance();
    if (isa<func::ReturnOp>(op))
      return WalkResult::skip();
    if (failed(inference.visit(op)))
      return WalkResult::interrupt();
    // Regions (fusion bodies) are not visited: this runs before fusion.
    return WalkResult::skip();
  });
  if (walk.wasInterrupted())
    return failure();
  return shapes;
}
