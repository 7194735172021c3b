#!/usr/bin/env python3
"""ResNet-50 (torchvision) and BERT-base (transformers, sequence 128) on the
GPU, for scripts/gpu-check.sh on the lent GPU machine (PyTorch, no MLIR):

  1. export each model with random weights to ONNX, at batch 1 and 32;
  2. compile each with the carried, statically linked ingotc for CUDA at
     each --precisions: fp32, tf32 (--precision tf32), fp16 and bf16
     (--precision fp16|bf16 --io-precision model: the artifact takes and
     returns FP32 like the model, half precision inside), and fp16-nchw:
     ResNet-50 at FP16 with the channels-first plan (--layout nchw) beside
     fp16's channels-last one (--layout nhwc, what `auto` picks on CUDA at
     FP16), to measure that choice; and fp16-int8: FP16 with --quantize
     int8 (min-max ranges that onnxruntime measures on a disjoint set of
     random inputs, given as --calibration-table: the bundled ingotc is
     statically linked and cannot run a model to calibrate), where
     the quantized pointwise convolutions and matmuls run as cuBLASLt int8
     GEMMs, timed against fp16 in the same run (issue #10's INT8 target);
  3. run the artifacts and compare with onnxruntime FP32 (CPU) and PyTorch
     FP32 (GPU): max |error| / max |reference| against TOLERANCE, plus the
     cosine similarity and (ResNet-50) the argmax agreement; PyTorch's own
     FP16/BF16 outputs are compared the same way, as a yardstick;
  4. time Ingot against PyTorch eager and torch.compile on the same GPU, in
     the same run, at the same precision (FP16/BF16: the model converted
     with .half() / .bfloat16(), float inputs cast on the GPU, outputs cast
     back to FP32, as the artifact does; BERT's int64 inputs unchanged), and
     print one table with the ratios, kernel counts and the achieved
     bandwidth of the largest generated kernels (INGOT_PROFILE=json) against
     the device's measured copy bandwidth, then the issue's targets
     (among them the NHWC plan against the NCHW plan).

All latencies are end to end from host memory: inputs copied to the GPU,
outputs copied back, for Ingot and PyTorch alike.

Work is done most important first (PRIORITY: FP16, then fp16-nchw, FP32,
BF16, TF32), so a run cut short by --deadline or --compile-budget loses the
least.

    python3 bench/gpu_torch_models.py --bundle out/gpu-check --work /tmp/tm \\
        [--json results.json] [--models resnet50,bert_base] [--batches 1,32] \\
        [--precisions fp32,tf32,fp16,fp16-nchw,bf16] [--deadline SECONDS]
"""
import argparse
import concurrent.futures
import copy
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np

SEQUENCE = 128
VOCAB = 30522
PRECISIONS = ("fp32", "tf32", "fp16", "fp16-nchw", "fp16-int8", "bf16")
# The order of the compiles, the timing and torch.compile: FP16 carries the
# issue's targets, fp16-nchw the one about the layout; FP32 is the baseline
# of every earlier call; BF16 is new; TF32 was measured in earlier calls.
PRIORITY = ("fp16", "fp16-int8", "fp16-nchw", "fp32", "bf16", "tf32")
HALF = ("fp16", "bf16")
# fp16 and fp16-nchw differ only in the plan's layout, given explicitly so
# that the comparison holds whatever `auto` picks (NHWC on CUDA at FP16):
# inputs, accuracy limits and PyTorch's FP16 model are the same. The layout
# changes only convolutions and pooling, so fp16-nchw is ResNet-50's alone
# (BERT-base's plan would be fp16's).
LAYOUT = {"fp16": "nhwc", "fp16-nchw": "nchw"}
CONV_ONLY = ("fp16-nchw",)
# Largest |error| / largest |reference| allowed, against onnxruntime FP32:
# FP32 keeps full precision (only the summation order differs); TF32 rounds
# GEMM/conv inputs to 10 mantissa bits. FP16 and BF16 store every
# half-precision tensor rounded (unit roundoff 2^-11 = 4.9e-4 and
# 2^-8 = 3.9e-3) and accumulate in FP32; over ResNet-50's ~50 layers and
# BERT's 12 the roundings add up to a few 1e-3 of the output's scale in
# FP16 and about 8x that in BF16. The bounds leave ~5x margin and still
# catch a wrongly converted op (an error of the order of the output itself).
# PyTorch's own FP16/BF16 outputs are reported beside, as a yardstick.
TOLERANCE = {"fp32": 1e-3, "tf32": 3e-2, "fp16": 2e-2, "bf16": 1e-1}
# INT8 (8-bit activations per tensor, weights per channel, calibrated on
# random inputs of a random-weight model): the rounding is 2^-8 of each
# activation's range, not of each value. bench/make_reference_models.py's
# ResNet-50 (random weights, 8 calibration samples) measured 0.18 on the
# CPU (uint8 activations, cosine 0.986) and 0.24 in the emulated CUDA plan
# (3x3 convolutions' activations symmetric int8, FP16 elsewhere) against
# onnxruntime FP32;
# the bound leaves room for another random model and still catches a wrong
# sum or scale (an error of the output's order).
INT8_TOLERANCE = 0.35
TARGET_INT8_SPEEDUP = 1.3
# The targets, printed after the table (they do not set the exit
# status, which is about correctness).
TARGET_BERT_B1_FP16_MS = 0.5
TARGET_LAYOUT = "ResNet-50 b32 FP16: NHWC plan faster than NCHW plan"
TARGET_COPY_FRACTION = 0.8
# Seconds kept back before --deadline: a timing step (Ingot and eager at one
# precision for one case) and a torch.compile step are not started with less
# time left.
RESERVE_TIMING = 20
RESERVE_COMPILE = 60
START = time.monotonic()


