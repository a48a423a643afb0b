r"""Data sets and data utilities: seeded synthetic data, splits, scaling, encodings and batching.

Every data set here is drawn from a generator made by :func:`lib.rng.make_rng` from an explicit ``seed``,
so the same call gives the same arrays on every run and every machine, and no function touches NumPy's
global random state. The one exception in spirit, :func:`make_source_regression`, reproduces the source
document's data set, which was drawn with the legacy ``np.random.seed(42)``; it uses a private legacy
``RandomState`` so that the numbers are the same without changing the global state.

Conventions: a design matrix ``X`` has shape ``(n, d)`` (:math:`n` samples, :math:`d` features) and targets
``y`` have shape ``(n,)``, one-dimensional, which is what scikit-learn expects and what avoids the
``(n,)`` against ``(n, 1)`` broadcasting trap.

Mini-batches come two ways: :func:`minibatches` yields the batches of one epoch (the loop a chapter writes
out), and :class:`MiniBatches` gives the batches of any epoch from ``(seed, epoch)`` alone, which is what
:func:`lib.train.train` needs to resume a run exactly. Arguments are checked with :mod:`lib.checks`, so a
bad one gets the same error format everywhere: ``"<function>: <argument> must be <what>, got <value>"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from lib.checks import (
    Boolean,
    InstanceOf,
    Interval,
    InvalidParameterError,
    Pair,
    as_float_array,
    check_finite,
    check_params,
    message,
)
from lib.rng import SEED_CONSTRAINT, make_rng

__all__ = [
    "make_source_regression",
    "make_linear_regression",
    "make_polynomial_regression",
    "make_classification",
    "make_moons",
    "train_val_test_split",
    "Standardizer",
    "one_hot",
    "minibatches",
    "MiniBatches",
    "kfold_indices",
]


# ---------------------------------------------------------------------------------------------------------
# Argument checks (declared with lib.checks; one error format)
# ---------------------------------------------------------------------------------------------------------

def _check_finite_vector(owner: str, name: str, values: object, length: int | None = None) -> np.ndarray:
    """``values`` as a finite one-dimensional float64 array (of ``length`` entries, if given)."""
    array = as_float_array(owner, name, values)
    if array.ndim != 1:
        raise ValueError(f"{owner}: {name} must be one-dimensional, got shape {array.shape}; pass {name}.ravel()")
    if length is not None and array.shape[0] != length:
        raise ValueError(f"{owner}: {name} must have length {length}, got shape {array.shape}")
    check_finite(owner, name, array)
    return array


# ---------------------------------------------------------------------------------------------------------
# Synthetic data sets
# ---------------------------------------------------------------------------------------------------------


def make_source_regression() -> tuple[np.ndarray, np.ndarray]:
    r"""The source document's linear-regression data set (its section 4.1), number for number.

    The source draws it with NumPy's legacy global generator::

        np.random.seed(42)
        X = np.random.rand(1000, 1)
        y = 3 * X + np.random.rand(1000, 1)

    This function makes the same draws from a private ``np.random.RandomState(42)`` (the Mersenne Twister
    that ``np.random.seed`` seeds), so the arrays are identical bit for bit, and NumPy's global state is
    left alone.

    The true model is :math:`y = 3x + u` with :math:`x \sim U[0, 1)` and noise :math:`u \sim U[0, 1)`.
    The noise has mean 1/2, not 0, so the best linear fit :math:`y \approx b + wx` has intercept
    :math:`b \approx 0.5` and slope :math:`w \approx 3`; a model without intercept, like the source's
    ``X @ theta``, cannot represent it.

    Returns
    -------
    X : numpy.ndarray of shape (1000, 1)
        The single feature.
    y : numpy.ndarray of shape (1000,)
        The targets. The source keeps ``y`` as a ``(1000, 1)`` column; the book uses one-dimensional
        targets, so this is the source's ``y.ravel()``, the same numbers.
    """
    legacy_generator = np.random.RandomState(42)
    X = legacy_generator.rand(1000, 1)
    y = 3 * X + legacy_generator.rand(1000, 1)
    return X, y.ravel()


def make_linear_regression(n_samples: int, n_features: int, *, noise: float = 1.0, coef: ArrayLike | None = None,
                           intercept: float = 0.0, correlation: float = 0.0,
                           seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Draw a linear-regression data set :math:`y = Xw + b + \varepsilon` with Gaussian features.

    Each row of :math:`X` is drawn from :math:`\mathcal N(0, \Sigma)` with the **equicorrelated**
    covariance :math:`\Sigma = (1-\rho)I + \rho\,\mathbf 1\mathbf 1^\top`: every feature has variance 1
    and every pair of features has correlation :math:`\rho`. It is built as
    :math:`x_{ij} = \sqrt{1-\rho}\,g_{ij} + \sqrt{\rho}\,c_i` with independent standard normals
    :math:`g_{ij}` and a factor :math:`c_i` shared by the row. As :math:`\rho \to 1` the columns become
    nearly collinear and :math:`X^\top X` nearly singular, the situation ridge regression was made for
    (Hoerl and Kennard, 1970). The noise is :math:`\varepsilon_i \sim \mathcal N(0, \sigma^2)` with
    :math:`\sigma` = ``noise``.

    The draws come in a fixed order (the :math:`g_{ij}`, the :math:`c_i`, then the coefficients if not
    given, then the noise), so for a given seed ``X`` does not depend on ``noise``, ``coef``,
    ``intercept``, and depends on ``correlation`` only through :math:`\rho`: comparing correlations with
    one seed compares the same underlying draws.

    Parameters
    ----------
    n_samples : int
        Number of samples :math:`n \ge 1`.
    n_features : int
        Number of features :math:`d \ge 1`.
    noise : float, default 1.0
        Standard deviation :math:`\sigma \ge 0` of the noise; 0 gives exact linear data.
    coef : array_like of shape (n_features,), optional
        The true weights :math:`w`; drawn from :math:`\mathcal N(0, 1)` when not given.
    intercept : float, default 0.0
        The true intercept :math:`b`.
    correlation : float, default 0.0
        The correlation :math:`\rho \in [0, 1)` between every pair of features.
    seed : int
        Seed of the generator (:func:`lib.rng.make_rng`).

    Returns
    -------
    X : numpy.ndarray of shape (n_samples, n_features)
    y : numpy.ndarray of shape (n_samples,)
    coef : numpy.ndarray of shape (n_features,)
        The true weights :math:`w` (a copy of ``coef`` when it was given).
    """
    owner = "make_linear_regression"
    checked = check_params(owner, {
        "n_samples": n_samples, "n_features": n_features, "noise": noise, "intercept": intercept,
        "correlation": correlation,
    }, {
        "n_samples": [Interval(Integral, 1, None)],
        "n_features": [Interval(Integral, 1, None)],
        "noise": [Interval(Real, 0, None)],
        "intercept": [Interval(Real, None, None)],
        "correlation": [Interval(Real, 0, 1, closed="left", hint="so that the covariance is positive definite")],
    })
    n_samples, n_features, noise, intercept, correlation = checked.values()
    if coef is not None:
        coef = _check_finite_vector(owner, "coef", coef, length=n_features)

    rng = make_rng(seed)
    independent = rng.standard_normal((n_samples, n_features))
    shared = rng.standard_normal((n_samples, 1))
    X = np.sqrt(1.0 - correlation) * independent + np.sqrt(correlation) * shared
    if coef is None:
        coef = rng.standard_normal(n_features)
    y = X @ coef + intercept + noise * rng.standard_normal(n_samples)
    return X, y, coef


