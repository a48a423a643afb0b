"""Unit tests of lib.testfns: derivatives against finite differences, minima, constants, validation."""

import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from lib.losses import MSE
from lib.testfns import Beale, Himmelblau, LeastSquares, Quadratic, Rosenbrock, Saddle

PROPERTY = settings(max_examples=40, deadline=None)


def least_squares_problem(n_samples=30, n_features=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = X @ rng.normal(size=n_features) + 0.3 * rng.normal(size=n_samples)
    return LeastSquares(X, y)


PROBLEMS = {
    "quadratic": Quadratic([[3.0, 1.0], [1.0, 2.0]], [1.0, -1.0]),
    "quadratic-5d": Quadratic.with_condition_number(50.0, dim=5, seed=3),
    "rosenbrock": Rosenbrock(),
    "rosenbrock-a2": Rosenbrock(a=2.0, b=10.0),
    "beale": Beale(),
    "himmelblau": Himmelblau(),
    "saddle": Saddle(),
    "least-squares": least_squares_problem(),
}


def point_in_window(problem, unit_point):
    """Map a point of [0, 1]^d into the problem's plotting window (or [-2, 2]^d if it has none)."""
    if problem.window is None:
        return -2.0 + 4.0 * unit_point
    low = np.array([problem.window[0][0], problem.window[1][0]])
    high = np.array([problem.window[0][1], problem.window[1][1]])
    return low + (high - low) * unit_point


def unit_points(dim):
    return st.lists(st.floats(0.0, 1.0), min_size=dim, max_size=dim).map(np.array)


def central_difference_gradient(function, theta, step):
    gradient = np.zeros_like(theta)
    for i in range(theta.size):
        shift = np.zeros_like(theta)
        shift[i] = step
        gradient[i] = (function(theta + shift) - function(theta - shift)) / (2 * step)
    return gradient


# -- derivatives -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PROBLEMS))
@PROPERTY
@given(data=st.data())
def test_gradient_matches_central_differences(name, data):
    problem = PROBLEMS[name]
    theta = point_in_window(problem, data.draw(unit_points(problem.dim)))
    numeric = central_difference_gradient(problem.value, theta, step=1e-6)
    analytic = problem.grad(theta)
    # The central difference errs by O(h^2 J''') plus rounding O(eps |J| / h); allow for both.
    scale = 1.0 + abs(problem.value(theta)) + np.abs(analytic).max()
    assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6 * scale)


@pytest.mark.parametrize("name", sorted(PROBLEMS))
@PROPERTY
@given(data=st.data())
def test_hessian_matches_differences_of_the_gradient(name, data):
    problem = PROBLEMS[name]
    theta = point_in_window(problem, data.draw(unit_points(problem.dim)))
    step = 1e-6
    numeric = np.column_stack([
        (problem.grad(theta + step * e) - problem.grad(theta - step * e)) / (2 * step) for e in np.eye(problem.dim)
    ])
    analytic = problem.hessian(theta)
    assert analytic.shape == (problem.dim, problem.dim)
    assert_array_equal(analytic, analytic.T)
    scale = 1.0 + np.abs(problem.grad(theta)).max() + np.abs(analytic).max()
    assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6 * scale)


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_loss_and_grad_is_value_and_grad(name):
    problem = PROBLEMS[name]
    theta = point_in_window(problem, np.full(problem.dim, 0.3))
    loss, grad = problem.loss_and_grad(theta)
    assert isinstance(loss, float)
    assert loss == problem.value(theta)
    assert_array_equal(grad, problem.grad(theta))


def test_rosenbrock_matches_scipy():
    problem = Rosenbrock()
    for theta in ([-1.2, 1.0], [0.5, -0.3], [2.0, 3.0]):
        theta = np.array(theta)
        assert problem.value(theta) == pytest.approx(scipy.optimize.rosen(theta), rel=1e-14)
        assert_allclose(problem.grad(theta), scipy.optimize.rosen_der(theta), rtol=1e-14)
        assert_allclose(problem.hessian(theta), scipy.optimize.rosen_hess(theta), rtol=1e-14)


