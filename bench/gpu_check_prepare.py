"""Prepares out/gpu-check/models for scripts/gpu-check.sh: for each model,
seeded inputs, onnxruntime's outputs, and the model compiled for the CPU
(--march x86-64-v3, portable) and for CUDA (sm_80, sm_90 + PTX).

Models compiled for ranges of shapes go to out/gpu-check/dynamic (DYNAMIC
below): the CPU and CUDA artifacts, a static CUDA artifact per listed
shape, and shapes.txt.

The INT8 entry is the text-direction classifier quantized by ingotc
(--quantize=int8, calibrated on rendered crops, test/lib/text_images.py):
its reference is the CPU artifact's output (the quantized semantics), not
onnxruntime's FP32 one.

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
    for name, rel, shapes in MODELS:
        found = model_folder(out, name, rel)
        if not found:
            continue
        path, folder = found
        feeds = e2e.random_inputs(path, shapes)
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
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
