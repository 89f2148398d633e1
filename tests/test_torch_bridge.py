"""minirnn against PyTorch autograd: the same weights give the same outputs and gradients.

Skipped when PyTorch is not installed (it is an optional extra: a reader's
`make test` never downloads it). CI installs the CPU build, so it always runs there.
"""

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch",
    reason="PyTorch is not installed: the minirnn <-> PyTorch comparison is optional; to "
           "include it run `.venv/bin/pip install torch --index-url "
           "https://download.pytorch.org/whl/cpu` (the CPU build is enough)",
)

import minirnn as mr  # noqa: E402
from conftest import SHAPES  # noqa: E402
from minirnn import RNNLM  # noqa: E402
from minirnn import torch_bridge as tb  # noqa: E402
from minirnn.lstm import LSTM  # noqa: E402

TOL = dict(rtol=1e-10, atol=1e-10)


def _t(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


def _np(t):
    return t.detach().numpy()


# --------------------------------------------------------------------- RNN
@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_rnn_forward_and_all_gradients_match_torch(N, T, D, H, rng):
    rnn = mr.RNN(D, H, seed=1)
    rnn.params["b"][:] = rng.standard_normal(H) * 0.5
    xs, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    G = rng.standard_normal((N, T, H))                   # L = sum(hs * G)
    hs = rnn.forward(xs, h0)
    dxs = rnn.backward(G)

    m = tb.rnn_to_torch(rnn)
    assert m.batch_first and m.weight_ih_l0.dtype == torch.float64
    xs_t, h0_t = _t(xs, True), _t(h0[None], True)
    hs_t, hn_t = m(xs_t, h0_t)
    (hs_t * _t(G)).sum().backward()

    np.testing.assert_allclose(hs, _np(hs_t), **TOL)
    np.testing.assert_allclose(hs[:, -1], _np(hn_t)[0], **TOL)
    np.testing.assert_allclose(dxs, _np(xs_t.grad), **TOL)
    np.testing.assert_allclose(rnn.dh0, _np(h0_t.grad)[0], **TOL)
    np.testing.assert_allclose(rnn.grads["Wx"], _np(m.weight_ih_l0.grad), **TOL)
    np.testing.assert_allclose(rnn.grads["Wh"], _np(m.weight_hh_l0.grad), **TOL)
    # Each torch bias receives the whole gradient of their sum, minirnn's b.
    np.testing.assert_allclose(rnn.grads["b"], _np(m.bias_ih_l0.grad), **TOL)
    np.testing.assert_allclose(rnn.grads["b"], _np(m.bias_hh_l0.grad), **TOL)


def test_rnn_from_torch_sums_the_two_biases(rng):
    torch.manual_seed(0)
    m = torch.nn.RNN(3, 5, batch_first=True, dtype=torch.float64)   # both biases random
    assert torch.count_nonzero(m.bias_hh_l0) > 0
    rnn = tb.rnn_from_torch(m)
    assert isinstance(rnn, mr.RNN) and rnn.params["Wx"].dtype == np.float64
    np.testing.assert_array_equal(rnn.params["b"], _np(m.bias_ih_l0 + m.bias_hh_l0))
    xs = rng.standard_normal((2, 4, 3))
    np.testing.assert_allclose(rnn.forward(xs), _np(m(_t(xs))[0]), **TOL)
    # ... and back: the same function, with the whole bias in bias_ih_l0.
    m2 = tb.rnn_to_torch(rnn)
    assert torch.count_nonzero(m2.bias_hh_l0) == 0
    np.testing.assert_allclose(_np(m2(_t(xs))[0]), _np(m(_t(xs))[0]), **TOL)


def test_copy_into_existing_objects_is_in_place():
    rnn = mr.RNN(3, 4, seed=0)
    Wx = rnn.params["Wx"]                                  # e.g. held by an optimizer
    m = torch.nn.RNN(3, 4, batch_first=True, dtype=torch.float64)
    assert tb.rnn_from_torch(m, rnn) is rnn
    assert rnn.params["Wx"] is Wx
    np.testing.assert_array_equal(Wx, _np(m.weight_ih_l0))
    rnn.params["Wh"][0, 0] = 7.0
    w = m.weight_hh_l0
    assert tb.rnn_to_torch(rnn, m) is m and m.weight_hh_l0 is w
    assert m.weight_hh_l0.detach()[0, 0].item() == 7.0


def test_float32_round_trip():
    rnn = mr.RNN(3, 4, seed=0, dtype=np.float32)
    m = tb.rnn_to_torch(rnn)
    assert m.weight_ih_l0.dtype == torch.float32
    back = tb.rnn_from_torch(m)
    assert back.params["Wx"].dtype == np.float32
    for k in rnn.params:
        np.testing.assert_array_equal(back.params[k], rnn.params[k])


@pytest.mark.parametrize("kwargs,message", [
    (dict(nonlinearity="relu"), "nonlinearity='relu'"),
    (dict(num_layers=2), "num_layers=2"),
    (dict(bidirectional=True), "bidirectional=True"),
    (dict(bias=False), "bias=False"),
])
def test_rnn_without_minirnn_equivalent_is_refused(kwargs, message):
    m = torch.nn.RNN(3, 4, batch_first=True, **kwargs)
    with pytest.raises(ValueError, match=message):
        tb.rnn_from_torch(m)
    with pytest.raises(ValueError, match=message):
        tb.rnn_to_torch(mr.RNN(3, 4, seed=0), m)


def test_size_and_type_mismatches_are_refused():
    with pytest.raises(ValueError, match="input_size=3, hidden_size=4.*input_size=3, "
                                         "hidden_size=5"):
        tb.rnn_to_torch(mr.RNN(3, 5, seed=0), torch.nn.RNN(3, 4))
    with pytest.raises(ValueError, match="sizes differ"):
        tb.rnn_from_torch(torch.nn.RNN(2, 4), mr.RNN(3, 4, seed=0))
    with pytest.raises(TypeError, match="expected a torch.nn.RNN, got LSTM"):
        tb.rnn_from_torch(torch.nn.LSTM(3, 4))
    with pytest.raises(TypeError, match="expected a minirnn RNN, got LSTM"):
        tb.rnn_to_torch(LSTM(3, 4, seed=0))
    with pytest.raises(TypeError, match="expected a minirnn LSTM to copy into, got RNN"):
        tb.lstm_from_torch(torch.nn.LSTM(3, 4), mr.RNN(3, 4, seed=0))
    with pytest.raises(TypeError, match="to_torch: expected a minirnn RNN, LSTM, GRU or RNNLM"):
        tb.to_torch(mr.Linear(3, 4, seed=0))
    with pytest.raises(TypeError, match="from_torch: expected"):
        tb.from_torch(torch.nn.Linear(3, 4))


# -------------------------------------------------------------------- LSTM
@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_lstm_forward_and_all_gradients_match_torch(N, T, D, H, rng):
    lstm = LSTM(D, H, seed=2, forget_bias=1.0)
    lstm.params["b"][:] += rng.standard_normal(4 * H) * 0.5
    xs = rng.standard_normal((N, T, D))
    h0, c0 = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    G = rng.standard_normal((N, T, H))
    hs = lstm.forward(xs, h0, c0)
    dxs = lstm.backward(G)

    m = tb.to_torch(lstm)
    assert isinstance(m, torch.nn.LSTM)
    xs_t, h0_t, c0_t = _t(xs, True), _t(h0[None], True), _t(c0[None], True)
    hs_t, (hn_t, cn_t) = m(xs_t, (h0_t, c0_t))
    (hs_t * _t(G)).sum().backward()

    np.testing.assert_allclose(hs, _np(hs_t), **TOL)
    np.testing.assert_allclose(hs[:, -1], _np(hn_t)[0], **TOL)
    np.testing.assert_allclose(dxs, _np(xs_t.grad), **TOL)
    np.testing.assert_allclose(lstm.dh0, _np(h0_t.grad)[0], **TOL)
    np.testing.assert_allclose(lstm.dc0, _np(c0_t.grad)[0], **TOL)
    np.testing.assert_allclose(lstm.grads["Wx"], _np(m.weight_ih_l0.grad), **TOL)
    np.testing.assert_allclose(lstm.grads["Wh"], _np(m.weight_hh_l0.grad), **TOL)
    np.testing.assert_allclose(lstm.grads["b"], _np(m.bias_ih_l0.grad), **TOL)
    np.testing.assert_allclose(lstm.grads["b"], _np(m.bias_hh_l0.grad), **TOL)


def test_lstm_from_torch_keeps_the_gate_order(rng):
    torch.manual_seed(1)
    m = torch.nn.LSTM(3, 2, batch_first=True, dtype=torch.float64)
    lstm = tb.from_torch(m)
    assert isinstance(lstm, LSTM)
    xs = rng.standard_normal((2, 5, 3))
    np.testing.assert_allclose(lstm.forward(xs), _np(m(_t(xs))[0]), **TOL)
    # The blocks (i, f, g, o) line up: the forget block of b is torch's rows H:2H.
    np.testing.assert_array_equal(lstm.params["b"][2:4], _np(m.bias_ih_l0 + m.bias_hh_l0)[2:4])


def test_lstm_with_projection_is_refused():
    with pytest.raises(ValueError, match="proj_size=2"):
        tb.lstm_from_torch(torch.nn.LSTM(3, 4, proj_size=2))


# --------------------------------------------------------------------- GRU
@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_gru_forward_and_all_gradients_match_torch(N, T, D, H, rng):
    gru = mr.GRU(D, H, seed=4)
    for k in ("bx", "bh"):                   # two different non-zero biases
        gru.params[k][:] = rng.standard_normal(3 * H) * 0.5
    xs, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    G = rng.standard_normal((N, T, H))
    hs = gru.forward(xs, h0)
    dxs = gru.backward(G)

    m = tb.to_torch(gru)
    assert isinstance(m, torch.nn.GRU) and m.batch_first and m.weight_ih_l0.dtype == torch.float64
    xs_t, h0_t = _t(xs, True), _t(h0[None], True)
    hs_t, hn_t = m(xs_t, h0_t)
    (hs_t * _t(G)).sum().backward()

    np.testing.assert_allclose(hs, _np(hs_t), **TOL)
    np.testing.assert_allclose(gru.h_n, _np(hn_t)[0], **TOL)
    np.testing.assert_allclose(dxs, _np(xs_t.grad), **TOL)
    np.testing.assert_allclose(gru.dh0, _np(h0_t.grad)[0], **TOL)
    np.testing.assert_allclose(gru.grads["Wx"], _np(m.weight_ih_l0.grad), **TOL)
    np.testing.assert_allclose(gru.grads["Wh"], _np(m.weight_hh_l0.grad), **TOL)
    np.testing.assert_allclose(gru.grads["bx"], _np(m.bias_ih_l0.grad), **TOL)
    np.testing.assert_allclose(gru.grads["bh"], _np(m.bias_hh_l0.grad), **TOL)
    # b_hn sits inside the reset product: its gradient is not b_in's (unlike r, z)
    assert not np.allclose(gru.grads["bx"][2 * H:], gru.grads["bh"][2 * H:])
    np.testing.assert_allclose(gru.grads["bx"][:2 * H], gru.grads["bh"][:2 * H], **TOL)


def test_gru_from_torch_keeps_both_biases_and_the_block_order(rng):
    torch.manual_seed(3)
    m = torch.nn.GRU(3, 2, batch_first=True, dtype=torch.float64)     # both biases random
    gru = tb.from_torch(m)
    assert isinstance(gru, mr.GRU) and gru.params["Wx"].dtype == np.float64
    np.testing.assert_array_equal(gru.params["bx"], _np(m.bias_ih_l0))
    np.testing.assert_array_equal(gru.params["bh"], _np(m.bias_hh_l0))
    xs, h0 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 2))
    np.testing.assert_allclose(gru.forward(xs, h0), _np(m(_t(xs), _t(h0[None]))[0]), **TOL)
    # ... and back: bit-identical parameters, since nothing is merged
    m2 = tb.gru_to_torch(gru)
    for name, p in m.named_parameters():
        assert torch.equal(p, m2.get_parameter(name)), name
    # merging the two biases as for the RNN would change the function
    merged = tb.gru_from_torch(m)
    merged.params["bx"] += merged.params["bh"]
    merged.params["bh"][:] = 0.0
    assert not np.allclose(merged.forward(xs, h0), gru.forward(xs, h0))


