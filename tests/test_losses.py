"""Unit tests of lib.losses: values, gradients, proximal operators, stability and input checks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from scipy.optimize import minimize_scalar
from sklearn.linear_model import ElasticNet as SklearnElasticNet
from sklearn.linear_model import Lasso, Ridge
from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error

from lib.losses import (
    L1,
    L2,
    MAE,
    MSE,
    BinaryCrossEntropy,
    CrossEntropy,
    ElasticNet,
    Huber,
    Penalty,
    log_sum_exp,
    make_penalty,
    sigmoid,
    softmax,
)

PROPERTY = settings(max_examples=50, deadline=None)
FD_STEP = 1e-5


def central_difference(function, point: np.ndarray, step: float = FD_STEP) -> np.ndarray:
    """Central finite-difference gradient of a scalar function, one coordinate at a time."""
    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        shift = np.zeros_like(point)
        shift[index] = step
        gradient[index] = (function(point + shift) - function(point - shift)) / (2 * step)
    return gradient


def assert_gradient_matches(function, gradient: np.ndarray, point: np.ndarray) -> None:
    numerical = central_difference(function, point)
    assert gradient.shape == point.shape
    np.testing.assert_allclose(gradient, numerical, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------------------

values = st.floats(-5.0, 5.0, allow_nan=False, allow_infinity=False)
sizes = st.integers(1, 8)


@st.composite
def targets_and_outputs(draw):
    n = draw(sizes)
    y = draw(arrays(np.float64, n, elements=values))
    z = draw(arrays(np.float64, n, elements=values))
    return y, z


@st.composite
def residuals_away_from(draw, kink_distance):
    """Targets and outputs whose residuals z - y are at least 1e-3 away from +-kink_distance (and 0)."""
    n = draw(sizes)
    y = draw(arrays(np.float64, n, elements=values))
    if kink_distance == 0.0:
        magnitude = st.floats(1e-3, 5.0)
    else:
        magnitude = st.one_of(st.floats(0.0, kink_distance - 1e-3), st.floats(kink_distance + 1e-3, 5.0))
    sizes_of_residuals = np.array(draw(st.lists(magnitude, min_size=n, max_size=n)))
    signs = np.array(draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n)))
    return y, y + signs * sizes_of_residuals


@st.composite
def binary_labels_and_logits(draw):
    n = draw(sizes)
    y = draw(arrays(np.int64, n, elements=st.integers(0, 1)))
    z = draw(arrays(np.float64, n, elements=st.floats(-10.0, 10.0)))
    return y, z


@st.composite
def class_labels_and_logits(draw):
    n = draw(st.integers(1, 6))
    k = draw(st.integers(2, 5))
    y = draw(arrays(np.int64, n, elements=st.integers(0, k - 1)))
    z = draw(arrays(np.float64, (n, k), elements=st.floats(-10.0, 10.0)))
    return y, z


weights = arrays(np.float64, array_shapes(min_dims=1, max_dims=2, max_side=5), elements=values)


@st.composite
def weights_away_from_zero(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=2, max_side=5))
    magnitude = draw(arrays(np.float64, shape, elements=st.floats(1e-3, 5.0)))
    signs = draw(arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0])))
    return signs * magnitude


alphas = st.floats(0.0, 3.0)
l1_ratios = st.floats(0.0, 1.0)
steps = st.floats(0.01, 3.0)


def penalty_from(kind: str, alpha: float, l1_ratio: float) -> Penalty:
    return {"l2": L2(alpha), "l1": L1(alpha), "elasticnet": ElasticNet(alpha, l1_ratio)}[kind]


def alpha_and_ratio(penalty: Penalty) -> tuple[float, float]:
    """Write any of the three penalties as an elastic net alpha * (rho |w|_1 + (1 - rho)/2 |w|^2)."""
    if isinstance(penalty, L1):
        return penalty.alpha, 1.0
    if isinstance(penalty, L2):
        return penalty.alpha, 0.0
    return penalty.alpha, penalty.l1_ratio


# ---------------------------------------------------------------------------------------------------------
# Gradients against central finite differences
# ---------------------------------------------------------------------------------------------------------


@PROPERTY
@given(targets_and_outputs())
def test_mse_gradient_matches_finite_differences(pair):
    y, z = pair
    loss = MSE()
    assert_gradient_matches(lambda point: loss.value(y, point), loss.grad(y, z), z)


@PROPERTY
@given(residuals_away_from(0.0))
def test_mae_gradient_matches_finite_differences_away_from_ties(pair):
    y, z = pair
    loss = MAE()
    assert_gradient_matches(lambda point: loss.value(y, point), loss.grad(y, z), z)


@PROPERTY
@given(st.data(), st.floats(0.1, 3.0))
def test_huber_gradient_matches_finite_differences_away_from_delta(data, delta):
    y, z = data.draw(residuals_away_from(delta))
    loss = Huber(delta)
    assert_gradient_matches(lambda point: loss.value(y, point), loss.grad(y, z), z)


@PROPERTY
@given(binary_labels_and_logits())
def test_binary_cross_entropy_gradient_matches_finite_differences(pair):
    y, z = pair
    loss = BinaryCrossEntropy()
    assert_gradient_matches(lambda point: loss.value(y, point), loss.grad(y, z), z)


@PROPERTY
@given(class_labels_and_logits())
def test_cross_entropy_gradient_matches_finite_differences(pair):
    y, z = pair
    loss = CrossEntropy()
    assert_gradient_matches(lambda point: loss.value(y, point), loss.grad(y, z), z)


@PROPERTY
@given(weights, alphas)
def test_l2_gradient_matches_finite_differences(w, alpha):
    penalty = L2(alpha)
    assert_gradient_matches(penalty.value, penalty.grad(w), w)


@PROPERTY
@given(weights_away_from_zero(), alphas)
def test_l1_gradient_matches_finite_differences_away_from_zero(w, alpha):
    penalty = L1(alpha)
    assert_gradient_matches(penalty.value, penalty.grad(w), w)


@PROPERTY
@given(weights_away_from_zero(), alphas, l1_ratios)
def test_elastic_net_gradient_matches_finite_differences_away_from_zero(w, alpha, l1_ratio):
    penalty = ElasticNet(alpha, l1_ratio)
    assert_gradient_matches(penalty.value, penalty.grad(w), w)


def test_subgradients_at_kinks_are_zero():
    assert np.array_equal(MAE().grad([1.0, 2.0], [1.0, 3.0]), [0.0, 0.5])
    assert np.array_equal(L1(2.0).grad([0.0, -1.0]), [0.0, -2.0])
    assert np.array_equal(ElasticNet(2.0, 0.5).grad([0.0, 1.0]), [0.0, 2.0])


# ---------------------------------------------------------------------------------------------------------
# Proximal operators
# ---------------------------------------------------------------------------------------------------------


@PROPERTY
@given(st.sampled_from(["l2", "l1", "elasticnet"]), arrays(np.float64, st.integers(1, 4), elements=values),
       alphas, l1_ratios, steps)
def test_prox_matches_brute_force_minimization(kind, w, alpha, l1_ratio, step):
    penalty = penalty_from(kind, alpha, l1_ratio)
    result = penalty.prox(w, step)
    assert result.shape == w.shape
    for j, w_j in enumerate(w):

        def objective(u, w_j=w_j):
            return penalty.value(np.array([u])) + (u - w_j) ** 2 / (2 * step)

        bounds = (min(0.0, w_j) - 1.0, max(0.0, w_j) + 1.0)
        best = minimize_scalar(objective, bounds=bounds, method="bounded", options={"xatol": 1e-10})
        assert objective(result[j]) <= best.fun + 1e-12
        assert result[j] == pytest.approx(best.x, abs=1e-6)


@PROPERTY
@given(st.sampled_from(["l2", "l1", "elasticnet"]), weights, alphas, l1_ratios, steps)
def test_prox_satisfies_optimality_condition(kind, w, alpha, l1_ratio, step):
    """p = prox(w) iff (w - p)/s is a subgradient of P at p."""
    penalty = penalty_from(kind, alpha, l1_ratio)
    p = penalty.prox(w, step)
    residual = (w - p) / step
    strength, rho = alpha_and_ratio(penalty)
    nonzero = p != 0
    expected = strength * (rho * np.sign(p) + (1 - rho) * p)
    np.testing.assert_allclose(residual[nonzero], expected[nonzero], rtol=1e-9, atol=1e-9)
    assert np.all(np.abs(residual[~nonzero]) <= strength * rho + 1e-9)


def test_prox_closed_forms():
    w = np.array([3.0, -0.5, 1.0, -2.5])
    np.testing.assert_allclose(L1(1.0).prox(w, 1.0), [2.0, 0.0, 0.0, -1.5])
    np.testing.assert_allclose(L1(0.5).prox(w, 2.0), [2.0, 0.0, 0.0, -1.5])
    np.testing.assert_allclose(L2(1.0).prox(w, 1.0), w / 2)
    np.testing.assert_allclose(L2(3.0).prox(w, 0.5), w / 2.5)
    np.testing.assert_allclose(ElasticNet(2.0, 0.5).prox(w, 1.0), [2.0, 0.0, 0.0, -1.5] / np.float64(2.0))
    np.testing.assert_allclose(ElasticNet(1.3, 1.0).prox(w, 0.7), L1(1.3).prox(w, 0.7))
    np.testing.assert_allclose(ElasticNet(1.3, 0.0).prox(w, 0.7), L2(1.3).prox(w, 0.7))
    for penalty in (L1(0.0), L2(0.0), ElasticNet(0.0, 0.3)):
        np.testing.assert_array_equal(penalty.prox(w, 1.0), w)
        assert penalty.value(w) == 0.0


def test_penalty_values():
    w = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert L2(0.5).value(w) == pytest.approx(0.25 * 14)
    assert L1(0.5).value(w) == pytest.approx(0.5 * 6)
    assert ElasticNet(2.0, 0.25).value(w) == pytest.approx(2.0 * (0.25 * 6 + 0.375 * 14))


def orthogonal_design(n_samples: int = 40):
    """X with X^T X / n = I and targets y, so that argmin 1/(2n)|y - Xw|^2 + P(w) = prox_P(X^T y / n)."""
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((n_samples, 3)))
    X = np.sqrt(n_samples) * q
    y = X @ np.array([1.0, -0.05, 0.5]) + 0.01 * rng.standard_normal(n_samples)
    return X, y, X.T @ y / n_samples


def test_l1_and_elastic_net_follow_scikit_learn_conventions():
    X, y, least_squares = orthogonal_design()
    lasso = Lasso(alpha=0.1, fit_intercept=False, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(lasso.coef_, L1(0.1).prox(least_squares, 1.0), atol=1e-10)
    assert lasso.coef_[1] == 0.0
    net = SklearnElasticNet(alpha=0.1, l1_ratio=0.3, fit_intercept=False, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(net.coef_, ElasticNet(0.1, 0.3).prox(least_squares, 1.0), atol=1e-10)


def test_l2_matches_ridge_with_rescaled_alpha():
    X, y, least_squares = orthogonal_design()
    n_samples = X.shape[0]
    ridge = Ridge(alpha=0.1 * n_samples, fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(ridge.coef_, L2(0.1).prox(least_squares, 1.0), atol=1e-10)


# ---------------------------------------------------------------------------------------------------------
# Values against scikit-learn and SciPy
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_regression_losses_match_reference_implementations(seed):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=30)
    z = y + rng.standard_t(df=2, size=30)
    assert MSE().value(y, z) == pytest.approx(mean_squared_error(y, z), rel=1e-12)
    assert MAE().value(y, z) == pytest.approx(mean_absolute_error(y, z), rel=1e-12)
    for delta in (0.3, 1.0, 2.5):
        expected = np.mean(scipy.special.huber(delta, z - y))
        assert Huber(delta).value(y, z) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_classification_losses_match_sklearn_log_loss(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=40)
    z = rng.normal(scale=3.0, size=40)
    expected = log_loss(y, scipy.special.expit(z), labels=[0, 1])
    assert BinaryCrossEntropy().value(y, z) == pytest.approx(expected, rel=1e-10)

    k = 4
    labels = rng.integers(0, k, size=40)
    logits = rng.normal(scale=3.0, size=(40, k))
    expected = log_loss(labels, scipy.special.softmax(logits, axis=1), labels=list(range(k)))
    assert CrossEntropy().value(labels, logits) == pytest.approx(expected, rel=1e-10)


def test_two_class_cross_entropy_equals_binary_cross_entropy_of_logit_difference():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, size=25)
    logits = rng.normal(size=(25, 2))
    difference = logits[:, 1] - logits[:, 0]
    assert CrossEntropy().value(labels, logits) == pytest.approx(BinaryCrossEntropy().value(labels, difference))
    gradient = CrossEntropy().grad(labels, logits)
    np.testing.assert_allclose(gradient[:, 1], BinaryCrossEntropy().grad(labels, difference))
    np.testing.assert_allclose(gradient.sum(axis=1), 0.0, atol=1e-15)


def test_helpers_match_scipy():
    z = np.array([[-800.0, 0.0, 3.0], [1000.0, 999.0, -1000.0], [1e-3, -2.0, 40.0]])
    np.testing.assert_allclose(sigmoid(z), scipy.special.expit(z), rtol=1e-14)
    np.testing.assert_allclose(softmax(z), scipy.special.softmax(z, axis=-1), rtol=1e-13)
    np.testing.assert_allclose(log_sum_exp(z), scipy.special.logsumexp(z, axis=-1), rtol=1e-14)
    assert log_sum_exp(np.array([1.0, 2.0])) == pytest.approx(np.log(np.e + np.e**2))
    np.testing.assert_allclose(softmax(z).sum(axis=-1), 1.0)
    assert np.all(np.isfinite(sigmoid(np.array([-1e308, 1e308]))))


def test_binary_cross_entropy_keeps_relative_precision_of_tiny_losses():
    # log(1 + e^-40) = 4.248e-18; evaluating log(1 + e^40) - 40 would round it to 0.
    assert BinaryCrossEntropy().value([1], [40.0]) == pytest.approx(np.log1p(np.exp(-40.0)), rel=1e-12)


# ---------------------------------------------------------------------------------------------------------
# Stability at extreme logits
# ---------------------------------------------------------------------------------------------------------


def test_binary_cross_entropy_is_stable_at_large_logits():
    y = np.array([1, 0, 1, 0])
    z = np.array([1000.0, -1000.0, -1000.0, 1000.0])
    loss = BinaryCrossEntropy()
    assert loss.value(y, z) == pytest.approx((0 + 0 + 1000 + 1000) / 4)
    np.testing.assert_allclose(loss.grad(y, z), [0.0, 0.0, -0.25, 0.25])
    assert np.all(np.isfinite(loss.grad(y, z)))


def test_cross_entropy_is_stable_at_large_logits():
    labels = np.array([0, 2, 1])
    logits = np.array([[1000.0, 0.0, -1000.0], [1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0]])
    loss = CrossEntropy()
    expected = (0.0 + 2000.0 + np.log(3.0)) / 3
    assert loss.value(labels, logits) == pytest.approx(expected)
    gradient = loss.grad(labels, logits)
    assert np.all(np.isfinite(gradient))
    np.testing.assert_allclose(gradient[1], [1 / 3, 0.0, -1 / 3], atol=1e-15)
    np.testing.assert_allclose(gradient[2], [1 / 9, -2 / 9, 1 / 9])


# ---------------------------------------------------------------------------------------------------------
# API details
# ---------------------------------------------------------------------------------------------------------


def test_losses_accept_lists_and_do_not_modify_inputs():
    y = np.array([0.0, 1.0, 2.0])
    z = np.array([0.5, 1.0, 1.0])
    y_copy, z_copy = y.copy(), z.copy()
    for loss in (MSE(), MAE(), Huber(0.5)):
        assert loss(y, z) == loss.value(list(y), list(z))
        loss.grad(y, z)
    labels, logits = np.array([0, 2]), np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    logits_copy = logits.copy()
    CrossEntropy().grad(labels, logits)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(z, z_copy)
    np.testing.assert_array_equal(logits, logits_copy)
    assert MSE().value(y, z) == pytest.approx((0.25 + 0 + 1) / 3)
    assert isinstance(MSE().value(y, z), float)


def test_cross_entropy_accepts_integer_valued_float_labels():
    logits = np.array([[1.0, 2.0], [3.0, 0.0]])
    assert CrossEntropy().value(np.array([1.0, 0.0]), logits) == CrossEntropy().value(np.array([1, 0]), logits)


def test_make_penalty():
    assert make_penalty(None, 1.0) is None
    assert isinstance(make_penalty("l2", 0.1), L2)
    assert isinstance(make_penalty("l1", 0.1), L1)
    net = make_penalty("elasticnet", 0.1, l1_ratio=0.2)
    assert isinstance(net, ElasticNet) and net.alpha == 0.1 and net.l1_ratio == 0.2
    existing = L1(0.3)
    assert make_penalty(existing, 5.0) is existing
    assert repr(net) == "ElasticNet(alpha=0.1, l1_ratio=0.2)"
    assert repr(Huber(2)) == "Huber(delta=2.0)"


# ---------------------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------------------

COLUMN = np.ones((4, 1))
ROW = np.ones(4)


@pytest.mark.parametrize("loss", [MSE(), MAE(), Huber(), BinaryCrossEntropy()])
@pytest.mark.parametrize("method", ["value", "grad"])
def test_column_against_row_is_refused_not_broadcast(loss, method):
    with pytest.raises(ValueError, match=r"y\.shape = \(4, 1\).*pass y\.ravel\(\)"):
        getattr(loss, method)(COLUMN, ROW)
    with pytest.raises(ValueError, match=r"z\.shape = \(4, 1\).*pass z\.ravel\(\)"):
        getattr(loss, method)(ROW, COLUMN)
    with pytest.raises(ValueError, match=r"both have shape \(n,\).*pass y\.ravel\(\).*pass z\.ravel\(\)"):
        getattr(loss, method)(COLUMN, COLUMN)
    with pytest.raises(ValueError, match=r"y\.shape = \(3,\) and z\.shape = \(4,\)"):
        getattr(loss, method)(np.ones(3), ROW)


@pytest.mark.parametrize("loss", [MSE(), MAE(), Huber(), BinaryCrossEntropy()])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_are_refused(loss, bad):
    clean = np.array([0.0, 1.0, 1.0])
    dirty = np.array([0.0, bad, 1.0])
    with pytest.raises(ValueError, match=r"y must be finite, got NaN or inf \(first at index \(1,\)"):
        loss.value(dirty, clean)
    with pytest.raises(ValueError, match=r"z must be finite, got NaN or inf"):
        loss.grad(clean, dirty)


@pytest.mark.parametrize("loss", [MSE(), MAE(), Huber(), BinaryCrossEntropy(), CrossEntropy()])
def test_empty_inputs_are_refused(loss):
    with pytest.raises(ValueError, match=r"y must hold at least one sample .*got an empty array of shape \(0,\)"):
        loss.value(np.array([]), np.empty((0, 2)) if isinstance(loss, CrossEntropy) else np.array([]))


def test_non_numeric_inputs_are_refused():
    with pytest.raises(TypeError, match="y must be an array of real numbers"):
        MSE().value(np.array(["a", "b"]), np.array([1.0, 2.0]))


@pytest.mark.parametrize("labels", [[0, 2, 1], [-1, 1, 1], [0.5, 1, 0]])
def test_binary_cross_entropy_refuses_labels_other_than_0_and_1(labels):
    with pytest.raises(ValueError, match=r"labels y must be 0 or 1.*\(y \+ 1\) / 2"):
        BinaryCrossEntropy().value(labels, np.zeros(3))


def test_cross_entropy_refuses_bad_labels_and_shapes():
    logits = np.zeros((3, 3))
    loss = CrossEntropy()
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.2.*found \[3\]"):
        loss.value([0, 1, 3], logits)
    with pytest.raises(ValueError, match=r"found \[-1\]"):
        loss.grad([0, -1, 2], logits)
    with pytest.raises(ValueError, match=r"integer class labels.*got 1\.5 at index 1"):
        loss.value([0, 1.5, 2], logits)
    with pytest.raises(ValueError, match=r"one-hot encoded; pass y\.argmax\(axis=1\)"):
        loss.value(np.eye(3), logits)
    with pytest.raises(ValueError, match=r"y is a column: pass y\.ravel\(\)"):
        loss.value(np.zeros((3, 1)), logits)
    with pytest.raises(ValueError, match=r"shape \(n,\) = \(3,\)"):
        loss.value([0, 1], logits)
    with pytest.raises(ValueError, match=r"shape \(n, k\) with k >= 2.*use BinaryCrossEntropy"):
        loss.value([0, 1, 1], np.zeros(3))
    with pytest.raises(ValueError, match=r"CrossEntropy: z must be finite, got NaN or inf"):
        loss.value([0, 1, 1], np.array([[0.0, 1.0, np.nan]] * 3))


@pytest.mark.parametrize("make", [L2, L1, ElasticNet])
def test_penalties_refuse_negative_or_non_finite_alpha(make):
    with pytest.raises(ValueError, match=r"alpha must be a real number in \[0, inf\), got -0.1"):
        make(-0.1)
    with pytest.raises(ValueError, match=r"alpha must be a real number in \[0, inf\), got inf"):
        make(np.inf)
    with pytest.raises(TypeError, match=r"alpha must be a real number in \[0, inf\), got '0.1'"):
        make("0.1")


@pytest.mark.parametrize("penalty", [L2(1.0), L1(1.0), ElasticNet(1.0)])
def test_penalties_refuse_bad_weights_and_steps(penalty):
    with pytest.raises(ValueError, match=r"w must be finite, got NaN or inf \(first at index \(1,\), "
                                         r"value nan\); the weights have"):
        penalty.value(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match=r"w must hold at least one weight, got an empty array"):
        penalty.grad(np.array([]))
    with pytest.raises(ValueError, match=r"prox: step must be a real number in \(0, inf\), got 0"):
        penalty.prox(np.ones(2), 0.0)
    with pytest.raises(ValueError, match=r"prox: step must be a real number in \(0, inf\), got -1"):
        penalty.prox(np.ones(2), -1.0)


@pytest.mark.parametrize("delta", [0.0, -1.0])
def test_huber_refuses_non_positive_delta(delta):
    with pytest.raises(ValueError, match=r"Huber: delta must be a real number in \(0, inf\)"):
        Huber(delta)


@pytest.mark.parametrize("l1_ratio", [-0.1, 1.5])
def test_elastic_net_refuses_l1_ratio_outside_unit_interval(l1_ratio):
    with pytest.raises(ValueError, match=r"ElasticNet: l1_ratio must be a real number in \[0, 1\]"):
        ElasticNet(1.0, l1_ratio)
    with pytest.raises(ValueError, match=r"ElasticNet: l1_ratio must be a real number in \[0, 1\]"):
        make_penalty("elasticnet", 1.0, l1_ratio=l1_ratio)


def test_make_penalty_refuses_unknown_names():
    with pytest.raises(ValueError, match=r"make_penalty: penalty must be one of 'l2', 'l1', 'elasticnet' or a "
                                         r"lib.losses.Penalty or None, got 'lasso'"):
        make_penalty("lasso", 1.0)
    with pytest.raises(TypeError, match="make_penalty: penalty must be one of .*, got 2"):
        make_penalty(2, 1.0)
    with pytest.raises(ValueError, match=r"L2: alpha must be a real number in \[0, inf\)"):
        make_penalty("l2", -1.0)


# ---------------------------------------------------------------------------------------------------------
# The training path: value_and_grad, check_input=False, curvature bounds
# ---------------------------------------------------------------------------------------------------------

TRAINING_CASES = [
    (MSE(), np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.3, 2.5])),
    (MAE(), np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.3, 2.5])),
    (Huber(0.7), np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.3, 2.5])),
    (BinaryCrossEntropy(), np.array([0.0, 1.0, 1.0]), np.array([-2.0, 0.3, 5.0])),
    (CrossEntropy(), np.array([0, 2, 1]), np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 1.0], [0.0, 0.0, 0.5]])),
]


@pytest.mark.parametrize(("loss", "y", "z"), TRAINING_CASES)
def test_value_and_grad_and_unchecked_calls_give_the_same_numbers(loss, y, z):
    value, grad = loss.value(y, z), loss.grad(y, z)
    both = loss.value_and_grad(y, z)
    unchecked = loss.value_and_grad(y, z, check_input=False)
    assert both[0] == value == unchecked[0] == loss.value(y, z, check_input=False)
    np.testing.assert_array_equal(both[1], grad)
    np.testing.assert_array_equal(unchecked[1], loss.grad(y, z, check_input=False))
    np.testing.assert_array_equal(unchecked[1], grad)


@pytest.mark.parametrize(("loss", "y", "z"), [case for case in TRAINING_CASES if case[0].curvature is not None])
def test_curvature_bounds_the_hessian_of_each_sample_loss(loss, y, z):
    rng = np.random.default_rng(0)
    for _ in range(50):
        z_row = z[:1] + 3.0 * rng.normal(size=z[:1].shape)
        flat = z_row.ravel()
        step = 1e-5
        hessian = np.empty((flat.size, flat.size))
        for j in range(flat.size):
            shift = np.zeros(flat.size)
            shift[j] = step
            plus = loss.grad(y[:1], (flat + shift).reshape(z_row.shape)).ravel()
            minus = loss.grad(y[:1], (flat - shift).reshape(z_row.shape)).ravel()
            hessian[:, j] = (plus - minus) / (2 * step)
        assert np.linalg.eigvalsh((hessian + hessian.T) / 2)[-1] <= loss.curvature + 1e-6
    assert MAE.curvature is None


@pytest.mark.parametrize("penalty", [L2(0.3), L1(0.3), ElasticNet(0.3, 0.4)])
def test_penalty_value_and_grad(penalty):
    w = np.array([0.5, -2.0, 0.0])
    value, grad = penalty.value_and_grad(w)
    assert value == penalty.value(w) == penalty.value(w, check_input=False)
    np.testing.assert_array_equal(grad, penalty.grad(w))
    np.testing.assert_array_equal(grad, penalty.grad(w, check_input=False))
