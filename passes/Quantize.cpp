//===- Quantize.cpp - Quantized weights and activations -------------------===//
//
// Post-training quantization from a calibration table: quantize/dequantize
// pairs on the activations and weights of convolutions, GEMMs and matmuls,
// the form a QDQ model imports to, so both roads (a model quantized
// elsewhere, or here) continue as one graph.
//
// And what a quantized graph needs before the float passes see it: the
// dequantization of constant (quantized) weights is computed once here, so
// batch-norm folding, layout and precision see float weights as in any FP32
// model, and no kernel recomputes them per run. Dequantization does not fold
// during import on purpose: this pass is where the integer weights are
// visible next to the convolutions and matmuls that use them.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "dialects/ingot/HostTensor.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>

namespace mlir::ingot {
#define GEN_PASS_DEF_INGOTQUANTIZEPASS
#include "passes/Passes.h.inc"
} // namespace mlir::ingot

using namespace mlir;
using namespace mlir::ingot;

static bool isFloatConstant(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getElementType().isF32() && type.hasStaticShape() &&
         matchPattern(v, m_Constant());
}

/// Below this many inputs per output (K), a dense convolution stays in
/// float.
constexpr int64_t kMinIntegerInputsPerOutput = 32;

/// Convolutions the float kernel runs faster than the integer one, on the
/// same sums (measured with 2 threads, docs/BENCHMARKS.md "INT8 on the CPU
/// with VNNI"):
///   - a dense convolution with few inputs per output: over a window (an
///     RGB first layer: 3 channels x 3 x 3 = 27) the integer kernel spends
///     its time unfolding 8-bit values tap by tap (ppocr_v4_det's first
///     layer: 8.9 against 6 ms on an AVX2 machine); pointwise ones with 8
///     to 24 channels ran 2.5-5x slower than float with VNNI (32: 1.2x, 64:
///     0.9x);
///   - every grouped or depthwise convolution: the integer kernel ran them
///     1.6 to 6.5 times slower (depthwise 3x3: 3.7-5.3x; 5x5 and 7x7 within
///     12%, not worth a rule of their own).
/// ingot-quantize does not quantize these, nor rewrite them when a model
/// has.
static bool runsFasterInFloat(int64_t group, RankedTensorType weight) {
  if (group != 1)
    return true;
  if (!weight || !weight.hasStaticShape() || weight.getRank() < 3)
    return false;
  int64_t inputsPerOutput = weight.getNumElements() / weight.getDimSize(0);
  return inputsPerOutput < kMinIntegerInputsPerOutput;
}

/// The weight operand of a quantizable op and the axis of its output
/// channels, or a null value.
static std::pair<Value, int64_t> quantizableWeight(Operation *op) {
  if (auto conv = dyn_cast<ConvOp>(op))
    if (!conv.getChannelsLast() && isFloatConstant(conv.getWeight()) &&
        !runsFasterInFloat(conv.getGroup(),
                           cast<RankedTensorType>(conv.getWeight().getType())))
      return {conv.getWeight(), 0};
  if (auto gemm = dyn_cast<GemmOp>(op))
    if (isFloatConstant(gemm.getB()))
      return {gemm.getB(), gemm.getTransB() ? 0 : 1};
  if (auto mm = dyn_cast<MatMulOp>(op))
    if (isFloatConstant(mm.getRhs()) &&
        cast<RankedTensorType>(mm.getRhs().getType()).getRank() == 2)
      return {mm.getRhs(), 1};
  return {Value(), 0};
}

std::string mlir::ingot::quantizableNodeName(Operation *op) {
  if (op->getNumOperands() == 0 || !quantizableWeight(op).first)
    return "";
  auto input = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
  if (!input || !input.getElementType().isF32())
    return "";
  return onnxNodeName(op->getLoc()).str();
}

/// `quantize_linear` + `dequantize_linear` of `x` to uint8 with the range
/// [lo, hi] widened to include 0 (so that zero, e.g. padding, is exact);
/// `symmetric`: to int8 with zero point 0 and scale max(|lo|, |hi|) / 127
/// (what the GPU's int8 convolutions take: they pad with 0).
static Value fakeQuantizeActivation(OpBuilder &b, Location loc, Value x,
                                    double lo, double hi, bool symmetric) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  float scale = static_cast<float>(symmetric ? std::max(-lo, hi) / 127.0
                                             : (hi - lo) / 255.0);
  if (!(scale > 0) || !std::isfinite(scale))
    scale = 1.0f;
  double zero =
      symmetric ? 0.0
                : std::min(std::max(std::nearbyint(-lo / scale), 0.0), 255.0);
  auto q8 = IntegerType::get(b.getContext(), 8,
                             symmetric ? IntegerType::Signless
                                       : IntegerType::Unsigned);
  auto f32 = RankedTensorType::get({}, b.getF32Type());
  auto q8Scalar = RankedTensorType::get({}, q8);
  Value s = ConstantOp::create(b, loc, f32, DenseElementsAttr::get(f32, scale));
  Value z = ConstantOp::create(
      b, loc, q8Scalar,
      DenseElementsAttr::get(q8Scalar, APInt(8, static_cast<uint64_t>(zero))));
  auto type = cast<RankedTensorType>(x.getType());
  Value q = QuantizeLinearOp::create(b, loc, type.clone(q8), x, s, z);
  return DequantizeLinearOp::create(b, loc, type, q, s, z);
}

