"""Tests of lib.distributed against a real Dask LocalCluster (two worker processes), started once per module.

Covered: synchronous data-parallel SGD and Adam equal the same arithmetic in one process bit for bit, and
single-process mini-batch training on the combined batch to 1e-12; a scheduler address works in place of a
client; every bad input gets a clear error; a worker killed mid-run gives a WorkerLostError (retries=0) or a
retried step whose model equals the undisturbed run (retries=1), never a silently wrong model; local SGD; the
ring all-reduce and parameter-server simulators; delayed gradient descent against its stability limit.
"""

import logging
import math
import os
import signal
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.checkpoint import Checkpoint
from lib.checks import InvalidParameterError
from lib.distributed import (
    DataParallel,
    ShardedBatches,
    WorkerLostError,
    delayed_gradient_descent,
    delayed_stability_limit,
    parameter_server_allreduce,
    ring_allreduce,
    split_shards,
)
from lib.losses import L1, L2, MSE, BinaryCrossEntropy
from lib.models import LinearObjective
from lib.optim import SGD, Adam
from lib.train import train

distributed = pytest.importorskip("distributed", reason="dask.distributed is pinned in requirements.txt")

PROPERTY = settings(max_examples=25, deadline=None)


@pytest.fixture(scope="module")
def cluster():
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    local = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                     silence_logs=logging.CRITICAL)
    client = distributed.Client(local, set_as_default=False)
    yield local, client
    client.close()
    local.close()
    assert local.status.name == "closed"


def regression_data(n_samples=400, n_features=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    y = X @ np.arange(1.0, n_features + 1) + 0.5 + 0.1 * rng.standard_normal(n_samples)
    return X, y


def max_difference(a, b):
    return max(float(np.max(np.abs(a[key] - b[key]))) for key in a)


# -- equivalence -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make_optimizer", [lambda: SGD(lr=0.05, momentum=0.9), lambda: Adam(lr=0.02)],
                         ids=["sgd-momentum", "adam"])
