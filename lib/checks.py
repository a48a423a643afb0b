"""Declared argument checks: what each argument may be, written once per class, checked in one format.

A class states its arguments' constraints in one dictionary, after scikit-learn's ``_parameter_constraints``,
and checks them with one call, so the teaching code is not buried under validation:

>>> from numbers import Real
>>> class Momentum:
...     constraints = {"lr": [Interval(Real, 0, None, closed="neither")],
...                    "nesterov": [Boolean()]}
...     def __init__(self, lr, nesterov=False):
...         check_params("Momentum", {"lr": lr, "nesterov": nesterov}, self.constraints)
...         self.lr, self.nesterov = float(lr), nesterov
>>> Momentum(lr=-0.1)  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
...
InvalidParameterError: Momentum: lr must be a real number in (0, inf), got -0.1

Every error raised here reads ``"<owner>: <argument> must be <what>, got <value>"``, optionally followed by
``"; <hint>"``: the owner (a class or function) and the argument are named, then what was expected and
what came. :class:`InvalidParameterError` is both a :class:`ValueError` and a :class:`TypeError`, as
scikit-learn's is, so code that catches either keeps working.

A check also converts: :func:`check_params` returns the checked values as the constraint they satisfy reads
them (a real number as a ``float``, an integer as an ``int``, a flag as a ``bool``, a pair as a tuple), so that a
class stores plain Python values whatever NumPy scalar it was given.

Array arguments have their own checks: :func:`as_float_array` (real numbers, as float64) and
:func:`check_finite` (no NaN or infinity, naming the first bad entry).
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "InvalidParameterError",
    "Constraint",
    "Interval",
    "Options",
    "Boolean",
    "InstanceOf",
    "Pair",
    "message",
    "check_params",
    "check_param",
    "as_float_array",
    "check_finite",
]


class InvalidParameterError(ValueError, TypeError):
    """An argument is not of an allowed type or value. Both a ValueError and a TypeError."""


def message(owner: str, name: str, expected: str, value: Any, hint: str | None = None) -> str:
    """The one error format: ``"<owner>: <name> must be <expected>, got <value>[; <hint>]"``."""
    shown = repr(value) if not isinstance(value, float) else f"{value:g}"
    text = f"{owner}: {name} must be {expected}, got {shown}"
    return f"{text}; {hint}" if hint else text


class Constraint(ABC):
    """One allowed kind of value for an argument: ``is_satisfied_by(value)`` and a description."""

    hint: str | None = None

    @abstractmethod
    def is_satisfied_by(self, value: Any) -> bool:
        """Whether ``value`` is allowed."""

    def convert(self, value: Any) -> Any:
        """``value`` (which satisfies the constraint) as the Python value to store; unchanged by default."""
        return value

    @abstractmethod
    def __str__(self) -> str:
        """What is allowed, as it reads after "must be"."""


class Interval(Constraint):
    """A real number (``kind=numbers.Real``) or an integer (``numbers.Integral``) in an interval.

    ``low`` or ``high`` may be None for an unbounded side; ``closed`` is ``"both"``, ``"left"``,
    ``"right"`` or ``"neither"``. Booleans, NaN and infinity are never accepted (a bound of None does not
    admit infinity).
    """

    def __init__(self, kind: type, low: float | None, high: float | None, *, closed: str = "both",
                 hint: str | None = None) -> None:
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"Interval: closed must be 'both', 'left', 'right' or 'neither', got {closed!r}")
        self.kind, self.low, self.high, self.closed, self.hint = kind, low, high, closed, hint

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, bool | np.bool_) or not isinstance(value, self.kind):
            return False
        if not math.isfinite(value):
            return False
        if self.low is not None:
            if value < self.low or (value == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if value > self.high or (value == self.high and self.closed in ("left", "neither")):
                return False
        return True

    def convert(self, value: Any) -> int | float:
        return int(value) if self.kind is numbers.Integral else float(value)

    def __str__(self) -> str:
        noun = "an integer" if self.kind is numbers.Integral else "a real number"
        if self.low is None and self.high is None:
            return f"{noun} (finite)"
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"{noun} in {left}{low}, {high}{right}"


class Options(Constraint):
    """One of a fixed set of values (compared with ``==``; strings, mostly)."""

    def __init__(self, *values: Any, hint: str | None = None) -> None:
        self.values, self.hint = values, hint

    def is_satisfied_by(self, value: Any) -> bool:
        return any(type(value) is type(option) and value == option for option in self.values)

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(option) for option in self.values)


class Boolean(Constraint):
    """True or False (``1`` and ``"yes"`` are refused)."""

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, bool | np.bool_)

    def convert(self, value: Any) -> bool:
        return bool(value)

    def __str__(self) -> str:
        return "True or False"


class InstanceOf(Constraint):
    """An instance of a class (or a callable, with ``InstanceOf(Callable)``)."""

    def __init__(self, cls: type, description: str | None = None) -> None:
        self.cls = cls
        self.description = description or f"an instance of {getattr(cls, '__name__', cls)}"

    def is_satisfied_by(self, value: Any) -> bool:
        if self.cls is Callable:
            return callable(value)
        return isinstance(value, self.cls)

    def __str__(self) -> str:
        return self.description


class Pair(Constraint):
    """Two values (a tuple, a list or a 1-d array of length 2), each satisfying ``constraint``; kept as a tuple."""

    def __init__(self, constraint: Constraint, hint: str | None = None) -> None:
        self.constraint, self.hint = constraint, hint

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, np.ndarray) and value.ndim == 1:
            value = value.tolist()
        return (isinstance(value, tuple | list) and len(value) == 2
                and all(self.constraint.is_satisfied_by(entry) for entry in value))

    def convert(self, value: Any) -> tuple:
        return tuple(self.constraint.convert(entry) for entry in value)

    def __str__(self) -> str:
        return f"a pair, each {self.constraint}"


def check_param(owner: str, name: str, value: Any, allowed: Sequence[Constraint | None]) -> Any:
    """Return ``value`` converted by the first of ``allowed`` it satisfies (None: is None); raise if none.

    The error is an :class:`InvalidParameterError` in the one format, with the first hint of ``allowed``.
    """
    for constraint in allowed:
        if constraint is None:
            if value is None:
                return None
        elif constraint.is_satisfied_by(value):
            return constraint.convert(value)
    described = [("None" if constraint is None else str(constraint)) for constraint in allowed]
    hints = [constraint.hint for constraint in allowed if constraint is not None and constraint.hint]
    raise InvalidParameterError(message(owner, name, " or ".join(described), value, hints[0] if hints else None))


def check_params(owner: str, params: Mapping[str, Any],
                 constraints: Mapping[str, Sequence[Constraint | None]]) -> dict[str, Any]:
    """Check every argument in ``params`` that ``constraints`` declares, in the declared order.

    Returns the checked arguments, converted (see :func:`check_param`), in the declared order; arguments
    that ``constraints`` does not declare are neither checked nor returned.
    """
    return {name: check_param(owner, name, params[name], allowed)
            for name, allowed in constraints.items() if name in params}


def _entry(name: str, key: Any) -> str:
    """How an error names the argument ``name``, or its entry ``key`` (``"grad['w']"``)."""
    return name if key is None else f"{name}[{key!r}]"


def as_float_array(owner: str, name: str, value: Any, key: Any = None) -> np.ndarray:
    """``value`` as a float64 ndarray (the same object if it already is one); a clear error for non-reals.

    ``key``, if given, says that ``value`` is the entry ``name[key]`` of a dict argument.
    """
    if type(value) is np.ndarray and value.dtype == np.float64:
        return value
    try:
        array = np.asarray(value)
    except ValueError as error:  # a ragged list
        raise InvalidParameterError(message(owner, _entry(name, key), "an array of real numbers",
                                            type(value).__name__, str(error))) from None
    if array.dtype.kind not in "biuf":
        raise InvalidParameterError(message(owner, _entry(name, key), "an array of real numbers",
                                            f"dtype {array.dtype}"))
    return array.astype(np.float64, copy=False)


def check_finite(owner: str, name: str, array: np.ndarray, hint: str | None = None, key: Any = None,
                 error: type[ValueError] = ValueError) -> None:
    """Raise ``error`` (a ValueError) naming the first NaN or infinite entry of ``array``, if there is one.

    ``key``, if given, says that ``array`` is the entry ``name[key]`` of a dict argument. The check counts
    the finite entries rather than calling ``np.isfinite(array).all()``, half the time for small arrays,
    and checks an array of one entry (an intercept) as a Python float, ten times faster still: optimizers
    run it at every step.
    """
    if array.size == 1:
        finite = math.isfinite(array.item())
    else:
        finite = np.count_nonzero(np.isfinite(array)) == array.size
    if finite:
        return
    if array.ndim == 0:
        where = "the value"
    else:
        position = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        where = f"index {position}, value {array[position]}"
    text = f"{owner}: {_entry(name, key)} must be finite, got NaN or inf (first at {where})"
    raise error(f"{text}; {hint}" if hint else text)
