"""The computational answers of chapter 5's exercises, recomputed with minirnn."""

import numpy as np
import pytest

import minirnn as mr
from minirnn import analysis
from minirnn.lstm import LSTM


def test_ex_reach_one_percent_after_44_steps():
    # formula: the first k with 0.9^k < 0.01
    k_formula = int(np.ceil(np.log(0.01) / np.log(0.9)))
    assert 0.9 ** k_formula < 0.01 <= 0.9 ** (k_formula - 1)
    rnn = mr.RNN(2, 16, seed=0)
    rnn.params["Wh"][...] = analysis.recurrent_matrix(16, 0.9, "orthogonal", seed=0)
    norms = analysis.hidden_grad_norms(rnn, np.zeros((1, 60, 2)), seed=0)[::-1]
    k_measured = int(np.argmax(norms / norms[0] < 0.01))
    assert k_measured == k_formula == 44


def test_ex_shear_transient_growth():
    W = np.array([[0.5, 2.0], [0.0, 0.5]])
    assert analysis.spectral_radius(W) == pytest.approx(0.5)
    assert round(analysis.largest_singular_value(W), 2) == 2.12
    norms = [np.linalg.norm(np.linalg.matrix_power(W, k), 2) for k in range(1, 21)]
    assert int(np.argmax(norms)) + 1 == 1 and round(max(norms), 3) == 2.118
    assert round(norms[1], 2) == 2.03 and round(norms[3], 3) == 1.004
    first_below = 1 + next(k for k in range(20) if all(n < 1 for n in norms[k:]))
    assert first_below == 5
    # the closed form W^k = [[0.5^k, 4k 0.5^k], [0, 0.5^k]] used in the solution
    for k in (1, 3, 7):
        np.testing.assert_allclose(np.linalg.matrix_power(W, k),
                                   [[0.5 ** k, 4 * k * 0.5 ** k], [0.0, 0.5 ** k]])


def test_ex_forget_bias_for_half_the_gradient_over_100_steps():
    p = 0.5 ** (1 / 100)
    b_f = np.log(p / (1 - p))
    assert round(b_f, 2) == 4.97

    def kept(bias):
        lstm = LSTM(1, 4, seed=0, forget_bias=bias)
        lstm.params["Wx"][...] = 0.0
        lstm.params["Wh"][...] = 0.0
        norms = analysis.hidden_grad_norms(lstm, np.zeros((1, 100, 1)), seed=0, which="c")
        return norms[0] / norms[-1]

    assert kept(b_f) == pytest.approx(0.5, rel=1e-10)
    assert kept(4.9) < 0.5 < kept(5.0)
    # sigma(1)^100 ~ 2.5e-14: a forget bias of 1 keeps almost nothing over 100 steps
    assert kept(1.0) == pytest.approx((1 / (1 + np.exp(-1.0))) ** 100, rel=1e-8)
    assert round(kept(1.0) * 1e14, 1) == 2.5
