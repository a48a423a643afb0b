r"""Data-parallel training on a Dask cluster, and small simulators of what distributed training costs.

**Synchronous data parallelism.** The data are cut into :math:`M` shards, one per worker. At step :math:`t`
worker :math:`m` computes the gradient :math:`g_t^{(m)}` of its shard's mini-batch :math:`B_t^{(m)}` at the
current parameters :math:`\theta_{t-1}`, and the driver averages the gradients, weighted by the batch sizes,
and takes one optimizer step:

.. math::

    g_t = \sum_{m=1}^{M} \frac{|B_t^{(m)}|}{|B_t|}\, g_t^{(m)}, \qquad
    B_t = B_t^{(1)} \cup \dots \cup B_t^{(M)}, \qquad
    \theta_t = \texttt{optimizer.step}(\theta_{t-1}, g_t).

For a loss that is a mean over samples, :math:`g_t` is exactly the gradient of the combined batch
:math:`B_t`, so the run is mini-batch training on :math:`B_t` in one process, up to the order in which
floating-point sums are taken: synchronous data-parallel SGD, as used for example by
:cite:t:`goyal2017accurate`. :class:`DataParallel` is such an objective for :func:`lib.train.train`: any
:mod:`lib.optim` optimizer (SGD, Adam, ...) takes the step on the driver, and the shards are sent to the
workers once (``client.scatter``). Without a client the same arithmetic runs in this process, shard after
shard, which is the reference a cluster run must equal bit for bit.

**Failures.** Every gradient of a step must come back, within ``timeout`` seconds; otherwise the step is not
taken. With ``retries=0`` the run stops with a :class:`WorkerLostError` that says so; with ``retries > 0`` the
shards a dead worker held are sent again (the driver keeps them) and the step is computed again, which gives
the same numbers, because a gradient depends only on the parameters and the batch. A model is never updated
with a partial average.

**Simulators** (NumPy, one process): :func:`ring_allreduce` and :func:`parameter_server_allreduce` count the
values each node sends :cite:p:`patarasuk2009bandwidth,li2014scaling`; :func:`delayed_gradient_descent` and
:func:`delayed_stability_limit` model asynchronous SGD with stale gradients on a quadratic.
:meth:`DataParallel.local_sgd` averages the workers' models every :math:`H` local steps
:cite:p:`mcmahan2017communication,stich2019local`.

>>> import numpy as np
>>> results, sent = ring_allreduce(np.arange(12.0).reshape(3, 4))   # three nodes, four values each
>>> results.tolist()   # every node ends with the sum of the three rows
[[12.0, 15.0, 18.0, 21.0], [12.0, 15.0, 18.0, 21.0], [12.0, 15.0, 18.0, 21.0]]
>>> sent.tolist()      # 2 (M - 1) = 4 chunks each, of sizes 2, 1, 1: 16 = 2 (M - 1) N values in all
[6, 5, 5]
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from lib.checks import InstanceOf, Interval, InvalidParameterError, as_float_array, check_finite, check_params, message
from lib.data import MiniBatches
from lib.losses import L2, Loss
from lib.models import LinearObjective
from lib.optim import SGD
from lib.rng import SEED_CONSTRAINT

__all__ = [
    "DataParallel",
    "ShardedBatches",
    "LocalSGDResult",
    "WorkerLostError",
    "split_shards",
    "ring_allreduce",
    "parameter_server_allreduce",
    "delayed_gradient_descent",
    "delayed_stability_limit",
]

Shard = tuple[np.ndarray, np.ndarray]


class WorkerLostError(RuntimeError):
    """A step's gradients did not all come back from the workers (a worker died, or the step timed out).

    The step was not taken: the parameters are those of the step before. Raised by :class:`DataParallel`
    when its retries are used up.
    """


# ---------------------------------------------------------------------------------------------------------
# Shards and their mini-batches
# ---------------------------------------------------------------------------------------------------------


def split_shards(X: ArrayLike, y: ArrayLike, n_shards: int) -> list[Shard]:
    """Cut ``(X, y)`` into ``n_shards`` consecutive shards of rows whose sizes differ by at most one.

    Parameters
    ----------
    X : array-like of shape (n, d)
    y : array-like of shape (n,)
    n_shards : int
        Number of shards :math:`M`, from 1 to :math:`n`.

    Returns
    -------
    list of (ndarray, ndarray)
        ``[(X_1, y_1), ..., (X_M, y_M)]``, copies; concatenated in order they give ``X`` and ``y`` back.
    """
    owner = "split_shards"
    X_array, y_array = _checked_shard(owner, "shards[0]", (X, y))
    n_shards = check_params(owner, {"n_shards": n_shards}, {"n_shards": [Interval(Integral, 1, None)]})["n_shards"]
    if n_shards > X_array.shape[0]:
        raise InvalidParameterError(message(owner, "n_shards", f"at most the number of samples {X_array.shape[0]}",
                                            n_shards, "every shard needs at least one sample"))
    pieces = np.array_split(np.arange(X_array.shape[0]), n_shards)
    return [(X_array[rows].copy(), y_array[rows].copy()) for rows in pieces]


class ShardedBatches:
    r"""The mini-batches of each epoch on every shard: step :math:`t` is a tuple :math:`(B_t^{(1)}, \dots, B_t^{(M)})`.

    Shard :math:`m` draws its batches as :class:`lib.data.MiniBatches` ``(n_m, batch_size, seed=seed + m)``,
    so each epoch's order depends only on the seed and the epoch. An epoch has as many steps as the shard
    with the fewest batches; with shards of equal size every sample is used once per epoch. Pass it as
    ``batches`` to :func:`lib.train.train` with a :class:`DataParallel` objective; :meth:`combined` gives the
    same batches as rows of the concatenated data, for the one-process reference.

    Parameters
    ----------
    shard_sizes : sequence of int
        :math:`n_1, \dots, n_M`, each at least 1.
    batch_size : int
        Samples per batch per shard, so a step uses up to :math:`M` times ``batch_size`` samples.
    seed : int
        Seed of the shuffles.
    """

    def __init__(self, shard_sizes: Sequence[int], batch_size: int, *, seed: int) -> None:
        owner = "ShardedBatches"
        if isinstance(shard_sizes, np.ndarray):
            shard_sizes = shard_sizes.tolist()
        if not isinstance(shard_sizes, Sequence) or isinstance(shard_sizes, str) or len(shard_sizes) == 0:
            raise InvalidParameterError(message(owner, "shard_sizes", "a non-empty sequence of positive integers",
                                                shard_sizes))
        checked = check_params(owner, {"batch_size": batch_size, "seed": seed},
                               {"batch_size": [Interval(Integral, 1, None)], "seed": [SEED_CONSTRAINT]})
        for index, size in enumerate(shard_sizes):
            check_params(owner, {f"shard_sizes[{index}]": size},
                         {f"shard_sizes[{index}]": [Interval(Integral, 1, None)]})
        self.shard_sizes = [int(size) for size in shard_sizes]
        self.batch_size, self.seed = checked["batch_size"], checked["seed"]
        self._per_shard = [MiniBatches(size, self.batch_size, seed=self.seed + index)
                           for index, size in enumerate(self.shard_sizes)]

    def __call__(self, epoch: int) -> list[tuple[np.ndarray, ...]]:
        """The steps of epoch ``epoch``: tuples of one index array per shard (rows of that shard)."""
        per_shard = [batches(epoch) for batches in self._per_shard]
        steps = min(len(batches) for batches in per_shard)
        return [tuple(batches[step] for batches in per_shard) for step in range(steps)]

    def combined(self, epoch: int) -> list[np.ndarray]:
        """The same steps as rows of the shards concatenated in order: :math:`B_t` as one index array."""
        offsets = np.cumsum([0, *self.shard_sizes[:-1]])
        return [np.concatenate([offset + rows for offset, rows in zip(offsets, step, strict=True)])
                for step in self(epoch)]

    def state_dict(self) -> dict[str, int | str]:
        """The configuration as plain scalars (a checkpoint keeps it to check that a resumed run has the same)."""
        return {"shard_sizes": ",".join(str(size) for size in self.shard_sizes), "batch_size": self.batch_size,
                "seed": self.seed}

    def __repr__(self) -> str:
        return f"ShardedBatches(shard_sizes={self.shard_sizes}, batch_size={self.batch_size}, seed={self.seed})"


# ---------------------------------------------------------------------------------------------------------
# What a worker runs (module-level functions, so that Dask can send them by reference)
# ---------------------------------------------------------------------------------------------------------


def _settled(objective: LinearObjective) -> LinearObjective:
    """A copy of a shard made on its worker, in freshly allocated (aligned) arrays.

    Dask's deserialization can leave an array at an address that is not a multiple of 8 bytes; NumPy and
    BLAS then take slow paths, measured at 5 to 10 times slower for ``X.T @ r``. One copy on arrival fixes it.
    """
    return copy.deepcopy(objective)


def _shard_loss_and_grad(objective: LinearObjective, theta: dict[str, np.ndarray],
                         batch: np.ndarray | None) -> tuple[float, dict[str, np.ndarray]]:
    return objective.loss_and_grad(theta, batch)


def _shard_value(objective: LinearObjective, theta: dict[str, np.ndarray]) -> float:
    return objective.value(theta)


def _shard_local_sgd(objective: LinearObjective, theta: dict[str, np.ndarray], batches: list[np.ndarray],
                     lr: float) -> dict[str, np.ndarray]:
    """:math:`H` = ``len(batches)`` steps of plain SGD on one shard, from ``theta``; the shard's new model."""
    optimizer = SGD(lr=lr)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run ends in the driver's error
        for batch in batches:
            _, grad = objective.loss_and_grad(theta, batch)
            if not all(np.isfinite(part).all() for part in grad.values()):
                return {key: np.full_like(value, np.nan) for key, value in theta.items()}
            theta = optimizer.step(theta, grad)
    return theta


