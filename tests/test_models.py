"""Unit tests of lib.models: scikit-learn's estimator checks, agreement with scikit-learn, clear errors.

Tests are grouped in classes so that pytest-xdist (``--dist loadscope``) can spread them over workers.
"""

import re

import numpy as np
import pytest
import scipy.optimize
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import linear_model as sk
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from lib.data import MiniBatches
from lib.losses import L1, L2, MAE, MSE, BinaryCrossEntropy, CrossEntropy, ElasticNet, Huber
from lib.models import (
    CompositeLinearObjective,
    LinearObjective,
    LinearRegression,
    LogisticRegression,
    make_linear_objective,
)
from lib.optim import SGD, DivergenceError

# -- data ------------------------------------------------------------------------------------------------


def regression_data(n=200, d=5, seed=0, noise=0.5, coef=None):
    """Standardized, well-conditioned features and a noisy linear target with intercept 3."""
    rng = np.random.default_rng(seed)
    X = StandardScaler().fit_transform(rng.normal(size=(n, d)))
    true_coef = rng.normal(size=d) if coef is None else np.asarray(coef)
    y = X @ true_coef + 3.0 + noise * rng.normal(size=n)
    return X, y


def classification_data(n=200, d=4, n_classes=2, seed=3):
    """Standardized features; overlapping classes, so the regularized optimum is finite and unique."""
    rng = np.random.default_rng(seed)
    X = StandardScaler().fit_transform(rng.normal(size=(n, d)))
    score = X[:, 0] - X[:, 1] + 0.8 * rng.normal(size=n)
    if n_classes == 2:
        return X, (score > 0).astype(int)
    return X, np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))


def mse_curvature(X, fit_intercept=True):
    """Largest eigenvalue L of the MSE Hessian (2/n) A^T A, A = [X, 1]."""
    design = np.column_stack([X, np.ones(len(X))]) if fit_intercept else X
    return 2.0 * np.linalg.eigvalsh(design.T @ design / len(X))[-1]


# -- scikit-learn's estimator checks ---------------------------------------------------------------------

NORMAL_EQUATIONS_REFUSE_RANK_DEFICIENT_DATA = (
    "the check fits on make_classification data whose redundant features are exact linear combinations of "
    "others, so X^T X is singular (condition number ~ 2e16); solver='normal' refuses it with a ValueError "
    "pointing to solver='lstsq' by design, and the same check passes for 'lstsq' and for 'normal' with L2"
)


def expected_failed_checks(estimator):
    # The defaults, LinearRegression() and LogisticRegression(), have none.
    if isinstance(estimator, LinearRegression) and estimator.solver == "normal" and estimator.penalty is None:
        return {"check_array_api_input": NORMAL_EQUATIONS_REFUSE_RANK_DEFICIENT_DATA}
    return {}


class TestScikitLearnEstimatorChecks:
    @parametrize_with_checks(
        [
            LinearRegression(),
            LinearRegression(solver="normal"),
            LinearRegression(solver="lstsq"),
            LinearRegression(solver="normal", penalty="l2", alpha=0.01),
        ],
        expected_failed_checks=expected_failed_checks,
        xfail_strict=True,
    )
    def test_linear_regression(self, estimator, check):
        check(estimator)


class TestScikitLearnEstimatorChecksLogistic:
    @parametrize_with_checks([LogisticRegression()], expected_failed_checks=expected_failed_checks, xfail_strict=True)
    def test_logistic_regression(self, estimator, check):
        check(estimator)


class TestGradientDescentProperties:
    """What three estimator checks test, shown for solver='gd' on data where gradient descent is stable."""

    def test_fit_is_idempotent_and_reproducible(self):
        X, y = regression_data()
        model = LinearRegression(learning_rate=0.1, batch_size=16, epochs=20, tol=0)
        first = model.fit(X, y).predict(X)
        second = model.fit(X, y).predict(X)
        assert_array_equal(first, second)
        other_seed = clone(model).set_params(seed=1).fit(X, y).predict(X)
        assert not np.array_equal(first, other_seed)

    def test_unfitted_then_fitted(self):
        X, y = regression_data()
        model = LinearRegression(learning_rate=0.1)
        with pytest.raises(NotFittedError):
            model.predict(X)
        model.fit(X, y)
        assert model.n_features_in_ == X.shape[1]
        assert model.coef_.shape == (X.shape[1],)
        assert isinstance(model.intercept_, float)


# -- pipelines and cross-validation ----------------------------------------------------------------------


