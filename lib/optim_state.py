"""Saving and restoring an optimizer's state as plain arrays: ``state_dict`` and ``load_state_dict``.

:class:`StateDictMixin` gives every optimizer of :mod:`lib.optim` the two methods that turn its complete
state into a flat dict of plain data and back, so that a checkpoint is a file of arrays:

>>> import io
>>> import numpy as np
>>> from lib.optim import Adam
>>> opt = Adam(lr=0.1)
>>> theta = opt.step(np.zeros(2), np.array([1.0, -1.0]))
>>> file = io.BytesIO()
>>> np.savez(file, **opt.state_dict())
>>> _ = file.seek(0)
>>> resumed = Adam()
>>> resumed.load_state_dict(np.load(file, allow_pickle=False))
>>> resumed.step_count, resumed.lr
(1, 0.1)

A state restored this way continues exactly, bit for bit, as the saved run would have. The flat keys
(``"state/theta/m"``, ...) are a file format: to read an optimizer's buffers, use ``opt.state`` (for
example ``opt.state["theta"]["m"]``), as :class:`lib.optim.Optimizer` documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np

from lib.checks import Interval, check_param

if TYPE_CHECKING:
    from lib.optim import Buffers

__all__ = ["StateDictMixin", "to_python_scalar"]

#: Key prefixes of the flat state: ``"state/<param>/<buffer>"`` and ``"shape/<param>"``.
STATE_PREFIX = "state/"
SHAPE_PREFIX = "shape/"
#: The key that holds the optimizer's class name.
CLASS_KEY = "optimizer"


def to_python_scalar(value: Any) -> Any:
    """A Python scalar from a scalar or a 0-d array (what ``np.load`` returns for a saved scalar)."""
    if isinstance(value, np.ndarray):
        if value.shape != ():
            raise ValueError(f"expected a scalar, got an array of shape {value.shape}")
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _saved_hyperparameter(value: Any) -> Any:
    """A hyperparameter as ``state_dict`` saved it, back as a Python value (a tuple for a saved pair)."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return tuple(value.tolist())
    return to_python_scalar(value)


def _saved_arrays(state: Mapping[str, Any]) -> tuple[dict[str, tuple[int, ...]], dict[str, Buffers]]:
    """The parameters' shapes and buffers held in a flat state, as ``{param: shape}`` and ``{param: buffers}``."""
    shapes: dict[str, tuple[int, ...]] = {}
    buffers: dict[str, Buffers] = {}
    for key, value in state.items():
        if key.startswith(SHAPE_PREFIX):
            shapes[key[len(SHAPE_PREFIX):]] = tuple(int(n) for n in np.asarray(value).ravel())
        elif key.startswith(STATE_PREFIX):
            param, _, name = key[len(STATE_PREFIX):].rpartition("/")
            buffers.setdefault(param, {})[name] = np.array(value, dtype=np.float64, copy=True)
    return shapes, buffers


