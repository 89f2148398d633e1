"""The attention encoder-decoder: gradients (with padding), padding invariance, decoding,
inference that leaves a pending backward alone, and clear errors."""

import itertools

import numpy as np
import pytest

import minirnn as mr
from minirnn.decoding import beam_search, decoder_step, greedy_decode
from minirnn.losses import log_softmax
from minirnn.models import AttentionSeq2Seq, Seq2Seq
from minirnn.models.base import shift_right
from minirnn.tasks import reversal as R

PAD = 5          # source and target padding in the small test vocabularies (6 and 7 ids)


def _model(cell="rnn", score="dot", H=4, seed=1, **kw):
    m = AttentionSeq2Seq(6, 7, 3, H, seed=seed, cell=cell, score=score,
                         attn_size=3 if score == "additive" else None, **kw)
    rng = np.random.default_rng(seed)
    for k, v in m.params.items():      # generic point: nonzero biases, larger attention weights
        if k.endswith(".b"):
            v[...] = rng.standard_normal(v.shape) * 0.1
        if k.startswith("attention."):
            v *= 3.0
    return m


def _grad_check(m, src, y):
    m.loss(src, y)
    m.backward()
    analytic = {k: v.copy() for k, v in m.grads.items()}
    return mr.gradient_check(lambda: m.loss(src, y), m.params, analytic)


# (N, S, T): a general case, one sequence, one source symbol, one output step, S != T.
SIZES = [(3, 5, 4), (1, 4, 3), (2, 1, 3), (2, 3, 1), (1, 1, 1)]


# every size with the RNN cell; the LSTM (four times the weights, slow to check) on two
CASES = ([(*size, "rnn", score) for size in SIZES for score in ("dot", "additive")]
         + [(*size, "lstm", score) for size in (SIZES[0], SIZES[-1])
            for score in ("dot", "additive")])


@pytest.mark.parametrize("N,S,T,cell,score", CASES)
def test_gradient_check_without_padding(N, S, T, cell, score, rng):
    m = _model(cell, score)
    src = rng.integers(0, 6, size=(N, S))
    y = rng.integers(0, 7, size=(N, T))
    assert _grad_check(m, src, y) < 1e-6


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("score", ["dot", "additive"])
def test_gradient_check_with_padded_sources_and_targets(cell, score, rng):
    m = _model(cell, score, src_pad=PAD, tgt_pad=PAD)
    src = np.array([[1, 2, 3, 4], [2, 3, PAD, PAD], [0, PAD, PAD, PAD]])
    y = np.array([[1, 2, 3], [4, 0, PAD], [2, PAD, PAD]])
    assert _grad_check(m, src, y) < 1e-6


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_padding_changes_nothing(cell, rng):
    """With masks, a row's loss, gradients and output do not depend on how it was padded."""
    m = _model(cell, "additive", src_pad=PAD, tgt_pad=PAD)
    src = np.array([[1, 2, 3], [2, 3, PAD]])
    y = np.array([[3, 2, 1], [3, 2, PAD]])
    loss = m.loss(src, y)
    m.backward()
    grads = {k: g.copy() for k, g in m.grads.items()}
    logits = m.forward(src, shift_right(y, m.start_id))
    wide_src = np.concatenate([src, np.full((2, 4), PAD)], axis=1)
    wide_y = np.concatenate([y, np.full((2, 2), PAD)], axis=1)
    assert m.loss(wide_src, wide_y) == pytest.approx(loss, abs=1e-12)
    m.backward()
    for k in grads:
        np.testing.assert_allclose(m.grads[k], grads[k], atol=1e-12, err_msg=k)
    wide_logits = m.forward(wide_src, shift_right(wide_y, m.start_id))
    np.testing.assert_allclose(wide_logits[:, :3], logits, atol=1e-12)
    # row 1 alone, unpadded, gives the same numbers as inside the padded batch
    alone = m.forward(src[1:, :2], shift_right(y[1:, :2], m.start_id))
    np.testing.assert_allclose(alone[0], logits[1, :2], atol=1e-12)
    np.testing.assert_array_equal(m.generate(wide_src, 3), m.generate(src, 3))
    # the padded positions get no attention at all
    w = m.attention_weights(wide_src, y)
    assert np.all(w[1, :, 2:] == 0.0) and np.all(w[0, :, 3:] == 0.0)


def test_without_masks_padding_changes_the_answer(rng):
    m = _model("rnn", "dot")                 # PAD is an ordinary symbol to this model
    src = np.array([[1, 2, PAD]])
    y = np.array([[2, 1, PAD]])
    wide = np.array([[1, 2, PAD, PAD, PAD]])
    assert abs(m.loss(src, y) - m.loss(wide, y)) > 1e-6


