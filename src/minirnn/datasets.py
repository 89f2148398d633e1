"""Real text for the language models: Shakespeare shipped with the package, PTB read from disk.

Tiny Shakespeare (:func:`shakespeare`)
--------------------------------------
``minirnn/data/tinyshakespeare.txt`` is the "tiny shakespeare" corpus published
with Andrej Karpathy's char-rnn (github.com/karpathy/char-rnn,
``data/tinyshakespeare/input.txt``), the code released with his essay "The
Unreasonable Effectiveness of Recurrent Neural Networks" (2015; the essay's own
Shakespeare model read a larger file, all the plays, 4.4 MB): 40,000 lines of
Shakespeare's plays, speaker names, verse and prose, 1,115,394 bytes of plain
ASCII with Unix newlines, 65 distinct characters. The plays are in the public
domain; the file is shipped unedited and its SHA-256 is checked on every load.

The three splits are fixed slices of the file, in reading order, each starting at
the first character of a speaker's name (right after a blank line):

=========  =======================  ===========
split      characters               share
=========  =======================  ===========
train      ``[0, 1003857)``         90.0 %
valid      ``[1003857, 1059682)``   5.0 %
test       ``[1059682, 1115394)``   5.0 %
=========  =======================  ===========

Contiguous slices rather than shuffled lines: a language model reads text in
order, and held-out text should be text the model has never seen any part of
(the validation and test scenes come after every training scene).

Penn Treebank (:func:`load_ptb`)
--------------------------------
For readers of Koki Saito's "Deep Learning from Scratch 2" (DLFS2), whose chapter 5
trains on the Penn Treebank (PTB) text files ``ptb.train.txt``,
``ptb.valid.txt`` and ``ptb.test.txt`` (DLFS2's ``dataset/ptb.py`` downloads them
from the repository github.com/tomsercu/lstm). PTB is not shipped with minirnn
(and is not downloaded by it): :func:`load_ptb` reads a copy you already have,
with the same tokenisation and the same word ids as DLFS2's ``dataset/ptb.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib import resources

import numpy as np

from .text import Vocabulary

SHAKESPEARE_FILE = "tinyshakespeare.txt"
#: SHA-256 of the shipped file, checked by :func:`shakespeare`.
SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
#: The splits as character ranges ``[start, stop)`` of the file.
SHAKESPEARE_SPLITS = {"train": (0, 1_003_857), "valid": (1_003_857, 1_059_682),
                      "test": (1_059_682, 1_115_394)}


@dataclass(frozen=True)
class TextCorpus:
    """A text cut into train/validation/test splits, with its character vocabulary.

    Attributes
    ----------
    train, valid, test : str
        The three splits, in the order they appear in the file.
    vocab : Vocabulary
        Character level, case kept (``level="char", lower=False``), ids in order
        of first appearance in the whole text, so every split can be encoded.
    """

    train: str
    valid: str
    test: str
    vocab: Vocabulary

    def ids(self, split: str) -> np.ndarray:
        """The split ``"train"``, ``"valid"`` or ``"test"`` as one stream of character ids."""
        if split not in ("train", "valid", "test"):
            raise ValueError(f"TextCorpus.ids: split must be 'train', 'valid' or 'test', "
                             f"got {split!r}")
        return self.vocab.encode(list(getattr(self, split)))

    def __repr__(self) -> str:
        return (f"TextCorpus(train={len(self.train):,} chars, valid={len(self.valid):,}, "
                f"test={len(self.test):,}, V={len(self.vocab)})")


def char_vocabulary(text: str) -> Vocabulary:
    """The characters of ``text`` as a vocabulary: every character a token, case kept.

    The same as ``Vocabulary.from_text(text, level="char", lower=False)``: ids in
    order of first appearance, white space and newlines included, no ``<unk>``
    (an unseen character raises ``KeyError``).
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"char_vocabulary: text must be a non-empty str, got "
                         f"{type(text).__name__}" + (" of length 0" if text == "" else ""))
    return Vocabulary.from_text(text, level="char", lower=False)


