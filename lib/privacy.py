r"""Data security in training: what leaks, and the defences built and attacked in the chapter *Data Security*.

The parameters of a model are a dict ``{"w": w, "b": b}``, as in :class:`lib.models.LinearObjective`, always
with an intercept. Three models are supported by name, each with its per-example loss :math:`\ell_i`:

* ``"linear"``: :math:`z_i = x_i^\top w + b`, :math:`\ell_i = (z_i - y_i)^2` (:class:`lib.losses.MSE`);
* ``"logistic"``: :math:`\ell_i = \log(1 + e^{z_i}) - y_i z_i` with :math:`y_i \in \{0, 1\}`
  (:class:`lib.losses.BinaryCrossEntropy`);
* ``"softmax"``: :math:`z_i = W^\top x_i + b \in \mathbb{R}^k`, the cross-entropy of integer labels
  (:class:`lib.losses.CrossEntropy`); ``w`` has shape ``(d, k)`` and ``b`` shape ``(k,)``.

The module has five parts.

* **De-identification**: :func:`sha256_hex`, :func:`dictionary_attack` (hashing an identifier from a small
  space is not anonymization) and :func:`k_anonymity` :cite:p:`sweeney2002k`.
* **Federated averaging** :cite:p:`mcmahan2017communication`: :func:`split_iid`, :func:`split_by_label`,
  :func:`fedavg`, on the analytic gradients :func:`per_example_gradients` and :func:`mean_gradient`.
* **Gradient leakage** :cite:p:`zhu2019deep`: :func:`recover_example` reads a single example off its gradient;
  :func:`gradient_matching_attack` reconstructs a batch from its averaged gradient.
* **Secure aggregation with pairwise masks** :cite:p:`bonawitz2017practical`: :func:`fixed_point_encode`,
  :func:`pairwise_seeds`, :func:`mask_update`, :func:`aggregate`, :func:`unmask_dropped`.
* **Differential privacy**: DP-SGD :cite:p:`abadi2016deep` (:func:`clip_per_example`, :func:`dp_sgd`) and a
  Rényi-DP accountant for the Poisson-subsampled Gaussian mechanism :cite:p:`mironov2017renyi,mironov2019r`
  (:func:`rdp_subsampled_gaussian`, :func:`rdp_to_epsilon`, :func:`dp_sgd_epsilon`), which follows the orders
  and the conversion of Google's ``dp-accounting`` so that the two can be compared number for number.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, log_ndtr

from lib.checks import (
    Interval,
    InvalidParameterError,
    Options,
    as_float_array,
    check_finite,
    check_params,
    message,
)
from lib.losses import sigmoid, softmax
from lib.rng import SEED_CONSTRAINT, make_rng

__all__ = [
    "sha256_hex",
    "dictionary_attack",
    "k_anonymity",
    "MODELS",
    "per_example_gradients",
    "mean_gradient",
    "predict",
    "accuracy",
    "split_iid",
    "split_by_label",
    "FedAvgResult",
    "fedavg",
    "recover_example",
    "AttackResult",
    "gradient_matching_attack",
    "fixed_point_encode",
    "fixed_point_decode",
    "pairwise_seeds",
    "client_mask",
    "mask_update",
    "aggregate",
    "unmask_dropped",
    "clip_per_example",
    "DPSGDResult",
    "dp_sgd",
    "DEFAULT_ORDERS",
    "rdp_subsampled_gaussian",
    "rdp_to_epsilon",
    "dp_sgd_epsilon",
]

Params = dict[str, np.ndarray]

#: The models :func:`per_example_gradients` differentiates.
MODELS = ("linear", "logistic", "softmax")

_POSITIVE = Interval(Real, 0, None, closed="neither")
_POSITIVE_INT = Interval(Integral, 1, None)
_CONSTRAINTS = {
    "model": [Options(*MODELS)],
    "q": [Interval(Real, 0, 1, closed="right", hint="q is the probability that an example joins a batch")],
    "noise_multiplier": [_POSITIVE],
    "delta": [Interval(Real, 0, 1, closed="neither")],
    "steps": [Interval(Integral, 0, None)],
    "max_norm": [_POSITIVE],
    "lr": [_POSITIVE],
    "rounds": [Interval(Integral, 0, None)],
    "local_steps": [_POSITIVE_INT],
    "client_fraction": [Interval(Real, 0, 1, closed="right")],
    "n_clients": [_POSITIVE_INT],
    "fractional_bits": [Interval(Integral, 0, 52)],
    "seed": [SEED_CONSTRAINT],
}


def _check(owner: str, **params: object) -> dict:
    return check_params(owner, params, {name: _CONSTRAINTS[name] for name in params})


# ---------------------------------------------------------------------------------------------------------
# De-identification
# ---------------------------------------------------------------------------------------------------------


def sha256_hex(text: str) -> str:
    """The SHA-256 digest of ``text`` (UTF-8), as 64 hexadecimal characters, with no salt.

    >>> sha256_hex("02139")[:16]
    '37ee873de5c1aa94'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dictionary_attack(hashes: Iterable[str], candidates: Iterable[str]) -> dict[str, str]:
    """Reverse unsalted SHA-256 hashes by hashing every candidate: ``{hash: preimage}`` for those found.

    A hash is a one-way function only when its input is hard to guess. A 5-digit ZIP code has 100000
    values; hashing all of them and looking each digest up reverses every hash of a ZIP code.

    Parameters
    ----------
    hashes : iterable of str
        Hex digests as :func:`sha256_hex` returns them.
    candidates : iterable of str
        Every value the identifier may take.

    Returns
    -------
    dict
        The preimage of each hash that a candidate produced; hashes that none produced are absent.

    >>> list(dictionary_attack([sha256_hex("00042")], (f"{z:05d}" for z in range(100))).values())
    ['00042']
    """
    wanted = set(hashes)
    found: dict[str, str] = {}
    for candidate in candidates:
        digest = sha256_hex(candidate)
        if digest in wanted:
            found[digest] = candidate
    return found


