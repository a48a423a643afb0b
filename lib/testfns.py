r"""Classic test functions for optimizers: quadratics, Rosenbrock, Beale, Himmelblau, a saddle, least squares.

Each function is a small object with

* ``value(theta)``, ``grad(theta)``, ``hessian(theta)`` and ``loss_and_grad(theta)`` (the last is what
  :func:`lib.train.train` calls), for ``theta`` of shape ``(dim,)``;
* ``minimizers`` (an array of shape ``(k, dim)``: every known global minimizer, or the minimizers of
  interest) and ``minimum`` (the value there);
* ``L``, the smoothness constant (a Lipschitz constant of the gradient,
  :math:`\lVert \nabla J(\theta) - \nabla J(\theta')\rVert \le L \lVert \theta - \theta' \rVert`), and
  ``mu``, the strong-convexity constant, where they exist (else None), and ``condition_number``
  :math:`\kappa = L/\mu`;
* for two-dimensional functions, ``window``, a plotting window ``((x_min, x_max), (y_min, y_max))``, and
  :meth:`Objective.grid`, the values on a grid over it for a contour plot.

The gradients and Hessians are written out by hand; ``tests/test_testfns.py`` checks every one of them
against finite differences.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from numbers import Integral, Real

import numpy as np

from lib.checks import Boolean, Interval, as_float_array, check_finite, check_params
from lib.rng import BOOK_SEED, SEED_CONSTRAINT, make_rng

__all__ = ["Objective", "Quadratic", "Rosenbrock", "Beale", "Himmelblau", "Saddle", "LeastSquares"]


def _finite_array(values: object, name: str, owner: str, ndim: int) -> np.ndarray:
    """A finite float64 copy of ``values``, an array of ``ndim`` dimensions."""
    array = np.array(as_float_array(owner, name, values), dtype=np.float64, copy=True)
    if array.ndim != ndim:
        raise ValueError(f"{owner}: {name} must be {ndim}-dimensional, got shape {array.shape}")
    check_finite(owner, name, array)
    return array


class Objective(ABC):
    r"""Base class of the test functions: argument checks, ``loss_and_grad`` and the contour grid.

    A subclass sets ``dim``, ``minimizers``, ``minimum``, ``L``, ``mu`` and ``window`` and implements
    ``_values(points)`` (the function at each row of a ``(m, dim)`` array, vectorized for grids),
    ``_grad(theta)`` and ``_hessian(theta)``.
    """

    dim: int = 2
    L: float | None = None
    mu: float | None = None
    window: tuple | None = None

    # -- the public interface ------------------------------------------------------------------------------

    def value(self, theta: np.ndarray) -> float:
        """Return :math:`J(\\theta)` as a float; ``theta`` has shape ``(dim,)``."""
        theta = self._point(theta)
        return float(self._values(theta[np.newaxis, :])[0])

    def grad(self, theta: np.ndarray) -> np.ndarray:
        """Return the gradient :math:`\\nabla J(\\theta)`, shape ``(dim,)``."""
        return self._grad(self._point(theta))

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Return the Hessian :math:`\\nabla^2 J(\\theta)`, shape ``(dim, dim)``."""
        return self._hessian(self._point(theta))

    def loss_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Return ``(value(theta), grad(theta))``, the pair :func:`lib.train.train` expects."""
        theta = self._point(theta)
        return float(self._values(theta[np.newaxis, :])[0]), self._grad(theta)

    @property
    def condition_number(self) -> float | None:
        """:math:`\\kappa = L / \\mu` if both constants exist, else None."""
        if self.L is None or self.mu is None:
            return None
        return self.L / self.mu

    def grid(self, num: int = 201, window: tuple | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(x, y, values)`` on a ``num`` by ``num`` grid, for ``ax.contour(x, y, values)``.

        Parameters
        ----------
        num : int, default 201
            Grid points per axis.
        window : ((x_min, x_max), (y_min, y_max)), optional
            Default: the function's ``window``.

        Returns
        -------
        x, y, values : ndarray of shape (num, num)
            ``np.meshgrid`` coordinates and the function's values there.
        """
        if self.dim != 2:
            raise ValueError(f"{type(self).__name__}.grid: only 2-d functions can be drawn, dim={self.dim}")
        num = check_params(f"{type(self).__name__}.grid", {"num": num}, {"num": [Interval(Integral, 2, None)]})["num"]
        (x_min, x_max), (y_min, y_max) = self.window if window is None else window
        x, y = np.meshgrid(np.linspace(x_min, x_max, num), np.linspace(y_min, y_max, num))
        points = np.column_stack([x.ravel(), y.ravel()])
        return x, y, self._values(points).reshape(x.shape)

    # -- helpers -------------------------------------------------------------------------------------------

    def _point(self, theta: object) -> np.ndarray:
        owner = type(self).__name__
        theta = as_float_array(owner, "theta", theta)
        if theta.shape != (self.dim,):
            raise ValueError(
                f"{owner}: theta must have shape ({self.dim},), got {theta.shape}; pass one point as a 1-d array"
            )
        check_finite(owner, "theta", theta)
        return theta

    @abstractmethod
    def _values(self, points):
        ...

    @abstractmethod
    def _grad(self, theta):
        ...

    @abstractmethod
    def _hessian(self, theta):
        ...


