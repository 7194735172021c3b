//===- ScalarEmitter.cpp - C expressions for one element of a region ------===//
#include "codegen/ScalarEmitter.h"

#include "dialects/ingot/HostTensor.h"
#include "dialects/ingot/OpClasses.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <memory>

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::codegen;

std::string codegen::cType(Type t) {
  if (t.isF32())
    return "float";
  // Half-precision storage types; each backend's prelude defines them
  // (CUDA: __half / __nv_bfloat16, host: 2-byte structs).
  if (t.isF16())
    return "ig_half";
  if (t.isBF16())
    return "ig_bfloat16";
  if (t.isF64())
    return "double";
  if (t.isInteger(1))
    return "bool";
  if (auto i = dyn_cast<IntegerType>(t)) {
    std::string base = i.isUnsigned() ? "uint" : "int";
    if (i.getWidth() == 8 || i.getWidth() == 16 || i.getWidth() == 32 ||
        i.getWidth() == 64)
      return base + std::to_string(i.getWidth()) + "_t";
  }
  return "";
}

std::string codegen::valueType(Type t) {
  if (isReducedFloat(t))
    return "float";
  return cType(t);
}

bool codegen::isReducedFloat(Type t) { return t.isF16() || t.isBF16(); }

std::string codegen::loadAs(Type t, const std::string &stored) {
  return isReducedFloat(t) ? "float(" + stored + ")" : stored;
}

std::string codegen::roundTo(Type t, const std::string &v) {
  return isReducedFloat(t) ? "float(" + cType(t) + "(" + v + "))" : v;
}

std::string codegen::storeAs(Type t, const std::string &v) {
  return isReducedFloat(t) ? cType(t) + "(" + v + ")" : v;
}

std::string codegen::vectorLane(Type t, int k) {
  static const char *lanes[] = {".x", ".y", ".z", ".w"};
  if (elementStorageBytes(t) == 2)
    return ".v[" + std::to_string(k) + "]";
  return lanes[k];
}

