"""One derived term lowered: its loops with printed bounds, its body split into factors, every array
access's affine structure, the constraints its bounds and guards put on the indices [B7], [B12].

What leaves this stage is the :class:`~.ir.Reduction` both backends start from; the Numba
schedule (:mod:`.order`) then picks its loop order and the NumPy one (:mod:`.vectorize`) its
array operations.
"""

from __future__ import annotations

import sympy as sp

from ..derive.terms import Term
from .freeze import depends, elementwise
from .ir import Access, Constraint, Factor, Index, Loop, Reduction, hole, pieces
from .printer import array_code, code, scalar_code
from .ufuncs import chain

__all__ = ["reduction"]


def reduction(t: Term, free: tuple, shape: tuple, sizes: set) -> Reduction:
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
                lower=tuple(code(e) for e in b.lower),
                stop=tuple(code(sp.expand(e + 1)) for e in b.upper),
                declared=(code(lo), code(sp.expand(hi - lo + 1))),
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
    steps = chain(elementwise(holed))
    return Factor(
        scalar=scalar_code(expr),
        array=pieces(array_code(holed)),
        accesses=tuple(_access(a, indices) for a in accesses),
        indices=tuple(str(i) for i in grid),
        chain=None if steps is None else tuple((name, tuple(map(pieces, ops))) for name, ops in steps),
        atom=code(expr).atom,
    )


def _constraint(rel: sp.Basic, indices: set, implied: bool) -> Constraint:
    grid = sorted(rel.free_symbols & indices, key=str)
    holed = rel.xreplace({i: sp.Symbol(hole(f"_g_{i}_")) for i in grid})
    return Constraint(array=pieces(array_code(holed)), indices=tuple(str(i) for i in grid), implied=implied)


def _access(a: sp.Indexed, indices: set) -> Access:
    extents = tuple(code(s) for s in a.base.shape)
    return Access(str(a.base.label), tuple(_index(e, indices) for e in a.indices), extents)


def _index(e: sp.Expr, indices: set) -> Index:
    text = scalar_code(e)
    divisor = sp.S.One
    inner = e
    if isinstance(e, sp.floor):
        inner, divisor = sp.fraction(sp.together(e.args[0]))
    inner = sp.expand(inner)
    if inner.has(sp.floor, sp.Max, sp.Min) or not _affine(inner, indices):
        return Index((), None, None, text)  # not affine: loops can read it, views cannot
    used = sorted(inner.free_symbols & indices, key=str)
    coeffs = tuple((str(i), code(inner.coeff(i))) for i in used)
    offset = sp.expand(inner - sum(inner.coeff(i) * i for i in used))
    return Index(coeffs, code(offset), code(divisor), text)


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
