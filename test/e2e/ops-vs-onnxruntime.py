# Every op of the dialect, compiled for the CPU and run, against onnxruntime
# on the same seeded inputs. Where nvcc is installed, each model is also
# compiled for CUDA (sm_90) and its CUDA plan run on the host with the
# kernels compiled as host C++ (test/cuda_emulation), against the same
# references. Tolerances: rtol 1e-4, atol 1e-5 (float32
# kernels, including library GEMM/convolution with a different summation
# order); integer and boolean outputs exactly (ingot-run compares them as
# numbers with the same tolerance, which for integers means equality).
# RUN: %python %s %t
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from onnx import TensorProto, helper

import e2e
from onnx_testing import const, model, out_dir, save

folder = out_dir()
rng = np.random.default_rng(3)
F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


def vi(name, t, shape):
    return helper.make_tensor_value_info(name, t, shape)


cases = []


def case(name, nodes, inputs, outputs, inits=(), opset=17, positive=False, rtol=1e-4, atol=1e-5):
    m = model(nodes, inputs, outputs, inits, opset=opset)
    path = save(m, folder, name + ".onnx", check=False)
    cases.append((name, path, positive, rtol, atol))


def unary(op, shape=(2, 3, 17), opset=17, **attrs):
    case(op.lower() + "_" + "_".join(f"{k}{v}" for k, v in attrs.items()),
         [helper.make_node(op, ["x"], ["y"], **attrs)], [vi("x", F, list(shape))],
         [vi("y", F, list(shape))], opset=opset)


for op in ["Sqrt", "Log", "Reciprocal"]:
    case(op.lower(), [helper.make_node("Abs", ["x"], ["a"]),
                      helper.make_node("Add", ["a", "one"], ["p"]),
                      helper.make_node(op, ["p"], ["y"])],
         [vi("x", F, [3, 33])], [vi("y", F, [3, 33])], [const("one", np.array(0.5, np.float32))])
for op in ["Exp", "Erf", "Tanh", "Sigmoid", "Floor", "Ceil", "Round", "Sin", "Cos", "Softplus",
           "HardSwish", "Relu", "Neg", "Abs", "Sign", "Identity"]:
    unary(op, opset=17)
unary("HardSigmoid", alpha=0.3, beta=0.4)
unary("LeakyRelu", alpha=0.07)
unary("Elu", alpha=0.8)
unary("Gelu", opset=20)
unary("Gelu", opset=20, approximate="tanh")
unary("Dropout")

for op in ["Add", "Sub", "Mul", "Div", "Max", "Min"]:
    case("bcast_" + op.lower(), [helper.make_node(op, ["a", "b"], ["y"])],
         [vi("a", F, [2, 3, 8]), vi("b", F, [3, 1])], [vi("y", F, [2, 3, 8])])
case("pow", [helper.make_node("Abs", ["a"], ["aa"]), helper.make_node("Pow", ["aa", "b"], ["y"])],
     [vi("a", F, [4, 5]), vi("b", F, [5])], [vi("y", F, [4, 5])])
case("int_ops", [helper.make_node("Add", ["a", "b"], ["s"]), helper.make_node("Mul", ["s", "b"], ["m"]),
                 helper.make_node("Sub", ["m", "a"], ["y"])],
     [vi("a", I64, [3, 4]), vi("b", I64, [4])], [vi("y", I64, [3, 4])])
case("compare_where", [helper.make_node("Less", ["a", "b"], ["lt"]),
                       helper.make_node("Greater", ["a", "b"], ["gt"]),
                       helper.make_node("Equal", ["a", "a"], ["eq"]),
                       helper.make_node("And", ["lt", "eq"], ["and"]),
                       helper.make_node("Or", ["gt", "and"], ["or"]),
                       helper.make_node("Not", ["or"], ["not"]),
                       helper.make_node("Where", ["not", "a", "b"], ["y"])],
     [vi("a", F, [4, 6]), vi("b", F, [6])], [vi("y", F, [4, 6])])
case("cast_chain", [helper.make_node("Mul", ["x", "k"], ["s"]),
                    helper.make_node("Cast", ["s"], ["i"], to=TensorProto.INT32),
                    helper.make_node("Cast", ["i"], ["y"], to=TensorProto.FLOAT),
                    helper.make_node("Cast", ["x"], ["b"], to=TensorProto.BOOL)],
     [vi("x", F, [5, 7])], [vi("y", F, [5, 7]), vi("b", B, [5, 7])],
     [const("k", np.array(3.7, np.float32))])
