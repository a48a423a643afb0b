"""Unit tests of lib.stream: chunked streaming from .npy files, its order, its errors, and training on it."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import SGDRegressor

from lib.checkpoint import Checkpoint
from lib.checks import InvalidParameterError
from lib.data import make_linear_regression
from lib.losses import L2, MSE
from lib.models import LinearObjective
from lib.optim import SGD, Adam
from lib.stream import (
    ChunkedMiniBatches,
    NpyStream,
    StreamObjective,
    chunk_order,
    read_npy_header,
    read_rows,
)
from lib.train import train

PROPERTY = settings(max_examples=40, deadline=None)


@pytest.fixture
def data(tmp_path):
    """A small regression data set saved as X.npy and y.npy; n = 1003 is not a multiple of the batch sizes."""
    X, y, _ = make_linear_regression(1003, 5, noise=0.3, seed=11)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    return X, y, str(tmp_path / "X.npy"), str(tmp_path / "y.npy")


def theta0(d=5):
    return {"w": np.zeros(d), "b": np.zeros(())}


# ---------------------------------------------------------------------------------------------------------
# The order of an epoch
# ---------------------------------------------------------------------------------------------------------


@PROPERTY
@given(n=st.integers(1, 300), chunk=st.integers(1, 80), seed=st.integers(0, 2**32), epoch=st.integers(0, 5))
def test_chunk_order_is_a_permutation_that_keeps_chunks_together(n, chunk, seed, epoch):
    order = chunk_order(n, chunk, seed=seed, epoch=epoch)
    assert np.array_equal(np.sort(order), np.arange(n))
    chunks = order // chunk
    changes = np.flatnonzero(np.diff(chunks)) + 1  # positions where the next chunk begins
    lengths = np.diff(np.concatenate([[0], changes, [n]]))
    expected = [min(chunk, n - c * chunk) for c in chunks[np.concatenate([[0], changes])]]
    assert lengths.tolist() == expected  # each chunk visited once, whole, without interruption


def test_chunk_order_is_determined_by_seed_and_epoch():
    first = chunk_order(500, 64, seed=3, epoch=2)
    assert np.array_equal(first, chunk_order(500, 64, seed=3, epoch=2))
    assert not np.array_equal(first, chunk_order(500, 64, seed=3, epoch=1))
    assert not np.array_equal(first, chunk_order(500, 64, seed=4, epoch=2))
    assert np.array_equal(chunk_order(10, 4, seed=None, epoch=0), np.arange(10))


def test_chunked_minibatches_cut_the_order_and_keep_the_last_partial_batch():
    batches = ChunkedMiniBatches(1003, 64, 100, seed=0)
    epoch = batches(0)
    assert [len(b) for b in epoch] == [64] * 15 + [43]
    assert np.array_equal(np.concatenate(epoch), chunk_order(1003, 100, seed=0, epoch=0))
    dropped = ChunkedMiniBatches(1003, 64, 100, seed=0, drop_last=True)(0)
    assert [len(b) for b in dropped] == [64] * 15


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"seed": None}, r"ChunkedMiniBatches: seed must be a non-negative integer when shuffle=True, got None"),
    ({"seed": 1, "shuffle": False}, r"ChunkedMiniBatches: seed must be None when shuffle=False, got 1"),
    ({"seed": 1, "batch_size": 0}, r"ChunkedMiniBatches: batch_size must be an integer in \[1, inf\), got 0"),
    ({"seed": 1, "chunk_size": 0}, r"ChunkedMiniBatches: chunk_size must be an integer in \[1, inf\), got 0"),
    ({"seed": -1}, r"ChunkedMiniBatches: seed must be .*, got -1"),
    ({"seed": 1, "batch_size": 20, "drop_last": True}, r"drop_last=True would drop every sample"),
])
def test_chunked_minibatches_bad_arguments(kwargs, match):
    arguments = {"batch_size": 4, "chunk_size": 5, **kwargs}
    with pytest.raises(ValueError, match=match):
        ChunkedMiniBatches(10, arguments.pop("batch_size"), arguments.pop("chunk_size"), **arguments)


# ---------------------------------------------------------------------------------------------------------
# The stream: same rows as the reference, read in chunks
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("batch_size", "chunk_size"), [(64, 100), (100, 100), (7, 1003), (1003, 64), (1, 3)])
def test_stream_batches_are_the_reference_rows(data, batch_size, chunk_size):
    X, y, X_path, y_path = data
    stream = NpyStream(X_path, y_path, batch_size=batch_size, chunk_size=chunk_size, seed=5)
    reference = ChunkedMiniBatches(len(y), batch_size, chunk_size, seed=5)
    for epoch in (0, 3):
        batches = stream(epoch)
        indices = reference(epoch)
        assert len(batches) == len(indices)
        for batch, rows in zip(batches[:40], indices[:40], strict=True):
            X_batch, y_batch = batch.arrays()
            assert np.array_equal(batch.indices, rows)
            assert np.array_equal(X_batch, X[rows]) and np.array_equal(y_batch, y[rows])
            assert len(batch) == len(rows)


def test_stream_reads_each_chunk_once_per_epoch_in_order(data):
    _, y, X_path, y_path = data
    stream = NpyStream(X_path, y_path, batch_size=64, chunk_size=100, seed=5)
    for batch in stream(0):
        batch.arrays()
    assert stream.n_chunks == 11 and stream.chunks_read == 11


def test_stream_without_shuffle_is_the_file_order(data):
    X, y, X_path, y_path = data
    stream = NpyStream(X_path, y_path, batch_size=300, chunk_size=128, seed=None, shuffle=False)
    X_all = np.concatenate([batch.arrays()[0] for batch in stream(0)])
    assert np.array_equal(X_all, X)
    chunks = list(stream.iter_chunks())
    assert [len(c[1]) for c in chunks] == [128] * 7 + [107]
    assert np.array_equal(np.concatenate([c[1] for c in chunks]), y)


def test_stream_casts_float32_and_keeps_integer_labels(tmp_path):
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", np.arange(10, dtype=np.int32))
    stream = NpyStream(tmp_path / "X.npy", tmp_path / "y.npy", batch_size=4, chunk_size=3, seed=0)
    X_batch, y_batch = stream(0)[0].arrays()
    assert X_batch.dtype == np.float64 and y_batch.dtype == np.int64
    assert np.array_equal(X_batch, X.astype(np.float64)[stream(0)[0].indices])


def test_stream_reads_big_endian_files(tmp_path):
    X = np.arange(12.0).reshape(6, 2)
    np.save(tmp_path / "X.npy", X.astype(">f8"))
    np.save(tmp_path / "y.npy", np.arange(6.0))
    stream = NpyStream(tmp_path / "X.npy", tmp_path / "y.npy", batch_size=6, chunk_size=6, seed=None, shuffle=False)
    assert np.array_equal(stream(0)[0].arrays()[0], X)


def test_read_rows_reads_only_the_rows_asked(data):
    X, _, X_path, _ = data
    header = read_npy_header(X_path)
    assert header.shape == X.shape and header.dtype == np.float64
    assert np.array_equal(read_rows(header, 17, 40), X[17:40])


# ---------------------------------------------------------------------------------------------------------
# Bad input: every error, with its message
# ---------------------------------------------------------------------------------------------------------


def open_stream(X_path, y_path, **kwargs):
    arguments = {"batch_size": 8, "chunk_size": 16, "seed": 0, **kwargs}
    return NpyStream(X_path, y_path, **arguments)


def test_missing_file(data, tmp_path):
    _, _, _, y_path = data
    missing = str(tmp_path / "nothere.npy")
    with pytest.raises(FileNotFoundError, match=r"NpyStream: X_path must be an existing \.npy file, got '.*nothere"
                                                r"\.npy'; there is no such file"):
        open_stream(missing, y_path)
    with pytest.raises(FileNotFoundError, match=r"NpyStream: y_path must be an existing \.npy file"):
        open_stream(data[2], missing)


def test_x_and_y_of_different_lengths(data, tmp_path):
    _, y, X_path, _ = data
    np.save(tmp_path / "y_short.npy", y[:-3])
    with pytest.raises(ValueError, match=r"NpyStream: X and y must have the same number of rows, got 1003 rows in "
                                         r"'.*X\.npy' and 1000 in '.*y_short\.npy'"):
        open_stream(X_path, tmp_path / "y_short.npy")


@pytest.mark.parametrize(("which", "array", "match"), [
    ("X", np.arange(6).reshape(3, 2), r"X_path must be an \.npy file of float32 or float64, .*its dtype is int64"),
    ("X", np.ones((3, 2), dtype=np.float16), r"X_path must be an \.npy file of float32 or float64"),
    ("X", np.ones((3, 2), dtype=np.complex128), r"its dtype is complex128"),
    ("X", np.ones(3), r"X_path must be an \.npy file of a non-empty two-dimensional array \(n, d\), .*shape is \(3,\)"),
    ("X", np.ones((3, 0)), r"non-empty two-dimensional array"),
    ("y", np.array(["a", "b", "c"]), r"y_path must be an \.npy file of float32, float64 or integers, .*dtype is <U1"),
    ("y", np.ones(3, dtype=bool), r"y_path must be an \.npy file of float32, float64 or integers"),
    ("y", np.ones((3, 1)), r"y_path must be an \.npy file of a one-dimensional array \(n,\), .*save y\.ravel\(\)"),
])
def test_wrong_dtype_or_shape(tmp_path, which, array, match):
    good = {"X": np.ones((3, 2)), "y": np.ones(3)}
    good[which] = array
    for name, value in good.items():
        np.save(tmp_path / f"{name}.npy", value)
    with pytest.raises(ValueError, match=match):
        open_stream(tmp_path / "X.npy", tmp_path / "y.npy")


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    np.save(tmp_path / "X.npy", np.array([[1, "a"]], dtype=object), allow_pickle=True)
    np.save(tmp_path / "y.npy", np.ones(1))
    with pytest.raises(ValueError, match=r"X_path must be an \.npy file of numbers, .*it holds Python objects"):
        open_stream(tmp_path / "X.npy", tmp_path / "y.npy")


def test_fortran_order_is_refused(tmp_path):
    np.save(tmp_path / "X.npy", np.asfortranarray(np.ones((4, 3))))
    np.save(tmp_path / "y.npy", np.ones(4))
    with pytest.raises(ValueError, match=r"X_path must be an \.npy file in C \(row-major\) order"):
        open_stream(tmp_path / "X.npy", tmp_path / "y.npy")


def test_not_an_npy_file(tmp_path, data):
    (tmp_path / "X.npy").write_bytes(b"x,y\n1,2\n")
    with pytest.raises(ValueError, match=r"X_path must be an \.npy file written by np\.save, .*header cannot be "
                                         r"read"):
        open_stream(tmp_path / "X.npy", data[3])


def test_truncated_file_is_named_with_sizes(data, tmp_path):
    _, _, X_path, y_path = data
    content = open(X_path, "rb").read()
    (tmp_path / "X_cut.npy").write_bytes(content[:-100])
    header = read_npy_header(X_path)
    expected = header.offset + 1003 * 5 * 8
    with pytest.raises(ValueError, match=rf"NpyStream: X_path '.*X_cut\.npy' is truncated: its header promises shape "
                                         rf"\(1003, 5\) of float64, {expected} bytes in all, but the file has "
                                         rf"{expected - 100} bytes \(1000 complete rows\)"):
        open_stream(tmp_path / "X_cut.npy", y_path)


def test_what_numpy_itself_says_about_a_truncated_file(data, tmp_path):
    """The behaviour the chapter quotes: np.load's memory map names the map, not the file."""
    content = open(data[2], "rb").read()
    (tmp_path / "X_cut.npy").write_bytes(content[:-100])
    with pytest.raises(ValueError, match="mmap length is greater than file size"):
        np.load(tmp_path / "X_cut.npy", mmap_mode="r")
    with pytest.raises(ValueError, match="Failed to read all data"):
        np.load(tmp_path / "X_cut.npy")


