"""Workbook checks of attention (chapter 8): scores, masked softmax weights, context.

References: :func:`minirnn.attention.dot_scores_forward` /
:func:`~minirnn.attention.dot_scores_backward`,
:func:`~minirnn.attention.additive_scores_forward` /
:func:`~minirnn.attention.additive_scores_backward`,
:func:`~minirnn.attention.masked_softmax_forward` /
:func:`~minirnn.attention.masked_softmax_backward`,
:func:`~minirnn.attention.context_forward` /
:func:`~minirnn.attention.context_backward`. Queries ``q`` are (N, T, H), keys
``k`` (N, S, H); scores and weights (N, T, S); the additive score's hidden size
is A. Every case has S source positions different from T and H, so a score
array of the wrong orientation is named by its shape. The masks are right-padded
and every row has at least one real and (when S > 1) at least one padded
position, so that a mask ignored, applied after the softmax or read the wrong
way round is seen.

Typical mistakes recognised: the dot product not scaled, or divided by H
instead of sqrt(H); the softmax over the wrong axis, the mask ignored, applied
after the softmax, or turned into a score of 0 instead of -inf; the softmax
backward without its sum term or with the diagonal of the Jacobian only; the
context without the weights; the additive score without its tanh, with
sigmoid, or with the two projections swapped, and its backward without tanh'.
"""

from __future__ import annotations

import numpy as np

from ..attention import (
    additive_scores_backward,
    additive_scores_forward,
    context_backward,
    context_forward,
    dot_scores_backward,
    dot_scores_forward,
    masked_softmax_backward,
    masked_softmax_forward,
)
from ..losses import softmax
from ._spec import Case, Mistake, backward_spec, default_cases, forward_spec, register

# S (source positions) and A (the additive score's hidden size) are distinct from
# N, T and H in every default case: (N, T, S, H, A) = (3, 4, 5, 6, 7), (1, 4, 3, 2, 5),
# (3, 1, 2, 4, 6), (4, 2, 6, 3, 8).
CASES = default_cases(S=lambda s: s["D"], A=lambda s: s["V"])
# A softmax of scores that are all -inf is nan: with a mask, that is a softmax taken
# over an axis on which some row has no real position.
MASK_CASES = tuple(Case(c.sizes, hint="a nan from the softmax means a row whose scores are "
                        "all -inf: take the softmax over the source positions j, the last "
                        "axis, where every row has a real position") for c in CASES)


def _mask(case, rng):
    """A right-padded mask (N, S): each row has 1 to S-1 real positions (1 if S = 1)."""
    N, S = case.sizes["N"], case.sizes["S"]
    lengths = rng.integers(1, max(S, 2), size=N)
    return np.arange(S) < lengths[:, None]


_mask.axes = ("N", "S")
_mask.is_ids = True           # not a float input: it has no gradient


# ------------------------------------------------------------------------- dot scores
def _dot(d, scale):
    q, k = d.inputs["q"], d.inputs["k"]
    return {"u": scale(q.shape[-1]) * (q @ k.transpose(0, 2, 1))}


register(forward_spec(
    "dot_scores_forward", dot_scores_forward, {"q": ("N", "T", "H"), "k": ("N", "S", "H")},
    {"u": ("N", "T", "S")}, cache=("q", "k", "scale"), cases=CASES,
    mistakes=[
        Mistake("the scale is missing: divide the dot products by sqrt(H)",
                lambda d: _dot(d, lambda H: 1.0)),
        Mistake("divided by H; the scale is 1/sqrt(H)", lambda d: _dot(d, lambda H: 1.0 / H)),
    ]))


def _dot_grads(d, factor=1.0):
    q, k, scale = d.cache
    du = d.upstream["du"]
    return {"dq": factor * scale * (du @ k), "dk": factor * scale * (du.transpose(0, 2, 1) @ q)}


register(backward_spec(
    "dot_scores_backward", dot_scores_backward, forward="dot_scores_forward",
    mistakes=[
        Mistake("the scale is missing from the gradients: u = scale * q k^T, so both dq and "
                "dk carry the factor scale", lambda d: _dot_grads(d, 1.0 / d.cache[2])),
    ]))


# -------------------------------------------------------------------- additive scores
def _additive(d, act=np.tanh, swap=False):
    q, k, Wq, Wk, v = d.inputs.values()
    if swap:
        Wq, Wk = Wk, Wq
    pre = (q @ Wq.T)[:, :, None, :] + (k @ Wk.T)[:, None, :, :]
    return {"u": act(pre) @ v}


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


register(forward_spec(
    "additive_scores_forward", additive_scores_forward,
    {"q": ("N", "T", "H"), "k": ("N", "S", "H"), "Wq": ("A", "H"), "Wk": ("A", "H"),
     "v": ("A",)},
    {"u": ("N", "T", "S")}, cache=("q", "k", "Wq", "Wk", "v", "act"), cases=CASES,
    mistakes=[
        Mistake("the tanh is missing: u = v . tanh(Wq q_t + Wk k_j)",
                lambda d: _additive(d, act=lambda x: x)),
        Mistake("sigmoid instead of tanh: u = v . tanh(Wq q_t + Wk k_j)",
                lambda d: _additive(d, act=_sigmoid)),
        Mistake("the projections are swapped: Wq projects the query q (the decoder state), "
                "Wk the key k", lambda d: _additive(d, swap=True)),
    ]))


