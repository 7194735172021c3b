//===- ConstantFolding.cpp - Host evaluation of elementwise ops -----------===//
#include "dialects/ingot/HostTensor.h"
#include "dialects/ingot/InferenceUtils.h"
#include "dialects/ingot/IngotOps.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::ingot;

SmallVector<int64_t> mlir::ingot::rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

HostTensor mlir::ingot::transposeHostTensor(const HostTensor &in,
                                            ArrayRef<int64_t> perm,
                                            RankedTensorType resultType) {
  HostTensor out = HostTensor::zeros(resultType);
  SmallVector<int64_t> inStrides = rowMajorStrides(in.type.getShape());
  ArrayRef<int64_t> outShape = resultType.getShape();
  for (int64_t flat = 0, n = resultType.getNumElements(); flat < n; ++flat) {
    int64_t rest = flat, src = 0;
    for (int64_t d = outShape.size() - 1; d >= 0; --d) {
      src += (rest % outShape[d]) * inStrides[perm[d]];
      rest /= outShape[d];
    }
    if (out.isFloat())
      out.floats[flat] = in.floats[src];
    else
      out.ints[flat] = in.ints[src];
  }
  return out;
}

HostTensor HostTensor::zeros(RankedTensorType type) {
  HostTensor t;
  t.type = type;
  if (t.isFloat())
    t.floats.assign(type.getNumElements(), 0.0);
  else
    t.ints.assign(type.getNumElements(), 0);
  return t;
}

static double apfloatToDouble(APFloat value) {
  bool losesInfo = false;
  value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                &losesInfo);
  return value.convertToDouble();
}

static int64_t apintToInt(const APInt &value, Type elementType) {
  if (elementType.isUnsignedInteger() || elementType.isInteger(1))
    return static_cast<int64_t>(value.getZExtValue());
  return value.getSExtValue();
}

/// Decodes one element of raw little-endian blob data.
static void decodeRaw(const char *data, Type elementType, HostTensor &out) {
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    unsigned width = floatType.getWidth();
    if (width == 32) {
      float v;
      std::memcpy(&v, data, 4);
      out.floats.push_back(v);
    } else if (width == 64) {
      double v;
      std::memcpy(&v, data, 8);
      out.floats.push_back(v);
    } else {
      uint64_t bits = 0;
      std::memcpy(&bits, data, width / 8);
      out.floats.push_back(apfloatToDouble(
          APFloat(floatType.getFloatSemantics(), APInt(width, bits))));
    }
    return;
  }
  unsigned width = elementType.getIntOrFloatBitWidth();
  if (width == 1) {
    out.ints.push_back(data[0] != 0);
    return;
  }
  uint64_t bits = 0;
  std::memcpy(&bits, data, width / 8);
  out.ints.push_back(
      apintToInt(APInt(width, bits, /*isSigned=*/false, /*implicitTrunc=*/true),
                 elementType));
}

std::optional<HostTensor> HostTensor::fromConstant(Value v,
                                                   int64_t maxElements) {
  Attribute attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  return fromAttr(attr, maxElements);
}

std::optional<HostTensor> HostTensor::fromAttr(Attribute attr,
                                               int64_t maxElements) {
  auto elements = dyn_cast_or_null<ElementsAttr>(attr);
  if (!elements)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(elements.getShapedType());
  if (!type || !type.hasStaticShape() || type.getNumElements() > maxElements)
    return std::nullopt;
  Type elementType = type.getElementType();
  if (!elementType.isIntOrFloat())
    return std::nullopt;
  HostTensor out;
  out.type = type;
  int64_t n = type.getNumElements();

  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (isa<FloatType>(elementType)) {
      out.floats.reserve(n);
      for (APFloat v : dense.getValues<APFloat>())
        out.floats.push_back(apfloatToDouble(v));
    } else {
      out.ints.reserve(n);
      for (APInt v : dense.getValues<APInt>())
        out.ints.push_back(apintToInt(v, elementType));
    }
    return out;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    int64_t elementBytes =
        std::max<int64_t>(1, elementType.getIntOrFloatBitWidth() / 8);
    if (static_cast<int64_t>(data.size()) < n * elementBytes)
      return std::nullopt;
    for (int64_t i = 0; i < n; ++i)
      decodeRaw(data.data() + i * elementBytes, elementType, out);
    return out;
  }
  return std::nullopt;
}

