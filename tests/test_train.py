"""Unit tests of lib.train: histories, stopping rules, divergence, callbacks, schedules, checkpoint/resume."""

import math
import os
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from lib.checkpoint import Checkpoint, save_arrays
from lib.data import MiniBatches
from lib.losses import L1
from lib.optim import SGD, Adam, DivergenceError
from lib.schedules import CosineAnnealingLR, ExponentialLR, StepLR, with_linear_warmup
from lib.testfns import LeastSquares, Quadratic, Rosenbrock
from lib.train import (
    EarlyStopping,
    GradientTolerance,
    LossTolerance,
    PerEpoch,
    TrainResult,
    TrainState,
    divergence_message,
    train,
)

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
    rule = GradientTolerance(1e-6)
    result = train(QUADRATIC, np.array([2.0, -1.0]), SGD(lr=0.2), steps=10_000, callbacks=[rule])
    assert result.stop_reason == "grad_tol" and result.converged
    assert rule.last_norm == result.grad_norm_history[-1]
    assert result.grad_norm_history[-1] <= 1e-6 < result.grad_norm_history[-2]
    assert result.steps == len(result.loss_history) - 1 < 10_000
    assert_allclose(result.theta, QUADRATIC.minimizers[0], atol=1e-5)


def test_grad_tol_at_the_minimum_takes_no_step():
    result = train(QUADRATIC, QUADRATIC.minimizers[0], SGD(lr=0.2), steps=10, callbacks=GradientTolerance(1e-12))
    assert (result.steps, result.stop_reason) == (0, "grad_tol")


def test_loss_tol_stops_when_the_relative_change_is_small():
    problem = regression_problem()  # noisy data: the minimum is above 0, so relative changes do shrink
    result = train(problem, np.zeros(3), SGD(lr=0.01), steps=100_000, callbacks=[LossTolerance(1e-6)])
    assert result.stop_reason == "loss_tol" and result.converged
    previous, last = result.loss_history[-2:]
    assert abs(last - previous) <= 1e-6 * abs(previous)
    changes = np.abs(np.diff(result.loss_history[:-1])) / np.abs(result.loss_history[:-2])
    assert (changes > 1e-6).all()
    assert result.loss_history[-1] == pytest.approx(problem.minimum, rel=1e-3)


def test_relative_loss_change_does_not_shrink_when_the_minimum_is_zero():
    # Linear convergence to a minimum of 0: J_t ~ r^t J_0, so the relative change tends to 1 - r, not to 0.
    result = train(Rosenbrock(), np.array([-1.0, 1.0]), SGD(lr=1e-3), steps=20_000, callbacks=[LossTolerance(1e-4)])
    assert result.stop_reason == "max_steps" and not result.converged
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
        train(problem, np.array([1.0, 1.0]), SGD(lr=0.25), steps=500)
    message = str(caught.value)
    # lr = 0.25 > 2/L = 0.2: the second coordinate is multiplied by 1 - 0.25 * 10 = -1.5 each step, so the
    # loss 5 * 1.5^(2t) + (0.75^(2t))/2 first exceeds J_0 + 1e4 * J_0 = 5.5 * 10001 at t = 12.
    assert "at step 12" in message
    assert f"{0.5 * 0.75**24 + 5 * 1.5**24:.6g}" in message
    assert "lr = 0.25" in message and "lower learning rate" in message
    assert "L = 10" in message and "lr < 2/L = 0.2" in message


def test_divergence_without_a_known_l_gives_the_general_advice():
    # A bound method is a function: train reads L only from an objective object.
    with pytest.raises(DivergenceError, match=r"lr < 2/L; features .* standardize"):
        train(QUADRATIC.loss_and_grad, np.ones(2), SGD(lr=2.0), steps=200)


