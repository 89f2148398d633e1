import math

import numpy as np
import pytest

import minirnn as mr
from minirnn import RNNLM
from minirnn.text import Vocabulary, tokenize
from minirnn.train import batches, evaluate, num_batches, train_lm

SENTENCE = "You say goodbye and I say hello."
KEYS = ["embed.W", "rnn.Wx", "rnn.Wh", "rnn.b", "out.W", "out.b"]


def toy():
    toks = tokenize(SENTENCE)
    vocab = Vocabulary.from_tokens(toks)
    return vocab, vocab.encode(toks)


def trained_toy(seed=0):
    vocab, ids = toy()
    model = RNNLM(len(vocab), 8, 16, seed=seed, vocab=vocab)
    train_lm(model, ids, batch_size=1, seq_len=7, epochs=100, optimizer=mr.Adam(lr=0.05))
    return model, vocab, ids


# ------------------------------------------------------------------ gradients
@pytest.mark.parametrize("N,T,V,E,H", [(2, 5, 7, 4, 6), (1, 1, 3, 2, 2), (1, 4, 5, 3, 3),
                                       (3, 2, 6, 5, 2)])
def test_rnnlm_gradient_check(N, T, V, E, H, rng):
    model = RNNLM(V, E, H, seed=1)
    model.rnn.params["b"][:] = rng.standard_normal(H) * 0.1
    model.out.params["b"][:] = rng.standard_normal(V) * 0.1
    ids = rng.integers(0, V, (N, T))
    targets = rng.integers(0, V, (N, T))
    h0 = rng.standard_normal((N, H)) * 0.5
    model.loss(ids, targets, h0)
    model.backward()
    analytic = {k: g.copy() for k, g in model.grads.items()}
    assert sorted(analytic) == sorted(KEYS)
    err = mr.gradient_check(lambda: model.loss(ids, targets, h0), model.params, analytic)
    assert err < 1e-6


def test_params_and_grads_are_the_layers_arrays():
    model = RNNLM(5, 3, 4, seed=0)
    assert list(model.params) == KEYS and list(model.grads) == KEYS
    assert model.params["rnn.Wh"] is model.rnn.params["Wh"]
    assert model.grads["out.W"] is model.out.grads["W"]
    before = model.embed.params["W"].copy()
    model.loss(np.array([[0, 1, 2]]), np.array([[1, 2, 3]]))
    model.backward()
    mr.SGD(lr=0.5).step(model.params, model.grads)
    assert not np.array_equal(before, model.embed.params["W"])
    assert model.params["embed.W"] is model.embed.params["W"]


def test_shapes_and_seed():
    a, b = RNNLM(7, 4, 5, seed=3), RNNLM(7, 4, 5, seed=3)
    for k in KEYS:
        assert np.array_equal(a.params[k], b.params[k])
    logits = a.forward(np.zeros((2, 3), dtype=np.int64))
    assert logits.shape == (2, 3, 7)
    assert a.num_params == 7 * 4 + 5 * 4 + 5 * 5 + 5 + 7 * 5 + 7


def test_backward_needs_a_loss():
    model = RNNLM(5, 3, 4, seed=0)
    with pytest.raises(ValueError, match="without a loss"):
        model.backward()
    model.loss(np.array([[0, 1]]), np.array([[1, 2]]))
    model.forward(np.array([[0, 1, 2]]))      # a new forward invalidates the old gradient
    with pytest.raises(ValueError, match="without a loss"):
        model.backward()


def test_constructor_checks():
    vocab, _ = toy()
    with pytest.raises(ValueError, match="vocab_size=8 but the vocabulary has 7 words"):
        RNNLM(8, 3, 4, vocab=vocab)
    with pytest.raises(ValueError, match="hidden_size must be a positive int"):
        RNNLM(7, 3, 0)
    with pytest.raises(ValueError, match="needs a vocabulary"):
        RNNLM(7, 3, 4).predict_next(["you"])


def test_float32_model_trains():
    vocab, ids = toy()
    model = RNNLM(len(vocab), 8, 16, seed=0, vocab=vocab, dtype=np.float32)
    train_lm(model, ids, batch_size=1, seq_len=7, epochs=100, optimizer=mr.Adam(lr=0.05))
    assert all(p.dtype == np.float32 for p in model.params.values())
    assert model.perplexity(ids[None, :-1], ids[None, 1:]) < 1.1


# ------------------------------------------------------------------ the toy sentence
def test_untrained_model_is_near_uniform():
    vocab, ids = toy()
    for seed in range(3):
        model = RNNLM(len(vocab), 8, 16, seed=seed, vocab=vocab)
        ppl = model.perplexity(ids[None, :-1], ids[None, 1:])
        # a random small model guesses roughly uniformly: perplexity near V = 7
        assert abs(math.log(ppl) - math.log(7)) < 0.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_toy_sentence_reaches_perplexity_below_1_1(seed):
    model, vocab, ids = trained_toy(seed)
    assert model.perplexity(ids[None, :-1], ids[None, 1:]) < 1.1
    # "say" is followed by two different words; the hidden state tells them apart
    assert model.predict_next(["you", "say"], k=1)[0][0] == "goodbye"
    assert model.predict_next("you say goodbye and I say", k=1)[0][0] == "hello"


