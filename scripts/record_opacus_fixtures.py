"""Record what Opacus computes for DP-SGD into a small JSON fixture, for ``tests/test_privacy.py`` to replay.

Opacus (PyTorch's DP-SGD library) is not a dependency of the book: ``lib.privacy`` is checked against the numbers
it produced, stored in ``tests/fixtures/opacus/dp_sgd.json``. This script is what produced them. Run it from the
repository root, in an environment of its own:

    python3 -m venv .opacus-venv
    .opacus-venv/bin/pip install torch==2.13.0 opacus==1.6.0 numpy==2.4.6
    .opacus-venv/bin/python scripts/record_opacus_fixtures.py

What is recorded, for logistic regression (``torch.nn.Linear(d, 1)`` in float64 and ``BCEWithLogitsLoss``) on a
fixed, seeded batch:

* ``per_sample``: the per-sample gradients of Opacus's ``GradSampleModule`` when it is told the loss is a mean
  (``loss_reduction="mean"``, and the loss is a mean): the gradients of each example's own loss.
* ``per_sample_mean_declared_sum``: the same module told ``loss_reduction="sum"`` while the loss is a mean, the
  pitfall: every per-sample gradient is divided by the batch size.
* ``step_grad``: the gradient that ``DPOptimizer`` (noise multiplier 0, so the step is deterministic) leaves in
  ``p.grad`` before the update: the clipped per-sample gradients summed and divided by the expected batch size.
* ``epsilon``: Opacus's ``RDPAccountant`` for a run of DP-SGD, with the orders it uses (``alphas``).

The output is deterministic: recording twice gives the same file.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import opacus
import torch
from opacus import GradSampleModule
from opacus.accountants import RDPAccountant
from opacus.accountants.analysis import rdp as opacus_rdp
from opacus.optimizers import DPOptimizer

FIXTURE = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "opacus" / "dp_sgd.json"
N, D = 12, 5
MAX_GRAD_NORM = 1.0
EXPECTED_BATCH_SIZE = 10.0
ACCOUNTANT_RUN = {"q": 256 / 60000, "noise_multiplier": 1.1, "steps": 14100, "delta": 1e-5}


def batch_and_model(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(size=(N, D)) * 2.0, 6)
    y = (rng.random(N) < 0.5).astype(np.float64)
    w = np.round(rng.normal(size=D), 6)
    return X, y, w, 0.25


def linear_model(w: np.ndarray, b: float) -> torch.nn.Linear:
    model = torch.nn.Linear(D, 1).double()
    with torch.no_grad():
        model.weight.copy_(torch.tensor(w[None, :]))
        model.bias.fill_(b)
    return model


def per_sample_gradients(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, declared: str) -> dict:
    module = GradSampleModule(linear_model(w, b), loss_reduction=declared)
    loss = torch.nn.BCEWithLogitsLoss(reduction="mean")(module(torch.tensor(X))[:, 0], torch.tensor(y))
    loss.backward()
    weight, bias = module._module.weight, module._module.bias
    return {"w": weight.grad_sample[:, 0, :].tolist(), "b": bias.grad_sample[:, 0].tolist()}


def dp_optimizer_gradient(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> dict:
    module = GradSampleModule(linear_model(w, b), loss_reduction="mean")
    optimizer = DPOptimizer(
        torch.optim.SGD(module.parameters(), lr=1.0),
        noise_multiplier=0.0,
        max_grad_norm=MAX_GRAD_NORM,
        expected_batch_size=int(EXPECTED_BATCH_SIZE),
        loss_reduction="mean",
    )
    loss = torch.nn.BCEWithLogitsLoss(reduction="mean")(module(torch.tensor(X))[:, 0], torch.tensor(y))
    loss.backward()
    optimizer.pre_step()  # clip, accumulate, add (zero) noise, scale: what step() does before the update
    weight, bias = module._module.weight, module._module.bias
    return {"w": weight.grad[0].tolist(), "b": float(bias.grad[0])}


def accountant_epsilon() -> tuple[float, list[float]]:
    accountant = RDPAccountant()
    run = ACCOUNTANT_RUN
    accountant.history = [(run["noise_multiplier"], run["q"], run["steps"])]
    alphas = list(accountant.DEFAULT_ALPHAS)
    epsilon = accountant.get_epsilon(delta=run["delta"], alphas=alphas)
    return float(epsilon), [float(a) for a in alphas]


def main() -> None:
    X, y, w, b = batch_and_model()
    epsilon, alphas = accountant_epsilon()
    fixture = {
        "opacus_version": opacus.__version__,
        "torch_version": torch.__version__,
        "X": X.tolist(),
        "y": y.tolist(),
        "theta": {"w": w.tolist(), "b": b},
        "max_grad_norm": MAX_GRAD_NORM,
        "expected_batch_size": EXPECTED_BATCH_SIZE,
        "per_sample": per_sample_gradients(X, y, w, b, "mean"),
        "per_sample_mean_declared_sum": per_sample_gradients(X, y, w, b, "sum"),
        "step_grad": dp_optimizer_gradient(X, y, w, b),
        "accountant": dict(ACCOUNTANT_RUN, epsilon=epsilon, alphas=alphas),
        "rdp_module": opacus_rdp.__name__,
    }
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {FIXTURE.name}: opacus {opacus.__version__}, epsilon {epsilon:.6f} over {len(alphas)} orders")


if __name__ == "__main__":
    main()
