"""minirnn: recurrent neural networks from first principles, in numpy.

The package is part of the course: each module holds the equations of one
chapter. float64 is the default everywhere so that gradient checks are exact
to about 1e-8.
"""

from .functional import rnn_step_backward, rnn_step_forward
from .gradcheck import gradient_check, numerical_gradient, relative_error
from .layers import RNN, Embedding, Layer, Linear
from .lm import RNNLM
from .losses import log_softmax, softmax, softmax_cross_entropy
from .lstm import LSTM, lstm_step_backward, lstm_step_forward
from .optim import SGD, Adam, clip_grad_norm, grad_norm
from .text import Vocabulary, tokenize
from .train import batches, evaluate, train_lm
from .wrappers import BidirectionalRNN, StackedRNN

__version__ = "0.1.0"

__all__ = [
    "RNN",
    "RNNLM",
    "SGD",
    "StackedRNN",
    "Adam",
    "BidirectionalRNN",
    "Embedding",
    "LSTM",
    "Layer",
    "Linear",
    "Vocabulary",
    "batches",
    "clip_grad_norm",
    "evaluate",
    "grad_norm",
    "gradient_check",
    "log_softmax",
    "lstm_step_backward",
    "lstm_step_forward",
    "numerical_gradient",
    "relative_error",
    "rnn_step_backward",
    "rnn_step_forward",
    "softmax",
    "softmax_cross_entropy",
    "tokenize",
    "train_lm",
]
