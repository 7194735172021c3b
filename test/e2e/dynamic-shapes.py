# One artifact for a range of shapes (issue #12): models compiled once with
# `ingotc --dim NAME=MIN:MAX` run at several shapes -- both ends of each
# range and shapes between -- and each run is compared with onnxruntime at
# that shape (rtol 1e-4, atol 1e-5). Shapes outside a range, off a declared
# multiple, or dims that the graph makes equal but the inputs do not, are
# refused with an error naming the input, the dimension and the range.
# The same models compiled for CUDA run the same shapes through the
# emulation (the CUDA kernels built as host code, the plan's GEMMs with
# this call's sizes); the small MLP's fatbin is built by nvcc.
#   - mlp: Gemm + ReLU, MatMul + Add + Sigmoid over a batch N, and a batched
#     MatMul + Tanh over [N, S, 8] (library calls with runtime extents);
#   - broadcast: (a[N, W] + b[M, W]) * c[N, 1], ReLU: N and M are unified by
#     the broadcast, W is declared a multiple of 4;
#   - speculation: a CUDA loop kernel whose size is a multiple of 4 at some
#     shapes only (a vector version the runtime picks per call, a scalar one
#     otherwise) and a softmax whose rows range from 1 to 512 (a block per
#     row for few rows, a warp per row for many: both versions in one
#     kernel); shapes of every kind, in threaded emulation (real shuffles,
#     barriers), checking which versions ran, and each version forced;
#   - Range: position ids Range(0, S, 1) read from the input's shape, as
#     exporters write them, gathered from a position table; and Range(S,
#     2 * S, 2), ceil(S / 2) values;
#   - Resize to another input's sizes (read with Shape, as exporters write
#     F.interpolate(x, size=y.shape[2:])), nearest and linear, the scales
#     out/in computed per call; and by fractional scales 0.5 and 1.5;
#   - slices of a varying dim by constants: from the front, from the end,
#     both, a static tail read from the end; a start past the smallest
#     size refused by name;
#   - max and average pooling with ceil_mode over H and W (partial last
#     windows at odd sizes), and a ceil_mode window whose start could fall
#     in the end padding refused by name;
#   - one session of the MLP run at changing shapes through the C API
#     (ctypes): the arena re-planned per call, outputs in the call's shape.
#   - BERT (2 layers) and GPT-2 (3 layers) as exporters write them with
#     dynamic axes (bench/make_reference_models.py --dynamic-axes: Shape ->
#     Gather -> Concat -> Reshape chains, position ids and the causal bias
#     sliced to the sequence, token types from ConstantOfShape), over batch
#     1:4 and sequence 1:64: attention fuses as in a static build (7
#     launches per layer) and every shape matches (rtol 1e-4, atol 1e-4).
# RUN: %python %s %t
import ctypes
import importlib.util
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

import e2e
from onnx_testing import const, model, out_dir, save

folder = out_dir()
rng = np.random.default_rng(12)
F = TensorProto.FLOAT
failures = []


def vi(name, shape):
    return helper.make_tensor_value_info(name, F, shape)


def weight(name, *shape):
    return const(name, (rng.standard_normal(shape) * 0.3).astype(np.float32))


def run(args):
    return subprocess.run(args, capture_output=True, text=True)


artifacts = {}  # model name -> e2e.RangeArtifacts


def dim_args(dims):
    args = []
    for d in dims:
        args += ["--dim", d] if "%" not in d else ["--dim-multiple", d.replace("%", "=")]
    return args


def compile_once(name, onnx_model, dims, cuda="cuda-plan", emulate=True):
    """The host artifact, and the CUDA one run through the emulation."""
    path = save(onnx_model, folder, name + ".onnx")
    built = e2e.RangeArtifacts(path, os.path.join(folder, name), dim_args(dims), cuda, emulate)
    failures.extend(f"{name}: {e}" for e in built.errors)
    artifacts[name] = built
    return path, built.host


def check_at(name, path, artifact, shapes, atol=1e-5, force_version=None):
    """Runs both artifacts at `shapes` (input -> shape, or input -> array)
    against onnxruntime; returns the CUDA kernels' versions that ran."""
    feeds = {k: s if isinstance(s, np.ndarray) else rng.standard_normal(s).astype(np.float32)
             for k, s in shapes.items()}
    built = artifacts[name]
    failures.extend(f"{name} {f}" for f in built.check(feeds, atol=atol,
                                                       force_version=force_version))
    return sorted(built.versions.values())


