"""GEMM/convolution work of an ONNX model, counted from the model itself
(ONNX shape inference), not from Ingot: 2 flops per multiply-add of each
Conv, ConvTranspose, Gemm and MatMul node. Used to check the GFLOP/s that
INGOT_PROFILE reports.

    python model_flops.py MODEL.onnx NAME:DIMS ...  -> prints the total
"""
import sys

import numpy as np
import onnx
from onnx import shape_inference


def _shape(value_info):
    return [d.dim_value for d in value_info.type.tensor_type.shape.dim]


def node_flops(model_path, input_shapes):
    model = onnx.load(model_path)
    for inp in model.graph.input:
        if inp.name in input_shapes:
            dims = inp.type.tensor_type.shape.dim
            for d, v in zip(dims, input_shapes[inp.name]):
                d.ClearField("dim_param")
                d.dim_value = v
    model = shape_inference.infer_shapes(model, data_prop=True)
    shapes = {v.name: _shape(v) for v in
              list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output)}
    for init in model.graph.initializer:
        shapes[init.name] = list(init.dims)
    def known(name):
        dims = shapes.get(name)
        if not dims or 0 in dims:
            raise ValueError(f"ONNX shape inference left {name} without a static shape")
        return dims

    out = {}
    for n in model.graph.node:
        if n.op_type not in ("Conv", "ConvTranspose", "Gemm", "MatMul"):
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        y = known(n.output[0])
        if n.op_type == "Conv":
            w = known(n.input[1])
            out[n.name] = 2 * int(np.prod(y)) * int(np.prod(w[1:]))
        elif n.op_type == "ConvTranspose":
            x, w = known(n.input[0]), known(n.input[1])
            out[n.name] = 2 * int(np.prod(x)) * int(np.prod(w[1:]))
        elif n.op_type == "Gemm":
            a = known(n.input[0])
            k = a[0] if attrs.get("transA", 0) else a[1]
            out[n.name] = 2 * int(np.prod(y)) * k
        elif n.op_type == "MatMul":
            out[n.name] = 2 * int(np.prod(y)) * known(n.input[0])[-1]
    return out


if __name__ == "__main__":
    shapes = {}
    for arg in sys.argv[2:]:
        name, _, dims = arg.rpartition(":")
        shapes[name] = [int(d) for d in dims.split("x")]
    print(sum(node_flops(sys.argv[1], shapes).values()))
