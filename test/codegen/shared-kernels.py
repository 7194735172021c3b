# Steps whose generated code is the same but for its name share one compiled
# kernel (a transformer's layers): three layers of MatMul + bias + ReLU and
# a layer norm, the third norm with another epsilon. Host: 3 library
# regions (the norms end their epilogues), two kernels (the epsilon is in
# the code). CUDA: the GEMMs are library calls with their epilogue folded,
# the 3 norms are 2 kernels. Every step still runs (--info, the profile), the
# profile names each step's own region, and the
# outputs match onnxruntime (rtol 1e-4, atol 1e-5) on the CPU and in the
# CUDA emulation.
# RUN: %python %s %t
# RUN: ingotc %t/layers.onnx -o %t/layers.ingot 2>&1 | FileCheck %s --check-prefix=HOST
# HOST: ingotc: compiling 0 kernels and 3 library regions (2 distinct) with the host C++ compiler
# RUN: ingotc %t/layers.onnx --emit=host | FileCheck %s --check-prefix=SOURCE
# SOURCE-COUNT-2: _body(void *p, int64_t begin, int64_t end) {
# SOURCE-NOT: _body(void *p, int64_t begin, int64_t end) {
# RUN: ingot-run --info %t/layers.ingot | FileCheck %s --check-prefix=INFO
# INFO: steps: 3 (3 library calls, 0 generated kernels, 0 copies)
# RUN: env INGOT_PROFILE=all ingot-run %t/layers.ingot --random-inputs 2>&1 | FileCheck %s --check-prefix=PROFILE
# PROFILE: library calls: 3 steps
# The profile names each step's own region, not the region whose kernel
# it shares (region-names.py compares the ids and nodes).
# RUN: ingotc %t/layers.onnx --emit=fused > %t/fused.mlir
# RUN: env INGOT_PROFILE=json INGOT_PROFILE_FILE=%t/profile.json ingot-run %t/layers.ingot --random-inputs
# RUN: %python %S/region-names.py %t --compare %t/fused.mlir %t/profile.json
# RUN: env INGOT_NVCC=%S/../lib/nvcc-plan-only.sh ingotc %t/layers.onnx --target cuda -o %t/layers-cuda.ingot 2>&1 | FileCheck %s --check-prefix=NVCC
# NVCC: ingotc: compiling 3 kernels (2 distinct) with nvcc
# RUN: %python %s %t --check
import os
import sys

import numpy as np
from onnx import helper

from onnx_testing import F32, const, model, out_dir, save, value

folder = out_dir()
if "--check" in sys.argv:
    import e2e
    # Where nvcc is (and so the emulator is set up), the CUDA plan runs in
    # the emulation; the fatbin itself is not needed here.
    if os.environ.get("INGOT_NVCC"):
        os.environ["INGOT_NVCC"] = e2e.PLAN_ONLY_NVCC
    ok, msg = e2e.check(os.path.join(folder, "layers.onnx"), os.path.join(folder, "check"),
                        shapes={"x": [4, 32]}, cuda_target="cuda-plan")
    print(msg)
    sys.exit(0 if ok else 1)

rng = np.random.default_rng(4)
nodes, inits, h = [], [], "x"
for i, epsilon in enumerate([1e-5, 1e-5, 1e-3]):
    nodes += [helper.make_node("MatMul", [h, f"w{i}"], [f"m{i}"]),
              helper.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i}"]),
              helper.make_node("Relu", [f"a{i}"], [f"r{i}"]),
              helper.make_node("LayerNormalization", [f"r{i}", f"g{i}", f"beta{i}"],
                               [f"n{i}"], epsilon=epsilon)]
    # Parameters of 32 elements: buffers, not literals in the code.
    inits += [const(f"w{i}", rng.standard_normal((32, 32)).astype(np.float32) * 0.3),
              const(f"b{i}", rng.standard_normal(32).astype(np.float32)),
              const(f"g{i}", rng.standard_normal(32).astype(np.float32)),
              const(f"beta{i}", rng.standard_normal(32).astype(np.float32))]
    h = f"n{i}"
nodes.append(helper.make_node("Identity", [h], ["y"]))
save(model(nodes, [value("x", F32, [4, 32])], [value("y", F32, [4, 32])], inits, opset=17),
     folder, "layers.onnx")
