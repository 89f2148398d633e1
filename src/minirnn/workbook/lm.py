"""Workbook checks of the language model's other parts: output layer, embedding, loss, batching.

References: :func:`minirnn.functional.linear_forward` /
:func:`~minirnn.functional.linear_backward` (time-distributed, x of shape
(N, T, in)), :func:`~minirnn.functional.embedding_forward` /
:func:`~minirnn.functional.embedding_backward`,
:func:`minirnn.losses.softmax_cross_entropy` (loss and gradient) and
:func:`minirnn.batching.batches`. Typical mistakes recognised besides the
general causes:

- linear: the bias missing; ``dy`` or ``x`` flattened the wrong way
  (``reshape(out, -1)``); ``db`` summed over N only (a missing sum over T);
- embedding: ``dW[ids] += dxs``, which counts a repeated id once;
- loss: the 1 at the target not subtracted, the softmax over the wrong axis,
  a sum where the mean is needed (a factor N*T), no max subtracted (nan on
  large logits); dlogits is also compared with numerical derivatives of your
  own loss;
- batching: rows that interleave the text or cut it into consecutive pieces
  instead of N streams, the shorter windows at the end missing, y equal to x.
"""

from __future__ import annotations

import numpy as np

from ..batching import batches
from ..functional import embedding_backward, embedding_forward, linear_backward, linear_forward
from ..gradcheck import numerical_gradient, relative_error
from ..losses import softmax_cross_entropy
from ._report import Problem
from ._run import NUMERIC_EPS, NUMERIC_TOL, NUMERIC_TOL_TEXT, Structure, call_quietly
from ._spec import (
    DEFAULT_SIZES,
    Case,
    CaseData,
    Mistake,
    Output,
    Spec,
    backward_spec,
    default_cases,
    forward_spec,
    ids_input,
    register,
)

# ---------------------------------------------------------------------- output layer
LINEAR_CASES = default_cases(**{"in": lambda s: s["H"], "out": lambda s: s["V"]})


def _linear_grads(d, flat="rows"):
    x, W = d.cache
    dy = d.upstream["dy"]
    out_f, in_f = W.shape
    if flat == "rows":
        dW = dy.reshape(-1, out_f).T @ x.reshape(-1, in_f)
    else:   # reshape(out, -1): each "row" mixes the out values of several positions
        dW = dy.reshape(out_f, -1) @ x.reshape(-1, in_f)
    return {"dW": dW}


register(forward_spec(
    "linear_forward", linear_forward,
    {"x": ("N", "T", "in"), "W": ("out", "in"), "b": ("out",)}, {"y": ("N", "T", "out")},
    cache=("x", "W"), cases=LINEAR_CASES,
    mistakes=[Mistake("the bias b is not added",
                      lambda d: {"y": d.inputs["x"] @ d.inputs["W"].T})]))

register(backward_spec(
    "linear_backward", linear_backward, forward="linear_forward", separable=("N", "T"),
    mistakes=[Mistake("dy flattened with reshape(out, -1), which mixes positions: "
                      "dy.reshape(-1, out) keeps one position per row (then transpose)",
                      lambda d: _linear_grads(d, flat="wrong"))]))


# ------------------------------------------------------------------------- embedding
def _embedding_fancy(d):
    ids, W = d.cache
    dW = np.zeros_like(W)
    dW[ids] += d.upstream["dxs"]
    return {"dW": dW}


register(forward_spec(
    "embedding_forward", embedding_forward,
    {"ids": ids_input("V", ("N", "T")), "W": ("V", "E")}, {"xs": ("N", "T", "E")},
    cache=("ids", "W")))

register(backward_spec(
    "embedding_backward", embedding_backward, forward="embedding_forward",
    separable=("N", "T"),
    mistakes=[Mistake("a repeated id is counted once: `dW[ids] += dxs` keeps only one of "
                      "the repeats; np.add.at(dW, ids, dxs) adds them all", _embedding_fancy)]))


