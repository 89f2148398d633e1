"""The shipped corpus of the grammar: two files regenerated from their seeds, loaded with
their checksums verified."""

from __future__ import annotations

import hashlib
from importlib import resources

from .rules import WORDS, corpus_text

#: Seeds and sizes (in sentences) of the corpus files in ``minirnn/data``.
CORPUS_SPLITS = {"train": ("grammar_corpus.txt", 12_000, 2024),
                 "valid": ("grammar_corpus_valid.txt", 5_000, 2025)}

#: SHA-256 of each shipped file, checked by :func:`load_corpus`.
CORPUS_SHA256 = {"train": "3b28e38ca3ab52470f7d939c49fb35c2b6cce856f079d12f5c77298aaba1b370",
                 "valid": "f6cb1b9dca097d15e95fe4ab1142134d3066f68b1b3e82b733df8c634a48a871"}


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
    data = resources.files("minirnn").joinpath("data", name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != CORPUS_SHA256[split]:
        raise ValueError(f"load_corpus: the shipped file {name!r} is damaged or was edited: "
                         f"expected SHA-256 {CORPUS_SHA256[split][:16]}..., got {digest[:16]}... "
                         "(regenerate it with write_corpus, see its docstring)")
    return data.decode("utf-8")


def corpus_tokens(split: str = "train") -> list[str]:
    """The shipped corpus as one stream of tokens (sentences end with ".")."""
    return load_corpus(split).split()


def write_corpus(directory) -> None:
    """Regenerate both corpus files into ``directory`` (how the shipped files were made).

    ``python -c "import minirnn.tasks.grammar as g; g.write_corpus('src/minirnn/data')"``
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
    from ...text import Vocabulary

    return Vocabulary(list(WORDS))
