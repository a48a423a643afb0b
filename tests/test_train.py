"""Unit tests of lib.train: histories, stopping rules, divergence, callbacks, schedules, checkpoint/resume."""

import math
import os
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from lib.losses import L1
from lib.optim import SGD, Adam, DivergenceError
from lib.schedules import CosineAnnealingLR, ExponentialLR, StepLR, with_linear_warmup
from lib.testfns import LeastSquares, Quadratic, Rosenbrock
from lib.train import MiniBatches, TrainResult, TrainState, train

PROPERTY = settings(max_examples=25, deadline=None)


def regression_problem(n_samples=23, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n_samples), rng.normal(size=(n_samples, 2))])
    y = X @ np.array([0.5, -1.0, 2.0]) + 0.1 * rng.normal(size=n_samples)
    return LeastSquares(X, y)


QUADRATIC = Quadratic(np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, -1.0]))


# -- full batch ------------------------------------------------------------------------------------------


def test_full_batch_is_gradient_descent_with_every_iterate_recorded():
    lr, steps = 0.2, 15
    result = train(QUADRATIC.loss_and_grad, np.array([2.0, -1.0]), SGD(lr=lr), steps=steps, record_trajectory=True)
    theta = np.array([2.0, -1.0])
    iterates = [theta]
    for _ in range(steps):
        theta = theta - lr * (QUADRATIC.A @ theta - QUADRATIC.b)
        iterates.append(theta)
    assert isinstance(result, TrainResult)
    assert (result.steps, result.epochs, result.stop_reason) == (steps, steps, "max_steps")
    assert_allclose(result.theta, iterates[-1], rtol=1e-15, atol=1e-15)
    assert_allclose(result.trajectory, np.array(iterates), rtol=1e-15, atol=1e-15)
    assert_allclose(result.loss_history, [QUADRATIC.value(t) for t in iterates], rtol=1e-14)
    assert_allclose(result.grad_norm_history, [np.linalg.norm(QUADRATIC.grad(t)) for t in iterates], rtol=1e-14)
    assert_array_equal(result.lr_history, np.full(steps, lr))
    assert_array_equal(result.epoch_loss_history, result.loss_history[1:])
    assert result.elapsed >= 0
    assert "elapsed" not in repr(result) and "stop_reason='max_steps'" in repr(result)


def test_theta0_is_not_modified_and_objective_objects_are_accepted():
    theta0 = np.array([1.0, 1.0])
    by_method = train(QUADRATIC.loss_and_grad, theta0, SGD(lr=0.1), steps=5)
    by_object = train(QUADRATIC, theta0, SGD(lr=0.1), steps=5)
    assert_array_equal(theta0, [1.0, 1.0])
    assert_array_equal(by_method.theta, by_object.theta)


def test_dict_parameters():
    problem = regression_problem()

    def loss_and_grad(theta):
        coef = np.concatenate([theta["b"], theta["w"]])
        loss, grad = problem.loss_and_grad(coef)
        return loss, {"b": grad[:1], "w": grad[1:]}

    theta0 = {"w": np.zeros(2), "b": np.zeros(1)}
    result = train(loss_and_grad, theta0, SGD(lr=0.2), steps=30, record_trajectory=True)
    plain = train(problem.loss_and_grad, np.zeros(3), SGD(lr=0.2), steps=30)
    assert_allclose(np.concatenate([result.theta["b"], result.theta["w"]]), plain.theta, rtol=1e-13)
    assert_allclose(result.grad_norm_history, plain.grad_norm_history, rtol=1e-12)
    assert result.trajectory["w"].shape == (31, 2) and result.trajectory["b"].shape == (31, 1)


@given(kappa=st.floats(1.0, 100.0), fraction=st.floats(0.05, 0.99), seed=st.integers(0, 1000))
@PROPERTY
def test_gradient_descent_below_two_over_l_decreases_a_convex_quadratic_every_step(kappa, fraction, seed):
    problem = Quadratic.with_condition_number(kappa, dim=3, seed=seed, minimizer=[1.0, -1.0, 0.5])
    result = train(problem, np.array([-2.0, 3.0, 1.0]), SGD(lr=fraction * 2.0 / problem.L), steps=40)
    # Strictly lower until the minimum is reached; there the loss can only wobble by rounding.
    rounding = 8 * np.finfo(np.float64).eps * np.abs(result.loss_history).max()
    assert (np.diff(result.loss_history) <= rounding).all()
    assert result.loss_history[1] < result.loss_history[0]


