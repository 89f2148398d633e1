"""The pictures of chapters 1 and 2: RNN cells, unrolled chains, input/output patterns.

Every function draws on a matplotlib Axes (a new one if ``ax`` is None) and
returns it, so a notebook can place several drawings side by side. Nothing here
keeps global state or changes matplotlib's settings.

The diagrams are built from three kinds of boxes, each patch tagged with a
``gid`` so that a test (or a curious reader) can find them again:

- ``"input"``: an input vector x_t (drawn below its cell),
- ``"cell"``: the RNN cell, the one layer that runs at every time step,
- ``"output"``: what comes out: a hidden state h_t or an output y-hat_t (drawn above).

Arrows are tagged ``"arrow"``, the self-loop of the folded cell ``"loop"``.
Coordinates are data units on an equal-aspect Axes with the frame switched off.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .._checks import check_float_array, check_positive_int

# One colour per kind of box, the same in every figure of the book.
COLORS = {
    "input": "#cfe2f3",    # blue: data going in
    "cell": "#fce5cd",     # orange: the RNN cell (same weights everywhere)
    "decoder": "#f4cccc",  # red: a second RNN (the decoder of an encoder-decoder)
    "output": "#d9ead3",   # green: what comes out
}

BOX_W, BOX_H = 0.9, 0.55   # size of a box
STEP = 1.6                 # horizontal distance between two time steps
ROW = 1.25                 # vertical distance between inputs, cells and outputs

PATTERNS = ("one-to-many", "many-to-one", "many-to-many", "encoder-decoder")
_EXAMPLES = {
    "one-to-many": "e.g. image captioning",
    "many-to-one": "e.g. sentiment classification",
    "many-to-many": "e.g. tagging every word",
    "encoder-decoder": "e.g. translation",
}


# --- small building blocks -----------------------------------------------------------------

def _get_ax(ax, figsize):
    """Return ``ax``, or a fresh Axes of the given size."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _box(ax, x, y, text, kind, facecolor=None):
    """A rounded box centred at (x, y) with a label; its patch has ``gid=kind``."""
    patch = FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H,
                           boxstyle="round,pad=0.02,rounding_size=0.1",
                           facecolor=facecolor or COLORS[kind], edgecolor="0.2",
                           linewidth=1.2, gid=kind)
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=11, gid=f"{kind}-label")
    return patch


def _arrow(ax, start, end, gid="arrow", **kwargs):
    """A straight arrow from ``start`` to ``end`` (points in data units)."""
    arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12,
                            linewidth=1.2, color="0.2", shrinkA=0, shrinkB=0, gid=gid,
                            **kwargs)
    ax.add_patch(arrow)
    return arrow


def _up(ax, x, y_from, y_to):
    """A vertical arrow between two boxes centred at heights y_from < y_to."""
    return _arrow(ax, (x, y_from + BOX_H / 2), (x, y_to - BOX_H / 2))


def _right(ax, x_from, x_to, y):
    """A horizontal arrow between two boxes centred at x_from < x_to."""
    return _arrow(ax, (x_from + BOX_W / 2, y), (x_to - BOX_W / 2, y))


def _finish(ax, xlim, ylim, title):
    """Equal aspect, no frame, a title: what every diagram ends with."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    return ax


# --- the cell, folded and unrolled ---------------------------------------------------------

def draw_folded_rnn(ax=None):
    """Draw the folded RNN: one cell whose output feeds back into itself.

    x_t enters from below, h_t leaves upwards, and a loop on the right carries
    h_t back into the cell, where it is used as h_{t-1} at the next step.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw. Default: a new figure.

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    ax = _get_ax(ax, (3, 3.6))
    _box(ax, 0, -ROW, "$x_t$", "input")
    _box(ax, 0, 0, "RNN", "cell")
    _box(ax, 0, ROW, "$h_t$", "output")
    _up(ax, 0, -ROW, 0)
    _up(ax, 0, 0, ROW)
    # The loop: out of the cell's right side, round, and back in lower down.
    # A negative arc radius bends the arrow to the right of its direction.
    _arrow(ax, (BOX_W / 2, 0.17), (BOX_W / 2, -0.17), gid="loop",
           connectionstyle="arc3,rad=-2.2")
    # Say what travels round the loop: h_t, which the next step reads as h_{t-1}.
    ax.text(BOX_W / 2 + 0.75, 0, "$h_t$ fed back:\nthe next step's\n$h_{t-1}$ (times $W_h$)",
            ha="left", va="center", fontsize=10, gid="loop-label")
    return _finish(ax, (-0.7, 3.0), (-ROW - 0.5, ROW + 0.5), "Folded: a loop")


