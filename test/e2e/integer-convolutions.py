# The CPU's integer convolution kernel (runtime conv_i8, IntegerKernels.cpp)
# against onnxruntime, over the geometries and value ranges that take
# different paths through it:
#   - dense 3x3 / 1x1 / 5x5, strides, dilations, asymmetric padding, 1-d
#     and 3-d convolutions; grouped and depthwise ones, which stay in float;
#   - output channel counts that fill 16-wide panels, leave an 8-wide last
#     panel (24, 8) or a partial one (20, 3);
#   - uint8 and int8 activations with nonzero zero points (padding must read
#     the zero point);
#   - 7-bit weights (|w| <= 63) and full-range int8 weights (-128..127,
#     whose products would saturate a uint8 x int8 vpmaddubsw kernel;
#     Ingot's sums them exactly in int32);
#   - NCHW and NHWC (ingotc --layout);
#   - the model as one QLinearConv and as its QDQ form (DequantizeLinear of
#     the input, the int8 weights and the int32 bias, Conv,
#     QuantizeLinear), the two forms ingot-quantize rewrites to
#     ingot.conv_integer. `ingotc --stats` must report one int8 library call
#     (the convolution did not stay in float), except for dense convolutions
#     with fewer than 32 inputs per output (an RGB first layer, a pointwise
#     one over 12 channels) and grouped or depthwise ones, which
#     ingot-quantize leaves in
#     float by design (the float kernel is faster there; the integer
#     kernel's grouped path is checked by ingot-integer-kernel-tests).
#
# The reference is onnxruntime running the QDQ form without graph
# optimizations: the model's own semantics, a float convolution of the
# dequantized values. Not onnxruntime's QLinearConv: on a CPU without VNNI
# its uint8 x int8 kernel saturates in int16 when full-range weights meet
# large activations (found here: up to 221 steps off), which onnxruntime
# documents as the reason for its reduce_range option.
#
# Tolerance: Ingot's int32 sums are exact and the float reference is exact
# to FP32 rounding; both then scale and round, so an output at a rounding
# tie may land one step apart: every output within 1 step, and at most 2%
# of them off at all.
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

from onnx_testing import out_dir

folder = out_dir()
rng = np.random.default_rng(11)