# -- minima and stationary points ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(set(PROBLEMS) - {"saddle"}))
def test_minimizers_are_stationary_with_the_stated_minimum(name):
    problem = PROBLEMS[name]
    assert problem.minimizers.ndim == 2 and problem.minimizers.shape[1] == problem.dim
    assert problem.minimizers.shape[0] >= 1
    for minimizer in problem.minimizers:
        assert_allclose(problem.grad(minimizer), 0.0, atol=1e-12)
        assert problem.value(minimizer) == pytest.approx(problem.minimum, abs=1e-12)
        # A minimum: the Hessian there is positive semi-definite.
        assert np.linalg.eigvalsh(problem.hessian(minimizer))[0] > -1e-9


def test_himmelblau_has_four_distinct_minima_and_a_local_maximum():
    problem = Himmelblau()
    assert problem.minimizers.shape == (4, 2)
    distances = np.linalg.norm(problem.minimizers[:, None, :] - problem.minimizers[None, :, :], axis=-1)
    assert (distances + 2 * np.eye(4) > 1.0).all()
    for minimizer in problem.minimizers:
        assert problem.value(minimizer) < 1e-25
        assert np.linalg.eigvalsh(problem.hessian(minimizer))[0] > 0
    assert_allclose(problem.grad(problem.local_maximizer), 0.0, atol=1e-12)
    assert np.linalg.eigvalsh(problem.hessian(problem.local_maximizer))[-1] < 0


def test_saddle_point_is_stationary_but_not_a_minimum():
    problem = Saddle()
    assert_array_equal(problem.grad(problem.saddle_point), [0.0, 0.0])
    eigenvalues = np.linalg.eigvalsh(problem.hessian(problem.saddle_point))
    assert eigenvalues[0] < 0 < eigenvalues[-1]
    assert problem.minimizers.shape == (0, 2)
    assert problem.minimum == -np.inf
    assert problem.value(np.array([0.0, 10.0])) < problem.value(problem.saddle_point)


def test_rosenbrock_curvature_at_the_minimum():
    # The docstring's numbers: eigenvalues about 1001.6 and 0.3994 at (1, 1), condition number near 2508.
    eigenvalues = np.linalg.eigvalsh(Rosenbrock().hessian(np.array([1.0, 1.0])))
    assert eigenvalues[0] == pytest.approx(0.3994, abs=1e-4)
    assert eigenvalues[1] == pytest.approx(1001.6, abs=0.1)
    assert eigenvalues[1] / eigenvalues[0] == pytest.approx(2508, rel=1e-3)


# -- L, mu and the condition number ----------------------------------------------------------------------


@given(kappa=st.floats(1.0, 1e6), dim=st.integers(2, 6), seed=st.integers(0, 2**31), rotate=st.booleans())
@PROPERTY
def test_condition_number_is_as_requested(kappa, dim, seed, rotate):
    problem = Quadratic.with_condition_number(kappa, dim=dim, seed=seed, rotate=rotate)
    assert problem.condition_number == kappa
    assert problem.mu == 1.0 and problem.L == kappa
    eigenvalues = np.linalg.eigvalsh(problem.A)
    assert eigenvalues[0] == pytest.approx(1.0, rel=1e-9)
    assert eigenvalues[-1] == pytest.approx(kappa, rel=1e-12)
    assert_array_equal(problem.minimizers, np.zeros((1, dim)))


def test_condition_number_with_other_mu_minimizer_and_rotation():
    problem = Quadratic.with_condition_number(20.0, dim=3, mu=0.5, seed=1, minimizer=[1.0, -2.0, 3.0])
    assert problem.mu == 0.5 and problem.L == 10.0
    assert problem.condition_number == pytest.approx(20.0, rel=1e-15)
    assert_allclose(np.linalg.eigvalsh(problem.A), np.geomspace(0.5, 10.0, 3), rtol=1e-12)
    assert_allclose(problem.minimizers[0], [1.0, -2.0, 3.0], rtol=1e-12)
    # rotated: not diagonal; the same seed gives the same matrix, another seed another one
    assert np.abs(problem.A - np.diag(np.diag(problem.A))).max() > 0.1
    again = Quadratic.with_condition_number(20.0, dim=3, mu=0.5, seed=1, minimizer=[1.0, -2.0, 3.0])
    other = Quadratic.with_condition_number(20.0, dim=3, mu=0.5, seed=2, minimizer=[1.0, -2.0, 3.0])
    assert_array_equal(again.A, problem.A)
    assert np.abs(other.A - problem.A).max() > 1e-3
    assert_array_equal(Quadratic.with_condition_number(9.0, rotate=False).A, np.diag([1.0, 9.0]))


