//===- ImportQuantization.cpp - QDQ and QOperator ONNX ops ----------------===//
//
// QuantizeLinear and DequantizeLinear map to the ingot ops of the same name
// (blocked parameters, opset 21, expanded to the input's size by a gather).
// The operator forms (QLinearConv, QLinearMatMul, ConvInteger,
// MatMulInteger) and DynamicQuantizeLinear are written with them: the
// integer accumulation is a convolution or matmul of zero-point-shifted
// integers (DequantizeLinear with scale 1, exact), followed by the
// requantization a QLinear op specifies. This is the same graph
// ingot-quantize builds from a QDQ model, so both model formats meet in one
// form.
//
//===----------------------------------------------------------------------===//
#include "compiler/importer/ImportContext.h"

#include "dialects/ingot/InferenceUtils.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::importer;

/// A scale or zero point against a tensor of `rank` dims: a single value as
/// a rank-0 tensor, a 1-D per-axis parameter reshaped to size 1 on every dim
/// but `axis`, so that the ops broadcast it.
static FailureOr<Value> alongAxis(NodeContext &nc, Value param, int64_t rank,
                                  int64_t axis, StringRef what) {
  auto type = dyn_cast<RankedTensorType>(param.getType());
  if (!type || !type.hasStaticShape())
    return nc.error() << what << " must have a static shape";
  if (type.getNumElements() == 1)
    return type.getRank() == 0
               ? param
               : nc.createValue<ReshapeOp>({param, nc.constI64({})});
  if (type.getRank() != 1)
    return nc.error() << what << " must be a scalar or 1-D (per axis), got "
                      << type;
  FailureOr<int64_t> a =
      util::normalizeAxis(nc.loc, axis, rank, nc.opType().str() + " axis");
  if (failed(a))
    return failure();
  SmallVector<int64_t> shape(rank, 1);
  shape[*a] = type.getNumElements();
  return nc.createValue<ReshapeOp>({param, nc.constI64(shape)});
}

static Value zeroOf(NodeContext &nc, Type elementType) {
  return nc.constFloat(elementType, 0.0);
}

/// The integer type a QuantizeLinear without zero point produces: uint8, or
/// `output_dtype` (opset 21).
static FailureOr<Type> quantizedType(NodeContext &nc) {
  int64_t code = nc.getInt("output_dtype", 0);
  if (code == 0)
    return Type(IntegerType::get(nc.ctx(), 8, IntegerType::Unsigned));
  Type t = convertElementType(nc.ctx(), static_cast<int32_t>(code));
  if (!t || !isa<IntegerType>(t) || t.isInteger(1))
    return nc.error() << "output_dtype " << onnxTypeName(code)
                      << " is not supported (int8, uint8, int16, uint16)";
  return t;
}

/// A blocked scale or zero point (opset 21: one value per `block` elements
/// along `axis`; shaped like `x` but ceil(D / block) on the axis) expanded
/// to x's size there by gathering element i / block: the ops then see an
/// elementwise parameter. Constant parameters (weights) fold.
static FailureOr<Value> expandBlocks(NodeContext &nc, Value param, Value x,
                                     int64_t axis, int64_t block,
                                     StringRef what) {
  auto xType = dyn_cast<RankedTensorType>(x.getType());
  auto type = dyn_cast<RankedTensorType>(param.getType());
  if (!xType || !type || !type.hasStaticShape())
    return nc.error() << what << " must have a static shape";
  if (block < 0)
    return nc.error() << "block_size must be positive, got " << block;
  FailureOr<int64_t> a = util::normalizeAxis(nc.loc, axis, xType.getRank(),
                                             nc.opType().str() + " axis");
  if (failed(a))
    return failure();
  if (type.getRank() != xType.getRank())
    return nc.error() << "blocked quantization: " << what
                      << " must have the input's rank " << xType.getRank()
                      << ", got " << type;
  for (int64_t d = 0; d < xType.getRank(); ++d) {
    int64_t size = xType.getDimSize(d);
    if (ShapedType::isDynamic(size))
      return nc.error() << "blocked quantization needs the input's size on "
                           "dim "
                        << d << " bound";
    int64_t want = d == *a ? size / block + (size % block != 0) : size;
    if (type.getDimSize(d) != want)
      return nc.error() << "blocked quantization (block_size " << block
                        << ", axis " << *a << "): " << what << " has size "
                        << type.getDimSize(d) << " on dim " << d
                        << ", expected " << want;
  }
  SmallVector<int64_t> index(xType.getDimSize(*a));
  for (int64_t i = 0; i < static_cast<int64_t>(index.size()); ++i)
    index[i] = i / block;
  return nc.createValue<GatherOp>({param, nc.constI64(index)},
                                  {namedI64(nc.b, "axis", *a)});
}

