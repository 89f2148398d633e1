"""Two ways to combine recurrent layers: stacked (deep) and bidirectional.

Both are built from :class:`minirnn.layers.RNN` (or another cell of
:mod:`minirnn.recurrent`, with ``cell="lstm"`` or ``"gru"``) and follow its conventions:
batch-major arrays (xs (N, T, D), hs (N, T, H)), a flat ``params`` dict and a
``grads`` dict with the same keys whose arrays *are* the inner layers' arrays
(so an optimizer that updates ``params`` in place trains the layers), and
``backward`` that fills ``grads`` in place and returns the input gradient.

Keys are prefixed by where the array lives: ``"0.Wx"``, ``"1.Wh"``, ... for the
layers of a :class:`StackedRNN`, ``"fwd.Wx"``, ``"bwd.b"``, ... for the two
directions of a :class:`BidirectionalRNN`.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_dtype, check_float_array, check_positive_int
from .layers import Layer, merge_params
from .recurrent import check_cell, recurrent_layer


class StackedRNN(Layer):
    r"""Several RNN layers on top of each other (a deep RNN).

    Layers are numbered :math:`\ell = 0, \dots, K-1` as in the code (``layers[l]``,
    keys ``"l.Wx"``, ``h_n[l]``); layer :math:`\ell` reads the hidden sequence of
    layer :math:`\ell - 1`:

    .. math::
        h^{(0)}_t = \tanh(W^{(0)}_x x_t + W^{(0)}_h h^{(0)}_{t-1} + b^{(0)}), \qquad
        h^{(\ell)}_t = \tanh(W^{(\ell)}_x h^{(\ell-1)}_t + W^{(\ell)}_h h^{(\ell)}_{t-1}
        + b^{(\ell)}).

    Layer 0 maps D -> H, every other layer H -> H; the output is the
    hidden sequence of the top layer, K - 1. A stack can help when one tanh
    layer per step is too simple a function of (input, memory); it costs K
    times the time per step and makes the gradient path longer (in depth as
    well as in time). (K, not L: L is the loss.)

    Parameters
    ----------
    input_size : int
        D, the size of each input vector x_t.
    hidden_size : int
        H, the hidden size of every layer.
    num_layers : int
        K, the number of RNN layers.
    seed : int or numpy.random.Generator, optional
        One generator draws the layers' weights in order, so layer 0 of
        ``StackedRNN(D, H, K, seed=s)`` has the same weights as ``RNN(D, H, seed=s)``.
    stateful : bool
        If True every layer carries its last hidden state into the next
        ``forward`` call (see :class:`~minirnn.layers.RNN`).
    dtype : float64 (default) or float32
    cell : {"rnn", "lstm", "gru"}
        The kind of every layer (default "rnn"). With "lstm", ``h0`` sets the
        hidden states only; the cell states start at zero.

    Attributes
    ----------
    layers : list of RNN (or LSTM, GRU)
        The K layers, bottom (layer 0) first.
    params, grads : dict
        ``"0.Wx"`` (H, D), ``"0.Wh"`` (H, H), ``"0.b"`` (H,), ``"1.Wx"`` (H, H), ...
        referencing the layers' own arrays.
    h_n : ndarray, shape (K, N, H)
        After ``forward``: the last hidden state of every layer (PyTorch's ``h_n``).
    dh0 : ndarray, shape (K, N, H)
        After ``backward``: the gradient with respect to every layer's initial state.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, seed=None,
                 stateful: bool = False, dtype=np.float64, cell: str = "rnn"):
        D = check_positive_int(input_size, "input_size", "StackedRNN")
        H = check_positive_int(hidden_size, "hidden_size", "StackedRNN")
        K = check_positive_int(num_layers, "num_layers", "StackedRNN")
        self.input_size, self.hidden_size, self.num_layers = D, H, K
        self.dtype = check_dtype(dtype, "StackedRNN")
        self.stateful = stateful
        self.cell = check_cell(cell, "StackedRNN")
        rng = np.random.default_rng(seed)
        self.layers = [recurrent_layer(cell, D if i == 0 else H, H, seed=rng, stateful=stateful,
                                       dtype=self.dtype)
                       for i in range(K)]
        self.params, self.grads = merge_params({str(i): la for i, la in enumerate(self.layers)})
        self.h_n = None
        self.dh0 = None
        self._cache = None

    def __repr__(self) -> str:
        return (f"StackedRNN(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"num_layers={self.num_layers}, stateful={self.stateful})")

    @property
    def state(self):
        """In stateful mode, the carried state of every layer, shape (K, N, H), or None.

        For LSTM layers, the pair (h, c) of such arrays, as PyTorch's (h_n, c_n).
        """
        if self.layers[0].state is None:
            return None
        if self.cell == "lstm":
            return tuple(np.stack(parts) for parts in zip(*(la.state for la in self.layers),
                                                          strict=True))
        return np.stack([layer.state for layer in self.layers])

    def reset_state(self) -> None:
        """Forget the carried hidden state of every layer (stateful mode)."""
        for layer in self.layers:
            layer.reset_state()

    def forward(self, xs, h0=None):
        """Run the stack over a batch of sequences.

        Parameters
        ----------
        xs : ndarray, shape (N, T, D)
            Input sequences.
        h0 : ndarray, shape (K, N, H), optional
            Initial hidden state of every layer (``h0[l]`` for layer l), as in
            PyTorch. Default: zeros, or in stateful mode the carried states.

        Returns
        -------
        hs : ndarray, shape (N, T, H)
            The top layer's hidden state at every step.
        """
        where = "StackedRNN.forward"
        xs = check_float_array(xs, "xs", ("N", "T", "D"), {"D": self.input_size}, where,
                               self.dtype)
        N = xs.shape[0]
        if h0 is not None:
            h0 = check_float_array(h0, "h0", ("K", "N", "H"),
                                   {"K": self.num_layers, "N": N, "H": self.hidden_size},
                                   where, self.dtype)
        hs = xs
        last = []
        for i, layer in enumerate(self.layers):
            hs = layer.forward(hs, None if h0 is None else h0[i])
            last.append(hs[:, -1])
        self.h_n = np.stack(last)
        self._cache = xs.shape[:2]
        return hs

    def backward(self, dhs):
        """Backpropagate through the stack, top layer first.

        Parameters
        ----------
        dhs : ndarray, shape (N, T, H)
            Gradient of the loss with respect to the top layer's hidden states.

        Returns
        -------
        dxs : ndarray, shape (N, T, D)
            Gradient with respect to the inputs; ``grads`` and ``dh0`` are filled.
        """
        N, T = self._need_cache("StackedRNN.backward")
        H = self.hidden_size
        dhs = check_float_array(dhs, "dhs", ("N", "T", "H"), {"N": N, "T": T, "H": H},
                                "StackedRNN.backward", self.dtype)
        d = dhs
        for layer in reversed(self.layers):
            d = layer.backward(d)     # dL/d(inputs of this layer) = dL/d(hs of the one below)
        self.dh0 = np.stack([layer.dh0 for layer in self.layers])
        return d


