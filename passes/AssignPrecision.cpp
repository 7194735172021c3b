//===- AssignPrecision.cpp - FP16/BF16 compute with FP32 where it matters -===//
//
// Retypes f32 compute to the half-precision type chosen by `precision`,
// inserting casts where FP32 and half-precision values meet and converting
// f32 constants once, at compile time. Which ops stay FP32, and why, is in
// the pass description (Passes.td).
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <cmath>
#include <cstring>

namespace mlir::ingot {
#define GEN_PASS_DEF_INGOTASSIGNPRECISIONPASS
#include "passes/Passes.h.inc"
} // namespace mlir::ingot

using namespace mlir;
using namespace mlir::ingot;

namespace {

/// Ops whose results can leave the half-precision range (or lose it all to
/// rounding) even when their inputs are in range. An integer convolution's
/// FP32 sums (float_sums, cuDNN's output) reach 2^24 and beyond: they are
/// scaled in FP32, by the ops that follow, before any rounding to half.
bool staysFP32(Operation *op) {
  return isa<ExpOp, LogOp, PowOp, ReduceSumOp, ReduceProdOp, ConvIntegerOp>(op);
}

/// Ops that compute in FP32 without making their users do so: quantize and
/// dequantize (their scales, products of two scales after an int8 GEMM,
/// are often below FP16's normal range), and the ops scaling an integer
/// convolution's FP32 sums (float_sums). Their float results are cast to
/// half precision where used, inside the same fused kernel.
bool scalesInFP32(Operation *op) {
  if (isa<QuantizeLinearOp, DequantizeLinearOp>(op))
    return true;
  return llvm::any_of(op->getOperands(), [](Value v) {
    auto conv = v.getDefiningOp<ConvIntegerOp>();
    return conv && conv.getFloatSums();
  });
}

/// Operands that are parameters of fixed type, not data (resize scales).
bool isParameter(Operation *op, unsigned operand) {
  return isa<ResizeOp>(op) && operand == 1;
}

Type withElementType(Type t, Type element) {
  auto tensor = cast<RankedTensorType>(t);
  return RankedTensorType::get(tensor.getShape(), element,
                               tensor.getEncoding());
}

bool hasElementType(Value v, Type element) {
  auto tensor = dyn_cast<RankedTensorType>(v.getType());
  return tensor && tensor.getElementType() == element;
}

/// `v` rounded to the half-precision type `half` (to nearest even), as raw
/// bits; a finite value beyond the type's range becomes its largest finite
/// value (with `clamped` counting it) rather than infinity.
uint16_t roundToBits(float v, Type half, int64_t &clamped) {
  uint16_t bits;
  if (half.isBF16()) {
    uint32_t u;
    std::memcpy(&u, &v, sizeof u);
    bits = (u & 0x7fffffffu) > 0x7f800000u
               ? uint16_t((u >> 16) | 0x40u)
               : uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  } else {
    APFloat f(v);
    bool losesInfo = false;
    f.convert(APFloat::IEEEhalf(), APFloat::rmNearestTiesToEven, &losesInfo);
    bits = static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
  }
  uint16_t infinity = half.isBF16() ? 0x7f80 : 0x7c00;
  if ((bits & 0x7fff) == infinity && std::isfinite(v)) {
    ++clamped;
    bits = static_cast<uint16_t>((bits & 0x8000) | (infinity - 1));
  }
  return bits;
}

/// The f32 constant `attr` converted to `half`: inline constants stay
/// inline, blob-backed weights get a new blob.
std::optional<ElementsAttr> convertConstant(ElementsAttr attr, Type half,
                                            int64_t &clamped) {
  auto type = cast<RankedTensorType>(attr.getType());
  auto newType = cast<RankedTensorType>(withElementType(type, half));
  int64_t n = type.getNumElements();
  std::vector<uint16_t> bits;
  bits.reserve(n);
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat()) {
      uint16_t b = roundToBits(dense.getSplatValue<float>(), half, clamped);
      APInt raw(16, b);
      const llvm::fltSemantics &sem =
          half.isBF16() ? APFloat::BFloat() : APFloat::IEEEhalf();
      return ElementsAttr(DenseElementsAttr::get(newType, APFloat(sem, raw)));
    }
    for (float v : dense.getValues<float>())
      bits.push_back(roundToBits(v, half, clamped));
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || static_cast<int64_t>(blob->getData().size()) < 4 * n)
      return std::nullopt;
    const char *data = blob->getData().data();
    for (int64_t i = 0; i < n; ++i) {
      float v;
      std::memcpy(&v, data + 4 * i, sizeof v);
      bits.push_back(roundToBits(v, half, clamped));
    }
  } else {
    return std::nullopt;
  }
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(reinterpret_cast<const char *>(bits.data()),
                     bits.size() * sizeof(uint16_t)),
      alignof(uint64_t));
  return ElementsAttr(DenseResourceElementsAttr::get(
      newType, half.isBF16() ? "weights_bf16" : "weights_f16",
      std::move(blob)));
}