def test_divergence_message_is_written_in_one_place():
    message = divergence_message("at step 3", "the loss is NaN or infinite", math.inf, 2.0, 0.5, smoothness=math.inf)
    assert message.startswith("train: the run diverged at step 3: the loss is NaN or infinite. The loss was inf, "
                               "against 2 at the start, with lr = 0.5.")
    assert "standardize the features" in message and "too large to compute (it overflows)" in message
    unbounded = divergence_message("at step 9", "the loss is NaN or infinite", -math.inf, 0.0, 0.1, smoothness=2.0)
    assert "unbounded below" in unbounded and "2/L" not in unbounded
    scheduled = divergence_message("in epoch 2 (step 8)", "the loss rose", 1e9, None, 0.3, smoothness=4.0,
                                   mini_batch=True, schedule=StepLR(SGD(lr=0.3), step_size=2))
    assert "lr < 2/L = 0.5 (mini-batches need a smaller one). The learning rate came from StepLR" in scheduled
    assert "at the start" not in scheduled


def test_non_finite_loss_stops_the_run():
    def loss_and_grad(theta):
        loss = math.inf if theta[0] < 0.5 else float(theta @ theta)
        return loss, 2 * theta

    with pytest.raises(DivergenceError, match="at step 4: the loss is NaN or infinite"):
        train(loss_and_grad, np.array([1.0]), SGD(lr=0.1), steps=10)


def test_non_finite_start_is_a_value_error():
    with pytest.raises(ValueError, match="starting parameters"):
        train(lambda theta: (math.nan, theta), np.ones(2), SGD(lr=0.1), steps=3)


def test_minibatch_divergence():
    problem = regression_problem()
    bound = f"lr < 2/L = {2 / problem.L:.6g}"
    with pytest.raises(DivergenceError, match=r"in epoch 1 \(step 5\): the loss rose") as caught:
        train(problem, np.zeros(3), SGD(lr=3.0), epochs=50, batches=MiniBatches(23, 5, seed=0))
    assert bound in str(caught.value) and "mini-batches need a smaller one" in str(caught.value)

    def overflowing(theta, batch):  # a batch whose loss overflows, once the parameters have moved
        loss, grad = problem.loss_and_grad(theta, batch)
        return (math.inf if 0 in batch and theta.any() else loss), grad

    with pytest.raises(DivergenceError, match=r"at step \d+ \(epoch [12]\), before the step: the loss is NaN"):
        train(overflowing, np.zeros(3), SGD(lr=0.01), epochs=5, batches=MiniBatches(23, 5, seed=0))


# -- callbacks -------------------------------------------------------------------------------------------


def test_callbacks_see_the_start_and_each_step_and_can_stop_the_run():
    seen = []

    def watch(state):  # the state is one object, updated in place: keep copies of what is needed
        assert isinstance(state, TrainState)
        seen.append((state.step, state.end_of_epoch, state.loss, state.epoch_loss, state.lr, state.theta))

    def stop_after_five(state):
        return state.step == 5

    result = train(QUADRATIC, np.ones(2), SGD(lr=0.1), steps=100, callbacks=[watch, stop_after_five])
    assert (result.steps, result.stop_reason, result.converged) == (5, "callback", False)
    steps, ends, losses, epoch_losses, lrs, thetas = zip(*seen, strict=True)
    assert steps == (0, 1, 2, 3, 4, 5)
    assert ends == (False,) + (True,) * 5
    assert list(losses) == result.loss_history.tolist() == list(epoch_losses)  # J(theta_0), then J(theta_t)
    assert_array_equal(thetas[-1], result.theta)
    assert math.isnan(lrs[0]) and lrs[1:] == (0.1,) * 5


