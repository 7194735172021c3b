"""Ingot vs onnxruntime on the CPU, same inputs, same thread count, same run.

For each model: compile with ingotc, check the outputs against onnxruntime,
then time both. Ingot is timed by ingot-bench (C++, p50 of --iterations
runs); onnxruntime by its Python API (median of the same number of runs;
the Python call overhead is a few microseconds). The pair is measured
--repeats times, alternating, and the medians are reported with the ratio
Ingot / ORT (below 1: Ingot is faster).

    .venv/bin/python bench/compare_ort.py [--threads 2] [--repeats 3]
        [--model MODEL.onnx INPUTS.npz ...]

The default list is the sample model and ../shared/models; --model times
other models on given inputs instead (e.g. the ResNet-50 / BERT-base exports
of bench/gpu_torch_models.py, whose folders hold model.onnx and inputs.npz).
"""
import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
import e2e  # noqa: E402

MODELS = [
    ("examples/models/tiny_cnn.onnx", {"input": [1, 3, 32, 32]}),
    ("../shared/models/oww_hello_deepa.onnx", None),
    ("../shared/models/ppocr_mobile_v2_cls.onnx", {"x": [1, 3, 48, 192]}),
    ("../shared/models/ppocr_v4_det.onnx", {"x": [1, 3, 640, 640]}),
]


def time_ort(path, feeds, threads, iterations, warmup):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    sess = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    for _ in range(warmup):
        sess.run(None, feeds)
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        sess.run(None, feeds)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def time_ingot(artifact, threads, iterations, warmup, extra=()):
    """p50 of ingot-bench; `extra`: more of its arguments (--input-shape)."""
    out = subprocess.run([os.path.join(ROOT, "build/runtime/ingot-bench"), artifact,
                          "--threads", str(threads), "--iterations", str(iterations),
                          "--warmup", str(warmup), *extra], capture_output=True, text=True,
                         check=True).stdout
    return float(re.search(r"p50 ([0-9.]+)", out).group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--precision", default="fp32", choices=("fp32", "fp16", "bf16"),
                        help="ingotc --precision for Ingot (ORT stays FP32; the check uses "
                             "e2e.precision_tolerance)")
    parser.add_argument("--layout", default="auto", choices=("auto", "nchw", "nhwc"),
                        help="ingotc --layout for Ingot")
    parser.add_argument("--only", default=None,
                        help="regex: time only the default models whose file name matches")
    parser.add_argument("--model", nargs=2, action="append", metavar=("ONNX", "INPUTS_NPZ"),
                        help="time this model on these inputs instead of the default list "
                             "(repeatable)")
    parser.add_argument("--variant", default=None, metavar="INGOTC_ARGS",
                        help="also compile with these extra ingotc arguments (one string, "
                             "e.g. '--fuse-attention=false') and time that artifact in the "
                             "same rounds")
    args = parser.parse_args()
    models = [(path, None, npz) for path, npz in args.model] if args.model else \
        [(rel, shapes, None) for rel, shapes in MODELS
         if not args.only or re.search(args.only, os.path.basename(rel))]
    os.environ["PATH"] = os.pathsep.join([os.path.join(ROOT, "build/compiler"),
                                          os.path.join(ROOT, "build/runtime"), os.environ["PATH"]])
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
          f"onnxruntime {ort.__version__}, threads={args.threads}, "
          f"Ingot at {args.precision}, layout {args.layout}")
    if args.variant:
        print(f"variant: ingotc {args.variant}")
    print(f"{'model':32} {'ingot p50 ms':>12} {'ort p50 ms':>11} {'ratio':>6}  check" +
          (f" {'variant ms':>11} {'ratio':>6}" if args.variant else ""))
    work = tempfile.mkdtemp(prefix="ingot-bench-")
    for rel, shapes, npz in models:
        path = os.path.join(ROOT, rel)
        if not os.path.exists(path):
            print(f"{os.path.basename(rel):32} skipped: {path} not found")
            continue
        # Given models are often model.onnx in a folder named after them.
        name = os.path.join(*path.split(os.sep)[-2:]) if npz else os.path.basename(rel)
        folder = os.path.join(work, name)
        given = dict(np.load(npz)) if npz else None
        ok, message = e2e.check(path, folder, shapes, threads=args.threads, feeds=given,
                                precision=args.precision,
                                compile_args=["--layout", args.layout])
        feeds = dict(np.load(os.path.join(folder, "inputs.npz")))
        artifact = os.path.join(folder, "model.ingot")
        variant = None
        if args.variant:
            variant = os.path.join(folder, "variant.ingot")
            shape_args = [a for n, arr in feeds.items() for a in
                          ("--input-shape", n + ":" + ("x".join(map(str, arr.shape)) or "scalar"))]
            precision_args = [] if args.precision == "fp32" else ["--precision", args.precision]
            subprocess.run([shutil.which("ingotc"), path, "-o", variant, "--layout", args.layout,
                            *precision_args, *shape_args, *args.variant.split()], check=True,
                           capture_output=True)
        ingot_ms, ort_ms, variant_ms = [], [], []
        for _ in range(args.repeats):
            ingot_ms.append(time_ingot(artifact, args.threads, args.iterations, args.warmup))
            ort_ms.append(time_ort(path, feeds, args.threads, args.iterations, args.warmup))
            if variant:
                variant_ms.append(time_ingot(variant, args.threads, args.iterations, args.warmup))
        a, b = statistics.median(ingot_ms), statistics.median(ort_ms)
        line = f"{name:32} {a:12.3f} {b:11.3f} {a / b:6.2f}  {'matches ORT' if ok else 'MISMATCH'}"
        if variant:
            c = statistics.median(variant_ms)
            line += f" {c:11.3f} {c / b:6.2f}"
        print(line)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
