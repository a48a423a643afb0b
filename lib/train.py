r"""A training loop: run an optimizer on an objective, record what happened, stop for a reason.

:func:`train` is the loop every chapter of Part III uses, written once and tested here, so that a chapter
can concentrate on the optimizer it is about:

>>> import numpy as np
>>> from lib.optim import SGD
>>> from lib.testfns import Quadratic
>>> problem = Quadratic(np.diag([1.0, 10.0]), np.zeros(2))
>>> result = train(problem.loss_and_grad, np.array([1.0, 1.0]), SGD(lr=0.1), steps=50)
>>> result.stop_reason, result.steps, len(result.loss_history)
('max_steps', 50, 51)
>>> # theta_1 shrinks by 1 - 0.1 * 1 = 0.9 per step; theta_2 by 1 - 0.1 * 10 = 0, so J(theta_50) = 0.9**100 / 2
>>> print(f"{result.loss_history[-1]:.6e} {0.9**100 / 2:.6e}")
1.328070e-05 1.328070e-05

One call of the objective gives the loss and the gradient at the current parameters, the optimizer turns
the gradient into a step, and the loop records the loss, the norm of the gradient, the learning rate and,
on request, the parameters themselves (the trajectory, for contour plots). It stops when the step or
epoch budget is used up, when the gradient norm or the relative change of the loss falls below a
tolerance, or when a callback asks it to; it stops with a :class:`lib.optim.DivergenceError` when the loss
becomes infinite or NaN, or grows far above its starting value. A checkpoint file holds everything needed
to continue, and a run resumed from one ends with the same numbers, bit for bit, as a run never stopped.

Two modes:

**Full batch** (no ``batches``). The objective is called as ``objective(theta)`` and returns the loss
:math:`J(\theta)` and its gradient on all the data. Each step is one epoch. ``loss_history`` holds
:math:`J(\theta_0), J(\theta_1), \ldots, J(\theta_T)`: one more value than steps, because the loop
evaluates the final parameters too (it needs their gradient to test for convergence).

**Mini-batch** (``batches`` given). Each epoch, ``batches(epoch)`` gives the mini-batches (index arrays;
:class:`MiniBatches` makes them with :func:`lib.data.minibatches`), and the objective is called as
``objective(theta, batch)`` and returns the loss and gradient on that batch. ``loss_history`` holds the
mini-batch loss of each step, at the parameters before the step (:math:`T` values), and
``epoch_loss_history`` one value per epoch.
"""

from __future__ import annotations

import math
import numbers
import os
import time
from dataclasses import dataclass

import numpy as np

from lib.data import minibatches
from lib.optim import DivergenceError, Optimizer
from lib.schedules import LRSchedule

__all__ = ["train", "TrainResult", "TrainState", "MiniBatches", "DIVERGENCE_FACTOR"]

#: A run stops with a DivergenceError when its loss rises above its starting value by this many times the
#: starting value's size (see :func:`train`'s ``divergence_factor``).
DIVERGENCE_FACTOR = 1e4

#: Version of the checkpoint layout written by :func:`train`.
CHECKPOINT_FORMAT = 1

# ---------------------------------------------------------------------------------------------------------
# What the loop gives back, and what a callback sees
# ---------------------------------------------------------------------------------------------------------


@dataclass
class TrainState:
    """What a callback receives after every optimizer step (read it; do not modify ``theta``).

    Attributes
    ----------
    step : int
        Number of optimizer steps taken so far (this one included).
    epoch : int
        Number of epochs completed so far.
    theta : ndarray or dict of ndarray
        The parameters after this step.
    loss : float
        Full batch: :math:`J(\\theta)` at these parameters. Mini-batch: the loss of the batch used for
        this step, at the parameters before the step.
    grad_norm : float
        The Euclidean norm of the gradient that goes with ``loss``.
    lr : float
        The learning rate this step used.
    end_of_epoch : bool
        True if this step completed an epoch (always true in full-batch mode).
    epoch_loss : float or None
        The epoch's loss (as in ``TrainResult.epoch_loss_history``) when ``end_of_epoch``, else None.
    """

    step: int
    epoch: int
    theta: object
    loss: float
    grad_norm: float
    lr: float
    end_of_epoch: bool
    epoch_loss: float | None


