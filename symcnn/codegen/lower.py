"""Lowering: a :class:`~symcnn.derive.engine.Derivation` → the loop/array IR of :mod:`.ir`, stage by stage.

Each forward equation (through :func:`~symcnn.derive.engine.forward_terms`)
and each gradient is already a sum of bounded-sum terms. :func:`lower` checks
the names, then runs, per kernel:

1. :func:`.freeze.reduction` — each term frozen as loops with printed bounds, factors, the
   affine structure of every array access, the common subexpressions of its
   scalar body (what the NumPy backend vectorises from);
2. :mod:`.order` — the Numba loop order: free indices outermost (the leading
   ones fused into one ``prange``), the index that walks the last axis
   innermost, the target accumulated in place where its own last index does
   that better; or :mod:`.scatter`'s, where guards fix free indices (read off the terms frozen
   once, :func:`.freeze.frozen`, as :mod:`.tile` reads them);
3. the schedules — :mod:`.window` (with :mod:`.dot` and :mod:`.jam`),
   :mod:`.tile`, :mod:`.pack` — where their shapes are found; :mod:`.tile` reads the terms
   frozen once (:func:`.freeze.frozen`), not SymPy.

Sizes of the module contract are solved here, once, with SymPy (:func:`solve_sizes`): reading them off
the model's shapes is lowering the contract, not a stage over the IR.
"""

from __future__ import annotations

import builtins

import sympy as sp

from ..derive.engine import Derivation, forward_terms
from ..derive.show import forward_text, gradient_text
from ..derive.terms import Bound, Term
from ..errors import SpecError
from ..model.functions import sigmoid
from ..model.layer import Equation, Layer
from ..model.validate import RESERVED, check_name
from . import loops as L
from .freeze import freeze, frozen, reduction
from .ir import (
    ArraySpec,
    Kernel,
    RecordKernel,
    SizeRule,
)
from .ir import Module as ModuleIR
from .nest import is_long
from .order import large, plan, scatter_plan, schedule
from .printer import code, scalar_code
from .scatter import scattered
from .target import BASELINE, Target
from .tile import tiled
from .window import windowed

#: Names generated modules use at module level or as builtins: no array, size or index may take them.
TAKEN = RESERVED | set(dir(builtins)) | {
    "LAYER", "LABEL", "BACKEND", "SPEC_HASH", "INPUTS", "PARAMS", "CONSTANTS", "OUTPUTS",
    "HYPER", "RECORDS", "INTERMEDIATES", "GRADIENTS", "SIZES", "ShapeError", "forward",
    "backward", "sizes_of", "BUFFERS", "EVALUATION", "forward_eval", "update_buffers", "initial_buffers",
    "PARAM_INIT",
}  # fmt: skip

#: Functions LLVM calls one element at a time (the llvmlite wheel has no SVML), while NumPy's ufuncs
#: run them in SIMD registers: 0.13 ms against 0.23 ms (two threads) for dlt's first sigmoid.
SCALAR_ONLY = (sp.exp, sp.log, sp.tanh, sp.sinh, sp.cosh, sp.sin, sp.cos, sp.tan, sp.atan, sigmoid)

__all__ = ["lower", "solve_sizes", "TAKEN"]


