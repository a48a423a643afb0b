"""Optimizers: update rules that turn a gradient into a step on the parameters.

Every optimizer here mirrors the ``torch.optim`` class of the same name :cite:p:`paszke2019pytorch`, with
the same argument names, defaults and update equations (the same order of operations, so that the numbers
agree step by step; ``tests/test_optim_torch.py`` replays trajectories recorded from ``torch.optim``), but
works on NumPy arrays and in a functional style:

>>> import numpy as np
>>> opt = SGD(lr=0.1, momentum=0.9)
>>> theta = np.array([1.0, -2.0])
>>> theta = opt.step(theta, grad=2 * theta)      # one step on J(theta) = ||theta||^2
>>> theta
array([ 0.8, -1.6])

``step`` returns new parameters and never modifies the arrays it is given. The parameters are either one
array or a dict of arrays (for example ``{"w": w, "b": b}``), and the gradient has exactly the same
structure. The optimizer keeps its own state (a momentum buffer or moment estimates per parameter, the
number of steps taken), which :meth:`Optimizer.state_dict` exports as plain arrays and
:meth:`Optimizer.load_state_dict` restores, so that a run interrupted and resumed gives the same numbers,
bit for bit, as a run never interrupted.

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
import numbers
from abc import ABC, abstractmethod

import numpy as np

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adam",
    "AdamW",
    "NonFiniteGradientError",
    "DivergenceError",
]

#: The key under which the state of a bare-array parameter is kept (and exported by ``state_dict``).
ARRAY_KEY = "theta"

_STATE_PREFIX = "state/"
_SHAPE_PREFIX = "shape/"
_CLASS_KEY = "optimizer"
_FLOAT64 = np.dtype(np.float64)


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


def _check_flag(value, name):
    """Return ``value`` as a bool after checking it is one (``1`` or ``"yes"`` are refused)."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _check_betas(betas):
    """Return ``betas`` as a tuple of two floats, each in [0, 1)."""
    if isinstance(betas, np.ndarray):
        betas = betas.tolist()
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2) of numbers in [0, 1), got {betas!r}")
    beta1 = _check_hyperparameter(betas[0], "betas[0] (beta1)", high=1.0, high_inclusive=False)
    beta2 = _check_hyperparameter(betas[1], "betas[1] (beta2)", high=1.0, high_inclusive=False)
    return (beta1, beta2)


def _as_float_array(value, name, key=None):
    """``value`` as a float64 ndarray (the same object if it already is one), with a clear error otherwise.

    ``name`` (and ``key``, for an entry of a dict) say which argument it is, in the error message.
    """
    if type(value) is np.ndarray and value.dtype is _FLOAT64:
        return value
    what = name if key is None else f"{name}[{key!r}]"
    try:
        array = np.asarray(value)
        if array.dtype is _FLOAT64:  # a NumPy float64 scalar, a list of floats
            return array
        if array.dtype.kind == "c":
            raise TypeError(f"{what} must be real, got complex values (dtype {array.dtype})")
        if array.dtype.kind not in "biufO":
            raise TypeError(f"{what} must be an array of real numbers, got dtype {array.dtype}")
        return array.astype(np.float64)
    except ValueError as error:  # a ragged list, an object that is not a number
        raise TypeError(f"{what} must be an array of real numbers, got {type(value).__name__}: {error}") from None


def _all_finite(array):
    """Whether every entry of ``array`` is finite (neither NaN nor infinite).

    Counting the finite entries gives the same answer as ``np.isfinite(array).all()`` in half the time
    for small arrays, and a 0-d array (an intercept) is checked as a Python float, faster still: this
    check runs at every step, thousands of times per epoch.
    """
    if array.ndim == 0:
        return math.isfinite(array)
    return np.count_nonzero(np.isfinite(array)) == array.size


