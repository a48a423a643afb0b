"""Unit tests of lib.optim: hand-computed steps, laws (hypothesis), state round trips, validation.

The step-by-step agreement with torch.optim is checked separately, in test_optim_torch.py.
"""

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal

from lib.optim import SGD, Adagrad, Adam, AdamW, NonFiniteGradientError, Optimizer, RMSprop

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
    close(opt.state["theta"]["b"], 3.7)


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

# Every optimizer, with its defaults and with every buffer it can keep.
OPTIMIZERS = [(SGD, config) for config in CONFIGS] + [
    (Adagrad, {}),
    (Adagrad, {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-6}),
    (Adagrad, {"lr": 0.1, "maximize": True}),
    (RMSprop, {}),
    (RMSprop, {"lr": 0.01, "alpha": 0.9, "momentum": 0.9}),
    (RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1, "maximize": True}),
    (Adam, {}),
    (Adam, {"lr": 0.01, "betas": (0.8, 0.99), "amsgrad": True, "weight_decay": 0.1}),
    (Adam, {"lr": 0.01, "eps": 1e-6, "maximize": True}),
    (AdamW, {}),
    (AdamW, {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
]
OPTIMIZER_IDS = [f"{cls.__name__}-{index}" for index, (cls, _) in enumerate(OPTIMIZERS)]
all_optimizers = pytest.mark.parametrize(("cls", "config"), OPTIMIZERS, ids=OPTIMIZER_IDS)


@all_optimizers
def test_step_never_modifies_or_aliases_the_callers_arrays(cls, config):
    rng = np.random.default_rng(0)
    theta = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    grad = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    theta_copy = {key: value.copy() for key, value in theta.items()}
    grad_copy = {key: value.copy() for key, value in grad.items()}
    opt = cls(**config)
    new = opt.step(theta, grad)
    for key in theta:
        assert_array_equal(theta[key], theta_copy[key])
        assert_array_equal(grad[key], grad_copy[key])
        assert not np.shares_memory(new[key], theta[key])
        assert not np.shares_memory(new[key], grad[key])
    # Changing the caller's gradient after the step must not change the optimizer's memory of it.
    for buffers in opt.state.values():
        for array in buffers.values():
            for key in theta:
                assert not np.shares_memory(array, theta[key]) and not np.shares_memory(array, grad[key])
    reference = cls(**config)
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


@all_optimizers
def test_every_optimizer_returns_arrays_of_the_callers_shapes(cls, config):
    for shape in [(), (1,), (4,), (2, 3)]:
        opt = cls(**config)
        theta = np.full(shape, 0.5)
        for _ in range(3):
            theta = opt.step(theta, np.full(shape, -1.0))
            assert isinstance(theta, np.ndarray) and theta.shape == shape and theta.dtype == np.float64
    # Integer and list inputs are read as float64.
    assert cls(**config).step([1, 2], [1, 0]).dtype == np.float64


@all_optimizers
def test_dict_parameters_are_updated_independently(cls, config):
    rng = np.random.default_rng(1)
    theta = {"w": rng.normal(size=4), "b": np.array(0.5)}
    together = cls(**config)
    separate = {"w": cls(**config), "b": cls(**config)}
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


def _through_npz(state):
    """``state`` saved with ``np.savez`` and loaded back with ``allow_pickle=False``, as a dict."""
    buffer = io.BytesIO()
    np.savez(buffer, **state)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as saved:
        return dict(saved)


@settings(max_examples=30, deadline=None)
@given(
    index=st.integers(0, len(OPTIMIZERS) - 1),
    steps_before=st.integers(0, 8),
    steps_after=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
    as_dict=st.booleans(),
    through_npz=st.booleans(),
    intercept_shape=st.sampled_from([(), (1,)]),
)
def test_state_dict_round_trip_continues_bit_for_bit(
    index, steps_before, steps_after, seed, as_dict, through_npz, intercept_shape
):
    cls, config = OPTIMIZERS[index]
    base_lr = config.get("lr", 0.01)

    def schedule(step_count):  # a learning rate that changes every step, as a schedule would set it
        return base_lr / (1 + step_count)

    theta0 = {"w": np.linspace(-1, 1, 6).reshape(2, 3), "b": np.full(intercept_shape, 0.3)}
    if not as_dict:
        theta0 = {"theta": theta0["w"]}

    def run(opt, theta, steps, rng):
        for _ in range(steps):
            opt.lr = schedule(opt.step_count)
            grad = {key: value + rng.normal(size=value.shape) for key, value in theta.items()}
            if as_dict:
                theta = opt.step(theta, grad)
            else:
                theta = {"theta": opt.step(theta["theta"], grad["theta"])}
        return theta

    uninterrupted = cls(**config)
    expected = run(uninterrupted, theta0, steps_before + steps_after, np.random.default_rng(seed))

    rng = np.random.default_rng(seed)
    first = cls(**config)
    theta = run(first, theta0, steps_before, rng)
    state = first.state_dict()
    if through_npz:
        state = _through_npz(state)
    resumed = cls(lr=1.0)  # other hyperparameters: load_state_dict restores the saved ones
    resumed.load_state_dict(state)
    assert resumed.hyperparameters() == first.hyperparameters()
    assert resumed.step_count == steps_before
    result = run(resumed, theta, steps_after, rng)
    for key in expected:
        assert_array_equal(result[key], expected[key])
    assert resumed.step_count == uninterrupted.step_count == steps_before + steps_after
    assert resumed.state.keys() == uninterrupted.state.keys()
    for key, buffers in uninterrupted.state.items():
        assert buffers.keys() == resumed.state[key].keys()
        for name, array in buffers.items():
            assert_array_equal(resumed.state[key][name], array)


@pytest.mark.parametrize(
    ("cls", "config", "buffers"),
    [
        (SGD, {"lr": 0.1, "momentum": 0.9}, {"b"}),
        (Adagrad, {}, {"G"}),
        (RMSprop, {}, {"v"}),
        (RMSprop, {"centered": True, "momentum": 0.9}, {"v", "g_bar", "b"}),
        (Adam, {}, {"m", "v"}),
        (Adam, {"amsgrad": True}, {"m", "v", "v_max"}),
        (AdamW, {"amsgrad": True}, {"m", "v", "v_max"}),
    ],
)
def test_state_dict_exports_every_buffer(cls, config, buffers):
    opt = cls(**config)
    opt.step({"w": np.ones(3), "b": np.ones(1)}, {"w": np.ones(3), "b": np.ones(1)})
    state = opt.state_dict()
    assert state["optimizer"] == cls.__name__
    for key in ("w", "b"):
        assert {name for name in opt.state[key]} == buffers
        for name in buffers:
            assert_array_equal(state[f"state/{key}/{name}"], opt.state[key][name])


def test_state_dict_is_plain_data_and_a_copy():
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step({"w": np.ones(3)}, {"w": np.ones(3)})
    state = opt.state_dict()
    for key, value in state.items():
        assert isinstance(key, str)
        assert isinstance(value, bool | int | float | str | np.ndarray), (key, type(value))
    assert state["optimizer"] == "SGD"
    assert state["step_count"] == 1 and state["lr"] == 0.1 and state["momentum"] == 0.9
    assert_array_equal(state["state/w/b"], np.ones(3))
    assert_array_equal(state["shape/w"], [3])
    state["state/w/b"][:] = 99.0
    assert_array_equal(opt.state["w"]["b"], np.ones(3))


def test_load_state_dict_copies_its_input():
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step(np.ones(2), np.ones(2))
    state = opt.state_dict()
    other = SGD(lr=0.1, momentum=0.9)
    other.load_state_dict(state)
    state["state/theta/b"][:] = 99.0
    assert_array_equal(other.state["theta"]["b"], np.ones(2))


def test_load_state_dict_rejects_foreign_or_incomplete_state():
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step(np.ones(2), np.ones(2))
    state = opt.state_dict()
    incomplete = {key: value for key, value in state.items() if key != "momentum"}
    with pytest.raises(ValueError, match=r"missing \['momentum'\]"):
        SGD(lr=0.1).load_state_dict(incomplete)
    with pytest.raises(ValueError, match="unknown entries.*betas"):
        SGD(lr=0.1).load_state_dict({**state, "betas": 0.9})
    with pytest.raises(ValueError, match=r"momentum must be a real number in \[0, inf\), got -1"):
        SGD(lr=0.1).load_state_dict({**state, "momentum": -1.0})
    with pytest.raises(ValueError, match=r"state\['state/theta/b'\] must have the parameter's shape \(2,\), got shape"):
        SGD(lr=0.1).load_state_dict({**state, "state/theta/b": np.ones(3)})


def test_load_state_dict_refuses_another_kind_of_optimizer():
    # Adam and AdamW have the same hyperparameter names: only the saved class name tells them apart.
    adamw = AdamW(lr=0.01)
    adamw.step(np.ones(2), np.ones(2))
    state = _through_npz(adamw.state_dict())
    adam = Adam()
    with pytest.raises(ValueError, match="state must be saved by Adam, got a state saved by AdamW; load it into AdamW"):
        adam.load_state_dict(state)
    assert adam.step_count == 0 and adam.state == {}  # a rejected state changes nothing
    with pytest.raises(ValueError, match=r"got one missing \['momentum', 'dampening', 'nesterov'\]"):
        SGD(lr=0.1).load_state_dict({**state, "optimizer": "SGD"})


def test_load_state_dict_checks_the_buffers_against_the_hyperparameters():
    opt = Adam(amsgrad=True)
    opt.step(np.ones(2), np.ones(2))
    state = opt.state_dict()
    without_max = {key: value for key, value in state.items() if key != "state/theta/v_max"}
    with pytest.raises(ValueError, match=r"buffers of parameter 'theta' must be \['m', 'v', 'v_max'\] .*"
                                         r"got \['m', 'v'\]"):
        Adam().load_state_dict(without_max)
    Adam().load_state_dict({**without_max, "amsgrad": False})  # consistent without AMSGrad
    with pytest.raises(ValueError, match=r"must be \['m', 'v', 'v_max'\] .*got \['b', 'm', 'v', 'v_max'\]"):
        Adam().load_state_dict({**state, "state/theta/b": np.ones(2)})
    betas = dict(state, betas=np.array([0.9, 1.0]))
    with pytest.raises(ValueError, match=r"betas must be a pair, each a real number in \[0, 1\), got \(0.9, 1.0\)"):
        Adam().load_state_dict(betas)


def test_load_state_dict_checks_the_shapes_against_the_steps_and_the_buffers():
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step({"w": np.ones(2)}, {"w": np.ones(2)})
    state = opt.state_dict()
    without_shape = {key: value for key, value in state.items() if key not in ("shape/w", "takes_dict")}
    with pytest.raises(ValueError, match=r"parameter shapes exactly when steps were taken, got step_count 1"):
        SGD(lr=0.1, momentum=0.9).load_state_dict(without_shape)
    with pytest.raises(ValueError, match=r"a 'shape/<param>' for every parameter with buffers, got .* for \['v'\]"):
        SGD(lr=0.1, momentum=0.9).load_state_dict({**state, "state/v/b": np.ones(2)})
    fresh = SGD(lr=0.1, momentum=0.9)
    fresh.load_state_dict(state)
    assert fresh.state.keys() == {"w"} and fresh.state["w"].keys() == {"b"}


def test_a_state_saved_before_the_first_step_loads():
    state = _through_npz(RMSprop(lr=0.05, centered=True).state_dict())
    opt = RMSprop()
    opt.load_state_dict(state)
    assert opt.lr == 0.05 and opt.centered and opt.step_count == 0
    fresh = RMSprop(lr=0.05, centered=True)
    assert_array_equal(opt.step(np.ones(3), np.ones(3)), fresh.step(np.ones(3), np.ones(3)))


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


def test_defaults_are_torchs():
    assert Adagrad().hyperparameters() == {
        "lr": 0.01,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
        "maximize": False,
    }
    assert RMSprop().hyperparameters() == {
        "lr": 0.01,
        "alpha": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum": 0.0,
        "centered": False,
        "maximize": False,
    }
    adam = {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False, "maximize": False}
    assert Adam().hyperparameters() == adam
    assert AdamW().hyperparameters() == {**adam, "weight_decay": 0.01}
    assert repr(Adam()) == (
        "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=False, maximize=False)"
    )


# -- validation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0, 0.0, -0.1, np.nan, np.inf])
def test_invalid_learning_rate(lr):
    with pytest.raises(ValueError, match=r"^SGD: lr must be a real number in \(0, inf\), got"):
        SGD(lr=lr)


def test_learning_rate_of_the_wrong_type():
    with pytest.raises(TypeError, match=r"^SGD: lr must be a real number in \(0, inf\), got '0.1'"):
        SGD(lr="0.1")
    with pytest.raises(TypeError, match=r"^SGD: lr must be a real number in \(0, inf\), got True"):
        SGD(lr=True)


def test_learning_rate_set_by_a_schedule_is_checked_at_the_next_step():
    opt = SGD(lr=0.1)
    opt.lr = -0.5
    with pytest.raises(ValueError, match=r"^SGD: lr must be a real number in \(0, inf\), got -0.5"):
        opt.step(np.ones(2), np.ones(2))


@pytest.mark.parametrize("name", ["momentum", "dampening", "weight_decay"])
def test_negative_hyperparameters(name):
    with pytest.raises(ValueError, match=rf"^SGD: {name} must be a real number in \[0, inf\), got -0.1$"):
        SGD(lr=0.1, **{name: -0.1})
    with pytest.raises(ValueError, match=rf"{name} must be a real number in \[0, inf\), got inf"):
        SGD(lr=0.1, **{name: np.inf})


@pytest.mark.parametrize("config", [{"momentum": 0}, {"momentum": 0.9, "dampening": 0.1}])
def test_nesterov_needs_momentum_and_no_dampening(config):
    with pytest.raises(ValueError, match="nesterov=True requires momentum > 0 and dampening == 0"):
        SGD(lr=0.1, nesterov=True, **config)


def test_nesterov_and_maximize_must_be_booleans():
    with pytest.raises(TypeError, match="nesterov must be True or False, got 'yes'"):
        SGD(lr=0.1, momentum=0.9, nesterov="yes")
    with pytest.raises(TypeError, match="maximize must be True or False, got 1"):
        SGD(lr=0.1, maximize=1)


def test_gradient_of_another_shape_is_never_broadcast():
    opt = SGD(lr=0.1)
    with pytest.raises(ValueError, match=r"^SGD.step: grad must have the shape of theta, \(3,\), got shape \(3, 1\)"):
        opt.step(np.ones(3), np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"grad\['w'\] must have the shape of theta\['w'\], \(3,\), got shape \(1,\)"):
        opt.step({"w": np.ones(3)}, {"w": np.ones(1)})
    assert opt.step_count == 0


def test_gradient_with_other_keys():
    with pytest.raises(ValueError, match=r"grad must have the keys of theta \['b', 'w'\], got \['w'\]"):
        SGD(lr=0.1).step({"w": np.ones(2), "b": np.ones(1)}, {"w": np.ones(2)})


def test_dict_and_array_do_not_mix():
    with pytest.raises(TypeError, match="both be arrays or both be dicts"):
        SGD(lr=0.1).step({"w": np.ones(2)}, np.ones(2))


def test_parameters_must_keep_their_structure_between_steps():
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"theta must have the structure of the earlier steps, an array of shape "
                                         r"\(3,\), got an array of shape \(4,\); .*call reset"):
        opt.step(np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match="structure of the earlier steps"):
        opt.step({"theta": np.ones(3)}, {"theta": np.ones(3)})


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_gradient_names_the_parameter_the_step_and_the_remedies(bad):
    opt = SGD(lr=0.1, momentum=0.9)
    theta = {"w": np.ones(3), "b": np.zeros(1)}
    for _ in range(2):
        theta = opt.step(theta, {"w": np.ones(3), "b": np.ones(1)})
    state_before = opt.state_dict()
    grad = {"w": np.array([1.0, bad, 1.0]), "b": np.ones(1)}
    with pytest.raises(NonFiniteGradientError, match=r"grad\['w'\] must be finite, got NaN or inf .*at step 3") as info:
        opt.step(theta, grad)
    message = str(info.value)
    assert "lower learning rate" in message and "standardize the features" in message
    assert isinstance(info.value, ValueError)
    # A rejected step changes nothing.
    state_after = opt.state_dict()
    assert state_after.keys() == state_before.keys()
    for key in state_before:
        assert_array_equal(state_after[key], state_before[key])