# ------------------------------------------------------------------------------- loss
def _cross_entropy(d, axis=-1, onehot=True):
    logits, targets = d.inputs.values()
    z = logits - logits.max(axis=axis, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True)
    count = targets.size
    picked = np.take_along_axis(p, targets[..., None], axis=-1)
    one = np.zeros_like(p)
    np.put_along_axis(one, targets[..., None], 1.0, axis=-1)
    return {"loss": float(-np.log(picked).mean()),
            "dlogits": (p - one if onehot else p) / count}


def _logits(case, rng):
    """Standard normal scores, all shifted by the case's ``shift`` (exp(1000) overflows)."""
    shape = (case.sizes["N"], case.sizes["T"], case.sizes["V"])
    return rng.standard_normal(shape) + case.settings.get("shift", 0.0)


_logits.axes = ("N", "T", "V")


def _loss_numeric(fn, spec: Spec, result) -> None:
    """dlogits against central differences of the learner's own loss."""
    data = spec.make(spec.cases[0], np.random.default_rng(7))
    logits, targets = data.inputs.values()
    try:
        _, dlogits = call_quietly(fn, logits.copy(), targets.copy())

        def loss():
            return float(call_quietly(fn, logits, targets)[0])

        num = numerical_gradient(loss, logits, eps=NUMERIC_EPS)
        err = relative_error(dlogits, num)
    except Exception:
        err = np.nan
    if err < NUMERIC_TOL:
        result.notes.append("and dlogits agrees with numerical derivatives of your loss "
                            f"(relative error below {NUMERIC_TOL_TEXT})")
    else:
        result.status = "failed"
        what = f"relative error {err:.2g}" if np.isfinite(err) else "could not be compared"
        result.notes.append(f"numerical check: dlogits disagrees with central differences "
                            f"of your loss ({what})")


register(forward_spec(
    "softmax_cross_entropy", softmax_cross_entropy,
    {"logits": _logits, "targets": ids_input("V", ("N", "T"))},
    {"loss": None, "dlogits": ("N", "T", "V")}, cache=None,
    cases=default_cases() + (Case(dict(DEFAULT_SIZES[0]), note="logits near 1000",
                                  hint="np.exp overflows; subtract each row's maximum from "
                                  "the logits first (the softmax does not change)",
                                  settings={"shift": 1000.0}),),
    mistakes=[
        Mistake("the 1 at the target is not subtracted: dlogits = (softmax(logits) - "
                "onehot(targets)) / (N*T)",
                lambda d: {"dlogits": _cross_entropy(d, onehot=False)["dlogits"]}),
        Mistake("the softmax is taken over the batch axis; take it over the last axis, V "
                "(one distribution per token)", lambda d: _cross_entropy(d, axis=0)),
        Mistake("the softmax is taken over the time axis; take it over the last axis, V "
                "(one distribution per token)", lambda d: _cross_entropy(d, axis=1)),
    ],
    numeric=_loss_numeric))