case("clip", [helper.make_node("Clip", ["x", "lo", "hi"], ["y"])], [vi("x", F, [6, 6])],
     [vi("y", F, [6, 6])], [const("lo", np.array(-0.3, np.float32)), const("hi", np.array(0.6, np.float32))])

W = lambda *s: const("w", rng.standard_normal(s).astype(np.float32) * 0.3)
case("matmul_2d", [helper.make_node("MatMul", ["x", "w"], ["y"])], [vi("x", F, [7, 33])],
     [vi("y", F, [7, 19])], [W(33, 19)])
case("matmul_batched_bcast", [helper.make_node("MatMul", ["a", "b"], ["y"])],
     [vi("a", F, [2, 1, 5, 6]), vi("b", F, [3, 6, 4])], [vi("y", F, [2, 3, 5, 4])])
case("matmul_vector", [helper.make_node("MatMul", ["a", "b"], ["y"])],
     [vi("a", F, [6]), vi("b", F, [2, 6, 3])], [vi("y", F, [2, 3])])
case("gemm_trans_bias", [helper.make_node("Gemm", ["a", "w", "c"], ["y"], alpha=0.5, beta=2.0, transA=1, transB=1)],
     [vi("a", F, [8, 5]), vi("c", F, [1, 9])], [vi("y", F, [5, 9])], [W(9, 8)])
case("gemm_relu", [helper.make_node("Gemm", ["a", "w"], ["g"]), helper.make_node("Relu", ["g"], ["y"])],
     [vi("a", F, [4, 10])], [vi("y", F, [4, 6])], [W(10, 6)])
# Few rows by constant weights: the host GEMM packs the weights once and
# splits their panels across the two threads (200 columns: 3 panels of 64
# and one of 8 on AVX-512), B plain and transposed; A transposed takes
# Eigen's kernel, its columns split in blocks of 16.
case("matmul_few_rows_columns_split", [helper.make_node("MatMul", ["x", "w"], ["y"])],
     [vi("x", F, [3, 512])], [vi("y", F, [3, 200])], [W(512, 200)])
case("gemm_few_rows_packed_transposed",
     [helper.make_node("Gemm", ["a", "w", "c"], ["y"], alpha=0.5, beta=2.0, transB=1)],
     [vi("a", F, [7, 512]), vi("c", F, [1, 200])], [vi("y", F, [7, 200])], [W(200, 512)])
case("gemm_few_rows_columns_split",
     [helper.make_node("Gemm", ["a", "w", "c"], ["y"], alpha=0.5, beta=2.0, transA=1, transB=1)],
     [vi("a", F, [512, 3]), vi("c", F, [1, 200])], [vi("y", F, [3, 200])], [W(200, 512)])


# Float attributes reach generated code as exact literals (issue #8's
# literal bug: std::to_string printed Gemm's alpha 0.0441941738 as 0.044194
# and LayerNormalization's epsilon 1e-12 as 0.000000f). Operands are made
# positive so no cancellation hides a relative error of 4e-6 under the
# tight tolerance; the first case is dominated by alpha*A*B, the second by
# beta*C (the CUDA epilogue kernel's literal).
lit_rng = np.random.default_rng(11)  # its own stream: the cases below keep theirs
pos = lambda *shape: const("w", np.abs(lit_rng.standard_normal(shape)).astype(np.float32) + 0.5)
for name, w_scale, c_scale in [("gemm_alpha_literal", 1.0, 1e-3), ("gemm_beta_literal", 1e-3, 1.0)]:
    case(name, [helper.make_node("Abs", ["x"], ["ax"]), helper.make_node("Add", ["ax", "half"], ["a"]),
                helper.make_node("Mul", ["w", "ws"], ["wsc"]),
                helper.make_node("Gemm", ["a", "wsc", "c"], ["y"], alpha=0.0441941738, beta=0.0441941738)],
         [vi("x", F, [4, 8])], [vi("y", F, [4, 6])],
         [pos(8, 6), const("ws", np.array(w_scale, np.float32)), const("half", np.array(0.5, np.float32)),
          const("c", (np.abs(lit_rng.standard_normal(6)) + 0.5).astype(np.float32) * np.float32(c_scale))],
         rtol=2e-6, atol=0)