@all_optimizers
def test_a_rejected_step_changes_nothing_for_any_optimizer(cls, config):
    opt = cls(**config)
    theta = {"w": np.ones(3), "b": np.zeros(1)}
    theta = opt.step(theta, {"w": np.ones(3), "b": np.ones(1)})
    state_before = opt.state_dict()
    bad_gradients = [
        {"w": np.array([1.0, np.nan, 1.0]), "b": np.ones(1)},
        {"w": np.ones(3), "b": np.array([np.inf])},
        {"w": np.ones((3, 1)), "b": np.ones(1)},
        {"w": np.ones(3)},
    ]
    for grad in bad_gradients:
        with pytest.raises(ValueError):
            opt.step(theta, grad)
    state_after = opt.state_dict()
    assert state_after.keys() == state_before.keys()
    for key in state_before:
        assert_array_equal(state_after[key], state_before[key])


@settings(max_examples=60, deadline=None)
@given(
    shape=st.sampled_from([(), (1,), (2,), (7,), (3, 4), (65,)]),
    bad=st.sampled_from([np.nan, np.inf, -np.inf]),
    position=st.integers(0, 10**6),
    scale=st.floats(1e-300, 1e300),
)
def test_every_non_finite_entry_is_caught_wherever_it_is(shape, bad, position, scale):
    grad = np.full(shape, scale)
    grad.reshape(-1)[position % grad.size] = bad
    opt = Adam()
    with pytest.raises(NonFiniteGradientError, match=r"^Adam.step: grad must be finite, got NaN or inf .*at step 1"):
        opt.step(np.zeros(shape), grad)
    with pytest.raises(NonFiniteGradientError, match=r"grad\['w'\] must be finite, got NaN or inf"):
        opt.step({"w": np.zeros(shape), "b": np.zeros(2)}, {"w": grad, "b": np.ones(2)})
    assert opt.step_count == 0 and opt.state == {}
    finite = np.full(shape, scale)  # any size, however large, passes (SGD: Adam would square it)
    assert np.isfinite(SGD(lr=0.1).step(np.zeros(shape), finite)).all()


