"""Unit tests of lib.schedules: formulas, the torch-like driver, recursive vs closed forms, state, errors.

The schedules were also compared with torch 2.13.0 (CPU wheel) in a separate environment, outside this
suite, by building each torch scheduler and the lib schedule with the same arguments: torch's closed form
``scheduler._get_closed_form_lr()[0]`` (after setting ``scheduler.last_epoch = t``) equalled ``lr_at(t)``
bit for bit for StepLR, ExponentialLR, LinearLR and ConstantLR (t = 0..39), and to 1.5e-16 relative for
CosineAnnealingLR (whose closed form is arranged here to be exact at both ends); the learning rates that
torch's ``scheduler.step()`` produced over 30 steps (its recursive forms, and a SequentialLR of LinearLR
and CosineAnnealingLR) agreed with ``lr_at`` to 1e-14 relative. No torch output is stored here: the tests
check the formulas themselves, and torch's recursions are written out below to check that they agree
with the closed forms up to rounding.
"""

import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.optim import SGD
from lib.schedules import (
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    LRSchedule,
    SequentialLR,
    StepLR,
    with_linear_warmup,
)

PROPERTY = settings(max_examples=40, deadline=None)

learning_rates = st.floats(1e-4, 10.0)
gammas = st.floats(0.01, 1.0)
factors = st.floats(0.01, 1.0)


def rates_from_driver(schedule, n):
    """The learning rates the optimizer sees for steps 1..n when step() follows each optimizer step."""
    rates = []
    for _ in range(n):
        rates.append(schedule.optimizer.lr)
        schedule.step()
    return rates


# -- formulas at known points ----------------------------------------------------------------------------


def test_step_decay_formula():
    schedule = StepLR(SGD(lr=0.8), step_size=3, gamma=0.5)
    assert [schedule.lr_at(t) for t in range(10)] == [0.8] * 3 + [0.4] * 3 + [0.2] * 3 + [0.1]
    assert StepLR(SGD(lr=1.0), step_size=2).lr_at(4) == pytest.approx(0.01, rel=1e-15)  # gamma defaults to 0.1


def test_exponential_decay_formula():
    schedule = ExponentialLR(SGD(lr=2.0), gamma=0.5)
    assert [schedule.lr_at(t) for t in range(5)] == [2.0, 1.0, 0.5, 0.25, 0.125]
    assert schedule.lr_at(50) == 2.0 * 0.5**50


def test_cosine_annealing_formula():
    schedule = CosineAnnealingLR(SGD(lr=1.0), T_max=4, eta_min=0.2)
    # eta_min + (eta_0 - eta_min) (1 + cos(pi t / 4)) / 2: cos = 1, 1/sqrt 2, 0, -1/sqrt 2, -1
    half_root = math.sqrt(0.5)
    expected = [1.0, 0.2 + 0.8 * (1 + half_root) / 2, 0.6, 0.2 + 0.8 * (1 - half_root) / 2, 0.2]
    assert [schedule.lr_at(t) for t in range(5)] == pytest.approx(expected, rel=1e-15)
    assert schedule.lr_at(4) == 0.2  # exactly eta_min at T_max
    # past T_max the cosine rises again, symmetrically (torch's behaviour), with period 2 T_max
    assert schedule.lr_at(5) == pytest.approx(schedule.lr_at(3), rel=1e-14)
    assert schedule.lr_at(8) == pytest.approx(1.0, rel=1e-15)
    assert CosineAnnealingLR(SGD(lr=0.1), T_max=10).lr_at(10) == 0.0  # eta_min defaults to 0


