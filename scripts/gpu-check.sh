#!/usr/bin/env bash
# The one-call GPU check, for a machine with an NVIDIA GPU, PyTorch and
# onnxruntime but no MLIR: uses the bundle scripts/gpu-check-prepare.sh made
# in out/gpu-check/ (runtime with CUDA, a static ingotc, compiled models).
#   1. every bundled model: the CUDA executor against the CPU artifact
#      (ingot-gpu-test: steps, CUDA graph capture, replay, no graph), the
#      CUDA outputs against onnxruntime's, and latency (graph / no graph)
#      against onnxruntime on this machine's CPU (the INT8 classifier,
#      quantized by ingotc, against its CPU artifact's outputs);
#   1b. the models of out/gpu-check/dynamic, each compiled once for ranges of
#      shapes: ingot-gpu-test at every listed shape in the same sessions,
#      latency against a static CUDA artifact of each shape, the kernel
#      versions each shape ran (INGOT_PROFILE) and the latency with the
#      fallback versions forced (INGOT_FORCE_VARIANT);
#   2. ResNet-50 and BERT-base exported here from PyTorch with random
#      weights, compiled here by the bundled ingotc in FP32, TF32, FP16 and
#      BF16 (--precision; FP16/BF16 with --io-precision model, so the same
#      FP32 inputs), checked against onnxruntime and PyTorch FP32 (FP16/BF16
#      with looser limits, plus cosine and argmax), and timed against
#      PyTorch eager and torch.compile at the same precision (.half() /
#      .bfloat16() for FP16/BF16), with kernel counts, the bandwidth of the
#      largest generated kernels against the measured copy bandwidth, and
#      the issue's FP16 targets (bench/gpu_torch_models.py); ResNet-50 at
#      FP16 is also compiled channels-first (fp16-nchw: --layout nchw) and
#      timed against FP16's channels-last plan (--layout nhwc, what `auto`
#      picks on CUDA at FP16), a target of its own; and with --quantize int8
#      (fp16-int8: FP16 plus cuBLASLt int8 GEMMs for the quantized pointwise
#      convolutions and matmuls), timed against FP16 (issue #10's target).
# Prints everything (results also under $GPU_CHECK_RESULTS, default
# out/gpu-check-results); exits non-zero if a comparison fails, 77 without
# a GPU. Part 1 takes 90-120 s, so part 2 is bounded to fit one 600 s device
# call: GPU_CHECK_TORCH_SECONDS (450) bounds it (the script starts no timing
# step it could not finish 20 s before that, so its table and the targets
# still print), and torch.compile starts no new model after
# GPU_CHECK_COMPILE_BUDGET (360) seconds of it. The work
# goes most important first (FP16, then fp16-int8, fp16-nchw, FP32, BF16, TF32:
# compiles, timing, torch.compile), so a run cut short loses BF16/TF32
# first; GPU_CHECK_PRECISIONS (fp16,fp16-int8,fp16-nchw,fp32,bf16,tf32) picks fewer
# for a short run.
set -uo pipefail
cd "$(dirname "$0")/.."
D=out/gpu-check
R=${GPU_CHECK_RESULTS:-out/gpu-check-results}
mkdir -p "$R"
if [ ! -x "$D/bin/ingot-run" ]; then
  echo "no bundle in $D: run scripts/gpu-check-prepare.sh first (on a machine with the compiler)"
  exit 2
fi
# cuBLASLt and cuDNN: the toolkit's, then any that pip wheels (PyTorch's)
# brought.
NV_LIBS=$(python3 - <<'PY' 2>/dev/null
import glob, os, site
dirs = set()
for sp in site.getsitepackages():
    dirs.update(glob.glob(os.path.join(sp, "nvidia", "**", "lib"), recursive=True))
print(":".join(sorted(dirs)))
PY
)
export LD_LIBRARY_PATH="$D/lib:/usr/local/cuda/lib64:${NV_LIBS}:${LD_LIBRARY_PATH:-}"
export PATH="$PATH:/usr/local/cuda/bin"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null ||
  echo "(nvidia-smi not available)"