def make_polynomial_regression(n_samples: int, *, degree: int | None = None, noise: float, seed: int,
                               x_range: tuple[float, float] = (-1.0, 1.0), coef: ArrayLike | None = None,
                               function: Callable[[np.ndarray], np.ndarray] | None = None,
                               ) -> tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    r"""Draw a one-dimensional curve-fitting data set :math:`y = f(x) + \varepsilon`.

    The inputs are :math:`x_i \sim U[\text{low}, \text{high})`, the noise
    :math:`\varepsilon_i \sim \mathcal N(0, \sigma^2)` with :math:`\sigma` = ``noise``. The true curve
    :math:`f` is either a polynomial :math:`f(x) = \sum_{j=0}^{p} c_j x^j` of degree :math:`p`
    (``degree``, with coefficients ``coef`` or, if not given, drawn from :math:`\mathcal N(0, 1)`), or
    any smooth function passed as ``function``, for example :math:`\sin(2\pi x)` on :math:`[0, 1]`, the
    classic example of over- and underfitting with polynomials of growing degree.

    The function returns :math:`f` itself, so a chapter can draw the true curve on a fine grid next to
    the noisy samples and a fitted model.

    Parameters
    ----------
    n_samples : int
        Number of samples :math:`n \ge 1`.
    degree : int, optional
        Degree :math:`p \ge 0` of the true polynomial. Needed when neither ``coef`` nor ``function`` is
        given; when ``coef`` is given it must equal ``len(coef) - 1`` if passed at all.
    noise : float
        Standard deviation :math:`\sigma \ge 0` of the noise.
    seed : int
        Seed of the generator (:func:`lib.rng.make_rng`).
    x_range : (float, float), default (-1.0, 1.0)
        The interval :math:`[\text{low}, \text{high})` the inputs are drawn from.
    coef : array_like of shape (degree + 1,), optional
        Polynomial coefficients :math:`c_0, \dots, c_p`, constant term first.
    function : callable, optional
        A vectorized function of one array argument, used as :math:`f` instead of a polynomial; then
        ``degree`` and ``coef`` must not be given.

    Returns
    -------
    x : numpy.ndarray of shape (n_samples,)
        The inputs, in the order drawn (not sorted). A model that expects a design matrix takes
        ``x[:, None]`` or polynomial features of ``x``.
    y : numpy.ndarray of shape (n_samples,)
        The noisy targets.
    true_function : callable
        :math:`f`: a :class:`numpy.polynomial.Polynomial` (callable, with its coefficients in ``.coef``)
        or the ``function`` given.
    """
    owner = "make_polynomial_regression"
    checked = check_params(owner, {
        "n_samples": n_samples, "degree": degree, "noise": noise, "x_range": x_range, "function": function,
    }, {
        "n_samples": [Interval(Integral, 1, None)],
        "degree": [Interval(Integral, 0, None), None],
        "noise": [Interval(Real, 0, None)],
        "x_range": [Pair(Interval(Real, None, None))],
        "function": [InstanceOf(Callable, "a function of one array"), None],
    })
    n_samples, degree, noise, (low, high), _ = checked.values()
    if not low < high:
        raise ValueError(f"{owner}: x_range must satisfy low < high, got {x_range!r}")
    coef = _polynomial_coefficients(owner, degree, coef, function)

    rng = make_rng(seed)
    x = rng.uniform(low, high, size=n_samples)
    if function is None:
        if coef is None:
            coef = rng.standard_normal(degree + 1)
        true_function = np.polynomial.Polynomial(coef)
    else:
        true_function = function
    clean = np.asarray(true_function(x), dtype=np.float64)
    if clean.shape != x.shape or not np.all(np.isfinite(clean)):
        raise ValueError(
            f"{owner}: the true function must map an array of shape {x.shape} to finite values of the same "
            f"shape, got shape {clean.shape}"
        )
    y = clean + noise * rng.standard_normal(n_samples)
    return x, y, true_function


