r"""Figures of chapter 6: the LSTM and GRU cells, the LSTM step as a graph, gate traces.

:func:`draw_lstm_cell` and :func:`draw_gru_cell` draw one cell as a diagram:
the state lines running left to right, the gate boxes (sigma or tanh of a
block of the pre-activation) fed by a bus that carries x_t and h_{t-1}, and the
element-wise nodes (product, sum, 1 - z) in circles.
:func:`draw_lstm_step_graph` draws one LSTM step from the four blocks of its
pre-activation a_t to h_t and c_t as a computational graph, every edge labelled
by its array and shape and, optionally, by the gradient that flows back along
it (the matrix products that make a_t are those of chapter 4's RNN step, only
4H wide). :func:`plot_gate_trace` plots gate and cell values of one sequence
over time.

Every text artist gets a ``gid`` (``"node:..."``, ``"edge:..."``,
``"grad:..."``, ``"label:..."``) so that the figures can be inspected
programmatically (tests/test_gated_plot.py checks that no label touches
another label or an arrow).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .graph import BACKWARD_COLOR, FORWARD_COLOR, _arrow, _node

GATE_COLOR = "#fbe7b5"          # sigma boxes: the gates
TANH_COLOR = "#d9ead3"          # tanh boxes: the candidate and the squashed cell state
POINT_COLOR = "#f4cccc"         # element-wise nodes


def _box(ax, x, y, label, color, gid, fontsize=13):
    t = ax.text(x, y, label, ha="center", va="center", fontsize=fontsize,
                bbox={"boxstyle": "round,pad=0.4", "facecolor": color, "edgecolor": "0.3"},
                zorder=3)
    t.set_gid(gid)
    return t


def _point(ax, x, y, label, gid):
    """An element-wise operation: a small circle."""
    t = ax.text(x, y, label, ha="center", va="center", fontsize=13,
                bbox={"boxstyle": "circle,pad=0.15", "facecolor": POINT_COLOR,
                      "edgecolor": "0.3"}, zorder=3)
    t.set_gid(gid)
    return t


def _line(ax, points, gid, color=FORWARD_COLOR, arrow=True, lw=1.4):
    """A polyline through ``points``; an arrow head on the last segment if ``arrow``."""
    xs, ys = zip(*points, strict=True)
    if arrow and len(points) > 2:
        line, = ax.plot(xs[:-1], ys[:-1], color=color, lw=lw, zorder=1,
                        solid_capstyle="butt")
        line.set_gid(gid + ":line")
        _arrow(ax, points[-2], points[-1], color, gid, shrink=0, shrink_start=0)
    elif arrow:
        _arrow(ax, points[0], points[1], color, gid, shrink=0, shrink_start=0)
    else:
        line, = ax.plot(xs, ys, color=color, lw=lw, zorder=1)
        line.set_gid(gid)


def _label(ax, x, y, text, gid, ha="center", color=FORWARD_COLOR, fontsize=12):
    t = ax.text(x, y, text, ha=ha, va="center", fontsize=fontsize, color=color)
    t.set_gid(gid)
    return t


# ----------------------------------------------------------------- the LSTM cell
def draw_lstm_cell(ax=None):
    """Draw one LSTM cell: the cell-state line on top, the four gates below.

    The cell state c_{t-1} runs along the top: it is multiplied by the forget
    gate f_t (a product node), gets i_t * g_t added (a sum node) and leaves as
    c_t. Below, x_t and h_{t-1} feed the four blocks f, i, g, o; h_t is the
    output gate o_t times tanh(c_t).

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 9.6 x 5.6 inch figure is made if omitted.

    Returns
    -------
    matplotlib.axes.Axes
        Gate boxes have gid ``"node:f"``, ``"node:i"``, ``"node:g"``, ``"node:o"``;
        element-wise nodes ``"node:mul_f"``, ``"node:mul_ig"``, ``"node:add_c"``,
        ``"node:tanh_c"``, ``"node:mul_o"``; the states ``"node:c_prev"``, ``"node:c_t"``,
        ``"node:h_prev"``, ``"node:h_t"``, ``"node:x_t"``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9.6, 5.6))
    ax.set_xlim(-0.4, 12.4)
    ax.set_ylim(-1.0, 7.0)
    ax.set_axis_off()
    y_c, y_bus, y_gate, y_mid = 6.0, 0.8, 2.6, 4.3
    x_f, x_i, x_g, x_o, x_h = 3.4, 5.4, 7.2, 9.0, 10.4
    x_ig = (x_i + x_g) / 2

    # the cell state: the line along the top
    _node(ax, 0.3, y_c, r"$c_{t-1}$", False, "node:c_prev")
    _node(ax, 11.9, y_c, r"$c_t$", False, "node:c_t")
    _point(ax, x_f, y_c, r"$\times$", "node:mul_f")
    _point(ax, x_ig, y_c, "+", "node:add_c")
    _arrow(ax, (0.3, y_c), (x_f, y_c), FORWARD_COLOR, "arrow:c_prev", shrink=18)
    _arrow(ax, (x_f, y_c), (x_ig, y_c), FORWARD_COLOR, "arrow:fc", shrink=14)
    _arrow(ax, (x_ig, y_c), (11.9, y_c), FORWARD_COLOR, "arrow:c_t", shrink=16)
    _label(ax, 1.9, y_c + 0.4, "cell state", "label:cell_state", color="0.35", fontsize=11)

    # the bus: h_{t-1} from the left, x_t from below
    _node(ax, 0.3, y_bus, r"$h_{t-1}$", False, "node:h_prev")
    _node(ax, 1.6, -0.6, r"$x_t$", False, "node:x_t")
    _line(ax, [(0.75, y_bus), (x_o, y_bus)], "arrow:bus", arrow=False)
    _line(ax, [(1.6, -0.3), (1.6, y_bus)], "arrow:x_t", arrow=False)
    for name, x, label, color in [("f", x_f, r"$\sigma$", GATE_COLOR),
                                  ("i", x_i, r"$\sigma$", GATE_COLOR),
                                  ("g", x_g, "tanh", TANH_COLOR),
                                  ("o", x_o, r"$\sigma$", GATE_COLOR)]:
        _arrow(ax, (x, y_bus), (x, y_gate), FORWARD_COLOR, f"arrow:bus_{name}",
               shrink_start=0, shrink=14)
        _box(ax, x, y_gate, label, color, f"node:{name}")

    # the gates' outputs
    _arrow(ax, (x_f, y_gate), (x_f, y_c), FORWARD_COLOR, "arrow:f", shrink=14)
    _label(ax, x_f - 0.2, (y_gate + y_c) / 2, r"$f_t$", "edge:f", ha="right")
    _label(ax, x_f + 0.12, y_gate - 0.6, "forget", "label:forget", ha="left", color="0.35",
           fontsize=11)
    _point(ax, x_ig, y_mid, r"$\times$", "node:mul_ig")
    _arrow(ax, (x_i, y_gate), (x_ig, y_mid), FORWARD_COLOR, "arrow:i", shrink=14)
    _arrow(ax, (x_g, y_gate), (x_ig, y_mid), FORWARD_COLOR, "arrow:g", shrink=14)
    _label(ax, x_i - 0.05, y_mid - 0.55, r"$i_t$", "edge:i", ha="right")
    _label(ax, x_g + 0.05, y_mid - 0.55, r"$g_t$", "edge:g", ha="left")
    _label(ax, x_i + 0.12, y_gate - 0.6, "input", "label:input", ha="left", color="0.35",
           fontsize=11)
    _label(ax, x_g + 0.12, y_gate - 0.6, "candidate", "label:candidate", ha="left",
           color="0.35", fontsize=11)
    _arrow(ax, (x_ig, y_mid), (x_ig, y_c), FORWARD_COLOR, "arrow:ig", shrink=14)
    _label(ax, x_ig + 0.15, (y_mid + y_c) / 2, r"$i_t \odot g_t$", "edge:ig", ha="left")

    # the output: h_t = o_t * tanh(c_t)
    _box(ax, x_h, y_mid, "tanh", TANH_COLOR, "node:tanh_c")
    _point(ax, x_h, y_gate, r"$\times$", "node:mul_o")
    _arrow(ax, (x_h, y_c), (x_h, y_mid), FORWARD_COLOR, "arrow:c_down", shrink_start=0,
           shrink=16)
    _arrow(ax, (x_h, y_mid), (x_h, y_gate), FORWARD_COLOR, "arrow:tanh_c", shrink=14)
    _arrow(ax, (x_o, y_gate), (x_h, y_gate), FORWARD_COLOR, "arrow:o", shrink=14)
    _label(ax, (x_o + x_h) / 2, y_gate + 0.35, r"$o_t$", "edge:o")
    _label(ax, x_o + 0.12, y_gate - 0.6, "output", "label:output", ha="left", color="0.35",
           fontsize=11)
    _node(ax, 11.9, y_bus, r"$h_t$", False, "node:h_t")
    _line(ax, [(x_h, y_gate), (x_h, y_bus), (11.9, y_bus)], "arrow:h_t")
    ax.set_title("One LSTM cell: the cell state runs along the top, the gates below")
    return ax