/// The weights as int8 (symmetric, per output channel along `axis`: scale =
/// max |w| / 127) behind a `dequantize_linear`.
static FailureOr<Value> quantizeWeight(OpBuilder &b, Location loc, Value w,
                                       int64_t axis) {
  const float levels = 127.0f;
  Attribute attr;
  if (!matchPattern(w, m_Constant(&attr)))
    return failure();
  std::optional<HostTensor> t = HostTensor::fromAttr(attr, int64_t(1) << 26);
  if (!t)
    return failure();
  ArrayRef<int64_t> shape = t->type.getShape();
  int64_t channels = shape[axis], inner = 1;
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  auto channelOf = [&](int64_t i) { return i / inner % channels; };
  std::vector<float> scales(channels, 0.0f);
  for (int64_t i = 0; i < t->size(); ++i)
    scales[channelOf(i)] = std::max(
        scales[channelOf(i)], std::fabs(static_cast<float>(t->floats[i])));
  for (float &s : scales)
    s = s > 0 ? s / levels : 1.0f;
  Type i8 = b.getIntegerType(8);
  HostTensor q = HostTensor::zeros(t->type.clone(i8));
  for (int64_t i = 0; i < t->size(); ++i) {
    float v =
        std::nearbyint(static_cast<float>(t->floats[i]) / scales[channelOf(i)]);
    q.ints[i] = static_cast<int64_t>(std::min(std::max(v, -levels), levels));
  }
  SmallVector<int64_t> paramShape(shape.size(), 1);
  paramShape[axis] = channels;
  auto scaleType = RankedTensorType::get(paramShape, b.getF32Type());
  auto zeroType = RankedTensorType::get(paramShape, i8);
  ElementsAttr qAttr =
      q.size() <= kMaxFoldElements ? q.toAttr() : q.toBlobAttr("int8_weight");
  Value qv = ConstantOp::create(b, loc, qAttr.getType(), qAttr);
  Value s = ConstantOp::create(
      b, loc, scaleType,
      DenseElementsAttr::get(scaleType, ArrayRef<float>(scales)));
  Value z = ConstantOp::create(b, loc, zeroType,
                               DenseElementsAttr::get(zeroType, APInt(8, 0)));
  return Value(DequantizeLinearOp::create(b, loc, w.getType(), qv, s, z));
}

/// Reads NODE MIN MAX lines.
static FailureOr<llvm::StringMap<std::pair<double, double>>>
readCalibrationTable(StringRef path, Location loc) {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!file)
    return emitError(loc) << "cannot read the calibration table '" << path
                          << "': " << file.getError().message();
  llvm::StringMap<std::pair<double, double>> ranges;
  SmallVector<StringRef> lines;
  (*file)->getBuffer().split(lines, '\n');
  for (auto [number, raw] : llvm::enumerate(lines)) {
    StringRef line = raw.split('#').first.trim();
    if (line.empty())
      continue;
    // The numbers are the last two fields: a node name may have spaces.
    auto [rest, maxText] = line.rsplit(' ');
    auto [node, minText] = rest.trim().rsplit(' ');
    node = node.trim();
    double lo, hi;
    if (node.empty() || minText.trim().getAsDouble(lo) ||
        maxText.trim().getAsDouble(hi) || !std::isfinite(lo) ||
        !std::isfinite(hi) || lo > hi)
      return emitError(loc)
             << "calibration table '" << path << "' line " << number + 1
             << ": expected 'NODE MIN MAX' with MIN <= MAX";
    ranges[node] = {lo, hi};
  }
  return ranges;
}

/// The value of a one-element constant, or nullopt.
static std::optional<double> scalarConstant(Value v) {
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  std::optional<HostTensor> t = HostTensor::fromAttr(attr, 1);
  if (!t || t->size() != 1)
    return std::nullopt;
  return t->type.getElementType().isIntOrIndex() ? double(t->ints[0])
                                                 : t->floats[0];
}