def test_cluster_equals_one_process(cluster, make_optimizer):
    _, client = cluster
    X, y = regression_data()
    shards = split_shards(X, y, 2)
    batches = ShardedBatches([200, 200], 16, seed=3)
    with DataParallel(shards, MSE(), penalty=L2(0.01), client=client) as on_cluster:
        remote = train(on_cluster, on_cluster.initial_parameters(), make_optimizer(), epochs=2, batches=batches)
    local = DataParallel(shards, MSE(), penalty=L2(0.01))
    serial = train(local, local.initial_parameters(), make_optimizer(), epochs=2, batches=batches)
    combined_objective = LinearObjective(X, y, MSE(), L2(0.01))
    combined = train(combined_objective, combined_objective.initial_parameters((4,)), make_optimizer(), epochs=2,
                     batches=batches.combined)
    assert remote.steps == serial.steps == combined.steps == 2 * (200 // 16 + 1)
    assert max_difference(remote.theta, serial.theta) == 0.0  # the same arithmetic in the same order
    np.testing.assert_array_equal(remote.loss_history, serial.loss_history)
    assert max_difference(remote.theta, combined.theta) <= 1e-12  # the sums are taken in another order
    np.testing.assert_allclose(remote.loss_history, combined.loss_history, rtol=1e-12)


def test_unequal_shards_weight_by_batch_size(cluster):
    _, client = cluster
    X, y = regression_data(n_samples=301)
    rows = [slice(0, 50), slice(50, 301)]
    batch = (np.arange(0, 50, 5), np.arange(0, 251, 2))  # 10 and 126 rows
    theta = {"w": np.full(4, 0.3), "b": np.array(-0.2)}
    labels = (y > np.median(y)).astype(float)
    shards = [(X[part], labels[part]) for part in rows]
    parallel = DataParallel(shards, BinaryCrossEntropy(), client=client)
    loss, grad = parallel.loss_and_grad(theta, batch)
    parallel.close()
    rows_combined = np.concatenate([batch[0], 50 + batch[1]])
    reference_loss, reference = LinearObjective(X, labels, BinaryCrossEntropy()).loss_and_grad(theta, rows_combined)
    assert abs(loss - reference_loss) <= 1e-12
    assert max_difference(grad, reference) <= 1e-12


def test_full_batch_value_and_gradient_equal_all_the_data():
    X, y = regression_data(n_samples=103)
    parallel = DataParallel(split_shards(X, y, 3), MSE(), fit_intercept=False)
    theta = {"w": np.array([1.0, 0.0, -1.0, 2.0])}
    objective = LinearObjective(X, y, MSE(), fit_intercept=False)
    loss, grad = parallel.loss_and_grad(theta)
    assert abs(loss - objective.value(theta)) <= 1e-12 * objective.value(theta)
    assert abs(parallel.value(theta) - objective.value(theta)) <= 1e-12 * objective.value(theta)
    assert max_difference(grad, objective.loss_and_grad(theta)[1]) <= 1e-12


def test_scheduler_address_instead_of_a_client(cluster):
    local, _ = cluster
    X, y = regression_data()
    batches = ShardedBatches([200, 200], 50, seed=0)
    parallel = DataParallel(split_shards(X, y, 2), MSE(), client=local.scheduler_address)
    assert "2 worker(s)" in repr(parallel)
    assert len(set(parallel.workers)) == 2  # one shard on each worker
    result = train(parallel, parallel.initial_parameters(), SGD(lr=0.05), epochs=1, batches=batches)
    parallel.close()
    assert parallel.client is None  # the client it made is closed
    reference = DataParallel(split_shards(X, y, 2), MSE())
    assert reference.workers is None
    expected = train(reference, reference.initial_parameters(), SGD(lr=0.05), epochs=1, batches=batches)
    assert max_difference(result.theta, expected.theta) == 0.0


def test_timeout_is_a_worker_lost_error(cluster):
    _, client = cluster
    X, y = regression_data(n_samples=20)
    parallel = DataParallel(split_shards(X, y, 2), MSE(), client=client, timeout=1e-6)
    with pytest.raises(WorkerLostError, match=r"the step took longer than timeout=1e-06 s; shards lost: \[\]\)"):
        parallel.loss_and_grad(parallel.initial_parameters())
    parallel.close()


def test_checkpoint_and_resume_give_the_uninterrupted_run():
    X, y = regression_data(n_samples=100)
    parallel = DataParallel(split_shards(X, y, 2), MSE())
    batches = ShardedBatches([50, 50], 10, seed=0)
    uninterrupted = train(parallel, parallel.initial_parameters(), Adam(lr=0.1), steps=20, batches=batches)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "run.npz")
        train(parallel, parallel.initial_parameters(), Adam(lr=0.1), steps=8, batches=batches,
              checkpoint=Checkpoint(path))
        resumed = train(parallel, parallel.initial_parameters(), Adam(lr=0.1), steps=20, batches=batches,
                        checkpoint=Checkpoint(path, resume=True))
        with pytest.raises(ValueError, match="other mini-batches"):
            train(parallel, parallel.initial_parameters(), Adam(lr=0.1), steps=20,
                  batches=ShardedBatches([50, 50], 5, seed=0), checkpoint=Checkpoint(path, resume=True))
    assert resumed.steps == 20
    assert max_difference(resumed.theta, uninterrupted.theta) == 0.0


# -- local SGD ------------------------------------------------------------------------------------------------


def test_local_sgd_with_one_local_step_is_synchronous_sgd(cluster):
    _, client = cluster
    X, y = regression_data()
    batches = ShardedBatches([200, 200], 20, seed=2)
    with DataParallel(split_shards(X, y, 2), MSE(), client=client) as parallel:
        local = parallel.local_sgd(parallel.initial_parameters(), 0.05, local_steps=1, rounds=10, batches=batches)
    synchronous_objective = DataParallel(split_shards(X, y, 2), MSE())
    synchronous = train(synchronous_objective, synchronous_objective.initial_parameters(), SGD(lr=0.05), steps=10,
                        batches=batches)
    assert local.rounds == 10 and local.loss_history.shape == (11,)
    assert max_difference(local.theta, synchronous.theta) <= 1e-12


def test_local_sgd_fewer_rounds_still_reduce_the_loss():
    X, y = regression_data()
    batches = ShardedBatches([200, 200], 20, seed=2)
    parallel = DataParallel(split_shards(X, y, 2), MSE())
    result = parallel.local_sgd(parallel.initial_parameters(), 0.05, local_steps=10, rounds=5, batches=batches)
    assert result.loss_history[-1] < 0.1 * result.loss_history[0]
    with pytest.raises(FloatingPointError, match="lr=5 is too large"):
        parallel.local_sgd(parallel.initial_parameters(), 5.0, local_steps=10, rounds=50, batches=batches)


# -- bad input -------------------------------------------------------------------------------------------------


