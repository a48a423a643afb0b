"""Unit tests of lib.tuning: spectral filters, dropout, cross-validation, searches, the Gaussian process."""

import itertools

import numpy as np
import optuna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_diabetes
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.model_selection import cross_val_score as sklearn_cross_val_score

from lib.checks import InvalidParameterError
from lib.optim import SGD, Adam
from lib.testfns import LeastSquares
from lib.train import EarlyStopping, train
from lib.tuning import (
    DropoutNetwork,
    GaussianProcess,
    SearchResult,
    bayesian_optimization,
    cross_val_score,
    dropout_ridge_penalty,
    expected_improvement,
    filtered_least_squares,
    gradient_descent_filter,
    grid_search,
    inverted_dropout,
    neg_mean_squared_error,
    nested_cross_val_score,
    random_search,
    ridge_filter,
)

PROPERTY = settings(max_examples=20, deadline=None)


def regression_data(n=40, d=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * np.geomspace(1.0, 0.05, d)
    return X, X @ rng.normal(size=d) + 0.3 * rng.normal(size=n)


def quadratic_objective(params):
    return (params["x"] - 0.3) ** 2 + 0.1 * (params.get("y", 0.0) + 0.2) ** 2


# ---------------------------------------------------------------------------------------------------------
# Early stopping and ridge as spectral filters
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("steps", [0, 1, 7, 200])
def test_gradient_descent_from_zero_is_the_spectral_filter(steps):
    X, y = regression_data()
    problem = LeastSquares(X, y)
    lr = 1.0 / problem.L
    result = train(problem, np.zeros(X.shape[1]), SGD(lr=lr), steps=max(steps, 1), record_trajectory=True)
    by_filter = filtered_least_squares(X, y, lambda h: gradient_descent_filter(h, lr, steps))
    assert np.max(np.abs(result.trajectory[steps] - by_filter)) < 1e-12


def test_the_filter_holds_for_a_rank_deficient_matrix_and_any_stable_step():
    X, y = regression_data(n=6, d=10)  # more features than samples: four zero singular values
    problem = LeastSquares(X, y)
    lr = 1.8 / problem.L
    result = train(problem, np.zeros(10), SGD(lr=lr), steps=25, record_trajectory=True)
    by_filter = filtered_least_squares(X, y, lambda h: gradient_descent_filter(h, lr, 25))
    assert np.max(np.abs(result.trajectory[25] - by_filter)) < 1e-12


@pytest.mark.parametrize("alpha", [1e-4, 1e-2, 1.0])
def test_ridge_filter_equals_sklearn_ridge(alpha):
    X, y = regression_data()
    by_filter = filtered_least_squares(X, y, lambda h: ridge_filter(h, alpha))
    reference = Ridge(alpha=X.shape[0] * alpha / 2, fit_intercept=False).fit(X, y).coef_
    assert_allclose(by_filter, reference, rtol=0, atol=1e-10)


def test_filters_tend_to_least_squares():
    X, y = regression_data()
    least_squares = np.linalg.lstsq(X, y, rcond=None)[0]
    assert_allclose(filtered_least_squares(X, y, lambda h: np.ones_like(h)), least_squares, atol=1e-10)


@PROPERTY
@given(st.floats(1e-4, 1.0), st.integers(1, 500), st.floats(1e-6, 1.0))
def test_filter_factors_lie_in_0_1(lr, steps, curvature):
    h = np.array([curvature])
    gd = gradient_descent_filter(h, lr, steps)
    assert np.all((gd >= 0) & (gd <= 1 + 1e-15))  # eta h <= 1 here
    assert 0 < ridge_filter(h, 1.0 / (lr * steps))[0] < 1


def test_filter_arguments_are_checked():
    with pytest.raises(InvalidParameterError, match=r"gradient_descent_filter: lr must be a real number in \(0, inf\)"):
        gradient_descent_filter([1.0], 0.0, 3)
    with pytest.raises(InvalidParameterError, match="gradient_descent_filter: steps must be an integer"):
        gradient_descent_filter([1.0], 0.1, -1)
    with pytest.raises(ValueError, match="ridge_filter: curvatures must be non-negative"):
        ridge_filter([1.0, -2.0], 0.1)
    with pytest.raises(ValueError, match="ridge_filter: curvatures must be finite"):
        ridge_filter([np.nan], 0.1)
    with pytest.raises(InvalidParameterError, match="ridge_filter: alpha must be"):
        ridge_filter([1.0], -1.0)


def test_early_stopping_stops_near_the_best_ridge_strength():
    """On noisy, ill-conditioned data the early-stopped epoch t matches ridge with alpha = 1/(eta t) within 3x."""
    rng = np.random.default_rng(3)
    scales = np.geomspace(1.0, 0.01, 30)
    coef = rng.normal(size=30)
    X, X_val = rng.normal(size=(40, 30)) * scales, rng.normal(size=(500, 30)) * scales
    y, y_val = X @ coef + 0.5 * rng.normal(size=40), X_val @ coef + 0.5 * rng.normal(size=500)
    fit, held_out = LeastSquares(X, y), LeastSquares(X_val, y_val)
    early = EarlyStopping(held_out.value, patience=50)
    result = train(fit, np.zeros(30), SGD(lr=1.0 / fit.L), epochs=10_000, callbacks=[early])
    assert result.stop_reason == "early_stopping"
    alphas = np.geomspace(1e-5, 10, 300)
    ridge_val = [held_out.value(filtered_least_squares(X, y, lambda h, a=a: ridge_filter(h, a))) for a in alphas]
    best_alpha = alphas[int(np.argmin(ridge_val))]
    matched = 1.0 / (fit.L ** -1 * early.best_epoch)
    assert best_alpha / 3 < matched < best_alpha * 3


# ---------------------------------------------------------------------------------------------------------
# Dropout
# ---------------------------------------------------------------------------------------------------------


def test_inverted_dropout_scales_the_kept_units_and_keeps_the_mean():
    values = np.ones((100_000, 3))
    dropped, scale = inverted_dropout(values, 0.25, np.random.default_rng(0))
    assert set(np.unique(scale)) == {0.0, 1.0 / 0.75}
    assert_array_equal(dropped, values * scale)
    assert_allclose(dropped.mean(axis=0), 1.0, atol=0.01)
    assert_allclose(scale.var(), 0.25 / 0.75, rtol=0.02)


def test_inverted_dropout_is_deterministic_from_the_seed_and_p0_keeps_everything():
    a = inverted_dropout(np.arange(6.0), 0.5, np.random.default_rng(4))[0]
    b = inverted_dropout(np.arange(6.0), 0.5, np.random.default_rng(4))[0]
    assert_array_equal(a, b)
    assert_array_equal(inverted_dropout(np.arange(6.0), 0.0, np.random.default_rng(4))[0], np.arange(6.0))


def test_dropout_penalty_is_the_exact_expected_extra_loss():
    rng = np.random.default_rng(1)
    X, w, y, p = rng.normal(size=(12, 3)) * [1.0, 3.0, 0.2], rng.normal(size=3), rng.normal(size=12), 0.3
    masks = np.array(list(itertools.product([0, 1], repeat=3)), dtype=float)
    probs = np.prod(np.where(masks == 1, 1 - p, p), axis=1)
    expected = np.mean((y[:, None] - X @ (masks * w / (1 - p)).T) ** 2 @ probs)
    plain = np.mean((y - X @ w) ** 2)
    assert abs(expected - plain - dropout_ridge_penalty(w, X, p)) < 1e-12


def test_dropout_arguments_are_checked():
    rng = np.random.default_rng(0)
    with pytest.raises(InvalidParameterError, match=r"inverted_dropout: p must be a real number in \[0, 1\)"):
        inverted_dropout(np.ones(3), 1.0, rng)
    with pytest.raises(InvalidParameterError, match="inverted_dropout: rng must be a numpy.random.Generator"):
        inverted_dropout(np.ones(3), 0.5, 0)
    with pytest.raises(ValueError, match=r"dropout_ridge_penalty: w must have shape \(2,\)"):
        dropout_ridge_penalty(np.ones(3), np.ones((4, 2)), 0.5)
    with pytest.raises(InvalidParameterError, match="DropoutNetwork: n_hidden must be an integer"):
        DropoutNetwork(np.ones((4, 2)), np.ones(4), 0)
    with pytest.raises(ValueError, match="DropoutNetwork: X has 4 rows but y has 3 entries"):
        DropoutNetwork(np.ones((4, 2)), np.ones(3), 5)


def test_dropout_network_gradient_matches_finite_differences():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(9, 3)), rng.normal(size=9)
    network = DropoutNetwork(X, y, 6, p=0.4, seed=0)
    theta = network.initial_parameters(seed=1)
    scale = (rng.random((9, 6)) >= 0.4) / 0.6
    _, grad = network.loss_and_grad_with_mask(theta, scale)
    for name, value in theta.items():
        for index in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in theta.items()}
            minus = {k: v.copy() for k, v in theta.items()}
            plus[name][index] += 1e-6
            minus[name][index] -= 1e-6
            numeric = (network.loss_and_grad_with_mask(plus, scale)[0]
                       - network.loss_and_grad_with_mask(minus, scale)[0]) / 2e-6
            assert abs(numeric - grad[name][index]) < 1e-7 * max(1.0, abs(numeric))


