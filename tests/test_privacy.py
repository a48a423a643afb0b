"""Unit tests of lib.privacy: the accountant against dp-accounting, clipping, masks, FedAvg, leakage, bad input."""

import itertools
import json
import logging
import pathlib

import numpy as np
import pytest
from dp_accounting import dp_event
from dp_accounting.rdp import rdp_privacy_accountant
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from lib.checks import InvalidParameterError
from lib.losses import MSE, BinaryCrossEntropy, CrossEntropy
from lib.models import LinearObjective
from lib.optim import SGD
from lib.privacy import (
    DEFAULT_ORDERS,
    accuracy,
    aggregate,
    client_mask,
    clip_per_example,
    dictionary_attack,
    dp_sgd,
    dp_sgd_epsilon,
    fedavg,
    fixed_point_decode,
    fixed_point_encode,
    gradient_matching_attack,
    k_anonymity,
    mask_update,
    mean_gradient,
    pairwise_seeds,
    per_example_gradients,
    rdp_subsampled_gaussian,
    rdp_to_epsilon,
    recover_example,
    sha256_hex,
    split_by_label,
    split_iid,
    unmask_dropped,
)

PROPERTY = settings(max_examples=15, deadline=None)


@pytest.fixture(autouse=True)
def quiet_dp_accounting():
    """dp-accounting logs a warning per fractional order whose series does not converge; keep the log clean."""
    logger = logging.getLogger("absl")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def data(model, n=30, d=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if model == "linear":
        return X, X @ rng.normal(size=d) + 0.1 * rng.normal(size=n), {"w": rng.normal(size=d), "b": np.array(0.3)}
    if model == "logistic":
        return X, (rng.random(n) < 0.5).astype(float), {"w": rng.normal(size=d), "b": np.array(-0.2)}
    return X, rng.integers(0, k, size=n).astype(float), {"w": rng.normal(size=(d, k)), "b": rng.normal(size=k)}


def their_epsilon(q, sigma, steps, delta):
    accountant = rdp_privacy_accountant.RdpAccountant()
    accountant.compose(dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(sigma)), steps)
    return accountant.get_epsilon(delta)


# ---------------------------------------------------------------------------------------------------------
# The accountant against dp-accounting
# ---------------------------------------------------------------------------------------------------------

GRID = list(itertools.product([1e-3, 256 / 60000, 0.05, 0.5, 1.0], [0.6, 1.1, 4.0], [1, 1000], [1e-7, 1e-5]))


def test_epsilon_matches_dp_accounting_on_a_grid():
    worst = 0.0
    for q, sigma, steps, delta in GRID:
        ours, theirs = dp_sgd_epsilon(q, sigma, steps, delta), their_epsilon(q, sigma, steps, delta)
        assert theirs > 0
        worst = max(worst, abs(ours - theirs) / theirs)
    assert worst < 1e-6


def test_the_issue_run():
    ours = dp_sgd_epsilon(256 / 60000, 1.1, 14100, 1e-5)
    assert ours == pytest.approx(their_epsilon(256 / 60000, 1.1, 14100, 1e-5), rel=1e-6)
    assert round(ours, 4) == 2.6003


@pytest.mark.parametrize("q, sigma", [(1e-3, 0.6), (0.02, 1.1), (0.3, 2.0), (0.9, 0.8)])
def test_rdp_curve_matches_dp_accounting_at_every_order(q, sigma):
    ours = rdp_subsampled_gaussian(q, sigma)
    theirs = rdp_privacy_accountant._compute_rdp_poisson_subsampled_gaussian(q, sigma, DEFAULT_ORDERS)
    assert_array_equal(np.isfinite(ours), np.isfinite(theirs))
    finite = np.isfinite(theirs)
    assert_allclose(ours[finite], theirs[finite], rtol=1e-6)


def test_integer_order_is_the_binomial_sum():
    q, sigma, alpha = 0.1, 1.5, 3
    direct = sum(
        np.exp(
            np.log(float(np.prod(range(alpha - i + 1, alpha + 1)) / np.prod(range(1, i + 1))))
            + i * np.log(q) + (alpha - i) * np.log(1 - q) + (i * i - i) / (2 * sigma**2)
        )
        for i in range(alpha + 1)
    )
    assert rdp_subsampled_gaussian(q, sigma, [alpha])[0] == pytest.approx(np.log(direct) / (alpha - 1), rel=1e-12)