def k_anonymity(quasi_identifiers: Sequence[Sequence[object]]) -> int:
    """The largest ``k`` for which the table is k-anonymous: the size of its smallest group of identical rows.

    A table is **k-anonymous** :cite:p:`sweeney2002k` when every combination of quasi-identifier values
    (ZIP code, birth date, sex, ...) that occurs, occurs at least ``k`` times, so that no record can be
    singled out by them.

    >>> k_anonymity([("021**", "30-39"), ("021**", "30-39"), ("021**", "40-49")])
    1
    """
    rows = [tuple(row) for row in quasi_identifiers]
    if not rows:
        raise InvalidParameterError(message("k_anonymity", "quasi_identifiers", "a non-empty table", rows))
    counts: dict[tuple, int] = {}
    for row in rows:
        counts[row] = counts.get(row, 0) + 1
    return min(counts.values())


# ---------------------------------------------------------------------------------------------------------
# Models: per-example and mean gradients
# ---------------------------------------------------------------------------------------------------------


def _check_data(owner: str, theta: Params, X: object, y: object, model: str) -> tuple[np.ndarray, np.ndarray]:
    X = as_float_array(owner, "X", X)
    y = as_float_array(owner, "y", y)
    if X.ndim != 2 or X.shape[0] == 0:
        raise InvalidParameterError(message(owner, "X", "a non-empty 2-d array (n, d)", f"shape {X.shape}"))
    if y.shape != (X.shape[0],):
        raise InvalidParameterError(message(owner, "y", f"of shape ({X.shape[0]},), one target per row of X",
                                            f"shape {y.shape}"))
    check_finite(owner, "X", X)
    check_finite(owner, "y", y)
    if not isinstance(theta, dict) or set(theta) != {"w", "b"}:
        raise InvalidParameterError(message(owner, "theta", "a dict with keys 'w' and 'b'", theta))
    w_shape = (X.shape[1],) if model != "softmax" else (X.shape[1], np.shape(theta["b"])[0])
    if np.shape(theta["w"]) != w_shape:
        raise InvalidParameterError(message(owner, "theta['w']", f"of shape {w_shape}",
                                            f"shape {np.shape(theta['w'])}"))
    if model == "logistic" and not np.all((y == 0) | (y == 1)):
        raise InvalidParameterError(message(owner, "y", "0/1 labels for the logistic model", y[:5].tolist()))
    if model == "softmax" and not np.all((y == np.round(y)) & (y >= 0) & (y < w_shape[1])):
        raise InvalidParameterError(message(owner, "y", f"integer labels in [0, {w_shape[1]})", y[:5].tolist()))
    return X, y


def _output_residuals(theta: Params, X: np.ndarray, y: np.ndarray, model: str) -> np.ndarray:
    """:math:`\\partial \\ell_i / \\partial z_i` for every example: shape (n,), or (n, k) for softmax."""
    z = X @ theta["w"] + theta["b"]
    if model == "linear":
        return 2.0 * (z - y)
    if model == "logistic":
        return sigmoid(z) - y
    probabilities = softmax(z)
    probabilities[np.arange(len(y)), y.astype(np.intp)] -= 1.0
    return probabilities


def per_example_gradients(theta: Params, X: object, y: object, model: str) -> Params:
    r"""The gradient of each example's loss :math:`\ell_i`, computed analytically.

    For every model here :math:`\nabla_w \ell_i = x_i\, r_i^\top` and :math:`\nabla_b \ell_i = r_i`, with
    :math:`r_i = \partial\ell_i/\partial z_i`: :math:`2(z_i - y_i)` (linear), :math:`\sigma(z_i) - y_i`
    (logistic), :math:`\operatorname{softmax}(z_i) - e_{y_i}` (softmax). These are the gradients of one
    example's loss, *not* of the mean loss :math:`\frac1n\sum_i\ell_i`, whose per-example terms are
    :math:`n` times smaller (the scaling pitfall of per-sample gradients).

    Parameters
    ----------
    theta : dict
        ``{"w": w, "b": b}``: ``w`` of shape (d,) and ``b`` a scalar, or ``(d, k)`` and ``(k,)`` for softmax.
    X : array of shape (n, d)
    y : array of shape (n,)
        Targets, 0/1 labels (logistic) or integer labels in ``[0, k)`` (softmax).
    model : {"linear", "logistic", "softmax"}

    Returns
    -------
    dict
        ``{"w": (n, d) or (n, d, k), "b": (n,) or (n, k)}``.
    """
    model = _check("per_example_gradients", model=model)["model"]
    X, y = _check_data("per_example_gradients", theta, X, y, model)
    residuals = _output_residuals(theta, X, y, model)
    if model == "softmax":
        return {"w": X[:, :, None] * residuals[:, None, :], "b": residuals}
    return {"w": X * residuals[:, None], "b": residuals}


