"""Training a language model with truncated backpropagation through time.

A corpus is one long stream of word ids ``w_0 w_1 ... w_M``. The model reads
``w_0 .. w_{M-1}`` and must predict ``w_1 .. w_M``: M (input, target) pairs.

Batching (:func:`batches`)
--------------------------
The M pairs are cut into N parallel **streams** of ``L = M // N`` consecutive
pairs each; row n of every batch reads stream n (pairs ``n*L .. (n+1)*L - 1``).
Each stream is read in windows of T steps: window j holds steps
``j*T .. (j+1)*T - 1`` of every stream. So window j+1 continues exactly where
window j stopped, row by row, and the hidden state carried from one window to
the next (a *stateful* RNN) is the state the model really had at that point of
the text. Gradients stop at window boundaries (*truncated* BPTT), but the
state does not.

Nothing is dropped; every target is covered exactly once per epoch:

* if T does not divide L, the last window is shorter (shape (N, L mod T));
* the ``r = M - N*L`` pairs (r < N) left over at the end of the corpus follow
  the end of the last stream directly, so they come last as a batch of ONE
  row, shape (1, <= T), which continues row N-1 (the last stream):
  :func:`train_lm` and :func:`evaluate` keep only that row of the carried
  state for them.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from ._checks import check_positive_int, check_token_ids
from ._threads import limit_blas_threads_for_step
from .losses import log_softmax
from .optim import clip_grad_norm


def _check_stream(ids, name: str, where: str, vocab_size: int | None = None) -> np.ndarray:
    if isinstance(ids, (list, tuple)):
        ids = np.asarray(ids)
    if vocab_size is None:
        if not isinstance(ids, np.ndarray) or not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(f"{where}: {name} must be a 1-D integer numpy array of word ids, "
                            f"got {type(ids).__name__}"
                            + (f" of dtype {ids.dtype}" if isinstance(ids, np.ndarray) else ""))
        if ids.ndim != 1:
            raise ValueError(f"{where}: {name} must be 1-D (one long stream of ids), got "
                             f"shape {ids.shape}")
    else:
        ids = check_token_ids(ids, name, vocab_size, ("M",), where)
    return ids.astype(np.int64, copy=False)


def batches(ids, batch_size: int, seq_len: int):
    """Windows ``(x, y)`` for truncated BPTT over one stream of token ids.

    Parameters
    ----------
    ids : int ndarray, shape (M+1,)
        The corpus as one stream of ids.
    batch_size : int
        N, the number of parallel streams (at most M).
    seq_len : int
        T, the number of steps per window.

    Yields
    ------
    x, y : int64 ndarray, shape (N, T)
        Inputs and targets (``y`` is ``x`` shifted by one word in the
        corpus). See the module docstring for the layout and for the shorter
        windows that cover a remainder: the last windows may have fewer
        columns, and the very last ones may have a single row.
    """
    where = "batches"
    ids = _check_stream(ids, "ids", where)
    N = check_positive_int(batch_size, "batch_size", where)
    T = check_positive_int(seq_len, "seq_len", where)
    M = ids.size - 1
    if M < N:
        raise ValueError(f"{where}: batch_size={N} streams need at least {N + 1} tokens "
                         f"(one (input, target) pair per stream), got {ids.size}")
    L = M // N
    xs = ids[:N * L].reshape(N, L)
    ys = ids[1:N * L + 1].reshape(N, L)
    for j in range(0, L, T):
        yield xs[:, j:j + T], ys[:, j:j + T]
    # The r < N pairs after the last stream continue row N-1 of the last window.
    for j in range(N * L, M, T):
        stop = min(j + T, M)
        yield ids[None, j:stop], ids[None, j + 1:stop + 1]


def num_batches(num_tokens: int, batch_size: int, seq_len: int) -> int:
    """How many windows :func:`batches` yields for a stream of ``num_tokens`` ids."""
    M = num_tokens - 1
    L = M // batch_size
    r = M - batch_size * L
    return -(-L // seq_len) + -(-r // seq_len)


def _carry(model, n_rows: int) -> None:
    """Before a single-row remainder window: keep the state of the last stream only."""
    state = model.rnn.state
    if state is not None and state.shape[0] != n_rows:
        model.rnn.state = state[-n_rows:]


def evaluate(model, ids, batch_size: int = 1, seq_len: int = 64) -> float:
    """Mean cross-entropy per token of ``model`` over a whole stream (no gradient).

    The stream is read with :func:`batches` and a carried hidden state that
    starts at zero, so every prediction (except at the start of each of the
    ``batch_size`` streams) sees all the text before it. The model's training
    state is left untouched.

    Parameters
    ----------
    model : RNNLM
    ids : int ndarray, shape (M+1,)
    batch_size : int
        Parallel streams; more is faster, 1 gives every word its full context.
        Reduced to M if the stream is shorter.
    seq_len : int
        Window length (only affects speed, not the result).

    Returns
    -------
    float
        The loss; ``math.exp`` of it is the perplexity.
    """
    where = "evaluate"
    ids = _check_stream(ids, "ids", where, model.vocab_size)
    if ids.size < 2:
        raise ValueError(f"{where}: need at least 2 tokens (one prediction), got {ids.size}")
    N = min(check_positive_int(batch_size, "batch_size", where), ids.size - 1)
    total, count = 0.0, 0
    with model.preserving_state():
        model.stateful = True
        model.reset_state()
        for x, y in batches(ids, N, seq_len):
            _carry(model, x.shape[0])
            with limit_blas_threads_for_step(x.shape[0], model.rnn.hidden_size):
                logp = log_softmax(model.forward(x))                 # (n, t, V)
            total -= float(np.take_along_axis(logp, y[..., None], axis=-1).sum())
            count += y.size
    return total / count


class _Progress:
    """A progress bar: an ipywidgets bar in a notebook, a text line on a terminal.

    In a notebook the bar is displayed once. The text a notebook stores for it
    is the repr at display time, the same on every run (``HBox(children=
    (IntProgress(value=0, description='training', max=...), HTML(value='')))``),
    so nbval compares a deterministic output; the live values (epoch, last
    perplexities) live only in the widget state, which nbval ignores. The bar
    stays visible at the end, showing the final perplexities.
    """

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled = total, enabled
        self.bar = self.label = self.box = None
        if not enabled:
            return
        try:
            from IPython import get_ipython
            shell = get_ipython()
            in_notebook = shell is not None and type(shell).__name__ == "ZMQInteractiveShell"
            if in_notebook:
                import ipywidgets
                from IPython.display import display
                self.bar = ipywidgets.IntProgress(value=0, min=0, max=total,
                                                  description="training")
                self.label = ipywidgets.HTML(value="")
                self.box = ipywidgets.HBox([self.bar, self.label])
                display(self.box)
        except ImportError:
            self.bar = None

    def update(self, epoch: int, text: str) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.value = epoch
            self.label.value = text
        else:
            print(f"\r{text}", end="", file=sys.stderr, flush=True)

    def close(self, completed: bool) -> None:
        if not self.enabled:
            return
        if self.box is not None:
            self.bar.bar_style = "success" if completed else "danger"
        else:
            print(file=sys.stderr, flush=True)


def train_lm(model, train_ids, *, batch_size: int, seq_len: int, epochs: int, optimizer,
             clip: float | None = None, val_ids=None, progress: bool = False,
             eval_every: int = 1, val_batch_size: int | None = None, callback=None) -> dict:
    """Train a language model with truncated BPTT; return the history.

    Each epoch resets the hidden state, then for every window of
    :func:`batches` (the state carried from window to window): loss, backward,
    optional clipping of the gradient norm, one optimizer step.

    Parameters
    ----------
    model : RNNLM
        Trained in place. Its ``stateful`` flag is restored at the end.
    train_ids : int ndarray, shape (M+1,)
        The training corpus as one stream of ids.
    batch_size, seq_len : int
        N parallel streams, windows of T steps (see :func:`batches`).
    epochs : int
        Passes over the corpus.
    optimizer : object with ``step(params, grads)``
        For example ``minirnn.Adam(lr=0.01)``.
    clip : float, optional
        Rescale the gradient when its norm exceeds this (Pascanu et al., 2013).
    val_ids : int ndarray, optional
        A validation stream, evaluated with :func:`evaluate` (no gradient).
    progress : bool
        Show a progress bar: in a notebook an ipywidgets bar with the epoch and
        the latest perplexities (its stored text output is the same on every
        run, so nbval needs no ``nbval-ignore-output`` tag); elsewhere a line
        on stderr. False (default) prints nothing.
    eval_every : int
        Evaluate the validation stream every this many epochs (and always after
        the last one).
    val_batch_size : int, optional
        Parallel streams for validation; default ``batch_size``.
    callback : callable, optional
        ``callback(epoch, history)`` after each epoch (epochs count from 1).

    Returns
    -------
    dict of lists
        ``"train_loss"``, ``"train_ppl"``: per epoch, the token-weighted mean
        loss of the windows as they were trained (the weights change during
        the epoch), and its exp. ``"val_loss"``, ``"val_ppl"``: the validation
        loss and perplexity at the end of each evaluated epoch, whose numbers
        are in ``"val_epoch"`` (empty lists without ``val_ids``).
        ``"grad_norm"``: per epoch, the mean gradient norm before clipping
        (only when ``clip`` is set). ``"step_loss"``: the loss of every window.
    """
    where = "train_lm"
    train_ids = _check_stream(train_ids, "train_ids", where, model.vocab_size)
    N = check_positive_int(batch_size, "batch_size", where)
    T = check_positive_int(seq_len, "seq_len", where)
    epochs = check_positive_int(epochs, "epochs", where)
    eval_every = check_positive_int(eval_every, "eval_every", where)
    if clip is not None and not clip > 0:
        raise ValueError(f"{where}: clip must be > 0 or None, got {clip}")
    if not hasattr(optimizer, "step"):
        raise TypeError(f"{where}: optimizer must have a step(params, grads) method, got "
                        f"{type(optimizer).__name__}")
    if train_ids.size - 1 < N:
        raise ValueError(f"{where}: batch_size={N} streams need at least {N + 1} training "
                         f"tokens, got {train_ids.size}")
    if val_ids is not None:
        val_ids = _check_stream(val_ids, "val_ids", where, model.vocab_size)
    vN = N if val_batch_size is None else check_positive_int(val_batch_size,
                                                             "val_batch_size", where)
    history = {"train_loss": [], "train_ppl": [], "val_loss": [], "val_ppl": [],
               "val_epoch": [], "grad_norm": [], "step_loss": []}
    params, grads = model.params, model.grads
    bar = _Progress(epochs, progress)
    was_stateful = model.stateful
    model.stateful = True
    completed = False
    try:
        for epoch in range(1, epochs + 1):
            model.reset_state()
            total, count, norms = 0.0, 0, 0.0
            steps = 0
            for x, y in batches(train_ids, N, T):
                with limit_blas_threads_for_step(x.shape[0], model.rnn.hidden_size):
                    _carry(model, x.shape[0])
                    loss = model.loss(x, y)
                    model.backward()
                    if clip is not None:
                        norms += clip_grad_norm(grads, clip)
                    optimizer.step(params, grads)
                history["step_loss"].append(loss)
                total += loss * y.size
                count += y.size
                steps += 1
            train_loss = total / count
            history["train_loss"].append(train_loss)
            history["train_ppl"].append(math.exp(train_loss))
            if clip is not None:
                history["grad_norm"].append(norms / steps)
            text = f"epoch {epoch}/{epochs}: train perplexity {math.exp(train_loss):.3f}"
            if val_ids is not None and (epoch % eval_every == 0 or epoch == epochs):
                val_loss = evaluate(model, val_ids, batch_size=vN, seq_len=max(T, 256))
                history["val_loss"].append(val_loss)
                history["val_ppl"].append(math.exp(val_loss))
                history["val_epoch"].append(epoch)
                text += f", validation {math.exp(val_loss):.3f}"
            bar.update(epoch, text)
            if callback is not None:
                callback(epoch, history)
        completed = True
    finally:
        model.stateful = was_stateful
        model.reset_state()
        bar.close(completed)
    return history