def draw_unrolled_rnn(T=4, start=0, ax=None):
    """Draw the RNN unrolled over ``T`` time steps: the same cell, once per step.

    Cell t reads x_t and the previous hidden state (the arrow from the left) and
    writes h_t, which goes both up (to the output) and right (to step t+1).

    Parameters
    ----------
    T : int
        Number of time steps (cells) to draw.
    start : int
        Index of the first step: 0 labels the inputs x_0 .. x_{T-1} (as the code
        indexes ``xs[:, t]``); 1 labels them x_1 .. x_T.
    ax : matplotlib.axes.Axes, optional
        Where to draw. Default: a new figure.

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    T = check_positive_int(T, "T", "draw_unrolled_rnn")
    ax = _get_ax(ax, (1.6 * T + 1.6, 3.8))
    for i in range(T):
        t = start + i
        x = i * STEP
        _box(ax, x, -ROW, f"$x_{{{t}}}$", "input")
        _box(ax, x, 0, "RNN", "cell")
        _box(ax, x, ROW, f"$h_{{{t}}}$", "output")
        _up(ax, x, -ROW, 0)
        _up(ax, x, 0, ROW)
        if i > 0:
            _right(ax, x - STEP, x, 0)
    # The state before the first step comes in from the left (zeros by default).
    x_first = -STEP + BOX_W / 2
    ax.text(x_first - 0.05, 0, f"$h_{{{start - 1}}}$", ha="right", va="center", fontsize=11)
    _arrow(ax, (x_first, 0), (-BOX_W / 2, 0))
    ax.text((T - 1) * STEP / 2, -ROW - 0.65,
            "every cell is the same layer: shared $W_x$, $W_h$, $b$",
            ha="center", va="center", fontsize=10, style="italic")
    return _finish(ax, (-STEP - 0.4, (T - 1) * STEP + 0.7), (-ROW - 0.95, ROW + 0.5),
                   f"Unrolled over T = {T} time steps")


# --- a feed-forward layer next to a recurrent one ------------------------------------------

def _layer_units(ax, x, n, kind, y_centre=0.0, gap=0.55):
    """A vertical column of ``n`` circles (units); returns their centres."""
    ys = y_centre + gap * (np.arange(n) - (n - 1) / 2)
    for y in ys:
        ax.add_patch(Circle((x, y), 0.17, facecolor=COLORS[kind], edgecolor="0.2",
                            linewidth=1.0, gid=f"unit-{kind}"))
    return [(x, float(y)) for y in ys]


def _draw_network(ax, sizes, recurrent):
    """Input, hidden and output columns of units, fully connected left to right."""
    columns = [_layer_units(ax, 1.6 * j, n, kind)
               for j, (n, kind) in enumerate(zip(sizes, ("input", "cell", "output"),
                                                 strict=True))]
    for left, right in zip(columns[:-1], columns[1:], strict=True):
        for a in left:
            for b in right:
                ax.plot([a[0] + 0.17, b[0] - 0.17], [a[1], b[1]], color="0.6",
                        linewidth=0.6, zorder=0)
    for j, name in enumerate(("input $x$", "hidden $h$", r"output $\hat y$")):
        ax.text(1.6 * j, -0.55 * max(sizes) / 2 - 0.35, name, ha="center", va="top",
                fontsize=10)
    height = 0.55 * max(sizes) / 2
    if recurrent:
        # A dashed frame round the hidden layer and a loop over it: the layer's whole
        # output h_t re-enters the same layer at the next time step (through W_h).
        top = columns[1][-1][1] + 0.3
        bottom = columns[1][0][1] - 0.3
        ax.add_patch(FancyBboxPatch((1.6 - 0.3, bottom), 0.6, top - bottom,
                                    boxstyle="round,pad=0.02,rounding_size=0.15",
                                    facecolor="none", edgecolor="0.3", linestyle="--",
                                    gid="hidden-frame"))
        _arrow(ax, (1.6 + 0.2, top), (1.6 - 0.2, top), gid="loop",
               connectionstyle="arc3,rad=1.6")
        ax.text(1.6, top + 0.55, "$h_{t-1}$ back in ($W_h$)", ha="center", va="bottom",
                fontsize=10)
    ax.set_xlim(-0.6, 3.8)
    ax.set_ylim(-height - 0.9, height + 1.2)


def draw_feedforward_vs_recurrent(sizes=(3, 4, 2), axes=None):
    """Draw a feed-forward network next to a recurrent one of the same sizes.

    Left: values flow only from input to output. Right: the hidden layer also
    receives its own previous output (the loop), which is what makes it recurrent.

    Parameters
    ----------
    sizes : tuple of 3 ints
        Number of units in the input, hidden and output layers.
    axes : sequence of two matplotlib.axes.Axes, optional
        Where to draw. Default: a new figure with two panels.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    if len(sizes) != 3:
        raise ValueError(f"draw_feedforward_vs_recurrent: sizes must be 3 layer sizes "
                         f"(input, hidden, output), got {tuple(sizes)}")
    sizes = tuple(check_positive_int(n, "sizes", "draw_feedforward_vs_recurrent")
                  for n in sizes)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8, 3.4))
    for ax, recurrent, title in zip(axes, (False, True),
                                    ("Feed-forward: no loop", "Recurrent: a loop"),
                                    strict=True):
        _draw_network(ax, sizes, recurrent)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title)
    return axes[0].figure


