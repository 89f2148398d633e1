"""Attention as pure functions and as a layer: forward against loops, backward against
central differences (masks included), and the padding helpers of recurrent.py."""

import numpy as np
import pytest

import minirnn as mr
from conftest import SHAPES, loss_probe
from minirnn import attention as A
from minirnn.gradcheck import gradient_check, numerical_gradient, relative_error
from minirnn.recurrent import backward_to_state, state_at

# SHAPES are (N, T, D, H); attention reads them as (N, T, S, H): S source positions, so
# the general case, a single sequence, a single query step, S = 1 and S != H are all covered.


def _qk(rng, N, T, S, H):
    return rng.standard_normal((N, T, H)), rng.standard_normal((N, S, H))


def _right_padding_mask(rng, N, S):
    """A random mask with at least one real position per row, real positions first."""
    lengths = rng.integers(1, S + 1, size=N)
    return np.arange(S) < lengths[:, None]


# ------------------------------------------------------------------------ dot scores
@pytest.mark.parametrize("N,T,S,H", SHAPES)
def test_dot_scores_equal_a_loop_of_dot_products(N, T, S, H, rng):
    q, k = _qk(rng, N, T, S, H)
    u, _ = A.dot_scores_forward(q, k)
    for n in range(N):
        for t in range(T):
            for j in range(S):
                assert u[n, t, j] == pytest.approx(q[n, t] @ k[n, j] / np.sqrt(H), abs=1e-12)
    u2, _ = A.dot_scores_forward(q, k, scale=1.0)
    np.testing.assert_allclose(u2, u * np.sqrt(H))


@pytest.mark.parametrize("N,T,S,H", SHAPES)
def test_dot_scores_backward(N, T, S, H, rng):
    q, k = _qk(rng, N, T, S, H)
    u, cache = A.dot_scores_forward(q, k)
    G = loss_probe(u, rng)
    dq, dk = A.dot_scores_backward(G, cache)
    assert gradient_check(lambda: np.sum(A.dot_scores_forward(q, k)[0] * G),
                          {"q": q, "k": k}, {"q": dq, "k": dk}) < 1e-7


# ------------------------------------------------------------------- additive scores
@pytest.mark.parametrize("N,T,S,H", SHAPES)
def test_additive_scores_equal_a_loop(N, T, S, H, rng):
    q, k = _qk(rng, N, T, S, H)
    Asz = H + 1
    Wq, Wk, v = (rng.standard_normal((Asz, H)), rng.standard_normal((Asz, H)),
                 rng.standard_normal(Asz))
    u, _ = A.additive_scores_forward(q, k, Wq, Wk, v)
    assert u.shape == (N, T, S)
    for n in range(N):
        for t in range(T):
            for j in range(S):
                expected = v @ np.tanh(Wq @ q[n, t] + Wk @ k[n, j])
                assert u[n, t, j] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("N,T,S,H", SHAPES)
def test_additive_scores_backward(N, T, S, H, rng):
    q, k = _qk(rng, N, T, S, H)
    Asz = 3
    p = {"q": q, "k": k, "Wq": rng.standard_normal((Asz, H)) * 0.5,
         "Wk": rng.standard_normal((Asz, H)) * 0.5, "v": rng.standard_normal(Asz)}

    def f():
        return A.additive_scores_forward(p["q"], p["k"], p["Wq"], p["Wk"], p["v"])[0]
    G = loss_probe(f(), rng)
    _, cache = A.additive_scores_forward(p["q"], p["k"], p["Wq"], p["Wk"], p["v"])
    dq, dk, dWq, dWk, dv = A.additive_scores_backward(G, cache)
    grads = {"q": dq, "k": dk, "Wq": dWq, "Wk": dWk, "v": dv}
    assert gradient_check(lambda: np.sum(f() * G), p, grads) < 1e-7


# ----------------------------------------------------------------- masked softmax
@pytest.mark.parametrize("N,T,S,H", SHAPES)
@pytest.mark.parametrize("masked", [False, True])
def test_masked_softmax_forward_and_backward(N, T, S, H, masked, rng):
    u = rng.standard_normal((N, T, S)) * 2
    mask = _right_padding_mask(rng, N, S) if masked else None
    alpha, cache = A.masked_softmax_forward(u, mask)
    np.testing.assert_allclose(alpha.sum(axis=-1), 1.0)
    if masked:
        assert np.all(alpha[~np.broadcast_to(mask[:, None], alpha.shape)] == 0.0)
        # the real positions share the weight as an unmasked softmax over them alone
        for n in range(N):
            real = mask[n]
            np.testing.assert_allclose(alpha[n][:, real], mr.softmax(u[n][:, real]))
    G = loss_probe(alpha, rng)
    du = A.masked_softmax_backward(G, cache)
    num = numerical_gradient(lambda: np.sum(A.masked_softmax_forward(u, mask)[0] * G), u)
    assert relative_error(du, num) < 1e-7
    if masked:     # padding gets no gradient at all
        assert np.all(du[~np.broadcast_to(mask[:, None], du.shape)] == 0.0)


