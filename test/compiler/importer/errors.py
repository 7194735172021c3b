# Bad input gets a clear message and a non-zero exit, never a crash.
# RUN: %python %s %t
#
# Every unsupported operator is listed at once, with counts and node names.
# RUN: not ingotc %t/unsupported.onnx 2>&1 | FileCheck %s --check-prefix=UNSUP
# UNSUP: ingotc: error: unsupported ONNX operators (3 types, 4 nodes):
# UNSUP-NEXT: LSTM x2: lstm_a, lstm_b
# UNSUP-NEXT: NonMaxSuppression x1: nms
# UNSUP-NEXT: com.microsoft.FusedConv x1: FusedConv#4
#
# Unsupported ops inside subgraphs (If branches, Loop bodies) are listed too,
# with where they are, not hidden behind the unsupported If.
# RUN: not ingotc %t/subgraph.onnx 2>&1 | FileCheck %s --check-prefix=SUBGRAPH
# SUBGRAPH: ingotc: error: unsupported ONNX operators (4 types, 4 nodes):
# SUBGRAPH-NEXT: GRU x1: gru_deep (in cond.else_branch > loop.body)
# SUBGRAPH-NEXT: If x1: cond
# SUBGRAPH-NEXT: LSTM x1: lstm_in_branch (in cond.then_branch)
# SUBGRAPH-NEXT: Loop x1: loop (in cond.else_branch)
#
# RUN: not ingotc %t/garbage.onnx 2>&1 | FileCheck %s --check-prefix=MALFORMED
# RUN: not ingotc %t/truncated.onnx 2>&1 | FileCheck %s --check-prefix=MALFORMED
# MALFORMED: ingotc: error: not a valid ONNX model: the protobuf data is malformed or truncated
# RUN: not ingotc %t/empty.onnx 2>&1 | FileCheck %s --check-prefix=EMPTY
# EMPTY: ingotc: error: not a valid ONNX model: it has no graph
# RUN: not ingotc %t/does-not-exist.onnx 2>&1 | FileCheck %s --check-prefix=MISSING
# MISSING: ingotc: error: cannot read the model: No such file or directory
#
# RUN: not ingotc %t/old_opset.onnx 2>&1 | FileCheck %s --check-prefix=OPSET
# OPSET: ingotc: error: ONNX opset 6 is not supported (supported: 7 to 28); upgrade the model with onnx's version converter:
# OPSET-NEXT: python -c "import onnx, onnx.version_converter as vc; onnx.save(vc.convert_version(onnx.load('model.onnx'), 17), 'model-opset17.onnx')"
# The hint works: the converted model compiles.
# RUN: cd %t && %python -c "import onnx, onnx.version_converter as vc; onnx.save(vc.convert_version(onnx.load('old_opset.onnx'), 17), 'old_opset-17.onnx')"
# RUN: ingotc %t/old_opset-17.onnx --emit=mlir | FileCheck %s --check-prefix=UPGRADED
# UPGRADED: ingot.relu
# RUN: not ingotc %t/undefined_value.onnx 2>&1 | FileCheck %s --check-prefix=UNDEFINED
# UNDEFINED: ingotc: error: value 'nowhere' is used before it is defined
# RUN: not ingotc %t/string_input.onnx 2>&1 | FileCheck %s --check-prefix=STRING
# STRING: ingotc: error: input 's' has unsupported element type STRING
# RUN: not ingotc %t/training_bn.onnx 2>&1 | FileCheck %s --check-prefix=TRAINING
# TRAINING: ingotc: error: node 'bn': BatchNormalization: training mode (running statistics outputs) is not supported
# RUN: not ingotc %t/short_weight.onnx 2>&1 | FileCheck %s --check-prefix=SHORT
# SHORT: ingotc: error: tensor 'w' has 12 bytes of data, expected 16 (4 x 'f32')
#
# Input shapes that contradict the model.
# RUN: not ingotc %t/reshape.onnx --input-shape x:2x5 2>&1 | FileCheck %s --check-prefix=CONTRADICT
# CONTRADICT: ingotc: error: node 'to_2x6': 'ingot.reshape' cannot reshape [2, 5] (10 elements) into [2, 6] (12 elements)
# RUN: not ingotc %t/reshape.onnx --input-shape x:2x6x1 2>&1 | FileCheck %s --check-prefix=RANK
# RANK: ingotc: error: input 'x' is declared [?,?] (rank 2), but the given shape has rank 3
# RUN: not ingotc %t/fixed.onnx --input-shape x:1x4 2>&1 | FileCheck %s --check-prefix=FIXED
# FIXED: ingotc: error: input 'x' is declared [1,3]; the given size 4 contradicts dimension 1
# RUN: not ingotc %t/fixed.onnx --input-shape y:1x3 2>&1 | FileCheck %s --check-prefix=NOINPUT
# NOINPUT: ingotc: error: --input-shape names 'y', which is not a model input (inputs: x)
# RUN: not ingotc %t/fixed.onnx --input-shape x=1x3 2>&1 | FileCheck %s --check-prefix=SYNTAX
# SYNTAX: ingotc: error: bad --input-shape 'x=1x3' (expected NAME:DIMS such as x:1x3x224x224)
# RUN: not ingotc %t/fixed.onnx --dim batch=0 2>&1 | FileCheck %s --check-prefix=DIM
# DIM: ingotc: error: bad --dim 'batch=0' (expected NAME=VALUE with VALUE > 0, or NAME=MIN:MAX[:OPT] with 0 < MIN <= OPT <= MAX)
import os