# --- input/output patterns -----------------------------------------------------------------

def draw_io_pattern(pattern, steps=3, out_steps=None, ax=None):
    """Draw one input/output pattern of an RNN over a few time steps.

    Inputs and outputs are labelled with the time step at which they enter or
    leave: the single output of many-to-one over three steps is y-hat_2, drawn
    above the last cell. The decoder of an encoder-decoder counts its own steps
    from 0, so its outputs are y-hat_0, y-hat_1, ...

    Parameters
    ----------
    pattern : {"one-to-many", "many-to-one", "many-to-many", "encoder-decoder"}
        ``"many-to-many"`` is the aligned form (one output per input);
        ``"encoder-decoder"`` reads all inputs first, then writes the outputs; its two
        RNNs (different weights) are labelled "enc" and "dec".
    steps : int
        Number of time steps; for ``"encoder-decoder"`` the number of input steps.
    out_steps : int, optional
        For ``"encoder-decoder"`` only: the number of output steps (default ``steps``).
    ax : matplotlib.axes.Axes, optional
        Where to draw. Default: a new figure.

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    if pattern not in PATTERNS:
        raise ValueError(f"draw_io_pattern: pattern must be one of {PATTERNS}, got {pattern!r}")
    steps = check_positive_int(steps, "steps", "draw_io_pattern")
    n_out = steps if out_steps is None else check_positive_int(out_steps, "out_steps",
                                                               "draw_io_pattern")
    if pattern == "encoder-decoder":
        n_cells = steps + n_out
        has_input = [i < steps for i in range(n_cells)]
        has_output = [i >= steps for i in range(n_cells)]
    else:
        n_cells = steps
        has_input = [pattern != "one-to-many" or i == 0 for i in range(n_cells)]
        has_output = [pattern != "many-to-one" or i == n_cells - 1 for i in range(n_cells)]

    ax = _get_ax(ax, (1.6 * n_cells + 0.6, 3.4))
    for i in range(n_cells):
        x = i * STEP
        decoder = pattern == "encoder-decoder" and i >= steps
        # Name the two RNNs of an encoder-decoder apart: they have different weights.
        label = ("dec" if decoder else "enc") if pattern == "encoder-decoder" else "RNN"
        _box(ax, x, 0, label, "cell",
             facecolor=COLORS["decoder"] if decoder else None)
        if i > 0:
            _right(ax, x - STEP, x, 0)
        # The step this cell runs at: the decoder counts its own steps from 0.
        t = i - steps if decoder else i
        if has_input[i]:
            _box(ax, x, -ROW, f"$x_{{{t}}}$", "input")
            _up(ax, x, -ROW, 0)
        if has_output[i]:
            _box(ax, x, ROW, rf"$\hat y_{{{t}}}$", "output")
            _up(ax, x, 0, ROW)
    return _finish(ax, (-0.6, (n_cells - 1) * STEP + 0.6), (-ROW - 0.5, ROW + 0.5),
                   f"{pattern}\n({_EXAMPLES[pattern]})")


def draw_io_patterns(steps=3, encoder_decoder=True, axes=None):
    """Draw the input/output patterns side by side, one panel each.

    Parameters
    ----------
    steps : int
        Number of time steps in each panel.
    encoder_decoder : bool
        Also draw the encoder-decoder form of many-to-many (a fourth panel).
    axes : sequence of matplotlib.axes.Axes, optional
        One Axes per panel (3, or 4 with ``encoder_decoder``). Default: a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    patterns = PATTERNS if encoder_decoder else PATTERNS[:3]
    if axes is None:
        if encoder_decoder:
            # The three basic patterns on top; the wider encoder-decoder below them.
            fig = plt.figure(figsize=(4.2 * steps, 5.6))
            grid = fig.add_gridspec(2, 6, hspace=0.4)
            axes = [fig.add_subplot(grid[0, 2 * i:2 * i + 2]) for i in range(3)]
            axes.append(fig.add_subplot(grid[1, 1:5]))
        else:
            _, axes = plt.subplots(1, 3, figsize=(4.2 * steps, 2.8))
    if len(axes) != len(patterns):
        raise ValueError(f"draw_io_patterns: need {len(patterns)} axes, got {len(axes)}")
    for ax, p in zip(axes, patterns, strict=True):
        draw_io_pattern(p, steps=steps, ax=ax)
    return axes[0].figure


