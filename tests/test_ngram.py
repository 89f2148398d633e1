import math

import numpy as np
import pytest

from minirnn.ngram import NGramLM, ngram_perplexities


@pytest.fixture
def stream():
    # a stream with structure (a noisy cycle) so that every order has something to learn
    rng = np.random.default_rng(0)
    base = np.tile(np.arange(5), 60)
    noise = rng.integers(0, 7, base.size)
    return np.where(rng.random(base.size) < 0.2, noise, base)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_probabilities_sum_to_one_for_seen_and_unseen_contexts(order, stream):
    lm = NGramLM(order, vocab_size=7).fit(stream)
    rng = np.random.default_rng(1)
    contexts = [stream[i:i + 3] for i in range(0, 50, 7)] + [rng.integers(0, 7, 3)
                                                             for _ in range(10)]
    contexts += [[], [6], [6, 6, 6]]               # short and never-seen contexts
    for h in contexts:
        p = lm.distribution(h)
        assert p.shape == (7,)
        assert np.all(p > 0)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)
        np.testing.assert_allclose([lm.prob(h, w) for w in range(7)], p, rtol=1e-12)


def test_bigram_equals_the_witten_bell_formula_from_count_matrices(stream):
    V = 7
    uni = np.bincount(stream, minlength=V).astype(float)
    big = np.zeros((V, V))
    np.add.at(big, (stream[:-1], stream[1:]), 1.0)
    u1 = np.count_nonzero(uni)
    p1 = (uni + u1 / V) / (uni.sum() + u1)
    lm = NGramLM(2, V).fit(stream)
    for h in range(V):
        row, u = big[h], np.count_nonzero(big[h])
        expected = (row + u * p1) / (row.sum() + u) if row.sum() > 0 else p1
        np.testing.assert_allclose(lm.distribution([h]), expected, rtol=1e-12)
    np.testing.assert_allclose(NGramLM(1, V).fit(stream).distribution([3]), p1, rtol=1e-12)


def test_log_probs_use_the_shorter_context_at_the_start(stream):
    lm = NGramLM(3, vocab_size=7).fit(stream)
    lp = lm.log_probs(stream[:10])
    assert lp.shape == (10,)
    assert lp[0] == pytest.approx(math.log(lm.prob([], stream[0])))
    assert lp[1] == pytest.approx(math.log(lm.prob([stream[0]], stream[1])))
    assert lp[5] == pytest.approx(math.log(lm.prob(stream[3:5], stream[5])))
    assert lm.perplexity(stream) == pytest.approx(math.exp(-lm.log_probs(stream).mean()))


def test_a_deterministic_cycle_is_learned_by_the_bigram_but_not_the_unigram():
    cycle = np.tile(np.arange(4), 500)
    ppl = ngram_perplexities(cycle[:1600], cycle[1600:], vocab_size=4, orders=(1, 2))
    assert ppl[1] == pytest.approx(4.0, rel=1e-3)          # four equally frequent tokens
    assert ppl[2] < 1.01


def test_longer_context_helps_on_a_pattern_with_memory():
    # token after "x" depends on the token two steps back
    rng = np.random.default_rng(2)
    a = rng.integers(0, 2, 3000)
    seq = np.stack([a, np.full_like(a, 2), a], axis=1).ravel()     # a, x, a, a', x, a', ...
    ppl = ngram_perplexities(seq[:6000], seq[6000:], vocab_size=3, orders=(2, 3))
    assert ppl[3] < ppl[2] - 0.1


def test_errors():
    lm = NGramLM(2, vocab_size=3)
    with pytest.raises(ValueError, match="before fit"):
        lm.prob([0], 1)
    with pytest.raises(ValueError, match=r"token ids in \[0, 3\)"):
        lm.fit(np.array([0, 1, 5]))
    with pytest.raises(TypeError, match="integer"):
        lm.fit(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="positive int"):
        NGramLM(0, vocab_size=3)