# ---------------------------------------------------------------------------------------------------------
# Quadratics
# ---------------------------------------------------------------------------------------------------------


class Quadratic(Objective):
    r"""The strongly convex quadratic :math:`J(\theta) = \tfrac12 \theta^\top A \theta - b^\top \theta`.

    With :math:`A` symmetric positive definite, the gradient is :math:`A\theta - b`, the Hessian is
    :math:`A`, the unique minimizer is :math:`\theta^\star = A^{-1} b` and the minimum is
    :math:`-\tfrac12 b^\top \theta^\star`. The smoothness and strong-convexity constants are the extreme
    eigenvalues, :math:`L = \lambda_{\max}(A)` and :math:`\mu = \lambda_{\min}(A)`, and
    :math:`\kappa = L/\mu` governs gradient descent: it converges for :math:`0 < \eta < 2/L`, and with
    :math:`\eta = 2/(L + \mu)` the distance to :math:`\theta^\star` shrinks by the factor
    :math:`(\kappa - 1)/(\kappa + 1)` per step :cite:p:`nocedal2006numerical,boyd2004convex`.
    Every smooth function looks like this near a strict minimum, which is why the quadratic is the first
    test of every optimizer.

    Parameters
    ----------
    A : array_like of shape (d, d)
        Symmetric (to rounding: it is symmetrized as :math:`(A + A^\top)/2`) and positive definite.
    b : array_like of shape (d,)
        Exactly one-dimensional: a ``(d, 1)`` column is refused rather than broadcast.

    Attributes
    ----------
    A, b : ndarray
    dim : int
    minimizers : ndarray of shape (1, d)
    minimum : float
    L, mu : float
        :math:`\lambda_{\max}(A)` and :math:`\lambda_{\min}(A)`.
    window : tuple or None
        For ``d = 2``, the square of half-width 3 centred on the minimizer.

    Examples
    --------
    >>> problem = Quadratic([[2.0, 0.0], [0.0, 8.0]], [2.0, 8.0])
    >>> problem.minimizers, problem.minimum, problem.condition_number
    (array([[1., 1.]]), -5.0, 4.0)
    """

    def __init__(self, A: object, b: object) -> None:
        A = _finite_array(A, "A", "Quadratic", ndim=2)
        if A.shape[0] != A.shape[1] or A.shape[0] == 0:
            raise ValueError(f"Quadratic: A must be a non-empty square matrix, got shape {A.shape}")
        scale = max(float(np.abs(A).max()), np.finfo(np.float64).tiny)
        if np.abs(A - A.T).max() > 1e-12 * scale:
            raise ValueError("Quadratic: A must be symmetric (the Hessian of a quadratic form is); use (A + A.T) / 2")
        b = _finite_array(b, "b", "Quadratic", ndim=1)
        if b.shape != (A.shape[0],):
            raise ValueError(f"Quadratic: b must have shape ({A.shape[0]},) to match A, got {b.shape}")
        self.A = (A + A.T) / 2
        self.b = b
        self.dim = A.shape[0]
        eigenvalues = np.linalg.eigvalsh(self.A)
        if eigenvalues[0] <= 0:
            raise ValueError(
                f"Quadratic: A must be positive definite, but its smallest eigenvalue is {eigenvalues[0]:.3g}; "
                "a quadratic with a negative eigenvalue has no minimum (see Saddle)"
            )
        self.L = float(eigenvalues[-1])
        self.mu = float(eigenvalues[0])
        minimizer = np.linalg.solve(self.A, self.b)
        self.minimizers = minimizer[np.newaxis, :]
        self.minimum = float(-0.5 * self.b @ minimizer)
        if self.dim == 2:
            self.window = ((minimizer[0] - 3.0, minimizer[0] + 3.0), (minimizer[1] - 3.0, minimizer[1] + 3.0))

    @classmethod
    def with_condition_number(cls, kappa: float, dim: int = 2, *, mu: float = 1.0, seed: int = BOOK_SEED,
                              rotate: bool = True, minimizer: object = None) -> Quadratic:
        r"""A quadratic whose Hessian has condition number exactly ``kappa``.

        The Hessian is :math:`A = Q \operatorname{diag}(\lambda_1, \ldots, \lambda_d) Q^\top` with
        eigenvalues spaced evenly on a log scale from :math:`\lambda_1 = \mu` to :math:`\lambda_d = \kappa\mu`,
        and :math:`Q` a random rotation (Haar-distributed: the Q factor of a Gaussian matrix with the signs
        fixed so that R has a positive diagonal) or the identity (``rotate=False``, axis-aligned valleys).
        ``L`` and ``mu`` are set to the eigenvalues chosen, :math:`\kappa\mu` and :math:`\mu`, so
        ``condition_number`` is ``kappa`` (exactly, for ``mu=1``); the eigenvalues of the stored matrix
        equal them up to rounding.

        Parameters
        ----------
        kappa : float
            Condition number :math:`\kappa \ge 1` (``dim=1`` needs ``kappa=1``).
        dim : int, default 2
        mu : float, default 1
            Smallest eigenvalue :math:`\mu > 0`.
        seed : int, default lib.rng.BOOK_SEED
            Seed of the rotation.
        rotate : bool, default True
        minimizer : array_like of shape (dim,), optional
            Where the minimum is (default: the origin); then :math:`b = A\theta^\star`.

        Examples
        --------
        >>> problem = Quadratic.with_condition_number(100.0, rotate=False)
        >>> problem.A
        array([[  1.,   0.],
               [  0., 100.]])
        >>> problem.condition_number
        100.0
        """
        owner = "Quadratic.with_condition_number"
        checked = check_params(owner, {"kappa": kappa, "dim": dim, "mu": mu, "seed": seed, "rotate": rotate}, {
            "kappa": [Interval(Real, 1, None, hint="kappa = L / mu")],
            "dim": [Interval(Integral, 1, None)],
            "mu": [Interval(Real, 0, None, closed="neither")],
            "seed": [SEED_CONSTRAINT],
            "rotate": [Boolean()],
        })
        kappa, dim, mu, seed, rotate = checked.values()
        if dim == 1 and kappa != 1:
            raise ValueError(f"{owner}: a one-dimensional quadratic has condition number 1, got kappa = {kappa}")
        eigenvalues = np.geomspace(mu, kappa * mu, dim) if dim > 1 else np.array([mu])
        eigenvalues[0] = mu
        eigenvalues[-1] = kappa * mu
        if rotate:
            gaussian = make_rng(seed).standard_normal((dim, dim))
            q, r = np.linalg.qr(gaussian)
            rotation = q * np.sign(np.diag(r))
            A = rotation @ np.diag(eigenvalues) @ rotation.T
        else:
            A = np.diag(eigenvalues)
        A = (A + A.T) / 2
        if minimizer is None:
            target = np.zeros(dim)
        else:
            target = _finite_array(minimizer, "minimizer", owner, ndim=1)
            if target.shape != (dim,):
                raise ValueError(f"{owner}: minimizer must have shape ({dim},), got {target.shape}")
        problem = cls(A, A @ target)
        problem.L = float(kappa * mu)
        problem.mu = float(mu)
        return problem

    def __repr__(self) -> str:
        return f"Quadratic(dim={self.dim}, L={self.L:.6g}, mu={self.mu:.6g})"

    def _values(self, points):
        # 0.5 theta^T A theta - b^T theta for every row theta of points.
        return 0.5 * np.einsum("mi,ij,mj->m", points, self.A, points) - points @ self.b

    def _grad(self, theta):
        return self.A @ theta - self.b

    def _hessian(self, theta):
        return self.A.copy()


