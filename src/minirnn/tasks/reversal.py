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


# ------------------------------------------------------------------------------
# The length experiment of chapter 8: plain encoder-decoder against attention.

#: The configuration of the length experiment (chapter 8 and
#: ``benchmarks/attention_lengths.py``): chapter 7's reversal model and budget,
#: with more steps, for sequences of one fixed length.
LENGTH_EXPERIMENT = {"n_train": 4000, "n_test": 500, "embed_dim": 16, "hidden_size": 64,
                     "attn_size": 32, "steps": 1500, "batch_size": 64, "lr": 0.01}
#: The models compared: no attention, dot-product scores, additive scores.
LENGTH_MODELS = ("plain", "dot", "additive")


def reversal_model(kind: str, seed, vocab: int = 10, embed_dim: int = 16,
                   hidden_size: int = 64, attn_size: int = 32, **padding):
    """A reversal model: ``"plain"`` :class:`~minirnn.models.seq2seq.Seq2Seq`, or an
    :class:`~minirnn.models.attention_seq2seq.AttentionSeq2Seq` with ``"dot"`` or
    ``"additive"`` scores (``padding``: its ``src_pad``, ``tgt_pad``)."""
    from ..models import AttentionSeq2Seq, Seq2Seq

    if kind not in LENGTH_MODELS:
        raise ValueError(f"reversal_model: kind must be one of {LENGTH_MODELS}, got {kind!r}")
    if kind == "plain":
        if padding:
            raise ValueError("reversal_model: the plain Seq2Seq has no padding options")
        return Seq2Seq(vocab, vocab, embed_dim, hidden_size, seed=seed)
    return AttentionSeq2Seq(vocab, vocab, embed_dim, hidden_size, seed=seed, score=kind,
                            attn_size=attn_size if kind == "additive" else None, **padding)


def length_experiment(kind: str, length: int, seed: int, **overrides) -> dict:
    """Train one model of :data:`LENGTH_MODELS` to reverse sequences of one length.

    The data split, the initial weights and the minibatches all come from
    ``seed``. Everything else is :data:`LENGTH_EXPERIMENT` (``overrides``
    replace entries). Training runs on one BLAS thread, so a run gives the
    same numbers however busy the machine is.

    Returns
    -------
    dict
        ``"exact_match"`` and ``"token_accuracy"`` of greedy decoding on the
        test set, and the ``"model"`` itself.
    """
    from .._threads import get_blas_threads, set_blas_threads
    from ..metrics import exact_match, token_accuracy
    from ..train import fit
    from .patterns import digit_reversal_split

    unknown = set(overrides) - set(LENGTH_EXPERIMENT)
    if unknown:
        raise ValueError(f"length_experiment: unknown settings {sorted(unknown)}; the "
                         f"settings are {sorted(LENGTH_EXPERIMENT)}")
    c = {**LENGTH_EXPERIMENT, **overrides}
    data = digit_reversal_split(c["n_train"], c["n_test"], length, seed=seed)
    model = reversal_model(kind, seed, embed_dim=c["embed_dim"],
                           hidden_size=c["hidden_size"], attn_size=c["attn_size"])
    before = get_blas_threads()
    set_blas_threads(1)
    try:
        fit(model, data.x_train, data.y_train, steps=c["steps"], batch_size=c["batch_size"],
            lr=c["lr"], seed=seed)
    finally:
        set_blas_threads(before)
    out = model.generate(data.x_test, length)
    return {"exact_match": exact_match(out, data.y_test),
            "token_accuracy": token_accuracy(out, data.y_test), "model": model}


def stored_length_results() -> dict:
    """The results of ``benchmarks/attention_lengths.py``, shipped with the package.

    Returns
    -------
    dict
        ``"command"``, ``"config"``, ``"lengths"``, ``"seeds"``, and ``"results"``:
        ``{kind: {"exact_match": [[per seed] per length], "token_accuracy": ...}}``.
    """
    import json
    from importlib import resources

    text = resources.files("minirnn").joinpath("data", "attention_lengths.json").read_text(
        encoding="utf-8")
    return json.loads(text)
