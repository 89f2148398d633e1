r"""The vanilla RNN's equations as pure functions on arrays: one step, a whole sequence,
the embedding lookup and the output layer.

One step, for a batch of N rows (row form, as the code computes it)::

    a_t = x_t W_x^T + h_{t-1} W_h^T + b        (N, H)   the pre-activation
    h_t = tanh(a_t)                            (N, H)

which is the column-vector equation of the book, h_t = tanh(W_x x_t + W_h h_{t-1} + b),
written for N examples at once. Every forward function returns ``(out, cache)``;
every backward function takes the upstream gradient and that cache and returns
the gradient with respect to every input of the forward function (the style of
CS231n's ``rnn_layers.py``). The layer objects of :mod:`minirnn.layers` call
these functions: what the chapters derive is what runs.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_float_array, check_token_ids


# ---------------------------------------------------------------------------- one step
def _check_rnn_weights(Wx, Wh, b, where):
    """Wx (H, D), Wh (H, H), b (H,), with a hint when Wx arrives in the (D, H) layout."""
    Wx = check_float_array(Wx, "Wx", ("H", "D"), where=where)
    H, D = Wx.shape
    if getattr(Wh, "shape", None) == (D, D) and D != H:
        raise ValueError(f"{where}: Wx has shape {Wx.shape}, read as (H, D) = ({H}, {D}), "
                         f"but Wh has shape {Wh.shape}: is Wx stored as (D, H), the layout of "
                         "DLFS2 and CS231n? minirnn stores weights as (out, in); pass Wx.T")
    Wh = check_float_array(Wh, "Wh", ("H", "H"), {"H": H}, where=where)
    b = check_float_array(b, "b", ("H",), {"H": H}, where=where)
    return Wx, Wh, b


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One RNN step: ``h_next = tanh(x @ Wx.T + h_prev @ Wh.T + b)``.

    Parameters
    ----------
    x : ndarray, shape (N, D)
        Inputs x_t for a batch of N sequences.
    h_prev : ndarray, shape (N, H)
        Previous hidden state h_{t-1}.
    Wx : ndarray, shape (H, D)
        Input-to-hidden weights W_x.
    Wh : ndarray, shape (H, H)
        Hidden-to-hidden (recurrent) weights W_h.
    b : ndarray, shape (H,)
        Bias b.

    Returns
    -------
    h_next : ndarray, shape (N, H)
        New hidden state h_t.
    cache : tuple
        ``(x, h_prev, Wx, Wh, h_next)``, what the backward step needs.
    """
    where = "rnn_step_forward"
    Wx, Wh, b = _check_rnn_weights(Wx, Wh, b, where)
    H, D = Wx.shape
    x = check_float_array(x, "x", ("N", "D"), {"D": D}, where=where)
    h_prev = check_float_array(h_prev, "h_prev", ("N", "H"), {"N": x.shape[0], "H": H},
                               where=where)
    a = x @ Wx.T + h_prev @ Wh.T + b          # (N, H) pre-activation
    h_next = np.tanh(a)                       # (N, H)
    return h_next, (x, h_prev, Wx, Wh, h_next)


def rnn_step_backward(dh_next, cache):
    """Backward pass of :func:`rnn_step_forward`.

    With ``da = dh_next * (1 - h_next**2)`` (the tanh derivative)::

        dx      = da @ Wx        (N, D)
        dh_prev = da @ Wh        (N, H)
        dWx     = da.T @ x       (H, D)
        dWh     = da.T @ h_prev  (H, H)
        db      = da.sum(axis=0) (H,)

    Parameters
    ----------
    dh_next : ndarray, shape (N, H)
        Gradient of the loss with respect to h_t.
    cache : tuple
        The cache returned by :func:`rnn_step_forward`.

    Returns
    -------
    dx, dh_prev, dWx, dWh, db : ndarray
        Shapes (N, D), (N, H), (H, D), (H, H), (H,).
    """
    x, h_prev, Wx, Wh, h_next = cache
    dh_next = check_float_array(dh_next, "dh_next", ("N", "H"), {"N": h_next.shape[0],
                                "H": h_next.shape[1]}, where="rnn_step_backward")
    da = dh_next * (1.0 - h_next ** 2)        # through tanh: d tanh(a)/da = 1 - tanh(a)^2
    dx = da @ Wx
    dh_prev = da @ Wh
    dWx = da.T @ x
    dWh = da.T @ h_prev
    db = da.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db


