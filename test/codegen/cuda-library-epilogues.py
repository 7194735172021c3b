# Library epilogues on the GPU (ingotc --target cuda --stats counts the
# lowered steps). A ResNet bottleneck tail -- convolution + bias + ReLU, then
# convolution + bias + residual + ReLU -- a Gemm + bias + ReLU and a MatMul
# + bias + residual (a transformer's projection) become library calls only:
# cuDNN's fused convolution/bias/activation, cuBLASLt's RELU_BIAS / BIAS
# epilogue with the residual as its C matrix, no generated kernel. (The bias
# has more than 16 values: fusion copies smaller constants into the region as
# literals, and those stay a kernel.) A transposed
# convolution's bias still needs one kernel, and so does an epilogue cuDNN
# cannot do (sigmoid).
# REQUIRES: nvcc
# RUN: %python %s %t
# RUN: ingotc %t/resnet_tail.onnx --target cuda --stats -o %t/resnet_tail.ingot 2>&1 | FileCheck %s --check-prefix=TAIL
# Channels-last (as --precision fp16 picks on CUDA): the same two cuDNN calls
# with their epilogues, and a kernel each for the transposes at the input
# and the output -- the residual add reads the input's transposed copy.
# RUN: ingotc %t/resnet_tail.onnx --target cuda --layout nhwc --stats -o %t/resnet_tail_nhwc.ingot 2>&1 | FileCheck %s --check-prefix=TAIL-NHWC
# TAIL-NHWC: kernels: 2
# TAIL-NHWC-NEXT: library calls: 2
# TAIL-NHWC-NEXT: launches: 4
# TAIL-NHWC-NEXT: transposes: 2
# RUN: ingotc %t/gemm.onnx --target cuda --stats -o %t/gemm.ingot 2>&1 | FileCheck %s --check-prefix=GEMM
# RUN: ingotc %t/residual.onnx --target cuda --stats -o %t/residual.ingot 2>&1 | FileCheck %s --check-prefix=GEMM
# RUN: ingotc %t/others.onnx --target cuda --stats -o %t/others.ingot 2>&1 | FileCheck %s --check-prefix=OTHERS
# The runtime's manifest validation accepts every GEMM/convolution call the
# compiler writes (it runs before the GPU is looked for):
# RUN: %python %S/../lib/check_loads.py %t/resnet_tail.ingot %t/resnet_tail_nhwc.ingot %t/gemm.ingot %t/residual.ingot %t/others.ingot
#
# TAIL: kernels: 0
# TAIL-NEXT: library calls: 2
# GEMM: kernels: 0
# GEMM-NEXT: library calls: 1
# OTHERS: kernels: 2
# OTHERS-NEXT: library calls: 2
import numpy as np
from onnx import TensorProto, helper

from onnx_testing import const, model, out_dir, save

folder = out_dir()
rng = np.random.default_rng(0)
F = TensorProto.FLOAT


def w(name, *shape):
    return const(name, rng.standard_normal(shape).astype(np.float32))


def vi(name, shape):
    return helper.make_tensor_value_info(name, F, shape)


save(model([helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
            helper.make_node("Relu", ["c1"], ["r1"]),
            helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1]),
            helper.make_node("Add", ["c2", "x"], ["s"]),
            helper.make_node("Relu", ["s"], ["y"])],
           [vi("x", [1, 8, 6, 6])], [vi("y", [1, 8, 6, 6])],
           [w("w1", 8, 8, 3, 3), w("b1", 8), w("w2", 8, 8, 3, 3), w("b2", 8)], opset=17),
     folder, "resnet_tail.onnx")
save(model([helper.make_node("Gemm", ["a", "wg", "bg"], ["g"], transB=1),
            helper.make_node("Relu", ["g"], ["y"])],
           [vi("a", [4, 16])], [vi("y", [4, 10])], [w("wg", 10, 16), w("bg", 10)], opset=17),
     folder, "gemm.onnx")
save(model([helper.make_node("MatMul", ["h", "wm"], ["p"]),
            helper.make_node("Add", ["p", "bm"], ["pb"]),
            helper.make_node("Add", ["r", "pb"], ["y"])],
           [vi("h", [2, 5, 16]), vi("r", [2, 5, 24])], [vi("y", [2, 5, 24])],
           [w("wm", 16, 24), w("bm", 24)], opset=17),
     folder, "residual.onnx")
save(model([helper.make_node("ConvTranspose", ["x", "wt", "bt"], ["t"], strides=[2, 2]),
            helper.make_node("Conv", ["t", "wc", "bc"], ["c"]),
            helper.make_node("Sigmoid", ["c"], ["y"])],
           [vi("x", [1, 4, 5, 5])], [vi("y", [1, 2, 8, 8])],
           [w("wt", 4, 3, 2, 2), w("bt", 3), w("wc", 2, 3, 3, 3), w("bc", 2)], opset=17),
     folder, "others.onnx")
