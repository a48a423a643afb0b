"""lib.optim against torch.optim: replay trajectories recorded from torch, step by step.

The fixtures in ``tests/fixtures/torch_optim/`` were recorded by ``scripts/record_torch_trajectories.py``
with torch 2.13.0 in float64: for each case, the optimizer's options, the initial parameters (two arrays,
of shapes (3,) and (2, 2)), the gradients fed to torch at every step, the learning rate at every step when
a schedule changes it, the parameters after every step, and torch's final buffers (under torch's names;
``SYMBOLS`` maps them to the chapters' symbols, which ``lib.optim`` uses). The replay feeds the same
gradients to ``lib.optim`` (torch is not imported), so it compares the update rules alone.

Tolerance: ``rtol=1e-10``. ``lib.optim`` computes each update as the chapters write it, while torch
arranges some of the arithmetic differently (a ``lerp`` for a running average, the bias corrections folded
into a step size) and its CPU kernels fuse some multiply-adds (one rounding instead of two), so results
differ in the last bits; over 30 steps the largest relative difference of a parameter is about 1.5e-13
(``benchmarks/torch_deviation.py`` measures it). The ``atol=1e-13`` matters only for
coordinates that pass close to zero, whose relative error is unbounded: their absolute error is that of
sums of O(1) numbers (a few ulps of 1, about 1e-15 per step), and 1e-13 is far below every step size in
the fixtures. The tests at the end check that the replay does fail when an update is slightly wrong.
"""

import json
import pathlib

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lib.optim import SGD, Adagrad, Adam, AdamW, RMSprop

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "torch_optim"
RTOL = 1e-10
ATOL = 1e-13
CLASSES = {"SGD": SGD, "Adagrad": Adagrad, "RMSprop": RMSprop, "Adam": Adam, "AdamW": AdamW}
# torch's name of each buffer, and the symbol of the chapters under which lib.optim keeps it.
SYMBOLS = {"momentum_buffer": "b", "sum": "G", "square_avg": "v", "grad_avg": "g_bar", "exp_avg": "m",
           "exp_avg_sq": "v", "max_exp_avg_sq": "v_max"}


def load_fixtures():
    return {path.stem: json.loads(path.read_text()) for path in sorted(FIXTURES.glob("*.json"))}


ALL = load_fixtures()


def as_arrays(tree):
    return {key: np.array(value, dtype=np.float64) for key, value in tree.items()}


def replay(fixture, optimizer_class=None, options=None):
    """Run ``lib.optim`` on the fixture's gradients; assert it reproduces torch's trajectory and buffers."""
    optimizer_class = optimizer_class or CLASSES[fixture["optimizer"]]
    options = fixture["options"] if options is None else options
    opt = optimizer_class(**options)
    theta = as_arrays(fixture["initial_params"])
    for t, (grad, expected) in enumerate(zip(fixture["grads"], fixture["params"], strict=True)):
        if fixture["lrs"] is not None:
            opt.lr = fixture["lrs"][t]
        theta = opt.step(theta, as_arrays(grad))
        for key, value in as_arrays(expected).items():
            assert_allclose(
                theta[key],
                value,
                rtol=RTOL,
                atol=ATOL,
                err_msg=f"{fixture['case']}: parameter {key!r} after step {t + 1}",
            )
    for key, buffers in fixture["final_state"].items():
        assert set(opt.state[key]) == {SYMBOLS[name] for name in buffers}, f"{fixture['case']}: buffers of {key!r}"
        for name, value in as_arrays(buffers).items():
            assert_allclose(opt.state[key][SYMBOLS[name]], value, rtol=RTOL, atol=ATOL,
                            err_msg=f"{fixture['case']}: {name}")
    return opt


# -- the fixtures are there and cover every option ---------------------------------------------------------


def test_fixtures_were_recorded_with_the_pinned_torch_version():
    assert len(ALL) >= 40
    for name, fixture in ALL.items():
        assert fixture["case"] == name
        assert fixture["torch_version"].startswith("2.13.0"), name
        assert len(fixture["grads"]) == len(fixture["params"]) >= 20
        assert set(fixture["initial_params"]) == {"p0", "p1"}


