"""End-to-end check: compile an ONNX model with ingotc, run it with ingot-run
and compare every output with onnxruntime on the same seeded inputs.
"""
import os
import shutil
import subprocess

import numpy as np
import onnx
import onnxruntime as ort

NP_TYPES = {1: np.float32, 11: np.float64, 7: np.int64, 6: np.int32, 9: np.bool_,
            2: np.uint8, 3: np.int8}


def random_inputs(model_path, shapes=None, seed=0):
    """Seeded inputs for every graph input (shapes override dynamic dims)."""
    rng = np.random.default_rng(seed)
    m = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    feeds = {}
    for inp in m.graph.input:
        if inp.name in inits:
            continue
        tt = inp.type.tensor_type
        shape = (shapes or {}).get(inp.name) or [d.dim_value for d in tt.shape.dim]
        dtype = NP_TYPES[tt.elem_type]
        if np.issubdtype(dtype, np.floating):
            feeds[inp.name] = rng.standard_normal(shape).astype(dtype)
        elif dtype == np.bool_:
            feeds[inp.name] = rng.random(shape) > 0.5
        else:
            feeds[inp.name] = rng.integers(0, 4, shape).astype(dtype)
    return feeds


# Reduced precision, in one place: the unit roundoff of each storage type
# (fp16: 11 significant bits, bf16: 8) and the tolerances derived from it.
# Ingot rounds every tensor a kernel stores (region outputs, converted
# weights) while computing in FP32, so an output carries a few roundings
# (each at most u relative), and library calls add sqrt(K)-like growth in
# long sums: TOLERANCE_ROUNDINGS * u, relative and absolute.
UNIT_ROUNDOFF = {"fp16": 2.0 ** -11, "bf16": 2.0 ** -8}
TOLERANCE_ROUNDINGS = 16


def precision_tolerance(precision, rtol, atol):
    """(rtol, atol) for a check written for FP32 with `rtol`, `atol`."""
    u = UNIT_ROUNDOFF.get(precision)
    if u is None:
        return rtol, atol
    return max(rtol, TOLERANCE_ROUNDINGS * u), max(atol, TOLERANCE_ROUNDINGS * u)


def round_to_precision(array, precision):
    """float32 `array` with every value rounded to the fp16/bf16 grid (to
    nearest even), still as float32: inputs both onnxruntime and Ingot see
    exactly, so that a step function of an input (floor, comparisons) cannot
    land on different sides of a step in the reference and in Ingot."""
    if array.dtype != np.float32 or precision not in UNIT_ROUNDOFF:
        return array
    if precision == "fp16":
        # Finite values beyond FP16's range clamp to it, as the compiler
        # clamps weights.
        finite = np.isfinite(array)
        clamped = np.where(finite, np.clip(array, -65504, 65504), array)
        return clamped.astype(np.float16).astype(np.float32)
    flat = array.reshape(-1)  # 0-d arrays too
    bits = flat.view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16).astype(np.uint32)
    out = rounded.view(np.float32).copy()
    nan = np.isnan(flat)
    out[nan] = flat[nan]
    return out.reshape(array.shape)


def reference_model(model_path, precision, workdir):
    """The model onnxruntime runs as the reference at `precision`: at
    fp16/bf16 a copy whose float32 initializers and Constant values are
    rounded to the type, as ingot-assign-precision rounds them, so that the
    reference and Ingot start from the same parameters (a step function of
    a product with a constant, such as Cast to int, would otherwise differ
    by one wherever rounding the constant moves the product across a step).
    BatchNormalization's parameters are left as they are: the compiler
    folds them into the convolution's weights in FP32 and rounds the result
    (rounding a tiny variance on its own would change the model). The
    arithmetic stays onnxruntime's FP32."""
    if precision not in UNIT_ROUNDOFF:
        return model_path
    from onnx import numpy_helper
    m = onnx.load(model_path)

    def rounded(tensor):
        if tensor.data_type != onnx.TensorProto.FLOAT:
            return tensor
        out = numpy_helper.from_array(round_to_precision(numpy_helper.to_array(tensor),
                                                         precision), tensor.name)
        return out

    folded = {name for node in m.graph.node if node.op_type == "BatchNormalization"
              for name in node.input[1:]}
    for i, t in enumerate(m.graph.initializer):
        if t.name not in folded:
            m.graph.initializer[i].CopyFrom(rounded(t))
    for node in m.graph.node:
        for a in node.attribute:
            if (node.op_type == "Constant" and a.type == onnx.AttributeProto.TENSOR
                    and node.output[0] not in folded):
                a.t.CopyFrom(rounded(a.t))
    path = os.path.join(workdir, "reference.onnx")
    onnx.save(m, path)
    return path


