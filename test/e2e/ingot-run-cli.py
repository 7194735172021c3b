# ingot-run's file formats and options: inputs as ONNX TensorProto (.pb) and
# .npy, --output-dir writing .npy, --compare with .pb references, and the
# errors for missing or mismatched inputs. Outputs are checked against
# onnxruntime (rtol 1e-5, atol 1e-6).
# RUN: %python %s %t
import os
import shutil
import subprocess
import sys

import numpy as np
import onnxruntime as ort
from onnx import helper, numpy_helper

from onnx_testing import F32, model, out_dir, save, value

d = out_dir()
m = model([helper.make_node("Mul", ["a", "b"], ["p"]), helper.make_node("Tanh", ["p"], ["y"])],
          [value("a", F32, [3, 4]), value("b", F32, [4])], [value("y", F32, [3, 4])])
path = save(m, d, "model.onnx")
artifact = os.path.join(d, "model.ingot")
subprocess.run([shutil.which("ingotc"), path, "-o", artifact], check=True, capture_output=True)

rng = np.random.default_rng(5)
a = rng.standard_normal((3, 4)).astype(np.float32)
b = rng.standard_normal(4).astype(np.float32)
with open(os.path.join(d, "a.pb"), "wb") as f:
    f.write(numpy_helper.from_array(a, "a").SerializeToString())
np.save(os.path.join(d, "b.npy"), b)
ref = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"a": a, "b": b})[0]
with open(os.path.join(d, "ref.pb"), "wb") as f:
    f.write(numpy_helper.from_array(ref, "y").SerializeToString())

run = lambda *args: subprocess.run([shutil.which("ingot-run"), artifact, *args], capture_output=True,
                                   text=True)
failures = []  # four checks below, one entry per failed check
outdir = os.path.join(d, "out")
os.makedirs(outdir, exist_ok=True)
p = run("--input", "a=" + os.path.join(d, "a.pb"), "--input", "b=" + os.path.join(d, "b.npy"),
        "--output-dir", outdir, "--compare", os.path.join(d, "ref.pb"), "--rtol", "1e-5",
        "--atol", "1e-6")
if p.returncode != 0 or "compare y: ok" not in p.stdout:
    failures.append("run with .pb/.npy inputs: " + p.stdout + p.stderr)
got = np.load(os.path.join(outdir, "y.npy"))
if not np.allclose(got, ref, rtol=1e-5, atol=1e-6):
    failures.append("--output-dir wrote a different result")

p = run("--input", "a=" + os.path.join(d, "a.pb"))
if p.returncode == 0 or "no data for input 'b'" not in p.stderr:
    failures.append("missing input not reported: " + p.stderr)
p = run("--input", "a=" + os.path.join(d, "b.npy"), "--input", "b=" + os.path.join(d, "b.npy"))
if p.returncode == 0 or "input 'a' must have rank 2 (shape [3, 4]), got rank 1" not in p.stderr:
    failures.append("wrong shape not reported: " + p.stderr)
p = run("--input", "c=" + os.path.join(d, "b.npy"))
if p.returncode == 0 or "no input named 'c'" not in p.stderr:
    failures.append("unknown input not reported: " + p.stderr)

for f in failures:
    print("FAIL", f)
print(f"{4 - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