# -------------------------------------------------------------------------- batching
def _windows(ids, N, T, layout="streams", short=True, leftover=True, shift=1):
    """The windows of ``batches`` with one thing changed: the rows' layout, the last
    shorter window of the streams dropped, the leftover pairs dropped, y = x + shift."""
    M = ids.size - 1
    L = M // N
    if layout == "consecutive":
        out = []
        for j in range(M // (N * T)):
            x = ids[j * N * T:(j + 1) * N * T].reshape(N, T)
            out.append((x, x + shift))
        return out
    xs = ids[:N * L].reshape(N, L) if layout == "streams" else ids[:N * L].reshape(L, N).T
    ys = xs + shift        # ids are positions: the next id is the id + 1
    out = [(xs[:, j:j + T], ys[:, j:j + T]) for j in range(0, L, T) if short or j + T <= L]
    if leftover:
        out += [(ids[None, j:min(j + T, M)], ids[None, j:min(j + T, M)] + shift)
                for j in range(N * L, M, T)]
    return out


def _batch_mistakes(d) -> list[tuple[str, list]]:
    ids, N, T = d.args.values()
    M = ids.size - 1
    L, r = M // N, M - N * (M // N)
    return [
        ("row n reads every N-th id (reshape(L, N).T): reshape the first N*L ids as (N, L), "
         "so that row n is one contiguous stream", _windows(ids, N, T, layout="interleaved")),
        ("each window is a consecutive piece of the text cut into N rows; row n must read its "
         "own stream (ids n*L to (n+1)*L - 1), continued by row n of the next window",
         _windows(ids, N, T, layout="consecutive")),
        (f"the last, shorter window is missing: L = M // N = {L} is not a multiple of "
         f"T = {T}, so the last window has L mod T = {L % T} columns",
         _windows(ids, N, T, short=False)),
        (f"the windows of the M - N*L = {r} pairs left after the N streams are missing: "
         "they come last, with one row", _windows(ids, N, T, leftover=False)),
        ("the shorter windows at the end are missing: the last window of the streams "
         "(L mod T columns) and the leftover pairs (one row)",
         _windows(ids, N, T, short=False, leftover=False)),
        ("y equals x: the targets are the next ids, x shifted by one position in the text",
         _windows(ids, N, T, shift=0)),
    ]


def _collect_windows(returned, args, data) -> dict:
    try:
        items = list(returned)
    except TypeError:
        raise Structure(f"a {type(returned).__name__}; return (or yield) the windows, "
                        "each a pair (x, y)") from None
    for j, item in enumerate(items):
        if (not isinstance(item, (tuple, list)) or len(item) != 2
                or not all(isinstance(a, np.ndarray) for a in item)):
            raise Structure(f"window {j} is a {type(item).__name__}; each window must be a "
                            "pair (x, y) of integer arrays")
    return {"windows": items}


def _same_windows(a, b) -> bool:
    return len(a) == len(b) and all(
        xa.shape == xb.shape and ya.shape == yb.shape
        and np.array_equal(xa, xb) and np.array_equal(ya, yb)
        for (xa, ya), (xb, yb) in zip(a, b, strict=True))


def _compare_windows(expected, got, data, label) -> list[Problem]:
    E, G = expected["windows"], got["windows"]
    if _same_windows(E, G):
        return []
    for message, wrong in _batch_mistakes(data):
        if not _same_windows(wrong, E) and _same_windows(wrong, G):
            return [Problem("windows", "mistake", message, label)]
    for j, ((xe, ye), (xg, yg)) in enumerate(zip(E, G, strict=False)):
        for name, e, g in (("x", xe, xg), ("y", ye, yg)):
            if e.shape != g.shape:
                return [Problem("windows", "value", f"window {j} of {len(E)}: {name} has "
                                f"shape {g.shape}, expected {e.shape}", label)]
            bad = [n for n in range(e.shape[0]) if not np.array_equal(e[n], g[n])]
            if bad:
                n = bad[0]
                return [Problem("windows", "value", f"window {j} of {len(E)}: row {n} of "
                                f"{name} is {g[n]}, expected {e[n]} (each id is its position "
                                "in the text)", label)]
    return [Problem("windows", "value", f"{len(G)} windows, expected {len(E)}; the first "
                    f"{min(len(E), len(G))} are right", label)]


def _make_windows(case: Case, rng) -> CaseData:
    s = case.sizes
    args = {"ids": np.arange(s["tokens"]), "batch_size": s["N"], "seq_len": s["T"]}
    return CaseData(case, args=args, inputs=args)


register(Spec(
    name="batches", reference=batches, params=("ids", "batch_size", "seq_len"),
    outputs=(Output("windows", None),), make=_make_windows, symbols=("tokens", "N", "T"),
    cases=(Case({"tokens": 24, "N": 3, "T": 3}), Case({"tokens": 13, "N": 3, "T": 2}),
           Case({"tokens": 10, "N": 1, "T": 4}), Case({"tokens": 11, "N": 2, "T": 8}),
           Case({"tokens": 16, "N": 4, "T": 2})),
    collect=_collect_windows, compare=_compare_windows))
