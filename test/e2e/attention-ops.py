# The attention operators imported to ingot.attention, against onnxruntime
# (host, and the CUDA kernels in the emulation):
#   - ONNX Attention (opset 23): 3-D inputs with grouped heads (4 query
#     heads on 2 key/value heads), causal, past key/value and the present
#     outputs; 4-D inputs with a boolean mask; 4-D with a float mask and
#     an explicit scale; head sizes 128 (causal) and 32 (grouped heads);
#   - com.microsoft MultiHeadAttention: 3-D q, k, v with the packed bias,
#     a key padding mask (int32, 0 = padding) and mask_filter_value; and
#     cross attention (Sk != Sq) with an attention bias and unidirectional
#     off;
#   - com.microsoft Attention: the packed q/k/v weights and bias, a raw
#     2-D mask_index, and unidirectional (causal) with qkv_hidden_sizes.
# Each model must compile to exactly one ingot.attention (--emit=fused).
# The ONNX node tests of Attention (test/conformance) cover the remaining
# forms against ONNX's reference on the host.
# Tolerances: rtol 1e-4, atol 1e-5.
# RUN: %python %s %t
import os
import re
import shutil
import subprocess
import sys

import numpy as np
from onnx import TensorProto, helper

import e2e
from onnx_testing import const, out_dir, single_node_model, value as vi

folder = out_dir()
rng = np.random.default_rng(9)
F, I32, BOOL = TensorProto.FLOAT, TensorProto.INT32, TensorProto.BOOL
MS = "com.microsoft"
failures = []