def test_dropout_network_without_dropout_is_its_value_and_trains_deterministically():
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    plain = DropoutNetwork(X, y, 4, p=0.0, seed=0)
    theta = plain.initial_parameters(seed=2)
    assert plain.loss_and_grad(theta)[0] == pytest.approx(plain.value(theta), abs=1e-15)
    runs = [train(DropoutNetwork(X, y, 4, p=0.5, seed=3), theta, Adam(lr=0.01), steps=30).theta
            for _ in range(2)]
    for key in theta:
        assert_array_equal(runs[0][key], runs[1][key])


# ---------------------------------------------------------------------------------------------------------
# Cross-validation
# ---------------------------------------------------------------------------------------------------------


def test_cross_val_score_equals_sklearn_on_the_same_folds():
    X, y = load_diabetes(return_X_y=True)
    folds = list(KFold(5, shuffle=True, random_state=0).split(X))
    ours = cross_val_score(Ridge(alpha=0.01), X, y, folds=folds, scoring=neg_mean_squared_error)
    theirs = sklearn_cross_val_score(Ridge(alpha=0.01), X, y, cv=folds, scoring="neg_mean_squared_error")
    assert_allclose(ours, theirs, rtol=1e-12)
    assert_allclose(cross_val_score(Ridge(), X, y, n_folds=7), sklearn_cross_val_score(Ridge(), X, y, cv=KFold(7)),
                    rtol=0, atol=1e-12)


