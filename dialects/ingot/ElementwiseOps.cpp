//===- ElementwiseOps.cpp - Inference and folding for cast/clip/where -----===//
//
// The unary and binary ops get their inference and folders from the ODS base
// classes (IngotBase.td); the few elementwise ops with irregular operands are
// here.
//
//===----------------------------------------------------------------------===//
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