# ---------------------------------------------------------------------- whole sequence
def rnn_forward(xs, h0, Wx, Wh, b):
    """Run the RNN over whole sequences: the step equation for t = 0, ..., T-1.

    The input projection ``x_t W_x^T + b`` does not depend on earlier steps, so
    it is computed for all T steps in one matrix product before the loop (the
    *hoisted* projection of chapter 2). Only ``h_{t-1} W_h^T`` must stay inside
    the loop: each step needs the previous one.

    Parameters
    ----------
    xs : ndarray, shape (N, T, D)
        Input sequences.
    h0 : ndarray, shape (N, H)
        The state before the first step, h_{-1}.
    Wx, Wh, b : ndarray, shapes (H, D), (H, H), (H,)

    Returns
    -------
    hs : ndarray, shape (N, T, H)
        Every hidden state; ``hs[:, t]`` is h_t.
    cache : tuple
        ``(xs, h0, Wx, Wh, hs)``, what :func:`rnn_backward` needs.
    """
    where = "rnn_forward"
    Wx, Wh, b = _check_rnn_weights(Wx, Wh, b, where)
    H, D = Wx.shape
    xs = check_float_array(xs, "xs", ("N", "T", "D"), {"D": D}, where=where)
    N, T, _ = xs.shape
    h0 = check_float_array(h0, "h0", ("N", "H"), {"N": N, "H": H}, where=where)

    # x_t W_x^T + b for every t at once: ONE (N*T, D) x (D, H) product, as in chapter 2
    # (numpy runs ``xs @ Wx.T`` on the 3-D array as one product per sequence: slower).
    xWx_b = (xs.reshape(N * T, D) @ Wx.T + b).reshape(N, T, H)
    hs = np.empty((N, T, H), dtype=np.result_type(xs, h0, Wh))
    h_prev = h0
    for t in range(T):
        a_t = xWx_b[:, t] + h_prev @ Wh.T     # a_t = x_t W_x^T + b + h_{t-1} W_h^T
        h_t = np.tanh(a_t)                    # h_t = tanh(a_t)
        hs[:, t] = h_t
        h_prev = h_t
    return hs, (xs, h0, Wx, Wh, hs)


def rnn_backward(dhs, cache):
    """Backpropagation through time: :func:`rnn_step_backward` for t = T-1, ..., 0.

    h_t reaches the loss in two ways: directly (``dhs[:, t]``, from the output
    at step t) and through h_{t+1} (``dh_next``, from the step after it). The
    weights are shared by all steps, so their gradients are sums over t;
    they are computed after the loop, each as ONE product over all N*T rows
    (the batched weight gradients of chapter 4).

    Parameters
    ----------
    dhs : ndarray, shape (N, T, H)
        Gradient of the loss with respect to every hidden state output.
    cache : tuple
        The cache returned by :func:`rnn_forward`.

    Returns
    -------
    dxs, dh0, dWx, dWh, db : ndarray
        Shapes (N, T, D), (N, H), (H, D), (H, H), (H,).
    """
    xs, h0, Wx, Wh, hs = cache
    N, T, H = hs.shape
    D = xs.shape[2]
    dhs = check_float_array(dhs, "dhs", ("N", "T", "H"), {"N": N, "T": T, "H": H},
                            where="rnn_backward")

    das = np.empty_like(hs)                   # da_t for every t, kept for the weight gradients
    dh_next = np.zeros_like(h0)               # dL/dh_t through step t+1: none after the last
    for t in reversed(range(T)):
        dh_t = dhs[:, t] + dh_next            # both ways h_t reaches the loss
        da_t = dh_t * (1.0 - hs[:, t] ** 2)   # through tanh
        das[:, t] = da_t
        dh_next = da_t @ Wh                   # dL/dh_{t-1}, through the recurrence
    dh0 = dh_next

    # Shared weights: the sum over steps of da_t^T x_t (and da_t^T h_{t-1}) is one product
    # of the (N*T, H) stack of all da_t with the (N*T, D) stack of all x_t.
    h_prevs = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)      # h_{t-1} for every t
    das_flat = das.reshape(N * T, H)
    dWx = das_flat.T @ xs.reshape(N * T, D)
    dWh = das_flat.T @ h_prevs.reshape(N * T, H)
    db = das_flat.sum(axis=0)
    dxs = (das_flat @ Wx).reshape(N, T, D)   # da_t W_x for every t, one product again
    return dxs, dh0, dWx, dWh, db


