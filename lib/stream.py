r"""Mini-batches streamed from ``.npy`` files on disk, for data sets larger than memory.

A data set stored as two ``.npy`` files, the features ``X`` (shape ``(n, d)``) and the targets ``y`` (shape
``(n,)``), is read a **chunk** of ``chunk_size`` consecutive rows at a time, with explicit file reads
(``readinto`` into a fresh buffer), never with a memory map. At most two chunks are held in memory, so the
memory a pass needs is set by ``chunk_size``, not by :math:`n`.

**The order of an epoch.** Rows :math:`cC, \dots, cC + C - 1` form chunk :math:`c` (:math:`C` the chunk size;
the last chunk may be shorter). Epoch :math:`e` visits the chunks in a random order :math:`\pi_e`, and the rows
of each chunk in a random order :math:`\sigma_{e,c}`; the concatenated rows are cut into consecutive batches of
:math:`|B|` rows, so a batch may straddle two chunks and only the epoch's last batch can be short. Both
permutations come from :class:`numpy.random.SeedSequence` built from ``(seed, epoch)`` (and the chunk number for
:math:`\sigma_{e,c}`), so any epoch, and any batch of it, can be rebuilt from the seed alone: this is what lets
:func:`lib.train.train` resume a run in the middle of an epoch. The permutation of the rows this gives is not
uniform over all :math:`n!` orders: two rows of the same chunk are never more than two chunks apart. On a file
whose rows are in random order this costs nothing; on a sorted file it makes the mini-batch gradient much
noisier (the chapter measures it), which is why large data sets are shuffled once on disk before training.

Three objects, each with the protocol of :class:`lib.data.MiniBatches` (``batches(epoch)`` gives the epoch's
batches, ``state_dict()`` its configuration):

:class:`NpyStream`
    The stream itself: its batches are :class:`StreamBatch` objects, which read their rows from disk when asked
    (``batch.arrays()``).
:class:`ChunkedMiniBatches`
    The same order as index arrays into data held in memory: the in-memory reference that streamed training is
    checked against, bit for bit.
:class:`StreamObjective`
    The objective of a linear model (:class:`lib.models.LinearObjective`) evaluated on a streamed batch, what
    :func:`lib.train.train` is given.

Files are checked when a stream is opened (:func:`read_npy_header`): a missing file, a file that is not an
``.npy`` array, a dtype that is not a real number, X and y of different lengths, and a file shorter than its
header says (a copy or a write cut short) each get an error that says which. Each chunk is checked for NaN and
infinity when it is read.

The way of training is stochastic gradient descent, which needs only one mini-batch in memory at a time
:cite:p:`robbins1951stochastic,bottou2018optimization`; for data that exceed one machine, see the chapter's
section on Hadoop and Spark :cite:p:`dean2004mapreduce,zaharia2010spark`.
"""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from lib.checks import Boolean, InstanceOf, Interval, InvalidParameterError, check_params, message
from lib.losses import L2, Loss
from lib.models import LinearObjective
from lib.rng import SEED_CONSTRAINT

__all__ = [
    "NpyHeader",
    "read_npy_header",
    "read_rows",
    "chunk_order",
    "ChunkedMiniBatches",
    "NpyStream",
    "StreamBatch",
    "StreamObjective",
]

#: How many chunks a stream keeps in memory: the current one and the one before (a batch may straddle both).
CACHED_CHUNKS = 2


# ---------------------------------------------------------------------------------------------------------
# The .npy format: header, size check, and explicit reads of rows
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NpyHeader:
    """What an ``.npy`` file's header says: where the data start, their shape and dtype.

    Attributes
    ----------
    path : str
        The file.
    shape : tuple of int
        The array's shape.
    dtype : numpy.dtype
        The array's dtype (as stored, possibly big-endian).
    offset : int
        Bytes before the data: the magic string, the version and the header.
    """

    path: str
    shape: tuple[int, ...]
    dtype: np.dtype
    offset: int

    @property
    def row_bytes(self) -> int:
        """Bytes of one row (of one entry, for a one-dimensional array)."""
        return math.prod(self.shape[1:]) * self.dtype.itemsize

    @property
    def data_bytes(self) -> int:
        """Bytes of data the header promises: :math:`n` times :attr:`row_bytes`."""
        return self.shape[0] * self.row_bytes if self.shape else self.dtype.itemsize


