"""Loop interchange by Fourier–Motzkin elimination over a term's affine bounds.

A derived term ``Σ_{a=max(0, p-Ho+1)}^{min(KH-1, p)}`` nested inside a loop over
``p`` may be run with ``a`` outside and ``p`` inside: ``p ∈ [a, a+Ho-1]``.
Putting the reduction indices outside and the contiguous output axis innermost
is what lets a convolution's inner loop vectorise. The transformation works on
any nest of affine bounds (``floor`` bounds included, read back as the linear
constraints they came from), so it applies to every layer the engine derives.

A pass over frozen sums (:class:`~.ir.Sum`), no SymPy: bounds are read as
integer forms (:mod:`.forms`), eliminated, pruned and written back as
loop-tree expressions.
"""

from __future__ import annotations

from collections.abc import Set

from . import forms as F
from . import loops as L
from .ir import Sum


def constraints(nest: list[Sum]) -> list[F.Form]:
    """Every bound of the nest as an integer linear constraint ``e ≥ 0``."""
    out = []
    for b in nest:
        v = F.name(b.index)
        out += [_as_linear(v, F.of(lo), lower=True) for lo in b.lower]
        out += [_as_linear(v, F.of(stop) - 1, lower=False) for stop in b.stop]
    return out


def _as_linear(v: F.Form, bound: F.Form, lower: bool) -> F.Form:
    """``v ≥ bound`` (or ``v ≤ bound``) as ``e ≥ 0`` with ``e`` affine, for integer ``v``."""
    floors = bound.floors()
    if not floors:
        return v - bound if lower else bound - v
    fl = floors[0]
    k = bound - F.atom(fl)
    if len(floors) != 1 or k.floors():
        raise ValueError("a bound that is not floor(·) + affine")
    num, den = F.fraction(fl.arg)
    if lower:  # v - k ≥ floor(num/den)  ⇔  den·(v - k + 1) - num - 1 ≥ 0
        return den * (v - k + 1) - num - 1
    return num - den * (v - k)  # v - k ≤ floor(num/den)  ⇔  num - den·(v - k) ≥ 0


def ranges(nest: list[Sum]) -> dict[str, tuple[F.Form, F.Form]]:
    """Each loop's declared range, ``(lowest, highest)``."""
    out = {}
    for b in nest:
        start, extent = F.of(b.declared[0]), F.of(b.declared[1])
        out[b.index] = (start, start + extent - 1)
    return out


def reorder(nest: list[Sum], order: list[str], sizes: Set[str]) -> list[Sum]:
    """The same iteration space as ``nest``, looped in ``order`` (outermost first); ``sizes``: the names
    that are positive integers.

    Each loop's declared range is the conservative range pruning reasons over
    (dropping bounds that others imply). Bounds of inner loops are exact;
    outer bounds come from Fourier–Motzkin projection and may be loose only
    where a coefficient is not ±1 (an inner loop then runs empty, never
    wrong). :class:`ValueError` where a bound is not affine or a
    coefficient's sign is not known.
    """
    sizes = frozenset(sizes)
    cons = constraints(nest)
    declared = {b.index: b.declared for b in nest}
    rng = ranges(nest)
    out: list[Sum] = []
    for v in reversed(order):
        inner = set(order[order.index(v) + 1 :])
        mine = [e for e in cons if v in e.names()]
        lowers, uppers, keep = [], [], [e for e in cons if v not in e.names()]
        for e in mine:
            c = e.coeff(v)
            rest = e - c * F.name(v)
            if rest.names() & inner:
                raise ValueError(f"a constraint ties {v} to an inner index")
            if F.positive(c, sizes):
                lowers.append((c, rest))
            elif F.positive(-c, sizes):
                uppers.append((-c, rest))
            else:
                raise ValueError(f"a coefficient of {v} has no known sign")
        for cl, rl in lowers:  # FM: cl·v ≥ -rl and cu·v ≤ ru  ⇒  cu·(-rl) ≤ cl·ru
            for cu, ru in uppers:
                implied = cl * ru + cu * rl
                if implied.names() and not F.nonnegative(implied, rng, sizes):
                    keep.append(implied)
        lo = F.prune([F.ceil_div(-r, c) for c, r in lowers], rng, sizes, keep_larger=True)
        hi = F.prune([F.floor_div(r, c) for c, r in uppers], rng, sizes, keep_larger=False)
        if not lo or not hi:
            raise ValueError(f"index {v} is unbounded in the nest")
        out.append(Sum(v, tuple(e.expr() for e in lo), tuple((e + 1).expr() for e in hi), declared[v]))
        cons = keep
    return list(reversed(out))


def free_loops(free: tuple[str, ...], shape: tuple[L.Expr, ...]) -> list[Sum]:
    """The loops over a kernel's free indices, ``range(extent)`` each."""
    return [Sum(f, (L.Int(0),), (s,), (L.Int(0), s)) for f, s in zip(free, shape, strict=True)]
