r"""Loss functions and regularization penalties, each with its value and its gradient.

A **loss** measures how far a model's outputs are from the targets. Every loss here averages a per-sample
loss :math:`\ell` over the :math:`n` samples,

.. math::

    J(z) = \frac{1}{n} \sum_{i=1}^{n} \ell(y_i, z_i),

where :math:`y` are the targets and :math:`z` the model's outputs: predictions :math:`\hat y` for
regression, logits (scores before the sigmoid or softmax) for classification. Each loss object has two
methods, ``value(y, z)`` returning :math:`J` as a float and ``grad(y, z)`` returning
:math:`\partial J / \partial z`, an array of the same shape as ``z``. The chain rule then gives the
gradient with respect to the parameters :math:`\theta`; for a linear model :math:`z = Xw + b` it is
:math:`X^\top \, \partial J/\partial z` for :math:`w` and the sum of :math:`\partial J/\partial z` for
:math:`b`.

A **penalty** :math:`P(w)` is added to the loss to regularize the weights. Each penalty object has
``value(w)``, ``grad(w)`` (a subgradient where :math:`P` has a kink) and ``prox(w, step)``, its proximal
operator, which proximal gradient methods use to handle the kink of the L1 norm exactly. The penalties
follow scikit-learn's conventions (the strength is called ``alpha`` and the L2 term carries a factor 1/2),
so that a model built on them can be checked against scikit-learn.

Inputs are checked: arrays whose shapes differ are refused rather than broadcast (an ``(n,)`` target and
an ``(n, 1)`` prediction would otherwise silently give an ``(n, n)`` matrix), as are NaN, inf, empty
arrays and labels a loss cannot take. A training loop that evaluates a loss thousands of times on data it
has checked once passes ``check_input=False`` (as scikit-learn's estimators do internally) and gets the
arithmetic alone; ``value_and_grad`` then shares the work the value and the gradient have in common.

Each loss also states its **curvature** :math:`c`, a bound on the second derivative of :math:`\ell` in
:math:`z` (for the multiclass loss, on the Hessian's largest eigenvalue per sample). For a linear model
:math:`z = A\theta` it bounds the Hessian of :math:`J` by :math:`\frac{c}{n} A^\top A`, hence the smoothness
constant :math:`L \le \frac{c}{n}\lambda_{\max}(A^\top A)` from which a safe learning rate follows
(:mod:`lib.models` uses it).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike

from lib.checks import InstanceOf, Interval, Options, as_float_array, check_finite, check_param, check_params

__all__ = [
    "Loss",
    "MSE",
    "MAE",
    "Huber",
    "BinaryCrossEntropy",
    "CrossEntropy",
    "Penalty",
    "L2",
    "L1",
    "ElasticNet",
    "make_penalty",
    "PENALTY_CONSTRAINT",
    "sigmoid",
    "softmax",
    "log_sum_exp",
]


# ---------------------------------------------------------------------------------------------------------
# Input checks shared by the losses and penalties
# ---------------------------------------------------------------------------------------------------------


def _as_real_array(name: str, values: object, owner: str, *, of_weights: bool = False) -> np.ndarray:
    """Return ``values`` as a float64 array, refusing non-numeric data, empty arrays, NaN and inf."""
    array = as_float_array(owner, name, values)
    if array.size == 0:
        what = "at least one weight" if of_weights else "at least one sample (a loss averages over the n samples)"
        raise ValueError(f"{owner}: {name} must hold {what}, got an empty array of shape {array.shape}")
    fix = ("the weights have diverged: lower the learning rate" if of_weights
           else "remove or impute those samples, or lower the learning rate if training diverged")
    check_finite(owner, name, array, hint=fix)
    return array


def _check_same_1d_shape(y: np.ndarray, z: np.ndarray, owner: str) -> None:
    """Refuse targets and outputs that are not both of shape ``(n,)``."""
    if y.ndim == 1 and z.ndim == 1 and y.shape == z.shape:
        return
    hint = ""
    for name, array in (("y", y), ("z", z)):
        if array.ndim == 2 and array.shape[1] == 1:
            hint += f" {name} is a column of shape {array.shape}: pass {name}.ravel()."
    if not hint:
        hint = " Reshape both to one-dimensional arrays of the same length n."
    raise ValueError(
        f"{owner}: y and z must both have shape (n,), got y.shape = {y.shape} and z.shape = {z.shape}; "
        f"arrays of shapes (n,) and (n, 1) would broadcast to an (n, n) matrix and give a wrong loss "
        f"without any error, so the shapes must match exactly.{hint}"
    )


#: A penalty's strength, and a proximal step.
_STRENGTH = Interval(Real, 0, None)
_STEP = Interval(Real, 0, None, closed="neither")


# ---------------------------------------------------------------------------------------------------------
# Numerically stable helpers
# ---------------------------------------------------------------------------------------------------------


def sigmoid(z: ArrayLike) -> np.ndarray:
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, elementwise and without overflow.

    The textbook formula overflows in :math:`e^{-z}` for large negative :math:`z`. Writing
    :math:`e = e^{-|z|} \le 1`, the sigmoid is :math:`1/(1+e)` for :math:`z \ge 0` and :math:`e/(1+e)`
    for :math:`z < 0`, and neither branch can overflow. Its derivative is
    :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`. The logistic function models the probability of the
    positive class in logistic regression (Cox, 1958, :cite:`cox1958regression`).

    Parameters
    ----------
    z : array_like
        Real numbers of any shape.

    Returns
    -------
    numpy.ndarray
        Values in :math:`[0, 1]`, same shape as ``z``.
    """
    z = np.asarray(z, dtype=np.float64)
    small = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + small), small / (1.0 + small))


def log_sum_exp(z: ArrayLike) -> float | np.ndarray:
    r"""Log-sum-exp along the last axis, :math:`\log \sum_j e^{z_j}`, without overflow.

    With :math:`m = \max_j z_j`, :math:`\log \sum_j e^{z_j} = m + \log \sum_j e^{z_j - m}`: every
    exponent is at most 0, so nothing overflows, and the largest term is exactly 1, so the sum cannot
    underflow to 0.

    Parameters
    ----------
    z : array_like
        Real numbers; a 1-D array is one row, a 2-D array of shape ``(n, k)`` has one row per sample.

    Returns
    -------
    float or numpy.ndarray
        A float for a 1-D input, an array of shape ``(n,)`` for an ``(n, k)`` input.
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim == 0:
        raise ValueError("log_sum_exp: z must have at least one dimension (the classes), got a scalar")
    row_max = np.max(z, axis=-1, keepdims=True)
    result = row_max + np.log(np.sum(np.exp(z - row_max), axis=-1, keepdims=True))
    result = np.squeeze(result, axis=-1)
    return float(result) if result.ndim == 0 else result


def softmax(z: ArrayLike) -> np.ndarray:
    r"""Softmax along the last axis, :math:`\operatorname{softmax}(z)_j = e^{z_j} / \sum_l e^{z_l}`.

    Computed as :math:`e^{z_j - m} / \sum_l e^{z_l - m}` with :math:`m` the row maximum, which gives the
    same value (the factor :math:`e^{-m}` cancels) without overflow.

    Parameters
    ----------
    z : array_like
        Logits; a 1-D array is one row, a 2-D array of shape ``(n, k)`` has one row per sample.

    Returns
    -------
    numpy.ndarray
        Same shape as ``z``; each row is non-negative and sums to 1.
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim == 0:
        raise ValueError("softmax: z must have at least one dimension (the classes), got a scalar")
    shifted = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return shifted / np.sum(shifted, axis=-1, keepdims=True)


# ---------------------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------------------


