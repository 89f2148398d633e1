"""Copy weights between minirnn and PyTorch, in both directions (optional extra).

minirnn's layers use PyTorch's layout on purpose (weights are (out, in), the
LSTM's gate blocks are stacked in the order i, f, g, o, the GRU's in the order
r, z, n), so moving a model across is a copy, not a conversion:

=================================  ==========================================
minirnn                            PyTorch
=================================  ==========================================
``RNN.params["Wx"]`` (H, D)        ``nn.RNN.weight_ih_l0``
``RNN.params["Wh"]`` (H, H)        ``nn.RNN.weight_hh_l0``
``RNN.params["b"]`` (H,)           ``bias_ih_l0 + bias_hh_l0`` (see below)
``LSTM`` (4H, D), (4H, H)          ``nn.LSTM``, the same names
``GRU.params["Wx"]``, ``["Wh"]``   ``nn.GRU.weight_ih_l0``, ``weight_hh_l0``
``GRU.params["bx"]``, ``["bh"]``   ``bias_ih_l0``, ``bias_hh_l0`` (both kept)
``RNNLM`` embed / rnn / out        :class:`TorchRNNLM` embed / rnn / out
``Dropout``                        ``nn.Dropout`` (a new mask at every step),
                                   :class:`LockedDropout` (``variational=True``)
``tie_weights=True``               ``out.weight`` is ``embed.weight``
=================================  ==========================================

An ``RNNLM`` with ``cell="lstm"`` or ``"gru"``, ``dropout``, ``variational`` or
``tie_weights`` goes across with those options: :class:`TorchRNNLM` takes the
same ones. Dropout masks are random and drawn by each library from its own
generator, so the two agree exactly in eval mode (``model.eval()`` /
``module.eval()``), where dropout is off.

**The two biases.** PyTorch adds two bias vectors, ``b_ih`` and ``b_hh``, at
every step; only their sum matters, and minirnn keeps that sum as one ``b``.
Going to PyTorch, ``b`` is put into ``bias_ih_l0`` and ``bias_hh_l0`` is set
to zero; coming back, ``b = bias_ih_l0 + bias_hh_l0``. A round trip therefore
gives the same model (the same outputs and gradients with respect to every
input), but not bit-identical torch parameters when ``bias_hh_l0`` was not
zero. Note that PyTorch's gradients of ``bias_ih_l0`` and ``bias_hh_l0`` are
each equal to minirnn's ``grads["b"]``, so an optimizer moves both and their
sum twice as far as minirnn moves ``b``: pass ``single_bias=True`` to freeze
``bias_hh_l0`` at zero when training must follow minirnn's exactly.

The GRU is the exception: its candidate is ``tanh(W_in x + b_in + r * (W_hn h +
b_hn))``, so ``b_hn`` is scaled by the reset gate and cannot be merged with
``b_in``. minirnn's ``GRU`` keeps both vectors, ``bx`` and ``bh``, and they are
copied one to one in both directions.

Created torch modules use ``batch_first=True``, as minirnn's arrays are
(N, T, ...), and the dtype of the minirnn layer (float64 by default; torch's
default is float32). Copying into an existing module or layer converts the
values to the destination's dtype and device.

This module needs PyTorch, which minirnn does not install (in Colab it is already
there); the rest of minirnn never imports it.
"""

from __future__ import annotations

import numpy as np

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "minirnn.torch_bridge needs PyTorch, which minirnn does not install. Install the "
        "CPU build with `pip install torch --index-url https://download.pytorch.org/whl/cpu` "
        "(a plain `pip install torch` on Linux downloads a CUDA build of several GB); "
        "the rest of minirnn works without it."
    ) from exc

from .gru import GRU
from .layers import RNN
from .lstm import LSTM
from .models.lm import RNNLM

