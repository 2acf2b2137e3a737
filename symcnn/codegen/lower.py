"""Lowering: a :class:`~symcnn.derive.engine.Derivation` → the loop/array IR of :mod:`.ir`.

Each forward equation (through :func:`~symcnn.derive.engine.forward_terms`)
and each gradient is already a sum of bounded-sum terms; lowering turns each
term into loops with printed bounds, splits its body into factors, records
the affine structure of every array access, eliminates common
subexpressions of the scalar body, and picks the loop order: free indices
outermost (the leading ones fused into one ``prange``), the reduction index
that walks the last (contiguous) axis innermost — or, when the target's own
last index does that better, that index innermost with the target
accumulated in place. Sizes of the module contract are solved here, once,
with SymPy; what leaves this module is plain strings.
"""

from __future__ import annotations

import builtins
from dataclasses import replace

import sympy as sp

from ..derive.engine import Derivation, forward_terms
from ..derive.show import forward_text, gradient_text
from ..derive.terms import Bound, Term
from ..errors import SpecError
from ..model.layer import Layer
from ..model.validate import RESERVED, check_name
from .interchange import free_loops, reorder
from .ir import (
    Access,
    ArraySpec,
    Constraint,
    Factor,
    Index,
    Kernel,
    Loop,
    RecordKernel,
    Reduction,
    SizeRule,
    hole,
    pieces,
)
from .ir import Module as ModuleIR
from .jam import jammed_pack
from .nest import depends, hoisted, loop_of
from .pack import BUFFER, FLAT, packed
from .printer import array_code, scalar_code
from .scatter import Scatter, scattered
from .target import BASELINE, Target
from .tile import tiled
from .ufuncs import chain
from .window import windowed

#: Names generated modules use at module level or as builtins: no array, size or index may take them.
TAKEN = RESERVED | set(dir(builtins)) | {
    "LAYER", "LABEL", "BACKEND", "SPEC_HASH", "INPUTS", "PARAMS", "CONSTANTS", "OUTPUTS",
    "HYPER", "RECORDS", "INTERMEDIATES", "GRADIENTS", "SIZES", "ShapeError", "forward",
    "backward", "sizes_of",
}  # fmt: skip

__all__ = ["lower", "TAKEN"]


def lower(d: Derivation, spec_hash: str, target: Target = BASELINE) -> ModuleIR:
    """The whole layer as IR: contract tuples, size rules, forward and backward kernels; the Numba
    schedules' register blocks sized for ``target`` (:mod:`.target`)."""
    layer = d.layer
    _check_names(layer)
    arrays = layer.arrays()
    sizes = tuple(str(s) for s in layer.sizes)
    forward: list[Kernel | RecordKernel] = [_record(layer, r) for r in layer.records]
    for eq in layer.equations:
        terms = forward_terms(layer, eq)
        formula = forward_text(eq)
        name = f"forward_{eq.array.label}"
        forward.append(_kernel(layer, name, "forward", eq.array, eq.free, terms, formula, target.block,
                               target.dot))
    backward = [
        _kernel(layer, f"backward_{g.target.label}", "backward", g.target, g.free, g.terms, gradient_text(g),
                target.block, target.dot)
        for g in d.gradients
    ]
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
        size_rules=_solve_sizes(layer),
        arrays=tuple(specs),
        forward=tuple(forward),
        backward=tuple(backward),
    )


def _labels(group) -> tuple[str, ...]:
    return tuple(str(a.label) for a in group)


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
        factor=scalar_code(factor),
        rank=len(r.source.shape),
        shape=tuple(scalar_code(s) for s in r.array.shape),
        sizes=tuple(str(s) for s in used),
        label=layer.label,
        formula=f"{r.array.label} = {r.op}({r.source.label}, {r.factor})",
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
    reductions = [_reduction(t, free, shape, sizes) for t in terms]
    reductions = _schedule(reductions)
    scatter = scattered(free, shape, terms, _short_sizes(layer))
    if scatter is not None:
        outer, inner, init, reductions = _scattered(str(target.label), free, scatter, reductions)
    else:
        outer, inner, init, reductions = _plan(layer, str(target.label), free, shape, terms, reductions,
                                               block)
    collapse = min(2, len(outer)) if _large(layer, free, shape, terms) else 0
    window = None
    if collapse and scatter is None:
        window = windowed(target, free, shape, terms, reductions, _short_sizes(layer), block, dot)
    tile = tiled(target, free, shape, terms, outer, inner, block) if collapse and window is None else None
    tile = None if scatter is not None else tile
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
        shape=tuple(scalar_code(e) for e in shape),
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
    )


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


