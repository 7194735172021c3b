"""Accuracy metrics of an output against its reference, shared by
bench/precision_report.py (which documents them) and the reduced-precision
model tests; and the INT8 accuracy tests' run of bench/int8_accuracy.py."""
import json
import os
import subprocess
import sys

import numpy as np

# elem rel: pointwise relative error with a floor of 1% of the output's scale.
ELEM_REL_FLOOR = 1e-2


def metrics(x, r):
    """The metrics of the docstring, for one output."""
    x = np.asarray(x, dtype=np.float64)
    r = np.asarray(r, dtype=np.float64)
    nonfinite = int(x.size - np.count_nonzero(np.isfinite(x)))
    err = np.abs(x - r)
    scale = float(np.max(np.abs(r))) if r.size else 0.0
    max_abs = float(np.max(err)) if err.size else 0.0
    # An all-zero reference has no scale: max rel is 0 when Ingot's output
    # is all zeros too, inf otherwise.
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf"))
    floor = np.maximum(np.abs(r), ELEM_REL_FLOOR * scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        elem = np.where(err == 0, 0.0, err / floor)
    elem_rel = float(np.max(elem)) if elem.size else 0.0
    nx, nr = float(np.linalg.norm(x)), float(np.linalg.norm(r))
    if nx == 0 and nr == 0:
        cosine = 1.0
    elif nx == 0 or nr == 0:
        cosine = 0.0
    else:
        with np.errstate(invalid="ignore"):  # inf / inf: NaN, reported as such
            cosine = float(np.dot(x.ravel(), r.ravel()) / (nx * nr))
    # Rows over the last axis; a scalar is one row of one element.
    last = x.shape[-1] if x.ndim else 1
    if x.size == 0:
        argmax = 1.0
    else:
        # Ties in the reference (all-zero rows of a saturated sigmoid, equal
        # logits) count as agreement: the row agrees when Ingot's argmax
        # holds the reference row's maximum, whichever index np.argmax picks.
        xr, rr = x.reshape(-1, last), r.reshape(-1, last)
        picked = np.take_along_axis(rr, np.argmax(xr, axis=1)[:, None], axis=1)[:, 0]
        argmax = float(np.mean(picked == rr.max(axis=1)))
    return {"max_abs": max_abs, "max_rel": max_rel, "elem_rel": elem_rel,
            "cosine": cosine, "argmax": argmax, "rows": x.size // max(last, 1),
            "nonfinite": nonfinite}


def int8_accuracy_rows(work, models, model, *args):
    """Runs bench/int8_accuracy.py on the shared `models` folder with `args`,
    its files in `work`, and returns the rows of `model` ("classifier" or
    "detector") by key; prints its tables, and exits with 1 if it fails."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.makedirs(work, exist_ok=True)
    report = os.path.join(work, "accuracy.json")
    p = subprocess.run([sys.executable, os.path.join(root, "bench", "int8_accuracy.py"),
                        "--models", models, *args, "--threads", "2", "--workdir", work,
                        "--json", report], capture_output=True, text=True)
    print(p.stdout[-4000:])
    if p.returncode != 0:
        print(p.stderr[-4000:])
        sys.exit(1)
    return {r["key"]: r for r in json.load(open(report))[model]["rows"]}
