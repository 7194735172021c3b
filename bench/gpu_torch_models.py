#!/usr/bin/env python3
"""ResNet-50 (torchvision) and BERT-base (transformers, sequence 128) on the
GPU, for scripts/gpu-check.sh on the lent GPU machine (PyTorch, no MLIR):

  1. export each model with random weights to ONNX, at batch 1 and 32;
  2. compile each with the carried, statically linked ingotc for CUDA, in
     FP32 and with --tf32;
  3. run the artifacts and compare with onnxruntime (CPU) and PyTorch (GPU);
  4. time Ingot against PyTorch eager and torch.compile on the same GPU, in
     the same run, and print the ratios, kernel counts and the achieved
     bandwidth of the largest generated kernels (INGOT_PROFILE=1).

All latencies are end to end from host memory: inputs copied to the GPU,
outputs copied back, for Ingot and PyTorch alike.

    python3 bench/gpu_torch_models.py --bundle out/gpu-check --work /tmp/tm \\
        [--json results.json] [--models resnet50,bert_base] [--batches 1,32]
"""
import argparse
import concurrent.futures
import json
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np

SEQUENCE = 128
VOCAB = 30522
# Largest |error| / largest |reference| allowed: FP32 keeps full precision
# (only the summation order differs); TF32 rounds GEMM/conv inputs to 10
# mantissa bits.
TOLERANCE = {"fp32": 1e-3, "tf32": 3e-2}
START = time.monotonic()


def log(*args):
    print(f"[{time.monotonic() - START:6.1f}s]", *args, flush=True)


def build_model(name):
    import torch

    torch.manual_seed(0)
    if name == "resnet50":
        import torchvision

        return torchvision.models.resnet50(weights=None).eval()
    from transformers import BertConfig, BertModel

    class Bert(torch.nn.Module):
        """BertModel returning (last_hidden_state, pooler_output)."""

        def __init__(self):
            super().__init__()
            self.bert = BertModel(BertConfig())  # base: 12 x 768, 12 heads

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                            token_type_ids=token_type_ids, return_dict=False)
            return out[0], out[1]

    return Bert().eval()


def make_inputs(name, batch):
    rng = np.random.default_rng(1000 + batch)
    if name == "resnet50":
        return {"input": rng.standard_normal((batch, 3, 224, 224), dtype=np.float32)}
    # Padded batches: each sequence keeps a random length of 64..128 tokens.
    lengths = rng.integers(64, SEQUENCE + 1, batch)
    mask = (np.arange(SEQUENCE)[None, :] < lengths[:, None]).astype(np.int64)
    return {"input_ids": rng.integers(0, VOCAB, (batch, SEQUENCE), dtype=np.int64),
            "attention_mask": mask,
            "token_type_ids": np.zeros((batch, SEQUENCE), dtype=np.int64)}


def output_names(name):
    return ["logits"] if name == "resnet50" else ["last_hidden_state", "pooler_output"]


def export(name, batch, folder):
    """Writes folder/model.onnx and folder/inputs.npz."""
    import torch

    os.makedirs(folder, exist_ok=True)
    feeds = make_inputs(name, batch)
    np.savez(os.path.join(folder, "inputs.npz"), **feeds)
    model = build_model(name)
    args = tuple(torch.from_numpy(v) for v in feeds.values())
    torch.onnx.export(model, args, os.path.join(folder, "model.onnx"),
                      input_names=list(feeds), output_names=output_names(name),
                      opset_version=17, dynamo=False)


def relative_error(got, ref):
    return float(np.max(np.abs(got.astype(np.float64) - ref)) / max(np.max(np.abs(ref)), 1e-30))


def compile_artifact(ingotc, folder, precision, target):
    artifact = os.path.join(folder, f"{precision}.ingot")
    cmd = [ingotc, os.path.join(folder, "model.onnx"), "--target", target,
           "-o", artifact, "--stats"] + (["--tf32"] if precision == "tf32" else [])
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=400)
    seconds = time.monotonic() - t0
    if p.returncode != 0:
        return {"ok": False, "error": (p.stderr or p.stdout)[-2000:], "seconds": seconds}
    stats = {k.strip().replace(" ", "_"): int(v) for k, v in
             re.findall(r"^([a-z ]+):\s+(\d+)", p.stderr, re.M)}
    return {"ok": True, "artifact": artifact, "seconds": seconds, "stats": stats}


def run_ingot(bin_dir, artifact, folder, tag):
    out = os.path.join(folder, "out-" + tag)
    os.makedirs(out, exist_ok=True)
    p = subprocess.run([os.path.join(bin_dir, "ingot-run"), artifact, "--inputs",
                        os.path.join(folder, "inputs.npz"), "--output-dir", out, "--quiet"],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError((p.stderr or p.stdout)[-2000:])
    return out


def bench_ingot(bin_dir, artifact, graph=True, profile=False):
    cmd = [os.path.join(bin_dir, "ingot-bench"), artifact, "--warmup", "20",
           "--iterations", "20" if profile else "200"]
    if not graph:
        cmd.append("--no-cuda-graph")
    env = dict(os.environ, INGOT_PROFILE="1") if profile else None
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    if p.returncode != 0:
        raise RuntimeError((p.stderr or p.stdout)[-2000:])
    if profile:
        return p.stderr
    return float(re.search(r"p50 ([0-9.]+)", p.stdout).group(1))


def time_torch(fn, feeds, device, iterations=100, warmup=10):
    """Median ms of host inputs -> GPU -> host outputs."""
    import torch

    cpu = [torch.from_numpy(v) for v in feeds.values()]

    def once():
        outs = fn(*[t.to(device) for t in cpu])
        outs = outs if isinstance(outs, (tuple, list)) else (outs,)
        return [o.cpu() for o in outs]

    with torch.no_grad():
        for _ in range(warmup):
            once()
        times = []
        for _ in range(iterations):
            t0 = time.perf_counter()
            once()
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def set_tf32(on):
    import torch

    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", required=True, help="out/gpu-check (bin/ingotc, bin/ingot-*)")
    ap.add_argument("--work", required=True)
    ap.add_argument("--json")
    ap.add_argument("--models", default="resnet50,bert_base")
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--target", default="cuda:sm_90",
                    help="ingotc --target; 'cpu' tries the script out on a machine without a GPU")
    ap.add_argument("--compile-budget", type=float, default=240,
                    help="seconds after which torch.compile is skipped")
    ap.add_argument("--export-one", nargs=3, metavar=("MODEL", "BATCH", "FOLDER"),
                    help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.export_one:
        export(a.export_one[0], int(a.export_one[1]), a.export_one[2])
        return 0

    bin_dir = os.path.join(a.bundle, "bin")
    ingotc = os.path.join(bin_dir, "ingotc")
    cases = [(m, int(b)) for m in a.models.split(",") for b in a.batches.split(",")]
    folder = {c: os.path.join(a.work, f"{c[0]}_b{c[1]}") for c in cases}
    results = {f"{m}_b{b}": {"model": m, "batch": b} for m, b in cases}
    status = 0

    # 1. Exports, one process each (torch's exporter is single-threaded).
    log("exporting", ", ".join(results))
    procs = {c: subprocess.Popen([sys.executable, __file__, "--bundle", a.bundle, "--work",
                                  a.work, "--export-one", c[0], str(c[1]), folder[c]])
             for c in cases}
    exported = [c for c, p in procs.items() if p.wait(timeout=300) == 0]
    for c in set(cases) - set(exported):
        results[f"{c[0]}_b{c[1]}"]["error"] = "export failed"
        status = 1
    log("exported", len(exported), "of", len(cases))

    # 2. Compiles in the background while onnxruntime and PyTorch make the
    #    references.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)
    device = "cpu" if a.target == "cpu" else "cuda"
    precisions = ("fp32",) if device == "cpu" else ("fp32", "tf32")
    compiles = {(c, prec): pool.submit(compile_artifact, ingotc, folder[c], prec, a.target)
                for c in exported for prec in precisions}

    import onnxruntime as ort
    import torch

    refs, torch_out, models = {}, {}, {}
    for c in exported:
        feeds = dict(np.load(os.path.join(folder[c], "inputs.npz")))
        sess = ort.InferenceSession(os.path.join(folder[c], "model.onnx"),
                                    providers=["CPUExecutionProvider"])
        refs[c] = sess.run(None, feeds)
        if c[0] not in models:
            models[c[0]] = build_model(c[0]).to(device)
        set_tf32(False)
        with torch.no_grad():
            outs = models[c[0]](*[torch.from_numpy(v).to(device) for v in feeds.values()])
        outs = outs if isinstance(outs, tuple) else (outs,)
        torch_out[c] = [o.cpu().numpy() for o in outs]
        r = results[f"{c[0]}_b{c[1]}"]
        r["torch_vs_ort"] = max(relative_error(t, o) for t, o in zip(torch_out[c], refs[c]))
    log("references ready")

    # 3. Correctness of every artifact.
    artifacts = {}
    for (c, prec), fut in compiles.items():
        r = results[f"{c[0]}_b{c[1]}"]
        res = fut.result()
        r[f"ingotc_{prec}_seconds"] = round(res["seconds"], 1)
        if not res["ok"]:
            r[f"{prec}_error"] = res["error"]
            log(c, prec, "compile FAILED:", res["error"][-600:])
            status = 1
            continue
        r["stats"] = res["stats"]
        try:
            out = run_ingot(bin_dir, res["artifact"], folder[c], prec)
        except Exception as e:
            r[f"{prec}_error"] = str(e)
            log(c, prec, "run FAILED:", str(e)[-600:])
            status = 1
            continue
        got = [np.load(os.path.join(out, n + ".npy")) for n in output_names(c[0])]
        r[f"{prec}_vs_ort"] = max(relative_error(g, o) for g, o in zip(got, refs[c]))
        r[f"{prec}_vs_torch"] = max(relative_error(g, t) for g, t in zip(got, torch_out[c]))
        ok = r[f"{prec}_vs_ort"] <= TOLERANCE[prec]
        log(c, prec, "max error / max |ref|: vs onnxruntime %.2e, vs torch %.2e -> %s" %
            (r[f"{prec}_vs_ort"], r[f"{prec}_vs_torch"], "ok" if ok else "FAILED"))
        if ok:
            artifacts[(c, prec)] = res["artifact"]
        else:
            status = 1

    # 4. Latency, one thing on the GPU at a time: Ingot and PyTorch eager for
    #    every case first, then torch.compile while the time budget lasts.
    def save():
        if a.json:
            with open(a.json, "w") as f:
                json.dump(results, f, indent=1, default=str)

    def report(c, prec, t):
        line = ", ".join(f"{k} {v:.3f}" for k, v in t.items())
        ratios = []
        if "ingot" in t:
            ratios.append("ingot/eager %.2f" % (t["ingot"] / t["torch_eager"]))
            if "torch_compile" in t:
                ratios.append("ingot/compile %.2f" % (t["ingot"] / t["torch_compile"]))
        log(f"{c[0]} b{c[1]} {prec} ms: {line}" + ("; " + ", ".join(ratios) if ratios else ""))

    for c in exported:
        r = results[f"{c[0]}_b{c[1]}"]
        feeds = dict(np.load(os.path.join(folder[c], "inputs.npz")))
        for prec in precisions:
            set_tf32(prec == "tf32")
            t = {}
            if (c, prec) in artifacts:
                t["ingot"] = bench_ingot(bin_dir, artifacts[(c, prec)])
                t["ingot_no_graph"] = bench_ingot(bin_dir, artifacts[(c, prec)], graph=False)
            t["torch_eager"] = time_torch(models[c[0]], feeds, device)
            r[f"{prec}_ms"] = t
            report(c, prec, t)
        if (c, "fp32") in artifacts:
            table = bench_ingot(bin_dir, artifacts[(c, "fp32")], profile=True)
            r["profile"] = table
            print(table, flush=True)
        save()

    for c in exported:
        if time.monotonic() - START > a.compile_budget:
            log("torch.compile skipped for", c, "(time budget)")
            continue
        r = results[f"{c[0]}_b{c[1]}"]
        feeds = dict(np.load(os.path.join(folder[c], "inputs.npz")))
        set_tf32(False)
        fn = torch.compile(models[c[0]], dynamic=False)
        t0 = time.monotonic()
        try:
            with torch.no_grad():
                fn(*[torch.from_numpy(v).to(device) for v in feeds.values()])
        except Exception as e:  # report, keep going
            r["torch_compile_error"] = str(e)[-500:]
            log(c, "torch.compile failed:", str(e)[-300:])
            continue
        r["torch_compile_seconds"] = round(time.monotonic() - t0, 1)
        t = r["fp32_ms"]
        t["torch_compile"] = time_torch(fn, feeds, device)
        report(c, "fp32", t)
        save()

    print(json.dumps({k: {n: v for n, v in r.items() if n != "profile"}
                      for k, r in results.items()}, indent=1, default=str))
    save()
    return status


if __name__ == "__main__":
    sys.exit(main())