class Saddle(Objective):
    r"""The saddle :math:`J(x, y) = x^2 - y^2`: a stationary point that is not a minimum.

    The gradient :math:`(2x, -2y)` vanishes at the origin, where the Hessian
    :math:`\operatorname{diag}(2, -2)` has one negative eigenvalue. Gradient descent with step
    :math:`\eta` maps :math:`y \mapsto (1 + 2\eta) y`, so any start with :math:`y \ne 0` escapes, slowly if
    :math:`y_0` is tiny, while a start exactly on the :math:`x`-axis converges to the saddle: the picture
    behind the observation that gradient descent almost surely avoids strict saddles
    :cite:p:`lee2016gradient`. The function is unbounded below, so ``minimizers`` is empty and ``minimum``
    is :math:`-\infty`; a long enough run ends in a :class:`lib.optim.DivergenceError` (the loss overflows).

    Attributes
    ----------
    saddle_point : ndarray of shape (2,)
        The origin.
    minimizers : ndarray of shape (0, 2)
    minimum : float
        ``-inf``.
    L : float
        2, the largest absolute eigenvalue of the Hessian (:math:`\nabla J` is 2-Lipschitz).
    mu : None
        Not convex.
    window : ((-2, 2), (-2, 2))
    """

    dim = 2
    L = 2.0
    mu = None
    window = ((-2.0, 2.0), (-2.0, 2.0))

    def __init__(self) -> None:
        self.saddle_point = np.zeros(2)
        self.minimizers = np.empty((0, 2))
        self.minimum = -math.inf

    def __repr__(self) -> str:
        return "Saddle()"

    def _values(self, points):
        x, y = points[:, 0], points[:, 1]
        return x**2 - y**2

    def _grad(self, theta):
        x, y = theta
        return np.array([2.0 * x, -2.0 * y])

    def _hessian(self, theta):
        return np.array([[2.0, 0.0], [0.0, -2.0]])


