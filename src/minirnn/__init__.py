"""minirnn: recurrent neural networks from first principles, in numpy.

The package is part of the course: each module holds the equations of one
chapter. float64 is the default everywhere so that gradient checks are exact
to about 1e-8.
"""

from ._threads import get_blas_threads, set_blas_threads
from .attention import (
    Attention,
    additive_scores_backward,
    additive_scores_forward,
    context_backward,
    context_forward,
    dot_scores_backward,
    dot_scores_forward,
    masked_softmax_backward,
    masked_softmax_forward,
)
from .batching import batches
from .decoding import beam_search, greedy_decode
from .dropout import Dropout
from .functional import (
    embedding_backward,
    embedding_forward,
    linear_backward,
    linear_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)
from .gradcheck import gradient_check, numerical_gradient, relative_error
from .gru import GRU, gru_backward, gru_forward, gru_step_backward, gru_step_forward
from .layers import RNN, Embedding, Layer, Linear
from .losses import log_softmax, mse_loss, softmax, softmax_cross_entropy
from .lstm import LSTM, lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from .models import (
    RNNLM,
    AttentionSeq2Seq,
    Seq2Seq,
    SequenceClassifier,
    SequenceGenerator,
    SequenceRegressor,
    SequenceTagger,
)
from .optim import SGD, Adam, clip_grad_norm, grad_norm
from .text import Vocabulary, tokenize
from .train import TrainingDiverged, evaluate, fit, train, train_lm, train_step
from .wrappers import BidirectionalRNN, StackedRNN

__version__ = "0.1.0"

__all__ = [
    "GRU", "LSTM", "RNN", "RNNLM", "SGD", "Adam", "Attention", "AttentionSeq2Seq",
    "BidirectionalRNN", "Dropout", "Embedding", "Layer", "Linear",
    "Seq2Seq", "SequenceClassifier", "SequenceGenerator", "SequenceRegressor", "SequenceTagger",
    "StackedRNN", "TrainingDiverged", "Vocabulary", "batches", "clip_grad_norm",
    "embedding_backward", "embedding_forward", "evaluate", "fit", "get_blas_threads", "grad_norm",
    "gru_backward", "gru_forward", "gru_step_backward", "gru_step_forward",
    "gradient_check", "linear_backward", "linear_forward", "log_softmax", "lstm_backward",
    "lstm_forward", "lstm_step_backward", "lstm_step_forward", "mse_loss", "numerical_gradient",
    "relative_error", "rnn_backward", "rnn_forward", "rnn_step_backward", "rnn_step_forward",
    "set_blas_threads", "softmax", "softmax_cross_entropy", "tokenize", "train", "train_lm",
    "train_step",
    # chapter 8: attention, masks, beam search
    "additive_scores_backward", "additive_scores_forward", "beam_search", "context_backward",
    "context_forward", "dot_scores_backward", "dot_scores_forward", "greedy_decode",
    "masked_softmax_backward", "masked_softmax_forward",
]
