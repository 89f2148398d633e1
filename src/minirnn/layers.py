"""Layers with parameters: ``RNN``, ``Embedding`` and a time-distributed ``Linear``.

Every layer keeps two dicts with the same keys: ``params`` (the weights) and
``grads`` (their gradients, filled by ``backward``). ``grads`` is updated in
place, so a model may hold references to these arrays and an optimizer may
update ``params`` in place.

Arrays at the interface are batch-major: xs has shape (N, T, D), hs (N, T, H).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_dtype, check_float_array, check_positive_int, check_token_ids
from .functional import (
    embedding_backward,
    embedding_forward,
    linear_axes,
    linear_backward,
    linear_forward,
    rnn_backward,
    rnn_forward,
)


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

    def _set_grads(self, **grads) -> None:
        """Copy freshly computed gradients into ``grads`` (in place: models hold these arrays)."""
        for k, g in grads.items():
            self.grads[k][...] = g

    def _need_cache(self, where: str):
        if getattr(self, "_cache", None) is None:
            raise ValueError(f"{where} called before forward: run forward() first, "
                             "then backward() with the gradient of the loss")
        return self._cache


def merge_params(layers: dict) -> tuple[dict, dict]:
    """The ``params`` and ``grads`` of named layers merged under ``"name.key"`` keys.

    The values are the layers' own arrays (no copies), so an optimizer that
    updates the merged ``params`` in place trains the layers. Models and the
    stacked/bidirectional wrappers all build their dicts with this.
    """
    params = {f"{name}.{k}": v for name, layer in layers.items() for k, v in layer.params.items()}
    grads = {f"{name}.{k}": v for name, layer in layers.items() for k, v in layer.grads.items()}
    return params, grads


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
    h_n : ndarray, shape (N, H)
        After ``forward``: the last hidden state ``hs[:, -1]`` (PyTorch's name).
    dh0 : ndarray, shape (N, H)
        After ``backward``: the gradient with respect to the initial state h0.
    state : ndarray, shape (N, H), or None
        In stateful mode, the hidden state carried to the next call.

    Notes
    -----
    ``forward`` and ``backward`` call :func:`~minirnn.functional.rnn_forward` and
    :func:`~minirnn.functional.rnn_backward`: the time loop is the step equation,
    with the input projection hoisted before it and the weight gradients
    batched after it. The layer adds what a layer needs around them: the
    weights, the initial state (zeros, given, or carried), the cache between
    ``forward`` and ``backward``, and the ``grads`` dict.
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
        self.h_n = None
        self.dh0 = None
        self._cache = None

    def __repr__(self) -> str:
        return (f"RNN(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"stateful={self.stateful})")

    def reset_state(self) -> None:
        """Forget the carried hidden state (stateful mode)."""
        self.state = None

    def keep_state_rows(self, n: int) -> None:
        """Keep only the last ``n`` rows of the carried state (stateful mode).

        Truncated BPTT's last windows may continue only the last of the N
        streams (see :func:`minirnn.batching.batches`).
        """
        if self.state is not None:
            self.state = self.state[-n:]

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
        p = self.params
        hs, self._cache = rnn_forward(xs, h0, p["Wx"], p["Wh"], p["b"])
        self.h_n = hs[:, -1]
        if self.stateful:
            self.state = self.h_n.copy()
        return hs

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
        cache = self._need_cache("RNN.backward")
        N, T, H = cache[-1].shape             # the cache of rnn_forward ends with hs
        dhs = check_float_array(dhs, "dhs", ("N", "T", "H"), {"N": N, "T": T, "H": H},
                                "RNN.backward", self.dtype)
        dxs, self.dh0, dWx, dWh, db = rnn_backward(dhs, cache)
        self._set_grads(Wx=dWx, Wh=dWh, b=db)
        return dxs


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
        xs, self._cache = embedding_forward(ids, self.params["W"])
        return xs

    def backward(self, dxs):
        """Accumulate the gradient of each used row (see
        :func:`~minirnn.functional.embedding_backward`).

        Parameters
        ----------
        dxs : ndarray, shape (N, T, D)

        Returns
        -------
        None
            Token ids have no gradient; ``grads["W"]`` is filled.
        """
        cache = self._need_cache("Embedding.backward")
        ids = cache[0]
        dxs = check_float_array(dxs, "dxs", ("N", "T", "D"),
                                {"N": ids.shape[0], "T": ids.shape[1], "D": self.dim},
                                "Embedding.backward", self.dtype)
        self._set_grads(W=embedding_backward(dxs, cache))
        return None


class Linear(Layer):
    """An affine map applied at every position: ``y = x @ W.T + b``.

    Applied to hidden states it is the output layer s_t = W_y h_t + b_y.

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
        """Apply the map to the last axis (see :func:`~minirnn.functional.linear_forward`).

        Parameters
        ----------
        x : ndarray, shape (N, T, in) or (N, in)
            For example hs of shape (N, T, H) or a last state of shape (N, H).

        Returns
        -------
        y : ndarray, shape (N, T, out) or (N, out)
        """
        x = check_float_array(x, "x", linear_axes(x, "in", "x", "Linear.forward"),
                              {"in": self.in_features}, "Linear.forward", self.dtype)
        y, self._cache = linear_forward(x, self.params["W"], self.params["b"])
        return y

    def backward(self, dy):
        """Gradients of the affine map (see :func:`~minirnn.functional.linear_backward`).

        Parameters
        ----------
        dy : ndarray, shape (N, T, out) or (N, out)

        Returns
        -------
        dx : ndarray, shape (N, T, in) or (N, in)
        """
        cache = self._need_cache("Linear.backward")
        x = cache[0]
        sizes = dict(zip(("N", "T"), x.shape[:-1], strict=False))
        dy = check_float_array(dy, "dy", linear_axes(x, "out", "dy", "Linear.backward"),
                               {**sizes, "out": self.out_features}, "Linear.backward", self.dtype)
        dx, dW, db = linear_backward(dy, cache)
        self._set_grads(W=dW, b=db)
        return dx
