r"""Small models for the input/output patterns of sequence problems.

- :class:`SequenceClassifier`: many-to-one. The RNN reads the whole sequence;
  only the last hidden state h_{T-1} is classified.
- :class:`SequenceGenerator`: one-to-many. One input vector z sets the initial
  state, :math:`h_{-1} = \tanh(W_{init} z + b_{init})` (the code's ``h0``); the RNN
  then writes a sequence, each step reading the previous output.
- :class:`SequenceTagger`: many-to-many, aligned. One output per input step
  (the language model of chapter 3 has this shape).
- :class:`Seq2Seq`: many-to-many, unaligned (encoder-decoder). An encoder RNN
  reads the input; its last state is the decoder's initial state.

Every model has ``params``/``grads`` dicts whose arrays are its layers' arrays
(keys prefixed by the layer: ``"rnn.Wx"``, ``"out.W"``, ...), ``forward``,
``loss(x, y)`` (which runs forward and remembers what backward needs) and
``backward()``, which fills ``grads`` in place. :func:`fit` trains any of them.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_float_array, check_positive_int, check_token_ids
from ._threads import limit_blas_threads_for_step
from .functional import rnn_step_forward
from .layers import RNN, Embedding, Layer, Linear
from .losses import softmax, softmax_cross_entropy
from .optim import Adam, clip_grad_norm
from .wrappers import BidirectionalRNN, StackedRNN


def last_step(hs):
    """The many-to-one selection: the last hidden state ``hs[:, -1]``, shape (N, H).

    This is Keras' ``return_sequences=False``; ``hs`` itself is
    ``return_sequences=True``.
    """
    hs = check_float_array(hs, "hs", ("N", "T", "H"), where="last_step")
    return hs[:, -1]


def last_step_backward(dh_last, T: int):
    """Backward of :func:`last_step`: the loss reaches the RNN at the last step only.

    Parameters
    ----------
    dh_last : ndarray, shape (N, H)
        Gradient of the loss with respect to h_{T-1}.
    T : int
        Sequence length.

    Returns
    -------
    dhs : ndarray, shape (N, T, H)
        Zero at every step but the last; backpropagation through time carries
        the gradient from there to the earlier steps.
    """
    dh_last = check_float_array(dh_last, "dh_last", ("N", "H"), where="last_step_backward")
    T = check_positive_int(T, "T", "last_step_backward")
    dhs = np.zeros((dh_last.shape[0], T, dh_last.shape[1]), dtype=dh_last.dtype)
    dhs[:, -1] = dh_last
    return dhs


class _Model(Layer):
    """Collects the layers' params/grads under prefixed keys (same array objects)."""

    def _collect(self, **layers):
        self.params, self.grads = {}, {}
        for name, layer in layers.items():
            if layer is None:
                continue
            self.params.update({f"{name}.{k}": v for k, v in layer.params.items()})
            self.grads.update({f"{name}.{k}": v for k, v in layer.grads.items()})

    def _inputs(self, x, where):
        """Token ids (N, T) when the model embeds, else float inputs (N, T, D)."""
        if self.embed is not None:
            return self.embed.forward(check_token_ids(x, "x", self.embed.vocab_size,
                                                      ("N", "T"), where))
        return check_float_array(x, "x", ("N", "T", "D"), {"D": self.input_size}, where)

    def _inputs_backward(self, dxs):
        if self.embed is not None:
            self.embed.backward(dxs)
            return None
        return dxs


def _make_rnn(D, H, num_layers, bidirectional, rng, where):
    num_layers = check_positive_int(num_layers, "num_layers", where)
    if bidirectional and num_layers > 1:
        raise ValueError(f"{where}: bidirectional=True supports num_layers=1 only, "
                         f"got num_layers={num_layers}")
    if bidirectional:
        return BidirectionalRNN(D, H, seed=rng)
    if num_layers > 1:
        return StackedRNN(D, H, num_layers, seed=rng)
    return RNN(D, H, seed=rng)


