# NN operators import with their attributes; shapes are inferred at import.
# RUN: %python %s %t
# RUN: ingotc %t/cnn.onnx --emit=import | FileCheck %s --check-prefix=CNN
# RUN: ingotc %t/transformer.onnx --emit=import | FileCheck %s --check-prefix=TRANSFORMER
import numpy as np
from onnx import helper

from onnx_testing import F32, const, model, out_dir, save, value

d = out_dir()
rng = np.random.default_rng(0)

# CNN: %[[C:.*]] = ingot.conv %arg0, %{{.*}}, %{{.*}} {auto_pad = "SAME_UPPER", group = 2 : i64, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x4x15x15xf32>, tensor<8x2x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
# CNN: ingot.batch_norm %[[C]], {{.*}} {epsilon = 1.000000e-03 : f32} : {{.*}} -> tensor<1x8x8x8xf32>
# CNN: ingot.max_pool {{.*}} {ceil_mode = true, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
# CNN: ingot.average_pool {{.*}} {count_include_pad = true, kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x4x4xf32>) -> tensor<1x8x5x5xf32>
# CNN: ingot.conv_transpose {{.*}} {kernel_shape = array<i64: 2, 2>, output_padding = array<i64: 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x8x5x5xf32>, tensor<8x3x2x2xf32>) -> tensor<1x3x11x11xf32>
# CNN: ingot.global_average_pool {{.*}} -> tensor<1x3x1x1xf32>
# CNN: ingot.flatten {{.*}} -> tensor<1x3xf32>
# CNN: ingot.gemm {{.*}} {alpha = 5.000000e-01 : f32, trans_b = true} : (tensor<1x3xf32>, tensor<5x3xf32>, tensor<5xf32>) -> tensor<1x5xf32>
# CNN: ingot.log_softmax {{.*}} -> tensor<1x5xf32>
nodes = [
    helper.make_node("Conv", ["x", "w", "b"], ["c"], auto_pad="SAME_UPPER", group=2,
                     kernel_shape=[3, 3], strides=[2, 2]),
    helper.make_node("BatchNormalization", ["c", "s", "bb", "m", "v"], ["bn"], epsilon=1e-3),
    helper.make_node("MaxPool", ["bn"], ["mp"], kernel_shape=[3, 3], strides=[2, 2],
                     pads=[0, 0, 0, 0], ceil_mode=1),
    helper.make_node("AveragePool", ["mp"], ["ap"], kernel_shape=[2, 2], pads=[1, 1, 1, 1],
                     count_include_pad=1),
    helper.make_node("ConvTranspose", ["ap", "wt"], ["ct"], kernel_shape=[2, 2],
                     strides=[2, 2], output_padding=[1, 1]),
    helper.make_node("GlobalAveragePool", ["ct"], ["gap"]),
    helper.make_node("Flatten", ["gap"], ["f"]),
    helper.make_node("Gemm", ["f", "fw", "fb"], ["g"], alpha=0.5, transB=1),
    helper.make_node("LogSoftmax", ["g"], ["y"], axis=1),
]
f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
inits = [const("w", f32(8, 2, 3, 3)), const("b", f32(8)), const("s", f32(8)),
         const("bb", f32(8)), const("m", f32(8)), const("v", np.abs(f32(8)) + 0.5),
         const("wt", f32(8, 3, 2, 2)), const("fw", f32(5, 3)), const("fb", f32(5))]
save(model(nodes, [value("x", F32, [1, 4, 15, 15])], [value("y", F32, [1, 5])], inits),
     d, "cnn.onnx")

# A transformer block fragment: batched MatMul with broadcast, LayerNorm,
# Softmax, Transpose, Gather and Erf-based GELU.
# TRANSFORMER: ingot.gather %{{.*}}, %arg0 : (tensor<100x16xf32>, tensor<2x8xi64>) -> tensor<2x8x16xf32>
# TRANSFORMER: ingot.layer_norm {{.*}} {epsilon = 9.99999996E-13 : f32} : (tensor<2x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
# TRANSFORMER: ingot.matmul {{.*}} : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
# TRANSFORMER: ingot.transpose {{.*}} {perm = array<i64: 0, 2, 1>} : (tensor<2x8x16xf32>) -> tensor<2x16x8xf32>
# TRANSFORMER: ingot.matmul {{.*}} : (tensor<2x8x16xf32>, tensor<2x16x8xf32>) -> tensor<2x8x8xf32>
# TRANSFORMER: ingot.softmax {{.*}} : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
# TRANSFORMER: ingot.matmul {{.*}} : (tensor<2x8x8xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
# TRANSFORMER: ingot.erf
nodes = [
    helper.make_node("Gather", ["emb", "ids"], ["e"]),
    helper.make_node("LayerNormalization", ["e", "g", "beta"], ["ln"], epsilon=1e-12),
    helper.make_node("MatMul", ["ln", "wq"], ["q"]),
    helper.make_node("Transpose", ["q"], ["kt"], perm=[0, 2, 1]),
    helper.make_node("MatMul", ["q", "kt"], ["att"]),
    helper.make_node("Softmax", ["att"], ["p"], axis=-1),
    helper.make_node("MatMul", ["p", "q"], ["ctx"]),
    helper.make_node("Div", ["ctx", "sqrt2"], ["h"]),
    helper.make_node("Erf", ["h"], ["erf"]),
    helper.make_node("Mul", ["erf", "ctx"], ["y"]),
]
inits = [const("emb", f32(100, 16)), const("g", f32(16)), const("beta", f32(16)),
         const("wq", f32(16, 16)), const("sqrt2", np.array(1.4142135, np.float32))]
save(model(nodes, [value("ids", 7, [2, 8])], [value("y", F32, [2, 8, 16])], inits, opset=17),
     d, "transformer.onnx")