def read_npy_header(path: str | os.PathLike, *, owner: str = "read_npy_header", name: str = "path") -> NpyHeader:
    """Read and check the header of an ``.npy`` file, and check the file holds exactly the data it promises.

    An ``.npy`` file is a magic string, a version, a header (a Python dict literal with ``descr``,
    ``fortran_order`` and ``shape``) padded to a multiple of 64 bytes, and then the raw bytes of the array, so
    its size must be the header's length plus :math:`n \\times` (bytes per row). A file that is shorter was cut
    short; ``np.load(path, mmap_mode="r")`` reports that only as ``"mmap length is greater than file size"``.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    owner, name : str
        Who reads it and what the argument is called, for the error messages.

    Returns
    -------
    NpyHeader

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not an ``.npy`` file (of format version 1 or 2), holds Python objects, is stored in
        Fortran order, or its size does not match its header (truncated, or with bytes after the data).
    """
    path = os.fspath(check_params(owner, {name: path}, {name: [InstanceOf(str | os.PathLike, "a file path")]})[name])
    if not os.path.isfile(path):
        raise FileNotFoundError(message(owner, name, "an existing .npy file", path, "there is no such file"))
    with open(path, "rb") as file:
        try:
            version = np.lib.format.read_magic(file)
            read_header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
            if version not in read_header:
                raise ValueError(f"format version {version} (only 1.0 and 2.0 are read)")
            shape, fortran_order, dtype = read_header[version](file)
        except ValueError as error:
            raise ValueError(message(owner, name, "an .npy file written by np.save", path,
                                     f"its header cannot be read ({error})")) from None
        offset = file.tell()
    if dtype.hasobject:
        raise ValueError(message(owner, name, "an .npy file of numbers", path,
                                 f"it holds Python objects (dtype {dtype}), which cannot be read without pickle"))
    if fortran_order and len(shape) > 1:
        raise ValueError(message(owner, name, "an .npy file in C (row-major) order", path,
                                 "rows of a Fortran-ordered array are not contiguous on disk; save "
                                 "np.ascontiguousarray(X) instead"))
    header = NpyHeader(path=path, shape=tuple(int(size) for size in shape), dtype=dtype, offset=offset)
    _check_file_size(header, owner, name)
    return header


def _check_file_size(header: NpyHeader, owner: str, name: str) -> None:
    """The file's size against the header's promise: truncated, or longer than its data."""
    expected = header.offset + header.data_bytes
    actual = os.path.getsize(header.path)
    if actual < expected:
        complete = (actual - header.offset) // header.row_bytes if header.row_bytes else 0
        raise ValueError(
            f"{owner}: {name} {header.path!r} is truncated: its header promises shape {header.shape} of "
            f"{header.dtype}, {expected} bytes in all, but the file has {actual} bytes ({max(complete, 0)} complete "
            "rows); it was cut short (an interrupted copy or write), so write it again"
        )
    if actual > expected:
        raise ValueError(
            f"{owner}: {name} {header.path!r} has {actual - expected} bytes after the data its header describes "
            f"(shape {header.shape} of {header.dtype}); it is not a file written by np.save"
        )


