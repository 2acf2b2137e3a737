"""Flatten SymPy's derivative into a list of sum-of-product terms.

Nested ``Sum``s become one list of bounds per term, with every bound index
renamed to a name no other index in the expression uses: SymPy would otherwise
let a substitution capture a bound index that shares a name with a free one.
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp

from ..errors import SpecError
from ..model.padding import padded
from .terms import Bound, Term


class Names:
    """Hands out readable, unused index names: ``a``, then ``a1``, ``a2``, …"""

    def __init__(self, taken: Iterable[sp.Symbol] = ()) -> None:
        self.taken = {str(s) for s in taken}

    def fresh(self, like: sp.Symbol) -> sp.Symbol:
        base = str(like).rstrip("0123456789") or "i"
        name, k = base, 0
        while name in self.taken:
            k += 1
            name = f"{base}{k}"
        self.taken.add(name)
        return sp.Symbol(name, integer=True)


def flatten(expr: sp.Expr, names: Names, layer: str) -> list[Term]:
    """``expr`` as a list of :class:`Term`s whose bodies are products free of ``Sum``."""
    if isinstance(expr, sp.Sum):
        body, limits = expr.function, list(expr.limits)
        variables = {v for v, _, _ in limits}
        if not any((lo.free_symbols | hi.free_symbols) & variables for _, lo, hi in limits):
            limits.reverse()  # rectangular: read the limits outermost first, as written
        sums = []
        while limits:  # SymPy lists the innermost limit first
            var, lo, hi = limits.pop()
            new = names.fresh(var)
            body = body.xreplace({var: new})
            limits = [(v, lo2.xreplace({var: new}), hi2.xreplace({var: new})) for v, lo2, hi2 in limits]
            lower, upper = _ends(lo, sp.Max), _ends(hi, sp.Min)
            sums.append(Bound(new, lower, upper, (_box(lower), _box(upper))))
        return [Term(tuple(sums) + t.sums, t.body, t.guards) for t in flatten(body, names, layer)]
    if isinstance(expr, sp.Add) and expr.has(sp.Sum, sp.KroneckerDelta, padded):
        return [t for arg in expr.args for t in flatten(arg, names, layer)]
    if isinstance(expr, sp.Mul):
        terms = [Term((), sp.S.One)]
        for arg in expr.args:
            parts = flatten(arg, names, layer)
            terms = [
                Term(a.sums + b.sums, a.body * b.body, a.guards + b.guards)
                for a in terms
                for b in parts
            ]
        return terms
    if expr.has(sp.Sum):
        raise SpecError(
            layer,
            "a sum inside a nonlinear function cannot be differentiated term by term; "
            "define the sum as its own equation",
            expr,
        )
    if expr.has(sp.KroneckerDelta) and isinstance(sp.expand(expr), sp.Add):
        return [Term((), arg) for arg in sp.expand(expr).args]
    return [Term((), expr)]


def _ends(limit: sp.Expr, clip: type) -> tuple[sp.Expr, ...]:
    """A sum's limit as the bounds it clips to: ``Max(-1, -c)`` → ``(-1, -c)``."""
    parts = limit.args if isinstance(limit, clip) else (limit,)
    return tuple(sp.expand(p) for p in sorted(parts, key=sp.default_sort_key))


def _box(ends: tuple[sp.Expr, ...]) -> sp.Expr:
    """A declared end for a clipped limit: the first one no other index moves (each end is sound)."""
    if len(ends) == 1:
        return ends[0]
    fixed = [e for e in ends if not any(not s.is_positive for s in e.free_symbols)]
    return (fixed or list(ends))[0]