@dataclass(repr=False)
class TrainResult:
    """The outcome of :func:`train`.

    Attributes
    ----------
    theta : ndarray or dict of ndarray
        The final parameters.
    loss_history : ndarray
        Full batch: :math:`J(\\theta_0), \\ldots, J(\\theta_T)` (``steps + 1`` values). Mini-batch: the
        loss of each step's batch at the parameters before the step (``steps`` values).
    grad_norm_history : ndarray
        The norms :math:`\\lVert g \\rVert_2` of the gradients that go with ``loss_history`` (for a dict of
        parameters, the norm of all of them together).
    lr_history : ndarray
        The learning rate used by each step (``steps`` values).
    epoch_loss_history : ndarray
        One value per completed epoch: the loss after the epoch. Full batch: :math:`J(\\theta_e)`, the same
        numbers as ``loss_history[1:]``. Mini-batch: ``epoch_loss(theta)`` after the epoch if that was given,
        else the mean of the epoch's mini-batch losses weighted by batch size.
    trajectory : ndarray, dict of ndarray, or None
        With ``record_trajectory=True``, the parameters :math:`\\theta_0, \\ldots, \\theta_T` stacked along a
        new first axis (shape ``(steps + 1, *theta.shape)``; a dict of such arrays for dict parameters).
    steps : int
        Number of optimizer steps taken (including those before a checkpoint the run resumed from).
    epochs : int
        Number of completed epochs.
    elapsed : float
        Wall-clock seconds spent in :func:`train` (summed over resumed runs). It varies from run to run;
        it is left out of the printed summary.
    stop_reason : str
        Why the run stopped: ``'max_steps'``, ``'max_epochs'``, ``'grad_tol'``, ``'loss_tol'`` or
        ``'callback'``.
    """

    theta: object
    loss_history: np.ndarray
    grad_norm_history: np.ndarray
    lr_history: np.ndarray
    epoch_loss_history: np.ndarray
    trajectory: object
    steps: int
    epochs: int
    elapsed: float
    stop_reason: str

    @property
    def converged(self):
        """True if the run stopped because a tolerance (``grad_tol`` or ``loss_tol``) was met."""
        return self.stop_reason in ("grad_tol", "loss_tol")

    def __repr__(self):
        last_loss = f"{self.loss_history[-1]:.6g}" if len(self.loss_history) else "none"
        return (
            f"TrainResult(steps={self.steps}, epochs={self.epochs}, stop_reason={self.stop_reason!r}, "
            f"last loss={last_loss})"
        )


# ---------------------------------------------------------------------------------------------------------
# Mini-batches whose order depends only on (seed, epoch)
# ---------------------------------------------------------------------------------------------------------


class MiniBatches:
    """The mini-batches of each epoch, as index arrays, shuffled reproducibly from ``(seed, epoch)``.

    ``MiniBatches(n, batch_size, seed=s)(e)`` is :func:`lib.data.minibatches` for epoch ``e``, with the
    shuffle drawn from ``np.random.default_rng([s, e])``. Because each epoch's order depends only on the
    seed and the epoch number (not on a generator that has advanced through the earlier epochs), a run
    resumed from a checkpoint needs nothing but the epoch number to see the same batches.

    Parameters
    ----------
    n_samples : int
        Number of samples :math:`n`.
    batch_size : int
        Samples per batch (the last batch of an epoch may be smaller, see ``drop_last``).
    seed : int or None
        Seed of the shuffles; required when ``shuffle`` is true.
    shuffle : bool, default True
        Shuffle the samples every epoch (without it, batches are ``0..B-1``, ``B..2B-1``, ... every epoch).
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

    def __init__(self, n_samples, batch_size, *, seed, shuffle=True, drop_last=False):
        # Let lib.data.minibatches check n_samples, batch_size and drop_last once, now.
        minibatches(n_samples, batch_size, shuffle=False, drop_last=drop_last)
        if not isinstance(shuffle, bool | np.bool_) or not isinstance(drop_last, bool | np.bool_):
            raise TypeError("MiniBatches: shuffle and drop_last must be True or False")
        if shuffle:
            if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
                raise TypeError(
                    f"MiniBatches: seed must be a non-negative integer when shuffle=True, got {seed!r}; "
                    "the book never shuffles unseeded"
                )
            seed = int(seed)
        elif seed is not None:
            raise ValueError("MiniBatches: seed has no effect with shuffle=False; pass seed=None")
        self.n_samples = int(n_samples)
        self.batch_size = int(batch_size)
        self.seed = seed
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)

    def __call__(self, epoch):
        """Return an iterator over the index arrays of epoch ``epoch`` (0 for the first epoch)."""
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) or epoch < 0:
            raise ValueError(f"MiniBatches: epoch must be a non-negative integer, got {epoch!r}")
        if not self.shuffle:
            return minibatches(self.n_samples, self.batch_size, shuffle=False, drop_last=self.drop_last)
        rng = np.random.default_rng([self.seed, int(epoch)])
        return minibatches(self.n_samples, self.batch_size, rng=rng, drop_last=self.drop_last)

    def state_dict(self):
        """The configuration as plain scalars (a checkpoint stores it to check the resumed run uses the same)."""
        return {
            "n_samples": self.n_samples,
            "batch_size": self.batch_size,
            "seed": -1 if self.seed is None else self.seed,
            "shuffle": self.shuffle,
            "drop_last": self.drop_last,
        }

    def __repr__(self):
        return (
            f"MiniBatches(n_samples={self.n_samples}, batch_size={self.batch_size}, seed={self.seed}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )


# ---------------------------------------------------------------------------------------------------------
# Small helpers on parameters (an array or a dict of arrays)
# ---------------------------------------------------------------------------------------------------------


def _copy_params(theta, what):
    """A float64 copy of ``theta`` (an array or a dict of arrays), checked to be finite."""
    if isinstance(theta, dict):
        if not theta:
            raise ValueError(f"train: {what} is an empty dict: there is nothing to optimize")
        return {key: _copy_params(value, f"{what}[{key!r}]") for key, value in theta.items()}
    try:
        array = np.array(theta, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as error:
        raise TypeError(f"train: {what} must be an array of real numbers: {error}") from None
    if not np.isfinite(array).all():
        raise ValueError(f"train: {what} contains NaN or inf")
    return array


def _plain_copy(theta):
    """A copy of the parameters (an array or a dict of arrays), whatever their values."""
    if isinstance(theta, dict):
        return {key: np.array(value, dtype=np.float64, copy=True) for key, value in theta.items()}
    return np.array(theta, dtype=np.float64, copy=True)


def _structure(theta):
    """Keys and shapes: ``{None: shape}`` for an array, ``{key: shape}`` for a dict."""
    if isinstance(theta, dict):
        return {key: np.shape(value) for key, value in theta.items()}
    return {None: np.shape(theta)}


def _flat_items(theta, prefix):
    """``{prefix: array}`` for an array, ``{prefix/key: array}`` for a dict (for ``np.savez``)."""
    if isinstance(theta, dict):
        return {f"{prefix}/{key}": value for key, value in theta.items()}
    return {prefix: theta}


def _gradient_norm(grad):
    """The Euclidean norm of all the gradient's entries together (inf if it overflows)."""
    arrays = grad.values() if isinstance(grad, dict) else [grad]
    with np.errstate(over="ignore"):
        return math.sqrt(sum(float(np.sum(g * g)) for g in arrays))


