r"""Computational graphs of the RNN: one step, and the backward flow over time.

The figures use the book's notation for a batch at one step (bold capitals, one
row per sequence): :func:`draw_rnn_step_graph` draws the step

    A_t = X_t W_x^T + H_{t-1} W_h^T + b,     H_t = tanh(A_t)

as four nodes (MatMul, MatMul, +, tanh) with every edge labelled by its array
and shape, and optionally the backward quantity carried by each edge in
another colour. :func:`draw_unrolled_backward` draws T steps: each step t
receives the gradient of its own loss term from above and sends
dA_t W_h, the part of dH_{t-1} that comes through the recurrence, back to
step t-1; the shared W_h collects one term per step. With ``window`` it marks
where truncated BPTT cuts that flow: only the recurrent part dA_k W_h is
dropped at a boundary, never the loss term of the step before it.

Every text artist gets a ``gid`` (``"node:..."``, ``"edge:..."``,
``"grad:..."``) so that the figures can be inspected programmatically.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch

FORWARD_COLOR = "black"
BACKWARD_COLOR = "tab:red"
NODE_COLOR = "#dbe9f6"
INPUT_COLOR = "#f2f2f2"

# Node name -> (x, y, label, is_operation). Coordinates of an 11 x 6 canvas.
_STEP_NODES = {
    "x_t": (0.7, 5.0, r"$\mathbf{X}_t$", False),
    "W_x": (0.7, 3.6, r"$W_x$", False),
    "h_prev": (0.7, 2.0, r"$\mathbf{H}_{t-1}$", False),
    "W_h": (0.7, 0.6, r"$W_h$", False),
    "b": (6.3, 5.5, r"$b$", False),
    "matmul_x": (3.2, 4.3, "MatMul", True),
    "matmul_h": (3.2, 1.3, "MatMul", True),
    "add": (6.3, 2.8, "+", True),
    "tanh": (8.4, 2.8, "tanh", True),
    "h_t": (10.3, 2.8, r"$\mathbf{H}_t$", False),
}

# (name, source, target, forward label, backward label, where the forward label goes,
#  where the backward label goes, horizontal alignment). Forward labels sit nearest the
#  arrow; positions were chosen so that no label touches another label or an arrow
#  (tests/test_graph_plot.py checks this).
_STEP_EDGES = [
    ("x_t", "x_t", "matmul_x", r"$\mathbf{X}_t$  (N, D)", r"$d\mathbf{X}_t = d\mathbf{A}_t\,W_x$",
     (1.95, 5.1), (1.95, 5.45), "center"),
    ("W_x", "W_x", "matmul_x", r"$W_x$  (H, D)", r"$dW_x = d\mathbf{A}_t^\top \mathbf{X}_t$",
     (1.9, 3.5), (1.9, 3.15), "center"),
    ("h_prev", "h_prev", "matmul_h", r"$\mathbf{H}_{t-1}$  (N, H)", r"$d\mathbf{A}_t\,W_h$",
     (1.95, 2.15), (1.95, 2.5), "center"),
    ("W_h", "W_h", "matmul_h", r"$W_h$  (H, H)", r"$dW_h = d\mathbf{A}_t^\top \mathbf{H}_{t-1}$",
     (1.9, 0.5), (1.9, 0.15), "center"),
    ("xWx", "matmul_x", "add", r"$\mathbf{X}_t W_x^\top$  (N, H)", r"$d\mathbf{A}_t$",
     (4.4, 4.0), (4.9, 3.15), "left"),
    ("hWh", "matmul_h", "add", r"$\mathbf{H}_{t-1} W_h^\top$  (N, H)", r"$d\mathbf{A}_t$",
     (4.4, 1.6), (4.9, 2.45), "left"),
    ("b", "b", "add", r"$b$  (H,)", r"$db = \sum_n d\mathbf{A}_t$",
     (6.45, 4.45), (6.45, 4.0), "left"),
    ("a_t", "add", "tanh", r"$\mathbf{A}_t$  (N, H)",
     r"$d\mathbf{A}_t = d\mathbf{H}_t \odot (1 - \mathbf{H}_t^2)$",
     (7.35, 2.45), (7.35, 2.0), "center"),
    ("h_t", "tanh", "h_t", r"$\mathbf{H}_t$  (N, H)", r"$d\mathbf{H}_t$",
     (9.35, 3.15), (9.35, 3.55), "center"),
]


def _node(ax, x, y, label, is_op, gid, color=None):
    """A labelled box: operations filled blue, arrays (inputs/outputs) grey."""
    face = color or (NODE_COLOR if is_op else INPUT_COLOR)
    style = "round,pad=0.45" if is_op else "round,pad=0.3"
    t = ax.text(x, y, label, ha="center", va="center", fontsize=13 if is_op else 14,
                bbox={"boxstyle": style, "facecolor": face, "edgecolor": "0.3"}, zorder=3)
    t.set_gid(gid)
    return t


def _arrow(ax, start, end, color, gid, style="-|>", linestyle="-", shrink=22, rad=0.0,
           shrink_start=None):
    shrink_a = shrink if shrink_start is None else shrink_start
    arrow = FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14, color=color,
                            linestyle=linestyle, shrinkA=shrink_a, shrinkB=shrink, lw=1.4,
                            connectionstyle=f"arc3,rad={rad}", zorder=2)
    arrow.set_gid(gid)
    ax.add_patch(arrow)
    return arrow


def draw_rnn_step_graph(ax=None, backward=False, shapes=True):
    """Draw one RNN step as a computational graph (MatMul, MatMul, +, tanh).

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 9.6 x 5.6 inch figure is made if omitted.
    backward : bool
        If True, each edge also carries, in red, the gradient that flows
        back along it (dH_t, dA_t, dX_t, dW_x, dW_h, db, and dA_t W_h, what
        this step sends back to H_{t-1}: in a sequence, the part of dH_{t-1}
        that comes through step t).
    shapes : bool
        If True, forward labels show the array's shape, e.g. ``X_t (N, D)``.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on. Node texts have gid ``"node:<name>"``, forward
        edge labels ``"edge:<name>"``, backward labels ``"grad:<name>"``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9.6, 5.6))
    ax.set_xlim(-0.3, 11.0)
    ax.set_ylim(-0.3, 6.1)
    ax.set_axis_off()
    for name, (x, y, label, is_op) in _STEP_NODES.items():
        _node(ax, x, y, label, is_op, f"node:{name}")
    for name, src, dst, fwd, bwd, pos_f, pos_b, ha in _STEP_EDGES:
        _arrow(ax, _STEP_NODES[src][:2], _STEP_NODES[dst][:2], FORWARD_COLOR, f"arrow:{name}")
        label = fwd if shapes else fwd.split("  ")[0]
        t = ax.text(*pos_f, label, ha=ha, va="center", fontsize=12, color=FORWARD_COLOR)
        t.set_gid(f"edge:{name}")
        if backward:
            g = ax.text(*pos_b, bwd, ha=ha, va="center", fontsize=12, color=BACKWARD_COLOR)
            g.set_gid(f"grad:{name}")
    title = "One RNN step as a computational graph"
    if backward:
        title += "\n(black: forward arrays and shapes, red: gradients flowing back)"
    ax.set_title(title)
    return ax


