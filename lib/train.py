r"""A training loop: run an optimizer on an objective, record what happened, stop for a reason.

:func:`train` is the loop every chapter of Part III uses, written once and tested here, so that a chapter
can concentrate on the optimizer it is about:

>>> import numpy as np
>>> from lib.optim import SGD
>>> from lib.testfns import Quadratic
>>> problem = Quadratic(np.diag([1.0, 10.0]), np.zeros(2))
>>> result = train(problem, np.array([1.0, 1.0]), SGD(lr=0.1), steps=50)
>>> result.stop_reason, result.steps, len(result.loss_history)
('max_steps', 50, 51)
>>> # theta_1 shrinks by 1 - 0.1 * 1 = 0.9 per step; theta_2 by 1 - 0.1 * 10 = 0, so J(theta_50) = 0.9**100 / 2
>>> print(f"{result.loss_history[-1]:.6e} {0.9**100 / 2:.6e}")
1.328070e-05 1.328070e-05

Each step :math:`t = 1, 2, \ldots` takes the gradient :math:`g_t` of the objective at :math:`\theta_{t-1}`
(on all the data, or on the step's mini-batch :math:`B_t`), lets the optimizer turn it into a step,
:math:`\theta_t = \texttt{optimizer.step}(\theta_{t-1}, g_t)`, and records the loss, the gradient's norm, the
learning rate and, on request, the parameters (the trajectory, for contour plots). The run stops when its
step or epoch budget is used up, when a callback says so, or with a :class:`lib.optim.DivergenceError` when
the loss becomes NaN or infinite or grows far above its start.

**The objective** is a function ``theta -> (loss, grad)`` (with ``batches``: ``(theta, batch) -> (loss,
grad)``, ``batch`` an index array), or an object with a method ``loss_and_grad(theta, batch=None)``
(``batch=None``: all the data), such as the problems of :mod:`lib.testfns`. ``grad`` has exactly the
structure of ``theta``. An object may also have

* ``value(theta)``, the objective on all the data, which a mini-batch run records after each epoch;
* ``prox(theta, lr)``, applied after every optimizer step: the objective is then :math:`J = f + P` with
  :math:`f` smooth (its gradient is ``loss_and_grad``'s) and :math:`P` a penalty handled by its proximal
  map, :math:`\theta_t = \operatorname{prox}_{\eta P}(\texttt{optimizer.step}(\theta_{t-1}, g_t))`,
  proximal gradient descent :cite:p:`parikh2014proximal,beck2009fast`;
* ``L``, the smoothness constant of :math:`f` (:math:`\lVert\nabla f(\theta) - \nabla f(\theta')\rVert \le
  L \lVert\theta - \theta'\rVert`), read only when a run diverges, to state the bound :math:`\eta < 2/L`.

**Callbacks** are one protocol: a callable ``callback(state)`` that receives the :class:`TrainState` once at
the start (``state.step == 0``) and after every optimizer step, and returns True to stop the run (anything
else to go on). The state is one object, updated in place: a callback keeps copies of what it needs. Every
callback is called at every step; the run stops after the step at which one of them asked it to, with
``stop_reason`` the callback's ``reason`` attribute (``"callback"`` if it has none). A callback reads the
state and must not modify its arrays; it may replace ``state.theta`` when it stops the run
(:class:`EarlyStopping` does, to restore the best parameters). A callback that keeps state between steps
exposes it as plain arrays with ``state_dict()`` and ``load_state_dict(state)``, so that a checkpoint saves it
and a resumed run continues it. The **stopping rules** are such callbacks, built on :class:`StoppingRule`:
:class:`GradientTolerance` (a small gradient: for a :math:`\mu`-strongly convex objective it certifies
:math:`\lVert\theta - \theta^\star\rVert \le \lVert\nabla J(\theta)\rVert / \mu`), :class:`LossTolerance` (a
small relative change of the loss) and :class:`EarlyStopping` (no progress on validation data for ``patience``
epochs :cite:p:`prechelt1998early`).

**Full batch** (no ``batches``). Each step is one epoch. ``loss_history`` holds every evaluation of the
objective, :math:`J(\theta_0), J(\theta_1), \ldots, J(\theta_T)`: one more value than steps, because the
loop evaluates the final parameters too (their gradient is what a stopping rule tests).

**Mini-batch** (``batches`` given). Each epoch, ``batches(epoch)`` gives the mini-batches
(:class:`lib.data.MiniBatches` makes them reproducibly from the seed and the epoch), and the objective is
evaluated on each batch. ``loss_history`` holds the loss of each step's batch at the parameters before
the step (:math:`T` values), and ``epoch_loss_history`` one value per epoch.

**Checkpoints** (:class:`lib.checkpoint.Checkpoint`) hold the whole state of a run as plain arrays; a run
resumed from one ends with the same numbers, bit for bit, as a run never stopped (given a deterministic
objective).
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

import numpy as np

from lib.checkpoint import Checkpoint, arrays_to_params, params_to_arrays, with_prefix, without_prefix
from lib.checks import Boolean, InstanceOf, Interval, InvalidParameterError, as_float_array, check_finite, check_params
from lib.optim import DivergenceError, Optimizer
from lib.schedules import LRSchedule
from lib.types import Params

__all__ = [
    "train",
    "TrainState",
    "TrainResult",
    "StoppingRule",
    "GradientTolerance",
    "LossTolerance",
    "EarlyStopping",
    "PerEpoch",
    "divergence_message",
    "DIVERGENCE_FACTOR",
]

#: A run stops with a DivergenceError when a loss after an epoch exceeds the starting loss :math:`J_0` by
#: more than this many times :math:`\max(|J_0|, 10^{-12})`.
DIVERGENCE_FACTOR = 1e4

#: What a callback is: it receives the state, and returns True to stop the run.
Callback = Callable[["TrainState"], Any]


# ---------------------------------------------------------------------------------------------------------
# What a run is made of: its state, and what it gives back
# ---------------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class TrainState:
    r"""The state of a run: what callbacks read, and (with the optimizer's) what a checkpoint saves.

    Attributes
    ----------
    theta : ndarray or dict of ndarray
        The current parameters :math:`\theta_t`.
    full_batch : bool
        Whether every step sees all the data.
    step : int
        Optimizer steps taken so far (0 at the start).
    epoch : int
        Epochs completed so far.
    batch_in_epoch : int
        Batches of the current epoch already used (0 at the start of an epoch).
    lr : float
        The learning rate of the last step (NaN at the start).
    loss, grad_norm : float
        The last evaluation of the objective and the Euclidean norm of its gradient (for dict parameters,
        of all the arrays together). Full batch: :math:`J(\theta_t)` at the current parameters. Mini-batch:
        the loss of the last step's batch at the parameters before that step (NaN at the start).
    end_of_epoch : bool
        Whether the last step completed an epoch (always true after a full-batch step).
    epoch_loss : float or None
        At the end of an epoch, the epoch's loss (as in ``epoch_loss_history``); None otherwise.
    start_loss : float or None
        :math:`J(\theta_0)` on all the data, if the run can evaluate it (full batch, or an objective with
        a ``value`` method).
    loss_history, grad_norm_history, lr_history, epoch_loss_history : list of float
        The histories so far (see :class:`TrainResult`).
    trajectory : list of parameters, or None
        :math:`\theta_0, \ldots, \theta_t` when the run records them.
    """

    theta: Params
    full_batch: bool
    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    lr: float = math.nan
    loss: float = math.nan
    grad_norm: float = math.nan
    end_of_epoch: bool = False
    epoch_loss: float | None = None
    start_loss: float | None = None
    loss_history: list[float] = field(default_factory=list)
    grad_norm_history: list[float] = field(default_factory=list)
    lr_history: list[float] = field(default_factory=list)
    epoch_loss_history: list[float] = field(default_factory=list)
    trajectory: list[Params] | None = None

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue the run, as plain arrays (the optimizer's state apart)."""
        arrays = {
            "full_batch": self.full_batch, "step": self.step, "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch,
            "start_loss": math.nan if self.start_loss is None else self.start_loss,
            "loss_history": np.array(self.loss_history, dtype=np.float64),
            "grad_norm_history": np.array(self.grad_norm_history, dtype=np.float64),
            "lr_history": np.array(self.lr_history, dtype=np.float64),
            "epoch_loss_history": np.array(self.epoch_loss_history, dtype=np.float64),
        }
        arrays.update(params_to_arrays("theta", self.theta))
        if self.trajectory is not None:
            arrays.update(params_to_arrays("trajectory", _stack(self.trajectory)))
        return arrays

    @classmethod
    def from_state_dict(cls, arrays: dict[str, np.ndarray]) -> TrainState:
        """The state :meth:`state_dict` saved."""
        start_loss = float(arrays["start_loss"])
        has_trajectory = "trajectory" in arrays or any(name.startswith("trajectory/") for name in arrays)
        return cls(
            theta=arrays_to_params("theta", arrays), full_batch=bool(arrays["full_batch"]), step=int(arrays["step"]),
            epoch=int(arrays["epoch"]), batch_in_epoch=int(arrays["batch_in_epoch"]),
            start_loss=None if math.isnan(start_loss) else start_loss,
            loss_history=arrays["loss_history"].tolist(), grad_norm_history=arrays["grad_norm_history"].tolist(),
            lr_history=arrays["lr_history"].tolist(), epoch_loss_history=arrays["epoch_loss_history"].tolist(),
            trajectory=_unstack(arrays_to_params("trajectory", arrays)) if has_trajectory else None,
        )


@dataclass(repr=False)
class TrainResult:
    r"""The outcome of :func:`train`.

    Attributes
    ----------
    theta : ndarray or dict of ndarray
        The final parameters (the best ones if :class:`EarlyStopping` stopped the run and restored them).
    loss_history : ndarray
        Full batch: :math:`J(\theta_0), \ldots, J(\theta_T)` (``steps + 1`` values). Mini-batch: the loss
        of each step's batch at the parameters before the step (``steps`` values).
    grad_norm_history : ndarray
        The norms :math:`\lVert g \rVert_2` of the gradients that go with ``loss_history``.
    lr_history : ndarray
        The learning rate used by each step (``steps`` values).
    epoch_loss_history : ndarray
        One value per completed epoch, the loss after it. Full batch: :math:`J(\theta_e)`, the same numbers
        as ``loss_history[1:]``. Mini-batch: the objective's ``value(theta)`` if it has one, else the mean
        of the epoch's batch losses weighted by batch size (cheaper, but a mix of losses at different
        parameters).
    trajectory : ndarray, dict of ndarray, or None
        With ``record_trajectory=True``, :math:`\theta_0, \ldots, \theta_T` stacked along a new first axis
        (shape ``(steps + 1, *theta.shape)``; a dict of such arrays for dict parameters).
    steps, epochs : int
        Optimizer steps taken and epochs completed (including those before a checkpoint resumed from).
    elapsed : float
        Wall-clock seconds spent in :func:`train` in this session. It varies from run to run and is left
        out of the printed summary.
    stop_reason : str
        ``"max_steps"``, ``"max_epochs"``, or the ``reason`` of the callback that stopped the run
        (``"grad_tol"``, ``"loss_tol"``, ``"early_stopping"``, ``"callback"``).
    converged : bool
        Whether a stopping rule that certifies convergence (``GradientTolerance``, ``LossTolerance``) stopped
        the run.
    """

    theta: Params
    loss_history: np.ndarray
    grad_norm_history: np.ndarray
    lr_history: np.ndarray
    epoch_loss_history: np.ndarray
    trajectory: Params | None
    steps: int
    epochs: int
    elapsed: float
    stop_reason: str
    converged: bool

    def __repr__(self) -> str:
        last_loss = f"{self.loss_history[-1]:.6g}" if len(self.loss_history) else "none"
        return (
            f"TrainResult(steps={self.steps}, epochs={self.epochs}, stop_reason={self.stop_reason!r}, "
            f"last loss={last_loss})"
        )


# ---------------------------------------------------------------------------------------------------------
# Stopping rules: callbacks that say when to stop
# ---------------------------------------------------------------------------------------------------------


class StoppingRule(ABC):
    """A callback that stops the run when its condition is met; ``reason`` names it in ``stop_reason``.

    ``converged`` says whether meeting the condition means the optimization converged (a small gradient)
    rather than that it was cut short (early stopping on validation data).
    """

    reason: str = "callback"
    converged: bool = False

    @abstractmethod
    def __call__(self, state: TrainState) -> bool:
        """Return True to stop the run after this step."""


class GradientTolerance(StoppingRule):
    r"""Stop when the gradient on all the data is small: :math:`\lVert\nabla J(\theta_t)\rVert_2 \le` ``tol``.

    For a :math:`\mu`-strongly convex :math:`J` this certifies the parameters: :math:`\lVert\theta_t -
    \theta^\star\rVert_2 \le \lVert\nabla J(\theta_t)\rVert_2 / \mu` :cite:p:`nesterov2004introductory`. The
    rule is tested at the start (a run that starts at the minimum takes no step) and after every epoch.

    Parameters
    ----------
    tol : float
        The tolerance, :math:`\ge 0`.
    gradient_norm : callable, optional
        ``gradient_norm(theta) -> float``, the norm of the full gradient. A full-batch run has it for free
        (``state.grad_norm``); a mini-batch run never computes the full gradient, so it needs this function,
        called once per epoch.

    Attributes
    ----------
    last_norm : float or None
        The gradient norm the rule tested last.
    """

    reason = "grad_tol"
    converged = True
    constraints = {"tol": [Interval(Real, 0, None)], "gradient_norm": [InstanceOf(Callable, "a function"), None]}

    def __init__(self, tol: float, gradient_norm: Callable[[Params], float] | None = None) -> None:
        checked = check_params("GradientTolerance", {"tol": tol, "gradient_norm": gradient_norm}, self.constraints)
        self.tol, self.gradient_norm = checked.values()
        self.last_norm: float | None = None

    def __call__(self, state: TrainState) -> bool:
        if self.gradient_norm is not None:
            if not (state.end_of_epoch or state.step == 0):
                return False
            self.last_norm = float(self.gradient_norm(state.theta))
        elif state.full_batch:
            self.last_norm = state.grad_norm
        else:
            raise InvalidParameterError(
                "GradientTolerance: gradient_norm must be a function theta -> norm of the gradient on all the data "
                "for a mini-batch run, got None; the run computes only mini-batch gradients"
            )
        return self.last_norm <= self.tol

    def __repr__(self) -> str:
        return f"GradientTolerance(tol={self.tol:g})"


class LossTolerance(StoppingRule):
    r"""Stop when the relative change of the epoch loss is small: :math:`|J_e - J_{e-1}| \le` ``tol`` :math:`|J_{e-1}|`.

    :math:`J_e` is the loss after epoch :math:`e` (``epoch_loss_history``) and :math:`J_0` the starting loss
    when the run knows it. It suits losses whose minimum is well above 0 (noisy data). When the minimum is
    0 and convergence is linear, :math:`J_e \approx r^e J_0`, the relative change tends to :math:`1 - r`,
    not to 0, and the rule may never fire: use :class:`GradientTolerance` there.

    Parameters
    ----------
    tol : float
        The tolerance, :math:`\ge 0`.
    """

    reason = "loss_tol"
    converged = True
    constraints = {"tol": [Interval(Real, 0, None)]}

    def __init__(self, tol: float) -> None:
        self.tol = check_params("LossTolerance", {"tol": tol}, self.constraints)["tol"]

    def __call__(self, state: TrainState) -> bool:
        if not state.end_of_epoch:
            return False
        history = state.epoch_loss_history
        previous = history[-2] if len(history) >= 2 else state.start_loss
        if previous is None:
            return False
        return abs(history[-1] - previous) <= self.tol * max(abs(previous), np.finfo(np.float64).tiny)

    def __repr__(self) -> str:
        return f"LossTolerance(tol={self.tol:g})"


class EarlyStopping(StoppingRule):
    r"""Stop when the loss on validation data has not improved for ``patience`` epochs; keep the best parameters.

    After every epoch :math:`e` it computes the validation loss :math:`V_e = V(\theta_e)` and compares it with
    the best so far, :math:`V^\ast`: an improvement is :math:`V_e < V^\ast - \delta` (``min_delta``). After
    ``patience`` epochs in a row without one, it stops the run and (``restore_best``) replaces the final
    parameters by those of the best epoch. The training loss keeps falling while the validation loss turns
    up when the model starts to fit noise; stopping there is a regularizer :cite:p:`prechelt1998early`.

    Parameters
    ----------
    validation_loss : callable
        ``validation_loss(theta) -> float``, the loss on held-out data (never the training data).
    patience : int, default 5
        Epochs without improvement before stopping, :math:`\ge 1`.
    min_delta : float, default 0.0
        The smallest decrease that counts as an improvement, :math:`\delta \ge 0`.
    restore_best : bool, default True
        Return the parameters of the best epoch when this rule stops the run. (If the budget runs out first,
        the run ends with its last parameters; ``best_theta`` holds the best.)

    Attributes
    ----------
    history : list of float
        :math:`V_1, V_2, \ldots`, one per completed epoch.
    best_loss : float
        :math:`V^\ast` (inf before the first epoch).
    best_epoch : int
        The epoch of :math:`V^\ast` (0 before the first epoch).
    best_theta : parameters or None
        The parameters after ``best_epoch``.
    wait : int
        Epochs since the last improvement.

    Examples
    --------
    >>> from lib.optim import SGD
    >>> from lib.testfns import LeastSquares
    >>> X = np.column_stack([np.ones(6), np.arange(6.0)])
    >>> fit, held_out = LeastSquares(X[:4], np.array([0.0, 1.0, 2.0, 3.0])), LeastSquares(X[4:], np.array([3.0, 3.0]))
    >>> early = EarlyStopping(held_out.value, patience=3)
    >>> result = train(fit, np.zeros(2), SGD(lr=0.05), epochs=500, callbacks=[early])
    >>> result.stop_reason, result.epochs, early.best_epoch, result.theta is early.best_theta
    ('early_stopping', 5, 2, True)
    """

    reason = "early_stopping"
    constraints = {
        "validation_loss": [InstanceOf(Callable, "a function theta -> float")],
        "patience": [Interval(Integral, 1, None)],
        "min_delta": [Interval(Real, 0, None)],
        "restore_best": [Boolean()],
    }

    def __init__(self, validation_loss: Callable[[Params], float], *, patience: int = 5, min_delta: float = 0.0,
                 restore_best: bool = True) -> None:
        checked = check_params("EarlyStopping", {"validation_loss": validation_loss, "patience": patience,
                                                 "min_delta": min_delta, "restore_best": restore_best},
                               self.constraints)
        self.validation_loss, self.patience, self.min_delta, self.restore_best = checked.values()
        self.reset()

    def reset(self) -> None:
        """Forget the past epochs (a run calls this at its start)."""
        self.history: list[float] = []
        self.best_loss = math.inf
        self.best_epoch = 0
        self.best_theta: Params | None = None
        self.wait = 0

    def __call__(self, state: TrainState) -> bool:
        if state.step == 0:
            self.reset()
        if not state.end_of_epoch:
            return False
        loss = float(self.validation_loss(state.theta))
        self.history.append(loss)
        if loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.best_theta, self.wait = loss, state.epoch, state.theta, 0
            return False
        self.wait += 1
        if self.wait < self.patience:
            return False
        if self.restore_best:
            state.theta = self.best_theta
        return True

    def state_dict(self) -> dict[str, Any]:
        """The rule's memory as plain arrays (for a checkpoint)."""
        arrays = {"history": np.array(self.history, dtype=np.float64), "best_loss": self.best_loss,
                  "best_epoch": self.best_epoch, "wait": self.wait}
        if self.best_theta is not None:
            arrays.update(params_to_arrays("best_theta", self.best_theta))
        return arrays

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the memory :meth:`state_dict` saved."""
        self.history = np.asarray(state["history"], dtype=np.float64).tolist()
        self.best_loss = float(state["best_loss"])
        self.best_epoch = int(state["best_epoch"])
        self.wait = int(state["wait"])
        has_best = "best_theta" in state or any(name.startswith("best_theta/") for name in state)
        self.best_theta = arrays_to_params("best_theta", state) if has_best else None

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta:g}, "
                f"restore_best={self.restore_best})")


@dataclass(frozen=True)
class PerEpoch:
    """A learning-rate schedule stepped once per epoch instead of once per step: ``schedule=PerEpoch(s)``.

    Many training scripts step ``torch.optim.lr_scheduler`` once per epoch, so that a period is counted in
    epochs; this wrapper tells :func:`train` to do the same.
    """

    schedule: LRSchedule


# ---------------------------------------------------------------------------------------------------------
# The one source of divergence advice
# ---------------------------------------------------------------------------------------------------------


def divergence_message(where: str, cause: str, loss: float, start_loss: float | None, lr: float, *,
                       smoothness: float | None = None, mini_batch: bool = False,
                       schedule: LRSchedule | None = None) -> str:
    r"""The message of a :class:`lib.optim.DivergenceError`: where the run diverged, the loss, and what to try.

    Gradient descent on a quadratic whose Hessian has largest eigenvalue :math:`L` multiplies the error
    along that eigenvector by :math:`1 - \eta L` at each step, so it is stable only for :math:`\eta < 2/L`
    :cite:p:`nocedal2006numerical`; for any :math:`L`-smooth objective the same bound guarantees that every
    step lowers the loss. The message states that bound when :math:`L` is known.

    Parameters
    ----------
    where : str
        For example ``"at step 12"`` or ``"in epoch 3 (step 30)"``.
    cause : str
        What was seen, for example ``"the loss is NaN or infinite"``.
    loss : float
        The loss when the run stopped.
    start_loss : float or None
        The loss at the start, if known.
    lr : float
        The learning rate of the last step.
    smoothness : float, optional
        The objective's smoothness constant :math:`L` (inf if it overflows).
    mini_batch : bool, default False
        Whether the run used mini-batches (whose noise needs a smaller step).
    schedule : lib.schedules.LRSchedule, optional
        The schedule that set the learning rate.

    Returns
    -------
    str
    """
    text = f"train: the run diverged {where}: {cause}. The loss was {loss:.6g}"
    if start_loss is not None:
        text += f", against {start_loss:.6g} at the start"
    text += f", with lr = {lr:g}. "
    if loss == -math.inf:
        return text + ("The loss fell without bound: this objective has no minimum (it is unbounded below), so no "
                       "learning rate can make the run converge; check the objective.")
    if smoothness is None:
        text += ("Try a lower learning rate (gradient descent on a quadratic whose largest Hessian eigenvalue is L "
                 "is stable only for lr < 2/L; features on very different scales make L large, so standardize them)")
    elif smoothness == math.inf:
        text += ("Try a lower learning rate and standardize the features: the smoothness constant L of this "
                 "objective, which bounds the stable learning rate by lr < 2/L, is too large to compute (it overflows)")
    else:
        text += (f"Try a lower learning rate: this problem's gradient is L-smooth with L = {smoothness:.6g}, and "
                 f"gradient descent on a quadratic with that curvature is stable only for lr < 2/L = "
                 f"{2.0 / smoothness:.6g}")
        if mini_batch:
            text += " (mini-batches need a smaller one)"
    if schedule is not None:
        text += f". The learning rate came from {schedule!r}: lower its peak"
    return text + "."


# ---------------------------------------------------------------------------------------------------------
# The loop
# ---------------------------------------------------------------------------------------------------------


def train(objective: Callable[..., tuple[float, Params]] | Any, theta0: Params, optimizer: Optimizer, *,
          steps: int | None = None, epochs: int | None = None,
          batches: Callable[[int], Sequence[np.ndarray]] | None = None,
          schedule: LRSchedule | PerEpoch | None = None, callbacks: Callback | Sequence[Callback] = (),
          record_trajectory: bool = False, checkpoint: Checkpoint | None = None) -> TrainResult:
    r"""Minimize an objective with an optimizer of :mod:`lib.optim`; return a :class:`TrainResult`.

    Each step :math:`t` evaluates the gradient :math:`g_t` at :math:`\theta_{t-1}` (on all the data, or on
    the step's mini-batch :math:`B_t`) and sets :math:`\theta_t = \texttt{optimizer.step}(\theta_{t-1},
    g_t)`; for plain gradient descent (``SGD``), :math:`\theta_t = \theta_{t-1} - \eta_t g_t`, the update of
    :cite:t:`cauchy1847methode`, stochastic when :math:`g_t` comes from a mini-batch
    :cite:p:`robbins1951stochastic,bottou2018optimization`. The module docstring states what an objective and
    a callback are.

    Parameters
    ----------
    objective : callable or object with a ``loss_and_grad`` method
        Full batch: ``objective(theta) -> (loss, grad)``; with ``batches``, ``objective(theta, batch)``. Or
        an object with ``loss_and_grad(theta, batch=None)`` and optionally ``value``, ``prox`` and ``L``.
    theta0 : ndarray or dict of str to ndarray
        Starting parameters (copied, never modified). When resuming, only their structure is used.
    optimizer : lib.optim.Optimizer
        A fresh optimizer (or the one a schedule is attached to); its state advances (and is loaded, when
        resuming).
    steps : int, optional
        Maximum number of optimizer steps (counted from the very start when resuming).
    epochs : int, optional
        Maximum number of epochs (full batch: an epoch is a step). At least one budget is required; the run
        stops at whichever comes first.
    batches : callable, optional
        ``batches(epoch)`` gives epoch ``epoch``'s mini-batches (index arrays) for ``epoch = 0, 1, ...``; it
        must depend on nothing but ``epoch``, so that a resumed run sees the same batches
        (:class:`lib.data.MiniBatches`). Without it, training is full batch.
    schedule : lib.schedules.LRSchedule or PerEpoch, optional
        A learning-rate schedule attached to ``optimizer``, stepped after every optimizer step, or after
        every epoch if wrapped in :class:`PerEpoch`.
    callbacks : callable or sequence of callables, default ()
        Called at the start and after every step with the :class:`TrainState`; a true return value stops
        the run. The stopping rules (:class:`GradientTolerance`, :class:`LossTolerance`,
        :class:`EarlyStopping`) are callbacks.
    record_trajectory : bool, default False
        Keep the parameters after every step in ``TrainResult.trajectory``.
    checkpoint : lib.checkpoint.Checkpoint, optional
        Save the run's state to ``checkpoint.path`` when it stops (and every ``checkpoint.every`` steps);
        with ``resume=True``, first continue the run saved there, with an optimizer, schedule and callbacks
        of the same kinds as the saved run's.

    Returns
    -------
    TrainResult

    Raises
    ------
    lib.optim.DivergenceError
        If the loss or the gradient becomes NaN or infinite, or a loss after an epoch exceeds the starting
        loss by more than ``DIVERGENCE_FACTOR`` times its size. The message (:func:`divergence_message`)
        names the step, the loss, and what to try.
    TypeError, ValueError
        For arguments of the wrong type or value, an objective that returns a gradient of the wrong shape,
        a non-finite loss at ``theta0``, or a checkpoint that does not match this run.

    Examples
    --------
    A mini-batch run on a least-squares problem, the loss after each epoch measured on all the data:

    >>> from lib.data import MiniBatches
    >>> from lib.optim import SGD
    >>> from lib.testfns import LeastSquares
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    >>> problem = LeastSquares(X, np.array([1.0, 3.0, 5.0, 7.0]))
    >>> result = train(problem, np.zeros(2), SGD(lr=0.05), epochs=300, batches=MiniBatches(4, 2, seed=0))
    >>> result.stop_reason, len(result.epoch_loss_history), np.round(result.theta, 3).tolist()
    ('max_epochs', 300, [1.0, 2.0])
    """
    run = _Run(objective, theta0, optimizer, (steps, epochs), batches, schedule, callbacks, record_trajectory,
               checkpoint)
    stop_reason = run.start()  # evaluate theta_0 and ask the callbacks, or continue a saved run
    state = run.state
    while stop_reason is None:
        if state.epoch >= run.max_epochs:
            stop_reason = "max_epochs"
            break
        epoch_batches = run.batches_of_epoch()  # full batch: [None], the one "batch" of all the data
        for batch in epoch_batches[state.batch_in_epoch:]:
            if state.step >= run.max_steps:
                stop_reason = "max_steps"
                break
            grad = run.gradient(batch)  # at theta_{t-1}: on the batch, or on all the data
            lr = run.learning_rate()
            theta = optimizer.step(state.theta, grad)
            if run.prox is not None:
                theta = run.prox(theta, lr)  # proximal gradient: the penalty's step
            run.record_step(theta, lr)
            if state.batch_in_epoch == len(epoch_batches):
                run.end_epoch(epoch_batches)  # the epoch's loss and the divergence check
            stop_reason = run.ask_callbacks()
            run.save_if_due()
            if stop_reason is not None:
                break
    return run.finish(stop_reason)


class _Run:
    """The bookkeeping of one call of :func:`train`: checks, evaluations, histories, callbacks, checkpoints."""

    constraints = {
        "optimizer": [InstanceOf(Optimizer, "a lib.optim optimizer such as SGD(lr=0.1)")],
        "steps": [Interval(Integral, 1, None), None],
        "epochs": [Interval(Integral, 1, None), None],
        "batches": [InstanceOf(Callable, "a function epoch -> index arrays, such as MiniBatches(n, batch_size, "
                                         "seed=0) (an iterator from lib.data.minibatches lasts one epoch only)"),
                    None],
        "schedule": [InstanceOf(LRSchedule | PerEpoch, "a lib.schedules schedule or PerEpoch(schedule)"), None],
        "record_trajectory": [Boolean()],
        "checkpoint": [InstanceOf(Checkpoint, "a lib.checkpoint.Checkpoint"), None],
    }

    def __init__(self, objective, theta0, optimizer, budget, batches, schedule, callbacks, record_trajectory,
                 checkpoint):
        self.started = time.perf_counter()
        steps, epochs = budget
        checked = check_params("train", {
            "optimizer": optimizer, "steps": steps, "epochs": epochs, "batches": batches, "schedule": schedule,
            "record_trajectory": record_trajectory, "checkpoint": checkpoint}, self.constraints)
        if steps is None and epochs is None:
            raise InvalidParameterError("train: steps or epochs must be a positive integer, got neither; the run "
                                        "needs a budget (steps=<int> or epochs=<int>)")
        self.max_steps = math.inf if steps is None else checked["steps"]
        self.max_epochs = math.inf if epochs is None else checked["epochs"]
        self.objective = objective
        self.fun, self.value, self.prox = _objective_parts(objective)
        self.optimizer, self.batches, self.checkpoint = optimizer, batches, checkpoint
        self.schedule, self.per_epoch = (schedule.schedule, True) if isinstance(schedule, PerEpoch) else (schedule,
                                                                                                          False)
        if self.schedule is not None and self.schedule.optimizer is not optimizer:
            raise InvalidParameterError("train: schedule must be attached to this optimizer, got one attached to "
                                        "another optimizer; build it with this optimizer")
        self.callbacks = [callbacks] if callable(callbacks) else list(callbacks)
        for index, callback in enumerate(self.callbacks):
            if not callable(callback):
                raise InvalidParameterError(f"train: callbacks[{index}] must be callable, got {callback!r}")
        self.state = TrainState(theta=_copy_params(theta0), full_batch=batches is None)
        if record_trajectory:
            self.state.trajectory = [self.state.theta]
        self.reference_loss = None  # what the divergence check compares epoch losses with
        self.full_grad = None  # full batch: the gradient at state.theta, for the next step
        self.unchecked = True  # the first evaluation's structure is checked; the optimizer checks the later ones
        self.stopper = None  # the callback that stopped the run

    # -- start and finish ----------------------------------------------------------------------------------

    def start(self):
        """Evaluate the starting point and ask the callbacks (step 0); or continue the run in the checkpoint."""
        state = self.state
        if self.checkpoint is not None and self.checkpoint.resume:
            self.resume()
            return None
        if state.full_batch:
            loss, self.full_grad = self.evaluate(None)
            state.start_loss = self.reference_loss = loss
        elif self.value is not None:
            state.start_loss = self.reference_loss = self.loss_value()
            if not math.isfinite(state.start_loss):
                raise ValueError(f"train: the objective's value at theta0 is {state.start_loss}; check the "
                                 "objective and theta0")
        state.epoch_loss = state.start_loss
        return self.ask_callbacks()

    def finish(self, stop_reason):
        if self.checkpoint is not None:
            self.save()
        state = self.state
        return TrainResult(
            theta=state.theta,
            loss_history=np.array(state.loss_history, dtype=np.float64),
            grad_norm_history=np.array(state.grad_norm_history, dtype=np.float64),
            lr_history=np.array(state.lr_history, dtype=np.float64),
            epoch_loss_history=np.array(state.epoch_loss_history, dtype=np.float64),
            trajectory=None if state.trajectory is None else _stack(state.trajectory),
            steps=state.step,
            epochs=state.epoch,
            elapsed=time.perf_counter() - self.started,
            stop_reason=stop_reason,
            converged=bool(getattr(self.stopper, "converged", False)),
        )

    # -- one step ------------------------------------------------------------------------------------------

    def batches_of_epoch(self):
        if self.batches is None:
            return [None]
        epoch_batches = list(self.batches(self.state.epoch))
        if not epoch_batches:
            raise ValueError(f"train: batches({self.state.epoch}) gave no batches")
        return epoch_batches

    def gradient(self, batch):
        """The step's gradient: on the batch (recorded), or on all the data (evaluated at the last epoch's end)."""
        if batch is None:
            return self.full_grad
        return self.evaluate(batch)[1]

    def learning_rate(self):
        lr = self.optimizer.lr
        if self.schedule is not None and not lr > 0:
            raise ValueError(
                f"train: the schedule {self.schedule!r} set the learning rate to {lr!r} for step {self.state.step + 1}"
                ", and an optimizer cannot step with a learning rate of 0; stop the run before the schedule reaches "
                "0 (for example T_max >= steps), or give the schedule a positive minimum (eta_min > 0)"
            )
        return lr

    def record_step(self, theta, lr):
        state = self.state
        state.theta = theta
        state.step += 1
        state.batch_in_epoch += 1
        state.lr = lr
        state.lr_history.append(lr)
        state.end_of_epoch = False
        state.epoch_loss = None
        if state.trajectory is not None:
            state.trajectory.append(theta)
        if self.schedule is not None and not self.per_epoch:
            self.schedule.step()

    def end_epoch(self, epoch_batches):
        """The loss after the epoch, checked against the starting loss; a per-epoch schedule step."""
        state = self.state
        state.epoch += 1
        state.batch_in_epoch = 0
        state.end_of_epoch = True
        if state.full_batch:
            epoch_loss, self.full_grad = self.evaluate(None)
        elif self.value is not None:
            epoch_loss = self.loss_value()
        else:  # every step of the epoch added one entry to loss_history, so the epoch's losses are the last ones
            sizes = [len(batch) for batch in epoch_batches]
            epoch_loss = float(np.average(state.loss_history[-len(epoch_batches):], weights=sizes))
        state.epoch_loss = epoch_loss
        state.epoch_loss_history.append(epoch_loss)
        where = f"at step {state.step}" if state.full_batch else f"in epoch {state.epoch} (step {state.step})"
        if not math.isfinite(epoch_loss):
            raise self.divergence(where, "the epoch's loss is NaN or infinite", epoch_loss)
        reference = self.reference_loss
        if epoch_loss > reference + DIVERGENCE_FACTOR * max(abs(reference), 1e-12):
            raise self.divergence(where, f"the loss rose above its starting value by more than "
                                         f"{DIVERGENCE_FACTOR:g} times its size", epoch_loss)
        if self.schedule is not None and self.per_epoch:
            self.schedule.step()

    def ask_callbacks(self):
        for callback in self.callbacks:
            if callback(self.state) and self.stopper is None:
                self.stopper = callback
        return None if self.stopper is None else getattr(self.stopper, "reason", "callback")

    # -- evaluations and divergence ------------------------------------------------------------------------

    def evaluate(self, batch):
        """Loss and gradient at ``state.theta`` (on ``batch``, or on all the data), recorded and checked."""
        state = self.state
        result = self.fun(state.theta) if batch is None else self.fun(state.theta, batch)
        if self.unchecked:
            result = _checked_evaluation(result, state.theta)
            self.unchecked = False
        loss, grad = result
        loss = float(loss)
        grad_norm = _norm(grad)
        state.loss, state.grad_norm = loss, grad_norm
        state.loss_history.append(loss)
        state.grad_norm_history.append(grad_norm)
        if self.reference_loss is None:
            self.reference_loss = loss
        if not (math.isfinite(loss) and math.isfinite(grad_norm)):
            if state.step == 0 and len(state.loss_history) == 1:
                raise ValueError(f"train: the loss or the gradient at the starting parameters is NaN or inf "
                                 f"(loss = {loss}); check the objective and theta0")
            if batch is None:
                where = f"at step {state.step}"
            else:
                where = f"at step {state.step + 1} (epoch {state.epoch + 1}), before the step"
            cause = "the loss is NaN or infinite" if not math.isfinite(loss) else "the gradient contains NaN or inf"
            raise self.divergence(where, cause, loss)
        return loss, grad

    def loss_value(self):
        value = self.value(self.state.theta)
        if np.ndim(value) != 0:
            raise TypeError(f"train: the objective's value must return a scalar, got an array of shape "
                            f"{np.shape(value)}")
        return float(value)

    def divergence(self, where, cause, loss):
        state = self.state
        smoothness = getattr(self.objective, "L", None)
        if not (isinstance(smoothness, Real) and smoothness > 0):
            smoothness = None
        lr = state.lr_history[-1] if state.lr_history else self.optimizer.lr
        return DivergenceError(divergence_message(where, cause, loss, self.reference_loss, lr, smoothness=smoothness,
                                                  mini_batch=not state.full_batch, schedule=self.schedule))

    # -- checkpoints ---------------------------------------------------------------------------------------

    def save_if_due(self):
        if self.checkpoint is not None and self.checkpoint.due(self.state.step):
            self.save()

    def save(self):
        arrays = with_prefix("train", self.state.state_dict())
        arrays["train/reference_loss"] = math.nan if self.reference_loss is None else self.reference_loss
        arrays.update(with_prefix("optimizer", self.optimizer.state_dict()))
        if self.schedule is not None:
            arrays.update(with_prefix("schedule", self.schedule.state_dict()))
            arrays["schedule_per_epoch"] = self.per_epoch
        if hasattr(self.batches, "state_dict"):
            arrays.update(with_prefix("batches", self.batches.state_dict()))
        for index, callback in enumerate(self.callbacks):
            if hasattr(callback, "state_dict"):
                arrays.update(with_prefix(f"callbacks/{index}", callback.state_dict()))
        self.checkpoint.save(arrays)

    def resume(self):
        """Continue the run saved in the checkpoint, after checking it is a run of the same kind as this one."""
        saved = self.checkpoint.load()
        if "train/step" not in saved:
            raise ValueError(f"train: the checkpoint {self.checkpoint.path!r} holds no training run (no 'train/step' "
                             "entry); it was not written by lib.train.train")
        state = TrainState.from_state_dict(without_prefix("train", saved))
        self.check_same_run(saved, state)
        if self.state.trajectory is None:
            state.trajectory = None
        self.optimizer.load_state_dict(without_prefix("optimizer", saved))
        if self.schedule is not None:
            self.schedule.load_state_dict(without_prefix("schedule", saved))
        for index, callback in enumerate(self.callbacks):
            if hasattr(callback, "load_state_dict"):
                callback.load_state_dict(without_prefix(f"callbacks/{index}", saved))
        reference = float(saved["train/reference_loss"])
        self.reference_loss = None if math.isnan(reference) else reference
        self.state = state
        if state.full_batch:  # the gradient at the saved parameters, for the next step (not recorded again)
            self.full_grad = _checked_evaluation(self.fun(state.theta), state.theta)[1]
            self.unchecked = False

    def check_same_run(self, saved, state):
        """Refuse a checkpoint of another kind of run: other batches, parameters, schedule, callbacks."""
        where = f"train: the checkpoint {self.checkpoint.path!r}"
        if state.full_batch != self.state.full_batch:
            kinds = ("a full-batch", "a mini-batch")
            raise ValueError(f"{where} is from {kinds[not state.full_batch]} run, but this run is "
                             f"{kinds[not self.state.full_batch]} one; resume with the same batches setting")
        if _structure(state.theta) != _structure(self.state.theta):
            raise ValueError(f"{where} holds parameters {_structure(state.theta)}, but theta0 is "
                             f"{_structure(self.state.theta)}; resume with parameters of the same structure")
        saved_schedule = bool(without_prefix("schedule", saved))
        saved_kind = _schedule_kind(saved_schedule, saved_schedule and bool(saved["schedule_per_epoch"]))
        this_kind = _schedule_kind(self.schedule is not None, self.per_epoch)
        if saved_kind != this_kind:
            raise ValueError(f"{where} was made with {saved_kind}, but this run has {this_kind}; pass a schedule "
                             "of the same kind")
        if hasattr(self.batches, "state_dict"):
            saved_batches = {name: np.asarray(value).item() for name, value in without_prefix("batches", saved).items()}
            if saved_batches != self.batches.state_dict():
                raise ValueError(f"{where} was made with other mini-batches: {saved_batches} against "
                                 f"{self.batches.state_dict()}")
        if self.state.trajectory is not None and state.trajectory is None:
            raise ValueError(f"{where} has no trajectory; resume with record_trajectory=False")
        for index, callback in enumerate(self.callbacks):
            if hasattr(callback, "load_state_dict") and not without_prefix(f"callbacks/{index}", saved):
                raise ValueError(f"{where} holds no state for callbacks[{index}] ({callback!r}); resume with the "
                                 "callbacks of the saved run, in the same order")


# ---------------------------------------------------------------------------------------------------------
# Small helpers on objectives and parameters (an array or a dict of arrays)
# ---------------------------------------------------------------------------------------------------------


def _objective_parts(objective):
    """The function to call for ``(loss, grad)``, and the objective's ``value`` and ``prox`` (or None)."""
    if hasattr(objective, "loss_and_grad"):
        return objective.loss_and_grad, getattr(objective, "value", None), getattr(objective, "prox", None)
    if callable(objective):
        return objective, None, None
    raise InvalidParameterError(
        "train: objective must be a function theta -> (loss, grad) (or (theta, batch) -> (loss, grad) with batches) "
        f"or an object with a loss_and_grad method, got {type(objective).__name__}"
    )


def _schedule_kind(has_schedule, per_epoch):
    if not has_schedule:
        return "no schedule"
    return f"a schedule stepped per {'epoch' if per_epoch else 'step'}"


def _copy_params(theta):
    """A float64 copy of ``theta`` (an array or a non-empty dict of arrays), checked to be finite."""
    if isinstance(theta, dict):
        if not theta:
            raise ValueError("train: theta0 must hold at least one array, got an empty dict")
        return {key: _copy_array(value, f"theta0[{key!r}]") for key, value in theta.items()}
    return _copy_array(theta, "theta0")


def _copy_array(value, name):
    array = np.array(as_float_array("train", name, value), dtype=np.float64, copy=True)
    check_finite("train", name, array)
    return array


def _structure(theta):
    """Keys and shapes: ``{None: shape}`` for an array, ``{key: shape}`` for a dict."""
    if isinstance(theta, dict):
        return {key: np.shape(value) for key, value in theta.items()}
    return {None: np.shape(theta)}


def _norm(grad):
    """The Euclidean norm of all the gradient's entries together (inf if one is infinite, NaN if one is NaN)."""
    parts = grad.values() if isinstance(grad, dict) else (grad,)
    total = 0.0
    for part in parts:
        if part.ndim == 0:  # an intercept: a Python float is ten times faster than np.vdot
            entry = float(part)
            total += entry * entry
        else:
            total += float(np.vdot(part, part))
    if total == math.inf:  # a sum of squares that overflows, or an infinite entry: scale by the largest entry
        largest = max(float(np.max(np.abs(part), initial=0.0)) for part in parts)
        if largest == math.inf:
            return math.inf
        return largest * math.sqrt(sum(float(np.vdot(part / largest, part / largest)) for part in parts))
    return math.sqrt(total)


def _checked_evaluation(result, theta):
    """``(loss, grad)`` as returned by the objective, checked: a pair, a scalar loss, a gradient shaped like theta."""
    if not isinstance(result, tuple) or len(result) != 2:
        raise TypeError(f"train: the objective must return a pair (loss, grad), got {type(result).__name__}")
    loss, grad = result
    if np.ndim(loss) != 0:
        raise TypeError(f"train: the objective must return a scalar loss, got an array of shape {np.shape(loss)}")
    if isinstance(theta, dict) != isinstance(grad, dict) or (isinstance(grad, dict) and set(grad) != set(theta)):
        raise ValueError(f"train: the objective must return a gradient with the keys of theta {sorted(theta)}, got "
                         f"{sorted(grad) if isinstance(grad, dict) else type(grad).__name__}")
    grad = {key: as_float_array("train", f"grad[{key!r}]", value) for key, value in grad.items()} if isinstance(
        grad, dict) else as_float_array("train", "grad", grad)
    for key, shape in _structure(theta).items():
        grad_shape = np.shape(grad if key is None else grad[key])
        if grad_shape != shape:
            where = "" if key is None else f" for {key!r}"
            raise ValueError(
                f"train: the objective returned a gradient of shape {grad_shape}{where} for parameters of shape "
                f"{shape}; they must match exactly (an (n,) and an (n, 1) array would broadcast to (n, n))"
            )
    return float(loss), grad


def _stack(trajectory):
    """A list of parameters (arrays or dicts) as one array (or dict of arrays) with a new first axis."""
    if isinstance(trajectory[0], dict):
        return {key: np.stack([theta[key] for theta in trajectory]) for key in trajectory[0]}
    return np.stack(trajectory)


def _unstack(stacked):
    if isinstance(stacked, dict):
        length = len(next(iter(stacked.values())))
        return [{key: stacked[key][index] for key in stacked} for index in range(length)]
    return list(stacked)