def test_full_batch_is_the_gaussian_mechanism_and_subsampling_amplifies():
    orders = np.array([2.0, 8.0, 32.0])
    assert_allclose(rdp_subsampled_gaussian(1.0, 2.0, orders), orders / 8.0)
    assert np.all(rdp_subsampled_gaussian(0.01, 2.0, orders) < orders / 8.0)


def test_epsilon_grows_with_steps_and_falls_with_noise():
    assert dp_sgd_epsilon(0.01, 1.0, 100, 1e-5) < dp_sgd_epsilon(0.01, 1.0, 1000, 1e-5)
    assert dp_sgd_epsilon(0.01, 2.0, 1000, 1e-5) < dp_sgd_epsilon(0.01, 1.0, 1000, 1e-5)
    assert dp_sgd_epsilon(0.01, 1.0, 0, 1e-5) == 0.0


def test_conversion_is_tighter_than_mironovs():
    orders = np.asarray(DEFAULT_ORDERS)
    rdp = 1000 * rdp_subsampled_gaussian(0.01, 1.0)
    ours, _ = rdp_to_epsilon(orders, rdp, 1e-5)
    classic = np.min(rdp + np.log(1e5) / (orders - 1))
    assert ours < classic


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: dp_sgd_epsilon(0.01, 0.0, 10, 1e-5), "noise_multiplier must be a real number in \\(0, inf\\)"),
        (lambda: dp_sgd_epsilon(0.01, -1.0, 10, 1e-5), "noise_multiplier must be"),
        (lambda: dp_sgd_epsilon(0.0, 1.0, 10, 1e-5), "q must be a real number in \\(0, 1\\]"),
        (lambda: dp_sgd_epsilon(1.5, 1.0, 10, 1e-5), "q must be a real number in \\(0, 1\\]"),
        (lambda: dp_sgd_epsilon(0.01, 1.0, 10, 0.0), "delta must be a real number in \\(0, 1\\)"),
        (lambda: dp_sgd_epsilon(0.01, 1.0, 10, 1.0), "delta must be"),
        (lambda: dp_sgd_epsilon(0.01, float("nan"), 10, 1e-5), "noise_multiplier must be"),
        (lambda: dp_sgd_epsilon(0.01, 1.0, -1, 1e-5), "steps must be an integer"),
        (lambda: rdp_subsampled_gaussian(0.01, 1.0, [1.0, 2.0]), "orders must be a non-empty 1-d array of orders > 1"),
        (lambda: rdp_to_epsilon([2.0, 3.0], [0.1], 1e-5), "rdp must be a 1-d array as long as orders"),
        (lambda: rdp_to_epsilon([2.0], [float("nan")], 1e-5), "rdp must be non-negative"),
    ],
)
def test_accountant_rejects_bad_input(call, match):
    with pytest.raises(InvalidParameterError, match=match):
        call()


# ---------------------------------------------------------------------------------------------------------
# Per-example gradients, clipping and DP-SGD
# ---------------------------------------------------------------------------------------------------------

LOSSES = {"linear": MSE(), "logistic": BinaryCrossEntropy(), "softmax": CrossEntropy()}


@pytest.mark.parametrize("model", ["linear", "logistic", "softmax"])
def test_per_example_gradients_average_to_libs_gradient(model):
    X, y, theta = data(model)
    targets = y.astype(int) if model == "softmax" else y
    _, expected = LinearObjective(X, targets, LOSSES[model]).loss_and_grad(theta)
    per_example = per_example_gradients(theta, X, y, model)
    mean = mean_gradient(theta, X, y, model)
    for name in ("w", "b"):
        assert_allclose(per_example[name].mean(axis=0), expected[name], rtol=1e-12, atol=1e-14)
        assert_allclose(mean[name], expected[name], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("model", ["linear", "logistic", "softmax"])
def test_per_example_gradient_by_finite_differences(model):
    X, y, theta = data(model, n=3)
    grads = per_example_gradients(theta, X, y, model)
    loss = LOSSES[model]
    targets = y.astype(int) if model == "softmax" else y
    step = 1e-6
    for name in ("w", "b"):
        flat = np.atleast_1d(theta[name]).ravel()
        for index in range(flat.size):
            shifted = [flat.copy(), flat.copy()]
            shifted[0][index] += step
            shifted[1][index] -= step
            values = []
            for variant in shifted:
                params = dict(theta, **{name: variant.reshape(np.shape(theta[name]))})
                z = X[:1] @ params["w"] + params["b"]
                values.append(loss.value(targets[:1], z))
            numeric = (values[0] - values[1]) / (2 * step)
            analytic = np.atleast_1d(grads[name][0]).ravel()[index]
            assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-8)