class TestPipelines:
    def test_linear_regression_in_pipeline_with_cross_val_score(self):
        X, y = regression_data(n=150)
        X_raw = 50.0 + 10.0 * X  # unscaled features: the scaler inside the pipeline is what makes GD work
        ours = Pipeline([("scale", StandardScaler()), ("model", LinearRegression(learning_rate=0.3, tol=0))])
        ours.set_params(model__epochs=300)
        reference = Pipeline([("scale", StandardScaler()), ("model", sk.LinearRegression())])
        our_scores = cross_val_score(ours, X_raw, y, cv=5)
        reference_scores = cross_val_score(reference, X_raw, y, cv=5)
        assert_allclose(our_scores, reference_scores, rtol=0, atol=1e-10)
        assert our_scores.mean() > 0.8
        with pytest.raises(DivergenceError):
            LinearRegression(learning_rate=0.3).fit(X_raw, y)

    def test_logistic_regression_in_pipeline_with_cross_val_score(self):
        X, y = load_iris(return_X_y=True)
        names = np.array(["setosa", "versicolor", "virginica"])[y]
        pipeline = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression(alpha=1e-3, tol=0))])
        scores = cross_val_score(pipeline, X, names, cv=5)
        assert scores.shape == (5,)
        assert scores.mean() > 0.9


# -- LinearRegression against scikit-learn ---------------------------------------------------------------


class TestLinearRegressionMatchesScikitLearn:
    @pytest.mark.parametrize("solver", ["normal", "lstsq"])
    @pytest.mark.parametrize("fit_intercept", [True, False])
    def test_closed_form_matches_linear_regression(self, solver, fit_intercept):
        X, y = regression_data()
        ours = LinearRegression(solver=solver, fit_intercept=fit_intercept).fit(X, y)
        reference = sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
        assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-8)
        assert_allclose(ours.intercept_, reference.intercept_, rtol=0, atol=1e-8)
        assert ours.n_iter_ == 1 and ours.optimizer_ is None
        assert ours.history_ == pytest.approx([np.mean((ours.predict(X) - y) ** 2)], rel=1e-12)

    @pytest.mark.parametrize("solver", ["normal", "lstsq"])
    @pytest.mark.parametrize("ridge_alpha", [0.1, 5.0, 100.0])
    def test_closed_form_ridge_matches_ridge_with_alpha_2a_over_n(self, solver, ridge_alpha):
        X, y = regression_data()
        n = len(y)
        ours = LinearRegression(solver=solver, penalty="l2", alpha=2 * ridge_alpha / n).fit(X, y)
        reference = sk.Ridge(alpha=ridge_alpha).fit(X, y)
        assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-8)
        assert_allclose(ours.intercept_, reference.intercept_, rtol=0, atol=1e-8)
        objective = np.mean((ours.predict(X) - y) ** 2) + ridge_alpha / n * np.sum(ours.coef_**2)
        assert ours.history_ == pytest.approx([objective], rel=1e-12)

    def test_lstsq_gives_the_minimum_norm_solution_on_rank_deficient_data(self):
        X, y = regression_data()
        X = np.column_stack([X, X[:, 0]])  # a duplicated column
        ours = LinearRegression(solver="lstsq").fit(X, y)
        reference = sk.LinearRegression().fit(X, y)
        assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-8)
        assert_allclose(ours.coef_[0], ours.coef_[-1], rtol=1e-10)

    def test_gradient_descent_reaches_linear_regression(self):
        X, y = regression_data()
        lr = 0.9 / mse_curvature(X)  # below 1/L: monotone, fast convergence
        ours = LinearRegression(learning_rate=lr, epochs=300, tol=0).fit(X, y)
        reference = sk.LinearRegression().fit(X, y)
        assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-6)
        assert_allclose(ours.intercept_, reference.intercept_, rtol=0, atol=1e-6)
        assert ours.n_iter_ == 300 and len(ours.history_) == 300

    def test_gradient_descent_reaches_ridge(self):
        X, y = regression_data()
        ridge_alpha = 10.0
        ours = LinearRegression(penalty="l2", alpha=2 * ridge_alpha / len(y), learning_rate=0.3, epochs=300, tol=0)
        ours.fit(X, y)
        reference = sk.Ridge(alpha=ridge_alpha).fit(X, y)
        assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-6)
        assert_allclose(ours.intercept_, reference.intercept_, rtol=0, atol=1e-6)

    def test_momentum_optimizer_reaches_the_same_minimizer(self):
        X, y = regression_data()
        optimizer = SGD(lr=0.1, momentum=0.9, nesterov=True)
        ours = LinearRegression(optimizer=optimizer, epochs=400, tol=0).fit(X, y)
        reference = sk.LinearRegression().fit(X, y)
        assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-6)

    @pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
    def test_proximal_gradient_reaches_lasso_and_elastic_net_with_alpha_2a(self, l1_ratio):
        X, y = regression_data(d=8, coef=[2.0, -1.5, 0.0, 0.0, 1.0, 0.0, 0.0, 0.5])
        sklearn_alpha = 0.3
        if l1_ratio == 1.0:
            reference = sk.Lasso(alpha=sklearn_alpha, tol=1e-10, max_iter=100_000).fit(X, y)
            penalty = "l1"
        else:
            reference = sk.ElasticNet(alpha=sklearn_alpha, l1_ratio=l1_ratio, tol=1e-10, max_iter=100_000)
            reference.fit(X, y)
            penalty = "elasticnet"
        ours = LinearRegression(
            penalty=penalty, alpha=2 * sklearn_alpha, l1_ratio=l1_ratio, learning_rate=0.3, epochs=500, tol=0
        ).fit(X, y)
        assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-6)
        assert_allclose(ours.intercept_, reference.intercept_, rtol=0, atol=1e-6)
        # The proximal step sets weights exactly to zero, where the lasso has them.
        assert np.any(reference.coef_ == 0)
        assert_array_equal(ours.coef_ == 0, reference.coef_ == 0)

    def test_huber_loss_reaches_the_minimizer_of_its_objective(self):
        X, y = regression_data(n=120, d=3, seed=4)
        y[:10] += 30.0  # outliers
        n, d = X.shape

        def objective(parameters):
            residual = X @ parameters[:d] + parameters[d] - y
            size = np.abs(residual)
            return np.mean(np.where(size <= 1.0, 0.5 * residual**2, size - 0.5))

        def gradient(parameters):
            clipped = np.clip(X @ parameters[:d] + parameters[d] - y, -1.0, 1.0) / n
            return np.append(X.T @ clipped, clipped.sum())

        best = scipy.optimize.minimize(objective, np.zeros(d + 1), jac=gradient, method="BFGS", tol=1e-10).x
        ours = LinearRegression(loss="huber", learning_rate=1.0, epochs=3000, tol=0).fit(X, y)
        assert_allclose(ours.coef_, best[:d], rtol=0, atol=1e-6)
        assert_allclose(ours.intercept_, best[d], rtol=0, atol=1e-6)
        assert ours.history_[-1] == pytest.approx(objective(best), rel=1e-10)
        # The same loss given as an object; and the squared error is pulled by the outliers, Huber less.
        as_object = LinearRegression(loss=Huber(delta=1.0), learning_rate=1.0, epochs=3000, tol=0).fit(X, y)
        assert_array_equal(as_object.coef_, ours.coef_)
        squared = LinearRegression(solver="lstsq").fit(X, y)
        clean = LinearRegression(solver="lstsq").fit(X[10:], y[10:])
        assert abs(ours.intercept_ - clean.intercept_) < abs(squared.intercept_ - clean.intercept_)

    def test_mae_loss_trains_and_lowers_its_objective(self):
        X, y = regression_data(n=100, d=2, seed=5)
        model = LinearRegression(loss="mae", learning_rate=0.05, epochs=400, tol=0).fit(X, y)
        mae = np.mean(np.abs(model.predict(X) - y))
        assert model.history_[-1] == pytest.approx(mae, rel=1e-12)
        assert mae < 0.25 * np.mean(np.abs(y - np.median(y)))


