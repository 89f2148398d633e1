"""The shipped Shakespeare text and its splits; the DLFS2-style PTB reader."""

import hashlib
from importlib import resources

import numpy as np
import pytest

from minirnn import datasets
from minirnn.datasets import (
    SHAKESPEARE_SPLITS,
    char_vocabulary,
    load_ptb,
    ptb_tokens,
    shakespeare,
    stored_runs,
)


@pytest.fixture(scope="module")
def corpus():
    return shakespeare()


def test_the_shipped_file_is_the_published_one():
    data = resources.files("minirnn").joinpath("data", "tinyshakespeare.txt").read_bytes()
    assert len(data) == 1_115_394
    assert hashlib.sha256(data).hexdigest() == datasets.SHAKESPEARE_SHA256


def test_splits_are_fixed_contiguous_and_start_at_a_speaker(corpus):
    text = corpus.train + corpus.valid + corpus.test
    assert len(text) == 1_115_394
    assert (len(corpus.train), len(corpus.valid), len(corpus.test)) == (1_003_857, 55_825,
                                                                        55_712)
    for name, (start, stop) in SHAKESPEARE_SPLITS.items():
        part = getattr(corpus, name)
        assert text[start:stop] == part
        assert start == 0 or text[start - 2:start] == "\n\n"      # after a blank line
        assert part.split("\n", 1)[0].endswith(":")                 # a speaker's name
    assert corpus.train.startswith("First Citizen:\n")


def test_character_vocabulary(corpus):
    assert len(corpus.vocab) == 65
    assert corpus.vocab.level == "char" and corpus.vocab.lower is False
    assert corpus.vocab.words[:3] == ["F", "i", "r"]                 # order of first appearance
    ids = corpus.ids("valid")
    assert ids.dtype == np.int64 and ids.size == len(corpus.valid)
    assert "".join(corpus.vocab.decode(ids[:200])) == corpus.valid[:200]
    assert char_vocabulary("abca") == corpus.vocab.from_text("abca", level="char", lower=False)
    with pytest.raises(ValueError, match="split must be 'train', 'valid' or 'test'"):
        corpus.ids("validation")
    with pytest.raises(ValueError, match="non-empty str"):
        char_vocabulary("")
    assert "train=1,003,857 chars" in repr(corpus)


def test_a_damaged_file_is_refused(monkeypatch):
    monkeypatch.setattr(datasets, "SHAKESPEARE_SHA256", "0" * 64)
    with pytest.raises(ValueError, match="damaged or was edited"):
        shakespeare()


def test_ptb_tokens_are_dlfs2s(tmp_path):
    # PTB lines start and end with a space; the newline becomes its own <eos> token.
    text = " the cat sat \n the dog <unk> sat \n"
    assert ptb_tokens(text) == ["the", "cat", "sat", "<eos>", "the", "dog", "<unk>", "sat",
                                "<eos>"]
    (tmp_path / "ptb.train.txt").write_text(text)
    (tmp_path / "ptb.valid.txt").write_text(" dog sat the \n")
    ids, vocab = load_ptb(tmp_path / "ptb.train.txt")
    assert vocab.words == ["the", "cat", "sat", "<eos>", "dog", "<unk>"]   # first appearance
    np.testing.assert_array_equal(ids, [0, 1, 2, 3, 0, 4, 5, 2, 3])
    valid, same = load_ptb(tmp_path / "ptb.valid.txt", vocab=vocab)
    assert same is vocab
    np.testing.assert_array_equal(valid, [4, 2, 0, 3])
    with pytest.raises(KeyError, match="'bird' is not in the vocabulary"):
        (tmp_path / "ptb.test.txt").write_text(" bird \n")
        load_ptb(tmp_path / "ptb.test.txt", vocab=vocab)
    with pytest.raises(FileNotFoundError, match="PTB is not shipped"):
        load_ptb(tmp_path / "missing.txt")


def test_stored_runs_names_are_checked():
    with pytest.raises(ValueError, match="plain file name"):
        stored_runs("../secret")
    with pytest.raises(FileNotFoundError, match="no stored results named"):
        stored_runs("nothing_here")


def test_an_edited_file_is_refused_by_its_checksum(monkeypatch, tmp_path):
    # A real edit of the text (one character), not a changed expected digest.
    original = resources.files("minirnn").joinpath("data", "tinyshakespeare.txt").read_bytes()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "tinyshakespeare.txt").write_bytes(original.replace(b"First", b"Frist", 1))

    class Shipped:                      # resources.files("minirnn") now reads tmp_path
        @staticmethod
        def files(package):
            return tmp_path

    monkeypatch.setattr(datasets, "resources", Shipped)
    with pytest.raises(ValueError, match=r"expected SHA-256 86c4e6aa9db7c042\.\.\., got "):
        shakespeare()


def test_load_ptb_refuses_what_is_not_a_text_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="expected a PTB text file, got a folder"):
        load_ptb(tmp_path)
    (tmp_path / "ptb.train.txt.gz").write_bytes(b"\x1f\x8b\x08\x00\xff\xfe binary")
    with pytest.raises(ValueError, match="expected a plain text file .* at byte 1"):
        load_ptb(tmp_path / "ptb.train.txt.gz")
    (tmp_path / "empty.txt").write_text("   ")
    with pytest.raises(ValueError, match="holds no words"):
        load_ptb(tmp_path / "empty.txt")


def test_a_damaged_stored_run_is_refused(monkeypatch, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "cut.json").write_text('{"command": "python x.py", "runs": {')
    (tmp_path / "data" / "list.json").write_text("[1, 2]")

    class Shipped:
        @staticmethod
        def files(package):
            return tmp_path

    monkeypatch.setattr(datasets, "resources", Shipped)
    with pytest.raises(ValueError, match="cut.json is damaged: expected JSON"):
        stored_runs("cut")
    with pytest.raises(ValueError, match="expected an object with a 'command' entry, got list"):
        stored_runs("list")