@PROPERTY
@given(max_norm=st.floats(0.01, 10.0), scale=st.floats(0.01, 100.0), seed=st.integers(0, 1000))
def test_clipping_bounds_each_examples_contribution(max_norm, scale, seed):
    X, y, theta = data("softmax", n=12, seed=seed)
    grads = per_example_gradients(theta, scale * X, y, "softmax")
    clipped, norms = clip_per_example(grads, max_norm)
    clipped_norms = np.sqrt(np.sum(clipped["w"].reshape(12, -1) ** 2, axis=1) + np.sum(clipped["b"] ** 2, axis=1))
    assert np.all(clipped_norms <= max_norm * (1 + 1e-12))
    small = norms <= max_norm
    assert_array_equal(clipped["w"][small], grads["w"][small])
    # Removing any one example moves the clipped sum by at most max_norm.
    total = clipped["w"].sum(axis=0)
    for i in range(12):
        without = total - clipped["w"][i]
        assert np.linalg.norm(total - without) <= max_norm * (1 + 1e-9)


def test_dp_sgd_is_the_noisy_clipped_step_written_out():
    X, y, _ = data("logistic", n=40)
    run = dp_sgd(X, y, "logistic", lr=0.5, max_norm=0.5, noise_multiplier=0.8, q=0.25, steps=5, seed=3)
    rng = np.random.default_rng(3)
    w, b = np.zeros(4), 0.0
    for _ in range(5):
        rows = np.flatnonzero(rng.random(40) < 0.25)
        noise_w, noise_b = rng.normal(scale=0.4, size=4), rng.normal(scale=0.4)
        residuals = 1 / (1 + np.exp(-(X[rows] @ w + b))) - y[rows]
        grads = np.column_stack([X[rows] * residuals[:, None], residuals])
        norms = np.linalg.norm(grads, axis=1)
        clipped = grads * np.minimum(1.0, 0.5 / norms)[:, None]
        w = w - 0.5 / 10 * (clipped[:, :4].sum(axis=0) + noise_w)
        b = b - 0.5 / 10 * (clipped[:, 4].sum() + noise_b)
    assert_allclose(run.theta["w"], w, atol=1e-12)
    assert run.theta["b"] == pytest.approx(b, abs=1e-12)
    assert run.batch_sizes.shape == (5,)


def test_dp_sgd_survives_empty_batches():
    X, y, _ = data("logistic", n=20)
    run = dp_sgd(X, y, "logistic", lr=0.1, max_norm=1.0, noise_multiplier=1.0, q=0.01, steps=50, seed=0)
    assert np.any(run.batch_sizes == 0)
    assert np.all(np.isfinite(run.theta["w"]))


