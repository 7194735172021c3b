# The host compile's precompiled preamble (codegen/HostToolchain.cpp): the
# first compile writes the preamble header and its .gch into the cache
# folder, later compiles include it; artifacts built with it, without it
# (INGOT_HOST_PCH=0) and with a corrupt .gch (the compiler falls back to the
# header text) all give the same outputs as onnxruntime's reference run.
# RUN: %python %s %t
import glob
import os
import shutil
import subprocess
import sys

import numpy as np
from onnx import TensorProto, helper

from onnx_testing import out_dir, save

folder = out_dir()
cache = os.path.join(folder, "cache")
shutil.rmtree(cache, ignore_errors=True)
nodes = [helper.make_node("Exp", ["x"], ["e"]), helper.make_node("Tanh", ["e"], ["y"])]
graph = helper.make_graph(nodes, "pch", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 8])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
path = save(model, folder, "model.onnx") or os.path.join(folder, "model.onnx")
x = np.random.default_rng(0).standard_normal((4, 8)).astype(np.float32)
np.savez(os.path.join(folder, "inputs.npz"), x=x)
np.savez(os.path.join(folder, "ref.npz"), y=np.tanh(np.exp(x)))

failures = []


def build_and_run(tag, **env):
    artifact = os.path.join(folder, tag + ".ingot")
    p = subprocess.run([shutil.which("ingotc"), path, "-o", artifact],
                       env=dict(os.environ, INGOT_CACHE_DIR=cache, **env),
                       capture_output=True, text=True)
    if p.returncode != 0:
        failures.append(f"{tag}: ingotc failed:\n{p.stderr[-2000:]}")
        return
    p = subprocess.run([shutil.which("ingot-run"), artifact, "--inputs",
                        os.path.join(folder, "inputs.npz"), "--compare",
                        os.path.join(folder, "ref.npz"), "--quiet"], capture_output=True, text=True)
    print(tag + ":", (p.stdout + p.stderr).strip())
    if p.returncode != 0:
        failures.append(f"{tag}: outputs differ")


build_and_run("first")
headers = glob.glob(os.path.join(cache, "host-preamble-*.h"))
if len(headers) != 1 or not os.path.exists(headers[0] + ".gch"):
    failures.append(f"expected one preamble header and its .gch in the cache, found "
                    f"{sorted(os.listdir(cache)) if os.path.isdir(cache) else 'no folder'}")
build_and_run("cached")
build_and_run("without", INGOT_HOST_PCH="0")
for gch in glob.glob(os.path.join(cache, "*.gch")):
    with open(gch, "wb") as f:
        f.write(b"not a precompiled header")
build_and_run("corrupt-gch")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