ElementsAttr HostTensor::toAttr() const {
  Type elementType = type.getElementType();
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    SmallVector<APFloat> values;
    values.reserve(floats.size());
    for (double v : floats) {
      APFloat f(v);
      bool losesInfo = false;
      f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &losesInfo);
      values.push_back(f);
    }
    return DenseElementsAttr::get(type, values);
  }
  if (elementType.isInteger(1)) {
    SmallVector<bool> values;
    for (int64_t v : ints)
      values.push_back(v != 0);
    return DenseElementsAttr::get(type, values);
  }
  unsigned width = elementType.getIntOrFloatBitWidth();
  SmallVector<APInt> values;
  values.reserve(ints.size());
  for (int64_t v : ints)
    values.emplace_back(width, static_cast<uint64_t>(v), /*isSigned=*/true,
                        /*implicitTrunc=*/true);
  return DenseElementsAttr::get(type, values);
}

ElementsAttr HostTensor::toBlobAttr(StringRef blobName) const {
  Type elementType = type.getElementType();
  int64_t n = size();
  int64_t bytes =
      elementType.isInteger(1) ? 1 : elementType.getIntOrFloatBitWidth() / 8;
  std::vector<char> raw(n * bytes);
  for (int64_t i = 0; i < n; ++i) {
    char *dst = raw.data() + i * bytes;
    if (auto floatType = dyn_cast<FloatType>(elementType)) {
      if (floatType.isF32()) {
        float v = static_cast<float>(floats[i]);
        std::memcpy(dst, &v, 4);
      } else if (floatType.isF64()) {
        std::memcpy(dst, &floats[i], 8);
      } else {
        APFloat f(floats[i]);
        bool losesInfo = false;
        f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
        uint64_t bits = f.bitcastToAPInt().getZExtValue();
        std::memcpy(dst, &bits, bytes);
      }
    } else {
      uint64_t bits = static_cast<uint64_t>(ints[i]);
      std::memcpy(dst, &bits, bytes);
    }
  }
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(raw.data(), raw.size()), alignof(uint64_t));
  return DenseResourceElementsAttr::get(type, blobName, std::move(blob));
}

//===----------------------------------------------------------------------===//
// Scalar semantics of the elementwise ops
//===----------------------------------------------------------------------===//

namespace {
/// Maps each output element to the flat index of each broadcast operand.
class BroadcastIndexer {
public:
  BroadcastIndexer(ArrayRef<int64_t> outShape,
                   ArrayRef<ArrayRef<int64_t>> operandShapes)
      : outShape(outShape) {
    for (ArrayRef<int64_t> shape : operandShapes) {
      SmallVector<int64_t> strides(outShape.size(), 0);
      SmallVector<int64_t> own = rowMajorStrides(shape);
      int64_t offset = outShape.size() - shape.size();
      for (size_t i = 0; i < shape.size(); ++i)
        if (shape[i] != 1)
          strides[offset + i] = own[i];
      operandStrides.push_back(strides);
    }
  }
  int64_t operandIndex(int64_t operand, int64_t flat) const {
    int64_t index = 0;
    for (int64_t d = static_cast<int64_t>(outShape.size()) - 1; d >= 0; --d) {
      int64_t coord = flat % outShape[d];
      flat /= outShape[d];
      index += coord * operandStrides[operand][d];
    }
    return index;
  }

private:
  ArrayRef<int64_t> outShape;
  SmallVector<SmallVector<int64_t>> operandStrides;
};
} // namespace