def lower(d: Derivation, spec_hash: str, target: Target = BASELINE) -> ModuleIR:
    """The whole layer as IR: contract tuples, size rules, forward and backward kernels; the Numba
    schedules' register blocks sized for ``target`` (:mod:`.target`)."""
    layer = d.layer
    _check_names(layer)
    arrays = layer.arrays()
    sizes = tuple(str(s) for s in layer.sizes)
    forward: list[Kernel | RecordKernel] = [_record(layer, r) for r in layer.records]
    scalar_only: list[str] = []  # kernels whose terms call a SCALAR_ONLY function
    for eq in layer.equations:
        terms = forward_terms(layer, eq)
        formula = forward_text(eq)
        name = f"forward_{eq.array.label}"
        forward.append(_kernel(layer, name, "forward", eq.array, eq.free, terms, formula, target.block,
                               target.dot))
        scalar_only += [name] if _calls_scalar_only(terms) else []
    backward = [
        _kernel(layer, f"backward_{g.target.label}", "backward", g.target, g.free, g.terms, gradient_text(g),
                target.block, target.dot)
        for g in d.gradients
    ]
    scalar_only += [f"backward_{g.target.label}" for g in d.gradients if _calls_scalar_only(g.terms)]
    evaluate = [
        _kernel(layer, f"evaluate_{eq.array.label}", "evaluate", eq.array, eq.free, forward_terms(layer, eq),
                forward_text(eq), target.block, target.dot)
        for eq in layer.evaluation
    ]
    update = [_update(layer, b.update, target) for b in layer.buffers]
    specs = [ArraySpec(str(a.label), _shape(a), "") for a in arrays.values()]
    specs += [ArraySpec(str(g.target.label), _shape(g.target), "") for g in d.gradients]
    specs += [ArraySpec(str(s.label), _shape(s), "") for s in d.seeds]
    return ModuleIR(
        layer=layer.name,
        label=layer.label,
        doc=layer.doc,
        spec_hash=spec_hash,
        inputs=_labels(layer.inputs),
        params=_labels(layer.params),
        constants=_labels(layer.constants),
        outputs=_labels(layer.outputs),
        hyper=tuple(str(h) for h in layer.hyper),
        records=tuple(str(r.array.label) for r in layer.records),
        intermediates=_labels(layer.intermediates),
        gradients=tuple(str(g.target.label) for g in d.gradients),
        seeds=_labels(d.seeds),
        sizes=sizes,
        size_rules=solve_sizes(layer),
        arrays=tuple(specs),
        forward=tuple(forward),
        backward=tuple(backward),
        scalar_only=tuple(scalar_only),
        buffers=_labels(b.array for b in layer.buffers),
        initial=tuple(repr(float(b.init)) for b in layer.buffers),
        evaluation=_labels(eq.array for eq in layer.evaluation),
        evaluate=tuple(evaluate),
        update=tuple(update),
        param_init=tuple((p, repr(float(v))) for p, v in layer.init),
    )


def update_equation(eq: Equation) -> Equation:
    """A buffer's update ``B[f] = rhs`` written into a new array: ``_next_B[f] = rhs`` (``rhs`` reads the
    old ``B``; the driver copies the new values in once every update has run)."""
    new = sp.IndexedBase(f"_next_{eq.array.label}", shape=eq.array.shape, real=True)
    return Equation(new[eq.free], eq.rhs)


def _update(layer: Layer, eq: Equation, target: Target) -> Kernel:
    """A buffer's update as a kernel into ``_next_B`` (:func:`update_equation`)."""
    into = update_equation(eq)
    return _kernel(layer, f"update_{eq.array.label}", "update", into.array, eq.free,
                   forward_terms(layer, into), forward_text(eq), target.block, target.dot)


def _calls_scalar_only(terms: tuple[Term, ...]) -> bool:
    return any(t.body.has(*SCALAR_ONLY) for t in terms)


def _labels(group) -> tuple[str, ...]:
    return tuple(str(a.label) for a in group)


# -- sizes ----------------------------------------------------------------------------------------


def solve_sizes(layer: Layer) -> tuple[SizeRule, ...]:
    """Each size of the module contract as an expression in the given arrays' shapes (``hyper`` sizes
    from ``hyper``), solved with SymPy [B7]."""
    rules = [SizeRule(str(h), f'int(hyper["{h}"])', True) for h in layer.hyper]
    known = set(layer.hyper)
    given = layer.inputs + layer.params + layer.constants
    progress = True
    while progress and known != set(layer.sizes):
        progress = False
        for a in given:
            for k, e in enumerate(a.shape):
                unknown = e.free_symbols - known
                if len(unknown) != 1:
                    continue
                (u,) = unknown
                if sp.degree(e, u) != 1:
                    continue
                extent = sp.Symbol(f'arrays["{a.label}"].shape[{k}]')
                (sol,) = sp.solve(sp.Eq(e, extent), u)
                num, den = sp.fraction(sp.together(sol))
                expr = scalar_code(num) if den == 1 else f"({scalar_code(num)}) // ({scalar_code(den)})"
                rules.append(SizeRule(str(u), expr, False))
                known.add(u)
                progress = True
    missing = [str(s) for s in layer.sizes if s not in known]
    if missing:
        raise SpecError(
            layer.name,
            f"size {missing[0]} cannot be read off any input, parameter or constant shape; "
            "make it a hyper-parameter",
        )
    return tuple(rules)