class SequenceClassifier(_Model):
    """Many-to-one: (Embedding ->) RNN -> Linear on the last hidden state.

    .. math:: s = W_y h_{T-1} + c, \\qquad \\hat y = \\mathrm{softmax}(s)

    Parameters
    ----------
    input_size : int
        D: the embedding size if ``vocab_size`` is given, else the size of each
        raw input vector.
    hidden_size : int
        H.
    num_classes : int
        C, the number of labels.
    vocab_size : int, optional
        V. If given, inputs are token ids (N, T) looked up in an Embedding;
        otherwise inputs are float arrays (N, T, D).
    num_layers : int
        More than 1 uses a :class:`~minirnn.wrappers.StackedRNN`.
    seed : int or numpy.random.Generator, optional

    Attributes
    ----------
    params, grads : dict
        ``"embed.W"`` (V, D) if embedding, ``"rnn.Wx"``, ``"rnn.Wh"``, ``"rnn.b"``
        (``"rnn.0.Wx"``, ... when stacked), ``"out.W"`` (C, H), ``"out.b"`` (C,).
    hs : ndarray, shape (N, T, H)
        After ``forward``: every hidden state, of which only the last is classified.
    """

    def __init__(self, input_size: int, hidden_size: int, num_classes: int,
                 vocab_size: int | None = None, num_layers: int = 1, seed=None):
        where = "SequenceClassifier"
        self.input_size = check_positive_int(input_size, "input_size", where)
        self.hidden_size = check_positive_int(hidden_size, "hidden_size", where)
        self.num_classes = check_positive_int(num_classes, "num_classes", where)
        rng = np.random.default_rng(seed)
        self.embed = (None if vocab_size is None
                      else Embedding(vocab_size, self.input_size, seed=rng))
        self.rnn = _make_rnn(self.input_size, self.hidden_size, num_layers, False, rng, where)
        self.out = Linear(self.hidden_size, self.num_classes, seed=rng)
        self._collect(embed=self.embed, rnn=self.rnn, out=self.out)
        self.hs = None
        self._cache = None

    def forward(self, x):
        """Class scores from the last hidden state.

        Parameters
        ----------
        x : int ndarray (N, T) of token ids, or float ndarray (N, T, D)

        Returns
        -------
        logits : ndarray, shape (N, C)
        """
        xs = self._inputs(x, "SequenceClassifier.forward")
        self.hs = self.rnn.forward(xs)
        return self.out.forward(last_step(self.hs))

    def loss(self, x, y) -> float:
        """Mean cross-entropy of the last step's prediction against labels y (N,)."""
        logits = self.forward(x)
        loss, dlogits = softmax_cross_entropy(logits, y)
        self._cache = dlogits
        return loss

    def backward(self):
        """Fill ``grads``; return the input gradient (N, T, D) for raw inputs, else None."""
        dlogits = self._need_cache("SequenceClassifier.backward")
        dh_last = self.out.backward(dlogits)
        dxs = self.rnn.backward(last_step_backward(dh_last, self.hs.shape[1]))
        return self._inputs_backward(dxs)

    def predict(self, x):
        """The most probable class of each sequence: int (N,)."""
        return self.forward(x).argmax(axis=1)

    def prefix_probs(self, x):
        """Class probabilities after each prefix x_0..x_t: shape (N, T, C).

        The output layer applied to every hidden state, not only the last:
        how the model's opinion moves as the words arrive.
        """
        self.forward(x)
        W, c = self.out.params["W"], self.out.params["b"]
        return softmax(self.hs @ W.T + c)


class SequenceTagger(_Model):
    """Many-to-many, aligned: (Embedding ->) RNN -> Linear at every step.

    .. math:: s_t = W_y h_t + c \\quad \\text{for every } t

    Parameters
    ----------
    input_size, hidden_size, vocab_size, num_layers, seed
        As for :class:`SequenceClassifier`.
    num_tags : int
        C, the number of tags.
    bidirectional : bool
        Use a :class:`~minirnn.wrappers.BidirectionalRNN` (the tag of step t
        may then depend on later inputs); the output layer reads 2H features.

    Attributes
    ----------
    params, grads : dict
        ``"embed.W"``, ``"rnn.*"`` (``"rnn.fwd.Wx"``, ... when bidirectional),
        ``"out.W"`` (C, H or 2H), ``"out.b"`` (C,).
    """

    def __init__(self, input_size: int, hidden_size: int, num_tags: int,
                 vocab_size: int | None = None, num_layers: int = 1,
                 bidirectional: bool = False, seed=None):
        where = "SequenceTagger"
        self.input_size = check_positive_int(input_size, "input_size", where)
        self.hidden_size = check_positive_int(hidden_size, "hidden_size", where)
        self.num_tags = check_positive_int(num_tags, "num_tags", where)
        self.bidirectional = bool(bidirectional)
        rng = np.random.default_rng(seed)
        self.embed = (None if vocab_size is None
                      else Embedding(vocab_size, self.input_size, seed=rng))
        self.rnn = _make_rnn(self.input_size, self.hidden_size, num_layers, self.bidirectional,
                             rng, where)
        features = 2 * self.hidden_size if self.bidirectional else self.hidden_size
        self.out = Linear(features, self.num_tags, seed=rng)
        self._collect(embed=self.embed, rnn=self.rnn, out=self.out)
        self._cache = None

    def forward(self, x):
        """Tag scores at every step.

        Parameters
        ----------
        x : int ndarray (N, T) of token ids, or float ndarray (N, T, D)

        Returns
        -------
        logits : ndarray, shape (N, T, C)
        """
        return self.out.forward(self.rnn.forward(self._inputs(x, "SequenceTagger.forward")))

    def loss(self, x, y) -> float:
        """Mean cross-entropy over all N*T positions against tags y (N, T)."""
        loss, dlogits = softmax_cross_entropy(self.forward(x), y)
        self._cache = dlogits
        return loss

    def backward(self):
        """Fill ``grads``; return the input gradient (N, T, D) for raw inputs, else None."""
        dlogits = self._need_cache("SequenceTagger.backward")
        return self._inputs_backward(self.rnn.backward(self.out.backward(dlogits)))

    def predict(self, x):
        """The most probable tag at every step: int (N, T)."""
        return self.forward(x).argmax(axis=2)


