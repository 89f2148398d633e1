"""Workbook checks of one LSTM step, forward and backward, with its four gate blocks.

References: :func:`minirnn.lstm.lstm_step_forward` and
:func:`minirnn.lstm.lstm_step_backward`. The rows of ``Wx``, ``Wh`` and ``b``
are four blocks of H, the gates (i, f, g, o) in PyTorch's order; the spec
says so (``blocks={"4H": GATES}``), so an output whose blocks are right in
another order is reported as "gate blocks in the order ...", and an output
with some blocks right and some wrong names the wrong gates. Typical mistakes
recognised besides these: the weights read in another gate order (CS231n's
assignment uses (i, f, o, g)), sigmoid for the candidate g, ``o * c`` without
the tanh, a missing input or forget gate, ``tanh(c_prev)`` for ``tanh(c_next)``;
backward: the sigmoid derivative of the gates or tanh' of g or of c missing,
``dc`` without the path through h_t or without ``dc_next``, ``dc_prev``
without the forget gate, ``dWh`` paired with ``h_next``.

The GRU (:mod:`minirnn.workbook.gru`) is specified the same way, with
``blocks={"3H": ("r", "z", "n")}``.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..lstm import lstm_step_backward, lstm_step_forward, sigmoid
from ._spec import Mistake, backward_spec, forward_spec, register

GATES = ("i", "f", "g", "o")
INPUTS = {"x": ("N", "D"), "h_prev": ("N", "H"), "c_prev": ("N", "H"), "Wx": ("4H", "D"),
          "Wh": ("4H", "H"), "b": ("4H",)}
ORDERS = [p for p in itertools.permutations(range(4)) if p != (0, 1, 2, 3)]


def _place(W, order):
    """Rows of W rearranged as a learner reads them: their block j is gate ``order[j]``."""
    blocks = np.split(W, 4, axis=0)
    placed = [None] * 4
    for j, gate in enumerate(order):
        placed[gate] = blocks[j]
    return np.concatenate(placed, axis=0)


def _step(d, order=(0, 1, 2, 3), g_act=np.tanh, h_tanh=True, input_gate=True,
          forget_gate=True, h_from="c_next"):
    x, h_prev, c_prev, Wx, Wh, b = d.inputs.values()
    Wx, Wh, b = (_place(W, order) for W in (Wx, Wh, b))
    H = h_prev.shape[1]
    a = x @ Wx.T + h_prev @ Wh.T + b
    i, f, o = (sigmoid(a[:, k * H:(k + 1) * H]) for k in (0, 1, 3))
    g = g_act(a[:, 2 * H:3 * H])
    c_next = (f if forget_gate else 1.0) * c_prev + (i if input_gate else 1.0) * g
    c_shown = c_next if h_from == "c_next" else c_prev
    h_next = o * (np.tanh(c_shown) if h_tanh else c_shown)
    return {"h_next": h_next, "c_next": c_next}


def _order_words(order):
    return ", ".join(GATES[g] for g in order)


register(forward_spec(
    "lstm_step_forward", lstm_step_forward, INPUTS,
    {"h_next": ("N", "H"), "c_next": ("N", "H")},
    cache=("x", "h_prev", "c_prev", "Wx", "Wh", "i", "f", "g", "o", "tanh_c"),
    blocks={"4H": GATES},
    mistakes=[
        Mistake(f"the gate blocks are read in the order ({_order_words(order)}); minirnn "
                f"stacks them as ({', '.join(GATES)}), like PyTorch",
                lambda d, order=order: _step(d, order=order)) for order in ORDERS
    ] + [
        Mistake("the candidate g uses sigmoid; it is tanh (values in (-1, 1))",
                lambda d: _step(d, g_act=sigmoid)),
        Mistake("h_next = o * c_next misses the tanh: h_next = o * tanh(c_next)",
                lambda d: _step(d, h_tanh=False)),
        Mistake("the input gate is missing: c_next = f * c_prev + i * g",
                lambda d: _step(d, input_gate=False)),
        Mistake("the forget gate is missing: c_next = f * c_prev + i * g",
                lambda d: _step(d, forget_gate=False)),
        Mistake("h_next uses c_prev; it is o * tanh(c_next), with the new cell state (a "
                "value from the wrong time step)", lambda d: _step(d, h_from="c_prev")),
    ]))


def _grads(d, order=(0, 1, 2, 3), gate_deriv=True, g_deriv=True, c_deriv=True, path=True,
           dc_next_used=True, forget=True, dWh_with="h_prev"):
    """The backward step with one thing changed (the flags); right with no flag set."""
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = d.cache
    dh_next, dc_next = d.upstream["dh_next"], d.upstream["dc_next"]
    dc = (dc_next if dc_next_used else 0.0)
    if path:
        dc = dc + dh_next * o * ((1.0 - tanh_c ** 2) if c_deriv else 1.0)

    def slope(s):
        return s * (1.0 - s) if gate_deriv else 1.0

    blocks = [dc * g * slope(i), dc * c_prev * slope(f),
              dc * i * ((1.0 - g ** 2) if g_deriv else 1.0), dh_next * tanh_c * slope(o)]
    da = np.concatenate([blocks[gate] for gate in order], axis=1)
    h_paired = o * tanh_c if dWh_with == "h_next" else h_prev
    return {"dx": da @ Wx, "dh_prev": da @ Wh, "dc_prev": dc * f if forget else dc,
            "dWx": da.T @ x, "dWh": da.T @ h_paired, "db": da.sum(axis=0)}


register(backward_spec(
    "lstm_step_backward", lstm_step_backward, forward="lstm_step_forward",
    mistakes=[
        Mistake(f"da's gate blocks are in the order ({_order_words(order)}); stack them "
                f"as ({', '.join(GATES)}), the order of the rows of Wx, Wh and b",
                lambda d, order=order: _grads(d, order=order)) for order in ORDERS
    ] + [
        Mistake("the sigmoid derivative of the gates i, f, o is missing: multiply by "
                "s * (1 - s)", lambda d: _grads(d, gate_deriv=False)),
        Mistake("the tanh derivative of the candidate g is missing: multiply by 1 - g**2",
                lambda d: _grads(d, g_deriv=False)),
        Mistake("the tanh derivative of the cell state is missing: dc = dc_next + dh_next * "
                "o * (1 - tanh_c**2)", lambda d: _grads(d, c_deriv=False)),
        Mistake("dc ignores the path through h_t: dc = dc_next + dh_next * o * "
                "(1 - tanh_c**2)", lambda d: _grads(d, path=False)),
        Mistake("dc_next is not added: c_t also reaches the loss through c_{t+1}, so "
                "dc = dc_next + dh_next * o * (1 - tanh_c**2)",
                lambda d: _grads(d, dc_next_used=False)),
        Mistake("dc_prev misses the forget gate: dc_prev = dc * f",
                lambda d: {"dc_prev": _grads(d, forget=False)["dc_prev"]}),
        Mistake("dWh pairs da with h_next; the forward multiplied W_h by h_prev (a value "
                "from the wrong time step)",
                lambda d: {"dWh": _grads(d, dWh_with="h_next")["dWh"]}),
    ]))
