r"""The adding problem: a long-range memory task (Hochreiter & Schmidhuber, 1997).

Each sequence has T steps and two input channels::

    xs[n, t, 0]  a random value u_t, uniform in [0, 1]
    xs[n, t, 1]  a marker: 1.0 at exactly two steps, 0.0 elsewhere

One marker lies in the first half of the sequence and one in the second half;
the target is the sum of the two marked values, ``y = u_a + u_b``. To solve it
a model must notice the first marked value, keep it for up to T steps while
ignoring all the unmarked ones, and add the second at the end.

The model is a :class:`~minirnn.models.regressor.SequenceRegressor` (a recurrent
layer read at its last state by a linear head, trained by squared error).

The trivial baseline predicts the mean, 1.0, for every sequence: since u_a and
u_b are independent and uniform on [0, 1], its mean squared error is
Var(u_a + u_b) = 2 / 12 = 1/6 ~ 0.167 (:data:`BASELINE_MSE`). A model whose
error stays there has learned nothing about the inputs.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_positive_int

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


def train_adding(model, optimizer, steps: int, batch_size: int = 32, T: int = 100,
                 seed=None, clip=None, eval_set=None, eval_every: int = 50):
    """Train a model on fresh adding-problem batches; return the loss curves.

    The loop is :func:`minirnn.train.train`; this function only says where the
    batches come from (new sequences for every update) and when to measure the
    held-out error (every ``eval_every`` updates, which :func:`~minirnn.train.train`
    sees as one "epoch").

    Parameters
    ----------
    model : SequenceRegressor
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
        ``"train"``: the training loss of every update (steps,);
        ``"grad_norm"``: the gradient norm before clipping (steps,);
        ``"eval_steps"``, ``"eval"``: held-out MSE at those update counts
        (including 0, before training, and ``steps``).

    Raises
    ------
    minirnn.train.TrainingDiverged
        If the loss or the gradient becomes inf or nan (its ``history`` holds the
        curves up to there).
    """
    from ..losses import mse_loss
    from ..train import train

    steps = check_positive_int(steps, "steps", "train_adding")
    eval_every = check_positive_int(eval_every, "eval_every", "train_adding")
    rng = np.random.default_rng(seed)
    rounds = -(-steps // eval_every)

    def fresh_batches(round_):
        for _ in range(min(eval_every, steps - (round_ - 1) * eval_every)):
            yield make_adding(batch_size, T, rng)

    def held_out_mse(m):
        return mse_loss(m.predict(eval_set[0]), eval_set[1])[0]

    evaluate = None if eval_set is None else held_out_mse
    before = [] if eval_set is None else [held_out_mse(model)]
    history = train(model, fresh_batches, optimizer, epochs=rounds, clip=clip,
                    evaluate=evaluate)
    eval_steps = [] if eval_set is None else [0] + [min(r * eval_every, steps)
                                                    for r in history["val_epoch"]]
    return {"train": np.array(history["step_loss"]), "grad_norm": np.array(history["grad_norm"]),
            "eval_steps": np.array(eval_steps), "eval": np.array(before + history["val_loss"])}


# ------------------------------------------------------ the trained LSTM of chapter 6
#: How the shipped LSTM (``minirnn/data/adding_lstm_T100.npz``) was trained, by
#: ``benchmarks/train_adding_lstm.py``: chapter 5's LSTM settings, seed 0.
TRAINED_LSTM_SETTINGS = {
    "T": 100, "hidden_size": 16, "forget_bias": 2.0, "seed": 0, "batch_seed": 100,
    "lr": 0.02, "optimizer": "Adam", "clip": 1.0, "batch_size": 128, "updates": 800,
    "dtype": "float32", "eval_size": 256, "eval_seed": 1000,
}
TRAINED_LSTM_FILE = "adding_lstm_T100.npz"
#: SHA-256 over the arrays of the shipped file (names, dtypes, shapes, bytes), checked on load.
TRAINED_LSTM_SHA256 = "d12bf4374aa4235d0b0103d11423c09db823451ba3aae5b7b7242d3809a1f61e"
_PROVENANCE_KEY = "provenance"


def _arrays_checksum(arrays) -> str:
    from ..io import _checksum

    return _checksum(arrays)


def save_trained_lstm(model, path, held_out_mse: float, baseline_mse: float) -> str:
    """Write a trained LSTM regressor and its provenance to ``path`` (.npz, no objects).

    Used by ``benchmarks/train_adding_lstm.py``. The provenance (a JSON text stored
    as a uint8 array) records :data:`TRAINED_LSTM_SETTINGS`, the held-out and
    baseline MSE, and the numpy and minirnn versions.

    Returns
    -------
    str
        The SHA-256 of the arrays, to be pasted into :data:`TRAINED_LSTM_SHA256`.
    """
    import json

    from .. import __version__

    provenance = {"script": "benchmarks/train_adding_lstm.py", **TRAINED_LSTM_SETTINGS,
                  "held_out_mse": round(held_out_mse, 6), "baseline_mse": round(baseline_mse, 6),
                  "numpy": np.__version__, "minirnn": __version__}
    arrays = {k: np.ascontiguousarray(v) for k, v in model.params.items()}
    arrays[_PROVENANCE_KEY] = np.frombuffer(json.dumps(provenance, sort_keys=True).encode(),
                                            np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return _arrays_checksum(arrays)


def load_trained_lstm(dtype=np.float64):
    """The LSTM trained on the adding problem that chapter 6 examines, and its provenance.

    The weights were trained in float32 by ``benchmarks/train_adding_lstm.py`` with
    :data:`TRAINED_LSTM_SETTINGS` and are returned in ``dtype`` (float64 by default:
    every float32 value is exactly a float64 value). The file is read without
    unpickling, and its checksum is verified.

    Returns
    -------
    model : SequenceRegressor
        ``LSTM(2, 16)`` read at its last state by ``Linear(16, 1)``.
    provenance : dict
        The settings, the held-out MSE at the end of training and the versions used.
    """
    import io as _io
    import json
    from importlib import resources

    from ..layers import Linear
    from ..lstm import LSTM
    from ..models.regressor import SequenceRegressor

    data = resources.files("minirnn").joinpath("data", TRAINED_LSTM_FILE).read_bytes()
    with np.load(_io.BytesIO(data), allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    digest = _arrays_checksum(arrays)
    if digest != TRAINED_LSTM_SHA256:
        raise ValueError(f"load_trained_lstm: the shipped file {TRAINED_LSTM_FILE!r} is damaged "
                         f"or was edited: expected SHA-256 {TRAINED_LSTM_SHA256[:16]}..., got "
                         f"{digest[:16]}... (regenerate it with benchmarks/train_adding_lstm.py)")
    provenance = json.loads(arrays.pop(_PROVENANCE_KEY).tobytes().decode())
    H = provenance["hidden_size"]
    model = SequenceRegressor(LSTM(2, H, seed=0, dtype=dtype), Linear(H, 1, seed=0, dtype=dtype))
    if set(arrays) != set(model.params):
        raise ValueError(f"load_trained_lstm: expected arrays {sorted(model.params)}, "
                         f"got {sorted(arrays)}")
    for k, a in arrays.items():
        model.params[k][...] = a
    return model, provenance
