"""The chapter 7 state-path figure: colours and markers that colour-blind readers tell apart."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from minirnn.plot.sequence_patterns import CLASS_COLORS, plot_state_paths  # noqa: E402


def _hue_gap_is_not_red_green(c0, c1):
    """True unless the pair is the red/green pair that deuteranopes confuse."""
    red, green = to_rgb("tab:red"), to_rgb("tab:green")
    pair = {tuple(np.round(to_rgb(c), 3)) for c in (c0, c1)}
    return pair != {tuple(np.round(red, 3)), tuple(np.round(green, 3))}


def test_background_classes_are_blue_and_orange_with_different_markers():
    rng = np.random.default_rng(0)
    background = rng.standard_normal((20, 2))
    labels = np.array([0, 1] * 10)
    paths = [rng.standard_normal((3, 2)), rng.standard_normal((3, 2))]
    ax = plot_state_paths(paths, [["a", "b", "c"], ["d", "e", "f"]], background=background,
                          background_labels=labels)
    scatters = ax.collections
    assert len(scatters) == 2
    colours = [tuple(np.round(s.get_facecolor()[0][:3], 3)) for s in scatters]
    assert set(colours) == {tuple(np.round(to_rgb(c), 3)) for c in CLASS_COLORS}
    assert _hue_gap_is_not_red_green(*CLASS_COLORS)
    # each class has its own marker, so the figure reads without colour too
    markers = {s.get_paths()[0].vertices.shape for s in scatters}
    assert len(markers) == 2
    # the two example paths differ in colour and in line style
    lines = ax.get_lines()
    assert lines[0].get_color() != lines[1].get_color()
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    plt.close("all")
