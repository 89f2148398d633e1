"""Figures of chapter 5: tanh', gradient norms over time, Jacobian bounds, loss curves."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def _axes(ax, figsize=(6.4, 3.8)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_tanh(ax=None):
    """tanh(a) and its derivative 1 - tanh(a)^2, which is at most 1 (at a = 0)."""
    ax = _axes(ax)
    a = np.linspace(-4, 4, 401)
    ax.plot(a, np.tanh(a), label=r"$\tanh(a)$")
    ax.plot(a, 1 - np.tanh(a) ** 2, label=r"$\tanh'(a) = 1 - \tanh^2(a)$")
    ax.axhline(1.0, color="grey", lw=0.8, ls=":")
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.set_xlabel("pre-activation $a$")
    ax.set_ylabel("value")
    ax.set_title(r"tanh and its derivative: the slope never exceeds $\gamma = 1$")
    ax.legend(loc="upper left")
    return ax


def plot_grad_norms(curves: dict, ax=None, rates: dict | None = None, title: str | None = None,
                    ylabel: str | None = None):
    """Gradient norm against the distance back in time, log scale.

    Parameters
    ----------
    curves : dict
        label -> norms of shape (T + 1,) in time order, ``norms[t + 1]`` for
        ``h_t``, t = -1..T-1 (as from :func:`minirnn.analysis.hidden_grad_norms`);
        plotted against the distance ``k = T - 1 - t`` (0 for the last state,
        T for the initial state h_{-1}).
    rates : dict, optional
        label -> a per-step factor r; drawn as a dashed line ``norm_{T-1} * r^k``.
    title : str, optional
    ylabel : str, optional
        Default: the norm of dL/dh_t.
    """
    ax = _axes(ax)
    for j, (label, norms) in enumerate(curves.items()):
        by_dist = np.asarray(norms)[::-1]
        color = f"C{j}"
        ax.semilogy(np.arange(len(by_dist)), by_dist, color=color, label=label)
        if rates and label in rates:
            k = np.arange(len(by_dist))
            ax.semilogy(k, by_dist[0] * rates[label] ** k, color=color, ls="--", lw=1)
    ax.set_xlabel("distance back in time $k = T - 1 - t$")
    ax.set_ylabel(ylabel or r"$\|\partial L / \partial h_t\|$ (log scale)")
    ax.set_title(title or "Gradient norm versus distance back in time")
    ax.legend(fontsize="small")
    return ax


def plot_jacobian_norms(norms, bound: float, ax=None, label: str = "", title: str | None = None):
    """Measured per-step Jacobian norms ||diag(1 - h_t^2) W_h||_2 and the bound gamma ||W_h||_2.

    Parameters
    ----------
    norms : ndarray, shape (..., T)
        Spectral norms of the step Jacobians J_t = dh_t/dh_{t-1}, t = 0..T-1;
        every row is one sequence.
    bound : float
        gamma * ||W_h||_2.
    """
    ax = _axes(ax)
    norms = np.atleast_2d(norms)
    t = np.arange(norms.shape[-1])                  # time steps 0..T-1
    for row in norms:
        ax.plot(t, row, ".", ms=3, color="C0", alpha=0.6)
    ax.axhline(bound, color="C3", lw=1.5,
               label=rf"bound $\gamma\,\|W_h\|_2$ = {bound:.2f}")
    ax.set_ylim(0, bound * 1.15)
    ax.set_xlabel("time step $t$")
    ax.set_ylabel(r"$\|\mathrm{diag}(1-h_t^2)\,W_h\|_2$")
    ax.set_title(title or f"Per-step Jacobian norms {label}".strip())
    ax.legend(loc="lower right", fontsize="small")
    return ax


def plot_losses(curves: dict, ax=None, baseline: float | None = None, logy: bool = True,
                title: str | None = None, xlabel: str = "update", ylabel: str = "loss",
                styles: dict | None = None):
    """Loss curves, optionally with a horizontal baseline.

    Parameters
    ----------
    curves : dict
        label -> (x, y) arrays, or label -> y (then x is 1..len(y)).
    baseline : float, optional
        Drawn as a dashed black line (for example the trivial predictor's MSE).
    styles : dict, optional
        label -> dict of matplotlib line options (color, ls, ...).
    """
    ax = _axes(ax)
    for label, c in curves.items():
        x, y = c if isinstance(c, tuple) else (np.arange(1, len(c) + 1), c)
        ax.plot(x, y, label=label, **{"lw": 1.2, **(styles or {}).get(label, {})})
    if baseline is not None:
        ax.axhline(baseline, color="k", ls="--", lw=1, label=f"trivial baseline {baseline:.3f}")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or "Training curves")
    ax.legend(fontsize="small")
    return ax
