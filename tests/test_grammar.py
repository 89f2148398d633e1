import math

import numpy as np
import pytest

import minirnn.tasks.grammar as g

SG_NOUNS, PL_NOUNS = set(g.NOUNS["sg"]), set(g.NOUNS["pl"])
SG_VERBS = set(g.TRANSITIVE["sg"]) | set(g.INTRANSITIVE["sg"])
PL_VERBS = set(g.TRANSITIVE["pl"]) | set(g.INTRANSITIVE["pl"])


def _agreement_ok(words):
    """An independent check of every agreement in a sentence, from the rules in the docstring."""
    def num(w):
        return "sg" if w in SG_NOUNS | SG_VERBS else "pl" if w in PL_NOUNS | PL_VERBS else None

    if words[0] != "the" or words[-1] != "." or num(words[1]) is None:
        return False
    subject = num(words[1])
    if words[-2] not in set(g.INTRANSITIVE["sg"]) | set(g.INTRANSITIVE["pl"]):
        return False
    if num(words[-2]) != subject:                      # the long-range agreement
        return False
    clause = words[2:-2]
    if not clause:
        return True
    if clause[0] != "that":
        return False
    if clause[1] == "the":                            # object relative: inner noun, inner verb
        return num(clause[-1]) == num(clause[-2]) and clause[-1] in set(g.TRANSITIVE["sg"]) | \
            set(g.TRANSITIVE["pl"])
    return num(clause[1]) == subject                  # subject relative: verb agrees with subject


def test_probabilities_sum_to_one_and_every_sentence_is_distinct():
    table = g.enumerate_sentences()
    assert math.isclose(sum(table.values()), 1.0, rel_tol=1e-12)
    assert all(p > 0 for p in table.values())
    # enumerate_sentences raises on a repeated sentence; check the count by hand as well:
    # 2 numbers * 3 nouns * (1 + 3 + 2 * 3 verbs * (1 + 3 + 9 adjective strings) * 6 nouns)
    # * 3 main verbs
    assert len(table) == 2 * 3 * (1 + 3 + 2 * 3 * 13 * 6) * 3
    assert math.isclose(sum(g.enumerate_sentences(blind=True).values()), 1.0, rel_tol=1e-12)


def test_every_sentence_of_the_grammar_agrees():
    assert all(_agreement_ok(list(s)) for s in g.enumerate_sentences())
    assert g.is_grammatical("the dog that the cats chase runs .".split())
    assert not g.is_grammatical("the dog that the cats chase run .".split())
    assert not g.is_grammatical("the dog that the cats chases runs .".split())
    assert not g.is_grammatical("the dog that the cats chase runs".split())   # no full stop


def test_samples_are_grammatical_repeatable_and_varied():
    a = g.sample_sentences(2000, seed=7)
    assert a == g.sample_sentences(2000, seed=7)
    assert a != g.sample_sentences(2000, seed=8)
    assert all(_agreement_ok(s) for s in a)
    assert all(g.is_grammatical(s) for s in a)
    # every clause length the grammar allows occurs
    assert {g.sentence_info(s)["clause_length"] for s in a} == {0, 2, 4, 5, 6}


def test_sampled_clause_lengths_follow_the_exact_probabilities():
    sample = g.sample_sentences(20_000, seed=3)
    lengths = np.array([len(s) - 4 for s in sample])
    exact = {}
    for s, p in g.enumerate_sentences().items():
        exact[len(s) - 4] = exact.get(len(s) - 4, 0.0) + p
    assert exact[0] == pytest.approx(0.25) and exact[2] == pytest.approx(0.25)
    for k, p in exact.items():
        se = math.sqrt(p * (1 - p) / lengths.size)
        assert abs(np.mean(lengths == k) - p) < 4 * se, k


def test_entropy_by_enumeration_equals_the_chain_rule_over_choices():
    # equal only because no two derivations emit the same words
    assert g.entropy_per_sentence() == pytest.approx(g.choice_entropy_per_sentence(), rel=1e-12)
    assert g.floor_perplexity() == pytest.approx(math.exp(g.entropy_per_token()))


def test_exact_entropy_matches_monte_carlo_estimate():
    """Mean of -log p(sentence) per token over a large sample, within 3 standard errors."""
    sample = g.sample_sentences(20_000, seed=11)
    nll = np.array([-math.log(g.sentence_prob(s)) for s in sample])
    lengths = np.array([len(s) for s in sample], dtype=float)
    estimate = nll.sum() / lengths.sum()               # tokens of a stream of sentences
    # standard error of a ratio estimator (delta method)
    resid = nll - estimate * lengths
    se = math.sqrt(np.sum(resid ** 2)) / lengths.sum()
    assert se < 0.005                       # sharp enough for the check to mean something
    assert abs(estimate - g.entropy_per_token()) < 3 * se


def test_next_word_probabilities_are_the_chain_rule_of_the_sentence_probability():
    for s in g.sample_sentences(200, seed=5):
        logp = 0.0
        for t in range(len(s)):
            probs = g.next_word_probs(s[:t])
            assert sum(probs.values()) == pytest.approx(1.0, abs=1e-12)
            logp += math.log(probs[s[t]])
        assert logp == pytest.approx(math.log(g.sentence_prob(s)), abs=1e-10)
    with pytest.raises(ValueError, match="not the start of any sentence"):
        g.next_word_probs(["the", "dog", "run"])


