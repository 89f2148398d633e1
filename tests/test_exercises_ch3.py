"""The computational answers of chapter 3's exercises, computed with minirnn."""

import math

import numpy as np

import minirnn as mr
from minirnn import RNNLM
from minirnn.text import Vocabulary, tokenize
from minirnn.train import batches, train_lm

SENTENCE = "You say goodbye and I say hello."


def ppl_of(p_true, V=7):
    """Perplexity of predictions that give the true word (id 0) the probabilities p_true."""
    probs = np.zeros((1, len(p_true), V))
    for t, p in enumerate(p_true):
        probs[0, t] = (1 - p) / (V - 1)
        probs[0, t, 0] = p
    logits = np.log(np.maximum(probs, 1e-300))
    loss, _ = mr.softmax_cross_entropy(logits, np.zeros((1, len(p_true)), dtype=int))
    return math.exp(loss)


def bigram_floor(tokens):
    """Best perplexity of a model that sees only the current word (count ratios)."""
    pairs = list(zip(tokens[:-1], tokens[1:], strict=True))
    out = {}
    for a, b in pairs:
        out.setdefault(a, []).append(b)
    logp = [math.log(out[a].count(b) / len(out[a])) for a, b in pairs]
    return math.exp(-sum(logp) / len(logp))


def test_ex_perplexity_by_hand():
    assert math.isclose(ppl_of([0.9] * 7), 1 / 0.9, rel_tol=1e-9)
    assert abs(ppl_of([0.9] * 7) - 1.111) < 5e-4
    assert math.isclose(ppl_of([1.0] * 6 + [0.01]), 100 ** (1 / 7), rel_tol=1e-9)
    assert abs(ppl_of([1.0] * 6 + [0.01]) - 1.931) < 5e-4
    # uniform guessing gives V
    assert math.isclose(ppl_of([1 / 7] * 7), 7.0, rel_tol=1e-9)


def test_ex_counting_parameters():
    model = RNNLM(vocab_size=7, embed_dim=8, hidden_size=16, seed=0)   # as the exercise writes it
    sizes = {k: p.size for k, p in model.params.items()}
    assert sizes["embed.W"] == 56
    assert sizes["rnn.Wx"] + sizes["rnn.Wh"] + sizes["rnn.b"] == 400
    assert sizes["out.W"] + sizes["out.b"] == 119
    assert model.num_params == 575
    assert RNNLM(10000, 8, 16, seed=0).num_params == 250400


def test_ex_windows():
    shapes = [x.shape for x, _ in batches(np.arange(1003), 4, 30)]
    assert len(shapes) == 10
    assert shapes[:8] == [(4, 30)] * 8
    assert shapes[-2:] == [(4, 10), (1, 2)]
    assert sum(a * b for a, b in shapes) == 1002


def test_ex_full_stop_and_bigram_floors():
    tokens = tokenize(SENTENCE)
    assert math.isclose(bigram_floor(tokens), 2 ** (2 / 7))           # the chapter's 1.219
    text2 = f"{SENTENCE} {SENTENCE}"
    tokens2 = tokenize(text2)
    assert len(tokens2) == 16
    assert math.isclose(bigram_floor(tokens2), 2 ** (4 / 15))
    assert abs(2 ** (4 / 15) - 1.203) < 5e-4
    vocab = Vocabulary.from_text(text2)
    ids = vocab.encode(text2)
    model = RNNLM(len(vocab), 8, 16, seed=0, vocab=vocab)
    hist = train_lm(model, ids, batch_size=1, seq_len=15, epochs=300,
                    optimizer=mr.Adam(lr=0.01))
    assert model.predict_next("you say goodbye and i say hello .", k=1)[0][0] == "you"
    assert hist["train_ppl"][-1] < 2 ** (4 / 15)
