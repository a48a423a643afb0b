"""Seeded random-number generators.

The book never draws an unseeded random number: a figure or a printed number that changed each time the
notebook ran could not be regression-tested, and a learner could not compare their run with the page.
Every random draw therefore comes from a :class:`numpy.random.Generator` made here from an explicit seed.

NumPy's ``Generator`` (PCG64 by default) is preferred over the legacy ``np.random.seed`` global state,
which any library call can silently advance; see NumPy's documentation on random sampling and
O'Neill (2014) for PCG.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from lib.checks import Interval, check_params

__all__ = ["BOOK_SEED", "SEED_CONSTRAINT", "make_rng", "spawn_rngs"]

#: The seed used where a chapter has no reason to pick its own.
BOOK_SEED = 2026

#: The one constraint on a seed: a non-negative integer (None, an unseeded generator, is refused).
SEED_CONSTRAINT = Interval(
    Integral, 0, None,
    hint="the book seeds every random draw so that its outputs can be regression-tested "
    f"(use lib.rng.BOOK_SEED = {BOOK_SEED} if you have no reason to pick one)",
)


def make_rng(seed: int = BOOK_SEED) -> np.random.Generator:
    """Return a new random generator seeded with ``seed``.

    Parameters
    ----------
    seed : int, default BOOK_SEED
        A non-negative integer. ``None`` is rejected on purpose: an unseeded generator would make the
        notebook's outputs differ from run to run.

    Returns
    -------
    numpy.random.Generator
        Equivalent to ``np.random.default_rng(seed)``; two generators made with the same seed produce the
        same stream.

    Examples
    --------
    >>> a = make_rng(7).normal(size=3)
    >>> b = make_rng(7).normal(size=3)
    >>> bool((a == b).all())
    True
    """
    seed = check_params("make_rng", {"seed": seed}, {"seed": [SEED_CONSTRAINT]})["seed"]
    return np.random.default_rng(seed)


def spawn_rngs(seed: int, n: int) -> list[np.random.Generator]:
    """Return ``n`` statistically independent generators derived from one seed.

    Use this for repeated trials of an experiment (one generator per trial), so that trial ``k`` draws
    the same numbers whatever the number of trials, and no two trials share a stream. It relies on
    :meth:`numpy.random.SeedSequence.spawn`.

    Parameters
    ----------
    seed : int
        A non-negative integer.
    n : int
        How many generators, at least 1.
    """
    checked = check_params("spawn_rngs", {"seed": seed, "n": n}, {"seed": [SEED_CONSTRAINT],
                                                                "n": [Interval(Integral, 1, None)]})
    children = np.random.SeedSequence(checked["seed"]).spawn(checked["n"])
    return [np.random.default_rng(child) for child in children]
