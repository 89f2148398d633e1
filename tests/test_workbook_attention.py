"""minirnn.workbook on chapter 8's attention functions: planted bugs get the right diagnosis."""

import numpy as np
import pytest

import minirnn as mr
from minirnn import workbook
from minirnn.losses import softmax

NAMES = ["dot_scores_forward", "dot_scores_backward", "additive_scores_forward",
         "additive_scores_backward", "masked_softmax_forward", "masked_softmax_backward",
         "context_forward", "context_backward"]


def test_the_attention_functions_are_all_there():
    assert set(NAMES) <= set(workbook.names())
    for name in NAMES:
        assert workbook.reference(name) is getattr(mr, name)


# ----------------------------------------------------------------- planted bugs
def dot_unscaled(q, k):
    return q @ k.transpose(0, 2, 1), (q, k, 1.0)


def dot_over_h(q, k):
    return q @ k.transpose(0, 2, 1) / q.shape[-1], (q, k, 1.0 / q.shape[-1])


def dot_keys_first(q, k):           # (N, S, T): the scores the wrong way round
    s = 1 / np.sqrt(q.shape[-1])
    return s * (k @ q.transpose(0, 2, 1)), (q, k, s)


def dot_bwd_no_scale(du, cache):
    q, k, scale = cache
    return du @ k, du.transpose(0, 2, 1) @ q


def dot_bwd_dk_sign(du, cache):
    q, k, scale = cache
    return scale * (du @ k), scale * (q.transpose(0, 2, 1) @ du).transpose(0, 2, 1) * -1


def softmax_no_mask(u, mask):
    alpha = softmax(u)
    return alpha, (alpha,)


def softmax_mask_after(u, mask):
    alpha = softmax(u) * mask[:, None, :]
    return alpha, (alpha,)


def softmax_zero_fill(u, mask):
    alpha = softmax(np.where(mask[:, None, :], u, 0.0))
    return alpha, (alpha,)


def softmax_wrong_axis(u, mask):
    alpha = softmax(np.where(mask[:, None, :], u, -np.inf), axis=1)
    return alpha, (alpha,)


def softmax_wrong_axis_no_mask(u, mask):
    alpha = softmax(u, axis=1)
    return alpha, (alpha,)


def softmax_bwd(how):
    def masked_softmax_backward(dalpha, cache):
        (alpha,) = cache
        if how == "no-sum":
            return alpha * dalpha
        if how == "diagonal":
            return alpha * (1 - alpha) * dalpha
        return alpha * (dalpha - dalpha.sum(axis=-1, keepdims=True))
    return masked_softmax_backward


def additive(act=np.tanh, swap=False):
    def additive_scores_forward(q, k, Wq, Wk, v):
        if swap:
            Wq, Wk = Wk, Wq
        a = act((q @ Wq.T)[:, :, None, :] + (k @ Wk.T)[:, None, :, :])
        return a @ v, (q, k, Wq, Wk, v, a)
    return additive_scores_forward


def additive_bwd(slope=True, dv_sum=True, k_through="Wk"):
    def additive_scores_backward(du, cache):
        q, k, Wq, Wk, v, act = cache
        N, T, S, A = act.shape
        dpre = du[..., None] * v * ((1 - act ** 2) if slope else 1.0)
        dq_proj, dk_proj = dpre.sum(axis=2), dpre.sum(axis=1)
        Wk_used = Wk if k_through == "Wk" else Wq
        dv = np.einsum("ntj,ntja->a", du, act) if dv_sum else np.einsum("ntj,ntja->ja", du, act)
        dWq = dq_proj.reshape(-1, A).T @ q.reshape(-1, q.shape[2])
        dWk = dk_proj.reshape(-1, A).T @ k.reshape(-1, k.shape[2])
        return dq_proj @ Wq, dk_proj @ Wk_used, dWq, dWk, dv
    return additive_scores_backward


def context_plain_sum(alpha, values):
    m = np.broadcast_to(values.sum(axis=1, keepdims=True),
                        alpha.shape[:2] + values.shape[2:]).copy()
    return m, (alpha, values)


def context_bwd_half(dm, cache):
    alpha, values = cache
    return dm @ values.transpose(0, 2, 1), 0.5 * alpha.transpose(0, 2, 1) @ dm


CATALOGUE = [
    ("dot_scores_forward", dot_unscaled, "u", "the scale is missing"),
    ("dot_scores_forward", dot_over_h, "u", "divided by H"),
    ("dot_scores_forward", dot_keys_first, "u", "shape (N, S, T) = (3, 5, 4), expected (N, T, S)"),
    ("dot_scores_backward", dot_bwd_no_scale, "dq, dk", "the scale is missing"),
    ("dot_scores_backward", dot_bwd_dk_sign, "dk", "wrong sign"),
    ("masked_softmax_forward", softmax_no_mask, "alpha", "the mask is ignored"),
    ("masked_softmax_forward", softmax_mask_after, "alpha", "applied after the softmax"),
    ("masked_softmax_forward", softmax_zero_fill, "alpha", "set to 0"),
    ("masked_softmax_forward", softmax_wrong_axis, "alpha", "take the softmax over the source"),
    ("masked_softmax_forward", softmax_wrong_axis_no_mask, "alpha", "over the queries"),
    ("masked_softmax_backward", softmax_bwd("no-sum"), "du", "the sum term is missing"),
    ("masked_softmax_backward", softmax_bwd("diagonal"), "du", "only the diagonal"),
    ("masked_softmax_backward", softmax_bwd("dalpha"), "du", "it is sum_j alpha_j dalpha_j"),
    ("additive_scores_forward", additive(act=lambda x: x), "u", "the tanh is missing"),
    ("additive_scores_forward", additive(act=lambda x: 1 / (1 + np.exp(-x))), "u",
     "sigmoid instead of tanh"),
    ("additive_scores_forward", additive(swap=True), "u", "the projections are swapped"),
    ("additive_scores_backward", additive_bwd(slope=False), "dq, dk, dWq, dWk",
     "the tanh derivative is missing"),
    ("additive_scores_backward", additive_bwd(dv_sum=False), "dv", "shape"),
    ("additive_scores_backward", additive_bwd(k_through="Wq"), "dk", "dk goes back through Wq"),
    ("context_forward", context_plain_sum, "m", "the weights are not used"),
    ("context_backward", context_bwd_half, "dvalues", "1/2 of the right answer"),
]


@pytest.mark.parametrize("name, fn, outputs, phrase", CATALOGUE,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CATALOGUE)])
def test_a_planted_bug_is_diagnosed(name, fn, outputs, phrase):
    result = workbook.check(name, fn)
    assert not result.passed, str(result)
    lines = [line.strip() for line in str(result).splitlines()[1:]]
    assert any(line.startswith(f"{outputs}: ") and phrase in line for line in lines), \
        f"expected '{outputs}: ...{phrase}...' in\n{result}"


def test_a_scale_in_the_cache_is_compared_as_a_number():
    def dot_wrong_cache(q, k):
        s = 1 / np.sqrt(q.shape[-1])
        return s * (q @ k.transpose(0, 2, 1)), (q, k, 1.0)    # the scale of the cache is 1
    result = workbook.check("dot_scores_forward", dot_wrong_cache)
    assert "cache: entry 2 should be scale" in str(result)