def test_callbacks_in_minibatch_mode_mark_the_end_of_each_epoch():
    problem = regression_problem()
    seen = []

    def watch(state):
        seen.append((state.step, state.end_of_epoch, state.epoch, state.epoch_loss))

    result = train(problem, np.zeros(3), SGD(lr=0.05), epochs=2, batches=MiniBatches(23, 10, seed=1), callbacks=watch)
    steps, ends, epochs, epoch_losses = zip(*seen, strict=True)
    assert steps == (0, 1, 2, 3, 4, 5, 6)
    assert ends == (False,) + (False, False, True) * 2
    assert epochs == (0, 0, 0, 1, 1, 1, 2)
    # The objective has a value method: J(theta_0) at the start, J(theta) after each epoch.
    assert epoch_losses == (problem.value(np.zeros(3)), None, None, result.epoch_loss_history[0], None, None,
                            result.epoch_loss_history[1])


# -- mini-batches ----------------------------------------------------------------------------------------


def test_minibatch_histories_and_epoch_losses():
    problem = regression_problem()
    batches = MiniBatches(23, 10, seed=4)
    # A function, not the problem object: the epoch loss is then the mean of the epoch's batch losses.
    result = train(problem.loss_and_grad, np.zeros(3), SGD(lr=0.05), epochs=3, batches=batches,
                   record_trajectory=True)
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
                   record_trajectory=True)
    assert (result.steps, result.epochs, result.stop_reason) == (7, 2, "max_steps")
    after_each_epoch = [problem.value(result.trajectory[3]), problem.value(result.trajectory[6])]  # 3 batches an epoch
    assert_allclose(result.epoch_loss_history, after_each_epoch)


def test_sgd_on_least_squares_reaches_the_minimizer():
    problem = regression_problem(n_samples=40)
    result = train(problem, np.zeros(3), SGD(lr=0.05, momentum=0.5), epochs=200,
                   batches=MiniBatches(40, 8, seed=0))
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
    result = train(problem, np.zeros(3), opt, epochs=3, batches=MiniBatches(23, 10, seed=0),
                   schedule=PerEpoch(schedule))
    assert_array_equal(result.lr_history, [0.1] * 3 + [0.05] * 3 + [0.025] * 3)


def test_schedule_reaching_zero_gets_a_clear_error():
    opt = SGD(lr=0.1)
    schedule = CosineAnnealingLR(opt, T_max=5)
    with pytest.raises(ValueError, match=r"learning rate to 0.0 for step 6.*T_max >= steps.*eta_min > 0"):
        train(QUADRATIC, np.ones(2), opt, steps=10, schedule=schedule)


class LassoProblem:
    """A composite objective: least squares (its gradient) plus an L1 penalty (its proximal map)."""

    def __init__(self, problem, penalty):
        self.problem, self.penalty = problem, penalty

    def loss_and_grad(self, theta, batch=None):
        loss, grad = self.problem.loss_and_grad(theta, batch)
        return loss + self.penalty.value(theta), grad

    def prox(self, theta, lr):
        return self.penalty.prox(theta, lr)


def test_an_objective_with_prox_makes_proximal_gradient_descent():
    penalty = L1(alpha=0.5)
    problem = regression_problem()
    result = train(LassoProblem(problem, penalty), np.zeros(3), SGD(lr=0.1), steps=30)
    theta = np.zeros(3)
    for _ in range(30):
        theta = penalty.prox(theta - 0.1 * problem.grad(theta), 0.1)
    assert_allclose(result.theta, theta, rtol=1e-14)


# -- early stopping --------------------------------------------------------------------------------------


def overfitting_problem():
    """A degree-7 polynomial fitted to 12 noisy points: the validation loss falls, then rises."""
    rng = np.random.default_rng(3)
    x_fit, x_val = rng.uniform(-1, 1, 12), rng.uniform(-1, 1, 200)

    def features(x):
        return np.vander(x, 8, increasing=True)

    fit = LeastSquares(features(x_fit), np.sin(3 * x_fit) + 0.3 * rng.normal(size=12))
    held_out = LeastSquares(features(x_val), np.sin(3 * x_val) + 0.3 * rng.normal(size=200))
    return fit, held_out