/// The dequantized 8-bit activation `x` (a per-tensor scale and zero
/// point): its integers, scale and zero point.
struct QuantizedActivation {
  Value integers;
  double scale = 0, zero = 0;
};
static std::optional<QuantizedActivation> quantizedActivation(Value x) {
  auto dq = x.getDefiningOp<DequantizeLinearOp>();
  if (!dq || !getElementTypeOrSelf(dq.getInput().getType()).isInteger(8))
    return std::nullopt;
  std::optional<double> scale = scalarConstant(dq.getScale()),
                        zero = scalarConstant(dq.getZeroPoint());
  if (!scale || !zero)
    return std::nullopt;
  return QuantizedActivation{dq.getInput(), *scale, *zero};
}

/// Constant int8 weights behind a dequantize_linear of constant scales
/// and zero points: the integers (as a value and as constants), scales and
/// zero points.
struct QuantizedWeight {
  Value integers;
  Attribute values, scales, zeros;
  RankedTensorType type;
};
static std::optional<QuantizedWeight> quantizedWeight(Value w) {
  auto dq = w.getDefiningOp<DequantizeLinearOp>();
  if (!dq)
    return std::nullopt;
  QuantizedWeight q;
  q.integers = dq.getInput();
  q.type = dyn_cast<RankedTensorType>(q.integers.getType());
  if (!q.type || !q.type.getElementType().isSignlessInteger(8) ||
      !q.type.hasStaticShape() ||
      !matchPattern(q.integers, m_Constant(&q.values)) ||
      !matchPattern(dq.getScale(), m_Constant(&q.scales)) ||
      !matchPattern(dq.getZeroPoint(), m_Constant(&q.zeros)))
    return std::nullopt;
  return q;
}

/// `v` reshaped to `type` (a view; a constant folds).
static Value reshapeTo(OpBuilder &b, Location loc, Value v,
                       RankedTensorType type) {
  auto shapeType = RankedTensorType::get({static_cast<int64_t>(type.getRank())},
                                         b.getI64Type());
  Value shape = ConstantOp::create(
      b, loc, shapeType, DenseElementsAttr::get(shapeType, type.getShape()));
  return ReshapeOp::create(b, loc, type, v, shape).getResult();
}

/// The float value of int32 sums `acc`: dequantize_linear by `scales`
/// (shaped `scaleShape` to broadcast over the sums' channels), zero point 0.
static Value dequantizeSums(OpBuilder &b, Location loc, Value acc,
                            RankedTensorType resultType,
                            ArrayRef<int64_t> scaleShape,
                            ArrayRef<float> scales) {
  auto scaleType = RankedTensorType::get(scaleShape, b.getF32Type());
  auto zeroType = RankedTensorType::get({}, b.getI32Type());
  Value scale = ConstantOp::create(b, loc, scaleType,
                                   DenseElementsAttr::get(scaleType, scales));
  Value zero = ConstantOp::create(
      b, loc, zeroType, DenseElementsAttr::get(zeroType, APInt(32, 0)));
  return DequantizeLinearOp::create(b, loc, resultType, acc, scale, zero);
}

/// cuBLASLt's int8 GEMMs (A transposed, B not, int32 sums) need the summed
/// dimension and the output columns in multiples of 4: rows of whole
/// 32-bit words.
constexpr int64_t kGpuInt8Multiple = 4;

/// Marks a quantized `op` that stays in float, with why: `ingotc --stats`
/// lists them (the compile report of layers not run in int8).
static bool keepInFloat(Operation *op, StringRef why) {
  op->setAttr("ingot.float_reason", StringAttr::get(op->getContext(), why));
  return false;
}

/// The activation as signed int8 and its zero point, for the GPU's int8
/// GEMMs, which take signed operands: uint8 q is requantized to q - 128
/// (zero point z - 128), exactly: a quantize_linear of the dequantized
/// value, which fuses into the kernel that quantized it. (The float value
/// (q - z) * s divided by s is within 255 * 2^-22 of the integer q - z.)
static std::pair<Value, int64_t>
signedActivation(OpBuilder &b, Location loc, Value dequantized,
                 const QuantizedActivation &x) {
  auto type = cast<RankedTensorType>(x.integers.getType());
  int64_t zero = static_cast<int64_t>(x.zero);
  if (type.getElementType().isSignlessInteger(8))
    return {x.integers, zero};
  zero -= 128;
  auto i8 = b.getIntegerType(8);
  auto f32 = RankedTensorType::get({}, b.getF32Type());
  auto i8Scalar = RankedTensorType::get({}, i8);
  Value s = ConstantOp::create(
      b, loc, f32, DenseElementsAttr::get(f32, static_cast<float>(x.scale)));
  Value z = ConstantOp::create(
      b, loc, i8Scalar,
      DenseElementsAttr::get(
          i8Scalar, APInt(8, static_cast<uint64_t>(zero), /*isSigned=*/true)));
  Value q = QuantizeLinearOp::create(b, loc, type.clone(i8), dequantized, s, z);
  return {q, zero};
}

