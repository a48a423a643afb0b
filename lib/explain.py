r"""Explaining models: sparse paths, permutation importance, Shapley values, and local surrogates.

Each function here is the NumPy version of an idea that the interpretability chapter builds and checks against
the library a reader would use (scikit-learn, shap):

:func:`regularization_path`
    The lasso and elastic-net weights along a grid of penalty strengths, by :mod:`lib.train`'s proximal
    gradient descent, warm-started from one strength to the next :cite:p:`tibshirani1996lasso,zou2005elastic`.
:func:`permutation_importance`, :func:`sklearn_permutations`
    The drop in a score when a feature (or a group of features) is shuffled :cite:p:`breiman2001random`.
:func:`exact_shapley`, :func:`linear_shapley`, :func:`kernel_shap`
    Shapley values of a prediction :cite:p:`shapley1953value` with an interventional background set
    :cite:p:`janzing2020feature`: exactly, by enumerating every coalition :cite:p:`strumbelj2014explaining`; in
    closed form for a linear model; and by KernelSHAP's weighted least squares :cite:p:`lundberg2017unified`.
:func:`local_surrogate`, :func:`stability_score`
    A LIME-style weighted linear fit around one point :cite:p:`ribeiro2016why`, and how much its top features
    agree across seeds.

A *model* is anything with a ``predict(X)`` method that maps an ``(m, d)`` array to ``m`` numbers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from lib.checks import Interval, as_float_array, check_finite, check_param
from lib.losses import MSE, ElasticNet
from lib.models import make_linear_objective
from lib.optim import SGD
from lib.rng import SEED_CONSTRAINT
from lib.train import GradientTolerance, train

__all__ = [
    "MAX_EXACT_FEATURES",
    "regularization_path",
    "sklearn_permutations",
    "permutation_importance",
    "coalition_values",
    "exact_shapley",
    "linear_shapley",
    "shapley_kernel_weight",
    "kernel_shap",
    "local_surrogate",
    "stability_score",
]

#: :func:`exact_shapley` refuses more features than this: it evaluates the model on :math:`2^d` coalitions.
MAX_EXACT_FEATURES = 16


# ---------------------------------------------------------------------------------------------------------
# Input checks shared by the explainers
# ---------------------------------------------------------------------------------------------------------


def _matrix(owner: str, name: str, value: ArrayLike, n_features: int | None = None) -> np.ndarray:
    """``value`` as a finite float64 array of shape ``(m, d)`` with ``m >= 1`` (and ``d = n_features``)."""
    array = as_float_array(owner, name, value)
    if array.ndim != 2:
        raise ValueError(f"{owner}: {name} must be a 2-d array of shape (n_samples, n_features), "
                         f"got shape {array.shape}")
    if array.shape[0] == 0:
        raise ValueError(f"{owner}: {name} must hold at least one row, got an empty array of shape {array.shape}")
    if n_features is not None and array.shape[1] != n_features:
        raise ValueError(f"{owner}: {name} must have {n_features} features (columns), got shape {array.shape}")
    check_finite(owner, name, array)
    return array


def _point(owner: str, x: ArrayLike, n_features: int) -> np.ndarray:
    """The point to explain, a finite vector of ``n_features`` entries."""
    array = as_float_array(owner, "x", x)
    if array.shape != (n_features,):
        raise ValueError(f"{owner}: x must be a vector of shape ({n_features},), one value per feature of the "
                         f"background, got shape {array.shape}")
    check_finite(owner, "x", array)
    return array


def _predictor(owner: str, model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """``model.predict`` checked to exist; its outputs are checked to be one number per row when called."""
    predict = getattr(model, "predict", None)
    if not callable(predict):
        raise TypeError(f"{owner}: model must have a predict(X) method, got {type(model).__name__}; "
                        "wrap a function f as a class whose predict calls f")

    def checked(X: np.ndarray) -> np.ndarray:
        outputs = np.asarray(predict(X), dtype=np.float64)
        if outputs.shape != (X.shape[0],):
            raise ValueError(f"{owner}: model.predict must return one number per row, shape ({X.shape[0]},), "
                             f"got shape {outputs.shape}")
        return outputs

    return checked


# ---------------------------------------------------------------------------------------------------------
# Sparse models: the lasso and elastic-net paths
# ---------------------------------------------------------------------------------------------------------


def regularization_path(X: ArrayLike, y: ArrayLike, alphas: ArrayLike, *, l1_ratio: float = 1.0,
                        tol: float = 1e-12, max_steps: int = 100_000) -> np.ndarray:
    r"""Elastic-net weights :math:`w(\alpha)` for each :math:`\alpha` of ``alphas``, by proximal gradient descent.

    Minimizes scikit-learn's ``enet_path`` objective (no intercept: centre ``X`` and ``y`` first)

    .. math::

        \frac{1}{2n}\lVert y - Xw\rVert_2^2 + \alpha\rho\lVert w\rVert_1 + \frac{\alpha(1-\rho)}{2}\lVert w\rVert_2^2,

    which is half of :class:`lib.models.CompositeLinearObjective` with the MSE and
    :class:`lib.losses.ElasticNet` of strength :math:`2\alpha`; :math:`\rho = 1` is the lasso
    :cite:p:`tibshirani1996lasso`, :math:`\rho < 1` the elastic net :cite:p:`zou2005elastic`. Each problem is
    solved by :func:`lib.train.train` with ``SGD(lr=1/L)`` and the proximal step (ISTA,
    :cite:p:`beck2009fast`), starting from the previous solution (a warm start), until the norm of the
    gradient mapping is at most ``tol`` or ``max_steps`` steps have run.

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
    alphas : array_like of shape (k,)
        Positive strengths, in the order to solve them (decreasing, for warm starts to help).
    l1_ratio : float, default 1.0
        :math:`\rho \in (0, 1]`.
    tol : float, default 1e-12
        Gradient-mapping tolerance (see :meth:`lib.models.CompositeLinearObjective.gradient_norm`).
    max_steps : int, default 100000
        Step budget per strength.

    Returns
    -------
    ndarray of shape (d, k)
        Column :math:`j` holds :math:`w(\alpha_j)`, laid out as ``sklearn.linear_model.enet_path``'s coefficients.
    """
    owner = "regularization_path"
    X = _matrix(owner, "X", X)
    y = as_float_array(owner, "y", y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"{owner}: y must have shape ({X.shape[0]},), one target per row of X, got {y.shape}")
    check_finite(owner, "y", y)
    alphas = as_float_array(owner, "alphas", alphas)
    if alphas.ndim != 1 or alphas.size == 0 or not np.all(alphas > 0):
        raise ValueError(f"{owner}: alphas must be a non-empty 1-d array of positive strengths, got {alphas!r}")
    l1_ratio = check_param(owner, "l1_ratio", l1_ratio, [Interval(Real, 0, 1, closed="right")])
    max_steps = check_param(owner, "max_steps", max_steps, [Interval(Integral, 1, None)])
    w = np.zeros(X.shape[1])
    path = []
    for alpha in alphas:
        objective = make_linear_objective(X, y, MSE(), ElasticNet(2.0 * alpha, l1_ratio), fit_intercept=False)
        result = train(objective, {"w": w}, SGD(lr=1.0 / objective.L), steps=max_steps,
                       callbacks=[GradientTolerance(tol)])
        w = result.theta["w"]
        path.append(w)
    return np.array(path).T


# ---------------------------------------------------------------------------------------------------------
# Permutation importance
# ---------------------------------------------------------------------------------------------------------


def sklearn_permutations(random_state: int, n_samples: int, n_repeats: int) -> np.ndarray:
    r"""The row permutations ``sklearn.inspection.permutation_importance(random_state=...)`` applies.

    scikit-learn (1.9) draws one integer seed from ``RandomState(random_state)``, then for *every* column
    shuffles an index array in place ``n_repeats`` times with ``RandomState(seed)`` and re-indexes the
    already-permuted column each time. Repeat :math:`r` therefore applies :math:`p_r = p_{r-1}[s_r]` to the
    original column, :math:`p_0` the identity, :math:`s_r` the shuffled index array. These are the legacy
    ``RandomState`` draws, used here only to reproduce scikit-learn's numbers.

    Returns
    -------
    ndarray of shape (n_repeats, n_samples)
        Row :math:`r` is :math:`p_{r+1}`; every column sees the same permutations.
    """
    owner = "sklearn_permutations"
    random_state = check_param(owner, "random_state", random_state, [SEED_CONSTRAINT])
    n_samples = check_param(owner, "n_samples", n_samples, [Interval(Integral, 1, None)])
    n_repeats = check_param(owner, "n_repeats", n_repeats, [Interval(Integral, 1, None)])
    seed = np.random.RandomState(random_state).randint(np.iinfo(np.int32).max + 1)
    generator = np.random.RandomState(seed)
    shuffled = np.arange(n_samples)
    permutation = np.arange(n_samples)
    permutations = []
    for _ in range(n_repeats):
        generator.shuffle(shuffled)
        permutation = permutation[shuffled]
        permutations.append(permutation.copy())
    return np.array(permutations)


def permutation_importance(model: Any, X: ArrayLike, y: ArrayLike, score: Callable[[np.ndarray, np.ndarray], float],
                           permutations: ArrayLike, groups: Sequence[Sequence[int]] | None = None) -> np.ndarray:
    r"""Permutation importance :cite:p:`breiman2001random`: the score lost when a feature's values are shuffled.

    For a group :math:`G` of features (one feature by default) and each permutation :math:`\pi_r`,

    .. math::

        I_{G,r} = s\bigl(y, f(X)\bigr) - s\bigl(y, f(X^{(G, \pi_r)})\bigr), \qquad
        X^{(G,\pi)}_{ij} = X_{\pi(i) j} \text{ for } j \in G,\ X_{ij} \text{ otherwise}.

    Shuffling the columns of a group *together* (one permutation for all of them) keeps their joint
    distribution, the remedy for correlated features, whose single-column importances collapse because the
    model can read one from the other.

    Parameters
    ----------
    model : object with ``predict``
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
    score : callable
        ``score(y, predictions) -> float``, higher is better (for example ``sklearn.metrics.r2_score``).
    permutations : array_like of int, shape (R, n)
        One row permutation per repeat (:func:`sklearn_permutations` or ``rng.permuted``).
    groups : sequence of sequences of int, optional
        The groups :math:`G`; by default ``[[0], [1], ..., [d-1]]``.

    Returns
    -------
    ndarray of shape (len(groups), R)
        :math:`I_{G,r}`, laid out as scikit-learn's ``importances``.
    """
    owner = "permutation_importance"
    predict = _predictor(owner, model)
    X = _matrix(owner, "X", X)
    y = as_float_array(owner, "y", y)
    n_samples, n_features = X.shape
    if y.shape != (n_samples,):
        raise ValueError(f"{owner}: y must have shape ({n_samples},), one target per row of X, got {y.shape}")
    permutations = np.asarray(permutations)
    if permutations.ndim != 2 or permutations.shape[1] != n_samples or not all(
            np.array_equal(np.sort(row), np.arange(n_samples)) for row in permutations):
        raise ValueError(f"{owner}: permutations must be an array of shape (n_repeats, {n_samples}) whose rows are "
                         f"permutations of 0..{n_samples - 1}, got shape {permutations.shape}")
    groups = [[j] for j in range(n_features)] if groups is None else [list(group) for group in groups]
    for group in groups:
        if not group or not all(isinstance(j, Integral) and 0 <= j < n_features for j in group):
            raise ValueError(f"{owner}: groups must be non-empty lists of feature indices in 0..{n_features - 1}, "
                             f"got {group!r}")
    baseline = score(y, predict(X))
    importances = np.empty((len(groups), len(permutations)))
    for g, group in enumerate(groups):
        shuffled = X.copy()
        for r, permutation in enumerate(permutations):
            shuffled[:, group] = X[permutation][:, group]
            importances[g, r] = baseline - score(y, predict(shuffled))
    return importances


# ---------------------------------------------------------------------------------------------------------
# Shapley values
# ---------------------------------------------------------------------------------------------------------


def _explainer_inputs(owner: str, model: Any, x: ArrayLike, background: ArrayLike, max_features: int | None,
                      ) -> tuple[Callable[[np.ndarray], np.ndarray], np.ndarray, np.ndarray]:
    predict = _predictor(owner, model)
    background = _matrix(owner, "background", background)
    if max_features is not None and background.shape[1] > max_features:
        raise ValueError(f"{owner}: background must have at most {max_features} features for exact enumeration "
                         f"(2^d coalitions), got {background.shape[1]}; use kernel_shap to sample coalitions")
    return predict, _point(owner, x, background.shape[1]), background


def coalition_values(model: Any, x: ArrayLike, background: ArrayLike, coalitions: ArrayLike) -> np.ndarray:
    r"""The interventional value of each coalition :math:`S`: :math:`v(S) = \frac1m\sum_{k} f(x_S, b^{(k)}_{\bar S})`.

    The features in :math:`S` take the explained point's values, the others each background row's values in
    turn, and the model's predictions are averaged over the :math:`m` background rows: an intervention on
    the features of :math:`S`, not a conditional expectation :cite:p:`janzing2020feature`.

    Parameters
    ----------
    model : object with ``predict``
    x : array_like of shape (d,)
    background : array_like of shape (m, d)
    coalitions : array_like of bool, shape (c, d)
        Row :math:`k` marks the features of coalition :math:`k`.

    Returns
    -------
    ndarray of shape (c,)
    """
    owner = "coalition_values"
    predict, x, background = _explainer_inputs(owner, model, x, background, None)
    masks = np.asarray(coalitions, dtype=bool)
    if masks.ndim != 2 or masks.shape[1] != background.shape[1]:
        raise ValueError(f"{owner}: coalitions must have shape (c, {background.shape[1]}), got {masks.shape}")
    return _coalition_values(predict, x, background, masks)


def _coalition_values(predict, x, background, masks):
    m = background.shape[0]
    rows = np.where(masks[:, np.newaxis, :], x, background[np.newaxis, :, :]).reshape(-1, background.shape[1])
    return predict(rows).reshape(len(masks), m).mean(axis=1)


def _all_coalitions(d: int) -> np.ndarray:
    """Every subset of ``d`` features as a boolean mask, shape ``(2**d, d)``; row ``k`` is the bits of ``k``."""
    return ((np.arange(2**d)[:, np.newaxis] >> np.arange(d)) & 1).astype(bool)


def exact_shapley(model: Any, x: ArrayLike, background: ArrayLike) -> np.ndarray:
    r"""Exact interventional Shapley values of ``model``'s prediction at ``x`` :cite:p:`shapley1953value`.

    .. math::

        \phi_j = \sum_{S \subseteq N\setminus\{j\}} \frac{|S|!\,(d-|S|-1)!}{d!}
        \bigl(v(S \cup \{j\}) - v(S)\bigr),

    with :math:`v` from :func:`coalition_values`, by enumerating all :math:`2^d` coalitions
    :cite:p:`strumbelj2014explaining`: :math:`2^d m` predictions for :math:`m` background rows, so at most
    :data:`MAX_EXACT_FEATURES` features. They satisfy efficiency, :math:`\sum_j\phi_j = f(x) - \frac1m\sum_k
    f(b^{(k)})`, symmetry, dummy and additivity.

    Returns
    -------
    ndarray of shape (d,)
    """
    predict, x, background = _explainer_inputs("exact_shapley", model, x, background, MAX_EXACT_FEATURES)
    d = background.shape[1]
    masks = _all_coalitions(d)
    values = _coalition_values(predict, x, background, masks)
    sizes = masks.sum(axis=1)
    weights = np.array([math.factorial(s) * math.factorial(d - s - 1) / math.factorial(d) if s < d else 0.0
                        for s in sizes])
    phi = np.zeros(d)
    for j in range(d):
        without = ~masks[:, j]
        with_j = np.flatnonzero(without) | (1 << j)  # row index of S + {j} is the index of S with bit j set
        phi[j] = np.sum(weights[without] * (values[with_j] - values[without]))
    return phi


def linear_shapley(coef: ArrayLike, x: ArrayLike, background: ArrayLike) -> np.ndarray:
    r"""Shapley values of a linear model :math:`f(x) = w^\top x + b`: :math:`\phi_j = w_j(x_j - \bar b_j)`.

    :math:`\bar b` is the mean of the background rows: for a linear model :math:`v(S\cup\{j\}) - v(S) =
    w_j(x_j - \bar b_j)` for every :math:`S`, so every weighted average of it is that number
    :cite:p:`lundberg2017unified`. ``x`` may be one point ``(d,)`` or several ``(m, d)``.
    """
    owner = "linear_shapley"
    background = _matrix(owner, "background", background)
    coef = as_float_array(owner, "coef", coef)
    d = background.shape[1]
    if coef.shape != (d,):
        raise ValueError(f"{owner}: coef must have shape ({d},), one weight per feature, got {coef.shape}")
    x = as_float_array(owner, "x", x)
    if x.shape[-1:] != (d,) or x.ndim > 2:
        raise ValueError(f"{owner}: x must have shape ({d},) or (m, {d}), got {x.shape}")
    return coef * (x - background.mean(axis=0))


def shapley_kernel_weight(d: int, size: int) -> float:
    r"""The Shapley kernel :math:`\pi(S) = \frac{d-1}{\binom{d}{|S|}\,|S|\,(d-|S|)}` for :math:`0 < |S| < d`.

    Weighted least squares with these weights, under the constraint :math:`\sum_j \phi_j = v(N) - v(\emptyset)`,
    gives the Shapley values :cite:p:`lundberg2017unified`. The empty and the full coalition have infinite
    weight; here they enter through the constraint.
    """
    if not 0 < size < d:
        raise ValueError(f"shapley_kernel_weight: size must be in 1..{d - 1}, got {size}; "
                         "the empty and full coalitions enter through the constraint")
    return (d - 1) / (math.comb(d, size) * size * (d - size))


def kernel_shap(model: Any, x: ArrayLike, background: ArrayLike, *, n_coalitions: int | None = None,
                seed: int = 0) -> np.ndarray:
    r"""KernelSHAP :cite:p:`lundberg2017unified`: Shapley values as a weighted least-squares fit over coalitions.

    Minimizes :math:`\sum_S \pi(S)\bigl(v(S) - v(\emptyset) - \sum_{j\in S}\phi_j\bigr)^2` subject to
    :math:`\sum_j \phi_j = v(N) - v(\emptyset)`. The constraint is eliminated by writing
    :math:`\phi_d = \Delta - \sum_{j<d}\phi_j`, which leaves an ordinary weighted least-squares problem in
    :math:`\phi_1, \ldots, \phi_{d-1}`.

    Parameters
    ----------
    n_coalitions : int or None, default None
        None: every coalition with :math:`0 < |S| < d`, whose solution is the exact Shapley values.
        An integer: that many coalitions drawn with probability proportional to :math:`\pi(S)` (by size,
        then uniformly within a size), each then weighted equally.
    seed : int, default 0
        Seed of the draws.

    Returns
    -------
    ndarray of shape (d,)
    """
    owner = "kernel_shap"
    predict, x, background = _explainer_inputs(owner, model, x, background, None)
    seed = check_param(owner, "seed", seed, [SEED_CONSTRAINT])
    d = background.shape[1]
    if n_coalitions is None:
        if d > MAX_EXACT_FEATURES:
            raise ValueError(f"{owner}: n_coalitions=None enumerates 2^d coalitions and needs at most "
                             f"{MAX_EXACT_FEATURES} features, got {d}; give n_coalitions")
        masks = _all_coalitions(d)[1:-1]
        weights = np.array([shapley_kernel_weight(d, int(s)) for s in masks.sum(axis=1)])
    else:
        n_coalitions = check_param(owner, "n_coalitions", n_coalitions, [Interval(Integral, d, None)])
        masks = _sample_coalitions(d, n_coalitions, np.random.default_rng(seed))
        weights = np.ones(n_coalitions)
    ends = _coalition_values(predict, x, background, np.array([np.zeros(d, bool), np.ones(d, bool)]))
    base, total = ends[0], ends[1] - ends[0]
    targets = _coalition_values(predict, x, background, masks) - base
    Z = masks.astype(np.float64)
    design = Z[:, :-1] - Z[:, -1:]             # phi_d = total - sum of the others
    response = targets - Z[:, -1] * total
    root = np.sqrt(weights)
    solution = np.linalg.lstsq(design * root[:, np.newaxis], response * root, rcond=None)[0]
    return np.append(solution, total - solution.sum())


def _sample_coalitions(d: int, count: int, rng: np.random.Generator) -> np.ndarray:
    sizes = np.arange(1, d)
    size_weights = np.array([shapley_kernel_weight(d, s) * math.comb(d, s) for s in sizes])
    drawn = rng.choice(sizes, size=count, p=size_weights / size_weights.sum())
    masks = np.zeros((count, d), dtype=bool)
    for row, size in enumerate(drawn):
        masks[row, rng.choice(d, size=size, replace=False)] = True
    return masks


# ---------------------------------------------------------------------------------------------------------
# A LIME-style local surrogate
# ---------------------------------------------------------------------------------------------------------


def local_surrogate(model: Any, x: ArrayLike, scale: ArrayLike, *, n_samples: int = 1000,
                    kernel_width: float | None = None, seed: int = 0) -> np.ndarray:
    r"""A LIME-style local linear surrogate :cite:p:`ribeiro2016why` around ``x``; returns its weights.

    Draws :math:`z_k = x + \sigma\odot\varepsilon_k` with :math:`\varepsilon_k \sim N(0, I)` and
    :math:`\sigma` = ``scale`` (the features' standard deviations), weights each draw by the exponential
    kernel :math:`\pi_k = \exp(-\lVert\varepsilon_k\rVert^2 / \nu^2)` (:math:`\nu` = ``kernel_width``,
    by default :math:`0.75\sqrt d`, the lime package's), and fits :math:`f(z_k) \approx \beta_0 +
    \beta^\top\varepsilon_k` by weighted least squares. The weights :math:`\beta` are in units of the
    target per standard deviation of each feature: for a linear black box :math:`f(z) = w^\top z + b`,
    :math:`\beta = w \odot \sigma` exactly, whatever the draws.

    Returns
    -------
    ndarray of shape (d,)
        :math:`\beta`.
    """
    owner = "local_surrogate"
    predict = _predictor(owner, model)
    scale = as_float_array(owner, "scale", scale)
    if scale.ndim != 1 or scale.size == 0 or not np.all(scale > 0):
        raise ValueError(f"{owner}: scale must be a non-empty vector of positive standard deviations, "
                         f"got shape {scale.shape}")
    x = _point(owner, x, scale.size)
    d = scale.size
    n_samples = check_param(owner, "n_samples", n_samples, [Interval(Integral, d + 1, None)])
    width = 0.75 * math.sqrt(d) if kernel_width is None else check_param(
        owner, "kernel_width", kernel_width, [Interval(Real, 0, None, closed="neither")])
    seed = check_param(owner, "seed", seed, [SEED_CONSTRAINT])
    epsilon = np.random.default_rng(seed).standard_normal((n_samples, d))
    outputs = predict(x + epsilon * scale)
    root = np.sqrt(np.exp(-np.sum(epsilon**2, axis=1) / width**2))
    design = np.column_stack([np.ones(n_samples), epsilon])
    solution = np.linalg.lstsq(design * root[:, np.newaxis], outputs * root, rcond=None)[0]
    return solution[1:]


def stability_score(explanations: ArrayLike, top_k: int) -> float:
    r"""Agreement of explanations across runs: the mean pairwise Jaccard index of their top-``top_k`` features.

    For runs :math:`r \ne s` with top-:math:`k` sets :math:`T_r, T_s` (largest :math:`|\beta_j|`), the score is
    the mean of :math:`|T_r \cap T_s| / |T_r \cup T_s|`: 1 when every run names the same features, near
    :math:`k/(2d-k)` when they are drawn at random.

    Parameters
    ----------
    explanations : array_like of shape (R, d)
        One explanation per run, :math:`R \ge 2`.
    top_k : int
        :math:`1 \le k \le d`.
    """
    owner = "stability_score"
    explanations = _matrix(owner, "explanations", explanations)
    if explanations.shape[0] < 2:
        raise ValueError(f"{owner}: explanations must hold at least two runs (rows), got {explanations.shape[0]}")
    top_k = check_param(owner, "top_k", top_k, [Interval(Integral, 1, explanations.shape[1])])
    tops = [set(np.argsort(-np.abs(row), kind="stable")[:top_k].tolist()) for row in explanations]
    pairs = [len(a & b) / len(a | b) for a, b in itertools.combinations(tops, 2)]
    return float(np.mean(pairs))
