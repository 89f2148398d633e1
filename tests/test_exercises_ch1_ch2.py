"""The computational answers of the exercises in chapters 1 and 2, computed with minirnn."""

import numpy as np

import minirnn as mr

# --- chapter 1 --------------------------------------------------------------------------------


def test_ch1_ex_params_does_not_depend_on_sequence_length():
    # ch1-ex-params: D = 3, H = 8 -> 96 parameters, for any T.
    rnn = mr.RNN(3, 8, seed=0)
    assert rnn.num_params == 96
    before = {k: v.copy() for k, v in rnn.params.items()}
    hs = rnn.forward(np.random.default_rng(0).standard_normal((1, 100, 3)))
    assert hs.shape == (1, 100, 8)
    assert rnn.num_params == 96
    for k, v in rnn.params.items():  # running over 100 steps created or changed nothing
        np.testing.assert_array_equal(v, before[k])


def test_ch1_ex_no_recurrence_forgets_the_pulse_at_once():
    # ch1-ex-no-recurrence: with W_h = 0 only the pulse row is non-zero. The solution runs
    # the reader's step in a loop; rnn_step_forward is what it is checked against.
    pulse = np.zeros((1, 12, 1))
    pulse[0, 2, 0] = 2.0
    rnn = mr.RNN(1, 8, seed=0)
    remembered = rnn.forward(pulse)
    assert np.all(np.abs(remembered[0, 3:]).sum(axis=1) > 0)  # with W_h: an echo after step 2
    Wx, b = rnn.params["Wx"], rnn.params["b"]
    assert np.all(b == 0)                                      # "since b = 0"
    h, states = np.zeros((1, 8)), []
    for t in range(pulse.shape[1]):
        h, _ = mr.rnn_step_forward(pulse[:, t], h, Wx, np.zeros((8, 8)), b)
        states.append(h)
    hs = np.stack(states, axis=1)
    assert hs.shape == (1, 12, 8)
    direct = np.tanh(pulse @ Wx.T + b)
    np.testing.assert_allclose(hs, direct, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(np.flatnonzero(np.abs(hs[0]).sum(axis=1)), [2])
    rnn.params["Wh"][...] = 0.0                                # the layer agrees
    np.testing.assert_allclose(rnn.forward(pulse), hs, rtol=1e-12, atol=1e-15)


def test_ch1_ex_shapes_of_a_sentiment_classifier():
    # ch1-ex-shapes: (32, 20, 50) -> hs (32, 20, 64) -> hs[:, -1] (32, 64) -> (32, 3).
    xs = np.random.default_rng(0).standard_normal((32, 20, 50))
    hs = mr.RNN(50, 64, seed=0).forward(xs)
    scores = mr.Linear(64, 3, seed=0).forward(hs[:, -1])
    assert (xs.shape, hs.shape, hs[:, -1].shape, scores.shape) == (
        (32, 20, 50), (32, 20, 64), (32, 64), (32, 3))


def test_ch1_ex_order_matters_for_the_rnn_not_for_a_summed_dense_layer():
    # ch1-ex-order
    xs = np.random.default_rng(0).standard_normal((1, 6, 3))
    rnn = mr.RNN(3, 4, seed=0)
    forward_last = rnn.forward(xs)[:, -1]
    reversed_last = rnn.forward(xs[:, ::-1])[:, -1]
    assert np.abs(forward_last - reversed_last).max() > 1e-2
    dense = mr.Linear(3, 4, seed=0)
    s1 = np.tanh(dense.forward(xs)).sum(axis=1)
    s2 = np.tanh(dense.forward(xs[:, ::-1])).sum(axis=1)
    np.testing.assert_allclose(s1, s2, rtol=1e-12)


# --- chapter 2 --------------------------------------------------------------------------------

# The worked example of chapter 2 (batch size 1, d = D_h = 4), in the code's layout.
WX = np.array([[0.1, 0.2, 0.0, -0.1],
               [0.0, 0.3, 0.1, 0.2],
               [-0.2, 0.1, 0.4, 0.1],
               [0.3, 0.0, -0.1, 0.1]])
WH = np.array([[0.5, 0.0, -0.2, 0.1],
               [0.1, 0.4, 0.0, -0.3],
               [0.0, 0.2, 0.3, 0.0],
               [-0.1, 0.0, 0.2, 0.5]])
B = np.array([0.1, 0.0, -0.1, 0.2])
X_T = np.array([[1.0, 2.0, 0.0, -1.0]])
H_PREV = np.array([[0.5, -0.5, 0.0, 1.0]])


def test_ch2_worked_example_numbers_in_the_text():
    # The products the chapter prints, each entry by hand, agree with rnn_step_forward.
    h, _ = mr.rnn_step_forward(X_T, H_PREV, WX, WH, B)
    np.testing.assert_allclose(X_T @ WX.T, [[0.6, 0.4, -0.1, 0.2]], atol=1e-12)
    np.testing.assert_allclose(H_PREV @ WH.T, [[0.35, -0.45, -0.1, 0.45]], atol=1e-12)
    np.testing.assert_allclose(h, np.tanh([[1.05, -0.05, -0.3, 0.85]]), atol=1e-12)
    np.testing.assert_allclose(h, [[0.7818, -0.0500, -0.2913, 0.6911]], atol=5e-5)


def test_ch2_ex_hand_zero_input():
    # ch2-ex-hand: x_t = 0 -> a_t = W_h h_{t-1} + b = (0.45, -0.45, -0.2, 0.65).
    h, _ = mr.rnn_step_forward(np.zeros((1, 4)), H_PREV, WX, WH, B)
    np.testing.assert_allclose(h, np.tanh([[0.45, -0.45, -0.2, 0.65]]), atol=1e-12)
    np.testing.assert_allclose(h, [[0.4219, -0.4219, -0.1974, 0.5717]], atol=5e-5)


def test_ch2_ex_shapes_for_word_vectors():
    # ch2-ex-shapes: d = 300, D_h = 128, N = 32.
    rnn = mr.RNN(300, 128, seed=0)
    assert {k: v.shape for k, v in rnn.params.items()} == {
        "Wx": (128, 300), "Wh": (128, 128), "b": (128,)}
    x = np.random.default_rng(0).standard_normal((32, 300))
    h_next, _ = mr.rnn_step_forward(x, np.zeros((32, 128)), *rnn.params.values())
    assert (x @ rnn.params["Wx"].T).shape == (32, 128) == h_next.shape
    # column form: W_x x_t and W_h h_{t-1} are 128 x 1
    assert (rnn.params["Wx"] @ x[0].reshape(300, 1)).shape == (128, 1)
    assert (rnn.params["Wh"] @ h_next[0].reshape(128, 1)).shape == (128, 1)


def _multiply_adds_of_one_step(rnn, N):
    """Count the multiply-adds of the two products of one step from the arrays' shapes."""
    Wx, Wh = rnn.params["Wx"], rnn.params["Wh"]
    x = np.zeros((N, rnn.input_size))
    h = np.zeros((N, rnn.hidden_size))
    # (N, D) @ (D, H): N*H outputs, each a sum of D products; likewise for (N, H) @ (H, H).
    return (x.shape[0] * Wx.shape[0] * x.shape[1], h.shape[0] * Wh.shape[0] * h.shape[1])


def test_ch2_ex_count_parameters_and_work():
    # ch2-ex-count: D = 100, H = 200, N = 32, T = 50.
    rnn = mr.RNN(100, 200, seed=0)
    assert rnn.num_params == 60_200
    inp, rec = _multiply_adds_of_one_step(rnn, N=32)
    assert (inp, rec) == (640_000, 1_280_000)
    assert inp + rec == 1_920_000
    assert 50 * (inp + rec) == 96_000_000
    assert rec / (inp + rec) == 2 / 3
    # and the worked example: 16 + 16 = 32 products, 36 parameters
    assert sum(_multiply_adds_of_one_step(mr.RNN(4, 4, seed=0), N=1)) == 32
    assert mr.RNN(4, 4, seed=0).num_params == 36


def test_ch2_column_form_equals_row_form():
    # The chapter's check: a column-vector loop reproduces RNN.forward on (N, T, D).
    N, T, D, H = 3, 5, 4, 6
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((N, T, D))
    rnn = mr.RNN(D, H, seed=0)
    rnn.params["b"][...] = rng.uniform(-0.5, 0.5, H)
    Wx, Wh, b = rnn.params["Wx"], rnn.params["Wh"], rnn.params["b"]
    column = np.zeros((N, T, H))
    for n in range(N):
        h = np.zeros((H, 1))
        for t in range(T):
            h = np.tanh(Wx @ xs[n, t].reshape(D, 1) + Wh @ h + b.reshape(H, 1))
            column[n, t] = h[:, 0]
    np.testing.assert_allclose(rnn.forward(xs), column, rtol=1e-12, atol=1e-14)


def test_ch2_ex_parallel_zero_recurrence_makes_steps_independent():
    # ch2-ex-parallel: with W_h = 0 every h_t is tanh(W_x x_t + b), computable for all t at once.
    N, T, D, H = 2, 7, 3, 5
    xs = np.random.default_rng(1).standard_normal((N, T, D))
    rnn = mr.RNN(D, H, seed=1)
    rnn.params["Wh"][...] = 0.0
    all_at_once = np.tanh((xs.reshape(N * T, D) @ rnn.params["Wx"].T).reshape(N, T, H)
                          + rnn.params["b"])
    np.testing.assert_allclose(rnn.forward(xs), all_at_once, rtol=1e-12, atol=1e-15)