# -- names ----------------------------------------------------------------------------------------


def _check_names(layer: Layer) -> None:
    """Every name that reaches source is a plain identifier and collides with nothing generated."""
    check_name(layer.name, "layer", layer.name)
    arrays = set(layer.arrays())
    sizes = {str(s) for s in layer.sizes}
    for name in sorted(arrays | sizes):
        check_name(layer.name, "array" if name in arrays else "size", name)
        if name in TAKEN:
            raise SpecError(layer.name, f"name {name!r} is reserved in generated code")
        if ("d" + name) in arrays:
            raise SpecError(layer.name, f"array names {name!r} and 'd{name}' collide (d{name}: its gradient)")
    both = sorted(arrays & sizes)
    if both:
        raise SpecError(layer.name, f"{both[0]!r} names both an array and a size")


def _index_names(layer: Layer, symbols: set[sp.Symbol]) -> dict[sp.Symbol, sp.Symbol]:
    """Rename index symbols that would shadow an array, a size or a builtin (``b`` → ``b_``)."""
    taken = set(layer.arrays()) | {str(s) for s in layer.sizes} | TAKEN
    taken |= {"d" + a for a in layer.arrays()}
    rename = {}
    for s in sorted(symbols, key=str):
        check_name(layer.name, "index", str(s))
    for s in sorted(symbols, key=str):
        name = str(s)
        if name in taken:
            new = name
            while new in taken or sp.Symbol(new) in symbols:
                new += "_"
            rename[s] = sp.Symbol(new, integer=True)
            taken.add(new)
    return rename


# -- kernels --------------------------------------------------------------------------------------


def _shape(a: sp.IndexedBase) -> tuple[str, ...]:
    """A shape as source over the sizes dict ``_z`` of the module's driver functions."""
    return tuple(scalar_code(_in_z(s)) for s in a.shape)


def _in_z(e: sp.Expr) -> sp.Expr:
    return e.xreplace({s: sp.Symbol(f'_z["{s}"]') for s in e.free_symbols})


def _record(layer: Layer, r) -> RecordKernel:
    factor = sp.sympify(r.factor)
    used = [s for s in layer.sizes if s in factor.free_symbols]
    return RecordKernel(
        name=f"record_{r.array.label}",
        target=str(r.array.label),
        op=r.op,
        source=str(r.source.label),
        factor=code(factor),
        rank=len(r.source.shape),
        shape=tuple(scalar_code(s) for s in r.array.shape),
        sizes=tuple(str(s) for s in used),
        label=layer.label,
        formula=f"{r.array.label} = {r.op}({r.source.label}, {r.factor})",
        frozen=freeze(factor),
    )


def _symbols(e: sp.Basic, layer: Layer) -> set[sp.Symbol]:
    """Plain symbols of ``e``: indices and sizes, not arrays."""
    arrays = {str(a.base.label) for a in e.atoms(sp.Indexed)} | set(layer.arrays())
    return {
        s
        for s in e.free_symbols
        if isinstance(s, sp.Symbol) and not isinstance(s, sp.Dummy) and str(s) not in arrays
    }


