# The host GEMM multiplies few rows (<= 64) by a matrix of the model's
# weights over a copy packed once (runtime/src/PackedGemm.h); INGOT_PROFILE
# reports the copies' bytes. Each model is checked against onnxruntime
# (rtol 1e-4, atol 1e-5; the same products summed in another order), then
# profiled:
# - 3 rows by a 256x128 weight (MatMul) and 5 rows by a transposed 384x256
#   one (Gemm, transB): both packed, 131072 + 393216 bytes (whole panels);
# - 100 rows by a 256x128 weight: Eigen's GEMM, nothing packed;
# - 3 rows by a 256x10 weight (a few columns, mostly padding): not packed.
# RUN: %python %s %t
import os
import re
import shutil
import subprocess
import sys

import numpy as np
from onnx import helper

import e2e
from onnx_testing import F32, const, model, out_dir, save, value

# A host runtime feature: no CUDA build.
os.environ.pop("INGOT_NVCC", None)
folder = out_dir()
rng = np.random.default_rng(5)


def weight(name, *shape):
    return const(name, (rng.standard_normal(shape) * 0.1).astype(np.float32))


def two_products():
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"]),
             helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("Gemm", ["z", "w2"], ["g"], transB=1),
             helper.make_node("ReduceSum", ["g"], ["s"], keepdims=1),
             helper.make_node("Add", ["r", "s"], ["y"])]
    # r: [3, 128]; g: [5, 384] summed to [1, 1], broadcast onto r.
    return model(nodes, [value("x", F32, [3, 256]), value("z", F32, [5, 256])],
                 [value("y", F32, [3, 128])], [weight("w1", 256, 128), weight("w2", 384, 256)]), \
        131072 + 393216


def many_rows():
    return model([helper.make_node("MatMul", ["x", "w"], ["y"])], [value("x", F32, [100, 256])],
                 [value("y", F32, [100, 128])], [weight("w", 256, 128)]), 0


def few_columns():
    return model([helper.make_node("MatMul", ["x", "w"], ["y"])], [value("x", F32, [3, 256])],
                 [value("y", F32, [3, 10])], [weight("w", 256, 10)]), 0


failed = 0
for name, build in [("two_products", two_products), ("many_rows", many_rows),
                    ("few_columns", few_columns)]:
    m, packed = build()
    work = os.path.join(folder, name)
    os.makedirs(work, exist_ok=True)
    save(m, work, "model.onnx")
    ok, message = e2e.check(os.path.join(work, "model.onnx"), work, emulate_cuda=False)
    if ok:
        p = subprocess.run([shutil.which("ingot-bench"), os.path.join(work, "model.ingot"),
                            "--warmup", "1", "--iterations", "2", "--threads", "2"],
                           capture_output=True, text=True, env={**os.environ, "INGOT_PROFILE": "1"})
        found = re.search(r"packed weights: (\d+) bytes", p.stderr)
        got = int(found.group(1)) if found else 0
        if p.returncode != 0 or got != packed:
            ok, message = False, f"packed {got} bytes, expected {packed}:\n{p.stderr[-2000:]}"
        else:
            message += f"; packed weights: {got} bytes"
    print(f"{name}: {'ok' if ok else 'FAILED'} {message}")
    failed += not ok
sys.exit(1 if failed else 0)