def _all_finite(grad):
    if isinstance(grad, dict):
        return all(np.isfinite(g).all() for g in grad.values())
    return bool(np.isfinite(grad).all())


def _check_evaluation(result, theta, name):
    """Unpack ``(loss, grad)`` returned by the objective and check its types and shapes."""
    if not isinstance(result, tuple) or len(result) != 2:
        raise TypeError(f"train: {name} must return a pair (loss, grad), got {type(result).__name__}")
    loss, grad = result
    if np.ndim(loss) != 0:
        raise TypeError(f"train: {name} must return a scalar loss, got an array of shape {np.shape(loss)}")
    loss = float(loss)
    if isinstance(theta, dict):
        if not isinstance(grad, dict) or set(grad) != set(theta):
            raise ValueError(
                f"train: {name} must return a gradient dict with the keys of theta {sorted(theta)}, got "
                f"{sorted(grad) if isinstance(grad, dict) else type(grad).__name__}"
            )
        grad = {key: np.asarray(grad[key], dtype=np.float64) for key in theta}
    else:
        grad = np.asarray(grad, dtype=np.float64)
    for key, shape in _structure(theta).items():
        grad_shape = np.shape(grad if key is None else grad[key])
        if grad_shape != shape:
            where = "" if key is None else f" for {key!r}"
            raise ValueError(
                f"train: {name} returned a gradient of shape {grad_shape}{where} for parameters of shape {shape}; "
                "they must match exactly (an (n,) and an (n, 1) array would broadcast to (n, n))"
            )
    return loss, grad


# ---------------------------------------------------------------------------------------------------------
# The loop
# ---------------------------------------------------------------------------------------------------------