def test_dp_sgd_learns_with_little_noise():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 3))
    y = (X @ np.array([2.0, -1.0, 0.5]) > 0).astype(float)
    run = dp_sgd(X, y, "logistic", lr=1.0, max_norm=1.0, noise_multiplier=0.5, q=0.1, steps=200, seed=0)
    assert accuracy(run.theta, X, y, "logistic") > 0.9


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda X, y: clip_per_example({"w": np.zeros((0, 3)), "b": np.zeros(0)}, 1.0), "an empty batch"),
        (lambda X, y: clip_per_example({"w": np.zeros((2, 3)), "b": np.zeros(2)}, 0.0), "max_norm must be"),
        (lambda X, y: per_example_gradients({"w": np.zeros(4), "b": 0.0}, X[:0], y[:0], "logistic"), "non-empty"),
        (lambda X, y: per_example_gradients({"w": np.zeros(5), "b": 0.0}, X, y, "logistic"), "theta\\['w'\\]"),
        (lambda X, y: per_example_gradients({"w": np.zeros(4), "b": 0.0}, X, y[:-1], "logistic"), "y must be of"),
        (lambda X, y: per_example_gradients({"w": np.zeros(4), "b": 0.0}, X, y + 2, "logistic"), "0/1 labels"),
        (lambda X, y: per_example_gradients({"w": np.zeros(4), "b": 0.0}, X, y, "probit"), "model must be one of"),
        (lambda X, y: per_example_gradients({"w": np.zeros(4), "b": 0.0}, np.where(X > 1, np.nan, X), y, "linear"),
         "X must be finite"),
        (lambda X, y: dp_sgd(X, y, "logistic", lr=0.1, max_norm=1.0, noise_multiplier=0.0, q=0.1, steps=1, seed=0),
         "noise_multiplier must be"),
        (lambda X, y: dp_sgd(X, y, "logistic", lr=0.1, max_norm=1.0, noise_multiplier=1.0, q=0.0, steps=1, seed=0),
         "q must be"),
    ],
)
def test_gradients_and_dp_sgd_reject_bad_input(call, match):
    X, y, _ = data("logistic")
    with pytest.raises(ValueError, match=match):  # InvalidParameterError, or check_finite's ValueError for NaN
        call(X, y)


# ---------------------------------------------------------------------------------------------------------
# Federated averaging
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["linear", "logistic", "softmax"])
def test_fedavg_with_one_full_local_step_is_full_batch_gradient_descent(model):
    X, y, theta0 = data(model, n=60)
    parts = split_iid(60, 4, seed=0) if model != "softmax" else split_by_label(y, 4, 2, seed=0)
    clients = [(X[part], y[part]) for part in parts]
    run = fedavg(clients, theta0, model, rounds=5, local_steps=1, lr=0.1)
    targets = y.astype(int) if model == "softmax" else y
    objective = LinearObjective(X, targets, LOSSES[model])
    optimizer, theta = SGD(lr=0.1), theta0
    for round_ in range(1, 6):
        theta = optimizer.step(theta, objective.loss_and_grad(theta)[1])
        for name in ("w", "b"):
            assert_allclose(run.history[round_][name], theta[name], rtol=0, atol=1e-12)


def test_fedavg_with_many_local_steps_differs_from_gradient_descent_on_non_iid_data():
    X, y, theta0 = data("softmax", n=60)
    clients = [(X[part], y[part]) for part in split_by_label(y, 3, 1, seed=0)]
    one = fedavg(clients, theta0, "softmax", rounds=1, local_steps=1, lr=0.5).theta
    many = fedavg(clients, theta0, "softmax", rounds=1, local_steps=20, lr=0.5).theta
    assert np.max(np.abs(one["w"] - many["w"])) > 0.1


def test_splits_partition_the_data():
    parts = split_iid(103, 7, seed=1)
    assert_array_equal(np.sort(np.concatenate(parts)), np.arange(103))
    y = np.repeat(np.arange(10), 10)
    shards = split_by_label(y, 5, 2, seed=0)
    assert_array_equal(np.sort(np.concatenate(shards)), np.arange(100))
    assert all(np.unique(y[part]).size <= 2 for part in shards)


def test_fedavg_client_sampling_and_bad_input():
    X, y, theta0 = data("logistic", n=40)
    clients = [(X[part], y[part]) for part in split_iid(40, 4, seed=0)]
    run = fedavg(clients, theta0, "logistic", rounds=3, local_steps=2, lr=0.1, batch_size=4, client_fraction=0.5)
    assert all(chosen.size == 2 for chosen in run.participants)
    with pytest.raises(InvalidParameterError, match="clients must be a non-empty"):
        fedavg([], theta0, "logistic", rounds=1, local_steps=1, lr=0.1)
    with pytest.raises(InvalidParameterError, match="client_fraction must be"):
        fedavg(clients, theta0, "logistic", rounds=1, local_steps=1, lr=0.1, client_fraction=0.0)
    with pytest.raises(InvalidParameterError, match="batch_size must be"):
        fedavg(clients, theta0, "logistic", rounds=1, local_steps=1, lr=0.1, batch_size=0)