def test_inputs_that_are_not_real_arrays():
    opt = SGD(lr=0.1)
    with pytest.raises(TypeError, match=r"^SGD.step: grad must be an array of real numbers, got 'dtype <U3'"):
        opt.step(np.ones(2), ["1.0", "2.0"])
    with pytest.raises(TypeError, match=r"grad must be an array of real numbers, got 'list'; .*inhomogeneous"):
        opt.step(np.ones(2), [[1.0], [1.0, 2.0]])
    with pytest.raises(TypeError, match=r"theta\['w'\] must be an array of real numbers, got 'dtype complex128'"):
        opt.step({"w": np.ones(2, dtype=complex)}, {"w": np.ones(2)})
    # Integers, booleans, float32 and NumPy scalars are read as float64.
    assert_array_equal(opt.step(np.ones(2, dtype=np.float32), [1, 0]), [0.9, 1.0])
    assert SGD(lr=0.1).step({"b": np.float64(1.0)}, {"b": np.float64(1.0)})["b"].dtype == np.float64


def test_huge_finite_gradients_are_not_mistaken_for_infinite_ones():
    # Their sum overflows to inf, yet every entry is finite: the step must go through.
    grad = np.array([1e308, 1e308, -1e308])
    theta = SGD(lr=1e-310).step(np.zeros(3), grad)
    assert np.isfinite(theta).all()