# ---------------------------------------------------------------------------------------------------------
# Non-convex classics
# ---------------------------------------------------------------------------------------------------------


class Rosenbrock(Objective):
    r"""Rosenbrock's banana function :math:`J(x, y) = (a - x)^2 + b\,(y - x^2)^2` :cite:p:`rosenbrock1960automatic`.

    The minimum 0 lies at :math:`(a, a^2)`, at the bottom of a long, curved, flat-floored valley that
    gradient descent follows slowly. The gradient and Hessian are

    .. math::

        \nabla J = \begin{pmatrix} -2(a - x) - 4bx(y - x^2) \\ 2b(y - x^2) \end{pmatrix}, \qquad
        \nabla^2 J = \begin{pmatrix} 2 - 4b(y - x^2) + 8bx^2 & -4bx \\ -4bx & 2b \end{pmatrix}.

    The gradient is not globally Lipschitz (the function is quartic), so ``L`` and ``mu`` are None; at
    the minimum the Hessian :math:`\begin{pmatrix} 2 + 8ba^2 & -4ba \\ -4ba & 2b \end{pmatrix}` has, for
    :math:`a = 1, b = 100`, eigenvalues of about 1001.6 and 0.3994, a local condition number near 2508.

    Parameters
    ----------
    a : float, default 1
    b : float, default 100
        :math:`b > 0`.
    """

    dim = 2

    constraints = {"a": [Interval(Real, None, None)], "b": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, a: float = 1.0, b: float = 100.0) -> None:
        self.a, self.b = check_params("Rosenbrock", {"a": a, "b": b}, self.constraints).values()
        self.minimizers = np.array([[self.a, self.a**2]])
        self.minimum = 0.0
        self.window = ((self.a - 3.0, self.a + 1.0), (self.a**2 - 2.0, self.a**2 + 2.0))

    def __repr__(self) -> str:
        return f"Rosenbrock(a={self.a!r}, b={self.b!r})"

    def _values(self, points):
        x, y = points[:, 0], points[:, 1]
        return (self.a - x) ** 2 + self.b * (y - x**2) ** 2

    def _grad(self, theta):
        x, y = theta
        return np.array([-2.0 * (self.a - x) - 4.0 * self.b * x * (y - x**2), 2.0 * self.b * (y - x**2)])

    def _hessian(self, theta):
        x, y = theta
        return np.array([
            [2.0 - 4.0 * self.b * (y - x**2) + 8.0 * self.b * x**2, -4.0 * self.b * x],
            [-4.0 * self.b * x, 2.0 * self.b],
        ])


