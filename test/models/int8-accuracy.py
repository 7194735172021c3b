# INT8 accuracy on real data: the trained PaddleOCR text-direction
# classifier on 400 rendered text-line crops (half rotated by 180 degrees;
# test/lib/text_images.py, fixed seeds), through bench/int8_accuracy.py.
# Ingot's own post-training quantization (--quantize=int8, percentile
# calibration on 100 other crops) keeps top-1 within 1 point of Ingot FP32,
# the target; Ingot FP32 agrees with onnxruntime FP32 on every
# crop; and Ingot running onnxruntime's QDQ model stays within 1 point of
# that model's own semantics (onnxruntime without graph optimizations).
# REQUIRES: shared-models
# RUN: %python %s %t %shared_models
import sys

from accuracy import int8_accuracy_rows

rows = int8_accuracy_rows(sys.argv[1], sys.argv[2], "classifier", "--samples", "400",
                          "--calibration-samples", "100", "--skip-detector")
failures = []
for key in ("ort_fp32", "ingot_fp32", "ingot_int8_own", "ingot_int8_qdq", "ort_int8_qdq_unfused"):
    if rows.get(key, {}).get("status") != "ok":
        failures.append(f"{key}: {rows.get(key, {}).get('note', 'missing')}")
if not failures:
    fp32 = rows["ingot_fp32"]["accuracy"]
    if rows["ingot_fp32"]["agreement_with_ort_fp32"] < 1.0:
        failures.append("Ingot FP32 disagrees with onnxruntime FP32 on some crops")
    if fp32 < 0.95:
        failures.append(f"FP32 accuracy {fp32:.2%} is below 95%: the rendered data is off")
    if rows["ingot_int8_own"]["accuracy"] < fp32 - 0.01:
        failures.append(f"INT8 (own calibration) {rows['ingot_int8_own']['accuracy']:.2%} "
                        f"is more than 1 point below FP32 {fp32:.2%}")
    if rows["ingot_int8_qdq"]["accuracy"] < rows["ort_int8_qdq_unfused"]["accuracy"] - 0.01:
        failures.append("Ingot on the QDQ model is more than 1 point below its semantics")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