def _polynomial_coefficients(owner: str, degree: int | None, coef: object, function: object) -> np.ndarray | None:
    """``coef`` checked against ``degree`` and ``function``: exactly one way to give the true curve."""
    if function is not None:
        if degree is not None or coef is not None:
            raise ValueError(f"{owner}: give either function, or degree and coef of a polynomial, not both")
        return None
    if coef is None:
        if degree is None:
            raise ValueError(f"{owner}: give degree (the degree of the true polynomial), coef, or function")
        return None
    coef = _check_finite_vector(owner, "coef", coef)
    if coef.shape[0] == 0:
        raise ValueError(f"{owner}: coef must hold at least the constant term, got an empty array")
    if degree is not None and degree != coef.shape[0] - 1:
        raise ValueError(f"{owner}: degree = {degree} does not match len(coef) - 1 = {coef.shape[0] - 1}")
    return coef


def _random_rotation(rng: np.random.Generator, size: int) -> np.ndarray:
    """A random orthogonal matrix, uniformly distributed (QR of a Gaussian matrix, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((size, size)))
    return q * np.sign(np.diag(r))


def make_classification(n_samples: int, *, n_classes: int = 2, n_features: int = 2, class_sep: float = 2.0,
                        seed: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Draw Gaussian blobs: one spherical Gaussian cloud of unit variance per class.

    Class :math:`c` has mean :math:`m_c` and covariance :math:`I`. The means sit at the vertices of a
    regular :math:`k`-gon whose neighbouring vertices are ``class_sep`` apart, in a plane turned by a
    random rotation of :math:`\mathbb R^d` (for :math:`d = 1`, on a line with spacing ``class_sep``).
    So ``class_sep`` is the distance between neighbouring class means in units of the within-class
    standard deviation: for two classes, the best possible classifier errs with probability
    :math:`\Phi(-\text{class\_sep}/2)` (about 16% at 2, 7% at 3). The classes are as balanced as
    :math:`n` allows and the rows come in random order.

    Parameters
    ----------
    n_samples : int
        Number of samples, at least ``n_classes``.
    n_classes : int, default 2
        Number of classes :math:`k \ge 2`; labels are ``0, ..., k-1``.
    n_features : int, default 2
        Number of features :math:`d \ge 1`.
    class_sep : float, default 2.0
        Distance between neighbouring class means, :math:`> 0`.
    seed : int
        Seed of the generator (:func:`lib.rng.make_rng`).

    Returns
    -------
    X : numpy.ndarray of shape (n_samples, n_features)
    y : numpy.ndarray of shape (n_samples,), dtype int64
    """
    owner = "make_classification"
    checked = check_params(owner, {
        "n_samples": n_samples, "n_classes": n_classes, "n_features": n_features, "class_sep": class_sep,
    }, {
        "n_samples": [Interval(Integral, 1, None)],
        "n_classes": [Interval(Integral, 2, None)],
        "n_features": [Interval(Integral, 1, None)],
        "class_sep": [Interval(Real, 0, None, closed="neither")],
    })
    n_samples, n_classes, n_features, class_sep = checked.values()
    if n_samples < n_classes:
        raise ValueError(f"{owner}: n_samples = {n_samples} is fewer than n_classes = {n_classes}; "
                         "every class needs at least one sample")

    rng = make_rng(seed)
    centers = np.zeros((n_classes, n_features))
    if n_features == 1:
        centers[:, 0] = class_sep * (np.arange(n_classes) - (n_classes - 1) / 2)
    else:
        radius = class_sep / (2.0 * np.sin(np.pi / n_classes))
        angles = 2.0 * np.pi * np.arange(n_classes) / n_classes
        centers[:, 0] = radius * np.cos(angles)
        centers[:, 1] = radius * np.sin(angles)
        centers = centers @ _random_rotation(rng, n_features).T

    class_sizes = np.full(n_classes, n_samples // n_classes)
    class_sizes[: n_samples % n_classes] += 1
    y = np.repeat(np.arange(n_classes, dtype=np.int64), class_sizes)
    X = centers[y] + rng.standard_normal((n_samples, n_features))
    order = rng.permutation(n_samples)
    return X[order], y[order]


def make_moons(n_samples: int, *, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Draw two interleaving half circles, a data set no straight line separates.

    Class 0 lies on the upper half of the unit circle, :math:`(\cos t, \sin t)`; class 1 on a lower half
    circle shifted right and up, :math:`(1 - \cos t, \tfrac12 - \sin t)`, with :math:`t \sim U[0, \pi)`
    drawn independently for every point. Gaussian noise of standard deviation ``noise`` is added to both
    coordinates. Class 0 gets :math:`\lceil n/2 \rceil` points, class 1 the rest; the rows come in random
    order.

    Parameters
    ----------
    n_samples : int
        Number of samples, at least 2.
    noise : float
        Standard deviation of the Gaussian noise, :math:`\ge 0`.
    seed : int
        Seed of the generator (:func:`lib.rng.make_rng`).

    Returns
    -------
    X : numpy.ndarray of shape (n_samples, 2)
    y : numpy.ndarray of shape (n_samples,), dtype int64
    """
    checked = check_params("make_moons", {"n_samples": n_samples, "noise": noise}, {
        "n_samples": [Interval(Integral, 2, None)],
        "noise": [Interval(Real, 0, None)],
    })
    n_samples, noise = checked.values()

    rng = make_rng(seed)
    n_upper = (n_samples + 1) // 2
    n_lower = n_samples - n_upper
    t_upper = rng.uniform(0.0, np.pi, size=n_upper)
    t_lower = rng.uniform(0.0, np.pi, size=n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((n_samples, 2))
    y = np.concatenate([np.zeros(n_upper, dtype=np.int64), np.ones(n_lower, dtype=np.int64)])
    order = rng.permutation(n_samples)
    return X[order], y[order]


# ---------------------------------------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------------------------------------


def _stratified_counts(class_counts: np.ndarray, split_sizes: np.ndarray) -> np.ndarray:
    r"""How many samples of each class go to each split: a table with exact margins, each cell within one.

    The ideal (fractional) table is :math:`q_{cs} = n_c m_s / n` for class sizes :math:`n_c` and split
    sizes :math:`m_s`; its rows sum to :math:`n_c` and its columns to :math:`m_s`. Every cell is rounded
    down, and then the missing units are handed out, at most one per cell and only to cells with a
    fractional part, so that every row and column sum is met again. Finding such a choice is a bipartite
    matching with capacities (classes on one side, splits on the other), solved here by augmenting paths;
    one always exists because the fractional table itself is a feasible flow and flow problems with
    integer capacities have integer solutions.
    """
    n_samples = int(class_counts.sum())
    products = np.outer(class_counts, split_sizes)
    counts = products // n_samples
    can_round_up = products % n_samples > 0
    missing_per_class = class_counts - counts.sum(axis=1)
    missing_per_split = split_sizes - counts.sum(axis=0)
    rounded_up = np.zeros_like(can_round_up)
    given_per_split = np.zeros_like(missing_per_split)

    def give_one_unit(klass: int, visited: set[int]) -> bool:
        for split in range(len(split_sizes)):
            if not can_round_up[klass, split] or rounded_up[klass, split] or split in visited:
                continue
            visited.add(split)
            if given_per_split[split] < missing_per_split[split]:
                rounded_up[klass, split] = True
                given_per_split[split] += 1
                return True
            # The split is full: try to move another class's unit out of it to a split with room.
            for other in np.flatnonzero(rounded_up[:, split]):
                if give_one_unit(int(other), visited):
                    rounded_up[other, split] = False
                    given_per_split[split] -= 1
                    rounded_up[klass, split] = True
                    given_per_split[split] += 1
                    return True
        return False

    for klass in range(len(class_counts)):
        for _ in range(int(missing_per_class[klass])):
            if not give_one_unit(klass, set()):
                raise RuntimeError("stratified rounding failed; this is a bug in lib.data, please report it")
    return counts + rounded_up


def train_val_test_split(X: ArrayLike, y: ArrayLike, *, val_size: float, test_size: float, seed: int,
                         stratify: bool = False) -> tuple[np.ndarray, ...]:
    r"""Shuffle the samples and split them into disjoint training, validation and test sets.

    The three sets cover every sample exactly once. The **training set** fits the parameters, the
    **validation set** chooses among models and hyperparameters (learning rate, regularization
    strength, when to stop), and the **test set** is used once, at the end, for an unbiased estimate of
    the chosen model's performance; using it to choose would make that estimate optimistic
    (Cawley and Talbot, 2010).

    The test set has :math:`\text{test\_size}\cdot n` samples and the validation set
    :math:`\text{val\_size}\cdot n`, each rounded to the nearest integer (Python's ``round``, which
    sends ties such as 2.5 to the even neighbour); the training set gets the rest. Each must get at least
    one. With ``stratify=True`` every class keeps its proportion in every split: class :math:`c`
    with :math:`n_c` samples puts within one sample of :math:`n_c m_s / n` into a split of size
    :math:`m_s`, which matters for rare classes.

    Parameters
    ----------
    X : array_like of shape (n, ...)
        Features; indexed along the first axis.
    y : array_like of shape (n, ...)
        Targets; with ``stratify=True``, one class label per sample, shape ``(n,)``.
    val_size, test_size : float
        Fractions of the samples, each strictly between 0 and 1, with a sum below 1.
    seed : int
        Seed of the shuffle (:func:`lib.rng.make_rng`).
    stratify : bool, default False
        Split each class separately in the same proportions.

    Returns
    -------
    X_train, X_val, X_test, y_train, y_val, y_test : numpy.ndarray
        In scikit-learn's ``train_test_split`` order: all the ``X`` parts, then all the ``y`` parts. Each
        part's rows are in random order.
    """
    owner = "train_val_test_split"
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{owner}: X and y must be arrays of samples, got shapes {X.shape} and {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{owner}: X has {X.shape[0]} samples (shape {X.shape}) but y has {y.shape[0]} "
                         f"(shape {y.shape}); they must have the same length")
    fraction = Interval(Real, 0, 1, closed="neither", hint="it is a fraction of the samples")
    checked = check_params(owner, {"val_size": val_size, "test_size": test_size, "stratify": stratify}, {
        "val_size": [fraction],
        "test_size": [fraction],
        "stratify": [Boolean()],
    })
    val_size, test_size, stratify = checked.values()
    if val_size + test_size >= 1.0:
        raise ValueError(f"{owner}: val_size + test_size = {val_size + test_size:g} leaves no training samples; "
                         "their sum must be below 1")
    n_samples = X.shape[0]
    n_test = round(test_size * n_samples)
    n_val = round(val_size * n_samples)
    n_train = n_samples - n_val - n_test
    if min(n_train, n_val, n_test) < 1:
        raise ValueError(
            f"{owner}: with n = {n_samples} samples, val_size = {val_size:g} and test_size = {test_size:g} give "
            f"{n_train} training, {n_val} validation and {n_test} test samples; every split needs at least one, "
            "so use more samples or other fractions"
        )

    rng = make_rng(seed)
    if stratify:
        if y.ndim != 1:
            raise ValueError(f"{owner}: with stratify=True, y must hold one class label per sample, shape (n,), "
                             f"got shape {y.shape}")
        classes, class_of_sample = np.unique(y, return_inverse=True)
        class_counts = np.bincount(class_of_sample, minlength=len(classes))
        table = _stratified_counts(class_counts, np.array([n_train, n_val, n_test]))
        parts: list[list[np.ndarray]] = [[], [], []]
        for klass in range(len(classes)):
            members = rng.permutation(np.flatnonzero(class_of_sample == klass))
            boundaries = np.cumsum(table[klass])
            for split, piece in enumerate(np.split(members, boundaries[:-1])):
                parts[split].append(piece)
        train_idx, val_idx, test_idx = (rng.permutation(np.concatenate(part)) for part in parts)
    else:
        order = rng.permutation(n_samples)
        train_idx = order[:n_train]
        val_idx = order[n_train:n_train + n_val]
        test_idx = order[n_train + n_val:]
    return X[train_idx], X[val_idx], X[test_idx], y[train_idx], y[val_idx], y[test_idx]


def kfold_indices(n_samples: int, n_folds: int, *, seed: int | None = None,
                  shuffle: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
    r"""Indices of :math:`F`-fold cross-validation (Stone, 1974).

    The samples are shuffled (when ``shuffle``) and cut into :math:`F` folds whose sizes differ by at most
    one (the first :math:`n \bmod F` folds have one more). Fold :math:`k` is the validation set of round
    :math:`k`, and the other :math:`F-1` folds are its training set, so every sample is validated on
    exactly once :cite:`stone1974cross`.

    Parameters
    ----------
    n_samples : int
        Number of samples :math:`n`.
    n_folds : int
        Number of folds :math:`F`, with :math:`2 \le F \le n`.
    seed : int, optional
        Seed of the shuffle (:func:`lib.rng.make_rng`); required when ``shuffle`` is true.
    shuffle : bool, default True
        Shuffle before cutting; without it the folds are contiguous blocks.

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray)
        ``n_folds`` pairs ``(train_idx, val_idx)`` of sorted integer indices.
    """
    owner = "kfold_indices"
    checked = check_params(owner, {"n_samples": n_samples, "n_folds": n_folds, "shuffle": shuffle}, {
        "n_samples": [Interval(Integral, 1, None)],
        "n_folds": [Interval(Integral, 2, None)],
        "shuffle": [Boolean()],
    })
    n_samples, n_folds, shuffle = checked.values()
    if n_folds > n_samples:
        raise ValueError(f"{owner}: n_folds = {n_folds} is more than n_samples = {n_samples}; "
                         "every fold needs at least one sample")
    if shuffle:
        if seed is None:
            raise ValueError(f"{owner}: shuffle=True needs a seed (for example seed=lib.rng.BOOK_SEED)")
        order = make_rng(seed).permutation(n_samples)
    else:
        order = np.arange(n_samples)
    fold_sizes = np.full(n_folds, n_samples // n_folds)
    fold_sizes[: n_samples % n_folds] += 1
    folds = np.split(order, np.cumsum(fold_sizes)[:-1])
    pairs = []
    for k in range(n_folds):
        val_idx = np.sort(folds[k])
        train_idx = np.sort(np.concatenate([folds[j] for j in range(n_folds) if j != k]))
        pairs.append((train_idx, val_idx))
    return pairs


# ---------------------------------------------------------------------------------------------------------
# Feature scaling and encodings
# ---------------------------------------------------------------------------------------------------------


class Standardizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    r"""Standardize each feature to mean 0 and standard deviation 1: :math:`x'_{ij} = (x_{ij} - \bar x_j)/s_j`.

    :math:`\bar x_j` and :math:`s_j` are the mean and the (population, ``ddof=0``) standard deviation of
    column :math:`j` of the data passed to :meth:`fit`, and only of it: fit on the training set, then
    transform the validation and test sets with the same :math:`\bar x` and :math:`s`, or information from
    them leaks into training (Kaufman et al., 2012). A constant column gets :math:`s_j = 1`, so it maps
    to 0 instead of dividing by 0.

    Gradient descent converges faster on standardized features because the loss surface is rounder
    (a smaller condition number :math:`\kappa`). It follows scikit-learn's transformer conventions
    (Buitinck et al., 2013), so it works inside a ``Pipeline`` and with ``cross_val_score`` (which then
    refits it on each training fold), keeps feature names (``get_feature_names_out``), and gives the same
    numbers as ``sklearn.preprocessing.StandardScaler``.

    Attributes
    ----------
    mean_ : numpy.ndarray of shape (n_features,)
        :math:`\bar x`.
    scale_ : numpy.ndarray of shape (n_features,)
        :math:`s`, with 1 for constant columns.
    n_features_in_ : int
        Number of features seen by :meth:`fit`.
    """

    def fit(self, X: ArrayLike, y: object = None) -> Standardizer:
        """Estimate the mean and scale of each column of ``X`` of shape ``(n, d)``; ``y`` is ignored."""
        X = validate_data(self, X, dtype=np.float64, reset=True)
        self.mean_ = X.mean(axis=0)
        scale = X.std(axis=0)
        is_constant = np.ptp(X, axis=0) == 0
        scale[is_constant] = 1.0
        self.scale_ = scale
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Return :math:`(X - \\bar x)/s`, with the :math:`\\bar x` and :math:`s` of :meth:`fit`."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return (X - self.mean_) / self.scale_

    def inverse_transform(self, X: ArrayLike) -> np.ndarray:
        """Undo :meth:`transform`: return :math:`X s + \\bar x`."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X * self.scale_ + self.mean_


def one_hot(labels: ArrayLike, n_classes: int | None = None) -> np.ndarray:
    r"""One-hot encode integer class labels: row :math:`i` is 1 in column :math:`y_i` and 0 elsewhere.

    Parameters
    ----------
    labels : array_like of shape (n,)
        Integers ``0, ..., n_classes - 1`` (an integer dtype, or floats with integer values).
    n_classes : int, optional
        Number of columns :math:`k`; by default ``labels.max() + 1``.

    Returns
    -------
    numpy.ndarray of shape (n, n_classes), dtype float64
    """
    owner = "one_hot"
    labels = np.asarray(labels)
    if labels.dtype.kind not in "biuf":
        raise TypeError(f"{owner}: labels must be integers 0..k-1, got dtype {labels.dtype}; "
                        "map other labels with np.unique(labels, return_inverse=True)")
    if labels.ndim != 1:
        raise ValueError(f"{owner}: labels must have shape (n,), got {labels.shape}; pass labels.ravel()")
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError(f"{owner}: labels must be whole numbers, got non-integer or non-finite values")
    labels = labels.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"{owner}: labels must be non-negative, found {labels.min()}")
    if n_classes is None:
        if labels.size == 0:
            raise ValueError(f"{owner}: cannot infer n_classes from empty labels; pass n_classes")
        n_classes = int(labels.max()) + 1
    else:
        checked = check_params(owner, {"n_classes": n_classes}, {"n_classes": [Interval(Integral, 1, None)]})
        n_classes = checked["n_classes"]
        if labels.size and labels.max() >= n_classes:
            raise ValueError(f"{owner}: found label {labels.max()} but n_classes = {n_classes} allows only "
                             f"0..{n_classes - 1}")
    encoded = np.zeros((labels.shape[0], n_classes))
    encoded[np.arange(labels.shape[0]), labels] = 1.0
    return encoded