# Every option of every optimizer, set away from its default in at least one fixture.
OPTIONS = {
    "SGD": {"lr", "momentum", "dampening", "nesterov", "weight_decay", "maximize"},
    "Adagrad": {"lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize"},
    "RMSprop": {"lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize"},
    "Adam": {"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"},
    "AdamW": {"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"},
}


@pytest.mark.parametrize("class_name", sorted(OPTIONS))
def test_fixtures_cover_every_option_and_the_defaults(class_name):
    fixtures = [fixture for fixture in ALL.values() if fixture["optimizer"] == class_name]
    covered = set()
    for fixture in fixtures:
        covered |= set(fixture["options"])
    assert covered == OPTIONS[class_name]
    assert set(OPTIONS[class_name]) == set(CLASSES[class_name].parameter_constraints)
    if class_name != "SGD":  # SGD has no default learning rate
        assert any(fixture["options"] == {} for fixture in fixtures), "a case with every default"
    schedules = {fixture["schedule"] for fixture in ALL.values()}
    assert {"StepLR", "list"} <= schedules


# -- the replay ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALL))
def test_lib_reproduces_the_torch_trajectory(name):
    replay(ALL[name])


# -- the replay can fail -------------------------------------------------------------------------------------


class AdamWithoutBiasCorrection(Adam):
    """The source's Adam: at a huge step count, 1 - beta**t is 1 and the bias correction vanishes."""

    def _update(self, theta, grad, state, step):
        return super()._update(theta, grad, state, 10**6)


class AdamOffByOne(Adam):
    """Adam whose step counter starts at 2 instead of 1 (as if t were not advanced before the update)."""

    def _update(self, theta, grad, state, step):
        return super()._update(theta, grad, state, step + 1)


class AdagradOffByOne(Adagrad):
    """Adagrad whose learning-rate decay uses t instead of t - 1."""

    def _update(self, theta, grad, state, step):
        return super()._update(theta, grad, state, step + 1)


class SlightlyFasterSGD(SGD):
    """SGD whose learning rate is off by one part in a million."""

    def _update(self, theta, grad, state, step):
        lr = self.lr
        self.lr = lr * (1 + 1e-6)
        try:
            return super()._update(theta, grad, state, step)
        finally:
            self.lr = lr


def without(options, name):
    return {key: value for key, value in options.items() if key != name}


MUTANTS = [
    ("adam-default", AdamWithoutBiasCorrection, None),
    ("adam-lr", AdamOffByOne, None),
    ("adamw-weight-decay", Adam, None),  # coupled weight decay instead of decoupled
    ("adam-weight-decay", AdamW, None),  # decoupled instead of coupled
    ("adam-amsgrad", Adam, {"lr": 0.05}),  # amsgrad ignored
    ("rmsprop-centered", RMSprop, {}),  # centered ignored
    ("rmsprop-momentum", RMSprop, {"momentum": 0.8}),
    ("adagrad-lr-decay", AdagradOffByOne, None),
    ("adagrad-initial-accumulator", Adagrad, {"lr": 0.5}),
    ("sgd-nesterov", SGD, {"lr": 0.05, "momentum": 0.9}),  # heavy ball instead of Nesterov
    ("sgd-dampening", SlightlyFasterSGD, None),
]


@pytest.mark.parametrize(("name", "optimizer_class", "options"), MUTANTS, ids=[m[0] for m in MUTANTS])
def test_replay_fails_for_a_wrong_update(name, optimizer_class, options):
    with pytest.raises(AssertionError, match=rf"{name}: parameter '\w+' after step \d+"):
        replay(ALL[name], optimizer_class, options)


def test_replay_fails_when_the_schedule_is_ignored():
    fixture = dict(ALL["schedule-adam-steplr"], lrs=None)
    with pytest.raises(AssertionError, match=r"schedule-adam-steplr: parameter '\w+' after step 8\b"):
        replay(fixture)
