# Quantized models as onnxruntime's own quantizer writes them: small FP32
# networks built here (convolution + bias + ReLU + residual add, depthwise
# convolution + global pooling, matmul and gemm chains, concat, swish, leaky
# ReLU and average pooling), quantized
# with onnxruntime.quantization.quantize_static in the QDQ format (every
# op type it quantizes; per tensor and per output channel) and in the
# QOperator format (QLinearConv, QLinearMatMul and onnxruntime's
# com.microsoft QLinear* / QGemm contrib ops), then compiled by ingotc
# for the CPU and for CUDA (the plan emulated on the host) and compared with
# onnxruntime running the same quantized model on seeded random inputs.
# QDQ models are compared with onnxruntime without graph optimizations,
# which runs the model's own semantics (quantize/dequantize around float
# ops): with them, onnxruntime fuses the QDQ groups into its integer kernels
# and, for a per-channel MatMul, lands up to 10 output steps away from the
# model's semantics (found here; Ingot matches the unoptimized run exactly).
# QOperator models are compared with onnxruntime's integer kernels.
#
# Tolerance: both compute the same integer grid, but onnxruntime requantizes
# int32 accumulators with one FP32 multiplier where Ingot multiplies the
# (exact) accumulator by scale_x * scale_w and divides by the output scale,
# so a value at a rounding tie may land one step apart. The check: every
# output within 1.01 quantization steps of the model's output scale, and at
# most 10% of the outputs off at all (a last-bit difference in a
# transcendental function, e.g. sigmoid, also moves a value sitting at a
# later quantization's rounding tie: 5 of 96 outputs in the swish model).
# RUN: %python %s %t
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime import quantization as q

import e2e
from onnx_testing import out_dir

folder = out_dir()
rng = np.random.default_rng(7)


def weight(name, shape, scale=0.2):
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def graph_model(nodes, x_shape, y_shape, inits, name):
    g = helper.make_graph(nodes, name,
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def conv_residual():
    # conv3x3+bias -> relu -> conv1x1 -> add(residual) -> relu
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"]),
        helper.make_node("Add", ["c2", "r1"], ["s"]),
        helper.make_node("Relu", ["s"], ["y"]),
    ]
    inits = [weight("w1", [16, 8, 3, 3]), weight("b1", [16], 0.1),
             weight("w2", [16, 16, 1, 1]), weight("b2", [16], 0.1)]
    return graph_model(nodes, [2, 8, 12, 12], [2, 16, 12, 12], inits, "conv_residual")


def depthwise_pool():
    # depthwise 3x3 stride 2 -> relu -> pointwise -> global average pool
    nodes = [
        helper.make_node("Conv", ["x", "wd", "bd"], ["d"], pads=[1, 1, 1, 1], strides=[2, 2],
                         group=8),
        helper.make_node("Relu", ["d"], ["r"]),
        helper.make_node("Conv", ["r", "wp", "bp"], ["p"]),
        helper.make_node("GlobalAveragePool", ["p"], ["y"]),
    ]
    inits = [weight("wd", [8, 1, 3, 3], 0.5), weight("bd", [8], 0.1),
             weight("wp", [12, 8, 1, 1]), weight("bp", [12], 0.1)]
    return graph_model(nodes, [1, 8, 16, 16], [1, 12, 1, 1], inits, "depthwise_pool")