def log(*args):
    print(f"[{time.monotonic() - START:6.1f}s]", *args, flush=True)


def arith(prec):
    """The arithmetic of a precision: what ingotc's --precision, the
    accuracy limit and PyTorch's model go by (fp16-nchw: fp16)."""
    return prec.split("-")[0]


def applies(model, prec):
    """Whether `prec` is run for `model` (CONV_ONLY: ResNet-50 alone)."""
    return prec not in CONV_ONLY or model == "resnet50"


def tolerance(prec):
    return INT8_TOLERANCE if prec.endswith("-int8") else tolerance(prec)


def torch_timing_of(prec, precisions):
    """The precision whose PyTorch timings a row of `prec` shows: fp16-nchw
    has fp16's PyTorch model, timed (and torch.compile'd) once, for fp16,
    where both run."""
    return arith(prec) if arith(prec) in precisions else prec


def build_model(name):
    import torch

    torch.manual_seed(0)
    if name == "resnet50":
        import torchvision

        return torchvision.models.resnet50(weights=None).eval()
    from transformers import BertConfig, BertModel

    class Bert(torch.nn.Module):
        """BertModel returning (last_hidden_state, pooler_output)."""

        def __init__(self):
            super().__init__()
            self.bert = BertModel(BertConfig())  # base: 12 x 768, 12 heads

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                            token_type_ids=token_type_ids, return_dict=False)
            return out[0], out[1]

    return Bert().eval()


