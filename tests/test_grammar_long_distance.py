"""The long-distance variant of the grammar, and the exact functions on any grammar."""

import math

import numpy as np
import pytest

import minirnn.tasks.grammar as g
from minirnn.tasks.grammar import long_distance as ld

LN2, LN3 = math.log(2), math.log(3)


def test_every_sentence_listed_once_with_probabilities_summing_to_one():
    table = g.enumerate_sentences(derive=ld.derive)
    # subject (6) x numbers of the k phrases (2^k, k = 0..10) x main verb (3)
    assert len(table) == 6 * sum(2 ** k for k in range(ld.MAX_PHRASES + 1)) * 3
    assert math.isclose(sum(table.values()), 1.0, rel_tol=1e-12)
    assert math.isclose(sum(g.enumerate_sentences(blind=True, derive=ld.derive).values()), 1.0,
                        rel_tol=1e-12)
    assert all(ld.sentence_info(s)["distance"] == 3 * s.count("near") for s in list(table)[:500])


def test_entropy_by_enumeration_equals_the_chain_rule_by_hand():
    K = ld.MAX_PHRASES
    mean_k = K / 2
    by_hand = LN2 + LN3 + math.log(K + 1) + mean_k * LN2 + LN3    # subject, k, phrases, verb
    assert g.entropy_per_sentence(derive=ld.derive) == pytest.approx(by_hand, rel=1e-12)
    assert g.choice_entropy_per_sentence(derive=ld.derive) == pytest.approx(by_hand, rel=1e-12)
    assert g.expected_length(derive=ld.derive) == pytest.approx(4 + 3 * mean_k, rel=1e-12)
    assert g.floor_perplexity(derive=ld.derive) == pytest.approx(
        math.exp(by_hand / (4 + 3 * mean_k)), rel=1e-12)
    # the blind model pays exactly ln 2 more per sentence
    assert g.blind_cross_entropy_per_token(derive=ld.derive) == pytest.approx(
        (by_hand + LN2) / (4 + 3 * mean_k), rel=1e-12)


def test_chapter_9_grammar_is_still_the_default():
    assert g.floor_perplexity() == pytest.approx(2.7365, abs=1e-4)
    assert len(g.enumerate_sentences()) == 8496
    assert g.sentence_prob("the dog that the cats chase runs .".split()) == pytest.approx(1 / 2592)
    assert g.sample_sentences(50, seed=3) == g.sample_sentences(50, seed=3, derive=g.derive)


def test_derive_must_be_a_function():
    with pytest.raises(TypeError, match="derive must be a grammar's derive"):
        g.floor_perplexity(derive="long")


def test_samples_are_grammatical_repeatable_and_cover_every_length():
    sentences = g.sample_sentences(3000, seed=1, derive=ld.derive)
    assert sentences == g.sample_sentences(3000, seed=1, derive=ld.derive)
    assert all(ld.is_grammatical(s) for s in sentences)
    assert {s.count("near") for s in sentences} == set(range(ld.MAX_PHRASES + 1))
    tokens = ld.generate_tokens("valid")
    assert len(g.split_sentences(tokens)) == ld.SPLITS["valid"][0]
    assert set(tokens) <= set(ld.WORDS)
    assert len(ld.vocabulary()) == len(ld.WORDS) == 17


def test_generate_tokens_rejects_an_unknown_split():
    with pytest.raises(ValueError, match="split must be one of"):
        ld.generate_tokens("dev")


def test_sentence_info_and_agreement():
    s = "the dogs near the tree near the trees run .".split()
    assert ld.sentence_info(s) == {"subject_number": "pl", "phrases": 2, "distance": 6,
                                   "main_verb_index": 8, "attractors": 1}
    assert not ld.is_grammatical("the dogs near the tree runs .".split())
    assert not ld.is_grammatical(["the", "dog"] + ["near", "the", "tree"] * 11 + ["runs", "."])
    with pytest.raises(ValueError, match="not a sentence of the long-distance grammar"):
        ld.sentence_info("the dogs near the tree runs .".split())


def test_the_true_model_is_certain_of_the_number_and_its_log_probs_add_up():
    tokens = ld.generate_tokens("test")[:400]
    tokens = tokens[:max(i for i, w in enumerate(tokens) if w == ".") + 1]  # whole sentences
    vocab = ld.vocabulary()
    logp = g.stream_log_probs(tokens, derive=ld.derive)
    start = 0
    for sentence in g.split_sentences(tokens):
        assert logp[start:start + len(sentence)].sum() == pytest.approx(
            math.log(g.sentence_prob(sentence, derive=ld.derive)), rel=1e-10)
        start += len(sentence)

    def true_dist(t):                                  # the grammar's own next-word distribution
        begin = max((i + 1 for i in range(t) if tokens[i] == "."), default=0)
        probs = g.next_word_probs(tokens[begin:t], derive=ld.derive)
        return np.array([probs.get(w, 0.0) for w in vocab.words])

    table = ld.agreement_by_phrases(tokens, true_dist, vocab)
    assert all(share == pytest.approx(1.0) for share, _ in table.values())
    assert sum(n for _, n in table.values()) == len(g.split_sentences(tokens))