def pointwise():
    # conv3x3 -> relu -> conv1x1 (32 -> 48) + bias -> relu -> conv1x1 (48 -> 32)
    # -> add(residual): on CUDA the 1x1 layers are int8 GEMMs (cuBLASLt) over
    # uint8 activations requantized to int8, the 3x3 stays in float.
    nodes = [
        helper.make_node("Conv", ["x", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c0"], ["r0"]),
        helper.make_node("Conv", ["r0", "w1", "b1"], ["c1"]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"]),
        helper.make_node("Add", ["c2", "r0"], ["y"]),
    ]
    inits = [weight("w0", [32, 8, 3, 3]), weight("b0", [32], 0.1),
             weight("w1", [48, 32, 1, 1]), weight("b1", [48], 0.1),
             weight("w2", [32, 48, 1, 1]), weight("b2", [32], 0.1)]
    return graph_model(nodes, [2, 8, 6, 6], [2, 32, 6, 6], inits, "pointwise")


# Quantized convolutions and matmuls CUDA runs in int8 (the others run in
# float, and --stats lists them): with onnxruntime's default uint8
# activations, the pointwise ones and the matmuls (cuBLASLt GEMMs); with
# symmetric int8 activations (zero point 0) also 3x3 convolutions (cuDNN,
# which pads with 0). conv_residual's 1x1 has 16 inputs per output (kept
# in float).
CUDA_INT8 = {"pointwise": 2, "matmul_gemm": 2}
CUDA_INT8_SYMMETRIC = {"pointwise": 3, "conv_residual": 1}


def matmul_gemm():
    # matmul + bias -> relu -> gemm (transB) -> concat with the relu output
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["m"]),
        helper.make_node("Add", ["m", "b1"], ["a"]),
        helper.make_node("Relu", ["a"], ["r"]),
        helper.make_node("Gemm", ["r", "w2", "b2"], ["g"], transB=1),
        helper.make_node("Concat", ["g", "r"], ["y"], axis=1),
    ]
    inits = [weight("w1", [32, 24]), weight("b1", [24], 0.1), weight("w2", [16, 24]),
             weight("b2", [16], 0.1)]
    return graph_model(nodes, [4, 32], [4, 40], inits, "matmul_gemm")


def activations():
    # conv -> swish (sigmoid * x) -> leaky relu -> average pool 2x2
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Sigmoid", ["c"], ["s"]),
        helper.make_node("Mul", ["c", "s"], ["m"]),
        helper.make_node("LeakyRelu", ["m"], ["l"], alpha=0.1),
        helper.make_node("AveragePool", ["l"], ["y"], kernel_shape=[2, 2], strides=[2, 2]),
    ]
    inits = [weight("w", [6, 4, 3, 3]), weight("b", [6], 0.1)]
    return graph_model(nodes, [1, 4, 8, 8], [1, 6, 4, 4], inits, "activations")


class Reader(q.CalibrationDataReader):
    def __init__(self, shape):
        self.batches = iter([{"x": rng.standard_normal(shape).astype(np.float32)}
                             for _ in range(8)])

    def get_next(self):
        return next(self.batches, None)


def quantize(model, path, fmt, per_channel, op_types=None, symmetric=False):
    fp32 = path.replace(".onnx", "_fp32.onnx")
    onnx.save(model, fp32)
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    extra = {"activation_type": q.QuantType.QInt8,
             "extra_options": {"ActivationSymmetric": True}} if symmetric else {}
    q.quantize_static(fp32, path, Reader(shape), quant_format=fmt, per_channel=per_channel,
                      op_types_to_quantize=op_types, **extra)
    return path


def output_step(path):
    """The scale of the model's last DequantizeLinear (the output's step)."""
    m = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    last = [n for n in m.graph.node if n.op_type == "DequantizeLinear"][-1]
    return float(np.max(inits[last.input[1]]))


