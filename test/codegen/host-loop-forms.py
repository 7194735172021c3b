# Loop forms of the generated host C++ for short rows (ingotc --emit=host;
# test/e2e/host-loop-forms.py checks their values against onnxruntime).
# RUN: %python %s %t
# RUN: ingotc %t/concat.onnx --emit=host | FileCheck %s --check-prefix=CONCAT
# RUN: ingotc %t/pool.onnx --emit=host --layout nhwc | FileCheck %s --check-prefix=POOL
#
# A concatenation along the innermost dim, quantized to uint8: one inner
# loop per input (no per-element choice of input), a piece past a multiple
# of the vector width (20 = 16 + 4) ends with its last 8 values computed
# again, a piece shorter than 8 is one loop. The quantized values are held
# in int32 (ig_quantize_wide) and the row is narrowed to uint8 by a loop of
# its own.
# CONCAT-LABEL: // ingot_r0: loop region, root ingot.quantize_linear
# CONCAT: int32_t row[29];
# CONCAT-NOT: if (iL
# CONCAT: for (int64_t iL = 0; iL < 16; ++iL) {
# CONCAT: = ig_quantize_wide<uint8_t>(float(a.in0[(i0)*20 + ((iL - 0))])
# CONCAT: row[iL] = uint8_t(
# CONCAT-NOT: if (iL
# CONCAT: for (int64_t iL = 12; iL < 20; ++iL) {
# CONCAT-NOT: if (iL
# CONCAT: row[iL] = uint8_t(
# CONCAT-NOT: if (iL
# CONCAT: for (int64_t iL = 20; iL < 24; ++iL) {
# CONCAT-NOT: if (iL
# CONCAT: a.in1[(i0)*4 + ((iL - 20))]
# CONCAT-NOT: if (iL
# CONCAT: for (int64_t iL = 24; iL < 29; ++iL) {
# CONCAT-NOT: if (iL
# CONCAT: a.in2[(i0)*5 + ((iL - 24))]
# CONCAT-NOT: if (iL
# CONCAT: for (int64_t iL = 0; iL < 29; ++iL)
# CONCAT-NEXT: a.out[r * 29 + iL] = uint8_t(row[iL]);
#
# Global average pooling of a channels-last [1, 6, 5, 40] tensor: each task
# a block of 16 channels (40 = 16 + 16 + 8: three blocks, the last one
# shorter), the 30 positions walked once, adding into 16 accumulators.
# POOL-LABEL: reduction region, root ingot.reduce_mean
# POOL: const int64_t c0 = r % 3 * 16;
# POOL-NEXT: const int64_t cn = 40 - c0 < 16 ? 40 - c0 : 16;
# POOL: float acc[16];
# POOL: for (int64_t k1 = 0; k1 < 6; ++k1) {
# POOL-NEXT: for (int64_t k2 = 0; k2 < 5; ++k2) {
# POOL-NEXT: for (int64_t j = 0; j < cn; ++j) {
# POOL-NEXT: acc[j] += float(a.in0[(k1)*200 + (k2)*40 + ((c0 + j))]);
# POOL: a.out[(r / 3) * 40 + c0 + j] = float(acc[j] / float(30));
# POOL: ctx->api->parallel_for(ctx, 3,
#
# Rows of 3 (an NCHW image transposed to channels-last, [1, 20, 18, 3]):
# each task a row of the last two dims, the loop over the 18 positions
# outside the one over the 3 channels.
# RUN: ingotc %t/transpose.onnx --emit=host | FileCheck %s --check-prefix=SHORT
# SHORT-LABEL: // ingot_r0: loop region, root ingot.quantize_linear
# SHORT: const int64_t i1 = r / 1 % 20;
# SHORT-NEXT: for (int64_t iM = 0; iM < 18; ++iM) {
# SHORT-NEXT: for (int64_t iL = 0; iL < 3; ++iL) {
# SHORT: a.out[(r * 18 + iM) * 3 + iL] = uint8_t(
# SHORT: ctx->api->parallel_for(ctx, 20,
#
# A convolution's in-place epilogue that requantizes (a QDQ model's conv +
# bias, quantized and dequantized; 24 channels, channels-last): it reads
# the library's result with the store's own index (GCC then knows each
# iteration reads what it writes) and dequantizes the int32 the quantize
# holds, converting no 8-bit value (with either, GCC left it scalar).
# RUN: ingotc %t/requantize.onnx --emit=host --layout nhwc | FileCheck %s --check-prefix=EPI
# EPI-LABEL: library region, root ingot.dequantize_linear
# EPI: for (int64_t iL = 0; iL < 24; ++iL) {
# EPI-NEXT: const int32_t v_0 = ig_quantize_wide<uint8_t>(float((a.out[r * 24 + iL] + a.in2[(iL)])),
# EPI-NEXT: const float v_1 = float(v_0) * float(
# EPI-NEXT: a.out[r * 24 + iL] = v_1;
import numpy as np
from onnx import TensorProto, helper

from onnx_testing import F32, const, model, out_dir, save, value

d = out_dir()
rng = np.random.default_rng(0)
nodes = [helper.make_node("Concat", ["a", "b", "c"], ["k"], axis=-1),
         helper.make_node("QuantizeLinear", ["k", "s", "z"], ["y"])]
inits = [const("s", np.array(0.05, np.float32)), const("z", np.array(128, np.uint8))]
save(model(nodes, [value("a", F32, [3, 20]), value("b", F32, [3, 4]), value("c", F32, [3, 5])],
           [value("y", TensorProto.UINT8, [3, 29])], inits), d, "concat.onnx")
nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
         helper.make_node("GlobalAveragePool", ["c"], ["y"])]
inits = [const("w", rng.standard_normal((40, 3, 3, 3)).astype(np.float32))]
save(model(nodes, [value("x", F32, [1, 3, 6, 5])], [value("y", F32, [1, 40, 1, 1])], inits),
     d, "pool.onnx")
nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
         helper.make_node("QuantizeLinear", ["t", "s", "z"], ["y"])]
inits = [const("s", np.array(0.05, np.float32)), const("z", np.array(128, np.uint8))]
save(model(nodes, [value("x", F32, [1, 3, 20, 18])], [value("y", TensorProto.UINT8, [1, 20, 18, 3])],
           inits), d, "transpose.onnx")
nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"]),
         helper.make_node("QuantizeLinear", ["c", "s"], ["q"]),
         helper.make_node("DequantizeLinear", ["q", "s"], ["y"])]
inits = [const("w", rng.standard_normal((24, 8, 1, 1)).astype(np.float32)),
         const("b", rng.standard_normal(24).astype(np.float32)),
         const("s", np.array(0.05, np.float32))]
save(model(nodes, [value("x", F32, [1, 8, 6, 5])], [value("y", F32, [1, 24, 6, 5])], inits),
     d, "requantize.onnx")
