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
one ``b``).

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
from ._threads import limit_blas_threads
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
        Initial value of the forget-gate block of ``b`` (default 0.0, as
        PyTorch). A positive value such as 1.0 starts the forget gates near
        sigma(1) = 0.73, so memories (and gradients) fade more slowly at the
        start of training (Gers et al., 2000; Jozefowicz et al., 2015).

    Attributes
    ----------
    params : dict
        ``"Wx"`` (4H, D), ``"Wh"`` (4H, H), ``"b"`` (4H,), blocks in the order
        (i, f, g, o): PyTorch's ``weight_ih_l0``, ``weight_hh_l0`` and
        ``bias_ih_l0 + bias_hh_l0``.
    grads : dict
        Same keys and shapes, filled by ``backward``.
    dh0, dc0 : ndarray, shape (N, H)
        After ``backward``: the gradients with respect to h0 and c0.
    state : tuple (h, c) of ndarrays of shape (N, H), or None
        In stateful mode, the hidden and cell state carried to the next call.

    Notes
    -----
    Initialisation as PyTorch: every weight from U(-1/sqrt(H), 1/sqrt(H)).
    The bias is zero except for the forget block (``forget_bias``).

    As in :class:`~minirnn.layers.RNN`, the input projection ``x_t W_x^T + b``
    of all T steps is one matrix product before the time loop, and the weight
    gradients are single products after the backward loop; only
    ``h_{t-1} W_h^T`` (and, backward, ``da_t W_h``) stays inside the loop.
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
        self.dh0 = None
        self.dc0 = None
        self._cache = None

    def __repr__(self) -> str:
        return (f"LSTM(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"stateful={self.stateful})")

    def reset_state(self) -> None:
        """Forget the carried hidden and cell state (stateful mode)."""
        self.state = None

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
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]

        xs_tm = np.ascontiguousarray(xs.transpose(1, 0, 2))              # (T, N, D)
        # Parallel over time: the input projection of all T steps, all 4 blocks at once.
        with limit_blas_threads(N, 2 * H):   # one BLAS thread for mid-size layers
            gates = (xs_tm.reshape(T * N, D) @ Wx.T).reshape(T, N, 4 * H)   # (T, N, 4H)
            gates += b
            cs = np.empty((T, N, H), dtype=self.dtype)       # cell states c_t
            tcs = np.empty((T, N, H), dtype=self.dtype)      # tanh(c_t), reused by backward
            hs = np.empty((T, N, H), dtype=self.dtype)
            dgates = np.empty((T, N, 4 * H), dtype=self.dtype)  # d(gate)/d(pre-activation)
            WhT = Wh.T
            rec = np.empty((N, 4 * H), dtype=self.dtype)
            ig = np.empty((N, H), dtype=self.dtype)
            h, c = h0, c0
            for t in range(T):
                # Sequential: each step needs h_{t-1}. gates[t] holds a_t, then (i, f, g, o).
                a = gates[t]
                np.matmul(h, WhT, out=rec)
                a += rec
                g = np.tanh(a[:, 2 * H:3 * H])
                sigmoid(a, out=a)                     # i, f, o (one call for all blocks)...
                a[:, 2 * H:3 * H] = g                 # ...and the candidate block is tanh
                # Local derivatives while a is in cache: s(1 - s) = s - s^2, and 1 - g^2.
                d = dgates[t]
                np.multiply(a, a, out=d)
                np.negative(d, out=d)
                d[:, :2 * H] += a[:, :2 * H]
                d[:, 2 * H:3 * H] += 1.0
                d[:, 3 * H:] += a[:, 3 * H:]
                i, f, o = a[:, :H], a[:, H:2 * H], a[:, 3 * H:]
                np.multiply(f, c, out=cs[t])          # keep part of the old memory
                np.multiply(i, g, out=ig)             # write part of the candidate
                cs[t] += ig
                np.tanh(cs[t], out=tcs[t])
                np.multiply(o, tcs[t], out=hs[t])     # show part of the memory
                h, c = hs[t], cs[t]

        self._cache = (xs_tm, h0, c0, gates, dgates, cs, tcs, hs)
        if self.stateful:
            self.state = (hs[-1].copy(), cs[-1].copy())
        return np.ascontiguousarray(hs.transpose(1, 0, 2))

    def backward(self, dhs):
        """Backpropagation through time over the whole sequence of the last forward.

        Parameters
        ----------
        dhs : ndarray, shape (N, T, H)
            Gradient of the loss with respect to every hidden state output.

        Returns
        -------
        dxs : ndarray, shape (N, T, D)
            Gradient with respect to the inputs. ``grads`` is filled, and
            ``dh0``, ``dc0`` hold the gradients with respect to h0 and c0.
        """
        where = "LSTM.backward"
        xs_tm, h0, c0, gates, dgates, cs, tcs, hs = self._need_cache(where)
        T, N, H = hs.shape
        D = self.input_size
        dhs = check_float_array(dhs, "dhs", ("N", "T", "H"), {"N": N, "T": T, "H": H},
                                where, self.dtype)
        Wx, Wh = self.params["Wx"], self.params["Wh"]

        das = np.empty((T, N, 4 * H), dtype=self.dtype)
        dh_in = dhs.transpose(1, 0, 2)             # (T, N, H) view
        dh = np.zeros((N, H), dtype=self.dtype)    # dL/dh_t arriving from step t+1
        dc = np.zeros((N, H), dtype=self.dtype)    # dL/dc_t arriving from step t+1
        dc_t = np.empty((N, H), dtype=self.dtype)
        with limit_blas_threads(N, 2 * H):
            for t in range(T - 1, -1, -1):
                a, da, tc = gates[t], das[t], tcs[t]
                i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
                c_prev = cs[t - 1] if t > 0 else c0
                dh_t = dh_in[t] + dh
                # dc_t = dc + dh_t * o * (1 - tanh(c_t)^2): c_t reaches the loss directly
                # and via h_t
                np.multiply(tc, tc, out=dc_t)
                np.subtract(1.0, dc_t, out=dc_t)
                dc_t *= o
                dc_t *= dh_t
                dc_t += dc
                # gradients with respect to the gate values i, f, g, o ...
                np.multiply(dc_t, g, out=da[:, :H])
                np.multiply(dc_t, c_prev, out=da[:, H:2 * H])
                np.multiply(dc_t, i, out=da[:, 2 * H:3 * H])
                np.multiply(dh_t, tc, out=da[:, 3 * H:])
                # ... then through the squashing functions: sigmoid' = s(1 - s), tanh' = 1 - g^2
                da *= dgates[t]
                dh = da @ Wh                           # dL/dh_{t-1} through the four gates
                dc = dc_t * f                          # dL/dc_{t-1}: the additive path
            self.dh0, self.dc0 = dh, dc

            # Shared weights: their gradient is the sum over time steps, one product each.
            da2 = das.reshape(T * N, 4 * H)
            h_prev = np.concatenate([h0[None], hs[:-1]], axis=0).reshape(T * N, H)
            self.grads["Wx"][...] = da2.T @ xs_tm.reshape(T * N, D)
            self.grads["Wh"][...] = da2.T @ h_prev
            self.grads["b"][...] = da2.sum(axis=0)
            dxs = (da2 @ Wx).reshape(T, N, D)
        return np.ascontiguousarray(dxs.transpose(1, 0, 2))
