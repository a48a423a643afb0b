r"""Checkpoints: the state of a training run as plain arrays in an ``.npz`` file, and back.

A checkpoint is a flat mapping from names to NumPy arrays of numbers, booleans or strings, written with
:func:`numpy.savez` and read with ``np.load(path, allow_pickle=False)``: nothing in it is a pickled Python
object, so loading a checkpoint never runs code, and any NumPy can read it. :func:`lib.train.train` stores
in it everything a run needs to continue (the parameters, the optimizer's, the schedule's and the callbacks'
``state_dict()``, the counters and the histories), so that a run resumed from a checkpoint ends with the same
numbers, bit for bit, as a run never stopped.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
>>> save_arrays(path, {"step": 3, **params_to_arrays("theta", {"w": np.ones(2), "b": np.zeros(())})})
>>> saved = load_arrays(path)
>>> int(saved["step"]), arrays_to_params("theta", saved)
(3, {'w': array([1., 1.]), 'b': array(0.)})

:class:`Checkpoint` is what a run is given (``train(..., checkpoint=Checkpoint("run.npz", every=100))``): where
to write, how often, and whether to continue from the file. A file that is missing, cut short (a run killed
while writing; writes go to a temporary file that is renamed only when complete, so this takes a crash of
the disk or a copy gone wrong) or not a checkpoint at all gets an error that says which.

Names are flat strings; groups of entries share a prefix, ``"optimizer/lr"``, ``"theta/w"``
(:func:`with_prefix`, :func:`without_prefix`), and parameters, one array or a dict of arrays, are stored as
``"theta"`` or ``"theta/<key>"`` (:func:`params_to_arrays`, :func:`arrays_to_params`).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from numbers import Integral
from typing import Any

import numpy as np

from lib.checks import Boolean, InstanceOf, Interval, check_params
from lib.types import Params

__all__ = [
    "Checkpoint",
    "save_arrays",
    "load_arrays",
    "params_to_arrays",
    "arrays_to_params",
    "with_prefix",
    "without_prefix",
    "FORMAT_KEY",
    "FORMAT_VERSION",
]

#: The entry that marks a file as a checkpoint of this layout, and its version.
FORMAT_KEY = "checkpoint_format"
FORMAT_VERSION = 1

#: The kinds of arrays a checkpoint may hold: booleans, signed and unsigned integers, floats, strings.
_PLAIN_KINDS = "biufU"


class Checkpoint:
    """Where a training run saves its state, how often, and whether it continues from it.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file. It is written when the run stops and, with ``every``, after every ``every``-th
        step; each write replaces the file whole (written to ``path + ".tmp"``, then renamed).
    every : int, optional
        Also save after every ``every``-th optimizer step (counted from the very start of the run).
    resume : bool, default False
        Continue the run saved in ``path`` (which must exist) instead of starting a new one; the run then
        goes on saving to the same file.

    Examples
    --------
    >>> Checkpoint("run.npz", every=100)
    Checkpoint('run.npz', every=100, resume=False)
    >>> Checkpoint("run.npz", every=100).due(200), Checkpoint("run.npz").due(200)
    (True, False)
    """

    constraints = {
        "path": [InstanceOf(str | os.PathLike, "a file path (a str or an os.PathLike)")],
        "every": [Interval(Integral, 1, None), None],
        "resume": [Boolean()],
    }

    def __init__(self, path: str | os.PathLike, *, every: int | None = None, resume: bool = False) -> None:
        checked = check_params("Checkpoint", {"path": path, "every": every, "resume": resume}, self.constraints)
        self.path = os.fspath(path)
        self.every = checked["every"]
        self.resume = checked["resume"]

    def due(self, step: int) -> bool:
        """Whether the run saves after step ``step`` (a multiple of ``every``)."""
        return self.every is not None and step % self.every == 0

    def save(self, arrays: Mapping[str, Any]) -> None:
        """Write ``arrays`` to ``path`` (see :func:`save_arrays`)."""
        save_arrays(self.path, arrays)

    def load(self) -> dict[str, np.ndarray]:
        """Read the arrays saved at ``path`` (see :func:`load_arrays`)."""
        return load_arrays(self.path, owner="Checkpoint")

    def __repr__(self) -> str:
        return f"Checkpoint({self.path!r}, every={self.every}, resume={self.resume})"


def save_arrays(path: str | os.PathLike, arrays: Mapping[str, Any]) -> None:
    """Write a flat mapping of plain arrays to an ``.npz`` file, completely or not at all.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (its name is used as given; no ``.npz`` is appended).
    arrays : mapping of str to array_like
        Numbers, booleans, strings, or arrays of them; the entry ``FORMAT_KEY`` is added.

    Raises
    ------
    ValueError
        If an entry is not a plain array (a Python object, a ragged list), which ``allow_pickle=False``
        could not load back.
    """
    plain = {FORMAT_KEY: np.asarray(FORMAT_VERSION)}
    for name, value in arrays.items():
        array = np.asarray(value)
        if array.dtype.kind not in _PLAIN_KINDS:
            raise ValueError(f"save_arrays: arrays[{name!r}] must be numbers, booleans or strings, "
                             f"got dtype {array.dtype}; a checkpoint holds plain arrays only")
        plain[name] = array
    path = os.fspath(path)
    temporary = f"{path}.tmp"
    with open(temporary, "wb") as file:
        np.savez(file, **plain)
    os.replace(temporary, path)


def load_arrays(path: str | os.PathLike, owner: str = "load_arrays") -> dict[str, np.ndarray]:
    """Read every array of a checkpoint written by :func:`save_arrays`.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    owner : str, default "load_arrays"
        Who is reading, for the error messages.

    Returns
    -------
    dict of str to numpy.ndarray
        The saved entries (without ``FORMAT_KEY``); a saved scalar comes back as a 0-d array.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file cannot be read as an ``.npz`` archive of plain arrays (truncated, corrupt, another
        format), or was not written by :func:`save_arrays` or by another version of its layout.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{owner}: path must be an existing checkpoint file, got {path!r}, which does not "
                                "exist; to start a new run, do not ask to resume")
    unreadable = (OSError, ValueError, EOFError, zipfile.BadZipFile)
    try:
        archive = np.load(path, allow_pickle=False)
    except unreadable as error:
        raise _unreadable(owner, path, error) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{owner}: path must be an .npz checkpoint, got {path!r}, which holds a single .npy array")
    try:
        with archive:
            saved = {name: archive[name] for name in archive.files}
    except unreadable as error:
        raise _unreadable(owner, path, error) from None
    if FORMAT_KEY not in saved:
        raise ValueError(f"{owner}: path must be a checkpoint written by lib.checkpoint, got {path!r}, an .npz "
                         f"archive without the {FORMAT_KEY!r} entry")
    version = saved.pop(FORMAT_KEY)
    if version.shape != () or version.dtype.kind not in "iu" or int(version) != FORMAT_VERSION:
        raise ValueError(f"{owner}: path must be a checkpoint of format version {FORMAT_VERSION}, got {path!r}, "
                         f"of version {version!r}")
    return saved


