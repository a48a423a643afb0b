"""Settings shared by every test, applied before any notebook kernel starts.

This file sits at the repository root so that it applies however pytest is invoked, including on a single
notebook (``pytest book/part1/vectorization.ipynb``). One BLAS thread everywhere reference outputs are
produced or checked: multithreaded reductions may add in a different order and change the last digits of a
printed number. Kernels started by nbval inherit this process's environment. (The Matplotlib backend is
left alone: notebook kernels need their inline backend for figures to appear as outputs.)
"""

import os

# scikit-learn's estimator checks include array-API input checks, which skip unless SciPy's array-API
# support is switched on before SciPy is first imported. Switch it on so that those checks run.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# The portability test (tests/test_portability.py, scripts/portability.py) asks for two threads through
# BOOK_BLAS_THREADS; everything else runs with one.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = os.environ.get("BOOK_BLAS_THREADS", "1")
