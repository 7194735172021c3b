# The newer transformer operators, against onnxruntime (host, and the CUDA
# plan in the emulation):
#   - RotaryEmbedding (opset 23) with position ids given at run time, 3-D
#     input, half rotation, interleaved and partial (rotary_embedding_dim);
#     com.microsoft RotaryEmbedding with position ids or one offset;
#   - RMSNormalization (opset 23) in fp16 (statistics in f32);
#   - com.microsoft SkipLayerNormalization (beta, bias, and the mean, the
#     inverse standard deviation and the residual sum as outputs) and SkipSimplifiedLayerNormalization, and
#     SimplifiedLayerNormalization (onnxruntime writes it for RMS norms);
#   - com.microsoft BiasGelu, FastGelu (with bias), Gelu and QuickGelu;
#   - com.microsoft FusedMatMul with transA, transB, alpha and batches;
#   - a GEMM followed by a softmax or log-softmax of its rows;
#   - Einsum: batched matmuls of attention ("bhqd,bhkd->bhqk" and its
#     second product), a projection by a constant weight, an ellipsis
#     batch, an outer product, a contraction to a scalar and a sum.
# The ONNX node tests of RotaryEmbedding, RMSNormalization and Einsum
# (test/conformance) check them against ONNX's reference too; Einsum's
# matmul node tests are in f64, which the GEMM library does not take, so the
# f32 forms are checked here.
# A normalization must stay one kernel: the stitch region fuses the
# reduction with its elementwise neighbours (--stats).
# Tolerances: rtol 1e-4, atol 1e-5 (fp16: 1e-2, 1e-3).
# RUN: %python %s %t
import os
import re
import shutil
import subprocess
import sys

import numpy as np
from onnx import TensorProto, helper

import e2e
from onnx_testing import const, out_dir, save, single_node_model, value as vi

folder = out_dir()
rng = np.random.default_rng(23)
F, F16, I64 = TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.INT64
MS = "com.microsoft"
failures = []


