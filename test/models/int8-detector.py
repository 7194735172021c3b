# INT8 accuracy of the text detector on rendered pages: ppocr_v4_det with
# Ingot's own post-training quantization (--quantize=int8, percentile
# calibration on 8 other pages), its probability map binarized at 0.3
# against onnxruntime FP32's, through bench/int8_accuracy.py (8 pages,
# test/lib/text_images.py, fixed seeds). The benchmark measured an IoU of
# 0.96 (docs/BENCHMARKS.md; the target is 0.95); this test requires
# 0.93, leaving room for float rounding on other CPUs, and far above the
# 0.81 of quantizing the depthwise layers (which ingot-quantize now leaves
# in float). Ingot FP32 must match onnxruntime FP32's map.
# REQUIRES: shared-models
# RUN: %python %s %t %shared_models
import sys

from accuracy import int8_accuracy_rows

rows = int8_accuracy_rows(sys.argv[1], sys.argv[2], "detector", "--skip-classifier",
                          "--ingot-only", "--detector-images", "8")
failures = []
for key in ("ort_fp32", "ingot_fp32", "ingot_int8_own"):
    if rows.get(key, {}).get("status") != "ok":
        failures.append(f"{key}: {rows.get(key, {}).get('note', 'missing')}")
if not failures:
    if rows["ingot_fp32"]["iou"] < 0.999:
        failures.append(f"Ingot FP32's map differs from onnxruntime's: IoU {rows['ingot_fp32']['iou']}")
    if rows["ingot_int8_own"]["iou"] < 0.93:
        failures.append(f"INT8 (own calibration) IoU {rows['ingot_int8_own']['iou']:.4f} is below 0.93")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
