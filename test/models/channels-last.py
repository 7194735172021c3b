# Real convolution networks compiled channels-last (ingotc --layout nhwc):
# the CPU artifact and (where nvcc is installed) the CUDA plan, run through
# the emulation without building a fatbin, match onnxruntime on seeded
# random inputs (rtol 1e-4, atol 1e-5, as at the model's own layout). And
# the layout pass leaves only the transposes the model's structure needs:
# one at the input (the model takes NCHW) for the networks whose
# convolutions and pooling all go channels-last; one more for the detector,
# whose ConvTranspose head stays NCHW.
# REQUIRES: shared-models
# RUN: %python %s %t %shared_models
import os
import re
import shutil
import subprocess
import sys

import e2e
from onnx_testing import out_dir

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
folder = out_dir()
models = sys.argv[2]
cases = [
    (os.path.join(ROOT, "examples/models/tiny_cnn.onnx"), {"input": [2, 3, 32, 32]}, 1),
    (os.path.join(models, "ppocr_mobile_v2_cls.onnx"), {"x": [2, 3, 48, 192]}, 1),
    (os.path.join(models, "ppocr_v4_det.onnx"), {"x": [1, 3, 160, 224]}, 2),
]
failed = 0
for path, shapes, transposes in cases:
    dims = next(iter(shapes.values()))
    tag = os.path.basename(path) + "_" + "x".join(map(str, dims))
    work = os.path.join(folder, tag)
    ok, message = e2e.check(path, work, shapes, compile_args=["--layout", "nhwc"],
                            cuda_target="cuda-plan")
    name, = shapes
    p = subprocess.run([shutil.which("ingotc"), path, "--layout", "nhwc", "--stats",
                        "--input-shape", name + ":" + "x".join(map(str, dims)),
                        "-o", os.path.join(work, "stats.ingot")], capture_output=True, text=True)
    found = re.search(r"transposes: +(\d+)", p.stderr)
    if not found or int(found.group(1)) != transposes:
        ok = False
        message += f"; expected {transposes} transposes, --stats says: " + \
            (found.group(0) if found else p.stderr[-500:])
    print(("ok   " if ok else "FAIL ") + tag + ": " + message)
    failed += not ok
print(f"{len(cases) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
