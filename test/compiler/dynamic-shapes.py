# Ranges of symbolic dims (issue #12, front end): `--dim NAME=MIN:MAX[:OPT]`
# keeps a dim symbolic, named in --input-shape or by the model's dim_param,
# and the front end infers every size from it (shown by --emit=mlir as
# `ingot.shape`; the pass itself: test/passes/infer-symbolic-shapes.mlir).
# RUN: %python %s %t
#
# A BERT layer as exporters write it for dynamic axes: the sequence length
# read with Shape and Gather, position ids sliced to it, heads split with
# 0s in the reshape target, the hidden size restored from the shape.
# RUN: ingotc %t/bert_layer.onnx --dim batch=1:32:8 --dim sequence=16:512 --emit=mlir | FileCheck %s --check-prefix=BERT
# BERT: func.func @main(%arg0: tensor<?x?xi64> {ingot.dim_params = ["batch", "sequence"]
# BERT-SAME: ingot.dim_constraints = []
# BERT-SAME: ingot.dim_ranges = {batch = array<i64: 1, 32, 8>, sequence = array<i64: 16, 512, 512>}
# BERT: ingot.slice {{.*}}ingot.sizes = "[1, sequence]"
# BERT: ingot.add {{.*}}ingot.sizes = "[batch, sequence, 64]"
# BERT: ingot.reshape {{.*}}ingot.sizes = "[batch, sequence, 4, 16]"
# BERT: ingot.matmul {{.*}}ingot.sizes = "[batch, 4, sequence, sequence]"
# BERT: ingot.softmax {{.*}}ingot.sizes = "[batch, 4, sequence, sequence]"
# BERT: ingot.concat {{.*}}ingot.sizes = "[3] = [batch, sequence, 64]"
# BERT: ingot.reshape {{.*}}ingot.sizes = "[batch, sequence, 64]"
#
# Compiled for the host, the layer is one artifact for the ranges (run at
# several shapes against onnxruntime, also through the CUDA emulation:
# test/e2e/dynamic-shapes.py).
# RUN: ingotc %t/bert_layer.onnx --dim batch=1:32 --dim sequence=16:512 -o %t/x.ingot
# RUN: ingotc %t/bert_layer.onnx --dim batch=1:32 --dim sequence=16:512 --stats -o %t/x.ingot 2>&1 | FileCheck %s --check-prefix=STATS
# STATS: bytes accessed:
# STATS-NEXT: symbolic dims:      batch 1:32, sequence 16:512 (byte figures at the largest sizes)
# RUN: ingot-run --info %t/x.ingot | FileCheck %s --check-prefix=INFO
# INFO: dims (2):
# INFO-NEXT: batch: 1 to 32 (tuned for 32)
# INFO-NEXT: sequence: 16 to 512 (tuned for 512)
# INFO: input_ids: int64 [batch, sequence]
# INFO: y: float32 [batch, sequence, 64]
# For CUDA, every kernel takes the dims' values last and computes its
# extents from them (batch is dims.v[0], sequence dims.v[1]).
# RUN: ingotc %t/bert_layer.onnx --dim batch=1:32 --dim sequence=16:512 --emit=cuda | FileCheck %s --check-prefix=CUDA
# CUDA: struct IngotDims {
# Loop kernels keep their 128-bit vector path as a version the runtime
# takes where the pointers are aligned: the size, 64 * batch * sequence, is
# a multiple of 4 for every value of the dims (no size condition).
# CUDA: loop region, root ingot.add
# CUDA-NEXT: // versions (the runtime picks one per call: dims.variant):
# CUDA-NEXT: //   0: vector when aligned
# CUDA-NEXT: //   1: scalar (otherwise)
# CUDA: __global__ void {{.*}}ingot_r{{[0-9]+}}({{.*}}, const IngotDims dims)
# CUDA-NEXT: if (dims.variant == 0) {
# CUDA: flat < (64 * dims.v[0] * dims.v[1])
# CUDA-NOT: % 4 == 0
#
# One size for a dim and a range for the other still fixes the first.
# RUN: ingotc %t/bert_layer.onnx --dim batch=2 --dim sequence=16:512 --emit=mlir | FileCheck %s --check-prefix=MIXED
# MIXED: func.func @main(%arg0: tensor<2x?xi64>
# MIXED: ingot.softmax {{.*}}ingot.sizes = "[2, 4, sequence, sequence]"
#
# Mistakes are named.
# RUN: not ingotc %t/bert_layer.onnx --dim batch=4:2 --emit=mlir 2>&1 | FileCheck %s --check-prefix=BADRANGE
# BADRANGE: error: bad --dim 'batch=4:2' (expected NAME=VALUE with VALUE > 0, or NAME=MIN:MAX[:OPT] with 0 < MIN <= OPT <= MAX)
# RUN: not ingotc %t/bert_layer.onnx --dim batch=1:8:9 --emit=mlir 2>&1 | FileCheck %s --check-prefix=BADOPT
# BADOPT: error: bad --dim 'batch=1:8:9'
# RUN: not ingotc %t/bert_layer.onnx --dim batch=1:4611686018427387904 --emit=mlir 2>&1 | FileCheck %s --check-prefix=HUGE
# HUGE: error: --dim batch: a range ends at 2147483647 at most
# Sizes are evaluated with overflow checks: three dims at 2^31 - 1 overflow.
# RUN: not ingotc %t/product.onnx --dim a=1:2147483647 --dim b=1:2147483647 --dim c=1:2147483647 --emit=mlir 2>&1 | FileCheck %s --check-prefix=OVERFLOW
# OVERFLOW: error: node 'Reshape#0': dimension 0 of the result, a * b * c, overflows 64 bits at the largest dims
# RUN: not ingotc %t/bert_layer.onnx --dim batch=1:8 --dim sequence=16:500 --dim-multiple sequence=16 --emit=mlir 2>&1 | FileCheck %s --check-prefix=MULTIPLE
# MULTIPLE: error: --dim-multiple sequence=16: the range 16:500:500 must be multiples of 16
# RUN: not ingotc %t/bert_layer.onnx --dim batch=1:8 --dim-multiple sequence=16 --emit=mlir 2>&1 | FileCheck %s --check-prefix=MULTIPLENORANGE
# MULTIPLENORANGE: error: --dim-multiple sequence needs a range (--dim sequence=MIN:MAX)
# A sequence in steps of 16: the scores are [batch, 4, 16 * sequence/16, 16 * sequence/16].
# RUN: ingotc %t/bert_layer.onnx --dim batch=1:8 --dim sequence=16:512 --dim-multiple sequence=16 --emit=mlir | FileCheck %s --check-prefix=STEP16
# STEP16: ingot.softmax {{.*}}ingot.sizes = "[batch, 4, 16 * sequence/16, 16 * sequence/16]"
# RUN: not ingotc %t/bert_layer.onnx --dim batch=4 --dim batch=1:8 --emit=mlir 2>&1 | FileCheck %s --check-prefix=TWICE
# TWICE: error: --dim batch is given more than once
# RUN: not ingotc %t/bert_layer.onnx --dim batch=1:8 --dim width=1:8 --emit=mlir 2>&1 | FileCheck %s --check-prefix=UNUSED
# UNUSED: error: --dim width=1:8 names no dimension of the model's inputs
# RUN: not ingotc %t/bert_layer.onnx --dim batch=1:8 --emit=mlir 2>&1 | FileCheck %s --check-prefix=NORANGE
# NORANGE: error: input 'input_ids' dimension 1 is dynamic but names no range (its name is 'sequence'); give it one (ingotc --dim NAME=MIN:MAX) or a size
# RUN: not ingotc %t/fixed.onnx --input-shape x:Nx4 --emit=mlir 2>&1 | FileCheck %s --check-prefix=NODIM
# NODIM: error: input 'x': dimension 0 is named 'N', which has no --dim N=MIN:MAX (a range) or --dim N=VALUE
# RUN: not ingotc %t/fixed.onnx --input-shape x:Nx4 --dim N=1:8 --emit=mlir 2>&1 | FileCheck %s --check-prefix=FIXEDDIM
# FIXEDDIM: error: input 'x' is declared [3,4]; dimension 0 cannot range over N
# A name in --input-shape with one size is that size.
# RUN: ingotc %t/fixed.onnx --input-shape x:Nx4 --dim N=3 --emit=mlir | FileCheck %s --check-prefix=NAMEDSIZE
# NAMEDSIZE: func.func @main(%arg0: tensor<3x4xf32>
# A model that fixes the batch in a reshape cannot range over it.
# RUN: not ingotc %t/fixed_reshape.onnx --dim N=1:8 --emit=mlir 2>&1 | FileCheck %s --check-prefix=FIXEDRESHAPE
# FIXEDRESHAPE: error: node 'Reshape#0': reshape of [N, 6] to [4, 6] changes the element count for some values of the symbolic dims
import os
import sys

