r"""Generalization: regularizers that act through training, and procedures that estimate and choose.

Two kinds of tool live here, and the chapter *Generalization* keeps them apart:

* **Regularization techniques** change what training produces. Early stopping (the :class:`lib.train.EarlyStopping`
  callback) is one; :func:`gradient_descent_filter` and :func:`ridge_filter` state exactly how close it is
  to an L2 penalty on least squares :cite:p:`yao2007early,ali2019continuous`. Dropout is another:
  :func:`inverted_dropout` draws its masks, :func:`dropout_ridge_penalty` is what it adds to a linear
  regression's loss on average :cite:p:`wager2013dropout`, and :class:`DropoutNetwork` is a two-layer
  network trained with it :cite:p:`srivastava2014dropout`.
* **Procedures** estimate how well a model generalizes and choose hyperparameters with that estimate:
  :func:`cross_val_score` (:math:`k`-fold cross-validation :cite:p:`stone1974cross`),
  :func:`nested_cross_val_score` (an estimate of a model *and* its tuning :cite:p:`cawley2010overfitting`), and
  three searches: :func:`grid_search`, :func:`random_search` :cite:p:`bergstra2012random` and
  :func:`bayesian_optimization`, a Gaussian process (:class:`GaussianProcess`) with expected improvement
  (:func:`expected_improvement`) :cite:p:`jones1998efficient,snoek2012practical`.

Conventions. A search **minimizes** ``objective(params) -> float``, where ``params`` is a dict of
hyperparameter values (a validation loss; negate a score). A search space for :func:`grid_search` maps each
name to the values to try; for :func:`random_search` and :func:`bayesian_optimization` it maps each name to
an interval ``(low, high)`` (search a positive scale such as a penalty strength over its logarithm).
Cross-validation scores follow scikit-learn: **higher is better** (``model.score``, or a scorer such as
:func:`neg_mean_squared_error`), so :func:`cross_val_score` gives the same numbers as
``sklearn.model_selection.cross_val_score`` on the same folds.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.special import ndtr

from lib.checks import InstanceOf, Interval, InvalidParameterError, as_float_array, check_finite, check_params, message
from lib.data import kfold_indices
from lib.rng import SEED_CONSTRAINT, make_rng

__all__ = [
    "gradient_descent_filter",
    "ridge_filter",
    "filtered_least_squares",
    "inverted_dropout",
    "dropout_ridge_penalty",
    "DropoutNetwork",
    "neg_mean_squared_error",
    "cross_val_score",
    "nested_cross_val_score",
    "NestedCVResult",
    "SearchResult",
    "grid_search",
    "random_search",
    "GaussianProcess",
    "expected_improvement",
    "bayesian_optimization",
    "LENGTH_SCALES",
]

Objective = Callable[[dict[str, float]], float]
Scorer = Callable[[Any, np.ndarray, np.ndarray], float]


# ---------------------------------------------------------------------------------------------------------
# Early stopping and ridge as spectral filters
# ---------------------------------------------------------------------------------------------------------


def _positive_array(owner: str, name: str, values: object) -> np.ndarray:
    array = as_float_array(owner, name, values)
    check_finite(owner, name, array)
    if np.any(array < 0):
        raise ValueError(message(owner, name, "non-negative", float(np.min(array)), "these are curvatures "
                                 "(eigenvalues of the Hessian), never negative"))
    return array


def gradient_descent_filter(curvatures: object, lr: float, steps: int) -> np.ndarray:
    r"""How much of each least-squares direction gradient descent from zero has fitted after ``steps`` steps.

    For :math:`J(\theta) = \frac1n\lVert X\theta - y\rVert^2` (the book's mean squared error) write the SVD
    :math:`X = \sum_j \sigma_j u_j v_j^\top`. The Hessian is :math:`\frac2n X^\top X`, with eigenvectors
    :math:`v_j` and eigenvalues (curvatures) :math:`h_j = 2\sigma_j^2/n`. Along :math:`v_j` gradient descent
    with step :math:`\eta` from :math:`\theta_0 = 0` moves the coordinate :math:`c_{t,j} = v_j^\top\theta_t`
    by :math:`c_{t,j} = (1 - \eta h_j)\,c_{t-1,j} + \eta h_j\, c_j^\star` towards the least-squares value
    :math:`c_j^\star = u_j^\top y/\sigma_j`, so :math:`c_{t,j} = \bigl(1 - (1 - \eta h_j)^t\bigr) c_j^\star`:

    .. math::

        \theta_t = \sum_j f_j(t)\, \frac{u_j^\top y}{\sigma_j}\, v_j, \qquad f_j(t) = 1 - (1 - \eta h_j)^t .

    Directions of large curvature are fitted first; early stopping leaves the flat ones (small
    :math:`\sigma_j`, where noise is amplified by :math:`1/\sigma_j`) unfitted, as a ridge penalty does
    (:func:`ridge_filter`) :cite:p:`yao2007early,ali2019continuous`.

    Parameters
    ----------
    curvatures : array_like
        The curvatures :math:`h_j \ge 0`.
    lr : float
        The step :math:`\eta > 0`.
    steps : int
        The number of steps :math:`t \ge 0`.

    Returns
    -------
    ndarray
        :math:`f_j(t)`, shaped like ``curvatures``.
    """
    owner = "gradient_descent_filter"
    checked = check_params(owner, {"lr": lr, "steps": steps}, {
        "lr": [Interval(Real, 0, None, closed="neither")], "steps": [Interval(Integral, 0, None)]})
    curvatures = _positive_array(owner, "curvatures", curvatures)
    return 1.0 - (1.0 - checked["lr"] * curvatures) ** checked["steps"]


def ridge_filter(curvatures: object, alpha: float) -> np.ndarray:
    r"""How much of each least-squares direction ridge regression fits: :math:`h_j / (h_j + \alpha)`.

    The ridge objective :math:`\frac1n\lVert X\theta - y\rVert^2 + \frac\alpha2\lVert\theta\rVert^2` (the book's
    :class:`lib.losses.L2` penalty) has gradient :math:`\frac2n X^\top X\theta - \frac2n X^\top y +
    \alpha\theta`; in the basis :math:`v_j` of :func:`gradient_descent_filter` its minimizer is
    :math:`\theta_\alpha = \sum_j \frac{h_j}{h_j + \alpha}\frac{u_j^\top y}{\sigma_j} v_j` with
    :math:`h_j = 2\sigma_j^2/n` :cite:p:`hoerl1970ridge`. For :math:`\eta h_j \ll 1`, :math:`1 - (1 -
    \eta h_j)^t \approx 1 - e^{-\eta t h_j}`, which is close to :math:`h_j/(h_j + 1/(\eta t))`: gradient
    descent stopped after :math:`t` steps resembles ridge with :math:`\alpha \approx 1/(\eta t)`.

    Parameters
    ----------
    curvatures : array_like
        The curvatures :math:`h_j \ge 0`.
    alpha : float
        The penalty strength :math:`\alpha > 0`.

    Returns
    -------
    ndarray
    """
    owner = "ridge_filter"
    alpha = check_params(owner, {"alpha": alpha}, {"alpha": [Interval(Real, 0, None, closed="neither")]})["alpha"]
    curvatures = _positive_array(owner, "curvatures", curvatures)
    return curvatures / (curvatures + alpha)


def filtered_least_squares(X: object, y: object, filter_factors: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    r"""The spectral estimate :math:`\sum_j f(h_j)\, (u_j^\top y/\sigma_j)\, v_j`, with :math:`h_j = 2\sigma_j^2/n`.

    ``filter_factors`` maps the curvatures to the factors :math:`f(h_j)`, for example
    ``lambda h: gradient_descent_filter(h, lr, steps)``. Directions with :math:`\sigma_j = 0` (or below
    rounding, :math:`\sigma_j \le \sigma_1 \max(n, d)\,\epsilon`) are left out, as in the minimum-norm
    least-squares solution.

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
    filter_factors : callable

    Returns
    -------
    ndarray of shape (d,)
    """
    X, y = _check_xy("filtered_least_squares", X, y)
    U, singular_values, Vt = np.linalg.svd(X, full_matrices=False)
    keep = singular_values > singular_values[0] * max(X.shape) * np.finfo(np.float64).eps
    U, singular_values, Vt = U[:, keep], singular_values[keep], Vt[keep]
    factors = np.asarray(filter_factors(2.0 * singular_values**2 / X.shape[0]), dtype=np.float64)
    return Vt.T @ (factors * (U.T @ y) / singular_values)


# ---------------------------------------------------------------------------------------------------------
# Dropout
# ---------------------------------------------------------------------------------------------------------


_DROP_RATE = {"p": [Interval(Real, 0, 1, closed="left", hint="p is the probability of dropping a unit")]}


def inverted_dropout(values: object, p: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""Drop each entry with probability :math:`p` and scale the kept ones by :math:`1/(1-p)`.

    With a mask :math:`m` of independent Bernoulli(:math:`1-p`) entries the output is :math:`a \odot m /(1-p)`,
    whose expectation is :math:`a`: the scaling happens during training ("inverted" dropout), so that the
    network is used unchanged at test time :cite:p:`srivastava2014dropout`. Each kept entry is multiplied by
    :math:`\delta = m/(1-p)`, with mean 1 and variance :math:`p/(1-p)`.

    Parameters
    ----------
    values : array_like
        The activations :math:`a`.
    p : float
        The drop probability, :math:`0 \le p < 1`.
    rng : numpy.random.Generator

    Returns
    -------
    dropped : ndarray
        :math:`a \odot m / (1 - p)`.
    scale : ndarray
        :math:`m / (1 - p)` (0 where dropped), what the backward pass multiplies the gradient by.
    """
    owner = "inverted_dropout"
    p = check_params(owner, {"p": p}, _DROP_RATE)["p"]
    check_params(owner, {"rng": rng}, {"rng": [InstanceOf(np.random.Generator, "a numpy.random.Generator")]})
    values = as_float_array(owner, "values", values)
    scale = (rng.random(values.shape) >= p) / (1.0 - p)
    return values * scale, scale


def dropout_ridge_penalty(w: object, X: object, p: float) -> float:
    r"""What dropout on the inputs adds, on average, to a linear regression's mean squared error.

    With inverted dropout on the features, :math:`\tilde x_{ij} = x_{ij}\delta_{ij}`, :math:`\mathbb E\,\delta = 1`,
    :math:`\operatorname{Var}\delta = p/(1-p)`, each residual :math:`y_i - \tilde x_i^\top w` has mean
    :math:`y_i - x_i^\top w` and variance :math:`\frac{p}{1-p}\sum_j x_{ij}^2 w_j^2`, so

    .. math::

        \mathbb E\Bigl[\frac1n\sum_i (y_i - \tilde x_i^\top w)^2\Bigr]
        = \frac1n\lVert y - Xw\rVert^2 + \frac{p}{1-p}\,\frac1n \sum_j w_j^2 \lVert x_{\cdot j}\rVert^2,

    where :math:`x_{\cdot j}` is column :math:`j` of :math:`X`: an L2 penalty whose weight on :math:`w_j` grows
    with the scale of feature :math:`j` :cite:p:`wager2013dropout`. (With a summed or halved loss the factor
    :math:`1/n` or :math:`1/2` changes accordingly.)

    Parameters
    ----------
    w : array_like of shape (d,)
    X : array_like of shape (n, d)
    p : float
        The drop probability, :math:`0 \le p < 1`.

    Returns
    -------
    float
        The second term above.
    """
    owner = "dropout_ridge_penalty"
    p = check_params(owner, {"p": p}, _DROP_RATE)["p"]
    X = _check_matrix(owner, X)
    w = as_float_array(owner, "w", w)
    if w.shape != (X.shape[1],):
        raise ValueError(f"{owner}: w must have shape ({X.shape[1]},) to match X of shape {X.shape}, "
                         f"got shape {w.shape}")
    column_norms = np.sum(X**2, axis=0)
    return float(p / (1.0 - p) * np.sum(w**2 * column_norms) / X.shape[0])


class DropoutNetwork:
    r"""A two-layer regression network with dropout on its hidden units, as an objective for :func:`lib.train.train`.

    The prediction for the rows :math:`X` is :math:`\hat y = \bigl(\tanh(XW_1 + b_1) \odot \Delta\bigr) w_2 + b_2`,
    with :math:`\Delta` the inverted-dropout scale (:func:`inverted_dropout`) drawn afresh at every training
    evaluation and all ones for evaluation (``value``, ``predict``) :cite:p:`srivastava2014dropout`. The loss is
    the book's mean squared error; with :math:`A = XW_1 + b_1`, :math:`H = \tanh A`, :math:`\tilde H = H \odot
    \Delta` and :math:`g = \frac2n(\hat y - y)` the gradients are

    .. math::

        \nabla_{w_2} = \tilde H^\top g,\quad \nabla_{b_2} = \textstyle\sum_i g_i,\quad
        G = (g\, w_2^\top) \odot \Delta \odot (1 - H^2),\quad \nabla_{W_1} = X^\top G,\quad
        \nabla_{b_1} = \textstyle\sum_i G_{i\cdot}.

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
    n_hidden : int
        Hidden units :math:`h \ge 1`.
    p : float, default 0.0
        Drop probability of a hidden unit, :math:`0 \le p < 1`.
    seed : int, default 0
        Seed of the dropout masks.
    """

    constraints = {"n_hidden": [Interval(Integral, 1, None)], **_DROP_RATE, "seed": [SEED_CONSTRAINT]}

    def __init__(self, X: object, y: object, n_hidden: int, *, p: float = 0.0, seed: int = 0) -> None:
        checked = check_params("DropoutNetwork", {"n_hidden": n_hidden, "p": p, "seed": seed}, self.constraints)
        self.X, self.y = _check_xy("DropoutNetwork", X, y)
        self.n_hidden, self.p, self.seed = checked.values()
        self.rng = make_rng(self.seed)

    def initial_parameters(self, seed: int) -> dict[str, np.ndarray]:
        r"""Glorot-scaled normal weights, zero biases: :math:`W_1 \sim N(0, 1/d)`, :math:`w_2 \sim N(0, 1/h)`."""
        rng = make_rng(seed)
        d, h = self.X.shape[1], self.n_hidden
        return {"W1": rng.normal(scale=1.0 / math.sqrt(d), size=(d, h)), "b1": np.zeros(h),
                "w2": rng.normal(scale=1.0 / math.sqrt(h), size=h), "b2": np.zeros(())}

    def predict(self, theta: dict[str, np.ndarray], X: object) -> np.ndarray:
        """The network without dropout (every unit kept, no scaling) on the rows ``X``."""
        X = _check_matrix("DropoutNetwork.predict", X)
        return np.tanh(X @ theta["W1"] + theta["b1"]) @ theta["w2"] + theta["b2"]

    def value(self, theta: dict[str, np.ndarray]) -> float:
        """The mean squared error on all the training data, without dropout."""
        residual = self.predict(theta, self.X) - self.y
        return float(residual @ residual) / residual.size

    def loss_and_grad(self, theta: dict[str, np.ndarray], batch: np.ndarray | None = None
                      ) -> tuple[float, dict[str, np.ndarray]]:
        """Loss and gradient on ``batch`` (or all the data) with a fresh dropout mask on the hidden units."""
        rows = slice(None) if batch is None else batch
        n_rows = self.X[rows].shape[0]
        scale = (self.rng.random((n_rows, self.n_hidden)) >= self.p) / (1.0 - self.p)
        return self.loss_and_grad_with_mask(theta, scale, batch)

    def loss_and_grad_with_mask(self, theta: dict[str, np.ndarray], scale: np.ndarray,
                                batch: np.ndarray | None = None) -> tuple[float, dict[str, np.ndarray]]:
        r"""Loss and gradient for a given dropout scale :math:`\Delta` (shape ``(rows, n_hidden)``); deterministic."""
        X = self.X if batch is None else self.X[batch]
        y = self.y if batch is None else self.y[batch]
        hidden = np.tanh(X @ theta["W1"] + theta["b1"])
        dropped = hidden * scale
        residual = dropped @ theta["w2"] + theta["b2"] - y
        g = (2.0 / y.size) * residual
        back = np.outer(g, theta["w2"]) * scale * (1.0 - hidden**2)
        grad = {"W1": X.T @ back, "b1": back.sum(axis=0), "w2": dropped.T @ g, "b2": np.asarray(g.sum())}
        return float(residual @ residual) / y.size, grad

    def __repr__(self) -> str:
        return f"DropoutNetwork(n_hidden={self.n_hidden}, p={self.p:g}, seed={self.seed})"


# ---------------------------------------------------------------------------------------------------------
# Cross-validation
# ---------------------------------------------------------------------------------------------------------


def _check_matrix(owner: str, X: object) -> np.ndarray:
    X = as_float_array(owner, "X", X)
    if X.ndim != 2:
        raise ValueError(f"{owner}: X must be two-dimensional, shape (n, d), got shape {X.shape}")
    check_finite(owner, "X", X)
    return X


def _check_xy(owner: str, X: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    X = _check_matrix(owner, X)
    y = as_float_array(owner, "y", y)
    if y.ndim != 1:
        raise ValueError(f"{owner}: y must be one-dimensional, shape (n,), got shape {y.shape}; use y.ravel()")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{owner}: X has {X.shape[0]} rows but y has {y.shape[0]} entries; they must match")
    check_finite(owner, "y", y)
    return X, y


def _check_model(owner: str, model: Any) -> None:
    if not all(callable(getattr(model, name, None)) for name in ("fit", "predict")):
        raise InvalidParameterError(message(owner, "model", "an estimator with fit and predict methods",
                                            type(model).__name__))


def _fresh(model: Any, params: Mapping[str, Any] | None = None) -> Any:
    """An unfitted copy of ``model`` (scikit-learn's ``clone`` when it has ``get_params``), with ``params`` set."""
    if hasattr(model, "get_params"):
        from sklearn.base import clone
        fresh = clone(model)
    else:
        fresh = copy.deepcopy(model)
    if params:
        if not hasattr(fresh, "set_params"):
            raise InvalidParameterError(message("nested_cross_val_score", "model", "an estimator with set_params",
                                                type(model).__name__, "the grid sets hyperparameters by name"))
        fresh.set_params(**params)
    return fresh


def neg_mean_squared_error(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    r"""The scorer :math:`-\frac1m\sum_i (\hat y_i - y_i)^2` on held-out rows.

    scikit-learn's ``scoring="neg_mean_squared_error"``: negated, so that higher is better.
    """
    residual = np.asarray(model.predict(X), dtype=np.float64) - y
    return -float(residual @ residual) / residual.size


def _folds(owner: str, n_samples: int, n_folds: int, seed: int | None, folds: object) -> list:
    """The folds given, checked, or :func:`lib.data.kfold_indices`'s ``n_folds`` folds."""
    if folds is None:
        checked = check_params(owner, {"n_folds": n_folds}, {"n_folds": [Interval(Integral, 2, None)]})
        if checked["n_folds"] > n_samples:
            raise ValueError(f"{owner}: n_folds = {n_folds} is more than the {n_samples} samples; every fold needs "
                             "at least one sample (leave-one-out is n_folds = n)")
        return kfold_indices(n_samples, checked["n_folds"], seed=seed, shuffle=seed is not None)
    folds = list(folds)
    if not folds:
        raise ValueError(f"{owner}: folds must hold at least one (train, validation) pair, got none")
    for k, (train_idx, val_idx) in enumerate(folds):
        for name, index in (("train", train_idx), ("validation", val_idx)):
            index = np.asarray(index)
            if index.size == 0 or index.dtype.kind not in "iu" or index.min() < 0 or index.max() >= n_samples:
                raise ValueError(f"{owner}: fold {k}'s {name} indices must be a non-empty array of integers in "
                                 f"[0, {n_samples}), got {index!r}")
    return folds


def cross_val_score(model: Any, X: object, y: object, *, n_folds: int = 5, seed: int | None = None,
                    folds: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
                    scoring: Scorer | None = None) -> np.ndarray:
    r""":math:`k`-fold cross-validation: fit on all folds but one, score on that one, for each fold in turn.

    With folds :math:`F_1, \ldots, F_k` that partition the samples, round :math:`j` fits a fresh copy of the
    model on the samples outside :math:`F_j` and scores it on :math:`F_j`; the mean of the :math:`k` scores
    estimates how the model, *fitted this way*, does on new data :cite:p:`stone1974cross`. It is a procedure
    that estimates a metric, not a metric.

    Parameters
    ----------
    model : estimator
        An object with ``fit(X, y)`` and ``predict(X)``; copied (``sklearn.base.clone`` when it has
        ``get_params``) before each fit, never fitted itself.
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
    n_folds : int, default 5
        :math:`k`, with :math:`2 \le k \le n`; ignored when ``folds`` is given.
    seed : int, optional
        Shuffle the samples with this seed before cutting the folds (:func:`lib.data.kfold_indices`);
        without it the folds are contiguous blocks, as ``KFold(k)`` without shuffling.
    folds : sequence of (train_idx, val_idx), optional
        The folds to use, for example ``list(sklearn.model_selection.KFold(5, shuffle=True,
        random_state=0).split(X))``.
    scoring : callable, optional
        ``scoring(fitted_model, X_val, y_val) -> float``, higher is better (:func:`neg_mean_squared_error`);
        default ``fitted_model.score(X_val, y_val)``, as scikit-learn does.

    Returns
    -------
    ndarray of shape (k,)
        One score per fold; equal to ``sklearn.model_selection.cross_val_score(model, X, y, cv=folds,
        scoring=...)`` on the same folds.
    """
    owner = "cross_val_score"
    _check_model(owner, model)
    X, y = _check_xy(owner, X, y)
    pairs = _folds(owner, X.shape[0], n_folds, seed, folds)
    scores = np.empty(len(pairs))
    for k, (train_idx, val_idx) in enumerate(pairs):
        fitted = _fresh(model).fit(X[train_idx], y[train_idx])
        scores[k] = fitted.score(X[val_idx], y[val_idx]) if scoring is None else scoring(fitted, X[val_idx],
                                                                                           y[val_idx])
    return scores


@dataclass(frozen=True)
class NestedCVResult:
    """What :func:`nested_cross_val_score` measured.

    Attributes
    ----------
    nested_scores : ndarray of shape (k_outer,)
        The outer folds' scores of the model tuned on the other outer folds: an honest estimate.
    non_nested_score : float
        The best mean inner-CV score of the grid search on all the data: the usual, optimistic, report.
    best_params : dict
        The grid point that search chose.
    """

    nested_scores: np.ndarray
    non_nested_score: float
    best_params: dict[str, Any]

    @property
    def optimism(self) -> float:
        """``non_nested_score - nested_scores.mean()``."""
        return self.non_nested_score - float(np.mean(self.nested_scores))


def _tune(model: Any, grid: list[dict[str, Any]], X: np.ndarray, y: np.ndarray, inner_folds: int,
          seed: int | None, scoring: Scorer | None) -> tuple[dict[str, Any], float]:
    """The grid point with the best mean cross-validation score (the first of equals), and that score."""
    means = [float(np.mean(cross_val_score(_fresh(model, params), X, y, n_folds=inner_folds, seed=seed,
                                           scoring=scoring))) for params in grid]
    best = int(np.argmax(means))
    return grid[best], means[best]


def nested_cross_val_score(model: Any, param_grid: Mapping[str, Sequence[Any]], X: object, y: object, *,
                           outer_folds: int = 5, inner_folds: int = 5, seed: int | None = None,
                           scoring: Scorer | None = None) -> NestedCVResult:
    r"""Cross-validate a model *together with* its grid search, and compare with the search's own best score.

    The **non-nested** score is what a grid search reports: the best, over the grid, of the mean
    ``inner_folds``-fold score on all the data. Choosing the maximum of many noisy estimates biases it up.
    The **nested** estimate runs the whole search again inside each of ``outer_folds`` outer training sets
    and scores the chosen model on the outer fold it never saw :cite:p:`cawley2010overfitting`. This is
    ``cross_val_score(GridSearchCV(model, param_grid, cv=inner), X, y, cv=outer)`` in scikit-learn.

    Parameters
    ----------
    model : estimator
        With ``fit``, ``predict`` and ``set_params`` (the grid's names are its constructor arguments).
    param_grid : mapping of str to sequence
        The values to try for each hyperparameter (all combinations are tried).
    X, y : array_like
    outer_folds, inner_folds : int, default 5
    seed : int, optional
        Shuffle seed of both levels of folds (contiguous folds without it).
    scoring : callable, optional
        As in :func:`cross_val_score`.

    Returns
    -------
    NestedCVResult
    """
    owner = "nested_cross_val_score"
    _check_model(owner, model)
    X, y = _check_xy(owner, X, y)
    grid = _grid_points(owner, param_grid)
    check_params(owner, {"inner_folds": inner_folds}, {"inner_folds": [Interval(Integral, 2, None)]})
    outer = _folds(owner, X.shape[0], outer_folds, seed, None)
    nested = np.empty(len(outer))
    for k, (train_idx, val_idx) in enumerate(outer):
        params, _ = _tune(model, grid, X[train_idx], y[train_idx], inner_folds, seed, scoring)
        fitted = _fresh(model, params).fit(X[train_idx], y[train_idx])
        nested[k] = (fitted.score(X[val_idx], y[val_idx]) if scoring is None
                     else scoring(fitted, X[val_idx], y[val_idx]))
    best_params, best_score = _tune(model, grid, X, y, inner_folds, seed, scoring)
    return NestedCVResult(nested_scores=nested, non_nested_score=best_score, best_params=best_params)


# ---------------------------------------------------------------------------------------------------------
# Hyperparameter search
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResult:
    """The trials of a search, in the order they were run.

    Attributes
    ----------
    params : list of dict
        The hyperparameters of each trial.
    values : ndarray
        The objective's value at each trial (lower is better).
    """

    params: list[dict[str, Any]]
    values: np.ndarray

    @property
    def best_index(self) -> int:
        """The trial with the lowest value (the first of equals)."""
        return int(np.argmin(self.values))

    @property
    def best_params(self) -> dict[str, Any]:
        return self.params[self.best_index]

    @property
    def best_value(self) -> float:
        return float(self.values[self.best_index])

    @property
    def best_so_far(self) -> np.ndarray:
        """The lowest value among the first :math:`1, 2, \\ldots` trials: the search's convergence curve."""
        return np.minimum.accumulate(self.values)

    def __repr__(self) -> str:
        return (f"SearchResult(trials={len(self.values)}, best_value={self.best_value:.6g}, "
                f"best_params={self.best_params})")


def _grid_points(owner: str, grid: object) -> list[dict[str, Any]]:
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError(message(owner, "the search space", "a non-empty mapping of names to values", grid))
    for name, values in grid.items():
        if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray) or len(values) == 0:
            raise ValueError(message(owner, f"the values of {name!r}", "a non-empty sequence", values))
    names = list(grid)
    return [dict(zip(names, point, strict=True)) for point in itertools.product(*grid.values())]


def _box(owner: str, space: object) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Names, lower and upper bounds of a box ``{name: (low, high)}``."""
    if not isinstance(space, Mapping) or not space:
        raise ValueError(message(owner, "the search space", "a non-empty mapping of names to (low, high)", space))
    lows, highs = [], []
    for name, bounds in space.items():
        ok = isinstance(bounds, Sequence) and len(bounds) == 2 and all(
            isinstance(b, Real) and not isinstance(b, bool) and math.isfinite(b) for b in bounds)
        if not ok or not bounds[0] < bounds[1]:
            raise ValueError(message(owner, f"the interval of {name!r}", "a pair (low, high) of finite numbers "
                                     "with low < high", bounds))
        lows.append(float(bounds[0]))
        highs.append(float(bounds[1]))
    return list(space), np.array(lows), np.array(highs)


def _evaluate(owner: str, objective: Objective, params: dict[str, Any], trial: int) -> float:
    value = objective(params)
    if np.ndim(value) != 0 or not math.isfinite(float(value)):
        raise ValueError(f"{owner}: the objective must return a finite number, got {value!r} at trial {trial} "
                         f"with {params}")
    return float(value)


def _check_objective(owner: str, objective: object) -> None:
    check_params(owner, {"objective": objective}, {"objective": [InstanceOf(Callable, "a function params -> float")]})


def grid_search(objective: Objective, grid: Mapping[str, Sequence[Any]]) -> SearchResult:
    """Evaluate the objective at every combination of the grid's values (the last name varies fastest).

    The cost is the product of the numbers of values, which grows exponentially with the number of
    hyperparameters; and with the same budget a grid tries few distinct values of each one
    :cite:p:`bergstra2012random`.

    Parameters
    ----------
    objective : callable
        ``objective(params) -> float``, to minimize.
    grid : mapping of str to sequence
        The values to try for each hyperparameter.

    Returns
    -------
    SearchResult
    """
    owner = "grid_search"
    _check_objective(owner, objective)
    points = _grid_points(owner, grid)
    values = [_evaluate(owner, objective, params, trial) for trial, params in enumerate(points)]
    return SearchResult(points, np.array(values))


_BUDGET = {"n_trials": [Interval(Integral, 1, None, hint="the budget is the number of objective evaluations")],
           "seed": [SEED_CONSTRAINT]}


def random_search(objective: Objective, space: Mapping[str, tuple[float, float]], *, n_trials: int,
                  seed: int) -> SearchResult:
    r"""Evaluate the objective at ``n_trials`` points drawn uniformly from the box ``space``.

    Each trial draws every hyperparameter independently, so :math:`T` trials try :math:`T` distinct values of
    each one, where a grid of :math:`T = m^k` points tries only :math:`m`; when few hyperparameters matter,
    that is why random search beats grid search :cite:p:`bergstra2012random`.

    Parameters
    ----------
    objective : callable
        ``objective(params) -> float``, to minimize.
    space : mapping of str to (low, high)
    n_trials : int
        The budget, :math:`\ge 1`.
    seed : int

    Returns
    -------
    SearchResult
    """
    owner = "random_search"
    _check_objective(owner, objective)
    n_trials, seed = check_params(owner, {"n_trials": n_trials, "seed": seed}, _BUDGET).values()
    names, low, high = _box(owner, space)
    points = make_rng(seed).uniform(low, high, size=(n_trials, len(names)))
    params = [dict(zip(names, map(float, point), strict=True)) for point in points]
    values = [_evaluate(owner, objective, p, trial) for trial, p in enumerate(params)]
    return SearchResult(params, np.array(values))


class GaussianProcess:
    r"""Gaussian-process regression with a squared-exponential kernel and fixed hyperparameters.

    Prior :math:`f \sim \mathcal{GP}(0, k)` with :math:`k(x, x') = s^2 \exp\bigl(-\lVert x - x'\rVert^2 /
    (2\ell^2)\bigr)`, observations :math:`y = f(X) + \varepsilon`, :math:`\varepsilon \sim N(0, \sigma_n^2 I)`.
    With :math:`K = k(X, X) + \sigma_n^2 I` and :math:`k_* = k(X, x_*)` the posterior at test points is
    Gaussian with

    .. math::

        \mu(x_*) = k_*^\top K^{-1} y, \qquad
        \Sigma(x_*, x_*') = k(x_*, x_*') - k_*^\top K^{-1} k_*',

    computed with a Cholesky factor of :math:`K` :cite:p:`rasmussen2006gaussian`. It equals scikit-learn's
    ``GaussianProcessRegressor(ConstantKernel(s**2) * RBF(l), alpha=noise_variance, optimizer=None)``.

    Parameters
    ----------
    length_scale : float, default 1.0
        :math:`\ell > 0`.
    signal_variance : float, default 1.0
        :math:`s^2 > 0`.
    noise_variance : float, default 1e-10
        :math:`\sigma_n^2 \ge 0` (a small value keeps :math:`K` numerically positive definite).
    """

    constraints = {"length_scale": [Interval(Real, 0, None, closed="neither")],
                   "signal_variance": [Interval(Real, 0, None, closed="neither")],
                   "noise_variance": [Interval(Real, 0, None)]}

    def __init__(self, length_scale: float = 1.0, signal_variance: float = 1.0, noise_variance: float = 1e-10) -> None:
        checked = check_params("GaussianProcess", {"length_scale": length_scale, "signal_variance": signal_variance,
                                                   "noise_variance": noise_variance}, self.constraints)
        self.length_scale, self.signal_variance, self.noise_variance = checked.values()

    def kernel(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """:math:`k(A, B)`, the matrix of kernel values between the rows of ``A`` and of ``B``."""
        sq_dist = np.sum(A**2, axis=1)[:, None] + np.sum(B**2, axis=1)[None, :] - 2.0 * A @ B.T
        return self.signal_variance * np.exp(-np.maximum(sq_dist, 0.0) / (2.0 * self.length_scale**2))

    def fit(self, X: object, y: object) -> GaussianProcess:
        """Condition on the observations ``y`` at the rows of ``X``."""
        self.X_train_, self.y_train_ = _check_xy("GaussianProcess.fit", X, y)
        K = self.kernel(self.X_train_, self.X_train_) + self.noise_variance * np.eye(self.X_train_.shape[0])
        self.cholesky_ = cho_factor(K, lower=True)
        self.weights_ = cho_solve(self.cholesky_, self.y_train_)
        return self

    def predict(self, X: object, *, return_std: bool = False, return_cov: bool = False):
        """The posterior mean at the rows of ``X``, and its standard deviation or covariance on request."""
        if not hasattr(self, "weights_"):
            raise RuntimeError("GaussianProcess.predict: call fit first")
        X = _check_matrix("GaussianProcess.predict", X)
        if X.shape[1] != self.X_train_.shape[1]:
            raise ValueError(f"GaussianProcess.predict: X has {X.shape[1]} columns, but the process was fitted on "
                             f"{self.X_train_.shape[1]}")
        cross = self.kernel(self.X_train_, X)
        mean = cross.T @ self.weights_
        if not (return_std or return_cov):
            return mean
        solved = cho_solve(self.cholesky_, cross)
        if return_cov:
            return mean, self.kernel(X, X) - cross.T @ solved
        variance = self.signal_variance - np.sum(cross * solved, axis=0)
        return mean, np.sqrt(np.maximum(variance, 0.0))

    def log_marginal_likelihood(self) -> float:
        r""":math:`\log p(y \mid X) = -\frac12 y^\top K^{-1} y - \sum_i \log L_{ii} - \frac n2 \log 2\pi`."""
        if not hasattr(self, "weights_"):
            raise RuntimeError("GaussianProcess.log_marginal_likelihood: call fit first")
        n = self.y_train_.size
        return float(-0.5 * self.y_train_ @ self.weights_ - np.sum(np.log(np.diag(self.cholesky_[0])))
                     - 0.5 * n * math.log(2.0 * math.pi))


def expected_improvement(mean: object, std: object, best: float, xi: float = 0.0) -> np.ndarray:
    r"""Expected improvement below ``best`` of a Gaussian prediction (for minimization).

    For :math:`f(x) \sim N(\mu, \sigma^2)` and the best value so far :math:`f^\ast`, the improvement
    :math:`\max(f^\ast - \xi - f(x), 0)` has expectation

    .. math::

        \mathrm{EI}(x) = (f^\ast - \xi - \mu)\,\Phi(z) + \sigma\,\varphi(z), \qquad
        z = \frac{f^\ast - \xi - \mu}{\sigma},

    with :math:`\Phi` and :math:`\varphi` the standard normal distribution and density; where
    :math:`\sigma = 0` it is :math:`\max(f^\ast - \xi - \mu, 0)` :cite:p:`jones1998efficient`. Large where the
    mean is low (exploitation) or the uncertainty high (exploration).

    Parameters
    ----------
    mean, std : array_like
        :math:`\mu` and :math:`\sigma \ge 0` at the candidate points.
    best : float
        :math:`f^\ast`.
    xi : float, default 0.0
        :math:`\xi \ge 0`, a margin that favours exploration.

    Returns
    -------
    ndarray
    """
    owner = "expected_improvement"
    mean = as_float_array(owner, "mean", mean)
    std = as_float_array(owner, "std", std)
    if mean.shape != std.shape:
        raise ValueError(f"{owner}: mean and std must have the same shape, got {mean.shape} and {std.shape}")
    gap = best - xi - mean
    safe = np.where(std > 0, std, 1.0)
    z = gap / safe
    ei = gap * ndtr(z) + std * np.exp(-0.5 * z**2) / math.sqrt(2.0 * math.pi)
    return np.where(std > 0, ei, np.maximum(gap, 0.0))


#: The length scales (on inputs scaled to [0, 1]) among which bayesian_optimization picks by marginal likelihood.
LENGTH_SCALES = np.geomspace(0.03, 1.0, 16)


def _fit_surrogate(unit_points: np.ndarray, values: np.ndarray) -> GaussianProcess:
    """A GP on standardized values, with the length scale of highest marginal likelihood among ``LENGTH_SCALES``."""
    spread = float(np.std(values))
    standardized = (values - np.mean(values)) / (spread if spread > 0 else 1.0)
    best, best_lml = None, -math.inf
    for length_scale in LENGTH_SCALES:
        process = GaussianProcess(length_scale=float(length_scale), noise_variance=1e-8).fit(unit_points, standardized)
        lml = process.log_marginal_likelihood()
        if lml > best_lml:
            best, best_lml = process, lml
    return best


def bayesian_optimization(objective: Objective, space: Mapping[str, tuple[float, float]], *, n_trials: int,
                          seed: int, n_initial: int = 3, n_candidates: int = 2000, xi: float = 0.0) -> SearchResult:
    r"""Minimize the objective over the box ``space`` with a Gaussian process and expected improvement.

    The first ``n_initial`` trials are drawn uniformly. Then each trial fits a :class:`GaussianProcess` to
    the trials so far (inputs scaled to :math:`[0, 1]`, values standardized, the length scale chosen among
    ``LENGTH_SCALES`` by marginal likelihood, noise variance :math:`10^{-8}`), and evaluates the objective where
    :func:`expected_improvement` is largest among ``n_candidates`` uniform random candidates (drawn anew
    each trial from the seeded generator) :cite:p:`jones1998efficient,snoek2012practical`. The surrogate costs
    :math:`O(T^3)` per trial, nothing next to an objective that trains a model.

    Parameters
    ----------
    objective : callable
        ``objective(params) -> float``, to minimize.
    space : mapping of str to (low, high)
    n_trials : int
        The budget, :math:`\ge 1` (including the initial trials).
    seed : int
    n_initial : int, default 3
        Random trials before the surrogate is used, :math:`1 \le` ``n_initial``.
    n_candidates : int, default 2000
        Candidates scored by the acquisition function at each trial.
    xi : float, default 0.0
        Exploration margin of :func:`expected_improvement`, in standardized units.

    Returns
    -------
    SearchResult
    """
    owner = "bayesian_optimization"
    _check_objective(owner, objective)
    constraints = {**_BUDGET, "n_initial": [Interval(Integral, 1, None)],
                   "n_candidates": [Interval(Integral, 1, None)], "xi": [Interval(Real, 0, None)]}
    n_trials, seed, n_initial, n_candidates, xi = check_params(owner, {
        "n_trials": n_trials, "seed": seed, "n_initial": n_initial, "n_candidates": n_candidates, "xi": xi},
        constraints).values()
    names, low, high = _box(owner, space)
    rng = make_rng(seed)
    unit = rng.uniform(size=(min(n_initial, n_trials), len(names)))
    values = [_evaluate(owner, objective, _params(names, low, high, u), t) for t, u in enumerate(unit)]
    for trial in range(len(values), n_trials):
        process = _fit_surrogate(unit, np.array(values))
        candidates = rng.uniform(size=(n_candidates, len(names)))
        mean, std = process.predict(candidates, return_std=True)
        best = float(np.min(process.y_train_))
        chosen = candidates[np.argmax(expected_improvement(mean, std, best, xi))]
        unit = np.vstack([unit, chosen])
        values.append(_evaluate(owner, objective, _params(names, low, high, chosen), trial))
    return SearchResult([_params(names, low, high, u) for u in unit], np.array(values))


def _params(names: list[str], low: np.ndarray, high: np.ndarray, unit_point: np.ndarray) -> dict[str, float]:
    """The point of the box that ``unit_point`` (in :math:`[0, 1]^k`) maps to, as a dict."""
    return dict(zip(names, map(float, low + unit_point * (high - low)), strict=True))
