"""Layers with parameters: ``RNN``, ``Embedding`` and a time-distributed ``Linear``.

Every layer keeps two dicts with the same keys: ``params`` (the weights) and
``grads`` (their gradients, filled by ``backward``). ``grads`` is updated in
place, so a model may hold references to these arrays and an optimizer may
update ``params`` in place.

Arrays at the interface are batch-major: xs has shape (N, T, D), hs (N, T, H).
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    check_dtype,
    check_float_array,
    check_positive_int,
    check_token_ids,
)
from ._threads import limit_blas_threads


class Layer:
    """Base class: a ``params`` dict, a ``grads`` dict with the same keys."""

    params: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]

    def zero_grad(self) -> None:
        """Set every gradient to zero (in place)."""
        for g in self.grads.values():
            g.fill(0.0)

    @property
    def num_params(self) -> int:
        """Total number of scalar parameters."""
        return sum(p.size for p in self.params.values())

    def _init_grads(self) -> None:
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def _scratch(self, name: str, shape: tuple) -> np.ndarray:
        """A work array of this shape and the layer's dtype, reused from call to call.

        Only for arrays that never leave the method that fills them (not returned,
        not cached): the next call overwrites them.
        """
        scratch = self.__dict__.setdefault("_scratch_arrays", {})
        buf = scratch.get(name)
        if buf is None or buf.shape != shape:
            buf = scratch[name] = np.empty(shape, dtype=self.dtype)
        return buf

    def _need_cache(self, where: str):
        if getattr(self, "_cache", None) is None:
            raise ValueError(f"{where} called before forward: run forward() first, "
                             "then backward() with the gradient of the loss")
        return self._cache


class RNN(Layer):
    r"""A vanilla (Elman) RNN layer run over whole sequences.

    .. math:: h_t = \tanh(W_x x_t + W_h h_{t-1} + b)

    Parameters
    ----------
    input_size : int
        D, the size of each input vector x_t.
    hidden_size : int
        H, the size of the hidden state h_t.
    seed : int or numpy.random.Generator, optional
        Makes the initial weights repeatable.
    stateful : bool
        If True, the last hidden state of one ``forward`` call is the initial
        state of the next (truncated BPTT needs this); ``reset_state()``
        forgets it.
    dtype : float64 (default) or float32

    Attributes
    ----------
    params : dict
        ``"Wx"`` (H, D), ``"Wh"`` (H, H), ``"b"`` (H,). The layout is PyTorch's
        ``weight_ih_l0`` / ``weight_hh_l0``: weights are (out, in).
    grads : dict
        Same keys and shapes, filled by ``backward``.
    dh0 : ndarray, shape (N, H)
        After ``backward``: the gradient with respect to the initial state h0.
    state : ndarray, shape (N, H), or None
        In stateful mode, the hidden state carried to the next call.

    Notes
    -----
    The input projection ``x_t W_x^T + b`` does not depend on earlier steps, so
    it is computed for all T steps in one matrix product before the time loop;
    likewise the weight gradients are single products after the backward loop.
    Only ``h_{t-1} W_h^T`` (and, backward, ``da_t W_h``) must stay inside the
    loop: each step needs the previous one.
    """

    def __init__(self, input_size: int, hidden_size: int, seed=None, stateful: bool = False,
                 dtype=np.float64):
        D = check_positive_int(input_size, "input_size", "RNN")
        H = check_positive_int(hidden_size, "hidden_size", "RNN")
        self.input_size, self.hidden_size = D, H
        self.dtype = check_dtype(dtype, "RNN")
        rng = np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(H)  # PyTorch's default: U(-1/sqrt(H), 1/sqrt(H))
        self.params = {
            "Wx": rng.uniform(-bound, bound, (H, D)).astype(self.dtype),
            "Wh": rng.uniform(-bound, bound, (H, H)).astype(self.dtype),
            "b": np.zeros(H, dtype=self.dtype),
        }
        self._init_grads()
        self.stateful = stateful
        self.state = None
        self.dh0 = None
        self._cache = None

    def __repr__(self) -> str:
        return (f"RNN(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"stateful={self.stateful})")

    def reset_state(self) -> None:
        """Forget the carried hidden state (stateful mode)."""
        self.state = None

    def forward(self, xs, h0=None):
        """Run the RNN over a batch of sequences.

        Parameters
        ----------
        xs : ndarray, shape (N, T, D)
            Input sequences.
        h0 : ndarray, shape (N, H), optional
            Initial hidden state. Default: zeros, or in stateful mode the last
            state of the previous call.

        Returns
        -------
        hs : ndarray, shape (N, T, H)
            Hidden state at every step; ``hs[:, -1]`` is the last one.
        """
        where = "RNN.forward"
        D, H = self.input_size, self.hidden_size
        xs = check_float_array(xs, "xs", ("N", "T", "D"), {"D": D}, where, self.dtype)
        N, T, _ = xs.shape
        if h0 is None and self.stateful and self.state is not None:
            if self.state.shape[0] != N:
                raise ValueError(f"{where}: the carried state has batch size "
                                 f"{self.state.shape[0]} but xs has N={N}; call reset_state() "
                                 "before changing the batch size")
            h0 = self.state
        if h0 is None:
            h0 = np.zeros((N, H), dtype=self.dtype)
        else:
            h0 = check_float_array(h0, "h0", ("N", "H"), {"N": N, "H": H}, where, self.dtype)
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]

        # Time-major copy of the inputs so that xs_tm[t] is contiguous.
        xs_tm = np.ascontiguousarray(xs.transpose(1, 0, 2))              # (T, N, D)
        WhT = Wh.T
        rec = np.empty((N, H), dtype=self.dtype)
        with limit_blas_threads(N, H):     # one BLAS thread for mid-size layers (_threads.py)
            # Parallel over time: the input projection of all T steps at once.
            hs = (xs_tm.reshape(T * N, D) @ Wx.T).reshape(T, N, H)      # (T, N, H)
            hs += b
            # Sequential: each step needs h_{t-1}. hs[t] holds a_t, then h_t (tanh in place).
            h = h0
            for t in range(T):
                np.matmul(h, WhT, out=rec)
                hs[t] += rec
                np.tanh(hs[t], out=hs[t])
                h = hs[t]

        self._cache = (xs_tm, h0, hs)
        if self.stateful:
            self.state = hs[-1].copy()
        return np.ascontiguousarray(hs.transpose(1, 0, 2))

    def backward(self, dhs):
        """Backpropagation through time over the whole sequence of the last forward.

        Parameters
        ----------
        dhs : ndarray, shape (N, T, H)
            Gradient of the loss with respect to every hidden state output.

        Returns
        -------
        dxs : ndarray, shape (N, T, D)
            Gradient with respect to the inputs. ``grads`` is filled, and
            ``dh0`` holds the gradient with respect to h0.
        """
        where = "RNN.backward"
        xs_tm, h0, hs = self._need_cache(where)
        T, N, H = hs.shape
        D = self.input_size
        dhs = check_float_array(dhs, "dhs", ("N", "T", "H"), {"N": N, "T": T, "H": H},
                                where, self.dtype)
        Wx, Wh = self.params["Wx"], self.params["Wh"]

        # Work arrays that never leave this method are kept between calls: a fresh
        # (T, N, H) array every call costs more than the arithmetic done on it.
        das = self._scratch("das", (T, N, H))
        np.multiply(hs, hs, out=das)               # tanh'(a_t) = 1 - h_t^2 for all t,
        np.subtract(1.0, das, out=das)             # then da_t in place
        h_prev = self._scratch("h_prev", (T, N, H))
        h_prev[0], h_prev[1:] = h0, hs[:-1]        # h_{t-1} for every t
        dh_in = dhs.transpose(1, 0, 2)             # (T, N, H) view
        dh = np.zeros((N, H), dtype=self.dtype)    # gradient arriving from step t+1
        with limit_blas_threads(N, H):
            for t in range(T - 1, -1, -1):
                das[t] *= dh_in[t] + dh            # da_t = (dL/dh_t) * tanh'(a_t)
                dh = das[t] @ Wh                   # dL/dh_{t-1} through the recurrence
            self.dh0 = dh

            # Shared weights: their gradient is the sum over time steps, one product each.
            da2 = das.reshape(T * N, H)
            self.grads["Wx"][...] = da2.T @ xs_tm.reshape(T * N, D)
            self.grads["Wh"][...] = da2.T @ h_prev.reshape(T * N, H)
            self.grads["b"][...] = da2.sum(axis=0)
            dxs = (da2 @ Wx).reshape(T, N, D)
        return np.ascontiguousarray(dxs.transpose(1, 0, 2))


class Embedding(Layer):
    """Look up a dense vector for each token id.

    Parameters
    ----------
    vocab_size : int
        V, the number of distinct token ids.
    dim : int
        D, the size of each embedding vector.
    seed : int or numpy.random.Generator, optional
    dtype : float64 (default) or float32

    Attributes
    ----------
    params : dict
        ``"W"`` (V, D): row ``i`` is the vector of token ``i``.
    """

    def __init__(self, vocab_size: int, dim: int, seed=None, dtype=np.float64):
        self.vocab_size = check_positive_int(vocab_size, "vocab_size", "Embedding")
        self.dim = check_positive_int(dim, "dim", "Embedding")
        self.dtype = check_dtype(dtype, "Embedding")
        rng = np.random.default_rng(seed)
        self.params = {"W": rng.standard_normal((self.vocab_size, self.dim)).astype(self.dtype)}
        self._init_grads()
        self._cache = None

    def __repr__(self) -> str:
        return f"Embedding(vocab_size={self.vocab_size}, dim={self.dim})"

    def forward(self, ids):
        """Look up the vectors of token ids.

        Parameters
        ----------
        ids : int ndarray, shape (N, T)
            Token ids in ``[0, V)``.

        Returns
        -------
        xs : ndarray, shape (N, T, D)
        """
        ids = check_token_ids(ids, "ids", self.vocab_size, ("N", "T"), "Embedding.forward")
        self._cache = ids
        return self.params["W"][ids]

    def backward(self, dxs):
        """Accumulate the gradient of each used row.

        Parameters
        ----------
        dxs : ndarray, shape (N, T, D)

        Returns
        -------
        None
            Token ids have no gradient; ``grads["W"]`` is filled.
        """
        ids = self._need_cache("Embedding.backward")
        dxs = check_float_array(dxs, "dxs", ("N", "T", "D"),
                                {"N": ids.shape[0], "T": ids.shape[1], "D": self.dim},
                                "Embedding.backward")
        # A word may occur many times: its row gets the sum of all its gradients.
        # Sorting the ids groups equal ones, so one reduceat adds each group;
        # this is np.add.at(dW, ids, dxs), several times faster.
        flat = ids.ravel()
        order = np.argsort(flat, kind="stable")
        sorted_ids = flat[order]
        starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
        dW = self.grads["W"]
        dW.fill(0.0)
        dW[sorted_ids[starts]] = np.add.reduceat(dxs.reshape(-1, self.dim)[order], starts, axis=0)
        return None


class Linear(Layer):
    """An affine map applied at every position: ``y = x @ W.T + b``.

    Applied to hidden states it is the output layer y_t = W_y h_t + c.

    Parameters
    ----------
    in_features : int
        The size of each input vector (H for the output layer).
    out_features : int
        The size of each output vector (V for a language model).
    seed : int or numpy.random.Generator, optional
    dtype : float64 (default) or float32

    Attributes
    ----------
    params : dict
        ``"W"`` (out, in), ``"b"`` (out,).
    """

    def __init__(self, in_features: int, out_features: int, seed=None, dtype=np.float64):
        self.in_features = check_positive_int(in_features, "in_features", "Linear")
        self.out_features = check_positive_int(out_features, "out_features", "Linear")
        self.dtype = check_dtype(dtype, "Linear")
        rng = np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(self.in_features)
        self.params = {
            "W": rng.uniform(-bound, bound, (self.out_features, self.in_features))
            .astype(self.dtype),
            "b": np.zeros(self.out_features, dtype=self.dtype),
        }
        self._init_grads()
        self._cache = None

    def __repr__(self) -> str:
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"

    def forward(self, x):
        """Apply the map to the last axis.

        Parameters
        ----------
        x : ndarray, shape (N, T, in) or (N, in)
            For example hs of shape (N, T, H) or a last state of shape (N, H).

        Returns
        -------
        y : ndarray, shape (N, T, out) or (N, out)
        """
        x = check_float_array(x, "x", _linear_axes(x, "in"), {"in": self.in_features},
                              "Linear.forward", self.dtype)
        self._cache = x
        return x @ self.params["W"].T + self.params["b"]

    def backward(self, dy):
        """Gradients of the affine map.

        Parameters
        ----------
        dy : ndarray, shape (N, T, out) or (N, out)

        Returns
        -------
        dx : ndarray, shape (N, T, in) or (N, in)
        """
        x = self._need_cache("Linear.backward")
        sizes = dict(zip(("N", "T"), x.shape[:-1], strict=False))
        dy = check_float_array(dy, "dy", _linear_axes(x, "out"),
                               {**sizes, "out": self.out_features}, "Linear.backward", self.dtype)
        dy2 = dy.reshape(-1, self.out_features)
        self.grads["W"][...] = dy2.T @ x.reshape(-1, self.in_features)
        self.grads["b"][...] = dy2.sum(axis=0)
        return dy @ self.params["W"]


def _linear_axes(x, last: str) -> tuple[str, ...]:
    """Axis names for a Linear input: (N, last) or (N, T, last)."""
    return ("N", "T", last) if getattr(x, "ndim", 0) == 3 else ("N", last)
