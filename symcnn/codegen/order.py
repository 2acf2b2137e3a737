"""The Numba loop order of a kernel: which index runs innermost, which free indices go inside the
sums, what is hoisted [B7], [B8], [B12].

Stage two of the lowering (after :func:`.freeze.reduction`, before the schedules :mod:`.window`,
:mod:`.dot`, :mod:`.tile` and :mod:`.scatter`'s plan): :func:`schedule` moves each term's
contiguous index innermost, :func:`plan` decides accumulation and re-derives the bounds by
Fourier–Motzkin elimination (:mod:`.interchange`), :func:`scatter_plan` runs a scattered kernel, and
:func:`large` says whether a kernel is worth a ``prange``.

A pass over the terms frozen once (:class:`~.ir.Frozen`), no SymPy: bounds are shifted and divided as
integer forms (:mod:`.forms`), bodies substituted as loop-tree expressions and written in the order
SymPy writes them (:func:`.copies.canonical`, :func:`.hoist.product`); the records hold the frozen sums
as their nests and loop-tree nodes as guards, targets and bodies (:mod:`.hoist`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from dataclasses import replace
from fractions import Fraction

from . import forms as F
from . import loops as L
from .copies import canonical, plus, times
from .hoist import hoisted, product, written
from .interchange import reorder
from .ir import Access, Frozen, Loop, Reduction, Sum
from .jam import jammed_pack
from .nest import is_long
from .pack import BUFFER, FLAT, packed
from .scatter import Scatter

__all__ = ["PARALLEL_LONG_LOOPS", "large", "plan", "scatter_plan", "schedule"]

_ZERO = L.Int(0)


def _unit(access: Access, index: str) -> bool:
    """Does ``index`` walk the last (contiguous) axis of ``access`` one element at a time?"""
    if not access.index:
        return False
    last = access.index[-1]
    step = dict(last.coeffs).get(index)
    return last.affine and last.divisor.value == 1 and step is not None and step.value in (1, -1)


def _bound_indices(lp: Loop, names: set[str]) -> set[str]:
    return set(lp.depends) & names


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
    target: str,
    free: tuple[str, ...],
    shape: tuple[L.Expr, ...],
    terms: tuple[Frozen, ...],
    reductions: list[Reduction],
    blocks: tuple[int, int],
    short: Set[str],
    sizes: Set[str],
    shapes: Mapping[str, tuple[L.Expr, ...]],
):
    """The Numba schedule: which index runs innermost, which free indices go inside the sums, what to hoist.

    The innermost loop is the index that walks the most contiguous (last) axes
    one element at a time, the target's included; ties go to a long index (one
    whose extent is not only parameter and hyper-parameter sizes, ``short``,
    which are kernel taps and channel counts) and then to a free index. A free
    index innermost makes the kernel *accumulate*: the free indices tied to a
    sum index (read together in one array index, or bounding one another) run
    inside the sums with it, the others stay outside — the parallel ones, each
    owning its slice of the target — and each term adds into the target in
    place, its loop bounds re-derived by Fourier–Motzkin elimination
    (``sizes``: the names that are positive integers). A sum index innermost
    sums into a scalar; if free indices are tied to the sums they still run
    inside the other sums (``partial``: each innermost sum is added into the
    target), which keeps the rows it reads in cache (3× on a convolution's
    kernel gradient). Then the factors of each term are hoisted out of the
    loops they do not depend on. ``shapes``: the extents of the arrays the
    terms read (:mod:`.pack` flattens a window target's reads).
    """
    extent = dict(zip(free, shape))
    for t in terms:
        for s in t.sums:
            extent[s.index] = s.declared[1]

    def key(r: Reduction, index: str) -> tuple[int, bool, bool]:
        unit = sum(_unit(a, index) for f in r.factors for a in f.accesses)
        if index in free and free[-1] == index:
            unit += 1  # the target's own last axis
        return (unit, bool(L.names(extent[index]) - short), index in free)

    summed = [(t, r) for t, r in zip(terms, reductions) if t.sums]
    if not summed:
        return _split_floors(target, free, shape, terms, reductions)

    def total(f: str) -> tuple[int, ...]:
        return tuple(map(sum, zip(*(key(r, f) for _, r in summed))))

    best_free = max(free, key=total) if free else None
    accumulate = best_free is not None and all(
        key(r, best_free) >= max(key(r, s.index) for s in t.sums) and key(r, best_free)[0] > 0
        for t, r in summed
    )
    tied = {best_free} if accumulate else set()
    for t in terms:
        sums = {s.index for s in t.sums}
        groups = [L.names(e) for a in _reads(t.body) for e in a.index]
        groups += [L.names(e) | {s.index} for s in t.sums for e in (*s.lower, *s.stop)]
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
        sums = [s.index for s in t.sums]
        last = []
        if not accumulate and sums:
            last = [max(sums, key=lambda b: key(r, b))]
            sums = [b for b in sums if b not in last]
        order = list(outer) + sums + list(inner) + last
        nest = [_whole(f, e) for f, e in zip(free, shape)] + list(t.sums)
        nest = [s for s in nest if s.index in order]
        try:
            bounds = _reordered(nest, order, sizes)[len(outer) :]
        except ValueError:  # a bound the elimination cannot handle: keep the derivation's order
            bounds = [s for s in nest if s.index not in outer]
        bounds, body, guards, index = _from_zero(bounds, t, free)
        lhs, pack = L.Load(target, index), None
        flat = None
        if accumulate and len(terms) == 1:
            flat = _packed(bounds, body, guards, target, index, shapes)
        if flat is not None:
            bounds, body, lhs, pack = flat
        r = replace(
            r,
            nest=tuple(bounds),
            guards=tuple(map(written, guards)),
            lhs=lhs,
            partial=bool(inner and last),
            pack=pack,
        )
        r = hoisted(r, body)
        if pack is not None:
            r = _jam_pack(r, bounds, body, blocks)
        planned.append(r)
    return outer, inner, init, planned


def _reads(e: L.Expr) -> list[L.Load]:
    """The array reads in ``e``, each once."""
    return list(dict.fromkeys(n for n in L.walk(e) if isinstance(n, L.Load)))


def _whole(index: str, extent: L.Expr) -> Sum:
    """The loop over a free index, ``0 .. extent-1``."""
    extent = F.expanded(extent)
    return Sum(index, (_ZERO,), (extent,), (_ZERO, extent))


def _reordered(nest: list[Sum], order: list[str], sizes: Set[str]) -> list[Sum]:
    """:func:`.interchange.reorder` of a nest, each bound expanded and each loop keeping the range it was
    declared with."""
    declared = {s.index: s.declared for s in nest}
    return [Sum(s.index, tuple(map(F.expanded, s.lower)), tuple(map(F.expanded, s.stop)), declared[s.index])
            for s in reorder(nest, order, sizes)]


def scatter_plan(target: str, free: tuple[str, ...], s: Scatter, terms: tuple[Frozen, ...],
                 reductions: list[Reduction]):
    """The Numba plan of a scattered kernel (:mod:`.scatter`): the fixed free indices zeroed as the
    target's rows, then each term's sums adding into the point its guards name; the NumPy backend
    keeps reading each reduction's own loops and guard masks."""
    planned = []
    for r, t, point, sums in zip(reductions, terms, s.targets, s.sums, strict=True):
        declared = {b.index: b.declared for b in t.sums}
        bounds = tuple(Sum(b.index, tuple(map(F.expanded, b.lower)), tuple(map(F.expanded, b.stop)),
                           declared[b.index]) for b in sums)
        r = replace(r, nest=bounds, guards=(), lhs=L.Load(target, point), partial=False)
        planned.append(hoisted(r, t.body))
    outer = tuple(f for f in free if f not in s.inner)
    return outer, tuple(f for f in free if f in s.inner), -1, planned


def _packed(bounds: list[Sum], body: L.Expr, guards: tuple[L.Expr, ...], target: str,
            index: tuple[L.Expr, ...], shapes: Mapping[str, tuple[L.Expr, ...]]):
    """:func:`.pack.packed` of a term: its new bounds (the flat one last) and body, the buffer element it
    adds to, the pack; or ``None``."""
    found = packed(list(bounds), body, bool(guards), shapes, target, index)
    if found is None:
        return None
    run = F.expanded(found.sums[-1].declared[1])
    p, q = bounds[-2].index, bounds[-1].index
    views = dict(found.views)

    def flat(n: L.Node) -> L.Node:
        if isinstance(n, L.Load) and L.names(n) & {p, q}:
            return L.Load(views[n.array], (*n.index[:-2], L.Var(FLAT)))
        return n

    flat_body = product(L.factors(L.rewrite(body, flat)))
    whole = Sum(FLAT, (_ZERO,), (run,), (_ZERO, run))
    return [*bounds[:-2], whole], flat_body, found.slot, found.pack


def _jam_pack(r: Reduction, bounds: list[Sum], body: L.Expr, blocks: tuple[int, int]) -> Reduction:
    """A packed term (:mod:`.pack`) jammed over its outermost sum and a tap (:mod:`.jam`), where it can be."""
    slot = L.Load(BUFFER, (*(L.Var(lp.index) for lp in r.pack.unpack[:2]), L.Var(FLAT)))
    jam = jammed_pack(list(bounds), body, slot, blocks)
    if jam is None:
        return r
    j = bounds[0]
    first = Sum(j.index, (L.Var("_jr"),), j.stop, j.declared)
    return replace(r, jam=jam, nest=(first,) + r.nest[1:])


def _substituted(e: L.Expr, values: Mapping[str, L.Expr], written: Callable[[L.Expr], L.Expr],
                 floors: Mapping[L.Expr, L.Expr] | None = None) -> L.Expr:
    """``e`` with ``floors`` replaced, then the names in ``values``, as SymPy rebuilds it: each array
    index ``written`` (expanded, or summed up again: :func:`.copies.canonical`), each side of a
    comparison summed up again, a product's factors in SymPy's order (:func:`.hoist.product`)."""
    def fix(n: L.Node) -> L.Node:
        if isinstance(n, L.Load):
            return L.Load(n.array, tuple(written(i) for i in n.index))
        if isinstance(n, L.Cmp):
            return L.Cmp(n.op, canonical(n.left), canonical(n.right))
        return n

    if floors:
        e = L.rewrite(e, lambda n: floors.get(n, n))
    e = L.rewrite(L.substitute(e, values), fix)
    return product(L.factors(e)) if isinstance(e, L.Mul) else e


def _split_floors(target: str, free: tuple[str, ...], shape: tuple[L.Expr, ...], terms: tuple[Frozen, ...],
                  reductions: list[Reduction]):
    """An elementwise kernel whose free index ``p`` is read only as ``floor(p/s)`` runs ``p = s·_p + _r``.

    ``floor(p/s)`` is then ``_p``: no integer division per element (Numba's
    ``//`` checks signs and zero, which also stops vectorisation) — the
    up-sampling of a pooling layer's gradient. Applies when ``p``'s extent is
    a multiple of ``s``; other kernels keep one loop per free index.
    """
    split: dict[str, tuple[L.Expr, L.Expr]] = {}
    for f, e in zip(free, shape):
        floors = [n for t in terms for n in L.walk(t.body) if isinstance(n, L.FloorDiv) and f in L.names(n)]
        if not floors or any(n.num != L.Var(f) for n in floors) or len({n.den for n in floors}) != 1:
            continue
        s = floors[0].den
        quotient = _quotient(F.of(e), F.of(s))
        if quotient is not None and (not isinstance(s, L.Int) or s.value > 1):
            split[f] = (s, quotient.expr())
    if not split:
        return free, (), -1, [hoisted(replace(r, guards=tuple(map(written, t.guards))), t.body)
                              for t, r in zip(terms, reductions)]
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
                bounds.append(_whole(f, e))
                continue
            s, quotient = split[f]
            q, rem = f"_{f}", f"_{f}_r"
            bounds += [_whole(q, quotient), _whole(rem, s)]
            floor_of[L.FloorDiv(L.Var(f), s)] = L.Var(q)
            value[f] = plus(times(s, L.Var(q)), L.Var(rem))
        body = _substituted(t.body, value, canonical, floor_of)
        guards = tuple(_substituted(g, value, canonical, floor_of) for g in t.guards)
        point = tuple(value.get(f, L.Var(f)) for f in free)
        r = replace(
            r,
            nest=tuple(bounds),
            guards=tuple(map(written, guards)),
            lhs=L.Load(target, point),
        )
        planned.append(hoisted(r, body))
    return outer, inner, init, planned


def _quotient(e: F.Form, s: F.Form) -> F.Form | None:
    """``e / s`` where SymPy's ``div`` leaves no remainder: ``s`` one term, a number or a product of
    names each term of ``e`` holds (numbers divide over the rationals), else ``None``."""
    if len(s.terms) != 1:
        return None
    ((m, c),) = s.terms
    held = dict(m)
    for n, _ in e.terms:
        powers = dict(n)
        if any(isinstance(g, F.Floor) or powers.get(g, 0) < k for g, k in held.items()):
            return None
    return e * F.Form((((tuple((g, -k) for g, k in m)), Fraction(1) / c),))


def _from_zero(bounds: list[Sum], t: Frozen, free: tuple[str, ...]):
    """Run every loop with one lower bound ``L ≠ 0`` as ``_v`` from 0, the index being ``_v + L``: the
    bounds, the term's body and guards, and the target's index.

    Array indices then are sums of loop counters that start at 0, which LLVM
    proves non-negative, so Numba's negative-index wraparound drops out of the
    inner loop and it vectorises (3–4× on a full convolution).
    """
    shift: dict[str, L.Expr] = {}
    out = []
    for s in bounds:
        lower = [F.of(L.substitute(e, shift)) for e in s.lower]
        stop = [F.of(L.substitute(e, shift)) for e in s.stop]
        if len(lower) == 1 and lower[0] != F.zero() and not _has_floor(lower[0]):
            v = f"_{s.index}"
            shift[s.index] = (F.name(v) + lower[0]).expr()
            out.append(Sum(v, (_ZERO,), tuple((e - lower[0]).expr() for e in stop), s.declared))
        else:
            out.append(Sum(s.index, tuple(e.expr() for e in lower), tuple(e.expr() for e in stop),
                           s.declared))
    if not shift:
        return out, t.body, t.guards, tuple(L.Var(f) for f in free)

    index = tuple(F.expanded(L.substitute(L.Var(f), shift)) for f in free)
    guards = tuple(_substituted(g, shift, F.expanded) for g in t.guards)
    return out, _substituted(t.body, shift, F.expanded), guards, index


def _has_floor(f: F.Form) -> bool:
    return bool(f.floors())


#: A kernel runs in parallel (``prange``) when its loops include this many long ones.
PARALLEL_LONG_LOOPS = 3


def large(free: tuple[str, ...], shape: tuple[L.Expr, ...], terms: tuple[Frozen, ...],
          short: Set[str]) -> bool:
    """Is the kernel worth a parallel loop? Starting one costs tens of µs even on an idle machine.

    Counts the loops whose extent holds a size that is not a parameter's or a
    hyper-parameter's (``short``: the batch, the image height and width): a kernel over
    whole feature maps has three, a fully connected layer's one.
    """
    spread = sum(is_long(e, short) for e in shape)
    most = max(spread + sum(is_long(s.declared[1], short) for s in t.sums) for t in terms)
    loops = max(len(shape) + len(t.sums) for t in terms)
    summed = any(t.sums for t in terms)
    return most >= PARALLEL_LONG_LOOPS or (summed and most >= 1 and loops >= PARALLEL_LONG_LOOPS)
