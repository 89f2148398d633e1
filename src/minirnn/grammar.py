r"""A small probabilistic grammar with a long-range dependency: subject-verb agreement.

Every sentence has a subject, an optional relative clause, a main verb and a
full stop. The main verb agrees in number with the subject, however many words
the relative clause puts between them::

    the dog runs .
    the dogs that sleep run .
    the dog that chases the small cats runs .
    the dog that the old cats chase runs .      # "cats chase" agree locally, "dog runs"
                                                # agree across the clause

The rules, with the probability of each choice (all choices independent)::

    S       -> "the" N[n1] RC V_main[n1] "."         n1 = sg or pl, 1/2 each
    RC      -> (nothing)                              1/4
             | "that" V_intr[n1]                      1/4   (subject relative, intransitive)
             | "that" V_tr[n1] "the" ADJ^a N[n2]      1/4   (subject relative, transitive)
             | "that" "the" ADJ^a N[n2] V_tr[n2]      1/4   (object relative)
    a       -> 0, 1 or 2 adjectives                   1/2, 3/10, 1/5
    n2      -> sg or pl                               1/2 each
    N, V_intr, V_tr, ADJ, V_main: one of 3 words,     1/3 each

so the clause between the subject noun and its verb has 0, 2, 4, 5 or 6 words.

Every choice is visible in the words (the three word classes after "that" are
disjoint, the number of a noun or verb is in its ending, adjectives are
counted), so a sentence has exactly one derivation and its probability is the
product of the probabilities of its choices. The grammar has 8 496 sentences;
:func:`enumerate_sentences` lists them all with their probabilities, which
gives the exact entropy of the source (:func:`entropy_per_token`) without
sampling. Treating a corpus as a stream of independent sentences, each ended
by ".", the entropy rate per token is

.. math:: H = \frac{-\sum_s p(s) \log p(s)}{\sum_s p(s)\, |s|}

in nats per token (:math:`|s|` counts the "." too), and no model can have a lower
expected cross-entropy on fresh text: :math:`e^H` is the floor perplexity.
"""

from __future__ import annotations

import bisect
import math
from functools import lru_cache
from importlib import resources

import numpy as np

from ._checks import check_positive_int

# --- the words -------------------------------------------------------------------------------
NUMBERS = ("sg", "pl")
NOUNS = {"sg": ("dog", "cat", "bird"), "pl": ("dogs", "cats", "birds")}
TRANSITIVE = {"sg": ("chases", "sees", "likes"), "pl": ("chase", "see", "like")}
INTRANSITIVE = {"sg": ("runs", "sleeps", "sings"), "pl": ("run", "sleep", "sing")}
ADJECTIVES = ("big", "small", "old")
END = "."

#: Every word the grammar can emit (24 words), in a fixed order.
WORDS = (("the", "that", END) + NOUNS["sg"] + NOUNS["pl"] + TRANSITIVE["sg"] + TRANSITIVE["pl"]
         + INTRANSITIVE["sg"] + INTRANSITIVE["pl"] + ADJECTIVES)

#: The main verbs (intransitive) by number: the words at which agreement is tested.
MAIN_VERBS = INTRANSITIVE

# --- the probabilities of the choices --------------------------------------------------------
CLAUSE_TYPES = ("none", "subject intransitive", "subject transitive", "object")
CLAUSE_PROBS = (0.25, 0.25, 0.25, 0.25)
ADJECTIVE_COUNT_PROBS = (0.5, 0.3, 0.2)      # P(a = 0), P(a = 1), P(a = 2)
NUMBER_PROBS = (0.5, 0.5)
UNIFORM3 = (1 / 3, 1 / 3, 1 / 3)

# --- the shipped corpus ----------------------------------------------------------------------
#: Seeds and sizes (in sentences) of the corpus files in ``minirnn/data``.
CORPUS_SPLITS = {"train": ("grammar_corpus.txt", 12_000, 2024),
                 "valid": ("grammar_corpus_valid.txt", 5_000, 2025)}