struct IngotAssignPrecisionPass
    : mlir::ingot::impl::IngotAssignPrecisionPassBase<
          IngotAssignPrecisionPass> {
  using Base::Base;

  void runOnOperation() override;

private:
  /// `v` as element type `to`: a cast after its definition, or a converted
  /// constant; one per value and type.
  Value convert(Value v, Type to, Operation *user);

  Type half, f32;
  llvm::DenseMap<std::pair<Value, Type>, Value> converted;
};

Value IngotAssignPrecisionPass::convert(Value v, Type to, Operation *user) {
  auto key = std::make_pair(v, to);
  if (Value done = converted.lookup(key))
    return done;
  OpBuilder b(v.getContext());
  b.setInsertionPointAfterValue(v);
  Value result;
  auto constant = v.getDefiningOp<ConstantOp>();
  if (constant && to == half) {
    int64_t clamped = 0;
    std::optional<ElementsAttr> attr =
        convertConstant(cast<ElementsAttr>(constant.getValue()), half, clamped);
    if (attr) {
      if (clamped)
        user->emitWarning()
            << clamped << " of "
            << cast<ShapedType>(v.getType()).getNumElements()
            << " values of a constant operand are beyond the " << precision
            << " range and were clamped to its largest finite value"
            << (half.isF16() ? " (--precision=bf16 keeps FP32's range)" : "");
      result = ConstantOp::create(b, v.getLoc(), *attr).getResult();
    }
  }
  if (!result)
    result = CastOp::create(b, v.getLoc(), withElementType(v.getType(), to), v,
                            TypeAttr::get(to))
                 .getResult();
  converted[key] = result;
  return result;
}

void IngotAssignPrecisionPass::runOnOperation() {
  func::FuncOp func = getOperation();
  if (precision == "fp32" || precision == "tf32")
    return;
  MLIRContext *ctx = &getContext();
  if (precision != "fp16" && precision != "bf16") {
    func.emitError() << "unknown precision '" << precision
                     << "' (expected fp32, tf32, fp16 or bf16)";
    return signalPassFailure();
  }
  if (ioPrecision != "model" && ioPrecision != "compute") {
    func.emitError() << "unknown io-precision '" << ioPrecision
                     << "' (expected model or compute)";
    return signalPassFailure();
  }
  half = precision == "fp16" ? Type(Float16Type::get(ctx))
                             : Type(BFloat16Type::get(ctx));
  f32 = Float32Type::get(ctx);
  converted.clear();
  Block &body = func.getBody().front();
  SmallVector<Type> originalResults(func.getResultTypes());

  if (ioPrecision == "compute") {
    for (BlockArgument arg : body.getArguments())
      if (hasElementType(arg, f32))
        arg.setType(withElementType(arg.getType(), half));
    func.setType(
        FunctionType::get(ctx, body.getArgumentTypes(), func.getResultTypes()));
  }

  // Values computed by ops that stay FP32.
  llvm::DenseSet<Value> fp32Values;
  auto isFloatData = [&](Value v) {
    return hasElementType(v, f32) || hasElementType(v, half);
  };
  for (Operation &op : llvm::make_early_inc_range(body)) {
    if (isa<ConstantOp, func::ReturnOp>(op))
      continue;
    // Constants adapt to their user; model inputs count as half precision.
    bool scaling = scalesInFP32(&op);
    bool fp32 = staysFP32(&op) || scaling;
    if (!fp32) {
      bool any = false, all = true;
      for (OpOperand &operand : op.getOpOperands()) {
        Value v = operand.get();
        if (isParameter(&op, operand.getOperandNumber()) || !isFloatData(v) ||
            v.getDefiningOp<ConstantOp>())
          continue;
        any = true;
        all &= fp32Values.contains(v);
      }
      fp32 = any && all;
    }
    Type compute = fp32 ? f32 : half;
    for (OpOperand &operand : op.getOpOperands()) {
      Value v = operand.get();
      if (isParameter(&op, operand.getOperandNumber()) || !isFloatData(v) ||
          hasElementType(v, compute))
        continue;
      operand.set(convert(v, compute, &op));
    }
    if (auto cast = dyn_cast<CastOp>(op); cast && cast.getTo() == f32)
      cast.setTo(compute);
    for (Value result : op.getResults()) {
      if (!hasElementType(result, f32))
        continue;
      if (fp32) {
        if (!scaling)
          fp32Values.insert(result);
      } else
        result.setType(withElementType(result.getType(), half));
    }
  }

  // f32 outputs: back to f32 (io-precision=model), or all half precision,
  // those computed in FP32 included (compute).
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  Type outputType = ioPrecision == "model" ? f32 : half;
  for (OpOperand &operand : ret->getOpOperands()) {
    Type original = originalResults[operand.getOperandNumber()];
    auto tensor = dyn_cast<RankedTensorType>(original);
    if (tensor && tensor.getElementType() == f32 &&
        isFloatData(operand.get()) &&
        !hasElementType(operand.get(), outputType))
      operand.set(convert(operand.get(), outputType, ret));
  }
  updateFunctionResultTypes(func);
}

} // namespace
