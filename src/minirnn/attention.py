r"""Attention: at every output step the decoder looks back at ALL encoder states.

The decoder state h^dec_t asks a question (the *query*); every encoder state
h^enc_j, j = 0, ..., S-1, is a candidate answer (the *keys*, and also the
*values* that are averaged). Three steps, each a pure function with
``(out, cache)`` and a backward that returns every gradient::

    u_{t,j}     = score(h^dec_t, h^enc_j)          scores    u      (N, T, S)
    alpha_{t,j} = softmax_j(u_{t,j})               weights   alpha  (N, T, S)
    m_t         = sum_j alpha_{t,j} h^enc_j        context   m      (N, T, H)

Two scores (chapter 8 derives both):

- dot-product, scaled as in Vaswani et al. (2017) and PyTorch's
  ``scaled_dot_product_attention``: ``u_{t,j} = (h^dec_t . h^enc_j) / sqrt(H)``;
- additive (Bahdanau et al., 2015): ``u_{t,j} = v^T tanh(W_q h^dec_t + W_k h^enc_j)``
  with W_q, W_k (A, H) and v (A,), a one-hidden-layer network of the pair.

A *mask* marks which encoder positions are real (True) and which are padding
(False); padded positions get the score -inf before the softmax, so their
weight is exactly 0 and they receive no gradient. The context vector is
called m_t (the letter c_t is the LSTM's cell state).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_dtype, check_float_array, check_positive_int
from .layers import Layer
from .losses import softmax

SCORES = ("dot", "additive")


# ------------------------------------------------------------------------------ scores
def dot_scores_forward(q, k, scale=None):
    r"""Scaled dot-product scores ``u[n, t, j] = scale * q[n, t] . k[n, j]``.

    Parameters
    ----------
    q : ndarray, shape (N, T, H)
        Queries: the decoder states h^dec_t.
    k : ndarray, shape (N, S, H)
        Keys: the encoder states h^enc_j.
    scale : float, optional
        Default ``1 / sqrt(H)``, PyTorch's default (it keeps the scores' spread
        about the same whatever H is).

    Returns
    -------
    u : ndarray, shape (N, T, S)
    cache : tuple
        ``(q, k, scale)``.
    """
    where = "dot_scores_forward"
    q = check_float_array(q, "q", ("N", "T", "H"), where=where)
    N, _, H = q.shape
    k = check_float_array(k, "k", ("N", "S", "H"), {"N": N, "H": H}, where=where)
    scale = 1.0 / np.sqrt(H) if scale is None else float(scale)
    u = scale * (q @ k.transpose(0, 2, 1))          # (N, T, H) @ (N, H, S) = (N, T, S)
    return u, (q, k, scale)


def dot_scores_backward(du, cache):
    """Backward pass of :func:`dot_scores_forward`.

    ``u = scale * q k^T`` for each sequence, so ``dq = scale * du k`` and
    ``dk = scale * du^T q``.

    Returns
    -------
    dq, dk : ndarray
        Shapes (N, T, H), (N, S, H).
    """
    q, k, scale = cache
    du = check_float_array(du, "du", ("N", "T", "S"),
                           {"N": q.shape[0], "T": q.shape[1], "S": k.shape[1]},
                           where="dot_scores_backward")
    dq = scale * (du @ k)                            # (N, T, S) @ (N, S, H)
    dk = scale * (du.transpose(0, 2, 1) @ q)         # (N, S, T) @ (N, T, H)
    return dq, dk


def additive_scores_forward(q, k, Wq, Wk, v):
    r"""Additive (Bahdanau) scores ``u[n, t, j] = v . tanh(Wq q[n, t] + Wk k[n, j])``.

    Parameters
    ----------
    q : ndarray, shape (N, T, H)
        Queries: the decoder states.
    k : ndarray, shape (N, S, H)
        Keys: the encoder states.
    Wq, Wk : ndarray, shape (A, H)
        Project the query and the key into the A-dimensional attention space.
    v : ndarray, shape (A,)
        Turns the A numbers of each (t, j) pair into one score.

    Returns
    -------
    u : ndarray, shape (N, T, S)
    cache : tuple
        ``(q, k, Wq, Wk, v, act)`` with ``act`` (N, T, S, A) the tanh values.
    """
    where = "additive_scores_forward"
    Wq = check_float_array(Wq, "Wq", ("A", "H"), where=where)
    A, H = Wq.shape
    Wk = check_float_array(Wk, "Wk", ("A", "H"), {"A": A, "H": H}, where=where)
    v = check_float_array(v, "v", ("A",), {"A": A}, where=where)
    q = check_float_array(q, "q", ("N", "T", "H"), {"H": H}, where=where)
    k = check_float_array(k, "k", ("N", "S", "H"), {"N": q.shape[0], "H": H}, where=where)
    q_proj = q @ Wq.T                                # (N, T, A): W_q h^dec_t for every t
    k_proj = k @ Wk.T                                # (N, S, A): W_k h^enc_j for every j
    # every pair (t, j) at once by broadcasting: (N, T, 1, A) + (N, 1, S, A)
    act = np.tanh(q_proj[:, :, None, :] + k_proj[:, None, :, :])      # (N, T, S, A)
    u = act @ v                                      # (N, T, S)
    return u, (q, k, Wq, Wk, v, act)


def additive_scores_backward(du, cache):
    """Backward pass of :func:`additive_scores_forward`.

    With ``dpre = du[..., None] * v * (1 - act**2)`` (through v and tanh), the
    query projection of step t was used by every j, so its gradient is a sum
    over j; the key projection of position j, a sum over t.

    Returns
    -------
    dq, dk, dWq, dWk, dv : ndarray
        Shapes (N, T, H), (N, S, H), (A, H), (A, H), (A,).
    """
    q, k, Wq, Wk, v, act = cache
    N, T, S, A = act.shape
    H = q.shape[2]
    du = check_float_array(du, "du", ("N", "T", "S"), {"N": N, "T": T, "S": S},
                           where="additive_scores_backward")
    dv = np.einsum("ntj,ntja->a", du, act)           # u = act . v
    dpre = du[..., None] * v * (1.0 - act ** 2)      # (N, T, S, A), through tanh
    dq_proj = dpre.sum(axis=2)                       # (N, T, A): summed over the keys j
    dk_proj = dpre.sum(axis=1)                       # (N, S, A): summed over the queries t
    dq = dq_proj @ Wq
    dk = dk_proj @ Wk
    dWq = dq_proj.reshape(N * T, A).T @ q.reshape(N * T, H)
    dWk = dk_proj.reshape(N * S, A).T @ k.reshape(N * S, H)
    return dq, dk, dWq, dWk, dv


# ------------------------------------------------------------------------------ weights
def check_mask(mask, N: int, T: int, S: int, where: str):
    """A boolean mask of shape (N, S) (one per sequence) or (N, T, S) (one per query),
    True where attending is allowed, with at least one True for every query."""
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"{where}: mask must be a boolean array (True = a real position), "
                        f"got dtype {mask.dtype}")
    if mask.shape not in ((N, S), (N, T, S)):
        raise ValueError(f"{where}: mask must have shape (N, S) = {(N, S)} or (N, T, S) = "
                         f"{(N, T, S)}, got {mask.shape}")
    if not np.all(mask.any(axis=-1)):
        bad = tuple(int(i) for i in np.argwhere(~mask.any(axis=-1))[0])
        raise ValueError(f"{where}: mask has no True entry at index {bad}: every query needs "
                         "at least one position it may attend to")
    return mask if mask.ndim == 3 else mask[:, None, :]


def masked_softmax_forward(u, mask=None):
    """Attention weights: softmax over the last axis, with masked positions set to -inf first.

    Parameters
    ----------
    u : ndarray, shape (N, T, S)
        Scores.
    mask : bool ndarray, shape (N, S) or (N, T, S), optional
        True where attending is allowed (a real symbol), False at padding.

    Returns
    -------
    alpha : ndarray, shape (N, T, S)
        Non-negative, each row summing to 1, exactly 0 where the mask is False.
    cache : tuple
        ``(alpha,)``.
    """
    where = "masked_softmax_forward"
    u = check_float_array(u, "u", ("N", "T", "S"), where=where)
    if mask is not None:
        mask = check_mask(mask, *u.shape, where)
        u = np.where(mask, u, -np.inf)               # exp(-inf) = 0: no weight at all
    alpha = softmax(u, axis=-1)
    return alpha, (alpha,)


def masked_softmax_backward(dalpha, cache):
    r"""Backward pass of :func:`masked_softmax_forward`.

    For one row, :math:`\partial \alpha_i / \partial u_j = \alpha_i(\delta_{ij} - \alpha_j)`,
    so ``du = alpha * (dalpha - sum(dalpha * alpha))``. A masked position has
    ``alpha = 0`` and therefore ``du = 0``: padding gets no gradient.

    Returns
    -------
    du : ndarray, shape (N, T, S)
    """
    (alpha,) = cache
    dalpha = check_float_array(dalpha, "dalpha", ("N", "T", "S"),
                               dict(zip("NTS", alpha.shape, strict=True)),
                               where="masked_softmax_backward")
    return alpha * (dalpha - (dalpha * alpha).sum(axis=-1, keepdims=True))


# ------------------------------------------------------------------------------ context
def context_forward(alpha, values):
    """The context vectors ``m_t = sum_j alpha_{t,j} values_j``: one batched product.

    Parameters
    ----------
    alpha : ndarray, shape (N, T, S)
        Attention weights.
    values : ndarray, shape (N, S, H)
        What is averaged: here the encoder states h^enc_j.

    Returns
    -------
    m : ndarray, shape (N, T, H)
    cache : tuple
        ``(alpha, values)``.
    """
    where = "context_forward"
    alpha = check_float_array(alpha, "alpha", ("N", "T", "S"), where=where)
    N, _, S = alpha.shape
    values = check_float_array(values, "values", ("N", "S", "H"), {"N": N, "S": S},
                               where=where)
    return alpha @ values, (alpha, values)


def context_backward(dm, cache):
    """Backward pass of :func:`context_forward`: ``m = alpha values`` per sequence.

    Returns
    -------
    dalpha, dvalues : ndarray
        Shapes (N, T, S), (N, S, H).
    """
    alpha, values = cache
    dm = check_float_array(dm, "dm", ("N", "T", "H"),
                           {"N": alpha.shape[0], "T": alpha.shape[1], "H": values.shape[2]},
                           where="context_backward")
    dalpha = dm @ values.transpose(0, 2, 1)          # (N, T, H) @ (N, H, S)
    dvalues = alpha.transpose(0, 2, 1) @ dm          # (N, S, T) @ (N, T, H)
    return dalpha, dvalues


# -------------------------------------------------------------------------------- layer
class Attention(Layer):
    r"""Attention of decoder states over encoder states: scores, masked softmax, context.

    .. math::
        \alpha_{t,j} = \mathrm{softmax}_j\, u_{t,j}, \qquad
        m_t = \sum_j \alpha_{t,j}\, h^{enc}_j

    with ``u`` the scaled dot-product or the additive score.

    Parameters
    ----------
    hidden_size : int
        H, the size of the decoder and encoder states.
    score : {"dot", "additive"}
        ``"dot"`` has no parameters; ``"additive"`` has ``Wq``, ``Wk`` (A, H) and ``v`` (A,).
    attn_size : int, optional
        A, the size of the additive score's hidden layer (default H).
    seed : int or numpy.random.Generator, optional
    dtype : float64 (default) or float32

    Attributes
    ----------
    params, grads : dict
        Empty for ``"dot"``; ``"Wq"``, ``"Wk"``, ``"v"`` for ``"additive"``.
    weights : ndarray, shape (N, T, S)
        After ``forward``: the attention weights alpha (what the heatmaps show).
    """

    def __init__(self, hidden_size: int, score: str = "dot", attn_size: int | None = None,
                 seed=None, dtype=np.float64):
        where = "Attention"
        self.hidden_size = H = check_positive_int(hidden_size, "hidden_size", where)
        if score not in SCORES:
            raise ValueError(f"{where}: score must be one of {SCORES}, got {score!r}")
        self.score = score
        self.dtype = check_dtype(dtype, where)
        self.params = {}
        if score == "additive":
            A = H if attn_size is None else check_positive_int(attn_size, "attn_size", where)
            self.attn_size = A
            rng = np.random.default_rng(seed)
            bound = 1.0 / np.sqrt(H)
            self.params = {"Wq": rng.uniform(-bound, bound, (A, H)).astype(self.dtype),
                           "Wk": rng.uniform(-bound, bound, (A, H)).astype(self.dtype),
                           "v": rng.uniform(-1.0 / np.sqrt(A), 1.0 / np.sqrt(A), A)
                           .astype(self.dtype)}
        elif attn_size is not None:
            raise ValueError(f"{where}: attn_size is a size of the additive score only; "
                             f"score='dot' has no parameters, got attn_size={attn_size}")
        self._init_grads()
        self.weights = None
        self._cache = None

    def __repr__(self) -> str:
        extra = f", attn_size={self.attn_size}" if self.score == "additive" else ""
        return f"Attention(hidden_size={self.hidden_size}, score={self.score!r}{extra})"

    def forward(self, q, k, mask=None):
        """Context vectors of the queries q over the keys (and values) k.

        Parameters
        ----------
        q : ndarray, shape (N, T, H)
            Decoder states h^dec_t.
        k : ndarray, shape (N, S, H)
            Encoder states h^enc_j (keys and values).
        mask : bool ndarray, shape (N, S) or (N, T, S), optional
            True at real positions, False at padding.

        Returns
        -------
        m : ndarray, shape (N, T, H)
        """
        where = "Attention.forward"
        H = self.hidden_size
        q = check_float_array(q, "q", ("N", "T", "H"), {"H": H}, where, self.dtype)
        k = check_float_array(k, "k", ("N", "S", "H"), {"N": q.shape[0], "H": H}, where,
                              self.dtype)
        if mask is not None:
            check_mask(mask, q.shape[0], q.shape[1], k.shape[1], where)
        if self.score == "dot":
            u, score_cache = dot_scores_forward(q, k)
        else:
            p = self.params
            u, score_cache = additive_scores_forward(q, k, p["Wq"], p["Wk"], p["v"])
        alpha, softmax_cache = masked_softmax_forward(u, mask)
        m, context_cache = context_forward(alpha, k)
        self.weights = alpha
        self._cache = (score_cache, softmax_cache, context_cache)
        return m

    def backward(self, dm):
        """Gradients with respect to the queries and the keys (fills ``grads``).

        The encoder states are used twice, as keys (in the scores) and as values
        (in the context): their gradient is the sum of the two.

        Parameters
        ----------
        dm : ndarray, shape (N, T, H)

        Returns
        -------
        dq : ndarray, shape (N, T, H)
        dk : ndarray, shape (N, S, H)
        """
        where = "Attention.backward"
        score_cache, softmax_cache, context_cache = self._need_cache(where)
        alpha = softmax_cache[0]
        dm = check_float_array(dm, "dm", ("N", "T", "H"),
                               {"N": alpha.shape[0], "T": alpha.shape[1],
                                "H": self.hidden_size}, where, self.dtype)
        dalpha, dvalues = context_backward(dm, context_cache)
        du = masked_softmax_backward(dalpha, softmax_cache)
        if self.score == "dot":
            dq, dkeys = dot_scores_backward(du, score_cache)
        else:
            dq, dkeys, dWq, dWk, dv = additive_scores_backward(du, score_cache)
            self._set_grads(Wq=dWq, Wk=dWk, v=dv)
        return dq, dkeys + dvalues