def qlinear_conv_model(case):
    c, m, kernel, spatial = case["c"], case["m"], case["kernel"], case["spatial"]
    group = case.get("group", 1)
    signed = case["signed"]
    xtype = np.int8 if signed else np.uint8
    onnx_x = TensorProto.INT8 if signed else TensorProto.UINT8
    lo, hi = (-128, 127) if case["full_range"] else (-63, 63)
    w = rng.integers(lo, hi + 1, size=[m, c // group] + kernel).astype(np.int8)
    if case["per_channel"]:
        w_scale = rng.uniform(0.002, 0.02, size=[m]).astype(np.float32)
    else:
        w_scale = np.array(0.01, np.float32)
    x_scale, x_zero = np.float32(0.05), xtype(-7 if signed else 9)
    # The output scale: about the spread of the sums, so outputs use the grid.
    window = c // group * int(np.prod(kernel))
    y_scale = np.float32(0.05 * 0.01 * 40 * np.sqrt(window))
    y_zero = xtype(3 if signed else 128)
    bias = rng.integers(-2000, 2000, size=[m]).astype(np.int32)
    inits = [
        numpy_helper.from_array(np.array(x_scale), "x_scale"),
        numpy_helper.from_array(np.array(x_zero), "x_zero"),
        numpy_helper.from_array(w, "w"),
        numpy_helper.from_array(w_scale, "w_scale"),
        numpy_helper.from_array(np.zeros(w_scale.shape, np.int8), "w_zero"),
        numpy_helper.from_array(np.array(y_scale), "y_scale"),
        numpy_helper.from_array(np.array(y_zero), "y_zero"),
        numpy_helper.from_array(bias, "bias"),
    ]
    attrs = {k: case[k] for k in ("pads", "strides", "dilations") if k in case}
    x_shape = [case.get("batch", 1), c] + spatial
    qlinear = [helper.make_node("QLinearConv",
                                ["x", "x_scale", "x_zero", "w", "w_scale", "w_zero", "y_scale",
                                 "y_zero", "bias"], ["y"], group=group, **attrs)]
    # The QDQ form; the bias is dequantized with x_scale * w_scale, as
    # QLinearConv defines it.
    axis = {"axis": 0} if case["per_channel"] else {}
    inits.append(numpy_helper.from_array((x_scale * w_scale).astype(np.float32), "b_scale"))
    inits.append(numpy_helper.from_array(np.zeros(w_scale.shape, np.int32), "b_zero"))
    qdq = [
        helper.make_node("DequantizeLinear", ["x", "x_scale", "x_zero"], ["xf"]),
        helper.make_node("DequantizeLinear", ["w", "w_scale", "w_zero"], ["wf"], **axis),
        helper.make_node("DequantizeLinear", ["bias", "b_scale", "b_zero"], ["bf"], **axis),
        helper.make_node("Conv", ["xf", "wf", "bf"], ["yf"], group=group, **attrs),
        helper.make_node("QuantizeLinear", ["yf", "y_scale", "y_zero"], ["y"]),
    ]
    models = {}
    for form, nodes in (("qlinear", qlinear), ("qdq", qdq)):
        graph = helper.make_graph(nodes, "qconv",
                                  [helper.make_tensor_value_info("x", onnx_x, x_shape)],
                                  [helper.make_tensor_value_info("y", onnx_x, None)], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 8
        models[form] = model
    return models, x_shape, xtype


CASES = [
    dict(name="dense3x3_u8_m24", c=16, m=24, kernel=[3, 3], spatial=[11, 9], pads=[1, 1, 1, 1]),
    dict(name="dense3x3_s8_m20_stride2", c=12, m=20, kernel=[3, 3], spatial=[13, 10],
         pads=[1, 0, 2, 1], strides=[2, 2], signed=True),
    dict(name="pointwise_u8_m40_batch2", c=32, m=40, kernel=[1, 1], spatial=[7, 6], batch=2),
    dict(name="pointwise_few_channels", c=12, m=24, kernel=[1, 1], spatial=[9, 9]),
    dict(name="dense5x5_dilated_m8", c=6, m=8, kernel=[5, 5], spatial=[14, 14],
         pads=[4, 4, 4, 4], dilations=[2, 2]),
    # Dense with K = 27 and 15 inputs per output: these stay in float (the
    # faster kernel there); K = 36 is the smallest integer one here.
    dict(name="first_layer_rgb_m16", c=3, m=16, kernel=[3, 3], spatial=[16, 16],
         pads=[1, 1, 1, 1], strides=[2, 2]),
    dict(name="small_k_c4_m16", c=4, m=16, kernel=[3, 3], spatial=[16, 16],
         pads=[1, 1, 1, 1], strides=[2, 2]),
    dict(name="grouped_g4_m3x4", c=8, m=12, kernel=[3, 3], spatial=[9, 9], pads=[1, 1, 1, 1],
         group=4),
    dict(name="depthwise3x3_u8", c=24, m=24, kernel=[3, 3], spatial=[12, 12],
         pads=[1, 1, 1, 1], group=24),
    dict(name="depthwise5x5_s8_stride2", c=16, m=16, kernel=[5, 5], spatial=[15, 15],
         pads=[2, 2, 2, 2], strides=[2, 2], group=16, signed=True),
    dict(name="conv1d_m3", c=5, m=3, kernel=[3], spatial=[20], pads=[2, 0]),
    dict(name="conv3d_m16", c=4, m=16, kernel=[3, 3, 3], spatial=[5, 6, 7],
         pads=[1, 1, 1, 1, 1, 1]),
]


def reference(models, x, work):
    """onnxruntime on the QDQ form, unoptimized: the model's semantics."""
    path = os.path.join(work, "reference.onnx")
    onnx.save(models["qdq"], path)
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"]).run(
        None, {"x": x})[0]


def integer_calls_expected(case):
    """ingot-quantize keeps dense convolutions with K < 32, and grouped
    ones, in float."""
    dense, taps = case.get("group", 1) == 1, int(np.prod(case["kernel"]))
    return 0 if not dense or case["c"] * taps < 32 else 1


def run_ingot(model, layout, x, work, expected_calls):
    """Ingot's output, or an error message."""
    path = os.path.join(work, "model.onnx")
    onnx.save(model, path)
    artifact = os.path.join(work, "model.ingot")
    p = subprocess.run([shutil.which("ingotc"), path, "-o", artifact, "--stats",
                        f"--layout={layout}"], capture_output=True, text=True)
    if p.returncode != 0:
        return None, "ingotc failed:\n" + p.stderr
    found = re.search(r"int8 library calls: +(\d+)", p.stderr)
    if not found or int(found.group(1)) != expected_calls:
        return None, f"expected {expected_calls} int8 library calls:\n" + p.stderr
    np.savez(os.path.join(work, "in.npz"), x=x)
    out = os.path.join(work, "out")
    r = subprocess.run([shutil.which("ingot-run"), artifact, "--inputs",
                        os.path.join(work, "in.npz"), "--output-dir", out],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, "ingot-run failed:\n" + r.stdout + r.stderr
    return np.load(os.path.join(out, "y.npy")), ""


def compare(got, ref):
    if got.shape != ref.shape or got.dtype != ref.dtype:
        return False, f"output {got.dtype}{list(got.shape)}, expected {ref.dtype}{list(ref.shape)}"
    diff = np.abs(got.astype(np.int64) - ref.astype(np.int64))
    if diff.max() > 1 or (diff > 0).mean() > 0.02:
        return False, (f"max step difference {diff.max()}, {int((diff > 0).sum())} of "
                       f"{diff.size} outputs differ")
    spread = int(ref.max()) - int(ref.min())
    if spread < 20:
        return False, f"outputs span only {spread} steps: the check would not see errors"
    return True, f"{int((diff > 0).sum())} of {diff.size} outputs a step off, span {spread} steps"


failed = 0
for base in CASES:
    for full_range in (False, True):
        for per_channel in (True, False):
            if not per_channel and full_range:
                continue
            case = dict(base, full_range=full_range, per_channel=per_channel,
                        signed=base.get("signed", False))
            models, x_shape, xtype = qlinear_conv_model(case)
            info = np.iinfo(xtype)
            x = rng.integers(info.min, info.max + 1, size=x_shape).astype(xtype)
            name = (f"{case['name']}_{'w8' if full_range else 'w7'}_"
                    f"{'channel' if per_channel else 'tensor'}")
            work = os.path.join(folder, name)
            os.makedirs(work, exist_ok=True)
            ref = reference(models, x, work)
            for form in ("qlinear", "qdq"):
                for layout in ("nchw", "nhwc"):
                    tag = f"{name}_{form}_{layout}"
                    got, error = run_ingot(models[form], layout, x, work,
                                           integer_calls_expected(case))
                    ok, message = (False, error) if got is None else compare(got, ref)
                    print(("PASS" if ok else "FAIL"), tag + ":", message)
                    failed += not ok
sys.exit(1 if failed else 0)