status=0
first=$(ls -d "$D"/models/*/ | head -1)
"$D/bin/ingot-gpu-test" "$first/cpu.ingot" "$first/cuda.ingot" > /dev/null
if [ $? -eq 77 ]; then
  "$D/bin/ingot-gpu-test" "$first/cpu.ingot" "$first/cuda.ingot"
  echo "no usable GPU: nothing to check"
  exit 77
fi

echo "### 1. bundled models"
for m in "$D"/models/*/; do
  name=$(basename "$m")
  echo "== $name"
  timeout 120 "$D/bin/ingot-gpu-test" "$m/cpu.ingot" "$m/cuda.ingot" || status=1
  timeout 60 "$D/bin/ingot-run" "$m/cuda.ingot" --inputs "$m/inputs.npz" --compare "$m/ref.npz" \
    --quiet || status=1
  g=$(timeout 60 "$D/bin/ingot-bench" "$m/cuda.ingot" --warmup 10 --iterations 100 | awk '/p50/ {print $6}')
  n=$(timeout 60 "$D/bin/ingot-bench" "$m/cuda.ingot" --warmup 10 --iterations 100 --no-cuda-graph |
    awk '/p50/ {print $6}')
  INGOT_PROFILE=1 timeout 60 "$D/bin/ingot-bench" "$m/cuda.ingot" --warmup 3 --iterations 10 2>&1 >/dev/null |
    head -32
  o=$(timeout 120 python3 - "$m" <<'PY'
import statistics, sys, time
import numpy as np, onnxruntime as ort
m = sys.argv[1]
feeds = dict(np.load(m + "/inputs.npz"))
s = ort.InferenceSession(m + "/model.onnx", providers=["CPUExecutionProvider"])
for _ in range(5): s.run(None, feeds)
t = []
for _ in range(30):
    t0 = time.perf_counter(); s.run(None, feeds); t.append((time.perf_counter() - t0) * 1e3)
print(f"{statistics.median(t):.3f}")
PY
)
  if [ -n "$g" ] && [ -n "$n" ] && [ -n "$o" ]; then
    python3 -c "g,n,o=$g,$n,$o; print(f'latency ms: ingot gpu (graph) {g:.3f}, ingot gpu (no graph) {n:.3f}, ORT cpu {o:.3f}; ingot/ORT {g/o:.3f}')"
  else
    echo "latency: not measured (a run above failed)"
    status=1
  fi
done

echo "### 1b. artifacts for ranges of shapes (one artifact, every listed shape)"
for m in "$D"/dynamic/*/; do
  [ -f "$m/shapes.txt" ] || continue
  echo "== $(basename "$m")"
  rounds=()
  while read -r shape; do rounds+=(--shapes "$shape"); done < "$m/shapes.txt"
  timeout 300 "$D/bin/ingot-gpu-test" "$m/cpu.ingot" "$m/cuda.ingot" "${rounds[@]}" || status=1
  while read -r shape static; do
    tag=${shape#*:}
    d=$(timeout 60 "$D/bin/ingot-bench" "$m/cuda.ingot" --warmup 10 --iterations 100 \
      --input-shape "$shape" | awk '/p50/ {print $6}')
    s=$(timeout 60 "$D/bin/ingot-bench" "$D/$static" --warmup 10 --iterations 100 |
      awk '/p50/ {print $6}')
    sn=$(timeout 60 "$D/bin/ingot-bench" "$D/$static" --warmup 10 --iterations 100 \
      --no-cuda-graph | awk '/p50/ {print $6}')
    if [ -n "$d" ] && [ -n "$s" ] && [ -n "$sn" ]; then
      python3 -c "d,s,n=$d,$s,$sn; print(f'$tag: dynamic {d:.3f} ms (no graph yet), static {s:.3f} ms with graph, {n:.3f} ms without; dynamic/static {d/s:.3f}, {d/n:.3f} without graphs')"
    else
      echo "$tag: not measured (a run failed)"
      status=1
    fi
    # The kernels with versions, and which ran at this shape (INGOT_PROFILE
    # names them: loop[vector], reduction[warp-per-row]).
    INGOT_PROFILE=all timeout 60 "$D/bin/ingot-bench" "$m/cuda.ingot" --warmup 1 \
      --iterations 3 --input-shape "$shape" 2>&1 >/dev/null | grep -F '[' | sed "s/^/$tag versions: /"
    # The fallback versions forced (INGOT_FORCE_VARIANT) against the
    # runtime's own choice: what the vector path and a warp per row gain
    # where they are chosen (the same time where they are not).
    for v in scalar block-per-row; do
      f=$(INGOT_FORCE_VARIANT=$v timeout 60 "$D/bin/ingot-bench" "$m/cuda.ingot" --warmup 10 \
        --iterations 100 --input-shape "$shape" | awk '/p50/ {print $6}')
      [ -n "$f" ] && [ -n "$d" ] &&
        python3 -c "f,d=$f,$d; print(f'$tag: forced $v {f:.3f} ms, chosen {d:.3f} ms ({f/d:.3f})')"
    done
  done < "$m/static.txt"
done

P=${GPU_CHECK_PRECISIONS:-fp16,fp16-int8,fp16-nchw,fp32,bf16,tf32}
echo "### 2. ResNet-50 and BERT-base against PyTorch ($P)"
if [ ! -x "$D/bin/ingotc" ]; then
  echo "skipped: no ingotc in the bundle"
  status=1
elif ! python3 -c "import torch, torchvision, transformers" 2>/dev/null; then
  echo "skipped: PyTorch, torchvision or transformers missing"
  status=1
else
  T=${GPU_CHECK_TORCH_SECONDS:-450}
  PYTHONUNBUFFERED=1 timeout "$T" python3 bench/gpu_torch_models.py \
    --bundle "$D" --work "${TMPDIR:-/tmp}/ingot-torch-models" --json "$R/torch_models.json" \
    --precisions "$P" \
    --compile-budget "${GPU_CHECK_COMPILE_BUDGET:-360}" --deadline $((T - 20)) ||
    status=1
fi
exit $status
