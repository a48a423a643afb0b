r"""Learning-rate schedules: the learning rate :math:`\eta_t` as a function of the step (or epoch) :math:`t`.

A schedule is attached to one of :mod:`lib.optim`'s optimizers and sets its public ``lr`` attribute. It
is two things at once:

* a **pure function** :meth:`LRSchedule.lr_at` that gives the learning rate at step :math:`t` from the
  base learning rate :math:`\eta_0` and the schedule's hyperparameters, in closed form (useful to plot a
  schedule, and what :func:`lib.train.train` relies on to resume a run exactly);
* a small **driver**, :meth:`LRSchedule.step`, used exactly like ``torch.optim.lr_scheduler``: it counts
  the steps in ``last_epoch`` and sets ``optimizer.lr = lr_at(last_epoch)``.

>>> from lib.optim import SGD
>>> opt = SGD(lr=0.1)
>>> schedule = StepLR(opt, step_size=2, gamma=0.5)
>>> for t in range(5):
...     # theta = opt.step(theta, grad) here uses opt.lr = lr_at(t)
...     print(t, opt.lr)
...     schedule.step()
0 0.1
1 0.1
2 0.05
3 0.05
4 0.025

The classes mirror ``torch.optim.lr_scheduler``'s ``StepLR``, ``ExponentialLR``, ``CosineAnnealingLR``,
``LinearLR``, ``ConstantLR`` and ``SequentialLR``: the same argument names and defaults, the same
counting of ``last_epoch`` (0 right after construction, one more after every :meth:`~LRSchedule.step`),
and the closed-form formulas that torch's documentation states and its ``_get_closed_form_lr`` computes
(with the same order of floating-point operations, except for the cosine, see :class:`CosineAnnealingLR`).
(torch's ``step()`` updates most of them recursively, multiplying the previous learning rate by a factor;
the result differs from the closed form only by floating-point rounding, which ``tests/test_schedules.py``
checks.)

Like torch, the first schedule attached to an optimizer records the optimizer's learning rate as
``optimizer.initial_lr`` (torch keeps ``initial_lr`` in each parameter group), and every schedule uses
``initial_lr`` as its base learning rate :math:`\eta_0`. That is what lets several schedules share one
optimizer in :class:`SequentialLR`: the second is built after the first has already changed ``lr``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np

from lib.checks import Constraint, InstanceOf, Interval, check_param, check_params
from lib.optim import Optimizer
from lib.optim_state import to_python_scalar

__all__ = [
    "LRSchedule",
    "StepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LinearLR",
    "ConstantLR",
    "SequentialLR",
    "with_linear_warmup",
]


# The declared constraints that the schedules' arguments share.
_OPTIMIZER = [InstanceOf(Optimizer, "a lib.optim optimizer such as lib.optim.SGD(lr=0.1)")]
_STEP = [Interval(Integral, 0, None)]
_PERIOD = [Interval(Integral, 1, None)]
_DECAY_FACTOR = [Interval(Real, 0, 1, closed="right")]
_FACTOR = [Interval(Real, 0, 1)]
_BASE_LR = [Interval(Real, 0, None, closed="neither")]


# ---------------------------------------------------------------------------------------------------------
# The base class: lr_at (a pure function) and the torch-like driver
# ---------------------------------------------------------------------------------------------------------


class LRSchedule(ABC):
    r"""Base class of the learning-rate schedules.

    A subclass declares its hyperparameters and what each may be in ``parameter_constraints`` and
    implements the closed form ``_lr_at(t)``; the base class checks and stores the hyperparameters (a
    subclass extends ``_set_hyperparameters`` only for a check that involves several of them), attaches the
    schedule to the optimizer and does the counting, exactly as ``torch.optim.lr_scheduler.LRScheduler``:

    * on construction the base learning rate :math:`\eta_0` (``base_lr``) is the optimizer's
      ``initial_lr`` (recorded from ``optimizer.lr`` by the first schedule attached to it),
      ``last_epoch`` is 0, and ``optimizer.lr`` is set to :math:`\eta_0`'s scheduled value ``lr_at(0)``;
    * each call of :meth:`step` adds one to ``last_epoch`` and sets ``optimizer.lr = lr_at(last_epoch)``.

    So the optimizer's step number :math:`t + 1` (``optimizer.step_count + 1``) uses ``lr_at(t)`` when
    :meth:`step` is called once after every optimizer step (or, per epoch, when it is called once after
    every epoch). Because the learning rate always comes from the closed form, never from the previous
    learning rate, a schedule restored by :meth:`load_state_dict` continues exactly, bit for bit.

    Parameters
    ----------
    optimizer : lib.optim.Optimizer
        The optimizer whose ``lr`` the schedule sets.
    **hyperparameters
        The subclass's hyperparameters.

    Attributes
    ----------
    optimizer : lib.optim.Optimizer
    base_lr : float
        :math:`\eta_0`, the learning rate the schedule scales.
    last_epoch : int
        The number of calls of :meth:`step` so far (torch's name: it counts epochs or steps, whichever
        the caller steps it by).
    """

    #: Each hyperparameter's allowed values, checked by the constructor and by ``load_state_dict``.
    parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {}

    def __init__(self, optimizer: Optimizer, **hyperparameters: Any) -> None:
        check_param(type(self).__name__, "optimizer", optimizer, _OPTIMIZER)
        self.optimizer = optimizer
        if getattr(optimizer, "initial_lr", None) is None:
            optimizer.initial_lr = float(optimizer.lr)
        self.base_lr = float(optimizer.initial_lr)
        self._set_hyperparameters(hyperparameters)
        self.last_epoch = 0
        self.optimizer.lr = self.lr_at(0)

    # -- the public interface ------------------------------------------------------------------------------

    def lr_at(self, t: int) -> float:
        r"""Return the learning rate :math:`\eta_t` at step (or epoch) ``t``, a pure function of ``t``.

        Parameters
        ----------
        t : int
            A non-negative integer, counted as ``last_epoch``: 0 for the first optimizer step.

        Returns
        -------
        float
        """
        t = check_param(f"{type(self).__name__}.lr_at", "t", t, _STEP)
        return float(self._lr_at(t))

    def step(self) -> None:
        """Advance ``last_epoch`` by one and set ``optimizer.lr = lr_at(last_epoch)`` (returns None, as torch)."""
        self.last_epoch += 1
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def get_last_lr(self) -> float:
        """Return the learning rate the schedule last set, ``lr_at(last_epoch)`` (torch returns a list)."""
        return self.lr_at(self.last_epoch)

    def hyperparameters(self) -> dict[str, Any]:
        """Return the hyperparameters as a dict ``{name: value}`` of Python scalars."""
        return {name: getattr(self, name) for name in self.parameter_constraints}

    def state_dict(self) -> dict[str, Any]:
        """Return the state as a flat dict of Python scalars: ``base_lr``, ``last_epoch``, the hyperparameters.

        It can be saved with ``np.savez`` and restored from ``np.load(path, allow_pickle=False)``.
        """
        state = {"base_lr": self.base_lr, "last_epoch": self.last_epoch}
        state.update(self.hyperparameters())
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a state from :meth:`state_dict` and set ``optimizer.lr = lr_at(last_epoch)``.

        The hyperparameters are validated and restored too, so the schedule continues exactly as the
        saved one would have.
        """
        state = dict(state)
        self._check_keys(state, {"base_lr", "last_epoch", *self.parameter_constraints})
        self._restore_clock(state)
        self._set_hyperparameters({name: to_python_scalar(state[name]) for name in self.parameter_constraints})
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{name}={value!r}" for name, value in self.hyperparameters().items())
        return f"{type(self).__name__}({arguments}, base_lr={self.base_lr!r}, last_epoch={self.last_epoch})"

    # -- what a subclass implements ------------------------------------------------------------------------

    def _set_hyperparameters(self, hyperparameters: dict[str, Any]) -> None:
        """Check the hyperparameters against ``parameter_constraints`` and store them as attributes."""
        for name, value in check_params(type(self).__name__, hyperparameters, self.parameter_constraints).items():
            setattr(self, name, value)

    @abstractmethod
    def _lr_at(self, t: int) -> float:
        """The learning rate at step ``t`` (already validated), from the schedule's closed form."""

    # -- helpers -------------------------------------------------------------------------------------------

    def _check_keys(self, state: dict[str, Any], expected: set[str]) -> None:
        missing = sorted(expected - set(state))
        unknown = sorted(set(state) - expected)
        if missing or unknown:
            name = type(self).__name__
            raise ValueError(f"{name}.load_state_dict: state must be a dict from {name}.state_dict(), got one with "
                             f"missing entries {missing} and unknown entries {unknown}")

    def _restore_clock(self, state: dict[str, Any]) -> None:
        """Check and restore ``base_lr`` and ``last_epoch`` from a saved state."""
        owner = f"{type(self).__name__}.load_state_dict"
        base_lr = check_param(owner, "state['base_lr']", to_python_scalar(state["base_lr"]), _BASE_LR)
        last_epoch = check_param(owner, "state['last_epoch']", to_python_scalar(state["last_epoch"]), _STEP)
        self.base_lr, self.last_epoch = base_lr, last_epoch


