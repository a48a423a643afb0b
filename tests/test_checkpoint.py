"""Unit tests of lib.checkpoint: plain arrays in, the same arrays out, and clear errors for bad files."""

import os

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from lib.checkpoint import (
    FORMAT_KEY,
    Checkpoint,
    arrays_to_params,
    load_arrays,
    params_to_arrays,
    save_arrays,
    with_prefix,
    without_prefix,
)


def test_round_trip_keeps_values_dtypes_and_order(tmp_path):
    path = tmp_path / "state.npz"
    arrays = {"step": 7, "name": "Adam", "flag": True, "history": np.array([3.0, 2.5, np.inf]),
              **params_to_arrays("theta", {"w": np.arange(3.0), "b": np.array(0.5)})}
    save_arrays(path, arrays)
    saved = load_arrays(path)
    assert list(saved) == list(arrays)
    assert int(saved["step"]) == 7 and str(saved["name"]) == "Adam" and bool(saved["flag"])
    assert_array_equal(saved["history"], arrays["history"])
    theta = arrays_to_params("theta", saved)
    assert list(theta) == ["w", "b"]
    assert_array_equal(theta["w"], np.arange(3.0)) and theta["b"].shape == ()
    assert not os.path.exists(f"{path}.tmp")
    with np.load(path, allow_pickle=False) as raw:
        assert int(raw[FORMAT_KEY]) == 1


def test_params_and_prefixes():
    assert list(params_to_arrays("theta", np.zeros(2))) == ["theta"]
    assert_array_equal(arrays_to_params("theta", {"theta": [1, 2]}), [1.0, 2.0])
    assert with_prefix("optimizer", {"lr": 0.1, "state/w/m": 0}) == {"optimizer/lr": 0.1, "optimizer/state/w/m": 0}
    assert without_prefix("optimizer", {"optimizer/lr": 0.1, "optimizer/state/w/m": 0, "other": 1}) == {
        "lr": 0.1, "state/w/m": 0}
    with pytest.raises(KeyError, match="no parameters named 'best'"):
        arrays_to_params("best", {"theta": np.zeros(2)})


def test_only_plain_arrays_are_written(tmp_path):
    with pytest.raises(ValueError, match=r"arrays\['callback'\] must be numbers, booleans or strings, got dtype "
                                         r"object"):
        save_arrays(tmp_path / "x.npz", {"callback": print})
    assert not os.path.exists(tmp_path / "x.npz")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"Checkpoint: path must be an existing checkpoint file, got "
                                                r"'.*nowhere.npz', which does not exist"):
        Checkpoint(tmp_path / "nowhere.npz", resume=True).load()


def test_truncated_file(tmp_path):
    path = tmp_path / "cut.npz"
    save_arrays(path, {"theta": np.arange(1000.0)})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"path must be a complete .npz checkpoint of plain arrays, got .*cut.npz"
                                         r"', which cannot be read .*truncated"):
        load_arrays(path)


def test_files_of_another_format(tmp_path):
    npy = tmp_path / "one.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(ValueError, match="holds a single .npy array"):
        load_arrays(npy)
    text = tmp_path / "notes.npz"
    text.write_text("not a checkpoint")
    with pytest.raises(ValueError, match="cannot be read"):
        load_arrays(text)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, theta=np.zeros(2))
    with pytest.raises(ValueError, match=r"written by lib.checkpoint, got .*an .npz archive without the "
                                         r"'checkpoint_format' entry"):
        load_arrays(foreign)
    future = tmp_path / "future.npz"
    np.savez(future, **{FORMAT_KEY: 2, "theta": np.zeros(2)})
    with pytest.raises(ValueError, match="of format version 1, got .*of version array"):
        load_arrays(future)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, **{FORMAT_KEY: 1, "callback": np.array([print], dtype=object)})
    with pytest.raises(ValueError, match="Object arrays cannot be loaded when allow_pickle=False"):
        load_arrays(pickled)


def test_checkpoint_object():
    checkpoint = Checkpoint("run.npz", every=5)
    assert [step for step in range(1, 16) if checkpoint.due(step)] == [5, 10, 15]
    assert not Checkpoint("run.npz").due(5)
    assert repr(checkpoint) == "Checkpoint('run.npz', every=5, resume=False)"
    with pytest.raises(ValueError, match=r"Checkpoint: every must be an integer in \[1, inf\) or None, got 0"):
        Checkpoint("run.npz", every=0)
    with pytest.raises(TypeError, match="Checkpoint: resume must be True or False, got 'yes'"):
        Checkpoint("run.npz", resume="yes")
    with pytest.raises(TypeError, match=r"Checkpoint: path must be a file path \(a str or an os.PathLike\), got 3"):
        Checkpoint(3)
