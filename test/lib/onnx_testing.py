"""Small helpers for building ONNX test models with onnx.helper."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32 = TensorProto.FLOAT
I64 = TensorProto.INT64


def value(name, elem_type, shape):
    return helper.make_tensor_value_info(name, elem_type, shape)


def const(name, array):
    """An initializer from a numpy array."""
    return numpy_helper.from_array(np.asarray(array), name)


def model(nodes, inputs, outputs, initializers=(), opset=13, name="test"):
    graph = helper.make_graph(list(nodes), name, list(inputs), list(outputs),
                              list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="ingot-tests")
    # Old opsets need an IR version the runtime accepts for them.
    m.ir_version = min(m.ir_version, 8 if opset <= 15 else m.ir_version)
    return m


def out_dir():
    """The folder named on the command line (lit's %t), created."""
    path = sys.argv[1]
    os.makedirs(path, exist_ok=True)
    return path


def save(m, folder, filename, check=True):
    # The checker insists on output shapes; tests leave some out on purpose
    # so that the importer's own inference fills them in.
    if check and all(o.type.tensor_type.HasField("shape") for o in m.graph.output):
        onnx.checker.check_model(m)
    path = os.path.join(folder, filename)
    onnx.save(m, path)
    return path


CONTRIB_DOMAIN = "com.microsoft"


def single_node_model(folder, name, node, inputs, outputs, initializers=(), opset=23,
                      contrib=False):
    """One node as folder/name.onnx (its path returned). `contrib` adds
    onnxruntime's com.microsoft opset, whose ops the ONNX checker does not
    know, so such models go unchecked."""
    graph = helper.make_graph([node], name, list(inputs), list(outputs), list(initializers))
    opsets = [helper.make_opsetid("", opset)]
    if contrib:
        opsets.append(helper.make_opsetid(CONTRIB_DOMAIN, 1))
    m = helper.make_model(graph, opset_imports=opsets, producer_name="ingot-tests")
    return save(m, folder, name + ".onnx", check=not contrib)
