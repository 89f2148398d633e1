r"""Dropout: zero a random fraction p of a layer's inputs while training, never at inference.

During training every entry of an array is kept with probability 1 - p and
zeroed otherwise; the kept entries are divided by 1 - p ("inverted" dropout,
Srivastava et al. 2014), so that the expected value of every entry is
unchanged and nothing needs rescaling at inference, where dropout is off::

    m = (u >= p) / (1 - p),  u ~ Uniform[0, 1)     the mask, entries 0 or 1/(1-p)
    y = x * m                                      forward
    dx = dy * m                                    backward (the mask is a constant)

Where the mask varies decides which of two methods it is, for a sequence
xs of shape (N, T, D) between two layers of a recurrent network:

* **a new mask at every step** (``variational=False``, mask shape (N, T, D)):
  the non-recurrent dropout of Zaremba, Sutskever & Vinyals (2014), applied
  to the connections *between* layers (embedding -> RNN -> output) and never
  to the recurrent connection h_{t-1} -> h_t;
* **one mask per sequence, reused at every step** (``variational=True``, mask
  shape (N, 1, D), broadcast over the T steps): the time-locked mask of Gal &
  Ghahramani (2016). They also drop the recurrent state h_{t-1} with such a
  mask; this layer sits between layers, so in minirnn the locked mask covers
  the inputs and outputs of the recurrent layer, not its recurrence.

A mask depends only on the layer's random generator, so a gradient check with
a fixed mask is a check of ``y = x * m``: :func:`dropout_forward` takes the
mask as an argument, and :class:`Dropout` draws one per ``forward`` call.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_dtype, check_float_array
from .layers import Layer


def dropout_mask(shape, p: float, rng, dtype=np.float64) -> np.ndarray:
    """A mask of the given shape: each entry 0 with probability p, else ``1 / (1 - p)``.

    Parameters
    ----------
    shape : tuple of int
        ``(N, T, D)`` for a new mask at every step, ``(N, 1, D)`` for one mask
        per sequence (it broadcasts over T).
    p : float
        The drop probability, in [0, 1).
    rng : numpy.random.Generator
    dtype : float64 (default) or float32

    Returns
    -------
    ndarray

    Raises
    ------
    ValueError
        If p is not in [0, 1) (p = 1 would divide the kept entries, none, by 0).
    """
    p = check_probability(p, "p", "dropout_mask")
    keep = rng.random(shape) >= p
    return (keep / (1.0 - p)).astype(dtype)


def dropout_forward(xs, mask):
    """``ys = xs * mask`` (the mask broadcasts, e.g. (N, 1, D) over T steps).

    Returns
    -------
    ys : ndarray, shape of xs
    cache : tuple
        ``(mask,)``.
    """
    return xs * mask, (mask,)


def dropout_backward(dys, cache):
    """Backward pass of :func:`dropout_forward`: ``dxs = dys * mask``.

    The mask is a constant of the forward pass: a dropped entry passed nothing
    forward and passes no gradient back.
    """
    (mask,) = cache
    return dys * mask


class Dropout(Layer):
    """Dropout between two layers of a sequence model, on in training mode only.

    Parameters
    ----------
    p : float
        Drop probability, in [0, 1); 0 makes the layer the identity.
    variational : bool
        False (default): a new mask at every time step (Zaremba et al., 2014).
        True: one mask per sequence, shape (N, 1, D), reused at all T steps
        (Gal & Ghahramani, 2016). A mask is drawn at every ``forward`` call, so
        in truncated BPTT each window of each stream gets its own.
    seed : int or numpy.random.Generator, optional
        The generator the masks are drawn from (a Generator is used as is, so a
        model can share one among its layers).
    dtype : float64 (default) or float32

    Attributes
    ----------
    training : bool
        True: drop; False: the identity. A model's ``train()`` / ``eval()``
        set it, and :meth:`~minirnn.models.base.Model.inference` switches it off.
    params, grads : dict
        Empty: dropout has no weights.
    mask : ndarray or None
        The mask of the last ``forward`` in training mode (None in eval mode).
    """

    def __init__(self, p: float, variational: bool = False, seed=None, dtype=np.float64):
        self.p = check_probability(p, "p", "Dropout")
        self.variational = bool(variational)
        self.dtype = check_dtype(dtype, "Dropout")
        self.rng = np.random.default_rng(seed)
        self.training = True
        self.params, self.grads = {}, {}
        self.mask = None
        self._cache = None

    def __repr__(self) -> str:
        kind = ", variational=True" if self.variational else ""
        return f"Dropout(p={self.p}{kind})"

    def forward(self, xs):
        """Drop entries of ``xs`` (training mode) or pass it through (eval mode).

        Parameters
        ----------
        xs : ndarray, shape (N, T, D)

        Returns
        -------
        ys : ndarray, shape (N, T, D)
        """
        xs = check_float_array(xs, "xs", ("N", "T", "D"), where="Dropout.forward",
                               dtype=self.dtype)
        N, T, D = xs.shape
        if not self.training or self.p == 0.0:
            self.mask = None
            self._cache = (xs.shape, None)
            return xs
        shape = (N, 1, D) if self.variational else (N, T, D)
        self.mask = dropout_mask(shape, self.p, self.rng, self.dtype)
        ys, cache = dropout_forward(xs, self.mask)
        self._cache = (xs.shape, cache)
        return ys

    def backward(self, dys):
        """The gradient through the last ``forward``'s mask (unchanged in eval mode)."""
        (N, T, D), cache = self._need_cache("Dropout.backward")
        dys = check_float_array(dys, "dys", ("N", "T", "D"), {"N": N, "T": T, "D": D},
                                "Dropout.backward", self.dtype)
        if cache is None:                 # eval mode: the layer was the identity
            return dys
        return dropout_backward(dys, cache)


def check_probability(p, name: str, where: str) -> float:
    """A drop probability in [0, 1), or a clear error."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: {name} must be a number in [0, 1), got {type(p).__name__}")
    p = float(p)
    if not (math.isfinite(p) and 0.0 <= p < 1.0):
        raise ValueError(f"{where}: {name} must be a number in [0, 1) (the fraction of units "
                         f"dropped; 1 would drop everything), got {p}")
    return p
