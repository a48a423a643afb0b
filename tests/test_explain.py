"""Unit tests of lib.explain: agreement with scikit-learn and shap, the Shapley axioms, clear errors.

Tests are grouped in classes so that pytest-xdist (``--dist loadscope``) can spread them over workers.
"""

import warnings

import numpy as np
import pytest
import shap
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from sklearn.datasets import load_diabetes
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.inspection import permutation_importance as sklearn_permutation_importance
from sklearn.linear_model import LinearRegression, enet_path, lasso_path
from sklearn.metrics import r2_score

from lib import explain

X_DIABETES, Y_DIABETES = load_diabetes(return_X_y=True)


class Function:
    """A model made of a function of the rows."""

    def __init__(self, function):
        self.function = function

    def predict(self, X):
        return self.function(np.asarray(X))


@pytest.fixture(scope="module")
def boosted():
    return GradientBoostingRegressor(n_estimators=30, max_depth=3, random_state=0).fit(X_DIABETES[:300],
                                                                                      Y_DIABETES[:300])


class TestPaths:
    @pytest.mark.parametrize("l1_ratio, path_function", [(1.0, lasso_path), (0.5, enet_path)])
    def test_path_matches_sklearn(self, l1_ratio, path_function):
        y = Y_DIABETES - Y_DIABETES.mean()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kwargs = {} if path_function is lasso_path else {"l1_ratio": l1_ratio}
            alphas, coefs, _ = path_function(X_DIABETES, y, eps=1e-3, alphas=100, tol=1e-14, max_iter=100_000,
                                             **kwargs)
        chosen = [0, 30, 60, 99]
        ours = explain.regularization_path(X_DIABETES, y, alphas[chosen], l1_ratio=l1_ratio, max_steps=20_000)
        assert np.max(np.abs(ours - coefs[:, chosen])) < 1e-8

    def test_bad_alphas(self):
        with pytest.raises(ValueError, match="alphas must be a non-empty 1-d array of positive"):
            explain.regularization_path(X_DIABETES, Y_DIABETES, [0.1, -1.0])

    def test_y_shape_mismatch(self):
        with pytest.raises(ValueError, match=r"y must have shape \(442,\)"):
            explain.regularization_path(X_DIABETES, Y_DIABETES[:, None], [0.1])


class TestPermutationImportance:
    @pytest.mark.parametrize("seed", [0, 7])
    def test_matches_sklearn(self, boosted, seed):
        X, y = X_DIABETES[300:], Y_DIABETES[300:]
        reference = sklearn_permutation_importance(boosted, X, y, scoring="r2", n_repeats=4, random_state=seed)
        permutations = explain.sklearn_permutations(seed, len(X), 4)
        ours = explain.permutation_importance(boosted, X, y, r2_score, permutations)
        assert_allclose(ours, reference.importances, rtol=0, atol=1e-12)

    def test_group_of_one_is_the_feature(self, boosted):
        X, y = X_DIABETES[300:], Y_DIABETES[300:]
        permutations = np.random.default_rng(0).permuted(np.tile(np.arange(len(X)), (3, 1)), axis=1)
        single = explain.permutation_importance(boosted, X, y, r2_score, permutations)
        grouped = explain.permutation_importance(boosted, X, y, r2_score, permutations, groups=[[2], [4, 5]])
        assert_allclose(grouped[0], single[2])

    def test_bad_permutations(self, boosted):
        with pytest.raises(ValueError, match="permutations must be an array of shape"):
            explain.permutation_importance(boosted, X_DIABETES[:10], Y_DIABETES[:10], r2_score, [[0] * 10])

    def test_bad_group(self, boosted):
        with pytest.raises(ValueError, match="groups must be non-empty lists of feature indices"):
            explain.permutation_importance(boosted, X_DIABETES[:10], Y_DIABETES[:10], r2_score,
                                           [np.arange(10)], groups=[[10]])


