"""Bad input and misuse at the public boundary: each a clear error, never a silent wrong answer.

Every case here was found by probing the public API; before the fixes each one either
passed silently (a wrong gradient, NaN parameters) or failed deep inside numpy.
"""

import math
import warnings

import numpy as np
import pytest

import minirnn as mr
from minirnn.models import Seq2Seq, SequenceClassifier, SequenceGenerator, SequenceTagger

# ------------------------------------------------------------------ empty sequences


def _float_models():
    return {
        "RNN": lambda xs: mr.RNN(3, 4, seed=0).forward(xs),
        "LSTM": lambda xs: mr.LSTM(3, 4, seed=0).forward(xs),
        "StackedRNN": lambda xs: mr.StackedRNN(3, 4, 2, seed=0).forward(xs),
        "BidirectionalRNN": lambda xs: mr.BidirectionalRNN(3, 4, seed=0).forward(xs),
        "SequenceClassifier": lambda xs: SequenceClassifier(3, 4, 2, seed=0).forward(xs),
        "SequenceTagger": lambda xs: SequenceTagger(3, 4, 2, seed=0).forward(xs),
        "SequenceRegressor": lambda xs: mr.SequenceRegressor(mr.RNN(3, 4, seed=0),
                                                             mr.Linear(4, 1, seed=0)).forward(xs),
        "rnn_forward": lambda xs: mr.rnn_forward(xs, np.zeros((xs.shape[0], 4)),
                                                 np.zeros((4, 3)), np.zeros((4, 4)),
                                                 np.zeros(4)),
    }


@pytest.mark.parametrize("name", list(_float_models()))
@pytest.mark.parametrize("shape,axis", [((2, 0, 3), r"axis 1 \(T\) must not be empty"),
                                        ((0, 5, 3), r"axis 0 \(N\) must not be empty")])
def test_empty_float_sequences_are_rejected_at_forward(name, shape, axis):
    with pytest.raises(ValueError, match=axis):
        _float_models()[name](np.zeros(shape))


@pytest.mark.parametrize("shape,axis", [((2, 0), r"axis 1 \([TS]\) must not be empty"),
                                        ((0, 4), r"axis 0 \(N\) must not be empty")])
def test_empty_token_sequences_are_rejected_at_forward(shape, axis):
    ids = np.zeros(shape, dtype=np.int64)
    for forward in (mr.RNNLM(5, 3, 4, seed=0).forward,
                    mr.Embedding(5, 3, seed=0).forward,
                    SequenceClassifier(3, 4, 2, vocab_size=5, seed=0).forward,
                    lambda x: Seq2Seq(5, 5, 3, 4, seed=0).forward(x, np.zeros((2, 3), int))):
        with pytest.raises(ValueError, match=axis):
            forward(ids)


def test_empty_stream_is_rejected_by_train_lm():
    with pytest.raises(ValueError, match="must not be empty"):
        mr.train_lm(mr.RNNLM(5, 3, 4), np.array([], dtype=np.int64), batch_size=1, seq_len=2,
                    epochs=1, optimizer=mr.SGD(0.1))


# ------------------------------------------------ inference between loss and backward


def _grads_after(model, x, y, between=None):
    model.loss(x, y)
    if between is not None:
        between(model)
    model.backward()
    return {k: g.copy() for k, g in model.grads.items()}


def _cases():
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 6, (3, 5))
    other = rng.integers(0, 6, (3, 7))               # another batch of the same size
    return [
        ("classifier.predict", lambda: SequenceClassifier(3, 4, 2, vocab_size=6, seed=0),
         tokens, np.array([0, 1, 1]), lambda m: m.predict(other)),
        ("classifier.prefix_probs", lambda: SequenceClassifier(3, 4, 2, vocab_size=6, seed=0),
         tokens, np.array([0, 1, 1]), lambda m: m.prefix_probs(other)),
        ("tagger.predict", lambda: SequenceTagger(3, 4, 2, vocab_size=6, seed=0),
         tokens, tokens % 2, lambda m: m.predict(other)),
        ("seq2seq.generate", lambda: Seq2Seq(6, 5, 3, 4, seed=0),
         tokens, tokens[:, :4] % 5, lambda m: m.generate(other, 6)),
        ("seq2seq.encode", lambda: Seq2Seq(6, 5, 3, 4, seed=0),
         tokens, tokens[:, :4] % 5, lambda m: m.encode(other)),
        ("lstm seq2seq.generate", lambda: Seq2Seq(6, 5, 3, 4, seed=0, cell="lstm"),
         tokens, tokens[:, :4] % 5, lambda m: m.generate(other, 6)),
        ("generator.generate", lambda: SequenceGenerator(2, 5, 3, 4, seed=0),
         rng.standard_normal((3, 2)), tokens % 5, lambda m: m.generate(np.ones((3, 2)), 4)),
        ("regressor.predict", lambda: mr.SequenceRegressor(mr.RNN(2, 4, seed=0),
                                                           mr.Linear(4, 1, seed=0)),
         rng.standard_normal((3, 5, 2)), rng.standard_normal(3),
         lambda m: m.predict(np.ones((3, 7, 2)))),
        ("lm.generate", lambda: mr.RNNLM(6, 3, 4, seed=0, vocab=mr.Vocabulary(list("abcdef"))),
         tokens, tokens, lambda m: m.generate("a b", 5, seed=0)),
    ]


