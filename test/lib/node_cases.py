"""The ONNX backend node test cases (from the onnx package's own generator,
onnx.backend.test.case.node), filtered to what ingotc supports, with
shape-setting inputs bound as constants."""
import os
import shutil
import subprocess
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402
from onnx.backend.test.case import node  # noqa: E402

MLIR_TYPES = {
    np.dtype(np.float32): "f32", np.dtype(np.float64): "f64", np.dtype(np.float16): "f16",
    np.dtype(np.int64): "i64", np.dtype(np.int32): "i32", np.dtype(np.int16): "i16",
    np.dtype(np.int8): "i8", np.dtype(np.uint8): "ui8", np.dtype(np.uint16): "ui16",
    np.dtype(np.uint32): "ui32", np.dtype(np.uint64): "ui64", np.dtype(np.bool_): "i1",
}


def mlir_type(array):
    if isinstance(array, np.generic):  # a scalar output (DynamicQuantizeLinear's scale)
        array = np.asarray(array)
    if not isinstance(array, np.ndarray):  # sequences, optionals, maps
        return None
    elem = MLIR_TYPES.get(array.dtype)
    if elem is None:
        return None
    return "tensor<" + "".join(f"{d}x" for d in np.shape(array)) + elem + ">"


def supported_ops():
    out = subprocess.run([shutil.which("ingotc"), "--list-ops"], capture_output=True, text=True,
                         check=True).stdout
    return set(out.split())


def bind_parameter_inputs(case):
    """Inputs that parameterize shapes (axes, sizes, pads, scales, indices...)
    become initializers with the test's own values: an ahead-of-time compiler
    takes them as constants, as deployed models have them. Returns the model
    and the remaining runtime inputs (name -> array)."""
    model = onnx.ModelProto()
    model.CopyFrom(case.model)
    graph = model.graph
    # Every integer input, and the float parameters of Resize and Upsample
    # (scales) and Range.
    parameter_inputs = set()
    for n in graph.node:
        if n.op_type in ("Resize", "Upsample"):
            parameter_inputs.update(n.input[1:])
        elif n.op_type == "Range":
            parameter_inputs.update(n.input)
    keep, runtime = [], {}
    for value, data in zip(list(graph.input), case.data_sets[0][0]):
        if isinstance(data, (np.ndarray, np.generic)) and (
                np.issubdtype(np.asarray(data).dtype, np.integer)
                or value.name in parameter_inputs):
            graph.initializer.append(numpy_helper.from_array(np.asarray(data), value.name))
        else:
            keep.append(value)
            runtime[value.name] = data
    del graph.input[:]
    graph.input.extend(keep)
    return model, runtime


def cases(supported):
    """(case, reason_skipped_or_None) for every node test."""
    for case in node.collect_testcases(None):
        ops = {n.op_type for n in case.model.graph.node}
        domains = {n.domain for n in case.model.graph.node} - {"", "ai.onnx"}
        expected = [mlir_type(o) for o in case.data_sets[0][1]] if case.data_sets else [None]
        if not ops <= supported or domains or None in expected:
            yield case, "unsupported"
        else:
            yield case, None


def read_list(path):
    if not os.path.exists(path):
        return set()
    return {l.strip() for l in open(path) if l.strip() and not l.startswith("#")}


def write_list(path, names, header):
    with open(path, "w") as f:
        f.write(header)
        f.writelines(n + "\n" for n in sorted(names))