class Beale(Objective):
    r"""Beale's function, a sum of three squares with a flat plateau and steep ridges :cite:p:`more1981testing`.

    .. math::

        J(x, y) = \sum_{i=1}^{3} r_i(x, y)^2, \qquad r_i = c_i - x\,(1 - y^i), \quad
        (c_1, c_2, c_3) = (1.5, 2.25, 2.625),

    with minimum 0 at :math:`(3, 0.5)`. As for any sum of squares, :math:`\nabla J = 2\sum_i r_i \nabla r_i`
    and :math:`\nabla^2 J = 2\sum_i (\nabla r_i \nabla r_i^\top + r_i \nabla^2 r_i)`, with
    :math:`\nabla r_i = (y^i - 1,\ i x y^{i-1})`. ``L`` and ``mu`` are None (the function is a polynomial
    of degree 8). ``window`` is the usual square :math:`[-4.5, 4.5]^2`.
    """

    dim = 2
    window = ((-4.5, 4.5), (-4.5, 4.5))
    _constants = (1.5, 2.25, 2.625)

    def __init__(self) -> None:
        self.minimizers = np.array([[3.0, 0.5]])
        self.minimum = 0.0

    def __repr__(self) -> str:
        return "Beale()"

    def _values(self, points):
        x, y = points[:, 0], points[:, 1]
        total = np.zeros(points.shape[0])
        for power, constant in enumerate(self._constants, start=1):
            total += (constant - x * (1.0 - y**power)) ** 2
        return total

    def _grad(self, theta):
        x, y = theta
        grad = np.zeros(2)
        for power, constant in enumerate(self._constants, start=1):
            residual = constant - x * (1.0 - y**power)
            residual_grad = np.array([y**power - 1.0, power * x * y ** (power - 1)])
            grad += 2.0 * residual * residual_grad
        return grad

    def _hessian(self, theta):
        x, y = theta
        hessian = np.zeros((2, 2))
        for power, constant in enumerate(self._constants, start=1):
            residual = constant - x * (1.0 - y**power)
            residual_grad = np.array([y**power - 1.0, power * x * y ** (power - 1)])
            cross = power * y ** (power - 1)
            curvature_yy = power * (power - 1) * x * y ** (power - 2) if power >= 2 else 0.0
            residual_hessian = np.array([[0.0, cross], [cross, curvature_yy]])
            hessian += 2.0 * (np.outer(residual_grad, residual_grad) + residual * residual_hessian)
        return hessian


