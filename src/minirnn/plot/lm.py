"""Figures for the language-model chapters: the unrolled model, next-word probabilities,
training curves.

Every function draws on a given Axes (or a new one) and returns it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.ticker import FuncFormatter

_COLORS = {"word": "#eeeeee", "embed": "#d8e8f5", "rnn": "#9ecae1", "out": "#fdd0a2",
           "pred": "#ffffff"}


def _box(ax, x, y, text, kind, w=0.9, h=0.5, fontsize=10):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=_COLORS[kind], edgecolor="#333333", linewidth=1,
                                gid=kind))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, gid="arrow"):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=11,
                                 color="#333333", linewidth=1, gid=gid))


def draw_rnnlm(words, predictions=None, ax=None, title="The RNN language model, unrolled"):
    """Draw the model reading ``words``: word -> embedding -> RNN -> output -> next word.

    Parameters
    ----------
    words : list of str
        The input words, one per time step.
    predictions : list of str, optional
        What to write above each step (for example the next word, or
        ``"say 0.98"``); default ``"?"``.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    ax : matplotlib Axes
    """
    T = len(words)
    if predictions is None:
        predictions = ["?"] * T
    if len(predictions) != T:
        raise ValueError(f"draw_rnnlm: need one prediction per word ({T}), got "
                         f"{len(predictions)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.35 * T + 1.2, 4.2))
    ys = {"word": 0.0, "embed": 1.0, "rnn": 2.0, "out": 3.0, "pred": 4.0}
    for t, (w, p) in enumerate(zip(words, predictions, strict=True)):
        x = 1.2 * t
        _box(ax, x, ys["word"], w, "word", w=1.1)
        _box(ax, x, ys["embed"], f"$x_{{{t}}}$", "embed")
        _box(ax, x, ys["rnn"], f"RNN\n$h_{{{t}}}$", "rnn", h=0.6)
        _box(ax, x, ys["out"], "softmax", "out")
        _box(ax, x, ys["pred"], p, "pred", w=1.1)
        for a, b in (("word", "embed"), ("embed", "rnn"), ("rnn", "out"), ("out", "pred")):
            lo = 0.3 if a == "rnn" else 0.25
            hi = 0.3 if b == "rnn" else 0.25
            _arrow(ax, (x, ys[a] + lo), (x, ys[b] - hi), gid=f"{a}-{b}")
        if t + 1 < T:
            _arrow(ax, (x + 0.45, ys["rnn"]), (x + 1.2 - 0.45, ys["rnn"]), gid="recurrent")
    _arrow(ax, (-0.95, ys["rnn"]), (-0.45, ys["rnn"]), gid="recurrent")
    ax.text(-1.0, ys["rnn"] + 0.2, "$h_{-1}=0$", ha="right", va="bottom", fontsize=9)
    for name, label in (("word", "word $w_t$"), ("embed", "embedding"),
                        ("rnn", "hidden state"),
                        ("out", r"$\hat y_t = \mathrm{softmax}(W_y h_t + b_y)$"),
                        ("pred", "next word")):
        ax.text(1.2 * (T - 1) + 0.75, ys[name], label, ha="left", va="center", fontsize=9,
                color="#555555")
    ax.set_xlim(-1.8, 1.2 * (T - 1) + 2.2)
    ax.set_ylim(-0.5, 4.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    return ax


def plot_next_word_probs(probs, inputs, vocab_words, targets=None, ax=None,
                         title="Next-word probabilities"):
    """Heatmap of the next-word distribution at every step, one row per input word.

    Parameters
    ----------
    probs : ndarray, shape (T, V)
        ``probs[t]`` is the model's distribution for the word after ``inputs[t]``.
    inputs : list of str
        The input word of each row.
    vocab_words : list of str
        The column labels (the vocabulary in id order).
    targets : list of str, optional
        The correct next words; their cells are outlined.
    ax : matplotlib Axes, optional
    title : str
    """
    probs = np.asarray(probs)
    T, V = probs.shape
    if len(inputs) != T or len(vocab_words) != V:
        raise ValueError(f"plot_next_word_probs: probs has shape {probs.shape}, got "
                         f"{len(inputs)} input labels and {len(vocab_words)} word labels")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.75 * V + 2.2, 0.5 * T + 1.6))
    im = ax.imshow(probs, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    for t in range(T):
        for v in range(V):
            ax.text(v, t, f"{probs[t, v]:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if probs[t, v] > 0.6 else "black")
    if targets is not None:
        col = {w: i for i, w in enumerate(vocab_words)}
        for t, w in enumerate(targets):
            ax.add_patch(plt.Rectangle((col[w] - 0.5, t - 0.5), 1, 1, fill=False,
                                       edgecolor="#d62728", linewidth=2, gid="target"))
    ax.set_xticks(range(V), vocab_words)
    ax.set_yticks(range(T), inputs)
    ax.set_xlabel("candidate next word")
    ax.set_ylabel("input word $w_t$")
    ax.set_title(title)
    ax.figure.colorbar(im, ax=ax, label="probability")
    return ax


def plot_history(history, ax=None, title="Training", floor=None, floor_label="floor",
                 log=False, per_step=False):
    """Perplexity against epoch (train, and validation when present).

    Parameters
    ----------
    history : dict
        As returned by :func:`minirnn.train.train_lm`.
    ax : matplotlib Axes, optional
    title : str
    floor : float, optional
        A horizontal reference line (for example the best possible perplexity).
    log : bool
        Logarithmic perplexity axis.
    per_step : bool
        Plot ``exp(step_loss)`` for every window instead of the epoch means.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.8))
    if per_step:
        steps = np.arange(1, len(history["step_loss"]) + 1)
        ax.plot(steps, np.exp(history["step_loss"]), label="train (each window)")
        ax.set_xlabel("optimizer step")
    else:
        epochs = np.arange(1, len(history["train_ppl"]) + 1)
        ax.plot(epochs, history["train_ppl"], label="train")
        if history.get("val_ppl"):
            ax.plot(history["val_epoch"], history["val_ppl"], label="validation")
        ax.set_xlabel("epoch")
    if floor is not None:
        ax.axhline(floor, color="gray", linestyle="--", linewidth=1, label=floor_label)
    if log:
        ax.set_yscale("log")
        plain = FuncFormatter(lambda v, _: f"{v:g}")   # 2, 3, 5 rather than 2x10^0
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
    ax.set_ylabel("perplexity")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax

