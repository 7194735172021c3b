"""INT8 accuracy of Ingot on real models and rendered data (issue #10).

Two PaddleOCR models from ../shared/models/, each on data rendered locally
(test/lib/text_images.py: DejaVu fonts, Pillow; no network):

  Text-direction classifier (ppocr_mobile_v2_cls.onnx): top-1 accuracy on a
  labelled set of text-line crops, half of them rotated by 180 degrees.
  Text detector (ppocr_v4_det.onnx): agreement with onnxruntime FP32 on
  document-like pages, as the IoU of the probability maps binarized at 0.3
  (PaddleOCR's default threshold), pooled over all pages.

Variants, for each model:

  onnxruntime FP32       the reference
  Ingot FP32             ingotc + ingot-run on the original model
  onnxruntime INT8 QDQ   onnxruntime.quantization.quantize_static (static
                         MinMax calibration, QDQ format, per-channel INT8
                         weights, UINT8 activations) on a calibration set
                         disjoint from the evaluation set
  Ingot INT8 (QDQ)       ingotc + ingot-run on that QDQ model
  Ingot INT8 (own)       ingotc --quantize=int8 --calibration-data=CAL.npz
                         on the original model, with the same calibration set
  Ingot INT8 (own,       with --symmetric: the same with
    symmetric...)        --quantize-activations=symmetric (every activation
                         int8 with zero point 0, as TensorRT quantizes) and
                         =symmetric-windows (those of convolutions with a
                         window or padding: the scheme of --target cuda),
                         run on the CPU

An INT8 variant whose compile fails (an operator or flag Ingot does not
have yet) is reported as "not supported: <ingotc's error>" rather than
stopping the run. The calibration sets are written as .npz files of stacked inputs keyed
by the model's input name (x: [N, ...] float32), the format of
`ingotc --calibration-data`.

    .venv/bin/python bench/int8_accuracy.py [--ingotc PATH] [--ingot-run PATH]
        [--samples 600] [--calibration-samples 200] [--workdir DIR]
        [--batch 50] [--detector-images 8] [--skip-detector] [--skip-classifier]
        [--ingot-only] [--symmetric] [--json FILE]
        [--threads N]

Prints two markdown tables; --json writes every number for reuse by tests.
Exit status: 0 when every variant ran or was "not supported", 1 when
something else failed (an FP32 compile, a crash, a run).
"""
import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
import text_images  # noqa: E402

MODELS = os.path.join(os.path.dirname(ROOT), "shared", "models")
CLASSIFIER = os.path.join(MODELS, "ppocr_mobile_v2_cls.onnx")
DETECTOR = os.path.join(MODELS, "ppocr_v4_det.onnx")

# Seeds of the rendered sets: evaluation and calibration sets use different
# seeds so that no sample is in both.
CLASSIFIER_EVAL_SEED = 1001
CLASSIFIER_CALIBRATION_SEED = 2002
DETECTOR_EVAL_SEED = 3003
DETECTOR_CALIBRATION_SEED = 4004

DETECTOR_SIZE = 640
DETECTOR_THRESHOLD = 0.3  # PaddleOCR's det_db_thresh
# Per-channel QuantizeLinear/DequantizeLinear (the `axis` attribute) need
# opset 13; both models are older (9 and 11).
QDQ_OPSET = 13


class VariantFailed(Exception):
    """A variant that could not be evaluated; `unsupported` when ingotc
    rejected the model or a flag (expected while INT8 is being added)."""

    def __init__(self, note, unsupported=False):
        super().__init__(note)
        self.note = note
        self.unsupported = unsupported


# ---------------------------------------------------------------- models ---

def input_name(model_path):
    model = onnx.load(model_path, load_external_data=False)
    initializers = {i.name for i in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in initializers]
    if len(names) != 1:
        raise SystemExit(f"{model_path}: expected one input, found {names}")
    return names[0]


def dim_bindings(model_path, shape):
    """`--dim NAME=VALUE` arguments binding each symbolic dimension of the
    model's input to `shape`, read from the model itself: the quantized
    model is written by onnxruntime and need not keep the original names."""
    model = onnx.load(model_path, load_external_data=False)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    if len(dims) != len(shape):
        raise SystemExit(f"{model_path}: input rank {len(dims)}, data rank {len(shape)}")
    args = []
    for dim, value in zip(dims, shape):
        if dim.dim_param:
            args.append(f"--dim={dim.dim_param}={value}")
    return args


def ort_session(model_path, threads, optimize=True):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    if not optimize:
        # The model's own semantics: a QDQ model's quantize/dequantize around
        # float ops, not onnxruntime's fused integer kernels.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])


def run_ort(model_path, inputs, batch, threads, optimize=True):
    """Model outputs (the first) on `inputs`, `batch` samples per run."""
    session = ort_session(model_path, threads, optimize)
    name = session.get_inputs()[0].name
    return np.concatenate([session.run(None, {name: inputs[i:i + batch]})[0]
                           for i in range(0, len(inputs), batch)])


class CalibrationReader:
    """onnxruntime's CalibrationDataReader protocol over stacked inputs."""

    def __init__(self, name, inputs, batch):
        self._batches = iter([{name: inputs[i:i + batch]}
                              for i in range(0, len(inputs), batch)])

    def get_next(self):
        return next(self._batches, None)


def quantize_with_ort(model_path, calibration, batch, workdir, stem):
    """onnxruntime's static INT8 QDQ model of `model_path`, calibrated on
    `calibration`. Steps, and why:
      1. onnx.version_converter to opset 13: per-channel QDQ needs it, and
         onnxruntime's quantizer would otherwise only relabel an opset 9
         model as 11 without converting it.
      2. quant_pre_process (onnx shape inference and onnxruntime's basic
         graph optimizations, which fold BatchNormalization into Conv) so
         that the quantized convolutions carry the folded weights instead of
         a separately quantized BatchNormalization. Symbolic shape inference
         is skipped: it needs sympy, and the models' shapes are simple.
      3. quantize_static: MinMax calibration, QDQ, per-channel weights,
         QUInt8 activations and QInt8 weights (the defaults otherwise).
    Returns the path of the QDQ model."""
    from onnx import version_converter
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    upgraded = os.path.join(workdir, f"{stem}_opset{QDQ_OPSET}.onnx")
    onnx.save(version_converter.convert_version(onnx.load(model_path), QDQ_OPSET), upgraded)
    prepared = os.path.join(workdir, f"{stem}_prepared.onnx")
    quant_pre_process(upgraded, prepared, skip_symbolic_shape=True)
    quantized = os.path.join(workdir, f"{stem}_int8_qdq.onnx")
    quantize_static(prepared, quantized,
                    CalibrationReader(input_name(prepared), calibration, batch),
                    quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    return quantized


# ----------------------------------------------------------------- Ingot ---

def first_error_line(text):
    """The line of ingotc's output that says what went wrong: the first one
    naming an error, else the first non-empty one (ingotc prints progress
    lines such as 'compiling N kernels' before a late failure)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        lowered = line.lower()
        if "error" in lowered or "unknown" in lowered or "unsupported" in lowered:
            return line.rstrip(":")
    return lines[0].rstrip(":") if lines else "no message"


def compile_ingot(ingotc, model_path, artifact, shape, extra_args=(), may_be_unsupported=False):
    """Compiles `model_path` for inputs of `shape`; raises VariantFailed with
    ingotc's first error line when it fails. With `may_be_unsupported` (the
    INT8 variants, while Ingot is gaining them) an error exit is reported as
    "not supported"; a crash (killed by a signal) is always a failure."""
    command = [ingotc, model_path, "-o", artifact, *dim_bindings(model_path, shape), *extra_args]
    try:
        result = subprocess.run(command, capture_output=True, text=True)
    except OSError as error:
        raise VariantFailed(f"not available: {error}") from None
    message = first_error_line(result.stderr + result.stdout)
    if result.returncode < 0:
        raise VariantFailed(f"ingotc crashed (signal {-result.returncode}): {message}")
    if result.returncode != 0:
        if may_be_unsupported:
            raise VariantFailed("not supported: " + message, unsupported=True)
        raise VariantFailed("compile failed: " + message)


def run_ingot(ingot_run, artifact, name, inputs, batch, threads, workdir):
    """Outputs (the model's only output) of the compiled `artifact`, one
    ingot-run per batch of `batch` samples; the last batch is padded with
    copies of its last sample and the padding's outputs dropped."""
    batch_file = os.path.join(workdir, "batch.npz")
    output_dir = os.path.join(workdir, "ingot_out")
    outputs = []
    for start in range(0, len(inputs), batch):
        chunk = inputs[start:start + batch]
        count = len(chunk)
        if count < batch:
            chunk = np.concatenate([chunk, np.repeat(chunk[-1:], batch - count, axis=0)])
        np.savez(batch_file, **{name: chunk})
        shutil.rmtree(output_dir, ignore_errors=True)
        result = subprocess.run([ingot_run, artifact, "--inputs", batch_file,
                                 "--output-dir", output_dir, "--quiet",
                                 "--threads", str(threads)],
                                capture_output=True, text=True)
        files = sorted(os.listdir(output_dir)) if os.path.isdir(output_dir) else []
        if result.returncode != 0 or len(files) != 1:
            raise VariantFailed("run failed: " + first_error_line(result.stderr + result.stdout))
        outputs.append(np.load(os.path.join(output_dir, files[0]))[:count])
    return np.concatenate(outputs)


# -------------------------------------------------------------- variants ---

def evaluate_variants(model_path, stem, eval_inputs, calibration, batch, args, workdir, score):
    """Runs every variant on `eval_inputs` and scores it with
    score(outputs, reference_outputs) -> dict. Returns the table rows, each
    with a stable `key` (ort_fp32, ingot_fp32, ort_int8_qdq, ort_int8_qdq_unfused, ingot_int8_qdq,
    ingot_int8_own) for tests that read the JSON."""
    name = input_name(model_path)
    calibration_file = os.path.join(workdir, f"{stem}_calibration.npz")
    np.savez(calibration_file, **{name: calibration})
    compiled_shape = (batch,) + eval_inputs.shape[1:]
    rows = []

    reference = None  # onnxruntime FP32's outputs, once they exist

    def add(key, variant, produce):
        start = time.perf_counter()
        row = {"key": key, "variant": variant}
        try:
            outputs = produce()
        except VariantFailed as failure:
            row.update(status="not supported" if failure.unsupported else "failed",
                       note=failure.note)
        else:
            row.update(status="ok", note="", _outputs=outputs, **score(outputs, reference))
        row["seconds"] = round(time.perf_counter() - start, 2)
        rows.append(row)
        return row

    def ingot(tag, model, extra_args=(), may_be_unsupported=True):
        def produce():
            if model is None:
                raise VariantFailed("no model: onnxruntime's quantization failed")
            artifact = os.path.join(workdir, f"{stem}_{tag}.ingot")
            compile_ingot(args.ingotc, model, artifact, compiled_shape, extra_args,
                          may_be_unsupported)
            return run_ingot(args.ingot_run, artifact, name, eval_inputs, batch,
                             args.threads, workdir)
        return produce

    # The reference must run: an exception here is not caught.
    reference = add("ort_fp32", "onnxruntime FP32",
                    lambda: run_ort(model_path, eval_inputs, batch, args.threads))["_outputs"]
    add("ingot_fp32", "Ingot FP32", ingot("fp32", model_path, may_be_unsupported=False))

    qdq_model = None

    def ort_int8():
        nonlocal qdq_model
        try:
            qdq_model = quantize_with_ort(model_path, calibration, batch, workdir, stem)
        except Exception as error:  # onnx/onnxruntime raise many kinds
            raise VariantFailed(f"quantization failed: {type(error).__name__}: {error}") from None
        return run_ort(qdq_model, eval_inputs, batch, args.threads)

    def ort_int8_semantics():
        if qdq_model is None:
            raise VariantFailed("no model: onnxruntime's quantization failed")
        return run_ort(qdq_model, eval_inputs, batch, args.threads, optimize=False)

    if not args.ingot_only:
        add("ort_int8_qdq", "onnxruntime INT8 (QDQ)", ort_int8)
        add("ort_int8_qdq_unfused", "onnxruntime INT8 (QDQ), graph optimizations off",
            ort_int8_semantics)
        add("ingot_int8_qdq", "Ingot INT8 (onnxruntime's QDQ model)",
            ingot("int8_qdq", qdq_model))
    add("ingot_int8_own", "Ingot INT8 (ingotc --quantize=int8)",
        ingot("int8_own", model_path,
              ["--quantize=int8", f"--calibration-data={calibration_file}"]))
    if args.symmetric:
        for how, what in (("symmetric", "every activation"),
                          ("symmetric-windows", "CUDA's scheme")):
            add(f"ingot_int8_own_{how.replace('-', '_')}",
                f"Ingot INT8 (--quantize-activations={how}: {what})",
                ingot(f"int8_own_{how}", model_path,
                      ["--quantize=int8", f"--calibration-data={calibration_file}",
                       f"--quantize-activations={how}"]))
    for row in rows:
        row.pop("_outputs", None)
    return rows


def classifier_score(labels):
    def score(outputs, reference):
        predictions = outputs.argmax(axis=1)
        result = {"accuracy": float((predictions == labels).mean()),
                  "correct": int((predictions == labels).sum()),
                  "samples": int(len(labels))}
        if reference is not None:
            result["agreement_with_ort_fp32"] = float(
                (predictions == reference.argmax(axis=1)).mean())
        return result
    return score


def detector_score(outputs, reference):
    result = {"images": int(len(outputs))}
    if reference is None:
        return result
    ours = outputs > DETECTOR_THRESHOLD
    theirs = reference > DETECTOR_THRESHOLD
    per_image = [float((a & b).sum() / max(1, (a | b).sum())) for a, b in zip(ours, theirs)]
    result.update(iou=float((ours & theirs).sum() / max(1, (ours | theirs).sum())),
                  min_image_iou=min(per_image), image_iou=per_image,
                  max_abs_diff=float(np.abs(outputs - reference).max()),
                  text_fraction=float(ours.mean()))
    return result


# ---------------------------------------------------------------- output ---

def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    # A '|' inside a cell (ingotc's messages may have one) would end it.
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |"
              for row in rows]
    return "\n".join(lines)