def test_quadratic_constants_are_the_extreme_eigenvalues():
    A = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])
    problem = Quadratic(A, np.array([1.0, 2.0, 3.0]))
    eigenvalues = np.linalg.eigvalsh(A)
    assert problem.L == pytest.approx(eigenvalues[-1], rel=1e-14)
    assert problem.mu == pytest.approx(eigenvalues[0], rel=1e-14)
    minimizer = np.linalg.solve(A, [1.0, 2.0, 3.0])
    assert_allclose(problem.minimizers[0], minimizer, rtol=1e-14)
    assert problem.minimum == pytest.approx(-0.5 * np.dot([1.0, 2.0, 3.0], minimizer), rel=1e-14)
    assert problem.window is None  # only two-dimensional functions get a plotting window


@given(n_samples=st.integers(3, 40), n_features=st.integers(1, 3), seed=st.integers(0, 1000))
@PROPERTY
def test_least_squares_constants_match_the_hessian(n_samples, n_features, seed):
    problem = least_squares_problem(n_samples, n_features, seed)
    X = problem.X
    hessian = problem.hessian(np.zeros(n_features))
    expected = 2.0 / n_samples * X.T @ X
    assert_allclose(hessian, expected, rtol=1e-13, atol=1e-14 * np.abs(expected).max())
    eigenvalues = np.linalg.eigvalsh(X.T @ X)
    assert problem.L == pytest.approx(2.0 / n_samples * eigenvalues[-1], rel=1e-10)
    assert problem.mu == pytest.approx(2.0 / n_samples * eigenvalues[0], rel=1e-8)


def test_least_squares_is_the_mse_of_lib_losses():
    problem = least_squares_problem()
    theta = np.array([0.3, -1.0, 2.0])
    outputs = problem.X @ theta
    assert problem.value(theta) == pytest.approx(MSE().value(problem.y, outputs), rel=1e-14)
    assert_allclose(problem.grad(theta), problem.X.T @ MSE().grad(problem.y, outputs), rtol=1e-13)


def test_least_squares_minibatches_average_to_the_full_gradient():
    problem = least_squares_problem(n_samples=12)
    theta = np.array([1.0, 0.5, -0.5])
    batches = np.arange(12).reshape(3, 4)
    loss, grad = problem.loss_and_grad(theta, batches[0])
    rows = batches[0]
    assert loss == pytest.approx(np.mean((problem.X[rows] @ theta - problem.y[rows]) ** 2), rel=1e-14)
    assert loss == problem.value(theta, batch=rows)
    assert_array_equal(grad, problem.grad(theta, batch=rows))
    mean_of_batches = np.mean([problem.grad(theta, batch=rows) for rows in batches], axis=0)
    assert_allclose(mean_of_batches, problem.grad(theta), rtol=1e-13)


def test_least_squares_rank_deficient_gives_minimum_norm_minimizer():
    rng = np.random.default_rng(0)
    column = rng.normal(size=10)
    X = np.column_stack([column, 2 * column])  # rank 1
    problem = LeastSquares(X, 3 * column)
    assert problem.mu is None and problem.condition_number is None
    assert_allclose(problem.minimizers[0], [0.6, 1.2], rtol=1e-12)  # least norm of {a + 2b = 3}
    assert problem.minimum == pytest.approx(0.0, abs=1e-25)


def test_non_quadratic_functions_have_no_global_constants():
    for problem in (Rosenbrock(), Beale(), Himmelblau()):
        assert problem.L is None and problem.mu is None and problem.condition_number is None
    assert Saddle().L == 2.0 and Saddle().mu is None


