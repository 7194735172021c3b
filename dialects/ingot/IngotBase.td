//===- IngotBase.td - Ingot dialect definition and op base classes -------===//
//
// The `ingot` dialect is Ingot's graph-level IR: ONNX-like ops with value
// semantics on tensors, numpy-style broadcasting and typed attributes. Every
// op infers its result types from its operands and attributes, so shape
// inference is a property of the op rather than a table in a pass.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_BASE_TD
#define INGOT_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Ingot_Dialect : Dialect {
  let name = "ingot";
  let cppNamespace = "::mlir::ingot";
  let summary = "Ingot's graph-level tensor dialect";
  let description = [{
    ONNX-like operations on `tensor` values. Shapes may be static, dynamic
    (`?`) or unranked; the front-end passes refine them as far as the model's
    bound inputs allow. Attribute names follow ONNX, in snake_case.
  }];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 0;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Ingot_ElementType : AnyTypeOf<[F16, BF16, F32, F64, I1, I8, I16, I32, I64,
                                   UI8, UI16, UI32, UI64]>;
def Ingot_Tensor : TensorOf<[Ingot_ElementType]>;
def Ingot_FloatTensor : TensorOf<[F16, BF16, F32, F64]>;
def Ingot_IntTensor : TensorOf<[I8, I16, I32, I64, UI8, UI16, UI32, UI64]>;
def Ingot_IndexTensor : TensorOf<[I32, I64]>;
def Ingot_BoolTensor : TensorOf<[I1]>;
def Ingot_ShapeTensor : TensorOf<[I64]>;

//===----------------------------------------------------------------------===//
// Op base classes
//===----------------------------------------------------------------------===//

// Result types are inferred from operands and attributes. A written result
// type may be more static than the inferred one (refinement) but never
// contradict it: `tensor<?x4xf32>` inferred is compatible with a written
// `tensor<2x4xf32>`, not with `tensor<3x5xf32>`.
def Ingot_InferTensorType : TraitList<[
  DeclareOpInterfaceMethods<InferTypeOpInterface>,
  InferShapedTypeOpAdaptorBase<["inferReturnTypeComponents"]>,
  NativeOpTrait<"InferTensorType", [], [{
    static bool isCompatibleReturnTypes(::mlir::TypeRange inferred,
                                        ::mlir::TypeRange actual);
  }], [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        ::mlir::ValueRange operands, ::mlir::DictionaryAttr attributes,
        ::mlir::OpaqueProperties properties, ::mlir::RegionRange regions,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes) {
      ::llvm::SmallVector<::mlir::ShapedTypeComponents, 2> components;
      if (::mlir::failed($cppClass::inferReturnTypeComponents(
              context, location, operands, attributes, properties, regions,
              components)) ||
          ::mlir::failed(::mlir::ingot::verifyInferredSizes(location,
                                                            components)))
        return ::mlir::failure();
      return ::mlir::detail::inferReturnTensorTypes(components,
                                                    inferredReturnTypes);
    }
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange inferred,
                                            ::mlir::TypeRange actual) {
      return ::mlir::ingot::areRefinementCompatible(inferred, actual);
    }
  }]>
]>;

class Ingot_Op<string mnemonic, list<Trait> traits = []>
    : Op<Ingot_Dialect, mnemonic,
         !listconcat(traits, [Pure, Ingot_InferTensorType])> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

// One tensor in, one tensor of the same type out. Scalar math is evaluated by
// the shared folding evaluator (see ConstantFolding.cpp).
class Ingot_UnaryOp<string mnemonic, Type operandType = Ingot_Tensor,
                    list<Trait> traits = []>
    : Ingot_Op<mnemonic, traits> {
  let arguments = (ins operandType:$input);
  let results = (outs operandType:$output);
  let hasFolder = 1;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypeComponents(
        ::mlir::MLIRContext *, std::optional<::mlir::Location>, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::ShapedTypeComponents> &results) {
      return ::mlir::ingot::inferSameAs(adaptor.getInput().getType(), results);
    }
    ::mlir::OpFoldResult $cppClass::fold(FoldAdaptor adaptor) {
      return ::mlir::ingot::foldElementwise(getOperation(),
                                            adaptor.getOperands());
    }
  }];
}

// Two tensors in, broadcast with numpy rules, one tensor out. Comparison ops
// produce i1; the others produce the operand element type.
class Ingot_BinaryOp<string mnemonic, Type operandType = Ingot_Tensor,
                     bit isComparison = 0, list<Trait> traits = []>
    : Ingot_Op<mnemonic, traits> {
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs !if(isComparison, Ingot_BoolTensor, operandType):$output);
  let hasFolder = 1;
  let extraClassDefinition = !strconcat([{
    ::llvm::LogicalResult $cppClass::inferReturnTypeComponents(
        ::mlir::MLIRContext *ctx, std::optional<::mlir::Location> loc,
        Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::ShapedTypeComponents> &results) {
      return ::mlir::ingot::inferBroadcast(loc, {adaptor.getLhs(), adaptor.getRhs()},
  }], !if(isComparison, "::mlir::IntegerType::get(ctx, 1)", "nullptr"), [{, results);
    }
    ::mlir::OpFoldResult $cppClass::fold(FoldAdaptor adaptor) {
      return ::mlir::ingot::foldElementwise(getOperation(),
                                            adaptor.getOperands());
    }
  }]);
}

#endif // INGOT_BASE_TD
