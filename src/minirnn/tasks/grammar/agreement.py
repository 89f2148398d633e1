"""Where the agreement is in a sentence, and how much probability a model gives to each
number at the main verb."""

from __future__ import annotations

import numpy as np

from .exact import sentence_prob
from .rules import END, INTRANSITIVE, MAIN_VERBS, NOUNS, TRANSITIVE


def number_of(word: str) -> str | None:
    """'sg' or 'pl' for a noun or verb, None for the other words."""
    for table in (NOUNS, TRANSITIVE, INTRANSITIVE):
        for number, words in table.items():
            if word in words:
                return number
    return None


def is_grammatical(words) -> bool:
    """True if the grammar can emit this sentence (with its "." at the end)."""
    return sentence_prob(words) > 0.0


def sentence_info(words) -> dict:
    """Where the agreement is, in a grammatical sentence.

    Returns
    -------
    dict
        ``subject_number`` ('sg'/'pl'), ``clause_length`` (words between the
        subject noun and the main verb), ``main_verb_index`` (position of the
        main verb), ``attractor`` (True if the clause holds a noun of the other
        number).
    """
    words = list(words)
    if not is_grammatical(words):
        raise ValueError(f"sentence_info: {' '.join(words)!r} is not a sentence of the grammar")
    n1 = number_of(words[1])
    clause = words[2:-2]
    return {"subject_number": n1, "clause_length": len(clause),
            "main_verb_index": len(words) - 2,
            "attractor": any(w in NOUNS["sg"] + NOUNS["pl"] and number_of(w) != n1
                             for w in clause)}


def split_sentences(tokens) -> list[list[str]]:
    """Cut a token stream after each "."; a trailing unfinished sentence is dropped."""
    out, current = [], []
    for w in tokens:
        current.append(w)
        if w == END:
            out.append(current)
            current = []
    return out


def agreement_table(tokens, next_word_dist, vocab) -> dict:
    """How much probability a model gives to each number at every main verb of a stream.

    Parameters
    ----------
    tokens : sequence of str
        Whole sentences of the grammar one after another (e.g. the validation corpus).
    next_word_dist : callable
        ``next_word_dist(t) -> p`` with ``p`` of shape (V,): the model's
        distribution of token ``t`` given the tokens before it.
    vocab : Vocabulary
        Maps the main verbs to the indices of ``p``.

    Returns
    -------
    dict
        ``{(subject_number, clause_length): (mean P(singular main verb),
        mean P(plural main verb), number of sentences)}``; each P sums the
        probability of the three main verbs of that number.
    """
    sg = [vocab.id(w) for w in MAIN_VERBS["sg"]]
    pl = [vocab.id(w) for w in MAIN_VERBS["pl"]]
    sums: dict[tuple[str, int], list] = {}
    start = 0
    for sentence in split_sentences(tokens):
        info = sentence_info(sentence)
        p = np.asarray(next_word_dist(start + info["main_verb_index"]))
        acc = sums.setdefault((info["subject_number"], info["clause_length"]), [0.0, 0.0, 0])
        acc[0] += float(p[sg].sum())
        acc[1] += float(p[pl].sum())
        acc[2] += 1
        start += len(sentence)
    return {key: (a / n, b / n, n) for key, (a, b, n) in sorted(sums.items())}