# Rows of equal values (multiples of 1/4, so every sum is exact): the
# variance is exactly 0 and epsilon alone keeps 1/sqrt(var + eps) finite;
# with epsilon printed as 0 the output was NaN.
case("layer_norm_eps_1e-12", [helper.make_node("Mul", ["x", "four"], ["x4"]),
                              helper.make_node("Round", ["x4"], ["r"]),
                              helper.make_node("Div", ["r", "four"], ["q"]),
                              helper.make_node("Expand", ["q", "row"], ["rows"]),
                              helper.make_node("LayerNormalization", ["rows", "g", "b"], ["y"],
                                               axis=-1, epsilon=1e-12)],
     [vi("x", F, [3, 1])], [vi("y", F, [3, 16])],
     [const("four", np.array(4.0, np.float32)), const("row", np.array([3, 16], np.int64)),
      const("g", lit_rng.standard_normal(16).astype(np.float32)),
      const("b", lit_rng.standard_normal(16).astype(np.float32))])


def conv(name, x, w, attrs, op="Conv", bias=None, epilogue=None):
    inputs = ["x", "w"] + (["b"] if bias else [])
    inits = [W(*w)] + ([const("b", rng.standard_normal(bias).astype(np.float32))] if bias else [])
    nodes = [helper.make_node(op, inputs, ["c" if epilogue else "y"], **attrs)]
    if epilogue:
        nodes.append(helper.make_node(epilogue, ["c"], ["y"]))
    case(name, nodes, [vi("x", F, x)], [vi("y", F, None)], inits)


conv("conv_basic", [1, 3, 9, 9], [4, 3, 3, 3], {"pads": [1, 1, 1, 1]}, bias=[4], epilogue="Relu")
conv("conv_stride_dilation", [2, 4, 13, 11], [6, 4, 3, 2], {"strides": [2, 1], "dilations": [2, 1]})
conv("conv_groups", [1, 6, 8, 8], [9, 2, 3, 3], {"group": 3, "pads": [0, 1, 2, 1]}, bias=[9])
conv("conv_depthwise", [1, 8, 10, 10], [8, 1, 3, 3], {"group": 8, "pads": [1, 1, 1, 1], "strides": [2, 2]},
     bias=[8], epilogue="HardSwish")
# K = taps x channels <= 64 with 8/16/24/32 output channels: the direct
# channels-last kernel (--layout nhwc), batch 2, strided, dilated, asymmetric.
conv("conv_direct_rgb", [2, 3, 12, 11], [16, 3, 3, 3], {"pads": [1, 1, 0, 1], "strides": [2, 2]},
     bias=[16], epilogue="Relu")
conv("conv_direct_dilated", [1, 4, 9, 10], [8, 4, 3, 3], {"pads": [2, 0, 1, 1], "dilations": [2, 1]})
conv("conv_pointwise", [1, 16, 7, 7], [8, 16, 1, 1], {}, bias=[8], epilogue="Sigmoid")
conv("conv_same_upper", [1, 2, 7, 6], [3, 2, 3, 3], {"auto_pad": "SAME_UPPER", "strides": [2, 2]})
conv("conv_1d", [2, 3, 20], [5, 3, 4], {"pads": [2, 1], "strides": [3]})
conv("conv_3d", [1, 2, 5, 6, 7], [3, 2, 2, 3, 3], {"pads": [1, 0, 1, 1, 0, 1]})
conv("conv_transpose", [1, 4, 5, 5], [4, 3, 3, 3], {"strides": [2, 2], "pads": [1, 1, 1, 1],
                                                    "output_padding": [1, 1]}, op="ConvTranspose", bias=[3])
conv("conv_transpose_groups", [1, 4, 4, 6], [4, 2, 2, 2], {"strides": [2, 2], "group": 2}, op="ConvTranspose")
case("batch_norm", [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-3)],
     [vi("x", F, [2, 3, 4, 5])], [vi("y", F, [2, 3, 4, 5])],
     [const("s", rng.standard_normal(3).astype(np.float32)), const("b", rng.standard_normal(3).astype(np.float32)),
      const("m", rng.standard_normal(3).astype(np.float32)), const("v", rng.random(3).astype(np.float32) + 0.5)])
