r"""Counting language models: n-grams with Witten-Bell interpolation.

An n-gram model predicts the next token from the previous ``n - 1`` tokens
only, by counting how often each continuation followed that context in the
training text. Raw relative frequencies give probability 0 to anything not
seen, so the estimate is *interpolated* with the (n-1)-gram estimate, down to
a uniform distribution over the V words (Witten & Bell, 1991):

.. math::

    P_n(w \mid h) = \frac{c(h, w) + u(h)\, P_{n-1}(w \mid h')}{c(h) + u(h)},
    \qquad P_0(w) = \frac{1}{V}

where :math:`h` is the context of ``n - 1`` tokens, :math:`h'` the same context
without its oldest token, :math:`c(h, w)` the count of ``h`` followed by ``w``,
:math:`c(h) = \sum_w c(h, w)`, and :math:`u(h)` the number of *distinct* words
seen after ``h``. A context followed by many different words leaves more
weight to the shorter context; an unseen context (:math:`c(h) = 0`) falls back
entirely to it. Everything is fitted by counting on the training text: there is
no parameter to tune. For every context the probabilities sum to 1 (each level
is a mixture of a distribution and the level below).

Texts are streams of ids; contexts run across sentence boundaries, as an RNN's
hidden state does. The first ``n - 1`` tokens of a stream are predicted from
the shorter context available.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from ._checks import check_positive_int, check_token_ids


class NGramLM:
    """An n-gram language model over token ids, Witten-Bell interpolated.

    Parameters
    ----------
    order : int
        n: 1 for unigram (no context), 2 for bigram (one previous token), ...
    vocab_size : int
        V; token ids are in ``[0, V)``.

    Examples
    --------
    >>> lm = NGramLM(2, vocab_size=3).fit(np.array([0, 1, 2, 0, 1, 2, 0, 1]))
    >>> round(lm.prob([0], 1), 3)
    0.841
    """

    def __init__(self, order: int, vocab_size: int):
        self.order = check_positive_int(order, "order", "NGramLM")
        self.vocab_size = check_positive_int(vocab_size, "vocab_size", "NGramLM")
        self._counts: dict[tuple, dict[int, int]] = {}   # context -> {next id: count}
        self._totals: dict[tuple, int] = {}               # context -> c(h)
        self.fitted = False

    def __repr__(self) -> str:
        return f"NGramLM(order={self.order}, vocab_size={self.vocab_size})"

    def fit(self, ids) -> NGramLM:
        """Count every context of length 0 .. n-1 and its continuations in a training stream.

        Parameters
        ----------
        ids : int ndarray, shape (M,)

        Returns
        -------
        self
        """
        ids = check_token_ids(ids, "ids", self.vocab_size, ("M",), "NGramLM.fit")
        seq = [int(i) for i in ids]
        counts: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for t, w in enumerate(seq):
            for k in range(min(t, self.order - 1) + 1):   # contexts of length 0 .. n-1
                counts[tuple(seq[t - k:t])][w] += 1
        self._counts = {h: dict(c) for h, c in counts.items()}
        self._totals = {h: sum(c.values()) for h, c in self._counts.items()}
        self.fitted = True
        return self

    def distribution(self, context) -> np.ndarray:
        """The probability of every token after ``context``.

        Parameters
        ----------
        context : sequence of int
            The previous tokens; only the last ``n - 1`` are used (fewer if
            shorter).

        Returns
        -------
        p : ndarray, shape (V,)
            Non-negative, summing to 1.
        """
        self._need_fit("distribution")
        h = self._context(context)
        p = np.full(self.vocab_size, 1.0 / self.vocab_size)     # P_0: uniform
        for k in range(len(h) + 1):                              # lengths 0, 1, ..., n-1
            hk = h[len(h) - k:]
            c = self._counts.get(hk)
            if c is None:
                continue                                         # unseen: keep the lower level
            u, total = len(c), self._totals[hk]
            seen = np.zeros(self.vocab_size)
            seen[list(c)] = list(c.values())
            p = (seen + u * p) / (total + u)
        return p

    def prob(self, context, w: int) -> float:
        """``P(w | context)`` (see :meth:`distribution`)."""
        self._need_fit("prob")
        h = self._context(context)
        p = 1.0 / self.vocab_size
        for k in range(len(h) + 1):
            hk = h[len(h) - k:]
            c = self._counts.get(hk)
            if c is None:
                continue
            p = (c.get(int(w), 0) + len(c) * p) / (self._totals[hk] + len(c))
        return p

    def log_probs(self, ids) -> np.ndarray:
        """``log P(ids[t] | ids[t-n+1 : t])`` for every position of a stream.

        Parameters
        ----------
        ids : int ndarray, shape (M,)

        Returns
        -------
        ndarray, shape (M,)
        """
        self._need_fit("log_probs")
        ids = check_token_ids(ids, "ids", self.vocab_size, ("M",), "NGramLM.log_probs")
        seq = [int(i) for i in ids]
        n1 = self.order - 1
        return np.array([math.log(self.prob(seq[max(0, t - n1):t], w))
                         for t, w in enumerate(seq)])

    def cross_entropy(self, ids) -> float:
        """Mean negative log-probability per token of a stream, in nats."""
        return float(-self.log_probs(ids).mean())

    def perplexity(self, ids) -> float:
        """``exp(cross_entropy(ids))``."""
        return math.exp(self.cross_entropy(ids))

    def _context(self, context) -> tuple:
        if self.order == 1:
            return ()
        return tuple(int(i) for i in list(context)[-(self.order - 1):])

    def _need_fit(self, where: str) -> None:
        if not self.fitted:
            raise ValueError(f"NGramLM.{where} called before fit: call fit(train_ids) first")


def ngram_perplexities(train_ids, eval_ids, vocab_size: int, orders=(1, 2, 3, 4)) -> dict:
    """Fit an n-gram model of each order on ``train_ids`` and return its perplexity on ``eval_ids``.

    Returns
    -------
    dict
        ``{order: perplexity}``.
    """
    return {n: NGramLM(n, vocab_size).fit(train_ids).perplexity(eval_ids) for n in orders}