def test_gru_copy_into_existing_objects_and_float32(rng):
    gru = mr.GRU(3, 4, seed=0, dtype=np.float32)
    m = tb.gru_to_torch(gru)
    assert m.weight_ih_l0.dtype == torch.float32
    back = tb.gru_from_torch(m)
    assert back.dtype == np.float32
    for k in gru.params:
        np.testing.assert_array_equal(back.params[k], gru.params[k])
    target = mr.GRU(3, 4, seed=1)
    arrays = dict(target.params)
    assert tb.from_torch(m, target) is target
    for k, v in target.params.items():
        assert v is arrays[k]
        np.testing.assert_allclose(v, gru.params[k].astype(np.float64), rtol=1e-7)
    existing = torch.nn.GRU(3, 4, batch_first=True, dtype=torch.float64)
    w = existing.weight_hh_l0
    assert tb.to_torch(target, existing) is existing and existing.weight_hh_l0 is w


def test_gru_mismatches_are_refused():
    with pytest.raises(ValueError, match="single_bias=True does not apply to a GRU"):
        tb.to_torch(mr.GRU(3, 4, seed=0), single_bias=True)
    with pytest.raises(TypeError, match="gru_to_torch: expected a minirnn GRU, got LSTM"):
        tb.gru_to_torch(LSTM(3, 4, seed=0))
    with pytest.raises(TypeError, match="gru_from_torch: expected a torch.nn.GRU, got LSTM"):
        tb.gru_from_torch(torch.nn.LSTM(3, 4))
    with pytest.raises(TypeError, match="expected a minirnn GRU to copy into, got RNN"):
        tb.gru_from_torch(torch.nn.GRU(3, 4), mr.RNN(3, 4, seed=0))
    with pytest.raises(ValueError, match="sizes differ"):
        tb.gru_to_torch(mr.GRU(3, 5, seed=0), torch.nn.GRU(3, 4))
    with pytest.raises(ValueError, match="num_layers=2"):
        tb.gru_from_torch(torch.nn.GRU(3, 4, num_layers=2))
    with pytest.raises(ValueError, match="bidirectional=True"):
        tb.gru_to_torch(mr.GRU(3, 4, seed=0), torch.nn.GRU(3, 4, bidirectional=True))


