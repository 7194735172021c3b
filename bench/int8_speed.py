"""INT8 speed on the CPU against FP32 and onnxruntime (issue #10).

The two PaddleOCR models of bench/int8_accuracy.py, on the same rendered
inputs, timed in one run and in alternation (every variant once per round,
rounds repeated), so that the noise of a shared machine falls on all of
them alike:

  onnxruntime FP32        the original model, all graph optimizations
  onnxruntime INT8 (QDQ)  quantize_static's QDQ model (MinMax, per-channel
                          int8 weights, uint8 activations); onnxruntime
                          fuses it into its integer kernels
  Ingot FP32              ingotc on the original model
  Ingot INT8 (own)        ingotc --quantize=int8 (percentile calibration on
                          the calibration set)
  Ingot INT8 (QDQ)        ingotc on onnxruntime's QDQ model

Each round times every variant for --iterations runs after --warmup runs:
onnxruntime in this process, Ingot with ingot-bench (its p50). The table
gives the median over the rounds of each variant's median, and ratios to
onnxruntime FP32 and to Ingot FP32 (below 1: faster).

    .venv/bin/python bench/int8_speed.py [--rounds 5] [--iterations 10]
        [--threads N] [--models det,cls] [--workdir DIR] [--json FILE]
"""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import int8_accuracy as acc  # noqa: E402

MODELS = {
    # name: (path, input shape, calibration inputs)
    "det": (acc.DETECTOR, (1, 3, acc.DETECTOR_SIZE, acc.DETECTOR_SIZE),
            lambda n: acc.text_images.render_documents(n, acc.DETECTOR_CALIBRATION_SEED,
                                                       acc.DETECTOR_SIZE)),
    "cls": (acc.CLASSIFIER, (8, 3, 48, 192),
            lambda n: acc.text_images.render_direction_set(n, acc.CLASSIFIER_CALIBRATION_SEED)[0]),
}


def time_ort(path, x, threads, warmup, iterations):
    session = acc.ort_session(path, threads)
    name = session.get_inputs()[0].name
    for _ in range(warmup):
        session.run(None, {name: x})
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        session.run(None, {name: x})
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def time_ingot(bench, artifact, threads, warmup, iterations):
    p = subprocess.run([bench, artifact, "--threads", str(threads), "--warmup", str(warmup),
                        "--iterations", str(iterations)], capture_output=True, text=True)
    found = re.search(r"p50 ([0-9.]+)", p.stdout)
    if p.returncode != 0 or not found:
        raise SystemExit(f"ingot-bench {artifact} failed:\n{p.stdout}{p.stderr}")
    return float(found.group(1))


def prepare(model, args, workdir):
    """The variants of `model`: name -> ('ort', onnx path) or ('ingot', artifact)."""
    path, shape, calibration_inputs = MODELS[model]
    calibration = calibration_inputs(8 if model == "det" else 64)
    name = acc.input_name(path)
    calibration_file = os.path.join(workdir, f"{model}_calibration.npz")
    np.savez(calibration_file, **{name: calibration})
    qdq = acc.quantize_with_ort(path, calibration, shape[0] if model == "cls" else 1, workdir,
                                model)
    variants = {"onnxruntime FP32": ("ort", path), "onnxruntime INT8 (QDQ)": ("ort", qdq)}
    for label, source, extra in (
            ("Ingot FP32", path, []),
            ("Ingot INT8 (own)", path, ["--quantize=int8",
                                        f"--calibration-data={calibration_file}"]),
            ("Ingot INT8 (QDQ)", qdq, [])):
        artifact = os.path.join(workdir, f"{model}_{len(variants)}.ingot")
        acc.compile_ingot(args.ingotc, source, artifact, shape, extra)
        variants[label] = ("ingot", artifact)
    return variants, shape


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ingotc", default="ingotc")
    parser.add_argument("--ingot-bench", default="ingot-bench")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--models", default="det,cls")
    parser.add_argument("--workdir")
    parser.add_argument("--json")
    args = parser.parse_args()
    args.ingotc = shutil.which(args.ingotc) or args.ingotc
    bench = shutil.which(args.ingot_bench) or args.ingot_bench
    workdir = args.workdir or tempfile.mkdtemp(prefix="ingot-int8-speed-")
    os.makedirs(workdir, exist_ok=True)
    results = {"date": time.strftime("%Y-%m-%d"), "machine": platform.processor() or
               platform.machine(), "threads": args.threads, "onnxruntime": ort.__version__,
               "models": {}}
    for model in args.models.split(","):
        variants, shape = prepare(model, args, workdir)
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        per_round = {label: [] for label in variants}
        for _ in range(args.rounds):
            for label, (kind, target) in variants.items():
                per_round[label].append(
                    time_ort(target, x, args.threads, args.warmup, args.iterations)
                    if kind == "ort" else
                    time_ingot(bench, target, args.threads, args.warmup, args.iterations))
        medians = {label: float(np.median(v)) for label, v in per_round.items()}
        results["models"][model] = {"shape": list(shape), "median_ms": medians,
                                    "rounds_ms": per_round}
        ort_fp32, ingot_fp32 = medians["onnxruntime FP32"], medians["Ingot FP32"]
        print(f"## {os.path.basename(MODELS[model][0])}, input {'x'.join(map(str, shape))}, "
              f"{args.threads} threads, median of {args.rounds} rounds x {args.iterations} runs\n")
        print("| variant | ms | vs onnxruntime FP32 | vs Ingot FP32 |")
        print("|---|---|---|---|")
        for label, ms in medians.items():
            print(f"| {label} | {ms:.1f} | {ms / ort_fp32:.2f} | {ms / ingot_fp32:.2f} |")
        print()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