# --- hidden states as a heatmap -------------------------------------------------------------

def plot_hidden_states(hs, ax=None, title="Hidden states $h_t$", start=0):
    """Show a sequence of hidden states as a heatmap: one row per time step.

    Parameters
    ----------
    hs : ndarray, shape (T, H)
        The hidden states of one sequence, for example ``rnn.forward(xs)[0]``.
    ax : matplotlib.axes.Axes, optional
        Where to draw. Default: a new figure.
    title : str
        The title of the plot.
    start : int
        Index of the first time step (the label of row 0).

    Returns
    -------
    ax : matplotlib.axes.Axes
        ``ax.images[0].get_array()`` holds ``hs``; the colour bar is
        attached to the same figure.
    """
    hs = check_float_array(hs, "hs", ("T", "H"), where="plot_hidden_states")
    T, H = hs.shape
    ax = _get_ax(ax, (0.45 * H + 2.5, 0.3 * T + 1.6))
    # tanh keeps every h_t in (-1, 1): a fixed, symmetric colour range makes
    # plots comparable, and white means exactly zero.
    image = ax.imshow(hs, cmap="RdBu_r", vmin=-1.0, vmax=1.0, aspect="auto",
                      interpolation="nearest")
    ax.set_xlabel("hidden unit")
    ax.set_ylabel("time step $t$")
    ax.set_xticks(range(H))
    ax.set_yticks(range(T))
    ax.set_yticklabels([str(start + t) for t in range(T)])
    ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, label="value of $h_t$ (tanh range)")
    return ax
