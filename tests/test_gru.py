"""The GRU: step and sequence functions, the layer, and its conventions (as RNN and LSTM)."""

import numpy as np
import pytest

import minirnn as mr
from conftest import SHAPES
from minirnn.analysis import hidden_grad_norms
from minirnn.gru import GRU, gru_backward, gru_forward, gru_step_backward, gru_step_forward
from minirnn.lstm import sigmoid


def _params(D, H, rng, scale=0.5):
    return (rng.standard_normal((3 * H, D)) * scale, rng.standard_normal((3 * H, H)) * scale,
            rng.standard_normal(3 * H) * scale, rng.standard_normal(3 * H) * scale)


def _reference_step(x, h, Wx, Wh, bx, bh):
    """PyTorch's documented GRU equations, block by block, one example at a time."""
    H = h.shape[0]
    W_ir, W_iz, W_in = Wx[:H], Wx[H:2 * H], Wx[2 * H:]
    W_hr, W_hz, W_hn = Wh[:H], Wh[H:2 * H], Wh[2 * H:]
    b_ir, b_iz, b_in = bx[:H], bx[H:2 * H], bx[2 * H:]
    b_hr, b_hz, b_hn = bh[:H], bh[H:2 * H], bh[2 * H:]
    r = 1 / (1 + np.exp(-(W_ir @ x + b_ir + W_hr @ h + b_hr)))
    z = 1 / (1 + np.exp(-(W_iz @ x + b_iz + W_hz @ h + b_hz)))
    n = np.tanh(W_in @ x + b_in + r * (W_hn @ h + b_hn))
    return (1 - z) * n + z * h


