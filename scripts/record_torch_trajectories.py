"""Record reference trajectories of ``torch.optim`` optimizers into small JSON fixtures.

``tests/test_optim_torch.py`` replays every fixture with :mod:`lib.optim` (without torch) and requires the
same parameters after every step, to a relative tolerance of 1e-10. This script is what produced the
fixtures; torch is not a dependency of the book, so it is needed only to record them again. Run it from
the repository root, in an environment of its own:

    python3 -m venv .torch-venv
    .torch-venv/bin/pip install torch==2.13.0 numpy==2.4.6
    .torch-venv/bin/python scripts/record_torch_trajectories.py

It rewrites every ``*.json`` file in ``tests/fixtures/torch_optim/`` (one file per case below) and prints
one line per case. The output is deterministic: recording twice gives the same files.

What is recorded. Every case optimizes two parameter tensors of different shapes, ``p0`` of shape (3,)
and ``p1`` of shape (2, 2), in float64 (``torch.float64`` tensors, ``foreach=False``, so torch runs its
single-tensor code path, whose update equations ``lib.optim`` writes out). The gradient at each step is that of a fixed
convex quadratic :math:`J(\\theta) = \\tfrac12 \\theta^\\top A \\theta - b^\\top \\theta` of the seven
parameters (flattened, ``p0`` first) at the current parameters, plus seeded Gaussian noise, rounded to 8
decimals (so that it is stored exactly in few characters); for ``maximize=True`` cases the sign of
:math:`A\\theta - b` is flipped, so that the optimizer climbs the concave :math:`-J`. The gradients
actually fed to torch are stored in the fixture, so the replay feeds the very same numbers to
``lib.optim`` and compares the update rules alone. The noise also keeps centered RMSprop's
:math:`v_t - \\bar g_t^2` well away from the cancellation it suffers near a minimum with exact gradients.

A fixture holds: the case name, the torch version, the optimizer's class name and the keyword arguments
given to it (the defaults for every argument left out), the initial parameters, the learning rate used
at each step when a schedule changes it (``torch.optim.lr_scheduler.StepLR``, or a list of values set on
``param_groups[0]["lr"]`` before each step), the gradients fed at each step, the parameters after each
step, and torch's final optimizer state (the buffers, under torch's names; ``lib.optim`` keeps them
under the chapters' symbols, which ``tests/test_optim_torch.py`` maps them to).
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib

import numpy as np
import torch

TORCH_VERSION = "2.13.0"
STEPS = 30
NOISE = 0.5
SHAPES = {"p0": (3,), "p1": (2, 2)}
FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_optim"

# (file name, torch optimizer class name, keyword arguments, schedule). A schedule is None (constant lr),
# ("StepLR", step_size, gamma) or ("list", [lr at step 1, lr at step 2, ...]).
WARMUP_COSINE = [0.1 * min(1.0, (t + 1) / 5) * 0.5 * (1 + math.cos(math.pi * t / STEPS)) for t in range(STEPS)]
CASES = [
    ("sgd-plain", "SGD", {"lr": 0.1}, None),
    ("sgd-plain-maximize", "SGD", {"lr": 0.1, "maximize": True}, None),
    ("sgd-momentum", "SGD", {"lr": 0.05, "momentum": 0.9}, None),
    ("sgd-dampening", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5}, None),
    ("sgd-nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, None),
    ("sgd-weight-decay", "SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1}, None),
    ("sgd-nesterov-weight-decay", "SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05}, None),
    (
        "sgd-maximize",
        "SGD",
        {"lr": 0.05, "momentum": 0.8, "dampening": 0.1, "weight_decay": 0.01, "maximize": True},
        None,
    ),
    ("adagrad-default", "Adagrad", {}, None),
    ("adagrad-lr", "Adagrad", {"lr": 0.5}, None),
    ("adagrad-lr-decay", "Adagrad", {"lr": 0.5, "lr_decay": 0.1}, None),
    ("adagrad-initial-accumulator", "Adagrad", {"lr": 0.5, "initial_accumulator_value": 0.5}, None),
    ("adagrad-weight-decay", "Adagrad", {"lr": 0.5, "weight_decay": 0.1}, None),
    ("adagrad-eps", "Adagrad", {"lr": 0.5, "eps": 1e-2}, None),
    (
        "adagrad-all",
        "Adagrad",
        {
            "lr": 0.3,
            "lr_decay": 0.05,
            "weight_decay": 0.05,
            "initial_accumulator_value": 0.1,
            "eps": 1e-6,
            "maximize": True,
        },
        None,
    ),
    ("rmsprop-default", "RMSprop", {}, None),
    ("rmsprop-alpha", "RMSprop", {"alpha": 0.9}, None),
    ("rmsprop-centered", "RMSprop", {"centered": True}, None),
    ("rmsprop-centered-small-alpha", "RMSprop", {"alpha": 0.3, "centered": True}, None),
    ("rmsprop-momentum", "RMSprop", {"momentum": 0.9}, None),
    ("rmsprop-centered-momentum", "RMSprop", {"momentum": 0.5, "centered": True}, None),
    ("rmsprop-weight-decay", "RMSprop", {"weight_decay": 0.1, "eps": 1e-4}, None),
    (
        "rmsprop-all",
        "RMSprop",
        {
            "lr": 0.02,
            "alpha": 0.95,
            "eps": 1e-6,
            "weight_decay": 0.05,
            "momentum": 0.9,
            "centered": True,
            "maximize": True,
        },
        None,
    ),
    ("adam-default", "Adam", {}, None),
    ("adam-lr", "Adam", {"lr": 0.05}, None),
    ("adam-amsgrad", "Adam", {"lr": 0.05, "amsgrad": True}, None),
    ("adam-weight-decay", "Adam", {"lr": 0.05, "weight_decay": 0.1}, None),
    ("adam-betas", "Adam", {"lr": 0.05, "betas": [0.5, 0.9]}, None),
    ("adam-small-beta1", "Adam", {"lr": 0.05, "betas": [0.3, 0.8]}, None),
    ("adam-eps", "Adam", {"lr": 0.05, "eps": 1e-2}, None),
    ("adam-maximize", "Adam", {"lr": 0.05, "weight_decay": 0.01, "maximize": True}, None),
    (
        "adam-all",
        "Adam",
        {"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.05, "amsgrad": True, "maximize": True},
        None,
    ),
    ("adamw-default", "AdamW", {}, None),
    ("adamw-weight-decay", "AdamW", {"lr": 0.05, "weight_decay": 0.1}, None),
    ("adamw-no-weight-decay", "AdamW", {"lr": 0.05, "weight_decay": 0.0}, None),
    ("adamw-amsgrad", "AdamW", {"lr": 0.05, "weight_decay": 0.05, "amsgrad": True}, None),
    ("adamw-betas-eps", "AdamW", {"lr": 0.05, "betas": [0.85, 0.95], "eps": 1e-4}, None),
    ("adamw-maximize", "AdamW", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}, None),
    ("schedule-sgd-steplr", "SGD", {"lr": 0.1, "momentum": 0.9}, ("StepLR", 10, 0.5)),
    ("schedule-adam-steplr", "Adam", {"lr": 0.1}, ("StepLR", 7, 0.3)),
    ("schedule-adamw-list", "AdamW", {"lr": 0.1, "weight_decay": 0.1}, ("list", WARMUP_COSINE)),
    ("schedule-rmsprop-list", "RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}, ("list", WARMUP_COSINE)),
    ("schedule-adagrad-list", "Adagrad", {"lr": 0.5, "lr_decay": 0.1}, ("list", [5 * lr for lr in WARMUP_COSINE])),
]


def quadratic(seed=0):
    """The fixed convex quadratic: A symmetric positive definite (eigenvalues 0.5 to 4), and b."""
    rng = np.random.default_rng(seed)
    size = sum(math.prod(shape) for shape in SHAPES.values())
    q, _ = np.linalg.qr(rng.normal(size=(size, size)))
    a = q @ np.diag(np.linspace(0.5, 4.0, size)) @ q.T
    a = (a + a.T) / 2
    b = rng.normal(size=size)
    return a, b


def record(name, class_name, options, schedule, case_number):
    """Run one case in torch and return its fixture as a dict."""
    a, b = quadratic()
    rng = np.random.default_rng(1000 + case_number)
    sign = -1.0 if options.get("maximize", False) else 1.0
    initial = {key: rng.normal(size=shape) for key, shape in SHAPES.items()}
    params = {key: torch.tensor(value, dtype=torch.float64, requires_grad=True) for key, value in initial.items()}
    torch_options = dict(options)
    if "betas" in torch_options:
        torch_options["betas"] = tuple(torch_options["betas"])
    optimizer = getattr(torch.optim, class_name)(list(params.values()), foreach=False, **torch_options)
    scheduler = None
    if schedule is not None and schedule[0] == "StepLR":
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=schedule[1], gamma=schedule[2])
    lrs, grads, trajectory = [], [], []
    for t in range(STEPS):
        if schedule is not None and schedule[0] == "list":
            optimizer.param_groups[0]["lr"] = schedule[1][t]
        lrs.append(optimizer.param_groups[0]["lr"])
        flat = np.concatenate([params[key].detach().numpy().ravel() for key in SHAPES])
        gradient = np.round(sign * (a @ flat - b) + NOISE * rng.normal(size=flat.size), 8)
        start = 0
        fed = {}
        for key, shape in SHAPES.items():
            size = math.prod(shape)
            fed[key] = gradient[start : start + size].reshape(shape)
            params[key].grad = torch.tensor(fed[key], dtype=torch.float64)
            start += size
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        grads.append({key: value.tolist() for key, value in fed.items()})
        trajectory.append({key: value.detach().numpy().tolist() for key, value in params.items()})
    final_state = {}
    for key, tensor in params.items():
        buffers = optimizer.state[tensor]
        final_state[key] = {
            buffer: value.detach().numpy().tolist()
            for buffer, value in buffers.items()
            if buffer != "step" and isinstance(value, torch.Tensor)
        }
    return {
        "case": name,
        "torch_version": torch.__version__,
        "optimizer": class_name,
        "options": options,
        "schedule": None if schedule is None else schedule[0],
        "lrs": lrs if schedule is not None else None,
        "gradient": (
            f"{'-' if sign < 0 else ''}(A theta - b) + {NOISE} * N(0, I) noise, rounded to 8 decimals; "
            "A, b fixed (see scripts/record_torch_trajectories.py); stored below, step by step"
        ),
        "initial_params": {key: value.tolist() for key, value in initial.items()},
        "grads": grads,
        "params": trajectory,
        "final_state": final_state,
    }


def to_json(fixture):
    """The fixture as JSON text: one line per step, so that the file is short and diffs are readable."""
    lines = ["{"]
    items = list(fixture.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        if key in ("grads", "params"):
            steps = [json.dumps(step, separators=(",", ":")) for step in value]
            lines.append(f"  {json.dumps(key)}: [")
            lines.extend(f"    {step}," for step in steps[:-1])
            lines.append(f"    {steps[-1]}")
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, separators=(',', ': '))}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=pathlib.Path, default=FIXTURES, help="folder for the JSON fixtures")
    arguments = parser.parse_args()
    if not torch.__version__.startswith(TORCH_VERSION):
        raise SystemExit(
            f"record with torch {TORCH_VERSION} (pip install torch=={TORCH_VERSION}); found {torch.__version__}"
        )
    torch.set_num_threads(1)
    names = [case[0] for case in CASES]
    if len(set(names)) != len(names):
        raise SystemExit("two cases have the same name")
    output = arguments.output
    output.mkdir(parents=True, exist_ok=True)
    for stale in output.glob("*.json"):
        stale.unlink()
    for case_number, (name, class_name, options, schedule) in enumerate(CASES):
        fixture = record(name, class_name, options, schedule, case_number)
        text = to_json(fixture)
        (output / f"{name}.json").write_text(text)
        final = fixture["params"][-1]
        print(f"{name:32s} {class_name:8s} {len(text) / 1024:5.1f} KiB  p0 after {STEPS} steps: {final['p0']}")
    print(f"{len(CASES)} fixtures in {output}")


if __name__ == "__main__":
    main()
