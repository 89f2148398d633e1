"""What every model of minirnn shares.

A model is a few layers wired together. :class:`Model` gives it

- ``params`` and ``grads``: the layers' dicts merged under prefixed keys
  (``"rnn.Wx"``, ``"out.W"``, ...) holding the layers' OWN arrays, so an
  optimizer that updates ``params`` in place trains the layers;
- :meth:`Model.inference`: a context in which prediction and generation run
  without disturbing training. A ``loss`` call leaves caches for ``backward``
  in every layer (and a carried state in a stateful one); a ``predict`` between
  ``loss`` and ``backward`` would overwrite them and ``backward`` would return
  the gradient of the wrong computation, silently. Inside ``inference()`` the
  model and all its layers are put back exactly as they were, and layers that
  behave differently in training (dropout) run in eval mode;
- :meth:`Model.train` / :meth:`Model.eval`: training mode (the default: dropout
  drops) or eval mode (dropout is the identity), as in PyTorch.
"""

from __future__ import annotations

import contextlib

import numpy as np

from .._checks import check_float_array, check_positive_int, check_token_ids
from ..layers import Layer, merge_params
from ..recurrent import recurrent_layer
from ..wrappers import BidirectionalRNN, StackedRNN


class Model:
    """Base class of the models: layers, prefixed ``params``/``grads``, safe inference."""

    layers: dict
    params: dict
    grads: dict
    #: True in training mode (dropout drops), False in eval mode; see :meth:`train`.
    training: bool = True

    def _register(self, **layers) -> None:
        """Keep the named layers (None is skipped) and merge their params/grads."""
        self.layers = {name: layer for name, layer in layers.items() if layer is not None}
        self.params, self.grads = merge_params(self.layers)

    @property
    def num_params(self) -> int:
        """Total number of scalar parameters."""
        return sum(p.size for p in self.params.values())

    def zero_grad(self) -> None:
        """Set every gradient to zero (in place)."""
        for g in self.grads.values():
            g.fill(0.0)

    def train(self, mode: bool = True):
        """Switch training mode on (``mode=True``) or off, for the model and every layer.

        Only layers with a ``training`` flag (:class:`~minirnn.dropout.Dropout`)
        behave differently: they drop units in training mode and pass their
        input through in eval mode. Returns the model, as PyTorch's ``train`` does.
        """
        mode = bool(mode)
        self.training = mode
        for layer in _all_layers(self):
            if hasattr(layer, "training"):
                layer.training = mode
        return self

    def eval(self):
        """Eval mode: ``train(False)`` (dropout off). Returns the model."""
        return self.train(False)

    @contextlib.contextmanager
    def inference(self):
        """Run forward passes that leave the model exactly as it was, in eval mode.

        Saves the attributes of the model and of every layer inside it (caches,
        carried states, pending loss gradients, the training flag) and restores
        them afterwards; inside, dropout is off (:meth:`eval`). Weights are not
        copied: inference does not change them.
        """
        saved = [(obj, dict(vars(obj))) for obj in [self, *_all_layers(self)]]
        try:
            self.eval()
            yield self
        finally:
            for obj, attributes in saved:
                vars(obj).clear()
                vars(obj).update(attributes)

    def _need_loss(self, where: str):
        """The loss gradient kept by ``loss``, or a clear error if there is none."""
        if getattr(self, "_dloss", None) is None:
            raise ValueError(f"{where} called without a loss: call model.loss(x, y) first, "
                             "then model.backward()")
        return self._dloss


def _all_layers(obj) -> list:
    """Every Layer reachable from ``obj``'s attributes (layers inside layers included)."""
    found, stack = [], [obj]
    while stack:
        for value in vars(stack.pop()).values():
            if isinstance(value, dict):
                items = list(value.values())
            elif isinstance(value, (list, tuple)):
                items = value
            else:
                items = [value]
            for item in items:
                if isinstance(item, Layer) and all(item is not f for f in found):
                    found.append(item)
                    stack.append(item)
    return found


def make_recurrent(cell: str, D: int, H: int, num_layers: int, bidirectional: bool, rng,
                   where: str):
    """The recurrent part of a model: one layer, a stack of them, or a bidirectional pair."""
    num_layers = check_positive_int(num_layers, "num_layers", where)
    if bidirectional and num_layers > 1:
        raise ValueError(f"{where}: bidirectional=True supports num_layers=1 only, "
                         f"got num_layers={num_layers}")
    if bidirectional:
        return BidirectionalRNN(D, H, seed=rng, cell=cell)
    if num_layers > 1:
        return StackedRNN(D, H, num_layers, seed=rng, cell=cell)
    return recurrent_layer(cell, D, H, seed=rng)


def tokens_or_vectors(model, x, where: str):
    """A model's input as vectors (N, T, D): embedded token ids if it has an embedding,
    else checked float inputs."""
    if model.embed is not None:
        return model.embed.forward(check_token_ids(x, "x", model.embed.vocab_size,
                                                   ("N", "T"), where))
    return check_float_array(x, "x", ("N", "T", "D"), {"D": model.input_size}, where)


def shift_right(y, start: int):
    """Teacher-forcing inputs ``[start, y_0, ..., y_{T-2}]`` for targets y (N, T)."""
    out = np.empty_like(y)
    out[:, 0] = start
    out[:, 1:] = y[:, :-1]
    return out