for name, op, attrs in [
        ("maxpool_ceil", "MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
        ("maxpool_pads_dil", "MaxPool", {"kernel_shape": [2, 3], "pads": [1, 1, 0, 1], "dilations": [2, 1]}),
        ("avgpool_exclude", "AveragePool", {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 2]}),
        ("avgpool_include", "AveragePool", {"kernel_shape": [3, 2], "pads": [1, 0, 1, 1], "count_include_pad": 1}),
        ("avgpool_same_ceil", "AveragePool", {"kernel_shape": [2, 2], "auto_pad": "SAME_UPPER", "strides": [2, 2]})]:
    case(name, [helper.make_node(op, ["x"], ["y"], **attrs)], [vi("x", F, [1, 2, 9, 8])], [vi("y", F, None)])
case("global_pools", [helper.make_node("GlobalAveragePool", ["x"], ["a"]),
                      helper.make_node("GlobalMaxPool", ["x"], ["m"]),
                      helper.make_node("Add", ["a", "m"], ["y"])],
     [vi("x", F, [2, 5, 6, 7])], [vi("y", F, [2, 5, 1, 1])])
for name, attrs, scales, sizes in [
        ("resize_nearest", {"mode": "nearest"}, [1, 1, 2, 2], None),
        ("resize_nearest_asym_floor", {"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
                                       "nearest_mode": "floor"}, [1, 1, 1.5, 0.5], None),
        ("resize_linear", {"mode": "linear"}, [1, 1, 2.0, 1.5], None),
        ("resize_linear_align", {"mode": "linear", "coordinate_transformation_mode": "align_corners"}, None,
         [1, 2, 9, 5]),
        ("resize_linear_pytorch", {"mode": "linear", "coordinate_transformation_mode": "pytorch_half_pixel"},
         None, [1, 2, 3, 12]),
        ("resize_cubic", {"mode": "cubic"}, [1, 1, 1.7, 2.0], None),
        ("resize_cubic_exclude", {"mode": "cubic", "exclude_outside": 1, "cubic_coeff_a": -0.5}, None,
         [1, 2, 5, 4])]:
    ins = ["x", "", "scales"] if scales else ["x", "", "", "sizes"]
    inits = [const("scales", np.array(scales, np.float32))] if scales else \
        [const("sizes", np.array(sizes, np.int64))]
    case(name, [helper.make_node("Resize", ins, ["y"], **attrs)], [vi("x", F, [1, 2, 6, 8])],
         [vi("y", F, None)], inits)
case("softmax_axis1", [helper.make_node("Softmax", ["x"], ["y"], axis=1)], [vi("x", F, [2, 7, 3])],
     [vi("y", F, [2, 7, 3])])
case("softmax_opset11", [helper.make_node("Softmax", ["x"], ["y"], axis=1)], [vi("x", F, [2, 3, 4])],
     [vi("y", F, [2, 3, 4])], opset=11)
case("log_softmax", [helper.make_node("LogSoftmax", ["x"], ["y"], axis=-1)], [vi("x", F, [3, 40])],
     [vi("y", F, [3, 40])])
