"""The book's diagrams draw what they claim to draw (checked on the Agg backend)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from minirnn.plot import diagrams  # noqa: E402


def _patches(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def _labels(ax, gid):
    return [t.get_text() for t in ax.texts if t.get_gid() == gid]


@pytest.mark.parametrize("T", [1, 3, 6])
def test_unrolled_has_one_cell_input_and_state_per_step(T):
    ax = diagrams.draw_unrolled_rnn(T)
    assert len(_patches(ax, "cell")) == T
    assert _labels(ax, "input-label") == [f"$x_{{{t}}}$" for t in range(T)]
    assert _labels(ax, "output-label") == [f"$h_{{{t}}}$" for t in range(T)]
    # per step: x_t -> cell and cell -> h_t; between steps: h_{t-1} -> h_t; plus the initial state
    assert len(_patches(ax, "arrow")) == 2 * T + (T - 1) + 1
    # cells are laid out left to right in time order
    xs = [p.get_x() for p in _patches(ax, "cell")]
    assert xs == sorted(xs) and len(set(xs)) == T
    assert any("shared" in t.get_text() for t in ax.texts)
    assert "T = %d" % T in ax.get_title()


def test_unrolled_start_index_shifts_labels():
    ax = diagrams.draw_unrolled_rnn(3, start=1)
    assert _labels(ax, "input-label") == ["$x_{1}$", "$x_{2}$", "$x_{3}$"]
    assert "$h_{0}$" in [t.get_text() for t in ax.texts]


def test_folded_has_one_cell_and_a_loop_and_uses_given_axes():
    fig, ax = plt.subplots()
    out = diagrams.draw_folded_rnn(ax=ax)
    assert out is ax
    assert len(_patches(ax, "cell")) == 1
    assert len(_patches(ax, "loop")) == 1
    assert _labels(ax, "input-label") == ["$x_t$"]
    assert _labels(ax, "output-label") == ["$h_t$"]
    # the loop says what it carries: h_t, read as h_{t-1} at the next step
    (loop_label,) = _labels(ax, "loop-label")
    assert "$h_t$" in loop_label and "$h_{t-1}$" in loop_label


@pytest.mark.parametrize("sizes", [(3, 4, 2), (1, 5, 1)])
def test_feedforward_vs_recurrent_units_and_loop(sizes):
    fig = diagrams.draw_feedforward_vs_recurrent(sizes)
    left, right = fig.axes
    for ax in (left, right):
        assert len(_patches(ax, "unit-input")) == sizes[0]
        assert len(_patches(ax, "unit-cell")) == sizes[1]
        assert len(_patches(ax, "unit-output")) == sizes[2]
        # fully connected: one line per pair of units in neighbouring layers
        assert len(ax.lines) == sizes[0] * sizes[1] + sizes[1] * sizes[2]
    assert _patches(left, "loop") == []
    assert len(_patches(right, "loop")) == 1


def test_feedforward_vs_recurrent_rejects_wrong_sizes():
    with pytest.raises(ValueError, match="3 layer sizes"):
        diagrams.draw_feedforward_vs_recurrent((3, 4))


@pytest.mark.parametrize("pattern,steps,n_in,n_out,n_cells", [
    ("one-to-many", 4, 1, 4, 4),
    ("many-to-one", 4, 4, 1, 4),
    ("many-to-many", 4, 4, 4, 4),
    ("encoder-decoder", 3, 3, 3, 6),
    ("many-to-one", 1, 1, 1, 1),
])
def test_io_pattern_box_counts(pattern, steps, n_in, n_out, n_cells):
    ax = diagrams.draw_io_pattern(pattern, steps=steps)
    assert len(_patches(ax, "input")) == n_in
    assert len(_patches(ax, "output")) == n_out
    assert len(_patches(ax, "cell")) == n_cells
    assert pattern in ax.get_title()


@pytest.mark.parametrize("pattern", ["one-to-many", "many-to-one", "many-to-many"])
def test_io_pattern_single_rnn_cells_are_all_labelled_rnn(pattern):
    ax = diagrams.draw_io_pattern(pattern, steps=4)
    assert _labels(ax, "cell-label") == ["RNN"] * 4


def test_encoder_decoder_names_its_two_rnns_apart():
    ax = diagrams.draw_io_pattern("encoder-decoder", steps=3, out_steps=2)
    assert _labels(ax, "cell-label") == ["enc"] * 3 + ["dec"] * 2
    colours = [p.get_facecolor() for p in _patches(ax, "cell")]
    assert colours[0] == colours[2] != colours[3] == colours[4]


def test_io_pattern_positions():
    # many-to-one: the single output sits above the last cell
    ax = diagrams.draw_io_pattern("many-to-one", steps=5)
    (out,) = _patches(ax, "output")
    cells = _patches(ax, "cell")
    assert out.get_x() == pytest.approx(max(c.get_x() for c in cells))
    # one-to-many: the single input sits below the first cell
    ax = diagrams.draw_io_pattern("one-to-many", steps=5)
    (inp,) = _patches(ax, "input")
    assert inp.get_x() == pytest.approx(min(c.get_x() for c in _patches(ax, "cell")))
    # encoder-decoder: every input comes before every output in time
    ax = diagrams.draw_io_pattern("encoder-decoder", steps=2, out_steps=4)
    assert len(_patches(ax, "output")) == 4
    assert max(p.get_x() for p in _patches(ax, "input")) < min(
        p.get_x() for p in _patches(ax, "output"))


@pytest.mark.parametrize("pattern,steps,inputs,outputs", [
    # every label carries the step at which it enters or leaves the RNN
    ("many-to-one", 3, ["$x_{0}$", "$x_{1}$", "$x_{2}$"], [r"$\hat y_{2}$"]),
    ("one-to-many", 3, ["$x_{0}$"], [r"$\hat y_{0}$", r"$\hat y_{1}$", r"$\hat y_{2}$"]),
    ("many-to-many", 2, ["$x_{0}$", "$x_{1}$"], [r"$\hat y_{0}$", r"$\hat y_{1}$"]),
    # the decoder counts its own steps from 0
    ("encoder-decoder", 2, ["$x_{0}$", "$x_{1}$"], [r"$\hat y_{0}$", r"$\hat y_{1}$"]),
])
def test_io_pattern_labels_name_the_time_step(pattern, steps, inputs, outputs):
    ax = diagrams.draw_io_pattern(pattern, steps=steps)
    assert _labels(ax, "input-label") == inputs
    assert _labels(ax, "output-label") == outputs


def test_io_pattern_rejects_unknown_pattern():
    with pytest.raises(ValueError, match="pattern must be one of .* got 'two-to-two'"):
        diagrams.draw_io_pattern("two-to-two")


@pytest.mark.parametrize("encoder_decoder,n_panels", [(True, 4), (False, 3)])
def test_io_patterns_one_panel_per_pattern(encoder_decoder, n_panels):
    fig = diagrams.draw_io_patterns(steps=3, encoder_decoder=encoder_decoder)
    assert len(fig.axes) == n_panels
    titles = [ax.get_title().split("\n")[0] for ax in fig.axes]
    assert titles == list(diagrams.PATTERNS[:n_panels])


def test_heatmap_shows_exactly_the_given_states():
    hs = np.tanh(np.random.default_rng(0).standard_normal((7, 5)))
    ax = diagrams.plot_hidden_states(hs, title="my states")
    np.testing.assert_array_equal(np.asarray(ax.images[0].get_array()), hs)
    assert ax.images[0].get_clim() == (-1.0, 1.0)
    assert ax.get_xlabel() == "hidden unit" and "time step" in ax.get_ylabel()
    assert ax.get_title() == "my states"
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(t) for t in range(7)]
    assert len(ax.figure.axes) == 2  # the heatmap and its colour bar


def test_heatmap_rejects_a_batch():
    with pytest.raises(ValueError, match=r"hs must have 2 axes \(T, H\), got 3 axes"):
        diagrams.plot_hidden_states(np.zeros((2, 3, 4)))