# ---------------------------------------------------------------------------------------------------------
# Mini-batches
# ---------------------------------------------------------------------------------------------------------


def minibatches(n_samples: int, batch_size: int, *, seed: int | None = None,
                rng: np.random.Generator | None = None, shuffle: bool = True,
                drop_last: bool = False) -> Iterator[np.ndarray]:
    r"""Yield the index arrays of one epoch of mini-batches.

    One **epoch** visits every sample exactly once: the indices :math:`0, \dots, n-1` are shuffled (when
    ``shuffle``) and cut into consecutive batches of ``batch_size``; the last batch is smaller when
    ``batch_size`` does not divide :math:`n`, or is dropped with ``drop_last=True`` (then up to
    ``batch_size - 1`` samples sit out that epoch). Sampling without replacement within an epoch is how
    mini-batch stochastic gradient descent is run in practice (Bottou et al., 2018).

    Pass either ``seed`` or ``rng``. A ``seed`` makes a new generator, so every call with the same seed
    gives the same order; to get a fresh order each epoch, make one generator with
    :func:`lib.rng.make_rng` before the loop and pass it as ``rng`` to every call.

    Parameters
    ----------
    n_samples : int
        Number of samples :math:`n \ge 1`.
    batch_size : int
        Samples per batch, at least 1. A value above :math:`n` gives one batch of all samples (unless
        ``drop_last``, which is then an error because no batch would be left).
    seed : int, optional
        Seed of the shuffle (:func:`lib.rng.make_rng`).
    rng : numpy.random.Generator, optional
        A generator to draw the shuffle from; it advances.
    shuffle : bool, default True
        Shuffle the indices; without it the batches are ``0..B-1``, ``B..2B-1``, ... and no seed is needed.
    drop_last : bool, default False
        Drop the last batch if it is smaller than ``batch_size``.

    Returns
    -------
    iterator of numpy.ndarray
        Integer index arrays; ``X[idx]``, ``y[idx]`` is a batch. The arguments are checked when the
        function is called, not when iteration starts.
    """
    owner = "minibatches"
    checked = check_params(owner, {
        "n_samples": n_samples, "batch_size": batch_size, "rng": rng, "shuffle": shuffle, "drop_last": drop_last,
    }, {
        "n_samples": [Interval(Integral, 1, None)],
        "batch_size": [Interval(Integral, 1, None)],
        "rng": [InstanceOf(np.random.Generator, "a numpy.random.Generator (lib.rng.make_rng(seed))"), None],
        "shuffle": [Boolean()],
        "drop_last": [Boolean()],
    })
    n_samples, batch_size, rng, shuffle, drop_last = checked.values()
    if drop_last and batch_size > n_samples:
        raise ValueError(f"{owner}: batch_size = {batch_size} is larger than n_samples = {n_samples}, so "
                         "drop_last=True would drop every sample; use a smaller batch_size")
    if shuffle:
        if seed is not None and rng is not None:
            raise ValueError(f"{owner}: pass either seed or rng, not both")
        if rng is None:
            if seed is None:
                raise ValueError(f"{owner}: shuffle=True needs seed=<int> or rng=<numpy Generator>; "
                                 "the book never shuffles unseeded")
            rng = make_rng(seed)
        order = rng.permutation(n_samples)
    else:
        order = np.arange(n_samples)

    def batches() -> Iterator[np.ndarray]:
        for start in range(0, n_samples, batch_size):
            batch = order[start:start + batch_size]
            if drop_last and batch.shape[0] < batch_size:
                return
            yield batch

    return batches()


