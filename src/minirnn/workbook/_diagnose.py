"""Why is this output wrong? One output of a learner's function against the right answer.

:func:`diagnose` looks for the explanation of a difference in a fixed order,
from the most specific to the least: a missing or non-array value, a wrong
shape (the transposed shape, a missing sum over the batch, a sum over the
wrong axis), values that are not finite, float32, one of the typical mistakes
of that function (its spec's :class:`~minirnn.workbook.Mistake` list,
and "only one term of the sum"), then the general patterns: the transpose,
the wrong sign, all zeros, a constant factor (1/N, N*T, ...), a value one time
step early or late, gate blocks in the wrong order, which gate blocks are
wrong. Whatever is left is reported with its relative error.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..gradcheck import relative_error
from ._spec import Axes, Output, size_of

# float64 results computed in a different order differ by about 1e-15; 1e-8 of the
# largest entry accepts every correct order of operations and nothing else.
TOL = 1e-8
# float32 keeps about 7 digits: a float32 result this close is right apart from its dtype.
FLOAT32_TOL = 1e-4

AXIS_WORDS = {"N": "the batch (N)", "T": "time (T)"}


@dataclass(frozen=True)
class Diagnosis:
    cause: str     # a short key: "transpose", "shape", "mistake", ...
    text: str      # what follows "name: " in the report


def close(a, b, tol: float = TOL) -> bool:
    """Same shape and every entry within ``tol`` times the largest entry of b (at least 1)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    if a.size == 0:
        return True
    with np.errstate(invalid="ignore", over="ignore"):
        scale = max(1.0, float(np.max(np.abs(b))))
        diff = float(np.max(np.abs(a - b)))
    return bool(diff <= tol * scale)


@dataclass
class Context:
    """What the diagnosis may use besides the two values."""

    sizes: Mapping[str, int]
    symbols: tuple[str, ...]
    blocks: Mapping[str, tuple[str, ...]]
    candidates: list            # [(message, value)]: typical mistakes and one-term sums
    hint: str = ""              # what to do when a value is not finite on this case
    number_words: str = "number"


# ------------------------------------------------------------------------ shapes
def _names_by_size(ctx: Context) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    symbols = list(ctx.symbols) + [b for b in ctx.blocks if b not in ctx.symbols]
    for s in symbols:
        try:
            names.setdefault(size_of(s, ctx.sizes), []).append(s)
        except KeyError:
            continue
    return names


def symbolic(shape: tuple[int, ...], ctx: Context) -> tuple[str, ...] | None:
    """The axis names of a shape, when each size belongs to exactly one name."""
    names = _names_by_size(ctx)
    out = []
    for n in shape:
        if len(names.get(n, [])) != 1:
            return None
        out.append(names[n][0])
    return tuple(out)


def _tuple(items) -> str:
    items = list(items)
    return "(" + ", ".join(map(str, items)) + ("," if len(items) == 1 else "") + ")"


def fmt_shape(shape: tuple[int, ...], ctx: Context, axes: Axes | None = None) -> str:
    """``(H, D) = (5, 4)``, or ``(5, 4)`` when the sizes do not name the axes."""
    axes = axes if axes is not None else symbolic(shape, ctx)
    if axes is None or len(shape) == 0:
        return _tuple(shape)
    return f"{_tuple(axes)} = {_tuple(shape)}"


def _shape_problem(E: np.ndarray, G: np.ndarray, out: Output, ctx: Context) -> Diagnosis:
    got, want = fmt_shape(G.shape, ctx), fmt_shape(E.shape, ctx, out.axes)
    if E.ndim == 2 and G.shape == E.T.shape:
        if close(G, E.T):
            return Diagnosis("transpose", "the transpose of the right answer "
                             f"(shape {got}, expected {want})")
        return Diagnosis("shape", f"shape {got} is the transpose of the expected {want}, "
                         "and even transposed its values are wrong")
    if G.size == E.size and G.squeeze().shape == E.squeeze().shape:
        if close(G.reshape(E.shape), E):
            return Diagnosis("shape", f"shape {got}, expected {want}; the values are right: "
                             "drop the extra axis of length 1 (no keepdims, or reshape)")
    lead = G.ndim - E.ndim
    if lead > 0 and G.shape[lead:] == E.shape:
        if close(G.sum(axis=tuple(range(lead))), E):
            names = symbolic(G.shape[:lead], ctx)
            axes_words = (" and ".join(AXIS_WORDS.get(n, n) for n in names) if names
                          else f"its first {lead} axes")
            if names == ("T",):     # summed over N already, not over T
                advice = "the sum runs over all N*T positions, e.g. dy.sum(axis=(0, 1))"
            else:
                advice = "sum over " + ("axis 0" if lead == 1 else "axes " + _tuple(range(lead)))
            return Diagnosis("batch-sum", f"not summed over {axes_words}: shape {got}, "
                             f"expected {want}; {advice}")
    got_names = symbolic(G.shape, ctx) or ()
    if (out.axes is not None and "N" not in out.axes and "N" in got_names
            and G.ndim <= E.ndim):
        return Diagnosis("shape", f"shape {got}, expected {want}: summed over the wrong "
                         "axis? The sum over the batch runs over axis 0 (N)")
    return Diagnosis("shape", f"shape {got}, expected {want}")


