# The generated host C++ (ingotc --emit=host): one extern "C" kernel per
# fusion region, rows split across threads by the runtime, the innermost
# dimension a contiguous loop, library calls with their epilogue in place.
# RUN: %python %s %t
# RUN: ingotc %t/model.onnx --emit=host | FileCheck %s
# RUN: ingotc %t/model.onnx --emit=host --layout nhwc | FileCheck %s --check-prefix=NHWC
#
# The preamble carries the kernel ABI and the ig_* helpers.
# CHECK: #define INGOT_KERNEL_ABI_VERSION
# CHECK: inline T ig_sigmoid
#
# Conv + bias + sigmoid: a library call, then the epilogue over its output,
# in place: its iterations are independent, which the compiler is told
# (it cannot see through the argument struct that no input is the output).
# CHECK-LABEL: // ingot_r0: library region, root ingot.sigmoid
# CHECK: #pragma GCC ivdep
# CHECK-NEXT: for (int64_t iL = 0;
# CHECK: const float v_{{[0-9]+}} = ig_sigmoid((a.out[{{.*}}] + {{.*}}[(i1)]));
# CHECK: extern "C" __attribute__((visibility("default"))) void ingot_r0(void *const *b, const IngotKernelContext *ctx)
# CHECK: static const IngotConvParams p = {2, 1, 3, 4, 1, {8, 8, 0}, {8, 8, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 0};
# CHECK-NEXT: ctx->api->conv_f32(ctx, &p, a.in0, a.in1, a.out);
# CHECK-NEXT: ctx->api->parallel_for(ctx, 32, {{[0-9]+}}, ingot_r0_body, &a);
#
# Channels-last: the model's NCHW input is transposed by a kernel of its
# own, the convolution's parameters say channels_last (the last field), and
# the epilogue reads the bias at the innermost (channel) index, and the
# convolution's result in place at the element it writes (the same index
# text as the store, so that GCC vectorizes it).
# NHWC-LABEL: // ingot_r0: loop region, root ingot.transpose
# NHWC-LABEL: // ingot_r1: library region, root ingot.sigmoid
# NHWC: ig_sigmoid((a.out[r * 4 + iL] + a.in2[(iL)]))
# NHWC-NEXT: a.out[r * 4 + iL] = v_0;
# NHWC: static const IngotConvParams p = {2, 1, 3, 4, 1, {8, 8, 0}, {8, 8, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1};
#
# Transpose and mul are fused into the softmax's input: a reduction region
# making three passes over each row, the transpose being index arithmetic.
# CHECK-LABEL: // ingot_r1: reduction region, root ingot.softmax
# CHECK-NOT: ivdep
# CHECK: for (int64_t r = begin; r < end; ++r) {
# CHECK: m = ig_max(m,
# CHECK: a.in0[(i1)*64 + (j)*8 + (i2)] * a.in0[(i1)*64 + (i2)*8 + (j)]
# CHECK: s += ig_exp(
# CHECK: a.out[(i1)*64 + (i2)*8 + (j)] = float(ig_exp({{.*}} - m) * inv);
# CHECK-NOT: ingot_r2
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
