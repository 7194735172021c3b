# A model exported with a dynamic batch computes its reshape target at run
# time (Shape -> Gather -> Unsqueeze -> Concat -> Reshape). Binding the input
# shape, by --input-shape or by the dim_param's name, folds all of it.
# RUN: %python %s %t
#
# Raw import keeps the dynamic dims, their names and the shape ops.
# RUN: ingotc %t/flatten_head.onnx --emit=import | FileCheck %s --check-prefix=RAW
# RAW: func.func @main(%arg0: tensor<?x8x4x4xf32> {ingot.dim_params = ["batch", "", "", ""], ingot.name = "x"}) -> (tensor<?x10xf32> {ingot.name = "y"})
# RAW: ingot.shape
# RAW: ingot.gather
# RAW: ingot.concat
# RAW: ingot.reshape {{.*}} -> tensor<?x?xf32>
#
# RUN: ingotc %t/flatten_head.onnx --input-shape x:3x8x4x4 | FileCheck %s --check-prefix=BOUND
# RUN: ingotc %t/flatten_head.onnx --dim batch=3 | FileCheck %s --check-prefix=BOUND
# BOUND: func.func @main(%arg0: tensor<3x8x4x4xf32> {{.*}}) -> (tensor<3x10xf32> {ingot.name = "y"})
# BOUND-NOT: ingot.shape
# BOUND-NOT: ingot.gather
# BOUND-NOT: ingot.concat
# BOUND-NOT: ingot.unsqueeze
# BOUND: %[[S:.*]] = ingot.constant dense<[3, 128]> : tensor<2xi64>
# BOUND: ingot.reshape %arg0, %[[S]] : (tensor<3x8x4x4xf32>, tensor<2xi64>) -> tensor<3x128xf32>
# BOUND: ingot.gemm {{.*}} -> tensor<3x10xf32>
# BOUND-NOT: ?x
#
# Left unbound, the front end still runs, keeps `?`, and says what to bind.
# RUN: ingotc %t/flatten_head.onnx 2>&1 | FileCheck %s --check-prefix=UNBOUND
# UNBOUND: ingotc: note: input 'x' has type tensor<?x8x4x4xf32>; bind it with --input-shape or --dim for a fully static module
# UNBOUND: ingot.gemm {{.*}} -> tensor<?x10xf32>
#
# ConstantOfShape/Expand/Range/Where chains fold too (common in exported
# attention masks).
# RUN: ingotc %t/mask.onnx --input-shape ids:2x5 | FileCheck %s --check-prefix=MASK
# MASK-NOT: ingot.range
# MASK-NOT: ingot.constant_of_shape
# MASK-NOT: ingot.shape
# MASK: ingot.where {{.*}} -> tensor<2x5xf32>
import numpy as np
from onnx import helper

from onnx_testing import F32, I64, const, model, out_dir, save, value

d = out_dir()
rng = np.random.default_rng(1)

nodes = [
    helper.make_node("Shape", ["x"], ["shape"]),
    helper.make_node("Gather", ["shape", "zero"], ["n"], axis=0),
    helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"]),
    helper.make_node("Concat", ["n1", "minus1"], ["target"], axis=0),
    helper.make_node("Reshape", ["x", "target"], ["flat"]),
    helper.make_node("Gemm", ["flat", "w", "b"], ["y"], transB=1),
]
inits = [const("zero", np.array(0, np.int64)), const("axes0", np.array([0], np.int64)),
         const("minus1", np.array([-1], np.int64)),
         const("w", rng.standard_normal((10, 128)).astype(np.float32)),
         const("b", rng.standard_normal(10).astype(np.float32))]
save(model(nodes, [value("x", F32, ["batch", 8, 4, 4])], [value("y", F32, ["batch", 10])],
           inits), d, "flatten_head.onnx")

# mask[b, t] = t < len ? 0 : -inf, with len = seq_len - 1 computed from shapes.
nodes = [
    helper.make_node("Shape", ["ids"], ["s"]),
    helper.make_node("Gather", ["s", "one"], ["seq"], axis=0),
    helper.make_node("Range", ["zero", "seq", "one"], ["pos"]),
    helper.make_node("Sub", ["seq", "one"], ["len"]),
    helper.make_node("Less", ["pos", "len"], ["keep"]),
    helper.make_node("ConstantOfShape", ["s"], ["zeros"],
                     value=helper.make_tensor("v", F32, [1], [0.0])),
    helper.make_node("Expand", ["keep", "s"], ["keep2"]),
    helper.make_node("Where", ["keep2", "zeros", "neg"], ["y"]),
]
inits = [const("zero", np.array(0, np.int64)), const("one", np.array(1, np.int64)),
         const("neg", np.array(-1e9, np.float32))]
save(model(nodes, [value("ids", I64, ["batch", "seq"])], [value("y", F32, ["batch", "seq"])],
           inits), d, "mask.onnx")
