"""Dropout (step and variational masks), weight tying, weight decay, DLFS2's options."""

import math

import numpy as np
import pytest

import minirnn as mr
from conftest import SHAPES
from minirnn import RNNLM
from minirnn.batching import dlfs2_batches, dlfs2_num_batches
from minirnn.dropout import Dropout, dropout_backward, dropout_forward, dropout_mask
from minirnn.train import evaluate, train_lm


# ------------------------------------------------------------------------ the mask
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_mask_drops_a_fraction_p_and_keeps_the_mean(p):
    mask = dropout_mask((50, 40, 30), p, np.random.default_rng(0))
    assert set(np.unique(mask)) == {0.0, 1.0 / (1.0 - p)}
    assert abs(np.mean(mask == 0) - p) < 0.01             # 60,000 draws
    assert abs(mask.mean() - 1.0) < 0.03                  # inverted dropout: E[m] = 1


def test_mask_is_repeatable_and_float32_when_asked():
    a = dropout_mask((3, 4, 5), 0.3, np.random.default_rng(7))
    b = dropout_mask((3, 4, 5), 0.3, np.random.default_rng(7), np.float32)
    assert b.dtype == np.float32 and np.array_equal(a == 0, b == 0)


@pytest.mark.parametrize("N,T,D,H", SHAPES)
@pytest.mark.parametrize("variational", [False, True])
def test_dropout_layer_gradient_check_with_a_fixed_mask(N, T, D, H, variational, rng):
    layer = Dropout(0.4, variational=variational, seed=3)
    xs = rng.standard_normal((N, T, D))
    G = rng.standard_normal((N, T, D))

    def f():
        layer.rng = np.random.default_rng(3)      # the same mask at every evaluation
        return float(np.sum(layer.forward(xs) * G))

    f()
    dxs = layer.backward(G)
    num = mr.numerical_gradient(f, xs)
    assert mr.relative_error(dxs, num) < 1e-8
    expected = (N, 1, D) if variational else (N, T, D)
    assert layer.mask.shape == expected


def test_variational_mask_is_the_same_at_every_step(rng):
    layer = Dropout(0.5, variational=True, seed=0)
    ys = layer.forward(np.ones((4, 9, 6)))
    assert np.all(ys == ys[:, :1])                   # every step sees the sequence's mask
    assert np.any(ys[0] != ys[1])                    # each sequence has its own
    step = Dropout(0.5, seed=0).forward(np.ones((4, 9, 6)))
    assert np.any(step != step[:, :1])               # a new mask at every step


def test_pure_functions_are_the_layer(rng):
    xs, dys = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    layer = Dropout(0.3, seed=5)
    ys = layer.forward(xs)
    mask = dropout_mask((2, 3, 4), 0.3, np.random.default_rng(5))
    out, cache = dropout_forward(xs, mask)
    np.testing.assert_array_equal(ys, out)
    np.testing.assert_array_equal(layer.backward(dys), dropout_backward(dys, cache))


def test_eval_mode_is_the_identity(rng):
    layer = Dropout(0.5, seed=0)
    layer.training = False
    xs = rng.standard_normal((2, 3, 4))
    assert layer.forward(xs) is xs and layer.mask is None
    assert np.array_equal(layer.backward(xs), xs)


def test_dropout_checks():
    for bad in (1.0, -0.1, math.nan):
        with pytest.raises(ValueError, match=r"p must be a number in \[0, 1\)"):
            Dropout(bad)
    with pytest.raises(TypeError, match="must be a number"):
        Dropout("0.5")
    rng = np.random.default_rng(0)
    for bad in (1.0, 1.5, -0.2):               # the pure function checks p too
        with pytest.raises(ValueError, match=rf"dropout_mask: p must be .*, got {bad}"):
            dropout_mask((2, 3, 4), bad, rng)
    layer = Dropout(0.5)
    with pytest.raises(ValueError, match="called before forward"):
        layer.backward(np.ones((1, 2, 3)))
    with pytest.raises(ValueError, match=r"xs must have 3 axes \(N, T, D\)"):
        layer.forward(np.ones((2, 3)))
    layer.forward(np.ones((1, 2, 3)))
    with pytest.raises(ValueError, match="dys"):
        layer.backward(np.ones((1, 3, 3)))


# --------------------------------------------------------------------- in the model
def _fixed_mask_loss(model, ids, targets, seed=11):
    """The model's loss with the same dropout masks at every call."""
    def f():
        gen = np.random.default_rng(seed)
        for layer in (model.drop_x, model.drop_h):
            if layer is not None:
                layer.rng = gen
        return model.loss(ids, targets)
    return f


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("options", [dict(dropout=0.3), dict(dropout=0.3, variational=True),
                                     dict(tie_weights=True),
                                     dict(dropout=0.25, variational=True, tie_weights=True)])