# -- AdaGrad ---------------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    exponents=st.lists(st.integers(-4, 4), min_size=1, max_size=4),
    signs=st.lists(st.sampled_from([-1.0, 1.0]), min_size=4, max_size=4),
    lr=st.floats(1e-3, 1.0),
)
def test_adagrad_step_decays_like_one_over_sqrt_t_for_a_constant_gradient(exponents, signs, lr):
    # With g constant (powers of two, so G_t = t g^2 is exact), step t is lr g / (sqrt(t) |g| + eps).
    g = np.array([sign * 2.0**e for sign, e in zip(signs, exponents, strict=False)])
    eps = 1e-10
    opt = Adagrad(lr=lr, eps=eps)
    zeros = np.zeros_like(g)
    for t in range(1, 51):
        step = -opt.step(zeros, g)  # the state does not depend on theta, so theta = 0 isolates the step
        assert_allclose(step, lr * g / (np.sqrt(t) * np.abs(g) + eps), rtol=1e-15, atol=0)
        assert_allclose(step * np.sqrt(t), lr * np.sign(g), rtol=1e-8)  # eps / |g| <= 1.6e-9
    assert_array_equal(opt.state["theta"]["G"], 50 * g * g)


def test_adagrad_hand_computed_steps():
    # lr_decay 0.5: eta_1 = 1, eta_2 = 1 / 1.5; G_0 = 1, G_1 = 1 + 9 = 10, G_2 = 10 + 6 = 16 (g_2 = 2 + 0.5 * theta_1)
    opt = Adagrad(lr=1.0, lr_decay=0.5, initial_accumulator_value=1.0, weight_decay=0.5, eps=1e-10)
    theta1 = opt.step(np.array(0.0), np.array(3.0))
    close(theta1, -3.0 / (np.sqrt(10.0) + 1e-10))
    g2 = 2.0 + 0.5 * float(theta1)
    theta2 = opt.step(theta1, np.array(2.0))
    close(theta2, float(theta1) - (1.0 / 1.5) * g2 / (np.sqrt(10.0 + g2**2) + 1e-10))