# ---------------------------------------------------------------------------------------------------------
# The schedules
# ---------------------------------------------------------------------------------------------------------


class StepLR(LRSchedule):
    r"""Step decay: multiply the learning rate by :math:`\gamma` every ``step_size`` steps (``torch``'s ``StepLR``).

    .. math::

        \eta_t = \eta_0\, \gamma^{\lfloor t / s \rfloor},

    with :math:`s` = ``step_size``. Dividing the learning rate by 10 at a few fixed points of training is
    the schedule used, for example, to train residual networks :cite:p:`he2016deep`: a large rate makes
    fast progress early, a small one lets the iterates settle where the noise of stochastic gradients
    would otherwise keep them bouncing.

    Parameters
    ----------
    optimizer : lib.optim.Optimizer
        Its ``lr`` (or ``initial_lr``) is :math:`\eta_0`.
    step_size : int
        Period :math:`s \ge 1` of the decay, in calls of :meth:`~LRSchedule.step`.
    gamma : float, default 0.1
        Factor :math:`\gamma \in (0, 1]` (torch's default; ``gamma=1`` keeps the rate constant).

    Examples
    --------
    >>> from lib.optim import SGD
    >>> schedule = StepLR(SGD(lr=1.0), step_size=3, gamma=0.5)
    >>> [schedule.lr_at(t) for t in range(7)]
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]
    """

    parameter_constraints = {"step_size": _PERIOD, "gamma": _DECAY_FACTOR}

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer, step_size=step_size, gamma=gamma)

    def _lr_at(self, t: int) -> float:
        return self.base_lr * self.gamma ** (t // self.step_size)


class ExponentialLR(LRSchedule):
    r"""Exponential decay: multiply the learning rate by :math:`\gamma` every step (``torch``'s ``ExponentialLR``).

    .. math::

        \eta_t = \eta_0\, \gamma^{t}.

    The learning rates sum to :math:`\sum_t \eta_t = \eta_0 / (1 - \gamma)` for :math:`\gamma < 1`, a finite
    total, so with bounded gradients the iterates can only travel a bounded distance: exponential decay
    violates the Robbins-Monro condition :math:`\sum_t \eta_t = \infty` :cite:p:`robbins1951stochastic`
    and can freeze the parameters before they reach a minimum if :math:`\gamma` is too small
    (:cite:t:`bottou2018optimization` discuss step-size sequences for stochastic gradient methods).

    Parameters
    ----------
    optimizer : lib.optim.Optimizer
    gamma : float
        Factor :math:`\gamma \in (0, 1]` per call of :meth:`~LRSchedule.step` (no default, as in torch).

    Examples
    --------
    >>> from lib.optim import SGD
    >>> schedule = ExponentialLR(SGD(lr=1.0), gamma=0.5)
    >>> [schedule.lr_at(t) for t in range(4)]
    [1.0, 0.5, 0.25, 0.125]
    """

    parameter_constraints = {"gamma": _DECAY_FACTOR}

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        super().__init__(optimizer, gamma=gamma)

    def _lr_at(self, t: int) -> float:
        return self.base_lr * self.gamma**t


class CosineAnnealingLR(LRSchedule):
    r"""Cosine annealing from :math:`\eta_0` to :math:`\eta_{\min}` in ``T_max`` steps (torch's ``CosineAnnealingLR``).

    The schedule of :cite:t:`loshchilov2017sgdr` within one cycle (without their warm restarts), in the
    closed form that torch's documentation gives:

    .. math::

        \eta_t = \eta_{\min} + \tfrac12 (\eta_0 - \eta_{\min})
                 \left(1 + \cos\frac{\pi t}{T_{\max}}\right).

    The rate falls slowly at first, fastest at :math:`t = T_{\max}/2`, slowly again near the end, and
    reaches :math:`\eta_{\min}` at :math:`t = T_{\max}`; set ``T_max`` to the number of steps (or epochs)
    of the run. Past ``T_max`` the formula, like torch, keeps following the cosine, which rises again
    (period :math:`2T_{\max}`); SGDR's warm restarts jump back to :math:`\eta_0` instead.

    torch's ``step()`` updates the rate recursively,

    .. math::

        \eta_{t} = \eta_{\min} + (\eta_{t-1} - \eta_{\min})\,
                   \frac{1 + \cos(\pi t/T_{\max})}{1 + \cos(\pi (t-1)/T_{\max})},

    which equals the closed form up to rounding. This class always uses the closed form, arranged as
    :math:`\tfrac12\left(\eta_0 (1 + c_t) + \eta_{\min} (1 - c_t)\right)` with
    :math:`c_t = \cos(\pi t / T_{\max})`, so that the rate is exactly :math:`\eta_0` at :math:`t = 0`
    (as in torch, which starts from the optimizer's rate) and exactly :math:`\eta_{\min}` at
    :math:`t = T_{\max}`.

    Parameters
    ----------
    optimizer : lib.optim.Optimizer
    T_max : int
        Half-period :math:`T_{\max} \ge 1`: the number of calls of :meth:`~LRSchedule.step` to go from
        :math:`\eta_0` to :math:`\eta_{\min}`.
    eta_min : float, default 0
        :math:`0 \le \eta_{\min} \le \eta_0`. With ``eta_min=0`` (torch's default) the rate at
        :math:`t = T_{\max}` is exactly 0, which :mod:`lib.optim`'s optimizers refuse to step with: run
        ``T_max`` steps, or pass ``eta_min > 0``. (torch also accepts :math:`\eta_{\min} > \eta_0`, a
        schedule that rises; that is rejected here as almost certainly a mistake.)

    Examples
    --------
    >>> from lib.optim import SGD
    >>> schedule = CosineAnnealingLR(SGD(lr=1.0), T_max=4, eta_min=0.2)
    >>> [round(schedule.lr_at(t), 4) for t in range(5)]
    [1.0, 0.8828, 0.6, 0.3172, 0.2]
    """

    parameter_constraints = {"T_max": _PERIOD, "eta_min": [Interval(Real, 0, None)]}

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        super().__init__(optimizer, T_max=T_max, eta_min=eta_min)

    def _set_hyperparameters(self, hyperparameters: dict[str, Any]) -> None:
        super()._set_hyperparameters(hyperparameters)
        if self.eta_min > self.base_lr:
            raise ValueError(
                f"CosineAnnealingLR: eta_min must be at most the optimizer's learning rate {self.base_lr:g}, got "
                f"{self.eta_min:g}; a larger eta_min would make the schedule rise instead of anneal"
            )

    def _lr_at(self, t: int) -> float:
        # The closed form rearranged as (eta_0 (1 + c) + eta_min (1 - c)) / 2, which is exact at both ends:
        # eta_0 itself at t = 0 (c = 1), and eta_min itself at t = T_max (c = -1).
        cosine = math.cos(math.pi * t / self.T_max)
        return (self.base_lr * (1 + cosine) + self.eta_min * (1 - cosine)) / 2


class LinearLR(LRSchedule):
    r"""Linear change of the learning-rate factor over ``total_iters`` steps (``torch``'s ``LinearLR``).

    .. math::

        \eta_t = \eta_0 \left(f_s + (f_e - f_s)\,\frac{\min(t, T)}{T}\right),

    with :math:`f_s` = ``start_factor``, :math:`f_e` = ``end_factor`` and :math:`T` = ``total_iters``:
    the factor moves in a straight line from :math:`f_s` at :math:`t = 0` to :math:`f_e` at :math:`t = T`
    and stays there. With :math:`f_s < 1 = f_e` this is the **linear warm-up** of
    :cite:t:`goyal2017accurate`, who start large-batch training at :math:`\eta_0 / k` and raise it
    linearly to :math:`\eta_0` over the first epochs, because a large rate applied to a freshly
    initialized model diverges; :func:`with_linear_warmup` combines it with a decay. With
    :math:`f_s = 1 > f_e` it is a linear decay.

    Parameters
    ----------
    optimizer : lib.optim.Optimizer
    start_factor : float, default 1/3
        :math:`f_s \in (0, 1]`, the factor at :math:`t = 0` (torch's default and range).
    end_factor : float, default 1
        :math:`f_e \in [0, 1]`, the factor from :math:`t = T` on. (A factor of 0 gives a learning rate of
        0, which :mod:`lib.optim`'s optimizers refuse to step with.)
    total_iters : int, default 5
        :math:`T \ge 1`, the number of calls of :meth:`~LRSchedule.step` the change takes.

    Examples
    --------
    >>> from lib.optim import SGD
    >>> schedule = LinearLR(SGD(lr=1.0), start_factor=0.25, total_iters=3)
    >>> [schedule.lr_at(t) for t in range(5)]
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    parameter_constraints = {"start_factor": _DECAY_FACTOR, "end_factor": _FACTOR, "total_iters": _PERIOD}

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5) -> None:
        super().__init__(optimizer, start_factor=start_factor, end_factor=end_factor, total_iters=total_iters)

    def _lr_at(self, t: int) -> float:
        # torch's order of operations, (f_e - f_s) * min(T, t) / T, so that the numbers agree to the last bit.
        return self.base_lr * (
            self.start_factor + (self.end_factor - self.start_factor) * min(self.total_iters, t) / self.total_iters
        )


class ConstantLR(LRSchedule):
    r"""A constant factor for the first ``total_iters`` steps, then the base rate (``torch``'s ``ConstantLR``).

    .. math::

        \eta_t = \begin{cases} f\,\eta_0 & t < T \\ \eta_0 & t \ge T \end{cases}

    with :math:`f` = ``factor`` and :math:`T` = ``total_iters``. With the defaults (torch's) this is a
    *constant warm-up*: a third of the rate for 5 steps, the warm-up that :cite:t:`goyal2017accurate`
    compare with their gradual one. For a learning rate that never changes, pass ``factor=1`` (or
    ``total_iters=0``), or use no schedule at all.

    Parameters
    ----------
    optimizer : lib.optim.Optimizer
    factor : float, default 1/3
        :math:`f \in [0, 1]` (torch's range).
    total_iters : int, default 5
        :math:`T \ge 0`.

    Examples
    --------
    >>> from lib.optim import SGD
    >>> schedule = ConstantLR(SGD(lr=0.3), factor=0.5, total_iters=2)
    >>> [schedule.lr_at(t) for t in range(4)]
    [0.15, 0.15, 0.3, 0.3]
    >>> [ConstantLR(SGD(lr=0.3), factor=1.0).lr_at(t) for t in range(3)]   # a constant schedule
    [0.3, 0.3, 0.3]
    """

    parameter_constraints = {"factor": _FACTOR, "total_iters": _STEP}

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5) -> None:
        super().__init__(optimizer, factor=factor, total_iters=total_iters)

    def _lr_at(self, t: int) -> float:
        if t < self.total_iters:
            return self.base_lr * self.factor
        return self.base_lr


class SequentialLR(LRSchedule):
    r"""Run schedules one after another, switching at the milestones (``torch``'s ``SequentialLR``).

    With schedules :math:`S_0, \ldots, S_k` and milestones :math:`m_1 < \cdots < m_k`,

    .. math::

        \eta_t = S_i.\mathrm{lr\_at}(t - m_i) \quad \text{for } m_i \le t < m_{i+1}
        \qquad (m_0 = 0,\ m_{k+1} = \infty):

    each schedule starts from its own :math:`t = 0` at its milestone, as in torch. All the schedules must
    be attached to ``optimizer``; they are used only through their :meth:`~LRSchedule.lr_at` (do not call
    their :meth:`~LRSchedule.step`), and they all scale the same base rate, the optimizer's
    ``initial_lr``.

    Parameters
    ----------
    optimizer : lib.optim.Optimizer
    schedules : sequence of LRSchedule
        At least one (torch calls the argument ``schedulers``).
    milestones : sequence of int
        ``len(schedules) - 1`` strictly increasing positive integers.

    Examples
    --------
    Two steps of linear warm-up, then cosine annealing over four steps:

    >>> from lib.optim import SGD
    >>> opt = SGD(lr=1.0)
    >>> warmup = LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> cosine = CosineAnnealingLR(opt, T_max=4)
    >>> schedule = SequentialLR(opt, [warmup, cosine], milestones=[2])
    >>> [round(schedule.lr_at(t), 4) for t in range(7)]
    [0.5, 0.75, 1.0, 0.8536, 0.5, 0.1464, 0.0]
    """

    parameter_constraints = {"milestones": [InstanceOf((list, tuple, range, np.ndarray), "a list of integers")]}

    def __init__(self, optimizer: Optimizer, schedules: Sequence[LRSchedule], milestones: Sequence[int]) -> None:
        if isinstance(schedules, LRSchedule):
            raise TypeError("SequentialLR: schedules must be a list of schedules, got a single schedule")
        schedules = list(schedules)
        if not schedules:
            raise ValueError("SequentialLR: schedules must be a list of at least one schedule, got an empty list")
        for index, schedule in enumerate(schedules):
            if not isinstance(schedule, LRSchedule):
                raise TypeError(f"SequentialLR: schedules[{index}] must be a schedule, got {schedule!r}")
            if schedule.optimizer is not optimizer:
                raise ValueError(
                    f"SequentialLR: schedules[{index}] must be attached to the optimizer passed to SequentialLR, "
                    f"got a {type(schedule).__name__} attached to another optimizer"
                )
        self.schedules = schedules
        super().__init__(optimizer, milestones=milestones)

    def _set_hyperparameters(self, hyperparameters: dict[str, Any]) -> None:
        super()._set_hyperparameters(hyperparameters)
        owner = "SequentialLR"
        milestones = [to_python_scalar(milestone) for milestone in self.milestones]
        if len(milestones) != len(self.schedules) - 1:
            raise ValueError(
                f"{owner}: milestones must have one entry fewer than schedules (the steps at which to switch), "
                f"got {len(self.schedules)} schedules and {len(milestones)} milestones"
            )
        for index, milestone in enumerate(milestones):
            check_param(owner, f"milestones[{index}]", milestone, _PERIOD)
            if index > 0 and milestone <= milestones[index - 1]:
                raise ValueError(f"{owner}: milestones must be strictly increasing, got {milestones}")
        self.milestones = tuple(int(milestone) for milestone in milestones)

    def _lr_at(self, t: int) -> float:
        index = bisect_right(self.milestones, t)
        start = 0 if index == 0 else self.milestones[index - 1]
        return self.schedules[index].lr_at(t - start)

    def state_dict(self) -> dict[str, Any]:
        """Return the state: ``base_lr``, ``last_epoch``, ``milestones`` (an int array) and each schedule's
        state under ``"schedules/<i>/<key>"``."""
        state = {
            "base_lr": self.base_lr,
            "last_epoch": self.last_epoch,
            "milestones": np.array(self.milestones, dtype=np.int64),
        }
        for index, schedule in enumerate(self.schedules):
            for key, value in schedule.state_dict().items():
                state[f"schedules/{index}/{key}"] = value
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a state from :meth:`state_dict`, including each schedule's; set ``optimizer.lr``."""
        state = dict(state)
        owner = "SequentialLR.load_state_dict"
        sub_states: list[dict[str, Any]] = [{} for _ in self.schedules]
        expected = {"base_lr", "last_epoch", "milestones"}
        for key, value in state.items():
            if key.startswith("schedules/"):
                index_text, _, sub_key = key[len("schedules/") :].partition("/")
                if not index_text.isdigit() or int(index_text) >= len(self.schedules):
                    raise ValueError(f"{owner}: state must hold entries of {len(self.schedules)} schedules, got "
                                     f"the entry {key!r}")
                sub_states[int(index_text)][sub_key] = value
                expected.add(key)
        self._check_keys(state, expected)
        for schedule, sub_state in zip(self.schedules, sub_states, strict=True):
            schedule.load_state_dict(sub_state)
        self._set_hyperparameters({"milestones": np.asarray(state["milestones"]).ravel()})
        self._restore_clock(state)
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def __repr__(self) -> str:
        inner = ", ".join(repr(schedule) for schedule in self.schedules)
        return f"SequentialLR([{inner}], milestones={list(self.milestones)}, last_epoch={self.last_epoch})"


def with_linear_warmup(schedule: LRSchedule, warmup_iters: int, start_factor: float = 1.0 / 3) -> SequentialLR:
    r"""Prepend a linear warm-up of ``warmup_iters`` steps to ``schedule``.

    Returns ``SequentialLR(opt, [LinearLR(opt, start_factor, 1.0, warmup_iters), schedule],
    milestones=[warmup_iters])`` with ``opt = schedule.optimizer``: the gradual warm-up of
    :cite:t:`goyal2017accurate`,

    .. math::

        \eta_t = \begin{cases}
            \eta_0 \left(f_s + (1 - f_s)\, t / W\right) & t < W \\
            S.\mathrm{lr\_at}(t - W) & t \ge W
        \end{cases}

    with :math:`W` = ``warmup_iters`` and :math:`S` = ``schedule``. The schedule's clock starts at the
    end of the warm-up, so for a run of :math:`N` steps a cosine schedule should have
    ``T_max = N - W``.

    Parameters
    ----------
    schedule : LRSchedule
        The schedule to follow the warm-up, already attached to its optimizer.
    warmup_iters : int
        :math:`W \ge 1`.
    start_factor : float, default 1/3
        :math:`f_s \in (0, 1]`, the fraction of :math:`\eta_0` to start from (Goyal et al. start from
        :math:`1/k` for a batch :math:`k` times larger than the one :math:`\eta_0/k` was tuned for).

    Returns
    -------
    SequentialLR

    Examples
    --------
    >>> from lib.optim import SGD
    >>> opt = SGD(lr=1.0)
    >>> schedule = with_linear_warmup(ExponentialLR(opt, gamma=0.5), warmup_iters=4, start_factor=0.25)
    >>> [schedule.lr_at(t) for t in range(7)]
    [0.25, 0.4375, 0.625, 0.8125, 1.0, 0.5, 0.25]
    """
    constraints = {"schedule": [InstanceOf(LRSchedule, "a schedule such as CosineAnnealingLR(opt, T_max=100)")],
                   "warmup_iters": _PERIOD}
    warmup_iters = check_params("with_linear_warmup", {"schedule": schedule, "warmup_iters": warmup_iters},
                                constraints)["warmup_iters"]
    optimizer = schedule.optimizer
    warmup = LinearLR(optimizer, start_factor=start_factor, end_factor=1.0, total_iters=warmup_iters)
    return SequentialLR(optimizer, [warmup, schedule], milestones=[warmup_iters])