def test_file_with_extra_bytes(data, tmp_path):
    content = open(data[2], "rb").read()
    (tmp_path / "X_long.npy").write_bytes(content + b"\0" * 8)
    with pytest.raises(ValueError, match=r"has 8 bytes after the data its header describes"):
        open_stream(tmp_path / "X_long.npy", data[3])


def test_file_truncated_after_opening(data, tmp_path):
    _, _, X_path, y_path = data
    copy = tmp_path / "X_copy.npy"
    copy.write_bytes(open(X_path, "rb").read())
    stream = open_stream(copy, y_path, shuffle=False, seed=None)
    with open(copy, "r+b") as file:
        file.truncate(os.path.getsize(copy) - 400)
    with pytest.raises(ValueError, match=r"read_rows: '.*X_copy\.npy' ended after .* bytes of rows .*; the file was "
                                         r"truncated after it was opened"):
        for batch in stream(0):
            batch.arrays()


def test_nan_in_a_chunk_is_named(tmp_path):
    X = np.ones((50, 2))
    X[37, 1] = np.nan
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", np.ones(50))
    stream = open_stream(tmp_path / "X.npy", tmp_path / "y.npy", shuffle=False, seed=None)
    with pytest.raises(ValueError, match=r"NpyStream: '.*X\.npy' must hold finite numbers, got nan in row 37"):
        for batch in stream(0):
            batch.arrays()


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"seed": None}, r"NpyStream: seed must be a non-negative integer when shuffle=True, got None"),
    ({"batch_size": 0}, r"NpyStream: batch_size must be an integer in \[1, inf\), got 0"),
    ({"chunk_size": 2.5}, r"NpyStream: chunk_size must be an integer in \[1, inf\), got 2.5"),
    ({"shuffle": "yes"}, r"NpyStream: shuffle must be True or False, got 'yes'"),
])
def test_stream_bad_arguments(data, kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        open_stream(data[2], data[3], **kwargs)


def test_stream_objective_bad_arguments():
    with pytest.raises(InvalidParameterError, match=r"StreamObjective: loss must be a lib\.losses loss such as MSE"):
        StreamObjective("mse")
    with pytest.raises(InvalidParameterError, match=r"StreamObjective: batch must be a batch with an arrays\(\)"):
        StreamObjective(MSE()).loss_and_grad(theta0(), np.arange(3))


# ---------------------------------------------------------------------------------------------------------
# Training on the stream: equivalence, resume, determinism, scikit-learn
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", [lambda: SGD(lr=0.05), lambda: SGD(lr=0.02, momentum=0.9),
                                       lambda: Adam(lr=0.01)])
