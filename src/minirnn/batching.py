"""Cutting one long stream of token ids into windows for truncated backpropagation through time.

A corpus is one long stream of word ids ``w_0 w_1 ... w_M``. The model reads
``w_0 .. w_{M-1}`` and must predict ``w_1 .. w_M``: M (input, target) pairs.

Batching (:func:`batches`)
--------------------------
The M pairs are cut into N parallel **streams** of ``L = M // N`` consecutive
pairs each; row n of every batch reads stream n (pairs ``n*L .. (n+1)*L - 1``).
Each stream is read in windows of T steps: window j holds steps
``j*T .. (j+1)*T - 1`` of every stream. So window j+1 continues exactly where
window j stopped, row by row, and the hidden state carried from one window to
the next (a *stateful* RNN) is the state the model really had at that point of
the text. Gradients stop at window boundaries (*truncated* BPTT), but the
state does not.

Nothing is dropped; every target is covered exactly once per epoch:

* if T does not divide L, the last window is shorter (shape (N, L mod T));
* the ``r = M - N*L`` pairs (r < N) left over at the end of the corpus follow
  the end of the last stream directly, so they come last as a batch of ONE
  row, shape (1, <= T), which continues row N-1 (the last stream):
  :func:`~minirnn.train.train_lm` and :func:`~minirnn.train.evaluate` keep
  only that row of the carried state for them (``model.keep_state_rows(1)``).

DLFS2's batching (:func:`dlfs2_batches`)
----------------------------------------
Deep Learning from Scratch 2 (``ch05/train_custom_loop.py``) cuts the stream
the same way into N streams at offsets ``n * (M // N)``, but keeps one running
time index for the whole run instead of restarting each epoch: an epoch is
``M // (N*T)`` windows of exactly T steps, positions wrap around the end of the
corpus (modulo M), and the hidden state is never reset, not even between
epochs. :func:`~minirnn.train.train_lm` reads the windows this way with
``batching="dlfs2"``.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_positive_int, check_token_ids


def check_stream(ids, name: str, where: str, vocab_size: int | None = None) -> np.ndarray:
    """A 1-D int64 array of token ids (in ``[0, vocab_size)`` when that is given), or a
    clear error."""
    if isinstance(ids, (list, tuple)):
        ids = np.asarray(ids)
    if vocab_size is None:
        if not isinstance(ids, np.ndarray) or not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(f"{where}: {name} must be a 1-D integer numpy array of word ids, "
                            f"got {type(ids).__name__}"
                            + (f" of dtype {ids.dtype}" if isinstance(ids, np.ndarray) else ""))
        if ids.ndim != 1:
            raise ValueError(f"{where}: {name} must be 1-D (one long stream of ids), got "
                             f"shape {ids.shape}")
    else:
        ids = check_token_ids(ids, name, vocab_size, ("M",), where)
    return ids.astype(np.int64, copy=False)


def batches(ids, batch_size: int, seq_len: int):
    """Windows ``(x, y)`` for truncated BPTT over one stream of token ids.

    Parameters
    ----------
    ids : int ndarray, shape (M+1,)
        The corpus as one stream of ids.
    batch_size : int
        N, the number of parallel streams (at most M).
    seq_len : int
        T, the number of steps per window.

    Yields
    ------
    x, y : int64 ndarray, shape (N, T)
        Inputs and targets (``y`` is ``x`` shifted by one word in the
        corpus). See the module docstring for the layout and for the shorter
        windows that cover a remainder: the last windows may have fewer
        columns, and the very last ones may have a single row.
    """
    where = "batches"
    ids = check_stream(ids, "ids", where)
    N = check_positive_int(batch_size, "batch_size", where)
    T = check_positive_int(seq_len, "seq_len", where)
    M = ids.size - 1
    if M < N:
        raise ValueError(f"{where}: batch_size={N} streams need at least {N + 1} tokens "
                         f"(one (input, target) pair per stream), got {ids.size}")
    L = M // N
    xs = ids[:N * L].reshape(N, L)
    ys = ids[1:N * L + 1].reshape(N, L)
    for j in range(0, L, T):
        yield xs[:, j:j + T], ys[:, j:j + T]
    # The r < N pairs after the last stream continue row N-1 of the last window.
    for j in range(N * L, M, T):
        stop = min(j + T, M)
        yield ids[None, j:stop], ids[None, j + 1:stop + 1]


def num_batches(num_tokens: int, batch_size: int, seq_len: int) -> int:
    """How many windows :func:`batches` yields for a stream of ``num_tokens`` ids."""
    M = num_tokens - 1
    L = M // batch_size
    r = M - batch_size * L
    return -(-L // seq_len) + -(-r // seq_len)


def dlfs2_batches(ids, batch_size: int, seq_len: int, epoch: int):
    """The windows ``(x, y)`` of one epoch as DLFS2's ``train_custom_loop.py`` makes them.

    Stream n starts at offset ``n * (M // N)``; a running time index continues
    from epoch to epoch (epoch e starts at step ``(e - 1) * W * T`` with
    ``W = M // (N*T)`` windows per epoch) and every position is taken modulo
    M, so a stream that runs past the end of the corpus continues at its start.

    Parameters
    ----------
    ids : int ndarray, shape (M+1,)
        The corpus as one stream of ids.
    batch_size, seq_len : int
        N and T.
    epoch : int
        Which epoch (from 1).

    Yields
    ------
    x, y : int64 ndarray, shape (N, T)
        ``y`` is ``x`` one word later in the corpus.
    """
    where = "dlfs2_batches"
    ids = check_stream(ids, "ids", where)
    N = check_positive_int(batch_size, "batch_size", where)
    T = check_positive_int(seq_len, "seq_len", where)
    epoch = check_positive_int(epoch, "epoch", where)
    xs, ys = ids[:-1], ids[1:]
    M = xs.size
    W = M // (N * T)
    if W == 0:
        raise ValueError(f"{where}: an epoch of DLFS2's batching is M // (N*T) windows; with "
                         f"M={M} (input, target) pairs, N={N}, T={T} that is none: use a "
                         "smaller batch_size or seq_len")
    offsets = np.arange(N)[:, None] * (M // N)           # (N, 1): where each stream starts
    steps = np.arange(T)[None, :]                         # (1, T)
    time_idx = (epoch - 1) * W * T
    for _ in range(W):
        positions = (offsets + time_idx + steps) % M      # (N, T), wrapping round the corpus
        yield xs[positions], ys[positions]
        time_idx += T


def dlfs2_num_batches(num_tokens: int, batch_size: int, seq_len: int) -> int:
    """How many windows an epoch of :func:`dlfs2_batches` has: ``M // (N*T)``."""
    return (num_tokens - 1) // (batch_size * seq_len)