class Loss(ABC):
    r"""A loss :math:`J(z) = \frac1n \sum_i \ell(y_i, z_i)` with its gradient with respect to :math:`z`.

    Subclasses implement ``_value(y, z)`` and ``_grad(y, z)`` on checked inputs (and ``_inputs`` if they
    check more than two arrays of shape ``(n,)``); calling the object is the same as :meth:`value`.
    """

    #: A bound :math:`c` on the curvature of :math:`\ell` in :math:`z` (None if it has none).
    curvature: float | None = None

    def value(self, y: ArrayLike, z: ArrayLike, *, check_input: bool = True) -> float:
        """Return the loss :math:`J(z)`, averaged over the samples.

        Parameters
        ----------
        y : array_like
            Targets: real numbers of shape ``(n,)`` for regression, labels for classification (see the
            class).
        z : array_like
            The model's outputs: predictions of shape ``(n,)``, or logits (see the class).
        check_input : bool, default True
            Check shapes, values and labels. ``False`` takes float64 arrays (integer labels for
            :class:`CrossEntropy`) as given, for a training loop that checked its data once.

        Returns
        -------
        float
        """
        if check_input:
            y, z = self._inputs(y, z)
        return self._value(y, z)

    def grad(self, y: ArrayLike, z: ArrayLike, *, check_input: bool = True) -> np.ndarray:
        r"""Return :math:`\partial J / \partial z`, the gradient of :meth:`value` with respect to ``z``.

        Parameters
        ----------
        y, z, check_input
            As for :meth:`value`.

        Returns
        -------
        numpy.ndarray
            Same shape as ``z``. It already contains the factor :math:`1/n` of the average.
        """
        if check_input:
            y, z = self._inputs(y, z)
        return self._grad(y, z)

    def value_and_grad(self, y: ArrayLike, z: ArrayLike, *, check_input: bool = True) -> tuple[float, np.ndarray]:
        """Return ``(value(y, z), grad(y, z))``, computing what the two share once."""
        if check_input:
            y, z = self._inputs(y, z)
        return self._value_and_grad(y, z)

    def __call__(self, y: ArrayLike, z: ArrayLike) -> float:
        return self.value(y, z)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _inputs(self, y, z) -> tuple[np.ndarray, np.ndarray]:
        owner = type(self).__name__
        y = _as_real_array("y", y, owner)
        z = _as_real_array("z", z, owner)
        _check_same_1d_shape(y, z, owner)
        return y, z

    @abstractmethod
    def _value(self, y: np.ndarray, z: np.ndarray) -> float:
        ...

    @abstractmethod
    def _grad(self, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        ...

    def _value_and_grad(self, y: np.ndarray, z: np.ndarray) -> tuple[float, np.ndarray]:
        return self._value(y, z), self._grad(y, z)


class MSE(Loss):
    r"""Mean squared error :math:`J(z) = \frac{1}{n}\sum_{i=1}^{n} (z_i - y_i)^2`.

    Its gradient is :math:`\partial J/\partial z_i = \frac{2}{n}(z_i - y_i)`. There is no factor 1/2,
    so the value equals ``sklearn.metrics.mean_squared_error``. Minimizing it gives least squares,
    whose estimate is the conditional mean of :math:`y`.

    ``y`` and ``z`` must both have shape ``(n,)``. Its curvature is :math:`c = 2`.
    """

    curvature = 2.0

    def _value(self, y, z) -> float:
        residual = z - y
        return float(residual @ residual) / residual.size

    def _grad(self, y, z) -> np.ndarray:
        return (2.0 / y.size) * (z - y)

    def _value_and_grad(self, y, z) -> tuple[float, np.ndarray]:
        residual = z - y
        return float(residual @ residual) / residual.size, (2.0 / residual.size) * residual


class MAE(Loss):
    r"""Mean absolute error :math:`J(z) = \frac{1}{n}\sum_{i=1}^{n} |z_i - y_i|`.

    It is not differentiable where :math:`z_i = y_i`; ``grad`` returns the subgradient
    :math:`\frac{1}{n}\operatorname{sign}(z_i - y_i)`, which is 0 at a tie. Minimizing it estimates the
    conditional median, which makes it less sensitive to outliers than :class:`MSE`.

    ``y`` and ``z`` must both have shape ``(n,)``. It has no curvature bound (``curvature`` is None): its
    derivative jumps at 0.
    """

    def _value(self, y, z) -> float:
        return float(np.mean(np.abs(z - y)))

    def _grad(self, y, z) -> np.ndarray:
        return np.sign(z - y) / y.size


class Huber(Loss):
    r"""Huber loss :math:`J(z) = \frac{1}{n}\sum_{i=1}^{n} h_\delta(z_i - y_i)` (Huber, 1964).

    .. math::

        h_\delta(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta, \\
                      \delta\,(|r| - \tfrac12\delta) & |r| > \delta. \end{cases}

    Quadratic for small residuals and linear for large ones, it combines the efficiency of least squares
    with the robustness of the absolute error to outliers :cite:`huber1964robust`. It is continuously
    differentiable, with :math:`h_\delta'(r) = \operatorname{clip}(r, -\delta, \delta)`, so the gradient
    is :math:`\partial J/\partial z_i = \frac{1}{n}\operatorname{clip}(z_i - y_i, -\delta, \delta)`.

    Its curvature is :math:`c = 1` (:math:`h_\delta'' \in \{0, 1\}`).

    Parameters
    ----------
    delta : float, default 1.0
        Residual size where the loss turns from quadratic to linear; must be positive.
    """

    curvature = 1.0
    constraints = {"delta": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, delta: float = 1.0) -> None:
        self.delta = check_params("Huber", {"delta": delta}, self.constraints)["delta"]

    def __repr__(self) -> str:
        return f"Huber(delta={self.delta!r})"

    def _value(self, y, z) -> float:
        size = np.abs(z - y)
        quadratic = 0.5 * size**2
        linear = self.delta * (size - 0.5 * self.delta)
        return float(np.mean(np.where(size <= self.delta, quadratic, linear)))

    def _grad(self, y, z) -> np.ndarray:
        return np.clip(z - y, -self.delta, self.delta) / y.size


class BinaryCrossEntropy(Loss):
    r"""Binary cross-entropy (log loss) of logits, the loss of logistic regression (Cox, 1958).

    With labels :math:`y_i \in \{0, 1\}`, logits :math:`z_i` and :math:`p_i = \sigma(z_i)` the predicted
    probability of class 1, the negative log-likelihood per sample is
    :math:`-y_i \log p_i - (1 - y_i)\log(1 - p_i)`, which simplifies to

    .. math::

        J(z) = \frac{1}{n}\sum_{i=1}^{n} \left[\log\left(1 + e^{z_i}\right) - y_i z_i\right],
        \qquad
        \frac{\partial J}{\partial z_i} = \frac{1}{n}\left(\sigma(z_i) - y_i\right)

    :cite:`cox1958regression`. The softplus :math:`\log(1 + e^{z})` is evaluated as
    :math:`\max(z, 0) + \log(1 + e^{-|z|})` (the same number as ``np.logaddexp(0, z)``), which cannot
    overflow and keeps full relative precision when the loss is tiny, and :func:`sigmoid` is the stable
    sigmoid. Logits of magnitude 1000 therefore give finite values and gradients, whereas computing
    :math:`p_i` first and taking its logarithm gives ``log(0) = -inf``.

    ``y`` (0/1 labels) and ``z`` (logits) must both have shape ``(n,)``. Its curvature is :math:`c = 1/4`, the
    largest value of :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`.
    """

    curvature = 0.25

    def _inputs(self, y, z) -> tuple[np.ndarray, np.ndarray]:
        y, z = super()._inputs(y, z)
        is_binary = (y == 0.0) | (y == 1.0)
        if not np.all(is_binary):
            found = np.unique(y[~is_binary])[:5]
            raise ValueError(
                f"BinaryCrossEntropy: labels y must be 0 or 1, found {found.tolist()}; "
                "labels in {-1, +1} can be mapped with (y + 1) / 2, and more than two classes need "
                "CrossEntropy"
            )
        return y, z

    def _value(self, y, z) -> float:
        softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
        return float(np.mean(softplus - y * z))

    def _grad(self, y, z) -> np.ndarray:
        return (sigmoid(z) - y) / y.size


class CrossEntropy(Loss):
    r"""Multiclass cross-entropy of logits through the softmax (multinomial logistic regression).

    With :math:`k` classes, integer labels :math:`y_i \in \{0, \dots, k-1\}` and a row of logits
    :math:`z_i \in \mathbb{R}^k` per sample, the predicted probabilities are
    :math:`\operatorname{softmax}(z_i)` and the negative log-likelihood averaged over the samples is

    .. math::

        J(z) = \frac{1}{n}\sum_{i=1}^{n}\left[\log\sum_{j=0}^{k-1} e^{z_{ij}} - z_{i,y_i}\right],
        \qquad
        \frac{\partial J}{\partial z_{ij}} = \frac{1}{n}\left(\operatorname{softmax}(z_i)_j
        - [\,j = y_i\,]\right),

    the gradient being the predicted probabilities minus the one-hot encoding of the labels. It extends
    the binary logistic model of Cox (1958) :cite:`cox1958regression` to :math:`k` classes; with
    :math:`k = 2` it equals :class:`BinaryCrossEntropy` of the logit difference :math:`z_{i1} - z_{i0}`.
    The log-sum-exp subtracts the row maximum first (see :func:`log_sum_exp`), so logits of magnitude
    1000 give finite results.

    ``y`` has shape ``(n,)`` and holds integers (an integer dtype, or floats with integer values);
    ``z`` has shape ``(n, k)`` with :math:`k \ge 2`. Its curvature is :math:`c = 1/2`: the Hessian of the
    per-sample loss in :math:`z_i`, :math:`\operatorname{diag}(p) - pp^\top`, has no eigenvalue above
    :math:`\frac12` :cite:p:`bishop2006pattern`.
    """

    curvature = 0.5

    def _inputs(self, y, z) -> tuple[np.ndarray, np.ndarray]:
        y = _as_real_array("y", y, "CrossEntropy")
        z = _as_real_array("z", z, "CrossEntropy")
        if z.ndim != 2 or z.shape[1] < 2:
            raise ValueError(
                f"CrossEntropy: z must hold logits of shape (n, k) with k >= 2 classes, got z.shape = {z.shape}; "
                "for two classes with one logit per sample use BinaryCrossEntropy"
            )
        if y.ndim == 2 and y.shape == z.shape:
            raise ValueError(
                f"CrossEntropy: y must hold integer class labels of shape (n,), got y.shape = {y.shape}, "
                "which looks one-hot encoded; pass y.argmax(axis=1)"
            )
        if y.ndim != 1 or y.shape[0] != z.shape[0]:
            hint = " y is a column: pass y.ravel()." if y.ndim == 2 and y.shape[1] == 1 else ""
            raise ValueError(
                f"CrossEntropy: y must have shape (n,) = ({z.shape[0]},) to match z.shape = {z.shape}, "
                f"got y.shape = {y.shape}.{hint}"
            )
        not_integer = y != np.round(y)
        if np.any(not_integer):
            position = int(np.argmax(not_integer))
            raise ValueError(
                f"CrossEntropy: y must hold integer class labels 0..k-1, got {y[position]} at index {position}"
            )
        n_classes = z.shape[1]
        out_of_range = (y < 0) | (y >= n_classes)
        if np.any(out_of_range):
            found = np.unique(y[out_of_range])[:5].astype(np.int64)
            raise ValueError(
                f"CrossEntropy: labels must lie in 0..{n_classes - 1} because z has k = {n_classes} columns, "
                f"found {found.tolist()}; relabel the classes 0..k-1 (np.unique(y, return_inverse=True)) "
                "or give z one column per class"
            )
        return y.astype(np.int64), z

    def _value(self, y, z) -> float:
        rows = np.arange(z.shape[0])
        return float(np.mean(log_sum_exp(z) - z[rows, y]))

    def _grad(self, y, z) -> np.ndarray:
        n_samples = z.shape[0]
        probabilities = softmax(z)
        probabilities[np.arange(n_samples), y] -= 1.0
        return probabilities / n_samples


# ---------------------------------------------------------------------------------------------------------
# Penalties
# ---------------------------------------------------------------------------------------------------------


def _soft_threshold(w: np.ndarray, threshold: float) -> np.ndarray:
    r"""Soft-thresholding :math:`S_\tau(w) = \operatorname{sign}(w)\max(|w| - \tau, 0)`, elementwise."""
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)


