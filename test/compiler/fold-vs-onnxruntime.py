# Constant folding against the reference: graphs whose inputs are all
# initializers fold completely to one constant in ingotc; that constant must
# equal what onnxruntime computes for the same graph. Tolerances: floats
# rtol 1e-5 / atol 1e-6 (folding evaluates in double, ORT in float);
# integers and booleans exactly.
# RUN: %python %s %t
import os
import re
import shutil
import struct
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

from onnx_testing import const, model, out_dir, save

folder = out_dir()
ingotc = shutil.which("ingotc")
rng = np.random.default_rng(42)

NP_TO_ONNX = {np.float32: TensorProto.FLOAT, np.int64: TensorProto.INT64,
              np.int32: TensorProto.INT32, np.bool_: TensorProto.BOOL,
              np.float16: TensorProto.FLOAT16}
MLIR_DTYPES = {"f32": np.float32, "f16": np.float16, "f64": np.float64, "i64": np.int64,
               "i32": np.int32, "i8": np.int8, "i1": np.bool_, "ui8": np.uint8}


def parse_scalar(token, dtype):
    if token.startswith("0x"):
        bits = int(token, 16)
        if dtype == np.float32:
            return struct.unpack("<f", struct.pack("<I", bits))[0]
        if dtype == np.float16:
            return np.frombuffer(struct.pack("<H", bits), np.float16)[0]
        return bits
    if token in ("true", "false"):
        return token == "true"
    return float(token) if dtype in (np.float32, np.float16, np.float64) else int(token)


def parse_dense(body, type_text):
    """Parses `dense<...> : tensor<AxBxT>` as printed by MLIR."""
    dims_and_type = type_text.split("x")
    dtype = MLIR_DTYPES[dims_and_type[-1]]
    shape = [int(d) for d in dims_and_type[:-1]]
    if body.startswith('"0x'):
        raw = bytes.fromhex(body[3:-1])
        return np.frombuffer(raw, dtype).reshape(shape)
    tokens = re.findall(r"0x[0-9A-Fa-f]+|true|false|[-+0-9.eE]+|nan|inf", body)
    values = [parse_scalar(t, dtype) for t in tokens]
    if len(values) == 1:
        return np.full(shape, values[0], dtype)
    return np.array(values, dtype).reshape(shape)


def folded_output(path):
    """The constant the compiled function returns."""
    text = subprocess.run([ingotc, path, "--print-weights"], capture_output=True, text=True,
                          check=True).stdout
    ret = re.search(r"return (%\w+)", text).group(1)
    m = re.search(re.escape(ret) + r" = ingot\.constant dense<(.*)> : tensor<([^>]*)>", text)
    if m:
        return parse_dense(m.group(1), m.group(2))
    # Reshape-like folds of weights keep sharing the weight's blob.
    m = re.search(re.escape(ret) + r" = ingot\.constant dense_resource<(\w+)> : tensor<([^>]*)>",
                  text)
    if not m:
        raise AssertionError("output was not folded to a constant:\n" + text)
    blob = re.search(m.group(1) + r': "0x([0-9A-Fa-f]*)"', text).group(1)
    # A printed blob is its alignment (4 bytes, little endian), then the data.
    return parse_dense('"0x' + blob[8:] + '"', m.group(2))


def case(name, op, inputs, attrs=None, opset=17):
    """One graph: `op` applied to initializers `inputs` (name -> array)."""
    node = helper.make_node(op, list(inputs), ["y"], **(attrs or {}))
    inits = [const(k, v) for k, v in inputs.items()]
    probe = model([node], [], [helper.make_tensor_value_info("y", TensorProto.UNDEFINED, None)],
                  inits, opset=opset)
    # ORT needs the output's element type: take it from ONNX's own inference.
    inferred = onnx.shape_inference.infer_shapes(probe, strict_mode=True)
    out = inferred.graph.output[0]
    return name, model([node], [], [out], inits, opset=opset)


f = lambda *s: rng.standard_normal(s).astype(np.float32)
pos = lambda *s: (rng.random(s) + 0.5).astype(np.float32)
ints = lambda *s: rng.integers(-9, 10, s).astype(np.int64)