/// Sums over int8 activations taken with zero point 0 (what a GEMM
/// computes) minus `zero` * sum(w[m]): the sums of (x - zero) * w. Only for
/// ops without padding, where every output sums all of its row's weights.
/// `rowSums[m]` is sum(w[m]); the constant is shaped `shape` to broadcast
/// over the sums' channels.
static Value subtractZeroPointSums(OpBuilder &b, Location loc, Value acc,
                                   int64_t zero, ArrayRef<int64_t> rowSums,
                                   ArrayRef<int64_t> shape) {
  if (zero == 0)
    return acc;
  auto type = RankedTensorType::get(shape, b.getI32Type());
  SmallVector<APInt> values;
  for (int64_t sum : rowSums)
    values.push_back(APInt(32, static_cast<uint64_t>(zero * sum), true));
  Value offsets =
      ConstantOp::create(b, loc, type, DenseElementsAttr::get(type, values));
  return SubOp::create(b, loc, acc.getType(), acc, offsets);
}

/// sum(w[m]) over each output channel of int8 weights whose leading
/// dimension is `channels` (O I ...).
static SmallVector<int64_t> weightRowSums(const HostTensor &w,
                                          int64_t channels) {
  SmallVector<int64_t> sums(channels, 0);
  int64_t inner = w.size() / channels;
  for (int64_t i = 0; i < w.size(); ++i)
    sums[i / inner] += w.ints[i];
  return sums;
}

/// A 1x1 convolution with unit strides and no padding: a GEMM over pixels.
static bool isPlainPointwise(ConvOp conv, RankedTensorType weight) {
  auto allEqual = [](std::optional<ArrayRef<int64_t>> values, int64_t v) {
    return !values || llvm::all_of(*values, [&](int64_t x) { return x == v; });
  };
  return llvm::all_of(weight.getShape().drop_front(2),
                      [](int64_t k) { return k == 1; }) &&
         allEqual(conv.getStrides(), 1) && allEqual(conv.getPads(), 0);
}

/// Why cuBLASLt cannot run the plain pointwise `conv` as one int8 GEMM, or
/// "".
static std::string gpuGemmGap(RankedTensorType weight) {
  ArrayRef<int64_t> w = weight.getShape();
  if (w[0] % kGpuInt8Multiple || w[1] % kGpuInt8Multiple)
    return "channels not multiples of 4 (cuBLASLt's int8 GEMMs)";
  return "";
}

/// The zero point of the activation as the GPU's signed int8 (uint8 q
/// becomes q - 128).
static int64_t signedZero(const QuantizedActivation &x) {
  bool isSigned =
      getElementTypeOrSelf(x.integers.getType()).isSignlessInteger(8);
  return static_cast<int64_t>(x.zero) - (isSigned ? 0 : 128);
}

/// Why cuDNN's int8 convolution (NHWC, channels in multiples of 4,
/// symmetric zero padding) cannot run `conv` with an activation of signed
/// zero point `zero`, or "".
static std::string gpuConvGap(ConvOp conv, RankedTensorType weight,
                              int64_t zero) {
  ArrayRef<int64_t> w = weight.getShape();
  // cuDNN's legacy int8 convolutions are 2-d (1-d ones run with a unit
  // height); dilated windows are kept off them until a GPU checks them.
  if (w.size() > 4)
    return "a 3-d convolution (cuDNN's int8 convolutions are 2-d)";
  if (std::optional<ArrayRef<int64_t>> d = conv.getDilations();
      d && llvm::any_of(*d, [](int64_t v) { return v != 1; }))
    return "a dilated convolution (not checked on a GPU in int8 yet)";
  if (w[0] % kGpuInt8Multiple || w[1] % kGpuInt8Multiple)
    return "channels not multiples of 4 (cuDNN's int8 convolutions)";
  if (std::optional<ArrayRef<int64_t>> pads = conv.getPads()) {
    size_t half = pads->size() / 2;
    for (size_t i = 0; i < half; ++i)
      if ((*pads)[i] != (*pads)[half + i])
        return "asymmetric padding (cuDNN's int8 convolutions)";
  }
  // cuDNN pads with 0, which is a real 0 only for a zero point of 0.
  if (zero != 0)
    return "activation with zero point " + std::to_string(zero) +
           " as int8 (cuDNN's int8 convolutions pad with 0; symmetric "
           "activations run in int8)";
  return "";
}