def test_step_is_the_documented_equations(rng):
    N, D, H = 3, 4, 5
    Wx, Wh, bx, bh = _params(D, H, rng)
    x, h = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    h_next, _ = gru_step_forward(x, h, Wx, Wh, bx, bh)
    for k in range(N):
        np.testing.assert_allclose(h_next[k], _reference_step(x[k], h[k], Wx, Wh, bx, bh),
                                   rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_gru_step_backward_gradient_check(N, T, D, H, rng):
    Wx, Wh, bx, bh = _params(D, H, rng)
    x, h_prev = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    G = rng.standard_normal((N, H))

    def f():
        h, _ = gru_step_forward(x, h_prev, Wx, Wh, bx, bh)
        return float(np.sum(h * G))

    _, cache = gru_step_forward(x, h_prev, Wx, Wh, bx, bh)
    dx, dh, dWx, dWh, dbx, dbh = gru_step_backward(G, cache)
    arrays = {"x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "bx": bx, "bh": bh}
    analytic = {"x": dx, "h_prev": dh, "Wx": dWx, "Wh": dWh, "bx": dbx, "bh": dbh}
    assert mr.gradient_check(f, arrays, analytic) < 1e-7


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_gru_forward_backward_gradient_check(N, T, D, H, rng):
    Wx, Wh, bx, bh = _params(D, H, rng)
    xs, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    G = rng.standard_normal((N, T, H))

    def f():
        hs, _ = gru_forward(xs, h0, Wx, Wh, bx, bh)
        return float(np.sum(hs * G))

    _, cache = gru_forward(xs, h0, Wx, Wh, bx, bh)
    dxs, dh0, dWx, dWh, dbx, dbh = gru_backward(G, cache)
    arrays = {"xs": xs, "h0": h0, "Wx": Wx, "Wh": Wh, "bx": bx, "bh": bh}
    analytic = {"xs": dxs, "h0": dh0, "Wx": dWx, "Wh": dWh, "bx": dbx, "bh": dbh}
    assert mr.gradient_check(f, arrays, analytic) < 1e-7


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_gru_layer_gradient_check_with_h0(N, T, D, H, rng):
    gru = GRU(D, H, seed=0)
    for k in ("bx", "bh"):
        gru.params[k][:] = rng.standard_normal(3 * H) * 0.3
    xs, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    G = rng.standard_normal((N, T, H))

    def f():
        return float(np.sum(gru.forward(xs, h0) * G))

    f()
    dxs = gru.backward(G)
    analytic = {f"param {k}": v.copy() for k, v in gru.grads.items()}
    analytic.update({"xs": dxs, "h0": gru.dh0.copy()})
    arrays = {f"param {k}": v for k, v in gru.params.items()}
    arrays.update({"xs": xs, "h0": h0})
    assert mr.gradient_check(f, arrays, analytic) < 1e-7


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_gru_layer_equals_loop_of_steps(N, T, D, H, rng):
    gru = GRU(D, H, seed=3)
    for k in ("bx", "bh"):
        gru.params[k][:] = rng.standard_normal(3 * H) * 0.3
    xs, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    hs = gru.forward(xs, h0)
    p = gru.params
    h, caches = h0, []
    for t in range(T):
        h, cache = gru_step_forward(xs[:, t], h, p["Wx"], p["Wh"], p["bx"], p["bh"])
        caches.append(cache)
        np.testing.assert_allclose(hs[:, t], h, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(gru.h_n, hs[:, -1])
    dhs = rng.standard_normal((N, T, H))
    dxs = gru.backward(dhs)
    dh = np.zeros((N, H))
    total = {k: np.zeros_like(v) for k, v in p.items()}
    for t in reversed(range(T)):
        dx, dh, dWx, dWh, dbx, dbh = gru_step_backward(dhs[:, t] + dh, caches[t])
        for k, g in zip(("Wx", "Wh", "bx", "bh"), (dWx, dWh, dbx, dbh), strict=True):
            total[k] += g
        np.testing.assert_allclose(dxs[:, t], dx, rtol=1e-10, atol=1e-12)
    for k in total:
        np.testing.assert_allclose(gru.grads[k], total[k], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gru.dh0, dh, rtol=1e-10, atol=1e-12)


def test_gru_params_layout_and_init():
    H, D = 5, 3
    gru = GRU(D, H, seed=0)
    assert {k: v.shape for k, v in gru.params.items()} == {
        "Wx": (3 * H, D), "Wh": (3 * H, H), "bx": (3 * H,), "bh": (3 * H,)}
    assert gru.grads.keys() == gru.params.keys()
    assert gru.num_params == 3 * H * (D + H + 2)
    bound = 1 / np.sqrt(H)
    for k in ("Wx", "Wh"):
        assert np.abs(gru.params[k]).max() <= bound
        assert np.abs(gru.params[k]).max() > 0.5 * bound
    for k in ("bx", "bh"):
        np.testing.assert_array_equal(gru.params[k], 0.0)
    a, b, c = GRU(D, H, seed=7), GRU(D, H, seed=7), GRU(D, H, seed=8)
    np.testing.assert_array_equal(a.params["Wh"], b.params["Wh"])
    assert not np.array_equal(a.params["Wh"], c.params["Wh"])
    assert repr(a) == "GRU(input_size=3, hidden_size=5, stateful=False)"


def test_block_order_is_r_z_n():
    """Drive one block at a time through the biases and check the equations."""
    H, D = 2, 1
    gru = GRU(D, H, seed=0)
    for k in ("Wx", "Wh"):
        gru.params[k][...] = 0.0
    big = 30.0
    h0 = np.full((1, H), 0.7)
    x = np.zeros((1, 1, D))
    # z closed (0): h_1 = n = tanh(b_in + r * b_hn) with r = sigma(0) = 0.5
    gru.params["bx"][...] = np.concatenate([[0.0] * H, [-big] * H, [0.2] * H])
    gru.params["bh"][...] = np.concatenate([[0.0] * H, [0.0] * H, [0.6] * H])
    np.testing.assert_allclose(gru.forward(x, h0)[0, 0], np.tanh(0.2 + 0.5 * 0.6), rtol=1e-10)
    # r closed: b_hn no longer counts (it sits inside the reset product)
    gru.params["bx"][:H] = -big
    np.testing.assert_allclose(gru.forward(x, h0)[0, 0], np.tanh(0.2), rtol=1e-10)
    # z open (1): the old state is kept whatever the candidate
    gru.params["bx"][H:2 * H] = big
    np.testing.assert_allclose(gru.forward(x, h0)[0, 0], 0.7, rtol=1e-10)


def test_update_gate_is_the_direct_path_of_the_gradient(rng):
    """dL/dh_{t-1} = dL/dh_t * z_t when the blocks cannot pass a gradient (W_h = 0)."""
    N, D, H = 3, 2, 4
    Wx, _, bx, bh = _params(D, H, rng)
    Wh = np.zeros((3 * H, H))
    x, h = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    _, cache = gru_step_forward(x, h, Wx, Wh, bx, bh)
    dh_next = rng.standard_normal((N, H))
    _, dh_prev, *_ = gru_step_backward(dh_next, cache)
    z = sigmoid(x @ Wx[H:2 * H].T + bx[H:2 * H] + bh[H:2 * H])
    np.testing.assert_allclose(dh_prev, dh_next * z, rtol=1e-12)


def test_stateful_gru_carries_h(rng):
    N, T, D, H = 2, 6, 3, 4
    xs = rng.standard_normal((N, T, D))
    full = GRU(D, H, seed=1).forward(xs)
    gru = GRU(D, H, seed=1, stateful=True)
    first = gru.forward(xs[:, :4])
    np.testing.assert_array_equal(gru.state, first[:, -1])
    second = gru.forward(xs[:, 4:])
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), full, rtol=1e-12)
    gru.reset_state()
    assert gru.state is None
    np.testing.assert_allclose(gru.forward(xs[:, :4]), first, rtol=1e-12)
    gru.keep_state_rows(1)
    np.testing.assert_array_equal(gru.state, first[1:, -1])
    with pytest.raises(ValueError, match="GRU.forward: the carried state has batch size 1 but "
                                         "xs has N=2; call reset_state"):
        gru.forward(xs[:, :2])
    # a given h0 wins over the carried state
    h0 = rng.standard_normal((2, H))
    np.testing.assert_allclose(gru.forward(xs, h0), GRU(D, H, seed=1).forward(xs, h0),
                               rtol=1e-12)


def test_gru_error_messages():
    gru = GRU(3, 4, seed=0)
    with pytest.raises(ValueError, match=r"GRU.forward: xs axis 2 \(D\) must have size 3"):
        gru.forward(np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match=r"GRU.forward: xs must have 3 axes \(N, T, D\)"):
        gru.forward(np.zeros((5, 3)))
    with pytest.raises(TypeError, match="xs must be a floating-point array"):
        gru.forward(np.zeros((2, 5, 3), dtype=int))
    with pytest.raises(ValueError, match=r"GRU.forward: h0 axis 0 \(N\) must have size 2"):
        gru.forward(np.zeros((2, 5, 3)), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="GRU.forward: xs contains NaN or inf"):
        gru.forward(np.full((1, 2, 3), np.nan))
    with pytest.raises(ValueError, match="GRU.backward called before forward"):
        GRU(3, 4).backward(np.zeros((2, 5, 4)))
    gru.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"GRU.backward: dhs axis 1 \(T\) must have size 5"):
        gru.backward(np.zeros((2, 4, 4)))
    with pytest.raises(TypeError, match="GRU: hidden_size must be a positive int, got float"):
        GRU(3, 4.0)
    with pytest.raises(ValueError, match="GRU: input_size must be a positive int, got 0"):
        GRU(0, 4)
    with pytest.raises(TypeError, match="GRU: dtype must be float64 or float32"):
        GRU(3, 4, dtype=np.int32)
    with pytest.raises(ValueError, match="gru_step_forward: Wx must have 3H rows"):
        gru_step_forward(np.zeros((1, 3)), np.zeros((1, 1)), np.zeros((4, 3)),
                         np.zeros((4, 1)), np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match=r"gru_forward: bh axis 0 \(3H\) must have size 6"):
        gru_forward(np.zeros((1, 2, 3)), np.zeros((1, 2)), np.zeros((6, 3)),
                    np.zeros((6, 2)), np.zeros(6), np.zeros(4))
    _, cache = gru_step_forward(np.zeros((1, 3)), np.zeros((1, 2)), np.zeros((6, 3)),
                                np.zeros((6, 2)), np.zeros(6), np.zeros(6))
    with pytest.raises(ValueError, match=r"gru_step_backward: dh_next axis 1 \(H\) must have "
                                         "size 2"):
        gru_step_backward(np.zeros((1, 3)), cache)


