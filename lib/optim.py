"""Optimizers: update rules that turn a gradient into a step on the parameters.

Every optimizer here mirrors the ``torch.optim`` class of the same name, with the same argument names and
the same update equations (the same order of operations, so that the numbers agree step by step), but
works on NumPy arrays and in a functional style:

>>> import numpy as np
>>> opt = SGD(lr=0.1, momentum=0.9)
>>> theta = np.array([1.0, -2.0])
>>> theta = opt.step(theta, grad=2 * theta)      # one step on J(theta) = ||theta||^2
>>> theta
array([ 0.8, -1.6])

``step`` returns new parameters and never modifies the arrays it is given. The parameters are either one
array or a dict of arrays (for example ``{"w": w, "b": b}``), and the gradient has exactly the same
structure. The optimizer keeps its own state (a momentum buffer per parameter, the number of steps taken),
which :meth:`Optimizer.state_dict` exports as plain arrays and :meth:`Optimizer.load_state_dict` restores,
so that a run interrupted and resumed gives the same numbers, bit for bit, as a run never interrupted.

The learning rate ``lr`` is a public attribute: a learning-rate schedule changes it between steps.

This session provides :class:`SGD` (plain gradient descent, heavy-ball momentum and Nesterov momentum);
the adaptive methods follow in this module with the same interface.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["Optimizer", "SGD", "NonFiniteGradientError", "DivergenceError"]

#: The key under which the state of a bare-array parameter is kept (and exported by ``state_dict``).
ARRAY_KEY = "theta"

_STATE_PREFIX = "state/"
_SHAPE_PREFIX = "shape/"


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


def _check_hyperparameter(value, name, *, low=0.0, low_inclusive=True, high=None, high_inclusive=True):
    """Return ``value`` as a float after checking it is a finite real number in the given interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    too_low = value < low if low_inclusive else value <= low
    if too_low:
        bound = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {bound} {low}, got {value}")
    if high is not None:
        too_high = value > high if high_inclusive else value >= high
        if too_high:
            bound = "<=" if high_inclusive else "<"
            raise ValueError(f"{name} must be {bound} {high}, got {value}")
    return value


def _check_learning_rate(lr):
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(f"lr (the learning rate) must be a positive real number, got {lr!r}")
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(
            f"lr (the learning rate) must be positive and finite, got {lr}; "
            "typical values are 1e-3 to 1e-1 for standardized features"
        )
    return float(lr)


