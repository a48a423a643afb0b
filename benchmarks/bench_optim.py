"""Cost of one epoch of mini-batch training with lib.optim, against the same loop written by hand.

Run from the repository root, in the project's environment (torch is optional)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/bench_optim.py
    python benchmarks/bench_optim.py --n 200000 --repeats 2      # a quicker run

The problem is least squares, J(w, b) = (1/n) ||X w + b - y||^2, with n = 1,000,000 samples and d = 50
float64 features, trained for one epoch with batches of 256 (3,907 steps). Every variant computes the same
mini-batch gradient in the same way and visits the batches in the same shuffled order; they differ only in
who applies the update:

* ``hand SGD`` / ``hand Adam``: the update written inline with NumPy, the floor to compare against;
* ``lib SGD`` / ``lib Adam``: ``theta = opt.step(theta, grad)`` with ``lib.optim``;
* ``torch SGD`` / ``torch Adam``: ``torch.optim`` on float64 tensors (only when torch is installed), with the
  gradient computed by the same formula in torch and assigned to ``.grad`` (no autograd);
* ``sklearn SGDRegressor``: one epoch of scikit-learn's own SGD (one sample per step, compiled code), for
  scale: a different algorithm, reported because it is what a reader might reach for.

It also reports the cost of one full-batch gradient-descent iteration with ``lib.optim.SGD`` in passes over
``X``, where one pass is the time of ``X @ v`` for a vector ``v`` (a streaming read of X).

Each time is the best of ``--repeats`` runs. The script prints a table with ratios to the hand-written loop.
DESIGN's targets: lib at most 1.3x the hand-written loop, faster than torch.optim and SGDRegressor per epoch;
full-batch gradient descent at most 2.5 passes over X per iteration.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDRegressor

import lib.optim
import lib.rng


def make_problem(n, d, seed):
    rng = lib.rng.make_rng(seed)
    X = rng.normal(size=(n, d))
    w_true = rng.normal(size=d)
    y = X @ w_true + 0.5 + 0.1 * rng.normal(size=n)
    return X, y


def batch_gradient(Xb, yb, w, b):
    """Gradient of the mean squared error on one batch, with respect to w and b."""
    residual = Xb @ w + b - yb
    scale = 2.0 / len(yb)
    return scale * (Xb.T @ residual), scale * residual.sum()


def batches(n, batch_size, seed):
    order = lib.rng.make_rng(seed).permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def epoch_hand_sgd(X, y, index_batches, lr):
    w, b = np.zeros(X.shape[1]), 0.0
    for idx in index_batches:
        grad_w, grad_b = batch_gradient(X[idx], y[idx], w, b)
        w -= lr * grad_w
        b -= lr * grad_b
    return w, b


def epoch_hand_adam(X, y, index_batches, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    d = X.shape[1]
    w, b = np.zeros(d), 0.0
    m_w, v_w, m_b, v_b = np.zeros(d), np.zeros(d), 0.0, 0.0
    for t, idx in enumerate(index_batches, start=1):
        grad_w, grad_b = batch_gradient(X[idx], y[idx], w, b)
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w * grad_w
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b * grad_b
        correction1, correction2 = 1 - beta1**t, 1 - beta2**t
        w = w - lr / correction1 * m_w / (np.sqrt(v_w / correction2) + eps)
        b = b - lr / correction1 * m_b / (np.sqrt(v_b / correction2) + eps)
    return w, b


def epoch_lib(X, y, index_batches, optimizer):
    theta = {"w": np.zeros(X.shape[1]), "b": np.zeros(1)}
    for idx in index_batches:
        grad_w, grad_b = batch_gradient(X[idx], y[idx], theta["w"], theta["b"][0])
        theta = optimizer.step(theta, {"w": grad_w, "b": np.array([grad_b])})
    return theta["w"], theta["b"][0]


def epoch_torch(torch, X, y, index_batches, make_optimizer):
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer([w, b])
    batches_t = [torch.from_numpy(idx) for idx in index_batches]
    with torch.no_grad():
        for idx in batches_t:
            Xb, yb = Xt[idx], yt[idx]
            residual = Xb @ w + b - yb
            scale = 2.0 / len(yb)
            w.grad = scale * (Xb.T @ residual)
            b.grad = (scale * residual.sum()).reshape(1)
            optimizer.step()
    return w.detach().numpy(), float(b.detach()[0])


def epoch_sklearn(X, y):
    model = SGDRegressor(max_iter=1, tol=None, shuffle=True, random_state=0, learning_rate="invscaling", eta0=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return model.coef_, float(model.intercept_[0])


def best_time(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def full_batch_costs(X, y, repeats):
    """Seconds per full-batch GD iteration with lib.optim.SGD, and seconds per streaming pass over X."""
    n, d = X.shape
    v = np.ones(d)
    pass_time, _ = best_time(lambda: X @ v, max(repeats, 5))
    optimizer = lib.optim.SGD(lr=0.1)
    theta = {"w": np.zeros(d), "b": np.zeros(1)}

    def one_iteration():
        nonlocal theta
        residual = X @ theta["w"] + theta["b"][0] - y
        grad = {"w": (2.0 / n) * (X.T @ residual), "b": np.array([(2.0 / n) * residual.sum()])}
        theta = optimizer.step(theta, grad)

    iteration_time, _ = best_time(one_iteration, max(repeats, 5))
    return iteration_time, pass_time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="samples (default 1,000,000)")
    parser.add_argument("--d", type=int, default=50, help="features (default 50)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3, help="runs per variant; the best is reported")
    args = parser.parse_args()

    X, y = make_problem(args.n, args.d, seed=0)
    index_batches = batches(args.n, args.batch_size, seed=1)
    sgd_lr, adam_lr = 0.01, 0.01
    variants = {
        "hand SGD": lambda: epoch_hand_sgd(X, y, index_batches, sgd_lr),
        "lib SGD": lambda: epoch_lib(X, y, index_batches, lib.optim.SGD(lr=sgd_lr)),
        "hand Adam": lambda: epoch_hand_adam(X, y, index_batches, adam_lr),
        "lib Adam": lambda: epoch_lib(X, y, index_batches, lib.optim.Adam(lr=adam_lr)),
    }
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(1)
        variants["torch SGD"] = lambda: epoch_torch(torch, X, y, index_batches,
                                                    lambda p: torch.optim.SGD(p, lr=sgd_lr))
        variants["torch Adam"] = lambda: epoch_torch(torch, X, y, index_batches,
                                                     lambda p: torch.optim.Adam(p, lr=adam_lr))
    variants["sklearn SGDRegressor"] = lambda: epoch_sklearn(X, y)

    seconds, results = {}, {}
    for name, run in variants.items():
        seconds[name], results[name] = best_time(run, args.repeats)

    # The same update on the same batches must give the same parameters, or the timing compares different work.
    for a, b in [("hand SGD", "lib SGD"), ("hand Adam", "lib Adam"), ("hand SGD", "torch SGD"),
                 ("hand Adam", "torch Adam")]:
        if a in results and b in results:
            np.testing.assert_allclose(results[b][0], results[a][0], rtol=1e-9, atol=1e-12)

    steps = len(index_batches)
    print(f"one epoch: n = {args.n:,}, d = {args.d}, batch {args.batch_size} ({steps:,} steps), float64, "
          f"best of {args.repeats}; numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch is not None else ", torch not installed")
          + f"; {platform.processor() or platform.machine()}")
    print(f"{'variant':<22}{'ms / epoch':>12}{'us / step':>12}{'vs hand SGD':>14}{'vs hand Adam':>14}")
    for name, value in seconds.items():
        print(f"{name:<22}{1e3 * value:>12.1f}{1e6 * value / steps:>12.1f}"
              f"{value / seconds['hand SGD']:>13.2f}x{value / seconds['hand Adam']:>13.2f}x")
    iteration, one_pass = full_batch_costs(X, y, args.repeats)
    print(f"full-batch GD with lib SGD: {1e3 * iteration:.1f} ms per iteration, one pass over X (X @ v) "
          f"{1e3 * one_pass:.1f} ms: {iteration / one_pass:.2f} passes per iteration")


if __name__ == "__main__":
    main()
