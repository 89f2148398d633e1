import numpy as np
import pytest

import minirnn as mr
from minirnn import fit
from minirnn.metrics import exact_match, token_accuracy
from minirnn.models import (
    Seq2Seq,
    SequenceClassifier,
    SequenceGenerator,
    SequenceTagger,
    last_step,
    last_step_backward,
)

# (N, T, D, H): a general case, a single sequence, a single step, D != H.
SHAPES = [(3, 5, 4, 6), (1, 4, 3, 3), (2, 1, 5, 2), (1, 1, 2, 3)]


def _loss_check(model, x, y):
    """Gradient-check every parameter of a model against its own loss."""
    model.loss(x, y)
    model.backward()
    analytic = {k: v.copy() for k, v in model.grads.items()}
    return mr.gradient_check(lambda: model.loss(x, y), model.params, analytic)


def _bias(model, rng):
    # nonzero biases so that their gradients are tested at a generic point
    for k, v in model.params.items():
        if k.endswith(".b"):
            v[...] = rng.standard_normal(v.shape) * 0.1


@pytest.mark.parametrize("N,T,D,H", SHAPES)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_classifier_gradient_check_token_ids(N, T, D, H, num_layers, rng):
    m = SequenceClassifier(D, H, 3, vocab_size=7, num_layers=num_layers, seed=0)
    _bias(m, rng)
    x = rng.integers(0, 7, size=(N, T))
    y = rng.integers(0, 3, size=N)
    assert _loss_check(m, x, y) < 1e-6


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_classifier_gradient_check_raw_inputs(N, T, D, H, rng):
    m = SequenceClassifier(D, H, 2, seed=1)
    _bias(m, rng)
    x = rng.standard_normal((N, T, D))
    y = rng.integers(0, 2, size=N)
    assert _loss_check(m, x, y) < 1e-6
    m.loss(x, y)
    dx = m.backward()
    assert mr.gradient_check(lambda: m.loss(x, y), x, dx) < 1e-6


def test_many_to_one_loss_uses_only_the_last_step(rng):
    m = SequenceClassifier(3, 4, 2, vocab_size=5, seed=2)
    x = rng.integers(0, 5, size=(4, 6))
    y = rng.integers(0, 2, size=4)
    m.loss(x, y)
    m.backward()
    dhs = last_step_backward(rng.standard_normal((4, 4)), 6)
    assert np.all(dhs[:, :-1] == 0) and np.any(dhs[:, -1] != 0)
    # the loss is unchanged by the hidden states before the last, given the last
    logits = m.forward(x)
    np.testing.assert_allclose(logits, m.out.forward(m.hs[:, -1]))
    np.testing.assert_array_equal(last_step(m.hs), m.hs[:, -1])
    # prefix_probs at the last position are the classifier's probabilities
    probs = m.prefix_probs(x)
    np.testing.assert_allclose(probs[:, -1], mr.softmax(logits), rtol=1e-12)
    np.testing.assert_allclose(probs.sum(axis=2), 1.0)


@pytest.mark.parametrize("N,T,D,H", SHAPES)
@pytest.mark.parametrize("kind", ["simple", "stacked", "bidirectional"])
def test_tagger_gradient_check(N, T, D, H, kind, rng):
    m = SequenceTagger(D, H, 3, vocab_size=4, num_layers=2 if kind == "stacked" else 1,
                       bidirectional=kind == "bidirectional", seed=3)
    _bias(m, rng)
    x = rng.integers(0, 4, size=(N, T))
    y = rng.integers(0, 3, size=(N, T))
    assert _loss_check(m, x, y) < 1e-6


def test_tagger_raw_inputs_gradient(rng):
    m = SequenceTagger(3, 4, 2, bidirectional=True, seed=4)
    x = rng.standard_normal((2, 5, 3))
    y = rng.integers(0, 2, size=(2, 5))
    m.loss(x, y)
    dx = m.backward()
    assert mr.gradient_check(lambda: m.loss(x, y), x, dx) < 1e-6
    assert m.params["out.W"].shape == (2, 8)


@pytest.mark.parametrize("N,T,Z,H", SHAPES)
def test_generator_gradient_check(N, T, Z, H, rng):
    m = SequenceGenerator(Z, 5, 3, H, seed=5)
    _bias(m, rng)
    z = rng.standard_normal((N, Z))
    y = rng.integers(0, 5, size=(N, T))
    assert _loss_check(m, z, y) < 1e-6
    m.loss(z, y)
    dz = m.backward()
    assert mr.gradient_check(lambda: m.loss(z, y), z, dz) < 1e-6


