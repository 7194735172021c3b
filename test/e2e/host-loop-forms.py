# The host backend's loop forms for short rows, against onnxruntime (and the
# same models' CUDA plans, emulated):
# - reductions that keep the innermost dim (global pooling of channels-last
#   tensors; reduce_* over other axes): a block of consecutive outputs per
#   task, the reduced rows walked once;
# - concatenations along the innermost dim: one inner loop per input, the
#   last vector's worth of an odd-sized piece computed again;
# - 8-bit results of requantizations: computed wide into an int32 row,
#   then narrowed;
# - rows of 3 (NCHW -> NHWC): rows of the last two dims per task.
# Sizes are picked to hit each case: pieces of 20, 12 and 5 (past a
# multiple of the vector width, and shorter than one), rows of 40 (blocks
# of 16 and a remainder) and 19 (one block).
# Tolerance: FP32 results rtol 1e-4 / atol 1e-5 (sums in another order);
# quantized results exactly (atol 0: the same integer grid and rounding as
# onnxruntime without graph optimizations).
# RUN: %python %s %t
import os
import sys

import numpy as np
from onnx import TensorProto, helper

import e2e
from onnx_testing import F32, const, model, out_dir, save, value

folder = out_dir()
rng = np.random.default_rng(11)
U8, I8 = TensorProto.UINT8, TensorProto.INT8
cases = []


def reductions():
    # conv -> global average/max pooling, channels-last: the column form.
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("GlobalAveragePool", ["c"], ["ga"]),
             helper.make_node("GlobalMaxPool", ["c"], ["gm"]),
             helper.make_node("Concat", ["ga", "gm"], ["y"], axis=1)]
    inits = [const("w", rng.standard_normal((40, 3, 3, 3)).astype(np.float32))]
    cases.append(("global_pools_nhwc", model(nodes, [value("x", F32, [2, 3, 9, 7])],
                                             [value("y", F32, [2, 80, 1, 1])], inits),
                  ["--layout", "nhwc"], 1e-4, 1e-5))
    # reduce_* over axes that keep the innermost dim, rows of 40 and 19.
    for op in ("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd"):
        for shape, axes, keep in (([3, 37, 40], [1], 0), ([2, 5, 7, 19], [0, 2], 1)):
            out = [d for i, d in enumerate(shape) if i not in axes] if not keep else \
                [1 if i in axes else d for i, d in enumerate(shape)]
            x = value("x", F32, shape)
            # ReduceProd over 37 values: inputs near 1 keep it finite.
            nodes = [helper.make_node("Tanh", ["x"], ["t"]),
                     helper.make_node("Add", ["t", "one"], ["s"]),
                     helper.make_node(op, ["s", "axes"], ["y"], keepdims=keep)]
            inits = [const("one", np.array(1.0 if op == "ReduceProd" else 0.0, np.float32)),
                     const("axes", np.array(axes, np.int64))]
            cases.append((f"{op}_{'x'.join(map(str, shape))}",
                          model(nodes, [x], [value("y", F32, out)], inits, opset=18),
                          [], 1e-4, 1e-5))
    # Integer values (exact), and size-1 kept dims dropped (keepdims 0).
    for op, elem, shape, axes in (("ReduceMax", TensorProto.INT32, [3, 37, 40], [1]),
                                  ("ReduceSum", TensorProto.INT64, [1, 1, 6, 24], [2])):
        out = [d for i, d in enumerate(shape) if i not in axes]
        nodes = [helper.make_node(op, ["x", "axes"], ["y"], keepdims=0)]
        cases.append((f"{op}_int_{'x'.join(map(str, shape))}",
                      model(nodes, [value("x", elem, shape)], [value("y", elem, out)],
                            [const("axes", np.array(axes, np.int64))], opset=18),
                      [], 0.0, 0.0))