def _unreadable(owner: str, path: str, error: Exception) -> ValueError:
    return ValueError(f"{owner}: path must be a complete .npz checkpoint of plain arrays, got {path!r}, which cannot "
                      f"be read ({type(error).__name__}: {error}); it may be truncated or not a checkpoint")


def with_prefix(prefix: str, mapping: Mapping[str, Any]) -> dict[str, Any]:
    """``{f"{prefix}/{name}": value}`` for every entry of ``mapping``: a group of a checkpoint."""
    return {f"{prefix}/{name}": value for name, value in mapping.items()}


def without_prefix(prefix: str, arrays: Mapping[str, Any]) -> dict[str, Any]:
    """The group ``prefix`` of ``arrays``: its entries ``prefix/<name>``, keyed by ``<name>``."""
    start = f"{prefix}/"
    return {name[len(start):]: value for name, value in arrays.items() if name.startswith(start)}


def params_to_arrays(name: str, theta: Params) -> dict[str, np.ndarray]:
    """Parameters as checkpoint entries: ``{name: theta}`` for an array, ``{name/key: theta[key]}`` for a dict."""
    if isinstance(theta, dict):
        return with_prefix(name, theta)
    return {name: theta}


def arrays_to_params(name: str, arrays: Mapping[str, np.ndarray]) -> Params:
    """The parameters :func:`params_to_arrays` stored under ``name``: float64 arrays, a dict in the saved order.

    Raises
    ------
    KeyError
        If ``arrays`` holds no parameters under ``name``.
    """
    if name in arrays:
        return np.array(arrays[name], dtype=np.float64)
    group = without_prefix(name, arrays)
    if not group:
        raise KeyError(f"arrays_to_params: the checkpoint holds no parameters named {name!r}")
    return {key: np.array(value, dtype=np.float64) for key, value in group.items()}