/// Quantize (`quantize`) or dequantize `x` with `scale` and `zeroPoint`
/// (either may be per axis; a null zero point is 0 of `zeroType`).
static FailureOr<Value> linear(NodeContext &nc, bool quantize, Value x,
                               Value scale, Value zeroPoint, Type zeroType,
                               int64_t axis, int64_t block = 0) {
  std::optional<int64_t> rank = NodeContext::rankOf(x);
  if (!rank)
    return nc.error() << "the input must be ranked";
  bool zeroGiven = static_cast<bool>(zeroPoint);
  if (!zeroPoint)
    zeroPoint = zeroOf(nc, zeroType);
  auto parameter = [&](Value p, bool blocked,
                       StringRef what) -> FailureOr<Value> {
    if (block != 0 && blocked)
      return expandBlocks(nc, p, x, axis, block, what);
    return alongAxis(nc, p, *rank, axis, what);
  };
  FailureOr<Value> s = parameter(scale, true, "the scale");
  FailureOr<Value> z = parameter(zeroPoint, zeroGiven, "the zero point");
  if (failed(s) || failed(z))
    return failure();
  if (quantize)
    return nc.createValue<QuantizeLinearOp>({x, *s, *z});
  return nc.createValue<DequantizeLinearOp>({x, *s, *z});
}

static LogicalResult importQuantizeLinear(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0), scale = nc.requiredInput(1);
  if (failed(x) || failed(scale))
    return failure();
  FailureOr<Type> type = quantizedType(nc);
  if (failed(type))
    return failure();
  return nc.setOutput(linear(nc, true, *x, *scale, nc.input(2), *type,
                             nc.getInt("axis", 1), nc.getInt("block_size", 0)));
}

static LogicalResult importDequantizeLinear(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0), scale = nc.requiredInput(1);
  if (failed(x) || failed(scale))
    return failure();
  return nc.setOutput(linear(nc, false, *x, *scale, nc.input(2),
                             NodeContext::elementTypeOf(*x),
                             nc.getInt("axis", 1), nc.getInt("block_size", 0)));
}

/// x - zero_point as exact integers in FP32: DequantizeLinear with scale 1.
static FailureOr<Value> shifted(NodeContext &nc, Value x, Value zeroPoint,
                                int64_t axis) {
  Value one = nc.constFloat(Float32Type::get(nc.ctx()), 1.0);
  return linear(nc, false, x, one, zeroPoint, NodeContext::elementTypeOf(x),
                axis);
}

/// Requantization of an FP32 accumulator `acc` (rank `rank`): multiplied by
/// input scale x weight scale (per output channel at `channelAxis`), then
/// quantized with the output's scale and zero point.
static FailureOr<Value> requantize(NodeContext &nc, Value acc, Value inScale,
                                   Value weightScale, int64_t channelAxis,
                                   Value outScale, Value outZero) {
  std::optional<int64_t> rank = NodeContext::rankOf(acc);
  if (!rank)
    return nc.error() << "the result must be ranked";
  FailureOr<Value> ws =
      alongAxis(nc, weightScale, *rank, channelAxis, "the weight scale");
  FailureOr<Value> xs =
      alongAxis(nc, inScale, *rank, *rank - 2, "the input scale");
  if (failed(ws) || failed(xs))
    return failure();
  // Scales may be f16 (opset 19+); the accumulator is FP32.
  Type accType = NodeContext::elementTypeOf(acc);
  for (FailureOr<Value> *s : {&xs, &ws})
    if (NodeContext::elementTypeOf(**s) != accType)
      *s = nc.createValue<CastOp>(
          {**s},
          {NamedAttribute(nc.b.getStringAttr("to"), TypeAttr::get(accType))});
  if (failed(xs) || failed(ws))
    return failure();
  FailureOr<Value> scale = nc.createValue<MulOp>({*xs, *ws});
  if (failed(scale))
    return failure();
  FailureOr<Value> real = nc.createValue<MulOp>({acc, *scale});
  if (failed(real))
    return failure();
  return linear(nc, true, *real, outScale, outZero, Type(), *rank - 1);
}

/// The first `n` inputs, all required (the QLinear ops' eight: input,
/// its scale and zero point, weight, its scale and zero point, then the
/// output's).
static LogicalResult requiredInputs(NodeContext &nc, int n,
                                    SmallVectorImpl<Value> &in) {
  for (int i = 0; i < n; ++i) {
    FailureOr<Value> v = nc.requiredInput(i);
    if (failed(v))
      return failure();
    in.push_back(*v);
  }
  return success();
}