# -- stopping rules --------------------------------------------------------------------------------------


def test_grad_tol_stops_at_the_first_small_gradient():
    result = train(QUADRATIC, np.array([2.0, -1.0]), SGD(lr=0.2), steps=10_000, grad_tol=1e-6)
    assert result.stop_reason == "grad_tol" and result.converged
    assert result.grad_norm_history[-1] <= 1e-6 < result.grad_norm_history[-2]
    assert result.steps == len(result.loss_history) - 1 < 10_000
    assert_allclose(result.theta, QUADRATIC.minimizers[0], atol=1e-5)


def test_grad_tol_at_the_minimum_takes_no_step():
    result = train(QUADRATIC, QUADRATIC.minimizers[0], SGD(lr=0.2), steps=10, grad_tol=1e-12)
    assert (result.steps, result.stop_reason) == (0, "grad_tol")


def test_loss_tol_stops_when_the_relative_change_is_small():
    problem = regression_problem()  # noisy data: the minimum is above 0, so relative changes do shrink
    result = train(problem, np.zeros(3), SGD(lr=0.01), steps=100_000, loss_tol=1e-6)
    assert result.stop_reason == "loss_tol" and result.converged
    previous, last = result.loss_history[-2:]
    assert abs(last - previous) <= 1e-6 * abs(previous)
    changes = np.abs(np.diff(result.loss_history[:-1])) / np.abs(result.loss_history[:-2])
    assert (changes > 1e-6).all()
    assert result.loss_history[-1] == pytest.approx(problem.minimum, rel=1e-3)


def test_relative_loss_change_does_not_shrink_when_the_minimum_is_zero():
    # Linear convergence to a minimum of 0: J_t ~ r^t J_0, so the relative change tends to 1 - r, not to 0.
    result = train(Rosenbrock(), np.array([-1.0, 1.0]), SGD(lr=1e-3), steps=20_000, loss_tol=1e-4)
    assert result.stop_reason == "max_steps"
    assert result.loss_history[-1] < 1e-6


def test_epochs_budget_in_full_batch_mode():
    result = train(QUADRATIC, np.ones(2), SGD(lr=0.1), epochs=7, steps=100)
    assert (result.steps, result.epochs, result.stop_reason) == (7, 7, "max_epochs")
    result = train(QUADRATIC, np.ones(2), SGD(lr=0.1), epochs=7, steps=4)
    assert (result.steps, result.stop_reason) == (4, "max_steps")


# -- divergence ------------------------------------------------------------------------------------------


def test_divergence_names_the_step_the_loss_and_the_bound():
    problem = Quadratic.with_condition_number(10.0, rotate=False)
    with pytest.raises(DivergenceError) as caught:
        train(problem.loss_and_grad, np.array([1.0, 1.0]), SGD(lr=0.25), steps=500)
    message = str(caught.value)
    # lr = 0.25 > 2/L = 0.2: the second coordinate is multiplied by 1 - 0.25 * 10 = -1.5 each step, so the
    # loss 5 * 1.5^(2t) + (0.75^(2t))/2 first exceeds J_0 + 1e4 * J_0 = 5.5 * 10001 at t = 12.
    assert "at step 12" in message
    assert f"{0.5 * 0.75**24 + 5 * 1.5**24:.6g}" in message
    assert "lr = 0.25" in message and "lower learning rate" in message
    assert "L = 10" in message and "lr < 2/L = 0.2" in message


def test_divergence_without_a_known_l_gives_the_general_advice():
    def loss_and_grad(theta):
        return QUADRATIC.loss_and_grad(theta)

    with pytest.raises(DivergenceError, match=r"lr < 2/L; features .* standardize"):
        train(loss_and_grad, np.ones(2), SGD(lr=2.0), steps=200)


def test_non_finite_loss_stops_the_run():
    def loss_and_grad(theta):
        loss = math.inf if theta[0] < 0.5 else float(theta @ theta)
        return loss, 2 * theta

    with pytest.raises(DivergenceError, match="at step 4: the loss is NaN or infinite"):
        train(loss_and_grad, np.array([1.0]), SGD(lr=0.1), steps=10, divergence_factor=math.inf)


