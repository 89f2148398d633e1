r"""Many-to-many, aligned: one label for every input step.

.. math:: s_t = W_y h_t + b_y \quad \text{for every } t

(the language model of chapter 3 has this shape).
"""

from __future__ import annotations

import numpy as np

from .._checks import check_positive_int
from ..layers import Embedding, Linear
from ..losses import softmax_cross_entropy
from ..recurrent import check_cell
from .base import Model, make_recurrent, tokens_or_vectors


class SequenceTagger(Model):
    """Many-to-many, aligned: (Embedding ->) recurrent layer -> Linear at every step.

    Parameters
    ----------
    input_size, hidden_size, vocab_size, num_layers, seed, cell
        As for :class:`~minirnn.models.classifier.SequenceClassifier`.
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
                 bidirectional: bool = False, seed=None, cell: str = "rnn"):
        where = "SequenceTagger"
        self.input_size = check_positive_int(input_size, "input_size", where)
        self.hidden_size = check_positive_int(hidden_size, "hidden_size", where)
        self.num_tags = check_positive_int(num_tags, "num_tags", where)
        self.bidirectional = bool(bidirectional)
        self.cell = check_cell(cell, where)
        rng = np.random.default_rng(seed)
        self.embed = (None if vocab_size is None
                      else Embedding(vocab_size, self.input_size, seed=rng))
        self.rnn = make_recurrent(cell, self.input_size, self.hidden_size, num_layers,
                                  self.bidirectional, rng, where)
        features = 2 * self.hidden_size if self.bidirectional else self.hidden_size
        self.out = Linear(features, self.num_tags, seed=rng)
        self._register(embed=self.embed, rnn=self.rnn, out=self.out)
        self._dloss = None

    def forward(self, x):
        """Tag scores at every step.

        Parameters
        ----------
        x : int ndarray (N, T) of token ids, or float ndarray (N, T, D)

        Returns
        -------
        logits : ndarray, shape (N, T, C)
        """
        xs = tokens_or_vectors(self, x, "SequenceTagger.forward")
        return self.out.forward(self.rnn.forward(xs))

    def loss(self, x, y) -> float:
        """Mean cross-entropy over all N*T positions against tags y (N, T)."""
        loss, self._dloss = softmax_cross_entropy(self.forward(x), y)
        return loss

    def backward(self):
        """Fill ``grads``; return the input gradient (N, T, D) for raw inputs, else None."""
        dlogits = self._need_loss("SequenceTagger.backward")
        dxs = self.rnn.backward(self.out.backward(dlogits))
        if self.embed is not None:
            self.embed.backward(dxs)
            return None
        return dxs

    def predict(self, x):
        """The most probable tag at every step: int (N, T)."""
        with self.inference():
            return self.forward(x).argmax(axis=2)