class Penalty(ABC):
    r"""A regularization penalty :math:`P(w)` with a subgradient and a proximal operator.

    The proximal operator of :math:`sP` for a step :math:`s > 0` is

    .. math::

        \operatorname{prox}_{sP}(w) = \arg\min_u \; P(u) + \frac{1}{2s}\lVert u - w\rVert_2^2,

    the point that trades a smaller penalty against staying close to :math:`w` (Parikh and Boyd, 2014,
    :cite:`parikh2014proximal`). A proximal gradient step on :math:`J(w) + P(w)` is
    :math:`w \leftarrow \operatorname{prox}_{\eta P}(w - \eta \nabla J(w))`.
    """

    #: Name accepted by :func:`make_penalty`.
    name: str = ""
    constraints = {"alpha": [_STRENGTH]}

    def __init__(self, alpha: float) -> None:
        self.alpha = check_params(type(self).__name__, {"alpha": alpha}, self.constraints)["alpha"]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alpha={self.alpha!r})"

    def value(self, w: ArrayLike, *, check_input: bool = True) -> float:
        """Return :math:`P(w)`.

        Parameters
        ----------
        w : array_like
            Weights of any shape (a vector, or a matrix with one column per class); finite, non-empty.
            The intercept is not penalized, so do not include it.
        check_input : bool, default True
            Check ``w``; ``False`` takes a float64 array as given (for a training loop).

        Returns
        -------
        float
        """
        return self._value(self._weights(w) if check_input else w)

    def grad(self, w: ArrayLike, *, check_input: bool = True) -> np.ndarray:
        """Return a (sub)gradient of :math:`P` at ``w``.

        Parameters
        ----------
        w, check_input
            As for :meth:`value`.

        Returns
        -------
        numpy.ndarray
            Same shape as ``w``; where :math:`P` has a kink (:math:`w_j = 0` for the L1 part) the
            subgradient 0 is returned for that part.
        """
        return self._grad(self._weights(w) if check_input else w)

    def value_and_grad(self, w: ArrayLike, *, check_input: bool = True) -> tuple[float, np.ndarray]:
        """Return ``(value(w), grad(w))``."""
        if check_input:
            w = self._weights(w)
        return self._value(w), self._grad(w)

    def prox(self, w: ArrayLike, step: float) -> np.ndarray:
        """Return :math:`\\operatorname{prox}_{sP}(w)` for the step :math:`s` = ``step``.

        Parameters
        ----------
        w : array_like
            As for :meth:`value`.
        step : float
            The step :math:`s > 0`; in proximal gradient descent, the learning rate :math:`\\eta`.

        Returns
        -------
        numpy.ndarray
            Same shape as ``w``.
        """
        step = check_param(f"{type(self).__name__}.prox", "step", step, [_STEP])
        return self._prox(self._weights(w), step)

    @abstractmethod
    def _value(self, w: np.ndarray) -> float:
        ...

    @abstractmethod
    def _grad(self, w: np.ndarray) -> np.ndarray:
        ...

    @abstractmethod
    def _prox(self, w: np.ndarray, step: float) -> np.ndarray:
        ...

    def _weights(self, w) -> np.ndarray:
        return _as_real_array("w", w, type(self).__name__, of_weights=True)


