r"""Gated recurrent unit (GRU): step functions and a layer over whole sequences.

The GRU of Cho et al. (2014), as PyTorch's ``torch.nn.GRU`` computes it. For a
batch of N rows (row form, as the code computes it), one step is::

    ax_t = x_t W_x^T + b_x                   (N, 3H)  input part of all three blocks
    ah_t = h_{t-1} W_h^T + b_h               (N, 3H)  recurrent part of all three blocks
    r_t = sigmoid(ax_t[:, 0H:1H] + ah_t[:, 0H:1H])    reset gate   how much of h_{t-1}
                                                                   the candidate sees
    z_t = sigmoid(ax_t[:, 1H:2H] + ah_t[:, 1H:2H])    update gate  how much of h_{t-1}
                                                                   to keep
    m_t = ah_t[:, 2H:3H]                     (N, H)   W_hn h_{t-1} + b_hn
    n_t = tanh(ax_t[:, 2H:3H] + r_t * m_t)   (N, H)   candidate    the new content
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}    (N, H)   hidden state

One gate, z_t, decides both how much of the old state is kept and (through
1 - z_t) how much of the candidate is written: the LSTM's forget and input
gates coupled into one. There is no separate cell state; h_t is the memory.

The blocks are stacked in the order (r, z, n), as PyTorch stores
``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0`` and ``bias_hh_l0``, so
weights port between the two without permutation. Unlike the RNN and the LSTM,
the GRU needs **two** bias vectors: ``b_hn`` sits inside the reset product
``r_t * (W_hn h_{t-1} + b_hn)``, so it is not interchangeable with ``b_in``
(for the r and z blocks only the sums ``b_x + b_h`` matter).

:func:`gru_step_forward` / :func:`gru_step_backward` are one step;
:func:`gru_forward` / :func:`gru_backward` run them over whole sequences (the
input projection hoisted before the loop, the weight gradients batched after
it, as for the RNN); the :class:`GRU` layer calls those two.

Why gradients survive: ``h_t = (1 - z_t) * n_t + z_t * h_{t-1}`` contains
h_{t-1} itself, scaled by z_t, so one of the paths back from h_t to h_{t-1}
multiplies the gradient by z_t element by element, with no matrix and no
tanh' in between, as the forget gate does for the LSTM's cell state.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_dtype, check_float_array, check_positive_int
from .layers import Layer
from .lstm import sigmoid


def _check_weights(Wx, Wh, bx, bh, where):
    """Validate the four parameter arrays; return them and H, D."""
    Wx = check_float_array(Wx, "Wx", ("3H", "D"), where=where)
    H3, D = Wx.shape
    if H3 % 3:
        raise ValueError(f"{where}: Wx must have 3H rows (the blocks r, z, n), "
                         f"got shape {Wx.shape} whose first axis is not a multiple of 3")
    H = H3 // 3
    Wh = check_float_array(Wh, "Wh", ("3H", "H"), {"3H": 3 * H, "H": H}, where=where)
    bx = check_float_array(bx, "bx", ("3H",), {"3H": 3 * H}, where=where)
    bh = check_float_array(bh, "bh", ("3H",), {"3H": 3 * H}, where=where)
    return Wx, Wh, bx, bh, H, D


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    """One GRU step (see the module docstring for the equations).

    Parameters
    ----------
    x : ndarray, shape (N, D)
        Inputs x_t for a batch of N sequences.
    h_prev : ndarray, shape (N, H)
        Previous hidden state h_{t-1}.
    Wx : ndarray, shape (3H, D)
        Input-to-hidden weights of the three blocks (r, z, n), stacked.
    Wh : ndarray, shape (3H, H)
        Hidden-to-hidden weights of the three blocks, stacked.
    bx, bh : ndarray, shape (3H,)
        The input-side and the recurrent-side biases (PyTorch's ``b_ih``, ``b_hh``).

    Returns
    -------
    h_next : ndarray, shape (N, H)
        New hidden state h_t.
    cache : tuple
        ``(x, h_prev, Wx, Wh, r, z, n, m)``, what the backward step needs.
    """
    where = "gru_step_forward"
    Wx, Wh, bx, bh, H, D = _check_weights(Wx, Wh, bx, bh, where)
    x = check_float_array(x, "x", ("N", "D"), {"D": D}, where=where)
    h_prev = check_float_array(h_prev, "h_prev", ("N", "H"), {"N": x.shape[0], "H": H},
                               where=where)

    ax = x @ Wx.T + bx                                # (N, 3H) input part
    ah = h_prev @ Wh.T + bh                           # (N, 3H) recurrent part
    r = sigmoid(ax[:, 0 * H:1 * H] + ah[:, 0 * H:1 * H])    # reset gate
    z = sigmoid(ax[:, 1 * H:2 * H] + ah[:, 1 * H:2 * H])    # update gate
    m = ah[:, 2 * H:3 * H]                                  # W_hn h_{t-1} + b_hn
    n = np.tanh(ax[:, 2 * H:3 * H] + r * m)                 # candidate
    h_next = (1.0 - z) * n + z * h_prev                     # keep z of the old state
    return h_next, (x, h_prev, Wx, Wh, r, z, n, m)


def gru_step_backward(dh_next, cache):
    """Backward pass of :func:`gru_step_forward`.

    With ``dn = dh_next * (1 - z)`` and ``dan = dn * (1 - n^2)`` (the gradient
    of the candidate's pre-activation)::

        dz = dh_next * (h_prev - n)        daz = dz * z(1-z)
        dr = dan * m                       dar = dr * r(1-r)
        dax = [dar, daz, dan]              gradient of x W_x^T + b_x    (N, 3H)
        dah = [dar, daz, dan * r]          gradient of h W_h^T + b_h    (N, 3H)
        dx = dax @ Wx    dWx = dax.T @ x         dbx = dax.sum(axis=0)
        dh_prev = dh_next * z + dah @ Wh   (the direct path, then the three blocks)
        dWh = dah.T @ h_prev               dbh = dah.sum(axis=0)

    Parameters
    ----------
    dh_next : ndarray, shape (N, H)
        Gradient of the loss with respect to h_t.
    cache : tuple
        The cache returned by :func:`gru_step_forward`.

    Returns
    -------
    dx, dh_prev, dWx, dWh, dbx, dbh : ndarray
        Shapes (N, D), (N, H), (3H, D), (3H, H), (3H,), (3H,).
    """
    x, h_prev, Wx, Wh, r, z, n, m = cache
    N, H = h_prev.shape
    dh_next = check_float_array(dh_next, "dh_next", ("N", "H"), {"N": N, "H": H},
                                where="gru_step_backward")
    dz = dh_next * (h_prev - n)               # h = (1 - z) n + z h_prev
    dn = dh_next * (1.0 - z)
    dan = dn * (1.0 - n ** 2)                 # tanh' = 1 - tanh^2
    dr = dan * m                              # the reset gate scaled m = W_hn h + b_hn
    dar = dr * r * (1.0 - r)                  # sigmoid' = s (1 - s)
    daz = dz * z * (1.0 - z)
    dax = np.concatenate([dar, daz, dan], axis=1)
    dah = np.concatenate([dar, daz, dan * r], axis=1)
    dx = dax @ Wx
    dh_prev = dh_next * z + dah @ Wh
    dWx = dax.T @ x
    dWh = dah.T @ h_prev
    dbx = dax.sum(axis=0)
    dbh = dah.sum(axis=0)
    return dx, dh_prev, dWx, dWh, dbx, dbh


def gru_forward(xs, h0, Wx, Wh, bx, bh):
    """Run the GRU over whole sequences: the step equations for t = 0, ..., T-1.

    The input part ``x_t W_x^T + b_x`` of all three blocks does not depend on
    earlier steps, so it is one matrix product for all T steps before the loop
    (the hoisted input projection of chapter 2).

    Parameters
    ----------
    xs : ndarray, shape (N, T, D)
    h0 : ndarray, shape (N, H)
        The state before the first step, h_{-1}.
    Wx, Wh, bx, bh : ndarray, shapes (3H, D), (3H, H), (3H,), (3H,)
        The three blocks (r, z, n), stacked.

    Returns
    -------
    hs : ndarray, shape (N, T, H)
        Every hidden state; ``hs[:, t]`` is h_t.
    cache : tuple
        ``(xs, h0, Wx, Wh, gates, ms, hs)`` with ``gates`` (N, T, 3H) holding
        r_t, z_t, n_t side by side and ``ms`` (N, T, H) the m_t.
    """
    where = "gru_forward"
    Wx, Wh, bx, bh, H, D = _check_weights(Wx, Wh, bx, bh, where)
    xs = check_float_array(xs, "xs", ("N", "T", "D"), {"D": D}, where=where)
    N, T, _ = xs.shape
    h0 = check_float_array(h0, "h0", ("N", "H"), {"N": N, "H": H}, where=where)

    # (N, T, 3H): the hoisted input projection, one (N*T)-row product (chapter 2)
    xWx_bx = (xs.reshape(N * T, D) @ Wx.T + bx).reshape(N, T, 3 * H)
    dtype = np.result_type(xs, h0, Wh)
    gates = np.empty((N, T, 3 * H), dtype=dtype)
    ms = np.empty((N, T, H), dtype=dtype)
    hs = np.empty((N, T, H), dtype=dtype)
    h_prev = h0
    for t in range(T):
        ax_t = xWx_bx[:, t]                       # (N, 3H) W_x x_t + b_x
        ah_t = h_prev @ Wh.T + bh                 # (N, 3H) W_h h_{t-1} + b_h
        r_t = sigmoid(ax_t[:, 0 * H:1 * H] + ah_t[:, 0 * H:1 * H])    # reset gate
        z_t = sigmoid(ax_t[:, 1 * H:2 * H] + ah_t[:, 1 * H:2 * H])    # update gate
        m_t = ah_t[:, 2 * H:3 * H]                                    # W_hn h_{t-1} + b_hn
        n_t = np.tanh(ax_t[:, 2 * H:3 * H] + r_t * m_t)               # candidate
        h_t = (1.0 - z_t) * n_t + z_t * h_prev
        gates[:, t] = np.concatenate([r_t, z_t, n_t], axis=1)
        ms[:, t], hs[:, t] = m_t, h_t
        h_prev = h_t
    return hs, (xs, h0, Wx, Wh, gates, ms, hs)


def gru_backward(dhs, cache):
    """Backpropagation through time: :func:`gru_step_backward` for t = T-1, ..., 0.

    Parameters
    ----------
    dhs : ndarray, shape (N, T, H)
        Gradient of the loss with respect to every hidden state output.
    cache : tuple
        The cache returned by :func:`gru_forward`.

    Returns
    -------
    dxs, dh0, dWx, dWh, dbx, dbh : ndarray
        Shapes (N, T, D), (N, H), (3H, D), (3H, H), (3H,), (3H,).
    """
    xs, h0, Wx, Wh, gates, ms, hs = cache
    N, T, H = hs.shape
    D = xs.shape[2]
    dhs = check_float_array(dhs, "dhs", ("N", "T", "H"), {"N": N, "T": T, "H": H},
                            where="gru_backward")
    dh_next = np.zeros_like(h0)                   # dL/dh_t through step t+1
    daxs = np.empty_like(gates)                   # gradient of x_t W_x^T + b_x, every t
    dahs = np.empty_like(gates)                   # gradient of h_{t-1} W_h^T + b_h, every t
    for t in reversed(range(T)):
        r_t, z_t, n_t = np.split(gates[:, t], 3, axis=1)
        h_prev = hs[:, t - 1] if t > 0 else h0
        m_t = ms[:, t]
        dh_t = dhs[:, t] + dh_next                # both ways h_t reaches the loss
        dz_t = dh_t * (h_prev - n_t)              # h_t = (1 - z_t) n_t + z_t h_{t-1}
        dn_t = dh_t * (1.0 - z_t)
        dan_t = dn_t * (1.0 - n_t ** 2)           # tanh' = 1 - tanh^2
        dr_t = dan_t * m_t
        dar_t = dr_t * r_t * (1.0 - r_t)          # sigmoid' = s (1 - s)
        daz_t = dz_t * z_t * (1.0 - z_t)
        daxs[:, t] = np.concatenate([dar_t, daz_t, dan_t], axis=1)
        dah_t = np.concatenate([dar_t, daz_t, dan_t * r_t], axis=1)
        dahs[:, t] = dah_t
        dh_next = dh_t * z_t + dah_t @ Wh         # to h_{t-1}: the direct path and the blocks
    dh0 = dh_next

    h_prevs = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)       # h_{t-1} for every t
    daxs_flat = daxs.reshape(N * T, 3 * H)
    dahs_flat = dahs.reshape(N * T, 3 * H)
    dWx = daxs_flat.T @ xs.reshape(N * T, D)
    dWh = dahs_flat.T @ h_prevs.reshape(N * T, H)
    dbx = daxs_flat.sum(axis=0)
    dbh = dahs_flat.sum(axis=0)
    dxs = (daxs_flat @ Wx).reshape(N, T, D)      # dax_t W_x for every t, one product
    return dxs, dh0, dWx, dWh, dbx, dbh


class GRU(Layer):
    r"""A GRU layer run over whole sequences.

    .. math::
        r_t &= \sigma(W_{xr} x_t + b_{xr} + W_{hr} h_{t-1} + b_{hr}) \quad\text{reset gate}\\
        z_t &= \sigma(W_{xz} x_t + b_{xz} + W_{hz} h_{t-1} + b_{hz}) \quad\text{update gate}\\
        n_t &= \tanh(W_{xn} x_t + b_{xn} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))
               \quad\text{candidate}\\
        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    The update gate decides, unit by unit, how much of the old state to keep
    (z_t) and how much of the candidate to take instead (1 - z_t); the reset
    gate decides how much of the old state the candidate is computed from.

    Parameters
    ----------
    input_size : int
        D, the size of each input vector x_t.
    hidden_size : int
        H, the size of the hidden state h_t.
    seed : int or numpy.random.Generator, optional
        Makes the initial weights repeatable.
    stateful : bool
        If True, the last hidden state of one ``forward`` call is the initial
        state of the next; ``reset_state()`` forgets it.
    dtype : float64 (default) or float32

    Attributes
    ----------
    params : dict
        ``"Wx"`` (3H, D), ``"Wh"`` (3H, H), ``"bx"`` (3H,), ``"bh"`` (3H,),
        blocks in the order (r, z, n): PyTorch's ``weight_ih_l0``,
        ``weight_hh_l0``, ``bias_ih_l0`` and ``bias_hh_l0``.
    grads : dict
        Same keys and shapes, filled by ``backward``.
    h_n : ndarray, shape (N, H)
        After ``forward``: the last hidden state ``hs[:, -1]`` (PyTorch's name).
    dh0 : ndarray, shape (N, H)
        After ``backward``: the gradient with respect to the initial state h0.
    state : ndarray, shape (N, H), or None
        In stateful mode, the hidden state carried to the next call.

    Notes
    -----
    Initialisation: every weight from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch's
    ``nn.GRU`` does; both biases start at zero, as the biases of minirnn's
    ``RNN`` and ``LSTM`` do, where PyTorch draws them from that same uniform
    distribution. With zero biases every gate starts near sigma(0) = 0.5.

    ``forward`` and ``backward`` call :func:`gru_forward` and
    :func:`gru_backward`: the input projection of all T steps is one matrix
    product before the time loop, and the weight gradients are single
    products after the backward loop.
    """

    def __init__(self, input_size: int, hidden_size: int, seed=None, stateful: bool = False,
                 dtype=np.float64):
        D = check_positive_int(input_size, "input_size", "GRU")
        H = check_positive_int(hidden_size, "hidden_size", "GRU")
        self.input_size, self.hidden_size = D, H
        self.dtype = check_dtype(dtype, "GRU")
        rng = np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(H)  # PyTorch's default for the weights: U(-1/sqrt(H), 1/sqrt(H))
        self.params = {
            "Wx": rng.uniform(-bound, bound, (3 * H, D)).astype(self.dtype),
            "Wh": rng.uniform(-bound, bound, (3 * H, H)).astype(self.dtype),
            "bx": np.zeros(3 * H, dtype=self.dtype),
            "bh": np.zeros(3 * H, dtype=self.dtype),
        }
        self._init_grads()
        self.stateful = stateful
        self.state = None
        self.h_n = None
        self.dh0 = None
        self._cache = None

    def __repr__(self) -> str:
        return (f"GRU(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"stateful={self.stateful})")

    def reset_state(self) -> None:
        """Forget the carried hidden state (stateful mode)."""
        self.state = None

    def keep_state_rows(self, n: int) -> None:
        """Keep only the last ``n`` rows of the carried state (see ``RNN.keep_state_rows``)."""
        if self.state is not None:
            self.state = self.state[-n:]

    def forward(self, xs, h0=None):
        """Run the GRU over a batch of sequences.

        Parameters
        ----------
        xs : ndarray, shape (N, T, D)
            Input sequences.
        h0 : ndarray, shape (N, H), optional
            Initial hidden state. Default: zeros, or in stateful mode the last
            state of the previous call.

        Returns
        -------
        hs : ndarray, shape (N, T, H)
            Hidden state at every step; ``hs[:, -1]`` is the last one.
        """
        where = "GRU.forward"
        D, H = self.input_size, self.hidden_size
        xs = check_float_array(xs, "xs", ("N", "T", "D"), {"D": D}, where, self.dtype)
        N, T, _ = xs.shape
        if h0 is None and self.stateful and self.state is not None:
            if self.state.shape[0] != N:
                raise ValueError(f"{where}: the carried state has batch size "
                                 f"{self.state.shape[0]} but xs has N={N}; call reset_state() "
                                 "before changing the batch size")
            h0 = self.state
        if h0 is None:
            h0 = np.zeros((N, H), dtype=self.dtype)
        else:
            h0 = check_float_array(h0, "h0", ("N", "H"), {"N": N, "H": H}, where, self.dtype)
        p = self.params
        hs, self._cache = gru_forward(xs, h0, p["Wx"], p["Wh"], p["bx"], p["bh"])
        self.h_n = hs[:, -1]
        if self.stateful:
            self.state = self.h_n.copy()
        return hs

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
            ``dh0`` holds the gradient with respect to h0.
        """
        where = "GRU.backward"
        cache = self._need_cache(where)
        N, T, H = cache[-1].shape             # the cache of gru_forward ends with hs
        dhs = check_float_array(dhs, "dhs", ("N", "T", "H"), {"N": N, "T": T, "H": H}, where,
                                self.dtype)
        dxs, self.dh0, dWx, dWh, dbx, dbh = gru_backward(dhs, cache)
        self._set_grads(Wx=dWx, Wh=dWh, bx=dbx, bh=dbh)
        return dxs
