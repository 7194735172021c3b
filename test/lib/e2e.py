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


def check(model_path, workdir, shapes=None, rtol=1e-4, atol=1e-5, seed=0, threads=2):
    """Returns (ok, message). Raises nothing: failures are in the message."""
    os.makedirs(workdir, exist_ok=True)
    feeds = random_inputs(model_path, shapes, seed)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    sess = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    refs = sess.run(None, feeds)
    np.savez(os.path.join(workdir, "inputs.npz"), **feeds)
    np.savez(os.path.join(workdir, "ref.npz"), **dict(zip(names, refs)))
    artifact = os.path.join(workdir, "model.ingot")
    args = [shutil.which("ingotc"), model_path, "-o", artifact]
    for name, arr in feeds.items():
        args += ["--input-shape", name + ":" + ("x".join(str(d) for d in arr.shape) or "scalar")]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        return False, "ingotc failed:\n" + p.stderr[-3000:]
    cuda_note = ""
    nvcc = os.environ.get("INGOT_NVCC")
    if nvcc:
        ok, cuda_note = compile_cuda(model_path, workdir, feeds, nvcc)
        if not ok:
            return False, cuda_note
    p = subprocess.run([shutil.which("ingot-run"), artifact, "--inputs",
                        os.path.join(workdir, "inputs.npz"), "--compare",
                        os.path.join(workdir, "ref.npz"), "--rtol", str(rtol), "--atol",
                        str(atol), "--threads", str(threads), "--quiet"],
                       capture_output=True, text=True)
    return p.returncode == 0, (p.stdout + p.stderr).strip() + cuda_note


CUDA_ARCHS = ["-gencode", "arch=compute_80,code=sm_80", "-gencode", "arch=compute_90,code=sm_90"]


def compile_cuda(model_path, workdir, feeds, nvcc):
    """The model's CUDA kernels (ingotc --emit=cuda) must compile with nvcc
    for sm_80 and sm_90."""
    source = os.path.join(workdir, "kernels.cu")
    args = [shutil.which("ingotc"), model_path, "--emit=cuda", "-o", source]
    for name, arr in feeds.items():
        args += ["--input-shape", name + ":" + ("x".join(str(d) for d in arr.shape) or "scalar")]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        return False, "ingotc --emit=cuda failed:\n" + p.stderr[-3000:]
    p = subprocess.run([nvcc, "-std=c++17", *CUDA_ARCHS, "-c", source, "-o",
                        os.path.join(workdir, "kernels.o")], capture_output=True, text=True)
    if p.returncode != 0:
        return False, "nvcc failed on the generated CUDA:\n" + p.stderr[-3000:]
    return True, "; CUDA kernels compile (sm_80, sm_90)"