def test_non_finite_start_is_a_value_error():
    with pytest.raises(ValueError, match="starting parameters"):
        train(lambda theta: (math.nan, theta), np.ones(2), SGD(lr=0.1), steps=3)


def test_divergence_factor_can_switch_the_growth_check_off():
    problem = Quadratic.with_condition_number(10.0, rotate=False)
    result = train(problem, np.array([1.0, 1.0]), SGD(lr=0.25), steps=20, divergence_factor=math.inf)
    assert result.steps == 20 and result.loss_history[-1] > 1e4 * result.loss_history[0]


def test_minibatch_divergence():
    problem = regression_problem()
    bound = f"lr < 2/L = {2 / problem.L:.6g}"
    with pytest.raises(DivergenceError, match=r"in epoch 1 \(step 5\): the loss rose") as caught:
        train(problem, np.zeros(3), SGD(lr=3.0), epochs=50, batches=MiniBatches(23, 5, seed=0),
              epoch_loss=problem.value)
    assert bound in str(caught.value) and "mini-batches need a smaller one" in str(caught.value)
    with np.errstate(all="ignore"), pytest.raises(DivergenceError, match=r"\(epoch \d+\), before the step: the"):
        train(problem, np.zeros(3), SGD(lr=3.0), epochs=500, batches=MiniBatches(23, 5, seed=0),
              divergence_factor=math.inf)


# -- callbacks -------------------------------------------------------------------------------------------


def test_callbacks_see_each_step_and_can_stop_the_run():
    seen = []

    def watch(state):
        seen.append(state)

    def stop_after_five(state):
        return state.step == 5

    result = train(QUADRATIC, np.ones(2), SGD(lr=0.1), steps=100, callbacks=[watch, stop_after_five])
    assert (result.steps, result.stop_reason) == (5, "callback")
    assert [state.step for state in seen] == [1, 2, 3, 4, 5]
    assert all(isinstance(state, TrainState) and state.end_of_epoch for state in seen)
    assert [state.loss for state in seen] == result.loss_history[1:].tolist()
    assert [state.epoch_loss for state in seen] == result.loss_history[1:].tolist()
    assert_array_equal(seen[-1].theta, result.theta)
    assert seen[0].lr == 0.1


def test_callbacks_in_minibatch_mode_mark_the_end_of_each_epoch():
    problem = regression_problem()
    states = []
    train(problem, np.zeros(3), SGD(lr=0.05), epochs=2, batches=MiniBatches(23, 10, seed=1), callbacks=states.append)
    assert [state.step for state in states] == [1, 2, 3, 4, 5, 6]
    assert [state.end_of_epoch for state in states] == [False, False, True] * 2
    assert [state.epoch for state in states] == [0, 0, 1, 1, 1, 2]
    assert states[0].epoch_loss is None and states[2].epoch_loss is not None


# -- mini-batches ----------------------------------------------------------------------------------------


def test_minibatch_histories_and_epoch_losses():
    problem = regression_problem()
    batches = MiniBatches(23, 10, seed=4)
    result = train(problem, np.zeros(3), SGD(lr=0.05), epochs=3, batches=batches, record_trajectory=True)
    assert (result.steps, result.epochs, result.stop_reason) == (9, 3, "max_epochs")
    assert len(result.loss_history) == len(result.grad_norm_history) == len(result.lr_history) == 9
    assert result.trajectory.shape == (10, 3)
    # Replay by hand: the loss of each batch at the parameters before the step.
    theta = np.zeros(3)
    losses = []
    for epoch in range(3):
        for batch in batches(epoch):
            loss, grad = problem.loss_and_grad(theta, batch)
            losses.append(loss)
            theta = theta - 0.05 * grad
    assert_allclose(result.loss_history, losses, rtol=1e-14)
    assert_allclose(result.theta, theta, rtol=1e-14)
    # The default epoch loss: the epoch's batch losses (sizes 10, 10, 3) averaged with weights.
    expected = [np.average(losses[3 * e : 3 * e + 3], weights=[10, 10, 3]) for e in range(3)]
    assert_allclose(result.epoch_loss_history, expected, rtol=1e-14)