def _shift_right(y, start):
    """Teacher forcing inputs ``[start, y_0, ..., y_{T-2}]`` for targets y (N, T)."""
    out = np.empty_like(y)
    out[:, 0] = start
    out[:, 1:] = y[:, :-1]
    return out


def _greedy_decode(h, embed_W, rnn, out, start, length):
    """Write ``length`` tokens from state h (N, H), each step reading the previous output."""
    N = h.shape[0]
    tok = np.full(N, start)
    result = np.empty((N, length), dtype=np.int64)
    Wx, Wh, b = rnn.params["Wx"], rnn.params["Wh"], rnn.params["b"]
    for t in range(length):
        h, _ = rnn_step_forward(embed_W[tok], h, Wx, Wh, b)
        tok = (h @ out.params["W"].T + out.params["b"]).argmax(axis=1)
        result[:, t] = tok
    return result


class SequenceGenerator(_Model):
    r"""One-to-many: an input vector z sets the initial state, then an RNN writes a sequence.

    .. math::
        h_{-1} = \tanh(W_{init} z + b_{init}), \qquad
        h_t = \tanh(W_x e(y_{t-1}) + W_h h_{t-1} + b), \qquad s_t = W_y h_t + c

    for t = 0, 1, ..., where e(y_{t-1}) is the embedding of the previous output
    and y_{-1} is a start symbol, id ``vocab_size``. The initial state
    h_{-1} is what the code (like PyTorch) calls ``h0``. Training uses teacher
    forcing: the previous output is the correct one. :meth:`generate` runs
    free, feeding back its own predictions.

    Parameters
    ----------
    cond_size : int
        Z, the size of the input vector z.
    vocab_size : int
        V, the number of output symbols (the embedding has V + 1 rows: the
        last is the start symbol).
    embed_dim : int
        E, the size of the output-symbol embedding fed back to the RNN.
    hidden_size : int
        H.
    seed : int or numpy.random.Generator, optional

    Attributes
    ----------
    params, grads : dict
        ``"init.W"`` (H, Z), ``"init.b"`` (H,), ``"embed.W"`` (V + 1, E), ``"rnn.Wx"``
        (H, E), ``"rnn.Wh"``, ``"rnn.b"``, ``"out.W"`` (V, H), ``"out.b"`` (V,).
    """

    def __init__(self, cond_size: int, vocab_size: int, embed_dim: int, hidden_size: int,
                 seed=None):
        where = "SequenceGenerator"
        self.cond_size = check_positive_int(cond_size, "cond_size", where)
        self.vocab_size = check_positive_int(vocab_size, "vocab_size", where)
        E = check_positive_int(embed_dim, "embed_dim", where)
        H = check_positive_int(hidden_size, "hidden_size", where)
        self.hidden_size = H
        self.start_id = self.vocab_size
        rng = np.random.default_rng(seed)
        self.init = Linear(self.cond_size, H, seed=rng)
        self.embed = Embedding(self.vocab_size + 1, E, seed=rng)
        self.rnn = RNN(E, H, seed=rng)
        self.out = Linear(H, self.vocab_size, seed=rng)
        self._collect(init=self.init, embed=self.embed, rnn=self.rnn, out=self.out)
        self._cache = None

    def initial_state(self, z):
        """The initial state h_{-1} = tanh(W_init z + b_init) (the RNN's ``h0``): shape (N, H)."""
        z = check_float_array(z, "z", ("N", "Z"), {"Z": self.cond_size},
                              "SequenceGenerator.initial_state")
        return np.tanh(self.init.forward(z))

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
        h0 = self.initial_state(z)
        y_in = check_token_ids(y_in, "y_in", self.vocab_size + 1, ("N", "T"),
                               "SequenceGenerator.forward")
        if y_in.shape[0] != h0.shape[0]:
            raise ValueError(f"SequenceGenerator.forward: z has N={h0.shape[0]} rows but "
                             f"y_in has {y_in.shape[0]}")
        self._h0 = h0
        return self.out.forward(self.rnn.forward(self.embed.forward(y_in), h0))

    def loss(self, z, y) -> float:
        """Teacher-forced mean cross-entropy of targets y (N, T) given z (N, Z)."""
        y = check_token_ids(y, "y", self.vocab_size, ("N", "T"), "SequenceGenerator.loss")
        loss, dlogits = softmax_cross_entropy(self.forward(z, _shift_right(y, self.start_id)),
                                              y)
        self._cache = dlogits
        return loss

    def backward(self):
        """Fill ``grads``; return dz, the gradient with respect to z (N, Z)."""
        dlogits = self._need_cache("SequenceGenerator.backward")
        self.embed.backward(self.rnn.backward(self.out.backward(dlogits)))
        # The whole sequence's gradient reaches z through h0 = tanh(init(z)).
        da0 = self.rnn.dh0 * (1.0 - self._h0 ** 2)
        return self.init.backward(da0)

    def generate(self, z, length: int):
        """Free-running greedy generation: each step reads its own previous output.

        Returns
        -------
        ids : int ndarray, shape (N, length)
        """
        length = check_positive_int(length, "length", "SequenceGenerator.generate")
        return _greedy_decode(self.initial_state(z), self.embed.params["W"], self.rnn,
                              self.out, self.start_id, length)


