"""Figures for the chapter "Real text": loss curves in nats and bits, temperature, and text
coloured by the activation of one hidden unit.

Every function draws on a given Axes (or a new one) and returns it.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Normalize
from matplotlib.patches import Rectangle

_BASELINE_STYLES = ("--", ":", "-.", (0, (1, 3)), (0, (6, 2, 1, 2, 1, 2)), (0, (3, 1, 1, 1)))
_BASELINE_COLORS = ("#555555", "#8c564b", "#7f7f7f", "#000000", "#bcbd22", "#17becf")


def add_bits_axis(ax):
    """A right-hand axis in bits per character for an axis in nats (1 bit = ln 2 nats)."""
    sec = ax.secondary_yaxis("right", functions=(lambda n: n / math.log(2),
                                                 lambda b: b * math.log(2)))
    sec.set_ylabel("bits per character")
    return sec


def plot_loss_curves(curves: dict, baselines: dict | None = None, ax=None,
                     title="Held-out loss", xlabel="epoch"):
    """Loss curves in nats (left axis) and bits per character (right axis).

    Parameters
    ----------
    curves : dict
        ``{label: (x, losses)}`` with losses in nats; a label containing
        "train" is drawn dashed.
    baselines : dict, optional
        ``{label: loss in nats}``, drawn as horizontal lines (for example the
        n-gram models).
    ax : matplotlib Axes, optional
    title, xlabel : str

    Returns
    -------
    ax : matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.2))
    for label, (x, y) in curves.items():
        style = "--" if "train" in label else "-"
        ax.plot(x, y, linestyle=style, marker="." if len(x) < 30 else None, label=label,
                gid=f"curve:{label}")
    for i, (label, value) in enumerate((baselines or {}).items()):
        ax.axhline(value, color=_BASELINE_COLORS[i % len(_BASELINE_COLORS)], linewidth=1.1,
                   linestyle=_BASELINE_STYLES[i % len(_BASELINE_STYLES)],
                   label=f"{label} ({value / math.log(2):.2f} bits)", gid=f"baseline:{label}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss (nats per character)")
    add_bits_axis(ax)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_temperature(dists: dict, labels, k: int = 12, ax=None,
                     title="The next-character distribution at three temperatures"):
    """Bars of the k most probable characters under each temperature.

    Parameters
    ----------
    dists : dict
        ``{temperature: p}`` with ``p`` of shape (V,), a distribution.
    labels : list of str
        The character of each id (shown with newlines and spaces made visible).
    k : int
        How many characters to show: the k most probable at temperature 1
        (or the first temperature given).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.6))
    temps = list(dists)
    ref = dists[1.0] if 1.0 in dists else dists[temps[0]]
    top = np.argsort(-np.asarray(ref), kind="stable")[:k]
    width = 0.8 / len(temps)
    for j, tau in enumerate(temps):
        p = np.asarray(dists[tau])
        ax.bar(np.arange(k) + (j - (len(temps) - 1) / 2) * width, p[top], width=width,
               label=f"\u03c4 = {tau:g}", gid=f"temperature:{tau:g}")
    ax.set_xticks(range(k), [visible(labels[i]) for i in top])
    ax.set_xlabel("next character (the most probable at \u03c4 = 1 first)")
    ax.set_ylabel("probability")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3, axis="y")
    return ax


def visible(ch: str) -> str:
    """A character as it is shown in a figure: newline and space made visible."""
    return {"\n": "\u21b5", " ": "\u2423"}.get(ch, ch)


def plot_text_activation(text: str, values, ax=None, vmax: float | None = None,
                         cmap: str = "RdBu_r", title: str | None = None,
                         fontsize: float = 9.0):
    """Text drawn character by character on cells coloured by a value per character.

    Red is positive, blue negative, white zero (with the default colour map);
    a newline is drawn as a cell of its own (shown as the return sign) at the
    end of its line.

    Parameters
    ----------
    text : str
        The characters, lines separated by newlines.
    values : array_like, shape (len(text),)
        The value at each character, for example the activation of one hidden
        unit right after reading it.
    ax : matplotlib Axes, optional
    vmax : float, optional
        The colour scale runs from -vmax to vmax (default: the largest absolute value).
    cmap : str
    title : str, optional
    fontsize : float

    Returns
    -------
    ax : matplotlib Axes
    """
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (len(text),):
        raise ValueError(f"plot_text_activation: need one value per character "
                         f"({len(text)}), got shape {values.shape}")
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines = lines[:-1]                               # a final newline opens no new row
    width = max(len(line) for line in lines) + 1         # + 1: the newline cell
    rows = len(lines)
    if ax is None:
        scale = fontsize / 9
        _, ax = plt.subplots(figsize=(0.105 * width * scale + 1.6, 0.21 * rows * scale + 0.7))
    vmax = float(np.abs(values).max()) if vmax is None else float(vmax)
    norm = Normalize(-vmax if vmax > 0 else -1.0, vmax if vmax > 0 else 1.0)
    colormap = plt.get_cmap(cmap)
    row = col = 0
    for ch, v in zip(text, values, strict=True):
        ax.add_patch(Rectangle((col, -row - 1), 1, 1, facecolor=colormap(norm(v)),
                               alpha=0.7, edgecolor="none", gid="cell"))
        ax.text(col + 0.5, -row - 0.5, visible(ch) if ch == "\n" else ch, ha="center",
                va="center", family="monospace", fontsize=fontsize,
                color="#777777" if ch == "\n" else "black")
        if ch == "\n":
            row, col = row + 1, 0
        else:
            col += 1
    ax.set_xlim(0, width)
    ax.set_ylim(-rows, 0)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    sm = plt.cm.ScalarMappable(norm=norm, cmap=colormap)
    bar = ax.figure.colorbar(sm, ax=ax, fraction=0.025, pad=0.01, label="activation")
    bar.solids.set_alpha(0.7)                    # the same colours as the cells
    return ax
