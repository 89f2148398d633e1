"""Running a learner's function on every case of its spec, and collecting the problems."""

from __future__ import annotations

import copy
import difflib
import warnings

import numpy as np

from ..gradcheck import numerical_gradient, relative_error
from ._diagnose import Context, close, diagnose
from ._report import ErrorInfo, Problem, Result, error_hint, learner_frame, learner_function
from ._spec import REGISTRY, Case, CaseData, Spec, seed_for

# Central differences with this step agree with a right backward pass to about 1e-9.
NUMERIC_EPS = 1e-6
NUMERIC_TOL = 1e-6
NUMERIC_TOL_TEXT = "1e-6"


class Structure(Exception):
    """What the function returned does not have the expected structure."""


def case_summary(spec: Spec) -> str:
    """All cases in one phrase: ``(N, D, H) = (2, 4, 5), (1, 3, 2), ...``."""
    symbols = [s for s in spec.symbols if s in spec.cases[0].sizes]
    values = []
    for case in spec.cases:
        sizes = [str(case.sizes[s]) for s in symbols]
        value = sizes[0] if len(sizes) == 1 else f"({', '.join(sizes)})"
        values.append(f"{value} with {case.note}" if case.note else value)
    head = symbols[0] if len(symbols) == 1 else f"({', '.join(symbols)})"
    return f"{head} = {', '.join(values)}"


def case_label(spec: Spec, case: Case) -> str:
    symbols = [s for s in spec.symbols if s in case.sizes]
    sizes = tuple(case.sizes[s] for s in symbols)
    if len(symbols) == 1:
        label = f"{symbols[0]} = {sizes[0]}"
    else:
        label = f"({', '.join(symbols)}) = ({', '.join(map(str, sizes))})"
    return f"{label}, {case.note}" if case.note else label


def lookup(name: str) -> Spec:
    if name not in REGISTRY:
        close_names = difflib.get_close_matches(str(name), list(REGISTRY), n=3)
        hint = f"; did you mean {', '.join(close_names)}?" if close_names else ""
        raise ValueError(f"workbook.check: no function called {name!r}{hint} "
                         f"The names are: {', '.join(REGISTRY)}")
    return REGISTRY[name]


def check(name: str, fn, forward=None) -> Result:
    """Run ``fn`` on the cases of the function ``name`` and say what is wrong, if anything.

    Parameters
    ----------
    name : str
        One of :func:`names`, e.g. ``"rnn_step_backward"``.
    fn : callable
        Your function, with the same signature as minirnn's reference.
    forward : callable, optional
        For a backward function: your forward function. When given (and it
        passes its own check), your backward pass is also compared with
        numerical derivatives of your forward pass.

    Returns
    -------
    Result
        ``result.passed`` is a bool; ``print(result)`` gives the report, and
        in a notebook the result displays itself. An exception inside ``fn``
        is reported in the result (with the line of your code that raised it),
        never raised.
    """
    spec = lookup(name)
    if forward is not None and spec.forward is None:
        raise ValueError(f"workbook.check: {name} is not a backward function; "
                         "forward= is only for backward functions")
    if not callable(fn):
        return Result(name, "failed", spec.reference_name, problems=[Problem(
            name, "type", f"expected your function, got a {type(fn).__name__}: pass the "
            f"function itself, check({name!r}, {name}), without calling it")])
    result = run(spec, fn)
    if result.status == "passed" or (result.status == "failed" and not any(
            p.cause == "structure" for p in result.problems)):
        if spec.forward is not None and forward is not None:
            _numeric_with_forward(spec, fn, forward, result)
        elif spec.numeric is not None:
            spec.numeric(fn, spec, result)
    return result


# ------------------------------------------------------------------------------ running
def _expected(spec: Spec, data: CaseData) -> dict:
    args = copy.deepcopy(data.args)
    data.called_with = {k: dict(v) if isinstance(v, dict) else v for k, v in args.items()}
    return collect(spec, spec.reference(*args.values()), args, data)