static LogicalResult importQLinearConv(NodeContext &nc) {
  SmallVector<Value> in;
  if (failed(requiredInputs(nc, 8, in)))
    return failure();
  FailureOr<Value> x = shifted(nc, in[0], in[2], 1);
  FailureOr<Value> w = shifted(nc, in[3], in[5], 0);
  if (failed(x) || failed(w))
    return failure();
  SmallVector<Value> operands = {*x, *w};
  // The int32 bias is in accumulator units (scale x_scale * w_scale).
  if (Value bias = nc.input(8)) {
    FailureOr<Value> b = shifted(nc, bias, Value(), 0);
    if (failed(b))
      return failure();
    operands.push_back(*b);
  }
  SmallVector<NamedAttribute> attrs = windowAttrs(nc);
  attrs.push_back(namedI64(nc.b, "group", nc.getInt("group", 1)));
  FailureOr<Value> acc = nc.createValue<ConvOp>(operands, attrs);
  if (failed(acc))
    return failure();
  return nc.setOutput(requantize(nc, *acc, in[1], in[4], 1, in[6], in[7]));
}

static LogicalResult importQLinearMatMul(NodeContext &nc) {
  SmallVector<Value> in;
  if (failed(requiredInputs(nc, 8, in)))
    return failure();
  std::optional<int64_t> ra = NodeContext::rankOf(in[0]),
                         rb = NodeContext::rankOf(in[3]);
  if (!ra || !rb || *ra < 2 || *rb < 2)
    return nc.error() << "operands of rank 2 or more are supported";
  // Per-row parameters of A (axis rank-2), per-column of B (axis rank-1).
  FailureOr<Value> a = shifted(nc, in[0], in[2], *ra - 2);
  FailureOr<Value> b = shifted(nc, in[3], in[5], *rb - 1);
  if (failed(a) || failed(b))
    return failure();
  FailureOr<Value> acc = nc.createValue<MatMulOp>({*a, *b});
  if (failed(acc))
    return failure();
  std::optional<int64_t> r = NodeContext::rankOf(*acc);
  return nc.setOutput(requantize(nc, *acc, in[1], in[4], *r - 1, in[6], in[7]));
}

/// ConvInteger and MatMulInteger: the shifted integers' product as int32.
static LogicalResult integerResult(NodeContext &nc, FailureOr<Value> acc) {
  if (failed(acc))
    return failure();
  return nc.setOutput(nc.createValue<CastOp>(
      {*acc}, {NamedAttribute(nc.b.getStringAttr("to"),
                              TypeAttr::get(nc.b.getI32Type()))}));
}

static LogicalResult importMatMulInteger(NodeContext &nc) {
  FailureOr<Value> a = nc.requiredInput(0), b = nc.requiredInput(1);
  if (failed(a) || failed(b))
    return failure();
  std::optional<int64_t> ra = NodeContext::rankOf(*a),
                         rb = NodeContext::rankOf(*b);
  if (!ra || !rb || *ra < 2 || *rb < 2)
    return nc.error() << "operands of rank 2 or more are supported";
  FailureOr<Value> sa = shifted(nc, *a, nc.input(2), *ra - 2);
  FailureOr<Value> sb = shifted(nc, *b, nc.input(3), *rb - 1);
  if (failed(sa) || failed(sb))
    return failure();
  return integerResult(nc, nc.createValue<MatMulOp>({*sa, *sb}));
}

static LogicalResult importConvInteger(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0), w = nc.requiredInput(1);
  if (failed(x) || failed(w))
    return failure();
  FailureOr<Value> sx = shifted(nc, *x, nc.input(2), 1);
  FailureOr<Value> sw = shifted(nc, *w, nc.input(3), 0);
  if (failed(sx) || failed(sw))
    return failure();
  SmallVector<NamedAttribute> attrs = windowAttrs(nc);
  attrs.push_back(namedI64(nc.b, "group", nc.getInt("group", 1)));
  return integerResult(nc, nc.createValue<ConvOp>({*sx, *sw}, attrs));
}