def test_encoder_gets_gradient_through_attention_and_the_state(rng):
    m = _model("rnn", "dot", src_pad=PAD)
    src = np.array([[1, 2, 3, PAD]])
    m.loss(src, np.array([[1, 2]]))
    m.backward()
    assert np.linalg.norm(m.grads["encoder.Wx"]) > 0
    # the padded source symbol was never used: its embedding row gets no gradient
    np.testing.assert_array_equal(m.grads["enc_embed.W"][PAD], 0.0)


# ---------------------------------------------------------------------- decoding
def test_generate_is_the_argmax_of_the_teacher_forced_model(rng):
    m = _model("lstm", "additive", src_pad=PAD)
    src = np.array([[1, 2, 3, 4], [0, 3, PAD, PAD]])
    out = m.generate(src, 5)
    logits = m.forward(src, shift_right(out, m.start_id))
    np.testing.assert_array_equal(logits.argmax(axis=-1), out)
    # and the weights recorded by attention_weights are those of that computation
    np.testing.assert_array_equal(m.attention_weights(src, out), m.attention.weights)


def test_beam_width_one_is_greedy_and_logp_is_the_sequence_log_probability(rng):
    s2s = Seq2Seq(6, 7, 3, 5, seed=3)
    src = rng.integers(0, 6, size=(4, 3))
    greedy = s2s.generate(src, 4)
    ids, logp = s2s.generate(src, 4, beam_width=1, return_logp=True)
    np.testing.assert_array_equal(ids, greedy)
    for model in (s2s, _model("rnn", "dot")):
        for k in (1, 3):
            ids, logp = model.generate(src, 4, beam_width=k, return_logp=True)
            lp = log_softmax(model.forward(src, shift_right(ids, model.start_id)))
            rescored = np.take_along_axis(lp, ids[..., None], axis=-1)[..., 0].sum(axis=1)
            np.testing.assert_allclose(logp, rescored, atol=1e-10)


def test_wider_beams_never_score_worse_here_and_exhaustive_beam_finds_the_best(rng):
    m = _model("rnn", "dot", H=3, seed=4)
    src = rng.integers(0, 6, size=(3, 2))
    T, V = 3, 7
    scores = {k: m.generate(src, T, beam_width=k, return_logp=True)[1] for k in (1, 2, 49)}
    # brute force over all V**T outputs
    best = np.full(3, -np.inf)
    for seq in itertools.product(range(V), repeat=T):
        y = np.tile(seq, (3, 1))
        lp = log_softmax(m.forward(src, shift_right(y, m.start_id)))
        best = np.maximum(best, np.take_along_axis(lp, y[..., None], -1)[..., 0].sum(1))
    np.testing.assert_allclose(scores[49], best, atol=1e-10)    # k = V**(T-1): exact
    assert np.all(scores[49] >= scores[2] - 1e-12) and np.all(scores[49] >= scores[1] - 1e-12)


def _table_step(first, second):
    """A decoder whose next-symbol probabilities are fixed tables (state = previous symbol)."""
    def step(symbols, state):
        probs = first if state[0, 0] < 0 else second[symbols]
        return np.log(np.broadcast_to(probs, (len(symbols), probs.shape[-1]))), \
            np.zeros((len(symbols), 1)) + symbols[:, None]
    return step


def test_beam_search_beats_greedy_when_the_first_choice_misleads():
    first = np.array([0.6, 0.4, 1e-9])                   # greedy takes symbol 0
    second = np.array([[0.35, 0.35, 0.3], [0.9, 0.05, 0.05], [1 / 3, 1 / 3, 1 / 3]])
    step = _table_step(first, second)
    state = np.full((1, 1), -1.0)
    greedy, lg = beam_search(step, state, start=2, length=2, width=1)
    beam, lb = beam_search(step, state, start=2, length=2, width=2)
    np.testing.assert_array_equal(greedy, [[0, 0]])      # 0.6 * 0.35 = 0.21
    np.testing.assert_array_equal(beam, [[1, 0]])        # 0.4 * 0.9  = 0.36
    assert np.exp(lg[0]) == pytest.approx(0.21) and np.exp(lb[0]) == pytest.approx(0.36)


def test_beam_search_end_symbol_stops_a_hypothesis_at_no_cost():
    first = np.array([0.5, 0.5, 1e-9])
    second = np.array([[0.1, 0.1, 0.8], [0.1, 0.1, 0.8], [1e-9, 1e-9, 1.0]])   # 2 is END
    ids, logp = beam_search(_table_step(first, second), np.full((1, 1), -1.0), start=2,
                            length=4, width=2, end=2)
    assert ids[0, 1:].tolist() == [2, 2, 2]
    assert np.exp(logp[0]) == pytest.approx(0.5 * 0.8)


