"""The Numba loop order of a kernel: which index runs innermost, which free indices go inside the
sums, what is hoisted [B7], [B8], [B12].

Stage two of the lowering (after :func:`.freeze.reduction`, before the schedules :mod:`.window`,
:mod:`.dot`, :mod:`.tile` and :mod:`.scatter`'s plan): :func:`schedule` moves each term's
contiguous index innermost, :func:`plan` decides accumulation and re-derives the bounds by
Fourier–Motzkin elimination (:mod:`.interchange`, over the bounds frozen: :func:`.freeze.reordered`),
:func:`scatter_plan` runs a scattered kernel, and :func:`large` says whether a kernel is worth a
``prange``.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ..derive.terms import Bound, Term
from ..model.layer import Layer
from . import loops as L
from .emit import source
from .freeze import FLAT, freeze, frozen_sum, hoisted, loop_of, reordered, symbols_of, thaw, thawed
from .ir import Access, Loop, Reduction
from .jam import jammed_pack
from .nest import is_long
from .pack import BUFFER, packed
from .printer import scalar_code
from .scatter import Scatter

__all__ = ["PARALLEL_LONG_LOOPS", "large", "plan", "scatter_plan", "schedule", "short_sizes"]


def _unit(access: Access, index: str) -> bool:
    """Does ``index`` walk the last (contiguous) axis of ``access`` one element at a time?"""
    if not access.index:
        return False
    last = access.index[-1]
    step = dict(last.coeffs).get(index)
    return last.affine and last.divisor.value == 1 and step is not None and step.value in (1, -1)


def _bound_indices(loop: Loop, names: set[str]) -> set[str]:
    return set(loop.depends) & names


def schedule(terms: list[Reduction]) -> list[Reduction]:
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


def plan(
    layer: Layer,
    target_name: str,
    free: tuple,
    shape: tuple,
    terms: tuple[Term, ...],
    reductions: list[Reduction],
    blocks: tuple[int, int],
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
    short = short_sizes(layer)
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
        nest = _free_loops(free, shape) + list(t.sums)
        nest = [b for b in nest if b.index in order]
        try:
            bounds = reordered(nest, order)[len(outer) :]
        except ValueError:  # a bound the elimination cannot handle: keep the derivation's order
            bounds = [b for b in nest if b.index not in outer]
        bounds, t, target = _from_zero(bounds, t, free)
        lhs, pack = f"{target_name}[{', '.join(scalar_code(e) for e in target)}]", None
        flat = _packed(bounds, t, target_name, target) if accumulate and len(terms) == 1 else None
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
            r = _jam_pack(r, bounds, t, blocks)
        planned.append(r)
    return tuple(map(str, outer)), tuple(map(str, inner)), init, planned


def _free_loops(free: tuple[sp.Symbol, ...], shape: tuple[sp.Expr, ...]) -> list[Bound]:
    """The loops over a kernel's free indices, as bounds ``0 .. extent-1``."""
    return [Bound(f, (sp.S.Zero,), (s - 1,), (sp.S.Zero, s - 1)) for f, s in zip(free, shape)]


def scatter_plan(target_name: str, free: tuple, s: Scatter, terms: tuple[Term, ...],
                 reductions: list[Reduction]):
    """The Numba plan of a scattered kernel (:mod:`.scatter`): the fixed free indices zeroed as the
    target's rows, then each term's sums adding into the point its guards name; the NumPy backend
    keeps reading each reduction's own loops and guard masks."""
    planned = []
    for r, t, target, sums in zip(reductions, terms, s.targets, s.sums, strict=True):
        symbols = {**symbols_of(t.sums), **{str(x): x for e in t.guards for x in e.free_symbols}}
        declared = {str(b.index): b.declared for b in t.sums}
        bounds = tuple(thawed(b, symbols, declared[b.index]) for b in sums)
        lhs = source(L.Load(target_name, target))
        r = replace(r, nest=tuple(loop_of(b) for b in bounds), guards=(), lhs=lhs, partial=False)
        planned.append(hoisted(r, Term(bounds, t.body)))
    outer = tuple(str(f) for f in free if str(f) not in s.inner)
    return outer, tuple(str(f) for f in free if str(f) in s.inner), -1, planned


def _packed(bounds: list[Bound], t: Term, target_name: str, target: tuple):
    """:func:`.pack.packed` of a derived term, read off its frozen sums and body: its new bounds and term
    thawed for the stages that still read SymPy, the buffer element it adds to, the pack; or ``None``."""
    shapes = {str(a.base.label): tuple(freeze(s) for s in a.base.shape)
              for a in t.body.atoms(sp.Indexed) if a.base.shape is not None}
    found = packed([frozen_sum(b) for b in bounds], freeze(t.body), bool(t.guards), shapes, target_name,
                   tuple(freeze(sp.sympify(e)) for e in target))
    if found is None:
        return None
    run = sp.expand(thaw(found.sums[-1].declared[1], symbols_of(bounds)))
    p, q = bounds[-2].index, bounds[-1].index
    views = dict(found.views)
    body = t.body.xreplace({a: sp.IndexedBase(views[str(a.base.label)])[(*a.indices[:-2], FLAT)]
                            for a in t.body.atoms(sp.Indexed) if a.free_symbols & {p, q}})
    flat = Bound(FLAT, (sp.S.Zero,), (run - 1,), (sp.S.Zero, run - 1))
    return [*bounds[:-2], flat], Term(t.sums, body, t.guards), source(found.slot), found.pack


def _jam_pack(r: Reduction, bounds: list[Bound], t: Term, blocks: tuple[int, int]) -> Reduction:
    """A packed term (:mod:`.pack`) jammed over its outermost sum and a tap (:mod:`.jam`), where it can be."""
    slot = L.Load(BUFFER, (*(L.Var(lp.index) for lp in r.pack.unpack[:2]), L.Var(FLAT.name)))
    jam = jammed_pack([frozen_sum(b) for b in bounds], freeze(t.body), slot, blocks)
    if jam is None:
        return r
    j = bounds[0]
    first = loop_of(Bound(j.index, (sp.Symbol("_jr"),), j.upper, j.declared))
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


def short_sizes(layer: Layer) -> set[sp.Symbol]:
    """Sizes of parameters and hyper-parameters: kernel taps, channel and unit counts, pool factors."""
    short = set(layer.hyper)
    for a in layer.params:
        for e in a.shape:
            short |= e.free_symbols
    return short


def large(layer: Layer, free: tuple, shape: tuple, terms: tuple[Term, ...]) -> bool:
    """Is the kernel worth a parallel loop? Starting one costs tens of µs even on an idle machine.

    Counts the loops whose extent holds a size that is not a parameter's or a
    hyper-parameter's (the batch, the image height and width): a kernel over
    whole feature maps has three, a fully connected layer's one.
    """
    short = {str(s) for s in short_sizes(layer)}

    def long(e: sp.Expr) -> int:
        return int(is_long(freeze(sp.sympify(e)), short))

    spread = sum(long(e) for e in shape)
    most = max(spread + sum(long(b.declared[1] - b.declared[0]) for b in t.sums) for t in terms)
    loops = max(len(shape) + len(t.sums) for t in terms)
    summed = any(t.sums for t in terms)
    return most >= PARALLEL_LONG_LOOPS or (summed and most >= 1 and loops >= PARALLEL_LONG_LOOPS)
