r"""Many-to-one: a sequence in, one label out.

The recurrent layer reads the whole sequence; only its last hidden state
:math:`h_{T-1}` is classified:

.. math:: s = W_y h_{T-1} + b_y, \qquad \hat y = \mathrm{softmax}(s)
"""

from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_positive_int
from ..layers import Embedding, Linear
from ..losses import softmax, softmax_cross_entropy
from ..recurrent import check_cell
from .base import Model, make_recurrent, tokens_or_vectors


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


class SequenceClassifier(Model):
    """Many-to-one: (Embedding ->) recurrent layer -> Linear on the last hidden state.

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
    cell : {"rnn", "lstm", "gru"}
        The recurrent cell (default "rnn").

    Attributes
    ----------
    params, grads : dict
        ``"embed.W"`` (V, D) if embedding, ``"rnn.Wx"``, ``"rnn.Wh"``, ``"rnn.b"``
        (``"rnn.0.Wx"``, ... when stacked), ``"out.W"`` (C, H), ``"out.b"`` (C,).
    hs : ndarray, shape (N, T, H)
        After ``forward``: every hidden state, of which only the last is classified.
    """

    def __init__(self, input_size: int, hidden_size: int, num_classes: int,
                 vocab_size: int | None = None, num_layers: int = 1, seed=None,
                 cell: str = "rnn"):
        where = "SequenceClassifier"
        self.input_size = check_positive_int(input_size, "input_size", where)
        self.hidden_size = check_positive_int(hidden_size, "hidden_size", where)
        self.num_classes = check_positive_int(num_classes, "num_classes", where)
        self.cell = check_cell(cell, where)
        rng = np.random.default_rng(seed)
        self.embed = (None if vocab_size is None
                      else Embedding(vocab_size, self.input_size, seed=rng))
        self.rnn = make_recurrent(cell, self.input_size, self.hidden_size, num_layers, False,
                                  rng, where)
        self.out = Linear(self.hidden_size, self.num_classes, seed=rng)
        self._register(embed=self.embed, rnn=self.rnn, out=self.out)
        self.hs = None
        self._dloss = None

    def forward(self, x):
        """Class scores from the last hidden state.

        Parameters
        ----------
        x : int ndarray (N, T) of token ids, or float ndarray (N, T, D)

        Returns
        -------
        logits : ndarray, shape (N, C)
        """
        xs = tokens_or_vectors(self, x, "SequenceClassifier.forward")
        self.hs = self.rnn.forward(xs)
        return self.out.forward(last_step(self.hs))

    def loss(self, x, y) -> float:
        """Mean cross-entropy of the last step's prediction against labels y (N,)."""
        loss, self._dloss = softmax_cross_entropy(self.forward(x), y)
        return loss

    def backward(self):
        """Fill ``grads``; return the input gradient (N, T, D) for raw inputs, else None."""
        dlogits = self._need_loss("SequenceClassifier.backward")
        dh_last = self.out.backward(dlogits)
        dxs = self.rnn.backward(last_step_backward(dh_last, self.hs.shape[1]))
        if self.embed is not None:
            self.embed.backward(dxs)
            return None
        return dxs

    def predict(self, x):
        """The most probable class of each sequence: int (N,)."""
        with self.inference():
            return self.forward(x).argmax(axis=1)

    def prefix_probs(self, x):
        """Class probabilities after each prefix x_0..x_t: shape (N, T, C).

        The output layer applied to every hidden state, not only the last:
        how the model's opinion moves as the words arrive.
        """
        with self.inference():
            self.forward(x)
            W, b_y = self.out.params["W"], self.out.params["b"]
            return softmax(self.hs @ W.T + b_y)