def classifier_table(rows, reference_name="onnxruntime FP32"):
    table = []
    for row in rows:
        if row["status"] != "ok":
            table.append([row["variant"], "-", "-", row["note"]])
            continue
        note = row["note"]
        if row["variant"] != reference_name:
            note = f"agrees with {reference_name} on {row['agreement_with_ort_fp32']:.1%}"
        table.append([row["variant"], f"{row['accuracy']:.2%} ({row['correct']}/{row['samples']})",
                      row["samples"], note])
    return markdown_table(["variant", "top-1 accuracy", "samples", "note"], table)


def detector_table(rows):
    table = []
    for row in rows[1:]:  # the first row is the reference itself
        if row["status"] != "ok":
            table.append([row["variant"], "-", "-", "-", row["note"]])
            continue
        table.append([row["variant"], f"{row['iou']:.4f}", f"{row['min_image_iou']:.4f}",
                      row["images"], f"max abs diff of p {row['max_abs_diff']:.3g}"])
    return markdown_table([f"variant (vs onnxruntime FP32, p > {DETECTOR_THRESHOLD})",
                           "IoU", "worst image IoU", "images", "note"], table)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ingotc", default="ingotc", help="ingotc binary (default: on PATH)")
    parser.add_argument("--ingot-run", default="ingot-run",
                        help="ingot-run binary (default: on PATH)")
    parser.add_argument("--samples", type=int, default=600,
                        help="classifier evaluation samples (default 600)")
    parser.add_argument("--calibration-samples", type=int, default=200,
                        help="classifier calibration samples (default 200)")
    parser.add_argument("--batch", type=int, default=50,
                        help="classifier batch size, compiled into the artifacts (default 50)")
    parser.add_argument("--detector-images", type=int, default=8,
                        help="detector evaluation pages, and as many calibration pages (default 8)")
    parser.add_argument("--workdir", help="keep models, artifacts and calibration sets here "
                                          "(default: a temporary folder, removed)")
    parser.add_argument("--skip-detector", action="store_true")
    parser.add_argument("--skip-classifier", action="store_true")
    parser.add_argument("--symmetric", action="store_true",
                        help="also Ingot's own INT8 with symmetric activations (all, and "
                             "CUDA's scheme)")
    parser.add_argument("--ingot-only", action="store_true",
                        help="only onnxruntime FP32 (the reference) and Ingot's FP32 "
                             "and own INT8: no onnxruntime quantization")
    parser.add_argument("--models", default=MODELS,
                        help="the shared models folder (default: ../shared/models)")
    parser.add_argument("--json", help="write every number here")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="threads for onnxruntime and ingot-run (default: all cores)")
    args = parser.parse_args()
    for flag in ("samples", "calibration_samples", "batch", "detector_images", "threads"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be at least 1")
    return args


def main():
    global CLASSIFIER, DETECTOR
    args = parse_args()
    CLASSIFIER = os.path.join(args.models, os.path.basename(CLASSIFIER))
    DETECTOR = os.path.join(args.models, os.path.basename(DETECTOR))
    started = time.perf_counter()
    for path in (CLASSIFIER, DETECTOR):
        if not os.path.exists(path):
            raise SystemExit(f"missing {path} (the shared models folder, ../shared/models)")
    text_images.font_paths()  # fails early, naming the font package
    # onnxruntime's quantizer logs advice through the root logger and its
    # sessions warn about unused initializers: noise in a report.
    logging.getLogger().setLevel(logging.ERROR)
    ort.set_default_logger_severity(3)

    workdir = args.workdir or tempfile.mkdtemp(prefix="ingot-int8-")
    os.makedirs(workdir, exist_ok=True)
    results = {"threads": args.threads}
    try:
        if not args.skip_classifier:
            eval_inputs, labels = text_images.render_direction_set(args.samples,
                                                                   CLASSIFIER_EVAL_SEED)
            calibration, _ = text_images.render_direction_set(args.calibration_samples,
                                                              CLASSIFIER_CALIBRATION_SEED)
            rows = evaluate_variants(CLASSIFIER, "cls", eval_inputs, calibration, args.batch,
                                     args, workdir, classifier_score(labels))
            results["classifier"] = {"model": os.path.relpath(CLASSIFIER, ROOT),
                                     "samples": args.samples,
                                     "calibration_samples": args.calibration_samples,
                                     "batch": args.batch, "rows": rows}
            print(f"## Text-direction classifier ({os.path.basename(CLASSIFIER)}), "
                  f"{args.samples} rendered crops, calibration on "
                  f"{args.calibration_samples} others\n")
            print(classifier_table(rows) + "\n")

        if not args.skip_detector:
            size = DETECTOR_SIZE
            eval_pages = text_images.render_documents(args.detector_images, DETECTOR_EVAL_SEED, size)
            calibration_pages = text_images.render_documents(args.detector_images,
                                                             DETECTOR_CALIBRATION_SEED, size)
            rows = evaluate_variants(DETECTOR, "det", eval_pages, calibration_pages, 1,
                                     args, workdir, detector_score)
            results["detector"] = {"model": os.path.relpath(DETECTOR, ROOT),
                                   "images": args.detector_images, "size": size,
                                   "threshold": DETECTOR_THRESHOLD, "rows": rows}
            print(f"## Text detector ({os.path.basename(DETECTOR)}), {args.detector_images} "
                  f"rendered {size}x{size} pages, calibration on {args.detector_images} others\n")
            print(detector_table(rows) + "\n")
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    results["seconds"] = round(time.perf_counter() - started, 1)
    print(f"total time {results['seconds']} s ({args.threads} threads)")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)
            out.write("\n")
    all_rows = (results.get("classifier", {}).get("rows", []) +
                results.get("detector", {}).get("rows", []))
    return 1 if any(row["status"] == "failed" for row in all_rows) else 0


if __name__ == "__main__":
    sys.exit(main())
