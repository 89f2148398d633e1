"""What the checker knows about each workbook function: its spec, its test cases, the registry.

A :class:`Spec` says how to build the arguments of one test case, which
reference function gives the right answer, what the outputs are called and
which axes they have, and which typical mistakes (:class:`Mistake`) to look
for. :func:`forward_spec` and :func:`backward_spec` build the spec of a pure
``x_forward(...) -> (out, cache)`` / ``x_backward(dout, cache) -> grads`` pair
from a few lines; the other specs (the loss, clipping, batching) fill in the
hooks themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

Axes = tuple[str, ...]

# The shapes every function is tried on. Sizes within one case are distinct, so
# that a wrong shape can be named: (6, 5) is (H, D), not (D, H); in the first
# case N, T, N*T and 2 differ too, so that a wrong factor can be named. The
# first case is the general one; then a single sequence (N=1), a single step
# (T=1), and D > H with more rows. No weight matrix is square except W_h.
DEFAULT_SIZES = (
    {"N": 3, "T": 4, "D": 5, "H": 6, "V": 7, "E": 8},
    {"N": 1, "T": 4, "D": 3, "H": 2, "V": 5, "E": 3},
    {"N": 3, "T": 1, "D": 2, "H": 4, "V": 6, "E": 2},
    {"N": 4, "T": 2, "D": 6, "H": 3, "V": 8, "E": 5},
)


@dataclass(frozen=True)
class Case:
    """One test case: the sizes of every axis, and what is special about it."""

    sizes: Mapping[str, int]
    note: str = ""       # shown next to the problems found on this case
    hint: str = ""       # what to do when an output is not finite on this case
    scale: float = 1.0   # spread of the inputs (large logits, large gradients)
    settings: Mapping = field(default_factory=dict)   # other arguments (max_norm=...)


def default_cases(**extra_sizes: Callable[[Mapping[str, int]], int]) -> tuple[Case, ...]:
    """The four default shapes, with extra sizes derived from them (``in=lambda s: s["H"]``)."""
    cases = []
    for sizes in DEFAULT_SIZES:
        full = dict(sizes)
        full.update({k: f(sizes) for k, f in extra_sizes.items()})
        cases.append(Case(MappingProxyType(full)))
    return tuple(cases)


def size_of(symbol: str, sizes: Mapping[str, int]) -> int:
    """The size of an axis named ``"H"`` or ``"4H"`` (a multiple of a size)."""
    m = re.fullmatch(r"(\d*)([A-Za-z_]\w*)", symbol)
    if m is None or m.group(2) not in sizes:
        raise KeyError(f"unknown axis {symbol!r}")
    return int(m.group(1) or 1) * sizes[m.group(2)]


def shape_of(axes: Axes, sizes: Mapping[str, int]) -> tuple[int, ...]:
    return tuple(size_of(a, sizes) for a in axes)


@dataclass(frozen=True)
class Output:
    """One thing a function returns: its name and its axes (None for a single number)."""

    name: str
    axes: Axes | None


@dataclass
class CaseData:
    """Everything about one test case, for calling the functions and for the diagnoses.

    ``args`` are the arguments in call order. For a backward function,
    ``inputs`` are the forward function's arguments, ``upstream`` the gradients
    arriving from above and ``cache`` the reference forward's cache.
    """

    case: Case
    args: dict
    inputs: dict = field(default_factory=dict)
    upstream: dict = field(default_factory=dict)
    cache: tuple | None = None
    outputs: dict = field(default_factory=dict)   # forward outputs (backward specs)
    called_with: dict = field(default_factory=dict)   # the learner's arguments, as passed

    @property
    def sizes(self) -> Mapping[str, int]:
        return self.case.sizes


@dataclass(frozen=True)
class Mistake:
    """A typical mistake: the outputs it produces on a case, and the one-line explanation.

    ``outputs(data)`` returns a dict {output name: value} for the outputs the
    mistake changes; an output of the learner equal to one of them is
    explained by ``message``.
    """

    message: str
    outputs: Callable[[CaseData], dict]


@dataclass(frozen=True)
class Spec:
    """How to check one workbook function. Build it with :func:`forward_spec`,
    :func:`backward_spec`, or directly for functions of another kind."""

    name: str
    reference: Callable
    params: tuple[str, ...]
    outputs: tuple[Output, ...]
    make: Callable[[Case, np.random.Generator], CaseData]
    cases: tuple[Case, ...]
    symbols: tuple[str, ...]
    mistakes: tuple[Mistake, ...] = ()
    cache: tuple[str, ...] | None = None       # forward: the names of the cache entries
    forward: str | None = None                 # backward: the forward function it inverts
    grads_of: Mapping[str, str] = field(default_factory=dict)  # backward: dx -> x
    separable: tuple[str, ...] = ()            # axes over which weight gradients are sums
    blocks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)   # "4H" -> gates
    mutates: tuple[str, ...] = ()              # arguments it is meant to change in place
    collect: Callable | None = None            # (returned, args, data) -> outputs dict
    compare: Callable | None = None            # (expected, got, data) -> list of problems
    numeric: Callable | None = None            # (fn, result) -> numerical self-check
    single: bool = False                       # returns one value, not a tuple
    input_axes: Mapping[str, Axes] = field(default_factory=dict)   # forward: axes of inputs
    int_inputs: tuple[str, ...] = ()           # forward: inputs that are integer ids

    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join(self.params)})"

    @property
    def reference_name(self) -> str:
        return f"{self.reference.__module__}.{self.reference.__qualname__}"


REGISTRY: dict[str, Spec] = {}


def register(spec: Spec) -> Spec:
    """Add a spec to the registry; :func:`minirnn.workbook.check` finds it by name."""
    REGISTRY[spec.name] = spec
    return spec


def seed_for(name: str, index: int) -> int:
    """A fixed seed per function and case, the same on every machine."""
    return sum((i + 1) * ord(c) for i, c in enumerate(name)) * 100 + index


# ----------------------------------------------------------------------- pure functions
def _random_inputs(inputs: Mapping, case: Case, rng: np.random.Generator) -> dict:
    values = {}
    for name, how in inputs.items():
        if callable(how):
            values[name] = how(case, rng)
        else:
            values[name] = case.scale * rng.standard_normal(shape_of(how, case.sizes))
    return values


def _symbols_of(*axes_lists) -> tuple[str, ...]:
    seen = []
    for axes in axes_lists:
        for a in axes or ():
            base = re.sub(r"^\d+", "", a)
            if base not in seen:
                seen.append(base)
    order = ["N", "T", "S", "D", "H", "A", "V", "E", "in", "out"]
    return tuple(sorted(seen, key=lambda s: order.index(s) if s in order else len(order)))


def forward_spec(name: str, reference: Callable, inputs: Mapping, outputs: Mapping,
                 cache: tuple[str, ...] | None, mistakes=(),
                 cases: tuple[Case, ...] | None = None, blocks: Mapping | None = None,
                 input_axes: Mapping | None = None, **hooks) -> Spec:
    """The spec of a forward function ``reference(*inputs) -> (*outputs, cache)``
    (or, with ``cache=None``, of any function of arrays returning ``outputs``).

    Parameters
    ----------
    inputs : dict
        Argument name -> axes (a float array drawn from a standard normal), or
        ``f(case, rng) -> array`` for anything else (token ids).
    outputs : dict
        Output name -> axes, in the order returned (the cache comes last).
    cache : tuple of str or None
        The names of the cache entries, as the reference builds it.
    input_axes : dict, optional
        Axes of the inputs given as functions (for slicing a batch).
    hooks
        Other fields of :class:`Spec` (``numeric=...``).
    """
    outs = tuple(Output(k, None if v is None else tuple(v)) for k, v in outputs.items())
    if cache is not None:
        outs += (Output("cache", None),)
    axes_in = {k: tuple(getattr(v, "axes", ())) if callable(v) else tuple(v)
               for k, v in inputs.items()}
    axes_in.update(input_axes or {})
    int_inputs = tuple(k for k, v in inputs.items() if getattr(v, "is_ids", False))

    def make(case, rng):
        values = _random_inputs(inputs, case, rng)
        return CaseData(case, args=dict(values), inputs=values)

    symbols = hooks.pop("symbols", None) or _symbols_of(*axes_in.values(), *outputs.values())
    return Spec(name=name, reference=reference, params=tuple(inputs), outputs=outs,
                make=make, cases=cases or default_cases(),
                cache=None if cache is None else tuple(cache), symbols=symbols,
                mistakes=tuple(mistakes), blocks=dict(blocks or {}), input_axes=axes_in,
                int_inputs=int_inputs, single=len(outs) == 1, **hooks)


def backward_spec(name: str, reference: Callable, forward: str, mistakes=(),
                  separable: tuple[str, ...] = ("N",), upstream_scale: float = 1.0) -> Spec:
    """The spec of ``reference(*upstream, cache) -> grads`` for the forward spec ``forward``.

    The upstream gradients are named ``d`` + each forward output (``dh_next``);
    the gradients returned are ``d`` + each float input of the forward function
    (``dx, dh_prev, dWx, dWh, db``), in the forward's argument order. The
    learner's function receives the cache of the *reference* forward, so its
    layout must be the reference's.

    ``separable`` names the axes over which a weight gradient is a plain sum of
    independent terms (the batch always; time too for a time-distributed
    layer): a gradient equal to one term of that sum is reported as such.
    """
    fwd = REGISTRY[forward]
    fwd_outs = [o for o in fwd.outputs if o.name != "cache"]
    up_names = tuple("d" + o.name for o in fwd_outs)
    float_inputs = [k for k in fwd.params if k not in fwd.int_inputs]
    grads_of = {"d" + k: k for k in float_inputs}
    outs = tuple(Output(g, fwd.input_axes[k]) for g, k in grads_of.items())
    single = len(outs) == 1

    def make(case, rng):
        fdata = fwd.make(case, rng)
        returned = fwd.reference(*fdata.inputs.values())
        forward_outputs = dict(zip([o.name for o in fwd_outs], returned[:-1], strict=True))
        up = {"d" + k: upstream_scale * rng.standard_normal(np.shape(v))
              for k, v in forward_outputs.items()}
        cache = returned[-1]
        return CaseData(case, args={**up, "cache": cache}, inputs=fdata.inputs, upstream=up,
                        cache=cache, outputs=forward_outputs)

    return Spec(name=name, reference=reference, params=(*up_names, "cache"), outputs=outs,
                make=make, cases=fwd.cases, symbols=fwd.symbols, mistakes=tuple(mistakes),
                forward=forward, grads_of=grads_of, separable=tuple(separable),
                blocks=fwd.blocks, single=single)


def ids_input(high: str, axes: Axes) -> Callable:
    """An input of token ids in ``[0, sizes[high] - 1)``: the last id never occurs, and
    the first position's id occurs again at the last position (a repeat)."""

    def draw(case, rng):
        shape = shape_of(axes, case.sizes)
        ids = rng.integers(0, case.sizes[high] - 1, size=shape)
        if ids.size > 1:
            ids.flat[-1] = ids.flat[0]
        return ids

    draw.axes = tuple(axes)
    draw.is_ids = True
    return draw
