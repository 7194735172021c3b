# The real models of ../shared/models compiled once for ranges of shapes
# (issue #12) and run at several shapes, both ends of each range and shapes
# between, against onnxruntime:
#   - ppocr_v4_det over 1x3xHxW, H and W multiples of 32 from 320 to 1280
#     (rtol 1e-3, atol 1e-4: its sigmoid output is near 0 and 1); its CUDA
#     plan is built too, not emulated (the emulator's reference
#     convolutions are too slow at these sizes); and its profile's library
#     work at one shape against the model's own count;
#   - ppocr_mobile_v2_cls over Nx3x48xW, N from 1 to 32, W from 64 to 1024
#     (odd widths included; rtol 1e-4, atol 1e-5), on the host and through
#     the CUDA emulation.
# REQUIRES: shared-models
# RUN: %python %s %t %shared_models
import os
import sys

import numpy as np

import e2e
from onnx_testing import out_dir

folder = out_dir()
models = sys.argv[2]
rng = np.random.default_rng(12)
failures = []

det = e2e.RangeArtifacts(os.path.join(models, "ppocr_v4_det.onnx"), os.path.join(folder, "det"),
                         ["--input-shape", "x:1x3xHxW", "--dim", "H=320:1280",
                          "--dim", "W=320:1280", "--dim-multiple", "H=32",
                          "--dim-multiple", "W=32"], emulate=False)
failures += det.errors
for h, w in [(320, 320), (1280, 1280), (640, 352), (352, 1024)]:
    x = rng.random((1, 3, h, w), dtype=np.float32)
    failures += [f"ppocr_v4_det {f}" for f in det.check({"x": x}, rtol=1e-3, atol=1e-4)]

cls = e2e.RangeArtifacts(os.path.join(models, "ppocr_mobile_v2_cls.onnx"),
                         os.path.join(folder, "cls"),
                         ["--input-shape", "x:Nx3x48xW", "--dim", "N=1:32", "--dim", "W=64:1024"])
failures += cls.errors
for n, w in [(1, 64), (32, 1024), (3, 190), (5, 333)]:
    x = rng.random((n, 3, 48, w), dtype=np.float32)
    failures += [f"ppocr_mobile_v2_cls {f}" for f in cls.check({"x": x})]

# INGOT_PROFILE reports each library call's work at the call's shape: the
# total over a run of the detector at 320x352 must be the model's own count
# there (model_flops.py: ONNX shape inference, not Ingot).
if det.host:
    import json
    import shutil
    import subprocess

    import model_flops
    profile = os.path.join(folder, "det_profile.json")
    np.savez(os.path.join(folder, "det_profile_in.npz"),
             x=rng.random((1, 3, 320, 352), dtype=np.float32))
    p = subprocess.run([shutil.which("ingot-run"), det.host, "--inputs",
                        os.path.join(folder, "det_profile_in.npz"), "--quiet"],
                       capture_output=True, text=True,
                       env=dict(os.environ, INGOT_PROFILE="json", INGOT_PROFILE_FILE=profile))
    expected = sum(model_flops.node_flops(os.path.join(models, "ppocr_v4_det.onnx"),
                                          {"x": [1, 3, 320, 352]}).values())
    got = (sum(step["flops"] for step in json.load(open(profile))["steps"])
           if p.returncode == 0 else None)
    if got != expected:
        failures.append(f"ppocr_v4_det profile at 1x3x320x352: {got} flops, the model "
                        f"counts {expected}\n{p.stderr[-2000:]}")

if failures:
    print("\n\n".join(failures))
    sys.exit(1)
print("shared models over ranges of shapes: all shapes match onnxruntime")