cases = [
    case(op.lower(), op, {"x": (pos if op in ("Sqrt", "Log", "Reciprocal") else f)(2, 5)})
    for op in ["Sqrt", "Exp", "Log", "Erf", "Tanh", "Sigmoid", "Reciprocal", "Floor", "Ceil",
               "Round", "Sin", "Cos", "Softplus", "HardSwish", "Relu", "Neg", "Abs", "Sign"]
] + [
    case("hard_sigmoid", "HardSigmoid", {"x": f(3, 4)}, {"alpha": 0.3, "beta": 0.4}),
    case("leaky_relu", "LeakyRelu", {"x": f(3, 4)}, {"alpha": 0.05}),
    case("elu", "Elu", {"x": f(3, 4)}, {"alpha": 0.7}),
    case("gelu", "Gelu", {"x": f(3, 4)}, opset=20),
    case("gelu_tanh", "Gelu", {"x": f(3, 4)}, {"approximate": "tanh"}, opset=20),
    case("add_broadcast", "Add", {"a": f(2, 3, 4), "b": f(3, 1)}),
    case("sub", "Sub", {"a": f(2, 3), "b": f(2, 3)}),
    case("mul_scalar", "Mul", {"a": f(4, 3), "b": np.array(2.5, np.float32)}),
    case("div", "Div", {"a": f(3, 3), "b": pos(3, 3)}),
    case("pow", "Pow", {"a": pos(3, 3), "b": f(3)}),
    case("min", "Min", {"a": f(3, 3), "b": f(3, 3), "c": f(3)}),
    case("max", "Max", {"a": f(3, 3), "b": f(1, 3)}),
    case("int_div_trunc", "Div", {"a": ints(4, 4), "b": np.array([3, -3, 2, 7], np.int64)}),
    case("int_add", "Add", {"a": ints(4), "b": ints(4)}),
    case("equal", "Equal", {"a": ints(5), "b": ints(5)}),
    case("less", "Less", {"a": f(2, 4), "b": f(4)}),
    case("greater_or_equal", "GreaterOrEqual", {"a": ints(3, 3), "b": ints(3)}),
    case("where", "Where", {"c": rng.random((3, 4)) > 0.5, "a": f(3, 4), "b": f(4)}),
    case("cast_f32_i32", "Cast", {"x": f(2, 6) * 4}, {"to": TensorProto.INT32}),
    case("cast_i64_f32", "Cast", {"x": ints(5)}, {"to": TensorProto.FLOAT}),
    case("cast_f32_f16", "Cast", {"x": f(8)}, {"to": TensorProto.FLOAT16}),
    case("clip", "Clip", {"x": f(3, 4), "lo": np.array(-0.5, np.float32),
                          "hi": np.array(0.5, np.float32)}),
    case("transpose", "Transpose", {"x": f(2, 3, 4)}, {"perm": [2, 0, 1]}),
    case("slice_neg_step", "Slice", {"x": ints(5, 6), "s": np.array([4, -1], np.int64),
                                     "e": np.array([0, -100], np.int64),
                                     "a": np.array([0, 1], np.int64),
                                     "t": np.array([-2, -2], np.int64)}),
    case("gather_neg", "Gather", {"x": f(4, 3), "i": np.array([[-1, 0], [2, 1]], np.int64)},
         {"axis": 0}),
    case("concat", "Concat", {"a": ints(2, 3), "b": ints(2, 1)}, {"axis": -1}),
    case("reshape", "Reshape", {"x": f(2, 3, 4), "s": np.array([0, -1], np.int64)}),
    case("unsqueeze", "Unsqueeze", {"x": f(3), "a": np.array([0, -1], np.int64)}),
    case("squeeze", "Squeeze", {"x": f(1, 3, 1)}),
    case("expand", "Expand", {"x": np.array(3.0, np.float32), "s": np.array([2, 3], np.int64)}),
    case("tile", "Tile", {"x": np.array([7], np.int64), "r": np.array([4], np.int64)}),
    case("range", "Range", {"a": np.array(1, np.int64), "b": np.array(11, np.int64),
                            "c": np.array(3, np.int64)}),
    case("range_float", "Range", {"a": np.array(0.5, np.float32), "b": np.array(2.0, np.float32),
                                  "c": np.array(0.25, np.float32)}),
    case("reduce_sum", "ReduceSum", {"x": f(3, 4), "a": np.array([1], np.int64)}, {"keepdims": 0}),
    case("reduce_mean", "ReduceMean", {"x": f(2, 3, 4)}, {"axes": [0, 2]}, opset=17),
    case("reduce_max", "ReduceMax", {"x": f(2, 3, 4)}, {"axes": [-1]}, opset=17),
    case("reduce_min", "ReduceMin", {"x": ints(3, 4)}, opset=17),
    case("reduce_prod", "ReduceProd", {"x": np.array([2, 3, 4], np.int64)}, {"keepdims": 0},
         opset=17),
    case("constant_of_shape", "ConstantOfShape", {"s": np.array([2, 3], np.int64)},
         {"value": helper.make_tensor("v", TensorProto.INT32, [1], [5])}),
    case("shape_slice", "Shape", {"x": f(2, 3, 4, 5)}, {"start": 1, "end": -1}, opset=15),
    case("size", "Size", {"x": f(2, 3, 4)}),
    case("flatten", "Flatten", {"x": ints(2, 3, 4)}, {"axis": 2}),
    # Regression: a negative Flatten axis counts from the rank (-1 -> r-1).
    case("flatten_negative_axis", "Flatten", {"x": ints(2, 3, 4)}, {"axis": -1}),
]

options = ort.SessionOptions()
options.log_severity_level = 3  # errors only: keep the test log readable
failures = []
for name, m in cases:
    path = save(m, folder, name + ".onnx", check=False)
    try:
        expected = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"]).run(None, {})[0]
        actual = folded_output(path)
        if actual.shape != expected.shape:
            raise AssertionError(f"shape {actual.shape} != reference {expected.shape}")
        if actual.dtype != expected.dtype:
            raise AssertionError(f"dtype {actual.dtype} != reference {expected.dtype}")
        if np.issubdtype(expected.dtype, np.floating):
            np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float64),
                                       rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_array_equal(actual, expected)
    except Exception as e:  # report every failing case, not just the first
        failures.append(f"{name}: {e}")

print(f"{len(cases) - len(failures)} passed, {len(failures)} failed")
for f_ in failures:
    print("FAIL", f_)
sys.exit(1 if failures else 0)
