"""Unit tests of lib.optim.SGD: hand-computed steps, a descent property, state round trips, validation."""

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from lib.optim import SGD, NonFiniteGradientError, Optimizer

# A fixed sequence of gradients (not depending on theta), so every step below can be done by hand.
GRADIENTS = [1.0, 2.0, -1.0]


def run(opt, theta0, gradients):
    theta = np.array(theta0)
    trajectory = []
    for g in gradients:
        theta = opt.step(theta, np.array(g))
        trajectory.append(float(theta))
    return trajectory


def close(actual, expected):
    assert_allclose(actual, expected, rtol=1e-14, atol=1e-15)


# -- hand-computed steps ---------------------------------------------------------------------------------


def test_plain_gradient_descent_step():
    opt = SGD(lr=0.1)
    new = opt.step(np.array([1.0, 2.0]), np.array([0.5, -1.0]))
    close(new, [1.0 - 0.05, 2.0 + 0.1])
    assert opt.step_count == 1
    assert opt.state == {"theta": {}}  # no buffer without momentum


def test_momentum_steps():
    # b1 = g1 = 1; b2 = 0.9 * 1 + 2 = 2.9; b3 = 0.9 * 2.9 - 1 = 1.61; theta_t = theta_{t-1} - 0.1 b_t
    trajectory = run(SGD(lr=0.1, momentum=0.9), 0.0, GRADIENTS)
    close(trajectory, [-0.1, -0.1 - 0.29, -0.1 - 0.29 - 0.161])


def test_dampening_steps():
    # The first buffer is the raw gradient (no dampening), as in torch:
    # b1 = 1; b2 = 0.9 * 1 + 0.5 * 2 = 1.9; b3 = 0.9 * 1.9 + 0.5 * (-1) = 1.21
    trajectory = run(SGD(lr=0.1, momentum=0.9, dampening=0.5), 0.0, GRADIENTS)
    close(trajectory, [-0.1, -0.1 - 0.19, -0.1 - 0.19 - 0.121])


def test_nesterov_steps():
    # b as in test_momentum_steps; the step uses g_t + 0.9 b_t: 1.9, 2 + 2.61 = 4.61, -1 + 1.449 = 0.449
    trajectory = run(SGD(lr=0.1, momentum=0.9, nesterov=True), 0.0, GRADIENTS)
    close(trajectory, [-0.19, -0.19 - 0.461, -0.19 - 0.461 - 0.0449])


def test_weight_decay_step():
    # g = 1 + 0.1 * 2 = 1.2; theta = 2 - 0.1 * 1.2 = 1.88
    opt = SGD(lr=0.1, weight_decay=0.1)
    close(opt.step(np.array(2.0), np.array(1.0)), 1.88)


def test_weight_decay_enters_the_momentum_buffer():
    # b1 = 1 + 0.5 * 2 = 2, theta1 = 2 - 0.2 = 1.8; g2 = 1 + 0.5 * 1.8 = 1.9, b2 = 0.9 * 2 + 1.9 = 3.7
    opt = SGD(lr=0.1, momentum=0.9, weight_decay=0.5)
    theta = opt.step(np.array(2.0), np.array(1.0))
    close(theta, 1.8)
    theta = opt.step(theta, np.array(1.0))
    close(theta, 1.8 - 0.37)
    close(opt.state["theta"]["momentum_buffer"], 3.7)


def test_maximize_step():
    opt = SGD(lr=0.1, maximize=True)
    close(opt.step(np.array(1.0), np.array(0.5)), 1.05)


def test_maximize_flips_the_gradient_before_weight_decay():
    # torch's code order: g = -1 + 0.1 * 2 = -0.8, theta = 2 + 0.08; weight decay still shrinks theta
    opt = SGD(lr=0.1, weight_decay=0.1, maximize=True)
    close(opt.step(np.array(2.0), np.array(1.0)), 2.08)


def test_maximize_with_momentum_is_minimizing_the_negated_gradient():
    up = run(SGD(lr=0.1, momentum=0.9, maximize=True), 0.0, GRADIENTS)
    down = run(SGD(lr=0.1, momentum=0.9), 0.0, [-g for g in GRADIENTS])
    assert up == down
    close(up, [0.1, 0.39, 0.551])