class L2(Penalty):
    r"""Ridge (L2) penalty :math:`P(w) = \frac{\alpha}{2}\lVert w\rVert_2^2` (Hoerl and Kennard, 1970).

    Gradient :math:`\nabla P(w) = \alpha w`; proximal operator
    :math:`\operatorname{prox}_{sP}(w) = w / (1 + s\alpha)`, a uniform shrinkage towards 0
    :cite:`hoerl1970ridge,parikh2014proximal`. The factor 1/2 is scikit-learn's convention in
    ``ElasticNet`` (with ``l1_ratio=0``) and ``SGDRegressor``; ``Ridge`` instead adds
    :math:`\alpha\lVert w\rVert^2` to a *summed* squared error, which corresponds to ``L2(alpha / n)``
    with a mean squared error halved.

    Parameters
    ----------
    alpha : float
        Strength :math:`\alpha \ge 0` (the text's :math:`\lambda`); 0 means no penalty.
    """

    name = "l2"

    def _value(self, w) -> float:
        return float(0.5 * self.alpha * np.sum(w**2))

    def _grad(self, w) -> np.ndarray:
        return self.alpha * w

    def _prox(self, w, step: float) -> np.ndarray:
        return w / (1.0 + step * self.alpha)


class L1(Penalty):
    r"""Lasso (L1) penalty :math:`P(w) = \alpha\lVert w\rVert_1 = \alpha\sum_j |w_j|` (Tibshirani, 1996).

    It is not differentiable where :math:`w_j = 0`; ``grad`` returns the subgradient
    :math:`\alpha\operatorname{sign}(w)`, which is 0 there. Its proximal operator is soft-thresholding,

    .. math::

        \operatorname{prox}_{sP}(w)_j = \operatorname{sign}(w_j)\max(|w_j| - s\alpha, 0),

    which sets small weights exactly to 0; this is why the lasso selects features
    :cite:`tibshirani1996lasso,parikh2014proximal`.

    Parameters
    ----------
    alpha : float
        Strength :math:`\alpha \ge 0`; 0 means no penalty.
    """

    name = "l1"

    def _value(self, w) -> float:
        return float(self.alpha * np.sum(np.abs(w)))

    def _grad(self, w) -> np.ndarray:
        return self.alpha * np.sign(w)

    def _prox(self, w, step: float) -> np.ndarray:
        return _soft_threshold(w, step * self.alpha)