def at_precision(model, prec):
    """A copy of `model` computing in FP16/BF16 that takes and returns what
    the FP32 model does, like an --io-precision=model artifact: float inputs
    are cast on the device, outputs cast back to FP32."""
    import torch

    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}[prec]

    class AtPrecision(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = copy.deepcopy(model).to(dtype)

        def forward(self, *inputs):
            inputs = [x.to(dtype) if x.is_floating_point() else x for x in inputs]
            outs = self.inner(*inputs)
            if isinstance(outs, (tuple, list)):
                return tuple(o.float() for o in outs)
            return outs.float()

    return AtPrecision().eval()


def make_inputs(name, batch, seed=1000):
    rng = np.random.default_rng(seed + batch)
    if name == "resnet50":
        return {"input": rng.standard_normal((batch, 3, 224, 224), dtype=np.float32)}
    # Padded batches: each sequence keeps a random length of 64..128 tokens.
    lengths = rng.integers(64, SEQUENCE + 1, batch)
    mask = (np.arange(SEQUENCE)[None, :] < lengths[:, None]).astype(np.int64)
    return {"input_ids": rng.integers(0, VOCAB, (batch, SEQUENCE), dtype=np.int64),
            "attention_mask": mask,
            "token_type_ids": np.zeros((batch, SEQUENCE), dtype=np.int64)}


def output_names(name):
    return ["logits"] if name == "resnet50" else ["last_hidden_state", "pooler_output"]


def export(name, batch, folder):
    """Writes folder/model.onnx and folder/inputs.npz."""
    import torch

    os.makedirs(folder, exist_ok=True)
    feeds = make_inputs(name, batch)
    np.savez(os.path.join(folder, "inputs.npz"), **feeds)
    # INT8's calibration samples: other draws than the checked inputs.
    np.savez(os.path.join(folder, "calibration.npz"), **make_inputs(name, batch, seed=2000))
    model = build_model(name)
    args = tuple(torch.from_numpy(v) for v in feeds.values())
    torch.onnx.export(model, args, os.path.join(folder, "model.onnx"),
                      input_names=list(feeds), output_names=output_names(name),
                      opset_version=17, dynamo=False)


def relative_error(got, ref):
    """max |got - ref| / max |ref|; NaN when got is not finite (never passes)."""
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    return float(np.max(np.abs(got - ref)) / max(np.max(np.abs(ref)), 1e-30))


def cosine(got, ref):
    x = np.asarray(got, dtype=np.float64).ravel()
    r = np.asarray(ref, dtype=np.float64).ravel()
    norms = np.linalg.norm(x) * np.linalg.norm(r)
    if norms == 0:
        return 1.0 if not x.any() and not r.any() else 0.0
    with np.errstate(invalid="ignore"):
        return float(np.dot(x, r) / norms)


def argmax_agreement(got, ref):
    """Fraction of rows (all axes but the last) with the same argmax."""
    last = ref.shape[-1]
    g = np.asarray(got).reshape(-1, last)
    r = np.asarray(ref).reshape(-1, last)
    return float(np.mean(np.argmax(g, axis=1) == np.argmax(r, axis=1)))


def accuracy(name, got, ref):
    """Over a model's outputs: the largest max-rel error, the smallest
    cosine, and (ResNet-50's logits) the argmax agreement."""
    out = {"max_rel": max(relative_error(g, r) for g, r in zip(got, ref)),
           "cosine": min(cosine(g, r) for g, r in zip(got, ref))}
    if name == "resnet50":
        out["argmax"] = argmax_agreement(got[0], ref[0])
    return out


def calibration_table(folder):
    """folder/calibration.txt: the min and max of every convolution's and
    matmul's activation input (with a constant weight), as onnxruntime sees
    them on folder/calibration.npz, in ingotc's table format (NODE MIN MAX;
    --calibration=minmax's ranges)."""
    path = os.path.join(folder, "calibration.txt")
    if os.path.exists(path):
        return path
    import onnx
    import onnxruntime as ort
    model = onnx.load(os.path.join(folder, "model.onnx"))
    constants = {t.name for t in model.graph.initializer}
    constants |= {o for n in model.graph.node if n.op_type == "Constant" for o in n.output}
    targets = {n.name: n.input[0] for n in model.graph.node
               if n.op_type in ("Conv", "Gemm", "MatMul") and n.name and len(n.input) > 1
               and n.input[1] in constants}
    outputs = {o.name for o in model.graph.output}
    for t in sorted(set(targets.values()) - outputs):
        model.graph.output.append(onnx.helper.make_tensor_value_info(t, onnx.TensorProto.FLOAT,
                                                                     None))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    samples = dict(np.load(os.path.join(folder, "calibration.npz")))
    # Runs of the model's batch (its first input's first dim) over the
    # stacked samples, as ingotc's --calibration-data does.
    dim = model.graph.input[0].type.tensor_type.shape.dim[0].dim_value or 1
    count = len(next(iter(samples.values())))
    ranges = {}
    names = [o.name for o in session.get_outputs()]
    for start in range(0, count - dim + 1, dim):
        run = session.run(None, {k: v[start:start + dim] for k, v in samples.items()})
        for name, value in zip(names, run):
            lo, hi = float(value.min()), float(value.max())
            old = ranges.get(name, (lo, hi))
            ranges[name] = (min(lo, old[0]), max(hi, old[1]))
    with open(path + ".tmp", "w") as f:
        f.write("# NODE MIN MAX: onnxruntime's range of each activation input\n")
        for node, tensor in targets.items():
            f.write(f"{node} {ranges[tensor][0]!r} {ranges[tensor][1]!r}\n")
    os.replace(path + ".tmp", path)
    return path


def compile_artifact(ingotc, folder, precision, target, deadline=None):
    artifact = os.path.join(folder, f"{precision}.ingot")
    cmd = [ingotc, os.path.join(folder, "model.onnx"), "--target", target,
           "-o", artifact, "--stats"]
    if precision != "fp32":  # FP32 without the flag: ingotc's default
        cmd += ["--precision", arith(precision)]
    if arith(precision) in HALF:
        cmd += ["--io-precision", "model"]  # FP32 inputs and outputs
    if precision in LAYOUT:
        cmd += ["--layout", LAYOUT[precision]]
    if precision.endswith("-int8"):
        try:
            cmd += ["--quantize", "int8", "--calibration-table", calibration_table(folder)]
        except Exception as e:  # report as a failed compile
            return {"ok": False, "error": f"calibration: {e}", "seconds": 0.0, "warnings": []}
    t0 = time.monotonic()
    limit = 400 if deadline is None else max(30, min(400, deadline - (t0 - START) - 60))
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=limit)
    except (OSError, subprocess.TimeoutExpired) as e:
        error = f"ingotc ran over {limit:.0f} s" if isinstance(
            e, subprocess.TimeoutExpired) else f"ingotc could not start: {e}"
        return {"ok": False, "error": error, "seconds": time.monotonic() - t0,
                "warnings": []}
    seconds = time.monotonic() - t0
    warnings = [line for line in p.stderr.splitlines() if "warning" in line]
    if p.returncode != 0:
        return {"ok": False, "error": (p.stderr or p.stdout)[-2000:], "seconds": seconds,
                "warnings": warnings}
    stats = {k.strip().replace(" ", "_"): int(v) for k, v in
             re.findall(r"^([a-z0-9 ]+):\s+(\d+)", p.stderr, re.M)}
    return {"ok": True, "artifact": artifact, "seconds": seconds, "stats": stats,
            "warnings": warnings}


