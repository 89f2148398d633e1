r"""The adding problem: a long-range memory task (Hochreiter & Schmidhuber, 1997).

Each sequence has T steps and two input channels::

    xs[n, t, 0]  a random value u_t, uniform in [0, 1]
    xs[n, t, 1]  a marker: 1.0 at exactly two steps, 0.0 elsewhere

One marker lies in the first half of the sequence and one in the second half;
the target is the sum of the two marked values, ``y = u_a + u_b``. To solve it
a model must notice the first marked value, keep it for up to T steps while
ignoring all the unmarked ones, and add the second at the end.

The trivial baseline predicts the mean, 1.0, for every sequence: since u_a and
u_b are independent and uniform on [0, 1], its mean squared error is
Var(u_a + u_b) = 2 / 12 = 1/6 ~ 0.167 (:data:`BASELINE_MSE`). A model whose
error stays there has learned nothing about the inputs.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_positive_int
from .._threads import limit_blas_threads_for_step

#: Mean squared error of always predicting 1.0 (the mean of the target): 1/6.
BASELINE_MSE = 1.0 / 6.0


def make_adding(n: int, T: int = 100, seed=None):
    """Draw ``n`` sequences of the adding problem.

    Parameters
    ----------
    n : int
        Number of sequences.
    T : int
        Sequence length (at least 2: one marker in each half).
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    xs : ndarray, shape (n, T, 2)
        Channel 0: values in [0, 1]; channel 1: the two markers.
    y : ndarray, shape (n,)
        The sum of the two marked values.
    """
    n = check_positive_int(n, "n", "make_adding")
    T = check_positive_int(T, "T", "make_adding")
    if T < 2:
        raise ValueError(f"make_adding: T must be at least 2 (one marker in each half), got {T}")
    rng = np.random.default_rng(seed)
    half = T // 2
    xs = np.zeros((n, T, 2))
    xs[:, :, 0] = rng.uniform(0.0, 1.0, (n, T))
    first = rng.integers(0, half, n)          # a marker in [0, T//2)
    second = rng.integers(half, T, n)         # and one in [T//2, T)
    rows = np.arange(n)
    xs[rows, first, 1] = 1.0
    xs[rows, second, 1] = 1.0
    y = xs[rows, first, 0] + xs[rows, second, 0]
    return xs, y


def mse_loss(pred, y):
    r"""Mean squared error and its gradient.

    .. math:: L = \frac1N \sum_n (\hat y_n - y_n)^2, \qquad
              \frac{\partial L}{\partial \hat y_n} = \frac{2}{N} (\hat y_n - y_n)

    Parameters
    ----------
    pred : ndarray, shape (N,) or (N, 1)
        Predictions.
    y : ndarray, shape (N,)
        Targets.

    Returns
    -------
    loss : float
    dpred : ndarray, same shape as pred
    """
    where = "mse_loss"
    pred_arr = check_float_array(pred, "pred", ("N", "1") if np.ndim(pred) == 2 else ("N",),
                                 {"1": 1}, where)
    N = pred_arr.shape[0]
    y = check_float_array(y, "y", ("N",), {"N": N}, where)
    diff = pred_arr.reshape(N) - y
    loss = float(np.mean(diff * diff))
    return loss, (2.0 / N * diff).reshape(pred_arr.shape)


class AddingRegressor:
    """A recurrent layer read at its last hidden state by a linear head.

    ``pred = W h_T + b``: many-to-one regression for the adding problem.

    Parameters
    ----------
    rnn : RNN or LSTM layer
        Any layer with ``forward(xs) -> hs`` and ``backward(dhs) -> dxs``.
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
        self.params = {**{f"rnn.{k}": v for k, v in rnn.params.items()},
                       **{f"head.{k}": v for k, v in head.params.items()}}
        self.grads = {**{f"rnn.{k}": v for k, v in rnn.grads.items()},
                      **{f"head.{k}": v for k, v in head.grads.items()}}

    def predict(self, xs):
        """Predictions of shape (N,) for inputs (N, T, 2)."""
        hs = self.rnn.forward(xs)
        self._shape = hs.shape
        return self.head.forward(hs[:, -1]).reshape(-1)

    def loss_and_backward(self, xs, y):
        """Forward, MSE loss and backward (fills ``grads``); returns the loss.

        A non-finite prediction (a diverged model) returns ``inf`` without
        a backward pass.
        """
        pred = self.predict(xs)
        if not np.all(np.isfinite(pred)):
            return float("inf")
        loss, dpred = mse_loss(pred, y)
        dh_last = self.head.backward(dpred.reshape(-1, 1))
        if not np.all(np.isfinite(dh_last)):
            return float("inf")
        dhs = np.zeros(self._shape, dtype=dh_last.dtype)
        dhs[:, -1] = dh_last                    # the loss sits at the last step only
        self.rnn.backward(dhs)
        return loss


