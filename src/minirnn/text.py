"""Text to tokens, tokens to integer ids and back.

A language model never sees words: it sees integer ids. This module makes the
two conversions explicit:

    "You say goodbye and I say hello."
      -> tokenize -> ['you', 'say', 'goodbye', 'and', 'i', 'say', 'hello', '.']
      -> Vocabulary.encode -> array([0, 1, 2, 3, 4, 1, 5, 6])

Ids are given in order of first appearance, so the same text always gives the
same vocabulary (no dependence on set or dict ordering, or on a random seed).

Unknown words
-------------
A vocabulary built **without** ``unk`` refuses words it has never seen: looking
one up raises a ``KeyError`` that names the word and suggests the closest known
words (:func:`difflib.get_close_matches`). A vocabulary built **with**
``unk="<unk>"`` (say) holds that token at id 0 and maps every unknown word to
it, silently; words seen fewer than ``min_count`` times are then also mapped
to it.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable

import numpy as np

from ._checks import check_positive_int

#: A word (letters, digits, underscore, with inner apostrophes such as "don't"),
#: or a single character that is neither a word character nor white space
#: (punctuation: each mark is its own token).
_WORD_RE = re.compile(r"\w+(?:'\w+)*|[^\w\s]")

LEVELS = ("word", "char")


def tokenize(text: str, level: str = "word", lower: bool = True) -> list[str]:
    """Split a text into tokens.

    Parameters
    ----------
    text : str
        The text.
    level : {"word", "char"}
        ``"word"``: words and punctuation marks, each mark its own token; white
        space separates tokens and is dropped. ``"char"``: every character,
        white space and newlines included, is a token.
    lower : bool
        Lower-case the text first (so "You" and "you" are one word).

    Returns
    -------
    list of str

    Examples
    --------
    >>> tokenize("You say goodbye and I say hello.")
    ['you', 'say', 'goodbye', 'and', 'i', 'say', 'hello', '.']
    >>> tokenize("Hi, you!", level="char")
    ['h', 'i', ',', ' ', 'y', 'o', 'u', '!']
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize: text must be a str, got {type(text).__name__}")
    if level not in LEVELS:
        raise ValueError(f"tokenize: level must be 'word' or 'char', got {level!r}")
    if lower:
        text = text.lower()
    if level == "char":
        return list(text)
    return _WORD_RE.findall(text)


def detokenize(tokens: Iterable[str], level: str = "word") -> str:
    """Join tokens back into readable text (the inverse of :func:`tokenize`, up to spacing).

    Words are joined by spaces, with no space before a punctuation mark
    (``"hello ."`` becomes ``"hello."``); characters are joined as they are.
    """
    if level not in LEVELS:
        raise ValueError(f"detokenize: level must be 'word' or 'char', got {level!r}")
    tokens = list(tokens)
    if level == "char":
        return "".join(tokens)
    out = ""
    for tok in tokens:
        glue = "" if (not out or re.fullmatch(r"[^\w\s(\[{\"']", tok)) else " "
        out += glue + tok
    return out


