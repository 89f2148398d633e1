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
from .lstm import LSTM, lstm_backward

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


def state_at(layer, steps):
    """The state after step ``steps[n]`` of row n in the last ``forward``: h, or (h, c).

    With rows padded on the right and ``steps = lengths - 1``, this is each
    row's state after its own last real input, not after the padding: what
    PyTorch's recurrent layers return as ``h_n`` for a packed sequence. A
    recurrent layer is causal, so its states at the real steps of a row are
    the same with or without padding after them; only the state handed on
    must be read at the right step.

    Parameters
    ----------
    layer : recurrent layer, after ``forward``
    steps : int ndarray, shape (N,)
        One step per row, in ``[0, T)``.
    """
    cache = layer._need_cache("state_at")
    hs = cache[-1]                      # the caches of rnn_forward and lstm_forward end with hs
    N, T, _ = hs.shape
    steps = _check_steps(steps, N, T, "state_at")
    rows = np.arange(N)
    if isinstance(layer, LSTM):
        cs = cache[6]                   # lstm_forward's cache: (xs, h0, c0, Wx, Wh, gates, cs, hs)
        return hs[rows, steps], cs[rows, steps]
    return hs[rows, steps]


def _check_steps(steps, N: int, T: int, where: str) -> np.ndarray:
    steps = np.asarray(steps)
    if steps.shape != (N,) or not np.issubdtype(steps.dtype, np.integer):
        raise ValueError(f"{where}: steps must be an integer array of shape ({N},), one step "
                         f"per row, got dtype {steps.dtype} and shape {steps.shape}")
    if steps.size and (steps.min() < 0 or steps.max() >= T):
        raise ValueError(f"{where}: steps must lie in [0, {T}), got values from {steps.min()} "
                         f"to {steps.max()}")
    return steps


def forward_from(layer, xs, state):
    """``layer.forward(xs)`` starting from ``state`` (as :func:`final_state` returns it;
    None: the layer's default, zeros or the carried state)."""
    if state is None:
        return layer.forward(xs)
    if isinstance(layer, LSTM):
        h0, c0 = state
        return layer.forward(xs, h0, c0)
    return layer.forward(xs, state)


def backward_to_state(layer, dhs, dstate=None, steps=None):
    """``layer.backward(dhs)`` when the final state also reached the loss (with gradient
    ``dstate``); returns ``(dxs, gradient of the initial state)``.

    With ``steps`` (as for :func:`state_at`) the state that reached the loss is the one
    after step ``steps[n]`` of row n, and its gradient enters there."""
    dc_last = dc_state = None
    if dstate is not None:
        dh_state, dc_state = dstate if isinstance(layer, LSTM) else (dstate, None)
        dhs = dhs.copy()
        if steps is None:
            dhs[:, -1] += dh_state      # h_n is hs[:, -1]: its two gradients add
            dc_last, dc_state = dc_state, None
        else:
            N, T, _ = dhs.shape
            steps = _check_steps(steps, N, T, "backward_to_state")
            dhs[np.arange(N), steps] += dh_state     # h after step steps[n] is hs[n, steps[n]]
    if not isinstance(layer, LSTM):
        return layer.backward(dhs), layer.dh0
    dxs = layer.backward(dhs, dc_last)
    if dc_state is not None:
        dxs = _add_cell_state_gradient(layer, dxs, dc_state, steps)
    return dxs, (layer.dh0, layer.dc0)


def _add_cell_state_gradient(layer, dxs, dc_state, steps):
    """Add to an LSTM's gradients the part that comes from ``dc_state``, the gradient of
    the cell state after step ``steps[n]`` of row n.

    ``lstm_backward`` takes the gradient of the LAST cell state only (``dc_last``). The
    backward pass is linear in the gradients that come in, so the part from a cell
    state at an earlier step s is the backward pass of the first s + 1 steps with
    ``dc_last`` set and no other gradient; the rows that share a step are done together.
    """
    xs, h0, c0, Wx, Wh, gates, cs, hs = layer._cache      # the cache of lstm_forward
    dxs = dxs.copy()
    dh0, dc0 = layer.dh0.copy(), layer.dc0.copy()
    extra = {k: np.zeros_like(g) for k, g in layer.grads.items()}
    for s in np.unique(steps):
        r = np.flatnonzero(steps == s)
        first = slice(0, s + 1)
        part = (xs[r, first], h0[r], c0[r], Wx, Wh, gates[r, first], cs[r, first],
                hs[r, first])
        dxs_r, dh0_r, dc0_r, dWx, dWh, db = lstm_backward(np.zeros_like(hs[r, first]), part,
                                                          dc_state[r])
        dxs[r, first] += dxs_r
        dh0[r] += dh0_r
        dc0[r] += dc0_r
        for k, g in (("Wx", dWx), ("Wh", dWh), ("b", db)):
            extra[k] += g
    for k, g in extra.items():
        layer.grads[k] += g                                 # in place: models hold these
    layer.dh0, layer.dc0 = dh0, dc0
    return dxs