# -- the contour grid ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["quadratic", "rosenbrock", "beale", "himmelblau", "saddle"])
def test_grid_matches_value(name):
    problem = PROBLEMS[name]
    x, y, values = problem.grid(num=7)
    assert x.shape == y.shape == values.shape == (7, 7)
    (x_min, x_max), (y_min, y_max) = problem.window
    assert (x[0, 0], x[0, -1], y[0, 0], y[-1, 0]) == (x_min, x_max, y_min, y_max)
    for i, j in [(0, 0), (3, 5), (6, 2)]:
        assert values[i, j] == pytest.approx(problem.value(np.array([x[i, j], y[i, j]])), rel=1e-13, abs=1e-13)


def test_windows_contain_the_minimizers():
    for name in ("quadratic", "rosenbrock", "rosenbrock-a2", "beale", "himmelblau"):
        problem = PROBLEMS[name]
        (x_min, x_max), (y_min, y_max) = problem.window
        for x, y in problem.minimizers:
            assert x_min < x < x_max and y_min < y < y_max, name
    X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    (x_min, x_max), (y_min, y_max) = LeastSquares(X, np.array([1.0, 3.0, 5.0])).window
    assert x_min < 0 < 1 < x_max and y_min < 0 < 2 < y_max  # the origin (a usual start) and (1, 2)


def test_grid_refuses_more_than_two_dimensions():
    with pytest.raises(ValueError, match="2-d"):
        PROBLEMS["quadratic-5d"].grid()


# -- validation ------------------------------------------------------------------------------------------


def test_theta_of_the_wrong_shape_is_refused():
    problem = Rosenbrock()
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        problem.value(np.array([[1.0], [1.0]]))
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        problem.grad(np.array([1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="NaN"):
        problem.hessian(np.array([np.nan, 1.0]))


def test_quadratic_validation():
    with pytest.raises(ValueError, match="symmetric"):
        Quadratic([[1.0, 2.0], [0.0, 1.0]], [0.0, 0.0])
    with pytest.raises(ValueError, match="positive definite.*Saddle"):
        Quadratic([[1.0, 0.0], [0.0, -1.0]], [0.0, 0.0])
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        Quadratic(np.eye(2), np.zeros(3))
    with pytest.raises(ValueError, match="1-dimensional"):
        Quadratic(np.eye(2), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="square"):
        Quadratic(np.ones((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="NaN"):
        Quadratic([[1.0, np.inf], [np.inf, 1.0]], [0.0, 0.0])


def test_with_condition_number_validation():
    with pytest.raises(ValueError, match=r"kappa must be a real number in \[1, inf\), got 0.5; kappa = L / mu"):
        Quadratic.with_condition_number(0.5)
    with pytest.raises(ValueError, match=r"mu must be a real number in \(0, inf\), got 0"):
        Quadratic.with_condition_number(10.0, mu=0.0)
    with pytest.raises(ValueError, match="one-dimensional"):
        Quadratic.with_condition_number(10.0, dim=1)
    with pytest.raises(ValueError, match=r"dim must be an integer in \[1, inf\), got 0"):
        Quadratic.with_condition_number(10.0, dim=0)
    with pytest.raises(ValueError, match=r"minimizer must have shape \(2,\)"):
        Quadratic.with_condition_number(10.0, minimizer=[1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"kappa must be a real number in \[1, inf\), got '10'"):
        Quadratic.with_condition_number("10")
    assert Quadratic.with_condition_number(1.0, dim=1).condition_number == 1.0


def test_least_squares_validation():
    X = np.ones((4, 2))
    with pytest.raises(ValueError, match=r"one-dimensional.*ravel"):
        LeastSquares(X, np.ones((4, 1)))
    with pytest.raises(ValueError, match="4 rows"):
        LeastSquares(X, np.ones(3))
    with pytest.raises(ValueError, match="2-dimensional"):
        LeastSquares(np.ones(4), np.ones(4))
    problem = LeastSquares(X, np.ones(4))
    with pytest.raises(ValueError, match="row indices"):
        problem.value(np.zeros(2), batch=np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="outside"):
        problem.grad(np.zeros(2), batch=np.array([0, 4]))


def test_rosenbrock_validation():
    with pytest.raises(ValueError, match=r"Rosenbrock: b must be a real number in \(0, inf\), got 0"):
        Rosenbrock(b=0.0)
    with pytest.raises(TypeError, match=r"Rosenbrock: a must be a real number \(finite\), got '1'"):
        Rosenbrock(a="1")
