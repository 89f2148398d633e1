r"""Many-to-one regression: a recurrent layer read at its last hidden state by a linear head.

.. math:: \hat y = W h_{T-1} + b, \qquad L = \frac1N \sum_n (\hat y_n - y_n)^2

(the adding problem of chapter 5 is such a task).
"""

from __future__ import annotations

from ..losses import mse_loss
from .base import Model
from .classifier import last_step, last_step_backward


class SequenceRegressor(Model):
    """A recurrent layer read at its last hidden state by a linear head, trained by MSE.

    Parameters
    ----------
    rnn : RNN, LSTM or GRU layer
        Any layer with ``forward(xs) -> hs`` and ``backward(dhs) -> dxs``; built by
        the caller, so its initialisation and dtype are the caller's choice.
    head : Linear
        ``Linear(H, 1)``.

    Attributes
    ----------
    params, grads : dict
        The layers' dicts merged, keys prefixed ``"rnn."`` and ``"head."``
        (the same arrays, so an optimizer updates the layers in place).
    """

    def __init__(self, rnn, head):
        self.rnn, self.head = rnn, head
        self._register(rnn=rnn, head=head)
        self._dloss = None

    def forward(self, xs):
        """Predictions of shape (N,) for inputs (N, T, D)."""
        self._hs_shape = None
        hs = self.rnn.forward(xs)
        self._hs_shape = hs.shape
        return self.head.forward(last_step(hs)).reshape(-1)

    def loss(self, xs, y) -> float:
        """Mean squared error of the predictions against targets y (N,)."""
        loss, self._dloss = mse_loss(self.forward(xs), y)
        return loss

    def backward(self):
        """Fill ``grads``; return the input gradient (N, T, D)."""
        dpred = self._need_loss("SequenceRegressor.backward")
        dh_last = self.head.backward(dpred.reshape(-1, 1))
        return self.rnn.backward(last_step_backward(dh_last, self._hs_shape[1]))

    def predict(self, xs):
        """Predictions of shape (N,), without disturbing a pending ``backward``."""
        with self.inference():
            return self.forward(xs)
