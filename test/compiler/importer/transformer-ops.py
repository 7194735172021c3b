# The newer transformer operators import as decompositions into ingot ops
# (numerics: test/e2e/transformer-ops.py and the ONNX node tests).
# RUN: %python %s %t
#
# Einsum: the batch labels flattened, the contracted one last in q and
# first in k (a transpose), one matmul, and the result reshaped back.
# RUN: ingotc %t/einsum_scores.onnx --emit=import | FileCheck %s --check-prefix=EINSUM
# EINSUM: %[[KT:.*]] = ingot.transpose %arg1 {perm = array<i64: 0, 1, 3, 2>} {{.*}} -> tensor<2x3x8x7xf32>
# EINSUM: %[[Q:.*]] = ingot.reshape %arg0, {{.*}} -> tensor<6x5x8xf32>
# EINSUM: %[[K:.*]] = ingot.reshape %[[KT]], {{.*}} -> tensor<6x8x7xf32>
# EINSUM: %[[P:.*]] = ingot.matmul %[[Q]], %[[K]] {{.*}} -> tensor<6x5x7xf32>
# EINSUM: ingot.reshape %[[P]], {{.*}} -> tensor<2x3x5x7xf32>
#
# Implicit output: the letters that appear once, in alphabetical order.
# RUN: ingotc %t/einsum_implicit.onnx --emit=import | FileCheck %s --check-prefix=IMPLICIT
# IMPLICIT: func.func @main({{.*}} -> (tensor<3x5x6xf32>
# A label that only one operand has and the output lacks is summed first.
# RUN: ingotc %t/einsum_sum_first.onnx --emit=import | FileCheck %s --check-prefix=SUMFIRST
# SUMFIRST: ingot.reduce_sum %arg1 {axes = array<i64: 0>, keepdims = false} {{.*}} -> tensor<4x6xf32>
# SUMFIRST: ingot.matmul {{.*}} -> tensor<3x6xf32>
# SUMFIRST: ingot.transpose {{.*}} {perm = array<i64: 1, 0>} {{.*}} -> tensor<6x3xf32>
#
# RotaryEmbedding works in the input's layout: no transpose, the caches
# gathered at the run-time positions and broadcast over the heads.
# RUN: ingotc %t/rotary.onnx --emit=import | FileCheck %s --check-prefix=ROTARY
# ROTARY-NOT: ingot.transpose
# ROTARY: ingot.gather %{{.*}}, %arg1 {{.*}} -> tensor<2x5x4xf32>
# ROTARY: ingot.unsqueeze {{.*}} {axes = array<i64: 1>} {{.*}} -> tensor<2x1x5x4xf32>
# ROTARY: ingot.concat {{.*}} {axis = 3 : i64} {{.*}} -> tensor<2x3x5x8xf32>
# ROTARY-NOT: ingot.transpose
#
# FusedMatMul: transB as a transpose of the last two dimensions, alpha as a
# multiplication.
# RUN: ingotc %t/fused_matmul.onnx --emit=import | FileCheck %s --check-prefix=FUSED
# FUSED: ingot.transpose %arg1 {perm = array<i64: 0, 2, 1>} {{.*}} -> tensor<2x6x9xf32>
# FUSED: ingot.matmul {{.*}} -> tensor<2x4x9xf32>
# FUSED: ingot.mul {{.*}} -> tensor<2x4x9xf32>
#
# SkipLayerNormalization: the residual sum, then the fused layer norm.
# RUN: ingotc %t/skip_layer_norm.onnx --emit=import | FileCheck %s --check-prefix=SKIP
# SKIP: %[[S:.*]] = ingot.add %arg0, %arg1
# SKIP: ingot.layer_norm %[[S]], {{.*}} {epsilon = 9.99999996E-13 : f32}
#
# Unsupported forms are clear errors naming the node.
# RUN: not ingotc %t/einsum_diagonal.onnx 2>&1 | FileCheck %s --check-prefix=DIAGONAL
# DIAGONAL: error: node 'Einsum#0': Einsum: repeated labels in one term (diagonals) are not supported
# RUN: not ingotc %t/einsum_three.onnx 2>&1 | FileCheck %s --check-prefix=THREE
# THREE: error: node 'Einsum#0': Einsum: only one or two operands are supported
# RUN: not ingotc %t/einsum_broadcast.onnx 2>&1 | FileCheck %s --check-prefix=BROADCAST
# BROADCAST: error: node 'Einsum#0': Einsum: a label has size 3 and 1 (broadcasting between sizes is not supported)
# RUN: not ingotc %t/einsum_terms.onnx 2>&1 | FileCheck %s --check-prefix=TERMS
# TERMS: error: node 'Einsum#0': Einsum: a term has 3 labels for an operand of rank 2
# RUN: not ingotc %t/fused_matmul_batch.onnx 2>&1 | FileCheck %s --check-prefix=TRANSBATCH
# TRANSBATCH: error: node 'FusedMatMul#0': FusedMatMul: transBatchA and transBatchB are not supported
# RUN: not ingotc %t/rotary_odd.onnx 2>&1 | FileCheck %s --check-prefix=ODD
# ODD: error: node 'RotaryEmbedding#0': RotaryEmbedding: rotary_embedding_dim 5 must be even and at most the head size 8
# RUN: not ingotc %t/rotary_no_heads.onnx 2>&1 | FileCheck %s --check-prefix=NOHEADS
# NOHEADS: error: node 'RotaryEmbedding#0': RotaryEmbedding: 3-D input needs num_heads dividing a static hidden size
# RUN: not ingotc %t/rotary_cache.onnx 2>&1 | FileCheck %s --check-prefix=CACHE
# CACHE: error: node 'RotaryEmbedding#0': RotaryEmbedding: the cos and sin caches must be [positions, 4] (rotary_embedding_dim / 2)
# RUN: not ingotc %t/rms_stash.onnx 2>&1 | FileCheck %s --check-prefix=STASH
# STASH: error: node 'RMSNormalization#0': RMSNormalization: only stash_type=1 (float) is supported
# RUN: not ingotc %t/skip_simplified_mean.onnx 2>&1 | FileCheck %s --check-prefix=MEAN
# MEAN: error: node 'SkipSimplifiedLayerNormalization#0': SkipSimplifiedLayerNormalization: output 1 (mean) is not defined for the simplified (RMS) normalization
import numpy as np
from onnx import TensorProto, helper