def _as_float_array(value, what):
    """``value`` as a float64 ndarray (no copy if it already is one), with a clear error otherwise."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{what} must be an array of real numbers, got {type(value).__name__}: {error}") from None
    return array


class Optimizer:
    """Base class of the book's optimizers: the shared ``step`` / ``state_dict`` machinery.

    A subclass lists its hyperparameters in ``hyperparameter_names`` (``"lr"`` first), validates them in
    ``__init__``, and implements one method, ``_update(theta, grad, state, step)``, which returns the new
    value of one parameter array and updates that parameter's ``state`` (a dict of arrays it owns). The
    base class does the rest, identically for every optimizer:

    * it accepts one array or a dict of arrays, checks that the gradient has exactly the same keys and
      shapes (never broadcasting an ``(n,)`` against an ``(n, 1)``) and contains no NaN or infinity, and
      only then touches any state, so a rejected step changes nothing;
    * it counts steps: ``step_count`` is the number of completed steps, and step number
      :math:`t = ` ``step_count + 1`` is the one being taken;
    * it remembers the structure (keys and shapes) of the parameters from the first step and rejects a
      later step with another structure (call :meth:`reset` to start over with new parameters);
    * it exports and restores its complete state as plain data.

    Parameters
    ----------
    lr : float
        Learning rate :math:`\\eta > 0`. A public attribute: a schedule may change it between steps.
    """

    #: Names of the constructor arguments that ``state_dict`` saves; subclasses extend it.
    hyperparameter_names: tuple[str, ...] = ("lr",)

    def __init__(self, lr):
        self.lr = _check_learning_rate(lr)
        self.reset()

    # -- the public interface ------------------------------------------------------------------------------

    def reset(self):
        """Forget all state: the step count, the per-parameter buffers and the parameter structure."""
        self.step_count = 0
        self.state: dict[str, dict[str, np.ndarray]] = {}
        self._shapes: dict[str, tuple[int, ...]] | None = None
        self._takes_dict: bool | None = None

    def step(self, theta, grad):
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
            If one of ``theta`` and ``grad`` is a dict and the other is not.
        ValueError
            If keys or shapes differ (between ``theta`` and ``grad``, or from the earlier steps), or if
            ``lr`` has been set to a non-positive or non-finite value.
        NonFiniteGradientError
            A ``ValueError`` subclass, if the gradient contains NaN or infinity.
        """
        self.lr = _check_learning_rate(self.lr)
        params, grads, takes_dict = self._pair_up(theta, grad)
        step_number = self.step_count + 1
        for key, g in grads.items():
            if not np.isfinite(g).all():
                raise NonFiniteGradientError(
                    f"the gradient of parameter {key!r} contains NaN or inf at step {step_number} "
                    f"(lr={self.lr:g}); the iteration has probably diverged or the data contain extreme "
                    "values: try a lower learning rate, and standardize the features"
                )
        self._check_structure(params, takes_dict)
        new_params = {}
        for key in params:
            state = self.state.setdefault(key, {})
            new_params[key] = np.asarray(self._update(params[key], grads[key], state, step_number))
        self.step_count = step_number
        if takes_dict:
            return new_params
        return new_params[ARRAY_KEY]

    def hyperparameters(self):
        """Return the hyperparameters as a dict ``{name: value}`` (Python scalars)."""
        return {name: getattr(self, name) for name in self.hyperparameter_names}

    def state_dict(self):
        """Return the complete state as a flat dict of Python scalars and ndarray copies.

        Keys: each hyperparameter name (``"lr"``, ``"momentum"``, ...); ``"step_count"``;
        ``"takes_dict"`` (whether the parameters are a dict; absent before the first step);
        ``"shape/<param>"`` (each parameter's shape, an integer array); ``"state/<param>/<buffer>"`` (the
        optimizer's buffers, for example ``"state/w/momentum_buffer"``). A bare-array parameter is named
        ``"theta"``. The dict can be saved with ``np.savez(path, **opt.state_dict())`` and restored from
        ``np.load(path, allow_pickle=False)``.
        """
        state = dict(self.hyperparameters())
        state["step_count"] = int(self.step_count)
        if self._shapes is not None:
            state["takes_dict"] = bool(self._takes_dict)
            for key, shape in self._shapes.items():
                state[f"{_SHAPE_PREFIX}{key}"] = np.array(shape, dtype=np.int64)
        for key, buffers in self.state.items():
            for name, array in buffers.items():
                state[f"{_STATE_PREFIX}{key}/{name}"] = np.array(array, dtype=np.float64, copy=True)
        return state

    def load_state_dict(self, state):
        """Restore a state exported by :meth:`state_dict` (possibly saved and re-loaded with ``np.savez``).

        The hyperparameters (including ``lr``, which a schedule may have changed) are restored and
        validated, the buffers are copied in, and the next step continues exactly as the saved run would
        have.

        Parameters
        ----------
        state : mapping
            A dict from :meth:`state_dict`, or the ``NpzFile`` returned by ``np.load`` on a saved one.
        """
        state = dict(state)
        missing = [name for name in (*self.hyperparameter_names, "step_count") if name not in state]
        if missing:
            raise ValueError(f"state is missing {missing}; pass a dict produced by {type(self).__name__}.state_dict()")
        known = set(self.hyperparameter_names) | {"step_count", "takes_dict"}
        unknown = [key for key in state if key not in known and not key.startswith((_STATE_PREFIX, _SHAPE_PREFIX))]
        if unknown:
            raise ValueError(
                f"state has unknown entries {unknown}; was it saved by another kind of optimizer than "
                f"{type(self).__name__}?"
            )
        values = {name: _to_python_scalar(state[name]) for name in self.hyperparameter_names}
        # Validate by building a fresh optimizer of the same class with the saved hyperparameters.
        checked = type(self)(**values)
        step_count = _to_python_scalar(state["step_count"])
        if isinstance(step_count, bool) or not isinstance(step_count, numbers.Integral) or step_count < 0:
            raise ValueError(f"state['step_count'] must be a non-negative integer, got {step_count!r}")
        shapes = {}
        buffers: dict[str, dict[str, np.ndarray]] = {}
        for key, value in state.items():
            if key.startswith(_SHAPE_PREFIX):
                shapes[key[len(_SHAPE_PREFIX) :]] = tuple(int(n) for n in np.asarray(value).ravel())
            elif key.startswith(_STATE_PREFIX):
                param_key, _, buffer_name = key[len(_STATE_PREFIX) :].rpartition("/")
                buffers.setdefault(param_key, {})[buffer_name] = np.array(value, dtype=np.float64, copy=True)
        for param_key, named in buffers.items():
            if param_key not in shapes:
                raise ValueError(f"state has buffers for parameter {param_key!r} but no 'shape/{param_key}'")
            for name, array in named.items():
                if array.shape != shapes[param_key]:
                    raise ValueError(
                        f"state buffer {param_key!r}/{name!r} has shape {array.shape}, but the parameter "
                        f"has shape {shapes[param_key]}"
                    )
        for name in self.hyperparameter_names:
            setattr(self, name, getattr(checked, name))
        self.step_count = int(step_count)
        self.state = buffers
        if shapes:
            self._shapes = shapes
            self._takes_dict = bool(_to_python_scalar(state.get("takes_dict", True)))
        else:
            self._shapes = None
            self._takes_dict = None

    def __repr__(self):
        arguments = ", ".join(f"{name}={value!r}" for name, value in self.hyperparameters().items())
        return f"{type(self).__name__}({arguments})"

    # -- what a subclass implements ------------------------------------------------------------------------

    def _update(self, theta, grad, state, step):
        """Return the new value of one parameter array; update ``state`` (this parameter's buffers).

        ``theta`` and ``grad`` are float64 arrays of the same shape that belong to the caller: never
        modify them, and never store them in ``state`` without copying.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement _update")

    # -- helpers -------------------------------------------------------------------------------------------

    def _pair_up(self, theta, grad):
        """Match ``theta`` and ``grad`` key by key, as float64 arrays; check keys and shapes agree."""
        theta_is_dict = isinstance(theta, dict)
        grad_is_dict = isinstance(grad, dict)
        if theta_is_dict != grad_is_dict:
            raise TypeError(
                "theta and grad must both be arrays or both be dicts of arrays, got "
                f"theta: {type(theta).__name__}, grad: {type(grad).__name__}"
            )
        if theta_is_dict:
            if not theta:
                raise ValueError("theta is an empty dict: there is nothing to optimize")
            if set(theta) != set(grad):
                raise ValueError(
                    f"grad must have the keys of theta: theta has {sorted(theta)}, grad has {sorted(grad)}"
                )
            for key in theta:
                if not isinstance(key, str) or "/" in key:
                    raise ValueError(f"parameter names must be strings without '/', got {key!r}")
            params = {key: _as_float_array(theta[key], f"theta[{key!r}]") for key in theta}
            grads = {key: _as_float_array(grad[key], f"grad[{key!r}]") for key in theta}
        else:
            params = {ARRAY_KEY: _as_float_array(theta, "theta")}
            grads = {ARRAY_KEY: _as_float_array(grad, "grad")}
        for key in params:
            if grads[key].shape != params[key].shape:
                where = f"parameter {key!r}: " if theta_is_dict else ""
                raise ValueError(
                    f"{where}grad has shape {grads[key].shape} but theta has shape {params[key].shape}; "
                    "they must match exactly (an (n,) array and an (n, 1) array would broadcast to (n, n))"
                )
        return params, grads, theta_is_dict

    def _check_structure(self, params, takes_dict):
        shapes = {key: value.shape for key, value in params.items()}
        if self._shapes is None:
            self._shapes = shapes
            self._takes_dict = takes_dict
            return
        if takes_dict != self._takes_dict or shapes != self._shapes:
            raise ValueError(
                f"this optimizer has been stepping parameters {self._describe(self._shapes)}, got "
                f"{self._describe(shapes)}; use one optimizer per set of parameters, or call reset() first"
            )

    @staticmethod
    def _describe(shapes):
        return "{" + ", ".join(f"{key!r}: {shape}" for key, shape in shapes.items()) + "}"


def _to_python_scalar(value):
    """A Python scalar from a scalar or a 0-d array (what ``np.load`` returns for a saved scalar)."""
    if isinstance(value, np.ndarray):
        if value.shape != ():
            raise ValueError(f"expected a scalar, got an array of shape {value.shape}")
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


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
    full-batch gradient it is full-batch gradient descent. The order of operations is torch's code: the
    sign flip of ``maximize`` comes first, so weight decay still pulls the parameters towards zero when
    maximizing. (torch's documentation shows the flip as a ``+`` in the last line instead, which differs
    when ``weight_decay`` is not zero; the code, which this class follows, is what produces torch's numbers.)

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
        Per parameter, ``{"momentum_buffer": b_t}`` once a step with momentum has been taken.

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

    hyperparameter_names = ("lr", "momentum", "dampening", "nesterov", "weight_decay", "maximize")

    def __init__(self, lr, momentum=0, dampening=0, nesterov=False, weight_decay=0, maximize=False):
        self.momentum = _check_hyperparameter(momentum, "momentum")
        self.dampening = _check_hyperparameter(dampening, "dampening")
        self.weight_decay = _check_hyperparameter(weight_decay, "weight_decay")
        if not isinstance(nesterov, bool | np.bool_):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        if not isinstance(maximize, bool | np.bool_):
            raise TypeError(f"maximize must be True or False, got {maximize!r}")
        self.nesterov = bool(nesterov)
        self.maximize = bool(maximize)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(
                "nesterov=True requires momentum > 0 and dampening == 0 (as torch.optim.SGD), got "
                f"momentum={self.momentum}, dampening={self.dampening}"
            )
        super().__init__(lr)

    def _update(self, theta, grad, state, step):
        g = -grad if self.maximize else grad
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        if self.momentum != 0:
            if "momentum_buffer" not in state:
                buffer = np.array(g, dtype=np.float64, copy=True)
                state["momentum_buffer"] = buffer
            else:
                buffer = state["momentum_buffer"]
                buffer *= self.momentum
                buffer += (1 - self.dampening) * g
            if self.nesterov:
                g = g + self.momentum * buffer
            else:
                g = buffer
        return theta - self.lr * g
