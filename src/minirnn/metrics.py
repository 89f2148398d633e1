"""How often a model's predicted symbols are right.

Both scores take an optional ``mask`` (True where a position counts), so that
the padding after a shorter target sequence is never scored: a model must not
earn credit for "predicting" padding, nor lose it for what it writes after
the end of the sequence.
"""

from __future__ import annotations

import numpy as np


def _check(pred, target, mask, where: str, rows: bool = False):
    pred, target = np.asarray(pred), np.asarray(target)
    if rows and (pred.shape != target.shape or pred.ndim != 2):
        raise ValueError(f"{where}: expected two (N, T) arrays of the same shape, "
                         f"got {pred.shape} and {target.shape}")
    if pred.shape != target.shape:
        raise ValueError(f"{where}: shapes differ, {pred.shape} and {target.shape}")
    if mask is None:
        return pred, target, np.ones(target.shape, dtype=bool)
    mask = np.asarray(mask)
    if mask.dtype != bool or mask.shape != target.shape:
        raise ValueError(f"{where}: mask must be a boolean array of shape {target.shape} "
                         f"(True = the position counts), got dtype {mask.dtype} and shape "
                         f"{mask.shape}")
    return pred, target, mask


def token_accuracy(pred, target, mask=None) -> float:
    """Fraction of (counted) positions where ``pred`` equals ``target``."""
    pred, target, mask = _check(pred, target, mask, "token_accuracy")
    if not mask.any():
        raise ValueError("token_accuracy: mask is False everywhere: no position to score")
    return float(np.mean((pred == target)[mask]))


def exact_match(pred, target, mask=None) -> float:
    """Fraction of sequences (rows) predicted right at every (counted) position."""
    pred, target, mask = _check(pred, target, mask, "exact_match", rows=True)
    return float(np.mean(np.all((pred == target) | ~mask, axis=1)))
