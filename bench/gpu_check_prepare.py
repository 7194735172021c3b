"""Prepares out/gpu-check/models for scripts/gpu-check.sh: for each model,
seeded inputs, onnxruntime's outputs, and the model compiled for the CPU
(--march x86-64-v3, portable) and for CUDA (sm_80, sm_90 + PTX).

Models compiled for ranges of shapes go to out/gpu-check/dynamic (DYNAMIC
below): the CPU and CUDA artifacts, a static CUDA artifact per listed
shape, and shapes.txt.

The INT8 entry is the text-direction classifier quantized by ingotc
(--quantize=int8, calibrated on rendered crops, test/lib/text_images.py):
its reference is the CPU artifact's output (the quantized semantics), not
onnxruntime's FP32 one. qdq_block is a small network built here and
quantized by onnxruntime (QDQ, symmetric int8 activations, per-channel
weights), so that CUDA runs its 3x3 convolutions as cuDNN int8 calls and
its pointwise ones as cuBLASLt int8 GEMMs (the classifier has only the
latter); its reference is onnxruntime without graph optimizations (the QDQ
semantics, which Ingot matches exactly in the emulation).

    .venv/bin/python bench/gpu_check_prepare.py out/gpu-check/models
"""
import os
import shutil
import subprocess
import sys

import numpy as np
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
import e2e  # noqa: E402

MODELS = [
    ("tiny_cnn", "examples/models/tiny_cnn.onnx", {"input": [1, 3, 32, 32]}),
    ("tiny_cnn_b32", "examples/models/tiny_cnn.onnx", {"input": [32, 3, 32, 32]}),
    ("oww_hello_deepa", "../shared/models/oww_hello_deepa.onnx", None),
    ("ppocr_mobile_v2_cls", "../shared/models/ppocr_mobile_v2_cls.onnx", {"x": [1, 3, 48, 192]}),
    ("ppocr_v4_det", "../shared/models/ppocr_v4_det.onnx", {"x": [1, 3, 640, 640]}),
    ("ppocr_mobile_v2_cls_int8", "../shared/models/ppocr_mobile_v2_cls.onnx",
     {"x": [1, 3, 48, 192]}),
]


# Artifacts for a range of shapes (issue #12): compiled once, checked on the
# GPU at every shape of the list (scripts/gpu-check.sh, ingot-gpu-test
# --shapes) and timed against a static CUDA artifact of each shape.
# Each: name, model, ingotc's range arguments, the shapes to check, and the
# shapes to time against a static artifact: compiled here, or (a path) the
# static artifact of MODELS already in the bundle (the bundle must stay
# under the device tool's 64 MiB).
DYNAMIC = [
    ("ppocr_v4_det_dynamic", "../shared/models/ppocr_v4_det.onnx",
     ["--input-shape", "x:1x3xHxW", "--dim", "H=320:1280", "--dim", "W=320:1280",
      "--dim-multiple", "H=32", "--dim-multiple", "W=32"],
     ["x:1x3x320x320", "x:1x3x640x640", "x:1x3x1280x1280", "x:1x3x640x352"],
     {"x:1x3x640x640": "models/ppocr_v4_det/cuda.ingot"}),
    ("ppocr_mobile_v2_cls_dynamic", "../shared/models/ppocr_mobile_v2_cls.onnx",
     ["--input-shape", "x:Nx3x48xW", "--dim", "N=1:32", "--dim", "W=64:1024"],
     ["x:1x3x48x192", "x:32x3x48x1024", "x:5x3x48x333"],
     {"x:1x3x48x192": "models/ppocr_mobile_v2_cls/cuda.ingot", "x:32x3x48x1024": None}),
]


