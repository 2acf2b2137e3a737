"""Fold forward sub-expressions back into the arrays the forward pass saved.

SymPy's derivative of ``Y = σ(U)`` is ``σ(U)(1 − σ(U))``; the forward pass
already holds ``σ(U)`` as ``Y``, so the gradient reads ``Y (1 − Y)``. Likewise
``exp(c_ij)/Z_j`` becomes ``α_ij``.
"""

from __future__ import annotations

import sympy as sp

from ..model.layer import Equation


def fold(expr: sp.Expr, equations: tuple[Equation, ...]) -> sp.Expr:
    """Rewrite every instance of an equation's right-hand side as its left-hand side."""
    for eq in equations:
        if eq.rhs.has(sp.Sum) or isinstance(eq.rhs, (sp.Add, sp.Indexed)):
            continue
        wild = {i: sp.Wild(f"w_{i}") for i in eq.free}
        pattern, target = eq.rhs.xreplace(wild), eq.lhs.xreplace(wild)
        if isinstance(pattern, sp.Mul):
            expr = expr.replace(
                lambda e: isinstance(e, sp.Mul),
                lambda e, p=pattern, t=target: _fold_mul(e, p, t),
            )
        else:
            expr = expr.replace(
                lambda e, p=pattern: unify(p, e, {}) is not None,
                lambda e, p=pattern, t=target: t.xreplace(unify(p, e, {})),
            )
    return expr


def unify(pattern: sp.Basic, expr: sp.Basic, binding: dict) -> dict | None:
    """Structural match of ``pattern`` (wilds stand for whole indices) against ``expr``.

    SymPy's own ``match`` does not bind wilds inside ``Indexed``, hence this.
    """
    if isinstance(pattern, sp.Wild):
        if pattern in binding:
            return binding if binding[pattern] == expr else None
        return {**binding, pattern: expr}
    if not pattern.has(sp.Wild):
        return binding if pattern == expr else None
    if type(pattern) is not type(expr) or len(pattern.args) != len(expr.args):
        return None
    for p, e in zip(pattern.args, expr.args):
        binding = unify(p, e, binding)
        if binding is None:
            return None
    return binding


def _fold_mul(expr: sp.Mul, pattern: sp.Mul, target: sp.Expr) -> sp.Expr:
    want = sorted(_powers(pattern).items(), key=lambda kv: sp.default_sort_key(kv[0]))
    while True:
        binding = _match(_powers(expr), want, {})
        if binding is None:
            return expr
        for base, exp in want:
            expr = expr / base.xreplace(binding) ** exp
        expr = expr * target.xreplace(binding)


def _powers(expr: sp.Expr) -> dict:
    """Factor → integer exponent (``exp(x)`` stays a factor, unlike SymPy's ``E**x``)."""
    out: dict = {}
    for f in sp.Mul.make_args(expr):
        base, exp = (f.base, f.exp) if isinstance(f, sp.Pow) and f.exp.is_Integer else (f, 1)
        out[base] = out.get(base, 0) + exp
    return out


def _match(have: dict, want: list, binding: dict) -> dict | None:
    """Bind the wilds so that every wanted power divides ``have`` (same sign, no smaller)."""
    if not want:
        return binding
    (base, exp), rest = want[0], want[1:]
    for cand in sorted(have, key=sp.default_sort_key):
        got = have[cand]
        if not (got * exp > 0 and abs(got) >= abs(exp)):
            continue
        m = unify(base, cand, binding)
        if m is None:
            continue
        found = _match(have, rest, m)
        if found is not None:
            return found
    return None
