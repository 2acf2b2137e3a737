"""A gradient whose free indices the sums fix, run as a scatter: the strided, dilated input sensitivity [B12].

The input sensitivity of a convolution with stride ``s`` and dilation ``d``
both above one is derived as

    dX[n, i, p, q] = Σ_{j, y, x, a, b} [p = s·y + d·a - P] [q = s·x + d·b - P] K[j, i, a, b]·dU[n, j, y, x]

No sum index has a unit coefficient in ``s·y + d·a``, so the engine cannot
solve the guard for one (that would take the lattice ``d·a ≡ p + P (mod s)``,
whose step ``s / gcd(s, d)`` is not a polynomial in the sizes). Looped as
derived, each point ``(p, q)`` scans every ``(j, y, x, a, b)`` for the few
that hit it: ``Hp·Wq`` times the work, branching on every step. Read the
other way, the guards say which point each step of the sums adds into: the
kernel runs the sums and adds into ``dX[n, i, s·y + d·a - P, s·x + d·b - P]``,
and the guards become bounds — ``0 ≤ s·y + d·a - P ≤ Hp - 1`` bounds ``y``
for each ``a`` — solved by the same Fourier–Motzkin elimination as every
other loop (:mod:`.interchange`): no branch and no wasted step.

Applies to a kernel whose every term has sums and guards, each guard
``f = e`` with ``f`` a free index and ``e`` affine in the sums, the same free
indices fixed in every term, each by one guard. The free indices it fixes
run as the target's zeroed rows, the others outside (in parallel): no two
steps of the ``prange`` add into the same point.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..derive.terms import Bound, Term
from ..model.bounds import ceil_div, floor_div, is_positive_in_sizes
from .freeze import freeze, reordered
from .nest import is_long


@dataclass(frozen=True)
class Scatter:
    """The free indices the sums fix (``inner``), and per term the target's indices and the term without
    guards, its sums in loop order with the guards' bounds."""

    inner: tuple[sp.Symbol, ...]
    targets: tuple[tuple[sp.Expr, ...], ...]
    terms: tuple[Term, ...]


def scattered(free: tuple, shape: tuple, terms: tuple[Term, ...], short: set) -> Scatter | None:
    """The scatter schedule of a kernel (see the module doc), or ``None`` where it does not apply.

    ``short``: the sizes of parameters and hyper-parameters; a guard bounds a sum index over a map
    (a long extent) before a tap.
    """
    if not terms or any(not t.sums or not t.guards for t in terms):
        return None
    fixed = [_fixing(t, free) for t in terms]
    if None in fixed or len({tuple(sorted(f, key=str)) for f in fixed}) != 1:
        return None
    inner = tuple(f for f in free if f in fixed[0])
    extent = dict(zip(free, shape))
    targets, out = [], []
    for t, fix in zip(terms, fixed):
        sums = {b.index: b for b in t.sums}
        last = []
        for f, e in fix.items():
            u = _solved_for(e, sums, short, last)
            if u is None:
                return None
            c = sp.expand(e).coeff(u)
            rest = sp.expand(e - c * u)
            b = sums[u]
            sums[u] = Bound(u, (*b.lower, ceil_div(-rest, c)), (*b.upper, floor_div(extent[f] - 1 - rest, c)),
                            b.declared)
            last.append(u)
        order = [s for s in sums if s not in last] + last
        try:
            nest = reordered(list(sums.values()), order)
        except ValueError:
            return None
        targets.append(tuple(fix.get(f, f) for f in free))
        out.append(Term(tuple(nest), t.body, ()))
    return Scatter(inner, tuple(targets), tuple(out))


def _fixing(t: Term, free: tuple) -> dict | None:
    """``{f: e}`` for the guards ``f = e`` of ``t``, or ``None`` if a guard is anything else."""
    sums = {b.index for b in t.sums}
    fix = {}
    for g in t.guards:
        if not isinstance(g, sp.Eq):
            return None
        for f, e in ((g.lhs, g.rhs), (g.rhs, g.lhs)):
            if f in free and f not in fix and not e.free_symbols & set(free) and e.free_symbols & sums:
                if sp.Poly(e, *sorted(e.free_symbols & sums, key=str)).total_degree() == 1:
                    fix[f] = e
                    break
        else:
            return None
    return fix


def _solved_for(e: sp.Expr, sums: dict, short: set, taken: list) -> sp.Symbol | None:
    """The sum index of ``e`` whose bounds take the guard: one with a coefficient positive in the sizes,
    a map index (long extent) before a tap."""
    found = []
    for u in sorted(e.free_symbols & set(sums), key=str):
        c = sp.expand(e).coeff(u)
        if u in taken or c.free_symbols & set(sums) or not is_positive_in_sizes(c):
            continue
        lo, hi = sums[u].declared
        found.append((is_long(freeze(hi - lo), {str(s) for s in short}), u))
    return max(found, key=lambda x: x[0])[1] if found else None


__all__ = ["Scatter", "scattered"]
