r"""Long short-term memory (LSTM): step functions and a layer over whole sequences.

The LSTM of Hochreiter & Schmidhuber (1997) with the forget gate of Gers,
Schmidhuber & Cummins (2000), as PyTorch computes it. For a batch of N rows
(row form, as the code computes it), one step is::

    a_t = x_t W_x^T + h_{t-1} W_h^T + b          (N, 4H), four blocks of H columns
    i_t = sigmoid(a_t[:, 0H:1H])    input gate   how much of the candidate to write
    f_t = sigmoid(a_t[:, 1H:2H])    forget gate  how much of the old cell state to keep
    g_t = tanh(a_t[:, 2H:3H])       candidate    the new content that could be written
    o_t = sigmoid(a_t[:, 3H:4H])    output gate  how much of the memory to show
    c_t = f_t * c_{t-1} + i_t * g_t              (N, H) cell state (the memory)
    h_t = o_t * tanh(c_t)                        (N, H) hidden state (what is shown)

The gate blocks are stacked in the order (i, f, g, o), as PyTorch stores
``weight_ih_l0``, ``weight_hh_l0`` and the biases, so weights port between the
two without permutation (PyTorch has two biases ``b_ih + b_hh``; here they are
one ``b``, since only their sum ever enters a_t).

:func:`lstm_step_forward` / :func:`lstm_step_backward` are one step;
:func:`lstm_forward` / :func:`lstm_backward` run them over whole sequences
(the input projection hoisted before the loop, the weight gradients batched
after it, as for the RNN); the :class:`LSTM` layer calls those two.

Why it keeps gradients alive: the cell state is updated by *addition*,
``c_t = f_t * c_{t-1} + ...``, so ``dc_{t-1} = dc_t * f_t``: going back one step
multiplies the gradient by the forget gate only, element by element, with no
matrix W_h and no tanh' in between. When the network learns f_t close to 1 the
gradient flows back over many steps almost unchanged. It is not a free pass:
f_t < 1 still multiplies (with every f_t = sigmoid(2) = 0.88 the gradient along
this path shrinks by 0.88^100 ~ 3e-6 over 100 steps), and c_{t-1} also reaches
c_t through h_{t-1}, on paths that do go through W_h like a vanilla RNN's.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_dtype, check_float_array, check_positive_int
from .layers import Layer


def sigmoid(x, out=None):
    r"""The logistic function :math:`\sigma(x) = 1 / (1 + e^{-x})`, without overflow.

    With :math:`z = e^{-|x|} \le 1` it is :math:`1/(1+z)` for x >= 0 and
    :math:`z/(1+z)` for x < 0: ``exp`` only ever sees a non-positive number,
    so any finite ``x`` is safe (the naive formula overflows for x < -710 in
    float64), and small values keep their full relative precision.

    Parameters
    ----------
    x : ndarray
    out : ndarray, optional
        Where to write the result (may be ``x`` itself).

    Returns
    -------
    ndarray, same shape as x, values in [0, 1]
    """
    x = np.asarray(x)
    z = np.exp(-np.abs(x))
    num = np.where(x >= 0, 1.0, z)
    z += 1.0
    return np.divide(num, z, out=out)


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step (see the module docstring for the equations).

    Parameters
    ----------
    x : ndarray, shape (N, D)
        Inputs x_t for a batch of N sequences.
    h_prev : ndarray, shape (N, H)
        Previous hidden state h_{t-1}.
    c_prev : ndarray, shape (N, H)
        Previous cell state c_{t-1}.
    Wx : ndarray, shape (4H, D)
        Input-to-hidden weights of the four blocks (i, f, g, o), stacked.
    Wh : ndarray, shape (4H, H)
        Hidden-to-hidden weights of the four blocks, stacked.
    b : ndarray, shape (4H,)
        Biases of the four blocks.

    Returns
    -------
    h_next : ndarray, shape (N, H)
        New hidden state h_t.
    c_next : ndarray, shape (N, H)
        New cell state c_t.
    cache : tuple
        ``(x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)``, what the backward step needs.
    """
    where = "lstm_step_forward"
    Wx = check_float_array(Wx, "Wx", ("4H", "D"), where=where)
    H4, D = Wx.shape
    if H4 % 4:
        raise ValueError(f"{where}: Wx must have 4H rows (the blocks i, f, g, o), "
                         f"got shape {Wx.shape} whose first axis is not a multiple of 4")
    H = H4 // 4
    Wh = check_float_array(Wh, "Wh", ("4H", "H"), {"4H": 4 * H, "H": H}, where=where)
    b = check_float_array(b, "b", ("4H",), {"4H": 4 * H}, where=where)
    x = check_float_array(x, "x", ("N", "D"), {"D": D}, where=where)
    N = x.shape[0]
    h_prev = check_float_array(h_prev, "h_prev", ("N", "H"), {"N": N, "H": H}, where=where)
    c_prev = check_float_array(c_prev, "c_prev", ("N", "H"), {"N": N, "H": H}, where=where)

    a = x @ Wx.T + h_prev @ Wh.T + b                 # (N, 4H) all four pre-activations
    i = sigmoid(a[:, 0 * H:1 * H])                   # input gate
    f = sigmoid(a[:, 1 * H:2 * H])                   # forget gate
    g = np.tanh(a[:, 2 * H:3 * H])                   # candidate values
    o = sigmoid(a[:, 3 * H:4 * H])                   # output gate
    c_next = f * c_prev + i * g                      # additive memory update
    tanh_c = np.tanh(c_next)
    h_next = o * tanh_c
    return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)


