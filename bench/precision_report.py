"""Accuracy of Ingot at reduced precision, against onnxruntime FP32.

For each requested --precision the model is compiled with ingotc, run once
with ingot-run on the given inputs, and every output is compared with
onnxruntime's FP32 CPUExecutionProvider on the same inputs:

    .venv/bin/python bench/precision_report.py MODEL.onnx INPUTS.npz \\
        --precision fp32 --precision fp16 --precision bf16 [--target cpu] \\
        [--input-shape NAME:AxBxC ...] [--io-precision model] [--markdown]

Metrics, per output (x = Ingot, r = onnxruntime FP32, both as float64):

  max abs    max_i |x_i - r_i|
  max rel    max_i |x_i - r_i| / max_i |r_i|: the largest error relative to
             the output's scale. It is the figure bench/gpu_torch_models.py
             gates on, and it stays meaningful where r_i is near zero
             (logits, hidden states), where a pointwise ratio explodes.
  elem rel   max_i |x_i - r_i| / max(|r_i|, 0.01 * max_j |r_j|): pointwise
             relative error, with a floor of 1% of the output's scale so that
             elements near zero do not dominate (it is at most 100x max rel).
  cosine     <x, r> / (|x| |r|) over the flattened output (1.0 when both are
             all zeros).
  argmax     fraction of rows (all axes but the last) whose argmax over the
             last axis agrees: Ingot's argmax index holds the row's largest
             reference value (so exact ties in the reference agree). It is
             computed for every output; it only means "same class" for
             classifier-like outputs, and is trivially 1.0 when the last axis
             has size 1.

Non-finite values (FP16 overflow) are counted and reported; they make the
error metrics NaN rather than being skipped, so they cannot hide.

FP32 is compiled without a --precision flag (ingotc's default), so the script
also works with compilers that predate the flag. The inputs are shaped by
the .npz (one --input-shape per input); --input-shape overrides a name.
Exit status: 0 when everything compiled and ran (and, with --fail-above, no
output's max rel exceeded the bound), 1 otherwise, with the reason on stderr.
"""
import argparse
import ast
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
from accuracy import ELEM_REL_FLOOR, metrics  # noqa: E402

INGOTC = os.path.join(ROOT, "build", "compiler", "ingotc")
INGOT_RUN = os.path.join(ROOT, "build", "runtime", "ingot-run")
PRECISIONS = ("fp32", "tf32", "fp16", "bf16")


def fail(message):
    print(f"precision_report: {message}", file=sys.stderr)
    sys.exit(1)


class Failure(Exception):
    """One precision could not be compiled or run; the others still are."""


