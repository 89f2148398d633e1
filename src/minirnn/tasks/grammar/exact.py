r"""The grammar's exact probabilities: every sentence listed, the entropy of the source,
and the best possible n-gram and agreement-blind models, all without sampling.

Every function works on chapter 9's grammar (:func:`~minirnn.tasks.grammar.rules.derive`)
by default, and on any other grammar written the same way when it is passed as
``derive``: a function ``derive(choose, blind=False) -> list of words`` that makes each
of its choices by calling ``choose(options, probs)``, has finitely many derivations, and
emits each sentence by exactly one of them (for example
:func:`~minirnn.tasks.grammar.long_distance.derive`).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..._checks import check_positive_int
from .rules import END
from .rules import derive as _default_derive


class _NeedChoice(Exception):
    """Raised by the enumerating chooser when it reaches an undecided choice."""

    def __init__(self, probs):
        self.probs = probs


def _grammar(derive):
    """The program of choices to enumerate: ``derive``, or chapter 9's grammar if None."""
    if derive is None:
        return _default_derive
    if not callable(derive):
        raise TypeError(f"derive must be a grammar's derive(choose, blind=False) function, "
                        f"got {type(derive).__name__}")
    return derive


@lru_cache(maxsize=8)
def _enumerate(blind: bool, derive=_default_derive) -> tuple[tuple[tuple[str, ...], float], ...]:
    """Every derivation as a pair (words, probability).

    Depth-first search over the choice sequences: run the grammar with a fixed
    prefix of decisions; when it asks for a decision beyond the prefix, branch
    on each option of non-zero probability.
    """
    out = []
    stack: list[tuple[int, ...]] = [()]
    while stack:
        prefix = stack.pop()
        position = [0]
        prob = [1.0]

        def choose(options, probs, prefix=prefix, position=position, prob=prob):
            i = position[0]
            if i == len(prefix):
                raise _NeedChoice(probs)
            position[0] += 1
            prob[0] *= probs[prefix[i]]
            return prefix[i]

        try:
            words = derive(choose, blind=blind)
        except _NeedChoice as need:
            stack.extend(prefix + (k,) for k, p in enumerate(need.probs) if p > 0)
            continue
        out.append((tuple(words), prob[0]))
    return tuple(out)


def enumerate_sentences(blind: bool = False, derive=None) -> dict[tuple[str, ...], float]:
    """All sentences of the grammar with their exact probabilities.

    Parameters
    ----------
    blind : bool
        If True, the agreement-blind grammar (main verb's number a coin flip),
        which also gives probability to the ungrammatical sentences.
    derive : callable, optional
        The grammar (see the module docstring); default chapter 9's.

    Returns
    -------
    dict
        ``{tuple of words: probability}``; the probabilities sum to 1.

    Raises
    ------
    RuntimeError
        If two derivations emit the same words (the grammar would be ambiguous,
        and the entropy of its choices would no longer be the entropy of its text).
    """
    return dict(_table(blind, _grammar(derive)))


@lru_cache(maxsize=8)
def _table(blind: bool, derive=_default_derive) -> dict[tuple[str, ...], float]:
    """The cached ``{sentence: probability}`` (never handed out: callers get a copy)."""
    table: dict[tuple[str, ...], float] = {}
    for words, p in _enumerate(blind, derive):
        if words in table:
            raise RuntimeError(f"the grammar is ambiguous: {' '.join(words)!r} has two derivations")
        table[words] = p
    return table


def sentence_prob(words, blind: bool = False, derive=None) -> float:
    """The exact probability of one sentence (0 if the grammar cannot emit it)."""
    return _table(blind, _grammar(derive)).get(tuple(words), 0.0)


def expected_length(derive=None) -> float:
    """The mean length :math:`E|s|`: the mean number of tokens per sentence (including ".")."""
    return sum(p * len(s) for s, p in _table(False, _grammar(derive)).items())


def entropy_per_sentence(derive=None) -> float:
    r"""The exact entropy of one sentence, :math:`-\sum_s p(s) \log p(s)`, in nats."""
    return -sum(p * math.log(p) for p in _table(False, _grammar(derive)).values())


def entropy_per_token(derive=None) -> float:
    """The exact entropy rate of the sentence stream, in nats per token."""
    return entropy_per_sentence(derive) / expected_length(derive)


def floor_perplexity(derive=None) -> float:
    """``exp(entropy_per_token())``: the lowest perplexity any model can expect on fresh
    text (the expected value; on a particular finite text a model can score below it)."""
    return math.exp(entropy_per_token(derive))


def choice_entropy_per_sentence(derive=None) -> float:
    r"""The same entropy by the chain rule: the entropy of each choice, weighted by how often
    the grammar reaches it.

    .. math:: H(S) = \sum_{\text{choice points } c} P(\text{reach } c)\, H(c)

    Equal to :func:`entropy_per_sentence` exactly because every choice is visible
    in the words (no two derivations give the same sentence).
    """
    derive = _grammar(derive)
    total = 0.0
    stack: list[tuple[tuple[int, ...], float]] = [((), 1.0)]
    while stack:
        prefix, reach = stack.pop()
        position = [0]

        def choose(options, probs, prefix=prefix, position=position):
            i = position[0]
            if i == len(prefix):
                raise _NeedChoice(probs)
            position[0] += 1
            return prefix[i]

        try:
            derive(choose)
        except _NeedChoice as need:
            total += reach * -sum(p * math.log(p) for p in need.probs if p > 0)
            stack.extend((prefix + (k,), reach * p) for k, p in enumerate(need.probs) if p > 0)
    return total