/// uint8 quantization with a range that covers the data and 0:
/// scale = (max(x, 0) - min(x, 0)) / 255, zero point = round(-min / scale).
static LogicalResult importDynamicQuantizeLinear(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  Type f = NodeContext::elementTypeOf(*x);
  Type u8 = IntegerType::get(nc.ctx(), 8, IntegerType::Unsigned);
  NamedAttribute noKeep = namedBool(nc.b, "keepdims", false);
  FailureOr<Value> lo = nc.createValue<ReduceMinOp>({*x}, {noKeep});
  FailureOr<Value> hi = nc.createValue<ReduceMaxOp>({*x}, {noKeep});
  if (failed(lo) || failed(hi))
    return failure();
  Value zero = nc.constFloat(f, 0.0);
  lo = nc.createValue<MinOp>({*lo, zero});
  hi = nc.createValue<MaxOp>({*hi, zero});
  if (failed(lo) || failed(hi))
    return failure();
  FailureOr<Value> range = nc.createValue<SubOp>({*hi, *lo});
  if (failed(range))
    return failure();
  FailureOr<Value> scale =
      nc.createValue<DivOp>({*range, nc.constFloat(f, 255.0)});
  FailureOr<Value> negLo = nc.createValue<NegOp>({*lo});
  if (failed(scale) || failed(negLo))
    return failure();
  FailureOr<Value> zp =
      nc.createValue<QuantizeLinearOp>({*negLo, *scale, zeroOf(nc, u8)});
  if (failed(zp))
    return failure();
  FailureOr<Value> y = nc.createValue<QuantizeLinearOp>({*x, *scale, *zp});
  if (failed(y))
    return failure();
  nc.outputs.assign({*y, *scale, *zp});
  return success();
}

//===----------------------------------------------------------------------===//
// onnxruntime's QOperator contrib ops (com.microsoft), which its quantizer
// writes for everything but convolutions and matmuls: each is its float op
// between dequantized inputs and a quantized output. Zero points may be
// left out (0 of the input's type).
//===----------------------------------------------------------------------===//

/// Dequantizes input `x` with the (scale, zero point) inputs that follow it.
static FailureOr<Value> dequantizedInput(NodeContext &nc, int x) {
  FailureOr<Value> v = nc.requiredInput(x), scale = nc.requiredInput(x + 1);
  if (failed(v) || failed(scale))
    return failure();
  return linear(nc, false, *v, *scale, nc.input(x + 2),
                NodeContext::elementTypeOf(*v), 1);
}

/// Quantizes `y` with the (scale, zero point) inputs at `s`, to the type of
/// the zero point, else of `like` (the quantized input).
static LogicalResult quantizedOutput(NodeContext &nc, FailureOr<Value> y, int s,
                                     Value like) {
  FailureOr<Value> scale = nc.requiredInput(s);
  if (failed(y) || failed(scale))
    return failure();
  return nc.setOutput(linear(nc, true, *y, *scale, nc.input(s + 1),
                             NodeContext::elementTypeOf(like), 1));
}

/// QLinearAdd, QLinearMul: A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp.
template <typename OpT>
static LogicalResult importQLinearBinary(NodeContext &nc) {
  FailureOr<Value> a = dequantizedInput(nc, 0), b = dequantizedInput(nc, 3);
  if (failed(a) || failed(b))
    return failure();
  return quantizedOutput(nc, nc.createValue<OpT>({*a, *b}), 6, nc.input(0));
}

/// QLinearSigmoid, QLinearLeakyRelu: X, X_scale, X_zp, Y_scale, Y_zp.
static LogicalResult importQLinearUnary(NodeContext &nc) {
  FailureOr<Value> x = dequantizedInput(nc, 0);
  if (failed(x))
    return failure();
  FailureOr<Value> y =
      nc.opType() == "QLinearSigmoid"
          ? nc.createValue<SigmoidOp>({*x})
          : nc.createValue<LeakyReluOp>(
                {*x}, {namedF32(nc.b, "alpha", nc.getFloat("alpha", 0.01f))});
  return quantizedOutput(nc, y, 3, nc.input(0));
}

static LogicalResult refuseChannelsLast(NodeContext &nc) {
  if (nc.getInt("channels_last", 0) != 0)
    return nc.error() << "channels_last = 1 (NHWC input) is not supported";
  return success();
}

static LogicalResult importQLinearGlobalAveragePool(NodeContext &nc) {
  if (failed(refuseChannelsLast(nc)))
    return failure();
  FailureOr<Value> x = dequantizedInput(nc, 0);
  if (failed(x))
    return failure();
  return quantizedOutput(nc, nc.createValue<GlobalAveragePoolOp>({*x}), 3,
                         nc.input(0));
}

static LogicalResult importQLinearAveragePool(NodeContext &nc) {
  if (failed(refuseChannelsLast(nc)))
    return failure();
  FailureOr<Value> x = dequantizedInput(nc, 0);
  if (failed(x))
    return failure();
  SmallVector<NamedAttribute> attrs = windowAttrs(nc, /*withDilations=*/false);
  attrs.push_back(namedBool(nc.b, "ceil_mode", nc.getInt("ceil_mode", 0)));
  attrs.push_back(
      namedBool(nc.b, "count_include_pad", nc.getInt("count_include_pad", 0)));
  return quantizedOutput(nc, nc.createValue<AveragePoolOp>({*x}, attrs), 3,
                         nc.input(0));
}

