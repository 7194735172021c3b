"""Loads each artifact named on the command line with ingot-run and fails if
the runtime refuses it for any reason other than a missing GPU: a CUDA
artifact compiled by ingotc must pass the runtime's manifest validation
(runtime/src/ManifestValidation.cpp), which runs before the GPU is looked
for, so its tensor, buffer, step and library-call checks are exercised
without a GPU. (The CUDA kernels' buffer signatures are read from the loaded
module, so they are checked only where there is a GPU; the CUDA emulation
checks the same signatures on the host.)"""
import shutil
import subprocess
import sys

NO_GPU = ("no CUDA driver", "no CUDA device", "built without CUDA support", "no usable GPU")
failures = []
for path in sys.argv[1:]:
    p = subprocess.run([shutil.which("ingot-run"), path, "--random-inputs", "--quiet"],
                       capture_output=True, text=True)
    if p.returncode == 0:
        print(f"{path}: ran")
    elif any(s in p.stderr for s in NO_GPU):
        print(f"{path}: valid (no GPU here)")
    else:
        failures.append(f"{path}: refused: {p.stderr.strip()}")
if failures:
    print("\n".join(failures))
    sys.exit(1)