def test_predict_next_returns_sorted_probabilities():
    model, vocab, _ = trained_toy()
    top = model.predict_next(["you"], k=3)
    assert len(top) == 3
    assert [w for w, _ in top][0] == "say"
    probs = [p for _, p in top]
    assert probs == sorted(probs, reverse=True)
    full = model.predict_next(["you"], k=100)           # k larger than V returns all V
    assert sorted(w for w, _ in full) == sorted(vocab.words)
    assert math.isclose(sum(p for _, p in full), 1.0, rel_tol=1e-12)


def test_generate_only_vocabulary_words_and_is_repeatable():
    model, vocab, _ = trained_toy()
    untrained = RNNLM(len(vocab), 8, 16, seed=5, vocab=vocab)
    for m in (model, untrained):
        text = m.generate(["you"], 30, temperature=1.5, seed=0)
        assert len(text) == 31 and text[0] == "you"
        assert set(text) <= set(vocab.words)
        assert m.generate("you", 30, temperature=1.5, seed=0) == text
    # near-zero temperature: the most probable word every time
    greedy = model.generate(["i"], 6, temperature=1e-4, seed=0)
    words = ["i"]
    for _ in range(6):
        words.append(model.predict_next(words, k=1)[0][0])
    assert greedy == words
    assert model.generate(["you"], 50, seed=0, stop=".")[-1] == "."


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf")])
def test_generate_validates_temperature(bad):
    model = RNNLM(7, 3, 4, seed=0, vocab=toy()[0])
    with pytest.raises(ValueError, match="temperature must be a finite number > 0"):
        model.generate(["you"], 3, temperature=bad)


def test_unknown_words_follow_vocabulary_rules():
    vocab, _ = toy()
    model = RNNLM(len(vocab), 3, 4, seed=0, vocab=vocab)
    with pytest.raises(KeyError, match="'goodby' is not in the vocabulary.*'goodbye'"):
        model.predict_next(["you", "goodby"])
    with pytest.raises(KeyError, match="'zzz' is not in the vocabulary"):
        model.generate("zzz", 3)
    with pytest.raises(ValueError, match="at least one word"):
        model.predict_next([])
    unk_vocab = Vocabulary.from_tokens(tokenize(SENTENCE), unk="<unk>")
    m2 = RNNLM(len(unk_vocab), 3, 4, seed=0, vocab=unk_vocab)
    assert m2.predict_next(["zzz"], k=8) == m2.predict_next(["<unk>"], k=8)


def test_inference_does_not_disturb_training_state(rng):
    vocab, ids = toy()
    model = RNNLM(len(vocab), 4, 5, seed=0, vocab=vocab, stateful=True)
    x, y = ids[None, :4], ids[None, 1:5]
    model.loss(x, y)
    state = model.rnn.state.copy()
    model.predict_next(["you", "say"])
    model.generate(["i"], 5, seed=0)
    model.perplexity(x, y)
    assert np.array_equal(model.rnn.state, state) and model.stateful
    model.backward()                       # the pending gradient survived inference
    after = {k: g.copy() for k, g in model.grads.items()}
    model.reset_state()
    model.loss(x, y)
    model.backward()
    for k in KEYS:
        assert np.array_equal(after[k], model.grads[k])


# ------------------------------------------------------------------ batching
CASES = [(8, 1, 7), (8, 1, 3), (8, 2, 2), (20, 3, 4), (21, 4, 5), (50, 7, 3), (12, 11, 2),
         (30, 5, 100), (101, 10, 6)]


@pytest.mark.parametrize("n_tokens,N,T", CASES)
def test_batches_cover_every_target_once(n_tokens, N, T):
    ids = np.arange(n_tokens)            # id == position, so targets name their position
    windows = list(batches(ids, N, T))
    assert len(windows) == num_batches(n_tokens, N, T)
    ys = np.concatenate([y.ravel() for _, y in windows])
    assert np.array_equal(np.sort(ys), np.arange(1, n_tokens))
    for x, y in windows:
        assert x.shape == y.shape and x.shape[0] in (N, 1) and 1 <= x.shape[1] <= T
        assert np.array_equal(y, x + 1)
    # each row continues where the same stream stopped in the previous window
    for (xa, ya), (xb, _) in zip(windows, windows[1:], strict=False):
        if xb.shape[0] == xa.shape[0]:
            assert np.array_equal(xb[:, 0], ya[:, -1])
        else:                            # the single-row remainder continues the last stream
            assert xb.shape[0] == 1 and xb[0, 0] == ya[-1, -1]