def test_bad_shards():
    X, y = regression_data(n_samples=10)
    with pytest.raises(InvalidParameterError, match=r"shards must be a non-empty sequence .*got an empty sequence"):
        DataParallel([], MSE())
    with pytest.raises(InvalidParameterError, match="shards must all have the same number of features, got"
                                                    r" \[4, 3\]"):
        DataParallel([(X[:5], y[:5]), (X[5:, :3], y[5:])], MSE())
    with pytest.raises(InvalidParameterError, match=r"shards\[1\] y must be of shape \(5,\).*shape \(5, 1\)"):
        DataParallel([(X[:5], y[:5]), (X[5:], y[5:, None])], MSE())
    with pytest.raises(InvalidParameterError, match=r"shards\[0\] X must be a 2-d array"):
        DataParallel([(X[:, 0], y)], MSE())
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"shards\[0\] X must be finite, got NaN or inf \(first at index \(2, 1\)"):
        DataParallel([(bad, y)], MSE())
    with pytest.raises(InvalidParameterError, match=r"shards\[0\] must be an \(X, y\) pair"):
        DataParallel([X], MSE())
    with pytest.raises(InvalidParameterError, match="penalty must be lib.losses.L2"):
        DataParallel([(X, y)], MSE(), penalty=L1(0.1))
    with pytest.raises(InvalidParameterError, match="client must be a distributed.Client"):
        DataParallel([(X, y)], MSE(), client=42)
    with pytest.raises(InvalidParameterError, match=r"timeout must be a real number in \(0, inf\)"):
        DataParallel([(X, y)], MSE(), timeout=0)
    with pytest.raises(InvalidParameterError, match="n_shards must be at most the number of samples 10"):
        split_shards(X, y, 11)


def test_bad_parameters_and_batches():
    X, y = regression_data(n_samples=10)
    parallel = DataParallel(split_shards(X, y, 2), MSE())
    with pytest.raises(InvalidParameterError, match=r"theta\['w'\] must be of shape \(4,\), got \(3,\)"):
        parallel.loss_and_grad({"w": np.zeros(3), "b": 0.0})
    with pytest.raises(InvalidParameterError, match=r"theta must be a dict with the keys \['b', 'w'\]"):
        parallel.loss_and_grad({"w": np.zeros(4)})
    with pytest.raises(ValueError, match=r"theta\['w'\] must be finite"):
        parallel.value({"w": np.array([0.0, np.nan, 0.0, 0.0]), "b": 0.0})
    with pytest.raises(InvalidParameterError, match="batch must be a tuple of 2 index arrays"):
        parallel.loss_and_grad(parallel.initial_parameters(), (np.arange(3),))
    with pytest.raises(InvalidParameterError, match=r"batch\[1\] must be a non-empty array of row indices in \[0, 5\)"):
        parallel.loss_and_grad(parallel.initial_parameters(), (np.arange(3), np.arange(4, 7)))
    batches = ShardedBatches([5, 5], 2, seed=0)
    with pytest.raises(InvalidParameterError, match=r"lr must be a real number in \(0, inf\), got 0"):
        parallel.local_sgd(parallel.initial_parameters(), 0.0, local_steps=2, rounds=1, batches=batches)
    with pytest.raises(InvalidParameterError, match=r"lr must be a real number in \(0, inf\), got -0.1"):
        train(parallel, parallel.initial_parameters(), SGD(lr=-0.1), steps=1, batches=batches)
    with pytest.raises(InvalidParameterError, match=r"batches must be a ShardedBatches over shard_sizes \[5, 5\]"):
        parallel.local_sgd(parallel.initial_parameters(), 0.1, local_steps=2, rounds=1,
                           batches=ShardedBatches([4, 6], 2, seed=0))
    with pytest.raises(InvalidParameterError, match=r"shard_sizes\[1\] must be an integer in \[1, inf\), got 0"):
        ShardedBatches([5, 0], 2, seed=0)
    with pytest.raises(InvalidParameterError, match="shard_sizes must be a non-empty sequence"):
        ShardedBatches([], 2, seed=0)


def test_sharded_batches_cover_each_shard_once_per_epoch():
    batches = ShardedBatches([10, 10, 10], 4, seed=5)
    steps = batches(0)
    assert len(steps) == 3
    for shard in range(3):
        assert sorted(np.concatenate([step[shard] for step in steps]).tolist()) == list(range(10))
    combined = batches.combined(0)
    assert sorted(np.concatenate(combined).tolist()) == list(range(30))
    assert [a.tolist() for a in batches(1)[0]] == [a.tolist() for a in ShardedBatches([10, 10, 10], 4, seed=5)(1)[0]]


# -- simulators ------------------------------------------------------------------------------------------------


