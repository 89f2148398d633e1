"""Figures of chapter 8: attention weights as heatmaps, and accuracy against length."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_attention(weights, src_labels, out_labels, ax=None, title=None, colorbar=True):
    """The attention weights of one example: one row per output step, one column per input.

    Parameters
    ----------
    weights : ndarray, shape (T, S)
        ``weights[t, j]`` is alpha_{t,j}, how much output step t reads input j.
    src_labels : list of str, length S
        The input symbols (the columns).
    out_labels : list of str, length T
        The symbols the model wrote (the rows); not necessarily the targets.
    ax : matplotlib Axes, optional
    title : str, optional
    colorbar : bool
        Draw a colour scale (0 to 1) beside the panel.

    Returns
    -------
    ax : matplotlib Axes
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 2:
        raise ValueError(f"plot_attention: weights must have shape (T, S), got {weights.shape}")
    T, S = weights.shape
    if len(src_labels) != S or len(out_labels) != T:
        raise ValueError(f"plot_attention: weights (T, S) = {weights.shape} need {S} input "
                         f"labels and {T} output labels, got {len(src_labels)} and "
                         f"{len(out_labels)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.45 * S + 1.8, 0.45 * T + 1.2))
    image = ax.imshow(weights, cmap="Greys", vmin=0.0, vmax=1.0, aspect="equal")
    ax.set_xticks(range(S))
    # long labels ("PAD") would run into each other side by side: stand them up
    ax.set_xticklabels(src_labels, rotation=90 if max(map(len, src_labels)) > 2 else 0)
    ax.set_yticks(range(T))
    ax.set_yticklabels(out_labels)
    ax.set_xlabel("input symbol $x_j$ (encoder position $j$)")
    ax.set_ylabel("symbol written at output step $t$")
    if title is not None:
        ax.set_title(title, fontsize=10)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label=r"$\alpha_{t,j}$")
    return ax


def plot_accuracy_vs_length(lengths, results, ax=None, ylabel="test exact-match rate",
                            title="Accuracy against sequence length"):
    """One line per model: the mean over seeds, with the range of the seeds shaded.

    Parameters
    ----------
    lengths : sequence of int
        The sequence lengths (x axis).
    results : dict
        ``{model name: array (len(lengths), seeds)}`` of scores.
    ax : matplotlib Axes, optional
    ylabel, title : str

    Returns
    -------
    ax : matplotlib Axes
    """
    lengths = np.asarray(lengths)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.8))
    for (name, scores), marker in zip(results.items(), "osd^v<>", strict=False):
        scores = np.asarray(scores, dtype=float)
        if scores.ndim != 2 or scores.shape[0] != len(lengths):
            raise ValueError(f"plot_accuracy_vs_length: results[{name!r}] must have shape "
                             f"({len(lengths)}, seeds), got {scores.shape}")
        line, = ax.plot(lengths, scores.mean(axis=1), marker=marker,
                        label=f"{name} (mean of {scores.shape[1]} seeds)")
        ax.fill_between(lengths, scores.min(axis=1), scores.max(axis=1), alpha=0.2,
                        color=line.get_color())
    ax.set_xticks(lengths)
    ax.set_xlabel("sequence length")
    ax.set_ylabel(ylabel)
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax
