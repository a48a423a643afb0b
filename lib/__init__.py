"""Shared library of the book *Training and Optimizing Models with Python*.

Every chapter imports from here, so what the book explains and what it runs are the same code, and the
code is unit-tested on its own (see ``tests/``). One module per idea:

``lib.rng``
    Seeded random-number generators: every random draw in the book comes from one of these.
``lib.checks``
    Declared argument checks, one error format: ``"<owner>: <argument> must be <what>, got <value>"``.
``lib.types``
    ``Params``: the parameters an optimizer steps, an array or a dict of arrays.
``lib.plotting``
    The book's figure style and the few plotting helpers every chapter shares.
``lib.data``
    Seeded data sets (the source's own among them), splits, standardization, mini-batches (``MiniBatches``:
    the batches of any epoch from the seed and the epoch number), k-fold indices.
``lib.losses``
    Loss functions and penalties, each with its value and gradient (penalties also with their prox).
``lib.optim``
    Optimizers with ``torch.optim``'s arguments and update equations: ``theta = opt.step(theta, grad)``.
``lib.optim_state``
    An optimizer's ``state_dict`` / ``load_state_dict``: its state as plain arrays, for checkpoints.
``lib.schedules``
    Learning-rate schedules (step, exponential, cosine, linear warm-up) that drive any ``lib.optim`` optimizer.
``lib.train``
    A training loop: histories, trajectories, callbacks and stopping rules (``GradientTolerance``,
    ``LossTolerance``, ``EarlyStopping``), a divergence check, checkpoint and resume.
``lib.checkpoint``
    A run's state as plain arrays in an ``.npz`` file, and back (``Checkpoint(path, every=, resume=)``).
``lib.testfns``
    Test functions with known minima: quadratics of a chosen condition number, Rosenbrock, least squares.
``lib.models``
    ``LinearRegression`` and ``LogisticRegression``: scikit-learn estimators trained by ``lib.train`` on a
    ``LinearObjective``, with a safe step from the data's curvature by default.
``lib.stream``
    Mini-batches read in chunks from ``.npy`` files on disk (``NpyStream``), shuffled by chunk and within each
    chunk from a seed, for data larger than memory; the same batches in memory (``ChunkedMiniBatches``).
``lib.distributed``
    Synchronous data-parallel training on a Dask cluster (``DataParallel``, an objective for ``lib.train``),
    local SGD, and simulators of the ring all-reduce, a parameter server and stale gradients.
``lib.explain``
    Interpretability: permutation importance (also of groups of features), exact and kernel Shapley values
    with an interventional background, and a LIME-style local surrogate.
``lib.tuning``
    Generalization: early stopping and ridge as spectral filters, dropout (and its ridge penalty), k-fold and
    nested cross-validation, grid, random and Bayesian-optimization search (a Gaussian process with expected
    improvement).
``lib.privacy``
    Data security: hashing and k-anonymity, federated averaging on IID and non-IID clients, gradient leakage
    (exact recovery, gradient matching), secure aggregation with pairwise masks, DP-SGD, and an RDP accountant
    for the subsampled Gaussian mechanism that matches Google's dp-accounting.

Import the module a chapter needs (``import lib.data`` or ``from lib.optim import SGD``); ``import lib``
alone loads none of them, so that importing one module stays fast.
"""

__version__ = "0.1.0"
