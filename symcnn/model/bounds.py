"""Sound reasoning about integer bounds: is an expression ≥ 0 for every index value?

Sizes are positive integers; indices range over boxes whose ends are
expressions in the sizes. We answer "provably yes" or "don't know" — never a
wrong yes — which is all bound pruning needs.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

Ranges = dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]


@lru_cache(maxsize=1 << 14)
def is_positive_in_sizes(expr: sp.Expr) -> bool:
    """True when ``expr`` > 0 for every value ≥ 1 of its (positive integer) symbols.

    Remembered per expression (a symbol's assumptions are part of it): bound pruning asks
    about the same coefficients and differences many times a layer.

    Substitutes ``s = 1 + s'`` with ``s' ≥ 0``: a numerator whose coefficients
    are all ≥ 0 with a positive constant term is positive; denominators must be
    monomials (positive).
    """
    num, den = sp.fraction(sp.together(sp.expand(expr)))
    if not _positive_poly(den):
        num, den = -num, -den
        if not _positive_poly(den):
            return False
    return _positive_poly(num)


def _positive_poly(expr: sp.Expr) -> bool:
    syms = sorted(expr.free_symbols, key=str)
    if any(not (s.is_integer and s.is_positive) for s in syms):
        return False
    shifted = sp.expand(expr.subs({s: s + 1 for s in syms}, simultaneous=True))
    if shifted.is_number:
        return bool(shifted > 0)
    poly = sp.Poly(shifted, *syms) if syms else None
    if poly is None:
        return False
    coeffs = poly.as_dict()
    const = coeffs.get((0,) * len(syms), 0)
    return const > 0 and all(c >= 0 for c in coeffs.values())


def _floor_free(expr: sp.Expr, want_lower: bool) -> sp.Expr | None:
    """Replace each ``floor(a/d)`` by an affine bound of it, on the side asked for.

    For a lower bound of ``expr`` a floor with coefficient > 0 becomes
    ``(a - d + 1)/d`` and one with coefficient < 0 becomes ``a/d``; integer
    ``a`` and positive ``d`` make both sound.
    """
    expr = sp.expand(expr)
    for fl in sorted(expr.atoms(sp.floor), key=sp.default_sort_key):
        coeff = expr.coeff(fl)
        arg = sp.together(fl.args[0])
        num, den = sp.fraction(arg)
        if not is_positive_in_sizes(den):
            return None
        if is_positive_in_sizes(coeff):
            pos = True
        elif is_positive_in_sizes(-coeff):
            pos = False
        else:
            return None
        low_side = pos if want_lower else not pos
        repl = (num - den + 1) / den if low_side else num / den
        expr = sp.expand(expr.subs(fl, repl))
    return expr


def minimum(expr: sp.Expr, ranges: Ranges) -> sp.Expr | None:
    """A lower bound of an affine ``expr`` over the index box, or None if unknown."""
    expr = _floor_free(expr, want_lower=True)
    if expr is None or expr.has(sp.Max, sp.Min, sp.Mod):
        return None
    for idx in sorted(expr.free_symbols & set(ranges), key=str):
        coeff = sp.expand(expr).coeff(idx)
        if coeff.has(idx) or coeff.free_symbols & set(ranges):
            return None
        lo, hi = ranges[idx]
        if coeff == 0:
            continue
        if is_positive_in_sizes(coeff):
            expr = sp.expand(expr.subs(idx, lo))
        elif is_positive_in_sizes(-coeff):
            expr = sp.expand(expr.subs(idx, hi))
        else:
            return None
    return expr


def nonnegative(expr: sp.Expr, ranges: Ranges) -> bool:
    """True when the integer-valued ``expr`` is ≥ 0 at every point of the ranges (sound).

    Ranges may be a box or nested (an end depending on other indices, a lower
    end the ``Max`` of several, an upper end the ``Min``): a clipped window.
    """
    low = minimum(expr, ranges)
    if low is not None and not low.free_symbols & set(ranges) and is_positive_in_sizes(low + 1):
        return True
    return _chase(sp.expand(expr), ranges, 0)


def _chase(expr: sp.Expr, ranges: Ranges, depth: int) -> bool:
    """Lower-bound ``expr`` by replacing each index by its range end, inner indices first.

    An index ``t`` whose end no remaining index's range mentions goes first; a
    ``Max`` lower end (``t ≥`` each argument) or ``Min`` upper end may be
    replaced by any one of its arguments, so each is tried. Sound: every step
    only lowers the bound.
    """
    expr = _floor_free(expr, want_lower=True)
    if expr is None or expr.has(sp.Max, sp.Min, sp.Mod) or depth > 12:
        return False
    live = expr.free_symbols & set(ranges)
    if not live:
        return is_positive_in_sizes(expr + 1)
    for t in sorted(live, key=str):
        if any(t in _end_symbols(ranges[o]) for o in live if o != t):
            continue
        coeff = expr.coeff(t)
        if coeff.free_symbols & set(ranges):
            return False
        if is_positive_in_sizes(coeff):
            end, clip = ranges[t][0], sp.Max
        elif is_positive_in_sizes(-coeff):
            end, clip = ranges[t][1], sp.Min
        else:
            return False
        if end.has(sp.Max, sp.Min) and not isinstance(end, clip):
            return False
        choices = end.args if isinstance(end, clip) else (end,)
        return any(_chase(sp.expand(expr.subs(t, c)), ranges, depth + 1) for c in choices)
    return False


def _end_symbols(rng: tuple[sp.Expr, sp.Expr]) -> set[sp.Symbol]:
    return rng[0].free_symbols | rng[1].free_symbols


def ceil_div(num: sp.Expr, den: sp.Expr) -> sp.Expr:
    """``ceil(num/den)`` for integer ``num`` and positive integer ``den``, as a floor."""
    if den == 1:
        return sp.expand(num)
    return sp.floor(sp.expand((num + den - 1) / den))


def floor_div(num: sp.Expr, den: sp.Expr) -> sp.Expr:
    """``floor(num/den)`` for positive integer ``den``."""
    if den == 1:
        return sp.expand(num)
    return sp.floor(sp.expand(num / den))


def prune_bounds(
    exprs: tuple[sp.Expr, ...] | list[sp.Expr], rng: Ranges, keep_larger: bool
) -> tuple[sp.Expr, ...]:
    """Drop duplicate bounds, then each one another bound makes redundant over the box.

    ``keep_larger`` for lower bounds (their ``max`` counts), false for upper ones.
    """
    out: list[sp.Expr] = []
    for e in exprs:
        if not any(sp.expand(e - o) == 0 for o in out):
            out.append(e)
    changed = True
    while changed and len(out) > 1:
        changed = False
        for e in out:
            others = [o for o in out if o is not e]
            if any(nonnegative(o - e if keep_larger else e - o, rng) for o in others):
                out.remove(e)
                changed = True
                break
    return tuple(out)
