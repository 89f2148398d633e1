"""Decoding: turning a trained decoder into output sequences.

Training feeds the decoder the CORRECT previous output at every step (teacher
forcing). At generation time there is no correct output: the decoder must read
its own previous prediction. :func:`greedy_decode` takes the single most
probable symbol at each step.
"""

from __future__ import annotations

import numpy as np

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