def test_gated_rnnlms_go_across_with_their_cell():
    for cell, cls in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
        model = RNNLM(6, 3, 4, seed=0, cell=cell)
        m = tb.to_torch(model)
        assert m.cell == cell and isinstance(m.rnn, cls)
        with pytest.raises(ValueError, match="options differ"):
            tb.rnnlm_from_torch(tb.TorchRNNLM(6, 3, 4), model)
    gru_lm = RNNLM(6, 3, 4, seed=0, cell="gru")
    assert isinstance(tb.to_torch(gru_lm.rnn), torch.nn.GRU)
    with pytest.raises(ValueError, match="single_bias=True does not apply to a GRU"):
        tb.rnnlm_to_torch(gru_lm, single_bias=True)


# ------------------------------------------------------------------- RNNLM
@pytest.mark.parametrize("N,T,V,E,H", [(2, 5, 7, 4, 6), (1, 1, 3, 2, 2), (3, 4, 11, 5, 3)])
def test_rnnlm_loss_and_all_gradients_match_torch(N, T, V, E, H, rng):
    model = RNNLM(V, E, H, seed=3)
    model.rnn.params["b"][:] = rng.standard_normal(H) * 0.5
    model.out.params["b"][:] = rng.standard_normal(V) * 0.5
    ids = rng.integers(0, V, (N, T))
    targets = rng.integers(0, V, (N, T))
    h0 = rng.standard_normal((N, H))
    logits = model.forward(ids, h0)
    loss = model.loss(ids, targets, h0)
    model.backward()
    # The embedding's input gradient reaches no array, so get dL/dxs by hand.
    dxs = model.rnn.backward(model.out.backward(model._dloss))

    m = tb.to_torch(model)
    assert isinstance(m, tb.TorchRNNLM)
    h0_t = _t(h0[None], True)
    xs_t = m.embed(torch.from_numpy(ids))
    xs_t.retain_grad()
    hs_t, _ = m.rnn(xs_t, h0_t)
    logits_t = m.out(hs_t)
    loss_t = torch.nn.functional.cross_entropy(logits_t.reshape(N * T, V),
                                               torch.from_numpy(targets).reshape(-1))
    loss_t.backward()

    np.testing.assert_allclose(logits, _np(logits_t), **TOL)
    np.testing.assert_allclose(_np(m(torch.from_numpy(ids), h0_t)[0]), _np(logits_t), **TOL)
    assert abs(loss - loss_t.item()) < 1e-10
    torch_grads = {
        "embed.W": m.embed.weight.grad, "rnn.Wx": m.rnn.weight_ih_l0.grad,
        "rnn.Wh": m.rnn.weight_hh_l0.grad, "rnn.b": m.rnn.bias_ih_l0.grad,
        "out.W": m.out.weight.grad, "out.b": m.out.bias.grad,
    }
    assert torch_grads.keys() == model.grads.keys()
    for k, g in torch_grads.items():
        np.testing.assert_allclose(model.grads[k], _np(g), **TOL, err_msg=k)
    np.testing.assert_allclose(model.grads["rnn.b"], _np(m.rnn.bias_hh_l0.grad), **TOL)
    # The helper used by chapter 10 gives the same arrays under minirnn's names.
    helper = tb.rnnlm_grads_from_torch(m)
    assert helper.keys() == model.grads.keys()
    for k, g in helper.items():
        np.testing.assert_array_equal(g, _np(torch_grads[k]))
    np.testing.assert_allclose(dxs, _np(xs_t.grad), **TOL)
    np.testing.assert_allclose(model.rnn.dh0, _np(h0_t.grad)[0], **TOL)


