# Operators whose meaning changed between opsets import to the same ingot
# semantics.
# RUN: %python %s %t
#
# Softmax before opset 13 normalizes over all dims from `axis` (flatten to
# 2-D, softmax on axis 1, reshape back); from 13 on it is one axis.
# RUN: ingotc %t/softmax11.onnx | FileCheck %s --check-prefix=SOFTMAX11
# SOFTMAX11: ingot.flatten %arg0 : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
# SOFTMAX11: ingot.softmax {{.*}} {axis = 1 : i64} : (tensor<2x12xf32>) -> tensor<2x12xf32>
# SOFTMAX11: ingot.reshape {{.*}} -> tensor<2x3x4xf32>
# RUN: ingotc %t/softmax13.onnx | FileCheck %s --check-prefix=SOFTMAX13
# SOFTMAX13-NOT: ingot.flatten
# SOFTMAX13: ingot.softmax %arg0 {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
#
# ReduceSum: axes attribute (11) vs input (13); ReduceMean: attribute until 18.
# RUN: ingotc %t/reduce11.onnx | FileCheck %s --check-prefix=REDUCE
# RUN: ingotc %t/reduce13.onnx | FileCheck %s --check-prefix=REDUCE
# RUN: ingotc %t/reduce18.onnx | FileCheck %s --check-prefix=REDUCE
# REDUCE: ingot.reduce_sum %arg0 {axes = array<i64: 1>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
# REDUCE: ingot.reduce_mean {{.*}} {axes = array<i64: -1>} : (tensor<2x4xf32>) -> tensor<2x1xf32>
#
# Split: sizes as attribute (11) or input (13); even split (18 num_outputs).
# RUN: ingotc %t/split11.onnx | FileCheck %s --check-prefix=SPLIT
# RUN: ingotc %t/split13.onnx | FileCheck %s --check-prefix=SPLIT
# SPLIT: ingot.split %arg0 {axis = 1 : i64, split = array<i64: 2, 4>} : (tensor<3x6xf32>) -> (tensor<3x2xf32>, tensor<3x4xf32>)
# RUN: ingotc %t/split18.onnx | FileCheck %s --check-prefix=SPLIT18
# SPLIT18: ingot.split %arg0 {axis = 1 : i64, split = array<i64: 3, 3>}
#
# Squeeze/Unsqueeze: axes as attribute (11) or input (13).
# RUN: ingotc %t/squeeze11.onnx | FileCheck %s --check-prefix=SQUEEZE
# RUN: ingotc %t/squeeze13.onnx | FileCheck %s --check-prefix=SQUEEZE
# SQUEEZE: ingot.unsqueeze %arg0 {axes = array<i64: 0, 3>} : (tensor<3x4xf32>) -> tensor<1x3x4x1xf32>
# SQUEEZE: ingot.squeeze {{.*}} {axes = array<i64: 3>} : (tensor<1x3x4x1xf32>) -> tensor<1x3x4xf32>
#
# Clip: bounds as attributes before 11, inputs from 11.
# RUN: ingotc %t/clip7.onnx | FileCheck %s --check-prefix=CLIP
# RUN: ingotc %t/clip11.onnx | FileCheck %s --check-prefix=CLIP
# CLIP-DAG: %[[LO:.*]] = ingot.constant dense<-1.000000e+00> : tensor<f32>
# CLIP-DAG: %[[HI:.*]] = ingot.constant dense<1.000000e+00> : tensor<f32>
# CLIP: ingot.clip %arg0, %[[LO]], %[[HI]]
#
# Resize: opset 10 (scales, asymmetric coordinates), 11+ (roi, scales, sizes),
# and Upsample (7 attribute, 9 input).
# RUN: ingotc %t/resize10.onnx | FileCheck %s --check-prefix=RESIZE10
# RESIZE10: ingot.resize {{.*}} {coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : (tensor<1x2x4x4xf32>, tensor<4xf32>, tensor<0xi64>) -> tensor<1x2x8x8xf32>
# RUN: ingotc %t/resize13.onnx | FileCheck %s --check-prefix=RESIZE13
# RESIZE13: ingot.resize {{.*}} {mode = "linear"} : (tensor<1x2x4x4xf32>, tensor<0xf32>, tensor<4xi64>) -> tensor<1x2x6x10xf32>
# RUN: ingotc %t/upsample7.onnx | FileCheck %s --check-prefix=UPSAMPLE
# RUN: ingotc %t/upsample9.onnx | FileCheck %s --check-prefix=UPSAMPLE
# UPSAMPLE: ingot.resize {{.*}} {coordinate_transformation_mode = "asymmetric", mode = "linear", nearest_mode = "floor"} : (tensor<1x2x4x4xf32>, tensor<4xf32>, tensor<0xi64>) -> tensor<1x2x8x8xf32>
#
# Slice: attributes before 10, inputs from 10 (with default axes/steps).
# RUN: ingotc %t/slice9.onnx | FileCheck %s --check-prefix=SLICE
# RUN: ingotc %t/slice10.onnx | FileCheck %s --check-prefix=SLICE
# SLICE: ingot.slice {{.*}} : (tensor<4x6xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4x3xf32>
#
# Pad: attributes before 11, inputs from 11, per-axis pads in 18.
# RUN: ingotc %t/pad7.onnx | FileCheck %s --check-prefix=PAD
# RUN: ingotc %t/pad11.onnx | FileCheck %s --check-prefix=PAD
# RUN: ingotc %t/pad18.onnx | FileCheck %s --check-prefix=PAD
# PAD: ingot.pad {{.*}} : (tensor<2x3xf32>, tensor<4xi64>, tensor<f32>) -> tensor<2x6xf32>
import numpy as np
from onnx import helper