@pytest.mark.parametrize("N,S,T,H", [(3, 5, 4, 6), (1, 4, 3, 3), (2, 1, 1, 2), (1, 1, 2, 3),
                                     (2, 3, 6, 4)])
def test_seq2seq_gradient_check(N, S, T, H, rng):
    m = Seq2Seq(6, 4, 3, H, seed=6)
    _bias(m, rng)
    src = rng.integers(0, 6, size=(N, S))
    y = rng.integers(0, 4, size=(N, T))
    assert _loss_check(m, src, y) < 1e-6


def test_seq2seq_encoder_learns_only_through_h0(rng):
    m = Seq2Seq(6, 4, 3, 5, seed=7)
    src = rng.integers(0, 6, size=(3, 4))
    y = rng.integers(0, 4, size=(3, 2))
    m.loss(src, y)
    m.backward()
    assert np.linalg.norm(m.grads["encoder.Wx"]) > 0      # the gradient reached the encoder
    np.testing.assert_allclose(m.encoder.backward(last_step_backward(m.decoder.dh0, 4)),
                               m.encoder.backward(np.pad(m.decoder.dh0[:, None],
                                                         ((0, 0), (3, 0), (0, 0)))))


def test_generation_feeds_back_its_own_outputs(rng):
    """Free-running output = argmax of the teacher-forced model fed those same outputs."""
    gen = SequenceGenerator(4, 5, 3, 6, seed=8)
    z = rng.standard_normal((3, 4))
    ids = gen.generate(z, 6)
    y_in = np.concatenate([np.full((3, 1), gen.start_id), ids[:, :-1]], axis=1)
    np.testing.assert_array_equal(gen.forward(z, y_in).argmax(axis=2), ids)
    s2s = Seq2Seq(6, 4, 3, 5, seed=9)
    src = rng.integers(0, 6, size=(3, 4))
    out = s2s.generate(src, 5)
    y_in = np.concatenate([np.full((3, 1), s2s.start_id), out[:, :-1]], axis=1)
    np.testing.assert_array_equal(s2s.forward(src, y_in).argmax(axis=2), out)


def test_fit_lowers_the_loss_and_is_repeatable(rng):
    x = rng.integers(0, 4, size=(40, 5))
    y = (x[:, -1] % 2).astype(np.int64)            # the label is in the last input
    losses = []
    for _ in range(2):
        m = SequenceClassifier(3, 8, 2, vocab_size=4, seed=0)
        losses.append(fit(m, x, y, steps=60, batch_size=8, lr=0.05, seed=1))
    assert losses[0] == losses[1]
    assert np.mean(losses[0][-10:]) < 0.5 * np.mean(losses[0][:10])


def test_metrics():
    pred = np.array([[1, 2, 3], [1, 2, 0]])
    target = np.array([[1, 2, 3], [1, 2, 3]])
    assert exact_match(pred, target) == 0.5
    assert token_accuracy(pred, target) == 5 / 6
    with pytest.raises(ValueError, match="shapes differ"):
        token_accuracy(pred, target[:1])


def test_bad_inputs():
    with pytest.raises(ValueError, match="bidirectional=True supports num_layers=1 only"):
        SequenceTagger(3, 4, 2, num_layers=2, bidirectional=True)
    m = SequenceClassifier(3, 4, 2, vocab_size=5)
    with pytest.raises(ValueError, match=r"x must hold token ids in \[0, 5\)"):
        m.forward(np.array([[1, 5]]))
    with pytest.raises(ValueError, match="SequenceClassifier.backward called without a loss"):
        m.backward()
    raw = SequenceClassifier(3, 4, 2)
    with pytest.raises(ValueError, match=r"x axis 2 \(D\) must have size 3"):
        raw.forward(np.zeros((1, 2, 4)))
    gen = SequenceGenerator(4, 5, 3, 6)
    with pytest.raises(ValueError, match="z has N=2 rows but y_in has 1"):
        gen.forward(np.zeros((2, 4)), np.zeros((1, 3), dtype=int))
    with pytest.raises(ValueError, match=r"y must hold token ids in \[0, 5\)"):
        gen.loss(np.zeros((1, 4)), np.array([[5]]))
    with pytest.raises(ValueError, match="fit: x and y must have the same number of rows"):
        fit(m, np.zeros((3, 2), dtype=int), np.zeros(2, dtype=int), steps=1)