def refused_compiling(name, onnx_model, dims, message):
    """ingotc must refuse `onnx_model` over `dims` with `message`."""
    p = run([shutil.which("ingotc"), save(onnx_model, folder, name + ".onnx"), "-o",
             os.path.join(folder, name + ".ingot"), *dim_args(dims)])
    if p.returncode == 0 or message not in p.stderr:
        failures.append(f"{name}: expected a clear refusal, got rc "
                        f"{p.returncode}: {p.stderr[-800:]}")


def refused_at(name, artifact, shapes, message):
    feeds = {k: np.zeros(s, np.float32) for k, s in shapes.items()}
    inputs = os.path.join(folder, name + "_refused.npz")
    np.savez(inputs, **feeds)
    p = run([shutil.which("ingot-run"), artifact, "--inputs", inputs, "--quiet"])
    if p.returncode == 0 or message not in p.stderr:
        failures.append(f"{name} at {shapes}: expected an error with '{message}', got "
                        f"rc {p.returncode}: {(p.stdout + p.stderr).strip()[-1000:]}")


# --- mlp ---------------------------------------------------------------------
mlp = model(
    [helper.make_node("Gemm", ["x", "w1", "b1"], ["g"]),
     helper.make_node("Relu", ["g"], ["r"]),
     helper.make_node("MatMul", ["r", "w2"], ["m"]),
     helper.make_node("Add", ["m", "b2"], ["a"]),
     helper.make_node("Sigmoid", ["a"], ["y"]),
     helper.make_node("MatMul", ["z", "w3"], ["z2"]),
     helper.make_node("Tanh", ["z2"], ["y2"])],
    [vi("x", ["N", 64]), vi("z", ["N", "S", 8])],
    [vi("y", ["N", 16]), vi("y2", ["N", "S", 5])],
    [weight("w1", 64, 32), weight("b1", 32), weight("w2", 32, 16), weight("b2", 16),
     weight("w3", 8, 5)], opset=17)
# nvcc builds this one's fatbin; its kernels run as real threaded blocks.
path, artifact = compile_once("mlp", mlp, ["N=1:16", "S=1:10"], cuda="cuda:sm_90",
                              emulate="threads")
if artifact:
    for n, s in [(1, 1), (16, 10), (5, 3), (16, 1), (1, 10)]:
        check_at("mlp", path, artifact, {"x": [n, 64], "z": [n, s, 8]})
    refused_at("mlp", artifact, {"x": [17, 64], "z": [17, 2, 8]},
               "input 'x' dimension 0 (N) is 17, outside the range 1:16 the model was "
               "compiled for")
    refused_at("mlp", artifact, {"x": [3, 64], "z": [4, 2, 8]},
               "input 'z' must have shape [3, 2, 8] here (input 'x' dimension 0 (N) is 3; "
               "input 'z' dimension 1 (S) is 2), got [4, 2, 8]")
    refused_at("mlp", artifact, {"x": [3, 63], "z": [3, 2, 8]},
               "input 'x' must have shape [3, 64]")
    info = run([shutil.which("ingot-run"), "--info", artifact]).stdout
    for line in ["    N: 1 to 16 (tuned for 16)\n", "    x: float32 [N, 64]\n",
                 "    y2: float32 [N, S, 5]\n"]:
        if line not in info:
            failures.append(f"mlp --info: no line {line!r} in:\n{info}")
    # The tools choose a shape with --input-shape (default: the largest).
    p = run([shutil.which("ingot-run"), artifact, "--random-inputs", "--input-shape",
             "x:2x64", "--input-shape", "z:2x7x8"])
    if p.returncode != 0 or "y2: float32 [2, 7, 5]" not in p.stdout:
        failures.append(f"ingot-run --input-shape: {p.stdout}{p.stderr}")
    p = run([shutil.which("ingot-run"), artifact, "--random-inputs"])
    if p.returncode != 0 or "y2: float32 [16, 10, 5]" not in p.stdout:
        failures.append(f"ingot-run, default shape: {p.stdout}{p.stderr}")
    p = run([shutil.which("ingot-bench"), artifact, "--iterations", "2", "--warmup", "0",
             "--input-shape", "x:0x64"])
    if p.returncode == 0 or "dimension 0 is 0, but the model takes 1 to 16" not in p.stderr:
        failures.append(f"ingot-bench --input-shape out of range: {p.stdout}{p.stderr}")

