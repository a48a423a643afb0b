"""Cost of one mini-batch epoch of ``LinearRegression(solver="gd")``, against the same loop written by hand.

Run from the repository root, in the project's environment::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/bench_fit.py
    python benchmarks/bench_fit.py --n 200000 --repeats 5       # a quicker run
    python benchmarks/bench_fit.py --profile                     # where the estimator's time goes

The problem is least squares, J(w, b) = (1/n) ||X w + b - y||^2, with n = 1,000,000 samples and d = 50 float64
features, batches of 256 (3,907 steps an epoch), plain SGD with learning rate 0.01. Both variants do the
same work in each epoch:

* the epoch's order from ``np.random.default_rng([seed, epoch]).permutation(n)`` (what
  ``lib.data.MiniBatches`` draws), cut into batches;
* at every step, the batch's rows, the residual, the gradient of the batch's mean squared error with
  respect to ``w`` and ``b``, and the SGD update;
* after the epoch, J on all the data (the estimator's ``history_``).

``hand`` writes that loop inline in NumPy; ``LinearRegression`` is ``lib.models.LinearRegression(solver="gd",
learning_rate=0.01, batch_size=256, tol=0)``, which runs it through ``lib.train.train`` (and also records
each batch's loss and gradient norm, and checks them for divergence). The cost of an epoch is measured as
``(time of E + 1 epochs - time of 1 epoch) / E``, so that what a fit does once (``validate_data`` checking
X for NaN, building the objective) is left out. Each repeat times both variants back to back, and the
script reports the median over ``--repeats`` of the ratio, because this machine is shared. It first checks
that both variants end with the same weights (to rounding), so that the timing compares the same work.
DESIGN's target: at most 1.3 times the hand-written loop.
"""

from __future__ import annotations

import argparse
import cProfile
import platform
import pstats
import statistics
import time

import numpy as np

import lib.rng
from lib.models import LinearRegression


def make_problem(n, d, seed):
    rng = lib.rng.make_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 0.5 + 0.1 * rng.normal(size=n)
    return X, y


def fit_by_hand(X, y, epochs, lr, batch_size, seed):
    """Mini-batch SGD on the mean squared error, written out; returns (w, b, J after each epoch)."""
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    history = []
    for epoch in range(epochs):
        order = np.random.default_rng([seed, epoch]).permutation(n)
        for start in range(0, n, batch_size):
            rows = order[start:start + batch_size]
            X_batch = X[rows]
            residual = X_batch @ w + b - y[rows]
            scale = 2.0 / len(rows)
            w = w - lr * (scale * (X_batch.T @ residual))
            b = b - lr * (scale * residual.sum())
        residual = X @ w + b - y
        history.append(float(residual @ residual) / n)
    return w, b, history


def fit_with_lib(X, y, epochs, lr, batch_size, seed):
    model = LinearRegression(learning_rate=lr, batch_size=batch_size, epochs=epochs, tol=0, seed=seed).fit(X, y)
    return model.coef_, model.intercept_, model.history_


def seconds(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="samples (default 1,000,000)")
    parser.add_argument("--d", type=int, default=50, help="features (default 50)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=2, help="extra epochs timed, E (default 2)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per variant; the median is reported")
    parser.add_argument("--profile", action="store_true", help="profile one epoch of the estimator and stop")
    args = parser.parse_args()

    X, y = make_problem(args.n, args.d, seed=0)
    lr, seed = 0.01, 1
    variants = {"hand": fit_by_hand, "LinearRegression": fit_with_lib}
    if args.profile:
        cProfile.runctx("fit_with_lib(X, y, 1, lr, args.batch_size, seed)", globals(), locals(), "/tmp/bench_fit.prof")
        pstats.Stats("/tmp/bench_fit.prof").sort_stats("tottime").print_stats(15)
        return

    # The same updates on the same batches must give the same weights, or the timing compares different work.
    (w_hand, b_hand, j_hand), (w_lib, b_lib, j_lib) = (run(X, y, 1, lr, args.batch_size, seed)
                                                         for run in variants.values())
    np.testing.assert_allclose(w_lib, w_hand, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose([b_lib, *j_lib], [b_hand, *j_hand], rtol=1e-10)

    # Each repeat times both variants, 1 and 1 + E epochs each, back to back, so that a change in the machine's
    # load hits both alike; the ratio is the median of the repeats' ratios.
    per_epoch = {name: [] for name in variants}
    for _ in range(args.repeats):
        for name, run in variants.items():
            short = seconds(lambda run=run: run(X, y, 1, lr, args.batch_size, seed), 1)[0]
            long = seconds(lambda run=run: run(X, y, 1 + args.epochs, lr, args.batch_size, seed), 1)[0]
            per_epoch[name].append((long - short) / args.epochs)
    ratios = [lib / hand for lib, hand in zip(per_epoch["LinearRegression"], per_epoch["hand"], strict=True)]

    steps = -(-args.n // args.batch_size)
    print(f"one epoch: n = {args.n:,}, d = {args.d}, batch {args.batch_size} ({steps:,} steps), float64, "
          f"median of {args.repeats}; numpy {np.__version__}; {platform.processor() or platform.machine()}")
    print(f"{'variant':<20}{'ms / epoch':>12}{'us / step':>12}")
    for name, values in per_epoch.items():
        value = statistics.median(values)
        print(f"{name:<20}{1e3 * value:>12.1f}{1e6 * value / steps:>12.2f}")
    print(f"LinearRegression / hand: {statistics.median(ratios):.2f}x (median of {args.repeats} repeats; "
          f"all: {', '.join(f'{ratio:.2f}' for ratio in ratios)})")


if __name__ == "__main__":
    main()
