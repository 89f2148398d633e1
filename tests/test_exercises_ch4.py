"""The computational answers of the exercises of chapter 4 (notebooks/04_bptt.ipynb)."""

import numpy as np
import pytest

import minirnn as mr
from minirnn.bptt import (
    cosine_similarity,
    full_bptt_grads,
    per_step_grads,
    readout_loss,
    truncated_bptt_grads,
)


def test_ex_first_term_is_zero_from_a_zero_state():
    rnn = mr.RNN(3, 4, seed=0)
    rng = np.random.default_rng(0)
    # T = 1 from h_{-1} = 0 (the code's h0): grads["Wh"] is exactly zero, grads["Wx"] is not
    rnn.forward(rng.standard_normal((2, 1, 3)))
    rnn.backward(np.ones((2, 1, 4)))
    assert np.all(rnn.grads["Wh"] == 0.0)
    assert np.any(rnn.grads["Wx"] != 0.0)
    # in a longer sequence only the first term of the sum vanishes
    xs, dhs = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 4))
    terms = per_step_grads(rnn, xs, dhs)
    assert np.all(terms["Wh"][0] == 0.0)
    assert np.linalg.norm(terms["Wx"][0]) > 0
    assert all(np.linalg.norm(terms["Wh"][t]) > 0 for t in range(1, 5))


def _notebook_measurement():
    """The set-up of the chapter's 'Measuring what truncation loses' section."""
    N, T, D, H, K = 8, 64, 3, 16, 2
    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, K))
    Wy = rng.standard_normal((K, H)) / np.sqrt(H)
    default = mr.RNN(D, H, seed=1)
    strong = mr.RNN(D, H, seed=1)
    strong.params["Wh"] *= 2.0
    windows = np.arange(1, T + 1)
    cos = {}
    for name, rnn in (("default", default), ("strong", strong)):
        _, g = full_bptt_grads(rnn, xs, Wy, ys)
        cos[name] = np.array([cosine_similarity(g, truncated_bptt_grads(rnn, xs, Wy, ys,
                                                                          int(k))[1])
                              for k in windows])
    return windows, cos


def test_ex_window_answers_stated_in_the_solution():
    windows, cos = _notebook_measurement()
    answers = {}
    for name, c in cos.items():
        first = int(np.argmax(c >= 0.99)) + 1
        stays = max(int(k) for k in windows if c[k - 1] < 0.99) + 1
        answers[name] = (first, stays)
    assert answers == {"default": (5, 5), "strong": (38, 61)}


def _pair_terms(rnn, xs, dhs_full, t, start, stop, h_in):
    """dW_h terms of the loss l_t alone: by full BPTT (all steps s <= t) and by the
    window [start, stop) that contains t, started from the carried state h_in."""
    N, T, H = dhs_full.shape
    only_t = np.zeros((N, T, H))
    only_t[:, t] = dhs_full[:, t]
    full = per_step_grads(rnn, xs, only_t)["Wh"]                         # (T, H, H)
    window = per_step_grads(rnn, xs[:, start:stop], only_t[:, start:stop], h_in)["Wh"]
    return full, window


@pytest.mark.parametrize("k,kept", [(3, 12), (4, 13), (6, 21), (1, 6)])
def test_ex_count_kept_pairs_and_they_add_up_to_truncated_bptt(k, kept):
    N, T, D, H, K = 2, 6, 3, 4, 2
    rng = np.random.default_rng(7)
    rnn = mr.RNN(D, H, seed=3)
    rnn.params["Wh"] *= 2.0
    xs, ys = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, K))
    Wy = rng.standard_normal((K, H))
    h0 = np.zeros((N, H))
    hs = rnn.forward(xs)
    _, dhs = readout_loss(hs, Wy, ys)
    total_pairs, count = 0, 0
    kept_sum = np.zeros((H, H))
    for t in range(T):
        start = (t // k) * k
        stop = min(start + k, T)
        h_in = h0 if start == 0 else hs[:, start - 1]
        full, window = _pair_terms(rnn, xs, dhs, t, start, stop, h_in)
        for s in range(T):
            if s > t:
                assert np.all(full[s] == 0.0)       # a loss never reaches later steps
                continue
            total_pairs += 1
            if start <= s < stop and np.allclose(window[s - start], full[s], rtol=1e-10,
                                                 atol=1e-14):
                count += 1
                kept_sum += window[s - start]
            assert np.linalg.norm(full[s]) > 0 or s == 0   # step 0 reads h_{-1} = 0
    assert total_pairs == T * (T + 1) // 2 == 21
    assert count == kept
    # the kept terms are exactly what truncated BPTT adds up
    _, g_tr = truncated_bptt_grads(rnn, xs, Wy, ys, k)
    np.testing.assert_allclose(kept_sum, g_tr["Wh"], rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("m,k", [(2, 3), (3, 4), (5, 1), (1, 6)])
def test_ex_count_formula_for_whole_windows(m, k):
    """m windows of k steps keep m k(k+1)/2 of the T(T+1)/2 pairs, a fraction (k+1)/(T+1)."""
    T = m * k
    pairs = [(t, s) for t in range(T) for s in range(t + 1)]
    kept = [(t, s) for t, s in pairs if t // k == s // k]      # same window
    assert len(pairs) == T * (T + 1) // 2
    assert len(kept) == m * k * (k + 1) // 2
    assert len(kept) / len(pairs) == pytest.approx((k + 1) / (T + 1))