class Seq2Seq(_Model):
    r"""Encoder-decoder: many-to-many with input and output of any lengths.

    .. math::
        h^{enc}_t = \tanh(W^{enc}_x e(x_t) + W^{enc}_h h^{enc}_{t-1} + b^{enc}), \qquad
        h^{dec}_{-1} = h^{enc}_{S-1}, \qquad
        h^{dec}_t = \tanh(W^{dec}_x d(y_{t-1}) + W^{dec}_h h^{dec}_{t-1} + b^{dec})

    for a source of length S, with y_{-1} the start symbol. The encoder's last
    state, passed as the decoder's ``h0``, is the only thing the decoder knows about the
    input (Sutskever, Vinyals & Le, 2014). In ``backward`` the decoder's
    ``dh0`` is that state's gradient: it enters the encoder at its last step,
    like a many-to-one loss.

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
        H, for both RNNs.
    seed : int or numpy.random.Generator, optional

    Attributes
    ----------
    params, grads : dict
        ``"enc_embed.W"``, ``"encoder.Wx"``, ``"encoder.Wh"``, ``"encoder.b"``,
        ``"dec_embed.W"``, ``"decoder.Wx"``, ``"decoder.Wh"``, ``"decoder.b"``,
        ``"out.W"`` (V, H), ``"out.b"`` (V,).
    """

    def __init__(self, src_vocab: int, tgt_vocab: int, embed_dim: int, hidden_size: int,
                 seed=None):
        where = "Seq2Seq"
        self.src_vocab = check_positive_int(src_vocab, "src_vocab", where)
        self.tgt_vocab = check_positive_int(tgt_vocab, "tgt_vocab", where)
        E = check_positive_int(embed_dim, "embed_dim", where)
        H = check_positive_int(hidden_size, "hidden_size", where)
        self.hidden_size = H
        self.start_id = self.tgt_vocab
        rng = np.random.default_rng(seed)
        self.enc_embed = Embedding(self.src_vocab, E, seed=rng)
        self.encoder = RNN(E, H, seed=rng)
        self.dec_embed = Embedding(self.tgt_vocab + 1, E, seed=rng)
        self.decoder = RNN(E, H, seed=rng)
        self.out = Linear(H, self.tgt_vocab, seed=rng)
        self._collect(enc_embed=self.enc_embed, encoder=self.encoder,
                      dec_embed=self.dec_embed, decoder=self.decoder, out=self.out)
        self._cache = None

    def encode(self, src):
        """The encoder's last hidden state, the summary of the input: (N, H)."""
        src = check_token_ids(src, "src", self.src_vocab, ("N", "S"), "Seq2Seq.encode")
        self._src_len = src.shape[1]
        return last_step(self.encoder.forward(self.enc_embed.forward(src)))

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
        h = self.encode(src)
        y_in = check_token_ids(y_in, "y_in", self.tgt_vocab + 1, ("N", "T"), "Seq2Seq.forward")
        if y_in.shape[0] != h.shape[0]:
            raise ValueError(f"Seq2Seq.forward: src has N={h.shape[0]} rows but y_in has "
                             f"{y_in.shape[0]}")
        return self.out.forward(self.decoder.forward(self.dec_embed.forward(y_in), h))

    def loss(self, src, y) -> float:
        """Teacher-forced mean cross-entropy of targets y (N, T) given src (N, S)."""
        y = check_token_ids(y, "y", self.tgt_vocab, ("N", "T"), "Seq2Seq.loss")
        loss, dlogits = softmax_cross_entropy(self.forward(src, _shift_right(y, self.start_id)),
                                              y)
        self._cache = dlogits
        return loss

    def backward(self):
        """Fill ``grads``: decoder first, then the encoder through the decoder's dh0."""
        dlogits = self._need_cache("Seq2Seq.backward")
        self.dec_embed.backward(self.decoder.backward(self.out.backward(dlogits)))
        dhs_enc = last_step_backward(self.decoder.dh0, self._src_len)
        self.enc_embed.backward(self.encoder.backward(dhs_enc))
        return None

    def generate(self, src, length: int):
        """Encode, then decode greedily, each step reading its own previous output.

        Returns
        -------
        ids : int ndarray, shape (N, length)
        """
        length = check_positive_int(length, "length", "Seq2Seq.generate")
        return _greedy_decode(self.encode(src), self.dec_embed.params["W"], self.decoder,
                              self.out, self.start_id, length)