class TestShapley:
    def test_exact_matches_shap_exact(self, boosted):
        background = X_DIABETES[:20]
        ours = np.array([explain.exact_shapley(boosted, X_DIABETES[i], background) for i in (300, 301)])
        explainer = shap.explainers.Exact(boosted.predict, shap.maskers.Independent(background, max_samples=20))
        assert np.max(np.abs(explainer(X_DIABETES[300:302]).values - ours)) < 1e-6

    def test_kernel_matches_shap_kernel_and_exact(self, boosted):
        background = X_DIABETES[:20]
        exact = explain.exact_shapley(boosted, X_DIABETES[300], background)
        ours = explain.kernel_shap(boosted, X_DIABETES[300], background)
        theirs = shap.KernelExplainer(boosted.predict, background).shap_values(X_DIABETES[300], nsamples=2**10,
                                                                              silent=True)
        assert np.max(np.abs(ours - exact)) < 1e-8
        assert np.max(np.abs(theirs - exact)) < 1e-6

    def test_sampled_kernel_approaches_exact(self, boosted):
        background = X_DIABETES[:20]
        exact = explain.exact_shapley(boosted, X_DIABETES[300], background)
        errors = [np.max(np.abs(explain.kernel_shap(boosted, X_DIABETES[300], background, n_coalitions=n, seed=1)
                                - exact)) for n in (100, 3000)]
        assert errors[1] < errors[0]

    def test_linear_closed_form(self):
        model = LinearRegression().fit(X_DIABETES, Y_DIABETES)
        background = X_DIABETES[:30]
        closed = explain.linear_shapley(model.coef_, X_DIABETES[100], background)
        assert_allclose(explain.exact_shapley(model, X_DIABETES[100], background), closed, rtol=0, atol=1e-9)
        full = shap.LinearExplainer(model, shap.maskers.Independent(X_DIABETES, max_samples=len(X_DIABETES)))
        assert_allclose(full.shap_values(X_DIABETES[:5]), explain.linear_shapley(model.coef_, X_DIABETES[:5],
                                                                                 X_DIABETES), atol=1e-9)

    def test_linear_explainer_default_subsamples(self):
        model = LinearRegression().fit(X_DIABETES, Y_DIABETES)
        default = shap.LinearExplainer(model, X_DIABETES).shap_values(X_DIABETES[:5])
        assert np.max(np.abs(default - explain.linear_shapley(model.coef_, X_DIABETES[:5], X_DIABETES))) > 0.1


@st.composite
def games(draw):
    """A random model of d <= 4 features (a polynomial with pairwise terms), a background and a point."""
    d = draw(st.integers(2, 4))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    linear, pairwise = rng.normal(size=d), rng.normal(size=(d, d))
    model = Function(lambda Z: Z @ linear + np.einsum("ij,jk,ik->i", Z, pairwise, Z) + np.sin(Z[:, 0]))
    return model, rng.normal(size=d), rng.normal(size=(draw(st.integers(1, 5)), d)), (linear, pairwise)