import numpy as np
import onnx
from onnx import TensorProto, helper

from onnx_testing import F32, I64, const, model, out_dir, save, value

d = out_dir()
x = value("x", F32, [1, 3])
y = value("y", F32, None)

# Unsupported operators, one in a custom domain.
nodes = [
    helper.make_node("LSTM", ["x", "w", "r"], ["l1"], name="lstm_a", hidden_size=2),
    helper.make_node("Relu", ["x"], ["r1"], name="fine"),
    helper.make_node("LSTM", ["x", "w", "r"], ["l2"], name="lstm_b", hidden_size=2),
    helper.make_node("NonMaxSuppression", ["x", "x"], ["nms_out"], name="nms"),
    helper.make_node("FusedConv", ["x"], ["y"], domain="com.microsoft"),
]
m = model(nodes, [x], [y])
m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
save(m, d, "unsupported.onnx", check=False)

# An If whose then-branch holds an LSTM and whose else-branch holds a Loop
# with a GRU in its body.
loop_body = helper.make_graph(
    [helper.make_node("GRU", ["x", "w", "r"], ["g"], name="gru_deep", hidden_size=2)], "body",
    [value("i", I64, []), value("c", TensorProto.BOOL, [])], [value("c", TensorProto.BOOL, [])])
then_branch = helper.make_graph(
    [helper.make_node("LSTM", ["x", "w", "r"], ["t"], name="lstm_in_branch", hidden_size=2)],
    "then", [], [value("t", F32, None)])
else_branch = helper.make_graph(
    [helper.make_node("Loop", ["", ""], ["e"], name="loop", body=loop_body)], "else", [],
    [value("e", F32, None)])
m = model([helper.make_node("If", ["flag"], ["y"], name="cond", then_branch=then_branch,
                            else_branch=else_branch)],
          [value("flag", TensorProto.BOOL, []), x], [y])
save(m, d, "subgraph.onnx", check=False)

with open(os.path.join(d, "garbage.onnx"), "wb") as f:
    f.write(b"\x0a\xff\xff\xff\xff\x0fthis is not a protobuf")
big = model([helper.make_node("Add", ["x", "w"], ["y"])], [value("x", F32, [1000])], [y],
            [const("w", np.ones(1000, np.float32))])
data = big.SerializeToString()
with open(os.path.join(d, "truncated.onnx"), "wb") as f:
    f.write(data[: len(data) // 2])
open(os.path.join(d, "empty.onnx"), "wb").close()

save(model([helper.make_node("Relu", ["x"], ["y"])], [x], [y], opset=6), d, "old_opset.onnx",
     check=False)
save(model([helper.make_node("Add", ["x", "nowhere"], ["y"])], [x], [y]), d,
     "undefined_value.onnx", check=False)
save(model([helper.make_node("Identity", ["s"], ["y"])], [value("s", TensorProto.STRING, [2])],
           [value("y", TensorProto.STRING, [2])]), d, "string_input.onnx", check=False)

bn_inputs = ["x4", "p", "p", "p", "p"]
save(model([helper.make_node("BatchNormalization", bn_inputs, ["y", "mean", "var"], name="bn",
                             training_mode=1)],
           [value("x4", F32, [1, 3, 2, 2])], [y], [const("p", np.ones(3, np.float32))], opset=15),
     d, "training_bn.onnx", check=False)

w = const("w", np.ones(4, np.float32))
w.raw_data = w.raw_data[:12]  # one float short
save(model([helper.make_node("Add", ["x4", "w"], ["y"])], [value("x4", F32, [4])], [y], [w]),
     d, "short_weight.onnx", check=False)

save(model([helper.make_node("Reshape", ["x", "shape"], ["y"], name="to_2x6")],
           [value("x", F32, ["a", "b"])], [y], [const("shape", np.array([2, 6], np.int64))]),
     d, "reshape.onnx")
save(model([helper.make_node("Relu", ["x"], ["y"])], [x], [y]), d, "fixed.onnx")