def train_adding(model, optimizer, steps: int, batch_size: int = 32, T: int = 100,
                 seed=None, clip=None, eval_set=None, eval_every: int = 50):
    """Train a model on fresh adding-problem batches; return the loss curves.

    Parameters
    ----------
    model : AddingRegressor
    optimizer : SGD or Adam
    steps : int
        Number of parameter updates.
    batch_size : int
        Sequences per update (each batch is new data).
    T : int
        Sequence length.
    seed : int or numpy.random.Generator, optional
        Draws the training batches.
    clip : float, optional
        If given, gradients are clipped to this norm (``clip_grad_norm``).
    eval_set : tuple (xs, y), optional
        Held-out sequences on which the MSE is measured every ``eval_every`` updates.
    eval_every : int

    Returns
    -------
    dict
        ``"train"``: the training loss of every update (steps,); if the
        model diverges (a non-finite loss or gradient), training stops and
        the curves end with ``inf``;
        ``"grad_norm"``: the gradient norm before clipping (steps,);
        ``"eval_steps"``, ``"eval"``: held-out MSE at those update counts
        (including 0, before training, and ``steps``).
    """
    from ..optim import clip_grad_norm, grad_norm

    steps = check_positive_int(steps, "steps", "train_adding")
    rng = np.random.default_rng(seed)
    train, norms, eval_steps, evals = [], [], [], []

    def evaluate(step):
        if eval_set is not None:
            eval_steps.append(step)
            with np.errstate(over="ignore", invalid="ignore"):
                pred = model.predict(eval_set[0])
            finite = np.all(np.isfinite(pred))
            evals.append(mse_loss(pred, eval_set[1])[0] if finite else float("inf"))

    # Size of the per-step product: Wh is (H, H) for an RNN, (4H, H) = "(2H)^2" for an LSTM.
    H_step = int(round(np.sqrt(model.rnn.params["Wh"].size)))
    evaluate(0)
    for step in range(1, steps + 1):
        xs, y = make_adding(batch_size, T, rng)
        with np.errstate(over="ignore", invalid="ignore"), \
                limit_blas_threads_for_step(batch_size, H_step):
            loss = model.loss_and_backward(xs, y)
        train.append(loss)
        if not np.isfinite(loss) or not all(np.all(np.isfinite(g))
                                            for g in model.grads.values()):
            train[-1] = float("inf")
            norms.append(float("inf"))
            break                                # diverged: stop, the curves end here
        with np.errstate(over="ignore"):
            norms.append(grad_norm(model.grads) if clip is None
                         else clip_grad_norm(model.grads, clip))
        optimizer.step(model.params, model.grads)
        if step % eval_every == 0 or step == steps:
            if not eval_steps or eval_steps[-1] != step:
                evaluate(step)
    return {"train": np.array(train), "grad_norm": np.array(norms),
            "eval_steps": np.array(eval_steps), "eval": np.array(evals)}
