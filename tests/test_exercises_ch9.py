"""The computational answers of the exercises of notebooks/09_remembering_lm.ipynb."""

import math

import pytest

import minirnn.tasks.grammar as g
from minirnn.tasks.grammar import exact, rules


def _fresh_caches():
    for cached in (exact._enumerate, exact._table, exact._prefix_table):
        cached.cache_clear()


@pytest.fixture
def grammar_without_adjectives(monkeypatch):
    monkeypatch.setattr(rules, "ADJECTIVE_COUNT_PROBS", (1.0,))
    _fresh_caches()
    yield
    _fresh_caches()            # the monkeypatch is undone after this: drop the modified tables


def test_ch7_ex_no_adjectives(grammar_without_adjectives):
    ln2, ln3 = math.log(2), math.log(3)
    H_S = ln2 + ln3 + math.log(4) + ln3 / 4 + (ln3 + ln2 + ln3) / 2 + ln3   # the solution
    assert g.entropy_per_sentence() == pytest.approx(H_S, rel=1e-12)
    assert g.expected_length() == pytest.approx(6.5, rel=1e-12)
    assert H_S == pytest.approx(5.9965, abs=1e-4)
    assert g.entropy_per_token() == pytest.approx(0.9225, abs=1e-4)
    assert g.floor_perplexity() == pytest.approx(2.516, abs=1e-3)
    assert g.floor_perplexity() < 2.737


def test_ch7_ex_no_adjectives_leaves_the_real_grammar_intact():
    assert g.floor_perplexity() == pytest.approx(2.7365, abs=1e-4)


def test_ch7_ex_blind():
    H_S, L = g.entropy_per_sentence(), g.expected_length()
    assert H_S == pytest.approx(6.8958, abs=1e-4) and L == pytest.approx(6.85)
    blind = math.exp((H_S + math.log(2)) / L)
    assert g.blind_perplexity() == pytest.approx(blind, rel=1e-12)
    assert blind == pytest.approx(3.028, abs=1e-3)
    assert blind / g.floor_perplexity() == pytest.approx(1.106, abs=1e-3)
    assert math.exp(math.log(2) / (2 * L)) == pytest.approx(1.052, abs=1e-3)


def test_ch7_ex_window():
    def window_shows_subject(s):                    # the solution's code
        m = len(s) - 2
        window = range(m - 3, m)
        if 1 in window:
            return True
        return s[2] == "that" and 3 in window and g.number_of(s[3]) == g.number_of(s[1])

    share = sum(p for s, p in g.enumerate_sentences().items() if window_shows_subject(s))
    assert share == pytest.approx(1 / 4 + 1 / 4 + 1 / 4 * 1 / 2, rel=1e-12)


def test_ch7_ex_below_floor_standard_error():
    # the standard error of the true model's cross-entropy on the validation text
    tokens = g.corpus_tokens("valid")
    logp = g.stream_log_probs(tokens)
    nll, lengths, start = [], [], 0
    for s in g.split_sentences(tokens):
        nll.append(-logp[start:start + len(s)].sum())
        lengths.append(len(s))
        start += len(s)
    total = sum(lengths)
    H = sum(nll) / total
    se = math.sqrt(sum((a - H * n) ** 2 for a, n in zip(nll, lengths, strict=True))) / total
    assert 0.0005 < se < 0.0015                      # "about 0.001 nats per token"
    assert math.log(1.005) / se > 3.5                # 0.5 % is several standard errors


def test_ch9_ex_count_the_price_of_not_counting():
    import numpy as np

    from minirnn.tasks.grammar import long_distance as ld

    k = np.arange(ld.MAX_PHRASES + 1)
    assert ld.PHRASE_COUNT_PROBS == pytest.approx([1 / 11] * 11)

    def loss(h):                       # nats per sentence lost to the true grammar's 1/11
        return float(np.mean(np.log(1 / 11) - (k * np.log(1 - h) + np.log(h))))

    h = 1 / (1 + k.mean())
    assert h == pytest.approx(1 / 6)
    assert loss(h) == pytest.approx(math.log(6) - math.log(11) - 5 * math.log(5 / 6), rel=1e-12)
    assert round(loss(h), 4) == 0.3055 and round(loss(h), 3) == 0.305
    # h = 1/6 is the best constant: any other costs more
    assert all(loss(other) > loss(h) for other in (0.1, 0.15, 0.18, 0.25))
    # and it is what the grammar pays nothing for: the exact entropy of k is ln 11
    H_k = -sum(p * math.log(p) for p in ld.PHRASE_COUNT_PROBS)
    assert H_k == pytest.approx(math.log(11))