@PROPERTY
@given(st.integers(1, 9), st.integers(1, 60), st.integers(0, 2**31))
def test_ring_allreduce_sums_and_sends_2_m_minus_1_over_m_n(n_nodes, size, seed):
    vectors = np.random.default_rng(seed).standard_normal((n_nodes, size))
    results, sent = ring_allreduce(vectors)
    expected = vectors.sum(axis=0)
    assert np.all(np.abs(results - expected) <= 1e-12 * (1 + np.abs(vectors).sum(axis=0)))
    assert sent.sum() == 2 * (n_nodes - 1) * size  # every node sends 2(M-1) chunks that partition the vector
    if size % n_nodes == 0:
        assert np.all(sent == 2 * (n_nodes - 1) * size // n_nodes)
    assert sent.max() - sent.min() <= 2 * (n_nodes - 1)  # chunk sizes differ by at most one


def test_parameter_server_traffic_and_bad_vectors():
    vectors = np.arange(12.0).reshape(3, 4)
    total, traffic = parameter_server_allreduce(vectors)
    np.testing.assert_array_equal(total, vectors.sum(axis=0))
    assert traffic == {"worker_sent": 4, "server_received": 12, "server_sent": 12}
    with pytest.raises(InvalidParameterError, match=r"vectors must be a 2-d array of shape \(M, N\)"):
        ring_allreduce(np.zeros(4))
    with pytest.raises(ValueError, match="vectors must be finite"):
        ring_allreduce(np.array([[1.0, np.inf]]))


@pytest.mark.parametrize("delay", [0, 1, 2, 5, 10])
def test_delayed_gradient_descent_stable_below_the_limit_and_not_above(delay):
    limit = delayed_stability_limit(delay)
    roots = np.roots(np.r_[1.0, -1.0, np.zeros(delay - 1), limit] if delay else [1.0, limit - 1.0])
    assert abs(np.abs(roots).max() - 1.0) < 1e-9  # on the boundary exactly at the limit
    below = delayed_gradient_descent(1.0, 0.9 * limit, delay, 1.0, 3000)
    above = delayed_gradient_descent(1.0, 1.1 * limit, delay, 1.0, 3000)
    assert abs(below[-1]) < 1e-3 and abs(above[-1]) > 1e3


def test_delayed_limits():
    assert delayed_stability_limit(0) == 2.0
    assert math.isclose(delayed_stability_limit(1), 1.0)  # 2 sin(pi/6)
    np.testing.assert_array_equal(delayed_gradient_descent(2.0, 0.25, 0, 1.0, 3), [1.0, 0.5, 0.25, 0.125])
    with pytest.raises(InvalidParameterError, match=r"delay must be an integer in \[0, inf\), got -1"):
        delayed_stability_limit(-1)
    with pytest.raises(InvalidParameterError, match=r"lr must be a real number in \(0, inf\), got 0"):
        delayed_gradient_descent(1.0, 0.0, 1, 1.0, 10)


# -- a worker killed mid-run --------------------------------------------------------------------------------


def kill_a_worker_at(client, step, parallel):
    """A train callback that kills the worker process holding shard 0 (SIGKILL) after step ``step``."""
    def callback(state):
        if state.step == step:
            pids = client.run(os.getpid)
            os.kill(pids[parallel.workers[0]], signal.SIGKILL)
    return callback


@pytest.mark.parametrize("retries", [1, 0])
def test_killed_worker_retried_or_reported_never_wrong(cluster, retries):
    _, client = cluster
    client.wait_for_workers(2, timeout=30)  # the nanny restarts a worker killed by the previous test
    X, y = regression_data()
    batches = ShardedBatches([200, 200], 40, seed=1)
    reference_objective = DataParallel(split_shards(X, y, 2), MSE())
    reference = train(reference_objective, reference_objective.initial_parameters(), SGD(lr=0.05), epochs=2,
                      batches=batches)
    parallel = DataParallel(split_shards(X, y, 2), MSE(), client=client, retries=retries, timeout=20)
    seen = []
    try:
        if retries:
            result = train(parallel, parallel.initial_parameters(), SGD(lr=0.05), epochs=2, batches=batches,
                           callbacks=[kill_a_worker_at(client, 4, parallel)])
            assert parallel.retried_steps == 1
            assert result.steps == reference.steps
            assert max_difference(result.theta, reference.theta) == 0.0  # the retried step is the same step
        else:
            lost = (r"did not all come back \(a worker died or lost its data; shards lost: \[0\]\); "
                    r"the step was not taken")
            with pytest.raises(WorkerLostError, match=lost):
                train(parallel, parallel.initial_parameters(), SGD(lr=0.05), epochs=2, batches=batches,
                      callbacks=[kill_a_worker_at(client, 4, parallel), lambda state: seen.append(state.step)])
            assert seen[-1] == 4  # no step after the kill was taken
    finally:
        parallel.close()