from onnx_testing import F32, I64, const, model, out_dir, save, value

d = out_dir()
x234 = value("x", F32, [2, 3, 4])

for opset in (11, 13):
    save(model([helper.make_node("Softmax", ["x"], ["y"], axis=1)], [x234],
               [value("y", F32, [2, 3, 4])], opset=opset), d, f"softmax{opset}.onnx")

def reduce_model(opset):
    nodes, inits = [], []
    if opset >= 13:
        nodes.append(helper.make_node("ReduceSum", ["x", "ax"], ["s"], keepdims=0))
        inits.append(const("ax", np.array([1], np.int64)))
    else:
        nodes.append(helper.make_node("ReduceSum", ["x"], ["s"], axes=[1], keepdims=0))
    if opset >= 18:
        nodes.append(helper.make_node("ReduceMean", ["s", "mx"], ["y"]))
        inits.append(const("mx", np.array([-1], np.int64)))
    else:
        nodes.append(helper.make_node("ReduceMean", ["s"], ["y"], axes=[-1]))
    return model(nodes, [x234], [value("y", F32, [2, 1])], inits, opset=opset)

for opset in (11, 13, 18):
    save(reduce_model(opset), d, f"reduce{opset}.onnx")

x36 = value("x", F32, [3, 6])
outs = [value("a", F32, None), value("b", F32, None)]
save(model([helper.make_node("Split", ["x"], ["a", "b"], axis=1, split=[2, 4])],
           [x36], outs, opset=11), d, "split11.onnx")
save(model([helper.make_node("Split", ["x", "sp"], ["a", "b"], axis=1)], [x36], outs,
           [const("sp", np.array([2, 4], np.int64))], opset=13), d, "split13.onnx")
save(model([helper.make_node("Split", ["x"], ["a", "b"], axis=1, num_outputs=2)],
           [x36], outs, opset=18), d, "split18.onnx")

x34 = value("x", F32, [3, 4])
save(model([helper.make_node("Unsqueeze", ["x"], ["u"], axes=[0, 3]),
            helper.make_node("Squeeze", ["u"], ["y"], axes=[3])],
           [x34], [value("y", F32, [1, 3, 4])], opset=11), d, "squeeze11.onnx")
save(model([helper.make_node("Unsqueeze", ["x", "ua"], ["u"]),
            helper.make_node("Squeeze", ["u", "sa"], ["y"])],
           [x34], [value("y", F32, [1, 3, 4])],
           [const("ua", np.array([0, 3], np.int64)), const("sa", np.array([3], np.int64))],
           opset=13), d, "squeeze13.onnx")

x4 = value("x", F32, [4])
save(model([helper.make_node("Clip", ["x"], ["y"], min=-1.0, max=1.0)], [x4],
           [value("y", F32, [4])], opset=7), d, "clip7.onnx")
save(model([helper.make_node("Clip", ["x", "lo", "hi"], ["y"])], [x4],
           [value("y", F32, [4])],
           [const("lo", np.array(-1.0, np.float32)), const("hi", np.array(1.0, np.float32))],
           opset=11), d, "clip11.onnx")

img = value("x", F32, [1, 2, 4, 4])
scales = const("scales", np.array([1, 1, 2, 2], np.float32))
save(model([helper.make_node("Resize", ["x", "scales"], ["y"])], [img],
           [value("y", F32, None)], [scales], opset=10), d, "resize10.onnx")
save(model([helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode="linear")], [img],
           [value("y", F32, None)], [const("sizes", np.array([1, 2, 6, 10], np.int64))],
           opset=13), d, "resize13.onnx")
save(model([helper.make_node("Upsample", ["x"], ["y"], mode="bilinear", scales=[1.0, 1.0, 2.0, 2.0])],
           [img], [value("y", F32, None)], opset=7), d, "upsample7.onnx", check=False)
save(model([helper.make_node("Upsample", ["x", "scales"], ["y"], mode="linear")], [img],
           [value("y", F32, None)], [scales], opset=9), d, "upsample9.onnx")

x46 = value("x", F32, [4, 6])
save(model([helper.make_node("Slice", ["x"], ["y"], starts=[1], ends=[4], axes=[1])] , [x46],
           [value("y", F32, None)], opset=9), d, "slice9.onnx")
save(model([helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"])], [x46],
           [value("y", F32, None)],
           [const("st", np.array([1], np.int64)), const("en", np.array([100], np.int64)),
            const("ax", np.array([-1], np.int64)), const("sp", np.array([2], np.int64))],
           opset=10), d, "slice10.onnx")

x23 = value("x", F32, [2, 3])
save(model([helper.make_node("Pad", ["x"], ["y"], pads=[0, 1, 0, 2], value=0.5)], [x23],
           [value("y", F32, None)], opset=7), d, "pad7.onnx")
save(model([helper.make_node("Pad", ["x", "p", "v"], ["y"])], [x23], [value("y", F32, None)],
           [const("p", np.array([0, 1, 0, 2], np.int64)), const("v", np.array(0.5, np.float32))],
           opset=11), d, "pad11.onnx")
save(model([helper.make_node("Pad", ["x", "p", "v", "a"], ["y"])], [x23], [value("y", F32, None)],
           [const("p", np.array([1, 2], np.int64)), const("v", np.array(0.5, np.float32)),
            const("a", np.array([1], np.int64))], opset=18), d, "pad18.onnx")
