"""Losses and their gradients: softmax cross-entropy (numerically stable) and squared error.

The cross-entropy is averaged per token, so ``exp(loss)`` is the perplexity.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_float_array, check_token_ids


def log_softmax(z, axis: int = -1):
    """``log(softmax(z))`` computed without overflow or ``log(0)``.

    Subtracting the maximum first leaves the result unchanged (softmax is
    invariant to adding a constant) but keeps ``exp`` at most 1.
    """
    z = np.asarray(z)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(z, axis: int = -1):
    """Probabilities ``exp(z) / sum(exp(z))`` along ``axis``, max-subtracted for stability.

    Parameters
    ----------
    z : ndarray, shape (..., V)
        Scores (logits).

    Returns
    -------
    p : ndarray, shape (..., V)
        Non-negative, summing to 1 along ``axis``.
    """
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_cross_entropy(logits, targets, mask=None):
    r"""Mean cross-entropy of softmax(logits) against integer targets, and its gradient.

    .. math:: L = -\frac{1}{NT} \sum_{n,t} \log \mathrm{softmax}(s_{n,t})[y_{n,t}]

    (with a ``mask``: the sum over the counted positions only, divided by their number).

    Parameters
    ----------
    logits : ndarray, shape (N, T, V) or (N, V)
        Scores s_t = W_y h_t + b_y for every position (or one per sequence).
    targets : int ndarray, shape (N, T) or (N,)
        The correct class (next word) at every position, in ``[0, V)``.
    mask : bool ndarray, same shape as targets, optional
        False at positions that must not count: the padding after a shorter
        target sequence. The loss is then the mean over the True positions
        only, and the masked positions get a zero gradient (PyTorch's
        ``ignore_index`` does the same by target value). Default: every
        position counts.

    Returns
    -------
    loss : float
        Mean negative log-probability per (counted) token; ``exp(loss)`` is the
        perplexity.
    dlogits : ndarray, same shape as logits
        ``(softmax(logits) - onehot(targets)) / (number of counted tokens)``,
        zero at masked positions.
    """
    where = "softmax_cross_entropy"
    ndim = getattr(logits, "ndim", 0)
    axes = ("N", "T", "V") if ndim == 3 else ("N", "V")
    logits = check_float_array(logits, "logits", axes, where=where)
    V = logits.shape[-1]
    targets = check_token_ids(targets, "targets", V, axes[:-1], where)
    if targets.shape != logits.shape[:-1]:
        raise ValueError(f"{where}: targets must have shape {logits.shape[:-1]} (the logits' "
                         f"shape without the class axis V={V}), got {targets.shape}")
    if mask is None:
        keep = np.ones(targets.size, dtype=bool)
    else:
        mask = np.asarray(mask)
        if mask.dtype != bool or mask.shape != targets.shape:
            raise ValueError(f"{where}: mask must be a boolean array of the targets' shape "
                             f"{targets.shape} (True = the position counts), got dtype "
                             f"{mask.dtype} and shape {mask.shape}")
        if not mask.any():
            raise ValueError(f"{where}: mask is False everywhere: no position to average over")
        keep = mask.ravel()
    flat = logits.reshape(-1, V)
    y = targets.ravel()
    rows = np.arange(y.size)
    count = int(keep.sum())               # the tokens that count; padding does not
    logp = log_softmax(flat, axis=1)
    loss = float(-logp[rows[keep], y[keep]].sum() / count)
    dflat = np.exp(logp)                  # softmax, reusing the stable log-probabilities
    dflat[rows, y] -= 1.0
    dflat[~keep] = 0.0                    # a masked position does not touch the loss
    dflat /= count
    return loss, dflat.reshape(logits.shape)


def mse_loss(pred, y):
    r"""Mean squared error and its gradient.

    .. math:: L = \frac1N \sum_n (\hat y_n - y_n)^2, \qquad
              \frac{\partial L}{\partial \hat y_n} = \frac{2}{N} (\hat y_n - y_n)

    Parameters
    ----------
    pred : ndarray, shape (N,) or (N, 1)
        Predictions.
    y : ndarray, shape (N,)
        Targets.

    Returns
    -------
    loss : float
    dpred : ndarray, same shape as pred
    """
    where = "mse_loss"
    axes = ("N", "1") if np.ndim(pred) == 2 else ("N",)
    pred = check_float_array(pred, "pred", axes, {"1": 1}, where)
    N = pred.shape[0]
    y = check_float_array(y, "y", ("N",), {"N": N}, where)
    diff = pred.reshape(N) - y
    return float(np.mean(diff * diff)), (2.0 / N * diff).reshape(pred.shape)
