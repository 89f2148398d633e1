"""minirnn's BLAS thread policy: a rule on sizes and the user's setting, never on the load."""

import subprocess
import sys
import time

import numpy as np
import pytest

import minirnn as mr
from minirnn import _threads


def _blas_threads(tp):
    return [lib["num_threads"] for lib in tp.threadpool_info() if lib["user_api"] == "blas"]


@pytest.fixture
def tp():
    return pytest.importorskip("threadpoolctl")


@pytest.fixture(autouse=True)
def _default_setting():
    yield
    mr.set_blas_threads("auto")


class SpySGD(mr.SGD):
    """Records the BLAS thread counts in force while the optimizer steps."""

    def __init__(self, tp, lr=0.01):
        super().__init__(lr)
        self.tp, self.seen = tp, []

    def step(self, params, grads):
        self.seen.append(_blas_threads(self.tp))
        super().step(params, grads)


@pytest.mark.parametrize("H,small", [(4, True), (256, False)])
def test_small_training_steps_use_one_thread_others_leave_blas_alone(H, small, tp):
    N = 16
    model = mr.RNNLM(5, 3, H, seed=0)
    assert (N * model.num_params < _threads.SMALL) == small
    opt = SpySGD(tp)
    with tp.threadpool_limits(limits=2, user_api="blas"):
        outside = _blas_threads(tp)
        ids = np.random.default_rng(0).integers(0, 5, N * 12 + 1)   # no remainder rows
        mr.train_lm(model, ids, batch_size=N, seq_len=5, epochs=1, optimizer=opt)
        assert _blas_threads(tp) == outside        # restored after training
    expected = [1] * len(outside) if small else outside
    assert opt.seen and all(n == expected for n in opt.seen)


@pytest.mark.parametrize("setting,expected", [(1, 1), (2, 2), (None, 3)])
def test_the_user_setting_overrides_the_rule(setting, expected, tp):
    mr.set_blas_threads(setting)
    assert mr.get_blas_threads() == setting
    model = mr.RNNLM(5, 3, 4, seed=0)                 # small: "auto" would give 1
    opt = SpySGD(tp)
    with tp.threadpool_limits(limits=3, user_api="blas"):
        mr.train_lm(model, np.arange(40) % 5, batch_size=2, seq_len=5, epochs=1, optimizer=opt)
    assert opt.seen and all(set(n) == {expected} for n in opt.seen)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "all"])
def test_bad_settings_are_refused(bad):
    with pytest.raises(ValueError, match="n must be 'auto', a positive int or None"):
        mr.set_blas_threads(bad)


def test_the_setting_is_restored_even_when_the_step_raises(tp):
    model = mr.RNNLM(5, 3, 4, seed=0)
    with tp.threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads(tp)
        with pytest.raises(mr.TrainingDiverged):
            mr.train_lm(model, np.arange(40) % 5, batch_size=2, seq_len=5, epochs=1,
                        optimizer=mr.SGD(1e308))
        assert _blas_threads(tp) == before


def test_the_rule_is_a_function_of_the_sizes():
    assert _threads.threads_for_step(1, _threads.SMALL - 1) == 1
    assert _threads.threads_for_step(1, _threads.SMALL) is None


_MID_SIZE_FLOAT32 = """
import sys
import numpy as np
import minirnn as mr
rng = np.random.default_rng(0)
rnn = mr.RNN(128, 128, seed=0, dtype=np.float32)
xs = rng.standard_normal((32, 35, 128)).astype(np.float32)
hs = rnn.forward(xs)
rnn.backward(np.ones_like(hs))
model = mr.RNNLM(50, 64, 128, seed=0, dtype=np.float32)
ids = rng.integers(0, 50, 32 * 35 * 4 + 1)
mr.train_lm(model, ids, batch_size=32, seq_len=35, epochs=1, optimizer=mr.Adam(0.01))
out = hs.tobytes() + rnn.grads["Wh"].tobytes() + model.params["rnn.Wh"].tobytes()
sys.stdout.buffer.write(out)
"""


def _run_mid_size():
    return subprocess.run([sys.executable, "-c", _MID_SIZE_FLOAT32], capture_output=True,
                          check=True).stdout


def test_same_bits_on_an_idle_and_a_busy_machine():
    """A mid-size float32 layer pass and training run give the same bytes whether or not
    other processes keep the CPU busy (an earlier minirnn changed its thread count with the
    load, and float32 products round differently with one and two threads)."""
    idle = _run_mid_size()
    spin = "import time\nt = time.time() + 60\nwhile time.time() < t: pass\n"
    busy_procs = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(2)]
    try:
        time.sleep(0.5)                     # let them take the cores
        busy = _run_mid_size()
    finally:
        for p in busy_procs:
            p.kill()
            p.wait()
    assert len(idle) > 0 and idle == busy