class Himmelblau(Objective):
    r"""Himmelblau's function :math:`J(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2`, with four minima.

    From :cite:t:`himmelblau1972applied`.
    All four minima have value 0: :math:`(3, 2)` and three irrational points (to 17 digits below, roots
    of :math:`\nabla J = 0` refined with 40-digit arithmetic; the tests check the gradient vanishes
    there). Which one gradient descent finds depends on where it starts. There is also a local maximum
    near :math:`(-0.2708, -0.9230)` (``local_maximizer``) and four saddle points. With
    :math:`r_1 = x^2 + y - 11` and :math:`r_2 = x + y^2 - 7`,

    .. math::

        \nabla J = \begin{pmatrix} 4x r_1 + 2 r_2 \\ 2 r_1 + 4y r_2 \end{pmatrix}, \qquad
        \nabla^2 J = \begin{pmatrix} 4 r_1 + 8x^2 + 2 & 4x + 4y \\ 4x + 4y & 4 r_2 + 8y^2 + 2 \end{pmatrix}.

    ``L`` and ``mu`` are None (a quartic); ``window`` is :math:`[-5, 5]^2`.
    """

    dim = 2
    window = ((-5.0, 5.0), (-5.0, 5.0))

    def __init__(self) -> None:
        self.minimizers = np.array([
            [3.0, 2.0],
            [-2.8051180869527449, 3.1313125182505730],
            [-3.7793102533777469, -3.2831859912861694],
            [3.5844283403304917, -1.8481265269644036],
        ])
        self.minimum = 0.0
        self.local_maximizer = np.array([-0.27084459066734761, -0.92303855647998146])

    def __repr__(self) -> str:
        return "Himmelblau()"

    def _values(self, points):
        x, y = points[:, 0], points[:, 1]
        return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2

    def _grad(self, theta):
        x, y = theta
        r1 = x**2 + y - 11.0
        r2 = x + y**2 - 7.0
        return np.array([4.0 * x * r1 + 2.0 * r2, 2.0 * r1 + 4.0 * y * r2])

    def _hessian(self, theta):
        x, y = theta
        r1 = x**2 + y - 11.0
        r2 = x + y**2 - 7.0
        return np.array([
            [4.0 * r1 + 8.0 * x**2 + 2.0, 4.0 * x + 4.0 * y],
            [4.0 * x + 4.0 * y, 4.0 * r2 + 8.0 * y**2 + 2.0],
        ])


# ---------------------------------------------------------------------------------------------------------
# Least squares from data
# ---------------------------------------------------------------------------------------------------------