def _reduction(t: Term, free: tuple, shape: tuple, sizes: set) -> Reduction:
    indices = set(free) | {b.index for b in t.sums}
    factors = _factors(t.body, indices)
    accesses = [a for f in factors for a in f[1]]
    loops = []
    for b in t.sums:
        lo, hi = b.declared
        constraints = []
        for e in b.lower:
            if sp.expand(e - lo) != 0:
                constraints.append(_constraint(sp.Ge(b.index, e), indices, _implied(b.index - e, accesses)))
        for e in b.upper:
            if sp.expand(e - hi) != 0:
                constraints.append(_constraint(sp.Le(b.index, e), indices, _implied(e - b.index, accesses)))
        loops.append(
            Loop(
                index=str(b.index),
                lower=tuple(scalar_code(e) for e in b.lower),
                stop=tuple(scalar_code(sp.expand(e + 1)) for e in b.upper),
                declared=(scalar_code(lo), scalar_code(sp.expand(hi - lo + 1))),
                constraints=tuple(constraints),
                depends=depends(b),
            )
        )
    guards = tuple(scalar_code(g) for g in t.guards)
    masks = tuple(_constraint(g, indices, False) for g in t.guards)
    body = sp.Mul(*[f[0] for f in factors])
    temps, reduced = sp.cse(body, symbols=sp.numbered_symbols("_t"), optimizations=None)
    return Reduction(
        loops=tuple(loops),
        guards=guards,
        guard_masks=masks,
        factors=tuple(_factor(expr, acc, indices) for expr, acc in factors),
        temps=tuple((str(s), scalar_code(e)) for s, e in temps),
        body=scalar_code(reduced[0]),
    )


def _factors(body: sp.Expr, indices: set) -> list[tuple[sp.Expr, tuple[sp.Indexed, ...]]]:
    """Split a product into factors; factors free of arrays and indices merge into one constant."""
    const = sp.S.One
    out = []
    for f in sp.Mul.make_args(body):
        acc = tuple(sorted(f.atoms(sp.Indexed), key=sp.default_sort_key))
        if not acc and not (f.free_symbols & indices):
            const *= f
        else:
            out.append((f, acc))
    if const != 1 or not out:
        out.insert(0, (const, ()))
    return out


def _factor(expr: sp.Expr, accesses: tuple[sp.Indexed, ...], indices: set) -> Factor:
    holes = {a: sp.Symbol(hole(f"_r{k}_")) for k, a in enumerate(accesses)}
    grid = sorted(expr.xreplace(holes).free_symbols & indices, key=str)
    holed = expr.xreplace(holes).xreplace({i: sp.Symbol(hole(f"_g_{i}_")) for i in grid})
    steps = chain(holed)
    return Factor(
        scalar=scalar_code(expr),
        array=pieces(array_code(holed)),
        accesses=tuple(_access(a, indices) for a in accesses),
        indices=tuple(str(i) for i in grid),
        chain=None if steps is None else tuple((name, tuple(map(pieces, ops))) for name, ops in steps),
    )


def _constraint(rel: sp.Basic, indices: set, implied: bool) -> Constraint:
    grid = sorted(rel.free_symbols & indices, key=str)
    holed = rel.xreplace({i: sp.Symbol(hole(f"_g_{i}_")) for i in grid})
    return Constraint(array=pieces(array_code(holed)), indices=tuple(str(i) for i in grid), implied=implied)


def _access(a: sp.Indexed, indices: set) -> Access:
    extents = tuple(scalar_code(s) for s in a.base.shape)
    return Access(str(a.base.label), tuple(_index(e, indices) for e in a.indices), extents)