/// conv(dequantize(xq: 8-bit, scalar scale, scalar zero),
///      dequantize(wq: int8 constant, per-tensor or per-output-channel
///      scale, zero 0)) + bias
/// -> dequantize(conv_integer(xq, wq), x_scale * w_scale[m]) + bias: the
/// same sums, exact in int32, scaled in the epilogue. Returns whether it
/// rewrote. With `gpu`, CUDA's forms (see the pass description).
static bool convToInteger(ConvOp conv, bool gpu) {
  auto resultType = dyn_cast<RankedTensorType>(conv.getType());
  if (!resultType || !resultType.hasStaticShape() ||
      !resultType.getElementType().isF32() || conv.getChannelsLast() ||
      conv.getAutoPad() != "NOTSET")
    return false;
  std::optional<QuantizedActivation> x = quantizedActivation(conv.getInput());
  std::optional<QuantizedWeight> weight = quantizedWeight(conv.getWeight());
  // The float kernel on the dequantized input computes the same sums.
  if (!x || !weight)
    return false;
  if (runsFasterInFloat(conv.getGroup(), weight->type))
    return keepInFloat(conv, conv.getGroup() != 1
                                 ? "grouped or depthwise convolution"
                                 : "fewer than 32 inputs per output");
  // On the GPU: one int8 GEMM (cuBLASLt), else cuDNN's int8 convolution,
  // which returns FP32 sums (float_sums).
  bool floatSums = false;
  if (gpu) {
    bool gemm = isPlainPointwise(conv, weight->type);
    std::string gap = gemm ? gpuGemmGap(weight->type)
                           : gpuConvGap(conv, weight->type, signedZero(*x));
    if (!gap.empty())
      return keepInFloat(conv, gap);
    floatSums = !gemm;
  }
  int64_t channels = resultType.getDimSize(1);
  std::optional<HostTensor> wScale =
                                HostTensor::fromAttr(weight->scales, channels),
                            wZero =
                                HostTensor::fromAttr(weight->zeros, channels);
  if (!wScale || !wZero ||
      llvm::any_of(wZero->ints, [](int64_t z) { return z != 0; }))
    return false;
  int64_t scales = wScale->size();
  if (scales != 1 &&
      (scales != channels || wScale->type.getRank() != weight->type.getRank() ||
       wScale->type.getDimSize(0) != channels))
    return false;

  // The weights' sums per output channel (the GEMM's zero-point share),
  // read before anything is built.
  std::optional<HostTensor> weightValues;
  if (gpu && !floatSums) {
    weightValues = HostTensor::fromAttr(weight->values, int64_t(1) << 26);
    if (!weightValues)
      return false;
  }

  OpBuilder b(conv);
  Location loc = conv.getLoc();
  auto accType =
      resultType.clone(floatSums ? Type(b.getF32Type()) : b.getI32Type());
  auto [integers, zero] =
      gpu ? signedActivation(b, loc, conv.getInput(), *x)
          : std::pair{x->integers, static_cast<int64_t>(x->zero)};
  Value acc = ConvIntegerOp::create(
      b, loc, accType, integers, weight->integers,
      b.getI64IntegerAttr(gpu ? 0 : zero), conv.getGroupAttr(),
      conv.getAutoPadAttr(), conv.getKernelShapeAttr(), conv.getPadsAttr(),
      conv.getStridesAttr(), conv.getDilationsAttr(), b.getBoolAttr(false),
      floatSums ? b.getBoolAttr(true) : BoolAttr());
  // One scale per output channel, [M, 1, ...] against N M spatial...
  SmallVector<int64_t> perChannel(resultType.getRank() - 1, 1);
  perChannel[0] = channels;
  if (weightValues)
    acc = subtractZeroPointSums(
        b, loc, acc, zero, weightRowSums(*weightValues, channels), perChannel);
  std::vector<float> combined(channels);
  for (int64_t m = 0; m < channels; ++m)
    combined[m] = static_cast<float>(x->scale) *
                  static_cast<float>(wScale->floats[scales == 1 ? 0 : m]);
  Value y;
  if (floatSums) {
    auto scaleType = RankedTensorType::get(perChannel, b.getF32Type());
    Value scale = ConstantOp::create(
        b, loc, scaleType,
        DenseElementsAttr::get(scaleType, ArrayRef<float>(combined)));
    y = MulOp::create(b, loc, resultType, acc, scale);
  } else {
    y = dequantizeSums(b, loc, acc, resultType, perChannel, combined);
  }
  if (Value bias = conv.getBias()) {
    // Still a dequantize of an int32 constant in a QDQ model: the reshape
    // folds once that has (below).
    auto biasType = RankedTensorType::get(perChannel, b.getF32Type());
    y = AddOp::create(b, loc, resultType, y, reshapeTo(b, loc, bias, biasType));
  }
  conv.getResult().replaceAllUsesWith(y);
  conv.erase();
  return true;
}