def test_early_stopping_stops_after_patience_epochs_and_restores_the_best():
    fit, held_out = overfitting_problem()
    early = EarlyStopping(held_out.value, patience=20)
    result = train(fit, np.zeros(8), SGD(lr=0.2, momentum=0.9), epochs=5000, callbacks=[early],
                   record_trajectory=True)
    assert result.stop_reason == "early_stopping" and not result.converged
    validation = [held_out.value(theta) for theta in result.trajectory[1:]]
    assert early.history == validation  # one validation loss per epoch (full batch: per step)
    best = int(np.argmin(validation))
    assert early.best_epoch == best + 1 and early.best_loss == validation[best]
    assert result.epochs == early.best_epoch + 20  # 20 epochs without improvement, then stop
    assert min(validation[best + 1:]) >= validation[best]
    assert_array_equal(result.theta, result.trajectory[best + 1])  # the best parameters, not the last
    assert validation[-1] > validation[best]
    # Without restore_best, the run ends with its last parameters; the training loss kept falling.
    last = train(fit, np.zeros(8), SGD(lr=0.2, momentum=0.9), epochs=5000,
                 callbacks=[EarlyStopping(held_out.value, patience=20, restore_best=False)])
    assert_array_equal(last.theta, result.trajectory[-1])
    assert last.loss_history[-1] < fit.value(result.theta)


def test_early_stopping_counts_only_improvements_larger_than_min_delta_and_starts_afresh():
    scripted = [5.0, 4.0, 3.9995, 3.9993, 3.9992, 3.0]

    def validation_loss(theta):  # after epoch e, theta[0] = e - 1: the validation loss is scripted[e - 1]
        return scripted[int(round(theta[0]))]

    def one_per_epoch(theta):  # full batch, gradient -1: with lr = 1 each epoch adds 1 to theta[0]
        return 0.0, np.array([-1.0])

    plain = EarlyStopping(validation_loss, patience=3)
    result = train(one_per_epoch, np.array([-1.0]), SGD(lr=1.0), epochs=6, callbacks=plain)
    assert (result.stop_reason, plain.best_epoch, plain.history) == ("max_epochs", 6, scripted)
    # With min_delta = 1e-3, epochs 3, 4 and 5 improve on 4.0 by less than 1e-3: patience runs out.
    strict = EarlyStopping(validation_loss, patience=3, min_delta=1e-3)
    stopped = train(one_per_epoch, np.array([-1.0]), SGD(lr=1.0), epochs=6, callbacks=strict)
    assert (stopped.stop_reason, stopped.epochs, strict.best_epoch, strict.wait) == ("early_stopping", 5, 2, 3)
    assert_array_equal(stopped.theta, [1.0])  # the parameters after epoch 2, restored
    again = train(one_per_epoch, np.array([-1.0]), SGD(lr=1.0), epochs=6, callbacks=strict)  # starts afresh
    assert again.epochs == 5 and strict.history == scripted[:5]


def test_early_stopping_refuses_bad_arguments():
    with pytest.raises(TypeError, match=r"EarlyStopping: validation_loss must be a function theta -> float, got 3"):
        EarlyStopping(3)
    with pytest.raises(ValueError, match=r"EarlyStopping: patience must be an integer in \[1, inf\), got 0"):
        EarlyStopping(abs, patience=0)
    with pytest.raises(ValueError, match=r"EarlyStopping: min_delta must be a real number in \[0, inf\), got -1"):
        EarlyStopping(abs, min_delta=-1.0)


def test_stopping_rules_refuse_bad_arguments():
    with pytest.raises(ValueError, match=r"LossTolerance: tol must be a real number in \[0, inf\), got -1"):
        LossTolerance(-1.0)
    with pytest.raises(ValueError, match=r"GradientTolerance: tol must be a real number in \[0, inf\), got nan"):
        GradientTolerance(math.nan)


