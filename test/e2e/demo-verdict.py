# scripts/demo.sh's verdict (scripts/demo-verdict.py): Ingot's outputs
# against onnxruntime's on the same inputs, and both latencies. On the
# sample model it says yes; given an artifact of a different model with the
# same inputs and outputs it says no and fails.
# RUN: %python %s %t
# RUN: ingotc %S/../../examples/models/tiny_cnn.onnx --input-shape input:1x3x32x32 -o %t/tiny.ingot
# RUN: %python %S/../../scripts/demo-verdict.py %S/../../examples/models/tiny_cnn.onnx %t/tiny.ingot --bin-dir %ingot_runtime_dir --input-shape input:1x3x32x32 --iterations 5 --warmup 1 | FileCheck %s
# CHECK: matches onnxruntime: yes (max abs err {{[0-9.e+-]+}} over 1 output(s); tolerance rtol 0.0001, atol 1e-05)
# CHECK-NEXT: latency on this machine, 2 threads, p50 of 5 runs: Ingot {{[0-9.]+}} ms, onnxruntime {{[0-9.]+}} ms (Ingot / onnxruntime = {{[0-9.]+}}; below 1: Ingot is faster)
# RUN: ingotc %t/relu.onnx -o %t/relu.ingot
# RUN: not %python %S/../../scripts/demo-verdict.py %t/tanh.onnx %t/relu.ingot --bin-dir %ingot_runtime_dir --iterations 2 --warmup 0 | FileCheck %s --check-prefix=WRONG
# WRONG: matches onnxruntime: no (max abs err
from onnx import helper

from onnx_testing import F32, model, out_dir, save, value

d = out_dir()
for op in ["Relu", "Tanh"]:
    save(model([helper.make_node(op, ["x"], ["y"])], [value("x", F32, [2, 8])],
               [value("y", F32, [2, 8])]), d, op.lower() + ".onnx")