class _Run:
    """The mutable record of one run: counters, histories, and the settings the loop consults."""

    def __init__(self, *, fun, optimizer, schedule, schedule_interval, prox, callbacks, grad_tol, loss_tol,
                 divergence_factor, smoothness, batches, epoch_loss, record_trajectory, checkpoint,
                 checkpoint_every):
        self.fun = fun
        self.optimizer = optimizer
        self.schedule = schedule
        self.schedule_interval = schedule_interval
        self.prox = prox
        self.callbacks = callbacks
        self.grad_tol = grad_tol
        self.loss_tol = loss_tol
        self.divergence_factor = divergence_factor
        self.smoothness = smoothness
        self.batches = batches
        self.epoch_loss = epoch_loss
        self.record_trajectory = record_trajectory
        self.checkpoint = checkpoint
        self.checkpoint_every = checkpoint_every
        # Counters and histories (what a checkpoint stores).
        self.theta = None
        self.grad = None  # full batch: the gradient at theta, for the next step
        self.step = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        self.reference_loss = None  # the starting loss, for the divergence check
        self.loss_history = []
        self.grad_norm_history = []
        self.lr_history = []
        self.epoch_loss_history = []
        self.trajectory = []
        self.elapsed = 0.0  # seconds spent in earlier sessions of a resumed run
        self.started = time.perf_counter()

    # -- evaluation, recording and the divergence check ------------------------------------------------------

    def evaluate(self, batch=None):
        if batch is None:
            return _check_evaluation(self.fun(self.theta), self.theta, "the objective")
        return _check_evaluation(self.fun(self.theta, batch), self.theta, "the objective")

    def record(self, loss, grad):
        self.loss_history.append(loss)
        self.grad_norm_history.append(_gradient_norm(grad))
        if self.reference_loss is None:
            if not math.isfinite(loss) or not _all_finite(grad):
                raise ValueError(
                    f"train: the loss or the gradient at the starting parameters is NaN or inf (loss = {loss}); "
                    "check the objective and theta0"
                )
            self.reference_loss = loss

    def check_finite(self, loss, grad, when):
        if not math.isfinite(loss):
            raise self.divergence(loss, when, "the loss is NaN or infinite")
        if not _all_finite(grad):
            raise self.divergence(loss, when, "the gradient contains NaN or inf")

    def check_growth(self, loss, when):
        reference = self.reference_loss
        if loss > reference + self.divergence_factor * max(abs(reference), 1e-12):
            cause = f"the loss rose above its starting value by more than {self.divergence_factor:g} times its size"
            raise self.divergence(loss, when, cause)

    def divergence(self, loss, when, cause):
        """The DivergenceError to raise: where, what, and what to try."""
        lr = self.lr_history[-1] if self.lr_history else self.optimizer.lr
        message = (
            f"train: the run diverged {when}: {cause}. The loss was {loss:.6g}, against "
            f"{self.reference_loss:.6g} at the start, with lr = {lr:g}. "
        )
        if loss == -math.inf:
            return DivergenceError(
                message + "The loss fell without bound: this objective has no minimum (it is unbounded below), "
                "so no learning rate can make the run converge; check the objective."
            )
        message += "Try a lower learning rate"
        if self.smoothness is not None:
            message += (
                f": this problem's gradient is L-smooth with L = {self.smoothness:.6g}, and gradient descent on a "
                f"quadratic with that curvature is stable only for lr < 2/L = {2.0 / self.smoothness:.6g}"
            )
            if self.batches is not None:
                message += " (mini-batches need a smaller one)"
        else:
            message += (
                " (gradient descent on a quadratic whose largest Hessian eigenvalue is L is stable only for "
                "lr < 2/L; features on very different scales make L large, so standardize them)"
            )
        if self.schedule is not None:
            message += f". The learning rate came from {self.schedule!r}: lower its peak"
        return DivergenceError(message + ".")

    # -- one optimizer step ----------------------------------------------------------------------------------

    def take_step(self, grad):
        lr = self.optimizer.lr
        if self.schedule is not None and not lr > 0:
            raise ValueError(
                f"train: the schedule {self.schedule!r} set the learning rate to {lr!r} for step {self.step + 1}, "
                "and an optimizer cannot step with a learning rate of 0; stop the run before the schedule "
                "reaches 0 (for example T_max >= steps), or give the schedule a positive minimum (eta_min > 0)"
            )
        self.theta = self.optimizer.step(self.theta, grad)
        if self.prox is not None:
            self.theta = self.prox(self.theta, lr)
        self.step += 1
        self.lr_history.append(lr)
        if self.record_trajectory:
            self.trajectory.append(_plain_copy(self.theta))
        return lr

    def call_callbacks(self, state):
        stop = False
        for callback in self.callbacks:
            if callback(state):
                stop = True
        return stop

    def loss_change_small(self, history):
        if self.loss_tol is None or len(history) < 2:
            return False
        previous, current = history[-2], history[-1]
        return abs(current - previous) <= self.loss_tol * max(abs(previous), np.finfo(np.float64).tiny)

    def checkpoint_due(self):
        return self.checkpoint is not None and self.checkpoint_every is not None and (
            self.step % self.checkpoint_every == 0
        )


def _run_full_batch(run, max_steps, resumed):
    """Gradient descent on all the data: evaluate, test, step; ``loss_history`` gets every iterate."""
    if not resumed:
        loss, grad = run.evaluate()
        run.record(loss, grad)
        run.grad = grad
    while True:
        if run.grad_tol is not None and run.grad_norm_history[-1] <= run.grad_tol:
            return "grad_tol"
        if run.loss_change_small(run.loss_history):
            return "loss_tol"
        if run.step >= max_steps:
            return "max_steps"
        lr = run.take_step(run.grad)
        run.epoch += 1
        if run.schedule is not None:
            run.schedule.step()
        loss, grad = run.evaluate()
        run.record(loss, grad)
        run.grad = grad
        when = f"at step {run.step}"
        run.check_finite(loss, grad, when)
        run.check_growth(loss, when)
        run.epoch_loss_history.append(loss)
        state = TrainState(run.step, run.epoch, run.theta, loss, run.grad_norm_history[-1], lr, True, loss)
        if run.call_callbacks(state):
            return "callback"
        if run.checkpoint_due():
            _save_checkpoint(run)


def _run_minibatch(run, max_steps, max_epochs):
    """Mini-batch training: for each epoch, for each batch, evaluate on the batch and step."""
    while True:
        if run.epoch >= max_epochs:
            return "max_epochs"
        batch_list = list(run.batches(run.epoch))
        if not batch_list:
            raise ValueError(f"train: batches({run.epoch}) gave no batches")
        for index in range(run.batch_in_epoch, len(batch_list)):
            if run.step >= max_steps:
                return "max_steps"
            loss, grad = run.evaluate(batch_list[index])
            run.record(loss, grad)
            run.check_finite(loss, grad, f"at step {run.step + 1} (epoch {run.epoch + 1}), before the step")
            lr = run.take_step(grad)
            run.batch_in_epoch = index + 1
            if run.schedule is not None and run.schedule_interval == "step":
                run.schedule.step()
            end_of_epoch = index == len(batch_list) - 1
            epoch_loss = None
            if end_of_epoch:
                epoch_loss = _finish_epoch(run, batch_list)
            state = TrainState(run.step, run.epoch, run.theta, loss, run.grad_norm_history[-1], lr, end_of_epoch,
                               epoch_loss)
            if run.call_callbacks(state):
                return "callback"
            if end_of_epoch and run.loss_change_small(run.epoch_loss_history):
                return "loss_tol"
            if run.checkpoint_due():
                _save_checkpoint(run)