def test_rnnlm_round_trip_from_torch(rng):
    torch.manual_seed(2)
    m = tb.TorchRNNLM(6, 3, 4)
    model = tb.from_torch(m)
    assert isinstance(model, RNNLM)
    assert (model.vocab_size, model.embed_dim, model.hidden_size) == (6, 3, 4)
    ids = rng.integers(0, 6, (2, 5))
    np.testing.assert_allclose(model.forward(ids), _np(m(torch.from_numpy(ids))[0]), **TOL)
    # Copy into an existing model: its arrays are updated in place.
    other = RNNLM(6, 3, 4, seed=9)
    arrays = dict(other.params)
    tb.rnnlm_from_torch(m, other)
    for k, v in other.params.items():
        assert v is arrays[k]
        np.testing.assert_array_equal(v, model.params[k])


@pytest.mark.parametrize("single_bias", [True, False])
def test_adam_steps_are_the_same_in_both_with_one_bias(single_bias, rng):
    """Chapter 10: training steps of minirnn.Adam and torch.optim.Adam give the same weights,
    if torch trains one bias; with two, the bias (their sum) moves twice as far."""
    model = RNNLM(7, 8, 16, seed=0)
    m = tb.to_torch(model, single_bias=single_bias)
    assert m.rnn.bias_hh_l0.requires_grad is not single_bias
    opt_t = torch.optim.Adam(m.parameters(), lr=0.05)
    opt = mr.Adam(lr=0.05)
    ids, targets = rng.integers(0, 7, (1, 7)), rng.integers(0, 7, (1, 7))
    for _ in range(3):
        model.loss(ids, targets)
        model.backward()
        opt.step(model.params, model.grads)
        opt_t.zero_grad()
        logits, _ = m(torch.from_numpy(ids))
        torch.nn.functional.cross_entropy(logits.reshape(-1, 7),
                                          torch.from_numpy(targets).reshape(-1)).backward()
        opt_t.step()
    back = tb.from_torch(m)
    if single_bias:
        for k in model.params:
            np.testing.assert_allclose(model.params[k], back.params[k], **TOL, err_msg=k)
    else:
        assert np.abs(model.params["rnn.b"] - back.params["rnn.b"]).max() > 1e-2