def test_full_batch_gradient_descent_on_a_quadratic_matches_the_closed_form_iteration():
    # J = 0.5 theta^T A theta - b^T theta: theta_{t} = theta_{t-1} - lr (A theta_{t-1} - b)
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    opt = SGD(lr=0.2)
    theta = np.zeros(2)
    expected = np.zeros(2)
    for _ in range(50):
        theta = opt.step(theta, a @ theta - b)
        expected = expected - 0.2 * (a @ expected - b)
    assert_array_equal(theta, expected)
    assert_allclose(theta, np.linalg.solve(a, b), rtol=1e-6)


# -- the descent property --------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    dimension=st.integers(1, 6),
    fraction_of_bound=st.floats(0.1, 0.95),
)
def test_gradient_descent_below_two_over_l_decreases_a_convex_quadratic_every_step(seed, dimension, fraction_of_bound):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(dimension, dimension)))
    eigenvalues = rng.uniform(0.5, 5.0, size=dimension)
    a = q @ np.diag(eigenvalues) @ q.T
    a = (a + a.T) / 2
    b = rng.normal(size=dimension)
    theta_star = np.linalg.solve(a, b)
    largest = np.linalg.eigvalsh(a).max()
    lr = fraction_of_bound * 2 / largest

    def objective(theta):
        return 0.5 * theta @ a @ theta - b @ theta

    def gap(theta):  # J(theta) - J(theta*), computed without cancellation
        error = theta - theta_star
        return 0.5 * error @ a @ error

    scale = 1.0 + abs(objective(theta_star))
    opt = SGD(lr=lr)
    theta = rng.normal(size=dimension) * 3
    checked_steps = 0
    for _ in range(1000):
        if gap(theta) <= 1e-8 * scale:  # converged to what rounding lets us compare
            break
        new_theta = opt.step(theta, a @ theta - b)
        assert objective(new_theta) < objective(theta), (
            f"J rose from {objective(theta)!r} to {objective(new_theta)!r} with lr = {fraction_of_bound:.3f} * 2/L"
        )
        theta = new_theta
        checked_steps += 1
    assert gap(theta) <= 1e-8 * scale, "gradient descent did not converge in 1000 steps"


def test_gradient_descent_above_two_over_l_diverges():
    a = np.diag([1.0, 4.0])
    opt = SGD(lr=1.05 * 2 / 4.0)
    theta = np.array([1.0, 1.0])
    values = []
    for _ in range(30):
        theta = opt.step(theta, a @ theta)
        values.append(0.5 * theta @ a @ theta)
    assert all(later > earlier for earlier, later in zip(values, values[1:], strict=False))


# -- the caller's arrays, dict parameters ----------------------------------------------------------------

CONFIGS = [
    {"lr": 0.1},
    {"lr": 0.1, "momentum": 0.9},
    {"lr": 0.1, "momentum": 0.9, "dampening": 0.3},
    {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1, "maximize": True},
]


@pytest.mark.parametrize("config", CONFIGS)
def test_step_never_modifies_or_aliases_the_callers_arrays(config):
    rng = np.random.default_rng(0)
    theta = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    grad = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    theta_copy = {key: value.copy() for key, value in theta.items()}
    grad_copy = {key: value.copy() for key, value in grad.items()}
    opt = SGD(**config)
    new = opt.step(theta, grad)
    for key in theta:
        assert_array_equal(theta[key], theta_copy[key])
        assert_array_equal(grad[key], grad_copy[key])
        assert not np.shares_memory(new[key], theta[key])
        assert not np.shares_memory(new[key], grad[key])
    # Changing the caller's gradient after the step must not change the optimizer's memory of it.
    reference = SGD(**config)
    reference.step(theta_copy, grad_copy)
    for key in grad:
        grad[key] *= 100.0
        new[key] += 1.0
    second = opt.step(theta_copy, grad_copy)
    expected = reference.step(theta_copy, grad_copy)
    for key in theta:
        assert_array_equal(second[key], expected[key])


def test_bare_arrays_come_back_as_arrays_of_the_same_shape():
    opt = SGD(lr=0.5, momentum=0.9)
    scalar = opt.step(np.array(1.0), np.array(2.0))
    assert isinstance(scalar, np.ndarray) and scalar.shape == ()
    assert float(scalar) == 0.0
    matrix = SGD(lr=0.5).step(np.ones((2, 3)), np.ones((2, 3)))
    assert matrix.shape == (2, 3) and matrix.dtype == np.float64


