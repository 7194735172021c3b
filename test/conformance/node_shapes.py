"""ONNX backend node tests, shape level: ingotc's inferred result types must
match the reference outputs' shapes and element types.

The test cases come from the `onnx` package itself
(onnx.backend.test.case.node, the generator of the ONNX conformance data), so
the expected outputs are ONNX's reference results, not ours. Cases whose ops
ingotc does not support are skipped and counted.

The list of passing cases is checked in (node_shapes_passing.txt) and may only
grow: a listed case that fails fails the run. Cases that pass but are not
listed are reported; `--update` rewrites the list.

    python node_shapes.py WORKDIR [--update]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402
from onnx.backend.test.case import node  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PASSING = os.path.join(HERE, "node_shapes_passing.txt")
MLIR_TYPES = {
    np.dtype(np.float32): "f32", np.dtype(np.float64): "f64", np.dtype(np.float16): "f16",
    np.dtype(np.int64): "i64", np.dtype(np.int32): "i32", np.dtype(np.int16): "i16",
    np.dtype(np.int8): "i8", np.dtype(np.uint8): "ui8", np.dtype(np.uint16): "ui16",
    np.dtype(np.uint32): "ui32", np.dtype(np.uint64): "ui64", np.dtype(np.bool_): "i1",
}


def mlir_type(array):
    if not isinstance(array, np.ndarray):  # sequences, optionals, maps
        return None
    elem = MLIR_TYPES.get(array.dtype)
    if elem is None:
        return None
    return "tensor<" + "".join(f"{d}x" for d in np.shape(array)) + elem + ">"


def bind_integer_inputs(case):
    """Inputs that parameterize shapes (axes, sizes, pads, scales, indices...)
    become initializers with the test's own values: an ahead-of-time compiler
    takes them as constants, as deployed models have them."""
    model = onnx.ModelProto()
    model.CopyFrom(case.model)
    graph = model.graph
    # Inputs that set sizes rather than carry data: every integer input, and
    # the float parameters of Resize and Upsample (scales) and Range.
    parameter_inputs = set()
    for n in graph.node:
        if n.op_type in ("Resize", "Upsample"):
            parameter_inputs.update(n.input[1:])
        elif n.op_type == "Range":
            parameter_inputs.update(n.input)
    keep = []
    for value, data in zip(list(graph.input), case.data_sets[0][0]):
        if isinstance(data, (np.ndarray, np.generic)) and (
                np.issubdtype(np.asarray(data).dtype, np.integer)
                or value.name in parameter_inputs):
            graph.initializer.append(numpy_helper.from_array(np.asarray(data), value.name))
        else:
            keep.append(value)
    del graph.input[:]
    graph.input.extend(keep)
    return model


def result_types(mlir_text):
    sig = re.search(r"func\.func @main\(.*\) -> (.*) \{\n", mlir_text)
    if not sig:
        return []
    return re.findall(r"tensor<[^>]*>", sig.group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir")
    parser.add_argument("--update", action="store_true")
    args = parser.parse_args()
    ingotc = shutil.which("ingotc")
    supported = set(subprocess.run([ingotc, "--list-ops"], capture_output=True, text=True,
                                   check=True).stdout.split())
    listed = set()
    if os.path.exists(PASSING):
        listed = {l.strip() for l in open(PASSING) if l.strip() and not l.startswith("#")}
    os.makedirs(args.workdir, exist_ok=True)

    passed, failed, skipped = [], [], 0
    for case in node.collect_testcases(None):
        ops = {n.op_type for n in case.model.graph.node}
        domains = {n.domain for n in case.model.graph.node} - {"", "ai.onnx"}
        expected = [mlir_type(o) for o in case.data_sets[0][1]] if case.data_sets else [None]
        if not ops <= supported or domains or None in expected:
            skipped += 1
            continue
        path = os.path.join(args.workdir, case.name + ".onnx")
        with open(path, "wb") as f:
            f.write(bind_integer_inputs(case).SerializeToString())
        p = subprocess.run([ingotc, path], capture_output=True, text=True, timeout=120)
        if p.returncode < 0:
            failed.append((case.name, f"crashed (signal {-p.returncode})"))
            continue
        got = result_types(p.stdout) if p.returncode == 0 else None
        if got == expected:
            passed.append(case.name)
        else:
            why = p.stderr.strip().splitlines()[0] if p.returncode else f"got {got}, want {expected}"
            failed.append((case.name, why))

    crashes = [f for f in failed if f[1].startswith("crashed")]
    regressions = sorted(name for name, _ in failed if name in listed)
    new = sorted(set(passed) - listed)
    print(f"node shape conformance: {len(passed)} passed, {len(failed)} failed, "
          f"{skipped} skipped (unsupported ops or types)")
    for name, why in failed:
        print(f"  not passing: {name}: {why}")
    if args.update:
        with open(PASSING, "w") as f:
            f.write("# ONNX node tests whose shapes ingotc infers exactly (node_shapes.py).\n")
            f.write("# May only grow: regenerate with --update.\n")
            f.writelines(n + "\n" for n in sorted(set(passed) | listed - {r for r in regressions}))
        print(f"wrote {PASSING}")
    elif new:
        print(f"{len(new)} passing cases are not in the list yet (run with --update):")
        for n in new:
            print("  new:", n)
    for r in regressions:
        print("REGRESSION: listed case fails:", r)
    for name, why in crashes:
        print("CRASH:", name, why)
    return 1 if (regressions or crashes) else 0


if __name__ == "__main__":
    sys.exit(main())
