# The real models in ../shared/models, compiled for the CPU, run on seeded
# random inputs and compared with onnxruntime. Tolerance: rtol 1e-4,
# atol 1e-5 on every output element. Where nvcc is installed each is also
# compiled for CUDA, and (except the 640x640 detector, too slow for the
# emulator's reference convolutions) its CUDA plan is run on the host.
# REQUIRES: shared-models
# RUN: %python %s %t %shared_models
import os
import sys

import e2e
from onnx_testing import out_dir

folder = out_dir()
models = sys.argv[2]
cases = [
    ("oww_hello_deepa.onnx", None, True),
    ("ppocr_mobile_v2_cls.onnx", {"x": [1, 3, 48, 192]}, True),
    ("ppocr_mobile_v2_cls.onnx", {"x": [4, 3, 48, 192]}, True),
    ("ppocr_v4_det.onnx", {"x": [1, 3, 640, 640]}, False),
]
failed = 0
for name, shapes, emulate in cases:
    tag = name + ("" if not shapes else "_" + "x".join(map(str, next(iter(shapes.values())))))
    ok, message = e2e.check(os.path.join(models, name), os.path.join(folder, tag), shapes,
                            emulate_cuda=emulate)
    print(("ok   " if ok else "FAIL ") + tag + ": " + message)
    failed += not ok
print(f"{len(cases) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
