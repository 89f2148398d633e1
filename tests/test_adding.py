import numpy as np
import pytest

import minirnn as mr
from minirnn.losses import mse_loss
from minirnn.lstm import LSTM
from minirnn.models import SequenceRegressor
from minirnn.tasks.adding import BASELINE_MSE, make_adding, train_adding


def test_make_adding_structure():
    n, T = 500, 20
    xs, y = make_adding(n, T, seed=0)
    assert xs.shape == (n, T, 2) and y.shape == (n,)
    assert xs.dtype == np.float64
    values, markers = xs[..., 0], xs[..., 1]
    assert values.min() >= 0.0 and values.max() <= 1.0
    assert set(np.unique(markers)) == {0.0, 1.0}
    # exactly one marker in each half
    np.testing.assert_array_equal(markers[:, : T // 2].sum(axis=1), 1.0)
    np.testing.assert_array_equal(markers[:, T // 2:].sum(axis=1), 1.0)
    np.testing.assert_allclose(y, (values * markers).sum(axis=1), rtol=1e-15)
    # the markers move: every position of each half is used somewhere
    assert np.all(markers.sum(axis=0) > 0)
    xs2, y2 = make_adding(n, T, seed=0)
    np.testing.assert_array_equal(xs, xs2)
    assert not np.array_equal(y, make_adding(n, T, seed=1)[1])


def test_trivial_baseline_is_one_sixth():
    _, y = make_adding(40000, 4, seed=2)
    assert y.mean() == pytest.approx(1.0, abs=0.01)
    mse_of_constant_one = mse_loss(np.ones_like(y), y)[0]
    # standard error of this estimate is about 0.0008
    assert mse_of_constant_one == pytest.approx(BASELINE_MSE, abs=0.004)
    assert BASELINE_MSE == pytest.approx(2 / 12)


def test_mse_loss_gradient(rng):
    pred, y = rng.standard_normal(7), rng.standard_normal(7)
    loss, dpred = mse_loss(pred, y)
    assert loss == pytest.approx(np.mean((pred - y) ** 2))
    assert mr.gradient_check(lambda: mse_loss(pred, y)[0], pred, dpred) < 1e-6
    _, d2 = mse_loss(pred[:, None], y)
    assert d2.shape == (7, 1)
    with pytest.raises(ValueError, match=r"mse_loss: y axis 0 \(N\) must have size 7"):
        mse_loss(pred, y[:3])


@pytest.mark.parametrize("layer", ["rnn", "lstm"])
def test_adding_regressor_gradient_check(layer, rng):
    H = 3
    rnn = mr.RNN(2, H, seed=0) if layer == "rnn" else LSTM(2, H, seed=0, forget_bias=1.0)
    model = SequenceRegressor(rnn, mr.Linear(H, 1, seed=1))
    xs, y = make_adding(4, 6, seed=3)
    model.loss(xs, y)
    model.backward()
    analytic = {k: v.copy() for k, v in model.grads.items()}
    assert set(analytic) == {"rnn.Wx", "rnn.Wh", "rnn.b", "head.W", "head.b"}

    def f():
        return mse_loss(model.predict(xs), y)[0]

    assert mr.gradient_check(f, model.params, analytic) < 1e-6


def test_lstm_learns_a_short_adding_problem():
    T = 10
    model = SequenceRegressor(LSTM(2, 8, seed=0, forget_bias=1.0), mr.Linear(8, 1, seed=0))
    ev = make_adding(256, T, seed=99)
    out = train_adding(model, mr.Adam(0.02), 300, 64, T, seed=1, eval_set=ev, eval_every=100)
    assert list(out["eval_steps"]) == [0, 100, 200, 300]
    assert out["train"].shape == (300,) and out["grad_norm"].shape == (300,)
    assert out["eval"][-1] < 0.2 * BASELINE_MSE


def test_train_adding_clips_and_stops_on_divergence():
    T = 20
    model = SequenceRegressor(mr.RNN(2, 8, seed=0), mr.Linear(8, 1, seed=0))
    with pytest.raises(mr.TrainingDiverged, match=r"training diverged at epoch 1, step \d+: "
                       r"the (loss|gradient norm) is (inf|nan)") as err:
        train_adding(model, mr.SGD(1e6), 50, 16, T, seed=0)
    curve = err.value.history["step_loss"]
    assert 0 < len(curve) < 50 and np.all(np.isfinite(curve))   # the curve up to there
    model = SequenceRegressor(mr.RNN(2, 8, seed=0), mr.Linear(8, 1, seed=0))
    clipped = train_adding(model, mr.SGD(0.1), 30, 16, T, seed=0, clip=1e-3)
    # the recorded norm is the one before clipping; the gradients used were clipped
    assert np.all(clipped["grad_norm"] > 1e-3)
    assert mr.grad_norm(model.grads) == pytest.approx(1e-3, rel=1e-9)
    with pytest.raises(ValueError, match="T must be at least 2"):
        make_adding(3, 1)


def test_shipped_trained_lstm_loads_checked_and_reproduces_its_provenance(monkeypatch):
    from minirnn.tasks import adding

    model, prov = adding.load_trained_lstm()
    assert prov["script"] == "benchmarks/train_adding_lstm.py"
    for k, v in adding.TRAINED_LSTM_SETTINGS.items():
        assert prov[k] == v, k
    assert model.rnn.params["Wx"].dtype == np.float64 and model.rnn.hidden_size == 16
    xs, y = adding.make_adding(prov["eval_size"], prov["T"], seed=prov["eval_seed"])
    mse = float(np.mean((model.predict(xs) - y) ** 2))
    assert mse == pytest.approx(prov["held_out_mse"], abs=2e-5)   # trained in float32
    assert mse < 0.01 * prov["baseline_mse"]
    m32, _ = adding.load_trained_lstm(dtype=np.float32)
    assert m32.rnn.params["Wh"].dtype == np.float32
    np.testing.assert_array_equal(m32.rnn.params["Wh"], model.rnn.params["Wh"])
    monkeypatch.setattr(adding, "TRAINED_LSTM_SHA256", "0" * 64)
    with pytest.raises(ValueError, match="is damaged or was edited"):
        adding.load_trained_lstm()