def shakespeare() -> TextCorpus:
    """Tiny Shakespeare, checked against its SHA-256, in its fixed splits.

    Returns
    -------
    TextCorpus
        ``train`` (1,003,857 characters), ``valid`` (55,825), ``test`` (55,712)
        and the 65-character ``vocab`` (see the module docstring for the source,
        licence and split boundaries).

    Raises
    ------
    ValueError
        If the shipped file is damaged or was edited (the checksum differs).
    """
    data = resources.files("minirnn").joinpath("data", SHAKESPEARE_FILE).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHAKESPEARE_SHA256:
        raise ValueError(f"shakespeare: the shipped file {SHAKESPEARE_FILE!r} is damaged or "
                         f"was edited: expected SHA-256 {SHAKESPEARE_SHA256[:16]}..., got "
                         f"{digest[:16]}... (reinstall minirnn)")
    text = data.decode("ascii")
    parts = {name: text[a:b] for name, (a, b) in SHAKESPEARE_SPLITS.items()}
    return TextCorpus(parts["train"], parts["valid"], parts["test"], char_vocabulary(text))


def ptb_tokens(text: str) -> list[str]:
    """DLFS2's PTB tokenisation: every newline becomes ``<eos>``, then split on white space.

    ``text.replace("\\n", "<eos>").strip().split()``, exactly as DLFS2's
    ``dataset/ptb.py``. The PTB files end every line with a space, so the marker
    becomes a token of its own; in a line that does not end with white space it
    would be glued to the last word (as it is in DLFS2).
    """
    if not isinstance(text, str):
        raise TypeError(f"ptb_tokens: text must be a str, got {type(text).__name__}")
    return text.replace("\n", "<eos>").strip().split()


def load_ptb(path, vocab: Vocabulary | None = None) -> tuple[np.ndarray, Vocabulary]:
    """Read a local PTB file (``ptb.train.txt`` etc.) the way DLFS2 reads it.

    Parameters
    ----------
    path : str or path-like
        A PTB text file you have (minirnn does not ship or download PTB).
    vocab : Vocabulary, optional
        The vocabulary to encode with: DLFS2 builds its vocabulary from
        ``ptb.train.txt`` and encodes the validation and test files with it,
        so pass the one returned for the training file. Default: a new
        vocabulary from this file's words.

    Returns
    -------
    ids : int64 ndarray, shape (M,)
        The file as one stream of word ids (DLFS2's ``corpus``).
    vocab : Vocabulary
        Word level, ids in order of first appearance (DLFS2's ``word_to_id``;
        ``vocab.words`` is its ``id_to_word``), no lower-casing (PTB is lower
        case already; its own ``<unk>`` is an ordinary word here).

    Examples
    --------
    ::

        train_ids, vocab = load_ptb("ptb.train.txt")
        corpus = train_ids[:1000]                  # DLFS2 ch05/train_custom_loop.py
        vocab_size = int(corpus.max() + 1)         # as DLFS2 does
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        what = "a folder" if os.path.isdir(path) else "no file"
        raise FileNotFoundError(f"load_ptb: expected a PTB text file, got {what} at {path!r} "
                                "(PTB is not shipped with minirnn: point to your own copy of "
                                "ptb.train.txt)")
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"load_ptb: expected a plain text file (UTF-8, as the PTB files are), "
                         f"got bytes that are not text at byte {e.start} of {path!r}") from None
    words = ptb_tokens(text)
    if not words:
        raise ValueError(f"load_ptb: {path!r} holds no words")
    if vocab is None:
        vocab = Vocabulary.from_tokens(words, level="word", lower=False)
    elif not isinstance(vocab, Vocabulary):
        raise TypeError(f"load_ptb: vocab must be a minirnn.text.Vocabulary, got "
                        f"{type(vocab).__name__}")
    return vocab.encode(words), vocab


def stored_runs(name: str) -> dict:
    """Results of a long run shipped with the package (``minirnn/data/<name>.json``).

    The book shows some training runs that take too long to repeat in a
    notebook; a script in the repository's ``benchmarks/`` folder computed them
    and wrote the file (its ``"command"`` entry names the script), and a unit
    test re-runs part of one configuration and compares.
    """
    if not isinstance(name, str) or not name.replace("_", "").isalnum():
        raise ValueError(f"stored_runs: name must be a plain file name without extension, "
                         f"got {name!r}")
    file = resources.files("minirnn").joinpath("data", f"{name}.json")
    if not file.is_file():
        raise FileNotFoundError(f"stored_runs: no stored results named {name!r}")
    try:
        runs = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"stored_runs: {name}.json is damaged: expected JSON written by the "
                         f"benchmark script, got {e} (reinstall minirnn)") from None
    if not isinstance(runs, dict) or "command" not in runs:
        raise ValueError(f"stored_runs: {name}.json is damaged: expected an object with a "
                         f"'command' entry, got {type(runs).__name__}"
                         + (f" with keys {sorted(runs)}" if isinstance(runs, dict) else ""))
    return runs