def test_cross_val_score_leaves_the_model_unfitted_and_is_deterministic():
    X, y = regression_data()
    model = Ridge()
    a = cross_val_score(model, X, y, n_folds=4, seed=3)
    b = cross_val_score(model, X, y, n_folds=4, seed=3)
    assert_array_equal(a, b)
    assert not hasattr(model, "coef_")


class NoGetParams:
    """A model without get_params: copied with deepcopy."""

    def fit(self, X, y):
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)

    def score(self, X, y):
        return -float(np.mean((self.predict(X) - y) ** 2))


def test_cross_val_score_takes_any_object_with_fit_and_predict():
    X, y = regression_data(n=10)
    scores = cross_val_score(NoGetParams(), X, y, n_folds=10)  # leave-one-out
    expected = [-(y[i] - np.delete(y, i).mean()) ** 2 for i in range(10)]
    assert_allclose(scores, expected, rtol=1e-12)


def test_cross_val_score_bad_inputs():
    X, y = regression_data(n=10)
    with pytest.raises(InvalidParameterError, match="cross_val_score: model must be an estimator with fit and predict "
                                                    "methods, got 'str'"):
        cross_val_score("ridge", X, y)
    with pytest.raises(InvalidParameterError, match=r"cross_val_score: n_folds must be an integer in \[2, inf\)"):
        cross_val_score(Ridge(), X, y, n_folds=1)
    with pytest.raises(ValueError, match="cross_val_score: n_folds = 11 is more than the 10 samples"):
        cross_val_score(Ridge(), X, y, n_folds=11)
    with pytest.raises(ValueError, match="cross_val_score: X has 10 rows but y has 9 entries"):
        cross_val_score(Ridge(), X, y[:9])
    with pytest.raises(ValueError, match=r"cross_val_score: y must be one-dimensional, shape \(n,\)"):
        cross_val_score(Ridge(), X, y[:, None])
    with pytest.raises(ValueError, match=r"cross_val_score: X must be two-dimensional"):
        cross_val_score(Ridge(), X[:, 0], y)
    with pytest.raises(ValueError, match="cross_val_score: X must be finite"):
        cross_val_score(Ridge(), np.where(X > 1, np.nan, X), y)
    with pytest.raises(ValueError, match="cross_val_score: folds must hold at least one"):
        cross_val_score(Ridge(), X, y, folds=[])
    with pytest.raises(ValueError, match="cross_val_score: fold 0's validation indices must be a non-empty array"):
        cross_val_score(Ridge(), X, y, folds=[(np.arange(5), np.array([3, 10]))])