def test_gradient_tolerance_in_a_minibatch_run_measures_the_full_gradient_each_epoch():
    problem = regression_problem(n_samples=40)
    calls = []

    def full_gradient_norm(theta):
        calls.append(theta)
        return float(np.linalg.norm(problem.grad(theta)))

    rule = GradientTolerance(0.05, gradient_norm=full_gradient_norm)
    result = train(problem, np.zeros(3), SGD(lr=0.05), epochs=500, batches=MiniBatches(40, 40, seed=0),
                   callbacks=[rule])
    assert result.stop_reason == "grad_tol" and result.converged
    assert len(calls) == result.epochs + 1  # at the start and after every epoch
    assert rule.last_norm <= 0.05 < full_gradient_norm(np.zeros(3))


# -- checkpoints and resuming ----------------------------------------------------------------------------


def make_run(kind, optimizer_name, with_schedule, early=False):
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
    if early:
        held_out = regression_problem(n_samples=9, seed=5)
        keywords["callbacks"] = [EarlyStopping(held_out.value, patience=1000), LossTolerance(0.0)]
    return problem.loss_and_grad, np.zeros(3), optimizer, keywords


def assert_same_run(resumed, uninterrupted):
    assert_array_equal(resumed.theta, uninterrupted.theta)
    for name in ("loss_history", "grad_norm_history", "lr_history", "epoch_loss_history", "trajectory"):
        assert_array_equal(getattr(resumed, name), getattr(uninterrupted, name), err_msg=name)
    assert (resumed.steps, resumed.epochs, resumed.stop_reason) == (
        uninterrupted.steps, uninterrupted.epochs, uninterrupted.stop_reason
    )


@given(kind=st.sampled_from(["full", "minibatch"]), optimizer_name=st.sampled_from(["sgd", "adam"]),
       with_schedule=st.booleans(), early=st.booleans(), stop_at=st.integers(1, 23))
@PROPERTY
def test_resumed_run_ends_bit_for_bit_like_an_uninterrupted_one(kind, optimizer_name, with_schedule, early, stop_at):
    objective, theta0, optimizer, keywords = make_run(kind, optimizer_name, with_schedule, early)
    uninterrupted = train(objective, theta0, optimizer, **keywords)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "run.npz")
        objective, theta0, optimizer, keywords = make_run(kind, optimizer_name, with_schedule, early)
        first = train(objective, theta0, optimizer, **{**keywords, "steps": stop_at}, checkpoint=Checkpoint(path))
        assert first.steps == stop_at and first.stop_reason == "max_steps"
        objective, theta0, optimizer, keywords = make_run(kind, optimizer_name, with_schedule, early)
        resumed = train(objective, theta0, optimizer, **keywords, checkpoint=Checkpoint(path, resume=True))
    assert_same_run(resumed, uninterrupted)
    if early:
        assert keywords["callbacks"][0].history == uninterrupted_early_history(kind, optimizer_name, with_schedule)


def uninterrupted_early_history(kind, optimizer_name, with_schedule):
    objective, theta0, optimizer, keywords = make_run(kind, optimizer_name, with_schedule, early=True)
    train(objective, theta0, optimizer, **keywords)
    return keywords["callbacks"][0].history


def test_early_stopping_resumed_stops_at_the_same_epoch_with_the_same_best(tmp_path):
    fit, held_out = overfitting_problem()

    def run(**keywords):
        early = EarlyStopping(held_out.value, patience=20)
        result = train(fit, np.zeros(8), SGD(lr=0.2, momentum=0.9), callbacks=[early], **keywords)
        return result, early

    whole, whole_early = run(epochs=5000)
    path = tmp_path / "early.npz"
    stop_at = whole_early.best_epoch + 5  # during the patience count, after the best epoch
    run(epochs=stop_at, checkpoint=Checkpoint(path))
    resumed, resumed_early = run(epochs=5000, checkpoint=Checkpoint(path, resume=True))
    assert resumed.stop_reason == "early_stopping" and resumed.epochs == whole.epochs
    assert_array_equal(resumed.theta, whole.theta)
    assert resumed_early.history == whole_early.history
    assert (resumed_early.best_epoch, resumed_early.wait) == (whole_early.best_epoch, whole_early.wait)


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
        train(objective, theta0, optimizer, **keywords, callbacks=crash_at_step_14,
              checkpoint=Checkpoint(path, every=5))
    with np.load(path, allow_pickle=False) as saved:
        assert int(saved["train/step"]) == 10  # the last checkpoint written before the crash
        assert int(saved["train/epoch"]) == 2 and int(saved["train/batch_in_epoch"]) == 2  # 4 batches an epoch
    objective, theta0, optimizer, keywords = make_run("minibatch", "adam", True)
    resumed = train(objective, theta0, optimizer, **keywords, checkpoint=Checkpoint(path, every=5, resume=True))
    assert_same_run(resumed, uninterrupted)


