r"""One step of a vanilla RNN, as pure functions on arrays.

The equation, for a batch of N rows (row form, as the code computes it)::

    a_t = x_t W_x^T + h_{t-1} W_h^T + b        (N, H)
    h_t = tanh(a_t)                            (N, H)

which is the column-vector equation of the book, h_t = tanh(W_x x_t + W_h h_{t-1} + b),
written for N examples at once. Each forward function returns ``(out, cache)``;
each backward function takes the upstream gradient and the cache and returns
the gradient with respect to every input of the forward function.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_float_array


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
    Wx = check_float_array(Wx, "Wx", ("H", "D"), where=where)
    H, D = Wx.shape
    Wh = check_float_array(Wh, "Wh", ("H", "H"), {"H": H}, where=where)
    b = check_float_array(b, "b", ("H",), {"H": H}, where=where)
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