def _derive(choose, blind: bool = False):
    """The grammar, written once as a program of choices.

    Parameters
    ----------
    choose : callable
        ``choose(options, probs) -> index``: decides each choice (at random when
        sampling, systematically when enumerating).
    blind : bool
        If True, the main verb's number is a fresh coin flip instead of the
        subject's number: the "agreement-blind" model.

    Returns
    -------
    list of str
        The words of the sentence, ending with ".".
    """
    n1 = NUMBERS[choose(NUMBERS, NUMBER_PROBS)]
    words = ["the", NOUNS[n1][choose(NOUNS[n1], UNIFORM3)]]
    clause = CLAUSE_TYPES[choose(CLAUSE_TYPES, CLAUSE_PROBS)]
    if clause == "subject intransitive":
        words += ["that", INTRANSITIVE[n1][choose(INTRANSITIVE[n1], UNIFORM3)]]
    elif clause in ("subject transitive", "object"):
        verb_lemma = choose(TRANSITIVE["sg"], UNIFORM3)
        a = choose(range(len(ADJECTIVE_COUNT_PROBS)), ADJECTIVE_COUNT_PROBS)
        adjectives = [ADJECTIVES[choose(ADJECTIVES, UNIFORM3)] for _ in range(a)]
        n2 = NUMBERS[choose(NUMBERS, NUMBER_PROBS)]
        noun = NOUNS[n2][choose(NOUNS[n2], UNIFORM3)]
        if clause == "subject transitive":      # the subject does the chasing: verb agrees with n1
            words += ["that", TRANSITIVE[n1][verb_lemma], "the", *adjectives, noun]
        else:                                    # the inner noun does: verb agrees with n2
            words += ["that", "the", *adjectives, noun, TRANSITIVE[n2][verb_lemma]]
    n_main = NUMBERS[choose(NUMBERS, NUMBER_PROBS)] if blind else n1
    words += [MAIN_VERBS[n_main][choose(MAIN_VERBS[n_main], UNIFORM3)], END]
    return words


# --- sampling --------------------------------------------------------------------------------
def sample_sentences(n: int, seed) -> list[list[str]]:
    """Draw ``n`` independent sentences from the grammar.

    Parameters
    ----------
    n : int
        Number of sentences.
    seed : int or numpy.random.Generator
        Makes the sample repeatable.

    Returns
    -------
    list of list of str
        Each sentence as its words, the last one ".".
    """
    n = check_positive_int(n, "n", "sample_sentences")
    rng = np.random.default_rng(seed)
    cumulative: dict[tuple, list[float]] = {}

    def choose(options, probs):
        cum = cumulative.get(probs)
        if cum is None:
            cum = cumulative[probs] = list(np.cumsum(probs))
        # one uniform number per choice; min() guards against a rounding at the top end
        return min(bisect.bisect_right(cum, rng.random()), len(probs) - 1)

    return [_derive(choose) for _ in range(n)]


def corpus_text(n: int, seed) -> str:
    """``n`` sentences as text: one sentence per line, words separated by spaces."""
    return "".join(" ".join(s) + "\n" for s in sample_sentences(n, seed))


# --- exact enumeration -----------------------------------------------------------------------
class _NeedChoice(Exception):
    """Raised by the enumerating chooser when it reaches an undecided choice."""

    def __init__(self, probs):
        self.probs = probs


