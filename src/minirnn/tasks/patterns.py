"""Small generated data sets, one per input/output pattern of chapter 7.

Every function takes a ``seed`` and returns numpy arrays; train and test sets
are disjoint (no test sequence occurs in the training set), so test accuracy
measures generalisation, not memory.

- many-to-one: :func:`sentiment_split`, short made-up reviews whose label
  depends on a negation ("was good" vs "was not good").
- one-to-many: :func:`digit_set_split`, from one vector (which digits are
  present) write the digits in increasing order.
- many-to-many, aligned: :func:`bracket_split` and :func:`bracket_tags`, one
  tag per bracket.
- many-to-many, unaligned (encoder-decoder): :func:`digit_reversal_split`,
  reverse (or copy) a short sequence of digits.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

from .._checks import check_positive_int, check_token_ids


class Split(NamedTuple):
    """A train/test split: inputs and targets for each part."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def _check_sizes(n_train, n_test, where):
    check_positive_int(n_train, "n_train", where)
    check_positive_int(n_test, "n_test", where)


# --------------------------------------------------------------------------------------
# many-to-one: sentiment with negation

PAD = "<pad>"
SUBJECTS = ("the movie", "the plot", "the acting", "the music", "it")
VERBS = ("was", "is", "felt", "seemed")
INTENSIFIERS = ("", "very", "really", "so")
POSITIVE = ("good", "great", "fun", "clever")
NEGATIVE = ("bad", "dull", "awful", "boring")
OPENERS = ("", "honestly", "overall")
TAILS = ("", "to me", "in the end")
#: The sentiment vocabulary; id 0 is the padding token.
SENTIMENT_VOCAB = (PAD, "the", "movie", "plot", "acting", "music", "it", *VERBS, "not",
                   *INTENSIFIERS[1:], *POSITIVE, *NEGATIVE, *OPENERS[1:], "to", "me", "in", "end")
SENTIMENT_IDS = {w: i for i, w in enumerate(SENTIMENT_VOCAB)}
#: The longest phrase: opener, "the", noun, verb, "not", intensifier, adjective, "in the end".
SENTIMENT_LEN = 10


def _all_phrases():
    """Every phrase of the grammar with its label (1 positive, 0 negative)."""
    for opener, subj, verb, neg, inten, adj, tail in itertools.product(
            OPENERS, SUBJECTS, VERBS, ("", "not"), INTENSIFIERS, POSITIVE + NEGATIVE, TAILS):
        words = " ".join(w for w in (opener, subj, verb, neg, inten, adj, tail) if w)
        positive = adj in POSITIVE
        # The negation flips the adjective's polarity: the label needs both.
        yield words, int(positive != (neg == "not"))


def encode_phrases(phrases, length: int = SENTIMENT_LEN) -> np.ndarray:
    """Token ids of phrases, padded on the LEFT to ``length``.

    Left padding keeps the last word at the last position, so that the last
    hidden state of a many-to-one model is the one that has read the whole
    phrase (Keras' ``pad_sequences`` pads on the left by default for this reason).

    Parameters
    ----------
    phrases : list of str
        Space-separated words from ``SENTIMENT_VOCAB``.
    length : int
        T, the padded length.

    Returns
    -------
    ids : int ndarray, shape (len(phrases), length)
    """
    length = check_positive_int(length, "length", "encode_phrases")
    out = np.zeros((len(phrases), length), dtype=np.int64)
    for i, p in enumerate(phrases):
        words = p.split()
        unknown = [w for w in words if w not in SENTIMENT_IDS]
        if unknown:
            raise ValueError(f"encode_phrases: unknown word {unknown[0]!r} in {p!r}; "
                             f"the vocabulary is {SENTIMENT_VOCAB[1:]}")
        if len(words) > length:
            raise ValueError(f"encode_phrases: {p!r} has {len(words)} words, more than "
                             f"length={length}")
        out[i, length - len(words):] = [SENTIMENT_IDS[w] for w in words]
    return out


def decode_phrase(ids) -> str:
    """The words of one row of token ids, padding dropped."""
    ids = check_token_ids(np.asarray(ids), "ids", len(SENTIMENT_VOCAB), ("T",), "decode_phrase")
    return " ".join(SENTIMENT_VOCAB[i] for i in ids if i != 0)