def test_dict_parameters_are_updated_independently():
    rng = np.random.default_rng(1)
    config = {"lr": 0.05, "momentum": 0.9, "nesterov": True}
    theta = {"w": rng.normal(size=4), "b": np.array(0.5)}
    together = SGD(**config)
    separate = {"w": SGD(**config), "b": SGD(**config)}
    theta_separate = dict(theta)
    for _ in range(5):
        grad = {"w": rng.normal(size=4), "b": np.array(rng.normal())}
        theta = together.step(theta, grad)
        for key in theta_separate:
            theta_separate[key] = separate[key].step(theta_separate[key], grad[key])
    assert set(theta) == {"w", "b"}
    for key in theta:
        assert_array_equal(theta[key], theta_separate[key])
    assert set(together.state) == {"w", "b"}
    assert together.step_count == 5


# -- state_dict ------------------------------------------------------------------------------------------


def _noisy_quadratic_run(opt, theta, steps, rng, schedule=None):
    """Steps on J = 0.5 ||theta||^2 with a noisy gradient; ``schedule`` sets lr before each step."""
    for _ in range(steps):
        if schedule is not None:
            opt.lr = schedule(opt.step_count)
        grad = {key: value + rng.normal(size=value.shape) for key, value in theta.items()}
        theta = opt.step(theta, grad)
    return theta


@pytest.mark.parametrize("config", CONFIGS)
def test_state_dict_round_trip_through_npz_continues_bit_for_bit(config):
    def schedule(step_count):
        return config["lr"] / (1 + step_count)

    theta0 = {"w": np.linspace(-1, 1, 6).reshape(2, 3), "b": np.array([0.3])}

    uninterrupted = SGD(**config)
    expected = _noisy_quadratic_run(uninterrupted, theta0, 12, np.random.default_rng(5), schedule)

    rng = np.random.default_rng(5)
    first = SGD(**config)
    theta = _noisy_quadratic_run(first, theta0, 7, rng, schedule)
    buffer = io.BytesIO()
    np.savez(buffer, **first.state_dict())
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as saved:
        resumed = SGD(lr=1.0)  # other hyperparameters: load_state_dict restores the saved ones
        resumed.load_state_dict(saved)
    assert resumed.hyperparameters() == first.hyperparameters()
    assert resumed.step_count == 7
    result = _noisy_quadratic_run(resumed, theta, 5, rng, schedule)
    for key in expected:
        assert_array_equal(result[key], expected[key])
    assert resumed.step_count == uninterrupted.step_count == 12


def test_state_dict_is_plain_data_and_a_copy():
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step({"w": np.ones(3)}, {"w": np.ones(3)})
    state = opt.state_dict()
    for key, value in state.items():
        assert isinstance(key, str)
        assert isinstance(value, bool | int | float | np.ndarray), (key, type(value))
    assert state["step_count"] == 1 and state["lr"] == 0.1 and state["momentum"] == 0.9
    assert_array_equal(state["state/w/momentum_buffer"], np.ones(3))
    assert_array_equal(state["shape/w"], [3])
    state["state/w/momentum_buffer"][:] = 99.0
    assert_array_equal(opt.state["w"]["momentum_buffer"], np.ones(3))


def test_load_state_dict_copies_its_input():
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step(np.ones(2), np.ones(2))
    state = opt.state_dict()
    other = SGD(lr=0.1, momentum=0.9)
    other.load_state_dict(state)
    state["state/theta/momentum_buffer"][:] = 99.0
    assert_array_equal(other.state["theta"]["momentum_buffer"], np.ones(2))


def test_load_state_dict_rejects_foreign_or_incomplete_state():
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step(np.ones(2), np.ones(2))
    state = opt.state_dict()
    incomplete = {key: value for key, value in state.items() if key != "momentum"}
    with pytest.raises(ValueError, match=r"missing \['momentum'\]"):
        SGD(lr=0.1).load_state_dict(incomplete)
    with pytest.raises(ValueError, match="unknown entries.*betas"):
        SGD(lr=0.1).load_state_dict({**state, "betas": 0.9})
    with pytest.raises(ValueError, match="momentum must be >= 0"):
        SGD(lr=0.1).load_state_dict({**state, "momentum": -1.0})
    with pytest.raises(ValueError, match="has shape"):
        SGD(lr=0.1).load_state_dict({**state, "state/theta/momentum_buffer": np.ones(3)})