class StateDictMixin:
    """``state_dict`` and ``load_state_dict`` of :class:`lib.optim.Optimizer`.

    It reads and writes what every optimizer has: its hyperparameters (the keys of
    ``parameter_constraints``), ``step_count``, ``state`` (per parameter, a dict of buffers), the
    structure of the parameters seen at the first step (``_shapes``, ``_takes_dict``; None before it), and
    ``_init_state(theta)``, the buffers a parameter starts with, which says which buffers a saved
    parameter must have.
    """

    def state_dict(self) -> dict[str, Any]:
        """Return the complete state as a flat dict of Python scalars, strings and ndarray copies.

        Keys: ``"optimizer"`` (the class name, so that a state is never loaded into another kind of
        optimizer, for example an ``AdamW`` state into an ``Adam``, which has the same hyperparameter
        names); each hyperparameter name (``"lr"``, ``"momentum"``, ...; a pair such as ``betas`` becomes
        an array of two floats); ``"step_count"``; ``"takes_dict"`` (whether the parameters are a dict;
        absent before the first step); ``"shape/<param>"`` (each parameter's shape, an integer array);
        ``"state/<param>/<buffer>"`` (the buffers of ``opt.state``, for example ``"state/w/b"`` for
        ``opt.state["w"]["b"]``). A bare-array parameter is named ``"theta"``. The dict can be saved with
        ``np.savez(path, **opt.state_dict())`` and restored from ``np.load(path, allow_pickle=False)``.

        It is for saving: read the buffers themselves from ``opt.state``.
        """
        state: dict[str, Any] = {CLASS_KEY: type(self).__name__}
        for name, value in self.hyperparameters().items():
            state[name] = np.array(value, dtype=np.float64) if isinstance(value, tuple) else value
        state["step_count"] = int(self.step_count)
        if self._shapes is not None:
            state["takes_dict"] = bool(self._takes_dict)
            for key, shape in self._shapes.items():
                state[f"{SHAPE_PREFIX}{key}"] = np.array(shape, dtype=np.int64)
        for key, buffers in self.state.items():
            for name, array in buffers.items():
                state[f"{STATE_PREFIX}{key}/{name}"] = np.array(array, dtype=np.float64, copy=True)
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
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
        self._check_entries(state)
        # Validate the hyperparameters by building a fresh optimizer of the same class with them.
        checked = type(self)(**{name: _saved_hyperparameter(state[name]) for name in self.parameter_constraints})
        owner = f"{type(self).__name__}.load_state_dict"
        step_count = check_param(owner, "state['step_count']", to_python_scalar(state["step_count"]),
                                 [Interval(Integral, 0, None)])
        shapes, buffers = _saved_arrays(state)
        checked._check_buffers(shapes, buffers, step_count)
        for name in self.parameter_constraints:
            setattr(self, name, getattr(checked, name))
        self.step_count = step_count
        self.state = {param: buffers.get(param, {}) for param in shapes}  # a parameter may keep none
        self._shapes = shapes or None
        self._takes_dict = bool(to_python_scalar(state["takes_dict"])) if shapes else None

    def _check_entries(self, state: dict[str, Any]) -> None:
        """Check the class name and that the state has exactly the entries that ``state_dict`` writes."""
        class_name = type(self).__name__
        owner = f"{class_name}.load_state_dict"
        saved_class = to_python_scalar(state.get(CLASS_KEY, class_name))
        if saved_class != class_name:
            raise ValueError(f"{owner}: state must be saved by {class_name}, got a state saved by {saved_class}; "
                             f"load it into {saved_class}")
        required = [*self.parameter_constraints, "step_count"]
        if any(key.startswith(SHAPE_PREFIX) for key in state):
            required.append("takes_dict")
        missing = [name for name in required if name not in state]
        if missing:
            raise ValueError(f"{owner}: state must be a dict from {class_name}.state_dict(), got one missing {missing}")
        known = {*required, CLASS_KEY}
        unknown = [key for key in state if key not in known and not key.startswith((STATE_PREFIX, SHAPE_PREFIX))]
        if unknown:
            raise ValueError(f"{owner}: state must be a dict from {class_name}.state_dict(), got unknown entries "
                             f"{unknown}; was it saved by another kind of optimizer?")

    def _check_buffers(self, shapes: dict[str, tuple[int, ...]], buffers: dict[str, Buffers],
                       step_count: int) -> None:
        """Check that every parameter has the buffers this optimizer creates for it, of its shape."""
        owner = f"{type(self).__name__}.load_state_dict"
        if bool(shapes) != (step_count > 0):
            raise ValueError(f"{owner}: state must have parameter shapes exactly when steps were taken, got "
                             f"step_count {step_count} and shapes {shapes}")
        orphans = sorted(buffers.keys() - shapes.keys())
        if orphans:
            raise ValueError(f"{owner}: state must have a 'shape/<param>' for every parameter with buffers, got "
                             f"buffers but no shape for {orphans}")
        for param, shape in shapes.items():
            expected = sorted(self._init_state(np.zeros(shape)))
            saved = buffers.get(param, {})
            if sorted(saved) != expected:
                raise ValueError(f"{owner}: the buffers of parameter {param!r} must be {expected} (those {self!r} "
                                 f"keeps), got {sorted(saved)}")
            for name, array in saved.items():
                if array.shape != shape:
                    raise ValueError(f"{owner}: state['state/{param}/{name}'] must have the parameter's shape "
                                     f"{shape}, got shape {array.shape}")