# ---------------------------------------------------------------------------------------------------------
# Gradient leakage
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["logistic", "softmax"])
def test_single_example_is_recovered_from_its_gradient(model):
    X, y, theta = data(model, n=5)
    for i in range(5):
        grad = per_example_gradients(theta, X[i : i + 1], y[i : i + 1], model)
        recovered = recover_example({"w": grad["w"][0], "b": grad["b"][0]})
        assert_allclose(recovered, X[i], rtol=4.5e-16, atol=0)


def test_recover_example_refuses_a_zero_residual():
    with pytest.raises(InvalidParameterError, match="grad\\['b'\\] must be non-zero"):
        recover_example({"w": np.zeros(3), "b": 0.0})


def test_matching_loss_gradient_by_finite_differences():
    from lib.privacy import _matching_loss_and_grad

    X, y, theta = data("softmax", n=3, d=4, k=3)
    labels = y.astype(np.intp)
    target = {"w": np.ones((4, 3)) * 0.1, "b": np.zeros(3)}
    flat = X.ravel()
    _, grad = _matching_loss_and_grad(flat, theta, labels, target)
    step = 1e-6
    for index in range(flat.size):
        plus, minus = flat.copy(), flat.copy()
        plus[index] += step
        minus[index] -= step
        numeric = (_matching_loss_and_grad(plus, theta, labels, target)[0]
                   - _matching_loss_and_grad(minus, theta, labels, target)[0]) / (2 * step)
        assert grad[index] == pytest.approx(numeric, rel=1e-5, abs=1e-9)


def test_gradient_matching_reconstructs_a_batch():
    rng = np.random.default_rng(0)
    d, k, batch = 6, 8, 3
    theta = {"w": rng.normal(size=(d, k)), "b": rng.normal(size=k)}
    X = rng.normal(size=(batch, d))
    labels = np.array([1, 4, 6])
    observed = mean_gradient(theta, X, labels.astype(float), "softmax")
    attack = gradient_matching_attack(observed, theta, labels, seed=0, restarts=3)
    assert attack.matching_loss < 1e-16
    assert_allclose(attack.X, X, atol=1e-5)
    with pytest.raises(InvalidParameterError, match="labels must be"):
        gradient_matching_attack(observed, theta, labels.astype(float), seed=0)


# ---------------------------------------------------------------------------------------------------------
# Secure aggregation
# ---------------------------------------------------------------------------------------------------------


@PROPERTY
@given(n_clients=st.integers(2, 7), size=st.integers(1, 20), seed=st.integers(0, 2**32))
def test_masks_cancel_and_masked_sum_is_the_plain_sum_bit_for_bit(n_clients, size, seed):
    rng = np.random.default_rng(seed)
    seeds = pairwise_seeds(n_clients, seed=seed)
    masks = aggregate([client_mask(i, seeds, size) for i in range(n_clients)])
    assert_array_equal(masks, np.zeros(size, dtype=np.uint64))
    encoded = [fixed_point_encode(rng.normal(size=size) * 1000) for _ in range(n_clients)]
    masked = [mask_update(i, encoded[i], seeds) for i in range(n_clients)]
    assert_array_equal(aggregate(masked), aggregate(encoded))
    assert not any(np.array_equal(m, e) for m, e in zip(masked, encoded, strict=True))


def test_fixed_point_round_trip_and_sum():
    values = np.array([[0.5, -1.25, 3.0], [-0.5, 2.0, -7.75]])
    encoded = [fixed_point_encode(row, fractional_bits=8) for row in values]
    assert_array_equal(fixed_point_decode(aggregate(encoded), fractional_bits=8), values.sum(axis=0))
    rng = np.random.default_rng(0)
    noisy = rng.normal(size=50)
    assert np.max(np.abs(fixed_point_decode(fixed_point_encode(noisy)) - noisy)) <= 2.0**-33
    with pytest.raises(InvalidParameterError, match="values must be smaller than 2\\^22"):
        fixed_point_encode([2.0**40], fractional_bits=40)
    with pytest.raises(ValueError, match="values must be finite"):
        fixed_point_encode([np.nan])
    with pytest.raises(InvalidParameterError, match="encoded must be a uint64 array"):
        fixed_point_decode(np.zeros(3))


