//===- IngotOps.h - Ingot op classes and shared inference helpers ---------===//
#ifndef INGOT_DIALECTS_INGOT_INGOTOPS_H
#define INGOT_DIALECTS_INGOT_INGOTOPS_H

#include "dialects/ingot/IngotDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::ingot {

/// True when each written type refines (or equals) the inferred one: same
/// element type, compatible shapes. Used by every op's verifier.
bool areRefinementCompatible(TypeRange inferred, TypeRange actual);

/// Fails with a diagnostic when an inferred result shape is negative or its
/// byte size overflows (see TensorSizes.h). Run on every op's inference.
LogicalResult verifyInferredSizes(std::optional<Location> loc,
                                  ArrayRef<ShapedTypeComponents> components);

/// Result has the operand's type.
LogicalResult inferSameAs(Type operandType,
                          SmallVectorImpl<ShapedTypeComponents> &results);

/// Result has the operand's shape and `elementType`.
LogicalResult inferSameShapeAs(Type operandType, Type elementType,
                               SmallVectorImpl<ShapedTypeComponents> &results);

/// Result is the numpy broadcast of the operands' shapes. Its element type is
/// `elementType` when given, else the (common) operand element type.
LogicalResult inferBroadcast(std::optional<Location> loc, ValueRange operands,
                             Type elementType,
                             SmallVectorImpl<ShapedTypeComponents> &results);

/// Constant folding of elementwise ops (unary, binary, where, clip, cast).
OpFoldResult foldElementwise(Operation *op, ArrayRef<Attribute> operands);

class HostTensor;
/// The value of an elementwise op (those above, and quantize/dequantize,
/// which do not fold by themselves) on constant operands of at most
/// `maxElements` elements each; nullopt when it cannot be evaluated.
std::optional<HostTensor> evaluateElementwise(Operation *op,
                                              ArrayRef<Attribute> operands,
                                              int64_t maxElements);

} // namespace mlir::ingot

#define GET_OP_CLASSES
#include "dialects/ingot/IngotOps.h.inc"

#endif