@pytest.mark.parametrize("penalty", [None, L2(0.1)])
def test_streamed_training_equals_in_memory_training_bit_for_bit(data, optimizer, penalty):
    X, y, X_path, y_path = data
    stream = NpyStream(X_path, y_path, batch_size=64, chunk_size=100, seed=9)
    streamed = train(StreamObjective(MSE(), penalty), theta0(), optimizer(), epochs=3, batches=stream)
    in_memory = train(LinearObjective(X, y, MSE(), penalty), theta0(), optimizer(), epochs=3,
                      batches=ChunkedMiniBatches(len(y), 64, 100, seed=9))
    assert np.array_equal(streamed.theta["w"], in_memory.theta["w"])
    assert np.array_equal(streamed.theta["b"], in_memory.theta["b"])
    assert np.array_equal(streamed.loss_history, in_memory.loss_history)
    # (the epoch losses differ by design: LinearObjective has value(), the loss on all the data in memory, while a
    # stream's epoch loss is the size-weighted mean of its batch losses, which costs no extra pass over the file)


def test_partial_batch_counts_in_the_epoch_loss(data):
    _, y, X_path, y_path = data
    stream = NpyStream(X_path, y_path, batch_size=64, chunk_size=100, seed=9)
    result = train(StreamObjective(MSE()), theta0(), SGD(lr=0.05), epochs=1, batches=stream)
    sizes = [len(batch) for batch in stream(0)]
    assert sizes[-1] == 1003 - 15 * 64 == 43 and result.steps == 16
    assert result.epoch_loss_history[0] == pytest.approx(np.average(result.loss_history, weights=sizes), rel=1e-15)


