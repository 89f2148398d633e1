"""Figures of chapter 7: how a many-to-one classifier's state moves as words arrive."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


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
        Their classes (colour).
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    ax : matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5))
    if background is not None:
        colors = np.where(np.asarray(background_labels) == 1, "tab:green", "tab:red")
        ax.scatter(background[:, 0], background[:, 1], s=6, c=colors, alpha=0.25,
                   label="last state of test phrases (green positive, red negative)")
    for path, words in zip(paths, labels, strict=True):
        line, = ax.plot(path[:, 0], path[:, 1], marker="o", ms=4,
                        label=f"path of \"{' '.join(words)}\"")
        for (px, py), w in zip(path, words, strict=True):
            ax.annotate(w, (px, py), textcoords="offset points", xytext=(4, 4), fontsize=8,
                        color=line.get_color())
    ax.set_xlabel("principal axis 1")
    ax.set_ylabel("principal axis 2")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="best")
    return ax
