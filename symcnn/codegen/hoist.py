"""A frozen term's body as the Numba schedule records it (:class:`~.ir.Reduction`), as loop-tree nodes,
no SymPy: what :mod:`.order` and :mod:`.window` record.

:func:`hoisted` places each factor of a frozen body right inside the deepest loop of a nest it reads
and names the common subexpressions of what is left innermost (:func:`.copies.shared`);
:func:`written` writes its numbers as SymPy's code printer wrote them before the schedules were
frozen, and :func:`product` orders a product's factors as SymPy prints them: ``generated/`` stays
byte-identical.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from fractions import Fraction

from . import ir
from . import loops as L
from .copies import shared
from .emit import source

#: The local holding the target's dtype: a hoisted product is cast to it.
_DT = "_dt"


def _quotient(c: Fraction) -> L.Expr:
    """A rational as SymPy's code printer writes one in a product or an exponent: ``(p/q)``."""
    return L.Int(c.numerator) if c.denominator == 1 else \
        L.Mul((L.Int(c.numerator), L.Pow(L.Int(c.denominator), L.Int(-1))))


def _denominator(f: L.Expr) -> L.Expr:
    """A factor :func:`written` writes to a negative rational power ``(p/q)`` back as ``**Rat(p, q)``,
    which :mod:`.emit` writes as a denominator."""
    if isinstance(f, L.Pow) and isinstance(f.exp, L.Mul) and len(f.exp.factors) == 2:
        p, inverse = f.exp.factors
        if isinstance(p, L.Int) and p.value < 0 and isinstance(inverse, L.Pow) \
                and isinstance(inverse.base, L.Int) and inverse.exp == L.Int(-1):
            return L.Pow(f.base, L.Rat(p.value, inverse.base.value))
    return f


def written(e: L.Expr) -> L.Expr:
    """``e`` with its numbers as SymPy's code printer writes them: a product's rational coefficient and
    a rational exponent (not a square root's) as a quotient of integers (``(1/2)*x``, ``x**(-3/4)``),
    where :mod:`.emit` would write a :class:`~.loops.Rat` as ``x/2``; a factor to a negative rational
    power stays a denominator (``y/x**(3/4)``), as that printer writes one."""
    def numbers(n: L.Node) -> L.Node:
        if isinstance(n, L.Pow) and isinstance(n.exp, L.Rat) and not (abs(n.exp.p) == 1 and n.exp.q == 2):
            return L.Pow(n.base, _quotient(Fraction(n.exp.p, n.exp.q)))
        if not isinstance(n, L.Mul):
            return n
        factors = tuple(_denominator(f) for f in n.factors)
        if any(isinstance(f, L.Rat) for f in factors):
            c = math.prod(Fraction(f.value) if isinstance(f, L.Int) else Fraction(f.p, f.q)
                          for f in factors if isinstance(f, (L.Int, L.Rat)))
            factors = (_quotient(c), *(f for f in factors if not isinstance(f, (L.Int, L.Rat))))
        return L.Mul(factors)

    return L.rewrite(e, numbers)


def product(fs: Iterable[L.Expr]) -> L.Expr:
    """The product of ``fs`` as SymPy prints it: the integers multiplied first, then other numbers, names
    by name, other factors as given, then array reads and their powers by the read's source (SymPy sorts
    a read by its text), a read repeated as its power."""
    flat = [g for f in fs for g in L.factors(f)]
    coeff = math.prod(f.value for f in flat if isinstance(f, L.Int))
    if coeff == 0:
        return L.Int(0)
    numbers = [f for f in flat if isinstance(f, (L.Rat, L.Real))]
    named = sorted((f for f in flat if isinstance(f, L.Var)), key=lambda v: v.name)
    count: dict[L.Load, int] = {}
    other = []
    for f in flat:
        base, k = (f.base, f.exp.value) if isinstance(f, L.Pow) and isinstance(f.exp, L.Int) else (f, 1)
        if isinstance(base, L.Load):
            count[base] = count.get(base, 0) + k
        elif not isinstance(f, (L.Int, L.Rat, L.Real, L.Var)):
            other.append(f)
    reads = [f if k == 1 else L.Pow(f, L.Int(k))
             for f, k in sorted(count.items(), key=lambda t: source(t[0]))]
    out = ([L.Int(coeff)] if coeff != 1 else []) + numbers + named + other + reads
    return L.Int(1) if not out else out[0] if len(out) == 1 else L.Mul(tuple(out))


def hoisted(r: ir.Reduction, body: L.Expr) -> ir.Reduction:
    """``r`` with ``body``'s factors computed right inside the deepest loop of ``r.nest`` each reads: a
    hoisted product is cast to the target's dtype (``_dt``), so a ``float32`` kernel stays ``float32`` in
    its inner loop; the product left innermost with its common subexpressions named ``_t<k>``."""
    names = [lp.index for lp in r.nest]
    depth_of: dict[int, list[L.Expr]] = {}
    for f in L.factors(body):
        d = max((names.index(u) + 1 for u in L.names(f) & set(names)), default=0)
        depth_of.setdefault(d, []).append(f)
    inner = len(names)
    hoists, carried = [], None
    for d in sorted(depth_of):
        if d == inner:
            break
        value = product([*depth_of[d], *([carried] if carried is not None else [])])
        carried = L.Var(f"_h{d}")
        hoists.append(ir.Hoist(d, carried.name, L.Typed(written(value), _DT)))
    rest = product([*depth_of.get(inner, []), *([carried] if carried is not None else [])])
    temps, (reduced,) = shared([rest])
    return replace(r, hoists=tuple(hoists), temps=tuple((n, written(e)) for n, e in temps),
                   body=written(reduced))



__all__ = ["hoisted", "product", "written"]
