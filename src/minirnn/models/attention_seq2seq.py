r"""Encoder-decoder with attention: the decoder reads every encoder state, not only the last.

.. math::
    h^{enc}_j &= \mathrm{cell}(e^{enc}(x_j), h^{enc}_{j-1}), \qquad j = 0, \dots, S-1\\
    h^{dec}_{-1} &= h^{enc}_{S-1}, \qquad
    h^{dec}_t = \mathrm{cell}(e^{dec}(y_{t-1}), h^{dec}_{t-1})\\
    \alpha_{t,j} &= \mathrm{softmax}_j\, u(h^{dec}_t, h^{enc}_j), \qquad
    m_t = \sum_j \alpha_{t,j} h^{enc}_j\\
    s_t &= W_y [m_t; h^{dec}_t] + b_y

with e^{enc}, e^{dec} the two embeddings and y_{-1} the start symbol. The
encoder and decoder are those of :class:`~minirnn.models.seq2seq.Seq2Seq`;
what is new is the context m_t, a weighted average of ALL encoder states,
recomputed for every output step and concatenated with the decoder state
before the output layer (the "global attention" of Luong et al., 2015; the
decoder of Bahdanau et al., 2015 instead computes the context from
h^dec_{t-1} and feeds it into the recurrence).

Padding: with ``src_pad`` set, the source rows may have different lengths,
padded on the RIGHT with that id. The padded positions are masked out of the
attention, and the decoder starts from each row's state after its own last
real symbol (not after the padding). With ``tgt_pad`` set, padded target
positions are masked out of the loss.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_positive_int, check_token_ids
from ..attention import Attention
from ..decoding import beam_search
from ..layers import Embedding, Linear
from ..losses import log_softmax, softmax_cross_entropy
from ..recurrent import (
    backward_to_state,
    check_cell,
    final_state,
    forward_from,
    recurrent_layer,
    state_at,
)
from .base import Model, shift_right


class AttentionSeq2Seq(Model):
    r"""Encoder-decoder whose decoder attends to every encoder state.

    Parameters
    ----------
    src_vocab : int
        Number of input symbols (padding included, if any).
    tgt_vocab : int
        V, number of output symbols (padding included, if any). The decoder
        embedding has V + 1 rows: the last, id ``tgt_vocab``, is the start symbol.
    embed_dim : int
        E, for both embeddings.
    hidden_size : int
        H, for both recurrent layers (and the attention).
    seed : int or numpy.random.Generator, optional
    cell : {"rnn", "lstm", "gru"}
        The cell of encoder and decoder (default "rnn"; see :data:`minirnn.recurrent.CELLS`).
    score : {"dot", "additive"}
        The attention score (see :class:`~minirnn.attention.Attention`).
    attn_size : int, optional
        A, the additive score's hidden size (default H).
    src_pad : int, optional
        Id of the padding symbol of the sources (rows padded on the right).
        Default: no padding, every position is real.
    tgt_pad : int, optional
        Id of the padding symbol of the targets: those positions do not count
        in the loss (PyTorch's ``ignore_index``).

    Attributes
    ----------
    params, grads : dict
        ``"enc_embed.W"``, ``"encoder.*"``, ``"dec_embed.W"``, ``"decoder.*"``,
        ``"attention.*"`` (none for the dot score), ``"out.W"`` (V, 2H), ``"out.b"`` (V,).
    attention : Attention
        Its ``weights`` (N, T, S) after a forward pass are the alphas.
    """

    def __init__(self, src_vocab: int, tgt_vocab: int, embed_dim: int, hidden_size: int,
                 seed=None, cell: str = "rnn", score: str = "dot",
                 attn_size: int | None = None, src_pad: int | None = None,
                 tgt_pad: int | None = None):
        where = "AttentionSeq2Seq"
        self.src_vocab = check_positive_int(src_vocab, "src_vocab", where)
        self.tgt_vocab = check_positive_int(tgt_vocab, "tgt_vocab", where)
        E = check_positive_int(embed_dim, "embed_dim", where)
        H = check_positive_int(hidden_size, "hidden_size", where)
        self.hidden_size = H
        self.cell = check_cell(cell, where)
        self.src_pad = _check_pad(src_pad, "src_pad", self.src_vocab, where)
        self.tgt_pad = _check_pad(tgt_pad, "tgt_pad", self.tgt_vocab, where)
        self.start_id = self.tgt_vocab
        rng = np.random.default_rng(seed)
        self.enc_embed = Embedding(self.src_vocab, E, seed=rng)
        self.encoder = recurrent_layer(cell, E, H, seed=rng)
        self.dec_embed = Embedding(self.tgt_vocab + 1, E, seed=rng)
        self.decoder = recurrent_layer(cell, E, H, seed=rng)
        self.attention = Attention(H, score, attn_size, seed=rng)
        self.out = Linear(2 * H, self.tgt_vocab, seed=rng)
        self._register(enc_embed=self.enc_embed, encoder=self.encoder,
                       dec_embed=self.dec_embed, decoder=self.decoder,
                       attention=self.attention, out=self.out)
        self._dloss = None

    def __repr__(self) -> str:
        return (f"AttentionSeq2Seq(src_vocab={self.src_vocab}, tgt_vocab={self.tgt_vocab}, "
                f"hidden_size={self.hidden_size}, cell={self.cell!r}, "
                f"score={self.attention.score!r})")

    # ------------------------------------------------------------------ encoder
    def source_mask(self, src):
        """True at the real symbols of ``src`` (N, S), False at the padding: (N, S) bool."""
        src = check_token_ids(src, "src", self.src_vocab, ("N", "S"), "AttentionSeq2Seq")
        if self.src_pad is None:
            return np.ones(src.shape, dtype=bool)
        return src != self.src_pad

    def _encode(self, src, where: str):
        """Encoder states (N, S, H), the decoder's initial state, and the source mask."""
        src = check_token_ids(src, "src", self.src_vocab, ("N", "S"), where)
        mask = self.source_mask(src)
        lengths = mask.sum(axis=1)
        if np.any(lengths == 0):
            raise ValueError(f"{where}: row {int(np.argmin(lengths))} of src is all padding "
                             f"(id {self.src_pad}); every source needs at least one symbol")
        S = src.shape[1]
        if not np.array_equal(mask, np.arange(S) < lengths[:, None]):
            row = int(np.argmax(np.any(mask != (np.arange(S) < lengths[:, None]), axis=1)))
            raise ValueError(f"{where}: src must be padded on the right: row {row} has the "
                             f"padding id {self.src_pad} before a real symbol")
        hs_enc = self.encoder.forward(self.enc_embed.forward(src))
        self._last_steps = lengths - 1                     # each row's last real step
        state = state_at(self.encoder, self._last_steps)   # not the state after the padding
        return hs_enc, state, mask

    # ------------------------------------------------------------------ training
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
        where = "AttentionSeq2Seq.forward"
        hs_enc, state, mask = self._encode(src, where)
        N = hs_enc.shape[0]
        y_in = check_token_ids(y_in, "y_in", self.tgt_vocab + 1, ("N", "T"), where)
        if y_in.shape[0] != N:
            raise ValueError(f"{where}: src has N={N} rows but y_in has {y_in.shape[0]}")
        hs_dec = forward_from(self.decoder, self.dec_embed.forward(y_in), state)   # (N, T, H)
        m = self.attention.forward(hs_dec, hs_enc, mask)                           # (N, T, H)
        return self.out.forward(np.concatenate([m, hs_dec], axis=-1))             # (N, T, V)

    def target_mask(self, y):
        """True at the target positions that count in the loss, False at padding."""
        if self.tgt_pad is None:
            return np.ones(np.shape(y), dtype=bool)
        return np.asarray(y) != self.tgt_pad

    def loss(self, src, y) -> float:
        """Teacher-forced mean cross-entropy of the (unpadded) targets y (N, T) given src."""
        y = check_token_ids(y, "y", self.tgt_vocab, ("N", "T"), "AttentionSeq2Seq.loss")
        logits = self.forward(src, shift_right(y, self.start_id))
        loss, self._dloss = softmax_cross_entropy(logits, y, self.target_mask(y))
        return loss

    def backward(self):
        """Fill ``grads``: output layer, attention, decoder, then the encoder.

        The encoder states reach the loss in two ways: through the attention
        (as keys and values, at every position) and through the decoder's
        initial state (at each row's last real step). Their gradients add.
        """
        dlogits = self._need_loss("AttentionSeq2Seq.backward")
        H = self.hidden_size
        dconcat = self.out.backward(dlogits)                      # (N, T, 2H)
        dm, dhs_dec = dconcat[..., :H], dconcat[..., H:]          # split [m_t; h^dec_t]
        dq, dhs_enc = self.attention.backward(dm)                 # queries, keys + values
        dys, dstate = backward_to_state(self.decoder, dhs_dec + dq)
        self.dec_embed.backward(dys)
        dxs, _ = backward_to_state(self.encoder, dhs_enc, dstate, self._last_steps)
        self.enc_embed.backward(dxs)
        return None

    # ------------------------------------------------------------------ inference
    def _step(self, hs_enc, mask):
        """One decoding step for :func:`~minirnn.decoding.beam_search`."""
        def step(symbols, state):
            h = forward_from(self.decoder, self.dec_embed.forward(symbols[:, None]), state)
            m = self.attention.forward(h, hs_enc, mask)                  # (M, 1, H)
            logits = self.out.forward(np.concatenate([m, h], axis=-1))[:, 0]
            return log_softmax(logits, axis=-1), final_state(self.decoder)
        return step

    def generate(self, src, length: int, beam_width: int = 1, end: int | None = None,
                 return_logp: bool = False):
        """Encode, then decode: greedily (``beam_width=1``) or with a beam search.

        Parameters
        ----------
        src : int ndarray, shape (N, S)
        length : int
            Number of symbols to write.
        beam_width : int
            k; 1 is greedy decoding.
        end : int, optional
            The end symbol: a finished hypothesis keeps writing it at no cost.
        return_logp : bool
            Also return each output's total log-probability under the model.

        Returns
        -------
        ids : int ndarray, shape (N, length)
        logp : float ndarray, shape (N,), if ``return_logp``
        """
        where = "AttentionSeq2Seq.generate"
        length = check_positive_int(length, "length", where)
        k = check_positive_int(beam_width, "beam_width", where)
        if end is not None:
            end = _check_pad(end, "end", self.tgt_vocab, where)
        with self.inference():
            hs_enc, state, mask = self._encode(src, where)
            # the beams of row n are rows n*k ... n*k + k-1: repeat what the step reads
            step = self._step(np.repeat(hs_enc, k, axis=0), np.repeat(mask, k, axis=0))
            ids, logp = beam_search(step, state, self.start_id, length, k, end)
        return (ids, logp) if return_logp else ids

    def attention_weights(self, src, y):
        """The weights alpha (N, T, S) with which the decoder reads src while writing y.

        The decoder is teacher-forced with y; for the model's own greedy output
        (``y = generate(src, T)``) these are exactly the weights it used while
        generating, since each step depends only on the steps before it.
        """
        where = "AttentionSeq2Seq.attention_weights"
        y = check_token_ids(y, "y", self.tgt_vocab, ("N", "T"), where)
        with self.inference():
            self.forward(src, shift_right(y, self.start_id))
            return self.attention.weights.copy()


def _check_pad(value, name: str, vocab: int, where: str):
    """None, or a symbol id in [0, vocab)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or \
            not 0 <= value < vocab:
        raise ValueError(f"{where}: {name} must be None or a symbol id in [0, {vocab}), "
                         f"got {value!r}")
    return int(value)