def _lerp(start, end, weight):
    r"""``start + weight * (end - start)``, a new array, computed as torch's ``lerp`` computes it.

    This is the running average :math:`(1 - w)\,s + w\,e`. Like ``torch.lerp``, it is evaluated as
    :math:`s + w (e - s)` when :math:`|w| < 1/2` and as :math:`e - (e - s)(1 - w)` otherwise, which keeps
    the rounding error small at both ends.
    """
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def _to_python_scalar(value):
    """A Python scalar from a scalar or a 0-d array (what ``np.load`` returns for a saved scalar)."""
    if isinstance(value, np.ndarray):
        if value.shape != ():
            raise ValueError(f"expected a scalar, got an array of shape {value.shape}")
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _saved_hyperparameter(value):
    """A hyperparameter as ``state_dict`` saved it, back as a Python value (a tuple for a saved pair)."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return tuple(value.tolist())
    return _to_python_scalar(value)


class Optimizer(ABC):
    """Base class of the book's optimizers: the shared ``step`` / ``state_dict`` machinery.

    A subclass lists its hyperparameters in ``hyperparameter_names`` (``"lr"`` first), validates them in
    ``__init__``, names the buffers it may keep per parameter in ``buffer_names``, and implements
    ``_update(theta, grad, state, step)``, which returns the new value of one parameter array and updates
    that parameter's ``state`` (a dict of arrays it owns), and ``_required_buffers()``, the buffers a
    parameter must have after a step with the current hyperparameters. The base class does the rest,
    identically for every optimizer:

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
    #: Names of every buffer the optimizer may keep per parameter; subclasses extend it.
    buffer_names: tuple[str, ...] = ()

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
        # The constructor checked the hyperparameters; of these only lr is meant to change between steps
        # (a schedule sets it). A positive finite float passes at the cost of one comparison; anything
        # else gets the full check.
        lr = self.lr
        if type(lr) is not float or not 0.0 < lr < math.inf:
            self.lr = _check_learning_rate(lr)
        step_number = self.step_count + 1
        if isinstance(theta, dict) or isinstance(grad, dict):
            return self._step_dict(theta, grad, step_number)
        theta = _as_float_array(theta, "theta")
        grad = _as_float_array(grad, "grad")
        if grad.shape != theta.shape:
            raise ValueError(
                f"grad has shape {grad.shape} but theta has shape {theta.shape}; they must match exactly "
                "(an (n,) array and an (n, 1) array would broadcast to (n, n))"
            )
        if not _all_finite(grad):
            raise self._non_finite_error(ARRAY_KEY, step_number)
        if self._takes_dict is not False or self._shapes[ARRAY_KEY] != theta.shape:
            self._check_structure({ARRAY_KEY: theta.shape}, takes_dict=False)
        state = self.state.get(ARRAY_KEY)
        if state is None:
            state = self.state[ARRAY_KEY] = {}
        new_theta = np.asarray(self._update(theta, grad, state, step_number))
        self.step_count = step_number
        return new_theta

    def hyperparameters(self):
        """Return the hyperparameters as a dict ``{name: value}`` (Python scalars, or a tuple for ``betas``)."""
        return {name: getattr(self, name) for name in self.hyperparameter_names}

    def state_dict(self):
        """Return the complete state as a flat dict of Python scalars, strings and ndarray copies.

        Keys: ``"optimizer"`` (the class name, so that a state is never loaded into another kind of
        optimizer, for example an ``AdamW`` state into an ``Adam``, which has the same hyperparameter
        names); each hyperparameter name (``"lr"``, ``"momentum"``, ...; a pair such as ``betas`` becomes
        an array of two floats); ``"step_count"``; ``"takes_dict"`` (whether the parameters are a dict;
        absent before the first step); ``"shape/<param>"`` (each parameter's shape, an integer array);
        ``"state/<param>/<buffer>"`` (the optimizer's buffers, for example ``"state/w/momentum_buffer"``).
        A bare-array parameter is named ``"theta"``. The dict can be saved with
        ``np.savez(path, **opt.state_dict())`` and restored from ``np.load(path, allow_pickle=False)``.
        """
        state = {_CLASS_KEY: type(self).__name__}
        for name, value in self.hyperparameters().items():
            state[name] = np.array(value, dtype=np.float64) if isinstance(value, tuple) else value
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
        have. Nothing changes if the state is rejected.

        Parameters
        ----------
        state : mapping
            A dict from :meth:`state_dict`, or the ``NpzFile`` returned by ``np.load`` on a saved one.

        Raises
        ------
        ValueError
            If the state was saved by another kind of optimizer, misses or has unknown entries, or has
            buffers that do not fit the parameters' shapes or the hyperparameters.
        """
        state = dict(state)
        class_name = type(self).__name__
        saved_class = _to_python_scalar(state.get(_CLASS_KEY, class_name))
        if saved_class != class_name:
            raise ValueError(f"state was saved by {saved_class}: load it into {saved_class}, not into {class_name}")
        missing = [name for name in (*self.hyperparameter_names, "step_count") if name not in state]
        if missing:
            raise ValueError(f"state is missing {missing}; pass a dict produced by {class_name}.state_dict()")
        known = set(self.hyperparameter_names) | {_CLASS_KEY, "step_count", "takes_dict"}
        unknown = [key for key in state if key not in known and not key.startswith((_STATE_PREFIX, _SHAPE_PREFIX))]
        if unknown:
            raise ValueError(
                f"state has unknown entries {unknown}; was it saved by another kind of optimizer than {class_name}?"
            )
        values = {name: _saved_hyperparameter(state[name]) for name in self.hyperparameter_names}
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
                if name not in self.buffer_names:
                    raise ValueError(
                        f"state has a buffer {param_key!r}/{name!r}, which {class_name} does not keep "
                        f"(its buffers: {list(self.buffer_names)})"
                    )
                if array.shape != shapes[param_key]:
                    raise ValueError(
                        f"state buffer {param_key!r}/{name!r} has shape {array.shape}, but the parameter "
                        f"has shape {shapes[param_key]}"
                    )
        if step_count > 0:
            required = checked._required_buffers()
            for param_key in shapes:
                absent = [name for name in required if name not in buffers.get(param_key, {})]
                if absent:
                    raise ValueError(
                        f"state misses the buffers {absent} of parameter {param_key!r} after {step_count} steps; "
                        f"{checked!r} keeps them from its first step on"
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

    @abstractmethod
    def _update(self, theta, grad, state, step):
        """Return the new value of one parameter array; update ``state`` (this parameter's buffers).

        ``theta`` and ``grad`` are float64 arrays of the same shape that belong to the caller: never
        modify them, and never store them in ``state`` without copying. ``step`` is :math:`t`, counted
        from 1. The buffers in ``state`` belong to the optimizer; the updates here store new arrays in it
        rather than updating the old ones in place (see the module's note on performance).
        """

    def _required_buffers(self):
        """The names of the buffers every parameter has after one step with the current hyperparameters."""
        return ()

    # -- helpers -------------------------------------------------------------------------------------------

    def _step_dict(self, theta, grad, step_number):
        """``step`` for parameters given as a dict of arrays."""
        if not (isinstance(theta, dict) and isinstance(grad, dict)):
            raise TypeError(
                "theta and grad must both be arrays or both be dicts of arrays, got "
                f"theta: {type(theta).__name__}, grad: {type(grad).__name__}"
            )
        if not theta:
            raise ValueError("theta is an empty dict: there is nothing to optimize")
        if theta.keys() != grad.keys():
            raise ValueError(f"grad must have the keys of theta: theta has {sorted(theta)}, grad has {sorted(grad)}")
        known_shapes = self._shapes if self._takes_dict else None
        same_keys = known_shapes is not None and theta.keys() == known_shapes.keys()
        if not same_keys:
            for key in theta:
                if not isinstance(key, str) or "/" in key:
                    raise ValueError(f"parameter names must be strings without '/', got {key!r}")
        # One pass converts, compares shapes and checks for NaN; the state is touched only after it.
        params = {}
        grads = {}
        structure_changed = not same_keys
        for key, value in theta.items():
            param = params[key] = _as_float_array(value, "theta", key)
            gradient = grads[key] = _as_float_array(grad[key], "grad", key)
            if gradient.shape != param.shape:
                raise ValueError(
                    f"parameter {key!r}: grad has shape {gradient.shape} but theta has shape {param.shape}; "
                    "they must match exactly (an (n,) array and an (n, 1) array would broadcast to (n, n))"
                )
            if not _all_finite(gradient):
                raise self._non_finite_error(key, step_number)
            if not structure_changed and known_shapes[key] != param.shape:
                structure_changed = True
        if structure_changed:
            self._check_structure({key: param.shape for key, param in params.items()}, takes_dict=True)
        new_params = {}
        for key, param in params.items():
            state = self.state.get(key)
            if state is None:
                state = self.state[key] = {}
            new_params[key] = np.asarray(self._update(param, grads[key], state, step_number))
        self.step_count = step_number
        return new_params

    def _non_finite_error(self, key, step_number):
        return NonFiniteGradientError(
            f"the gradient of parameter {key!r} contains NaN or inf at step {step_number} "
            f"(lr={self.lr:g}); the iteration has probably diverged or the data contain extreme "
            "values: try a lower learning rate, and standardize the features"
        )

    def _check_structure(self, shapes, takes_dict):
        """Remember the parameters' structure at the first step; reject another structure later."""
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
    buffer_names = ("momentum_buffer",)

    def __init__(self, lr, momentum=0, dampening=0, nesterov=False, weight_decay=0, maximize=False):
        self.momentum = _check_hyperparameter(momentum, "momentum")
        self.dampening = _check_hyperparameter(dampening, "dampening")
        self.weight_decay = _check_hyperparameter(weight_decay, "weight_decay")
        self.nesterov = _check_flag(nesterov, "nesterov")
        self.maximize = _check_flag(maximize, "maximize")
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(
                "nesterov=True requires momentum > 0 and dampening == 0 (as torch.optim.SGD), got "
                f"momentum={self.momentum}, dampening={self.dampening}"
            )
        super().__init__(lr)

    def _required_buffers(self):
        return ("momentum_buffer",) if self.momentum != 0 else ()

    def _update(self, theta, grad, state, step):
        g = -grad if self.maximize else grad
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        if self.momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = np.array(g, dtype=np.float64, copy=True)  # a copy: g may be the caller's array
            elif self.dampening == 0:
                buffer = self.momentum * buffer + g  # the same numbers as adding 1.0 * g
            else:
                buffer = self.momentum * buffer + (1 - self.dampening) * g
            state["momentum_buffer"] = buffer
            if self.nesterov:
                g = g + self.momentum * buffer
            else:
                g = buffer
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
    decays like :math:`1/\sqrt{t}` whether or not the iterate is near a minimum. The order of operations is
    torch's: :math:`\epsilon` is added to :math:`\sqrt{G_t}` (outside the square root), and the last line
    divides :math:`\eta_t g_t` by the denominator.

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
        Per parameter, ``{"sum": G_t}`` (torch's name for the sum of squared gradients).

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

    hyperparameter_names = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize")
    buffer_names = ("sum",)

    def __init__(self, lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, maximize=False):
        self.lr_decay = _check_hyperparameter(lr_decay, "lr_decay")
        self.weight_decay = _check_hyperparameter(weight_decay, "weight_decay")
        self.initial_accumulator_value = _check_hyperparameter(initial_accumulator_value, "initial_accumulator_value")
        self.eps = _check_hyperparameter(eps, "eps", low_inclusive=False)
        self.maximize = _check_flag(maximize, "maximize")
        super().__init__(lr)

    def _required_buffers(self):
        return ("sum",)

    def _update(self, theta, grad, state, step):
        if self.maximize:
            grad = -grad
        if self.weight_decay != 0:
            grad = grad + self.weight_decay * theta
        step_lr = self.lr / (1 + (step - 1) * self.lr_decay)
        sum_of_squares = state.get("sum")
        if sum_of_squares is None:
            sum_of_squares = np.full(theta.shape, self.initial_accumulator_value)
        sum_of_squares = state["sum"] = sum_of_squares + grad * grad
        denominator = np.sqrt(sum_of_squares) + self.eps
        return theta - step_lr * grad / denominator


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
    per coordinate, 10 :math:`\eta` for :math:`\alpha = 0.99`). The order of operations is torch's:
    :math:`\bar g_t` is computed as :math:`\bar g_{t-1} + (1 - \alpha)(g_t - \bar g_{t-1})`, and
    :math:`\epsilon` is added outside the square root.

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
        Per parameter, ``{"square_avg": v_t}``, plus ``"grad_avg"`` (:math:`\bar g_t`) if centered and
        ``"momentum_buffer"`` (:math:`b_t`) if ``momentum > 0`` (torch's names).

    Examples
    --------
    The first step is :math:`\eta / \sqrt{1 - \alpha}` per coordinate, whatever the gradient's scale:

    >>> opt = RMSprop(lr=0.01, alpha=0.99)
    >>> theta = opt.step(np.zeros(2), np.array([0.5, -50.0]))
    >>> np.round(theta, 6)
    array([-0.1,  0.1])
    """

    hyperparameter_names = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")
    buffer_names = ("square_avg", "grad_avg", "momentum_buffer")

    def __init__(self, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, maximize=False):
        self.alpha = _check_hyperparameter(alpha, "alpha", high=1.0, high_inclusive=False)
        self.eps = _check_hyperparameter(eps, "eps", low_inclusive=False)
        self.weight_decay = _check_hyperparameter(weight_decay, "weight_decay")
        self.momentum = _check_hyperparameter(momentum, "momentum")
        self.centered = _check_flag(centered, "centered")
        self.maximize = _check_flag(maximize, "maximize")
        super().__init__(lr)

    def _required_buffers(self):
        names = ["square_avg"]
        if self.centered:
            names.append("grad_avg")
        if self.momentum > 0:
            names.append("momentum_buffer")
        return tuple(names)

    def _update(self, theta, grad, state, step):
        if self.maximize:
            grad = -grad
        if self.weight_decay != 0:
            grad = grad + self.weight_decay * theta
        square_avg = state.get("square_avg")
        if square_avg is None:
            square_avg = np.zeros(theta.shape)
        square_avg = state["square_avg"] = self.alpha * square_avg + (1 - self.alpha) * grad * grad
        if self.centered:
            grad_avg = state.get("grad_avg")
            if grad_avg is None:
                grad_avg = np.zeros(theta.shape)
            grad_avg = state["grad_avg"] = _lerp(grad_avg, grad, 1 - self.alpha)
            denominator = np.sqrt(square_avg - grad_avg * grad_avg) + self.eps
        else:
            denominator = np.sqrt(square_avg) + self.eps
        if self.momentum > 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = np.zeros(theta.shape)
            buffer = state["momentum_buffer"] = self.momentum * buffer + grad / denominator
            return theta - self.lr * buffer
        return theta - self.lr * grad / denominator


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

    The order of operations is torch's, so the numbers agree with it step by step: :math:`m_t` is computed
    as :math:`m_{t-1} + (1 - \beta_1)(g_t - m_{t-1})` (torch's ``lerp``), the denominator as
    :math:`\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon` and the step as
    :math:`\theta_{t-1} - \frac{\eta}{1 - \beta_1^t} m_t / \text{denominator}`. This puts :math:`\epsilon`
    where Algorithm 1 of Kingma and Ba puts it (added to :math:`\sqrt{\hat v_t}`), not where their
    "more efficient" reordering does.

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
        Per parameter, ``{"exp_avg": m_t, "exp_avg_sq": v_t}``, plus ``"max_exp_avg_sq"``
        (:math:`v^{\max}_t`) if amsgrad (torch's names).

    Examples
    --------
    Thanks to the bias correction, the first step has size :math:`\eta` in every coordinate, for
    gradients of any scale:

    >>> opt = Adam(lr=0.1)
    >>> theta = opt.step(np.zeros(3), np.array([1e-2, 1.0, -1e4]))
    >>> np.round(theta, 6)
    array([-0.1, -0.1,  0.1])
    """

    hyperparameter_names = ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize")
    buffer_names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    #: Whether weight decay is decoupled from the gradient (AdamW) or added to it (Adam).
    decoupled_weight_decay = False

    def __init__(self, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False):
        self.betas = _check_betas(betas)
        self.eps = _check_hyperparameter(eps, "eps", low_inclusive=False)
        self.weight_decay = _check_hyperparameter(weight_decay, "weight_decay")
        self.amsgrad = _check_flag(amsgrad, "amsgrad")
        self.maximize = _check_flag(maximize, "maximize")
        super().__init__(lr)

    def _required_buffers(self):
        if self.amsgrad:
            return ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
        return ("exp_avg", "exp_avg_sq")

    def _update(self, theta, grad, state, step):
        beta1, beta2 = self.betas
        lr = self.lr
        if self.maximize:
            grad = -grad
        if self.weight_decay != 0:
            if self.decoupled_weight_decay:
                theta = theta * (1 - lr * self.weight_decay)
            else:
                grad = grad + self.weight_decay * theta
        exp_avg = state.get("exp_avg")
        if exp_avg is None:
            exp_avg = np.zeros(theta.shape)
        exp_avg_sq = state.get("exp_avg_sq")
        if exp_avg_sq is None:
            exp_avg_sq = np.zeros(theta.shape)
        exp_avg = state["exp_avg"] = _lerp(exp_avg, grad, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"] = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        if self.amsgrad:
            max_exp_avg_sq = state.get("max_exp_avg_sq")
            if max_exp_avg_sq is None:
                max_exp_avg_sq = np.zeros(theta.shape)
            max_exp_avg_sq = state["max_exp_avg_sq"] = np.maximum(max_exp_avg_sq, exp_avg_sq)
            denominator = np.sqrt(max_exp_avg_sq) / bias_correction2**0.5 + self.eps
        else:
            denominator = np.sqrt(exp_avg_sq) / bias_correction2**0.5 + self.eps
        return theta - step_size * exp_avg / denominator


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
    ``maximize``, the order of operations) is :class:`Adam`'s.

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

    def __init__(self, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=False, maximize=False):
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
