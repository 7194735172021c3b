"""ONNX backend node tests, numerically: each supported case is compiled
with ingotc for the CPU, run with ingot-run on the test's inputs, and every
output compared with the test's reference output using the case's own
tolerances (ONNX's defaults: rtol 1e-3, atol 1e-7).

The passing list (node_numeric_passing.txt) may only grow: a listed case
that fails fails the run. `--update` rewrites it.

    python node_numeric.py WORKDIR [--update] [--jobs N]
    python node_numeric.py WORKDIR --layout nhwc

With --layout nhwc, the listed cases whose model has a convolution or
pooling (where ingot-assign-layout changes anything) are compiled
channels-last, and every one of them must pass.
"""
import argparse
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import node_cases

HERE = os.path.dirname(os.path.abspath(__file__))
PASSING = os.path.join(HERE, "node_numeric_passing.txt")


LAYOUT_OPS = {"Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"}


def run_case(case, workdir, compile_args=()):
    folder = os.path.join(workdir, case.name)
    os.makedirs(folder, exist_ok=True)
    model, runtime = node_cases.bind_parameter_inputs(case)
    path = os.path.join(folder, "model.onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    artifact = os.path.join(folder, "model.ingot")
    p = subprocess.run([shutil.which("ingotc"), path, "-o", artifact, *compile_args],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        lines = [l for l in p.stderr.splitlines() if "error" in l] or p.stderr.splitlines() or ["?"]
        return "compile: " + lines[0][:200]
    args = [shutil.which("ingot-run"), artifact, "--quiet", "--threads", "1",
            "--rtol", str(case.rtol), "--atol", str(case.atol)]
    if runtime:
        np.savez(os.path.join(folder, "inputs.npz"), **{k: np.asarray(v) for k, v in runtime.items()})
        args += ["--inputs", os.path.join(folder, "inputs.npz")]
    outputs = {o.name: np.asarray(v) for o, v in zip(model.graph.output, case.data_sets[0][1])}
    np.savez(os.path.join(folder, "ref.npz"), **outputs)
    args += ["--compare", os.path.join(folder, "ref.npz")]
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    if p.returncode < 0:
        return f"run: crashed (signal {-p.returncode})"
    if p.returncode != 0:
        return "run: " + (p.stdout + p.stderr).strip().splitlines()[-1][:200]
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir")
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--layout", default=None)
    args = parser.parse_args()
    supported = node_cases.supported_ops()
    listed = node_cases.read_list(PASSING)
    todo, skipped = [], 0
    for case, reason in node_cases.cases(supported):
        if reason:
            skipped += 1
        else:
            todo.append(case)
    compile_args = []
    if args.layout:
        todo = [c for c in todo if c.name in listed and
                LAYOUT_OPS & {n.op_type for n in c.model.graph.node}]
        compile_args = ["--layout", args.layout]
        listed = {c.name for c in todo}
        if not todo:
            print("no listed case has a convolution or pooling")
            return 1
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda c: (c.name, run_case(c, args.workdir, compile_args)),
                                todo))
    passed = [n for n, err in results if err is None]
    failed = [(n, err) for n, err in results if err is not None]
    print(f"node numeric conformance: {len(passed)} passed, {len(failed)} failed, "
          f"{skipped} skipped (unsupported ops or types)")
    for name, why in failed:
        print(f"  not passing: {name}: {why}")
    regressions = sorted(n for n, _ in failed if n in listed)
    crashes = [n for n, why in failed if "crashed" in why]
    if args.update and args.layout:
        print("--update takes no --layout")
        return 1
    if args.update:
        node_cases.write_list(PASSING, set(passed) | (listed - set(regressions)),
                              "# ONNX node tests ingotc compiles and ingot-run matches (node_numeric.py).\n"
                              "# May only grow: regenerate with --update.\n")
        print(f"wrote {PASSING}")
    else:
        new = sorted(set(passed) - listed)
        if new:
            print(f"{len(new)} passing cases are not in the list yet (run with --update): "
                  + ", ".join(new))
    for r in regressions:
        print("REGRESSION: listed case fails:", r)
    for c in crashes:
        print("CRASH:", c)
    return 1 if regressions or crashes else 0


if __name__ == "__main__":
    sys.exit(main())
