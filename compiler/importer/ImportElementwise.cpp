//===- ImportElementwise.cpp - Handlers for elementwise ONNX operators ----===//
#include "compiler/importer/ImportContext.h"

#include <limits>

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::importer;

template <typename OpT> static NodeHandler unary() {
  return [](NodeContext &nc) -> LogicalResult {
    FailureOr<Value> x = nc.requiredInput(0);
    if (failed(x))
      return failure();
    return nc.setOutput(nc.createValue<OpT>({*x}));
  };
}

/// Binary ops; ONNX's variadic Min/Max/Sum/Mean fold left over the inputs.
template <typename OpT> static NodeHandler binary(bool variadic = false) {
  return [variadic](NodeContext &nc) -> LogicalResult {
    if (variadic ? nc.numInputs() < 1 : nc.numInputs() != 2)
      return nc.error() << "expects "
                        << (variadic ? "at least 1 input" : "2 inputs")
                        << ", got " << nc.numInputs();
    FailureOr<Value> acc = nc.requiredInput(0);
    if (failed(acc))
      return failure();
    for (int i = 1; i < nc.numInputs(); ++i) {
      FailureOr<Value> rhs = nc.requiredInput(i);
      if (failed(rhs))
        return failure();
      acc = nc.createValue<OpT>({*acc, *rhs});
      if (failed(acc))
        return failure();
    }
    return nc.setOutput(*acc);
  };
}

static LogicalResult importMean(NodeContext &nc) {
  if (failed(binary<AddOp>(/*variadic=*/true)(nc)))
    return failure();
  Value sum = nc.outputs[0];
  Value count = nc.constFloat(NodeContext::elementTypeOf(sum), nc.numInputs());
  return nc.setOutput(nc.createValue<DivOp>({sum, count}));
}

static LogicalResult importPow(NodeContext &nc) {
  FailureOr<Value> base = nc.requiredInput(0), exponent = nc.requiredInput(1);
  if (failed(base) || failed(exponent))
    return failure();
  Value e = *exponent;
  // ONNX allows a different exponent type; the dialect wants one type.
  Type baseType = NodeContext::elementTypeOf(*base);
  if (NodeContext::elementTypeOf(e) != baseType) {
    FailureOr<Value> cast = nc.createValue<CastOp>(
        {e}, {nc.b.getNamedAttr("to", TypeAttr::get(baseType))});
    if (failed(cast))
      return failure();
    e = *cast;
  }
  return nc.setOutput(nc.createValue<PowOp>({*base, e}));
}

static LogicalResult importHardSigmoid(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  return nc.setOutput(nc.createValue<HardSigmoidOp>(
      {*x}, {namedF32(nc.b, "alpha", nc.getFloat("alpha", 0.2f)),
             namedF32(nc.b, "beta", nc.getFloat("beta", 0.5f))}));
}

template <typename OpT> static NodeHandler withAlpha(float dflt) {
  return [dflt](NodeContext &nc) -> LogicalResult {
    FailureOr<Value> x = nc.requiredInput(0);
    if (failed(x))
      return failure();
    return nc.setOutput(nc.createValue<OpT>(
        {*x}, {namedF32(nc.b, "alpha", nc.getFloat("alpha", dflt))}));
  };
}

