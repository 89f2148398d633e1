"""The computational answers of the exercises of chapter 7 (07_sequence_patterns)."""

import numpy as np

from minirnn import fit
from minirnn.metrics import exact_match, token_accuracy
from minirnn.models import Seq2Seq, SequenceTagger
from minirnn.tasks import patterns as P
from minirnn.wrappers import BidirectionalRNN, StackedRNN


def test_ch7_ex_params_formula():
    D, H, K = 8, 16, 3
    formula = H * (D + H + 1) + (K - 1) * H * (2 * H + 1)
    assert StackedRNN(D, H, K).num_params == formula == 1456
    # a single layer of about 34 units costs as much
    one = [h for h in range(1, 100) if h * (D + h + 1) >= formula][0]
    assert one == 34


def test_ch7_ex_bilast_backward_half_of_last_step_sees_one_input():
    bi = BidirectionalRNN(3, 4, seed=0)
    xs = np.random.default_rng(0).standard_normal((1, 6, 3))
    a = bi.forward(xs)
    summary_a = np.concatenate(bi.h_n, axis=1)
    xs2 = xs.copy()
    xs2[0, 0] += 1.0
    b = bi.forward(xs2)
    summary_b = np.concatenate(bi.h_n, axis=1)
    changed = np.abs(a[0, -1] - b[0, -1]) > 1e-12
    np.testing.assert_array_equal(changed, [True] * 4 + [False] * 4)
    # the h_n pair has seen x_0 in both halves
    assert np.all(np.abs(summary_a - summary_b) > 1e-12)


def test_ch7_ex_bilast_left_padding_moves_the_backward_summary():
    bi = BidirectionalRNN(3, 4, seed=0)
    xs = np.random.default_rng(0).standard_normal((1, 6, 3))
    words = xs[:, 2:]
    padded = np.concatenate([np.zeros((1, 2, 3)), words], axis=1)
    target = bi.forward(words)[:, 0, 4:]
    hs_pad = bi.forward(padded)
    # the backward state at the first real input is the summary of the real inputs ...
    np.testing.assert_allclose(hs_pad[:, 2, 4:], target, rtol=0, atol=1e-12)
    # ... while h_n's backward half has gone on through the two padding steps
    assert np.abs(bi.h_n[1] - target).max() > 1e-3
    np.testing.assert_allclose(bi.h_n[1], hs_pad[:, 0, 4:], rtol=0, atol=1e-12)


def test_ch7_ex_cheat_bidirectional_language_model_copies_the_answer():
    sp = P.bracket_split(1000, 500, 13, seed=0)
    acc = {}
    for bi in (False, True):
        m = SequenceTagger(4, 16, 2, vocab_size=2, bidirectional=bi, seed=1)
        fit(m, sp.x_train[:, :-1], sp.x_train[:, 1:], steps=300, batch_size=32, lr=0.02, seed=2)
        acc[bi] = token_accuracy(m.predict(sp.x_test[:, :-1]), sp.x_test[:, 1:])
    assert 0.45 < acc[False] < 0.55          # coin flips: nothing honest beats 1/2
    assert acc[True] > 0.95                  # reads x_{t+1} through its backward half


def test_ch7_ex_length_encoder_forgets_long_inputs():
    result = {}
    for length in (4, 6, 8, 10):
        rev = P.digit_reversal_split(4000, 500, length, seed=0)
        m = Seq2Seq(10, 10, 16, 64, seed=1)
        fit(m, rev.x_train, rev.y_train, steps=600, batch_size=64, lr=0.01, seed=2)
        out = m.generate(rev.x_test, length)
        result[length] = (exact_match(out, rev.y_test), token_accuracy(out, rev.y_test),
                          (out == rev.y_test).mean(axis=0))
    # the numbers the solution states: its table (two decimals) ...
    exact = [round(result[n][0], 2) for n in (4, 6, 8, 10)]
    digits = [round(result[n][1], 2) for n in (4, 6, 8, 10)]
    assert exact == [0.98, 0.88, 0.50, 0.13]
    assert digits == [1.00, 0.98, 0.87, 0.69]
    # ... and, at length 10, the first output right 97% of the time, the last 43%
    per_pos = result[10][2]
    assert (round(per_pos[0], 2), round(per_pos[-1], 2)) == (0.97, 0.43)
    # the last outputs (the first inputs, read longest ago) are the worst
    assert per_pos[-2:].mean() < per_pos[:2].mean() - 0.3
