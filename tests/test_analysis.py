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
    J = step_jacobians(hs[0], rnn.params["Wh"])             # J[t] = dh_t/dh_{t-1}
    P = jacobian_products(J)                               # P[k] = dh_{T-1}/dh_{T-1-k}
    # dL/dh_{T-1-k} = g P[k] (row form) = P[k]^T g (column form)
    np.testing.assert_allclose(norms[::-1], np.linalg.norm(g[0] @ P, axis=1), rtol=1e-10)
    np.testing.assert_allclose(P[3], J[T - 1] @ J[T - 2] @ J[T - 3], rtol=1e-12)
    dhs = np.zeros((1, T, H))
    dhs[:, -1] = g
    rnn.backward(dhs)
    assert norms[0] == pytest.approx(np.linalg.norm(rnn.dh0), rel=1e-12)
    # the vectors, not only the norms: the order of the factors matters
    np.testing.assert_allclose(g[0] @ P[T], rnn.dh0[0], rtol=1e-9, atol=1e-14)
    reversed_order = g[0] @ np.linalg.multi_dot(list(J))    # J_0 J_1 ... J_{T-1}: wrong
    assert not np.allclose(reversed_order, rnn.dh0[0], rtol=1e-3)


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
    """If ||W_h||_2 = sigma < 1 then ||dL/dh_{T-1-k}|| <= sigma^k ||dL/dh_{T-1}|| for every k."""
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


def test_gelfand_formula_norm_of_powers_tends_to_the_spectral_radius():
    """||W^k||^(1/k) -> rho(W), from above: rho^k <= ||W^k|| for every k."""
    W = recurrent_matrix(32, 0.9, "nonnormal", seed=0, nonnormality=2.0)
    roots = [np.linalg.norm(np.linalg.matrix_power(W, k), 2) ** (1 / k) for k in (1, 10, 100, 1000)]
    assert roots[0] == pytest.approx(largest_singular_value(W)) and roots[0] > 3.0
    assert all(r >= 0.9 * (1 - 1e-9) for r in roots)
    assert roots == sorted(roots, reverse=True)
    assert roots[-1] == pytest.approx(0.9, abs=0.01)


def test_saturation_never_slows_vanishing_for_a_normal_matrix_but_can_for_a_non_normal_one():
    """For orthogonal W_h every factor has norm <= rho * max tanh' <= rho, so the
    rate cannot exceed rho; a non-normal W_h with the same rho can decay more
    slowly once the units saturate (slopes below 1 break the cancellations)."""
    # the smallest example: W^2 = 0 (rho = 0), but diag(1, 0.5) W has eigenvalue 0.5
    W = np.array([[1.0, 1.0], [-1.0, -1.0]])
    assert np.allclose(W @ W, 0.0) and spectral_radius(W) < 1e-7
    assert spectral_radius(np.diag([1.0, 0.5]) @ W) == pytest.approx(0.5)
    H, T = 32, 100
    noise = np.random.default_rng(0).standard_normal((8, T, 2))
    for kind, strength, slower in [("orthogonal", 1.0, False), ("nonnormal", 2.0, True)]:
        rnn = _rnn(H, recurrent_matrix(H, 0.9, kind, seed=0, nonnormality=strength), D=2)
        small = decay_rate(hidden_grad_norms(rnn, 0.01 * noise, seed=0), 20, T + 1)
        for scale in (0.3, 1.0):
            rate = decay_rate(hidden_grad_norms(rnn, scale * noise, seed=0), 20, T + 1)
            if slower:
                assert rate > small + 0.05 and rate > 0.9 + 0.04
            else:
                assert rate <= 0.9 + 1e-9 and rate <= small + 1e-9


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
    with pytest.raises(TypeError, match="layer must be an RNN, an LSTM or a GRU, got Linear"):
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
    # Jacobian norms are drawn at the time steps t = 0..T-1, as the arrays index them
    np.testing.assert_array_equal(axes[2].get_lines()[0].get_xdata(), [0, 1, 2])
    assert gplot.plot_grad_norms({"a": norms}, ylabel="gradient norm").get_ylabel() == \
        "gradient norm"
    plt.close("all")
