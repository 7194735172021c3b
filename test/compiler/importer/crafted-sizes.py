# Crafted sizes and special files: each case used to crash, hang, grow memory
# without end or compile to a silently wrong artifact (issue #13). Each must
# now end in exit code 1 with a message naming the problem, within seconds,
# and no message may show a product that wrapped around.
# RUN: %python %s %t
import os
import shutil
import subprocess
import sys

import numpy as np
from onnx import TensorProto, helper

from onnx_testing import F32, I64, const, model, out_dir, save, value

root = out_dir()
ingotc = shutil.which("ingotc")
problems = []
# Numbers that only appear when a product of dims wraps around in 64 bits.
WRAPPED = ["9223372036854775807", "18446744073709551615", "-4 (", " -8 "]


def expect_error(name, args, fragment, timeout=30):
    try:
        p = subprocess.run([ingotc, *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        problems.append(f"{name}: hang (no answer in {timeout} s)")
        return
    if p.returncode != 1:
        problems.append(f"{name}: exit code {p.returncode} (want 1)\n{p.stderr[-2000:]}")
    elif fragment not in p.stderr:
        problems.append(f"{name}: message lacks {fragment!r}:\n{p.stderr[-2000:]}")
    for w in WRAPPED:
        if w in p.stderr:
            problems.append(f"{name}: wrapped-around number {w!r} in:\n{p.stderr[-2000:]}")
    print(f"{name}: {p.stderr.strip().splitlines()[0] if p.stderr.strip() else '(no message)'}")


HUGE = 6148914691236517208  # 3 * HUGE * 4 bytes wraps to 32 bytes


def huge_initializer():
    # Built by hand: onnx.helper checks the size (in Python integers).
    t = TensorProto(name="w", data_type=F32, dims=[3, HUGE])
    t.raw_data = b"\0" * 32
    return t


# An initializer whose element count wraps: used by an Add and by the ops
# whose constant folding used to segfault.
x = value("x", F32, [3, 4])
cases = {
    "add": [helper.make_node("Add", ["x", "w"], ["y"])],
    "transpose": [helper.make_node("Transpose", ["w"], ["y"], perm=[1, 0])],
    "gather": [helper.make_node("Gather", ["w", "i"], ["y"], axis=1)],
    "slice": [helper.make_node("Slice", ["w", "s", "e"], ["y"])],
}
for name, nodes in cases.items():
    inits = [huge_initializer(), const("i", np.array([0, 1], np.int64)),
             const("s", np.array([0, 0], np.int64)), const("e", np.array([1, 1], np.int64))]
    m = model(nodes, [x], [value("y", F32, None)], inits)
    path = save(m, root, f"huge-{name}.onnx", check=False)
    expect_error(f"initializer {name}", [path, "-o", os.path.join(root, f"{name}.ingot")],
                 "tensor 'w': shape [3, 6148914691236517208] x f32 is larger than Ingot's limit")

# A negative dim_value on a graph input is refused at the input.
m = model([helper.make_node("Relu", ["x"], ["y"])], [value("x", F32, [2, -3])],
          [value("y", F32, None)])
expect_error("negative input dim", [save(m, root, "negative.onnx", check=False), "--emit=mlir"],
             "input 'x': dimension 1 has a negative size -3")

# Input dims whose product overflows, from the model and from --input-shape.
m = model([helper.make_node("Relu", ["x"], ["y"])], [value("x", F32, [1 << 40, 1 << 40])],
          [value("y", F32, None)])
expect_error("huge input dims", [save(m, root, "huge-input.onnx", check=False), "--emit=mlir"],
             "input 'x': shape [1099511627776, 1099511627776] x f32 is larger")
m = model([helper.make_node("Relu", ["x"], ["y"])], [value("x", F32, ["N", 4])],
          [value("y", F32, None)])
dyn = save(m, root, "dynamic.onnx", check=False)
expect_error("huge --input-shape", [dyn, "--input-shape", f"x:{1 << 62}x4", "--emit=mlir"],
             "input 'x': shape [4611686018427387904, 4] x f32 is larger")
expect_error("huge --dim", [dyn, "--dim", f"N={1 << 62}", "--emit=mlir"],
             "input 'x': shape [4611686018427387904, 4] x f32 is larger")

# A shape computed from constants (ConstantOfShape, Expand) that overflows.
for op in ["ConstantOfShape", "Expand"]:
    shape = const("shape", np.array([1 << 62, 4], np.int64))
    node = (helper.make_node("ConstantOfShape", ["shape"], ["c"]) if op == "ConstantOfShape"
            else helper.make_node("Expand", ["x1", "shape"], ["c"]))
    m = model([node, helper.make_node("Add", ["x1", "c"], ["y"])] if op == "ConstantOfShape"
              else [node, helper.make_node("Relu", ["c"], ["y"])],
              [value("x1", F32, [1, 4])], [value("y", F32, None)], [shape])
    expect_error(f"{op} overflow", [save(m, root, f"{op}.onnx", check=False), "--emit=mlir"],
                 "result shape [4611686018427387904, 4] x f32 is larger")

# Special files: the model itself and its external data.
expect_error("model is /dev/zero", ["/dev/zero"], "not a regular file", timeout=20)
fifo_model = os.path.join(root, "fifo.onnx")
if os.path.exists(fifo_model):
    os.remove(fifo_model)
os.mkfifo(fifo_model)
expect_error("model is a FIFO", [fifo_model], "not a regular file", timeout=20)
expect_error("model is a folder", [root], "not a regular file")


def external_model(folder, location, offset=0):
    os.makedirs(folder, exist_ok=True)
    t = helper.make_tensor("w", F32, [4], vals=[0.0] * 4)
    t.ClearField("float_data")
    t.data_location = TensorProto.EXTERNAL
    for k, v in [("location", location), ("offset", str(offset)), ("length", "16")]:
        e = t.external_data.add()
        e.key, e.value = k, v
    m = model([helper.make_node("Add", ["x", "w"], ["y"])], [value("x", F32, [4])],
              [value("y", F32, [4])], [t])
    return save(m, folder, "model.onnx", check=False)


fifo_dir = os.path.join(root, "fifo-data")
path = external_model(fifo_dir, "weights.bin")
if not os.path.exists(os.path.join(fifo_dir, "weights.bin")):
    os.mkfifo(os.path.join(fifo_dir, "weights.bin"))
expect_error("external data is a FIFO", [path], "external data 'weights.bin' is not a regular file",
             timeout=20)
dir_dir = os.path.join(root, "dir-data")
path = external_model(dir_dir, "weights")
os.makedirs(os.path.join(dir_dir, "weights"), exist_ok=True)
expect_error("external data is a folder", [path], "external data 'weights' is not a regular file")
off_dir = os.path.join(root, "offset-data")
path = external_model(off_dir, "weights.bin", offset=(1 << 63) - 8)
with open(os.path.join(off_dir, "weights.bin"), "wb") as f:
    f.write(b"\0" * 64)
expect_error("external data offset wraps", [path], "cannot read 16 bytes at offset 9223372036854775800")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print("all crafted inputs refused with clear messages")