def mean_gradient(theta: Params, X: object, y: object, model: str) -> Params:
    r"""The gradient of the mean loss :math:`\frac1n\sum_i \ell_i`: :math:`\frac1n X^\top r` and
    :math:`\frac1n\sum_i r_i`.

    The same as the mean of :func:`per_example_gradients` over the rows, without forming them.
    """
    model = _check("mean_gradient", model=model)["model"]
    X, y = _check_data("mean_gradient", theta, X, y, model)
    residuals = _output_residuals(theta, X, y, model)
    n = X.shape[0]
    return {"w": X.T @ residuals / n, "b": residuals.sum(axis=0) / n}


def predict(theta: Params, X: object, model: str) -> np.ndarray:
    """Predictions: :math:`z` (linear), 0/1 labels from the sign of :math:`z` (logistic), argmax (softmax)."""
    model = _check("predict", model=model)["model"]
    X = as_float_array("predict", "X", X)
    z = X @ theta["w"] + theta["b"]
    if model == "linear":
        return z
    if model == "logistic":
        return (z > 0).astype(np.float64)
    return np.argmax(z, axis=1).astype(np.float64)


def accuracy(theta: Params, X: object, y: object, model: str) -> float:
    """The fraction of correct predictions of a classifier (``model`` "logistic" or "softmax")."""
    if model not in ("logistic", "softmax"):
        raise InvalidParameterError(message("accuracy", "model", "'logistic' or 'softmax'", model))
    return float(np.mean(predict(theta, X, model) == np.asarray(y, dtype=np.float64)))


# ---------------------------------------------------------------------------------------------------------
# Federated averaging
# ---------------------------------------------------------------------------------------------------------


def split_iid(n_samples: int, n_clients: int, seed: int) -> list[np.ndarray]:
    """Shuffle the indices ``0..n_samples-1`` and deal them into ``n_clients`` parts of (nearly) equal size.

    >>> [part.size for part in split_iid(10, 3, seed=0)]
    [4, 3, 3]
    """
    checked = _check("split_iid", n_clients=n_clients, seed=seed)
    if not isinstance(n_samples, Integral) or n_samples < checked["n_clients"]:
        raise InvalidParameterError(message("split_iid", "n_samples", "an integer >= n_clients", n_samples))
    order = make_rng(checked["seed"]).permutation(n_samples)
    return [np.sort(part) for part in np.array_split(order, checked["n_clients"])]


def split_by_label(y: object, n_clients: int, shards_per_client: int, seed: int) -> list[np.ndarray]:
    """A non-IID split: sort by label, cut into ``n_clients * shards_per_client`` shards, deal shards at random.

    This is the "pathological non-IID" partition of :cite:t:`mcmahan2017communication`: with two shards per
    client, most clients see examples of only one or two classes.

    >>> parts = split_by_label([0, 0, 0, 0, 1, 1, 1, 1], n_clients=2, shards_per_client=1, seed=0)
    >>> sorted(part.tolist() for part in parts)
    [[0, 1, 2, 3], [4, 5, 6, 7]]
    """
    checked = _check("split_by_label", n_clients=n_clients, seed=seed)
    if not isinstance(shards_per_client, Integral) or shards_per_client < 1:
        raise InvalidParameterError(message("split_by_label", "shards_per_client", "a positive integer",
                                            shards_per_client))
    labels = as_float_array("split_by_label", "y", y)
    n_shards = checked["n_clients"] * shards_per_client
    if labels.ndim != 1 or labels.size < n_shards:
        raise InvalidParameterError(message("split_by_label", "y", f"a 1-d array of at least {n_shards} labels",
                                            f"shape {labels.shape}"))
    shards = np.array_split(np.argsort(labels, kind="stable"), n_shards)
    dealt = make_rng(checked["seed"]).permutation(n_shards).reshape(checked["n_clients"], shards_per_client)
    return [np.sort(np.concatenate([shards[s] for s in row])) for row in dealt]


@dataclass
class FedAvgResult:
    """What :func:`fedavg` returns.

    Attributes
    ----------
    theta : dict
        The global model after the last round.
    history : list of dict
        The global model before the first round and after each round (``rounds + 1`` entries).
    participants : list of ndarray
        The clients chosen in each round.
    """

    theta: Params
    history: list[Params] = field(repr=False)
    participants: list[np.ndarray] = field(repr=False)


def _local_sgd(theta: Params, X: np.ndarray, y: np.ndarray, model: str, local_steps: int, lr: float,
               batch_size: int | None, rng: np.random.Generator) -> Params:
    local = {name: value.copy() for name, value in theta.items()}
    for _ in range(local_steps):
        if batch_size is None or batch_size >= X.shape[0]:
            rows = slice(None)
        else:
            rows = rng.choice(X.shape[0], size=batch_size, replace=False)
        grad = mean_gradient(local, X[rows], y[rows], model)
        local = {name: local[name] - lr * grad[name] for name in local}
    return local