def draw_unrolled_backward(T=4, window=None, ax=None):
    """Draw the backward flow of an RNN unrolled over ``T`` steps.

    Steps are numbered t = 0, ..., T-1, as the arrays index them, and the
    state before the first step is h_{-1} (the code's ``h0``). Step t
    receives the direct gradient of its own loss term, d(ell_t)/dH_t, from
    above; the arrow from step t to step t-1 carries dA_t W_h, the part of
    dH_{t-1} that comes through the recurrence (at step t-1 it is added to
    that step's own loss term). Into h_{-1}, which has no loss term, it is the
    whole dH_{-1}. Each step also adds its term dW_h^{(t)} to the gradient of
    the one shared W_h (drawn below). With ``window=k`` a grey line marks each
    window boundary (before steps k, 2k, ...): the forward arrow H crosses it,
    the backward arrow dA_k W_h is crossed out, because truncated BPTT carries
    the hidden state forward over the boundary but sends no gradient back.
    The loss term of the step just before the boundary still reaches it.

    Parameters
    ----------
    T : int
        Number of steps to draw (1 to 8 fit).
    window : int, optional
        k, the truncated-BPTT window; boundaries before steps k, 2k, ...
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.

    Returns
    -------
    matplotlib.axes.Axes
        Node texts have gid ``"node:..."`` (``"node:step<t>"``,
        ``"node:loss<t>"`` for t = 0..T-1, ``"node:h0"`` for the initial
        state h_{-1}, ``"node:W_h"``); gradient labels ``"grad:..."``
        (``"grad:back<t>"`` for the gradient dA_t W_h that step t sends back,
        t = 0..T-1, ``"grad:dl<t>"``, ``"grad:dWh<t>"``); the backward arrow
        of step t is ``"arrow:back<t>"``, or ``"cut:back<t>"`` when it crosses
        a window boundary, and the boundary line before step t is
        ``"cut:line<t>"``.
    """
    if isinstance(T, bool) or not isinstance(T, int) or not 1 <= T <= 8:
        raise ValueError(f"draw_unrolled_backward: T must be an int from 1 to 8, got {T!r}")
    if window is not None and (isinstance(window, bool) or not isinstance(window, int)
                               or window < 1):
        raise ValueError(f"draw_unrolled_backward: window must be a positive int or None, "
                         f"got {window!r}")
    dx = 2.1
    if ax is None:
        _, ax = plt.subplots(figsize=(dx * T + 2.4, 5.0))
    xs = [dx * t for t in range(T)]                    # x of step t
    x_init = xs[0] - dx * 0.95                         # x of h_{-1}
    y_cell, y_loss, y_w = 2.7, 4.6, 0.0
    ax.set_xlim(x_init - 0.6, xs[-1] + 1.3)
    ax.set_ylim(-0.5, 5.25)
    ax.set_axis_off()
    x_w = (xs[0] + xs[-1]) / 2                         # x of the shared W_h

    _node(ax, x_init, y_cell, r"$\mathbf{H}_{-1}$", False, "node:h0")
    for t, x in enumerate(xs):
        _node(ax, x, y_cell, f"step {t}", True, f"node:step{t}")
        _node(ax, x, y_loss, rf"$\ell_{{{t}}}$", False, f"node:loss{t}", color="#fde9d9")
        # Forward: H_t up to its loss; backward: d(ell_t)/dH_t down into the step.
        _arrow(ax, (x - 0.16, y_cell), (x - 0.16, y_loss), FORWARD_COLOR, f"arrow:h{t}up",
               shrink=20)
        _arrow(ax, (x + 0.16, y_loss), (x + 0.16, y_cell), BACKWARD_COLOR, f"arrow:dl{t}",
               shrink=20)
        g = ax.text(x + 0.26, (y_cell + y_loss) / 2 + 0.05,
                    rf"$\partial \ell_{{{t}}}/\partial \mathbf{{H}}_{{{t}}}$",
                    color=BACKWARD_COLOR, fontsize=12, va="center")
        g.set_gid(f"grad:dl{t}")
        # Each step adds its own term to the shared W_h's gradient: the label sits
        # under the step, the dashed arrow starts below the label.
        g = ax.text(x, y_cell - 0.95, rf"$dW_h^{{({t})}}$", color=BACKWARD_COLOR,
                    fontsize=12, ha="center", va="center")
        g.set_gid(f"grad:dWh{t}")
        _arrow(ax, (x, y_cell - 1.2), (x_w, y_w), BACKWARD_COLOR, f"arrow:dWh{t}",
               linestyle="--", shrink=26, shrink_start=2)

    # Horizontal arrows between neighbours: H_{t-1} forward above, and below it what
    # step t sends back, dA_t W_h (into h_{-1} that is all of dH_{-1}).
    left_xs = [x_init] + xs[:-1]
    for t, (x0, x1) in enumerate(zip(left_xs, xs, strict=True)):
        prev = t - 1                  # the arrow into step t carries H_{t-1} forward
        _arrow(ax, (x0, y_cell + 0.17), (x1, y_cell + 0.17), FORWARD_COLOR, f"arrow:h{prev}",
               shrink=30)
        # A window boundary lies before steps k, 2k, ...: dA_t W_h is not sent back over it.
        cut = window is not None and t >= 1 and t % window == 0
        a = _arrow(ax, (x1, y_cell - 0.17), (x0, y_cell - 0.17), BACKWARD_COLOR,
                   f"cut:back{t}" if cut else f"arrow:back{t}", shrink=30,
                   linestyle=":" if cut else "-")
        mx = (x0 + x1) / 2
        label = (r"$d\mathbf{A}_{0} W_h$" + "\n" + r"$= d\mathbf{H}_{-1}$" if t == 0
                 else rf"$d\mathbf{{A}}_{{{t}}} W_h$")
        g = ax.text(mx, y_cell - 0.5 - (0.12 if t == 0 else 0.0), label, color=BACKWARD_COLOR,
                    fontsize=11, ha="center", va="center")
        g.set_gid(f"grad:back{t}")
        if cut:
            a.set_alpha(0.5)
            line, = ax.plot([mx, mx], [y_cell - 0.27, y_loss + 0.45], color="0.45",
                            linestyle="-.", lw=1.2, zorder=1)
            line.set_gid(f"cut:line{t}")
            m = ax.text(mx, y_cell - 0.17, "x", color="0.1", fontsize=13, ha="center",
                        va="center", fontweight="bold")
            m.set_gid(f"cut:mark{t}")

    w = _node(ax, x_w, y_w, r"shared $W_h$:  $dW_h = \sum_{t=0}^{T-1} dW_h^{(t)}$", False,
              "node:W_h", color="#fde9d9")
    w.set_fontsize(12)
    title = f"Backpropagation through time over T = {T} steps"
    if window is not None:
        title += (f",\ntruncated to windows of k = {window} (at the grey lines only the "
                  r"recurrent part $d\mathbf{A}_t W_h$ is cut)")
    ax.set_title(title)
    return ax