def blind_cross_entropy_per_token(derive=None) -> float:
    r"""Exact cross-entropy of the agreement-blind model on the true source, nats per token.

    The blind model is the true grammar except that at the main verb it has
    forgotten the subject's number and gives each number probability 1/2, so
    :math:`H_\text{blind} = \sum_s p(s)\,(-\log q(s)) / E|s|`, summed over all
    sentences (exact, no sampling).
    """
    derive = _grammar(derive)
    q = _table(True, derive)
    cross = -sum(p * math.log(q[s]) for s, p in _table(False, derive).items())
    return cross / expected_length(derive)


def blind_perplexity(derive=None) -> float:
    """``exp`` of :func:`blind_cross_entropy_per_token`."""
    return math.exp(blind_cross_entropy_per_token(derive))


def ngram_limit_perplexity(n: int, derive=None) -> float:
    """The perplexity of the best possible n-gram model: one fitted on unlimited text.

    With unlimited training text an n-gram's counts converge to the exact
    conditional probabilities :math:`P(w_t \\mid w_{t-n+1} \\ldots w_{t-1})` of the
    sentence stream, and its expected cross-entropy to the conditional entropy
    of the next token given the last ``n - 1`` tokens. Both are computed here
    exactly, from the list of all sentences. When the window holds the "." that
    began the current sentence, it knows the whole sentence so far (the words
    before the "." belong to an independent sentence and tell nothing), so there
    it predicts like the true model; otherwise it only knows the last ``n - 1``
    words.

    Parameters
    ----------
    n : int
        The order: 1 (unigram), 2 (bigram), ...
    derive : callable, optional
        The grammar (see the module docstring); default chapter 9's.

    Returns
    -------
    float
        ``exp`` of the conditional entropy per token, in nats: never below
        :func:`floor_perplexity`, and equal to it once the window always reaches
        back to the sentence start (``n`` at least the longest sentence's length).
    """
    n = check_positive_int(n, "n", "ngram_limit_perplexity")
    derive = _grammar(derive)
    k = n - 1
    known_start = 0.0                               # nats from windows that reach the last "."
    mass: dict[tuple[str, ...], dict[str, float]] = {}   # window -> {next word: probability}
    for s, p in _table(False, derive).items():
        for t in range(len(s)):
            if t < k:
                known_start -= p * math.log(next_word_probs(s[:t], derive=derive)[s[t]])
            else:
                nxt = mass.setdefault(s[t - k:t], {})
                nxt[s[t]] = nxt.get(s[t], 0.0) + p
    cross = known_start
    for nxt in mass.values():
        total = sum(nxt.values())
        cross -= sum(m * math.log(m / total) for m in nxt.values())
    return math.exp(cross / expected_length(derive))


# --- the exact models as next-token predictors -----------------------------------------------
@lru_cache(maxsize=8)
def _prefix_table(blind: bool, derive=_default_derive) -> dict[tuple[str, ...], dict[str, float]]:
    """``{prefix: {next word: probability mass}}`` over all sentences (unnormalised)."""
    table: dict[tuple[str, ...], dict[str, float]] = {}
    for s, p in _table(blind, derive).items():
        for t in range(len(s)):
            nxt = table.setdefault(s[:t], {})
            nxt[s[t]] = nxt.get(s[t], 0.0) + p
    return table


def next_word_probs(prefix, blind: bool = False, derive=None) -> dict[str, float]:
    """The exact distribution of the next word after the start of a sentence.

    Parameters
    ----------
    prefix : sequence of str
        The words of the current sentence so far (after the last ".").
    blind : bool
        Use the agreement-blind model.
    derive : callable, optional
        The grammar (see the module docstring); default chapter 9's.

    Returns
    -------
    dict
        ``{word: probability}`` over the words that can follow (summing to 1).
    """
    prefix = tuple(prefix)
    mass = _prefix_table(blind, _grammar(derive)).get(prefix)
    if mass is None:
        raise ValueError(f"next_word_probs: {' '.join(prefix)!r} is not the start of any "
                         "sentence of the grammar")
    total = sum(mass.values())
    return {w: m / total for w, m in mass.items()}


def stream_log_probs(tokens, blind: bool = False, derive=None) -> np.ndarray:
    """Log-probability of each token of a stream of sentences under the exact model.

    Parameters
    ----------
    tokens : sequence of str
        Whole sentences one after another, each ended by ".".
    blind : bool
        Use the agreement-blind model.
    derive : callable, optional
        The grammar (see the module docstring); default chapter 9's.

    Returns
    -------
    ndarray, shape (len(tokens),)
        ``log p(token_t | the tokens of its sentence before it)``.
    """
    out = np.empty(len(tokens))
    start = 0
    for t, w in enumerate(tokens):
        probs = next_word_probs(tokens[start:t], blind, derive)
        if w not in probs:
            raise ValueError(f"stream_log_probs: token {t} ({w!r}) cannot follow "
                             f"{' '.join(tokens[start:t])!r}")
        out[t] = math.log(probs[w])
        if w == END:
            start = t + 1
    return out
