"""Loop interchange by Fourier–Motzkin elimination over a term's affine bounds.

A derived term ``Σ_{a=max(0, p-Ho+1)}^{min(KH-1, p)}`` nested inside a loop over
``p`` may be run with ``a`` outside and ``p`` inside: ``p ∈ [a, a+Ho-1]``.
Putting the reduction indices outside and the contiguous output axis innermost
is what lets a convolution's inner loop vectorise. The transformation works on
any nest of affine bounds (``floor`` bounds included, read back as the linear
constraints they came from), so it applies to every layer the engine derives.
"""

from __future__ import annotations

import sympy as sp

from ..derive.terms import Bound
from ..model.bounds import Ranges, ceil_div, floor_div, is_positive_in_sizes, nonnegative, prune_bounds


def constraints(nest: list[Bound]) -> list[sp.Expr]:
    """Every bound of the nest as an integer linear constraint ``e ≥ 0``."""
    out = []
    for b in nest:
        out += [_as_linear(b.index, lo, lower=True) for lo in b.lower]
        out += [_as_linear(b.index, hi, lower=False) for hi in b.upper]
    return out


def _as_linear(v: sp.Symbol, bound: sp.Expr, lower: bool) -> sp.Expr:
    """``v ≥ bound`` (or ``v ≤ bound``) as ``e ≥ 0`` with ``e`` affine, for integer ``v``."""
    floors = bound.atoms(sp.floor)
    if not floors:
        return sp.expand(v - bound if lower else bound - v)
    (fl,) = floors
    k = sp.expand(bound - fl)
    if len(floors) != 1 or k.has(sp.floor):
        raise ValueError(f"bound {bound} is not floor(·) + affine")
    num, den = sp.fraction(sp.together(fl.args[0]))
    if lower:  # v - k ≥ floor(num/den)  ⇔  den·(v - k + 1) - num - 1 ≥ 0
        return sp.expand(den * (v - k + 1) - num - 1)
    return sp.expand(num - den * (v - k))  # v - k ≤ floor(num/den)  ⇔  num - den·(v - k) ≥ 0


def reorder(nest: list[Bound], order: list[sp.Symbol], ranges: Ranges) -> list[Bound]:
    """The same iteration space as ``nest``, looped in ``order`` (outermost first).

    ``ranges`` gives a conservative range of every index (for pruning bounds
    that others imply). Bounds of inner loops are exact; outer bounds come from
    Fourier–Motzkin projection and may be loose only where a coefficient is not
    ±1 (an inner loop then runs empty, never wrong).
    """
    cons = constraints(nest)
    declared = {b.index: b.declared for b in nest}
    out: list[Bound] = []
    for v in reversed(order):
        inner = set(order[order.index(v) + 1 :])
        mine = [e for e in cons if v in e.free_symbols]
        lowers, uppers, keep = [], [], [e for e in cons if v not in e.free_symbols]
        for e in mine:
            c = sp.expand(e).coeff(v)
            rest = sp.expand(e - c * v)
            if rest.free_symbols & inner:
                raise ValueError(f"constraint {e} ≥ 0 ties {v} to an inner index")
            if is_positive_in_sizes(c):
                lowers.append((c, rest))
            elif is_positive_in_sizes(-c):
                uppers.append((-c, rest))
            else:
                raise ValueError(f"coefficient {c} of {v} has no known sign")
        rng = {**ranges, **declared}
        for cl, rl in lowers:  # FM: cl·v ≥ -rl and cu·v ≤ ru  ⇒  cu·(-rl) ≤ cl·ru
            for cu, ru in uppers:
                implied = sp.expand(cl * ru + cu * rl)
                if implied.free_symbols and not nonnegative(implied, rng):
                    keep.append(implied)
        lo = prune_bounds([ceil_div(-r, c) for c, r in lowers], rng, keep_larger=True)
        hi = prune_bounds([floor_div(r, c) for c, r in uppers], rng, keep_larger=False)
        if not lo or not hi:
            raise ValueError(f"index {v} is unbounded in the nest")
        out.append(Bound(v, tuple(lo), tuple(hi), rng.get(v, (lo[0], hi[0]))))
        cons = keep
    return list(reversed(out))


def free_loops(free: tuple[sp.Symbol, ...], shape: tuple[sp.Expr, ...]) -> list[Bound]:
    """The loops over a gradient's free indices, as bounds ``0 .. extent-1``."""
    return [Bound(f, (sp.S.Zero,), (s - 1,), (sp.S.Zero, s - 1)) for f, s in zip(free, shape)]