def test_masked_softmax_per_query_mask_and_huge_scores(rng):
    u = np.array([[[1000.0, 0.0, -5.0], [3.0, 2000.0, 1.0]]])       # would overflow exp
    mask = np.array([[[False, True, True], [True, False, True]]])     # (N, T, S)
    alpha, _ = A.masked_softmax_forward(u, mask)
    assert np.all(np.isfinite(alpha))
    np.testing.assert_allclose(alpha[0, 0], [0.0, *mr.softmax(np.array([0.0, -5.0]))])
    np.testing.assert_allclose(alpha[0, 1], [mr.softmax(np.array([3.0, 1.0]))[0], 0.0,
                                             mr.softmax(np.array([3.0, 1.0]))[1]])


def test_mask_errors():
    u = np.zeros((2, 3, 4))
    with pytest.raises(TypeError, match="boolean"):
        A.masked_softmax_forward(u, np.ones((2, 4), dtype=int))
    with pytest.raises(ValueError, match=r"shape \(N, S\) = \(2, 4\)"):
        A.masked_softmax_forward(u, np.ones((2, 3), dtype=bool))
    bad = np.ones((2, 4), dtype=bool)
    bad[1] = False
    with pytest.raises(ValueError, match=r"no True entry at index \(1,\)"):
        A.masked_softmax_forward(u, bad)


# --------------------------------------------------------------------------- context
@pytest.mark.parametrize("N,T,S,H", SHAPES)
def test_context_forward_and_backward(N, T, S, H, rng):
    alpha = mr.softmax(rng.standard_normal((N, T, S)))
    values = rng.standard_normal((N, S, H))
    m, cache = A.context_forward(alpha, values)
    for n in range(N):
        for t in range(T):
            np.testing.assert_allclose(m[n, t], sum(alpha[n, t, j] * values[n, j]
                                                    for j in range(S)))
    G = loss_probe(m, rng)
    dalpha, dvalues = A.context_backward(G, cache)
    assert gradient_check(lambda: np.sum(A.context_forward(alpha, values)[0] * G),
                          {"alpha": alpha, "values": values},
                          {"alpha": dalpha, "values": dvalues}) < 1e-7


# ------------------------------------------------------------------------ the layer
@pytest.mark.parametrize("N,T,S,H", SHAPES)
@pytest.mark.parametrize("score", ["dot", "additive"])
@pytest.mark.parametrize("masked", [False, True])
def test_attention_layer_gradients(N, T, S, H, score, masked, rng):
    layer = mr.Attention(H, score=score, attn_size=3 if score == "additive" else None, seed=0)
    for v in layer.params.values():        # larger weights: gradients well above the noise
        v *= 3.0
    q, k = _qk(rng, N, T, S, H)
    mask = _right_padding_mask(rng, N, S) if masked else None
    G = loss_probe(layer.forward(q, k, mask), rng)
    dq, dk = layer.backward(G)

    def f():
        return np.sum(layer.forward(q, k, mask) * G)
    assert relative_error(dq, numerical_gradient(f, q)) < 1e-7
    assert relative_error(dk, numerical_gradient(f, k)) < 1e-7
    if layer.params:
        assert gradient_check(f, layer.params, {kk: g.copy() for kk, g in
                                                layer.grads.items()}) < 1e-7
    if masked:     # padded encoder states neither are read nor get a gradient
        np.testing.assert_array_equal(dk[~mask], 0.0)


def test_attention_layer_is_the_three_functions(rng):
    q, k = _qk(rng, 2, 3, 4, 5)
    mask = np.array([[True] * 4, [True, True, False, False]])
    layer = mr.Attention(5, seed=0)
    m = layer.forward(q, k, mask)
    u, _ = A.dot_scores_forward(q, k)
    alpha, _ = A.masked_softmax_forward(u, mask)
    np.testing.assert_array_equal(layer.weights, alpha)
    np.testing.assert_array_equal(m, A.context_forward(alpha, k)[0])
    assert layer.params == {} and layer.num_params == 0
    add = mr.Attention(5, score="additive", attn_size=7, seed=0)
    assert {k: v.shape for k, v in add.params.items()} == {"Wq": (7, 5), "Wk": (7, 5),
                                                            "v": (7,)}
    assert repr(add) == "Attention(hidden_size=5, score='additive', attn_size=7)"


def test_attention_layer_float32_and_errors(rng):
    layer = mr.Attention(4, score="additive", seed=0, dtype=np.float32)
    q, k = _qk(rng, 2, 3, 5, 4)
    m = layer.forward(q, k)
    assert m.dtype == np.float32 and layer.params["Wq"].dtype == np.float32
    dq, dk = layer.backward(np.ones_like(m))
    assert dq.dtype == np.float32 and layer.grads["v"].dtype == np.float32
    with pytest.raises(ValueError, match="score must be one of"):
        mr.Attention(4, score="cosine")
    with pytest.raises(ValueError, match="attn_size is a size of the additive score"):
        mr.Attention(4, score="dot", attn_size=3)
    with pytest.raises(ValueError, match=r"Attention.forward: k axis 2 \(H\) must have size 4"):
        mr.Attention(4).forward(q, np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="Attention.backward called before forward"):
        mr.Attention(4).backward(np.zeros((2, 3, 4)))