class ElasticNet(Penalty):
    r"""Elastic-net penalty, a mix of L1 and L2 (Zou and Hastie, 2005), in scikit-learn's form.

    .. math::

        P(w) = \alpha\left(\rho\lVert w\rVert_1 + \frac{1-\rho}{2}\lVert w\rVert_2^2\right),
        \qquad \rho = \texttt{l1\_ratio} \in [0, 1].

    :math:`\rho = 1` is :class:`L1` and :math:`\rho = 0` is :class:`L2`. A subgradient is
    :math:`\alpha(\rho\operatorname{sign}(w) + (1-\rho)w)`, and the proximal operator soft-thresholds,
    then shrinks:

    .. math::

        \operatorname{prox}_{sP}(w)_j = \frac{\operatorname{sign}(w_j)\max(|w_j| - s\alpha\rho, 0)}
        {1 + s\alpha(1-\rho)}

    :cite:`zou2005elastic,parikh2014proximal`.

    Parameters
    ----------
    alpha : float
        Strength :math:`\alpha \ge 0`; 0 means no penalty.
    l1_ratio : float, default 0.5
        The mixing weight :math:`\rho \in [0, 1]`.
    """

    name = "elasticnet"
    constraints = {"alpha": [_STRENGTH], "l1_ratio": [Interval(Real, 0, 1)]}

    def __init__(self, alpha: float, l1_ratio: float = 0.5) -> None:
        checked = check_params("ElasticNet", {"alpha": alpha, "l1_ratio": l1_ratio}, self.constraints)
        self.alpha, self.l1_ratio = checked.values()

    def __repr__(self) -> str:
        return f"ElasticNet(alpha={self.alpha!r}, l1_ratio={self.l1_ratio!r})"

    def _value(self, w) -> float:
        l1_part = self.l1_ratio * np.sum(np.abs(w))
        l2_part = 0.5 * (1.0 - self.l1_ratio) * np.sum(w**2)
        return float(self.alpha * (l1_part + l2_part))

    def _grad(self, w) -> np.ndarray:
        return self.alpha * (self.l1_ratio * np.sign(w) + (1.0 - self.l1_ratio) * w)

    def _prox(self, w, step: float) -> np.ndarray:
        thresholded = _soft_threshold(w, step * self.alpha * self.l1_ratio)
        return thresholded / (1.0 + step * self.alpha * (1.0 - self.l1_ratio))


