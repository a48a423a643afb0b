"""Type aliases shared by lib's modules.

``Params`` is what an optimizer steps and what :func:`lib.train.train` trains: the parameters
:math:`\\theta` of a model, either one array or a dict of named arrays such as ``{"w": w, "b": b}``. A
gradient has exactly the same structure as the parameters it belongs to.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Params"]

#: Parameters (or a gradient): one float64 array, or a dict of named float64 arrays.
Params = np.ndarray | dict[str, np.ndarray]
