import numpy as np
import pytest

import minirnn as mr
from conftest import SHAPES
from minirnn.wrappers import BidirectionalRNN, StackedRNN


def _check(layer, forward, out_shape, rng, extra_arrays=None):
    """Gradient-check every param, the inputs and h0 for L = sum(out * G)."""
    G = rng.standard_normal(out_shape)

    def f():
        return float(np.sum(forward() * G))

    f()
    dxs = layer.backward(G)
    analytic = {k: v.copy() for k, v in layer.grads.items()}
    arrays = dict(layer.params)
    for name, (arr, grad) in (extra_arrays or {}).items():
        arrays[name] = arr
        analytic[name] = grad(dxs)
    return mr.gradient_check(f, arrays, analytic)


@pytest.mark.parametrize("N,T,D,H", SHAPES)
@pytest.mark.parametrize("K", [1, 2, 3])
def test_stacked_gradient_check(N, T, D, H, K, rng):
    net = StackedRNN(D, H, K, seed=0)
    for k, v in net.params.items():
        if k.endswith(".b"):
            v[:] = rng.standard_normal(H) * 0.1
    xs = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((K, N, H)) * 0.5
    err = _check(net, lambda: net.forward(xs, h0), (N, T, H), rng,
                 {"xs": (xs, lambda dxs: dxs), "h0": (h0, lambda _: net.dh0.copy())})
    assert err < 1e-6


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_bidirectional_gradient_check(N, T, D, H, rng):
    net = BidirectionalRNN(D, H, seed=0)
    xs = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((2, N, H)) * 0.5
    err = _check(net, lambda: net.forward(xs, h0), (N, T, 2 * H), rng,
                 {"xs": (xs, lambda dxs: dxs), "h0": (h0, lambda _: net.dh0.copy())})
    assert err < 1e-6


def test_stacked_params_reference_the_layers_arrays():
    net = StackedRNN(3, 5, 2, seed=1)
    assert list(net.params) == ["0.Wx", "0.Wh", "0.b", "1.Wx", "1.Wh", "1.b"]
    assert net.params["0.Wx"].shape == (5, 3) and net.params["1.Wx"].shape == (5, 5)
    assert net.params["1.Wh"] is net.layers[1].params["Wh"]
    assert net.grads["0.b"] is net.layers[0].grads["b"]
    assert net.num_params == (5 * 3 + 25 + 5) + (25 + 25 + 5)


def test_bidirectional_params_reference_the_directions():
    net = BidirectionalRNN(3, 4, seed=1)
    assert list(net.params) == ["fwd.Wx", "fwd.Wh", "fwd.b", "bwd.Wx", "bwd.Wh", "bwd.b"]
    assert net.params["bwd.Wx"] is net.bwd.params["Wx"]
    assert net.grads["fwd.Wh"] is net.fwd.grads["Wh"]
    # two different directions, not one copied
    assert not np.array_equal(net.params["fwd.Wx"], net.params["bwd.Wx"])


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_stacked_with_one_layer_equals_rnn(N, T, D, H, rng):
    net, rnn = StackedRNN(D, H, 1, seed=5), mr.RNN(D, H, seed=5)
    for k in rnn.params:
        np.testing.assert_array_equal(net.params[f"0.{k}"], rnn.params[k])
    xs = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    np.testing.assert_allclose(net.forward(xs, h0[None]), rnn.forward(xs, h0), rtol=1e-12)
    dhs = rng.standard_normal((N, T, H))
    np.testing.assert_allclose(net.backward(dhs), rnn.backward(dhs), rtol=1e-12)
    for k in rnn.grads:
        np.testing.assert_allclose(net.grads[f"0.{k}"], rnn.grads[k], rtol=1e-12)
    np.testing.assert_allclose(net.dh0[0], rnn.dh0, rtol=1e-12)