# -- RMSprop ---------------------------------------------------------------------------------------------


def test_rmsprop_first_step_is_lr_over_sqrt_one_minus_rho():
    for rho in [0.0, 0.5, 0.9, 0.99]:
        step = -RMSprop(lr=0.01, alpha=rho, eps=1e-300).step(np.zeros(3), np.array([1e-3, 2.0, -5e3]))
        assert_allclose(step, 0.01 / np.sqrt(1 - rho) * np.array([1.0, 1.0, -1.0]), rtol=1e-15)


def test_rmsprop_hand_computed_steps_centered_with_momentum():
    rho, lr, beta, eps = 0.5, 0.1, 0.9, 1e-8
    opt = RMSprop(lr=lr, alpha=rho, eps=eps, momentum=beta, centered=True)
    g1, g2 = 2.0, -1.0
    v1, m1 = 0.5 * g1**2, 0.5 * g1  # v_1 = 2, gbar_1 = 1: d_1 = sqrt(2 - 1) + eps
    b1 = g1 / (np.sqrt(v1 - m1**2) + eps)
    theta1 = opt.step(np.array(0.0), np.array(g1))
    close(theta1, -lr * b1)
    v2, m2 = 0.5 * v1 + 0.5 * g2**2, 0.5 * m1 + 0.5 * g2  # v_2 = 1.5, gbar_2 = 0
    b2 = beta * b1 + g2 / (np.sqrt(v2 - m2**2) + eps)
    theta2 = opt.step(theta1, np.array(g2))
    close(theta2, float(theta1) - lr * b2)
    close(opt.state["theta"]["g_bar"], m2)
    close(opt.state["theta"]["v"], v2)


