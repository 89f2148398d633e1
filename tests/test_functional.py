import numpy as np
import pytest

import minirnn as mr
from conftest import SHAPES


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_rnn_step_backward_matches_numerical_gradient(N, T, D, H, rng):
    x = rng.standard_normal((N, D))
    h_prev = rng.standard_normal((N, H))
    Wx = rng.standard_normal((H, D)) * 0.5
    Wh = rng.standard_normal((H, H)) * 0.5
    b = rng.standard_normal(H)
    dh = rng.standard_normal((N, H))
    h, cache = mr.rnn_step_forward(x, h_prev, Wx, Wh, b)
    grads = mr.rnn_step_backward(dh, cache)
    arrays = {"x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "b": b}

    def f():
        return float(np.sum(mr.rnn_step_forward(x, h_prev, Wx, Wh, b)[0] * dh))

    assert mr.gradient_check(f, arrays, dict(zip(arrays, grads, strict=True))) < 1e-6


def test_rnn_step_forward_is_the_equation(rng):
    x, h_prev = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    Wx, Wh, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 4)), rng.standard_normal(4)
    h, _ = mr.rnn_step_forward(x, h_prev, Wx, Wh, b)
    # column form, one example at a time: h_t = tanh(W_x x_t + W_h h_{t-1} + b)
    for n in range(2):
        expected = np.tanh(Wx @ x[n] + Wh @ h_prev[n] + b)
        np.testing.assert_allclose(h[n], expected, rtol=1e-12)


def test_rnn_step_shape_errors_name_the_axis(rng):
    Wx, Wh, b = np.zeros((4, 3)), np.zeros((4, 4)), np.zeros(4)
    with pytest.raises(ValueError, match=r"x axis 1 \(D\) must have size 3, got shape \(2, 5\)"):
        mr.rnn_step_forward(np.zeros((2, 5)), np.zeros((2, 4)), Wx, Wh, b)
    with pytest.raises(ValueError, match=r"h_prev axis 0 \(N\) must have size 2"):
        mr.rnn_step_forward(np.zeros((2, 3)), np.zeros((3, 4)), Wx, Wh, b)
    with pytest.raises(ValueError, match=r"Wh axis 1 \(H\) must have size 4"):
        mr.rnn_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), Wx, np.zeros((4, 5)), b)
    with pytest.raises(TypeError, match="x must be a floating-point array, got dtype int64"):
        mr.rnn_step_forward(np.zeros((2, 3), dtype=np.int64), np.zeros((2, 4)), Wx, Wh, b)


def test_softmax_is_stable_for_huge_logits():
    z = np.array([[1e300, 0.0, -1e300], [1000.0, 1000.0, 1000.0]])
    p = mr.softmax(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[1], 1 / 3)
    logp = mr.log_softmax(np.array([[1e4, 0.0]]))
    assert np.isfinite(logp).all() and logp[0, 1] == -1e4


def test_cross_entropy_value_gradient_and_perplexity(rng):
    N, T, V = 2, 3, 5
    logits = rng.standard_normal((N, T, V))
    targets = rng.integers(0, V, (N, T))
    loss, dlogits = mr.softmax_cross_entropy(logits, targets)
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    expected = -np.mean(np.log(np.take_along_axis(p, targets[..., None], -1)))
    assert loss == pytest.approx(expected, rel=1e-12)
    err = mr.gradient_check(lambda: mr.softmax_cross_entropy(logits, targets)[0], logits, dlogits)
    assert err < 1e-6
    # uniform scores: perplexity is exactly the number of choices
    loss_u, _ = mr.softmax_cross_entropy(np.zeros((N, T, V)), targets)
    assert np.exp(loss_u) == pytest.approx(V)


def test_cross_entropy_huge_logits_no_nan():
    logits = np.array([[[1e6, -1e6, 0.0]]])
    loss, d = mr.softmax_cross_entropy(logits, np.array([[1]]))
    assert loss == pytest.approx(2e6) and np.isfinite(d).all()
    loss, _ = mr.softmax_cross_entropy(logits, np.array([[0]]))
    assert loss == 0.0