def test_minibatch_epoch_loss_function_and_steps_budget():
    problem = regression_problem()
    result = train(problem, np.zeros(3), SGD(lr=0.05), steps=7, batches=MiniBatches(23, 10, seed=4),
                   epoch_loss=problem.value, record_trajectory=True)
    assert (result.steps, result.epochs, result.stop_reason) == (7, 2, "max_steps")
    after_each_epoch = [problem.value(result.trajectory[3]), problem.value(result.trajectory[6])]  # 3 batches an epoch
    assert_allclose(result.epoch_loss_history, after_each_epoch)


def test_minibatches_depend_only_on_seed_and_epoch():
    batches = MiniBatches(10, 4, seed=7)
    first = [batch.tolist() for batch in batches(0)]
    assert [len(batch) for batch in first] == [4, 4, 2]
    assert sorted(sum(first, [])) == list(range(10))
    assert [batch.tolist() for batch in batches(0)] == first
    assert [batch.tolist() for batch in MiniBatches(10, 4, seed=7)(0)] == first
    assert [batch.tolist() for batch in batches(1)] != first
    ordered = MiniBatches(10, 4, seed=None, shuffle=False, drop_last=True)
    assert [batch.tolist() for batch in ordered(3)] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_sgd_on_least_squares_reaches_the_minimizer():
    problem = regression_problem(n_samples=40)
    result = train(problem, np.zeros(3), SGD(lr=0.05, momentum=0.5), epochs=200,
                   batches=MiniBatches(40, 8, seed=0), epoch_loss=problem.value)
    assert result.epoch_loss_history[-1] < problem.minimum * 1.01
    assert_allclose(result.theta, problem.minimizers[0], atol=0.02)


# -- schedules and prox ----------------------------------------------------------------------------------


def test_schedule_per_step_sets_each_step_learning_rate():
    opt = SGD(lr=0.1)
    schedule = CosineAnnealingLR(opt, T_max=20, eta_min=0.01)
    result = train(QUADRATIC, np.ones(2), opt, steps=20, schedule=schedule)
    assert_array_equal(result.lr_history, [schedule.lr_at(t) for t in range(20)])
    assert schedule.last_epoch == 20 and opt.lr == 0.01


def test_schedule_per_epoch_keeps_the_rate_within_an_epoch():
    problem = regression_problem()
    opt = SGD(lr=0.1)
    schedule = StepLR(opt, step_size=1, gamma=0.5)
    result = train(problem, np.zeros(3), opt, epochs=3, batches=MiniBatches(23, 10, seed=0), schedule=schedule,
                   schedule_interval="epoch")
    assert_array_equal(result.lr_history, [0.1] * 3 + [0.05] * 3 + [0.025] * 3)


def test_schedule_reaching_zero_gets_a_clear_error():
    opt = SGD(lr=0.1)
    schedule = CosineAnnealingLR(opt, T_max=5)
    with pytest.raises(ValueError, match=r"learning rate to 0.0 for step 6.*T_max >= steps.*eta_min > 0"):
        train(QUADRATIC, np.ones(2), opt, steps=10, schedule=schedule)


def test_prox_makes_proximal_gradient_descent():
    penalty = L1(alpha=0.5)
    problem = regression_problem()
    result = train(problem, np.zeros(3), SGD(lr=0.1), steps=30, prox=penalty.prox)
    theta = np.zeros(3)
    for _ in range(30):
        theta = penalty.prox(theta - 0.1 * problem.grad(theta), 0.1)
    assert_allclose(result.theta, theta, rtol=1e-14)


# -- checkpoints and resuming ----------------------------------------------------------------------------


def make_run(kind, optimizer_name, with_schedule):
    """Arguments of one run: the objective, theta0, a fresh optimizer, and keyword arguments."""
    problem = regression_problem(n_samples=17)
    optimizer = Adam(lr=0.05) if optimizer_name == "adam" else SGD(lr=0.05, momentum=0.9, nesterov=True)
    keywords = {"record_trajectory": True}
    if with_schedule:
        keywords["schedule"] = with_linear_warmup(ExponentialLR(optimizer, gamma=0.95), warmup_iters=3)
    if kind == "minibatch":
        keywords.update(epochs=6, batches=MiniBatches(17, 5, seed=11))
    else:
        keywords.update(steps=24)
    return problem.loss_and_grad, np.zeros(3), optimizer, keywords