def test_reset_forgets_everything():
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step(np.ones(2), np.ones(2))
    opt.reset()
    assert opt.step_count == 0 and opt.state == {}
    opt.step(np.ones(5), np.ones(5))  # new parameters are accepted after reset
    assert opt.step_count == 1


def test_repr_lists_the_hyperparameters():
    assert repr(SGD(lr=0.1, momentum=0.9)) == (
        "SGD(lr=0.1, momentum=0.9, dampening=0.0, nesterov=False, weight_decay=0.0, maximize=False)"
    )
    assert isinstance(SGD(lr=0.1), Optimizer)


# -- validation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0, 0.0, -0.1, np.nan, np.inf])
def test_invalid_learning_rate(lr):
    with pytest.raises(ValueError, match=r"lr \(the learning rate\) must be positive and finite"):
        SGD(lr=lr)


def test_learning_rate_of_the_wrong_type():
    with pytest.raises(TypeError, match="lr"):
        SGD(lr="0.1")
    with pytest.raises(TypeError, match="lr"):
        SGD(lr=True)


def test_learning_rate_set_by_a_schedule_is_checked_at_the_next_step():
    opt = SGD(lr=0.1)
    opt.lr = -0.5
    with pytest.raises(ValueError, match="lr"):
        opt.step(np.ones(2), np.ones(2))


@pytest.mark.parametrize("name", ["momentum", "dampening", "weight_decay"])
def test_negative_hyperparameters(name):
    with pytest.raises(ValueError, match=f"{name} must be >= 0"):
        SGD(lr=0.1, **{name: -0.1})
    with pytest.raises(ValueError, match=f"{name} must be finite"):
        SGD(lr=0.1, **{name: np.inf})


@pytest.mark.parametrize("config", [{"momentum": 0}, {"momentum": 0.9, "dampening": 0.1}])
def test_nesterov_needs_momentum_and_no_dampening(config):
    with pytest.raises(ValueError, match="nesterov=True requires momentum > 0 and dampening == 0"):
        SGD(lr=0.1, nesterov=True, **config)


def test_nesterov_and_maximize_must_be_booleans():
    with pytest.raises(TypeError, match="nesterov"):
        SGD(lr=0.1, momentum=0.9, nesterov="yes")
    with pytest.raises(TypeError, match="maximize"):
        SGD(lr=0.1, maximize=1)


def test_gradient_of_another_shape_is_never_broadcast():
    opt = SGD(lr=0.1)
    with pytest.raises(ValueError, match=r"grad has shape \(3, 1\) but theta has shape \(3,\)"):
        opt.step(np.ones(3), np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"parameter 'w': grad has shape \(1,\)"):
        opt.step({"w": np.ones(3)}, {"w": np.ones(1)})
    assert opt.step_count == 0


def test_gradient_with_other_keys():
    with pytest.raises(ValueError, match=r"grad must have the keys of theta: theta has \['b', 'w'\], grad has"):
        SGD(lr=0.1).step({"w": np.ones(2), "b": np.ones(1)}, {"w": np.ones(2)})


def test_dict_and_array_do_not_mix():
    with pytest.raises(TypeError, match="both be arrays or both be dicts"):
        SGD(lr=0.1).step({"w": np.ones(2)}, np.ones(2))


def test_parameters_must_keep_their_structure_between_steps():
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="has been stepping parameters.*call reset"):
        opt.step(np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match="has been stepping parameters"):
        opt.step({"theta": np.ones(3)}, {"theta": np.ones(3)})


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_gradient_names_the_parameter_the_step_and_the_remedies(bad):
    opt = SGD(lr=0.1, momentum=0.9)
    theta = {"w": np.ones(3), "b": np.zeros(1)}
    for _ in range(2):
        theta = opt.step(theta, {"w": np.ones(3), "b": np.ones(1)})
    state_before = opt.state_dict()
    grad = {"w": np.array([1.0, bad, 1.0]), "b": np.ones(1)}
    with pytest.raises(NonFiniteGradientError, match=r"parameter 'w' contains NaN or inf at step 3") as info:
        opt.step(theta, grad)
    message = str(info.value)
    assert "lower learning rate" in message and "standardize the features" in message
    assert isinstance(info.value, ValueError)
    # A rejected step changes nothing.
    state_after = opt.state_dict()
    assert state_after.keys() == state_before.keys()
    for key in state_before:
        assert_array_equal(state_after[key], state_before[key])
