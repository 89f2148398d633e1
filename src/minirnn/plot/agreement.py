"""Figures for the chapter "a language model that has to remember": reference lines,
agreement across a relative clause, overfitting curves.

Every function draws on a given Axes (or new ones) and returns it/them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter

_LINE_STYLES = ("--", ":", "-.", (0, (5, 1)), (0, (1, 1)), (0, (3, 1, 1, 1)))


def add_reference_lines(ax, lines: dict, colors=None):
    """Horizontal lines at reference perplexities, each labelled in the legend.

    Parameters
    ----------
    ax : matplotlib Axes
    lines : dict
        ``{label: perplexity}``, e.g. the floor, n-grams, the agreement-blind model.
    """
    for i, (label, value) in enumerate(lines.items()):
        color = colors[i] if colors is not None else "gray"
        ax.axhline(value, color=color, linestyle=_LINE_STYLES[i % len(_LINE_STYLES)],
                   linewidth=1.2, label=f"{label} ({value:.3f})")
    ax.legend(fontsize=8)
    return ax


def plot_agreement(tables: dict, title="Probability of each verb number at the main verb"):
    """Two panels (singular subject, plural subject): P(singular verb) and P(plural verb)
    at the main verb, against the length of the relative clause, for one or more models.

    Parameters
    ----------
    tables : dict
        ``{model label: table}``, each table as returned by
        :func:`minirnn.tasks.grammar.agreement.agreement_table`. The first model is drawn with
        solid lines, the others dotted and thinner.

    Returns
    -------
    axes : array of 2 Axes
    """
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4.2), sharey=True)
    for ax, number, name in zip(axes, ("sg", "pl"), ("singular", "plural"), strict=True):
        for i, (label, table) in enumerate(tables.items()):
            keys = sorted(k for k in table if k[0] == number)
            lengths = np.array([k[1] for k in keys])
            style = {"linewidth": 2.0} if i == 0 else {"linewidth": 1.2, "linestyle": ":"}
            ax.plot(lengths, [table[k][0] for k in keys], marker="o", color="C0",
                    label=f"{label}: P(singular verb)", **style)
            ax.plot(lengths, [table[k][1] for k in keys], marker="s", color="C1",
                    label=f"{label}: P(plural verb)", **style)
            ax.set_xticks(lengths)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("words in the relative clause")
        ax.set_title(f"{name} subject ('the {'dog' if number == 'sg' else 'dogs'} ...')")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("mean probability at the main verb")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2 * len(tables), fontsize=8)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.08, 1, 1))       # leave room for the legend below
    return axes


def plot_train_val(curves: dict, floor: float, ax=None, title="Training and validation"):
    """Train and validation perplexity of several runs against epochs, with the floor.

    Parameters
    ----------
    curves : dict
        ``{run label: (epochs, train_ppl, val_ppl)}``.
    floor : float
        The floor perplexity, drawn as a horizontal line.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for i, (label, (epochs, train, val)) in enumerate(curves.items()):
        color = f"C{i}"
        ax.plot(epochs, train, "-", color=color, label=f"{label}: train")
        ax.plot(epochs, val, "--", color=color, label=f"{label}: validation")
    ax.axhline(floor, color="black", linewidth=1, label=f"floor ({floor:.3f})")
    ax.set_yscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")      # 2, 3, 4 rather than 2x10^0
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain)
    ax.set_xlabel("epoch")
    ax.set_ylabel("perplexity (log scale)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return ax