def sentiment_split(n_train: int, n_test: int, seed=None, length: int = SENTIMENT_LEN) -> Split:
    """Made-up one-clause reviews labelled positive (1) or negative (0).

    A phrase is ``[opener] subject verb [not] [intensifier] adjective [tail]``,
    for example "honestly the plot was not very clever in the end". Half of the phrases carry
    "not", which flips the adjective's polarity, so a rule that looks only at
    the adjective is right about half of the time; a model must combine the
    words. Test phrases never occur in the training set.

    Returns
    -------
    Split
        ``x_*`` int (n, length) token ids (left-padded), ``y_*`` int (n,) labels.
    """
    _check_sizes(n_train, n_test, "sentiment_split")
    phrases = list(_all_phrases())
    if n_train + n_test > len(phrases):
        raise ValueError(f"sentiment_split: n_train + n_test must be at most {len(phrases)} "
                         f"(the number of distinct phrases), got {n_train + n_test}")
    order = np.random.default_rng(seed).permutation(len(phrases))
    chosen = [phrases[i] for i in order[:n_train + n_test]]
    ids = encode_phrases([p for p, _ in chosen], length)
    labels = np.array([y for _, y in chosen], dtype=np.int64)
    return Split(ids[:n_train], labels[:n_train], ids[n_train:], labels[n_train:])


# --------------------------------------------------------------------------------------
# one-to-many: list the digits of a set in increasing order


def digit_set_condition(sets, num_digits: int = 10) -> np.ndarray:
    """The input vector z of each example: a multi-hot vector of its digits.

    Parameters
    ----------
    sets : int ndarray, shape (n, k)
        The digits of each set.

    Returns
    -------
    z : float ndarray, shape (n, num_digits)
        ``z[i, d] = 1`` if digit d is in set i.
    """
    sets = np.asarray(sets)
    z = np.zeros((sets.shape[0], num_digits))
    np.put_along_axis(z, sets, 1.0, axis=1)
    return z


def digit_set_split(n_test: int = 60, set_size: int = 4, seed=None) -> Split:
    """One input, a sequence out: from a set of digits, write them in increasing order.

    The input is a single vector (which digits are present, like the objects
    found in a picture); the output is a sequence (the digits listed from
    smallest to largest, like a caption). Every set of ``set_size`` distinct
    digits occurs once; ``n_test`` sets are held out, so the test asks for
    sets never seen in training.

    Returns
    -------
    Split
        ``x_*`` float (n, 10) multi-hot inputs, ``y_*`` int (n, set_size) sorted digits.
    """
    check_positive_int(n_test, "n_test", "digit_set_split")
    set_size = check_positive_int(set_size, "set_size", "digit_set_split")
    if set_size > 10:
        raise ValueError(f"digit_set_split: set_size must be at most 10, got {set_size}")
    sets = np.array(list(itertools.combinations(range(10), set_size)), dtype=np.int64)
    if n_test >= len(sets):
        raise ValueError(f"digit_set_split: n_test must be below {len(sets)} (the number of "
                         f"sets of {set_size} digits), got {n_test}")
    sets = sets[np.random.default_rng(seed).permutation(len(sets))]
    z = digit_set_condition(sets)
    n_train = len(sets) - n_test
    return Split(z[:n_train], sets[:n_train], z[n_train:], sets[n_train:])


# --------------------------------------------------------------------------------------
# many-to-many aligned: bracket tagging

OPEN, CLOSE = 0, 1
BRACKET_KINDS = ("depth", "closes", "will_close")


def _unique_rows(rng, n, length, vocab, where):
    """``n`` distinct random rows of ids in [0, vocab)."""
    if n > vocab ** length:
        raise ValueError(f"{where}: cannot draw {n} distinct sequences of length {length} "
                         f"over {vocab} symbols")
    seen, rows = set(), []
    while len(rows) < n:
        batch = rng.integers(0, vocab, size=(2 * (n - len(rows)) + 8, length))
        for r in batch:
            key = r.tobytes()
            if key not in seen:
                seen.add(key)
                rows.append(r)
                if len(rows) == n:
                    break
    return np.array(rows, dtype=np.int64)


def bracket_tags(ids, kind: str = "closes") -> np.ndarray:
    """One tag per position of bracket strings (0 = "(", 1 = ")").

    Parameters
    ----------
    ids : int ndarray, shape (N, T)
    kind : {"depth", "closes", "will_close"}
        ``"depth"``: the number of open brackets after reading position t
        (an unmatched ")" is ignored). ``"closes"``: 1 where a ")" closes an
        open "(", else 0 (needs only the past). ``"will_close"``: 1 where a "("
        is closed by a later ")", else 0 (needs the future).

    Returns
    -------
    tags : int ndarray, shape (N, T)
    """
    ids = check_token_ids(ids, "ids", 2, ("N", "T"), "bracket_tags")
    if kind not in BRACKET_KINDS:
        raise ValueError(f"bracket_tags: kind must be one of {BRACKET_KINDS}, got {kind!r}")
    N, T = ids.shape
    depth = np.zeros((N, T), dtype=np.int64)
    closes = np.zeros((N, T), dtype=np.int64)
    will = np.zeros((N, T), dtype=np.int64)
    for n in range(N):
        stack, d = [], 0
        for t in range(T):
            if ids[n, t] == OPEN:
                stack.append(t)
                d += 1
            elif stack:
                will[n, stack.pop()] = 1
                closes[n, t] = 1
                d -= 1
            depth[n, t] = d
    return {"depth": depth, "closes": closes, "will_close": will}[kind]