def test_checkpoint_holds_plain_arrays(tmp_path):
    path = tmp_path / "plain.npz"
    objective, theta0, optimizer, keywords = make_run("minibatch", "adam", True)
    train(objective, theta0, optimizer, **keywords, checkpoint=Checkpoint(path))
    with np.load(path, allow_pickle=False) as saved:
        for key in saved.files:
            assert saved[key].dtype.kind in "biufU", key  # booleans, integers, floats, strings; no objects
        assert "optimizer/state/theta/m" in saved.files
        assert "schedule/last_epoch" in saved.files and "batches/seed" in saved.files
        assert int(saved["train/step"]) == 24 and saved["train/trajectory"].shape == (25, 3)
    assert not os.path.exists(f"{path}.tmp")


def test_resuming_a_finished_run_with_a_larger_budget_continues_it(tmp_path):
    path = tmp_path / "more.npz"
    whole = train(QUADRATIC, np.ones(2), SGD(lr=0.1, momentum=0.9), steps=30)
    train(QUADRATIC, np.ones(2), SGD(lr=0.1, momentum=0.9), steps=12, checkpoint=Checkpoint(path))
    more = train(QUADRATIC, np.ones(2), SGD(lr=0.1, momentum=0.9), steps=30, checkpoint=Checkpoint(path, resume=True))
    assert_array_equal(more.theta, whole.theta)
    assert_array_equal(more.loss_history, whole.loss_history)


def test_resume_refuses_a_checkpoint_of_another_run(tmp_path):
    path = tmp_path / "other.npz"
    problem = regression_problem()
    train(problem, np.zeros(3), SGD(lr=0.05), steps=4, batches=MiniBatches(23, 5, seed=0), checkpoint=Checkpoint(path))
    resume = Checkpoint(path, resume=True)
    with pytest.raises(ValueError, match="parameters"):
        train(problem, np.zeros(4), SGD(lr=0.05), epochs=2, batches=MiniBatches(23, 5, seed=0), checkpoint=resume)
    with pytest.raises(ValueError, match="other mini-batches"):
        train(problem, np.zeros(3), SGD(lr=0.05), epochs=2, batches=MiniBatches(23, 5, seed=1), checkpoint=resume)
    with pytest.raises(ValueError, match="mini-batch run, but this run is a full-batch one"):
        train(problem, np.zeros(3), SGD(lr=0.05), steps=9, checkpoint=resume)
    opt = SGD(lr=0.05)
    with pytest.raises(ValueError, match="made with no schedule, but this run has a schedule stepped per epoch"):
        train(problem, np.zeros(3), opt, epochs=2, batches=MiniBatches(23, 5, seed=0), checkpoint=resume,
              schedule=PerEpoch(StepLR(opt, step_size=2)))
    with pytest.raises(ValueError, match="SGD"):  # lib.optim refuses another optimizer's state
        train(problem, np.zeros(3), Adam(lr=0.05), epochs=2, batches=MiniBatches(23, 5, seed=0), checkpoint=resume)
    with pytest.raises(ValueError, match="no trajectory"):
        train(problem, np.zeros(3), SGD(lr=0.05), epochs=2, batches=MiniBatches(23, 5, seed=0), checkpoint=resume,
              record_trajectory=True)
    with pytest.raises(ValueError, match=r"no state for callbacks\[0\]"):
        train(problem, np.zeros(3), SGD(lr=0.05), epochs=2, batches=MiniBatches(23, 5, seed=0), checkpoint=resume,
              callbacks=[EarlyStopping(problem.value)])
    save_arrays(tmp_path / "arrays.npz", {"theta": np.zeros(3)})
    with pytest.raises(ValueError, match="holds no training run .* not written by lib.train.train"):
        train(problem, np.zeros(3), SGD(lr=0.05), steps=9, checkpoint=Checkpoint(tmp_path / "arrays.npz", resume=True))
    with pytest.raises(FileNotFoundError, match="path must be an existing checkpoint file"):
        train(problem, np.zeros(3), SGD(lr=0.05), steps=9, checkpoint=Checkpoint(tmp_path / "none.npz", resume=True))


