r"""The grammar of chapter 9: its words, the probability of each choice, and sampling.

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
:mod:`minirnn.tasks.grammar.exact` lists them all with their probabilities,
which gives the exact entropy of the source without sampling. Treating a
corpus as a stream of independent sentences, each ended by ".", the entropy
rate per token is

.. math:: H = \frac{-\sum_s p(s) \log p(s)}{\sum_s p(s)\, |s|}

in nats per token (:math:`|s|` counts the "." too), and no model can have a lower
expected cross-entropy on fresh text: :math:`e^H` is the floor perplexity.
"""

from __future__ import annotations

import bisect

import numpy as np

from ..._checks import check_positive_int

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

def derive(choose, blind: bool = False):
    """The grammar, written once as a program of choices (sampling and exact enumeration
    both run it, with different ``choose`` functions).

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


_this_grammar = derive      # the default of sample_sentences, whose parameter hides the name


# --- sampling --------------------------------------------------------------------------------
def sample_sentences(n: int, seed, derive=None) -> list[list[str]]:
    """Draw ``n`` independent sentences from the grammar.

    Parameters
    ----------
    n : int
        Number of sentences.
    seed : int or numpy.random.Generator
        Makes the sample repeatable.
    derive : callable, optional
        Another grammar written like :func:`derive` (for example
        :func:`minirnn.tasks.grammar.long_distance.derive`); default this one.

    Returns
    -------
    list of list of str
        Each sentence as its words, the last one ".".
    """
    n = check_positive_int(n, "n", "sample_sentences")
    if derive is None:
        derive = _this_grammar
    rng = np.random.default_rng(seed)
    cumulative: dict[tuple, list[float]] = {}

    def choose(options, probs):
        cum = cumulative.get(probs)
        if cum is None:
            cum = cumulative[probs] = list(np.cumsum(probs))
        # one uniform number per choice; min() guards against a rounding at the top end
        return min(bisect.bisect_right(cum, rng.random()), len(probs) - 1)

    return [derive(choose) for _ in range(n)]


def corpus_text(n: int, seed, derive=None) -> str:
    """``n`` sentences as text: one sentence per line, words separated by spaces."""
    return "".join(" ".join(s) + "\n" for s in sample_sentences(n, seed, derive))