# --- one session, shapes changing from call to call (the C API) ---------------
# A serving system keeps one session: each call re-plans the arena for its
# shape and grows it only when a larger one comes; outputs report the
# call's shape. Driven through ctypes on libingot_runtime.so.
class Tensor(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("rank", ctypes.c_size_t),
                ("data", ctypes.c_void_p), ("size_bytes", ctypes.c_size_t),
                ("on_device", ctypes.c_int)]


def c_tensor(name, array):
    shape = (ctypes.c_int64 * array.ndim)(*array.shape)
    t = Tensor(name.encode(), 1, shape, array.ndim, array.ctypes.data, array.nbytes, 0)
    return t, shape


if artifacts["mlp"].host:
    lib = ctypes.CDLL(os.path.join(os.path.dirname(shutil.which("ingot-run")),
                                   "libingot_runtime.so"))
    for fn in ("ingot_model_load", "ingot_session_create", "ingot_session_run"):
        getattr(lib, fn).restype = ctypes.c_void_p  # ingot_status *
    lib.ingot_status_message.argtypes = [ctypes.c_void_p]
    lib.ingot_status_free.argtypes = [ctypes.c_void_p]
    lib.ingot_session_create.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.ingot_session_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                      ctypes.c_void_p, ctypes.c_size_t]
    lib.ingot_session_release.argtypes = [ctypes.c_void_p]
    lib.ingot_model_release.argtypes = [ctypes.c_void_p]
    lib.ingot_status_message.restype = ctypes.c_char_p
    handle, session = ctypes.c_void_p(), ctypes.c_void_p()
    if lib.ingot_model_load(artifacts["mlp"].host.encode(), ctypes.byref(handle)) or \
            lib.ingot_session_create(handle, None, ctypes.byref(session)):
        failures.append("mlp: cannot load the artifact through the C API")
    else:
        sess = ort.InferenceSession(os.path.join(folder, "mlp.onnx"),
                                    providers=["CPUExecutionProvider"])
        for n, seq in [(2, 3), (16, 10), (1, 1), (16, 10), (7, 4)]:
            feeds = {"x": rng.standard_normal((n, 64)).astype(np.float32),
                     "z": rng.standard_normal((n, seq, 8)).astype(np.float32)}
            kept = [c_tensor(k, v) for k, v in feeds.items()]
            inputs = (Tensor * 2)(*[t for t, _ in kept])
            outputs = (Tensor * 2)()
            status = lib.ingot_session_run(session, inputs, 2, outputs, 2)
            if status:
                failures.append(f"mlp, one session at {n}x{seq}: "
                                f"{lib.ingot_status_message(status).decode()}")
                lib.ingot_status_free(status)
                continue
            refs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)))
            for out in outputs:
                shape = tuple(out.shape[i] for i in range(out.rank))
                ref = refs[out.name.decode()]
                got = np.ctypeslib.as_array(ctypes.cast(out.data, ctypes.POINTER(
                    ctypes.c_float)), shape=shape) if shape == ref.shape else None
                if got is None or not np.allclose(got, ref, rtol=1e-4, atol=1e-5):
                    failures.append(f"mlp, one session at {n}x{seq}: {out.name.decode()} "
                                    f"{shape} differs from onnxruntime {ref.shape}")
        lib.ingot_session_release(session)
        lib.ingot_model_release(handle)


# --- speculation: CUDA kernel versions chosen per call ------------------------
odd = model(
    [helper.make_node("Mul", ["a", "b"], ["m"]), helper.make_node("Sigmoid", ["m"], ["y"]),
     helper.make_node("Softmax", ["c"], ["z"], axis=-1)],
    [vi("a", ["N", 3]), vi("b", ["N", 3]), vi("c", ["N", 64])],
    [vi("y", ["N", 3]), vi("z", ["N", 64])], opset=17)
