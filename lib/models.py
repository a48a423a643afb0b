r"""Linear models trained the ways the book explains: closed form, least squares, and gradient descent.

Both estimators follow scikit-learn's conventions :cite:`pedregosa2011sklearn,buitinck2013api` and are
built on its machinery rather than re-written: ``BaseEstimator`` (``get_params``/``set_params``,
``clone``), the regressor and classifier mixins (``score``), and its validation utilities
(``validate_data``, ``check_is_fitted``, ``check_classification_targets``, ``unique_labels``). They can
therefore be used in a ``Pipeline``, in ``cross_val_score`` and in ``GridSearchCV``, and they pass
scikit-learn's own estimator checks with their defaults (see ``tests/test_models.py``). Their
hyperparameters are declared once per class (``constraints``) and checked by :mod:`lib.checks` in ``fit``.

What they add is the training the book teaches: the losses and penalties of :mod:`lib.losses`, and the
optimizers of :mod:`lib.optim`, with the objective stated exactly so that every number can be checked
against scikit-learn.

:class:`LinearRegression`
    Least squares (optionally ridge) by the normal equations or ``np.linalg.lstsq``, or any of the
    regression losses and penalties by (mini-batch) gradient descent.
:class:`LogisticRegression`
    Binary and multinomial logistic regression by (mini-batch) gradient descent.
:class:`LinearObjective`
    The objective :math:`J(w, b)` of a linear model on a data set, with its value, its gradient on a batch,
    and (for L1 and elastic-net penalties) its proximal step: what gradient descent hands to
    :func:`lib.train.train`, the loop the chapters use.

By default gradient descent takes the step :math:`\eta = 1/L` from the curvature of the data
(``learning_rate="auto"``) and stops when the gradient is small (``tol``), which on standardized features
reaches scikit-learn's solutions to about :math:`10^{-6}` in the coefficients within a few thousand epochs.
"""

from __future__ import annotations

import copy
import math
import warnings
from functools import cached_property
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from lib.checks import Boolean, InstanceOf, Interval, InvalidParameterError, Options, check_params, message
from lib.data import MiniBatches
from lib.losses import (
    L2,
    MAE,
    MSE,
    PENALTY_CONSTRAINT,
    BinaryCrossEntropy,
    CrossEntropy,
    Huber,
    Loss,
    Penalty,
    log_sum_exp,
    make_penalty,
    sigmoid,
    softmax,
)
from lib.optim import SGD, Optimizer
from lib.rng import SEED_CONSTRAINT
from lib.train import GradientTolerance, train

__all__ = ["LinearRegression", "LogisticRegression", "LinearObjective", "CompositeLinearObjective",
           "make_linear_objective"]

#: The normal equations are refused when the condition number of the matrix to solve exceeds this.
MAX_NORMAL_EQUATIONS_CONDITION = 1e12

_REGRESSION_LOSSES = {"mse": MSE, "mae": MAE, "huber": Huber}

#: The hyperparameters every gradient-descent estimator here shares, declared once.
TRAINING_CONSTRAINTS = {
    "penalty": PENALTY_CONSTRAINT,
    "alpha": [Interval(Real, 0, None)],
    "l1_ratio": [Interval(Real, 0, 1)],
    "fit_intercept": [Boolean()],
    "optimizer": [InstanceOf(Optimizer, "a lib.optim optimizer such as lib.optim.SGD(lr=0.1, momentum=0.9)"), None],
    "learning_rate": [Interval(Real, 0, None, closed="neither"), Options("auto")],
    "batch_size": [Interval(Integral, 1, None), None],
    "epochs": [Interval(Integral, 1, None)],
    "tol": [Interval(Real, 0, None)],
    "seed": [SEED_CONSTRAINT],
}


# ---------------------------------------------------------------------------------------------------------
# The objective of a linear model z = X w + b
# ---------------------------------------------------------------------------------------------------------