def _finish_epoch(run, batch_list):
    """Book-keeping at the end of an epoch: the epoch loss, its divergence check, a per-epoch schedule step."""
    if run.epoch_loss is not None:
        epoch_loss = float(run.epoch_loss(run.theta))
    else:
        # Every step of the epoch added one entry to loss_history, so the epoch's losses are the last ones.
        sizes = [len(batch) for batch in batch_list]
        epoch_loss = float(np.average(run.loss_history[-len(batch_list):], weights=sizes))
    run.epoch += 1
    run.batch_in_epoch = 0
    run.epoch_loss_history.append(epoch_loss)
    when = f"in epoch {run.epoch} (step {run.step})"
    if not math.isfinite(epoch_loss):
        raise run.divergence(epoch_loss, when, "the epoch's loss is NaN or infinite")
    run.check_growth(epoch_loss, when)
    if run.schedule is not None and run.schedule_interval == "epoch":
        run.schedule.step()
    return epoch_loss


# ---------------------------------------------------------------------------------------------------------
# Checkpoints: plain arrays in an .npz file
# ---------------------------------------------------------------------------------------------------------


def _save_checkpoint(run):
    """Write everything needed to continue the run to ``run.checkpoint`` (atomically: write, then rename)."""
    arrays = {
        "format": CHECKPOINT_FORMAT,
        "mode": "full" if run.batches is None else "minibatch",
        "theta_is_dict": isinstance(run.theta, dict),
        "step": run.step,
        "epoch": run.epoch,
        "batch_in_epoch": run.batch_in_epoch,
        "reference_loss": run.reference_loss,
        "elapsed": run.elapsed + (time.perf_counter() - run.started),
        "loss_history": np.array(run.loss_history, dtype=np.float64),
        "grad_norm_history": np.array(run.grad_norm_history, dtype=np.float64),
        "lr_history": np.array(run.lr_history, dtype=np.float64),
        "epoch_loss_history": np.array(run.epoch_loss_history, dtype=np.float64),
        "record_trajectory": run.record_trajectory,
        "schedule_interval": run.schedule_interval,
    }
    arrays.update(_flat_items(run.theta, "theta"))
    if run.grad is not None:
        arrays.update(_flat_items(run.grad, "grad"))
    for key, value in run.optimizer.state_dict().items():
        arrays[f"optimizer/{key}"] = value
    if run.schedule is not None:
        for key, value in run.schedule.state_dict().items():
            arrays[f"schedule/{key}"] = value
    if isinstance(run.batches, MiniBatches):
        for key, value in run.batches.state_dict().items():
            arrays[f"batches/{key}"] = value
    if run.record_trajectory:
        arrays.update(_flat_items(_stack(run.trajectory), "trajectory"))
    temporary = f"{os.fspath(run.checkpoint)}.tmp"
    with open(temporary, "wb") as file:
        np.savez(file, **arrays)
    os.replace(temporary, run.checkpoint)


def _unflatten(saved, prefix, theta_is_dict):
    if not theta_is_dict:
        return np.array(saved[prefix], dtype=np.float64)
    start = f"{prefix}/"
    return {key[len(start):]: np.array(saved[key], dtype=np.float64) for key in saved if key.startswith(start)}


def _prefixed(saved, prefix):
    start = f"{prefix}/"
    return {key[len(start):]: saved[key] for key in saved if key.startswith(start)}