path, artifact = compile_once("speculation", odd, ["N=1:512"], emulate="threads")
if artifact and artifacts["speculation"].cuda:
    # The loop kernel: 3 and 15 elements take the scalar loop, 12, 192 and
    # 900 the vector path. The softmax: up to 255 rows a block per row, from
    # 256 a warp per row. The emulator says which version ran; forcing one
    # (INGOT_FORCE_VARIANT) takes it where it is valid, and the results
    # still match.
    def expected(n, force=None):
        loop = "vector" if n * 3 % 4 == 0 and force != "scalar" else "scalar"
        rows = "warp-per-row" if n >= 256 else "block-per-row"
        if force in ("warp-per-row", "block-per-row"):
            rows = force
        return sorted([loop, rows])
    for n, force in [(1, None), (4, None), (5, None), (64, None), (300, None),
                     (300, "block-per-row"), (4, "warp-per-row"), (4, "scalar"),
                     (5, "vector")]:
        ran = check_at("speculation", path, artifact,
                       {"a": [n, 3], "b": [n, 3], "c": [n, 64]}, force_version=force)
        if ran != expected(n, force):
            failures.append(f"speculation at N={n}, forced {force}: versions {ran}, "
                            f"expected {expected(n, force)}")
    info = run([shutil.which("ingot-run"), "--info", artifacts["speculation"].cuda[0]]).stdout
    line = "kernel versions: vector/scalar: 1, warp-per-row/block-per-row: 1 (picked per call)"
    if line not in info:
        failures.append(f"speculation --info: no line {line!r} in:\n{info}")
elif artifact:
    for n in [1, 4, 5, 64, 300]:
        check_at("speculation", path, artifact, {"a": [n, 3], "b": [n, 3], "c": [n, 64]})

# --- Range: position ids up to the sequence length --------------------------
I64 = TensorProto.INT64
ranges = model(
    [helper.make_node("Shape", ["ids"], ["shape"]),
     helper.make_node("Gather", ["shape", "one"], ["seq"], axis=0),
     helper.make_node("Range", ["zero", "seq", "one"], ["pos"]),
     helper.make_node("Unsqueeze", ["pos", "axes0"], ["pos2"]),
     helper.make_node("Gather", ["wpe", "pos2"], ["pe"], axis=0),
     helper.make_node("Gather", ["wte", "ids"], ["te"], axis=0),
     helper.make_node("Add", ["te", "pe"], ["y"]),
     helper.make_node("Mul", ["seq", "two"], ["seq2"]),
     helper.make_node("Range", ["seq", "seq2", "two"], ["every_other"])],
    [helper.make_tensor_value_info("ids", I64, ["B", "S"])],
    [vi("y", ["B", "S", 8]), helper.make_tensor_value_info("every_other", I64, [None])],
    [const("one", np.array(1, np.int64)), const("zero", np.array(0, np.int64)),
     const("two", np.array(2, np.int64)), const("axes0", np.array([0], np.int64)),
     weight("wpe", 64, 8), weight("wte", 100, 8)], opset=17)
path, artifact = compile_once("range", ranges, ["B=1:4", "S=1:64"])
if artifact:
    # every_other: S, S + 2, ... below 2 * S: ceil(S / 2) values.
    for b, s in [(1, 1), (4, 64), (3, 17), (2, 2)]:
        check_at("range", path, artifact, {"ids": rng.integers(0, 100, (b, s))})

# --- Resize to another input's size, and by fractional scales --------------
def i64(name, values):
    return const(name, np.array(values, np.int64))


resize = model(
    [helper.make_node("Shape", ["x"], ["xs"]),
     helper.make_node("Shape", ["y"], ["ys"]),
     helper.make_node("Slice", ["xs", "s0", "s2"], ["nc"]),
     helper.make_node("Slice", ["ys", "s2", "s4"], ["hw"]),
     helper.make_node("Concat", ["nc", "hw"], ["size"], axis=0),
     helper.make_node("Resize", ["x", "", "", "size"], ["up"], mode="nearest"),
     helper.make_node("Add", ["up", "y"], ["joined"]),
     helper.make_node("Resize", ["x", "", "", "size"], ["lin"], mode="linear"),
     helper.make_node("Mul", ["lin", "y"], ["blended"]),
     helper.make_node("Resize", ["x", "", "frac"], ["frac_out"], mode="linear")],
    [vi("x", [1, 4, "H", "W"]), vi("y", [1, 4, "P", "Q"])],
    [vi("joined", [1, 4, "P", "Q"]), vi("blended", [1, 4, "P", "Q"]),
     vi("frac_out", [1, 4, None, None])],
    [i64("s0", [0]), i64("s2", [2]), i64("s4", [4]),
     const("frac", np.array([1, 1, 0.5, 1.5], np.float32))], opset=13)
