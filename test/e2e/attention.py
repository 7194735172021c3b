# Attention as exporters write it (transformers' BERT, GPT-2 and
# encoder-decoder cross attention, built node by node here) is rewritten by
# ingot-fuse-attention to one ingot.attention and computed by the attention
# kernels (host, and the CUDA kernel in the emulation: single-thread, and
# with real threaded blocks for two cases), against onnxruntime:
#   - bert: projections, head split (Reshape + Transpose, kT by perm
#     0,2,3,1), Div by sqrt(d), additive mask (1 - m) * -10000 from an int64
#     attention_mask with padding, output transposed back and reshaped;
#   - cross_scaled: keys/values from another input (Sk != Sq), the scale on
#     q and kT separately (Mul by d^-1/4 each), head dim 20 (not a multiple
#     of 8), no mask;
#   - gpt2_causal: a boolean lower-triangular mask as Where(mask, scores,
#     finfo.min), sequence 150 (several key tiles, a partial last one, more
#     query rows than a CUDA block);
#   - heads_first: the result returned as [B, H, S, D] (no transpose
#     back), a float mask of the full score shape;
#   - probs_returned: the softmax is also a model output, so the chain must
#     stay unfused (and still be right);
#   - two_layers: a second attention layer on the first one's output:
#     --stats must count 4 launches per layer on the CPU (three projection
#     GEMMs and the attention kernel) and 2 on CUDA, where the projections
#     become one GEMM.
# Every fused case must have exactly its expected number of ingot.attention
# ops in --emit=fused, and (bert, gpt2_causal) no transpose kernels left.
# Tolerances: rtol 1e-4, atol 1e-5 (FP32); bert also at --precision fp16
# with the e2e fp16 tolerances.
# RUN: %python %s %t
import os
import re
import subprocess
import shutil
import sys

import numpy as np
from onnx import TensorProto, helper

import e2e
from onnx_testing import const, model, out_dir, save

folder = out_dir()
rng = np.random.default_rng(5)
F, I64, BOOL = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
failures = []


class Net:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def const(self, array):
        self.n += 1
        name = f"c{self.n}"
        self.inits.append(const(name, np.asarray(array)))
        return name

    def op(self, op_type, inputs, **attrs):
        self.n += 1
        out = f"t{self.n}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=f"n{self.n}", **attrs))
        return out

    def linear(self, x, cin, cout):
        w = self.const(rng.normal(0, 0.2, (cin, cout)).astype(np.float32))
        b = self.const(rng.normal(0, 0.1, cout).astype(np.float32))
        return self.op("Add", [self.op("MatMul", [x, w]), b])

    def split_heads(self, t, batch, seq, heads, dim, perm):
        shape = self.const(np.array([batch, seq, heads, dim], np.int64))
        return self.op("Transpose", [self.op("Reshape", [t, shape])], perm=perm)

    def merge_heads(self, t, batch, seq, hidden):
        shape = self.const(np.array([batch, seq, hidden], np.int64))
        return self.op("Reshape", [self.op("Transpose", [t], perm=[0, 2, 1, 3]), shape])


def attention_block(g, x, kv, batch, sq, sk, heads, dim, scale_mode="div", mask=None,
                    where_mask=None, transpose_back=True):
    hidden = heads * dim
    q = g.split_heads(g.linear(x, hidden, hidden), batch, sq, heads, dim, [0, 2, 1, 3])
    kT = g.split_heads(g.linear(kv, hidden, hidden), batch, sk, heads, dim, [0, 2, 3, 1])
    v = g.split_heads(g.linear(kv, hidden, hidden), batch, sk, heads, dim, [0, 2, 1, 3])
    if scale_mode == "split":
        c = g.const(np.float32(dim ** -0.25))
        q, kT = g.op("Mul", [q, c]), g.op("Mul", [kT, c])
    s = g.op("MatMul", [q, kT])
    if scale_mode == "div":
        s = g.op("Div", [s, g.const(np.float32(np.sqrt(dim)))])
    if mask is not None:
        s = g.op("Add", [s, mask])
    if where_mask is not None:
        s = g.op("Where", [where_mask, s, g.const(np.float32(np.finfo(np.float32).min))])
    probs = g.op("Softmax", [s], axis=-1)
    ctx = g.op("MatMul", [probs, v])
    if transpose_back:
        ctx = g.merge_heads(ctx, batch, sq, hidden)
    return ctx, probs


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def build(name, batch=2, sq=24, sk=None, heads=4, dim=16, **kw):
    """Returns (path, feeds)."""
    sk = sk or sq
    hidden = heads * dim
    g = Net()
    inputs = [vi("x", F, [batch, sq, hidden])]
    feeds = {"x": rng.standard_normal((batch, sq, hidden)).astype(np.float32)}
    kv = "x"
    if sk != sq:
        inputs.append(vi("memory", F, [batch, sk, hidden]))
        feeds["memory"] = rng.standard_normal((batch, sk, hidden)).astype(np.float32)
        kv = "memory"
    mask = where_mask = None
    kind = kw.pop("mask_kind", None)
    if kind == "bert":
        inputs.append(vi("attention_mask", I64, [batch, sk]))
        m = np.ones((batch, sk), np.int64)
        m[0, -5:] = 0
        m[1, -11:] = 0
        feeds["attention_mask"] = m
        mf = g.op("Cast", ["attention_mask"], to=F)
        mf = g.op("Mul", [g.op("Sub", [g.const(np.float32(1)), mf]), g.const(np.float32(-10000))])
        mask = g.op("Unsqueeze", [mf, g.const(np.array([1, 2], np.int64))])
    elif kind == "causal":
        where_mask = g.const(np.tril(np.ones((sq, sk), np.bool_))[None, None])
    elif kind == "full":
        inputs.append(vi("bias", F, [batch, heads, sq, sk]))
        feeds["bias"] = rng.standard_normal((batch, heads, sq, sk)).astype(np.float32)
        mask = "bias"
    transpose_back = kw.pop("transpose_back", True)
    layers = kw.pop("layers", 1)
    ctx, probs = attention_block(g, "x", kv, batch, sq, sk, heads, dim, mask=mask,
                                 where_mask=where_mask, transpose_back=transpose_back, **kw)
    for _ in range(layers - 1):  # self-attention on the previous layer's output
        ctx, probs = attention_block(g, ctx, ctx, batch, sq, sq, heads, dim, mask=mask,
                                     where_mask=where_mask, **kw)
    g.nodes.append(helper.make_node("Identity", [ctx], ["y"], name="out"))
    out_shape = [batch, sq, hidden] if transpose_back else [batch, heads, sq, dim]
    outputs = [vi("y", F, out_shape)]
    if name == "probs_returned":
        g.nodes.append(helper.make_node("Identity", [probs], ["probs"], name="probs_out"))
        outputs.append(vi("probs", F, [batch, heads, sq, sk]))
    path = save(model(g.nodes, inputs, outputs, g.inits, opset=17), folder, name + ".onnx")
    return path, feeds


