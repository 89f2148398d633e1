"""Workbook checks of the vanilla RNN: one step and a whole sequence, forward and backward.

References: :func:`minirnn.functional.rnn_step_forward`,
:func:`~minirnn.functional.rnn_step_backward`, :func:`~minirnn.functional.rnn_forward`,
:func:`~minirnn.functional.rnn_backward`. Besides the general causes (shape,
transpose, sign, factor, in place, float32), these typical mistakes are
recognised:

- forward: the tanh missing or replaced by a sigmoid, the bias missing or added
  twice, ``h_prev @ Wh`` without the transpose, ``h_prev`` ignored, ``h0``
  ignored, the state not carried from step to step;
- one backward step: tanh' missing, taken at ``h_prev``, written ``1 - h`` or
  ``1 - tanh(h)**2``; ``dWh`` paired with ``h_next``; ``dh_prev`` without tanh'
  or sent back through ``Wh.T``;
- BPTT: ``dh_next`` not carried back or sent back through ``Wh.T``, tanh' taken
  one step early, ``dWh`` paired with ``h_t``, the loop running forward in time,
  ``dh0`` one step too late, a weight gradient holding one step's term only.
"""

from __future__ import annotations

import numpy as np

from ..functional import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from ..lstm import sigmoid
from ._spec import Mistake, backward_spec, forward_spec, register

STEP_INPUTS = {"x": ("N", "D"), "h_prev": ("N", "H"), "Wx": ("H", "D"), "Wh": ("H", "H"),
               "b": ("H",)}
SEQ_INPUTS = {"xs": ("N", "T", "D"), "h0": ("N", "H"), "Wx": ("H", "D"), "Wh": ("H", "H"),
              "b": ("H",)}


# ------------------------------------------------------------------------- one step
def _step(d, act=np.tanh, bias=True, Wh_T=True, recurrent=True):
    x, h_prev, Wx, Wh, b = d.inputs.values()
    a = x @ Wx.T + (b if bias else 0.0)
    if recurrent:
        a = a + h_prev @ (Wh.T if Wh_T else Wh)
    return {"h_next": act(a)}


register(forward_spec(
    "rnn_step_forward", rnn_step_forward, STEP_INPUTS, {"h_next": ("N", "H")},
    cache=("x", "h_prev", "Wx", "Wh", "h_next"),
    mistakes=[
        Mistake("the tanh is missing: h_next = np.tanh(a)",
                lambda d: _step(d, act=lambda a: a)),
        Mistake("a sigmoid where the RNN uses tanh", lambda d: _step(d, act=sigmoid)),
        Mistake("the bias b is not added", lambda d: _step(d, bias=False)),
        Mistake("h_prev @ Wh where h_prev @ Wh.T is needed (weights are (out, in), as "
                "in PyTorch)", lambda d: _step(d, Wh_T=False)),
        Mistake("h_prev is not used: a = x @ Wx.T + h_prev @ Wh.T + b",
                lambda d: _step(d, recurrent=False)),
    ]))


def _step_grads(d, deriv="h_next", dWh_with="h_prev", dh_prev_raw=False, Wh_T=False):
    x, h_prev, Wx, Wh, h_next = d.cache
    dh_next = d.upstream["dh_next"]
    slope = {"h_next": 1.0 - h_next ** 2, "none": 1.0, "h_prev": 1.0 - h_prev ** 2,
             "linear": 1.0 - h_next, "twice": 1.0 - np.tanh(h_next) ** 2}[deriv]
    da = dh_next * slope
    return {"dx": da @ Wx, "dh_prev": (dh_next if dh_prev_raw else da) @ (Wh.T if Wh_T else Wh),
            "dWx": da.T @ x, "dWh": da.T @ (h_next if dWh_with == "h_next" else h_prev),
            "db": da.sum(axis=0)}