path, artifact = compile_once("resize", resize, ["H=4:16", "W=4:16", "P=3:20", "Q=3:20"])
if artifact:
    # Up and down by ratios that vary per call (P/H, Q/W as FP32 at run
    # time); floor(H * 0.5) and floor(W * 1.5), odd sizes included.
    for h, w, p_, q in [(4, 4, 3, 3), (16, 16, 20, 20), (5, 7, 11, 9), (9, 5, 17, 4)]:
        check_at("resize", path, artifact, {"x": [1, 4, h, w], "y": [1, 4, p_, q]})

# --- broadcast: unified dims and a multiple ---------------------------------
bcast = model(
    [helper.make_node("Add", ["a", "b"], ["s"]),
     helper.make_node("Mul", ["s", "c"], ["p"]),
     helper.make_node("Relu", ["p"], ["y"])],
    [vi("a", ["N", "W"]), vi("b", ["M", "W"]), vi("c", ["N", 1])],
    [vi("y", ["N", "W"])], opset=17)
path, artifact = compile_once("broadcast", bcast,
                              ["N=1:8", "M=1:8", "W=4:100", "W%4"])
if artifact:
    for n, w in [(1, 4), (8, 100), (3, 36)]:
        check_at("broadcast", path, artifact, {"a": [n, w], "b": [n, w], "c": [n, 1]})
    refused_at("broadcast", artifact, {"a": [3, 8], "b": [4, 8], "c": [3, 1]},
               "input 'b' must have shape [3, 8] here")
    refused_at("broadcast", artifact, {"a": [3, 6], "b": [3, 6], "c": [3, 1]},
               "input 'a' dimension 1 (W) is 6, but the model was compiled for multiples "
               "of 4")
    refused_at("broadcast", artifact, {"a": [3, 104], "b": [3, 104], "c": [3, 1]},
               "input 'a' dimension 1 (W) is 104, outside the range 4:100")

# --- pooling with ceil_mode over varying sizes ------------------------------
# Max pooling 3x3 / 2 with padding 1 and average pooling 2x2 / 2 without
# (the partial last window of an odd size averaged over its inside), with
# ceil_mode over H and W: odd sizes make the last window partial. A window
# whose start could fall in the end padding (2x2 / 2 with end padding 1:
# ONNX drops it at some sizes only) is refused when compiling.
pools = model(
    [helper.make_node("MaxPool", ["x"], ["m"], kernel_shape=[3, 3], strides=[2, 2],
                      pads=[1, 1, 1, 1], ceil_mode=1),
     helper.make_node("AveragePool", ["m"], ["y"], kernel_shape=[2, 2], strides=[2, 2],
                      ceil_mode=1)],
    [vi("x", [1, 4, "H", "W"])], [vi("y", [1, 4, None, None])], opset=17)
path, artifact = compile_once("ceil_pools", pools, ["H=5:20", "W=5:20"])
if artifact:
    for h, w in [(5, 5), (20, 20), (7, 12), (13, 9), (6, 17)]:
        check_at("ceil_pools", path, artifact, {"x": [1, 4, h, w]})
dropped = model(
    [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2],
                      pads=[0, 0, 1, 1], ceil_mode=1)],
    [vi("x", [1, 4, "H", "W"])], [vi("y", [1, 4, None, None])], opset=17)
refused_compiling("ceil_dropped", dropped, ["H=5:20", "W=5:20"],
                  "could start in the end padding (end padding 1 + stride 2 > window 2)")

# --- slices of a varying dim by constants ----------------------------------
# x[:, 1:] (a class token dropped), x[:, :-1] and the next step's x[:, 1:]
# multiplied (a shifted sequence), x[:, -4:] (the last 4: a static size
# read from the end), x[:, 2:-3] (both ends), x[:, INT64_MIN:2] (a start
# before the first entry, clamped: the first 2), over S = 6:40 (x[:, 2:-3]
# would be empty at 5, and sizes of 0 are refused); a start past the
# smallest size is refused when compiling.
slices = model(
    [helper.make_node("Slice", ["x", "one", "big", "ax1"], ["tail"]),
     helper.make_node("Slice", ["x", "zero", "minus1", "ax1"], ["head"]),
     helper.make_node("Mul", ["head", "tail"], ["shifted"]),
     helper.make_node("Slice", ["x", "minus4", "big", "ax1"], ["last"]),
     helper.make_node("Slice", ["x", "two", "minus3", "ax1"], ["inner"]),
     helper.make_node("Relu", ["inner"], ["inner_relu"]),
     helper.make_node("Slice", ["x", "lowest", "two", "ax1"], ["first"])],
    [vi("x", ["N", "S", 8])],
    [vi("tail", ["N", None, 8]), vi("shifted", ["N", None, 8]), vi("last", ["N", 4, 8]),
     vi("inner_relu", ["N", None, 8]), vi("first", ["N", 2, 8])],
    [i64("lowest", [-2**63]), i64("zero", [0]), i64("one", [1]), i64("two", [2]),
     i64("minus1", [-1]),
     i64("minus3", [-3]), i64("minus4", [-4]), i64("big", [2**62]), i64("ax1", [1])], opset=17)