def test_two_biases_double_the_sgd_step_of_the_bias(rng):
    rnn = mr.RNN(3, 4, seed=0)
    xs, G = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 4))
    rnn.forward(xs)
    rnn.backward(G)
    m = tb.rnn_to_torch(rnn)
    (m(_t(xs))[0] * _t(G)).sum().backward()
    torch.optim.SGD(m.parameters(), lr=0.1).step()
    b_torch = _np(m.bias_ih_l0 + m.bias_hh_l0)
    np.testing.assert_allclose(b_torch, rnn.params["b"] - 2 * 0.1 * rnn.grads["b"], **TOL)


def test_exercise_ch10_parameter_counts():
    """Chapter 10 exercise: torch's RNN layer has H more numbers (its second bias)."""
    model = RNNLM(7, 8, 16, seed=0)
    m = tb.to_torch(model)
    torch_count = sum(p.numel() for p in m.parameters())
    assert torch_count == model.num_params + model.hidden_size
    assert sum(p.numel() for p in m.rnn.parameters()) == model.rnn.num_params + 16 == 416


def _windows(rng, V, n_windows=3, N=2, T=4):
    ids = rng.integers(0, V, (N, n_windows * T + 1))
    return [(ids[:, k * T:(k + 1) * T], ids[:, k * T + 1:(k + 1) * T + 1])
            for k in range(n_windows)]


def _window_loss(m, x, y, h, V):
    logits, h = m(torch.from_numpy(x), h)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V),
                                             torch.from_numpy(y).reshape(-1))
    return loss, h


