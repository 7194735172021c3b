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

import node_cases

HERE = os.path.dirname(os.path.abspath(__file__))
PASSING = os.path.join(HERE, "node_shapes_passing.txt")


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
    supported = node_cases.supported_ops()
    listed = set()
    if os.path.exists(PASSING):
        listed = {l.strip() for l in open(PASSING) if l.strip() and not l.startswith("#")}
    os.makedirs(args.workdir, exist_ok=True)

    passed, failed, skipped = [], [], 0
    for case, reason in node_cases.cases(supported):
        if reason:
            skipped += 1
            continue
        expected = [node_cases.mlir_type(o) for o in case.data_sets[0][1]]
        path = os.path.join(args.workdir, case.name + ".onnx")
        with open(path, "wb") as f:
            f.write(node_cases.bind_parameter_inputs(case)[0].SerializeToString())
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
