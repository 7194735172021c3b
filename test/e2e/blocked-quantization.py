# Blocked quantization (ONNX opset 21: a scale and zero point per block of
# `block_size` elements along one axis), end to end against onnxruntime
# without graph optimizations (the model's own semantics), on the host and
# in the CUDA plan's emulation:
# - int8 weights with a scale per block of 16 input rows, dequantized for a
#   MatMul (folded to float weights at compile time), the form weight-only
#   quantized transformer layers take;
# - a convolution's weights blocked along the input channels;
# - QuantizeLinear / DequantizeLinear with runtime scales and zero points
#   (graph inputs), blocks that do not divide the axis (10 = 4 + 4 + 2),
#   uint8 and int8.
# Tolerances: the float results rtol 1e-4 / atol 1e-5 (the same products,
# summed in another order); the quantized results exactly (atol 0).
# RUN: %python %s %t
import os
import sys

import numpy as np
from onnx import TensorProto, helper

import e2e
from onnx_testing import F32, const, model, out_dir, save, value

folder = out_dir()
rng = np.random.default_rng(21)
I8, U8 = TensorProto.INT8, TensorProto.UINT8


def positive_scales(shape):
    return (rng.uniform(0.01, 0.1, shape)).astype(np.float32)


def matmul_weights():
    k, n, block = 64, 24, 16
    nodes = [helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], axis=0,
                              block_size=block),
             helper.make_node("MatMul", ["x", "w"], ["y"])]
    inits = [const("wq", rng.integers(-128, 128, (k, n)).astype(np.int8)),
             const("ws", positive_scales((k // block, n))),
             const("wz", rng.integers(-3, 4, (k // block, n)).astype(np.int8))]
    return model(nodes, [value("x", F32, [3, k])], [value("y", F32, [3, n])], inits, opset=21), \
        None, 1e-4


def conv_weights():
    # Blocks of 4 along the 8 input channels (axis 1), no zero point.
    nodes = [helper.make_node("DequantizeLinear", ["wq", "ws"], ["w"], axis=1, block_size=4),
             helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1])]
    inits = [const("wq", rng.integers(-128, 128, (6, 8, 3, 3)).astype(np.int8)),
             const("ws", positive_scales((6, 2, 3, 3)))]
    return model(nodes, [value("x", F32, [1, 8, 5, 5])], [value("y", F32, [1, 6, 5, 5])], inits,
                 opset=21), None, 1e-4


def runtime_round_trip(elem):
    # quantize then dequantize with the same runtime blocked parameters:
    # 10 columns in blocks of 4 (the last block holds 2).
    low, high, dtype = (100, 156, np.uint8) if elem == U8 else (-20, 21, np.int8)
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], axis=1, block_size=4),
             helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"], axis=1, block_size=4)]
    m = model(nodes, [value("x", F32, [3, 10]), value("s", F32, [3, 3]), value("z", elem, [3, 3])],
              [value("q", elem, [3, 10]), value("y", F32, [3, 10])], opset=21)
    feeds = {"x": (rng.standard_normal((3, 10)) * 4).astype(np.float32),
             "s": positive_scales((3, 3)),
             "z": rng.integers(low, high, (3, 3)).astype(dtype)}
    return m, feeds, 0.0


def quantize_only():
    # QuantizeLinear without a zero point (uint8, zero 0), blocks along axis 0.
    nodes = [helper.make_node("QuantizeLinear", ["x", "s"], ["y"], axis=0, block_size=3)]
    m = model(nodes, [value("x", F32, [7, 4]), value("s", F32, [3, 4])], [value("y", U8, [7, 4])],
              opset=21)
    feeds = {"x": rng.uniform(-1, 12, (7, 4)).astype(np.float32), "s": positive_scales((3, 4))}
    return m, feeds, 0.0


cases = {"matmul_weights": matmul_weights, "conv_weights": conv_weights,
         "runtime_uint8": lambda: runtime_round_trip(U8),
         "runtime_int8": lambda: runtime_round_trip(I8), "quantize_only": quantize_only}
failed = 0
for name, build in cases.items():
    m, feeds, tolerance = build()
    work = os.path.join(folder, name)
    os.makedirs(work, exist_ok=True)
    save(m, work, "model.onnx")
    rtol, atol = (tolerance, 1e-5) if tolerance else (0.0, 0.0)
    ok, message = e2e.check(os.path.join(work, "model.onnx"), work, feeds=feeds, rtol=rtol,
                            atol=atol, cuda_target="cuda-plan", ort_optimizations=False)
    print(f"{name}: {'ok' if ok else 'FAILED'} {message}")
    failed += not ok
sys.exit(1 if failed else 0)
