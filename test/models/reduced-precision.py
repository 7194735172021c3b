# The sample model and the real models of ../shared/models compiled with
# --precision fp16 and bf16, against onnxruntime in FP32 on the same inputs
# (rounded to the type, see e2e.round_to_precision):
#   - every output element within e2e.precision_tolerance, on the CPU and,
#     where nvcc is installed, in the CUDA plan emulated on the host;
#   - the output as a whole: cosine similarity at least MIN_COSINE and the
#     same argmax in every row (these are classifiers / a detector head).
# The detector (at 320x320) is checked element by element on the CPU and
# built for CUDA, but not emulated (the emulator's reference convolutions
# are slow) and not held to cosine/argmax: on random inputs its output is a
# saturated sigmoid (97% exact zeros), where those say little.
# REQUIRES: shared-models
# RUN: %python %s %t %shared_models %S/../../examples/models
import os
import shutil
import subprocess
import sys

import numpy as np

import e2e
from accuracy import metrics
from onnx_testing import out_dir

# Whole-output agreement required at each precision (FP16 keeps 11
# significant bits, BF16 8).
MIN_COSINE = {"fp16": 0.9999, "bf16": 0.999}

folder = out_dir()
models, examples = sys.argv[2], sys.argv[3]
cases = [
    (os.path.join(examples, "tiny_cnn.onnx"), {"input": [2, 3, 32, 32]}),
    (os.path.join(models, "oww_hello_deepa.onnx"), None),
    (os.path.join(models, "ppocr_mobile_v2_cls.onnx"), {"x": [2, 3, 48, 192]}),
    (os.path.join(models, "ppocr_v4_det.onnx"), {"x": [1, 3, 320, 320]}),
]
failed = total = 0
for path, shapes in cases:
    for precision in ("fp16", "bf16"):
        total += 1
        tag = os.path.basename(path)[:-5] + "_" + precision
        work = os.path.join(folder, tag)
        # sm_90 only: the FP32 model tests build both architectures.
        detector = "ppocr_v4_det" in path
        ok, message = e2e.check(path, work, shapes, precision=precision, cuda_target="cuda:sm_90",
                                emulate_cuda=not detector)
        if ok and not detector:
            # The whole outputs of the CPU artifact e2e.check compiled.
            outputs = os.path.join(work, "outputs")
            p = subprocess.run([shutil.which("ingot-run"), os.path.join(work, "model.ingot"),
                                "--inputs", os.path.join(work, "inputs.npz"), "--output-dir",
                                outputs, "--quiet"], capture_output=True, text=True)
            if p.returncode != 0:
                ok, message = False, p.stderr
            refs = np.load(os.path.join(work, "ref.npz"))
            for name in refs.files if ok else []:
                x = np.load(os.path.join(outputs, name.replace("/", "_").replace(":", "_") + ".npy"))
                m = metrics(x, refs[name])
                good = m["cosine"] >= MIN_COSINE[precision] and m["argmax"] == 1.0
                message += (f"; {name}: cosine {m['cosine']:.6f} (>= {MIN_COSINE[precision]}), "
                            f"argmax {m['argmax']:.3f} of {m['rows']} rows, "
                            f"max rel {m['max_rel']:.2e}")
                ok = ok and good
        print(("ok   " if ok else "FAIL ") + tag + ": " + message)
        failed += not ok
print(f"{total - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
