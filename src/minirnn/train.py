"""Training: one loop for every model of minirnn.

Every model has ``loss(x, y)`` (a forward pass that keeps what backward needs),
``backward()`` (fills ``grads``), and ``params``/``grads`` dicts with the same
keys. One update is :func:`train_step`::

    loss = model.loss(x, y)      forward
    model.backward()             gradients
    clip_grad_norm(grads, clip)  optional: rescale a too-long gradient
    optimizer.step(params, grads)

:func:`train` repeats it over the batches of each epoch, with an optional
held-out evaluation, a progress bar, and a clear error (:class:`TrainingDiverged`)
when the loss or the gradient stops being a finite number. The course feeds
it in three ways, each a thin function that only says where the batches come
from:

- :func:`train_lm`: a language model, by truncated BPTT over one long stream
  (windows from :func:`minirnn.batching.batches`, the hidden state carried
  from window to window);
- :func:`fit`: any model on random minibatches of a fixed data set;
- :func:`minirnn.tasks.adding.train_adding`: fresh batches of a generated task.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from ._checks import NonFiniteError, check_positive_int
from ._threads import blas_threads_for_step
from .batching import batches, check_stream, dlfs2_batches, dlfs2_num_batches, num_batches
from .losses import log_softmax
from .optim import Adam, clip_grad_norm, grad_norm


class TrainingDiverged(FloatingPointError):
    """Training produced a loss or gradient that is not a finite number.

    Attributes
    ----------
    what : str
        ``"loss"``, ``"gradient norm"`` or the parameter that became non-finite.
    value : float or str
        The non-finite value (inf or nan).
    epoch, step : int or None
        Where it happened (epochs count from 1, steps from 1 across epochs).
    history : dict or None
        What :func:`train` had recorded before it (the curves up to that step).
    """

    def __init__(self, what: str, value: float, epoch: int | None = None,
                 step: int | None = None, history: dict | None = None):
        self.what, self.value, self.epoch, self.step, self.history = (what, value, epoch, step,
                                                                       history)
        where = "" if step is None else f" at epoch {epoch}, step {step}"
        super().__init__(f"training diverged{where}: the {what} is {value}. Try a smaller "
                         "learning rate, gradient clipping (clip=...), or float64.")


def train_step(model, x, y, optimizer, clip: float | None = None) -> tuple[float, float]:
    """One update of ``model`` on the batch ``(x, y)``.

    Parameters
    ----------
    model : any minirnn model
        With ``loss(x, y)``, ``backward()``, ``params``, ``grads``, ``num_params``.
    x, y : ndarray
        One batch, first axis N.
    optimizer : object with ``step(params, grads)``
    clip : float, optional
        Rescale the gradient when its norm exceeds this (Pascanu et al., 2013).

    Returns
    -------
    loss : float
        The batch's loss before the update.
    norm : float
        The gradient norm before clipping.

    Raises
    ------
    TrainingDiverged
        If the loss or the gradient norm is not finite (nothing is updated then),
        or if the update made a parameter inf or nan.
    """
    with np.errstate(over="ignore", invalid="ignore"), \
            blas_threads_for_step(len(x), model.num_params):      # see _threads.py
        try:
            loss = model.loss(x, y)
            if math.isfinite(loss):
                model.backward()
        except NonFiniteError as e:
            # The parameters were finite after the last update; if the batch is too, the
            # forward pass itself overflowed on the way: the model has diverged.
            if _all_finite(model.params.values()) and _all_finite([x]):
                raise TrainingDiverged("loss", math.nan) from e
            raise
        if not math.isfinite(loss):
            raise TrainingDiverged("loss", loss)
        norm = grad_norm(model.grads) if clip is None else clip_grad_norm(model.grads, clip)
        if not math.isfinite(norm):
            raise TrainingDiverged("gradient norm", norm)
        optimizer.step(model.params, model.grads)
        bad = next((k for k, p in model.params.items() if not _all_finite([p])), None)
        if bad is not None:
            raise TrainingDiverged(f"parameter {bad!r} after the update", "inf or nan")
    return loss, norm


def _all_finite(arrays) -> bool:
    """Whether every float array holds finite numbers only (integer arrays always do)."""
    return all(not np.issubdtype(np.asarray(a).dtype, np.floating) or np.all(np.isfinite(a))
               for a in arrays)


def train(model, batches, optimizer, *, epochs: int = 1, clip: float | None = None,
          evaluate=None, eval_every: int = 1, progress: bool = False, callback=None,
          describe=None) -> dict:
    """Train ``model`` with :func:`train_step` over the batches of every epoch.

    Parameters
    ----------
    model : any minirnn model
    batches : callable
        ``batches(epoch)`` returns the ``(x, y)`` batches of that epoch (epochs
        count from 1).
    optimizer : object with ``step(params, grads)``
    epochs : int
        Number of passes.
    clip : float, optional
        Gradient-norm clipping threshold.
    evaluate : callable, optional
        ``evaluate(model) -> float``, a held-out loss, computed after every
        ``eval_every`` epochs and after the last one.
    eval_every : int
    progress : bool
        Show a progress bar (see :class:`Progress`).
    callback : callable, optional
        ``callback(epoch, history)`` after each epoch.
    describe : callable, optional
        ``describe(epoch, history) -> str``, the text of the progress bar.

    Returns
    -------
    dict of lists
        ``"step_loss"``, ``"grad_norm"``: per update (the norm before clipping);
        ``"train_loss"``: per epoch, the mean loss of its batches weighted by
        their number of targets (the weights change during the epoch);
        ``"val_loss"`` with the epoch numbers in ``"val_epoch"``.

    Raises
    ------
    TrainingDiverged
        Naming the epoch and step, with the history so far.
    """
    epochs = check_positive_int(epochs, "epochs", "train")
    eval_every = check_positive_int(eval_every, "eval_every", "train")
    if clip is not None and not (math.isfinite(clip) and clip > 0):
        raise ValueError(f"train: clip must be a finite number > 0 or None, got {clip}")
    if not hasattr(optimizer, "step"):
        raise TypeError(f"train: optimizer must have a step(params, grads) method, got "
                        f"{type(optimizer).__name__}")
    history = {"step_loss": [], "grad_norm": [], "train_loss": [], "val_loss": [],
               "val_epoch": []}
    bar = Progress(epochs, progress)
    step = 0
    completed = False
    try:
        for epoch in range(1, epochs + 1):
            total, count = 0.0, 0
            for x, y in batches(epoch):
                step += 1
                try:
                    loss, norm = train_step(model, x, y, optimizer, clip)
                except TrainingDiverged as e:
                    raise TrainingDiverged(e.what, e.value, epoch, step, history) from None
                history["step_loss"].append(loss)
                history["grad_norm"].append(norm)
                total += loss * np.size(y)
                count += np.size(y)
            history["train_loss"].append(total / count)
            if evaluate is not None and (epoch % eval_every == 0 or epoch == epochs):
                history["val_loss"].append(evaluate(model))
                history["val_epoch"].append(epoch)
            text = (describe(epoch, history) if describe is not None else
                    f"epoch {epoch}/{epochs}: train loss {history['train_loss'][-1]:.4f}")
            bar.update(epoch, text)
            if callback is not None:
                callback(epoch, history)
        completed = True
    finally:
        bar.close(completed)
    return history


# ----------------------------------------------------------------- language models
def train_lm(model, train_ids, *, batch_size: int, seq_len: int, epochs: int, optimizer,
             clip: float | None = None, val_ids=None, progress: bool = False,
             eval_every: int = 1, val_batch_size: int | None = None, callback=None,
             batching: str = "streams") -> dict:
    """Train a language model with truncated BPTT; return the history.

    Each epoch resets the hidden state, then trains on every window of
    :func:`minirnn.batching.batches` with the state carried from window to
    window (the model is stateful while it trains). With ``batching="dlfs2"``
    the windows are those of DLFS2's training loop instead
    (:func:`minirnn.batching.dlfs2_batches`) and the state is carried across
    epochs too.

    Parameters
    ----------
    model : RNNLM
        Trained in place. Its ``stateful`` flag is restored at the end.
    train_ids : int ndarray, shape (M+1,)
        The training corpus as one stream of ids.
    batch_size, seq_len : int
        N parallel streams, windows of T steps.
    epochs : int
        Passes over the corpus.
    optimizer : object with ``step(params, grads)``
        For example ``minirnn.Adam(lr=0.01)``.
    clip : float, optional
        Rescale the gradient when its norm exceeds this (Pascanu et al., 2013).
    val_ids : int ndarray, optional
        A validation stream, evaluated with :func:`evaluate` (no gradient).
    progress : bool
        Show a progress bar with the epoch and the latest perplexities.
    eval_every : int
        Evaluate the validation stream every this many epochs (and always after
        the last one).
    val_batch_size : int, optional
        Parallel streams for validation; default ``batch_size``.
    callback : callable, optional
        ``callback(epoch, history)`` after each epoch (epochs count from 1).
    batching : {"streams", "dlfs2"}
        "streams" (default): every epoch covers every target exactly once,
        from a reset state. "dlfs2": ``M // (N*T)`` full windows per epoch from
        a running position that wraps round the corpus, the state never reset
        (as DLFS2's ``ch05/train_custom_loop.py``).

    Returns
    -------
    dict of lists
        ``"train_loss"``, ``"train_ppl"``: per epoch, the token-weighted mean
        loss of the windows as they were trained, and its exp. ``"val_loss"``,
        ``"val_ppl"``: the validation loss and perplexity at the end of each
        evaluated epoch, whose numbers are in ``"val_epoch"`` (empty lists
        without ``val_ids``). ``"grad_norm"``: per epoch, the mean gradient norm
        before clipping (only when ``clip`` is set). ``"step_loss"``: the loss of
        every window.

    Raises
    ------
    TrainingDiverged
        If the loss becomes inf or nan, naming the epoch and window.
    """
    where = "train_lm"
    train_ids = check_stream(train_ids, "train_ids", where, model.vocab_size)
    N = check_positive_int(batch_size, "batch_size", where)
    T = check_positive_int(seq_len, "seq_len", where)
    if train_ids.size - 1 < N:
        raise ValueError(f"{where}: batch_size={N} streams need at least {N + 1} training "
                         f"tokens, got {train_ids.size}")
    if val_ids is not None:
        val_ids = check_stream(val_ids, "val_ids", where, model.vocab_size)
    vN = N if val_batch_size is None else check_positive_int(val_batch_size,
                                                             "val_batch_size", where)
    if batching not in ("streams", "dlfs2"):
        raise ValueError(f"{where}: batching must be 'streams' or 'dlfs2', got {batching!r}")
    if batching == "dlfs2":
        per_epoch = dlfs2_num_batches(train_ids.size, N, T)
        if per_epoch == 0:
            raise ValueError(f"{where}: batching='dlfs2' needs at least N*T+1 = {N * T + 1} "
                             f"tokens for one window, got {train_ids.size}")
    else:
        per_epoch = num_batches(train_ids.size, N, T)

    def windows(epoch):
        if batching == "dlfs2":                  # DLFS2 never resets the state
            return dlfs2_batches(train_ids, N, T, epoch)
        model.reset_state()                      # every epoch reads the text from its start
        return _carrying_state(model, batches(train_ids, N, T))

    def validate(m):
        return evaluate(m, val_ids, batch_size=vN, seq_len=max(T, 256))

    def describe(epoch, history):
        train_ppl = _perplexity(history["train_loss"][-1])
        text = f"epoch {epoch}/{epochs}: train perplexity {train_ppl:.3f}"
        if history["val_epoch"] and history["val_epoch"][-1] == epoch:
            text += f", validation {_perplexity(history['val_loss'][-1]):.3f}"
        return text

    was_stateful = model.stateful
    model.stateful = True
    try:
        history = train(model, windows, optimizer, epochs=epochs, clip=clip,
                        evaluate=None if val_ids is None else validate, eval_every=eval_every,
                        progress=progress, callback=callback, describe=describe)
    finally:
        model.stateful = was_stateful
        model.reset_state()
    norms = np.asarray(history.pop("grad_norm")).reshape(epochs, per_epoch).mean(axis=1)
    history["grad_norm"] = norms.tolist() if clip is not None else []
    history["train_ppl"] = [_perplexity(v) for v in history["train_loss"]]
    history["val_ppl"] = [_perplexity(v) for v in history["val_loss"]]
    return history


def _perplexity(loss: float) -> float:
    """exp(loss), or inf where that overflows (a loss of a few thousand nats, mid-divergence)."""
    return math.exp(loss) if loss < 700.0 else math.inf


def _carrying_state(model, windows):
    """The windows of :func:`~minirnn.batching.batches`; before a window that continues
    fewer streams (the single-row remainder), keep only those streams' state."""
    for x, y in windows:
        model.keep_state_rows(x.shape[0])
        yield x, y


def evaluate(model, ids, batch_size: int = 1, seq_len: int = 64) -> float:
    """Mean cross-entropy per token of ``model`` over a whole stream (no gradient).

    The stream is read with :func:`~minirnn.batching.batches` and a carried
    hidden state that starts at zero, so every prediction (except at the start
    of each of the ``batch_size`` streams) sees all the text before it. The
    model's training state is left untouched.

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

    Notes
    -----
    Runs on the BLAS threads a training step with ``batch_size`` rows would use
    (:func:`minirnn.set_blas_threads`).
    """
    where = "evaluate"
    ids = check_stream(ids, "ids", where, model.vocab_size)
    if ids.size < 2:
        raise ValueError(f"{where}: need at least 2 tokens (one prediction), got {ids.size}")
    N = min(check_positive_int(batch_size, "batch_size", where), ids.size - 1)
    total, count = 0.0, 0
    # The same BLAS threads as a training step of this batch size (see _threads.py).
    with model.inference(), blas_threads_for_step(N, model.num_params):
        model.stateful = True
        model.reset_state()
        for x, y in _carrying_state(model, batches(ids, N, seq_len)):
            logp = log_softmax(model.forward(x))                     # (n, t, V)
            total -= float(np.take_along_axis(logp, y[..., None], axis=-1).sum())
            count += y.size
    return total / count


# ------------------------------------------------------------------- fixed data sets
def fit(model, x, y, steps: int, batch_size: int = 32, lr: float = 0.01, seed=None,
        max_norm: float = 5.0) -> list[float]:
    """Train any model on random minibatches of ``(x, y)`` with Adam and clipping.

    Parameters
    ----------
    model : any minirnn model
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

    def minibatches(epoch):
        for _ in range(steps):
            rows = rng.choice(n, size=min(batch_size, n), replace=False)
            yield x[rows], y[rows]

    return train(model, minibatches, Adam(lr=lr), clip=max_norm)["step_loss"]


# -------------------------------------------------------------------- progress bar
class Progress:
    """A progress bar: an ipywidgets bar in a notebook, a text line on a terminal.

    Why not tqdm (a well-kept library that Colab has)? A notebook stores the text
    of an output as it was when displayed, and tqdm's text holds elapsed and
    remaining times, so nbval (which compares stored outputs) would see a
    different text on every run. Here the notebook stores a fixed text,
    ``[progress bar: N epochs]``, which is also what a reader of the notebook
    file sees on a site that cannot show widgets; the live values (epoch, last
    perplexities) live only in the widget. The bar stays visible at the end.
    """

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled = total, enabled
        self.bar = self.label = None
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
                box = ipywidgets.HBox([self.bar, self.label])
                # The widget's view (the same message ipywidgets 7 and 8 send) with
                # our own fixed text in place of the widget's repr.
                display({"application/vnd.jupyter.widget-view+json": {
                            "version_major": 2, "version_minor": 0, "model_id": box.model_id},
                         "text/plain": f"[progress bar: {total} epochs]"}, raw=True)
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
        if self.bar is not None:
            self.bar.bar_style = "success" if completed else "danger"
        else:
            print(file=sys.stderr, flush=True)
