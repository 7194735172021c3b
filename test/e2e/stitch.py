# Stitch regions: row reductions computed in the kernel of the elementwise
# ops that read them (AStitch's idea), against onnxruntime on the host and
# in the CUDA emulation (single-thread, and threaded blocks: the block
# reductions' real paths):
#   - layer norm written out op by op, as exporters of older opsets do
#     (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add);
#   - RMS normalization written out (Pow, ReduceMean, Add, Sqrt,
#     Reciprocal, Mul, Mul), over the last axis of a 3-D tensor;
#   - softmax written out (ReduceMax, Sub, Exp, ReduceSum, Div) over the
#     last two axes of a 4-D tensor (rows of 2 dims);
#   - a row of 3000 elements (longer than a CUDA block) for the layer norm.
# Each model must compile to exactly one generated kernel, a "stitch"
# region (--emit=fused and --stats).
# Tolerances: rtol 1e-4, atol 1e-5.
# RUN: %python %s %t
import os
import re
import shutil
import subprocess
import sys

import numpy as np
from onnx import TensorProto, helper

import e2e
from onnx_testing import const, model, out_dir, save

folder = out_dir()
rng = np.random.default_rng(3)
F = TensorProto.FLOAT
failures = []


def vi(name, shape):
    return helper.make_tensor_value_info(name, F, shape)


def node(op, inputs, output, **attrs):
    return helper.make_node(op, inputs, [output], name=output, **attrs)


def layer_norm(shape):
    n = shape[-1]
    nodes = [node("ReduceMean", ["x", "axes"], "mean", keepdims=1),
             node("Sub", ["x", "mean"], "d"),
             node("Pow", ["d", "two"], "d2"),
             node("ReduceMean", ["d2", "axes"], "var", keepdims=1),
             node("Add", ["var", "eps"], "ve"),
             node("Sqrt", ["ve"], "sd"),
             node("Div", ["d", "sd"], "n"),
             node("Mul", ["n", "g"], "ng"),
             node("Add", ["ng", "b"], "y")]
    inits = [const("axes", np.array([-1], np.int64)), const("two", np.float32(2)),
             const("eps", np.float32(1e-5)),
             const("g", rng.standard_normal(n).astype(np.float32)),
             const("b", rng.standard_normal(n).astype(np.float32))]
    return nodes, inits


def rms_norm(shape):
    nodes = [node("Pow", ["x", "two"], "x2"),
             node("ReduceMean", ["x2", "axes"], "ms", keepdims=1),
             node("Add", ["ms", "eps"], "mse"),
             node("Sqrt", ["mse"], "rms"),
             node("Reciprocal", ["rms"], "inv"),
             node("Mul", ["x", "inv"], "n"),
             node("Mul", ["n", "g"], "y")]
    inits = [const("axes", np.array([-1], np.int64)), const("two", np.float32(2)),
             const("eps", np.float32(1e-6)),
             const("g", rng.standard_normal(shape[-1]).astype(np.float32))]
    return nodes, inits


def softmax_2d_rows(shape):
    nodes = [node("ReduceMax", ["x", "axes"], "m", keepdims=1),
             node("Sub", ["x", "m"], "d"),
             node("Exp", ["d"], "e"),
             node("ReduceSum", ["e", "axes"], "s", keepdims=1),
             node("Div", ["e", "s"], "y")]
    return nodes, [const("axes", np.array([-2, -1], np.int64))]


CASES = [("layer_norm", layer_norm, [2, 7, 96]),
         ("rms_norm", rms_norm, [3, 5, 64]),
         ("softmax_2d_rows", softmax_2d_rows, [2, 3, 6, 10]),
         ("layer_norm_long_rows", layer_norm, [3, 3000])]

nvcc = os.environ.get("INGOT_NVCC")
for name, build, shape in CASES:
    nodes, inits = build(shape)
    path = save(model(nodes, [vi("x", shape)], [vi("y", shape)], inits, opset=18),
                folder, name + ".onnx")
    fused = subprocess.run([shutil.which("ingotc"), path, "--emit=fused", "-o", "-"],
                           capture_output=True, text=True)
    stats = subprocess.run([shutil.which("ingotc"), path, "--stats", "-o",
                            os.path.join(folder, name + ".ingot")], capture_output=True, text=True)
    regions = re.findall(r'ingot\.fusion "(\w+)"', fused.stdout)
    kernels = re.search(r"generated kernels:\s+(\d+)", stats.stderr)
    if regions != ["stitch"] or not kernels or kernels.group(1) != "1":
        failures.append(f"{name}: regions {regions}, "
                        f"kernels {kernels.group(1) if kernels else '?'}, expected one stitch")
        continue
    # nvcc builds the first case (sm_90); the others' CUDA plans run in the
    # emulation only.
    ok, msg = e2e.check(path, os.path.join(folder, name), rtol=1e-4, atol=1e-5,
                        cuda_target="cuda:sm_90" if name == CASES[0][0] else "cuda-plan")
    print(f"{name}: {'ok' if ok else 'FAILED'}: {msg}")
    if not ok:
        failures.append(name)
    if nvcc:
        feeds = dict(np.load(os.path.join(folder, name, "inputs.npz")))
        ok, msg = e2e.compile_cuda(path, os.path.join(folder, name), feeds, nvcc, 1e-4, 1e-5,
                                   emulate="threads", target="cuda-plan")
        print(f"{name} (threaded CUDA blocks): {'ok' if ok else 'FAILED'}: {msg}")
        if not ok:
            failures.append(name + " threaded")

if failures:
    print("FAILED:", ", ".join(failures))
    sys.exit(1)
print("all stitch regions match onnxruntime")
