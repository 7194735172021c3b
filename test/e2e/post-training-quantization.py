# ingotc --quantize=int8 against an independent construction of the same
# quantization in onnxruntime:
#  1. --calibration=minmax writes each quantized op's activation range;
#     they must equal the extremes onnxruntime sees on the same samples at
#     those tensors (rtol 1e-6).
#  2. From those ranges this script builds the QDQ model the scheme defines
#     (uint8 activations per tensor: scale (max - min) / 255 over the range
#     widened to 0, zero point round(-min / scale); int8 weights per output
#     channel: scale max|w| / 127) and runs it in onnxruntime without graph
#     optimizations (the QDQ semantics). Ingot's artifact must match it
#     (rtol 1e-4, atol 1e-4) on the CPU. With symmetric int8 activations
#     (zero point 0, scale max(|min|, |max|) / 127) for all ops
#     (--quantize-activations=symmetric, on the CPU) or for the
#     convolutions with a window (CUDA's default: cuDNN's int8
#     convolutions pad with 0), built the same way, the CPU artifact and
#     the emulated CUDA plan (both convolutions in int8 by cuDNN, the GEMM
#     with 5 outputs in float) must match those.
#     --quantize-activations=symmetric gives that scheme on the CPU too.
#  3. Percentile and entropy ranges lie inside the min-max range, and a
#     --calibration-table written once compiles again without the data to
#     the same outputs.
#  4. Bad calibration data gets a clear error.
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

import e2e
from onnx_testing import out_dir

folder = out_dir()
rng = np.random.default_rng(11)
INGOTC = shutil.which("ingotc")


def w(name, shape, scale=0.3):
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


# conv -> relu -> conv (residual) -> add -> global pool -> flatten -> gemm
# (4 input channels: an RGB first layer, 27 inputs per output, would stay
# in float by design)
nodes = [
    helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], name="conv1"),
    helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
    helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1], name="conv2"),
    helper.make_node("Add", ["c2", "r1"], ["s"], name="residual"),
    helper.make_node("GlobalAveragePool", ["s"], ["p"], name="pool"),
    helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
    helper.make_node("Gemm", ["f", "wf", "bf"], ["y"], transB=1, name="fc"),
]
inits = [w("w1", [8, 4, 3, 3]), w("b1", [8], 0.1), w("w2", [8, 8, 3, 3]), w("b2", [8], 0.1),
         w("wf", [5, 8]), w("bf", [5], 0.1)]
graph = helper.make_graph(nodes, "ptq", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                       [2, 4, 10, 10])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 5])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
fp32 = os.path.join(folder, "fp32.onnx")
onnx.save(model, fp32)
# The activation each quantized op reads.
ACTIVATION = {"conv1": "x", "conv2": "r1", "fc": "f"}

samples = rng.standard_normal((16, 4, 10, 10)).astype(np.float32) * 2 + 0.5
calibration = os.path.join(folder, "calibration.npz")
np.savez(calibration, x=samples)

failures = []


def fail(message):
    print("FAIL:", message)
    failures.append(message)


def compile_quantized(out, *args):
    p = subprocess.run([INGOTC, fp32, "-o", out, "--quantize=int8", *args],
                       capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"ingotc {' '.join(args)}:\n{p.stderr[-2000:]}")
    return p


def read_table(path):
    ranges = {}
    for line in open(path):
        line = line.split("#")[0].strip()
        if line:
            node, lo, hi = line.rsplit(" ", 2)
            ranges[node] = (float(lo), float(hi))
    return ranges


# 1. Min-max ranges against onnxruntime's view of the same tensors.
tables = {}
for method in ("minmax", "percentile", "entropy"):
    table = os.path.join(folder, f"{method}.txt")
    compile_quantized(os.path.join(folder, f"{method}.ingot"), f"--calibration-data={calibration}",
                      f"--calibration={method}", f"--calibration-table={table}")
    tables[method] = read_table(table) if os.path.exists(table) else {}
probe = onnx.load(fp32)
probe.graph.output.extend(helper.make_tensor_value_info(t, TensorProto.FLOAT, None)
                          for t in ("r1", "f"))
session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
seen = {"x": [], "r1": [], "f": []}
for i in range(0, len(samples), 2):
    _, r1, f = session.run(None, {"x": samples[i:i + 2]})
    seen["x"].append(samples[i:i + 2])
    seen["r1"].append(r1)
    seen["f"].append(f)
extremes = {node: (float(min(a.min() for a in seen[t])), float(max(a.max() for a in seen[t])))
            for node, t in ACTIVATION.items()}
if set(tables["minmax"]) != set(ACTIVATION):
    fail(f"minmax table has {sorted(tables['minmax'])}, expected {sorted(ACTIVATION)}")