def compare(path, work, step, qdq):
    """Ingot (CPU, and the CUDA plan emulated) against onnxruntime on the
    quantized model; the tolerance is one output step (see the header)."""
    ok, message = e2e.check(path, work, rtol=0.0, atol=1.01 * step, cuda_target="cuda-plan",
                            ort_optimizations=not qdq)
    if not ok:
        return False, message
    # How many outputs differ at all (the check above bounds by how much).
    ref = np.load(os.path.join(work, "ref.npz"))
    out = os.path.join(work, "out")
    p = subprocess.run([shutil.which("ingot-run"), os.path.join(work, "model.ingot"), "--inputs",
                        os.path.join(work, "inputs.npz"), "--output-dir", out, "--quiet"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return False, p.stdout + p.stderr
    got = np.load(os.path.join(out, "y.npy"))
    off = np.abs(got - ref["y"]) > 0.5 * step
    if off.mean() > 0.1:
        return False, f"{off.mean():.1%} of the outputs are a step off (more than 10%)"
    return True, f"{int(off.sum())} of {off.size} outputs a step off; " + message


cases = []
for build in (conv_residual, depthwise_pool, pointwise, matmul_gemm, activations):
    for per_channel in (False, True):
        cases.append((build, q.QuantFormat.QDQ, per_channel, None, False))
    if build.__name__ in CUDA_INT8_SYMMETRIC:
        cases.append((build, q.QuantFormat.QDQ, True, None, True))
    # QOperator: the ONNX-domain QLinearConv / QLinearMatMul only, and every
    # op type onnxruntime quantizes (its com.microsoft QLinearAdd, QLinearMul,
    # QLinearSigmoid, QLinearLeakyRelu, QLinearAveragePool,
    # QLinearGlobalAveragePool, QLinearConcat, QGemm).
    cases.append((build, q.QuantFormat.QOperator, True, ["Conv", "MatMul"], False))
    cases.append((build, q.QuantFormat.QOperator, True, None, False))

failed = 0
for build, fmt, per_channel, op_types, symmetric in cases:
    tag = f"{build.__name__}_{'qdq' if fmt == q.QuantFormat.QDQ else 'qop'}" \
          f"_{'channel' if per_channel else 'tensor'}{'' if op_types else '_all'}" \
          f"{'_symmetric' if symmetric else ''}"
    work = os.path.join(folder, tag)
    os.makedirs(work, exist_ok=True)
    path = quantize(build(), os.path.join(work, "quantized.onnx"), fmt, per_channel, op_types,
                    symmetric)
    kinds = sorted({n.op_type for n in onnx.load(path).graph.node})
    ok, message = compare(path, work, output_step(path), fmt == q.QuantFormat.QDQ)
    # Weights are dequantized at compile time, and each activation's
    # quantize/dequantize pair fuses into one kernel at most: no more
    # kernels quantize than the model has nodes with a quantized result.
    stats = subprocess.run([shutil.which("ingotc"), path, "--stats", "-o",
                            os.path.join(work, "stats.ingot")], capture_output=True, text=True)
    found = re.search(r"qdq kernels: +(\d+)", stats.stderr)
    quantize_nodes = sum(n.op_type in ("QuantizeLinear", "QGemm") or n.op_type.startswith("QLinear")
                         for n in onnx.load(path).graph.node)
    # The activations model's requantizing chains (its swish and leaky
    # ReLU between quantizations) become table lookups
    # (ingot-lookup-tables), which the compare above checked against
    # onnxruntime.
    tables = re.search(r"lookup tables: +(\d+)", stats.stderr)
    if ok and (not found or int(found.group(1)) > quantize_nodes):
        ok, message = False, f"qdq kernels above {quantize_nodes}:\n{stats.stderr}"
    elif ok and (not tables or (build.__name__ == "activations" and int(tables.group(1)) == 0)):
        ok, message = False, f"no lookup tables reported:\n{stats.stderr}"
    # On CUDA: the int8 GEMMs expected of the QDQ models (the QOperator
    # ones quantize only some ops, or in other forms), and every other
    # quantized layer reported as running in float.
    cuda = subprocess.run([shutil.which("ingotc"), path, "--stats", "--target", "cuda",
                           "-o", os.path.join(work, "cuda-stats.ingot")],
                          capture_output=True, text=True,
                          env=dict(os.environ, INGOT_NVCC=e2e.PLAN_ONLY_NVCC))
    gemms = re.search(r"int8 library calls: +(\d+)", cuda.stderr)
    in_float = re.search(r"quantized in float: +(\d+)", cuda.stderr)
    expected = (CUDA_INT8_SYMMETRIC if symmetric else CUDA_INT8).get(build.__name__, 0) \
        if fmt == q.QuantFormat.QDQ else None
    if ok and (not gemms or (expected is not None and int(gemms.group(1)) != expected)):
        ok, message = False, f"expected {expected} int8 library calls on CUDA:\n{cuda.stderr}"
    elif ok and expected == 0 and not in_float:
        ok, message = False, f"no layers reported in float on CUDA:\n{cuda.stderr}"
    if ok:
        message = (f"qdq kernels: {found.group(1)} (nodes with a quantized result: "
                   f"{quantize_nodes}), lookup tables: {tables.group(1)}, CUDA int8 calls: "
                   f"{gemms.group(1)}; " + message)
    print(("PASS" if ok else "FAIL"), tag, "(" + ", ".join(kinds) + "):", message)
    failed += not ok
sys.exit(1 if failed else 0)