# -- argument checks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keywords", "error", "match"),
    [
        ({}, ValueError, "steps or epochs must be a positive integer, got neither"),
        ({"steps": 0}, ValueError, r"train: steps must be an integer in \[1, inf\) or None, got 0"),
        ({"steps": 2.5}, TypeError, r"train: steps must be an integer in \[1, inf\) or None, got 2.5"),
        ({"steps": 5, "batches": iter([np.arange(3)])}, TypeError,
         r"batches must be a function epoch -> index arrays, such as MiniBatches.*lasts one epoch only"),
        ({"epochs": 2, "batches": MiniBatches(3, 2, seed=0), "callbacks": GradientTolerance(1e-3)}, ValueError,
         "GradientTolerance: gradient_norm must be a function .* for a mini-batch run, got None"),
        ({"steps": 5, "schedule": "cosine"}, TypeError, "schedule must be a lib.schedules schedule or PerEpoch"),
        ({"steps": 5, "checkpoint": "run.npz"}, TypeError, "checkpoint must be a lib.checkpoint.Checkpoint"),
        ({"steps": 5, "callbacks": [print, 3]}, TypeError, r"callbacks\[1\] must be callable, got 3"),
        ({"steps": 5, "schedule": StepLR(SGD(lr=0.1), step_size=2)}, ValueError,
         "schedule must be attached to this optimizer"),
        ({"steps": 5, "record_trajectory": "yes"}, TypeError, "record_trajectory must be True or False, got 'yes'"),
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
    with pytest.raises(ValueError, match=r"keys of theta \['b', 'w'\], got \['w'\]"):
        train(lambda theta: (0.0, {"w": theta["w"]}), {"w": np.ones(2), "b": np.zeros(())}, SGD(lr=0.1), steps=2)
    with pytest.raises(TypeError, match="objective must be"):
        train("quadratic", np.ones(2), SGD(lr=0.1), steps=2)
    with pytest.raises(TypeError, match="train: optimizer must be a lib.optim optimizer such as SGD"):
        train(QUADRATIC, np.ones(2), "sgd", steps=2)
    with pytest.raises(ValueError, match=r"train: theta0 must be finite, got NaN or inf \(first at index \(0,\)"):
        train(QUADRATIC, np.array([np.nan, 1.0]), SGD(lr=0.1), steps=2)
    with pytest.raises(ValueError, match=r"train: theta0 must hold at least one array, got an empty dict"):
        train(QUADRATIC, {}, SGD(lr=0.1), steps=2)


def test_gradient_norm_does_not_overflow_for_large_finite_gradients():
    def steep(theta):
        return float(theta @ theta), np.array([1e200, 1e200])

    result = train(steep, np.zeros(2), SGD(lr=1e-210), steps=1)
    assert result.grad_norm_history[0] == pytest.approx(np.sqrt(2) * 1e200, rel=1e-15)