ArrayRef<int64_t> codegen::shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}
Type codegen::elementTypeOf(Value v) {
  return cast<ShapedType>(v.getType()).getElementType();
}
int64_t codegen::numElements(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

SmallVector<bool> codegen::reducedDims(Operation *root, bool &keepdims) {
  size_t rank = shapeOf(root->getOperand(0)).size();
  SmallVector<bool> reduced(rank, false);
  keepdims = true;
  if (isa<GlobalAveragePoolOp, GlobalMaxPoolOp>(root)) {
    for (size_t d = 2; d < rank; ++d)
      reduced[d] = true;
    return reduced;
  }
  if (auto k = root->getAttrOfType<BoolAttr>("keepdims"))
    keepdims = k.getValue();
  auto noop = root->getAttrOfType<BoolAttr>("noop_with_empty_axes");
  auto axes = root->getAttrOfType<DenseI64ArrayAttr>("axes");
  if (!axes || axes.empty()) {
    if (!(noop && noop.getValue()))
      reduced.assign(rank, true);
  } else {
    for (int64_t a : axes.asArrayRef())
      reduced[a < 0 ? a + rank : a] = true;
  }
  return reduced;
}

Index codegen::emitCoordinates(ScalarEmitter &e, ArrayRef<int64_t> shape,
                               const std::string &flat, size_t innerDims,
                               const std::string &prefix) {
  return emitCoordinates(e, staticSizes(shape), flat, innerDims, prefix);
}

Index codegen::emitCoordinates(ScalarEmitter &e, ArrayRef<DimExpr> shape,
                               const std::string &flat, size_t innerDims,
                               const std::string &prefix) {
  Index idx(shape.size(), "0");
  DimExpr stride(1);
  for (int64_t d = static_cast<int64_t>(shape.size() - innerDims) - 1; d >= 0;
       --d) {
    if (shape[d] != DimExpr(1)) {
      std::string name = prefix + str(d);
      e.line("const " + e.indexType + " " + name + " = " + flat + " / " +
             e.extent(stride) + " % " + e.extent(shape[d]) + ";");
      idx[d] = name;
    }
    stride = stride * shape[d];
  }
  return idx;
}

Sizes codegen::staticSizes(ArrayRef<int64_t> shape) {
  Sizes out;
  for (int64_t d : shape)
    out.push_back(DimExpr(d));
  return out;
}

std::string codegen::extentText(const DimExpr &size, const std::string &dims) {
  if (std::optional<int64_t> c = size.constant())
    return str(*c);
  std::vector<std::string> names;
  for (unsigned i = 0, n = size.symbols().back() + 1; i < n; ++i)
    names.push_back(dims + "[" + str(i) + "]");
  return "(" + size.str(names) + ")";
}

bool codegen::regionIsSymbolic(FusionOp region, const SymbolicShapes *shapes) {
  if (!shapes)
    return false;
  for (Value v : region.getBlock().getArguments())
    if (shapes->dims.count(v))
      return true;
  for (Operation &op : region.getBlock().without_terminator())
    for (Value v : op.getResults())
      if (shapes->dims.count(v))
        return true;
  return false;
}

std::string codegen::symbolicCodegenGap(FusionOp region,
                                        const SymbolicShapes *shapes) {
  if (!regionIsSymbolic(region, shapes))
    return "";
  std::string what = "code generation for a range of shapes does not "
                     "support ";
  for (Operation &op : region.getBlock().without_terminator()) {
    switch (classifyOp(&op)) {
    case OpClass::Constant:
    case OpClass::Elementwise:
    case OpClass::Reduction:
    case OpClass::Attention:
      continue;
    case OpClass::ShapeOnly:
      if (isa<ConstantOfShapeOp, RangeOp>(op))
        continue;
      break;
    case OpClass::Remap:
    case OpClass::Windowed:
      continue;
    case OpClass::Library:
      // GEMMs, matmuls and float convolutions with their epilogues.
      if (isa<GemmOp, MatMulOp, ConvOp, ConvTransposeOp>(op))
        continue;
      break;
    default:
      break;
    }
    return what + "'" + op.getName().getStringRef().str() + "' yet";
  }
  return "";
}

Sizes codegen::sizesOf(Value v, const SymbolicShapes *shapes) {
  if (shapes)
    if (auto it = shapes->dims.find(v); it != shapes->dims.end())
      return it->second;
  return staticSizes(shapeOf(v));
}

Sizes ScalarEmitter::sizes(Value v) const { return sizesOf(v, shapes); }

void ScalarEmitter::storeThroughEpilogue(Operation *reduction,
                                         Operation *epilogueRoot,
                                         const std::string &target,
                                         const std::string &v,
                                         const Index &idx) {
  Type rowType = elementTypeOf(reduction->getResult(0));
  Type outType = elementTypeOf(epilogueRoot->getResult(0));
  std::string type = valueType(rowType);
  if (reduction == epilogueRoot) {
    line(target + " = " + storeAs(outType, type + "(" + v + ")") + ";");
    return;
  }
  std::string name = fresh("row");
  line("const " + type + " " + name + " = " + type + "(" + v + ");");
  reductionValue = [this, reduction, name, idx](Operation *op,
                                                const Index &at) {
    if (op != reduction || at != idx)
      error = "a reduction read at another index in its epilogue";
    return name;
  };
  line(target + " = " +
       storeAs(outType, value(epilogueRoot->getResult(0), idx)) + ";");
  reductionValue = nullptr;
}

Operation *codegen::regionLibraryOp(FusionOp region) {
  Operation *lib = nullptr;
  for (Operation &op : region.getBlock())
    if (classifyOp(&op) == OpClass::Library)
      lib = &op;
  return lib;
}

Operation *codegen::regionReduction(FusionOp region) {
  for (Operation &op : region.getBlock())
    if (classifyOp(&op) == OpClass::Reduction)
      return &op;
  return region.getRoot();
}

std::optional<StitchRows> codegen::stitchRows(FusionOp region, Value result,
                                              const ScalarEmitter *e) {
  StitchRows rows;
  for (Operation &op : region.getBlock())
    if (trailingRowReduction(&op))
      rows.reductions.push_back(&op);
  if (rows.reductions.empty())
    return std::nullopt;
  rows.dims = *trailingRowReduction(rows.reductions.front());
  Sizes shape = e ? e->sizes(result) : staticSizes(shapeOf(result));
  if (rows.dims > shape.size())
    return std::nullopt;
  rows.lengthSize = rows.countSize = DimExpr(1);
  for (size_t d = 0; d < shape.size(); ++d)
    (d + rows.dims >= shape.size() ? rows.lengthSize : rows.countSize) =
        (d + rows.dims >= shape.size() ? rows.lengthSize : rows.countSize) *
        shape[d];
  rows.length = e ? e->largest(rows.lengthSize) : *rows.lengthSize.constant();
  rows.count = e ? e->largest(rows.countSize) : *rows.countSize.constant();
  return rows;
}

Index codegen::emitRowReductions(
    ScalarEmitter &e, const StitchRows &rows, ArrayRef<int64_t> shape,
    const Index &outer, const std::string &loopHeader,
    const std::function<void(const std::string &, Operation *)> &combine) {
  return emitRowReductions(e, rows, staticSizes(shape), outer, loopHeader,
                           combine);
}

Index codegen::emitRowReductions(
    ScalarEmitter &e, const StitchRows &rows, ArrayRef<DimExpr> shape,
    const Index &outer, const std::string &loopHeader,
    const std::function<void(const std::string &, Operation *)> &combine) {
  size_t rank = shape.size();
  Index element = outer;
  DimExpr stride(1);
  for (int64_t d = rank - 1; d >= static_cast<int64_t>(rank - rows.dims); --d) {
    if (shape[d] != DimExpr(1))
      element[d] =
          "(j / " + e.extent(stride) + " % " + e.extent(shape[d]) + ")";
    stride = stride * shape[d];
  }
  auto values = std::make_shared<llvm::DenseMap<Operation *, std::string>>();
  e.reductionValue = [&e, values](Operation *op, const Index &) {
    auto it = values->find(op);
    if (it == values->end()) {
      e.error = "a row reduction read before it is computed";
      return std::string("0");
    }
    return it->second;
  };
  for (Operation *red : rows.reductions) {
    std::string name = e.fresh("row");
    bool isMax = isa<ReduceMaxOp>(red), isMin = isa<ReduceMinOp>(red);
    e.line("float " + name + " = " +
           (isMax   ? "-INFINITY"
            : isMin ? "INFINITY"
                    : "0.0f") +
           ";");
    e.open(loopHeader);
    std::string v = "float(" + e.value(red->getOperand(0), element) + ")";
    e.line(isMax   ? name + " = ig_max(" + name + ", " + v + ");"
           : isMin ? name + " = ig_min(" + name + ", " + v + ");"
                   : name + " += " + v + ";");
    e.close();
    combine(name, red);
    if (isa<ReduceMeanOp>(red))
      e.line(name + " /= float(" + e.extent(rows.lengthSize) + ");");
    (*values)[red] = name;
  }
  return element;
}

std::optional<AttentionSizes> codegen::attentionSizes(const ScalarEmitter &e,
                                                      AttentionOp op) {
  Sizes qs = e.sizes(op.getQ()), ks = e.sizes(op.getK()),
        vs = e.sizes(op.getV());
  std::optional<int64_t> heads = qs[1].constant(), kvHeads = ks[1].constant(),
                         dim = qs[3].constant(), dimV = vs[3].constant();
  if (!heads || !kvHeads || !dim || !dimV)
    return std::nullopt;
  return AttentionSizes{qs[0], qs[2], ks[2], *heads, *kvHeads, *dim, *dimV};
}

void codegen::emitAttentionMask(ScalarEmitter &e, AttentionOp op,
                                const std::string &score) {
  Value mask = op.getMask();
  if (!mask)
    return;
  std::string m =
      e.value(mask, broadcastIndex(e.sizes(mask), {"qb", "qh", "qi", "j"}));
  if (isa<FloatType>(elementTypeOf(mask)))
    e.line(score + " += float(" + m + ");");
  else
    e.line(score + " = " + m + " ? " + score + " : " +
           f32Literal(op.getMaskFill().convertToDouble()) + ";");
}

std::string codegen::linearIndex(ArrayRef<int64_t> shape, const Index &idx) {
  return linearIndex(staticSizes(shape), idx, "");
}

std::string codegen::linearIndex(ArrayRef<DimExpr> shape, const Index &idx,
                                 const std::string &dims) {
  std::string expr;
  DimExpr stride(1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    if (shape[d] != DimExpr(1) && idx[d] != "0") {
      std::string term = stride == DimExpr(1)
                             ? "(" + idx[d] + ")"
                             : "(" + idx[d] + ")*" + extentText(stride, dims);
      expr = expr.empty() ? term : term + " + " + expr;
    }
    stride = stride * shape[d];
  }
  return expr.empty() ? "0" : expr;
}

Index codegen::broadcastIndex(ArrayRef<int64_t> operandShape,
                              const Index &idx) {
  return broadcastIndex(staticSizes(operandShape), idx);
}

Index codegen::broadcastIndex(ArrayRef<DimExpr> operandShape,
                              const Index &idx) {
  Index out;
  size_t offset = idx.size() - operandShape.size();
  for (size_t d = 0; d < operandShape.size(); ++d)
    out.push_back(operandShape[d] == DimExpr(1) ? "0" : idx[offset + d]);
  return out;
}

std::string codegen::f32Literal(double v) {
  char buf[64];
  if (std::isnan(v))
    return "NAN";
  if (std::isinf(v))
    return v < 0 ? "(-INFINITY)" : "INFINITY";
  std::snprintf(buf, sizeof buf, "%af", static_cast<double>(float(v)));
  return buf;
}

std::string codegen::floatLiteral(double v, Type t) {
  // Half-precision values are computed in float, and every f16/bf16 value is
  // exactly a float.
  if (t.isF32() || isReducedFloat(t))
    return f32Literal(v);
  if (std::isnan(v))
    return "double(NAN)";
  if (std::isinf(v))
    return v < 0 ? "(-double(INFINITY))" : "double(INFINITY)";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

/// An exact C literal of `v` in type `t`.
static std::string literal(double v, Type t) {
  if (isa<FloatType>(t))
    return floatLiteral(v, t);
  if (t.isInteger(1))
    return v != 0 ? "true" : "false";
  return "";
}

static std::string intLiteral(int64_t v, Type t) {
  if (t.isInteger(1))
    return v ? "true" : "false";
  if (v == INT64_MIN)
    return "(-INT64_C(9223372036854775807) - 1)";
  return cType(t) + "(INT64_C(" + std::to_string(v) + "))";
}

ScalarEmitter::ScalarEmitter(FusionOp region,
                             std::function<std::string(unsigned)> bufferName)
    : region(region), bufferName(std::move(bufferName)) {
  static unsigned regionCounter = 0;
  prefix = "r" + std::to_string(regionCounter++) + "_";
}

std::string ScalarEmitter::constantRef(ConstantOp op) {
  return constantRef(op, op.getValue(), elementTypeOf(op.getResult()));
}

std::string ScalarEmitter::constantRef(Operation *op, Attribute value, Type t) {
  auto it = constantNames.find(op);
  if (it != constantNames.end())
    return it->second;
  std::optional<HostTensor> host = HostTensor::fromAttr(value, 1 << 20);
  std::string name;
  if (!host || cType(t).empty()) {
    error = "unsupported constant in a region";
    return "0";
  }
  auto elementText = [&](int64_t i) {
    return host->isFloat() ? literal(host->floats[i], t)
                           : intLiteral(host->ints[i], t);
  };
  bool splat = true;
  for (int64_t i = 1; i < host->size() && splat; ++i)
    splat = host->isFloat() ? host->floats[i] == host->floats[0] ||
                                  (std::isnan(host->floats[i]) &&
                                   std::isnan(host->floats[0]))
                            : host->ints[i] == host->ints[0];
  if (host->size() == 0) {
    name = "=0"; // never read: the tensor has no elements
  } else if (splat) {
    name = "=" + elementText(0); // '=' marks a literal
  } else {
    name = prefix + "c" + std::to_string(constantNames.size());
    // Half-precision constants are kept as float arrays: their values are
    // exact in float, and CUDA cannot initialize __half device arrays
    // statically.
    constantsText +=
        constantQualifier + " " + valueType(t) + " " + name + "[] = {";
    for (int64_t i = 0; i < host->size(); ++i)
      constantsText += (i ? ", " : "") + elementText(i);
    constantsText += "};\n";
  }
  constantNames[op] = name;
  return name;
}

/// Reads `v` (a region argument or constant) at `idx`.
std::string ScalarEmitter::read(Value v, const Index &idx) {
  auto position = [&] {
    Sizes shape = sizes(v);
    if (!identityFlat.empty() && idx == identityIndex && shape == identityShape)
      return identityFlat;
    return linearIndex(shape, idx, dims);
  };
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    std::string at = position();
    auto vector = identityVectors.find(arg.getArgNumber());
    if (at == identityFlat && vector != identityVectors.end())
      return loadAs(elementTypeOf(v),
                    vector->second +
                        vectorLane(elementTypeOf(v), identityLane));
    return loadAs(elementTypeOf(v),
                  bufferName(arg.getArgNumber()) + "[" + at + "]");
  }
  auto constant = v.getDefiningOp<ConstantOp>();
  std::string ref = constantRef(constant);
  if (!ref.empty() && ref[0] == '=')
    return ref.substr(1);
  return ref + "[" + position() + "]";
}

std::string ScalarEmitter::value(Value v, const Index &idx) {
  std::string key;
  for (const std::string &i : idx)
    key += i + ",";
  auto memoKey = std::make_pair(v.getAsOpaquePointer(), key);
  auto it = memo.find(memoKey);
  if (it != memo.end())
    return it->second;
  std::string result;
  Operation *op = v.getDefiningOp();
  if (!op || isa<ConstantOp>(op)) {
    result = read(v, idx);
  } else if (auto range = dyn_cast<RangeOp>(op)) {
    // Only where its length varies (else it folds): start + i * step, the
    // start a size (the symbolic inference checked both are known).
    auto scalar = [&](Value operand) -> std::optional<DimExpr> {
      if (shapes)
        if (auto it = shapes->values.find(operand);
            it != shapes->values.end() && it->second.size() == 1)
          return it->second[0];
      DenseIntElementsAttr c;
      if (matchPattern(operand, m_Constant(&c)) && c.getNumElements() == 1)
        return DimExpr((*c.getValues<APInt>().begin()).getSExtValue());
      return std::nullopt;
    };
    std::optional<DimExpr> start = scalar(range.getStart()),
                           step = scalar(range.getDelta());
    if (!start || !step || idx.size() != 1) {
      error = "a range whose start or step is not a known size";
      result = "0";
    } else {
      result = valueType(elementTypeOf(v)) + "(" + extent(*start) + " + (" +
               idx[0] + ") * " + extent(*step) + ")";
    }
  } else if (auto filled = dyn_cast<ConstantOfShapeOp>(op)) {
    // Only where its size varies (else it folds to a constant).
    Type t = elementTypeOf(v);
    auto attr = dyn_cast_or_null<DenseElementsAttr>(
        filled.getValue().value_or(ElementsAttr()));
    if (!attr)
      result = literal(0, t);
    else if (isa<FloatType>(t))
      result = literal(attr.getSplatValue<APFloat>().convertToDouble(), t);
    else
      result = intLiteral(attr.getSplatValue<APInt>().getSExtValue(), t);
  } else {
    switch (classifyOp(op)) {
    case OpClass::Elementwise:
      result = elementwise(op, idx);
      break;
    case OpClass::Remap:
      result = remap(op, idx);
      break;
    case OpClass::Windowed:
      result = windowed(op, idx);
      break;
    case OpClass::Library:
      result = libraryValue ? libraryValue(op, idx) : "0";
      break;
    case OpClass::Reduction:
      if (reductionValue) {
        result = reductionValue(op, idx);
        break;
      }
      [[fallthrough]];
    default:
      error = "'" + op->getName().getStringRef().str() +
              "' cannot be computed per element";
      result = "0";
    }
  }
  memo[memoKey] = result;
  return result;
}

std::string ScalarEmitter::elementwise(Operation *op, const Index &idx) {
  Value result = op->getResult(0);
  Type t = elementTypeOf(result);
  std::string ty = valueType(t);
  if (ty.empty()) {
    error = "element type not supported by codegen yet";
    return "0";
  }
  auto operand = [&](unsigned i) {
    Value o = op->getOperand(i);
    return value(o, broadcastIndex(sizes(o), idx));
  };
  auto f = [&](double d) { return literal(d, t); };
  // A quantized 8/16-bit value is held in an int32 (ig_quantize_wide) and
  // read as its type: the same value, and GCC folds the conversions of a
  // requantization (int32 -> uint8 -> int32) to a mask, so that the loop
  // has no 8-bit values but those it loads and stores.
  std::string declared = ty;
  std::string expr =
      llvm::TypeSwitch<Operation *, std::string>(op)
          .Case([&](SqrtOp) { return "ig_sqrt(" + operand(0) + ")"; })
          .Case([&](ExpOp) { return "ig_exp(" + operand(0) + ")"; })
          .Case([&](LogOp) { return "ig_log(" + operand(0) + ")"; })
          .Case([&](ErfOp) { return "ig_erf(" + operand(0) + ")"; })
          .Case([&](TanhOp) { return "ig_tanh(" + operand(0) + ")"; })
          .Case([&](SigmoidOp) { return "ig_sigmoid(" + operand(0) + ")"; })
          .Case([&](ReciprocalOp) { return f(1) + " / " + operand(0); })
          .Case([&](FloorOp) { return "ig_floor(" + operand(0) + ")"; })
          .Case([&](CeilOp) { return "ig_ceil(" + operand(0) + ")"; })
          .Case([&](RoundOp) { return "ig_round_even(" + operand(0) + ")"; })
          .Case([&](SinOp) { return "ig_sin(" + operand(0) + ")"; })
          .Case([&](CosOp) { return "ig_cos(" + operand(0) + ")"; })
          .Case([&](SoftplusOp) { return "ig_softplus(" + operand(0) + ")"; })
          .Case(
              [&](HardSwishOp) { return "ig_hard_swish(" + operand(0) + ")"; })
          .Case([&](ReluOp) { return "ig_relu(" + operand(0) + ")"; })
          .Case([&](NegOp) { return ty + "(-" + operand(0) + ")"; })
          .Case([&](AbsOp) { return "ig_abs(" + operand(0) + ")"; })
          .Case([&](SignOp) { return "ig_sign(" + operand(0) + ")"; })
          .Case([&](NotOp) { return "!" + operand(0); })
          .Case([&](IsNaNOp) { return "ig_isnan(" + operand(0) + ")"; })
          .Case<IdentityOp, DropoutOp>([&](auto) { return operand(0); })
          .Case([&](HardSigmoidOp o) {
            return "ig_hard_sigmoid(" + operand(0) + ", " +
                   f(o.getAlpha().convertToDouble()) + ", " +
                   f(o.getBeta().convertToDouble()) + ")";
          })
          .Case([&](LeakyReluOp o) {
            std::string x = operand(0);
            return "(" + x + " >= 0 ? " + x + " : " +
                   f(o.getAlpha().convertToDouble()) + " * " + x + ")";
          })
          .Case([&](EluOp o) {
            return "ig_elu(" + operand(0) + ", " +
                   f(o.getAlpha().convertToDouble()) + ")";
          })
          .Case([&](GeluOp o) {
            return std::string(o.getApproximate() == "tanh" ? "ig_gelu_tanh("
                                                            : "ig_gelu(") +
                   operand(0) + ")";
          })
          .Case([&](CastOp o) {
            Type from = elementTypeOf(o.getInput());
            std::string x = operand(0);
            if (t.isInteger(1))
              return "(" + x + " != 0)";
            if (isa<FloatType>(from) && isa<IntegerType>(t))
              return "ig_float_to_int<" + ty + ">(" + x + ")";
            // To half precision: round through the storage type (the value
            // stays a float).
            if (isReducedFloat(t))
              return roundTo(t, "float(" + x + ")");
            return ty + "(" + x + ")";
          })
          .Case([&](ClipOp) {
            return "ig_clip(" + operand(0) + ", " + operand(1) + ", " +
                   operand(2) + ")";
          })
          .Case([&](AddOp) {
            return ty + "(" + operand(0) + " + " + operand(1) + ")";
          })
          .Case([&](SubOp) {
            return ty + "(" + operand(0) + " - " + operand(1) + ")";
          })
          .Case([&](MulOp) {
            return ty + "(" + operand(0) + " * " + operand(1) + ")";
          })
          .Case([&](DivOp) {
            return "ig_div(" + operand(0) + ", " + operand(1) + ")";
          })
          .Case([&](PowOp) {
            return "ig_pow(" + operand(0) + ", " + operand(1) + ")";
          })
          .Case([&](MinOp) {
            return "ig_min(" + operand(0) + ", " + operand(1) + ")";
          })
          .Case([&](MaxOp) {
            return "ig_max(" + operand(0) + ", " + operand(1) + ")";
          })
          .Case([&](AndOp) {
            return "(" + operand(0) + " && " + operand(1) + ")";
          })
          .Case([&](OrOp) {
            return "(" + operand(0) + " || " + operand(1) + ")";
          })
          .Case([&](XorOp) {
            return "(" + operand(0) + " != " + operand(1) + ")";
          })
          .Case([&](EqualOp) {
            return "(" + operand(0) + " == " + operand(1) + ")";
          })
          .Case([&](LessOp) {
            return "(" + operand(0) + " < " + operand(1) + ")";
          })
          .Case([&](LessOrEqualOp) {
            return "(" + operand(0) + " <= " + operand(1) + ")";
          })
          .Case([&](GreaterOp) {
            return "(" + operand(0) + " > " + operand(1) + ")";
          })
          .Case([&](GreaterOrEqualOp) {
            return "(" + operand(0) + " >= " + operand(1) + ")";
          })
          .Case([&](WhereOp) {
            // Both sides are computed: they are cheap and this keeps the
            // emitted code branch-free (vectorizable).
            std::string c = operand(0), a = operand(1), b = operand(2);
            return "(" + c + " ? " + a + " : " + b + ")";
          })
          .Case([&](LookupOp lookup) {
            // The table as a constant array (a literal where every entry
            // is the same), indexed from the type's lowest value.
            std::string table =
                constantRef(op, lookup.getTable(), elementTypeOf(result));
            if (table[0] == '=')
              return table.substr(1);
            bool isUnsigned = getElementTypeOrSelf(lookup.getInput().getType())
                                  .isUnsignedInteger();
            return table + "[int32_t(" + operand(0) + ")" +
                   (isUnsigned ? "" : " + 128") + "]";
          })
          .Case([&](QuantizeLinearOp) {
            std::string helper = "ig_quantize";
            if (t.getIntOrFloatBitWidth() < 32) {
              helper = "ig_quantize_wide";
              declared = "int32_t";
            }
            return helper + "<" + ty + ">(float(" + operand(0) + "), float(" +
                   operand(1) + "), int32_t(" + operand(2) + "))";
          })
          .Case([&](DequantizeLinearOp dq) {
            // The difference is exact in integers, then one FP32 conversion
            // and multiply. 8/16-bit values subtract in int32 and int32
            // sums with a zero point of 0 convert directly (both vectorize);
            // other int32 values subtract in int64 (a quantized bias).
            unsigned width = getElementTypeOrSelf(dq.getInput().getType())
                                 .getIntOrFloatBitWidth();
            Attribute zeroAttr;
            bool zeroIsZero =
                matchPattern(dq.getZeroPoint(), m_Constant(&zeroAttr)) &&
                isa<DenseIntElementsAttr>(zeroAttr) &&
                cast<DenseIntElementsAttr>(zeroAttr).isSplat() &&
                cast<DenseIntElementsAttr>(zeroAttr)
                    .getSplatValue<APInt>()
                    .isZero();
            std::string x = operand(0), difference;
            if (auto wide = wideValues.find(x); wide != wideValues.end())
              x = wide->second;
            if (width <= 32 && zeroIsZero)
              difference = x;
            else if (width < 32)
              difference = "int32_t(" + x + ") - int32_t(" + operand(2) + ")";
            else
              difference =
                  "int64_t(" + operand(0) + ") - int64_t(" + operand(2) + ")";
            return roundTo(t, "float(" + difference + ") * float(" +
                                  operand(1) + ")");
          })
          .Case([&](BatchNormOp o) {
            Index channel = {idx.size() > 1 ? idx[1] : "0"};
            std::string x = operand(0);
            std::string scale = value(o.getScale(), channel);
            std::string bias = value(o.getBias(), channel);
            std::string mean = value(o.getMean(), channel);
            std::string var = value(o.getVariance(), channel);
            return "((" + x + " - " + mean + ") * (" + scale + " / ig_sqrt(" +
                   var + " + " + f(o.getEpsilon().convertToDouble()) + ")) + " +
                   bias + ")";
          })
          .Default([&](Operation *) {
            error = "no scalar form for '" +
                    op->getName().getStringRef().str() + "'";
            return std::string("0");
          });
  std::string name = fresh();
  line("const " + declared + " " + name + " = " + expr + ";");
  if (declared == ty)
    return name;
  wideValues[ty + "(" + name + ")"] = name;
  return ty + "(" + name + ")";
}

/// Integer values of a constant operand (for slice parameters, pads, ...).
static SmallVector<int64_t> constInts(Value v) {
  Attribute attr;
  SmallVector<int64_t> out;
  if (matchPattern(v, m_Constant(&attr)))
    if (std::optional<HostTensor> t = HostTensor::fromAttr(attr, 1 << 16))
      for (int64_t i = 0; i < t->size(); ++i)
        out.push_back(t->getInt(i));
  return out;
}

/// The input index of a reshape from `inShape` to `outShape` read at `idx`,
/// group by group: the dims (of size > 1) split into the shortest runs
/// whose sizes multiply to the same number on both sides, as a reshape
/// splitting [S, H*D] into [S, H, D] has the groups S -> S and H*D -> H, D.
/// A group with one input dim is a sum of products (no division), one
/// with several divides only its own offset: the head-split reads of
/// attention stay plain strided loads. nullopt for empty tensors.
std::optional<Index> ScalarEmitter::reshapeByGroups(ArrayRef<DimExpr> inShape,
                                                    ArrayRef<DimExpr> outShape,
                                                    const Index &idx) {
  SmallVector<size_t> outDims, inDims;
  for (size_t d = 0; d < outShape.size(); ++d) {
    if (outShape[d] == DimExpr(0))
      return std::nullopt;
    if (outShape[d] != DimExpr(1))
      outDims.push_back(d);
  }
  for (size_t d = 0; d < inShape.size(); ++d) {
    if (inShape[d] == DimExpr(0))
      return std::nullopt;
    if (inShape[d] != DimExpr(1))
      inDims.push_back(d);
  }
  // Which side grows next is decided on the sizes' largest values; groups
  // end where the two products are equal as expressions.
  auto most = [&](const DimExpr &d) { return largest(d); };
  Index in(inShape.size(), "0");
  size_t o = 0, i = 0;
  while (o < outDims.size() || i < inDims.size()) {
    size_t o0 = o, i0 = i;
    DimExpr po(1), pi(1);
    do {
      if ((most(po) <= most(pi) && o < outDims.size()) || i == inDims.size()) {
        if (o == outDims.size())
          return std::nullopt; // sizes do not match
        po = po * outShape[outDims[o++]];
      } else {
        pi = pi * inShape[inDims[i++]];
      }
      if (most(po) == DimExpr::kOverflow || most(pi) == DimExpr::kOverflow)
        return std::nullopt;
    } while (po != pi);
    // The group's offset over its output dims.
    std::string lin;
    DimExpr stride(1);
    for (size_t k = o; k-- > o0;) {
      std::string term = "(" + idx[outDims[k]] + ")";
      if (stride != DimExpr(1))
        term += "*" + extent(stride);
      lin = lin.empty() ? term : term + " + " + lin;
      stride = stride * outShape[outDims[k]];
    }
    if (i - i0 == 1) {
      in[inDims[i0]] = lin;
      continue;
    }
    if (o - o0 > 1) {
      std::string name = fresh("l");
      line("const int64_t " + name + " = " + lin + ";");
      lin = name;
    }
    stride = DimExpr(1);
    for (size_t k = i; k-- > i0;) {
      const DimExpr &size = inShape[inDims[k]];
      std::string v = "(" + lin + ")";
      if (stride != DimExpr(1))
        v += " / " + extent(stride);
      if (k != i0)
        v = "(" + v + " % " + extent(size) + ")";
      in[inDims[k]] = "(" + v + ")";
      stride = stride * size;
    }
  }
  return in;
}

int64_t ScalarEmitter::largest(const DimExpr &size) const {
  if (std::optional<int64_t> c = size.constant())
    return *c;
  return shapes ? bounds(size, shapes->ranges).second : DimExpr::kOverflow;
}

std::string ScalarEmitter::remap(Operation *op, const Index &idx) {
  Value result = op->getResult(0);
  Sizes outShape = sizes(result);
  auto viaLinear = [&](Value input) {
    // Row-major reinterpretation: same linear offset, new coordinates.
    Sizes inShape = sizes(input);
    if (std::optional<Index> in = reshapeByGroups(inShape, outShape, idx))
      return value(input, *in);
    std::string lin = fresh("l");
    line("const int64_t " + lin + " = " + linearIndex(outShape, idx, dims) +
         ";");
    Index in;
    DimExpr stride(1);
    Sizes strides(inShape.size());
    for (int64_t d = static_cast<int64_t>(inShape.size()) - 1; d >= 0; --d) {
      strides[d] = stride;
      stride = stride * inShape[d];
    }
    for (size_t d = 0; d < inShape.size(); ++d)
      in.push_back(inShape[d] == DimExpr(1)
                       ? "0"
                       : "(" + lin + " / " + extent(strides[d]) + " % " +
                             extent(inShape[d]) + ")");
    return value(input, in);
  };
  return llvm::TypeSwitch<Operation *, std::string>(op)
      .Case<ReshapeOp, FlattenOp>(
          [&](auto o) { return viaLinear(o.getInput()); })
      .Case([&](SqueezeOp o) {
        // Dropped dims have size 1: the remaining dims keep their order.
        Sizes inShape = sizes(o.getInput());
        Index in;
        size_t next = 0;
        SmallVector<bool> dropped(inShape.size(), false);
        if (auto axes = o.getAxes(); axes && !axes->empty()) {
          for (int64_t a : *axes)
            dropped[a < 0 ? a + inShape.size() : a] = true;
        } else {
          for (size_t d = 0; d < inShape.size(); ++d)
            dropped[d] = inShape[d] == DimExpr(1);
        }
        for (size_t d = 0; d < inShape.size(); ++d)
          in.push_back(dropped[d] ? "0" : idx[next++]);
        return value(o.getInput(), in);
      })
      .Case([&](UnsqueezeOp o) {
        SmallVector<bool> inserted(outShape.size(), false);
        for (int64_t a : o.getAxes())
          inserted[a < 0 ? a + outShape.size() : a] = true;
        Index in;
        for (size_t d = 0; d < outShape.size(); ++d)
          if (!inserted[d])
            in.push_back(idx[d]);
        return value(o.getInput(), in);
      })
      .Case([&](TransposeOp o) {
        size_t rank = outShape.size();
        SmallVector<int64_t> perm;
        if (auto p = o.getPerm())
          perm.assign(p->begin(), p->end());
        else
          for (int64_t d = rank - 1; d >= 0; --d)
            perm.push_back(d);
        Index in(rank);
        for (size_t d = 0; d < rank; ++d)
          in[perm[d]] = idx[d];
        return value(o.getInput(), in);
      })
      .Case([&](ExpandOp o) {
        return value(o.getInput(), broadcastIndex(sizes(o.getInput()), idx));
      })
      .Case([&](TileOp o) {
        Sizes inShape = sizes(o.getInput());
        Index in;
        for (size_t d = 0; d < inShape.size(); ++d)
          in.push_back(inShape[d] == outShape[d]
                           ? idx[d]
                           : "(" + idx[d] + " % " + extent(inShape[d]) + ")");
        return value(o.getInput(), in);
      })
      .Case([&](SliceOp o) {
        Sizes inShape = sizes(o.getInput());
        SmallVector<int64_t> starts = constInts(o.getStarts()),
                             ends = constInts(o.getEnds()),
                             axes = constInts(o.getAxes()),
                             steps = constInts(o.getSteps());
        // The ends only size the result; the reads need the rest known.
        if (starts.size() != axes.size() || steps.size() != starts.size()) {
          error = "a slice whose starts, axes or steps are computed";
          return std::string("0");
        }
        Index in(idx.begin(), idx.end());
        for (size_t k = 0;
             k < starts.size() && k < axes.size() && k < steps.size(); ++k) {
          int64_t rank = inShape.size();
          int64_t a = axes[k] < 0 ? axes[k] + rank : axes[k];
          int64_t step = steps[k], start = starts[k];
          // Where the sliced dim varies, a start from the front in its
          // smallest size is the same for every size; one from its end
          // (step 1, within the smallest size: the shape rule checked) is
          // the size less that much.
          std::optional<int64_t> known = inShape[a].constant();
          auto [smallest, largest] =
              known ? std::pair<int64_t, int64_t>(*known, *known)
                    : bounds(inShape[a], shapes->ranges);
          if (!known && start < 0 && step == 1 && start <= -largest)
            start = 0; // before the first entry at every size (the rule's)
          if (!known && start < 0 && step == 1 && start >= -smallest) {
            in[a] = "(" + extent(inShape[a]) + " - " + std::to_string(-start) +
                    " + " + idx[a] + ")";
            continue;
          }
          if (!known && (start < 0 || step < 0 || start > smallest)) {
            error = "a slice of a dimension that varies from its end or "
                    "past its smallest size";
            return std::string("0");
          }
          int64_t size = known ? *known : start;
          if (start < 0)
            start += size;
          start = step > 0 ? std::clamp<int64_t>(start, 0, size)
                           : std::clamp<int64_t>(start, -1, size - 1);
          in[a] = "(" + std::to_string(start) + " + " + idx[a] + " * " +
                  std::to_string(step) + ")";
        }
        return value(o.getInput(), in);
      })
      .Case([&](GatherOp o) {
        Sizes inShape = sizes(o.getInput());
        Sizes indexShape = sizes(o.getIndices());
        int64_t axis = static_cast<int64_t>(o.getAxis());
        if (axis < 0)
          axis += inShape.size();
        Index sub(idx.begin() + axis, idx.begin() + axis + indexShape.size());
        std::string k = value(o.getIndices(), sub);
        std::string g = fresh("g");
        line("const int64_t " + g + " = ig_gather_index(int64_t(" + k + "), " +
             extent(inShape[axis]) + ");");
        Index in(idx.begin(), idx.begin() + axis);
        in.push_back(g);
        in.insert(in.end(), idx.begin() + axis + indexShape.size(), idx.end());
        return value(o.getInput(), in);
      })
      .Case([&](ConcatOp o) {
        int64_t axis = static_cast<int64_t>(o.getAxis());
        if (axis < 0)
          axis += outShape.size();
        auto inputs = o.getInputs();
        if (!innerVariable.empty() && idx[axis] == innerVariable) {
          std::vector<int64_t> offsets;
          DimExpr at(0);
          for (Value in : inputs) {
            if (!at.constant())
              break;
            offsets.push_back(*at.constant());
            at = at + sizes(in)[axis];
          }
          if (offsets.size() == inputs.size())
            innerConcats[o] = offsets;
          auto fixed = concatInputs.find(o);
          if (fixed != concatInputs.end() && offsets.size() == inputs.size()) {
            Index in(idx.begin(), idx.end());
            in[axis] =
                "(" + idx[axis] + " - " + str(offsets[fixed->second]) + ")";
            return value(inputs[fixed->second], in);
          }
        }
        std::string name = fresh();
        line(valueType(elementTypeOf(result)) + " " + name + ";");
        DimExpr offset(0);
        for (size_t i = 0; i < inputs.size(); ++i) {
          DimExpr len = sizes(inputs[i])[axis];
          Index in(idx.begin(), idx.end());
          in[axis] = "(" + idx[axis] + " - " + extent(offset) + ")";
          std::string cond = idx[axis] + " < " + extent(offset + len);
          if (i + 1 == inputs.size())
            open("else");
          else
            open(std::string(i ? "else if (" : "if (") + cond + ")");
          line(name + " = " + value(inputs[i], in) + ";");
          close();
          offset = offset + len;
        }
        return name;
      })
      .Case([&](PadOp o) {
        Sizes inShape = sizes(o.getInput());
        SmallVector<int64_t> pads = constInts(o.getPads());
        size_t rank = inShape.size();
        StringRef mode = o.getMode();
        Type t = elementTypeOf(result);
        std::string name = fresh();
        Index in;
        std::string inside = "true";
        for (size_t d = 0; d < rank; ++d) {
          int64_t pb = pads[d];
          std::string n = extent(inShape[d]);
          std::string j = "(" + idx[d] + " - " + std::to_string(pb) + ")";
          if (mode == "constant") {
            inside += " && " + j + " >= 0 && " + j + " < " + n;
            in.push_back(j);
          } else if (mode == "edge") {
            in.push_back("ig_clamp_index(" + j + ", " + n + ")");
          } else if (mode == "reflect") {
            in.push_back("ig_reflect_index(" + j + ", " + n + ")");
          } else {
            in.push_back("ig_wrap_index(" + j + ", " + n + ")");
          }
        }
        if (mode != "constant")
          return value(o.getInput(), in);
        std::string fill =
            o.getConstantValue()
                ? value(o.getConstantValue(),
                        Index(shapeOf(o.getConstantValue()).size(), "0"))
                : (isa<FloatType>(t) ? literal(0, t) : intLiteral(0, t));
        line(valueType(t) + " " + name + " = " + fill + ";");
        open("if (" + inside + ")");
        line(name + " = " + value(o.getInput(), in) + ";");
        close();
        return name;
      })
      .Case([&](ResizeOp o) { return resizeValue(o, idx); })
      .Default([&](Operation *) {
        error =
            "no index form for '" + op->getName().getStringRef().str() + "'";
        return std::string("0");
      });
}

/// Coordinate transformation modes, as the prelude's ig_resize_coord knows
/// them.
static int coordMode(StringRef mode) {
  return llvm::StringSwitch<int>(mode)
      .Case("half_pixel", 0)
      .Case("half_pixel_symmetric", 1)
      .Case("pytorch_half_pixel", 2)
      .Case("align_corners", 3)
      .Case("asymmetric", 4)
      .Default(0);
}

std::string ScalarEmitter::resizeValue(ResizeOp o, const Index &idx) {
  Sizes inShape = sizes(o.getInput());
  Sizes outShape = sizes(o.getResult());
  size_t rank = inShape.size();
  // The scale each axis uses: the given one, or out/in when sizes are given
  // (a literal where it is the same for every size; where the sizes vary
  // by other than a whole scale, out/in in FP32 at run time, as ONNX
  // Runtime computes it).
  Type f32 = Float32Type::get(o.getContext());
  std::vector<std::string> scales(rank);
  std::vector<bool> unitScale(rank, false);
  Attribute attr;
  std::optional<HostTensor> given;
  if (matchPattern(o.getScales(), m_Constant(&attr)))
    given = HostTensor::fromAttr(attr, 64);
  bool fromScales = given && given->size() == static_cast<int64_t>(rank);
  auto setScale = [&](size_t d, float v) {
    scales[d] = literal(v, f32);
    unitScale[d] = v == 1.0f;
  };
  for (size_t d = 0; d < rank && !fromScales; ++d) {
    std::optional<int64_t> in = inShape[d].constant(),
                           out = outShape[d].constant();
    std::optional<DimExpr> ratio = outShape[d].divideExactly(inShape[d]);
    if (in && out)
      setScale(d, static_cast<float>(*out) / static_cast<float>(*in));
    else if (ratio && ratio->isConstant())
      setScale(d, static_cast<float>(*ratio->constant()));
    else
      scales[d] = "(float(" + extent(outShape[d]) + ") / float(" +
                  extent(inShape[d]) + "))";
  }
  for (size_t d = 0; d < rank && fromScales; ++d)
    setScale(d, static_cast<float>(given->floats[d]));
  std::string mode =
      std::to_string(coordMode(o.getCoordinateTransformationMode()));
  // A coordinate that does not depend on the skeleton's inner loop variable
  // is computed once per row, before that loop (hoistedText).
  // Row-level means: no inner loop variable, and no variable of the body
  // (fresh names have an underscore; the row's coordinates i0, i1, ... and
  // the dims d_[k] are declared before the loop).
  auto rowLevel = [&](const std::string &index) {
    if (innerVariable.empty() || index.find(innerVariable) != std::string::npos)
      return false;
    std::string rest = index;
    for (size_t at; (at = rest.find(dims + "[")) != std::string::npos;)
      rest.erase(at, dims.size());
    return rest.find('_') == std::string::npos;
  };
  auto emit = [&](size_t d, const std::string &statement) {
    if (rowLevel(idx[d]))
      hoistedText += hoistIndent + statement + "\n";
    else
      line(statement);
  };
  auto coord = [&](size_t d) {
    std::string x = fresh("x");
    emit(d, "const float " + x + " = ig_resize_coord(" + idx[d] + ", " +
                scales[d] + ", " + extent(inShape[d]) + ", " +
                extent(outShape[d]) + ", " + mode + ");");
    return x;
  };
  auto identityAxis = [&](size_t d) {
    return inShape[d] == outShape[d] && unitScale[d] &&
           o.getCoordinateTransformationMode() != "tf_crop_and_resize";
  };

  if (o.getMode() == "nearest") {
    int nearest = llvm::StringSwitch<int>(o.getNearestMode())
                      .Case("round_prefer_floor", 0)
                      .Case("round_prefer_ceil", 1)
                      .Case("floor", 2)
                      .Case("ceil", 3)
                      .Default(0);
    Index in;
    for (size_t d = 0; d < rank; ++d) {
      if (identityAxis(d)) {
        in.push_back(idx[d]);
        continue;
      }
      std::string x = coord(d), k = fresh("n");
      emit(d, "const int64_t " + k + " = ig_nearest_index(" + x + ", " +
                  std::to_string(nearest) + ", " + extent(inShape[d]) + ");");
      in.push_back(k);
    }
    return value(o.getInput(), in);
  }

  // Linear and cubic: a weighted sum over taps on each resized axis.
  bool cubic = o.getMode() == "cubic";
  int taps = cubic ? 4 : 2;
  Type t = elementTypeOf(o.getResult());
  std::string acc = fresh("acc");
  line("float " + acc + " = 0.0f;");
  Index in(idx.begin(), idx.end());
  SmallVector<std::string> weights;
  int loops = 0;
  for (size_t d = 0; d < rank; ++d) {
    if (identityAxis(d))
      continue;
    std::string x = coord(d);
    std::string ti = fresh("ti"), tw = fresh("tw");
    line("int64_t " + ti + "[4]; float " + tw + "[4];");
    if (cubic)
      line("ig_cubic_taps(" + x + ", " + extent(inShape[d]) + ", " +
           literal(o.getCubicCoeffA().convertToDouble(),
                   Float32Type::get(o.getContext())) +
           ", " + (o.getExcludeOutside() ? "true" : "false") + ", " + ti +
           ", " + tw + ");");
    else
      line("ig_linear_taps(" + x + ", " + extent(inShape[d]) + ", " + ti +
           ", " + tw + ");");
    std::string k = fresh("k");
    open("for (int " + k + " = 0; " + k + " < " + std::to_string(taps) +
         "; ++" + k + ")");
    ++loops;
    in[d] = ti + "[" + k + "]";
    weights.push_back(tw + "[" + k + "]");
  }
  std::string w = weights.empty() ? "1.0f" : weights[0];
  for (size_t i = 1; i < weights.size(); ++i)
    w += " * " + weights[i];
  line(acc + " += " + w + " * float(" + value(o.getInput(), in) + ");");
  for (int i = 0; i < loops; ++i)
    close();
  std::string name = fresh();
  line("const " + valueType(t) + " " + name + " = " + valueType(t) + "(" + acc +
       ");");
  return name;
}

std::string ScalarEmitter::windowed(Operation *op, const Index &idx) {
  if (auto resize = dyn_cast<ResizeOp>(op))
    return resizeValue(resize, idx);
  bool isMax = isa<MaxPoolOp>(op);
  Value input = op->getOperand(0);
  Sizes inShape = sizes(input);
  size_t spatial = inShape.size() - 2;
  // Index position of spatial dim d: after N, and after C unless the op is
  // channels-last.
  auto channelsLast = op->getAttrOfType<BoolAttr>("channels_last");
  size_t firstSpatial = channelsLast && channelsLast.getValue() ? 1 : 2;
  SmallVector<int64_t> kernel, strides, dilations, pads;
  bool countIncludePad = false;
  auto fill = [&](auto o) {
    kernel.assign(o.getKernelShape()->begin(), o.getKernelShape()->end());
    strides = o.getStrides() ? SmallVector<int64_t>(*o.getStrides())
                             : SmallVector<int64_t>(spatial, 1);
    dilations = o.getDilations() ? SmallVector<int64_t>(*o.getDilations())
                                 : SmallVector<int64_t>(spatial, 1);
    pads = o.getPads() ? SmallVector<int64_t>(*o.getPads())
                       : SmallVector<int64_t>(2 * spatial, 0);
  };
  if (auto mp = dyn_cast<MaxPoolOp>(op))
    fill(mp);
  else if (auto ap = dyn_cast<AveragePoolOp>(op)) {
    fill(ap);
    countIncludePad = ap.getCountIncludePad();
  }
  if (llvm::any_of(pads, [](int64_t p) { return p < 0; }) ||
      cast<StringAttr>(op->getAttr("auto_pad")).getValue() != "NOTSET") {
    error = "pooling with unresolved auto_pad";
    return "0";
  }
  Type t = elementTypeOf(op->getResult(0));
  std::string ty = valueType(t);
  std::string acc = fresh("acc"), count = fresh("n");
  if (isMax)
    line(ty + " " + acc + " = ig_lowest<" + ty + ">();");
  else
    line("float " + acc + " = 0.0f;");
  line("int64_t " + count + " = 0;");
  Index in(idx.begin(), idx.end());
  std::string cond = "true", padCond = "true";
  for (size_t d = 0; d < spatial; ++d) {
    std::string k = fresh("k"), i = fresh("i");
    open("for (int64_t " + k + " = 0; " + k + " < " +
         std::to_string(kernel[d]) + "; ++" + k + ")");
    line("const int64_t " + i + " = " + idx[d + firstSpatial] + " * " +
         std::to_string(strides[d]) + " - " + std::to_string(pads[d]) + " + " +
         k + " * " + std::to_string(dilations[d]) + ";");
    const DimExpr &n = inShape[d + firstSpatial];
    cond += " && " + i + " >= 0 && " + i + " < " + extent(n);
    padCond += " && " + i + " < " + extent(n + DimExpr(pads[spatial + d]));
    in[d + firstSpatial] = i;
  }
  if (countIncludePad)
    line("if (" + padCond + ") ++" + count + ";");
  open("if (" + cond + ")");
  std::string v = value(input, in);
  if (isMax)
    line(acc + " = ig_max(" + acc + ", " + v + ");");
  else
    line(acc + " += float(" + v + ");");
  if (!countIncludePad)
    line("++" + count + ";");
  close();
  for (size_t d = 0; d < spatial; ++d)
    close();
  if (isMax)
    return acc;
  std::string name = fresh();
  line("const " + ty + " " + name + " = " + ty + "(" + count + " ? " + acc +
       " / float(" + count + ") : 0.0f);");
  return name;
}