static LogicalResult importGelu(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  std::string approximate = nc.getString("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return nc.error() << "approximate must be 'none' or 'tanh', got '"
                      << approximate << "'";
  return nc.setOutput(nc.createValue<GeluOp>(
      {*x}, {namedStr(nc.b, "approximate", approximate)}));
}

/// onnxruntime's GELU forms (com.microsoft): BiasGelu (erf) of A + B,
/// FastGelu (tanh approximation) of x (+ bias), Gelu (erf) and QuickGelu
/// x * sigmoid(alpha * x).
static NodeHandler contribGelu(StringRef approximate, bool biasRequired) {
  return [approximate, biasRequired](NodeContext &nc) -> LogicalResult {
    FailureOr<Value> x = nc.requiredInput(0);
    if (failed(x))
      return failure();
    OpSequence s(nc);
    Value input = *x;
    if (biasRequired) {
      FailureOr<Value> bias = nc.requiredInput(1);
      if (failed(bias))
        return failure();
      input = s.make<AddOp>({input, *bias});
    } else if (Value bias = nc.input(1)) {
      input = s.make<AddOp>({input, bias});
    }
    Value y =
        s.make<GeluOp>({input}, {namedStr(nc.b, "approximate", approximate)});
    if (s.failed())
      return failure();
    nc.outputs.assign({y});
    return success();
  };
}

static LogicalResult importQuickGelu(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  OpSequence s(nc);
  Value alpha = nc.constFloat(NodeContext::elementTypeOf(*x),
                              nc.getFloat("alpha", 1.702f));
  Value y =
      s.make<MulOp>({*x, s.make<SigmoidOp>({s.make<MulOp>({*x, alpha})})});
  if (s.failed())
    return failure();
  nc.outputs.assign({y});
  return success();
}

static LogicalResult importPRelu(NodeContext &nc) {
  // PRelu(x, slope) = x < 0 ? slope * x : x
  FailureOr<Value> x = nc.requiredInput(0), slope = nc.requiredInput(1);
  if (failed(x) || failed(slope))
    return failure();
  Value zero = nc.constFloat(NodeContext::elementTypeOf(*x), 0.0);
  FailureOr<Value> negative = nc.createValue<LessOp>({*x, zero});
  FailureOr<Value> scaled = nc.createValue<MulOp>({*x, *slope});
  if (failed(negative) || failed(scaled))
    return failure();
  return nc.setOutput(nc.createValue<WhereOp>({*negative, *scaled, *x}));
}

static LogicalResult importDropout(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  if (nc.opset >= 12 && nc.input(2)) {
    std::optional<SmallVector<int64_t>> training =
        nc.maybeConstantInts(nc.input(2));
    if (!training || llvm::any_of(*training, [](int64_t v) { return v != 0; }))
      return nc.error() << "training_mode must be a constant false: Ingot "
                           "compiles models for inference";
  }
  float ratio = nc.getFloat("ratio", 0.5f);
  FailureOr<Value> y =
      nc.createValue<DropoutOp>({*x}, {namedF32(nc.b, "ratio", ratio)});
  if (failed(y))
    return failure();
  nc.outputs.assign({*y});
  if (nc.hasOutput(1)) {
    // In inference mode every element is kept: the mask is all true.
    auto trueScalar = RankedTensorType::get({}, nc.b.getI1Type());
    Value t = nc.constElements(DenseElementsAttr::get(trueScalar, true));
    FailureOr<Value> shape = nc.createValue<ShapeOp>({*x});
    if (failed(shape))
      return failure();
    FailureOr<Value> mask = nc.createValue<ExpandOp>({t, *shape});
    if (failed(mask))
      return failure();
    nc.outputs.push_back(*mask);
  }
  return success();
}

static LogicalResult importCast(NodeContext &nc, Type to) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  return nc.setOutput(nc.createValue<CastOp>(
      {*x}, {nc.b.getNamedAttr("to", TypeAttr::get(to))}));
}

static LogicalResult importCastOp(NodeContext &nc) {
  int64_t code = nc.getInt("to", 0);
  Type to = convertElementType(nc.ctx(), code);
  if (!to)
    return nc.error() << "cannot cast to " << onnxTypeName(code);
  return importCast(nc, to);
}

static LogicalResult importCastLike(NodeContext &nc) {
  FailureOr<Value> like = nc.requiredInput(1);
  if (failed(like))
    return failure();
  return importCast(nc, NodeContext::elementTypeOf(*like));
}

/// The extreme value of an element type, as a clip bound.
static Value typeLimit(NodeContext &nc, Type element, bool lowest) {
  if (isa<FloatType>(element))
    return nc.constFloat(element,
                         lowest ? -std::numeric_limits<double>::infinity()
                                : std::numeric_limits<double>::infinity());
  unsigned width = element.getIntOrFloatBitWidth();
  APInt v =
      element.isUnsignedInteger()
          ? (lowest ? APInt::getMinValue(width) : APInt::getMaxValue(width))
          : (lowest ? APInt::getSignedMinValue(width)
                    : APInt::getSignedMaxValue(width));
  auto type = RankedTensorType::get({}, element);
  return nc.constElements(DenseElementsAttr::get(type, v));
}

