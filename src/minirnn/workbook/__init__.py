"""Build it yourself: check a function you wrote, and be told what is wrong with it.

::

    from minirnn import workbook

    def rnn_step_backward(dh_next, cache):
        ...                                     # your code

    result = workbook.check("rnn_step_backward", rnn_step_backward)
    result.passed                               # True or False
    print(result)                               # the report

:func:`check` runs your function on several shapes (the general case, N=1,
T=1, D != H, weight matrices that are not square), compares every output with
minirnn's reference function of the same name, and names each wrong output
with its likely cause in one line: a wrong shape (expected against got), the
transpose of the right answer, a missing sum over the batch, a missing
activation derivative (tanh' or sigmoid'), a constant factor, the wrong sign,
a value from the wrong time step, an input changed in place, float32, LSTM
gates in the wrong order, or one of the typical mistakes of that function. An
exception inside your function is reported with the line of *your* code that
raised it, never raised again; a stub that raises ``NotImplementedError`` is
"not implemented yet". A backward function gets the cache of the *reference*
forward function, so its cache layout is the reference's; pass your own
forward function too (``check("rnn_step_backward", rnn_step_backward,
forward=rnn_step_forward)``) and your backward pass is also compared with
numerical derivatives of your forward pass.

The functions, each with the reference it is compared with (same signature,
same cache layout):

============================  ==================================================
name                          reference
============================  ==================================================
``rnn_step_forward``          :func:`minirnn.functional.rnn_step_forward`
``rnn_step_backward``         :func:`minirnn.functional.rnn_step_backward`
``rnn_forward``               :func:`minirnn.functional.rnn_forward`
``rnn_backward``              :func:`minirnn.functional.rnn_backward`
``linear_forward``            :func:`minirnn.functional.linear_forward`
``linear_backward``           :func:`minirnn.functional.linear_backward`
``embedding_forward``         :func:`minirnn.functional.embedding_forward`
``embedding_backward``        :func:`minirnn.functional.embedding_backward`
``softmax_cross_entropy``     :func:`minirnn.losses.softmax_cross_entropy`
``batches``                   :func:`minirnn.batching.batches`
``grad_norm``                 :func:`minirnn.optim.grad_norm`
``clip_grad_norm``            :func:`minirnn.optim.clip_grad_norm`
``lstm_step_forward``         :func:`minirnn.lstm.lstm_step_forward`
``lstm_step_backward``        :func:`minirnn.lstm.lstm_step_backward`
``gru_step_forward``          :func:`minirnn.gru.gru_step_forward`
``gru_step_backward``         :func:`minirnn.gru.gru_step_backward`
``dot_scores_forward``        :func:`minirnn.attention.dot_scores_forward`
``dot_scores_backward``       :func:`minirnn.attention.dot_scores_backward`
``additive_scores_forward``   :func:`minirnn.attention.additive_scores_forward`
``additive_scores_backward``  :func:`minirnn.attention.additive_scores_backward`
``masked_softmax_forward``    :func:`minirnn.attention.masked_softmax_forward`
``masked_softmax_backward``   :func:`minirnn.attention.masked_softmax_backward`
``context_forward``           :func:`minirnn.attention.context_forward`
``context_backward``          :func:`minirnn.attention.context_backward`
============================  ==================================================

The workbooks (``notebooks/workbook/``) ask for these functions chapter by
chapter. Adding a function is one spec: :func:`forward_spec` /
:func:`backward_spec` for a pure ``x_forward(...) -> (out, cache)`` /
``x_backward(dout, cache)`` pair (see :mod:`minirnn.workbook.lstm` for one
with gate blocks, :mod:`minirnn.workbook.gru` for one with two biases), passed to
:func:`register`; add it to the table above.
"""

from __future__ import annotations

# Each module registers its functions; imported in the order of the chapters.
# isort: off
from . import rnn, lm, clipping, lstm, gru, attention  # noqa: F401
# isort: on
from ._report import Problem, Result
from ._run import check
from ._spec import REGISTRY, Case, Mistake, Spec, backward_spec, forward_spec, register

# Documented (and linked) as minirnn.workbook.check etc., where readers import them from.
for _obj in (Case, Mistake, Problem, Result, Spec, backward_spec, check, forward_spec, register):
    _obj.__module__ = __name__
del _obj


def names() -> list[str]:
    """The names :func:`check` knows, in the order of the chapters."""
    return list(REGISTRY)


def reference(name: str):
    """minirnn's reference function for ``name`` (the one your function is compared with)."""
    from ._run import lookup

    return lookup(name).reference


__all__ = ["Case", "Mistake", "Problem", "Result", "Spec", "backward_spec", "check",
           "forward_spec", "names", "reference", "register"]
