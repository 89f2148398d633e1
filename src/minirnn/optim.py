"""Optimizers and gradient-norm clipping.

Parameters and gradients are dicts with the same keys; updates are in place,
so layers and models that share these arrays see the new values.
"""

from __future__ import annotations

import numpy as np


def _check_same_keys(params: dict, grads: dict, where: str) -> None:
    if params.keys() != grads.keys():
        raise ValueError(f"{where}: params and grads must have the same keys, "
                         f"got {sorted(params)} and {sorted(grads)}")
    for k in params:
        if params[k].shape != grads[k].shape:
            raise ValueError(f"{where}: grads[{k!r}] must have shape {params[k].shape} "
                             f"(as params[{k!r}]), got {grads[k].shape}")


def grad_norm(grads: dict) -> float:
    """The L2 norm of all gradients taken together as one long vector."""
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


def clip_grad_norm(grads: dict, max_norm: float) -> float:
    r"""Rescale all gradients together if their joint norm exceeds ``max_norm``.

    Pascanu, Mikolov & Bengio (2013), Algorithm 1: if
    :math:`\|g\| > \theta` then :math:`g \leftarrow \theta\, g / \|g\|`.
    The direction is kept; only the length is capped.

    Parameters
    ----------
    grads : dict of ndarray
        Modified in place.
    max_norm : float
        The threshold theta (> 0).

    Returns
    -------
    float
        The norm before clipping (useful to log how often clipping acts).
    """
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm: max_norm must be > 0, got {max_norm}")
    total = grad_norm(grads)
    if total > max_norm:
        scale = max_norm / total
        for g in grads.values():
            g *= scale
    return total


class SGD:
    """Plain stochastic gradient descent: ``p -= lr * g``.

    Parameters
    ----------
    lr : float
        Learning rate.
    """

    def __init__(self, lr: float = 0.1):
        if not lr > 0:
            raise ValueError(f"SGD: lr must be > 0, got {lr}")
        self.lr = lr

    def step(self, params: dict, grads: dict) -> None:
        """Update every array in ``params`` in place."""
        _check_same_keys(params, grads, "SGD.step")
        for k, p in params.items():
            p -= self.lr * grads[k]


class Adam:
    r"""Adam (Kingma & Ba, 2015) with bias correction.

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
        p \leftarrow p - \eta\, \frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \epsilon}

    Parameters
    ----------
    lr : float
        Step size eta.
    beta1, beta2 : float
        Decay rates of the first and second moment estimates.
    eps : float
        Keeps the division finite.
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        if not lr > 0:
            raise ValueError(f"Adam: lr must be > 0, got {lr}")
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m: dict = {}
        self.v: dict = {}

    def step(self, params: dict, grads: dict) -> None:
        """Update every array in ``params`` in place."""
        _check_same_keys(params, grads, "Adam.step")
        self.t += 1
        c1 = 1.0 - self.beta1 ** self.t      # bias corrections: m and v start at 0
        c2 = 1.0 - self.beta2 ** self.t
        for k, p in params.items():
            g = grads[k]
            if k not in self.m:
                self.m[k] = np.zeros_like(p)
                self.v[k] = np.zeros_like(p)
            m, v = self.m[k], self.v[k]
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            p -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