class TestHistoryAndConvergence:
    def test_history_is_the_objective_after_each_epoch_and_decreases(self):
        X, y = regression_data()
        model = LinearRegression(penalty="l2", alpha=0.05, learning_rate=0.2, epochs=40, tol=0).fit(X, y)
        assert len(model.history_) == model.n_iter_ == 40
        assert all(isinstance(value, float) for value in model.history_)
        assert all(later < earlier for earlier, later in zip(model.history_, model.history_[1:], strict=False))
        objective = np.mean((model.predict(X) - y) ** 2) + 0.05 / 2 * np.sum(model.coef_**2)
        assert model.history_[-1] == pytest.approx(objective, rel=1e-12)

    def test_tol_stops_at_the_first_small_gradient(self):
        X, y = regression_data()

        def gradient_norm(model):
            residual = model.predict(X) - y
            return np.linalg.norm(np.append(2 / len(y) * X.T @ residual, 2 * residual.mean()))

        model = LinearRegression(learning_rate=0.2, epochs=5000, tol=1e-8).fit(X, y)
        assert model.n_iter_ < 5000
        assert gradient_norm(model) <= 1e-8
        one_less = LinearRegression(learning_rate=0.2, epochs=model.n_iter_ - 1, tol=0).fit(X, y)
        assert gradient_norm(one_less) > 1e-8

    def test_running_out_of_epochs_warns(self):
        X, y = regression_data()
        with pytest.warns(ConvergenceWarning, match=r"ran all 3 epochs without the norm of the gradient of J "
                                                    r"falling to tol=1e-08 \(it was \d"):
            LinearRegression(learning_rate=0.01, epochs=3).fit(X, y)
        with pytest.warns(ConvergenceWarning, match="stalls at a noise floor"):
            LinearRegression(batch_size=10, epochs=3).fit(X, y)

    def test_mini_batches_are_reproducible_and_count_steps(self):
        X, y = regression_data(n=100)
        model = LinearRegression(learning_rate=0.02, batch_size=30, epochs=50, tol=0).fit(X, y)
        again = LinearRegression(learning_rate=0.02, batch_size=30, epochs=50, tol=0).fit(X, y)
        assert_array_equal(model.coef_, again.coef_)
        assert model.optimizer_.step_count == 50 * 4  # batches of 30, 30, 30, 10
        reference = sk.LinearRegression().fit(X, y)
        assert_allclose(model.coef_, reference.coef_, atol=0.05)

    def test_mini_batches_are_lib_data_minibatches_of_seed_and_epoch(self):
        # Epoch e visits the rows in the order MiniBatches(n, batch_size, seed=seed)(e); plain SGD on the
        # mean squared error of each batch, written out here, must give the same weights (up to rounding).
        X, y = regression_data(n=50, d=3)
        model = LinearRegression(learning_rate=0.05, batch_size=16, epochs=4, tol=0, seed=7).fit(X, y)
        w, b = np.zeros(3), 0.0
        batches = MiniBatches(50, 16, seed=7)
        for epoch in range(4):
            for rows in batches(epoch):
                output_grad = 2.0 * (X[rows] @ w + b - y[rows]) / len(rows)
                w, b = w - 0.05 * (X[rows].T @ output_grad), b - 0.05 * output_grad.sum()
        assert_allclose(model.coef_, w, rtol=1e-12)
        assert model.intercept_ == pytest.approx(b, rel=1e-12)

    def test_batch_size_above_n_is_full_batch(self):
        X, y = regression_data(n=50)
        full = LinearRegression(learning_rate=0.2, epochs=30, tol=0).fit(X, y)
        big = LinearRegression(learning_rate=0.2, batch_size=500, epochs=30, tol=0).fit(X, y)
        assert_array_equal(full.coef_, big.coef_)


class TestOptimizerHandling:
    def test_the_given_optimizer_is_never_modified(self):
        X, y = regression_data()
        optimizer = SGD(lr=0.1, momentum=0.9)
        model = LinearRegression(optimizer=optimizer, epochs=20, tol=0).fit(X, y)
        assert optimizer.step_count == 0 and optimizer.state == {}
        assert model.optimizer is optimizer and model.optimizer_ is not optimizer
        assert model.optimizer_.step_count == 20

    def test_an_already_used_optimizer_starts_fresh(self):
        X, y = regression_data()
        used = SGD(lr=0.1, momentum=0.9)
        used.step({"w": np.ones(X.shape[1]), "b": np.array(0.0)}, {"w": np.ones(X.shape[1]), "b": np.array(1.0)})
        fresh = LinearRegression(optimizer=SGD(lr=0.1, momentum=0.9), epochs=20, tol=0).fit(X, y)
        reused = LinearRegression(optimizer=used, epochs=20, tol=0).fit(X, y)
        assert_array_equal(fresh.coef_, reused.coef_)
        assert used.step_count == 1

    def test_clone_copies_the_optimizer(self):
        model = LinearRegression(optimizer=SGD(lr=0.1, momentum=0.9))
        copy = clone(model)
        assert copy.optimizer is not model.optimizer
        assert copy.optimizer.hyperparameters() == model.optimizer.hyperparameters()

    def test_default_optimizer_is_sgd_with_the_learning_rate(self):
        X, y = regression_data()
        model = LinearRegression(learning_rate=0.05, epochs=2, tol=0).fit(X, y)
        assert isinstance(model.optimizer_, SGD)
        assert model.optimizer_.hyperparameters() == SGD(lr=0.05).hyperparameters()


# -- LogisticRegression against scikit-learn -------------------------------------------------------------


class TestLogisticRegressionMatchesScikitLearn:
    @pytest.mark.parametrize("n_classes", [2, 3, 4])
    @pytest.mark.parametrize("C", [0.1, 1.0])
    def test_l2_matches_scikit_learn_with_alpha_one_over_c_n(self, n_classes, C):
        X, y = classification_data(n_classes=n_classes)
        n = len(y)
        reference = sk.LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
        ours = LogisticRegression(alpha=1 / (C * n), learning_rate=1.0, epochs=10_000, tol=1e-10).fit(X, y)
        assert ours.coef_.shape == reference.coef_.shape
        assert ours.intercept_.shape == reference.intercept_.shape
        assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-4)
        assert_allclose(ours.intercept_, reference.intercept_, rtol=0, atol=1e-4)
        assert_allclose(ours.predict_proba(X), reference.predict_proba(X), rtol=0, atol=1e-4)
        assert_array_equal(ours.classes_, reference.classes_)

    def test_l1_matches_scikit_learn_saga(self):
        X, y = classification_data()
        C = 0.05
        reference = sk.LogisticRegression(C=C, l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=100_000)
        reference.fit(X, y)
        ours = LogisticRegression(penalty="l1", alpha=1 / (C * len(y)), learning_rate=1.0, epochs=10_000, tol=1e-10)
        ours.fit(X, y)
        assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-4)
        assert_allclose(ours.intercept_, reference.intercept_, rtol=0, atol=1e-4)
        assert np.any(reference.coef_ == 0)
        assert_array_equal(ours.coef_ == 0, reference.coef_ == 0)

    def test_unpenalized_binary_matches_scikit_learn_on_overlapping_classes(self):
        X, y = classification_data(seed=8)
        reference = sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
        ours = LogisticRegression(penalty=None, learning_rate=1.0, epochs=10_000, tol=1e-10).fit(X, y)
        assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-4)