def test_exercise_ch10_detached_state_is_minirnn_truncated_bptt(rng):
    """Chapter 10 exercise: carrying h with h.detach() gives, window by window, the gradients
    of minirnn's stateful RNNLM (truncated BPTT)."""
    V = 7
    model = RNNLM(V, 3, 5, seed=0, stateful=True)
    m = tb.to_torch(model)
    h = None
    for x, y in _windows(rng, V):
        model.loss(x, y)
        model.backward()
        m.zero_grad()
        loss, h = _window_loss(m, x, y, h, V)
        loss.backward()
        h = h.detach()
        for k, g in tb.rnnlm_grads_from_torch(m).items():
            np.testing.assert_allclose(model.grads[k], g, **TOL, err_msg=k)


def test_exercise_ch10_without_detach_torch_refuses(rng):
    """... and without it the second window fails; retain_graph=True does not help once an
    optimizer has changed the weights in place."""
    V = 7
    windows = _windows(rng, V)
    for retain, message in ((False, "backward through the graph a second time"),
                            (True, "modified by an inplace operation")):
        m = tb.to_torch(RNNLM(V, 3, 5, seed=0))
        opt = torch.optim.SGD(m.parameters(), lr=0.1)
        h = None
        with pytest.raises(RuntimeError, match=message):
            for x, y in windows:
                opt.zero_grad()
                loss, h = _window_loss(m, x, y, h, V)
                loss.backward(retain_graph=retain)
                opt.step()


def test_rnnlm_grads_from_torch_needs_a_backward():
    with pytest.raises(ValueError, match="call loss.backward\\(\\) first"):
        tb.rnnlm_grads_from_torch(tb.TorchRNNLM(5, 3, 4))


def test_rnnlm_mismatches_are_refused():
    with pytest.raises(ValueError, match=r"\(V, E, H\) = \(6, 3, 4\)"):
        tb.rnnlm_to_torch(RNNLM(6, 3, 4, seed=0), tb.TorchRNNLM(6, 3, 5))
    with pytest.raises(TypeError, match="expected a minirnn.torch_bridge.TorchRNNLM"):
        tb.rnnlm_from_torch(torch.nn.RNN(3, 4))
    with pytest.raises(ValueError, match="hidden_size must be a positive int"):
        tb.TorchRNNLM(6, 3, 0)


# ------------------------------------------------------------ import rules
def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_core_package_does_not_import_torch():
    r = _run("import sys, minirnn; print('torch' in sys.modules)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"


def test_bridge_without_torch_says_how_to_install_it():
    # sys.modules[name] = None makes `import torch` fail as if it were absent.
    r = _run("import sys; sys.modules['torch'] = None\n"
             "try:\n    import minirnn.torch_bridge\n"
             "except ImportError as e:\n    print(e)\n")
    assert r.returncode == 0, r.stderr
    assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in r.stdout
    assert "minirnn[" not in r.stdout          # minirnn is on no package index


# --------------------------------------------- RNNLM options: LSTM, GRU, dropout, tying
OPTIONS = [dict(cell="lstm"), dict(cell="gru"), dict(tie_weights=True),
           dict(cell="lstm", tie_weights=True), dict(dropout=0.3),
           dict(cell="lstm", dropout=0.2, variational=True, tie_weights=True),
           dict(cell="gru", dropout=0.2, tie_weights=True)]


@pytest.mark.parametrize("options", OPTIONS)
def test_rnnlm_with_options_matches_torch_in_eval_mode(options, rng):
    """Outputs, loss and every gradient agree with dropout off (the masks are random)."""
    V, E, N, T = 9, 6, 3, 5
    model = RNNLM(V, E, E, seed=4, **options)
    for key, p in model.params.items():           # non-zero biases (a GRU has two)
        if key.split(".")[-1].startswith("b"):
            p[:] = rng.standard_normal(p.shape) * 0.3
    m = tb.rnnlm_to_torch(model)
    assert (m.cell, m.dropout, m.variational, m.tie_weights) == (
        model.cell, model.dropout, model.variational, model.tie_weights)
    if model.tie_weights:
        assert m.out.weight is m.embed.weight
    model.eval()
    m.eval()
    ids, targets = rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T))
    loss = model.loss(ids, targets)
    model.backward()
    logits_t, _ = m(torch.from_numpy(ids))
    loss_t = torch.nn.functional.cross_entropy(logits_t.reshape(-1, V),
                                               torch.from_numpy(targets).reshape(-1))
    loss_t.backward()
    assert abs(loss - loss_t.item()) < 1e-12
    grads = tb.rnnlm_grads_from_torch(m)
    assert grads.keys() == model.grads.keys()
    for k, g in grads.items():
        np.testing.assert_allclose(model.grads[k], g, **TOL, err_msg=k)