register(backward_spec(
    "rnn_step_backward", rnn_step_backward, forward="rnn_step_forward",
    mistakes=[
        Mistake("the tanh derivative is missing: da = dh_next * (1 - h_next**2)",
                lambda d: _step_grads(d, deriv="none")),
        Mistake("tanh' taken at h_prev, the previous step's state; it is 1 - h_next**2 "
                "(a value from the wrong time step)", lambda d: _step_grads(d, deriv="h_prev")),
        Mistake("tanh' written 1 - h_next; it is 1 - h_next**2",
                lambda d: _step_grads(d, deriv="linear")),
        Mistake("tanh' computed as 1 - tanh(h_next)**2, but h_next is already tanh(a): "
                "use 1 - h_next**2", lambda d: _step_grads(d, deriv="twice")),
        Mistake("dWh pairs da with h_next; the forward multiplied W_h by h_prev, so "
                "dWh = da.T @ h_prev (a value from the wrong time step)",
                lambda d: {"dWh": _step_grads(d, dWh_with="h_next")["dWh"]}),
        Mistake("dh_prev skips the tanh derivative: dh_prev = da @ Wh with "
                "da = dh_next * (1 - h_next**2)",
                lambda d: {"dh_prev": _step_grads(d, dh_prev_raw=True)["dh_prev"]}),
        Mistake("dh_prev = da @ Wh.T sends the gradient back through W_h transposed; the "
                "forward computed h_prev @ Wh.T, so dh_prev = da @ Wh",
                lambda d: {"dh_prev": _step_grads(d, Wh_T=True)["dh_prev"]}),
    ]))


# -------------------------------------------------------------------- whole sequence
def _seq(d, act=np.tanh, bias=1, Wh_T=True, use_h0=True, carry=True):
    xs, h0, Wx, Wh, b = d.inputs.values()
    N, T, _ = xs.shape
    h_prev = h0 if use_h0 else np.zeros_like(h0)
    hs = np.empty((N, T, Wx.shape[0]))
    for t in range(T):
        a_t = xs[:, t] @ Wx.T + bias * b + h_prev @ (Wh.T if Wh_T else Wh)
        hs[:, t] = act(a_t)
        if carry:
            h_prev = hs[:, t]
    return {"hs": hs}


register(forward_spec(
    "rnn_forward", rnn_forward, SEQ_INPUTS, {"hs": ("N", "T", "H")},
    cache=("xs", "h0", "Wx", "Wh", "hs"),
    mistakes=[
        Mistake("the tanh is missing: h_t = np.tanh(a_t)", lambda d: _seq(d, act=lambda a: a)),
        Mistake("a sigmoid where the RNN uses tanh", lambda d: _seq(d, act=sigmoid)),
        Mistake("the bias b is not added", lambda d: _seq(d, bias=0)),
        Mistake("the bias b is added twice (in the hoisted projection and again in the loop)",
                lambda d: _seq(d, bias=2)),
        Mistake("h_prev @ Wh where h_prev @ Wh.T is needed (weights are (out, in), as in "
                "PyTorch)", lambda d: _seq(d, Wh_T=False)),
        Mistake("h0 is ignored: the first step starts from h_prev = h0, not from zeros",
                lambda d: _seq(d, use_h0=False)),
        Mistake("every step starts from h0: set h_prev = h_t at the end of each step",
                lambda d: _seq(d, carry=False)),
    ]))


