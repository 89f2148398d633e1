import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from minirnn.plot.text import (  # noqa: E402
    plot_loss_curves,
    plot_temperature,
    plot_text_activation,
    visible,
)


def _cells(ax):
    return [p for p in ax.patches if p.get_gid() == "cell"]


def test_text_activation_has_one_cell_per_character_in_reading_order():
    text = "AB:\nhi you\n"
    values = np.linspace(-1, 1, len(text))
    ax = plot_text_activation(text, values)
    cells = _cells(ax)
    assert len(cells) == len(text)
    # row 0 holds "AB:" and its newline, row 1 "hi you" and its newline
    assert [(c.get_x(), c.get_y()) for c in cells[:4]] == [(0, -1), (1, -1), (2, -1), (3, -1)]
    assert (cells[4].get_x(), cells[4].get_y()) == (0, -2)
    assert ax.get_ylim() == (-2, 0)
    # the colour follows the value: most negative blue-ish, most positive red-ish
    first, last = cells[0].get_facecolor(), cells[-1].get_facecolor()
    assert first[2] > first[0] and last[0] > last[2]
    assert [t.get_text() for t in ax.texts][3] == visible("\n") == "\u21b5"


def test_text_activation_checks_its_input():
    with pytest.raises(ValueError, match="one value per character"):
        plot_text_activation("abc", [1.0, 2.0])


def test_loss_curves_draw_bits_on_the_right():
    ax = plot_loss_curves({"train": ([1, 2], [2.0, 1.5]), "validation": ([1, 2], [2.1, 1.8])},
                          {"5-gram": 1.57})
    lines = {line.get_gid(): line for line in ax.lines}
    assert lines["curve:train"].get_linestyle() == "--"
    assert lines["curve:validation"].get_linestyle() == "-"
    assert lines["baseline:5-gram"].get_ydata()[0] == 1.57
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"5-gram ({1.57 / math.log(2):.2f} bits)" in labels
    right = [c for c in ax.child_axes if c.get_ylabel() == "bits per character"]
    assert len(right) == 1


def test_temperature_bars_follow_the_most_probable_at_t1():
    p = np.array([0.1, 0.6, 0.3])
    dists = {0.5: p ** 2 / (p ** 2).sum(), 1.0: p}
    ax = plot_temperature(dists, ["a", " ", "\n"], k=2)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["\u2423", "\u21b5"]
    bars = [b for b in ax.patches if b.get_gid() == "temperature:1"]
    assert [b.get_height() for b in bars] == [0.6, 0.3]
