"""Reversing digit sequences of many lengths in one batch: chapter 8's padded task.

Chapter 7's :func:`~minirnn.tasks.patterns.digit_reversal_split` gives
sequences of one fixed length. Here every source has its own length between
``min_length`` and ``max_length``, so a batch must be *padded* to a common
width, and the model must know where each sequence ends:

- a source row is its digits, then ``PAD`` up to ``max_length`` (padding on
  the right);
- a target row is the reversed digits, then ``END`` (the decoder must say
  where its output stops), then ``PAD`` up to ``max_length + 1``.

Sources and targets share one vocabulary of ``VOCAB_SIZE`` ids: the digits 0-9,
``PAD`` and ``END``. Train and test sources are disjoint.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_positive_int, check_token_ids
from .patterns import Split

#: Padding id, after the ten digits.
PAD = 10
#: End-of-output id.
END = 11
#: Digits, PAD and END.
VOCAB_SIZE = 12


def reversal_split(n_train: int, n_test: int, min_length: int, max_length: int,
                   seed=None) -> Split:
    """Digit sequences of random lengths and their reversals, padded on the right.

    Each source length is drawn uniformly from ``[min_length, max_length]``,
    then its digits uniformly from 0-9; no source occurs twice.

    Returns
    -------
    Split
        ``x_*`` int (n, max_length) sources padded with ``PAD``;
        ``y_*`` int (n, max_length + 1) reversed digits, ``END``, then ``PAD``.
    """
    where = "reversal_split"
    n_train = check_positive_int(n_train, "n_train", where)
    n_test = check_positive_int(n_test, "n_test", where)
    lo = check_positive_int(min_length, "min_length", where)
    hi = check_positive_int(max_length, "max_length", where)
    if lo > hi:
        raise ValueError(f"{where}: min_length must be at most max_length, got {lo} > {hi}")
    n = n_train + n_test
    if n > sum(10 ** k for k in range(lo, hi + 1)) // 2:
        raise ValueError(f"{where}: n_train + n_test = {n} is too many distinct sequences of "
                         f"lengths {lo} to {hi}; use fewer or allow longer ones")
    rng = np.random.default_rng(seed)
    seen, rows = set(), []
    while len(rows) < n:
        length = int(rng.integers(lo, hi + 1))
        digits = rng.integers(0, 10, size=length)
        key = digits.tobytes()
        if key not in seen:
            seen.add(key)
            rows.append(digits)
    src = np.full((n, hi), PAD, dtype=np.int64)
    tgt = np.full((n, hi + 1), PAD, dtype=np.int64)
    for i, digits in enumerate(rows):
        src[i, :len(digits)] = digits
        tgt[i, :len(digits)] = digits[::-1]
        tgt[i, len(digits)] = END
    return Split(src[:n_train], tgt[:n_train], src[n_train:], tgt[n_train:])


def lengths(src) -> np.ndarray:
    """The number of real (non-``PAD``) symbols of every row of src (N, S): int (N,)."""
    src = check_token_ids(src, "src", VOCAB_SIZE, ("N", "S"), "lengths")
    return (src != PAD).sum(axis=1)


def repad(ids, width: int) -> np.ndarray:
    """The same rows padded (or cut) on the right to ``width`` columns.

    Cutting is allowed only through padding: a real symbol is never dropped.
    The answer of a well-built model must not depend on the width.
    """
    ids = check_token_ids(ids, "ids", VOCAB_SIZE, ("N", "S"), "repad")
    width = check_positive_int(width, "width", "repad")
    if width < ids.shape[1] and np.any(ids[:, width:] != PAD):
        raise ValueError(f"repad: width={width} would cut real symbols; the longest row needs "
                         f"{int(lengths(ids).max())} columns")
    out = np.full((ids.shape[0], width), PAD, dtype=np.int64)
    keep = min(width, ids.shape[1])
    out[:, :keep] = ids[:, :keep]
    return out


def to_text(ids) -> str:
    """One row as text: digits, ``.`` for END; padding and anything after END dropped."""
    ids = check_token_ids(np.asarray(ids), "ids", VOCAB_SIZE, ("T",), "to_text")
    chars = []
    for i in ids:
        if i == END:
            chars.append(".")
            break
        if i != PAD:
            chars.append(str(int(i)))
    return " ".join(chars)


def output_mask(y) -> np.ndarray:
    """True at the positions of y (N, T) that are scored: the digits and the END, not PAD."""
    return np.asarray(y) != PAD