def test_linear_formula():
    warmup = LinearLR(SGD(lr=1.0), start_factor=0.25, total_iters=3)
    assert [warmup.lr_at(t) for t in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    decay = LinearLR(SGD(lr=2.0), start_factor=1.0, end_factor=0.5, total_iters=4)
    assert [decay.lr_at(t) for t in range(6)] == [2.0, 1.75, 1.5, 1.25, 1.0, 1.0]
    defaults = LinearLR(SGD(lr=3.0))  # torch's defaults: from 1/3 to 1 over 5 steps
    assert defaults.lr_at(0) == pytest.approx(1.0, rel=1e-15)
    assert defaults.lr_at(5) == pytest.approx(3.0, rel=1e-15)


def test_constant_formula():
    schedule = ConstantLR(SGD(lr=0.3), factor=0.5, total_iters=2)
    assert [schedule.lr_at(t) for t in range(4)] == [0.15, 0.15, 0.3, 0.3]
    defaults = ConstantLR(SGD(lr=0.3))  # torch's defaults: a third of the rate for 5 steps
    assert [defaults.lr_at(t) for t in (0, 4, 5)] == [0.3 / 3, 0.3 / 3, 0.3]
    constant = ConstantLR(SGD(lr=0.3), factor=1.0)
    assert {constant.lr_at(t) for t in range(20)} == {0.3}


def test_sequential_switches_at_the_milestones():
    opt = SGD(lr=1.0)
    warmup = LinearLR(opt, start_factor=0.5, total_iters=2)
    step = StepLR(opt, step_size=2, gamma=0.5)
    exponential = ExponentialLR(opt, gamma=0.9)
    schedule = SequentialLR(opt, [warmup, step, exponential], milestones=[2, 6])
    expected = [warmup.lr_at(t) for t in range(2)]
    expected += [step.lr_at(t - 2) for t in range(2, 6)]
    expected += [exponential.lr_at(t - 6) for t in range(6, 10)]
    assert [schedule.lr_at(t) for t in range(10)] == expected
    assert expected[:6] == [0.5, 0.75, 1.0, 1.0, 0.5, 0.5]  # every piece restarts its clock at its milestone


def test_with_linear_warmup():
    opt = SGD(lr=0.4)
    cosine = CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    schedule = with_linear_warmup(cosine, warmup_iters=4, start_factor=0.25)
    assert isinstance(schedule, SequentialLR)
    rates = [schedule.lr_at(t) for t in range(15)]
    assert rates[:5] == pytest.approx([0.1, 0.175, 0.25, 0.325, 0.4], rel=1e-15)
    assert rates[4:] == [cosine.lr_at(t) for t in range(11)]
    assert rates[14] == 0.01
    assert opt.lr == 0.1  # the optimizer starts at the warm-up's first rate


# -- the driver ------------------------------------------------------------------------------------------


def test_driver_sets_the_optimizer_learning_rate_like_torch():
    opt = SGD(lr=0.1)
    schedule = StepLR(opt, step_size=2, gamma=0.5)
    assert schedule.last_epoch == 0 and opt.lr == 0.1
    assert schedule.step() is None
    assert schedule.last_epoch == 1
    assert rates_from_driver(schedule, 4) == [0.1, 0.05, 0.05, 0.025]
    assert schedule.get_last_lr() == opt.lr == schedule.lr_at(5)


def test_schedule_changes_the_optimizer_steps():
    opt = SGD(lr=1.0)
    schedule = ExponentialLR(opt, gamma=0.5)
    theta = np.array(0.0)
    for _ in range(3):
        theta = opt.step(theta, np.array(-1.0))  # moves by +lr each step
        schedule.step()
    assert float(theta) == 1.0 + 0.5 + 0.25


def test_second_schedule_uses_the_initial_learning_rate():
    # As torch's initial_lr: a schedule built after another has changed lr still scales the original rate.
    opt = SGD(lr=0.2)
    LinearLR(opt, start_factor=0.1, total_iters=5)
    assert opt.lr == pytest.approx(0.02, rel=1e-15)
    cosine = CosineAnnealingLR(opt, T_max=10)
    assert cosine.base_lr == 0.2 and opt.initial_lr == 0.2
    assert opt.lr == 0.2


@pytest.mark.parametrize(
    "make",
    [
        lambda opt: StepLR(opt, step_size=3, gamma=0.3),
        lambda opt: ExponentialLR(opt, gamma=0.95),
        lambda opt: CosineAnnealingLR(opt, T_max=7, eta_min=0.01),
        lambda opt: LinearLR(opt, start_factor=0.2, end_factor=0.9, total_iters=6),
        lambda opt: ConstantLR(opt, factor=0.5, total_iters=4),
        lambda opt: with_linear_warmup(CosineAnnealingLR(opt, T_max=8, eta_min=0.001), warmup_iters=3),
    ],
    ids=["step", "exponential", "cosine", "linear", "constant", "warmup-cosine"],
)
def test_driver_follows_lr_at_and_state_round_trips_through_npz(make):
    reference = make(SGD(lr=0.5))
    expected = rates_from_driver(reference, 20)
    assert expected == [reference.lr_at(t) for t in range(20)]

    first = make(SGD(lr=0.5))
    first_rates = rates_from_driver(first, 9)
    state = first.state_dict()
    for key, value in state.items():  # plain scalars (and an int array of milestones), no objects
        assert isinstance(value, int | float | np.ndarray) and not isinstance(value, bool), key
    buffer = io.BytesIO()
    np.savez(buffer, **state)
    buffer.seek(0)
    resumed = make(SGD(lr=0.5))
    resumed.load_state_dict(np.load(buffer, allow_pickle=False))
    assert resumed.last_epoch == 9
    assert resumed.optimizer.lr == expected[9]
    assert first_rates + rates_from_driver(resumed, 11) == expected


def test_load_state_dict_restores_the_hyperparameters():
    saved = CosineAnnealingLR(SGD(lr=1.0), T_max=10, eta_min=0.1)
    for _ in range(3):
        saved.step()
    other = CosineAnnealingLR(SGD(lr=0.5), T_max=4)
    other.load_state_dict(saved.state_dict())
    assert (other.T_max, other.eta_min, other.base_lr, other.last_epoch) == (10, 0.1, 1.0, 3)
    assert other.optimizer.lr == saved.lr_at(3)


def test_load_state_dict_refuses_a_foreign_state():
    schedule = StepLR(SGD(lr=0.1), step_size=2)
    with pytest.raises(ValueError, match="missing entries.*'step_size'"):
        schedule.load_state_dict(ExponentialLR(SGD(lr=0.1), gamma=0.5).state_dict())
    state = schedule.state_dict()
    state["last_epoch"] = -1
    with pytest.raises(ValueError, match=r"state\['last_epoch'\] must be an integer in \[0, inf\), got -1"):
        schedule.load_state_dict(state)
    state = schedule.state_dict()
    state["gamma"] = 2.0
    with pytest.raises(ValueError, match=r"gamma must be a real number in \(0, 1\], got 2"):
        schedule.load_state_dict(state)


# -- torch's recursive forms agree with the closed forms up to rounding ---------------------------------


def recursive_rates(kind, base_lr, n, **params):
    """Learning rates for t = 0..n-1 by the recursions of torch's ``get_lr`` (torch 2.x source), written out."""
    rates = []
    for t in range(n):
        previous = rates[-1] if rates else base_lr
        if kind == "step":
            rate = previous * params["gamma"] if t > 0 and t % params["step_size"] == 0 else previous
        elif kind == "exponential":
            rate = previous * params["gamma"] if t > 0 else previous
        elif kind == "cosine":
            T_max, eta_min = params["T_max"], params["eta_min"]
            if t == 0:
                rate = previous
            elif (t - 1 - T_max) % (2 * T_max) == 0:
                rate = previous + (base_lr - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
            else:
                ratio = (1 + math.cos(math.pi * t / T_max)) / (1 + math.cos(math.pi * (t - 1) / T_max))
                rate = ratio * (previous - eta_min) + eta_min
        elif kind == "linear":
            start, end, total = params["start_factor"], params["end_factor"], params["total_iters"]
            if t == 0:
                rate = previous * start
            elif t > total:
                rate = previous
            else:
                rate = previous * (1.0 + (end - start) / (total * start + (t - 1) * (end - start)))
        rates.append(rate)
    return rates


@given(base_lr=learning_rates, step_size=st.integers(1, 10), gamma=gammas)
@PROPERTY
def test_step_decay_recursive_equals_closed_form(base_lr, step_size, gamma):
    schedule = StepLR(SGD(lr=base_lr), step_size=step_size, gamma=gamma)
    closed = [schedule.lr_at(t) for t in range(60)]
    recursive = recursive_rates("step", base_lr, 60, step_size=step_size, gamma=gamma)
    np.testing.assert_allclose(closed, recursive, rtol=1e-13, atol=0)


@given(base_lr=learning_rates, gamma=gammas)
@PROPERTY
def test_exponential_decay_recursive_equals_closed_form(base_lr, gamma):
    schedule = ExponentialLR(SGD(lr=base_lr), gamma=gamma)
    closed = [schedule.lr_at(t) for t in range(60)]
    recursive = recursive_rates("exponential", base_lr, 60, gamma=gamma)
    np.testing.assert_allclose(closed, recursive, rtol=1e-13, atol=0)


@given(base_lr=learning_rates, T_max=st.integers(1, 50), eta_fraction=st.floats(0.0, 1.0))
@PROPERTY
def test_cosine_recursive_equals_closed_form(base_lr, T_max, eta_fraction):
    eta_min = eta_fraction * base_lr
    schedule = CosineAnnealingLR(SGD(lr=base_lr), T_max=T_max, eta_min=eta_min)
    n = 3 * T_max + 1  # two full half-periods past T_max, through torch's special case at the bottom
    closed = [schedule.lr_at(t) for t in range(n)]
    recursive = recursive_rates("cosine", base_lr, n, T_max=T_max, eta_min=eta_min)
    np.testing.assert_allclose(closed, recursive, rtol=0, atol=1e-12 * base_lr)


@given(base_lr=learning_rates, start=factors, end=st.floats(0.0, 1.0), total=st.integers(1, 30))
@PROPERTY
def test_linear_recursive_equals_closed_form(base_lr, start, end, total):
    schedule = LinearLR(SGD(lr=base_lr), start_factor=start, end_factor=end, total_iters=total)
    closed = [schedule.lr_at(t) for t in range(total + 10)]
    recursive = recursive_rates("linear", base_lr, total + 10, start_factor=start, end_factor=end, total_iters=total)
    np.testing.assert_allclose(closed, recursive, rtol=0, atol=1e-12 * base_lr)


# -- monotonicity and bounds -----------------------------------------------------------------------------


def non_increasing(values, slack=0.0):
    """Each value at most the previous one (plus ``slack``, room for rounding where a schedule is flat)."""
    return all(later <= earlier + slack for earlier, later in zip(values, values[1:], strict=False))


@given(base_lr=learning_rates, step_size=st.integers(1, 10), gamma=gammas)
@PROPERTY
def test_decays_never_increase_and_stay_positive(base_lr, step_size, gamma):
    step = StepLR(SGD(lr=base_lr), step_size=step_size, gamma=gamma)
    exponential = ExponentialLR(SGD(lr=base_lr), gamma=gamma)
    for schedule in (step, exponential):
        rates = [schedule.lr_at(t) for t in range(50)]
        assert rates[0] == base_lr
        assert non_increasing(rates)
        assert all(rate > 0 for rate in rates)


@given(base_lr=learning_rates, T_max=st.integers(1, 100), eta_fraction=st.floats(0.0, 1.0))
@PROPERTY
def test_cosine_decreases_from_base_to_eta_min_within_t_max(base_lr, T_max, eta_fraction):
    eta_min = eta_fraction * base_lr
    schedule = CosineAnnealingLR(SGD(lr=base_lr), T_max=T_max, eta_min=eta_min)
    rates = [schedule.lr_at(t) for t in range(T_max + 1)]
    assert rates[0] == base_lr
    assert rates[-1] == eta_min
    # Monotone and within [eta_min, eta_0] up to rounding (which shows when eta_min is close to eta_0).
    slack = 4 * np.finfo(np.float64).eps * base_lr
    assert non_increasing(rates, slack)
    assert all(eta_min - slack <= rate <= base_lr + slack for rate in rates)


@given(base_lr=learning_rates, start=factors, end=st.floats(0.0, 1.0), total=st.integers(1, 30))
@PROPERTY
def test_linear_is_monotone_towards_end_factor_then_constant(base_lr, start, end, total):
    schedule = LinearLR(SGD(lr=base_lr), start_factor=start, end_factor=end, total_iters=total)
    rates = [schedule.lr_at(t) for t in range(total + 5)]
    ramp = rates[: total + 1]
    slack = 4 * np.finfo(np.float64).eps * base_lr
    if end <= start:
        assert non_increasing(ramp, slack)
    else:
        assert non_increasing(ramp[::-1], slack)
    assert rates[total:] == [rates[total]] * 5
    assert rates[total] == pytest.approx(end * base_lr, rel=1e-14, abs=1e-15 * base_lr)


# -- validation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda opt: StepLR(opt, step_size=0), ValueError,
         r"^StepLR: step_size must be an integer in \[1, inf\), got 0$"),
        (lambda opt: StepLR(opt, step_size=-2), ValueError, r"step_size must be an integer in \[1, inf\), got -2"),
        (lambda opt: StepLR(opt, step_size=1.5), TypeError, r"step_size must be an integer in \[1, inf\), got 1.5"),
        (lambda opt: StepLR(opt, step_size=2, gamma=0.0), ValueError,
         r"gamma must be a real number in \(0, 1\], got 0"),
        (lambda opt: StepLR(opt, step_size=2, gamma=1.5), ValueError,
         r"gamma must be a real number in \(0, 1\], got 1.5"),
        (lambda opt: ExponentialLR(opt, gamma=float("nan")), ValueError,
         r"gamma must be a real number in \(0, 1\], got nan"),
        (lambda opt: ExponentialLR(opt, gamma=-0.5), ValueError, r"gamma must be a real number in \(0, 1\], got -0.5"),
        (lambda opt: ExponentialLR(opt, gamma="0.5"), TypeError, r"gamma must be a real number in \(0, 1\], got '0.5'"),
        (lambda opt: CosineAnnealingLR(opt, T_max=0), ValueError, r"T_max must be an integer in \[1, inf\), got 0"),
        (lambda opt: CosineAnnealingLR(opt, T_max=10, eta_min=-0.1), ValueError,
         r"eta_min must be a real number in \[0, inf\), got -0.1"),
        (lambda opt: CosineAnnealingLR(opt, T_max=10, eta_min=0.5),
         ValueError, "eta_min must be at most the optimizer's learning rate 0.1, got 0.5"),
        (lambda opt: LinearLR(opt, start_factor=0.0), ValueError,
         r"start_factor must be a real number in \(0, 1\], got 0"),
        (lambda opt: LinearLR(opt, start_factor=1.5), ValueError,
         r"start_factor must be a real number in \(0, 1\], got 1.5"),
        (lambda opt: LinearLR(opt, end_factor=-0.1), ValueError,
         r"end_factor must be a real number in \[0, 1\], got -0.1"),
        (lambda opt: LinearLR(opt, total_iters=0), ValueError, r"total_iters must be an integer in \[1, inf\), got 0"),
        (lambda opt: ConstantLR(opt, factor=1.5), ValueError, r"factor must be a real number in \[0, 1\], got 1.5"),
        (lambda opt: ConstantLR(opt, total_iters=-1), ValueError,
         r"total_iters must be an integer in \[0, inf\), got -1"),
        (lambda opt: StepLR(object(), step_size=2), TypeError, r"^StepLR: optimizer must be a lib.optim optimizer"),
        (lambda opt: with_linear_warmup(StepLR(opt, step_size=2), warmup_iters=0), ValueError,
         r"^with_linear_warmup: warmup_iters must be an integer in \[1, inf\), got 0$"),
        (lambda opt: with_linear_warmup("cosine", warmup_iters=3), TypeError,
         r"schedule must be a schedule .*got 'cosine'"),
    ],
)
def test_bad_arguments_get_clear_errors(make, error, match):
    with pytest.raises(error, match=match):
        make(SGD(lr=0.1))