def f32(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def make(name, node, inputs, outputs, inits=(), opset=23, contrib=False):
    return single_node_model(folder, name, node, inputs, outputs, inits, opset, contrib)


cases = []

# ONNX Attention, 3-D with grouped heads, causal, past and present.
B, S, P, HQ, HKV, D = 2, 5, 3, 4, 2, 8
cases.append((make(
    "onnx_3d_gqa_causal_past",
    helper.make_node("Attention", ["q", "k", "v", "", "past_k", "past_v"],
                     ["y", "present_k", "present_v"], is_causal=1, q_num_heads=HQ,
                     kv_num_heads=HKV),
    [vi("q", F, [B, S, HQ * D]), vi("k", F, [B, S, HKV * D]), vi("v", F, [B, S, HKV * D]),
     vi("past_k", F, [B, HKV, P, D]), vi("past_v", F, [B, HKV, P, D])],
    [vi("y", F, [B, S, HQ * D]), vi("present_k", F, [B, HKV, P + S, D]),
     vi("present_v", F, [B, HKV, P + S, D])]),
    {"q": f32(B, S, HQ * D), "k": f32(B, S, HKV * D), "v": f32(B, S, HKV * D),
     "past_k": f32(B, HKV, P, D), "past_v": f32(B, HKV, P, D)}))

# ONNX Attention, 4-D with a boolean mask [Sq, Sk] (every row keeps a key).
bool_mask = rng.random((6, 9)) > 0.4
bool_mask[:, 0] = True
cases.append((make(
    "onnx_4d_bool_mask",
    helper.make_node("Attention", ["q", "k", "v", "mask"], ["y"]),
    [vi("q", F, [1, 2, 6, 16]), vi("k", F, [1, 2, 9, 16]), vi("v", F, [1, 2, 9, 12])],
    [vi("y", F, [1, 2, 6, 12])], [const("mask", bool_mask)]),
    {"q": f32(1, 2, 6, 16), "k": f32(1, 2, 9, 16), "v": f32(1, 2, 9, 12)}))

# ONNX Attention, 4-D with a float mask input and an explicit scale.
cases.append((make(
    "onnx_4d_float_mask_scaled",
    helper.make_node("Attention", ["q", "k", "v", "mask"], ["y"], scale=0.3),
    [vi("q", F, [2, 3, 7, 8]), vi("k", F, [2, 3, 7, 8]), vi("v", F, [2, 3, 7, 8]),
     vi("mask", F, [2, 1, 7, 7])],
    [vi("y", F, [2, 3, 7, 8])]),
    {"q": f32(2, 3, 7, 8), "k": f32(2, 3, 7, 8), "v": f32(2, 3, 7, 8),
     "mask": f32(2, 1, 7, 7)}))

# ONNX Attention, 4-D, the head sizes at both ends of what transformers use:
# 128 (causal) and 32 (4 query heads on 1 key/value head).
cases.append((make(
    "onnx_4d_head128_causal",
    helper.make_node("Attention", ["q", "k", "v"], ["y"], is_causal=1),
    [vi("q", F, [1, 2, 19, 128]), vi("k", F, [1, 2, 19, 128]), vi("v", F, [1, 2, 19, 128])],
    [vi("y", F, [1, 2, 19, 128])]),
    {"q": f32(1, 2, 19, 128), "k": f32(1, 2, 19, 128), "v": f32(1, 2, 19, 128)}))
cases.append((make(
    "onnx_4d_head32_gqa",
    helper.make_node("Attention", ["q", "k", "v"], ["y"]),
    [vi("q", F, [2, 4, 11, 32]), vi("k", F, [2, 1, 13, 32]), vi("v", F, [2, 1, 13, 32])],
    [vi("y", F, [2, 4, 11, 32])]),
    {"q": f32(2, 4, 11, 32), "k": f32(2, 1, 13, 32), "v": f32(2, 1, 13, 32)}))

# MultiHeadAttention: packed bias, key padding mask.
B, S, N, H = 2, 10, 4, 8
padding = np.ones((B, S), np.int32)
padding[0, -3:] = 0
cases.append((make(
    "mha_bias_padding",
    helper.make_node("MultiHeadAttention", ["q", "k", "v", "bias", "padding"], ["y"],
                     domain=MS, num_heads=N, mask_filter_value=-1e4),
    [vi("q", F, [B, S, N * H]), vi("k", F, [B, S, N * H]), vi("v", F, [B, S, N * H]),
     vi("padding", I32, [B, S])],
    [vi("y", F, [B, S, N * H])], [const("bias", f32(3 * N * H, scale=0.5))], contrib=True),
    {"q": f32(B, S, N * H), "k": f32(B, S, N * H), "v": f32(B, S, N * H), "padding": padding}))

# MultiHeadAttention: cross attention with an attention bias.
cases.append((make(
    "mha_cross_attention_bias",
    helper.make_node("MultiHeadAttention", ["q", "k", "v", "", "", "attn_bias"], ["y"],
                     domain=MS, num_heads=2),
    [vi("q", F, [1, 4, 32]), vi("k", F, [1, 11, 32]), vi("v", F, [1, 11, 32]),
     vi("attn_bias", F, [1, 2, 4, 11])],
    [vi("y", F, [1, 4, 32])], contrib=True),
    {"q": f32(1, 4, 32), "k": f32(1, 11, 32), "v": f32(1, 11, 32),
     "attn_bias": f32(1, 2, 4, 11)}))

# com.microsoft Attention: packed weights, bias, raw 2-D mask.
B, S, IN, N = 2, 12, 24, 3
raw = np.ones((B, S), np.int32)
raw[1, -5:] = 0
cases.append((make(
    "contrib_attention_mask",
    helper.make_node("Attention", ["x", "w", "b", "mask"], ["y"], domain=MS, num_heads=N),
    [vi("x", F, [B, S, IN]), vi("mask", I32, [B, S])], [vi("y", F, [B, S, 48])],
    [const("w", f32(IN, 3 * 48, scale=0.3)), const("b", f32(3 * 48, scale=0.1))],
    contrib=True),
    {"x": f32(B, S, IN), "mask": raw}))

# com.microsoft Attention: unidirectional, q/k of 24, v of 36.
cases.append((make(
    "contrib_attention_causal_sizes",
    helper.make_node("Attention", ["x", "w", "b"], ["y"], domain=MS, num_heads=3,
                     unidirectional=1, qkv_hidden_sizes=[24, 24, 36]),
    [vi("x", F, [1, 9, 16])], [vi("y", F, [1, 9, 36])],
    [const("w", f32(16, 84, scale=0.3)), const("b", f32(84, scale=0.1))], contrib=True),
    {"x": f32(1, 9, 16)}))


def attention_ops(path):
    p = subprocess.run([shutil.which("ingotc"), path, "--emit=fused", "-o", "-"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return "ingotc --emit=fused failed: " + p.stderr[-500:]
    return len(re.findall(r"= ingot\.attention ", p.stdout))


for path, feeds in cases:
    name = os.path.basename(path)[:-5]
    count = attention_ops(path)
    if count != 1:
        failures.append(f"{name}: {count} ingot.attention ops, expected 1")
        continue
    # nvcc builds the first case (sm_90); the others' CUDA plans run in the
    # emulation only.
    ok, msg = e2e.check(path, os.path.join(folder, name), feeds=feeds, rtol=1e-4, atol=1e-5,
                        cuda_target="cuda:sm_90" if path == cases[0][0] else "cuda-plan")
    print(f"{name}: {'ok' if ok else 'FAILED'}: {msg}")
    if not ok:
        failures.append(name)

if failures:
    print("FAILED:", ", ".join(failures))
    sys.exit(1)
print("all attention operators match onnxruntime")