def fedavg(clients: Sequence[tuple[np.ndarray, np.ndarray]], theta0: Params, model: str, *, rounds: int,
           local_steps: int, lr: float, batch_size: int | None = None, client_fraction: float = 1.0,
           seed: int = 0) -> FedAvgResult:
    r"""Federated averaging (FedAvg) :cite:p:`mcmahan2017communication`.

    In each round the server picks :math:`m = \max(1, \lfloor C K\rceil)` of the :math:`K` clients at random
    (``client_fraction`` :math:`C`). Each chosen client :math:`k` starts from the global model
    :math:`\theta_t`, takes ``local_steps`` steps of SGD with learning rate :math:`\eta` on its own
    :math:`n_k` examples (mini-batches of ``batch_size``, or all its data), and sends back
    :math:`\theta^k_{t+1}`. The server averages, weighted by data size:

    .. math::

        \theta_{t+1} = \sum_{k \in S_t} \frac{n_k}{\sum_{j \in S_t} n_j}\, \theta^k_{t+1}.

    With one full-batch local step and every client taking part this is one step of full-batch gradient
    descent on all the data, :math:`\theta_{t+1} = \theta_t - \eta\nabla J(\theta_t)` (McMahan et al.'s
    FedSGD): :math:`\sum_k \frac{n_k}{n}\nabla J_k = \nabla J`.

    Parameters
    ----------
    clients : sequence of (X_k, y_k)
        Each client's data. Nothing but model parameters leaves a client.
    theta0 : dict
        The initial global model ``{"w", "b"}``.
    model : {"linear", "logistic", "softmax"}
    rounds, local_steps : int
        Communication rounds; SGD steps per client per round.
    lr : float
    batch_size : int or None, default None
        Local mini-batch size; None uses all of a client's data in every step.
    client_fraction : float in (0, 1], default 1.0
    seed : int
        Seeds the choice of clients and of mini-batches.
    """
    checked = _check("fedavg", model=model, rounds=rounds, local_steps=local_steps, lr=lr,
                     client_fraction=client_fraction, seed=seed)
    if len(clients) == 0:
        raise InvalidParameterError(message("fedavg", "clients", "a non-empty sequence of (X, y)", clients))
    data = [_check_data("fedavg", theta0, X, y, checked["model"]) for X, y in clients]
    if batch_size is not None and (not isinstance(batch_size, Integral) or batch_size < 1):
        raise InvalidParameterError(message("fedavg", "batch_size", "a positive integer or None", batch_size))
    rng = make_rng(checked["seed"])
    n_chosen = max(1, round(checked["client_fraction"] * len(data)))
    theta = {name: np.array(value, dtype=np.float64) for name, value in theta0.items()}
    history, participants = [theta], []
    for _ in range(checked["rounds"]):
        chosen = np.sort(rng.choice(len(data), size=n_chosen, replace=False))
        sizes = np.array([data[k][0].shape[0] for k in chosen], dtype=np.float64)
        weights = sizes / sizes.sum()
        updates = [_local_sgd(theta, *data[k], checked["model"], checked["local_steps"], checked["lr"],
                              batch_size, rng) for k in chosen]
        theta = {name: sum(weight * update[name] for weight, update in zip(weights, updates, strict=True))
                 for name in theta}
        history.append(theta)
        participants.append(chosen)
    return FedAvgResult(theta=theta, history=history, participants=participants)


# ---------------------------------------------------------------------------------------------------------
# Gradient leakage
# ---------------------------------------------------------------------------------------------------------


def recover_example(grad: Params) -> np.ndarray:
    r"""Read the input :math:`x` off the gradient of a single example's loss.

    For a linear or logistic model :math:`\nabla_w\ell = r\,x` and :math:`\nabla_b\ell = r`, so
    :math:`x = \nabla_w\ell / \nabla_b\ell` whenever :math:`r \ne 0`. For softmax, column :math:`c` of
    :math:`\nabla_W\ell` is :math:`r_c\,x`; the column with the largest :math:`|r_c|` is used.

    Parameters
    ----------
    grad : dict
        ``{"w": (d,) or (d, k), "b": scalar or (k,)}``, one example's gradient.
    """
    grad_w = as_float_array("recover_example", "grad['w']", grad["w"])
    grad_b = as_float_array("recover_example", "grad['b']", grad["b"])
    if grad_w.ndim == 2:
        column = int(np.argmax(np.abs(grad_b)))
        grad_w, grad_b = grad_w[:, column], grad_b[column]
    if grad_b.ndim != 0 or grad_w.ndim != 1:
        raise InvalidParameterError(message("recover_example", "grad", "one example's gradient: w of shape (d,) "
                                            "or (d, k), b a scalar or (k,)", f"shape {grad_w.shape}"))
    if grad_b == 0:
        raise InvalidParameterError(message("recover_example", "grad['b']", "non-zero", float(grad_b),
                                            "a zero residual carries no information about x"))
    return grad_w / grad_b


@dataclass
class AttackResult:
    """What :func:`gradient_matching_attack` returns: the reconstruction ``X``, its matching loss, iterations."""

    X: np.ndarray
    matching_loss: float
    iterations: int


def _matching_loss_and_grad(flat: np.ndarray, theta: Params, labels: np.ndarray, observed: Params,
                            ) -> tuple[float, np.ndarray]:
    W, b = theta["w"], theta["b"]
    batch, k = labels.size, b.size
    X = flat.reshape(batch, W.shape[0])
    P = softmax(X @ W + b)
    E = P.copy()
    E[np.arange(batch), labels] -= 1.0
    D_w = X.T @ E / batch - observed["w"]
    D_b = E.sum(axis=0) / batch - observed["b"]
    loss = float(np.sum(D_w * D_w) + D_b @ D_b)
    V = X @ D_w + D_b
    U = P * V - P * np.sum(P * V, axis=1, keepdims=True)  # the softmax Jacobian J_i applied to v_i
    grad = (2.0 / batch) * (E @ D_w.T + U @ W.T)
    assert grad.shape == (batch, W.shape[0]) and k == E.shape[1]
    return loss, grad.ravel()