@pytest.mark.parametrize("case", _cases(), ids=[c[0] for c in _cases()])
def test_inference_between_loss_and_backward_leaves_the_gradients_alone(case):
    _, make, x, y, infer = case
    expected = _grads_after(make(), x, y)
    got = _grads_after(make(), x, y, between=infer)
    for k in expected:
        np.testing.assert_array_equal(got[k], expected[k], err_msg=k)


def test_backward_without_a_loss_is_a_clear_error():
    m = SequenceClassifier(3, 4, 2, vocab_size=6, seed=0)
    m.predict(np.zeros((1, 3), dtype=int))
    with pytest.raises(ValueError, match=r"SequenceClassifier.backward called without a loss"):
        m.backward()


# ------------------------------------------------------------------ gradient check


def test_gradient_check_in_float32_warns():
    lin = mr.Linear(3, 2, seed=0, dtype=np.float32)
    x = np.ones((2, 3), dtype=np.float32)
    lin.backward(np.ones((2, 2), dtype=np.float32) + 0 * lin.forward(x))
    with pytest.warns(UserWarning, match=r"not float64 \(got float32\)"):
        mr.gradient_check(lambda: float(lin.forward(x).sum()), lin.params, lin.grads)
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # float64: no warning
        lin64 = mr.Linear(3, 2, seed=0)
        lin64.forward(x.astype(np.float64))
        lin64.backward(np.ones((2, 2)))
        mr.gradient_check(lambda: float(lin64.forward(x.astype(np.float64)).sum()),
                          lin64.params, lin64.grads)


# ------------------------------------------------------------------ divergence


def test_diverging_train_lm_names_epoch_and_step():
    model = mr.RNNLM(5, 3, 4, seed=0)
    with pytest.raises(mr.TrainingDiverged,
                       match=r"training diverged at epoch 1, step \d+: the .* is") as err:
        mr.train_lm(model, np.arange(60) % 5, batch_size=2, seq_len=5, epochs=3,
                    optimizer=mr.SGD(1e308))
    assert err.value.epoch == 1 and err.value.step >= 1
    assert not model.stateful                           # the model's flag is restored


def test_diverging_fit_and_adding_also_stop_with_the_error():
    m = SequenceTagger(3, 4, 2, vocab_size=6, seed=0)
    x = np.random.default_rng(0).integers(0, 6, (8, 5))
    model = mr.SequenceRegressor(mr.RNN(2, 4, seed=0), mr.Linear(4, 1, seed=0))
    from minirnn.tasks.adding import train_adding
    with pytest.raises(mr.TrainingDiverged, match="epoch"):
        train_adding(model, mr.SGD(1e308), 20, 8, 10, seed=0)
    with pytest.raises(mr.TrainingDiverged, match="epoch 1, step"):
        mr.train(m, lambda epoch: [(x, x % 2)] * 5, mr.SGD(1e308), epochs=2)


def test_huge_but_finite_losses_give_infinite_perplexity_not_overflow():
    from minirnn.train import _perplexity
    assert _perplexity(1e6) == math.inf and _perplexity(1.0) == pytest.approx(math.e)


# ------------------------------------------------------------------ hyperparameters


@pytest.mark.parametrize("make,message", [
    (lambda: mr.Adam(beta1=1.0), r"beta1 must be a finite number in \[0.0, 1.0\)"),
    (lambda: mr.Adam(beta2=1.5), r"beta2 must be a finite number in \[0.0, 1.0\)"),
    (lambda: mr.Adam(lr=math.nan), r"lr must be a finite number"),
    (lambda: mr.Adam(eps=0.0), r"eps must be a finite number in \(0.0, inf\)"),
    (lambda: mr.SGD(lr=math.inf), r"SGD: lr must be a finite number in \(0.0, inf\), got inf"),
    (lambda: mr.SGD(lr=-0.1), r"SGD: lr must be a finite number"),
    (lambda: mr.clip_grad_norm({}, math.inf), r"max_norm must be a finite number"),
])
def test_invalid_hyperparameters_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_optimizer_hyperparameters_must_be_numbers():
    with pytest.raises(TypeError, match="SGD: lr must be a number, got str"):
        mr.SGD(lr="0.1")


# ------------------------------------------------------------------ Linear input rank


def test_linear_names_both_accepted_shapes():
    lin = mr.Linear(3, 2)
    with pytest.raises(ValueError, match=r"Linear.forward: x must have shape \(N, in\) or "
                                         r"\(N, T, in\), got 4 axes with shape \(1, 2, 3, 3\)"):
        lin.forward(np.zeros((1, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"got 1 axes"):
        lin.forward(np.zeros(3))