def _load_checkpoint(run, path, theta0):
    """Restore ``run`` (and its optimizer and schedule) from a checkpoint written by :func:`_save_checkpoint`."""
    with np.load(path, allow_pickle=False) as file:
        saved = {key: file[key] for key in file.files}
    where = f"train: the checkpoint {os.fspath(path)!r}"
    if "format" not in saved or int(saved["format"]) != CHECKPOINT_FORMAT:
        raise ValueError(f"{where} was not written by this version of lib.train.train")
    mode = "full" if run.batches is None else "minibatch"
    if str(saved["mode"]) != mode:
        raise ValueError(
            f"{where} is from a {saved['mode']} run, but this run is {mode}; resume with the same batches setting"
        )
    theta = _unflatten(saved, "theta", bool(saved["theta_is_dict"]))
    if _structure(theta) != _structure(theta0):
        raise ValueError(
            f"{where} holds parameters {_structure(theta)}, but theta0 is {_structure(theta0)}; resume with "
            "parameters of the same shape (theta0 itself is not used when resuming)"
        )
    saved_schedule = _prefixed(saved, "schedule")
    if bool(saved_schedule) != (run.schedule is not None):
        raise ValueError(f"{where} was {'' if saved_schedule else 'not '}made with a schedule; pass the same kind")
    if str(saved["schedule_interval"]) != run.schedule_interval:
        raise ValueError(f"{where} was made with schedule_interval={str(saved['schedule_interval'])!r}")
    saved_batches = _prefixed(saved, "batches")
    if saved_batches and isinstance(run.batches, MiniBatches):
        now = run.batches.state_dict()
        if any(_scalar(saved_batches[key]) != value for key, value in now.items()):
            raise ValueError(f"{where} was made with other mini-batches: {saved_batches} against {now}")
    if run.record_trajectory and not bool(saved["record_trajectory"]):
        raise ValueError(f"{where} has no trajectory; resume with record_trajectory=False")

    run.optimizer.load_state_dict(_prefixed(saved, "optimizer"))
    if run.schedule is not None:
        run.schedule.load_state_dict(saved_schedule)
    run.theta = theta
    if mode == "full":
        run.grad = _unflatten(saved, "grad", bool(saved["theta_is_dict"]))
    run.step = int(saved["step"])
    run.epoch = int(saved["epoch"])
    run.batch_in_epoch = int(saved["batch_in_epoch"])
    run.reference_loss = float(saved["reference_loss"])
    run.elapsed = float(saved["elapsed"])
    run.loss_history = saved["loss_history"].tolist()
    run.grad_norm_history = saved["grad_norm_history"].tolist()
    run.lr_history = saved["lr_history"].tolist()
    run.epoch_loss_history = saved["epoch_loss_history"].tolist()
    if run.record_trajectory:
        stacked = _unflatten(saved, "trajectory", bool(saved["theta_is_dict"]))
        run.trajectory = _unstack(stacked)


def _scalar(value):
    return np.asarray(value).item()


def _stack(trajectory):
    """A list of parameters (arrays or dicts) as one array (or dict of arrays) with a new first axis."""
    if trajectory and isinstance(trajectory[0], dict):
        return {key: np.stack([theta[key] for theta in trajectory]) for key in trajectory[0]}
    return np.stack(trajectory)


def _unstack(stacked):
    if isinstance(stacked, dict):
        length = len(next(iter(stacked.values())))
        return [{key: stacked[key][index].copy() for key in stacked} for index in range(length)]
    return [row.copy() for row in stacked]


# ---------------------------------------------------------------------------------------------------------
# The public function
# ---------------------------------------------------------------------------------------------------------


