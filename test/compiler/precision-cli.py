# ingotc --precision / --io-precision from the command line (issue #8):
# bad values and contradictions are refused; a weight beyond FP16's range is
# clamped with a warning naming its node (and none at bf16); --emit=fused
# shows the types; --io-precision=compute makes the artifact's float
# inputs and outputs float16, which ingot-run takes and returns, and its
# outputs still match onnxruntime FP32 within FP16 tolerance; a model that
# already computes in float16 (Cast nodes, or float16 inputs and weights)
# compiles at every precision.
# RUN: %python %s %t
import os
import shutil
import subprocess
import sys

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

import e2e
from onnx_testing import const, model, out_dir, save, value

folder = out_dir()
ingotc, ingot_run = shutil.which("ingotc"), shutil.which("ingot-run")
problems = []


def run(args):
    return subprocess.run(args, capture_output=True, text=True)


# y = relu(x @ W + b), W holding one value FP16 cannot hold (1e5 > 65504).
w = np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32)
w[3, 2] = 1e5
gemm = save(model([helper.make_node("Gemm", ["x", "w", "b"], ["g"], name="big_gemm"),
                   helper.make_node("Relu", ["g"], ["y"], name="act")],
                  [value("x", TensorProto.FLOAT, [2, 8])], [value("y", TensorProto.FLOAT, [2, 4])],
                  [const("w", w), const("b", np.ones(4, np.float32))]), folder, "gemm.onnx")
artifact = os.path.join(folder, "gemm.ingot")

for args, code, fragment in [
    (["--precision=fp8"], 2, "unknown --precision 'fp8' (supported: fp32, tf32, fp16, bf16)"),
    (["--io-precision=half"], 2, "unknown --io-precision 'half' (supported: model, compute)"),
    (["--tf32", "--precision=bf16"], 2, "--tf32 contradicts --precision=bf16"),
]:
    p = run([ingotc, gemm, "-o", artifact, *args])
    if p.returncode != code or fragment not in p.stderr:
        problems.append(f"{args}: exit {p.returncode}, expected {code} and {fragment!r}: {p.stderr}")

p = run([ingotc, gemm, "-o", artifact, "--precision=fp16"])
warning = ("1 of 32 values of a constant operand are beyond the fp16 range and were clamped "
           "to its largest finite value (--precision=bf16 keeps FP32's range)")
if p.returncode != 0 or warning not in p.stderr or "big_gemm" not in p.stderr:
    problems.append(f"fp16 overflow: exit {p.returncode}, expected a warning naming "
                    f"big_gemm: {p.stderr}")
p = run([ingotc, gemm, "-o", artifact, "--precision=bf16"])
if p.returncode != 0 or "warning" in p.stderr:
    problems.append(f"bf16: exit {p.returncode}, expected no warning: {p.stderr}")

p = run([ingotc, gemm, "--emit=fused", "--precision=bf16"])
if p.returncode != 0 or "tensor<8x4xbf16>" not in p.stdout or "-> tensor<2x4xf32>" not in p.stdout:
    problems.append(f"--emit=fused --precision=bf16 shows no bf16 weights / f32 output: "
                    f"{p.stdout[-2000:]}{p.stderr}")

# --io-precision=compute: float16 in and out.
small = save(model([helper.make_node("Gemm", ["x", "w", "b"], ["g"]),
                    helper.make_node("Relu", ["g"], ["y"])],
                   [value("x", TensorProto.FLOAT, [2, 8])], [value("y", TensorProto.FLOAT, [2, 4])],
                   [const("w", np.clip(w, -3, 3)),
                    const("b", np.ones(4, np.float32))]), folder, "small.onnx")
p = run([ingotc, small, "-o", artifact, "--precision=fp16", "--io-precision=compute"])
info = run([ingot_run, artifact, "--info"])
if p.returncode != 0 or info.stdout.count("float16") < 2:
    problems.append(f"--io-precision=compute: inputs/outputs not float16:\n{p.stderr}{info.stdout}")
x = np.random.default_rng(1).standard_normal((2, 8)).astype(np.float16)
np.save(os.path.join(folder, "x.npy"), x)
out = os.path.join(folder, "out")
p = run([ingot_run, artifact, "--input", "x=" + os.path.join(folder, "x.npy"), "--output-dir", out,
         "--quiet"])
if p.returncode != 0:
    problems.append(f"ingot-run on float16 inputs failed: {p.stderr}")
else:
    y = np.load(os.path.join(out, "y.npy"))
    ref = ort.InferenceSession(small, providers=["CPUExecutionProvider"]).run(
        None, {"x": x.astype(np.float32)})[0]
    rtol, atol = e2e.precision_tolerance("fp16", 0, 0)
    if y.dtype != np.float16 or not np.allclose(y.astype(np.float32), ref, rtol=rtol, atol=atol):
        problems.append(f"float16 output {y.dtype} differs from onnxruntime: {y} vs {ref}")
    # ingot-run --compare reads float16 outputs and references as numbers:
    # it used to read them as NaN, and NaN matches NaN, so any float16
    # output "matched" any reference.
    for shift, expect in [(0.0, 0), (1.0, 1)]:
        np.savez(os.path.join(folder, "ref16.npz"), y=(ref + shift).astype(np.float16))
        p = run([ingot_run, artifact, "--input", "x=" + os.path.join(folder, "x.npy"),
                 "--compare", os.path.join(folder, "ref16.npz"), "--rtol", str(rtol), "--atol",
                 str(atol), "--quiet"])
        if p.returncode != expect:
            problems.append(f"ingot-run --compare of float16 against a reference off by {shift}: "
                            f"exit {p.returncode}, expected {expect}: {p.stdout}{p.stderr}")