static double roundHalfToEven(double x) { return std::nearbyint(x); }

/// Float semantics of unary ops; nullopt when the op is not a float unary op.
static std::optional<double> evalUnaryFloat(Operation *op, double x) {
  return llvm::TypeSwitch<Operation *, std::optional<double>>(op)
      .Case([&](SqrtOp) { return std::sqrt(x); })
      .Case([&](ExpOp) { return std::exp(x); })
      .Case([&](LogOp) { return std::log(x); })
      .Case([&](ErfOp) { return std::erf(x); })
      .Case([&](TanhOp) { return std::tanh(x); })
      .Case([&](SigmoidOp) { return 1.0 / (1.0 + std::exp(-x)); })
      .Case([&](ReciprocalOp) { return 1.0 / x; })
      .Case([&](FloorOp) { return std::floor(x); })
      .Case([&](CeilOp) { return std::ceil(x); })
      .Case([&](RoundOp) { return roundHalfToEven(x); })
      .Case([&](SinOp) { return std::sin(x); })
      .Case([&](CosOp) { return std::cos(x); })
      .Case([&](SoftplusOp) { return std::log1p(std::exp(x)); })
      .Case([&](HardSwishOp) {
        return x * std::max(0.0, std::min(1.0, x / 6.0 + 0.5));
      })
      .Case([&](ReluOp) { return std::max(x, 0.0); })
      .Case([&](NegOp) { return -x; })
      .Case([&](AbsOp) { return std::fabs(x); })
      .Case([&](SignOp) { return double((x > 0) - (x < 0)); })
      .Case([&](IsNaNOp) { return double(std::isnan(x)); })
      .Case([&](HardSigmoidOp o) {
        return std::max(0.0, std::min(1.0, o.getAlpha().convertToDouble() * x +
                                               o.getBeta().convertToDouble()));
      })
      .Case([&](LeakyReluOp o) {
        return x >= 0 ? x : o.getAlpha().convertToDouble() * x;
      })
      .Case([&](EluOp o) {
        return x >= 0 ? x : o.getAlpha().convertToDouble() * std::expm1(x);
      })
      .Case([&](GeluOp o) -> std::optional<double> {
        if (o.getApproximate() == "tanh")
          return 0.5 * x *
                 (1.0 + std::tanh(std::sqrt(2.0 / M_PI) *
                                  (x + 0.044715 * x * x * x)));
        return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
      })
      .Default([](Operation *) { return std::nullopt; });
}

static std::optional<int64_t> evalUnaryInt(Operation *op, int64_t x) {
  return llvm::TypeSwitch<Operation *, std::optional<int64_t>>(op)
      .Case([&](ReluOp) { return std::max<int64_t>(x, 0); })
      .Case([&](NegOp) { return -x; })
      .Case([&](AbsOp) { return x < 0 ? -x : x; })
      .Case([&](SignOp) { return int64_t((x > 0) - (x < 0)); })
      .Case([&](NotOp) { return int64_t(x == 0); })
      .Default([](Operation *) { return std::nullopt; });
}

static std::optional<double> evalBinaryFloat(Operation *op, double a,
                                             double b) {
  return llvm::TypeSwitch<Operation *, std::optional<double>>(op)
      .Case([&](AddOp) { return a + b; })
      .Case([&](SubOp) { return a - b; })
      .Case([&](MulOp) { return a * b; })
      .Case([&](DivOp) { return a / b; })
      .Case([&](PowOp) { return std::pow(a, b); })
      .Case([&](MinOp) {
        return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
      })
      .Case([&](MaxOp) {
        return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
      })
      .Case([&](EqualOp) { return double(a == b); })
      .Case([&](LessOp) { return double(a < b); })
      .Case([&](LessOrEqualOp) { return double(a <= b); })
      .Case([&](GreaterOp) { return double(a > b); })
      .Case([&](GreaterOrEqualOp) { return double(a >= b); })
      .Default([](Operation *) { return std::nullopt; });
}

