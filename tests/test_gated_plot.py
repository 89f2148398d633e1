import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from minirnn.plot.gated import (  # noqa: E402
    BACKWARD_COLOR,
    draw_gru_cell,
    draw_lstm_cell,
    draw_lstm_step_graph,
    plot_gate_trace,
)
from test_graph_plot import _collisions, _texts  # noqa: E402


def test_lstm_cell_has_the_gates_the_cell_state_line_and_the_elementwise_nodes():
    ax = draw_lstm_cell()
    nodes = {k: t.get_text() for k, t in _texts(ax, "node:").items()}
    assert [nodes[k] for k in ("f", "i", "o")] == [r"$\sigma$"] * 3
    assert nodes["g"] == "tanh" and nodes["tanh_c"] == "tanh"
    assert nodes["add_c"] == "+"
    assert all(nodes[k] == r"$\times$" for k in ("mul_f", "mul_ig", "mul_o"))
    for k, sym in [("c_prev", "c_{t-1}"), ("c_t", "c_t"), ("h_prev", "h_{t-1}"),
                   ("h_t", "h_t"), ("x_t", "x_t")]:
        assert sym in nodes[k]
    # the cell-state line: c_{t-1} -> x f_t -> + -> c_t, all at one height
    ys = {k: _texts(ax, "node:")[k].get_position()[1] for k in ("c_prev", "mul_f", "add_c",
                                                                 "c_t")}
    assert len(set(ys.values())) == 1
    edges = {k: t.get_text() for k, t in _texts(ax, "edge:").items()}
    assert edges["f"] == r"$f_t$" and "i_t" in edges["ig"] and "g_t" in edges["ig"]
    names = {t.get_text() for t in _texts(ax, "label:").values()}
    assert {"forget", "input", "candidate", "output", "cell state"} <= names


def test_gru_cell_has_update_reset_candidate_and_no_cell_state():
    ax = draw_gru_cell()
    nodes = {k: t.get_text() for k, t in _texts(ax, "node:").items()}
    assert nodes["z"] == nodes["r"] == r"$\sigma$" and nodes["n"] == "tanh"
    assert nodes["one_minus"] == "$1-$" and nodes["add_h"] == "+"
    assert not any("c_" in v for v in nodes.values())
    edges = {k: t.get_text() for k, t in _texts(ax, "edge:").items()}
    assert "z_t \\odot h_{t-1}" in edges["zh"] and "(1 - z_t) \\odot n_t" in edges["mul_n"]
    assert edges["r"] == r"$r_t$"
    assert "r_t \\odot (W_{hn} h_{t-1} + b_{hn})" in _texts(ax, "label:")["n_equation"].get_text()


def test_lstm_step_graph_forward_and_backward_labels():
    ax = draw_lstm_step_graph()
    assert not _texts(ax, "grad:")
    ax = draw_lstm_step_graph(backward=True)
    grads = {k: t.get_text() for k, t in _texts(ax, "grad:").items()}
    # the additive path: dc_{t-1} = dc_t * f_t, and the gates' local rules
    assert r"dc_{t-1} = dc_t \odot f_t" in grads["c_prev"]
    assert r"df_t = dc_t \odot c_{t-1}" in grads["f"]
    assert r"di_t = dc_t \odot g_t" in grads["i"] and r"dg_t = dc_t \odot i_t" in grads["g"]
    assert r"do_t = dh_t \odot \tanh(c_t)" in grads["o"]
    assert "f_t(1-f_t)" in grads["a_f"] and "(1-g_t^2)" in grads["a_g"]
    assert r"(1 - \tanh^2 c_t)" in grads["c_down"]
    assert all(to_rgba(t.get_color()) == to_rgba(BACKWARD_COLOR)
               for t in _texts(ax, "grad:").values())
    edges = {k: t.get_text() for k, t in _texts(ax, "edge:").items()}
    assert "(N, H)" in edges["c_prev"] and "(N, H)" in edges["h_out"]


@pytest.mark.parametrize("draw", [
    draw_lstm_cell, draw_gru_cell, draw_lstm_step_graph,
    lambda: draw_lstm_step_graph(backward=True),
], ids=["lstm-cell", "gru-cell", "lstm-graph", "lstm-graph-backward"])
def test_labels_do_not_collide_with_each_other_or_with_arrows(draw):
    assert _collisions(draw()) == []


def test_gate_trace_plots_every_curve_and_the_markers():
    ax = plot_gate_trace({"f": np.linspace(0, 1, 10), "i": np.zeros(10)}, markers=[2, 7],
                         title="t")
    assert [ln.get_label() for ln in ax.lines] == ["f", "i"]
    assert len(ax.patches) == 2 and ax.get_title() == "t"
