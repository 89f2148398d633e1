"""The recurrent cell of a model, chosen by name: ``cell="rnn"``, ``"lstm"`` or ``"gru"``.

Every model of :mod:`minirnn.models` builds its recurrent layers with
:func:`recurrent_layer`, so the same model can run on a vanilla RNN or on a
gated cell. The cells differ in one way that matters to a model: an LSTM
carries two vectors from step to step, the hidden state h and the cell state
c, where an RNN and a GRU carry h alone. A model that hands a state from one layer to
another (an encoder to a decoder) uses the three helpers below, which treat a
*state* as ``h`` for an RNN or a GRU and as the pair ``(h, c)`` for an LSTM.
"""

from __future__ import annotations

import numpy as np

from .gru import GRU
from .layers import RNN
from .lstm import LSTM

#: The recurrent layers by name.
CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


def check_cell(cell, where: str) -> str:
    """The cell name, or a ValueError that lists the known ones."""
    if cell not in CELLS:
        raise ValueError(f"{where}: cell must be one of {sorted(CELLS)}, got {cell!r}")
    return cell


def recurrent_layer(cell: str, input_size: int, hidden_size: int, seed=None,
                    stateful: bool = False, dtype=np.float64):
    """A new recurrent layer of the named kind: ``CELLS[cell](input_size, hidden_size, ...)``."""
    check_cell(cell, "recurrent_layer")
    return CELLS[cell](input_size, hidden_size, seed=seed, stateful=stateful, dtype=dtype)


def final_state(layer):
    """The state after the last step of the last ``forward``: ``h_n``, or ``(h_n, c_n)``."""
    if isinstance(layer, LSTM):
        return layer.h_n, layer.c_n
    return layer.h_n


def forward_from(layer, xs, state):
    """``layer.forward(xs)`` starting from ``state`` (as :func:`final_state` returns it;
    None: the layer's default, zeros or the carried state)."""
    if state is None:
        return layer.forward(xs)
    if isinstance(layer, LSTM):
        h0, c0 = state
        return layer.forward(xs, h0, c0)
    return layer.forward(xs, state)


def backward_to_state(layer, dhs, dstate=None):
    """``layer.backward(dhs)`` when the final state also reached the loss (with gradient
    ``dstate``); returns ``(dxs, gradient of the initial state)``."""
    dc_last = None
    if dstate is not None:
        dh_last, dc_last = dstate if isinstance(layer, LSTM) else (dstate, None)
        dhs = dhs.copy()
        dhs[:, -1] += dh_last           # h_n is hs[:, -1]: its two gradients add
    if isinstance(layer, LSTM):
        dxs = layer.backward(dhs, dc_last)
        return dxs, (layer.dh0, layer.dc0)
    return layer.backward(dhs), layer.dh0