class MiniBatches:
    """The mini-batches of each epoch, as index arrays, shuffled reproducibly from ``(seed, epoch)``.

    ``MiniBatches(n, batch_size, seed=s)(e)`` is :func:`minibatches` for epoch ``e``, with the shuffle drawn
    from ``np.random.default_rng([s, e])``. Each epoch's order depends only on the seed and the epoch number,
    not on a generator that has advanced through the earlier epochs, so a training run resumed from a
    checkpoint needs nothing but the epoch number to see the same batches; :func:`lib.train.train` takes it
    as its ``batches``.

    Parameters
    ----------
    n_samples : int
        Number of samples :math:`n \\ge 1`.
    batch_size : int
        Samples per batch, at least 1 (the last batch of an epoch may be smaller, see ``drop_last``).
    seed : int or None
        Seed of the shuffles: a non-negative integer when ``shuffle`` is true, None otherwise.
    shuffle : bool, default True
        Shuffle the samples every epoch; without it the batches are ``0..B-1``, ``B..2B-1``, ... every epoch.
    drop_last : bool, default False
        Drop each epoch's last batch if it is smaller than ``batch_size``.

    Examples
    --------
    >>> batches = MiniBatches(5, 2, seed=0)
    >>> [len(batch) for batch in batches(0)]
    [2, 2, 1]
    >>> all((a == b).all() for a, b in zip(batches(3), batches(3)))   # the same epoch, the same order
    True
    """

    constraints = {
        "n_samples": [Interval(Integral, 1, None)],
        "batch_size": [Interval(Integral, 1, None)],
        "seed": [SEED_CONSTRAINT, None],
        "shuffle": [Boolean()],
        "drop_last": [Boolean()],
    }

    def __init__(self, n_samples: int, batch_size: int, *, seed: int | None, shuffle: bool = True,
                 drop_last: bool = False) -> None:
        owner = "MiniBatches"
        checked = check_params(owner, {"n_samples": n_samples, "batch_size": batch_size, "seed": seed,
                                       "shuffle": shuffle, "drop_last": drop_last}, self.constraints)
        self.n_samples, self.batch_size, self.seed, self.shuffle, self.drop_last = checked.values()
        if self.shuffle and self.seed is None:
            raise InvalidParameterError(message(owner, "seed", "a non-negative integer when shuffle=True", None,
                                                "the book never shuffles unseeded"))
        if not self.shuffle and self.seed is not None:
            raise InvalidParameterError(message(owner, "seed", "None when shuffle=False", seed,
                                                "it would have no effect"))
        if self.drop_last and self.batch_size > self.n_samples:
            raise ValueError(f"{owner}: batch_size = {self.batch_size} is larger than n_samples = {self.n_samples}, "
                             "so drop_last=True would drop every sample; use a smaller batch_size")

    def __call__(self, epoch: int) -> list[np.ndarray]:
        """Return the index arrays of epoch ``epoch`` (0 for the first epoch)."""
        epoch = check_params("MiniBatches", {"epoch": epoch}, {"epoch": [Interval(Integral, 0, None)]})["epoch"]
        rng = np.random.default_rng([self.seed, epoch]) if self.shuffle else None
        return list(minibatches(self.n_samples, self.batch_size, rng=rng, shuffle=self.shuffle,
                                drop_last=self.drop_last))

    def state_dict(self) -> dict[str, int | bool]:
        """The configuration as plain scalars; a checkpoint keeps it to check that a resumed run has the same."""
        return {"n_samples": self.n_samples, "batch_size": self.batch_size,
                "seed": -1 if self.seed is None else self.seed, "shuffle": self.shuffle, "drop_last": self.drop_last}

    def __repr__(self) -> str:
        return (f"MiniBatches(n_samples={self.n_samples}, batch_size={self.batch_size}, seed={self.seed}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")