class BidirectionalRNN(Layer):
    r"""A forward RNN and a backward RNN over the same sequence, outputs concatenated.

    .. math::
        h^{fwd}_t = \tanh(W^{fwd}_x x_t + W^{fwd}_h h^{fwd}_{t-1} + b^{fwd}), \qquad
        h^{bwd}_t = \tanh(W^{bwd}_x x_t + W^{bwd}_h h^{bwd}_{t+1} + b^{bwd}), \qquad
        h_t = [h^{fwd}_t ; h^{bwd}_t].

    The backward RNN is an ordinary :class:`~minirnn.layers.RNN` run on the
    reversed sequence, its outputs reversed back, so that ``hs[:, t]`` holds a
    summary of the past (first H entries, as in PyTorch) and of the future
    (last H entries) of position t (Schuster & Paliwal, 1997).

    When can it be used? Only when the whole input sequence is known before
    any output is needed: classifying a sentence, tagging every word of a
    sentence, labelling a recorded signal. It cannot be used for next-word
    prediction (a language model) or any online task: the backward half at
    step t has read x_{t+1}, ..., so it would see the very word it is asked
    to predict, and at generation time that future does not exist yet.

    Parameters
    ----------
    input_size : int
        D, the size of each input vector x_t.
    hidden_size : int
        H, the hidden size of each direction; the output has 2H features.
    seed : int or numpy.random.Generator, optional
        One generator draws the forward weights, then the backward weights.
    dtype : float64 (default) or float32
    cell : {"rnn", "lstm", "gru"}
        The kind of both directions (default "rnn").

    Attributes
    ----------
    fwd, bwd : RNN (or LSTM, GRU)
        The two directions.
    params, grads : dict
        ``"fwd.Wx"`` (H, D), ``"fwd.Wh"``, ``"fwd.b"``, ``"bwd.Wx"``, ``"bwd.Wh"``,
        ``"bwd.b"``, referencing the two layers' arrays.
    h_n : ndarray, shape (2, N, H)
        After ``forward``: the final state of each direction, ``h_n[0]`` the
        forward RNN's state after x_{T-1}, ``h_n[1]`` the backward RNN's state
        after reading back to x_0 (which is ``hs[:, 0, H:]``, not ``hs[:, -1, H:]``).
    dh0 : ndarray, shape (2, N, H)
        After ``backward``: gradients with respect to the two initial states.
    """

    def __init__(self, input_size: int, hidden_size: int, seed=None, dtype=np.float64,
                 cell: str = "rnn"):
        D = check_positive_int(input_size, "input_size", "BidirectionalRNN")
        H = check_positive_int(hidden_size, "hidden_size", "BidirectionalRNN")
        self.input_size, self.hidden_size = D, H
        self.output_size = 2 * H
        self.dtype = check_dtype(dtype, "BidirectionalRNN")
        self.cell = check_cell(cell, "BidirectionalRNN")
        rng = np.random.default_rng(seed)
        self.fwd = recurrent_layer(cell, D, H, seed=rng, dtype=self.dtype)
        self.bwd = recurrent_layer(cell, D, H, seed=rng, dtype=self.dtype)
        self.params, self.grads = merge_params({"fwd": self.fwd, "bwd": self.bwd})
        self.h_n = None
        self.dh0 = None
        self._cache = None

    def __repr__(self) -> str:
        return (f"BidirectionalRNN(input_size={self.input_size}, "
                f"hidden_size={self.hidden_size})")

    def forward(self, xs, h0=None):
        """Run both directions and concatenate.

        Parameters
        ----------
        xs : ndarray, shape (N, T, D)
            Input sequences (all of each sequence must be known).
        h0 : ndarray, shape (2, N, H), optional
            Initial states: ``h0[0]`` for the forward RNN (before x_0),
            ``h0[1]`` for the backward RNN (before x_{T-1}). Default: zeros.

        Returns
        -------
        hs : ndarray, shape (N, T, 2H)
            ``hs[:, t, :H]`` is the forward state at t, ``hs[:, t, H:]`` the
            backward state at t.
        """
        where = "BidirectionalRNN.forward"
        xs = check_float_array(xs, "xs", ("N", "T", "D"), {"D": self.input_size}, where,
                               self.dtype)
        N = xs.shape[0]
        if h0 is not None:
            h0 = check_float_array(h0, "h0", ("2", "N", "H"),
                                   {"2": 2, "N": N, "H": self.hidden_size}, where, self.dtype)
        hs_f = self.fwd.forward(xs, None if h0 is None else h0[0])
        # The backward direction is a plain RNN reading x_{T-1}, ..., x_0.
        hs_b_rev = self.bwd.forward(xs[:, ::-1], None if h0 is None else h0[1])
        self.h_n = np.stack([hs_f[:, -1], hs_b_rev[:, -1]])
        self._cache = xs.shape
        return np.concatenate([hs_f, hs_b_rev[:, ::-1]], axis=2)

    def backward(self, dhs):
        """Split the gradient between the two directions and add their input gradients.

        Parameters
        ----------
        dhs : ndarray, shape (N, T, 2H)

        Returns
        -------
        dxs : ndarray, shape (N, T, D)
            Sum of both directions' input gradients; ``grads`` and ``dh0`` are filled.
        """
        where = "BidirectionalRNN.backward"
        N, T, _ = self._need_cache(where)
        H = self.hidden_size
        dhs = check_float_array(dhs, "dhs", ("N", "T", "2H"), {"N": N, "T": T, "2H": 2 * H},
                                where, self.dtype)
        dxs = self.fwd.backward(dhs[:, :, :H])
        # The backward RNN saw time reversed: reverse its gradient in, and its dxs out.
        dxs_rev = self.bwd.backward(np.ascontiguousarray(dhs[:, ::-1, H:]))
        dxs += dxs_rev[:, ::-1]
        self.dh0 = np.stack([self.fwd.dh0, self.bwd.dh0])
        return dxs
