# Quantization operators import as ingot.quantize_linear /
# dequantize_linear, with per-axis parameters reshaped to broadcast along
# their axis, and the operator forms written with them: the shifted
# integers (dequantize with scale 1) go through a float convolution or
# matmul whose exact accumulator is requantized by x_scale * w_scale and the
# output's scale and zero point.
# RUN: %python %s %t
# RUN: ingotc %t/qdq.onnx --emit=import | FileCheck %s --check-prefix=QDQ
# RUN: ingotc %t/qlinearconv.onnx --emit=import | FileCheck %s --check-prefix=QCONV
# RUN: ingotc %t/dynamic.onnx --emit=import | FileCheck %s --check-prefix=DYN
# RUN: ingotc %t/blocked.onnx --emit=import | FileCheck %s --check-prefix=BLOCKED
# RUN: ingotc %t/blocked_const.onnx --emit=fused | FileCheck %s --check-prefix=BLOCKED-CONST
# RUN: not ingotc %t/blocked_bad.onnx -o %t/blocked_bad.ingot 2>&1 | FileCheck %s --check-prefix=BLOCKED-BAD
# RUN: ingotc %t/contrib.onnx --emit=import | FileCheck %s --check-prefix=CONTRIB
# RUN: not ingotc %t/contrib_nhwc.onnx -o %t/contrib_nhwc.ingot 2>&1 | FileCheck %s --check-prefix=NHWC
import numpy as np
from onnx import TensorProto, helper

from onnx_testing import F32, const, model, out_dir, save, value

d = out_dir()

# Per-tensor activations (uint8 by default), per-axis weights along axis 0.
# QDQ: %[[Q:.*]] = ingot.quantize_linear %arg0, %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x3xui8>
# QDQ: ingot.dequantize_linear %[[Q]], {{.*}} -> tensor<2x3xf32>
# QDQ: %[[S:.*]] = ingot.constant dense<{{\[}}[1.000000e-01], [2.000000e-01], [3.000000e-01], [4.000000e-01]]> : tensor<4x1xf32>
# QDQ: %[[Z:.*]] = ingot.constant dense<{{\[}}[0], [1], [-1], [2]]> : tensor<4x1xi8>
# QDQ: ingot.dequantize_linear %{{.*}}, %[[S]], %[[Z]] : (tensor<4x3xi8>, tensor<4x1xf32>, tensor<4x1xi8>) -> tensor<4x3xf32>
nodes = [
    helper.make_node("QuantizeLinear", ["x", "xs"], ["xq"]),
    helper.make_node("DequantizeLinear", ["xq", "xs"], ["xd"]),
    helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], axis=0),
    helper.make_node("Gemm", ["xd", "w"], ["y"], transB=1),
]
inits = [const("xs", np.array(0.05, np.float32)),
         const("wq", np.arange(12, dtype=np.int8).reshape(4, 3)),
         const("ws", np.array([0.1, 0.2, 0.3, 0.4], np.float32)),
         const("wz", np.array([0, 1, -1, 2], np.int8))]
save(model(nodes, [value("x", F32, [2, 3])], [value("y", F32, [2, 4])], inits), d, "qdq.onnx")

# The weights' per-channel zero points broadcast along dim 0; x_scale *
# w_scale folds to one per-channel constant.
# QCONV: %[[X:.*]] = ingot.dequantize_linear %arg0, {{.*}} : (tensor<1x2x5x5xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x5x5xf32>
# QCONV: ingot.dequantize_linear {{.*}} : (tensor<3x2x3x3xi8>, tensor<f32>, tensor<3x1x1x1xi8>) -> tensor<3x2x3x3xf32>
# QCONV: %[[B:.*]] = ingot.dequantize_linear {{.*}} : (tensor<3xi32>, tensor<f32>, tensor<i32>) -> tensor<3xf32>
# QCONV: %[[ACC:.*]] = ingot.conv %[[X]], %{{.*}}, %[[B]] {{.*}} -> tensor<1x3x5x5xf32>
# QCONV: %[[R:.*]] = ingot.mul %[[ACC]], %{{.*}} : (tensor<1x3x5x5xf32>, tensor<1x3x1x1xf32>) -> tensor<1x3x5x5xf32>
# QCONV: ingot.quantize_linear %[[R]], {{.*}} -> tensor<1x3x5x5xui8>
U8 = TensorProto.UINT8
nodes = [helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"],
                          ["y"], pads=[1, 1, 1, 1])]
inits = [const("xs", np.array(0.02, np.float32)), const("xz", np.array(128, np.uint8)),
         const("w", np.ones((3, 2, 3, 3), np.int8)),
         const("ws", np.array([0.01, 0.02, 0.03], np.float32)),
         const("wz", np.zeros(3, np.int8)),
         const("ys", np.array(0.1, np.float32)), const("yz", np.array(10, np.uint8)),
         const("b", np.array([5, -5, 0], np.int32))]
save(model(nodes, [value("x", U8, [1, 2, 5, 5])], [value("y", U8, [1, 3, 5, 5])], inits, opset=13),
     d, "qlinearconv.onnx")

