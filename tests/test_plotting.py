import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lib import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_book_style_sets_size_and_palette():
    plotting.use_book_style()
    fig, ax = plotting.subplots()
    assert tuple(fig.get_size_inches()) == plotting.FIGSIZE
    line = ax.plot([0, 1])[0]
    assert line.get_color() == plotting.PALETTE["blue"]


def test_subplots_grid_shape_and_width():
    fig, axes = plotting.subplots(2, 3)
    assert axes.shape == (2, 3)
    assert fig.get_size_inches()[0] == pytest.approx(12.0)
    with pytest.raises(ValueError, match="at least 1"):
        plotting.subplots(0, 1)


@pytest.mark.parametrize(("array", "grid_shape"), [(np.arange(3.0), (1, 3)), (np.arange(3.0)[:, None], (3, 1)),
                                                   (np.ones((2, 4)), (2, 4)), (5.0, (1, 1))])
def test_show_array_draws_one_labelled_cell_per_element(array, grid_shape):
    fig, ax = plotting.subplots()
    plotting.show_array(ax, array, title="a")
    image = ax.get_images()[0].get_array()
    assert image.shape == grid_shape
    assert len(ax.texts) == image.size
    assert ax.get_title() == f"a\nshape {np.shape(array)}"


def test_show_array_rejects_3d():
    fig, ax = plotting.subplots()
    with pytest.raises(ValueError, match="at most 2-D"):
        plotting.show_array(ax, np.zeros((2, 2, 2)))


def test_show_array_labels_stay_readable_on_dark_and_light_cells():
    fig, ax = plotting.subplots()
    plotting.show_array(ax, [0.0, 1.0], cmap="Greys", vmin=0.0, vmax=1.0)  # white cell, then black cell
    colours = [text.get_color() for text in ax.texts]
    assert colours == ["black", "white"]
