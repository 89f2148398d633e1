"""Chapter 8's figures: the heatmap and the accuracy-against-length plot."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from minirnn.plot import attention as figs  # noqa: E402


def test_heatmap_shows_the_weights_with_their_labels():
    w = np.eye(3)[::-1]
    ax = figs.plot_attention(w, ["1", "2", "3"], ["3", "2", "1"], title="reversal")
    image = ax.get_images()[0]
    np.testing.assert_array_equal(image.get_array(), w)
    assert image.get_clim() == (0.0, 1.0)            # weights on a fixed 0-1 scale
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["3", "2", "1"]
    assert ax.get_title() == "reversal"
    plt.close(ax.figure)


def test_heatmap_rejects_mismatched_labels():
    with pytest.raises(ValueError, match=r"need 3 input labels and 2 output labels"):
        figs.plot_attention(np.zeros((2, 3)), ["a", "b"], ["x", "y"])
    with pytest.raises(ValueError, match=r"shape \(T, S\)"):
        figs.plot_attention(np.zeros(3), ["a"], ["x"])


def test_accuracy_plot_draws_the_mean_of_the_seeds():
    scores = {"a": np.array([[1.0, 0.8], [0.5, 0.3]]), "b": np.ones((2, 2))}
    ax = figs.plot_accuracy_vs_length([4, 8], scores)
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_ydata(), [0.9, 0.4])
    assert "mean of 2 seeds" in lines[0].get_label()
    with pytest.raises(ValueError, match=r"must have shape \(2, seeds\)"):
        figs.plot_accuracy_vs_length([4, 8], {"c": np.ones((3, 2))})
    plt.close("all")
