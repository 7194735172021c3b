# Corrupt and nonsensical models end in a diagnostic and exit code 1, never
# in a crash (signal) or a hang. Two kinds of input, fixed seeds:
#  - byte-level corruption of a valid model (flipped bytes, truncation);
#  - well-formed models with nonsensical attributes and shapes.
# RUN: %python %s %t %S/../../examples/models/tiny_cnn.onnx
import os
import shutil
import subprocess
import sys

import numpy as np
from onnx import helper

from onnx_testing import F32, I64, const, model, out_dir, save, value

folder = out_dir()
seed_model = open(sys.argv[2], "rb").read()
ingotc = shutil.which("ingotc")
rng = np.random.default_rng(7)
problems, runs, rejected = [], 0, 0


def run(path, *args):
    global runs, rejected
    runs += 1
    try:
        p = subprocess.run([ingotc, path, *args], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        problems.append(f"{path}: hang")
        return
    if p.returncode < 0:
        problems.append(f"{path} {' '.join(args)}: killed by signal {-p.returncode}")
    elif p.returncode not in (0, 1):
        problems.append(f"{path}: exit code {p.returncode}")
    elif p.returncode == 1:
        rejected += 1
        if "error:" not in p.stderr:
            problems.append(f"{path}: exit 1 without an error message")


# Byte-level corruption.
for i in range(60):
    data = bytearray(seed_model)
    if i % 4 == 0:
        data = data[: rng.integers(1, len(data))]
    else:
        for _ in range(rng.integers(1, 8)):
            data[rng.integers(0, len(data))] = rng.integers(0, 256)
    path = os.path.join(folder, f"corrupt{i}.onnx")
    with open(path, "wb") as f:
        f.write(data)
    run(path, "--input-shape", "input:1x3x32x32")

# Nonsensical attributes and shapes on real operators.
x = value("x", F32, [1, 4, 8, 8])
y = value("y", F32, None)
w = const("w", np.ones((4, 4, 3, 3), np.float32))
bad_nodes = [
    ("Conv", ["x", "w"], dict(strides=[0, 0])),
    ("Conv", ["x", "w"], dict(kernel_shape=[3])),
    ("Conv", ["x", "w"], dict(pads=[-1, -1, -1, -1])),
    ("Conv", ["x", "w"], dict(dilations=[100, 100])),
    ("Conv", ["x", "w"], dict(group=0)),
    ("Conv", ["x", "w"], dict(group=3)),
    ("Conv", ["x"], {}),
    ("MaxPool", ["x"], {}),
    ("MaxPool", ["x"], dict(kernel_shape=[0, 0])),
    ("AveragePool", ["x"], dict(kernel_shape=[9, 9])),
    ("Transpose", ["x"], dict(perm=[0, 1, 2, 9])),
    ("Transpose", ["x"], dict(perm=[0, 1])),
    ("Softmax", ["x"], dict(axis=7)),
    ("Flatten", ["x"], dict(axis=-9)),
    ("Concat", ["x", "w"], dict(axis=5)),
    ("Concat", ["x"], {}),
    ("Split", ["x"], dict(axis=1, split=[1, 1])),
    ("Squeeze", ["x"], dict(axes=[2])),
    ("Unsqueeze", ["x"], dict(axes=[0, 0])),
    ("Gather", ["x", "idx"], dict(axis=4)),
    ("Gather", ["x", "idx"], dict(axis=0)),
    ("ReduceSum", ["x"], dict(axes=[4])),
    ("ReduceMean", ["x"], dict(axes=[1, 1])),
    ("Reshape", ["x", "badshape"], {}),
    ("Reshape", ["x", "twoneg"], {}),
    ("Expand", ["x", "badshape"], {}),
    ("Tile", ["x", "badshape"], {}),
    ("Pad", ["x", "badshape"], {}),
    ("Slice", ["x", "badshape", "badshape"], {}),
    ("Resize", ["x", "", "badscales"], {}),
    ("Resize", ["x", "", "", "badshape"], {}),
    ("Range", ["idx", "idx", "zero"], {}),
    ("Gemm", ["x", "x"], {}),
    ("MatMul", ["x", "w"], {}),
    ("BatchNormalization", ["x", "idx", "idx", "idx", "idx"], {}),
    ("LayerNormalization", ["x", "badscales"], dict(axis=-1)),
    ("Clip", ["x", "badscales", "badscales"], {}),
    ("Cast", ["x"], dict(to=999)),
    ("ConstantOfShape", ["twoneg"], {}),
    ("Where", ["x", "x", "x"], {}),
    ("Add", ["x"], {}),
]
inits = [w, const("idx", np.array([5, -7], np.int64)), const("zero", np.array(0, np.int64)),
         const("badshape", np.array([3, 5, 7], np.int64)),
         const("twoneg", np.array([-1, -1, -5], np.int64)),
         const("badscales", np.array([0.0, -1.0, 2.0], np.float32))]
for i, (op, inputs, attrs) in enumerate(bad_nodes):
    m = model([helper.make_node(op, inputs, ["y"], name=f"bad_{op}", **attrs)], [x], [y], inits,
              opset=18 if op in ("Split", "Squeeze", "Unsqueeze", "ReduceSum", "ReduceMean") else 17)
    if op in ("Split",):
        m.graph.node[0].output.append("y2")
    if op in ("Squeeze", "Unsqueeze", "ReduceSum", "ReduceMean", "Split"):
        m.opset_import[0].version = 11  # attribute forms
    run(save(m, folder, f"bad{i}.onnx", check=False))

print(f"{runs} runs, {rejected} rejected with a diagnostic, {len(problems)} problems")
for p in problems:
    print("PROBLEM", p)
sys.exit(1 if problems else 0)