def test_cross_entropy_many_to_one_shapes(rng):
    logits = rng.standard_normal((4, 3))
    targets = np.array([0, 2, 1, 2])
    loss, d = mr.softmax_cross_entropy(logits, targets)
    assert d.shape == (4, 3)
    assert mr.gradient_check(lambda: mr.softmax_cross_entropy(logits, targets)[0],
                             logits, d) < 1e-6


def test_cross_entropy_bad_targets():
    with pytest.raises(ValueError, match=r"token ids in \[0, 5\).*got 7 at index \(0, 1\)"):
        mr.softmax_cross_entropy(np.zeros((1, 2, 5)), np.array([[0, 7]]))
    with pytest.raises(ValueError, match=r"targets must have shape \(1, 2\).*got \(2, 1\)"):
        mr.softmax_cross_entropy(np.zeros((1, 2, 5)), np.array([[0], [1]]))
    with pytest.raises(TypeError, match="integer token ids, got dtype float64"):
        mr.softmax_cross_entropy(np.zeros((1, 2, 5)), np.array([[0.0, 1.0]]))


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_rnn_forward_backward_whole_sequence_gradient_check(N, T, D, H, rng):
    xs, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    Wx, Wh = rng.standard_normal((H, D)) * 0.5, rng.standard_normal((H, H)) * 0.5
    b = rng.standard_normal(H) * 0.1
    G = rng.standard_normal((N, T, H))
    hs, cache = mr.rnn_forward(xs, h0, Wx, Wh, b)
    grads = mr.rnn_backward(G, cache)
    arrays = {"xs": xs, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b}

    def f():
        return float(np.sum(mr.rnn_forward(xs, h0, Wx, Wh, b)[0] * G))

    assert mr.gradient_check(f, arrays, dict(zip(arrays, grads, strict=True))) < 1e-6


def test_rnn_forward_is_a_loop_of_steps_and_the_layer_calls_it(rng):
    N, T, D, H = 2, 6, 3, 4
    xs, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    rnn = mr.RNN(D, H, seed=0)
    p = rnn.params
    hs, _ = mr.rnn_forward(xs, h0, p["Wx"], p["Wh"], p["b"])
    h = h0
    for t in range(T):
        h, _ = mr.rnn_step_forward(xs[:, t], h, p["Wx"], p["Wh"], p["b"])
        np.testing.assert_allclose(hs[:, t], h, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(rnn.forward(xs, h0), hs)


def test_embedding_backward_adds_repeated_ids(rng):
    W = rng.standard_normal((5, 3))
    ids = np.array([[1, 1, 4], [1, 0, 4]])
    xs, cache = mr.embedding_forward(ids, W)
    np.testing.assert_array_equal(xs, W[ids])
    G = rng.standard_normal((2, 3, 3))
    dW = mr.embedding_backward(G, cache)
    np.testing.assert_allclose(dW[1], G[0, 0] + G[0, 1] + G[1, 0])   # id 1 occurs three times
    np.testing.assert_array_equal(dW[[2, 3]], 0.0)                   # unused rows
    assert mr.gradient_check(lambda: float(np.sum(mr.embedding_forward(ids, W)[0] * G)),
                             W, dW) < 1e-8


@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3)])
def test_linear_functions_gradient_check(shape, rng):
    x, W, b = rng.standard_normal(shape), rng.standard_normal((2, 3)), rng.standard_normal(2)
    y, cache = mr.linear_forward(x, W, b)
    G = rng.standard_normal(y.shape)
    dx, dW, db = mr.linear_backward(G, cache)

    def f():
        return float(np.sum(mr.linear_forward(x, W, b)[0] * G))

    assert mr.gradient_check(f, {"x": x, "W": W, "b": b}, {"x": dx, "W": dW, "b": db}) < 1e-8


def test_wx_in_the_d_by_h_layout_gets_a_hint(rng):
    x, h = np.zeros((2, 3)), np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"is Wx stored as \(D, H\).*pass Wx.T"):
        mr.rnn_step_forward(x, h, np.zeros((3, 4)), np.zeros((4, 4)), np.zeros(4))
