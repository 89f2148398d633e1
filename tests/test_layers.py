import numpy as np
import pytest

import minirnn as mr
from conftest import SHAPES


def _check_layer(layer, forward, inputs: dict, rng):
    """Gradient-check a layer's params and the given inputs for L = sum(out * G)."""
    out = forward()
    G = rng.standard_normal(out.shape)

    def f():
        return float(np.sum(forward() * G))

    f()
    dinputs = layer.backward(G)
    analytic = {f"param {k}": v.copy() for k, v in layer.grads.items()}
    arrays = {f"param {k}": v for k, v in layer.params.items()}
    return f, arrays, analytic, dinputs


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_rnn_backward_gradient_check(N, T, D, H, rng):
    rnn = mr.RNN(D, H, seed=0)
    rnn.params["b"][:] = rng.standard_normal(H) * 0.1
    xs = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    f, arrays, analytic, dxs = _check_layer(rnn, lambda: rnn.forward(xs, h0), {}, rng)
    analytic.update({"xs": dxs, "h0": rnn.dh0.copy()})
    arrays.update({"xs": xs, "h0": h0})
    assert mr.gradient_check(f, arrays, analytic) < 1e-6


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_rnn_equals_loop_of_steps(N, T, D, H, rng):
    rnn = mr.RNN(D, H, seed=3)
    xs = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    hs = rnn.forward(xs, h0)
    h = h0
    for t in range(T):
        h, _ = mr.rnn_step_forward(xs[:, t], h, rnn.params["Wx"], rnn.params["Wh"],
                                   rnn.params["b"])
        np.testing.assert_allclose(hs[:, t], h, rtol=1e-12, atol=1e-14)
    # and the backward pass equals the loop of step backward functions
    dhs = rng.standard_normal((N, T, H))
    dxs = rnn.backward(dhs)
    caches, h = [], h0
    for t in range(T):
        h, cache = mr.rnn_step_forward(xs[:, t], h, *rnn.params.values())
        caches.append(cache)
    dh = np.zeros((N, H))
    dWx = np.zeros((H, D))
    for t in reversed(range(T)):
        dx, dh, dWx_t, _, _ = mr.rnn_step_backward(dhs[:, t] + dh, caches[t])
        dWx += dWx_t
        np.testing.assert_allclose(dxs[:, t], dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rnn.grads["Wx"], dWx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rnn.dh0, dh, rtol=1e-10, atol=1e-12)


def test_rnn_params_shapes_and_pytorch_layout():
    rnn = mr.RNN(3, 5, seed=0)
    assert {k: v.shape for k, v in rnn.params.items()} == {"Wx": (5, 3), "Wh": (5, 5),
                                                           "b": (5,)}
    assert rnn.grads.keys() == rnn.params.keys()
    assert all(v.dtype == np.float64 for v in rnn.params.values())
    assert rnn.num_params == 5 * 3 + 5 * 5 + 5


def test_seeds_make_everything_repeatable():
    a, b, c = mr.RNN(4, 6, seed=7), mr.RNN(4, 6, seed=7), mr.RNN(4, 6, seed=8)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert not np.array_equal(a.params["Wx"], c.params["Wx"])
    e1, e2 = mr.Embedding(10, 3, seed=1), mr.Embedding(10, 3, seed=1)
    np.testing.assert_array_equal(e1.params["W"], e2.params["W"])
    l1, l2 = mr.Linear(3, 4, seed=2), mr.Linear(3, 4, seed=2)
    np.testing.assert_array_equal(l1.params["W"], l2.params["W"])


def test_stateful_rnn_carries_state_and_resets(rng):
    xs = rng.standard_normal((2, 6, 3))
    full = mr.RNN(3, 4, seed=1).forward(xs)
    rnn = mr.RNN(3, 4, seed=1, stateful=True)
    first = rnn.forward(xs[:, :4])
    second = rnn.forward(xs[:, 4:])
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), full, rtol=1e-12)
    rnn.reset_state()
    np.testing.assert_allclose(rnn.forward(xs[:, :4]), full[:, :4], rtol=1e-12)
    # a stateless RNN starts from zeros every call
    plain = mr.RNN(3, 4, seed=1)
    plain.forward(xs[:, :4])
    np.testing.assert_allclose(plain.forward(xs[:, 4:]), mr.RNN(3, 4, seed=1).forward(xs[:, 4:]))
    with pytest.raises(ValueError, match="carried state has batch size 2 but xs has N=3"):
        rnn.forward(rng.standard_normal((3, 2, 3)))


def test_rnn_float32_option(rng):
    rnn = mr.RNN(3, 4, seed=0, dtype=np.float32)
    hs = rnn.forward(rng.standard_normal((2, 5, 3)))
    assert hs.dtype == np.float32 and rnn.params["Wx"].dtype == np.float32
    rnn.backward(np.ones_like(hs))
    assert rnn.grads["Wh"].dtype == np.float32


