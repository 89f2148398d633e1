"""One BLAS thread for mid-size recurrent layers when other programs keep the CPU busy.

Why: a multi-threaded BLAS splits every matrix product between threads and waits
for all of them at the end. An RNN pass is a chain of T small products,
``h_{t-1} W_h^T`` of shape (N, H) x (H, H), each ending with such a rendezvous.
On a machine whose other cores are busy (a 2-core laptop or Colab running
anything else) a thread that has to share its core makes every step wait.
Measured on a 2-core machine with OpenBLAS, for N*H*H between 2**19 and 2**22
(benchmarks/rnn_speed.py, book/appendix_speed.md): with a spinning process on
the other core one thread was 1.2-1.5x faster than two, with several other
jobs running 2.5-8x faster (30x has been seen); but with the other core idle,
two threads were 1.4-1.7x faster. So the right choice depends on the machine's
load, and minirnn looks at it.

:func:`limit_blas_threads` returns a context manager for one forward or
backward pass. If other processes used at least half a core on average since
the last look (Linux: ``/proc/stat`` minus this process's own CPU time, looked
at no more than every 0.5 s; elsewhere assumed busy), it sets one BLAS thread
with threadpoolctl (if installed) while the pass runs and restores the previous
count afterwards, even on error: the user's setting is never changed for their
own code. Without threadpoolctl it does nothing.

Limiting only the time loops, and keeping the user's threads for the big
products around them, is no better: the BLAS worker threads fall asleep during
the loop, and waking them for the next big product costs as much as it saves
(measured: slower than both alternatives, idle and busy). So the limit covers
the whole pass. It acts only where it matters, by the size of the per-step
product ``N * H * H``:

- below ``SMALL`` (2**18, OpenBLAS's own threshold: it already runs such
  products on one thread) nothing is done, so the small models of the
  chapters pay no overhead at all;
- above ``LARGE`` (2**24, e.g. N=64 and H=512) nothing is done either: each
  product is big enough for the threads to pay off.

A whole training step is a different case: :func:`limit_blas_threads_for_step`,
used by minirnn's training loops, always runs a small model's step on one
thread (the second thread gains nothing there even on an idle machine, and the
results then do not depend on the load), and a mid-size model's only when busy.

``set_blas_thread_limit(None)`` switches the mechanism off,
``set_blas_thread_limit(1, only_when_busy=False)`` limits whatever the load
(the benchmark measures all three). The BLAS thread count is a property of the
whole process: while a pass runs, numpy work in other Python threads also gets
one BLAS thread.
"""

from __future__ import annotations

import contextlib
import os
import time

SMALL = 2 ** 18
LARGE = 2 ** 24

_limit: int | None = 1          # BLAS threads during a pass; None: leave them as they are
_only_when_busy = True          # apply the limit only while other processes load the CPU
CHECK_EVERY = 0.5               # seconds between two looks at the machine's load
_last = None                    # (monotonic time, busy seconds of all CPUs, own CPU seconds)
_busy = True                    # the last verdict; unknown at first: assume busy
_controller = None              # threadpoolctl.ThreadpoolController, made once, lazily
_available: bool | None = None  # whether threadpoolctl can be used (None: not tried yet)
_NULL = contextlib.nullcontext()


def set_blas_thread_limit(n: int | None, only_when_busy: bool = True) -> None:
    """Set the BLAS thread count used during mid-size RNN passes.

    Parameters
    ----------
    n : int or None
        Threads during a pass (1 by default); None: never interfere.
    only_when_busy : bool
        Apply the limit only while other processes keep the CPU busy (default),
        or always.
    """
    global _limit, _only_when_busy
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError(f"set_blas_thread_limit: n must be a positive int or None, got {n!r}")
    _limit, _only_when_busy = n, bool(only_when_busy)


def _sample():
    """(monotonic time, busy CPU seconds of all processes since boot, this process's CPU
    seconds), or None where ``/proc/stat`` cannot be read (not Linux)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal: busy = all but idle and iowait
    busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    return time.monotonic(), busy, time.process_time()


def others_busy() -> bool:
    """Whether other processes used at least half a core since the last look.

    Looks at most every ``CHECK_EVERY`` seconds and otherwise returns the last
    verdict (busy until the first two looks, and always where ``/proc/stat``
    does not exist). This process's own CPU time, its BLAS threads included,
    does not count.
    """
    global _last, _busy
    if _last is not None and time.monotonic() - _last[0] < CHECK_EVERY:
        return _busy
    sample = _sample()
    if sample is None:
        return True
    if _last is not None:
        elapsed = sample[0] - _last[0]
        others = (sample[1] - _last[1]) - (sample[2] - _last[2])
        _busy = others > 0.5 * elapsed
    _last = sample
    return _busy


def _get_controller():
    """The threadpoolctl controller for BLAS, created on first use (None when unavailable)."""
    global _controller, _available
    if _available is None:
        try:
            from threadpoolctl import ThreadpoolController
            _controller = ThreadpoolController().select(user_api="blas")
            _available = True
        except Exception:  # not installed, or it could not inspect the loaded libraries
            _controller, _available = None, False
    return _controller


def limit_blas_threads(N: int, H: int):
    """A context manager for one pass of a layer whose per-step product is (N, H) x (H, H).

    Parameters
    ----------
    N : int
        Batch size.
    H : int
        Hidden size (for an LSTM pass ``2 * H``: its per-step product is 4H wide,
        so ``N * (2H)^2`` is its size).

    Returns
    -------
    context manager
        One BLAS thread while active, or nothing at all (see the module docstring).
    """
    work = N * H * H
    if _limit is None or work < SMALL or work > LARGE:
        return _NULL
    if _only_when_busy and not others_busy():
        return _NULL
    controller = _get_controller()
    if controller is None:
        return _NULL
    return controller.limit(limits=_limit)


def limit_blas_threads_for_step(N: int, H: int):
    """A context manager for one whole training (or evaluation) step of a model.

    Used by minirnn's training loops (``train_lm`` and ``evaluate``,
    ``seq_models.fit``, ``tasks.adding.train_adding``) around forward, loss,
    backward and update. A step of a small model also runs products above
    OpenBLAS's threshold (the output layer over all N*T positions, the input
    projection, the weight gradients), and a second thread does not pay for
    them: measured with the chapter 9 model (N=32, T=32, H=32, V=24), 1.55 s of
    training with two BLAS threads and 1.60 s with one when the other core is
    idle, but 4.1 s against 1.6 s when it is busy. So:

    - below ``SMALL`` the step always runs on one BLAS thread. This also makes
      results independent of the machine's load: float32 products can round
      differently with one and two threads, and a long training run amplifies
      such a difference, so a load-dependent choice would make the notebooks'
      stored outputs unrepeatable;
    - from ``SMALL`` to ``LARGE`` one thread only while other processes keep
      the CPU busy, as for a layer pass;
    - above ``LARGE`` nothing is done.

    Parameters
    ----------
    N : int
        Batch size.
    H : int
        Hidden size (``2 * H`` for an LSTM), as for :func:`limit_blas_threads`.
    """
    work = N * H * H
    if _limit is None or work > LARGE:
        return _NULL
    if work >= SMALL and _only_when_busy and not others_busy():
        return _NULL
    controller = _get_controller()
    if controller is None:
        return _NULL
    return controller.limit(limits=_limit)
