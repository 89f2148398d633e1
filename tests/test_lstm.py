import numpy as np
import pytest

import minirnn as mr
from conftest import SHAPES
from minirnn.lstm import LSTM, lstm_step_backward, lstm_step_forward, sigmoid


def _step_params(D, H, rng):
    return (rng.standard_normal((4 * H, D)) * 0.5, rng.standard_normal((4 * H, H)) * 0.5,
            rng.standard_normal(4 * H) * 0.5)


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_lstm_step_backward_gradient_check(N, T, D, H, rng):
    Wx, Wh, b = _step_params(D, H, rng)
    x = rng.standard_normal((N, D))
    h_prev = rng.standard_normal((N, H))
    c_prev = rng.standard_normal((N, H))
    Gh = rng.standard_normal((N, H))
    Gc = rng.standard_normal((N, H))

    def f():  # a loss that reaches both outputs of the step
        h, c, _ = lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
        return float(np.sum(h * Gh) + np.sum(c * Gc))

    _, _, cache = lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
    dx, dh, dc, dWx, dWh, db = lstm_step_backward(Gh, Gc, cache)
    arrays = {"x": x, "h_prev": h_prev, "c_prev": c_prev, "Wx": Wx, "Wh": Wh, "b": b}
    analytic = {"x": dx, "h_prev": dh, "c_prev": dc, "Wx": dWx, "Wh": dWh, "b": db}
    assert mr.gradient_check(f, arrays, analytic) < 1e-6


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_lstm_layer_gradient_check_with_h0_and_c0(N, T, D, H, rng):
    lstm = LSTM(D, H, seed=0, forget_bias=0.5)
    lstm.params["b"][:] += rng.standard_normal(4 * H) * 0.1
    xs = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    c0 = rng.standard_normal((N, H))
    G = rng.standard_normal((N, T, H))

    def f():
        return float(np.sum(lstm.forward(xs, h0, c0) * G))

    f()
    dxs = lstm.backward(G)
    analytic = {f"param {k}": v.copy() for k, v in lstm.grads.items()}
    analytic.update({"xs": dxs, "h0": lstm.dh0.copy(), "c0": lstm.dc0.copy()})
    arrays = {f"param {k}": v for k, v in lstm.params.items()}
    arrays.update({"xs": xs, "h0": h0, "c0": c0})
    assert mr.gradient_check(f, arrays, analytic) < 1e-6


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_lstm_equals_loop_of_steps(N, T, D, H, rng):
    lstm = LSTM(D, H, seed=3, forget_bias=1.0)
    xs = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    c0 = rng.standard_normal((N, H))
    hs = lstm.forward(xs, h0, c0)
    Wx, Wh, b = lstm.params["Wx"], lstm.params["Wh"], lstm.params["b"]
    h, c, caches = h0, c0, []
    for t in range(T):
        h, c, cache = lstm_step_forward(xs[:, t], h, c, Wx, Wh, b)
        caches.append(cache)
        np.testing.assert_allclose(hs[:, t], h, rtol=1e-12, atol=1e-14)
    dhs = rng.standard_normal((N, T, H))
    dxs = lstm.backward(dhs)
    dh, dc = np.zeros((N, H)), np.zeros((N, H))
    total = {"Wx": np.zeros_like(Wx), "Wh": np.zeros_like(Wh), "b": np.zeros_like(b)}
    for t in reversed(range(T)):
        dx, dh, dc, dWx, dWh, db = lstm_step_backward(dhs[:, t] + dh, dc, caches[t])
        total["Wx"] += dWx
        total["Wh"] += dWh
        total["b"] += db
        np.testing.assert_allclose(dxs[:, t], dx, rtol=1e-10, atol=1e-12)
    for k in total:
        np.testing.assert_allclose(lstm.grads[k], total[k], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(lstm.dh0, dh, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(lstm.dc0, dc, rtol=1e-10, atol=1e-12)


def test_lstm_params_layout_init_and_forget_bias():
    H, D = 5, 3
    lstm = LSTM(D, H, seed=0)
    assert {k: v.shape for k, v in lstm.params.items()} == {"Wx": (4 * H, D),
                                                            "Wh": (4 * H, H), "b": (4 * H,)}
    assert lstm.grads.keys() == lstm.params.keys()
    assert lstm.num_params == 4 * H * (D + H + 1)
    bound = 1 / np.sqrt(H)
    for k in ("Wx", "Wh"):
        assert np.abs(lstm.params[k]).max() <= bound
        assert np.abs(lstm.params[k]).max() > 0.5 * bound
    np.testing.assert_array_equal(lstm.params["b"], 0.0)
    fb = LSTM(D, H, seed=0, forget_bias=1.0).params["b"]
    np.testing.assert_array_equal(fb[H:2 * H], 1.0)           # the f block only
    np.testing.assert_array_equal(np.delete(fb, np.s_[H:2 * H]), 0.0)
    a, b, c = LSTM(D, H, seed=7), LSTM(D, H, seed=7), LSTM(D, H, seed=8)
    np.testing.assert_array_equal(a.params["Wh"], b.params["Wh"])
    assert not np.array_equal(a.params["Wh"], c.params["Wh"])


def test_gate_order_is_i_f_g_o():
    """Drive one block at a time to a known value and check the equations."""
    H, D = 2, 1
    lstm = LSTM(D, H, seed=0)
    for k in ("Wx", "Wh"):
        lstm.params[k][...] = 0.0
    big = 30.0
    # i open, f closed, g = tanh(0.5), o open: c_1 = g, h_1 = tanh(g)
    lstm.params["b"][...] = np.concatenate([[big] * H, [-big] * H, [0.5] * H, [big] * H])
    c0 = np.full((1, H), 3.0)
    hs = lstm.forward(np.zeros((1, 1, D)), np.zeros((1, H)), c0)
    np.testing.assert_allclose(hs[0, 0], np.tanh(np.tanh(0.5)), rtol=1e-10)
    # now f open and i closed: the old memory is kept, h = o * tanh(c0)
    lstm.params["b"][...] = np.concatenate([[-big] * H, [big] * H, [0.5] * H, [0.0] * H])
    hs = lstm.forward(np.zeros((1, 1, D)), np.zeros((1, H)), c0)
    np.testing.assert_allclose(hs[0, 0], 0.5 * np.tanh(3.0), rtol=1e-10)


def test_sigmoid_is_stable_and_correct():
    x = np.array([-1000.0, -30.0, -1.0, 0.0, 2.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = sigmoid(x.copy())
    np.testing.assert_allclose(s[1:5], 1 / (1 + np.exp(-x[1:5])), rtol=1e-12)
    assert s[0] == 0.0 and s[-1] == 1.0


def test_stateful_lstm_carries_h_and_c(rng):
    N, T, D, H = 2, 6, 3, 4
    xs = rng.standard_normal((N, T, D))
    full = LSTM(D, H, seed=1).forward(xs)
    lstm = LSTM(D, H, seed=1, stateful=True)
    first = lstm.forward(xs[:, :4])
    h_carried, c_carried = lstm.state
    second = lstm.forward(xs[:, 4:])
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), full, rtol=1e-12)
    # the carried c matters: starting the second half from h alone gives another answer
    other = LSTM(D, H, seed=1).forward(xs[:, 4:], h_carried)
    assert not np.allclose(other, second)
    lstm.reset_state()
    np.testing.assert_allclose(lstm.forward(xs[:, :4]), first, rtol=1e-12)
    with pytest.raises(ValueError, match="carried state has batch size 2 but xs has N=1; "
                                         "call reset_state"):
        lstm.forward(xs[:1, :2])


def test_lstm_error_messages():
    lstm = LSTM(3, 4, seed=0)
    with pytest.raises(ValueError, match=r"LSTM.forward: xs axis 2 \(D\) must have size 3"):
        lstm.forward(np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match=r"LSTM.forward: xs must have 3 axes \(N, T, D\)"):
        lstm.forward(np.zeros((5, 3)))
    with pytest.raises(TypeError, match="xs must be a floating-point array"):
        lstm.forward(np.zeros((2, 5, 3), dtype=int))
    with pytest.raises(ValueError, match=r"c0 axis 0 \(N\) must have size 2"):
        lstm.forward(np.zeros((2, 5, 3)), c0=np.zeros((1, 4)))
    with pytest.raises(ValueError, match="LSTM.backward called before forward"):
        LSTM(3, 4).backward(np.zeros((2, 5, 4)))
    lstm.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"LSTM.backward: dhs axis 1 \(T\) must have size 5"):
        lstm.backward(np.zeros((2, 4, 4)))
    with pytest.raises(TypeError, match="hidden_size must be a positive int, got float"):
        LSTM(3, 4.0)
    with pytest.raises(ValueError, match="input_size must be a positive int, got 0"):
        LSTM(0, 4)
    with pytest.raises(ValueError, match="forget_bias must be a finite number"):
        LSTM(3, 4, forget_bias=np.inf)
    with pytest.raises(ValueError, match="Wx must have 4H rows"):
        lstm_step_forward(np.zeros((1, 3)), np.zeros((1, 1)), np.zeros((1, 1)),
                          np.zeros((6, 3)), np.zeros((6, 1)), np.zeros(6))


def test_lstm_float32():
    lstm = LSTM(3, 4, seed=0, dtype=np.float32)
    hs = lstm.forward(np.ones((2, 3, 3)))
    assert hs.dtype == np.float32
    assert lstm.backward(np.ones((2, 3, 4))).dtype == np.float32
    assert lstm.grads["Wh"].dtype == np.float32


def test_cell_state_gradient_is_scaled_by_the_forget_gate_only(rng):
    """dL/dc_{t-1} = dL/dc_t * f_t when the loss reaches c_t only: no W_h, no tanh'."""
    N, D, H = 3, 2, 4
    Wx, Wh, b = _step_params(D, H, rng)
    x, h, c = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    _, _, cache = lstm_step_forward(x, h, c, Wx, Wh, b)
    dc_next = rng.standard_normal((N, H))
    _, _, dc_prev, _, _, _ = lstm_step_backward(np.zeros((N, H)), dc_next, cache)
    f = sigmoid(x @ Wx[H:2 * H].T + h @ Wh[H:2 * H].T + b[H:2 * H])
    np.testing.assert_allclose(dc_prev, dc_next * f, rtol=1e-12)
