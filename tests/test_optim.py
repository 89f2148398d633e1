import numpy as np
import pytest

import minirnn as mr


def test_clip_leaves_small_gradients_untouched():
    grads = {"a": np.array([0.3, 0.4]), "b": np.array([[0.0]])}
    before = {k: v.copy() for k, v in grads.items()}
    norm = mr.clip_grad_norm(grads, max_norm=1.0)
    assert norm == pytest.approx(0.5)
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])


def test_clip_scales_all_parameters_together_to_the_threshold():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[0.0, 4.0]])}
    norm = mr.clip_grad_norm(grads, max_norm=2.0)
    assert norm == pytest.approx(5.0)
    assert mr.grad_norm(grads) == pytest.approx(2.0, rel=1e-15)
    # the direction is kept: every component scaled by the same factor
    np.testing.assert_allclose(grads["a"], [1.2, 0.0])
    np.testing.assert_allclose(grads["b"], [[0.0, 1.6]])
    with pytest.raises(ValueError,
                       match=r"max_norm must be a finite number in \(0.0, inf\), got 0.0"):
        mr.clip_grad_norm(grads, 0)


def test_sgd_step():
    p = {"w": np.array([1.0, 2.0])}
    mr.SGD(lr=0.5).step(p, {"w": np.array([2.0, -2.0])})
    np.testing.assert_allclose(p["w"], [0.0, 3.0])


def test_adam_first_step_has_size_lr_thanks_to_bias_correction():
    p = {"w": np.array([1.0, -1.0, 0.5])}
    g = {"w": np.array([1e-3, -10.0, 0.0])}
    mr.Adam(lr=0.1).step(p, g)
    # after bias correction m/sqrt(v) = sign(g) on the first step
    np.testing.assert_allclose(p["w"], [0.9, -0.9, 0.5], rtol=1e-4)


def test_adam_minimises_a_quadratic():
    p = {"w": np.array([5.0, -3.0])}
    opt = mr.Adam(lr=0.1)
    for _ in range(500):
        opt.step(p, {"w": 2 * p["w"]})
    assert np.abs(p["w"]).max() < 1e-2


def test_optimizer_key_mismatch():
    with pytest.raises(ValueError, match="same keys"):
        mr.SGD().step({"a": np.zeros(2)}, {"b": np.zeros(2)})
    with pytest.raises(ValueError, match=r"grads\['a'\] must have shape \(2,\)"):
        mr.Adam().step({"a": np.zeros(2)}, {"a": np.zeros(3)})


def test_gradient_check_detects_a_wrong_gradient(rng):
    x = rng.standard_normal(5)

    def f():
        return float(np.sum(x ** 3))

    assert mr.gradient_check(f, x, 3 * x ** 2) < 1e-8
    assert mr.gradient_check(f, x, 3 * x ** 2 * 1.01) > 1e-3