# DYN: ingot.reduce_min %arg0 {keepdims = false}
# DYN: ingot.reduce_max %arg0 {keepdims = false}
# DYN: %[[ZP:.*]] = ingot.quantize_linear {{.*}} : (tensor<f32>, tensor<f32>, tensor<ui8>) -> tensor<ui8>
# DYN: ingot.quantize_linear %arg0, %{{.*}}, %[[ZP]] : (tensor<6xf32>, tensor<f32>, tensor<ui8>) -> tensor<6xui8>
nodes = [helper.make_node("DynamicQuantizeLinear", ["x"], ["y", "ys", "yz"])]
save(model(nodes, [value("x", F32, [6])],
           [value("y", U8, [6]), value("ys", F32, []), value("yz", U8, [])]), d, "dynamic.onnx")

# Blocked parameters (opset 21): a scale per 2 elements along axis 1 of a
# 2x5 input (ceil(5 / 2) = 3 blocks, the last one short) gathered to the
# input's size by element i / 2.
# BLOCKED: %[[I:.*]] = ingot.constant dense<[0, 0, 1, 1, 2]> : tensor<5xi64>
# BLOCKED: %[[S:.*]] = ingot.gather %arg1, %[[I]] {axis = 1 : i64} : (tensor<2x3xf32>, tensor<5xi64>) -> tensor<2x5xf32>
# BLOCKED: %[[Z:.*]] = ingot.gather %arg2, %{{.*}} {axis = 1 : i64} : (tensor<2x3xui8>, tensor<5xi64>) -> tensor<2x5xui8>
# BLOCKED: ingot.quantize_linear %arg0, %[[S]], %[[Z]] : (tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xui8>) -> tensor<2x5xui8>
nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], axis=1, block_size=2)]
save(model(nodes, [value("x", F32, [2, 5]), value("s", F32, [2, 3]), value("z", U8, [2, 3])],
           [value("y", U8, [2, 5])], opset=21), d, "blocked.onnx")

# Blocked weights with constant scales fold to float weights (no dequantize
# is left by fusion): (q - 1) * s with a scale per block of 2 rows, worked by
# hand: rows 0-1 take scale 1, row 2 scale 10.
# BLOCKED-CONST: ingot.constant dense<{{\[}}[-1.000000e+00, 0.000000e+00], [1.000000e+00, 2.000000e+00], [3.000000e+01, 4.000000e+01]]> : tensor<3x2xf32>
# BLOCKED-CONST-NOT: dequantize_linear
nodes = [helper.make_node("DequantizeLinear", ["q", "s", "z"], ["w"], axis=0, block_size=2),
         helper.make_node("MatMul", ["x", "w"], ["y"])]
inits = [const("q", np.arange(6, dtype=np.int8).reshape(3, 2)),
         const("s", np.array([[1, 1], [10, 10]], np.float32)),
         const("z", np.ones((2, 2), np.int8))]
save(model(nodes, [value("x", F32, [1, 3])], [value("y", F32, [1, 2])], inits, opset=21), d,
     "blocked_const.onnx")

# BLOCKED-BAD: DequantizeLinear: blocked quantization (block_size 2, axis 1): the scale has size 3 on dim 1, expected 2
nodes = [helper.make_node("DequantizeLinear", ["q", "s"], ["y"], axis=1, block_size=2)]
inits = [const("q", np.zeros((2, 4), np.int8)), const("s", np.ones((2, 3), np.float32))]
save(model(nodes, [], [value("y", F32, [2, 4])], inits, opset=21), d, "blocked_bad.onnx",
     check=False)

# onnxruntime's com.microsoft QOperator ops: the float op between
# dequantized inputs and a quantized output.
# CONTRIB: %[[A:.*]] = ingot.dequantize_linear %arg0
# CONTRIB: %[[B:.*]] = ingot.dequantize_linear %arg1
# CONTRIB: %[[S:.*]] = ingot.add %[[A]], %[[B]]
# CONTRIB: %[[Q:.*]] = ingot.quantize_linear %[[S]], {{.*}} -> tensor<1x2x4x4xui8>
# CONTRIB: %[[D:.*]] = ingot.dequantize_linear %[[Q]]
# CONTRIB: %[[P:.*]] = ingot.global_average_pool %[[D]]
# CONTRIB: ingot.quantize_linear %[[P]], {{.*}} -> tensor<1x2x1x1xui8>
MS = "com.microsoft"
scalars = [const("s", np.array(0.1, np.float32)), const("z", np.array(3, np.uint8))]
nodes = [helper.make_node("QLinearAdd", ["a", "s", "z", "b", "s", "z", "s", "z"], ["c"], domain=MS),
         helper.make_node("QLinearGlobalAveragePool", ["c", "s", "z", "s", "z"], ["y"], domain=MS)]
m = model(nodes, [value("a", U8, [1, 2, 4, 4]), value("b", U8, [1, 2, 4, 4])],
          [value("y", U8, [1, 2, 1, 1])], scalars)
m.opset_import.append(helper.make_opsetid(MS, 1))
save(m, d, "contrib.onnx", check=False)

# NHWC: QLinearGlobalAveragePool: channels_last = 1 (NHWC input) is not supported
nodes = [helper.make_node("QLinearGlobalAveragePool", ["a", "s", "z", "s", "z"], ["y"], domain=MS,
                          channels_last=1)]
m = model(nodes, [value("a", U8, [1, 4, 4, 2])], [value("y", U8, [1, 1, 1, 2])], scalars)
m.opset_import.append(helper.make_opsetid(MS, 1))
save(m, d, "contrib_nhwc.onnx", check=False)