case("layer_norm", [helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"], axis=-2, epsilon=1e-4)],
     [vi("x", F, [2, 3, 4, 6])], [vi("y", F, None)],
     [const("g", rng.standard_normal((4, 6)).astype(np.float32)), const("b", rng.standard_normal(6).astype(np.float32))])
for op in ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd"]:
    case(op.lower(), [helper.make_node(op, ["x"], ["y"], axes=[0, 2], keepdims=0)],
         [vi("x", F, [3, 4, 5])], [vi("y", F, None)], opset=12)
case("reduce_all_keep", [helper.make_node("ReduceSum", ["x"], ["y"])], [vi("x", F, [3, 4])],
     [vi("y", F, None)], opset=12)

case("reshape_transpose", [helper.make_node("Reshape", ["x", "s"], ["r"]),
                           helper.make_node("Transpose", ["r"], ["t"], perm=[2, 0, 1]),
                           helper.make_node("Relu", ["t"], ["y"])],
     [vi("x", F, [4, 6, 5])], [vi("y", F, None)], [const("s", np.array([2, 12, -1], np.int64))])
case("flatten_squeeze", [helper.make_node("Flatten", ["x"], ["f"], axis=2),
                         helper.make_node("Unsqueeze", ["f", "ax"], ["u"]),
                         helper.make_node("Squeeze", ["u", "ax"], ["y"])],
     [vi("x", F, [2, 3, 4, 5])], [vi("y", F, None)], [const("ax", np.array([1], np.int64))])
case("concat_slice", [helper.make_node("Concat", ["a", "b"], ["c"], axis=1),
                      helper.make_node("Slice", ["c", "st", "en", "ax", "sp"], ["y"])],
     [vi("a", F, [3, 4, 5]), vi("b", F, [3, 2, 5])], [vi("y", F, None)],
     [const("st", np.array([5, -1], np.int64)), const("en", np.array([-100, 0], np.int64)),
      const("ax", np.array([1, 2], np.int64)), const("sp", np.array([-2, -1], np.int64))])
case("split", [helper.make_node("Split", ["x", "sp"], ["a", "b", "c"], axis=1),
               helper.make_node("Add", ["a", "c"], ["y"]), helper.make_node("Neg", ["b"], ["z"])],
     [vi("x", F, [2, 7])], [vi("y", F, None), vi("z", F, None)], [const("sp", np.array([2, 3, 2], np.int64))])
case("gather", [helper.make_node("Gather", ["x", "i"], ["y"], axis=1)], [vi("x", F, [3, 5, 4])],
     [vi("y", F, None)], [const("i", np.array([[4, -1], [0, 2]], np.int64))])
case("gather_runtime_indices", [helper.make_node("Gather", ["emb", "ids"], ["y"])],
     [vi("ids", I64, [2, 3])], [vi("y", F, None)], [const("emb", rng.standard_normal((4, 6)).astype(np.float32))])
case("expand_tile", [helper.make_node("Expand", ["x", "s"], ["e"]),
                     helper.make_node("Tile", ["e", "r"], ["y"])],
     [vi("x", F, [3, 1])], [vi("y", F, None)],
     [const("s", np.array([2, 3, 4], np.int64)), const("r", np.array([1, 2, 1], np.int64))])
for mode in ["constant", "reflect", "edge"]:
    case("pad_" + mode, [helper.make_node("Pad", ["x", "p", "v"] if mode == "constant" else ["x", "p"], ["y"],
                                          mode=mode)],
         [vi("x", F, [2, 4, 5])], [vi("y", F, None)],
         [const("p", np.array([0, 2, 1, 1, 3, 2], np.int64))] +
         ([const("v", np.array(1.5, np.float32))] if mode == "constant" else []))
case("shape_ops", [helper.make_node("Shape", ["x"], ["s"]),
                   helper.make_node("ConstantOfShape", ["s"], ["z"],
                                    value=helper.make_tensor("v", F, [1], [2.0])),
                   helper.make_node("Range", ["zero", "n", "one"], ["r"]),
                   helper.make_node("Cast", ["r"], ["rf"], to=TensorProto.FLOAT),
                   helper.make_node("Mul", ["z", "rf"], ["zr"]),
                   helper.make_node("Add", ["x", "zr"], ["y"])],
     [vi("x", F, [3, 4])], [vi("y", F, None)],
     [const("zero", np.array(0, np.int64)), const("n", np.array(4, np.int64)),
      const("one", np.array(1, np.int64))])

# Composite blocks as exporters write them.
# A ResNet basic block: conv-bn-relu, conv-bn, residual add, relu, pooling
# and a classifier head on a flattened global average.
rb = lambda n, c: [const(n + "_s", rng.random(c).astype(np.float32) + 0.5),
                   const(n + "_b", rng.standard_normal(c).astype(np.float32) * 0.1),
                   const(n + "_m", rng.standard_normal(c).astype(np.float32) * 0.1),
                   const(n + "_v", rng.random(c).astype(np.float32) + 0.5)]
case("resnet_block",
     [helper.make_node("Conv", ["x", "w1"], ["c1"], pads=[1, 1, 1, 1]),
      helper.make_node("BatchNormalization", ["c1", "bn1_s", "bn1_b", "bn1_m", "bn1_v"], ["b1"]),
      helper.make_node("Relu", ["b1"], ["r1"]),
      helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1]),
      helper.make_node("BatchNormalization", ["c2", "bn2_s", "bn2_b", "bn2_m", "bn2_v"], ["b2"]),
      helper.make_node("Add", ["b2", "x"], ["res"]),
      helper.make_node("Relu", ["res"], ["r2"]),
      helper.make_node("MaxPool", ["r2"], ["p"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
      helper.make_node("GlobalAveragePool", ["p"], ["g"]),
      helper.make_node("Flatten", ["g"], ["f"]),
      helper.make_node("Gemm", ["f", "fc", "fcb"], ["y"], transB=1)],
     [vi("x", F, [2, 16, 14, 14])], [vi("y", F, [2, 10])],
     [const("w1", rng.standard_normal((16, 16, 3, 3)).astype(np.float32) * 0.1),
      const("w2", rng.standard_normal((16, 16, 3, 3)).astype(np.float32) * 0.1),
      const("fc", rng.standard_normal((10, 16)).astype(np.float32)),
      const("fcb", rng.standard_normal(10).astype(np.float32))] + rb("bn1", 16) + rb("bn2", 16))
# Row-wise reductions with an elementwise epilogue, applied as each row is
# stored: softmax with transformers' NaN guard, layer norm with GELU.
case("softmax_nan_guard",
     [helper.make_node("Softmax", ["x"], ["s"], axis=-1),
      helper.make_node("IsNaN", ["s"], ["nan"]),
      helper.make_node("Where", ["nan", "zero", "s"], ["g"]),
      helper.make_node("Mul", ["g", "two"], ["y"])],
     [vi("x", F, [3, 4, 37])], [vi("y", F, [3, 4, 37])],
     [const("zero", np.array(0.0, np.float32)), const("two", np.array(2.0, np.float32))])
case("layer_norm_gelu",
     [helper.make_node("LayerNormalization", ["x", "lg", "lb"], ["n"], axis=-1),
      helper.make_node("Gelu", ["n"], ["y"])],
     [vi("x", F, [5, 48])], [vi("y", F, [5, 48])],
     [const("lg", rng.standard_normal(48).astype(np.float32)),
      const("lb", rng.standard_normal(48).astype(np.float32))], opset=20)
# A ResNet bottleneck with a projection shortcut (regression: two
# convolutions feeding one add crashed the fusion pass): 1x1 / 3x3 stride 2 /
# 1x1 convolutions with batch norm, a strided 1x1 projection of the input,
# the residual add and ReLU. On the GPU the add and ReLU join the first
# convolution's cuDNN epilogue with the other's result as the residual.
case("resnet_bottleneck_projection",
     [helper.make_node("Conv", ["x", "pw1"], ["q1"]),
      helper.make_node("BatchNormalization", ["q1", "pb1_s", "pb1_b", "pb1_m", "pb1_v"], ["n1"]),
      helper.make_node("Relu", ["n1"], ["a1"]),
      helper.make_node("Conv", ["a1", "pw2"], ["q2"], pads=[1, 1, 1, 1], strides=[2, 2]),
      helper.make_node("BatchNormalization", ["q2", "pb2_s", "pb2_b", "pb2_m", "pb2_v"], ["n2"]),
      helper.make_node("Relu", ["n2"], ["a2"]),
      helper.make_node("Conv", ["a2", "pw3"], ["q3"]),
      helper.make_node("BatchNormalization", ["q3", "pb3_s", "pb3_b", "pb3_m", "pb3_v"], ["n3"]),
      helper.make_node("Conv", ["x", "pwd"], ["qd"], strides=[2, 2]),
      helper.make_node("BatchNormalization", ["qd", "pbd_s", "pbd_b", "pbd_m", "pbd_v"], ["nd"]),
      helper.make_node("Add", ["n3", "nd"], ["sum"]),
      helper.make_node("Relu", ["sum"], ["y"])],
     [vi("x", F, [2, 16, 10, 10])], [vi("y", F, [2, 32, 5, 5])],
     [const("pw1", rng.standard_normal((8, 16, 1, 1)).astype(np.float32) * 0.2),
      const("pw2", rng.standard_normal((8, 8, 3, 3)).astype(np.float32) * 0.2),
      const("pw3", rng.standard_normal((32, 8, 1, 1)).astype(np.float32) * 0.2),
      const("pwd", rng.standard_normal((32, 16, 1, 1)).astype(np.float32) * 0.2)]
     + rb("pb1", 8) + rb("pb2", 8) + rb("pb3", 32) + rb("pbd", 32))
# A BERT-style encoder layer: embeddings, attention with a padding mask built
# from the input ids, decomposed layer norm and erf GELU.
H, S, NH = 16, 8, 2
wq = lambda n, *sh: const(n, (rng.standard_normal(sh) * 0.2).astype(np.float32))
case("bert_layer",
     [helper.make_node("Gather", ["emb", "ids"], ["e"]),
      helper.make_node("LayerNormalization", ["e", "ln_g", "ln_b"], ["h"], axis=-1, epsilon=1e-12),
      helper.make_node("MatMul", ["h", "wq"], ["q0"]), helper.make_node("Add", ["q0", "bq"], ["q"]),
      helper.make_node("MatMul", ["h", "wk"], ["k"]), helper.make_node("MatMul", ["h", "wv"], ["v"]),
      helper.make_node("Reshape", ["q", "heads"], ["qh"]),
      helper.make_node("Transpose", ["qh"], ["qt"], perm=[0, 2, 1, 3]),
      helper.make_node("Reshape", ["k", "heads"], ["kh"]),
      helper.make_node("Transpose", ["kh"], ["kt"], perm=[0, 2, 3, 1]),
      helper.make_node("Reshape", ["v", "heads"], ["vh"]),
      helper.make_node("Transpose", ["vh"], ["vt"], perm=[0, 2, 1, 3]),
      helper.make_node("MatMul", ["qt", "kt"], ["sc"]), helper.make_node("Div", ["sc", "sqrt_d"], ["scs"]),
      helper.make_node("Equal", ["ids", "zero"], ["pad"]),
      helper.make_node("Unsqueeze", ["pad", "ax12"], ["pad4"]),
      helper.make_node("Where", ["pad4", "neg", "scs"], ["masked"]),
      helper.make_node("Softmax", ["masked"], ["pr"], axis=-1),
      helper.make_node("MatMul", ["pr", "vt"], ["ctx"]),
      helper.make_node("Transpose", ["ctx"], ["ctxt"], perm=[0, 2, 1, 3]),
      helper.make_node("Reshape", ["ctxt", "merge"], ["att"]),
      helper.make_node("Add", ["att", "h"], ["h2"]),
      helper.make_node("ReduceMean", ["h2"], ["mu"], axes=[-1]),
      helper.make_node("Sub", ["h2", "mu"], ["dev"]),
      helper.make_node("Pow", ["dev", "two"], ["sq"]),
      helper.make_node("ReduceMean", ["sq"], ["var"], axes=[-1]),
      helper.make_node("Add", ["var", "eps"], ["ve"]), helper.make_node("Sqrt", ["ve"], ["sd"]),
      helper.make_node("Div", ["dev", "sd"], ["n"]),
      helper.make_node("MatMul", ["n", "w1"], ["f1"]),
      helper.make_node("Div", ["f1", "sqrt2"], ["f1s"]), helper.make_node("Erf", ["f1s"], ["er"]),
      helper.make_node("Add", ["er", "one"], ["er1"]), helper.make_node("Mul", ["f1", "er1"], ["g0"]),
      helper.make_node("Mul", ["g0", "half"], ["gelu"]),
      helper.make_node("MatMul", ["gelu", "w2"], ["y"])],
     [vi("ids", I64, [2, S])], [vi("y", F, [2, S, H])],
     [wq("emb", 4, H), wq("ln_g", H), wq("ln_b", H), wq("wq", H, H), wq("bq", H), wq("wk", H, H),
      wq("wv", H, H), wq("w1", H, 4 * H), wq("w2", 4 * H, H),
      const("heads", np.array([0, 0, NH, H // NH], np.int64)), const("merge", np.array([0, 0, H], np.int64)),
      const("sqrt_d", np.array(np.sqrt(H // NH), np.float32)), const("zero", np.array(0, np.int64)),
      const("ax12", np.array([1, 2], np.int64)), const("neg", np.array(-1e4, np.float32)),
      const("two", np.array(2.0, np.float32)), const("eps", np.array(1e-5, np.float32)),
      const("sqrt2", np.array(np.sqrt(2.0), np.float32)), const("one", np.array(1.0, np.float32)),
      const("half", np.array(0.5, np.float32))], opset=17)


# --precision fp16|bf16 runs every case at that precision (tolerances from
# e2e.precision_tolerance, inputs rounded to the type). nvcc is most of a
# case's time, so every run checks the CUDA plan and kernels through the
# emulation without building a fatbin per case, and the FP32 run then
# compiles all cases' CUDA kernels with nvcc in one translation unit for
# sm_90 (each case's symbols renamed apart): every
# kernel still goes through nvcc and ptxas, for one parse of the CUDA
# headers instead of ninety (the model tests and
# test/compiler/precision-cli.py build fatbins through ingotc for sm_80
# and sm_90, FP16/BF16 included).
# --layout nhwc compiles every case channels-last (ingotc --layout), the CUDA
# plan checked through the emulation as for FP16/BF16.
precision = sys.argv[sys.argv.index("--precision") + 1] if "--precision" in sys.argv else "fp32"
layout = sys.argv[sys.argv.index("--layout") + 1] if "--layout" in sys.argv else "auto"
cuda_target = "cuda-plan"
batch_nvcc = precision == "fp32" and layout == "auto"
layout_args = [] if layout == "auto" else ["--layout", layout]


def run(c):
    name, path, positive, rtol, atol = c
    ok, message = e2e.check(path, os.path.join(folder, name + "_" + precision + "_" + layout),
                            rtol=rtol, atol=atol, precision=precision, cuda_target=cuda_target,
                            compile_args=layout_args)
    return name, ok, message


# INGOT_E2E_CASES=regex runs only the matching cases (while iterating).
only = os.environ.get("INGOT_E2E_CASES")
if only:
    cases = [c for c in cases if re.search(only, c[0])]
with ThreadPoolExecutor(max_workers=2) as pool:
    results = list(pool.map(run, cases))
failed = [(n, m) for n, ok, m in results if not ok]


def compile_all_with_nvcc(names):
    """All cases' CUDA kernels (ingotc --emit=cuda) through nvcc as one
    translation unit: the shared preamble once, then each case's kernels and
    constants, renamed apart."""
    nvcc = os.environ.get("INGOT_NVCC")
    if not nvcc or os.path.basename(nvcc) == os.path.basename(e2e.PLAN_ONLY_NVCC):
        return True, "nvcc not available: the kernels were checked through the emulation only"
    emulator = os.environ.get("INGOT_CUDA_EMULATOR")
    if not emulator or not os.path.exists(emulator):
        return True, "no CUDA emulator built: the CUDA kernels were not generated"
    preamble, bodies = None, []
    for i, name in enumerate(names):
        source = os.path.join(folder, name + "_" + precision + "_" + layout, "kernels.cu")
        if not os.path.exists(source):
            return False, f"{name}: no kernels.cu to compile"
        text = open(source).read()
        marker = "} // namespace\n"  # the end of the preamble's block reductions
        head, _, body = text.partition(marker)
        if preamble is None:
            preamble = head + marker
        elif head + marker != preamble:
            return False, f"{name}: its preamble differs from the first case's"
        # Kernels (ingot_rN, ingot_rN_buffers) and region constants (rN_cK)
        # are the only names a case defines.
        body = re.sub(r"\b(r\d+_c\d+)\b", f"case{i}_\\1", body)
        bodies.append(body.replace("ingot_", f"ingot_case{i}_"))
    combined = os.path.join(folder, "all_cases.cu")
    with open(combined, "w") as f:
        f.write(preamble + "".join(bodies))
    p = subprocess.run([nvcc, "-c", "-std=c++17", "-O3", "-gencode",
                        "arch=compute_90,code=sm_90", combined, "-o", combined + ".o"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return False, "nvcc rejected the kernels:\n" + p.stderr[-4000:]
    return True, f"nvcc compiled the kernels of {len(names)} cases for sm_90"


if batch_nvcc and not only:
    ok, message = compile_all_with_nvcc([n for n, ok, _ in results if ok])
    print(message)
    if not ok:
        failed.append(("nvcc", message))
for n, m in failed:
    print(f"FAIL {n}: {m}")
print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
