"""One artifact for a range of shapes against one static artifact per shape,
on the CPU, in the same run (issue #12's table in docs/BENCHMARKS.md).

For each model, the dynamic artifact is compiled once (ingotc --dim
NAME=MIN:MAX), and at each tested shape a static one (--dim NAME=VALUE).
Both run with ingot-bench (p50 of --iterations runs; the dynamic one with
--input-shape), onnxruntime with its Python API (median) on the same
shape; the three are measured --repeats times, alternating, and the
medians are reported, with dynamic / static and static / ORT. The outputs
of both artifacts are checked against onnxruntime first (rtol 1e-3, atol
1e-4). Compile times are ingotc's wall time.

    .venv/bin/python bench/dynamic_vs_static.py [--threads 2] [--repeats 3]
        [--iterations 10] [--only det|bert] [--bert-points 1x16,1x128,...]

BERT-base is written by bench/make_reference_models.py --dynamic-axes into
a temporary folder (about 20 s).
"""
import argparse
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from compare_ort import time_ingot, time_ort  # noqa: E402


def compile_model(path, args, out):
    t0 = time.perf_counter()
    subprocess.run([shutil.which("ingotc"), path, "-o", out, *args], check=True,
                   capture_output=True, text=True)
    return time.perf_counter() - t0


def check(artifact, sess, feeds, work):
    refs = sess.run(None, feeds)
    np.savez(os.path.join(work, "in.npz"), **feeds)
    np.savez(os.path.join(work, "ref.npz"), **{o.name: r for o, r in
                                                 zip(sess.get_outputs(), refs)})
    p = subprocess.run([shutil.which("ingot-run"), artifact, "--inputs",
                        os.path.join(work, "in.npz"), "--compare", os.path.join(work, "ref.npz"),
                        "--rtol", "1e-3", "--atol", "1e-4", "--quiet"],
                       capture_output=True, text=True)
    return "ok" if p.returncode == 0 else "MISMATCH"


def run_model(name, path, dynamic_args, points, make_feeds, static_args, args, work):
    options = ort.SessionOptions()
    options.log_severity_level = 3
    sess = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    dynamic = os.path.join(work, name + "_dynamic.ingot")
    dynamic_compile = compile_model(path, dynamic_args, dynamic)
    print(f"{name}: dynamic artifact ({' '.join(dynamic_args)}) compiled in "
          f"{dynamic_compile:.1f} s", flush=True)
    print(f"  {'shape':12} {'static ms':>10} {'dynamic ms':>11} {'dyn/static':>10} "
          f"{'ort ms':>8} {'static/ort':>10} {'static compile s':>16}  check")
    for point in points:
        feeds = make_feeds(point)
        static = os.path.join(work, f"{name}_{point}.ingot")
        static_compile = compile_model(path, static_args(point), static)
        shape_args = []
        for k, v in feeds.items():
            shape_args += ["--input-shape", k + ":" + "x".join(map(str, v.shape))]
        verdict = "/".join([check(static, sess, feeds, work), check(dynamic, sess, feeds, work)])
        s_ms, d_ms, o_ms = [], [], []
        for _ in range(args.repeats):
            s_ms.append(time_ingot(static, args.threads, args.iterations, args.warmup))
            d_ms.append(time_ingot(dynamic, args.threads, args.iterations, args.warmup,
                                   shape_args))
            o_ms.append(time_ort(path, feeds, args.threads, args.iterations, args.warmup))
        s, d, o = (statistics.median(x) for x in (s_ms, d_ms, o_ms))
        print(f"  {point:12} {s:10.2f} {d:11.2f} {d / s:10.3f} {o:8.2f} {s / o:10.3f} "
              f"{static_compile:16.1f}  {verdict}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--only", default=None, help="det or bert")
    parser.add_argument("--det-points", default="320x320,640x640,1280x1280,640x352")
    parser.add_argument("--bert-points", default="1x16,1x128,4x128,1x512")
    args = parser.parse_args()
    os.environ["PATH"] = os.pathsep.join([os.path.join(ROOT, "build/compiler"),
                                          os.path.join(ROOT, "build/runtime"), os.environ["PATH"]])
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
          f"onnxruntime {ort.__version__}, threads={args.threads}, "
          f"{args.repeats} alternating rounds of {args.iterations} runs, medians")
    work = tempfile.mkdtemp(prefix="ingot-dynamic-")
    rng = np.random.default_rng(0)
    if args.only in (None, "det"):
        det = os.path.join(ROOT, "..", "shared", "models", "ppocr_v4_det.onnx")
        run_model("ppocr_v4_det", det,
                  ["--input-shape", "x:1x3xHxW", "--dim", "H=320:1280", "--dim", "W=320:1280",
                   "--dim-multiple", "H=32", "--dim-multiple", "W=32"],
                  args.det_points.split(","),
                  lambda p: {"x": rng.random((1, 3, *map(int, p.split("x"))), dtype=np.float32)},
                  lambda p: ["--input-shape", "x:1x3x" + p], args, work)
    if args.only in (None, "bert"):
        spec = importlib.util.spec_from_file_location(
            "make_reference_models", os.path.join(ROOT, "bench", "make_reference_models.py"))
        models = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(models)
        models.DYNAMIC_AXES = True
        model, _ = models.build_bert_base(np.random.default_rng(0))
        path = os.path.join(work, "bert_base.onnx")
        onnx.save(model, path)

        def feeds(point):
            b, s = map(int, point.split("x"))
            return {"input_ids": rng.integers(0, models.VOCAB, (b, s)).astype(np.int64),
                    "attention_mask": np.ones((b, s), np.int64)}

        run_model("bert_base", path, ["--dim", "batch=1:32", "--dim", "sequence=16:512"],
                  args.bert_points.split(","), feeds,
                  lambda p: ["--dim", "batch=" + p.split("x")[0],
                             "--dim", "sequence=" + p.split("x")[1]], args, work)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
