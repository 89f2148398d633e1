"""How many BLAS threads minirnn's training steps use: a rule on array sizes, nothing else.

A multi-threaded BLAS (OpenBLAS, MKL) splits a matrix product between threads.
For the small models of the chapters a second thread gains nothing (the
products are too small to share), and it makes the last bits of float32 results
depend on the thread count. So the rule is:

- a training step of a model with ``N * num_params < SMALL`` (the batch size
  times the number of parameters: roughly the multiply-adds of one time step)
  runs on ONE BLAS thread;
- everything else runs with BLAS's own thread count, which minirnn does not change.

The rule reads only array sizes and the user's explicit setting, never the
machine's load, so a result is the same bits on an idle and on a busy machine.
(An earlier version looked at the load in ``/proc/stat``; the speed appendix
tells what that gained and why it went.)

The one public way to change it is :func:`set_blas_threads`.
"""

from __future__ import annotations

import contextlib

#: A training step below this size (N * number of parameters) runs on one BLAS thread.
#: Every model of the chapters but the largest ones of chapter 11 is below it; chapter 7's
#: encoder-decoder (N = 64, 11 354 parameters, N * params = 2**19.5) took 8.7 s of CPU with
#: one thread and 20 s with two on a loaded 2-core machine.
SMALL = 2 ** 20

_setting: int | str | None = "auto"
_controller = None              # threadpoolctl.ThreadpoolController, made once, on first use
_NULL = contextlib.nullcontext()


def set_blas_threads(n: int | str | None = "auto") -> None:
    """Choose how many BLAS threads minirnn's training loops use.

    Parameters
    ----------
    n : "auto", int or None
        ``"auto"`` (the default): steps of small models (``N * num_params`` below
        :data:`SMALL`) on one thread, all else with BLAS's own setting.
        An int: every training step on exactly ``n`` threads.
        ``None``: minirnn never changes the BLAS thread count.

    Examples
    --------
    >>> import minirnn as mr
    >>> mr.set_blas_threads(1)        # every training step on one thread
    >>> mr.set_blas_threads("auto")   # back to the default
    """
    global _setting
    if n is not None and n != "auto" and (isinstance(n, bool) or not isinstance(n, int)
                                          or n < 1):
        raise ValueError(f"set_blas_threads: n must be 'auto', a positive int or None, "
                         f"got {n!r}")
    _setting = n


def get_blas_threads() -> int | str | None:
    """The current setting of :func:`set_blas_threads`."""
    return _setting


def threads_for_step(N: int, num_params: int) -> int | None:
    """The BLAS threads for one training step of a model (None: leave BLAS alone).

    Parameters
    ----------
    N : int
        Batch size of the step.
    num_params : int
        Number of parameters of the model.
    """
    if _setting is None or isinstance(_setting, int):
        return _setting
    return 1 if N * num_params < SMALL else None


def blas_threads_for_step(N: int, num_params: int):
    """A context manager: the step's BLAS threads (see :func:`threads_for_step`) while it runs.

    The previous thread count is restored afterwards, even on error. Without
    threadpoolctl it does nothing.
    """
    n = threads_for_step(N, num_params)
    if n is None:
        return _NULL
    controller = _get_controller()
    if controller is None:
        return _NULL
    return controller.limit(limits=n)


def _get_controller():
    """The threadpoolctl controller for BLAS, created on first use (None when unavailable)."""
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController
            _controller = ThreadpoolController().select(user_api="blas")
        except Exception:  # not installed, or it could not inspect the loaded libraries
            _controller = False
    return _controller or None
