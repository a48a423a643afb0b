"""Optimizers: update rules that turn a gradient into a step on the parameters.

Every optimizer here mirrors the ``torch.optim`` class of the same name :cite:p:`paszke2019pytorch`, with
the same argument names, defaults and update equations, but works on NumPy arrays and in a functional style:

>>> import numpy as np
>>> opt = SGD(lr=0.1, momentum=0.9)
>>> theta = np.array([1.0, -2.0])
>>> theta = opt.step(theta, grad=2 * theta)      # one step on J(theta) = ||theta||^2
>>> theta
array([ 0.8, -1.6])

Each update rule (``_update``) is written as its chapter writes the equations, in the same symbols
(:math:`m_t`, :math:`v_t`, :math:`\\hat m_t`, ...). torch arranges some of the arithmetic differently
(a ``lerp`` for a running average, the bias corrections folded into a step size), so the two agree to
rounding rather than bit for bit: ``tests/test_optim_torch.py`` replays trajectories recorded from
``torch.optim`` and requires agreement to a relative 1e-10; over 30 steps the worst relative
difference is about 1e-13.

``step`` returns new parameters and never modifies the arrays it is given. The parameters are either one
array or a dict of arrays (for example ``{"w": w, "b": b}``), and the gradient has exactly the same
structure. The optimizer keeps its own state: the number of steps taken, ``step_count``, and per parameter
the buffers of its equations, created at the first step (as optax's ``init``) and read as
``opt.state[name][symbol]``, for example ``opt.state["theta"]["m"]`` for Adam's :math:`m_t` of a bare-array
parameter. :meth:`~lib.optim_state.StateDictMixin.state_dict` exports the whole state as plain arrays for a
checkpoint and :meth:`~lib.optim_state.StateDictMixin.load_state_dict` restores it (see
:mod:`lib.optim_state`), so that a run interrupted and resumed gives the same numbers, bit for bit, as a run
never interrupted.

The learning rate ``lr`` is a public attribute: a learning-rate schedule changes it between steps.

The optimizers:

* :class:`SGD`: gradient descent, with heavy-ball or Nesterov momentum;
* :class:`Adagrad`: per-coordinate step sizes from the sum of all squared gradients;
* :class:`RMSprop`: per-coordinate step sizes from a running average of squared gradients;
* :class:`Adam`: running averages of the gradient and of its square, bias-corrected (and AMSGrad);
* :class:`AdamW`: Adam with decoupled weight decay.

Element-wise operations are written out in the docstrings: :math:`\\odot` is the element-wise product,
a fraction of two vectors and :math:`\\sqrt{\\cdot}` of a vector act coordinate by coordinate.

A note on performance. A mini-batch epoch calls ``step`` thousands of times on small arrays, so the
fixed cost of a call matters as much as its arithmetic. ``step`` therefore checks at each call only
what can have changed since the previous one (the gradient's structure and finiteness, and ``lr``, which
a schedule may set), and the update rules are whole-array expressions that store new arrays in the
state. Updating the state arrays in place instead (``m *= beta1`` ...) is no faster for arrays of tens
of entries, about three times slower per operation for single-entry arrays such as an intercept
(NumPy takes a slower path when an operation's output is also one of its inputs and holds one
element), and faster only for parameter arrays of about 100,000 entries or more.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from numbers import Real
from typing import Any, ClassVar, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

from lib.checks import (
    Boolean,
    Constraint,
    Interval,
    InvalidParameterError,
    Pair,
    as_float_array,
    check_finite,
    check_param,
    check_params,
)
from lib.optim_state import StateDictMixin

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adam",
    "AdamW",
    "NonFiniteGradientError",
    "DivergenceError",
    "Params",
    "ParamsLike",
    "Buffers",
]

#: Parameters (and gradients) as ``step`` returns them: one float64 array, or a dict of them by name.
Params: TypeAlias = np.ndarray | dict[str, np.ndarray]
#: What ``step`` accepts: anything NumPy reads as an array of real numbers, or a dict of such by name.
ParamsLike: TypeAlias = ArrayLike | dict[str, ArrayLike]
#: One parameter's buffers, by the symbol of the equations: ``{"m": m_t, "v": v_t}`` for Adam.
Buffers: TypeAlias = dict[str, np.ndarray]

#: The name under which the state of a bare-array parameter is kept: ``opt.state["theta"]``.
ARRAY_KEY = "theta"

# The declared constraints that the optimizers' hyperparameters share.
_LEARNING_RATE = [Interval(Real, 0, None, closed="neither",
                           hint="lr is the learning rate; typical values are 1e-3 to 1e-1 for standardized features")]
_NON_NEGATIVE = [Interval(Real, 0, None)]
_POSITIVE = [Interval(Real, 0, None, closed="neither")]
_DECAY_RATE = [Interval(Real, 0, 1, closed="left")]
_FLAG = [Boolean()]


class NonFiniteGradientError(ValueError):
    """A gradient passed to :meth:`Optimizer.step` contains NaN or infinity.

    It is a :class:`ValueError`, raised before any state changes, so the optimizer can still be used. A
    training loop may catch it to add what it knows (the epoch, the loss) to the message.
    """


class DivergenceError(RuntimeError):
    """Training diverged: the loss became NaN or infinite, or grew far above its starting value.

    Raised by training loops (for example ``fit`` of :mod:`lib.models`' estimators) rather than by the
    optimizers, which only see gradients. The message names the epoch, the loss, and what to try: a lower
    learning rate (with the stability bound :math:`\\eta < 2/L` where the loop can compute it) and
    standardized features. It is a :class:`RuntimeError` because nothing is wrong with the inputs' types
    or shapes: the run itself failed.
    """


class Optimizer(StateDictMixin, ABC):
    """Base class of the book's optimizers: the shared ``step``.

    A subclass declares its hyperparameters and what each may be in ``parameter_constraints`` (``"lr"``
    first), and implements two methods: ``_init_state(theta)``, the buffers one parameter starts with,
    and ``_update(theta, g, state, t)``, its update equations, which return the new value of one parameter
    array and store the new buffers in ``state``. The base class does the rest, identically for every
    optimizer:

    * it checks the hyperparameters against ``parameter_constraints`` and stores them as attributes;
    * it accepts one array or a dict of arrays, checks that the gradient has exactly the same keys and
      shapes (never broadcasting an ``(n,)`` against an ``(n, 1)``) and contains no NaN or infinity, and
      only then touches any state, so a rejected step changes nothing;
    * at the first step it remembers the structure (keys and shapes) of the parameters and creates their
      buffers; it rejects a later step with another structure (call :meth:`reset` to start over with new
      parameters);
    * it counts steps: ``step_count`` is the number of completed steps, and step number
      :math:`t = ` ``step_count + 1`` is the one being taken;
    * it exports and restores its complete state as plain arrays (:class:`lib.optim_state.StateDictMixin`).

    Parameters
    ----------
    **hyperparameters
        The subclass's hyperparameters, ``lr`` (the learning rate :math:`\\eta > 0`) among them.

    Attributes
    ----------
    lr : float
        The learning rate, public: a schedule may change it between steps.
    step_count : int
        Number of steps taken so far.
    state : dict of str to dict of str to ndarray
        The buffers, per parameter (``"theta"`` for a bare array, else the keys of the parameters' dict),
        by the symbols of the optimizer's equations: ``opt.state["theta"]["m"]`` is Adam's :math:`m_t`
        after step :math:`t` = ``step_count``. Empty before the first step. This is the way to read the
        buffers; ``state_dict()`` flattens the same arrays for saving.
    """

    #: Each hyperparameter's allowed values, checked by the constructor (and by ``step`` for ``lr``).
    parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {"lr": _LEARNING_RATE}

    def __init__(self, **hyperparameters: Any) -> None:
        for name, value in check_params(type(self).__name__, hyperparameters, self.parameter_constraints).items():
            setattr(self, name, value)
        self.reset()

    # -- the public interface ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget all state: the step count, the per-parameter buffers and the parameter structure."""
        self.step_count = 0
        self.state: dict[str, Buffers] = {}
        self._shapes: dict[str, tuple[int, ...]] | None = None
        self._takes_dict: bool | None = None

    def step(self, theta: ParamsLike, grad: ParamsLike) -> Params:
        """Take one optimization step and return the new parameters.

        Parameters
        ----------
        theta : ndarray or dict of str to ndarray
            Current parameters :math:`\\theta_{t-1}`. Not modified.
        grad : ndarray or dict of str to ndarray
            Gradient :math:`g_t = \\nabla J(\\theta_{t-1})` (or a stochastic estimate of it), with exactly
            the structure of ``theta``: the same shape, or the same keys with the same shapes. Not modified.

        Returns
        -------
        ndarray or dict of str to ndarray
            New parameters :math:`\\theta_t`, new float64 arrays with the structure of ``theta``.

        Raises
        ------
        TypeError
            If one of ``theta`` and ``grad`` is a dict and the other is not, or they are not real numbers.
        ValueError
            If keys or shapes differ (between ``theta`` and ``grad``, or from the earlier steps), or if
            ``lr`` has been set to a non-positive or non-finite value.
        NonFiniteGradientError
            A ``ValueError`` subclass, if the gradient contains NaN or infinity.
        """
        # Of the hyperparameters only lr is meant to change between steps (a schedule sets it). A positive
        # finite float passes at the cost of one comparison; anything else gets the declared check.
        if type(self.lr) is not float or not 0.0 < self.lr < math.inf:
            self.lr = check_param(type(self).__name__, "lr", self.lr, _LEARNING_RATE)
        t = self.step_count + 1
        takes_dict = isinstance(theta, dict) or isinstance(grad, dict)
        if not takes_dict:  # a bare array is the parameter named "theta"
            theta, grad = {ARRAY_KEY: theta}, {ARRAY_KEY: grad}
        params, grads = self._checked(theta, grad, t, takes_dict)
        if self._shapes is None:
            self._first_step(params, takes_dict)
        new_params = {}
        for key, param in params.items():
            new_params[key] = np.asarray(self._update(param, grads[key], self.state[key], t))
        self.step_count = t
        return new_params if takes_dict else new_params[ARRAY_KEY]

    def hyperparameters(self) -> dict[str, Any]:
        """Return the hyperparameters as a dict ``{name: value}`` (Python scalars, or a tuple for ``betas``)."""
        return {name: getattr(self, name) for name in self.parameter_constraints}

    def __repr__(self) -> str:
        arguments = ", ".join(f"{name}={value!r}" for name, value in self.hyperparameters().items())
        return f"{type(self).__name__}({arguments})"

    # -- what a subclass implements ------------------------------------------------------------------------

    @abstractmethod
    def _init_state(self, theta: np.ndarray) -> Buffers:
        """The buffers of one parameter before its first update (zeros, mostly), by their symbols."""

    @abstractmethod
    def _update(self, theta: np.ndarray, g: np.ndarray, state: Buffers, t: int) -> np.ndarray:
        """Return the new value of one parameter array; store its new buffers in ``state``.

        ``theta`` and ``g`` are float64 arrays of the same shape that belong to the caller: never modify
        them, and never store them in ``state`` without copying. ``t`` is the step number, counted from 1.
        The buffers in ``state`` belong to the optimizer; the updates here store new arrays in it rather
        than updating the old ones in place (see the module's note on performance).
        """

    # -- helpers -------------------------------------------------------------------------------------------

    def _checked(self, theta: Any, grad: Any, t: int,
                 takes_dict: bool) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The parameters and gradients, dicts with the same keys, as float64 arrays of the same shapes.

        Checks that the gradient is finite, and that the parameters have the structure of the earlier
        steps (if any); changes nothing.
        """
        owner = f"{type(self).__name__}.step"
        if takes_dict:
            self._check_keys(owner, theta, grad)
        elif self._takes_dict:
            raise self._structure_error(theta, takes_dict)
        shapes = self._shapes
        params, grads = {}, {}
        for key in theta:
            entry = key if takes_dict else None  # errors name grad['w'], or grad for a bare array
            param = params[key] = as_float_array(owner, "theta", theta[key], entry)
            gradient = grads[key] = as_float_array(owner, "grad", grad[key], entry)
            if gradient.shape != param.shape:
                raise ValueError(self._shape_message(owner, entry, param.shape, gradient.shape))
            if shapes is not None and param.shape != shapes[key]:
                raise self._structure_error(theta, takes_dict)
            try:
                check_finite(owner, "grad", gradient, key=entry)
            except ValueError as error:
                raise NonFiniteGradientError(
                    f"{error}; at step {t} (lr={self.lr:g}) the iteration has probably diverged or the data "
                    "contain extreme values: try a lower learning rate, and standardize the features"
                ) from None
        return params, grads

    def _check_keys(self, owner: str, theta: Any, grad: Any) -> None:
        """Check that parameters and gradients are dicts with the same keys, those of the earlier steps."""
        if not (isinstance(theta, dict) and isinstance(grad, dict)):
            raise TypeError(f"{owner}: theta and grad must both be arrays or both be dicts of arrays, got "
                            f"theta: {type(theta).__name__}, grad: {type(grad).__name__}")
        if not theta:
            raise ValueError(f"{owner}: theta must be a dict of parameters, got an empty dict (nothing to optimize)")
        if theta.keys() != grad.keys():
            raise ValueError(f"{owner}: grad must have the keys of theta {sorted(theta)}, got {sorted(grad)}")
        if self._shapes is not None and (not self._takes_dict or theta.keys() != self._shapes.keys()):
            raise self._structure_error(theta, True)

    @staticmethod
    def _shape_message(owner: str, entry: str | None, shape: tuple[int, ...], grad_shape: tuple[int, ...]) -> str:
        theta_name, grad_name = ("theta", "grad") if entry is None else (f"theta[{entry!r}]", f"grad[{entry!r}]")
        return (f"{owner}: {grad_name} must have the shape of {theta_name}, {shape}, got shape {grad_shape}; "
                "an (n,) array and an (n, 1) array would broadcast to (n, n)")

    def _first_step(self, params: dict[str, np.ndarray], takes_dict: bool) -> None:
        """Remember the parameters' structure and create their buffers."""
        for key in params:
            if not isinstance(key, str) or "/" in key:
                raise ValueError(f"{type(self).__name__}.step: the names of the parameters must be strings "
                                 f"without '/', got {key!r}")
        self._shapes = {key: param.shape for key, param in params.items()}
        self._takes_dict = takes_dict
        self.state = {key: self._init_state(param) for key, param in params.items()}

    def _structure_error(self, theta: dict[str, ArrayLike], takes_dict: bool) -> ValueError:
        """The error for parameters whose keys or shapes differ from those of the earlier steps."""
        earlier = self._describe(self._shapes, self._takes_dict)
        now = self._describe({key: np.shape(value) for key, value in theta.items()}, takes_dict)
        return ValueError(f"{type(self).__name__}.step: theta must have the structure of the earlier steps, "
                          f"{earlier}, got {now}; use one optimizer per set of parameters, or call reset() first")

    @staticmethod
    def _describe(shapes: dict[str, tuple[int, ...]], takes_dict: bool) -> str:
        if not takes_dict:
            return f"an array of shape {shapes[ARRAY_KEY]}"
        return "a dict {" + ", ".join(f"{key!r}: {shape}" for key, shape in shapes.items()) + "}"


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (heavy ball or Nesterov), as ``torch.optim.SGD``.

    Gradient descent goes back to Cauchy; with a stochastic gradient (the gradient of the loss on one
    sample or a mini-batch) it is the stochastic approximation of :cite:t:`robbins1951stochastic`.
    Momentum is Polyak's heavy ball :cite:p:`polyak1964some`, and ``nesterov=True`` is the form of
    Nesterov's accelerated gradient written by :cite:t:`sutskever2013importance`, both in the variant
    ``torch.optim.SGD`` implements (the learning rate multiplies the buffer instead of being inside it).

    At step :math:`t = 1, 2, \ldots`, with gradient :math:`g_t = \nabla J(\theta_{t-1})`, learning rate
    :math:`\eta`, weight decay :math:`\lambda`, momentum :math:`\beta` and dampening :math:`\tau` (torch
    writes :math:`\mu` for the momentum; the book keeps :math:`\mu` for strong convexity):

    .. math::

        g_t &\leftarrow -g_t \quad \text{if maximize} \\
        g_t &\leftarrow g_t + \lambda\,\theta_{t-1} \\
        b_t &= \begin{cases} g_t & t = 1 \\ \beta\, b_{t-1} + (1 - \tau)\, g_t & t > 1 \end{cases}
              \qquad (\text{only if } \beta \neq 0) \\
        g_t &\leftarrow \begin{cases} g_t + \beta\, b_t & \text{nesterov} \\ b_t & \text{otherwise}
              \end{cases} \qquad (\text{only if } \beta \neq 0) \\
        \theta_t &= \theta_{t-1} - \eta\, g_t .

    With ``momentum=0`` this is plain gradient descent, :math:`\theta_t = \theta_{t-1} - \eta g_t`; fed the
    full-batch gradient it is full-batch gradient descent. As in torch's code, the sign flip of
    ``maximize`` comes first, so weight decay still pulls the parameters towards zero when maximizing.
    (torch's documentation shows the flip as a ``+`` in the last line instead, which differs when
    ``weight_decay`` is not zero; the code, which this class follows, is what produces torch's numbers.)

    Weight decay here adds :math:`\lambda\theta` to the gradient, which is the gradient of the L2 penalty
    :math:`\tfrac{\lambda}{2}\lVert\theta\rVert^2` added to :math:`J` (coupled weight decay).

    Parameters
    ----------
    lr : float
        Learning rate :math:`\eta > 0` (finite). Public attribute ``lr``, which a schedule may change.
        For a quadratic with largest Hessian eigenvalue :math:`L`, plain gradient descent is stable only
        for :math:`\eta < 2/L`.
    momentum : float, default 0
        Momentum factor :math:`\beta \ge 0` (usually 0.9). 0 means no momentum buffer.
    dampening : float, default 0
        Dampening :math:`\tau \ge 0` of the gradient added to the buffer (torch's name and definition;
        ``dampening=momentum`` gives an exponential moving average after the first step).
    nesterov : bool, default False
        Use the Nesterov form; requires ``momentum > 0`` and ``dampening == 0`` (as torch).
    weight_decay : float, default 0
        :math:`\lambda \ge 0`, coupled (L2) weight decay.
    maximize : bool, default False
        Maximize :math:`J` instead of minimizing it (the gradient's sign is flipped first).

    Attributes
    ----------
    lr, momentum, dampening, nesterov, weight_decay, maximize
        The hyperparameters (``lr`` may be changed between steps).
    step_count : int
        Number of steps taken so far.
    state : dict
        Per parameter (``"theta"`` for a bare array), ``{"b": b_t}`` if ``momentum != 0``, else ``{}``:
        ``opt.state["theta"]["b"]`` is the momentum buffer :math:`b_t` after step :math:`t` = ``step_count``.

    Examples
    --------
    Two steps of heavy-ball momentum on :math:`J(\theta) = \theta^2` from :math:`\theta_0 = 1`:

    >>> opt = SGD(lr=0.1, momentum=0.5)
    >>> theta = np.array(1.0)
    >>> theta = opt.step(theta, 2 * theta)   # b_1 = g_1 = 2,             theta_1 = 1 - 0.1 * 2 = 0.8
    >>> theta = opt.step(theta, 2 * theta)   # b_2 = 0.5 * 2 + 1.6 = 2.6, theta_2 = 0.8 - 0.26 = 0.54
    >>> round(float(theta), 12)
    0.54
    """

    parameter_constraints = {"lr": _LEARNING_RATE, "momentum": _NON_NEGATIVE, "dampening": _NON_NEGATIVE,
                             "nesterov": _FLAG, "weight_decay": _NON_NEGATIVE, "maximize": _FLAG}

    def __init__(self, lr: float, momentum: float = 0, dampening: float = 0, nesterov: bool = False,
                 weight_decay: float = 0, maximize: bool = False) -> None:
        super().__init__(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                         weight_decay=weight_decay, maximize=maximize)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise InvalidParameterError(
                "SGD: nesterov=True requires momentum > 0 and dampening == 0 (as torch.optim.SGD), got "
                f"momentum={self.momentum}, dampening={self.dampening}"
            )

    def _init_state(self, theta: np.ndarray) -> Buffers:
        return {"b": np.zeros(theta.shape)} if self.momentum != 0 else {}

    def _update(self, theta: np.ndarray, g: np.ndarray, state: Buffers, t: int) -> np.ndarray:
        beta, tau, lam = self.momentum, self.dampening, self.weight_decay
        if self.maximize:
            g = -g
        if lam != 0:
            g = g + lam * theta
        if beta != 0:
            if t == 1:
                b = g.copy()  # b_1 = g_1, undamped; a copy, as g may be the caller's array
            else:
                b = beta * state["b"] + (1 - tau) * g
            state["b"] = b
            g = g + beta * b if self.nesterov else b
        return theta - self.lr * g


class Adagrad(Optimizer):
    r"""AdaGrad: a step size per coordinate, shrinking with the sum of that coordinate's squared gradients.

    The diagonal form of the adaptive subgradient method of :cite:t:`duchi2011adaptive`, as
    ``torch.optim.Adagrad`` implements it (dense gradients). A coordinate that has seen large gradients
    takes small steps; a rarely active one keeps large steps.

    At step :math:`t = 1, 2, \ldots`, with gradient :math:`g_t = \nabla J(\theta_{t-1})`, learning rate
    :math:`\eta`, learning-rate decay :math:`\gamma`, weight decay :math:`\lambda` and
    :math:`G_0 = G_{\text{init}}` (``initial_accumulator_value``, the same in every coordinate):

    .. math::

        g_t &\leftarrow -g_t \quad \text{if maximize} \\
        g_t &\leftarrow g_t + \lambda\,\theta_{t-1} \\
        \eta_t &= \frac{\eta}{1 + (t - 1)\,\gamma} \\
        G_t &= G_{t-1} + g_t \odot g_t \\
        \theta_t &= \theta_{t-1} - \eta_t\, \frac{g_t}{\sqrt{G_t} + \epsilon} ,

    where the square root and the fraction act on each coordinate. :math:`G_t` is the diagonal of
    Duchi et al.'s matrix of summed gradient outer products; its coordinate :math:`j` is
    :math:`G_{\text{init}} + \sum_{s \le t} g_{s,j}^2`. For a constant gradient :math:`g` (and
    :math:`G_{\text{init}} = 0`, :math:`\gamma = 0`) the step in coordinate :math:`j` is
    :math:`\eta\, g_j / (\sqrt{t}\,|g_j| + \epsilon) \approx \eta\,\operatorname{sign}(g_j)/\sqrt{t}`: it
    decays like :math:`1/\sqrt{t}` whether or not the iterate is near a minimum. As in torch,
    :math:`\epsilon` is added to :math:`\sqrt{G_t}` (outside the square root).

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate :math:`\eta > 0` (finite). Public attribute ``lr``, which a schedule may change.
    lr_decay : float, default 0
        :math:`\gamma \ge 0`, the built-in decay :math:`\eta_t = \eta / (1 + (t - 1)\gamma)`.
    weight_decay : float, default 0
        :math:`\lambda \ge 0`, coupled (L2) weight decay: :math:`\lambda\theta` is added to the gradient.
    initial_accumulator_value : float, default 0
        :math:`G_{\text{init}} \ge 0`, the starting value of the sum of squares in every coordinate.
    eps : float, default 1e-10
        :math:`\epsilon > 0`, added to the denominator so that it is never zero.
    maximize : bool, default False
        Maximize :math:`J` instead of minimizing it (the gradient's sign is flipped first).

    Attributes
    ----------
    lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize
        The hyperparameters (``lr`` may be changed between steps).
    step_count : int
        Number of steps taken so far.
    state : dict
        Per parameter (``"theta"`` for a bare array), ``{"G": G_t}``: ``opt.state["theta"]["G"]`` is the sum
        of squared gradients :math:`G_t` after step :math:`t` = ``step_count`` (torch calls it ``"sum"``).

    Examples
    --------
    With a constant gradient the steps shrink like :math:`1/\sqrt{t}`: 0.1, 0.1/sqrt(2), 0.1/sqrt(3).

    >>> opt = Adagrad(lr=0.1)
    >>> theta = np.array(0.0)
    >>> steps = []
    >>> for t in range(3):
    ...     new_theta = opt.step(theta, np.array(2.0))
    ...     steps.append(round(float(theta - new_theta), 6))
    ...     theta = new_theta
    >>> steps
    [0.1, 0.070711, 0.057735]
    """

    parameter_constraints = {"lr": _LEARNING_RATE, "lr_decay": _NON_NEGATIVE, "weight_decay": _NON_NEGATIVE,
                             "initial_accumulator_value": _NON_NEGATIVE, "eps": _POSITIVE, "maximize": _FLAG}

    def __init__(self, lr: float = 0.01, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, maximize: bool = False) -> None:
        super().__init__(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)

    def _init_state(self, theta: np.ndarray) -> Buffers:
        return {"G": np.full(theta.shape, self.initial_accumulator_value)}

    def _update(self, theta: np.ndarray, g: np.ndarray, state: Buffers, t: int) -> np.ndarray:
        gamma, lam, eps = self.lr_decay, self.weight_decay, self.eps
        if self.maximize:
            g = -g
        if lam != 0:
            g = g + lam * theta
        eta_t = self.lr / (1 + (t - 1) * gamma)
        G = state["G"] = state["G"] + g * g
        return theta - eta_t * g / (np.sqrt(G) + eps)


class RMSprop(Optimizer):
    r"""RMSProp: divide the gradient by a running root mean square of recent gradients (optionally centered).

    RMSProp is from :cite:t:`tieleman2012rmsprop`; the centered variant, which divides by a running
    estimate of the gradient's standard deviation instead, is from :cite:t:`graves2013generating`. This
    class is ``torch.optim.RMSprop``, including its optional momentum.

    At step :math:`t = 1, 2, \ldots`, with gradient :math:`g_t = \nabla J(\theta_{t-1})`, learning rate
    :math:`\eta`, smoothing constant :math:`\alpha` (the argument ``alpha``, torch's name; the book's learning rate
    is :math:`\eta`), weight decay :math:`\lambda`, momentum :math:`\beta`, and
    :math:`v_0 = \bar g_0 = b_0 = 0`:

    .. math::

        g_t &\leftarrow -g_t \quad \text{if maximize} \\
        g_t &\leftarrow g_t + \lambda\,\theta_{t-1} \\
        v_t &= \alpha\, v_{t-1} + (1 - \alpha)\, g_t \odot g_t \\
        \bar g_t &= \alpha\, \bar g_{t-1} + (1 - \alpha)\, g_t \qquad (\text{only if centered}) \\
        d_t &= \begin{cases} \sqrt{v_t - \bar g_t \odot \bar g_t} + \epsilon & \text{centered} \\
                             \sqrt{v_t} + \epsilon & \text{otherwise} \end{cases} \\
        b_t &= \beta\, b_{t-1} + \frac{g_t}{d_t} \qquad (\text{only if } \beta > 0) \\
        \theta_t &= \begin{cases} \theta_{t-1} - \eta\, b_t & \beta > 0 \\
                                  \theta_{t-1} - \eta\, \dfrac{g_t}{d_t} & \text{otherwise,} \end{cases}

    where the square roots and fractions act on each coordinate. There is no bias correction: the first
    steps, where :math:`v_t` is still close to its starting value 0, are larger than later ones
    (:math:`v_1 = (1 - \alpha) g_1 \odot g_1`, so the first step is about :math:`\eta / \sqrt{1 - \alpha}`
    per coordinate, 10 :math:`\eta` for :math:`\alpha = 0.99`). As in torch, :math:`\epsilon` is added
    outside the square root; torch computes :math:`\bar g_t` as
    :math:`\bar g_{t-1} + (1 - \alpha)(g_t - \bar g_{t-1})` (a ``lerp``), which equals the line above up to
    rounding.

    In the centered form, :math:`v_t - \bar g_t \odot \bar g_t` is a difference of two nearly equal
    numbers when the gradient hardly varies (near a minimum with exact gradients), so it loses most of its
    significant digits there: two implementations that round differently drift apart, though each is
    correct to its own rounding. With an exactly constant gradient the difference tends to 0, the steps
    grow towards :math:`\eta\, |g| / \epsilon`, and rounding can even make it negative, so that the square root
    is NaN (in torch as here); the centered form is meant for noisy gradients.

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate :math:`\eta > 0` (finite). Public attribute ``lr``, which a schedule may change.
    alpha : float, default 0.99
        Smoothing constant :math:`\alpha \in [0, 1)` of the running averages.
    eps : float, default 1e-8
        :math:`\epsilon > 0`, added to the denominator so that it is never zero.
    weight_decay : float, default 0
        :math:`\lambda \ge 0`, coupled (L2) weight decay: :math:`\lambda\theta` is added to the gradient.
    momentum : float, default 0
        Momentum factor :math:`\beta \ge 0` applied to the normalized step; 0 means no momentum buffer.
    centered : bool, default False
        Divide by the running standard deviation instead of the running root mean square.
    maximize : bool, default False
        Maximize :math:`J` instead of minimizing it (the gradient's sign is flipped first).

    Attributes
    ----------
    lr, alpha, eps, weight_decay, momentum, centered, maximize
        The hyperparameters (``lr`` may be changed between steps).
    step_count : int
        Number of steps taken so far.
    state : dict
        Per parameter (``"theta"`` for a bare array), ``{"v": v_t}``, plus ``"g_bar"`` (:math:`\bar g_t`)
        if centered and ``"b"`` (:math:`b_t`) if ``momentum > 0``: ``opt.state["theta"]["v"]`` is
        :math:`v_t` after step :math:`t` = ``step_count`` (torch calls them ``"square_avg"``,
        ``"grad_avg"`` and ``"momentum_buffer"``).

    Examples
    --------
    The first step is :math:`\eta / \sqrt{1 - \alpha}` per coordinate, whatever the gradient's scale:

    >>> opt = RMSprop(lr=0.01, alpha=0.99)
    >>> theta = opt.step(np.zeros(2), np.array([0.5, -50.0]))
    >>> np.round(theta, 6)
    array([-0.1,  0.1])
    """

    parameter_constraints = {"lr": _LEARNING_RATE, "alpha": _DECAY_RATE, "eps": _POSITIVE,
                             "weight_decay": _NON_NEGATIVE, "momentum": _NON_NEGATIVE, "centered": _FLAG,
                             "maximize": _FLAG}

    def __init__(self, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, maximize: bool = False) -> None:
        super().__init__(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                         centered=centered, maximize=maximize)

    def _init_state(self, theta: np.ndarray) -> Buffers:
        state = {"v": np.zeros(theta.shape)}
        if self.centered:
            state["g_bar"] = np.zeros(theta.shape)
        if self.momentum > 0:
            state["b"] = np.zeros(theta.shape)
        return state

    def _update(self, theta: np.ndarray, g: np.ndarray, state: Buffers, t: int) -> np.ndarray:
        alpha, beta, lam, eps = self.alpha, self.momentum, self.weight_decay, self.eps
        if self.maximize:
            g = -g
        if lam != 0:
            g = g + lam * theta
        v = state["v"] = alpha * state["v"] + (1 - alpha) * g * g
        if self.centered:
            g_bar = state["g_bar"] = alpha * state["g_bar"] + (1 - alpha) * g
            d = np.sqrt(v - g_bar * g_bar) + eps
        else:
            d = np.sqrt(v) + eps
        if beta > 0:
            b = state["b"] = beta * state["b"] + g / d
            return theta - self.lr * b
        return theta - self.lr * g / d


class Adam(Optimizer):
    r"""Adam: steps from bias-corrected running averages of the gradient and of its square (and AMSGrad).

    Adam is from :cite:t:`kingma2015adam` (their Algorithm 1); ``amsgrad=True`` is the AMSGrad variant of
    :cite:t:`reddi2018convergence`, in the form ``torch.optim.Adam`` implements (the running maximum of
    :math:`v_t`, then bias-corrected). This class is ``torch.optim.Adam``; :class:`AdamW` is the same with
    decoupled weight decay.

    At step :math:`t = 1, 2, \ldots`, with gradient :math:`g_t = \nabla J(\theta_{t-1})`, learning rate
    :math:`\eta`, decay rates :math:`\beta_1, \beta_2`, weight decay :math:`\lambda`, and
    :math:`m_0 = v_0 = v^{\max}_0 = 0`:

    .. math::

        g_t &\leftarrow -g_t \quad \text{if maximize} \\
        g_t &\leftarrow g_t + \lambda\,\theta_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t \odot g_t \\
        v^{\max}_t &= \max(v^{\max}_{t-1}, v_t) \quad (\text{element-wise; only if amsgrad}) \\
        \hat m_t &= \frac{m_t}{1 - \beta_1^t}, \qquad
        \hat v_t = \frac{v_t}{1 - \beta_2^t} \quad \Big(\text{or } \frac{v^{\max}_t}{1 - \beta_2^t}
            \text{ if amsgrad}\Big) \\
        \theta_t &= \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} ,

    where the square root and the fraction act on each coordinate. The averages start at 0, so without
    the **bias correction** (the division by :math:`1 - \beta^t`) they would be too small in the first
    steps; with it, the first step is :math:`\eta\, g_1 / (|g_1| + \epsilon)`, that is :math:`\eta` per
    coordinate whatever the gradient's scale. (The source's Adam has no bias correction.) Weight decay here
    is coupled: the L2 gradient :math:`\lambda\theta` passes through the adaptive scaling.

    Each line is computed as written. torch arranges the same arithmetic differently (:math:`m_t` as
    :math:`m_{t-1} + (1 - \beta_1)(g_t - m_{t-1})`, a ``lerp``; the denominator as
    :math:`\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon`; the step as
    :math:`\frac{\eta}{1 - \beta_1^t} m_t / \text{denominator}`), so the two agree up to rounding. Both put
    :math:`\epsilon` where Algorithm 1 of Kingma and Ba puts it (added to :math:`\sqrt{\hat v_t}`), not
    where their "more efficient" reordering does.

    Parameters
    ----------
    lr : float, default 0.001
        Learning rate :math:`\eta > 0` (finite). Public attribute ``lr``, which a schedule may change.
    betas : tuple of two floats, default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)`: decay rates of the two running averages.
    eps : float, default 1e-8
        :math:`\epsilon > 0`, added to the denominator so that it is never zero.
    weight_decay : float, default 0
        :math:`\lambda \ge 0`, coupled (L2) weight decay: :math:`\lambda\theta` is added to the gradient.
    amsgrad : bool, default False
        Divide by the running maximum of :math:`v_t` (AMSGrad), so that the effective step size never grows.
    maximize : bool, default False
        Maximize :math:`J` instead of minimizing it (the gradient's sign is flipped first).

    Attributes
    ----------
    lr, betas, eps, weight_decay, amsgrad, maximize
        The hyperparameters (``lr`` may be changed between steps).
    step_count : int
        Number of steps taken so far; :math:`t` of the next step is ``step_count + 1``.
    state : dict
        Per parameter (``"theta"`` for a bare array), ``{"m": m_t, "v": v_t}``, plus ``"v_max"``
        (:math:`v^{\max}_t`) if amsgrad: ``opt.state["theta"]["m"]`` is :math:`m_t` after step
        :math:`t` = ``step_count`` (torch calls them ``"exp_avg"``, ``"exp_avg_sq"`` and
        ``"max_exp_avg_sq"``).

    Examples
    --------
    Thanks to the bias correction, the first step has size :math:`\eta` in every coordinate, for
    gradients of any scale:

    >>> opt = Adam(lr=0.1)
    >>> theta = opt.step(np.zeros(3), np.array([1e-2, 1.0, -1e4]))
    >>> np.round(theta, 6)
    array([-0.1, -0.1,  0.1])
    """

    parameter_constraints = {
        "lr": _LEARNING_RATE,
        "betas": [Pair(_DECAY_RATE[0], hint="betas is (beta1, beta2), the decay rates of m and v")],
        "eps": _POSITIVE,
        "weight_decay": _NON_NEGATIVE,
        "amsgrad": _FLAG,
        "maximize": _FLAG,
    }
    #: Whether weight decay is decoupled from the gradient (AdamW) or added to it (Adam).
    decoupled_weight_decay: ClassVar[bool] = False

    def __init__(self, lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, maximize: bool = False) -> None:
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)

    def _init_state(self, theta: np.ndarray) -> Buffers:
        state = {"m": np.zeros(theta.shape), "v": np.zeros(theta.shape)}
        if self.amsgrad:
            state["v_max"] = np.zeros(theta.shape)
        return state

    def _update(self, theta: np.ndarray, g: np.ndarray, state: Buffers, t: int) -> np.ndarray:
        beta1, beta2 = self.betas
        eta, lam = self.lr, self.weight_decay
        if self.maximize:
            g = -g
        if lam != 0 and self.decoupled_weight_decay:
            theta = theta * (1 - eta * lam)
        elif lam != 0:
            g = g + lam * theta
        m = state["m"] = beta1 * state["m"] + (1 - beta1) * g
        v = state["v"] = beta2 * state["v"] + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        if self.amsgrad:
            v_max = state["v_max"] = np.maximum(state["v_max"], v)
            v_hat = v_max / (1 - beta2**t)
        else:
            v_hat = v / (1 - beta2**t)
        return theta - eta * m_hat / (np.sqrt(v_hat) + self.eps)



class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    :cite:t:`loshchilov2019decoupled` observed that adding the L2 gradient :math:`\lambda\theta` to
    :math:`g_t`, as :class:`Adam` with ``weight_decay`` does, lets the adaptive denominator shrink the decay
    of coordinates with large gradients; they decay the parameters directly instead. At step :math:`t`,
    before the Adam update (which then uses no weight decay in the gradient):

    .. math::

        \theta_{t-1} &\leftarrow (1 - \eta\lambda)\, \theta_{t-1} \\
        m_t, v_t, \hat m_t, \hat v_t &\ \text{as in } \texttt{Adam} \text{ (with } \lambda = 0
            \text{ in the gradient)} \\
        \theta_t &= \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} .

    The decay is multiplied by the current learning rate :math:`\eta` (torch's convention; the paper
    writes a separate schedule multiplier :math:`\eta_t` times :math:`\lambda`), so a learning-rate
    schedule scales it too. Every other detail (bias correction, :math:`\epsilon` placement, AMSGrad,
    ``maximize``, the way each line is computed) is :class:`Adam`'s.

    Parameters
    ----------
    lr : float, default 0.001
        Learning rate :math:`\eta > 0` (finite). Public attribute ``lr``, which a schedule may change.
    betas : tuple of two floats, default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)`.
    eps : float, default 1e-8
        :math:`\epsilon > 0`, added to the denominator so that it is never zero.
    weight_decay : float, default 0.01
        :math:`\lambda \ge 0`, decoupled weight decay (note the default: not 0, as in torch).
    amsgrad : bool, default False
        Use AMSGrad's running maximum of :math:`v_t`.
    maximize : bool, default False
        Maximize :math:`J` instead of minimizing it (the gradient's sign is flipped first; the decay
        still pulls the parameters towards zero).

    Attributes
    ----------
    lr, betas, eps, weight_decay, amsgrad, maximize
        The hyperparameters (``lr`` may be changed between steps).
    step_count : int
        Number of steps taken so far.
    state : dict
        As :class:`Adam`'s.

    Examples
    --------
    With a zero gradient Adam's part of the step is zero, and only the decay acts:
    :math:`\theta_1 = (1 - 0.1 \cdot 0.5)\,\theta_0`.

    >>> opt = AdamW(lr=0.1, weight_decay=0.5)
    >>> opt.step(np.array([2.0, -4.0]), np.zeros(2))
    array([ 1.9, -3.8])
    """

    decoupled_weight_decay = True

    def __init__(self, lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01, amsgrad: bool = False, maximize: bool = False) -> None:
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
