"""How far lib.optim's trajectories are from the ones recorded from torch.optim, per optimizer.

Run from the repository root, in the project's environment::

    python benchmarks/torch_deviation.py

It replays every fixture in ``tests/fixtures/torch_optim/`` as ``tests/test_optim_torch.py`` does (the same
options, gradients and learning rates, no torch needed) and prints, per optimizer class:

* the worst relative deviation ``|lib - torch| / |torch|`` over every parameter entry after every step,
  among entries with ``|torch| >= 1e-3`` (where the suite's ``atol=1e-13`` is negligible against its
  ``rtol=1e-10``);
* the worst share of the suite's tolerance used, ``|lib - torch| / (atol + rtol |torch|)`` over every
  parameter entry (a replay passes while this stays at most 1);
* the number of fixtures and the case where the worst relative deviation occurs.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np

from lib.optim import SGD, Adagrad, Adam, AdamW, RMSprop

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_optim"
RTOL, ATOL = 1e-10, 1e-13
CLASSES = {"SGD": SGD, "Adagrad": Adagrad, "RMSprop": RMSprop, "Adam": Adam, "AdamW": AdamW}


def as_arrays(tree):
    return {key: np.array(value, dtype=np.float64) for key, value in tree.items()}


def deviations(fixture):
    """Worst relative deviation (entries of size >= 1e-3) and worst share of the tolerance, over a replay."""
    opt = CLASSES[fixture["optimizer"]](**fixture["options"])
    theta = as_arrays(fixture["initial_params"])
    worst_relative = worst_share = 0.0
    for t, (grad, expected) in enumerate(zip(fixture["grads"], fixture["params"], strict=True)):
        if fixture["lrs"] is not None:
            opt.lr = fixture["lrs"][t]
        theta = opt.step(theta, as_arrays(grad))
        for key, torch_value in as_arrays(expected).items():
            error = np.abs(theta[key] - torch_value)
            size = np.abs(torch_value)
            large = size >= 1e-3
            if large.any():
                worst_relative = max(worst_relative, float(np.max(error[large] / size[large])))
            worst_share = max(worst_share, float(np.max(error / (ATOL + RTOL * size))))
    return worst_relative, worst_share


def main():
    rows = {}
    for path in sorted(FIXTURES.glob("*.json")):
        fixture = json.loads(path.read_text())
        relative, share = deviations(fixture)
        count, worst, worst_share, worst_case = rows.get(fixture["optimizer"], (0, -1.0, 0.0, ""))
        if relative > worst:
            worst, worst_case = relative, fixture["case"]
        rows[fixture["optimizer"]] = (count + 1, worst, max(worst_share, share), worst_case)
    print(f"{'optimizer':<10}{'fixtures':>9}{'worst rel. dev.':>17}{'tolerance used':>16}  worst case")
    for name, (count, worst, share, case) in rows.items():
        print(f"{name:<10}{count:>9}{worst:>17.2e}{share:>16.1e}  {case}")


if __name__ == "__main__":
    main()