def _kernel(layer, name, kind, target, free, terms: tuple[Term, ...], formula: str, block: int,
            dot: tuple[int, int]) -> Kernel:
    sizes = set(layer.sizes)
    symbols = set(free)
    for t in terms:
        symbols |= {b.index for b in t.sums}
        symbols |= _symbols(t.body, layer) - sizes
        for b in t.sums:
            for e in b.lower + b.upper + b.declared:
                symbols |= _symbols(e, layer) - sizes
        for g in t.guards:
            symbols |= _symbols(g, layer) - sizes
    rename = _index_names(layer, symbols)
    free = tuple(rename.get(f, f) for f in free)
    terms = tuple(_rename_term(t, rename) for t in terms)
    shape = tuple(target.shape)
    reductions = [reduction(t, free, shape, sizes) for t in terms]
    reductions = schedule(reductions)
    short = short_sizes(layer)
    frozen_shape = tuple(freeze(e) for e in shape)
    frozen_terms = tuple(frozen(t) for t in terms)
    bounds = [x for t in terms for x in (*t.guards, *(y for b in t.sums for y in (*b.lower, *b.upper)))]
    positive = {str(s) for e in (*shape, *bounds) for s in e.free_symbols if s.is_integer and s.is_positive}
    names, short_names = tuple(map(str, free)), {str(s) for s in short}
    scatter = scattered(names, frozen_shape, frozen_terms, short_names, positive)
    shapes = {str(a.base.label): tuple(freeze(e) for e in a.base.shape)
              for t in terms for a in t.body.atoms(sp.Indexed) if a.base.shape is not None}
    if scatter is not None:
        outer, inner, init, reductions = scatter_plan(str(target.label), names, scatter, frozen_terms,
                                                       reductions)
    else:
        declared = {str(s) for t in terms for b in t.sums for e in b.declared for s in e.free_symbols
                    if s.is_integer and s.is_positive}
        outer, inner, init, reductions = plan(str(target.label), names, frozen_shape, frozen_terms,
                                               reductions, dot, short_names, positive | declared, shapes)
    collapse = min(2, len(outer)) if large(names, frozen_shape, frozen_terms, short_names) else 0
    window = tile = None
    if collapse and scatter is None:
        window = windowed(str(target.label), names, frozen_shape, frozen_terms, reductions, shapes,
                          short_names, block, dot)
        tile = tiled(str(target.label), names, frozen_shape, frozen_terms, outer, inner,
                     block) if window is None else None
    used: set[sp.Symbol] = set()
    for e in shape:
        used |= e.free_symbols
    for t in terms:
        used |= t.body.free_symbols
        for b in t.sums:
            for e in b.lower + b.upper + b.declared:
                used |= e.free_symbols
        for g in t.guards:
            used |= g.free_symbols
    reads: list[str] = []
    for r in reductions:
        for f in r.factors:
            for a in f.accesses:
                if a.array not in reads:
                    reads.append(a.array)
    return Kernel(
        name=name,
        kind=kind,
        target=str(target.label),
        free=tuple(str(f) for f in free),
        shape=tuple(code(e) for e in shape),
        extents=tuple(map(L.fold, frozen_shape)),  # -2*P as SymPy prints it, not its factors -1, 2, P
        terms=tuple(reductions),
        reads=tuple(reads),
        sizes=tuple(str(s) for s in layer.sizes if s in used),
        label=layer.label,
        formula=formula,
        outer=outer,
        collapse=collapse,
        inner=inner,
        init=init,
        window=window,
        tile=tile,
        long=_long(free, shape, terms, short),
        renamed=tuple(sorted((str(a), str(b)) for a, b in rename.items())),
    )


def short_sizes(layer: Layer) -> set[sp.Symbol]:
    """Sizes of parameters and hyper-parameters: kernel taps, channel and unit counts, pool factors."""
    short = set(layer.hyper)
    for a in layer.params:
        for e in a.shape:
            short |= e.free_symbols
    return short


def _long(free: tuple, shape: tuple, terms: tuple[Term, ...], short: set) -> tuple[str, ...]:
    """The free and summed indices whose extent holds a size not in ``short`` (:attr:`.ir.Kernel.long`)."""
    extents = dict(zip(free, shape))
    for t in terms:
        extents.update({b.index: b.declared[1] - b.declared[0] for b in t.sums})
    names = {str(s) for s in short}
    return tuple(sorted(str(u) for u, e in extents.items() if is_long(freeze(sp.sympify(e)), names)))


def _rename_term(t: Term, rename: dict) -> Term:
    if not rename:
        return t
    sums = tuple(
        Bound(
            rename.get(b.index, b.index),
            tuple(e.xreplace(rename) for e in b.lower),
            tuple(e.xreplace(rename) for e in b.upper),
            tuple(e.xreplace(rename) for e in b.declared),
        )
        for b in t.sums
    )
    return Term(sums, t.body.xreplace(rename), tuple(g.xreplace(rename) for g in t.guards))