def collect(spec: Spec, returned, args: dict, data: CaseData) -> dict:
    """The outputs by name, or :class:`Structure` if the return value is not shaped right."""
    if spec.collect is not None:
        return spec.collect(returned, args, data)
    names = [o.name for o in spec.outputs]
    if spec.single:
        return {names[0]: returned}
    listing = ", ".join(names)
    if returned is None:
        raise Structure(f"None: end the function with `return {listing}`")
    if not isinstance(returned, (tuple, list)):
        raise Structure(f"a {type(returned).__name__}; return the {len(names)} values "
                        f"{listing}")
    if len(returned) != len(names):
        raise Structure(f"{len(returned)} values; expected {len(names)}: {listing}")
    return dict(zip(names, returned, strict=True))


def call_quietly(fn, *args):
    """Call fn with numpy's floating-point warnings off: a nan or inf that comes out is
    diagnosed in the report instead of a warning printed in the notebook."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args)


def _error_result(spec: Spec, exc: BaseException, label: str, base: dict) -> Result:
    where, line = learner_frame(exc)
    info = ErrorInfo(type(exc).__name__, str(exc), where, line, label, error_hint(exc))
    return Result(status="error", error=info, **base)


def _changed_inputs(spec: Spec, before: dict, after: dict) -> list[str]:
    """Labels of the inputs the function changed in place (``h_next (cache[4])``)."""
    changed = []
    cache_names = REGISTRY[spec.forward].cache if spec.forward else None
    for name, old in before.items():
        if name in spec.mutates:
            continue
        new = after[name]
        if isinstance(old, tuple) and name == "cache":
            for i, (o, n) in enumerate(zip(old, new, strict=False)):
                if isinstance(o, np.ndarray) and not _same(o, n):
                    entry = cache_names[i] if cache_names and i < len(cache_names) else None
                    changed.append(f"{entry} (cache[{i}])" if entry else f"cache[{i}]")
        elif isinstance(old, np.ndarray) and not _same(old, new):
            changed.append(name)
    return changed


def _same(a, b) -> bool:
    return (isinstance(b, np.ndarray) and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=True))


def _mistake_values(spec: Spec, data: CaseData) -> list[tuple[str, dict]]:
    values = []
    for m in spec.mistakes:
        try:
            with np.errstate(all="ignore"):
                values.append((m.message, m.outputs(data)))
        except (ValueError, IndexError, ZeroDivisionError):
            continue      # a mistake that cannot happen on this case's shapes
    return values


def _one_term_values(spec: Spec, data: CaseData) -> list[tuple[str, dict]]:
    """For a backward spec: the weight gradients of the first and the last batch row
    (and time step), each computed alone. A sum that kept only one term equals one."""
    if not spec.separable or spec.forward is None:
        return []
    fwd = REGISTRY[spec.forward]
    fwd_outs = [o for o in fwd.outputs if o.name != "cache"]
    up_axes = {"d" + o.name: o.axes for o in fwd_outs}
    out = []
    for symbol in spec.separable:
        n = data.sizes.get(symbol, 1)
        if n < 2:
            continue
        for which, index in (("first", 0), ("last", n - 1)):
            def take(value, axes, index=index, symbol=symbol):
                if axes is None or symbol not in axes:
                    return value
                return np.take(value, [index], axis=axes.index(symbol))
            inputs = [take(v, fwd.input_axes.get(k)) for k, v in data.inputs.items()]
            cache = fwd.reference(*inputs)[-1]
            ups = [take(v, up_axes[k]) for k, v in data.upstream.items()]
            grads = spec.reference(*ups, cache)
            grads = (grads,) if spec.single else grads
            terms = {o.name: g for o, g in zip(spec.outputs, grads, strict=True)
                     if o.axes is not None and symbol not in o.axes}
            message = _one_term_message(symbol, which, index, n)
            out.append((message, terms))
    return out


def _one_term_message(symbol: str, which: str, index: int, n: int) -> str:
    if symbol == "N":
        return (f"only the {which} sequence's term (row {index} of the batch): sum the terms "
                f"of all N = {n} rows (+=, not =, in a loop)")
    if symbol == "T":
        return (f"only the {which} time step's term (t = {index}): the weights are shared, "
                f"so sum the terms of all T = {n} steps")
    return f"only the {which} term along {symbol}: sum over all {n}"


def run(spec: Spec, fn) -> Result:
    """Run ``fn`` on every case of ``spec``; no numerical check."""
    labels = tuple(case_label(spec, c) for c in spec.cases)
    base = dict(name=spec.name, reference=spec.reference_name,
                outputs=tuple(o.name for o in spec.outputs if o.name != "cache"),
                cases=labels, case_summary=case_summary(spec))
    problems: list[Problem] = []
    for i, case in enumerate(spec.cases):
        data = spec.make(case, np.random.default_rng(seed_for(spec.name, i)))
        expected = _expected(spec, data)
        args = copy.deepcopy(data.args)
        before = copy.deepcopy(data.args)
        data.called_with = {k: dict(v) if isinstance(v, dict) else v for k, v in args.items()}
        try:
            got = collect(spec, call_quietly(fn, *args.values()), args, data)
        except NotImplementedError as exc:
            inner = learner_function(exc)
            waiting = inner if inner and inner != getattr(fn, "__name__", inner) else ""
            return Result(status="todo", waiting_for=waiting, **base)
        except Structure as s:
            problems.append(Problem("returned", "structure", str(s), labels[i]))
            break
        except Exception as exc:   # the learner's bug: reported, never raised
            return _error_result(spec, exc, labels[i], base)

        for label in _changed_inputs(spec, before, args):
            _keep(problems, Problem(label, "in-place", "changed in place by your function: "
                                    "write results into new arrays, never into an input "
                                    "(`a *= ...` or `a[...] = ...` on an input changes the "
                                    "caller's array)", labels[i]))
        found = (spec.compare(expected, got, data, labels[i]) if spec.compare is not None
                 else _compare_outputs(spec, data, expected, got, labels[i]))
        for p in found:
            _keep(problems, p)
    status = "failed" if problems else "passed"
    return Result(status=status, problems=problems, **base)


# Causes found from the shapes and types alone: the typical mistakes need not be computed.
_STRUCTURAL = {"missing", "type", "dtype", "shape", "batch-sum", "not-finite", "float32"}


def _keep(problems: list[Problem], new: Problem) -> None:
    """One problem per output: the first found, unless a later case explains it better
    (a named cause rather than "wrong values")."""
    for k, old in enumerate(problems):
        if old.output == new.output:
            if old.cause == "value" and new.cause != "value":
                problems[k] = new
            return
    problems.append(new)


def _compare_outputs(spec, data, expected, got, label) -> list[Problem]:
    ctx = Context(sizes=data.sizes, symbols=spec.symbols, blocks=spec.blocks, candidates=[],
                  hint=data.case.hint)
    found, any_wrong, candidates = [], False, None
    for out in spec.outputs:
        if out.name == "cache":
            continue
        d = diagnose(out, expected[out.name], got[out.name], ctx)
        if d is not None and d.cause not in _STRUCTURAL:
            # Wrong values: is it one of the typical mistakes? (computed once per case)
            if candidates is None:
                candidates = _mistake_values(spec, data) + _one_term_values(spec, data)
            ctx.candidates = [(m, v.get(out.name)) for m, v in candidates]
            d = diagnose(out, expected[out.name], got[out.name], ctx)
            ctx.candidates = []
        if d is None:
            continue
        any_wrong = True
        found.append(Problem(out.name, d.cause, d.text, label))
    # The cache is compared only when the outputs are right (else it repeats their problem).
    if spec.cache is not None and not any_wrong:
        text = _cache_problem(spec, expected["cache"], got["cache"])
        if text:
            found.append(Problem("cache", "cache", text, label))
    return found


def _cache_problem(spec: Spec, want: tuple, got) -> str:
    layout = "(" + ", ".join(spec.cache) + ")"
    backward = spec.name.replace("forward", "backward")
    if not isinstance(got, (tuple, list)):
        return (f"a {type(got).__name__}; return the tuple {layout}, the layout "
                f"{backward} reads")
    if len(got) != len(want):
        return f"{len(got)} entries; {backward} reads {len(want)}: {layout}"
    for i, (name, w, g) in enumerate(zip(spec.cache, want, got, strict=True)):
        if not isinstance(w, np.ndarray):          # a number in the cache (a scale)
            same = isinstance(g, (int, float, np.number)) and close(g, w)
        else:
            same = (isinstance(g, np.ndarray) and g.shape == np.shape(w)
                    and (close(g, w) if np.issubdtype(g.dtype, np.floating)
                         else np.array_equal(g, w)))
        if not same:
            return (f"entry {i} should be {name}; keep the layout {layout}, the one "
                    f"{backward} reads")
    return ""


# ---------------------------------------------------------------------- numerical check
def _numeric_with_forward(spec: Spec, fn, forward, result: Result) -> None:
    """Compare the learner's backward with central differences of the learner's forward."""
    fwd = REGISTRY[spec.forward]
    fname = getattr(forward, "__name__", spec.forward)
    own = run(fwd, forward)
    if own.status == "todo":
        result.notes.append(f"numerical check skipped: your {fname} is not implemented yet")
        return
    if not own.passed:
        result.notes.append(f"numerical check skipped: your {fname} does not pass its own "
                            "check yet")
        return
    bad: dict[str, float] = {}
    skipped: set[str] = set()   # wrong shape or dtype: reported by the comparison already
    for i, case in enumerate(fwd.cases[:2]):
        rng = np.random.default_rng(seed_for(spec.name + "/numeric", i))
        inputs = fwd.make(case, rng).inputs
        returned = call_quietly(forward, *inputs.values())
        outs, cache = returned[:-1], returned[-1]
        ups = [rng.standard_normal(np.shape(o)) for o in outs]
        try:
            grads = call_quietly(fn, *copy.deepcopy(ups), copy.deepcopy(cache))
            grads = collect(spec, grads, {}, None)
        except Exception:    # it ran on the reference's cache; with the learner's it fails
            result.notes.append(f"numerical check: your {spec.name} fails on the cache of "
                                f"your {fname}")
            result.status = "failed"
            return

        def loss(inputs=inputs, ups=ups):
            r = call_quietly(forward, *inputs.values())
            return float(sum(np.sum(o * u) for o, u in zip(r[:-1], ups, strict=True)))

        for gname, iname in spec.grads_of.items():
            g = grads[gname]
            if gname in bad or gname in skipped:
                continue
            if (not isinstance(g, np.ndarray) or g.shape != inputs[iname].shape
                    or not np.issubdtype(g.dtype, np.floating)):
                skipped.add(gname)
                continue
            num = numerical_gradient(loss, inputs[iname], eps=NUMERIC_EPS)
            err = relative_error(g, num)
            if not err < NUMERIC_TOL:
                bad[gname] = err
    if bad:
        result.status = "failed"
        lo, hi = min(bad.values()), max(bad.values())
        spread = (f"relative error {lo:.2g}" if len(bad) == 1 else
                  f"relative errors {lo:.2g} to {hi:.2g}")
        result.notes.append(f"numerical check against your {fname}: {', '.join(bad)} "
                            f"{'disagrees' if len(bad) == 1 else 'disagree'} with central "
                            f"differences ({spread})")
    elif skipped:
        result.notes.append(f"numerical check against your {fname}: the other gradients "
                            "agree with central differences")
    else:
        result.notes.append(f"and they agree with numerical derivatives of your {fname} "
                            f"(relative errors below {NUMERIC_TOL_TEXT})")