static std::optional<int64_t> evalBinaryInt(Operation *op, int64_t a,
                                            int64_t b) {
  return llvm::TypeSwitch<Operation *, std::optional<int64_t>>(op)
      .Case([&](AddOp) { return a + b; })
      .Case([&](SubOp) { return a - b; })
      .Case([&](MulOp) { return a * b; })
      .Case([&](DivOp) -> std::optional<int64_t> {
        if (b == 0)
          return std::nullopt; // keep the op: the model divides by zero
        return a / b;
      })
      .Case([&](PowOp) -> std::optional<int64_t> {
        if (b < 0)
          return std::nullopt;
        int64_t r = 1;
        for (int64_t i = 0; i < b && i < 64; ++i)
          r *= a;
        return r;
      })
      .Case([&](MinOp) { return std::min(a, b); })
      .Case([&](MaxOp) { return std::max(a, b); })
      .Case([&](AndOp) { return int64_t(a && b); })
      .Case([&](OrOp) { return int64_t(a || b); })
      .Case([&](XorOp) { return int64_t((a != 0) != (b != 0)); })
      .Case([&](EqualOp) { return int64_t(a == b); })
      .Case([&](LessOp) { return int64_t(a < b); })
      .Case([&](LessOrEqualOp) { return int64_t(a <= b); })
      .Case([&](GreaterOp) { return int64_t(a > b); })
      .Case([&](GreaterOrEqualOp) { return int64_t(a >= b); })
      .Default([](Operation *) { return std::nullopt; });
}

/// Converts one value to the result element type's domain; false (the
/// value is not folded) for a float that no int64 holds: NaN, an infinity,
/// or out of range, whose conversion C++ leaves undefined.
static bool storeValue(HostTensor &out, int64_t index, double value,
                       bool sourceIsFloat) {
  Type elementType = out.type.getElementType();
  if (out.isFloat()) {
    out.floats[index] = value;
  } else if (elementType.isInteger(1)) {
    out.ints[index] = value != 0;
  } else {
    double whole = sourceIsFloat ? std::trunc(value) : value;
    if (!(whole >= -0x1p63 && whole < 0x1p63))
      return false;
    out.ints[index] = static_cast<int64_t>(whole);
  }
  return true;
}

/// The saturating conversion of QuantizeLinear to an integer type.
static int64_t saturateTo(Type elementType, double v) {
  unsigned width = elementType.getIntOrFloatBitWidth();
  bool isUnsigned = elementType.isUnsignedInteger();
  double lo = isUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
  double hi =
      isUnsigned ? std::ldexp(1.0, width) - 1 : std::ldexp(1.0, width - 1) - 1;
  if (!(v == v))
    return 0;
  return static_cast<int64_t>(std::min(std::max(v, lo), hi));
}

OpFoldResult mlir::ingot::foldElementwise(Operation *op,
                                          ArrayRef<Attribute> operands) {
  // Identity-like ops fold to their operand, constant or not.
  if (isa<IdentityOp, DropoutOp>(op))
    return op->getOperand(0);
  if (auto cast = dyn_cast<CastOp>(op))
    if (cast.getInput().getType() == cast.getType())
      return cast.getInput();
  std::optional<HostTensor> out =
      evaluateElementwise(op, operands, kMaxFoldElements);
  if (!out)
    return {};
  return out->toAttr();
}

