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
            DequantizeLinearOp>([](auto) { return OpClass::Elementwise; })
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
