# The CUDA reduction kernels (softmax, layer norm, reduce_*, global pooling)
# run with every block emulated as real threads (test/cuda_emulation/include/
# cuda_emulation_threads.h): warp shuffles, __syncthreads and the final warp
# of the block reduction run their GPU code path, against onnxruntime.
# Regression: the block reduction padded the final warp's empty lanes with a
# real value, which a sum counted again (every softmax, layer norm, mean and
# sum was wrong on the GPU while the single-thread emulation passed).
# Rows longer and shorter than a block, more rows than blocks, and many
# short rows (one warp per row).
# Tolerances: rtol 1e-4, atol 1e-5.
# REQUIRES: nvcc
# RUN: %python %s %t
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from onnx import TensorProto, helper

import e2e
from onnx_testing import const, model, out_dir, save

folder = out_dir()
rng = np.random.default_rng(7)
F = TensorProto.FLOAT
cases = []


def vi(name, shape):
    return helper.make_tensor_value_info(name, F, shape)


def case(name, nodes, x_shape, y_shape, inits=()):
    path = save(model(nodes, [vi("x", x_shape)], [vi("y", y_shape)], inits, opset=17),
                folder, name + ".onnx", check=False)
    cases.append((name, path))


case("softmax_long_rows", [helper.make_node("Softmax", ["x"], ["y"], axis=-1)], [3, 1000], [3, 1000])
case("softmax_many_rows", [helper.make_node("Softmax", ["x"], ["y"], axis=-1)], [64, 10], [64, 10])
case("log_softmax", [helper.make_node("LogSoftmax", ["x"], ["y"], axis=1)], [5, 300], [5, 300])
case("layer_norm", [helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"], axis=-1)],
     [4, 6, 768], [4, 6, 768],
     [const("g", rng.standard_normal(768).astype(np.float32)),
      const("b", rng.standard_normal(768).astype(np.float32))])
# Opset 17: ReduceSum takes its axes as an input, the others as an attribute.
case("reducesum_axis", [helper.make_node("ReduceSum", ["x", "axes"], ["y"], keepdims=0)],
     [5, 777, 2], [5, 2], [const("axes", np.array([1], np.int64))])
for op in ["ReduceMean", "ReduceMax", "ReduceMin"]:
    case(op.lower() + "_axis", [helper.make_node(op, ["x"], ["y"], axes=[1], keepdims=0)],
         [5, 777, 2], [5, 2])
case("reduceprod_axis", [helper.make_node("ReduceProd", ["x"], ["y"], axes=[1], keepdims=0)],
     [6, 9], [6])
case("reducesum_all", [helper.make_node("ReduceSum", ["x"], ["y"], keepdims=1)], [40, 50], [1, 1])
case("global_average_pool", [helper.make_node("GlobalAveragePool", ["x"], ["y"])],
     [2, 8, 33, 31], [2, 8, 1, 1])
# Many short rows: one warp per row (ig_warp_reduce, butterfly shuffles).
case("softmax_warp_rows", [helper.make_node("Softmax", ["x"], ["y"], axis=-1)], [300, 40], [300, 40])
case("reducemax_warp_rows", [helper.make_node("ReduceMax", ["x"], ["y"], axes=[1], keepdims=1)],
     [260, 33], [260, 1])
# With an elementwise epilogue in the same kernel (scaled, then ReLU).
case("softmax_epilogue_warp_rows",
     [helper.make_node("Softmax", ["x"], ["s"], axis=-1),
      helper.make_node("Mul", ["s", "k"], ["m"]),
      helper.make_node("Relu", ["m"], ["y"])],
     [300, 40], [300, 40], [const("k", np.array(-3.0, np.float32))])
case("layer_norm_warp_rows", [helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"], axis=-1)],
     [2048, 96], [2048, 96],
     [const("g", rng.standard_normal(96).astype(np.float32)),
      const("b", rng.standard_normal(96).astype(np.float32))])


def run(c):
    name, path = c
    ok, message = e2e.check(path, os.path.join(folder, name), emulate_cuda="threads")
    return name, ok, message


with ThreadPoolExecutor(max_workers=2) as pool:
    results = list(pool.map(run, cases))
failed = [(n, m) for n, ok, m in results if not ok]
for n, m in failed:
    print(f"FAIL {n}: {m}")
for n, ok, m in results:
    if ok and "threaded blocks" not in m:
        failed.append((n, m))
        print(f"FAIL {n}: the threaded CUDA emulation did not run: {m}")
    # The row strategy each case is meant to exercise.
    want = "ig_warp_reduce(" if n.endswith("_warp_rows") else "ig_block_reduce("
    with open(os.path.join(folder, n, "kernels.cu")) as f:
        # From the first generated kernel on (the prelude has both helpers).
        text = f.read()
        body = text[re.search(r"// ingot_r\d+:", text).start():]
    if ok and want not in body:
        failed.append((n, m))
        print(f"FAIL {n}: expected its kernel to use {want[:-1]}")
print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
