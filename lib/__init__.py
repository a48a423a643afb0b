"""Shared library of the book *Training and Optimizing Models with Python*.

Every chapter imports from here, so what the book explains and what it runs are the same code, and the
code is unit-tested on its own (see ``tests/``). One module per idea:

``lib.rng``
    Seeded random-number generators: every random draw in the book comes from one of these.
``lib.plotting``
    The book's figure style and the few plotting helpers every chapter shares.

Later parts add modules for data sets, losses, models, optimizers, schedules and training loops.
"""

__version__ = "0.1.0"
