# One name per region everywhere: --ingot-fuse gives each ingot.fusion an id
# (r0, r1, ...) and the ONNX node it is anchored on -- the convolution of a
# library region, not its last epilogue op; the softmax of a reduction
# region, not the elementwise epilogue applied at its row store. The kernel
# symbol, the profile and --emit=fused use that id and node, and --stats,
# ingot-run --info and the profile count the same steps.
# RUN: %python %s %t
# RUN: ingotc %t/model.onnx --emit=fused | FileCheck %s --check-prefix=FUSED
# FUSED: ingot.fusion "library" ({{.*}}) {id = "r0", node = "conv"}
# FUSED-NOT: node = "relu"
# FUSED: ingot.fusion "reduction" ({{.*}}) {id = "r{{[0-9]+}}", node = "softmax"}
# FUSED-NOT: node = "scale"
# RUN: ingotc %t/model.onnx --emit=host | FileCheck %s --check-prefix=HOST
# HOST: ingot_r0(
# RUN: ingotc %t/model.onnx -o %t/model.ingot --stats 2>&1 | FileCheck %s --check-prefix=STATS
# STATS: generated kernels: 1
# STATS-NEXT: library calls: 1
# STATS: ingotc: compiling 1 kernels and 1 library regions with the host C++ compiler
# RUN: ingot-run --info %t/model.ingot | FileCheck %s --check-prefix=INFO
# INFO: steps: 2 (1 library calls, 1 generated kernels, 0 copies)
# RUN: env INGOT_PROFILE=all ingot-run %t/model.ingot --random-inputs 2>&1 | FileCheck %s --check-prefix=PROFILE
# PROFILE: library calls: 1 steps
# PROFILE: r0 library conv
# PROFILE: generated kernels: 1 steps
# PROFILE: r{{[0-9]+}} reduction softmax
# The same ids and nodes in all three, checked by the script below.
# RUN: ingotc %t/model.onnx --emit=fused > %t/fused.mlir
# RUN: env INGOT_PROFILE=json INGOT_PROFILE_FILE=%t/profile.json ingot-run %t/model.ingot --random-inputs
# RUN: %python %s %t --compare %t/fused.mlir %t/profile.json
import json
import re
import sys

import numpy as np
from onnx import helper

from onnx_testing import F32, const, model, out_dir, save, value

if "--compare" in sys.argv:
    fused_path, profile_path = sys.argv[sys.argv.index("--compare") + 1:]
    fused = re.findall(r'ingot\.fusion "(\w+)" \(.*?\) \{id = "(r\d+)", node = "([^"]*)"\}',
                       open(fused_path).read())
    regions = {rid: (kind, node) for kind, rid, node in fused}
    profile = json.load(open(profile_path))
    steps = {(s["region"], s["kind"], s["node"]) for s in profile["steps"]}
    want = {(rid, kind, node) for rid, (kind, node) in regions.items()}
    if steps != want:
        sys.exit(f"profile steps {sorted(steps)} differ from --emit=fused regions {sorted(want)}")
    if not profile["first_run"] or profile["runs"] != 1:
        sys.exit(f"a single ingot-run is the first run: {profile}")
    print("ok:", sorted(steps))
    sys.exit(0)

d = out_dir()
rng = np.random.default_rng(3)
nodes = [
    helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
    helper.make_node("Add", ["c", "b"], ["cb"], name="bias_add"),
    helper.make_node("Relu", ["cb"], ["r"], name="relu"),
    helper.make_node("Flatten", ["r"], ["f"], name="flat"),
    helper.make_node("Softmax", ["f"], ["s"], name="softmax", axis=1),
    helper.make_node("Mul", ["s", "two"], ["y"], name="scale"),
]
m = model(nodes, [value("x", F32, [1, 3, 8, 8])], [value("y", F32, [1, 144])],
          [const("w", rng.standard_normal((4, 3, 3, 3)).astype(np.float32)),
           const("b", rng.standard_normal((1, 4, 1, 1)).astype(np.float32)),
           const("two", np.array([2.0], np.float32))])
save(m, d, "model.onnx")