def run_tool(args, what):
    """Runs a tool; on failure raises Failure with its (tail of) output."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(args, capture_output=True, text=True)
    except OSError as e:  # missing, or being relinked by a build right now
        raise Failure(f"{what} could not start: {e}") from None
    if p.returncode != 0:
        raise Failure(f"{what} failed (exit {p.returncode}):\n  {' '.join(args)}\n"
                      + (p.stdout + p.stderr)[-4000:].rstrip())
    return p.stdout, time.perf_counter() - t0


def load_npy(path):
    """np.load, plus bfloat16 (which numpy lacks): a 2-byte dtype it does not
    know is read as bfloat16 (the top half of a float32)."""
    try:
        return np.load(path)
    except (ValueError, TypeError):
        with open(path, "rb") as f:
            if f.read(6) != b"\x93NUMPY":
                raise
            major = f.read(2)[0]
            size = int.from_bytes(f.read(2 if major == 1 else 4), "little")
            header = ast.literal_eval(f.read(size).decode("latin1"))
            raw = np.frombuffer(f.read(), dtype="<u2")
        if "bf16" not in header["descr"] and "bfloat16" not in header["descr"]:
            raise
        return (raw.astype(np.uint32) << 16).view(np.float32).reshape(header["shape"])


def artifact_input_dtypes(ingot_run, artifact):
    """Input name -> dtype name, from `ingot-run --info` (with
    --io-precision=compute the artifact's float inputs are narrower)."""
    out, _ = run_tool([ingot_run, "--info", artifact], "ingot-run --info")
    dtypes, in_inputs = {}, False
    for line in out.splitlines():
        if line.strip().startswith("inputs ("):
            in_inputs = True
        elif in_inputs and line.startswith("    ") and ": " in line:
            name, rest = line.strip().rsplit(": ", 1)
            dtypes[name] = rest.split()[0]
        else:
            in_inputs = False
    return dtypes


def report_one(prec, args, model, shape_args, feeds, refs, work):
    """Compiles and runs the model at one precision; returns one row
    (precision, output, dtype, metrics) per output."""
    rows = []
    folder = os.path.join(work, prec)
    os.makedirs(folder, exist_ok=True)
    artifact = os.path.join(folder, "model.ingot")
    cmd = [args.ingotc, model, "-o", artifact, "--target", args.target, *shape_args]
    # FP32 is the default: no flag, so older compilers work too.
    if prec != "fp32":
        cmd.append(f"--precision={prec}")
    if args.io_precision != "model":
        cmd.append(f"--io-precision={args.io_precision}")
    cmd += args.ingotc_arg
    _, compile_s = run_tool(cmd, f"ingotc ({prec})")

    # With --io-precision=compute the artifact's float inputs are
    # FP16/BF16: cast the FP32 inputs to what the artifact takes.
    run_feeds = dict(feeds)
    for k, dtype in artifact_input_dtypes(args.ingot_run, artifact).items():
        if k in run_feeds and dtype == "float16":
            run_feeds[k] = run_feeds[k].astype(np.float16)
        elif k in run_feeds and dtype in ("bfloat16", "bf16"):
            raise Failure(f"input {k} is bfloat16 in the artifact; .npz cannot carry "
                          "bfloat16 inputs: use --io-precision model")
    inputs = os.path.join(folder, "inputs.npz")
    np.savez(inputs, **run_feeds)
    out_dir = os.path.join(folder, "outputs")
    _, run_s = run_tool([args.ingot_run, artifact, "--inputs", inputs, "--output-dir", out_dir,
                         "--threads", str(args.threads), "--quiet"], f"ingot-run ({prec})")
    print(f"  {prec}: compiled in {compile_s:.1f} s, ran in {run_s:.1f} s "
          f"(first run, with loading)", flush=True)
    for out in refs:  # onnxruntime's output order
        # ingot-run replaces '/' and ':' in output names for the file.
        path = os.path.join(out_dir, out.replace("/", "_").replace(":", "_") + ".npy")
        if not os.path.exists(path):
            raise Failure(f"ingot-run ({prec}) wrote no output {out!r} ({path})")
        x, r = load_npy(path), refs[out]
        if x.shape != r.shape:
            raise Failure(f"{prec} output {out}: shape {x.shape} differs from "
                          f"onnxruntime's {r.shape}")
        rows.append((prec, out, x.dtype, metrics(x, r)))
    return rows


def shape_text(shape):
    return "x".join(str(d) for d in shape) or "scalar"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("inputs", help=".npz of every model input, by name, or 'random': "
                        "seeded inputs (test/lib/e2e.random_inputs, seed 0; dynamic "
                        "dimensions from --input-shape)")
    parser.add_argument("--precision", action="append", choices=PRECISIONS,
                        help="repeatable; default: fp32")
    parser.add_argument("--target", default="cpu", help="ingotc --target (default cpu)")
    parser.add_argument("--input-shape", action="append", default=[], metavar="NAME:DIMS",
                        help="override the shape taken from the .npz for this input")
    parser.add_argument("--io-precision", choices=("model", "compute"), default="model",
                        help="ingotc --io-precision (only passed when not 'model')")
    parser.add_argument("--ingotc-arg", action="append", default=[], metavar="ARG",
                        help="extra ingotc argument (repeatable), "
                             "e.g. --ingotc-arg=--march=x86-64-v3")
    parser.add_argument("--ingotc", default=INGOTC, help="default: build/compiler/ingotc")
    parser.add_argument("--ingot-run", default=INGOT_RUN, help="default: build/runtime/ingot-run")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="threads for ingot-run and onnxruntime")
    parser.add_argument("--workdir", help="keep artifacts and outputs here (default: a "
                        "temporary folder, removed at the end)")
    parser.add_argument("--name", help="model name in the report (default: the file name, "
                        "or its folder's for model.onnx)")
    parser.add_argument("--fail-above", type=float, metavar="REL",
                        help="exit 1 when an output's max rel exceeds REL")
    parser.add_argument("--markdown", action="store_true",
                        help="also print a markdown table (for docs/BENCHMARKS.md)")
    args = parser.parse_args()
    precisions = args.precision or ["fp32"]
    for tool in (args.ingotc, args.ingot_run):
        if not os.path.exists(tool):
            fail(f"{tool} not found: build the project first (./scripts/build.sh)")
    if not os.path.exists(args.model):
        fail(f"{args.model} not found")
    model = os.path.abspath(args.model)
    name = args.name or (os.path.basename(os.path.dirname(model))
                         if os.path.basename(model) == "model.onnx" else os.path.basename(model))
    if args.inputs == "random":
        import e2e  # test/lib, on the path above
        shapes = {}
        for spec in args.input_shape:
            key, dims = spec.rsplit(":", 1)  # names may hold ':' themselves
            shapes[key] = [int(d) for d in dims.split("x")]
        feeds = e2e.random_inputs(model, shapes, seed=0)
    else:
        feeds = dict(np.load(args.inputs))

    # Shapes: from the inputs themselves, so that the artifact is compiled
    # for exactly the data it will run on; --input-shape wins per name.
    shapes = {k: shape_text(v.shape) for k, v in feeds.items()}
    for spec in args.input_shape:
        if ":" not in spec:
            fail(f"--input-shape {spec!r}: expected NAME:DIMS")
        k, dims = spec.rsplit(":", 1)
        shapes[k] = dims
    shape_args = [a for k, dims in shapes.items() for a in ("--input-shape", f"{k}:{dims}")]

    # The reference: onnxruntime FP32 on the CPU, all graph optimizations on
    # (they do not change FP32 results beyond summation order).
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = args.threads
    t0 = time.perf_counter()
    try:
        sess = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        out_names = [o.name for o in sess.get_outputs()]
        refs = dict(zip(out_names, sess.run(None, feeds)))
    except Exception as e:  # noqa: BLE001 - any ORT failure ends the report
        fail(f"onnxruntime could not run {model}: {e}")
    described = ", ".join(f"{k} {v.dtype} {shape_text(v.shape)}" for k, v in feeds.items())
    print(f"{name}: inputs {described}; "
          f"onnxruntime {ort.__version__} FP32 reference in {time.perf_counter() - t0:.1f} s",
          flush=True)

    work = args.workdir or tempfile.mkdtemp(prefix="ingot-precision-")
    os.makedirs(work, exist_ok=True)
    rows, failures = [], []
    try:
        for prec in precisions:
            try:
                rows += report_one(prec, args, model, shape_args, feeds, refs, work)
            except Failure as e:
                failures.append(prec)
                print(f"precision_report: {e}", file=sys.stderr, flush=True)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)

    if not rows:
        fail(f"nothing to report: {', '.join(failures)} failed")
    width = max(len(o) for _, o, _, _ in rows)
    print(f"\n{'precision':9} {'output':{width}} {'dtype':8} {'max abs':>10} {'max rel':>10} "
          f"{'elem rel':>10} {'cosine':>10} {'argmax':>13}  non-finite")
    for prec, out, dtype, m in rows:
        print(f"{prec:9} {out:{width}} {str(dtype):8} {m['max_abs']:10.3e} {m['max_rel']:10.3e} "
              f"{m['elem_rel']:10.3e} {m['cosine']:10.7f} {m['argmax']:6.4f} ({m['rows']:>4})  "
              f"{m['nonfinite']}")
    print("max rel = max|err| / max|ref|; elem rel = max |err| / max(|ref|, "
          f"{ELEM_REL_FLOOR:g}*max|ref|); argmax over the last axis (rows in parentheses)")
    if args.markdown:
        print("\n| model | precision | output | max abs | max rel | cosine | argmax |")
        print("|---|---|---|---:|---:|---:|---:|")
        for prec, out, _, m in rows:
            print(f"| {name} | {prec} | {out} | {m['max_abs']:.2e} | {m['max_rel']:.2e} | "
                  f"{m['cosine']:.6f} | {m['argmax']:.4f} |")
    if failures:
        fail(f"{', '.join(failures)} failed (the reasons are above)")
    # NaN compares false: a NaN max rel fails the bound too.
    over = [f"{p} {o} ({m['max_rel']:.3e})" for p, o, _, m in rows
            if args.fail_above is not None and not m["max_rel"] <= args.fail_above]
    if over:
        fail(f"max rel above --fail-above {args.fail_above:g}: {', '.join(over)}")


if __name__ == "__main__":
    main()