import numpy as np
from onnx import TensorProto, helper

from onnx_testing import const, save

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
w = lambda *shape: (rng.standard_normal(shape) * 0.1).astype(np.float32)
H, NH, MAX_POS = 64, 4, 512

nodes = [
    helper.make_node("Shape", ["input_ids"], ["ids_shape"]),
    helper.make_node("Gather", ["ids_shape", "one"], ["seq_len"], axis=0),
    helper.make_node("Unsqueeze", ["seq_len", "zero_axis"], ["seq_len_1d"]),
    helper.make_node("Slice", ["position_table", "zero_1d", "seq_len_1d", "one_axis"], ["position_ids"]),
    helper.make_node("Gather", ["word", "input_ids"], ["words"]),
    helper.make_node("Gather", ["positions", "position_ids"], ["pos"]),
    helper.make_node("Add", ["words", "pos"], ["h"]),
    helper.make_node("MatMul", ["h", "wq"], ["q"]),
    helper.make_node("MatMul", ["h", "wk"], ["k"]),
    helper.make_node("MatMul", ["h", "wv"], ["v"]),
    helper.make_node("Reshape", ["q", "heads"], ["qh"]),
    helper.make_node("Transpose", ["qh"], ["qt"], perm=[0, 2, 1, 3]),
    helper.make_node("Reshape", ["k", "heads"], ["kh"]),
    helper.make_node("Transpose", ["kh"], ["kt"], perm=[0, 2, 3, 1]),
    helper.make_node("Reshape", ["v", "heads"], ["vh"]),
    helper.make_node("Transpose", ["vh"], ["vt"], perm=[0, 2, 1, 3]),
    helper.make_node("MatMul", ["qt", "kt"], ["scores"]),
    helper.make_node("Softmax", ["scores"], ["probs"], axis=-1),
    helper.make_node("MatMul", ["probs", "vt"], ["ctx"]),
    helper.make_node("Transpose", ["ctx"], ["ctx_t"], perm=[0, 2, 1, 3]),
    helper.make_node("Shape", ["h"], ["h_shape"]),
    helper.make_node("Slice", ["h_shape", "zero_1d", "two_1d", "zero_1d"], ["batch_seq"]),
    helper.make_node("Concat", ["batch_seq", "hidden_1d"], ["merged_shape"], axis=0),
    helper.make_node("Reshape", ["ctx_t", "merged_shape"], ["merged"]),
    helper.make_node("Add", ["merged", "h"], ["y"]),
]
inits = [const("one", np.array(1, np.int64)), const("zero_axis", np.array([0], np.int64)),
         const("zero_1d", np.array([0], np.int64)), const("one_axis", np.array([1], np.int64)),
         const("two_1d", np.array([2], np.int64)), const("hidden_1d", np.array([H], np.int64)),
         const("position_table", np.arange(MAX_POS, dtype=np.int64)[None]),
         const("word", w(100, H)), const("positions", w(MAX_POS, H)),
         const("wq", w(H, H)), const("wk", w(H, H)), const("wv", w(H, H)),
         const("heads", np.array([0, 0, NH, H // NH], np.int64))]
graph = helper.make_graph(
    nodes, "bert_layer",
    [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "sequence", H])], inits)
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), out, "bert_layer.onnx")

graph = helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"])], "fixed",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 4])])
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), out, "fixed.onnx")

graph = helper.make_graph(
    [helper.make_node("Reshape", ["x", "s"], ["y"])], "fixed_reshape",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    [const("s", np.array([4, 6], np.int64))])
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), out, "fixed_reshape.onnx")

graph = helper.make_graph(
    [helper.make_node("Reshape", ["x", "flat"], ["y"])], "product",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["a", "b", "c"])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    [const("flat", np.array([-1], np.int64))])
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), out, "product.onnx")
