//===- ShapeOps.td - Ingot data-movement and shape ops --------*- tablegen -*-===//
//
// Constants, reshapes, transposes, slicing, gathering and the small ops that
// exported models use to compute shapes at run time. With the model's inputs
// bound, the front-end passes fold every shape computation away.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_SHAPE_OPS_TD
#define INGOT_SHAPE_OPS_TD

include "IngotBase.td"

def Ingot_ConstantOp : Ingot_Op<"constant", [ConstantLike]> {
  let summary = "a constant tensor";
  let description = [{
    Small constants are stored inline (`dense<...>`); weights are stored as
    `dense_resource` blobs so that large models are not copied into the
    context's attribute storage.

    ```mlir
    %c = ingot.constant dense<[1, 2]> : tensor<2xi64>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Ingot_Tensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

def Ingot_ReshapeOp : Ingot_Op<"reshape"> {
  let summary = "reshape to the shape held by an i64 tensor";
  let description = [{
    A 0 in `shape` copies the input dimension (unless `allowzero`); one -1 is
    inferred from the element count.
  }];
  let arguments = (ins Ingot_Tensor:$input, Ingot_ShapeTensor:$shape,
                   DefaultValuedAttr<BoolAttr, "false">:$allowzero);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Ingot_FlattenOp : Ingot_Op<"flatten"> {
  let summary = "collapse to 2-D at `axis`";
  let arguments = (ins Ingot_Tensor:$input, DefaultValuedAttr<I64Attr, "1">:$axis);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}

def Ingot_TransposeOp : Ingot_Op<"transpose"> {
  let summary = "permute dimensions (reversed when `perm` is absent)";
  let arguments = (ins Ingot_Tensor:$input, OptionalAttr<DenseI64ArrayAttr>:$perm);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Ingot_ConcatOp : Ingot_Op<"concat"> {
  let summary = "concatenate along `axis`";
  let arguments = (ins Variadic<Ingot_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}

def Ingot_SliceOp : Ingot_Op<"slice"> {
  let summary = "strided slice; starts/ends are clamped as in ONNX";
  let arguments = (ins Ingot_Tensor:$input, Ingot_IndexTensor:$starts,
                   Ingot_IndexTensor:$ends, Ingot_IndexTensor:$axes,
                   Ingot_IndexTensor:$steps);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}

def Ingot_SplitOp : Ingot_Op<"split"> {
  let summary = "split along `axis` into pieces of the given sizes";
  let arguments = (ins Ingot_Tensor:$input, I64Attr:$axis,
                   DenseI64ArrayAttr:$split);
  let results = (outs Variadic<Ingot_Tensor>:$outputs);
}

def Ingot_SqueezeOp : Ingot_Op<"squeeze"> {
  let summary = "drop size-1 dimensions (all of them when `axes` is absent)";
  let arguments = (ins Ingot_Tensor:$input, OptionalAttr<DenseI64ArrayAttr>:$axes);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}

def Ingot_UnsqueezeOp : Ingot_Op<"unsqueeze"> {
  let summary = "insert size-1 dimensions at `axes` (of the result)";
  let arguments = (ins Ingot_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}

def Ingot_GatherOp : Ingot_Op<"gather"> {
  let summary = "take entries along `axis` (negative indices count from the end)";
  let arguments = (ins Ingot_Tensor:$input, Ingot_IndexTensor:$indices,
                   DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}

def Ingot_ShapeOp : Ingot_Op<"shape"> {
  let summary = "the input's shape, dims [start, end), as an i64 tensor";
  let arguments = (ins Ingot_Tensor:$input,
                   DefaultValuedAttr<I64Attr, "0">:$start,
                   OptionalAttr<I64Attr>:$end);
  let results = (outs Ingot_ShapeTensor:$output);
  let hasFolder = 1;
}

def Ingot_ConstantOfShapeOp : Ingot_Op<"constant_of_shape"> {
  let summary = "a tensor of the given shape filled with `value` (f32 0 if absent)";
  let arguments = (ins Ingot_ShapeTensor:$shape, OptionalAttr<ElementsAttr>:$value);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}

def Ingot_ExpandOp : Ingot_Op<"expand"> {
  let summary = "broadcast the input against a shape (numpy rules)";
  let arguments = (ins Ingot_Tensor:$input, Ingot_ShapeTensor:$shape);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}

def Ingot_PadOp : Ingot_Op<"pad"> {
  let summary = "pad each dimension (begins then ends in `pads`)";
  let description = [{
    `mode` is constant, reflect or edge. Negative pads crop.
  }];
  let arguments = (ins Ingot_Tensor:$input, Ingot_ShapeTensor:$pads,
                   Optional<Ingot_Tensor>:$constant_value,
                   DefaultValuedAttr<StrAttr, "\"constant\"">:$mode);
  let results = (outs Ingot_Tensor:$output);
}

def Ingot_TileOp : Ingot_Op<"tile"> {
  let summary = "repeat the input `repeats[i]` times along dimension i";
  let arguments = (ins Ingot_Tensor:$input, Ingot_ShapeTensor:$repeats);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}

def Ingot_RangeOp : Ingot_Op<"range"> {
  let summary = "start, start + delta, ... below limit (scalar operands)";
  let arguments = (ins Ingot_Tensor:$start, Ingot_Tensor:$limit, Ingot_Tensor:$delta);
  let results = (outs Ingot_Tensor:$output);
  let hasFolder = 1;
}

#endif // INGOT_SHAPE_OPS_TD