/// matmul(dequantize(xq), dequantize(wq)) with a constant 2-D int8 weight
/// [K, N] (or gemm's B, [N, K] with trans_b), zero points 0 and one scale
/// or one per column, becomes a channels-last 1-d integer convolution:
/// the rows of x (all batch dims and M) are its pixels, K its input and N
/// its output channels (weights N x 1 x K). The CPU kernel is the same and
/// so is its fused epilogue; reshapes (views) put the rows back.
/// gemm's alpha scales the dequantization, beta * C is added after it.
static bool contractionToInteger(Operation *op, bool gpu) {
  Value lhs, rhs, c;
  bool transB = false;
  double alpha = 1, beta = 1;
  if (auto mm = dyn_cast<MatMulOp>(op)) {
    lhs = mm.getLhs();
    rhs = mm.getRhs();
  } else if (auto gemm = dyn_cast<GemmOp>(op)) {
    if (gemm.getTransA())
      return false;
    lhs = gemm.getA();
    rhs = gemm.getB();
    c = gemm.getC();
    transB = gemm.getTransB();
    alpha = gemm.getAlpha().convertToDouble();
    beta = gemm.getBeta().convertToDouble();
  } else {
    return false;
  }
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  auto lhsType = dyn_cast<RankedTensorType>(lhs.getType());
  if (!resultType || !resultType.hasStaticShape() ||
      !resultType.getElementType().isF32() || !lhsType ||
      !lhsType.hasStaticShape() || lhsType.getRank() < 2)
    return false;
  std::optional<QuantizedActivation> x = quantizedActivation(lhs);
  std::optional<QuantizedWeight> weight = quantizedWeight(rhs);
  if (!x || !weight || weight->type.getRank() != 2)
    return false;
  RankedTensorType wType = weight->type;
  int64_t k = lhsType.getShape().back();
  int64_t n = transB ? wType.getDimSize(0) : wType.getDimSize(1);
  if ((transB ? wType.getDimSize(1) : wType.getDimSize(0)) != k ||
      resultType.getShape().back() != n)
    return false;
  std::optional<HostTensor> w = HostTensor::fromAttr(weight->values, int64_t(1)
                                                                         << 26),
                            wScale = HostTensor::fromAttr(weight->scales, n),
                            wZero = HostTensor::fromAttr(weight->zeros, n);
  if (!w || !wScale || !wZero ||
      llvm::any_of(wZero->ints, [](int64_t z) { return z != 0; }))
    return false;
  // One scale, or one per output column, shaped to broadcast over the
  // weight: [1, N] over [K, N], [N, 1] over gemm's transposed [N, K].
  int64_t scales = wScale->size();
  ArrayRef<int64_t> scaleShape = wScale->type.getShape();
  if (scales != 1 && (scales != n || scaleShape.empty() ||
                      (transB ? scaleShape.front() : scaleShape.back()) != n))
    return false;
  auto cType = c ? dyn_cast<RankedTensorType>(c.getType()) : nullptr;
  if (c && (!cType || !cType.hasStaticShape() || cType.getRank() > 2))
    return false;
  if (gpu && (k % kGpuInt8Multiple || n % kGpuInt8Multiple))
    return keepInFloat(op, "sizes not multiples of 4 (cuBLASLt's int8 GEMMs)");

  OpBuilder b(op);
  Location loc = op->getLoc();
  int64_t rows = lhsType.getNumElements() / k;
  auto i8 = b.getIntegerType(8);
  // Weights as O kW I = N x 1 x K.
  HostTensor packed = HostTensor::zeros(RankedTensorType::get({n, 1, k}, i8));
  for (int64_t j = 0; j < n; ++j)
    for (int64_t kk = 0; kk < k; ++kk)
      packed.ints[j * k + kk] = w->ints[transB ? j * k + kk : kk * n + j];
  ElementsAttr packedAttr = packed.size() <= kMaxFoldElements
                                ? packed.toAttr()
                                : packed.toBlobAttr("int8_weight");
  Value weights = ConstantOp::create(b, loc, packedAttr.getType(), packedAttr);
  auto reshape = [&](Value v, RankedTensorType type) {
    return reshapeTo(b, loc, v, type);
  };
  auto [integers, zero] =
      gpu ? signedActivation(b, loc, lhs, *x)
          : std::pair{x->integers, static_cast<int64_t>(x->zero)};
  auto xType = cast<RankedTensorType>(integers.getType());
  Value rowsView = reshape(
      integers, RankedTensorType::get({1, rows, k}, xType.getElementType()));
  auto accType = RankedTensorType::get({1, rows, n}, b.getI32Type());
  Value acc = ConvIntegerOp::create(
      b, loc, accType, rowsView, weights, b.getI64IntegerAttr(gpu ? 0 : zero),
      b.getI64IntegerAttr(1), b.getStringAttr("NOTSET"),
      b.getDenseI64ArrayAttr({1}), b.getDenseI64ArrayAttr({0, 0}),
      b.getDenseI64ArrayAttr({1}), b.getDenseI64ArrayAttr({1}),
      b.getBoolAttr(true));
  if (gpu)
    acc =
        subtractZeroPointSums(b, loc, acc, zero, weightRowSums(packed, n), {n});
  std::vector<float> combined(n);
  for (int64_t j = 0; j < n; ++j)
    combined[j] = static_cast<float>(
        static_cast<float>(x->scale) *
        static_cast<float>(wScale->floats[scales == 1 ? 0 : j]) *
        static_cast<float>(alpha));
  auto rowsType = RankedTensorType::get({1, rows, n}, b.getF32Type());
  Value y = dequantizeSums(b, loc, acc, rowsType, {n}, combined);
  if (c) {
    // beta * C, broadcast against [M, N] as gemm does, then as [1, M, N].
    if (beta != 1) {
      auto betaType = RankedTensorType::get({}, b.getF32Type());
      Value betaValue = ConstantOp::create(
          b, loc, betaType,
          DenseElementsAttr::get(betaType, static_cast<float>(beta)));
      c = MulOp::create(b, loc, cType, c, betaValue);
    }
    SmallVector<int64_t> cShape(3 - cType.getRank(), 1);
    llvm::append_range(cShape, cType.getShape());
    y = AddOp::create(
        b, loc, rowsType, y,
        reshape(c, RankedTensorType::get(cShape, b.getF32Type())));
  }
  op->getResult(0).replaceAllUsesWith(reshape(y, resultType));
  op->erase();
  return true;
}