for node, (lo, hi) in extremes.items():
    got = tables["minmax"].get(node)
    if got is None or not np.allclose(got, (lo, hi), rtol=1e-6, atol=1e-7):
        fail(f"{node}: minmax range {got}, onnxruntime sees {(lo, hi)}")
# Percentile and entropy ranges lie inside the min-max range Ingot observed
# (checked against onnxruntime's above, to rtol 1e-6: the FP32 kernels
# differ from onnxruntime's in the last bits, so onnxruntime's own extremes
# can be a few ulps inside Ingot's).
for method in ("percentile", "entropy"):
    for node in extremes:
        got, (lo, hi) = tables[method].get(node), tables["minmax"].get(node, (np.nan, np.nan))
        if got is None or not got[0] >= lo or not got[1] <= hi or got[0] > got[1]:
            fail(f"{node}: {method} range {got} is not inside min-max {(lo, hi)}")
print("ranges:", {m: tables[m] for m in tables})


# 2. The same scheme built by hand as a QDQ model.
def qdq_model(ranges, levels, symmetric=()):
    """`symmetric`: the nodes whose activation is int8 with zero point 0."""
    m = onnx.load(fp32)
    weights = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    new_nodes, new_inits = [], []
    for node in m.graph.node:
        if node.name in ranges:
            lo, hi = ranges[node.name]
            lo, hi = min(lo, 0.0), max(hi, 0.0)
            if node.name in symmetric:
                scale = np.float32(max(-lo, hi) / 127.0)
                zero = np.int8(0)
            else:
                scale = np.float32((hi - lo) / 255.0)
                zero = np.uint8(min(max(round(-lo / float(scale)), 0), 255))
            a = node.input[0]
            new_inits += [numpy_helper.from_array(np.array(scale), a + "_s"),
                          numpy_helper.from_array(np.array(zero), a + "_z")]
            new_nodes += [helper.make_node("QuantizeLinear", [a, a + "_s", a + "_z"], [a + "_q"]),
                          helper.make_node("DequantizeLinear", [a + "_q", a + "_s", a + "_z"],
                                           [a + "_d"])]
            wname = node.input[1]
            wt = weights[wname]
            ws = (np.abs(wt).reshape(wt.shape[0], -1).max(axis=1) /
                  np.float32(levels)).astype(np.float32)
            ws[ws == 0] = 1
            shape = (-1,) + (1,) * (wt.ndim - 1)
            wq = np.clip(np.rint(wt / ws.reshape(shape)), -levels, levels).astype(np.int8)
            new_inits += [numpy_helper.from_array(wq, wname + "_q"),
                          numpy_helper.from_array(ws, wname + "_s"),
                          numpy_helper.from_array(np.zeros(len(ws), np.int8), wname + "_z")]
            new_nodes.append(helper.make_node("DequantizeLinear",
                                              [wname + "_q", wname + "_s", wname + "_z"],
                                              [wname + "_d"], axis=0))
            node.input[0] = a + "_d"
            node.input[1] = wname + "_d"
        new_nodes.append(node)
    del m.graph.node[:]
    m.graph.node.extend(new_nodes)
    m.graph.initializer.extend(new_inits)
    path = os.path.join(folder, f"by_hand_qdq_{levels}_{'_'.join(sorted(symmetric))}.onnx")
    onnx.save(m, path)
    return path