static LogicalResult importClip(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  Type element = NodeContext::elementTypeOf(*x);
  Value lo, hi;
  if (nc.opset < 11) {
    const float inf = std::numeric_limits<float>::infinity();
    lo = nc.constFloat(element, nc.getFloat("min", -inf));
    hi = nc.constFloat(element, nc.getFloat("max", inf));
  } else {
    lo = nc.input(1) ? nc.input(1) : typeLimit(nc, element, true);
    hi = nc.input(2) ? nc.input(2) : typeLimit(nc, element, false);
  }
  return nc.setOutput(nc.createValue<ClipOp>({*x, lo, hi}));
}

static LogicalResult importWhere(NodeContext &nc) {
  FailureOr<Value> c = nc.requiredInput(0), a = nc.requiredInput(1),
                   b = nc.requiredInput(2);
  if (failed(c) || failed(a) || failed(b))
    return failure();
  return nc.setOutput(nc.createValue<WhereOp>({*c, *a, *b}));
}

void importer::addElementwiseHandlers(std::vector<HandlerEntry> &t) {
  t.push_back({"Sqrt", unary<SqrtOp>()});
  t.push_back({"Exp", unary<ExpOp>()});
  t.push_back({"Log", unary<LogOp>()});
  t.push_back({"Erf", unary<ErfOp>()});
  t.push_back({"Tanh", unary<TanhOp>()});
  t.push_back({"Sigmoid", unary<SigmoidOp>()});
  t.push_back({"Reciprocal", unary<ReciprocalOp>()});
  t.push_back({"Floor", unary<FloorOp>()});
  t.push_back({"Ceil", unary<CeilOp>()});
  t.push_back({"Round", unary<RoundOp>()});
  t.push_back({"Sin", unary<SinOp>()});
  t.push_back({"Cos", unary<CosOp>()});
  t.push_back({"Softplus", unary<SoftplusOp>()});
  t.push_back({"HardSwish", unary<HardSwishOp>()});
  t.push_back({"Relu", unary<ReluOp>()});
  t.push_back({"Neg", unary<NegOp>()});
  t.push_back({"Abs", unary<AbsOp>()});
  t.push_back({"Sign", unary<SignOp>()});
  t.push_back({"Not", unary<NotOp>()});
  t.push_back({"IsNaN", unary<IsNaNOp>()});
  t.push_back({"Identity", unary<IdentityOp>()});
  t.push_back({"HardSigmoid", importHardSigmoid});
  t.push_back({"LeakyRelu", withAlpha<LeakyReluOp>(0.01f)});
  t.push_back({"Elu", withAlpha<EluOp>(1.0f)});
  t.push_back({"Gelu", importGelu});
  t.push_back({"com.microsoft.Gelu", contribGelu("none", false)});
  t.push_back({"com.microsoft.BiasGelu", contribGelu("none", true)});
  t.push_back({"com.microsoft.FastGelu", contribGelu("tanh", false)});
  t.push_back({"com.microsoft.QuickGelu", importQuickGelu});
  t.push_back({"PRelu", importPRelu});
  t.push_back({"Dropout", importDropout});
  t.push_back({"Cast", importCastOp});
  t.push_back({"CastLike", importCastLike});
  t.push_back({"Clip", importClip});
  t.push_back({"Where", importWhere});
  t.push_back({"Add", binary<AddOp>()});
  t.push_back({"Sub", binary<SubOp>()});
  t.push_back({"Mul", binary<MulOp>()});
  t.push_back({"Div", binary<DivOp>()});
  t.push_back({"Pow", importPow});
  t.push_back({"Min", binary<MinOp>(/*variadic=*/true)});
  t.push_back({"Max", binary<MaxOp>(/*variadic=*/true)});
  t.push_back({"Sum", binary<AddOp>(/*variadic=*/true)});
  t.push_back({"Mean", importMean});
  t.push_back({"And", binary<AndOp>()});
  t.push_back({"Or", binary<OrOp>()});
  t.push_back({"Xor", binary<XorOp>()});
  t.push_back({"Equal", binary<EqualOp>()});
  t.push_back({"Less", binary<LessOp>()});
  t.push_back({"LessOrEqual", binary<LessOrEqualOp>()});
  t.push_back({"Greater", binary<GreaterOp>()});
  t.push_back({"GreaterOrEqual", binary<GreaterOrEqualOp>()});
}