class NearestNeighbours(ClassifierMixin, BaseEstimator):
    def __init__(self, n_neighbors=5):
        self.n_neighbors = n_neighbors

    def fit(self, X, y):
        self.X_, self.y_ = X, y
        return self

    def predict(self, X):
        sq_dist = np.sum(X**2, 1)[:, None] - 2 * X @ self.X_.T + np.sum(self.X_**2, 1)[None, :]
        nearest = np.argsort(sq_dist, axis=1, kind="stable")[:, : self.n_neighbors]
        return (self.y_[nearest].mean(axis=1) > 0.5).astype(float)


def test_nested_cross_validation_equals_sklearn_with_contiguous_folds():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(50, 4)), (rng.random(50) < 0.5).astype(float)
    grid = {"n_neighbors": [1, 3, 5, 9]}
    ours = nested_cross_val_score(NearestNeighbours(), grid, X, y, outer_folds=5, inner_folds=4)
    search = GridSearchCV(NearestNeighbours(), grid, cv=KFold(4))
    assert_allclose(ours.nested_scores, sklearn_cross_val_score(search, X, y, cv=KFold(5)), atol=1e-12)
    search.fit(X, y)
    assert ours.non_nested_score == pytest.approx(search.best_score_, abs=1e-12)
    assert ours.best_params == search.best_params_
    assert ours.optimism == pytest.approx(ours.non_nested_score - ours.nested_scores.mean())


def test_nested_cross_validation_bad_inputs():
    X, y = regression_data(n=10)
    with pytest.raises(ValueError, match="nested_cross_val_score: the search space must be a non-empty mapping"):
        nested_cross_val_score(Ridge(), {}, X, y)
    with pytest.raises(ValueError, match="nested_cross_val_score: the values of 'alpha' must be a non-empty sequence"):
        nested_cross_val_score(Ridge(), {"alpha": []}, X, y)
    with pytest.raises(InvalidParameterError, match="nested_cross_val_score: inner_folds must be an integer"):
        nested_cross_val_score(Ridge(), {"alpha": [1.0]}, X, y, inner_folds=1)
    with pytest.raises(InvalidParameterError, match="nested_cross_val_score: model must be an estimator with set_"):
        nested_cross_val_score(NoGetParams(), {"alpha": [1.0]}, X, y)
    with pytest.raises(InvalidParameterError, match="nested_cross_val_score: model must be an estimator with fit"):
        nested_cross_val_score(object(), {"alpha": [1.0]}, X, y)


# ---------------------------------------------------------------------------------------------------------
# Searches
# ---------------------------------------------------------------------------------------------------------


def test_grid_search_tries_every_combination_in_order():
    result = grid_search(quadratic_objective, {"x": [0.0, 0.3, 1.0], "y": [-0.2, 0.5]})
    assert [tuple(p.values()) for p in result.params] == list(itertools.product([0.0, 0.3, 1.0], [-0.2, 0.5]))
    assert result.best_params == {"x": 0.3, "y": -0.2}
    assert result.best_value == 0.0
    assert_array_equal(result.best_so_far, np.minimum.accumulate(result.values))


