"""The computational answers of chapter 6's exercises, recomputed with minirnn."""

import numpy as np
import pytest

import minirnn as mr
from minirnn import analysis
from minirnn.lstm import lstm_step_forward
from minirnn.tasks.adding import load_trained_lstm, make_adding


def test_ex_params_counts_and_the_matching_rnn():
    D, H = 2, 16
    counts = [mr.RNN(D, H).num_params, mr.LSTM(D, H).num_params, mr.GRU(D, H).num_params]
    assert counts == [H * (D + H + 1), 4 * H * (D + H + 1), 3 * H * (D + H + 2)]
    assert counts == [304, 1216, 960]
    best = min(range(1, 100), key=lambda h: abs(mr.RNN(D, h).num_params - 1216))
    assert best == 33
    assert (mr.RNN(D, 33).num_params, mr.RNN(D, 34).num_params) == (1188, 1258)


def _mse_with_knockout(model, xs, y, cell=None, after_step=49):
    """The chapter's function, as printed there."""
    p, N, H = model.rnn.params, xs.shape[0], model.rnn.hidden_size
    h, c = np.zeros((N, H)), np.zeros((N, H))
    for t in range(xs.shape[1]):
        h, c, _ = lstm_step_forward(xs[:, t], h, c, p["Wx"], p["Wh"], p["b"])
        if cell is not None and t == after_step:
            c = c.copy()
            c[:, cell] = 0.0
    pred = model.head.forward(h).reshape(-1)
    return float(np.mean((pred - y) ** 2))


def test_ex_knockout_earlier_matches_the_prediction():
    model, _ = load_trained_lstm()
    xs, y = make_adding(512, 100, seed=2000)
    first = np.argmax(xs[:, :, 1], axis=1)
    base = _mse_with_knockout(model, xs, y)
    at_49 = _mse_with_knockout(model, xs, y, cell=0, after_step=49)
    assert at_49 == pytest.approx(1 / 12, abs=0.003)          # the chapter's table
    at_20 = _mse_with_knockout(model, xs, y, cell=0, after_step=20)
    assert round(at_20, 4) == 0.0357 and round(float(np.mean(first <= 20)), 3) == 0.404
    predicted = 21 / 50 / 12 + base                            # the solution's prediction
    assert round(predicted, 3) == 0.036
    assert abs(at_20 - predicted) < 0.002
    # with the sample's own share of lost numbers the prediction is closer still
    assert abs(at_20 - (np.mean(first <= 20) / 12 + base)) < 0.002


def test_ex_gru_memory_and_gradient_fade_together():
    gru = mr.GRU(1, 4, seed=0)
    for k in gru.params:
        gru.params[k][...] = 0.0
    gru.params["bx"][4:8] = 2.0                                # the z block
    h0 = np.ones((1, 4))
    hs = gru.forward(np.zeros((1, 100, 1)), h0)
    norms = analysis.hidden_grad_norms(gru, np.zeros((1, 100, 1)), h0=h0, seed=0)
    z = 1 / (1 + np.exp(-2.0))
    np.testing.assert_allclose(hs[0, -1], z ** 100, rtol=1e-10)
    assert norms[0] / norms[-1] == pytest.approx(z ** 100, rel=1e-10)
    assert f"{z ** 100:.1e}" == "3.1e-06"


def test_ex_gru_biases_only_the_candidates_two_are_not_interchangeable():
    rng = np.random.default_rng(0)
    gru = mr.GRU(3, 4, seed=0)
    for k in ("bx", "bh"):
        gru.params[k][:] = rng.standard_normal(12)
    xs = rng.standard_normal((2, 5, 3))
    before = gru.forward(xs)
    changed = []
    for block in (slice(0, 4), slice(4, 8), slice(8, 12)):     # r, z, n
        moved = mr.GRU(3, 4, seed=0)
        for k in ("bx", "bh"):
            moved.params[k][:] = gru.params[k]
        moved.params["bx"][block] += moved.params["bh"][block]
        moved.params["bh"][block] = 0.0
        changed.append(bool(np.abs(moved.forward(xs) - before).max() > 1e-12))
    assert changed == [False, False, True]


def test_ex_gru_backward_dz():
    rng = np.random.default_rng(0)
    N, D, H = 2, 3, 4
    x, h = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    Wx, Wh = rng.standard_normal((3 * H, D)), rng.standard_normal((3 * H, H))
    bx, bh = rng.standard_normal(3 * H), rng.standard_normal(3 * H)
    dh = rng.standard_normal((N, H))
    _, (_, _, _, _, r, z, n, m) = mr.gru_step_forward(x, h, Wx, Wh, bx, bh)
    z_var = z.copy()
    num = mr.numerical_gradient(lambda: np.sum(dh * ((1 - z_var) * n + z_var * h)), z_var)
    assert mr.relative_error(dh * (h - n), num) < 1e-8
    # the solution's other lines, against gru_step_backward's gradients of the two parts
    _, cache = mr.gru_step_forward(x, h, Wx, Wh, bx, bh)
    dx, dh_prev, dWx, dWh, dbx, dbh = mr.gru_step_backward(dh, cache)
    dn = dh * (1 - z)
    dan = dn * (1 - n ** 2)
    dar = dan * m * r * (1 - r)
    daz = dh * (h - n) * z * (1 - z)
    dax = np.concatenate([dar, daz, dan], axis=1)
    dah = np.concatenate([dar, daz, dan * r], axis=1)
    np.testing.assert_allclose(dbx, dax.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(dbh, dah.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(dh_prev, dh * z + dah @ Wh, rtol=1e-12)