from onnx_testing import F32, I64, const, out_dir, single_node_model, value

d = out_dir()
rng = np.random.default_rng(0)
MS = "com.microsoft"


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def write(name, node, inputs, outputs, inits=(), opset=23):
    single_node_model(d, name, node, inputs, outputs, inits, opset, contrib=True)


def einsum(name, equation, *shapes):
    names = "abc"[:len(shapes)]
    write(name, helper.make_node("Einsum", list(names), ["y"], equation=equation),
          [value(n, F32, s) for n, s in zip(names, shapes)], [value("y", F32, None)], opset=12)


einsum("einsum_scores", "bhqd,bhkd->bhqk", [2, 3, 5, 8], [2, 3, 7, 8])
einsum("einsum_implicit", "ij,kjl", [3, 4], [5, 4, 6])  # -> ikl
einsum("einsum_sum_first", "ij,kjl->li", [3, 4], [5, 4, 6])
einsum("einsum_diagonal", "ii->i", [3, 3])
einsum("einsum_three", "ij,jk,kl->il", [2, 3], [3, 4], [4, 5])
einsum("einsum_broadcast", "bij,bjk->bik", [3, 2, 4], [1, 4, 5])
einsum("einsum_terms", "ijk->i", [2, 3])

rotary_inputs = [value("x", F32, [2, 3, 5, 8]), value("pos", I64, [2, 5])]
angles = rng.uniform(0, 6, (16, 4)).astype(np.float32)
caches = [const("cos", np.cos(angles)), const("sin", np.sin(angles))]
write("rotary", helper.make_node("RotaryEmbedding", ["x", "cos", "sin", "pos"], ["y"]),
      rotary_inputs, [value("y", F32, None)], caches)
write("rotary_odd", helper.make_node("RotaryEmbedding", ["x", "cos", "sin", "pos"], ["y"],
                                     rotary_embedding_dim=5),
      rotary_inputs, [value("y", F32, None)], caches)
write("rotary_no_heads", helper.make_node("RotaryEmbedding", ["x", "cos", "sin", "pos"], ["y"]),
      [value("x", F32, [2, 5, 24]), value("pos", I64, [2, 5])], [value("y", F32, None)], caches)
wide = rng.uniform(0, 6, (16, 6)).astype(np.float32)
write("rotary_cache", helper.make_node("RotaryEmbedding", ["x", "cos", "sin", "pos"], ["y"]),
      rotary_inputs, [value("y", F32, None)],
      [const("cos", np.cos(wide)), const("sin", np.sin(wide))])

for name, attrs in [("fused_matmul", {"transB": 1, "alpha": 0.25}),
                    ("fused_matmul_batch", {"transBatchA": 1})]:
    write(name, helper.make_node("FusedMatMul", ["a", "b"], ["y"], domain=MS, **attrs),
          [value("a", F32, [2, 4, 6]), value("b", F32, [2, 9, 6])], [value("y", F32, None)],
          opset=17)

write("skip_layer_norm",
      helper.make_node("SkipLayerNormalization", ["x", "skip", "gamma", "beta"], ["y"],
                       domain=MS),
      [value("x", F32, [2, 3, 8]), value("skip", F32, [2, 3, 8])], [value("y", F32, None)],
      [const("gamma", f32(8)), const("beta", f32(8))], opset=17)
write("skip_simplified_mean",
      helper.make_node("SkipSimplifiedLayerNormalization", ["x", "skip", "gamma"],
                       ["y", "mean"], domain=MS),
      [value("x", F32, [2, 3, 8]), value("skip", F32, [2, 3, 8])],
      [value("y", F32, None), value("mean", F32, None)], [const("gamma", f32(8))], opset=17)
write("rms_stash", helper.make_node("RMSNormalization", ["x", "w"], ["y"], stash_type=0),
      [value("x", F32, [2, 8])], [value("y", F32, None)], [const("w", f32(8))])
