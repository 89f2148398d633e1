"""The computational answers of chapter 5's exercises, recomputed with minirnn."""

import numpy as np
import pytest

import minirnn as mr
from minirnn import analysis
from minirnn.models import SequenceRegressor
from minirnn.tasks.adding import make_adding


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


def test_ex_value_clipping_turns_the_step():
    grad = np.array([3.0, 0.4])
    by_norm = grad * min(1.0, 1.0 / np.linalg.norm(grad))
    by_value = np.clip(grad, -1.0, 1.0)

    def angle(v):
        cos = v @ grad / (np.linalg.norm(v) * np.linalg.norm(grad))
        return float(np.degrees(np.arccos(min(cos, 1.0))))

    assert np.round(by_norm, 3).tolist() == [0.991, 0.132]
    assert by_value.tolist() == [1.0, 0.4]
    assert round(np.linalg.norm(grad), 3) == 3.027 and round(np.linalg.norm(by_value), 3) == 1.077
    assert angle(by_norm) == pytest.approx(0.0, abs=1e-6)
    cos = by_value @ grad / (np.linalg.norm(by_value) * np.linalg.norm(grad))
    assert round(cos, 3) == 0.969 and round(angle(by_value), 1) == 14.2
    # equal-sized entries are all cut by the same factor: the direction survives
    same = np.array([3.0, -3.0])
    assert angle_between(np.clip(same, -1.0, 1.0), same) == pytest.approx(0.0, abs=1e-6)


def angle_between(u, v):
    cos = u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.degrees(np.arccos(min(cos, 1.0))))


def test_clip_grad_norm_keeps_the_direction_and_clip_by_value_does_not():
    # the chapter's comparison, on a gradient of the RNN of its clipping run
    rnn = mr.RNN(2, 16, seed=0)
    rnn.params["Wh"][...] = analysis.recurrent_matrix(16, 1.2, "orthogonal", seed=0)
    model = SequenceRegressor(rnn, mr.Linear(16, 1, seed=0))
    xs, y = make_adding(32, 50, seed=5)
    model.loss(xs, y)
    model.backward()
    before = {k: g.copy() for k, g in model.grads.items()}
    flat = np.concatenate([g.ravel() for g in before.values()])
    norm = mr.clip_grad_norm(model.grads, 1.0)
    assert norm == pytest.approx(np.linalg.norm(flat))
    clipped = np.concatenate([g.ravel() for g in model.grads.values()])
    assert np.linalg.norm(clipped) == pytest.approx(1.0)
    assert angle_between(clipped, flat) < 1e-4
    assert angle_between(np.clip(flat, -0.1, 0.1), flat) > 20.0
