r"""One-to-many: one input vector in, a sequence out.

An input vector z sets the initial state, then the recurrent layer writes a
sequence, each step reading the previous output:

.. math::
    h_{-1} = \tanh(W_{init} z + b_{init}), \qquad
    h_t = \tanh(W_x e(y_{t-1}) + W_h h_{t-1} + b), \qquad s_t = W_y h_t + b_y

for t = 0, 1, ..., where e(y_{t-1}) is the embedding of the previous output
and y_{-1} is a start symbol.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_positive_int, check_token_ids
from ..decoding import greedy_decode
from ..layers import Embedding, Linear
from ..losses import softmax_cross_entropy
from ..recurrent import backward_to_state, check_cell, forward_from, recurrent_layer
from .base import Model, shift_right


class SequenceGenerator(Model):
    r"""One-to-many: an input vector z sets the initial state, then a recurrent layer writes.

    The start symbol y_{-1} has id ``vocab_size``. The initial state h_{-1} is
    what the code (like PyTorch) calls ``h0`` (for an LSTM the cell state starts
    at zero). Training uses teacher forcing: the previous output is the correct
    one. :meth:`generate` runs free, feeding back its own predictions.

    Parameters
    ----------
    cond_size : int
        Z, the size of the input vector z.
    vocab_size : int
        V, the number of output symbols (the embedding has V + 1 rows: the
        last is the start symbol).
    embed_dim : int
        E, the size of the output-symbol embedding fed back to the recurrent layer.
    hidden_size : int
        H.
    seed : int or numpy.random.Generator, optional
    cell : {"rnn", "lstm", "gru"}
        The recurrent cell (default "rnn").

    Attributes
    ----------
    params, grads : dict
        ``"init.W"`` (H, Z), ``"init.b"`` (H,), ``"embed.W"`` (V + 1, E), ``"rnn.Wx"``
        (H, E), ``"rnn.Wh"``, ``"rnn.b"``, ``"out.W"`` (V, H), ``"out.b"`` (V,).
    """

    def __init__(self, cond_size: int, vocab_size: int, embed_dim: int, hidden_size: int,
                 seed=None, cell: str = "rnn"):
        where = "SequenceGenerator"
        self.cond_size = check_positive_int(cond_size, "cond_size", where)
        self.vocab_size = check_positive_int(vocab_size, "vocab_size", where)
        E = check_positive_int(embed_dim, "embed_dim", where)
        H = check_positive_int(hidden_size, "hidden_size", where)
        self.hidden_size = H
        self.cell = check_cell(cell, where)
        self.start_id = self.vocab_size
        rng = np.random.default_rng(seed)
        self.init = Linear(self.cond_size, H, seed=rng)
        self.embed = Embedding(self.vocab_size + 1, E, seed=rng)
        self.rnn = recurrent_layer(cell, E, H, seed=rng)
        self.out = Linear(H, self.vocab_size, seed=rng)
        self._register(init=self.init, embed=self.embed, rnn=self.rnn, out=self.out)
        self._h0 = None
        self._dloss = None

    def initial_state(self, z):
        """The initial state h_{-1} = tanh(W_init z + b_init) (the RNN's ``h0``): shape (N, H).

        For an LSTM, the pair (h_{-1}, zeros).
        """
        z = check_float_array(z, "z", ("N", "Z"), {"Z": self.cond_size},
                              "SequenceGenerator.initial_state")
        self._h0 = np.tanh(self.init.forward(z))
        return (self._h0, np.zeros_like(self._h0)) if self.cell == "lstm" else self._h0

    def forward(self, z, y_in):
        """Scores of every step given the (teacher-forced) previous outputs.

        Parameters
        ----------
        z : float ndarray, shape (N, Z)
        y_in : int ndarray, shape (N, T)
            The symbol read at each step: start id, then y_0, ..., y_{T-2}.

        Returns
        -------
        logits : ndarray, shape (N, T, V)
        """
        state = self.initial_state(z)
        N = self._h0.shape[0]
        y_in = check_token_ids(y_in, "y_in", self.vocab_size + 1, ("N", "T"),
                               "SequenceGenerator.forward")
        if y_in.shape[0] != N:
            raise ValueError(f"SequenceGenerator.forward: z has N={N} rows but "
                             f"y_in has {y_in.shape[0]}")
        return self.out.forward(forward_from(self.rnn, self.embed.forward(y_in), state))

    def loss(self, z, y) -> float:
        """Teacher-forced mean cross-entropy of targets y (N, T) given z (N, Z)."""
        y = check_token_ids(y, "y", self.vocab_size, ("N", "T"), "SequenceGenerator.loss")
        logits = self.forward(z, shift_right(y, self.start_id))
        loss, self._dloss = softmax_cross_entropy(logits, y)
        return loss

    def backward(self):
        """Fill ``grads``; return dz, the gradient with respect to z (N, Z)."""
        dlogits = self._need_loss("SequenceGenerator.backward")
        dxs, dstate0 = backward_to_state(self.rnn, self.out.backward(dlogits))
        self.embed.backward(dxs)
        # The whole sequence's gradient reaches z through h0 = tanh(init(z)).
        dh0 = dstate0[0] if self.cell == "lstm" else dstate0
        return self.init.backward(dh0 * (1.0 - self._h0 ** 2))

    def generate(self, z, length: int):
        """Free-running greedy generation: each step reads its own previous output.

        Returns
        -------
        ids : int ndarray, shape (N, length)
        """
        length = check_positive_int(length, "length", "SequenceGenerator.generate")
        with self.inference():
            return greedy_decode(self.rnn, self.embed, self.out, self.initial_state(z),
                                 self.start_id, length)
