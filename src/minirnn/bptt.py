r"""Full and truncated backpropagation through time (BPTT), on a concrete loss.

To compare full and truncated BPTT we need a loss defined on *every* step, so
that both methods differentiate the same number. We use a fixed random
readout and a squared error at each step::

    y_hat_t = h_t W_y^T                          (N, K)
    L = 1/2 sum_{n,t} || y_hat_t - y_t ||^2      a sum of per-step losses l_t

``W_y`` (K, H) is not trained: it only turns every hidden state into a
number the loss can depend on. Because L is a sum over steps, the loss of a
long sequence is exactly the sum of the losses of its windows, and the two
gradients can be compared directly.

Full BPTT runs the RNN over all T steps and backpropagates through all of
them (:meth:`minirnn.layers.RNN.backward`). Truncated BPTT with window k
splits the sequence into windows of k steps; the hidden state is carried
forward from window to window (the forward pass is unchanged) but the
backward pass stops at each window boundary, so the contribution of
``l_t`` to the weights through steps of earlier windows is dropped.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_float_array, check_positive_int
from .functional import rnn_step_backward, rnn_step_forward
from .layers import RNN


def readout_loss(hs, Wy, ys):
    r"""Squared error of a fixed linear readout, summed over every step.

    .. math:: L = \tfrac12 \sum_{n,t} \lVert W_y h_{n,t} - y_{n,t} \rVert^2

    Parameters
    ----------
    hs : ndarray, shape (N, T, H)
        Hidden states (all of a sequence, or one window of it).
    Wy : ndarray, shape (K, H)
        Fixed readout weights.
    ys : ndarray, shape (N, T, K)
        Targets, aligned with ``hs``.

    Returns
    -------
    loss : float
        The summed loss (a sum, not a mean, so windows add up to the whole).
    dhs : ndarray, shape (N, T, H)
        ``dL/dhs = (hs @ Wy.T - ys) @ Wy``.
    """
    where = "readout_loss"
    hs = check_float_array(hs, "hs", ("N", "T", "H"), where=where)
    N, T, H = hs.shape
    Wy = check_float_array(Wy, "Wy", ("K", "H"), {"H": H}, where=where)
    ys = check_float_array(ys, "ys", ("N", "T", "K"), {"N": N, "T": T, "K": Wy.shape[0]},
                           where=where)
    err = hs @ Wy.T - ys                      # (N, T, K) residual of every step
    loss = 0.5 * float(np.sum(err * err))
    return loss, err @ Wy


def _check_task(rnn, xs, Wy, ys, where):
    if not isinstance(rnn, RNN):
        raise TypeError(f"{where}: rnn must be a minirnn.RNN, got {type(rnn).__name__}")
    xs = check_float_array(xs, "xs", ("N", "T", "D"), {"D": rnn.input_size}, where, rnn.dtype)
    N, T, _ = xs.shape
    Wy = check_float_array(Wy, "Wy", ("K", "H"), {"H": rnn.hidden_size}, where)
    ys = check_float_array(ys, "ys", ("N", "T", "K"), {"N": N, "T": T, "K": Wy.shape[0]},
                           where)
    return xs, Wy, ys


def full_bptt_grads(rnn, xs, Wy, ys, h0=None):
    """Loss and parameter gradients by full BPTT over the whole sequence.

    Parameters
    ----------
    rnn : minirnn.RNN
        The layer; its ``params`` are read, its ``grads`` and cache are
        overwritten (and, if it is stateful, its carried ``state``).
    xs : ndarray, shape (N, T, D)
        Input sequences.
    Wy : ndarray, shape (K, H)
        Fixed readout of :func:`readout_loss`.
    ys : ndarray, shape (N, T, K)
        Targets of :func:`readout_loss`.
    h0 : ndarray, shape (N, H), optional
        Initial hidden state h_{-1}, the state before step 0 (zeros by default).

    Returns
    -------
    loss : float
    grads : dict
        Copies of ``"Wx"`` (H, D), ``"Wh"`` (H, H), ``"b"`` (H,).
    """
    xs, Wy, ys = _check_task(rnn, xs, Wy, ys, "full_bptt_grads")
    if h0 is None:   # explicit zeros: a stateful rnn must not start from its carried state
        h0 = np.zeros((xs.shape[0], rnn.hidden_size), dtype=rnn.dtype)
    hs = rnn.forward(xs, h0)
    loss, dhs = readout_loss(hs, Wy, ys)
    rnn.backward(dhs)
    return loss, {k: g.copy() for k, g in rnn.grads.items()}


def truncated_bptt_grads(rnn, xs, Wy, ys, window, h0=None):
    """Loss and parameter gradients by truncated BPTT with windows of ``window`` steps.

    The sequence is cut into windows ``[0, k), [k, 2k), ...`` (the last one
    may be shorter). A stateful :class:`~minirnn.layers.RNN` that shares
    ``rnn``'s parameter arrays runs over the windows in order, so the hidden
    state flows on across window boundaries exactly as in the full forward
    pass; each window is backpropagated on its own and the window gradients
    are summed. What is lost: the gradient of a step's loss with respect to
    weights used in earlier windows.

    Parameters
    ----------
    rnn : minirnn.RNN
        The layer whose parameters are used (not modified; its own ``grads``,
        ``state`` and caches are left untouched).
    xs : ndarray, shape (N, T, D)
        Input sequences.
    Wy : ndarray, shape (K, H)
        Fixed readout of :func:`readout_loss`.
    ys : ndarray, shape (N, T, K)
        Targets of :func:`readout_loss`.
    window : int
        k, the number of steps per window (>= 1). ``window >= T`` is full BPTT.
    h0 : ndarray, shape (N, H), optional
        Initial hidden state h_{-1} of the first window (zeros by default).

    Returns
    -------
    loss : float
        Equal to the full-BPTT loss: the forward pass is the same.
    grads : dict
        ``"Wx"`` (H, D), ``"Wh"`` (H, H), ``"b"`` (H,): the sum of the
        window gradients.
    """
    where = "truncated_bptt_grads"
    xs, Wy, ys = _check_task(rnn, xs, Wy, ys, where)
    k = check_positive_int(window, "window", where)
    T = xs.shape[1]
    # A stateful twin that shares the parameter arrays: carries h across windows.
    twin = RNN(rnn.input_size, rnn.hidden_size, seed=0, stateful=True, dtype=rnn.dtype)
    twin.params = dict(rnn.params)
    total = {name: np.zeros_like(p) for name, p in rnn.params.items()}
    loss = 0.0
    for start in range(0, T, k):
        stop = min(start + k, T)
        # The first window starts from h0; later ones from the carried state (h0=None).
        hs = twin.forward(xs[:, start:stop], h0 if start == 0 else None)
        loss_w, dhs = readout_loss(hs, Wy, ys[:, start:stop])
        twin.backward(dhs)         # stops at the window's first step: the cut
        loss += loss_w
        for name in total:
            total[name] += twin.grads[name]
    return loss, total


def per_step_grads(rnn, xs, dhs, h0=None):
    r"""The contribution of every time step to the gradient of each shared weight.

    Runs the step functions :func:`~minirnn.functional.rnn_step_forward` and
    :func:`~minirnn.functional.rnn_step_backward` in a loop (the slow,
    readable version of :meth:`minirnn.layers.RNN.backward`) and keeps, for
    each step t = 0, ..., T-1, what it adds: ``dWh^{(t)} = da_t^T h_{t-1}`` and
    so on (step 0 reads h_{-1} = ``h0``). Summed over t they give
    ``RNN.backward``'s ``grads``.

    Parameters
    ----------
    rnn : minirnn.RNN
        The layer whose parameters are used (not modified).
    xs : ndarray, shape (N, T, D)
        Input sequences.
    dhs : ndarray, shape (N, T, H)
        Gradient of the loss with respect to every hidden state output
        (the direct part dl_t/dh_t, as passed to ``RNN.backward``).
    h0 : ndarray, shape (N, H), optional
        Initial hidden state h_{-1}, the state before step 0 (zeros by default).

    Returns
    -------
    dict
        ``"Wx"`` (T, H, D), ``"Wh"`` (T, H, H), ``"b"`` (T, H): entry ``[t]``
        is step t's term of the sum.
    """
    where = "per_step_grads"
    if not isinstance(rnn, RNN):
        raise TypeError(f"{where}: rnn must be a minirnn.RNN, got {type(rnn).__name__}")
    D, H = rnn.input_size, rnn.hidden_size
    xs = check_float_array(xs, "xs", ("N", "T", "D"), {"D": D}, where)
    N, T, _ = xs.shape
    dhs = check_float_array(dhs, "dhs", ("N", "T", "H"), {"N": N, "T": T, "H": H}, where)
    h = np.zeros((N, H)) if h0 is None else check_float_array(h0, "h0", ("N", "H"),
                                                              {"N": N, "H": H}, where)
    Wx, Wh, b = rnn.params["Wx"], rnn.params["Wh"], rnn.params["b"]
    caches = []
    for t in range(T):
        h, cache = rnn_step_forward(xs[:, t], h, Wx, Wh, b)
        caches.append(cache)
    out = {"Wx": np.zeros((T, H, D)), "Wh": np.zeros((T, H, H)), "b": np.zeros((T, H))}
    dh_from_later = np.zeros((N, H))           # dL/dh_t through step t+1 (none after T)
    for t in range(T - 1, -1, -1):
        # Total gradient at h_t: its own loss term plus what flows back from t+1.
        _, dh_from_later, dWx, dWh, db = rnn_step_backward(dhs[:, t] + dh_from_later,
                                                           caches[t])
        out["Wx"][t], out["Wh"][t], out["b"][t] = dWx, dWh, db
    return out


def cosine_similarity(g1, g2):
    """Cosine of the angle between two gradients, all parameters as one vector.

    Parameters
    ----------
    g1, g2 : dict of ndarray
        Gradients with the same keys and shapes, e.g. ``{"Wx", "Wh", "b"}``.

    Returns
    -------
    float
        In [-1, 1]; 1 means the same direction (the lengths may differ).
    """
    where = "cosine_similarity"
    if not isinstance(g1, dict) or not isinstance(g2, dict):
        raise TypeError(f"{where}: g1 and g2 must be dicts of arrays, "
                        f"got {type(g1).__name__} and {type(g2).__name__}")
    if g1.keys() != g2.keys():
        raise ValueError(f"{where}: g1 and g2 must have the same keys, "
                         f"got {sorted(g1)} and {sorted(g2)}")
    for k in g1:
        if np.shape(g1[k]) != np.shape(g2[k]):
            raise ValueError(f"{where}: g1[{k!r}] and g2[{k!r}] must have the same shape, "
                             f"got {np.shape(g1[k])} and {np.shape(g2[k])}")
    keys = sorted(g1)
    v1 = np.concatenate([np.ravel(g1[k]).astype(np.float64) for k in keys])
    v2 = np.concatenate([np.ravel(g2[k]).astype(np.float64) for k in keys])
    n1, n2 = np.linalg.norm(v1), np.linalg.norm(v2)
    if n1 == 0.0 or n2 == 0.0:
        raise ValueError(f"{where}: a gradient is all zeros, so it has no direction")
    return float(np.dot(v1, v2) / (n1 * n2))