std::optional<HostTensor>
mlir::ingot::evaluateElementwise(Operation *op, ArrayRef<Attribute> operands,
                                 int64_t maxElements) {
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType || !resultType.hasStaticShape() ||
      resultType.getNumElements() > maxElements)
    return std::nullopt;
  SmallVector<HostTensor> inputs;
  for (Attribute attr : operands) {
    std::optional<HostTensor> t = HostTensor::fromAttr(attr, maxElements);
    if (!t)
      return std::nullopt;
    inputs.push_back(std::move(*t));
  }
  SmallVector<ArrayRef<int64_t>> shapes;
  for (const HostTensor &t : inputs)
    shapes.push_back(t.type.getShape());
  std::optional<util::Dims> outDims;
  SmallVector<std::optional<util::Dims>> optShapes;
  for (ArrayRef<int64_t> s : shapes)
    optShapes.push_back(util::Dims(s));
  if (failed(util::broadcastDims(std::nullopt, optShapes, outDims)) ||
      ArrayRef<int64_t>(*outDims) != resultType.getShape())
    return std::nullopt;

  HostTensor out = HostTensor::zeros(resultType);
  BroadcastIndexer indexer(resultType.getShape(), shapes);
  int64_t n = resultType.getNumElements();
  bool floatInputs = inputs.front().isFloat();

  for (int64_t i = 0; i < n; ++i) {
    auto at = [&](int64_t k) { return indexer.operandIndex(k, i); };
    // Both in FP32 arithmetic, as the kernels (and ONNX Runtime) do.
    if (isa<DequantizeLinearOp>(op)) {
      float diff =
          static_cast<float>(inputs[0].ints[at(0)] - inputs[2].ints[at(2)]);
      out.floats[i] = diff * static_cast<float>(inputs[1].floats[at(1)]);
      continue;
    }
    if (isa<QuantizeLinearOp>(op)) {
      float q = std::nearbyint(static_cast<float>(inputs[0].floats[at(0)]) /
                               static_cast<float>(inputs[1].floats[at(1)])) +
                static_cast<float>(inputs[2].ints[at(2)]);
      out.ints[i] = saturateTo(resultType.getElementType(), q);
      continue;
    }
    if (isa<CastOp>(op)) {
      if (!floatInputs && !out.isFloat()) { // integer to integer (or i1)
        int64_t v = inputs[0].ints[at(0)];
        out.ints[i] = out.type.getElementType().isInteger(1) ? v != 0 : v;
        continue;
      }
      if (!storeValue(out, i, inputs[0].getDouble(at(0)), floatInputs))
        return std::nullopt;
      continue;
    }
    if (isa<WhereOp>(op)) {
      const HostTensor &pick = inputs[0].ints[at(0)] ? inputs[1] : inputs[2];
      int64_t k = inputs[0].ints[at(0)] ? 1 : 2;
      if (pick.isFloat())
        out.floats[i] = pick.floats[at(k)];
      else
        out.ints[i] = pick.ints[at(k)];
      continue;
    }
    if (isa<ClipOp>(op)) {
      if (floatInputs)
        out.floats[i] =
            std::min(std::max(inputs[0].floats[at(0)], inputs[1].floats[at(1)]),
                     inputs[2].floats[at(2)]);
      else
        out.ints[i] =
            std::min(std::max(inputs[0].ints[at(0)], inputs[1].ints[at(1)]),
                     inputs[2].ints[at(2)]);
      continue;
    }
    if (inputs.size() == 1) {
      if (floatInputs) {
        std::optional<double> v = evalUnaryFloat(op, inputs[0].floats[at(0)]);
        if (!v)
          return std::nullopt;
        if (!storeValue(out, i, *v, /*sourceIsFloat=*/true)) // is_nan: i1
          return std::nullopt;
      } else {
        std::optional<int64_t> v = evalUnaryInt(op, inputs[0].ints[at(0)]);
        if (!v)
          return std::nullopt;
        out.ints[i] = *v;
      }
      continue;
    }
    if (floatInputs) {
      std::optional<double> v =
          evalBinaryFloat(op, inputs[0].floats[at(0)], inputs[1].floats[at(1)]);
      if (!v || !storeValue(out, i, *v, /*sourceIsFloat=*/true))
        return std::nullopt;
    } else {
      std::optional<int64_t> v =
          evalBinaryInt(op, inputs[0].ints[at(0)], inputs[1].ints[at(1)]);
      if (!v)
        return std::nullopt;
      out.ints[i] = *v;
    }
  }
  return out;
}
