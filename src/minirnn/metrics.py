"""How often a model's predicted symbols are right."""

from __future__ import annotations

import numpy as np


def token_accuracy(pred, target) -> float:
    """Fraction of positions where ``pred`` equals ``target``."""
    pred, target = np.asarray(pred), np.asarray(target)
    if pred.shape != target.shape:
        raise ValueError(f"token_accuracy: shapes differ, {pred.shape} and {target.shape}")
    return float(np.mean(pred == target))


def exact_match(pred, target) -> float:
    """Fraction of sequences (rows) predicted entirely right."""
    pred, target = np.asarray(pred), np.asarray(target)
    if pred.shape != target.shape or pred.ndim != 2:
        raise ValueError(f"exact_match: expected two (N, T) arrays of the same shape, "
                         f"got {pred.shape} and {target.shape}")
    return float(np.mean(np.all(pred == target, axis=1)))
