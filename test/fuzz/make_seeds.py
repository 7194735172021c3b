"""Writes the seed corpora of the fuzz targets (scripts/fuzz.sh runs this;
nothing generated here is checked in).

    make_seeds.py OUT_DIR ARTIFACT [MODEL.onnx ...]

OUT_DIR/onnx-import: the given models, each shrunk by turning its large
initializers into graph inputs (the graph and attributes stay, the weights
go) and cut into windows of 30 nodes (a few KB each instead of MBs, so the
fuzzer mutates structure quickly), plus small generated models, one or two
nodes of each op family.
OUT_DIR/artifact: the manifest section of ARTIFACT (the fuzz input is a
manifest).
OUT_DIR/tensorio: small .npy (C and Fortran order, several dtypes), .npz
(stored and deflated) and ONNX TensorProto .pb files.
"""
import io
import os
import struct
import sys
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def shrink(model):
    """Large initializers become inputs of the same type and shape."""
    graph = model.graph
    keep = []
    for init in graph.initializer:
        if init.ByteSize() <= 256:
            keep.append(init)
            continue
        graph.input.append(helper.make_tensor_value_info(
            init.name, init.data_type, list(init.dims)))
    del graph.initializer[:]
    graph.initializer.extend(keep)
    # Exporters also store weights in Constant nodes.
    nodes = []
    for node in graph.node:
        value = [a.t for a in node.attribute if a.name == "value" and a.HasField("t")]
        if node.op_type == "Constant" and value and value[0].ByteSize() > 256:
            graph.input.append(helper.make_tensor_value_info(
                node.output[0], value[0].data_type, list(value[0].dims)))
        else:
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def windows(model, size=30):
    """A large graph as several seeds of `size` consecutive nodes each: the
    values a window uses but does not compute become its inputs (typed where
    the model says, float otherwise), its last node's outputs its outputs.
    Small seeds keep libFuzzer fast; together they keep every op and
    attribute combination of the model."""
    graph = model.graph
    if len(graph.node) <= size:
        yield model
        return
    types = {v.name: v for v in list(graph.input) + list(graph.value_info)}
    inits = {t.name: t for t in graph.initializer}
    for start in range(0, len(graph.node), size):
        nodes = graph.node[start:start + size]
        made, needed, used_inits = set(), [], []
        for node in nodes:
            for name in node.input:
                if not name or name in made or name in needed:
                    continue
                if name in inits:
                    used_inits.append(inits[name])
                    made.add(name)
                else:
                    needed.append(name)
            made.update(node.output)
        inputs = [types[n] if n in types else
                  helper.make_tensor_value_info(n, TensorProto.FLOAT, None)
                  for n in needed]
        outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None)
                   for n in nodes[-1].output if n]
        part = helper.make_graph(nodes, f"{graph.name}_{start}", inputs, outputs,
                                 used_inits)
        yield helper.make_model(part, opset_imports=model.opset_import)


