"""The RNN layer as minirnn wrote it before it was made readable (for the speed appendix).

This is the speed-tuned forward and backward that ``minirnn.layers.RNN`` used until
the layers were rewritten to read like the book: time-major copies of the inputs,
products written into preallocated arrays with ``out=``, work arrays kept between
calls, and tanh applied in place. It is kept here, outside the package, only so
that ``benchmarks/rnn_speed.py`` can measure what the readable form costs. It
computes the same numbers as :func:`minirnn.rnn_forward` / :func:`minirnn.rnn_backward`
(the benchmark checks that before timing).
"""

from __future__ import annotations

import numpy as np


class TunedRNN:
    """Forward and backward of one RNN layer, written for speed (see the module docstring)."""

    def __init__(self, Wx, Wh, b):
        self.Wx, self.Wh, self.b = Wx, Wh, b
        self._scratch_arrays: dict = {}

    def _scratch(self, name, shape, dtype):
        buf = self._scratch_arrays.get(name)
        if buf is None or buf.shape != shape:
            buf = self._scratch_arrays[name] = np.empty(shape, dtype=dtype)
        return buf

    def forward(self, xs, h0):
        N, T, D = xs.shape
        H = self.Wh.shape[0]
        xs_tm = np.ascontiguousarray(xs.transpose(1, 0, 2))              # (T, N, D)
        WhT = self.Wh.T
        rec = np.empty((N, H), dtype=xs.dtype)
        hs = (xs_tm.reshape(T * N, D) @ self.Wx.T).reshape(T, N, H)     # (T, N, H)
        hs += self.b
        h = h0
        for t in range(T):                      # hs[t] holds a_t, then h_t (tanh in place)
            np.matmul(h, WhT, out=rec)
            hs[t] += rec
            np.tanh(hs[t], out=hs[t])
            h = hs[t]
        self.cache = (xs_tm, h0, hs)
        return np.ascontiguousarray(hs.transpose(1, 0, 2))

    def backward(self, dhs):
        xs_tm, h0, hs = self.cache
        T, N, H = hs.shape
        D = xs_tm.shape[2]
        das = self._scratch("das", (T, N, H), hs.dtype)
        np.multiply(hs, hs, out=das)
        np.subtract(1.0, das, out=das)
        h_prev = self._scratch("h_prev", (T, N, H), hs.dtype)
        h_prev[0], h_prev[1:] = h0, hs[:-1]
        dh_in = dhs.transpose(1, 0, 2)
        dh = np.zeros((N, H), dtype=hs.dtype)
        for t in range(T - 1, -1, -1):
            das[t] *= dh_in[t] + dh
            dh = das[t] @ self.Wh
        da2 = das.reshape(T * N, H)
        dWx = da2.T @ xs_tm.reshape(T * N, D)
        dWh = da2.T @ h_prev.reshape(T * N, H)
        db = da2.sum(axis=0)
        dxs = (da2 @ self.Wx).reshape(T, N, D)
        return np.ascontiguousarray(dxs.transpose(1, 0, 2)), dh, dWx, dWh, db
