# Elementwise ONNX operators import to their ingot ops, with attributes and
# ONNX's variadic forms (Sum, Mean, Max) unrolled.
# RUN: %python %s %t
# RUN: ingotc %t/unary.onnx --emit=import | FileCheck %s --check-prefix=UNARY
# RUN: ingotc %t/binary.onnx --emit=import | FileCheck %s --check-prefix=BINARY
# RUN: ingotc %t/misc.onnx --emit=import | FileCheck %s --check-prefix=MISC
from onnx import TensorProto, helper

from onnx_testing import F32, model, out_dir, save, value

d = out_dir()

# UNARY: func.func @main(%[[X:.*]]: tensor<2x3xf32> {ingot.name = "x"})
# UNARY: ingot.sqrt %[[X]]
# UNARY: ingot.exp
# UNARY: ingot.log
# UNARY: ingot.erf
# UNARY: ingot.tanh
# UNARY: ingot.sigmoid
# UNARY: ingot.reciprocal
# UNARY: ingot.floor
# UNARY: ingot.ceil
# UNARY: ingot.round
# UNARY: ingot.sin
# UNARY: ingot.cos
# UNARY: ingot.softplus
# UNARY: ingot.hard_swish
# UNARY: ingot.relu
# UNARY: ingot.neg
# UNARY: ingot.abs
# UNARY: ingot.sign
# UNARY: ingot.identity
# UNARY: ingot.hard_sigmoid %{{.*}} {alpha = 3.000000e-01 : f32, beta = 6.000000e-01 : f32}
# UNARY: ingot.leaky_relu %{{.*}} {alpha = 2.000000e-01 : f32}
# UNARY: ingot.elu
# UNARY: ingot.gelu %{{.*}} {approximate = "tanh"}
# UNARY: ingot.dropout
# UNARY: return {{.*}} : tensor<2x3xf32>
unary = ["Sqrt", "Exp", "Log", "Erf", "Tanh", "Sigmoid", "Reciprocal", "Floor",
         "Ceil", "Round", "Sin", "Cos", "Softplus", "HardSwish", "Relu", "Neg",
         "Abs", "Sign", "Identity"]
nodes, prev = [], "x"
for i, op in enumerate(unary):
    nodes.append(helper.make_node(op, [prev], [f"u{i}"]))
    prev = f"u{i}"
nodes += [
    helper.make_node("HardSigmoid", [prev], ["hs"], alpha=0.3, beta=0.6),
    helper.make_node("LeakyRelu", ["hs"], ["lr"], alpha=0.2),
    helper.make_node("Elu", ["lr"], ["elu"]),
    helper.make_node("Gelu", ["elu"], ["gelu"], approximate="tanh"),
    helper.make_node("Dropout", ["gelu"], ["y"]),
]
save(model(nodes, [value("x", F32, [2, 3])], [value("y", F32, [2, 3])], opset=20),
     d, "unary.onnx")

# BINARY: %[[A:.*]] = ingot.add %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
# BINARY: ingot.sub
# BINARY: ingot.mul
# BINARY: ingot.div
# BINARY: ingot.pow
# BINARY: %[[M1:.*]] = ingot.max %{{.*}}, %arg0
# BINARY: ingot.max %[[M1]], %arg1
# BINARY: %[[S1:.*]] = ingot.add %{{.*}}, %arg0
# BINARY: %[[S2:.*]] = ingot.add %[[S1]], %arg1
# BINARY: %[[N:.*]] = ingot.constant dense<3.000000e+00> : tensor<f32>
# BINARY: ingot.div %[[S2]], %[[N]]
# BINARY: ingot.less {{.*}} -> tensor<2x3xi1>
# BINARY: ingot.greater_or_equal
# BINARY: ingot.and
# BINARY: ingot.not
# BINARY: ingot.where
nodes = [
    helper.make_node("Add", ["a", "b"], ["add"]),
    helper.make_node("Sub", ["add", "b"], ["sub"]),
    helper.make_node("Mul", ["sub", "b"], ["mul"]),
    helper.make_node("Div", ["mul", "b"], ["div"]),
    helper.make_node("Pow", ["div", "b"], ["pow"]),
    helper.make_node("Max", ["pow", "a", "b"], ["max"]),
    helper.make_node("Mean", ["max", "a", "b"], ["mean"]),
    helper.make_node("Less", ["mean", "b"], ["lt"]),
    helper.make_node("GreaterOrEqual", ["mean", "a"], ["ge"]),
    helper.make_node("And", ["lt", "ge"], ["and"]),
    helper.make_node("Not", ["and"], ["not"]),
    helper.make_node("Where", ["not", "mean", "a"], ["y"]),
]
save(model(nodes, [value("a", F32, [2, 3]), value("b", F32, [3])],
           [value("y", F32, [2, 3])]), d, "binary.onnx")

# Clip without a lower bound clips to the type's range (-inf).
# MISC-DAG: %[[SIX:.*]] = ingot.constant dense<6.000000e+00> : tensor<f32>
# MISC-DAG: %[[C:.*]] = ingot.cast %arg0 {to = f16} : (tensor<4xf32>) -> tensor<4xf16>
# MISC: ingot.cast %[[C]] {to = f32}
# MISC: %[[LO:.*]] = ingot.constant dense<0xFF800000> : tensor<f32>
# MISC: ingot.clip %{{.*}}, %[[LO]], %[[SIX]]
# PRelu is x < 0 ? slope * x : x.
# MISC: ingot.less
# MISC: ingot.mul
# MISC: ingot.where
nodes = [
    helper.make_node("Cast", ["x"], ["h"], to=TensorProto.FLOAT16),
    helper.make_node("CastLike", ["h", "x"], ["f"]),
    helper.make_node("Clip", ["f", "", "six"], ["c"]),
    helper.make_node("PRelu", ["c", "slope"], ["y"]),
]
inits = [helper.make_tensor("six", F32, [], [6.0]),
         helper.make_tensor("slope", F32, [4], [0.1, 0.2, 0.3, 0.4])]
save(model(nodes, [value("x", F32, [4])], [value("y", F32, [4])], inits, opset=15),
     d, "misc.onnx")