# -- Adam, AMSGrad, AdamW --------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    g=arrays(np.float64, st.integers(1, 6), elements=st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3)),
    lr=st.floats(1e-4, 1.0),
    beta1=st.floats(0.0, 0.999),
    beta2=st.floats(0.0, 0.9999),
)
def test_adam_first_step_has_size_lr_in_every_coordinate(g, lr, beta1, beta2):
    # Bias correction: m_1 / (1 - beta1) = g and v_1 / (1 - beta2) = g^2, so the step is lr g / (|g| + eps).
    eps = 1e-8
    step = -Adam(lr=lr, betas=(beta1, beta2), eps=eps).step(np.zeros_like(g), g)
    assert_allclose(step, lr * g / (np.abs(g) + eps), rtol=1e-13)
    assert_allclose(np.abs(step), lr, rtol=1e-5)  # eps / |g| <= 1e-5


def test_adam_without_bias_correction_would_take_a_much_smaller_first_step():
    # The source's Adam: m_1 / (sqrt(v_1) + eps) = 0.1 g / (sqrt(0.001) |g|) = 3.16 lr; with the correction: lr.
    g = np.array([0.5, -2.0])
    step = -Adam(lr=0.01).step(np.zeros(2), g)
    uncorrected = 0.01 * (0.1 * g) / (np.sqrt(0.001 * g * g) + 1e-8)
    assert_allclose(np.abs(step), 0.01, rtol=1e-7)
    assert_allclose(np.abs(uncorrected), 0.01 * 0.1 / np.sqrt(0.001), rtol=1e-5)


def test_adam_hand_computed_second_step():
    b1, b2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    g1, g2 = 1.0, -3.0
    opt = Adam(lr=lr, betas=(b1, b2), eps=eps)
    theta1 = opt.step(np.array(0.0), np.array(g1))
    theta2 = opt.step(theta1, np.array(g2))
    m2 = b1 * (1 - b1) * g1 + (1 - b1) * g2
    v2 = b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
    m_hat, v_hat = m2 / (1 - b1**2), v2 / (1 - b2**2)
    close(theta2, float(theta1) - lr * m_hat / (np.sqrt(v_hat) + eps))
    close(opt.state["theta"]["m"], m2)
    close(opt.state["theta"]["v"], v2)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scales=st.lists(st.floats(1e-3, 1e3), min_size=2, max_size=12))
def test_amsgrad_keeps_the_running_maximum_of_v(seed, scales):
    rng = np.random.default_rng(seed)
    opt = Adam(lr=0.01, amsgrad=True)
    theta = np.zeros(3)
    largest = np.zeros(3)
    for scale in scales:
        theta = opt.step(theta, scale * rng.normal(size=3))
        largest = np.maximum(largest, opt.state["theta"]["v"])
        assert_array_equal(opt.state["theta"]["v_max"], largest)