path, artifact = compile_once("slices", slices, ["N=1:3", "S=6:40"])
if artifact:
    for n, s in [(1, 6), (3, 40), (2, 17)]:
        check_at("slices", path, artifact, {"x": [n, s, 8]})
past = model([helper.make_node("Slice", ["x", "seven", "big", "ax1"], ["y"])],
             [vi("x", ["N", "S", 8])], [vi("y", ["N", None, 8])],
             [i64("seven", [7]), i64("big", [2**62]), i64("ax1", [1])], opset=17)
refused_compiling("slice_past", past, ["N=1:3", "S=6:40"],
                  "slice [7, 4611686018427387904) of dim 1 (S) reaches past its smallest size 6")

# Reductions keeping the innermost dim (the host's column form) over
# varying sizes: a varying reduced dim S, and a varying innermost dim W
# (blocks of 16 with a remainder: W = 3, 16, 17, 40).
reduce_cols = model(
    [helper.make_node("ReduceMean", ["x", "axes"], ["m"], keepdims=0),
     helper.make_node("ReduceMax", ["z", "axes"], ["y"], keepdims=1)],
    [vi("x", ["N", "S", 40]), vi("z", [2, 5, "W"])],
    [vi("m", ["N", 40]), vi("y", [2, 1, "W"])],
    [i64("axes", [1])], opset=18)
path, artifact = compile_once("reduce_columns", reduce_cols, ["N=1:4", "S=1:30", "W=3:40"])
if artifact:
    for n, seq, w in [(1, 1, 3), (4, 30, 40), (2, 7, 16), (3, 13, 17)]:
        check_at("reduce_columns", path, artifact, {"x": [n, seq, 40], "z": [2, 5, w]})

# --- transformers with dynamic axes ------------------------------------------
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location(
    "make_reference_models", os.path.join(root, "bench", "make_reference_models.py"))
models = importlib.util.module_from_spec(spec)
spec.loader.exec_module(models)
models.SEQ, models.HIDDEN, models.HEADS, models.FFN = 24, 64, 4, 256
models.LAYERS, models.VOCAB, models.MAX_POS = 2, 100, 64
models.HEAD = models.HIDDEN // models.HEADS
models.DYNAMIC_AXES = True
transformers = [
    ("bert", models.build_bert_base(np.random.default_rng(1))[0], 100),
    ("gpt2", models.build_gpt2(np.random.default_rng(1), cfg=dict(
        seq=20, hidden=64, heads=4, layers=3, vocab=120, positions=64))[0], 120)]
models.DYNAMIC_AXES = False
for name, onnx_model, vocab in transformers:
    path, artifact = compile_once(name, onnx_model, ["batch=1:4", "sequence=1:64"])
    if not artifact:
        continue
    p = run([shutil.which("ingotc"), path, "--dim", "batch=1:4", "--dim", "sequence=1:64",
             "--stats", "-o", os.path.join(folder, "stats.ingot")])
    m = re.search(r"launches per layer: (\d+)", p.stderr)
    if not m or m.group(1) != "7":
        failures.append(f"{name}: launches per layer {m.group(1) if m else p.stderr[-500:]}, "
                        "expected 7 (as static)")
    names = [i.name for i in onnx_model.graph.input]
    for batch, seq in [(1, 1), (4, 64), (2, 17)]:
        ids = rng.integers(0, vocab, (batch, seq)).astype(np.int64)
        feeds = {"input_ids": ids}
        if "attention_mask" in names:
            mask = np.ones((batch, seq), np.int64)
            mask[:, seq // 2 + 1:] = rng.integers(0, 2, (batch, seq - seq // 2 - 1))
            feeds["attention_mask"] = mask
        check_at(name, path, artifact, feeds, atol=1e-4)

if failures:
    print("\n\n".join(failures))
    sys.exit(1)
print("dynamic shapes: all runs match onnxruntime, all bad shapes refused")