if tables["minmax"]:
    feeds = {"x": rng.standard_normal((2, 4, 10, 10)).astype(np.float32) * 2 + 0.5}
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL

    def run_reference(levels, symmetric=()):
        return ort.InferenceSession(qdq_model(tables["minmax"], levels, symmetric), options,
                                    providers=["CPUExecutionProvider"]).run(None, feeds)[0]

    expected = run_reference(127)
    work = os.path.join(folder, "compare")
    os.makedirs(work, exist_ok=True)
    np.savez(os.path.join(work, "inputs.npz"), **feeds)
    np.savez(os.path.join(work, "ref.npz"), y=expected)
    p = subprocess.run([shutil.which("ingot-run"), os.path.join(folder, "minmax.ingot"),
                        "--inputs", os.path.join(work, "inputs.npz"), "--compare",
                        os.path.join(work, "ref.npz"), "--rtol", "1e-4", "--atol", "1e-4",
                        "--quiet"], capture_output=True, text=True)
    print("CPU vs hand-built QDQ in onnxruntime:", (p.stdout + p.stderr).strip())
    if p.returncode != 0:
        fail("the quantized artifact differs from the hand-built QDQ model")
    # The symmetric scheme on the CPU (--quantize-activations=symmetric:
    # int8 activations into the integer kernel).
    symmetric_ref = os.path.join(work, "ref_symmetric.npz")
    np.savez(symmetric_ref, y=run_reference(127, symmetric=set(ACTIVATION)))
    symmetric = os.path.join(folder, "symmetric.ingot")
    compile_quantized(symmetric, f"--calibration-table={folder}/minmax.txt",
                      "--quantize-activations=symmetric")
    p = subprocess.run([shutil.which("ingot-run"), symmetric, "--inputs",
                        os.path.join(work, "inputs.npz"), "--compare", symmetric_ref,
                        "--rtol", "1e-4", "--atol", "1e-4", "--quiet"],
                       capture_output=True, text=True)
    print("CPU, symmetric, vs hand-built symmetric QDQ:", (p.stdout + p.stderr).strip())
    if p.returncode != 0:
        fail("--quantize-activations=symmetric differs from the hand-built symmetric QDQ model")
    # The CUDA plan of the symmetric scheme (through the emulation), and
    # what it runs in int8: both convolutions (cuDNN), not the 8 -> 5 GEMM.
    nvcc = os.environ.get("INGOT_NVCC")
    if nvcc:
        np.savez(os.path.join(work, "ref.npz"),
                 y=run_reference(127, symmetric={"conv1", "conv2"}))
        stats = subprocess.run([INGOTC, fp32, "--target", "cuda", "--stats", "-o",
                                os.path.join(work, "stats.ingot"), "--quantize=int8",
                                f"--calibration-table={folder}/minmax.txt"],
                               capture_output=True, text=True,
                               env=dict(os.environ, INGOT_NVCC=e2e.PLAN_ONLY_NVCC))
        calls = re.search(r"int8 library calls: +(\d+)", stats.stderr)
        print("CUDA:", calls.group(0) if calls else stats.stderr[-1000:])
        if not calls or int(calls.group(1)) != 2:
            fail("expected 2 int8 convolutions in the CUDA plan")
        ok, message = e2e.compile_cuda(fp32, work, feeds, e2e.PLAN_ONLY_NVCC, 1e-4, 1e-4,
                                       extra_args=["--quantize=int8",
                                                   f"--calibration-table={folder}/minmax.txt"],
                                       target="cuda-plan")
        print("CUDA plan:", message)
        if not ok:
            fail("the CUDA plan differs from the hand-built symmetric QDQ model")

# 3. A written table compiles again without the data, to the same outputs.
again = os.path.join(folder, "again.ingot")
compile_quantized(again, f"--calibration-table={folder}/minmax.txt")
outs = []
for artifact in (os.path.join(folder, "minmax.ingot"), again):
    d = artifact + ".out"
    subprocess.run([shutil.which("ingot-run"), artifact, "--inputs", calibration.replace(
        "calibration.npz", "compare/inputs.npz"), "--output-dir", d, "--quiet"], check=False)
    outs.append(np.load(os.path.join(d, "y.npy")) if os.path.exists(os.path.join(d, "y.npy"))
                else None)
if outs[0] is None or outs[1] is None or not np.array_equal(outs[0], outs[1]):
    fail("compiling from the written table gives other outputs")

# 4. Bad data: a clear error, no crash.
np.savez(os.path.join(folder, "wrong_name.npz"), input=samples)
np.savez(os.path.join(folder, "wrong_shape.npz"), x=samples[:, :, :5])
for data, expected in (("wrong_name.npz", "has no array named 'x'"),
                       ("wrong_shape.npz", "must have the input's dtype and shape 2x4x10x10"),
                       ("missing.npz", "missing.npz")):
    p = subprocess.run([INGOTC, fp32, "-o", os.path.join(folder, "bad.ingot"), "--quantize=int8",
                        f"--calibration-data={os.path.join(folder, data)}"],
                       capture_output=True, text=True)
    if p.returncode <= 0 or expected not in p.stderr or "error" not in p.stderr:
        fail(f"{data}: expected an error mentioning {expected!r}, got rc {p.returncode}:\n"
             f"{p.stderr[-1000:]}")
p = subprocess.run([INGOTC, fp32, "-o", os.path.join(folder, "bad.ingot"), "--quantize=int8"],
                   capture_output=True, text=True)
if p.returncode == 0 or "--calibration-data" not in p.stderr:
    fail("--quantize=int8 without data or table must say what it needs")
p = subprocess.run([INGOTC, fp32, "-o", os.path.join(folder, "bad.ingot"), "--quantize=int8",
                    f"--calibration-table={folder}/minmax.txt",
                    "--quantize-activations=unsigned"], capture_output=True, text=True)
if p.returncode == 0 or "unknown --quantize-activations 'unsigned'" not in p.stderr:
    fail(f"an unknown --quantize-activations must be refused by name:\n{p.stderr[-500:]}")

print("post-training quantization:", "FAIL" if failures else "PASS")
sys.exit(1 if failures else 0)