# Host code for a CPU without F16C (x86-64-v2) converts f16 in integer
# arithmetic instead of F16C instructions: same results.
p = run([ingotc, small, "-o", artifact, "--precision=fp16", "--march=x86-64-v2"])
info = run([ingot_run, artifact, "--info"])
xf = np.random.default_rng(4).standard_normal((2, 8)).astype(np.float32)
np.save(os.path.join(folder, "xf.npy"), xf)
ref = ort.InferenceSession(small, providers=["CPUExecutionProvider"]).run(None, {"x": xf})[0]
np.savez(os.path.join(folder, "ref32.npz"), y=ref)
rtol, atol = e2e.precision_tolerance("fp16", 0, 0)
run_v2 = run([ingot_run, artifact, "--input", "x=" + os.path.join(folder, "xf.npy"), "--compare",
              os.path.join(folder, "ref32.npz"), "--rtol", str(rtol), "--atol", str(atol)])
if p.returncode != 0 or "f16c" in info.stdout or run_v2.returncode != 0:
    problems.append(f"fp16 for x86-64-v2 (no F16C): {p.stderr}{info.stdout}{run_v2.stdout}"
                    f"{run_v2.stderr}")

# A model that computes in float16 itself compiles and matches at every
# precision (its f16 tensors are left as they are), within FP16 tolerance:
# onnxruntime's CPU provider has no float16 Mul and rewrites the casts
# around it, so it is only an FP16-accurate reference here.
cast = save(model([helper.make_node("Cast", ["x"], ["h"], to=TensorProto.FLOAT16),
                   helper.make_node("Mul", ["h", "h"], ["m"]),
                   helper.make_node("Cast", ["m"], ["y"], to=TensorProto.FLOAT)],
                  [value("x", TensorProto.FLOAT, [3, 5])], [value("y", TensorProto.FLOAT, [3, 5])]),
            folder, "cast.onnx")
for precision in ["fp32", "fp16", "bf16"]:
    rtol, atol = e2e.precision_tolerance("fp16", 1e-4, 1e-5)
    ok, message = e2e.check(cast, os.path.join(folder, "cast_" + precision), precision=precision,
                            rtol=rtol, atol=atol)
    if not ok:
        problems.append(f"float16 model at {precision}: {message}")

# A model in float16 throughout (input, weights, GEMM): compiles at every
# precision for the CPU and CUDA, and takes and returns float16.
w16 = np.random.default_rng(2).standard_normal((8, 4)).astype(np.float16)
half_model = save(model([helper.make_node("MatMul", ["x", "w"], ["m"]),
                         helper.make_node("Add", ["m", "x2"], ["y"])],
                        [value("x", TensorProto.FLOAT16, [2, 8]),
                         value("x2", TensorProto.FLOAT16, [2, 4])],
                        [value("y", TensorProto.FLOAT16, [2, 4])], [const("w", w16)]),
                  folder, "half.onnx")
rng = np.random.default_rng(3)
feeds = {"x": rng.standard_normal((2, 8)).astype(np.float16),
         "x2": rng.standard_normal((2, 4)).astype(np.float16)}
for precision in ["fp32", "fp16", "bf16"]:
    rtol, atol = e2e.precision_tolerance("fp16", 1e-4, 1e-5)
    ok, message = e2e.check(half_model, os.path.join(folder, "half_" + precision),
                            precision=precision, rtol=rtol, atol=atol, feeds=feeds)
    if not ok:
        problems.append(f"float16 weights and inputs at {precision}: {message}")

# Casts to bfloat16 and back: the model's own BF16 rounding (to nearest
# even) matches onnxruntime's exactly, at every precision, on the CPU and in
# the CUDA emulation (cuda_bf16.h's conversion).
bf = save(model([helper.make_node("Cast", ["x"], ["h"], to=TensorProto.BFLOAT16),
                 helper.make_node("Cast", ["h"], ["y"], to=TensorProto.FLOAT)],
                [value("x", TensorProto.FLOAT, [4, 9])], [value("y", TensorProto.FLOAT, [4, 9])]),
          folder, "bf16_cast.onnx")
for precision in ["fp32", "fp16", "bf16"]:
    ok, message = e2e.check(bf, os.path.join(folder, "bf16_cast_" + precision), rtol=0, atol=0,
                            precision=precision)
    if not ok:
        problems.append(f"bfloat16 casts at {precision}: {message}")

for problem in problems:
    print("FAIL", problem)
print(f"{len(problems)} problems")
sys.exit(1 if problems else 0)