def test_agreement_blind_model_loses_exactly_one_coin_flip_per_sentence():
    # at the main verb the true model is certain of the number, the blind one gives 1/2
    expected = (g.entropy_per_sentence() + math.log(2)) / g.expected_length()
    assert g.blind_cross_entropy_per_token() == pytest.approx(expected, rel=1e-12)
    probs = g.next_word_probs("the dog that the cats chase".split())
    blind = g.next_word_probs("the dog that the cats chase".split(), blind=True)
    assert probs["runs"] == pytest.approx(1 / 3) and "run" not in probs
    assert blind["runs"] == pytest.approx(1 / 6) and blind["run"] == pytest.approx(1 / 6)
    # elsewhere the two models agree: the verb inside a subject relative still agrees
    assert g.next_word_probs(["the", "dog", "that"], blind=True) == pytest.approx(
        g.next_word_probs(["the", "dog", "that"]))


def test_stream_log_probs_on_the_validation_corpus_are_near_the_floor():
    tokens = g.corpus_tokens("valid")
    logp = g.stream_log_probs(tokens)
    assert logp.shape == (len(tokens),)
    # 34 000 tokens: the per-token mean is within a few standard errors (about 0.001) of H
    assert abs(-logp.mean() - g.entropy_per_token()) < 0.005
    with pytest.raises(ValueError, match="cannot follow"):
        g.stream_log_probs("the dogs runs .".split())


def test_sentence_info():
    info = g.sentence_info("the dog that the cats chase runs .".split())
    assert info == {"subject_number": "sg", "clause_length": 4, "main_verb_index": 6,
                    "attractor": True}
    assert g.sentence_info("the birds sing .".split())["attractor"] is False
    with pytest.raises(ValueError, match="not a sentence of the grammar"):
        g.sentence_info("the birds sings .".split())


def test_split_sentences_drops_an_unfinished_tail():
    assert g.split_sentences("the dog runs . the cats run . the".split()) == [
        ["the", "dog", "runs", "."], ["the", "cats", "run", "."]]


def test_shipped_corpus_equals_the_generator_output():
    for split, (_, n, _) in g.CORPUS_SPLITS.items():
        text = g.load_corpus(split)
        assert text == g.generate_corpus(split)
        lines = text.splitlines()
        assert len(lines) == n
        assert all(g.is_grammatical(line.split()) for line in lines)
    assert g.load_corpus("train") != g.load_corpus("valid")


def test_bad_arguments():
    with pytest.raises(ValueError, match="split must be one of"):
        g.load_corpus("test")
    with pytest.raises(ValueError, match="positive int"):
        g.sample_sentences(0, seed=1)


def test_agreement_table_of_the_exact_and_the_blind_model():
    vocab = g.vocabulary()
    tokens = [w for s in g.sample_sentences(300, seed=9) for w in s]
    starts, start = [], 0
    for s in g.split_sentences(tokens):
        starts += [start] * len(s)
        start += len(s)

    def exact(blind):
        def dist(t):
            probs = g.next_word_probs(tokens[starts[t]:t], blind=blind)
            return [probs.get(w, 0.0) for w in vocab.words]
        return dist

    table = g.agreement_table(tokens, exact(False), vocab)
    blind = g.agreement_table(tokens, exact(True), vocab)
    assert sum(n for _, _, n in table.values()) == 300
    for (number, length), (p_sg, p_pl, _) in table.items():
        right, wrong = (p_sg, p_pl) if number == "sg" else (p_pl, p_sg)
        # a main verb is certain once a clause has ended; after "the dog" it has probability 1/4
        assert right == pytest.approx(0.25 if length == 0 else 1.0)
        assert wrong == 0.0
        b_sg, b_pl, _ = blind[(number, length)]
        assert b_sg == pytest.approx(b_pl) and b_sg + b_pl == pytest.approx(right)


def test_ngram_limit_falls_with_the_order_and_reaches_the_floor():
    limits = [g.ngram_limit_perplexity(n) for n in range(1, 11)]
    assert all(a > b for a, b in zip(limits[:-1], limits[1:], strict=False) if b > limits[-1])
    assert all(lim >= g.floor_perplexity() * (1 - 1e-12) for lim in limits)
    # the longest sentence has 10 tokens: a 10-gram's window always reaches back to its start
    longest = max(len(s) for s in g.enumerate_sentences())
    assert longest == 10
    assert g.ngram_limit_perplexity(longest) == pytest.approx(g.floor_perplexity(), rel=1e-12)
    assert limits[1] / g.floor_perplexity() > 1.5                  # the bigram stays far above


def test_ngram_limit_of_the_unigram_is_the_entropy_of_the_word_frequencies():
    freq, length = {}, g.expected_length()
    for s, p in g.enumerate_sentences().items():
        for w in s:
            freq[w] = freq.get(w, 0.0) + p / length
    assert sum(freq.values()) == pytest.approx(1.0)
    entropy = -sum(f * math.log(f) for f in freq.values())
    assert g.ngram_limit_perplexity(1) == pytest.approx(math.exp(entropy), rel=1e-12)


def test_ngram_limit_is_what_counting_on_a_large_sample_approaches():
    from minirnn.ngram import NGramLM

    vocab = g.vocabulary()
    train = vocab.encode(g.corpus_tokens("train"))
    valid = vocab.encode(g.corpus_tokens("valid"))
    for n in (2, 3):
        fitted = NGramLM(n, len(vocab)).fit(train).perplexity(valid)
        assert fitted == pytest.approx(g.ngram_limit_perplexity(n), rel=0.01), n
