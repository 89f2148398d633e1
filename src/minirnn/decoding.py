"""Decoding: turning a trained decoder into output sequences.

Training feeds the decoder the CORRECT previous output at every step (teacher
forcing). At generation time there is no correct output: the decoder must read
its own previous prediction. Two ways to choose it:

- :func:`greedy_decode` takes the single most probable symbol at each step;
- :func:`beam_search` keeps the ``width`` most probable *sequences* so far and
  extends each of them, so that a first symbol that looked slightly worse can
  still win if what follows it is much more probable.

:func:`beam_search` works for any decoder through a *step function*
``step(symbols, state) -> (log_probs, state)``; :func:`decoder_step` makes one
for a plain decoder (embedding, recurrent layer, output layer).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_positive_int
from .losses import log_softmax
from .recurrent import final_state, forward_from


def greedy_decode(decoder, embed, out, state, start: int, length: int):
    """Write ``length`` symbols, each step reading the previous step's most probable one.

    Parameters
    ----------
    decoder : recurrent layer (RNN, LSTM or GRU)
    embed : Embedding
        Embeds the symbol read at each step (the start symbol first).
    out : Linear
        Scores every output symbol from a hidden state.
    state : ndarray (N, H), or (h, c) for an LSTM
        The decoder's initial state.
    start : int
        Id of the start symbol.
    length : int
        Number of symbols to write.

    Returns
    -------
    ids : int64 ndarray, shape (N, length)

    Notes
    -----
    The layers' caches are overwritten: call it inside ``model.inference()``.
    """
    N = (state[0] if isinstance(state, tuple) else state).shape[0]
    symbol = np.full(N, start)
    result = np.empty((N, length), dtype=np.int64)
    for t in range(length):
        hs = forward_from(decoder, embed.forward(symbol[:, None]), state)   # one step
        state = final_state(decoder)
        symbol = out.forward(hs[:, -1]).argmax(axis=1)                     # most probable
        result[:, t] = symbol
    return result


def decoder_step(decoder, embed, out):
    """The step function of a plain decoder, for :func:`beam_search`.

    ``step(symbols, state)`` embeds the symbols (M,), runs the recurrent layer
    one step from ``state`` and returns the log-probabilities (M, V) of the
    next symbol and the new state. Like :func:`greedy_decode`, it overwrites
    the layers' caches: use it inside ``model.inference()``.
    """
    def step(symbols, state):
        hs = forward_from(decoder, embed.forward(symbols[:, None]), state)
        return log_softmax(out.forward(hs[:, -1]), axis=-1), final_state(decoder)
    return step


def _rows(state, index):
    """Rows ``index`` of a state (an array, or a tuple of arrays such as an LSTM's (h, c))."""
    if isinstance(state, tuple):
        return tuple(s[index] for s in state)
    return state[index]


def beam_search(step, state, start: int, length: int, width: int, end: int | None = None):
    """The most probable output sequences found by a beam of ``width`` hypotheses.

    For every input row, the beam holds the ``width`` best partial outputs
    (by total log-probability). Each step extends every one of them by every
    symbol, and keeps the ``width`` best of those ``width * V`` extensions.
    ``width=1`` is greedy decoding.

    Parameters
    ----------
    step : callable
        ``step(symbols, state) -> (log_probs, state)`` for M rows: symbols
        (M,), log_probs (M, V). Called with ``M = N * width`` rows, the beams
        of input row n in rows ``n * width`` to ``n * width + width - 1`` (the
        order of ``np.repeat(x, width, axis=0)``): anything the step function
        reads besides the state (an encoder's states for attention) must be
        repeated that way.
    state : ndarray (N, H), or a tuple of them
        The decoder's initial state for the N input rows.
    start : int
        Id of the start symbol.
    length : int
        Number of symbols to write.
    width : int
        k, the number of hypotheses kept per input row.
    end : int, optional
        An end symbol: a hypothesis that has written it is finished; it then
        writes ``end`` at every later step at no cost.

    Returns
    -------
    ids : int64 ndarray, shape (N, length)
        The best hypothesis of every row.
    logp : float ndarray, shape (N,)
        Its total log-probability under the model.
    """
    length = check_positive_int(length, "length", "beam_search")
    k = check_positive_int(width, "width", "beam_search")
    N = (state[0] if isinstance(state, tuple) else state).shape[0]
    state = _rows(state, np.repeat(np.arange(N), k))       # k copies of every row
    # One real hypothesis per row to start with (the start symbol): the other k-1 slots
    # get log-probability -inf, so the first step fills the beam from that one.
    scores = np.full((N, k), -np.inf)
    scores[:, 0] = 0.0
    history = np.zeros((N, k, 0), dtype=np.int64)
    finished = np.zeros((N, k), dtype=bool)
    symbols = np.full(N * k, start)
    for _ in range(length):
        logp, state = step(symbols, state)
        V = logp.shape[1]
        logp = logp.reshape(N, k, V)
        if end is not None:
            after_end = np.full(V, -np.inf)
            after_end[end] = 0.0                            # finished: only `end`, free
            logp = np.where(finished[..., None], after_end, logp)
        total = (scores[..., None] + logp).reshape(N, k * V)  # every extension of every beam
        best = np.argsort(-total, axis=1, kind="stable")[:, :k]   # the k best, best first
        beam, symbol = np.divmod(best, V)                  # which hypothesis, which symbol
        scores = np.take_along_axis(total, best, axis=1)
        history = np.concatenate([np.take_along_axis(history, beam[..., None], axis=1),
                                  symbol[..., None]], axis=2)
        if end is not None:
            finished = np.take_along_axis(finished, beam, axis=1) | (symbol == end)
        state = _rows(state, (np.arange(N)[:, None] * k + beam).ravel())   # follow the beams
        symbols = symbol.ravel()
    return history[:, 0], scores[:, 0]
