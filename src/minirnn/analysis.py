r"""Tools to watch gradients vanish or explode.

Time steps are t = 0..T-1, as the arrays index them (``hs[:, t]`` is h_t); the
state before the first step is h_{-1} (the code's ``h0``). Backpropagating from
the last state h_{T-1} to an earlier state h_k multiplies Jacobians, one per
step, the latest on the left (entry (i, j) of dh_t/dh_{t-1} is dh_{t,i}/dh_{t-1,j})::

    J_t = dh_t / dh_{t-1}  = diag(1 - h_t^2) W_h              (H, H), for h_t = tanh(a_t)
    dh_{T-1} / dh_k        = J_{T-1} J_{T-2} ... J_{k+1}      (T - 1 - k factors)
    dL/dh_k                = dL/dh_{T-1} J_{T-1} ... J_{k+1}  (gradients as rows, like ``dh``)

The distance back in time of h_k is T - 1 - k: 0 for h_{T-1}, T for h_{-1}.

Each factor stretches a vector by at most gamma * ||W_h||_2, with gamma = 1
the largest slope of tanh; hence (Pascanu, Mikolov & Bengio, 2013) a largest
singular value of W_h below 1 is *sufficient* for the gradient to vanish
exponentially, and one above 1 is *necessary* for it to explode (neither
converse holds). The long-run rate of a product of the same matrix is set by
its spectral radius (Gelfand's formula, ||W^k||^(1/k) -> rho(W)), which can be
much smaller than its largest singular value when W_h is not normal.

Functions here return plain numpy arrays; the plots are in
:mod:`minirnn.plot.gradients`.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_float_array, check_positive_int
from .functional import rnn_step_backward, rnn_step_forward
from .gru import GRU, gru_step_backward, gru_step_forward
from .layers import RNN
from .lstm import LSTM, lstm_step_backward, lstm_step_forward


def spectral_radius(W) -> float:
    """The largest absolute value of the eigenvalues of a square matrix.

    It sets the long-run growth or decay of ``W^k v``: ``||W^k|| ~ rho^k`` for large k.
    """
    W = check_float_array(W, "W", ("H", "H"), where="spectral_radius")
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"spectral_radius: W must be square, got shape {W.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def largest_singular_value(W) -> float:
    """The spectral norm ``||W||_2``: the most W can stretch a vector in one step."""
    W = check_float_array(W, "W", ("M", "K"), where="largest_singular_value")
    return float(np.linalg.norm(W, 2))


def recurrent_matrix(H: int, radius: float = 1.0, kind: str = "gaussian", seed=None,
                     nonnormality: float = 1.0):
    """A recurrent weight matrix W_h with a chosen spectral radius.

    Parameters
    ----------
    H : int
        Hidden size.
    radius : float
        The spectral radius of the result (> 0).
    kind : {"gaussian", "orthogonal", "nonnormal"}
        ``"gaussian"``: i.i.d. normal entries, rescaled. Its largest singular
        value is about twice its spectral radius.
        ``"orthogonal"``: ``radius`` times a random orthogonal matrix; every
        eigenvalue has modulus ``radius`` and every singular value equals it.
        ``"nonnormal"``: ``Q (Lambda + U) Q^T`` with Q random orthogonal,
        Lambda diagonal (one eigenvalue exactly ``radius``, the others of
        modulus in [0.4, 0.8] x ``radius``, so that the top one dominates
        soon) and U strictly upper triangular with entries of size
        ``nonnormality``: the eigenvalues stay those of Lambda, but the
        largest singular value grows with ``nonnormality``.
    seed : int or numpy.random.Generator, optional
    nonnormality : float
        Scale of U for ``kind="nonnormal"``.

    Returns
    -------
    Wh : ndarray, shape (H, H)
    """
    H = check_positive_int(H, "H", "recurrent_matrix")
    if not radius > 0:
        raise ValueError(f"recurrent_matrix: radius must be > 0, got {radius}")
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        W = rng.standard_normal((H, H)) / np.sqrt(H)
        return W * (radius / spectral_radius(W))
    if kind in ("orthogonal", "nonnormal"):
        Q, R = np.linalg.qr(rng.standard_normal((H, H)))
        Q = Q * np.sign(np.diag(R))        # sign fix: uniformly distributed Q
        if kind == "orthogonal":
            return radius * Q
        lam = radius * rng.uniform(0.4, 0.8, H) * rng.choice([-1.0, 1.0], H)
        lam[0] = radius
        U = np.triu(rng.standard_normal((H, H)), k=1) * nonnormality / np.sqrt(H)
        return Q @ (np.diag(lam) + U) @ Q.T
    raise ValueError(f"recurrent_matrix: kind must be 'gaussian', 'orthogonal' or "
                     f"'nonnormal', got {kind!r}")


def step_jacobians(hs, Wh):
    r"""The Jacobians :math:`J_t = \partial h_t / \partial h_{t-1} = \mathrm{diag}(1 - h_t^2) W_h`.

    Parameters
    ----------
    hs : ndarray, shape (T, H) or (N, T, H)
        Hidden states h_0..h_{T-1} of a tanh RNN (``RNN.forward`` output).
    Wh : ndarray, shape (H, H)

    Returns
    -------
    J : ndarray, shape (T, H, H) or (N, T, H, H)
        ``J[..., t, :, :]`` is dh_t/dh_{t-1}, t = 0..T-1: entry (i, j) is
        dh_{t,i}/dh_{t-1,j}, so row i is row i of W_h times the slope of unit i.
    """
    Wh = check_float_array(Wh, "Wh", ("H", "H"), where="step_jacobians")
    H = Wh.shape[0]
    axes = ("N", "T", "H") if np.ndim(hs) == 3 else ("T", "H")
    hs = check_float_array(hs, "hs", axes, {"H": H}, where="step_jacobians")
    return (1.0 - hs * hs)[..., :, None] * Wh


def jacobian_products(jacs):
    r"""Products of step Jacobians from the last step backwards.

    Parameters
    ----------
    jacs : ndarray, shape (T, H, H)
        ``jacs[t]`` = dh_t/dh_{t-1}, as from :func:`step_jacobians`.

    Returns
    -------
    P : ndarray, shape (T + 1, H, H)
        ``P[k]`` = dh_{T-1}/dh_{T-1-k} = jacs[T-1] @ jacs[T-2] @ ... @ jacs[T-k]
        for the distance k = 0..T (``P[T]`` reaches the initial state h_{-1});
        ``P[0]`` is the identity. A row gradient g = dL/dh_{T-1} gives
        dL/dh_{T-1-k} = g @ P[k].
    """
    jacs = check_float_array(jacs, "jacs", ("T", "H", "H"), where="jacobian_products")
    T, H, _ = jacs.shape
    P = np.empty((T + 1, H, H))
    P[0] = np.eye(H)
    for k in range(1, T + 1):
        P[k] = P[k - 1] @ jacs[T - k]      # chain rule: one more step back
    return P


def spectral_norms(mats):
    """The largest singular value of each matrix in a stack ``(..., M, K)``."""
    mats = np.asarray(mats, dtype=np.float64)
    return np.linalg.norm(mats, 2, axis=(-2, -1))


def hidden_grad_norms(layer, xs, h0=None, dh_last=None, seed=None, which: str = "h"):
    r"""Record :math:`\|\partial L / \partial h_t\|` for every t, the loss sitting at the end.

    The loss is :math:`L = \sum G \odot H_{T-1}` (summed over the batch)
    for a fixed array G, so dL/dh_{T-1} = G (G, not g: g_t is the LSTM's
    candidate); the backward pass then runs step by step with the minirnn step
    functions and the norm of the gradient reaching each h_t, down to the
    initial state h_{-1}, is stored.

    Parameters
    ----------
    layer : RNN, LSTM or GRU
        Its current ``params`` are used (its state and grads are not touched).
    xs : ndarray, shape (N, T, D)
    h0 : ndarray, shape (N, H), optional
        Initial hidden state h_{-1} (zeros by default; the LSTM's c0 is zeros).
    dh_last : ndarray, shape (N, H), optional
        G. By default a random array (from ``seed``) of norm 1.
    seed : int or numpy.random.Generator, optional
    which : {"h", "c"}
        ``"c"`` records the cell-state gradients dL/dc_t of an LSTM instead.

    Returns
    -------
    norms : ndarray, shape (T + 1,)
        In time order: ``norms[t + 1]`` = ||dL/dh_t|| (Frobenius norm over the
        batch) for t = -1..T-1; ``norms[0]`` is the initial state h_{-1} (the
        code's ``h0``), ``norms[T]`` = ||g|| (for ``which="c"``: ||dL/dc_{T-1}||,
        the part of g that reaches c_{T-1}). ``norms[::-1]`` is indexed by the
        distance back in time k = T - 1 - t.
    """
    where = "hidden_grad_norms"
    is_lstm, is_gru = isinstance(layer, LSTM), isinstance(layer, GRU)
    if not (is_lstm or is_gru or isinstance(layer, RNN)):
        raise TypeError(f"{where}: layer must be an RNN, an LSTM or a GRU, "
                        f"got {type(layer).__name__}")
    if which not in ("h", "c") or (which == "c" and not is_lstm):
        raise ValueError(f"{where}: which must be 'h' (or 'c' for an LSTM), got {which!r}")
    D, H = layer.input_size, layer.hidden_size
    xs = check_float_array(xs, "xs", ("N", "T", "D"), {"D": D}, where)
    N, T, _ = xs.shape
    h = np.zeros((N, H)) if h0 is None else check_float_array(
        h0, "h0", ("N", "H"), {"N": N, "H": H}, where)
    if dh_last is None:
        g = np.random.default_rng(seed).standard_normal((N, H))
        dh_last = g / np.linalg.norm(g)
    dh = check_float_array(dh_last, "dh_last", ("N", "H"), {"N": N, "H": H}, where).copy()
    p = layer.params
    caches = []
    c = np.zeros((N, H))
    for t in range(T):
        if is_lstm:
            h, c, cache = lstm_step_forward(xs[:, t], h, c, p["Wx"], p["Wh"], p["b"])
        elif is_gru:
            h, cache = gru_step_forward(xs[:, t], h, p["Wx"], p["Wh"], p["bx"], p["bh"])
        else:
            h, cache = rnn_step_forward(xs[:, t], h, p["Wx"], p["Wh"], p["b"])
        caches.append(cache)
    norms = np.empty(T + 1)
    dc = np.zeros((N, H))
    if which == "h":
        norms[T] = np.linalg.norm(dh)
    else:                          # dL/dc_{T-1} = dL/dh_{T-1} * o * (1 - tanh(c_{T-1})^2)
        o, tanh_c = caches[-1][8], caches[-1][9]
        norms[T] = np.linalg.norm(dh * o * (1.0 - tanh_c ** 2))
    for t in range(T - 1, -1, -1):         # caches[t] produced h_t from h_{t-1}
        if is_lstm:
            _, dh, dc, _, _, _ = lstm_step_backward(dh, dc, caches[t])
        elif is_gru:
            _, dh, _, _, _, _ = gru_step_backward(dh, caches[t])
        else:
            _, dh, _, _, _ = rnn_step_backward(dh, caches[t])
        norms[t] = np.linalg.norm(dh if which == "h" else dc)     # now dL/dh_{t-1}
    return norms


def decay_rate(norms, start: int, stop: int) -> float:
    """The per-step factor of a gradient that shrinks or grows geometrically.

    Fits ``log norms_by_distance[k] = a + k log r`` by least squares for
    distances ``start <= k < stop`` and returns r (below 1: vanishing).

    Parameters
    ----------
    norms : ndarray, shape (T + 1,)
        As returned by :func:`hidden_grad_norms` (time order).
    start, stop : int
        The range of distances back in time to fit.
    """
    by_distance = np.asarray(norms, dtype=np.float64)[::-1]
    if not 0 <= start < stop - 1 < len(by_distance):
        raise ValueError(f"decay_rate: need 0 <= start < stop - 1 < {len(by_distance)}, "
                         f"got start={start}, stop={stop}")
    k = np.arange(start, stop)
    slope = np.polyfit(k, np.log(by_distance[start:stop]), 1)[0]
    return float(np.exp(slope))