def _weighted_sum(weights: Sequence[float], values: Sequence[Any]) -> Any:
    """:math:`\\sum_m w_m v_m`, added in the order given; ``values`` are floats or dicts of arrays."""
    if isinstance(values[0], dict):
        return {key: _weighted_sum(weights, [value[key] for value in values]) for key in values[0]}
    total = weights[0] * values[0]
    for weight, value in zip(weights[1:], values[1:], strict=True):
        total = total + weight * value
    return total


# ---------------------------------------------------------------------------------------------------------
# The data-parallel objective
# ---------------------------------------------------------------------------------------------------------


@dataclass
class LocalSGDResult:
    """What :meth:`DataParallel.local_sgd` returns.

    Attributes
    ----------
    theta : dict of str to ndarray
        The averaged model after the last round.
    loss_history : ndarray
        :math:`J(\\theta)` on all the data at the start and after each round (``rounds + 1`` values).
    rounds : int
        Communication rounds: each sends the model to every worker and back once.
    local_steps : int
        :math:`H`, the SGD steps each worker takes between two averagings.
    """

    theta: dict[str, np.ndarray]
    loss_history: np.ndarray
    rounds: int
    local_steps: int


class DataParallel:
    r"""A linear model's objective on data split across workers: synchronous data-parallel gradients.

    ``loss_and_grad(theta, batch)`` returns :math:`J_{B_t}(\theta)` and :math:`\nabla J_{B_t}(\theta)` for
    the combined batch :math:`B_t`, computed shard by shard (on the workers, if there is a client) and
    averaged on the driver with the weights :math:`|B_t^{(m)}|/|B_t|`, in shard order. ``value(theta)`` is
    :math:`J` on all the data, the shards weighted by :math:`n_m/n`. Hand it to :func:`lib.train.train` with
    :class:`ShardedBatches` as ``batches``, or with no batches for full-batch gradient descent.

    Parameters
    ----------
    shards : sequence of (X, y)
        The data, one ``(X_m, y_m)`` pair per shard, with the same number of features (see
        :func:`split_shards`). Kept by the driver, to send again if a worker dies.
    loss : lib.losses.Loss
        The per-sample loss averaged over a batch (``MSE()``, ``BinaryCrossEntropy()``, ...).
    penalty : lib.losses.L2, optional
        A smooth penalty; it is added on every shard, and the weights sum to one, so it counts once.
    fit_intercept : bool, default True
    client : distributed.Client or str, optional
        A Dask client, or a scheduler's address (``"tcp://host:8786"``), for which a client is made and
        closed by :meth:`close`. None: compute the shards one after the other in this process.
    timeout : float, default 60
        Seconds a step waits for all its gradients before it counts as failed.
    retries : int, default 0
        How many times a failed step is computed again (after the lost shards are sent again) before
        :class:`WorkerLostError` is raised.

    Notes
    -----
    The workers import ``lib``, so on a real cluster it must be installed there too.
    """

    constraints = {
        "loss": [InstanceOf(Loss, "a lib.losses loss such as lib.losses.MSE()")],
        "penalty": [InstanceOf(L2, "lib.losses.L2(alpha) (a non-smooth penalty has no gradient to average)"), None],
        "fit_intercept": [InstanceOf(bool, "True or False")],
        "timeout": [Interval(Real, 0, None, closed="neither")],
        "retries": [Interval(Integral, 0, None)],
    }

    def __init__(self, shards: Sequence[Shard], loss: Loss, *, penalty: L2 | None = None,
                 fit_intercept: bool = True, client: Any = None, timeout: float = 60.0, retries: int = 0) -> None:
        owner = "DataParallel"
        checked = check_params(owner, {"loss": loss, "penalty": penalty, "fit_intercept": fit_intercept,
                                        "timeout": timeout, "retries": retries}, self.constraints)
        self.timeout, self.retries = checked["timeout"], checked["retries"]
        arrays = _checked_shards(owner, shards)
        self.objectives = [LinearObjective(X, y, loss, penalty, fit_intercept) for X, y in arrays]
        self.shard_sizes = [X.shape[0] for X, _ in arrays]
        self.n_features = arrays[0][0].shape[1]
        self.fit_intercept = fit_intercept
        self.retried_steps = 0
        self._owns_client = isinstance(client, str)
        self.client = _make_client(owner, client)
        self._futures: list[Any] | None = None  # the scattered shards
        self._placement: list[str] | None = None  # the worker that holds each
        if self.client is not None:
            self._scatter(range(len(self.objectives)))

    @property
    def n_shards(self) -> int:
        """:math:`M`, the number of shards."""
        return len(self.objectives)

    @property
    def workers(self) -> list[str] | None:
        """The address of the worker that holds each shard, in shard order (None without a client)."""
        return None if self._placement is None else list(self._placement)

    def initial_parameters(self) -> dict[str, np.ndarray]:
        """Zeros: ``{"w": zeros(d), "b": zeros(())}`` (without ``"b"`` when ``fit_intercept=False``)."""
        return self.objectives[0].initial_parameters((self.n_features,))

    # -- what lib.train.train calls ------------------------------------------------------------------------

    def loss_and_grad(self, theta: dict[str, np.ndarray],
                      batch: Sequence[np.ndarray] | None = None) -> tuple[float, dict[str, np.ndarray]]:
        r""":math:`J_{B}(\theta)` and :math:`\nabla J_{B}(\theta)` on the combined batch (None: on all the data).

        ``batch`` is a tuple of one index array per shard (a step of :class:`ShardedBatches`).
        """
        theta = self._checked_theta("DataParallel.loss_and_grad", theta)
        if batch is None:
            batch, sizes = [None] * self.n_shards, self.shard_sizes
        else:
            batch, sizes = self._checked_batch(batch)
        total = sum(sizes)
        weights = [size / total for size in sizes]
        results = self._map(_shard_loss_and_grad, [(theta, rows) for rows in batch])
        loss = _weighted_sum(weights, [result[0] for result in results])
        grad = _weighted_sum(weights, [result[1] for result in results])
        return float(loss), grad

    def value(self, theta: dict[str, np.ndarray]) -> float:
        r""":math:`J(\theta) = \sum_m \frac{n_m}{n} J^{(m)}(\theta)` on all the data."""
        theta = self._checked_theta("DataParallel.value", theta)
        values = self._map(_shard_value, [(theta,)] * self.n_shards)
        total = sum(self.shard_sizes)
        return float(_weighted_sum([size / total for size in self.shard_sizes], values))

    # -- local SGD -----------------------------------------------------------------------------------------

    def local_sgd(self, theta0: dict[str, np.ndarray], lr: float, *, local_steps: int, rounds: int,
                  batches: ShardedBatches) -> LocalSGDResult:
        r"""Local SGD (model averaging): :math:`H` SGD steps on every shard, then the models are averaged.

        Round :math:`r` sends :math:`\theta_{r-1}` to every worker; worker :math:`m` takes :math:`H` =
        ``local_steps`` steps of SGD on its own batches, reaching :math:`\theta_r^{(m)}`; the driver averages,
        :math:`\theta_r = \sum_m \frac{n_m}{n}\theta_r^{(m)}` (federated averaging's weights,
        :cite:t:`mcmahan2017communication`; analysed as local SGD by :cite:t:`stich2019local`). With
        :math:`H = 1` and shards of equal size this is synchronous SGD; a larger :math:`H` divides the
        communication rounds by :math:`H` for the same number of gradient steps.

        Parameters
        ----------
        theta0 : dict of str to ndarray
        lr : float
            The SGD learning rate :math:`\eta > 0` of every worker.
        local_steps : int
            :math:`H \ge 1`.
        rounds : int
            Number of averagings, at least 1; the run takes ``rounds * local_steps`` steps per worker.
        batches : ShardedBatches
            Where each worker's batches come from, step after step across epochs.
        """
        owner = "DataParallel.local_sgd"
        checked = check_params(owner, {"lr": lr, "local_steps": local_steps, "rounds": rounds, "batches": batches}, {
            "lr": [Interval(Real, 0, None, closed="neither", hint="lr is the workers' SGD learning rate")],
            "local_steps": [Interval(Integral, 1, None)],
            "rounds": [Interval(Integral, 1, None)],
            "batches": [InstanceOf(ShardedBatches, "a ShardedBatches over these shards")],
        })
        if batches.shard_sizes != self.shard_sizes:
            raise InvalidParameterError(message(owner, "batches",
                                                f"a ShardedBatches over shard_sizes {self.shard_sizes}", batches))
        theta = self._checked_theta(owner, theta0)
        steps = _steps(batches)
        weights = [size / sum(self.shard_sizes) for size in self.shard_sizes]
        losses = [self.value(theta)]
        for _ in range(checked["rounds"]):
            local = [next(steps) for _ in range(checked["local_steps"])]
            work = [(theta, [step[shard] for step in local], checked["lr"]) for shard in range(self.n_shards)]
            theta = _weighted_sum(weights, self._map(_shard_local_sgd, work))
            with np.errstate(over="ignore", invalid="ignore"):
                losses.append(self.value(theta) if _finite(theta) else math.nan)
            if not math.isfinite(losses[-1]):
                raise FloatingPointError(f"{owner}: the loss became {losses[-1]} after round {len(losses) - 1}; "
                                         f"lr={checked['lr']:g} is too large: try a lower learning rate")
        return LocalSGDResult(theta, np.array(losses), checked["rounds"], checked["local_steps"])

    # -- the cluster ---------------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the scattered shards (and close the client if this object made it from an address)."""
        if self.client is not None and self._futures is not None:
            for future in self._futures:
                future.release()
            self._futures = None
        if self._owns_client and self.client is not None:
            self.client.close()
            self.client = None

    def __enter__(self) -> DataParallel:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "in this process" if self.client is None else f"on {len(self._worker_addresses())} worker(s)"
        return (f"DataParallel(n_shards={self.n_shards}, shard_sizes={self.shard_sizes}, "
                f"loss={self.objectives[0].loss!r}, {where})")

    # -- helpers -------------------------------------------------------------------------------------------

    def _map(self, function: Any, arguments: Sequence[tuple]) -> list[Any]:
        """``function(objective_m, *arguments[m])`` for every shard, results in shard order."""
        if self.client is None:
            return [function(objective, *args) for objective, args in zip(self.objectives, arguments, strict=True)]
        for attempt in range(self.retries + 1):
            # each shard's work runs where the shard is: no copies of shards between workers
            futures = [self.client.submit(function, shard, *args, pure=False, workers=[worker],
                                          allow_other_workers=False)
                       for shard, worker, args in zip(self._futures, self._placement, arguments,
                                                                   strict=True)]
            try:
                return self._gather(futures)
            except (CancelledError, TimeoutError, OSError) as error:
                for future in futures:
                    future.cancel()
                lost = self._lost_shards()
                if attempt == self.retries:
                    what = (f"the step took longer than timeout={self.timeout:g} s" if isinstance(error, TimeoutError)
                            else "a worker died or lost its data")
                    raise WorkerLostError(
                        f"DataParallel: a step's results did not all come back ({what}; shards lost: {lost}); "
                        "the step was not taken and the parameters are unchanged; pass retries=1 to send the "
                        "lost shards again and redo the step, or resume from a checkpoint") from error
                self.retried_steps += 1
                self._scatter(lost or range(self.n_shards))
        raise AssertionError("unreachable")  # the loop returns or raises

    def _gather(self, futures: list[Any]) -> list[Any]:
        """Every future's result, in order, all within ``timeout`` seconds (TimeoutError otherwise)."""
        deadline = time.monotonic() + self.timeout
        return [future.result(timeout=max(deadline - time.monotonic(), 1e-9)) for future in futures]

    def _lost_shards(self) -> list[int]:
        """The shards whose data are gone: their future failed, or their worker left the cluster."""
        alive = set(self._worker_addresses())
        return [index for index, (future, worker) in enumerate(zip(self._futures, self._placement, strict=True))
                if future.status in ("error", "cancelled", "lost") or worker not in alive]

    def _worker_addresses(self) -> list[str]:
        return sorted(self.client.scheduler_info()["workers"])

    def _scatter(self, indices: Sequence[int]) -> None:
        """Send the shards ``indices`` to the workers, round robin; each shard goes to one worker."""
        self.client.wait_for_workers(1, timeout=self.timeout)
        addresses = self._worker_addresses()
        if self._futures is None:
            self._futures = [None] * self.n_shards
            self._placement = [None] * self.n_shards
        for index in indices:
            worker = self._placement[index] = addresses[index % len(addresses)]
            scattered = self.client.scatter(self.objectives[index], workers=[worker], hash=False)
            self._futures[index] = self.client.submit(_settled, scattered, pure=False, workers=[worker],
                                                      allow_other_workers=False)

    def _checked_theta(self, owner: str, theta: Any) -> dict[str, np.ndarray]:
        if not isinstance(theta, dict):
            raise InvalidParameterError(message(owner, "theta", 'a dict {"w": w, "b": b}', type(theta).__name__))
        expected = {"w": (self.n_features,)}
        if self.fit_intercept:
            expected["b"] = ()
        if set(theta) != set(expected):
            raise InvalidParameterError(message(owner, "theta", f"a dict with the keys {sorted(expected)}",
                                                sorted(theta)))
        checked = {}
        for key, shape in expected.items():
            array = as_float_array(owner, "theta", theta[key], key)
            if array.shape != shape:
                raise InvalidParameterError(message(owner, f"theta[{key!r}]", f"of shape {shape}", array.shape,
                                                    f"the shards have {self.n_features} features"))
            check_finite(owner, "theta", array, key=key)
            checked[key] = array
        return checked

    def _checked_batch(self, batch: Any) -> tuple[list[np.ndarray], list[int]]:
        owner = "DataParallel.loss_and_grad"
        if not isinstance(batch, tuple | list) or len(batch) != self.n_shards:
            raise InvalidParameterError(message(owner, "batch", f"a tuple of {self.n_shards} index arrays, one per "
                                                "shard", type(batch).__name__, "use ShardedBatches"))
        rows = [np.asarray(part) for part in batch]
        for index, (part, size) in enumerate(zip(rows, self.shard_sizes, strict=True)):
            if part.ndim != 1 or part.size == 0 or part.dtype.kind not in "iu" or part.min() < 0 or part.max() >= size:
                raise InvalidParameterError(message(owner, f"batch[{index}]", f"a non-empty array of row indices "
                                                    f"in [0, {size})", f"{part.dtype} array of shape {part.shape}"))
        return rows, [part.size for part in rows]