# ------------------------------------------------------------------------ values
def _factor_names(ctx: Context) -> list[tuple[str, int]]:
    sizes = ctx.sizes
    named = []
    if "N" in ctx.symbols and "T" in ctx.symbols:
        named.append(("N*T", sizes["N"] * sizes["T"]))
    for s in ("N", "T"):
        if s in ctx.symbols:
            named.append((s, sizes[s]))
    named.append(("2", 2))
    return [(n, v) for n, v in named if v > 1]


def _factor(E: np.ndarray, G: np.ndarray, ctx: Context) -> Diagnosis | None:
    ee = float(np.sum(E * E))
    if ee == 0.0:
        return None
    c = float(np.sum(G * E)) / ee
    if not np.isfinite(c) or abs(c) < 1e-12 or abs(c - 1.0) < 1e-9 or not close(G, c * E):
        return None
    for name, k in _factor_names(ctx):
        what = name if name == str(k) else f"{name} = {k}"
        inverse = f"1/{k}" if name == str(k) else (
            f"1/({name}) = 1/{k}" if "*" in name else f"1/{name} = 1/{k}")
        count = name != "2"       # N, T or N*T: a count of terms that are summed or averaged
        if abs(c - k) <= 1e-9 * k:
            return Diagnosis("factor", f"{what} times the right answer" + (
                f": a sum where a mean is needed, or a missing division by {name}?"
                if count else ""))
        if abs(c - 1.0 / k) <= 1e-9 / k:
            return Diagnosis("factor", f"{inverse} of the right answer" + (
                f": a mean where a sum is needed, or an extra division by {name}?"
                if count else ""))
    if E.size < 2:
        return None       # any two numbers differ by a factor: only a named one says anything
    return Diagnosis("factor", f"off by a constant factor: {c:.4g} times the right answer")


def _time_shift(E: np.ndarray, G: np.ndarray, out: Output, ctx: Context) -> Diagnosis | None:
    if out.axes is None or len(out.axes) < 2 or out.axes[1] != "T" or E.shape[1] < 2:
        return None
    if close(G[:, 1:], E[:, :-1]):
        return Diagnosis("time", "one time step late: position t holds the value of "
                         "step t-1 (a value from the wrong time step)")
    if close(G[:, :-1], E[:, 1:]):
        return Diagnosis("time", "one time step early: position t holds the value of "
                         "step t+1 (a value from the wrong time step)")
    return None


def _blocks(E: np.ndarray, G: np.ndarray, out: Output, ctx: Context) -> Diagnosis | None:
    if out.axes is None:
        return None
    for symbol, names in ctx.blocks.items():
        if symbol not in out.axes:
            continue
        axis = out.axes.index(symbol)
        k = len(names)
        Gb = np.split(G, k, axis=axis)
        Eb = np.split(E, k, axis=axis)
        # The learner's block j holds gate order[j]: put it where minirnn keeps that gate.
        for order in itertools.permutations(range(k)):
            if order == tuple(range(k)):
                continue
            placed = [None] * k
            for j, gate in enumerate(order):
                placed[gate] = Gb[j]
            if close(np.concatenate(placed, axis=axis), E):
                theirs = ", ".join(names[g] for g in order)
                ours = ", ".join(names)
                return Diagnosis("gate-order", f"gate blocks in the order ({theirs}); minirnn "
                                 f"stacks them as ({ours}), like PyTorch")
        right = [names[j] for j in range(k) if close(Gb[j], Eb[j])]
        wrong = [names[j] for j in range(k) if not close(Gb[j], Eb[j])]
        if right and wrong:
            return Diagnosis("blocks", f"wrong in the block{'s' if len(wrong) > 1 else ''} "
                             f"of {', '.join(wrong)}; the block{'s' if len(right) > 1 else ''}"
                             f" of {', '.join(right)} {'are' if len(right) > 1 else 'is'} "
                             "right")
    return None


def _where(E: np.ndarray, G: np.ndarray) -> str:
    if E.ndim == 0:
        return ""
    index = np.unravel_index(int(np.argmax(np.abs(G - E))), E.shape)
    return f", largest difference at index [{', '.join(str(int(i)) for i in index)}]"


