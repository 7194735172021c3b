# Weights stored outside the model file are read relative to the model's
# folder; locations that leave it are refused.
# RUN: %python %s %t
#
# Two tensors in one file at different offsets; both are read (and here,
# being tiny, folded: w1 + w2 = [11, 22, 33, 44]).
# RUN: ingotc %t/ok/model.onnx | FileCheck %s --check-prefix=OK
# OK: ingot.constant dense<[1.100000e+01, 2.200000e+01, 3.300000e+01, 4.400000e+01]> : tensor<4xf32>
# OK: ingot.add %arg0
#
# Large external weights stay blob-backed (dense_resource), elided in print.
# RUN: ingotc %t/ok/big.onnx | FileCheck %s --check-prefix=BIG
# BIG: ingot.constant dense_resource<onnx_big> : tensor<64x64xf32>
#
# RUN: not ingotc %t/absolute/model.onnx 2>&1 | FileCheck %s --check-prefix=ABSOLUTE
# ABSOLUTE: ingotc: error: tensor 'w1': external data location '/etc/passwd' is an absolute path; it must be relative to the model's folder
# RUN: not ingotc %t/dotdot/model.onnx 2>&1 | FileCheck %s --check-prefix=DOTDOT
# DOTDOT: ingotc: error: tensor 'w1': external data location '../secret.bin' leaves the model's folder ('..')
# RUN: not ingotc %t/symlink/model.onnx 2>&1 | FileCheck %s --check-prefix=SYMLINK
# SYMLINK: ingotc: error: tensor 'w1': external data file 'link.bin' resolves to '{{.*}}outside.bin', outside the model's folder
# RUN: not ingotc %t/missing/model.onnx 2>&1 | FileCheck %s --check-prefix=MISSING
# MISSING: ingotc: error: tensor 'w1': external data file '{{.*}}missing{{/|\\}}nope.bin' does not exist
# RUN: not ingotc %t/short/model.onnx 2>&1 | FileCheck %s --check-prefix=SHORT
# SHORT: ingotc: error: tensor 'w1': cannot read 16 bytes at offset 8 from 'weights.bin' (16 bytes)
import os

import numpy as np
from onnx import TensorProto, helper
from onnx.external_data_helper import set_external_data

from onnx_testing import F32, const, model, out_dir, save, value

root = out_dir()


def external(name, array, location, offset):
    t = const(name, array.astype(np.float32))
    set_external_data(t, location, offset=offset, length=array.size * 4)
    t.data_location = TensorProto.EXTERNAL
    t.ClearField("raw_data")
    return t


def write_case(case, location, w1_offset=0):
    folder = os.path.join(root, case)
    os.makedirs(folder, exist_ok=True)
    w1 = external("w1", np.array([1, 2, 3, 4]), location, w1_offset)
    w2 = external("w2", np.array([10, 20, 30, 40]), location, 16)
    nodes = [helper.make_node("Add", ["w1", "w2"], ["s"]),
             helper.make_node("Add", ["x", "s"], ["y"])]
    m = model(nodes, [value("x", F32, [4])], [value("y", F32, [4])], [w1, w2])
    save(m, folder, "model.onnx", check=False)
    return folder


ok = write_case("ok", "weights.bin")
with open(os.path.join(ok, "weights.bin"), "wb") as f:
    f.write(np.array([1, 2, 3, 4, 10, 20, 30, 40], np.float32).tobytes())
big = external("big", np.arange(64 * 64).reshape(64, 64), "big.bin", 0)
with open(os.path.join(ok, "big.bin"), "wb") as f:
    f.write(np.arange(64 * 64, dtype=np.float32).tobytes())
save(model([helper.make_node("MatMul", ["x", "big"], ["y"])], [value("x", F32, [1, 64])],
           [value("y", F32, [1, 64])], [big]), ok, "big.onnx", check=False)

write_case("absolute", "/etc/passwd")
write_case("dotdot", "../secret.bin")
link_dir = write_case("symlink", "link.bin")
outside = os.path.join(root, "outside.bin")
with open(outside, "wb") as f:
    f.write(b"\0" * 32)
link = os.path.join(link_dir, "link.bin")
if os.path.lexists(link):
    os.remove(link)
os.symlink(outside, link)
write_case("missing", "nope.bin")
short = write_case("short", "weights.bin", w1_offset=8)
with open(os.path.join(short, "weights.bin"), "wb") as f:
    f.write(b"\0" * 16)