def check(model_path, workdir, shapes=None, rtol=1e-4, atol=1e-5, seed=0, threads=2,
          emulate_cuda=True, feeds=None, precision="fp32", cuda_target="cuda", compile_args=(),
          ort_optimizations=True):
    # cuda_target: ingotc --target (e.g. cuda:sm_90), or "cuda-plan": the
    # CUDA plan emulated without building the fatbin (see PLAN_ONLY_NVCC).
    """Returns (ok, message). Raises nothing: failures are in the message.
    `feeds` (name -> array) replaces the seeded random inputs. `precision`
    (ingotc --precision): at fp16/bf16 the float inputs (and the model's
    parameters, see reference_model) are rounded to the type first and the
    tolerances are precision_tolerance()'s; the reference stays onnxruntime
    in FP32. `compile_args` go to every ingotc call (e.g. --layout nhwc).
    `ort_optimizations=False` runs the reference without onnxruntime's graph
    optimizations: the model's own semantics, where its fused kernels would
    compute something else (QDQ models)."""
    os.makedirs(workdir, exist_ok=True)
    if feeds is None:
        feeds = random_inputs(model_path, shapes, seed)
    feeds = {k: round_to_precision(v, precision) for k, v in feeds.items()}
    rtol, atol = precision_tolerance(precision, rtol, atol)
    precision_args = [] if precision == "fp32" else ["--precision", precision]
    precision_args += list(compile_args)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    if not ort_optimizations:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(reference_model(model_path, precision, workdir), options,
                                providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    refs = sess.run(None, feeds)
    np.savez(os.path.join(workdir, "inputs.npz"), **feeds)
    np.savez(os.path.join(workdir, "ref.npz"), **dict(zip(names, refs)))
    artifact = os.path.join(workdir, "model.ingot")
    args = [shutil.which("ingotc"), model_path, "-o", artifact, *precision_args]
    for name, arr in feeds.items():
        args += ["--input-shape", name + ":" + ("x".join(str(d) for d in arr.shape) or "scalar")]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        return False, "ingotc failed:\n" + p.stderr[-3000:]
    cuda_note = ""
    nvcc = os.environ.get("INGOT_NVCC")
    if nvcc:
        ok, cuda_note = compile_cuda(model_path, workdir, feeds, nvcc, rtol, atol, emulate_cuda,
                                     precision_args, cuda_target)
        if not ok:
            return False, cuda_note
    p = subprocess.run([shutil.which("ingot-run"), artifact, "--inputs",
                        os.path.join(workdir, "inputs.npz"), "--compare",
                        os.path.join(workdir, "ref.npz"), "--rtol", str(rtol), "--atol",
                        str(atol), "--threads", str(threads), "--quiet"],
                       capture_output=True, text=True)
    return p.returncode == 0, (p.stdout + p.stderr).strip() + cuda_note


CUDA_ARCHS = ["-gencode", "arch=compute_80,code=sm_80", "-gencode", "arch=compute_90,code=sm_90"]


# INGOT_NVCC for checks of the CUDA plan through the emulation only.
PLAN_ONLY_NVCC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nvcc-plan-only.sh")


def emulated_kernels(source, so, cuda_include, emulate=True):
    """Compiles CUDA source (ingotc --emit=cuda) as host code for the
    emulator, with the CUDA toolkit's headers from `cuda_include` (cuda_fp16.h,
    cuda_bf16.h); emulate == "threads": every block as real threads
    (shuffles, barriers). Returns (ok, message)."""
    emu_dir = os.environ["INGOT_CUDA_EMULATION_DIR"]
    header = "cuda_emulation_threads.h" if emulate == "threads" else "cuda_emulation.h"
    p = subprocess.run(["c++", "-std=c++17", "-O1", "-fPIC", "-shared", "-w", "-pthread",
                        "-I", os.path.join(emu_dir, "include"),
                        "-I", cuda_include,
                        "-include", os.path.join(emu_dir, "include", header),
                        "-x", "c++", source, "-o", so], capture_output=True, text=True)
    if p.returncode != 0:
        return False, "compiling the CUDA kernels as host code failed:\n" + p.stderr[-3000:]
    return True, ""


def emulate_plan(artifact, so, inputs, ref, rtol, atol, env=None, versions=None):
    """Runs a CUDA artifact's plan on the host (ingot-cuda-emulate) with the
    kernels of `so`, against the references of `ref`. `versions`, a dict,
    receives the version each kernel with several ran (kernel -> name)."""
    p = subprocess.run([os.environ["INGOT_CUDA_EMULATOR"], artifact, so, "--inputs", inputs,
                        "--compare", ref, "--rtol", str(rtol), "--atol", str(atol)],
                       capture_output=True, text=True, env=dict(os.environ, **(env or {})))
    if p.returncode != 0:
        return False, "CUDA plan emulated on the host differs from onnxruntime:\n" + p.stdout + p.stderr
    if versions is not None:
        for line in p.stdout.splitlines():
            if line.startswith("version: "):
                kernel, name = line.split()[1:3]
                versions[kernel] = name
    return True, ""


def compile_cuda(model_path, workdir, feeds, nvcc, rtol=1e-4, atol=1e-5, emulate=True,
                 extra_args=(), target="cuda"):
    """The model compiled for CUDA (ingotc --target cuda: nvcc builds SASS for
    sm_80 and sm_90 and PTX; `target` may name fewer archs) and, where the
    emulator is built, its plan run on the host with the CUDA kernels
    compiled as host C++, compared with the same onnxruntime references
    (checks the CUDA code generation without a GPU)."""
    archs = target.partition(":")[2].replace(",", ", ") or "sm_80, sm_90"
    # cuda_fp16.h / cuda_bf16.h for the kernels compiled as host code.
    cuda_include = os.path.join(os.path.dirname(os.path.dirname(nvcc)), "include")
    if target == "cuda-plan":  # the plan and the emulation, no fatbin
        target, archs, nvcc = "cuda", "plan only, no nvcc", PLAN_ONLY_NVCC
    shape_args = list(extra_args)
    for name, arr in feeds.items():
        shape_args += ["--input-shape", name + ":" + ("x".join(str(d) for d in arr.shape) or "scalar")]
    artifact = os.path.join(workdir, "cuda.ingot")
    env = dict(os.environ, INGOT_NVCC=nvcc)
    p = subprocess.run([shutil.which("ingotc"), model_path, "--target", target, "-o", artifact,
                        *shape_args], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        return False, "ingotc --target cuda failed:\n" + p.stderr[-3000:]
    emulator = os.environ.get("INGOT_CUDA_EMULATOR")
    if not emulate or not emulator or not os.path.exists(emulator):
        return True, f"; CUDA artifact builds ({archs})"
    source = os.path.join(workdir, "kernels.cu")
    p = subprocess.run([shutil.which("ingotc"), model_path, "--emit=cuda", "-o", source, *shape_args],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return False, "ingotc --emit=cuda failed:\n" + p.stderr[-3000:]
    so = os.path.abspath(os.path.join(workdir, "kernels_emulated.so"))
    ok, msg = emulated_kernels(source, so, cuda_include, emulate)
    if not ok:
        return False, msg
    ok, msg = emulate_plan(artifact, so, os.path.join(workdir, "inputs.npz"),
                           os.path.join(workdir, "ref.npz"), rtol, atol)
    if not ok:
        return False, msg
    return True, (f"; CUDA artifact builds ({archs}) and its plan matches when emulated" +
                  (" with threaded blocks" if emulate == "threads" else ""))


class RangeArtifacts:
    """A model compiled once for ranges of dims (ingotc --dim NAME=MIN:MAX):
    the host artifact and, where nvcc and the emulator are there, the CUDA
    one with its kernels built as host code. `cuda`: "cuda:sm_90" also
    builds the fatbin with nvcc, "cuda-plan" the plan only, None no CUDA.
    `errors` lists what failed."""

    def __init__(self, model_path, workdir, dim_args, cuda="cuda-plan", emulate=True):
        os.makedirs(workdir, exist_ok=True)
        self.model_path, self.workdir, self.errors = model_path, workdir, []
        self.host = os.path.join(workdir, "host.ingot")
        self.cuda = None
        p = subprocess.run([shutil.which("ingotc"), model_path, "-o", self.host, *dim_args],
                           capture_output=True, text=True)
        if p.returncode != 0:
            self.errors.append("ingotc failed:\n" + p.stderr[-2000:])
            self.host = None
            return
        nvcc, emulator = os.environ.get("INGOT_NVCC"), os.environ.get("INGOT_CUDA_EMULATOR")
        if not cuda or not nvcc or not emulator or not os.path.exists(emulator):
            return
        artifact = os.path.join(workdir, "cuda.ingot")
        env = dict(os.environ, INGOT_NVCC=nvcc if cuda != "cuda-plan" else PLAN_ONLY_NVCC)
        p = subprocess.run([shutil.which("ingotc"), model_path, "--target",
                            "cuda" if cuda == "cuda-plan" else cuda, "-o", artifact, *dim_args],
                           capture_output=True, text=True, env=env)
        source = os.path.join(workdir, "kernels.cu")
        q = subprocess.run([shutil.which("ingotc"), model_path, "--emit=cuda", "-o", source,
                            *dim_args], capture_output=True, text=True)
        if p.returncode != 0 or q.returncode != 0:
            self.errors.append("ingotc --target cuda failed:\n" + (p.stderr + q.stderr)[-2000:])
            return
        if not emulate:
            return
        so = os.path.abspath(os.path.join(workdir, "kernels_emulated.so"))
        cuda_include = os.path.join(os.path.dirname(os.path.dirname(nvcc)), "include")
        ok, msg = emulated_kernels(source, so, cuda_include, emulate)
        if ok:
            self.cuda = (artifact, so)
        else:
            self.errors.append(msg)

    def check(self, feeds, rtol=1e-4, atol=1e-5, threads=2, force_version=None):
        """Runs both at the shapes of `feeds` against onnxruntime; returns the
        failures (empty when both match). The CUDA emulation's kernel
        versions are left in `self.versions` (kernel -> name);
        `force_version` asks for one by name (INGOT_FORCE_VARIANT)."""
        self.versions = {}
        if not self.host:
            return list(self.errors)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        sess = ort.InferenceSession(self.model_path, options,
                                    providers=["CPUExecutionProvider"])
        refs = sess.run(None, feeds)
        tag = "_".join("x".join(map(str, a.shape)) for a in feeds.values())
        inputs = os.path.join(self.workdir, tag + "_in.npz")
        ref = os.path.join(self.workdir, tag + "_ref.npz")
        np.savez(inputs, **feeds)
        np.savez(ref, **{o.name: r for o, r in zip(sess.get_outputs(), refs)})
        failures = []
        p = subprocess.run([shutil.which("ingot-run"), self.host, "--inputs", inputs,
                            "--compare", ref, "--rtol", str(rtol), "--atol", str(atol),
                            "--threads", str(threads), "--quiet"], capture_output=True, text=True)
        if p.returncode != 0:
            failures.append(f"at {tag}: {(p.stdout + p.stderr).strip()[-2000:]}")
        if self.cuda:
            env = {"INGOT_FORCE_VARIANT": force_version} if force_version else None
            ok, msg = emulate_plan(*self.cuda, inputs, ref, rtol, atol, env, self.versions)
            if not ok:
                failures.append(f"at {tag}, CUDA emulated: {msg[-2000:]}")
        return failures