class TestLogisticRegressionBehaviour:
    def test_string_labels_give_the_same_model_as_integers(self):
        X, y = classification_data(n_classes=3)
        names = np.array(["cat", "dog", "eel"])[y]
        by_integer = LogisticRegression(alpha=0.01, epochs=200, tol=0).fit(X, y)
        by_name = LogisticRegression(alpha=0.01, epochs=200, tol=0).fit(X, names)
        assert_array_equal(by_name.classes_, ["cat", "dog", "eel"])
        assert_array_equal(by_name.coef_, by_integer.coef_)
        assert_array_equal(by_name.predict(X), np.array(["cat", "dog", "eel"])[by_integer.predict(X)])

    def test_binary_decision_function_refers_to_the_second_class(self):
        X, y = classification_data()
        labels = np.where(y == 1, "yes", "no")
        model = LogisticRegression(alpha=0.01, epochs=300, tol=0).fit(X, labels)
        scores = model.decision_function(X)
        assert scores.shape == (len(y),)
        assert_array_equal(model.predict(X), np.where(scores > 0, "yes", "no"))
        probabilities = model.predict_proba(X)
        assert probabilities.shape == (len(y), 2)
        assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-15)
        assert_allclose(probabilities[:, 1], 1 / (1 + np.exp(-scores)), rtol=1e-12)
        assert_allclose(model.predict_log_proba(X), np.log(probabilities), rtol=1e-10)
        assert model.score(X, labels) > 0.7

    def test_multiclass_probabilities(self):
        X, y = classification_data(n_classes=3)
        model = LogisticRegression(alpha=0.01, epochs=300, tol=0).fit(X, y)
        scores = model.decision_function(X)
        assert scores.shape == (len(y), 3)
        probabilities = model.predict_proba(X)
        assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-10)
        assert_array_equal(model.predict(X), np.argmax(probabilities, axis=1))
        assert_allclose(model.predict_log_proba(X), np.log(probabilities), rtol=1e-10)

    def test_history_decreases_for_full_batch(self):
        X, y = classification_data(n_classes=3)
        model = LogisticRegression(alpha=0.01, learning_rate=0.5, epochs=100, tol=0).fit(X, y)
        assert len(model.history_) == model.n_iter_ == 100
        assert all(later < earlier for earlier, later in zip(model.history_, model.history_[1:], strict=False))

    def test_mini_batch_training_is_reproducible(self):
        X, y = classification_data()
        first = LogisticRegression(batch_size=32, epochs=20, tol=0).fit(X, y)
        second = LogisticRegression(batch_size=32, epochs=20, tol=0).fit(X, y)
        other = LogisticRegression(batch_size=32, epochs=20, tol=0, seed=1).fit(X, y)
        assert_array_equal(first.coef_, second.coef_)
        assert not np.array_equal(first.coef_, other.coef_)


# -- bad inputs and clear errors -------------------------------------------------------------------------

ESTIMATORS = [
    pytest.param(lambda: LinearRegression(learning_rate=0.1), id="LinearRegression"),
    pytest.param(lambda: LinearRegression(solver="normal"), id="LinearRegression-normal"),
    pytest.param(lambda: LogisticRegression(epochs=200, tol=0), id="LogisticRegression"),
]


def data_for(model):
    if isinstance(model, LogisticRegression):
        return classification_data(n=60)
    return regression_data(n=60)


class TestBadInputs:
    @pytest.mark.parametrize("make", ESTIMATORS)
    def test_column_target_is_flattened_with_a_warning_never_broadcast(self, make):
        X, y = data_for(make())
        flat = make().fit(X, y)
        with pytest.warns(DataConversionWarning, match="column-vector y was passed"):
            column = make().fit(X, y.reshape(-1, 1))
        assert_array_equal(column.coef_, flat.coef_)
        assert column.predict(X).shape == (len(y),)

    @pytest.mark.parametrize("make", ESTIMATORS)
    @pytest.mark.parametrize("bad", [np.nan, np.inf])
    def test_non_finite_features(self, make, bad):
        X, y = data_for(make())
        X[3, 1] = bad
        with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
            make().fit(X, y)
        X_ok, _ = data_for(make())
        model = make().fit(X_ok, y)
        with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
            model.predict(X)

    @pytest.mark.parametrize("bad", [np.nan, np.inf])
    def test_non_finite_target(self, bad):
        X, y = regression_data(n=30)
        y[0] = bad
        with pytest.raises(ValueError, match="Input y contains (NaN|infinity)"):
            LinearRegression().fit(X, y)

    @pytest.mark.parametrize("make", ESTIMATORS)
    def test_wrong_number_of_features_at_predict(self, make):
        X, y = data_for(make())
        model = make().fit(X, y)
        name = type(model).__name__
        with pytest.raises(ValueError, match=f"X has 3 features, but {name} is expecting {X.shape[1]} features"):
            model.predict(X[:, :3])

    @pytest.mark.parametrize("make", ESTIMATORS)
    def test_predict_before_fit(self, make):
        X, _ = data_for(make())
        with pytest.raises(NotFittedError, match="not fitted yet"):
            make().predict(X)

    @pytest.mark.parametrize(
        ("params", "error", "message"),
        [
            ({"solver": "sgd"}, ValueError, r"LinearRegression: solver must be one of 'gd', 'normal', 'lstsq', "
                                            r"got 'sgd'"),
            ({"loss": "hinge"}, ValueError, r"loss must be one of 'mse', 'mae', 'huber' or a lib.losses regression "
                                            r"loss, got 'hinge'"),
            ({"penalty": "l3"}, ValueError, r"penalty must be one of 'l2', 'l1', 'elasticnet' or a lib.losses.Penalty "
                                            r"or None, got 'l3'"),
            ({"learning_rate": 0.0}, ValueError, r"learning_rate must be a real number in \(0, inf\) or one of "
                                                 r"'auto', got 0"),
            ({"learning_rate": -0.1}, ValueError, r"learning_rate must be a real number in \(0, inf\).*, got -0.1"),
            ({"learning_rate": np.nan}, ValueError, r"learning_rate must be a real number in \(0, inf\).*, got nan"),
            ({"learning_rate": "fast"}, ValueError, r"learning_rate must be .* or one of 'auto', got 'fast'"),
            ({"alpha": -1.0}, ValueError, r"alpha must be a real number in \[0, inf\), got -1"),
            ({"epochs": 0}, ValueError, r"epochs must be an integer in \[1, inf\), got 0"),
            ({"epochs": 2.5}, TypeError, r"epochs must be an integer in \[1, inf\), got 2.5"),
            ({"batch_size": 0}, ValueError, r"batch_size must be an integer in \[1, inf\) or None, got 0"),
            ({"tol": -1e-3}, ValueError, r"tol must be a real number in \[0, inf\), got -0.001"),
            ({"seed": -1}, ValueError, r"seed must be an integer in \[0, inf\), got -1"),
            ({"optimizer": "adam"}, TypeError, r"optimizer must be a lib.optim optimizer such as .* or None, "
                                               r"got 'adam'"),
            ({"fit_intercept": "yes"}, TypeError, "fit_intercept must be True or False, got 'yes'"),
            ({"penalty": "elasticnet", "l1_ratio": 1.5}, ValueError, r"l1_ratio must be a real number in \[0, 1\], "
                                                                     r"got 1.5"),
            ({"loss": "mae"}, ValueError, r"learning_rate must be a positive number for this loss, got 'auto'; MAE "
                                          r"has no curvature bound"),
        ],
    )
    def test_invalid_hyperparameters(self, params, error, message):
        X, y = regression_data(n=20)
        with pytest.raises(error, match=message):
            LinearRegression(**params).fit(X, y)

    def test_logistic_regression_checks_its_hyperparameters_too(self):
        X, y = classification_data(n=20)
        with pytest.raises(ValueError, match=r"LogisticRegression: penalty must be one of 'l2', 'l1', 'elasticnet'"):
            LogisticRegression(penalty="ridge").fit(X, y)
        with pytest.raises(ValueError, match=r"LogisticRegression: learning_rate must be a real number in \(0, inf\)"):
            LogisticRegression(learning_rate=0).fit(X, y)

    @pytest.mark.parametrize("solver", ["normal", "lstsq"])
    def test_closed_form_solvers_refuse_other_losses_and_penalties(self, solver):
        X, y = regression_data(n=20)
        with pytest.raises(ValueError, match="solves least squares only .* use solver='gd'"):
            LinearRegression(solver=solver, loss="mae").fit(X, y)
        with pytest.raises(ValueError, match="supports penalty=None or 'l2' only.* use solver='gd'"):
            LinearRegression(solver=solver, penalty="l1", alpha=0.1).fit(X, y)

    def test_normal_equations_refuse_collinear_features(self):
        X, y = regression_data()
        X = np.column_stack([X, 2.0 * X[:, 1]])
        with pytest.raises(ValueError, match="ill-conditioned.*Use solver='lstsq'"):
            LinearRegression(solver="normal").fit(X, y)
        # The ridge term makes the same system well-posed.
        LinearRegression(solver="normal", penalty="l2", alpha=0.1).fit(X, y)

    def test_classifier_needs_two_classes_and_discrete_labels(self):
        X, y = classification_data(n=30)
        with pytest.raises(ValueError, match="at least 2 classes.*only one class"):
            LogisticRegression().fit(X, np.zeros(30, dtype=int))
        with pytest.raises(ValueError, match="Unknown label type"):
            LogisticRegression().fit(X, np.linspace(0, 1, 30))


