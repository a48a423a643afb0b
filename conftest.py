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


# The longest tests start first. pytest-xdist (``--dist loadscope``, two workers) hands out whole modules and
# classes in collection order (``--no-loadscope-reorder`` in pyproject.toml), so a long one collected last runs
# alone while the other worker idles. The two portability runs (each re-executes every chapter) and the book
# build go first, then the notebooks under nbval, then the unit tests, which are many and short and fill the gaps.
def _start_order(item) -> int:
    if item.nodeid.startswith("tests/test_portability.py::Test"):
        return 0
    if item.nodeid.startswith("tests/test_book_build.py"):
        return 1
    if item.nodeid.split("::")[0].endswith(".ipynb"):
        return 2
    return 3


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=_start_order)  # stable: the cells of a notebook keep their order