def test_stacked_feeds_each_layer_the_one_below(rng):
    net = StackedRNN(3, 4, 3, seed=2)
    xs = rng.standard_normal((2, 5, 3))
    hs = xs
    for layer in net.layers:
        hs = mr.RNN.forward(layer, hs)
    np.testing.assert_allclose(net.forward(xs), hs, rtol=1e-12)
    assert net.h_n.shape == (3, 2, 4)
    np.testing.assert_allclose(net.h_n[-1], hs[:, -1], rtol=1e-12)


def test_stacked_stateful_carries_every_layer(rng):
    xs = rng.standard_normal((2, 6, 3))
    whole = StackedRNN(3, 4, 2, seed=3).forward(xs)
    net = StackedRNN(3, 4, 2, seed=3, stateful=True)
    first = net.forward(xs[:, :4])
    assert net.state.shape == (2, 2, 4)
    second = net.forward(xs[:, 4:])
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, rtol=1e-12)
    net.reset_state()
    assert net.state is None


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_bidirectional_halves(N, T, D, H, rng):
    """Forward half = an RNN; backward half = an RNN on the reversed sequence, reversed."""
    net = BidirectionalRNN(D, H, seed=4)
    xs = rng.standard_normal((N, T, D))
    hs = net.forward(xs)
    assert hs.shape == (N, T, 2 * H)
    fwd, bwd = mr.RNN(D, H), mr.RNN(D, H)
    for k in fwd.params:
        fwd.params[k][...] = net.fwd.params[k]
        bwd.params[k][...] = net.bwd.params[k]
    np.testing.assert_allclose(hs[:, :, :H], fwd.forward(xs), rtol=1e-12)
    rev = bwd.forward(xs[:, ::-1].copy())
    np.testing.assert_allclose(hs[:, :, H:], rev[:, ::-1], rtol=1e-12)
    # h_n: the forward state after the last step, the backward state after the first
    np.testing.assert_allclose(net.h_n[0], hs[:, -1, :H], rtol=1e-12)
    np.testing.assert_allclose(net.h_n[1], hs[:, 0, H:], rtol=1e-12)


def test_bidirectional_output_depends_on_the_future(rng):
    net = BidirectionalRNN(2, 3, seed=0)
    xs = rng.standard_normal((1, 5, 2))
    before = net.forward(xs)
    xs2 = xs.copy()
    xs2[0, 4] += 1.0          # change only the last input
    after = net.forward(xs2)
    np.testing.assert_allclose(after[0, 0, :3], before[0, 0, :3])   # forward half: no
    assert not np.allclose(after[0, 0, 3:], before[0, 0, 3:])       # backward half: yes


def test_seeds_repeat():
    a, b = StackedRNN(3, 4, 2, seed=9), StackedRNN(3, 4, 2, seed=9)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    c, d = BidirectionalRNN(3, 4, seed=9), BidirectionalRNN(3, 4, seed=9)
    for k in c.params:
        np.testing.assert_array_equal(c.params[k], d.params[k])


def test_bad_input_messages():
    with pytest.raises(ValueError, match="num_layers must be a positive int, got 0"):
        StackedRNN(3, 4, 0)
    with pytest.raises(TypeError, match="hidden_size must be a positive int"):
        BidirectionalRNN(3, 4.0)
    net = StackedRNN(3, 4, 2)
    with pytest.raises(ValueError, match=r"StackedRNN.forward: xs axis 2 \(D\) must have size 3"):
        net.forward(np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match=r"h0 axis 0 \(K\) must have size 2"):
        net.forward(np.zeros((2, 5, 3)), h0=np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match="StackedRNN.backward called before forward"):
        StackedRNN(3, 4, 2).backward(np.zeros((2, 5, 4)))
    bi = BidirectionalRNN(3, 4)
    with pytest.raises(ValueError, match="BidirectionalRNN.backward called before forward"):
        bi.backward(np.zeros((2, 5, 8)))
    bi.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"dhs axis 2 \(2H\) must have size 8"):
        bi.backward(np.zeros((2, 5, 4)))
    with pytest.raises(TypeError, match="xs must be a floating-point array"):
        bi.forward(np.zeros((2, 5, 3), dtype=int))