def read_rows(header: NpyHeader, start: int, stop: int, out: np.ndarray | None = None) -> np.ndarray:
    """Rows ``start`` to ``stop - 1`` of an ``.npy`` file, read with one ``readinto`` into a new array (or ``out``).

    The array has the file's dtype; nothing else of the file is read or kept (no memory map). ``out``, an
    array of the file's dtype with at least ``stop - start`` rows, is reused as the buffer (its first rows are
    returned): a stream that reads chunk after chunk then touches no fresh memory.

    Raises
    ------
    ValueError
        If the file has become shorter since its header was checked.
    """
    shape = (stop - start, *header.shape[1:])
    if out is not None and out.dtype == header.dtype and out.shape[1:] == shape[1:] and len(out) >= shape[0]:
        rows = out[:shape[0]]
    else:
        rows = np.empty(shape, dtype=header.dtype)
    with open(header.path, "rb") as file:
        file.seek(header.offset + start * header.row_bytes)
        read = file.readinto(rows.reshape(-1).view(np.uint8))
    if read != rows.nbytes:
        raise ValueError(f"read_rows: {header.path!r} ended after {read} of the {rows.nbytes} bytes of rows "
                         f"{start}..{stop - 1}; the file was truncated after it was opened")
    return rows


# ---------------------------------------------------------------------------------------------------------
# The order of an epoch: chunks shuffled, rows shuffled within each chunk
# ---------------------------------------------------------------------------------------------------------


def _chunk_permutation(seed: int, epoch: int, n_chunks: int) -> np.ndarray:
    """:math:`\\pi_e`: the order of the chunks in epoch ``epoch``."""
    return np.random.default_rng(np.random.SeedSequence([seed, epoch])).permutation(n_chunks)


def _row_permutation(seed: int, epoch: int, chunk: int, length: int) -> np.ndarray:
    """:math:`\\sigma_{e,c}`: the order of the rows of chunk ``chunk`` in epoch ``epoch`` (a spawned sequence)."""
    sequence = np.random.SeedSequence([seed, epoch], spawn_key=(chunk,))
    return np.random.default_rng(sequence).permutation(length)