def test_amsgrad_steps_no_larger_than_adam_after_a_burst_of_large_gradients():
    # Same gradients, so the same m_t; AMSGrad divides by sqrt of max(v) >= sqrt(v), so its steps are no larger.
    gradients = [np.array(100.0)] * 3 + [np.array(0.01)] * 20
    adam, ams = Adam(lr=0.1, betas=(0.9, 0.9)), Adam(lr=0.1, betas=(0.9, 0.9), amsgrad=True)
    theta_adam = theta_ams = np.array(0.0)
    for g in gradients:
        new_adam, new_ams = adam.step(theta_adam, g), ams.step(theta_ams, g)
        step_adam, step_ams = abs(float(new_adam - theta_adam)), abs(float(new_ams - theta_ams))
        assert step_ams <= step_adam * (1 + 1e-12)
        theta_adam, theta_ams = new_adam, new_ams
    # Once v has decayed after the burst, Adam's steps grow back; AMSGrad's stay small.
    assert step_ams < 0.5 * step_adam


def test_adamw_decays_the_parameters_and_adam_adds_the_decay_to_the_gradient():
    theta = np.array([2.0, -4.0])
    # AdamW: theta * (1 - lr * lambda), then an Adam step on g = 0, which is 0.
    assert_array_equal(AdamW(lr=0.1, weight_decay=0.5).step(theta, np.zeros(2)), theta * (1 - 0.1 * 0.5))
    # Adam: g = lambda * theta goes through the normalization, so the first step is lr per coordinate.
    expected = theta - 0.1 * np.sign(theta)  # to within eps / |g| = 1e-8 / |lambda theta|
    assert_allclose(Adam(lr=0.1, weight_decay=0.5).step(theta, np.zeros(2)), expected, rtol=1e-9)


def test_adamw_without_weight_decay_is_adam():
    rng = np.random.default_rng(3)
    adam, adamw = Adam(lr=0.05, amsgrad=True), AdamW(lr=0.05, amsgrad=True, weight_decay=0.0)
    theta_adam = theta_adamw = rng.normal(size=4)
    for _ in range(10):
        g = rng.normal(size=4)
        theta_adam, theta_adamw = adam.step(theta_adam, g), adamw.step(theta_adamw, g)
    assert_array_equal(theta_adam, theta_adamw)


@pytest.mark.parametrize("cls", [Adagrad, RMSprop, Adam, AdamW])
def test_maximize_is_minimizing_the_negated_gradient(cls):
    rng = np.random.default_rng(4)
    gradients = [rng.normal(size=3) for _ in range(6)]
    up, down = cls(maximize=True, weight_decay=0.0), cls(weight_decay=0.0)
    theta_up = theta_down = np.ones(3)
    for g in gradients:
        theta_up, theta_down = up.step(theta_up, g), down.step(theta_down, -g)
    assert_array_equal(theta_up, theta_down)


# -- validation of the adaptive optimizers ---------------------------------------------------------------


@pytest.mark.parametrize("cls", [SGD, Adagrad, RMSprop, Adam, AdamW])
@pytest.mark.parametrize("lr", [0, -0.1, np.nan, np.inf, -np.inf])
def test_invalid_learning_rate_for_every_optimizer(cls, lr):
    with pytest.raises(ValueError, match=rf"^{cls.__name__}: lr must be a real number in \(0, inf\), got .*; "
                                         "lr is the learning rate; typical values are 1e-3 to 1e-1"):
        cls(lr=lr)
    opt = cls(lr=0.1)
    opt.lr = lr
    with pytest.raises(ValueError, match=r"lr must be a real number in \(0, inf\), got .*; lr is the learning rate"):
        opt.step(np.ones(2), np.ones(2))
    assert opt.step_count == 0