namespace {
/// dequantize_linear(constant, constant, constant) -> float constant.
struct FoldConstantDequantize : OpRewritePattern<DequantizeLinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeLinearOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<Attribute> operands;
    for (Value v : op->getOperands()) {
      Attribute attr;
      if (!matchPattern(v, m_Constant(&attr)))
        return rewriter.notifyMatchFailure(op, "operand is not a constant");
      operands.push_back(attr);
    }
    // Weights can be large: up to 64M elements.
    std::optional<HostTensor> value =
        evaluateElementwise(op, operands, int64_t(1) << 26);
    if (!value)
      return rewriter.notifyMatchFailure(op, "cannot evaluate");
    ElementsAttr attr = value->size() <= kMaxFoldElements
                            ? value->toAttr()
                            : value->toBlobAttr("dequantized_weight");
    rewriter.replaceOpWithNewOp<ConstantOp>(op, attr.getType(), attr);
    return success();
  }
};

/// Whether quantizing a dequantized integer of `integer`'s width back with
/// the same scale gives it exactly: through FP32, or FP16 for 8-bit
/// integers ((q - z) * s then divided by s is within a few units in the
/// last place of q - z, far below half a step). BF16, or FP16 with 16-bit
/// integers, can land a step away (bf16: 255 * 1.0078125 rounds to 256).
static bool roundTripsExactly(Type floatType, Type integer) {
  return floatType.isF32() ||
         (floatType.isF16() && integer.getIntOrFloatBitWidth() <= 8);
}

static bool sameConstant(Value a, Value b) {
  if (a == b)
    return true;
  Attribute x, y;
  return matchPattern(a, m_Constant(&x)) && matchPattern(b, m_Constant(&y)) &&
         x == y;
}

/// Whether `q` quantizes `dq`'s values back to its integers exactly: the
/// same integer type, scale and zero point, and an exact round trip.
static bool requantizesToItself(DequantizeLinearOp dq, QuantizeLinearOp q) {
  Type integer = getElementTypeOrSelf(q.getType());
  return getElementTypeOrSelf(dq.getInput().getType()) == integer &&
         integer.getIntOrFloatBitWidth() <= 16 &&
         roundTripsExactly(getElementTypeOrSelf(dq.getType()), integer) &&
         sameConstant(dq.getScale(), q.getScale()) &&
         sameConstant(dq.getZeroPoint(), q.getZeroPoint());
}

/// quantize_linear(dequantize_linear(q, s, z), s, z) -> q, for the same
/// integer type: (q - z) * s / s rounds back to q - z exactly (the FP32
/// error is far below half a step for 16-bit and narrower values).
/// onnxruntime's QDQ models have such pairs wherever an op's output
/// quantization equals its input's, e.g. around concatenations.
struct RemoveRequantize : OpRewritePattern<QuantizeLinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeLinearOp op,
                                PatternRewriter &rewriter) const override {
    auto dq = op.getInput().getDefiningOp<DequantizeLinearOp>();
    if (!dq || dq.getInput().getType() != op.getType() ||
        !requantizesToItself(dq, op))
      return rewriter.notifyMatchFailure(op, "not a requantization to itself");
    rewriter.replaceOp(op, dq.getInput());
    return success();
  }
};