class TestAxioms:
    @settings(max_examples=40, deadline=None)
    @given(games())
    def test_efficiency(self, game):
        model, x, background, _ = game
        phi = explain.exact_shapley(model, x, background)
        expected = model.predict(x[None])[0] - model.predict(background).mean()
        assert abs(phi.sum() - expected) < 1e-9 * (1 + abs(expected))

    @settings(max_examples=40, deadline=None)
    @given(games())
    def test_dummy(self, game):
        # the model ignores the last feature
        _, x, background, (linear, _) = game
        model = Function(lambda Z: Z[:, :-1] @ linear[:-1] + np.tanh(Z[:, 0]) * Z[:, :-1].sum(axis=1))
        assert abs(explain.exact_shapley(model, x, background)[-1]) < 1e-12

    @settings(max_examples=40, deadline=None)
    @given(games())
    def test_symmetry(self, game):
        _, x, background, _ = game
        x = x.copy()
        x[1] = x[0]
        background = background.copy()
        background[:, 1] = background[::-1, 0]  # same values, in another order: features 0 and 1 exchangeable
        model = Function(lambda Z: np.exp(0.3 * (Z[:, 0] + Z[:, 1])) + Z[:, 0] * Z[:, 1] + Z.sum(axis=1))
        phi = explain.exact_shapley(model, x, background)
        assert abs(phi[0] - phi[1]) < 1e-9 * (1 + abs(phi[0]))

    @settings(max_examples=40, deadline=None)
    @given(games())
    def test_additivity(self, game):
        model, x, background, _ = game
        other = Function(lambda Z: np.cos(Z).sum(axis=1) * Z[:, -1])
        total = Function(lambda Z: model.predict(Z) + other.predict(Z))
        phi = [explain.exact_shapley(m, x, background) for m in (model, other, total)]
        assert_allclose(phi[2], phi[0] + phi[1], rtol=0, atol=1e-9 * (1 + np.max(np.abs(phi[2]))))


class TestSurrogate:
    def test_recovers_coef_times_std_on_linear_model(self):
        coef = np.arange(1.0, 6.0)
        scale = np.array([0.5, 1.0, 2.0, 3.0, 0.1])
        model = Function(lambda Z: Z @ coef + 3.0)
        beta = explain.local_surrogate(model, np.ones(5), scale, n_samples=50, seed=4)
        assert_allclose(beta, coef * scale, rtol=1e-10)

    def test_stability_score_bounds(self):
        same = np.tile([3.0, -2.0, 1.0, 0.0], (5, 1))
        assert explain.stability_score(same, 2) == 1.0
        disjoint = np.array([[1.0, 0.0], [0.0, 1.0]])
        assert explain.stability_score(disjoint, 1) == 0.0


class TestBadInputs:
    def test_model_without_predict(self):
        with pytest.raises(TypeError, match="model must have a predict"):
            explain.exact_shapley(lambda Z: Z.sum(axis=1), np.zeros(2), np.zeros((3, 2)))

    def test_empty_background(self):
        with pytest.raises(ValueError, match="background must hold at least one row"):
            explain.exact_shapley(Function(lambda Z: Z.sum(axis=1)), np.zeros(2), np.zeros((0, 2)))

    def test_point_shape_mismatch(self):
        with pytest.raises(ValueError, match=r"x must be a vector of shape \(2,\)"):
            explain.kernel_shap(Function(lambda Z: Z.sum(axis=1)), np.zeros(3), np.zeros((3, 2)))

    def test_too_many_features(self):
        with pytest.raises(ValueError, match="at most 16 features for exact enumeration"):
            explain.exact_shapley(Function(lambda Z: Z.sum(axis=1)), np.zeros(17), np.zeros((2, 17)))

    def test_predict_with_wrong_output_shape(self):
        with pytest.raises(ValueError, match="predict must return one number per row"):
            explain.exact_shapley(Function(lambda Z: Z), np.zeros(2), np.zeros((3, 2)))

    def test_nan_background(self):
        with pytest.raises(ValueError, match="background must be finite"):
            explain.exact_shapley(Function(lambda Z: Z.sum(axis=1)), np.zeros(2), np.array([[np.nan, 0.0]]))

    def test_linear_coef_mismatch(self):
        with pytest.raises(ValueError, match=r"coef must have shape \(2,\)"):
            explain.linear_shapley(np.ones(3), np.zeros(2), np.zeros((4, 2)))

    def test_surrogate_bad_scale(self):
        with pytest.raises(ValueError, match="scale must be a non-empty vector of positive"):
            explain.local_surrogate(Function(lambda Z: Z.sum(axis=1)), np.zeros(2), np.array([1.0, 0.0]))

    def test_stability_needs_two_runs(self):
        with pytest.raises(ValueError, match="at least two runs"):
            explain.stability_score(np.ones((1, 3)), 1)