def lstm_step_backward(dh_next, dc_next, cache):
    """Backward pass of :func:`lstm_step_forward`.

    With ``dc = dc_next + dh_next * o * (1 - tanh(c)^2)`` (the cell state
    reaches the loss directly and through h_t)::

        do = dh_next * tanh(c)    di = dc * g    df = dc * c_prev    dg = dc * i
        dc_prev = dc * f          (the additive path: only the forget gate)
        da = [di * i(1-i), df * f(1-f), dg * (1-g^2), do * o(1-o)]   (N, 4H)
        dx = da @ Wx    dh_prev = da @ Wh    dWx = da.T @ x    dWh = da.T @ h_prev
        db = da.sum(axis=0)

    Parameters
    ----------
    dh_next : ndarray, shape (N, H)
        Gradient of the loss with respect to h_t.
    dc_next : ndarray, shape (N, H)
        Gradient of the loss with respect to c_t (from step t+1).
    cache : tuple
        The cache returned by :func:`lstm_step_forward`.

    Returns
    -------
    dx, dh_prev, dc_prev, dWx, dWh, db : ndarray
        Shapes (N, D), (N, H), (N, H), (4H, D), (4H, H), (4H,).
    """
    where = "lstm_step_backward"
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    N, H = h_prev.shape
    dh_next = check_float_array(dh_next, "dh_next", ("N", "H"), {"N": N, "H": H}, where=where)
    dc_next = check_float_array(dc_next, "dc_next", ("N", "H"), {"N": N, "H": H}, where=where)
    dc = dc_next + dh_next * o * (1.0 - tanh_c ** 2)
    da = np.empty((N, 4 * H), dtype=np.result_type(dc, i))
    da[:, 0 * H:1 * H] = dc * g * i * (1.0 - i)             # sigmoid' = s (1 - s)
    da[:, 1 * H:2 * H] = dc * c_prev * f * (1.0 - f)
    da[:, 2 * H:3 * H] = dc * i * (1.0 - g ** 2)            # tanh' = 1 - tanh^2
    da[:, 3 * H:4 * H] = dh_next * tanh_c * o * (1.0 - o)
    dc_prev = dc * f
    dx = da @ Wx
    dh_prev = da @ Wh
    dWx = da.T @ x
    dWh = da.T @ h_prev
    db = da.sum(axis=0)
    return dx, dh_prev, dc_prev, dWx, dWh, db


