//===- FusionOps.td - Fusion regions --------------------------*- tablegen -*-===//
//
// A fusion region is one future kernel: the ops inside are computed together,
// with only the region's operands read from memory and its result written.
// The `kind` says which code-generation skeleton applies:
//   loop       - one output element at a time (elementwise ops, broadcasts,
//                index remapping such as transpose/slice/gather/pad/resize)
//   reduction  - a reduction (reduce_*, softmax, layer_norm, global pooling)
//                with its elementwise producers fused into its input
//   library    - a GEMM or convolution done by a library, followed by an
//                elementwise epilogue (bias, activation, residual) on its
//                result
//   stitch     - elementwise ops with the row reductions they read (reduce
//                over the trailing dims, kept, broadcast back): each row is
//                reduced, then written (a layer norm written out op by op)
//   attention  - an ingot.attention, with the index remapping (head
//                split transposes, reshapes, slices) of its q, k, v and
//                mask read in place
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_FUSION_OPS_TD
#define INGOT_FUSION_OPS_TD

include "IngotBase.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"


def Ingot_FusionOp : Op<Ingot_Dialect, "fusion",
    [IsolatedFromAbove, SingleBlockImplicitTerminator<"YieldOp">, Pure]> {
  let summary = "a group of ops generated as one kernel";
  let description = [{
    The block's arguments stand for the operands; `ingot.yield` returns the
    result. Produced by `--ingot-fuse`, which also sets `id` (`r12`: the
    region's name in the kernel symbol `ingot_r12`, in `INGOT_PROFILE` and
    in the artifact) and `node`, the ONNX node the region is anchored on:
    the GEMM/convolution of a library region, the reduction of a reduction
    region, the last op of a loop region (the region's location is that
    node's too).

    ```mlir
    %r = ingot.fusion "loop" (%x, %b) {id = "r0", node = "relu_1"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
    ^bb0(%a: tensor<4xf32>, %c: tensor<4xf32>):
      %0 = ingot.add %a, %c : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
      %1 = ingot.relu %0 : (tensor<4xf32>) -> tensor<4xf32>
      ingot.yield %1 : tensor<4xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<Ingot_Tensor>:$inputs, StrAttr:$kind,
                       OptionalAttr<StrAttr>:$id, OptionalAttr<StrAttr>:$node);
  let results = (outs Variadic<Ingot_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    OpBuilder<(ins "::mlir::TypeRange":$resultTypes, "::llvm::StringRef":$kind,
                   "::mlir::ValueRange":$inputs)>
  ];
  let extraClassDeclaration = [{
    ::mlir::Block &getBlock() { return getBody().front(); }
    /// The op that defines the region's (first) result.
    ::mlir::Operation *getRoot();
  }];
}

def Ingot_YieldOp : Op<Ingot_Dialect, "yield",
    [Pure, Terminator, HasParent<"FusionOp">, ReturnLike]> {
  let summary = "the results of a fusion region";
  let arguments = (ins Variadic<Ingot_Tensor>:$values);
  let assemblyFormat = "$values attr-dict `:` type($values)";
  let builders = [OpBuilder<(ins), [{ /* empty yield */ }]>];
}

#endif // INGOT_FUSION_OPS_TD
