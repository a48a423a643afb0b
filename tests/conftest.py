"""Settings shared by every test, applied before any notebook kernel starts.

One BLAS thread everywhere reference outputs are produced or checked: multithreaded reductions may add in a
different order and change the last digits of a printed number. Kernels started by nbval inherit this
process's environment.
"""

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