def test_greedy_decode_matches_beam_width_one_for_lstm(rng):
    s2s = Seq2Seq(6, 7, 3, 5, seed=5, cell="lstm")
    src = rng.integers(0, 6, size=(3, 4))
    with s2s.inference():
        state = s2s._encode(src, "test")
        a = greedy_decode(s2s.decoder, s2s.dec_embed, s2s.out, state, s2s.start_id, 5)
        b, _ = beam_search(decoder_step(s2s.decoder, s2s.dec_embed, s2s.out), state,
                           s2s.start_id, 5, 1)
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- misuse
@pytest.mark.parametrize("infer", [
    lambda m: m.generate(np.array([[1, 2, PAD]]), 4),
    lambda m: m.generate(np.array([[1, 2, 3], [4, PAD, PAD]]), 2, beam_width=3),
    lambda m: m.attention_weights(np.array([[3, 3]]), np.array([[1, 1, 1]])),
])
def test_inference_between_loss_and_backward_leaves_the_gradients_alone(infer, rng):
    src = np.array([[1, 2, 3, 4], [2, 3, PAD, PAD]])
    y = np.array([[1, 2, 3], [4, 0, PAD]])

    def grads(between=None):
        m = _model("lstm", "additive", src_pad=PAD, tgt_pad=PAD)
        m.loss(src, y)
        if between is not None:
            between(m)
        m.backward()
        return {k: g.copy() for k, g in m.grads.items()}
    expected, got = grads(), grads(infer)
    for k in expected:
        np.testing.assert_array_equal(got[k], expected[k], err_msg=k)


def test_bad_inputs():
    m = _model(src_pad=PAD, tgt_pad=PAD)
    with pytest.raises(ValueError, match="padded on the right: row 1"):
        m.loss(np.array([[1, 2], [PAD, 3]]), np.array([[1], [2]]))
    with pytest.raises(ValueError, match="row 0 of src is all padding"):
        m.generate(np.array([[PAD, PAD]]), 2)
    with pytest.raises(ValueError, match=r"src_pad must be None or a symbol id in \[0, 6\)"):
        AttentionSeq2Seq(6, 7, 3, 4, src_pad=6)
    with pytest.raises(ValueError, match="cell must be one of"):
        AttentionSeq2Seq(6, 7, 3, 4, cell="gruu")
    with pytest.raises(ValueError, match="score must be one of"):
        AttentionSeq2Seq(6, 7, 3, 4, score="cos")
    with pytest.raises(ValueError, match="AttentionSeq2Seq.backward called without a loss"):
        m.backward()
    with pytest.raises(ValueError, match="src has N=1 rows but y_in has 2"):
        m.forward(np.array([[1, 2]]), np.array([[1], [2]]))
    with pytest.raises(ValueError, match="beam_width must be"):
        m.generate(np.array([[1, 2]]), 2, beam_width=0)
    with pytest.raises(ValueError, match=r"y contains ids outside \[0, 7\)|y.*7"):
        m.loss(np.array([[1, 2]]), np.array([[7]]))


# -------------------------------------------------------------------- the task
def test_reversal_split():
    a = R.reversal_split(200, 50, 2, 6, seed=0)
    b = R.reversal_split(200, 50, 2, 6, seed=0)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert a.x_train.shape == (200, 6) and a.y_train.shape == (200, 7)
    lengths = R.lengths(a.x_train)
    assert lengths.min() == 2 and lengths.max() == 6
    for x, y, L in zip(a.x_train, a.y_train, lengths, strict=True):
        assert np.all(x[L:] == R.PAD) and np.all(x[:L] < 10)
        np.testing.assert_array_equal(y[:L], x[:L][::-1])
        assert y[L] == R.END and np.all(y[L + 1:] == R.PAD)
    train = {tuple(r) for r in a.x_train}
    assert len(train) == 200 and not train & {tuple(r) for r in a.x_test}
    assert R.to_text(a.y_train[0]).endswith(".")
    assert R.to_text(np.array([3, 1, R.END, 4])) == "3 1 ."
    np.testing.assert_array_equal(R.repad(R.repad(a.x_test, 9), 6), a.x_test)
    np.testing.assert_array_equal(R.output_mask(a.y_test), a.y_test != R.PAD)
    with pytest.raises(ValueError, match="would cut real symbols"):
        R.repad(a.x_test, 3)
    with pytest.raises(ValueError, match="min_length must be at most max_length"):
        R.reversal_split(10, 10, 5, 4)
    with pytest.raises(ValueError, match="too many distinct sequences"):
        R.reversal_split(100, 10, 1, 2)