class TestDivergence:
    def test_full_batch_divergence_names_the_epoch_the_loss_and_the_bound(self):
        X, y = regression_data()
        curvature = mse_curvature(X)
        with pytest.raises(DivergenceError) as info:
            LinearRegression(learning_rate=1.1 * 2 / curvature, epochs=1000).fit(X, y)
        message = str(info.value)
        assert re.search(r"the run diverged at step \d+: the loss rose above its starting value", message)
        assert "The loss was" in message
        assert "lower learning rate" in message
        assert f"lr < 2/L = {2 / curvature:.6g}" in message
        assert f"L = {curvature:.6g}" in message
        assert isinstance(info.value, RuntimeError)
        # Just below the bound, the same run converges.
        LinearRegression(learning_rate=0.95 * 2 / curvature, epochs=1000, tol=0).fit(X, y)

    def test_the_bound_includes_the_ridge_term(self):
        X, y = regression_data()
        curvature = mse_curvature(X) + 0.5
        with pytest.raises(DivergenceError, match=rf"2/L = {2 / curvature:.6g}"):
            LinearRegression(penalty="l2", alpha=0.5, learning_rate=1.2 * 2 / curvature).fit(X, y)

    def test_overflow_inside_an_epoch_is_reported_without_numpy_warnings(self, recwarn):
        X, y = regression_data()
        # lib.train checks the loss of every mini-batch too, so the first thing to overflow may be that loss.
        with pytest.raises(DivergenceError, match=r"\(epoch 1\), before the step: the (loss is NaN or infinite|"
                                                  r"gradient contains NaN or inf)"):
            LinearRegression(learning_rate=1e3, batch_size=1).fit(1e3 * X, y)
        assert not [warning for warning in recwarn if issubclass(warning.category, RuntimeWarning)]

    def test_logistic_divergence_message_gives_a_sufficient_bound(self):
        X, y = classification_data()
        X = 1e3 * X
        design = np.column_stack([X, np.ones(len(X))])
        curvature = np.linalg.eigvalsh(design.T @ design / len(X))[-1] / 4
        with pytest.raises(DivergenceError, match="loss rose above its starting value by more than 10000") as info:
            LogisticRegression(penalty=None, learning_rate=1e6, batch_size=1, epochs=5).fit(X, y)
        assert f"L-smooth with L = {curvature:.6g}" in str(info.value)
        assert f"lr < 2/L = {2 / curvature:.6g} (mini-batches need a smaller one)" in str(info.value)

    def test_features_too_large_for_the_bound_still_give_a_clear_message(self):
        X, y = regression_data(n=40)
        with pytest.raises(DivergenceError, match=r"at step 1: the loss is NaN or infinite.*standardize the features: "
                                                  r"the smoothness constant L .* is too large to compute"):
            LinearRegression(learning_rate=1.0).fit(1e200 * X, y)
        with pytest.raises(ValueError, match="learning_rate='auto' needs the curvature L of the data, which overflows"):
            LinearRegression().fit(1e200 * X, y)


# -- the defaults: a safe step from the data, a gradient-norm stopping rule ------------------------------


def standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


class TestDefaultsMatchScikitLearn:
    """With their defaults, on standardized real data, the estimators reach scikit-learn's solutions."""

    def test_linear_regression_on_diabetes(self):
        X, y = standardized(load_diabetes)
        ours = LinearRegression().fit(X, y)
        reference = sk.LinearRegression().fit(X, y)
        assert ours.n_iter_ < ours.epochs  # stopped by tol, not by the budget
        assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-6)
        assert_allclose(ours.intercept_, reference.intercept_, rtol=0, atol=1e-6)
        assert np.mean(np.isclose(ours.predict(X), reference.predict(X), rtol=0, atol=1e-6)) >= 0.99
        assert ours.optimizer_.lr == 1 / mse_curvature(X)  # learning_rate="auto" is 1/L

    def test_logistic_regression_on_breast_cancer_at_the_same_penalty(self):
        X, y = standardized(load_breast_cancer)
        ours = LogisticRegression().fit(X, y)
        # J = mean log-loss + (alpha/2)||w||^2 is scikit-learn's objective divided by C n: C = 1 / (alpha n).
        # Its default solver (lbfgs, tol=1e-4) stops about 1e-2 away from that minimizer; Newton's method with
        # a tight tolerance finds it to rounding.
        C = 1 / (ours.alpha * len(y))
        reference = sk.LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
        assert ours.n_iter_ < ours.epochs
        assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-6)
        assert_allclose(ours.intercept_, reference.intercept_, rtol=0, atol=1e-6)
        assert np.mean(ours.predict(X) == reference.predict(X)) >= 0.99
        assert np.mean(ours.predict(X) == sk.LogisticRegression(C=C).fit(X, y).predict(X)) >= 0.99
        design = np.column_stack([X, np.ones(len(X))])
        curvature = np.linalg.eigvalsh(design.T @ design / len(X))[-1] / 4 + ours.alpha
        assert ours.optimizer_.lr == pytest.approx(1 / curvature, rel=1e-12)

    def test_defaults_do_not_diverge_on_unscaled_data(self):
        # The data of scikit-learn's check_fit_idempotent: uncentred features, L ~ 4e4. The old default
        # learning_rate=0.01 diverged; 1/L cannot, though it is slow on such ill-conditioned data.
        rng = np.random.RandomState(0)
        X = rng.normal(loc=100, size=(100, 2))
        y = rng.normal(size=100)
        with pytest.warns(ConvergenceWarning, match="standardize the features"):
            model = LinearRegression(epochs=500).fit(X, y)
        assert all(later <= earlier for earlier, later in zip(model.history_, model.history_[1:], strict=False))

    def test_auto_step_with_mini_batches_is_safe_for_any_batch(self):
        X, y = regression_data()
        model = LinearRegression(batch_size=1, epochs=5, tol=0).fit(3.0 * X + 10.0, y)
        largest_row = np.max(np.sum((3.0 * X + 10.0) ** 2, axis=1) + 1.0)
        assert model.optimizer_.lr == 1 / (2 * largest_row)
        assert np.isfinite(model.history_).all()