def _index(e: sp.Expr, indices: set) -> Index:
    text = scalar_code(e)
    divisor = sp.S.One
    inner = e
    if isinstance(e, sp.floor):
        inner, divisor = sp.fraction(sp.together(e.args[0]))
    inner = sp.expand(inner)
    if inner.has(sp.floor, sp.Max, sp.Min) or not _affine(inner, indices):
        return Index((), "", "", text)  # not affine: loops can read it, views cannot
    used = sorted(inner.free_symbols & indices, key=str)
    coeffs = tuple((str(i), scalar_code(inner.coeff(i))) for i in used)
    offset = sp.expand(inner - sum(inner.coeff(i) * i for i in used))
    return Index(coeffs, scalar_code(offset), scalar_code(divisor), text)


def _affine(e: sp.Expr, indices: set) -> bool:
    used = e.free_symbols & indices
    if not used:
        return True
    poly = sp.Poly(e, *sorted(used, key=str))
    return poly.total_degree() <= 1 and not any(c.free_symbols & indices for c in poly.coeffs())


def _implied(slack: sp.Expr, accesses: list[sp.Indexed]) -> bool:
    """Is ``slack ≥ 0`` exactly the condition that some access stays inside its array?

    Reads outside an array are zero once it is padded, and a factor that
    reads zero makes the whole product vanish, so such a bound needs no mask.
    ``slack`` may hold ``floor``: ``m ≥ floor(g)`` ⇔ ``m + 1 > g``.
    """
    forms = _integer_forms(slack)
    if forms is None:
        return False
    for a in accesses:
        for e, extent in zip(a.indices, a.base.shape):
            if e.has(sp.floor):
                continue
            for side in (sp.expand(e), sp.expand(extent - 1 - e)):
                if _proportional(forms, side):
                    return True
    return False


def _proportional(form: sp.Expr, side: sp.Expr) -> bool:
    """``form == c·side`` for a number ``c > 0`` (both linear in their symbols)."""
    for sym in sorted(side.free_symbols, key=str):
        k = side.coeff(sym)
        if k.is_number and k != 0:
            c = form.coeff(sym) / k
            return bool(c.is_number and c > 0 and sp.expand(form - c * side) == 0)
    return False


def _integer_forms(slack: sp.Expr) -> sp.Expr | None:
    """``slack ≥ 0`` rewritten as ``L ≥ 0`` with ``L`` an integer-valued form free of ``floor``."""
    floors = list(slack.atoms(sp.floor))
    if not floors:
        return sp.expand(slack)
    if len(floors) != 1:
        return None
    fl = floors[0]
    coeff = sp.expand(slack).coeff(fl)
    rest = sp.expand(slack - coeff * fl)
    if rest.has(sp.floor) or coeff not in (1, -1):
        return None
    g = fl.args[0]
    _, den = sp.fraction(sp.together(g))
    if coeff == -1:  # rest - floor(g) ≥ 0 ⇔ rest ≥ floor(g) ⇔ rest + 1 > g ⇔ den·(rest + 1 - g) - 1 ≥ 0
        return sp.expand(den * (rest + 1 - g) - 1)
    # floor(g) + rest ≥ 0 ⇔ floor(g) ≥ -rest ⇔ g ≥ -rest ⇔ den·(g + rest) ≥ 0
    return sp.expand(den * (g + rest))


# -- loop order -----------------------------------------------------------------------------------


def _unit(access: Access, index: str) -> bool:
    """Does ``index`` walk the last (contiguous) axis of ``access`` one element at a time?"""
    if not access.index:
        return False
    last = access.index[-1]
    return last.divisor == "1" and dict(last.coeffs).get(index) in ("1", "-1")


def _bound_indices(loop: Loop, names: set[str]) -> set[str]:
    return set(loop.depends) & names