def small_models():
    f = TensorProto.FLOAT
    x4 = helper.make_tensor_value_info("x", f, [1, 2, 4, 4])
    x2 = helper.make_tensor_value_info("x", f, ["N", 6])
    y = helper.make_tensor_value_info("y", f, None)
    c = lambda name, arr: numpy_helper.from_array(np.asarray(arr), name)
    cases = {
        "conv_relu": ([helper.make_node("Conv", ["x", "w"], ["t"], pads=[1, 1, 1, 1]),
                       helper.make_node("Relu", ["t"], ["y"])],
                      x4, [c("w", np.ones((3, 2, 3, 3), np.float32))]),
        "gemm_softmax": ([helper.make_node("Gemm", ["x", "w", "b"], ["t"], transB=1),
                          helper.make_node("Softmax", ["t"], ["y"], axis=-1)],
                         x2, [c("w", np.ones((4, 6), np.float32)),
                              c("b", np.zeros(4, np.float32))]),
        "reshape_transpose": ([helper.make_node("Reshape", ["x", "s"], ["t"]),
                               helper.make_node("Transpose", ["t"], ["y"], perm=[1, 0])],
                              x4, [c("s", np.array([4, -1], np.int64))]),
        "slice_concat": ([helper.make_node("Slice", ["x", "st", "en", "ax"], ["t"]),
                          helper.make_node("Concat", ["t", "x"], ["y"], axis=1)],
                         x4, [c("st", np.array([0], np.int64)), c("en", np.array([1], np.int64)),
                              c("ax", np.array([1], np.int64))]),
        "reduce_pool": ([helper.make_node("MaxPool", ["x"], ["t"], kernel_shape=[2, 2], strides=[2, 2]),
                         helper.make_node("ReduceMean", ["t"], ["y"], axes=[2, 3], keepdims=1)],
                        x4, []),
        "layernorm_gelu": ([helper.make_node("LayerNormalization", ["x", "g"], ["t"], axis=-1),
                            helper.make_node("Gelu", ["t"], ["y"])],
                           x2, [c("g", np.ones(6, np.float32))]),
        "gather_where": ([helper.make_node("Gather", ["x", "i"], ["t"], axis=1),
                          helper.make_node("Where", ["m", "t", "t"], ["y"])],
                         x2, [c("i", np.array([0, 5], np.int64)), c("m", np.array([True, False]))]),
        "shape_expand": ([helper.make_node("Shape", ["x"], ["s"]),
                          helper.make_node("Expand", ["x", "s"], ["t"]),
                          helper.make_node("Cast", ["t"], ["y"], to=TensorProto.FLOAT16)],
                         x2, []),
        "resize_pad": ([helper.make_node("Pad", ["x", "p"], ["t"], mode="reflect"),
                        helper.make_node("Resize", ["t", "", "sc"], ["y"], mode="nearest")],
                       x4, [c("p", np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64)),
                            c("sc", np.array([1, 1, 2, 2], np.float32))]),
    }
    for name, (nodes, x, inits) in cases.items():
        graph = helper.make_graph(nodes, name, [x], [y], inits)
        opset = 11 if name == "resize_pad" else 17
        yield name, helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def manifest_of(artifact):
    data = open(artifact, "rb").read()
    count = struct.unpack_from("<I", data, 12)[0]
    for k in range(count):
        kind, _, offset, size, _ = struct.unpack_from("<IIQQQ", data, 24 + 32 * k)
        if kind == 1:
            return data[offset:offset + size]
    raise SystemExit(f"{artifact}: no manifest section")


def npy(arr):
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def tensor_seeds(out):
    arrays = {
        "f32": np.arange(6, dtype=np.float32).reshape(2, 3),
        "f16": np.ones((2, 2), np.float16),
        "i64": np.array([1, -2, 3], np.int64),
        "u8": np.arange(4, dtype=np.uint8),
        "bool": np.array([[True, False]]),
        "scalar": np.array(3.5, np.float64),
        "fortran": np.asfortranarray(np.arange(24, dtype=np.int32).reshape(2, 3, 4)),
    }
    for name, arr in arrays.items():
        write(os.path.join(out, name + ".npy"), npy(arr))
        write(os.path.join(out, name + ".pb"),
              numpy_helper.from_array(arr, name).SerializeToString())
    # Typed (non-raw) TensorProto fields.
    write(os.path.join(out, "float_data.pb"),
          helper.make_tensor("t", TensorProto.FLOAT, [2], [1.0, 2.0]).SerializeToString())
    write(os.path.join(out, "int64_data.pb"),
          helper.make_tensor("t", TensorProto.INT64, [3], [1, 2, 3]).SerializeToString())
    for compression, name in [(zipfile.ZIP_STORED, "stored.npz"),
                              (zipfile.ZIP_DEFLATED, "deflated.npz")]:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression) as z:
            z.writestr("a.npy", npy(arrays["f32"]))
            z.writestr("b.npy", npy(arrays["i64"]))
        write(os.path.join(out, name), buf.getvalue())


def main():
    out, artifact, models = sys.argv[1], sys.argv[2], sys.argv[3:]
    for sub in ("onnx-import", "artifact", "tensorio"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    for path in models:
        name = os.path.splitext(os.path.basename(path))[0]
        for k, part in enumerate(windows(shrink(onnx.load(path)))):
            write(os.path.join(out, "onnx-import", f"{name}_{k}.onnx"),
                  part.SerializeToString())
    for name, model in small_models():
        write(os.path.join(out, "onnx-import", name + ".onnx"), model.SerializeToString())
    write(os.path.join(out, "artifact", "manifest.pb"), manifest_of(artifact))
    tensor_seeds(os.path.join(out, "tensorio"))


if __name__ == "__main__":
    main()