class Vocabulary:
    """A bijection between tokens and the integer ids ``0 .. V-1``.

    Build one with :meth:`from_tokens` or :meth:`from_text`; or directly from
    an ordered list of distinct words, ``Vocabulary(words, unk=None)``.

    Parameters
    ----------
    words : list of str
        The tokens in id order (distinct). If ``unk`` is given it must be among
        them (``from_tokens`` puts it at id 0).
    unk : str, optional
        The token that stands for every unknown word. ``None`` (default):
        unknown words raise ``KeyError``.
    level, lower : str, bool
        How :meth:`tokenize` splits a string for this vocabulary (recorded so
        a model can read raw text the way its vocabulary was built).

    Attributes
    ----------
    words : list of str
        Token of each id: ``words[i]`` is the token with id ``i``.
    unk : str or None
    """

    def __init__(self, words: Iterable[str], unk: str | None = None, level: str = "word",
                 lower: bool = True):
        words = list(words)
        for w in words:
            if not isinstance(w, str):
                raise TypeError(f"Vocabulary: every word must be a str, got {w!r} "
                                f"({type(w).__name__})")
        if not words:
            raise ValueError("Vocabulary: needs at least one word, got none")
        if level not in LEVELS:
            raise ValueError(f"Vocabulary: level must be 'word' or 'char', got {level!r}")
        self.words = words
        self._ids = {w: i for i, w in enumerate(words)}
        if len(self._ids) != len(words):
            dup = next(w for w, c in Counter(words).items() if c > 1)
            raise ValueError(f"Vocabulary: words must be distinct, {dup!r} occurs twice")
        if unk is not None and unk not in self._ids:
            raise ValueError(f"Vocabulary: the unknown-word token {unk!r} must be one of the "
                             "words")
        self.unk = unk
        self.level = level
        self.lower = bool(lower)

    # ----------------------------------------------------------------- building
    @classmethod
    def from_tokens(cls, tokens: Iterable[str], unk: str | None = None, min_count: int = 1,
                    level: str = "word", lower: bool = True) -> Vocabulary:
        """Build a vocabulary from a token list; ids in order of first appearance.

        Parameters
        ----------
        tokens : iterable of str
            For example ``tokenize(text)``.
        unk : str, optional
            If given (e.g. ``"<unk>"``), it gets id 0 and stands for every
            unknown word, and for every word seen fewer than ``min_count`` times.
        min_count : int
            Keep only tokens seen at least this often. Without ``unk`` the rare
            words are simply not in the vocabulary (looking them up raises
            ``KeyError``).
        level, lower
            Recorded for :meth:`tokenize` (see the class docstring).
        """
        min_count = check_positive_int(min_count, "min_count", "Vocabulary.from_tokens")
        tokens = list(tokens)
        counts = Counter(tokens)
        words = [] if unk is None else [unk]
        seen = set(words)
        for tok in tokens:
            if tok not in seen and counts[tok] >= min_count:
                words.append(tok)
                seen.add(tok)
        if not words:
            raise ValueError(f"Vocabulary.from_tokens: no token occurs at least min_count="
                             f"{min_count} times (got {len(tokens)} tokens)")
        return cls(words, unk=unk, level=level, lower=lower)

    @classmethod
    def from_text(cls, text: str, level: str = "word", lower: bool = True,
                  unk: str | None = None, min_count: int = 1) -> Vocabulary:
        """``from_tokens(tokenize(text, level, lower), ...)``."""
        return cls.from_tokens(tokenize(text, level, lower), unk=unk, min_count=min_count,
                               level=level, lower=lower)

    # ----------------------------------------------------------------- lookups
    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self._ids

    def __iter__(self):
        return iter(self.words)

    def __eq__(self, other) -> bool:
        return (isinstance(other, Vocabulary) and self.words == other.words
                and self.unk == other.unk and self.level == other.level
                and self.lower == other.lower)

    def __repr__(self) -> str:
        head = ", ".join(repr(w) for w in self.words[:8])
        more = ", ..." if len(self) > 8 else ""
        unk = f", unk={self.unk!r}" if self.unk is not None else ""
        return f"Vocabulary(V={len(self)}: [{head}{more}]{unk})"

    def id(self, word: str) -> int:
        """The id of ``word`` (the ``unk`` id for an unknown word, if there is one).

        Raises
        ------
        KeyError
            If the word is unknown and the vocabulary has no ``unk`` token. The
            message names the word and suggests close matches.
        """
        i = self._ids.get(word)
        if i is not None:
            return i
        if self.unk is not None:
            return self._ids[self.unk]
        raise KeyError(self._unknown_message(word))

    def word(self, i) -> str:
        """The token with id ``i``."""
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"Vocabulary.word: id must be an int, got {type(i).__name__}")
        if not 0 <= i < len(self):
            raise IndexError(f"Vocabulary.word: id must be in [0, {len(self)}), got {int(i)}")
        return self.words[int(i)]

    def encode(self, tokens) -> np.ndarray:
        """Map tokens to ids.

        Parameters
        ----------
        tokens : list of str, or str
            A string is first split with :meth:`tokenize`.

        Returns
        -------
        ids : int64 ndarray, shape (len(tokens),)
        """
        if isinstance(tokens, str):
            tokens = self.tokenize(tokens)
        return np.array([self.id(t) for t in tokens], dtype=np.int64)

    def decode(self, ids) -> list[str]:
        """Map ids (any integer array or list) back to tokens."""
        ids = np.asarray(ids)
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(f"Vocabulary.decode: ids must be integers, got dtype {ids.dtype}")
        return [self.word(int(i)) for i in ids.ravel()]

    def tokenize(self, text: str) -> list[str]:
        """Split ``text`` the way this vocabulary was built (its ``level`` and ``lower``)."""
        return tokenize(text, level=self.level, lower=self.lower)

    def detokenize(self, tokens) -> str:
        """Join tokens into text for this vocabulary's level (see :func:`detokenize`)."""
        return detokenize(tokens, level=self.level)

    # ----------------------------------------------------------------- saving
    def to_list(self) -> list[str]:
        """The words in id order (a copy); with :meth:`from_list` a full round trip."""
        return list(self.words)

    @classmethod
    def from_list(cls, words, unk: str | None = None, level: str = "word",
                  lower: bool = True) -> Vocabulary:
        """Rebuild a vocabulary from :meth:`to_list` (ids are list positions)."""
        return cls([str(w) for w in words], unk=unk, level=level, lower=lower)

    def _unknown_message(self, word) -> str:
        close = []
        if isinstance(word, str):
            close = difflib.get_close_matches(word, self.words, n=3, cutoff=0.6)
        hint = (f"; did you mean {' or '.join(repr(c) for c in close)}?" if close
                else "; no known word is close")
        return (f"{word!r} is not in the vocabulary ({len(self)} words){hint} "
                "(build the vocabulary with unk='<unk>' to map unknown words to one id)")