# ------------------------------------------------------------- embedding and output layer
def embedding_forward(ids, W):
    """Look up row ``W[i]`` for every token id: ``xs = W[ids]``.

    Parameters
    ----------
    ids : int ndarray, shape (N, T)
        Token ids in ``[0, V)``.
    W : ndarray, shape (V, E)
        The embedding matrix W_e, one row per token.

    Returns
    -------
    xs : ndarray, shape (N, T, E)
    cache : tuple
        ``(ids, W)``.
    """
    where = "embedding_forward"
    W = check_float_array(W, "W", ("V", "E"), where=where)
    ids = check_token_ids(ids, "ids", W.shape[0], ("N", "T"), where)
    return W[ids], (ids, W)


def embedding_backward(dxs, cache):
    """Backward pass of :func:`embedding_forward`: scatter-add each position's gradient.

    Row ``W[v]`` was copied to every position where token v occurs, so its
    gradient is the SUM of the gradients of all those positions; rows of tokens
    that do not occur get zero. ``np.add.at`` adds correctly when an index
    repeats (``dW[ids] += dxs`` would keep only one of the repeats).

    Parameters
    ----------
    dxs : ndarray, shape (N, T, E)
    cache : tuple
        The cache returned by :func:`embedding_forward`.

    Returns
    -------
    dW : ndarray, shape (V, E)
    """
    ids, W = cache
    dxs = check_float_array(dxs, "dxs", ("N", "T", "E"),
                            {"N": ids.shape[0], "T": ids.shape[1], "E": W.shape[1]},
                            where="embedding_backward")
    dW = np.zeros_like(W)
    np.add.at(dW, ids, dxs)
    return dW


def linear_forward(x, W, b):
    """An affine map of the last axis, at every position: ``y = x @ W.T + b``.

    Applied to hidden states it is the output layer s_t = W_y h_t + b_y.

    Parameters
    ----------
    x : ndarray, shape (N, T, in) or (N, in)
    W : ndarray, shape (out, in)
    b : ndarray, shape (out,)

    Returns
    -------
    y : ndarray, shape (N, T, out) or (N, out)
    cache : tuple
        ``(x, W)``.
    """
    where = "linear_forward"
    W = check_float_array(W, "W", ("out", "in"), where=where)
    b = check_float_array(b, "b", ("out",), {"out": W.shape[0]}, where=where)
    x = check_float_array(x, "x", linear_axes(x, "in", "x", where), {"in": W.shape[1]},
                          where=where)
    return x @ W.T + b, (x, W)


def linear_backward(dy, cache):
    """Backward pass of :func:`linear_forward`.

    The same W and b are used at every position, so their gradients are sums
    over all positions: with the N*T positions stacked as rows,
    ``dW = dy^T x`` and ``db`` is the column sum of dy.

    Parameters
    ----------
    dy : ndarray, same shape as the forward output
    cache : tuple
        The cache returned by :func:`linear_forward`.

    Returns
    -------
    dx, dW, db : ndarray
        Shapes like x, (out, in), (out,).
    """
    x, W = cache
    out_features, in_features = W.shape
    sizes = dict(zip(("N", "T"), x.shape[:-1], strict=False))
    dy = check_float_array(dy, "dy", linear_axes(x, "out", "dy", "linear_backward"),
                           {**sizes, "out": out_features}, where="linear_backward")
    dy_rows = dy.reshape(-1, out_features)     # every position is one row
    dW = dy_rows.T @ x.reshape(-1, in_features)
    db = dy_rows.sum(axis=0)
    dx = dy @ W
    return dx, dW, db


def linear_axes(x, last: str, name: str, where: str) -> tuple[str, ...]:
    """Axis names of a Linear input: ``(N, T, last)`` or ``(N, last)``; other ranks are errors."""
    ndim = np.ndim(x)
    if ndim not in (2, 3):
        raise ValueError(f"{where}: {name} must have shape (N, {last}) or (N, T, {last}), got "
                         f"{ndim} axes with shape {np.shape(x)}")
    return ("N", "T", last) if ndim == 3 else ("N", last)