def test_embedding_gradient_check_with_repeated_ids(rng):
    emb = mr.Embedding(6, 4, seed=0)
    ids = np.array([[1, 2, 1], [5, 1, 0]])
    f, arrays, analytic, _ = _check_layer(emb, lambda: emb.forward(ids), {}, rng)
    assert mr.gradient_check(f, arrays, analytic) < 1e-6
    assert np.all(emb.grads["W"][[3, 4]] == 0)  # unused words get no gradient


@pytest.mark.parametrize("shape", [(3, 4, 5), (3, 5), (1, 1, 5)])
def test_linear_gradient_check(shape, rng):
    lin = mr.Linear(5, 2, seed=0)
    lin.params["b"][:] = rng.standard_normal(2)
    x = rng.standard_normal(shape)
    f, arrays, analytic, dx = _check_layer(lin, lambda: lin.forward(x), {}, rng)
    arrays["x"], analytic["x"] = x, dx
    assert mr.gradient_check(f, arrays, analytic) < 1e-6


# --- bad input: every message names what was expected and what came -------------

def test_rnn_bad_inputs_have_clear_messages(rng):
    rnn = mr.RNN(3, 4, seed=0)
    with pytest.raises(ValueError, match=r"xs must have 3 axes \(N, T, D\), got 2 axes "
                                         r"with shape \(5, 3\)"):
        rnn.forward(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"xs axis 2 \(D\) must have size 3, got shape "
                                         r"\(2, 5, 4\)"):
        rnn.forward(np.zeros((2, 5, 4)))
    with pytest.raises(TypeError, match="xs must be a floating-point array, got dtype int64"):
        rnn.forward(np.zeros((2, 5, 3), dtype=np.int64))
    bad = np.zeros((2, 5, 3))
    bad[1, 2, 0] = np.nan
    with pytest.raises(ValueError, match=r"xs contains NaN or inf \(first at index "
                                         r"\(1, 2, 0\)\)"):
        rnn.forward(bad)
    bad[1, 2, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or inf"):
        rnn.forward(bad)
    with pytest.raises(ValueError, match=r"h0 axis 1 \(H\) must have size 4"):
        rnn.forward(np.zeros((2, 5, 3)), h0=np.zeros((2, 3)))
    with pytest.raises(TypeError, match="must be a numpy array of shape \\(N, T, D\\), got str"):
        rnn.forward("hello")


def test_backward_before_forward_is_an_error():
    with pytest.raises(ValueError, match="RNN.backward called before forward"):
        mr.RNN(3, 4).backward(np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match="Embedding.backward called before forward"):
        mr.Embedding(3, 4).backward(np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match="Linear.backward called before forward"):
        mr.Linear(3, 4).backward(np.zeros((1, 4)))


def test_backward_shape_must_match_forward(rng):
    rnn = mr.RNN(3, 4, seed=0)
    rnn.forward(rng.standard_normal((2, 5, 3)))
    with pytest.raises(ValueError, match=r"dhs axis 1 \(T\) must have size 5, got shape "
                                         r"\(2, 4, 4\)"):
        rnn.backward(np.zeros((2, 4, 4)))
    lin = mr.Linear(4, 2)
    lin.forward(rng.standard_normal((2, 5, 4)))
    with pytest.raises(ValueError, match=r"dy axis 2 \(out\) must have size 2"):
        lin.backward(np.zeros((2, 5, 3)))


def test_embedding_bad_ids():
    emb = mr.Embedding(7, 3)
    with pytest.raises(ValueError, match=r"token ids in \[0, 7\).*got 9 at index \(1, 0\)"):
        emb.forward(np.array([[0, 1], [9, 2]]))
    with pytest.raises(ValueError, match=r"got -1"):
        emb.forward(np.array([[-1]]))
    with pytest.raises(TypeError, match="integer token ids, got dtype float64"):
        emb.forward(np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"ids must have 2 axes \(N, T\), got 1 axes"):
        emb.forward(np.array([0, 1]))


def test_constructor_arguments_are_checked():
    with pytest.raises(ValueError, match="hidden_size must be a positive int, got 0"):
        mr.RNN(3, 0)
    with pytest.raises(TypeError, match="input_size must be a positive int, got float"):
        mr.RNN(3.0, 4)
    with pytest.raises(TypeError, match="dtype must be float64 or float32, got int32"):
        mr.RNN(3, 4, dtype=np.int32)


def test_embedding_backward_sums_repeated_words_like_add_at(rng):
    emb = mr.Embedding(9, 3, seed=0)
    ids = rng.integers(0, 9, (4, 6))
    emb.forward(ids)
    dxs = rng.standard_normal((4, 6, 3))
    emb.backward(dxs)
    expected = np.zeros((9, 3))
    np.add.at(expected, ids.ravel(), dxs.reshape(-1, 3))
    np.testing.assert_allclose(emb.grads["W"], expected, rtol=1e-12, atol=1e-14)