def _schedule(terms: list[Reduction]) -> list[Reduction]:
    """Each term's sums with the one walking most contiguous axes last (the order :mod:`.vectorize` sees)."""
    ordered = []
    for t in terms:
        names = {lp.index for lp in t.loops}
        accesses = [a for f in t.factors for a in f.accesses]
        best, best_score = None, -1
        for lp in t.loops:
            others = names - {lp.index}
            movable = not (_bound_indices(lp, others)) and not any(
                lp.index in o.depends for o in t.loops if o.index != lp.index
            )
            if not movable and lp is not t.loops[-1]:
                continue
            score = sum(_unit(a, lp.index) for a in accesses)
            if score > best_score or (score == best_score and lp is t.loops[-1]):
                best, best_score = lp, score
        if best is not None and best is not t.loops[-1]:
            loops = tuple(lp for lp in t.loops if lp is not best) + (best,)
            t = replace(t, loops=loops)
        ordered.append(t)
    return ordered


def _plan(
    layer: Layer,
    target_name: str,
    free: tuple,
    shape: tuple,
    terms: tuple[Term, ...],
    reductions: list[Reduction],
    block: int,
):
    """The Numba schedule: which index runs innermost, which free indices go inside the sums, what to hoist.

    The innermost loop is the index that walks the most contiguous (last) axes
    one element at a time, the target's included; ties go to a long index (one
    whose extent is not only parameter and hyper-parameter sizes, which are
    kernel taps and channel counts) and then to a free index. A free index
    innermost makes the kernel *accumulate*: the free indices tied to a sum
    index (read together in one array index, or bounding one another) run
    inside the sums with it, the others stay outside — the parallel ones, each
    owning its slice of the target — and each term adds into the target in
    place, its loop bounds re-derived by Fourier–Motzkin elimination. A sum
    index innermost sums into a scalar; if free indices are tied to the sums
    they still run inside the other sums (``partial``: each innermost sum is
    added into the target), which keeps the rows it reads in cache (3× on a
    convolution's kernel gradient). Then the factors of each term are hoisted
    out of the loops they do not depend on.
    """
    short = _short_sizes(layer)
    extent = {f: e for f, e in zip(free, shape)}
    for t in terms:
        for b in t.sums:
            extent[b.index] = sp.expand(b.declared[1] - b.declared[0] + 1)

    def key(t: Term, r: Reduction, index: sp.Symbol) -> tuple[int, bool, bool]:
        name = str(index)
        unit = sum(_unit(a, name) for f in r.factors for a in f.accesses)
        if index in free and free[-1] == index:
            unit += 1  # the target's own last axis
        return (unit, bool(extent[index].free_symbols - short), index in free)

    summed = [(t, r) for t, r in zip(terms, reductions) if t.sums]
    if not summed:
        return _split_floors(target_name, free, shape, terms, reductions)

    def total(f: sp.Symbol) -> tuple[int, ...]:
        return tuple(map(sum, zip(*(key(t, r, f) for t, r in summed))))

    best_free = max(free, key=total) if free else None
    accumulate = best_free is not None and all(
        key(t, r, best_free) >= max(key(t, r, b.index) for b in t.sums) and key(t, r, best_free)[0] > 0
        for t, r in summed
    )
    tied = {best_free} if accumulate else set()
    for t in terms:
        sums = {b.index for b in t.sums}
        groups = [e.free_symbols for a in t.body.atoms(sp.Indexed) for e in a.indices]
        groups += [e.free_symbols | {b.index} for b in t.sums for e in b.lower + b.upper]
        for g in groups:
            if g & sums:
                tied |= g & set(free)
    outer = tuple(f for f in free if f not in tied)
    inner = tuple(f for f in free if f in tied and not (accumulate and f == best_free))
    if accumulate:
        inner += (best_free,)
    init = -1
    if inner:
        init = next((k for k, t in enumerate(terms) if not t.sums and not t.guards), -1)
    planned = []
    for t, r in zip(terms, reductions):
        sums = [b.index for b in t.sums]
        last = []
        if not accumulate and sums:
            last = [max(sums, key=lambda b: key(t, r, b))]
            sums = [b for b in sums if b not in last]
        order = list(outer) + sums + list(inner) + last
        nest = free_loops(free, shape) + list(t.sums)
        nest = [b for b in nest if b.index in order]
        try:
            bounds = reorder(nest, order, {b.index: b.declared for b in nest})[len(outer) :]
        except ValueError:  # a bound the elimination cannot handle: keep the derivation's order
            bounds = [b for b in nest if b.index not in outer]
        bounds, t, target = _from_zero(bounds, t, free)
        lhs, pack = f"{target_name}[{', '.join(scalar_code(e) for e in target)}]", None
        flat = packed(bounds, t, target_name, target) if accumulate and len(terms) == 1 else None
        if flat is not None:
            bounds, t, lhs, pack = flat
        r = replace(
            r,
            nest=tuple(loop_of(b) for b in bounds),
            guards=tuple(scalar_code(g) for g in t.guards),
            lhs=lhs,
            partial=bool(inner and last),
            pack=pack,
        )
        r = hoisted(r, t)
        if pack is not None:
            r = _jam_pack(r, bounds, t, block)
        planned.append(r)
    return tuple(map(str, outer)), tuple(map(str, inner)), init, planned