def test_dropout_leaves_masks_until_they_are_removed():
    rng = np.random.default_rng(5)
    seeds = pairwise_seeds(5, seed=1)
    encoded = [fixed_point_encode(rng.normal(size=4)) for _ in range(5)]
    survivors, dropped = [0, 2, 3], [1, 4]
    masked_sum = aggregate([mask_update(i, encoded[i], seeds) for i in survivors])
    plain = aggregate([encoded[i] for i in survivors])
    assert not np.array_equal(masked_sum, plain)
    assert_array_equal(unmask_dropped(masked_sum, survivors, dropped, seeds), plain)
    with pytest.raises(InvalidParameterError, match="dropped must be disjoint"):
        unmask_dropped(masked_sum, survivors, [0], seeds)
    with pytest.raises(InvalidParameterError, match="client must be an integer in \\[0, 5\\)"):
        client_mask(5, seeds, 4)


# ---------------------------------------------------------------------------------------------------------
# De-identification
# ---------------------------------------------------------------------------------------------------------


def test_dictionary_attack_reverses_hashes_of_a_small_space():
    secrets = ["02139", "94305", "00501"]
    found = dictionary_attack([sha256_hex(s) for s in secrets] + ["0" * 64], (f"{z:05d}" for z in range(100000)))
    assert sorted(found.values()) == sorted(secrets)


def test_k_anonymity():
    assert k_anonymity([("a", 1), ("a", 1), ("b", 2), ("b", 2), ("b", 2)]) == 2
    with pytest.raises(InvalidParameterError, match="quasi_identifiers must be a non-empty table"):
        k_anonymity([])


# ---------------------------------------------------------------------------------------------------------
# Against Opacus (fixtures recorded by scripts/record_opacus_fixtures.py; Opacus is not a dependency)
# ---------------------------------------------------------------------------------------------------------

OPACUS = json.loads((pathlib.Path(__file__).parent / "fixtures" / "opacus" / "dp_sgd.json").read_text())


def opacus_batch():
    X, y = np.array(OPACUS["X"]), np.array(OPACUS["y"])
    return X, y, {"w": np.array(OPACUS["theta"]["w"]), "b": np.array(OPACUS["theta"]["b"])}


def test_per_example_gradients_match_opacus_grad_sample():
    X, y, theta = opacus_batch()
    ours = per_example_gradients(theta, X, y, "logistic")
    assert_allclose(ours["w"], OPACUS["per_sample"]["w"], rtol=1e-12, atol=1e-15)
    assert_allclose(ours["b"], OPACUS["per_sample"]["b"], rtol=1e-12, atol=1e-15)
    # The pitfall: a mean loss declared as a sum gives per-sample gradients divided by the batch size.
    assert_allclose(ours["w"] / len(y), OPACUS["per_sample_mean_declared_sum"]["w"], rtol=1e-12, atol=1e-15)


def test_clipped_step_matches_opacus_dp_optimizer():
    X, y, theta = opacus_batch()
    grads = per_example_gradients(theta, X, y, "logistic")
    clipped, norms = clip_per_example(grads, OPACUS["max_grad_norm"])
    assert np.sum(norms > OPACUS["max_grad_norm"]) >= 3  # the fixture exercises clipping
    expected = OPACUS["expected_batch_size"]
    ours = {name: clipped[name].sum(axis=0) / expected for name in clipped}
    assert_allclose(ours["w"], OPACUS["step_grad"]["w"], rtol=1e-5)
    # Opacus clips with the factor min(1, C / (norm + 1e-6)); with that factor the step agrees to rounding.
    factors = np.minimum(1.0, OPACUS["max_grad_norm"] / (norms + 1e-6))
    assert_allclose((grads["w"] * factors[:, None]).sum(axis=0) / expected, OPACUS["step_grad"]["w"], rtol=1e-12)
    assert (factors * grads["b"]).sum() / expected == pytest.approx(OPACUS["step_grad"]["b"], rel=1e-12)


def test_accountant_matches_opacus_rdp_accountant_at_its_orders():
    run = OPACUS["accountant"]
    ours = dp_sgd_epsilon(run["q"], run["noise_multiplier"], run["steps"], run["delta"], orders=run["alphas"])
    assert ours == pytest.approx(run["epsilon"], rel=1e-6)