# ------------------------------------------------------------------ the GRU cell
def draw_gru_cell(ax=None):
    """Draw one GRU cell: the hidden-state line on top, the reset and update gates below.

    h_{t-1} runs along the top: it is multiplied by the update gate z_t, gets
    (1 - z_t) * n_t added and leaves as h_t. Below, x_t and h_{t-1} feed the
    update gate z, the reset gate r and the candidate n, which the reset gate
    enters: n_t = tanh(W_xn x_t + b_xn + r_t * (W_hn h_{t-1} + b_hn)).

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 9.6 x 5.6 inch figure is made if omitted.

    Returns
    -------
    matplotlib.axes.Axes
        Gate boxes have gid ``"node:z"``, ``"node:r"``, ``"node:n"``; element-wise
        nodes ``"node:mul_z"``, ``"node:one_minus"``, ``"node:mul_n"``,
        ``"node:add_h"``; the states ``"node:h_prev"``, ``"node:h_t"``, ``"node:x_t"``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9.6, 5.6))
    ax.set_xlim(-0.4, 12.4)
    ax.set_ylim(-1.0, 7.0)
    ax.set_axis_off()
    y_h, y_bus, y_gate, y_mid = 6.0, 0.8, 2.6, 4.3
    x_z, x_r, x_n = 3.6, 6.0, 8.6

    # the hidden state: the line along the top, and down into the bus
    _node(ax, 0.3, y_h, r"$h_{t-1}$", False, "node:h_prev")
    _node(ax, 11.9, y_h, r"$h_t$", False, "node:h_t")
    _point(ax, x_z, y_h, r"$\times$", "node:mul_z")
    _point(ax, x_n, y_h, "+", "node:add_h")
    _arrow(ax, (0.3, y_h), (x_z, y_h), FORWARD_COLOR, "arrow:h_prev", shrink=20)
    _arrow(ax, (x_z, y_h), (x_n, y_h), FORWARD_COLOR, "arrow:zh", shrink=14)
    _arrow(ax, (x_n, y_h), (11.9, y_h), FORWARD_COLOR, "arrow:h_t", shrink=16)
    _label(ax, (x_z + x_n) / 2, y_h + 0.4, r"$z_t \odot h_{t-1}$", "edge:zh")
    _line(ax, [(1.0, y_h), (1.0, y_bus)], "arrow:h_down", arrow=False)
    _label(ax, 1.15, (y_h + y_bus) / 2 + 0.6, r"$h_{t-1}$", "edge:h_down", ha="left")

    # the bus, and x_t from below
    _node(ax, 2.0, -0.6, r"$x_t$", False, "node:x_t")
    _line(ax, [(1.0, y_bus), (x_n, y_bus)], "arrow:bus", arrow=False)
    _line(ax, [(2.0, -0.3), (2.0, y_bus)], "arrow:x_t", arrow=False)
    for name, x, label, color in [("z", x_z, r"$\sigma$", GATE_COLOR),
                                  ("r", x_r, r"$\sigma$", GATE_COLOR),
                                  ("n", x_n, "tanh", TANH_COLOR)]:
        _arrow(ax, (x, y_bus), (x, y_gate), FORWARD_COLOR, f"arrow:bus_{name}",
               shrink_start=0, shrink=14)
        _box(ax, x, y_gate, label, color, f"node:{name}")
    for name, x in [("update", x_z), ("reset", x_r), ("candidate", x_n)]:
        _label(ax, x + 0.12, y_gate - 0.6, name, f"label:{name}", ha="left", color="0.35",
               fontsize=11)

    # z_t keeps the old state; 1 - z_t lets the candidate in
    _arrow(ax, (x_z, y_gate), (x_z, y_h), FORWARD_COLOR, "arrow:z", shrink=14)
    _label(ax, x_z - 0.2, y_mid, r"$z_t$", "edge:z", ha="right")
    x_om = (x_z + x_n) / 2
    _point(ax, x_om, y_mid, r"$1-$", "node:one_minus")
    _arrow(ax, (x_z, y_mid), (x_om, y_mid), FORWARD_COLOR, "arrow:z_one_minus",
           shrink_start=0, shrink=16)
    _point(ax, x_n, y_mid, r"$\times$", "node:mul_n")
    _arrow(ax, (x_om, y_mid), (x_n, y_mid), FORWARD_COLOR, "arrow:one_minus", shrink=16)
    _label(ax, (x_om + x_n) / 2, y_mid + 0.35, r"$1 - z_t$", "edge:one_minus")
    _arrow(ax, (x_n, y_gate), (x_n, y_mid), FORWARD_COLOR, "arrow:n", shrink=14)
    _label(ax, x_n + 0.2, (y_gate + y_mid) / 2, r"$n_t$", "edge:n", ha="left")
    _arrow(ax, (x_n, y_mid), (x_n, y_h), FORWARD_COLOR, "arrow:mul_n", shrink=14)
    _label(ax, x_n + 0.2, (y_mid + y_h) / 2, r"$(1 - z_t) \odot n_t$", "edge:mul_n",
           ha="left")

    # the reset gate enters the candidate
    _arrow(ax, (x_r, y_gate), (x_n, y_gate), FORWARD_COLOR, "arrow:r", shrink=16)
    _label(ax, (x_r + x_n) / 2, y_gate + 0.35, r"$r_t$", "edge:r")
    _label(ax, 12.3, -0.6,
           r"$n_t = \tanh(W_{xn} x_t + b_{xn} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))$",
           "label:n_equation", ha="right", color="0.35", fontsize=11)
    ax.set_title("One GRU cell: no separate memory, one update gate keeps or replaces h")
    return ax


# ------------------------------------------------ one LSTM step as a computational graph
# Node name -> (x, y, label, kind): kind "array" (grey), "op" (blue), "point" (element-wise).
_LSTM_NODES = {
    "c_prev": (0.5, 7.0, r"$c_{t-1}$", "array"),
    "a_f": (0.5, 5.6, r"$a^f_t$", "array"),
    "a_i": (0.5, 4.2, r"$a^i_t$", "array"),
    "a_g": (0.5, 2.8, r"$a^g_t$", "array"),
    "a_o": (0.5, 0.7, r"$a^o_t$", "array"),
    "sig_f": (4.4, 5.6, r"$\sigma$", "op"),
    "sig_i": (4.4, 4.2, r"$\sigma$", "op"),
    "tanh_g": (4.4, 2.8, "tanh", "op"),
    "sig_o": (4.4, 0.7, r"$\sigma$", "op"),
    "mul_f": (7.0, 7.0, r"$\times$", "point"),
    "mul_ig": (9.0, 4.2, r"$\times$", "point"),
    "add_c": (9.0, 7.0, "+", "point"),
    "tanh_c": (11.0, 4.2, "tanh", "op"),
    "mul_o": (11.0, 0.7, r"$\times$", "point"),
    "c_t": (14.0, 7.0, r"$c_t$", "array"),
    "h_t": (14.0, 0.7, r"$h_t$", "array"),
}

# (name, source, target, forward label, backward label, forward position, backward
#  position, horizontal alignment of both or of each). Positions were chosen so that no
#  label touches another label or an arrow (tests/test_gated_plot.py checks this).
_LSTM_EDGES = [
    ("c_prev", "c_prev", "mul_f", r"$c_{t-1}$  (N, H)", r"$dc_{t-1} = dc_t \odot f_t$",
     (3.75, 7.25), (3.75, 6.75), "center"),
    ("a_f", "a_f", "sig_f", "(N, H)", r"$da^f_t = df_t \odot f_t(1-f_t)$",
     (2.45, 5.85), (2.45, 5.35), "center"),
    ("a_i", "a_i", "sig_i", "(N, H)", r"$da^i_t = di_t \odot i_t(1-i_t)$",
     (2.45, 4.45), (2.45, 3.95), "center"),
    ("a_g", "a_g", "tanh_g", "(N, H)", r"$da^g_t = dg_t \odot (1-g_t^2)$",
     (2.45, 3.05), (2.45, 2.55), "center"),
    ("a_o", "a_o", "sig_o", "(N, H)", r"$da^o_t = do_t \odot o_t(1-o_t)$",
     (2.45, 0.95), (2.45, 0.45), "center"),
    ("f", "sig_f", "mul_f", r"$f_t$", r"$df_t = dc_t \odot c_{t-1}$",
     (5.55, 6.5), (6.3, 5.75), ("right", "left")),
    ("i", "sig_i", "mul_ig", r"$i_t$", r"$di_t = dc_t \odot g_t$",
     (5.4, 4.45), (7.75, 4.45), "center"),
    ("g", "tanh_g", "mul_ig", r"$g_t$", r"$dg_t = dc_t \odot i_t$",
     (5.4, 3.35), (7.6, 3.1), "center"),
    ("fc", "mul_f", "add_c", "", r"$dc_t$",
     (8.0, 7.25), (8.0, 6.75), "center"),
    ("ig", "mul_ig", "add_c", r"$i_t \odot g_t$", r"$dc_t$",
     (8.85, 5.0), (9.15, 5.0), ("right", "left")),
    ("c_out", "add_c", "c_t", r"$c_t$  (N, H)", r"$dc_{t+1} \odot f_{t+1}$",
     (11.5, 7.25), (11.5, 6.75), "center"),
    ("c_down", "add_c", "tanh_c", r"$c_t$", r"$dh_t \odot o_t \odot (1 - \tanh^2 c_t)$",
     (9.55, 5.6), (10.45, 5.9), "left"),
    ("tanh_c", "tanh_c", "mul_o", r"$\tanh(c_t)$", r"$dh_t \odot o_t$",
     (11.2, 2.75), (11.2, 2.25), "left"),
    ("o", "sig_o", "mul_o", r"$o_t$", r"$do_t = dh_t \odot \tanh(c_t)$",
     (7.7, 0.95), (7.7, 0.45), "center"),
    ("h_out", "mul_o", "h_t", r"$h_t$  (N, H)", r"$dh_t$",
     (12.5, 0.95), (12.5, 0.45), "center"),
]


def draw_lstm_step_graph(ax=None, backward=False):
    r"""Draw one LSTM step, from the blocks of a_t to h_t and c_t, as a computational graph.

    The inputs on the left are the previous cell state and the four (N, H)
    blocks of the pre-activation a_t = x_t W_x^T + h_{t-1} W_h^T + b (N, 4H),
    which chapter 4's MatMul and add nodes compute. The nodes are the gates'
    sigma and tanh, the element-wise products and the sum that make
    c_t = f_t * c_{t-1} + i_t * g_t, and tanh and a product for
    h_t = o_t * tanh(c_t).

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 12 x 6.4 inch figure is made if omitted.
    backward : bool
        If True, each edge also carries, in red, the gradient that flows back
        along it. c_t is used twice (by step t+1 and by tanh), so its
        gradient dc_t is the sum of the two that come back.

    Returns
    -------
    matplotlib.axes.Axes
        Node texts have gid ``"node:<name>"``, forward labels ``"edge:<name>"``,
        backward labels ``"grad:<name>"``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(12.0, 6.4))
    ax.set_xlim(-0.2, 14.7)
    ax.set_ylim(0.0, 7.6)
    ax.set_axis_off()
    for name, (x, y, label, kind) in _LSTM_NODES.items():
        if kind == "point":
            _point(ax, x, y, label, f"node:{name}")
        else:
            _node(ax, x, y, label, kind == "op", f"node:{name}")
    for name, src, dst, fwd, bwd, pos_f, pos_b, ha in _LSTM_EDGES:
        _arrow(ax, _LSTM_NODES[src][:2], _LSTM_NODES[dst][:2], FORWARD_COLOR,
               f"arrow:{name}", shrink=20)
        ha_f, ha_b = (ha, ha) if isinstance(ha, str) else ha
        if fwd:
            _label(ax, *pos_f, fwd, f"edge:{name}", ha=ha_f)
        if backward:
            _label(ax, *pos_b, bwd, f"grad:{name}", ha=ha_b, color=BACKWARD_COLOR)
    title = "One LSTM step as a computational graph (from the blocks of $a_t$)"
    if backward:
        title += "\n(black: forward arrays, red: gradients flowing back)"
    ax.set_title(title)
    return ax


# --------------------------------------------------------------------- gate traces
def plot_gate_trace(traces: dict, markers=(), ax=None, title: str | None = None,
                    ylabel: str = "value"):
    """Values of one sequence over time, with the marked steps shaded.

    Parameters
    ----------
    traces : dict
        label -> values of shape (T,), for example a forget gate f_t of one cell.
    markers : sequence of int
        Steps to mark with a vertical band (the adding problem's markers).
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    ylabel : str
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    for j, (label, values) in enumerate(traces.items()):
        values = np.asarray(values)
        ax.plot(np.arange(len(values)), values, color=f"C{j}", label=label, lw=1.4)
    for k, m in enumerate(markers):
        ax.axvspan(m - 0.5, m + 0.5, color="0.8", zorder=0,
                   label="marked steps" if k == 0 else None)
    ax.set_xlabel("time step $t$")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    # below the axes, where it cannot hide a curve
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    return ax