/// quantize_linear(move(dequantize_linear(q, s, z)), s, z) -> move(q) for
/// an op that only moves values (nearest resize, transpose, reshape), with
/// one scale and zero point: every output is some input's (q - z) * s,
/// which quantizes back to that q exactly (see RemoveRequantize).
/// onnxruntime's QDQ models wrap such ops so (an FPN's upsampling); the
/// integers then move instead, without a division per element.
struct MoveIntegers : OpRewritePattern<QuantizeLinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeLinearOp op,
                                PatternRewriter &rewriter) const override {
    Operation *move = op.getInput().getDefiningOp();
    auto resize = dyn_cast_or_null<ResizeOp>(move);
    if (!move || !(isa<TransposeOp, ReshapeOp>(move) ||
                   (resize && resize.getMode() == "nearest")))
      return rewriter.notifyMatchFailure(op, "not a move of values");
    auto dq = move->getOperand(0).getDefiningOp<DequantizeLinearOp>();
    auto scale = dyn_cast<ShapedType>(op.getScale().getType());
    if (!dq || !scale || !scale.hasStaticShape() ||
        scale.getNumElements() != 1 || !requantizesToItself(dq, op))
      return rewriter.notifyMatchFailure(op, "not the same quantization");
    Type integer = getElementTypeOrSelf(op.getType());
    Operation *moved = rewriter.clone(*move);
    moved->setOperand(0, dq.getInput());
    moved->getResult(0).setType(
        cast<ShapedType>(move->getResult(0).getType()).clone(integer));
    rewriter.replaceOp(op, moved->getResult(0));
    return success();
  }
};

struct IngotQuantizePass
    : ingot::impl::IngotQuantizePassBase<IngotQuantizePass> {
  using IngotQuantizePassBase::IngotQuantizePassBase;

  void runOnOperation() override {
    if (!calibrationTable.empty() && failed(insertQuantization()))
      return signalPassFailure();
    // Before the constant weights fold to float: the rewrite reads them as
    // integers.
    if (integerKernels || gpuIntegerGemms) {
      SmallVector<Operation *> ops;
      getOperation().walk([&](Operation *op) {
        if (isa<ConvOp, MatMulOp, GemmOp>(op))
          ops.push_back(op);
      });
      for (Operation *op : ops) {
        if (auto conv = dyn_cast<ConvOp>(op))
          convToInteger(conv, gpuIntegerGemms);
        else
          contractionToInteger(op, gpuIntegerGemms);
      }
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldConstantDequantize, RemoveRequantize, MoveIntegers>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }

  /// Whether `op`'s activation is quantized symmetrically (int8, zero
  /// point 0): all, or "windows": convolutions that are not one GEMM (a
  /// window or padding) and that cuDNN can run in int8, padding with 0
  /// (those it cannot stay in float: no need to give up levels). The others
  /// keep uint8's full range for one-sided data (what ReLU and hard-swish
  /// write): ppocr_v4_det's IoU measured 0.91 with every activation
  /// symmetric, against 0.96 asymmetric.
  bool symmetricInput(Operation *op) {
    if (symmetricActivations == "all")
      return true;
    auto conv = dyn_cast<ConvOp>(op);
    if (symmetricActivations != "windows" || !conv)
      return false;
    auto weight = cast<RankedTensorType>(conv.getWeight().getType());
    return !isPlainPointwise(conv, weight) &&
           gpuConvGap(conv, weight, /*zero=*/0).empty();
  }

  LogicalResult insertQuantization() {
    if (!llvm::is_contained({"none", "windows", "all"},
                            symmetricActivations.getValue()))
      return getOperation().emitError()
             << "unknown symmetric-activations '" << symmetricActivations
             << "' (expected none, windows or all)";
    func::FuncOp func = getOperation();
    auto ranges = readCalibrationTable(calibrationTable, func.getLoc());
    if (failed(ranges))
      return failure();
    llvm::StringSet<> skipped;
    for (const std::string &name : skip)
      skipped.insert(name);
    SmallVector<Operation *> ops;
    func.walk([&](Operation *op) {
      std::string name = quantizableNodeName(op);
      if (!name.empty() && ranges->count(name) && !skipped.count(name))
        ops.push_back(op);
    });
    OpBuilder b(func.getContext());
    for (Operation *op : ops) {
      auto [lo, hi] = ranges->lookup(quantizableNodeName(op));
      auto [weight, axis] = quantizableWeight(op);
      b.setInsertionPoint(op);
      FailureOr<Value> w = quantizeWeight(b, op->getLoc(), weight, axis);
      if (failed(w))
        continue;
      // Every quantizable op has its weights as operand 1.
      op->setOperand(1, *w);
      op->setOperand(0,
                     fakeQuantizeActivation(b, op->getLoc(), op->getOperand(0),
                                            lo, hi, symmetricInput(op)));
    }
    return success();
  }
};
} // namespace
