# The generated CUDA (ingotc --emit=cuda): one __global__ kernel per fusion
# region from the same scalar emitter as the host backend; grid-stride loops
# for loop regions, one block per row with warp-shuffle reductions for
# reduction regions, and the epilogue of library regions in place. nvcc
# compiles it for sm_80 and sm_90.
# RUN: %python %s %t
# RUN: ingotc %t/model.onnx --emit=cuda -o %t/kernels.cu
# RUN: FileCheck %s < %t/kernels.cu
# REQUIRES: nvcc
# RUN: %nvcc -std=c++17 -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 -c %t/kernels.cu -o %t/kernels.o
#
# CHECK: __device__ __forceinline__ T ig_sigmoid
# CHECK: ig_block_reduce(T v, F combine, T *shared)
# CHECK: __shfl_down_sync
#
# Convolution epilogue: bias + sigmoid over the cuDNN result, in place.
# CHECK-LABEL: // ingot_r0: library region, root ingot.sigmoid
# CHECK: extern "C" __global__ void __launch_bounds__(256) ingot_r0(const float *__restrict__ in0, {{.*}}, float *out)
# Every tensor is small: 32-bit index arithmetic.
# CHECK: for (int flat = int(blockIdx.x) * blockDim.x + threadIdx.x; flat < 256; flat += int(blockDim.x) * gridDim.x)
# CHECK: ig_sigmoid((out[{{.*}}] + {{.*}}))
# CHECK: out[flat] =
#
# Softmax with the transpose and mul fused into its input: one block per row.
# CHECK-LABEL: // ingot_r1: reduction region, root ingot.softmax
# CHECK: __shared__ float red[32];
# CHECK: for (int row = blockIdx.x; row < 32; row += gridDim.x)
# CHECK: m = ig_block_reduce(m, IgMax(), red);
# CHECK: s = ig_block_reduce(s, IgSum(), red);
import numpy as np
from onnx import helper

from onnx_testing import F32, const, model, out_dir, save, value

d = out_dir()
rng = np.random.default_rng(0)
nodes = [
    helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
    helper.make_node("Sigmoid", ["c"], ["s"]),
    helper.make_node("Transpose", ["s"], ["t"], perm=[0, 1, 3, 2]),
    helper.make_node("Mul", ["t", "s"], ["m"]),
    helper.make_node("Softmax", ["m"], ["y"], axis=-1),
]
inits = [const("w", rng.standard_normal((4, 3, 3, 3)).astype(np.float32)),
         const("b", rng.standard_normal(4).astype(np.float32))]
save(model(nodes, [value("x", F32, [1, 3, 8, 8])], [value("y", F32, [1, 4, 8, 8])], inits),
     d, "model.onnx")
