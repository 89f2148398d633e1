import numpy as np
import pytest

import minirnn as mr
from minirnn.analysis import (
    decay_rate,
    hidden_grad_norms,
    jacobian_products,
    largest_singular_value,
    recurrent_matrix,
    spectral_norms,
    spectral_radius,
    step_jacobians,
)
from minirnn.lstm import LSTM


def _rnn(H, Wh, D=3, seed=0):
    rnn = mr.RNN(D, H, seed=seed)
    rnn.params["Wh"][...] = Wh
    return rnn


def test_spectral_radius_and_singular_value_of_known_matrices():
    # a rotation by 90 degrees scaled by 0.5: eigenvalues +-0.5i, singular values 0.5
    R = np.array([[0.0, -0.5], [0.5, 0.0]])
    assert spectral_radius(R) == pytest.approx(0.5)
    assert largest_singular_value(R) == pytest.approx(0.5)
    # a shear: both eigenvalues 0.5, but it stretches e_2 to length sqrt(0.25 + 4)
    S = np.array([[0.5, 2.0], [0.0, 0.5]])
    assert spectral_radius(S) == pytest.approx(0.5)
    assert largest_singular_value(S) == pytest.approx(np.linalg.svd(S)[1][0])
    assert largest_singular_value(S) > 2.0
    with pytest.raises(ValueError, match="W must be square, got shape"):
        spectral_radius(np.zeros((2, 3)))


@pytest.mark.parametrize("kind", ["gaussian", "orthogonal", "nonnormal"])
def test_recurrent_matrix_has_the_requested_spectral_radius(kind):
    for radius in (0.5, 1.0, 1.7):
        W = recurrent_matrix(16, radius, kind, seed=3)
        assert spectral_radius(W) == pytest.approx(radius, rel=1e-8)
    W = recurrent_matrix(16, 0.9, kind, seed=3)
    np.testing.assert_array_equal(W, recurrent_matrix(16, 0.9, kind, seed=3))
    sigma = largest_singular_value(W)
    if kind == "orthogonal":
        assert sigma == pytest.approx(0.9)
    else:  # not normal: the largest singular value is visibly larger
        assert sigma > 1.2
    with pytest.raises(ValueError, match="kind must be"):
        recurrent_matrix(4, 1.0, "banana")


def test_step_jacobians_match_finite_differences(rng):
    H = 5
    rnn = mr.RNN(3, H, seed=1)
    x = rng.standard_normal((1, 3))
    h_prev = rng.standard_normal((1, H)) * 0.5
    p = rnn.params
    h, _ = mr.rnn_step_forward(x, h_prev, p["Wx"], p["Wh"], p["b"])
    J = step_jacobians(h[0][None], p["Wh"])[0]
    eps = 1e-6
    num = np.empty((H, H))
    for j in range(H):
        e = np.zeros((1, H))
        e[0, j] = eps
        hp, _ = mr.rnn_step_forward(x, h_prev + e, p["Wx"], p["Wh"], p["b"])
        hm, _ = mr.rnn_step_forward(x, h_prev - e, p["Wx"], p["Wh"], p["b"])
        num[:, j] = (hp - hm)[0] / (2 * eps)
    np.testing.assert_allclose(J, num, rtol=1e-7, atol=1e-9)


def test_hidden_grad_norms_agree_with_jacobian_products_and_rnn_backward(rng):
    T, H = 12, 6
    rnn = _rnn(H, recurrent_matrix(H, 1.2, seed=0))
    xs = rng.standard_normal((1, T, 3))
    g = rng.standard_normal((1, H))
    norms = hidden_grad_norms(rnn, xs, dh_last=g)
    hs = rnn.forward(xs)
    P = jacobian_products(step_jacobians(hs[0], rnn.params["Wh"]))
    # dL/dh_{T-k} = P[k]^T g (column form)
    np.testing.assert_allclose(norms[::-1], np.linalg.norm(P.transpose(0, 2, 1) @ g[0], axis=1),
                               rtol=1e-10)
    dhs = np.zeros((1, T, H))
    dhs[:, -1] = g
    rnn.backward(dhs)
    assert norms[0] == pytest.approx(np.linalg.norm(rnn.dh0), rel=1e-12)


def test_per_step_jacobian_norms_never_exceed_gamma_times_sigma(rng):
    """||diag(1 - h_t^2) W_h||_2 <= gamma ||W_h||_2 with gamma = 1 = max tanh'."""
    H, T = 16, 60
    for kind in ("gaussian", "nonnormal"):
        for radius in (0.5, 1.0, 2.0):
            Wh = recurrent_matrix(H, radius, kind, seed=5)
            rnn = _rnn(H, Wh)
            xs = rng.standard_normal((4, T, 3)) * 2.0
            J = step_jacobians(rnn.forward(xs), Wh)          # (N, T, H, H)
            norms = spectral_norms(J)
            sigma = largest_singular_value(Wh)
            assert norms.max() <= sigma * (1 + 1e-12)
            # saturation makes some steps much smaller than the bound
            assert norms.min() < 0.9 * sigma


