#!/usr/bin/env bash
# The one-call GPU check, for a machine with an NVIDIA GPU (no MLIR needed):
# uses the bundle scripts/gpu-check-prepare.sh made in out/gpu-check/.
#   - the CUDA executor against the CPU on every model (ingot-gpu-test:
#     steps, CUDA graph capture, replay, and no graph);
#   - every model's CUDA outputs against onnxruntime's (from the bundle);
#   - latency: Ingot on the GPU (graph and no graph) against onnxruntime on
#     the CPU of the same machine, as ratios.
# Prints everything; exits non-zero if a comparison fails.
set -uo pipefail
cd "$(dirname "$0")/.."
D=out/gpu-check
if [ ! -x "$D/bin/ingot-run" ]; then
  echo "no bundle in $D: run scripts/gpu-check-prepare.sh first (on a machine with the compiler)"
  exit 2
fi
CUDNN_LIB=$(python3 -c "import nvidia.cudnn, os; print(os.path.join(os.path.dirname(nvidia.cudnn.__file__), 'lib'))" 2>/dev/null || true)
CUBLAS_LIB=$(python3 -c "import nvidia.cublas, os; print(os.path.join(os.path.dirname(nvidia.cublas.__file__), 'lib'))" 2>/dev/null || true)
export LD_LIBRARY_PATH="$D/lib:/usr/local/cuda/lib64:${CUDNN_LIB}:${CUBLAS_LIB}:${LD_LIBRARY_PATH:-}"
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
for m in "$D"/models/*/; do
  name=$(basename "$m")
  echo "== $name"
  "$D/bin/ingot-gpu-test" "$m/cpu.ingot" "$m/cuda.ingot" || status=1
  "$D/bin/ingot-run" "$m/cuda.ingot" --inputs "$m/inputs.npz" --compare "$m/ref.npz" --quiet || status=1
  g=$("$D/bin/ingot-bench" "$m/cuda.ingot" --warmup 10 --iterations 100 | awk '/p50/ {print $5}')
  n=$("$D/bin/ingot-bench" "$m/cuda.ingot" --warmup 10 --iterations 100 --no-cuda-graph | awk '/p50/ {print $5}')
  o=$(python3 - "$m" <<'PY'
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
exit $status
