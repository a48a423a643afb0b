r"""Linear models trained the ways the book explains: closed form, least squares, and gradient descent.

Both estimators follow scikit-learn's conventions :cite:`pedregosa2011sklearn,buitinck2013api` and are
built on its machinery rather than re-written: ``BaseEstimator`` (``get_params``/``set_params``,
``clone``), the regressor and classifier mixins (``score``), and its validation utilities
(``validate_data``, ``check_is_fitted``, ``check_classification_targets``, ``unique_labels``). They can
therefore be used in a ``Pipeline``, in ``cross_val_score`` and in ``GridSearchCV``, and they pass
scikit-learn's own estimator checks (see ``tests/test_models.py``).

What they add is the training the book teaches: the losses and penalties of :mod:`lib.losses`, and the
optimizers of :mod:`lib.optim`, with the objective stated exactly so that every number can be checked
against scikit-learn.

:class:`LinearRegression`
    Least squares (optionally ridge) by the normal equations or ``np.linalg.lstsq``, or any of the
    regression losses and penalties by (mini-batch) gradient descent.
:class:`LogisticRegression`
    Binary and multinomial logistic regression by (mini-batch) gradient descent.

Training by gradient descent runs :func:`lib.train.train`, the loop the chapters use: it records the
objective after every epoch in ``history_``, stops when its relative change falls below ``tol``, and stops
with a :class:`lib.optim.DivergenceError` (naming the epoch, the loss, and the stability bound
:math:`\eta < 2/L` for the data at hand) if the loss becomes non-finite or explodes.
"""

from __future__ import annotations

import copy
import math
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, check_scalar, validate_data

from lib.losses import (
    L2,
    MAE,
    MSE,
    BinaryCrossEntropy,
    CrossEntropy,
    Huber,
    log_sum_exp,
    make_penalty,
    sigmoid,
    softmax,
)
from lib.optim import SGD, DivergenceError, Optimizer
from lib.train import DIVERGENCE_FACTOR, MiniBatches, train

__all__ = ["LinearRegression", "LogisticRegression"]

#: The normal equations are refused when the condition number of the matrix to solve exceeds this.
MAX_NORMAL_EQUATIONS_CONDITION = 1e12

_REGRESSION_LOSSES = {"mse": MSE, "mae": MAE, "huber": Huber}
_SOLVERS = ("normal", "lstsq", "gd")


# ---------------------------------------------------------------------------------------------------------
# Checks of the hyperparameters (done in fit, never in __init__, as scikit-learn requires)
# ---------------------------------------------------------------------------------------------------------


def _check_real(value, name, *, min_val=None, max_val=None, include_boundaries="both"):
    value = check_scalar(
        value, name, numbers.Real, min_val=min_val, max_val=max_val, include_boundaries=include_boundaries
    )
    if isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    return float(value)


def _check_training_parameters(estimator):
    """Check the hyperparameters that every gradient-descent estimator here shares."""
    _check_real(estimator.alpha, "alpha", min_val=0.0)
    _check_real(estimator.learning_rate, "learning_rate", min_val=0.0, include_boundaries="neither")
    check_scalar(estimator.epochs, "epochs", numbers.Integral, min_val=1)
    _check_real(estimator.tol, "tol", min_val=0.0)
    if estimator.batch_size is not None:
        check_scalar(estimator.batch_size, "batch_size", numbers.Integral, min_val=1)
    check_scalar(estimator.seed, "seed", numbers.Integral, min_val=0)
    if not isinstance(estimator.fit_intercept, bool | np.bool_):
        raise TypeError(f"fit_intercept must be True or False, got {estimator.fit_intercept!r}")
    if estimator.optimizer is not None and not isinstance(estimator.optimizer, Optimizer):
        raise TypeError(
            "optimizer must be None (plain gradient descent, SGD(lr=learning_rate)) or a lib.optim "
            f"optimizer such as lib.optim.SGD(lr=0.1, momentum=0.9), got {estimator.optimizer!r}"
        )


def _make_optimizer(estimator):
    """A fresh optimizer for one fit: a reset deep copy of ``estimator.optimizer``, never the original."""
    if estimator.optimizer is None:
        return SGD(lr=estimator.learning_rate)
    optimizer = copy.deepcopy(estimator.optimizer)
    optimizer.reset()
    return optimizer