def concats():
    # float: concat of pieces 20, 12, 5 along the last dim, then a multiply.
    nodes = [helper.make_node("Sigmoid", ["a"], ["sa"]),
             helper.make_node("Concat", ["sa", "b", "c"], ["k"], axis=-1),
             helper.make_node("Mul", ["k", "k"], ["y"])]
    inputs = [value("a", F32, [3, 4, 20]), value("b", F32, [3, 4, 12]),
              value("c", F32, [3, 4, 5])]
    cases.append(("concat_float", model(nodes, inputs, [value("y", F32, [3, 4, 37])]),
                  [], 1e-4, 1e-5))
    # Two concatenations with other boundaries in one loop (pieces cut at
    # 9, 20 and 37 for both).
    nodes = [helper.make_node("Concat", ["a", "b"], ["k1"], axis=-1),
             helper.make_node("Concat", ["c", "d"], ["k2"], axis=-1),
             helper.make_node("Sub", ["k1", "k2"], ["y"])]
    inputs = [value("a", F32, [3, 4, 20]), value("b", F32, [3, 4, 17]),
              value("c", F32, [3, 4, 9]), value("d", F32, [3, 4, 28])]
    cases.append(("two_concats", model(nodes, inputs, [value("y", F32, [3, 4, 37])]),
                  [], 1e-4, 1e-5))
    # QDQ: each piece requantized, concatenated, quantized to the output
    # type (an 8-bit result), and the same dequantized (a float result).
    for elem, zero in ((U8, 120), (I8, -3)):
        np_type = np.uint8 if elem == U8 else np.int8
        nodes, inits, pieces = [], [], []
        for i, (name, scale) in enumerate((("a", 0.02), ("b", 0.05), ("c", 0.011))):
            inits += [const(f"s{i}", np.array(scale, np.float32)),
                      const(f"z{i}", np.array(zero + i, np_type))]
            # x * x requantized, plus x: float on both sides of the
            # quantization (not a table lookup of 8-bit values).
            nodes += [helper.make_node("Mul", [name, name], [f"m{i}"]),
                      helper.make_node("QuantizeLinear", [f"m{i}", f"s{i}", f"z{i}"], [f"q{i}"]),
                      helper.make_node("DequantizeLinear", [f"q{i}", f"s{i}", f"z{i}"],
                                       [f"d{i}"]),
                      helper.make_node("Add", [f"d{i}", name], [f"p{i}"])]
            pieces.append(f"p{i}")
        inits += [const("so", np.array(0.03, np.float32)), const("zo", np.array(zero, np_type))]
        nodes += [helper.make_node("Concat", pieces, ["k"], axis=-1),
                  helper.make_node("QuantizeLinear", ["k", "so", "zo"], ["y"]),
                  helper.make_node("DequantizeLinear", ["y", "so", "zo"], ["d"]),
                  helper.make_node("Relu", ["d"], ["f"])]
        inputs = [value("a", F32, [3, 4, 20]), value("b", F32, [3, 4, 12]),
                  value("c", F32, [3, 4, 5])]
        outputs = [value("y", elem, [3, 4, 37]), value("f", F32, [3, 4, 37])]
        cases.append((f"concat_qdq_{'u8' if elem == U8 else 'i8'}",
                      model(nodes, inputs, outputs, inits), [], 0.0, 0.0))


def short_rows():
    # NCHW -> NHWC with 3 channels (rows of 3: the short-row form), quantized
    # on the way in the QDQ case; and with too few outer rows (2 x 3, kept
    # in the row form).
    for shape in ([2, 3, 17, 10], [1, 3, 2, 50]):
        out = [shape[0], shape[2], shape[3], shape[1]]
        tag = "x".join(map(str, shape))
        nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
                 helper.make_node("Sigmoid", ["t"], ["y"])]
        cases.append((f"transpose_{tag}", model(nodes, [value("x", F32, shape)],
                                                [value("y", F32, out)]), [], 1e-4, 1e-5))
        nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
                 helper.make_node("QuantizeLinear", ["t", "s", "z"], ["y"])]
        inits = [const("s", np.array(0.02, np.float32)), const("z", np.array(114, np.uint8))]
        cases.append((f"transpose_qdq_{tag}",
                      model(nodes, [value("x", F32, shape)], [value("y", U8, out)], inits),
                      [], 0.0, 0.0))


reductions()
concats()
short_rows()
failed = 0
for name, m, args, rtol, atol in cases:
    work = os.path.join(folder, name)
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, "model.onnx")
    save(m, work, "model.onnx")
    ok, message = e2e.check(path, work, rtol=rtol, atol=atol, cuda_target="cuda-plan",
                            compile_args=args, ort_optimizations=atol > 0)
    print(("PASS" if ok else "FAIL"), name + ":", message)
    failed += not ok
sys.exit(1 if failed else 0)
