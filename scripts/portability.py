"""Check that the chapters' stored outputs hold on other CPUs and thread counts, not only on this machine's.

Usage (from the repository root, inside the project's environment)::

    python scripts/portability.py                                  # every chapter
    python scripts/portability.py book/part3/adam.ipynb            # some chapters

A chapter's reference outputs are recorded on one machine. NumPy's OpenBLAS chooses a kernel for the CPU it
runs on (AVX2 "Haswell", AVX-512 "SkylakeX", ...), NumPy chooses SIMD loops for it too, and different kernels
add in different orders, so the last bits of a result differ from CPU to CPU. A printed number that shows those
bits would pass on the author's machine and fail on a reader's. This script runs nbval (strict, as the tests
do) on the stored notebooks again under each configuration below and names every cell whose output changes:

- ``generic kernel``: OpenBLAS's generic x86-64 kernel (``OPENBLAS_CORETYPE=Prescott``, SSE3, which every
  x86-64 CPU runs) and NumPy's baseline loops with every optional SIMD extension switched off
  (``NPY_DISABLE_CPU_FEATURES``);
- ``AVX2 kernel with 2 BLAS threads``: OpenBLAS's AVX2 kernel (``Haswell``) and NumPy without its AVX-512
  loops, as on most laptops and many servers (on a CPU that has AVX2), with BLAS work split over two threads.
  The two changes share one run because each re-executes every chapter: a number that depends on either the
  kernel or the thread count prints differently here.

A configuration that cannot be forced here (a CPU that is not x86-64, a BLAS that is not OpenBLAS) is
reported as not applicable, with the reason; it is never silently passed.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import re
import subprocess
import sys
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parent.parent
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"

# The BLAS thread count is set through the usual variables and through ``BOOK_BLAS_THREADS``, which the root
# conftest.py reads (it otherwise pins every BLAS to one thread).
THREADS_VARIABLE = "BOOK_BLAS_THREADS"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Configuration:
    """A way of running the chapters that must leave every stored output unchanged."""

    name: str
    environment: dict[str, str] = field(default_factory=dict)
    expected_architectures: tuple[str, ...] = ()
    threads: int = 1
    needs_cpu_flag: str | None = None


def _numpy_dispatch_targets() -> list[str]:
    """NumPy's optional SIMD targets (those above its baseline), which ``NPY_DISABLE_CPU_FEATURES`` can turn off."""
    from numpy._core import _multiarray_umath

    return list(_multiarray_umath.__cpu_dispatch__)


# The names OpenBLAS reports for its generic x86-64 kernel: builds differ, and scipy-openblas 0.3.31 says
# "Katmai" when OPENBLAS_CORETYPE=Prescott is in force.
GENERIC_NAMES = ("Prescott", "Katmai")


def configurations() -> list[Configuration]:
    """The configurations every stored output must survive (see the module docstring)."""
    targets = _numpy_dispatch_targets()
    generic = {"OPENBLAS_CORETYPE": "Prescott", "NPY_DISABLE_CPU_FEATURES": " ".join(targets)}
    # An AVX2 machine: OpenBLAS's Haswell kernel, NumPy without its AVX-512 loops (X86_V4 and later).
    above_avx2 = targets[targets.index("X86_V4"):] if "X86_V4" in targets else []
    avx2 = {"OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": " ".join(above_avx2)}
    return [
        Configuration("generic kernel", generic, expected_architectures=GENERIC_NAMES),
        Configuration("AVX2 kernel with 2 BLAS threads", avx2, expected_architectures=("Haswell",), threads=2,
                      needs_cpu_flag="avx2"),
    ]


_PROBE = """
import json
import numpy as np
from threadpoolctl import threadpool_info
blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
np.ones((64, 64)) @ np.ones((64, 64))
print(json.dumps({"blas": blas}))
"""


def environment(configuration: Configuration) -> dict[str, str]:
    """This process's environment with ``configuration``'s variables and thread count."""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("NPY_DISABLE_CPU_FEATURES", None)
    env.update(configuration.environment)
    for name in (THREADS_VARIABLE, *THREAD_VARIABLES):
        env[name] = str(configuration.threads)
    return env


