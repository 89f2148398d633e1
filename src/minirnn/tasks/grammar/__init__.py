"""A small probabilistic grammar with a long-range dependency: subject-verb agreement
(chapter 9). ``import minirnn.tasks.grammar as g`` gives every name of its first four modules:

- :mod:`~minirnn.tasks.grammar.rules`: the words, the choices and their probabilities, sampling;
- :mod:`~minirnn.tasks.grammar.exact`: every sentence with its exact probability, the entropy
  of the source, and the best possible n-gram and agreement-blind models;
- :mod:`~minirnn.tasks.grammar.agreement`: where the agreement is, and how a model does there;
- :mod:`~minirnn.tasks.grammar.corpus`: the shipped corpus files;

and ``g.long_distance`` (:mod:`~minirnn.tasks.grammar.long_distance`) is a variant with up
to 30 words between the subject and its verb, for the gated cells of chapter 9's last
section; the functions of ``exact`` take its ``derive``.
"""

from . import long_distance
from .agreement import (
    agreement_table,
    is_grammatical,
    number_of,
    sentence_info,
    split_sentences,
)
from .corpus import (
    CORPUS_SHA256,
    CORPUS_SPLITS,
    corpus_tokens,
    generate_corpus,
    load_corpus,
    vocabulary,
    write_corpus,
)
from .exact import (
    blind_cross_entropy_per_token,
    blind_perplexity,
    choice_entropy_per_sentence,
    entropy_per_sentence,
    entropy_per_token,
    enumerate_sentences,
    expected_length,
    floor_perplexity,
    next_word_probs,
    ngram_limit_perplexity,
    sentence_prob,
    stream_log_probs,
)
from .rules import (
    ADJECTIVE_COUNT_PROBS,
    ADJECTIVES,
    CLAUSE_PROBS,
    CLAUSE_TYPES,
    END,
    INTRANSITIVE,
    MAIN_VERBS,
    NOUNS,
    NUMBER_PROBS,
    NUMBERS,
    TRANSITIVE,
    UNIFORM3,
    WORDS,
    corpus_text,
    derive,
    sample_sentences,
)

__all__ = [
    "ADJECTIVES", "ADJECTIVE_COUNT_PROBS", "CLAUSE_PROBS", "CLAUSE_TYPES", "CORPUS_SHA256",
    "CORPUS_SPLITS", "END", "INTRANSITIVE", "MAIN_VERBS", "NOUNS", "NUMBERS", "NUMBER_PROBS",
    "TRANSITIVE", "UNIFORM3", "WORDS", "agreement_table", "blind_cross_entropy_per_token",
    "blind_perplexity", "choice_entropy_per_sentence", "corpus_text", "corpus_tokens", "derive",
    "entropy_per_sentence", "entropy_per_token", "enumerate_sentences", "expected_length",
    "floor_perplexity", "generate_corpus", "is_grammatical", "load_corpus", "long_distance",
    "next_word_probs",
    "ngram_limit_perplexity", "number_of", "sample_sentences", "sentence_info", "sentence_prob",
    "split_sentences", "stream_log_probs", "vocabulary", "write_corpus",
]