def test_random_search_is_uniform_in_the_box_and_deterministic():
    a = random_search(quadratic_objective, {"x": (-1.0, 2.0), "y": (0.0, 0.5)}, n_trials=200, seed=1)
    b = random_search(quadratic_objective, {"x": (-1.0, 2.0), "y": (0.0, 0.5)}, n_trials=200, seed=1)
    assert_array_equal(a.values, b.values)
    xs = np.array([p["x"] for p in a.params])
    assert xs.min() >= -1.0 and xs.max() <= 2.0 and abs(xs.mean() - 0.5) < 0.15
    assert random_search(quadratic_objective, {"x": (-1.0, 2.0)}, n_trials=5, seed=2).values.tolist() != \
        random_search(quadratic_objective, {"x": (-1.0, 2.0)}, n_trials=5, seed=3).values.tolist()


def test_bayesian_optimization_finds_a_smooth_minimum_and_is_deterministic():
    a = bayesian_optimization(quadratic_objective, {"x": (-2.0, 2.0)}, n_trials=12, seed=0)
    b = bayesian_optimization(quadratic_objective, {"x": (-2.0, 2.0)}, n_trials=12, seed=0)
    assert_array_equal(a.values, b.values)
    assert abs(a.best_params["x"] - 0.3) < 0.02
    assert len(a.values) == 12


def test_bayesian_optimization_on_ridge_matches_the_grid_optimum_like_optuna():
    """The chapter's acceptance check, for one seed: lib's BO and optuna's TPE within 0.05 in 20 evaluations."""
    X, y = load_diabetes(return_X_y=True)
    folds = list(KFold(5, shuffle=True, random_state=0).split(X))

    def cv_mse(params):
        return -cross_val_score(Ridge(alpha=10 ** params["log_alpha"]), X, y, folds=folds,
                                scoring=neg_mean_squared_error).mean()

    optimum = -2.345  # the 0.001-step grid's optimum, as the chapter computes it
    assert cv_mse({"log_alpha": optimum}) <= min(cv_mse({"log_alpha": optimum + 0.001}),
                                                  cv_mse({"log_alpha": optimum - 0.001}))
    bo = bayesian_optimization(cv_mse, {"log_alpha": (-5.0, 1.0)}, n_trials=20, seed=0)
    assert abs(bo.best_params["log_alpha"] - optimum) < 0.05
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    study.optimize(lambda trial: cv_mse({"log_alpha": trial.suggest_float("log_alpha", -5, 1)}), n_trials=20,
                   n_jobs=1)
    assert abs(study.best_params["log_alpha"] - optimum) < 0.05


def test_search_bad_inputs():
    with pytest.raises(ValueError, match="grid_search: the search space must be a non-empty mapping"):
        grid_search(quadratic_objective, {})
    with pytest.raises(ValueError, match="grid_search: the values of 'x' must be a non-empty sequence"):
        grid_search(quadratic_objective, {"x": []})
    with pytest.raises(InvalidParameterError, match="grid_search: objective must be a function"):
        grid_search(3, {"x": [1.0]})
    with pytest.raises(ValueError, match="random_search: the search space must be a non-empty mapping"):
        random_search(quadratic_objective, {}, n_trials=3, seed=0)
    with pytest.raises(ValueError, match=r"random_search: the interval of 'x' must be a pair \(low, high\)"):
        random_search(quadratic_objective, {"x": (1.0, 1.0)}, n_trials=3, seed=0)
    for budget in (0, -2):
        with pytest.raises(InvalidParameterError, match=r"random_search: n_trials must be an integer in \[1, inf\)"):
            random_search(quadratic_objective, {"x": (0.0, 1.0)}, n_trials=budget, seed=0)
        with pytest.raises(InvalidParameterError, match="bayesian_optimization: n_trials must be an integer"):
            bayesian_optimization(quadratic_objective, {"x": (0.0, 1.0)}, n_trials=budget, seed=0)
    with pytest.raises(InvalidParameterError, match="bayesian_optimization: seed must be"):
        bayesian_optimization(quadratic_objective, {"x": (0.0, 1.0)}, n_trials=3, seed=None)
    with pytest.raises(InvalidParameterError, match="bayesian_optimization: n_initial must be"):
        bayesian_optimization(quadratic_objective, {"x": (0.0, 1.0)}, n_trials=3, seed=0, n_initial=0)
    with pytest.raises(ValueError, match="grid_search: the objective must return a finite number, got nan at trial 1"):
        grid_search(lambda p: np.nan if p["x"] > 0 else 1.0, {"x": [0.0, 1.0]})


