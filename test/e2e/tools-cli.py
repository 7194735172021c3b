# What a new user meets first: --version on every tool (Ingot's version and
# commit, the artifact format and kernel ABI this build reads and writes, the
# MLIR of the compiler tools), ingot-run --info, --output-dir creating its
# folder, an unknown input name answered with the valid names, ingot-bench's
# real thread count, and ingotc --help.
# RUN: %python %s %t
import os
import re
import shutil
import subprocess
import sys

import numpy as np
from onnx import helper

from onnx_testing import F32, const, model, out_dir, save, value

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
d = out_dir()
failures = []


def run(tool, *args):
    return subprocess.run([shutil.which(tool), *args], capture_output=True, text=True)


def expect(ok, what, p=None):
    if not ok:
        failures.append(what + ("" if p is None else ":\n" + p.stdout + p.stderr))


# The numbers --version must report, from the sources themselves.
format_version = re.search(r"kFormatVersion = (\d+);",
                           open(os.path.join(ROOT, "runtime/src/ArtifactFormat.h")).read()).group(1)
abi_version = re.search(r"#define INGOT_KERNEL_ABI_VERSION (\d+)",
                        open(os.path.join(ROOT, "runtime/include/ingot/kernel_abi.h")).read()).group(1)
version = re.search(r"project\(Ingot VERSION ([0-9.]+)",
                    open(os.path.join(ROOT, "CMakeLists.txt")).read()).group(1)
for tool in ["ingotc", "ingot-opt", "ingot-run", "ingot-bench"]:
    p = run(tool, "--version")
    expect(p.returncode == 0, f"{tool} --version failed", p)
    expect(re.search(rf"^{tool} {re.escape(version)} \(git ([0-9a-f]{{7,}}|unknown)\)", p.stdout, re.M),
           f"{tool} --version does not name the tool, version {version} and commit", p)
    expect(f"artifact format version: {format_version}\n" in p.stdout,
           f"{tool} --version: no artifact format version {format_version}", p)
    expect(f"kernel ABI version:      {abi_version}\n" in p.stdout,
           f"{tool} --version: no kernel ABI version {abi_version}", p)
    compiler = tool in ("ingotc", "ingot-opt")
    expect(("MLIR/LLVM version:       22." in p.stdout) == compiler,
           f"{tool} --version: MLIR version {'missing' if compiler else 'unexpected'}", p)
    expect("LLVM (http" not in p.stdout, f"{tool} --version prints LLVM's own banner", p)

p = run("ingotc", "--help")
expect("--emit=cuda" in p.stdout or "=cuda" in p.stdout, "ingotc --help lists no cuda emit", p)
expect("no executor" not in p.stdout, "ingotc --help still says the CUDA executor is missing", p)

# A model with a symbolic batch bound at compile time and two outputs.
nodes = [helper.make_node("Mul", ["a", "b"], ["p"], name="mul"),
         helper.make_node("Tanh", ["p"], ["y"], name="tanh"),
         helper.make_node("ReduceSum", ["p", "axes"], ["s"], name="sum", keepdims=0)]
m = model(nodes, [value("a", F32, ["batch", 4]), value("b", F32, [4])],
          [value("y", F32, ["batch", 4]), value("s", F32, None)],
          [const("axes", np.array([1], np.int64))])
path = save(m, d, "model.onnx")
artifact = os.path.join(d, "model.ingot")
p = run("ingotc", path, "--dim", "batch=3", "-o", artifact, "--stats")
expect(p.returncode == 0, "ingotc failed", p)
stats = dict(re.findall(r"^(generated kernels|library calls):\s+(\d+)", p.stderr, re.M))

p = run("ingot-run", "--info", artifact)
expect(p.returncode == 0, "ingot-run --info failed", p)
info = p.stdout
for line in ["  producer:        ingotc " + version + " (git ",
             "  target:          cpu\n",
             f"  format:          artifact format {format_version}, kernel ABI {abi_version}\n",
             "  inputs (2):\n    a: float32 [batch=3, 4]\n    b: float32 [4]\n",
             "  outputs (2):\n    y: float32 [3, 4]\n    s: float32 [3]\n",
             f"({stats.get('library calls')} library calls, "
             f"{stats.get('generated kernels')} generated kernels, ",
             "  arena bytes:     "]:
    expect(line in info, f"ingot-run --info lacks {line!r}", p)
# The compute precision (ingotc --precision); a CPU artifact has no TF32
# setting to report.
expect("  precision:       fp32\n" in info and "TF32" not in info,
       "ingot-run --info does not report a CPU artifact's precision as fp32", p)
p = run("ingot-run", "--info", os.path.join(d, "model.onnx"))
expect(p.returncode != 0 and "ingot-run: error:" in p.stderr and "not an" in p.stderr,
       "--info on a non-artifact is not refused clearly", p)

# --output-dir creates nested folders.
np.save(os.path.join(d, "a.npy"), np.ones((3, 4), np.float32))
np.save(os.path.join(d, "b.npy"), np.full(4, 0.5, np.float32))
outdir = os.path.join(d, "new", "nested")
shutil.rmtree(os.path.join(d, "new"), ignore_errors=True)
p = run("ingot-run", artifact, "--input", "a=" + os.path.join(d, "a.npy"), "--input",
        "b=" + os.path.join(d, "b.npy"), "--output-dir", outdir, "--quiet")
expect(p.returncode == 0, "ingot-run --output-dir into a new folder failed", p)
if p.returncode == 0:
    expect(np.allclose(np.load(os.path.join(outdir, "y.npy")), np.tanh(0.5), atol=1e-6),
           "--output-dir wrote a wrong y")
    expect(np.allclose(np.load(os.path.join(outdir, "s.npy")), 2.0, atol=1e-6),
           "--output-dir wrote a wrong s")

# An input name that does not exist: the valid ones are listed.
p = run("ingot-run", artifact, "--input", "c=" + os.path.join(d, "b.npy"))
expect(p.returncode != 0 and "no input named 'c' (its inputs: a, b)" in p.stderr,
       "unknown input name without the valid names", p)

# ingot-bench: the thread count the session uses, never 0.
p = run("ingot-bench", artifact, "--warmup", "0", "--iterations", "2", "--threads", "3")
expect(p.returncode == 0 and ", threads=3\n" in p.stdout, "ingot-bench --threads 3", p)
p = run("ingot-bench", artifact, "--warmup", "0", "--iterations", "2")
m = re.search(r"threads=(\d+) \(one per core\)", p.stdout)
expect(m and int(m.group(1)) >= 1, "ingot-bench without --threads prints no real count", p)

for f in failures:
    print("FAIL", f)
print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