def test_training_is_determined_by_the_seed(data):
    _, _, X_path, y_path = data

    def run(seed):
        stream = NpyStream(X_path, y_path, batch_size=32, chunk_size=200, seed=seed)
        return train(StreamObjective(MSE()), theta0(), SGD(lr=0.05), epochs=2, batches=stream).theta["w"]

    assert np.array_equal(run(1), run(1))
    assert not np.array_equal(run(1), run(2))


@pytest.mark.parametrize("stop_at", [1, 7, 16, 20, 31])  # 16 steps per epoch: mid-epoch, at the end, in the next
def test_resume_mid_epoch_is_bit_identical(data, tmp_path, stop_at):
    _, _, X_path, y_path = data
    stream = NpyStream(X_path, y_path, batch_size=64, chunk_size=100, seed=9)
    objective = StreamObjective(MSE())
    uninterrupted = train(objective, theta0(), Adam(lr=0.01), epochs=3, batches=stream)
    path = tmp_path / "run.npz"
    train(objective, theta0(), Adam(lr=0.01), steps=stop_at, batches=stream, checkpoint=Checkpoint(path))
    fresh_stream = NpyStream(X_path, y_path, batch_size=64, chunk_size=100, seed=9)  # a new process, say
    resumed = train(objective, theta0(), Adam(lr=0.01), epochs=3, batches=fresh_stream,
                    checkpoint=Checkpoint(path, resume=True))
    assert np.array_equal(resumed.theta["w"], uninterrupted.theta["w"])
    assert np.array_equal(resumed.loss_history, uninterrupted.loss_history)


