"""Unit tests of lib.data: reproducible data sets, splits, scaling, encodings and batching."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from lib.data import (
    MiniBatches,
    Standardizer,
    _stratified_counts,
    kfold_indices,
    make_classification,
    make_linear_regression,
    make_moons,
    make_polynomial_regression,
    make_source_regression,
    minibatches,
    one_hot,
    train_val_test_split,
)
from lib.rng import make_rng

PROPERTY = settings(max_examples=50, deadline=None)


# ---------------------------------------------------------------------------------------------------------
# The source's data set
# ---------------------------------------------------------------------------------------------------------


def global_state_equal(first, second) -> bool:
    return (first[0] == second[0] and np.array_equal(first[1], second[1]) and first[2:] == second[2:])


def test_source_regression_is_the_source_recipe_bit_for_bit():
    saved = np.random.get_state()  # noqa: NPY002 (the source's legacy global generator, on purpose)
    try:
        np.random.seed(42)  # noqa: NPY002 (the source's legacy global generator, on purpose)
        X_source = np.random.rand(1000, 1)  # noqa: NPY002 (the source's legacy global generator, on purpose)
        y_source = 3 * X_source + np.random.rand(1000, 1)  # noqa: NPY002 (the source's legacy global generator, on purpose)
    finally:
        np.random.set_state(saved)  # noqa: NPY002 (the source's legacy global generator, on purpose)
    X, y = make_source_regression()
    assert X.shape == (1000, 1) and y.shape == (1000,)
    assert np.array_equal(X, X_source)
    assert np.array_equal(y, y_source.ravel())
    assert X.dtype == y.dtype == np.float64


def test_source_regression_leaves_global_state_alone():
    before = np.random.get_state()  # noqa: NPY002 (the source's legacy global generator, on purpose)
    make_source_regression()
    assert global_state_equal(before, np.random.get_state())  # noqa: NPY002 (the source's legacy global generator, on purpose)


def test_source_regression_best_line_has_intercept_half_and_slope_three():
    X, y = make_source_regression()
    slope, intercept = np.polyfit(X[:, 0], y, deg=1)
    assert slope == pytest.approx(3.0, abs=0.1)
    assert intercept == pytest.approx(0.5, abs=0.05)


# ---------------------------------------------------------------------------------------------------------
# Determinism of every seeded maker
# ---------------------------------------------------------------------------------------------------------

MAKERS = {
    "linear": lambda seed: make_linear_regression(50, 3, correlation=0.5, seed=seed)[:2],
    "polynomial": lambda seed: make_polynomial_regression(50, degree=3, noise=0.1, seed=seed)[:2],
    "classification": lambda seed: make_classification(50, n_classes=3, n_features=4, seed=seed),
    "moons": lambda seed: make_moons(50, noise=0.1, seed=seed),
    "split": lambda seed: train_val_test_split(np.arange(50), np.arange(50) % 3, val_size=0.2, test_size=0.2,
                                               seed=seed, stratify=True),
    "minibatches": lambda seed: list(minibatches(50, 8, seed=seed)),
    "kfold": lambda seed: [part for pair in kfold_indices(50, 5, seed=seed) for part in pair],
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_same_seed_same_arrays_other_seed_other_arrays(name):
    make = MAKERS[name]
    first, again, other = make(7), make(7), make(8)
    assert len(first) == len(again)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_makers_leave_global_state_alone(name):
    before = np.random.get_state()  # noqa: NPY002 (the source's legacy global generator, on purpose)
    MAKERS[name](3)
    assert global_state_equal(before, np.random.get_state())  # noqa: NPY002 (the source's legacy global generator, on purpose)


@pytest.mark.parametrize("maker", [
    lambda: make_linear_regression(5, 2),
    lambda: make_polynomial_regression(5, degree=1, noise=0.1),
    lambda: make_classification(5),
    lambda: make_moons(5, noise=0.1),
])
def test_seed_is_required(maker):
    with pytest.raises(TypeError, match="seed"):
        maker()


def test_seed_none_is_refused():
    with pytest.raises(TypeError, match=r"seed must be an integer in \[0, inf\), got None"):
        make_moons(10, noise=0.1, seed=None)


# ---------------------------------------------------------------------------------------------------------
# Regression data
# ---------------------------------------------------------------------------------------------------------


def test_linear_regression_without_noise_is_exactly_linear():
    X, y, coef = make_linear_regression(40, 3, noise=0.0, coef=[1.0, -2.0, 0.5], intercept=4.0, seed=0)
    assert X.shape == (40, 3) and y.shape == (40,) and coef.shape == (3,)
    np.testing.assert_array_equal(coef, [1.0, -2.0, 0.5])
    np.testing.assert_allclose(y, X @ coef + 4.0, rtol=0, atol=1e-14)


def test_linear_regression_noise_has_the_requested_scale():
    X, y, coef = make_linear_regression(20_000, 2, noise=0.7, intercept=1.0, seed=1)
    residual = y - X @ coef - 1.0
    assert residual.std() == pytest.approx(0.7, rel=0.03)
    assert abs(residual.mean()) < 0.02


def test_linear_regression_features_are_equicorrelated():
    X, _, _ = make_linear_regression(20_000, 4, correlation=0.6, seed=2)
    correlations = np.corrcoef(X, rowvar=False)
    off_diagonal = correlations[~np.eye(4, dtype=bool)]
    np.testing.assert_allclose(off_diagonal, 0.6, atol=0.03)
    np.testing.assert_allclose(X.var(axis=0), 1.0, atol=0.05)
    X_independent, _, _ = make_linear_regression(20_000, 4, seed=2)
    assert np.max(np.abs(np.corrcoef(X_independent, rowvar=False)[~np.eye(4, dtype=bool)])) < 0.03


def test_linear_regression_features_do_not_depend_on_noise_or_coef():
    X_a, _, coef_a = make_linear_regression(30, 3, noise=0.0, seed=5)
    X_b, _, _ = make_linear_regression(30, 3, noise=2.0, coef=[1.0, 2.0, 3.0], intercept=9.0, seed=5)
    np.testing.assert_array_equal(X_a, X_b)
    assert not np.array_equal(coef_a, [1.0, 2.0, 3.0])


def test_polynomial_regression_returns_the_true_curve():
    x, y, curve = make_polynomial_regression(60, noise=0.0, coef=[1.0, 0.0, -2.0], x_range=(0.0, 2.0), seed=3)
    assert x.shape == y.shape == (60,)
    assert np.all((x >= 0.0) & (x < 2.0))
    np.testing.assert_allclose(y, 1.0 - 2.0 * x**2)
    np.testing.assert_allclose(curve(np.array([0.0, 1.0, 2.0])), [1.0, -1.0, -7.0])

    x, y, curve = make_polynomial_regression(60, degree=4, noise=0.0, seed=3)
    assert curve.coef.shape == (5,)
    np.testing.assert_allclose(y, curve(x))


def test_polynomial_regression_with_a_function_and_noise():
    def wave(x):
        return np.sin(2 * np.pi * x)

    x, y, curve = make_polynomial_regression(5000, noise=0.2, function=wave, x_range=(0.0, 1.0), seed=4)
    assert curve is wave
    assert (y - wave(x)).std() == pytest.approx(0.2, rel=0.05)


def test_polynomial_regression_refuses_inconsistent_arguments():
    with pytest.raises(ValueError, match="give degree"):
        make_polynomial_regression(10, noise=0.1, seed=0)
    with pytest.raises(ValueError, match=r"degree = 2 does not match len\(coef\) - 1 = 1"):
        make_polynomial_regression(10, degree=2, coef=[1.0, 2.0], noise=0.1, seed=0)
    with pytest.raises(ValueError, match="not both"):
        make_polynomial_regression(10, degree=2, function=np.sin, noise=0.1, seed=0)
    with pytest.raises(ValueError, match="low < high"):
        make_polynomial_regression(10, degree=2, noise=0.1, x_range=(1.0, 1.0), seed=0)
    with pytest.raises(ValueError, match=r"noise must be a real number in \[0, inf\), got -0.1"):
        make_polynomial_regression(10, degree=2, noise=-0.1, seed=0)
    with pytest.raises(ValueError, match="same shape"):
        make_polynomial_regression(10, noise=0.1, function=np.sum, seed=0)


def test_linear_regression_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"correlation must be a real number in \[0, 1\), got .*positive definite"):
        make_linear_regression(10, 2, correlation=1.0, seed=0)
    with pytest.raises(ValueError, match=r"correlation must be a real number in \[0, 1\), got .*positive definite"):
        make_linear_regression(10, 2, correlation=-0.2, seed=0)
    with pytest.raises(ValueError, match=r"coef must have length 2, got shape \(3,\)"):
        make_linear_regression(10, 2, coef=[1.0, 2.0, 3.0], seed=0)
    with pytest.raises(ValueError, match=r"n_samples must be an integer in \[1, inf\), got 0"):
        make_linear_regression(0, 2, seed=0)
    with pytest.raises(TypeError, match="n_features must be an integer"):
        make_linear_regression(10, 2.0, seed=0)
    with pytest.raises(ValueError, match=r"noise must be a real number in \[0, inf\), got -1"):
        make_linear_regression(10, 2, noise=-1.0, seed=0)


# ---------------------------------------------------------------------------------------------------------
# Classification data
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n_classes", "n_features"), [(2, 2), (3, 2), (2, 5), (4, 3), (3, 1)])
def test_classification_blobs_have_the_requested_geometry(n_classes, n_features):
    X, y = make_classification(30_001, n_classes=n_classes, n_features=n_features, class_sep=3.0, seed=6)
    assert X.shape == (30_001, n_features) and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1
    means = np.array([X[y == c].mean(axis=0) for c in range(n_classes)])
    # Neighbouring means (around the polygon, or along the line for d = 1) are class_sep apart.
    order = range(n_classes) if n_features > 1 else range(n_classes - 1)
    for c in order:
        distance = np.linalg.norm(means[c] - means[(c + 1) % n_classes])
        assert distance == pytest.approx(3.0, abs=0.08)
    for c in range(n_classes):
        np.testing.assert_allclose(X[y == c].std(axis=0), 1.0, atol=0.05)
    assert not np.array_equal(y[:20], np.sort(y[:20]))  # rows are shuffled, not sorted by class


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = make_moons(101, noise=0.0, seed=0)
    assert X.shape == (101, 2) and np.bincount(y).tolist() == [51, 50]
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.all(upper[:, 1] >= 0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5)


def test_moons_noise_moves_points_off_the_circles():
    X, y = make_moons(4000, noise=0.1, seed=1)
    radii = np.hypot(X[y == 0, 0], X[y == 0, 1])
    assert (radii - 1.0).std() == pytest.approx(0.1, rel=0.1)


def test_classification_makers_refuse_bad_arguments():
    with pytest.raises(ValueError, match=r"n_classes must be an integer in \[2, inf\), got 1"):
        make_classification(10, n_classes=1, seed=0)
    with pytest.raises(ValueError, match="fewer than n_classes"):
        make_classification(2, n_classes=3, seed=0)
    with pytest.raises(ValueError, match=r"class_sep must be a real number in \(0, inf\), got 0"):
        make_classification(10, class_sep=0.0, seed=0)
    with pytest.raises(ValueError, match=r"n_samples must be an integer in \[2, inf\), got 1"):
        make_moons(1, noise=0.1, seed=0)
    with pytest.raises(ValueError, match=r"noise must be a real number in \[0, inf\), got -0.1"):
        make_moons(10, noise=-0.1, seed=0)


# ---------------------------------------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------------------------------------


@st.composite
def split_problems(draw):
    n = draw(st.integers(3, 300))
    val_size = draw(st.floats(0.01, 0.6))
    test_size = draw(st.floats(0.01, 0.98 - val_size))
    n_classes = draw(st.integers(1, 6))
    weights = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=n_classes, max_size=n_classes)))
    uniform = make_rng(draw(st.integers(0, 10**6))).random(n)
    labels = np.searchsorted(np.cumsum(weights / weights.sum()), uniform)
    labels = np.minimum(labels, n_classes - 1)
    return n, val_size, test_size, labels


@PROPERTY
@given(split_problems(), st.booleans(), st.integers(0, 1000))
def test_split_is_disjoint_covering_and_sized(problem, stratify, seed):
    n, val_size, test_size, labels = problem
    n_test, n_val = round(test_size * n), round(val_size * n)
    X = np.arange(n)
    if min(n_test, n_val, n - n_test - n_val) < 1:
        with pytest.raises(ValueError, match="every split needs at least one"):
            train_val_test_split(X, labels, val_size=val_size, test_size=test_size, seed=seed, stratify=stratify)
        return
    X_train, X_val, X_test, y_train, y_val, y_test = train_val_test_split(
        X, labels, val_size=val_size, test_size=test_size, seed=seed, stratify=stratify)
    assert (len(X_train), len(X_val), len(X_test)) == (n - n_val - n_test, n_val, n_test)
    together = np.concatenate([X_train, X_val, X_test])
    assert np.array_equal(np.sort(together), X)  # disjoint and covering
    for X_part, y_part in ((X_train, y_train), (X_val, y_val), (X_test, y_test)):
        np.testing.assert_array_equal(y_part, labels[X_part])  # rows stay paired
    if stratify:
        class_counts = np.bincount(labels)
        for X_part in (X_train, X_val, X_test):
            target = class_counts * len(X_part) / n
            achieved = np.bincount(labels[X_part], minlength=len(class_counts))
            assert np.all(np.abs(achieved - target) < 1.0)


@PROPERTY
@given(st.lists(st.integers(1, 40), min_size=1, max_size=12), st.lists(st.integers(0, 40), min_size=2,
                                                                        max_size=4))
def test_stratified_rounding_keeps_margins_and_stays_within_one(class_counts, raw_splits):
    class_counts = np.array(class_counts)
    n = class_counts.sum()
    # Turn raw_splits into split sizes that add up to n.
    cuts = np.sort(np.array(raw_splits[1:]) * n // 40)
    split_sizes = np.diff(np.concatenate([[0], cuts, [n]]))
    table = _stratified_counts(class_counts, split_sizes)
    np.testing.assert_array_equal(table.sum(axis=1), class_counts)
    np.testing.assert_array_equal(table.sum(axis=0), split_sizes)
    assert np.all(np.abs(table - np.outer(class_counts, split_sizes) / n) < 1.0)


def test_stratified_split_preserves_a_rare_class():
    labels = np.array([1] * 10 + [0] * 990)
    parts = train_val_test_split(np.zeros((1000, 2)), labels, val_size=0.2, test_size=0.2, seed=0, stratify=True)
    y_train, y_val, y_test = parts[3:]
    assert (y_train.sum(), y_val.sum(), y_test.sum()) == (6, 2, 2)


def test_unstratified_split_shuffles():
    X_train, X_val, X_test, *_ = train_val_test_split(np.arange(100), np.arange(100), val_size=0.1,
                                                      test_size=0.1, seed=0)
    assert not np.array_equal(X_train, np.sort(X_train))
    assert X_train.shape == (80,) and X_val.shape == X_test.shape == (10,)


def test_split_refuses_bad_arguments():
    X, y = np.zeros((10, 2)), np.zeros(10)
    with pytest.raises(ValueError, match=r"val_size must be a real number in \(0, 1\), got 0; it is a fraction"):
        train_val_test_split(X, y, val_size=0.0, test_size=0.2, seed=0)
    with pytest.raises(ValueError, match=r"test_size must be a real number in \(0, 1\), got 1.5"):
        train_val_test_split(X, y, val_size=0.2, test_size=1.5, seed=0)
    with pytest.raises(ValueError, match="leaves no training samples"):
        train_val_test_split(X, y, val_size=0.5, test_size=0.5, seed=0)
    with pytest.raises(ValueError, match="X has 10 samples.*but y has 9"):
        train_val_test_split(X, y[:9], val_size=0.2, test_size=0.2, seed=0)
    with pytest.raises(ValueError, match="every split needs at least one"):
        train_val_test_split(X, y, val_size=0.01, test_size=0.2, seed=0)
    with pytest.raises(ValueError, match=r"stratify=True, y must hold one class label per sample"):
        train_val_test_split(X, np.zeros((10, 1)), val_size=0.2, test_size=0.2, seed=0, stratify=True)
    with pytest.raises(TypeError, match="stratify must be True or False"):
        train_val_test_split(X, y, val_size=0.2, test_size=0.2, seed=0, stratify=y)


def test_kfold_folds_partition_the_samples():
    for n, k in [(10, 2), (23, 5), (7, 7)]:
        pairs = kfold_indices(n, k, seed=1)
        assert len(pairs) == k
        validation = [val for _, val in pairs]
        np.testing.assert_array_equal(np.sort(np.concatenate(validation)), np.arange(n))
        sizes = [len(val) for val in validation]
        assert max(sizes) - min(sizes) <= 1
        for train, val in pairs:
            assert np.intersect1d(train, val).size == 0
            np.testing.assert_array_equal(np.union1d(train, val), np.arange(n))
    contiguous = kfold_indices(10, 3, shuffle=False)
    np.testing.assert_array_equal(contiguous[0][1], [0, 1, 2, 3])
    np.testing.assert_array_equal(contiguous[2][1], [7, 8, 9])
    shuffled = kfold_indices(10, 3, seed=0)
    assert not np.array_equal(shuffled[0][1], [0, 1, 2, 3])


def test_kfold_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"n_folds must be an integer in \[2, inf\), got 1"):
        kfold_indices(10, 1, seed=0)
    with pytest.raises(ValueError, match="n_folds = 11 is more than n_samples = 10"):
        kfold_indices(10, 11, seed=0)
    with pytest.raises(ValueError, match="shuffle=True needs a seed"):
        kfold_indices(10, 2)


# ---------------------------------------------------------------------------------------------------------
# Standardizer
# ---------------------------------------------------------------------------------------------------------


@parametrize_with_checks([Standardizer()])
def test_standardizer_passes_sklearn_estimator_checks(estimator, check, monkeypatch):
    # scikit-learn skips its array-API check unless SCIPY_ARRAY_API=1. With NumPy inputs that check only
    # verifies that switching array-API dispatch on changes nothing, which should hold here, so run it.
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)


def test_standardizer_matches_standard_scaler():
    rng = make_rng(0)
    X_train = rng.normal(loc=[1.0, -50.0, 3.0], scale=[0.1, 20.0, 1.0], size=(200, 3))
    X_train[:, 2] = 3.0  # a constant column
    X_new = rng.normal(size=(20, 3))
    ours = Standardizer().fit(X_train)
    theirs = StandardScaler().fit(X_train)
    np.testing.assert_allclose(ours.mean_, theirs.mean_)
    np.testing.assert_allclose(ours.scale_, theirs.scale_)
    assert ours.scale_[2] == 1.0 and ours.n_features_in_ == 3
    np.testing.assert_allclose(ours.transform(X_new), theirs.transform(X_new))
    np.testing.assert_allclose(ours.transform(X_train), theirs.transform(X_train), atol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X_new)), X_new)
    standardized = Standardizer().fit_transform(X_train)
    np.testing.assert_allclose(standardized[:, :2].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(standardized[:, :2].std(axis=0), 1.0)
    np.testing.assert_array_equal(standardized[:, 2], 0.0)


def test_standardizer_works_in_a_pipeline_and_keeps_feature_names():
    X, y, _ = make_linear_regression(60, 3, noise=0.1, seed=0)
    X = X * np.array([1.0, 100.0, 0.01])
    pipeline = make_pipeline(Standardizer(), LinearRegression())
    scores = cross_val_score(pipeline, X, y, cv=3)
    assert np.all(scores > 0.9)
    scaler = Standardizer().fit(X)
    assert scaler.get_feature_names_out().tolist() == ["x0", "x1", "x2"]


def test_standardizer_uses_only_the_data_it_was_fitted_on():
    scaler = Standardizer().fit(np.array([[0.0], [2.0]]))
    np.testing.assert_array_equal(scaler.transform(np.array([[10.0]])), [[9.0]])


def test_standardizer_refuses_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        Standardizer().fit(np.array([[1.0], [np.nan]]))
    scaler = Standardizer().fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="3 features, but Standardizer is expecting 2"):
        scaler.transform(np.ones((3, 3)))
    with pytest.raises(ValueError, match="Expected 2D array"):
        scaler.transform(np.ones(2))


# ---------------------------------------------------------------------------------------------------------
# One-hot encoding and mini-batches
# ---------------------------------------------------------------------------------------------------------


def test_one_hot():
    np.testing.assert_array_equal(one_hot([2, 0, 1, 2]), [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert one_hot(np.array([0.0, 1.0]), n_classes=4).shape == (2, 4)
    assert one_hot([], n_classes=3).shape == (0, 3)
    with pytest.raises(ValueError, match=r"found label 3 but n_classes = 3 allows only 0\.\.2"):
        one_hot([0, 3], n_classes=3)
    with pytest.raises(ValueError, match="non-negative"):
        one_hot([0, -1])
    with pytest.raises(ValueError, match="whole numbers"):
        one_hot([0.5, 1.0])
    with pytest.raises(ValueError, match=r"pass labels\.ravel\(\)"):
        one_hot(np.zeros((3, 1), dtype=int))
    with pytest.raises(TypeError, match="return_inverse"):
        one_hot(["cat", "dog"])
    with pytest.raises(ValueError, match="pass n_classes"):
        one_hot([])


@PROPERTY
@given(st.integers(1, 200), st.integers(1, 64), st.booleans(), st.integers(0, 1000))
def test_minibatches_cover_every_sample_once_per_epoch(n, batch_size, shuffle, seed):
    batches = list(minibatches(n, batch_size, seed=seed, shuffle=shuffle))
    together = np.concatenate(batches)
    np.testing.assert_array_equal(np.sort(together), np.arange(n))
    assert all(len(batch) == batch_size for batch in batches[:-1])
    assert 1 <= len(batches[-1]) <= batch_size
    if not shuffle:
        np.testing.assert_array_equal(together, np.arange(n))


@PROPERTY
@given(st.integers(1, 200), st.integers(1, 64), st.integers(0, 1000))
def test_minibatches_drop_last_keeps_only_full_batches(n, batch_size, seed):
    if batch_size > n:
        with pytest.raises(ValueError, match="drop_last=True would drop every sample"):
            minibatches(n, batch_size, seed=seed, drop_last=True)
        return
    batches = list(minibatches(n, batch_size, seed=seed, drop_last=True))
    assert len(batches) == n // batch_size
    assert all(len(batch) == batch_size for batch in batches)
    together = np.concatenate(batches)
    assert len(np.unique(together)) == len(together)


def test_minibatches_with_a_generator_reshuffle_every_epoch():
    rng = make_rng(0)
    first = np.concatenate(list(minibatches(50, 10, rng=rng)))
    second = np.concatenate(list(minibatches(50, 10, rng=rng)))
    assert not np.array_equal(first, second)
    same = np.concatenate(list(minibatches(50, 10, seed=0)))
    np.testing.assert_array_equal(same, np.concatenate(list(minibatches(50, 10, seed=0))))
    np.testing.assert_array_equal(first, same)  # rng=make_rng(0) and seed=0 give the same first epoch


def test_minibatches_refuse_bad_arguments_when_called():
    with pytest.raises(ValueError, match=r"batch_size must be an integer in \[1, inf\), got 0"):
        minibatches(10, 0, seed=0)
    with pytest.raises(ValueError, match="needs seed=<int> or rng"):
        minibatches(10, 2)
    with pytest.raises(ValueError, match="either seed or rng, not both"):
        minibatches(10, 2, seed=0, rng=make_rng(0))
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        minibatches(10, 2, rng=np.random.RandomState(0))
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        minibatches(10, 2.5, seed=0)
    assert [len(batch) for batch in minibatches(5, 10, seed=0)] == [5]


def test_minibatches_of_an_epoch_depend_only_on_seed_and_epoch():
    batches = MiniBatches(10, 4, seed=7)
    first = [batch.tolist() for batch in batches(0)]
    assert [len(batch) for batch in first] == [4, 4, 2]
    assert sorted(sum(first, [])) == list(range(10))
    assert [batch.tolist() for batch in batches(0)] == first
    assert [batch.tolist() for batch in MiniBatches(10, 4, seed=7)(0)] == first
    assert [batch.tolist() for batch in batches(1)] != first
    # Epoch e is minibatches() with a generator seeded by [seed, e].
    expected = [batch.tolist() for batch in minibatches(10, 4, rng=np.random.default_rng([7, 1]))]
    assert [batch.tolist() for batch in batches(1)] == expected
    ordered = MiniBatches(10, 4, seed=None, shuffle=False, drop_last=True)
    assert [batch.tolist() for batch in ordered(3)] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert ordered.state_dict() == {"n_samples": 10, "batch_size": 4, "seed": -1, "shuffle": False,
                                    "drop_last": True}


def test_minibatches_object_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"MiniBatches: seed must be None when shuffle=False, got 0; it would have"):
        MiniBatches(5, 2, seed=0, shuffle=False)
    with pytest.raises(TypeError, match=r"MiniBatches: seed must be a non-negative integer when shuffle=True, got "
                                        r"None; the book never shuffles unseeded"):
        MiniBatches(5, 2, seed=None)
    with pytest.raises(TypeError, match=r"MiniBatches: batch_size must be an integer in \[1, inf\), got 2.5"):
        MiniBatches(5, 2.5, seed=0)
    with pytest.raises(ValueError, match="drop_last=True would drop every sample"):
        MiniBatches(5, 6, seed=0, drop_last=True)
    with pytest.raises(ValueError, match=r"MiniBatches: epoch must be an integer in \[0, inf\), got -1"):
        MiniBatches(5, 2, seed=0)(-1)
