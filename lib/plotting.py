"""The book's figure style and the plotting helpers every chapter shares.

Each chapter starts with ``lib.plotting.use_book_style()`` so that all figures look alike: the same size,
fonts, colour cycle and grid. The colours are the Okabe-Ito palette, which stays distinguishable for
readers with the common forms of colour blindness (Okabe and Ito, 2008).

Helpers here draw things more than one chapter needs; a figure only one chapter needs is written out in
that chapter.
"""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

__all__ = ["PALETTE", "FIGSIZE", "use_book_style", "subplots", "show_array"]

#: Okabe-Ito colours, in the order the book's colour cycle uses them.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: Size of a one-panel figure in inches (at 100 dpi: 640 x 400 pixels).
FIGSIZE = (6.4, 4.0)

_STYLE = {
    "figure.figsize": FIGSIZE,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.constrained_layout.use": True,
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE.values())),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "image.cmap": "viridis",
    "font.size": 10,
}


def use_book_style() -> None:
    """Apply the book's Matplotlib style to every figure made after this call.

    In a notebook it also asks for figures at twice their pixel size ("retina" PNGs), shown at their
    normal size, so that lines and text stay sharp on high-resolution screens.
    """
    mpl.rcParams.update(_STYLE)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # not in IPython: nothing to configure
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


def subplots(nrows: int = 1, ncols: int = 1, *, height: float | None = None,
             **kwargs: Any) -> tuple[Figure, Axes | np.ndarray]:
    """Make a figure of ``nrows`` by ``ncols`` panels in the book's proportions.

    The width is fixed at the page width (``FIGSIZE[0]`` for one column, 4.0 inches per column beyond);
    each row is ``FIGSIZE[1]`` inches high unless ``height`` says otherwise. Extra keyword arguments go to
    :func:`matplotlib.pyplot.subplots`.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes or numpy.ndarray of Axes)
    """
    if nrows < 1 or ncols < 1:
        raise ValueError(f"nrows and ncols must be at least 1, got {nrows} and {ncols}")
    width = FIGSIZE[0] if ncols == 1 else min(4.0 * ncols, 12.8)
    row_height = FIGSIZE[1] if height is None else height
    return plt.subplots(nrows, ncols, figsize=(width, row_height * nrows), **kwargs)


def show_array(ax: Axes, array: ArrayLike, *, title: str | None = None, fmt: str = "{:.2g}", cmap: str = "Blues",
               vmin: float | None = None, vmax: float | None = None) -> None:
    """Draw a 0-, 1- or 2-D array as a grid of cells labelled with their values.

    A 1-D array of shape ``(n,)`` is drawn as one row, an ``(n, 1)`` array as one column, so the
    difference between the two, which matters for broadcasting, is visible. Arrays of more than 400
    cells are drawn without labels.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    array : array_like
        Real numbers, at most two dimensions.
    title : str, optional
        Drawn above the grid; the shape is appended to it.
    fmt : str
        Format of each cell's label.
    cmap, vmin, vmax
        Colour map and its limits, as in :meth:`matplotlib.axes.Axes.imshow`.
    """
    a = np.asarray(array, dtype=float)
    if a.ndim > 2:
        raise ValueError(f"show_array draws at most 2-D arrays, got shape {a.shape}")
    grid = np.atleast_2d(a)  # (n,) is drawn as one row of n cells
    image = ax.imshow(grid, cmap=cmap, vmin=vmin, vmax=vmax, aspect="equal")
    if grid.size <= 400:
        for (i, j), value in np.ndenumerate(grid):
            red, green, blue, _ = image.cmap(image.norm(value))
            luminance = 0.299 * red + 0.587 * green + 0.114 * blue  # dark cell: white label
            colour = "white" if luminance < 0.5 else "black"
            ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=8, color=colour)
    ax.set_xticks(np.arange(grid.shape[1] + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(grid.shape[0] + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.grid(which="major", visible=False)
    ax.tick_params(which="both", bottom=False, left=False, labelbottom=False, labelleft=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    label = f"shape {a.shape}"
    ax.set_title(label if title is None else f"{title}\n{label}")
