"""Workbook checks of gradient clipping: the joint norm of all gradients, and clipping by it.

References: :func:`minirnn.optim.grad_norm` and :func:`minirnn.optim.clip_grad_norm`
(which rescales the arrays of ``grads`` in place and returns the norm before
clipping). Typical mistakes recognised: the square root missing, the norms of
the arrays added, each array clipped by its own norm, rescaling when the norm
is already below ``max_norm``, the factor upside down, the norm after clipping
returned, and new arrays made (``g = g * scale``) instead of rescaling the
arrays in place.
"""

from __future__ import annotations

import numpy as np

from ..optim import clip_grad_norm, grad_norm
from ._spec import DEFAULT_SIZES, Case, Mistake, forward_spec, register

SHAPES = {"Wx": ("H", "D"), "Wh": ("H", "H"), "b": ("H",)}


def _grads(case, rng):
    return {k: rng.standard_normal(tuple(case.sizes[a] for a in axes))
            for k, axes in SHAPES.items()}


def _max_norm(case, rng):
    return case.settings["max_norm"]


def _norms(grads):
    return {k: float(np.sqrt(np.sum(g * g))) for k, g in grads.items()}


register(forward_spec(
    "grad_norm", grad_norm, {"grads": _grads}, {"total": None}, cache=None,
    symbols=("D", "H"),
    cases=tuple(Case(dict(s)) for s in DEFAULT_SIZES),
    mistakes=[
        Mistake("the square root is missing: the norm is sqrt(sum of all squares)",
                lambda d: {"total": sum(n * n for n in _norms(d.inputs["grads"]).values())}),
        Mistake("the norms of the arrays are added; the joint norm is the square root of "
                "the sum of ALL squares", lambda d: {"total": sum(_norms(
                    d.inputs["grads"]).values())}),
        Mistake("the largest norm of one array; the joint norm takes all arrays together",
                lambda d: {"total": max(_norms(d.inputs["grads"]).values())}),
    ]))


def _clip(d, joint=True, always=False, inverted=False, after=False):
    grads, max_norm = d.inputs["grads"], d.inputs["max_norm"]
    norms = _norms(grads)
    total = float(np.sqrt(sum(n * n for n in norms.values())))
    out = {}
    for k, g in grads.items():
        norm = total if joint else norms[k]
        scale = (norm / max_norm) if inverted else (max_norm / norm)
        out[f"grads['{k}']"] = g * scale if (always or norm > max_norm) else g.copy()
    out["total"] = min(total, max_norm) if after else total
    return out


def _collect_clip(returned, args, data):
    # The arrays the caller passed (a model's layers and its optimizer share these very
    # arrays): their values after the call, whatever the dict holds now.
    passed = data.called_with["grads"]
    return {"total": returned, **{f"grads['{k}']": passed[k] for k in SHAPES}}


def _unchanged(d):
    return {f"grads['{k}']": g for k, g in d.inputs["grads"].items()}


register(forward_spec(
    "clip_grad_norm", clip_grad_norm, {"grads": _grads, "max_norm": _max_norm},
    {"total": None, **{f"grads['{k}']": axes for k, axes in SHAPES.items()}}, cache=None,
    symbols=("D", "H"), mutates=("grads",), collect=_collect_clip,
    cases=(Case(dict(DEFAULT_SIZES[0]), note="norm above max_norm", settings={"max_norm": 1.0}),
           Case(dict(DEFAULT_SIZES[1]), note="norm below max_norm",
                settings={"max_norm": 100.0}),
           Case(dict(DEFAULT_SIZES[2]), note="norm above max_norm", settings={"max_norm": 2.5}),
           Case(dict(DEFAULT_SIZES[3]), note="norm above max_norm",
                settings={"max_norm": 0.5})),
    mistakes=[
        Mistake("not changed in place: rescale the arrays of grads themselves (g *= scale); "
                "`g = g * scale` leaves them as they were, and `grads[k] = ...` puts in a new "
                "array that the layers no longer write their gradients into",
                _unchanged),
        Mistake("each array is clipped by its own norm; clip all of them by their joint "
                "norm, which keeps the direction of the whole gradient",
                lambda d: _clip(d, joint=False)),
        Mistake("rescaled although the norm is below max_norm: clip only when the norm "
                "exceeds max_norm", lambda d: _clip(d, always=True)),
        Mistake("the factor is upside down: it is max_norm / norm",
                lambda d: _clip(d, inverted=True)),
        Mistake("the norm after clipping; return the norm before clipping (logging it "
                "shows how often clipping acts)", lambda d: {"total": _clip(d, after=True)[
                    "total"]}),
    ]))