__all__ = [
    "RNNLM_TORCH_NAMES",
    "LockedDropout",
    "TorchRNNLM",
    "from_torch",
    "gru_from_torch",
    "gru_to_torch",
    "lstm_from_torch",
    "lstm_to_torch",
    "rnn_from_torch",
    "rnn_to_torch",
    "rnnlm_from_torch",
    "rnnlm_grads_from_torch",
    "rnnlm_to_torch",
    "to_torch",
]

#: minirnn's RNNLM parameter names and the TorchRNNLM parameters they correspond to
#: (``rnn.b`` is ``rnn.bias_ih_l0 + rnn.bias_hh_l0``; its gradient equals each one's).
#: With tied weights there is no ``out.W``: ``out.weight`` is ``embed.weight``; a GRU
#: has ``rnn.bx`` and ``rnn.bh`` (``bias_ih_l0``, ``bias_hh_l0``) in place of ``rnn.b``.
RNNLM_TORCH_NAMES = {
    "embed.W": "embed.weight",
    "rnn.Wx": "rnn.weight_ih_l0",
    "rnn.Wh": "rnn.weight_hh_l0",
    "rnn.b": "rnn.bias_ih_l0",
    "out.W": "out.weight",
    "out.b": "out.bias",
}

_TORCH_DTYPES = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}
_NUMPY_DTYPES = {v: k for k, v in _TORCH_DTYPES.items()}
#: The torch module of each minirnn cell.
_TORCH_CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class LockedDropout(nn.Module):
    """Dropout with one mask per sequence, reused at every step (minirnn's ``variational=True``).

    Input (N, T, D); in training mode the mask has shape (N, 1, D), entries 0
    with probability p and ``1 / (1 - p)`` otherwise; in eval mode the identity.
    """

    def __init__(self, p: float):
        super().__init__()
        self.p = float(p)

    def forward(self, xs):
        if not self.training or self.p == 0.0:
            return xs
        keep = torch.empty((xs.shape[0], 1, xs.shape[2]), dtype=xs.dtype, device=xs.device)
        return xs * keep.bernoulli_(1.0 - self.p) / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class TorchRNNLM(nn.Module):
    """The PyTorch twin of :class:`minirnn.models.lm.RNNLM`: Embedding -> RNN/LSTM -> Linear.

    Parameters
    ----------
    vocab_size, embed_dim, hidden_size : int
        V, E and H, as for ``RNNLM``.
    dtype : torch.dtype
        ``torch.float64`` (default, as minirnn) or ``torch.float32``.
    cell : {"rnn", "lstm", "gru"}
        ``nn.RNN`` (tanh), ``nn.LSTM`` or ``nn.GRU``, as ``RNNLM(cell=...)``.
    dropout : float
        Drop probability on the embedded inputs and on the hidden states, as
        ``RNNLM(dropout=...)`` (0: no dropout modules).
    variational : bool
        :class:`LockedDropout` (one mask per sequence) instead of ``nn.Dropout``.
    tie_weights : bool
        ``out.weight`` is ``embed.weight`` (one parameter; needs E == H).

    Attributes
    ----------
    embed : nn.Embedding
        ``weight`` (V, E), minirnn's ``embed.W``.
    rnn : nn.RNN, nn.LSTM or nn.GRU
        One layer, ``batch_first=True``.
    out : nn.Linear
        ``weight`` (V, H) and ``bias`` (V,), minirnn's ``out.W`` and ``out.b``.
    drop_x, drop_h : nn.Module or None
        The dropout modules (None without dropout).
    """

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int,
                 dtype=torch.float64, cell: str = "rnn", dropout: float = 0.0,
                 variational: bool = False, tie_weights: bool = False):
        super().__init__()
        if cell not in _TORCH_CELLS:
            raise ValueError(f"TorchRNNLM: cell must be one of {sorted(_TORCH_CELLS)}, "
                             f"got {cell!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0.0 <= dropout < 1.0:
            raise ValueError(f"TorchRNNLM: dropout must be a number in [0, 1), got {dropout!r}")
        for name, value in (("vocab_size", vocab_size), ("embed_dim", embed_dim),
                            ("hidden_size", hidden_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"TorchRNNLM: {name} must be a positive int, got {value!r}")
        if dtype not in _NUMPY_DTYPES:
            raise TypeError(f"TorchRNNLM: dtype must be torch.float64 or torch.float32, "
                            f"got {dtype}")
        vocab_size, embed_dim, hidden_size = int(vocab_size), int(embed_dim), int(hidden_size)
        if tie_weights and embed_dim != hidden_size:
            raise ValueError(f"TorchRNNLM: tie_weights=True needs embed_dim == hidden_size, "
                             f"got {embed_dim} and {hidden_size}")
        self.vocab_size, self.embed_dim, self.hidden_size = vocab_size, embed_dim, hidden_size
        self.cell, self.dropout = cell, float(dropout)
        self.variational, self.tie_weights = bool(variational), bool(tie_weights)
        self.embed = nn.Embedding(vocab_size, embed_dim, dtype=dtype)
        self.rnn = _TORCH_CELLS[cell](embed_dim, hidden_size, batch_first=True, dtype=dtype)
        self.out = nn.Linear(hidden_size, vocab_size, dtype=dtype)
        if tie_weights:
            self.out.weight = self.embed.weight            # one parameter, used twice
        drop = LockedDropout if variational else nn.Dropout
        self.drop_x = drop(self.dropout) if self.dropout > 0 else None
        self.drop_h = drop(self.dropout) if self.dropout > 0 else None

    def forward(self, ids, h0=None):
        """Scores for the next word at every position.

        Parameters
        ----------
        ids : LongTensor, shape (N, T)
        h0 : Tensor, shape (1, N, H), optional
            Initial hidden state (PyTorch's convention: a leading layer axis);
            for an LSTM the pair ``(h0, c0)``.

        Returns
        -------
        logits : Tensor, shape (N, T, V)
        state : Tensor, shape (1, N, H), or a pair of them for an LSTM
            The last state, to carry to the next window.
        """
        xs = self.embed(ids)
        if self.drop_x is not None:
            xs = self.drop_x(xs)
        hs, state = self.rnn(xs, h0)
        if self.drop_h is not None:
            hs = self.drop_h(hs)
        return self.out(hs), state


# ----------------------------------------------------------------- helpers
def _torch_dtype(np_dtype, where: str):
    try:
        return _TORCH_DTYPES[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(f"{where}: dtype must be float64 or float32, got {np_dtype}") from None


def _to_tensor_(param, array: np.ndarray, name: str, where: str) -> None:
    """Copy a numpy array into a torch parameter in place (dtype/device of the parameter)."""
    if tuple(param.shape) != array.shape:
        raise ValueError(f"{where}: {name} must have shape {tuple(param.shape)}, "
                         f"got {array.shape}")
    with torch.no_grad():
        param.copy_(torch.from_numpy(np.ascontiguousarray(array)))


def _to_array_(array: np.ndarray, tensor, name: str, where: str) -> None:
    """Copy a torch tensor into a numpy array in place (dtype of the array)."""
    value = tensor.detach().to("cpu").numpy()
    if value.shape != array.shape:
        raise ValueError(f"{where}: {name} must have shape {array.shape}, got {value.shape}")
    array[...] = value


def _check_recurrent(module, cls, where: str) -> None:
    """A single-layer, unidirectional, biased recurrent module of type ``cls``."""
    if not isinstance(module, cls):
        raise TypeError(f"{where}: expected a torch.nn.{cls.__name__}, "
                        f"got {type(module).__name__}")
    problems = []
    if module.num_layers != 1:
        problems.append(f"num_layers={module.num_layers} (need 1: stack minirnn layers instead)")
    if module.bidirectional:
        problems.append("bidirectional=True (need False)")
    if not module.bias:
        problems.append("bias=False (need True)")
    if getattr(module, "proj_size", 0):
        problems.append(f"proj_size={module.proj_size} (need 0)")
    if cls is nn.RNN and module.nonlinearity != "tanh":
        problems.append(f"nonlinearity={module.nonlinearity!r} (need 'tanh')")
    if problems:
        raise ValueError(f"{where}: this {cls.__name__} has no minirnn equivalent: "
                         + "; ".join(problems))


def _check_sizes(module, layer, where: str) -> None:
    if (module.input_size, module.hidden_size) != (layer.input_size, layer.hidden_size):
        raise ValueError(f"{where}: sizes differ: the torch module has input_size="
                         f"{module.input_size}, hidden_size={module.hidden_size}; the minirnn "
                         f"layer has input_size={layer.input_size}, "
                         f"hidden_size={layer.hidden_size}")


def _recurrent_to_torch(layer, module, cls, where: str, single_bias: bool = False):
    if module is None:
        module = cls(layer.input_size, layer.hidden_size, batch_first=True,
                     dtype=_torch_dtype(layer.dtype, where))
    else:
        _check_recurrent(module, cls, where)
        _check_sizes(module, layer, where)
    _to_tensor_(module.weight_ih_l0, layer.params["Wx"], "Wx (weight_ih_l0)", where)
    _to_tensor_(module.weight_hh_l0, layer.params["Wh"], "Wh (weight_hh_l0)", where)
    _to_tensor_(module.bias_ih_l0, layer.params["b"], "b (bias_ih_l0)", where)
    with torch.no_grad():
        module.bias_hh_l0.zero_()        # the whole bias lives in bias_ih_l0
    if single_bias:
        module.bias_hh_l0.requires_grad_(False)   # optimizers then train one bias, as minirnn
    return module


def _recurrent_from_torch(module, layer, cls, layer_cls, where: str):
    _check_recurrent(module, cls, where)
    if layer is None:
        dtype = _NUMPY_DTYPES.get(module.weight_ih_l0.dtype)
        if dtype is None:
            raise TypeError(f"{where}: the module's dtype must be float64 or float32, "
                            f"got {module.weight_ih_l0.dtype}")
        layer = layer_cls(module.input_size, module.hidden_size, seed=0, dtype=dtype)
    elif not isinstance(layer, layer_cls):
        raise TypeError(f"{where}: expected a minirnn {layer_cls.__name__} to copy into, "
                        f"got {type(layer).__name__}")
    else:
        _check_sizes(module, layer, where)
    _to_array_(layer.params["Wx"], module.weight_ih_l0, "weight_ih_l0 (Wx)", where)
    _to_array_(layer.params["Wh"], module.weight_hh_l0, "weight_hh_l0 (Wh)", where)
    _to_array_(layer.params["b"], module.bias_ih_l0 + module.bias_hh_l0,
               "bias_ih_l0 + bias_hh_l0 (b)", where)
    return layer


# ------------------------------------------------------------- RNN and LSTM
def rnn_to_torch(rnn: RNN, module=None, single_bias: bool = False):
    """Copy a minirnn :class:`~minirnn.layers.RNN` into a ``torch.nn.RNN``.

    Parameters
    ----------
    rnn : minirnn.layers.RNN
    module : torch.nn.RNN, optional
        Copy into this module (one layer, tanh, unidirectional, with biases,
        the same sizes). Default: a new ``nn.RNN(D, H, batch_first=True)`` in
        the layer's dtype.
    single_bias : bool
        Also freeze ``bias_hh_l0`` at zero (``requires_grad=False``). The
        forward pass and the gradients are the same either way, but an
        optimizer moves *both* torch biases by a step each, so their sum, the
        bias that matters, moves twice as far as minirnn's single ``b``. With
        ``single_bias=True`` training follows minirnn's trajectory exactly.
        (``False`` does not unfreeze a ``bias_hh_l0`` that ``module`` already froze.)

    Returns
    -------
    torch.nn.RNN
        ``weight_ih_l0 = Wx``, ``weight_hh_l0 = Wh``, ``bias_ih_l0 = b`` and
        ``bias_hh_l0 = 0``.
    """
    if not isinstance(rnn, RNN):
        raise TypeError(f"rnn_to_torch: expected a minirnn RNN, got {type(rnn).__name__}")
    return _recurrent_to_torch(rnn, module, nn.RNN, "rnn_to_torch", single_bias)


def rnn_from_torch(module, rnn: RNN | None = None) -> RNN:
    """Copy a ``torch.nn.RNN`` (one layer, tanh, unidirectional) into a minirnn RNN.

    Parameters
    ----------
    module : torch.nn.RNN
    rnn : minirnn.layers.RNN, optional
        Copy into this layer, in place (an optimizer holding its arrays sees
        the new values). Default: a new ``RNN`` in the module's dtype.

    Returns
    -------
    minirnn.layers.RNN
        With ``b = bias_ih_l0 + bias_hh_l0``.
    """
    return _recurrent_from_torch(module, rnn, nn.RNN, RNN, "rnn_from_torch")


def lstm_to_torch(lstm: LSTM, module=None, single_bias: bool = False):
    """Copy a minirnn :class:`~minirnn.lstm.LSTM` into a ``torch.nn.LSTM``.

    The gate blocks (i, f, g, o) are stacked in the same order in both, so the
    weights are copied as they are; ``b`` goes into ``bias_ih_l0`` and
    ``bias_hh_l0`` is set to zero.

    Parameters
    ----------
    lstm : minirnn.lstm.LSTM
    module : torch.nn.LSTM, optional
        Copy into this module (one layer, unidirectional, with biases, no
        projection, the same sizes). Default: a new
        ``nn.LSTM(D, H, batch_first=True)`` in the layer's dtype.
    single_bias : bool
        Freeze ``bias_hh_l0`` at zero, as in :func:`rnn_to_torch`.

    Returns
    -------
    torch.nn.LSTM
    """
    if not isinstance(lstm, LSTM):
        raise TypeError(f"lstm_to_torch: expected a minirnn LSTM, got {type(lstm).__name__}")
    return _recurrent_to_torch(lstm, module, nn.LSTM, "lstm_to_torch", single_bias)


def lstm_from_torch(module, lstm: LSTM | None = None) -> LSTM:
    """Copy a ``torch.nn.LSTM`` (one layer, unidirectional) into a minirnn LSTM.

    Parameters
    ----------
    module : torch.nn.LSTM
    lstm : minirnn.lstm.LSTM, optional
        Copy into this layer, in place. Default: a new ``LSTM`` in the
        module's dtype.

    Returns
    -------
    minirnn.lstm.LSTM
        With ``b = bias_ih_l0 + bias_hh_l0``.
    """
    return _recurrent_from_torch(module, lstm, nn.LSTM, LSTM, "lstm_from_torch")


def gru_to_torch(gru: GRU, module=None):
    """Copy a minirnn :class:`~minirnn.gru.GRU` into a ``torch.nn.GRU``.

    The blocks (r, z, n) are stacked in the same order in both, and both
    biases are copied as they are: ``bx`` into ``bias_ih_l0``, ``bh`` into
    ``bias_hh_l0`` (the GRU's ``b_hn`` sits inside the reset product, so the
    two cannot be merged as for the RNN and the LSTM).

    Parameters
    ----------
    gru : minirnn.gru.GRU
    module : torch.nn.GRU, optional
        Copy into this module (one layer, unidirectional, with biases, the
        same sizes). Default: a new ``nn.GRU(D, H, batch_first=True)`` in the
        layer's dtype.

    Returns
    -------
    torch.nn.GRU
    """
    where = "gru_to_torch"
    if not isinstance(gru, GRU):
        raise TypeError(f"{where}: expected a minirnn GRU, got {type(gru).__name__}")
    if module is None:
        module = nn.GRU(gru.input_size, gru.hidden_size, batch_first=True,
                        dtype=_torch_dtype(gru.dtype, where))
    else:
        _check_recurrent(module, nn.GRU, where)
        _check_sizes(module, gru, where)
    p = gru.params
    _to_tensor_(module.weight_ih_l0, p["Wx"], "Wx (weight_ih_l0)", where)
    _to_tensor_(module.weight_hh_l0, p["Wh"], "Wh (weight_hh_l0)", where)
    _to_tensor_(module.bias_ih_l0, p["bx"], "bx (bias_ih_l0)", where)
    _to_tensor_(module.bias_hh_l0, p["bh"], "bh (bias_hh_l0)", where)
    return module


def gru_from_torch(module, gru: GRU | None = None) -> GRU:
    """Copy a ``torch.nn.GRU`` (one layer, unidirectional) into a minirnn GRU.

    Parameters
    ----------
    module : torch.nn.GRU
    gru : minirnn.gru.GRU, optional
        Copy into this layer, in place. Default: a new ``GRU`` in the
        module's dtype.

    Returns
    -------
    minirnn.gru.GRU
        With ``bx = bias_ih_l0`` and ``bh = bias_hh_l0``.
    """
    where = "gru_from_torch"
    _check_recurrent(module, nn.GRU, where)
    if gru is None:
        dtype = _NUMPY_DTYPES.get(module.weight_ih_l0.dtype)
        if dtype is None:
            raise TypeError(f"{where}: the module's dtype must be float64 or float32, "
                            f"got {module.weight_ih_l0.dtype}")
        gru = GRU(module.input_size, module.hidden_size, seed=0, dtype=dtype)
    elif not isinstance(gru, GRU):
        raise TypeError(f"{where}: expected a minirnn GRU to copy into, "
                        f"got {type(gru).__name__}")
    else:
        _check_sizes(module, gru, where)
    p = gru.params
    _to_array_(p["Wx"], module.weight_ih_l0, "weight_ih_l0 (Wx)", where)
    _to_array_(p["Wh"], module.weight_hh_l0, "weight_hh_l0 (Wh)", where)
    _to_array_(p["bx"], module.bias_ih_l0, "bias_ih_l0 (bx)", where)
    _to_array_(p["bh"], module.bias_hh_l0, "bias_hh_l0 (bh)", where)
    return gru


# -------------------------------------------------------------- the RNNLM
def _check_lm_sizes(module, model, where: str) -> None:
    ours = (model.vocab_size, model.embed_dim, model.hidden_size)
    theirs = (module.embed.num_embeddings, module.embed.embedding_dim, module.rnn.hidden_size)
    if ours != theirs or module.rnn.input_size != module.embed.embedding_dim \
            or module.out.in_features != module.rnn.hidden_size \
            or module.out.out_features != module.embed.num_embeddings:
        raise ValueError(f"{where}: sizes differ: the minirnn model has (V, E, H) = {ours}; the "
                         f"torch module has embed {tuple(module.embed.weight.shape)}, rnn "
                         f"({module.rnn.input_size} -> {module.rnn.hidden_size}), out "
                         f"({module.out.in_features} -> {module.out.out_features})")


def _check_torch_lm(module, where: str) -> None:
    if not isinstance(module, TorchRNNLM):
        raise TypeError(f"{where}: expected a minirnn.torch_bridge.TorchRNNLM, "
                        f"got {type(module).__name__}")
    _check_recurrent(module.rnn, _TORCH_CELLS[module.cell], where)
    if module.out.bias is None:
        raise ValueError(f"{where}: the torch module's output layer has no bias; "
                         "minirnn's Linear always has one")


def rnnlm_to_torch(model: RNNLM, module: TorchRNNLM | None = None,
                   single_bias: bool = False) -> TorchRNNLM:
    """Copy a minirnn :class:`~minirnn.models.lm.RNNLM` into a :class:`TorchRNNLM`.

    Parameters
    ----------
    model : minirnn.models.lm.RNNLM
    module : TorchRNNLM, optional
        Copy into this module (the same V, E, H). Default: a new one in the
        model's dtype.
    single_bias : bool
        Freeze the recurrent layer's ``bias_hh_l0`` at zero, as in
        :func:`rnn_to_torch`, so that training in PyTorch follows minirnn's
        trajectory exactly.

    Returns
    -------
    TorchRNNLM
        With the model's cell, dropout, variational and tie_weights options:
        ``embed.weight = embed.W``, the RNN (or LSTM) as in :func:`rnn_to_torch`,
        ``out.weight = out.W`` (the same parameter as ``embed.weight`` when
        tied), ``out.bias = out.b``.
    """
    where = "rnnlm_to_torch"
    if not isinstance(model, RNNLM):
        raise TypeError(f"{where}: expected a minirnn RNNLM, got {type(model).__name__}")
    if single_bias and model.cell == "gru":
        raise ValueError(f"{where}: single_bias=True does not apply to a GRU: it has two "
                         "biases that cannot be merged, and both are copied as they are")
    if module is None:
        module = TorchRNNLM(model.vocab_size, model.embed_dim, model.hidden_size,
                            dtype=_torch_dtype(model.dtype, where), **_options(model))
    else:
        _check_torch_lm(module, where)
        _check_lm_sizes(module, model, where)
        _check_lm_options(module, model, where)
    _to_tensor_(module.embed.weight, model.embed.params["W"], "embed.W", where)
    if model.cell == "gru":
        gru_to_torch(model.rnn, module.rnn)          # both biases, as they are
    else:
        _recurrent_to_torch(model.rnn, module.rnn, _TORCH_CELLS[model.cell], where, single_bias)
    if not model.tie_weights:
        _to_tensor_(module.out.weight, model.out.params["W"], "out.W", where)
    _to_tensor_(module.out.bias, model.out.params["b"], "out.b", where)
    return module


def _options(obj) -> dict:
    """The options an RNNLM and a TorchRNNLM share, read from either."""
    return {k: getattr(obj, k) for k in ("cell", "dropout", "variational", "tie_weights")}


def _check_lm_options(module, model, where: str) -> None:
    ours, theirs = _options(model), _options(module)
    if ours != theirs:
        raise ValueError(f"{where}: options differ: the minirnn model has {ours}, the torch "
                         f"module {theirs}")


def rnnlm_from_torch(module: TorchRNNLM, model: RNNLM | None = None, vocab=None) -> RNNLM:
    """Copy a :class:`TorchRNNLM` into a minirnn :class:`~minirnn.models.lm.RNNLM`.

    Parameters
    ----------
    module : TorchRNNLM
    model : minirnn.models.lm.RNNLM, optional
        Copy into this model, in place (keeps its vocabulary). Default: a new
        ``RNNLM`` in the module's dtype.
    vocab : minirnn.text.Vocabulary, optional
        The vocabulary of a new model (ignored when ``model`` is given).

    Returns
    -------
    minirnn.models.lm.RNNLM
    """
    where = "rnnlm_from_torch"
    _check_torch_lm(module, where)
    if model is None:
        dtype = _NUMPY_DTYPES.get(module.embed.weight.dtype)
        if dtype is None:
            raise TypeError(f"{where}: the module's dtype must be float64 or float32, "
                            f"got {module.embed.weight.dtype}")
        model = RNNLM(module.embed.num_embeddings, module.embed.embedding_dim,
                      module.rnn.hidden_size, seed=0, vocab=vocab, dtype=dtype,
                      **_options(module))
    elif not isinstance(model, RNNLM):
        raise TypeError(f"{where}: expected a minirnn RNNLM to copy into, "
                        f"got {type(model).__name__}")
    _check_lm_sizes(module, model, where)
    _check_lm_options(module, model, where)
    _to_array_(model.embed.params["W"], module.embed.weight, "embed.weight", where)
    if module.cell == "gru":
        gru_from_torch(module.rnn, model.rnn)
    else:
        _recurrent_from_torch(module.rnn, model.rnn, _TORCH_CELLS[module.cell],
                              {"rnn": RNN, "lstm": LSTM}[module.cell], where)
    if not model.tie_weights:
        _to_array_(model.out.params["W"], module.out.weight, "out.weight", where)
    _to_array_(model.out.params["b"], module.out.bias, "out.bias", where)
    return model


def rnnlm_grads_from_torch(module: TorchRNNLM) -> dict:
    """The gradients PyTorch's autograd left in a :class:`TorchRNNLM`, under minirnn's names.

    Parameters
    ----------
    module : TorchRNNLM
        After ``loss.backward()``.

    Returns
    -------
    dict of ndarray
        Keys as ``RNNLM.grads`` (``"embed.W"``, ..., ``"out.b"``; no ``"out.W"``
        when the weights are tied: autograd sums the two uses of the shared
        parameter, as minirnn does), float arrays of the same shapes,
        comparable with a minirnn model's ``grads``.
    """
    where = "rnnlm_grads_from_torch"
    _check_torch_lm(module, where)
    grads = {}
    names = dict(RNNLM_TORCH_NAMES)
    if module.cell == "gru":                      # two biases, each its own parameter
        del names["rnn.b"]
        names.update({"rnn.bx": "rnn.bias_ih_l0", "rnn.bh": "rnn.bias_hh_l0"})
    if module.tie_weights:
        del names["out.W"]                        # out.weight is embed.weight
    for ours, theirs in names.items():
        g = module.get_parameter(theirs).grad
        if g is None:
            raise ValueError(f"{where}: {theirs} has no gradient: call loss.backward() first")
        grads[ours] = g.detach().to("cpu").numpy().copy()
    return grads


# ------------------------------------------------------------- dispatchers
def to_torch(obj, module=None, single_bias: bool = False):
    """Copy a minirnn ``RNN``, ``LSTM``, ``GRU`` or ``RNNLM`` into its PyTorch twin.

    Calls :func:`rnn_to_torch`, :func:`lstm_to_torch`, :func:`gru_to_torch` or
    :func:`rnnlm_to_torch`. ``single_bias`` does not apply to a GRU, which keeps
    both of its biases.
    """
    if isinstance(obj, GRU):
        if single_bias:
            raise ValueError("to_torch: single_bias=True does not apply to a GRU: it has two "
                             "bias vectors of its own (bx, bh), copied one to one")
        return gru_to_torch(obj, module)
    for cls, fn in ((RNN, rnn_to_torch), (LSTM, lstm_to_torch), (RNNLM, rnnlm_to_torch)):
        if isinstance(obj, cls):
            return fn(obj, module, single_bias)
    raise TypeError("to_torch: expected a minirnn RNN, LSTM, GRU or RNNLM, "
                    f"got {type(obj).__name__}")


def from_torch(module, obj=None):
    """Copy a ``torch.nn.RNN``, ``nn.LSTM``, ``nn.GRU`` or :class:`TorchRNNLM` into minirnn.

    Calls :func:`rnn_from_torch`, :func:`lstm_from_torch`, :func:`gru_from_torch`
    or :func:`rnnlm_from_torch`.
    """
    for cls, fn in ((nn.RNN, rnn_from_torch), (nn.LSTM, lstm_from_torch),
                    (nn.GRU, gru_from_torch), (TorchRNNLM, rnnlm_from_torch)):
        if isinstance(module, cls):
            return fn(module, obj)
    raise TypeError("from_torch: expected a torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU or "
                    f"TorchRNNLM, got {type(module).__name__}")
