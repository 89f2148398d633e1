import numpy as np
import pytest

import minirnn as mr
from conftest import SHAPES
from minirnn.bptt import (
    cosine_similarity,
    full_bptt_grads,
    per_step_grads,
    readout_loss,
    truncated_bptt_grads,
)


def _task(N, T, D, H, K=2, seed=0, scale=1.0):
    """A random RNN, inputs, fixed readout and targets; ``scale`` multiplies W_h."""
    rng = np.random.default_rng(seed)
    rnn = mr.RNN(D, H, seed=seed + 1)
    rnn.params["Wh"] *= scale
    rnn.params["b"][:] = 0.1 * rng.standard_normal(H)
    xs = rng.standard_normal((N, T, D))
    Wy = rng.standard_normal((K, H)) / np.sqrt(H)
    ys = rng.standard_normal((N, T, K))
    return rnn, xs, Wy, ys


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_window_as_long_as_the_sequence_is_full_bptt(N, T, D, H):
    rnn, xs, Wy, ys = _task(N, T, D, H)
    h0 = np.random.default_rng(5).standard_normal((N, H))
    loss_full, g_full = full_bptt_grads(rnn, xs, Wy, ys, h0)
    for window in (T, T + 3):
        loss_tr, g_tr = truncated_bptt_grads(rnn, xs, Wy, ys, window, h0)
        assert loss_tr == pytest.approx(loss_full, rel=1e-12)
        for k in g_full:
            np.testing.assert_allclose(g_tr[k], g_full[k], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("window", [1, 2, 3, 5, 7])
def test_forward_is_unchanged_so_the_loss_does_not_depend_on_the_window(window):
    rnn, xs, Wy, ys = _task(3, 7, 4, 5)
    loss_full, _ = full_bptt_grads(rnn, xs, Wy, ys)
    loss_tr, _ = truncated_bptt_grads(rnn, xs, Wy, ys, window)
    assert loss_tr == pytest.approx(loss_full, rel=1e-12)


def test_window_of_one_step_keeps_only_the_immediate_contribution():
    N, T, D, H = 3, 6, 4, 5
    rnn, xs, Wy, ys = _task(N, T, D, H, scale=2.0)
    Wx, Wh, b = (rnn.params[k] for k in ("Wx", "Wh", "b"))
    # Independent computation: plain numpy forward, then for each step only the
    # path l_t -> h_t -> a_t -> (W_x, W_h, b), with h_{t-1} held as a constant.
    h = np.zeros((N, H))
    expect = {"Wx": np.zeros((H, D)), "Wh": np.zeros((H, H)), "b": np.zeros(H)}
    for t in range(T):
        h_new = np.tanh(xs[:, t] @ Wx.T + h @ Wh.T + b)
        da = ((h_new @ Wy.T - ys[:, t]) @ Wy) * (1 - h_new ** 2)
        expect["Wx"] += da.T @ xs[:, t]
        expect["Wh"] += da.T @ h
        expect["b"] += da.sum(axis=0)
        h = h_new
    _, got = truncated_bptt_grads(rnn, xs, Wy, ys, window=1)
    for k in expect:
        np.testing.assert_allclose(got[k], expect[k], rtol=1e-12, atol=1e-13)
    # ...and that is not the full gradient when W_h matters.
    _, full = full_bptt_grads(rnn, xs, Wy, ys)
    assert not np.allclose(got["Wh"], full["Wh"], rtol=1e-3)


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_full_bptt_gradient_check(N, T, D, H):
    rnn, xs, Wy, ys = _task(N, T, D, H)
    h0 = np.random.default_rng(9).standard_normal((N, H))
    _, grads = full_bptt_grads(rnn, xs, Wy, ys, h0)

    def f():
        return readout_loss(rnn.forward(xs, h0), Wy, ys)[0]

    assert mr.gradient_check(f, rnn.params, grads) < 1e-6


@pytest.mark.parametrize("N,T,D,H", [(3, 7, 4, 5), (1, 5, 2, 3), (2, 6, 3, 1)])
@pytest.mark.parametrize("window", [1, 2, 3])
def test_truncated_grads_are_the_gradient_of_the_cut_loss(N, T, D, H, window):
    """Truncated BPTT is the exact gradient of the loss in which the state entering
    each window is held fixed (a constant, not a function of the weights)."""
    rnn, xs, Wy, ys = _task(N, T, D, H, scale=1.5)
    h0 = np.random.default_rng(2).standard_normal((N, H))
    _, grads = truncated_bptt_grads(rnn, xs, Wy, ys, window, h0)
    hs = rnn.forward(xs, h0)
    starts = list(range(0, T, window))
    entering = [h0] + [hs[:, s - 1].copy() for s in starts[1:]]   # frozen boundary states

    def f():
        total = 0.0
        for s, h_in in zip(starts, entering, strict=True):
            e = min(s + window, T)
            total += readout_loss(rnn.forward(xs[:, s:e], h_in), Wy, ys[:, s:e])[0]
        return total

    assert mr.gradient_check(f, rnn.params, grads) < 1e-6


def test_readout_loss_gradient_check(rng):
    hs = rng.standard_normal((2, 3, 4))
    Wy = rng.standard_normal((5, 4))
    ys = rng.standard_normal((2, 3, 5))
    _, dhs = readout_loss(hs, Wy, ys)
    assert mr.gradient_check(lambda: readout_loss(hs, Wy, ys)[0], hs, dhs) < 1e-6
    # the loss is a sum over steps: splitting the time axis adds up
    whole = readout_loss(hs, Wy, ys)[0]
    parts = readout_loss(hs[:, :1], Wy, ys[:, :1])[0] + readout_loss(hs[:, 1:], Wy, ys[:, 1:])[0]
    assert parts == pytest.approx(whole, rel=1e-12)


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_cosine_similarity_rises_towards_one_as_the_window_grows(scale):
    T = 32
    rnn, xs, Wy, ys = _task(4, T, 3, 8, seed=3, scale=scale)
    _, g_full = full_bptt_grads(rnn, xs, Wy, ys)
    windows = np.arange(1, T + 1)
    cos = np.array([cosine_similarity(g_full, truncated_bptt_grads(rnn, xs, Wy, ys, int(k))[1])
                    for k in windows])
    assert cos[-1] > 0.99
    assert cos[-1] == pytest.approx(1.0, abs=1e-12)
    assert cos[0] == cos.min() and cos[0] < cos[-1] - 1e-3   # one step loses the most
    # Loose monotone tendency (not strict: where the window boundaries fall changes
    # with k): rank correlation with k, rising block means, and doubling k helps.
    ranks = np.argsort(np.argsort(cos))
    assert np.corrcoef(ranks, windows)[0, 1] > 0.6
    quarters = cos.reshape(4, T // 4).mean(axis=1)
    assert quarters[0] < quarters[1] < min(quarters[2], quarters[3])
    doubling = [cos[2 * k - 1] >= cos[k - 1] - 1e-3 for k in (1, 2, 4, 8, 16)]
    assert all(doubling)


def test_truncation_loses_more_when_the_recurrence_is_stronger():
    cos = []
    for scale in (0.5, 2.0):
        rnn, xs, Wy, ys = _task(4, 24, 3, 8, seed=4, scale=scale)
        _, g_full = full_bptt_grads(rnn, xs, Wy, ys)
        _, g_tr = truncated_bptt_grads(rnn, xs, Wy, ys, 2)
        cos.append(cosine_similarity(g_full, g_tr))
    assert cos[0] > cos[1]


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_per_step_grads_sum_to_rnn_backward(N, T, D, H, rng):
    rnn = mr.RNN(D, H, seed=2)
    xs = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    dhs = rng.standard_normal((N, T, H))
    rnn.forward(xs, h0)
    rnn.backward(dhs)
    steps = per_step_grads(rnn, xs, dhs, h0)
    assert steps["Wh"].shape == (T, H, H) and steps["Wx"].shape == (T, H, D)
    for k in rnn.grads:
        np.testing.assert_allclose(steps[k].sum(axis=0), rnn.grads[k], rtol=1e-10, atol=1e-12)
    # the last step receives nothing from later steps: its term is the immediate one
    h_last, cache = mr.rnn_step_forward(xs[:, -1], rnn.forward(xs, h0)[:, -2] if T > 1 else h0,
                                        *rnn.params.values())
    _, _, _, dWh_last, _ = mr.rnn_step_backward(dhs[:, -1], cache)
    np.testing.assert_allclose(steps["Wh"][-1], dWh_last, rtol=1e-10, atol=1e-12)


def test_per_step_grads_first_term_vanishes_when_h0_is_zero(rng):
    rnn = mr.RNN(3, 4, seed=0)
    xs = rng.standard_normal((2, 5, 3))
    steps = per_step_grads(rnn, xs, rng.standard_normal((2, 5, 4)))
    assert np.all(steps["Wh"][0] == 0.0)
    assert np.all(np.abs(steps["Wh"][1:]).sum(axis=(1, 2)) > 0)


def test_cosine_similarity_properties(rng):
    g = {"Wx": rng.standard_normal((3, 2)), "b": rng.standard_normal(3)}
    assert cosine_similarity(g, g) == pytest.approx(1.0, abs=1e-15)
    assert cosine_similarity(g, {k: -2.5 * v for k, v in g.items()}) == pytest.approx(-1.0)
    assert cosine_similarity(g, {k: 7.0 * v for k, v in g.items()}) == pytest.approx(1.0)
    other = {"b": g["b"], "Wx": g["Wx"]}               # key order does not matter
    assert cosine_similarity(g, other) == pytest.approx(1.0)
    a = {"Wx": np.array([[1.0, 0.0]]), "b": np.array([0.0])}
    c = {"Wx": np.array([[0.0, 1.0]]), "b": np.array([1.0])}
    assert cosine_similarity(a, c) == 0.0
    d = {"Wx": np.array([[1.0, 1.0]]), "b": np.array([0.0])}
    assert cosine_similarity(a, d) == pytest.approx(1 / np.sqrt(2))


def test_bad_inputs_have_clear_messages(rng):
    rnn, xs, Wy, ys = _task(2, 5, 3, 4)
    with pytest.raises(ValueError, match="window must be a positive int, got 0"):
        truncated_bptt_grads(rnn, xs, Wy, ys, 0)
    with pytest.raises(TypeError, match="window must be a positive int, got float"):
        truncated_bptt_grads(rnn, xs, Wy, ys, 2.0)
    with pytest.raises(TypeError, match="rnn must be a minirnn.RNN, got dict"):
        truncated_bptt_grads({}, xs, Wy, ys, 2)
    with pytest.raises(ValueError, match=r"ys axis 1 \(T\) must have size 5"):
        full_bptt_grads(rnn, xs, Wy, ys[:, :4])
    with pytest.raises(ValueError, match=r"Wy axis 1 \(H\) must have size 4"):
        readout_loss(rng.standard_normal((2, 5, 4)), Wy[:, :3], ys)
    with pytest.raises(ValueError, match="same keys"):
        cosine_similarity({"Wx": np.ones(2)}, {"Wh": np.ones(2)})
    with pytest.raises(ValueError, match="all zeros"):
        cosine_similarity({"Wx": np.ones(2)}, {"Wx": np.zeros(2)})
    with pytest.raises(TypeError, match="dicts of arrays"):
        cosine_similarity(np.ones(2), np.ones(2))


def test_truncated_bptt_leaves_the_callers_rnn_alone():
    rnn, xs, Wy, ys = _task(2, 6, 3, 4)
    rnn.stateful = True
    rnn.forward(xs[:, :2])
    state, grads = rnn.state.copy(), {k: g.copy() for k, g in rnn.grads.items()}
    params = {k: p.copy() for k, p in rnn.params.items()}
    truncated_bptt_grads(rnn, xs, Wy, ys, 2)
    np.testing.assert_array_equal(rnn.state, state)
    for k in params:
        np.testing.assert_array_equal(rnn.params[k], params[k])
        np.testing.assert_array_equal(rnn.grads[k], grads[k])