# ---------------------------------------------------------------------------------------------------------
# Gradient descent on a linear model z = X w + b
# ---------------------------------------------------------------------------------------------------------


def _linear_outputs(X, theta):
    """The model's outputs :math:`z = Xw + b` (an ``(n,)`` or ``(n, k)`` array)."""
    outputs = X @ theta["w"]
    if "b" in theta:
        outputs = outputs + theta["b"]
    return outputs


def _curvature_message(X, fit_intercept, loss, penalty, learning_rate):
    """Explain the step-size bound :math:`\\eta < 2/L` for this data, or why there is none."""
    n_samples = X.shape[0]
    design = np.column_stack([X, np.ones(n_samples)]) if fit_intercept else X
    gram = design.T @ design / n_samples
    if not np.isfinite(gram).all():
        return (
            "The features are too large to compute L, the curvature that bounds the learning rate "
            "(A^T A overflows): standardize them."
        )
    gram_top = float(np.linalg.eigvalsh(gram)[-1])
    design_name = "[X, 1]" if fit_intercept else "X"
    ridge = penalty.alpha if isinstance(penalty, L2) else 0.0
    ridge_text = f" + alpha I (alpha = {ridge:g})" if ridge > 0 else ""
    if isinstance(loss, MSE):
        curvature = 2.0 * gram_top + ridge
        return (
            f"For the MSE loss on these data the largest eigenvalue of the Hessian (2/n) A^T A{ridge_text}, "
            f"with A = {design_name}, is L = {curvature:.4g}, so full-batch gradient descent is stable only "
            f"for learning_rate < 2/L = {2.0 / curvature:.4g} (the learning rate was {learning_rate:g}; "
            "mini-batches need a smaller one)."
        )
    if isinstance(loss, MAE):
        return "The MAE loss has no curvature bound (it is not differentiable); try a smaller learning rate."
    if isinstance(loss, Huber):
        factor, name = 1.0, "(1/n) A^T A"
    elif isinstance(loss, BinaryCrossEntropy):
        factor, name = 0.25, "(1/(4n)) A^T A"
    elif isinstance(loss, CrossEntropy):
        factor, name = 0.5, "(1/(2n)) A^T A"
    else:
        return "Try a smaller learning rate."
    curvature = factor * gram_top + ridge
    return (
        f"For this loss the Hessian is bounded by {name}{ridge_text}, with A = {design_name}, whose largest "
        f"eigenvalue is L = {curvature:.4g}; full-batch gradient descent is stable for "
        f"learning_rate < 2/L = {2.0 / curvature:.4g} (the learning rate was {learning_rate:g})."
    )