def run_ingot(bin_dir, artifact, folder, tag):
    out = os.path.join(folder, "out-" + tag)
    os.makedirs(out, exist_ok=True)
    p = subprocess.run([os.path.join(bin_dir, "ingot-run"), artifact, "--inputs",
                        os.path.join(folder, "inputs.npz"), "--output-dir", out, "--quiet"],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError((p.stderr or p.stdout)[-2000:])
    return out


def bench_ingot(bin_dir, artifact, graph=True, profile_file=None):
    """p50 ms; with profile_file, the INGOT_PROFILE=json document instead
    (per step: class kernel/library, ms_per_run, bytes)."""
    cmd = [os.path.join(bin_dir, "ingot-bench"), artifact, "--warmup", "20",
           "--iterations", "20" if profile_file else "200"]
    if not graph:
        cmd.append("--no-cuda-graph")
    env = None
    if profile_file:
        env = dict(os.environ, INGOT_PROFILE="json", INGOT_PROFILE_FILE=profile_file)
        if os.path.exists(profile_file):
            os.remove(profile_file)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    if p.returncode != 0:
        raise RuntimeError((p.stderr or p.stdout)[-2000:])
    if profile_file:
        with open(profile_file) as f:
            return json.load(f)
    return float(re.search(r"p50 ([0-9.]+)", p.stdout).group(1))


def step_gbps(step):
    seconds = step["ms_per_run"] * 1e-3
    return step["bytes"] / seconds * 1e-9 if seconds > 0 else 0.0


def profile_summary(doc, copy_gbps, large_bytes, top=5):
    """Counts and times per class, and the largest generated kernels (by
    bytes: every buffer the step names, once) with their achieved bandwidth,
    also as a fraction of the measured copy bandwidth. Generated kernels are
    all memory-bound here (elementwise, reductions, pooling: GEMMs and
    convolutions are library calls)."""
    steps = doc.get("steps", [])
    kernels = [s for s in steps if s["class"] == "kernel"]
    library = [s for s in steps if s["class"] == "library"]

    def describe(s):
        gbps = step_gbps(s)
        return {"region": s["region"], "kind": s["kind"], "node": s["node"],
                "bytes": s["bytes"], "us": s["ms_per_run"] * 1e3, "gbps": gbps,
                "of_copy": gbps / copy_gbps if copy_gbps else None}

    largest = sorted(kernels, key=lambda s: (-s["bytes"], -s["ms_per_run"]))
    large = [describe(s) for s in largest if s["bytes"] >= large_bytes]
    large_seconds = sum(k["us"] for k in large) * 1e-6
    large_total = sum(k["bytes"] for k in large)
    return {
        "ms_per_run": doc.get("ms_per_run"),
        "library_calls": len(library),
        "library_ms": sum(s["ms_per_run"] for s in library),
        "kernels": len(kernels),
        "kernels_ms": sum(s["ms_per_run"] for s in kernels),
        "largest_kernels": [describe(s) for s in largest[:top]],
        # The kernels the bandwidth target is about: large enough that
        # launch and tail effects are small.
        "large_kernels": large,
        "large_kernels_gbps": large_total / large_seconds * 1e-9 if large_seconds > 0 else None,
    }


def print_profile(c, prec, s):
    log(f"{c[0]} b{c[1]} {prec} profile: {s['library_calls']} library calls "
        f"{s['library_ms']:.3f} ms, {s['kernels']} generated kernels {s['kernels_ms']:.3f} ms "
        f"per run; largest generated kernels:")
    for k in s["largest_kernels"]:
        share = "" if k["of_copy"] is None else f" {100 * k['of_copy']:5.1f}% of copy"
        print(f"    {k['bytes']:>12,} B {k['us']:9.1f} us {k['gbps']:8.1f} GB/s{share}  "
              f"{k['region']} {k['kind']} {k['node']}", flush=True)


def time_torch(fn, feeds, device, iterations=100, warmup=10):
    """Median ms of host inputs -> GPU -> host outputs."""
    import torch

    cpu = [torch.from_numpy(v) for v in feeds.values()]

    def once():
        outs = fn(*[t.to(device) for t in cpu])
        outs = outs if isinstance(outs, (tuple, list)) else (outs,)
        return [o.cpu() for o in outs]

    with torch.no_grad():
        for _ in range(warmup):
            once()
        times = []
        for _ in range(iterations):
            t0 = time.perf_counter()
            once()
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def copy_bandwidth(device, repeats=5):
    """GB/s of a large device-to-device copy (bytes read + written), best of
    `repeats` after one warm-up: the yardstick for memory-bound kernels."""
    import torch

    n = (1 << 30) if device == "cuda" else (1 << 27)
    src = torch.ones(n, dtype=torch.uint8, device=device)
    dst = torch.empty_like(src)
    best = math.inf
    for i in range(repeats + 1):
        if device == "cuda":
            begin = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            begin.record()
            dst.copy_(src)
            end.record()
            end.synchronize()
            seconds = begin.elapsed_time(end) * 1e-3
        else:
            t0 = time.perf_counter()
            dst.copy_(src)
            seconds = time.perf_counter() - t0
        if i > 0:
            best = min(best, seconds)
    del src, dst
    if device == "cuda":
        torch.cuda.empty_cache()
    return 2 * n / best * 1e-9


def set_tf32(on):
    import torch

    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


def ratio(a, b):
    return a / b if a is not None and b else None


def summary_rows(results, cases, precisions):
    """One row per case and precision (fp32, tf32, fp16, fp16-nchw, bf16):
    the table's figures, also saved."""
    rows = []
    for m, b in cases:
        r = results[f"{m}_b{b}"]
        for prec in [p for p in PRECISIONS if p in precisions and applies(m, p)]:
            t = r.get(f"{prec}_ms", {})
            pt = r.get(f"{torch_timing_of(prec, precisions)}_ms", {})
            stats = r.get(f"{prec}_stats", {})
            prof = r.get(f"{prec}_profile") or {}
            largest = (prof.get("largest_kernels") or [{}])[0]
            rows.append({
                "model": m, "batch": b, "precision": prec,
                "ingot_ms": t.get("ingot"), "ingot_no_graph_ms": t.get("ingot_no_graph"),
                "eager_ms": pt.get("torch_eager"), "compile_ms": pt.get("torch_compile"),
                "ingot_over_eager": ratio(t.get("ingot"), pt.get("torch_eager")),
                "ingot_over_compile": ratio(t.get("ingot"), pt.get("torch_compile")),
                "kernels": stats.get("generated_kernels", prof.get("kernels")),
                "library_calls": stats.get("library_calls", prof.get("library_calls")),
                "max_rel_vs_ort": r.get(f"{prec}_vs_ort"), "tolerance": tolerance(prec),
                "cosine": r.get(f"{prec}_cosine"), "argmax": r.get(f"{prec}_argmax"),
                "torch_max_rel_vs_ort": r.get("torch_vs_ort" if prec in ("fp32", "tf32")
                                              else f"torch_{arith(prec)}_vs_ort"),
                "largest_kernel_bytes": largest.get("bytes"),
                "largest_kernel_gbps": largest.get("gbps"),
                "largest_kernel_of_copy": largest.get("of_copy"),
            })
    return rows


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def print_table(rows, copy_gbps):
    """The rows as a Markdown table (pasteable into docs/BENCHMARKS.md)."""
    print(f"\nIngot vs PyTorch at the same precision, end to end from host memory; "
          f"errors vs onnxruntime FP32; device copy bandwidth "
          f"{fmt(copy_gbps, '.0f')} GB/s", flush=True)
    head = ["model", "batch", "prec", "Ingot ms", "no graph", "eager ms", "compile ms",
            "Ingot/eager", "Ingot/compile", "kernels", "library", "max rel (tol)",
            "torch max rel", "cosine", "argmax", "largest kernel GB/s (% copy)"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|")
    for w in rows:
        largest = "-"
        if w["largest_kernel_gbps"] is not None:
            largest = f"{w['largest_kernel_gbps']:.0f}"
            if w["largest_kernel_of_copy"] is not None:
                largest += f" ({100 * w['largest_kernel_of_copy']:.0f}%)"
        cells = [w["model"], str(w["batch"]), w["precision"],
                 fmt(w["ingot_ms"], ".3f"), fmt(w["ingot_no_graph_ms"], ".3f"),
                 fmt(w["eager_ms"], ".3f"), fmt(w["compile_ms"], ".3f"),
                 fmt(w["ingot_over_eager"], ".2f"), fmt(w["ingot_over_compile"], ".2f"),
                 fmt(w["kernels"], "d"), fmt(w["library_calls"], "d"),
                 f"{fmt(w['max_rel_vs_ort'], '.1e')} ({w['tolerance']:.0e})" +
                 ("" if w["max_rel_vs_ort"] is None or w["max_rel_vs_ort"] <= w["tolerance"]
                  else " FAIL"),
                 fmt(w["torch_max_rel_vs_ort"], ".1e"), fmt(w["cosine"], ".6f"),
                 fmt(w["argmax"], ".3f"), largest]
        print("| " + " | ".join(cells) + " |")
    sys.stdout.flush()


def evaluate_targets(results, copy_gbps, large_bytes):
    """The issue's targets, each with the measured value and met (True,
    False, or None when not measured in this run)."""
    out = []
    bert = results.get("bert_base_b1", {}).get("fp16_ms", {}).get("ingot")
    out.append({"target": f"BERT-base s{SEQUENCE} b1 FP16 end to end <= "
                          f"{TARGET_BERT_B1_FP16_MS} ms",
                "value": None if bert is None else f"{bert:.3f} ms",
                "met": None if bert is None else bert <= TARGET_BERT_B1_FP16_MS})
    t = results.get("resnet50_b32", {}).get("fp16_ms", {})
    ingot, comp = t.get("ingot"), t.get("torch_compile")
    out.append({"target": "ResNet-50 b32 FP16 faster than torch.compile FP16 (same run)",
                "value": None if ingot is None or comp is None else
                f"Ingot {ingot:.3f} ms, torch.compile {comp:.3f} ms (ratio {ingot / comp:.2f})",
                "met": None if ingot is None or comp is None else ingot < comp})
    r = results.get("resnet50_b32", {})
    nhwc = r.get("fp16_ms", {}).get("ingot")
    nchw = r.get("fp16-nchw_ms", {}).get("ingot")
    # The transposes the NHWC plan keeps are what it pays for the layout.
    transposes = r.get("fp16_stats", {}).get("transposes")
    out.append({"target": TARGET_LAYOUT,
                "value": None if nhwc is None or nchw is None else
                f"NHWC {nhwc:.3f} ms, NCHW {nchw:.3f} ms (ratio {nhwc / nchw:.2f})" +
                ("" if transposes is None else f"; NHWC plan: {transposes} transposes"),
                "met": None if nhwc is None or nchw is None else nhwc < nchw})
    t = results.get("resnet50_b32", {})
    fp16 = t.get("fp16_ms", {}).get("ingot")
    int8 = t.get("fp16-int8_ms", {}).get("ingot")
    gemms = t.get("fp16-int8_stats", {}).get("int8_library_calls")
    out.append({"target": f"ResNet-50 b32 INT8 >= {TARGET_INT8_SPEEDUP}x faster than Ingot "
                          "FP16 (same run)",
                "value": None if fp16 is None or int8 is None else
                f"FP16 {fp16:.3f} ms, INT8 {int8:.3f} ms (speedup {fp16 / int8:.2f}x)" +
                ("" if gemms is None else f"; {gemms} int8 GEMMs"),
                "met": None if fp16 is None or int8 is None else
                fp16 / int8 >= TARGET_INT8_SPEEDUP})
    kernels = []
    for key, r in results.items():
        if key.startswith("_"):
            continue
        for k in (r.get("fp16_profile") or {}).get("large_kernels", []):
            kernels.append((key, k))
    name = (f"generated FP16 kernels moving >= {large_bytes / 2**20:g} MiB at >= "
            f"{100 * TARGET_COPY_FRACTION:.0f}% of the measured copy bandwidth")
    if not kernels or not copy_gbps:
        out.append({"target": name, "value": None, "met": None})
    else:
        good = [k for _, k in kernels if k["gbps"] >= TARGET_COPY_FRACTION * copy_gbps]
        key, worst = min(kernels, key=lambda e: e[1]["gbps"])
        out.append({"target": name,
                    "value": f"{len(good)} of {len(kernels)} (copy {copy_gbps:.0f} GB/s); worst "
                             f"{worst['gbps']:.0f} GB/s = {100 * worst['gbps'] / copy_gbps:.0f}% "
                             f"({key} {worst['region']} {worst['kind']} {worst['node']}, "
                             f"{worst['bytes']:,} B)",
                    "met": len(good) == len(kernels)})
    return out


def print_targets(targets):
    print("\nTargets (issue):", flush=True)
    for t in targets:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        print(f"  {t['target']}: {t['value'] or '-'} -> {verdict}", flush=True)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description="ResNet-50 and BERT-base: Ingot against onnxruntime and PyTorch")
    ap.add_argument("--bundle", required=True, help="out/gpu-check (bin/ingotc, bin/ingot-*)")
    ap.add_argument("--work", required=True)
    ap.add_argument("--json")
    ap.add_argument("--models", default="resnet50,bert_base")
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--precisions", default=",".join(PRECISIONS),
                    help=f"any of {','.join(PRECISIONS)} (done in the order "
                         f"{','.join(PRIORITY)} whatever the order given; tf32 is "
                         "CUDA only; fp16-nchw is fp16 with --layout nchw, for "
                         "ResNet-50 only, and fp16 has --layout nhwc)")
    ap.add_argument("--target", default="cuda:sm_90",
                    help="ingotc --target; 'cpu' tries the script out on a machine without a GPU")
    ap.add_argument("--compile-budget", type=float, default=360,
                    help="seconds after the start after which torch.compile starts no new model")
    ap.add_argument("--deadline", type=float,
                    help="seconds after the start by which the script should have ended: "
                         "timing and torch.compile steps that would not fit are skipped "
                         "(set it a little under any outer timeout)")
    ap.add_argument("--large-kernel-mib", type=float, default=16,
                    help="generated kernels moving at least this many MiB count for the "
                         "bandwidth target")
    ap.add_argument("--export-one", nargs=3, metavar=("MODEL", "BATCH", "FOLDER"),
                    help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    requested = [p.strip() for p in a.precisions.split(",") if p.strip()]
    unknown = sorted(set(requested) - set(PRECISIONS))
    if unknown or not requested:
        ap.error(f"--precisions: {','.join(unknown) or 'none given'}; "
                 f"choose from {','.join(PRECISIONS)}")
    if a.target == "cpu" and "tf32" in requested:
        print("tf32 skipped: CUDA only", file=sys.stderr)
        requested.remove("tf32")
        if not requested:
            ap.error("--precisions: nothing left for --target cpu")
    a.precision_list = [p for p in PRIORITY if p in requested]
    return a


def main():
    a = parse_args()
    if a.export_one:
        export(a.export_one[0], int(a.export_one[1]), a.export_one[2])
        return 0

    def time_left():
        return math.inf if a.deadline is None else a.deadline - (time.monotonic() - START)

    bin_dir = os.path.join(a.bundle, "bin")
    ingotc = os.path.join(bin_dir, "ingotc")
    cases = [(m, int(b)) for m in a.models.split(",") for b in a.batches.split(",")]
    folder = {c: os.path.join(a.work, f"{c[0]}_b{c[1]}") for c in cases}
    results = {f"{m}_b{b}": {"model": m, "batch": b} for m, b in cases}
    precisions = a.precision_list
    large_bytes = int(a.large_kernel_mib * 2**20)
    status = 0
    log("precisions, in this order:", ", ".join(precisions))
    for m in dict.fromkeys(m for m, _ in cases):
        skipped = [p for p in precisions if not applies(m, p)]
        if skipped:
            log(f"{m}: {', '.join(skipped)} skipped (no convolutions: the layout changes "
                "nothing)")

    def save():
        if a.json:
            with open(a.json, "w") as f:
                json.dump(results, f, indent=1, default=str)

    # 1. Exports, one process each (torch's exporter is single-threaded).
    log("exporting", ", ".join(results))
    procs = {c: subprocess.Popen([sys.executable, __file__, "--bundle", a.bundle, "--work",
                                  a.work, "--export-one", c[0], str(c[1]), folder[c]])
             for c in cases}

    def exported_ok(p):
        try:
            return p.wait(timeout=max(1, 300 - (time.monotonic() - START))) == 0
        except subprocess.TimeoutExpired:
            p.kill()
            return False

    exported = [c for c, p in procs.items() if exported_ok(p)]
    for c in set(cases) - set(exported):
        results[f"{c[0]}_b{c[1]}"]["error"] = "export failed"
        status = 1
    log("exported", len(exported), "of", len(cases))

    # 2. Compiles in the background, most important precision first, while
    #    onnxruntime and PyTorch make the references.
    device = "cpu" if a.target == "cpu" else "cuda"
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 4))
    compiles = {(c, prec): pool.submit(compile_artifact, ingotc, folder[c], prec, a.target,
                                       a.deadline)
                for prec in precisions for c in exported if applies(c[0], prec)}

    import onnxruntime as ort
    import torch

    models = {}

    def model_for(name, prec):
        """The FP32 model (fp32, tf32) or its FP16/BF16 copy, on the device."""
        prec = arith(prec)
        key = (name, prec if prec in HALF else "fp32")
        if key not in models:
            models[key] = (at_precision(model_for(name, "fp32"), prec) if prec in HALF
                           else build_model(name).to(device))
        return models[key]

    refs, torch_out = {}, {}
    for c in exported:
        feeds = dict(np.load(os.path.join(folder[c], "inputs.npz")))
        sess = ort.InferenceSession(os.path.join(folder[c], "model.onnx"),
                                    providers=["CPUExecutionProvider"])
        refs[c] = sess.run(None, feeds)
        r = results[f"{c[0]}_b{c[1]}"]
        set_tf32(False)
        # One PyTorch FP16 output for fp16 and fp16-nchw.
        for prec in ["fp32"] + list(dict.fromkeys(arith(p) for p in precisions
                                                  if arith(p) in HALF and applies(c[0], p))):
            try:
                with torch.no_grad():
                    outs = model_for(c[0], prec)(
                        *[torch.from_numpy(v).to(device) for v in feeds.values()])
                outs = outs if isinstance(outs, tuple) else (outs,)
                outs = [o.float().cpu().numpy() for o in outs]
            except Exception as e:  # report, keep going
                r[f"torch_{prec}_error"] = str(e)[-500:]
                log(c, f"PyTorch {prec} failed:", str(e)[-300:])
                if prec == "fp32":
                    status = 1
                continue
            acc = accuracy(c[0], outs, refs[c])
            if prec == "fp32":
                torch_out[c] = outs
                r["torch_vs_ort"] = acc["max_rel"]
            else:
                r[f"torch_{prec}_vs_ort"] = acc["max_rel"]
                r[f"torch_{prec}_cosine"] = acc["cosine"]
                if "argmax" in acc:
                    r[f"torch_{prec}_argmax"] = acc["argmax"]
                log(c, f"PyTorch {prec} vs onnxruntime FP32: max rel %.2e, cosine %.6f%s" %
                    (acc["max_rel"], acc["cosine"],
                     ", argmax %.3f" % acc["argmax"] if "argmax" in acc else ""))
    log("references ready")

    # 3. Correctness of every artifact.
    artifacts = {}
    for (c, prec), fut in compiles.items():
        r = results[f"{c[0]}_b{c[1]}"]
        res = fut.result()
        r[f"ingotc_{prec}_seconds"] = round(res["seconds"], 1)
        if res["warnings"]:
            r[f"{prec}_compile_warnings"] = res["warnings"][:20]
            log(c, prec, f"ingotc: {len(res['warnings'])} warning(s), first:",
                res["warnings"][0][-300:])
        if not res["ok"]:
            r[f"{prec}_error"] = res["error"]
            log(c, prec, "compile FAILED:", res["error"][-600:])
            status = 1
            continue
        r[f"{prec}_stats"] = res["stats"]
        if prec == "fp32":
            r["stats"] = res["stats"]  # the key earlier runs wrote
        try:
            out = run_ingot(bin_dir, res["artifact"], folder[c], prec)
            got = [np.load(os.path.join(out, n + ".npy")) for n in output_names(c[0])]
            acc = accuracy(c[0], got, refs[c])
        except Exception as e:
            r[f"{prec}_error"] = str(e)
            log(c, prec, "run FAILED:", str(e)[-600:])
            status = 1
            continue
        r[f"{prec}_vs_ort"] = acc["max_rel"]
        r[f"{prec}_cosine"] = acc["cosine"]
        if "argmax" in acc:
            r[f"{prec}_argmax"] = acc["argmax"]
        if c in torch_out:
            r[f"{prec}_vs_torch"] = max(relative_error(g, t) for g, t in zip(got, torch_out[c]))
        ok = acc["max_rel"] <= tolerance(prec)  # NaN never passes
        log(c, prec, "max error / max |ref|: vs onnxruntime %.2e (limit %.0e), vs torch FP32 "
            "%s; cosine %.6f%s -> %s" %
            (acc["max_rel"], tolerance(prec), fmt(r.get(f"{prec}_vs_torch"), ".2e"),
             acc["cosine"], ", argmax %.3f" % acc["argmax"] if "argmax" in acc else "",
             "ok" if ok else "FAILED"))
        if ok:
            artifacts[(c, prec)] = res["artifact"]
        else:
            status = 1
    save()

    # 4. Latency, one thing on the GPU at a time, precision by precision in
    #    PRIORITY order: Ingot, its profile and PyTorch eager for every case,
    #    then torch.compile (not for TF32, as before) while the budget lasts;
    #    fp16-nchw times Ingot only where fp16 is in the run (the same
    #    PyTorch model: torch_timing_of).
    copy_gbps = None
    try:
        copy_gbps = copy_bandwidth(device)
        log(f"device copy bandwidth: {copy_gbps:.0f} GB/s (best of 5, bytes read + written)")
    except Exception as e:  # report, keep going
        log("copy bandwidth not measured:", str(e)[-300:])
    results["_device"] = {"device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
                          "torch": torch.__version__, "copy_gbps": copy_gbps,
                          "precisions": precisions}

    def report(c, prec, t):
        line = ", ".join(f"{k} {v:.3f}" for k, v in t.items())
        ratios = []
        if "ingot" in t:
            if "torch_eager" in t:
                ratios.append("ingot/eager %.2f" % (t["ingot"] / t["torch_eager"]))
            if "torch_compile" in t:
                ratios.append("ingot/compile %.2f" % (t["ingot"] / t["torch_compile"]))
        log(f"{c[0]} b{c[1]} {prec} ms: {line}" + ("; " + ", ".join(ratios) if ratios else ""))

    def time_case(c, prec, feeds):
        nonlocal status
        r = results[f"{c[0]}_b{c[1]}"]
        set_tf32(prec == "tf32")
        t = r.setdefault(f"{prec}_ms", {})
        if (c, prec) in artifacts:
            artifact = artifacts[(c, prec)]
            try:
                t["ingot"] = bench_ingot(bin_dir, artifact)
                t["ingot_no_graph"] = bench_ingot(bin_dir, artifact, graph=False)
                doc = bench_ingot(bin_dir, artifact,
                                  profile_file=os.path.join(folder[c], f"profile-{prec}.json"))
                summary = profile_summary(doc, copy_gbps, large_bytes)
                r[f"{prec}_profile"] = summary
                r[f"{prec}_profile_steps"] = doc.get("steps", [])
                print_profile(c, prec, summary)
            except Exception as e:
                r[f"{prec}_bench_error"] = str(e)[-2000:]
                log(c, prec, "ingot-bench FAILED:", str(e)[-600:])
                status = 1
        if torch_timing_of(prec, precisions) == prec and f"torch_{arith(prec)}_error" not in r:
            try:
                t["torch_eager"] = time_torch(model_for(c[0], prec), feeds, device)
            except Exception as e:  # report, keep going
                r[f"torch_eager_{prec}_error"] = str(e)[-500:]
                log(c, prec, "PyTorch eager failed:", str(e)[-300:])
        report(c, prec, t)

    def compile_case(c, prec, feeds):
        r = results[f"{c[0]}_b{c[1]}"]
        set_tf32(prec == "tf32")
        import torch._dynamo

        torch._dynamo.reset()  # each compiled model is timed once, then dropped
        fn = torch.compile(model_for(c[0], prec), dynamic=False)
        t0 = time.monotonic()
        try:
            with torch.no_grad():
                fn(*[torch.from_numpy(v).to(device) for v in feeds.values()])
            r[f"torch_compile_{prec}_seconds"] = round(time.monotonic() - t0, 1)
            t = r.setdefault(f"{prec}_ms", {})
            t["torch_compile"] = time_torch(fn, feeds, device)
        except Exception as e:  # report, keep going
            r[f"torch_compile_{prec}_error"] = str(e)[-500:]
            log(c, prec, "torch.compile failed:", str(e)[-300:])
            return
        report(c, prec, t)

    feeds_of = {c: dict(np.load(os.path.join(folder[c], "inputs.npz"))) for c in exported}
    for prec in precisions:
        measured = [c for c in exported if applies(c[0], prec)]
        for c in measured:
            if time_left() < RESERVE_TIMING:
                log(c, prec, "timing skipped (deadline)")
                results[f"{c[0]}_b{c[1]}"][f"{prec}_skipped"] = "deadline"
                continue
            time_case(c, prec, feeds_of[c])
            save()
        if prec == "tf32" or torch_timing_of(prec, precisions) != prec:
            continue
        for c in measured:
            r = results[f"{c[0]}_b{c[1]}"]
            if f"torch_{arith(prec)}_error" in r:
                continue
            elapsed = time.monotonic() - START
            if elapsed > a.compile_budget or time_left() < RESERVE_COMPILE:
                log(c, prec, "torch.compile skipped (%s)" %
                    ("compile budget" if elapsed > a.compile_budget else "deadline"))
                r[f"torch_compile_{prec}_skipped"] = "time"
                continue
            compile_case(c, prec, feeds_of[c])
            save()

    rows = summary_rows(results, exported, precisions)
    targets = evaluate_targets(results, copy_gbps, large_bytes)
    results["_rows"] = rows
    results["_targets"] = targets
    print(json.dumps({k: ({n: v for n, v in r.items() if not n.endswith("_profile_steps")}
                          if isinstance(r, dict) else r)
                      for k, r in results.items() if k not in ("_rows", "_targets")},
                     indent=1, default=str))
    print_table(rows, copy_gbps)
    print_targets(targets)
    save()
    log("done, exit status", status)
    return status


if __name__ == "__main__":
    sys.exit(main())