def test_pascanu_sufficient_condition_sigma_below_one_implies_vanishing(rng):
    """If ||W_h||_2 = sigma < 1 then ||dL/dh_{T-k}|| <= sigma^k ||dL/dh_T|| for every k."""
    H, T = 16, 80
    for seed in range(3):
        Wh = recurrent_matrix(H, 1.0, "gaussian", seed=seed)
        Wh *= 0.95 / largest_singular_value(Wh)              # sigma = 0.95 exactly
        rnn = _rnn(H, Wh, seed=seed)
        xs = rng.standard_normal((3, T, 3))
        by_dist = hidden_grad_norms(rnn, xs, seed=seed)[::-1]
        k = np.arange(T + 1)
        assert np.all(by_dist <= 0.95 ** k * by_dist[0] * (1 + 1e-10))
        assert by_dist[-1] < 0.95 ** T * 1.0001 < 0.05


def test_spectral_radius_not_singular_value_predicts_the_decay_rate():
    """Small-activation regime (tiny inputs, tanh' ~ 1): the gradient norm decays
    like rho^k. Fit the slope of log ||dL/dh_t|| against the distance k over
    k = 20..100 and compare with log(rho): within 10 %."""
    H, T = 32, 100
    for kind in ("gaussian", "nonnormal"):
        for seed in range(3):
            for radius in (0.8, 0.9):
                Wh = recurrent_matrix(H, radius, kind, seed=seed)
                sigma = largest_singular_value(Wh)
                assert sigma > 1.2                   # the singular value predicts growth...
                rnn = _rnn(H, Wh, D=4, seed=seed)
                xs = np.random.default_rng(seed).standard_normal((4, T, 4)) * 0.01
                rate = decay_rate(hidden_grad_norms(rnn, xs, seed=seed), 20, T + 1)
                # ...but the spectral radius sets the rate
                assert abs(np.log(rate) - np.log(radius)) < 0.10 * abs(np.log(radius))
                assert rate < 1.0 < sigma


def test_exploding_in_the_linear_regime_and_bounded_by_saturation():
    H, T = 16, 60
    Wh = recurrent_matrix(H, 1.2, "orthogonal", seed=0)
    rnn = _rnn(H, Wh)
    lin = hidden_grad_norms(rnn, np.zeros((1, T, 3)), seed=0)     # h_t = 0: J = W_h
    assert decay_rate(lin, 0, T + 1) == pytest.approx(1.2, rel=1e-8)
    # with real inputs the forward pass saturates tanh and tanh' shrinks the factors
    sat = hidden_grad_norms(rnn, np.random.default_rng(0).standard_normal((1, T, 3)), seed=0)
    assert sat[0] < lin[0]


def test_lstm_cell_gradient_and_validation(rng):
    H, T = 8, 50
    xs = rng.standard_normal((2, T, 3)) * 0.1
    lstm = LSTM(3, H, seed=0, forget_bias=5.0)                 # f ~ sigma(5) = 0.993
    keep = hidden_grad_norms(lstm, xs, seed=0, which="c")
    lstm0 = LSTM(3, H, seed=0)                                 # f ~ 0.5
    lose = hidden_grad_norms(lstm0, xs, seed=0, which="c")
    assert keep[0] > 1e6 * lose[0]
    # and the cell gradient equals the layer's dc0 for a loss at h_T
    g = rng.standard_normal((2, H))
    norms = hidden_grad_norms(lstm, xs, dh_last=g, which="c")
    dhs = np.zeros((2, T, H))
    dhs[:, -1] = g
    lstm.forward(xs)
    lstm.backward(dhs)
    assert norms[0] == pytest.approx(np.linalg.norm(lstm.dc0), rel=1e-12)
    with pytest.raises(ValueError, match="which must be 'h'"):
        hidden_grad_norms(mr.RNN(3, H), xs, which="c")
    with pytest.raises(TypeError, match="layer must be an RNN or an LSTM, got Linear"):
        hidden_grad_norms(mr.Linear(3, H), xs)
    with pytest.raises(ValueError, match="decay_rate: need"):
        decay_rate(norms, 10, 5)


def test_gradient_plots_have_titles_labels_and_the_data():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from minirnn.plot import gradients as gplot

    norms = np.array([1e-3, 1e-2, 1e-1, 1.0])
    axes = [gplot.plot_tanh(),
            gplot.plot_grad_norms({"a": norms}, rates={"a": 0.1}),
            gplot.plot_jacobian_norms(np.array([[0.5, 0.7, 0.9]]), bound=0.95),
            gplot.plot_losses({"x": np.array([1.0, 0.5]), "y": (np.array([1, 2]),
                               np.array([2.0, 1.0]))}, baseline=1 / 6,
                              styles={"x": {"color": "C3"}})]
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    # the gradient curve is drawn by distance: reversed time order, and the rate line r^k
    lines = axes[1].get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), norms[::-1])
    np.testing.assert_allclose(lines[1].get_ydata(), 0.1 ** np.arange(4))
    assert axes[3].get_lines()[0].get_color() == "C3"
    plt.close("all")