@pytest.mark.parametrize("N,T", [(2, 5), (1, 1), (3, 2)])
def test_regularised_rnnlm_gradient_check(cell, options, N, T, rng):
    V, E = 7, 4
    model = RNNLM(V, E, E, seed=1, cell=cell, **options)
    for key, p in model.params.items():           # non-zero biases (a GRU has two)
        if key.split(".")[-1].startswith("b"):
            p[:] = rng.standard_normal(p.shape) * 0.1
    ids, targets = rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T))
    f = _fixed_mask_loss(model, ids, targets)
    f()
    model.backward()
    analytic = {k: g.copy() for k, g in model.grads.items()}
    assert ("out.W" in model.params) == (not model.tie_weights)
    assert mr.gradient_check(f, model.params, analytic) < 1e-6


def test_dropout_changes_the_training_loss_but_not_inference(rng):
    V, E, H = 6, 3, 5
    plain = RNNLM(V, E, H, seed=4)
    dropped = RNNLM(V, E, H, seed=4, dropout=0.5)
    for k in plain.params:                       # dropout layers draw after the weights
        np.testing.assert_array_equal(plain.params[k], dropped.params[k])
    ids = rng.integers(0, V, (2, 8))
    assert dropped.loss(ids, ids) != plain.loss(ids, ids)      # training mode drops
    assert dropped.perplexity(ids, ids) == plain.perplexity(ids, ids)
    stream = rng.integers(0, V, 50)
    assert evaluate(dropped, stream, batch_size=2) == evaluate(plain, stream, batch_size=2)
    dropped.eval()
    assert dropped.loss(ids, ids) == plain.loss(ids, ids)      # eval mode: no dropout
    assert not dropped.training and not dropped.drop_x.training
    dropped.train()
    assert dropped.training and dropped.drop_h.training


def test_generate_never_uses_dropout():
    vocab = mr.Vocabulary(list("abcdef"), level="char", lower=False)
    plain = RNNLM(6, 4, 4, seed=2, vocab=vocab)
    dropped = RNNLM(6, 4, 4, seed=2, vocab=vocab, dropout=0.6, variational=True)
    assert dropped.generate("abc", 20, seed=0) == plain.generate("abc", 20, seed=0)
    assert dropped.training                      # inference restored training mode


def test_inference_between_loss_and_backward_with_dropout_leaves_everything_alone(rng):
    vocab = mr.Vocabulary(list("abcdef"), level="char", lower=False)

    def grads(between):
        m = RNNLM(6, 4, 4, seed=0, vocab=vocab, dropout=0.4)
        ids = np.arange(12).reshape(2, 6) % 6
        m.loss(ids, ids)
        if between:
            m.generate("ab", 5, seed=1)
            m.perplexity(ids, ids)
            evaluate(m, np.arange(30) % 6)
        m.backward()
        after = m.loss(ids, ids)                 # the masks' generator was not advanced
        return {k: g.copy() for k, g in m.grads.items()}, after

    (g1, l1), (g2, l2) = grads(False), grads(True)
    assert l1 == l2
    for k in g1:
        np.testing.assert_array_equal(g1[k], g2[k], err_msg=k)


def test_tied_weights_are_one_array_with_the_sum_of_both_gradients(rng):
    model = RNNLM(5, 4, 4, seed=0, tie_weights=True)
    assert model.out.params["W"] is model.embed.params["W"]
    assert list(model.params) == ["embed.W", "rnn.Wx", "rnn.Wh", "rnn.b", "out.b"]
    assert model.num_params == 5 * 4 + 4 * 4 + 4 * 4 + 4 + 5
    ids = rng.integers(0, 5, (2, 3))
    model.loss(ids, ids)
    model.backward()
    # the lookup's gradient alone, plus the output layer's gradient alone
    lookup = model.embed.grads["W"] - model.out.grads["W"]
    assert np.abs(lookup).max() > 0 and np.abs(model.out.grads["W"]).max() > 0
    mr.SGD(lr=0.1).step(model.params, model.grads)
    assert model.out.params["W"] is model.embed.params["W"]        # still shared


def test_model_option_checks():
    with pytest.raises(ValueError, match="needs embed_dim == hidden_size"):
        RNNLM(5, 3, 4, tie_weights=True)
    with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\)"):
        RNNLM(5, 3, 4, dropout=1)
    with pytest.raises(ValueError, match="init must be one of"):
        RNNLM(5, 3, 4, init="xavier")
    r = repr(RNNLM(5, 4, 4, dropout=0.2, variational=True, tie_weights=True))
    assert "dropout=0.2, variational=True, tie_weights=True" in r