def lstm_forward(xs, h0, c0, Wx, Wh, b):
    """Run the LSTM over whole sequences: the step equations for t = 0, ..., T-1.

    Parameters
    ----------
    xs : ndarray, shape (N, T, D)
    h0, c0 : ndarray, shape (N, H)
        The hidden and cell state before the first step.
    Wx, Wh, b : ndarray, shapes (4H, D), (4H, H), (4H,)
        The four blocks (i, f, g, o), stacked.

    Returns
    -------
    hs : ndarray, shape (N, T, H)
        Every hidden state.
    cs : ndarray, shape (N, T, H)
        Every cell state; ``cs[:, -1]`` is the last one.
    cache : tuple
        ``(xs, h0, c0, Wx, Wh, gates, cs, hs)`` with ``gates`` (N, T, 4H) holding
        the values i_t, f_t, g_t, o_t side by side.
    """
    where = "lstm_forward"
    Wx = check_float_array(Wx, "Wx", ("4H", "D"), where=where)
    H4, D = Wx.shape
    if H4 % 4:
        raise ValueError(f"{where}: Wx must have 4H rows (the blocks i, f, g, o), "
                         f"got shape {Wx.shape} whose first axis is not a multiple of 4")
    H = H4 // 4
    Wh = check_float_array(Wh, "Wh", ("4H", "H"), {"4H": 4 * H, "H": H}, where=where)
    b = check_float_array(b, "b", ("4H",), {"4H": 4 * H}, where=where)
    xs = check_float_array(xs, "xs", ("N", "T", "D"), {"D": D}, where=where)
    N, T, _ = xs.shape
    h0 = check_float_array(h0, "h0", ("N", "H"), {"N": N, "H": H}, where=where)
    c0 = check_float_array(c0, "c0", ("N", "H"), {"N": N, "H": H}, where=where)

    # (N, T, 4H): the hoisted input projection, one (N*T)-row product (chapter 2)
    xWx_b = (xs.reshape(N * T, D) @ Wx.T + b).reshape(N, T, 4 * H)
    dtype = np.result_type(xs, h0, Wh)
    gates = np.empty((N, T, 4 * H), dtype=dtype)
    cs = np.empty((N, T, H), dtype=dtype)
    hs = np.empty((N, T, H), dtype=dtype)
    h_prev, c_prev = h0, c0
    for t in range(T):
        a_t = xWx_b[:, t] + h_prev @ Wh.T        # (N, 4H): all four pre-activations
        i_t = sigmoid(a_t[:, 0 * H:1 * H])       # input gate
        f_t = sigmoid(a_t[:, 1 * H:2 * H])       # forget gate
        g_t = np.tanh(a_t[:, 2 * H:3 * H])       # candidate
        o_t = sigmoid(a_t[:, 3 * H:4 * H])       # output gate
        c_t = f_t * c_prev + i_t * g_t           # additive memory update
        h_t = o_t * np.tanh(c_t)
        gates[:, t] = np.concatenate([i_t, f_t, g_t, o_t], axis=1)
        cs[:, t], hs[:, t] = c_t, h_t
        h_prev, c_prev = h_t, c_t
    return hs, cs, (xs, h0, c0, Wx, Wh, gates, cs, hs)


def lstm_backward(dhs, cache, dc_last=None):
    """Backpropagation through time: :func:`lstm_step_backward` for t = T-1, ..., 0.

    Parameters
    ----------
    dhs : ndarray, shape (N, T, H)
        Gradient of the loss with respect to every hidden state output.
    cache : tuple
        The cache returned by :func:`lstm_forward`.
    dc_last : ndarray, shape (N, H), optional
        Gradient with respect to the last cell state, when it is used
        downstream (an encoder's state handed to a decoder). Default zero.

    Returns
    -------
    dxs, dh0, dc0, dWx, dWh, db : ndarray
        Shapes (N, T, D), (N, H), (N, H), (4H, D), (4H, H), (4H,).
    """
    xs, h0, c0, Wx, Wh, gates, cs, hs = cache
    N, T, H = hs.shape
    D = xs.shape[2]
    where = "lstm_backward"
    dhs = check_float_array(dhs, "dhs", ("N", "T", "H"), {"N": N, "T": T, "H": H}, where=where)
    dh_next = np.zeros_like(h0)                  # dL/dh_t through step t+1
    if dc_last is None:
        dc_next = np.zeros_like(c0)              # dL/dc_t through step t+1
    else:
        dc_next = check_float_array(dc_last, "dc_last", ("N", "H"), {"N": N, "H": H},
                                    where=where)
    das = np.empty_like(gates)                   # da_t for every t
    for t in reversed(range(T)):
        i_t, f_t, g_t, o_t = np.split(gates[:, t], 4, axis=1)
        c_prev = cs[:, t - 1] if t > 0 else c0
        tanh_c = np.tanh(cs[:, t])
        dh_t = dhs[:, t] + dh_next
        # c_t reaches the loss through h_t = o_t tanh(c_t) and through c_{t+1}
        dc_t = dc_next + dh_t * o_t * (1.0 - tanh_c ** 2)
        di_t = dc_t * g_t                        # gradients with respect to the gate values
        df_t = dc_t * c_prev
        dg_t = dc_t * i_t
        do_t = dh_t * tanh_c
        da_t = np.concatenate([di_t * i_t * (1.0 - i_t),     # sigmoid' = s (1 - s)
                               df_t * f_t * (1.0 - f_t),
                               dg_t * (1.0 - g_t ** 2),      # tanh' = 1 - tanh^2
                               do_t * o_t * (1.0 - o_t)], axis=1)
        das[:, t] = da_t
        dh_next = da_t @ Wh                      # to h_{t-1}, through all four gates
        dc_next = dc_t * f_t                     # to c_{t-1}: the additive path
    dh0, dc0 = dh_next, dc_next

    h_prevs = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)       # h_{t-1} for every t
    das_flat = das.reshape(N * T, 4 * H)
    dWx = das_flat.T @ xs.reshape(N * T, D)
    dWh = das_flat.T @ h_prevs.reshape(N * T, H)
    db = das_flat.sum(axis=0)
    dxs = (das_flat @ Wx).reshape(N, T, D)      # da_t W_x for every t, one product
    return dxs, dh0, dc0, dWx, dWh, db