def test_sequential_validation():
    opt = SGD(lr=0.1)
    first, second = StepLR(opt, step_size=2), ExponentialLR(opt, gamma=0.9)
    with pytest.raises(ValueError, match="one entry fewer"):
        SequentialLR(opt, [first, second], milestones=[])
    with pytest.raises(ValueError, match="strictly increasing"):
        SequentialLR(opt, [first, second, StepLR(opt, step_size=3)], milestones=[5, 5])
    with pytest.raises(ValueError, match=r"milestones\[0\] must be an integer in \[1, inf\), got 0"):
        SequentialLR(opt, [first, second], milestones=[0])
    with pytest.raises(ValueError, match=r"schedules\[1\] must be attached to the optimizer .*another optimizer"):
        SequentialLR(opt, [first, ExponentialLR(SGD(lr=0.1), gamma=0.9)], milestones=[3])
    with pytest.raises(ValueError, match="schedules must be a list of at least one schedule, got an empty list"):
        SequentialLR(opt, [], milestones=[])
    with pytest.raises(TypeError, match="list of schedules"):
        SequentialLR(opt, first, milestones=[])
    with pytest.raises(TypeError, match=r"schedules\[1\] must be a schedule, got 'cosine'"):
        SequentialLR(opt, [first, "cosine"], milestones=[3])


def test_lr_at_refuses_negative_or_fractional_steps():
    schedule = ExponentialLR(SGD(lr=0.1), gamma=0.9)
    with pytest.raises(ValueError, match=r"^ExponentialLR.lr_at: t must be an integer in \[0, inf\), got -1$"):
        schedule.lr_at(-1)
    with pytest.raises(TypeError, match="t must be an integer"):
        schedule.lr_at(1.5)
    assert schedule.lr_at(np.int64(2)) == schedule.lr_at(2)


def test_base_class_needs_a_formula():
    with pytest.raises(TypeError, match="abstract"):
        LRSchedule(SGD(lr=0.1))