BETAS = r"betas must be a pair, each a real number in \[0, 1\), got "
NON_NEGATIVE = r"must be a real number in \[0, inf\), got "
POSITIVE = r"must be a real number in \(0, inf\), got "
INVALID = [
    (Adam, {"betas": (1.0, 0.999)}, ValueError, BETAS + r"\(1.0, 0.999\); betas is \(beta1, beta2\)"),
    (Adam, {"betas": (-0.1, 0.999)}, ValueError, BETAS + r"\(-0.1, 0.999\)"),
    (Adam, {"betas": (0.9, 1.5)}, ValueError, BETAS + r"\(0.9, 1.5\)"),
    (AdamW, {"betas": (0.9, np.nan)}, ValueError, BETAS + r"\(0.9, nan\)"),
    (Adam, {"betas": 0.9}, TypeError, BETAS + "0.9"),
    (AdamW, {"betas": (0.9, 0.99, 0.999)}, TypeError, BETAS + r"\(0.9, 0.99, 0.999\)"),
    (Adam, {"betas": ("0.9", 0.999)}, TypeError, BETAS + r"\('0.9', 0.999\)"),
    (Adam, {"eps": 0.0}, ValueError, r"^Adam: eps " + POSITIVE + "0$"),
    (AdamW, {"eps": -1e-8}, ValueError, "eps " + POSITIVE + "-1e-08"),
    (Adagrad, {"eps": 0}, ValueError, "eps " + POSITIVE + "0"),
    (RMSprop, {"eps": -1.0}, ValueError, "eps " + POSITIVE + "-1"),
    (RMSprop, {"eps": np.inf}, ValueError, "eps " + POSITIVE + "inf"),
    (RMSprop, {"alpha": 1.0}, ValueError, r"alpha must be a real number in \[0, 1\), got 1$"),
    (RMSprop, {"alpha": -0.5}, ValueError, r"alpha must be a real number in \[0, 1\), got -0.5"),
    (RMSprop, {"momentum": -0.9}, ValueError, "momentum " + NON_NEGATIVE + "-0.9"),
    (RMSprop, {"weight_decay": -1.0}, ValueError, "weight_decay " + NON_NEGATIVE + "-1"),
    (Adagrad, {"weight_decay": -1.0}, ValueError, "weight_decay " + NON_NEGATIVE + "-1"),
    (Adam, {"weight_decay": -1.0}, ValueError, "weight_decay " + NON_NEGATIVE + "-1"),
    (AdamW, {"weight_decay": -0.01}, ValueError, "weight_decay " + NON_NEGATIVE + "-0.01"),
    (Adagrad, {"lr_decay": -0.1}, ValueError, "lr_decay " + NON_NEGATIVE + "-0.1"),
    (Adagrad, {"initial_accumulator_value": -1.0}, ValueError, "initial_accumulator_value " + NON_NEGATIVE + "-1"),
    (Adagrad, {"lr_decay": np.nan}, ValueError, "lr_decay " + NON_NEGATIVE + "nan"),
    (Adam, {"amsgrad": "yes"}, TypeError, r"^Adam: amsgrad must be True or False, got 'yes'$"),
    (AdamW, {"maximize": 1}, TypeError, r"maximize must be True or False, got 1"),
    (RMSprop, {"centered": None}, TypeError, r"centered must be True or False, got None"),
    (Adagrad, {"maximize": "no"}, TypeError, r"maximize must be True or False, got 'no'"),
    (RMSprop, {"lr": "0.01"}, TypeError, "lr " + POSITIVE + r"'0.01'; lr is the learning rate"),
]


@pytest.mark.parametrize(("cls", "config", "error", "message"), INVALID)
def test_invalid_hyperparameters_of_the_adaptive_optimizers(cls, config, error, message):
    with pytest.raises(error, match=message):
        cls(**config)


def test_betas_may_be_given_as_a_list_and_are_kept_as_a_tuple():
    assert Adam(betas=[0.5, 0.9]).betas == (0.5, 0.9)


@pytest.mark.parametrize("cls", [Adagrad, RMSprop, Adam, AdamW])
def test_shape_keys_and_nan_checks_apply_to_every_optimizer(cls):
    opt = cls()
    with pytest.raises(ValueError, match=r"grad must have the shape of theta, \(3,\), got shape \(3, 1\)"):
        opt.step(np.ones(3), np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"grad must have the keys of theta"):
        opt.step({"w": np.ones(2), "b": np.ones(1)}, {"w": np.ones(2)})
    with pytest.raises(NonFiniteGradientError, match=r"grad must be finite, got NaN or inf .*at step 1"):
        opt.step(np.ones(2), np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match=r"grad must be an array of real numbers, got 'dtype complex128'"):
        opt.step(np.ones(2), np.array([1.0, 1j]))
    assert opt.step_count == 0 and opt.state == {}
    opt.step(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="structure of the earlier steps"):
        opt.step(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="structure of the earlier steps"):
        opt.step({"theta": np.ones(2)}, {"theta": np.ones(2)})
