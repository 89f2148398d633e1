r"""Optimizers, weight decay and gradient-norm clipping.

Parameters and gradients are dicts with the same keys; updates are in place,
so layers and models that share these arrays see the new values.

Weight decay
------------
Weight decay pulls every weight towards zero a little at each step, so that
only weights the data keeps pushing stay large. There are two ways to do it,
and with Adam they are not the same:

* **L2 added to the gradient**: add :math:`\frac{\lambda}{2}\lVert W\rVert^2` to the
  loss, i.e. :math:`g \leftarrow g + \lambda W`, and hand that to the optimizer;
* **decoupled decay** (Loshchilov & Hutter, 2019): shrink the weights
  directly, :math:`W \leftarrow W - \eta\lambda W`, next to the optimizer's own
  step on the plain gradient g.

For SGD the two are the same update, :math:`W \leftarrow W - \eta(g + \lambda W)`.
For Adam they differ: in the L2 form the term :math:`\lambda W` goes through
Adam's division by :math:`\sqrt{\hat v}`, so a weight whose gradients are large
is decayed *less* than one whose gradients are small, and the strength of the
decay depends on the gradient history rather than on :math:`\lambda` alone.
minirnn's ``Adam(weight_decay=...)`` is the **decoupled** form (AdamW, as
PyTorch's ``torch.optim.AdamW``), for that reason: every weight shrinks by the
same factor :math:`1 - \eta\lambda` per step. ``SGD(weight_decay=...)`` is the
one SGD update above.

Only weight matrices (arrays with two or more axes) are decayed, not biases:
a bias is an offset, and pulling it towards zero constrains nothing about how
complex the function is.
"""

from __future__ import annotations

import math

import numpy as np


def _check_same_keys(params: dict, grads: dict, where: str) -> None:
    if params.keys() != grads.keys():
        raise ValueError(f"{where}: params and grads must have the same keys, "
                         f"got {sorted(params)} and {sorted(grads)}")
    for k in params:
        if params[k].shape != grads[k].shape:
            raise ValueError(f"{where}: grads[{k!r}] must have shape {params[k].shape} "
                             f"(as params[{k!r}]), got {grads[k].shape}")


def _check_number(value, name: str, where: str, low: float, high: float | None = None,
                  low_open: bool = True, high_open: bool = False) -> float:
    """A finite real number in the given range, or a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: {name} must be a number, got {type(value).__name__}")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or too_low or too_high:
        lo = "(" if low_open else "["
        hi = "inf)" if high is None else (f"{high})" if high_open else f"{high}]")
        raise ValueError(f"{where}: {name} must be a finite number in {lo}{low}, {hi}, "
                         f"got {value}")
    return value


def grad_norm(grads: dict) -> float:
    """The L2 norm of all gradients taken together as one long vector.

    The squares are summed in float64 even for float32 gradients: a float32
    square overflows to inf already at 2e19, long before the norm itself would.
    """
    return float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64)))
                             for g in grads.values())))


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
    max_norm = _check_number(max_norm, "max_norm", "clip_grad_norm", 0.0)
    total = grad_norm(grads)
    if total > max_norm:
        scale = max_norm / total
        for g in grads.values():
            g *= scale
    return total


def decays(p: np.ndarray) -> bool:
    """Whether weight decay applies to a parameter: weight matrices yes, biases (1-D) no."""
    return p.ndim >= 2


class SGD:
    r"""Plain stochastic gradient descent: ``p -= lr * g``.

    With weight decay :math:`\lambda`, ``p -= lr * (g + weight_decay * p)`` for
    the weight matrices (for SGD the L2 and the decoupled forms are this same
    update; see the module docstring).

    Parameters
    ----------
    lr : float
        Learning rate.
    weight_decay : float
        :math:`\lambda \ge 0` (default 0: no decay).
    """

    def __init__(self, lr: float = 0.1, weight_decay: float = 0.0):
        self.lr = _check_number(lr, "lr", "SGD", 0.0)
        self.weight_decay = _check_number(weight_decay, "weight_decay", "SGD", 0.0,
                                          low_open=False)

    def step(self, params: dict, grads: dict) -> None:
        """Update every array in ``params`` in place."""
        _check_same_keys(params, grads, "SGD.step")
        for k, p in params.items():
            if self.weight_decay and decays(p):
                p -= self.lr * (grads[k] + self.weight_decay * p)
            else:
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
    weight_decay : float
        :math:`\lambda \ge 0` (default 0). Decoupled weight decay (AdamW,
        Loshchilov & Hutter 2019): before the Adam step every weight matrix
        shrinks, :math:`p \leftarrow p - \eta\lambda p`; the decay does not pass
        through the moment estimates (see the module docstring for why).
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0):
        self.lr = _check_number(lr, "lr", "Adam", 0.0)
        # beta = 1 would never move the moving averages off zero: m / (1 - beta^t) is 0/0
        self.beta1 = _check_number(beta1, "beta1", "Adam", 0.0, 1.0, low_open=False,
                                   high_open=True)
        self.beta2 = _check_number(beta2, "beta2", "Adam", 0.0, 1.0, low_open=False,
                                   high_open=True)
        self.eps = _check_number(eps, "eps", "Adam", 0.0)
        self.weight_decay = _check_number(weight_decay, "weight_decay", "Adam", 0.0,
                                          low_open=False)
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
            if self.weight_decay and decays(p):
                p -= self.lr * self.weight_decay * p          # decoupled: not through m, v
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            p -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
