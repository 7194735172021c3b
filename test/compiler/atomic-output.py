# ingotc -o writes the artifact whole or not at all (issue #13): it used to
# open (truncate) the output first, so a killed or failing run left a
# truncated or missing file where a good artifact had been.
# RUN: %python %s %t %S/../../examples/models/tiny_cnn.onnx
import os
import shutil
import signal
import subprocess
import sys
import time

from onnx_testing import out_dir

folder = out_dir()
ingotc = shutil.which("ingotc")
sample = sys.argv[2]
target = os.path.join(folder, "model.ingot")
problems = []

subprocess.run([ingotc, sample, "--input-shape", "input:1x3x32x32", "-o", target], check=True,
               capture_output=True)
good = open(target, "rb").read()

# A compile that fails late (the host C++ compiler fails, long after the old
# code had opened and truncated the output) leaves the previous artifact.
env = dict(os.environ, INGOT_CXX="/bin/false")
p = subprocess.run([ingotc, sample, "--input-shape", "input:1x3x32x32", "-o", target],
                   capture_output=True, text=True, env=env)
if p.returncode != 1 or not os.path.exists(target) or open(target, "rb").read() != good:
    problems.append(f"a failed compile changed or removed the existing artifact "
                    f"(exit {p.returncode}): {p.stderr}")

# -o to something that is not a regular file is written directly (no
# temporary file can be made beside /dev/stdout).
p = subprocess.run([ingotc, sample, "--input-shape", "input:1x3x32x32", "-o", "/dev/stdout"],
                   capture_output=True)
if p.returncode != 0 or not p.stdout.startswith(b"INGOT\0"):
    problems.append(f"-o /dev/stdout failed (exit {p.returncode}): {p.stderr.decode()[-500:]}")

# A run killed while it compiles (the host C++ compiler takes a while)
# leaves either the old artifact or, if it had finished, a complete one.
for delay in (0.2, 0.5, 1.0):
    proc = subprocess.Popen([ingotc, sample, "--input-shape", "input:3x3x32x32", "-o", target],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    data = open(target, "rb").read()
    if data != good:
        check = subprocess.run([shutil.which("ingot-run"), target, "--info"],
                               capture_output=True, text=True)
        if check.returncode != 0 or "3, 3, 32, 32" not in check.stdout:
            problems.append(f"killed after {delay} s: {len(data)} bytes, neither the old "
                            f"artifact nor a complete new one:\n{check.stderr}")
        good = data

if problems:
    print("\n".join(problems))
    sys.exit(1)
print("artifact writes are atomic")