@pytest.mark.parametrize("options", OPTIONS)
def test_rnnlm_with_options_round_trip_on_cpu(options, rng):
    """minirnn -> PyTorch (train a few steps on the CPU) -> minirnn: the same model."""
    vocab = mr.Vocabulary(list("abcdefgh"), level="char", lower=False)
    model = RNNLM(8, 5, 5, seed=1, vocab=vocab, **options)
    m = tb.rnnlm_to_torch(model).to(device="cpu", dtype=torch.float32)
    opt = torch.optim.AdamW(m.parameters(), lr=0.01, weight_decay=0.01)
    ids = torch.from_numpy(rng.integers(0, 8, (4, 6)))
    torch.manual_seed(0)
    for _ in range(3):                     # training mode: dropout active in torch
        opt.zero_grad()
        logits, _ = m(ids[:, :-1])
        torch.nn.functional.cross_entropy(logits.reshape(-1, 8), ids[:, 1:].reshape(-1)).backward()
        opt.step()
    back = tb.rnnlm_from_torch(m, vocab=vocab)
    assert back.params["embed.W"].dtype == np.float32
    assert back.params.keys() == model.params.keys()
    for key in ("cell", "dropout", "variational", "tie_weights"):
        assert getattr(back, key) == getattr(model, key)
    m.eval()
    with torch.no_grad():
        expected = m(ids)[0].numpy()
    with back.inference():
        np.testing.assert_allclose(back.forward(ids.numpy()), expected, rtol=1e-5, atol=1e-5)
    assert len(back.generate("ab", 5, seed=0)) == 7


def test_locked_dropout_reuses_its_mask_over_time():
    torch.manual_seed(0)
    drop = tb.LockedDropout(0.5)
    ys = drop(torch.ones(4, 7, 6, dtype=torch.float64))
    assert torch.all(ys == ys[:, :1]) and set(ys.unique().tolist()) <= {0.0, 2.0}
    drop.eval()
    x = torch.randn(2, 3, 4)
    assert drop(x) is x


def test_rnnlm_options_must_agree():
    with pytest.raises(ValueError, match="options differ"):
        tb.rnnlm_to_torch(RNNLM(6, 4, 4, seed=0, cell="lstm"), tb.TorchRNNLM(6, 4, 4))
    with pytest.raises(ValueError, match="tie_weights=True needs embed_dim == hidden_size"):
        tb.TorchRNNLM(6, 3, 4, tie_weights=True)
    with pytest.raises(ValueError, match="cell must be one of"):
        tb.TorchRNNLM(6, 3, 4, cell="transformer")


# ------------------------------------------------------ attention and padding (chapter 8)
@pytest.mark.parametrize("N,T,S,H", SHAPES)
@pytest.mark.parametrize("masked", [False, True])
def test_dot_attention_is_torch_scaled_dot_product_attention(N, T, S, H, masked, rng):
    """Scores q.k / sqrt(H), masked softmax, context: PyTorch's SDPA with its default scale."""
    q, k = rng.standard_normal((N, T, H)), rng.standard_normal((N, S, H))
    lengths = rng.integers(1, S + 1, size=N)
    mask = (np.arange(S) < lengths[:, None]) if masked else None
    layer = mr.Attention(H, score="dot")
    m = layer.forward(q, k, mask)
    G = rng.standard_normal(m.shape)
    dq, dk = layer.backward(G)

    q_t, k_t = _t(q, True), _t(k, True)
    attn_mask = None if mask is None else torch.tensor(mask[:, None, :])   # True = attend
    m_t = torch.nn.functional.scaled_dot_product_attention(q_t, k_t, k_t, attn_mask=attn_mask)
    (m_t * _t(G)).sum().backward()
    np.testing.assert_allclose(m, _np(m_t), **TOL)
    np.testing.assert_allclose(dq, _np(q_t.grad), **TOL)
    np.testing.assert_allclose(dk, _np(k_t.grad), **TOL)
    # the scores alone, with SDPA's explicit scale argument
    u, _ = mr.dot_scores_forward(q, k, scale=0.5)
    np.testing.assert_allclose(u, _np(q_t @ k_t.transpose(1, 2)) * 0.5, **TOL)