class LSTM(Layer):
    r"""An LSTM layer run over whole sequences.

    .. math::
        i_t &= \sigma(W_{xi} x_t + W_{hi} h_{t-1} + b_i) \quad\text{input gate}\\
        f_t &= \sigma(W_{xf} x_t + W_{hf} h_{t-1} + b_f) \quad\text{forget gate}\\
        g_t &= \tanh(W_{xg} x_t + W_{hg} h_{t-1} + b_g) \quad\text{candidate}\\
        o_t &= \sigma(W_{xo} x_t + W_{ho} h_{t-1} + b_o) \quad\text{output gate}\\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)

    The input gate decides how much of the candidate ``g_t`` is written into
    the memory, the forget gate how much of the old memory ``c_{t-1}`` is kept,
    and the output gate how much of the (squashed) memory is shown as ``h_t``.
    Each gate is a vector of numbers in (0, 1), one per memory cell.

    Parameters
    ----------
    input_size : int
        D, the size of each input vector x_t.
    hidden_size : int
        H, the size of the hidden state h_t and of the cell state c_t.
    seed : int or numpy.random.Generator, optional
        Makes the initial weights repeatable.
    stateful : bool
        If True, the last (h, c) of one ``forward`` call is the initial state
        of the next; ``reset_state()`` forgets it.
    dtype : float64 (default) or float32
    forget_bias : float
        Initial value of the forget-gate block of ``b`` (default 0.0). A
        positive value such as 1.0 starts the forget gates near sigma(1) = 0.73,
        so memories (and gradients) fade more slowly at the start of training
        (Gers et al., 2000; Jozefowicz et al., 2015). PyTorch has no such
        option: it draws both of its bias vectors from U(-1/sqrt(H), 1/sqrt(H)).

    Attributes
    ----------
    params : dict
        ``"Wx"`` (4H, D), ``"Wh"`` (4H, H), ``"b"`` (4H,), blocks in the order
        (i, f, g, o): PyTorch's ``weight_ih_l0``, ``weight_hh_l0`` and
        ``bias_ih_l0 + bias_hh_l0``.
    grads : dict
        Same keys and shapes, filled by ``backward``.
    h_n, c_n : ndarray, shape (N, H)
        After ``forward``: the last hidden and cell state (PyTorch's names).
    dh0, dc0 : ndarray, shape (N, H)
        After ``backward``: the gradients with respect to h0 and c0.
    state : tuple (h, c) of ndarrays of shape (N, H), or None
        In stateful mode, the hidden and cell state carried to the next call.

    Notes
    -----
    Initialisation: every weight from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch. The
    bias starts at zero, except its forget block, which starts at
    ``forget_bias``; PyTorch instead draws every block of both its biases from
    that same uniform distribution (so its forget gates start near sigma(0) = 0.5,
    give or take 2/sqrt(H) in the pre-activation).

    ``forward`` and ``backward`` call :func:`lstm_forward` and
    :func:`lstm_backward`: as in :class:`~minirnn.layers.RNN`, the input
    projection of all T steps is one matrix product before the time loop, and
    the weight gradients are single products after the backward loop.
    """

    def __init__(self, input_size: int, hidden_size: int, seed=None, stateful: bool = False,
                 dtype=np.float64, forget_bias: float = 0.0):
        D = check_positive_int(input_size, "input_size", "LSTM")
        H = check_positive_int(hidden_size, "hidden_size", "LSTM")
        self.input_size, self.hidden_size = D, H
        self.dtype = check_dtype(dtype, "LSTM")
        if not np.isfinite(forget_bias):
            raise ValueError(f"LSTM: forget_bias must be a finite number, got {forget_bias}")
        self.forget_bias = float(forget_bias)
        rng = np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(H)  # PyTorch's default: U(-1/sqrt(H), 1/sqrt(H))
        b = np.zeros(4 * H, dtype=self.dtype)
        b[H:2 * H] = self.forget_bias
        self.params = {
            "Wx": rng.uniform(-bound, bound, (4 * H, D)).astype(self.dtype),
            "Wh": rng.uniform(-bound, bound, (4 * H, H)).astype(self.dtype),
            "b": b,
        }
        self._init_grads()
        self.stateful = stateful
        self.state = None
        self.h_n = self.c_n = None
        self.dh0 = self.dc0 = None
        self._cache = None

    def __repr__(self) -> str:
        return (f"LSTM(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"stateful={self.stateful})")

    def reset_state(self) -> None:
        """Forget the carried hidden and cell state (stateful mode)."""
        self.state = None

    def keep_state_rows(self, n: int) -> None:
        """Keep only the last ``n`` rows of the carried (h, c) (see ``RNN.keep_state_rows``)."""
        if self.state is not None:
            self.state = (self.state[0][-n:], self.state[1][-n:])

    def forward(self, xs, h0=None, c0=None):
        """Run the LSTM over a batch of sequences.

        Parameters
        ----------
        xs : ndarray, shape (N, T, D)
            Input sequences.
        h0, c0 : ndarray, shape (N, H), optional
            Initial hidden and cell state. Default: zeros, or in stateful mode
            (when both are omitted) the last state of the previous call.

        Returns
        -------
        hs : ndarray, shape (N, T, H)
            Hidden state at every step; ``hs[:, -1]`` is the last one. The cell
            states are kept for backward (``self.state`` holds the last one in
            stateful mode).
        """
        where = "LSTM.forward"
        D, H = self.input_size, self.hidden_size
        xs = check_float_array(xs, "xs", ("N", "T", "D"), {"D": D}, where, self.dtype)
        N, T, _ = xs.shape
        if h0 is None and c0 is None and self.stateful and self.state is not None:
            if self.state[0].shape[0] != N:
                raise ValueError(f"{where}: the carried state has batch size "
                                 f"{self.state[0].shape[0]} but xs has N={N}; call "
                                 "reset_state() before changing the batch size")
            h0, c0 = self.state
        if h0 is None:
            h0 = np.zeros((N, H), dtype=self.dtype)
        else:
            h0 = check_float_array(h0, "h0", ("N", "H"), {"N": N, "H": H}, where, self.dtype)
        if c0 is None:
            c0 = np.zeros((N, H), dtype=self.dtype)
        else:
            c0 = check_float_array(c0, "c0", ("N", "H"), {"N": N, "H": H}, where, self.dtype)
        p = self.params
        hs, cs, self._cache = lstm_forward(xs, h0, c0, p["Wx"], p["Wh"], p["b"])
        self.h_n, self.c_n = hs[:, -1], cs[:, -1]
        if self.stateful:
            self.state = (self.h_n.copy(), self.c_n.copy())
        return hs

    def backward(self, dhs, dc_last=None):
        """Backpropagation through time over the whole sequence of the last forward.

        Parameters
        ----------
        dhs : ndarray, shape (N, T, H)
            Gradient of the loss with respect to every hidden state output.
        dc_last : ndarray, shape (N, H), optional
            Gradient with respect to the last cell state ``c_n``, when it is
            used downstream (an encoder handing its state to a decoder).

        Returns
        -------
        dxs : ndarray, shape (N, T, D)
            Gradient with respect to the inputs. ``grads`` is filled, and
            ``dh0``, ``dc0`` hold the gradients with respect to h0 and c0.
        """
        where = "LSTM.backward"
        cache = self._need_cache(where)
        N, T, H = cache[-1].shape             # the cache of lstm_forward ends with hs
        dhs = check_float_array(dhs, "dhs", ("N", "T", "H"), {"N": N, "T": T, "H": H}, where,
                                self.dtype)
        if dc_last is not None:
            dc_last = check_float_array(dc_last, "dc_last", ("N", "H"), {"N": N, "H": H}, where,
                                        self.dtype)
        dxs, self.dh0, self.dc0, dWx, dWh, db = lstm_backward(dhs, cache, dc_last)
        self._set_grads(Wx=dWx, Wh=dWh, b=db)
        return dxs