def gradient_matching_attack(observed: Params, theta: Params, labels: object, *, seed: int, restarts: int = 1,
                             max_iter: int = 2000) -> AttackResult:
    r"""Deep leakage from gradients :cite:p:`zhu2019deep`: find inputs whose gradient matches the observed one.

    The attacker knows the softmax model :math:`\theta = (W, b)`, the labels of the batch (for distinct labels
    they are the negative entries of :math:`\nabla_b`, as in iDLG) and the batch's mean gradient
    :math:`G = \frac1B\sum_i \nabla\ell_i`. It minimizes
    :math:`L(\hat X) = \lVert \hat G_W - G_W\rVert_F^2 + \lVert \hat G_b - G_b\rVert^2` over dummy inputs
    :math:`\hat X` with L-BFGS (``scipy.optimize.minimize``), using the exact gradient

    .. math::

        \nabla_{\hat x_i} L = \tfrac{2}{B}\left(D_W e_i + W J_i\,(D_W^\top \hat x_i + D_b)\right),

    where :math:`D = \hat G - G`, :math:`e_i = p_i - e_{y_i}` and :math:`J_i = \operatorname{diag}(p_i) -
    p_i p_i^\top`. It starts from standard-normal inputs, ``restarts`` times, and keeps the best match.

    The softmax model is used because for a binary linear model the batch gradient is :math:`d + 1` numbers,
    too few to determine :math:`B d` unknowns; with :math:`k \ge B` classes there are :math:`k(d + 1)`.
    """
    owner = "gradient_matching_attack"
    seed = _check(owner, seed=seed)["seed"]
    labels = np.asarray(labels)
    W = as_float_array(owner, "theta['w']", theta["w"])
    b = as_float_array(owner, "theta['b']", theta["b"])
    if W.ndim != 2 or b.shape != (W.shape[1],):
        raise InvalidParameterError(message(owner, "theta", "a softmax model: w (d, k) and b (k,)",
                                            f"shapes {W.shape}, {b.shape}"))
    if labels.ndim != 1 or labels.size == 0 or labels.dtype.kind not in "iu":
        raise InvalidParameterError(message(owner, "labels", "a non-empty 1-d array of integer labels", labels))
    target = {"w": as_float_array(owner, "observed['w']", observed["w"]),
              "b": as_float_array(owner, "observed['b']", observed["b"])}
    if target["w"].shape != W.shape or target["b"].shape != b.shape:
        raise InvalidParameterError(message(owner, "observed", f"gradients shaped like theta, {W.shape} and "
                                            f"{b.shape}", f"{target['w'].shape}, {target['b'].shape}"))
    check_finite(owner, "observed['w']", target["w"])
    rng = make_rng(seed)
    best: AttackResult | None = None
    for _ in range(restarts):
        start = rng.normal(size=labels.size * W.shape[0])
        found = minimize(_matching_loss_and_grad, start, args=({"w": W, "b": b}, labels.astype(np.intp), target),
                         jac=True, method="L-BFGS-B",
                         options={"maxiter": max_iter, "ftol": 1e-30, "gtol": 1e-14, "maxcor": 30})
        result = AttackResult(found.x.reshape(labels.size, W.shape[0]), float(found.fun), int(found.nit))
        if best is None or result.matching_loss < best.matching_loss:
            best = result
    assert best is not None
    return best


# ---------------------------------------------------------------------------------------------------------
# Secure aggregation with pairwise masks
# ---------------------------------------------------------------------------------------------------------


def fixed_point_encode(values: object, fractional_bits: int = 32) -> np.ndarray:
    r"""Real numbers as integers mod :math:`2^{64}`: :math:`\operatorname{round}(v\,2^f)`, two's complement.

    Integers add exactly (modulo :math:`2^{64}`), so masks can cancel bit for bit; floats would not.
    Each value must satisfy :math:`|v|\,2^f < 2^{62}`; a sum of encoded values decodes correctly while it
    stays below :math:`2^{63}` in magnitude. Rounding costs at most :math:`2^{-f-1}` per value.

    >>> fixed_point_encode([1.5, -0.25], fractional_bits=2)
    array([                   6, 18446744073709551615], dtype=uint64)
    """
    owner = "fixed_point_encode"
    bits = _check(owner, fractional_bits=fractional_bits)["fractional_bits"]
    array = as_float_array(owner, "values", values)
    check_finite(owner, "values", array)
    scaled = np.rint(array * 2.0**bits)
    if scaled.size and np.max(np.abs(scaled)) >= 2.0**62:
        raise InvalidParameterError(message(owner, "values", f"smaller than 2^{62 - bits} in magnitude",
                                            float(np.max(np.abs(array))), "use fewer fractional bits"))
    return scaled.astype(np.int64).view(np.uint64)


def fixed_point_decode(encoded: np.ndarray, fractional_bits: int = 32) -> np.ndarray:
    """Integers mod :math:`2^{64}` (uint64) back to reals: read as signed 64-bit, divide by :math:`2^f`."""
    bits = _check("fixed_point_decode", fractional_bits=fractional_bits)["fractional_bits"]
    if not isinstance(encoded, np.ndarray) or encoded.dtype != np.uint64:
        raise InvalidParameterError(message("fixed_point_decode", "encoded", "a uint64 array",
                                            type(encoded).__name__))
    return encoded.view(np.int64).astype(np.float64) / 2.0**bits


def pairwise_seeds(n_clients: int, seed: int) -> np.ndarray:
    """A symmetric matrix of 64-bit seeds :math:`s_{ij} = s_{ji}`, one per pair of clients.

    In the protocol of :cite:t:`bonawitz2017practical` each pair agrees on its seed by a Diffie-Hellman key
    exchange, so that only the two clients know it; here one seeded generator stands in for that exchange.
    """
    checked = _check("pairwise_seeds", n_clients=n_clients, seed=seed)
    n = checked["n_clients"]
    draws = make_rng(checked["seed"]).integers(0, 2**63, size=(n, n), dtype=np.int64).astype(np.uint64)
    upper = np.triu(draws, k=1)
    return upper + upper.T


