"""The models of the course, one file each: a language model and the four input/output
patterns of sequence problems (many-to-one, aligned many-to-many, one-to-many,
encoder-decoder, and the encoder-decoder with attention), all built on
:class:`~minirnn.models.base.Model`."""

from .attention_seq2seq import AttentionSeq2Seq
from .base import Model
from .classifier import SequenceClassifier, last_step, last_step_backward
from .generator import SequenceGenerator
from .lm import RNNLM
from .regressor import SequenceRegressor
from .seq2seq import Seq2Seq
from .tagger import SequenceTagger

__all__ = ["RNNLM", "AttentionSeq2Seq", "Model", "Seq2Seq", "SequenceClassifier",
           "SequenceGenerator", "SequenceRegressor", "SequenceTagger", "last_step",
           "last_step_backward"]