def _bptt(d, carry=True, deriv="h_t", dWh_with="h_prev", loop="backward", term=None,
          dh0_late=False, Wh_T=False):
    """BPTT with one thing changed (the flags); the right version with no flag set."""
    xs, h0, Wx, Wh, hs = d.cache
    dhs = d.upstream["dhs"]
    N, T, H = hs.shape
    h_prevs = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
    # hs[:, t-1] written for h_{t-1}: at t = 0 that is hs[:, -1], the LAST state, not h0
    wrapped = np.concatenate([hs[:, -1:], hs[:, :-1]], axis=1)
    das = np.zeros_like(hs)
    dh_next = np.zeros_like(h0)
    dh_first = None
    for t in (reversed(range(T)) if loop == "backward" else range(T)):
        dh_t = dhs[:, t] + (dh_next if carry else 0.0)
        slope = {"h_t": 1.0 - hs[:, t] ** 2, "none": 1.0,
                 "h_prev": 1.0 - h_prevs[:, t] ** 2, "wrapped": 1.0 - wrapped[:, t] ** 2}[deriv]
        das[:, t] = dh_t * slope
        dh_next = das[:, t] @ (Wh.T if Wh_T else Wh)
        if t == 0:
            dh_first = dh_t
    steps = range(T) if term is None else [term % T]
    paired = {"h_t": hs, "h_prev": h_prevs, "wrapped": wrapped}[dWh_with]
    return {"dxs": das @ Wx, "dh0": dh_first if dh0_late else dh_next,
            "dWx": sum(das[:, t].T @ xs[:, t] for t in steps),
            "dWh": sum(das[:, t].T @ paired[:, t] for t in steps),
            "db": sum(das[:, t].sum(axis=0) for t in steps)}


def _only(names, grads):
    return {k: grads[k] for k in names}


register(backward_spec(
    "rnn_backward", rnn_backward, forward="rnn_forward",
    mistakes=[
        Mistake("dh_next is not carried back: h_t reaches the loss also through h_{t+1}, "
                "so dh_t = dhs[:, t] + dh_next", lambda d: _bptt(d, carry=False)),
        Mistake("the tanh derivative is missing: da_t = dh_t * (1 - h_t**2)",
                lambda d: _bptt(d, deriv="none")),
        Mistake("tanh' taken at h_{t-1}; it is 1 - h_t**2 with h_t = hs[:, t] (a value "
                "from the wrong time step)", lambda d: _bptt(d, deriv="h_prev")),
        Mistake("tanh' taken at h_{t-1}, with hs[:, t-1] that at t = 0 is hs[:, -1]; it is "
                "1 - h_t**2 with h_t = hs[:, t] (a value from the wrong time step)",
                lambda d: _bptt(d, deriv="wrapped")),
        Mistake("dWh at t = 0 pairs da_0 with hs[:, -1] (what hs[:, t-1] gives at t = 0), "
                "the LAST state; the state before step 0 is h0",
                lambda d: _only(["dWh"], _bptt(d, dWh_with="wrapped"))),
        Mistake("dWh pairs da_t with h_t; the forward multiplied W_h by h_{t-1} (h0 at "
                "t = 0) (a value from the wrong time step)",
                lambda d: _only(["dWh"], _bptt(d, dWh_with="h_t"))),
        Mistake("dh_next = da_t @ Wh.T sends the gradient back through W_h transposed; the "
                "forward computed h_prev @ Wh.T, so dh_next = da_t @ Wh",
                lambda d: _bptt(d, Wh_T=True)),
        Mistake("the loop runs forward in time; BPTT goes from t = T-1 down to 0: "
                "for t in reversed(range(T))", lambda d: _bptt(d, loop="forward")),
        Mistake("dh0 is the gradient of h_0, one step too late: pass it through step 0 "
                "too (dh0 = da_0 @ Wh)", lambda d: _only(["dh0"], _bptt(d, dh0_late=True))),
        Mistake("only the term of step t = 0: the weights are shared by all steps, so their "
                "gradients sum the terms of all T steps (+=, not =)",
                lambda d: _only(["dWx", "dWh", "db"], _bptt(d, term=0))),
        Mistake("only the term of step t = T-1: the weights are shared by all steps, so "
                "their gradients sum the terms of all T steps (+=, not =)",
                lambda d: _only(["dWx", "dWh", "db"], _bptt(d, term=-1))),
    ]))
