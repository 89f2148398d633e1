"""minirnn._threads: one BLAS thread during mid-size RNN passes, the user's setting restored."""

import pytest

from minirnn import _threads


def _blas_threads(tp):
    return [lib["num_threads"] for lib in tp.threadpool_info() if lib["user_api"] == "blas"]


@pytest.fixture
def tp():
    return pytest.importorskip("threadpoolctl", reason="threadpoolctl is not installed: "
                               "minirnn then leaves the BLAS thread count alone")


def test_limits_blas_inside_and_restores_after(tp, monkeypatch):
    monkeypatch.setattr(_threads, "others_busy", lambda: True)
    with tp.threadpool_limits(limits=2, user_api="blas"):      # a known user setting
        before = _blas_threads(tp)
        with _threads.limit_blas_threads(32, 128):             # N*H*H = 2**19: limited
            inside = _blas_threads(tp)
        after = _blas_threads(tp)
    assert inside and all(n == 1 for n in inside)
    assert after == before


def test_restores_even_when_the_pass_raises(tp, monkeypatch):
    monkeypatch.setattr(_threads, "others_busy", lambda: True)
    with tp.threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads(tp)
        with pytest.raises(RuntimeError), _threads.limit_blas_threads(32, 128):
            raise RuntimeError("inside the pass")
        assert _blas_threads(tp) == before


@pytest.mark.parametrize("N,H", [(1, 16), (4, 64), (256, 512)])
def test_small_and_large_products_are_left_alone(N, H, tp):
    with tp.threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads(tp)
        with _threads.limit_blas_threads(N, H):
            assert _blas_threads(tp) == before


def test_can_be_switched_off(tp):
    try:
        _threads.set_blas_thread_limit(None)
        with tp.threadpool_limits(limits=2, user_api="blas"):
            before = _blas_threads(tp)
            with _threads.limit_blas_threads(32, 128):
                assert _blas_threads(tp) == before
    finally:
        _threads.set_blas_thread_limit(1)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "1"])
def test_bad_thread_count_is_refused(bad):
    with pytest.raises(ValueError, match="positive int or None"):
        _threads.set_blas_thread_limit(bad)


def test_the_limit_follows_the_load(tp, monkeypatch):
    with tp.threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads(tp)
        monkeypatch.setattr(_threads, "others_busy", lambda: False)
        with _threads.limit_blas_threads(32, 128):              # idle machine: keep 2
            assert _blas_threads(tp) == before
        try:
            _threads.set_blas_thread_limit(1, only_when_busy=False)
            with _threads.limit_blas_threads(32, 128):          # "always": limit anyway
                assert all(n == 1 for n in _blas_threads(tp))
        finally:
            _threads.set_blas_thread_limit(1)
        monkeypatch.setattr(_threads, "others_busy", lambda: True)
        with _threads.limit_blas_threads(32, 128):              # busy machine: limit
            assert all(n == 1 for n in _blas_threads(tp))


def _fake_samples(monkeypatch, samples):
    it = iter(samples)
    monkeypatch.setattr(_threads, "_sample", lambda: next(it))
    monkeypatch.setattr(_threads, "_last", None)
    monkeypatch.setattr(_threads, "_busy", True)
    monkeypatch.setattr(_threads, "CHECK_EVERY", 0.0)


def test_others_busy_subtracts_our_own_cpu_time(monkeypatch):
    # (time s, busy CPU s of the machine, our own CPU s): 1 s apart each.
    _fake_samples(monkeypatch, [(0.0, 100.0, 5.0),
                                (1.0, 101.9, 6.0),    # 1.9 busy, 1.0 ours: others 0.9
                                (2.0, 103.9, 7.9),    # 2.0 busy, 1.9 ours: others 0.1
                                (3.0, 104.3, 8.0)])   # 0.4 busy, 0.1 ours: others 0.3
    assert _threads.others_busy() is True      # first look: unknown, assumed busy
    assert _threads.others_busy() is True
    assert _threads.others_busy() is False     # our own two BLAS threads do not count
    assert _threads.others_busy() is False     # under half a core


def test_others_busy_without_proc_stat_assumes_busy(monkeypatch):
    _fake_samples(monkeypatch, [None, None])
    assert _threads.others_busy() is True



@pytest.mark.parametrize("busy", [True, False])
@pytest.mark.parametrize("H,small", [(4, True), (128, False)])
def test_training_steps_use_one_blas_thread(busy, H, small, tp, monkeypatch):
    """A small model's steps always run on one BLAS thread (fast and load-independent);
    a mid-size model's (N*H*H >= SMALL) only while the machine is busy."""
    import numpy as np

    import minirnn as mr

    N = 16
    assert (N * H * H < _threads.SMALL) == small
    monkeypatch.setattr(_threads, "others_busy", lambda: busy)
    seen = []

    class SpySGD(mr.SGD):
        def step(self, params, grads):
            seen.append(_blas_threads(tp))
            super().step(params, grads)

    with tp.threadpool_limits(limits=2, user_api="blas"):
        outside = _blas_threads(tp)
        model = mr.RNNLM(5, 3, H, seed=0)
        ids = np.random.default_rng(0).integers(0, 5, N * 12 + 1)   # no remainder rows
        mr.train_lm(model, ids, batch_size=N, seq_len=5, epochs=1, optimizer=SpySGD(lr=0.1))
        assert _blas_threads(tp) == outside        # restored after training
    expected = [1] * len(outside) if (busy or small) else outside
    assert seen and all(n == expected for n in seen)