# --------------------------------------------------- the loss and the scores, masked
def test_masked_cross_entropy(rng):
    logits = rng.standard_normal((3, 4, 5))
    y = rng.integers(0, 5, size=(3, 4))
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]], dtype=bool)
    loss, dlogits = mr.softmax_cross_entropy(logits, y, mask)
    logp = mr.log_softmax(logits)
    picked = np.take_along_axis(logp, y[..., None], axis=-1)[..., 0]
    assert loss == pytest.approx(-picked[mask].mean())
    np.testing.assert_array_equal(dlogits[~mask], 0.0)
    num = numerical_gradient(lambda: mr.softmax_cross_entropy(logits, y, mask)[0], logits)
    assert relative_error(dlogits, num) < 1e-7
    # what stands at a masked position does not matter at all
    y2, logits2 = y.copy(), logits.copy()
    y2[~mask], logits2[~mask] = 0, 100.0
    assert mr.softmax_cross_entropy(logits2, y2, mask)[0] == loss
    # the mask of all True is the plain mean
    full = mr.softmax_cross_entropy(logits, y)
    assert mr.softmax_cross_entropy(logits, y, np.ones_like(mask))[0] == full[0]
    with pytest.raises(ValueError, match="mask must be a boolean array of the targets' shape"):
        mr.softmax_cross_entropy(logits, y, mask[:, :2])
    with pytest.raises(ValueError, match="False everywhere"):
        mr.softmax_cross_entropy(logits, y, np.zeros_like(mask))


def test_masked_metrics():
    from minirnn.metrics import exact_match, token_accuracy
    y = np.array([[1, 2, 9, 9], [3, 9, 9, 9]])
    pred = np.array([[1, 2, 0, 0], [4, 9, 9, 9]])
    mask = y != 9
    assert token_accuracy(pred, y, mask) == pytest.approx(2 / 3)
    assert exact_match(pred, y, mask) == 0.5
    assert token_accuracy(pred, y) == pytest.approx(5 / 8)
    with pytest.raises(ValueError, match="mask must be a boolean array"):
        exact_match(pred, y, mask.astype(int))


# ------------------------------------------------ states after each row's own last step
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_state_at_last_real_step_equals_running_each_row_alone(cell, rng):
    """Right padding leaves the real steps alone; state_at reads the state after them."""
    layer = mr.recurrent.recurrent_layer(cell, 3, 4, seed=0)
    lengths = np.array([5, 2, 1, 4])
    xs = rng.standard_normal((4, 5, 3))
    layer.forward(xs)
    state = state_at(layer, lengths - 1)
    for n, L in enumerate(lengths):
        alone = mr.recurrent.recurrent_layer(cell, 3, 4, seed=0)
        alone.forward(xs[n:n + 1, :L])
        expected = mr.recurrent.final_state(alone)
        if cell == "lstm":
            np.testing.assert_allclose(state[0][n], expected[0][0])
            np.testing.assert_allclose(state[1][n], expected[1][0])
        else:
            np.testing.assert_allclose(state[n], expected[0])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_backward_to_state_at_steps(cell, rng):
    """L = sum(G * hs) + sum(Gs * state at the steps): every gradient against differences."""
    layer = mr.recurrent.recurrent_layer(cell, 3, 4, seed=0)
    steps = np.array([4, 1, 0])
    xs = rng.standard_normal((3, 5, 3))
    G = rng.standard_normal((3, 5, 4))
    Gs = [rng.standard_normal((3, 4)) for _ in range(2)]

    def f():
        hs = layer.forward(xs)
        state = state_at(layer, steps)
        parts = state if cell == "lstm" else (state,)
        return np.sum(hs * G) + sum(np.sum(p * g) for p, g in zip(parts, Gs, strict=False))
    f()
    dstate = (Gs[0], Gs[1]) if cell == "lstm" else Gs[0]
    dxs, _ = backward_to_state(layer, G, dstate, steps)
    assert relative_error(dxs, numerical_gradient(f, xs)) < 1e-7
    grads = {k: g.copy() for k, g in layer.grads.items()}
    assert gradient_check(f, layer.params, grads) < 1e-7


def test_state_at_rejects_bad_steps():
    layer = mr.RNN(2, 3, seed=0)
    layer.forward(np.zeros((2, 4, 2)))
    with pytest.raises(ValueError, match=r"steps must lie in \[0, 4\)"):
        state_at(layer, np.array([0, 4]))
    with pytest.raises(ValueError, match=r"integer array of shape \(2,\)"):
        state_at(layer, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="called before forward"):
        state_at(mr.RNN(2, 3), np.array([0]))