class TestLinearObjective:
    @pytest.mark.parametrize(("loss", "targets", "coef_shape"), [
        (MSE(), "real", (4,)), (Huber(0.5), "real", (4,)), (BinaryCrossEntropy(), "binary", (4,)),
        (CrossEntropy(), "classes", (4, 3)),
    ])
    @pytest.mark.parametrize("penalty", [None, L2(0.3)])
    def test_gradient_matches_finite_differences_on_a_batch(self, loss, targets, coef_shape, penalty):
        rng = np.random.default_rng(1)
        X = rng.normal(size=(30, 4))
        y = {"real": rng.normal(size=30), "binary": rng.integers(0, 2, 30).astype(float),
             "classes": rng.integers(0, 3, 30)}[targets]
        objective = make_linear_objective(X, y, loss, penalty, fit_intercept=True)
        assert type(objective) is LinearObjective
        theta = {"w": rng.normal(size=coef_shape), "b": rng.normal(size=coef_shape[1:])}
        batch = np.array([3, 7, 8, 21, 29])
        value, grad = objective.loss_and_grad(theta, batch)
        assert value == pytest.approx(loss.value(y[batch], X[batch] @ theta["w"] + theta["b"])
                                      + (0 if penalty is None else penalty.value(theta["w"])), rel=1e-14)
        for key in theta:
            numeric = np.zeros_like(theta[key])
            for index in np.ndindex(theta[key].shape):
                shifted = {k: v.copy() for k, v in theta.items()}
                shifted[key][index] += 1e-6
                upper = objective.loss_and_grad(shifted, batch)[0]
                shifted[key][index] -= 2e-6
                numeric[index] = (upper - objective.loss_and_grad(shifted, batch)[0]) / 2e-6
            assert_allclose(grad[key], numeric, rtol=1e-6, atol=1e-8)
        assert objective.value(theta) == pytest.approx(objective.loss_and_grad(theta)[0], rel=1e-14)

    def test_smoothness_constants(self):
        X, y = regression_data(n=50, d=3)
        objective = LinearObjective(X, y, MSE(), L2(0.5))
        assert objective.L == pytest.approx(mse_curvature(X) + 0.5, rel=1e-12)
        assert objective.L_max == pytest.approx(2 * np.max(np.sum(X**2, axis=1) + 1) + 0.5, rel=1e-12)
        assert LinearObjective(X, y, MAE()).L is None
        no_intercept = LinearObjective(X, y, MSE(), fit_intercept=False)
        assert no_intercept.L == pytest.approx(mse_curvature(X, fit_intercept=False), rel=1e-12)
        assert "b" not in no_intercept.initial_parameters((3,))

    @pytest.mark.parametrize("penalty", [L1(0.2), ElasticNet(0.2, 0.5)])
    def test_non_smooth_penalties_are_taken_by_their_proximal_map(self, penalty):
        X, y = regression_data(n=50, d=3)
        objective = make_linear_objective(X, y, MSE(), penalty, fit_intercept=True)
        assert isinstance(objective, CompositeLinearObjective)
        theta = {"w": np.array([0.05, -1.0, 2.0]), "b": np.array(0.3)}
        value, grad = objective.loss_and_grad(theta)
        smooth = LinearObjective(X, y, MSE()).loss_and_grad(theta)
        assert_array_equal(grad["w"], smooth[1]["w"])  # the gradient of the smooth part only
        assert value == pytest.approx(smooth[0] + penalty.value(theta["w"]), rel=1e-14)
        stepped = objective.prox(theta, 0.5)
        assert_array_equal(stepped["w"], penalty.prox(theta["w"], 0.5))
        assert stepped["b"] is theta["b"]  # the intercept is never penalized

    def test_gradient_mapping_vanishes_at_the_lasso_solution_and_stops_the_defaults(self):
        X, y = regression_data(d=8, coef=[2.0, -1.5, 0.0, 0.0, 1.0, 0.0, 0.0, 0.5])
        reference = sk.Lasso(alpha=0.3, tol=1e-14, max_iter=100_000).fit(X, y)
        objective = make_linear_objective(X, y, MSE(), L1(0.6), fit_intercept=True)
        at_solution = {"w": reference.coef_, "b": np.array(reference.intercept_)}
        assert objective.gradient_norm(at_solution) < 1e-9
        smooth_gradient = LinearObjective(X, y, MSE()).loss_and_grad(at_solution)[1]["w"]
        assert np.linalg.norm(smooth_gradient) > 0.1  # the gradient of f alone does not vanish there
        model = LinearRegression(penalty="l1", alpha=0.6).fit(X, y)  # default tol, on the gradient mapping
        assert model.n_iter_ < model.epochs
        assert_allclose(model.coef_, reference.coef_, rtol=0, atol=1e-6)
        assert_array_equal(model.coef_ == 0, reference.coef_ == 0)