def test_gru_float32():
    gru = GRU(3, 4, seed=0, dtype=np.float32)
    assert all(v.dtype == np.float32 for v in gru.params.values())
    hs = gru.forward(np.ones((2, 3, 3)))               # float64 input is cast
    assert hs.dtype == np.float32
    assert gru.backward(np.ones((2, 3, 4))).dtype == np.float32
    assert all(g.dtype == np.float32 for g in gru.grads.values())
    assert gru.dh0.dtype == np.float32
    ref = GRU(3, 4, seed=0)
    np.testing.assert_allclose(hs, ref.forward(np.ones((2, 3, 3))), rtol=1e-5, atol=1e-6)


def test_hidden_grad_norms_of_a_gru_match_its_backward(rng):
    gru = GRU(2, 3, seed=0)
    xs = rng.standard_normal((1, 7, 2))
    g = rng.standard_normal((1, 3))
    norms = hidden_grad_norms(gru, xs, dh_last=g)
    dhs = np.zeros((1, 7, 3))
    dhs[:, -1] = g
    gru.forward(xs)
    gru.backward(dhs)
    assert norms[0] == pytest.approx(np.linalg.norm(gru.dh0), rel=1e-12)
    assert norms[-1] == pytest.approx(np.linalg.norm(g), rel=1e-12)
    with pytest.raises(ValueError, match="which must be 'h'"):
        hidden_grad_norms(gru, xs, which="c")


def test_gru_is_exported_and_a_cell():
    assert mr.GRU is GRU
    assert mr.gru_forward is gru_forward and mr.gru_step_backward is gru_step_backward
    from minirnn.recurrent import CELLS, recurrent_layer
    assert CELLS["gru"] is GRU
    layer = recurrent_layer("gru", 3, 4, seed=0, stateful=True, dtype=np.float32)
    assert isinstance(layer, GRU) and layer.stateful and layer.dtype == np.float32