def test_batches_checks():
    with pytest.raises(ValueError, match="need at least 5 tokens"):
        list(batches(np.arange(4), 4, 2))
    with pytest.raises(TypeError, match="1-D integer numpy array"):
        list(batches(np.arange(4.0), 1, 2))
    with pytest.raises(ValueError, match="must be 1-D"):
        list(batches(np.zeros((2, 3), dtype=int), 1, 2))


@pytest.mark.parametrize("n_tokens,N,T", [(30, 1, 4), (30, 4, 3), (41, 3, 5), (23, 5, 2)])
def test_carried_state_equals_one_long_forward(n_tokens, N, T, rng):
    V = 6
    model = RNNLM(V, 3, 5, seed=2)
    ids = rng.integers(0, V, n_tokens)
    # reference: each stream in one stateless forward over its whole length
    M = n_tokens - 1
    L = M // N
    ends = [(n * L, (n + 1) * L) for n in range(N - 1)] + [((N - 1) * L, M)]
    total = 0.0
    for a, b in ends:
        logp = mr.log_softmax(model.forward(ids[None, a:b]))
        total -= np.take_along_axis(logp, ids[None, a + 1:b + 1, None], axis=-1).sum()
    expected = total / M
    assert math.isclose(evaluate(model, ids, batch_size=N, seq_len=T), expected,
                        rel_tol=1e-12)


# ------------------------------------------------------------------ training loop
class NoStep:
    """An optimizer that never changes the weights."""

    def step(self, params, grads):
        pass


@pytest.mark.parametrize("n_tokens,N,T", [(30, 1, 4), (41, 3, 5)])
def test_train_lm_carries_state_across_windows(n_tokens, N, T, rng):
    model = RNNLM(6, 3, 5, seed=2)
    ids = rng.integers(0, 6, n_tokens)
    hist = train_lm(model, ids, batch_size=N, seq_len=T, epochs=2, optimizer=NoStep())
    expected = evaluate(model, ids, batch_size=N, seq_len=T)
    assert math.isclose(hist["train_loss"][0], expected, rel_tol=1e-12)
    assert math.isclose(hist["train_loss"][1], expected, rel_tol=1e-12)
    assert len(hist["step_loss"]) == 2 * num_batches(n_tokens, N, T)


def test_train_lm_history_and_silence(capsys, rng):
    vocab, ids = toy()
    model = RNNLM(len(vocab), 4, 8, seed=0, vocab=vocab)
    corpus = np.tile(ids, 6)
    hist = train_lm(model, corpus[:30], batch_size=2, seq_len=5, epochs=5,
                    optimizer=mr.Adam(lr=0.02), clip=1.0, val_ids=corpus[30:], eval_every=2)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    assert len(hist["train_loss"]) == len(hist["train_ppl"]) == len(hist["grad_norm"]) == 5
    assert hist["val_epoch"] == [2, 4, 5]
    assert len(hist["val_loss"]) == len(hist["val_ppl"]) == 3
    assert hist["train_loss"][-1] < hist["train_loss"][0]
    assert all(math.isclose(p, math.exp(lo)) for p, lo in zip(hist["val_ppl"],
                                                              hist["val_loss"], strict=True))
    assert math.isclose(hist["val_loss"][-1], evaluate(model, corpus[30:], batch_size=2),
                        rel_tol=1e-12)
    assert not model.stateful and model.rnn.state is None


def test_train_lm_progress_outside_a_notebook_goes_to_stderr(capsys):
    vocab, ids = toy()
    model = RNNLM(len(vocab), 4, 8, seed=0, vocab=vocab)
    train_lm(model, ids, batch_size=1, seq_len=7, epochs=3, optimizer=mr.Adam(),
             progress=True)
    out = capsys.readouterr()
    assert out.out == "" and "epoch 3/3: train perplexity" in out.err


def test_train_lm_checks():
    vocab, ids = toy()
    model = RNNLM(len(vocab), 4, 8, seed=0, vocab=vocab)
    opt = mr.Adam()
    with pytest.raises(ValueError, match="need at least 9 training tokens"):
        train_lm(model, ids, batch_size=8, seq_len=2, epochs=1, optimizer=opt)
    with pytest.raises(ValueError, match="clip must be a finite number > 0"):
        train_lm(model, ids, batch_size=1, seq_len=2, epochs=1, optimizer=opt, clip=0)
    with pytest.raises(ValueError, match=r"token ids in \[0, 7\)"):
        train_lm(model, np.array([0, 1, 9]), batch_size=1, seq_len=2, epochs=1,
                 optimizer=opt)
    with pytest.raises(TypeError, match="step"):
        train_lm(model, ids, batch_size=1, seq_len=2, epochs=1, optimizer="adam")
