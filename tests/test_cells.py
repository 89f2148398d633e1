"""Every model runs on every cell (cell="rnn", "lstm" or "gru"), with correct gradients."""

import numpy as np
import pytest

import minirnn as mr
from minirnn.models import Seq2Seq, SequenceClassifier, SequenceGenerator, SequenceTagger

CELLS = ["rnn", "lstm", "gru"]


def _bias(model, rng):
    for k, v in model.params.items():
        if k.endswith((".b", ".bx", ".bh")):
            v[...] = rng.standard_normal(v.shape) * 0.1


def _check(model, x, y, rng):
    _bias(model, rng)
    model.loss(x, y)
    model.backward()
    analytic = {k: v.copy() for k, v in model.grads.items()}
    return mr.gradient_check(lambda: model.loss(x, y), model.params, analytic)


@pytest.mark.parametrize("cell", CELLS)
def test_language_model(cell, rng):
    m = mr.RNNLM(6, 3, 4, seed=0, cell=cell)
    ids = rng.integers(0, 6, (2, 5))
    assert m.rnn.__class__.__name__ == cell.upper()
    assert _check(m, ids, np.roll(ids, -1, axis=1), rng) < 1e-6


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_classifier(cell, num_layers, rng):
    m = SequenceClassifier(3, 4, 2, vocab_size=6, num_layers=num_layers, seed=0, cell=cell)
    assert _check(m, rng.integers(0, 6, (3, 5)), np.array([0, 1, 1]), rng) < 1e-6


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_tagger(cell, bidirectional, rng):
    m = SequenceTagger(3, 4, 3, vocab_size=6, bidirectional=bidirectional, seed=0, cell=cell)
    x = rng.integers(0, 6, (2, 5))
    assert _check(m, x, x % 3, rng) < 1e-6


@pytest.mark.parametrize("cell", CELLS)
def test_generator_including_dz(cell, rng):
    m = SequenceGenerator(2, 5, 3, 4, seed=0, cell=cell)
    z, y = rng.standard_normal((3, 2)), rng.integers(0, 5, (3, 4))
    assert _check(m, z, y, rng) < 1e-6
    m.loss(z, y)
    dz = m.backward()
    assert mr.gradient_check(lambda: m.loss(z, y), z, dz) < 1e-6


@pytest.mark.parametrize("cell", CELLS)
def test_seq2seq_hands_over_the_whole_state(cell, rng):
    m = Seq2Seq(6, 5, 3, 4, seed=0, cell=cell)
    src, y = rng.integers(0, 6, (2, 5)), rng.integers(0, 5, (2, 3))
    assert _check(m, src, y, rng) < 1e-6
    state = m.encode(src)
    assert isinstance(state, tuple) == (cell == "lstm")
    assert m.generate(src, 4).shape == (2, 4)


def test_unknown_cell_is_a_clear_error():
    with pytest.raises(ValueError, match=r"RNNLM: cell must be one of \['gru', 'lstm', 'rnn'\], "
                                         r"got 'transformer'"):
        mr.RNNLM(5, 3, 4, cell="transformer")


@pytest.mark.parametrize("cell", CELLS)
def test_lstm_language_model_trains_and_generates(cell):
    vocab = mr.Vocabulary(list("abcd"))
    ids = np.tile([0, 1, 2, 3], 30)
    m = mr.RNNLM(4, 4, 8, seed=0, vocab=vocab, cell=cell)
    hist = mr.train_lm(m, ids, batch_size=2, seq_len=8, epochs=15, optimizer=mr.Adam(0.05))
    assert hist["train_ppl"][-1] < 1.2
    assert m.generate("a", 7, temperature=0.01, seed=0) == list("abcdabcd")