def chunk_order(n_samples: int, chunk_size: int, *, seed: int | None, epoch: int) -> np.ndarray:
    r"""The row order of epoch ``epoch``: chunks in a random order, rows in a random order within each chunk.

    The order is :math:`cC + \sigma_{e,c}(r)` for the chunks :math:`c = \pi_e(0), \pi_e(1), \dots` and, within
    each, :math:`r = 0, 1, \dots`, with :math:`C` = ``chunk_size`` (see the module docstring). With
    ``seed=None`` nothing is shuffled and the order is :math:`0, 1, \dots, n - 1`.

    Parameters
    ----------
    n_samples : int
        Number of rows :math:`n \ge 1`.
    chunk_size : int
        Rows per chunk :math:`C \ge 1`; ``chunk_size >= n_samples`` is one chunk, a full shuffle.
    seed : int or None
        Seed of the permutations, or None for the file order.
    epoch : int
        The epoch :math:`e \ge 0`.

    Returns
    -------
    numpy.ndarray of shape (n_samples,)
        A permutation of :math:`0, \dots, n - 1`.

    Examples
    --------
    >>> order = chunk_order(10, 4, seed=0, epoch=0)
    >>> sorted(order.tolist()) == list(range(10)), [int(row) // 4 for row in order]
    (True, [2, 2, 0, 0, 0, 0, 1, 1, 1, 1])
    """
    checked = check_params("chunk_order", {"n_samples": n_samples, "chunk_size": chunk_size, "seed": seed,
                                           "epoch": epoch}, _ORDER_CONSTRAINTS)
    n_samples, chunk_size, seed, epoch = checked.values()
    if seed is None:
        return np.arange(n_samples)
    n_chunks = -(-n_samples // chunk_size)
    parts = []
    for chunk in _chunk_permutation(seed, epoch, n_chunks):
        start = int(chunk) * chunk_size
        length = min(chunk_size, n_samples - start)
        parts.append(start + _row_permutation(seed, epoch, int(chunk), length))
    return np.concatenate(parts)


_ORDER_CONSTRAINTS = {
    "n_samples": [Interval(Integral, 1, None)],
    "chunk_size": [Interval(Integral, 1, None)],
    "seed": [SEED_CONSTRAINT, None],
    "epoch": [Interval(Integral, 0, None)],
}

_BATCH_CONSTRAINTS = {
    "batch_size": [Interval(Integral, 1, None)],
    "chunk_size": [Interval(Integral, 1, None)],
    "seed": [SEED_CONSTRAINT, None],
    "shuffle": [Boolean()],
    "drop_last": [Boolean()],
}


def _check_batching(owner: str, n_samples: int, batch_size: int, chunk_size: int, seed: int | None,
                    shuffle: bool, drop_last: bool) -> tuple[int, int, int | None, bool, bool]:
    """The batching arguments, checked the way :class:`lib.data.MiniBatches` checks its own."""
    checked = check_params(owner, {"batch_size": batch_size, "chunk_size": chunk_size, "seed": seed,
                                   "shuffle": shuffle, "drop_last": drop_last}, _BATCH_CONSTRAINTS)
    batch_size, chunk_size, seed, shuffle, drop_last = checked.values()
    if shuffle and seed is None:
        raise InvalidParameterError(message(owner, "seed", "a non-negative integer when shuffle=True", None,
                                            "the book never shuffles unseeded"))
    if not shuffle and seed is not None:
        raise InvalidParameterError(message(owner, "seed", "None when shuffle=False", seed, "it would have no effect"))
    if drop_last and batch_size > n_samples:
        raise ValueError(f"{owner}: batch_size = {batch_size} is larger than n_samples = {n_samples}, so "
                         "drop_last=True would drop every sample; use a smaller batch_size")
    return batch_size, chunk_size, seed, shuffle, drop_last


def _batch_bounds(n_samples: int, batch_size: int, drop_last: bool) -> list[tuple[int, int]]:
    """``(start, stop)`` positions in the epoch's order of each batch; the last may be short, or dropped."""
    stop = n_samples - n_samples % batch_size if drop_last else n_samples
    return [(start, min(start + batch_size, stop)) for start in range(0, stop, batch_size)]


class ChunkedMiniBatches:
    """The batches of :class:`NpyStream`, as index arrays into data held in memory.

    ``ChunkedMiniBatches(n, batch_size, chunk_size, seed=s)(e)`` cuts :func:`chunk_order` of epoch ``e`` into
    consecutive batches of ``batch_size`` rows, exactly the rows, in exactly the order, of the batches of an
    :class:`NpyStream` with the same arguments. Training on it with a :class:`lib.models.LinearObjective` of the
    arrays in memory is the reference a streamed run must equal bit for bit; with ``chunk_size >= n`` it is a
    full shuffle, a drop-in alternative to :class:`lib.data.MiniBatches` (with another random order).

    Parameters
    ----------
    n_samples : int
        Number of rows :math:`n \\ge 1`.
    batch_size : int
        Rows per batch :math:`|B| \\ge 1`.
    chunk_size : int
        Rows per chunk :math:`C \\ge 1`.
    seed : int or None
        Seed of the shuffles (None with ``shuffle=False``).
    shuffle : bool, default True
        Shuffle the chunks and the rows within each chunk every epoch.
    drop_last : bool, default False
        Drop each epoch's last batch if it is shorter than ``batch_size``.

    Examples
    --------
    >>> batches = ChunkedMiniBatches(10, 3, 4, seed=0)
    >>> [batch.tolist() for batch in batches(0)]
    [[9, 8, 1], [0, 3, 2], [6, 4, 7], [5]]
    """

    def __init__(self, n_samples: int, batch_size: int, chunk_size: int, *, seed: int | None, shuffle: bool = True,
                 drop_last: bool = False) -> None:
        owner = "ChunkedMiniBatches"
        self.n_samples = check_params(owner, {"n_samples": n_samples}, _ORDER_CONSTRAINTS)["n_samples"]
        self.batch_size, self.chunk_size, self.seed, self.shuffle, self.drop_last = _check_batching(
            owner, self.n_samples, batch_size, chunk_size, seed, shuffle, drop_last)

    def __call__(self, epoch: int) -> list[np.ndarray]:
        """Return the index arrays of epoch ``epoch`` (0 for the first epoch)."""
        order = chunk_order(self.n_samples, self.chunk_size, seed=self.seed, epoch=epoch)
        return [order[start:stop] for start, stop in _batch_bounds(self.n_samples, self.batch_size, self.drop_last)]

    def state_dict(self) -> dict[str, int | bool]:
        """The configuration as plain scalars; a checkpoint keeps it to check that a resumed run has the same."""
        return {"n_samples": self.n_samples, "batch_size": self.batch_size, "chunk_size": self.chunk_size,
                "seed": -1 if self.seed is None else self.seed, "shuffle": self.shuffle, "drop_last": self.drop_last}

    def __repr__(self) -> str:
        return (f"ChunkedMiniBatches(n_samples={self.n_samples}, batch_size={self.batch_size}, "
                f"chunk_size={self.chunk_size}, seed={self.seed}, shuffle={self.shuffle}, drop_last={self.drop_last})")


# ---------------------------------------------------------------------------------------------------------
# The stream
# ---------------------------------------------------------------------------------------------------------


class NpyStream:
    r"""Mini-batches of ``(X, y)`` read in chunks from two ``.npy`` files; ``batches=`` of :func:`lib.train.train`.

    ``stream(epoch)`` returns the epoch's batches as :class:`StreamBatch` objects, which hold positions, not
    data: ``batch.arrays()`` reads the batch's rows, loading the chunks it needs (at most
    ``CACHED_CHUNKS`` are kept). Read in order, every chunk is read once per epoch, and memory holds about
    two chunks and a batch whatever the size of the files. The batches hold the rows of
    :class:`ChunkedMiniBatches` with the same arguments, in the same order (``batch.indices``).

    Parameters
    ----------
    X_path : str or os.PathLike
        An ``.npy`` file of shape ``(n, d)``, float32 or float64, in C order. Rows are returned as float64.
    y_path : str or os.PathLike
        An ``.npy`` file of shape ``(n,)``: floating-point targets (returned as float64) or integer labels
        (returned as int64).
    batch_size : int
        Rows per batch :math:`|B| \ge 1`.
    chunk_size : int
        Rows read from disk at a time, :math:`C \ge 1`. Memory grows with it; so does the quality of the
        shuffle (a chunk of all the rows is a full shuffle).
    seed : int or None
        Seed of the shuffles (None with ``shuffle=False``).
    shuffle : bool, default True
        Shuffle the chunks, and the rows within each chunk, every epoch.
    drop_last : bool, default False
        Drop each epoch's last batch if it is shorter than ``batch_size``.

    Attributes
    ----------
    n_samples, n_features, n_chunks : int
    chunks_read : int
        How many chunks have been read from disk so far (to see that sequential reading reads each once).

    Raises
    ------
    FileNotFoundError, ValueError
        For a missing file, a file that is not a C-ordered ``.npy`` array of real numbers, a truncated file,
        X not two-dimensional, y not one-dimensional, or X and y of different lengths.
    """

    def __init__(self, X_path: str | os.PathLike, y_path: str | os.PathLike, *, batch_size: int, chunk_size: int,
                 seed: int | None, shuffle: bool = True, drop_last: bool = False) -> None:
        owner = "NpyStream"
        self.X_header = read_npy_header(X_path, owner=owner, name="X_path")
        self.y_header = read_npy_header(y_path, owner=owner, name="y_path")
        _check_arrays(owner, self.X_header, self.y_header)
        self.n_samples, self.n_features = self.X_header.shape
        self.batch_size, self.chunk_size, self.seed, self.shuffle, self.drop_last = _check_batching(
            owner, self.n_samples, batch_size, chunk_size, seed, shuffle, drop_last)
        self.n_chunks = -(-self.n_samples // self.chunk_size)
        self.chunks_read = 0
        self._cache: OrderedDict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = OrderedDict()

    def __call__(self, epoch: int) -> list[StreamBatch]:
        """Return the batches of epoch ``epoch`` (0 for the first), which read their rows when asked."""
        epoch = check_params("NpyStream", {"epoch": epoch}, {"epoch": [Interval(Integral, 0, None)]})["epoch"]
        if self.shuffle:
            chunks = _chunk_permutation(self.seed, epoch, self.n_chunks)
        else:
            chunks = np.arange(self.n_chunks)
        lengths = np.minimum(self.chunk_size, self.n_samples - chunks * self.chunk_size)
        starts = np.concatenate([[0], np.cumsum(lengths)])  # where each chunk begins in the epoch's order
        plan = _EpochPlan(epoch, chunks, starts)
        return [StreamBatch(self, plan, start, stop)
                for start, stop in _batch_bounds(self.n_samples, self.batch_size, self.drop_last)]

    def chunk(self, epoch: int, chunk: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Chunk ``chunk`` as read from disk, and its row order :math:`\sigma_{e,c}` in epoch ``epoch``.

        Returns ``(X_rows, y_rows, order)``, the rows in file order with the files' dtypes. The chunk is read
        (and checked for NaN and infinity) unless it is one of the last ``CACHED_CHUNKS`` read; it is read
        into the arrays of the chunk it evicts, so the arrays returned are valid until
        ``CACHED_CHUNKS`` other chunks have been read (``StreamBatch.arrays`` returns copies).
        """
        key = (epoch, chunk)
        if key in self._cache:
            return self._cache[key]
        start = chunk * self.chunk_size
        stop = min(start + self.chunk_size, self.n_samples)
        X_buffer = y_buffer = None
        while len(self._cache) >= CACHED_CHUNKS:  # the oldest chunk's arrays become the new one's buffers
            X_buffer, y_buffer, _ = self._cache.popitem(last=False)[1]
        X_rows = read_rows(self.X_header, start, stop, out=X_buffer)
        y_rows = read_rows(self.y_header, start, stop, out=y_buffer)
        _check_finite_rows(self.X_header, X_rows, start)
        _check_finite_rows(self.y_header, y_rows, start)
        if self.shuffle:
            order = _row_permutation(self.seed, epoch, chunk, stop - start)
        else:
            order = np.arange(stop - start)
        self.chunks_read += 1
        self._cache[key] = (X_rows, y_rows, order)
        return X_rows, y_rows, order

    def iter_chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(X, y)`` chunk by chunk in file order (X as float64), for a pass over all the data.

        Use it to evaluate a model on data that do not fit in memory (a loss is a sum over chunks).
        """
        for start in range(0, self.n_samples, self.chunk_size):
            stop = min(start + self.chunk_size, self.n_samples)
            X_rows = read_rows(self.X_header, start, stop)
            y_rows = read_rows(self.y_header, start, stop)
            _check_finite_rows(self.X_header, X_rows, start)
            _check_finite_rows(self.y_header, y_rows, start)
            yield _as_float64(X_rows), _as_targets(y_rows)

    def state_dict(self) -> dict[str, int | bool]:
        """The configuration as plain scalars; a checkpoint keeps it to check that a resumed run has the same.

        The files' paths are left out (a run may resume with the files moved); their shapes are kept.
        """
        return {"n_samples": self.n_samples, "n_features": self.n_features, "batch_size": self.batch_size,
                "chunk_size": self.chunk_size, "seed": -1 if self.seed is None else self.seed,
                "shuffle": self.shuffle, "drop_last": self.drop_last}

    def __repr__(self) -> str:
        return (f"NpyStream(n_samples={self.n_samples}, n_features={self.n_features}, batch_size={self.batch_size}, "
                f"chunk_size={self.chunk_size}, seed={self.seed}, shuffle={self.shuffle}, drop_last={self.drop_last})")


@dataclass(frozen=True)
class _EpochPlan:
    """One epoch's chunk order and where each chunk starts in the epoch's order (shared by its batches)."""

    epoch: int
    chunks: np.ndarray
    starts: np.ndarray


class StreamBatch:
    """One mini-batch of an :class:`NpyStream`: positions ``start`` to ``stop - 1`` of an epoch's order.

    It holds no data. ``arrays()`` reads them; ``indices`` gives the rows' numbers in the files (what an
    in-memory run would index with); ``len(batch)`` is the batch size.
    """

    def __init__(self, stream: NpyStream, plan: _EpochPlan, start: int, stop: int) -> None:
        self.stream, self.plan, self.start, self.stop = stream, plan, start, stop

    def __len__(self) -> int:
        return self.stop - self.start

    def _pieces(self) -> Iterator[tuple[int, int, int]]:
        """``(chunk, first, last)``: the chunks the batch takes rows from, and which rows of their order."""
        plan = self.plan
        slot = int(np.searchsorted(plan.starts, self.start, side="right")) - 1
        while slot < len(plan.chunks) and plan.starts[slot] < self.stop:
            begin, end = int(plan.starts[slot]), int(plan.starts[slot + 1])
            yield int(plan.chunks[slot]), max(self.start, begin) - begin, min(self.stop, end) - begin
            slot += 1

    @property
    def indices(self) -> np.ndarray:
        """The rows' numbers in the files, in the batch's order."""
        stream = self.stream
        parts = []
        for chunk, first, last in self._pieces():
            length = min(stream.chunk_size, stream.n_samples - chunk * stream.chunk_size)
            if stream.shuffle:
                order = _row_permutation(stream.seed, self.plan.epoch, chunk, length)
            else:
                order = np.arange(length)
            parts.append(chunk * stream.chunk_size + order[first:last])
        return np.concatenate(parts)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The batch's rows ``(X_B, y_B)``, read from disk (through the stream's chunk cache): new arrays."""
        X_parts, y_parts = [], []
        for chunk, first, last in self._pieces():
            X_rows, y_rows, order = self.stream.chunk(self.plan.epoch, chunk)
            rows = order[first:last]
            X_parts.append(X_rows[rows])
            y_parts.append(y_rows[rows])
        if len(X_parts) == 1:
            return _as_float64(X_parts[0]), _as_targets(y_parts[0])
        return _as_float64(np.concatenate(X_parts)), _as_targets(np.concatenate(y_parts))

    def __repr__(self) -> str:
        return f"StreamBatch(epoch={self.plan.epoch}, positions {self.start}..{self.stop - 1})"


def _check_arrays(owner: str, X_header: NpyHeader, y_header: NpyHeader) -> None:
    """Shapes and dtypes of X and y: a non-empty (n, d) array of floats and an (n,) array of numbers."""
    if len(X_header.shape) != 2 or 0 in X_header.shape:
        raise ValueError(message(owner, "X_path", "an .npy file of a non-empty two-dimensional array (n, d)",
                                 X_header.path, f"its shape is {X_header.shape}"))
    if len(y_header.shape) != 1:
        raise ValueError(message(owner, "y_path", "an .npy file of a one-dimensional array (n,)", y_header.path,
                                 f"its shape is {y_header.shape}; save y.ravel()"))
    if X_header.dtype.kind != "f" or X_header.dtype.itemsize not in (4, 8):
        raise ValueError(message(owner, "X_path", "an .npy file of float32 or float64", X_header.path,
                                 f"its dtype is {X_header.dtype}; save X.astype(np.float64)"))
    if y_header.dtype.kind not in "fiu" or (y_header.dtype.kind == "f" and y_header.dtype.itemsize not in (4, 8)):
        raise ValueError(message(owner, "y_path", "an .npy file of float32, float64 or integers", y_header.path,
                                 f"its dtype is {y_header.dtype}"))
    if X_header.shape[0] != y_header.shape[0]:
        raise ValueError(f"{owner}: X and y must have the same number of rows, got {X_header.shape[0]} rows in "
                         f"{X_header.path!r} and {y_header.shape[0]} in {y_header.path!r}")


def _check_finite_rows(header: NpyHeader, rows: np.ndarray, start: int) -> None:
    """Refuse a chunk with NaN or infinity, naming the file and the row."""
    if rows.dtype.kind != "f" or np.isfinite(rows).all():
        return
    bad = np.argwhere(~np.isfinite(rows))[0]
    raise ValueError(f"NpyStream: {header.path!r} must hold finite numbers, got {rows[tuple(bad)]} in row "
                     f"{start + int(bad[0])}")


def _as_float64(rows: np.ndarray) -> np.ndarray:
    return rows.astype(np.float64, copy=False)


def _as_targets(rows: np.ndarray) -> np.ndarray:
    return rows.astype(np.float64 if rows.dtype.kind == "f" else np.int64, copy=False)


# ---------------------------------------------------------------------------------------------------------
# The objective on a streamed batch
# ---------------------------------------------------------------------------------------------------------


class StreamObjective:
    r"""A linear model's mini-batch objective on batches that bring their own rows (:class:`StreamBatch`).

    :math:`J_B(w, b) = \frac{1}{|B|}\sum_{i\in B} \ell(y_i, x_i^\top w + b) + P(w)`, computed by
    :class:`lib.models.LinearObjective` on the rows ``batch.arrays()`` returns: the same code, the same
    arithmetic, as a :class:`~lib.models.LinearObjective` of the whole data set given the index array
    ``batch.indices``. So streamed and in-memory training agree bit for bit.

    Parameters
    ----------
    loss : lib.losses.Loss
        For example :class:`lib.losses.MSE`.
    penalty : lib.losses.L2 or None, default None
        A ridge penalty (non-smooth penalties need a proximal step; use the in-memory estimators for them).
    fit_intercept : bool, default True
        Whether the parameters have an intercept ``"b"`` besides the weights ``"w"``.

    Examples
    --------
    >>> from lib.losses import MSE
    >>> StreamObjective(MSE())
    StreamObjective(loss=MSE(), penalty=None, fit_intercept=True)
    """

    constraints = {
        "loss": [InstanceOf(Loss, "a lib.losses loss such as MSE()")],
        "penalty": [InstanceOf(L2, "lib.losses.L2(alpha)"), None],
        "fit_intercept": [Boolean()],
    }

    def __init__(self, loss: Loss, penalty: L2 | None = None, fit_intercept: bool = True) -> None:
        checked = check_params("StreamObjective", {"loss": loss, "penalty": penalty, "fit_intercept": fit_intercept},
                               self.constraints)
        self.loss, self.penalty, self.fit_intercept = checked.values()

    def loss_and_grad(self, theta: dict[str, np.ndarray], batch: StreamBatch) -> tuple[float, dict[str, np.ndarray]]:
        """:math:`J_B(\\theta)` and its gradient on the rows of ``batch`` (anything with ``arrays()``)."""
        if batch is None or not hasattr(batch, "arrays"):
            raise InvalidParameterError(message("StreamObjective", "batch", "a batch with an arrays() method, such as "
                                                "an NpyStream's", type(batch).__name__,
                                                "pass batches=NpyStream(...) to lib.train.train"))
        X, y = batch.arrays()
        return LinearObjective(X, y, self.loss, self.penalty, self.fit_intercept).loss_and_grad(theta)

    def initial_parameters(self, n_features: int) -> dict[str, np.ndarray]:
        """Zeros: ``w`` of shape ``(n_features,)`` and, with an intercept, ``b`` of shape ``()``."""
        theta = {"w": np.zeros(n_features)}
        if self.fit_intercept:
            theta["b"] = np.zeros(())
        return theta

    def value_on(self, theta: dict[str, np.ndarray], stream: NpyStream) -> float:
        r""":math:`J(\theta)` on all the rows of ``stream``, one chunk at a time (a weighted mean of chunk losses)."""
        total, count = 0.0, 0
        for X, y in stream.iter_chunks():
            total += len(y) * LinearObjective(X, y, self.loss, None, self.fit_intercept).value(theta)
            count += len(y)
        penalty = self.penalty.value(theta["w"], check_input=False) if self.penalty is not None else 0.0
        return total / count + penalty

    def __repr__(self) -> str:
        return f"StreamObjective(loss={self.loss!r}, penalty={self.penalty!r}, fit_intercept={self.fit_intercept})"