/// QLinearConcat: Y_scale, Y_zp, then (X, X_scale, X_zp) per input.
static LogicalResult importQLinearConcat(NodeContext &nc) {
  if (nc.numInputs() < 5 || (nc.numInputs() - 2) % 3 != 0)
    return nc.error() << "expected Y_scale, Y_zero_point and (X, X_scale, "
                         "X_zero_point) per input, got "
                      << nc.numInputs() << " inputs";
  SmallVector<Value> parts;
  for (int i = 2; i < nc.numInputs(); i += 3) {
    FailureOr<Value> x = dequantizedInput(nc, i);
    if (failed(x))
      return failure();
    parts.push_back(*x);
  }
  FailureOr<Value> y = nc.createValue<ConcatOp>(
      parts, {namedI64(nc.b, "axis", nc.getInt("axis", 0))});
  return quantizedOutput(nc, y, 0, nc.input(2));
}

/// QGemm: A, a_scale, a_zp, B, b_scale, b_zp, C (int32 in units of
/// alpha * a_scale * b_scale), y_scale, y_zp; a float result without
/// y_scale.
static LogicalResult importQGemm(NodeContext &nc) {
  bool transB = nc.getInt("transB", 0) != 0;
  FailureOr<Value> a = dequantizedInput(nc, 0);
  FailureOr<Value> b = nc.requiredInput(3), bScale = nc.requiredInput(4);
  if (failed(a) || failed(b) || failed(bScale))
    return failure();
  // Per-column weight parameters lie along B's N axis.
  FailureOr<Value> bf = linear(nc, false, *b, *bScale, nc.input(5),
                               NodeContext::elementTypeOf(*b), transB ? 0 : 1);
  if (failed(bf))
    return failure();
  float alpha = nc.getFloat("alpha", 1.0f);
  SmallVector<Value> operands = {*a, *bf};
  if (Value c = nc.input(6)) {
    FailureOr<Value> aScale = nc.requiredInput(1);
    if (failed(aScale))
      return failure();
    FailureOr<Value> unit = nc.createValue<MulOp>({*aScale, *bScale});
    if (failed(unit))
      return failure();
    unit = nc.createValue<MulOp>(
        {*unit, nc.constFloat(NodeContext::elementTypeOf(*unit), alpha)});
    if (failed(unit))
      return failure();
    // The bias is per column when it has more than one element.
    FailureOr<Value> cf =
        linear(nc, false, c, *unit, Value(), NodeContext::elementTypeOf(c),
               std::max<int64_t>(0, NodeContext::rankOf(c).value_or(1) - 1));
    if (failed(cf))
      return failure();
    operands.push_back(*cf);
  }
  FailureOr<Value> y = nc.createValue<GemmOp>(
      operands, {namedF32(nc.b, "alpha", alpha),
                 namedBool(nc.b, "trans_a", nc.getInt("transA", 0)),
                 namedBool(nc.b, "trans_b", transB)});
  if (!nc.input(7))
    return nc.setOutput(y);
  return quantizedOutput(nc, y, 7, nc.input(0));
}

void importer::addQuantizationHandlers(std::vector<HandlerEntry> &t) {
  t.push_back({"com.microsoft.QLinearAdd", importQLinearBinary<AddOp>});
  t.push_back({"com.microsoft.QLinearMul", importQLinearBinary<MulOp>});
  t.push_back({"com.microsoft.QLinearSigmoid", importQLinearUnary});
  t.push_back({"com.microsoft.QLinearLeakyRelu", importQLinearUnary});
  t.push_back({"com.microsoft.QLinearGlobalAveragePool",
               importQLinearGlobalAveragePool});
  t.push_back({"com.microsoft.QLinearAveragePool", importQLinearAveragePool});
  t.push_back({"com.microsoft.QLinearConcat", importQLinearConcat});
  t.push_back({"com.microsoft.QGemm", importQGemm});
  t.push_back({"QuantizeLinear", importQuantizeLinear});
  t.push_back({"DequantizeLinear", importDequantizeLinear});
  t.push_back({"DynamicQuantizeLinear", importDynamicQuantizeLinear});
  t.push_back({"QLinearConv", importQLinearConv});
  t.push_back({"QLinearMatMul", importQLinearMatMul});
  t.push_back({"ConvInteger", importConvInteger});
  t.push_back({"MatMulInteger", importMatMulInteger});
}