_PENALTIES = {"l2": L2, "l1": L1, "elasticnet": ElasticNet}

#: What an estimator's ``penalty`` may be: a name, a penalty object, or None.
PENALTY_CONSTRAINT = [Options("l2", "l1", "elasticnet"), InstanceOf(Penalty, "a lib.losses.Penalty"), None]


def make_penalty(penalty: str | Penalty | None, alpha: float, l1_ratio: float = 0.5) -> Penalty | None:
    """Turn a penalty name, as scikit-learn's estimators take it, into a penalty object.

    Parameters
    ----------
    penalty : {'l2', 'l1', 'elasticnet'}, None or Penalty
        A name, ``None`` for no penalty, or a penalty object, which is returned unchanged (``alpha`` and
        ``l1_ratio`` are then not used).
    alpha : float
        Strength :math:`\\alpha \\ge 0` of the named penalty.
    l1_ratio : float, default 0.5
        Mixing weight, used only by ``'elasticnet'``.

    Returns
    -------
    Penalty or None
        :class:`L2`, :class:`L1` or :class:`ElasticNet`, or ``None`` when ``penalty`` is ``None``.
    """
    check_param("make_penalty", "penalty", penalty, PENALTY_CONSTRAINT)
    if penalty is None or isinstance(penalty, Penalty):
        return penalty
    if penalty == "elasticnet":
        return ElasticNet(alpha, l1_ratio=l1_ratio)
    return _PENALTIES[penalty](alpha)