def _prg(seed: np.uint64, size: int) -> np.ndarray:
    """Expand a 64-bit seed into ``size`` uniform 64-bit integers (PCG64's raw output)."""
    return np.random.PCG64(int(seed)).random_raw(size).astype(np.uint64)


def client_mask(client: int, seeds: np.ndarray, size: int) -> np.ndarray:
    r"""Client :math:`i`'s mask :math:`\sum_{j > i} \mathrm{PRG}(s_{ij}) - \sum_{j < i} \mathrm{PRG}(s_{ij})`
    mod :math:`2^{64}`.

    Every pair's stream is added by one client and subtracted by the other, so the masks of all clients sum
    to zero mod :math:`2^{64}`.
    """
    n = seeds.shape[0]
    if not isinstance(client, Integral) or not 0 <= client < n:
        raise InvalidParameterError(message("client_mask", "client", f"an integer in [0, {n})", client))
    mask = np.zeros(size, dtype=np.uint64)
    for other in range(n):
        if other > client:
            mask += _prg(seeds[client, other], size)
        elif other < client:
            mask -= _prg(seeds[client, other], size)
    return mask


def mask_update(client: int, encoded: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """What client ``client`` sends: its encoded update plus its mask, mod :math:`2^{64}`."""
    if not isinstance(encoded, np.ndarray) or encoded.dtype != np.uint64 or encoded.ndim != 1:
        raise InvalidParameterError(message("mask_update", "encoded", "a 1-d uint64 array (fixed_point_encode)",
                                            type(encoded).__name__))
    return encoded + client_mask(client, seeds, encoded.size)


def aggregate(updates: Sequence[np.ndarray]) -> np.ndarray:
    """The server's sum of the uint64 vectors it received, mod :math:`2^{64}` (NumPy's uint64 wraps around)."""
    if len(updates) == 0:
        raise InvalidParameterError(message("aggregate", "updates", "a non-empty sequence", updates))
    total = np.zeros_like(updates[0], dtype=np.uint64)
    for update in updates:
        total += update
    return total


def unmask_dropped(masked_sum: np.ndarray, survivors: Sequence[int], dropped: Sequence[int],
                   seeds: np.ndarray) -> np.ndarray:
    r"""Remove from the survivors' masked sum the mask terms they share with clients that dropped out.

    A survivor :math:`i` added :math:`\pm\mathrm{PRG}(s_{ij})` for a dropped client :math:`j` whose own
    :math:`\mp\mathrm{PRG}(s_{ij})` never arrived. In the protocol the survivors reveal shares of
    :math:`s_{ij}` (Shamir secret sharing) so the server can rebuild and subtract these streams; the result
    is the plain sum of the survivors' updates.
    """
    overlap = set(survivors) & set(dropped)
    if overlap:
        raise InvalidParameterError(message("unmask_dropped", "dropped", "disjoint from survivors",
                                            sorted(overlap)))
    corrected = masked_sum.copy()
    for i in survivors:
        for j in dropped:
            stream = _prg(seeds[i, j], masked_sum.size)
            if j > i:
                corrected -= stream
            else:
                corrected += stream
    return corrected


# ---------------------------------------------------------------------------------------------------------
# Differential privacy: DP-SGD
# ---------------------------------------------------------------------------------------------------------


def clip_per_example(grads: Params, max_norm: float) -> tuple[Params, np.ndarray]:
    r"""Scale each example's gradient to norm at most :math:`C`: :math:`g_i / \max(1, \lVert g_i\rVert / C)`.

    The norm is over all parameters of the example together (``w`` and ``b``). Returns the clipped gradients
    and the norms before clipping. After clipping, adding or removing one example changes the sum of the
    gradients by at most :math:`C`: its **sensitivity** :cite:p:`abadi2016deep`.
    """
    max_norm = _check("clip_per_example", max_norm=max_norm)["max_norm"]
    n = grads["b"].shape[0]
    if n == 0:
        raise InvalidParameterError(message("clip_per_example", "grads", "gradients of at least one example",
                                            "an empty batch"))
    squared = sum(np.sum(value.reshape(n, -1) ** 2, axis=1) for value in grads.values())
    norms = np.sqrt(squared)
    factors = 1.0 / np.maximum(1.0, norms / max_norm)
    clipped = {name: value * factors.reshape((n,) + (1,) * (value.ndim - 1)) for name, value in grads.items()}
    return clipped, norms


@dataclass
class DPSGDResult:
    """What :func:`dp_sgd` returns: the final parameters and the size of each Poisson-sampled batch."""

    theta: Params
    batch_sizes: np.ndarray = field(repr=False)


def dp_sgd(X: object, y: object, model: str, *, lr: float, max_norm: float, noise_multiplier: float, q: float,
           steps: int, seed: int) -> DPSGDResult:
    r"""DP-SGD :cite:p:`abadi2016deep` with Poisson sampling, from zero parameters.

    At each step every example joins the batch :math:`B_t` independently with probability :math:`q`, and

    .. math::

        \theta_{t+1} = \theta_t - \frac{\eta}{qn}\Bigl(\sum_{i\in B_t} \bar g_i
                       + \mathcal N(0, \sigma^2 C^2 I)\Bigr),
        \qquad \bar g_i = g_i / \max(1, \lVert g_i\rVert/C),

    with the per-example gradients :math:`g_i` of :func:`per_example_gradients`. The sum is divided by the
    *expected* batch size :math:`qn`, a constant, so that the noisy sum alone carries the privacy; dividing
    by the actual :math:`|B_t|` would release the batch size too, and fails on an empty batch. An empty batch
    still takes a step, of pure noise. The privacy of the run is ``dp_sgd_epsilon(q, noise_multiplier, steps,
    delta)``.
    """
    owner = "dp_sgd"
    checked = _check(owner, model=model, lr=lr, max_norm=max_norm, noise_multiplier=noise_multiplier, q=q,
                     steps=steps, seed=seed)
    model = checked["model"]
    n_classes = int(np.max(np.asarray(y))) + 1 if model == "softmax" else None
    d = np.shape(X)[1] if np.ndim(X) == 2 else 0
    theta = ({"w": np.zeros(d), "b": np.zeros(())} if n_classes is None
             else {"w": np.zeros((d, n_classes)), "b": np.zeros(n_classes)})
    X, y = _check_data(owner, theta, X, y, model)
    rng = make_rng(checked["seed"])
    expected_batch = checked["q"] * X.shape[0]
    scale = checked["noise_multiplier"] * checked["max_norm"]
    batch_sizes = np.zeros(checked["steps"], dtype=np.int64)
    for step in range(checked["steps"]):
        rows = np.flatnonzero(rng.random(X.shape[0]) < checked["q"])
        batch_sizes[step] = rows.size
        noisy_sum = {name: rng.normal(scale=scale, size=value.shape) for name, value in theta.items()}
        if rows.size:
            clipped, _ = clip_per_example(per_example_gradients(theta, X[rows], y[rows], model),
                                          checked["max_norm"])
            noisy_sum = {name: noisy_sum[name] + clipped[name].sum(axis=0) for name in theta}
        theta = {name: theta[name] - checked["lr"] / expected_batch * noisy_sum[name] for name in theta}
    return DPSGDResult(theta=theta, batch_sizes=batch_sizes)


# ---------------------------------------------------------------------------------------------------------
# Differential privacy: the RDP accountant
# ---------------------------------------------------------------------------------------------------------

#: The Rényi orders at which the accountant evaluates, the same as ``dp_accounting``'s RdpAccountant default.
DEFAULT_ORDERS: tuple[float, ...] = tuple(
    [1 + x / 10 for x in range(1, 100)] + [float(order) for order in range(11, 64)] + [128.0, 256.0, 512.0, 1024.0]
)

_MAX_TERMS_FRACTIONAL = 1000


def _log_binomial(alpha: float, i: np.ndarray) -> np.ndarray:
    """:math:`\\log|\\binom{\\alpha}{i}|` (``gammaln`` gives the log of the gamma function's magnitude)."""
    return gammaln(alpha + 1) - gammaln(i + 1) - gammaln(alpha - i + 1)


def _log_a_integer(q: float, sigma: float, alpha: int) -> float:
    i = np.arange(alpha + 1, dtype=np.float64)
    terms = _log_binomial(alpha, i) + i * math.log(q) + (alpha - i) * math.log1p(-q) + (i * i - i) / (2 * sigma**2)
    return float(np.logaddexp.reduce(terms))


def _log_a_fractional(q: float, sigma: float, alpha: float) -> float:
    i = np.arange(_MAX_TERMS_FRACTIONAL, dtype=np.float64)
    j = alpha - i
    z0 = sigma**2 * math.log(1 / q - 1) + 0.5
    log_binomial = _log_binomial(alpha, i)
    # log(erfc(x) / 2) = log(Phi(-sqrt(2) x)) for x = (i - z0) / (sqrt(2) sigma), and likewise for j.
    log_s0 = (log_binomial + i * math.log(q) + j * math.log1p(-q) + (i * i - i) / (2 * sigma**2)
              + log_ndtr(-(i - z0) / sigma))
    log_s1 = (log_binomial + j * math.log(q) + i * math.log1p(-q) + (j * j - j) / (2 * sigma**2)
              + log_ndtr(-(z0 - j) / sigma))
    total = np.logaddexp(np.logaddexp.accumulate(log_s0), np.logaddexp.accumulate(log_s1))
    decreasing = np.zeros(i.size, dtype=bool)
    decreasing[1:] = (log_s0[1:] < log_s0[:-1]) & (log_s1[1:] < log_s1[:-1])
    converged = np.flatnonzero(decreasing & (np.maximum(log_s0, log_s1) < total - 30))
    return float(total[converged[0]]) if converged.size else math.inf


def rdp_subsampled_gaussian(q: float, noise_multiplier: float,
                            orders: Sequence[float] = DEFAULT_ORDERS) -> np.ndarray:
    r"""Rényi DP of one step of the Poisson-subsampled Gaussian mechanism, at each order :math:`\alpha`.

    One step adds :math:`\mathcal N(0, \sigma^2)` noise to a sum of sensitivity 1 over a batch in which each
    example is present with probability :math:`q`. Its RDP at order :math:`\alpha` is
    :math:`\varepsilon(\alpha) = \frac{1}{\alpha - 1}\log A_\alpha` with
    :math:`A_\alpha = \mathbb E_{z\sim\mu_0}[(\mu(z)/\mu_0(z))^\alpha]`, :math:`\mu_0 = \mathcal N(0, \sigma^2)`,
    :math:`\mu = (1 - q)\mu_0 + q\,\mathcal N(1, \sigma^2)` :cite:p:`mironov2017renyi,mironov2019r`.

    * Integer :math:`\alpha`: the binomial expansion :math:`A_\alpha = \sum_{i=0}^{\alpha}\binom{\alpha}{i}
      (1 - q)^{\alpha - i} q^i e^{(i^2 - i)/(2\sigma^2)}`, summed in log space.
    * Fractional :math:`\alpha`: the two series of Mironov, Talwar and Zhang (2019, §3.3), split at
      :math:`z_0 = \sigma^2\log(1/q - 1) + \frac12` and weighted by Gaussian tails; their terms are added in
      magnitude, which bounds the alternating series from above, up to 1000 terms and until a term falls
      below :math:`e^{-30}` of the total. A series that has not converged gives :math:`\infty` at that order.
    * :math:`q = 1`: the Gaussian mechanism, :math:`\alpha / (2\sigma^2)`.

    The orders, the series and their stopping rule follow ``dp_accounting.rdp`` so that the two agree to
    rounding; :func:`dp_sgd_epsilon` composes and converts.

    Parameters
    ----------
    q : float in (0, 1]
        The sampling rate (expected batch size over data size).
    noise_multiplier : float > 0
        :math:`\sigma`, the noise's standard deviation over the clipping norm.
    orders : sequence of float > 1
    """
    owner = "rdp_subsampled_gaussian"
    checked = _check(owner, q=q, noise_multiplier=noise_multiplier)
    q, sigma = checked["q"], checked["noise_multiplier"]
    orders_array = as_float_array(owner, "orders", orders)
    if orders_array.ndim != 1 or orders_array.size == 0 or not np.all(orders_array > 1):
        raise InvalidParameterError(message(owner, "orders", "a non-empty 1-d array of orders > 1",
                                            orders_array.tolist()[:5]))
    check_finite(owner, "orders", orders_array)
    rdp = np.empty(orders_array.size)
    for index, alpha in enumerate(orders_array):
        if q == 1.0:
            rdp[index] = alpha / (2 * sigma**2)
        elif float(alpha).is_integer():
            rdp[index] = _log_a_integer(q, sigma, int(alpha)) / (alpha - 1)
        else:
            rdp[index] = _log_a_fractional(q, sigma, float(alpha)) / (alpha - 1)
    return rdp


def rdp_to_epsilon(orders: Sequence[float], rdp: Sequence[float], delta: float) -> tuple[float, float]:
    r"""The smallest :math:`\varepsilon` over the orders for which the RDP curve gives :math:`(\varepsilon, \delta)`-DP.

    At each order the conversion of :cite:t:`balle2020hypothesis` (Proposition 12; also Canonne, Kamath and
    Steinke 2020), as ``dp_accounting`` uses it:

    .. math::

        \varepsilon = \varepsilon(\alpha) + \log\left(1 - \tfrac1\alpha\right)
                      - \frac{\log\delta + \log\alpha}{\alpha - 1},

    tighter than Mironov's :math:`\varepsilon(\alpha) + \log(1/\delta)/(\alpha - 1)`. Orders of at most 1.01 are
    skipped (the formula is unstable there); an order whose RDP satisfies
    :math:`\delta^2 \ge 1 - e^{-\varepsilon(\alpha)}` gives :math:`\varepsilon = 0`, by the KL bound.
    Returns :math:`\varepsilon` (at least 0) and the best order.
    """
    owner = "rdp_to_epsilon"
    delta = _check(owner, delta=delta)["delta"]
    orders_array = as_float_array(owner, "orders", orders)
    rdp_array = as_float_array(owner, "rdp", rdp)
    if orders_array.ndim != 1 or orders_array.shape != rdp_array.shape or orders_array.size == 0:
        raise InvalidParameterError(message(owner, "rdp", f"a 1-d array as long as orders ({orders_array.size})",
                                            f"shape {rdp_array.shape}"))
    if np.any(np.isnan(rdp_array)) or np.any(rdp_array < 0):
        raise InvalidParameterError(message(owner, "rdp", "non-negative (inf allowed)", rdp_array.tolist()[:5]))
    epsilons = np.full(orders_array.size, math.inf)
    for index, (alpha, value) in enumerate(zip(orders_array, rdp_array, strict=True)):
        if delta**2 + math.expm1(-value) > 0:
            epsilons[index] = 0.0
        elif alpha > 1.01:
            epsilons[index] = value + math.log1p(-1 / alpha) - math.log(delta * alpha) / (alpha - 1)
    best = int(np.argmin(epsilons))
    return max(0.0, float(epsilons[best])), float(orders_array[best])


def dp_sgd_epsilon(q: float, noise_multiplier: float, steps: int, delta: float,
                   orders: Sequence[float] = DEFAULT_ORDERS) -> float:
    r"""The :math:`\varepsilon` of ``steps`` steps of DP-SGD with sampling rate :math:`q` and noise multiplier
    :math:`\sigma`, at :math:`\delta`, by RDP accounting.

    RDP composes by addition: ``steps`` steps have RDP ``steps * rdp_subsampled_gaussian(q, sigma)`` at each
    order :cite:p:`mironov2017renyi`, which :func:`rdp_to_epsilon` converts.

    >>> round(dp_sgd_epsilon(q=0.01, noise_multiplier=1.0, steps=1000, delta=1e-5), 4)
    2.1014
    """
    checked = _check("dp_sgd_epsilon", q=q, noise_multiplier=noise_multiplier, steps=steps, delta=delta)
    orders_array = np.asarray(orders, dtype=np.float64)
    rdp = checked["steps"] * rdp_subsampled_gaussian(checked["q"], checked["noise_multiplier"], orders_array)
    return rdp_to_epsilon(orders_array, rdp, checked["delta"])[0]