def _gradient_descent(estimator, X, targets, loss, penalty, coef_shape):
    """Fit :math:`z = Xw + b` by minimizing :math:`J = \\text{loss}(y, z) + P(w)` with :func:`lib.train.train`.

    Returns the final parameters (a dict with ``"w"`` and, with an intercept, ``"b"``), the objective
    after each epoch, the number of epochs run, and the optimizer. Smooth penalties (L2) enter the
    gradient; non-smooth ones (L1, elastic net) are applied by their proximal operator after each step.
    The loop, its stopping rule and its divergence check are :func:`lib.train.train`'s; this function
    supplies the objective, and explains a divergence with the bound :math:`\\eta < 2/L` for these data.
    """
    name = type(estimator).__name__
    n_samples = X.shape[0]
    batch_size = n_samples if estimator.batch_size is None else min(int(estimator.batch_size), n_samples)
    full_batch = batch_size == n_samples
    optimizer = _make_optimizer(estimator)
    proximal = penalty is not None and not isinstance(penalty, L2)
    tol = float(estimator.tol)

    theta0 = {"w": np.zeros(coef_shape)}
    if estimator.fit_intercept:
        theta0["b"] = np.zeros(coef_shape[1:])

    # What a divergence message needs; the functions below keep it up to date while train runs.
    progress = {
        "epochs": 0,  # epochs completed
        "epoch_loss": None,  # J after the last completed epoch (J at the start before the first)
        "full_loss": None,  # the last J computed on all the data
        "overflow": None,  # what overflowed first, if anything did
    }

    def objective(y_rows, outputs, weights):
        value = loss.value(y_rows, outputs)
        if penalty is not None:
            value += penalty.value(weights)
        return value

    def note_overflow(cause):
        """Remember the first overflow; train then stops on the non-finite loss or gradient it leads to."""
        if progress["overflow"] is None:
            progress["overflow"] = cause

    def full_objective(theta):
        """:math:`J(\\theta)` on all the data: what ``history_`` records after each epoch."""
        outputs = _linear_outputs(X, theta)
        if not np.isfinite(outputs).all():
            note_overflow("the model's outputs overflowed to inf or NaN")
            return math.inf
        value = objective(targets, outputs, theta["w"])
        if not math.isfinite(value):
            note_overflow("the loss overflowed to inf or NaN")
        progress["full_loss"] = value
        return value

    def loss_and_grad(theta, batch=None):
        """:math:`J` and the gradient of its smooth part, on all the data or on the rows ``batch``."""
        if batch is None:
            X_rows, y_rows = X, targets
        else:
            X_rows, y_rows = X[batch], targets[batch]
        outputs = _linear_outputs(X_rows, theta)
        if not np.isfinite(outputs).all():
            # The losses refuse non-finite outputs; an infinite loss makes train stop with a DivergenceError.
            note_overflow("the model's outputs overflowed to inf or NaN")
            return math.inf, {key: np.full_like(value, np.nan) for key, value in theta.items()}
        output_grad = loss.grad(y_rows, outputs)
        grad = {"w": X_rows.T @ output_grad}
        if "b" in theta:
            grad["b"] = output_grad.sum(axis=0)
        if penalty is not None and not proximal:
            grad["w"] = grad["w"] + penalty.grad(theta["w"])
        value = objective(y_rows, outputs, theta["w"])
        if not all(np.isfinite(part).all() for part in grad.values()):
            note_overflow("the gradient overflowed to inf or NaN")
        elif not math.isfinite(value):
            note_overflow("the loss overflowed to inf or NaN")
        if batch is None:
            progress["full_loss"] = value
        return value, grad

    def prox(theta, lr):
        """The proximal map of :math:`\\eta P` on the weights; the intercept is never penalized."""
        return {**theta, "w": penalty.prox(theta["w"], lr)}

    def track(state):
        """A callback of train: remember how many epochs are done, and J after the last one."""
        if state.end_of_epoch:
            progress["epochs"] = state.epoch
            progress["epoch_loss"] = state.epoch_loss

    def diverged(cause, value, when):
        epoch = progress["epochs"] + 1
        advice = _curvature_message(X, estimator.fit_intercept, loss, penalty, optimizer.lr)
        return DivergenceError(
            f"{name}: training diverged at epoch {epoch}: {cause}. The training loss was {value:.6g} "
            f"{when} (it was {initial:.6g} before training). Try a lower learning rate, and standardize "
            f"the features (sklearn.preprocessing.StandardScaler). {advice}"
        )

    with np.errstate(over="ignore", invalid="ignore"):
        initial, _ = loss_and_grad(theta0)
        progress["epoch_loss"] = initial
        if progress["overflow"] is not None:
            raise diverged(progress["overflow"], initial, "before this epoch")
        try:
            result = train(
                loss_and_grad,
                theta0,
                optimizer,
                epochs=int(estimator.epochs),
                batches=None if full_batch else MiniBatches(n_samples, batch_size, seed=int(estimator.seed)),
                epoch_loss=None if full_batch else full_objective,
                prox=prox if proximal else None,
                callbacks=[track],
                loss_tol=tol if tol > 0 else None,
            )
        except DivergenceError as error:
            # train stops on a non-finite loss or gradient (an overflow noted above), or on a loss that grew
            # more than DIVERGENCE_FACTOR times its starting value.
            if progress["overflow"] is not None:
                raise diverged(progress["overflow"], progress["epoch_loss"], "before this epoch") from error
            cause = f"the loss grew over {DIVERGENCE_FACTOR:g} times its initial value"
            raise diverged(cause, progress["full_loss"], "after this epoch") from error

    history = result.epoch_loss_history.tolist()
    if result.stop_reason == "max_epochs" and tol > 0:
        before, last = ([initial] + history)[-2:]
        relative_change = abs(before - last) / max(abs(before), 1e-300)
        warnings.warn(
            f"{name}: gradient descent ran all {result.epochs} epochs without the relative change of the "
            f"loss falling below tol={tol:g} (last change {relative_change:.3g}"
            "); increase epochs or the learning rate, or standardize the features",
            ConvergenceWarning,
            stacklevel=3,
        )
    return result.theta, history, result.epochs, optimizer


