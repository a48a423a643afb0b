import numpy as np
import pytest

from lib.rng import BOOK_SEED, make_rng, spawn_rngs


def test_same_seed_same_stream():
    assert np.array_equal(make_rng(3).normal(size=5), make_rng(3).normal(size=5))


def test_default_seed_is_the_book_seed():
    assert np.array_equal(make_rng().random(4), np.random.default_rng(BOOK_SEED).random(4))


def test_different_seeds_differ():
    assert not np.array_equal(make_rng(1).random(4), make_rng(2).random(4))


@pytest.mark.parametrize("seed", [None, 1.5, "7", True])
def test_non_integer_seed_is_rejected(seed):
    with pytest.raises(TypeError, match=r"make_rng: seed must be an integer in \[0, inf\), got .*; the book seeds "
                                        r"every random draw"):
        make_rng(seed)


def test_negative_seed_is_rejected():
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, inf\), got -1"):
        make_rng(-1)


def test_spawned_streams_are_independent_and_stable():
    first = [g.random(3) for g in spawn_rngs(5, 3)]
    again = [g.random(3) for g in spawn_rngs(5, 4)]
    for a, b in zip(first, again[:3], strict=True):
        assert np.array_equal(a, b)  # trial k draws the same numbers whatever the number of trials
    assert not np.array_equal(first[0], first[1])


@pytest.mark.parametrize("n", [0, -2, 2.0])
def test_spawn_count_must_be_positive_integer(n):
    with pytest.raises(ValueError, match=r"spawn_rngs: n must be an integer in \[1, inf\)"):
        spawn_rngs(1, n)