def test_resume_with_another_stream_is_refused(data, tmp_path):
    _, _, X_path, y_path = data
    path = tmp_path / "run.npz"
    stream = NpyStream(X_path, y_path, batch_size=64, chunk_size=100, seed=9)
    train(StreamObjective(MSE()), theta0(), SGD(lr=0.05), steps=5, batches=stream, checkpoint=Checkpoint(path))
    other = NpyStream(X_path, y_path, batch_size=64, chunk_size=200, seed=9)
    with pytest.raises(ValueError, match=r"was made with other mini-batches: .*'chunk_size': 100.* against "
                                         r".*'chunk_size': 200"):
        train(StreamObjective(MSE()), theta0(), SGD(lr=0.05), epochs=1, batches=other,
              checkpoint=Checkpoint(path, resume=True))


def test_partial_fit_is_per_sample_sgd_on_the_stream(data):
    """One partial_fit call is a pass of per-sample SGD (scikit-learn #5178): lib SGD with batches of one row."""
    X, y, X_path, y_path = data
    eta0 = 0.01
    model = SGDRegressor(penalty=None, learning_rate="constant", eta0=eta0, shuffle=False)
    for batch in NpyStream(X_path, y_path, batch_size=100, chunk_size=250, seed=4)(0):
        model.partial_fit(*batch.arrays())
    per_sample = train(LinearObjective(X, y, MSE()), theta0(), SGD(lr=eta0 / 2), epochs=1,
                       batches=ChunkedMiniBatches(len(y), 1, 250, seed=4))
    assert np.max(np.abs(model.coef_ - per_sample.theta["w"])) < 1e-12
    assert abs(model.intercept_[0] - per_sample.theta["b"]) < 1e-12


def test_value_on_streams_the_full_loss(data):
    X, y, X_path, y_path = data
    stream = NpyStream(X_path, y_path, batch_size=64, chunk_size=100, seed=9)
    theta = {"w": np.linspace(-1, 1, 5), "b": np.array(0.3)}
    for penalty in (None, L2(0.2)):
        expected = LinearObjective(X, y, MSE(), penalty).value(theta)
        assert StreamObjective(MSE(), penalty).value_on(theta, stream) == pytest.approx(expected, rel=1e-13)