def _make_client(owner: str, client: Any) -> Any:
    if client is None:
        return None
    from distributed import Client

    if isinstance(client, str):
        return Client(client, set_as_default=False)
    if isinstance(client, Client):
        return client
    raise InvalidParameterError(message(owner, "client", "a distributed.Client, a scheduler address or None",
                                        type(client).__name__))


def _checked_shard(owner: str, name: str, shard: Any) -> Shard:
    if not isinstance(shard, tuple | list) or len(shard) != 2:
        raise InvalidParameterError(message(owner, name, "an (X, y) pair", type(shard).__name__))
    X = as_float_array(owner, f"{name} X", shard[0])
    y = as_float_array(owner, f"{name} y", shard[1])
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise InvalidParameterError(message(owner, f"{name} X", "a 2-d array of shape (n, d) with n, d >= 1",
                                            f"shape {X.shape}"))
    if y.shape != (X.shape[0],):
        raise InvalidParameterError(message(owner, f"{name} y", f"of shape ({X.shape[0]},), one target per row of X",
                                            f"shape {y.shape}", "a column vector (n, 1) would broadcast wrongly"))
    check_finite(owner, f"{name} X", X)
    check_finite(owner, f"{name} y", y)
    return X, y


def _checked_shards(owner: str, shards: Any) -> list[Shard]:
    if not isinstance(shards, Sequence) or isinstance(shards, str) or len(shards) == 0:
        shown = "an empty sequence" if isinstance(shards, Sequence) else type(shards).__name__
        raise InvalidParameterError(f"{owner}: shards must be a non-empty sequence of (X, y) pairs, got {shown}; "
                                    "make them with split_shards(X, y, n_shards)")
    arrays = [_checked_shard(owner, f"shards[{index}]", shard) for index, shard in enumerate(shards)]
    features = [X.shape[1] for X, _ in arrays]
    if len(set(features)) > 1:
        raise InvalidParameterError(f"{owner}: shards must all have the same number of features, got {features}")
    return arrays