def _additive_grads(d, slope=True, k_through="Wk"):
    q, k, Wq, Wk, v, act = d.cache
    du = d.upstream["du"]
    N, T, S, A = act.shape
    H = q.shape[2]
    dpre = du[..., None] * v * ((1.0 - act ** 2) if slope else 1.0)
    dq_proj, dk_proj = dpre.sum(axis=2), dpre.sum(axis=1)
    return {"dq": dq_proj @ Wq, "dk": dk_proj @ (Wk if k_through == "Wk" else Wq),
            "dWq": dq_proj.reshape(N * T, A).T @ q.reshape(N * T, H),
            "dWk": dk_proj.reshape(N * S, A).T @ k.reshape(N * S, H),
            "dv": np.einsum("ntj,ntja->a", du, act)}


register(backward_spec(
    "additive_scores_backward", additive_scores_backward, forward="additive_scores_forward",
    mistakes=[
        Mistake("the tanh derivative is missing: dpre = du * v * (1 - act**2)",
                lambda d: _additive_grads(d, slope=False)),
        Mistake("dk goes back through Wq; the key was projected by Wk: dk = dk_proj @ Wk",
                lambda d: _additive_grads(d, k_through="Wq")),
    ]))


# --------------------------------------------------------------------- masked softmax
def _weights(d, axis=-1, use_mask=True, after=False, fill=-np.inf):
    u, mask = d.inputs["u"], d.inputs["mask"][:, None, :]
    if use_mask and not after:
        u = np.where(mask, u, fill)
    alpha = softmax(u, axis=axis)
    return {"alpha": alpha * mask if after else alpha}


register(forward_spec(
    "masked_softmax_forward", masked_softmax_forward,
    {"u": ("N", "T", "S"), "mask": _mask}, {"alpha": ("N", "T", "S")}, cache=("alpha",),
    cases=MASK_CASES,
    mistakes=[
        Mistake("the mask is ignored: give the padded positions the score -inf before the "
                "softmax", lambda d: _weights(d, use_mask=False)),
        Mistake("the mask is applied after the softmax: the real weights then no longer sum "
                "to 1; set the padded scores to -inf BEFORE the softmax",
                lambda d: _weights(d, after=True)),
        Mistake("the padded scores are set to 0, and exp(0) = 1 still gives them weight: "
                "set them to -inf", lambda d: _weights(d, fill=0.0)),
        Mistake("the softmax is taken over the queries (axis 1); take it over the source "
                "positions j, the last axis", lambda d: _weights(d, axis=1, use_mask=False)),
    ]))


def _softmax_grads(d, how):
    (alpha,) = d.cache
    da = d.upstream["dalpha"]
    if how == "no-sum":
        return {"du": alpha * da}
    if how == "diagonal":
        return {"du": alpha * (1.0 - alpha) * da}
    if how == "sum-of-dalpha":
        return {"du": alpha * (da - da.sum(axis=-1, keepdims=True))}
    return {"du": alpha * (da - (da * alpha).sum(axis=1, keepdims=True))}   # wrong axis


register(backward_spec(
    "masked_softmax_backward", masked_softmax_backward, forward="masked_softmax_forward",
    mistakes=[
        Mistake("the sum term is missing: du = alpha * (dalpha - sum_j alpha_j dalpha_j), "
                "because every weight depends on every score",
                lambda d: _softmax_grads(d, "no-sum")),
        Mistake("alpha * (1 - alpha) * dalpha is only the diagonal of the softmax's Jacobian; "
                "du = alpha * (dalpha - sum_j alpha_j dalpha_j)",
                lambda d: _softmax_grads(d, "diagonal")),
        Mistake("the sum subtracts sum_j dalpha_j; it is sum_j alpha_j dalpha_j",
                lambda d: _softmax_grads(d, "sum-of-dalpha")),
        Mistake("the sum is taken over the queries (axis 1); sum over j, the last axis",
                lambda d: _softmax_grads(d, "axis")),
    ]))


# ---------------------------------------------------------------------------- context
register(forward_spec(
    "context_forward", context_forward, {"alpha": ("N", "T", "S"), "values": ("N", "S", "H")},
    {"m": ("N", "T", "H")}, cache=("alpha", "values"), cases=CASES,
    mistakes=[
        Mistake("the weights are not used: m_t = sum_j alpha_tj values_j, not the plain sum "
                "of the values", lambda d: {"m": np.broadcast_to(
                    d.inputs["values"].sum(axis=1, keepdims=True),
                    d.inputs["alpha"].shape[:2] + d.inputs["values"].shape[2:])}),
    ]))

register(backward_spec("context_backward", context_backward, forward="context_forward"))