class LeastSquares(Objective):
    r"""The least-squares objective of a data set, :math:`J(\theta) = \frac1n \lVert X\theta - y\rVert^2`.

    The mean squared error of :class:`lib.losses.MSE` (no factor :math:`\frac12`), as a function of the
    coefficients: gradient :math:`\frac2n X^\top (X\theta - y)`, constant Hessian :math:`\frac2n X^\top X`,
    hence

    .. math::

        L = \tfrac2n \lambda_{\max}(X^\top X), \qquad \mu = \tfrac2n \lambda_{\min}(X^\top X),

    and gradient descent is stable for :math:`\eta < 2/L = n / \lambda_{\max}(X^\top X)`. If :math:`X` has
    rank below :math:`d`, the minimizers form an affine subspace: ``minimizers`` holds the one of least
    norm (``np.linalg.lstsq``) and ``mu`` is None. There is no separate intercept: append a column of ones
    to :math:`X` for one.

    ``value``, ``grad`` and ``loss_and_grad`` take an optional ``batch`` (an array of row indices): the
    same mean over those rows only, the mini-batch objective :math:`J_B(\theta) =
    \frac{1}{|B|}\sum_{i\in B}(x_i^\top\theta - y_i)^2` whose gradient is an unbiased estimate of
    :math:`\nabla J` when :math:`B` is drawn at random.

    Parameters
    ----------
    X : array_like of shape (n, d)
    y : array_like of shape (n,)
        Exactly one-dimensional (a column ``(n, 1)`` would broadcast against ``X @ theta`` into an
        ``(n, n)`` matrix; it is refused).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> problem = LeastSquares(X, np.array([1.0, 3.0, 5.0]))
    >>> np.round(problem.minimizers, 12), round(problem.minimum, 12)
    (array([[1., 2.]]), 0.0)
    """

    def __init__(self, X: object, y: object) -> None:
        X = _finite_array(X, "X", "LeastSquares", ndim=2)
        if np.ndim(y) != 1:
            raise ValueError(
                f"LeastSquares: y must be one-dimensional, shape (n,), got shape {np.shape(y)}; reshape a column "
                "with y.ravel() (an (n, 1) y would broadcast against X @ theta of shape (n,) into an (n, n) array)"
            )
        y = _finite_array(y, "y", "LeastSquares", ndim=1)
        n_samples, n_features = X.shape
        if n_samples == 0 or n_features == 0:
            raise ValueError(f"LeastSquares: X must have at least one row and one column, got shape {X.shape}")
        if y.shape != (n_samples,):
            raise ValueError(f"LeastSquares: y has {y.shape[0]} entries but X has {n_samples} rows")
        self.X = X
        self.y = y
        self.n_samples = n_samples
        self.dim = n_features
        singular_values = np.linalg.svd(X, compute_uv=False)
        self.L = float(2.0 * singular_values[0] ** 2 / n_samples)
        # The rank as np.linalg.matrix_rank counts it: singular values above s_max * max(n, d) * machine epsilon.
        rank = int(np.sum(singular_values > singular_values[0] * max(X.shape) * np.finfo(np.float64).eps))
        self.mu = float(2.0 * singular_values[-1] ** 2 / n_samples) if rank == n_features else None
        minimizer = np.linalg.lstsq(X, y, rcond=None)[0]
        self.minimizers = minimizer[np.newaxis, :]
        self.minimum = self.value(minimizer)
        if self.dim == 2:
            # A box holding both the usual start (the origin) and the minimizer, with a margin.
            margin = 0.5 * max(1.0, float(np.abs(minimizer).max()))
            low = np.minimum(minimizer, 0.0) - margin
            high = np.maximum(minimizer, 0.0) + margin
            self.window = ((float(low[0]), float(high[0])), (float(low[1]), float(high[1])))

    def __repr__(self) -> str:
        return f"LeastSquares(n_samples={self.n_samples}, dim={self.dim})"

    def value(self, theta: np.ndarray, batch: np.ndarray | None = None) -> float:
        """Return :math:`J(\\theta)`, or :math:`J_B(\\theta)` on the rows ``batch``."""
        X, y = self._rows(batch)
        residual = X @ self._point(theta) - y
        return float(np.mean(residual**2))

    def grad(self, theta: np.ndarray, batch: np.ndarray | None = None) -> np.ndarray:
        """Return :math:`\\nabla J(\\theta) = \\frac2n X^\\top(X\\theta - y)` (or on the rows ``batch``)."""
        X, y = self._rows(batch)
        residual = X @ self._point(theta) - y
        return 2.0 * (X.T @ residual) / y.shape[0]

    def loss_and_grad(self, theta: np.ndarray, batch: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """Return ``(value, grad)``, sharing the residual :math:`X\\theta - y` (on the rows ``batch``)."""
        X, y = self._rows(batch)
        residual = X @ self._point(theta) - y
        return float(np.mean(residual**2)), 2.0 * (X.T @ residual) / y.shape[0]

    def _rows(self, batch):
        if batch is None:
            return self.X, self.y
        batch = np.asarray(batch)
        if batch.ndim != 1 or batch.size == 0 or not np.issubdtype(batch.dtype, np.integer):
            raise ValueError(
                f"LeastSquares: batch must be a non-empty 1-d array of row indices, got {batch.dtype} array of shape "
                f"{batch.shape}"
            )
        if batch.min() < 0 or batch.max() >= self.n_samples:
            raise ValueError(f"LeastSquares: batch has indices outside 0..{self.n_samples - 1}")
        return self.X[batch], self.y[batch]

    def _values(self, points):
        residuals = points @ self.X.T - self.y
        return np.mean(residuals**2, axis=1)

    def _grad(self, theta):
        return self.grad(theta)

    def _hessian(self, theta):
        return 2.0 * (self.X.T @ self.X) / self.n_samples