def assert_same_run(resumed, uninterrupted):
    assert_array_equal(resumed.theta, uninterrupted.theta)
    for name in ("loss_history", "grad_norm_history", "lr_history", "epoch_loss_history", "trajectory"):
        assert_array_equal(getattr(resumed, name), getattr(uninterrupted, name), err_msg=name)
    assert (resumed.steps, resumed.epochs, resumed.stop_reason) == (
        uninterrupted.steps, uninterrupted.epochs, uninterrupted.stop_reason
    )


@given(kind=st.sampled_from(["full", "minibatch"]), optimizer_name=st.sampled_from(["sgd", "adam"]),
       with_schedule=st.booleans(), stop_at=st.integers(1, 23))
@PROPERTY
def test_resumed_run_ends_bit_for_bit_like_an_uninterrupted_one(kind, optimizer_name, with_schedule, stop_at):
    objective, theta0, optimizer, keywords = make_run(kind, optimizer_name, with_schedule)
    uninterrupted = train(objective, theta0, optimizer, **keywords)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "run.npz")
        objective, theta0, optimizer, keywords = make_run(kind, optimizer_name, with_schedule)
        first = train(objective, theta0, optimizer, **{**keywords, "steps": stop_at}, checkpoint=path)
        assert first.steps == stop_at and first.stop_reason == "max_steps"
        objective, theta0, optimizer, keywords = make_run(kind, optimizer_name, with_schedule)
        resumed = train(objective, theta0, optimizer, **keywords, resume_from=path)
    assert_same_run(resumed, uninterrupted)


def test_periodic_checkpoint_resumes_exactly(tmp_path):
    path = tmp_path / "every.npz"
    objective, theta0, optimizer, keywords = make_run("minibatch", "adam", True)
    uninterrupted = train(objective, theta0, optimizer, **keywords)
    calls = []

    def crash_at_step_14(state):
        calls.append(state.step)
        if state.step == 14:
            raise KeyboardInterrupt  # the run dies between two checkpoints

    objective, theta0, optimizer, keywords = make_run("minibatch", "adam", True)
    with pytest.raises(KeyboardInterrupt):
        train(objective, theta0, optimizer, **keywords, callbacks=crash_at_step_14, checkpoint=path,
              checkpoint_every=5)
    with np.load(path, allow_pickle=False) as saved:
        assert int(saved["step"]) == 10  # the last checkpoint written before the crash
        assert int(saved["epoch"]) == 2 and int(saved["batch_in_epoch"]) == 2  # 4 batches an epoch
    objective, theta0, optimizer, keywords = make_run("minibatch", "adam", True)
    resumed = train(objective, theta0, optimizer, **keywords, resume_from=path)
    assert_same_run(resumed, uninterrupted)


def test_checkpoint_holds_plain_arrays(tmp_path):
    path = tmp_path / "plain.npz"
    objective, theta0, optimizer, keywords = make_run("minibatch", "adam", True)
    train(objective, theta0, optimizer, **keywords, checkpoint=path)
    with np.load(path, allow_pickle=False) as saved:
        for key in saved.files:
            assert saved[key].dtype.kind in "biufU", key  # booleans, integers, floats, strings; no objects
        assert "optimizer/state/theta/m" in saved.files
        assert "schedule/last_epoch" in saved.files and "batches/seed" in saved.files
        assert int(saved["step"]) == 24 and saved["trajectory"].shape == (25, 3)
    assert not os.path.exists(f"{path}.tmp")


def test_resuming_a_finished_run_with_a_larger_budget_continues_it(tmp_path):
    path = tmp_path / "more.npz"
    whole = train(QUADRATIC, np.ones(2), SGD(lr=0.1, momentum=0.9), steps=30)
    train(QUADRATIC, np.ones(2), SGD(lr=0.1, momentum=0.9), steps=12, checkpoint=path)
    more = train(QUADRATIC, np.ones(2), SGD(lr=0.1, momentum=0.9), steps=30, resume_from=path)
    assert_array_equal(more.theta, whole.theta)
    assert_array_equal(more.loss_history, whole.loss_history)


