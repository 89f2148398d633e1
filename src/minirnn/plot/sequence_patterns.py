"""Figures of chapter 7: how a many-to-one classifier's state moves as words arrive."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

# Class colours safe for colour-blind readers (Okabe-Ito blue and orange): index = class.
CLASS_COLORS = ("#E69F00", "#0072B2")          # 0 negative (orange), 1 positive (blue)
PATH_COLORS = ("black", "#CC79A7", "0.4", "#009E73")
PATH_STYLES = ("-", "--", "-.", ":")


def plot_prefix_probs(phrases, probs, title="P(positive) after each word"):
    """One panel per phrase: the classifier's probability after each prefix.

    Parameters
    ----------
    phrases : list of list of str
        The words of each phrase (padding removed).
    probs : list of ndarray
        For each phrase, the probability of the positive class after each of its
        words (same length as the phrase).
    title : str
        The figure's title.

    Returns
    -------
    fig : matplotlib Figure
    """
    if len(phrases) != len(probs):
        raise ValueError(f"plot_prefix_probs: {len(phrases)} phrases but {len(probs)} "
                         "probability curves")
    fig, axes = plt.subplots(1, len(phrases), figsize=(3.0 * len(phrases), 3.2), sharey=True,
                             squeeze=False)
    for ax, words, p in zip(axes[0], phrases, probs, strict=True):
        if len(words) != len(p):
            raise ValueError(f"plot_prefix_probs: {len(words)} words but {len(p)} probabilities")
        x = np.arange(len(words))
        ax.plot(x, p, marker="o")
        ax.axhline(0.5, color="grey", lw=0.8, ls=":")
        ax.set_xticks(x)
        ax.set_xticklabels(words, rotation=45, ha="right")
        ax.set_ylim(-0.05, 1.05)
        ax.set_title(" ".join(words), fontsize=9)
        ax.set_xlabel("last word read")
    axes[0, 0].set_ylabel("P(positive | words so far)")
    fig.suptitle(title)
    return fig


def plot_state_paths(paths, labels, background=None, background_labels=None, ax=None,
                     title="Hidden-state paths, projected on two principal axes"):
    """Trajectories of hidden states in 2-D (already projected).

    Parameters
    ----------
    paths : list of ndarray, each (T_i, 2)
        The projected states h_0, h_1, ... of each phrase.
    labels : list of list of str
        The word read at each point of each path; the legend names each path
        by its phrase.
    background : ndarray (M, 2), optional
        Projected last states of many phrases, drawn as faint dots.
    background_labels : int ndarray (M,), optional
        Their classes: 1 is drawn as blue circles, 0 as orange triangles
        (a pair that colour-blind readers can tell apart).
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    ax : matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5))
    if background is not None:
        # Blue and orange (Okabe and Ito's palette) stay apart for colour-blind readers,
        # and the two classes also differ in marker shape.
        labels_bg = np.asarray(background_labels)
        for cls, color, marker, name in ((1, CLASS_COLORS[1], "o", "positive"),
                                         (0, CLASS_COLORS[0], "^", "negative")):
            pts = background[labels_bg == cls]
            ax.scatter(pts[:, 0], pts[:, 1], s=8, c=color, marker=marker, alpha=0.3,
                       label=f"last state of a test phrase: {name}")
    for i, (path, words) in enumerate(zip(paths, labels, strict=True)):
        line, = ax.plot(path[:, 0], path[:, 1], marker="o", ms=4,
                        color=PATH_COLORS[i % len(PATH_COLORS)],
                        linestyle=PATH_STYLES[i % len(PATH_STYLES)],
                        label=f"path of \"{' '.join(words)}\"")
        for (px, py), w in zip(path, words, strict=True):
            ax.annotate(w, (px, py), textcoords="offset points", xytext=(4, 4), fontsize=8,
                        color=line.get_color())
    ax.set_xlabel("principal axis 1")
    ax.set_ylabel("principal axis 2")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="best")
    return ax