def _scattered(target_name: str, free: tuple, s: Scatter, reductions: list[Reduction]):
    """The Numba plan of a scattered kernel (:mod:`.scatter`): the fixed free indices zeroed as the
    target's rows, then each term's sums adding into the point its guards name; the NumPy backend
    keeps reading each reduction's own loops and guard masks."""
    planned = []
    for r, t, nest, target in zip(reductions, s.terms, s.nests, s.targets):
        lhs = f"{target_name}[{', '.join(scalar_code(e) for e in target)}]"
        r = replace(r, nest=tuple(loop_of(b) for b in nest), guards=(), lhs=lhs, partial=False)
        planned.append(hoisted(r, t))
    outer = tuple(str(f) for f in free if f not in s.inner)
    return outer, tuple(str(f) for f in free if f in s.inner), -1, planned


def _jam_pack(r: Reduction, bounds: list[Bound], t: Term, block: int) -> Reduction:
    """A packed term (:mod:`.pack`) jammed over its outermost sum and a tap (:mod:`.jam`), where it can be."""
    index = {str(b.index): b.index for b in bounds}
    slot = sp.IndexedBase(BUFFER)[(*(index[lp.index] for lp in r.pack.unpack[:2]), FLAT)]
    found = jammed_pack(bounds, t.body, slot, block)
    if found is None:
        return r
    jam, first = found
    return replace(r, jam=jam, nest=(first,) + r.nest[1:])


def _split_floors(
    target_name: str, free: tuple, shape: tuple, terms: tuple[Term, ...], reductions: list[Reduction]
):
    """An elementwise kernel whose free index ``p`` is read only as ``floor(p/s)`` runs ``p = s·_p + _r``.

    ``floor(p/s)`` is then ``_p``: no integer division per element (Numba's
    ``//`` checks signs and zero, which also stops vectorisation) — the
    up-sampling of a pooling layer's gradient. Applies when ``p``'s extent is
    a multiple of ``s``; other kernels keep one loop per free index.
    """
    plain = (tuple(str(f) for f in free), (), -1, reductions)
    split: dict[sp.Symbol, sp.Expr] = {}
    for f, e in zip(free, shape):
        floors = [fl for t in terms for fl in t.body.atoms(sp.floor) if f in fl.free_symbols]
        divisors = {sp.simplify(f / fl.args[0]) for fl in floors}
        if not floors or len(divisors) != 1:
            continue
        (s,) = divisors
        quotient, rest = sp.div(sp.expand(e), s, *sorted(e.free_symbols | s.free_symbols, key=str))
        if rest == 0 and (not s.is_number or s > 1):
            split[f] = (s, quotient)
    if not split:
        return plain
    outer = tuple(f for f in free if f not in split)
    inner = tuple(f for f in free if f in split)
    init = next((k for k, t in enumerate(terms) if not t.guards), -1)
    planned = []
    for t, r in zip(terms, reductions):
        bounds, floor_of, value = [], {}, {}
        for f, e in zip(free, shape):
            if f in outer:
                continue
            if f not in split:
                bounds.append(Bound(f, (sp.S.Zero,), (e - 1,), (sp.S.Zero, e - 1)))
                continue
            s, quotient = split[f]
            q, rem = sp.Symbol(f"_{f}", integer=True), sp.Symbol(f"_{f}_r", integer=True)
            bounds.append(Bound(q, (sp.S.Zero,), (quotient - 1,), (sp.S.Zero, quotient - 1)))
            bounds.append(Bound(rem, (sp.S.Zero,), (s - 1,), (sp.S.Zero, s - 1)))
            floor_of[sp.floor(f / s)] = q
            value[f] = s * q + rem
        body = t.body.xreplace(floor_of).xreplace(value)
        guards = tuple(g.xreplace(floor_of).xreplace(value) for g in t.guards)
        target = tuple(sp.sympify(f).xreplace(value) for f in free)
        term = Term((), body, guards)
        r = replace(
            r,
            nest=tuple(loop_of(b) for b in bounds),
            guards=tuple(scalar_code(g) for g in guards),
            lhs=f"{target_name}[{', '.join(scalar_code(e) for e in target)}]",
        )
        planned.append(hoisted(r, term))
    return tuple(map(str, outer)), tuple(map(str, inner)), init, planned


def _from_zero(bounds: list[Bound], t: Term, free: tuple) -> tuple[list[Bound], Term, tuple]:
    """Run every loop with one lower bound ``L ≠ 0`` as ``_v`` from 0, the index being ``_v + L``.

    Array indices then are sums of loop counters that start at 0, which LLVM
    proves non-negative, so Numba's negative-index wraparound drops out of the
    inner loop and it vectorises (3–4× on a full convolution).
    """
    shift: dict[sp.Symbol, sp.Expr] = {}
    out = []
    for b in bounds:
        lower = tuple(sp.expand(e.xreplace(shift)) for e in b.lower)
        upper = tuple(sp.expand(e.xreplace(shift)) for e in b.upper)
        if len(lower) == 1 and lower[0] != 0 and not lower[0].has(sp.floor):
            v = sp.Symbol(f"_{b.index}", integer=True)
            shift[b.index] = v + lower[0]
            out.append(Bound(v, (sp.S.Zero,), tuple(sp.expand(e - lower[0]) for e in upper), b.declared))
        else:
            out.append(Bound(b.index, lower, upper, b.declared))
    if not shift:
        return out, t, tuple(free)

    def sub(e: sp.Expr) -> sp.Expr:
        e = e.xreplace(shift)
        return e.xreplace({a: a.base[tuple(sp.expand(i) for i in a.indices)] for a in e.atoms(sp.Indexed)})

    term = Term(t.sums, sub(t.body), tuple(sub(g) for g in t.guards))
    return out, term, tuple(sp.expand(sp.sympify(f).xreplace(shift)) for f in free)


#: A kernel runs in parallel (``prange``) when its loops include this many long ones.
PARALLEL_LONG_LOOPS = 3


def _short_sizes(layer: Layer) -> set[sp.Symbol]:
    """Sizes of parameters and hyper-parameters: kernel taps, channel and unit counts, pool factors."""
    short = set(layer.hyper)
    for a in layer.params:
        for e in a.shape:
            short |= e.free_symbols
    return short


def _large(layer: Layer, free: tuple, shape: tuple, terms: tuple[Term, ...]) -> bool:
    """Is the kernel worth a parallel loop? Starting one costs tens of µs even on an idle machine.

    Counts the loops whose extent holds a size that is not a parameter's or a
    hyper-parameter's (the batch, the image height and width): a kernel over
    whole feature maps has three, a fully connected layer's one.
    """
    short = _short_sizes(layer)

    def long(e: sp.Expr) -> int:
        return int(bool(sp.sympify(e).free_symbols - short))

    spread = sum(long(e) for e in shape)
    most = max(spread + sum(long(b.declared[1] - b.declared[0]) for b in t.sums) for t in terms)
    loops = max(len(shape) + len(t.sums) for t in terms)
    summed = any(t.sums for t in terms)
    return most >= PARALLEL_LONG_LOOPS or (summed and most >= 1 and loops >= PARALLEL_LONG_LOOPS)


# -- sizes ----------------------------------------------------------------------------------------


def _solve_sizes(layer: Layer) -> tuple[SizeRule, ...]:
    """Each size as an expression in the given arrays' shapes (``hyper`` sizes from ``hyper``)."""
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

