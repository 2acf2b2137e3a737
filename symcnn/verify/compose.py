"""Read a derivation as an index expression, and chain two layers' derivations.

[B5], [B8] and [B12] span two layers: the sensitivity of one layer is the
other's derived input gradient, plugged in as its output gradient. These
helpers take gradients at chosen indices (bound indices made fresh so nothing
is captured), rename a layer's arrays and sizes, substitute one array by an
expression, and unfold an array into its forward definition.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from ..derive import Derivation, Gradient
from ..model.layer import Equation


def fresh_bound(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every summation index replaced by a fresh dummy."""

    def renew(s: sp.Sum) -> sp.Sum:
        body, limits = s.function, []
        for v, lo, hi in s.limits:
            d = sp.Dummy(str(v), integer=True)
            body = body.xreplace({v: d})
            limits = [(w, a.xreplace({v: d}), b.xreplace({v: d})) for w, a, b in limits]
            limits.append((d, lo, hi))
        return sp.Sum(body, *limits)

    return expr.replace(lambda e: isinstance(e, sp.Sum), renew)


def at(g: Gradient, idx: tuple[sp.Expr, ...]) -> sp.Expr:
    """The right-hand side of ``g`` at indices ``idx``."""
    return fresh_bound(g.rhs()).xreplace(dict(zip(g.free, idx)))


def rhs_at(eq: Equation, idx: tuple[sp.Expr, ...]) -> sp.Expr:
    """A forward equation's right-hand side at indices ``idx``."""
    return fresh_bound(eq.rhs).xreplace(dict(zip(eq.free, idx)))


def plug(expr: sp.Expr, label: str, f: Callable[..., sp.Expr]) -> sp.Expr:
    """Replace every access ``label[idx]`` by ``f(*idx)``."""
    return expr.replace(
        lambda e: isinstance(e, sp.Indexed) and str(e.base.label) == label,
        lambda e: f(*e.indices),
    )


def chase(expr: sp.Expr, d: Derivation, keep: tuple[str, ...] = ()) -> sp.Expr:
    """Substitute the derived gradients of ``d``'s intermediates until only seeds and ``keep`` remain."""
    inner = {g.target.label.name: g for g in d.gradients if g.target.label.name not in keep}
    for _ in range(len(inner) + 1):
        found = {str(a.base.label) for a in expr.atoms(sp.Indexed)} & set(inner)
        if not found:
            return expr
        for name in sorted(found):
            g = inner[name]
            expr = plug(expr, name, lambda *idx, g=g: at(g, idx))
    return expr


def relabel(expr: sp.Basic, suffix: str, size_map: dict | None = None) -> sp.Basic:
    """Every array ``A`` of ``expr`` renamed ``A{suffix}``; sizes substituted by ``size_map``."""
    size_map = size_map or {}
    bases = {}
    for b in expr.atoms(sp.IndexedBase):
        shape = tuple(sp.sympify(s).xreplace(size_map) for s in b.shape)
        bases[b] = sp.IndexedBase(f"{b.label}{suffix}", shape=shape, real=True)
    return expr.xreplace({**size_map, **bases})


def relabel_equation(eq: Equation, suffix: str, size_map: dict | None = None) -> Equation:
    return Equation(relabel(eq.lhs, suffix, size_map), relabel(eq.rhs, suffix, size_map))


def resize(eq: Equation, size_map: dict) -> Equation:
    return relabel_equation(eq, "", size_map)


def unfold(expr: sp.Expr, eqs: tuple[Equation, ...]) -> sp.Expr:
    """Replace each array defined by one of ``eqs`` with its definition, until none is left."""
    for _ in range(len(eqs) + 1):
        names = {str(a.base.label) for a in expr.atoms(sp.Indexed)}
        todo = [e for e in eqs if str(e.array.label) in names]
        if not todo:
            return expr
        for eq in todo:
            expr = plug(expr, str(eq.array.label), lambda *idx, eq=eq: rhs_at(eq, idx))
    return expr