@lru_cache(maxsize=2)
def _enumerate(blind: bool) -> tuple[tuple[tuple[str, ...], float, float], ...]:
    """Every derivation as (words, probability, entropy of its choices' distributions).

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
            words = _derive(choose, blind=blind)
        except _NeedChoice as need:
            stack.extend(prefix + (k,) for k, p in enumerate(need.probs) if p > 0)
            continue
        out.append((tuple(words), prob[0]))
    return tuple(out)


def enumerate_sentences(blind: bool = False) -> dict[tuple[str, ...], float]:
    """All sentences of the grammar with their exact probabilities.

    Parameters
    ----------
    blind : bool
        If True, the agreement-blind grammar (main verb's number a coin flip),
        which also gives probability to the ungrammatical sentences.

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
    return dict(_table(blind))


@lru_cache(maxsize=2)
def _table(blind: bool) -> dict[tuple[str, ...], float]:
    """The cached ``{sentence: probability}`` (never handed out: callers get a copy)."""
    table: dict[tuple[str, ...], float] = {}
    for words, p in _enumerate(blind):
        if words in table:
            raise RuntimeError(f"the grammar is ambiguous: {' '.join(words)!r} has two derivations")
        table[words] = p
    return table


def sentence_prob(words, blind: bool = False) -> float:
    """The exact probability of one sentence (0 if the grammar cannot emit it)."""
    return _table(blind).get(tuple(words), 0.0)


def expected_length() -> float:
    """The mean length :math:`E|s|`: the mean number of tokens per sentence (including ".")."""
    return sum(p * len(s) for s, p in _table(False).items())


def entropy_per_sentence() -> float:
    r"""The exact entropy of one sentence, :math:`-\sum_s p(s) \log p(s)`, in nats."""
    return -sum(p * math.log(p) for p in _table(False).values())


def entropy_per_token() -> float:
    """The exact entropy rate of the sentence stream, in nats per token."""
    return entropy_per_sentence() / expected_length()


def floor_perplexity() -> float:
    """``exp(entropy_per_token())``: the lowest perplexity any model can expect on fresh text."""
    return math.exp(entropy_per_token())


def choice_entropy_per_sentence() -> float:
    r"""The same entropy by the chain rule: the entropy of each choice, weighted by how often
    the grammar reaches it.

    .. math:: H(S) = \sum_{\text{choice points } c} P(\text{reach } c)\, H(c)

    Equal to :func:`entropy_per_sentence` exactly because every choice is visible
    in the words (no two derivations give the same sentence).
    """
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
            _derive(choose)
        except _NeedChoice as need:
            total += reach * -sum(p * math.log(p) for p in need.probs if p > 0)
            stack.extend((prefix + (k,), reach * p) for k, p in enumerate(need.probs) if p > 0)
    return total


def blind_cross_entropy_per_token() -> float:
    r"""Exact cross-entropy of the agreement-blind model on the true source, nats per token.

    The blind model is the true grammar except that at the main verb it has
    forgotten the subject's number and gives each number probability 1/2, so
    :math:`H_\text{blind} = \sum_s p(s)\,(-\log q(s)) / E|s|`, summed over all
    sentences (exact, no sampling).
    """
    q = _table(True)
    cross = -sum(p * math.log(q[s]) for s, p in _table(False).items())
    return cross / expected_length()


def blind_perplexity() -> float:
    """``exp`` of :func:`blind_cross_entropy_per_token`."""
    return math.exp(blind_cross_entropy_per_token())


def ngram_limit_perplexity(n: int) -> float:
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

    Returns
    -------
    float
        ``exp`` of the conditional entropy per token, in nats: never below
        :func:`floor_perplexity`, and equal to it once the window always reaches
        back to the sentence start (``n`` at least the longest sentence's length).
    """
    n = check_positive_int(n, "n", "ngram_limit_perplexity")
    k = n - 1
    known_start = 0.0                               # nats from windows that reach the last "."
    mass: dict[tuple[str, ...], dict[str, float]] = {}   # window -> {next word: probability}
    for s, p in _table(False).items():
        for t in range(len(s)):
            if t < k:
                known_start -= p * math.log(next_word_probs(s[:t])[s[t]])
            else:
                nxt = mass.setdefault(s[t - k:t], {})
                nxt[s[t]] = nxt.get(s[t], 0.0) + p
    cross = known_start
    for nxt in mass.values():
        total = sum(nxt.values())
        cross -= sum(m * math.log(m / total) for m in nxt.values())
    return math.exp(cross / expected_length())


# --- the exact models as next-token predictors -----------------------------------------------
@lru_cache(maxsize=2)
def _prefix_table(blind: bool) -> dict[tuple[str, ...], dict[str, float]]:
    """``{prefix: {next word: probability mass}}`` over all sentences (unnormalised)."""
    table: dict[tuple[str, ...], dict[str, float]] = {}
    for s, p in _table(blind).items():
        for t in range(len(s)):
            nxt = table.setdefault(s[:t], {})
            nxt[s[t]] = nxt.get(s[t], 0.0) + p
    return table


def next_word_probs(prefix, blind: bool = False) -> dict[str, float]:
    """The exact distribution of the next word after the start of a sentence.

    Parameters
    ----------
    prefix : sequence of str
        The words of the current sentence so far (after the last ".").
    blind : bool
        Use the agreement-blind model.

    Returns
    -------
    dict
        ``{word: probability}`` over the words that can follow (summing to 1).
    """
    prefix = tuple(prefix)
    mass = _prefix_table(blind).get(prefix)
    if mass is None:
        raise ValueError(f"next_word_probs: {' '.join(prefix)!r} is not the start of any "
                         "sentence of the grammar")
    total = sum(mass.values())
    return {w: m / total for w, m in mass.items()}


def stream_log_probs(tokens, blind: bool = False) -> np.ndarray:
    """Log-probability of each token of a stream of sentences under the exact model.

    Parameters
    ----------
    tokens : sequence of str
        Whole sentences one after another, each ended by ".".

    Returns
    -------
    ndarray, shape (len(tokens),)
        ``log p(token_t | the tokens of its sentence before it)``.
    """
    out = np.empty(len(tokens))
    start = 0
    for t, w in enumerate(tokens):
        probs = next_word_probs(tokens[start:t], blind)
        if w not in probs:
            raise ValueError(f"stream_log_probs: token {t} ({w!r}) cannot follow "
                             f"{' '.join(tokens[start:t])!r}")
        out[t] = math.log(probs[w])
        if w == END:
            start = t + 1
    return out


# --- grammaticality --------------------------------------------------------------------------
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


# --- the shipped corpus ----------------------------------------------------------------------
def generate_corpus(split: str = "train") -> str:
    """The text of a shipped corpus file, regenerated from its seed."""
    name, n, seed = _split(split)
    return corpus_text(n, seed)


def load_corpus(split: str = "train") -> str:
    """The shipped corpus text (works when minirnn is pip-installed).

    Parameters
    ----------
    split : {'train', 'valid'}
        12 000 training sentences or 5 000 validation sentences, one per line.
    """
    name, _, _ = _split(split)
    return resources.files("minirnn").joinpath("data", name).read_text(encoding="utf-8")


def corpus_tokens(split: str = "train") -> list[str]:
    """The shipped corpus as one stream of tokens (sentences end with ".")."""
    return load_corpus(split).split()


def write_corpus(directory) -> None:
    """Regenerate both corpus files into ``directory`` (how the shipped files were made).

    ``python -c "import minirnn.grammar as g; g.write_corpus('src/minirnn/data')"``
    """
    from pathlib import Path

    for split in CORPUS_SPLITS:
        name, _, _ = _split(split)
        Path(directory, name).write_text(generate_corpus(split), encoding="utf-8")


def _split(split: str):
    if split not in CORPUS_SPLITS:
        raise ValueError(f"split must be one of {sorted(CORPUS_SPLITS)}, got {split!r}")
    return CORPUS_SPLITS[split]


def vocabulary():
    """The grammar's 24 words as a :class:`~minirnn.text.Vocabulary`, in the order of ``WORDS``."""
    from .text import Vocabulary

    return Vocabulary(list(WORDS))


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
