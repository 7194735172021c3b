# Whole transformer models as the exporters write them
# (bench/make_reference_models.py: BertModel and GPT2Model, op for op), at
# small sizes, against onnxruntime on the host and in the CUDA emulation.
# Every layer's attention must become one ingot.attention, and --stats must
# count the launches per layer the fusion promises:
#   - BERT: CPU 7 (q, k, v projections, attention, output projection with
#     bias, residual and layer norm, FFN GEMM with GELU, FFN GEMM with bias,
#     residual and layer norm: the norms end the GEMMs' epilogues); CUDA 8
#     (one q/k/v GEMM, each layer norm a kernel, and the erf GELU a kernel of
#     its own after its GEMM: cuBLASLt has no erf epilogue);
#   - GPT-2: CPU 7 (layer norm, the fused q/k/v GEMM, attention, output
#     projection + residual, layer norm, MLP GEMM with GELU, MLP GEMM +
#     residual: each residual sum is read by the next layer norm and the
#     next residual, so the norms stay kernels of their own); CUDA 8 (the
#     GELU after its GEMM a kernel).
# BERT and GPT-2 are also built with dynamic batch and sequence axes (the
# exporter's dynamic_axes form: 0s in the reshape targets, position ids and
# GPT-2's causal bias sliced to the sequence length, BERT's token types
# from the ids' shape). Bound to one shape it
# must fuse and match as the fixed form does; over ranges its front end
# must infer every size (issue #12: code generation does not take ranges
# yet).
# Tolerances: rtol 1e-4, atol 1e-4 (two and three layers of sums).
# RUN: %python %s %t
import importlib.util
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import onnx

import e2e
from onnx_testing import out_dir

folder = out_dir()
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location(
    "make_reference_models", os.path.join(root, "bench", "make_reference_models.py"))
models = importlib.util.module_from_spec(spec)
spec.loader.exec_module(models)
failures = []


def small_bert(rng):
    # The BERT builder reads module-level sizes.
    models.SEQ, models.HIDDEN, models.HEADS, models.FFN = 24, 64, 4, 256
    models.LAYERS, models.VOCAB, models.MAX_POS = 2, 100, 64
    models.HEAD = models.HIDDEN // models.HEADS
    return models.build_bert_base(rng)


def small_gpt2(rng):
    return models.build_gpt2(rng, cfg=dict(seq=20, hidden=64, heads=4, layers=3, vocab=120,
                                           positions=64))


def with_dynamic_axes(build):
    """`build` writing the exporter's dynamic-axes form."""
    def dynamic(rng):
        models.DYNAMIC_AXES = True
        try:
            return build(rng)
        finally:
            models.DYNAMIC_AXES = False
    return dynamic


def per_layer(path, args=(), env=None):
    p = subprocess.run([shutil.which("ingotc"), path, "--stats", *args, "-o",
                        os.path.join(folder, "stats.ingot")], capture_output=True, text=True,
                       env=env)
    m = re.search(r"launches per layer: (\d+)", p.stderr)
    return int(m.group(1)) if m else p.stderr[-300:]


CASES = [("bert", small_bert, 2, 7, 8), ("gpt2", small_gpt2, 3, 7, 8),
         ("bert_dynamic_axes", with_dynamic_axes(small_bert), 2, 7, 8),
         ("gpt2_dynamic_axes", with_dynamic_axes(small_gpt2), 3, 7, 8)]
for name, build, layers, cpu, cuda in CASES:
    model, feeds = build(np.random.default_rng(1))
    path = os.path.join(folder, name + ".onnx")
    onnx.save(model, path)
    bind = []
    if name.endswith("_dynamic_axes"):
        batch, seq = feeds["input_ids"].shape
        bind = ["--dim", f"batch={batch}", "--dim", f"sequence={seq}"]
        ranges = subprocess.run([shutil.which("ingotc"), path, "--dim", "batch=1:32",
                                 "--dim", "sequence=1:64", "--emit=mlir"],
                                capture_output=True, text=True)
        want = '"[batch, 4, sequence, sequence]"'
        if ranges.returncode != 0 or ranges.stdout.count("ingot.softmax") != layers or \
                ranges.stdout.count(want) < layers:
            failures.append(f"{name}: the front end over ranges did not give the scores "
                            f"{want}: {ranges.stderr[-500:]}")
    fused = subprocess.run([shutil.which("ingotc"), path, "--emit=fused", "-o", "-", *bind],
                           capture_output=True, text=True)
    count = len(re.findall(r"= ingot\.attention ", fused.stdout))
    if count != layers:
        failures.append(f"{name}: {count} ingot.attention ops for {layers} layers")
        continue
    got_cpu = per_layer(path, bind)
    got_cuda = per_layer(path, ["--target", "cuda", *bind],
                         dict(os.environ, INGOT_NVCC=e2e.PLAN_ONLY_NVCC))
    print(f"{name}: launches per layer: CPU {got_cpu}, CUDA {got_cuda}")
    if (got_cpu, got_cuda) != (cpu, cuda):
        failures.append(f"{name}: launches per layer CPU {got_cpu}, CUDA {got_cuda}; "
                        f"expected {cpu} and {cuda}")
    # nvcc builds GPT-2's kernels (sm_90); BERT's CUDA plan runs in the
    # emulation only.
    ok, msg = e2e.check(path, os.path.join(folder, name), feeds=feeds, rtol=1e-4, atol=1e-4,
                        cuda_target="cuda:sm_90" if name == "gpt2" else "cuda-plan")
    print(f"{name}: {'ok' if ok else 'FAILED'}: {msg}")
    if not ok:
        failures.append(name)

if failures:
    print("FAILED:", ", ".join(failures))
    sys.exit(1)
print("BERT and GPT-2 match onnxruntime")