class LinearObjective:
    r"""The objective of a linear model on a data set: :math:`J(w, b) = \frac1n\sum_i \ell(y_i, z_i) + P(w)`.

    The model's outputs are :math:`z = Xw + b` (a vector, or with :math:`k` classes an :math:`n \times k`
    matrix :math:`z = XW + b`), :math:`\ell` is a loss of :mod:`lib.losses` and :math:`P` an L2 penalty
    (or none); the intercept :math:`b` is never penalized. By the chain rule the gradient on the rows
    :math:`B` (a mini-batch, or all the data) is

    .. math::

        \nabla_w J_B = X_B^\top \frac{\partial J_B}{\partial z} + \nabla P(w), \qquad
        \nabla_b J_B = \sum_{i \in B} \frac{\partial J_B}{\partial z_i}.

    The parameters are a dict ``{"w": w, "b": b}`` (without ``"b"`` when ``fit_intercept=False``), what
    :func:`lib.train.train` trains. The data are checked once, by the estimator; the loss is then evaluated
    with ``check_input=False``, so a step costs the arithmetic alone.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Finite features.
    targets : ndarray of shape (n,)
        Finite targets (0/1 labels for :class:`lib.losses.BinaryCrossEntropy`, integer labels for
        :class:`lib.losses.CrossEntropy`).
    loss : lib.losses.Loss
    penalty : lib.losses.L2 or None
        A smooth penalty (its gradient joins the loss's); see :class:`CompositeLinearObjective` for L1
        and elastic net.
    fit_intercept : bool, default True

    Attributes
    ----------
    L : float or None
        The smoothness constant of :math:`J`'s smooth part (see the property).
    """

    def __init__(self, X: np.ndarray, targets: np.ndarray, loss: Loss, penalty: Penalty | None = None,
                 fit_intercept: bool = True) -> None:
        self.X, self.targets, self.loss, self.penalty, self.fit_intercept = X, targets, loss, penalty, fit_intercept

    def initial_parameters(self, coef_shape: tuple[int, ...]) -> dict[str, np.ndarray]:
        """Zeros: ``w`` of shape ``coef_shape`` and, with an intercept, ``b`` of shape ``coef_shape[1:]``."""
        theta = {"w": np.zeros(coef_shape)}
        if self.fit_intercept:
            theta["b"] = np.zeros(coef_shape[1:])
        return theta

    def outputs(self, theta: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
        """The outputs :math:`z = Xw + b` for the rows ``X``."""
        z = X @ theta["w"]
        if self.fit_intercept:
            z += theta["b"]
        return z

    def loss_and_grad(self, theta: dict[str, np.ndarray], batch: np.ndarray | None = None,
                      ) -> tuple[float, dict[str, np.ndarray]]:
        """:math:`J_B(\\theta)` and the gradient of its smooth part on the rows ``batch`` (None: all rows)."""
        X, y = (self.X, self.targets) if batch is None else (self.X[batch], self.targets[batch])
        w = theta["w"]
        value, output_grad = self.loss.value_and_grad(y, self.outputs(theta, X), check_input=False)
        grad_w = X.T @ output_grad
        if isinstance(self.penalty, L2):
            penalty_value, penalty_grad = self.penalty.value_and_grad(w, check_input=False)
            value += penalty_value
            grad_w = grad_w + penalty_grad
        elif self.penalty is not None:
            value += self.penalty.value(w, check_input=False)
        if self.fit_intercept:
            return value, {"w": grad_w, "b": output_grad.sum(axis=0)}
        return value, {"w": grad_w}

    def value(self, theta: dict[str, np.ndarray]) -> float:
        """:math:`J(\\theta)` on all the data."""
        value = self.loss.value(self.targets, self.outputs(theta, self.X), check_input=False)
        if self.penalty is not None:
            value += self.penalty.value(theta["w"], check_input=False)
        return value

    def gradient_norm(self, theta: dict[str, np.ndarray]) -> float:
        """:math:`\\lVert\\nabla J(\\theta)\\rVert_2` on all the data (of the smooth part)."""
        _, grad = self.loss_and_grad(theta)
        return math.sqrt(sum(float(np.vdot(part, part)) for part in grad.values()))

    @cached_property
    def L(self) -> float | None:
        r"""Smoothness constant of the smooth part of :math:`J`, :math:`\frac{c}{n}\lambda_{\max}(A^\top A) + \alpha`.

        :math:`A = [X, 1]` (or :math:`X` without intercept), :math:`c` is the loss's curvature bound
        (2 for the MSE, :math:`\frac14` for the logistic loss, :math:`\frac12` for the multinomial one) and
        :math:`\alpha` the L2 penalty's strength: the Hessian of :math:`J` is at most
        :math:`\frac{c}{n}A^\top A + \alpha I`, so gradient descent is stable for :math:`\eta < 2/L`
        and every step with :math:`\eta \le 1/L` lowers :math:`J` :cite:p:`nesterov2004introductory`.
        None for a loss without a curvature bound (MAE); inf if :math:`A^\top A` overflows.
        """
        if self.loss.curvature is None:
            return None
        n_samples = self.X.shape[0]
        with np.errstate(over="ignore", invalid="ignore"):
            gram = self.X.T @ self.X
            if self.fit_intercept:
                column_sums = self.X.sum(axis=0)
                gram = np.block([[gram, column_sums[:, np.newaxis]], [column_sums, np.array([[n_samples]])]])
        if not np.isfinite(gram).all():
            return math.inf
        return self.loss.curvature * float(np.linalg.eigvalsh(gram / n_samples)[-1]) + self._ridge()

    @cached_property
    def L_max(self) -> float | None:
        r"""The largest curvature of one sample's loss, :math:`L_{\max} = c\max_i \lVert a_i\rVert_2^2 + \alpha`.

        :math:`a_i` is row :math:`i` of :math:`A`. The Hessian of the loss of any mini-batch is at most
        :math:`L_{\max}`, whatever its size, so :math:`1/L_{\max}` is a safe step for mini-batch gradient
        descent: the automatic step of scikit-learn's SAG and SAGA solvers (Schmidt, Le Roux and Bach, 2017).
        """
        if self.loss.curvature is None:
            return None
        with np.errstate(over="ignore", invalid="ignore"):
            squared_norms = np.einsum("ij,ij->i", self.X, self.X) + (1.0 if self.fit_intercept else 0.0)
            largest = float(squared_norms.max())
        return self.loss.curvature * largest + self._ridge() if math.isfinite(largest) else math.inf

    def safe_learning_rate(self, full_batch: bool, owner: str) -> float:
        """:math:`1/L` (full batch) or :math:`1/L_{\\max}` (mini-batches): the ``learning_rate="auto"`` step."""
        curvature = self.L if full_batch else self.L_max
        if curvature is None:
            raise InvalidParameterError(message(
                owner, "learning_rate", "a positive number for this loss", "auto",
                f"{type(self.loss).__name__} has no curvature bound to take a safe step from"))
        if curvature == math.inf:
            raise ValueError(f"{owner}: learning_rate='auto' needs the curvature L of the data, which overflows for "
                             "these features; standardize them (sklearn.preprocessing.StandardScaler)")
        return 1.0 / curvature if curvature > 0 else 1.0  # L = 0: J is flat, every step is safe

    def _ridge(self) -> float:
        return self.penalty.alpha if isinstance(self.penalty, L2) else 0.0

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(n_samples={self.X.shape[0]}, loss={self.loss!r}, penalty={self.penalty!r}, "
                f"fit_intercept={self.fit_intercept})")


class CompositeLinearObjective(LinearObjective):
    r"""A linear model's objective with a non-smooth penalty (L1, elastic net), taken by its proximal map.

    :math:`J = f + P` with :math:`f` the mean loss: ``loss_and_grad`` returns :math:`J` and
    :math:`\nabla f` only, and :func:`lib.train.train` follows every optimizer step with :meth:`prox`,
    :math:`w \leftarrow \operatorname{prox}_{\eta P}(w)`. With plain gradient descent this is the proximal
    gradient method (ISTA), which converges like gradient descent on a smooth function and sets weights
    exactly to zero :cite:p:`parikh2014proximal,beck2009fast`.
    """

    def prox(self, theta: dict[str, np.ndarray], lr: float) -> dict[str, np.ndarray]:
        """The proximal step of :math:`\\eta P` on the weights; the intercept is never penalized."""
        return {**theta, "w": self.penalty.prox(theta["w"], lr)}

    def gradient_norm(self, theta: dict[str, np.ndarray]) -> float:
        r"""The norm of the gradient mapping, the gradient of a non-smooth :math:`J = f + P`.

        .. math::

            G(\theta) = L\left(\theta - \operatorname{prox}_{P/L}\left(\theta - \nabla f(\theta)/L\right)\right)

        (on the weights; the intercept's part is :math:`\nabla_b f`). :math:`G` is zero exactly at the
        minimizers of :math:`J`, equals :math:`\nabla J` where :math:`P` is smooth, and for a
        :math:`\mu`-strongly convex :math:`J` bounds the distance to the minimizer:
        :math:`\lVert\theta - \theta^\star\rVert \le (1/L + 2/\mu)\lVert G(\theta)\rVert`
        :cite:p:`beck2009fast,nesterov2004introductory`. (The gradient of :math:`f` alone does not vanish
        where the lasso sets weights to zero.)
        """
        _, grad = self.loss_and_grad(theta)
        curvature = self.L if self.L is not None and 0 < self.L < math.inf else 1.0
        step = 1.0 / curvature
        mapping = (theta["w"] - self.penalty.prox(theta["w"] - step * grad["w"], step)) / step
        total = float(np.vdot(mapping, mapping))
        if self.fit_intercept:
            total += float(np.vdot(grad["b"], grad["b"]))
        return math.sqrt(total)


def make_linear_objective(X: np.ndarray, targets: np.ndarray, loss: Loss, penalty: Penalty | None,
                          fit_intercept: bool) -> LinearObjective:
    """:class:`LinearObjective` for no penalty or L2, :class:`CompositeLinearObjective` for the others."""
    if penalty is None or isinstance(penalty, L2):
        return LinearObjective(X, targets, loss, penalty, fit_intercept)
    return CompositeLinearObjective(X, targets, loss, penalty, fit_intercept)


class _GradientDescent:
    """What the estimators share: the training by gradient descent, after their hyperparameters are checked."""

    def _check_hyperparameters(self) -> None:
        check_params(type(self).__name__, self.get_params(deep=False), self.constraints)

    def _train(self, objective: LinearObjective, coef_shape: tuple[int, ...]) -> dict[str, np.ndarray]:
        """Train ``objective`` from zero with :func:`lib.train.train`; set ``optimizer_``, ``history_``, ``n_iter_``."""
        name = type(self).__name__
        n_samples = objective.X.shape[0]
        full_batch = self.batch_size is None or self.batch_size >= n_samples
        if self.optimizer is not None:
            optimizer = copy.deepcopy(self.optimizer)
            optimizer.reset()
        elif self.learning_rate == "auto":
            optimizer = SGD(lr=objective.safe_learning_rate(full_batch, name))
        else:
            optimizer = SGD(lr=self.learning_rate)
        rules = []
        composite = isinstance(objective, CompositeLinearObjective)
        if self.tol > 0:  # a full-batch run measures a smooth gradient for free; the gradient mapping is not free
            free = full_batch and not composite
            rules.append(GradientTolerance(self.tol, gradient_norm=None if free else objective.gradient_norm))
        batches = None if full_batch else MiniBatches(n_samples, self.batch_size, seed=self.seed)
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow ends in train's DivergenceError
            result = train(objective, objective.initial_parameters(coef_shape), optimizer, epochs=self.epochs,
                           batches=batches, callbacks=rules)
        if rules and result.stop_reason == "max_epochs":
            noise = "" if full_batch else (" (mini-batch gradient descent with a constant learning rate stalls at a "
                                           "noise floor; train on the full batch to reach the minimizer)")
            warnings.warn(
                f"{name}: gradient descent ran all {result.epochs} epochs without the norm of "
                f"{'the gradient mapping' if composite else 'the gradient'} of J falling to tol={self.tol:g} (it was "
                f"{rules[0].last_norm:.3g}){noise}; increase epochs, "
                "standardize the features, or pass tol=0 to run a fixed number of epochs",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.optimizer_ = optimizer
        self.history_ = result.epoch_loss_history.tolist()
        self.n_iter_ = result.epochs
        return result.theta


# ---------------------------------------------------------------------------------------------------------
# Linear regression
# ---------------------------------------------------------------------------------------------------------


class LinearRegression(_GradientDescent, RegressorMixin, BaseEstimator):
    r"""Linear regression :math:`\hat y = Xw + b` by closed form, least squares, or gradient descent.

    The model minimizes

    .. math::

        J(w, b) = \frac{1}{n}\sum_{i=1}^{n} \ell(y_i,\, x_i^\top w + b) + P(w),

    with the per-sample loss :math:`\ell(y, z) = (z - y)^2` for ``loss='mse'`` (no factor 1/2, so the
    first term is ``sklearn.metrics.mean_squared_error``), :math:`|z - y|` for ``'mae'``, and the Huber
    function :math:`h_1(z - y)` for ``'huber'`` (:class:`lib.losses.Huber`, :math:`\delta = 1`), and the
    penalty of :func:`lib.losses.make_penalty`: none, :math:`\frac{\alpha}{2}\lVert w\rVert_2^2`
    (``'l2'``, ridge :cite:`hoerl1970ridge`), :math:`\alpha\lVert w\rVert_1` (``'l1'``, lasso
    :cite:`tibshirani1996lasso`) or :math:`\alpha(\rho\lVert w\rVert_1 + \frac{1-\rho}{2}\lVert w\rVert_2^2)`
    (``'elasticnet'``, :math:`\rho` = ``l1_ratio`` :cite:`zou2005elastic`). The intercept :math:`b` is
    never penalized.

    **Matching scikit-learn.** Multiplying :math:`J` by a constant does not move its minimizer, so:

    * ``Ridge(alpha=a)`` minimizes :math:`\lVert y - Xw - b\rVert^2 + a\lVert w\rVert^2`, which is
      :math:`n` times :math:`J` with ``penalty='l2', alpha=2 * a / n``;
    * ``Lasso(alpha=a)`` and ``ElasticNet(alpha=a, l1_ratio=r)`` minimize
      :math:`\frac{1}{2n}\lVert y - Xw - b\rVert^2 + \ldots`, which is :math:`J/2` with
      ``alpha=2 * a`` (and ``l1_ratio=r``);
    * ``SGDRegressor(alpha=a, penalty='l2')`` halves the squared error and uses
      :math:`a \cdot \frac12\lVert w\rVert^2`, so it also corresponds to ``alpha=2 * a``;
    * ``LinearRegression()`` is ``penalty=None``.

    **Solvers.** ``'normal'`` solves the normal equations
    :math:`(X_c^\top X_c + \frac{n\alpha}{2} I)\,w = X_c^\top y_c` on centred data :math:`X_c, y_c` (the
    centring gives the unpenalized intercept :math:`b = \bar y - \bar x^\top w` exactly), and refuses a
    matrix whose condition number exceeds ``MAX_NORMAL_EQUATIONS_CONDITION`` = 1e12, because forming
    :math:`X^\top X` squares the condition number of :math:`X` :cite:`golub2013matrix`. ``'lstsq'``
    calls ``np.linalg.lstsq`` on :math:`X_c` itself (an SVD-based solver; with rank-deficient data it
    returns the minimum-norm solution, as scikit-learn does), ridge being the least-squares problem
    with :math:`\sqrt{n\alpha/2}\,I` stacked under :math:`X_c` and zeros under :math:`y_c`. Both handle
    only ``loss='mse'`` with ``penalty=None`` or ``'l2'``.

    ``'gd'`` trains :class:`LinearObjective` with :func:`lib.train.train`: it starts from :math:`w = 0, b = 0`
    and, each epoch, visits the (shuffled) data in mini-batches of ``batch_size`` rows (the full batch by
    default) and hands the mini-batch gradient of the smooth part of :math:`J` to the optimizer:
    :math:`g_t = X_B^\top\,\partial J_B/\partial z` for :math:`w` plus :math:`\alpha w` for the L2
    penalty, and the sum of :math:`\partial J_B/\partial z` for :math:`b`. With ``optimizer=None`` this is
    plain (stochastic) gradient descent :cite:`robbins1951stochastic` with the step ``learning_rate``; the
    default, ``"auto"``, is :math:`\eta = 1/L` with :math:`L` the smoothness constant of :math:`J` on these
    data (:attr:`LinearObjective.L`; for the MSE :math:`L = \frac2n\lambda_{\max}([X, 1]^\top[X, 1]) +
    \alpha_{L2}`), the step that lowers :math:`J` the most in the worst case and is safe on any data, scaled
    or not. Training stops when :math:`\lVert\nabla J\rVert_2 \le` ``tol``, which for a strongly convex
    :math:`J` (curvature at least :math:`\mu`) bounds the distance to the minimizer by ``tol``
    :math:`/\mu`. An L1 or elastic-net penalty is not differentiable
    at 0, so it is applied by its proximal operator after each step,
    :math:`w \leftarrow \operatorname{prox}_{\eta P}(w)` with :math:`\eta` the optimizer's current ``lr``:
    with plain SGD this is the proximal gradient method (ISTA), which converges like gradient descent
    on a smooth function and sets weights exactly to zero :cite:`parikh2014proximal`. The subgradient
    method would need a decreasing step size to converge and would leave the weights oscillating around
    zero instead of at it. (With momentum or an adaptive optimizer the same prox step is the usual
    heuristic, not an exact proximal method.)

    Parameters
    ----------
    solver : {'gd', 'normal', 'lstsq'}, default 'gd'
        How to fit (see above).
    penalty : {None, 'l2', 'l1', 'elasticnet'} or lib.losses.Penalty, default None
        Regularization of :math:`w`.
    alpha : float, default 0.0
        Penalty strength :math:`\alpha \ge 0` (the text's :math:`\lambda`); ignored when
        ``penalty=None`` or a penalty object is given.
    l1_ratio : float, default 0.5
        :math:`\rho \in [0, 1]` for ``penalty='elasticnet'``.
    fit_intercept : bool, default True
        Fit :math:`b`; otherwise :math:`b = 0`.
    loss : {'mse', 'mae', 'huber'} or lib.losses.Loss, default 'mse'
        The loss :math:`\ell` (only ``'mse'`` for the closed-form solvers).
    optimizer : lib.optim.Optimizer or None, default None
        The update rule for ``solver='gd'``; ``None`` means ``lib.optim.SGD(lr=learning_rate)``. The
        instance given is never modified: each fit uses a fresh (reset) deep copy, kept as
        ``optimizer_``.
    learning_rate : float or "auto", default "auto"
        Step size :math:`\eta > 0` of the default optimizer; ignored when ``optimizer`` is given.
        ``"auto"``: :math:`1/L` for full-batch training, and :math:`1/L_{\max}`
        (:attr:`LinearObjective.L_max`, safe for any batch) with mini-batches. Gradient descent is stable
        only for :math:`\eta < 2/L`. A loss without a curvature bound (``'mae'``) needs a number.
    batch_size : int or None, default None
        Rows per gradient step; ``None`` (or a value of at least ``n``) means full-batch gradient descent.
    epochs : int, default 10000
        Maximum number of passes over the data.
    tol : float, default 1e-8
        Stop when the norm of the gradient of :math:`J` on all the data, :math:`\lVert\nabla J\rVert_2`,
        is at most ``tol`` (tested at the start and after every epoch; with mini-batches this costs a pass
        over the data per epoch); with an L1 or elastic-net penalty, the norm of the proximal gradient
        mapping (:meth:`CompositeLinearObjective.gradient_norm`); ``tol=0`` runs all epochs. When all
        epochs run without reaching ``tol > 0``, a ``ConvergenceWarning`` is issued. On standardized
        features the defaults reach the minimizer to about :math:`10^{-6}`.
    seed : int, default 0
        Seed of the mini-batch shuffles: epoch :math:`e` visits the rows in the order of
        ``lib.data.MiniBatches(n, batch_size, seed=seed)(e)``, drawn from ``(seed, e)`` alone.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        The weights :math:`w`.
    intercept_ : float
        The intercept :math:`b` (0.0 when ``fit_intercept=False``).
    n_features_in_ : int
        Number of features seen in ``fit``.
    n_iter_ : int
        Epochs run by ``'gd'``; 1 (one linear solve) for the closed-form solvers.
    history_ : list of float
        :math:`J` after each epoch for ``'gd'``; for the closed-form solvers, a one-element list with
        the final :math:`J`.
    optimizer_ : lib.optim.Optimizer or None
        The optimizer after training (``'gd'``), with its state; ``None`` for the closed-form solvers.

    Raises
    ------
    lib.optim.DivergenceError
        From ``fit`` (raised by :func:`lib.train.train`), a ``RuntimeError`` when the loss becomes non-finite
        or rises above its initial value :math:`J_0` by more than ``lib.train.DIVERGENCE_FACTOR`` = 1e4
        times :math:`J_0`; the message gives the step, the loss and the bound :math:`\eta < 2/L` for these
        data.

    Notes
    -----
    A target of shape ``(n, 1)`` is accepted and flattened with a ``DataConversionWarning``, as in
    scikit-learn; it is never broadcast against the ``(n,)`` predictions. NaN or inf in ``X`` or ``y``,
    a wrong number of features in ``predict``, or a call to ``predict`` before ``fit`` (``NotFittedError``)
    raise clear errors.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = 2.0 * X[:, 0] + 1.0
    >>> model = LinearRegression(solver="normal").fit(X, y)
    >>> print(f"{model.coef_[0]:.4f} {model.intercept_:.4f}")
    2.0000 1.0000
    """

    def __init__(
        self,
        *,
        solver: str = "gd",
        penalty: str | Penalty | None = None,
        alpha: float = 0.0,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        loss: str | Loss = "mse",
        optimizer: Optimizer | None = None,
        learning_rate: float | str = "auto",
        batch_size: int | None = None,
        epochs: int = 10_000,
        tol: float = 1e-8,
        seed: int = 0,
    ) -> None:
        self.solver = solver
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.tol = tol
        self.seed = seed

    constraints = {
        "solver": [Options("gd", "normal", "lstsq")],
        "loss": [Options(*_REGRESSION_LOSSES), InstanceOf(MSE | MAE | Huber, "a lib.losses regression loss")],
        **TRAINING_CONSTRAINTS,
    }

    def fit(self, X: ArrayLike, y: ArrayLike) -> LinearRegression:
        """Fit the model to ``X`` of shape ``(n, d)`` and ``y`` of shape ``(n,)``; return ``self``."""
        self._check_hyperparameters()
        loss = _REGRESSION_LOSSES[self.loss]() if isinstance(self.loss, str) else self.loss
        penalty = make_penalty(self.penalty, self.alpha, self.l1_ratio)
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        if self.solver == "gd":
            theta = self._train(make_linear_objective(X, y, loss, penalty, self.fit_intercept), (X.shape[1],))
            self.coef_ = theta["w"]
            self.intercept_ = float(theta["b"]) if self.fit_intercept else 0.0
            return self
        if not isinstance(loss, MSE):
            raise ValueError(
                f"solver={self.solver!r} solves least squares only (loss='mse'), got loss={self.loss!r}; "
                "use solver='gd' for other losses"
            )
        if penalty is not None and not isinstance(penalty, L2):
            raise ValueError(
                f"solver={self.solver!r} supports penalty=None or 'l2' only, got penalty={self.penalty!r}; "
                "use solver='gd' (proximal gradient) for L1 and elastic-net penalties"
            )
        ridge_alpha = 0.0 if penalty is None else penalty.alpha
        self.coef_, self.intercept_ = self._solve_least_squares(X, y, ridge_alpha)
        outputs = X @ self.coef_ + self.intercept_
        final = loss.value(y, outputs) + (0.0 if penalty is None else penalty.value(self.coef_))
        self.history_ = [final]
        self.n_iter_ = 1
        self.optimizer_ = None
        return self

    def _solve_least_squares(self, X: np.ndarray, y: np.ndarray, ridge_alpha: float) -> tuple[np.ndarray, float]:
        """Closed-form minimizer of (1/n)||Xw + b - y||^2 + (ridge_alpha/2)||w||^2 by ``self.solver``."""
        n_samples, n_features = X.shape
        if self.fit_intercept:
            x_mean = X.mean(axis=0)
            y_mean = y.mean()
            X_centred = X - x_mean
            y_centred = y - y_mean
        else:
            X_centred, y_centred = X, y
        shrinkage = n_samples * ridge_alpha / 2.0
        if self.solver == "normal":
            gram = X_centred.T @ X_centred + shrinkage * np.eye(n_features)
            condition = np.linalg.cond(gram)
            if not np.isfinite(condition) or condition > MAX_NORMAL_EQUATIONS_CONDITION:
                raise ValueError(
                    f"LinearRegression(solver='normal'): the normal equations are singular or too "
                    f"ill-conditioned to solve accurately (condition number {condition:.3g} > "
                    f"{MAX_NORMAL_EQUATIONS_CONDITION:g}; n_samples = {n_samples}, n_features = {n_features}"
                    f"{', centred for the intercept' if self.fit_intercept else ''}). Collinear or constant "
                    "features, fewer samples than features, or unscaled features cause this. Use "
                    "solver='lstsq' (which does not square the condition number), standardize the "
                    "features, or add penalty='l2' with alpha > 0."
                )
            coef = np.linalg.solve(gram, X_centred.T @ y_centred)
        else:
            if shrinkage > 0:
                design = np.vstack([X_centred, math.sqrt(shrinkage) * np.eye(n_features)])
                target = np.concatenate([y_centred, np.zeros(n_features)])
            else:
                design, target = X_centred, y_centred
            coef = np.linalg.lstsq(design, target, rcond=None)[0]
        intercept = float(y_mean - x_mean @ coef) if self.fit_intercept else 0.0
        return coef, intercept

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Return the predictions :math:`Xw + b`, shape ``(n,)``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_ + self.intercept_


# ---------------------------------------------------------------------------------------------------------
# Logistic regression
# ---------------------------------------------------------------------------------------------------------


class LogisticRegression(_GradientDescent, ClassifierMixin, BaseEstimator):
    r"""Binary and multinomial logistic regression trained by (mini-batch) gradient descent.

    With two classes the model is :math:`P(y = 1 \mid x) = \sigma(x^\top w + b)`
    :cite:`cox1958regression` and minimizes the mean binary cross-entropy of the logits
    (:class:`lib.losses.BinaryCrossEntropy`),

    .. math::

        J(w, b) = \frac{1}{n}\sum_{i=1}^{n}\left[\log(1 + e^{z_i}) - y_i z_i\right] + P(w),
        \qquad z_i = x_i^\top w + b,\ y_i \in \{0, 1\}.

    With :math:`k \ge 3` classes it is multinomial: a weight matrix :math:`W \in \mathbb{R}^{d \times k}`
    and intercepts :math:`b \in \mathbb{R}^k` give logits :math:`z_i = x_i^\top W + b`, probabilities
    :math:`\operatorname{softmax}(z_i)`, and the mean cross-entropy (:class:`lib.losses.CrossEntropy`)

    .. math::

        J(W, b) = \frac{1}{n}\sum_{i=1}^{n}\left[\log\sum_{j} e^{z_{ij}} - z_{i, y_i}\right] + P(W).

    :math:`P` is :func:`lib.losses.make_penalty`'s: :math:`\frac{\alpha}{2}\lVert W\rVert^2` (``'l2'``,
    the default), :math:`\alpha\lVert W\rVert_1` (``'l1'``), the elastic net, or none. The intercepts
    are never penalized. Training is as in :class:`LinearRegression` with ``solver='gd'``: the smooth
    part's gradient :math:`X^\top(\hat p - y)/n` (plus :math:`\alpha W` for L2) goes to the optimizer,
    and L1 or elastic-net penalties are applied by their proximal operator after each step.

    **Matching scikit-learn.** ``sklearn.linear_model.LogisticRegression(C=C)`` (version 1.9: L2 by
    default, ``l1_ratio=1`` for L1; with three or more classes every solver but liblinear fits this
    same multinomial model with one weight vector per class) minimizes
    :math:`\frac12\lVert W\rVert^2 + C\sum_i \ell_i`. Dividing by :math:`Cn` gives :math:`J` with

    .. math::

        \alpha = \frac{1}{C\,n},

    and likewise for ``l1_ratio=1`` (``penalty='l1'``) and the elastic net (same ``l1_ratio``); ``C=inf``
    is ``penalty=None``. ``SGDClassifier(loss='log_loss', alpha=a)`` uses this very objective for two
    classes, so ``alpha=a``.

    Parameters
    ----------
    penalty : {'l2', 'l1', 'elasticnet', None} or lib.losses.Penalty, default 'l2'
        Regularization of the weights.
    alpha : float, default 0.01
        Penalty strength :math:`\alpha \ge 0`; ignored when ``penalty=None``. The L2 penalty makes
        :math:`J` :math:`\alpha`-strongly convex in :math:`w`, so gradient descent with the automatic step
        needs at most about :math:`(L/\alpha)\ln(1/\epsilon)` epochs; on standardized features
        :math:`L` is of order 1 to a few, and 0.01 converges in a few thousand epochs. (scikit-learn's
        ``LogisticRegression`` default ``C=1`` is :math:`\alpha = 1/n`; its ``SGDClassifier`` uses 1e-4.)
    l1_ratio : float, default 0.5
        :math:`\rho \in [0, 1]` for ``penalty='elasticnet'``.
    fit_intercept : bool, default True
        Fit the intercept(s).
    optimizer : lib.optim.Optimizer or None, default None
        Update rule; ``None`` means ``lib.optim.SGD(lr=learning_rate)``. Never modified: each fit uses a
        fresh deep copy, kept as ``optimizer_``.
    learning_rate : float or "auto", default "auto"
        Step size :math:`\eta` of the default optimizer. ``"auto"`` is :math:`1/L`: the Hessian of the
        binary loss is bounded by :math:`\frac{1}{4n}[X,1]^\top[X,1]` (:math:`\sigma' \le \frac14`) and that
        of the multinomial loss by :math:`\frac{1}{2n}[X,1]^\top[X,1]`, plus :math:`\alpha` for L2, as in
        :class:`LinearRegression` (and :math:`1/L_{\max}` with mini-batches).
    batch_size : int or None, default None
        Rows per step; ``None`` means full batch.
    epochs : int, default 10000
        Maximum number of passes over the data.
    tol : float, default 1e-8
        Stop when :math:`\lVert\nabla J\rVert_2 \le` ``tol`` (0: run all epochs), as in
        :class:`LinearRegression`.
    seed : int, default 0
        Seed of the mini-batch shuffles (``lib.data.MiniBatches``), as in :class:`LinearRegression`.

    Attributes
    ----------
    classes_ : ndarray of shape (k,)
        The sorted class labels (any labels scikit-learn accepts: integers, strings...).
    coef_ : ndarray of shape (1, n_features) for two classes, (k, n_features) otherwise
        The weights, as in scikit-learn (row :math:`j` for class ``classes_[j]``; for two classes the
        single row belongs to ``classes_[1]``).
    intercept_ : ndarray of shape (1,) or (k,)
        The intercepts.
    n_features_in_, n_iter_, history_, optimizer_
        As in :class:`LinearRegression` with ``solver='gd'``.

    Raises
    ------
    lib.optim.DivergenceError
        From ``fit``, as in :class:`LinearRegression`; the message states :math:`\eta < 2/L` with the
        bound :math:`L` above.

    Notes
    -----
    Labels of shape ``(n, 1)`` are flattened with a ``DataConversionWarning`` (scikit-learn's rule), data
    with a single class or continuous targets raise a ``ValueError``, and NaN or inf in ``X``, a wrong
    number of features, or ``predict`` before ``fit`` raise clear errors, as in :class:`LinearRegression`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> model = LogisticRegression(alpha=0.1).fit(X, ["no", "no", "yes", "yes"])
    >>> model.predict([[-3.0], [3.0]]).tolist()
    ['no', 'yes']
    """

    def __init__(
        self,
        *,
        penalty: str | Penalty | None = "l2",
        alpha: float = 0.01,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        optimizer: Optimizer | None = None,
        learning_rate: float | str = "auto",
        batch_size: int | None = None,
        epochs: int = 10_000,
        tol: float = 1e-8,
        seed: int = 0,
    ) -> None:
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.tol = tol
        self.seed = seed

    constraints = TRAINING_CONSTRAINTS

    def fit(self, X: ArrayLike, y: ArrayLike) -> LogisticRegression:
        """Fit the model to ``X`` of shape ``(n, d)`` and labels ``y`` of shape ``(n,)``; return ``self``."""
        self._check_hyperparameters()
        penalty = make_penalty(self.penalty, self.alpha, self.l1_ratio)
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = unique_labels(y)
        if len(self.classes_) < 2:
            raise ValueError(
                "LogisticRegression needs samples of at least 2 classes in the data, but the data contain "
                f"only one class: {self.classes_[0]!r}"
            )
        labels = np.searchsorted(self.classes_, y)
        n_features, n_classes = X.shape[1], len(self.classes_)
        if n_classes == 2:
            objective = make_linear_objective(X, labels.astype(np.float64), BinaryCrossEntropy(), penalty,
                                              self.fit_intercept)
            theta = self._train(objective, (n_features,))
            self.coef_ = theta["w"].reshape(1, n_features)
            self.intercept_ = theta["b"].reshape(1) if self.fit_intercept else np.zeros(1)
        else:
            objective = make_linear_objective(X, labels, CrossEntropy(), penalty, self.fit_intercept)
            theta = self._train(objective, (n_features, n_classes))
            self.coef_ = theta["w"].T.copy()
            self.intercept_ = theta["b"].copy() if self.fit_intercept else np.zeros(n_classes)
        return self

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Return the logits: shape ``(n,)`` (for ``classes_[1]``) with two classes, ``(n, k)`` otherwise."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        if scores.shape[1] == 1:
            return scores.ravel()
        return scores

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Return the class probabilities, shape ``(n, k)``, columns in the order of ``classes_``."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            positive = sigmoid(scores)
            return np.column_stack([1.0 - positive, positive])
        return softmax(scores)

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Return the logarithms of :meth:`predict_proba`, computed stably from the logits."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.column_stack([np.zeros_like(scores), scores])
        return scores - log_sum_exp(scores)[:, np.newaxis]

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Return the most probable class of each row, shape ``(n,)``, with the labels of ``classes_``."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.intp)]
        return self.classes_[np.argmax(scores, axis=1)]
