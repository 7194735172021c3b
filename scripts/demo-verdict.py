"""The demo's verdict: does Ingot compute what onnxruntime computes on this
model, and how fast is each on this machine?

    demo-verdict.py MODEL.onnx ARTIFACT --bin-dir build/runtime
        [--input-shape NAME:DIMS ...] [--threads 2] [--iterations 200]

Runs the artifact with ingot-run on seeded random inputs and compares every
output with onnxruntime (|x - ref| <= atol + rtol*|ref|, rtol 1e-4, atol
1e-5, as the test suite does); then times both with the same thread count
(Ingot: ingot-bench's p50; onnxruntime: the median of as many runs through
its Python API, whose call overhead is a few microseconds). Exits 1 on a
mismatch.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import e2e  # noqa: E402
from compare_ort import time_ort  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("artifact")
    parser.add_argument("--bin-dir", required=True, help="folder with ingot-run and ingot-bench")
    parser.add_argument("--input-shape", action="append", default=[], metavar="NAME:DIMS")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--atol", type=float, default=1e-5)
    args = parser.parse_args()
    shapes = {}
    for spec in args.input_shape:
        name, dims = spec.rsplit(":", 1)
        shapes[name] = [int(d) for d in dims.split("x")]

    feeds = e2e.random_inputs(args.model, shapes, seed=0)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = args.threads
    sess = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    refs = dict(zip(names, sess.run(None, feeds)))

    with tempfile.TemporaryDirectory(prefix="ingot-demo-") as work:
        npz = os.path.join(work, "inputs.npz")
        np.savez(npz, **feeds)
        out = os.path.join(work, "out")
        p = subprocess.run([os.path.join(args.bin_dir, "ingot-run"), args.artifact, "--inputs", npz,
                            "--output-dir", out, "--threads", str(args.threads), "--quiet"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            print("matches onnxruntime: no (ingot-run failed: " + p.stderr.strip() + ")")
            return 1
        worst, ok = 0.0, True
        for name, ref in refs.items():
            got = np.load(os.path.join(out, name.replace("/", "_").replace(":", "_") + ".npy"))
            if got.shape != ref.shape:
                ok = False
                print(f"  {name}: shape {got.shape}, onnxruntime {ref.shape}")
                continue
            err = np.abs(got.astype(np.float64) - ref.astype(np.float64))
            worst = max(worst, float(err.max()) if err.size else 0.0)
            ok &= bool(np.all(err <= args.atol + args.rtol * np.abs(ref.astype(np.float64))))
        print(f"matches onnxruntime: {'yes' if ok else 'no'} (max abs err {worst:.3g} over "
              f"{len(refs)} output(s); tolerance rtol {args.rtol:g}, atol {args.atol:g})")

    p = subprocess.run([os.path.join(args.bin_dir, "ingot-bench"), args.artifact, "--threads",
                        str(args.threads), "--warmup", str(args.warmup), "--iterations",
                        str(args.iterations)], capture_output=True, text=True, check=True)
    ingot_ms = float(p.stdout.split("p50 ")[1].split()[0])
    ort_ms = time_ort(args.model, feeds, args.threads, args.iterations, args.warmup)
    print(f"latency on this machine, {args.threads} threads, p50 of {args.iterations} runs: "
          f"Ingot {ingot_ms:.3f} ms, onnxruntime {ort_ms:.3f} ms (Ingot / onnxruntime = "
          f"{ingot_ms / ort_ms:.2f}; below 1: Ingot is faster)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
