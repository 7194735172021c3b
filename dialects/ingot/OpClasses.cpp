//===- OpClasses.cpp - How each ingot op is computed ----------------------===//
#include "dialects/ingot/OpClasses.h"
#include "dialects/ingot/IngotOps.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::ingot;

OpClass mlir::ingot::classifyOp(Operation *op) {
  return llvm::TypeSwitch<Operation *, OpClass>(op)
      .Case<ConstantOp>([](auto) { return OpClass::Constant; })
      .Case<SqrtOp, ExpOp, LogOp, ErfOp, TanhOp, SigmoidOp, ReciprocalOp,
            FloorOp, CeilOp, RoundOp, SinOp, CosOp, SoftplusOp, HardSwishOp,
            ReluOp, NegOp, AbsOp, SignOp, NotOp, IsNaNOp, IdentityOp,
            HardSigmoidOp, LeakyReluOp, EluOp, GeluOp, DropoutOp, CastOp,
            ClipOp, AddOp, SubOp, MulOp, DivOp, PowOp, MinOp, MaxOp, AndOp,
            OrOp, XorOp, EqualOp, LessOp, LessOrEqualOp, GreaterOp,
            GreaterOrEqualOp, WhereOp, BatchNormOp, QuantizeLinearOp,
            DequantizeLinearOp, LookupOp>(
          [](auto) { return OpClass::Elementwise; })
      .Case<ReshapeOp, FlattenOp, SqueezeOp, UnsqueezeOp, TransposeOp, ExpandOp,
            SliceOp, GatherOp, ConcatOp, PadOp, TileOp>(
          [](auto) { return OpClass::Remap; })
      .Case<ResizeOp>([](ResizeOp r) {
        return r.getMode() == "nearest" ? OpClass::Remap : OpClass::Windowed;
      })
      .Case<MaxPoolOp, AveragePoolOp>([](auto) { return OpClass::Windowed; })
      .Case<ReduceMeanOp, ReduceSumOp, ReduceMaxOp, ReduceMinOp, ReduceProdOp,
            SoftmaxOp, LogSoftmaxOp, LayerNormOp, GlobalAveragePoolOp,
            GlobalMaxPoolOp>([](auto) { return OpClass::Reduction; })
      .Case<MatMulOp, GemmOp, ConvOp, ConvIntegerOp, ConvTransposeOp>(
          [](auto) { return OpClass::Library; })
      .Case<AttentionOp>([](auto) { return OpClass::Attention; })
      .Case<ShapeOp, ConstantOfShapeOp, RangeOp, SplitOp>(
          [](auto) { return OpClass::ShapeOnly; })
      .Default([](Operation *) { return OpClass::Other; });
}

std::optional<unsigned> mlir::ingot::trailingRowReduction(Operation *op) {
  if (!isa<ReduceMeanOp, ReduceSumOp, ReduceMaxOp, ReduceMinOp>(op))
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
  auto keepdims = op->getAttrOfType<BoolAttr>("keepdims");
  auto axes = op->getAttrOfType<DenseI64ArrayAttr>("axes");
  if (!type || !type.hasStaticShape() || type.getRank() == 0 ||
      !isa<FloatType>(type.getElementType()) ||
      (keepdims && !keepdims.getValue()) || !axes || axes.empty())
    return std::nullopt;
  int64_t rank = type.getRank();
  SmallVector<bool> reduced(rank, false);
  for (int64_t a : axes.asArrayRef()) {
    if (a < -rank || a >= rank)
      return std::nullopt;
    reduced[a < 0 ? a + rank : a] = true;
  }
  unsigned k = 0;
  while (k < rank && reduced[rank - 1 - k])
    ++k;
  for (int64_t d = 0; d < rank - static_cast<int64_t>(k); ++d)
    if (reduced[d])
      return std::nullopt;
  return k;
}