def fit(model, x, y, steps: int, batch_size: int = 32, lr: float = 0.01, seed=None,
        max_norm: float = 5.0) -> list[float]:
    """Train any model of this module with Adam on random minibatches.

    Parameters
    ----------
    model : SequenceClassifier, SequenceTagger, SequenceGenerator or Seq2Seq
        Anything with ``params``, ``grads``, ``loss(x, y)`` and ``backward()``.
    x, y : ndarray
        Inputs and targets, first axis N.
    steps : int
        Number of updates.
    batch_size : int
        Rows per update (all rows if there are fewer).
    lr : float
        Adam's step size.
    seed : int or numpy.random.Generator, optional
        Chooses the minibatches.
    max_norm : float
        Gradient-norm clipping threshold.

    Returns
    -------
    list of float
        The training loss of every step.
    """
    steps = check_positive_int(steps, "steps", "fit")
    batch_size = check_positive_int(batch_size, "batch_size", "fit")
    n = len(x)
    if len(y) != n:
        raise ValueError(f"fit: x and y must have the same number of rows, got {n} and {len(y)}")
    rng = np.random.default_rng(seed)
    opt = Adam(lr=lr)
    losses = []
    for _ in range(steps):
        idx = rng.choice(n, size=min(batch_size, n), replace=False)
        with limit_blas_threads_for_step(len(idx), model.hidden_size):   # see _threads.py
            losses.append(model.loss(x[idx], y[idx]))
            model.backward()
            clip_grad_norm(model.grads, max_norm)
            opt.step(model.params, model.grads)
    return losses


def token_accuracy(pred, target) -> float:
    """Fraction of positions where ``pred`` equals ``target``."""
    pred, target = np.asarray(pred), np.asarray(target)
    if pred.shape != target.shape:
        raise ValueError(f"token_accuracy: shapes differ, {pred.shape} and {target.shape}")
    return float(np.mean(pred == target))


def exact_match(pred, target) -> float:
    """Fraction of sequences (rows) predicted entirely right."""
    pred, target = np.asarray(pred), np.asarray(target)
    if pred.shape != target.shape or pred.ndim != 2:
        raise ValueError(f"exact_match: expected two (N, T) arrays of the same shape, "
                         f"got {pred.shape} and {target.shape}")
    return float(np.mean(np.all(pred == target, axis=1)))