def test_multihead_attention_masks_are_the_opposite_of_our_mask(rng):
    """nn.MultiheadAttention ignores keys where key_padding_mask (or attn_mask) is True;
    minirnn's mask is True at the real positions. With identity projections and one head
    the two compute the same context."""
    N, T, S, H = 2, 3, 4, 5
    q, k = rng.standard_normal((N, T, H)), rng.standard_normal((N, S, H))
    mask = np.array([[True, True, True, False], [True, False, False, False]])
    mha = torch.nn.MultiheadAttention(H, num_heads=1, bias=False, batch_first=True,
                                      dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([torch.eye(H, dtype=torch.float64)] * 3))
        mha.out_proj.weight.copy_(torch.eye(H, dtype=torch.float64))
    out, weights = mha(_t(q), _t(k), _t(k), key_padding_mask=torch.tensor(~mask))
    layer = mr.Attention(H)
    np.testing.assert_allclose(layer.forward(q, k, mask), _np(out), **TOL)
    np.testing.assert_allclose(layer.weights, _np(weights), **TOL)
    # nn.MultiheadAttention's boolean attn_mask is True where attending is NOT allowed:
    # the opposite of scaled_dot_product_attention's attn_mask and of minirnn's mask
    per_query = np.broadcast_to(mask[:, None, :], (N, T, S))
    out, weights = mha(_t(q), _t(k), _t(k), attn_mask=torch.tensor(~per_query))
    np.testing.assert_allclose(layer.forward(q, k, per_query), _np(out), **TOL)
    np.testing.assert_allclose(layer.weights, _np(weights), **TOL)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_state_at_last_real_step_is_torch_packed_h_n(cell, rng):
    """PyTorch runs a packed sequence for its own length: h_n is the state after each
    row's last real step, which minirnn reads with state_at(layer, lengths - 1)."""
    from torch.nn.utils.rnn import pack_padded_sequence
    layer = mr.RNN(3, 4, seed=0) if cell == "rnn" else mr.LSTM(3, 4, seed=0)
    xs = rng.standard_normal((4, 6, 3))
    lengths = np.array([6, 2, 5, 1])
    layer.forward(xs)
    state = mr.recurrent.state_at(layer, lengths - 1)
    module = tb.rnn_to_torch(layer) if cell == "rnn" else tb.lstm_to_torch(layer)
    packed = pack_padded_sequence(_t(xs), torch.tensor(lengths), batch_first=True,
                                  enforce_sorted=False)
    _, final = module(packed)
    if cell == "rnn":
        np.testing.assert_allclose(state, _np(final)[0], **TOL)
        # without packing, h_n is the state after the padding: different
        assert not np.allclose(_np(module(_t(xs))[1])[0], state)
    else:
        np.testing.assert_allclose(state[0], _np(final[0])[0], **TOL)
        np.testing.assert_allclose(state[1], _np(final[1])[0], **TOL)


def test_packed_bidirectional_backward_half_starts_at_the_last_real_step(rng):
    """With a packed batch, each direction runs over the real steps only: the backward
    half's final state is the same as for the row alone, unpadded (chapter 8)."""
    from torch.nn.utils.rnn import pack_padded_sequence
    torch.manual_seed(0)
    bi = torch.nn.RNN(3, 4, batch_first=True, bidirectional=True, dtype=torch.float64)
    xs = _t(rng.standard_normal((3, 5, 3)))
    lengths = [5, 2, 3]
    _, h_n = bi(pack_padded_sequence(xs, torch.tensor(lengths), batch_first=True,
                                     enforce_sorted=False))
    _, h_padded = bi(xs)
    for n, L in enumerate(lengths):
        _, alone = bi(xs[n:n + 1, :L])
        np.testing.assert_allclose(_np(h_n[:, n]), _np(alone[:, 0]), **TOL)
        if L < 5:       # unpacked, the backward half has read the padding last
            assert not np.allclose(_np(h_padded[1, n]), _np(alone[1, 0]))


def test_masked_loss_is_cross_entropy_with_ignore_index(rng):
    logits = rng.standard_normal((3, 4, 6))
    y = rng.integers(0, 5, size=(3, 4))
    y[1, 2:], y[2, 1:] = 5, 5                       # 5 marks padding
    loss, dlogits = mr.softmax_cross_entropy(logits, y, y != 5)
    logits_t = _t(logits, True)
    loss_t = torch.nn.functional.cross_entropy(logits_t.reshape(-1, 6), torch.tensor(y).ravel(),
                                               ignore_index=5)
    loss_t.backward()
    assert loss == pytest.approx(loss_t.item(), abs=1e-12)
    np.testing.assert_allclose(dlogits, _np(logits_t.grad), **TOL)