def write_qdq_block(path):
    """conv 3x3 (16 -> 32) -> relu -> conv 1x1 -> relu -> conv 3x3 stride 2
    -> relu -> conv 1x1 (32 -> 64) -> global average pool, batch 4,
    quantized by onnxruntime with symmetric int8 activations."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime import quantization as q
    rng = np.random.default_rng(21)

    def weight(name, shape, scale=0.2):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32),
                                       name)
    nodes, inits, x = [], [], "x"
    for i, (cin, cout, k, stride) in enumerate([(16, 32, 3, 1), (32, 32, 1, 1),
                                                (32, 32, 3, 2), (32, 64, 1, 1)]):
        pad = [k // 2] * 4
        nodes.append(helper.make_node("Conv", [x, f"w{i}", f"b{i}"], [f"c{i}"], pads=pad,
                                      strides=[stride, stride]))
        inits += [weight(f"w{i}", [cout, cin, k, k]), weight(f"b{i}", [cout], 0.1)]
        x = f"c{i}"
        if i < 3:
            nodes.append(helper.make_node("Relu", [x], [f"r{i}"]))
            x = f"r{i}"
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["y"]))
    graph = helper.make_graph(
        nodes, "qdq_block", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 16, 20, 20])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 64, 1, 1])], inits)
    fp32 = path.replace(".onnx", "_fp32.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), fp32)

    class Reader(q.CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{"x": rng.standard_normal((4, 16, 20, 20)).astype(np.float32)}
                                 for _ in range(4)])

        def get_next(self):
            return next(self.batches, None)
    q.quantize_static(fp32, path, Reader(), quant_format=q.QuantFormat.QDQ, per_channel=True,
                      activation_type=q.QuantType.QInt8, weight_type=q.QuantType.QInt8,
                      extra_options={"ActivationSymmetric": True})


def model_folder(out, name, rel):
    """The model's path and its (created) folder under `out`, or None when
    the model is not there (said)."""
    path = os.path.join(ROOT, rel)
    if not os.path.exists(path):
        print(f"skip {name}: {path} not found")
        return None
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    return path, folder


def prepare_dynamic(out, ingotc):
    for name, rel, dims, shapes, statics in DYNAMIC:
        found = model_folder(out, name, rel)
        if not found:
            continue
        path, folder = found
        for target, file, extra in [("cpu", "cpu.ingot", ["--march", "x86-64-v3"]),
                                    ("cuda", "cuda.ingot", [])]:
            subprocess.run([ingotc, path, "--target", target, "-o", os.path.join(folder, file),
                            *extra, *dims], check=True)
        lines = []
        for shape, bundled in statics.items():
            if bundled is None:
                bundled = f"dynamic/{name}/static_{shape.split(':')[1]}.ingot"
                subprocess.run([ingotc, path, "--target", "cuda", "--input-shape", shape,
                                "-o", os.path.join(out, "..", bundled)], check=True)
            lines.append(f"{shape} {bundled}")
        with open(os.path.join(folder, "shapes.txt"), "w") as f:
            f.write("\n".join(shapes) + "\n")
        # Paths relative to the bundle (out/gpu-check).
        with open(os.path.join(folder, "static.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        print(f"prepared {name}")


def int8_args(folder, shapes):
    """--quantize=int8 with 64 rendered calibration crops, one per run;
    --quantize-activations=symmetric-windows (CUDA's default) for both
    artifacts, so that the CPU artifact, the GPU's reference, has the same
    quantization."""
    import text_images
    crops, _ = text_images.render_direction_set(64, seed=2002)
    path = os.path.join(folder, "calibration.npz")
    np.savez(path, x=crops)
    return ["--quantize=int8", f"--calibration-data={path}", "--quantize-activations=symmetric-windows"]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    ingotc = os.path.join(ROOT, "build/compiler/ingotc")
    sources = os.path.join(out, "..", "sources")  # not a model folder
    os.makedirs(sources, exist_ok=True)
    qdq_block = os.path.join(sources, "qdq_block.onnx")
    write_qdq_block(qdq_block)
    for name, rel, shapes in MODELS + [("qdq_block", qdq_block, None)]:
        found = model_folder(out, name, rel)
        if not found:
            continue
        path, folder = found
        feeds = e2e.random_inputs(path, shapes)
        options = ort.SessionOptions()
        if name.startswith("qdq_"):  # the QDQ semantics, not fused kernels
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        sess = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        refs = sess.run(None, feeds)
        np.savez(os.path.join(folder, "inputs.npz"), **feeds)
        np.savez(os.path.join(folder, "ref.npz"), **dict(zip([o.name for o in sess.get_outputs()], refs)))
        shutil.copy(path, os.path.join(folder, "model.onnx"))
        shape_args = []
        for n, arr in feeds.items():
            shape_args += ["--input-shape", n + ":" + "x".join(map(str, arr.shape))]
        quantize = int8_args(folder, shapes) if name.endswith("_int8") else []
        for target, file, extra in [("cpu", "cpu.ingot", ["--march", "x86-64-v3"]),
                                    ("cuda", "cuda.ingot", [])]:
            subprocess.run([ingotc, path, "--target", target, "-o", os.path.join(folder, file),
                            *extra, *shape_args, *quantize], check=True)
        if quantize:
            # The reference is the quantized model on the CPU.
            out_dir = os.path.join(folder, "cpu_outputs")
            subprocess.run([os.path.join(ROOT, "build/runtime/ingot-run"),
                            os.path.join(folder, "cpu.ingot"), "--inputs",
                            os.path.join(folder, "inputs.npz"), "--output-dir", out_dir,
                            "--quiet"], check=True)
            names = [o.name for o in sess.get_outputs()]
            np.savez(os.path.join(folder, "ref.npz"),
                     **{n: np.load(os.path.join(out_dir, n + ".npy")) for n in names})
        print(f"prepared {name}")
    prepare_dynamic(os.path.join(out, "..", "dynamic"), ingotc)


if __name__ == "__main__":
    main()
