r"""Computational graphs of the RNN: one step, and the backward flow over time.

:func:`draw_rnn_step_graph` draws the step

    a_t = x_t W_x^T + h_{t-1} W_h^T + b,     h_t = tanh(a_t)

as four nodes (MatMul, MatMul, +, tanh) with every edge labelled by its array
and shape, and optionally the backward quantity carried by each edge in
another colour. :func:`draw_unrolled_backward` draws T steps with dh flowing
from step t to step t-1 and the shared W_h collecting one term per step; with
``window`` it marks where truncated BPTT cuts that flow.

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

# Node name -> (x, y, label, is_operation). Coordinates of a 10 x 6 canvas.
_STEP_NODES = {
    "x_t": (0.7, 5.0, r"$x_t$", False),
    "W_x": (0.7, 3.6, r"$W_x$", False),
    "h_prev": (0.7, 2.0, r"$h_{t-1}$", False),
    "W_h": (0.7, 0.6, r"$W_h$", False),
    "b": (5.6, 5.5, r"$b$", False),
    "matmul_x": (3.3, 4.3, "MatMul", True),
    "matmul_h": (3.3, 1.3, "MatMul", True),
    "add": (5.6, 2.8, "+", True),
    "tanh": (7.6, 2.8, "tanh", True),
    "h_t": (9.5, 2.8, r"$h_t$", False),
}

# (name, source, target, forward label, backward label, where the forward label goes,
#  where the backward label goes, horizontal alignment). Forward labels sit nearest the arrow.
_STEP_EDGES = [
    ("x_t", "x_t", "matmul_x", r"$x_t$  (N, D)", r"$dx_t = da_t\,W_x$",
     (2.0, 5.0), (2.0, 5.35), "center"),
    ("W_x", "W_x", "matmul_x", r"$W_x$  (H, D)", r"$dW_x = da_t^\top x_t$",
     (2.0, 3.55), (2.0, 3.2), "center"),
    ("h_prev", "h_prev", "matmul_h", r"$h_{t-1}$  (N, H)", r"$dh_{t-1} = da_t\,W_h$",
     (2.0, 2.05), (2.0, 2.4), "center"),
    ("W_h", "W_h", "matmul_h", r"$W_h$  (H, H)", r"$dW_h = da_t^\top h_{t-1}$",
     (2.0, 0.55), (2.0, 0.2), "center"),
    ("xWx", "matmul_x", "add", r"$x_t W_x^\top$  (N, H)", r"$da_t$",
     (4.1, 3.3), (4.1, 2.95), "right"),
    ("hWh", "matmul_h", "add", r"$h_{t-1} W_h^\top$  (N, H)", r"$da_t$",
     (4.6, 1.55), (4.6, 1.2), "left"),
    ("b", "b", "add", r"$b$  (H,)", r"$db = \sum_n da_t$",
     (5.75, 4.45), (5.75, 4.05), "left"),
    ("a_t", "add", "tanh", r"$a_t$  (N, H)", r"$da_t = dh_t \odot (1 - h_t^2)$",
     (6.6, 2.45), (6.6, 2.05), "center"),
    ("h_t", "tanh", "h_t", r"$h_t$  (N, H)", r"$dh_t$",
     (8.55, 3.15), (8.55, 3.5), "center"),
]


def _node(ax, x, y, label, is_op, gid, color=None):
    """A labelled box: operations filled blue, arrays (inputs/outputs) grey."""
    face = color or (NODE_COLOR if is_op else INPUT_COLOR)
    style = "round,pad=0.45" if is_op else "round,pad=0.3"
    t = ax.text(x, y, label, ha="center", va="center", fontsize=12 if is_op else 13,
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
        Where to draw; a new 11 x 5.5 inch figure is made if omitted.
    backward : bool
        If True, each edge also carries, in red, the gradient that flows
        back along it (dh_t, da_t, dx_t, dh_{t-1}, dW_x, dW_h, db).
    shapes : bool
        If True, forward labels show the array's shape, e.g. ``x_t (N, D)``.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on. Node texts have gid ``"node:<name>"``, forward
        edge labels ``"edge:<name>"``, backward labels ``"grad:<name>"``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 5.5))
    ax.set_xlim(-0.3, 10.4)
    ax.set_ylim(-0.3, 6.1)
    ax.set_axis_off()
    for name, (x, y, label, is_op) in _STEP_NODES.items():
        _node(ax, x, y, label, is_op, f"node:{name}")
    for name, src, dst, fwd, bwd, pos_f, pos_b, ha in _STEP_EDGES:
        _arrow(ax, _STEP_NODES[src][:2], _STEP_NODES[dst][:2], FORWARD_COLOR, f"arrow:{name}")
        label = fwd if shapes else fwd.split("  ")[0]
        t = ax.text(*pos_f, label, ha=ha, va="center", fontsize=10, color=FORWARD_COLOR)
        t.set_gid(f"edge:{name}")
        if backward:
            g = ax.text(*pos_b, bwd, ha=ha, va="center", fontsize=10, color=BACKWARD_COLOR)
            g.set_gid(f"grad:{name}")
    title = "One RNN step as a computational graph"
    if backward:
        title += " (black: forward arrays, red: gradients flowing back)"
    ax.set_title(title)
    return ax


def draw_unrolled_backward(T=4, window=None, ax=None):
    """Draw the backward flow of an RNN unrolled over ``T`` steps.

    Each step t receives the gradient of its own loss term dl_t/dh_t from
    above and dh_t from step t+1 on the right, and sends dh_{t-1} to the
    left; each step also adds its term dW_h^{(t)} to the gradient of the
    one shared W_h (drawn below). With ``window=k`` the dh arrows that
    cross a window boundary are drawn crossed out: truncated BPTT carries the
    hidden state forward over the boundary but no gradient back.

    Parameters
    ----------
    T : int
        Number of steps to draw (1 to 8 fit).
    window : int, optional
        k, the truncated-BPTT window; boundaries after steps k, 2k, ...
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.

    Returns
    -------
    matplotlib.axes.Axes
        Node texts have gid ``"node:..."`` (``"node:step<t>"``,
        ``"node:loss<t>"``, ``"node:W_h"``), gradient labels ``"grad:..."``;
        cut arrows have gid ``"cut:dh<t>"``.
    """
    if isinstance(T, bool) or not isinstance(T, int) or not 1 <= T <= 8:
        raise ValueError(f"draw_unrolled_backward: T must be an int from 1 to 8, got {T!r}")
    if window is not None and (isinstance(window, bool) or not isinstance(window, int)
                               or window < 1):
        raise ValueError(f"draw_unrolled_backward: window must be a positive int or None, "
                         f"got {window!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(2.2 * T + 2.5, 5.5))
    dx = 2.2
    xs = [1.6 + dx * (t - 1) for t in range(1, T + 1)]
    y_cell, y_loss, y_w = 2.8, 4.7, 0.0
    ax.set_xlim(-0.4, xs[-1] + 1.6)
    ax.set_ylim(-0.6, 5.4)
    ax.set_axis_off()

    _node(ax, xs[0] - dx * 0.85, y_cell, r"$h_0$", False, "node:h0")
    for t, x in zip(range(1, T + 1), xs, strict=True):
        _node(ax, x, y_cell, f"step {t}\ntanh", True, f"node:step{t}")
        _node(ax, x, y_loss, rf"$l_{{{t}}}$", False, f"node:loss{t}", color="#fde9d9")
        # Forward: h_t up to its loss; backward: dl_t/dh_t down into the step.
        _arrow(ax, (x - 0.18, y_cell), (x - 0.18, y_loss), FORWARD_COLOR, f"arrow:h{t}up",
               shrink=20)
        _arrow(ax, (x + 0.18, y_loss), (x + 0.18, y_cell), BACKWARD_COLOR, f"arrow:dl{t}",
               shrink=20)
        g = ax.text(x + 0.28, (y_cell + y_loss) / 2, rf"$\partial l_{{{t}}}/\partial h_{{{t}}}$",
                    color=BACKWARD_COLOR, fontsize=10, va="center")
        g.set_gid(f"grad:dl{t}")
        # Each step adds its own term to the shared W_h's gradient.
        x_w = xs[0] + (xs[-1] - xs[0]) / 2
        _arrow(ax, (x, y_cell - 0.5), (x_w, y_w), BACKWARD_COLOR, f"arrow:dWh{t}",
               linestyle="--", shrink=16, shrink_start=2)
        # Label a third of the way down the arrow, on its outer side.
        lx, ly = x + (x_w - x) * 0.3, y_cell - 0.5 + (y_w - y_cell + 0.5) * 0.3
        outer = 1 if x > x_w else -1
        g = ax.text(lx + 0.25 * outer + (0.25 if x == x_w else 0.0), ly,
                    rf"$dW_h^{{({t})}}$", color=BACKWARD_COLOR, fontsize=10, va="center",
                    ha="left" if outer > 0 or x == x_w else "right")
        g.set_gid(f"grad:dWh{t}")

    # Horizontal arrows between steps: forward h above, backward dh below.
    left_xs = [xs[0] - dx * 0.85] + xs[:-1]
    for t, (x0, x1) in enumerate(zip(left_xs, xs, strict=True), start=1):
        prev = t - 1  # the arrow carries h_{t-1} forward and dh_{t-1} back
        _arrow(ax, (x0, y_cell + 0.2), (x1, y_cell + 0.2), FORWARD_COLOR, f"arrow:h{prev}",
               shrink=28)
        # A window boundary lies after steps k, 2k, ...: dh_{prev} is not sent back over it.
        cut = window is not None and prev >= 1 and prev % window == 0
        a = _arrow(ax, (x1, y_cell - 0.2), (x0, y_cell - 0.2), BACKWARD_COLOR,
                   f"cut:dh{prev}" if cut else f"arrow:dh{prev}", shrink=28,
                   linestyle=":" if cut else "-")
        mx = (x0 + x1) / 2
        g = ax.text(mx, y_cell - 0.42, rf"$dh_{{{prev}}}$", color=BACKWARD_COLOR, fontsize=10,
                    ha="center", va="center")
        g.set_gid(f"grad:dh{prev}")
        if cut:
            a.set_alpha(0.5)
            ax.plot([mx, mx], [y_cell - 0.9, y_loss + 0.5], color="0.4", linestyle="--",
                    lw=1.0)
            m = ax.text(mx, y_cell - 0.18, "x", color="0.1", fontsize=12, ha="center",
                        va="center", fontweight="bold")
            m.set_gid(f"cut:mark{prev}")

    w = _node(ax, xs[0] + (xs[-1] - xs[0]) / 2, y_w,
              r"shared $W_h$:  $dW_h = \sum_{t=1}^{T} dW_h^{(t)}$", False, "node:W_h",
              color="#fde9d9")
    w.set_fontsize(11)
    title = f"Backpropagation through time over T = {T} steps"
    if window is not None:
        title += f", truncated to windows of k = {window} (gradient cut at dashed lines)"
    ax.set_title(title)
    return ax