# ---------------------------------------------------------------------------------------------------------
# Linear regression
# ---------------------------------------------------------------------------------------------------------


class LinearRegression(RegressorMixin, BaseEstimator):
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

    ``'gd'`` starts from :math:`w = 0, b = 0` and, each epoch, visits the (shuffled) data in mini-batches
    of ``batch_size`` rows (the full batch by default) and hands the mini-batch gradient of the smooth
    part of :math:`J` to the optimizer: :math:`g_t = X_B^\top\,\partial J_B/\partial z` for :math:`w`
    plus :math:`\alpha w` for the L2 penalty, and the sum of :math:`\partial J_B/\partial z` for
    :math:`b`. With ``optimizer=None`` this is plain (stochastic) gradient descent with step
    ``learning_rate`` :cite:`robbins1951stochastic`. An L1 or elastic-net penalty is not differentiable
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
    learning_rate : float, default 0.01
        Step size :math:`\eta > 0` of the default optimizer; ignored when ``optimizer`` is given. With the
        MSE loss, full-batch gradient descent is stable only for :math:`\eta < 2/L`, :math:`L` the
        largest eigenvalue of :math:`\frac{2}{n}[X, 1]^\top[X, 1]`; on standardized features
        :math:`L` is a small multiple of 2, hence the default.
    batch_size : int or None, default None
        Rows per gradient step; ``None`` (or a value of at least ``n``) means full-batch gradient descent.
    epochs : int, default 1000
        Maximum number of passes over the data.
    tol : float, default 1e-6
        Stop when the relative change of :math:`J` over an epoch, :math:`|J_{k-1} - J_k| / |J_{k-1}|`, is
        at most ``tol``; ``tol=0`` runs all epochs. With mini-batches the first test comes after the
        second epoch (it compares consecutive epochs). When all epochs run without reaching ``tol > 0``, a
        ``ConvergenceWarning`` is issued.
    seed : int, default 0
        Seed of the mini-batch shuffles: epoch :math:`e` visits the rows in the order of
        ``lib.train.MiniBatches(n, batch_size, seed=seed)(e)``, drawn from ``(seed, e)`` alone.

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
        From ``fit``, a ``RuntimeError`` when the loss becomes non-finite or rises above its initial
        value :math:`J_0` by more than ``lib.train.DIVERGENCE_FACTOR`` = 1e4 times :math:`J_0`; the
        message gives the epoch, the loss and the bound :math:`2/L` for these data.

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
        solver="gd",
        penalty=None,
        alpha=0.0,
        l1_ratio=0.5,
        fit_intercept=True,
        loss="mse",
        optimizer=None,
        learning_rate=0.01,
        batch_size=None,
        epochs=1000,
        tol=1e-6,
        seed=0,
    ):
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

    def _make_loss(self):
        if isinstance(self.loss, MSE | MAE | Huber):
            return self.loss
        if isinstance(self.loss, str) and self.loss in _REGRESSION_LOSSES:
            return _REGRESSION_LOSSES[self.loss]()
        raise ValueError(
            f"loss must be one of {sorted(_REGRESSION_LOSSES)} or a lib.losses regression loss "
            f"(MSE, MAE, Huber), got {self.loss!r}"
        )

    def fit(self, X, y):
        """Fit the model to ``X`` of shape ``(n, d)`` and ``y`` of shape ``(n,)``; return ``self``."""
        if not isinstance(self.solver, str) or self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {list(_SOLVERS)}, got {self.solver!r}")
        _check_training_parameters(self)
        loss = self._make_loss()
        penalty = make_penalty(self.penalty, self.alpha, self.l1_ratio)
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        if self.solver == "gd":
            theta, history, epochs_run, optimizer = _gradient_descent(
                self, X, y, loss, penalty, coef_shape=(X.shape[1],)
            )
            self.coef_ = theta["w"]
            self.intercept_ = float(theta["b"]) if self.fit_intercept else 0.0
            self.history_ = history
            self.n_iter_ = epochs_run
            self.optimizer_ = optimizer
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

    def _solve_least_squares(self, X, y, ridge_alpha):
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

    def predict(self, X):
        """Return the predictions :math:`Xw + b`, shape ``(n,)``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_ + self.intercept_


# ---------------------------------------------------------------------------------------------------------
# Logistic regression
# ---------------------------------------------------------------------------------------------------------


class LogisticRegression(ClassifierMixin, BaseEstimator):
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
    alpha : float, default 1e-4
        Penalty strength :math:`\alpha \ge 0` (scikit-learn's ``SGDClassifier`` default); ignored when
        ``penalty=None``.
    l1_ratio : float, default 0.5
        :math:`\rho \in [0, 1]` for ``penalty='elasticnet'``.
    fit_intercept : bool, default True
        Fit the intercept(s).
    optimizer : lib.optim.Optimizer or None, default None
        Update rule; ``None`` means ``lib.optim.SGD(lr=learning_rate)``. Never modified: each fit uses a
        fresh deep copy, kept as ``optimizer_``.
    learning_rate : float, default 0.1
        Step size :math:`\eta` of the default optimizer. The Hessian of the binary loss is bounded by
        :math:`\frac{1}{4n}[X,1]^\top[X,1]`, so on standardized features (largest eigenvalue of
        :math:`\frac1n[X,1]^\top[X,1]` of order 1 to a few) the bound :math:`2/L` is far above 0.1.
    batch_size : int or None, default None
        Rows per step; ``None`` means full batch.
    epochs : int, default 1000
        Maximum number of passes over the data.
    tol : float, default 1e-6
        Stop when the relative change of :math:`J` over an epoch is at most ``tol`` (0: run all epochs),
        as in :class:`LinearRegression`.
    seed : int, default 0
        Seed of the mini-batch shuffles (``lib.train.MiniBatches``), as in :class:`LinearRegression`.

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
        From ``fit``, as in :class:`LinearRegression`; the message bounds the curvature by
        :math:`\frac{1}{4n}[X,1]^\top[X,1]` (two classes) or :math:`\frac{1}{2n}[X,1]^\top[X,1]` (more).

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
        penalty="l2",
        alpha=1e-4,
        l1_ratio=0.5,
        fit_intercept=True,
        optimizer=None,
        learning_rate=0.1,
        batch_size=None,
        epochs=1000,
        tol=1e-6,
        seed=0,
    ):
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

    def fit(self, X, y):
        """Fit the model to ``X`` of shape ``(n, d)`` and labels ``y`` of shape ``(n,)``; return ``self``."""
        _check_training_parameters(self)
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
        n_features = X.shape[1]
        if len(self.classes_) == 2:
            theta, history, epochs_run, optimizer = _gradient_descent(
                self, X, labels.astype(np.float64), BinaryCrossEntropy(), penalty, coef_shape=(n_features,)
            )
            self.coef_ = theta["w"].reshape(1, n_features)
            self.intercept_ = theta["b"].reshape(1) if self.fit_intercept else np.zeros(1)
        else:
            n_classes = len(self.classes_)
            theta, history, epochs_run, optimizer = _gradient_descent(
                self, X, labels, CrossEntropy(), penalty, coef_shape=(n_features, n_classes)
            )
            self.coef_ = theta["w"].T.copy()
            self.intercept_ = theta["b"].copy() if self.fit_intercept else np.zeros(n_classes)
        self.history_ = history
        self.n_iter_ = epochs_run
        self.optimizer_ = optimizer
        return self

    def decision_function(self, X):
        """Return the logits: shape ``(n,)`` (for ``classes_[1]``) with two classes, ``(n, k)`` otherwise."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        if scores.shape[1] == 1:
            return scores.ravel()
        return scores

    def predict_proba(self, X):
        """Return the class probabilities, shape ``(n, k)``, columns in the order of ``classes_``."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            positive = sigmoid(scores)
            return np.column_stack([1.0 - positive, positive])
        return softmax(scores)

    def predict_log_proba(self, X):
        """Return the logarithms of :meth:`predict_proba`, computed stably from the logits."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.column_stack([np.zeros_like(scores), scores])
        return scores - log_sum_exp(scores)[:, np.newaxis]

    def predict(self, X):
        """Return the most probable class of each row, shape ``(n,)``, with the labels of ``classes_``."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.intp)]
        return self.classes_[np.argmax(scores, axis=1)]
