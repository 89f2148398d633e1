r"""An RNN language model: Embedding -> RNN (or LSTM, GRU) -> Linear, trained by cross-entropy.

For each position t of a word sequence, the model reads the word id w_t and
gives a probability to every word of the vocabulary as the next word:

.. math::

    x_t = W_e[w_t], \qquad h_t = \tanh(W_x x_t + W_h h_{t-1} + b), \qquad
    s_t = W_y h_t + b_y, \qquad \hat y_t = \mathrm{softmax}(s_t)

with the loss the mean cross-entropy per token,
:math:`L = -\frac{1}{NT}\sum_{n,t} \log \hat y_{n,t}[y_{n,t}]`, and the
perplexity :math:`\exp(L)`.

Regularisation (chapter 11)
---------------------------
Three options, all off by default:

* ``dropout=p``: a :class:`~minirnn.dropout.Dropout` on the two non-recurrent
  connections, x_t -> RNN and h_t -> output layer (Zaremba et al., 2014), with a
  new mask at every step, or with ``variational=True`` one mask per sequence
  reused at every step (Gal & Ghahramani, 2016). Only in training mode
  (:meth:`~minirnn.models.base.Model.train`); never in ``evaluate``,
  ``perplexity``, ``predict_next`` or ``generate``.
* ``tie_weights=True``: the output layer uses the embedding matrix,
  :math:`W_y = W_e` (Press & Wolf, 2017; Inan et al., 2017), which needs E = H.
  ``params`` then holds the matrix once, under ``"embed.W"``, and its gradient
  is the sum of its two uses.
* weight decay is the optimizer's (``minirnn.optim.Adam(weight_decay=...)``).

``init="dlfs2"`` draws the initial weights at the scales of Deep Learning from
Scratch 2's ``SimpleRnnlm`` instead of minirnn's defaults (see :class:`RNNLM`).

Training state and inference
----------------------------
:meth:`RNNLM.predict_next`, :meth:`RNNLM.generate` and :meth:`RNNLM.perplexity`
always start from a zero hidden state, run with dropout off, and leave the
model exactly as they found it (:meth:`~minirnn.models.base.Model.inference`):
the carried state of a stateful run, the layers' caches (so a pending
``backward`` still works) and the cached loss gradient are saved and restored
around them.
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_dtype, check_positive_int, check_token_ids
from ..dropout import Dropout, check_probability
from ..layers import Embedding, Linear
from ..losses import log_softmax, softmax, softmax_cross_entropy
from ..recurrent import check_cell, final_state, forward_from, recurrent_layer
from ..text import Vocabulary
from .base import Model

#: The choices of initial weights (see :class:`RNNLM`).
INITS = ("default", "dlfs2")


class RNNLM(Model):
    """Embedding -> recurrent layer -> Linear language model.

    Parameters
    ----------
    vocab_size : int
        V, the number of words.
    embed_dim : int
        E (= D, the RNN's input size), the size of each word vector.
    hidden_size : int
        H, the size of the hidden state.
    seed : int or numpy.random.Generator, optional
        Makes the initial weights repeatable (one generator is drawn from in
        the order embedding, RNN, output layer).
    vocab : Vocabulary, optional
        Needed by the word-level methods (``predict_next``, ``generate``);
        ``len(vocab)`` must equal ``vocab_size``.
    dtype : float64 (default) or float32
    stateful : bool
        Whether the recurrent layer carries its last state from one ``forward``
        call to the next (truncated BPTT; :func:`minirnn.train.train_lm`
        switches it on while it trains). Default False: every call starts from zeros.
    cell : {"rnn", "lstm", "gru"}
        The recurrent layer (see :mod:`minirnn.recurrent`). Default "rnn".
    dropout : float
        Drop probability p in [0, 1) of the dropout layers on x_t (before the
        recurrent layer) and on h_t (before the output layer); 0 (default):
        no dropout layers.
    variational : bool
        With ``dropout``: one mask per sequence reused at every step (Gal &
        Ghahramani, 2016) instead of a new mask at every step (Zaremba et al.,
        2014). See :mod:`minirnn.dropout`.
    tie_weights : bool
        Use the embedding matrix as the output weights, W_y = W_e (needs
        ``embed_dim == hidden_size``). With ``init="default"`` the shared
        matrix starts as the output layer would, U(-1/sqrt(H), 1/sqrt(H)):
        the embedding's N(0, 1) would make the first scores s_t of size
        sqrt(H).
    init : {"default", "dlfs2"}
        The initial weights. "default": the embedding N(0, 1), the recurrent
        and output weights U(-1/sqrt(H), 1/sqrt(H)) as PyTorch. "dlfs2": the
        scales of DLFS2's ``SimpleRnnlm``: embedding N(0, 0.01^2), W_x N(0, 1/E),
        W_h N(0, 1/H), W_y N(0, 1/H), biases 0 (the same distributions; not
        DLFS2's random numbers).

    Attributes
    ----------
    embed : Embedding
        ``W`` (V, E): the embedding matrix W_e, one row per word.
    rnn : RNN, LSTM or GRU
        The recurrent layer: ``Wx`` (H, E), ``Wh`` (H, H), ``b`` (H,) for an RNN
        (4H rows for an LSTM's four blocks; a GRU has 3H rows and two
        biases ``bx``, ``bh``).
    out : Linear
        ``W`` (V, H) (the book's W_y), ``b`` (V,) (the book's b_y). With
        ``tie_weights`` its ``W`` is the embedding's array itself.
    drop_x, drop_h : Dropout or None
        The dropout layers on x_t and on h_t (None without ``dropout``).
    params, grads : dict
        Keys ``"embed.W", "rnn.Wx", "rnn.Wh", "rnn.b", "out.W", "out.b"`` (a
        GRU has ``"rnn.bx", "rnn.bh"`` in place of ``"rnn.b"``; no ``"out.W"``
        when the weights are tied); the values are the layers' own arrays, so
        an optimizer that updates ``params`` in place updates the layers.
    training : bool
        Training mode (default True): see ``train()`` / ``eval()``.
    """

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, seed=None,
                 vocab: Vocabulary | None = None, dtype=np.float64, stateful: bool = False,
                 cell: str = "rnn", dropout: float = 0.0, variational: bool = False,
                 tie_weights: bool = False, init: str = "default"):
        where = "RNNLM"
        V = check_positive_int(vocab_size, "vocab_size", where)
        E = check_positive_int(embed_dim, "embed_dim", where)
        H = check_positive_int(hidden_size, "hidden_size", where)
        self.dtype = check_dtype(dtype, where)
        if vocab is not None:
            if not isinstance(vocab, Vocabulary):
                raise TypeError(f"{where}: vocab must be a minirnn.text.Vocabulary, "
                                f"got {type(vocab).__name__}")
            if len(vocab) != V:
                raise ValueError(f"{where}: vocab_size={V} but the vocabulary has "
                                 f"{len(vocab)} words")
        self.vocab_size, self.embed_dim, self.hidden_size = V, E, H
        self.cell = check_cell(cell, where)
        self.dropout = check_probability(dropout, "dropout", where)
        self.variational = bool(variational)
        self.tie_weights = bool(tie_weights)
        if self.tie_weights and E != H:
            raise ValueError(f"{where}: tie_weights=True uses the embedding W_e (V, E) as the "
                             f"output weights W_y (V, H), so it needs embed_dim == hidden_size, "
                             f"got embed_dim={E}, hidden_size={H}")
        if init not in INITS:
            raise ValueError(f"{where}: init must be one of {INITS}, got {init!r}")
        self.vocab = vocab
        rng = np.random.default_rng(seed)
        self.embed = Embedding(V, E, seed=rng, dtype=self.dtype)
        self.rnn = recurrent_layer(cell, E, H, seed=rng, stateful=stateful, dtype=self.dtype)
        self.out = Linear(H, V, seed=rng, dtype=self.dtype)
        if init == "dlfs2":
            self._init_dlfs2(rng)
        if self.tie_weights:
            if init == "default":
                # As output weights, N(0, 1) entries would give scores of size sqrt(H) at
                # the start; the shared matrix starts as the output layer's U(+-1/sqrt(H)).
                self.embed.params["W"][...] = self.out.params["W"]
            self.out.params["W"] = self.embed.params["W"]     # one matrix, used twice
        # The masks come from the same generator, after the weights (which are thus
        # the same with and without dropout for a given seed).
        self.drop_x = Dropout(self.dropout, self.variational, rng, self.dtype) \
            if self.dropout > 0 else None
        self.drop_h = Dropout(self.dropout, self.variational, rng, self.dtype) \
            if self.dropout > 0 else None
        self._register(embed=self.embed, drop_x=self.drop_x, rnn=self.rnn,
                       drop_h=self.drop_h, out=self.out)
        if self.tie_weights:              # the optimizer must see (and update) it once
            del self.params["out.W"], self.grads["out.W"]
        self._dloss = None

    def _init_dlfs2(self, rng) -> None:
        """Redraw the weights at DLFS2's scales (``ch05/simple_rnnlm.py``), in place."""
        E, H = self.embed_dim, self.hidden_size
        for array, scale in ((self.embed.params["W"], 0.01),
                             (self.rnn.params["Wx"], 1 / np.sqrt(E)),
                             (self.rnn.params["Wh"], 1 / np.sqrt(H)),
                             (self.out.params["W"], 1 / np.sqrt(H))):
            array[...] = scale * rng.standard_normal(array.shape)
        biases = [p for k, p in self.rnn.params.items() if k.startswith("b")]  # b; a GRU's bx, bh
        for bias in (*biases, self.out.params["b"]):
            bias[...] = 0.0

    def __repr__(self) -> str:
        extra = "" if self.cell == "rnn" else f", cell={self.cell!r}"
        if self.dropout:
            extra += f", dropout={self.dropout}" + (", variational=True" if self.variational
                                                    else "")
        if self.tie_weights:
            extra += ", tie_weights=True"
        return (f"RNNLM(vocab_size={self.vocab_size}, embed_dim={self.embed_dim}, "
                f"hidden_size={self.hidden_size}{extra}, params={self.num_params})")

    @property
    def stateful(self) -> bool:
        """Whether the RNN carries its hidden state between ``forward`` calls."""
        return self.rnn.stateful

    @stateful.setter
    def stateful(self, value: bool) -> None:
        self.rnn.stateful = bool(value)

    def reset_state(self) -> None:
        """Forget the carried hidden state: the next ``forward`` starts from zeros."""
        self.rnn.reset_state()

    def keep_state_rows(self, n: int) -> None:
        """Keep the carried state of the last ``n`` streams only (see
        :func:`minirnn.batching.batches`: the last windows may continue one stream)."""
        self.rnn.keep_state_rows(n)

    # ------------------------------------------------------------- arrays in/out
    def forward(self, ids, h0=None):
        """Scores for the next word at every position.

        Parameters
        ----------
        ids : int ndarray, shape (N, T)
            Word ids.
        h0 : ndarray, shape (N, H), optional
            Initial hidden state (default zeros, or the carried state when
            stateful). For an LSTM, the pair ``(h0, c0)``.

        Returns
        -------
        logits : ndarray, shape (N, T, V)
            ``logits[n, t]`` scores the word that follows ``ids[n, t]``.
        """
        self._dloss = None                 # a new forward invalidates an old loss gradient
        xs = self.embed.forward(ids)       # (N, T, E)
        if self.drop_x is not None:
            xs = self.drop_x.forward(xs)   # identity in eval mode
        hs = forward_from(self.rnn, xs, h0)  # (N, T, H)
        if self.drop_h is not None:
            hs = self.drop_h.forward(hs)
        return self.out.forward(hs)        # (N, T, V)

    def loss(self, ids, targets, h0=None) -> float:
        """Mean cross-entropy per token of the next-word predictions.

        Parameters
        ----------
        ids, targets : int ndarray, shape (N, T)
            Inputs and the correct next words (usually ``targets[:, t] ==
            ids[:, t+1]``).
        h0 : ndarray, shape (N, H), optional

        Returns
        -------
        float
            The loss L; ``exp(L)`` is the perplexity. The gradient with
            respect to the logits is kept for :meth:`backward`.
        """
        logits = self.forward(ids, h0)
        loss, self._dloss = softmax_cross_entropy(logits, targets)
        return loss

    def backward(self) -> None:
        """Backpropagate the last :meth:`loss` through all layers and fill ``grads``.

        In stateful mode the carried initial state is treated as a constant:
        the gradient stops at the window boundary (truncated BPTT).
        """
        dlogits = self._need_loss("RNNLM.backward")
        dhs = self.out.backward(dlogits)         # (N, T, H)
        if self.drop_h is not None:
            dhs = self.drop_h.backward(dhs)
        dxs = self.rnn.backward(dhs)             # (N, T, E)
        if self.drop_x is not None:
            dxs = self.drop_x.backward(dxs)
        self.embed.backward(dxs)                 # fills grads["embed.W"]
        if self.tie_weights:
            # W_e is used twice (lookup and output layer): its gradient is the sum of both.
            self.embed.grads["W"] += self.out.grads["W"]

    def perplexity(self, ids, targets) -> float:
        """``exp`` of the mean cross-entropy, from a zero state; the model is left untouched.

        1 means the model is certain of every next word; a model that spreads
        its probability uniformly over V words has perplexity V.
        """
        ids = check_token_ids(ids, "ids", self.vocab_size, ("N", "T"), "RNNLM.perplexity")
        with self.inference():
            logits = self.forward(ids, h0=self._zeros(len(ids)))
            loss, _ = softmax_cross_entropy(logits, targets)
        return math.exp(loss)

    # ------------------------------------------------------------------- words
    def next_word_probs(self, words) -> np.ndarray:
        """Probability of every vocabulary word following ``words`` (read from a zero state).

        Parameters
        ----------
        words : list of str, or str
            A string is tokenized the way the vocabulary was built.

        Returns
        -------
        p : ndarray, shape (V,)
        """
        ids = self._encode(words, "next_word_probs")
        with self.inference():
            logits = self.forward(ids[None, :], h0=self._zeros(1))
        return softmax(logits[0, -1])

    def predict_next(self, words, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` most probable next words after reading ``words`` from a zero state.

        Parameters
        ----------
        words : list of str, or str
            The context, for example ``["you", "say"]`` or ``"you say"``.
            Unknown words follow the vocabulary's rule (``KeyError`` with
            suggestions, or the ``<unk>`` id).
        k : int
            How many words to return (at most V; a larger k returns all V).

        Returns
        -------
        list of (word, probability)
            Most probable first; ties keep vocabulary order.
        """
        k = check_positive_int(k, "k", "RNNLM.predict_next")
        p = self.next_word_probs(words)
        top = np.argsort(-p, kind="stable")[:k]
        return [(self.vocab.word(int(i)), float(p[i])) for i in top]

    def generate(self, start, length: int, temperature: float = 1.0, seed=None,
                 stop: str | None = None) -> list[str]:
        """Sample a continuation of ``start``, one word at a time.

        Each new word is drawn from ``softmax(s_t / temperature)`` and fed back
        as the next input. The model is left untouched (zero start state,
        training state restored).

        Parameters
        ----------
        start : list of str, or str
            The words to read first (at least one).
        length : int
            How many words to sample (>= 0).
        temperature : float
            > 0. 1 samples from the model's distribution; below 1 sharpens it
            (towards always taking the most probable word as it approaches 0);
            above 1 flattens it.
        seed : int or numpy.random.Generator, optional
        stop : str, optional
            Stop early right after sampling this word (e.g. ``"."``).

        Returns
        -------
        list of str
            The start words followed by the sampled words.
        """
        where = "RNNLM.generate"
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
            raise ValueError(f"{where}: length must be an int >= 0, got {length!r}")
        if not (isinstance(temperature, (int, float, np.floating))
                and math.isfinite(temperature) and temperature > 0):
            raise ValueError(f"{where}: temperature must be a finite number > 0, got "
                             f"{temperature!r} (use a small value such as 1e-3 for "
                             "nearly greedy decoding)")
        ids = self._encode(start, "generate")
        if stop is not None:
            self._encode([stop], "generate")          # an unknown stop word is an error
        rng = np.random.default_rng(seed)
        out = [int(i) for i in ids]
        with self.inference():
            logits = self.forward(ids[None, :], h0=self._zeros(1))
            for _ in range(int(length)):
                logp = log_softmax(logits[0, -1] / temperature)
                cdf = np.cumsum(np.exp(logp))
                # Inverse-CDF sampling; clip guards against cdf[-1] a hair below 1.
                i = min(int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")),
                        self.vocab_size - 1)
                out.append(i)
                if stop is not None and self.vocab.word(i) == stop:
                    break
                # feed the sampled word back, continuing from the last state
                logits = self.forward(np.array([[i]]), h0=final_state(self.rnn))
        return self.vocab.decode(out)

    # ----------------------------------------------------------------- saving
    def save(self, path) -> None:
        """Save weights, vocabulary and configuration to one ``.npz`` (see :mod:`minirnn.io`)."""
        from ..io import save
        save(self, path)

    @classmethod
    def load(cls, path) -> RNNLM:
        """Load a model saved by :meth:`save` (see :func:`minirnn.io.load`)."""
        from ..io import load
        return load(path)

    # ---------------------------------------------------------------- helpers
    def _zeros(self, n: int):
        """A zero initial state for n sequences (a pair of them for an LSTM)."""
        h = np.zeros((n, self.hidden_size), dtype=self.dtype)
        return (h, h.copy()) if self.cell == "lstm" else h

    def _encode(self, words, where: str) -> np.ndarray:
        if self.vocab is None:
            raise ValueError(f"RNNLM.{where} needs a vocabulary: build the model with "
                             "RNNLM(..., vocab=Vocabulary.from_tokens(tokens))")
        if isinstance(words, str):
            words = self.vocab.tokenize(words)
        words = list(words)
        if not words:
            raise ValueError(f"RNNLM.{where}: needs at least one word to read, got none")
        ids = self.vocab.encode(words)
        return check_token_ids(ids, "ids", self.vocab_size, ("T",), f"RNNLM.{where}")