def test_resume_refuses_a_checkpoint_of_another_run(tmp_path):
    path = tmp_path / "other.npz"
    problem = regression_problem()
    train(problem, np.zeros(3), SGD(lr=0.05), steps=4, batches=MiniBatches(23, 5, seed=0), checkpoint=path)
    with pytest.raises(ValueError, match="parameters"):
        train(problem, np.zeros(4), SGD(lr=0.05), epochs=2, batches=MiniBatches(23, 5, seed=0), resume_from=path)
    with pytest.raises(ValueError, match="other mini-batches"):
        train(problem, np.zeros(3), SGD(lr=0.05), epochs=2, batches=MiniBatches(23, 5, seed=1), resume_from=path)
    with pytest.raises(ValueError, match="minibatch run, but this run is full"):
        train(problem, np.zeros(3), SGD(lr=0.05), steps=9, resume_from=path)
    opt = SGD(lr=0.05)
    with pytest.raises(ValueError, match="not made with a schedule"):
        train(problem, np.zeros(3), opt, epochs=2, batches=MiniBatches(23, 5, seed=0), resume_from=path,
              schedule=StepLR(opt, step_size=2))
    with pytest.raises(ValueError, match="SGD"):  # lib.optim refuses another optimizer's state
        train(problem, np.zeros(3), Adam(lr=0.05), epochs=2, batches=MiniBatches(23, 5, seed=0), resume_from=path)
    with pytest.raises(ValueError, match="no trajectory"):
        train(problem, np.zeros(3), SGD(lr=0.05), epochs=2, batches=MiniBatches(23, 5, seed=0), resume_from=path,
              record_trajectory=True)


# -- argument checks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keywords", "error", "match"),
    [
        ({}, ValueError, "steps=<int> or epochs=<int>"),
        ({"steps": 0}, ValueError, "steps must be a positive integer"),
        ({"steps": 2.5}, TypeError, "steps must be a positive integer"),
        ({"steps": 5, "batches": iter([np.arange(3)])}, TypeError, "MiniBatches"),
        ({"epochs": 2, "batches": MiniBatches(3, 2, seed=0), "grad_tol": 1e-3}, ValueError, "full gradient"),
        ({"steps": 5, "epoch_loss": lambda theta: 0.0}, ValueError, "only for mini-batch runs"),
        ({"steps": 5, "schedule_interval": "batch"}, ValueError, "'step' or 'epoch'"),
        ({"steps": 5, "loss_tol": -1.0}, ValueError, "loss_tol must be a finite number >= 0"),
        ({"steps": 5, "divergence_factor": 0.0}, ValueError, "divergence_factor"),
        ({"steps": 5, "checkpoint_every": 2}, ValueError, "needs checkpoint"),
        ({"steps": 5, "callbacks": [print, 3]}, TypeError, "callable"),
        ({"steps": 5, "schedule": StepLR(SGD(lr=0.1), step_size=2)}, ValueError, "another optimizer"),
        ({"steps": 5, "prox": "l1"}, TypeError, "prox"),
        ({"steps": 5, "record_trajectory": "yes"}, TypeError, "record_trajectory"),
    ],
)
def test_bad_arguments_get_clear_errors(keywords, error, match):
    with pytest.raises(error, match=match):
        train(QUADRATIC, np.ones(2), SGD(lr=0.1), **keywords)


def test_bad_objectives_and_parameters_get_clear_errors():
    with pytest.raises(ValueError, match=r"gradient of shape \(2, 1\).*\(n,\) and an \(n, 1\)"):
        train(lambda theta: (0.0, theta[:, None]), np.ones(2), SGD(lr=0.1), steps=2)
    with pytest.raises(TypeError, match="pair"):
        train(lambda theta: 0.0, np.ones(2), SGD(lr=0.1), steps=2)
    with pytest.raises(TypeError, match="scalar loss"):
        train(lambda theta: (theta, theta), np.ones(2), SGD(lr=0.1), steps=2)
    with pytest.raises(TypeError, match="objective must be"):
        train("quadratic", np.ones(2), SGD(lr=0.1), steps=2)
    with pytest.raises(TypeError, match="optimizer"):
        train(QUADRATIC, np.ones(2), "sgd", steps=2)
    with pytest.raises(ValueError, match="theta0 contains NaN"):
        train(QUADRATIC, np.array([np.nan, 1.0]), SGD(lr=0.1), steps=2)
    with pytest.raises(ValueError, match="MiniBatches: seed has no effect"):
        MiniBatches(5, 2, seed=0, shuffle=False)
    with pytest.raises(TypeError, match="never shuffles unseeded"):
        MiniBatches(5, 2, seed=None)