def fused_stats(path, feeds):
    args = [shutil.which("ingotc"), path, "--emit=fused", "-o", "-"]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr
    attention = len(re.findall(r"= ingot\.attention ", p.stdout))
    s = subprocess.run([shutil.which("ingotc"), path, "--stats", "-o",
                        os.path.join(folder, "stats.ingot")], capture_output=True, text=True)
    transposes = re.search(r"transposes:\s+(\d+)", s.stdout + s.stderr)
    per_layer = re.search(r"launches per layer: (\d+)", s.stdout + s.stderr)
    stats[path] = int(per_layer.group(1)) if per_layer else None
    return attention, int(transposes.group(1)) if transposes else None


def stats_of(path, args, env):
    s = subprocess.run([shutil.which("ingotc"), path, "--stats", *args, "-o",
                        os.path.join(folder, "stats_cuda.ingot")], capture_output=True, text=True,
                       env=env)
    per_layer = re.search(r"launches per layer: (\d+)", s.stdout + s.stderr)
    return int(per_layer.group(1)) if per_layer else None


stats = {}
CASES = [
    # name, build kwargs, expected attention ops, transposes left (None: any)
    ("bert", dict(mask_kind="bert"), 1, 0),
    ("two_layers", dict(mask_kind="bert", layers=2), 2, 0),
    ("cross_scaled", dict(sk=10, dim=20, scale_mode="split"), 1, None),
    ("gpt2_causal", dict(batch=1, sq=150, heads=2, dim=32, mask_kind="causal"), 1, 0),
    ("heads_first", dict(mask_kind="full", transpose_back=False), 1, None),
    ("probs_returned", dict(mask_kind="bert"), 0, None),
]

threaded = {"bert", "gpt2_causal"}
nvcc = os.environ.get("INGOT_NVCC")
for name, kwargs, expected, transposes in CASES:
    path, feeds = build(name, **kwargs)
    count, left = fused_stats(path, feeds)
    if count != expected:
        failures.append(f"{name}: {count} ingot.attention ops, expected {expected} ({left})")
        continue
    if transposes is not None and left != transposes:
        failures.append(f"{name}: {left} transpose kernels left, expected {transposes}")
    # Two layers: on the CPU the second layer is its q, k and v projection
    # GEMMs and the attention kernel, 4 launches from the first attention
    # kernel to the second; on CUDA the projections are one GEMM
    # (ingot-merge-sibling-matmuls): 2.
    if name == "two_layers":
        cuda = stats_of(path, ["--target", "cuda"], dict(os.environ, INGOT_NVCC=e2e.PLAN_ONLY_NVCC))
        if stats.get(path) != 4 or cuda != 2:
            failures.append(f"{name}: launches per layer {stats.get(path)} (CPU), {cuda} (CUDA), "
                            "expected 4 and 2")
    # nvcc builds one case's kernels (sm_90); the others' CUDA plans run
    # in the emulation only (the source is the same skeleton; nvcc time).
    ok, msg = e2e.check(path, os.path.join(folder, name), feeds=feeds, rtol=1e-4, atol=1e-5,
                        cuda_target="cuda:sm_90" if name == "bert" else "cuda-plan")
    print(f"{name}: {'ok' if ok else 'FAILED'}: {msg}")
    if not ok:
        failures.append(name)
    if name in threaded and nvcc:
        ok, msg = e2e.compile_cuda(path, os.path.join(folder, name), feeds, nvcc, 1e-4, 1e-5,
                                   emulate="threads", target="cuda-plan")
        print(f"{name} (threaded CUDA blocks): {'ok' if ok else 'FAILED'}: {msg}")
        if not ok:
            failures.append(name + " threaded")

path, feeds = build("bert_fp16", mask_kind="bert")
ok, msg = e2e.check(path, os.path.join(folder, "bert_fp16"), feeds=feeds, precision="fp16",
                    cuda_target="cuda-plan")
print(f"bert_fp16: {'ok' if ok else 'FAILED'}: {msg}")
if not ok:
    failures.append("bert_fp16")

if failures:
    print("FAILED:", ", ".join(failures))
    sys.exit(1)
print("all attention cases match onnxruntime")