def _finite(theta: dict[str, np.ndarray]) -> bool:
    return all(np.isfinite(part).all() for part in theta.values())


def _steps(batches: ShardedBatches) -> Iterator[tuple[np.ndarray, ...]]:
    """The steps of ``batches``, epoch after epoch, without end."""
    epoch = 0
    while True:
        yield from batches(epoch)
        epoch += 1


# ---------------------------------------------------------------------------------------------------------
# Simulators: all-reduce and stale gradients
# ---------------------------------------------------------------------------------------------------------


def ring_allreduce(vectors: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""Sum :math:`M` vectors with the ring all-reduce; return every node's result and the values each sent.

    Node :math:`m` holds vector :math:`v^{(m)} \in \mathbb{R}^N`, cut into :math:`M` chunks. In
    :math:`M - 1` steps of **reduce-scatter**, every node sends one chunk to its right neighbour, which adds
    it to its own; afterwards node :math:`m` holds the complete sum of chunk :math:`m + 1 \pmod M`. In
    :math:`M - 1` steps of **all-gather** the complete chunks travel once around the ring. Each node sends
    :math:`2(M-1)` chunks, :math:`2\frac{M-1}{M}N` values when :math:`M` divides :math:`N`: almost
    :math:`2N` whatever :math:`M`, the bandwidth-optimal all-reduce of :cite:t:`patarasuk2009bandwidth`.

    Parameters
    ----------
    vectors : array-like of shape (M, N)
        Row :math:`m` is node :math:`m`'s vector; :math:`M \ge 1`, :math:`N \ge 1`, finite.

    Returns
    -------
    results : ndarray of shape (M, N)
        What every node holds at the end: :math:`\sum_m v^{(m)}` (equal rows; equal to ``vectors.sum(axis=0)``
        up to the order of the additions).
    sent : ndarray of shape (M,)
        The number of values node :math:`m` sent.
    """
    owner = "ring_allreduce"
    buffers = as_float_array(owner, "vectors", vectors).copy()
    if buffers.ndim != 2 or 0 in buffers.shape:
        raise InvalidParameterError(message(owner, "vectors", "a 2-d array of shape (M, N), one row per node",
                                            f"shape {buffers.shape}"))
    check_finite(owner, "vectors", buffers)
    n_nodes = buffers.shape[0]
    chunks = np.array_split(np.arange(buffers.shape[1]), n_nodes)
    sent = np.zeros(n_nodes, dtype=np.int64)
    for phase in ("reduce-scatter", "all-gather"):
        for step in range(n_nodes - 1):
            # every node sends at once: the messages are read before any node changes its buffer
            offset = step if phase == "reduce-scatter" else step - 1
            messages = [(node, chunks[(node - offset) % n_nodes]) for node in range(n_nodes)]
            payloads = [buffers[node, chunk].copy() for node, chunk in messages]
            for (node, chunk), payload in zip(messages, payloads, strict=True):
                receiver = (node + 1) % n_nodes
                if phase == "reduce-scatter":
                    buffers[receiver, chunk] += payload
                else:
                    buffers[receiver, chunk] = payload
                sent[node] += chunk.size
    return buffers, sent


def parameter_server_allreduce(vectors: ArrayLike) -> tuple[np.ndarray, dict[str, int]]:
    r"""Sum :math:`M` vectors through one parameter server; return the sum and the traffic.

    Every worker sends its :math:`N` values to the server, which adds them and sends the sum back to every
    worker :cite:p:`li2014scaling`. A worker sends and receives :math:`N` values, but the server receives
    :math:`MN` and sends :math:`MN`: its link carries :math:`M` times what a node of the ring carries, and
    that grows with :math:`M`. (Real parameter servers split the parameters over several servers to spread
    this load.)

    Returns
    -------
    total : ndarray of shape (N,)
    traffic : dict
        ``{"worker_sent": N, "server_received": M N, "server_sent": M N}``.
    """
    owner = "parameter_server_allreduce"
    array = as_float_array(owner, "vectors", vectors)
    if array.ndim != 2 or 0 in array.shape:
        raise InvalidParameterError(message(owner, "vectors", "a 2-d array of shape (M, N), one row per worker",
                                            f"shape {array.shape}"))
    check_finite(owner, "vectors", array)
    n_workers, size = array.shape
    total = array[0].copy()
    for row in array[1:]:
        total += row
    return total, {"worker_sent": size, "server_received": n_workers * size, "server_sent": n_workers * size}


def delayed_gradient_descent(curvature: float, lr: float, delay: int, theta0: float, steps: int) -> np.ndarray:
    r"""Gradient descent with stale gradients on :math:`J(\theta) = \frac h2 \theta^2`: the model of asynchronous SGD.

    A worker that read the parameters :math:`\tau` updates ago applies its gradient now:

    .. math::

        \theta_{t+1} = \theta_t - \eta\, h\, \theta_{t-\tau}, \qquad \theta_{-\tau} = \dots = \theta_{-1} = \theta_0,

    a constant delay :math:`\tau` as in the analyses of asynchronous SGD :cite:p:`langford2009slow`
    (with :math:`\tau = M - 1` for :math:`M` workers that update in turn). :func:`delayed_stability_limit`
    gives the largest stable :math:`\eta h`.

    Parameters
    ----------
    curvature : float
        :math:`h > 0`.
    lr : float
        :math:`\eta > 0`.
    delay : int
        :math:`\tau \ge 0` (0: gradient descent).
    theta0 : float
        Starting point, finite.
    steps : int
        Number of updates, at least 1.

    Returns
    -------
    ndarray of shape (steps + 1,)
        :math:`\theta_0, \dots, \theta_{\text{steps}}` (inf or NaN once it overflows).
    """
    checked = check_params("delayed_gradient_descent", {
        "curvature": curvature, "lr": lr, "delay": delay, "theta0": theta0, "steps": steps}, {
        "curvature": [Interval(Real, 0, None, closed="neither")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "delay": [Interval(Integral, 0, None)],
        "theta0": [Interval(Real, None, None)],
        "steps": [Interval(Integral, 1, None)],
    })
    a = checked["lr"] * checked["curvature"]
    tau = checked["delay"]
    history = np.empty(checked["steps"] + 1 + tau)
    history[:tau + 1] = checked["theta0"]
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(tau, tau + checked["steps"]):
            history[t + 1] = history[t] - a * history[t - tau]
    return history[tau:]


def delayed_stability_limit(delay: int) -> float:
    r"""The largest stable :math:`\eta h` with delay :math:`\tau`: :math:`2\sin\frac{\pi}{2(2\tau+1)}`.

    The recursion :math:`\theta_{t+1} = \theta_t - a\,\theta_{t-\tau}` (:math:`a = \eta h`) converges for
    every start iff all roots of its characteristic polynomial :math:`z^{\tau+1} - z^{\tau} + a` lie inside
    the unit circle. As :math:`a` grows from 0 the first roots to reach it do so at
    :math:`z = e^{\pm i\omega}` with :math:`|e^{i\omega} - 1| = a` and :math:`\omega(\tau + \frac12) = \frac\pi2`,
    so :math:`\omega = \pi/(2\tau+1)` and :math:`a = 2\sin\frac{\omega}{2}`. It is 2 for :math:`\tau = 0`
    (the familiar :math:`\eta < 2/h`) and close to :math:`\frac{\pi}{2\tau+1} \approx \frac{\pi}{2\tau}`
    for large :math:`\tau`: the learning rate must shrink like :math:`1/\tau`.
    """
    tau = check_params("delayed_stability_limit", {"delay": delay},
                       {"delay": [Interval(Integral, 0, None)]})["delay"]
    return 2.0 * math.sin(math.pi / (2 * (2 * tau + 1)))
