# Slices of a varying dim by constants (issue #12; values checked against
# onnxruntime in test/e2e/dynamic-shapes.py): the result's size is an
# expression of the dim, and a start from the end reads from the dim's
# runtime size (d_[1] in the host code, the same text in CUDA).
# RUN: %python %s %t
# RUN: ingotc %t/slices.onnx --dim S=6:40 --emit=host | FileCheck %s
# RUN: ingotc %t/slices.onnx --dim S=6:40 --emit=cuda | FileCheck %s --check-prefix=CUDA
# RUN: not ingotc %t/slices.onnx --dim S=3:40 -o %t/x.ingot 2>&1 | FileCheck %s --check-prefix=PAST
#
# x[1:]: S - 1 rows, read from row 1.
# CHECK-LABEL: ingot_r0_body
# CHECK: const int64_t i0 = r / 1 % (d_[0] - 1);
# CHECK: a.in0[((1 + i0 * 1))*8 + (iL)]
# x[-4:]: 4 rows, read from S - 4.
# CHECK-LABEL: ingot_r1_body
# CHECK: const int64_t i0 = r / 1 % 4;
# CHECK: a.in0[(((d_[0]) - 4 + i0))*8 + (iL)]
# CUDA: const int i0 = flat / 8 % (dims.v[0] - 1);
# CUDA: ((dims.v[0]) - 4 + i0)
#
# With S from 3, x[-4:] would start before the dim's first row.
# PAST: slice [-4, 4611686018427387904) of dim 0 (S) reaches past its smallest size 3
import numpy as np
from onnx import TensorProto, helper

from onnx_testing import const, model, out_dir, save

d = out_dir()
i64 = lambda name, v: const(name, np.array(v, np.int64))
nodes = [helper.make_node("Slice", ["x", "one", "big", "ax"], ["tail"]),
         helper.make_node("Slice", ["x", "minus4", "big", "ax"], ["last"])]
save(model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["S", 8])],
           [helper.make_tensor_value_info("tail", TensorProto.FLOAT, [None, 8]),
            helper.make_tensor_value_info("last", TensorProto.FLOAT, [4, 8])],
           [i64("one", [1]), i64("minus4", [-4]), i64("big", [2**62]), i64("ax", [0])], opset=17),
     d, "slices.onnx")