def _values(E, G, out: Output, ctx: Context) -> Diagnosis:
    for message, value in ctx.candidates:
        if value is not None and close(G, value):
            return Diagnosis("mistake", message)
    E0 = np.asarray(E, dtype=np.float64)
    if E0.ndim == 2 and not close(E0, E0.T) and close(G, E0.T):
        return Diagnosis("transpose", "the transpose of the right answer")
    if not close(E0, 0 * E0) and close(G, -E0):
        return Diagnosis("sign", "the wrong sign: it is minus the right answer")
    if np.all(G == 0) and not np.all(E0 == 0):
        return Diagnosis("zeros", "all zeros")
    for check in (lambda: _factor(E0, G, ctx), lambda: _time_shift(E0, G, out, ctx),
                  lambda: _blocks(E0, G, out, ctx)):
        found = check()
        if found is not None:
            return found
    if E0.ndim == 0:
        return Diagnosis("value", f"{float(G):.6g}, expected {float(E0):.6g}")
    err = relative_error(G, E0)
    return Diagnosis("value", f"wrong values: relative error {err:.2g}{_where(E0, G)}")


def _not_finite(G: np.ndarray, ctx: Context) -> Diagnosis:
    what = " and ".join(w for w, bad in (("nan", np.isnan(G).any()), ("inf", np.isinf(G).any()))
                        if bad)
    hint = f": {ctx.hint}" if ctx.hint else ""
    return Diagnosis("not-finite", f"contains {what}{hint}")


# ------------------------------------------------------------------------ entry point
def diagnose(out: Output, expected, got, ctx: Context) -> Diagnosis | None:
    """None if ``got`` is right; else the most specific explanation found."""
    if out.axes is None:
        return _diagnose_number(expected, got, ctx)
    E = np.asarray(expected)
    want = fmt_shape(E.shape, ctx, out.axes)
    if got is None:
        return Diagnosis("missing", f"None: return it, an array of shape {want}")
    if not isinstance(got, np.ndarray):
        kind = "a number" if isinstance(got, numbers.Number) else f"a {type(got).__name__}"
        return Diagnosis("type", f"{kind}; return a numpy array of shape {want}")
    if not np.issubdtype(got.dtype, np.floating):
        extra = (" (np.zeros_like of an integer array gives integers)"
                 if np.issubdtype(got.dtype, np.integer) else "")
        return Diagnosis("dtype", f"dtype {got.dtype}; it should be a float64 array{extra}")
    G = got.astype(np.float64)
    if G.shape != E.shape:
        return _shape_problem(E, G, out, ctx)
    if not np.all(np.isfinite(G)) and np.all(np.isfinite(E)):
        return _not_finite(G, ctx)
    if close(G, E):
        if got.dtype != np.float64:
            return Diagnosis("float32", f"{got.dtype}: return float64 like the inputs "
                             "(float32 keeps about 7 digits, too few for a gradient check)")
        return None
    if close(G, E, FLOAT32_TOL):
        if got.dtype != np.float64:
            return Diagnosis("float32", f"{got.dtype}: return float64 like the inputs "
                             "(float32 keeps about 7 digits, too few for a gradient check)")
        return Diagnosis("float32", "right to about 7 digits only: a float32 array was used "
                         "along the way; keep every array float64")
    found = _values(E, G, out, ctx)
    if got.dtype != np.float64:
        found = Diagnosis(found.cause, f"{found.text} (and it is {got.dtype})")
    return found


def _diagnose_number(expected, got, ctx: Context) -> Diagnosis | None:
    E = float(expected)
    if got is None:
        return Diagnosis("missing", "None: return it, a single number")
    if isinstance(got, np.ndarray) and got.ndim > 0:
        shape = fmt_shape(got.shape, ctx)
        if np.issubdtype(got.dtype, np.number):
            if close(got.mean(), E):
                return Diagnosis("shape", f"an array of shape {shape}: return its mean, "
                                 "a single number")
            if close(got.sum(), E):
                return Diagnosis("shape", f"an array of shape {shape}: return its sum, "
                                 "a single number")
        return Diagnosis("shape", f"an array of shape {shape}; expected a single number")
    if not isinstance(got, (numbers.Real, np.ndarray)) or isinstance(got, bool):
        return Diagnosis("type", f"a {type(got).__name__}; expected a single number (a float)")
    G = np.asarray(got, dtype=np.float64)
    if not np.isfinite(G):
        return _not_finite(G, ctx)
    if close(G, E):
        return None
    return _values(np.float64(E), G, Output("", None), ctx)