def _cpu_flags() -> set[str]:
    """The CPU's feature flags, from /proc/cpuinfo (empty where there is no such file)."""
    cpuinfo = pathlib.Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        return set()
    for line in cpuinfo.read_text().splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def not_applicable(configuration: Configuration) -> str | None:
    """Why ``configuration`` cannot be forced on this machine, or None if it can.

    It asks a fresh interpreter, started with the configuration's environment, which BLAS it loaded, with
    which kernel and how many threads; a variable OpenBLAS ignored would otherwise pass unnoticed.
    """
    if configuration.expected_architectures and platform.machine().lower() not in ("x86_64", "amd64"):
        return f"{configuration.name}: OpenBLAS's x86-64 kernels do not exist on a {platform.machine()} CPU"
    if configuration.needs_cpu_flag and configuration.needs_cpu_flag not in _cpu_flags():
        return f"{configuration.name}: this CPU has no {configuration.needs_cpu_flag.upper()}"
    probe = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                           env=environment(configuration), timeout=120)
    if probe.returncode != 0:
        return f"{configuration.name}: NumPy did not start in this configuration:\n{probe.stderr.strip()}"
    blas = json.loads(probe.stdout)["blas"]
    if not blas or blas[0]["internal_api"] != "openblas":
        found = blas[0]["internal_api"] if blas else "none"
        return f"{configuration.name}: NumPy's BLAS is {found}, not OpenBLAS, so its kernel cannot be forced"
    info = blas[0]
    if configuration.expected_architectures and info.get("architecture") not in configuration.expected_architectures:
        return (f"{configuration.name}: OpenBLAS kept the {info.get('architecture')} kernel "
                f"(not built with DYNAMIC_ARCH?)")
    if info["num_threads"] != configuration.threads:
        return f"{configuration.name}: OpenBLAS runs {info['num_threads']} threads, not {configuration.threads}"
    return None


@dataclass
class Result:
    """The outcome of running nbval on some notebooks in one configuration."""

    configuration: Configuration
    returncode: int
    failed_cells: list[str]
    report: str

    @property
    def passed(self) -> bool:
        return self.returncode == 0


def _differences(output: str) -> str:
    """The failing cells' names and their differing lines, from pytest's report."""
    output = re.sub(r"\x1b\[[0-9;]*m", "", output)
    lines, keep = [], False
    for line in output.splitlines():
        if re.match(r"^_{3,} .*::Cell \d+ _{3,}$", line):
            lines.append(line.strip("_ "))
            keep = False
        elif line.strip().startswith(("Traceback:", "mismatch")):
            keep = True
        elif keep and re.match(r"^\s{2}[-+] ", line):
            lines.append("   " + line.strip())
        elif re.match(r"^=+ short test summary", line):
            keep = False
    return "\n".join(lines)


def run(configuration: Configuration, notebooks: list[pathlib.Path], workers: int = 1) -> Result:
    """Run nbval on ``notebooks`` in ``configuration``; name the cells whose outputs change."""
    command = [sys.executable, "-m", "pytest", "-q", "--no-header", "-rf", "-p", "no:cacheprovider",
               "-n", str(workers), "--dist", "loadscope", "--nbval", "--nbval-current-env",
               "--nbval-sanitize-with", str(SANITIZE), *[str(nb) for nb in notebooks]]
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                               env=environment(configuration), timeout=1800)
    failed = re.findall(r"^FAILED (\S*::Cell \d+)", completed.stdout, flags=re.MULTILINE)
    report = _differences(completed.stdout) if failed else completed.stdout[-2000:]
    return Result(configuration, completed.returncode, failed, report)


def stored_notebooks(paths: list[str]) -> list[pathlib.Path]:
    """The ``.ipynb`` files named (a ``.md`` names its pair), or every chapter's."""
    if not paths:
        return sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    return [pathlib.Path(p).resolve().with_suffix(".ipynb") for p in paths]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help=".ipynb or .md files (default: every chapter)")
    parser.add_argument("-n", "--workers", type=int, default=2, help="pytest-xdist workers")
    args = parser.parse_args()
    notebooks = stored_notebooks(args.notebooks)
    status = 0
    for configuration in configurations():
        reason = not_applicable(configuration)
        if reason:
            print(f"NOT APPLICABLE {reason}")
            continue
        result = run(configuration, notebooks, args.workers)
        if result.passed:
            print(f"ok {configuration.name}: the stored outputs of {len(notebooks)} notebook(s) hold")
        else:
            status = 1
            print(f"FAILED {configuration.name}: {len(result.failed_cells)} cell(s) print different outputs\n"
                  f"{result.report}")
    return status


if __name__ == "__main__":
    sys.exit(main())
