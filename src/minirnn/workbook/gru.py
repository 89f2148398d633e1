"""Workbook checks of one GRU step, forward and backward, with its three gate blocks.

References: :func:`minirnn.gru.gru_step_forward` and
:func:`minirnn.gru.gru_step_backward`. The rows of ``Wx``, ``Wh``, ``bx`` and
``bh`` are three blocks of H in PyTorch's order (r, z, n); the spec says so
(``blocks={"3H": GATES}``), so a weight gradient whose blocks are right in
another order is reported as "gate blocks in the order ...", and one with some
blocks right and some wrong names the wrong blocks. Typical mistakes
recognised besides these:

- forward: the weights read in another block order (r and z swapped, ...);
  ``h_next`` with ``z`` and ``1 - z`` exchanged; ``b_hn`` added outside the
  reset product, or the reset gate applied before the matrix product (the form
  of Cho et al., 2014, not PyTorch's); the reset gate or the update gate
  missing; sigmoid for the candidate; the recurrent bias ``bh`` not added;
- backward: ``r`` and ``z`` exchanged (the cache unpacked in the wrong order);
  ``z`` and ``1 - z`` exchanged; the sigmoid derivative of one gate or both, or
  the tanh derivative of the candidate, missing; ``b_hn`` treated as outside the
  reset product (``dbh``'s n block without ``r``), or ``m`` recomputed without
  it; the reset gate missing from the recurrent n block; ``dh_prev`` without
  the direct path ``dh_next * z``; the blocks of ``da`` in another order.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..gru import gru_step_backward, gru_step_forward
from ..lstm import sigmoid
from ._spec import Mistake, backward_spec, forward_spec, register

GATES = ("r", "z", "n")
INPUTS = {"x": ("N", "D"), "h_prev": ("N", "H"), "Wx": ("3H", "D"), "Wh": ("3H", "H"),
          "bx": ("3H",), "bh": ("3H",)}
ORDERS = [p for p in itertools.permutations(range(3)) if p != (0, 1, 2)]


def _place(W, order):
    """Rows of W rearranged as a learner reads them: their block j is gate ``order[j]``."""
    blocks = np.split(W, 3, axis=0)
    placed = [None] * 3
    for j, gate in enumerate(order):
        placed[gate] = blocks[j]
    return np.concatenate(placed, axis=0)


def _order_words(order):
    return ", ".join(GATES[g] for g in order)


def _step(d, order=(0, 1, 2), keep="z", b_hn_at="inside", reset=True, update=True,
          n_act=np.tanh, recurrent_bias=True):
    """The forward step with one thing changed (the flags); right with no flag set."""
    x, h_prev, Wx, Wh, bx, bh = d.inputs.values()
    Wx, Wh, bx, bh = (_place(W, order) for W in (Wx, Wh, bx, bh))
    if not recurrent_bias:
        bh = np.zeros_like(bh)
    H = h_prev.shape[1]
    ax = x @ Wx.T + bx
    ah = h_prev @ Wh.T + bh
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    W_hn, b_hn = Wh[2 * H:], bh[2 * H:]
    if not reset:
        r = 1.0
    if b_hn_at == "inside":
        recurrent_n = r * (h_prev @ W_hn.T + b_hn)
    elif b_hn_at == "outside":
        recurrent_n = r * (h_prev @ W_hn.T) + b_hn
    else:                               # "before": r * h_prev, then the product
        recurrent_n = (r * h_prev) @ W_hn.T + b_hn
    n = n_act(ax[:, 2 * H:] + recurrent_n)
    if not update:
        return {"h_next": (1.0 - z) * n}
    if keep == "1-z":
        return {"h_next": z * n + (1.0 - z) * h_prev}
    return {"h_next": (1.0 - z) * n + z * h_prev}


register(forward_spec(
    "gru_step_forward", gru_step_forward, INPUTS, {"h_next": ("N", "H")},
    cache=("x", "h_prev", "Wx", "Wh", "r", "z", "n", "m"),
    blocks={"3H": GATES},
    mistakes=[
        Mistake(f"the blocks of the weights are read in the order ({_order_words(order)}); "
                f"minirnn stacks them as ({', '.join(GATES)}), like PyTorch",
                lambda d, order=order: _step(d, order=order)) for order in ORDERS
    ] + [
        Mistake("z and 1 - z are exchanged: h_next = (1 - z) * n + z * h_prev (z is the "
                "share of the old state that is kept)", lambda d: _step(d, keep="1-z")),
        Mistake("b_hn is added outside the reset product; it sits inside it: "
                "n = tanh(ax_n + r * (h_prev @ W_hn.T + b_hn))",
                lambda d: _step(d, b_hn_at="outside")),
        Mistake("the reset gate is applied before the product, (r * h_prev) @ W_hn.T (the "
                "form of Cho et al.); minirnn and PyTorch apply it after: "
                "r * (h_prev @ W_hn.T + b_hn)", lambda d: _step(d, b_hn_at="before")),
        Mistake("the reset gate is missing: n = tanh(ax_n + r * (h_prev @ W_hn.T + b_hn))",
                lambda d: _step(d, reset=False)),
        Mistake("h_next = (1 - z) * n misses the old state: h_next = (1 - z) * n + z * h_prev",
                lambda d: _step(d, update=False)),
        Mistake("the candidate n uses sigmoid; it is tanh (values in (-1, 1))",
                lambda d: _step(d, n_act=sigmoid)),
        Mistake("the recurrent bias bh is not added: the GRU has two biases, "
                "ah = h_prev @ Wh.T + bh", lambda d: _step(d, recurrent_bias=False)),
    ]))


def _grads(d, order=(0, 1, 2), swap_rz=False, keep="z", gate_deriv="rz", n_deriv=True,
           b_hn_at="inside", m_from="cache", reset_in_dah=True, direct="z"):
    """The backward step with one thing changed (the flags); right with no flag set."""
    x, h_prev, Wx, Wh, r, z, n, m = d.cache
    dh_next = d.upstream["dh_next"]
    H = h_prev.shape[1]
    if swap_rz:
        r, z = z, r
    if m_from == "product":             # m recomputed without b_hn
        m = h_prev @ Wh[2 * H:].T
    dz = dh_next * (h_prev - n) if keep == "z" else dh_next * (n - h_prev)
    dn = dh_next * ((1.0 - z) if keep == "z" else z)
    kept = {"z": z, "1-z": 1.0 - z, None: 0.0}[direct]      # the direct path to h_prev
    dan = dn * ((1.0 - n ** 2) if n_deriv else 1.0)
    dr = dan * m

    def slope(s, gate):
        return s * (1.0 - s) if gate in gate_deriv else 1.0

    dar, daz = dr * slope(r, "r"), dz * slope(z, "z")
    dax = [dar, daz, dan]
    dah = [dar, daz, dan * r if reset_in_dah else dan]
    dax, dah = (np.concatenate([blocks[g] for g in order], axis=1) for blocks in (dax, dah))
    dbh = dah.sum(axis=0)
    if b_hn_at == "outside":            # b_hn's gradient without the reset gate
        dbh = np.concatenate([dah[:, :2 * H].sum(axis=0), dan.sum(axis=0)])
    return {"dx": dax @ Wx, "dh_prev": dh_next * kept + dah @ Wh,
            "dWx": dax.T @ x, "dWh": dah.T @ h_prev, "dbx": dax.sum(axis=0), "dbh": dbh}


def _only(names, grads):
    return {k: grads[k] for k in names}


SWAPPED_Z = ("z and 1 - z are exchanged: h_next = (1 - z) * n + z * h_prev, so "
             "dn = dh_next * (1 - z), dz = dh_next * (h_prev - n) and h_prev receives "
             "dh_next * z directly")


register(backward_spec(
    "gru_step_backward", gru_step_backward, forward="gru_step_forward",
    mistakes=[
        Mistake(f"the blocks of da are in the order ({_order_words(order)}); stack them "
                f"as ({', '.join(GATES)}), the order of the rows of Wx, Wh, bx and bh",
                lambda d, order=order: _grads(d, order=order)) for order in ORDERS
    ] + [
        Mistake("r and z are exchanged: the cache is (x, h_prev, Wx, Wh, r, z, n, m), "
                "reset gate first", lambda d: _grads(d, swap_rz=True)),
        Mistake(SWAPPED_Z, lambda d: _grads(d, keep="1-z", direct="1-z")),
        Mistake(SWAPPED_Z, lambda d: _grads(d, keep="1-z")),
        Mistake("the direct path to h_prev is dh_next * z: h_next = (1 - z) * n + z * h_prev "
                "keeps z of the old state", lambda d: _only(["dh_prev"], _grads(d, direct="1-z"))),
        Mistake("the sigmoid derivative of the gates r and z is missing: multiply by "
                "s * (1 - s)", lambda d: _grads(d, gate_deriv="")),
        Mistake("the sigmoid derivative of the reset gate is missing: da_r = dr * r * (1 - r)",
                lambda d: _grads(d, gate_deriv="z")),
        Mistake("the sigmoid derivative of the update gate is missing: "
                "da_z = dz * z * (1 - z)", lambda d: _grads(d, gate_deriv="r")),
        Mistake("the tanh derivative of the candidate n is missing: "
                "da_n = dn * (1 - n**2)", lambda d: _grads(d, n_deriv=False)),
        Mistake("its n block misses the reset gate: b_hn sits inside the reset product "
                "r * (h_prev @ W_hn.T + b_hn), so its gradient is da_n * r, not da_n",
                lambda d: _only(["dbh"], _grads(d, b_hn_at="outside"))),
        Mistake("dr uses h_prev @ W_hn.T without b_hn: the reset gate scales "
                "m = h_prev @ W_hn.T + b_hn, which the cache holds",
                lambda d: _grads(d, m_from="product")),
        Mistake("the reset gate is missing from the recurrent n block: the recurrent part "
                "receives da_n * r (dah = [da_r, da_z, da_n * r])",
                lambda d: _only(["dh_prev", "dWh"], _grads(d, reset_in_dah=False))),
        Mistake("dh_prev misses the direct path: h_prev also enters h_next = ... + z * h_prev, "
                "so dh_prev = dh_next * z + dah @ Wh",
                lambda d: _only(["dh_prev"], _grads(d, direct=None))),
    ]))
