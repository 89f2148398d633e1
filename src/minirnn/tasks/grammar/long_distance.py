r"""A variant of chapter 9's grammar whose dependencies reach much further back.

Every sentence is a subject, ``k`` prepositional phrases *near the tree(s)*, the
main verb and a full stop. The verb agrees with the subject, however many
phrases stand between them::

    the dog runs .
    the dogs near the tree run .
    the cat near the trees near the tree near the trees sleeps .

The rules, with the probability of each choice (all choices independent)::

    S   -> "the" N[n1] PP^k V_main[n1] "."     n1 = sg or pl, 1/2 each
    k   -> 0, 1, ..., MAX_PHRASES               each equally likely (1/11)
    PP  -> "near" "the" TREE[n]                 n = sg or pl, 1/2 each
    N, V_main: one of 3 words (1/3 each), as in chapter 9; TREE[sg] = "tree", TREE[pl] = "trees"

so up to ``3 * MAX_PHRASES = 30`` words stand between the subject noun and its
verb, and the noun of each phrase has the other number half of the time (an
*attractor*). A model that predicts this text well must carry two things across
the phrases: the subject's number (for the verb) and how many phrases have come
so far (after ``k`` of them, one more comes with probability ``(10 - k) / (11 - k)``).

Every choice is visible in the words, so each sentence has one derivation, and
the functions of :mod:`minirnn.tasks.grammar.exact` give its exact entropy and
floor when this module's :func:`derive` is passed to them::

    import minirnn.tasks.grammar as g
    from minirnn.tasks.grammar import long_distance as ld
    g.floor_perplexity(derive=ld.derive)
"""

from __future__ import annotations

from .agreement import number_of, split_sentences
from .exact import sentence_prob
from .rules import END, MAIN_VERBS, NOUNS, NUMBER_PROBS, NUMBERS, UNIFORM3, sample_sentences

#: The largest number of prepositional phrases between the subject and its verb.
MAX_PHRASES = 10
#: P(k = 0), ..., P(k = MAX_PHRASES): every number of phrases equally likely.
PHRASE_COUNT_PROBS = (1 / (MAX_PHRASES + 1),) * (MAX_PHRASES + 1)
#: The noun of a prepositional phrase, by number.
TREES = {"sg": "tree", "pl": "trees"}

#: Every word this grammar can emit (17 words), in a fixed order.
WORDS = (("the", "near", END) + NOUNS["sg"] + NOUNS["pl"] + (TREES["sg"], TREES["pl"])
         + MAIN_VERBS["sg"] + MAIN_VERBS["pl"])

#: Seeds and sizes (in sentences) of the three texts; generated, not shipped.
SPLITS = {"train": (12_000, 3024), "valid": (5_000, 3025), "test": (5_000, 3026)}


def derive(choose, blind: bool = False):
    """The grammar as a program of choices (see :func:`minirnn.tasks.grammar.rules.derive`).

    Parameters
    ----------
    choose : callable
        ``choose(options, probs) -> index``.
    blind : bool
        If True, the main verb's number is a fresh coin flip instead of the
        subject's: the agreement-blind model.

    Returns
    -------
    list of str
        The words of the sentence, ending with ".".
    """
    n1 = NUMBERS[choose(NUMBERS, NUMBER_PROBS)]
    words = ["the", NOUNS[n1][choose(NOUNS[n1], UNIFORM3)]]
    k = choose(range(MAX_PHRASES + 1), PHRASE_COUNT_PROBS)
    for _ in range(k):
        n = NUMBERS[choose(NUMBERS, NUMBER_PROBS)]
        words += ["near", "the", TREES[n]]
    n_main = NUMBERS[choose(NUMBERS, NUMBER_PROBS)] if blind else n1
    words += [MAIN_VERBS[n_main][choose(MAIN_VERBS[n_main], UNIFORM3)], END]
    return words


def generate_tokens(split: str = "train") -> list[str]:
    """One of the three texts as a stream of tokens, regenerated from its seed.

    Parameters
    ----------
    split : {'train', 'valid', 'test'}
        12 000 training sentences, or 5 000 validation or test sentences.
    """
    if split not in SPLITS:
        raise ValueError(f"generate_tokens: split must be one of {sorted(SPLITS)}, got {split!r}")
    n, seed = SPLITS[split]
    return [w for s in sample_sentences(n, seed, derive) for w in s]


def vocabulary():
    """The grammar's 17 words as a :class:`~minirnn.text.Vocabulary`, in the order of ``WORDS``."""
    from ...text import Vocabulary

    return Vocabulary(list(WORDS))


def is_grammatical(words) -> bool:
    """True if this grammar can emit the sentence (with its "." at the end)."""
    return sentence_prob(words, derive=derive) > 0.0


def sentence_info(words) -> dict:
    """Where the agreement is in one sentence of this grammar.

    Returns
    -------
    dict
        ``subject_number`` ('sg'/'pl'), ``phrases`` (k), ``distance`` (words
        between the subject noun and the main verb: ``3 k``), ``main_verb_index``,
        ``attractors`` (how many phrases have a noun of the other number).
    """
    words = list(words)
    if not is_grammatical(words):
        raise ValueError(f"sentence_info: {' '.join(words)!r} is not a sentence of the "
                         "long-distance grammar")
    n1 = number_of(words[1])
    k = words.count("near")
    trees = words[4:-2:3]                      # the noun of each phrase
    return {"subject_number": n1, "phrases": k, "distance": 3 * k,
            "main_verb_index": len(words) - 2,
            "attractors": sum(t != TREES[n1] for t in trees)}


def agreement_by_phrases(tokens, next_word_dist, vocab) -> dict:
    """The share of a model's main-verb probability on the subject's number, by ``k``.

    Parameters
    ----------
    tokens : sequence of str
        Whole sentences of this grammar one after another.
    next_word_dist : callable
        ``next_word_dist(t) -> p``, shape (V,): the model's distribution of token ``t``.
    vocab : Vocabulary

    Returns
    -------
    dict
        ``{k: (mean share on the correct number, number of sentences)}``, where the
        share is ``P(correct number) / (P(singular verbs) + P(plural verbs))``.
    """
    ids = {n: [vocab.id(w) for w in MAIN_VERBS[n]] for n in NUMBERS}
    sums: dict[int, list] = {}
    start = 0
    for sentence in split_sentences(tokens):
        info = sentence_info(sentence)
        p = next_word_dist(start + info["main_verb_index"])
        mass = {n: float(sum(p[i] for i in ids[n])) for n in NUMBERS}
        acc = sums.setdefault(info["phrases"], [0.0, 0])
        acc[0] += mass[info["subject_number"]] / (mass["sg"] + mass["pl"])
        acc[1] += 1
        start += len(sentence)
    return {k: (total / count, count) for k, (total, count) in sorted(sums.items())}