def f32(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def make(name, node, inputs, outputs, inits=(), opset=23, contrib=False):
    return single_node_model(folder, name, node, inputs, outputs, inits, opset, contrib)


# (model, feeds, (rtol, atol), most kernels the host plan may have)
TOL, TOL16 = (1e-4, 1e-5), (1e-2, 1e-3)
cases = []

# RotaryEmbedding: 3-D input [B, S, N*H], run-time position ids into caches
# of 32 positions.
B, S, N, H = 2, 6, 3, 16
positions = rng.integers(0, 32, (B, S)).astype(np.int64)
for name, attrs, rotary in [("rotary_halves", {}, H),
                            ("rotary_interleaved", {"interleaved": 1}, H),
                            ("rotary_partial", {"rotary_embedding_dim": 8}, 8)]:
    angles = rng.uniform(0, 6.3, (32, rotary // 2)).astype(np.float32)
    cases.append((make(
        name,
        helper.make_node("RotaryEmbedding", ["x", "cos", "sin", "pos"], ["y"], num_heads=N,
                         **attrs),
        [vi("x", F, [B, S, N * H]), vi("pos", I64, [B, S])], [vi("y", F, [B, S, N * H])],
        [const("cos", np.cos(angles)), const("sin", np.sin(angles))]),
        {"x": f32(B, S, N * H), "pos": positions}, TOL, 1))

# com.microsoft RotaryEmbedding (input, position_ids, caches): position ids
# [B, S], and a single offset (positions offset .. offset + S - 1).
for name, ids, attrs in [("contrib_rotary_ids", positions, {}),
                         ("contrib_rotary_offset", np.array([5], np.int64),
                          {"interleaved": 1})]:
    angles = rng.uniform(0, 6.3, (32, H // 2)).astype(np.float32)
    cases.append((make(
        name,
        helper.make_node("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"], domain=MS,
                         num_heads=N, **attrs),
        [vi("x", F, [B, S, N * H]), vi("pos", I64, list(ids.shape))],
        [vi("y", F, [B, S, N * H])],
        [const("cos", np.cos(angles)), const("sin", np.sin(angles))], opset=17, contrib=True),
        {"x": f32(B, S, N * H), "pos": ids}, TOL, 1))

# RMSNormalization in fp16 over the last dimension.
cases.append((make(
    "rms_norm_fp16",
    helper.make_node("RMSNormalization", ["x", "w"], ["y"], epsilon=1e-6),
    [vi("x", F16, [4, 7, 64])], [vi("y", F16, [4, 7, 64])],
    [const("w", f32(64).astype(np.float16))]),
    {"x": f32(4, 7, 64).astype(np.float16)}, TOL16, 1))

# SkipLayerNormalization: beta, bias, all four outputs (mean, inverse
# standard deviation, the residual sum).
cases.append((make(
    "skip_layer_norm",
    helper.make_node("SkipLayerNormalization", ["x", "skip", "gamma", "beta", "bias"],
                     ["y", "mean", "inv_std", "sum"], domain=MS, epsilon=1e-5),
    [vi("x", F, [2, 9, 48]), vi("skip", F, [2, 9, 48])],
    [vi("y", F, [2, 9, 48]), vi("mean", F, [2, 9, 1]), vi("inv_std", F, [2, 9, 1]),
     vi("sum", F, [2, 9, 48])],
    [const("gamma", f32(48)), const("beta", f32(48)), const("bias", f32(48))], contrib=True),
    {"x": f32(2, 9, 48), "skip": f32(2, 9, 48)}, TOL, None))

cases.append((make(
    "skip_simplified_layer_norm",
    helper.make_node("SkipSimplifiedLayerNormalization", ["x", "skip", "gamma", "bias"],
                     ["y"], domain=MS, epsilon=1e-6),
    [vi("x", F, [3, 5, 40]), vi("skip", F, [3, 5, 40])], [vi("y", F, [3, 5, 40])],
    [const("gamma", f32(40)), const("bias", f32(40))], contrib=True),
    {"x": f32(3, 5, 40), "skip": f32(3, 5, 40)}, TOL, 1))

cases.append((make(
    "simplified_layer_norm",
    helper.make_node("SimplifiedLayerNormalization", ["x", "gamma"], ["y"], epsilon=1e-6),
    [vi("x", F, [6, 32])], [vi("y", F, [6, 32])], [const("gamma", f32(32))], opset=17,
    contrib=True),
    {"x": f32(6, 32)}, TOL, 1))

# The GELU forms.
for name, op, inputs, attrs in [("bias_gelu", "BiasGelu", ["x", "bias"], {}),
                                ("fast_gelu", "FastGelu", ["x", "bias"], {}),
                                ("contrib_gelu", "Gelu", ["x"], {}),
                                ("quick_gelu", "QuickGelu", ["x"], {"alpha": 1.5})]:
    inits = [const("bias", f32(24))] if "bias" in inputs else []
    cases.append((make(
        name, helper.make_node(op, inputs, ["y"], domain=MS, **attrs),
        [vi("x", F, [3, 10, 24])], [vi("y", F, [3, 10, 24])], inits, opset=17, contrib=True),
        {"x": f32(3, 10, 24, scale=2.0)}, TOL, 1))

# A GEMM whose rows a softmax or log-softmax normalizes: on the host the
# normalization ends the GEMM's epilogue (no kernel of its own).
for name, op in [("gemm_softmax", "Softmax"), ("gemm_log_softmax", "LogSoftmax")]:
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Add", ["m", "b"], ["a"]),
         helper.make_node(op, ["a"], ["y"], axis=-1)],
        name, [vi("x", F, [6, 16])], [vi("y", F, [6, 40])],
        [const("w", f32(16, 40, scale=0.5)), const("b", f32(40))])
    cases.append((save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
                       folder, name + ".onnx"), {"x": f32(6, 16)}, TOL, 0))

# FusedMatMul.
for name, shapes, attrs in [("fused_matmul_trans_b", ([4, 12], [20, 12]),
                             {"transB": 1, "alpha": 0.5}),
                            ("fused_matmul_batched_trans_a", ([2, 3, 12, 5], [2, 3, 12, 7]),
                             {"transA": 1, "alpha": 2.0})]:
    a, b = shapes
    out = a[:-2] + [a[-1] if attrs.get("transA") else a[-2],
                    b[-2] if attrs.get("transB") else b[-1]]
    cases.append((make(
        name, helper.make_node("FusedMatMul", ["a", "b"], ["y"], domain=MS, **attrs),
        [vi("a", F, a), vi("b", F, b)], [vi("y", F, out)], opset=17, contrib=True),
        {"a": f32(*a), "b": f32(*b)}, TOL, None))

# Einsum: (equation, input shapes, constant second operand?)
for name, equation, shapes, weight in [
        ("einsum_scores", "bhqd,bhkd->bhqk", ([2, 3, 5, 8], [2, 3, 7, 8]), False),
        ("einsum_context", "bhqk,bhkd->bqhd", ([2, 3, 5, 7], [2, 3, 7, 8]), False),
        ("einsum_projection", "bsh,hd->bsd", ([2, 5, 16], [16, 12]), True),
        ("einsum_ellipsis", "...ij,...jk->...ik", ([2, 3, 4, 5], [2, 3, 5, 6]), False),
        ("einsum_outer", "i,j->ij", ([5], [7]), False),
        ("einsum_dot", "ij,ij", ([4, 6], [4, 6]), False),
        ("einsum_sum_transpose", "bij->jb", ([3, 4, 5],), False)]:
    names = ["a", "b"][:len(shapes)]
    expected = np.einsum(equation, *[np.zeros(s, np.float32) for s in shapes]).shape
    feeds = {n: f32(*s) for n, s in zip(names, shapes)}
    inits = [const("b", feeds.pop("b"))] if weight else []
    inputs = [vi(n, F, s) for n, s in zip(names, shapes) if n in feeds]
    cases.append((make(
        name, helper.make_node("Einsum", names, ["y"], equation=equation),
        inputs, [vi("y", F, list(expected))], inits, opset=12),
        feeds, TOL, None))


def host_kernels(path):
    p = subprocess.run([shutil.which("ingotc"), path, "--stats", "-o",
                        os.path.join(folder, "stats.ingot")], capture_output=True, text=True)
    found = re.search(r"generated kernels:\s+(\d+)", p.stdout + p.stderr)
    return int(found.group(1)) if found else None


for i, (path, feeds, (rtol, atol), most_kernels) in enumerate(cases):
    name = os.path.basename(path)[:-5]
    if most_kernels is not None:
        kernels = host_kernels(path)
        if kernels is None or kernels > most_kernels:
            failures.append(f"{name}: {kernels} kernels, expected at most {most_kernels}")
            continue
    # nvcc builds the first case (sm_90); the others' CUDA plans run in the
    # emulation only.
    ok, msg = e2e.check(path, os.path.join(folder, name), feeds=feeds, rtol=rtol, atol=atol,
                        cuda_target="cuda:sm_90" if i == 0 else "cuda-plan")
    print(f"{name}: {'ok' if ok else 'FAILED'}: {msg}")
    if not ok:
        failures.append(name)

if failures:
    print("FAILED:", ", ".join(failures))
    sys.exit(1)
print("all transformer operators match onnxruntime")