def bracket_split(n_train: int, n_test: int, length: int = 12, seed=None,
                  kind: str = "closes") -> Split:
    """Random strings of "(" and ")" with one tag per position.

    Returns
    -------
    Split
        ``x_*`` int (n, length) brackets (0 "(", 1 ")"), ``y_*`` int (n, length)
        tags from :func:`bracket_tags`. Test strings never occur in training.
    """
    _check_sizes(n_train, n_test, "bracket_split")
    length = check_positive_int(length, "length", "bracket_split")
    rng = np.random.default_rng(seed)
    ids = _unique_rows(rng, n_train + n_test, length, 2, "bracket_split")
    tags = bracket_tags(ids, kind)
    return Split(ids[:n_train], tags[:n_train], ids[n_train:], tags[n_train:])


def brackets_to_str(ids) -> str:
    """One row of bracket ids as text, e.g. ``"(()))("``."""
    return "".join("()"[int(i)] for i in np.asarray(ids))


# --------------------------------------------------------------------------------------
# encoder-decoder: reverse or copy a digit sequence

#: The decoder's start symbol, after the 10 digits.
GO = 10


def digit_reversal_split(n_train: int, n_test: int, length: int = 5, seed=None,
                         reverse: bool = True) -> Split:
    """Sequences of digits 0-9 and their reversal (or copy, ``reverse=False``).

    Returns
    -------
    Split
        ``x_*`` int (n, length) source digits, ``y_*`` int (n, length) targets.
        Test sources never occur in training.
    """
    _check_sizes(n_train, n_test, "digit_reversal_split")
    length = check_positive_int(length, "length", "digit_reversal_split")
    rng = np.random.default_rng(seed)
    src = _unique_rows(rng, n_train + n_test, length, 10, "digit_reversal_split")
    tgt = np.ascontiguousarray(src[:, ::-1]) if reverse else src.copy()
    return Split(src[:n_train], tgt[:n_train], src[n_train:], tgt[n_train:])


# --------------------------------------------------------------------------------------
# trivial baselines: what a model must beat to have learned anything


def positionwise_majority(y_train) -> np.ndarray:
    """The most frequent training target at each position: int (T,).

    Predicting it for every test sequence uses the position but not the input.
    """
    y_train = np.asarray(y_train)
    if y_train.ndim != 2:
        raise ValueError(f"positionwise_majority: y_train must have 2 axes (N, T), "
                         f"got shape {y_train.shape}")
    return np.array([np.bincount(col).argmax() for col in y_train.T], dtype=np.int64)


def symbolwise_majority(x_train, y_train, x_test, by_position: bool = False) -> np.ndarray:
    """Tag each test symbol with the most frequent training tag of that symbol.

    With ``by_position=False`` it uses the current input only (no context at
    all). With ``by_position=True`` the table is kept per (position, symbol):
    it also knows *where* in the string the symbol is, but still nothing about
    the other symbols. When a tag depends only on what comes later and the
    later symbols are independent of the earlier ones (the ``"will_close"``
    tags of random bracket strings), this is the best any tagger that reads
    the past alone can do, up to the noise of estimating the table.

    Returns
    -------
    tags : int ndarray, shape of ``x_test``
    """
    x_train, y_train, x_test = np.asarray(x_train), np.asarray(y_train), np.asarray(x_test)
    if x_train.shape != y_train.shape:
        raise ValueError(f"symbolwise_majority: x_train and y_train must have the same shape, "
                         f"got {x_train.shape} and {y_train.shape}")
    S = int(max(x_train.max(), x_test.max())) + 1
    if not by_position:
        table = np.zeros(S, dtype=np.int64)
        for s in np.unique(x_train):
            table[s] = np.bincount(y_train[x_train == s]).argmax()
        return table[x_test]
    if x_train.ndim != 2 or x_test.ndim != 2 or x_train.shape[1] != x_test.shape[1]:
        raise ValueError(f"symbolwise_majority: by_position needs (N, T) arrays of the same T, "
                         f"got {x_train.shape} and {x_test.shape}")
    T = x_train.shape[1]
    table = np.zeros((T, S), dtype=np.int64)
    for t in range(T):
        for s in np.unique(x_train[:, t]):
            table[t, s] = np.bincount(y_train[x_train[:, t] == s, t]).argmax()
    return table[np.arange(T), x_test]


def sentiment_ignoring_negation(ids) -> np.ndarray:
    """The rule "positive iff the adjective is positive", blind to "not": int (N,)."""
    ids = check_token_ids(np.asarray(ids), "ids", len(SENTIMENT_VOCAB), ("N", "T"),
                          "sentiment_ignoring_negation")
    pos = np.array([SENTIMENT_IDS[w] for w in POSITIVE])
    return np.isin(ids, pos).any(axis=1).astype(np.int64)
