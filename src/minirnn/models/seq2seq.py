r"""Encoder-decoder: many-to-many with input and output of any lengths.

.. math::
    h^{enc}_t = \tanh(W^{enc}_x e^{enc}(w_t) + W^{enc}_h h^{enc}_{t-1} + b^{enc}), \qquad
    h^{dec}_{-1} = h^{enc}_{S-1}, \qquad
    h^{dec}_t = \tanh(W^{dec}_x e^{dec}(y_{t-1}) + W^{dec}_h h^{dec}_{t-1} + b^{dec})

for a source w_0, ..., w_{S-1} of length S, with y_{-1} the start symbol and
e^{enc}, e^{dec} the two embeddings (chapter 7's notation). The encoder's last
state, passed as the decoder's ``h0``, is the only thing the decoder knows
about the input (Sutskever, Vinyals & Le, 2014).
"""

from __future__ import annotations

import numpy as np

from .._checks import check_positive_int, check_token_ids
from ..decoding import beam_search, decoder_step, greedy_decode
from ..layers import Embedding, Linear
from ..losses import softmax_cross_entropy
from ..recurrent import (
    backward_to_state,
    check_cell,
    final_state,
    forward_from,
    recurrent_layer,
)
from .base import Model, shift_right


class Seq2Seq(Model):
    r"""Encoder-decoder: an encoder reads the source, its last state starts the decoder.

    In ``backward`` the gradient of the decoder's initial state is the
    gradient of the encoder's last state: it enters the encoder at its last
    step, like a many-to-one loss.

    Parameters
    ----------
    src_vocab : int
        Number of input symbols.
    tgt_vocab : int
        V, number of output symbols (the decoder embedding has V + 1 rows:
        the last, id ``tgt_vocab``, is the start symbol).
    embed_dim : int
        E, for both embeddings.
    hidden_size : int
        H, for both recurrent layers.
    seed : int or numpy.random.Generator, optional
    cell : {"rnn", "lstm", "gru"}
        The cell of encoder and decoder (default "rnn"); an LSTM hands over
        both its hidden and its cell state.

    Attributes
    ----------
    params, grads : dict
        ``"enc_embed.W"``, ``"encoder.Wx"``, ``"encoder.Wh"``, ``"encoder.b"``,
        ``"dec_embed.W"``, ``"decoder.Wx"``, ``"decoder.Wh"``, ``"decoder.b"``,
        ``"out.W"`` (V, H), ``"out.b"`` (V,).
    """

    def __init__(self, src_vocab: int, tgt_vocab: int, embed_dim: int, hidden_size: int,
                 seed=None, cell: str = "rnn"):
        where = "Seq2Seq"
        self.src_vocab = check_positive_int(src_vocab, "src_vocab", where)
        self.tgt_vocab = check_positive_int(tgt_vocab, "tgt_vocab", where)
        E = check_positive_int(embed_dim, "embed_dim", where)
        H = check_positive_int(hidden_size, "hidden_size", where)
        self.hidden_size = H
        self.cell = check_cell(cell, where)
        self.start_id = self.tgt_vocab
        rng = np.random.default_rng(seed)
        self.enc_embed = Embedding(self.src_vocab, E, seed=rng)
        self.encoder = recurrent_layer(cell, E, H, seed=rng)
        self.dec_embed = Embedding(self.tgt_vocab + 1, E, seed=rng)
        self.decoder = recurrent_layer(cell, E, H, seed=rng)
        self.out = Linear(H, self.tgt_vocab, seed=rng)
        self._register(enc_embed=self.enc_embed, encoder=self.encoder,
                       dec_embed=self.dec_embed, decoder=self.decoder, out=self.out)
        self._dloss = None

    def _encode(self, src, where: str):
        src = check_token_ids(src, "src", self.src_vocab, ("N", "S"), where)
        hs = self.encoder.forward(self.enc_embed.forward(src))
        self._enc_hs_shape = hs.shape                        # (N, S, H), for backward
        return final_state(self.encoder)

    def encode(self, src):
        """The encoder's last state, the summary of the input: (N, H), or (h, c) for an LSTM."""
        with self.inference():
            return self._encode(src, "Seq2Seq.encode")

    def forward(self, src, y_in):
        """Decoder scores given the source and the (teacher-forced) previous outputs.

        Parameters
        ----------
        src : int ndarray, shape (N, S)
        y_in : int ndarray, shape (N, T)
            Start id, then y_0, ..., y_{T-2}.

        Returns
        -------
        logits : ndarray, shape (N, T, V)
        """
        state = self._encode(src, "Seq2Seq.forward")
        N = src.shape[0]
        y_in = check_token_ids(y_in, "y_in", self.tgt_vocab + 1, ("N", "T"), "Seq2Seq.forward")
        if y_in.shape[0] != N:
            raise ValueError(f"Seq2Seq.forward: src has N={N} rows but y_in has "
                             f"{y_in.shape[0]}")
        return self.out.forward(forward_from(self.decoder, self.dec_embed.forward(y_in), state))

    def loss(self, src, y) -> float:
        """Teacher-forced mean cross-entropy of targets y (N, T) given src (N, S)."""
        y = check_token_ids(y, "y", self.tgt_vocab, ("N", "T"), "Seq2Seq.loss")
        logits = self.forward(src, shift_right(y, self.start_id))
        loss, self._dloss = softmax_cross_entropy(logits, y)
        return loss

    def backward(self):
        """Fill ``grads``: decoder first, then the encoder through its final state."""
        dlogits = self._need_loss("Seq2Seq.backward")
        dys, dstate = backward_to_state(self.decoder, self.out.backward(dlogits))
        self.dec_embed.backward(dys)
        # The encoder's outputs reach the loss only through its final state.
        no_output_grad = np.zeros(self._enc_hs_shape, dtype=dlogits.dtype)
        dxs, _ = backward_to_state(self.encoder, no_output_grad, dstate)
        self.enc_embed.backward(dxs)
        return None

    def generate(self, src, length: int, beam_width: int = 1, return_logp: bool = False):
        """Encode, then decode, each step reading its own previous output.

        Parameters
        ----------
        src : int ndarray, shape (N, S)
        length : int
            Number of symbols to write.
        beam_width : int
            1 (default): greedy, the most probable symbol at each step; k > 1:
            :func:`~minirnn.decoding.beam_search` with k hypotheses.
        return_logp : bool
            Also return each output's total log-probability under the model.

        Returns
        -------
        ids : int ndarray, shape (N, length)
        logp : float ndarray, shape (N,), if ``return_logp``
        """
        length = check_positive_int(length, "length", "Seq2Seq.generate")
        k = check_positive_int(beam_width, "beam_width", "Seq2Seq.generate")
        with self.inference():
            state = self._encode(src, "Seq2Seq.generate")
            if k == 1 and not return_logp:
                return greedy_decode(self.decoder, self.dec_embed, self.out, state,
                                     self.start_id, length)
            ids, logp = beam_search(decoder_step(self.decoder, self.dec_embed, self.out),
                                    state, self.start_id, length, k)
        return (ids, logp) if return_logp else ids
