"""The computational answers of the exercises of chapter 8 (08_attention)."""

import numpy as np
import pytest

import minirnn as mr
from minirnn.decoding import beam_search
from minirnn.losses import softmax
from minirnn.models import AttentionSeq2Seq, Seq2Seq


def test_ch8_ex_scale_dot_products_spread_like_sqrt_h():
    rng = np.random.default_rng(0)
    largest = {}
    for H in (4, 64, 1024):
        q, k = rng.standard_normal((2, 10_000, H))
        dots = np.sum(q * k, axis=1)
        assert dots.std() == pytest.approx(np.sqrt(H), rel=0.05)        # about 2, 8, 32
        assert (dots / np.sqrt(H)).std() == pytest.approx(1.0, rel=0.05)
        Q, K = rng.standard_normal((1000, H)), rng.standard_normal((1000, 10, H))
        u = np.einsum("nh,nsh->ns", Q, K)
        largest[H] = (softmax(u).max(axis=1).mean(), softmax(u / np.sqrt(H)).max(axis=1).mean())
    assert largest[1024][0] > 0.9                 # unscaled: nearly one-hot
    assert all(0.3 < scaled < 0.5 for _, scaled in largest.values())   # scaled: the same for all H


def test_ch8_ex_uniform_equal_scores_average_the_real_states():
    hs = np.random.default_rng(0).standard_normal((1, 5, 3))
    u = np.zeros((1, 1, 5))
    alpha, _ = mr.masked_softmax_forward(u)
    np.testing.assert_allclose(alpha[0, 0], 0.2)
    np.testing.assert_allclose(mr.context_forward(alpha, hs)[0][0, 0], hs[0].mean(axis=0))
    mask = np.array([[True, True, True, False, False]])
    alpha, _ = mr.masked_softmax_forward(u, mask)
    np.testing.assert_allclose(alpha[0, 0], [1 / 3] * 3 + [0, 0])
    np.testing.assert_allclose(mr.context_forward(alpha, hs)[0][0, 0], hs[0, :3].mean(axis=0))
    # a freshly initialised model's weights are close to uniform (1/12 = 0.083)
    from minirnn.tasks import patterns as P
    data = P.digit_reversal_split(100, 100, 12, seed=1)
    fresh = AttentionSeq2Seq(10, 10, 16, 64, seed=1)
    weights = fresh.attention_weights(data.x_test, data.y_test)
    assert round(float(weights.max(axis=-1).mean()), 3) == 0.097


@pytest.mark.parametrize("score", ["dot", "additive"])
def test_ch8_ex_permute_attention_is_blind_to_order(score):
    rng = np.random.default_rng(0)
    q, k = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
    perm = rng.permutation(5)
    layer = mr.Attention(4, score=score, seed=0)
    np.testing.assert_allclose(layer.forward(q, k), layer.forward(q, k[:, perm]))
    # ... while a recurrent encoder's states do depend on the order of its inputs
    rnn = mr.RNN(4, 4, seed=0)
    assert not np.allclose(rnn.forward(k)[:, -1], rnn.forward(k[:, perm])[:, -1])


def test_ch8_ex_params_attention_costs():
    base = Seq2Seq(10, 10, 16, 64).num_params
    dot = AttentionSeq2Seq(10, 10, 16, 64, score="dot").num_params
    add = AttentionSeq2Seq(10, 10, 16, 64, score="additive", attn_size=32).num_params
    assert (base, dot - base, add - base) == (11354, 640, 4768)
    assert dot - base == 10 * 64 and add - dot == 2 * 32 * 64 + 32
    assert (dot - base) / base < 0.06


def test_ch8_ex_beam_greedy_is_misled():
    first = np.array([0.6, 0.4, 1e-12])
    after = np.array([[0.35, 0.35, 0.3], [0.9, 0.05, 0.05], [1 / 3, 1 / 3, 1 / 3]])

    def step(symbols, state):
        probs = first if state[0, 0] < 0 else after[symbols]
        probs = np.broadcast_to(probs, (len(symbols), 3))
        return np.log(probs), symbols[:, None].astype(float)

    found = {}
    for width in (1, 2):
        ids, logp = beam_search(step, np.full((1, 1), -1.0), start=2, length=2, width=width)
        found[width] = (ids[0].tolist(), round(float(np.exp(logp[0])), 2))
    assert found == {1: ([0, 0], 0.21), 2: ([1, 0], 0.36)}


def test_ch8_ex_padloss_unmasked_mean_drifts_to_the_padding_loss():
    pad_loss = -np.log(0.9)
    got = [round((9 + (2 * W - 6) * pad_loss) / (2 * W), 2) for W in (4, 8, 16)]
    assert got == [1.15, 0.63, 0.37]
    # the same with softmax_cross_entropy on logits built to give those probabilities
    W = 8
    V = 3                                            # two "digit" classes and PAD = 2
    y = np.full((2, W), 2)
    y[0, :4], y[1, :2] = 0, 1
    real = y != 2
    logits = np.zeros((2, W, V))
    logits[~real] = np.log([0.05, 0.05, 0.9])       # P(PAD) = 0.9 at the padding
    p_true = np.exp(-1.5)                            # loss 1.5 at every real position
    rest = (1 - p_true) / 2
    for n, t in zip(*np.nonzero(real), strict=True):
        probs = np.full(V, rest)
        probs[y[n, t]] = p_true
        logits[n, t] = np.log(probs)
    assert mr.softmax_cross_entropy(logits, y)[0] == pytest.approx(got[1], abs=0.005)
    assert mr.softmax_cross_entropy(logits, y, real)[0] == pytest.approx(1.5)
