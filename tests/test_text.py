import numpy as np
import pytest

from minirnn.text import Vocabulary, detokenize, tokenize

SENTENCE = "You say goodbye and I say hello."


def test_tokenize_words_splits_punctuation_and_lowers():
    toks = tokenize(SENTENCE)
    assert toks == ["you", "say", "goodbye", "and", "i", "say", "hello", "."]
    assert len(set(toks)) == 7
    assert tokenize("Hi, you! Don't.", lower=False) == ["Hi", ",", "you", "!", "Don't", "."]


def test_tokenize_chars_keeps_spaces():
    assert tokenize("Hi a.", level="char") == ["h", "i", " ", "a", "."]
    assert tokenize("Hi", level="char", lower=False) == ["H", "i"]


def test_tokenize_rejects_bad_input():
    with pytest.raises(TypeError, match="text must be a str"):
        tokenize(["you"])
    with pytest.raises(ValueError, match="level must be 'word' or 'char'"):
        tokenize("x", level="sentence")


def test_detokenize_round_trip():
    assert detokenize(tokenize(SENTENCE)) == SENTENCE.lower()
    assert detokenize(tokenize(SENTENCE, level="char"), level="char") == SENTENCE.lower()


def test_vocabulary_first_appearance_order_and_round_trip():
    toks = tokenize(SENTENCE)
    v = Vocabulary.from_tokens(toks)
    assert v.words == ["you", "say", "goodbye", "and", "i", "hello", "."]
    assert len(v) == 7
    ids = v.encode(toks)
    assert ids.dtype == np.int64
    assert ids.tolist() == [0, 1, 2, 3, 4, 1, 5, 6]
    assert v.decode(ids) == toks
    assert v.id("hello") == 5 and v.word(5) == "hello"
    assert "say" in v and "bye" not in v
    # a string is tokenized the way the vocabulary was built
    assert v.encode("I say hello").tolist() == [4, 1, 5]


def test_vocabulary_is_deterministic():
    toks = tokenize("b a c a b d")
    assert Vocabulary.from_tokens(toks).words == Vocabulary.from_tokens(list(toks)).words
    assert Vocabulary.from_tokens(toks).words == ["b", "a", "c", "d"]


def test_unknown_word_raises_keyerror_with_suggestion():
    v = Vocabulary.from_text(SENTENCE)
    with pytest.raises(KeyError, match=r"'helo' is not in the vocabulary.*'hello'"):
        v.id("helo")
    with pytest.raises(KeyError, match="'zebra' is not in the vocabulary.*no known word"):
        v.encode(["you", "zebra"])


def test_unk_maps_unknown_and_rare_words():
    toks = tokenize(SENTENCE)
    v = Vocabulary.from_tokens(toks, unk="<unk>")
    assert v.words[0] == "<unk>" and len(v) == 8
    assert v.id("zebra") == 0
    assert v.encode(["you", "zebra"]).tolist() == [1, 0]
    rare = Vocabulary.from_tokens(toks, unk="<unk>", min_count=2)
    assert rare.words == ["<unk>", "say"]
    assert rare.encode(toks).tolist() == [0, 1, 0, 0, 0, 1, 0, 0]
    without = Vocabulary.from_tokens(toks, min_count=2)
    assert without.words == ["say"]
    with pytest.raises(KeyError, match="'you' is not in the vocabulary"):
        without.encode(toks)


def test_vocabulary_word_and_decode_errors():
    v = Vocabulary.from_text(SENTENCE)
    with pytest.raises(IndexError, match=r"id must be in \[0, 7\), got 7"):
        v.word(7)
    with pytest.raises(TypeError, match="ids must be integers"):
        v.decode(np.array([0.0, 1.0]))


def test_vocabulary_constructor_checks():
    with pytest.raises(ValueError, match="'a' occurs twice"):
        Vocabulary(["a", "b", "a"])
    with pytest.raises(ValueError, match="must be one of the words"):
        Vocabulary(["a"], unk="<unk>")
    with pytest.raises(ValueError, match="at least one word"):
        Vocabulary([])
    with pytest.raises(TypeError, match="every word must be a str"):
        Vocabulary(["a", 3])


def test_to_list_from_list_round_trip():
    v = Vocabulary.from_text("Hi you", level="char", unk="<unk>")
    w = Vocabulary.from_list(v.to_list(), unk=v.unk, level=v.level, lower=v.lower)
    assert w == v
    assert w.encode("hi!").tolist() == v.encode("hi!").tolist()
    assert w.encode("hi!")[-1] == 0
