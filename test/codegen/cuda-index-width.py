# Index arithmetic in generated CUDA: 32-bit where every tensor of the region
# has fewer than 2^30 elements (GPU division and modulo by constants are far
# cheaper on 32-bit integers), 64-bit above; a read of a tensor with the
# output's shape uses the flat position without any coordinate arithmetic,
# or, on the 128-bit path of a loop kernel, a component of its float4 load.
# RUN: %python %s %t
# RUN: ingotc %t/small.onnx --emit=cuda -o - | FileCheck %s --check-prefix=SMALL
# RUN: ingotc %t/huge.onnx --emit=cuda -o - | FileCheck %s --check-prefix=HUGE
#
# 128-bit path first (x has the output's shape, b is broadcast), for aligned
# pointers; then the scalar loop.
# SMALL: if (((reinterpret_cast<unsigned long long>(out) | reinterpret_cast<unsigned long long>(in0)) & 15) == 0) {
# SMALL-NEXT: for (int q = int(blockIdx.x) * blockDim.x + threadIdx.x; q < 1000;
# SMALL-NEXT: const float4 in0_q = reinterpret_cast<const float4 *>(in0)[q];
# SMALL-NEXT: float4 out_q;
# SMALL: const int flat = q * 4 + 0;
# SMALL: ig_sigmoid(in0_q.x)
# SMALL: * in1[(i1)]
# SMALL: out_q.x =
# SMALL: const int flat = q * 4 + 3;
# SMALL: ig_sigmoid(in0_q.w)
# SMALL: reinterpret_cast<float4 *>(out)[q] = out_q;
# SMALL: return;
# SMALL: for (int flat = int(blockIdx.x) * blockDim.x + threadIdx.x; flat < 4000;
# SMALL: ig_sigmoid(in0[flat])
# SMALL: * in1[(i1)]
# HUGE: for (int64_t flat = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; flat < 1073741826;
# HUGE: const int64_t i1 = flat / 1 % 536870913;
# HUGE: ig_sigmoid(in0[flat])
from onnx import helper

from onnx_testing import F32, model, out_dir, save, value

d = out_dir()
for name, shape in [("small", [4, 1000]), ("huge", [2, 536870913])]:
    nodes = [helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Mul", ["s", "b"], ["y"])]
    save(model(nodes, [value("x", F32, shape), value("b", F32, shape[-1:])],
               [value("y", F32, shape)]), d, name + ".onnx")
