"""ONNX backend node tests through the symbolic shape inference (issue #12):
every input dimension of size >= 2 becomes a named dim ranging from its
size to twice it (`ingotc --dim NAME=S:2S --emit=mlir`), and each output's
inferred sizes (`ingot.sizes`), evaluated at the test's own sizes, must be
the reference output's shape. A case may also be refused with an error
(an op the inference does not follow yet, or a graph that pins a size),
but never crash and never give a wrong size.

The list of cases inferred correctly (node_symbolic_passing.txt) may only
grow; `--update` rewrites it.

    python node_symbolic.py WORKDIR [--update] [--jobs N]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import node_cases

HERE = os.path.dirname(os.path.abspath(__file__))
PASSING = os.path.join(HERE, "node_symbolic_passing.txt")
SHAPES_PASSING = os.path.join(HERE, "node_shapes_passing.txt")


def evaluate(text, values):
    """A printed size ("2 * ((H + 31) / 32)") at the given dim values; "/"
    is floor division."""
    if not re.fullmatch(r"[A-Za-z0-9_ +\-*/()]+", text):
        raise ValueError(f"unexpected size text {text!r}")
    return eval(text.replace("/", "//"), {"__builtins__": {}}, dict(values))


def output_sizes(mlir, values):
    """The sizes of the function's results: each returned value's
    ingot.sizes (evaluated), or its static type."""
    ret = re.search(r"^\s*return (.*) : (.*)$", mlir, re.M)
    if not ret:
        return None
    names = [n.strip() for n in ret.group(1).split(",")]
    types = re.findall(r"tensor<([^>]*)>", ret.group(2))
    shapes = []
    for name, ty in zip(names, types):
        dims = ty.split("x")[:-1]
        if "?" not in dims:
            shapes.append([int(d) for d in dims])
            continue
        arg = re.search(re.escape(name) + r': tensor<[^>]*> \{[^}]*ingot\.dim_params = \[([^]]*)\]',
                        mlir)
        if arg:  # a function argument returned as it is
            params = [p.strip().strip('"') for p in arg.group(1).split(",")]
            shapes.append([values[p] if p else int(d) for p, d in zip(params, dims)])
            continue
        line = re.search(r"^\s*" + re.escape(name) + r"(?::\d+)? = .*$", mlir, re.M)
        sizes = line and re.search(r'ingot\.sizes = "\[([^"]*)\]"', line.group(0))
        if not sizes:
            return None
        shapes.append([evaluate(t.strip(), values) for t in sizes.group(1).split(",")
                       if t.strip()])
    return shapes


def run_case(case, workdir):
    model, runtime = node_cases.bind_parameter_inputs(case)
    args, values = [], {}
    for k, value in enumerate(model.graph.input):
        shape = np.shape(runtime[value.name])
        dims = value.type.tensor_type.shape.dim
        for j, size in enumerate(shape):
            if size < 2 or j >= len(dims):
                continue
            name = f"in{k}_d{j}"
            dims[j].dim_param = name
            args += ["--dim", f"{name}={size}:{2 * size}:{size}"]
            values[name] = size
    if not values:
        return "static", None
    for out in model.graph.output:
        out.type.tensor_type.ClearField("shape")
    path = os.path.join(workdir, case.name + ".onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    p = subprocess.run([shutil.which("ingotc"), path, "--emit=mlir", *args],
                       capture_output=True, text=True, timeout=120)
    if p.returncode < 0:
        return "crash", f"signal {-p.returncode}"
    if p.returncode != 0:
        lines = [l for l in p.stderr.splitlines() if "error" in l] or ["?"]
        return "refused", lines[0][:200]
    expected = [list(np.shape(o)) for o in case.data_sets[0][1]]
    try:
        got = output_sizes(p.stdout, values)
    except (ValueError, SyntaxError, NameError, ZeroDivisionError) as e:
        return "wrong", f"cannot evaluate the sizes: {e}"
    if got != expected:
        return "wrong", f"inferred {got}, reference {expected}"
    return "ok", None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir")
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    supported = node_cases.supported_ops()
    static_ok = node_cases.read_list(SHAPES_PASSING)
    todo = [c for c, reason in node_cases.cases(supported)
            if not reason and c.name in static_ok]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda c: (c.name, *run_case(c, args.workdir)), todo))
    by = {}
    for name, kind, why in results:
        by.setdefault(kind, []).append((name, why))
    passed = {n for n, _ in by.get("ok", [])}
    print(f"node symbolic shapes: {len(passed)} inferred correctly, "
          f"{len(by.get('refused', []))} refused, {len(by.get('static', []))} without a "
          f"dim to vary, {len(by.get('wrong', []))} wrong, {len(by.get('crash', []))} crashed")
    status = 0
    for kind in ("wrong", "crash"):
        for name, why in by.get(kind, []):
            print(f"{kind.upper()}: {name}: {why}")
            status = 1
    listed = node_cases.read_list(PASSING)
    regressions = sorted(listed - passed)
    if args.update:
        node_cases.write_list(PASSING, passed | (listed - set(regressions)),
                              "# ONNX node tests whose sizes the symbolic shape inference gets\n"
                              "# right with every input dim ranging (node_symbolic.py).\n"
                              "# May only grow: regenerate with --update.\n")
        print(f"wrote {PASSING}")
    else:
        new = sorted(passed - listed)
        if new:
            print(f"{len(new)} cases pass but are not in the list yet (run with --update)")
        for name in regressions:
            why = next((w for k in by for n, w in by[k] if n == name), "not run")
            print(f"REGRESSION: listed case no longer passes: {name}: {why}")
            status = 1
    refused = {}
    for _, why in by.get("refused", []):
        key = re.sub(r"node '[^']*': ", "", why.split("error: ", 1)[-1])[:80]
        refused[key] = refused.get(key, 0) + 1
    for why, count in sorted(refused.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  refused {count}x: {why}")
    return status


if __name__ == "__main__":
    sys.exit(main())
