//===- ElementwiseOps.cpp - Inference and folding for cast/clip/where -----===//
//
// The unary and binary ops get their inference and folders from the ODS base
// classes (IngotBase.td); the few elementwise ops with irregular operands are
// here.
//
//===----------------------------------------------------------------------===//
#include "dialects/ingot/HostTensor.h"
#include "dialects/ingot/InferenceUtils.h"
#include "dialects/ingot/IngotOps.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::util;

LogicalResult CastOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type to = adaptor.getTo();
  if (!to.isIntOrFloat())
    return emitOptionalError(loc, "'ingot.cast' target ", to,
                             " is not an integer or float type");
  return pushResult(results, getDims(adaptor.getInput().getType()), to);
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  return foldElementwise(getOperation(), adaptor.getOperands());
}

LogicalResult LookupOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type in = getElementType(adaptor.getInput().getType());
  auto table = dyn_cast<ShapedType>(adaptor.getTable().getType());
  if (!in.isInteger(8) || !table || !table.hasStaticShape() ||
      table.getRank() != 1 || table.getNumElements() != 256)
    return emitOptionalError(loc,
                             "'ingot.lookup' takes an 8-bit integer input "
                             "and a table of 256 values, got ",
                             adaptor.getInput().getType(), " and ", table);
  return pushResult(results, getDims(adaptor.getInput().getType()),
                    table.getElementType());
}

OpFoldResult LookupOp::fold(FoldAdaptor adaptor) {
  auto resultType = dyn_cast<RankedTensorType>(getType());
  std::optional<HostTensor> in =
      HostTensor::fromAttr(adaptor.getInput(), kMaxFoldElements);
  std::optional<HostTensor> table = HostTensor::fromAttr(getTable(), 256);
  if (!resultType || !resultType.hasStaticShape() || !in || !table)
    return {};
  int64_t lowest =
      getElementType(getInput().getType()).isUnsignedInteger() ? 0 : -128;
  HostTensor out = HostTensor::zeros(resultType);
  for (int64_t i = 0; i < out.size(); ++i) {
    int64_t k = in->ints[i] - lowest;
    if (out.isFloat())
      out.floats[i] = table->floats[k];
    else
      out.ints[i] = table->ints[k];
  }
  return out.toAttr();
}

LogicalResult ClipOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  if (failed(commonElementType(loc,
                               {adaptor.getInput().getType(),
                                adaptor.getMin().getType(),
                                adaptor.getMax().getType()},
                               "ingot.clip")))
    return failure();
  for (Value bound : {adaptor.getMin(), adaptor.getMax()}) {
    std::optional<Dims> dims = getDims(bound.getType());
    if (dims && product(*dims) != 1 && product(*dims) != kDyn)
      return emitOptionalError(loc, "'ingot.clip' bounds must be scalars, got ",
                               bound.getType());
  }
  return inferSameAs(adaptor.getInput().getType(), results);
}

OpFoldResult ClipOp::fold(FoldAdaptor adaptor) {
  return foldElementwise(getOperation(), adaptor.getOperands());
}

LogicalResult WhereOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  FailureOr<Type> element = commonElementType(
      loc, {adaptor.getLhs().getType(), adaptor.getRhs().getType()},
      "ingot.where");
  if (failed(element))
    return failure();
  std::optional<Dims> out;
  if (failed(broadcastDims(loc,
                           {getDims(adaptor.getCondition().getType()),
                            getDims(adaptor.getLhs().getType()),
                            getDims(adaptor.getRhs().getType())},
                           out)))
    return failure();
  return pushResult(results, out, *element);
}

OpFoldResult WhereOp::fold(FoldAdaptor adaptor) {
  return foldElementwise(getOperation(), adaptor.getOperands());
}

LogicalResult IsNaNOp::inferReturnTypeComponents(
    MLIRContext *context, std::optional<Location>, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  return inferSameShapeAs(adaptor.getInput().getType(),
                          IntegerType::get(context, 1), results);
}

OpFoldResult IsNaNOp::fold(FoldAdaptor adaptor) {
  return foldElementwise(getOperation(), adaptor.getOperands());
}

/// Quantize and dequantize: the result has the input's shape (scale and zero
/// point broadcast into it, never enlarge it) and `elementType`.
static LogicalResult
inferQuantization(std::optional<Location> loc, StringRef name, Value input,
                  Value scale, Value zeroPoint, Type elementType,
                  SmallVectorImpl<ShapedTypeComponents> &results) {
  std::optional<Dims> in = getDims(input.getType()), out;
  if (failed(broadcastDims(
          loc, {in, getDims(scale.getType()), getDims(zeroPoint.getType())},
          out)))
    return failure();
  if (in && out && *in != *out)
    return emitOptionalError(loc, "'", name, "' scale ", scale.getType(),
                             " and zero point ", zeroPoint.getType(),
                             " must broadcast into the input ",
                             input.getType());
  return pushResult(results, in, elementType);
}

LogicalResult QuantizeLinearOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  return inferQuantization(loc, "ingot.quantize_linear", adaptor.getInput(),
                           adaptor.getScale(), adaptor.getZeroPoint(),
                           getElementType(adaptor.getZeroPoint().getType()),
                           results);
}

LogicalResult DequantizeLinearOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  if (getElementType(adaptor.getInput().getType()) !=
      getElementType(adaptor.getZeroPoint().getType()))
    return emitOptionalError(loc, "'ingot.dequantize_linear' zero point ",
                             adaptor.getZeroPoint().getType(),
                             " must have the element type of the input ",
                             adaptor.getInput().getType());
  return inferQuantization(loc, "ingot.dequantize_linear", adaptor.getInput(),
                           adaptor.getScale(), adaptor.getZeroPoint(),
                           getElementType(adaptor.getScale().getType()),
                           results);
}