def test_search_result_reports_the_first_best_trial():
    result = SearchResult([{"x": 1}, {"x": 2}, {"x": 3}], np.array([2.0, 1.0, 1.0]))
    assert result.best_index == 1 and result.best_params == {"x": 2} and result.best_value == 1.0
    assert_array_equal(result.best_so_far, [2.0, 1.0, 1.0])


# ---------------------------------------------------------------------------------------------------------
# Gaussian process and expected improvement
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("length_scale, signal_variance, noise_variance", [(0.3, 1.5, 1e-6), (1.0, 0.5, 1e-2)])
def test_gaussian_process_posterior_equals_sklearn(length_scale, signal_variance, noise_variance):
    rng = np.random.default_rng(7)
    X, X_new = rng.uniform(size=(10, 2)), rng.uniform(size=(30, 2))
    y = np.sin(5 * X[:, 0]) - X[:, 1]
    ours = GaussianProcess(length_scale, signal_variance, noise_variance).fit(X, y)
    theirs = GaussianProcessRegressor(ConstantKernel(signal_variance) * RBF(length_scale), alpha=noise_variance,
                                      optimizer=None).fit(X, y)
    mean, cov = ours.predict(X_new, return_cov=True)
    ref_mean, ref_cov = theirs.predict(X_new, return_cov=True)
    assert np.max(np.abs(mean - ref_mean)) < 1e-10
    assert np.max(np.abs(cov - ref_cov)) < 1e-10
    _, std = ours.predict(X_new, return_std=True)
    _, ref_std = theirs.predict(X_new, return_std=True)
    assert np.max(np.abs(std - ref_std)) < 1e-8
    assert abs(ours.log_marginal_likelihood() - theirs.log_marginal_likelihood_value_) < 1e-10


def test_gaussian_process_bad_inputs():
    with pytest.raises(InvalidParameterError, match="GaussianProcess: length_scale must be"):
        GaussianProcess(length_scale=0.0)
    with pytest.raises(RuntimeError, match="GaussianProcess.predict: call fit first"):
        GaussianProcess().predict(np.ones((2, 1)))
    process = GaussianProcess().fit(np.ones((3, 2)) * [[0.0], [1.0], [2.0]], np.arange(3.0))
    with pytest.raises(ValueError, match="GaussianProcess.predict: X has 3 columns, but the process was fitted on 2"):
        process.predict(np.ones((2, 3)))
    with pytest.raises(ValueError, match="GaussianProcess.fit: X has 3 rows but y has 2 entries"):
        GaussianProcess().fit(np.ones((3, 1)), np.ones(2))


def test_expected_improvement_matches_its_monte_carlo_definition():
    rng = np.random.default_rng(9)
    mean, std, best = np.array([0.0, 1.0, -0.5]), np.array([1.0, 0.5, 2.0]), 0.2
    samples = mean + std * rng.standard_normal((400_000, 3))
    monte_carlo = np.maximum(best - samples, 0.0).mean(axis=0)
    assert_allclose(expected_improvement(mean, std, best), monte_carlo, rtol=0.01)
    assert_array_equal(expected_improvement([0.0, 1.0], [0.0, 0.0], 0.5), [0.5, 0.0])
    with pytest.raises(ValueError, match="expected_improvement: mean and std must have the same shape"):
        expected_improvement([0.0, 1.0], [1.0], 0.5)


def test_optuna_is_deterministic_with_a_seeded_sampler_and_one_job():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    values = []
    for _ in range(2):
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=3))
        study.optimize(lambda trial: quadratic_objective({"x": trial.suggest_float("x", -1, 1)}), n_trials=15,
                       n_jobs=1)
        values.append([t.value for t in study.trials])
    assert values[0] == values[1]


def test_linear_regression_is_a_valid_model_for_cross_validation():
    X, y = regression_data()
    assert_allclose(cross_val_score(LinearRegression(), X, y, n_folds=5),
                    sklearn_cross_val_score(LinearRegression(), X, y, cv=KFold(5)), atol=1e-12)