def _check_count(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"train: {name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"train: {name} must be a positive integer, got {value}")
    return int(value)


def _check_tolerance(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"train: {name} must be a non-negative number or None, got {value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"train: {name} must be a finite number >= 0 (or None to switch it off), got {value}")
    return float(value)


def _objective_function(objective):
    """The function to call, and the problem's smoothness constant L if it declares one.

    ``objective`` may be an object with a ``loss_and_grad`` method (a problem of :mod:`lib.testfns`), or a
    function; for a bound method such as ``problem.loss_and_grad``, the problem is the object it is bound to.
    """
    if hasattr(objective, "loss_and_grad"):
        function, owner = objective.loss_and_grad, objective
    elif callable(objective):
        function, owner = objective, getattr(objective, "__self__", None)
    else:
        raise TypeError(
            "train: objective must be a function theta -> (loss, grad) (or (theta, batch) -> (loss, grad) with "
            f"batches) or an object with a loss_and_grad method, got {type(objective).__name__}"
        )
    smoothness = getattr(owner, "L", None)
    if smoothness is not None and not (isinstance(smoothness, numbers.Real) and 0 < smoothness < math.inf):
        smoothness = None
    return function, smoothness


def train(objective, theta0, optimizer, *, steps=None, epochs=None, batches=None, epoch_loss=None,
          schedule=None, schedule_interval="step", prox=None, callbacks=(), grad_tol=None, loss_tol=None,
          divergence_factor=DIVERGENCE_FACTOR, record_trajectory=False, checkpoint=None, checkpoint_every=None,
          resume_from=None):
    r"""Minimize an objective with an optimizer of :mod:`lib.optim`; return a :class:`TrainResult`.

    Each step :math:`t = 1, 2, \ldots` evaluates the loss and the gradient :math:`g_t` at
    :math:`\theta_{t-1}` (on all the data, or on the step's mini-batch :math:`B_t`), and lets the optimizer
    update the parameters, :math:`\theta_t = \texttt{optimizer.step}(\theta_{t-1}, g_t)`: for plain
    gradient descent (``SGD``), :math:`\theta_t = \theta_{t-1} - \eta_t g_t`, the update of
    :cite:t:`cauchy1847methode`, stochastic when :math:`g_t` comes from a mini-batch
    :cite:p:`robbins1951stochastic,bottou2018optimization`. With ``prox`` the step is followed by a proximal
    map, :math:`\theta_t \leftarrow \operatorname{prox}(\theta_t, \eta_t)`, which makes it proximal
    gradient descent for a non-smooth penalty :cite:p:`parikh2014proximal`.

    Parameters
    ----------
    objective : callable or object with a ``loss_and_grad`` method
        Full batch: ``objective(theta) -> (loss, grad)``. With ``batches``:
        ``objective(theta, batch) -> (loss, grad)`` on the batch (an index array). ``grad`` has exactly the
        structure of ``theta``. If the objective is an object (or a bound method of one, such as
        ``problem.loss_and_grad``) with an attribute ``L`` (the smoothness constant), a divergence message
        states the bound :math:`\eta < 2/L`.
    theta0 : ndarray or dict of str to ndarray
        Starting parameters (copied, never modified). When resuming, only their shapes are used.
    optimizer : lib.optim.Optimizer
        A fresh optimizer (or the one of a schedule); its state is advanced (and, when resuming, loaded).
    steps : int, optional
        Maximum number of optimizer steps (counted from the very start when resuming).
    epochs : int, optional
        Maximum number of epochs. Full batch: an epoch is a step. At least one of ``steps`` and ``epochs``
        is required; the run stops at whichever comes first.
    batches : callable, optional
        ``batches(epoch)`` returns the epoch's mini-batches (index arrays) for ``epoch = 0, 1, ...``; it must
        depend on nothing but ``epoch``, so that a resumed run sees the same batches. Use
        :class:`MiniBatches`. Without it, training is full batch.
    epoch_loss : callable, optional
        Mini-batch only: ``epoch_loss(theta) -> float``, the loss recorded after each epoch (for example the
        full objective ``problem.value``). Default: the mean of the epoch's mini-batch losses, weighted by
        batch size (cheaper, but a mix of losses at different parameters).
    schedule : lib.schedules.LRSchedule, optional
        A learning-rate schedule attached to ``optimizer``; its :meth:`~lib.schedules.LRSchedule.step` is
        called after every step, or after every epoch with ``schedule_interval='epoch'``.
    schedule_interval : {'step', 'epoch'}, default 'step'
    prox : callable, optional
        ``prox(theta, lr) -> theta``, applied after every optimizer step (proximal gradient).
    callbacks : callable or sequence of callables, default ()
        Each is called after every step with a :class:`TrainState`; if one returns a true value, training
        stops with ``stop_reason = 'callback'``.
    grad_tol : float, optional
        Full batch only: stop when :math:`\lVert \nabla J(\theta_t) \rVert_2 \le` ``grad_tol``.
    loss_tol : float, optional
        Stop when the relative change of the loss, :math:`|J_t - J_{t-1}| / |J_{t-1}|`, is at most
        ``loss_tol``: between consecutive iterates (full batch) or consecutive epoch losses (mini-batch).
        It suits losses whose minimum is well above 0 (noisy data). When the minimum is 0 and convergence is
        linear, :math:`J_t \approx r^t J_0`, the relative change tends to :math:`1 - r`, not to 0, and this
        test may never fire: use ``grad_tol`` there.
    divergence_factor : float, default DIVERGENCE_FACTOR (1e4)
        Stop with a :class:`lib.optim.DivergenceError` when the loss exceeds its starting value
        :math:`J_0` by more than ``divergence_factor`` :math:`\times \max(|J_0|, 10^{-12})` (checked at every
        iterate in full batch, at every epoch loss with mini-batches). NaN or infinite losses and gradients
        always stop the run. ``math.inf`` switches the growth check off.
    record_trajectory : bool, default False
        Keep the parameters after every step in ``TrainResult.trajectory`` (for contour plots).
    checkpoint : str or path-like, optional
        Write a checkpoint (an ``.npz`` file of plain arrays) here when the run stops, and every
        ``checkpoint_every`` steps. It holds the parameters, the optimizer's and the schedule's
        ``state_dict()``, the step and epoch counters, the position within the epoch, the histories and
        (full batch) the gradient at the current parameters. Nothing random is stored: the batches of an
        epoch depend only on the epoch number.
    checkpoint_every : int, optional
        Also write the checkpoint after every ``checkpoint_every``-th step.
    resume_from : str or path-like, optional
        Continue the run saved in this checkpoint, with ``optimizer`` and ``schedule`` of the same kinds as
        the saved run (their states are loaded). The resumed run ends with the same parameters and
        histories, bit for bit, as a run never stopped (given a deterministic objective).

    Returns
    -------
    TrainResult

    Raises
    ------
    lib.optim.DivergenceError
        If the loss or the gradient becomes NaN or infinite, or the loss grows as described under
        ``divergence_factor``. The message names the step, the loss, and what to try.
    TypeError, ValueError
        For arguments of the wrong type or value, an objective that returns a gradient of the wrong shape,
        a non-finite loss at ``theta0``, or a checkpoint that does not match this run.

    Examples
    --------
    A mini-batch run on a least-squares problem, the loss after each epoch measured on all the data:

    >>> from lib.optim import SGD
    >>> from lib.testfns import LeastSquares
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    >>> problem = LeastSquares(X, np.array([1.0, 3.0, 5.0, 7.0]))
    >>> result = train(problem.loss_and_grad, np.zeros(2), SGD(lr=0.05), epochs=300,
    ...                batches=MiniBatches(4, batch_size=2, seed=0), epoch_loss=problem.value)
    >>> result.stop_reason, len(result.epoch_loss_history), np.round(result.theta, 3).tolist()
    ('max_epochs', 300, [1.0, 2.0])
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"train: optimizer must be a lib.optim optimizer such as SGD(lr=0.1), got {optimizer!r}")
    function, smoothness = _objective_function(objective)
    theta0 = _copy_params(theta0, "theta0")
    steps = _check_count(steps, "steps")
    epochs = _check_count(epochs, "epochs")
    if steps is None and epochs is None:
        raise ValueError("train: pass steps=<int> or epochs=<int> (or both): the run needs a budget")
    if batches is not None and not callable(batches):
        raise TypeError(
            "train: batches must be a function epoch -> iterable of index arrays, such as "
            f"MiniBatches(n_samples, batch_size, seed=0); got {type(batches).__name__} (an iterator from "
            "lib.data.minibatches lasts one epoch only)"
        )
    if epoch_loss is not None and (batches is None or not callable(epoch_loss)):
        raise ValueError("train: epoch_loss is a function theta -> float, and only for mini-batch runs (batches=...)")
    if schedule is not None:
        if not isinstance(schedule, LRSchedule):
            raise TypeError(f"train: schedule must be a lib.schedules schedule, got {schedule!r}")
        if schedule.optimizer is not optimizer:
            raise ValueError("train: the schedule is attached to another optimizer; build it with this optimizer")
    if schedule_interval not in ("step", "epoch"):
        raise ValueError(f"train: schedule_interval must be 'step' or 'epoch', got {schedule_interval!r}")
    if prox is not None and not callable(prox):
        raise TypeError(f"train: prox must be a function (theta, lr) -> theta, got {prox!r}")
    callbacks = list(callbacks) if not callable(callbacks) else [callbacks]
    for callback in callbacks:
        if not callable(callback):
            raise TypeError(f"train: every callback must be callable, got {callback!r}")
    grad_tol = _check_tolerance(grad_tol, "grad_tol")
    loss_tol = _check_tolerance(loss_tol, "loss_tol")
    if grad_tol is not None and batches is not None:
        raise ValueError(
            "train: grad_tol needs the full gradient, which a mini-batch run never computes; use loss_tol "
            "(on the epoch losses, best with epoch_loss=<the full objective>)"
        )
    if isinstance(divergence_factor, bool) or not isinstance(divergence_factor, numbers.Real) or not (
        divergence_factor > 0
    ):
        raise ValueError(f"train: divergence_factor must be a positive number (or math.inf), got {divergence_factor!r}")
    if not isinstance(record_trajectory, bool | np.bool_):
        raise TypeError(f"train: record_trajectory must be True or False, got {record_trajectory!r}")
    checkpoint_every = _check_count(checkpoint_every, "checkpoint_every")
    if checkpoint_every is not None and checkpoint is None:
        raise ValueError("train: checkpoint_every needs checkpoint=<path> to write to")

    run = _Run(fun=function, optimizer=optimizer, schedule=schedule, schedule_interval=schedule_interval, prox=prox,
               callbacks=callbacks, grad_tol=grad_tol, loss_tol=loss_tol, divergence_factor=float(divergence_factor),
               smoothness=smoothness, batches=batches, epoch_loss=epoch_loss,
               record_trajectory=bool(record_trajectory), checkpoint=checkpoint, checkpoint_every=checkpoint_every)
    if resume_from is not None:
        _load_checkpoint(run, resume_from, theta0)
    else:
        run.theta = theta0
        if record_trajectory:
            run.trajectory.append(_plain_copy(theta0))
        if epoch_loss is not None:
            # The divergence check compares the epoch losses with the same loss at the starting parameters.
            run.reference_loss = float(epoch_loss(theta0))
            if not math.isfinite(run.reference_loss):
                raise ValueError(f"train: epoch_loss(theta0) is {run.reference_loss}; check epoch_loss and theta0")
    no_limit = math.inf
    if batches is None:
        # Full batch: a step is an epoch, so the two budgets are one.
        max_steps = min(steps if steps is not None else no_limit, epochs if epochs is not None else no_limit)
        stop_reason = _run_full_batch(run, max_steps, resumed=resume_from is not None)
        if stop_reason == "max_steps" and (steps is None or run.step < steps):
            stop_reason = "max_epochs"
    else:
        max_steps = steps if steps is not None else no_limit
        max_epochs = epochs if epochs is not None else no_limit
        stop_reason = _run_minibatch(run, max_steps, max_epochs)
    if checkpoint is not None:
        _save_checkpoint(run)
    elapsed = run.elapsed + (time.perf_counter() - run.started)
    trajectory = _stack(run.trajectory) if record_trajectory else None
    return TrainResult(
        theta=run.theta,
        loss_history=np.array(run.loss_history, dtype=np.float64),
        grad_norm_history=np.array(run.grad_norm_history, dtype=np.float64),
        lr_history=np.array(run.lr_history, dtype=np.float64),
        epoch_loss_history=np.array(run.epoch_loss_history, dtype=np.float64),
        trajectory=trajectory,
        steps=run.step,
        epochs=run.epoch,
        elapsed=elapsed,
        stop_reason=stop_reason,
    )
