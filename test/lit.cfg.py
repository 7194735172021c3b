# lit configuration for Ingot's FileCheck suites.
import os

import lit.formats

config.name = "Ingot"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".py", ".test"]
config.excludes = ["lit.cfg.py", "lit.local.cfg", "lib", "inputs", "node_shapes.py", "node_numeric.py",
                   "node_symbolic.py"]
config.test_source_root = os.path.dirname(__file__)

site = lit_config.params.get("ingot_site_config")
if not site:
    lit_config.fatal("run through ctest, or pass --param ingot_site_config=<build>/test/lit.site.cfg.py")
lit_config.load_config(config, site)
config.test_exec_root = os.path.join(config.ingot_obj_root, "test")

# Tools: the built ones first, then LLVM's FileCheck/not.
runtime_tools_dir = os.path.join(config.ingot_obj_root, "runtime")
path = os.pathsep.join([config.ingot_tools_dir, runtime_tools_dir, config.llvm_tools_dir,
                        config.environment.get("PATH", os.environ["PATH"])])
config.environment["PATH"] = path
config.environment["PYTHONPATH"] = os.path.join(config.test_source_root, "lib")
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%shared_models", config.shared_models_dir))
config.substitutions.append(("%ingot_runtime_dir", runtime_tools_dir))

if os.path.isdir(config.shared_models_dir) and os.listdir(config.shared_models_dir):
    config.available_features.add("shared-models")
else:
    lit_config.note(f"no shared models at {config.shared_models_dir}: those tests are UNSUPPORTED")

# CUDA: generated kernels are compiled with nvcc wherever it is installed
# (no GPU needed); without it those tests are UNSUPPORTED, visibly.
import shutil as _shutil
nvcc = _shutil.which("nvcc") or ("/usr/local/cuda/bin/nvcc" if os.path.exists("/usr/local/cuda/bin/nvcc") else None)
if nvcc:
    config.available_features.add("nvcc")
    config.substitutions.append(("%nvcc", nvcc))
    config.environment["INGOT_NVCC"] = nvcc
    config.environment["INGOT_CUDA_EMULATOR"] = config.cuda_emulator
    config.environment["INGOT_CUDA_EMULATION_DIR"] = config.cuda_emulation_dir
else:
    lit_config.note("nvcc not found: CUDA compile tests are UNSUPPORTED")

# Host architecture, for tests of x86 CPU-feature checks.
import platform as _platform
if _platform.machine() in ("x86_64", "AMD64"):
    config.available_features.add("x86_64")