def test_dlfs2_initial_scales():
    m = RNNLM(2000, 100, 100, seed=0, init="dlfs2")
    assert abs(m.embed.params["W"].std() - 0.01) < 0.0005
    assert abs(m.rnn.params["Wx"].std() - 0.1) < 0.005
    assert abs(m.rnn.params["Wh"].std() - 0.1) < 0.005
    assert abs(m.out.params["W"].std() - 0.1) < 0.005
    assert not m.rnn.params["b"].any() and not m.out.params["b"].any()
    default = RNNLM(2000, 100, 100, seed=0)
    assert abs(default.embed.params["W"].std() - 1.0) < 0.01
    gru = RNNLM(50, 10, 10, seed=0, init="dlfs2", cell="gru")   # both of its biases are zeroed
    assert not gru.rnn.params["bx"].any() and not gru.rnn.params["bh"].any()


# ------------------------------------------------------------------------ weight decay
def test_sgd_weight_decay_is_l2_added_to_the_gradient(rng):
    W, b = rng.standard_normal((3, 4)), rng.standard_normal(3)
    gW, gb = rng.standard_normal((3, 4)), rng.standard_normal(3)
    params = {"W": W.copy(), "b": b.copy()}
    mr.SGD(lr=0.1, weight_decay=0.01).step(params, {"W": gW, "b": gb})
    np.testing.assert_allclose(params["W"], W - 0.1 * (gW + 0.01 * W))
    np.testing.assert_allclose(params["b"], b - 0.1 * gb)          # biases are not decayed


def test_adam_weight_decay_is_decoupled(rng):
    W, b = rng.standard_normal((3, 4)), rng.standard_normal(3)
    grads = [{"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(3)} for _ in range(3)]
    lr, wd = 0.01, 0.1
    decayed, plain = {"W": W.copy(), "b": b.copy()}, {"W": W.copy(), "b": b.copy()}
    opt_d, opt_p = mr.Adam(lr=lr, weight_decay=wd), mr.Adam(lr=lr)
    expected = W.copy()
    for g in grads:
        before = plain["W"].copy()
        opt_p.step(plain, g)                     # Adam's own step does not depend on W
        expected = expected * (1 - lr * wd) + (plain["W"] - before)
        opt_d.step(decayed, g)
    # AdamW: shrink by (1 - lr*wd), then the same Adam step as without decay
    np.testing.assert_allclose(decayed["W"], expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(decayed["b"], plain["b"])       # biases are not decayed
    # With a zero gradient the moments stay 0 and a weight only shrinks.
    z = {"W": W.copy()}
    opt_z = mr.Adam(lr=0.01, weight_decay=0.5)
    for _ in range(4):
        opt_z.step(z, {"W": np.zeros_like(W)})
    np.testing.assert_allclose(z["W"], W * (1 - 0.01 * 0.5) ** 4)


@pytest.mark.parametrize("make", [lambda: mr.SGD(weight_decay=-0.1),
                                  lambda: mr.Adam(weight_decay=math.inf)])
def test_weight_decay_must_be_non_negative(make):
    with pytest.raises(ValueError, match="weight_decay must be a finite number"):
        make()


# ------------------------------------------------------------------ DLFS2's batching
def test_dlfs2_batches_follow_its_loop():
    ids = np.arange(1000)
    N, T = 10, 5
    M = 999
    assert dlfs2_num_batches(ids.size, N, T) == M // (N * T) == 19
    windows = [w for e in (1, 2) for w in dlfs2_batches(ids, N, T, e)]
    time_idx = 0
    for x, y in windows:                 # DLFS2's double loop over t and the offsets
        for t in range(T):
            for i in range(N):
                pos = (i * (M // N) + time_idx) % M
                assert x[i, t] == ids[:-1][pos] and y[i, t] == ids[1:][pos]
            time_idx += 1
    assert time_idx == 2 * 19 * T


def test_train_lm_with_dlfs2_batching_never_resets_the_state(monkeypatch):
    ids = np.arange(60) % 7
    model = RNNLM(7, 3, 4, seed=0)
    resets = []
    monkeypatch.setattr(model, "reset_state", lambda: resets.append(1))
    hist = train_lm(model, ids, batch_size=2, seq_len=5, epochs=3, optimizer=mr.SGD(lr=0.1),
                    batching="dlfs2")
    assert len(hist["step_loss"]) == 3 * (59 // 10)
    assert len(resets) == 1                      # only the clean-up at the very end
    with pytest.raises(ValueError, match="batching must be 'streams' or 'dlfs2'"):
        train_lm(model, ids, batch_size=2, seq_len=5, epochs=1, optimizer=mr.SGD(),
                 batching="dlfs3")
    with pytest.raises(ValueError, match="needs at least N\\*T\\+1 = 101 tokens"):
        train_lm(model, ids, batch_size=10, seq_len=10, epochs=1, optimizer=mr.SGD(),
                 batching="dlfs2")
